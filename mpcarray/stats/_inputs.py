"""Argument checks and disclosure shared by the statistics functions."""

import numpy as np

from ..array import SharedArray
from ..array.checks import shared
from ..errors import ShapeError, UnsupportedOperationError
from ..privacy import suppress_small as _suppress_small

__all__ = ["disclose_counts", "increasing", "integers", "levels", "same_length", "shared", "threshold"]


def integers(x, name: str, ndim=(1,)) -> SharedArray:
    """A SharedArray of ring integers (codes, 0/1 indicators, integer times)."""
    shared(x, name, ndim)
    if x.dtype.kind != "i":
        raise UnsupportedOperationError(
            f"{name} must be shared integers (category codes or 0/1), got fixed-point reals")
    return x


def same_length(**arrays) -> int:
    """The common number of rows of the named arrays; raises ShapeError when they differ."""
    lengths = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ShapeError(f"arrays must have the same number of rows, got {lengths}")
    return next(iter(lengths.values()))


def levels(values, name: str) -> np.ndarray:
    """Public, distinct integer category levels."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iub":
        raise ValueError(f"{name} must be a non-empty 1-D sequence of public integers")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} contains repeated levels")
    return arr.astype(np.int64)


def increasing(values, name: str) -> np.ndarray:
    """A public, strictly increasing 1-D grid (bin edges, a timeline)."""
    if isinstance(values, SharedArray):
        raise TypeError(f"{name} must be public (a NumPy array), not a SharedArray")
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite public numbers")
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    return arr


def threshold(k) -> int | None:
    """Validate a ``suppress_small`` threshold (None disables suppression)."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"suppress_small must be a positive integer or None, got {k!r}")
    return int(k)


def disclose_counts(counts: SharedArray, label: str, cohort: int, suppress: int | None):
    """Open shared integer counts; with ``suppress`` only the cells ``>= suppress`` (a masked array)."""
    if suppress is None:
        return counts.reveal(label=label, cohort=cohort)
    return _suppress_small(counts, k=suppress, label=label)
