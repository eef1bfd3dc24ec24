"""Secure / plaintext time ratios, measured in-process from the asv benchmark classes.

Usage (from ``asv_benchmarks/``, with mpcarray installed, e.g. ``pip install -e ".[bench]"``)::

    python ratios.py              # 15 samples per operation (under a minute)
    python ratios.py --repeat 41  # steadier medians
    python ratios.py --quick      # 3 samples, a smoke test

For every row the benchmark class from ``benchmarks/`` is instantiated and its
own ``setup`` is run (so the operands, sessions and Numba warm-up are exactly
those asv uses; nothing is duplicated here). The secure and the plaintext
``time_*`` methods are then sampled alternately, each sample long enough
(``--sample-time``) to swamp timer resolution. "ratio" is the ratio of the two
medians, the number to quote; "min ratio" is the ratio of the fastest samples,
and when the two disagree a lot something disturbed the run. Alternating the
two methods keeps slow drifts of the machine (other jobs, frequency scaling)
out of the ratio, which is why we quote ratios and not absolute times. Rounds
and bytes come from the classes' ``track_*`` methods: they are exact and the
same on every machine.

Reading asv's result files instead would need a completed ``asv run`` and its
machine/environment naming; this script only needs the package.
"""

import argparse
import functools
import importlib
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from benchmarks._timing import alternating_samples

# (label, "module.Class" under benchmarks/, setup parameters, secure method, plaintext method)
ROWS = [
    ("x * y, 10^6, 2 parties", "bench_multiply.FixedPointMultiply", (10**6, 2),
     "time_secure_multiply", "time_plaintext_multiply"),
    ("x * y, 10^6, 3 parties", "bench_multiply.FixedPointMultiply", (10**6, 3),
     "time_secure_multiply", "time_plaintext_multiply"),
    ("x * y, 10^6, 5 parties", "bench_multiply.FixedPointMultiply", (10**6, 5),
     "time_secure_multiply", "time_plaintext_multiply"),
    ("x * y, 10^4, 3 parties", "bench_multiply.FixedPointMultiply", (10**4, 3),
     "time_secure_multiply", "time_plaintext_multiply"),
    ("X.T @ X, 10^5 x 20, 3 parties", "bench_matmul.Gram", (3, "joint"),
     "time_secure_gram", "time_plaintext_gram"),
    ("  same, X from one owner", "bench_matmul.Gram", (3, "one_owner"),
     "time_secure_gram", "time_plaintext_gram"),
    ("X @ w, 10^4 x 20, 3 parties", "bench_matmul.MatVec", (3,),
     "time_secure_matvec", "time_plaintext_matvec"),
    ("x * y, 10^6 int64, additive", "bench_shamir.Multiply", ("additive",),
     "time_secure_multiply", "time_numpy_uint64_multiply"),
    ("x * y, 10^6 GF(2^61-1), Shamir", "bench_shamir.Multiply", ("shamir",),
     "time_secure_multiply", "time_numpy_uint64_multiply"),
    ("X.T @ X, 10^4 x 20 int, Shamir", "bench_shamir.Gram", ("shamir",),
     "time_secure_gram", "time_numpy_int64_gram"),
    ("x * y, 10^6 reals, additive", "bench_shamir.FixedPointMultiply", ("additive",),
     "time_secure_multiply", "time_numpy_float64_multiply"),
    ("x * y, 10^6 reals, Shamir GF(2^127-1)", "bench_shamir.FixedPointMultiply", ("shamir",),
     "time_secure_multiply", "time_numpy_float64_multiply"),
    ("x < y, 10^4 reals, additive", "bench_shamir.Compare", ("additive",), "time_secure_less", "time_numpy_less"),
    ("x < y, 10^4 reals, Shamir", "bench_shamir.Compare", ("shamir",), "time_secure_less", "time_numpy_less"),
    ("reveal 10^6, Shamir 5 parties, checked / unchecked", "bench_dropout.CheckedOpening", (),
     "time_checked_reveal", "time_unchecked_reveal"),
    ("x * y 10^6, Shamir 5 parties, checked / unchecked", "bench_dropout.CheckedOpening", (),
     "time_checked_multiply", "time_unchecked_multiply"),
] + [
    (f"{name}, 10^6, 3 parties", "bench_nonlinear.Nonlinear", (name,), "time_secure", "time_plaintext")
    for name in ("less", "reciprocal", "exp", "sigmoid")
] + [
    (f"stats.{name}, 10^6 x 20, 3 hospitals", "bench_stats.Moments", (name,), "time_secure", "time_plaintext")
    for name in ("mean", "var", "corrcoef")
] + [
    ("stats.kaplan_meier, 10^5, 3 hospitals", "bench_stats.KaplanMeier", (), "time_secure", "time_plaintext"),
    ("np.median, 10^5, 3 parties", "bench_order.Median", (1,), "time_secure", "time_plaintext"),
    ("  same, 2 bits per step (half the rounds)", "bench_order.Median", (2,), "time_secure", "time_plaintext"),
    ("np.sort, 2^10, 3 parties", "bench_order.Sort", (), "time_secure", "time_plaintext"),
] + [
    (f"PSI, 10^4 ids, {n} parties", "bench_linkage.PrivateIntersection", (n,), "time_secure", "time_plaintext")
    for n in (2, 3)
] + [
    (label, "bench_models.Models", (case,), "time_secure", "time_plaintext")
    for label, case in (("OLS, 10^6 x 20, rows at 3 hospitals", "ols_horizontal_1e6"),
                        ("OLS, 10^5 x 20, columns at 3 hospitals", "ols_vertical_1e5"),
                        ("logistic, 10 Newton steps, 10^5 x 20", "logistic_1e5"))
] + [
    (label, "bench_models.LogisticGD", (how,), "time_secure", "time_plaintext")
    for label, how in (("logistic, 10 GD epochs, breast cancer, array code", "array_code"),
                       ("  same, LogisticRegression(method='gd')", "estimator"))
]


