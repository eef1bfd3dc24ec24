"""The dealer against stalled, dying, dripping and flooding parties, and stray connections (issue:
hardening, network): it never waits forever, and every process ends with an error naming the party
at fault.

The first tests run the dealer service in a thread and play the parties by hand over loopback
(a 1 s timeout); the last ones run real processes under ``mpcarray``'s supervisor or
``python -m mpcarray run`` (``slow``): the fault-injection matrix of issue 13's acceptance.
"""

import json
import os
import re
import signal
import socket
import ssl
import threading
import time

import numpy as np
import pytest
from test_network_hardening import (
    ENDLESS,
    assert_nothing_left,
    foreign_credentials,
    lines_until,
    mpcarray_run,
    processes_of_run,
    stray_clients,
)

from mpcarray import launch
from mpcarray.errors import NetworkError
from mpcarray.preprocessing.kinds import KINDS
from mpcarray.preprocessing.remote import ABORT_DTYPE, ABORT_SECONDS, GOODBYE, receive_key
from mpcarray.preprocessing.service import accept_parties, serve
from mpcarray.transport import heartbeat, wire
from mpcarray.transport.channel import CONTROL, pump
from mpcarray.transport.config import load_consortium
from mpcarray.transport.mesh import (
    HANDSHAKE_SECONDS,
    KEEPALIVE_IDLE,
    KEEPALIVE_INTERVAL,
    KEEPALIVE_PROBES,
    MAX_HANDSHAKES,
    dial,
    fingerprint,
    greet,
    listen,
    secure,
)
from mpcarray.transport.tls import handshake, make_certificates

# real sockets and deadlines: README's test command runs these alone, after the rest
pytestmark = pytest.mark.network

PARTIES = ("a", "b", "c")
TIMEOUT = 1.0


class DealerThread:
    """``serve`` in a thread on a free loopback port; ``outcome`` is its return value or error."""

    def __init__(self, timeout=TIMEOUT, credentials=None, parties=PARTIES):
        server = listen(("127.0.0.1", 0))
        self.address = server.getsockname()
        self.outcome, self.ended = None, None
        self.thread = threading.Thread(target=self._run, args=(parties, server, credentials, timeout),
                                       daemon=True)
        self.thread.start()

    def _run(self, parties, server, credentials, timeout):
        try:
            self.outcome = serve(parties, server, credentials, timeout, log=lambda *_: None)
        except Exception as err:  # noqa: BLE001 - inspected by the tests
            self.outcome = err
        self.ended = time.monotonic()

    def result(self, seconds=30):
        self.thread.join(seconds)
        assert not self.thread.is_alive(), "the dealer still waits"
        return self.outcome


OPENED = []


@pytest.fixture(autouse=True)
def close_links():
    """Close every party link a test opened."""
    yield
    while OPENED:
        OPENED.pop().close()


def join(address, name, credentials=None, parties=PARTIES):
    """A party's link to the dealer, as ``Session`` opens it (its key not yet received)."""
    deadline = time.monotonic() + 10
    sock = secure(dial(address, "dealer", deadline), credentials, False, "dealer", deadline)
    link, who = greet(sock, name, fingerprint(parties), "dealer", deadline, credentials is not None)
    assert who == "dealer"
    OPENED.append(link)
    return link


def keyed(links):
    """``links`` once each has received its key (the dealer sends them when every party is in)."""
    for link in links:
        assert len(receive_key(link, 10)) == 32
    return links


def send(link, frame):
    link.post(frame, CONTROL)
    pump([link], lambda: not link.sending, 5)


GOODBYE_FRAME = np.array([GOODBYE], dtype=np.uint64)


def request(size=4):
    return np.array([KINDS["beaver_triples"].code, size], dtype=np.uint64)


def session(dealer):
    return keyed([join(dealer.address, name) for name in PARTIES])


