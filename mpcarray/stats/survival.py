"""Kaplan–Meier curves and the logrank test from securely aggregated risk tables.

Timeline. With ``timeline=None`` times must be shared integers (days, weeks):
the longest follow-up ``T`` is opened, events are counted on the public grid
``0..T`` and only which grid points carry at least one event is opened, i.e.
the distinct event times (the union over hospitals, without saying which
hospital or how many). A public ``timeline`` (any increasing grid) reveals
neither; then ``events[g]`` counts the events in ``(t_(g-1), t_g]``. The curve
equals the Kaplan–Meier estimate when the grid contains every event time; on a
coarser grid it is the product-limit estimate of the events grouped by interval.

Per timeline point ``t_g``, three exact ring-integer counts are aggregated
(each hospital's own counts when the rows are owner-held, comparisons inside
MPC otherwise): ``#{time >= t_g}``, ``#{time <= t_g}`` and
``#{time <= t_g, event}``; at risk, events and censored follow linearly, and
the product-limit estimate is computed from the opened counts in float64.
"""

from dataclasses import dataclass

import numpy as np

from ..array import SharedArray, lineage, owner_local_or_secure
from ..array.blocks import aligned_parts, local_terms
from ..errors import DataError, UnsupportedOperationError
from ..lazy_imports import scipy_stats
from . import _inputs
from .partition import additive, column_maximum


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan–Meier estimate: ``survival[g]`` is S(t) just after ``timeline[g]``.

    ``at_risk``, ``events`` and ``censored`` are masked arrays when counts were suppressed.
    """

    timeline: np.ndarray
    survival: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray

    def confidence_interval(self, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
        """Pointwise ``1 - alpha`` bounds ``(lower, upper)`` for ``survival``, as lifelines computes them.

        Exponential Greenwood (log(-log)) intervals from the opened table alone,
        so they reveal nothing more: with ``V = sum d / (n (n - d))`` over the
        steps so far (0 where ``n = d``) and ``v = log S``, the bounds are
        ``exp(-exp(log(-v) -/+ z sqrt(V) / v))``, and 1 where ``S = 1``.
        Masked where ``survival`` is masked.
        """
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
        z = scipy_stats().norm.ppf(1 - alpha / 2)
        n = np.ma.filled(self.at_risk, 1).astype(np.float64)
        d = np.ma.filled(self.events, 0).astype(np.float64)
        survivors = n - d
        step = np.divide(d, n * survivors, out=np.zeros_like(d), where=survivors > 0)
        spread = z * np.sqrt(np.cumsum(step))
        v = np.log(np.ma.filled(self.survival, 1.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            bounds = [np.exp(-np.exp(np.log(-v) + sign * spread / v)) for sign in (-1.0, 1.0)]
        bounds = [np.where(np.isnan(b), 1.0, b) for b in bounds]
        mask = np.ma.getmask(self.survival)
        return tuple(np.ma.masked_array(b, mask=mask) if mask is not np.ma.nomask else b for b in bounds)


def kaplan_meier(time: SharedArray, event: SharedArray, timeline=None,
                 suppress_small: int | None = None) -> KaplanMeier:
    """Product-limit survival curve, as ``lifelines.KaplanMeierFitter().fit(time, event)``.

    Reveals: without ``timeline``, the longest follow-up time and the set of
    distinct event times; then at every timeline point the numbers at risk,
    of events and of censorings (what a Kaplan–Meier table prints).

    Parameters
    ----------
    time : SharedArray, shape (n,)
        Follow-up times (shared integers for ``timeline=None``, or reals).
    event : SharedArray of 0/1 integers, shape (n,)
        1 = event observed, 0 = censored.
    timeline : array_like, optional
        Public increasing grid to evaluate at; default the distinct event times.
    suppress_small : int, optional
        Open each count only when it is at least this large (masked otherwise);
        the survival is then masked from the first step whose counts are hidden.
    """
    time, event, n = _survival_inputs(time, event)
    k = _inputs.threshold(suppress_small)
    grid = event_times(time, event) if timeline is None else _inputs.increasing(timeline, "timeline")
    at_risk, events, censored = risk_table(time, event, grid)
    if k is None:
        opened = np.stack([at_risk, events, censored]).reveal(label="Kaplan-Meier risk table", cohort=n)
    else:
        opened = [_inputs.disclose_counts(c, f"Kaplan-Meier {name}", n, k)
                  for c, name in ((at_risk, "at risk"), (events, "events"), (censored, "censored"))]
    at_risk, events, censored = opened
    return KaplanMeier(grid, _product_limit(at_risk, events), at_risk, events, censored)


def _product_limit(at_risk, events) -> np.ndarray:
    """``prod (1 - d / n)``; masked from the first step whose counts are masked."""
    hidden = np.logical_or.accumulate(np.ma.getmaskarray(at_risk) | np.ma.getmaskarray(events))
    n, d = np.ma.filled(at_risk, 1).astype(np.float64), np.ma.filled(events, 0).astype(np.float64)
    survival = np.cumprod(np.where(n > 0, 1.0 - d / np.maximum(n, 1.0), 1.0))
    return np.ma.masked_array(survival, mask=hidden) if hidden.any() else survival


@dataclass(frozen=True)
class LogrankResult:
    """Two-group logrank test (fields as ``lifelines.statistics.logrank_test``)."""

    test_statistic: float
    p_value: float
    observed: tuple
    expected: tuple
    timeline: np.ndarray


def logrank_test(time_a: SharedArray, event_a: SharedArray, time_b: SharedArray | None = None,
                 event_b: SharedArray | None = None, *, group: SharedArray | None = None,
                 strata: SharedArray | None = None, strata_levels=None) -> LogrankResult:
    """Logrank test of equal survival in two groups, as ``lifelines.statistics.logrank_test``.

    Give the groups as separate arrays ``(time_a, event_a, time_b, event_b)``,
    or all patients ``(time, event)`` with a shared 0/1 ``group`` indicator
    (1 = group a), which may be held by another party (e.g. the trial arm).
    The timeline is the union of the distinct event times (integer times, as
    :func:`kaplan_meier`); the statistic ``(O_a - E_a)^2 / V`` with
    hypergeometric variance is computed in float64 from the opened risk
    tables. p-value from chi-squared with 1 dof.

    With ``strata`` (shared integer stratum codes, with ``group``) the
    stratified logrank test, as
    :func:`~mpcarray.stats.multivariate_logrank_test` with ``levels=[1, 0]``.

    Reveals: the longest follow-up, the distinct event times of the pooled
    groups, and per time the numbers at risk and of events in each group (the
    two Kaplan–Meier tables; with ``strata``, per stratum, and the largest
    stratum code unless ``strata_levels`` is given).
    """
    if strata is not None:
        if group is None:
            raise TypeError("strata needs the group form: logrank_test(time, event, group=g, strata=s)")
        from .logrank import multivariate_logrank_test  # the k-group test builds on this module

        result = multivariate_logrank_test(time_a, event_a, group, levels=[1, 0], strata=strata,
                                           strata_levels=strata_levels)
        return LogrankResult(result.test_statistic, result.p_value, tuple(result.observed.tolist()),
                             tuple(result.expected.tolist()), result.timeline)
    if group is None:
        if time_b is None or event_b is None:
            raise TypeError("logrank_test needs time_b and event_b, or a group indicator")
        time_a, event_a, n_a = _survival_inputs(time_a, event_a, "_a")
        time_b, event_b, n_b = _survival_inputs(time_b, event_b, "_b")
        grid = event_times(np.concatenate([time_a, time_b]), np.concatenate([event_a, event_b]))
        first, second = (risk_table(t, e, grid)[:2] for t, e in ((time_a, event_a), (time_b, event_b)))
    else:
        if time_b is not None or event_b is not None:
            raise TypeError("give either time_b and event_b or group, not both")
        time, event, n_a = _survival_inputs(time_a, event_a)
        _inputs.integers(group, "group")
        _inputs.same_length(time=time, group=group)
        grid = event_times(time, event)
        first = risk_table(time, event, grid, group)[:2]
        second = [total - part for total, part in zip(risk_table(time, event, grid)[:2], first)]
    n = n_a if group is not None else n_a + n_b
    opened = np.stack([*first, *second]).reveal(label="logrank risk tables of both groups", cohort=n)
    return _logrank(*opened.astype(np.float64), grid)


def _logrank(risk_a, died_a, risk_b, died_b, grid) -> LogrankResult:
    """The logrank statistic from the two groups' numbers at risk and of events per time."""
    risk, died = risk_a + risk_b, died_a + died_b
    valid = risk > 0
    expected_a = np.sum(died[valid] * risk_a[valid] / risk[valid])
    several = risk > 1
    share_a = risk_a[several] / risk[several]
    variance = np.sum(died[several] * share_a * (1 - share_a) * (risk[several] - died[several])
                      / (risk[several] - 1))
    statistic = float((died_a.sum() - expected_a) ** 2 / variance)
    return LogrankResult(statistic, float(scipy_stats().chi2.sf(statistic, 1)),
                         (float(died_a.sum()), float(died_b.sum())),
                         (float(expected_a), float(died.sum() - expected_a)), grid)


