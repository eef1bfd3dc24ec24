"""Bit-sliced ("plane") layout of XOR-shared words.

A word array ``(k, N)`` becomes ``(k, 64, W)`` planes with ``W = ceil(N / 64)``:
bit ``e`` of ``planes[i, b, w]`` is bit ``b`` of ``words[i, 64 w + e]`` (padding
elements are zero). The layout change is a bit permutation, hence linear over
XOR and local to each share. In planes, the bit positions of all elements are
separate arrays, so a circuit that combines bit ``2j`` with bit ``2j + 1`` (a
reduction tree) ANDs whole planes and never wastes a gate on bits it no longer
needs, unlike shifts within words.
"""

import numpy as np
from numba import njit, prange

_LOW32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _transpose64(block):
    """Transpose a 64 x 64 bit matrix in place: bit ``c`` of row ``r`` <-> bit ``r`` of row ``c``.

    Swaps the off-diagonal blocks of halves, quarters, ... (6 stages of 32 swaps).
    """
    j = 32
    mask = _LOW32
    while j:
        shift = np.uint64(j)
        for r in range(64):
            if r & j == 0:
                t = ((block[r] >> shift) ^ block[r + j]) & mask
                block[r] ^= t << shift
                block[r + j] ^= t
        j >>= 1
        mask ^= mask << np.uint64(j)


@njit(parallel=True, cache=True, nogil=True)
def to_planes(words):
    """``(k, N)`` words to ``(k, 64, ceil(N/64))`` bit planes (layout in the module docstring)."""
    k, size = words.shape
    blocks = (size + 63) // 64
    out = np.empty((k, 64, blocks), dtype=np.uint64)
    for task in prange(k * blocks):
        i = task // blocks
        w = task % blocks
        block = np.zeros(64, dtype=np.uint64)
        start = 64 * w
        for e in range(min(64, size - start)):
            block[e] = words[i, start + e]
        _transpose64(block)
        for b in range(64):
            out[i, b, w] = block[b]
    return out


@njit(parallel=True, cache=True, nogil=True)
def from_planes(planes, size):
    """``(k, 64, W)`` bit planes back to ``(k, size)`` words: the inverse of :func:`to_planes`."""
    k, _, blocks = planes.shape
    out = np.empty((k, size), dtype=np.uint64)
    for task in prange(k * blocks):
        i = task // blocks
        w = task % blocks
        block = np.empty(64, dtype=np.uint64)
        for b in range(64):
            block[b] = planes[i, b, w]
        _transpose64(block)
        start = 64 * w
        for e in range(min(64, size - start)):
            out[i, start + e] = block[e]
    return out


@njit(parallel=True, cache=True, nogil=True)
def plane_bits(plane, size):
    """The first ``size`` bits of a ``(k, W)`` plane, one element per ``uint64`` (0 or 1)."""
    k = plane.shape[0]
    out = np.empty((k, size), dtype=np.uint64)
    for i in range(k):
        for j in prange(size):
            out[i, j] = (plane[i, j >> 6] >> np.uint64(j & 63)) & np.uint64(1)
    return out
