"""Public power-of-two column scales that keep sums of squares inside the fixed-point range.

Fixed point with ``f`` fractional bits holds values and products below
``2^(62 - 2f)`` (``2^30`` at ``f = 16``). A scatter matrix ``sum_i x_i x_i^T``
of ``n`` rows grows like ``n * max|x|^2``, so moments are computed on columns
scaled by ``2^e`` (exact, public) with ``max|x 2^e| < 2^target``; the scale
is undone in the clear after the reveal. Scaling up small-valued columns also
uses the available precision.
"""

import numpy as np

from ..array import SharedArray, lineage
from ..domains import FixedPoint
from . import _inputs
from .partition import column_maximum


def scale_exponents(X: SharedArray, target: int, bounds=None, label: str = "column magnitude") -> np.ndarray:
    """Per-column integers ``e`` with ``max|X[:, j]| * 2^e[j] < 2^target``.

    Reveals: with ``bounds``, nothing; otherwise ``ceil(log2 max|X[:, j]|)``
    for each column (its order of magnitude, no digits), for values between
    ``2^-f`` and ``2^(62 - 2f)``. Policies see it as aggregating the column's
    rows (a power-of-two bound that every row satisfies), not as the one record
    the maximum itself would be (``docs/privacy.md``).

    Parameters
    ----------
    X : SharedArray, shape (n,) or (n, p)
    target : int
        Bits the scaled values may use.
    bounds : array_like, optional
        Public per-column (or scalar) bounds on ``|X|``. Without them the
        column maxima of ``|X|`` are computed inside MPC (each hospital's local
        maximum when the rows are owner-held, a comparison tree otherwise) and
        only their power-of-two exponents are opened.
    """
    _inputs.shared(X, "X")
    columns = 1 if X.ndim == 1 else X.shape[1]
    if bounds is not None:
        bound = np.broadcast_to(np.asarray(bounds, dtype=np.float64), (columns,))
        if not np.all(np.isfinite(bound)) or np.any(bound <= 0):
            raise ValueError("bounds must be positive finite numbers")
        return (target - np.ceil(np.log2(bound) + 1e-12)).astype(np.int64).reshape(-1)
    f = frac_bits(X)
    powers = 2.0 ** np.arange(-f, range_bits(f))  # values are below 2^range_bits(f)
    largest = column_maximum(X, absolute=True).reshape(-1)
    below = (largest[:, None] >= powers).sum(axis=1)  # number of powers <= max|x|
    # A power-of-two bound that every row of the column satisfies, not a value: counted over the
    # rows (the maximum itself would be one record's value, lineage.select). docs/privacy.md
    below._lineage = lineage.pooled(below.shape, X)
    count = below.reveal(label=f"{label} (power-of-two exponent)", cohort=X.shape[0])
    exponent_of_max = np.log2(powers[0]) + count  # max|x| < 2^exponent_of_max
    return (target - exponent_of_max).astype(np.int64)


def frac_bits(X: SharedArray) -> int:
    """The session's fractional bits ``f`` (also for integer-valued ``X``)."""
    return X.fixed_point.frac_bits


def range_bits(f: int) -> int:
    """Values and products must stay below ``2^range_bits(f)``: the safe range of ``f`` fractional bits."""
    return FixedPoint(f).range_bits


def power_of_two(e: np.ndarray):
    """``2^e`` as a public multiplier: integers (exact, no truncation) when every ``e >= 0``."""
    factor = np.ldexp(1.0, e)
    return factor.astype(np.int64) if np.all(e >= 0) else factor
