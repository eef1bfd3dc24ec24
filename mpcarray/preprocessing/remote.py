"""The party side of the dealer service: correlated randomness over the network.

Every party receives its AES-256 key from the dealer once, over TLS, and
draws its own shares of every request from that keystream locally
(:class:`~mpcarray.preprocessing.randomness.KeyedStreams`); party 0 also asks
the dealer for its correction arrays. The request is sent at once and the
correction is awaited only when a kernel needs it, so it travels while the
parties open their masked values.
"""

import numpy as np

from ..errors import MpcError, ProtocolError
from ..transport.channel import CONTROL, Channel, pump
from ..transport.socket import SocketTransport
from .dealer import Dealer
from .kinds import KINDS
from .randomness import KEY_BYTES, KeyedStreams

#: Request code that ends the service normally.
GOODBYE = 0
#: dtype of the frame a party sends the dealer when its session fails: its error, UTF-8.
ABORT_DTYPE = np.dtype(np.uint8)
#: Longest a failing party spends telling the dealer why (seconds).
ABORT_SECONDS = 2.0
#: Longest error text sent to the dealer (bytes).
ABORT_BYTES = 1000


def receive_key(link: Channel, timeout: float) -> bytes:
    """Wait for this party's stream key from the dealer."""
    link.expect(None, CONTROL)
    pump([link], lambda: bool(link.inbox), timeout)
    key = link.inbox.popleft()
    if key.dtype != np.uint8 or key.size != KEY_BYTES:
        raise ProtocolError(f"the dealer sent a malformed key ({key.dtype}, {key.size} bytes)")
    return key.tobytes()


class RemoteDealer(Dealer):
    """Dealer client of one socket party; ``link`` is its channel to the dealer service.

    Party 0 sends its requests over the link; the other parties keep theirs
    idle (but for heartbeats) until the session ends, so that the dealer
    learns how it ended (:meth:`close`, :meth:`abort`).
    """

    skips_party0_gaps = True  # party 0 draws none of the words its corrections replace

    def __init__(self, transport: SocketTransport, link: Channel):
        self._link = link
        super().__init__(transport, KeyedStreams([receive_key(link, transport.timeout)]))
        transport.attach(link)  # every party watches the dealer's heartbeats while it waits
        self._requested = self._received = 0
        self._replies: dict[int, np.ndarray] = {}

    def _correction(self, name, params, streams, offset):
        self._link.post(np.array((KINDS[name].code,) + tuple(params), dtype=np.uint64), CONTROL)
        self._link.expect(None, CONTROL)
        request, self._requested = self._requested, self._requested + 1
        return lambda: self._await(request)

    def _await(self, request: int) -> np.ndarray:
        while request not in self._replies:
            self._transport.wait(lambda: bool(self._link.inbox))
            reply = self._link.inbox.popleft()
            self._replies[self._received] = reply
            self._received += 1
            self._transport.count_from_dealer(0, reply.nbytes)
        return self._replies.pop(request)

    def close(self) -> None:
        """Tell the dealer this party ended normally.

        Every correction this party used has arrived, so a dealer that is
        already gone (it gives party 0 the timeout after the others ended)
        changes no result: the goodbye is not an error then.
        """
        self._tell(np.array([GOODBYE], dtype=np.uint64), self._transport.timeout)

    def abort(self, reason: str) -> None:
        """Tell the dealer this party's session failed, and why (at most :data:`ABORT_SECONDS`)."""
        self._tell(np.frombuffer(reason.encode("utf-8")[:ABORT_BYTES], dtype=ABORT_DTYPE),
                   min(ABORT_SECONDS, self._transport.timeout))

    def _tell(self, frame: np.ndarray, seconds: float) -> None:
        """Send ``frame`` if the dealer still listens, then close the link; errors are not raised
        (a dealer that already ended needs no news)."""
        try:
            self._link.post(frame, CONTROL)
            pump([self._link], lambda: not self._link.sending, seconds)
        except MpcError:
            pass
        finally:
            self._link.close()
