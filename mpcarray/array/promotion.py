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
shared GF(p)        shared GF(p)         shared GF(p) (exact mod p)
shared GF(p)        public GF(p) / int   shared GF(p) (ints taken mod p)
==================  ===================  ================================

Field elements (shared from a galois ``FieldArray``) combine only with
elements of the same field and with public integers; mixing them with shared
integers or reals raises :class:`~mpcarray.errors.DomainMismatchError`.
"""

import numpy as np

from ..errors import DomainMismatchError, UnsupportedOperationError
from ..lazy_imports import is_field_array

INT = 0


def public_array(value, field=None) -> np.ndarray:
    """A public operand as an ndarray of bool, integer or float dtype.

    ``field`` is the galois field of the shared operand, if it holds field
    elements: the public operand must then be an array of that field or
    integers, returned as ``uint64`` elements (integers taken mod p).
    """
    if is_field_array(value) or field is not None:
        return _field_elements(value, field)
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


def _field_elements(value, field) -> np.ndarray:
    """A public operand of a field-element SharedArray as ``uint64`` elements of ``field``."""
    if is_field_array(value):
        if field is None or type(value).order != field.order:
            what = "integers or reals" if field is None else f"elements of {field.name}"
            raise DomainMismatchError(f"cannot combine {type(value).name} elements with shared {what}")
        return np.asarray(value).astype(np.uint64)
    arr = np.asarray(value)
    if arr.dtype.kind not in "biu" and not (arr.dtype == object and all(isinstance(v, int) for v in arr.flat)):
        raise DomainMismatchError(
            f"a public operand of dtype {arr.dtype} cannot be combined with shared {field.name} elements "
            f"(use elements of {field.name} or integers)")
    return np.asarray(np.mod(arr.astype(object), field.order)).astype(np.uint64)
