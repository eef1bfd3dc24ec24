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
#: Instances per parallel task (scratch arrays are allocated per task).
_CHUNK = 256


@njit(parallel=True, cache=True, nogil=True)
def gate_correction(streams, offset, size, products, inputs):
    """Dealer: party 0's shares ``(S, L)`` of the mask products ``a_S`` (``products`` as input bit masks)."""
    count = products.size
    n = stream_rows(streams)
    out = np.empty((count, size), dtype=np.uint64)
    for chunk in prange((size + _CHUNK - 1) // _CHUNK):
        masks = np.zeros(inputs, dtype=np.uint64)
        for lane in range(chunk * _CHUNK, min(size, (chunk + 1) * _CHUNK)):
            for j in range(inputs):
                value = np.uint64(0)
                for i in range(n):
                    value ^= draw(streams, i, offset + j * size + lane)
                masks[j] = value
            for s in range(count):
                value = _ONES
                for j in range(inputs):
                    if (products[s] >> np.uint64(j)) & np.uint64(1):
                        value &= masks[j]
                for i in range(1, n):
                    value ^= draw(streams, i, offset + (inputs + s) * size + lane)
                out[s, lane] = value
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
        known = np.empty(terms.shape[0], dtype=np.uint64)
        shares = np.empty(inputs + count, dtype=np.uint64)
        for lane in range(chunk * _CHUNK, min(size, (chunk + 1) * _CHUNK)):
            for t in range(terms.shape[0]):
                value = _ONES
                for j in range(inputs):
                    if (terms[t, 2] >> j) & 1:
                        value &= opened[j, lane]
                known[t] = value
            for i in range(k):
                for j in range(inputs + count):
                    if i == first_row and j >= inputs:
                        shares[j] = correction[j - inputs, lane]
                    else:
                        shares[j] = draw(streams, i, offset + j * size + lane)
                for t in range(terms.shape[0]):
                    share = terms[t, 1]
                    if share >= 0:
                        out[i, terms[t, 0], lane] ^= known[t] & shares[share]
                    elif i == first_row:
                        out[i, terms[t, 0], lane] ^= known[t]
    return out
