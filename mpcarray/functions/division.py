"""Reciprocal and division with a shared divisor.

Inputs outside the domain cannot be detected without revealing them:
``reciprocal(0)`` and a division by a shared zero return a meaningless finite
value over sockets (no error, no inf or NaN); the simulated backend (with its
range check on, the default) raises :class:`~mpcarray.errors.FunctionDomainError`.
"""

from typing import cast

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.lineage import of_elementwise, stamped
from ..array.primitives import fused_truncation, multiply_and_truncate, relabel, truncate
from ..array.promotion import public_array
from ..array.ranges import check_domain
from ..domains.fixed_point import TRUNCATION_BITS
from ..errors import EncodingError
from .mantissa import on_mantissa, on_mantissa_and_product, spare_bits
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

    With ``|y| = m 2^-e`` (``m`` in ``[0.5, 1)``), ``x / y = x sign(y) 2^max(e, 0) / m / 2^max(-e, 0)``.
    ``x`` is scaled up exactly (an integer product), so the one rounding of ``x / m``
    is never scaled up: ``x / m`` keeps ``g`` guard bits and the division by
    ``2^max(-e, 0)`` is two truncations (:func:`_stages`). Accuracy at ``f = 16``
    (``docs/functions.md``, asserted by the tests over divisors ``2^-16 <= |y| < 2^30``):
    within 2 ulp of the correctly rounded quotient where it is at most 1, relative error
    below ``1e-3`` where it is at least ``2^-6``; below ``2^(6 - f)`` at other ``f``
    (``1.6e-2`` at ``f = 12``, ``6.1e-5`` at ``f = 20``). Shamir sessions, where one
    truncation errs by up to 2 units at 3 parties and 6 at 5 (``t = 2``): within 3 and 6
    ulp, relative error below ``1e-3`` from ``2^-5`` and ``6 * 2^-6``. Range: quotients
    in the safe range, and below ``2^30`` at ``f < 16``; dividends below half the
    safe bound (``2^29`` at ``f = 16``: ``x / m`` must fit).

    Steps: signed normalisation of ``y`` (``m`` with 2 bits beyond ``f`` at ``f = 16``),
    looking up ``sign(y) 2^max(e, 0)`` and the two scalings' weights; a polynomial for
    ``1/m``, in whose rounds ``x sign(y) 2^max(e, 0)`` is computed; its product with
    ``1/m``, truncated to ``f + g`` bits; the two scalings (the last to ``f`` bits).
    Cost: 22 rounds at ``f = 16`` (25 in Shamir sessions): signed normalisation (10), ``1/m``
    with the scaled ``x`` (6; local for a public ``x``), ``x / m`` (2; 1 in Shamir sessions),
    the scalings (4).
    A public divisor: one multiplication by its reciprocal (1 round).
    Security: only masked openings; a public divisor of 0 raises before any communication.
    """
    if not isinstance(y, SharedArray):
        return _divide_by_public(x, y)
    check_domain("divide", y, lambda v: v != 0, "divisor != 0")
    y = as_fixed(y)
    f = y.frac_bits
    guard, _, shift = _stages(f)
    shape = np.broadcast_shapes(np.shape(x), y.shape)
    ups = [max(f - p - 1, 0) for p in range(64)]  # max(e, 0) for the leading one p
    downs = [min(max(p + 1 - f, 0), 2 * shift) for p in range(64)]  # max(-e, 0), as far as the tables go
    first = [2 ** (shift - min(d, shift)) for d in downs]
    second = [2 ** (shift - d + min(d, shift)) for d in downs]
    extra = spare_bits("reciprocal", y)  # m's bits below 2^-f (more accurate 1/m at no rounds)
    m, (up, _, _), (_, w1, w2) = signed_normalise(y, [2**u for u in ups], first, second, extra=extra)
    if isinstance(x, SharedArray):
        inverse, scaled = on_mantissa_and_product(
            "reciprocal", m, _broadcast(as_fixed(x), shape), _broadcast(up, shape), f, f)
    else:
        inverse, scaled = on_mantissa("reciprocal", m, f, f), up * public_array(x).astype(np.float64)
    if fused_truncation(y):
        (quotient,), _ = multiply_and_truncate([(scaled, _broadcast(inverse, shape), f - guard)], [])
    else:
        quotient = truncate(relabel(relabel(scaled, 0) * relabel(inverse, 0), 2 * f), f - guard, f + guard)
    return scale_by_power(scale_by_power(quotient, w1, shift), w2, shift, f)


def _stages(f: int) -> tuple[int, int, int]:
    """``(g, b, s)`` for :func:`divide` at ``f`` fractional bits: guard bits, quotient bits, shift.

    ``x / m`` keeps ``g`` bits below ``2^-f``; quotients stay below ``2^b``; each of
    the two scalings multiplies by ``2^(s - d_i)`` and truncates by ``s`` (the last
    by ``s + g``, to ``f`` bits), ``d_1 + d_2 = max(-e, 0)``. Why these: the scaled
    value has ``f + g`` bits and is at most ``2^(b + d_i)``, so its product stays below
    ``2^(b + f + g + s)``, which must not exceed the truncation bound ``2^K``; the
    shifts must cover every ``max(-e, 0)`` up to the safe range's bits ``R = K - 2f``.
    Both hold with ``s = K/2 - f`` and ``b + g = K/2``: ``b = min(R, K/2 - 1)``, so
    ``g >= 1`` (1 at ``f = 16``, 9 at ``f = 20``) and ``b = 30`` below ``f = 16``.
    """
    half = TRUNCATION_BITS // 2
    quotient_bits = min(TRUNCATION_BITS - 2 * f, half - 1)
    return half - quotient_bits, quotient_bits, half - f


def _broadcast(a: SharedArray, shape: tuple) -> SharedArray:
    """``a`` broadcast to ``shape`` (``np.broadcast_to`` dispatches to SharedArray). Local."""
    return cast(SharedArray, np.broadcast_to(a, shape))


def _divide_by_public(x, divisor) -> SharedArray:
    """``x / divisor`` for a public divisor: one multiplication by the public reciprocal."""
    divisor = public_array(divisor).astype(np.float64)
    if np.any(divisor == 0):
        raise EncodingError("division by zero: the public divisor contains 0")
    return x * (1.0 / divisor)
