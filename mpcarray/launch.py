"""Running a script as real party processes: one machine (``mpcarray run``) or one party (``mpcarray party``).

``mpcarray run`` writes development certificates and a consortium file for
ports it holds on 127.0.0.1 (until the run ends) into a temporary directory, starts one ``mpcarray
party`` process per party and the dealer when a party first contacts it (so
dealer-free Shamir sessions run without one), prefixes each line of their
output with ``[name]``, and reports which processes failed. A party that
fails does not stop the others: with Shamir sharing they may finish without it
(exit status 3, :data:`COMPLETED_WITHOUT`), with additive sharing they stop
with their own error. A process still running after every other one ended is
killed: 3 s (`GRACE`) later if it is stopped (SIGSTOP), else after the timeout.
"""

import contextlib
import os
import runpy
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

from .compile_notice import announce_compilation
from .errors import MpcError, PartyFailureWarning
from .preprocessing.service import DEALER, serve
from .session import ENV_CONFIG, ENV_PARTY
from .transport.config import consortium_toml, load_consortium
from .transport.mesh import listen
from .transport.tls import make_certificates

LOOPBACK = "127.0.0.1"
#: Seconds the dealer gets to end after the last party ended.
GRACE = 3.0
#: ``mpcarray run``'s consortium timeout (seconds) with at most one party process per core.
BASE_TIMEOUT = 30.0
#: Exit status of ``mpcarray run`` when some parties failed and the others completed the analysis.
COMPLETED_WITHOUT = 3
#: Longest wait of the dealer's port watcher for a contact before it checks whether to stop.
_PORT_POLL = 0.05


#: Whether a bound, non-listening ``SO_REUSEADDR`` socket keeps a port from every other process while
#: still letting the party that owns the port bind it (with ``SO_REUSEADDR``) and listen: Linux's rule.
_HOLD_PORTS = sys.platform.startswith("linux")
#: The ports held for each prepared consortium file (resolved path): released by :func:`release`.
_held: dict[Path, list[socket.socket]] = {}


def reserve_ports(count: int) -> list[socket.socket]:
    """``count`` distinct loopback ports, each held by a bound socket that does not listen.

    Binding a port and closing it before the party binds it again (the old
    ``free_ports``) left a window in which another run, or any outgoing
    connection, could be given the same port. A held socket closes that
    window on Linux: no other process's ``bind`` to port 0 or ``connect`` is
    given the port while it is bound, yet the party's own listening socket
    (which sets ``SO_REUSEADDR`` too, see :func:`~mpcarray.transport.mesh.listen`)
    may bind it, and a second listener is refused as before. Elsewhere
    ``SO_REUSEADDR`` does not allow that second bind, so the ports are
    released at once (the window remains there).
    """
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOOPBACK, 0))
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def release(config) -> None:
    """Give back the ports :func:`prepare` held for the consortium file ``config`` (no-op if none)."""
    for sock in _held.pop(Path(config).resolve(), []):
        sock.close()


def loopback_timeout(n_parties: int, cores: int | None = None) -> float:
    """``mpcarray run``'s default timeout: :data:`BASE_TIMEOUT`, times the party processes per core above one.

    Every party shares this machine's cores, so the time a party waits for the
    slowest peer between rounds (and for all of them to start) grows with the
    processes per core: 50 parties on 2 cores wait 25 times longer than 2.
    """
    return BASE_TIMEOUT * max(1.0, n_parties / (cores or os.cpu_count() or 1))


