"""Protocols on XOR-shared 64-bit words: opening, conversion of bits to the ring (AND gates: :mod:`.circuits`)."""

import numpy as np

from .. import kernels
from .opening import open_together


def open_xor(rt, *shares: np.ndarray) -> list[np.ndarray]:
    """Open XOR-shared arrays in one round (the XOR of every party's share).

    Cost: 1 round; each party sends and receives ``itemsize * M * (n - 1)`` bytes.
    Security: as :func:`mpcarray.protocols.open_shares`: only masked values are opened.
    """
    return open_together(rt, shares, lambda message: kernels.xor_rows(rt.transport.all_gather(message)))


def bits_to_ring(rt, bits: np.ndarray) -> np.ndarray:
    """Arithmetic shares of the XOR-shared bits held in the low bit of ``bits`` ``(k, N)``.

    Steps: (1) the dealer supplies daBits ``beta`` shared both ways; (2) parties open
    ``t = bit ^ beta`` (one byte each); (3) ``[bit] = t + (1 - 2t) [beta]``
    (party 0 adds ``t``).

    Cost: 1 round; each party sends and receives ``N * (n - 1)`` bytes; the dealer
    sends party 0 ``8 * N`` bytes.
    Security: ``t`` is a uniform bit because ``beta`` is.
    """
    m = rt.provider.dabits(bits.shape[1])
    (t,) = open_xor(rt, kernels.dabit_mask(bits, m.streams, m.offset))
    return kernels.bit_to_arith(t, m.streams, m.offset, m.correction, rt.first_row)


def sklansky_levels(width: int) -> list:
    """The levels of a Sklansky prefix circuit over ``width`` positions (Sklansky, 1960).

    At the level of span ``s``, every position ``i`` with bit ``s`` set combines
    with ``j``, the top position of the lower half of its block of ``2s``, so
    after all ``ceil(log2 width)`` levels position ``i`` covers ``0..i``.
    Returns ``(targets, sources, from_zero)`` per level; ``from_zero`` marks
    targets whose block starts at position 0.
    """
    levels, span = [], 1
    while span < width:
        targets = np.array([i for i in range(width) if i & span])
        block_start = targets & ~(2 * span - 1)
        levels.append((targets, block_start + span - 1, block_start == 0))
        span *= 2
    return levels


def words_to_ring(rt, words: np.ndarray, weights) -> np.ndarray:
    """Ring shares of ``sum_b weights[r][b] * bit_b(word)`` for XOR-shared words ``(k, N)``.

    One word daBit (a random word ``beta`` shared by XOR, with ring shares of
    each of its bits) converts all bits at once: parties open ``t = word ^ beta``
    and compute ``bit_b = t_b + (1 - 2 t_b) [beta_b]``, then any public linear
    combination locally. Returns ``(R, k, N)`` for ``R`` weight rows.

    Cost: 1 round; each party sends and receives ``8 * N * (n - 1)`` bytes; the
    dealer sends party 0 ``8 * width * N`` bytes, ``width`` the highest bit with
    a nonzero weight plus one.
    Security: ``t`` is uniform because ``beta`` is.
    """
    weights = np.array([[w % 2**64 for w in row] for row in weights], dtype=np.uint64)
    used = np.flatnonzero(weights.any(axis=0))
    weights = np.ascontiguousarray(weights[:, : used[-1] + 1 if used.size else 1])  # only bits that count
    m = rt.provider.word_dabits(words.shape[1], weights.shape[1])
    (t,) = open_xor(rt, kernels.word_dabit_mask(words, m.streams, m.offset))
    return kernels.word_to_ring(t, m.streams, m.offset, m.correction, rt.first_row, weights)
