"""All parties in one process: messages are handed over in memory, and counted.

This backend is for development and study design: it computes exactly what the
distributed protocol computes and reports the same byte and round counts, but
every party's data lives in one process, so it protects nothing. It can also
stage a party's failure (:meth:`SimulatedTransport.crash`), so that the
behaviour of a tolerant (Shamir) session can be studied without processes.
"""

from collections import defaultdict, deque

import numpy as np

from ..errors import MpcError, PartyError
from .base import Transport


class SimulatedTransport(Transport):
    """In-memory transport holding every party."""

    def __init__(self, n_parties: int, names: tuple[str, ...] | None = None):
        super().__init__(n_parties, tuple(range(n_parties)), names)
        self._mailboxes: dict[tuple[int, int], deque] = defaultdict(deque)
        self._crashes: dict[int, int] = {}  # rank -> round at which it stops

    def crash(self, rank: int, after_rounds: int = 0) -> None:
        """Let party ``rank`` stop responding once ``after_rounds`` more rounds have run."""
        self.check_party(rank)
        self._crashes[rank] = self.comm.rounds + after_rounds

    def _stop_crashed(self) -> None:
        """Declare failed every party whose staged failure is due."""
        for rank, at in sorted(self._crashes.items()):
            if self.comm.rounds >= at:
                del self._crashes[rank]
                if not self.tolerant:
                    raise PartyError(f"{self.names[rank]} stopped (a staged failure): additive sharing "
                                     "needs every party's share, so the protocol ends")
                self.declare_failed(rank, f"stopped by a staged failure before round {at + 1}")

    def all_gather(self, rows: np.ndarray) -> np.ndarray:
        if rows.shape[0] != self.n_parties:
            raise ValueError(f"expected {self.n_parties} rows, got {rows.shape[0]}")
        if self._crashes:
            self._stop_crashed()
        if not self.failed:  # everyone live: whole-array counter updates, no index lists
            per_party = rows[0].nbytes * (self.n_parties - 1)
            self.comm.bytes_sent += per_party
            self.comm.bytes_received += per_party
            self.comm.rounds += 1
            return rows
        live = list(self.live)
        per_party = rows[0].nbytes * (len(live) - 1)
        self.comm.bytes_sent[live] += per_party
        self.comm.bytes_received[live] += per_party
        self.comm.rounds += 1
        if len(live) == self.n_parties:
            return rows
        heard = np.zeros_like(rows)
        heard[live] = rows[live]
        return heard

    def begin_round(self) -> None:
        self._stop_crashed()

    def send(self, sender: int, receiver: int, message: np.ndarray) -> None:
        self.check_party(sender)
        self.check_party(receiver)
        message = np.array(message, order="C")  # a private copy; keeps 0-d arrays 0-d
        self.comm.bytes_sent[sender] += message.nbytes
        self.comm.bytes_received[receiver] += message.nbytes
        self._mailboxes[sender, receiver].append(message)

    def recv(self, sender: int, receiver: int) -> np.ndarray | None:
        box = self._mailboxes[sender, receiver]
        if not box:
            if self.tolerant and sender in self.failed:
                return None
            raise MpcError(f"party {receiver} waits for a message from party {sender} never sent")
        return box.popleft()

    def count_from_dealer(self, party: int, nbytes: int) -> None:
        self.comm.dealer_bytes[party] += nbytes
