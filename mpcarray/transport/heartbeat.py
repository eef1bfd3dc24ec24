"""Heartbeats: a stopped peer is told apart from a slow one within seconds.

A process that is stopped (SIGSTOP, a debugger, a frozen VM) keeps its
connections open and its kernel still acknowledges bytes, so neither a closed
connection nor TCP keepalive reveals it; the per-frame timeout would, but only
after the full timeout, which must stay long enough for honest local work. So
one daemon thread per process sends a heartbeat frame every :data:`INTERVAL`
seconds on every registered channel (registered when its handshake ends,
unregistered when it closes; the thread ends with the last one). It runs
whatever the protocol thread does (waiting, sleeping, computing), so a peer that
sent nothing at all, not even a heartbeat, for :data:`SILENCE` seconds is
stopped or cut off, and :func:`~mpcarray.transport.channel.pump` names it.
"""

import threading

#: Seconds between two heartbeats on a channel.
INTERVAL = 1.0
#: Seconds without a single byte from a greeted peer after which it counts as stopped.
SILENCE = 5.0

_changed = threading.Condition()
_channels: set = set()  # objects with a beat() method (channels)
_thread: threading.Thread | None = None


def register(channel) -> None:
    """Call ``channel.beat()`` every :data:`INTERVAL` seconds until :func:`unregister`."""
    global _thread
    with _changed:
        _channels.add(channel)
        if _thread is None:
            _thread = threading.Thread(target=_run, name="mpcarray-heartbeat", daemon=True)
            _thread.start()


def unregister(channel) -> None:
    """Stop beating on ``channel`` (nothing if it was not registered)."""
    with _changed:
        _channels.discard(channel)
        _changed.notify()


def _run() -> None:
    global _thread
    while True:
        with _changed:
            _changed.wait_for(lambda: not _channels, INTERVAL)
            if not _channels:  # the last channel closed: end, a later register starts a new thread
                _thread = None
                return
            channels = list(_channels)
        for channel in channels:
            channel.beat()
