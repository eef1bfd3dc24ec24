"""Socket backend vs simulated backend: 3-party fixed-point multiply of 10^6 elements, and open latency.

Usage (from the repository root, under a minute)::

    python asv_benchmarks/socket_ratio.py             # TLS and plain TCP, 5 samples each
    python asv_benchmarks/socket_ratio.py --repeat 9 --size 1000000

One run measures everything, so the ratios compare like with like: the
simulated backend in this process, then three party processes plus the dealer
on 127.0.0.1 (``mpcarray run`` machinery) over TLS 1.3, then over plain TCP.
Every party times the same operations after a barrier (an opened scalar); a
party's time is the median of its samples and the socket time is the slowest
party's. All processes share this machine's cores, so on a machine with fewer
cores than parties the socket time includes the parties waiting for a core.
"""

import argparse
import json
import os
import statistics
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
    """Median seconds of ``x * y`` (fixed point, Beaver + truncation) and of opening one scalar."""
    rng = np.random.default_rng(5)
    x = s.share(rng.uniform(-10, 10, size) if s.holds(0) else None, owner=0)
    y = s.share(rng.uniform(-10, 10, size) if s.holds(1) else None, owner=1)
    scalar = s.share(np.array(1.0) if s.holds(0) else None, owner=0)
    (x[:10] * y[:10]).reveal()  # warm-up: Numba kernels loaded, connections busy once
    multiply, opening = [], []
    for _ in range(repeat):
        scalar.reveal()  # barrier: every party starts the timed operation together
        start = time.perf_counter()
        x * y
        multiply.append(time.perf_counter() - start)
    for _ in range(repeat * 20):
        start = time.perf_counter()
        scalar.reveal()
        opening.append(time.perf_counter() - start)
    return {"multiply": statistics.median(multiply), "open": statistics.median(opening)}


def socket_times(size: int, repeat: int, insecure: bool) -> dict:
    """The slowest party's medians over a real 3-process run."""
    with tempfile.TemporaryDirectory() as directory:
        config = launch.prepare(directory, PARTIES, timeout=120, insecure_plaintext=insecure)
        outcomes = launch.start(config, __file__, ["--party", str(size), str(repeat)]).wait(600)
    if any(code for code, _ in outcomes.values()):
        raise SystemExit("a party failed:\n" + "\n".join(f"[{n}] {o}" for n, (_, o) in outcomes.items()))
    results = [json.loads(outcomes[name][1].strip().splitlines()[-1]) for name in PARTIES]
    return {key: max(r[key] for r in results) for key in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--party", nargs=2, type=int, help=argparse.SUPPRESS)  # inside a party process
    args = parser.parse_args()
    if args.party:
        with mpc.Session.from_env(parties=PARTIES) as s:
            print(json.dumps(measure(s, *args.party)))
        return
    with mpc.Session(parties=PARTIES, range_check=False) as s:  # the protocol's time, without the check
        simulated = measure(s, args.size, args.repeat)
    rows = {"simulated": simulated, "socket TLS": socket_times(args.size, args.repeat, False),
            "socket plain TCP": socket_times(args.size, args.repeat, True)}
    print(f"3 parties, x * y on {args.size:,} fixed-point elements; {os.cpu_count()} cores; "
          f"median of {args.repeat}")
    print(f"{'backend':<18}{'multiply (s)':>14}{'ratio':>8}{'open scalar (ms)':>19}")
    for name, row in rows.items():
        ratio = row["multiply"] / simulated["multiply"]
        print(f"{name:<18}{row['multiply']:>14.3f}{ratio:>8.2f}{1e3 * row['open']:>19.3f}")


if __name__ == "__main__":
    main()
