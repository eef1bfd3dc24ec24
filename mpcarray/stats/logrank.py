"""The k-group and the stratified logrank test from securely aggregated risk tables.

Per stratum ``s``, group ``g`` and distinct event time ``t_j`` (of all
patients pooled) two exact ring-integer counts are aggregated and opened: the
number at risk ``n_sgj = #{time >= t_j}`` and of events ``d_sgj``. Everything
else is float64 on the opened tables (lifelines' and statsmodels' formulas):
``E_g = Σ d_sj n_sgj / n_sj``,
``V_gh = Σ d_sj (n_sj - d_sj) / (n_sj - 1) · n_sgj / n_sj (δ_gh - n_shj / n_sj)``,
summed over times and strata, and the statistic ``(O - E)^T V^- (O - E)``
on the first ``k - 1`` groups, chi-squared with ``k - 1`` degrees of freedom.
"""

from dataclasses import dataclass

import numpy as np

from ..array import SharedArray
from ..lazy_imports import scipy_stats
from . import _inputs
from .partition import additive, column_maximum
from .survival import _survival_inputs, event_times


@dataclass(frozen=True)
class MultivariateLogrankResult:
    """k-group logrank test (fields as lifelines' ``StatisticalResult``), per group ``observed``/``expected``."""

    test_statistic: float
    p_value: float
    degrees_of_freedom: int
    observed: np.ndarray
    expected: np.ndarray
    levels: np.ndarray
    timeline: np.ndarray


def multivariate_logrank_test(time: SharedArray, event: SharedArray, groups: SharedArray, levels=None, *,
                              strata: SharedArray | None = None, strata_levels=None) -> MultivariateLogrankResult:
    """Logrank test of equal survival in k groups, as ``lifelines.statistics.multivariate_logrank_test``.

    With ``strata`` (shared integer stratum codes), the stratified test: the
    observed-minus-expected counts and their covariance are summed over strata
    (as ``statsmodels.duration.survfunc.survdiff(..., strata=...)`` and R's
    ``survdiff(... + strata(s))``).

    Reveals: the longest follow-up, the distinct event times of all patients
    pooled, the largest group (stratum) code when ``levels`` (``strata_levels``)
    is not given, and per stratum, group and event time the numbers at risk
    and of events (the groups' Kaplan–Meier tables).

    Parameters
    ----------
    time, event : SharedArray (n,)
        Shared integer follow-up times and 0/1 events (as :func:`kaplan_meier`).
    groups : SharedArray of integers (n,)
        Group codes; may be held by another party than the times (e.g. the trial arm).
    levels : sequence of int, optional
        The public group codes; default ``0 .. k - 1`` with ``k - 1`` the largest
        code (then opened).
    strata : SharedArray of integers (n,), optional
        Stratum codes; ``strata_levels`` as ``levels`` (default ``0 .. max``).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> from lifelines.datasets import load_rossi
    >>> rossi = load_rossi()
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"]) as s:
    ...     week = s.share(rossi["week"].to_numpy(), owner="hosp_a")
    ...     arrest = s.share(rossi["arrest"].to_numpy(), owner="hosp_a")
    ...     prior = s.share(np.minimum(rossi["prio"].to_numpy(), 2), owner="hosp_b")  # 0, 1, 2+
    ...     result = mpc.stats.multivariate_logrank_test(week, arrest, prior)
    >>> result.degrees_of_freedom, round(result.test_statistic, 4)
    (2, 6.3555)
    """
    time, event, n = _survival_inputs(time, event)
    _inputs.integers(groups, "groups")
    _inputs.same_length(time=time, groups=groups)
    codes = _codes(groups, levels, "levels")
    arrays = [time, event, groups]
    if strata is not None:
        _inputs.integers(strata, "strata")
        _inputs.same_length(time=time, strata=strata)
        arrays.append(strata)
        stratum_codes = _codes(strata, strata_levels, "strata_levels")
    else:
        stratum_codes = np.zeros(1, dtype=np.int64)
    grid = event_times(time, event)
    tables = _tables(tuple(arrays), grid, codes, stratum_codes)
    opened = tables.reveal(label="logrank risk tables of every group and stratum", cohort=n)
    shape = (2, stratum_codes.size, codes.size, grid.size)
    return _statistic(np.asarray(opened, dtype=np.float64).reshape(shape), codes, grid)


def _codes(x: SharedArray, levels, name: str) -> np.ndarray:
    """Public codes: ``levels`` checked, or ``0 .. max(x)`` (the maximum opened)."""
    if levels is not None:
        codes = _inputs.levels(levels, name)
        if codes.size < 2 and name == "levels":
            raise ValueError("the logrank test needs at least two groups")
        return codes
    largest = int(column_maximum(x).reveal(label=f"largest code ({name})", cohort=x.shape[0]))
    if largest < 1 and name == "levels":
        raise ValueError("the logrank test needs at least two groups (codes 0 .. k - 1)")
    return np.arange(max(largest, 0) + 1)


def _tables(arrays: tuple, grid: np.ndarray, codes: np.ndarray, stratum_codes: np.ndarray) -> SharedArray:
    """Shared counts, shape ``(2 S k, G)``: at risk, then events, per stratum and group."""
    k = codes.size

    def local(t, e, g, s=None):
        member = (g[:, None] == codes).astype(np.int64)
        stratum = np.ones((t.size, 1), dtype=np.int64) if s is None else (s[:, None] == stratum_codes)
        weight = (stratum[:, :, None] * member[:, None, :]).reshape(t.size, -1).astype(np.int64)
        at_least = (t[:, None] >= grid).astype(np.int64)
        died = ((t[:, None] == grid) & (e[:, None] == 1)).astype(np.int64)
        return np.vstack([weight.T @ at_least, weight.T @ died])

    def secure(t, e, g, s=None):
        member = g[:, None] == codes
        if s is None:
            weight = member
        else:
            stratum = s[:, None] == stratum_codes
            weight = (stratum[:, :, None] * member[:, None, :]).reshape(t.shape[0], stratum_codes.size * k)
        at_least = t[:, None] >= grid
        died = (t[:, None] == grid) * e[:, None]
        return np.vstack([weight.T @ at_least, weight.T @ died])

    return additive(arrays, local, secure)


def _statistic(tables: np.ndarray, codes: np.ndarray, grid: np.ndarray) -> MultivariateLogrankResult:
    """The statistic from the opened tables ``(2, S, k, G)``."""
    risk, died = tables
    total_risk, total_died = risk.sum(axis=1, keepdims=True), died.sum(axis=1, keepdims=True)
    share = np.divide(risk, total_risk, out=np.zeros_like(risk), where=total_risk > 0)
    expected = (total_died * share).sum(axis=(0, 2))
    several = total_risk > 1
    factor = np.divide(total_died * (total_risk - total_died), total_risk - 1,
                       out=np.zeros_like(total_risk), where=several)  # (S, 1, G)
    k = codes.size
    covariance = np.einsum("sgj,shj->gh", factor * share, share)
    variance = np.einsum("sgj->g", factor * share)
    V = np.diag(variance) - covariance
    observed = died.sum(axis=(0, 2))
    difference = (observed - expected)[: k - 1]
    statistic = float(difference @ np.linalg.solve(V[: k - 1, : k - 1], difference))
    return MultivariateLogrankResult(statistic, float(scipy_stats().chi2.sf(statistic, k - 1)), k - 1,
                                     observed, expected, codes, grid)