def prepare(directory, names, timeout: float = 30.0, insecure_plaintext: bool = False) -> Path:
    """Certificates (unless plain TCP) and a loopback consortium file in ``directory``; returns its path.

    The file's ports stay held by this process (:func:`reserve_ports`) until
    :func:`release`, so that runs started from it, one after another or
    alongside other runs, never find a port taken by someone else.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if not insecure_plaintext:
        make_certificates(directory / "certs", list(names) + [DEALER])
    path = directory / "consortium.toml"
    release(path)
    held = reserve_ports(len(names) + 1)
    ports = [sock.getsockname()[1] for sock in held]
    text = consortium_toml(names, [(LOOPBACK, port) for port in ports[1:]], (LOOPBACK, ports[0]),
                           None if insecure_plaintext else "certs", timeout, insecure_plaintext)
    path.write_text(text)
    _held[path.resolve()] = held
    if not _HOLD_PORTS:
        release(path)
    return path


def _command(*args) -> list[str]:
    return [sys.executable, "-m", "mpcarray", *map(str, args)]


class OnDemandDealer:
    """The dealer's listening port, held by the supervisor; the dealer process starts at the first contact.

    Only sessions that use a dealer (additive sharing) connect to it; Shamir
    sessions agree on their randomness among the parties. ``mpcarray run``
    cannot know which scheme the script chooses, so it binds the dealer's
    address itself and spawns ``mpcarray dealer --listen-fd`` when the first
    party's connection is pending, handing over the listening socket: the
    dealer accepts that connection and the others as if it had bound the port
    itself. A run whose parties never contact the dealer starts none.
    """

    def __init__(self, config, address: tuple[str, int], env: dict[str, str]):
        self._config, self._env = config, env
        self._server = listen(address)
        self._stop = threading.Event()
        #: The dealer process, once a party has contacted the port.
        self.process: subprocess.Popen | None = None
        self._watcher = threading.Thread(target=self._start_when_contacted, name="dealer-port", daemon=True)
        self._watcher.start()

    def _start_when_contacted(self) -> None:
        """Wait until a connection is pending (or :meth:`close`); then spawn the dealer with the socket."""
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([self._server], [], [], _PORT_POLL)
                if readable:
                    fd = self._server.fileno()
                    self.process = _spawn(_command("dealer", "--config", self._config, "--listen-fd", fd),
                                          self._env, pass_fds=(fd,))
                    return
        finally:
            self._server.close()  # the dealer holds its own copy; later contacts reach only it

    def close(self) -> None:
        """Stop waiting for a first contact; afterwards :attr:`process` no longer changes."""
        self._stop.set()
        self._watcher.join()


class Run:
    """The processes of one run: every party from the start, the dealer once a party contacts it."""

    def __init__(self, parties: dict[str, subprocess.Popen], dealer: OnDemandDealer, timeout: float):
        self.parties, self._dealer = parties, dealer
        #: The consortium's timeout: how long the others may wait for a process that stopped.
        self.timeout = timeout

    def processes(self) -> dict[str, subprocess.Popen]:
        """Every process started so far, the dealer (if started) first."""
        started = {} if self._dealer.process is None else {DEALER: self._dealer.process}
        return started | self.parties

    def close_dealer_port(self) -> None:
        """Start no dealer from now on (after the parties ended, or to stop the run)."""
        self._dealer.close()

    def wait(self, timeout: float) -> dict[str, tuple[int, str]]:
        """Wait for every process; ``{name: (exit status, output)}``. Kills all after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        results = {}
        try:
            for name, process in self.parties.items():
                results[name] = _finish(process, deadline)
            self.close_dealer_port()
            if self._dealer.process is not None:
                results[DEALER] = _finish(self._dealer.process, deadline)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return results

    def kill(self) -> None:
        """Stop every process at once, and start no dealer."""
        self.close_dealer_port()
        for process in self.processes().values():
            if process.poll() is None:
                process.kill()


def _finish(process: subprocess.Popen, deadline: float) -> tuple[int, str]:
    out, _ = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
    return process.returncode, out


