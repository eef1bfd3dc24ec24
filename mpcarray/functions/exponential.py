"""``exp`` and ``log`` of SharedArrays.

``exp`` saturates at the safe-range limit and flushes to (almost) zero below
``-(f - 1) ln 2``; ``log`` of non-positive values returns a meaningless finite
value over sockets (it cannot be detected without revealing the input); the
simulated backend (range check on, the default) raises
:class:`~mpcarray.errors.FunctionDomainError`.
"""

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.primitives import bit_tables, relabel, truncate
from ..array.ranges import check_domain
from .normalisation import as_fixed, normalise
from .polynomial import chebyshev_coefficients, evaluate_polynomial
from .selection import clip

_LN2 = float(np.log(2.0))


def _log_quarter(u):
    """``log(m)`` for ``u = 4m - 3`` in ``[-1, 1]``."""
    return np.log((u + 3.0) / 4.0)


@implements_ufunc(np.exp)
def exp(x) -> SharedArray:
    """``e^x``: exact below-one-unit results under ``-(f-1) ln 2``, saturating at the safe-range limit.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``2e-4`` where
    ``e^x >= 0.1``; within 3 ulp (``2^-f``) of the correctly rounded result where
    ``e^x <= 1``; below ``x = -10.4`` the result is under ``3.1e-5`` (2 ulp).

    Steps: clip ``x`` to ``[-(f-1) ln 2, (62 - 2f) ln 2]``; then :func:`exp_in_range`.
    Cost: 24 rounds at ``f = 16``: clip (6), exp in range (18).
    Security: only masked openings.
    """
    x = as_fixed(x)
    f = x.frac_bits
    low, high = -(f - 1) * _LN2 + 2.0 ** (2 - f), (62 - 2 * f) * _LN2 - 2.0 ** (2 - f)
    return exp_in_range(clip(x, low, high), offset=f - 1)


def exp_in_range(x: SharedArray, offset: int) -> SharedArray:
    """``e^x`` for fixed-point ``x`` with ``t = x log2(e) + offset`` in ``[0, 64)``.

    Steps: ``t`` (a public real product); from the bits of ``t``, in one
    lookup, its fraction ``r`` and the factors ``2^(2^j) - 1`` of its integer
    bits ``j``; the exact product tree of the factors ``+ 1`` (3 levels); ``2^r``
    by a polynomial; the product, truncated by ``offset``.
    Cost: 18 rounds at ``f = 16``: ``t`` (1), bit lookup (5), product tree (3),
    polynomial of degree 5 (7), product (1), truncation (1).
    """
    f = x.frac_bits
    t = x * (1 / _LN2) + offset
    tables = [[2**b if b < f else 0 for b in range(64)]]
    tables += [[2 ** (2**j) - 1 if b == f + j else 0 for b in range(64)] for j in range(6)]
    fraction, *powers = bit_tables(t, tables)
    factors = [power + 1 for power in powers]
    while len(factors) > 1:  # product tree of exact integers: 3 batched rounds
        pairs = len(factors) // 2
        products = np.stack(factors[:pairs]) * np.stack(factors[pairs : 2 * pairs])
        factors = [products[i] for i in range(pairs)] + factors[2 * pairs :]
    exp2_fraction = evaluate_polynomial(relabel(fraction, f), chebyshev_coefficients(np.exp2, (0.0, 1.0), f))
    return truncate(exp2_fraction * factors[0], offset, f)


@implements_ufunc(np.log)
def log(x) -> SharedArray:
    """Natural logarithm for ``x > 0``.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``1e-3`` where
    ``|log x| >= 0.05``; within 3 ulp (``2^-f``) of the correctly rounded result where
    ``|log x| <= 1``.

    Steps: normalise ``x = m 2^(p + 1 - f)``, looking up ``(p + 1 - f) ln 2``;
    ``log(m)`` by a polynomial in ``u = 4m - 3``; the sum.
    Cost: 17 rounds at ``f = 16``: normalisation (10), polynomial of degree 6 (7).
    Security: only masked openings.
    """
    check_domain("log", x, lambda v: v > 0, "x > 0")
    x = as_fixed(x)
    f = x.frac_bits
    exponent = [round((p + 1 - f) * _LN2 * 2**f) for p in range(64)]
    m, (power_part,) = normalise(x, exponent)
    u = 4 * m - 3
    log_m = evaluate_polynomial(u, chebyshev_coefficients(_log_quarter, (-1.0, 1.0), f))
    return log_m + relabel(power_part, f)
