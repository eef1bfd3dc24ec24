"""Logistic regression on shared data: ``LogisticRegression`` (Newton/IRLS or gradient descent)."""

import numpy as np

from ..array import SharedArray, primitives
from ..array.promotion import INT
from ..functions import sigmoid
from ..functions.roots import relative_sqrt
from . import precision
from ._validation import ConditioningError, design, n_features
from .convergence import check_converged
from .inference import CoefficientTable
from .moments import standardize
from .params import EstimatorParams
from .penalty import check_strength, diagonal
from .solver import SPDSolver

#: The iterates' log-odds ``Z γ`` are larger than the linear model's Gram products, so
#: ``γ`` keeps this many bits fewer than :func:`~.precision.extra_bits` (10 at ``f = 16``).
LOG_ODDS_BITS = 2
METHODS = ("newton", "gd")
PENALTIES = ("l2", None)
#: Refinements of the standard errors' solve against the precise Hessian.
REFINEMENTS = 2


class LogisticRegression(EstimatorParams, CoefficientTable):
    """Logistic regression ``P(y = 1) = sigmoid(X coef_ + intercept_)``, as scikit-learn's.

    Parameters
    ----------
    penalty : {"l2", None}
        ``"l2"`` (scikit-learn's default) minimises ``C Σ_i log-loss_i + ||coef_||² / 2``
        (the intercept is not penalised); ``None`` gives the maximum-likelihood fit
        (statsmodels' ``Logit``), which does not exist on separable classes.
    C : float
        Inverse penalty strength (default 1.0, as scikit-learn).
    fit_intercept : bool
        Fit an intercept (default). Without one the log-odds go through the origin
        (scikit-learn's ``fit_intercept=False``, statsmodels Logit without a
        constant) and ``intercept_`` is ``0.0``.
    max_iter : int
        Number of iterations, all run (a stopping test would reveal progress).
    tol : float or None
        After the last iteration one bit is revealed: whether every component of
        the last step, in standardised units (``coef_j sd_j``), is at most ``tol``;
        if not, :class:`~mpcarray.ConvergenceWarning` is raised (separable classes
        without a penalty, or too few iterations). ``None`` skips the check (and its
        7 rounds; 17 with Shamir). The fit's own rounding moves the last Newton step by about 1e-4.
        Without a penalty, separable classes can also make a Newton system singular: then
        :class:`~mpcarray.models.ConditioningError` is raised, saying so and suggesting ``penalty="l2"``.
    method : {"newton", "gd"}
        ``"newton"``: iteratively reweighted least squares; each step solves
        ``H δ = g`` with :class:`~mpcarray.models.SPDSolver` (about 10 steps
        converge on well-separated clinical data). ``"gd"``: gradient descent
        with step ``learning_rate`` on the standardised problem.
    learning_rate : float
        Step size of ``"gd"``.
    max_condition : float
        Largest condition number of each Newton system (Jacobi-scaled).
    standard_errors : bool
        Also compute ``bse_`` and ``intercept_bse_`` (statsmodels ``Logit``'s ``bse``,
        from the inverse Hessian at the last Newton step; needs ``penalty=None`` and
        ``method="newton"``) and allow :meth:`summary`.

    Attributes
    ----------
    coef_, intercept_ : the fitted coefficients (revealed).
    converged_ : bool or None
        The revealed convergence bit (``None`` with ``tol=None``).

    Notes
    -----
    ``X`` is standardised inside with secure means and standard deviations
    (Newton's iterates do not depend on this affine change of variables; without
    an intercept the columns are only scaled, by their root mean square, since
    centring would move the origin), the iterates stay shared, and only the
    final coefficients are revealed. The library sigmoid has absolute error
    below 3e-5 and saturates at ``|z| = 15.25`` at 16 fractional bits (``sigmoid(-15.25) <= 2^-22``), which
    changes Newton steps by far less than the fixed-point resolution. ``y`` must hold 0/1 values (not checked: that would
    reveal it). Requirements as for :class:`~mpcarray.models.LinearRegression`
    on the column scales; ``|X coef_ + intercept_| < 2^((R + 2) / 2)`` at every iterate
    (``2^16`` at 16 fractional bits, ``R = 62 - 2 frac_bits``).

    Newton steps solve ``H δ = g`` without refinement (the iteration's fixed point
    ``g = 0`` does not depend on the inverse's accuracy), the first (unpenalised)
    with the public scaling of ``H = Z^T Z / 4n`` (unit diagonal up to the factor
    1/4), the others warm-started; in additive sessions the Hessian's weights are truncated
    in the opening of their product with the features and the gradient runs beside it (5
    rounds, :func:`_hessian_and_gradient`), in Shamir sessions both share one product.
    Cost (exact, ``tests/test_model_rounds.py``): 334 rounds for 10
    Newton steps on 8 breast-cancer features, 166 for 10 ``"gd"`` epochs on 30
    (``penalty=None, tol=None``); each sigmoid is 10 of them (``docs/functions.md``).

    The L2 penalty ``λ ||coef_||² / 2`` (``λ = 1 / (n C)`` per row) is
    ``λ Σ_j w_j² γ_j² / 2`` in the standardised coefficients ``γ_j = coef_j / w_j``;
    its gradient comes out of the product that forms the log-odds (``d`` more
    rows), and ``diag(λ w²)`` is added to each Hessian, so it costs 22 rounds once (26 with
    Shamir: :func:`~mpcarray.models.penalty.diagonal`, one truncation, and the first Hessian's
    secret Jacobi scaling, since the penalty changes its public diagonal) and none per iteration.

    Reveals: ``coef_`` and, with ``fit_intercept``, ``intercept_`` (coarse, then
    precise), per Newton step one or two bits about the conditioning of the
    Hessian (whether the warm-started solver converged, and if not whether a cold
    start did), with ``tol`` one bit: whether the fit converged, and with
    ``standard_errors`` ``bse_`` and ``intercept_bse_`` (coarse, then precise).
    """

    def __init__(self, penalty: str | None = "l2", *, C: float = 1.0, fit_intercept: bool = True,
                 max_iter: int = 10, tol: float | None = 1e-3, method: str = "newton",
                 learning_rate: float = 1.0, max_condition: float = 1e4, standard_errors: bool = False):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.method = method
        self.learning_rate = learning_rate
        self.max_condition = max_condition
        self.standard_errors = standard_errors
        self._check_params()

    def _check_params(self) -> None:
        """Refuse bad parameters (at construction and again at ``fit``, after ``set_params``)."""
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {PENALTIES}, got {self.penalty!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        check_strength("C", self.C)
        if self.tol is not None:
            check_strength("tol", self.tol)
        if self.standard_errors and (self.penalty is not None or self.method != "newton"):
            raise ValueError("standard_errors are those of the maximum-likelihood Newton fit: "
                             "use penalty=None and method='newton'")

    def fit(self, X: SharedArray, y: SharedArray) -> "LogisticRegression":
        """Fit on shared ``X`` (n, d) and 0/1 ``y`` (n,). Returns ``self``.

        Reveals: ``coef_`` and ``intercept_`` (only with ``fit_intercept``; labels
        ``"LogisticRegression.<name>"``), and one or two conditioning bits per Newton step.
        """
        self._check_params()
        X, y = design(X, y)
        n = X.shape[0]
        # γ is kept as γ 2^coef_bits (f + coef_bits = 26 fractional bits); |Z γ| 2^coef_bits stays
        # in range while |Z γ| < 2^(R - coef_bits) (2^20 at f = 16)
        coef_bits = precision.extra_bits(precision.model_range_bits(X, "LogisticRegression")) - LOG_ODDS_BITS
        intercept_bits = coef_bits + LOG_ODDS_BITS - precision.WIDE_FACTOR_BITS
        # without an intercept the features are scaled but not centred (centring moves the origin)
        standardised, mean, weight = standardize(X, centre=self.fit_intercept)
        Z = np.hstack([np.ones((n, 1)), standardised]) if self.fit_intercept else standardised
        rows, ridge = _penalised(Z, weight, self, n, coef_bits)
        gamma = None  # γ * 2^coef_bits, shared throughout
        solver = None
        for _ in range(int(self.max_iter)):
            # one product gives the log-odds Z γ and, in its last rows, the penalty's gradient
            # λ w² γ; γ is read at 2^-coef_bits, so the product's one truncation also rescales
            scores = None if gamma is None else rows @ primitives.relabel(gamma, gamma.frac_bits + coef_bits)
            p = (y * 0 + 0.5) if scores is None else sigmoid(scores[:n])
            # the gradient keeps coef_bits extra bits: its rounding error would otherwise be
            # amplified by the inverse Hessian into the last digits of the coefficients
            if self.method == "newton":
                hessian, gradient = _hessian_and_gradient(Z, p, y, coef_bits)
                if ridge is not None:
                    hessian = hessian + ridge
                # at p = 1/2 the Hessian is Z^T Z / 4n, whose diagonal is 1/4 = 4^-1: public
                # scaling (a penalty adds to the diagonal, so then it is scaled in secret)
                public = gamma is None and ridge is None
                if ridge is not None and scores is not None:
                    gradient = gradient - scores[n:]
                # no refinement: Newton's fixed point H^-1 g = 0 does not depend on the inverse's
                # accuracy; the step is solved in the rounds of the solver's conditioning check
                solver = _newton_solver(self, hessian, solver, -1 if public else None, (gradient, 0, 0))
                step = solver.solution
            else:  # the learning rate joins the gradient's one public scaling
                step = Z.T @ (y - p) * (2.0**coef_bits * self.learning_rate / n)
                if ridge is not None and scores is not None:
                    step = step - scores[n:] * self.learning_rate
            gamma = step if gamma is None else gamma + step
        self.converged_ = None if self.tol is None else check_converged(
            step, self.tol, 2**coef_bits, "LogisticRegression: converged",
            "the classes may be separable (use penalty='l2') or max_iter too small")
        # coef_j = γ_j w_j; intercept = γ_0 - Σ coef_j mean_j, both revealed with extended precision
        first = int(self.fit_intercept)
        self.coef_ = precision.reveal_product(gamma[first:], weight, coef_bits, "LogisticRegression.coef_")
        if self.fit_intercept:
            self.intercept_ = _intercept(gamma[0], self.coef_, mean, coef_bits, intercept_bits)
        else:
            self.intercept_ = 0.0
        self.bse_ = self.intercept_bse_ = None
        if self.standard_errors:
            self.bse_, self.intercept_bse_ = _standard_errors(solver, Z, p, weight, mean, coef_bits)
        return self

    def decision_function(self, X: SharedArray) -> SharedArray:
        """Shared log-odds ``X coef_ + intercept_``. Reveals: nothing."""
        n_features(self, X)
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X: SharedArray) -> SharedArray:
        """Shared probabilities of class 1, shape (n,) (scikit-learn's column 1). Reveals: nothing."""
        return sigmoid(self.decision_function(X))

    def predict(self, X: SharedArray) -> SharedArray:
        """Shared 0/1 class labels (log-odds > 0). Reveals: nothing."""
        return self.decision_function(X) > 0


