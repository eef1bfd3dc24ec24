"""Shamir multiplication without a dealer: local product, then degree reduction (with truncation).

Notation: ``n`` parties, threshold ``t`` with ``n >= 2t + 1``, ``[x]_d`` a Shamir
sharing of degree ``d``, ``N`` elements of ``w`` bytes (8 in GF(p), 16 in
GF(2^127 - 1)), ``C = C(n, t)`` PRSS keys, ``m`` a truncation shift. The local
product of two degree-``t`` sharings is a degree-``2t`` sharing of the
product; a double sharing ``([r]_t, [r]_2t)`` from pseudo-random secret
sharing brings it back to degree ``t`` in one round (Damgård and Nielsen,
CRYPTO 2007, with the double sharings of Cramer, Damgård and Ishai, TCC 2005).
A fixed-point product is truncated in the same round: the degree-``2t``
product is opened under a pseudo-random *integer* mask instead
(:func:`truncate_many`, after Catrina and Saxena, FC 2010).
"""

import numpy as np

from .opening import open_shares
from .public import add_public


def reduce_degree(rt, z: np.ndarray) -> np.ndarray:
    """``[z]_t`` from held rows ``(k, *shape)`` of ``[z]_2t``.

    Steps: (1) the provider supplies a double sharing ``([r]_t, [r]_2t)``
    (no communication); (2) the parties open ``d = z - r`` from all ``n``
    degree-``2t`` shares; (3) party ``i`` takes ``r_i + d``.

    Cost: 1 round; each party sends and receives ``w * N * (n - 1)`` bytes; no dealer.
    Security: ``d`` is uniform because ``r`` is, and the opened shares lie on a
    uniformly random degree-``2t`` polynomial through ``d`` (the zero-sharing
    part of ``[r]_2t``), so they reveal nothing beyond ``d``.
    """
    domain = rt.domain_of(z)
    size = int(np.prod(z.shape[1:], dtype=np.int64))
    low, high = rt.provider.double_sharings(size, domain)
    rows = np.ascontiguousarray(z).reshape(z.shape[0], size)
    (d,) = open_shares(rt, domain.sub(rows, high), degree=rt.scheme.product_degree)
    return add_public(rt, low, d).reshape(z.shape)


def truncate_many(rt, parts, degree: int) -> list[np.ndarray]:
    """``[floor(z / 2^m) + e]_t`` for each ``(z, m)`` in ``parts``, shares of degree ``degree``; one round.

    ``z`` is a fixed-point value with ``|z| < 2^K`` (``K`` =
    ``rt.fixed.truncation_bits``) in GF(2^127 - 1), read as a signed integer.

    Steps: (1) the provider supplies ``[R]_degree`` and ``[r'']_t`` with
    ``R = 2^m r'' + r'``, ``r' < C 2^m`` and ``r'' < C 2^(K + 1 + 40 - m)``
    (pseudo-random integer sharing); (2) the parties open
    ``c = z + 2^K + R``, which cannot wrap modulo p; (3) party ``i`` takes
    ``floor(c / 2^m) - 2^(K - m) - s - r''_i`` with ``s = (C - 1) // 2``.
    Since ``floor(c / 2^m) = r'' + floor((z + 2^K + r') / 2^m)``, the result is
    ``floor((z + r') / 2^m) - s``: the error ``e`` lies in ``(-1 - s, C - s]``
    units (within 1 unit for ``C = 1``, ``(-2, 2]`` at 3 parties), and is 0 on
    average up to half a unit. A part with ``m = 0`` (a local product) is
    brought to degree ``t`` exactly, as :func:`reduce_degree` does, in the same opening.

    Cost: 1 round; each party sends and receives ``w * N * (n - 1)`` bytes (as
    :func:`reduce_degree`, which it replaces for fixed-point products); no dealer.
    Security: statistical, ``2^-40``: the one key a coalition of ``t`` lacks
    draws ``R''_A`` uniform over a range ``2^40`` times wider than ``z + 2^K``,
    and for a degree-``2t`` input the zero-sharing part of ``[R]_2t`` makes
    the opened shares a random polynomial through ``c``.
    """
    prepared = mask_truncations(rt, parts, degree)
    opened = open_shares(rt, *(masked for *_, masked in prepared), degree=degree)
    results = []
    for (shape, shift, kept, _), c in zip(prepared, opened):
        if shift == 0:
            results.append(add_public(rt, kept, c).reshape(shape))
            continue
        results.append(add_public(rt, rt.number.neg(kept), public_part(rt, c, shift)).reshape(shape))
    return results