# ------------------------------------------------------------ the honest end
def test_an_honest_session_ends_normally_whatever_order_the_parties_end_in():
    dealer = DealerThread()
    a, b, c = session(dealer)
    send(b, GOODBYE_FRAME)
    send(a, request(5))
    a.expect(None, CONTROL)
    pump([a], lambda: bool(a.inbox), 5)
    assert a.inbox.popleft().shape == (5,)  # party 0's correction: one word per triple
    send(a, GOODBYE_FRAME)
    try:
        send(c, GOODBYE_FRAME)  # after party 0's goodbye the dealer may already have ended
    except NetworkError:
        pass  # it had: a goodbye is best effort, as in Session.close
    assert dealer.result() == 1


# ------------------------------------------------------------ parties at fault
def test_a_party_that_closes_without_a_goodbye_is_named_at_once():
    dealer = DealerThread(timeout=30)
    _a, _b, c = session(dealer)
    start = time.monotonic()
    c.close()
    error = dealer.result()
    assert isinstance(error, NetworkError) and "c closed the connection" in str(error)
    assert dealer.ended - start < 5


def test_a_party_reporting_its_failure_ends_the_dealer_with_the_reason():
    """Party b lost party 0: its abort names party 0, and so does the dealer's error."""
    dealer = DealerThread(timeout=30)
    _a, b, _c = session(dealer)
    reason = "NetworkError: no progress from a for 30 s (a peer stopped or hangs)"
    send(b, np.frombuffer(reason.encode(), dtype=ABORT_DTYPE))
    error = dealer.result()
    assert isinstance(error, NetworkError) and str(error) == f"b failed: {reason}"


def test_dripped_bytes_of_a_request_do_not_hold_the_dealer():
    """Party 0 sends a request one byte every 0.1 s (it would take 5 s): the frame's absolute
    deadline (the timeout, 1 s, from its first byte) ends the dealer, although bytes keep coming."""
    dealer = DealerThread()
    a, _b, _c = session(dealer)
    heartbeat.unregister(a)  # its heartbeats would cut the dripped frame
    frame = wire.encode_header(request(), 0 << 4 | CONTROL) + request().tobytes()
    start = time.monotonic()
    for byte in frame:
        if dealer.ended is not None:
            break
        try:
            a.sock.send(bytes([byte]))
        except OSError:
            break
        time.sleep(0.1)
    error = dealer.result()
    assert isinstance(error, NetworkError)
    assert str(error) == "a started a frame and did not finish it within 1 s (it stopped or hangs)"
    assert dealer.ended - start < TIMEOUT + 2
    assert len(frame) * 0.1 > TIMEOUT + 2  # the drip alone would have lasted longer


def test_party_0_silent_after_the_others_ended_is_named_after_the_timeout():
    dealer = DealerThread()
    _a, b, c = session(dealer)
    send(b, GOODBYE_FRAME)
    send(c, GOODBYE_FRAME)
    start = time.monotonic()
    error = dealer.result()
    assert str(error) == ("a sent neither a request nor its goodbye after the other parties ended "
                          "within 1 s (it stopped or hangs)")
    assert TIMEOUT - 0.1 < dealer.ended - start < TIMEOUT + 2


def test_party_0_that_stops_reading_a_correction_is_named():
    """A correction of 2^22 words (32 MiB, more than both kernel buffers hold) to a party 0 that reads nothing: no progress for the timeout."""
    dealer = DealerThread()
    a, _b, _c = session(dealer)
    send(a, request(1 << 22))
    error = dealer.result()
    assert str(error) == ("a took nothing of its correction (progress is a frame or 1 MiB) within 1 s "
                          "(it stopped or hangs)")


