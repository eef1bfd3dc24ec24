"""Gram-matrix (``X^T X``) kernels for a seed-compressed Gram triple.

Notation: ``X`` is ``(N, d)``; the dealer's mask ``A = sum_i A_i`` with party
``i``'s ``A_i`` at stream offset ``offset + t*d + j`` (row ``t``, column ``j``)
and ``G = A^T A`` shared as ``G_i`` at ``offset + N*d + u*d + v`` for ``i > 0``
plus party 0's correction. With ``E = X - A`` opened,
``X^T X = G + E^T A + (E^T A)^T + E^T E``.
The inner dimension ``N`` is split across threads, one accumulator each.
"""

import numpy as np
from numba import njit, prange

from .prg import draw, stream_rows


@njit(parallel=True, cache=True, nogil=True)
def gram_correction(streams, offset, rows, cols, chunks):
    """Dealer (all parties' streams): party 0's share ``G_0 = A^T A - sum_{i>0} G_i``."""
    partial = np.zeros((chunks, cols, cols), dtype=np.uint64)
    for c in prange(chunks):
        a = np.empty(cols, dtype=np.uint64)
        for t in range(c * rows // chunks, (c + 1) * rows // chunks):
            for j in range(cols):
                total = np.uint64(0)
                for i in range(stream_rows(streams)):
                    total += draw(streams, i, offset + t * cols + j)
                a[j] = total
            for u in range(cols):
                for v in range(cols):
                    partial[c, u, v] += a[u] * a[v]
    out = np.zeros((cols, cols), dtype=np.uint64)
    for c in range(chunks):
        out += partial[c]
    base = offset + rows * cols
    for i in range(1, stream_rows(streams)):
        for u in range(cols):
            for v in range(cols):
                out[u, v] -= draw(streams, i, base + u * cols + v)
    return out


@njit(parallel=True, cache=True, nogil=True)
def gram_combine(e, streams, offset, correction, first_row, chunks):
    """Each held party's ``G_i + E^T A_i + (E^T A_i)^T``; party 0 adds ``E^T E`` afterwards."""
    rows, cols = e.shape
    k = stream_rows(streams)
    out = np.zeros((k, cols, cols), dtype=np.uint64)
    base = offset + rows * cols
    for i in range(k):
        partial = np.zeros((chunks, cols, cols), dtype=np.uint64)
        for c in prange(chunks):
            a = np.empty(cols, dtype=np.uint64)
            for t in range(c * rows // chunks, (c + 1) * rows // chunks):
                for j in range(cols):
                    a[j] = draw(streams, i, offset + t * cols + j)
                for u in range(cols):
                    etu = e[t, u]
                    for v in range(cols):
                        partial[c, u, v] += etu * a[v]
        cross = np.zeros((cols, cols), dtype=np.uint64)
        for c in range(chunks):
            cross += partial[c]
        for u in range(cols):
            for v in range(cols):
                if i == first_row:
                    g = correction[u, v]
                else:
                    g = draw(streams, i, base + u * cols + v)
                out[i, u, v] = g + cross[u, v] + cross[v, u]
    return out
