"""The ``SharedArray`` type: NumPy-style arrays over secret shares.

Nonlinear functions (exp, sqrt, maximum, argmax, ...) are in :mod:`mpcarray.functions`,
built from the primitives of :mod:`mpcarray.array.primitives`.
"""

from . import (
    logic,  # noqa: F401  (registers & | ^ ~ and numpy.logical_*)
    numpy_functions,  # noqa: F401  (registers the NumPy function implementations)
    primitives,
)
from .comparisons import where
from .dispatch import supported_functions, supported_ufuncs
from .owner import owner_apply, owner_apply_each, owner_local_or_secure, row_parts
from .shared_array import SharedArray

__all__ = [
    "SharedArray",
    "owner_apply",
    "owner_apply_each",
    "owner_local_or_secure",
    "primitives",
    "row_parts",
    "supported_functions",
    "supported_ufuncs",
    "where",
]
