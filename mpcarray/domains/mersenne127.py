"""The prime field GF(2^127 - 1), two ``uint64`` words per element: room for fixed point under Shamir.

Probabilistic truncation in a field (Catrina and Saxena, FC 2010) opens
``b + r`` where ``b < 2^(K+1)`` is the biased value and ``r`` a random mask
``2^κ`` times larger, summed over ``C(n, t)`` PRSS keys; nothing may wrap
modulo ``p``, so ``K + 1 + κ + log2 C(n, t) + 1 < 127``. With ``κ = 40``
statistical security, ``K = 124 - 40 - ceil(log2 C)`` bits for a
double-scaled product (82 at 3 parties, 78 at 7), above the 62 bits the
safe range of reals needs. A 61-bit prime leaves no such room, which is why
reals in Shamir sessions use this Mersenne prime (reduction by shifts and adds).

An element array of shape ``S`` has shape ``S`` and the structured dtype
:data:`ELEMENT127` (``lo``, ``hi`` words), so indexing, reshaping and joining
work unchanged; the kernels of :mod:`mpcarray.kernels.field127` see flat
``(N, 2)`` word views.
"""

import numpy as np

from .. import kernels
from ..errors import EncodingError
from ..kernels.readonly import broadcast_read_only

#: Two little-endian words per element, value ``hi * 2^64 + lo`` in ``[0, p)``.
ELEMENT127 = np.dtype([("lo", "<u8"), ("hi", "<u8")])
MODULUS = 2**127 - 1
#: Statistical security of probabilistic truncation, in bits.
STATISTICAL_BITS = 40


def _words(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=ELEMENT127).view(np.uint64).reshape(-1, 2)


def _elements(words: np.ndarray, shape) -> np.ndarray:
    return np.ascontiguousarray(words).view(ELEMENT127).reshape(shape)


