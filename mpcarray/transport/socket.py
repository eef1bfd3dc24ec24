"""One party per process: messages travel over the TLS (or plain TCP) mesh.

This process holds one row of every share array (``ranks == (rank,)``), so the
protocol code written over the party axis runs unchanged. Counters have the
simulated backend's meaning: payload bytes this party sent and received (frame
headers are not counted) and communication rounds; only this party's entries
are non-zero.
"""

import numpy as np

from .base import Transport
from .channel import GATHER, POINT, Channel, pump


class SocketTransport(Transport):
    """Transport of party ``rank`` over ``channels`` (one per other party, keyed by rank)."""

    def __init__(self, n_parties: int, rank: int, channels: dict[int, Channel], timeout: float):
        super().__init__(n_parties, (rank,))
        if sorted(channels) != [r for r in range(n_parties) if r != rank]:
            raise ValueError(f"party {rank} needs a channel to each of the other {n_parties - 1} parties")
        self.rank, self.timeout = rank, timeout
        self._channels = channels
        self._all = list(channels.values())
        self._attached: list[Channel] = []

    def attach(self, channel: Channel) -> None:
        """Also move ``channel``'s frames (e.g. the dealer's) whenever this transport waits."""
        self._attached.append(channel)

    def wait(self, done) -> None:
        """Send and receive on every channel until ``done()``; :class:`NetworkError` on a stall."""
        pump(self._all + self._attached, done, self.timeout)


    def all_gather(self, rows: np.ndarray) -> np.ndarray:
        if rows.shape[0] != 1:
            raise ValueError(f"a socket party holds 1 row, got {rows.shape[0]}")
        row = np.asarray(rows[0], order="C")
        out = np.empty((self.n_parties,) + row.shape, dtype=row.dtype)
        out[self.rank] = row
        for peer, channel in self._channels.items():
            channel.expect(out[peer, ...], GATHER)
            channel.post(row, GATHER)
        self.wait(lambda: not any(channel.busy for channel in self._all))
        per_party = row.nbytes * (self.n_parties - 1)
        self.comm.bytes_sent[self.rank] += per_party
        self.comm.bytes_received[self.rank] += per_party
        self.comm.rounds += 1
        return out

    def send(self, sender: int, receiver: int, message: np.ndarray) -> None:
        self.check_party(receiver)
        if sender != self.rank or receiver == self.rank:
            raise ValueError(f"party {self.rank} cannot send as {sender} to {receiver}")
        message = np.asarray(message, order="C")
        self._channels[receiver].post(message, POINT)
        self.comm.bytes_sent[self.rank] += message.nbytes

    def recv(self, sender: int, receiver: int) -> np.ndarray:
        self.check_party(sender)
        if receiver != self.rank or sender == self.rank:
            raise ValueError(f"party {self.rank} cannot receive as {receiver} from {sender}")
        channel = self._channels[sender]
        channel.expect(None, POINT)
        self.wait(lambda: bool(channel.inbox))
        message = channel.inbox.popleft()
        self.comm.bytes_received[self.rank] += message.nbytes
        return message

    def end_round(self) -> None:
        self.wait(lambda: not any(channel.sending for channel in self._all))
        super().end_round()

    def count_from_dealer(self, party: int, nbytes: int) -> None:
        self.comm.dealer_bytes[party] += nbytes

    def close(self) -> None:
        for channel in self._all + self._attached:
            channel.close()
