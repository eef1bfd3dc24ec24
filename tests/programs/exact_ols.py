"""Exact OLS fits (coefficients, then with standard errors) on rows at two hospitals, on whichever backend ``Session.from_env`` gives; prints JSON.

Run directly it simulates all parties; under ``mpcarray run`` each process prints the
coefficients and its communication counters (``tests/test_exact_ols.py``). The one
argument is the sharing scheme (``additive``, the default, or ``shamir``).
"""

import json
import sys

import numpy as np

import mpcarray as mpc


def data():
    """40 rows, 3 features (every party can compute them; only the owners share them)."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(40, 3)) * [1.0, 10.0, 0.1]
    return X, X @ [0.5, -0.25, 3.0] + 2.0 + rng.normal(size=40)


def main(s) -> dict:
    X, y = data()
    blocks = [slice(0, 25), slice(25, 40)]
    Xs = np.concatenate([s.share(X[b] if s.holds(i) else None, owner=i) for i, b in enumerate(blocks)])
    ys = np.concatenate([s.share(y[b] if s.holds(i) else None, owner=i) for i, b in enumerate(blocks)])
    before = s.comm.snapshot()
    model = mpc.models.LinearRegression(method="exact").fit(Xs, ys)
    comm = s.comm - before
    inference = mpc.models.LinearRegression(method="exact", standard_errors=True).fit(Xs, ys)
    return {"coef": model.coef_.tolist(), "intercept": model.intercept_, "rank": s.rank, "rounds": comm.rounds,
            "bytes_sent": comm.bytes_sent.tolist(), "dealer_bytes": comm.dealer_bytes.tolist(),
            "bse": inference.bse_.tolist(), "rsquared": inference.rsquared_,
            "total_rounds": s.comm.rounds, "total_dealer_bytes": s.comm.dealer_bytes.tolist()}


if __name__ == "__main__":
    scheme = sys.argv[1] if len(sys.argv) > 1 else "additive"
    with mpc.Session.from_env(parties=3, scheme=scheme) as session:
        print(json.dumps(main(session)))
