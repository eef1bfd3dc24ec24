"""Opening authenticated connections: every pair of parties, and each party to the dealer.

Rule: party ``i`` connects to every party ``j > i`` and accepts from every
``j < i`` (accepting runs in a thread so both happen at once); connection
attempts are retried until the deadline while peers start. After the TLS
handshake each side sends a hello frame naming itself and a fingerprint of
the party list; the acceptor checks the claimed name against the party list
and the peer's certificate, the connector checks the acceptor is the party it
dialled. An accepted connection that fails the handshake, the hello or the
identity check (a port scan, a stray client, a foreign certificate) is
dropped and logged, and accepting goes on until the deadline, so that only a
real peer's absence fails the set-up. Every failure is a
:class:`NetworkError` (or :class:`ConfigError`) naming the peer.
"""

import hashlib
import logging
import socket
import ssl
import threading
import time

import numpy as np

from ..errors import ConfigError, MpcError, NetworkError
from .channel import CONTROL, Channel, pump
from .tls import Credentials, TlsStream, check_peer, handshake

_BUFFER_BYTES = 1 << 22
#: Longest an accepted connection may take to finish its handshake and hello.
HANDSHAKE_SECONDS = 10.0
#: Most accepted connections handshaking at once (each in its own thread); more wait to be accepted.
MAX_HANDSHAKES = 32
#: TCP keepalive on every connection: first probe after this many idle seconds, then one every
#: :data:`KEEPALIVE_INTERVAL` s; :data:`KEEPALIVE_PROBES` unanswered probes close the connection.
#: A peer whose host vanished (power cut, network partition: no FIN, no RST) is detected
#: after at most 10 + 3 * 5 = 25 s of silence, while the connection waits idle (e.g. the
#: dealer between requests). A stopped process's kernel still answers probes: stopped peers
#: are caught by their missing heartbeats (:mod:`~mpcarray.transport.heartbeat`), not by keepalive.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_PROBES = 10, 5, 3
_log = logging.getLogger("mpcarray.network")


def fingerprint(parties) -> str:
    """A short digest of the ordered party list, so parties with different configurations fail fast."""
    return hashlib.sha256("\n".join(parties).encode()).hexdigest()[:16]


