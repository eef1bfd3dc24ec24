"""Operations between shares and public values; all local except real scaling.

How a public value enters the shares is the scheme's rule
(:meth:`~mpcarray.schemes.Additive.constant_rows`): additively, party 0 alone
adds it, so the sum of the shares changes by exactly that value; with Shamir
every party adds it (the constant polynomial). Public multiples are local in
both schemes and computed in the session's domain.
"""

import numpy as np

from ..domains import to_ring
from ..errors import EncodingError, UnsupportedOperationError
from .truncation import truncate_many


def public_shares(rt, ring_values: np.ndarray) -> np.ndarray:
    """A trivial sharing of a public array of domain elements (additive: party 0 holds it, the others 0)."""
    ring_values = np.asarray(ring_values, dtype=np.uint64)
    rows = np.zeros((len(rt.ranks),) + ring_values.shape, dtype=np.uint64)
    rows[rt.scheme.constant_rows(rt.ranks)] = ring_values
    return rows


def add_public(rt, x: np.ndarray, ring_values: np.ndarray) -> np.ndarray:
    """``[x] + c`` for a public array ``c`` of domain elements broadcastable with ``x``'s element shape. Local."""
    ring_values = np.asarray(ring_values, dtype=np.uint64)
    shape = np.broadcast_shapes(x.shape[1:], ring_values.shape)
    x = x.reshape(x.shape[:1] + (1,) * (len(shape) - x.ndim + 1) + x.shape[1:])
    out = np.array(np.broadcast_to(x, x.shape[:1] + shape), dtype=np.uint64)
    for row in rt.scheme.constant_rows(rt.ranks):
        out[row] = rt.domain.add(out[row], ring_values)
    return out


def mul_public_int(rt, x: np.ndarray, ring_values: np.ndarray) -> np.ndarray:
    """``[x] * c`` for a public array ``c`` of domain elements (integers): exact and local."""
    return rt.domain.mul(x, np.asarray(ring_values, dtype=np.uint64))


def mul_public_real(rt, x: np.ndarray, x_frac: int, c, out_frac: int,
                    product=np.multiply) -> np.ndarray:
    """``[x] * c`` for public reals ``c``, from ``x_frac`` to ``out_frac`` fractional bits.

    ``product(shares, ring_constant)`` applies a public ring constant to the
    shares: elementwise by default, or a local matrix product for ``x @ C``.

    Integer-valued ``c`` is applied exactly with no communication. Otherwise
    ``c = (M_hi * 2^g + M_lo) * 2^(k - 2g)`` with integers ``|M_hi| <= 2^g``,
    ``0 <= M_lo < 2^g`` (``g`` = the session's fractional bits, ``2^k`` just above
    ``max|c|``): the constant keeps ``2g`` significant bits however small it is
    (``x / 1e6``, means over millions of rows). ``[x] * M_hi`` and ``[x] * M_lo``
    are truncated together in one round, each with error below one unit, so the
    result is within 2 units (plus ``|x * c| * 2^-2g``) of ``x * c``.

    A single positive power of two ``2^e`` is a shift: exact for ``e >= 0``, one
    truncation otherwise, with no range requirement beyond the result's.

    Cost: 0 rounds for integer-valued ``c``; else 1 round truncating ``2N``
    elements (``N`` when ``M_lo`` is zero or ``c`` is a power of two).
    Requires ``|x * 2^x_frac| * 2^g < 2^62``: the fixed-point safe range for
    fixed-point ``x``, ``|x| < 2^(62 - g)`` for ring integers.
    """
    if not rt.domain.is_ring:
        raise UnsupportedOperationError(
            f"real (fixed-point) values are not available in {rt.scheme.name} sessions over "
            f"{rt.domain.name} yet; use integers, or scheme='additive' for reals")
    c = np.asarray(c, dtype=np.float64)
    if not np.all(np.isfinite(c)):
        raise EncodingError("public operand contains NaN or an infinite value")
    lift = out_frac - x_frac
    peak = float(np.max(np.abs(c))) if c.size else 0.0
    if peak == 0.0 or (np.all(c == np.rint(c)) and peak < 2.0 ** (62 - lift)):
        return product(x, to_ring(c.astype(np.int64)) << np.uint64(lift))
    mantissa, exponent = np.frexp(peak)
    shift = x_frac - out_frac - (int(exponent) - 1)
    if product is np.multiply and mantissa == 0.5 and np.all(c == peak) and -62 <= shift <= 62:
        # one power of two 2^e, elementwise: a shift, without a product (broadcast like one)
        x = np.broadcast_to(x, np.broadcast_shapes(x.shape, c.shape))
        return x << np.uint64(-shift) if shift <= 0 else truncate_many(rt, [(x, shift)])[0]
    g = rt.fixed.frac_bits
    k = int(exponent)
    multiplier = np.rint(np.ldexp(c, 2 * g - k)).astype(np.int64)
    high, low = multiplier >> g, multiplier & ((1 << g) - 1)
    shift = x_frac + g - k - out_frac
    if -shift >= 62:
        raise EncodingError(f"public factor {peak:.3g} overflows the fixed-point range")
    exact, to_truncate = [], []
    for part, part_shift in ((high, shift), (low, shift + g)):
        if not part.any() or part_shift > 62:  # zero, or below one unit of the result
            continue
        z = product(x, to_ring(part))
        if part_shift <= 0:
            exact.append(z << np.uint64(-part_shift))
        else:
            to_truncate.append((z, part_shift))
    terms = exact + (truncate_many(rt, to_truncate) if to_truncate else [])
    if not terms:  # |x * c| is below one unit of the result
        return product(x, np.zeros(c.shape, dtype=np.uint64))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def matmul_public(rt, x: np.ndarray, c: np.ndarray, public_left: bool = False) -> np.ndarray:
    """Shares ``(k, *batch, m, t)`` times a public matrix of domain elements (``c @ x`` if ``public_left``).

    Local: each party multiplies its own share by the public matrix.
    """
    k, batch = x.shape[0], x.shape[1:-2]
    c = np.broadcast_to(np.asarray(c, dtype=np.uint64), batch + np.shape(c)[-2:])
    rows = c.shape[-2] if public_left else x.shape[-2]
    cols = x.shape[-1] if public_left else c.shape[-1]
    out = np.empty((k,) + batch + (rows, cols), dtype=np.uint64)
    for row in range(k):
        for index in np.ndindex(*batch):
            shares, public = x[(row,) + index], c[index]
            pair = (public, shares) if public_left else (shares, public)
            out[(row,) + index] = rt.domain.matmul(*pair)
    return out
