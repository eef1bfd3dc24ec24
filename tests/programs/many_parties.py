"""Column means and an OLS fit on diabetes, rows split over many hospitals; prints JSON.

Every party holds a block of rows (``np.array_split`` of the 442 patients) and
shares it; the blocks are joined with ``np.concatenate``, so means and the
normal equations are owner-local sums plus one secure solve. Run it with
``mpcarray run --parties 50 tests/programs/many_parties.py`` (each process
prints its result, its bytes and rounds, its wall time and peak RSS) or
directly (simulated, ``--parties N``, default 50).
"""

import argparse
import json
import resource
import time

import numpy as np
from sklearn.datasets import load_diabetes

import mpcarray as mpc


def blocks(n_parties: int) -> list[np.ndarray]:
    """The row indices each party holds."""
    return np.array_split(np.arange(442), n_parties)


def analysis(s) -> dict:
    """Share each party's rows, reveal the column means and the OLS coefficients."""
    X, y = load_diabetes(return_X_y=True, scaled=False)
    parts = blocks(s.n_parties)
    Xs = np.concatenate([s.share(X[rows] if s.holds(p) else None, owner=p) for p, rows in enumerate(parts)])
    ys = np.concatenate([s.share(y[rows] if s.holds(p) else None, owner=p) for p, rows in enumerate(parts)])
    means = np.mean(Xs, axis=0).reveal(label="means")
    model = mpc.models.LinearRegression().fit(Xs, ys)
    return {"means": means.tolist(), "coef": model.coef_.tolist(), "intercept": float(model.intercept_)}


def main(s) -> dict:
    start = time.perf_counter()
    out = analysis(s)
    comm = s.comm
    row = s.rank if s.rank is not None else int(np.argmax(comm.bytes_sent))
    out.update(rank=s.rank, seconds=time.perf_counter() - start, rounds=comm.rounds,
               bytes_sent=int(comm.bytes_sent[row]), bytes_received=int(comm.bytes_received[row]),
               dealer_bytes=int(comm.dealer_bytes[row]),
               estimate_20ms=comm.estimate(rtt=0.020, bandwidth=1e9),
               cpu_seconds=time.process_time(),
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--parties", type=int, default=50, help="number of parties when simulated")
    with mpc.Session.from_env(parties=parser.parse_args().parties) as session:
        print(json.dumps(main(session)))
