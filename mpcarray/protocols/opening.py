"""Opening (reconstructing) shared values, and agreeing on who takes part.

In a Shamir session an opening needs the shares of ``d + 1`` live parties for
a sharing of degree ``d`` (``t`` for inputs and results, ``2t`` for local
products). Every party sends its share to every other, so the shares beyond
``d + 1`` are redundant: with :attr:`Runtime.check_openings` they are checked
to lie on one polynomial of degree ``d`` (a parity check of the Reed-Solomon
code the shares form), and a wrong share stops the protocol with the name of
the party that sent it. Reconstruction from any ``d + 1`` correct shares gives
the same value, so the parties need not agree on who is alive before an
opening; steps whose course depends on it read the set agreed in
:func:`agree_live`.
"""

import numpy as np

from .. import kernels
from ..errors import PartyError, ProtocolError
from .wire import as_elements, as_words, check_words

#: Wrong values a failed consistency check examines to name the party that sent them.
_LOCATED = 16


def agree(rt, decisions) -> np.ndarray:
    """Every party's yes/no, from each held party's ``decisions`` (in rank order).

    A party that has failed cannot object: its entry is True.

    Cost: 1 round; each party sends and receives ``n - 1`` bytes.
    Security: reveals each party's decision, nothing else.
    """
    message = np.asarray(decisions, dtype=np.uint8).reshape(len(rt.ranks), 1)
    gathered = rt.transport.all_gather(message)[:, 0].astype(bool)
    gathered[list(rt.transport.failed)] = True
    return gathered


def agree_live(rt, ok: bool = True) -> bool:
    """Agree on the live parties, and on whether every live party is ``ok``; True if all are.

    Steps: (1) each party sends the set of parties it considers live (and its
    ``ok``); (2) each party keeps the parties every received set contains, and
    declares the others failed; the result is stored as
    ``rt.transport.agreed_live``.

    Assumptions: crash failures (a failed party stops; it never sends wrong
    values) and no network partition. A party that fails during this very round
    may be seen as live by some parties and not by others; it is then caught by
    the next round that awaits it.
    Cost: 1 round; each party sends and receives ``(n + 1) * (n - 1)`` bytes.
    Security: reveals who each party has heard from, nothing else.
    Raises :class:`PartyError` if fewer than ``t + 1`` parties remain.
    """
    transport, n = rt.transport, rt.n_parties
    view = np.zeros(n + 1, dtype=np.uint8)
    view[list(transport.live)] = 1
    view[n] = bool(ok)
    gathered = transport.all_gather(np.tile(view, (len(rt.ranks), 1)))
    responders = list(transport.live)
    agreed = np.logical_and.reduce(gathered[responders, :n].astype(bool), axis=0)
    for rank in np.flatnonzero(~agreed):
        transport.declare_failed(int(rank), "another party lost contact with it")
    transport.agreed_live = transport.live
    require_live(rt, rt.scheme.threshold + 1, "open any value")
    return bool(gathered[responders, n].all())


def require_live(rt, needed: int, purpose: str) -> None:
    """Raise :class:`PartyError` naming the failed parties unless ``needed`` parties are live."""
    live = rt.transport.live
    if len(live) >= needed:
        return
    failed = ", ".join(f"{rt.parties[r]!r} ({why})" for r, why in sorted(rt.transport.failed.items()))
    raise PartyError(
        f"too few parties remain: {failed} failed; {len(live)} of {rt.n_parties} are live, but to "
        f"{purpose} needs {needed} (threshold t = {rt.scheme.threshold}: any t + 1 parties open a value, "
        "2t + 1 multiply)")


def zero_sharing(rt, shape: tuple) -> np.ndarray:
    """Fresh shares ``(k, *shape)`` of zero from the dealer; adding them re-randomises shares locally.

    Cost: no communication; the dealer sends party 0 ``8`` bytes per element.
    """
    size = int(np.prod(shape, dtype=np.int64))
    material = rt.provider.zero_shares(size)
    rows = kernels.fill_streams(material.streams, material.offset, size)
    if rt.first_row >= 0:
        rows[rt.first_row] = material.correction
    return rows.reshape((len(rt.ranks),) + tuple(shape))


