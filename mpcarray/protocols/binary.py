"""Protocols on XOR-shared 64-bit words: opening, AND gates, conversion of bits to the ring."""

import numpy as np

from .. import kernels


def open_xor(rt, *shares: np.ndarray) -> list[np.ndarray]:
    """Open XOR-shared arrays in one round (the XOR of every party's share).

    Cost: 1 round; each party sends and receives ``itemsize * M * (n - 1)`` bytes.
    Security: as :func:`mpcarray.protocols.open_shares`: only masked values are opened.
    """
    k = len(rt.ranks)
    flat = [np.ascontiguousarray(s).reshape(k, -1) for s in shares]
    message = flat[0] if len(flat) == 1 else np.concatenate(flat, axis=1)
    total = kernels.xor_rows(rt.transport.all_gather(message))
    opened, start = [], 0
    for s in shares:
        size = int(np.prod(s.shape[1:], dtype=np.int64))
        opened.append(total[start : start + size].reshape(s.shape[1:]))
        start += size
    return opened


def and_words(rt, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """XOR shares of ``u & v`` for XOR-shared words ``(k, N)``: 64 AND gates per word.

    Steps: (1) the dealer supplies a binary triple ``a, b, c = a & b``; (2) parties
    open ``d = u ^ a`` and ``e = v ^ b``; (3) party ``i`` computes
    ``c_i ^ (d & b_i) ^ (e & a_i)``, party 0 also XORs ``d & e`` (Beaver, 1991).

    Cost: 1 round; each party sends and receives ``16 * N * (n - 1)`` bytes; the
    dealer sends party 0 ``8 * N`` bytes.
    Security: ``d`` and ``e`` are uniform because ``a`` and ``b`` are.
    """
    t = rt.dealer.binary_triples(u.shape[1])
    (opened,) = open_xor(rt, kernels.and_mask(u, v, t.seeds, t.gammas, t.offset))
    return kernels.and_combine(opened, t.seeds, t.gammas, t.offset, t.correction, rt.first_row)


def bits_to_ring(rt, bits: np.ndarray) -> np.ndarray:
    """Arithmetic shares of the XOR-shared bits held in the low bit of ``bits`` ``(k, N)``.

    Steps: (1) the dealer supplies daBits ``beta`` shared both ways; (2) parties open
    ``t = bit ^ beta`` (one byte each); (3) ``[bit] = t + (1 - 2t) [beta]``
    (party 0 adds ``t``).

    Cost: 1 round; each party sends and receives ``N * (n - 1)`` bytes; the dealer
    sends party 0 ``8 * N`` bytes.
    Security: ``t`` is a uniform bit because ``beta`` is.
    """
    m = rt.dealer.dabits(bits.shape[1])
    (t,) = open_xor(rt, kernels.dabit_mask(bits, m.seeds, m.gammas, m.offset))
    return kernels.bit_to_arith(t, m.seeds, m.gammas, m.offset, m.correction, rt.first_row)
