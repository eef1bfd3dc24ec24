"""Sign and zero tests of shared ring elements: the basis of every comparison.

Notation: ``[a]`` is a shared ring element read as a signed 64-bit integer; the
dealer's edaBit ``r`` is shared both arithmetically and bitwise (XOR shares of
the word ``r``). Parties open ``c = a + r``, so ``a = c - r`` and

* ``a < 0`` iff bit 63 of ``c - r`` is set: ``c_63 ^ r_63 ^ borrow``, where the
  borrow into bit 63 is ``[c mod 2^63 < r mod 2^63]``. With ``c`` public, each
  bit position's *generate* ``g_i = r_i & ~c_i`` and *propagate*
  ``p_i = ~(r_i ^ c_i)`` are local, and the borrow is their prefix combination
  ``(G, P) o (G', P') = (G ^ (P & G'), P & P')``: a reduction tree for the
  top borrow alone, a prefix circuit for every borrow and hence the full bit
  decomposition of ``a``.
* ``a == 0`` iff ``c == r``: the AND of all 64 bits of ``~(c ^ r)``, again a
  tree (Damgård et al., TCC 2006; edaBits: Escudero et al., CRYPTO 2020).

Both run as radix-4 circuits of one-round multi-input gates
(:mod:`mpcarray.protocols.circuits`): 3 levels instead of radix 2's 6. The
circuits run on bit planes (:mod:`mpcarray.kernels.planes`): each bit
position of all elements is one array, so every gate evaluated is needed.

The resulting bits are XOR-shared and converted to ring integers with daBits.
Both tests share the opening of ``c`` and their AND levels run in the same
rounds. Comparisons are exact whenever the tested value fits in int64 without
wrapping (e.g. ``x - y`` for fixed-point values in the safe range).
"""

import numpy as np

from .. import kernels
from . import field_comparison
from .binary import bits_to_ring
from .circuits import combine_batch, combined, evaluate_gates, prefix_groups, reduction_groups
from .opening import open_shares

#: Rounds of :func:`sign_bits` in an additive session: open, three gate levels, daBit.
SIGN_ROUNDS = 5


def sign_rounds(rt) -> int:
    """Rounds of one :func:`sign_bits` call in ``rt``'s scheme (Shamir sessions use their own protocol)."""
    return field_comparison.SIGN_ROUNDS if rt.shamir else SIGN_ROUNDS


def _masked_planes(rt, a: np.ndarray):
    """Open ``c = a + r`` for an edaBit ``r``; return ``N``, and in bit planes ``c``, ``r`` and ``~(c ^ r)``.

    The generate and propagate nodes of the borrow of ``c - r`` at bit ``i``
    are then ``g_i = r_i & ~c_i`` and ``p_i = ~(c_i ^ r_i)``.
    """
    c, r_bits = _masked(rt, a)
    return c.size, *_planes(rt, c, r_bits)