def _survival_inputs(time, event, suffix=""):
    _inputs.shared(time, f"time{suffix}", ndim=(1,))
    _inputs.integers(event, f"event{suffix}")
    n = _inputs.same_length(**{f"time{suffix}": time, f"event{suffix}": event})
    return time, event, n


def event_times(time: SharedArray, event: SharedArray) -> np.ndarray:
    """The distinct event times, for shared non-negative integer times (e.g. days since diagnosis).

    Reveals: the longest follow-up time (one patient's value: its lineage counts
    one record, so a ``min_cohort`` policy refuses it; pass a public timeline
    instead) and the set of distinct event times.
    """
    if time.frac_bits:
        raise UnsupportedOperationError(
            "timeline=None needs shared integer times (e.g. days); pass a public timeline for real times")
    n = time.shape[0]
    longest = int(column_maximum(time).reveal(label="longest follow-up time", cohort=n))
    grid = np.arange(longest + 1)

    def local(t, e):
        return np.bincount(t[e == 1], minlength=grid.size)[: grid.size].astype(np.int64)

    def secure(t, e):
        return ((t[:, None] == grid) * e[:, None]).sum(axis=0)

    per_time = additive((time, event), local, secure)
    has_event = (per_time > 0).reveal(label="distinct event times", cohort=n).astype(bool)
    return grid[has_event]


