"""One framed, non-blocking connection to one peer (TLS or plain TCP).

A :class:`Channel` queues outgoing frames (header bytes plus a memoryview of
the array, no copy) and parses incoming ones with a small state machine:
fixed header prefix, dimensions, then the body, read with ``recv_into``
either into a preallocated array registered with :meth:`expect` or into a
fresh array sized from the checked header (frames awaited with ``expect(None, kind)`` land in
:attr:`Channel.inbox`). Frames carry the sender's
sequence number and a kind; anything out of order is a
:class:`~mpcarray.errors.ProtocolError`. :func:`pump` drives many channels at
once so that sending and receiving overlap and large exchanges cannot deadlock.

Once greeted, a channel sends heartbeats from the process's heartbeat thread
(:mod:`~mpcarray.transport.heartbeat`) and swallows the peer's; a lock keeps
that thread's frames and the protocol's whole. :func:`pump` names a greeted
peer that sent nothing, not even a heartbeat, for
:data:`~mpcarray.transport.heartbeat.SILENCE` seconds.
"""

import selectors
import socket
import ssl
import threading
import time
from collections import deque

import numpy as np

from ..errors import NetworkError, NoProgressError, ProtocolError
from . import heartbeat, wire
from .tls import TlsStream
from .wire import CONTROL, GATHER, HEARTBEAT, KIND_BITS, POINT  # noqa: F401 - the kinds, for the channel's users

#: Largest slice handed to one send call.
_CHUNK = 1 << 22
#: Most bytes of frames a peer may send before this party awaits them (a peer a round ahead).
MAX_UNREQUESTED_BYTES = 1 << 30
#: Bytes each queued frame counts on top of its body: more than its Python objects take (the array
#: with its shape and strides, the queue entry), so a flood of empty frames meets the bound too.
QUEUED_FRAME_BYTES = 1 << 10
#: Bytes that count as progress of a wait even before a frame completes (dripping bytes do not).
PROGRESS_BYTES = 1 << 20


