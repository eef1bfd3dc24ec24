"""Sign and zero tests of shared ring elements: the basis of every comparison.

Notation: ``[a]`` is a shared ring element read as a signed 64-bit integer; the
dealer's edaBit ``r`` is shared both arithmetically and bitwise (XOR shares of
the word ``r``). Parties open ``c = a + r``, so ``a = c - r`` and

* ``a < 0`` iff bit 63 of ``c - r`` is set: ``c_63 ^ r_63 ^ borrow``, where the
  borrow into bit 63 is ``[c mod 2^63 < r mod 2^63]``. With ``c`` public, each
  bit position's *generate* ``g_i = r_i & ~c_i`` and *propagate*
  ``p_i = ~(r_i ^ c_i)`` are local, and the borrow is their prefix combination
  ``(G, P) o (G', P') = (G ^ (P & G'), P & P')``: a reduction tree of 6 levels
  of AND gates for the top borrow alone, a Sklansky prefix circuit (also 6
  levels) for every borrow and hence the full bit decomposition of ``a``.
* ``a == 0`` iff ``c == r``: the AND of all 64 bits of ``~(c ^ r)``, again a
  6-level tree (Damgård et al., TCC 2006; edaBits: Escudero et al., CRYPTO 2020).

The circuits run on bit planes (:mod:`mpcarray.kernels.planes`): each bit
position of all elements is one array, so every AND gate evaluated is needed.

The resulting bits are XOR-shared and converted to ring integers with daBits.
Both tests share the opening of ``c`` and their AND levels run in the same
rounds. Comparisons are exact whenever the tested value fits in int64 without
wrapping (e.g. ``x - y`` for fixed-point values in the safe range).
"""

import numpy as np

from .. import kernels
from . import field_comparison
from .binary import and_planes, bits_to_ring, sklansky_levels
from .opening import open_shares


def _masked_planes(rt, a: np.ndarray):
    """Open ``c = a + r`` for an edaBit ``r``; return ``N``, and in bit planes ``c``, ``r`` and ``~(c ^ r)``.

    The generate and propagate nodes of the borrow of ``c - r`` at bit ``i``
    are then ``g_i = r_i & ~c_i`` and ``p_i = ~(c_i ^ r_i)``.
    """
    k = a.shape[0]
    flat = np.ascontiguousarray(a).reshape(k, -1)
    size = flat.shape[1]
    eda = rt.provider.edabits(size)
    r_arith, r_bits = kernels.edabit_shares(eda.streams, eda.offset, size,
                                           eda.correction, rt.first_row)
    (c,) = open_shares(rt, flat + r_arith)
    c_planes = kernels.to_planes(c.reshape(1, -1))[0]
    r_planes = kernels.to_planes(r_bits)
    agree = r_planes.copy()
    if rt.first_row >= 0:
        agree[rt.first_row] ^= ~c_planes
    return size, c_planes, r_planes, agree


def _plane_trees(rt, c_planes, r_planes, agree, *, borrow: bool, zero: bool):
    """Six rounds of AND gates on bit planes ``(k, 64, W)``: the top borrow and/or ``[c == r]``.

    Borrow: nodes ``(G, P)`` for bit positions 0..62 are combined pairwise,
    ``(G, P)_hi o (G, P)_lo = (G_hi ^ P_hi & G_lo, P_hi & P_lo)``, where the
    node holding bit 0 needs no ``P``; 63 nodes take 6 levels and 118 plane
    ANDs. Zero: the 64 planes of ``~(c ^ r)`` are ANDed pairwise, 63 plane ANDs.
    Both trees share their rounds. Returns the ``(k, W)`` planes (or None).
    """
    generate = r_planes[:, :63] & ~c_planes[:63]
    propagate = agree[:, :63]
    same = agree if zero else None
    if not borrow:
        generate = None
    while (generate is not None and generate.shape[1] > 1) or (same is not None and same.shape[1] > 1):
        left, right = [], []
        if generate is not None:
            pairs = generate.shape[1] // 2
            left += [propagate[:, 1 : 2 * pairs : 2], propagate[:, 3 : 2 * pairs : 2]]
            right += [generate[:, 0 : 2 * pairs : 2], propagate[:, 2 : 2 * pairs : 2]]
        if same is not None:
            left.append(same[:, 0::2])
            right.append(same[:, 1::2])
        products = and_planes(rt, np.concatenate(left, 1), np.concatenate(right, 1))
        products = np.split(products, np.cumsum([part.shape[1] for part in left])[:-1], axis=1)
        if generate is not None:
            carry_g, carry_p = generate[:, 2 * pairs :], propagate[:, 2 * pairs :]
            combined_g = generate[:, 1 : 2 * pairs : 2] ^ products[0]
            combined_p = np.concatenate([propagate[:, :1], products[1]], 1)  # node 0's P is unused
            generate = np.concatenate([combined_g, carry_g], 1)
            propagate = np.concatenate([combined_p, carry_p], 1)
        if same is not None:
            same = products[-1]
    return (None if generate is None else generate[:, 0]), (None if same is None else same[:, 0])


def bit_decompose(rt, a: np.ndarray) -> np.ndarray:
    """XOR shares ``(k, N)`` of the 64 bits of each ring element of ``a`` (flattened).

    Steps: open ``c = a + r``; move ``c`` and ``r`` to bit planes; every borrow
    of ``c - r`` by a Sklansky prefix circuit over the ``(G, P)`` nodes of bits
    0..62 (no ``P`` for blocks that start at bit 0); ``bits = c ^ r ^ (borrow << 1)``.
    Cost: 7 rounds; 321 plane ANDs, so per element and other party
    ``8 + 16 * 321 / 64 = 88.25`` bytes (element counts rounded up to 64).
    """
    size, c_planes, r_planes, agree = _masked_planes(rt, a)
    generate = r_planes[:, :63] & ~c_planes[:63]
    propagate = agree[:, :63]
    for targets, sources, from_zero in sklansky_levels(63):
        with_p = targets[~from_zero]
        products = and_planes(rt, np.concatenate([propagate[:, targets], propagate[:, with_p]], 1),
                              np.concatenate([generate[:, sources], propagate[:, sources[~from_zero]]], 1))
        generate[:, targets] ^= products[:, : targets.size]
        propagate[:, with_p] = products[:, targets.size :]
    bits = r_planes
    bits[:, 1:] ^= generate
    if rt.first_row >= 0:
        bits[rt.first_row] ^= c_planes
    return kernels.from_planes(bits, size)


def sign_bits(rt, a: np.ndarray, *, negative: bool = True, zero: bool = False) -> list:
    """Ring shares (0/1) of ``[a < 0]`` and/or ``[a == 0]`` for shares ``a`` ``(k, *shape)``.

    Steps: (1) open ``c = a + r`` for a dealer edaBit ``r``; (2) move ``c`` and
    the XOR shares of ``r`` to bit planes (local); (3) 6 rounds of batched AND
    gates reducing the borrow tree and/or the zero tree; (4) convert the
    requested bits with daBits.

    Cost: 8 rounds whatever the size. Per element and other party, each party
    sends ``8 + 29.5 + 1`` bytes for ``a < 0`` (118 plane ANDs of 16 bytes per
    64 elements), ``8 + 15.75 + 1`` for ``a == 0`` and ``8 + 45.25 + 2`` for both,
    with element counts rounded up to a multiple of 64; the dealer sends party 0
    ``8`` (edaBit) ``+ 8`` per 64 plane ANDs ``+ 8`` per daBit and element.
    Security: ``c`` is uniform; every AND opening is masked by a fresh triple;
    the daBit opening is a uniform bit.

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