def test_a_correction_delayed_6_s_by_a_slow_party_0_ends_normally():
    """Party 0 reads a correction (32 MiB, more than the kernel buffers hold) only after 6 s, more
    than the 5 s silence: its heartbeats (and the others') keep the dealer, which reads every
    link before judging, from naming anyone; the session ends normally."""
    dealer = DealerThread(timeout=30)
    a, b, c = session(dealer)
    send(a, request(1 << 22))
    time.sleep(6)
    a.expect(None, CONTROL)
    pump([a], lambda: bool(a.inbox), 30)
    assert a.inbox.popleft().shape == (1 << 22,)
    for link in (b, c, a):
        send(link, GOODBYE_FRAME)
    assert dealer.result() == 1


# ------------------------------------------------------------ set-up
def test_keepalive_on_both_ends_of_every_dealer_connection():
    server = listen(("127.0.0.1", 0))
    accepted = {}
    acceptor = threading.Thread(
        target=lambda: accepted.update(accept_parties(PARTIES[:2], server, None, 10)))
    acceptor.start()
    links = [secure(dial(server.getsockname(), "dealer", time.monotonic() + 5), None, False, "dealer", 0)
             for _ in PARTIES[:2]]
    channels = [greet(sock, name, fingerprint(PARTIES[:2]), "dealer", time.monotonic() + 5, False)[0]
                for sock, name in zip(links, PARTIES)]
    acceptor.join(10)
    for sock in [c.sock for c in channels] + [c.sock for c in accepted.values()]:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == KEEPALIVE_IDLE
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == KEEPALIVE_INTERVAL
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == KEEPALIVE_PROBES
    assert KEEPALIVE_IDLE + KEEPALIVE_PROBES * KEEPALIVE_INTERVAL == 25  # docs/socket.md
    assert (KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_PROBES) == (10, 5, 3)
    assert (HANDSHAKE_SECONDS, MAX_HANDSHAKES, ABORT_SECONDS) == (10, 32, 2)  # docs/socket.md
    for channel in channels + list(accepted.values()):
        channel.close()


