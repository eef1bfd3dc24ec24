"""Reductions over the party axis."""

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True, nogil=True)
def sum_rows(rows):
    """Ring sum of the rows of a ``(n, N)`` array: the reconstruction of additive shares."""
    n, size = rows.shape
    out = np.empty(size, dtype=np.uint64)
    for j in prange(size):
        acc = np.uint64(0)
        for i in range(n):
            acc += rows[i, j]
        out[j] = acc
    return out
