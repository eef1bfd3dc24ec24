"""The dealer as its own process: keys for every party, corrections for party 0.

The service accepts one authenticated connection from every party, sends each
its AES-256 stream key (:mod:`mpcarray.preprocessing.randomness`), and then
answers party 0's requests with correction arrays computed from the kinds
table (:mod:`mpcarray.preprocessing.kinds`). It receives no shares and no
inputs: only request kinds and sizes. It ends when party 0 says goodbye.

The dealer never waits forever. Parties 1..n-1 keep their (idle) connection
until they end: with a goodbye, or, when their session fails, with an abort
frame carrying their error (which names the party they lost). The dealer
fails (non-zero exit from ``mpcarray dealer``) naming the party when

* a party closes its connection without a goodbye, or reports its failure;
* party 0 has started sending a request and not finished it within the
  timeout (an absolute deadline per frame: dripped bytes do not extend it);
* party 0 sends nothing for the timeout once every other party has ended;
* party 0 takes nothing of a correction for the timeout (progress is a
  whole frame or 1 MiB, as in :func:`~mpcarray.transport.channel.pump`);
* a party sends nothing at all, not even a heartbeat, for
  :data:`~mpcarray.transport.heartbeat.SILENCE` seconds (it stopped). The
  dealer reads every link before judging, so a party that is merely busy
  (its heartbeats arrived while the dealer computed) is not judged silent.

A stopped party is also caught by the other parties (by its missing
heartbeats) and reported to the dealer by their abort; TCP keepalive
(:data:`~mpcarray.transport.mesh.KEEPALIVE_IDLE`) catches a host that
vanished without closing its connections.
"""

import secrets
import socket
import time

import numpy as np

from ..errors import NetworkError, NoProgressError, ProtocolError
from ..transport.channel import CONTROL, PROGRESS_BYTES, Channel, pump
from ..transport.heartbeat import SILENCE
from ..transport.mesh import accept_greeted, fingerprint
from ..transport.tls import Credentials
from ..transport.wire import MAX_FRAME_BYTES
from .kinds import BY_CODE, correction, party0_gaps, stream_length
from .randomness import KEY_BYTES, KeyedStreams
from .remote import ABORT_DTYPE, GOODBYE

DEALER = "dealer"


def accept_parties(parties, server: socket.socket, credentials: Credentials | None, timeout: float) -> dict:
    """One greeted channel per party accepted on ``server``, keyed by rank, within ``timeout`` seconds.

    Closes ``server`` when done: a session has exactly one connection per party.
    """
    deadline = time.monotonic() + timeout
    channels = {}
    try:
        accept_greeted(server, {p: r for r, p in enumerate(parties)}, DEALER, fingerprint(parties),
                       credentials, deadline, timeout, channels)
    finally:
        server.close()
    return channels


def answer(streams: KeyedStreams, request: np.ndarray, n_parties: int) -> np.ndarray:
    """Party 0's correction for one request ``[code, *params]``."""
    name = BY_CODE.get(int(request[0])) if request.dtype == np.uint64 and request.size else None
    if name is None:
        raise ProtocolError(f"dealer: malformed request {request[:4].tolist()}")
    params = tuple(int(v) for v in request[1:])
    try:
        length = stream_length(name, params)
    except (TypeError, ValueError) as err:
        raise ProtocolError(f"dealer: request {name} with parameters {params}: {err}") from err
    if 8 * length * n_parties > MAX_FRAME_BYTES:
        raise ProtocolError(f"dealer: request {name}{params} is too large")
    all_streams, offset = streams.next(length, party0_gaps(name, params))  # row 0 is party 0's
    return correction(name, all_streams, offset, params)