def risk_table(time: SharedArray, event: SharedArray, grid: np.ndarray, weight: SharedArray | None = None):
    """Shared at-risk, event and censoring counts at each grid point (see the module docstring).

    With a shared 0/1 ``weight`` only the rows whose weight is 1 are counted.
    """

    def local(t, e, w=None):
        if w is not None:
            t, e = t[w == 1], e[w == 1]
        ordered, events = np.sort(t), np.sort(t[e == 1])
        return np.stack([len(t) - np.searchsorted(ordered, grid, "left"),
                         np.searchsorted(ordered, grid, "right"),
                         np.searchsorted(events, grid, "right")]).astype(np.int64)

    def secure(t, e, w=None):
        at_least = t[:, None] >= grid
        at_most = t[:, None] <= grid
        if w is None:
            return np.stack([at_least.sum(axis=0), at_most.sum(axis=0), e @ at_most])
        return np.stack([w @ at_least, w @ at_most, (e * w) @ at_most])

    arrays = (time, event) if weight is None else (time, event, weight)
    at_risk, ended, died = additive(arrays, local, secure)
    events, ended_here = _steps(died), _steps(ended)
    return at_risk, events, ended_here - events


def _steps(cumulative: SharedArray) -> SharedArray:
    """Increments of a cumulative count along the grid (the first one is the count itself)."""
    return cumulative - np.concatenate([np.zeros(1, dtype=np.int64), cumulative[:-1]])


def event_counts(time: SharedArray, event: SharedArray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct event times and the number of events at each, for shared integer times.

    Reveals: the longest follow-up time, the distinct event times and the
    number of events at each (the ``events`` column of a Kaplan–Meier table).
    """
    grid = event_times(time, event)
    died = risk_table(time, event, grid)[1]
    counts = died.reveal(label="number of events at each event time", cohort=time.shape[0])
    return grid, np.asarray(counts, dtype=np.int64)


def event_counts_on(time: SharedArray, event: SharedArray, timeline) -> tuple:
    """The event times among a public ``timeline``, the events at each and :func:`risk_set_indicators`.

    The events at every timeline point and their total open together: if the total
    exceeds their sum, an event lies off the timeline (its tied-event sum would be lost)
    and :class:`~mpcarray.errors.DataError` is raised.

    Reveals: the number of events at every timeline point and in all (not the longest
    follow-up time, which :func:`event_counts` opens).
    """
    grid = _inputs.increasing(timeline, "timeline")
    indicators = risk_set_indicators(time, event, grid)  # (n, 2G) 0/1
    G, n = grid.size, time.shape[0]
    counts = np.concatenate([indicators[:, G:].sum(axis=0), event.sum().reshape(1)])
    opened = np.asarray(counts.reveal(label="number of events at each timeline time", cohort=n), dtype=np.int64)
    deaths, total = opened[:G], int(opened[G])
    if deaths.sum() != total:
        raise DataError(f"{total - int(deaths.sum())} of {total} events lie at times missing from the timeline; "
                        "the timeline must contain every event time")
    keep = deaths > 0
    return grid[keep], deaths[keep], indicators[:, np.concatenate([keep, keep])]


def risk_set_indicators(time: SharedArray, event: SharedArray, grid: np.ndarray) -> SharedArray:
    """Per row, shared 0/1 indicators ``[time >= t_g | time == t_g and event]``, shape ``(n, 2 G)``.

    The first ``G`` columns say which risk sets a row belongs to, the last
    ``G`` at which grid time it is an event: ``indicators.T @ values`` then
    gives every risk-set sum and every tied-event sum in one product. Owner-held
    rows are indicated by their hospital in plaintext (and shared); otherwise by
    comparisons inside MPC (5 rounds for the risk sets and the ties together, and one product).

    Reveals: nothing.
    """

    def local(t, e):
        return np.hstack([t[:, None] >= grid, (t[:, None] == grid) & (e[:, None] == 1)]).astype(np.int64)

    def secure():
        at_least = time[:, None] >= grid
        tied = time[:, None] == grid
        return np.hstack([at_least, tied * event[:, None]])

    groups = aligned_parts(time, event)
    if groups is None:
        return secure()
    indicators = owner_local_or_secure(lambda: np.concatenate(local_terms(groups, local)), secure)
    lineage.stamp_unknown(indicators, lambda shape: lineage.per_row(shape, time, event))  # owner-local rows
    return indicators