class Mersenne127:
    """GF(2^127 - 1) with elements in two 64-bit words: the number domain of Shamir sessions."""

    name = "GF(2^127 - 1)"
    modulus = MODULUS
    dtype = ELEMENT127
    element_bytes = 16
    is_ring = False
    #: PRG words that make one uniform element (bias below 2^-64).
    words_per_element = 3

    # ------------------------------------------------------------ arithmetic
    def _binary(self, kernel, a, b):
        a, b = broadcast_read_only(np.asarray(a, dtype=ELEMENT127), np.asarray(b, dtype=ELEMENT127))
        return _elements(kernel(_words(a), _words(b)), a.shape)

    def add(self, a, b):
        return self._binary(kernels.add127, a, b)

    def sub(self, a, b):
        return self._binary(kernels.sub127, a, b)

    def mul(self, a, b):
        return self._binary(kernels.mul127, a, b)

    def power(self, a, exponent: int):
        """``a^exponent`` elementwise, for a Python integer ``exponent >= 0``."""
        a = np.asarray(a, dtype=ELEMENT127)
        return _elements(kernels.pow127(_words(a), exponent), a.shape)

    def neg(self, a):
        a = np.asarray(a, dtype=ELEMENT127)
        return _elements(kernels.neg127(_words(a)), a.shape)

    def mul_pow2(self, a, bits: int):
        """``a * 2^bits``: a rotation of the 127-bit value (``2^127 = 1``)."""
        a = np.asarray(a, dtype=ELEMENT127)
        return _elements(kernels.mul_pow2_127(_words(a), bits % 127), a.shape)

    def sum(self, x, axis, keepdims: bool = False):
        """Exact sum over the tuple of ``axis`` modulo p."""
        x = np.asarray(x, dtype=ELEMENT127)
        axes = tuple(a % x.ndim for a in axis)
        total = kernels.sum127(x, axes)
        if keepdims:
            total = total.reshape(tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
        return total

    def sum_rows(self, rows):
        """Column sums of a ``(k, N)`` element array."""
        k = rows.shape[0]
        words = np.ascontiguousarray(rows, dtype=ELEMENT127).view(np.uint64).reshape(k, -1, 2)
        return _elements(kernels.sum_rows127(words), rows.shape[1:])

    def matmul(self, a, b):
        """Product of two 2-D element matrices modulo p."""
        (m, k), n = a.shape, b.shape[1]
        return _elements(kernels.matmul127(_words(a), _words(b), m, k, n), (m, n))

    # --------------------------------------------------------------- encoding
    def encode_int(self, values) -> np.ndarray:
        """Integers (or bools) as elements ``v mod p``; all of int64 fits."""
        arr = np.asarray(values)
        if arr.dtype.kind not in "biu":
            raise TypeError(f"expected integers or bools, got dtype {arr.dtype}")
        if arr.dtype == np.uint64 and arr.size and int(arr.max()) >= 2**63:
            raise EncodingError(f"integer {int(arr.max())} does not fit in int64")
        signed = np.ascontiguousarray(arr, dtype=np.int64)
        return _elements(kernels.encode_int127(signed.ravel()), arr.shape)

    def decode_int(self, elements) -> np.ndarray:
        """Elements as int64 (above ``(p - 1) / 2`` negative); raises if a value does not fit."""
        elements = np.asarray(elements, dtype=ELEMENT127)
        try:
            return kernels.decode_int127(_words(elements)).reshape(elements.shape)
        except OverflowError as err:
            raise EncodingError(f"an integer result does not fit in int64: {err}") from err

    def decode_real(self, elements, frac: int) -> np.ndarray:
        """Elements read as signed integers times ``2^-frac``, as float64."""
        elements = np.asarray(elements, dtype=ELEMENT127)
        return kernels.decode_float127(_words(elements), frac).reshape(elements.shape)

    def from_integers(self, values) -> np.ndarray:
        """Integers in ``[0, p)`` (nested sequences of Python integers) as elements."""
        values = np.asarray(values, dtype=object)
        out = np.empty(values.shape, dtype=ELEMENT127)
        out["lo"] = np.vectorize(lambda v: int(v) & 0xFFFFFFFFFFFFFFFF, otypes=[np.uint64])(values)
        out["hi"] = np.vectorize(lambda v: int(v) >> 64, otypes=[np.uint64])(values)
        return out

    def to_integers(self, elements) -> np.ndarray:
        """Elements as Python integers in ``[0, p)`` (an object array; for a few values)."""
        elements = np.asarray(elements, dtype=ELEMENT127)
        values = [int(lo) | int(hi) << 64 for lo, hi in zip(elements["lo"].ravel(), elements["hi"].ravel())]
        return np.array(values, dtype=object).reshape(elements.shape)

    def uniform(self, rng, shape) -> np.ndarray:
        """Uniform elements: three 64-bit words per element, reduced."""
        shape = tuple(shape)
        words = rng.integers(0, 2**64, size=(3,) + shape, dtype=np.uint64)
        return self.from_words(words)

    def from_words(self, words) -> np.ndarray:
        """``(3, *shape)`` uniform words as ``shape`` elements (statistical distance below 2^-64)."""
        words = np.asarray(words, dtype=np.uint64)
        last = words.shape[-1] if words.ndim > 1 else 1
        rows = words.reshape(3, -1, last) if words.size else np.empty((3, 0, 1), np.uint64)  # a view where possible
        return _elements(kernels.from_words127(rows), words.shape[1:])

    # ------------------------------------------------------ truncation helpers
    def truncation_bits(self, keys: int) -> int:
        """``K``: double-scaled products must satisfy ``|z| < 2^K`` for truncation with ``keys`` PRSS keys."""
        return 127 - 3 - STATISTICAL_BITS - max(1, (keys - 1).bit_length())

    def low_bits(self, c, m: int) -> np.ndarray:
        """``c mod 2^m`` (``m < 64``) of elements read as non-negative integers, as ``uint64``."""
        return np.asarray(c, dtype=ELEMENT127)["lo"] & np.uint64((1 << m) - 1)

    def shift_right(self, c, m: int) -> np.ndarray:
        """``floor(c / 2^m)`` (``0 < m < 64``) of elements read as non-negative integers."""
        c = np.asarray(c, dtype=ELEMENT127)
        out = np.empty(c.shape, dtype=ELEMENT127)
        out["lo"] = (c["lo"] >> np.uint64(m)) | (c["hi"] << np.uint64(64 - m))
        out["hi"] = c["hi"] >> np.uint64(m)
        return out

    def from_bounded(self, words, bits: int) -> np.ndarray:
        """Uniform integers in ``[0, 2^bits)`` (``bits <= 126``) from ``(2, *shape)`` words, as elements."""
        out = np.empty(words.shape[1:], dtype=ELEMENT127)
        out["lo"] = words[0] if bits >= 64 else words[0] & np.uint64((1 << bits) - 1)
        out["hi"] = words[1] & np.uint64((1 << max(bits - 64, 0)) - 1)
        return out

    def __eq__(self, other):
        return isinstance(other, Mersenne127)

    def __hash__(self):
        return hash(Mersenne127)

    def __repr__(self) -> str:
        return "Mersenne127()"
