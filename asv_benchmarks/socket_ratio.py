"""Socket backend vs simulated backend: 3-party fixed-point multiply of 10^6 elements, and open latency.

Usage (from the repository root, under a minute)::

    python asv_benchmarks/socket_ratio.py             # TLS and plain TCP, 5 samples each
    python asv_benchmarks/socket_ratio.py --repeat 9 --size 1000000
    python asv_benchmarks/socket_ratio.py --tls-only --profile party0   # cProfile of one party's products

One run measures everything, so the ratios compare like with like: the
simulated backend in this process (with :func:`mpcarray.tune_process`, as
party processes have it), then three party processes plus the dealer on
127.0.0.1 (``mpcarray run`` machinery) over TLS 1.3, then over plain TCP.
Every party times the same operations after a barrier (an opened scalar); a
party's time is the median of its samples and the socket time is the slowest
party's. All processes share this machine's cores, so on a machine with fewer
cores than parties the socket time includes the parties waiting for a core.

The CPU columns are what one machine per party would see (issue 14, item 6):
each party also measures the CPU seconds of its whole process
(``time.process_time``, every thread) over each product, after a warm-up
product and with input sharing excluded; "busiest CPU" is the largest of the
parties' medians and "CPU ratio" divides it by the simulated backend's wall
time for the same product in the same run. The dealer's CPU is not included
(it is another machine's). "vs sim. CPU" divides it by the simulated process's
CPU seconds instead (both of its threads): on a machine busy with other jobs the
simulated wall time grows with the load, its CPU time much less.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import mpcarray as mpc
from mpcarray import launch

PARTIES = ["party0", "party1", "party2"]


def measure(s, size: int, repeat: int) -> dict:
    """Median seconds of ``x * y`` (fixed point, Beaver + truncation), wall and CPU, and of opening one scalar."""
    rng = np.random.default_rng(5)
    x = s.share(rng.uniform(-10, 10, size) if s.holds(0) else None, owner=0)
    y = s.share(rng.uniform(-10, 10, size) if s.holds(1) else None, owner=1)
    scalar = s.share(np.array(1.0) if s.holds(0) else None, owner=0)
    (x[:10] * y[:10]).reveal()  # warm-up: Numba kernels loaded, connections busy once
    x * y  # warm-up at full size: buffers allocated once, as in a long analysis
    multiply, cpu, opening = [], [], []
    profiler, perf = _profiler(s), _perf(s)
    for _ in range(repeat):
        scalar.reveal()  # barrier: every party starts the timed operation together
        start, start_cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        x * y
        if profiler:
            profiler.disable()
        multiply.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    if profiler:
        import pstats
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    for _ in range(repeat * 20):
        start = time.perf_counter()
        scalar.reveal()
        opening.append(time.perf_counter() - start)
    return {"multiply": statistics.median(multiply), "cpu": statistics.median(cpu),
            "open": statistics.median(opening)}


def _profiler(s):
    """A cProfile profiler if this party (or, simulated, any) is named by ``MPCARRAY_PROFILE``."""
    wanted = os.environ.get("MPCARRAY_PROFILE")
    if not wanted or (s.rank is not None and s.parties[s.rank] != wanted):
        return None
    import cProfile
    return cProfile.Profile(time.thread_time)  # CPU seconds of the protocol thread, not waits


def _perf(s):
    """A ``perf record`` of this process during the timed products if ``MPCARRAY_PERF`` names this party."""
    wanted = os.environ.get("MPCARRAY_PERF")
    if not wanted or s.rank is None or s.parties[s.rank] != wanted.split(":")[0]:
        return None
    output = wanted.partition(":")[2] or f"perf-{wanted}.data"
    perf = subprocess.Popen(["perf", "record", "-q", "-g", "-F", "2000", "-o", output, "-p", str(os.getpid())],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # perf attaches
    return perf


def socket_times(size: int, repeat: int, insecure: bool) -> dict:
    """The slowest party's medians over a real 3-process run (``cpu_parties``: every party's CPU median)."""
    with tempfile.TemporaryDirectory() as directory:
        config = launch.prepare(directory, PARTIES, timeout=120, insecure_plaintext=insecure)
        outcomes = launch.start(config, __file__, ["--party", str(size), str(repeat)]).wait(600)
    if any(code for code, _ in outcomes.values()):
        raise SystemExit("a party failed:\n" + "\n".join(f"[{n}] {o}" for n, (_, o) in outcomes.items()))
    for name in PARTIES:  # anything a party printed before its figures (a profile) goes to stderr
        lines = outcomes[name][1].strip().splitlines()
        if len(lines) > 1:
            print("\n".join(f"[{name}] {line}" for line in lines[:-1]), file=sys.stderr)
    results = [json.loads(outcomes[name][1].strip().splitlines()[-1]) for name in PARTIES]
    row = {key: max(r[key] for r in results) for key in results[0]}
    row["cpu_parties"] = [r["cpu"] for r in results]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tls-only", action="store_true", help="skip the plain-TCP run")
    parser.add_argument("--profile", metavar="PARTY",
                        help="print a cProfile of this party's timed products (or 'simulated') on stderr")
    parser.add_argument("--perf", metavar="PARTY[:FILE]",
                        help="record this party's timed products with `perf record -g` (to FILE)")
    parser.add_argument("--party", nargs=2, type=int, help=argparse.SUPPRESS)  # inside a party process
    args = parser.parse_args()
    if args.profile:
        os.environ["MPCARRAY_PROFILE"] = args.profile
    if args.perf:
        os.environ["MPCARRAY_PERF"] = args.perf
    if args.party:
        with mpc.Session.from_env(parties=PARTIES) as s:
            print(json.dumps(measure(s, *args.party)))
        return
    mpc.tune_process()  # as `mpcarray party` does for each party process
    with mpc.Session(parties=PARTIES, range_check=False) as s:  # the protocol's time, without the check
        simulated = measure(s, args.size, args.repeat)
    rows = {"simulated": simulated, "socket TLS": socket_times(args.size, args.repeat, False)}
    if not args.tls_only:
        rows["socket plain TCP"] = socket_times(args.size, args.repeat, True)
    print(f"3 parties, x * y on {args.size:,} fixed-point elements; {os.cpu_count()} cores; "
          f"median of {args.repeat}")
    print(f"{'backend':<18}{'multiply (s)':>14}{'ratio':>8}{'busiest CPU (s)':>17}{'CPU ratio':>11}"
          f"{'vs sim. CPU':>13}{'open scalar (ms)':>19}  CPU per party (s)")
    for name, row in rows.items():
        ratio = row["multiply"] / simulated["multiply"]
        cpu_ratio = row["cpu"] / simulated["multiply"]  # issue 14 item 6: busiest party's CPU / simulated time
        cpu_cpu = row["cpu"] / simulated["cpu"]  # against the simulated process's CPU: steadier on a busy machine
        parties = " ".join(f"{c:.3f}" for c in row.get("cpu_parties", [row["cpu"]]))
        print(f"{name:<18}{row['multiply']:>14.3f}{ratio:>8.2f}{row['cpu']:>17.3f}{cpu_ratio:>11.2f}"
              f"{cpu_cpu:>13.2f}{1e3 * row['open']:>19.3f}  {parties}")


if __name__ == "__main__":
    main()