def drip(address, stop, gap=0.3):
    """Connect to ``address`` and send a TLS ClientHello's bytes one every ``gap`` seconds, until ``stop``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    tls = context.wrap_bio(ssl.MemoryBIO(), outgoing := ssl.MemoryBIO())
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    while not stop.is_set():
        try:
            with socket.create_connection(address, timeout=1) as sock:
                for byte in hello:
                    if stop.wait(gap):
                        return
                    sock.send(bytes([byte]))
        except OSError:
            time.sleep(0.05)


def test_a_dripping_handshake_ends_at_its_absolute_deadline(tmp_path):
    credentials = make_certificates(tmp_path, ["dealer"])["dealer"]
    server = listen(("127.0.0.1", 0))
    stop = threading.Event()
    dripper = threading.Thread(target=drip, args=(server.getsockname(), stop, 0.1), daemon=True)
    dripper.start()
    sock, _ = server.accept()
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="deadline"):
        handshake(sock, credentials.context(True), True, start + 1.0)
    assert time.monotonic() - start < 1.5  # one receive's wait ends at the deadline too
    stop.set()
    dripper.join()
    sock.close()
    server.close()


def test_stray_and_dripping_connections_delay_no_party(tmp_path):
    """Three drippers (each would hold a one-at-a-time handshake for 10 s) and junk clients
    connect before the parties: the parties get their keys at once and the session ends normally."""
    names = list(PARTIES) + ["dealer"]
    credentials = make_certificates(tmp_path, names)
    dealer = DealerThread(timeout=30, credentials=credentials["dealer"])
    stop = threading.Event()
    strays = [threading.Thread(target=drip, args=(dealer.address, stop), daemon=True) for _ in range(3)]
    strays.append(threading.Thread(target=stray_clients, args=(dealer.address, stop), daemon=True))
    for stray in strays:
        stray.start()
    time.sleep(0.5)  # the strays connect first
    start = time.monotonic()
    links = {}
    joiners = [threading.Thread(target=lambda n=n: links.update({n: join(dealer.address, n, credentials[n])}))
               for n in PARTIES]
    for joiner in joiners:
        joiner.start()
    for joiner in joiners:
        joiner.join(20)
    assert sorted(links) == list(PARTIES)
    keyed(links.values())
    assert time.monotonic() - start < 5
    for name in ("b", "c", "a"):
        send(links[name], GOODBYE_FRAME)
    assert dealer.result() == 0
    stop.set()
    for stray in strays:
        stray.join(5)


# ------------------------------------------------------------ real processes


class SignalAt:
    """Output sink for :func:`launch.supervise` that sends ``sig`` to process ``victim`` (a party
    or the dealer; None: the script makes its own fault) when the line ``cue`` comes; ``at`` is
    when, ``times`` when each line came."""

    def __init__(self, run, victim, sig, cue="[a] multiplying\n"):
        self.run, self.victim, self.sig, self.cue = run, victim, sig, cue
        self.lines, self.times, self.at = [], [], None

    def first(self, pattern):
        """Seconds from the signal to the first line matching ``pattern``."""
        return next(t - self.at for line, t in zip(self.lines, self.times) if re.search(pattern, line))

    def write(self, text):
        self.lines.append(text)
        self.times.append(time.monotonic())
        if self.at is None and text == self.cue:
            if self.victim is not None:
                time.sleep(0.3)  # a few products in (each takes milliseconds)
                self.run.processes()[self.victim].send_signal(self.sig)
            self.at = time.monotonic()

    def flush(self):
        pass


def supervised(tmp_path, script_text, victim, sig, timeout=5, parties=("a", "b"), cue="[a] multiplying\n"):
    """``parties`` and the dealer run ``script_text``; ``victim`` gets ``sig`` at the line ``cue``.
    Returns (exit status, output, seconds from the cue to the end of the last process, the sink)."""
    script = tmp_path / "script.py"
    script.write_text(script_text)
    run = launch.start(launch.prepare(tmp_path, list(parties), timeout=timeout), script)
    sink = SignalAt(run, victim, sig, cue)
    status = {}
    supervisor = threading.Thread(target=lambda: status.update(code=launch.supervise(run, sink)))
    supervisor.start()
    supervisor.join(120)
    assert not supervisor.is_alive(), "".join(sink.lines)
    assert sink.at is not None, "".join(sink.lines)
    for process in run.processes().values():
        assert process.poll() is not None
    return status["code"], "".join(sink.lines), time.monotonic() - sink.at, sink


def assert_dealer_killed(output):
    """What the processes of ``ENDLESS`` say when the dealer is killed. Each party names the first
    connection it finds closed while awaiting it: the dealer's, or the other party's when that
    party stopped first (both orders happen). At least one party names the dealer, and the
    supervisor names all three."""
    said = {party: re.search(rf"\[{party}\] mpcarray party {party}: NetworkError: (dealer|{other}) closed "
                             r"the connection \(did it stop or fail\?\)", output)
            for party, other in (("a", "b"), ("b", "a"))}
    assert all(said.values()), output
    assert "dealer" in {match.group(1) for match in said.values()}, output
    assert "failed: dealer (killed by SIGKILL), a (exit status 1), b (exit status 1)" in output, output


@pytest.mark.slow
@pytest.mark.network
def test_killed_dealer_ends_every_party_with_a_clear_error(tmp_path):
    code, output, after, _ = supervised(tmp_path, ENDLESS, "dealer", signal.SIGKILL)
    assert code == 1
    assert_dealer_killed(output)
    assert after < 30


@pytest.mark.slow
@pytest.mark.network
def test_mpcarray_run_with_a_killed_dealer_ends_every_process_and_leaves_no_keys(tmp_path):
    """The same cell under ``python -m mpcarray run`` (default 30 s timeout): every process ends
    with its clear error within 30 s of the kill, no child is left and the folder of private keys
    in the run's TMPDIR is gone."""
    run, temp = mpcarray_run(tmp_path, ENDLESS, "--parties", "a,b")
    lines = lines_until(run, "[a] multiplying")
    children = processes_of_run(temp)
    (dealer,) = [pid for pid, command in children.items() if " dealer " in command]
    assert len(children) == 3
    time.sleep(0.3)  # a few products in
    os.kill(dealer, signal.SIGKILL)
    killed = time.monotonic()
    out, _ = run.communicate(timeout=60)
    output = "".join(lines) + out
    assert time.monotonic() - killed < 30
    assert run.returncode == 1, output
    assert_dealer_killed(output)
    assert_nothing_left(temp, children)


