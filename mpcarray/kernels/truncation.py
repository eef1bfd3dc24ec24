"""Exact fixed-point truncation kernels (one opening; Escudero et al., CRYPTO 2020, §5.1).

Notation: ``z`` is a shared value with ``|z| < 2^62``; ``s`` the shift. The dealer
shares a uniform ``r``, ``r_hi = r >> s`` and ``m = msb(r)``. Parties open
``c = x' + r`` with ``x' = z + 2^62``. Because ``x'`` lies in ``[0, 2^63)``, the
wrap-around of ``x' + r`` is exactly ``m * (1 - msb(c))``, so

    (c >> s) - r_hi + m*(1 - msb(c)) * 2^(64-s) = floor(x' / 2^s) + carry,

where ``carry`` (0 or 1) is the carry out of the low ``s`` bits of ``x' + r``.
Subtracting the public ``2^(62-s)`` leaves ``floor(z / 2^s) + carry``. As ``r``
is uniform, ``carry`` is 1 with probability ``frac(z / 2^s)``: the result is
``z / 2^s`` stochastically rounded, never off by a unit or more, unbiased, and
exact when ``z`` is a multiple of ``2^s``.

Stream layout per party: ``r_i`` at ``offset + j``, ``r_hi_i`` at
``offset + N + j``, ``m_i`` at ``offset + 2N + j``; party 0's ``r_hi`` and ``m``
are the dealer's two correction rows.
"""

import numpy as np
from numba import njit, prange

from .prg import draw, stream_rows

_ONE = np.uint64(1)
BIAS = _ONE << np.uint64(62)


@njit(parallel=True, cache=True, nogil=True)
def trunc_correction(streams, offset, size, shift):
    """Dealer (all parties' streams): party 0's ``r_hi`` and ``msb`` shares, a ``(2, N)`` array."""
    s = np.uint64(shift)
    out = np.empty((2, size), dtype=np.uint64)
    for j in prange(size):
        sum_r = np.uint64(0)
        sum_hi = np.uint64(0)
        sum_msb = np.uint64(0)
        for i in range(stream_rows(streams)):
            sum_r += draw(streams, i, offset + j)
            if i > 0:
                sum_hi += draw(streams, i, offset + size + j)
                sum_msb += draw(streams, i, offset + 2 * size + j)
        out[0, j] = (sum_r >> s) - sum_hi
        out[1, j] = (sum_r >> np.uint64(63)) - sum_msb
    return out


#: Elements per block of the fused kernels: each block's correction sums stay in L1 while the
#: rows are swept one after another (contiguous inner loops, which vectorise).
BLOCK = 1024


@njit(cache=True, nogil=True, inline="always")
def blocks(size):
    """Number of :data:`BLOCK`-element blocks covering ``size`` elements."""
    return (size + BLOCK - 1) // BLOCK


@njit(cache=True, nogil=True, inline="always")
def add_share_sums(sums, streams, offset, size, i, start, stop):
    """Add party ``i``'s ``r_hi`` and ``msb`` shares of elements ``[start, stop)`` to the block's sums."""
    for j in range(start, stop):
        sums[1, j - start] += draw(streams, i, offset + size + j)
        sums[2, j - start] += draw(streams, i, offset + 2 * size + j)


@njit(cache=True, nogil=True, inline="always")
def write_correction(fix, sums, block_start, block_stop, shift):
    """Party 0's ``r_hi`` and ``msb`` shares of a block from the sums of all parties' values."""
    for j in range(block_start, block_stop):
        fix[0, j] = (sums[0, j - block_start] >> np.uint64(shift)) - sums[1, j - block_start]
        fix[1, j] = (sums[0, j - block_start] >> np.uint64(63)) - sums[2, j - block_start]


@njit(parallel=True, cache=True, nogil=True)
def trunc_mask(z, streams, offset, first_row, shift, fix):
    """Message to open: shares of ``c = z + 2^62 + r``.

    A non-empty ``fix`` (``(2, N)``; only when ``streams`` hold every party,
    in rank order) also receives :func:`trunc_correction` for ``shift`` from
    the masks this pass draws anyway.
    """
    k, size = z.shape
    fused = fix.size > 0
    out = np.empty((k, size), dtype=np.uint64)
    for block in prange(blocks(size)):
        start, stop = block * BLOCK, min(size, (block + 1) * BLOCK)
        sums = np.zeros((3, BLOCK if fused else 0), dtype=np.uint64)
        for i in range(k):
            extra = BIAS if i == first_row else np.uint64(0)
            for j in range(start, stop):
                r = draw(streams, i, offset + j)
                out[i, j] = z[i, j] + r + extra
                if fused:
                    sums[0, j - start] += r
            if fused and i > 0:
                add_share_sums(sums, streams, offset, size, i, start, stop)
        if fused:
            write_correction(fix, sums, start, stop, shift)
    return out


@njit(parallel=True, cache=True, nogil=True)
def trunc_combine(c, streams, offset, correction, first_row, shift):
    """Shares of ``z / 2^shift`` from the opened ``c`` and each party's material."""
    k = stream_rows(streams)
    size = c.size
    s = np.uint64(shift)
    up = np.uint64(64) - s
    bias = _ONE << (np.uint64(62) - s)
    out = np.empty((k, size), dtype=np.uint64)
    for i in range(k):  # party 0's row and the others' in separate loops: no branch per element
        if i == first_row:
            for j in prange(size):
                no_msb = _ONE - (c[j] >> np.uint64(63))
                out[i, j] = ((correction[1, j] * no_msb) << up) - correction[0, j] + (c[j] >> s) - bias
        else:
            for j in prange(size):
                no_msb = _ONE - (c[j] >> np.uint64(63))
                r_hi = draw(streams, i, offset + size + j)
                msb = draw(streams, i, offset + 2 * size + j)
                out[i, j] = ((msb * no_msb) << up) - r_hi
    return out