def _masked(rt, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Open ``c = a + r`` for an edaBit ``r`` (1 round): the public words ``c`` ``(N,)`` and the XOR
    shares of ``r`` ``(k, N)``."""
    k = a.shape[0]
    flat = np.ascontiguousarray(a).reshape(k, -1)
    size = flat.shape[1]
    eda = rt.provider.edabits(size)
    r_arith, r_bits = kernels.edabit_shares(eda.streams, eda.offset, size,
                                           eda.correction, rt.first_row)
    (c,) = open_shares(rt, flat + r_arith)
    return c.reshape(-1), r_bits


def _planes(rt, c: np.ndarray, r_bits: np.ndarray):
    """Bit planes of public words ``c``, of the XOR-shared ``r`` and of ``~(c ^ r)``."""
    c_planes = kernels.to_planes(c.reshape(1, -1))[0]
    r_planes = kernels.to_planes(r_bits)
    agree = r_planes.copy()
    if rt.first_row >= 0:
        agree[rt.first_row] ^= ~c_planes
    return c_planes, r_planes, agree


def _plane_trees(rt, c_planes, r_planes, agree, *, borrow: bool, zero: bool):
    """Three rounds of radix-4 gates on bit planes ``(k, 64, W)``: the top borrow and/or ``[c == r]``.

    Borrow: the carry nodes ``(g_i, p_i)`` of bits 0..62 reduce four at a time
    (:func:`~mpcarray.protocols.circuits.reduction_groups`), 63 -> 16 -> 4 -> 1;
    zero: the 64 planes of ``~(c ^ r)`` are ANDed four at a time, 64 -> 16 -> 4 -> 1.
    Both trees share their rounds. Returns the ``(k, W)`` planes (or None).
    """
    generate = r_planes[:, :63] & ~c_planes[:63] if borrow else None
    propagate = agree[:, :63]
    same = agree if zero else None
    while (generate is not None and generate.shape[1] > 1) or (same is not None and same.shape[1] > 1):
        groups = reduction_groups(generate.shape[1]) if generate is not None and generate.shape[1] > 1 else []
        gated = [(nodes, with_p) for nodes, with_p in groups if with_p is not None]
        batches = [combine_batch(generate, propagate, nodes, with_p) for nodes, with_p in gated]
        zero_level = same is not None and same.shape[1] > 1
        if zero_level:
            k, n, words = same.shape
            quads = same.reshape(k, n // 4, 4, words).transpose(0, 2, 1, 3)
            batches.append((("and", 4), quads.reshape(k, 4, -1)))
        outputs = evaluate_gates(rt, batches)
        if groups:
            done = iter(outputs)
            parts = [combined(generate, nodes, next(done)) if with_p is not None
                     else (generate[:, nodes[0]], propagate[:, nodes[0]]) for nodes, with_p in groups]
            generate = np.concatenate([g for g, _ in parts], 1)
            propagate = np.concatenate([generate[:, :1] if p is None else p for _, p in parts], 1)  # node 0's P is unused
        if zero_level:
            same = outputs[-1].reshape(k, n // 4, words)
    return (None if generate is None else generate[:, 0]), (None if same is None else same[:, 0])


def bit_decompose(rt, a: np.ndarray) -> np.ndarray:
    """XOR shares ``(k, N)`` of the 64 bits of each ring element of ``a`` (flattened).

    Steps: open ``c = a + r``; move ``c`` and ``r`` to bit planes; every borrow
    of ``c - r`` by a radix-4 Sklansky prefix circuit over the ``(G, P)`` nodes
    of bits 0..62 (:func:`~mpcarray.protocols.circuits.prefix_groups`, 3
    levels; no ``P`` for blocks that start at bit 0); ``bits = c ^ r ^ (borrow << 1)``.
    Cost: 4 rounds; per element and other party ``8 + 8 * 637 / 64 = 87.625``
    bytes (637 masked plane openings per 64 elements, counts rounded up to 64);
    the dealer sends party 0 ``8 + 8 * 1246 / 64 = 163.75`` bytes per element
    (edaBit, 1246 mask products).
    """
    size, c_planes, r_planes, agree = _masked_planes(rt, a)
    generate = r_planes[:, :63] & ~c_planes[:63]
    propagate = agree[:, :63]
    for groups in prefix_groups(63):
        outputs = evaluate_gates(rt, [combine_batch(generate, propagate, nodes, with_p) for nodes, with_p in groups])
        results = [combined(generate, nodes, out) for (nodes, _), out in zip(groups, outputs)]
        for (nodes, with_p), (g, p) in zip(groups, results):
            generate[:, nodes[-1]] = g
            if with_p:
                propagate[:, nodes[-1]] = p
    bits = r_planes
    bits[:, 1:] ^= generate
    if rt.first_row >= 0:
        bits[rt.first_row] ^= c_planes
    return kernels.from_planes(bits, size)


def sign_bits(rt, a: np.ndarray, *, negative: bool = True, zero: bool = False) -> list:
    """Ring shares (0/1) of ``[a < 0]`` and/or ``[a == 0]`` for shares ``a`` ``(k, *shape)``.

    Steps: (1) open ``c = a + r`` for a dealer edaBit ``r``; (2) move ``c`` and
    the XOR shares of ``r`` to bit planes (local); (3) 3 rounds of radix-4
    gates reducing the borrow tree and/or the zero tree (:func:`_plane_trees`);
    (4) convert the requested bits with daBits.

    Cost: 5 rounds whatever the size (:data:`SIGN_ROUNDS`). Per element and
    other party, each party sends ``8 + 8 * 142 / 64 + 1 = 26.75`` bytes for
    ``a < 0`` (142 masked plane openings per 64 elements), ``8 + 8 * 84 / 64 + 1``
    for ``a == 0`` and ``8 + 8 * 226 / 64 + 2`` for both, with element counts
    rounded up to a multiple of 64; the dealer sends party 0 ``8`` (edaBit)
    ``+ 8`` per 64 elements and mask product (427 for ``a < 0``, 231 for
    ``a == 0``) ``+ 8`` per daBit and element: ``69.375`` bytes per element for ``a < 0``.
    Radix 4 trades more dealer material for 3 fewer rounds and fewer bytes
    between parties than radix 2.
    Security: ``c`` is uniform; every gate input is opened masked by a fresh
    uniform mask; the daBit opening is a uniform bit.

    In Shamir sessions: :func:`mpcarray.protocols.field_comparison.sign_bits`
    (no dealer; 8 rounds).
    """
    if rt.shamir:
        return field_comparison.sign_bits(rt, a, negative=negative, zero=zero)
    if not (negative or zero):
        raise ValueError("ask for at least one of negative= and zero=")
    size, c_planes, r_planes, agree = _masked_planes(rt, a)
    borrow, same = _plane_trees(rt, c_planes, r_planes, agree, borrow=negative, zero=zero)
    bits = []
    if negative:
        msb = r_planes[:, 63] ^ borrow
        if rt.first_row >= 0:
            msb[rt.first_row] ^= c_planes[63]
        bits.append(kernels.plane_bits(msb, size))
    if zero:
        bits.append(kernels.plane_bits(same, size))
    converted = np.split(bits_to_ring(rt, np.concatenate(bits, 1)), len(bits), axis=1)
    return [x.reshape(a.shape) for x in converted]


def leading_one_by_comparisons(rt, a: np.ndarray) -> np.ndarray:
    """XOR shares ``(k, N)`` of words with only the leading one of each ``a`` in ``[0, 2^63)`` kept
    (0 for ``a = 0``), from the 63 comparisons ``a >= 2^j``, ``j = 0 .. 62``.

    Steps: (1) open ``c = a + r`` once for an edaBit ``r``; (2) for every ``j`` the
    sign of ``a - 2^j = (c - 2^j) - r``, whose borrow trees all run in the same three
    rounds of gates (as :func:`sign_bits`'s; ``c - 2^j`` is public); (3) the thermometer
    ``t_j = [a >= 2^j]`` becomes the one-hot ``t_j ^ t_(j+1)`` locally. Exact for ``a`` in
    ``[0, 2^63)``; a negative ``a`` above ``-2^62`` gives 0.
    Cost: 4 rounds where the bit decomposition and the prefix OR take 7
    (:func:`~mpcarray.protocols.circuits.leading_one`), for 63 times the gates of a sign test:
    per element and other party ``8 + 63 * 17.75`` bytes (the ``63 N`` comparisons rounded up to
    a multiple of 64).
    Security: ``c`` is uniform, and every gate input is opened masked by a fresh mask.
    """
    c, r_bits = _masked(rt, a)
    size, k = c.size, r_bits.shape[0]
    positions = np.uint64(1) << np.arange(63, dtype=np.uint64)
    shifted = c[None, :] - positions[:, None]  # (63, N): c - 2^j, the masked a - 2^j
    tiled = np.broadcast_to(r_bits[:, None, :], (k, 63, size))
    c_planes, r_planes, agree = _planes(rt, shifted.reshape(-1), np.ascontiguousarray(tiled).reshape(k, -1))
    borrow, _ = _plane_trees(rt, c_planes, r_planes, agree, borrow=True, zero=False)
    below = r_planes[:, 63] ^ borrow  # [a < 2^j], XOR-shared, with c's bit 63 added below
    if rt.first_row >= 0:
        below[rt.first_row] ^= c_planes[63] ^ np.uint64(0xFFFFFFFFFFFFFFFF)  # and negated: [a >= 2^j]
    thermometer = kernels.plane_bits(below, 63 * size).reshape(k, 63, size)
    onehot = thermometer.copy()
    onehot[:, :62] ^= thermometer[:, 1:]
    return np.bitwise_or.reduce(onehot << np.arange(63, dtype=np.uint64)[None, :, None], axis=1)
