"""Running a script as real party processes: one machine (``mpcarray run``) or one party (``mpcarray party``).

``mpcarray run`` writes development certificates and a consortium file for
free ports on 127.0.0.1 into a temporary directory, starts the dealer and one
``mpcarray party`` process per party, prefixes each line of their output with
``[name]``, and exits non-zero if any of them fails (stopping the others after
a short grace period in which they report their own errors).
"""

import os
import runpy
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .errors import MpcError
from .memory import keep_freed_memory
from .preprocessing.service import DEALER, serve
from .session import ENV_CONFIG, ENV_PARTY
from .transport.config import consortium_toml, load_consortium
from .transport.tls import make_certificates

LOOPBACK = "127.0.0.1"
#: Seconds the other processes get to report their own error after one fails.
GRACE = 3.0


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports free on the loopback interface right now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def prepare(directory, names, timeout: float = 30.0, insecure_plaintext: bool = False) -> Path:
    """Certificates (unless plain TCP) and a loopback consortium file in ``directory``; returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if not insecure_plaintext:
        make_certificates(directory / "certs", list(names) + [DEALER])
    ports = free_ports(len(names) + 1)
    text = consortium_toml(names, [(LOOPBACK, port) for port in ports[1:]], (LOOPBACK, ports[0]),
                           None if insecure_plaintext else "certs", timeout, insecure_plaintext)
    path = directory / "consortium.toml"
    path.write_text(text)
    return path


def _command(*args) -> list[str]:
    return [sys.executable, "-m", "mpcarray", *map(str, args)]


def start(config, script, script_args=(), names=None) -> dict[str, subprocess.Popen]:
    """Start the dealer and every party (or only ``names``) of ``config`` running ``script``.

    The processes share this machine's cores, so unless ``NUMBA_NUM_THREADS`` is
    set each gets an equal part of them (idle kernel threads of one process would
    otherwise spin on cores the others need).
    """
    consortium = load_consortium(config)
    package_root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    threads = os.environ.get("NUMBA_NUM_THREADS") or str(max(1, (os.cpu_count() or 1) // len(consortium.parties)))
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=path, NUMBA_NUM_THREADS=threads)
    processes = {DEALER: subprocess.Popen(_command("dealer", "--config", config), env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)}
    for name in consortium.parties if names is None else names:
        processes[name] = subprocess.Popen(
            _command("party", "--config", config, "--name", name, script, *script_args), env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return processes


def supervise(processes: dict[str, subprocess.Popen], out=None) -> int:
    """Stream prefixed output until every process ends; stop the rest after a failure. Returns 0 or 1."""
    out = out or sys.stdout
    lock = threading.Lock()

    def forward(name: str, stream) -> None:
        for line in stream:
            with lock:
                out.write(f"[{name}] {line}")
                out.flush()

    readers = [threading.Thread(target=forward, args=(name, p.stdout), daemon=True)
               for name, p in processes.items()]
    for reader in readers:
        reader.start()
    failed_at = None
    while any(p.poll() is None for p in processes.values()):
        if failed_at is None and any(p.poll() not in (None, 0) for p in processes.values()):
            failed_at = time.monotonic()
        if failed_at is not None and time.monotonic() - failed_at > GRACE:
            for process in processes.values():
                if process.poll() is None:
                    process.kill()
        time.sleep(0.05)
    for reader in readers:
        reader.join(timeout=5)
    failed = [name for name, p in processes.items() if p.returncode != 0]
    if failed:
        out.write(f"mpcarray run: failed: {', '.join(failed)}\n")
    return 1 if failed else 0


def run_local(names, script, script_args=(), timeout: float = 30.0, insecure_plaintext: bool = False) -> int:
    """``mpcarray run``: every party and the dealer on this machine, over loopback."""
    with tempfile.TemporaryDirectory(prefix="mpcarray-run-") as directory:
        config = prepare(directory, names, timeout, insecure_plaintext)
        return supervise(start(config, script, script_args))


def run_party(config, name: str, script, script_args=()) -> int:
    """``mpcarray party``: run ``script`` as party ``name``; ``Session.from_env()`` picks it up."""
    load_consortium(config).rank(name)  # fail early on an unknown name or a bad file
    os.environ[ENV_CONFIG], os.environ[ENV_PARTY] = str(Path(config).resolve()), name
    sys.argv = [str(script), *script_args]
    sys.path.insert(0, str(Path(script).resolve().parent))
    try:
        runpy.run_path(str(script), run_name="__main__")
    except MpcError as err:
        print(f"mpcarray party {name}: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


def run_dealer(config) -> int:
    """``mpcarray dealer``: serve one session of the consortium ``config``."""
    consortium = load_consortium(config)
    keep_freed_memory()
    try:
        serve(consortium.parties, consortium.dealer, consortium.credentials(DEALER), consortium.timeout)
    except MpcError as err:
        print(f"mpcarray dealer: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0