class Channel:
    """Frames to and from one peer over a connected socket (or a :class:`~.tls.TlsStream`)."""

    def __init__(self, sock: socket.socket | TlsStream, peer: str):
        sock.setblocking(False)
        self.sock, self.peer = sock, peer
        self._lock = threading.Lock()  # the protocol's and the heartbeat thread's frames stay whole
        self._out: deque[tuple[memoryview, bool]] = deque()  # (bytes, whether they are progress)
        self._sent_seq = self._recv_seq = 0
        self.inbox: deque[np.ndarray] = deque()  # frames awaited with expect(None, kind)
        self._early: deque = deque()  # frames that arrived before they were expected
        self._early_bytes = 0
        self._sinks: deque = deque()  # (array or None, kind) awaited, in order
        self.closed_by_peer = False
        #: Bytes moved (received: frame bodies only) and frames completed, both ways, heartbeats
        #: excepted: :func:`pump` reads progress from them.
        self.moved_bytes = self.frames_done = 0
        #: When the first byte of the frame being received arrived (``time.monotonic()``), else None.
        self.frame_started: float | None = None
        #: When the peer's last byte arrived (``time.monotonic()``); watched once :meth:`keep_alive` is called.
        self.heard = time.monotonic()
        self.watched = self._closed = False
        self._reset_reader()

    def keep_alive(self) -> None:
        """Send heartbeats from now on, and count the peer silent after
        :data:`~mpcarray.transport.heartbeat.SILENCE` seconds without a byte (both ends call
        this when their handshake ends)."""
        self.heard, self.watched = time.monotonic(), True
        heartbeat.register(self)

    def silent_from(self) -> float:
        """When (``time.monotonic()``) the peer counts as silent: :data:`~mpcarray.transport.heartbeat.SILENCE`
        seconds after its last byte; never if it is not watched or has closed the connection."""
        if not self.watched or self.closed_by_peer:
            return float("inf")
        return self.heard + heartbeat.SILENCE

    def beat(self) -> None:
        """Called by the heartbeat thread: queue a heartbeat unless frames are queued
        already, then send what the socket accepts. Skipped while the protocol thread holds
        the channel (so that one busy channel delays no other's heartbeat); errors are left
        to the protocol thread."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if not self._out:
                self._post(np.empty(0, dtype=np.uint8), HEARTBEAT, progress=False)
            self._write()
        except (NetworkError, OSError):
            pass
        finally:
            self._lock.release()

    # ------------------------------------------------------------- outgoing
    def post(self, array: np.ndarray, kind: int) -> None:
        """Queue ``array`` (C-contiguous, whitelisted dtype) as the next frame of ``kind``."""
        with self._lock:
            self._post(array, kind, progress=True)

    def _post(self, array: np.ndarray, kind: int, progress: bool) -> None:
        array = np.asarray(array, order="C")
        header = memoryview(wire.encode_header(array, self._sent_seq << KIND_BITS | kind))
        self._out.append((header, progress))
        if array.nbytes:
            self._out.append((memoryview(array.reshape(-1)).cast("B"), progress))
        self._sent_seq += 1

    @property
    def sending(self) -> bool:
        return bool(self._out)

    @property
    def busy(self) -> bool:
        """True while frames wait to be sent or an expected frame has not arrived."""
        return bool(self._out) or bool(self._sinks)

    def write(self) -> bool:
        """Send what the socket accepts now; True if anything was sent."""
        with self._lock:
            return self._write()

    def _write(self) -> bool:
        progress = False
        while self._out and not self._closed:
            view, counts = self._out[0]
            if self.closed_by_peer:
                raise NetworkError(f"{self.peer} closed the connection (did it stop or fail?)")
            try:
                sent = self.sock.send(view[:_CHUNK])
            except BlockingIOError:
                break
            except (BrokenPipeError, ConnectionResetError) as err:  # the peer is gone, as when it closes
                self.closed_by_peer = True
                raise NetworkError(f"{self.peer} closed the connection (did it stop or fail?)") from err
            except (OSError, ssl.SSLError) as err:
                raise NetworkError(f"connection to {self.peer} failed while sending: {err}") from err
            progress = True
            if counts:  # heartbeats are not progress
                self.moved_bytes += sent
            if sent == len(view):
                self._out.popleft()
                self.frames_done += counts
            else:
                self._out[0] = (view[sent:], counts)
        return progress

    # ------------------------------------------------------------- incoming
    def expect(self, into: np.ndarray | None, kind: int) -> None:
        """Await the next frame, of ``kind``: received directly into ``into`` (shape and dtype
        must match) or, with ``into=None``, into a fresh array appended to :attr:`inbox`."""
        self._sinks.append((into, kind))
        if self._early:  # arrived before it was expected
            array, early_kind = self._early.popleft()
            self._early_bytes -= array.nbytes + QUEUED_FRAME_BYTES
            self._deliver(array, early_kind)

    def _deliver(self, array: np.ndarray, kind: int) -> None:
        into, wanted = self._sinks.popleft()
        self._check(array.dtype, array.shape, kind, into, wanted)
        if into is None:
            self.inbox.append(array)
        else:
            into[...] = array

    def _check(self, dtype, shape, kind, into, wanted) -> None:
        if kind != wanted or into is not None and (dtype != into.dtype or tuple(shape) != into.shape):
            expected = "" if into is None else f" {into.dtype}{list(into.shape)}"
            raise ProtocolError(
                f"out of step with {self.peer}: expected a kind-{wanted}{expected} message, got a "
                f"kind-{kind} {dtype}{list(shape)} one (do all parties run the same program?)")

    def _reset_reader(self) -> None:
        self.frame_started = None
        self._stage, self._buffer, self._filled = "prefix", bytearray(wire.PREFIX.size), 0
        self._view = memoryview(self._buffer)

    def read(self) -> bool:
        """Receive what has arrived, stopping after a completed frame; True if anything was read.

        A peer closing an idle connection is not an error until a frame is awaited from it.
        """
        with self._lock:
            return self._read()

    def _read(self) -> bool:
        progress = False
        while not self.closed_by_peer and not self._closed:
            try:
                count = self.sock.recv_into(self._view[self._filled:])
            except BlockingIOError:
                break
            except ConnectionResetError:  # the peer died with our data unread: it has closed
                count = 0
            except (OSError, ssl.SSLError) as err:
                raise NetworkError(f"connection to {self.peer} failed while receiving: {err}") from err
            if count == 0:
                self.closed_by_peer = True
                break
            progress = True
            self.heard = time.monotonic()
            if self._stage == "body":  # headers (and so heartbeats) are not progress
                self.moved_bytes += count
            elif self.frame_started is None:
                self.frame_started = self.heard
            self._filled += count
            if self._filled == len(self._view) and self._advance():
                return True
        if self.closed_by_peer and (self._sinks or self._filled or self._stage != "prefix"):
            raise NetworkError(f"{self.peer} closed the connection (did it stop or fail?)")
        return progress

    def _advance(self) -> bool:
        """Move to the next stage of the frame being read; True when a frame is complete."""
        if self._stage == "prefix":
            self._dtype, ndim, tag, self._nbytes = wire.decode_prefix(bytes(self._buffer))
            self._kind = tag & ((1 << KIND_BITS) - 1)
            if tag >> KIND_BITS != self._recv_seq:
                raise ProtocolError(f"frame {tag >> KIND_BITS} from {self.peer}, expected frame {self._recv_seq}")
            self._stage, self._buffer, self._filled = "dims", bytearray(ndim * wire.DIM.size), 0
            self._view = memoryview(self._buffer)
            if ndim:
                return False
        if self._stage == "dims":
            shape = wire.decode_shape(bytes(self._buffer), self._dtype, self._nbytes)
            if self._kind == HEARTBEAT:  # swallowed: it only shows the peer is alive
                if (self._dtype, shape) != (np.dtype(np.uint8), (0,)):
                    raise ProtocolError(f"malformed heartbeat from {self.peer}: {self._dtype}{list(shape)}")
                self._recv_seq += 1
                self._reset_reader()
                return True
            into = self._sinks[0][0] if self._sinks else None
            self._bound = into is not None  # received in place; stays awaited until complete
            if self._bound:
                self._check(self._dtype, shape, self._kind, *self._sinks[0])
                self._body = into
            else:
                queued = self._early_bytes + self._nbytes + QUEUED_FRAME_BYTES
                if not self._sinks and queued > MAX_UNREQUESTED_BYTES:
                    raise ProtocolError(f"{self.peer} sent more than {MAX_UNREQUESTED_BYTES} bytes nobody "
                                        "asked for (do all parties run the same program?)")
                self._body = np.empty(shape, dtype=self._dtype)
            self._stage, self._filled = "body", 0
            self._view = memoryview(self._body.reshape(-1)).cast("B") if self._nbytes else memoryview(b"")
            if self._nbytes:
                return False
        if self._bound:
            self._sinks.popleft()
        elif self._sinks:  # awaited after its header arrived (or awaited into the inbox)
            self._deliver(self._body, self._kind)
        else:
            self._early.append((self._body, self._kind))
            self._early_bytes += self._body.nbytes + QUEUED_FRAME_BYTES
        self._recv_seq += 1
        self.frames_done += 1
        self._reset_reader()
        return True

    def close(self) -> None:
        """Close the connection and stop its heartbeats."""
        heartbeat.unregister(self)
        with self._lock:
            self._closed = True
            try:
                self.sock.close()
            except OSError:
                pass


def pump(channels, done, timeout: float | None, on_failure=None) -> None:
    """Send and receive on all ``channels`` until ``done()``.

    Raises :class:`NoProgressError` (a :class:`NetworkError` naming the
    channels still awaited or sending) after ``timeout`` seconds without
    progress (``None``: wait as long as the connections stay open), or
    :class:`NetworkError` when a connection fails. Progress is a frame sent or received in full, or
    :data:`PROGRESS_BYTES` moved: a peer dripping a byte at a time does not
    hold the wait open; heartbeats are not progress either. A greeted peer that sent nothing
    at all, not even a heartbeat, for :data:`~mpcarray.transport.heartbeat.SILENCE` seconds
    raises :class:`NoProgressError` at once, whatever the timeout. With ``on_failure``, a
    failed or silent connection, or one still awaited or sending when the timeout expires, is
    instead handed to ``on_failure(channel, reason)`` and no longer pumped; the others go on.
    """
    channels = list(channels)
    selector = selectors.DefaultSelector()

    def drop(channel: Channel, reason: str) -> None:
        channels.remove(channel)
        selector.unregister(channel.sock)
        on_failure(channel, reason)

    def step(channel: Channel, move) -> bool:
        try:
            return move()
        except NetworkError as err:
            if on_failure is None:
                raise
            drop(channel, str(err))
            return True

    try:
        for channel in channels:
            selector.register(channel.sock, selectors.EVENT_READ, channel)
        last = time.monotonic()
        mark = _movement(channels)
        while True:
            active = False
            for channel in list(channels):
                active |= step(channel, channel.write)
            if done():
                return
            for channel in list(channels):
                active |= step(channel, channel.read)
            if done():
                return
            moved = _movement(channels)
            if moved[1] > mark[1] or moved[0] >= mark[0] + PROGRESS_BYTES:
                last, mark = time.monotonic(), moved
            if active:
                continue
            now = time.monotonic()
            for channel in [c for c in channels if c.silent_from() <= now]:  # all that arrived was read
                reason = f"sent nothing, not even a heartbeat, for {heartbeat.SILENCE:g} s"
                if on_failure is None:
                    raise NoProgressError(f"{channel.peer} {reason} (it stopped, or its host or network "
                                          "is down)", [channel.peer])
                drop(channel, reason)
            remaining = 3600.0 if timeout is None else last + timeout - time.monotonic()
            if remaining <= 0:
                stalled = [c for c in channels if c.busy]
                if on_failure is None or not stalled:
                    names = [c.peer for c in stalled or channels]
                    raise NoProgressError(f"no progress from {', '.join(names)} for {timeout:g} s "
                                          "(a peer stopped or hangs)", names)
                for channel in stalled:
                    drop(channel, f"no progress for {timeout:g} s")
                last, mark = time.monotonic(), _movement(channels)
                continue
            for channel in channels:
                events = selectors.EVENT_READ | (selectors.EVENT_WRITE if channel.sending else 0)
                selector.modify(channel.sock, events, channel)
            # wake at the first silence, so that every process names a stopped peer at once
            silence = min((c.silent_from() for c in channels), default=float("inf")) - time.monotonic()
            selector.select(max(0.0, min(remaining, silence, 1.0)))
    finally:
        selector.close()


def _movement(channels) -> tuple[int, int]:
    """Bytes moved and frames completed so far over ``channels``."""
    return sum(c.moved_bytes for c in channels), sum(c.frames_done for c in channels)
