"""Reveal policies: each party decides, from metadata alone, whether it contributes its share."""

import fnmatch
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RevealRequest:
    """What a reveal would disclose, as every party sees it before any share is sent.

    ``cohort`` is the number of individuals the value aggregates, as the
    library knows it: the fewest input records any element aggregates (its
    lineage, ``records``), or a smaller number the caller states; when the
    lineage is unknown, only a statement by library code (e.g. a statistics
    function) counts. ``epsilon``/``delta`` are the differential-privacy cost of
    a noisy reveal; ``asked_by`` the library function that called ``reveal``
    (e.g. ``"mpcarray.stats.survival.kaplan_meier"``), or ``"script"``;
    ``receivers`` the parties the value is opened to (None: every party).
    """

    label: str | None
    shape: tuple
    dtype: str
    cohort: int | None = None
    epsilon: float = 0.0
    delta: float = 0.0
    records: int | None = None
    asked_by: str = "script"
    receivers: tuple[str, ...] | None = None

    @property
    def size(self) -> int:
        size = 1
        for side in self.shape:
            size *= side
        return size


@dataclass(frozen=True)
class Policy:
    """One party's rules for reveals; every rule given must pass.

    Parameters
    ----------
    labels : sequence of str, optional
        Allowed labels (shell patterns such as ``"mean *"``); unlabelled reveals
        are then refused.
    max_size : int, optional
        Largest number of elements one reveal may open (e.g. to refuse row-level data).
    min_cohort : int, optional
        Refuse reveals that aggregate fewer individuals, or that do not say how many.
    check : callable, optional
        ``check(request) -> bool | str``; ``False`` or a string (the reason) refuses.
    exact_labels : sequence of str, optional
        In a session with a privacy budget, labels (shell patterns) this party
        allows to be revealed *without* noise; every other exact reveal is
        refused there. Every party must list the label for the reveal to happen.

    Examples
    --------
    >>> Policy(labels=["count *", "mean *"], min_cohort=10).decide(
    ...     RevealRequest("mean age", (), "float64", cohort=4))
    'cohort of 4 is below the minimum of 10'
    """

    labels: tuple | None = None
    max_size: int | None = None
    min_cohort: int | None = None
    check: Callable | None = field(default=None, compare=False)
    exact_labels: tuple = ()

    def __post_init__(self):
        if self.labels is not None:
            object.__setattr__(self, "labels", tuple(self.labels))
        if isinstance(self.exact_labels, str):
            raise TypeError("exact_labels must be a sequence of label patterns, not one string")
        object.__setattr__(self, "exact_labels", tuple(self.exact_labels))

    def allows_exact(self, label: str | None) -> bool:
        """True if ``label`` may be revealed without noise in a session with a privacy budget.

        Examples
        --------
        >>> Policy(exact_labels=["cohort size"]).allows_exact("cohort size")
        True
        >>> Policy().allows_exact("mean age")
        False
        """
        return label is not None and any(fnmatch.fnmatchcase(label, p) for p in self.exact_labels)

    def decide(self, request: RevealRequest) -> str | None:
        """``None`` to allow, else the reason for refusing."""
        if self.labels is not None:
            if request.label is None:
                return "unlabelled reveals are not allowed"
            if not any(fnmatch.fnmatchcase(request.label, pattern) for pattern in self.labels):
                return f"label {request.label!r} is not among the allowed labels"
        if self.max_size is not None and request.size > self.max_size:
            return f"{request.size} elements exceed the maximum of {self.max_size}"
        if self.min_cohort is not None:
            if request.cohort is None:
                return "the reveal does not state its cohort size"
            if request.cohort < self.min_cohort:
                return f"cohort of {request.cohort} is below the minimum of {self.min_cohort}"
        if self.check is not None:
            verdict = self.check(request)
            if verdict is False or isinstance(verdict, str):
                return verdict or "refused by the policy's check"
        return None

    def digest(self) -> str:
        """SHA-256 of the policy's rules (the check by its qualified name), for the audit log."""
        rules = {
            "labels": self.labels, "max_size": self.max_size, "min_cohort": self.min_cohort,
            **({"exact_labels": self.exact_labels} if self.exact_labels else {}),
            "check": None if self.check is None else
            f"{getattr(self.check, '__module__', '?')}.{getattr(self.check, '__qualname__', repr(self.check))}",
        }
        return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()


#: The policy of a party that did not set one: allow everything.
ALLOW_ALL = Policy()
