"""Clinical statistics on SharedArrays, with NumPy/SciPy/lifelines names.

Every function takes SharedArrays (one hospital's ``s.share(...)`` or the
``np.concatenate`` of several hospitals' rows, or the ``np.hstack`` of their
columns), computes inside MPC and returns NumPy results. Each docstring has a
``Reveals:`` line stating exactly what is opened; every opening carries a
label (and the cohort size where known) for the parties' policies and the
audit log. When an input is the row-wise concatenation of hospitals' own
shares, each hospital aggregates its rows locally first (owner-local
evaluation, DESIGN.md §5); results agree with the secure path within the
fixed-point error documented in ``docs/statistics.md``.
"""

from .anomaly import anomaly_flags, mahalanobis, zscore
from .cohort import cohort_count
from .counting import counts, histogram, proportions
from .descriptive import corrcoef, cov, mean, std, var
from .genetics import (
    AllelicResult,
    TrendResult,
    allelic_test,
    carrier_odds_ratio,
    genotype_tables,
    trend_test,
)
from .logrank import MultivariateLogrankResult, multivariate_logrank_test
from .order import median, quantile
from .scaling import scale_exponents
from .surveillance import SurveillanceResult, cusum, ears
from .survival import KaplanMeier, LogrankResult, kaplan_meier, logrank_test
from .tables import (
    Chi2Result,
    RatioResult,
    chi2_test,
    crosstab,
    odds_ratio,
    proportional_reporting_ratio,
    reporting_odds_ratio,
)

__all__ = [
    "AllelicResult",
    "Chi2Result",
    "KaplanMeier",
    "LogrankResult",
    "MultivariateLogrankResult",
    "RatioResult",
    "SurveillanceResult",
    "TrendResult",
    "allelic_test",
    "anomaly_flags",
    "carrier_odds_ratio",
    "chi2_test",
    "cohort_count",
    "corrcoef",
    "counts",
    "cov",
    "crosstab",
    "cusum",
    "ears",
    "genotype_tables",
    "histogram",
    "kaplan_meier",
    "logrank_test",
    "mahalanobis",
    "mean",
    "median",
    "multivariate_logrank_test",
    "odds_ratio",
    "proportional_reporting_ratio",
    "proportions",
    "quantile",
    "reporting_odds_ratio",
    "scale_exponents",
    "std",
    "trend_test",
    "var",
    "zscore",
]