def _spawn(command: list[str], env: dict[str, str], pass_fds=()) -> subprocess.Popen:
    """A process whose output (stderr included) is read line by line from ``stdout``."""
    return subprocess.Popen(command, env=env, pass_fds=pass_fds, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def start(config, script, script_args=(), names=None) -> Run:
    """Start every party (or only ``names``) of ``config`` running ``script``; the dealer on demand.

    The processes share this machine's cores, so unless ``NUMBA_NUM_THREADS`` is
    set each gets an equal part of them (idle kernel threads of one process would
    otherwise spin on cores the others need).
    """
    consortium = load_consortium(config)
    package_root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    threads = os.environ.get("NUMBA_NUM_THREADS") or str(max(1, (os.cpu_count() or 1) // len(consortium.parties)))
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=path, NUMBA_NUM_THREADS=threads)
    dealer = OnDemandDealer(config, consortium.dealer, env)
    parties = {name: _spawn(_command("party", "--config", config, "--name", name, script, *script_args), env)
               for name in (consortium.parties if names is None else names)}
    return Run(parties, dealer, consortium.timeout)


def supervise(run: Run, out=None) -> int:
    """Stream prefixed output until every process ends; say which failed.

    Returns 0 if every process succeeded, :data:`COMPLETED_WITHOUT` if some
    parties failed and the others completed, else 1. The dealer is stopped
    :data:`GRACE` seconds after the last party ended. A process still running
    after every other one ended is one its peers have given up on: it is killed
    :data:`GRACE` seconds later if it is stopped (by SIGSTOP; seen on Linux),
    else ``run.timeout + GRACE`` seconds later (it may be finishing local work).
    """
    out = out or sys.stdout
    lock = threading.Lock()

    def forward(name: str, stream) -> None:
        for line in stream:
            with lock:
                out.write(f"[{name}] {line}")
                out.flush()

    readers: dict[str, threading.Thread] = {}
    alone_since: dict[str, float] = {}
    while True:
        processes = run.processes()
        for name in processes.keys() - readers.keys():
            readers[name] = threading.Thread(target=forward, args=(name, processes[name].stdout), daemon=True)
            readers[name].start()
        running = [name for name, p in processes.items() if p.poll() is None]
        if not running:
            run.close_dealer_port()
            if run.processes().keys() == processes.keys():
                break
            continue  # the dealer started just now
        if not any(p.poll() is None for p in run.parties.values()):
            run.close_dealer_port()
        if len(running) == 1 and len(processes) > 1:
            quick = running == [DEALER] or _stopped(processes[running[0]].pid)
            patience = GRACE if quick else run.timeout + GRACE
            since = alone_since.setdefault(running[0], time.monotonic())
            if time.monotonic() - since > patience:
                processes[running[0]].kill()
        time.sleep(0.05)
    for name, reader in readers.items():
        reader.join(timeout=5)
        processes[name].stdout.close()
    return _report(processes, out)


def _stopped(pid: int) -> bool:
    """Whether process ``pid`` is stopped by a signal, from its state in ``/proc`` (Linux);
    False where there is no ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read()
    except OSError:
        return False
    state = fields[fields.rindex(b")") + 2:][:1]  # the name, in parentheses, may hold spaces
    return state in (b"T", b"t")


def _report(processes: dict[str, subprocess.Popen], out) -> int:
    """Write which processes failed (and how) and which parties completed; the exit status of the run."""
    failed = {name: p.returncode for name, p in processes.items() if p.returncode != 0}
    if not failed:
        return 0
    completed = [name for name, p in processes.items() if p.returncode == 0 and name != DEALER]
    how = ", ".join(f"{name} ({_status(code)})" for name, code in failed.items())
    if completed:
        out.write(f"mpcarray run: failed: {how}; the others completed: {', '.join(completed)}\n")
        return COMPLETED_WITHOUT
    out.write(f"mpcarray run: failed: {how}\n")
    return 1


def _status(code: int) -> str:
    """A process's exit status in words: ``exit status 1`` or ``killed by SIGKILL``."""
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def run_local(names, script, script_args=(), timeout: float | None = None, insecure_plaintext: bool = False) -> int:
    """``mpcarray run``: every party, and the dealer if they contact it, on this machine over loopback.

    ``timeout`` defaults to :func:`loopback_timeout` of the number of parties.

    SIGTERM or SIGINT stops every child, waits for them, removes the temporary
    folder (certificates and private keys) and exits with status 128 + the signal.
    """
    timeout = loopback_timeout(len(names)) if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="mpcarray-run-") as directory:
        config = prepare(directory, names, timeout, insecure_plaintext)
        try:
            run = start(config, script, script_args)
            with _stopped_by_signals(run):
                return supervise(run)
        finally:
            release(config)


class _Signalled(BaseException):
    """SIGTERM or SIGINT reached ``mpcarray run``."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stopped_by_signals(run: Run):
    """Turn SIGTERM/SIGINT into stopping ``run``'s processes and ``SystemExit(128 + signal)``."""
    def raise_signalled(signum, frame):
        raise _Signalled(signum)

    previous = {sig: signal.signal(sig, raise_signalled) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    except _Signalled as stop:
        run.close_dealer_port()
        processes = run.processes().values()
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + GRACE
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        print(f"mpcarray run: stopped by {signal.Signals(stop.signum).name}", file=sys.stderr)
        raise SystemExit(128 + stop.signum) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_party(config, name: str, script, script_args=()) -> int:
    """``mpcarray party``: run ``script`` as party ``name``; ``Session.from_env()`` picks it up."""
    load_consortium(config).rank(name)  # fail early on an unknown name or a bad file
    _report_failures(name)
    os.environ[ENV_CONFIG], os.environ[ENV_PARTY] = str(Path(config).resolve()), name
    sys.argv = [str(script), *script_args]
    sys.path.insert(0, str(Path(script).resolve().parent))
    try:
        runpy.run_path(str(script), run_name="__main__")
    except MpcError as err:
        print(f"mpcarray party {name}: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


def _report_failures(name: str) -> None:
    """Print every :class:`PartyFailureWarning` as one line naming this party (not Python's file:line form)."""
    default = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, PartyFailureWarning):
            print(f"mpcarray party {name}: {message}", file=sys.stderr, flush=True)
        else:
            default(message, category, filename, lineno, file, line)

    warnings.simplefilter("always", PartyFailureWarning)
    warnings.showwarning = show


def run_dealer(config, listen_fd: int | None = None) -> int:
    """``mpcarray dealer``: serve one session of the consortium ``config``.

    It listens on the consortium's dealer address, or accepts on the inherited
    listening socket ``listen_fd`` (how ``mpcarray run`` starts it on demand).
    """
    consortium = load_consortium(config)
    announce_compilation()
    try:
        server = listen(consortium.dealer) if listen_fd is None else socket.socket(fileno=listen_fd)
        serve(consortium.parties, server, consortium.credentials(DEALER), consortium.timeout)
    except MpcError as err:
        print(f"mpcarray dealer: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0
