"""The message flow: every party's key is applied to every party's set around the ring, then the results are published.

Party ``j`` shuffles its hashed identifiers with a secret permutation, encrypts
them and sends them to ``j + 1``; in each of ``n - 1`` hops a party encrypts
the batch it received with its own key and passes it on, so after the last hop
party ``j`` holds the set of party ``j + 1`` under all ``n`` keys (in
``j + 1``'s secret order). One publishing round then gives every party every
fully encrypted set. Positions never reveal rows: only the owner knows its
permutation. Cost: ``n`` rounds; party ``j`` sends
``32 * (N + (n - 2) * m[j + 1])`` bytes, ``N`` the total of the set sizes ``m``.
"""

import secrets
from dataclasses import dataclass

import numpy as np

from ..errors import PartyError
from . import curve


@dataclass
class Published:
    """What one party holds at the end: every set under all keys, and its own secret order."""

    #: ``sets[m]``: party ``m``'s fully encrypted identifiers, in ``m``'s secret order.
    sets: list[list[bytes]]
    #: Position ``p`` of this party's own batch holds its row ``order[p]``.
    order: np.ndarray


def secret_permutation(size: int) -> np.ndarray:
    """A uniformly random permutation from the OS's cryptographic generator (sort of 64-bit keys)."""
    return np.argsort(np.frombuffer(secrets.token_bytes(8 * size), dtype=np.uint64), kind="stable")


def run(transport, points: dict[int, np.ndarray], hide_rows: bool) -> dict[int, Published]:
    """Encrypt every held party's ``points`` (a ``(m, 32)`` batch per rank) under all keys and publish.

    With ``hide_rows`` the last party to encrypt a set shuffles it again, so
    that not even its owner can tell which of its rows are in the intersection.
    """
    n = transport.n_parties
    keys = {j: curve.new_key() for j in points}
    orders = {j: secret_permutation(len(batch)) for j, batch in points.items()}
    batches = {j: curve.encrypt(keys[j], batch[orders[j]]) for j, batch in points.items()}
    for _ in range(n - 1):
        for j, batch in batches.items():
            transport.send(j, (j + 1) % n, batch)
        received = {j: _receive(transport, (j - 1) % n, j) for j in batches}
        transport.end_round()  # flush before encrypting, so that parties encrypt in parallel
        batches = {j: curve.encrypt(keys[j], batch) for j, batch in received.items()}
    if hide_rows:
        batches = {j: batch[secret_permutation(len(batch))] for j, batch in batches.items()}
    for j, batch in batches.items():
        for m in range(n):
            if m != j:
                transport.send(j, m, batch)
    published = {}
    for j, batch in batches.items():
        sets = [None] * n
        sets[(j + 1) % n] = curve.from_batch(batch)
        for m in range(n):
            if m != j:
                sets[(m + 1) % n] = curve.from_batch(_receive(transport, m, j))
        published[j] = Published(sets, orders[j])
    transport.end_round()
    return published


def _receive(transport, sender: int, receiver: int) -> np.ndarray:
    """The next message from ``sender``; :class:`PartyError` if it failed (linkage needs every party)."""
    message = transport.recv(sender, receiver)
    if message is None:
        raise PartyError(f"{transport.names[sender]} failed during record linkage, which needs every party")
    return message
