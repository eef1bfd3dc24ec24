"""Contingency tables and the statistics read from them: odds ratios, ROR/PRR signals, chi-squared.

The table is counted inside MPC (one-hot comparisons and one exact integer
matrix product, or each hospital's local table when it holds all the rows it
contributes) and opened; the statistics are then computed from the exact
counts in float64, so they carry no fixed-point error.
"""

from dataclasses import dataclass

import numpy as np

from ..array import SharedArray
from ..lazy_imports import scipy_stats
from . import _inputs
from .partition import additive


def crosstab(a: SharedArray, b: SharedArray, levels_a, levels_b, suppress_small: int | None = None):
    """r x c contingency counts: ``table[i, j] = #{a == levels_a[i] and b == levels_b[j]}``.

    ``a`` and ``b`` are shared integer codes of the same patients; they may come
    from different hospitals (then the table is counted securely).

    Reveals: the table (with ``suppress_small``: which cells are below the
    threshold, and the other cells).
    """
    _inputs.integers(a, "a")
    _inputs.integers(b, "b")
    n = _inputs.same_length(a=a, b=b)
    rows, cols = _inputs.levels(levels_a, "levels_a"), _inputs.levels(levels_b, "levels_b")
    k = _inputs.threshold(suppress_small)

    def local(x, y):
        return ((x[:, None] == rows).T.astype(np.int64) @ (y[:, None] == cols).astype(np.int64))

    def secure(x, y):
        return (x[:, None] == rows).T @ (y[:, None] == cols)

    table = additive((a, b), local, secure)
    return _inputs.disclose_counts(table, "contingency table", n, k)


def _two_by_two(exposure, outcome) -> np.ndarray:
    """``[[a, b], [c, d]]``: rows exposed yes/no, columns outcome yes/no."""
    return crosstab(exposure, outcome, [1, 0], [1, 0])


@dataclass(frozen=True)
class RatioResult:
    """A ratio estimate with its Wald confidence interval on the log scale.

    Floats for one table; arrays (one entry per table) for a stack of tables,
    e.g. :func:`~mpcarray.stats.carrier_odds_ratio` per variant.
    """

    statistic: float | np.ndarray
    ci_low: float | np.ndarray
    ci_high: float | np.ndarray
    table: np.ndarray


def _log_interval(estimate, se, confidence: float):
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    z = scipy_stats().norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.exp(np.log(estimate) - z * se), np.exp(np.log(estimate) + z * se)


def _woolf(table: np.ndarray, confidence: float) -> tuple:
    """Odds ratios ``ad / bc`` of ``[[a, b], [c, d]]`` tables (the last two axes) and Woolf's interval."""
    t = np.asarray(table, dtype=np.float64)
    a, b, c, d = t[..., 0, 0], t[..., 0, 1], t[..., 1, 0], t[..., 1, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = a * d / (b * c)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return (estimate, *_log_interval(estimate, se, confidence))


def _odds(table: np.ndarray, confidence: float) -> RatioResult:
    estimate, low, high = _woolf(table, confidence)
    return RatioResult(float(estimate), float(low), float(high), table)


def odds_ratio(exposure: SharedArray, outcome: SharedArray, confidence: float = 0.95) -> RatioResult:
    """Odds ratio ``ad / bc`` of a 0/1 outcome between exposed and unexposed, Woolf's interval.

    Matches ``statsmodels...Table2x2(table, shift_zeros=False).oddsratio`` and ``oddsratio_confint``.
    Cells of zero give infinite or undefined estimates, as in the plaintext formula (statsmodels'
    default ``shift_zeros=True`` adds 0.5 to every cell of such a table instead).

    Reveals: the 2 x 2 table ``[[a, b], [c, d]]`` (the estimate is computed from it).
    """
    return _odds(_two_by_two(exposure, outcome), confidence)


def reporting_odds_ratio(drug: SharedArray, event: SharedArray, confidence: float = 0.95) -> RatioResult:
    """Reporting odds ratio of an adverse event for a drug, from 0/1 flags per spontaneous report.

    ``ROR = (a / b) / (c / d)`` with a = drug and event, b = drug without the
    event, c = other drugs with the event, d = neither; Woolf's interval.

    Reveals: the 2 x 2 table of report counts.
    """
    return _odds(_two_by_two(drug, event), confidence)


def proportional_reporting_ratio(drug: SharedArray, event: SharedArray,
                                 confidence: float = 0.95) -> RatioResult:
    """Proportional reporting ratio ``(a / (a + b)) / (c / (c + d))`` with its log-scale interval.

    The interval uses ``se = sqrt(1/a - 1/(a+b) + 1/c - 1/(c+d))`` (Evans et al. 2001),
    as statsmodels' ``Table2x2.riskratio_confint``.

    Reveals: the 2 x 2 table of report counts.
    """
    table = _two_by_two(drug, event)
    (a, b), (c, d) = table.astype(np.float64)
    estimate = (a / (a + b)) / (c / (c + d))
    se = np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    low, high = _log_interval(estimate, se, confidence)
    return RatioResult(float(estimate), float(low), float(high), table)


@dataclass(frozen=True)
class Chi2Result:
    """Pearson's chi-squared test of independence (fields as ``scipy.stats.chi2_contingency``)."""

    statistic: float
    pvalue: float
    dof: int
    expected_freq: np.ndarray
    table: np.ndarray


def chi2_test(a: SharedArray, b: SharedArray, levels_a, levels_b, correction: bool = True) -> Chi2Result:
    """Chi-squared test of independence of two shared categorical variables.

    With ``correction`` (the SciPy default) Yates' continuity correction is
    applied when the table has one degree of freedom.

    Reveals: the r x c contingency table (the test is computed from it).
    """
    table = crosstab(a, b, levels_a, levels_b).astype(np.float64)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if np.any(expected == 0):
        raise ValueError("a row or column of the table is empty: the expected counts contain zeros")
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    deviation = np.abs(table - expected)
    if correction and dof == 1:
        deviation = np.maximum(deviation - 0.5, 0.0)
    statistic = float(np.sum(deviation**2 / expected))
    pvalue = float(scipy_stats().chi2.sf(statistic, dof)) if dof else 1.0
    return Chi2Result(statistic, pvalue, dof, expected, table.astype(np.int64))
