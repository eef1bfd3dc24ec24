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

Two OLS rows, as in docs/models.md: rows split across 3 hospitals take the
owner-local path (each hospital aggregates its own rows in float64); columns
split across them (vertical) take the secure path (rows standardised and the
Gram matrix formed inside MPC), the like-for-like comparison with the peers.
"""

import functools
import os
import statistics
import sys
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]  # this checkout's mpcarray; ratios.py and benchmarks/

from benchmarks._common import session, uniform
from benchmarks.bench_models import (
    GD_EPOCHS,
    breast_cancer,
    gd_epochs,
    plain_gd_logistic,
    plain_ols,
    plain_sigmoid,
    standardised_design,
)
from ratios import calls_per_sample, fmt_time, sample_seconds, sampling_options

import mpcarray as mpc

PARTIES = 3

#: Fastest published figure per workload, from PEERS.md (/work/shared; medians of 3 runs on a
#: 2-core machine like this one, 3 parties on one host): seconds, system, max coef. rel. error.
BEST_PEER = {
    # the two rows of issue 14: PEERS.md's same-run comparison (2026-12-02, SPU 0.9.5 beside mpcarray)
    "products": (0.196, "SPU ABY3, same run", None),
    "less_1e5": (0.17, "SPU ABY3", None),
    "less_1e6": (1.5, "SPU ABY3", None),
    "matvec": (0.012, "SPU ABY3", None),
    "gram": (0.093, "CrypTen", None),
    "ols": (0.087, "SPU ABY3", 1.5e-3),
    "logistic": (0.181, "SPU ABY3, same run", None),
}


class Workload(NamedTuple):
    """One row: the secure and plaintext calls, the error of a secure result, the peer key."""

    label: str
    secure: Callable
    plain: Callable
    error: float | None
    peer: str


def relative_error(got, want) -> float:
    """Largest relative error, element by element."""
    return float(np.max(np.abs(np.asarray(got) - want) / np.abs(want)))


def products(s):
    """10^6 fixed-point products x * y, x from party 0 and y from party 1."""
    a, b = uniform(10**6, stream=1), uniform(10**6, stream=2)
    x, y = s.share(a, owner=0), s.share(b, owner=1)
    return Workload("x * y, 10^6", lambda: x * y, lambda: a * b, None, "products")


def comparisons(s, size: int):
    """``size`` comparisons x < y, x from party 0 and y from party 1."""
    a, b = uniform(size, stream=3), uniform(size, stream=4)
    x, y = s.share(a, owner=0), s.share(b, owner=1)
    exponent = round(np.log10(size))
    return Workload(f"x < y, 10^{exponent}", lambda: x < y, lambda: a < b, None,
                    f"less_1e{exponent}")


def matvec(s):
    """X (10^4 x 20, party 0) @ w (party 1)."""
    a, b = uniform((10**4, 20), stream=5) / 100.0, uniform(20, stream=6) / 100.0
    x, w = s.share(a, owner=0), s.share(b, owner=1)
    return Workload("X @ w, X 10^4 x 20", lambda: x @ w, lambda: a @ b, None, "matvec")


def gram(s):
    """X.T @ X for X of 10^4 x 20 that no party knows (the sum of inputs of parties 0 and 1)."""
    a, part = uniform((10**4, 20), stream=7) / 100.0, uniform((10**4, 20), stream=8) / 100.0
    x = s.share(part, owner=0) + s.share(a - part, owner=1)
    return Workload("X.T @ X, X 10^4 x 20", lambda: x.T @ x, lambda: a.T @ a, None, "gram")


def ols(s, layout: str):
    """LinearRegression on the diabetes data (original units), rows or columns at 3 hospitals."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, scaled=False)
    if layout == "rows":
        blocks = np.array_split(np.arange(len(y)), PARTIES)
        Xs = np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)])
        ys = np.concatenate([s.share(y[b], owner=k) for k, b in enumerate(blocks)])
        label = "OLS diabetes, rows (owner-local)"
    else:
        groups = np.array_split(np.arange(X.shape[1]), PARTIES)
        Xs = np.hstack([s.share(X[:, g], owner=k) for k, g in enumerate(groups)])
        ys = s.share(y, owner=0)
        label = "OLS diabetes, columns (secure)"
    fit = mpc.models.LinearRegression().fit(Xs, ys)
    error = relative_error(np.r_[fit.intercept_, fit.coef_], plain_ols(X, y))
    return Workload(label, lambda: mpc.models.LinearRegression().fit(Xs, ys),
                    lambda: plain_ols(X, y), error, "ols")


def logistic(s, how: str):
    """10 gradient-descent epochs on the breast-cancer data (30 features), rows at 3 hospitals:
    ``how="estimator"`` fits ``LogisticRegression(method="gd")``, ``"array_code"`` runs the loop of
    :func:`benchmarks.bench_models.gd_epochs` on a design standardised before sharing."""
    X, y = breast_cancer()
    blocks = np.array_split(np.arange(len(y)), PARTIES)
    ys = np.concatenate([s.share(y[b], owner=k) for k, b in enumerate(blocks)])
    if how == "array_code":
        Z = standardised_design(X)
        Zs = np.concatenate([s.share(Z[b], owner=k) for k, b in enumerate(blocks)])
        plain = functools.partial(gd_epochs, Z, y, GD_EPOCHS, 1.0, plain_sigmoid)
        error = relative_error(gd_epochs(Zs, ys, GD_EPOCHS, 1.0, mpc.sigmoid).reveal(), plain())
        return Workload(f"logistic GD x{GD_EPOCHS}, array code", lambda: gd_epochs(
            Zs, ys, GD_EPOCHS, 1.0, mpc.sigmoid).reveal(), plain, error, "logistic")
    Xs = np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)])
    model = mpc.models.LogisticRegression(max_iter=GD_EPOCHS, method="gd")
    fit = model.fit(Xs, ys)
    plain = functools.partial(plain_gd_logistic, X, y, GD_EPOCHS, model.learning_rate)
    error = relative_error(np.r_[fit.intercept_, fit.coef_], plain())
    return Workload(f"logistic GD x{GD_EPOCHS}, cancer 569 x 30", lambda: model.fit(Xs, ys),
                    plain, error, "logistic")


def workloads(s):
    """Every row of PEERS.md, in its order."""
    yield products(s)
    yield comparisons(s, 10**5)
    yield comparisons(s, 10**6)
    yield matvec(s)
    yield gram(s)
    yield ols(s, "rows")
    yield ols(s, "columns")
    yield logistic(s, "estimator")
    yield logistic(s, "array_code")


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
        for row in workloads(s):
            secure = median_time(row.secure, repeat, sample_time)
            plain = median_time(row.plain, repeat, sample_time)
            error = "" if row.error is None else f"{row.error:.1e}"
            print(f"{row.label:<36} {fmt_time(secure):>9} {fmt_time(plain):>9} "
                  f"{secure / plain:>7.3g}x {error:>8}  {_fmt_peer(row.peer)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
