"""Kinds of shared data and how mixed operations promote.

A SharedArray holds ring elements with ``frac`` fractional bits: ``0`` for exact
ring integers (shared ints and bools; revealed as int64) or ``f`` for fixed-point
reals (revealed as float64). Public operands are classified by NumPy dtype.

==================  ===================  ================================
left                right                result
==================  ===================  ================================
shared int          shared int           shared int (exact mod 2^64)
shared int          shared fixed         shared fixed (int lifted by 2^f)
shared fixed        shared fixed         shared fixed (products truncated)
shared int          public int / bool    shared int (exact)
shared int          public float         shared fixed
shared fixed        public int / bool    shared fixed (products exact)
shared fixed        public float         shared fixed
any                 ``/`` public         shared fixed
==================  ===================  ================================
"""

import numpy as np

from ..errors import UnsupportedOperationError

INT = 0


def public_array(value) -> np.ndarray:
    """A public operand as an ndarray of bool, integer or float dtype."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise UnsupportedOperationError(
            f"public operand of dtype {arr.dtype} cannot be combined with a SharedArray "
            f"(only bool, integer and real values are supported)"
        )
    return arr


def is_integer(arr: np.ndarray) -> bool:
    """True for public bool or integer arrays, which combine exactly with ring integers."""
    return arr.dtype.kind in "biu"
