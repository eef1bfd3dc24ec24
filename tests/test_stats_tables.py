"""Counts, histograms, contingency tables, odds ratios and chi-squared against NumPy, SciPy and statsmodels."""

import numpy as np
import pytest
from clinical import HOSPITALS, SCHEMES, breast_cancer, encoded, lung, rossi, row_blocks, share_rows
from scipy.stats import chi2_contingency
from statsmodels.stats.contingency_tables import Table2x2

import mpcarray as mpc
from mpcarray import stats
from mpcarray.errors import ShapeError, UnsupportedOperationError

TOL = 1e-12  # docs/statistics.md: "match statsmodels / SciPy to 1e-12"


@pytest.fixture(scope="module", params=SCHEMES)
def session(request):
    with mpc.Session(parties=list(HOSPITALS), seed=11, scheme=request.param) as s:
        yield s


@pytest.fixture(scope="module")
def lung_frame():
    frame = lung()
    frame = frame[frame["ph.ecog"].notna()].copy()
    frame["ecog"] = frame["ph.ecog"].astype(np.int64)
    return frame


def shared_column(session, frame, column, path):
    """A lung/rossi column shared by each row's hospital; ``secure`` forgets the row blocks."""
    x = share_rows(session, row_blocks(frame[column].to_numpy(), frame["hospital"]))
    return x if path == "owner_local" else x.copy()


def hospital_order(frame, column):
    """The column in the row order of the concatenated hospital blocks."""
    return np.concatenate(row_blocks(frame[column].to_numpy(), frame["hospital"]))


PATHS = ("owner_local", "secure")


@pytest.mark.parametrize("path", PATHS)
def test_counts_and_proportions(session, lung_frame, path):
    ecog = shared_column(session, lung_frame, "ecog", path)
    status = shared_column(session, lung_frame, "status", path)
    values = lung_frame["ecog"].to_numpy()
    np.testing.assert_array_equal(stats.counts(ecog, levels=[0, 1, 2, 3]), np.bincount(values, minlength=4))
    assert stats.counts(status) == lung_frame["status"].sum()
    np.testing.assert_allclose(stats.proportions(ecog, levels=[3, 1]),
                               [np.mean(values == 3), np.mean(values == 1)], rtol=1e-12)


def test_counts_of_indicator_columns(session):
    X, y = breast_cancer()
    indicators = np.column_stack([y, (X[:, 0] > 15).astype(np.int64)])
    shared = share_rows(session, np.array_split(indicators, 3))
    np.testing.assert_array_equal(stats.counts(shared), indicators.sum(axis=0))


@pytest.mark.parametrize("path", PATHS)
def test_histogram(session, lung_frame, path):
    age = shared_column(session, lung_frame, "age", path)
    edges = [39, 50, 60, 65, 70, 82]  # the last bin is closed, as NumPy; 82 is the oldest patient
    hist, returned = stats.histogram(age, bins=edges)
    np.testing.assert_array_equal(hist, np.histogram(lung_frame["age"], bins=edges)[0])
    np.testing.assert_array_equal(returned, edges)


def test_histogram_of_reals(session):
    radius = breast_cancer()[0][:, 0]
    x = share_rows(session, np.array_split(radius, 3))
    edges = np.linspace(5.0, 30.0, 11)
    expected = np.histogram(radius, bins=edges)[0]
    np.testing.assert_array_equal(stats.histogram(x, edges)[0], expected)
    np.testing.assert_array_equal(stats.histogram(x.copy(), edges)[0], np.histogram(encoded(radius), edges)[0])


@pytest.mark.parametrize("path", PATHS)
def test_crosstab_exact(session, lung_frame, path):
    ecog = shared_column(session, lung_frame, "ecog", path)
    sex = shared_column(session, lung_frame, "sex", path)
    table = stats.crosstab(ecog, sex, [0, 1, 2, 3], [1, 2])
    a, b = hospital_order(lung_frame, "ecog"), hospital_order(lung_frame, "sex")
    expected = np.array([[np.sum((a == i) & (b == j)) for j in (1, 2)] for i in range(4)])
    np.testing.assert_array_equal(table, expected)


def test_crosstab_vertical(session):
    """Exposure held by one hospital, outcome by another, for the same patients."""
    frame = rossi()
    fin = session.share(frame["fin"].to_numpy(), owner="hosp_a")
    arrest = session.share(frame["arrest"].to_numpy(), owner="hosp_b")
    table = stats.crosstab(fin, arrest, [0, 1], [0, 1])
    np.testing.assert_array_equal(table, np.histogram2d(frame["fin"], frame["arrest"], bins=2)[0])


