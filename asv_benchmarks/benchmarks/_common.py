"""Helpers shared by the benchmark suites (no benchmarks in this module).

asv re-runs ``setup`` before every timing sample, so the suites build their
sessions and operands through small ``functools.lru_cache`` builders: the first
``setup`` in a process pays for sharing and for the warm-up call that loads or
compiles the Numba kernels, later ones are free. asv runs every benchmark in
its own forked process, so a cache never outlives one benchmark there;
``ratios.py`` runs everything in one process and calls :func:`clear_caches`
between suites to bound memory.

Nothing here runs at import time: asv imports the suite in a fork server and
forks per benchmark, and Numba's OpenMP thread pool must not be started
before the fork.
"""

import functools

import numpy as np

import mpcarray as mpc

#: Seed of every session and every input array: runs are reproducible.
SEED = 20240611

#: ``(lo, hi)`` of the uniform test data; products stay far inside the safe range.
LOW, HIGH = -100.0, 100.0

_builders = []


def cached(func):
    """``lru_cache(maxsize=1)`` that :func:`clear_caches` can reset."""
    wrapped = functools.lru_cache(maxsize=1)(func)
    _builders.append(wrapped)
    return wrapped


def clear_caches() -> None:
    """Drop every cached session and operand (for in-process drivers such as ratios.py)."""
    for builder in _builders:
        builder.cache_clear()


def uniform(shape, stream: int) -> np.ndarray:
    """Reproducible float64 data, uniform in ``[LOW, HIGH)``; ``stream`` picks independent draws."""
    return np.random.default_rng([SEED, stream]).uniform(LOW, HIGH, shape)


def session(parties: int, **options) -> "mpc.Session":
    """A simulated session with the fixed seed; ``options`` go to :class:`mpcarray.Session` (``scheme=``, ...).

    The benchmark process opts in to mpcarray's process policies (``mpc.tune_process``), as
    ``mpcarray party`` processes do: the figures are those of a party process. It runs before
    the first kernel call, so the OpenMP runtime sees ``OMP_WAIT_POLICY``. The simulated
    backend's range check (which reconstructs operands, work the socket backend never does)
    is off, so the times are the protocols' own.
    """
    mpc.tune_process()
    return mpc.Session(parties=parties, seed=SEED, **{"range_check": False, **options})


def comm_of(sess, op):
    """Run ``op()`` once and return the :class:`mpcarray.CommStats` it spent."""
    before = sess.comm.snapshot()
    op()
    return sess.comm - before


def max_bytes_sent(stats) -> int:
    """Largest number of bytes sent by any one party."""
    return int(np.max(stats.bytes_sent))


def dealer_bytes(stats) -> int:
    """Total correction bytes the dealer delivered (to all parties)."""
    return int(np.sum(stats.dealer_bytes))
