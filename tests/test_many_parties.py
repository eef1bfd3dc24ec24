"""tests/programs/many_parties.py at 50 parties: means and OLS against NumPy.

Simulated here (a few seconds); docs/socket.md quotes the same program over 50
socket processes (``mpcarray run --parties 50``), whose counters equal these.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

import mpcarray as mpc
from mpcarray.stats.partition import column_maximum

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import many_parties


def test_fifty_hospitals_means_and_ols_match_numpy():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    with mpc.Session(parties=50, backend="simulated", seed=3) as s:
        out = many_parties.main(s)
    np.testing.assert_allclose(out["means"], X.mean(axis=0), rtol=1e-5)
    A = np.column_stack([np.ones(len(y)), X])
    beta = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[out["intercept"], out["coef"]], beta, rtol=1e-4)
    assert out["bytes_sent"] > 0 and out["rounds"] > 0
    assert out["estimate_20ms"] >= out["rounds"] * 0.020


@pytest.mark.parametrize("hospitals", [2, 3, 5, 8])
def test_maximum_over_hospitals_takes_log_depth(hospitals):
    """The hospitals share their column maxima together (one round), which meet in ceil(log2 k)
    levels of one ``maximum`` each."""
    rng = np.random.default_rng(hospitals)
    X = rng.uniform(-50, 50, (40, 3))
    with mpc.Session(parties=hospitals, backend="simulated", seed=1) as s:
        blocks = np.array_split(np.arange(len(X)), hospitals)
        Xs = np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)])
        a, b = s.share(X[0], owner=0), s.share(X[1], owner=1 % hospitals)
        before = s.comm.snapshot()
        mpc.maximum(a, b)
        one = (s.comm - before).rounds
        before = s.comm.snapshot()
        largest = column_maximum(Xs)
        rounds = (s.comm - before).rounds
        np.testing.assert_allclose(largest.reveal(), X.max(axis=0), atol=2.0**-16)
    assert rounds == 1 + math.ceil(math.log2(hospitals)) * one
