"""GF(2^127 - 1) kernels (:mod:`mpcarray.kernels.field127`) beside plaintext NumPy and galois.

As in ``bench_field``, the NumPy baselines compute something cheaper (a
one-word product that wraps modulo 2^64, or a rounded float64 product): the
floor a field kernel can approach, not equivalent results. galois computes
the same field arithmetic on Python ints (object dtype), so it runs at 10^3
elements only.
"""

import galois
import numpy as np

from mpcarray import kernels

from ._common import SEED

P = kernels.MERSENNE127
GALOIS_SIZE = 10**3


def _elements(count, stream):
    """``count`` uniform elements as ``(count, 2)`` words."""
    words = np.random.default_rng([SEED, stream]).integers(0, 2**64, (3, count), dtype=np.uint64)
    return kernels.from_words127(words[:, None, :])


class Mul127:
    """Elementwise product of 10^6 elements, versus NumPy on one word of each."""

    size = 10**6

    def setup(self):
        self.a = _elements(self.size, stream=40)
        self.b = _elements(self.size, stream=41)
        self.ua, self.ub = self.a[:, 0].copy(), self.b[:, 0].copy()
        self.fa, self.fb = self.ua.astype(np.float64), self.ub.astype(np.float64)
        kernels.mul127(self.a, self.b)  # warm-up (compile or load from cache)
        field = galois.GF(P)
        small = slice(0, GALOIS_SIZE)
        self.ga = field(np.array(_ints(self.a[small]), dtype=object))
        self.gb = field(np.array(_ints(self.b[small]), dtype=object))

    def time_mul127(self):
        kernels.mul127(self.a, self.b)

    def time_numpy_uint64_multiply(self):
        self.ua * self.ub

    def time_numpy_float64_multiply(self):
        self.fa * self.fb

    def time_galois_multiply_1k(self):
        self.ga * self.gb


class Matmul127:
    """200 x 200 matrix product, versus NumPy uint64 (no BLAS) and float64 (BLAS) on one word."""

    n = 200

    def setup(self):
        n = self.n
        self.a = _elements(n * n, stream=42)
        self.b = _elements(n * n, stream=43)
        self.ua = self.a[:, 0].reshape(n, n).copy()
        self.ub = self.b[:, 0].reshape(n, n).copy()
        self.fa, self.fb = self.ua.astype(np.float64), self.ub.astype(np.float64)
        kernels.matmul127(self.a, self.b, n, n, n)  # warm-up

    def time_matmul127(self):
        kernels.matmul127(self.a, self.b, self.n, self.n, self.n)

    def time_numpy_uint64_matmul(self):
        self.ua @ self.ub

    def time_numpy_float64_matmul(self):
        self.fa @ self.fb


class Matmul127Wide:
    """(7, 7) @ (7, 10^6): a Lagrange combination of 7 share rows over 10^6 columns."""

    rows, columns = 7, 10**6

    def setup(self):
        self.a = _elements(self.rows * self.rows, stream=44)
        self.b = _elements(self.rows * self.columns, stream=45)
        kernels.matmul127(self.a, self.b, self.rows, self.rows, self.columns)  # warm-up

    def time_matmul127(self):
        kernels.matmul127(self.a, self.b, self.rows, self.rows, self.columns)


def _ints(words):
    """``(N, 2)`` words as Python ints, for galois."""
    return [int(lo) + (int(hi) << 64) for lo, hi in words.tolist()]
