"""docs/examples/poisson.py, the model written outside mpcarray, fits what statsmodels fits."""

import runpy
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from lifelines.datasets import load_rossi

import mpcarray as mpc

EXAMPLE = runpy.run_path(str(Path(__file__).resolve().parents[1] / "docs" / "examples" / "poisson.py"))
FEATURES = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def rossi():
    """Rossi recidivism data: covariates, re-arrests, log person-weeks, statsmodels' Poisson GLM."""
    data = load_rossi()
    X = data[FEATURES].to_numpy(dtype=np.float64)
    y = data["arrest"].to_numpy(dtype=np.float64)
    offset = np.log(data["week"].to_numpy(dtype=np.float64))
    reference = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson(), offset=offset).fit()
    return X, y, offset, reference.params


# docs/extending.md: largest relative error below 1e-2 at 12 fractional bits, 5e-4 at 16, 5e-5 at 20
@pytest.mark.parametrize("frac_bits, bound, seed",
                         [(12, 1e-2, 1), (16, 5e-4, 1), (16, 5e-4, 2), (20, 5e-5, 1)])
def test_poisson_example_matches_statsmodels_glm(rossi, frac_bits, bound, seed):
    X, y, offset, want = rossi
    with mpc.Session(parties=3, seed=seed, frac_bits=frac_bits) as s:
        shared = [EXAMPLE["share_by_rows"](s, column) for column in (X, y, offset)]
        fit = EXAMPLE["PoissonRegression"]().fit(*shared)
    got = np.r_[fit.intercept_, fit.coef_]
    assert np.max(np.abs(got - want) / np.abs(want)) < bound
