"""L2 (ridge) penalties in the estimators' standardised coordinates.

The estimators solve for standardised coefficients ``γ`` with ``coef_j = γ_j w_j``
(``w_j`` a secret per-column scale, about ``1 / sd_j``), so scikit-learn's penalty
``λ ||coef_||² / 2`` becomes the diagonal penalty ``λ Σ_j w_j² γ_j² / 2``: its
gradient ``λ w² γ`` and Hessian ``diag(λ w²)`` are what :func:`diagonal` returns.
The intercept is never penalised.
"""

import numpy as np

from ..array import SharedArray

__all__ = ["check_strength", "diagonal"]

def check_strength(name: str, value) -> float:
    """A penalty strength (``C``, ``alpha``) as a positive finite float, else ``ValueError``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = np.nan
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def diagonal(weight: SharedArray, factor: float, bits: int, pre_bits: int = 0) -> SharedArray:
    """``factor * weight² * 2^bits``, elementwise, for a positive public ``factor``.

    ``weight`` is first scaled by ``2^pre_bits`` (an exact integer product) so that
    its square keeps ``f + 2 pre_bits`` fractional bits; ``weight² 4^pre_bits`` must
    stay in the safe range. The public factor keeps ``2 f`` significant bits however
    small it is (``1 / (n C)`` is about 2e-3; see :func:`mpcarray.protocols.public.mul_public_real`).

    Cost: 3 rounds with additive sharing (a product: opening and truncation; the public
    factor: one truncation), 2 with Shamir.
    Reveals: nothing.
    """
    scaled = weight * 2**pre_bits
    return (scaled * scaled) * (factor * 2.0 ** (bits - 2 * pre_bits))
