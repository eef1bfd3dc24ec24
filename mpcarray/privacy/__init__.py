"""Privacy controls: reveal policies, small-count suppression, differential privacy, audit logs.

Configure them on the session and use them through ``reveal``::

    s = mpc.Session(parties, policies={"hosp_a": Policy(min_cohort=10)},
                    privacy_budget=PrivacyBudget(epsilon=1.0), audit="audit/")
    mean_age = mpc.privacy.dp_mean(age, bounds=(0, 120), epsilon=0.5, label="mean age")

What each control does and does not protect against is in ``docs/privacy.md``.
"""

from ..disclosure import DiscreteLaplace, Gaussian, Laplace, Policy, PrivacyBudget, RevealRequest
from ..disclosure import verify_log as verify_audit_log
from .dp import dp_count, dp_histogram, dp_mean, dp_sum
from .suppression import suppress_small

__all__ = ["DiscreteLaplace", "Gaussian", "Laplace", "Policy", "PrivacyBudget", "RevealRequest",
           "dp_count", "dp_histogram", "dp_mean", "dp_sum", "suppress_small", "verify_audit_log"]
