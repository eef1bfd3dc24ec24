"""Operations between shares and public values; all local except real scaling.

How a public value enters the shares is the scheme's rule
(:meth:`~mpcarray.schemes.Additive.constant_rows`): additively, party 0 alone
adds it, so the sum of the shares changes by exactly that value; with Shamir
every party adds it (the constant polynomial). Public multiples are local in
both schemes and computed in the session's domain.
"""

import numpy as np

from ..errors import EncodingError
from .truncation import truncate_many


def public_shares(rt, ring_values: np.ndarray) -> np.ndarray:
    """A trivial sharing of a public array of domain elements (additive: party 0 holds it, the others 0)."""
    ring_values = np.asarray(ring_values)
    rows = np.zeros((len(rt.ranks),) + ring_values.shape, dtype=ring_values.dtype)
    rows[rt.scheme.constant_rows(rt.ranks)] = ring_values
    return rows


def add_public(rt, x: np.ndarray, ring_values: np.ndarray) -> np.ndarray:
    """``[x] + c`` for a public array ``c`` of domain elements broadcastable with ``x``'s element shape. Local."""
    domain = rt.domain_of(x)
    ring_values = np.asarray(ring_values, dtype=domain.dtype)
    shape = np.broadcast_shapes(x.shape[1:], ring_values.shape)
    x = x.reshape(x.shape[:1] + (1,) * (len(shape) - x.ndim + 1) + x.shape[1:])
    rows = rt.scheme.constant_rows(rt.ranks)
    if len(rows) == x.shape[0]:  # every row adds it (Shamir): one pass
        return domain.add(x, ring_values)
    out = np.array(np.broadcast_to(x, x.shape[:1] + shape))
    for row in rows:
        out[row] = domain.add(out[row], ring_values)
    return out


def mul_public_int(rt, x: np.ndarray, ring_values: np.ndarray) -> np.ndarray:
    """``[x] * c`` for a public array ``c`` of domain elements (integers): exact and local."""
    return rt.domain_of(x).mul(x, ring_values)


def mul_public_real(rt, x: np.ndarray, x_frac: int, c, out_frac: int, product=None) -> np.ndarray:
    """``[x] * c`` for public reals ``c``, from ``x_frac`` to ``out_frac`` fractional bits.

    ``product(shares, constant)`` applies a public constant (domain elements)
    to the shares: elementwise by default, or a local matrix product for ``x @ C``.

    Integer-valued ``c`` is applied exactly with no communication. Otherwise
    ``c = (M_hi * 2^g + M_lo) * 2^(k - 2g)`` with integers ``|M_hi| <= 2^g``,
    ``0 <= M_lo < 2^g`` (``g`` = the session's fractional bits, ``2^k`` just above
    ``max|c|``): the constant keeps ``2g`` significant bits however small it is
    (``x / 1e6``, means over millions of rows). ``[x] * M_hi`` and ``[x] * M_lo``
    are truncated together in one round, each with error below one unit (in
    Shamir sessions, the bound of :func:`~.degree_reduction.truncate_many`), so the
    result is within 2 such errors (plus ``|x * c| * 2^-2g``) of ``x * c``.

    A single positive power of two ``2^e`` is a shift: exact for ``e >= 0``, one
    truncation otherwise, with no range requirement beyond the result's.

    Cost: 0 rounds for integer-valued ``c``; else 1 round truncating ``2N``
    elements (``N`` when ``M_lo`` is zero or ``c`` is a power of two).
    Requires ``|x * 2^x_frac| * 2^g < 2^62``: the fixed-point safe range for
    fixed-point ``x``, ``|x| < 2^(62 - g)`` for integers.
    """
    exact, to_truncate = public_real_terms(rt, x, x_frac, c, out_frac, product)
    terms = exact + (truncate_many(rt, to_truncate) if to_truncate else [])
    return terms[0] if len(terms) == 1 else rt.domain_of(x).add(terms[0], terms[1])


def public_real_terms(rt, x: np.ndarray, x_frac: int, c, out_frac: int, product=None) -> tuple[list, list]:
    """The terms of :func:`mul_public_real` before its round: ``(exact, to_truncate)``, shares
    already at ``out_frac`` fractional bits and ``(shares, shift)`` pairs a truncation brings
    there; their sum is ``[x] * c``. A caller that reveals the result opens the truncations
    as the reveal (:func:`~.truncation.open_truncated`). Local.
    """
    domain = rt.domain_of(x)
    elementwise = product is None
    if elementwise:
        product = domain.mul
    c = np.asarray(c, dtype=np.float64)
    if not np.all(np.isfinite(c)):
        raise EncodingError("public operand contains NaN or an infinite value")
    lift = out_frac - x_frac
    peak = float(np.max(np.abs(c))) if c.size else 0.0
    if peak == 0.0 or (lift >= 0 and np.all(c == np.rint(c)) and peak < 2.0 ** (62 - lift)):
        return [product(x, domain.mul_pow2(domain.encode_int(c.astype(np.int64)), max(lift, 0)))], []
    mantissa, exponent = np.frexp(peak)
    shift = x_frac - out_frac - (int(exponent) - 1)
    if elementwise and mantissa == 0.5 and np.all(c == peak) and -62 <= shift <= 62:
        # one power of two 2^e, elementwise: a shift, without a product (broadcast like one)
        x = np.broadcast_to(x, np.broadcast_shapes(x.shape, c.shape))
        return ([domain.mul_pow2(x, -shift)], []) if shift <= 0 else ([], [(x, shift)])
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
        z = product(x, domain.encode_int(part))
        if part_shift <= 0:
            exact.append(domain.mul_pow2(z, -part_shift))
        else:
            to_truncate.append((z, part_shift))
    if not exact and not to_truncate:  # |x * c| is below one unit of the result
        exact.append(product(x, domain.encode_int(np.zeros(c.shape, dtype=np.int64))))
    return exact, to_truncate


def matmul_public(rt, x: np.ndarray, c: np.ndarray, public_left: bool = False) -> np.ndarray:
    """Shares ``(k, *batch, m, t)`` times a public matrix of domain elements (``c @ x`` if ``public_left``).

    Local: each party multiplies its own share by the public matrix.
    """
    k, batch = x.shape[0], x.shape[1:-2]
    c = np.broadcast_to(np.asarray(c), batch + np.shape(c)[-2:])
    rows = c.shape[-2] if public_left else x.shape[-2]
    cols = x.shape[-1] if public_left else c.shape[-1]
    domain = rt.domain_of(x)
    out = np.empty((k,) + batch + (rows, cols), dtype=domain.dtype)
    for row in range(k):
        for index in np.ndindex(*batch):
            shares, public = x[(row,) + index], c[index]
            pair = (public, shares) if public_left else (shares, public)
            out[(row,) + index] = domain.matmul(*pair)
    return out
