"""GF(p) kernels (:mod:`mpcarray.kernels.field`) beside plaintext NumPy and galois.

The NumPy baselines compute something cheaper (a product that wraps modulo
2^64, or a rounded float64 product); they are the floor a field kernel can
approach, not equivalent results. galois is the reference implementation of
the same field arithmetic: fast for ``p < 2^32``, object dtype (Python ints)
above, so its large-prime baseline runs at 10^4 elements only.
"""

import galois
import numpy as np

from mpcarray import kernels

from ._common import SEED

MERSENNE61 = 2**61 - 1
LARGEST63 = 2**63 - 25  # galois.prev_prime(2**63)
GALOIS_SMALL_SIZE = 10**4


def _elements(p, shape, stream):
    return np.random.default_rng([SEED, stream]).integers(0, p, size=shape, dtype=np.uint64)


class MulMod:
    """Elementwise product of 10^6 elements of GF(p), versus NumPy on the same words."""

    params = (MERSENNE61, LARGEST63)
    param_names = ("p",)
    size = 10**6

    def setup(self, p):
        self.a = _elements(p, self.size, stream=20)
        self.b = _elements(p, self.size, stream=21)
        self.fa, self.fb = self.a.astype(np.float64), self.b.astype(np.float64)
        kernels.mul_mod(self.a, self.b, p)  # warm-up (compile or load from cache)
        field = galois.GF(p)
        small = slice(0, GALOIS_SMALL_SIZE)
        self.ga = field(self.a[small].astype(object))
        self.gb = field(self.b[small].astype(object))

    def time_mul_mod(self, p):
        kernels.mul_mod(self.a, self.b, p)

    def time_numpy_uint64_multiply(self, p):
        self.a * self.b

    def time_numpy_float64_multiply(self, p):
        self.fa * self.fb

    def time_galois_multiply_10k(self, p):
        self.ga * self.gb


class MulModSmallPrime:
    """Elementwise product of 10^6 elements of GF(2^31 - 1), where galois uses native integers."""

    p = 2**31 - 1
    size = 10**6

    def setup(self):
        self.a = _elements(self.p, self.size, stream=22)
        self.b = _elements(self.p, self.size, stream=23)
        kernels.mul_mod(self.a, self.b, self.p)  # warm-up
        field = galois.GF(self.p)
        self.ga, self.gb = field(self.a.astype(np.int64)), field(self.b.astype(np.int64))

    def time_mul_mod(self):
        kernels.mul_mod(self.a, self.b, self.p)

    def time_galois_multiply(self):
        self.ga * self.gb

    def time_numpy_uint64_multiply(self):
        self.a * self.b


class MatmulMod:
    """200 x 200 matrix product in GF(p), versus NumPy uint64 (no BLAS) and float64 (BLAS)."""

    params = (MERSENNE61, LARGEST63)
    param_names = ("p",)
    shapes = ((200, 200), (200, 200))

    def setup(self, p):
        self.a = _elements(p, self.shapes[0], stream=24)
        self.b = _elements(p, self.shapes[1], stream=25)
        self.fa, self.fb = self.a.astype(np.float64), self.b.astype(np.float64)
        kernels.matmul_mod(self.a, self.b, p)  # warm-up

    def time_matmul_mod(self, p):
        kernels.matmul_mod(self.a, self.b, p)

    def time_numpy_uint64_matmul(self, p):
        self.a @ self.b

    def time_numpy_float64_matmul(self, p):
        self.fa @ self.fb


class MatmulModWide(MatmulMod):
    """(7, 7) @ (7, 10^6) in GF(p): a Lagrange combination of 7 share rows over 10^6 columns."""

    shapes = ((7, 7), (7, 10**6))
