"""The ``SharedArray`` type: NumPy-style arrays over secret shares."""

from . import functions  # noqa: F401  (registers the NumPy function implementations)
from .dispatch import supported_functions, supported_ufuncs
from .shared_array import SharedArray

__all__ = ["SharedArray", "supported_functions", "supported_ufuncs"]
