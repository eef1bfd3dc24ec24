"""The dealer as its own process: keys for every party, corrections for party 0.

The service accepts one authenticated connection from every party, sends each
its AES-256 stream key (:mod:`mpcarray.preprocessing.randomness`), closes the
connections of parties 1..n-1, and then answers party 0's requests with
correction arrays computed from the kinds table
(:mod:`mpcarray.preprocessing.kinds`). It receives no shares and no inputs:
only request kinds and sizes. It ends when party 0 says goodbye, and fails
(non-zero exit from ``mpcarray dealer``) if party 0 disappears without it.
"""

import secrets
import socket
import time

import numpy as np

from ..errors import ProtocolError
from ..transport.channel import CONTROL, pump
from ..transport.mesh import accept_greeted, fingerprint
from ..transport.tls import Credentials
from ..transport.wire import MAX_FRAME_BYTES
from .kinds import BY_CODE, correction, stream_length
from .randomness import KEY_BYTES, KeyedStreams
from .remote import GOODBYE

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
    all_streams, offset = streams.next(length)
    return correction(name, all_streams, offset, params)


def serve(parties, server: socket.socket, credentials: Credentials | None, timeout: float,
          log=print) -> int:
    """Run the dealer for one session, accepting the parties on the listening socket ``server``.

    Returns the number of requests served.
    """
    parties = tuple(parties)
    channels = accept_parties(parties, server, credentials, timeout)
    keys = [secrets.token_bytes(KEY_BYTES) for _ in parties]
    for rank, channel in channels.items():
        channel.post(np.frombuffer(keys[rank], dtype=np.uint8), CONTROL)
    everyone = list(channels.values())
    pump(everyone, lambda: not any(c.sending for c in everyone), timeout)
    for rank in range(1, len(parties)):
        channels[rank].close()
    log(f"dealer: keys sent to {', '.join(parties)}; serving {parties[0]}")
    link, streams, served = channels[0], KeyedStreams(keys), 0
    try:
        while True:
            link.expect(None, CONTROL)
            pump([link], lambda: bool(link.inbox), None)
            request = link.inbox.popleft()
            if request.size == 1 and request[0] == GOODBYE:
                break
            link.post(answer(streams, request, len(parties)), CONTROL)
            served += 1
        pump([link], lambda: not link.sending, timeout)
    finally:
        link.close()
    log(f"dealer: session ended normally after {served} requests")
    return served
