"""Z_P for a product P of primes below 2^62, held as residues: exact rational linear algebra on integers.

The masked solve of the normal equations (:mod:`mpcarray.protocols.masked_solve`)
works on exact integer Gram matrices whose solution is a rational number with
a numerator and a denominator of up to a few thousand bits. A modulus that
large recovers that rational from its residue (rational reconstruction,
:meth:`ResidueRing.rational`), so no fixed-point rounding happens anywhere.

An element is held as its ``K`` residues modulo the ``K`` largest primes below
``2^62`` (public, found by a deterministic primality test), along the first
axis of a ``uint64`` array: by the Chinese remainder theorem the residues
compute independently, in the kernels of :mod:`mpcarray.kernels.residues`,
and Python integers appear only to turn the few results back into fractions.
``Z_P`` is not a field, but a matrix is invertible modulo ``P`` exactly when it
is modulo every prime, which is all the masked solve needs.
"""

import functools
import math
from fractions import Fraction

import numpy as np

from ..errors import MpcError
from ..kernels.field import field_constants
from ..kernels.residues import residue_matmul
from .field import PrimeField, is_prime

#: The primes lie below 2^PRIME_BITS (sums of two residues fit in a word; the field kernels reduce products).
PRIME_BITS = 62
#: Most primes a modulus is made of (P of about 63,000 bits).
MAX_PRIMES = 1024


#: The largest primes below ``2^PRIME_BITS`` found so far, largest first (extended on demand).
_PRIMES: list[int] = []


def _primes(count: int) -> tuple[int, ...]:
    """The ``count`` largest primes below ``2^PRIME_BITS``, largest first."""
    candidate = _PRIMES[-1] - 2 if _PRIMES else (1 << PRIME_BITS) - 1
    while len(_PRIMES) < count:
        if is_prime(candidate):
            _PRIMES.append(candidate)
        candidate -= 2
    return tuple(_PRIMES[:count])