def open_shares(rt, *shares: np.ndarray, degree: int | None = None) -> list[np.ndarray]:
    """Open several shared arrays in a single round.

    Steps: (1) each party concatenates its shares of all arrays into one
    message; (2) the message is all-gathered; (3) each party reconstructs from
    the messages (additive: the sum of all ``n``; Shamir: Lagrange
    interpolation at 0 through ``degree + 1`` live parties' shares, ``degree``
    ``t`` unless given, after checking any further shares) and splits the
    result back into arrays.

    Cost: 1 round; each party sends and receives ``w * M * (n - 1)`` bytes,
    ``M`` the total number of elements opened, ``w`` bytes each (8, or 16 in
    GF(2^127 - 1)). All arrays must be of one domain. The consistency check
    adds no communication: a product of the ``(m - degree - 1) x m`` parity-check
    matrix with the ``m`` live shares.
    Security: every party learns the opened values, nothing else; callers open
    only uniformly masked values or results the parties agreed to reveal.
    Raises :class:`PartyError` when fewer than ``degree + 1`` parties are live
    and :class:`ProtocolError` when the shares are inconsistent.
    """
    domain = rt.domain_of(shares[0])

    def open_rows(message: np.ndarray) -> np.ndarray:
        gathered = as_elements(rt.transport.all_gather(as_words(message)), domain)
        live = rt.transport.live
        rows = gathered if len(live) == rt.n_parties else gathered[list(live)]
        return _reconstruct(rt, rows, live, domain, degree)

    return open_together(rt, shares, open_rows)


def open_together(rt, shares, open_rows) -> list[np.ndarray]:
    """Open several share arrays with one call of ``open_rows`` (one round), split back per array.

    ``open_rows`` receives the held rows of all arrays flattened and
    concatenated, ``(k, M)``, and returns the ``M`` opened values; it is where
    a scheme's rule (a sum, an XOR, an interpolation) is applied.
    """
    k = len(rt.ranks)
    flat = [np.ascontiguousarray(s).reshape(k, -1) for s in shares]
    total = open_rows(flat[0] if len(flat) == 1 else np.concatenate(flat, axis=1))
    opened, start = [], 0
    for s, rows in zip(shares, flat):
        opened.append(total[start : start + rows.shape[1]].reshape(s.shape[1:]))
        start += rows.shape[1]
    return opened


def open_to(rt, shares: np.ndarray, receivers: np.ndarray) -> dict[int, np.ndarray]:
    """Open the rows (axis 0) of a shared array, row ``j`` to party ``receivers[j]`` only; one round.

    Steps: (1) every party sends each receiver its shares of that receiver's
    rows (point to point); (2) each receiver reconstructs its rows as
    :func:`open_shares` does (with the consistency check in Shamir sessions).
    Returns ``{receiver: its rows}`` for the receivers held by this process.

    Cost: 1 round; a party sends ``w`` bytes per element to each other
    receiver of that element, so a receiver of ``N_r`` elements receives
    ``w * N_r * (n - 1)`` bytes: a fraction of :func:`open_shares`.
    Security: a receiver learns its rows; the others learn nothing.
    """
    transport, k = rt.transport, len(rt.ranks)
    domain = rt.domain_of(shares)
    rows = np.ascontiguousarray(shares).reshape(k, len(receivers), -1)
    chosen = {int(r): np.flatnonzero(receivers == r) for r in np.unique(receivers)}
    transport.begin_round()
    for row, sender in enumerate(rt.ranks):
        for receiver, index in chosen.items():
            if receiver != sender and sender not in transport.failed:
                transport.send(sender, receiver, as_words(np.ascontiguousarray(rows[row, index])))
    messages = {}
    for receiver, index in chosen.items():
        if receiver in rt.ranks and receiver not in transport.failed:
            own = as_words(np.ascontiguousarray(rows[rt.ranks.index(receiver), index]))
            messages[receiver] = {
                sender: own if sender == receiver else check_words(
                    transport.recv(sender, receiver), own.shape, f"party {rt.parties[sender]!r}")
                for sender in transport.live}
    transport.end_round()
    opened = {}
    for receiver, heard in messages.items():
        senders = tuple(s for s, m in heard.items() if m is not None)
        stacked = np.stack([as_elements(heard[s], domain).reshape(-1) for s in senders])
        opened[receiver] = _reconstruct(rt, stacked, senders, domain).reshape((len(chosen[receiver]),) + shares.shape[2:])
    return opened


