"""The performance gate's figures: secure/plaintext time ratio, rounds and bytes of the hot operations.

Each workload (``_workloads.py``) runs in a fresh seeded session (3 parties, additive, unless
``SESSIONS`` says otherwise), in one process.
``track_ratio`` is the median of ``REPEAT`` secure samples over the median of ``REPEAT``
NumPy samples taken alternately in the same process (``_timing.median_ratio``): a figure
that a loaded or faster machine moves far less than an absolute time. Both sides run on one
thread (Numba and BLAS) and are timed on the process's CPU time: on a machine shared with
other jobs, wall-clock ratios of parallel code jump between runs (a parallel region
waits for its slowest thread, and time spent waiting for a core counts), while the CPU time
of single-threaded work moves far less; an extra pass over the data shows in either. So the
gate does not see a loss of parallelism, only more work. ``track_rounds`` and
``track_bytes_sent_per_party`` are exact counts of one call. ``gate.py`` compares these
figures with ``baseline.json``; asv records their history.
"""

import functools
import time

import numba
from threadpoolctl import threadpool_limits

from . import _workloads as w
from ._common import clear_caches, comm_of, max_bytes_sent, session
from ._timing import median_ratio

#: Samples per ratio, and minimum seconds per sample.
REPEAT = 7
SAMPLE_TIME = 0.02

#: Threads of Numba and of BLAS while the gate measures.
THREADS = 1

#: name -> builder of the workload from a session (the gate's rows, in the order of its table).
WORKLOADS = {
    "mul_1e6": w.products,
    "less_1e5": functools.partial(w.comparisons, size=10**5),
    "matvec_1e4x20": w.matvec,
    "gram_1e4x20": w.gram,
    "sigmoid_1e5": functools.partial(w.nonlinear, name="sigmoid", size=10**5),
    "exp_1e5": functools.partial(w.nonlinear, name="exp", size=10**5),
    "reciprocal_1e5": functools.partial(w.nonlinear, name="reciprocal", size=10**5),
    "ols_diabetes_rows": functools.partial(w.ols, layout="rows"),
    "ols_diabetes_columns": functools.partial(w.ols, layout="columns"),
    "ols_diabetes_rows_exact": functools.partial(w.ols, layout="rows", method="exact"),
    "logistic_gd10_cancer": w.logistic,
    "psi_1e3": functools.partial(w.intersection, size=10**3),
    "shamir5_checked_mul_1e5": functools.partial(w.products, size=10**5),
}

#: Session options of the workloads that do not run at 3 parties with additive sharing: the
#: products of a Shamir session that survives a failed party (5 parties, t = 1, openings
#: checked against the redundant shares).
SESSIONS = {"shamir5_checked_mul_1e5": {"parties": 5, "scheme": "shamir", "threshold": 1,
                                        "check_openings": True}}


def measure(name: str, repeat: int = REPEAT, sample_time: float = SAMPLE_TIME) -> dict:
    """``{"label", "ratio", "rounds", "bytes"}`` of one workload, from a fresh session.

    ``repeat=0`` counts rounds and bytes only (``"ratio"`` is None).
    """
    threads = numba.get_num_threads()
    numba.set_num_threads(THREADS)
    try:
        options = {"parties": w.HOSPITALS, **SESSIONS.get(name, {})}
        with session(**options) as s, threadpool_limits(THREADS):
            workload = WORKLOADS[name](s)
            stats = comm_of(s, workload.secure)  # also the warm-up: kernels loaded or compiled
            workload.plain()
            ratio = median_ratio(workload.secure, workload.plain, repeat, sample_time,
                                 clock=time.process_time) if repeat else None
    finally:
        numba.set_num_threads(threads)
        clear_caches()
    return {"label": workload.label, "ratio": ratio, "rounds": int(stats.rounds),
            "bytes": max_bytes_sent(stats)}


class Gate:
    """The gate's figures, one workload per parameter (asv runs each in its own process)."""

    params = (tuple(WORKLOADS),)
    param_names = ("workload",)
    timeout = 300

    def track_ratio(self, name):
        return measure(name)["ratio"]

    track_ratio.unit = "secure/plaintext"

    def track_rounds(self, name):
        return measure(name, repeat=0)["rounds"]

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, name):
        return measure(name, repeat=0)["bytes"]

    track_bytes_sent_per_party.unit = "bytes"
