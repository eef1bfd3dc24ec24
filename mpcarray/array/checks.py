"""Argument checks shared by the layers written against SharedArray (statistics, models)."""

from ..errors import ShapeError
from .shared_array import SharedArray


def shared(x, name: str, ndim: int | tuple[int, ...] = (1, 2)) -> SharedArray:
    """``x`` itself, after checking it is a SharedArray with rows and an allowed number of dimensions."""
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if not isinstance(x, SharedArray):
        raise TypeError(f"{name} must be a SharedArray (use s.share(...)), got {type(x).__name__}")
    if x.ndim not in allowed:
        raise ShapeError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s), got shape {x.shape}")
    if x.shape[0] == 0:
        raise ShapeError(f"{name} has no rows")
    return x
