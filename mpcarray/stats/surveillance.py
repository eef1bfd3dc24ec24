"""Disease surveillance across hospitals: EARS C1/C2/C3 and a one-sided CUSUM, revealing only the alerts.

Each hospital shares its own series of case counts (one integer per day or
week); the pooled series ``y_t`` is their sum, formed locally on the shares.
The aberration rules are decided inside MPC for all time points at once.

EARS (Hutwagner et al., J Urban Health 2003; the formulas of Fricker, Hegler
and Dunfee, Stat Med 2008, as R's ``surveillance::earsC``): with the baseline
mean ``m_t`` and sample standard deviation ``s_t`` (divisor 6) of the 7 counts
``y_(t-7) .. y_(t-1)`` (C1) or ``y_(t-9) .. y_(t-3)`` (C2, after a 2-step guard
band), ``C_t = (y_t - m_t) / max(s_t, min_sigma)``; C1 and C2 alert when
``C_t > 3``; C3 sums ``max(0, C2_i - 1)`` over ``i = t-2, t-1, t`` and alerts
above 2. A baseline of zero variance (with ``min_sigma = 0``) gives
``C = +inf`` when ``y_t > m_t`` and ``C = 0`` when ``y_t = m_t`` (NumPy's
``0/0`` would be NaN).

C1 and C2 need no division, no square root and no fixed point: with the
baseline sum ``S``, the sum of squares ``Q``, ``d = 7 y_t - S`` and
``V = 7 Q - S^2 = 42 s^2``, ``C > h`` is ``d > 7 h min_sigma`` and
``6 d^2 > 7 h^2 V``, exact ring-integer comparisons (``h = a / b`` as a
decimal fraction: ``6 b^2 d^2 > 7 a^2 V``). C3 needs the values of C2:
``d rsqrt(V)`` in fixed point.

The CUSUM ``S_t = max(0, S_(t-1) + (y_t - mu) / sigma - k)``, ``S_0 = 0``,
alerting when ``S_t > h``, has public in-control ``mu`` and ``sigma``. Its
recursion unrolls to ``S_t = max_(j <= t) sum_(j < i <= t) ((y_i - mu) / sigma - k)``
(Lindley), so ``S_t > h`` is ``y_(j+1) + .. + y_t > (t - j)(mu + k sigma) + h sigma``
for some ``j < t``: one batched comparison of all ``T (T + 1) / 2`` window sums with
public bounds, and one more of the number of windows over their bound with 0.
Rounds do not grow with ``T``; the comparisons grow as ``T^2``.
"""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..array import SharedArray
from ..errors import DataError, ShapeError, UnsupportedOperationError
from ..functions import rsqrt
from . import _inputs

__all__ = ["SurveillanceResult", "cusum", "ears"]

#: First monitored index (0-based) and the baseline lags of each EARS method.
_LAGS = {"C1": range(1, 8), "C2": range(3, 10), "C3": range(3, 10)}
_START = {"C1": 7, "C2": 9, "C3": 11}
_THRESHOLD = {"C1": 3.0, "C2": 3.0, "C3": 2.0}


@dataclass(frozen=True)
class SurveillanceResult:
    """Alerts of an aberration rule over the pooled series.

    ``alerts[t]`` is True where the rule fires (False before ``start``, the
    first time point with a full baseline); ``counts`` holds the pooled counts
    at least ``suppress_small`` (others masked) when they were requested.
    """

    alerts: np.ndarray
    start: int
    method: str
    counts: np.ma.MaskedArray | None = None


def _pooled(counts, minimum: int) -> tuple[SharedArray, SharedArray]:
    """The pooled ``(T,)`` series and all input counts flattened (each hospital's, to check their signs).

    ``counts`` is one ``(T,)``/``(hospitals, T)`` SharedArray or a sequence of ``(T,)`` ones.
    """
    if isinstance(counts, (list, tuple)):
        if not counts:
            raise ValueError("counts is an empty sequence: give each hospital's shared series")
        for k, c in enumerate(counts):
            _inputs.integers(c, f"counts[{k}]")
        lengths = [c.shape[0] for c in counts]
        if len(set(lengths)) != 1:
            raise ShapeError(f"the hospitals' series must have the same length, got {lengths}")
        series = counts[0]
        for c in counts[1:]:
            series = series + c
        raw = np.concatenate(counts)
    else:
        _inputs.integers(counts, "counts", ndim=(1, 2))
        series = counts if counts.ndim == 1 else counts.sum(axis=0)
        raw = counts.reshape(-1)
    if series.shape[0] < minimum:
        raise ShapeError(f"the series needs at least {minimum} time points, got {series.shape[0]}")
    return series, raw


