"""The ring: every party's key is applied to every party's set, passing each set from party to party.

Used with two parties (:mod:`.counting` then compares the sets); three or more
use :mod:`.star`, which does not show anyone the sets under all keys.

Party ``j`` shuffles its hashed identifiers with a secret permutation, encrypts
them and sends them to ``j + 1``; in each of ``n - 1`` hops a party encrypts
the batch it received with its own key and passes it on, so after the last hop
party ``j`` holds the set of party ``j + 1`` under all ``n`` keys (in
``j + 1``'s secret order). Positions never reveal rows: only the owner knows its
permutation. Cost: ``n - 1`` rounds; party ``j`` sends ``32 (N - m[j + 1])``
bytes, ``N`` the total of the set sizes ``m``, and computes ``N`` X25519 multiplications.
"""

import secrets
from dataclasses import dataclass

import numpy as np

from ..errors import PartyError, ProtocolError
from . import curve


@dataclass
class Encrypted:
    """What the ring leaves with the parties this process holds, by rank."""

    #: ``held[j]``: party ``j + 1``'s set under all keys, in ``j + 1``'s secret order.
    held: dict[int, np.ndarray]
    #: Position ``p`` of party ``j``'s batches holds its row ``orders[j][p]``.
    orders: dict[int, np.ndarray]


def secret_permutation(size: int) -> np.ndarray:
    """A uniformly random permutation from the OS's cryptographic generator (sort of 64-bit keys)."""
    return np.argsort(np.frombuffer(secrets.token_bytes(8 * size), dtype=np.uint64), kind="stable")


def run(transport, points: dict[int, np.ndarray], sizes: list[int]) -> Encrypted:
    """Encrypt every held party's ``points`` (a ``(m, 32)`` batch per rank) under all keys.

    ``sizes`` are the announced set sizes, by rank: every batch received is checked against them.
    """
    n = transport.n_parties
    keys = {j: curve.new_key() for j in points}
    orders = {j: secret_permutation(len(batch)) for j, batch in points.items()}
    batches = {j: curve.encrypt(keys[j], batch[orders[j]]) for j, batch in points.items()}
    for hop in range(1, n):
        for j, batch in batches.items():
            transport.send(j, (j + 1) % n, batch)
        # after hop h, party j holds the set of party j - h
        received = {j: receive_batch(transport, (j - 1) % n, j, sizes[(j - hop) % n]) for j in batches}
        transport.end_round()  # flush before encrypting, so that parties encrypt in parallel
        batches = {j: curve.encrypt(keys[j], batch) for j, batch in received.items()}
    return Encrypted(batches, orders)


def receive(transport, sender: int, receiver: int) -> np.ndarray:
    """The next message from ``sender``; :class:`PartyError` if it failed (linkage needs every party)."""
    message = transport.recv(sender, receiver)
    if message is None:
        raise PartyError(f"{transport.names[sender]} failed during record linkage, which needs every party")
    return message


def receive_batch(transport, sender: int, receiver: int, size: int) -> np.ndarray:
    """The next batch of ``size`` points from ``sender``, or :class:`ProtocolError` naming what came instead."""
    batch = receive(transport, sender, receiver)
    if batch.dtype != np.uint8 or batch.shape != (size, curve.POINT_BYTES):
        raise ProtocolError(f"{transport.names[sender]} sent {batch.dtype}{list(batch.shape)} where a batch of "
                            f"{size} points, uint8{[size, curve.POINT_BYTES]}, was due")
    return batch