def mask_truncations(rt, parts, degree: int) -> list[tuple]:
    """Steps (1) and (2) of :func:`truncate_many` up to the opening: per part
    ``(shape, shift, kept, masked)``, ``kept`` the shares of ``r''`` (of the exact product's
    degree-``t`` part for ``m = 0``) and ``masked`` the rows of ``c`` to open."""
    domain, k = rt.number, len(rt.ranks)
    bound = rt.fixed.truncation_bits
    bias = domain.mul_pow2(domain.encode_int(np.ones(1, dtype=np.int64)), bound)
    least = 0 if degree == rt.scheme.product_degree else 1  # m = 0: only for local products
    prepared = []
    for z, shift in parts:
        if not least <= shift <= min(62, bound):
            raise ValueError(f"truncation shift must be in [{least}, {min(62, bound)}], got {shift}")
        rows = np.ascontiguousarray(z).reshape(k, -1)
        if shift == 0:
            low, high = rt.provider.double_sharings(rows.shape[1], domain)
            prepared.append((z.shape, 0, low, domain.sub(rows, high)))
            continue
        mask, high = rt.provider.truncation_masks(rows.shape[1], shift, bound + 1 + 40, degree, domain)
        prepared.append((z.shape, shift, high, add_public(rt, domain.add(rows, mask), bias)))
    return prepared


def public_part(rt, c: np.ndarray, shift: int) -> np.ndarray:
    """Step (3)'s public term ``floor(c / 2^m) - 2^(K - m) - s`` for the opened ``c``."""
    domain, bound = rt.number, rt.fixed.truncation_bits
    one = domain.encode_int(np.ones(1, dtype=np.int64))
    offset = domain.add(domain.mul_pow2(one, bound - shift), domain.encode_int(np.array([(rt.provider.keys - 1) // 2])))
    return domain.sub(domain.shift_right(c, shift), offset)


def mul_and_truncate(rt, products, truncations) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The ``(x, y, shift)`` :func:`mul` ``products`` and the ``(z, shift)`` ``truncations`` in one round.

    Steps: (1) each party multiplies the ``products``' shares locally; (2) one
    :func:`truncate_many` of degree ``2t`` (of degree ``t`` without products)
    opens them all: a degree-``t`` value under a degree-``2t`` mask is a
    degree-``2t`` sharing too.
    Cost: 1 round; each party sends and receives ``w * N * (n - 1)`` bytes for
    the ``N`` elements of all parts together; no dealer.
    Security: as :func:`truncate_many`.
    """
    domain = rt.number
    parts = [(domain.mul(x, y), shift) for x, y, shift in products] + list(truncations)
    degree = rt.scheme.product_degree if products else rt.scheme.threshold
    done = truncate_many(rt, parts, degree)
    return done[: len(products)], done[len(products) :]


def mul(rt, x: np.ndarray, y: np.ndarray, shift: int = 0) -> np.ndarray:
    """Elementwise ``[x]_t * [y]_t`` for shares of equal shape, truncated by ``shift`` bits if nonzero.

    Steps: (1) party ``i`` multiplies its shares, ``z_i = x_i * y_i`` (a
    degree-``2t`` sharing of ``xy``); (2) :func:`reduce_degree`, or for a
    fixed-point product :func:`truncate_many` of degree ``2t``.

    Cost: 1 round; each party sends and receives ``w * N * (n - 1)`` bytes
    (half of Beaver multiplication, and truncation included); no dealer.
    Security: as :func:`reduce_degree` and :func:`truncate_many`.
    """
    return _reduce(rt, rt.domain_of(x).mul(x, y), shift)


def matmul(rt, x: np.ndarray, y: np.ndarray, shift: int = 0) -> np.ndarray:
    """``[X]_t @ [Y]_t`` for shares ``(k, *batch, m, s)`` and ``(k, *batch, s, q)``, truncated by ``shift``.

    Steps: (1) party ``i`` multiplies its share matrices, ``Z_i = X_i @ Y_i``
    (a degree-``2t`` sharing of every entry of ``X @ Y``); (2) as :func:`mul`
    on the ``m * q`` entries of each product.

    Cost: 1 round; each party sends and receives ``w * m * q * (n - 1)`` bytes
    per batch entry: the size of the result, not of the operands; no dealer.
    Security: as :func:`mul`.
    """
    domain = rt.domain_of(x)
    k, batch = x.shape[0], x.shape[1:-2]
    z = np.empty((k,) + batch + (x.shape[-2], y.shape[-1]), dtype=domain.dtype)
    for index in np.ndindex(*batch):
        for row in range(k):
            at = (row,) + index
            z[at] = domain.matmul(x[at], y[at])
    return _reduce(rt, z, shift)


def _reduce(rt, z: np.ndarray, shift: int) -> np.ndarray:
    if shift:
        return truncate_many(rt, [(z, shift)], rt.scheme.product_degree)[0]
    return reduce_degree(rt, z)
