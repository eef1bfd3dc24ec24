"""Clinical models on secret-shared data, in scikit-learn style.

Written against the public SharedArray API only. Every estimator reveals its
fitted parameters at the end of ``fit`` and nothing else (see each ``Reveals:``
line); ``predict`` returns SharedArrays.
"""

from ._validation import ConditioningError, NotFittedError
from .cox import CoxPH
from .linear import LinearRegression, Ridge
from .logistic import LogisticRegression
from .risk_score import RiskScore
from .solver import SPDSolver, solve_spd

__all__ = [
    "ConditioningError",
    "CoxPH",
    "LinearRegression",
    "LogisticRegression",
    "NotFittedError",
    "Ridge",
    "RiskScore",
    "SPDSolver",
    "solve_spd",
]
