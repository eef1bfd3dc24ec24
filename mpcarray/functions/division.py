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
from ..array.primitives import concurrently, relabel, shared_constant, truncate, truncated_scaling
from ..array.promotion import public_array
from ..array.ranges import check_domain
from ..domains.fixed_point import TRUNCATION_BITS
from ..errors import EncodingError
from .mantissa import on_mantissa_scaled, spare_bits
from .normalisation import as_fixed, scaled_by_power, signed_normalise


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
    Cost: 17 rounds at ``f = 16`` (14 for at most 128 elements; 21 in Shamir sessions): signed
    normalisation (10, or 7: :func:`~.normalisation.normalise`), ``1/m`` and its product with the
    weight, in the opening of the polynomial's truncation (6: :func:`~.mantissa.on_mantissa_scaled`),
    the result's truncation (1).
    Outside the domain (``x = 0``): :class:`~mpcarray.errors.FunctionDomainError` in the
    simulated backend (range check on, the default); over sockets a meaningless finite
    value, since detecting it would reveal the input.
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
    return scaled_by_power(on_mantissa_scaled([("reciprocal", f)], m, [[weight]])[0][0], shift, f)


@implements_ufunc(np.true_divide)
@stamped(of_elementwise)
def divide(x, y) -> SharedArray:
    """``x / y`` with a shared divisor (``y != 0``); public divisors take the cheaper path.

    With ``|y| = m 2^-e`` (``m`` in ``[0.5, 1)``), ``x / y = x sign(y) 2^max(e, 0) / m / 2^max(-e, 0)``.
    ``x`` is scaled up exactly (an integer product), so the one rounding of ``x / m``
    is never scaled up: ``x / m`` keeps ``g`` guard bits and the division by
    ``2^max(-e, 0)`` is two truncations (:func:`_stages`); one Newton
    step on the exact residual ``x - q y`` follows (:class:`_NewtonStep`). Accuracy at
    ``f = 16`` (``docs/functions.md``, asserted by the tests over divisors
    ``2^-16 <= |y| < 2^30``): within 2 ulp of the correctly rounded quotient where it is at
    most 1, and also wherever the division is well conditioned,
    ``|y| >= 1`` and ``|x| <= y^2`` (a change of one ulp in ``x`` or ``y`` moves the quotient by
    at most one ulp; measured 1 ulp, against 2 x 10^4 without the step); relative error
    below ``1e-3`` where it is at least ``2^-6``; below ``2^(6 - f)`` at other ``f``
    (``1.6e-2`` at ``f = 12``, ``6.1e-5`` at ``f = 20``); at ``f = 20`` within 2 ulp where
    well conditioned too, not at ``f = 12`` (``1/m``'s 12 bits limit the step). Shamir
    sessions, where one truncation errs by up to 2 units at 3 parties and 6 at 5
    (``t = 2``): within 3 and 6 ulp (where at most 1, and where well conditioned), relative
    error below ``1e-3`` from ``2^-5`` and ``6 * 2^-6``. Range: quotients in the safe range,
    and below ``2^30`` at ``f < 16``; dividends below half the safe bound (``2^29`` at
    ``f = 16``: ``x / m`` must fit).

    Steps: signed normalisation of ``y`` (``m`` with 2 bits beyond ``f`` at ``f = 16``),
    looking up ``sign(y) 2^max(e, 0)``, the two scalings' weights and the Newton step's
    ``V = sign(y) 2^(a + t) / |Y|``; a polynomial for ``1/m``, in whose rounds
    ``x sign(y) 2^max(e, 0)`` is computed; its products with ``1/m`` and with ``V``'s weight;
    ``x / m`` to ``f + g`` bits; the two scalings (the last to ``f`` bits); the Newton step.
    Every truncation but the last is in the opening of the next product
    (:func:`~mpcarray.array.primitives.truncated_scaling`), which the values do not notice.
    Cost: 21 rounds at ``f = 16`` (18 for at most 128 elements; 25 in Shamir sessions): signed
    normalisation (10, or 7: :func:`~.normalisation.normalise`); ``1/m``, with the scaled ``x``
    made in its rounds and multiplied in its truncation's opening (6); ``x / m``'s truncation with
    the first scaling's product (1), the second scaling (1), the Newton step (3: ``q``'s truncation
    with ``q y``, that product's truncation with the product by ``V``, the correction's
    truncation); the same with a public ``x`` (its scaling is local).
    A public divisor: one multiplication by its reciprocal (1 round).
    Outside the domain (a shared divisor of 0): :class:`~mpcarray.errors.FunctionDomainError` in the
    simulated backend (range check on, the default); over sockets a meaningless finite
    value, since detecting it would reveal the input.
    Security: only masked openings; a public divisor of 0 raises before any communication.
    """
    check_domain("divide", y, lambda v: v != 0, "divisor != 0")
    return _divide(x, y, newton=True)


@stamped(of_elementwise)
def relative_divide(x, y) -> SharedArray:
    """``x / y`` as :func:`divide` without its Newton step: 2 rounds fewer (19 at ``f = 16``, 16 for
    at most 128 elements, 23 in Shamir sessions), for callers that reveal a ratio judged relatively
    or known to be at most 1 (``R^2``), where :func:`divide`'s last-ulp accuracy on large quotients
    buys nothing.

    Accuracy at ``f = 16``: within 2 ulp where the quotient is at most 1, relative error
    below ``1e-3`` where it is at least ``2^-6`` (``tests/test_elementary.py``).
    """
    check_domain("divide", y, lambda v: v != 0, "divisor != 0")
    return _divide(x, y, newton=False)


