"""mean, var, std, cov, corrcoef on real data split across three hospitals, against NumPy.

Owner-local results (rows held by hospitals) are compared with NumPy on the
raw data; secure-path results (the same array after ``.copy()``, which forgets
the hospitals' row blocks) with NumPy on the data as encoded in fixed point,
which is what the parties hold; the encoding's own effect is bounded separately.
"""

import numpy as np
import pytest
from clinical import (
    HOSPITALS,
    SCHEMES,
    breast_cancer,
    diabetes,
    encoded,
    even_blocks,
    share_columns,
    share_rows,
)

import mpcarray as mpc
from mpcarray import stats
from mpcarray.errors import ShapeError, UnsupportedOperationError

TOL = 1e-4


@pytest.fixture(scope="module", params=SCHEMES)
def session(request):
    with mpc.Session(parties=list(HOSPITALS), seed=5, scheme=request.param) as s:
        yield s


DATASETS = {"diabetes": diabetes, "breast_cancer": lambda: breast_cancer()[0]}


@pytest.fixture(scope="module", params=[(d, p) for d in DATASETS for p in ("owner_local", "secure")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def case(request, session):
    """(shared X, reference data) for each dataset and aggregation path."""
    name, path = request.param
    data = DATASETS[name]()
    X = share_rows(session, even_blocks(data))
    if path == "owner_local":
        assert mpc.row_parts(X) is not None
        return X, data
    X = X.copy()
    assert mpc.row_parts(X) is None
    return X, encoded(data)


def relative(actual, expected):
    return np.max(np.abs(actual / expected - 1))


def test_mean_var_std(case):
    X, data = case
    assert relative(stats.mean(X), data.mean(axis=0)) < TOL
    assert relative(stats.var(X), data.var(axis=0)) < TOL
    assert relative(stats.std(X, ddof=1), data.std(axis=0, ddof=1)) < TOL


def test_cov_and_corrcoef(case):
    X, data = case
    reference = np.cov(data, rowvar=False)
    scale = np.sqrt(np.outer(np.diag(reference), np.diag(reference)))
    assert np.max(np.abs(stats.cov(X) - reference) / scale) < TOL
    rho, rho_ref = stats.corrcoef(X), np.corrcoef(data, rowvar=False)
    assert np.max(np.abs(rho - rho_ref)) < TOL
    strong = np.abs(rho_ref) > 0.1
    assert relative(rho[strong], rho_ref[strong]) < TOL


def test_encoding_is_the_only_gap_to_the_raw_data(session):
    """The secure path's error against the raw data is that of the fixed-point inputs."""
    data = diabetes()
    X = share_rows(session, even_blocks(data)).copy()
    assert relative(stats.mean(X), data.mean(axis=0)) < TOL
    assert relative(stats.var(X), data.var(axis=0)) < TOL
    assert np.max(np.abs(stats.corrcoef(X) - np.corrcoef(data, rowvar=False))) < TOL


def test_finer_encoding_reaches_the_raw_data():  # additive-only to keep the suite fast: passes on Shamir in 7.0 s
    """Breast-cancer columns with std ~ 0.003 need f = 20 for 1e-4 against the raw data on the secure path."""
    data = breast_cancer()[0]
    with mpc.Session(parties=list(HOSPITALS), seed=6, frac_bits=20) as s:
        X = share_rows(s, even_blocks(data)).copy()
        reference = np.cov(data, rowvar=False)
        scale = np.sqrt(np.outer(np.diag(reference), np.diag(reference)))
        assert np.max(np.abs(stats.cov(X) - reference) / scale) < TOL
        assert np.max(np.abs(stats.corrcoef(X) - np.corrcoef(data, rowvar=False))) < TOL
        with pytest.raises(UnsupportedOperationError, match="frac_bits"):
            stats.corrcoef(mpc.Session(parties=2, frac_bits=23).share(data[:5, :2], owner=0))


def test_vertical_partitioning(session):
    """Columns held by different hospitals (np.hstack): cov and corrcoef by the secure path."""
    data = diabetes()
    X = share_columns(session, data)
    reference = encoded(data)
    cov_ref = np.cov(reference, rowvar=False)
    scale = np.sqrt(np.outer(np.diag(cov_ref), np.diag(cov_ref)))
    assert np.max(np.abs(stats.cov(X) - cov_ref) / scale) < TOL
    assert np.max(np.abs(stats.corrcoef(X) - np.corrcoef(reference, rowvar=False))) < TOL


def test_one_dimensional_and_integer_inputs(session):
    ages = diabetes()[:, 0].astype(np.int64)
    x = share_rows(session, even_blocks(ages))
    assert stats.mean(x) == pytest.approx(ages.mean(), rel=1e-12)
    assert stats.var(x, ddof=1) == pytest.approx(ages.var(ddof=1), rel=TOL)
    assert stats.std(x.copy()) == pytest.approx(ages.std(), rel=TOL)


def test_public_bounds_avoid_the_magnitude_reveal(session):
    data = diabetes()
    X = share_rows(session, even_blocks(data))
    before = len(session.disclosures)
    rho = stats.corrcoef(X, bounds=np.abs(data).max(axis=0) * 1.5)
    labels = [d["label"] for d in session.disclosures[before:]]
    assert labels == ["correlation matrix"]
    assert np.max(np.abs(rho - np.corrcoef(data, rowvar=False))) < TOL
    stats.cov(X)
    assert any("magnitude" in d["label"] for d in session.disclosures[before + 1:])


def test_rowvar_transposes(session):
    data = diabetes()[:40, :4]
    X = session.share(data.T, owner=0)
    assert np.max(np.abs(stats.cov(X, rowvar=True) - np.cov(data.T))) < TOL * np.abs(np.cov(data.T)).max()


def test_bad_input(session):
    x = session.share(np.arange(6.0).reshape(3, 2), owner=0)
    with pytest.raises(TypeError, match="SharedArray"):
        stats.mean(np.arange(3.0))
    with pytest.raises(ValueError, match="axis"):
        stats.var(x, axis=1)
    with pytest.raises(ValueError, match="ddof"):
        stats.var(x, ddof=3)
    with pytest.raises(ShapeError):
        stats.mean(session.share(np.ones((2, 2, 2)), owner=0))
    with pytest.raises(ValueError, match="bounds"):
        stats.cov(x, bounds=[1.0, -1.0])