def _check_counts(negative: SharedArray, method: str) -> None:
    """Open the number of negative input counts (0 for valid data); raise :class:`DataError` otherwise."""
    found = int(negative.sum().reveal(label=f"{method}: number of negative counts"))
    if found:
        raise DataError(f"counts must be non-negative, {found} of the hospitals' counts are negative")


def _disclose(y: SharedArray, k: int | None, label: str):
    return None if k is None else _inputs.disclose_counts(y, label, y.shape[0], k)


def _windows(values: SharedArray, lags, start: int) -> SharedArray:
    """``sum_(l in lags) values[t - l]`` for ``t = start .. T - 1`` (local additions)."""
    T = values.shape[0]
    total = None
    for lag in lags:
        part = values[start - lag : T - lag]
        total = part if total is None else total + part
    return total


def _positive_float(value, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite {'non-negative' if allow_zero else 'positive'} number, "
                         f"got {value!r}")
    return float(value)


def ears(counts, method: str = "C1", *, threshold: float | None = None, min_sigma: float = 0.0,
         suppress_small: int | None = None) -> SurveillanceResult:
    """CDC EARS aberration alerts (C1, C2 or C3) of the pooled count series.

    ``counts`` is one SharedArray of integer counts ``(T,)`` (already pooled) or
    ``(hospitals, T)``, or a list of each hospital's shared ``(T,)`` series; they
    are summed on the shares (no communication). ``threshold`` defaults to 3
    (C1, C2) and 2 (C3); ``min_sigma`` is a floor on the baseline standard
    deviation (``surveillance::earsC``'s ``minSigma``).

    Reveals: the alerts (one bit per monitored time point); the number of
    negative counts of the hospitals (0 for valid data, otherwise :class:`DataError`);
    with ``suppress_small=k`` also which pooled counts are below ``k`` and the others.

    Cost (additive sessions, ``T`` time points; a Shamir comparison takes 3
    more rounds): C1 and C2 9 rounds, whatever ``T``: 1 for the squares, 5 for
    one batched comparison, 1 to open the negative count, 1 for the logical
    and, 1 to open the alerts. C3 35 rounds (38 beyond 256 time points): 1 squares,
    5 comparison, 1 to open the negative count, 1 floor on the variance, 14 rsqrt
    (17 beyond 256 time points, :func:`~mpcarray.functions.rsqrt`), 1 product,
    6 for ``max(0, C2 - 1)``, 5 comparison with the threshold, 1 to open.
    ``suppress_small`` adds 7 (5 comparison, 2 openings).

    C1 and C2 are exact while ``(294 b^2 + 86 a^2) N^2 < 2^62`` for the largest
    pooled count ``N`` and ``h = a / b`` (``N`` up to about 6e7 at ``h = 3``);
    C3 computes ``C2`` in fixed point (``rsqrt`` of ``V / 2^u`` and a product, ``u`` from
    :func:`rsqrt_shift`: relative error below 1e-3 while ``V = 42 s^2 <= 2^28``, ``N`` up to
    about 4600, at ``16 <= f <= 20``; at ``f < 16`` while ``V <= 2^(3f - 20)``: ``2^16`` at ``f = 12``),
    so a C3 value within about ``1e-2`` of the threshold may be decided either way. Above
    ``f = 20`` C3 raises :class:`~mpcarray.errors.UnsupportedOperationError` (its intermediates
    would leave the safe range); C1, C2 and the CUSUM run at any ``f``.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> week = np.array([3, 4, 2, 5, 3, 4, 3, 9, 4, 3])
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "hosp_c"], seed=0) as s:
    ...     series = [s.share(week - 1, owner="hosp_a"), s.share(np.ones(10, int), owner="hosp_b")]
    ...     result = mpc.stats.ears(series, method="C1")
    >>> np.flatnonzero(result.alerts).tolist(), result.start
    ([7], 7)
    """
    if method not in _LAGS:
        raise ValueError(f"method must be 'C1', 'C2' or 'C3', got {method!r}")
    h = _THRESHOLD[method] if threshold is None else _positive_float(threshold, "threshold")
    sigma = _positive_float(min_sigma, "min_sigma", allow_zero=True)
    k = _inputs.threshold(suppress_small)
    start = _START[method]
    y, raw = _pooled(counts, start + 1)
    f = y.fixed_point.frac_bits
    if method == "C3" and f > C3_MOST_FRAC_BITS:
        raise UnsupportedOperationError(
            f"EARS C3 needs frac_bits <= {C3_MOST_FRAC_BITS}, got {f}: above, V / 2^u and the ratios "
            f"2^(u/2) d / sqrt(V) leave the safe range 2^(62 - 2f) and alerts would be lost; counts are "
            f"integers, so run the surveillance in a session with frac_bits=16")
    T = y.shape[0]
    first = start - 2 if method == "C3" else start  # C3 needs C2 from two steps earlier
    x = y[first:]
    lags = _LAGS[method]
    S = _windows(y, lags, first)
    d = x * 7 - S
    n = T - first
    # Round 1: y^2, d^2 and S^2 together.
    squares = np.concatenate([y, d, S]) ** 2
    y2, d2, S2 = squares[:T], squares[T : T + n], squares[T + n :]
    V = _windows(y2, lags, first) * 7 - S2  # 42 * sample variance of the baseline
    if method == "C3":
        alerts = _c3_alerts(raw, d, V, h, sigma, start - first)
    else:
        a, b = Fraction(str(h)).numerator, Fraction(str(h)).denominator
        lower = int(np.floor(7 * h * sigma))  # d > 7 h min_sigma <=> d > floor(...) for integers
        margin = d2 * (6 * b * b) - V * (7 * a * a)
        bits = np.concatenate([d - lower, margin, -raw]) > 0
        _check_counts(bits[2 * n :], method)
        alerts = bits[:n] & bits[n : 2 * n]
    opened = alerts.reveal(label=f"EARS {method} alerts").astype(bool)
    result = np.zeros(T, dtype=bool)
    result[start:] = opened[-(T - start):]
    return SurveillanceResult(result, start, method, _disclose(y, k, "pooled counts"))


