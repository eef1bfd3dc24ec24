"""Reciprocal and division with a shared divisor.

Inputs outside the domain cannot be detected without revealing them:
``reciprocal(0)`` and a division by a shared zero return a meaningless finite
value over sockets (no error, no inf or NaN); the simulated backend (with its
range check on, the default) raises :class:`~mpcarray.errors.FunctionDomainError`.
"""

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.promotion import public_array
from ..array.ranges import check_domain
from ..errors import EncodingError
from .normalisation import as_fixed, scale_by_power
from .powers import mantissa_power, real_power


@implements_ufunc(np.reciprocal)
def reciprocal(x) -> SharedArray:
    """``1 / x`` elementwise (``x != 0``).

    Accuracy at ``f = 16`` (measured in ``docs/functions.md``, asserted by the tests):
    relative error below ``1e-3`` where ``|1/x| >= 2^-6``; within 2 ulp (``2^-f``) of
    the correctly rounded result where ``|1/x| <= 1``. Large results keep the
    relative error; small ones only the absolute error of a few ulp.

    Steps: :func:`~mpcarray.functions.powers.real_power` with ``p = -1``: the signed
    octave of ``x`` by one batched comparison, a polynomial in ``w = x/c - 1``, the power of two.
    Cost: 18 rounds at ``f = 16``: normalisation (10), polynomial (6), power of two (2).
    Security: only masked openings (comparisons, products, truncations).
    """
    check_domain("reciprocal", x, lambda v: v != 0, "x != 0")
    return real_power(as_fixed(x), -1.0, signed=True)


@implements_ufunc(np.true_divide)
def divide(x, y) -> SharedArray:
    """``x / y`` with a shared divisor (``y != 0``); public divisors take the cheaper path.

    The quotient ``x * P`` is scaled by the secret ``2^E`` in two
    truncation stages so no intermediate leaves the ring. Accuracy at ``f = 16``
    (``docs/functions.md``): relative error below ``1e-3`` for quotients of magnitude
    at least ``2^-6`` within the safe range; within 3 ulp of the correctly rounded
    quotient where it is at most 1.

    Steps: the signed octave of ``y`` and ``P = mu (1 + w)^-1`` with ``1/y = P 2^E``
    (:func:`~mpcarray.functions.powers.mantissa_power`); ``x * P``; the two scalings
    by the looked-up weights.
    Cost: 22 rounds at ``f = 16``: normalisation (10), polynomial (6), ``x * P`` (2,
    1 for a public ``x``), the scalings (4). A public divisor: one multiplication by its reciprocal (1 round).
    Security: only masked openings; a public divisor of 0 raises before any communication.
    """
    if not isinstance(y, SharedArray):
        return _divide_by_public(x, y)
    check_domain("divide", y, lambda v: v != 0, "divisor != 0")
    y = as_fixed(y)
    f = y.frac_bits
    p, exponents, norm = mantissa_power(y, -1.0, True, f)
    half = (62 - 2 * f + 1) // 2  # each stage shifts right by at most `half` bits
    first = [2 ** max(e, 0) * 2 ** (half - min(max(-e, 0), half)) for e in exponents.tolist()]
    second = [2 ** (half - min(max(-e - half, 0), half)) for e in exponents.tolist()]
    quotient = as_fixed(x * p) if isinstance(x, SharedArray) else x * p
    return scale_by_power(scale_by_power(quotient, norm.lookup(first), half), norm.lookup(second), half)


def _divide_by_public(x, divisor) -> SharedArray:
    """``x / divisor`` for a public divisor: one multiplication by the public reciprocal."""
    divisor = public_array(divisor).astype(np.float64)
    if np.any(divisor == 0):
        raise EncodingError("division by zero: the public divisor contains 0")
    return x * (1.0 / divisor)
