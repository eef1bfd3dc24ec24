"""Arithmetic modulo a product of primes below 2^62, one residue per prime (a residue number system).

An element of ``Z_P``, ``P = p_1 ... p_K``, is held as ``K`` ``uint64`` residues
along the first axis of an array, residue ``k`` in ``[0, p_k)``; by the Chinese
remainder theorem the residues compute independently, each with the
prime-field kernels' reduction (:mod:`mpcarray.kernels.field`). The arrays
are small (one row and column per unknown of a linear system), so the kernels
run on one thread. Each takes the primes' constants as arrays ``(K,)``:
``p``, ``-p^-1 mod 2^64`` and ``2^128 mod p`` (:func:`~.field.field_constants`).
"""

import numpy as np
from numba import njit

from .field import _mul, reduce128

_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_TWO = np.uint64(2)


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


@njit(cache=True, nogil=True)
def residue_add(a, b, p):
    """``a + b`` per residue, for ``(K, N)`` arrays (sums of two residues below 2^62 do not wrap)."""
    out = np.empty_like(a)
    for k in range(a.shape[0]):
        for j in range(a.shape[1]):
            s = a[k, j] + b[k, j]
            out[k, j] = s - p[k] if s >= p[k] else s
    return out


@njit(cache=True, nogil=True)
def residue_sub(a, b, p):
    """``a - b`` per residue, for ``(K, N)`` arrays."""
    out = np.empty_like(a)
    for k in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[k, j] = a[k, j] - b[k, j] if a[k, j] >= b[k, j] else a[k, j] + (p[k] - b[k, j])
    return out


@njit(cache=True, nogil=True)
def residue_from_words(hi, lo, p, pinv, r2):
    """``(hi 2^64 + lo) mod p_k`` for ``(K, N)`` words: two uniform words give a residue within
    ``2^-66`` of uniform."""
    out = np.empty_like(hi)
    for k in range(hi.shape[0]):
        for j in range(hi.shape[1]):
            out[k, j] = reduce128(hi[k, j] % p[k], lo[k, j], p[k], pinv[k], r2[k])
    return out


@njit(cache=True, nogil=True, inline="always")
def _inverse(x, p, pinv, r2):
    """``x^(p - 2) mod p``: the inverse of ``x != 0`` modulo the prime ``p`` (Fermat)."""
    result, base, e = _ONE, x, p - _TWO
    while e:
        if e & _ONE:
            result = _mul(result, base, p, pinv, r2)
        base = _mul(base, base, p, pinv, r2)
        e >>= _ONE
    return result


@njit(cache=True, nogil=True)
def residue_solve(system, m, p, pinv, r2):
    """Gauss-Jordan elimination per residue of ``system = [A | B]`` (``(K, m, m + c)``).

    Returns ``(A^-1 B`` per residue ``(K, m, c)``, ``singular`` ``(K,)``): where ``A`` is
    singular modulo ``p_k`` the residue's solution is meaningless and ``singular[k]`` is True.
    """
    count, _, cols = system.shape
    work = system.copy()
    singular = np.zeros(count, dtype=np.bool_)
    for k in range(count):
        q = p[k]
        for col in range(m):
            pivot = -1
            for r in range(col, m):
                if work[k, r, col] != _ZERO:
                    pivot = r
                    break
            if pivot < 0:
                singular[k] = True
                break
            for j in range(cols):
                work[k, col, j], work[k, pivot, j] = work[k, pivot, j], work[k, col, j]
            inverse = _inverse(work[k, col, col], q, pinv[k], r2[k])
            for j in range(cols):
                work[k, col, j] = _mul(work[k, col, j], inverse, q, pinv[k], r2[k])
            for r in range(m):
                factor = work[k, r, col]
                if r == col or factor == _ZERO:
                    continue
                for j in range(cols):
                    product = _mul(factor, work[k, col, j], q, pinv[k], r2[k])
                    value = work[k, r, j]
                    work[k, r, j] = value - product if value >= product else value + (q - product)
    return work[:, :, m:].copy(), singular