def _hessian_and_gradient(Z: SharedArray, p: SharedArray, y: SharedArray, coef_bits: int):
    """``(Z^T diag(p (1 - p)) Z / n, Z^T (y - p) 2^coef_bits / n)`` at the session's ``f`` bits.

    The Hessian takes 5 rounds in additive sessions, and the gradient its 3 beside them: the
    exact ``w = p (1 - p)``; ``Z^T diag(w / n)``, with ``w / n`` truncated in the product's
    opening (:func:`~mpcarray.array.primitives.truncated_scaling`) to ``f + t`` fractional bits
    (``2^t >= 4n``, so that it keeps ``f`` significant bits); that product's truncation; the
    exact ``Z^T diag(w / n) Z``; its truncation. ``1 / n`` is the integer ``round(2^K / n)`` of
    ``63 - 2f`` bits, which scales the Hessian by ``1 + ε``, ``|ε| < 2^(2f - 63)``: the Newton
    step's length, not its fixed point (the gradient is exact). Where a product and its
    truncation take one round (Shamir sessions), or where ``2f + t > 62`` (the exact Hessian would
    leave the ring: ``n > 2^13`` at ``f = 24``), one product ``Z^T [Z w, y - p]``: 7 rounds in
    additive sessions, 4 in Shamir sessions.
    """
    n, f = Z.shape[0], p.fixed_point.frac_bits
    t = int(np.ceil(np.log2(4 * n)))
    if primitives.fused_truncation(p) or 2 * f + t > 62:
        # Z^T [Z p(1-p), y - p]: the Hessian's and the gradient's products in one opening
        both = Z.T @ np.hstack([Z * (p * (1 - p)).reshape(n, 1), (y - p).reshape(n, 1)])
        both = both * np.r_[np.full(Z.shape[1], 1.0 / n), 2.0**coef_bits / n]
        return both[:, :-1], both[:, -1]

    def hessian():
        (w,), _ = primitives.multiply_and_truncate([(p, 1 - p, 0)], [])  # exact, 2f bits, below 1/4
        K = int(np.floor(np.log2(n))) + 63 - 2 * f  # w round(2^K / n) stays below 2^62
        scaled = primitives.relabel(w * round(2.0**K / n), 2 * f + K)  # w / n
        weighted, _ = primitives.truncated_scaling(Z.T, scaled, f + t)  # Z^T diag(w / n), 2f + t bits
        weighted = primitives.truncate(weighted, f, f + t)
        exact = primitives.relabel(primitives.relabel(Z.T, INT) @ primitives.relabel(weighted.T, INT), 2 * f + t)
        return primitives.truncate(exact, f + t, f)

    return primitives.concurrently(p, hessian, lambda: Z.T @ (y - p) * (2.0**coef_bits / n))


