"""``private_intersection`` and ``intersection_size``: private set intersection over the session's transport."""

import contextlib

import numpy as np

from ..errors import InputRejectedError
from . import curve, ring
from .announce import announce
from .identifiers import normalise_all
from .result import Linkage


def private_intersection(s, ids) -> Linkage:
    """Link the parties' identifiers: the common ones, in an order every party agrees on.

    ``ids`` are this party's identifiers (strings or integers; trimmed and
    case-folded before hashing) in the socket backend, or ``{party: identifiers}``
    for every party in the simulated backend. Each party learns which of its
    own rows are common and how many are; with two parties nothing else about
    the other's identifiers (``docs/linkage.md`` says what three or more learn).
    Duplicates within a party raise ``ValueError`` before anything is sent.

    Cost: ``n + 1`` rounds; party ``j`` sends ``24 * (n - 1) + 32 * (N + (n - 2) * m[j + 1])``
    bytes, where ``m`` are the set sizes and ``N`` their total, and computes ``N``
    X25519 multiplications.

    Examples
    --------
    >>> import mpcarray as mpc
    >>> lab, hosp = ["P1", "p2", "P3"], [" p3", "P4", "p1"]
    >>> with mpc.Session(parties=["lab", "hosp"]) as s:
    ...     link = mpc.linkage.private_intersection(s, {"lab": lab, "hosp": hosp})
    >>> link.size
    2
    >>> [a.lower() == b.strip() for a, b in zip(link.align("lab", lab), link.align("hosp", hosp))]
    [True, True]
    """
    published = _link(s, ids, hide_rows=False)
    common = sorted(set.intersection(*map(set, next(iter(published.values())).sets)))
    indices, rows = {}, {}
    for j, view in published.items():
        row_of = dict(zip(view.sets[j], view.order.tolist()))
        indices[s.parties[j]] = np.array([row_of[value] for value in common], dtype=np.int64)
        rows[s.parties[j]] = len(view.order)
    return Linkage(len(common), indices, rows)


def intersection_size(s, ids) -> int:
    """How many identifiers all parties have in common, and nothing about which (PSI-cardinality).

    Same arguments and cost as :func:`private_intersection`; the last party to
    encrypt each set shuffles it, so no party can tell which of its rows are common.

    Examples
    --------
    >>> import mpcarray as mpc
    >>> with mpc.Session(parties=3) as s:
    ...     mpc.linkage.intersection_size(s, {"party0": [1, 2, 3], "party1": [2, 3, 4], "party2": ["3", 2]})
    2
    """
    published = _link(s, ids, hide_rows=True)
    return len(set.intersection(*map(set, next(iter(published.values())).sets)))


def _link(s, ids, hide_rows: bool) -> dict[int, ring.Published]:
    """Check and normalise the held parties' identifiers, agree on the hash domain, run the ring."""
    s._check_open()
    rt = s._rt
    transport = rt.transport
    try:
        keys = {j: normalise_all(values) for j, values in _held(s, ids).items()}
    except (TypeError, ValueError):
        if len(transport.ranks) < rt.n_parties:  # the other processes wait for this party's announcement
            with contextlib.suppress(InputRejectedError):
                announce(transport, rt.parties, {transport.ranks[0]: 0})
        raise
    domain = announce(transport, rt.parties, {j: len(k) for j, k in keys.items()})
    points = {j: curve.hash_points(domain, k) for j, k in keys.items()}
    return ring.run(transport, points, hide_rows)


def _held(s, ids) -> dict[int, object]:
    """The identifiers of each party held by this process, by rank."""
    held = s._rt.transport.ranks
    if not isinstance(ids, dict):
        if len(held) > 1:
            raise TypeError("this process holds every party: pass {party: identifiers}")
        return {held[0]: ids}
    given = {s.party_index(party): values for party, values in ids.items()}
    missing = [s.parties[j] for j in held if j not in given]
    if missing:
        raise ValueError(f"no identifiers given for {missing}")
    return {j: given[j] for j in held}
