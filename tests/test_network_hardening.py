"""The network layer against stray connections, dripping and flooding peers, malformed frames
and files, and ``mpcarray run`` against SIGTERM/SIGINT (issue: hardening, network).

Each test provokes one fault on loopback and checks it is refused, detected or survived.
"""

import os
import re
import signal
import socket
import ssl
import stat
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import mpcarray as mpc
import mpcarray.protocols.input as input_module
import mpcarray.transport.channel as channel_module
from mpcarray import launch
from mpcarray.errors import ConfigError, NetworkError, ProtocolError
from mpcarray.preprocessing.service import answer
from mpcarray.transport import wire
from mpcarray.transport.channel import (
    CONTROL,
    GATHER,
    MAX_UNREQUESTED_BYTES,
    POINT,
    QUEUED_FRAME_BYTES,
    Channel,
    pump,
)
from mpcarray.transport.config import load_consortium
from mpcarray.transport.mesh import connect_mesh, dial
from mpcarray.transport.tls import make_certificates

# real sockets and deadlines: README's test command runs these alone, after the rest
pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def link():
    """A channel and the raw socket at its other end."""
    ours, raw = socket.socketpair()
    channel = Channel(ours, "peer")
    yield channel, raw
    channel.close()
    raw.close()


# ------------------------------------------------------------------ frames
def test_a_zero_and_a_huge_dimension_is_a_protocol_error():
    prefix = wire.PREFIX.pack(wire.MAGIC, wire.VERSION, 2, 2, 0, 0)
    dtype, _, _, nbytes = wire.decode_prefix(prefix)
    with pytest.raises(ProtocolError, match="dimension of"):
        wire.decode_shape(struct.pack("!2Q", 0, 2**62), dtype, nbytes)


#: Shapes of 0 bytes that no array can have: one side beyond any frame, or sides within the bound
#: whose product is not (NumPy refused ``np.empty`` with a ValueError that escaped the channel).
IMPOSSIBLE_SHAPES = [(0, 2**62), (0, 2**32, 2**32)]


def impossible_frame(shape: tuple, kind: int) -> bytes:
    """Frame 0 of ``kind``: a ``uint8`` header announcing ``shape`` and 0 bytes, with no body."""
    return (wire.PREFIX.pack(wire.MAGIC, wire.VERSION, 1, len(shape), kind, 0)
            + struct.pack(f"!{len(shape)}Q", *shape))


@pytest.mark.parametrize("shape", IMPOSSIBLE_SHAPES, ids=str)
def test_a_frame_of_an_impossible_shape_mid_session_is_a_protocol_error(link, shape):
    """The awaited frame of a connected peer announces ``shape``: the wait ends with a
    ProtocolError naming that shape, not a ValueError from NumPy."""
    ours, raw = link
    ours.expect(None, POINT)
    raw.sendall(impossible_frame(shape, POINT))
    with pytest.raises(ProtocolError, match=rf"malformed frame: shape {re.escape(str(shape))}"):
        pump([ours], lambda: bool(ours.inbox), 5.0)


def test_unrequested_frames_are_bounded(link):
    """A peer flooding frames nobody awaits is stopped once they exceed the bound, before allocation."""
    ours, raw = link
    huge = wire.PREFIX.pack(wire.MAGIC, wire.VERSION, 1, 1, 0, MAX_UNREQUESTED_BYTES + 1)
    raw.sendall(huge + struct.pack("!Q", MAX_UNREQUESTED_BYTES + 1))
    with pytest.raises(ProtocolError, match="nobody asked for"):
        for _ in range(100):
            ours.read()
            time.sleep(0.01)


