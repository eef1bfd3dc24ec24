"""Reciprocal and division with a shared divisor.

Inputs outside the domain cannot be detected without revealing them:
``reciprocal(0)`` and a division by a shared zero return a meaningless finite
value over sockets (no error, no inf or NaN); the simulated backend (with its
range check on, the default) raises :class:`~mpcarray.errors.FunctionDomainError`.
"""

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.lineage import of_elementwise, stamped
from ..array.promotion import public_array
from ..array.ranges import check_domain
from ..errors import EncodingError
from .mantissa import on_mantissa, spare_bits
from .normalisation import as_fixed, scale_by_power, signed_normalise


@implements_ufunc(np.reciprocal)
@stamped(of_elementwise)
def reciprocal(x) -> SharedArray:
    """``1 / x`` elementwise (``x != 0``).

    Accuracy at ``f = 16`` (measured in ``docs/functions.md``, asserted by the tests):
    relative error below ``1e-3`` where ``|1/x| >= 2^-6``; within 2 ulp (``2^-f``) of
    the correctly rounded result where ``|1/x| <= 1``. Large results keep the
    relative error; small ones only the absolute error of a few ulp.

    Steps: signed normalisation ``|x| = m 2^(p + 1 - f)``, looking up the signed
    weight ``sign(x) 2^(shift + f - p - 1)``; a polynomial for ``1/m``; its product
    with the weight, truncated by ``shift``. ``m`` and ``1/m`` carry 2 bits beyond ``f``
    (at ``f = 16``) to that one rounding to ``f`` bits.
    Cost: 18 rounds at ``f = 16`` (22 in Shamir sessions): signed normalisation (10), ``1/m`` (6), scaling (2).
    Security: only masked openings (bit decomposition, products, truncations).
    """
    check_domain("reciprocal", x, lambda v: v != 0, "x != 0")
    x = as_fixed(x)
    f = x.frac_bits
    largest = min(f - 1, 61 - 2 * f)  # the largest exponent f - p - 1 of a result in the safe range
    shift = min(62 - 2 * f, 60 - f - largest)  # y W < 2^61 (y <= 2 has f + 1 bits); 2^(2f - 62) if it fits
    # m and 1/m carry extra bits to the one rounding to f bits, each taken from the shift (y W < 2^61)
    # while every result of at least 2^-(f + 1) keeps a nonzero weight (p <= 2f, or up to the top)
    extra = max(0, min(spare_bits("reciprocal", x), shift + f - 1 - min(2 * f, 61 - f)))
    shift -= extra
    weights = [2 ** (shift + f - p - 1) if shift + f - p - 1 >= 0 else 0 for p in range(64)]
    m, (weight,), _ = signed_normalise(x, weights, extra=extra)
    return scale_by_power(on_mantissa("reciprocal", m, f), weight, shift, f)


@implements_ufunc(np.true_divide)
@stamped(of_elementwise)
def divide(x, y) -> SharedArray:
    """``x / y`` with a shared divisor (``y != 0``); public divisors take the cheaper path.

    The quotient ``x * (1/m)`` is scaled by the secret ``sign(y) 2^(f - p - 1)`` in two
    truncation stages so no intermediate leaves the ring. Accuracy at ``f = 16``
    (``docs/functions.md``): relative error below ``1e-3`` for quotients of magnitude
    at least ``2^-6`` within the safe range; within 2 ulp of the correctly rounded
    quotient where it is at most 1 and ``|y| >= 1``. A divisor below 1 scales the
    rounding of ``x * (1/m)`` to ``f`` bits up by as much as ``1/|y|`` ulp (which a
    small ``|x|`` also makes a relative error).

    Steps: signed normalisation of ``y`` (``m`` with 2 bits beyond ``f`` at ``f = 16``),
    looking up both stages' weights (the first signed); a polynomial for ``1/m``;
    ``x * (1/m)``; the two scalings.
    Cost: 22 rounds at ``f = 16`` (25 in Shamir sessions): signed normalisation (10), ``1/m`` (6),
    ``x`` times it (2; for a public ``x`` 1, none if it is a whole number), the
    scalings (4). A public divisor: one multiplication by its reciprocal (1 round).
    Security: only masked openings; a public divisor of 0 raises before any communication.
    """
    if not isinstance(y, SharedArray):
        return _divide_by_public(x, y)
    check_domain("divide", y, lambda v: v != 0, "divisor != 0")
    y = as_fixed(y)
    f = y.frac_bits
    half = (62 - 2 * f + 1) // 2  # each stage shifts right by at most `half` bits
    exponents = [f - p - 1 for p in range(64)]
    first = [2 ** max(e, 0) * 2 ** (half - min(max(-e, 0), half)) for e in exponents]
    second = [2 ** (half - min(max(-e - half, 0), half)) for e in exponents]
    extra = spare_bits("reciprocal", y)  # m's bits below 2^-f (x * 1/m at f bits keeps x's range)
    m, (w1, _), (_, w2) = signed_normalise(y, first, second, extra=extra)
    quotient = x * on_mantissa("reciprocal", m, f, f)
    return scale_by_power(scale_by_power(quotient, w1, half), w2, half)


def _divide_by_public(x, divisor) -> SharedArray:
    """``x / divisor`` for a public divisor: one multiplication by the public reciprocal."""
    divisor = public_array(divisor).astype(np.float64)
    if np.any(divisor == 0):
        raise EncodingError("division by zero: the public divisor contains 0")
    return x * (1.0 / divisor)
