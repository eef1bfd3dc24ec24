"""All parties in one process: messages are handed over in memory, and counted.

This backend is for development and study design: it computes exactly what the
distributed protocol computes and reports the same byte and round counts, but
every party's data lives in one process, so it protects nothing.
"""

from collections import defaultdict, deque

import numpy as np

from ..errors import MpcError
from .base import Transport


class SimulatedTransport(Transport):
    """In-memory transport holding every party."""

    def __init__(self, n_parties: int):
        super().__init__(n_parties, tuple(range(n_parties)))
        self._mailboxes: dict[tuple[int, int], deque] = defaultdict(deque)

    def all_gather(self, rows: np.ndarray) -> np.ndarray:
        if rows.shape[0] != self.n_parties:
            raise ValueError(f"expected {self.n_parties} rows, got {rows.shape[0]}")
        per_party = rows[0].nbytes * (self.n_parties - 1)
        self.comm.bytes_sent += per_party
        self.comm.bytes_received += per_party
        self.comm.rounds += 1
        return rows

    def send(self, sender: int, receiver: int, message: np.ndarray) -> None:
        self.check_party(sender)
        self.check_party(receiver)
        message = np.array(message, order="C")  # a private copy; keeps 0-d arrays 0-d
        self.comm.bytes_sent[sender] += message.nbytes
        self.comm.bytes_received[receiver] += message.nbytes
        self._mailboxes[sender, receiver].append(message)

    def recv(self, sender: int, receiver: int) -> np.ndarray:
        box = self._mailboxes[sender, receiver]
        if not box:
            raise MpcError(f"party {receiver} waits for a message from party {sender} never sent")
        return box.popleft()

    def count_from_dealer(self, party: int, nbytes: int) -> None:
        self.comm.dealer_bytes[party] += nbytes
