"""Comparisons and selection on SharedArrays: ``< <= > >= == !=``, sign, abs, max/min, where, clip.

Every comparison reduces to the sign and zero tests of a difference
(:func:`mpcarray.protocols.sign_bits`, 8 rounds whatever the size) and returns
shared 0/1 ring integers. Results are exact (no approximation) whenever the
difference of the operands does not wrap: always for fixed-point values in the
safe range, and for integers with ``|x - y| < 2^63``. Selections multiply a
shared bit by a difference: one more round, no truncation.
"""

import numpy as np

from .. import protocols
from ..errors import UnsupportedOperationError
from .dispatch import implements, implements_ufunc
from .promotion import INT, public_array
from .shared_array import (
    SharedArray,
    _broadcast,
    _element_axes,
    _runtime_of,
    _subtract,
)


def _bits(x: SharedArray, *, negative=True, zero=False) -> list[SharedArray]:
    """Shared 0/1 integers ``[x < 0]`` and/or ``[x == 0]``, in one 8-round protocol."""
    rt = _runtime_of(x)
    rows = protocols.sign_bits(rt, x._shares, negative=negative, zero=zero)
    return [x._new(r, INT, x._known_by) for r in rows]


def _negative_of(a, b) -> SharedArray:
    """``[a - b < 0]`` for SharedArrays or public operands (at least one shared)."""
    (bit,) = _bits(_subtract(a, b))
    return bit


def _zero_of(a, b) -> SharedArray:
    (bit,) = _bits(_subtract(a, b), negative=False, zero=True)
    return bit


@implements_ufunc(np.less)
def _less(a, b):
    return _negative_of(a, b)


@implements_ufunc(np.greater)
def _greater(a, b):
    return _negative_of(b, a)


@implements_ufunc(np.less_equal)
def _less_equal(a, b):
    return 1 - _negative_of(b, a)


@implements_ufunc(np.greater_equal)
def _greater_equal(a, b):
    return 1 - _negative_of(a, b)


@implements_ufunc(np.equal)
def _equal(a, b):
    return _zero_of(a, b)


@implements_ufunc(np.not_equal)
def _not_equal(a, b):
    return 1 - _zero_of(a, b)


def _bit_times(bit: SharedArray, value: SharedArray) -> SharedArray:
    """``bit * value`` for a shared 0/1 integer: one Beaver round, no truncation."""
    return bit * value


@implements_ufunc(np.sign)
def sign(x):
    """-1, 0 or 1 per element, as shared integers. 8 rounds."""
    negative, zero = _bits(x, negative=True, zero=True)
    return 1 - 2 * negative - zero


@implements_ufunc(np.absolute)
def absolute(x):
    """``|x|``: one sign test and one product. 9 rounds."""
    (negative,) = _bits(x)
    return x - 2 * _bit_times(negative, x)


def relu(x):
    """``max(x, 0)`` per element. 9 rounds."""
    (negative,) = _bits(x)
    return x - _bit_times(negative, x)


@implements_ufunc(np.maximum)
def maximum(a, b):
    """Elementwise maximum (NumPy broadcasting). 9 rounds."""
    difference = _subtract(a, b)
    (a_smaller,) = _bits(difference)
    return a - _bit_times(a_smaller, difference)


@implements_ufunc(np.minimum)
def minimum(a, b):
    """Elementwise minimum (NumPy broadcasting). 9 rounds."""
    difference = _subtract(a, b)
    (a_smaller,) = _bits(difference)
    return b + _bit_times(a_smaller, difference)


@implements(np.where)
def where(condition, x=None, y=None):
    """``x`` where ``condition`` else ``y``; a shared condition must hold 0/1 integers.

    A shared condition costs one product (1 round); a public one selects locally.
    """
    if x is None or y is None:
        raise UnsupportedOperationError("numpy.where(condition) without x and y would reveal positions")
    if isinstance(condition, SharedArray):
        if condition._frac != INT:
            raise UnsupportedOperationError("a shared where() condition must be a 0/1 integer array")
        _runtime_of(condition, x, y)
        return y + condition * _difference(x, y)
    mask = np.asarray(condition, dtype=bool)
    return y + mask.astype(np.int64) * _difference(x, y)


def _difference(x, y):
    """``x - y`` for where(): secure if either branch is shared, else plain NumPy."""
    if isinstance(x, SharedArray) or isinstance(y, SharedArray):
        return _subtract(x, y)
    return np.subtract(public_array(x), public_array(y))


