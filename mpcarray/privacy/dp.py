"""Differentially private statistics whose sensitivity the library computes from clipping inside MPC.

The script states bounds, never a sensitivity: values are clipped to the
bounds (or counted as 0/1) inside MPC, so one record can move the result by at
most a known amount, and the noise is calibrated to exactly that.

Neighbouring datasets differ in one record replaced by another (the number of
records, axis 0, is public: it is the arrays' shape). Every mechanism here is
discrete on the grid of the result, so its epsilon is exact: a fixed-point
result is an integer number of steps ``2^-f``, and the noise is integer
discrete Laplace noise in those steps (:meth:`mpcarray.privacy.Laplace.on_grid`),
nothing is rounded after it is added.
"""

import math

import numpy as np

from ..array import SharedArray
from ..disclosure import DiscreteLaplace, Laplace
from ..errors import UnsupportedOperationError


def _records(x, name: str) -> SharedArray:
    if not isinstance(x, SharedArray) or x.field is not None:
        raise UnsupportedOperationError(f"{name} needs a SharedArray of integers or reals")
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ValueError(f"{name} needs records along axis 0 (1-D or 2-D, at least one record), "
                         f"got shape {x.shape}")
    return x


def _epsilon(epsilon) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)) \
            or not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be a positive finite number, got {epsilon!r}")
    return float(epsilon)


def _columns(x: SharedArray) -> int:
    return 1 if x.ndim == 1 else x.shape[1]


def clipping_bounds(x: SharedArray, bounds) -> tuple[float, float, int]:
    """The bounds snapped to ``x``'s grid and their distance in grid steps (units).

    Integers need integer bounds (their grid step is 1).
    """
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be a pair (low, high) of numbers, got {bounds!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"bounds must be finite with low < high, got {bounds!r}")
    if x.dtype.kind in "iu":
        if low != int(low) or high != int(high):
            raise ValueError(f"an integer array needs integer bounds, got {bounds!r}")
        return low, high, int(high - low)
    step = 2.0 ** -x.frac_bits
    low, high = round(low / step) * step, round(high / step) * step
    units = round((high - low) / step)
    if units < 1:
        raise ValueError(f"bounds {bounds!r} are closer than one fixed-point step")
    return low, high, units


def dp_sum(x: SharedArray, bounds, epsilon: float, label: str | None = None):
    """Epsilon-DP sum over records (axis 0) of ``x`` clipped to ``bounds`` inside MPC.

    Sensitivity: ``(high - low)`` per column, times the number of columns (L1),
    computed by the library from the bounds. Reveals the noisy sum(s) only.
    Cost: one clip (comparisons) and one noisy reveal.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(3, seed=0) as s:
    ...     ages = s.share(np.array([34.0, 51.0, 67.0, 150.0]), owner=0)  # 150 is clipped to 120
    ...     total = mpc.privacy.dp_sum(ages, bounds=(0, 120), epsilon=1.0, label="sum age")
    ...     print(abs(total - 272.0) < 120 * 30)  # within 30 noise scales
    True
    """
    x = _records(x, "dp_sum")
    epsilon = _epsilon(epsilon)
    low, high, units = clipping_bounds(x, bounds)
    clipped = np.clip(x, low, high)
    sensitivity = units * _columns(x)
    if x.dtype.kind in "iu":
        noise = DiscreteLaplace(epsilon, sensitivity)
    else:
        noise = Laplace(epsilon, sensitivity * 2.0 ** -x.frac_bits)
    return clipped.sum(axis=0).reveal(label=label or "dp sum", cohort=x.shape[0], noise=noise)


def dp_mean(x: SharedArray, bounds, epsilon: float, label: str | None = None):
    """Epsilon-DP mean over records (axis 0) of ``x`` clipped to ``bounds`` inside MPC.

    The noisy clipped sum (:func:`dp_sum`) divided by the public number of
    records: the division is post-processing, so the privacy cost is the sum's.
    Noise scale of the mean: ``(high - low) * columns / (epsilon * n)``.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(3, seed=0) as s:
    ...     ages = s.share(np.full(1000, 40.0), owner=0)
    ...     mean = mpc.privacy.dp_mean(ages, bounds=(0, 120), epsilon=1.0, label="mean age")
    ...     print(abs(mean - 40.0) < 30 * 120 / 1000)  # within 30 noise scales
    True
    """
    total = dp_sum(x, bounds, epsilon, label=label or "dp mean")
    return total / x.shape[0]


def dp_count(condition: SharedArray, epsilon: float, label: str | None = None):
    """Epsilon-DP count of records (axis 0) where the shared integer ``condition`` is nonzero.

    ``condition`` is clipped to ``{0, 1}`` inside MPC (comparisons already
    give 0/1), so one record changes the count by at most 1 per column; the
    noise is discrete Laplace with that sensitivity. Returns int64.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(3, seed=0) as s:
    ...     ages = s.share(np.arange(100.0), owner=0)
    ...     count = mpc.privacy.dp_count(ages >= 65, epsilon=1.0, label="count over 65")
    ...     print(abs(count - 35) < 30)
    True
    """
    condition = _records(condition, "dp_count")
    if condition.dtype.kind not in "iu":
        raise UnsupportedOperationError("dp_count needs a shared integer (0/1) condition, e.g. x >= 65")
    epsilon = _epsilon(epsilon)
    ones = np.clip(condition, 0, 1)
    return ones.sum(axis=0).reveal(label=label or "dp count", cohort=condition.shape[0],
                                   noise=DiscreteLaplace(epsilon, _columns(condition)))


def dp_histogram(x: SharedArray, edges, epsilon: float, label: str | None = None):
    """Epsilon-DP histogram of the 1-D shared ``x`` over the public ``edges`` (like ``numpy.histogram``).

    Bins are ``[e0, e1), ..., [e_{m-1}, e_m]``; values outside are in no bin.
    Replacing one record moves it out of at most one bin and into at most one
    other, so the L1 sensitivity of the counts is 2; the noise is discrete
    Laplace with sensitivity 2 in every bin. Returns ``(counts, edges)``.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(3, seed=0) as s:
    ...     ages = s.share(np.arange(100.0), owner=0)
    ...     counts, edges = mpc.privacy.dp_histogram(ages, [0, 50, 100], epsilon=1.0)
    ...     print(np.all(np.abs(counts - [50, 50]) < 60), edges)
    True [  0.  50. 100.]
    """
    x = _records(x, "dp_histogram")
    if x.ndim != 1:
        raise ValueError(f"dp_histogram needs a 1-D SharedArray, got shape {x.shape}")
    edges = np.asarray(edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be at least two finite, strictly increasing numbers")
    epsilon = _epsilon(epsilon)
    at_least = (x.reshape(-1, 1) >= edges[:-1]).sum(axis=0)  # records >= each left edge
    above = (x > edges[-1]).sum().reshape(1)  # records beyond the last bin
    counts = at_least - np.concatenate([at_least[1:], above])
    noisy = counts.reveal(label=label or "dp histogram", cohort=x.shape[0], noise=DiscreteLaplace(epsilon, 2))
    return noisy, edges
