"""Square root and reciprocal square root of positive SharedArrays.

``rsqrt(0)`` and ``sqrt`` of negative values return meaningless finite values
over sockets (they cannot be detected without revealing the input); the
simulated backend (range check on, the default) raises
:class:`~mpcarray.errors.FunctionDomainError`. ``sqrt(0) = 0``.
"""

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.lineage import of_elementwise, stamped
from ..array.primitives import (
    concurrently,
    multiply_and_truncate,
    relabel,
    truncate,
    truncated_pairs,
    truncated_products,
    truncated_scaling,
    truncated_square_applies,
)
from ..array.ranges import check_domain
from ..domains.fixed_point import TRUNCATION_BITS
from .mantissa import on_mantissa_scaled, spare_bits
from .normalisation import as_fixed, normalise, scaled_by_power


def _root_weights(f: int, power: float, headroom: int) -> tuple[list[int], int]:
    """Weights ``round(2^(power * (p + 1 - f)) * 2^shift)`` and the shift, for ``m``-side values <= 2^headroom."""
    exponents = [power * (p + 1 - f) for p in range(62 - f)]
    shift = 61 - f - headroom - int(np.ceil(max(exponents)))
    weights = [round(2.0 ** (e + shift)) for e in exponents] + [0] * (2 + f)
    return weights, shift


@stamped(of_elementwise)
def rsqrt(x, *, bits: int | None = None, rounded: bool = True) -> SharedArray:
    """``1 / sqrt(x)`` for ``x > 0``.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``1e-3`` where
    the result is at least ``2^-6``; within 2 ulp (``2^-f``) of the correctly rounded
    result where it is at most 1.

    ``bits``: a coarser result, to a relative error of about ``2^-bits`` (plus the
    final rounding to ``2^-f``), for a positive scale that only has to be used
    consistently (a standardisation, a Jacobi scaling): its polynomial is of lower
    degree. ``bits=7``: 13 rounds at ``f = 16`` (10 for at most 256 elements; the polynomial 2 instead of 6),
    relative error below ``2^-7`` where the result is at least ``2^-6``, below that
    ``2^-7`` of the result plus 2 ulp (``tests/test_function_rounds.py``,
    ``tests/test_elementary.py``).

    Steps: normalise ``x = m 2^(p + 1 - f)``; a polynomial for ``1/sqrt(m)``;
    multiply by the looked-up ``2^(-(p + 1 - f) / 2)`` (scaled) and truncate.
    ``m`` and ``1/sqrt(m)`` carry 2 bits beyond ``f`` (at ``f = 16``) to that one
    rounding to ``f`` bits.
    Cost: 17 rounds at ``f = 16`` (14 for at most 256 elements; 21 in Shamir sessions):
    normalisation (10, or 7: :func:`~.normalisation.normalise`), ``1/sqrt(m)`` and its product with
    the weight, in the opening of the polynomial's truncation (6: :func:`~.mantissa.on_mantissa_scaled`),
    the result's truncation (1).
    Outside the domain (``x <= 0``): :class:`~mpcarray.errors.FunctionDomainError` in the
    simulated backend (range check on, the default); over sockets a meaningless finite
    value, since detecting it would reveal the input.
    ``rounded=False``: the result before its last truncation, an exact product with more
    fractional bits than ``f`` (1 round fewer), for a caller that truncates it in the opening
    of its next product (:func:`~mpcarray.array.primitives.truncated_scaling`). ``x`` itself may
    carry up to ``2f`` fractional bits, an exact product not yet truncated (1 round fewer;
    :func:`~.normalisation.normalise`).
    Security: only masked openings.
    """
    check_domain("rsqrt", x, lambda v: v > 0, "x > 0")
    x = as_fixed(x)
    if bits is None:
        return _root(x, "rsqrt", -0.5, 1, rounded)
    f = x.fixed_point.frac_bits
    if not 1 <= bits <= f:
        raise ValueError(f"bits must be between 1 and the format's {f} fractional bits, got {bits}")
    weights, shift = _root_weights(f, -0.5, 1)
    m, (weight,) = normalise(x, weights)
    return scaled_by_power(on_mantissa_scaled([("rsqrt", bits - 3)], m, [[weight]])[0][0], shift, f, rounded)