def _newton_solver(model: LogisticRegression, hessian: SharedArray, previous: SPDSolver | None,
                   diagonal_bits: int | None, rhs: tuple) -> SPDSolver:
    """The Newton step's :class:`SPDSolver`; without a penalty, an ill-conditioned Hessian names separation.

    On (quasi-)separable classes the maximum-likelihood coefficients grow
    without bound, the fitted probabilities reach 0 and 1, and ``Z^T W Z``
    becomes singular: the solver's conditioning bit (already revealed) is how
    it shows. Reveals: nothing more than :class:`SPDSolver`.
    """
    try:
        return SPDSolver(hessian, model.max_condition, warm_start=previous, diagonal_bits=diagonal_bits, rhs=rhs)
    except ConditioningError as error:
        if model.penalty is not None:
            raise
        raise ConditioningError(
            "LogisticRegression(penalty=None): the Newton system is singular or nearly so. The classes "
            "may be (quasi-)separable: some combination of the features predicts the outcome (almost) "
            "perfectly, so the likelihood has no maximum and the coefficients grow without bound. Fit "
            "with the L2 penalty instead (penalty='l2', the default, with C=1.0 or smaller), or remove "
            f"collinear columns. (Solver: {error})") from error


def _penalised(Z: SharedArray, weight: SharedArray, model: LogisticRegression, n: int, coef_bits: int):
    """``(rows, ridge)``: ``Z`` with the rows ``diag(λ w² 2^coef_bits)`` appended, and ``diag(λ w²)``.

    ``λ = 1 / (n C)`` (scikit-learn's objective divided by ``n``); zero for the
    intercept's column. ``(Z, None)`` without a penalty.
    """
    if model.penalty is None:
        return Z, None
    d = Z.shape[1]
    first = int(model.fit_intercept)
    # w² keeps 8 more bits (w < 20 for columns with sd > 0.05, so 256 w² 2^8 < 2^25)
    scaled = diagonal(weight, 1.0 / (n * model.C), coef_bits, pre_bits=4)
    if first:
        scaled = np.concatenate([scaled[:1] * 0, scaled])  # the intercept is not penalised
    mask = np.eye(d, dtype=np.int64)
    rows = np.vstack([Z, scaled.reshape(1, d) * mask])
    return rows, (scaled * 2.0**-coef_bits).reshape(1, d) * mask


