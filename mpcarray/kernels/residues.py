"""Matrix products modulo a product of primes below 2^62, one residue per prime (a residue number system).

An element of ``Z_P``, ``P = p_1 ... p_K``, is held as ``K`` ``uint64`` residues
along the first axis of an array, residue ``k`` in ``[0, p_k)``; by the Chinese
remainder theorem the residues compute independently, each with the
prime-field kernels' reduction (:mod:`mpcarray.kernels.field`). Products are
the one operation NumPy cannot do (they need 128 bits), so this is the one
kernel: sums, differences, reductions of wide words and elimination steps are
NumPy and products by it (:mod:`mpcarray.domains.residues`), which keeps the
first run's compilation short. The arrays are small (one row and column per
unknown of a linear system), so the kernel runs on one thread. It takes the
primes' constants as arrays ``(K,)``: ``p``, ``-p^-1 mod 2^64`` and
``2^128 mod p`` (:func:`~.field.field_constants`).
"""

import numpy as np
from numba import njit

from .field import _mul

_ZERO = np.uint64(0)


@njit(cache=True, nogil=True)
def residue_matmul(a, b, p, pinv, r2):
    """``a @ b`` per residue: ``(K, m, inner) x (K, inner, c) -> (K, m, c)``."""
    count, m, inner = a.shape
    cols = b.shape[2]
    out = np.empty((count, m, cols), dtype=np.uint64)
    for k in range(count):
        for i in range(m):
            for j in range(cols):
                acc = _ZERO
                for t in range(inner):
                    acc += _mul(a[k, i, t], b[k, t, j], p[k], pinv[k], r2[k])
                    acc = acc - p[k] if acc >= p[k] else acc
                out[k, i, j] = acc
    return out