@implements(np.clip)
def clip(a, a_min, a_max, out=None, **kwargs):
    """Limit values to ``[a_min, a_max]`` (public or shared bounds). 9 rounds."""
    if out is not None or kwargs:
        raise UnsupportedOperationError("numpy.clip on SharedArray supports no out= or extra arguments")
    below = _subtract(a, a_min)
    above = _subtract(a_max, a)
    shape = _broadcast(below.shape, above.shape)
    (outside,) = _bits(np.stack([_broadcast_to(below, shape), _broadcast_to(above, shape)]))
    fix = outside * np.stack([_broadcast_to(below, shape), _broadcast_to(above, shape)])
    return a - fix[0] + fix[1]


def _broadcast_to(x: SharedArray, shape) -> SharedArray:
    rows = np.broadcast_to(x._shares.reshape(x._shares.shape[:1] + (1,) * (len(shape) - x.ndim)
                                             + x.shape), x._shares.shape[:1] + tuple(shape))
    return x._new(np.ascontiguousarray(rows), known_by=x._known_by)


def _extreme(x: SharedArray, axis, keepdims: bool, largest: bool, want_index: bool):
    """Tree reduction along one axis: ``ceil(log2 m)`` levels of one comparison and one product."""
    if not isinstance(x, SharedArray):
        raise UnsupportedOperationError("expected a SharedArray")
    rt = _runtime_of(x)
    kept_shape = (1,) * x.ndim
    if axis is None:
        x, axis = x.ravel(), 0
    else:
        (axis,) = _element_axes(axis, x.ndim)
        kept_shape = tuple(1 if a == axis else n for a, n in enumerate(x.shape))
    if x.shape[axis] == 0:
        raise ValueError("zero-size array to reduction operation which has no identity")
    order = [a for a in range(x.ndim) if a != axis] + [axis]
    values = x.transpose(order)
    index = np.broadcast_to(np.arange(x.shape[axis]), values.shape)
    index = x._new(protocols.public_shares(rt, index.astype(np.uint64)), INT, x._known_by)
    while values.shape[-1] > 1:
        half = values.shape[-1] // 2
        # Neighbours (2j, 2j + 1) meet, so blocks stay in order and ties keep the
        # earlier element: NumPy's first occurrence.
        first, second = values[..., 0 : 2 * half : 2], values[..., 1 : 2 * half : 2]
        difference = first - second if largest else second - first
        (second_wins,) = _bits(difference)
        index_gap = index[..., 0 : 2 * half : 2] - index[..., 1 : 2 * half : 2]
        # One Beaver round for both selections: a 0/1 integer times ring values of any
        # encoding needs no truncation, so the raw shares can be multiplied together.
        wins = np.concatenate([second_wins._shares, second_wins._shares], -1)
        gaps = np.concatenate([difference._shares, index_gap._shares], -1)
        picked = protocols.mul(rt, wins, gaps)
        value_change = x._new(picked[..., :half], difference._frac, x._known_by)
        index_change = x._new(picked[..., half:], INT, x._known_by)
        kept = first - value_change if largest else first + value_change
        values = np.concatenate([kept, values[..., 2 * half:]], -1)
        index = np.concatenate([index[..., 0 : 2 * half : 2] - index_change,
                                index[..., 2 * half:]], -1)
    result = index if want_index else values
    result = result[..., 0]
    return np.reshape(result, kept_shape) if keepdims else result


def amax(x, axis=None, keepdims=False):
    """Maximum along ``axis`` (all elements if None). ``9 * ceil(log2 m)`` rounds."""
    return _extreme(x, axis, keepdims, largest=True, want_index=False)


def amin(x, axis=None, keepdims=False):
    """Minimum along ``axis``."""
    return _extreme(x, axis, keepdims, largest=False, want_index=False)


def argmax(x, axis=None, keepdims=False):
    """Index of the (first) maximum along ``axis``, as shared integers (flat index if None)."""
    return _extreme(x, axis, keepdims, largest=True, want_index=True)


def argmin(x, axis=None, keepdims=False):
    """Index of the (first) minimum along ``axis``."""
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


__all__ = ["absolute", "amax", "amin", "argmax", "argmin", "clip", "maximum", "minimum", "relu",
           "sign", "where"]