@implements_ufunc(np.sqrt)
@stamped(of_elementwise)
def sqrt(x) -> SharedArray:
    """``sqrt(x)`` for ``x >= 0`` (``sqrt(0) = 0``).

    Accuracy at ``f = 16`` (``docs/functions.md``): within 2 ulp (``2^-f``) of the
    correctly rounded result over the whole range (sqrt is well conditioned:
    a change of one ulp in ``x >= 1/4`` moves the result by at most one ulp), so
    relative error below ``1e-3`` where the result is at least ``2^-6``.

    Steps: as :func:`rsqrt` with a polynomial for ``sqrt(m)`` and the weight
    ``2^((p + 1 - f) / 2)``, which gives ``y`` within about ``2^-(f + 1)`` relative;
    one Newton step on the exact residual then brings results of at least ``1/2``
    to the last ulp (:func:`_newton_step`; two below ``f = 15``, where the start is
    coarser). ``x = 0`` gives the weight 0.
    Cost: 18 rounds at ``f = 16`` (15 for at most 256 elements; 23 in Shamir sessions): normalisation
    (10, or 7); ``sqrt(m)`` and ``1/sqrt(m)`` from the same powers, times their weights in the
    opening of their truncation (5); the Newton step (3: ``y``'s truncation with its square, the
    square's truncation with its product by ``Q``, the correction's truncation; in Shamir sessions
    ``y``'s truncation and a 2-round step); at ``f = 12`` a second step (3), 21 rounds.
    Outside the domain (``x < 0``): :class:`~mpcarray.errors.FunctionDomainError` in the
    simulated backend (range check on, the default); over sockets a meaningless finite
    value, since detecting it would reveal the input.
    Security: only masked openings.
    """
    check_domain("sqrt", x, lambda v: v >= 0, "x >= 0")
    x = as_fixed(x)
    f = x.frac_bits
    extra = _extra_bits(x, "sqrt", 0.5, 0)
    weights, shift = _root_weights(f, 0.5, extra)
    step = _NewtonStep(f, f + extra)
    m, (weight, inverse_weight) = normalise(x, weights, step.inverse_weights, extra=extra)
    # sqrt(m) and 1/sqrt(m) truncated in the opening of their products with the weights
    ((root, inverse),) = on_mantissa_scaled([("sqrt", f), ("rsqrt", step.inverse_precision)], m,
                                            [[weight, inverse_weight]])
    y, inverse = relabel(root, f + shift + extra), relabel(inverse, step.inverse_shift)  # before their truncations
    if not truncated_square_applies(x, shift + extra):
        _, (y, inverse) = multiply_and_truncate([], [(y, shift + extra), (inverse, step.inverse_shift)])
        for _ in range(step.count):
            y = relabel(relabel(y, 0) + _newton_step(x, y, inverse, step), f)
        return y
    for count in range(step.count):  # y's truncation in the opening of its square (Q's beside, the first time)
        if count:  # y read with f + 1 bits: its truncation by 1 bit is exact (the last bit is 0)
            y = relabel(relabel(y, 0) * 2, f + 1)
        y, inverse = _fused_newton_step(x, y, inverse, step)
    return y


@stamped(of_elementwise)
def relative_sqrt(x) -> SharedArray:
    """``sqrt(x)`` for ``x >= 0`` to a relative error of about ``2^-(f + 1)``, in 5 rounds fewer
    than :func:`sqrt`: for callers that reveal a relative quantity (standard errors), where
    :func:`sqrt`'s last-ulp accuracy on large results buys nothing.

    Accuracy at ``f = 16``: as :func:`sqrt` on results up to 1; above, relative error
    below ``2e-5`` (measured ``1.0e-5`` just above 1, where one ulp is that much of the
    result, and ``6e-6`` at the top of the range).
    Cost: 16 rounds at ``f = 16`` (13 for at most 256 elements; 21 in Shamir sessions): :func:`sqrt`
    without its Newton step, and the polynomial's last truncation in the opening of its product with the
    power of two (:func:`~.mantissa.on_mantissa_scaled`).
    Outside the domain (``x < 0``): :class:`~mpcarray.errors.FunctionDomainError` in the
    simulated backend (range check on, the default); over sockets a meaningless finite
    value, since detecting it would reveal the input.
    Security: only masked openings.
    """
    check_domain("sqrt", x, lambda v: v >= 0, "x >= 0")
    return _root(as_fixed(x), "sqrt", 0.5, 0)


class _NewtonStep:
    """Public constants of :func:`sqrt`'s Newton step at ``f`` fractional bits (``F`` for ``m``).

    With ``Y`` the ring integer of ``y`` (``f`` fractional bits) and ``X`` that of ``x``,
    the step adds ``(X 2^f - Y^2) / (2 Y)``: the residual ``E = X 2^f - Y^2`` is exact,
    truncated by ``a = f - 3`` bits (an error below ``2^-3`` ulp once divided by
    ``2 Y >= 2^f``), and multiplied by ``Q = 2^(a - 1 + t) / Y``, an integer looked up
    and scaled like the root itself from ``1/sqrt(m)``; the product is truncated by
    ``t``. ``t`` keeps ``Q >= 2^(f + 3)`` for the largest ``Y`` (so ``Q``'s rounding adds
    below ``2^-(f + 3)`` relative to the step), and ``E Q / 2^a`` is about
    ``|Y - y_exact| 2^t``, below ``2^(R + f + 6)`` (``R`` the safe range's bits), well
    inside the truncation range. Results below ``1/2`` (``x < 1/4``, leading one
    ``p < f - 2``) get ``Q = 0``: they are within 2 ulp already and a residual of
    a few units would not survive its truncation.
    """

    def __init__(self, f: int, frac: int):
        half_range = (TRUNCATION_BITS - 2 * f) // 2  # the largest result is below 2^half_range
        self.residual_shift = f - 3
        self.product_shift = half_range + f + 7
        self.inverse_shift = 57 - half_range - f  # largest m-side product below 2^61
        #: ``1/sqrt(m)`` needs ``2^-(f + 3)`` relative to the step, which is below ``2^(half_range - 1)`` ulp
        self.inverse_precision = min(f, half_range)
        scale = self.residual_shift - 1 + self.product_shift - f - frac + self.inverse_shift
        self.inverse_weights = [round(2.0 ** (scale - (p + 1 - f) / 2)) if f - 2 <= p <= 61 - f else 0
                                for p in range(64)]
        #: One step leaves about ``2^(27 - 2f)`` ulp (the start's relative error ``2^-(f + 1.4)``
        #: squared, on results up to ``2^31`` units), below ``2^-3`` from ``f = 15``; a second below.
        self.count = 1 if f >= 15 else 2