#: C3's documented domain: ``V = 42 s^2 <= 2^V_BITS`` with relative error ``<= 2^-ACCURACY_BITS`` (~1e-3).
V_BITS, ACCURACY_BITS = 28, 10
#: The most fractional bits C3 runs at: at 21 and more ``V / 2^u`` leaves the safe range before
#: ``V`` reaches ``2^V_BITS`` (at 24 from ``2^14``), and every alert above it is lost.
C3_MOST_FRAC_BITS = 20


def rsqrt_shift(f: int) -> int:
    """``u`` such that C3 takes ``rsqrt(V / 2^u) = 2^(u/2) / sqrt(V)`` for the integer ``V``.

    ``u <= f`` makes ``V / 2^u`` exact and free (the integer times ``2^(f - u)``, read
    with ``f`` fractional bits). rsqrt's result, at least ``2^((u - V_BITS) / 2)``, is
    within a few units ``2^-f`` (``docs/functions.md``), so its relative error is about
    ``sqrt(V) 2^-(f + u/2)``; ``u = V_BITS + 2 ACCURACY_BITS - 2f`` brings it to
    ``2^-ACCURACY_BITS`` at ``V = 2^V_BITS`` with the smallest ``2^(u/2)`` (the ratios
    ``2^(u/2) d / sqrt(V)`` must stay in the range ``2^(62 - 2f)``). 16 at ``f = 16``,
    8 at ``f = 20``; capped at ``f`` (12 at ``f = 12``: 1e-3 while ``V <= 2^(3f - 20)``).
    """
    return min(f, V_BITS + 2 * ACCURACY_BITS - 2 * f)


def _scaled_ratio(d: SharedArray, scaled: SharedArray) -> SharedArray:
    """``2^(u/2) d / sqrt(V)`` from integer ``d`` and ``scaled = V / 2^u`` (fixed point): 17 + 1 rounds.

    Relative error below 1e-3 for ``1 <= V <= 2^28`` at ``f >= 16`` (rsqrt's bound; measured
    7.7e-4 at ``f = 16``, ``tests/test_surveillance.py``; ``tests/test_stats_precision.py`` at 12 to 20).
    """
    return d * rsqrt(scaled)


