"""Comparisons and selection on SharedArrays: ``< <= > >= == !=`` and ``where``.

Every comparison reduces to the sign and zero tests of a difference
(:func:`mpcarray.array.primitives.sign_bits`, 5 rounds whatever the size in
additive sessions, 8 in Shamir sessions) and
returns shared 0/1 ring integers (marked :attr:`SharedArray.is_bool`, so ``&``,
``|``, ``^`` and ``~`` combine them). Results are exact (no approximation) whenever
the difference of the operands does not wrap: always for fixed-point values in
the safe range, and for integers with ``|x - y| < 2^63``. A shared ``where``
multiplies the condition by a difference: one round, no truncation. Functions
built from comparisons (sign, abs, max, clip, argmax, ...) are in
:mod:`mpcarray.functions`.
"""

import numpy as np

from ..errors import UnsupportedOperationError
from .dispatch import implements, implements_ufunc
from .primitives import sign_bits
from .promotion import INT, public_array
from .shared_array import SharedArray, _runtime_of, _subtract


def _negative_of(a, b) -> SharedArray:
    """``[a - b < 0]`` for SharedArrays or public operands (at least one shared)."""
    (bit,) = sign_bits(_subtract(a, b))
    return bit


def _zero_of(a, b) -> SharedArray:
    (bit,) = sign_bits(_subtract(a, b), negative=False, zero=True)
    return bit


def _not(bit: SharedArray) -> SharedArray:
    """``1 - bit``, still a 0/1 array."""
    flipped = 1 - bit
    flipped._bool = True
    return flipped


@implements_ufunc(np.less)
def _less(a, b):
    return _negative_of(a, b)


@implements_ufunc(np.greater)
def _greater(a, b):
    return _negative_of(b, a)


@implements_ufunc(np.less_equal)
def _less_equal(a, b):
    return _not(_negative_of(b, a))


@implements_ufunc(np.greater_equal)
def _greater_equal(a, b):
    return _not(_negative_of(a, b))


@implements_ufunc(np.equal)
def _equal(a, b):
    return _zero_of(a, b)


@implements_ufunc(np.not_equal)
def _not_equal(a, b):
    return _not(_zero_of(a, b))


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


__all__ = ["where"]