def test_suppress_small_reveals_exactly_the_large_counts(session, lung_frame):
    ecog = shared_column(session, lung_frame, "ecog", "owner_local")
    sex = shared_column(session, lung_frame, "sex", "owner_local")
    a, b = hospital_order(lung_frame, "ecog"), hospital_order(lung_frame, "sex")
    expected = np.array([[np.sum((a == i) & (b == j)) for j in (1, 2)] for i in range(4)])
    k = 20
    before = len(session.disclosures)
    table = stats.crosstab(ecog, sex, [0, 1, 2, 3], [1, 2], suppress_small=k)
    np.testing.assert_array_equal(np.ma.getmaskarray(table), expected < k)
    np.testing.assert_array_equal(table.compressed(), expected[expected >= k])
    opened = session.disclosures[before:]
    assert [d["shape"] for d in opened] == [expected.shape, (int(np.sum(expected >= k)),)]
    hist = stats.histogram(shared_column(session, lung_frame, "age", "secure"), [39, 50, 60, 82],
                           suppress_small=60)[0]
    reference = np.histogram(lung_frame["age"], [39, 50, 60, 82])[0]
    np.testing.assert_array_equal(np.ma.getmaskarray(hist), reference < 60)
    np.testing.assert_array_equal(hist.compressed(), reference[reference >= 60])
    counted = stats.counts(ecog, levels=[0, 1, 2, 3], suppress_small=k)
    np.testing.assert_array_equal(np.ma.getmaskarray(counted), np.bincount(a, minlength=4) < k)


@pytest.fixture(scope="module")
def exposure_outcome(session):
    """rossi: financial aid (exposure / "drug") and arrest (outcome / "event"), rows at three hospitals."""
    frame = rossi()
    fin = share_rows(session, row_blocks(frame["fin"].to_numpy(), frame["hospital"]))
    arrest = share_rows(session, row_blocks(frame["arrest"].to_numpy(), frame["hospital"]))
    a = np.concatenate(row_blocks(frame["fin"].to_numpy(), frame["hospital"]))
    b = np.concatenate(row_blocks(frame["arrest"].to_numpy(), frame["hospital"]))
    table = np.array([[np.sum((a == i) & (b == j)) for j in (1, 0)] for i in (1, 0)])
    return fin, arrest, Table2x2(table)


def test_odds_ratios_match_statsmodels(exposure_outcome):
    fin, arrest, reference = exposure_outcome
    for function in (stats.odds_ratio, stats.reporting_odds_ratio):
        result = function(fin, arrest)
        np.testing.assert_array_equal(result.table, reference.table.astype(np.int64))
        assert result.statistic == pytest.approx(reference.oddsratio, rel=TOL)
        np.testing.assert_allclose([result.ci_low, result.ci_high], reference.oddsratio_confint(), rtol=TOL)
    prr = stats.proportional_reporting_ratio(fin, arrest, confidence=0.9)
    assert prr.statistic == pytest.approx(reference.riskratio, rel=TOL)
    np.testing.assert_allclose([prr.ci_low, prr.ci_high], reference.riskratio_confint(alpha=0.1), rtol=TOL)


@pytest.mark.parametrize("path", PATHS)
def test_chi2_matches_scipy(session, lung_frame, path, exposure_outcome):
    ecog = shared_column(session, lung_frame, "ecog", path)
    sex = shared_column(session, lung_frame, "sex", path)
    result = stats.chi2_test(ecog, sex, [0, 1, 2], [1, 2])
    reference = chi2_contingency(result.table)
    a, b = hospital_order(lung_frame, "ecog"), hospital_order(lung_frame, "sex")
    np.testing.assert_array_equal(result.table, [[np.sum((a == i) & (b == j)) for j in (1, 2)] for i in range(3)])
    assert result.statistic == pytest.approx(reference.statistic, rel=TOL)
    assert result.pvalue == pytest.approx(reference.pvalue, rel=TOL)
    assert result.dof == reference.dof
    np.testing.assert_allclose(result.expected_freq, reference.expected_freq, rtol=1e-12)
    fin, arrest, table = exposure_outcome
    two_by_two = stats.chi2_test(fin, arrest, [1, 0], [1, 0])
    assert two_by_two.statistic == pytest.approx(chi2_contingency(table.table).statistic, rel=TOL)


def test_bad_input(session):
    codes = session.share(np.array([0, 1, 1, 2]), owner=0)
    reals = session.share(np.array([0.5, 1.0, 2.0, 3.0]), owner=0)
    with pytest.raises(TypeError, match="SharedArray"):
        stats.counts(np.array([0, 1]))
    with pytest.raises(UnsupportedOperationError, match="integers"):
        stats.counts(reals, levels=[0, 1])
    with pytest.raises(ValueError, match="increasing"):
        stats.histogram(reals, bins=[0, 2, 1])
    with pytest.raises(ValueError, match="bin edges"):
        stats.histogram(reals, bins=10)
    with pytest.raises(ShapeError, match="same number of rows"):
        stats.crosstab(codes, codes[:3], [0, 1], [0, 1])
    with pytest.raises(ValueError, match="repeated"):
        stats.crosstab(codes, codes, [0, 0], [1, 2])
    with pytest.raises(ValueError, match="suppress_small"):
        stats.counts(codes, levels=[0, 1], suppress_small=0)
