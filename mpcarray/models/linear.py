"""Ordinary least squares on shared data: ``LinearRegression``."""

import numpy as np

from ..array import SharedArray, primitives
from ..array.blocks import aligned_parts
from ..array.pooled import pooled_least_squares
from ..errors import EncodingError, UnsupportedOperationError
from ..functions.division import relative_divide
from ..functions.roots import relative_sqrt
from . import precision
from ._validation import design, n_features
from .inference import CoefficientTable
from .moments import moments
from .params import EstimatorParams
from .penalty import check_strength, diagonal
from .solver import SPDSolver

#: Refinements of each solve: the column cosines (no intercept) reach κ ~ 1e4, where the
#: approximate inverse only contracts the error by ~0.15 per refinement (Shamir's truncation).
#: With 3 the worst error over seeds 0-3 (both schemes, f = 12 to 24, both layouts, with and
#: without an intercept) stays where 4 left it (``tests/test_precision.py``'s bounds), and the
#: solve (7 rounds, the inverse's last truncation in its first product) fits in the rounds of the
#: solver's check.
REFINEMENTS = 3


class LinearRegression(EstimatorParams, CoefficientTable):
    """Ordinary least squares ``y ≈ X coef_ + intercept_`` on secret-shared rows.

    Parameters
    ----------
    fit_intercept : bool
        Fit an intercept (default). Without one the regression goes through the
        origin (scikit-learn's ``fit_intercept=False``, statsmodels OLS without a
        constant) and ``intercept_`` is ``0.0``.
    standard_errors : bool
        Also compute ``bse_`` (classical OLS standard errors, as statsmodels),
        ``intercept_bse_`` (with an intercept), ``df_resid_`` and ``rsquared_``, and
        allow :meth:`summary` (t statistics, p-values, confidence intervals; with an
        intercept this costs 5 rounds more than ``bse_`` alone). Without an intercept these follow statsmodels' model without
        a constant: ``n - d`` residual degrees of freedom and the *uncentred*
        ``rsquared_ = 1 - RSS / Σ y²``.
    max_condition : float
        Largest condition number of the correlation matrix of ``X`` (without an
        intercept: of the matrix of column cosines ``X^T X`` scaled to a unit
        diagonal) that the solver supports (default ``1e4``); beyond it
        :class:`~mpcarray.models.ConditioningError` is raised.
    method : {"iterative", "exact"}
        ``"iterative"`` (default): the fixed-point solver described below, for any
        layout. ``"exact"``: for rows shared by their owners (each hospital's
        rows one block of ``np.concatenate``), each hospital computes its own
        normal equations on its values rounded to ``2^-41``, and the pooled
        equations are solved exactly behind a random mask
        (:mod:`mpcarray.array.pooled`): 2 rounds (3 with Shamir) instead of
        about 100, and the coefficients of the rounded data exactly. It reveals
        the coefficients as exact fractions, whose common denominator divides
        ``det(D^T D)`` of the pooled rounded design ``D = [1, X]``: an
        aggregate of all rows that rounded coefficients would not disclose (see
        ``docs/models.md``; labels ``"LinearRegression.<name>.exact"``); with ``standard_errors``, ``bse_`` and ``rsquared_``
        follow from exact fractions too (3 rounds, 4 with Shamir). No
        ``max_condition`` check.

    Notes
    -----
    ``X`` is standardised inside (secure means and standard deviations, or each
    hospital's own statistics when the rows are owner-shared blocks, see
    :mod:`mpcarray.models.moments`), and the normal equations of the
    standardised problem are solved by :class:`~mpcarray.models.SPDSolver`.
    Without an intercept the moments are taken about the origin instead (columns
    scaled by their root mean square, not centred).
    Requirements: every column (and ``y``) has a standard deviation (without an
    intercept: root mean square) between about 0.05 and ``min(1e4, 2^(R/2))`` (rescale by a
    public factor otherwise; beyond ``2^(R/2)``, 128 at ``frac_bits=24``, the moments wrap and
    the solver's check raises :class:`~mpcarray.models.ConditioningError`), ``n (x - mean)^2 < 2^(R - 1)`` (without an intercept ``n x^2``)
    per column on the secure path, ``|coef_| < 2^(R - 16)`` and ``|mean| < 2^(R - 16)``,
    with ``R = 62 - 2 frac_bits`` the safe range (30 at the default 16 fractional
    bits), and ``sd_y / sd_j < 2^(R - 9 - h)`` for every column (``2^15`` at 16 fractional bits
    and up to ``2^17`` rows, ``h`` the moments' scale bits): beyond, the factor that scales
    ``coef_j`` back would leave the range, and :class:`~mpcarray.errors.EncodingError` is raised
    (checked in the solver's rounds). ``frac_bits <= 24``, else
    :class:`~mpcarray.errors.UnsupportedOperationError`.

    Reveals: ``coef_`` and, with ``fit_intercept``, ``intercept_`` (each twice: coarse,
    then precise), one bit about the conditioning, one bit: whether every ``sd_y / sd_j`` is
    within range (label ``"LinearRegression: scales"``); with ``standard_errors`` also
    ``bse_``, ``intercept_bse_`` and ``rsquared_``.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> X = np.arange(12.0).reshape(6, 2) ** 0.5
    >>> y = X @ [2.0, -1.0] + 3.0
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"], seed=1) as s:
    ...     Xs = np.concatenate([s.share(X[:3], owner="hosp_a"), s.share(X[3:], owner="hosp_b")])
    ...     ys = np.concatenate([s.share(y[:3], owner="hosp_a"), s.share(y[3:], owner="hosp_b")])
    ...     model = mpc.models.LinearRegression(method="exact").fit(Xs, ys)
    ...     print(np.round(model.coef_, 9), round(model.intercept_, 9), s.comm.rounds)
    [ 2. -1.] 3.0 6
    """

    def __init__(self, fit_intercept: bool = True, standard_errors: bool = False,
                 max_condition: float = 1e4, method: str = "iterative"):
        self.fit_intercept = fit_intercept
        self.standard_errors = standard_errors
        self.max_condition = max_condition
        self.method = method

    def fit(self, X: SharedArray, y: SharedArray) -> "LinearRegression":
        """Fit on shared ``X`` (n, d) and ``y`` (n,). Returns ``self``.

        Reveals: ``coef_``, ``intercept_`` (only with ``fit_intercept``; and ``bse_``,
        ``rsquared_`` with ``standard_errors=True``), labelled ``"LinearRegression.<name>"``.
        """
        X, y = design(X, y)
        if self._exact():
            return self._fit_exact(X, y)
        d = X.shape[1]
        name = type(self).__name__
        # γ is kept at 2^coef_bits (f + coef_bits = 28 fractional bits); 1 / w_y and the
        # intercept, whose factors are larger, at WIDE_FACTOR_BITS fewer (precision.extra_bits)
        coef_bits = precision.extra_bits(precision.model_range_bits(X, "LinearRegression"))
        wide_bits = coef_bits - precision.WIDE_FACTOR_BITS
        stats = moments(X, y, centre=self.fit_intercept)
        penalty = self._penalty(stats, d)
        A, b = stats.gram[:d, :d] + penalty, stats.gram[:d, d]
        # the diagonal is 4^h unless a penalty adds to it: then it is scaled in secret
        diagonal_bits = stats.scale_bits if isinstance(penalty, int) and penalty == 0 else None
        # the Gram diagonal, y's entry included, is 4^h unless a value wrapped the moments:
        # the solver checks it with the conditioning (a column beyond the range at frac_bits=24)
        index = np.arange(d + 1)
        unit = None if diagonal_bits is None else stats.gram[index, index]

        def solve():  # the standardised coefficients * 2^coef_bits, computed in the rounds of the solver's check
            # (not yet truncated to f bits: the reveal's first round truncates them)
            solver = SPDSolver(A, self.max_condition, diagonal_bits=diagonal_bits, unit_diagonal=unit,
                               rhs=(b, coef_bits, REFINEMENTS, False))
            return solver, solver.solution

        # coef_j = gamma_j w_j / w_y: the ratio of scales, with 1 / w_y refined to 2^(h + wide) / w_y
        bits = stats.scale_bits + wide_bits

        def ratio():  # w_j 2^bits / w_y, and its truncations for the coefficients' reveal
            # start: variance * w = 2^h / w to the rsqrt's error (a product, not a reciprocal)
            start = (stats.variance[d] * stats.weight[d]) * 2.0 ** (bits - 2 * stats.scale_bits)
            reciprocal = precision.refined_reciprocal(stats.weight[d], bits, start=start)
            ratios = stats.weight[:d] * reciprocal
            return reciprocal, ratios, precision.product_candidates(ratios, coef_bits + bits)

        def column():  # y's Gram column at f bits (the owner-local Gram matrix is exact), for the standard errors
            return primitives.at_session_bits(stats.gram[:, d]) if self.standard_errors else None

        # the ratio and the check of its range do not depend on the solver: their openings ride in its rounds
        (solver, gamma), (reciprocal, ratios, candidates), truncated, ratios_fit = primitives.concurrently(
            A, solve, ratio, column, lambda: _ratios_in_range(stats, bits, name))
        if not ratios_fit:
            raise EncodingError(
                f"{name}: the outcome's standard deviation is more than 2^{X.fixed_point.range_bits - 1 - bits} times a "
                f"column's, so that column's coefficient leaves the fixed-point range at frac_bits="
                f"{X.fixed_point.frac_bits}: rescale y down or the column up (a change of units) before sharing")

        def publish():
            coef = precision.reveal_product(gamma, ratios, coef_bits + bits, f"{name}.coef_", candidates)
            return coef, _intercept(stats, coef, wide_bits, name) if self.fit_intercept else 0.0

        self.bse_ = self.intercept_bse_ = self.rsquared_ = self.df_resid_ = None
        if not self.standard_errors:
            self.coef_, self.intercept_ = publish()
            return self
        # the standard errors do not depend on the revealed coefficients: both share rounds
        (self.coef_, self.intercept_), _ = primitives.concurrently(
            gamma, publish, lambda: self._standard_errors(stats, solver, truncated, primitives.at_session_bits(gamma),
                                                          (ratios, reciprocal), bits, coef_bits))
        return self

    def _exact(self) -> bool:
        """Whether ``fit`` takes the exact masked solve (``method``, checked)."""
        if self.method not in ("iterative", "exact"):
            raise ValueError(f"method must be 'iterative' or 'exact', got {self.method!r}")
        return self.method == "exact"

    def _fit_exact(self, X: SharedArray, y: SharedArray) -> "LinearRegression":
        """Coefficients (and with ``standard_errors`` their errors and R²) by the exact masked solve
        of the owners' integer normal equations."""
        groups = aligned_parts(X, y)
        if groups is None:
            raise UnsupportedOperationError(
                "method='exact' needs X and y as rows shared by their owners (each hospital's rows one "
                "block of np.concatenate([s.share(X_a, owner=...), ...])); use method='iterative'")
        # labels of their own, so that a policy written for rounded results does not admit exact ones
        name, d = type(self).__name__, X.shape[1]
        labels = {f"{name}.coef_.exact": (d,)} | ({f"{name}.intercept_.exact": ()} if self.fit_intercept else {})
        if self.standard_errors:
            labels |= {f"{name}.bse_.exact": (d + int(self.fit_intercept),), f"{name}.rsquared_.exact": ()}
        fit = pooled_least_squares(groups, self.fit_intercept, labels, rows=(X, y), inference=self.standard_errors,
                                   penalty=self._ridge_alpha())
        start = int(self.fit_intercept)
        self.intercept_ = float(fit.coefficients[0]) if self.fit_intercept else 0.0
        self.coef_ = fit.coefficients[start:]
        self.bse_ = self.intercept_bse_ = self.rsquared_ = self.df_resid_ = None
        if self.standard_errors:
            self.df_resid_ = X.shape[0] - d - start
            errors = np.sqrt(fit.scaled_variances / self.df_resid_)
            self.bse_ = errors[start:]
            self.intercept_bse_ = float(errors[0]) if self.fit_intercept else None
            self.rsquared_ = 1.0 - fit.residual_ratio
        return self

    def _ridge_alpha(self) -> float:
        """The L2 penalty on the coefficients (not the intercept): none for least squares."""
        return 0.0

    def _df_resid(self):
        """Residual degrees of freedom of the t statistics (statsmodels' ``df_resid``)."""
        return self.df_resid_

    def _penalty(self, stats, d: int):
        """What the penalty adds to the standardised Gram matrix: nothing for least squares."""
        return 0

    def _standard_errors(self, stats, solver, column, gamma, scales_y, bits, coef_bits):
        """``bse_`` and ``rsquared_`` from the standardised normal equations (``column``: ``y``'s column
        of the Gram matrix, ``[b, total]``, at the session's ``f`` bits).

        Without an intercept the moments are uncentred, so ``rsquared_`` is the
        uncentred R² ``1 - RSS / Σ y²`` and the residual degrees of freedom are
        ``n - d``, as statsmodels reports for a model without a constant.
        """
        b, total = column[:-1], column[-1]
        d, n = b.shape[0], stats.n
        explained = (b * gamma).sum() * 2.0**-coef_bits  # b·γ = 4^h R^2
        residual = total - explained  # 4^h (1 - R^2)
        dof = n - d - int(self.fit_intercept)
        self.df_resid_ = dof
        h = stats.scale_bits
        identity = b.reshape(-1, 1) * np.zeros((1, d), dtype=np.int64) + np.eye(d, dtype=np.int64) * 4**h
        if self.fit_intercept:  # one more right-hand side: t_j = mean_j / sd_j
            t = (stats.mean[:d] * stats.weight[:d]) * 2.0**-h
            identity = np.hstack([identity, t.reshape(d, 1)])
        # R^-1 2^coef (and R^-1 t 2^(coef - 2h)), with R^2's openings in the same rounds
        solved, rsquared = primitives.concurrently(
            b, lambda: solver.solve(identity, coef_bits, REFINEMENTS), lambda: relative_divide(explained, total))
        self.rsquared_ = float(rsquared.reveal(label="LinearRegression.rsquared_"))
        index = np.arange(d)
        diagonal, scales = solved[index, index], np.full(d, 2.0**-h / dof)
        factors, reciprocal = scales_y  # 2^bits w_j / w_y and 2^bits / w_y
        if self.fit_intercept:
            # Var(intercept) = σ² (1 + t^T R^-1 t) / n: in the units of Var(γ_j), (R^-1)_jj
            # becomes 1 + q (at unit scale, so its public factor carries 2^coef_bits) ...
            q = (t * solved[:, d]).sum() * 2.0 ** (2 * h - coef_bits)
            diagonal = np.concatenate([diagonal, (q + 1).reshape(1)])
            scales = np.append(scales, 2.0 ** (coef_bits - h) / dof)
            # ... and w_j / w_y becomes sd_y = 2^h / w_y
            factors = np.concatenate([factors, (reciprocal * 2**h).reshape(1)])
        # Var(γ_j) 2^coef_bits = (R^-1)_jj 2^coef_bits * residual 4^-h / dof, scaled in two steps
        variance = (diagonal * (residual * 2.0**-h)) * scales
        root = relative_sqrt(variance)  # sd(γ_j) * 2^(coef_bits / 2)
        errors = precision.reveal_product(root, factors, coef_bits / 2 + bits, "LinearRegression.bse_")
        self.bse_ = errors[:d]
        self.intercept_bse_ = float(errors[d]) if self.fit_intercept else None

    def predict(self, X: SharedArray) -> SharedArray:
        """Predictions ``X coef_ + intercept_`` as a SharedArray (the fitted coefficients are public).

        Reveals: nothing.
        """
        n_features(self, X)
        return X @ self.coef_ + self.intercept_

    def score(self, X: SharedArray, y: SharedArray) -> float:
        """Coefficient of determination R² of the predictions on ``(X, y)``.

        Reveals: R² only (label ``"LinearRegression.score"``), to about 1e-3 relative.
        """
        X, y = design(X, y)
        n_features(self, X)
        residual = y - self.predict(X)
        centred = y - y.mean()
        ratio = relative_divide((residual * residual).mean(), (centred * centred).mean())
        return 1.0 - float(ratio.reveal(label="LinearRegression.score"))


