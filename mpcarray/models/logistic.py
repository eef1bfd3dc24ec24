"""Logistic regression on shared data: ``LogisticRegression`` (Newton/IRLS or gradient descent)."""

import numpy as np

from ..array import SharedArray
from ..functions import sigmoid
from . import precision
from ._validation import design, n_features
from .moments import standardize
from .solver import SPDSolver

#: The iterates' log-odds ``Z γ`` are larger than the linear model's Gram products, so
#: ``γ`` keeps this many bits fewer than :func:`~.precision.extra_bits` (10 at ``f = 16``).
LOG_ODDS_BITS = 2
METHODS = ("newton", "gd")


class LogisticRegression:
    """Unpenalised logistic regression ``P(y = 1) = sigmoid(X coef_ + intercept_)``.

    Parameters
    ----------
    max_iter : int
        Number of iterations, all run (a stopping test would reveal progress).
    fit_intercept : bool
        Fit an intercept (default). Without one the log-odds go through the origin
        (scikit-learn's ``fit_intercept=False``, statsmodels Logit without a
        constant) and ``intercept_`` is ``0.0``.
    method : {"newton", "gd"}
        ``"newton"``: iteratively reweighted least squares; each step solves
        ``H δ = g`` with :class:`~mpcarray.models.SPDSolver` (about 10 steps
        converge on well-separated clinical data). ``"gd"``: gradient descent
        with step ``learning_rate`` on the standardised problem.
    learning_rate : float
        Step size of ``"gd"``.
    max_condition : float
        Largest condition number of each Newton system (Jacobi-scaled).

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

    Reveals: ``coef_`` and, with ``fit_intercept``, ``intercept_`` (coarse, then
    precise), and per Newton step one or two bits about the conditioning of the
    Hessian (whether the warm-started solver converged, and if not whether a cold
    start did).
    """

    def __init__(self, max_iter: int = 10, fit_intercept: bool = True, method: str = "newton",
                 learning_rate: float = 1.0, max_condition: float = 1e4):
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
        self.max_iter = int(max_iter)
        self.fit_intercept = fit_intercept
        self.method = method
        self.learning_rate = learning_rate
        self.max_condition = max_condition
        # set by fit (None before)
        self.coef_: np.ndarray | None = None
        self.intercept_: float | None = None

    def fit(self, X: SharedArray, y: SharedArray) -> "LogisticRegression":
        """Fit on shared ``X`` (n, d) and 0/1 ``y`` (n,). Returns ``self``.

        Reveals: ``coef_`` and ``intercept_`` (only with ``fit_intercept``; labels
        ``"LogisticRegression.<name>"``), and one or two conditioning bits per Newton step.
        """
        X, y = design(X, y)
        n = X.shape[0]
        # γ is kept as γ 2^coef_bits (f + coef_bits = 26 fractional bits); |Z γ| 2^coef_bits stays
        # in range while |Z γ| < 2^(R - coef_bits) (2^20 at f = 16)
        coef_bits = precision.extra_bits(precision.model_range_bits(X, "LogisticRegression")) - LOG_ODDS_BITS
        intercept_bits = coef_bits + LOG_ODDS_BITS - precision.WIDE_FACTOR_BITS
        # without an intercept the features are scaled but not centred (centring moves the origin)
        standardised, mean, weight = standardize(X, centre=self.fit_intercept)
        Z = np.hstack([np.ones((n, 1)), standardised]) if self.fit_intercept else standardised
        gamma = None  # γ * 2^coef_bits, shared throughout
        solver = None
        for _ in range(self.max_iter):
            p = sigmoid((Z @ gamma) * 2.0**-coef_bits) if gamma is not None else (y * 0 + 0.5)
            # the gradient keeps coef_bits extra bits: its rounding error would otherwise be
            # amplified by the inverse Hessian into the last digits of the coefficients
            gradient = Z.T @ (y - p) * (2.0**coef_bits / n)
            if self.method == "newton":
                hessian = Z.T @ (Z * (p * (1 - p)).reshape(n, 1)) * (1.0 / n)
                solver = SPDSolver(hessian, self.max_condition, warm_start=solver)
                step = solver.solve(gradient)
            else:
                step = gradient * self.learning_rate
            gamma = step if gamma is None else gamma + step
        # coef_j = γ_j w_j; intercept = γ_0 - Σ coef_j mean_j, both revealed with extended precision
        first = int(self.fit_intercept)
        self.coef_, scaled, exponents = precision.reveal_product(
            gamma[first:], weight, coef_bits, "LogisticRegression.coef_")
        if self.fit_intercept:
            self.intercept_ = _intercept(gamma[0], scaled, exponents, mean, coef_bits, intercept_bits)
        else:
            self.intercept_ = 0.0
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


def _intercept(gamma_0: SharedArray, scaled: SharedArray, exponents, mean: SharedArray,
               coef_bits: int, intercept_bits: int) -> float:
    """``γ_0 - Σ coef_j mean_j`` at scale ``2^intercept_bits``, revealed (``γ_0`` is at ``2^coef_bits``)."""
    terms = (scaled * mean) * 2.0 ** (intercept_bits - exponents)
    intercept = gamma_0 * 2.0 ** (intercept_bits - coef_bits) - terms.sum()
    return float(intercept.reveal(label="LogisticRegression.intercept_")) / 2**intercept_bits