def tune(sock: socket.socket) -> None:
    """No Nagle delay, large kernel buffers, TCP keepalive (:data:`KEEPALIVE_IDLE`)."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        sock.setsockopt(socket.SOL_SOCKET, option, _BUFFER_BYTES)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE), ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
                        ("TCP_KEEPCNT", KEEPALIVE_PROBES)):
        if hasattr(socket, name):  # Linux; other systems keep their own keepalive timing
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def listen(address: tuple[str, int]) -> socket.socket:
    """A listening socket on ``address``; :class:`NetworkError` if it is taken."""
    server = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:  # with SO_REUSEADDR a second bind can succeed and only listen() fail
        server.bind(address)
        server.listen(64)
    except OSError as err:
        server.close()
        raise NetworkError(f"cannot listen on {address[0]}:{address[1]}: {err} "
                           "(is another process already running this party?)") from err
    return server


def dial(address: tuple[str, int], peer: str, deadline: float) -> socket.socket:
    """Connect to ``address``, retrying while the peer starts, until ``deadline``."""
    start = time.monotonic()
    while True:
        try:
            sock = socket.create_connection(address, timeout=max(0.1, deadline - time.monotonic()))
            tune(sock)
            return sock
        except OSError as err:
            if time.monotonic() + 0.1 >= deadline:
                raise NetworkError(f"cannot connect to {peer} at {address[0]}:{address[1]} "
                                   f"(tried for {time.monotonic() - start:.0f} s): {err}") from err
            time.sleep(0.1)


def secure(sock: socket.socket, credentials: Credentials | None, server: bool, peer: str,
           deadline: float) -> socket.socket | TlsStream:
    """Run the TLS 1.3 handshake (unless ``credentials`` is None: plain TCP)."""
    if credentials is None:
        return sock
    try:
        return handshake(sock, credentials.context(server), server, deadline)
    except (ssl.SSLError, OSError) as err:
        sock.close()
        raise NetworkError(f"TLS handshake with {peer} failed: {err}") from err


def greet(sock: socket.socket | TlsStream, own: str, print_: str, peer: str, deadline: float,
          secured: bool) -> tuple[Channel, str]:
    """Exchange hellos; return the channel and the name the peer claims (checked against its certificate).

    From then on the channel sends heartbeats and watches the peer's (:meth:`Channel.keep_alive`).
    """
    channel = Channel(sock, peer)
    try:
        channel.post(np.frombuffer(f"{own}|{print_}".encode(), dtype=np.uint8), CONTROL)
        channel.expect(None, CONTROL)
        pump([channel], lambda: not channel.busy, max(0.1, deadline - time.monotonic()))
        name, _, theirs = channel.inbox.popleft().tobytes().decode("utf-8", "replace").partition("|")
        if theirs != print_:
            raise ConfigError(f"{name!r} was started with a different party list "
                              f"(fingerprint {theirs} != {print_})")
        if secured:
            check_peer(sock, name)
    except BaseException:
        channel.close()
        raise
    channel.peer = name
    channel.keep_alive()
    return channel, name


def accept_greeted(server: socket.socket, expected: dict[str, int], own: str, print_: str,
                   credentials: Credentials | None, deadline: float, timeout: float,
                   channels: dict, stop: threading.Event | None = None) -> None:
    """Accept, secure and greet connections until every ``expected`` party (name to rank) is in ``channels``.

    Each accepted connection is secured and greeted in its own thread (at
    most :data:`MAX_HANDSHAKES` at once), so a client that connects and then
    stalls or drips bytes delays no one else. A connection that fails its
    handshake or hello within :data:`HANDSHAKE_SECONDS`, or that claims a
    party not expected or one already connected, is dropped and logged;
    accepting goes on until ``deadline``.
    """
    server.settimeout(0.2)
    lock, slots = threading.Lock(), threading.BoundedSemaphore(MAX_HANDSHAKES)
    unexpected: list[BaseException] = []
    ended = threading.Event()  # set when accepting stops: later greetings are dropped

    def admit(sock: socket.socket) -> None:
        try:
            channel, name = _greeted(sock, own, print_, credentials,
                                     min(deadline, time.monotonic() + HANDSHAKE_SECONDS))
        except (MpcError, OSError, ValueError) as err:
            _log.warning("%s: dropped a connection that failed to identify itself: %s", own, err)
            return
        except BaseException as err:  # noqa: BLE001 - reaches the accepting thread as a clear error
            unexpected.append(NetworkError(f"{own}: greeting a connection failed: "
                                           f"{type(err).__name__}: {err}"))
            return
        finally:
            slots.release()
        with lock:
            if name in expected and expected[name] not in channels and not ended.is_set():
                channels[expected[name]] = channel
                return
        channel.close()
        _log.warning("%s: dropped a connection from %r (unknown, already connected, or late)", own, name)

    def finished() -> bool:
        return all(r in channels for r in expected.values()) or bool(stop and stop.is_set())

    try:
        while True:
            with lock:
                if finished():
                    return
            if unexpected:
                raise unexpected[0]
            if time.monotonic() > deadline:
                with lock:
                    missing = [name for name, r in expected.items() if r not in channels]
                if not missing:
                    return
                raise NetworkError(f"{own}: no connection from {', '.join(missing)} within {timeout:g} s")
            if not slots.acquire(timeout=0.2):
                continue
            try:
                sock, _ = server.accept()
            except TimeoutError:
                slots.release()
                continue
            except BaseException:
                slots.release()
                raise
            threading.Thread(target=admit, args=(sock,), name=f"{own}-greet", daemon=True).start()
    finally:
        with lock:  # greetings still running drop their connection when they end
            ended.set()


def _greeted(sock: socket.socket, own: str, print_: str, credentials: Credentials | None,
             deadline: float) -> tuple[Channel, str]:
    """An accepted connection secured and greeted by ``deadline``, or an error (the socket closed)."""
    try:
        tune(sock)
        secured = secure(sock, credentials, True, "a connecting party", deadline)
    except BaseException:
        sock.close()
        raise
    return greet(secured, own, print_, "a connecting party", deadline, credentials is not None)


def connect_mesh(parties, addresses, rank: int, credentials: Credentials | None,
                 timeout: float) -> dict[int, Channel]:
    """Channels to every other party, keyed by rank, within ``timeout`` seconds."""
    own, print_ = parties[rank], fingerprint(parties)
    deadline = time.monotonic() + timeout
    server = listen(addresses[rank])
    channels: dict[int, Channel] = {}
    failure: list[BaseException] = []
    stop = threading.Event()

    def accept_lower() -> None:
        try:
            accept_greeted(server, {parties[r]: r for r in range(rank)}, own, print_, credentials,
                           deadline, timeout, channels, stop)
        except (MpcError, OSError) as err:
            failure.append(err)
        except Exception as err:  # noqa: BLE001 - any other error must reach the main thread as a clear one
            failure.append(NetworkError(f"{own}: accepting connections failed: {type(err).__name__}: {err}"))

    acceptor = threading.Thread(target=accept_lower, name=f"{own}-accept", daemon=True)
    acceptor.start()
    try:
        for peer in range(rank + 1, len(parties)):
            sock = secure(dial(addresses[peer], parties[peer], deadline), credentials, False,
                          parties[peer], deadline)
            channel, name = greet(sock, own, print_, parties[peer], deadline, credentials is not None)
            if name != parties[peer]:
                channel.close()
                raise NetworkError(f"{own}: {addresses[peer]} answered as {name!r}, expected {parties[peer]!r}")
            channels[peer] = channel
    except BaseException:
        stop.set()
        acceptor.join()
        for channel in channels.values():
            channel.close()
        raise
    finally:
        acceptor.join()
        server.close()
    if failure:
        for channel in channels.values():
            channel.close()
        raise failure[0]
    return channels
