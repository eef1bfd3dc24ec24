"""Every asv benchmark once, in one process: the suite's smoke test (CI).

Usage (from the repository root, with mpcarray installed)::

    python asv_benchmarks/smoke.py             # every benchmark x parameters once
    python asv_benchmarks/smoke.py -b Gram     # only names matching a regular expression

``asv run --quick`` forks a process for every benchmark and parameter set, so each one
shares its inputs and loads the Numba kernels again: on 2 cores that took about 35
minutes. Here asv's own discovery (``asv_runner``) finds the same benchmarks, with the
same parameters, ``skip_params``, ``setup``, ``setup_cache`` and ``teardown``, and calls
each once in this process, so the suites' cached builders (``_common.cached``) share
inputs and warm kernels across the methods of a class. A benchmark that raises, or a
``track_*`` that returns no number, fails the run (exit status 1). Times printed here
are single calls, for orientation only; the ratios CI checks come from ``gate.py``.
"""

import argparse
import itertools
import math
import numbers
import os
import re
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "benchmarks")


def discover(pattern: str, suite: str = SUITE):
    """asv's benchmark objects in the package ``suite`` whose names match ``pattern``, by class."""
    from asv_runner.discovery import disc_benchmarks

    if os.path.dirname(suite) not in sys.path:
        sys.path.insert(0, os.path.dirname(suite))
    found = [b for b in disc_benchmarks(suite) if re.search(pattern, b.name)]
    groups: dict[str, list] = {}
    for bench in found:
        groups.setdefault(bench.name.rsplit(".", 1)[0], []).append(bench)
    return groups


def parameter_sets(bench) -> list[tuple]:
    return list(itertools.product(*bench._params)) if bench._params else [()]


def run_once(bench, index: int, caches: dict) -> str:
    """Set up, call and tear down one benchmark at parameter set ``index``; a short result."""
    if bench._params:
        bench.set_param_idx(index)
    key = bench.setup_cache_key
    if key is not None and key not in caches:
        caches[key] = bench.do_setup_cache()
    bench.set_cache(caches.get(key))
    if bench.do_setup():
        return "skipped"
    try:
        start = time.perf_counter()
        value = bench.func(*bench._build_params())
        seconds = time.perf_counter() - start
    finally:
        bench.do_teardown()
    if bench.name.rsplit(".", 1)[-1].startswith("track_"):
        if not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise TypeError(f"track benchmark returned {value!r}, not a finite number")
        return f"{value:g} {getattr(bench, 'unit', '')}".rstrip()
    return f"{seconds * 1e3:.1f} ms"


def main(argv=None, suite: str = SUITE) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-b", "--bench", default=".", help="regular expression on benchmark names")
    args = parser.parse_args(argv)
    failures, count, start = [], 0, time.perf_counter()
    for cls, benches in discover(args.bench, suite).items():
        caches: dict = {}
        class_start = time.perf_counter()
        # parameter sets outside, methods inside: a class's cached inputs serve all its methods
        for index in range(max(len(parameter_sets(b)) for b in benches)):
            for bench in benches:
                sets = parameter_sets(bench)
                if index >= len(sets):
                    continue
                label = f"{bench.name}{list(sets[index]) if bench._params else ''}"
                try:
                    result = run_once(bench, index, caches)
                except Exception:  # noqa: BLE001 - every failure is reported, then the run fails
                    failures.append(label)
                    result = "FAILED\n" + traceback.format_exc()
                count += 1
                print(f"{label:90} {result}", flush=True)
        print(f"-- {cls}: {time.perf_counter() - class_start:.1f} s", flush=True)
    print(f"{count} benchmark runs in {time.perf_counter() - start:.0f} s, {len(failures)} failed")
    for label in failures:
        print("FAILED:", label)
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