def flood(raw: socket.socket, body: np.ndarray, frames: int) -> threading.Thread:
    """A thread sending ``frames`` frames of ``body`` on ``raw`` (in batches of about 4 MiB) until
    they are sent or the other end hangs up."""
    per_batch = max(1, (1 << 22) // (body.nbytes + 64))

    def send():
        try:
            for start in range(0, frames, per_batch):
                raw.sendall(b"".join(wire.encode_header(body, seq << wire.KIND_BITS | GATHER) + body.tobytes()
                                     for seq in range(start, min(frames, start + per_batch))))
        except OSError:  # the channel refused the flood and closed
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    return sender


@pytest.mark.parametrize("nbytes", [0, 1 << 20])
def test_a_flood_of_unrequested_frames_ends_at_the_bound_whatever_their_size(link, nbytes, monkeypatch):
    """Empty frames counted 0 bytes, so 200k of them queued without limit; each queued frame now
    counts its body plus QUEUED_FRAME_BYTES: the frame that would take the queue past the bound
    (here 64 MiB instead of 1 GiB, to keep the test short) ends the wait with the same ProtocolError,
    the (2^16 + 1)-th empty one as the 64th of 1 MiB."""
    bound = 1 << 26
    monkeypatch.setattr(channel_module, "MAX_UNREQUESTED_BYTES", bound)
    ours, raw = link
    queued = bound // (nbytes + QUEUED_FRAME_BYTES)  # frames that fit in the bound
    sender = flood(raw, np.zeros(nbytes, dtype=np.uint8), queued + 1)
    with pytest.raises(ProtocolError, match="nobody asked for"):
        pump([ours], lambda: False, 30.0)
    assert ours.frames_done == queued  # every frame within the bound was queued, the next one refused
    ours.close()
    sender.join(10)
    assert not sender.is_alive()


def test_dripping_bytes_do_not_hold_a_wait_open(link):
    """One byte every 0.2 s used to count as progress; a 1 s timeout now expires."""
    ours, raw = link
    ours.expect(None, GATHER)
    stop = threading.Event()

    def drip():
        frame = wire.encode_header(np.zeros(4, dtype=np.uint64), 0) + bytes(32)
        for byte in frame:
            if stop.wait(0.2):
                return
            raw.send(bytes([byte]))

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    start = time.monotonic()
    with pytest.raises(NetworkError, match="no progress"):
        pump([ours], lambda: bool(ours.inbox), 1.0)
    stop.set()
    dripper.join()
    assert time.monotonic() - start < 5


def test_point_to_point_shares_must_match_what_was_announced():
    from mpcarray.protocols.wire import check_words

    with pytest.raises(ProtocolError, match="float64\\[3\\] where uint64\\[3\\]"):
        check_words(np.zeros(3), (3,), "party 'b'")
    with pytest.raises(ProtocolError, match="uint64\\[2\\] where uint64\\[3\\]"):
        check_words(np.zeros(2, dtype=np.uint64), (3,), "party 'b'")
    assert check_words(None, (3,), "party 'b'") is None


@pytest.mark.parametrize("tamper, refused", [
    (lambda words: words.astype(np.float64), r"float64\[10\] where an input message \(uint64 words"),
    (lambda words: words[:, :2], r"4 words where its header announced uint64\[3, 2\]")], ids=["float64", "shape"])
def test_shares_sent_unlike_their_announcement_are_refused_over_sockets(tmp_path, monkeypatch, tamper, refused):
    """Three Shamir parties over TLS; owner ``a`` sends each party a header announcing an int64[3]
    input (3 elements of GF(2^127 - 1), 2 words each) followed by its words as float64 (or the words
    of 2 elements): ``b`` and ``c`` raise a ProtocolError naming what arrived and what was expected,
    instead of computing with NaN or misaligned shares."""
    names = ["a", "b", "c"]
    config = launch.prepare(tmp_path, names, timeout=10)
    as_words = input_module.as_words
    monkeypatch.setattr(input_module, "as_words", lambda rows: tamper(as_words(rows))
                        if threading.current_thread().name == "a" else as_words(rows))
    outcomes = {}

    def party(name):
        try:
            with mpc.Session.from_config(config, name, scheme="shamir", threshold=1) as s:
                outcomes[name] = s.share(np.arange(3) if s.holds(0) else None, owner=0).reveal()
        except Exception as err:  # noqa: BLE001 - inspected below
            outcomes[name] = err

    threads = [threading.Thread(target=party, args=(name,), name=name) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for name in ("b", "c"):
        assert isinstance(outcomes[name], ProtocolError), outcomes
        assert re.search(rf"party 'a' sent {refused}", str(outcomes[name])), outcomes[name]


@pytest.mark.parametrize("params", [[3, 10, 64], [3, 10, 2**64 - 1], [3, 10, 0], [8, 5, 65]])
def test_the_dealer_refuses_impossible_bit_counts(params):
    class NoStreams:
        def next(self, length):
            raise AssertionError("the dealer must refuse before drawing randomness")

    with pytest.raises(ProtocolError, match="bit count"):
        answer(NoStreams(), np.array(params, dtype=np.uint64), 3)


# ------------------------------------------------------------------ files
def test_key_files_are_private_and_replace_links(tmp_path):
    make_certificates(tmp_path, ["a", "b"])
    key = tmp_path / "a.key"
    os.chmod(key, 0o644)
    target = tmp_path / "elsewhere"
    target.write_text("not a key")
    (tmp_path / "b.key").unlink()
    (tmp_path / "b.key").symlink_to(target)
    make_certificates(tmp_path, ["a", "b"])  # overwrite both
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not (tmp_path / "b.key").is_symlink() and stat.S_IMODE((tmp_path / "b.key").stat().st_mode) == 0o600
    assert target.read_text() == "not a key"


@pytest.mark.parametrize("host, refused", [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                           ("10.0.0.2", True), ("hosp-b.example.org", True)])
def test_plain_tcp_only_on_loopback(tmp_path, host, refused):
    text = launch.consortium_toml(["a", "b"], [("127.0.0.1", 7001), (host, 7002)], ("127.0.0.1", 7000),
                                  None, 5.0, True)
    path = tmp_path / "c.toml"
    path.write_text(text)
    if refused:
        with pytest.raises(ConfigError, match="insecure_plaintext.*refused"):
            load_consortium(path)
    else:
        assert load_consortium(path).insecure_plaintext


# ------------------------------------------------------- stray connections
def tls_client(credentials=None) -> ssl.SSLContext:
    """A TLS client that does not check the server, so that it gets as far as the server's checks:
    without a certificate, or presenting ``credentials``' (e.g. a real party's name from another CA)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if credentials is None else credentials.context(False)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def foreign_credentials(directory):
    """A valid key and certificate naming party ``a``, from another CA (written to ``directory``)."""
    return make_certificates(directory, ["a"])["a"]


def stray_clients(address, stop, foreign=None):
    """Connect again and again to ``address`` with junk: plain bytes, HTTP, a TLS client without a
    certificate, one presenting ``foreign`` credentials (if given), an idle socket; until ``stop``."""
    clients = [tls_client()] + ([] if foreign is None else [tls_client(foreign)])
    while not stop.is_set():
        for junk in (b"hello", b"GET / HTTP/1.0\r\n\r\n", *clients, b""):
            try:
                sock = socket.create_connection(address, timeout=1)
            except OSError:
                time.sleep(0.05)
                continue
            try:
                if isinstance(junk, ssl.SSLContext):
                    # the TLS socket takes over the descriptor: close it too when the handshake fails
                    sock = junk.wrap_socket(sock, do_handshake_on_connect=False)
                    sock.do_handshake()
                elif junk:
                    sock.sendall(junk)
                else:
                    time.sleep(0.3)  # idle
            except (OSError, ssl.SSLError):
                pass
            finally:
                sock.close()


def joining(consortium, rank: int, results: dict, errors: list) -> threading.Thread:
    """A started thread in which party ``rank`` connects to the mesh: the ranks it connected to go
    to ``results[rank]`` (the channels are then closed), an error to ``errors``."""

    def party():
        try:
            channels = connect_mesh(consortium.parties, consortium.addresses, rank,
                                    consortium.credentials(consortium.parties[rank]), consortium.timeout)
            results[rank] = sorted(channels)
            for channel in channels.values():
                channel.close()
        except Exception as err:  # noqa: BLE001 - reported by the test
            errors.append(err)

    thread = threading.Thread(target=party)
    thread.start()
    return thread


def test_stray_connections_during_set_up_do_not_stop_honest_parties(tmp_path):
    consortium = load_consortium(launch.prepare(tmp_path, ["a", "b", "c"], timeout=30))
    foreign = foreign_credentials(tmp_path / "other")
    stop = threading.Event()
    for address in consortium.addresses:
        threading.Thread(target=stray_clients, args=(address, stop, foreign), daemon=True).start()
    time.sleep(0.2)  # the strays start first
    results, errors = {}, []
    threads = [joining(consortium, rank, results, errors) for rank in range(3)]
    for thread in threads:
        thread.join(60)
    stop.set()
    assert not errors, errors
    assert results == {0: [1, 2], 1: [0, 2], 2: [0, 1]}


@pytest.mark.parametrize("shape", IMPOSSIBLE_SHAPES, ids=str)
def test_a_hello_of_an_impossible_shape_during_set_up_is_dropped(tmp_path, shape, caplog):
    """A client holding party a's certificate says hello with a frame of ``shape``: party b drops
    it (logging a ProtocolError that names the shape) and goes on accepting, so the real a connects."""
    consortium = load_consortium(launch.prepare(tmp_path, ["a", "b"], timeout=10))
    results, errors = {}, []
    acceptor = joining(consortium, 1, results, errors)
    deadline = time.monotonic() + 5
    with tls_client(consortium.credentials("a")).wrap_socket(dial(consortium.addresses[1], "b", deadline)) as stray:
        stray.sendall(impossible_frame(shape, CONTROL))
        try:
            while stray.recv(1 << 16):  # b's hello, then the end when b drops us
                pass
        except OSError:
            pass
    joining(consortium, 0, results, errors).join(10)
    acceptor.join(10)
    assert not errors, errors
    assert results == {0: [1], 1: [0]}
    dropped = [r.getMessage() for r in caplog.records if r.name == "mpcarray.network"]
    assert any(f"malformed frame: shape {shape}" in message for message in dropped), dropped


# ---------------------------------------------------------- mpcarray run
def mpcarray_run(tmp_path, script_text, *options) -> tuple[subprocess.Popen, Path]:
    """``python -m mpcarray run *options script tmp_path`` (output in its ``stdout``) with
    ``TMPDIR`` a fresh folder, where it keeps its certificates and keys; the process and the folder."""
    script = tmp_path / "script.py"
    script.write_text(script_text)
    temp = tmp_path / "tmp"
    temp.mkdir()
    run = subprocess.Popen([sys.executable, "-m", "mpcarray", "run", *options, str(script), str(tmp_path)],
                           cwd=ROOT, env=dict(os.environ, TMPDIR=str(temp)), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    return run, temp


def lines_until(run: subprocess.Popen, cue: str) -> list[str]:
    """``run``'s output lines up to the first that ends with ``cue``; the test fails if none does."""
    lines = []
    for line in run.stdout:
        lines.append(line)
        if line.rstrip("\n").endswith(cue):
            return lines
    pytest.fail("".join(lines))


def processes_of_run(temp: Path) -> dict[int, str]:
    """The live children of an ``mpcarray run`` whose ``TMPDIR`` is ``temp``, pid -> command line:
    the parties and the dealer name their consortium file in its ``mpcarray-run-*`` folder (Linux)."""
    found = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it ended meanwhile
            continue
        if f"{temp}/mpcarray-run-" in command:
            found[int(cmdline.parent.name)] = command
    return found


def assert_nothing_left(temp: Path, children) -> None:
    """No ``mpcarray-run-*`` folder (certificates and private keys) in ``temp``; none of ``children`` alive."""
    assert not list(temp.glob("mpcarray-run-*"))
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


#: Runs until stopped, printing ``started``, without a session (so no dealer).
SLEEPING = "import time\nprint('started', flush=True)\ntime.sleep(300)\n"
#: Party 0 multiplies shared values until something fails (every product asks the dealer, a third child).
ENDLESS = """
import json, os, sys, numpy as np, mpcarray as mpc
with mpc.Session.from_env() as s:
    x = s.share(np.linspace(-2, 2, 1000) if s.holds(0) else None, owner=0)
    print('multiplying', flush=True)
    while True:
        (x * x).sum()
"""


@pytest.mark.network
@pytest.mark.parametrize("sig, script, cue, children", [
    (signal.SIGTERM, SLEEPING, "started", 2), (signal.SIGINT, SLEEPING, "started", 2),
    (signal.SIGTERM, ENDLESS, "multiplying", 3)],
    ids=["SIGTERM", "SIGINT", "SIGTERM-mid-multiplication"])
def test_mpcarray_run_stops_its_children_and_removes_its_keys_on_a_signal(tmp_path, sig, script, cue, children):
    """Every child (both parties, and the dealer of a session mid-multiplication) has ended and the
    folder of private keys is gone when ``mpcarray run`` exits with 128 + the signal."""
    run, temp = mpcarray_run(tmp_path, script, "--parties", "2")
    lines_until(run, cue)
    started = processes_of_run(temp)
    assert len(started) == children and list(temp.glob("mpcarray-run-*")), started
    assert sum(" dealer " in command for command in started.values()) == children - 2
    run.send_signal(sig)
    out, _ = run.communicate(timeout=30)
    assert run.returncode == 128 + sig, out
    assert f"stopped by {signal.Signals(sig).name}" in out
    assert_nothing_left(temp, started)
