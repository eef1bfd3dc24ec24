"""The ``SharedArray`` type: NumPy-style arrays over secret shares."""

from . import functions  # noqa: F401  (registers the NumPy function implementations)
from .comparisons import (
    absolute,
    amax,
    amin,
    argmax,
    argmin,
    clip,
    maximum,
    minimum,
    relu,
    sign,
    where,
)
from .dispatch import supported_functions, supported_ufuncs
from .shared_array import SharedArray

__all__ = [
    "SharedArray",
    "absolute",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "clip",
    "maximum",
    "minimum",
    "relu",
    "sign",
    "supported_functions",
    "supported_ufuncs",
    "where",
]
