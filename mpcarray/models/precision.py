"""Extended-precision helpers: the estimators' bit budget, a refined reciprocal and precise reveals.

With 16 fractional bits a revealed coefficient such as 0.036 per year of age
would keep only 3 significant digits. The estimators keep their results as
products of well-scaled shared factors and reveal them here, scaled by a
public power of two chosen from a first, coarse reveal of the same value (so
nothing beyond the value itself is disclosed).

Every precision constant follows from the session's number format: with ``f``
fractional bits, values and products stay below ``2^R``, ``R = 62 - 2f``
(:attr:`mpcarray.FixedPoint.range_bits`), and the extra bits the estimators
give their intermediates are spent from that range (:func:`extra_bits`).
"""

import numpy as np

from ..array import SharedArray, primitives
from ..errors import EncodingError, UnsupportedOperationError
from ..functions import reciprocal

#: Bits of the range left above the scaled intermediates, for ``|γ|`` and sums over columns.
HEADROOM_BITS = 6
#: The reciprocal and the intercept use this many bits fewer than the coefficients
#: (their factors, ``sd_y`` and the means, are larger than the standardised coefficients).
WIDE_FACTOR_BITS = 4


def model_range_bits(x: SharedArray, model: str) -> int:
    """``R`` of ``x``'s number format, after checking that ``model`` can spend its extra bits.

    Raises :class:`~mpcarray.errors.UnsupportedOperationError` when ``f`` leaves
    fewer than ``HEADROOM_BITS + 2 WIDE_FACTOR_BITS`` bits of range (``f > 24``).

    Reveals: nothing (the number format is public).
    """
    f = x.fixed_point.frac_bits
    bits = x.fixed_point.range_bits
    least = HEADROOM_BITS + 2 * WIDE_FACTOR_BITS
    if bits < least:
        most = (bits + 2 * f - least) // 2  # R + 2f is the same at every f
        raise UnsupportedOperationError(
            f"{model} needs frac_bits <= {most}: its scaled intermediates need 2^{least} of the "
            f"safe range 2^(62 - 2 frac_bits), and frac_bits={f} leaves 2^{bits}")
    return bits


def extra_bits(range_bits: int) -> int:
    """Extra fractional bits of the estimators' intermediates: ``(R - HEADROOM_BITS) / 2``.

    Two such factors (a ``2^h``-scaled Gram entry ``4^h`` with ``h = extra / 2``, times
    coefficients kept at ``2^extra``) fill ``R - HEADROOM_BITS`` bits, and with
    ``R = 62 - 2f`` they keep ``f + extra = 28`` fractional bits at every ``f``
    (12 extra bits at ``f = 16``).
    """
    return (range_bits - HEADROOM_BITS) // 2


def refined_reciprocal(x: SharedArray, bits: int, steps: int = 3,
                       start: SharedArray | None = None) -> SharedArray:
    """``2^bits / x`` for positive ``x`` with ``x * 2^bits / x`` in range, to ~``2^-(f + bits)`` relative.

    Starts from ``start`` (an estimate of ``2^bits / x`` within a factor ``1 ± 1/2``)
    or else :func:`mpcarray.reciprocal` (relative error ~1e-3, or a few units for
    large ``x``), and applies Newton steps ``y += y (1 - x y)`` with the residual
    kept at scale ``2^bits``; each step squares the error.

    Cost: 5 rounds per step, plus the reciprocal's when there is no ``start``.
    Reveals: nothing.
    """
    y = reciprocal(x) * 2**bits if start is None else start
    for _ in range(steps):
        residual = 2**bits - x * y  # (1 - x y 2^-bits) * 2^bits
        y = y + (y * residual) * 2.0**-bits
    return y


def _divided(*pairs: tuple[SharedArray, float]) -> list[SharedArray]:
    """``x / 2^bits`` for each ``(x, bits >= 0)``, keeping ``x``'s fractional bits; the whole-bit
    shifts are truncations in one round together, others a public multiplication each."""
    def whole(bits: float) -> bool:
        return bits > 0 and float(bits).is_integer()

    _, truncated = primitives.multiply_and_truncate([], [(x, int(bits)) for x, bits in pairs if whole(bits)])
    parts = iter(truncated)
    return [primitives.relabel(next(parts), x.frac_bits) if whole(bits) else x * 2.0**-bits if bits else x
            for x, bits in pairs]


def reveal_product(a: SharedArray, b: SharedArray, shift: int, label: str) -> tuple:
    """Reveal ``a * b / 2^shift`` elementwise with about 32 significant bits.

    A coarse value (each factor pre-scaled by half the shift) is revealed first;
    its public magnitude fixes an exponent ``E`` per element that scales the value
    to about ``2^target``, ``target = (R + 2) / 2`` (``f + target = 32`` bits for
    ``R = 62 - 2f``, and half the range left for rounding), and
    ``a * b * 2^(E - shift)`` is then formed from the exact product ``a * b``
    (computed in the coarse value's rounds) where it stays below ``2^(R - 1)``, else
    with the scaling applied to ``b`` first, and revealed.

    Cost: at most 6 rounds when every ``a * b`` is in range (5 when the scaling is by
    whole powers of two), else 8: the coarse value's truncation, product and reveal, then
    one scaling, or a scaling and a product, and the fine reveal.

    Returns ``(values, scaled, exponents)``: the float64 result, the shared
    ``a * b * 2^(E - shift)`` and ``E``.

    Raises :class:`~mpcarray.errors.EncodingError` if the fine value disagrees with
    the coarse one (a factor left the safe range; the data or ``f`` is too large).

    Reveals: the value, twice (coarse and fine), labelled ``label``.
    """
    f = a.fixed_point.frac_bits
    bits = a.fixed_point.range_bits
    half = shift // 2

    def coarse_value():
        a_part, b_part = _divided((a, half), (b, shift - half))
        return np.atleast_1d((a_part * b_part).reveal(label=f"{label} (coarse)"))

    coarse, product = primitives.concurrently(a, coarse_value, lambda: a * b)
    resolution = 2.0**-f  # a coarse zero is a value below one unit
    magnitude = np.ceil(np.log2(np.maximum(np.abs(coarse), resolution)))
    exponent = np.clip((bits + 2) // 2 - magnitude, 0, shift).astype(np.int64)
    exact = magnitude + shift < bits - 1
    factors = 2.0 ** (exponent - shift)
    if exact.all():
        scaled = product * factors
    else:
        scaled = np.where(exact, *primitives.concurrently(a, lambda: product * factors, lambda: a * (b * factors)))
    values = np.atleast_1d(scaled.reveal(label=label)) / 2.0**exponent
    # the coarse rounding is far below 10% plus 2^10 units; a wrapped value is off by ~2^R
    if np.any(np.abs(values - coarse) > 0.1 * np.abs(coarse) + 2**10 * resolution):
        raise EncodingError(
            f"{label}: the fine reveal disagrees with the coarse one: a value left the safe range "
            f"2^{bits} of frac_bits={f}; rescale the data or lower frac_bits")
    return values, scaled, exponent
