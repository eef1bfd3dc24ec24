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


def _times(m: SharedArray, v: SharedArray, frac: int) -> SharedArray:
    """``m * T`` (columns scaled) for ``T``, ``v`` rounded to ``frac`` fractional bits in the product's
    opening (``v`` exact if it has no more); ``f + frac`` bits. 1 round."""
    if v.frac_bits == frac:
        return primitives.multiply_and_truncate([(m, np.broadcast_to(v, m.shape), 0)], [])[0][0]
    return primitives.truncated_scaling(m, v, frac)[0]


def _truncations(*pairs: tuple[SharedArray, int]) -> list[SharedArray]:
    """``x / 2^bits`` for each ``(x, bits >= 0)``, keeping ``x``'s fractional bits, in one round together."""
    _, cut = primitives.multiply_and_truncate([], [(x, bits) for x, bits in pairs if bits])
    parts = iter(cut)
    return [primitives.relabel(next(parts), x.frac_bits) if bits else x for x, bits in pairs]


def product_candidates(b: SharedArray, shift: float) -> list[SharedArray]:
    """``b``'s truncations that :func:`reveal_product` multiplies by ``a``: ``b / 2^(shift - h)``
    (``h = floor(shift) / 2``), then ``b / 2^k`` for ``k = 0 .. floor(shift)``. 1 round: a caller
    that computes them while other work runs (``b`` known before ``a``) saves it in the reveal.

    Reveals: nothing.
    """
    b_part, *scaled = _truncations(*_candidate_truncations(b, shift))
    return [b_part, b, *scaled]


def _candidate_truncations(b: SharedArray, shift: float) -> list[tuple[SharedArray, int]]:
    """The truncations :func:`product_candidates` takes, as ``(x, bits)`` for :func:`_truncations`."""
    shift = int(np.floor(shift))
    return [(b, shift - shift // 2)] + [(b, k) for k in range(1, shift + 1)]


def reveal_product(a: SharedArray, b: SharedArray, shift: float, label: str,
                   candidates: list[SharedArray] | None = None) -> np.ndarray:
    """Reveal ``a * b / 2^shift`` elementwise with about 32 significant bits.

    A coarse value is revealed first; its public magnitude fixes an exponent
    ``E`` per element that scales the value to about ``2^target``,
    ``target = (R + 2) / 2`` (``f + target = 32`` bits for ``R = 62 - 2f``, and half
    the range left for rounding). The exact product that holds ``a * b * 2^-shift``
    inside the range is then truncated to ``2^-(f + E)`` and revealed.

    Steps: (1) in one round, ``a / 2^h`` and ``b / 2^(shift - h)`` (``h = shift / 2``) for the
    coarse value, and ``b_k = b / 2^k`` for ``k = 1 .. shift`` (:func:`product_candidates`);
    ``a`` may carry more fractional bits than the session's ``f`` (an exact sum not yet
    truncated, :meth:`~mpcarray.models.SPDSolver.solve` with ``rounded=False``), truncated to
    ``f`` in the same round; (2) in one round, the exact products ``(a / 2^h) (b / 2^(shift - h))``
    and every ``a b_k`` (``b_0 = b``). A caller that passes ``b``'s truncations as ``candidates``
    (made in earlier rounds) skips step (1): ``a``'s truncations then join step (2)'s opening
    (:func:`~mpcarray.array.primitives.truncated_scaling`); (3) the coarse value, the first product truncated to
    ``f`` bits and revealed in one round (:func:`~mpcarray.array.primitives.reveal_truncated`);
    (4) per element the product ``a b_k`` with the fewest bits dropped whose exact value
    stays below ``2^61`` (``k = 0`` unless ``|a b / 2^shift| >= 2^(R - 1 - shift)``,
    8 at ``f = 16`` with ``shift = 26``), truncated and revealed in one round. ``E`` is at
    most ``f + shift - k`` (the exact product, nothing truncated), so that a value far below 1
    keeps its significant bits (a standard error of ``1e-4`` had 9 with ``E <= shift = 6``).

    A fractional ``shift`` divides the revealed values by ``2^(shift - floor(shift))`` in public.

    Cost: 4 rounds, 3 with ``candidates``.

    Raises :class:`~mpcarray.errors.EncodingError` if the fine value disagrees with
    the coarse one (a factor left the safe range; the data or ``f`` is too large).

    Reveals: the value, twice (coarse and fine), labelled ``label``.
    """
    f = a.fixed_point.frac_bits
    bits = a.fixed_point.range_bits
    shift, fraction = int(np.floor(shift)), shift - np.floor(shift)
    half, extra = shift // 2, a.frac_bits - f
    if extra < 0:
        raise ValueError(f"reveal_product needs a with at least {f} fractional bits, got {a.frac_bits}")
    coarse_a, fine_a = primitives.relabel(a.reshape(-1), a.frac_bits + half), a.reshape(-1)  # a / 2^h, a
    if candidates is None:  # a's truncations in the round of b's (fewer bytes than in the products')
        coarse_a, fine_a, *candidates = _truncations((coarse_a, coarse_a.frac_bits - f), (fine_a, extra),
                                                     *_candidate_truncations(b, shift))
        coarse_a, fine_a = primitives.relabel(coarse_a, f), primitives.relabel(fine_a, f)
        candidates.insert(1, b)
    rows = primitives.relabel(np.stack([c.reshape(-1) for c in candidates]), b.frac_bits)
    first, products = primitives.concurrently(  # (a / 2^h) (b / 2^(shift - h)), and a b_k
        a, lambda: _times(rows[:1], coarse_a, f)[0], lambda: _times(rows[1:], fine_a, f))
    coarse = np.atleast_1d(primitives.reveal_truncated(first.reshape(a.shape), f, f"{label} (coarse)"))
    resolution = 2.0**-f  # a coarse zero is a value below one unit
    magnitude = np.ceil(np.log2(np.maximum(np.abs(coarse), resolution))).astype(np.int64)
    # the fewest bits k dropped from b that keep |a b_k| = |value| 2^(shift - k) (2f bits) below 2^61,
    # a bit of margin for the coarse value's rounding
    dropped = np.clip(magnitude + shift + 2 * f - 60, 0, shift)
    # E up to f + shift - dropped (nothing truncated): a small value keeps its significant bits
    exponent = np.clip((bits + 2) // 2 - magnitude, 0, f + shift - dropped)
    chosen = products[dropped, np.arange(dropped.size)]
    shifts = f + shift - dropped - exponent  # to 2^-(f + E) in the value's units
    values = primitives.reveal_truncated(chosen, shifts, label) * 2.0 ** (dropped - shift)
    # the coarse rounding is far below 10% plus 2^10 units; a wrapped value is off by ~2^R
    if np.any(np.abs(values - coarse) > 0.1 * np.abs(coarse) + 2**10 * resolution):
        raise EncodingError(
            f"{label}: the fine reveal disagrees with the coarse one: a value left the safe range "
            f"2^{bits} of frac_bits={f}; rescale the data or lower frac_bits")
    return values * 2.0**-fraction
