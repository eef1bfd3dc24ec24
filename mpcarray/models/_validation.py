"""Input checks shared by the estimators, and the models' error types."""

import numpy as np

from ..array import SharedArray
from ..array.checks import shared
from ..errors import ConditioningError, MpcError, ShapeError

__all__ = ["ConditioningError", "NotFittedError", "design", "n_features", "public_finite", "shared"]


class NotFittedError(MpcError, AttributeError):
    """``predict`` (or an attribute read) before ``fit``."""


def design(X, y=None) -> tuple:
    """Check a design matrix ``X`` (n, d) and, if given, a target ``y`` (n,) with the same rows."""
    X = shared(X, "X", 2)
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise ShapeError(f"X needs at least 2 rows and 1 column, got shape {X.shape}")
    if y is None:
        return X, None
    y = shared(y, "y", 1)
    if y.shape[0] != X.shape[0]:
        raise ShapeError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
    return X, y


def public_finite(values, name: str, shape=None) -> np.ndarray:
    """Public parameters as float64, refusing SharedArrays, NaN, infinities and wrong shapes."""
    if isinstance(values, SharedArray):
        raise TypeError(f"{name} must be public (a NumPy array or number), not a SharedArray")
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or an infinite value")
    if shape is not None and array.shape != shape:
        raise ShapeError(f"{name} must have shape {shape}, got {array.shape}")
    return array


def n_features(estimator, X) -> None:
    """Check a fitted estimator and that ``X`` has the columns it was fitted on."""
    if getattr(estimator, "coef_", None) is None:
        raise NotFittedError(f"this {type(estimator).__name__} is not fitted yet; call fit(X, y) first")
    X = shared(X, "X", 2)
    if X.shape[1] != estimator.coef_.shape[0]:
        raise ShapeError(f"X has {X.shape[1]} columns; the model was fitted on {estimator.coef_.shape[0]}")
