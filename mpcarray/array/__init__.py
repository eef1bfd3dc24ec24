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
from .elementary import divide, exp, log, reciprocal, rsqrt, sigmoid, sqrt, tanh
from .owner import owner_apply, row_parts
from .shared_array import SharedArray

__all__ = [
    "SharedArray",
    "absolute",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "clip",
    "divide",
    "exp",
    "log",
    "maximum",
    "minimum",
    "owner_apply",
    "reciprocal",
    "relu",
    "row_parts",
    "rsqrt",
    "sigmoid",
    "sign",
    "sqrt",
    "supported_functions",
    "supported_ufuncs",
    "tanh",
    "where",
]