#: Party b floods party 0, after a few products, with 1 MiB frames nobody asked for: more bytes
#: than a party queues unrequested (a private channel of b's session, as a misbehaving peer would).
FLOODING = """
import numpy as np, mpcarray as mpc
from mpcarray.transport.channel import GATHER, MAX_UNREQUESTED_BYTES
with mpc.Session.from_env() as s:
    x = s.share(np.linspace(-2, 2, 1000) if s.holds(0) else None, owner=0)
    for step in range(10**6):
        (x * x).sum()
        if step == 3 and s.rank == 1:
            frame = np.zeros(1 << 20, dtype=np.uint8)
            for _ in range(MAX_UNREQUESTED_BYTES // frame.nbytes + 1):
                s._rt.transport._channels[0].post(frame, GATHER)
            print('flooding', flush=True)
"""


@pytest.mark.slow
@pytest.mark.network
def test_a_party_flooding_its_peer_mid_session_ends_every_process_with_a_clear_error(tmp_path):
    """Party a stops at b's first unrequested frame with a ProtocolError naming b ("out of step"
    when the frame comes where a awaits b's message, "nobody asked for" if it comes while a awaits
    the dealer); b learns that a closed; the dealer names a's failure (its report or b's); every
    process has ended (``supervised`` checks that none is left) within 30 s of the flood."""
    code, output, after, _ = supervised(tmp_path, FLOODING, None, None, cue="[b] flooding\n")
    assert code == 1
    assert re.search(r"\[a\] mpcarray party a: ProtocolError: (out of step with b: expected a kind-1 "
                     r"uint64\[1000\] message, got a kind-1 uint8\[1048576\] one|b sent more than "
                     r"1073741824 bytes nobody asked for)", output), output
    assert "[b] mpcarray party b: NetworkError: a closed the connection" in output, output
    assert re.search(r"\[dealer\] mpcarray dealer: NetworkError: (a failed: ProtocolError: |b failed: "
                     r"NetworkError: a closed the connection)", output), output
    assert "failed: dealer (exit status 1), a (exit status 1), b (exit status 1)" in output
    assert after < 30


@pytest.mark.slow
@pytest.mark.network
def test_stopped_dealer_is_named_by_party_0_and_every_process_ends(tmp_path):
    """SIGSTOP: the dealer's connection stays open but nothing comes, not even a heartbeat; with
    the default 30 s timeout party 0 names it after the 5 s silence, party b names it too (it
    watches the dealer's heartbeats) or sees party 0 close first, and the supervisor kills the
    stopped dealer."""
    code, output, after, sink = supervised(tmp_path, ENDLESS, "dealer", signal.SIGSTOP, timeout=30)
    assert code == 1
    silent = "dealer sent nothing, not even a heartbeat, for 5 s"
    assert f"[a] mpcarray party a: NoProgressError: {silent}" in output, output
    assert re.search(rf"\[b\] mpcarray party b: (NetworkError: a closed the connection|NoProgressError: {silent})",
                     output), output
    assert "failed: dealer (killed by SIGKILL), a (exit status 1), b (exit status 1)" in output
    assert sink.first(r"^\[a\] mpcarray party a: NoProgressError") < 12  # measured 4.7 s
    assert after < 12 + launch.GRACE  # then the supervisor kills the dealer


