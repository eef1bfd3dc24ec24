"""The party side of the dealer service: correlated randomness over the network.

Every party receives its AES-256 key from the dealer once, over TLS, and
draws its own shares of every request from that keystream locally
(:class:`~mpcarray.preprocessing.randomness.KeyedStreams`); party 0 also asks
the dealer for its correction arrays. The request is sent at once and the
correction is awaited only when a kernel needs it, so it travels while the
parties open their masked values.
"""

import numpy as np

from ..errors import ProtocolError
from ..transport.channel import CONTROL, Channel, pump
from ..transport.socket import SocketTransport
from .dealer import Dealer
from .kinds import KINDS
from .randomness import KEY_BYTES, KeyedStreams

#: Request code that ends the service normally.
GOODBYE = 0


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

    Only party 0 keeps the link open after receiving its key.
    """

    def __init__(self, transport: SocketTransport, link: Channel):
        self._link = link
        super().__init__(transport, KeyedStreams([receive_key(link, transport.timeout)]))
        if 0 in transport.ranks:
            transport.attach(link)
        else:
            link.close()
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
        """Tell the dealer the session ended normally."""
        if 0 in self._transport.ranks:
            self._link.post(np.array([GOODBYE], dtype=np.uint64), CONTROL)
            self._transport.wait(lambda: not self._link.sending)
