"""The fixed-point product's middle step in one pass: Beaver combine fused with the truncation mask.

After the Beaver opening, each party's share ``z_i`` of ``x*y`` is only
needed to form its truncation message ``z_i + r_i`` (+ ``2^62`` for party 0);
this kernel computes ``z_i`` element by element and writes the message
straight away, so the ``(k, N)`` product shares are never stored and read
back; the mask ``r_i`` is drawn once, for the message and for the dealer's
correction. Notation and stream layouts as in :mod:`mpcarray.kernels.beaver`
(the triple at ``offset``) and :mod:`mpcarray.kernels.truncation` (the mask
at ``r_offset``).
"""

import numpy as np
from numba import njit, prange

from .beaver import cross_terms
from .prg import draw, stream_rows
from .truncation import BIAS, BLOCK, add_share_sums, blocks, write_correction


@njit(parallel=True, cache=True, nogil=True)
def product_trunc_mask(opened, streams, offset, correction, first_row, r_streams, r_offset, shift, fix):
    """Message to open, ``(k, N)``: shares of ``x*y + 2^62 + r`` from the opened ``[d, e]``.

    ``fix`` as in :func:`mpcarray.kernels.truncation.trunc_mask`.
    """
    k = stream_rows(streams)
    size = opened.size // 2
    fused = fix.size > 0
    out = np.empty((k, size), dtype=np.uint64)
    for block in prange(blocks(size)):
        start, stop = block * BLOCK, min(size, (block + 1) * BLOCK)
        sums = np.zeros((3, BLOCK if fused else 0), dtype=np.uint64)
        for i in range(k):  # party 0's row and the others' in separate loops: no branch per element
            if i == first_row:
                for j in range(start, stop):
                    r = draw(r_streams, i, r_offset + j)
                    out[i, j] = (correction[j] + opened[j] * opened[size + j]
                                 + cross_terms(opened, streams, offset, i, j) + r + BIAS)
                    if fused:
                        sums[0, j - start] += r
            else:
                for j in range(start, stop):
                    r = draw(r_streams, i, r_offset + j)
                    out[i, j] = draw(streams, i, offset + 2 * size + j) + cross_terms(opened, streams, offset, i, j) + r
                    if fused:
                        sums[0, j - start] += r
            if fused and i > 0:
                add_share_sums(sums, r_streams, r_offset, size, i, start, stop)
        if fused:
            write_correction(fix, sums, start, stop, shift)
    return out
