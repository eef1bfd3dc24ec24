"""Heartbeats (issue 13, network): a stopped party or dealer is named within seconds, a slow one
fails no one.

The first tests drive two channels over a socket pair in this process (shortened intervals);
the last ones run real processes under ``mpcarray``'s supervisor with the default 30 s timeout
(``slow``): the 5 s silence rule, not the timeout, names a stopped process.
"""

import json
import re
import signal
import threading
import time

import numpy as np
import pytest
from test_dealer_faults import ENDLESS, supervised
from test_wire_config import credentials, pair  # noqa: F401 - fixtures: two channels over TCP and over TLS

from mpcarray import launch
from mpcarray.errors import NoProgressError, ProtocolError
from mpcarray.transport import heartbeat, wire
from mpcarray.transport.channel import GATHER, HEARTBEAT, pump

# real sockets and deadlines: README's test command runs these alone, after the rest
pytestmark = pytest.mark.network


@pytest.fixture
def fast(monkeypatch):
    """Heartbeats every 0.1 s, silence after 1 s (ten heartbeats: room for a loaded machine)."""
    monkeypatch.setattr(heartbeat, "INTERVAL", 0.1)
    monkeypatch.setattr(heartbeat, "SILENCE", 1.0)


# ------------------------------------------------------------------ channels
def test_a_heartbeat_is_a_32_byte_frame():
    assert len(wire.encode_header(np.empty(0, dtype=np.uint8), HEARTBEAT)) == 32


def test_heartbeats_are_swallowed_and_are_not_progress(pair):  # noqa: F811
    """Sequenced (the frame after them is accepted) but never delivered, and a wait with only
    heartbeats arriving still times out."""
    a, b = pair
    a.beat()
    a.beat()
    b.expect(None, GATHER)
    with pytest.raises(NoProgressError, match="no progress from a for 0.3 s"):
        pump([a, b], lambda: not b.busy, 0.3)
    assert b.moved_bytes == b.frames_done == 0 and not b.inbox
    a.post(np.arange(3, dtype=np.uint64), GATHER)
    pump([a, b], lambda: not b.busy, 5.0)
    np.testing.assert_array_equal(b.inbox.popleft(), np.arange(3))


def test_a_malformed_heartbeat_is_a_protocol_error(pair):  # noqa: F811
    a, b = pair
    a.post(np.zeros(1, dtype=np.uint8), HEARTBEAT)  # a heartbeat has no body
    with pytest.raises(ProtocolError, match="malformed heartbeat from a"):
        pump([a, b], lambda: False, 5.0)


def test_frames_stay_whole_while_the_heartbeat_thread_sends(pair):  # noqa: F811
    """The lock: heartbeats from another thread, one each millisecond, never cut a large frame."""
    a, b = pair
    big = np.arange(3_000_000, dtype=np.uint64)  # larger than the socket buffers
    into = np.empty_like(big)
    stop = threading.Event()
    beating = threading.Thread(target=lambda: [a.beat() for _ in iter(lambda: stop.wait(0.001), True)])
    beating.start()
    try:
        for _ in range(3):
            b.expect(into, GATHER)
            a.post(big, GATHER)
            pump([a, b], lambda: not b.busy, 10.0)
            np.testing.assert_array_equal(into, big)
            into[:] = 0
        assert b._recv_seq > 3  # heartbeats went between the frames
    finally:
        stop.set()
        beating.join()


def test_a_silent_peer_is_named_after_the_silence_whatever_the_timeout(pair, fast):  # noqa: F811
    _, b = pair
    b.keep_alive()  # b watches a, which sends no heartbeat
    b.expect(None, GATHER)
    start = time.monotonic()
    with pytest.raises(NoProgressError, match=r"^a sent nothing, not even a heartbeat, for 1 s") as err:
        pump([b], lambda: not b.busy, 30.0)
    assert err.value.stalled == ["a"]
    assert time.monotonic() - start < 3.0
    dropped = []
    pump([b], lambda: bool(dropped), 30.0, on_failure=lambda c, reason: dropped.append((c.peer, reason)))
    assert dropped == [("a", "sent nothing, not even a heartbeat, for 1 s")]


