"""An interaction-term risk score with optional public cut points: ``RiskScore``."""

import numpy as np

from ..array import SharedArray
from ..errors import ShapeError
from ._validation import public_finite, shared
from .params import EstimatorParams


class RiskScore(EstimatorParams):
    """``w0 + Σ_i w_i x_i + Σ_{i<j} w_ij x_i x_j`` with public weights, over shared features.

    The columns of ``X`` may come from different hospitals
    (``np.hstack([s.share(labs, owner="lab"), s.share(history, owner="gp")])``):
    the products ``x_i x_j`` of features held by different parties are secure
    products; nothing about any patient is revealed unless asked for.

    Parameters
    ----------
    weights : array_like, shape (d,)
        Public weights ``w_i``.
    interaction_weights : array_like, shape (d, d), optional
        Public weights ``w_ij`` of ``x_i x_j``: strictly upper triangular, or
        symmetric with a zero diagonal (each pair counted once).
    intercept : float
        ``w0``.
    thresholds : array_like, optional
        Increasing public cut points ``c_1 < ... < c_k``; the category of a
        score is the number of cut points it reaches (``score >= c``), 0..k.
    categories : sequence of str, optional
        ``k + 1`` labels of the categories (e.g. ``["low", "medium", "high"]``).

    Notes
    -----
    Error: each score is within ``2^-f (2 + 2 Σ|w_i| + Σ|w_ij| (|x_i| + |x_j| + 2))``
    of the exact score of the encoded features (a product and a public scaling
    each round by at most a unit or two); in Shamir sessions with ``t = 2`` (5 parties), whose
    truncations err by up to 6 units instead of 2, within three times that. A score closer than
    that to a cut point may fall in the neighbouring category.

    Reveals: nothing by construction; :meth:`reveal_categories` reveals the
    categories only.
    """

    def __init__(self, weights, interaction_weights=None, intercept: float = 0.0,
                 thresholds=None, categories=None):
        self.weights = public_finite(weights, "weights")
        if self.weights.ndim != 1 or self.weights.size == 0:
            raise ShapeError(f"weights must be a non-empty 1-D array, got shape {self.weights.shape}")
        d = self.weights.size
        pairs = np.zeros((d, d)) if interaction_weights is None else public_finite(
            interaction_weights, "interaction_weights", (d, d))
        if np.allclose(pairs, pairs.T) and not np.any(np.diag(pairs)):
            pairs = np.triu(pairs, k=1)
        if np.any(np.tril(pairs)):
            raise ValueError("interaction_weights must be strictly upper triangular "
                             "or symmetric with a zero diagonal")
        self.interaction_weights = pairs
        self.intercept = float(public_finite(intercept, "intercept", ()))
        self.thresholds = None if thresholds is None else public_finite(thresholds, "thresholds")
        if self.thresholds is not None and (
                self.thresholds.ndim != 1 or np.any(np.diff(self.thresholds) <= 0)):
            raise ValueError("thresholds must be a strictly increasing 1-D sequence")
        if categories is not None:
            if self.thresholds is None or len(categories) != self.thresholds.size + 1:
                raise ValueError("categories needs thresholds and one more label than cut points")
            categories = np.asarray(categories)
        self.categories = categories

    def score(self, X: SharedArray) -> SharedArray:
        """Shared scores, shape (n,).

        Only the nonzero interaction pairs are multiplied, in one batched secure product.

        Reveals: nothing.
        """
        X = shared(X, "X", 2)
        if X.shape[1] != self.weights.size:
            raise ShapeError(f"X has {X.shape[1]} columns but there are {self.weights.size} weights")
        total = X @ self.weights + self.intercept
        left, right = np.nonzero(self.interaction_weights)
        if left.size:
            total = total + (X[:, left] * X[:, right]) @ self.interaction_weights[left, right]
        return total

    def predict(self, X: SharedArray) -> SharedArray:
        """Shared category indices 0..k (integers): the number of cut points each score reaches.

        Reveals: nothing.
        """
        if self.thresholds is None:
            raise ValueError("predict needs thresholds; use score() for the scores themselves")
        scores = self.score(X)
        reached = scores.reshape(-1, 1) >= self.thresholds.reshape(1, -1)
        return reached.sum(axis=1)

    def reveal_categories(self, X: SharedArray, label: str = "RiskScore categories") -> np.ndarray:
        """The category of each row (labels if ``categories`` was given, else indices).

        Reveals: the categories only (not the scores), labelled ``label``.
        """
        index = np.asarray(self.predict(X).reveal(label=label))
        return index if self.categories is None else self.categories[index]
