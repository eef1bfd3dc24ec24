"""A differential-privacy budget under basic composition."""

from dataclasses import dataclass


@dataclass
class PrivacyBudget:
    """Total ``epsilon`` (and ``delta``) a session may spend; basic composition adds them up.

    Every party holds the same public budget and refuses a reveal that would
    overspend it, so the refusal is unanimous.

    Examples
    --------
    >>> budget = PrivacyBudget(epsilon=1.0)
    >>> budget.refusal(0.6, 0.0) is None
    True
    """

    epsilon: float
    delta: float = 0.0
    spent_epsilon: float = 0.0
    spent_delta: float = 0.0

    def __post_init__(self):
        if not self.epsilon > 0 or not 0 <= self.delta < 1:
            raise ValueError("a privacy budget needs epsilon > 0 and 0 <= delta < 1")

    def refusal(self, epsilon: float, delta: float) -> str | None:
        """``None`` if ``(epsilon, delta)`` fits in what is left, else the reason."""
        slack = 1e-12
        if self.spent_epsilon + epsilon > self.epsilon + slack:
            return (f"privacy budget exhausted: spending epsilon={epsilon:g} would exceed "
                    f"{self.epsilon:g} (already spent {self.spent_epsilon:g})")
        if self.spent_delta + delta > self.delta + slack:
            return (f"privacy budget exhausted: spending delta={delta:g} would exceed "
                    f"{self.delta:g} (already spent {self.spent_delta:g})")
        return None

    def spend(self, epsilon: float, delta: float) -> None:
        self.spent_epsilon += epsilon
        self.spent_delta += delta