def _divide(x, y, newton: bool) -> SharedArray:
    """:func:`divide`, with or without its Newton step. Each truncation shares its opening with the
    next product (:func:`_truncated_times`): the values of truncating and then multiplying."""
    if not isinstance(y, SharedArray):
        return _divide_by_public(x, y)
    y = as_fixed(y)
    f = y.frac_bits
    guard, _, shift = _stages(f)
    shape = np.broadcast_shapes(np.shape(x), y.shape)
    ups = [max(f - p - 1, 0) for p in range(64)]  # max(e, 0) for the leading one p
    downs = [min(max(p + 1 - f, 0), 2 * shift) for p in range(64)]  # max(-e, 0), as far as the tables go
    first = [2 ** (shift - min(d, shift)) for d in downs]
    second = [2 ** (shift - d + min(d, shift)) for d in downs]
    extra = spare_bits("reciprocal", y)  # m's bits below 2^-f (more accurate 1/m at no rounds)
    step = _NewtonStep(f)
    m, (up, _, _, *inverse_weight), (_, w1, w2, *_) = signed_normalise(
        y, [2**u for u in ups], first, second, *([step.inverse_weights] if newton else []), extra=extra)
    up, w1, w2, *inverse_weight = (_broadcast(a, shape) for a in [up, w1, w2, *inverse_weight])
    residual_scale = 2 ** (f - step.residual_shift)
    if isinstance(x, SharedArray):  # x sign(y) 2^max(e, 0), exact, in the polynomial's rounds
        x = _broadcast(as_fixed(x), shape)
        (scaled,), *inverse_y = on_mantissa_scaled([("reciprocal", f)], m, [[None], *[[w] for w in inverse_weight]], f,
                                                   factors=[x, up], shape=shape)
        dividend = relabel(x, 0) * residual_scale
    else:  # x's ring integers, exactly
        integers = np.broadcast_to(np.rint(public_array(x) * 2.0**f).astype(np.int64), shape)
        (scaled,), *inverse_y = on_mantissa_scaled([("reciprocal", f)], m,
                                                   [[relabel(up * integers, f)], *[[w] for w in inverse_weight]], f,
                                                   shape=shape)
        dividend = shared_constant(up, integers * residual_scale)
    if newton:  # x / m to f + g bits times the first scaling's weight; V, times the scaled dividend
        half, (dividend_v, inverse) = concurrently(
            scaled, lambda: _truncated_times(w1, relabel(scaled, 2 * f), f + guard)[0],
            lambda: _truncated_times(dividend, relabel(inverse_y[0][0], step.inverse_shift), 0))
    else:
        half, _ = _truncated_times(w1, relabel(scaled, 2 * f), f + guard)
    scaled_q, _ = _truncated_times(w2, relabel(half, f + guard + shift), f + guard)
    if not newton:
        return truncate(relabel(scaled_q, f + shift + guard), shift + guard, f)
    q_y, q = _truncated_times(_broadcast(y, shape), relabel(scaled_q, f + shift + guard), f)
    q_y_v, _ = _truncated_times(inverse, relabel(q_y, step.residual_shift), 0)
    # (X 2^f - Q Y) V / 2^a, the exact residual's product with V, truncated by t
    correction = relabel(dividend_v - q_y_v, step.product_shift)
    return relabel(relabel(q, 0) + truncate(correction, step.product_shift, 0), f)


def _truncated_times(factor: SharedArray, value: SharedArray, frac: int) -> tuple[SharedArray, SharedArray]:
    """``(factor * T, T)`` for ``T``, ``value`` truncated to ``frac`` fractional bits, and a shared
    ``factor`` of its shape: the exact ring product, read as integers. One opening
    (:func:`~mpcarray.array.primitives.truncated_scaling`). Cost: 1 round."""
    product, truncated = truncated_scaling(relabel(factor, 0).reshape(1, -1), value.reshape(-1), frac)
    return relabel(product, 0).reshape(value.shape), truncated.reshape(value.shape)


class _NewtonStep:
    """Public constants of :func:`divide`'s Newton step at ``f`` fractional bits.

    With ``X``, ``Y``, ``Q`` the ring integers of ``x``, ``y`` and the quotient ``q``, the
    step adds ``(X 2^f - Q Y) / Y``: the residual, exact but for the truncation of
    ``Q Y`` by ``a = f - 2`` bits (below ``2^-2`` ulp once divided by ``|Y| >= 2^f``), times
    ``V = sign(y) 2^(a + t) / |Y|``, looked up and scaled like the quotient from ``1/m``,
    truncated by ``t = R + 2`` (``R`` the safe range's bits). Dividends below ``2^(R - 1)``
    leave the step below ``0.4 |X| / |Y|`` units, so ``V`` is at least 5 times the step
    (its rounding adds below ``2^-2`` ulp), and the step times ``2^t`` stays below
    ``2^(2R - 0.4 - k)`` for divisors ``|y| >= 2^k``: inside the truncation range from
    ``k = 0`` at ``f >= 16``, from ``k = 16`` at ``f = 12``. Smaller divisors get ``V = 0``
    (a division by them is not well conditioned, and their results up to 1 are within 2
    ulp already).
    """

    def __init__(self, f: int):
        safe = TRUNCATION_BITS - 2 * f
        self.residual_shift = f - 2
        self.product_shift = safe + 2
        smallest = max(0, int(np.ceil(2 * safe - 60.4)))  # k: the least exponent of a corrected divisor
        self.inverse_shift = 60 - safe + smallest  # 1/m (f + 1 bits) times the largest weight stays below 2^60
        scale = self.residual_shift + self.product_shift - 1 - f + self.inverse_shift
        self.inverse_weights = [2 ** (scale - p) if f + smallest <= p <= safe + f - 1 else 0 for p in range(64)]


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
