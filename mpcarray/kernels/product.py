"""The fixed-point product's middle step in one pass: Beaver combine fused with the truncation mask.

After the Beaver opening, each party's share ``z_i`` of ``x*y`` is only
needed to form its truncation message ``z_i + r_i`` (+ ``2^62`` for party 0);
this kernel computes ``z_i`` element by element and writes the message
straight away, so the ``(k, N)`` product shares are never stored and read
back. Notation and stream layouts as in :mod:`mpcarray.kernels.beaver` (the
triple at ``offset``) and :mod:`mpcarray.kernels.truncation` (the mask at
``r_offset``).
"""

import numpy as np
from numba import njit, prange

from .beaver import beaver_share
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
        z = np.empty(BLOCK, dtype=np.uint64)  # party i's product shares of the block, in L1
        for i in range(k):
            extra = BIAS if i == first_row else np.uint64(0)
            for j in range(start, stop):
                z[j - start] = beaver_share(opened, streams, offset, correction, first_row, i, j)
                out[i, j] = z[j - start] + draw(r_streams, i, r_offset + j) + extra
            if fused:  # separate loops, so that each vectorises; r_i comes back from L1
                for j in range(start, stop):
                    sums[0, j - start] += out[i, j] - z[j - start] - extra
                if i > 0:
                    add_share_sums(sums, r_streams, r_offset, size, i, start, stop)
        if fused:
            write_correction(fix, sums, start, stop, shift)
    return out