def serve(parties, server: socket.socket, credentials: Credentials | None, timeout: float,
          log=print) -> int:
    """Run the dealer for one session, accepting the parties on the listening socket ``server``.

    Returns the number of requests served; raises :class:`NetworkError` or
    :class:`ProtocolError` naming the party when the session fails.
    """
    parties = tuple(parties)
    channels = accept_parties(parties, server, credentials, timeout)
    try:
        keys = [secrets.token_bytes(KEY_BYTES) for _ in parties]
        for rank, channel in channels.items():
            channel.post(np.frombuffer(keys[rank], dtype=np.uint8), CONTROL)
        everyone = list(channels.values())
        pump(everyone, lambda: not any(c.sending for c in everyone), timeout)
        log(f"dealer: keys sent to {', '.join(parties)}; serving {parties[0]}")
        session, streams, served = Attendance(parties, channels, timeout), KeyedStreams(keys), 0
        link = channels[0]
        while (request := session.next_request()) is not None:
            link.post(answer(streams, request, len(parties)), CONTROL)
            served += 1
        pump([link], lambda: not link.sending, timeout)
    finally:
        for channel in channels.values():
            channel.close()
    log(f"dealer: session ended normally after {served} requests")
    return served


class Attendance:
    """The dealer's view of the session after the keys: party 0's requests, everyone's end.

    :meth:`next_request` waits on every party still connected, with the
    deadlines of the module docstring.
    """

    def __init__(self, parties: tuple[str, ...], channels: dict[int, Channel], timeout: float):
        self.parties, self.timeout = parties, timeout
        self.links = dict(channels)  # parties that have not ended yet
        self.alone_since: float | None = None  # when every party but party 0 had ended
        self._sending = (0, 0, time.monotonic())  # party 0's bytes, frames and when they last moved
        for link in self.links.values():
            link.expect(None, CONTROL)
        self._alone()

    def _alone(self) -> None:
        if self.alone_since is None and list(self.links) == [0]:
            self.alone_since = time.monotonic()

    def _ended(self, rank: int, frame: np.ndarray) -> bool:
        """Handle ``frame`` from party ``rank``: True for party 0's goodbye; raise for an abort."""
        name = self.parties[rank]
        if frame.dtype == ABORT_DTYPE:
            reason = frame.tobytes().decode("utf-8", "replace")
            raise NetworkError(f"{name} failed: {reason}")
        if frame.dtype == np.uint64 and frame.size == 1 and frame[0] == GOODBYE:
            if rank:
                self.links.pop(rank).close()
                self._alone()
            return True
        if rank:
            raise ProtocolError(f"dealer: {name} sent a request; only {self.parties[0]} may")
        return False

    def _deadline(self) -> tuple[int, float, str]:
        """The earliest deadline now running: (party, time.monotonic() value, what it failed to do)."""
        within = f"within {self.timeout:g} s"
        found = (0, float("inf"), "")
        link0, (moved, frames, since) = self.links[0], self._sending
        if not link0.sending or link0.frames_done > frames or link0.moved_bytes >= moved + PROGRESS_BYTES:
            self._sending = (link0.moved_bytes, link0.frames_done, time.monotonic())
        elif since + self.timeout < found[1]:
            found = (0, since + self.timeout,
                     f"took nothing of its correction (progress is a frame or 1 MiB) {within}")
        for rank, link in self.links.items():
            if link.frame_started is not None and link.frame_started + self.timeout < found[1]:
                found = (rank, link.frame_started + self.timeout,
                         f"started a frame and did not finish it {within}")
            if link.silent_from() < found[1]:
                found = (rank, link.silent_from(), f"sent nothing, not even a heartbeat, for {SILENCE:g} s")
        if self.alone_since is not None and self.alone_since + self.timeout < found[1]:
            found = (0, self.alone_since + self.timeout,
                     f"sent neither a request nor its goodbye after the other parties ended {within}")
        return found

    def next_request(self) -> np.ndarray | None:
        """Party 0's next request, or None when it says goodbye."""
        link0 = self.links[0]
        while True:
            for link in list(self.links.values()):  # read all that arrived before judging silence
                while link.read():
                    pass
            for rank in [r for r in self.links if r and self.links[r].inbox]:
                self._ended(rank, self.links[rank].inbox.popleft())
            if link0.inbox:
                frame = link0.inbox.popleft()
                if self._ended(0, frame):
                    return None
                link0.expect(None, CONTROL)
                return frame
            culprit, deadline, why = self._deadline()
            now = time.monotonic()
            if now > deadline:
                raise NetworkError(f"{self.parties[culprit]} {why} (it stopped or hangs)")
            links = list(self.links.values())
            try:
                pump(links, lambda links=links: any(link.inbox for link in links),
                     min(1.0, max(0.05, deadline - now)))
            except NoProgressError:
                pass
