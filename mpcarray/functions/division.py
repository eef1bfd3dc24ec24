"""Reciprocal and division with a shared divisor.

Inputs outside the domain cannot be detected without revealing them:
``reciprocal(0)`` and a division by a shared zero return a meaningless finite
value over sockets (no error, no inf or NaN); the simulated backend (with its
range check on, the default) raises :class:`~mpcarray.errors.FunctionDomainError`.
"""

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.primitives import sign_bits
from ..array.promotion import public_array
from ..array.ranges import check_domain
from ..errors import EncodingError
from .newton import newton
from .normalisation import as_fixed, normalise, scale_by_power


def positive_reciprocal(a: SharedArray) -> SharedArray:
    """``1 / a`` for positive fixed-point ``a``.

    Steps: normalise ``a = m 2^(p + 1 - f)``; Newton for ``1/m``; multiply by
    the looked-up weight ``2^(shift + f - p - 1)`` and truncate by ``shift``.
    Cost: 24 rounds at ``f = 16``: normalisation (10), Newton (12), scaling (2).
    """
    f = a.frac_bits
    shift = 61 - 2 * f  # y <= 2 has f + 1 bits; the weight at most 2^(shift + f - 1)
    weights = [2 ** (shift + f - p - 1) if shift + f - p - 1 >= 0 else 0 for p in range(64)]
    m, (weight,) = normalise(a, weights)
    return scale_by_power(newton("reciprocal", m), weight, shift)


@implements_ufunc(np.reciprocal)
def reciprocal(x) -> SharedArray:
    """``1 / x`` elementwise (``x != 0``).

    Accuracy at ``f = 16`` (measured in ``docs/functions.md``, asserted by the tests):
    relative error below ``1e-3`` where ``|1/x| >= 2^-6``; within 2 ulp (``2^-f``) of
    the correctly rounded result where ``|1/x| <= 1``. Large results keep the
    relative error; small ones only the absolute error of a few ulp.

    Steps: sign and magnitude; :func:`positive_reciprocal` of the magnitude;
    the sign put back with one product.
    Cost: 31 rounds at ``f = 16``: sign and magnitude (6), positive reciprocal (24), sign (1).
    Security: only masked openings (sign test, bit decomposition, products, truncations).
    """
    check_domain("reciprocal", x, lambda v: v != 0, "x != 0")
    sign, magnitude = _sign_and_magnitude(as_fixed(x))
    return sign * positive_reciprocal(magnitude)


@implements_ufunc(np.true_divide)
def divide(x, y) -> SharedArray:
    """``x / y`` with a shared divisor (``y != 0``); public divisors take the cheaper path.

    The quotient ``x * (1/m)`` is scaled by the secret ``2^(f - p - 1)`` in two
    truncation stages so no intermediate leaves the ring. Accuracy at ``f = 16``
    (``docs/functions.md``): relative error below ``1e-3`` for quotients of magnitude
    at least ``2^-6`` within the safe range; within 3 ulp of the correctly rounded
    quotient where it is at most 1.

    Steps: sign and magnitude of ``y``; normalise the magnitude, looking up both
    stages' weights; Newton for ``1/m``; ``x * sign * (1/m)``; the two scalings.
    Cost: 35 rounds at ``f = 16``: sign and magnitude (6), normalisation (10),
    Newton (12), ``x * sign`` (1, none for a public ``x``) times ``1/m`` (2), the
    scalings (4). A public divisor: one multiplication by its reciprocal (1 round).
    Security: only masked openings; a public divisor of 0 raises before any communication.
    """
    if not isinstance(y, SharedArray):
        return _divide_by_public(x, y)
    check_domain("divide", y, lambda v: v != 0, "divisor != 0")
    y = as_fixed(y)
    f = y.frac_bits
    sign, magnitude = _sign_and_magnitude(y)
    half = (62 - 2 * f + 1) // 2  # each stage shifts right by at most `half` bits
    exponents = [f - p - 1 for p in range(64)]
    first = [2 ** max(e, 0) * 2 ** (half - min(max(-e, 0), half)) for e in exponents]
    second = [2 ** (half - min(max(-e - half, 0), half)) for e in exponents]
    m, (w1, w2) = normalise(magnitude, first, second)
    quotient = as_fixed(x * sign) * newton("reciprocal", m)
    return scale_by_power(scale_by_power(quotient, w1, half), w2, half)


def _sign_and_magnitude(x: SharedArray) -> tuple[SharedArray, SharedArray]:
    """``sign(x)`` as a shared ``±1`` integer (``+1`` at zero) and ``|x|``.

    Cost: 6 rounds: sign test (5), product (1).
    """
    (negative,) = sign_bits(x)
    sign = 1 - 2 * negative
    return sign, sign * x


def _divide_by_public(x, divisor) -> SharedArray:
    """``x / divisor`` for a public divisor: one multiplication by the public reciprocal."""
    divisor = public_array(divisor).astype(np.float64)
    if np.any(divisor == 0):
        raise EncodingError("division by zero: the public divisor contains 0")
    return x * (1.0 / divisor)
