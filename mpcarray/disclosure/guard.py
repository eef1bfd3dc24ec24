"""The disclosure guard of one process: policies, budget, audit and the list of disclosures."""

from pathlib import Path

import numpy as np

from ..errors import RevealRefusedError
from .audit import GENESIS, AuditLog
from .budget import PrivacyBudget
from .policy import ALLOW_ALL, Policy, RevealRequest

_EXACT_REFUSED = ("the session has a privacy budget, so a reveal needs noise unless this party's "
                  "policy lists the label in exact_labels (label {!r})")

#: The library functions that calibrate noise themselves, from clipping bounds applied inside MPC
#: (``mpcarray.privacy.dp``; ``dp_mean`` reveals through ``dp_sum``): the only noisy reveals a
#: budget accepts, so a sensitivity is never taken from the script.
CALIBRATED_BY = frozenset(f"mpcarray.privacy.dp.{name}"
                          for name in ("dp_sum", "dp_count", "dp_histogram"))
_UNCALIBRATED_REFUSED = ("the session has a privacy budget, so noise must be calibrated by the "
                         "library: use mpc.privacy.dp_sum, dp_mean, dp_count or dp_histogram, which "
                         "compute the sensitivity from clipping bounds (this noise's sensitivity "
                         "was stated by {})")


def _uncalibrated(request: RevealRequest) -> str | None:
    """The reason to refuse a noisy reveal whose noise no ``dp_*`` function calibrated, else None."""
    if request.epsilon == 0 and request.delta == 0 or request.asked_by in CALIBRATED_BY:
        return None
    return _UNCALIBRATED_REFUSED.format(request.asked_by)


class Guard:
    """Applies the held parties' policies and the budget to reveals, and records everything.

    ``active`` guards make every reveal start with a one-byte decision round in
    which each party states whether its policy allows it; every party must
    therefore configure policies (or a budget) alike, even if only to allow all.
    """

    def __init__(self, parties: tuple, ranks: tuple, policies: dict | None = None,
                 budget: PrivacyBudget | None = None, audit: str | Path | None = None):
        unknown = set(policies or {}) - set(parties)
        if unknown:
            raise ValueError(f"policies name unknown parties {sorted(unknown)}; parties are {list(parties)}")
        if any(not isinstance(p, Policy) for p in (policies or {}).values()):
            raise TypeError("policies must map party names to mpcarray.privacy.Policy objects")
        self.parties, self.ranks = parties, ranks
        self.active = policies is not None or budget is not None
        self.policies = {rank: (policies or {}).get(parties[rank], ALLOW_ALL) for rank in ranks}
        self.budget = budget
        self.logs = {} if audit is None else {
            rank: AuditLog(Path(audit) / f"{parties[rank]}.jsonl", parties[rank]) for rank in ranks}
        self.disclosures: list[dict] = []
        for rank, log in self.logs.items():
            log.append("session", parties=list(parties), policy=self.policies[rank].digest(),
                       budget=None if budget is None else {"epsilon": budget.epsilon, "delta": budget.delta})

    def shared(self, owner: int, shape: tuple, dtype: str) -> None:
        """Record an input shared by ``owner``."""
        for log in self.logs.values():
            log.append("share", owner=self.parties[owner], shape=list(shape), dtype=dtype)

    def heads(self) -> np.ndarray:
        """This process's log heads as rows of four uint64 words (32 bytes), one per held party.

        Parties without a log (no ``audit``) send zeros.
        """
        rows = np.zeros((len(self.ranks), 4), dtype=np.uint64)
        for row, rank in enumerate(self.ranks):
            if rank in self.logs:
                rows[row] = np.frombuffer(bytes.fromhex(self.logs[rank].head), dtype=">u8")
        return rows

    def record_heads(self, gathered: np.ndarray) -> None:
        """Append to each held log the heads of the other parties (``gathered``: one row per party)."""
        heads = [np.asarray(row, dtype=">u8").tobytes().hex() for row in gathered]
        for rank, log in self.logs.items():
            log.append("heads", heads={self.parties[other]: head for other, head in enumerate(heads)
                                       if other != rank and head != GENESIS})

    def decide(self, request: RevealRequest) -> list:
        """Each held party's reason to refuse ``request`` (``None`` = allow), in rank order."""
        if self.budget is None:
            return [self.policies[rank].decide(request) for rank in self.ranks]
        budget = self.budget.refusal(request.epsilon, request.delta) or _uncalibrated(request)
        exact = request.epsilon == 0 and request.delta == 0
        return [self.policies[rank].decide(request) or budget
                or (_EXACT_REFUSED.format(request.label) if exact
                    and not self.policies[rank].allows_exact(request.label) else None)
                for rank in self.ranks]

    def conclude(self, request: RevealRequest, allowed, reasons=()) -> None:
        """Record the outcome; spend the budget; raise :class:`RevealRefusedError` if anyone refused.

        ``allowed`` holds every party's decision (from the decision round);
        ``reasons`` the held parties' own reasons, as :meth:`decide` returned.
        """
        refused = [self.parties[i] for i, ok in enumerate(allowed) if not ok]
        for rank, log in self.logs.items():
            log.append("reveal", label=request.label, shape=list(request.shape), dtype=request.dtype,
                       cohort=request.cohort, records=request.records, asked_by=request.asked_by,
                       epsilon=request.epsilon, delta=request.delta,
                       receivers=None if request.receivers is None else list(request.receivers),
                       decision="refused" if refused else "allowed", refused_by=refused,
                       policy=self.policies[rank].digest())
        if refused:
            own = "; ".join(f"{self.parties[rank]}: {reason}"
                            for rank, reason in zip(self.ranks, reasons) if reason)
            raise RevealRefusedError(
                f"reveal {request.label or '(unlabelled)'} refused by {', '.join(refused)}"
                + (f" ({own})" if own else "") + "; nothing was opened")
        if self.budget is not None:
            self.budget.spend(request.epsilon, request.delta)
        self.disclosures.append({"label": request.label, "shape": request.shape, "dtype": request.dtype,
                                 "epsilon": request.epsilon, "delta": request.delta,
                                 "receivers": request.receivers})
