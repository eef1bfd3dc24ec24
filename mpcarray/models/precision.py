"""Extended-precision helpers: a refined reciprocal and reveals with ~30 significant bits.

With 16 fractional bits a revealed coefficient such as 0.036 per year of age
would keep only 3 significant digits. The estimators keep their results as
products of well-scaled shared factors and reveal them here, scaled by a
public power of two chosen from a first, coarse reveal of the same value (so
nothing beyond the value itself is disclosed).
"""

import numpy as np

from ..array import SharedArray
from ..errors import MpcError
from ..functions import reciprocal

#: A fine reveal scales each value to about 2^TARGET_BITS (plus 16 fractional bits).
TARGET_BITS = 16
#: Products below 2^EXACT_BITS (after scaling) are formed in one exact ring product.
EXACT_BITS = 29


def refined_reciprocal(x: SharedArray, bits: int, steps: int = 3) -> SharedArray:
    """``2^bits / x`` for positive ``x`` with ``x * 2^bits / x`` in range, to ~``2^-(16 + bits)`` relative.

    Starts from :func:`mpcarray.reciprocal` (relative error ~1e-3, or a few
    units for large ``x``) and applies Newton steps ``y += y (1 - x y)`` with
    the residual kept at scale ``2^bits``; each step squares the error.

    Reveals: nothing.
    """
    y = reciprocal(x) * 2**bits
    for _ in range(steps):
        residual = 2**bits - x * y  # (1 - x y 2^-bits) * 2^bits
        y = y + (y * residual) * 2.0**-bits
    return y


def reveal_product(a: SharedArray, b: SharedArray, shift: int, label: str) -> tuple:
    """Reveal ``a * b / 2^shift`` elementwise with about ``16 + TARGET_BITS`` significant bits.

    A coarse value (each factor pre-scaled by half the shift) is revealed first;
    its public magnitude fixes an exponent ``E`` per element, and
    ``a * b * 2^(E - shift)`` is then formed in one exact product where it fits
    the safe range, else with the scaling applied to ``b`` first, and revealed.

    Returns ``(values, scaled, exponents)``: the float64 result, the shared
    ``a * b * 2^(E - shift)`` and ``E``.

    Reveals: the value, twice (coarse and fine), labelled ``label``.
    """
    half = shift // 2
    coarse = ((a * 2.0**-half) * (b * 2.0 ** (half - shift))).reveal(label=f"{label} (coarse)")
    coarse = np.atleast_1d(coarse)
    magnitude = np.ceil(np.log2(np.abs(coarse) + 2.0**-20))
    exponent = np.clip(TARGET_BITS - magnitude, 0, shift).astype(np.int64)
    exact = magnitude + shift < EXACT_BITS
    factors = 2.0 ** (exponent - shift)
    scaled = np.where(exact, (a * b) * factors, a * (b * factors)) if not exact.all() else (a * b) * factors
    values = np.atleast_1d(scaled.reveal(label=label)) / 2.0**exponent
    if np.any(np.abs(values - coarse) > 0.1 * np.abs(coarse) + 2.0**-6):  # catches overflow only
        raise MpcError(f"{label}: the fine reveal disagrees with the coarse one; a value left the safe range")
    return values, scaled, exponent
