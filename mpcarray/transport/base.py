"""The ``Transport`` interface shared by the simulated and the socket backends.

Messages are arrays with one leading row per party held by this process: the
simulated backend holds all ``n`` parties, a socket process holds one. Protocol
code never asks which backend it runs on; it only calls :meth:`all_gather`,
:meth:`scatter`, :meth:`send` and :meth:`recv`.
"""

import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from ..errors import PartyError, PartyFailureWarning


@dataclass
class CommStats:
    """Per-party communication counters, kept by the transport only.

    ``bytes_sent[i]`` and ``bytes_received[i]`` count what party ``i`` sent to and
    received from the other parties in the online phase; ``rounds`` counts
    communication steps (one step may carry many arrays); ``dealer_bytes[i]`` counts
    the correction arrays party ``i`` received from the dealer (preprocessing).
    """

    n_parties: int
    bytes_sent: np.ndarray = field(init=False)
    bytes_received: np.ndarray = field(init=False)
    dealer_bytes: np.ndarray = field(init=False)
    rounds: int = field(init=False, default=0)

    def __post_init__(self):
        self.reset()

    def reset(self) -> None:
        """Set every counter to zero."""
        self.bytes_sent = np.zeros(self.n_parties, dtype=np.int64)
        self.bytes_received = np.zeros(self.n_parties, dtype=np.int64)
        self.dealer_bytes = np.zeros(self.n_parties, dtype=np.int64)
        self.rounds = 0

    def snapshot(self) -> "CommStats":
        """An independent copy of the counters, for measuring a block of code by difference."""
        copy = CommStats(self.n_parties)
        copy.bytes_sent = self.bytes_sent.copy()
        copy.bytes_received = self.bytes_received.copy()
        copy.dealer_bytes = self.dealer_bytes.copy()
        copy.rounds = self.rounds
        return copy

    def __sub__(self, earlier: "CommStats") -> "CommStats":
        diff = self.snapshot()
        diff.bytes_sent -= earlier.bytes_sent
        diff.bytes_received -= earlier.bytes_received
        diff.dealer_bytes -= earlier.dealer_bytes
        diff.rounds -= earlier.rounds
        return diff

    def estimate(self, rtt: float, bandwidth: float, dealer: bool = False) -> float:
        """Expected seconds of the counted communication on a network with ``rtt`` and ``bandwidth``.

        Model: ``rounds * rtt + max_i max(sent_i, received_i) * 8 / bandwidth_i``.
        Every round costs one round trip ``rtt`` (seconds; parties wait for each
        other's messages before the next step); the bytes are moved at the same
        time over full-duplex links, so the busiest party's larger direction
        decides. ``bandwidth`` is in bit/s (``1e9`` is 1 Gbit/s). Either figure may
        be one number, or one per party (``n_parties`` values: ``rtt_i`` to the
        party's farthest peer, a round then costs the largest; ``bandwidth_i`` of its
        link). ``dealer=True`` adds the dealer's corrections to each party's
        received bytes (when preprocessing is not done ahead). Local computation is
        not included: add the measured simulated time for a wall-time forecast.
        Works on a difference of snapshots too: ``(s.comm - before).estimate(...)``.
        In a socket party process only its own counters are non-zero, so the
        estimate is that party's.
        """
        rtt = self._per_party("rtt", rtt, allow_zero=True)
        bandwidth = self._per_party("bandwidth", bandwidth, allow_zero=False)
        received = self.bytes_received + (self.dealer_bytes if dealer else 0)
        busiest = np.max(np.maximum(self.bytes_sent, received) * 8.0 / bandwidth)
        return float(self.rounds * np.max(rtt) + busiest)

    def _per_party(self, name: str, value, allow_zero: bool) -> np.ndarray:
        """``value`` as ``n_parties`` finite floats, positive (or zero where allowed); ValueError otherwise."""
        figures = np.asarray(value, dtype=np.float64)
        if figures.shape not in ((), (self.n_parties,)):
            raise ValueError(f"{name} must be one number or one per party ({self.n_parties}), "
                             f"got shape {figures.shape}")
        if not np.all(np.isfinite(figures)) or np.any(figures < 0) or (not allow_zero and np.any(figures == 0)):
            bound = "non-negative" if allow_zero else "positive"
            raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
        return np.broadcast_to(figures, (self.n_parties,))

    def __repr__(self) -> str:
        return (
            f"CommStats(rounds={self.rounds}, bytes_sent={self.bytes_sent.tolist()}, "
            f"bytes_received={self.bytes_received.tolist()}, "
            f"dealer_bytes={self.dealer_bytes.tolist()})"
        )


