"""Boolean logic on shared 0/1 arrays: ``&``, ``|``, ``^``, ``~`` and ``numpy.logical_*``.

For 0/1 values ``a & b = a b``, ``a | b = a + b - a b``, ``a ^ b = a + b - 2 a b``
and ``~a = 1 - a``: one product of ring integers (no truncation) per binary
operator, nothing for ``~``. An operand counts as 0/1 when it is a shared
bool array, a comparison result or a result of these operators
(:attr:`SharedArray.is_bool`), or a public bool array; other operands are
refused, because on other integers the formulas would silently compute
something else (convert them with ``x.astype(bool)``, i.e. ``x != 0``).
Results are 0/1 SharedArrays (revealed as int64, like comparisons).
"""

import numpy as np

from ..errors import UnsupportedOperationError
from .dispatch import implements_ufunc
from .promotion import public_array
from .shared_array import SharedArray, _multiply, _runtime_of

#: The operator spelling of each operation, for error messages.
SYMBOLS = {"logical_and": "&", "logical_or": "|", "logical_xor": "^", "logical_not": "~"}


def _boolean(x, name: str):
    """``x`` checked to hold 0/1 values: a 0/1 SharedArray, a public bool array or a Python bool."""
    if isinstance(x, SharedArray):
        if not x.is_bool:
            raise UnsupportedOperationError(
                f"{SYMBOLS[name]} (numpy.{name}) on SharedArray needs 0/1 operands (shared bools, comparison results "
                f"or logic on them); this SharedArray holds {x.dtype} values: compare it first "
                f"(e.g. x == 1) or convert with x.astype(bool)")
        return x
    arr = public_array(x)
    if arr.dtype.kind != "b":
        raise UnsupportedOperationError(
            f"{SYMBOLS[name]} (numpy.{name}) with a SharedArray needs a public bool operand, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _flag(x: SharedArray) -> SharedArray:
    x._bool = True
    return x


def _binary(a, b, name: str, combine):
    a, b = _boolean(a, name), _boolean(b, name)
    _runtime_of(a, b)
    return _flag(combine(a, b, _multiply(a, b)))


@implements_ufunc(np.logical_and)
@implements_ufunc(np.bitwise_and)
def logical_and(a, b):
    """``a & b`` for 0/1 arrays: ``a b``. Cost: 1 round (a product of ring integers; 0 if one is public).

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     age, sex = s.share(np.array([70, 50, 65]), owner=0), s.share(np.array([1, 1, 2]), owner=1)
    ...     print(((age > 60) & (sex == 1)).reveal())
    [1 0 0]
    """
    return _binary(a, b, "logical_and", lambda a, b, ab: ab)


@implements_ufunc(np.logical_or)
@implements_ufunc(np.bitwise_or)
def logical_or(a, b):
    """``a | b`` for 0/1 arrays: ``a + b - a b``. Cost: 1 round (0 if one operand is public)."""
    return _binary(a, b, "logical_or", lambda a, b, ab: a + b - ab)


@implements_ufunc(np.logical_xor)
@implements_ufunc(np.bitwise_xor)
def logical_xor(a, b):
    """``a ^ b`` for 0/1 arrays: ``a + b - 2 a b``. Cost: 1 round (0 if one operand is public)."""
    return _binary(a, b, "logical_xor", lambda a, b, ab: a + b - 2 * ab)


@implements_ufunc(np.logical_not)
@implements_ufunc(np.invert)
def logical_not(a):
    """``~a`` for a 0/1 array: ``1 - a``. Cost: no communication."""
    return _flag(1 - _boolean(a, "logical_not"))


__all__ = ["logical_and", "logical_not", "logical_or", "logical_xor"]