#: Rows whose median and min ratios differ by more than this factor are flagged.
DISTURBED = 1.5

#: Rows during which other processes used more than this many cores on average are flagged.
BUSY_CORES = 0.1


def _busy_seconds():
    """CPU seconds used so far by the whole machine and by this process (None off Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    machine = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    own = os.times()
    return machine, own.user + own.system


def _benchmark_class(dotted: str):
    """The class ``module.Class`` from this directory's ``benchmarks`` package."""
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(f"benchmarks.{module}"), name)


def measure(cls, params, secure_name, plain_name, repeat, sample_time):
    """Median seconds per call of secure and plaintext methods, ratio of minima, rounds, bytes."""
    before = _busy_seconds()
    start = time.perf_counter()
    bench = cls()
    if hasattr(bench, "setup"):
        bench.setup(*params)
    for name in (secure_name, plain_name):  # a method's own asv setup (e.g. its warm-up)
        method_setup = getattr(getattr(bench, name), "setup", None)
        if method_setup is not None:
            method_setup(*params)
    secure = functools.partial(getattr(bench, secure_name), *params)
    plain = functools.partial(getattr(bench, plain_name), *params)
    secure_times, plain_times = alternating_samples(secure, plain, repeat, sample_time)
    rounds = bench.track_rounds(*params)
    sent = bench.track_bytes_sent_per_party(*params)
    after = _busy_seconds()
    others = 0.0
    if before is not None and after is not None:
        others = ((after[0] - before[0]) - (after[1] - before[1])) / (time.perf_counter() - start)
    importlib.import_module("benchmarks._common").clear_caches()
    return {
        "secure": statistics.median(secure_times),
        "plain": statistics.median(plain_times),
        "min_ratio": min(secure_times) / min(plain_times),
        "rounds": rounds,
        "sent": sent,
        "other_cores": others,
    }


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def sampling_options(description: str, repeat: int, quick: int, argv=None) -> tuple[int, float]:
    """``(samples, minimum seconds per sample)`` from ``--repeat``, ``--quick`` and ``--sample-time``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=repeat, help=f"samples per row (default {repeat})")
    parser.add_argument("--sample-time", type=float, default=0.02,
                        help="minimum seconds per sample (default 0.02)")
    parser.add_argument("--quick", action="store_true", help=f"{quick} sample(s) per row")
    args = parser.parse_args(argv)
    return (quick if args.quick else args.repeat), args.sample_time


def main(argv=None) -> int:
    repeat, sample_time = sampling_options(__doc__.split("\n")[0], 15, 3, argv)

    import numba
    import numpy as np

    import mpcarray

    print(f"mpcarray {mpcarray.__version__}, numpy {np.__version__}, numba {numba.__version__}, "
          f"{numba.get_num_threads()} Numba threads, {os.cpu_count()} CPUs; "
          f"median of {repeat} samples")
    header = (f"{'operation':<32} {'secure':>10} {'plaintext':>10} {'ratio':>8} {'min ratio':>9} "
              f"{'rounds':>6} {'MB sent/party':>13}")
    print(header)
    print("-" * len(header))
    disturbed = False
    for label, dotted, params, secure_name, plain_name in ROWS:
        m = measure(_benchmark_class(dotted), params, secure_name, plain_name, repeat,
                    sample_time)
        ratio = m["secure"] / m["plain"]
        flag = ""
        unsteady = max(ratio, m["min_ratio"]) > DISTURBED * min(ratio, m["min_ratio"])
        if unsteady or m["other_cores"] > BUSY_CORES:
            flag, disturbed = f"  * (others busy: {m['other_cores']:.1f} cores)", True
        print(f"{label:<32} {fmt_time(m['secure']):>10} {fmt_time(m['plain']):>10} "
              f"{ratio:>7.3g}x {m['min_ratio']:>8.3g}x {m['rounds']:>6} "
              f"{m['sent'] / 1e6:>13.2f}{flag}")
    if disturbed:
        print(f"* disturbed: other processes were busy, or median and min ratios differ by more "
              f"than {DISTURBED}x. Numba's parallel kernels slow down far more than NumPy when "
              "the cores are shared, so these ratios are too high; rerun on an idle machine.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
