"""``exp`` and ``log`` of SharedArrays.

``exp`` saturates at the safe-range limit and flushes to zero below
``-(f - 1) ln 2``; ``log`` of non-positive values returns a meaningless finite
value over sockets (it cannot be detected without revealing the input); the
simulated backend (range check on, the default) raises
:class:`~mpcarray.errors.FunctionDomainError`.
"""

from typing import cast

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.lineage import of_elementwise, stamped
from ..array.primitives import (
    bit_tables,
    fused_truncation,
    multiply_and_truncate,
    relabel,
    truncate,
)
from ..array.ranges import check_domain
from .mantissa import quarter
from .normalisation import as_fixed, normalise
from .polynomial import (
    chebyshev_coefficients,
    evaluate_polynomial,
    polynomial_and_product,
    spare_bits,
)

_LN2 = float(np.log(2.0))


def _log_quarter(u):
    """``log(m)`` for ``u = 4m - 3`` in ``[-1, 1]``."""
    return np.log((u + 3.0) / 4.0)


@implements_ufunc(np.exp)
@stamped(of_elementwise)
def exp(x) -> SharedArray:
    """``e^x``: 0 below ``-(f-1) ln 2``, saturating at the safe-range limit.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``2e-4`` where
    ``e^x >= 0.1``; within 2 ulp (``2^-f``) of the correctly rounded result where
    ``e^x <= 1``. For ``x < -(f-1) ln 2`` (``-10.4`` at ``f = 16``, where
    ``e^x < 2^-(f-1)``) the result is 0 (at most 2 ulp within ``2^(2-f)`` of that
    end, where ``t`` below rounds); for ``x >= (62 - 2f) ln 2`` it is
    ``2^(62-2f) - 2^-f``, the largest value in the safe range. In Shamir sessions
    both are off by the truncation's error (up to 2 ulp at 3 parties).

    Steps: ``t = x log2(e) + (f - 1)`` (a public real product); one bit lookup of
    ``[t, t - T]`` (``T = 61 - f``) gives the fraction ``r`` of ``t``, the factors
    ``2^(2^j) - 1`` of its integer bits ``j``, and the signs ``[t < 0]`` and
    ``[t < T]`` (bit ``63 - f``, the lowest one that equals the sign bit for inputs
    in the safe range), whose difference ``g`` is 1 exactly in range; the exact
    product tree of ``g`` and the factors ``+ 1`` (3 levels) runs in the rounds of
    the polynomial for ``2^r``; their product, truncated by ``f - 1``, plus the
    saturation value where ``t >= T``. ``2^r`` keeps one bit beyond ``f`` to that
    truncation, the one rounding to ``f`` bits.
    Cost: 13 rounds at ``f = 16`` in additive sessions: ``t`` (1), bit lookup (5),
    polynomial of degree 5 with the product tree (5), product (1), truncation (1);
    14 in Shamir sessions (lookup 8, polynomial 4, truncated product 1).
    Security: only masked openings.
    """
    x = as_fixed(x)
    f = x.frac_bits
    offset, top = f - 1, 61 - f
    t = x * (1 / _LN2) + offset
    sign = 63 - f  # |t| < 2^(63 - 2f) in the safe range: bits 63 - f .. 63 all equal the sign
    tables = [[2**b if b < f else 0 for b in range(64)], [int(b == sign) for b in range(64)]]
    tables += [[2 ** (2**j) - 1 if b == f + j else 0 for b in range(64)] for j in range(6)]
    stacked = cast(SharedArray, np.stack([t, t - top]))  # np.stack dispatches to SharedArray
    fraction, negative, *powers = bit_tables(stacked, tables)
    in_range = negative[1] - negative[0]
    # 2^r keeps one bit below 2^-f to the one rounding of the product (2^(r + f + 1) 2^(T - 1) < 2^62)
    exp2_fraction, power = polynomial_and_product(
        relabel(fraction[0], f), chebyshev_coefficients(np.exp2, (0.0, 1.0), f),
        [in_range] + [p[0] + 1 for p in powers], frac=f + 1)
    if fused_truncation(x):
        (product,), _ = multiply_and_truncate([(exp2_fraction, power, offset + 1)], [])
    else:
        product = truncate(relabel(relabel(exp2_fraction, 0) * power, f + offset + 1), offset + 1, f)
    return relabel(product, f) + relabel((1 - negative[1]) * (2 ** (62 - f) - 1), f)


@implements_ufunc(np.log)
@stamped(of_elementwise)
def log(x) -> SharedArray:
    """Natural logarithm for ``x > 0``.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``1e-3`` where
    ``|log x| >= 0.05``; within 2 ulp (``2^-f``) of the correctly rounded result where
    ``|log x| <= 1``.

    Steps: normalise ``x = m 2^(p + 1 - f)`` (``m`` with 2 bits beyond ``f`` at
    ``f = 16``), looking up ``(p + 1 - f) ln 2``; ``log(m)`` by a polynomial in
    ``u = 4m - 3``, rounded once to ``f`` bits; the sum.
    Cost: 15 rounds at ``f = 16`` in additive sessions, 12 for at most 256 elements:
    normalisation (10, or 7: :func:`~.normalisation.normalise`), polynomial of degree 6 (5).
    Outside the domain (``x <= 0``): :class:`~mpcarray.errors.FunctionDomainError` in the
    simulated backend (range check on, the default); over sockets a meaningless finite
    value, since detecting it would reveal the input.
    Security: only masked openings.
    """
    check_domain("log", x, lambda v: v > 0, "x > 0")
    x = as_fixed(x)
    f = x.frac_bits
    exponent = [round((p + 1 - f) * _LN2 * 2**f) for p in range(64)]
    coefficients = chebyshev_coefficients(_log_quarter, (-1.0, 1.0), f)
    extra = spare_bits(coefficients, f, fused_truncation(x))  # m's bits below 2^-f, at no extra rounds
    m, (power_part,) = normalise(x, exponent, extra=extra)
    return evaluate_polynomial(quarter(m), coefficients, f) + relabel(power_part, f)
