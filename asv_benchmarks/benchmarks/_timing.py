"""Same-process timing of a secure call against its plaintext baseline (no benchmarks here).

Used by ``ratios.py``, ``peers.py`` and the gate (``bench_gate.py``, ``gate.py``). A sample
repeats a call until it lasts ``sample_time`` seconds, so microsecond NumPy calls are timed
reliably; the secure and plaintext calls are sampled alternately, so slow drifts of the
machine (other jobs, frequency scaling) fall on both and cancel in their ratio. The clock is
wall time by default; single-threaded code can be timed on the process's CPU time
(``time.process_time``), which time spent waiting for a core shared with other jobs does
not advance.
"""

import math
import statistics
import time


def calls_per_sample(func, sample_time: float, clock=time.perf_counter) -> int:
    """How many back-to-back calls make one sample of at least ``sample_time`` seconds."""
    start = clock()
    func()
    once = max(clock() - start, 1e-7)
    return max(1, math.ceil(sample_time / once))


def sample_seconds(func, number: int, clock=time.perf_counter) -> float:
    """Seconds per call on ``clock``, averaged over ``number`` back-to-back calls."""
    start = clock()
    for _ in range(number):
        func()
    return (clock() - start) / number


def alternating_samples(secure, plain, repeat: int, sample_time: float, clock=time.perf_counter):
    """``repeat`` samples (seconds per call) of ``secure`` and of ``plain``, taken alternately."""
    n_secure = calls_per_sample(secure, sample_time, clock)
    n_plain = calls_per_sample(plain, sample_time, clock)
    secure_times, plain_times = [], []
    for _ in range(repeat):
        secure_times.append(sample_seconds(secure, n_secure, clock))
        plain_times.append(sample_seconds(plain, n_plain, clock))
    return secure_times, plain_times


def median_ratio(secure, plain, repeat: int, sample_time: float, clock=time.perf_counter) -> float:
    """Median secure time over median plaintext time on ``clock``, from alternating samples."""
    secure_times, plain_times = alternating_samples(secure, plain, repeat, sample_time, clock)
    return statistics.median(secure_times) / statistics.median(plain_times)
