"""Coefficient tables as statsmodels prints them: z or t statistics, p-values, confidence intervals.

Plaintext only: everything here follows from the coefficients and standard
errors that ``fit`` already revealed, so it reveals nothing more. Two-sided
tests of ``coef = 0``; the t distribution with the residual degrees of freedom
for least squares (statsmodels' ``OLS``), the normal one for logistic regression
(``Logit``).
"""

import numpy as np

from ..errors import ShapeError
from ..lazy_imports import scipy_stats
from ._validation import NotFittedError

__all__ = ["CoefficientTable", "coefficient_table"]


def coefficient_table(params, bse, df_resid=None, alpha: float = 0.05) -> tuple:
    """``(statistic, pvalues, conf_int)`` as statsmodels' ``tvalues``, ``pvalues``, ``conf_int(alpha)``.

    ``df_resid=None`` uses the normal distribution (z), else Student's t.
    Reveals: nothing (plaintext).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    params, bse = np.asarray(params, dtype=np.float64), np.asarray(bse, dtype=np.float64)
    distribution = scipy_stats().norm if df_resid is None else scipy_stats().t(df_resid)
    statistic = params / bse
    quantile = distribution.ppf(1 - alpha / 2)
    return (statistic, 2 * distribution.sf(np.abs(statistic)),
            np.column_stack([params - quantile * bse, params + quantile * bse]))


class CoefficientTable:
    """Mixin: ``summary()`` of a fitted estimator with ``coef_``, ``bse_`` and, with an intercept,
    ``intercept_`` and ``intercept_bse_``; ``_df_resid()`` is None for z statistics."""

    def _df_resid(self):
        return None

    def summary(self, names=None, alpha: float = 0.05) -> "pandas.DataFrame":  # noqa: F821 - imported on use
        """The coefficient table of statsmodels' summary: coef, std err, z or t, P>|z|, [0.025, 0.975].

        Rows ``const`` (with an intercept) then ``names`` (default ``x1 .. xd``, statsmodels'
        names). Needs ``standard_errors=True`` at ``fit``, and pandas (imported here only).

        Reveals: nothing (computed from the revealed ``coef_``, ``intercept_`` and standard errors).
        """
        if getattr(self, "bse_", None) is None:
            raise NotFittedError(f"this {type(self).__name__} has no standard errors: "
                                 "fit it with standard_errors=True first")
        d = self.coef_.shape[0]
        names = [f"x{j + 1}" for j in range(d)] if names is None else [str(name) for name in names]
        if len(names) != d:
            raise ShapeError(f"names has {len(names)} entries for {d} coefficients")
        params, bse = self.coef_, self.bse_
        if self.fit_intercept:
            names = ["const", *names]
            params, bse = np.r_[self.intercept_, params], np.r_[self.intercept_bse_, bse]
        statistic, pvalues, interval = coefficient_table(params, bse, self._df_resid(), alpha)
        letter = "z" if self._df_resid() is None else "t"
        import pandas as pd  # only the table needs it

        return pd.DataFrame({
            "coef": params, "std err": bse, letter: statistic, f"P>|{letter}|": pvalues,
            f"[{alpha / 2:.3f}": interval[:, 0], f"{1 - alpha / 2:.3f}]": interval[:, 1],
        }, index=names)