def _newton_step(x: SharedArray, y: SharedArray, inverse: SharedArray, step: _NewtonStep) -> SharedArray:
    """``(x - y^2) / (2 y)`` in ulps of ``y`` (an integer SharedArray), from ``inverse = Q``.

    Cost: 4 rounds (2 in Shamir sessions): the square truncated by ``a`` bits, the
    product with ``Q`` truncated by ``t`` bits.
    """
    f, a = x.frac_bits, step.residual_shift
    (square,) = truncated_products([(relabel(y, 0), relabel(y, a), a)])  # integers, as the rest
    residual = relabel(x, 0) * 2 ** (f - a) - square  # (X 2^f - Y^2) / 2^a, exact but for the truncation
    (correction,) = truncated_products([(residual, relabel(inverse, step.product_shift), step.product_shift)])
    return correction


def _fused_newton_step(x: SharedArray, pending: SharedArray, inverse: SharedArray,
                       step: _NewtonStep) -> tuple[SharedArray, SharedArray]:
    """:func:`_newton_step` on ``y``, ``pending`` truncated to ``f`` bits in the opening of its square
    (:func:`~mpcarray.array.primitives.truncated_pairs`), and the square's truncation in the opening
    of its product with ``Q`` (``inverse``, truncated to an integer beside ``y`` if it has
    fractional bits); ``X Q`` is formed beside. Additive sessions. Returns ``(y + step, Q)``.

    Cost: 3 rounds, where truncating ``y`` and :func:`_newton_step` take 5.
    """
    f, a = x.frac_bits, step.residual_shift
    pairs = lambda: truncated_pairs(pending.reshape((1,) + pending.shape), f, [(0, 0)])
    if inverse.frac_bits:
        (square, (y,)), q = concurrently(x, pairs, lambda: truncate(inverse, inverse.frac_bits, 0))
    else:
        (square, (y,)), q = pairs(), inverse
    dividend = relabel(x, 0) * 2 ** (f - a)  # X 2^f / 2^a
    ((dividend_q,), _), (scaled_square, _) = concurrently(
        x, lambda: multiply_and_truncate([(dividend, q, 0)], []),
        lambda: truncated_scaling(relabel(q, 0).reshape(1, -1), relabel(square[0], a).reshape(-1), 0))
    # (X 2^f - Y^2) Q / 2^a, the residual's product with Q, truncated by t
    correction = relabel(dividend_q - relabel(scaled_square, 0).reshape(x.shape), step.product_shift)
    return relabel(relabel(y, 0) + truncate(correction, step.product_shift, 0), f), q


def _root(x: SharedArray, name: str, power: float, headroom: int, rounded: bool = True) -> SharedArray:
    """``x^power`` through the mantissa's ``name`` polynomial; ``m`` and ``m^power`` carry
    :func:`~.mantissa.spare_bits` extra bits to the final scaling, the one rounding to ``f`` bits.

    Each extra bit is taken from the weights' shift, which stays at least ``f + 3``: a
    weight rounded to ``2^-shift`` adds below ``2^-(f + 3)`` to a result (``f = 24`` has no room).
    """
    f = x.fixed_point.frac_bits
    extra = _extra_bits(x, name, power, headroom)
    weights, shift = _root_weights(f, power, headroom + extra)
    m, (weight,) = normalise(x, weights, extra=extra)
    return scaled_by_power(on_mantissa_scaled([(name, f)], m, [[weight]])[0][0], shift, f, rounded)


def _extra_bits(x: SharedArray, name: str, power: float, headroom: int) -> int:
    """The bits beyond ``f`` that ``m`` and ``m^power`` carry: :func:`~.mantissa.spare_bits`, while
    the weights' shift stays at least ``f + 3``."""
    f = x.fixed_point.frac_bits
    return max(0, min(spare_bits(name, x), _root_weights(f, power, headroom)[1] - f - 3))
