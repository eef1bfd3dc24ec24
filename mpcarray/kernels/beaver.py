"""Beaver multiplication and squaring kernels (Beaver, CRYPTO 1991), seed-compressed.

Notation: party ``i`` holds ``x_i, y_i`` and a triple ``a_i, b_i, c_i`` with
``sum(c) = sum(a) * sum(b)``. The opened masks are ``d = x - a`` and ``e = y - b``;
then ``z_i = c_i + d*b_i + e*a_i`` (party 0 adds ``d*e``). For squaring the
dealer supplies ``(a, s = a^2)``, only ``d`` is opened, and
``z_i = s_i + 2*d*a_i`` (party 0 adds ``d^2``).

Every party expands its own ``a_i, b_i, c_i`` from its PRG stream at the
material's ``offset`` (layout: ``a`` at ``offset + j``, ``b`` at
``offset + N + j``, ``c`` at ``offset + 2N + j``); only party 0's ``c`` is a
correction array computed by the dealer. Regenerating the stream inside the
kernels is cheaper than reading materialised triples from memory.
"""

import numpy as np
from numba import njit, prange

from .prg import draw, stream_rows
from .truncation import BLOCK, blocks


@njit(parallel=True, cache=True, nogil=True)
def triple_correction(streams, offset, size):
    """Dealer (all parties' streams): party 0's ``c_0 = sum(a) * sum(b) - sum_{i>0} c_i``."""
    out = np.empty(size, dtype=np.uint64)
    for j in prange(size):
        sum_a = np.uint64(0)
        sum_b = np.uint64(0)
        sum_c = np.uint64(0)
        for i in range(stream_rows(streams)):
            sum_a += draw(streams, i, offset + j)
            sum_b += draw(streams, i, offset + size + j)
            if i > 0:
                sum_c += draw(streams, i, offset + 2 * size + j)
        out[j] = sum_a * sum_b - sum_c
    return out


@njit(parallel=True, cache=True, nogil=True)
def beaver_mask(x, y, streams, offset, fix):
    """Message to open, ``(k, 2N)``: row ``i`` is ``[x_i - a_i, y_i - b_i]``.

    A non-empty ``fix`` (length ``N``; only when ``streams`` hold every party,
    in rank order) also receives :func:`triple_correction` from the values
    this pass draws anyway, so no stream value is drawn twice for it (block by
    block, as in :mod:`mpcarray.kernels.truncation`).
    """
    k, size = x.shape
    fused = fix.size > 0
    out = np.empty((k, 2 * size), dtype=np.uint64)
    for block in prange(blocks(size)):
        start, stop = block * BLOCK, min(size, (block + 1) * BLOCK)
        sums = np.zeros((3, BLOCK if fused else 0), dtype=np.uint64)
        for i in range(k):
            for j in range(start, stop):
                a = draw(streams, i, offset + j)
                b = draw(streams, i, offset + size + j)
                out[i, j] = x[i, j] - a
                out[i, size + j] = y[i, j] - b
                if fused:
                    sums[0, j - start] += a
                    sums[1, j - start] += b
            if fused and i > 0:
                for j in range(start, stop):
                    sums[2, j - start] += draw(streams, i, offset + 2 * size + j)
        if fused:
            for j in range(start, stop):
                fix[j] = sums[0, j - start] * sums[1, j - start] - sums[2, j - start]
    return out


@njit(cache=True, nogil=True, inline="always")
def cross_terms(opened, streams, offset, i, j):
    """``d*b_i + e*a_i`` of element ``j``: party ``i``'s share of ``x*y`` without ``c_i`` (and party 0's ``d*e``)."""
    size = opened.size // 2
    return opened[j] * draw(streams, i, offset + size + j) + opened[size + j] * draw(streams, i, offset + j)


@njit(parallel=True, cache=True, nogil=True)
def beaver_combine(opened, streams, offset, correction, first_row):
    """Shares of ``x*y`` from the opened ``[d, e]`` (length ``2N``) and each party's triple.

    Party 0's row and the others' are separate loops (no branch per element, so each vectorises).
    """
    k = stream_rows(streams)
    size = opened.size // 2
    z = np.empty((k, size), dtype=np.uint64)
    for i in range(k):
        if i == first_row:
            for j in prange(size):
                z[i, j] = correction[j] + opened[j] * opened[size + j] + cross_terms(opened, streams, offset, i, j)
        else:
            for j in prange(size):
                z[i, j] = draw(streams, i, offset + 2 * size + j) + cross_terms(opened, streams, offset, i, j)
    return z


@njit(parallel=True, cache=True, nogil=True)
def square_correction(streams, offset, size):
    """Dealer: party 0's ``s_0 = sum(a)^2 - sum_{i>0} s_i`` (``a`` at ``offset``, ``s`` at ``offset + N``)."""
    out = np.empty(size, dtype=np.uint64)
    for j in prange(size):
        sum_a = np.uint64(0)
        sum_s = np.uint64(0)
        for i in range(stream_rows(streams)):
            sum_a += draw(streams, i, offset + j)
            if i > 0:
                sum_s += draw(streams, i, offset + size + j)
        out[j] = sum_a * sum_a - sum_s
    return out


@njit(parallel=True, cache=True, nogil=True)
def square_mask(x, streams, offset):
    """Message to open, ``(k, N)``: ``x_i - a_i``."""
    k, size = x.shape
    out = np.empty((k, size), dtype=np.uint64)
    for i in range(k):
        for j in prange(size):
            out[i, j] = x[i, j] - draw(streams, i, offset + j)
    return out


@njit(parallel=True, cache=True, nogil=True)
def square_combine(d, streams, offset, correction, first_row):
    """Shares of ``x^2`` from the opened ``d = x - a`` and each party's square pair."""
    k = stream_rows(streams)
    size = d.size
    two = np.uint64(2)
    z = np.empty((k, size), dtype=np.uint64)
    for i in range(k):  # party 0's row and the others' in separate loops, as in beaver_combine
        if i == first_row:
            for j in prange(size):
                z[i, j] = correction[j] + two * d[j] * draw(streams, i, offset + j) + d[j] * d[j]
        else:
            for j in prange(size):
                z[i, j] = draw(streams, i, offset + size + j) + two * d[j] * draw(streams, i, offset + j)
    return z