class Transport(ABC):
    """Communication between ``n_parties`` parties, of which this process holds ``ranks``.

    Failures: in a *tolerant* transport (Shamir sessions, where any ``t + 1``
    parties can open a value) a party whose connection closes or that misses a
    deadline is declared failed (:meth:`declare_failed`) and left out of every
    later round instead of ending the protocol; :attr:`live` lists the others.
    Rows of failed parties in the arrays :meth:`all_gather` returns are zero.
    """

    def __init__(self, n_parties: int, ranks: tuple[int, ...], names: tuple[str, ...] | None = None):
        self.n_parties = n_parties
        self.ranks = tuple(ranks)
        self.names = tuple(names) if names is not None else tuple(f"party {i}" for i in range(n_parties))
        self.comm = CommStats(n_parties)
        #: Drop failed parties and go on (True), or end the protocol at the first failure.
        self.tolerant = False
        #: Parties this process has declared failed, with the reason.
        self.failed: dict[int, str] = {}
        #: The live parties as every party agreed at the last agreement round
        #: (:func:`mpcarray.protocols.agree_live`); steps that depend on who is alive read this.
        self.agreed_live: tuple[int, ...] = tuple(range(n_parties))
        self._everyone = tuple(range(n_parties))

    @property
    def live(self) -> tuple[int, ...]:
        """Parties not declared failed by this process, in rank order."""
        if not self.failed:  # the common case, asked once per opening
            return self._everyone
        return tuple(r for r in range(self.n_parties) if r not in self.failed)

    def declare_failed(self, rank: int, reason: str) -> None:
        """Leave ``rank`` out of every later round, and warn once with ``reason``."""
        if rank in self.failed:
            return
        self.failed[rank] = reason
        warnings.warn(f"{self.names[rank]} failed ({reason}); {len(self.live)} of {self.n_parties} "
                      "parties go on", PartyFailureWarning, stacklevel=3)

    @property
    def first_row(self) -> int:
        """Row of party 0 in this process's share arrays, or -1 if it is not held here."""
        return self.ranks.index(0) if 0 in self.ranks else -1

    def check_party(self, party: int) -> None:
        """Raise :class:`PartyError` unless ``party`` is a valid index."""
        if not 0 <= party < self.n_parties:
            raise PartyError(f"party index {party} is out of range for {self.n_parties} parties")

    @abstractmethod
    def all_gather(self, rows: np.ndarray) -> np.ndarray:
        """Every party sends its row of ``rows`` (shape ``(k, M)``) to every other; one round.

        Returns the ``(n, M)`` array of all parties' messages, as every party sees it.
        Cost per party: ``M * itemsize * (n - 1)`` bytes sent and received.
        """

    @abstractmethod
    def send(self, sender: int, receiver: int, message: np.ndarray) -> None:
        """Queue ``message`` from ``sender`` (held here) to ``receiver``; counts bytes."""

    @abstractmethod
    def recv(self, sender: int, receiver: int) -> np.ndarray | None:
        """Take the next message from ``sender`` to ``receiver`` (held here).

        None when ``sender`` has failed (tolerant transports only).
        """

    @abstractmethod
    def count_from_dealer(self, party: int, nbytes: int) -> None:
        """Record ``nbytes`` of correction data delivered by the dealer to ``party``."""

    def close(self) -> None:
        """Release connections (nothing to release in memory)."""

    def begin_round(self) -> None:
        """Open a communication step made of point-to-point messages (before its first ``send``)."""

    def end_round(self) -> None:
        """Close one communication step made of point-to-point messages."""
        self.comm.rounds += 1

    def scatter(self, sender: int, rows: np.ndarray | None) -> np.ndarray | None:
        """``sender`` delivers row ``j`` of ``rows`` (shape ``(n, ...)``) to party ``j``; one round.

        ``rows`` is required where ``sender`` is held and ignored elsewhere.
        Returns this process's rows, shape ``(k, ...)`` (zero for failed
        parties), or None if ``sender`` failed before its message arrived.
        """
        self.check_party(sender)
        self.begin_round()
        if sender in self.ranks and sender not in self.failed:
            for receiver in self.live:
                if receiver != sender:
                    self.send(sender, receiver, rows[receiver])
        received = {party: rows[party] if party == sender else self.recv(sender, party)
                    for party in self.ranks if party not in self.failed}
        self.end_round()
        if any(message is None for message in received.values()):
            return None
        template = next(iter(received.values()))
        return np.stack([received[p] if p in received else np.zeros_like(template) for p in self.ranks])
