"""Kernels of one-round multi-input gates on XOR-shared words (shapes in :mod:`mpcarray.preprocessing.gates`).

``L`` gate instances (words of 64 bit-slots each) with ``m`` inputs: input
``j``'s mask share of party ``i`` is stream value ``offset + j L + l`` (so
the masked inputs ``(k, m L)`` are :func:`~mpcarray.kernels.binary.word_dabit_mask`
of the inputs), the share of mask product ``s`` is ``offset + (m + s) L + l`` (party 0's is the
dealer's correction ``(S, L)``). ``terms`` rows ``(output, share, opened)``
give the expansion: output ``o`` is the XOR of ``AND(d_j, j in opened) & share``
(share ``-1`` is the constant 1, added by party 0 only).
"""

import numpy as np
from numba import njit, prange

from .prg import draw, stream_rows

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
#: Instances per task: every step loops over a chunk's lanes, innermost and contiguous
#: (so it vectorises), with scratch rows of one chunk (allocated per task).
_CHUNK = 256


@njit(cache=True, nogil=True, inline="always")
def _draw_row(out, streams, row, start, lanes):
    """``out[:lanes]`` = stream ``row``'s values ``start .. start + lanes``."""
    for lane in range(lanes):
        out[lane] = draw(streams, row, start + lane)


@njit(parallel=True, cache=True, nogil=True)
def gate_correction(streams, offset, size, products, inputs):
    """Dealer: party 0's shares ``(S, L)`` of the mask products ``a_S`` (``products`` as input bit masks)."""
    count = products.size
    n = stream_rows(streams)
    out = np.empty((count, size), dtype=np.uint64)
    for chunk in prange((size + _CHUNK - 1) // _CHUNK):
        start = chunk * _CHUNK
        lanes = min(size, start + _CHUNK) - start
        masks = np.zeros((inputs, _CHUNK), dtype=np.uint64)
        draws = np.empty(_CHUNK, dtype=np.uint64)
        for j in range(inputs):
            for i in range(n):
                _draw_row(draws, streams, i, offset + j * size + start, lanes)
                for lane in range(lanes):
                    masks[j, lane] ^= draws[lane]
        for s in range(count):
            value = out[s, start:start + lanes]
            value[:] = _ONES
            for j in range(inputs):
                if (products[s] >> np.uint64(j)) & np.uint64(1):
                    for lane in range(lanes):
                        value[lane] &= masks[j, lane]
            for i in range(1, n):
                _draw_row(draws, streams, i, offset + (inputs + s) * size + start, lanes)
                for lane in range(lanes):
                    value[lane] ^= draws[lane]
    return out


@njit(parallel=True, cache=True, nogil=True)
def gate_combine(opened, streams, offset, correction, first_row, terms, outputs, count):
    """XOR shares ``(k, outputs, L)`` of the gate outputs from the opened ``d`` ``(m, L)`` (``count`` products).

    The ANDs of opened values are computed once per instance, then each held
    party adds its shares.
    """
    inputs, size = opened.shape
    k = stream_rows(streams)
    out = np.zeros((k, outputs, size), dtype=np.uint64)
    for chunk in prange((size + _CHUNK - 1) // _CHUNK):
        start = chunk * _CHUNK
        lanes = min(size, start + _CHUNK) - start
        known = np.empty((terms.shape[0], _CHUNK), dtype=np.uint64)
        shares = np.empty((inputs + count, _CHUNK), dtype=np.uint64)
        for t in range(terms.shape[0]):
            known[t, :lanes] = _ONES
            for j in range(inputs):
                if (terms[t, 2] >> j) & 1:
                    for lane in range(lanes):
                        known[t, lane] &= opened[j, start + lane]
        for i in range(k):
            for j in range(inputs + count):
                if i == first_row and j >= inputs:
                    # a loop, not a slice copy: Numba would compile its shape-mismatch error
                    # message (integer formatting, ~2 s of the demo's first run)
                    for lane in range(lanes):
                        shares[j, lane] = correction[j - inputs, start + lane]
                else:
                    _draw_row(shares[j], streams, i, offset + j * size + start, lanes)
            for t in range(terms.shape[0]):
                share, target = terms[t, 1], out[i, terms[t, 0], start:start + lanes]
                if share >= 0:
                    for lane in range(lanes):
                        target[lane] ^= known[t, lane] & shares[share, lane]
                elif i == first_row:
                    for lane in range(lanes):
                        target[lane] ^= known[t, lane]
    return out