def _reconstruct(rt, rows: np.ndarray, parties: tuple[int, ...], domain, degree: int | None = None) -> np.ndarray:
    """The secrets from the shares ``rows`` ``(m, M)`` of ``parties`` (all ``n`` with additive sharing)."""
    if not rt.shamir:
        if len(parties) < rt.n_parties:
            raise ProtocolError("additive sharing needs every party's share to open a value")
        return rt.scheme.reconstruct(rows, domain)
    return _interpolate(rt, rows, parties, domain, rt.scheme.threshold if degree is None else degree)


def _interpolate(rt, rows: np.ndarray, live: tuple[int, ...], domain, degree: int) -> np.ndarray:
    """The secrets of degree-``degree`` Shamir sharings from the shares ``rows`` ``(m, M)`` of the ``live`` parties.

    The first ``degree + 1`` live shares are interpolated; with
    :attr:`Runtime.check_openings` and more live shares, one random combination
    of the parity checks is evaluated in the same pass over the shares (each
    party draws it afresh, so nobody can aim a wrong share at it): a value
    whose shares are inconsistent passes only with probability ``1/p``. The
    few values that fail get their full syndromes, which locate the sender.
    """
    purpose = "open a value" if degree == rt.scheme.threshold else f"open a degree-{degree} product"
    require_live(rt, degree + 1, purpose)
    lagrange = rt.scheme.lagrange(live[: degree + 1], domain).reshape(1, -1)
    if not (rt.check_openings and len(live) > degree + 1 and rows.shape[1]):
        return domain.matmul(lagrange, rows[: degree + 1])[0]
    check = rt.scheme.parity_check(live, degree, domain)
    weights = np.zeros((2, len(live)), dtype=domain.dtype)
    weights[0, : degree + 1] = lagrange[0]
    weights[1] = domain.matmul(domain.uniform(rt.input_rng, (1, check.shape[0])), check)[0]
    combined = domain.matmul(weights, rows)
    wrong = np.flatnonzero(as_words(combined[1:]).reshape(rows.shape[1], -1).any(axis=1))
    if wrong.size:
        _name_inconsistent(rt, domain.matmul(check, np.ascontiguousarray(rows[:, wrong[:_LOCATED]])),
                           wrong.size, rows.shape[1], live, degree, domain)
    return combined[0]


def _name_inconsistent(rt, syndromes, count: int, total: int, parties, degree: int, domain) -> None:
    """Raise :class:`ProtocolError` for ``count`` of ``total`` values with inconsistent shares, naming
    their senders when the full ``syndromes`` of a sample locate them."""
    sample = domain.to_integers(syndromes)
    culprits = {rt.scheme.locate(sample[:, i], parties, domain) for i in range(sample.shape[1])}
    where = f"{count} of {total} opened values"
    if None in culprits:
        raise ProtocolError(
            f"inconsistent shares in {where}: they do not lie on one polynomial of degree {degree}, "
            f"and {len(parties)} shares cannot tell which party sent a wrong one; the opening was stopped")
    names = ", ".join(repr(rt.parties[r]) for r in sorted(culprits))
    raise ProtocolError(f"{names} sent shares inconsistent with the other parties' in {where} "
                        "(a bug, a bit flip or a cheat); the opening was stopped")