def _c3_alerts(raw: SharedArray, d: SharedArray, V: SharedArray, h: float, sigma: float, lead: int) -> SharedArray:
    """C3 bits for the time points after the first ``lead`` of ``d``/``V`` (which start 2 earlier)."""
    n = d.shape[0]
    floor = 42.0 * sigma * sigma  # V = 42 s^2
    bound = int(np.floor(floor))
    # One comparison: V above its floor, d > 0 (zero-variance baselines), counts negative.
    bits = np.concatenate([V - bound, d, -raw]) > 0
    above, rising = bits[:n], bits[n : 2 * n]
    _check_counts(bits[2 * n :], "C3")
    u = rsqrt_shift(d.fixed_point.frac_bits)
    unit = 2.0**-u
    if sigma > 0:
        # max(V, 42 sigma^2): V where above the floor, else the (real) floor.
        V_eff = above * (V * unit - floor * unit) + floor * unit
        infinite = None
    else:
        # V = 0: C2 = +inf where d > 0 (flagged), and V = 1 keeps the reciprocal finite.
        both = np.concatenate([above, rising]) * np.concatenate([V, 1 - above])
        V_eff = (both[:n] + 1 - above) * unit
        infinite = both[n:]
    # C2 = q sqrt(6/7) / 2^(u/2) with q = d 2^(u/2) / sqrt(V); the constants move into the bounds:
    # sum max(0, C2 - 1) > h  <=>  sum max(0, q - c) > h c with c = 2^(u/2) sqrt(7/6).
    scale = 2.0 ** (u / 2) * np.sqrt(7.0 / 6.0)
    q = _scaled_ratio(d, V_eff)
    excess = np.maximum(q - scale, 0.0)
    if infinite is not None:
        excess = excess + infinite * (int(np.ceil(h * scale)) + 1)  # an integer factor: no truncation
    total = excess[lead:] + excess[lead - 1 : n - 1] + excess[lead - 2 : n - 2]
    return total > h * scale


def cusum(counts, mean: float, sd: float, *, k: float = 0.5, h: float = 4.0,
          suppress_small: int | None = None) -> SurveillanceResult:
    """One-sided (upper) CUSUM alerts of the pooled count series against a public in-control level.

    ``S_t = max(0, S_(t-1) + (y_t - mean) / sd - k)`` with ``S_(-1) = 0``;
    an alert where ``S_t > h``. ``mean`` and ``sd`` are public (e.g. last
    season's published figures); ``counts`` as in :func:`ears`.

    Reveals: the alerts (one bit per time point); the number of negative
    counts of the hospitals (0 for valid data, otherwise :class:`DataError`); with
    ``suppress_small=k`` also which pooled counts are below ``k`` and the others.

    Cost (additive sessions; a Shamir comparison takes 3 more rounds): 12
    rounds, whatever ``T``: 5 for one comparison of all ``T (T + 1) / 2``
    window sums with their public bounds (and of the counts with 0), 1 to open
    the number of negative counts, 5 for the number of exceeded windows per
    time point against 0, 1 to open. ``suppress_small`` adds 7.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> week = np.array([5, 6, 4, 5, 9, 10, 11, 5])
    >>> with mpc.Session(parties=2, seed=0) as s:
    ...     result = mpc.stats.cusum(s.share(week, owner=0), mean=5.0, sd=1.5)
    >>> result.alerts.astype(int).tolist()
    [0, 0, 0, 0, 0, 1, 1, 1]
    """
    mu = _positive_float(mean, "mean", allow_zero=True)
    sigma = _positive_float(sd, "sd")
    k_ref = _positive_float(k, "k", allow_zero=True)
    h_dec = _positive_float(h, "h", allow_zero=True)
    kk = _inputs.threshold(suppress_small)
    y, raw = _pooled(counts, 1)
    T = y.shape[0]
    ends, begins = np.tril_indices(T)  # window y[begin .. end], all begin <= end
    prefix = np.concatenate([y[:1] * 0, np.cumsum(y)])
    window = prefix[ends + 1] - prefix[begins]
    length = ends - begins + 1
    bound = np.floor(length * (mu + k_ref * sigma) + h_dec * sigma).astype(np.int64)
    m = ends.size
    bits = np.concatenate([window - bound, -raw]) > 0
    _check_counts(bits[m:], "CUSUM")
    per_time = np.cumsum(bits[:m])  # windows are grouped by their end time
    stops = np.cumsum(np.arange(1, T + 1)) - 1
    exceeded = per_time[stops] - np.concatenate([per_time[:1] * 0, per_time[stops[:-1]]])
    alerts = (exceeded > 0).reveal(label="CUSUM alerts").astype(bool)
    return SurveillanceResult(alerts, 0, "CUSUM", _disclose(y, kk, "pooled counts"))
