"""Prime fields GF(p), p < 2^63, held one element per ``uint64`` word.

Elements are the integers ``0 .. p - 1``. Sums of two elements fit in a word
(``p < 2^63``); products need 128 bits and are reduced by the kernels of
:mod:`mpcarray.kernels.field`. Signed integers enter as ``v mod p`` and values
above ``(p - 1) / 2`` decode as negative, so integers are exact while every
result satisfies ``|v| <= (p - 1) / 2``. ``galois`` supplies the field class
users pass in and receive (:attr:`PrimeField.galois`), imported when a program
uses one; bulk arithmetic stays in the kernels (galois works on Python
integers for ``p >= 2^32``).
"""

from functools import cached_property

import numpy as np

from .. import kernels, lazy_imports
from ..errors import EncodingError
from ..kernels.readonly import broadcast_read_only

#: Largest supported modulus (exclusive): one element per ``uint64`` word, sums without overflow.
MAX_MODULUS = 2**63
#: The default field of Shamir sessions: the Mersenne prime 2^61 - 1 (fast reduction by shifts).
DEFAULT_PRIME = 2**61 - 1

#: Miller-Rabin bases that decide primality of every n < 3.3 * 10^24 (Sorenson & Webster 2015).
_WITNESSES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)


def is_prime(n: int) -> bool:
    """Whether ``n < 2^63`` is prime: deterministic Miller-Rabin with :data:`_WITNESSES`."""
    if n < 2 or any(n % w == 0 for w in _WITNESSES):
        return n in _WITNESSES
    odd, twos = n - 1, 0
    while odd % 2 == 0:
        odd, twos = odd // 2, twos + 1
    for witness in _WITNESSES:
        x = pow(witness, odd, n)
        if x in (1, n - 1):
            continue
        for _ in range(twos - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


class PrimeField:
    """The prime field GF(p) for a prime ``2 < p < 2^63``."""

    element_bytes = 8
    dtype = np.dtype(np.uint64)
    is_ring = False
    #: PRG words that make one uniform element (bias below 2^-64).
    words_per_element = 2

    def __init__(self, p: int):
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
            raise TypeError(f"the field modulus must be an integer, got {p!r}")
        p = int(p)
        if not 2 < p < MAX_MODULUS or not is_prime(p):
            raise ValueError(f"the modulus must be an odd prime below 2^63, got {p}")
        self.p = p
        self.modulus = p
        self.name = f"GF({p})"
        self._p = np.uint64(p)
        self._half = (p - 1) // 2

    @classmethod
    def of(cls, field_class) -> "PrimeField":
        """The domain of a galois field class ``galois.GF(p)`` (prime order, below 2^63)."""
        import galois  # imported already: the caller made field_class with it

        if not (isinstance(field_class, type) and issubclass(field_class, galois.FieldArray)):
            raise TypeError(f"field must be a galois field class such as galois.GF(p), got {field_class!r}")
        if field_class.degree != 1:
            raise ValueError(f"{field_class.name} is an extension field; only prime fields GF(p) are supported")
        return cls(field_class.characteristic)

    @cached_property
    def galois(self):
        """The galois field class ``GF(p)``."""
        return lazy_imports.galois().GF(self.p)

    # ------------------------------------------------------------ arithmetic
    def _binary(self, kernel, a, b):
        a, b = broadcast_read_only(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
        out = kernel(np.ascontiguousarray(a).ravel(), np.ascontiguousarray(b).ravel(), self._p)
        return out.reshape(a.shape)

    def add(self, a, b):
        return self._binary(kernels.add_mod, a, b)

    def sub(self, a, b):
        return self._binary(kernels.sub_mod, a, b)

    def mul(self, a, b):
        return self._binary(kernels.mul_mod, a, b)

    def neg(self, a):
        a = np.asarray(a, dtype=np.uint64)
        return kernels.neg_mod(np.ascontiguousarray(a).ravel(), self._p).reshape(a.shape)

    def mul_pow2(self, a, bits: int):
        """``a * 2^bits`` in the field."""
        return self.mul(a, np.uint64(pow(2, bits, self.p)))

    def sum(self, x, axis, keepdims: bool = False):
        """Exact sum over the tuple of ``axis`` modulo p."""
        x = np.asarray(x, dtype=np.uint64)
        axes = tuple(a % x.ndim for a in axis)
        total = kernels.sum_mod_axis(x, axes, self._p)
        if keepdims:
            total = total.reshape(tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
        return total

    def sum_rows(self, rows):
        """Column sums modulo p of a C-contiguous ``(k, N)`` array."""
        return kernels.sum_mod(rows, self._p)

    def matmul(self, a, b):
        """Product of two 2-D element matrices modulo p."""
        return kernels.matmul_mod(np.ascontiguousarray(a, dtype=np.uint64),
                                  np.ascontiguousarray(b, dtype=np.uint64), self._p)


    # --------------------------------------------------------------- encoding
    def encode_int(self, values) -> np.ndarray:
        """Integers (or bools) as field elements ``v mod p``; rejects ``|v| > (p - 1) / 2``."""
        arr = np.asarray(values)
        if arr.dtype.kind not in "biu":
            raise TypeError(f"expected integers or bools, got dtype {arr.dtype}")
        if arr.dtype == np.uint64:
            if arr.size and int(arr.max()) > self._half:
                raise EncodingError(self._range_message(int(arr.max())))
            return arr.copy()
        signed = arr.astype(np.int64)
        if signed.size:
            peak = max(int(signed.max()), -int(signed.min()))
            if peak > self._half:
                raise EncodingError(self._range_message(peak))
        negative = signed < 0
        out = signed.view(np.uint64).copy()
        out[negative] = self._p - (-signed[negative]).view(np.uint64)
        return out

    def _range_message(self, peak: int) -> str:
        return (f"integer {peak} is outside the exact range |v| <= (p - 1) / 2 = {self._half} of "
                f"{self.name}; use a larger field")

    def decode_int(self, elements) -> np.ndarray:
        """Field elements as signed int64: values above ``(p - 1) / 2`` are negative."""
        e = np.asarray(elements, dtype=np.uint64)
        out = e.view(np.int64).copy()
        high = e > np.uint64(self._half)
        out[high] = -(self._p - e[high]).view(np.int64)
        return out

    def encode_elements(self, field_array) -> np.ndarray:
        """A galois array of this field as ``uint64`` elements."""
        if type(field_array).order != self.p or type(field_array).degree != 1:
            raise EncodingError(f"cannot use elements of {type(field_array).name} in {self.name}")
        return np.asarray(field_array).astype(np.uint64)

    def to_integers(self, elements) -> np.ndarray:
        """Elements as Python integers in ``[0, p)`` (an object array; for a few values)."""
        return np.asarray(elements, dtype=np.uint64).astype(object)

    def from_integers(self, values) -> np.ndarray:
        """Integers in ``[0, p)`` (nested sequences, or a galois array of this field) as elements."""
        return np.asarray(values).astype(np.uint64)

    def uniform(self, rng, shape) -> np.ndarray:
        """Uniform field elements: two 64-bit words per element, reduced (bias below 2^-64)."""
        shape = tuple(shape)
        return self.from_words(rng.integers(0, 2**64, size=(2,) + shape, dtype=np.uint64))

    def from_words(self, words) -> np.ndarray:
        """``(2, *shape)`` uniform words ``(high, low)`` as elements ``(high * 2^64 + low) mod p``."""
        high, low = (np.ascontiguousarray(w, dtype=np.uint64).ravel() for w in words)
        return kernels.reduce_wide(high, low, self._p).reshape(words.shape[1:])

    def __eq__(self, other):
        return isinstance(other, PrimeField) and other.p == self.p

    def __hash__(self):
        return hash((PrimeField, self.p))

    def __repr__(self) -> str:
        return f"PrimeField({self.p})"
