"""Sign and zero tests of shared ring elements: the basis of every comparison.

Notation: ``[a]`` is a shared ring element read as a signed 64-bit integer; the
dealer's edaBit ``r`` is shared both arithmetically and bitwise (XOR shares of
the word ``r``). Parties open ``c = a + r``, so ``a = c - r`` and

* ``a < 0`` iff bit 63 of ``c - r`` is set: ``c_63 ^ r_63 ^ borrow``, where the
  borrow into bit 63 is ``[c mod 2^63 < r mod 2^63]``. With ``c`` public, each
  bit position's *generate* ``g_i = r_i & ~c_i`` and *propagate*
  ``p_i = ~(r_i ^ c_i)`` are local, and the borrow is their prefix combination
  ``(G, P) o (G', P') = (G ^ (P & G'), P & P')`` in Kogge-Stone form on
  bit-packed words: 6 levels of AND gates, which also yield every borrow and
  hence the full bit decomposition of ``a``.
* ``a == 0`` iff ``c == r``: the AND of all 64 bits of ``~(c ^ r)``, again a
  6-level tree (Damgård et al., TCC 2006; edaBits: Escudero et al., CRYPTO 2020).

The resulting bits are XOR-shared and converted to ring integers with daBits.
Both tests share the opening of ``c`` and their AND levels run in the same
rounds. Comparisons are exact whenever the tested value fits in int64 without
wrapping (e.g. ``x - y`` for fixed-point values in the safe range).
"""

import numpy as np

from .. import kernels
from .binary import and_words, bits_to_ring
from .opening import open_shares

_LOW63 = np.uint64((1 << 63) - 1)
_TOP = np.uint64(1 << 63)
_ONE = np.uint64(1)


def _masked_bits(rt, a: np.ndarray):
    """Open ``c = a + r`` for an edaBit ``r``; return ``c`` and the XOR shares of ``r``."""
    k = a.shape[0]
    flat = np.ascontiguousarray(a).reshape(k, -1)
    size = flat.shape[1]
    eda = rt.dealer.edabits(size)
    r_arith, r_bits = kernels.edabit_shares(eda.seeds, eda.gammas, eda.offset, size,
                                           eda.correction, rt.first_row)
    (c,) = open_shares(rt, flat + r_arith)
    return c, r_bits


def _circuits(rt, c, r_bits, *, borrow: bool, zero: bool):
    """Six rounds of AND gates: the borrows of ``c - r`` (Kogge-Stone) and/or ``[c == r]``.

    Returns ``(generate, same)``: bit ``i`` of ``generate`` is the borrow out of
    bits ``0..i`` (for ``i < 63``); bit 0 of ``same`` is ``[c == r]``.
    """
    first = rt.first_row
    same = r_bits.copy()  # XOR shares of ~(c ^ r): bit i is 1 where c and r agree
    if first >= 0:
        same[first] ^= ~c
    generate = r_bits & (~c & _LOW63)  # borrow generated at bit i: r_i = 1, c_i = 0
    propagate = same & _LOW63
    if first >= 0:
        propagate[first] |= _TOP  # a neutral (g = 0, p = 1) element on top
    for level in range(6):
        s = np.uint64(1 << level)
        last = level == 5
        left, right = [], []
        if borrow:
            left += [propagate] if last else [propagate, propagate]
            right += [generate << s] if last else [generate << s, propagate << s]
        if zero:
            left.append(same)
            right.append(same >> s)
        products = np.split(and_words(rt, np.concatenate(left, 1), np.concatenate(right, 1)),
                            len(left), axis=1)
        if borrow:
            generate = generate ^ products[0]
            if not last:
                propagate = products[1]
        if zero:
            same = products[-1]
    return generate, same


def bit_decompose(rt, a: np.ndarray) -> np.ndarray:
    """XOR shares ``(k, N)`` of the 64 bits of each ring element of ``a`` (flattened).

    Steps: open ``c = a + r``; the Kogge-Stone borrow circuit of ``c - r``;
    ``bits = c ^ r ^ (borrow << 1)``.
    Cost: 7 rounds; per element and other party ``8 + 176`` bytes.
    """
    c, r_bits = _masked_bits(rt, a)
    generate, _ = _circuits(rt, c, r_bits, borrow=True, zero=False)
    bits = r_bits ^ (generate << np.uint64(1))
    if rt.first_row >= 0:
        bits[rt.first_row] ^= c
    return bits


def sign_bits(rt, a: np.ndarray, *, negative: bool = True, zero: bool = False) -> list:
    """Ring shares (0/1) of ``[a < 0]`` and/or ``[a == 0]`` for shares ``a`` ``(k, *shape)``.

    Steps: (1) open ``c = a + r`` for a dealer edaBit ``r``; (2) 6 rounds of
    batched AND gates evaluating the borrow circuit and/or the zero tree on
    bit-packed words; (3) convert the requested bits with daBits.

    Cost: 8 rounds whatever the size. Per element and other party, each party
    sends ``8 + 176 + 1`` bytes for ``a < 0``, ``8 + 96 + 1`` for ``a == 0``, and
    ``8 + 272 + 2`` for both; the dealer sends party 0 ``8`` (edaBit) ``+ 8`` per
    AND word ``+ 8`` per daBit.
    Security: ``c`` is uniform; every AND opening is masked by a fresh triple;
    the daBit opening is a uniform bit.
    """
    if not (negative or zero):
        raise ValueError("ask for at least one of negative= and zero=")
    c, r_bits = _masked_bits(rt, a)
    generate, same = _circuits(rt, c, r_bits, borrow=negative, zero=zero)
    bits = []
    if negative:
        msb = (r_bits ^ generate) >> np.uint64(63)
        if rt.first_row >= 0:
            msb[rt.first_row] ^= c >> np.uint64(63)
        bits.append(msb)
    if zero:
        bits.append(same & _ONE)
    converted = np.split(bits_to_ring(rt, np.concatenate(bits, 1)), len(bits), axis=1)
    return [x.reshape(a.shape) for x in converted]
