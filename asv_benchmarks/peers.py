"""mpcarray beside MPyC, CrypTen and SPU: the workloads of PEERS.md at 3 parties, simulated backend.

Usage (from the repository root; under a minute on 2 idle cores)::

    python asv_benchmarks/peers.py              # median of 5 samples per workload
    python asv_benchmarks/peers.py --repeat 9   # steadier medians
    python asv_benchmarks/peers.py --quick      # 1 sample, a smoke test

Each workload of the peers' table runs on mpcarray's simulated backend (all 3
parties in this process, the closest analogue of SPU's in-process threads)
beside plaintext NumPy on the same data, in the same run. Input sharing is
outside the timing, as in PEERS.md; everything after it (the dealer's
material, openings, truncations, the reveals of a fit) is inside. A time is
the median of ``--repeat`` samples after one warm-up call; a sample repeats
a call until it lasts ``--sample-time`` (ratios.py's sampling, so microsecond
NumPy calls are timed reliably). "error" is the largest relative error over
the intercept and coefficients, against float64 least squares
(``numpy.linalg.lstsq``) for OLS and against the same 10 gradient-descent
epochs in float64 for logistic regression. "best peer" is the fastest
published figure from PEERS.md, measured on another 2-core machine: a
reference, not a same-run ratio.

Three OLS rows, as in docs/models.md: rows split across 3 hospitals take the
owner-local path (each hospital aggregates its own rows in float64), iteratively
or with ``method="exact"`` (each hospital's exact normal equations solved behind
a random mask); columns split across them (vertical) take the secure path (rows
standardised and the Gram matrix formed inside MPC), the like-for-like
comparison with the peers.
"""

import os
import statistics
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]  # this checkout's mpcarray; ratios.py and benchmarks/

from benchmarks import _workloads as w
from benchmarks._common import session
from benchmarks._timing import calls_per_sample, sample_seconds
from ratios import fmt_time, sampling_options

import mpcarray as mpc

PARTIES = w.HOSPITALS

#: Fastest published figure per workload, from PEERS.md (/work/shared; medians of 3 runs on a
#: 2-core machine like this one, 3 parties on one host): seconds, system, max coef. rel. error.
BEST_PEER = {
    "products": (0.196, "SPU ABY3, same run", None),
    "less_1e5": (0.17, "SPU ABY3", None),
    "less_1e6": (1.5, "SPU ABY3", None),
    "matvec": (0.012, "SPU ABY3", None),
    "gram": (0.093, "CrypTen", None),
    "ols": (0.087, "SPU ABY3", 1.5e-3),
    "logistic": (0.181, "SPU ABY3, same run", None),
}


def workloads(s):
    """Every row of PEERS.md, in its order, with the key of its best peer figure."""
    yield w.products(s), "products"
    yield w.comparisons(s, 10**5), "less_1e5"
    yield w.comparisons(s, 10**6), "less_1e6"
    yield w.matvec(s), "matvec"
    yield w.gram(s), "gram"
    yield w.ols(s, "rows"), "ols"
    yield w.ols(s, "rows", method="exact"), "ols"
    yield w.ols(s, "columns"), "ols"
    yield w.logistic(s), "logistic"


def median_time(func, repeat: int, sample_time: float) -> float:
    """Median seconds per call over ``repeat`` samples, after one warm-up call."""
    number = calls_per_sample(func, sample_time)  # the warm-up
    return statistics.median(sample_seconds(func, number) for _ in range(repeat))


def _fmt_peer(key: str) -> str:
    seconds, system, error = BEST_PEER[key]
    return f"{fmt_time(seconds)}{f' / {error:.1e}' if error else ''} ({system})"


def main(argv=None) -> int:
    repeat, sample_time = sampling_options(__doc__.split("\n")[0], 5, 1, argv)

    print(f"mpcarray {mpc.__version__}, numpy {np.__version__}, {PARTIES} parties, simulated "
          f"backend, {os.cpu_count()} CPUs; median of {repeat} samples after a warm-up")
    header = (f"{'workload':<36} {'mpcarray':>9} {'plaintext':>9} {'ratio':>8} {'error':>8}  "
              "best peer (PEERS.md)")
    print(header)
    print("-" * (len(header) + 12))
    with session(PARTIES) as s:
        for row, peer in workloads(s):
            secure = median_time(row.secure, repeat, sample_time)
            plain = median_time(row.plain, repeat, sample_time)
            error = "" if row.error is None else f"{row.error:.1e}"
            print(f"{row.label:<36} {fmt_time(secure):>9} {fmt_time(plain):>9} "
                  f"{secure / plain:>7.3g}x {error:>8}  {_fmt_peer(peer)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
