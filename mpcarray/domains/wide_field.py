"""GF(P) for a Mersenne prime P of thousands of bits: exact rational linear algebra on integers.

The masked solve of the normal equations (:mod:`mpcarray.protocols.masked_solve`)
works on exact integer Gram matrices whose solution is a rational number with
a numerator and a denominator of up to a few thousand bits. A field that
large recovers that rational from its residue (rational reconstruction,
:meth:`WideField.rational`), so no fixed-point rounding happens anywhere.

Elements are Python integers in ``[0, P)`` held in NumPy object arrays (the
matrices are small: one row and column per feature); on the wire and in the
dealer's streams an element is ``words`` little-endian ``uint64`` words.
The moduli are the Mersenne primes ``2^e - 1`` (public, well known, no
primality test needed): the smallest one above the bits a problem needs.
"""

import math
from fractions import Fraction

import numpy as np

from ..errors import MpcError

#: Exponents ``e`` of the Mersenne primes ``2^e - 1`` used here (OEIS A000043, from 521 on).
MERSENNE_EXPONENTS = (521, 607, 1279, 2203, 2281, 3217, 4253, 4423, 9689, 9941, 11213, 19937, 21701,
                      23209, 44497, 86243)


class WideField:
    """GF(2^e - 1) for a Mersenne exponent ``e`` from :data:`MERSENNE_EXPONENTS`."""

    def __init__(self, exponent: int):
        if exponent not in MERSENNE_EXPONENTS:
            raise ValueError(f"2^{exponent} - 1 is not one of the Mersenne primes used here {MERSENNE_EXPONENTS}")
        self.exponent = exponent
        self.p = (1 << exponent) - 1
        #: ``uint64`` words of one element on the wire.
        self.words = math.ceil(exponent / 64)
        self.name = f"GF(2^{exponent} - 1)"

    @classmethod
    def for_bits(cls, bits: int) -> "WideField":
        """The smallest field of this family with ``P > 2^bits``."""
        for exponent in MERSENNE_EXPONENTS:
            if exponent > bits:
                return cls(exponent)
        raise MpcError(f"a problem needing a {bits}-bit field is beyond the largest one here "
                       f"(2^{MERSENNE_EXPONENTS[-1]} - 1): use fewer features")

    # ------------------------------------------------------------ elements
    def encode(self, values) -> np.ndarray:
        """Signed integers (an object array of Python ints) as elements ``v mod P``."""
        return np.vectorize(lambda v: int(v) % self.p, otypes=[object])(values)

    def uniform(self, words: np.ndarray) -> np.ndarray:
        """Elements from ``(*shape, words + 1)`` uniform ``uint64`` words: the integer they spell, mod P.

        One word beyond the element's keeps the bias below ``2^-64``.
        """
        return np.vectorize(lambda v: v % self.p, otypes=[object])(_integers(words))

    def to_words(self, elements: np.ndarray) -> np.ndarray:
        """Elements as ``(*shape, words)`` ``uint64`` words (little-endian)."""
        elements = np.asarray(elements, dtype=object)
        size = 8 * self.words
        raw = b"".join(int(v).to_bytes(size, "little") for v in elements.reshape(-1))
        return np.frombuffer(raw, dtype="<u8").astype(np.uint64).reshape(elements.shape + (self.words,))

    def from_words(self, words: np.ndarray, sender: str = "a party") -> np.ndarray:
        """The inverse of :meth:`to_words`; :class:`ValueError` for a word pattern that is no element."""
        if words.shape[-1:] != (self.words,):
            raise ValueError(f"{sender} sent {words.shape[-1:]} words per element where {self.words} were expected")
        values = _integers(words)
        if any(v >= self.p for v in values.reshape(-1)):
            raise ValueError(f"{sender} sent a value outside {self.name}")
        return values

    # ------------------------------------------------------------ algebra
    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``a @ b mod P`` for object matrices of elements."""
        return np.vectorize(lambda v: v % self.p, otypes=[object])(np.dot(a, b))

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.vectorize(lambda v: v % self.p, otypes=[object])(a + b)

    def sub(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.vectorize(lambda v: v % self.p, otypes=[object])(a - b)

    def solve(self, matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray | None:
        """``matrix^-1 @ rhs mod P`` by Gauss-Jordan elimination, or None if ``matrix`` is singular."""
        m = matrix.shape[0]
        work = np.concatenate([np.asarray(matrix, dtype=object), np.asarray(rhs, dtype=object)], axis=1)
        for col in range(m):
            pivots = [r for r in range(col, m) if work[r, col] % self.p]
            if not pivots:
                return None
            work[[col, pivots[0]]] = work[[pivots[0], col]]
            work[col] = [v * pow(int(work[col, col]), -1, self.p) % self.p for v in work[col]]
            for r in range(m):
                if r != col and work[r, col]:
                    work[r] = [(v - work[r, col] * w) % self.p for v, w in zip(work[r], work[col])]
        return work[:, m:]

    def rational(self, element: int) -> Fraction:
        """The fraction ``a / b`` with ``a ≡ element * b (mod P)`` and ``|a|, b <= sqrt(P / 2)`` (Wang's rational
        reconstruction, by the extended Euclidean algorithm); unique when it exists.

        Exact for every rational whose numerator and denominator are both below
        ``sqrt(P / 2)``; :class:`ArithmeticError` if no such fraction exists.
        """
        bound = math.isqrt(self.p // 2)
        r0, r1, t0, t1 = self.p, int(element) % self.p, 0, 1
        while r1 > bound:
            quotient = r0 // r1
            r0, r1 = r1, r0 - quotient * r1
            t0, t1 = t1, t0 - quotient * t1
        if t1 == 0 or abs(t1) > bound or math.gcd(r1, abs(t1)) != 1:
            raise ArithmeticError(f"no fraction with numerator and denominator below 2^{bound.bit_length()} "
                                  f"has this residue in {self.name}")
        return Fraction(r1 if t1 > 0 else -r1, abs(t1))

    def __repr__(self) -> str:
        return f"WideField({self.exponent})"


def _integers(words: np.ndarray) -> np.ndarray:
    """The non-negative integers spelt by the little-endian ``uint64`` words on the last axis."""
    words = np.ascontiguousarray(words, dtype="<u8")
    count = words.shape[-1]
    flat = words.reshape(-1, count)
    values = np.empty(flat.shape[0], dtype=object)
    for i, row in enumerate(flat):
        values[i] = int.from_bytes(row.tobytes(), "little")
    return values.reshape(words.shape[:-1])
