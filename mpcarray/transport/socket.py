"""One party per process: messages travel over the TLS (or plain TCP) mesh.

This process holds one row of every share array (``ranks == (rank,)``), so the
protocol code written over the party axis runs unchanged. Counters have the
simulated backend's meaning: payload bytes this party sent and received (frame
headers are not counted) and communication rounds; only this party's entries
are non-zero. In a tolerant transport a peer whose connection fails, or that
sends nothing for ``timeout`` seconds while a message from it is awaited, is
declared failed and its channel closed (so that it, if still running, drops
this party too); every later round goes to the live peers only.
"""

import numpy as np

from .base import Transport
from .channel import GATHER, POINT, Channel, pump


class SocketTransport(Transport):
    """Transport of party ``rank`` over ``channels`` (one per other party, keyed by rank)."""

    def __init__(self, n_parties: int, rank: int, channels: dict[int, Channel], timeout: float,
                 names: tuple[str, ...] | None = None):
        super().__init__(n_parties, (rank,), names)
        if sorted(channels) != [r for r in range(n_parties) if r != rank]:
            raise ValueError(f"party {rank} needs a channel to each of the other {n_parties - 1} parties")
        self.rank, self.timeout = rank, timeout
        self._channels = dict(channels)
        self._attached: list[Channel] = []

    def attach(self, channel: Channel) -> None:
        """Also move ``channel``'s frames (e.g. the dealer's) whenever this transport waits."""
        self._attached.append(channel)

    def _live_channels(self) -> dict[int, Channel]:
        return {peer: channel for peer, channel in self._channels.items() if peer not in self.failed}

    def _lost(self, channel: Channel, reason: str) -> None:
        rank = next(peer for peer, c in self._channels.items() if c is channel)
        self.declare_failed(rank, reason)

    def declare_failed(self, rank: int, reason: str) -> None:
        super().declare_failed(rank, reason)
        self._channels[rank].close()

    def wait(self, done) -> None:
        """Send and receive on every live channel until ``done()``.

        A failing peer raises :class:`NetworkError`, or in a tolerant transport is declared failed.
        """
        pump(list(self._live_channels().values()) + self._attached, done, self.timeout,
             self._lost if self.tolerant else None)

    def all_gather(self, rows: np.ndarray) -> np.ndarray:
        if rows.shape[0] != 1:
            raise ValueError(f"a socket party holds 1 row, got {rows.shape[0]}")
        row = np.asarray(rows[0], order="C")
        out = np.empty((self.n_parties,) + row.shape, dtype=row.dtype)  # every row is written below
        out[self.rank] = row
        peers = self._live_channels()
        for peer, channel in peers.items():
            channel.expect(out[peer, ...], GATHER)
            channel.post(row, GATHER)
        self.wait(lambda: not any(c.busy for p, c in peers.items() if p not in self.failed))
        heard = len(peers.keys() - self.failed.keys())
        self.comm.bytes_sent[self.rank] += row.nbytes * heard
        self.comm.bytes_received[self.rank] += row.nbytes * heard
        self.comm.rounds += 1
        out[list(self.failed)] = 0  # rows that arrived before their sender failed are not used
        return out

    def send(self, sender: int, receiver: int, message: np.ndarray) -> None:
        self.check_party(receiver)
        if sender != self.rank or receiver == self.rank:
            raise ValueError(f"party {self.rank} cannot send as {sender} to {receiver}")
        if receiver in self.failed:
            return
        message = np.asarray(message, order="C")
        self._channels[receiver].post(message, POINT)
        self.comm.bytes_sent[self.rank] += message.nbytes

    def recv(self, sender: int, receiver: int) -> np.ndarray | None:
        self.check_party(sender)
        if receiver != self.rank or sender == self.rank:
            raise ValueError(f"party {self.rank} cannot receive as {receiver} from {sender}")
        if sender in self.failed:
            return None
        channel = self._channels[sender]
        channel.expect(None, POINT)
        self.wait(lambda: bool(channel.inbox) or sender in self.failed)
        if sender in self.failed:
            return None
        message = channel.inbox.popleft()
        self.comm.bytes_received[self.rank] += message.nbytes
        return message

    def end_round(self) -> None:
        self.wait(lambda: not any(c.sending for c in self._live_channels().values()))
        super().end_round()

    def count_from_dealer(self, party: int, nbytes: int) -> None:
        self.comm.dealer_bytes[party] += nbytes

    def close(self) -> None:
        for channel in list(self._channels.values()) + self._attached:
            channel.close()