def _standard_errors(solver: SPDSolver, Z: SharedArray, p: SharedArray, weight: SharedArray, mean,
                     coef_bits: int) -> tuple:
    """``(bse_, intercept_bse_)`` from the inverse of the Hessian ``H`` at the last Newton step.

    ``Cov(γ) = H^-1 / n`` (``H`` is the mean information), ``coef_j = γ_j w_j`` and, with
    an intercept, ``intercept_ = c^T γ`` for ``c = (1, -w ⊙ mean)``: one solve with the
    right-hand sides ``[I | c]`` gives every variance. The Newton steps' ``H`` keeps ``f``
    bits, too few for its inverse (errors ~1e-2 on breast cancer), so ``H`` is formed
    again at ``2^coef_bits`` and two refinements ``x += M (B - H x)`` use it with the
    solver's approximate inverse ``M``. ``intercept_bse_`` is None without an intercept.
    """
    n, d = Z.shape
    scale = 4 * (coef_bits // 4)  # the variances' extra bits (a multiple of 4: s / 2 is even)
    precise = Z.T @ (Z * (p * ((1 - p) * 2**coef_bits)).reshape(n, 1)) * (1.0 / n)  # H 2^coef_bits
    rhs = solver.A * 0 + np.eye(d, dtype=np.int64)  # a shared constant, no communication
    if mean is not None:
        c = np.concatenate([weight[:1] * 0 + 1, -(weight * mean)])
        rhs = np.hstack([rhs, c.reshape(d, 1)])
    solved = solver.solve(rhs, scale_bits=scale, refinements=0)  # ≈ H^-1 [I | c] 2^s
    for _ in range(REFINEMENTS):
        solved = solved + solver.apply((rhs * 2 ** (scale + coef_bits) - precise @ solved) * 2.0**-coef_bits)
    first = int(mean is not None)
    index = np.arange(first, d)
    variances, factors = solved[index, index], weight
    if mean is not None:
        variances = np.concatenate([variances, (c * solved[:, d]).sum().reshape(1)])
        factors = np.concatenate([weight, weight[:1] * 0 + 1])
    root = relative_sqrt(variances * (1.0 / n))  # sd * 2^(s / 2)
    errors = precision.reveal_product(root, factors, scale // 2, "LogisticRegression.bse_")
    return errors[: d - first], (float(errors[-1]) if mean is not None else None)


def _intercept(gamma_0: SharedArray, coef: np.ndarray, mean: SharedArray,
               coef_bits: int, intercept_bits: int) -> float:
    """``γ_0 - Σ coef_j mean_j`` from the revealed ``coef``, at scale ``2^intercept_bits``, revealed
    (``γ_0`` is at ``2^coef_bits``); both rescalings in one round."""
    first, terms = primitives.concurrently(gamma_0, lambda: gamma_0 * 2.0 ** (intercept_bits - coef_bits),
                                           lambda: mean * (coef * 2.0**intercept_bits))
    intercept = first - terms.sum()
    return float(intercept.reveal(label="LogisticRegression.intercept_")) / 2**intercept_bits