def test_a_peer_that_only_sends_heartbeats_is_not_silent(pair, fast):  # noqa: F811
    """a's heartbeat thread keeps b waiting past the silence, and sends a frame a posted without
    waiting (the protocol thread busy elsewhere)."""
    a, b = pair
    a.keep_alive()
    b.keep_alive()
    b.expect(None, GATHER)
    threading.Timer(2.5, a.post, (np.arange(2, dtype=np.uint64), GATHER)).start()
    start = time.monotonic()
    pump([b], lambda: not b.busy, 30.0)
    assert time.monotonic() - start > 2.4
    np.testing.assert_array_equal(b.inbox.popleft(), np.arange(2))


def test_the_heartbeat_thread_beats_each_interval_and_ends_with_the_last_channel(pair, fast):  # noqa: F811
    a, b = pair
    a.keep_alive()
    if heartbeat._channels != {a}:
        pytest.skip("channels another test left open keep the thread running")
    thread = heartbeat._thread
    b.expect(None, GATHER)
    with pytest.raises(NoProgressError, match="no progress from a for 0.45 s"):  # heartbeats came
        pump([b], lambda: not b.busy, 0.45)
    assert b._recv_seq >= 3  # a heartbeat each 0.1 s
    a.close()
    thread.join(1.0)
    assert not thread.is_alive() and heartbeat._thread is None


# ------------------------------------------------------------------ processes
@pytest.mark.slow
@pytest.mark.network
def test_a_stopped_party_is_named_by_the_other_processes_within_seconds(tmp_path):
    """SIGSTOP to party b of three, with the default 30 s timeout: the 5 s silence names it. Each
    other process names b, or (a known race) sees a process that named it close first."""
    code, output, after, sink = supervised(tmp_path, ENDLESS, "b", signal.SIGSTOP, timeout=30,
                                           parties=("a", "b", "c"))
    assert code == 1, output
    silent = "b sent nothing, not even a heartbeat, for 5 s"
    for name in ("a", "c"):
        assert re.search(rf"\[{name}\] mpcarray party {name}: (NoProgressError: {silent}|"
                         r"NetworkError: \w+ closed the connection)", output), output
    assert re.search(rf"\[dealer\] mpcarray dealer: NetworkError: (\w failed: NoProgressError: )?{silent}",
                     output), output
    assert "b (killed by SIGKILL)" in output
    assert sink.first(silent) < 12  # measured 4.5 s (the last process 5.4 s)
    assert after < 12 + launch.GRACE  # then the supervisor kills b


SLOW = """\
import json, sys, time, numpy as np, mpcarray as mpc
victim, how = int(sys.argv[1]), sys.argv[2]
with mpc.Session.from_env() as s:
    x = s.share(np.linspace(-2, 2, 50) if s.holds(0) else None, owner=0)
    y = s.share(np.linspace(1, 3, 50) if s.holds(1) else None, owner=1)
    first = (x * y).sum()
    if s.rank == victim:  # a long local computation: asleep, or busy in Python
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if how == "sleep":
                time.sleep(end - time.monotonic())
    print(json.dumps([first.reveal().tolist(), (x * x).sum().reveal().tolist()]))
"""


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("victim, how", [(0, "sleep"), (1, "busy")], ids=["a-asleep", "b-busy"])
def test_a_party_slow_for_10_s_fails_no_one(tmp_path, victim, how):
    """Party a asleep (the dealer hears only its heartbeats) or party b busy for 10 s, twice the
    silence: the run succeeds and its results are NumPy's."""
    script = tmp_path / "slow.py"
    script.write_text(SLOW)
    run = launch.start(launch.prepare(tmp_path, ["a", "b"], timeout=30), script, (str(victim), how))
    results = run.wait(120)
    x, y = np.linspace(-2, 2, 50), np.linspace(1, 3, 50)
    for name in ("a", "b"):
        code, out = results[name]
        assert code == 0, out
        assert json.loads(out.strip().splitlines()[-1]) == pytest.approx([x @ y, x @ x], abs=50 * 2**-15)
    assert results["dealer"][0] == 0, results["dealer"][1]
