"""Disclosure bookkeeping: who may learn what, how much privacy budget is left, and the record of it.

Pure Python below the protocols: policies decide on a :class:`RevealRequest`
(metadata only, never values), budgets count differential-privacy spending,
the audit log chains records by SHA-256 and MACs them with each party's key, and noise mechanisms sample each
party's share of the noise. :class:`Guard` ties them together for one process.
"""

from .audit import AuditLog
from .audit_verify import verify_log
from .budget import PrivacyBudget
from .guard import Guard
from .mechanisms import DiscreteLaplace, Gaussian, Laplace, Mechanism
from .policy import Policy, RevealRequest

__all__ = ["AuditLog", "DiscreteLaplace", "Gaussian", "Guard", "Laplace", "Mechanism", "Policy",
           "PrivacyBudget", "RevealRequest", "verify_log"]