class ResidueRing:
    """``Z_P`` for ``P`` the product of the ``count`` largest primes below ``2^62``."""

    def __init__(self, count: int):
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not 1 <= count <= MAX_PRIMES:
            raise ValueError(f"a residue ring has 1 to {MAX_PRIMES} primes, got {count!r}")
        self.count = int(count)
        self.primes = _primes(self.count)
        self.modulus = math.prod(self.primes)
        constants = [field_constants(p) for p in self.primes]
        self._p, self._pinv, self._r2 = (np.array([c[i] for c in constants], dtype=np.uint64) for i in range(3))
        self._word = np.array([(1 << 64) % p for p in self.primes], dtype=np.uint64)  # 2^64 mod p_k
        self.name = f"Z_P, P the product of {self.count} primes below 2^{PRIME_BITS}"

    @classmethod
    def for_bits(cls, bits: int) -> "ResidueRing":
        """The smallest ring of this family with ``P > 2^bits``."""
        total = 0.0
        for count in range(1, MAX_PRIMES + 1):
            total += math.log2(_primes(count)[-1])
            if total > bits + 1e-6:
                return cls(count)
        raise MpcError(f"a problem needing a {bits}-bit modulus is beyond the largest one here "
                       f"({MAX_PRIMES} primes of {PRIME_BITS} bits): use fewer features")

    # ------------------------------------------------------------ elements
    def encode(self, values) -> np.ndarray:
        """Integers (an object array of Python ints, any sign) as residues ``(K, *shape)``."""
        flat = [int(v) for v in np.asarray(values, dtype=object).reshape(-1)]
        residues = np.array([[v % p for v in flat] for p in self.primes], dtype=np.uint64)
        return residues.reshape((self.count,) + np.shape(values))

    def uniform(self, words: np.ndarray) -> np.ndarray:
        """Uniform elements ``(K, *shape)`` from uniform words ``(K, *shape, 2)``: ``(hi 2^64 + lo) mod p_k``
        (two words per residue keep it within ``2^-66`` of uniform)."""
        shape = words.shape[:-1]
        flat = np.ascontiguousarray(words, dtype=np.uint64).reshape(self.count, -1, 2)
        p = self._p.reshape(-1, 1)
        high = self.matmul((flat[:, :, 0] % p)[:, :, None], self._word[:, None, None])[:, :, 0]
        return self.add(high, flat[:, :, 1] % p).reshape(shape)

    def check(self, elements: np.ndarray, shape: tuple, sender: str) -> np.ndarray:
        """``elements`` if they are residues ``(K, *shape)`` of this ring; else :class:`ValueError`."""
        if elements.dtype != np.uint64 or elements.shape != (self.count,) + tuple(shape):
            raise ValueError(f"{sender} sent {elements.dtype}{list(elements.shape)} where residues "
                             f"uint64{[self.count, *shape]} were expected")
        if np.any(elements.reshape(self.count, -1) >= self._p.reshape(-1, 1)):
            raise ValueError(f"{sender} sent a residue outside its prime's range")
        return elements

    # ------------------------------------------------------------ algebra
    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``a + b`` per residue (two residues below ``2^62`` add without wrapping)."""
        p = self._modulus_like(a)
        total = a + b
        return np.where(total >= p, total - p, total)

    def sub(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``a - b`` per residue."""
        return self.add(a, self._modulus_like(b) - b)

    def _modulus_like(self, a: np.ndarray) -> np.ndarray:
        """The primes, shaped to broadcast along the residue axis of ``a``."""
        return self._p.reshape((self.count,) + (1,) * (np.ndim(a) - 1))

    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``a @ b`` for matrices of elements ``(K, m, inner)`` and ``(K, inner, c)``."""
        return residue_matmul(np.ascontiguousarray(a), np.ascontiguousarray(b), self._p, self._pinv, self._r2)

    def solve(self, system: np.ndarray, m: int) -> np.ndarray | None:
        """``A^-1 B`` for ``system = [A | B]`` ``(K, m, m + c)`` by Gauss-Jordan elimination per residue,
        or None if ``A`` is singular modulo a prime."""
        work = np.array(system, dtype=np.uint64)
        primes = np.arange(self.count)
        for col in range(m):
            candidates = work[:, col:, col] != 0  # (K, m - col)
            if not candidates.any(axis=1).all():
                return None
            pivot = col + np.argmax(candidates, axis=1)  # the first nonzero row per residue
            rows = work[primes, pivot].copy()
            work[primes, pivot] = work[:, col]
            inverses = np.array([pow(int(v), -1, q) for v, q in zip(rows[:, col], self.primes)], dtype=np.uint64)
            rows = self.matmul(inverses[:, None, None], rows[:, None, :])  # the pivot row, scaled to 1
            factors = work[:, :, col].copy()
            factors[:, col] = 0
            work = self.sub(work, self.matmul(factors[:, :, None], rows))  # eliminate the column elsewhere
            work[:, col] = rows[:, 0]
        return work[:, :, m:]

    def integers(self, elements: np.ndarray) -> np.ndarray:
        """Elements ``(K, *shape)`` as Python integers in ``[0, P)`` (Chinese remainder theorem)."""
        weights = self._crt_weights
        flat = np.asarray(elements, dtype=np.uint64).reshape(self.count, -1)
        values = np.empty(flat.shape[1], dtype=object)
        for j in range(flat.shape[1]):
            values[j] = sum(int(r) * w for r, w in zip(flat[:, j], weights)) % self.modulus
        return values.reshape(elements.shape[1:])

    @functools.cached_property
    def fields(self) -> list[PrimeField]:
        """The prime field of each residue (for Shamir sharings of one residue)."""
        return [PrimeField(p) for p in self.primes]

    @functools.cached_property
    def _crt_weights(self) -> list[int]:
        """``w_k = (P / p_k) ((P / p_k)^-1 mod p_k)``: ``x = sum_k r_k w_k mod P``."""
        return [(self.modulus // p) * pow(self.modulus // p, -1, p) for p in self.primes]

    def rational(self, value: int) -> Fraction:
        """The fraction ``a / b`` with ``a ≡ value * b (mod P)`` and ``|a|, b <= sqrt(P / 2)`` (Wang's rational
        reconstruction, by the extended Euclidean algorithm); unique when it exists.

        Exact for every rational whose numerator and denominator are both below
        ``sqrt(P / 2)``; :class:`ArithmeticError` if no such fraction exists.
        """
        bound = math.isqrt(self.modulus // 2)
        r0, r1, t0, t1 = self.modulus, int(value) % self.modulus, 0, 1
        while r1 > bound:
            quotient = r0 // r1
            r0, r1 = r1, r0 - quotient * r1
            t0, t1 = t1, t0 - quotient * t1
        if t1 == 0 or abs(t1) > bound or math.gcd(r1, abs(t1)) != 1:
            raise ArithmeticError(f"no fraction with numerator and denominator below 2^{bound.bit_length()} "
                                  f"has this residue in {self.name}")
        return Fraction(r1 if t1 > 0 else -r1, abs(t1))

    def __repr__(self) -> str:
        return f"ResidueRing({self.count})"
