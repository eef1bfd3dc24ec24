"""Kernels for XOR-shared 64-bit words: edaBits and daBits (seed-compressed).

A word ``w`` is XOR-shared when party ``i`` holds ``w_i`` with ``w = w_0 ^ ... ^ w_{n-1}``;
each word carries 64 independent bits. XOR and shifts are local; AND gates are
the multi-input gates of :mod:`mpcarray.kernels.gates`.

Stream layouts (per party, from ``offset``): edaBits ``r`` (arithmetic) at ``+j`` and its XOR share at
``+N+j``; daBits the XOR share (low bit) at ``+j`` and the arithmetic share at
``+N+j``. Party 0's last component is the dealer's correction (for daBits, the
XOR shares are all random and only the arithmetic share is corrected).
"""

import numpy as np
from numba import njit, prange

from .prg import draw, stream_rows

_ONE = np.uint64(1)


@njit(parallel=True, cache=True, nogil=True)
def xor_rows(rows):
    """XOR of the rows of a ``(n, N)`` array: the reconstruction of XOR shares."""
    n, size = rows.shape
    out = np.empty(size, dtype=rows.dtype)
    for j in prange(size):
        acc = rows[0, j]
        for i in range(1, n):
            acc ^= rows[i, j]
        out[j] = acc
    return out


@njit(parallel=True, cache=True, nogil=True)
def edabit_correction(streams, offset, size):
    """Dealer: party 0's XOR share of ``r = sum_i r_i`` (so the XOR shares encode r's bits)."""
    out = np.empty(size, dtype=np.uint64)
    for j in prange(size):
        r = np.uint64(0)
        x = np.uint64(0)
        for i in range(stream_rows(streams)):
            r += draw(streams, i, offset + j)
            if i > 0:
                x ^= draw(streams, i, offset + size + j)
        out[j] = r ^ x
    return out


@njit(parallel=True, cache=True, nogil=True)
def edabit_shares(streams, offset, size, correction, first_row):
    """Each held party's ``(arithmetic r_i, XOR share of r)``, two ``(k, N)`` arrays."""
    k = stream_rows(streams)
    arith = np.empty((k, size), dtype=np.uint64)
    xor = np.empty((k, size), dtype=np.uint64)
    for i in range(k):
        for j in prange(size):
            arith[i, j] = draw(streams, i, offset + j)
            if i == first_row:
                xor[i, j] = correction[j]
            else:
                xor[i, j] = draw(streams, i, offset + size + j)
    return arith, xor


@njit(parallel=True, cache=True, nogil=True)
def dabit_correction(streams, offset, size):
    """Dealer: party 0's arithmetic share of the random bit ``beta = xor_i (stream_i & 1)``."""
    out = np.empty(size, dtype=np.uint64)
    for j in prange(size):
        bit = np.uint64(0)
        arith = np.uint64(0)
        for i in range(stream_rows(streams)):
            bit ^= draw(streams, i, offset + j) & _ONE
            if i > 0:
                arith += draw(streams, i, offset + size + j)
        out[j] = bit - arith
    return out


@njit(parallel=True, cache=True, nogil=True)
def bit_to_arith(bits, streams, offset, correction, first_row):
    """Arithmetic shares of XOR-shared bits (low bit of ``bits``) with daBits.

    ``bits`` holds the opened ``t = bit ^ beta`` (one public byte per element);
    the result is ``t + (1 - 2t) * [beta]``.
    """
    k = stream_rows(streams)
    size = bits.size
    out = np.empty((k, size), dtype=np.uint64)
    for i in range(k):
        for j in prange(size):
            t = np.uint64(bits[j])
            if i == first_row:
                beta = correction[j]
            else:
                beta = draw(streams, i, offset + size + j)
            value = (_ONE - np.uint64(2) * t) * beta
            out[i, j] = value + t if i == first_row else value
    return out


@njit(parallel=True, cache=True, nogil=True)
def dabit_mask(bits, streams, offset):
    """Message to open, ``(k, N)`` bytes: the low bit of ``bits_i ^ beta_i``."""
    k, size = bits.shape
    out = np.empty((k, size), dtype=np.uint8)
    for i in range(k):
        for j in prange(size):
            beta = draw(streams, i, offset + j) & _ONE
            out[i, j] = np.uint8((bits[i, j] ^ beta) & _ONE)
    return out


@njit(parallel=True, cache=True, nogil=True)
def word_dabit_correction(streams, offset, size, width):
    """Dealer: party 0's arithmetic shares of the low ``width`` bits of a random word ``beta``.

    ``beta = xor_i stream_i[offset + j]``; bit ``b`` of party ``i > 0`` is at
    ``offset + N + b*N + j``. Returns ``(width, N)``.
    """
    out = np.empty((width, size), dtype=np.uint64)
    for j in prange(size):
        beta = np.uint64(0)
        for i in range(stream_rows(streams)):
            beta ^= draw(streams, i, offset + j)
        for b in range(width):
            rest = np.uint64(0)
            for i in range(1, stream_rows(streams)):
                rest += draw(streams, i, offset + size + b * size + j)
            out[b, j] = ((beta >> np.uint64(b)) & _ONE) - rest
    return out


@njit(parallel=True, cache=True, nogil=True)
def word_dabit_mask(words, streams, offset):
    """Message to open: ``words_i ^ beta_i``, ``beta_i`` the stream values from ``offset`` (a word daBit's or a gate's masks)."""
    k, size = words.shape
    out = np.empty((k, size), dtype=np.uint64)
    for i in range(k):
        for j in prange(size):
            out[i, j] = words[i, j] ^ draw(streams, i, offset + j)
    return out


@njit(parallel=True, cache=True, nogil=True)
def word_to_ring(t, streams, offset, correction, first_row, weights):
    """Shares of ``sum_b weights[r, b] * bit_b`` for each row ``r``: a ``(R, k, N)`` array.

    ``t = word ^ beta`` is public; ``bit_b = t_b + (1 - 2 t_b) beta_b``.
    """
    rows, width = weights.shape
    k = stream_rows(streams)
    size = t.size
    out = np.zeros((rows, k, size), dtype=np.uint64)
    for i in range(k):
        for j in prange(size):
            tj = t[j]
            for b in range(width):
                tb = (tj >> np.uint64(b)) & _ONE
                if i == first_row:
                    beta = correction[b, j]
                else:
                    beta = draw(streams, i, offset + size + b * size + j)
                value = (_ONE - np.uint64(2) * tb) * beta
                if i == first_row:
                    value += tb
                for r in range(rows):
                    out[r, i, j] += weights[r, b] * value
    return out