class Ridge(LinearRegression):
    """Least squares with an L2 penalty, as scikit-learn's ``Ridge``.

    Minimises ``||y - X coef_ - intercept_||² + alpha ||coef_||²``.

    Parameters
    ----------
    alpha : float
        Penalty strength (positive); the intercept is not penalised.
    fit_intercept, max_condition, method
        As :class:`LinearRegression` (``method="exact"`` adds ``alpha``, as an exact
        fraction, to the owners' pooled normal equations; labels ``"Ridge.<name>.exact"``).

    Notes
    -----
    The normal equations of the standardised problem gain the diagonal
    ``alpha w_j² / n`` (``w_j ≈ 2^h / sd_j``, secret; :mod:`mpcarray.models.penalty`),
    so the diagonal is scaled in secret (Jacobi) and the cost is that of :class:`LinearRegression`
    plus 31 rounds (26 with Shamir; ``tests/test_estimators.py``). Requirements as
    :class:`LinearRegression`. No standard errors (the classical ones do not apply).

    Reveals: ``coef_`` and, with ``fit_intercept``, ``intercept_`` (coarse, then precise),
    one bit about the conditioning, one about the scales (as :class:`LinearRegression`); labels
    ``"Ridge.<name>"``.
    """

    standard_errors = False

    def __init__(self, alpha: float = 1.0, *, fit_intercept: bool = True, max_condition: float = 1e4,
                 method: str = "iterative"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_condition = max_condition
        self.method = method
        check_strength("alpha", alpha)

    def _ridge_alpha(self) -> float:
        return float(check_strength("alpha", self.alpha))

    def _penalty(self, stats, d: int):
        """``diag(alpha w² / n)``, in the Gram matrix's units (``w`` carries its ``2^h``)."""
        alpha = check_strength("alpha", self.alpha)
        return diagonal(stats.weight[:d], alpha / stats.n, 0).reshape(1, d) * np.eye(d, dtype=np.int64)


def _ratios_in_range(stats, bits: int, name: str) -> bool:
    """Reveal whether every ratio of the outcome's scale to a column's, ``w_j 2^bits / w_y`` (formed in the
    ring to scale the coefficients back), stays below ``2^(R - 1)``: beyond, its truncation wraps
    and a coefficient would come out silently wrong.

    Cost: a comparison on the ``d`` weights, their count tested for zero and the reveal: 7 rounds
    (17 with Shamir), in the solver's rounds.
    Reveals: one bit, labelled ``"<name>: scales"``.
    """
    d = stats.weight.shape[0] - 1
    wide = stats.weight[:d] >= stats.weight[d] * 2 ** (stats.weight.fixed_point.range_bits - 1 - bits)  # shared 0/1
    in_range = primitives.is_small_zero(wide.sum(), int(d).bit_length())
    return bool(in_range.reveal(label=f"{name}: scales"))


def _intercept(stats, coef: np.ndarray, intercept_bits: int, name: str) -> float:
    """``mean_y - Σ coef_j mean_j`` from the revealed ``coef``, at scale ``2^intercept_bits``, revealed
    in one round (the product's truncation is the reveal's, :func:`~mpcarray.array.primitives.reveal_dot`)."""
    weights = np.append(-coef, 1.0) * 2.0**intercept_bits
    return primitives.reveal_dot(stats.mean, weights, f"{name}.intercept_") / 2**intercept_bits