@pytest.mark.slow
@pytest.mark.network
def test_mpcarray_run_with_party_0_stopped_while_the_dealer_serves_it(tmp_path):
    """Party 0 stops itself (SIGSTOP) between products: with the default 30 s timeout, party b names
    it after the 5 s silence and tells the dealer, which ends naming it too (its own silence rule,
    or b's report); the stopped process is killed, `mpcarray run` leaves no child process and no
    key folder behind, all well within the timeout."""
    run, temp = mpcarray_run(tmp_path,
                             "import os, signal, numpy as np, mpcarray as mpc\n"
                             "with mpc.Session.from_env() as s:\n"
                             "    x = s.share(np.linspace(-2, 2, 1000) if s.holds(0) else None, owner=0)\n"
                             "    for step in range(10**6):\n"
                             "        (x * x).sum()\n"
                             "        if step == 3 and s.rank == 0:\n"
                             "            print('stopping', flush=True)\n"
                             "            os.kill(os.getpid(), signal.SIGSTOP)\n",
                             "--parties", "a,b", "--timeout", "30")
    lines = lines_until(run, "[a] stopping")
    stopped = time.monotonic()
    children = processes_of_run(temp)
    assert len(children) == 3  # the parties and the dealer
    out, _ = run.communicate(timeout=60)
    output = "".join(lines) + out
    assert time.monotonic() - stopped < 12 + launch.GRACE
    assert run.returncode == 1, output
    silent = "a sent nothing, not even a heartbeat, for 5 s"
    assert f"[b] mpcarray party b: NoProgressError: {silent}" in output, output
    assert re.search(rf"\[dealer\] mpcarray dealer: NetworkError: (b failed: NoProgressError: )?{silent}", output), output
    assert "failed: dealer (exit status 1), a (killed by SIGKILL), b (exit status 1)" in output
    assert_nothing_left(temp, children)


@pytest.mark.slow
@pytest.mark.network
def test_honest_run_next_to_stray_and_dripping_connections_to_the_dealer(tmp_path):
    """Junk clients (one presenting party a's certificate from another CA) and drippers hit the
    dealer's port (and the parties') from before the parties start: the run still succeeds within
    30 s, and its result is NumPy's."""
    script = tmp_path / "honest.py"
    script.write_text(
        "import json, numpy as np, mpcarray as mpc\n"
        "with mpc.Session.from_env() as s:\n"
        "    x = s.share(np.linspace(-2, 2, 50) if s.holds(0) else None, owner=0)\n"
        "    y = s.share(np.linspace(1, 3, 50) if s.holds(1) else None, owner=1)\n"
        "    print(json.dumps((x * y).sum().reveal().tolist()))\n")
    config = launch.prepare(tmp_path, ["a", "b"], timeout=20)
    consortium = load_consortium(config)
    foreign = foreign_credentials(tmp_path / "other")
    stop = threading.Event()
    strays = [threading.Thread(target=drip, args=(consortium.dealer, stop), daemon=True)]
    strays += [threading.Thread(target=stray_clients, args=(address, stop, foreign), daemon=True)
               for address in [consortium.dealer, *consortium.addresses]]
    start = time.monotonic()
    run = launch.start(config, script)  # the dealer's port is held from here on
    for stray in strays:
        stray.start()
    try:
        results = run.wait(120)
    finally:
        stop.set()
    assert time.monotonic() - start < 30
    expected = float(np.linspace(-2, 2, 50) @ np.linspace(1, 3, 50))
    for name in ("a", "b"):
        code, out = results[name]
        assert code == 0, out
        assert json.loads(out.strip().splitlines()[-1]) == pytest.approx(expected, abs=50 * 2**-16)
    assert results["dealer"][0] == 0, results["dealer"][1]
    assert "session ended normally after" in results["dealer"][1]
