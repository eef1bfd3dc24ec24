"""``private_intersection`` and ``intersection_size``: private set intersection over the session's transport."""

import contextlib

import numpy as np

from ..errors import InputRejectedError
from . import counting, curve, ring, star
from .announce import announce
from .identifiers import normalise_all
from .result import Linkage


def private_intersection(s, ids) -> Linkage:
    """Link the parties' identifiers: the common ones, in an order every party agrees on.

    ``ids`` are this party's identifiers (strings or integers; trimmed and
    case-folded before hashing) in the socket backend, or ``{party: identifiers}``
    for every party in the simulated backend. Each party learns which of its
    own rows are common and how many are, and nothing else about the others'
    identifiers (``docs/linkage.md``: two parties compare their sets under both
    keys; with three or more, the party with the smallest set learns only
    whether *all* parties hold each of its identifiers). Duplicates within a
    party raise ``ValueError`` before anything is sent.

    Cost: 3 rounds with two parties, 5 with more; the bytes and X25519
    multiplications of each party are tabulated in ``docs/linkage.md``
    (``N`` multiplications per party with two parties, ``N`` the total of the set sizes).

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
    size, rows, sizes = _link(s, ids, hide_rows=False)
    return Linkage(size, {s.parties[j]: index for j, index in rows.items()}, {s.parties[j]: sizes[j] for j in rows})


def intersection_size(s, ids) -> int:
    """How many identifiers all parties have in common, and nothing about which (PSI-cardinality).

    Same arguments and cost as :func:`private_intersection`, except that the answer
    is the size alone: the values compared arrive in an order that no one comparing
    them knows, so no party can tell which of its rows are common.

    Examples
    --------
    >>> import mpcarray as mpc
    >>> with mpc.Session(parties=3) as s:
    ...     mpc.linkage.intersection_size(s, {"party0": [1, 2, 3], "party1": [2, 3, 4], "party2": ["3", 2]})
    2
    """
    size, _, _ = _link(s, ids, hide_rows=True)
    return size


def _link(s, ids, hide_rows: bool) -> tuple[int, dict[int, np.ndarray], list[int]]:
    """Check and normalise the held parties' identifiers, agree on the hash domain, and link them.

    Returns the intersection's size, each held party's rows of it in the common order (none with
    ``hide_rows``) and every party's set size.
    """
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
    domain, sizes = announce(transport, rt.parties, {j: len(k) for j, k in keys.items()})
    points = {j: curve.hash_points(domain, k) for j, k in keys.items()}
    if rt.n_parties == 2:
        size, rows = counting.count(transport, ring.run(transport, points, sizes), hide_rows)
    else:
        size, rows = star.run(transport, domain, keys, points, sizes, hide_rows)
    return size, rows, sizes


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
