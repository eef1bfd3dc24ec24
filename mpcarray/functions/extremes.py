"""Maximum, minimum and their positions along an axis: ``amax``, ``amin``, ``argmax``, ``argmin``.

A tree reduction: neighbours meet in ``ceil(log2 m)`` levels of one sign test
and one product each, so ties keep the earlier element (NumPy's first occurrence).
"""

import operator
from typing import cast

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements
from ..array.lineage import of_extreme, stamped
from ..array.primitives import relabel, shared_constant, sign_bits
from ..errors import ShapeError, UnsupportedOperationError


def _extreme(x, axis, keepdims: bool, largest: bool, want_index: bool) -> SharedArray:
    """Tree reduction along one axis: ``ceil(log2 m)`` levels of one comparison and one product."""
    if not isinstance(x, SharedArray):
        raise UnsupportedOperationError("expected a SharedArray")
    kept_shape = (1,) * x.ndim
    if axis is None:
        x, axis = x.ravel(), 0
    else:
        axis = _axis(axis, x.ndim)
        kept_shape = tuple(1 if a == axis else n for a, n in enumerate(x.shape))
    if x.shape[axis] == 0:
        raise ValueError("zero-size array to reduction operation which has no identity")
    # NumPy's functions dispatch to SharedArray (their stubs say ndarray): hence the casts
    values = cast(SharedArray, np.transpose(x, [a for a in range(x.ndim) if a != axis] + [axis]))
    index = shared_constant(x, np.broadcast_to(np.arange(x.shape[axis]), values.shape))
    while values.shape[-1] > 1:
        half = values.shape[-1] // 2
        first, second = values[..., 0 : 2 * half : 2], values[..., 1 : 2 * half : 2]
        difference = first - second if largest else second - first
        (second_wins,) = sign_bits(difference)
        index_gap = index[..., 0 : 2 * half : 2] - index[..., 1 : 2 * half : 2]
        # One product for both selections: a 0/1 integer times ring values of any encoding
        # needs no truncation, so the value differences join the index gaps as ring integers.
        picked = (np.concatenate([second_wins, second_wins], -1)
                  * np.concatenate([relabel(difference, 0), index_gap], -1))
        value_change = relabel(picked[..., :half], difference.frac_bits)
        kept = first - value_change if largest else first + value_change
        values = cast(SharedArray, np.concatenate([kept, values[..., 2 * half :]], -1))
        index = cast(SharedArray, np.concatenate([index[..., 0 : 2 * half : 2] - picked[..., half:],
                                                  index[..., 2 * half :]], -1))
    result = (index if want_index else values)[..., 0]
    return cast(SharedArray, np.reshape(result, kept_shape)) if keepdims else result


def _axis(axis, ndim: int) -> int:
    """``axis`` (an int or a one-element tuple) as a non-negative axis."""
    (axis,) = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ShapeError(f"axis {axis} is out of bounds for a SharedArray of dimension {ndim}")
    return axis % ndim


@stamped(of_extreme)
def amax(x, axis=None, keepdims=False) -> SharedArray:
    """Maximum along ``axis`` (all elements if None).

    Steps: ``ceil(log2 m)`` levels, each one sign test of neighbour differences
    and one product selecting values and indices together.
    Cost: ``(s + 1) ceil(log2 m)`` rounds for ``m`` elements along ``axis``, ``s`` the
    rounds of a sign test (``6 ceil(log2 m)`` in additive sessions).
    Security: masked openings only; which element wins stays secret.
    """
    return _extreme(x, axis, keepdims, largest=True, want_index=False)


@stamped(of_extreme)
def amin(x, axis=None, keepdims=False) -> SharedArray:
    """Minimum along ``axis``. Steps, cost and security as :func:`amax`."""
    return _extreme(x, axis, keepdims, largest=False, want_index=False)


@stamped(of_extreme)
def argmax(x, axis=None, keepdims=False) -> SharedArray:
    """Index of the (first) maximum along ``axis``, as shared integers (flat index if None).

    Steps, cost and security as :func:`amax`.
    """
    return _extreme(x, axis, keepdims, largest=True, want_index=True)


@stamped(of_extreme)
def argmin(x, axis=None, keepdims=False) -> SharedArray:
    """Index of the (first) minimum along ``axis``. Steps, cost and security as :func:`amax`."""
    return _extreme(x, axis, keepdims, largest=False, want_index=True)


@implements(np.max)
def _np_max(a, axis=None, out=None, keepdims=False, **unsupported):
    _no_extra("max", out, unsupported)
    return amax(a, axis, keepdims)


@implements(np.min)
def _np_min(a, axis=None, out=None, keepdims=False, **unsupported):
    _no_extra("min", out, unsupported)
    return amin(a, axis, keepdims)


@implements(np.argmax)
def _np_argmax(a, axis=None, out=None, *, keepdims=False):
    _no_extra("argmax", out, {})
    return argmax(a, axis, keepdims)


@implements(np.argmin)
def _np_argmin(a, axis=None, out=None, *, keepdims=False):
    _no_extra("argmin", out, {})
    return argmin(a, axis, keepdims)


def _no_extra(name, out, unsupported):
    if out is not None or any(v is not None for v in unsupported.values()):
        raise UnsupportedOperationError(f"numpy.{name} on SharedArray supports only axis and keepdims")
