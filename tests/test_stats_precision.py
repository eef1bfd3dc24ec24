"""Every statistic at ``frac_bits`` 12, 16 and 20: counts exact, errors following the format.

One additive session per ``f`` (module-scoped, shared by every test) on real data: scikit-learn's
diabetes (442 x 10) and breast cancer, lifelines' rossi, statsmodels' sunspots. References are
NumPy / SciPy / statsmodels / lifelines on the values the parties hold (``encoded(x, f)``, each
value rounded to ``2^-f``) or on the raw data, as stated per test.

Tolerances are derived from the number format, with the constants below (each 1.5 to 2.6 times the
largest measured ratio over f = 12, 16, 20 and seeds 1-3; ``docs/statistics.md`` "Precision"):

* ``2^-f``, one unit of the format: the input encoding (``2^-(f+1)`` per value) and every
  truncation;
* ``2^-B`` with ``B = f + t`` the bits the public power-of-two column scaling leaves the values
  whose sums of squares are formed (``t = scale_target(n, f)``, ``n 4^t < 2^(61 - 2f)``): ``B``
  is ``floor((61 - log2 n) / 2)``, 26 for 442 rows at every ``f``, so second moments on the
  secure path reach ``2^-B`` relative but no better, whatever ``f``;
* corrcoef: ``2^-f (2^(a/2 - S) + 4 max_j 4^ceil(log2 max|x_j|) / (2^a var_j))`` with
  ``a = 16`` and ``S = (58 - 2f) / 2`` (docs/statistics.md, ``correlation_format``): the resolution of ``Y = 2^S /
  sqrt(M_jj)``, and that of the smallest rescaled ``M_jj`` (at least ``2^a var_j /
  4^ceil(log2 max|x_j|)`` up to a factor 2 from rounding the bound up to a power of two,
  and entering ``rho_ij`` through two factors: hence 4).
"""

import os

import numpy as np
import pytest
import statsmodels.api as sm
from clinical import (
    HOSPITALS,
    breast_cancer,
    diabetes,
    encoded,
    even_blocks,
    rossi,
    share_columns,
    share_rows,
)
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test as lifelines_logrank
from lifelines.statistics import multivariate_logrank_test as lifelines_multivariate
from scipy.spatial.distance import mahalanobis as scipy_mahalanobis
from scipy.stats import chi2, chi2_contingency
from scipy.stats import zscore as scipy_zscore
from sklearn.datasets import load_diabetes, load_iris, load_wine
from statsmodels.stats.contingency_tables import Table2x2

import mpcarray as mpc
from mpcarray import stats
from mpcarray.errors import UnsupportedOperationError
from mpcarray.stats.descriptive import correlation_format
from mpcarray.stats.moments import scale_target

FRAC_BITS = (12, 16, 20)
MEASURE = os.environ.get("MPC_MEASURE_PRECISION")  # print each figure over its tolerance
SEED = int(os.environ.get("MPC_SEED", "3"))  # the sessions' seed (the constants hold for seeds 1-3)

DIABETES = diabetes()
BREAST, DIAGNOSIS = breast_cancer()
ROSSI = rossi()
SUNSPOTS = np.rint(sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()).astype(np.int64)[:80]
#: rossi's arrests per week (0..5, many low-variance baselines: EARS' hard case)
ARRESTS = np.bincount(ROSSI["week"][ROSSI["arrest"] == 1], minlength=53)
#: small real subsets where cost grows fast: order statistics (sorting network) and the solver
QUANTILE_ROWS, ANOMALY_ROWS, ANOMALY_COLUMNS = 40, 150, 6

#: second moments (var, cov), |Δ| / sqrt(v_i v_j) <= SECOND * 2^-B, secure path against the encoded values
SECOND = 1.0
#: owner-local second moments against the raw data: the hospitals' means and scatters, shared scaled
#: by 2^e (so also at 2^-B), and the between-hospital term that multiplies the means' rounding
OWNER_SECOND = 6.0
#: corrcoef, |Δρ| <= CORRELATION * the format's bound (module docstring)
CORRELATION = 1.0
#: corrcoef: rounds of one Newton step in an additive session (its products and rescalings are sequential)
ROUNDS_PER_STEP = 9
#: quantiles: order statistics exact, interpolation below 1.01 ulp (the docstring)
QUANTILE_ULPS = 1.01
#: z-scores, |Δz| / max(1, |z|) <= ZSCORE * (2^-f + 2^-B)
ZSCORE = 6.0
#: squared Mahalanobis distances, |Δd^2| <= MAHALANOBIS_ULPS 2^-f + MAHALANOBIS_SCALED 2^-B max d^2
#: (the solver's refinements reach 2^-f; the centred scaled rows carry 2^-B relative, times κ)
MAHALANOBIS_ULPS, MAHALANOBIS_SCALED = 1.0, 32.0
#: EARS C3: relative error of the fixed-point C2 ratio (surveillance.rsqrt_shift), 1e-3 at f >= 16
C3_RELATIVE = {12: 2e-3, 16: 1e-3, 20: 1e-3}
#: Shamir sessions (3 parties, t = 1): probabilistic truncation with errors up to T = 2 ulps
#: (tests/conftest.py, truncation_units) instead of 1, entering a variance twice (2T = 4); measured
#: up to 3.4 times the additive bound (var at f = 20, seeds 1-3), hence 6
SHAMIR = 6.0


def check(name: str, error: float, tolerance: float) -> None:
    if MEASURE:
        print(f"MEASURE {name}: {error:.3g} / {tolerance:.3g} = {error / tolerance:.3g}")
    assert error <= tolerance, f"{name}: {error:.3g} > {tolerance:.3g}"


@pytest.fixture(scope="module", params=FRAC_BITS, ids=lambda f: f"f{f}")
def session(request):
    with mpc.Session(parties=list(HOSPITALS), seed=SEED, frac_bits=request.param) as s:
        yield s


@pytest.fixture(scope="module")
def diabetes_paths(session):
    """diabetes as owner-held rows, the same rows forgotten (secure path), and columns at 3 hospitals."""
    rows = share_rows(session, even_blocks(DIABETES))
    return {"owner_local": rows, "secure": rows.copy(), "columns": share_columns(session, DIABETES)}


def unit(session) -> float:
    return 2.0**-session.frac_bits


def scaled_bits(n: int, f: int) -> int:
    """``B = f + t = floor((61 - log2 n) / 2)``: the significant bits of the scaled columns (module docstring)."""
    return int(np.floor((61 - np.log2(n)) / 2))


# ---------------------------------------------------------------- descriptive statistics
def test_mean_is_exact_on_the_encoded_values(session, diabetes_paths):
    f = session.frac_bits
    for path, X in diabetes_paths.items():
        got = stats.mean(X)
        np.testing.assert_allclose(got, encoded(DIABETES, f).mean(axis=0), rtol=1e-13, atol=0, err_msg=path)
        # the encoding rounds each value by at most 2^-(f+1), hence the mean too
        check(f"mean f={f} {path} vs raw", np.max(np.abs(got - DIABETES.mean(axis=0))), 2.0 ** -(f + 1))


@pytest.mark.parametrize("path", ["owner_local", "secure", "columns"])
def test_second_moments(session, diabetes_paths, path):
    f, X = session.frac_bits, diabetes_paths[path]
    n = len(DIABETES)
    data = DIABETES if path == "owner_local" else encoded(DIABETES, f)
    reference = np.cov(data, rowvar=False)
    scale = np.sqrt(np.outer(np.diag(reference), np.diag(reference)))
    tolerance = (OWNER_SECOND if path == "owner_local" else SECOND) * 2.0 ** -scaled_bits(n, f)
    check(f"cov f={f} {path}", np.max(np.abs(stats.cov(X) - reference) / scale), tolerance)
    # against the raw data the encoding adds at most 2^-f / sd_j to var_j's relative error
    raw = DIABETES.var(axis=0)
    check(f"var f={f} {path} vs raw", np.max(np.abs(stats.var(X) / raw - 1) / (unit(session) / np.sqrt(raw) + tolerance)), 1.0)
    check(f"var f={f} {path}", np.max(np.abs(stats.var(X) / data.var(axis=0) - 1)), tolerance)
    check(f"std f={f} {path}", np.max(np.abs(stats.std(X, ddof=1) / data.std(axis=0, ddof=1) - 1)), tolerance)


def correlation_bound(data, f: int) -> float:
    """The module docstring's corrcoef bound, with ``a`` and ``S`` as docs/statistics.md states them."""
    a, S = 16, (62 - 2 * f - 4) // 2
    spread = np.max(4.0 ** np.ceil(np.log2(np.abs(data).max(axis=0))) / data.var(axis=0))
    return 2.0**-f * (2.0 ** (a / 2 - S) + 4 * spread / 2.0**a)


@pytest.mark.parametrize("path", ["owner_local", "secure", "columns"])
def test_corrcoef(session, diabetes_paths, path):
    f = session.frac_bits
    data = DIABETES if path == "owner_local" else encoded(DIABETES, f)
    error = np.max(np.abs(stats.corrcoef(diabetes_paths[path]) - np.corrcoef(data, rowvar=False)))
    check(f"corrcoef f={f} {path}", error, CORRELATION * correlation_bound(data, f))


def test_corrcoef_of_columns_with_a_small_spread(session):
    """Breast cancer's 30 columns (std / max down to 2^-4.5), secure path."""
    f = session.frac_bits
    X = share_rows(session, even_blocks(BREAST)).copy()
    data = encoded(BREAST, f)
    error = np.max(np.abs(stats.corrcoef(X) - np.corrcoef(data, rowvar=False)))
    check(f"corrcoef breast cancer f={f}", error, CORRELATION * correlation_bound(data, f))


def test_corrcoef_newton_steps_follow_the_format(session, diabetes_paths):
    """The documented steps (4 at f = 12, 2 at 16 and 20) and 9 rounds per step (additive)."""
    f, X = session.frac_bits, diabetes_paths["secure"][:, :3]
    _, _, steps = correlation_format(f)
    assert steps == {12: 4, 16: 2, 20: 2}[f]
    rounds = []
    for k in (steps, steps + 1):
        before = session.comm.rounds
        stats.corrcoef(X, bounds=np.abs(DIABETES[:, :3]).max(axis=0), newton_steps=k)
        rounds.append(session.comm.rounds - before)
    assert rounds[1] - rounds[0] == ROUNDS_PER_STEP


@pytest.mark.parametrize(("f", "advice"), [(10, "raise frac_bits"), (23, "lower frac_bits")])
def test_corrcoef_outside_its_formats_raises_before_any_communication(f, advice):
    with mpc.Session(parties=2, seed=1, frac_bits=f) as s:
        X = s.share(DIABETES[:20, :3] / 512, owner=0)
        rounds = s.comm.rounds
        with pytest.raises(UnsupportedOperationError, match=rf"11 <= frac_bits <= 22, got frac_bits={f}: {advice}"):
            stats.corrcoef(X)
        assert s.comm.rounds == rounds


def test_scale_exponents_are_the_magnitudes(session, diabetes_paths):
    f, n = session.frac_bits, len(DIABETES)
    target = scale_target(n, f)
    for path in ("owner_local", "secure"):
        got = stats.scale_exponents(diabetes_paths[path], target)
        largest = np.abs(encoded(DIABETES, f)).max(axis=0)
        expected = target - (np.floor(np.log2(largest)) + 1)  # max|x| < 2^(target - e)
        np.testing.assert_array_equal(got, expected)


def test_quantiles(session, diabetes_paths):
    f = session.frac_bits
    X = diabetes_paths["owner_local"][:QUANTILE_ROWS, :4]
    data = encoded(DIABETES[:QUANTILE_ROWS, :4], f)
    q = [0.0, 0.25, 0.5, 0.9, 1.0]
    got = stats.quantile(X, q)
    check(f"quantile f={f}", np.max(np.abs(got - np.quantile(data, q, axis=0))), QUANTILE_ULPS * unit(session))
    # q = 0, 1 and the median of an odd count are order statistics: exact
    np.testing.assert_array_equal(got[[0, -1]], np.quantile(data, [0.0, 1.0], axis=0))
    np.testing.assert_array_equal(stats.median(X[:-1]), np.median(data[:-1], axis=0))


# ---------------------------------------------------------------- counts: exact at every f
def test_counts_histograms_and_cohorts_are_exact(session):
    f = session.frac_bits
    bmi = share_rows(session, even_blocks(DIABETES[:, 2]))
    held = encoded(DIABETES[:, 2], f)
    edges = [18.0, 25.0, 26.4, 30.0, 35.0, 45.0]
    sex = share_rows(session, even_blocks(DIABETES[:, 1].astype(np.int64)))
    # owner-local: each hospital bins its float64 values; secure: the encoded values against the encoded edges
    np.testing.assert_array_equal(stats.histogram(bmi, edges)[0], np.histogram(DIABETES[:, 2], edges)[0])
    np.testing.assert_array_equal(stats.histogram(bmi.copy(), edges)[0], np.histogram(held, encoded(edges, f))[0])
    assert stats.cohort_count(bmi.copy() > 30.0) == np.sum(held > 30.0)
    assert stats.cohort_count(lambda b: b > 30.0, bmi) == np.sum(DIABETES[:, 2] > 30.0)
    per_site = stats.cohort_count(lambda b, x: b > 30.0, bmi, sex, by=sex, levels=[1, 2], per_site=True)
    expected = [[np.sum((b[:, 2] > 30.0) & (b[:, 1] == level)) for level in (1, 2)] for b in even_blocks(DIABETES)]
    np.testing.assert_array_equal(per_site, expected)
    np.testing.assert_array_equal(stats.counts(sex.copy(), levels=[1, 2]), np.bincount(DIABETES[:, 1].astype(int))[1:])
    np.testing.assert_array_equal(stats.proportions(sex, levels=[1, 2]),
                                  np.bincount(DIABETES[:, 1].astype(int))[1:] / len(DIABETES))


def test_tables_and_their_statistics_are_exact(session):
    shared = {name: share_rows(session, even_blocks(ROSSI[name].to_numpy())).copy() for name in ("fin", "arrest", "race")}
    table = stats.crosstab(shared["fin"], shared["arrest"], [0, 1], [0, 1])
    expected = np.array([[np.sum((ROSSI["fin"] == i) & (ROSSI["arrest"] == j)) for j in (0, 1)] for i in (0, 1)])
    np.testing.assert_array_equal(table, expected)
    result = stats.chi2_test(shared["race"], shared["arrest"], [0, 1], [0, 1])
    reference = chi2_contingency(np.array([[np.sum((ROSSI["race"] == i) & (ROSSI["arrest"] == j)) for j in (0, 1)]
                                           for i in (0, 1)]))
    assert result.statistic == pytest.approx(reference.statistic, rel=1e-12)
    two_by_two = Table2x2(expected[::-1, ::-1])  # rows exposed yes/no, columns outcome yes/no
    for ratio in (stats.odds_ratio, stats.reporting_odds_ratio):
        result = ratio(shared["fin"], shared["arrest"])
        assert result.statistic == pytest.approx(two_by_two.oddsratio, rel=1e-12)
        np.testing.assert_allclose([result.ci_low, result.ci_high], two_by_two.oddsratio_confint(), rtol=1e-12)
    prr = stats.proportional_reporting_ratio(shared["fin"], shared["arrest"])
    assert prr.statistic == pytest.approx(two_by_two.riskratio, rel=1e-12)


def test_survival_is_exact(session):
    """Kaplan–Meier (secure path) and logrank tests (owner-local) on rossi from exact counts: as
    lifelines to float64 rounding."""
    week, arrest, fin, prio = (share_rows(session, even_blocks(ROSSI[c].to_numpy()))
                               for c in ("week", "arrest", "fin", "prio"))
    km = stats.kaplan_meier(week.copy(), arrest.copy())
    fitter = KaplanMeierFitter().fit(ROSSI["week"], ROSSI["arrest"])
    np.testing.assert_allclose(km.survival, fitter.survival_function_at_times(km.timeline).to_numpy(), rtol=1e-12)
    result = stats.logrank_test(week, arrest, group=fin)
    a, b = ROSSI[ROSSI["fin"] == 1], ROSSI[ROSSI["fin"] == 0]
    reference = lifelines_logrank(a["week"], b["week"], a["arrest"], b["arrest"])
    assert result.test_statistic == pytest.approx(reference.test_statistic, rel=1e-10)
    groups = np.minimum(ROSSI["prio"].to_numpy(), 2)
    result = stats.multivariate_logrank_test(week, arrest, np.minimum(prio, 2), levels=[0, 1, 2])
    reference = lifelines_multivariate(ROSSI["week"], groups, ROSSI["arrest"])
    assert result.test_statistic == pytest.approx(reference.test_statistic, rel=1e-10)


def test_kaplan_meier_of_fixed_point_times_on_a_public_timeline(session):
    """Real-valued times (rossi's weeks minus age / 100) compared with a public grid inside MPC: exact counts."""
    f = session.frac_bits
    times = ROSSI["week"].to_numpy() - ROSSI["age"].to_numpy() / 100.0
    shared = share_rows(session, even_blocks(times)).copy()
    arrest = share_rows(session, even_blocks(ROSSI["arrest"].to_numpy())).copy()
    grid = np.arange(1.0, 53.0)
    km = stats.kaplan_meier(shared, arrest, timeline=grid)
    held, died = encoded(times, f), ROSSI["arrest"].to_numpy() == 1
    previous = np.concatenate([[-np.inf], grid[:-1]])
    np.testing.assert_array_equal(km.at_risk, [np.sum(held >= t) for t in grid])
    np.testing.assert_array_equal(km.events, [np.sum(died & (held > lo) & (held <= t)) for lo, t in zip(previous, grid)])
    np.testing.assert_array_equal(km.censored, [np.sum(~died & (held > lo) & (held <= t)) for lo, t in zip(previous, grid)])


def test_genotype_tables_are_exact(session):
    """Breast cancer's first 8 features cut at their tertiles as genotypes 0/1/2, the diagnosis as phenotype."""
    G = np.stack([np.digitize(c, np.quantile(c, [1 / 3, 2 / 3])) for c in BREAST[:, :8].T], axis=1)
    shared_G = share_rows(session, even_blocks(G)).copy()
    shared_y = share_rows(session, even_blocks(DIAGNOSIS)).copy()
    tables = stats.genotype_tables(shared_G, shared_y)
    expected = np.stack([[[np.sum((G[:, j] == g) & (DIAGNOSIS == y)) for g in (0, 1, 2)] for y in (1, 0)]
                         for j in range(G.shape[1])])
    np.testing.assert_array_equal(tables, expected)
    allelic, trend, carriers = stats.allelic_test(tables), stats.trend_test(tables), stats.carrier_odds_ratio(tables)
    for j in range(G.shape[1]):
        assert allelic.statistic[j] == pytest.approx(chi2_contingency(allelic.table[j], correction=False).statistic,
                                                     rel=1e-12)
        # Armitage's statistic is N r^2 for the correlation of genotype score and phenotype over patients
        r = np.corrcoef(G[:, j], DIAGNOSIS)[0, 1]
        assert trend.statistic[j] == pytest.approx(len(G) * r**2, rel=1e-10)
        assert carriers.statistic[j] == pytest.approx(Table2x2(carriers.table[j]).oddsratio, rel=1e-12)


# ---------------------------------------------------------------- surveillance
def ears_values(y, lags, start):
    """C2 (or C1) per time point, from the definition (NaN before ``start``; sd = 0: +inf above the mean)."""
    out = np.full(len(y), np.nan)
    for t in range(start, len(y)):
        baseline = np.array([y[t - lag] for lag in lags], dtype=float)
        sd, excess = np.std(baseline, ddof=1), y[t] - baseline.mean()
        out[t] = excess / sd if sd > 0 else (np.inf if excess > 0 else 0.0 if excess == 0 else -np.inf)
    return out


@pytest.mark.parametrize("series", ["sunspots", "arrests"])
def test_ears_and_cusum(session, series):
    f = session.frac_bits
    y = {"sunspots": SUNSPOTS, "arrests": ARRESTS}[series]
    shared = session.share(y, owner=HOSPITALS[0])
    c1 = ears_values(y, range(1, 8), 7)
    np.testing.assert_array_equal(stats.ears(shared, "C1").alerts, np.nan_to_num(c1, nan=-np.inf) > 3)
    c2 = ears_values(y, range(3, 10), 9)
    np.testing.assert_array_equal(stats.ears(shared, "C2").alerts, np.nan_to_num(c2, nan=-np.inf) > 3)
    c3 = np.full(len(y), np.nan)
    for t in range(11, len(y)):
        c3[t] = sum(max(0.0, c2[i] - 1.0) for i in (t - 2, t - 1, t))
    # a C2 value off by C3_RELATIVE moves C3 by at most that much of the (positive) terms' sum
    terms = np.array([sum(max(0.0, c2[i]) for i in (t - 2, t - 1, t)) if t >= 11 else 0.0 for t in range(len(y))])
    near = np.abs(c3 - 2.0) <= C3_RELATIVE[f] * np.where(np.isfinite(terms), terms, 0.0)
    got = stats.ears(shared, "C3").alerts
    expected = np.nan_to_num(c3, nan=-np.inf) > 2
    assert np.array_equal(got[~near], expected[~near]), np.flatnonzero(got != expected)
    mean, sd = float(np.mean(y[:20])), float(np.std(y[:20]) + 1)
    s, alerts = 0.0, []
    for count in y:
        s = max(0.0, s + (count - mean) / sd - 0.5)
        alerts.append(s > 4.0)
    np.testing.assert_array_equal(stats.cusum(shared, mean=mean, sd=sd).alerts, alerts)


# ---------------------------------------------------------------- anomaly detection
@pytest.fixture(scope="module")
def anomaly_data(session):
    data = DIABETES[:ANOMALY_ROWS, :ANOMALY_COLUMNS]
    return data, share_rows(session, even_blocks(data))


def test_zscores(session, anomaly_data):
    f = session.frac_bits
    data, X = anomaly_data
    reference = scipy_zscore(encoded(data, f))
    error = np.max(np.abs(stats.zscore(X) - reference) / np.maximum(1.0, np.abs(reference)))
    check(f"zscore f={f}", error, ZSCORE * (unit(session) + 2.0 ** -scaled_bits(len(data), f)))


def test_mahalanobis_distances_and_flags(session, anomaly_data):
    f = session.frac_bits
    data, X = anomaly_data
    held = encoded(data, f)
    inverse = np.linalg.inv(np.cov(held, rowvar=False))
    d2 = np.array([scipy_mahalanobis(row, held.mean(axis=0), inverse) ** 2 for row in held])
    tolerance = MAHALANOBIS_ULPS * unit(session) + MAHALANOBIS_SCALED * 2.0 ** -scaled_bits(len(data), f) * d2.max()
    check(f"mahalanobis d^2 f={f}", np.max(np.abs(stats.mahalanobis(X) ** 2 - d2)), tolerance)
    cut = chi2.ppf(0.975, data.shape[1])
    near = np.abs(d2 - cut) <= tolerance
    flags = stats.anomaly_flags(X)
    np.testing.assert_array_equal(flags[~near], (d2 > cut)[~near])


def test_mahalanobis_of_few_rows(session):
    """20 rows: the scaled values get ``t = 16`` bits at ``f = 12``, and the covariance is divided by a
    public ``4^h`` before the solver (``anomaly.JACOBI_BITS``); it raised ConditioningError before."""
    f = session.frac_bits
    data = DIABETES[:20, :ANOMALY_COLUMNS]
    held = encoded(data, f)
    inverse = np.linalg.inv(np.cov(held, rowvar=False))
    d2 = np.array([scipy_mahalanobis(row, held.mean(axis=0), inverse) ** 2 for row in held])
    tolerance = MAHALANOBIS_ULPS * unit(session) + MAHALANOBIS_SCALED * 2.0 ** -scaled_bits(len(data), f) * d2.max()
    X = share_rows(session, even_blocks(data))
    check(f"mahalanobis d^2 of 20 rows f={f}", np.max(np.abs(stats.mahalanobis(X) ** 2 - d2)), tolerance)


def mahalanobis_bound(data: np.ndarray, d2: np.ndarray, f: int) -> float:
    """docs/anomaly.md's bound on ``|d^2 - d^2_scipy|`` against the raw data: the inputs' rounding to
    ``2^-(f+1)`` moves a centred row by ``2^-(f+1)`` per column, ``d^2`` by at most
    ``2 d ||L^-1 δ||`` with ``||L^-1 δ||^2 <= ||R^-1|| Σ_j δ_j^2 / v_j``; the computation adds
    ``κ 2^-B max d^2`` (``R`` the correlation matrix, ``κ`` its condition number)."""
    correlation = np.corrcoef(data, rowvar=False)
    eigenvalues = np.linalg.eigvalsh(correlation)
    spread = np.sqrt(np.sum(1.0 / data.var(axis=0, ddof=1)) / eigenvalues.min())
    computed = eigenvalues.max() / eigenvalues.min() * 2.0 ** -scaled_bits(len(data), f) * d2.max()
    return 2.0**-f * (1 + np.sqrt(d2.max()) * spread) + computed


#: real data of other scales than the diabetes columns above (standardised diabetes: sd 0.048)
OTHER_DATA = {
    "wine": load_wine().data,
    "iris": load_iris().data,
    "diabetes standardised": load_diabetes().data[:ANOMALY_ROWS, :ANOMALY_COLUMNS],
}


@pytest.mark.parametrize("name", OTHER_DATA)
def test_mahalanobis_within_its_bound_on_other_data(session, name):
    """Against SciPy on the raw data, both paths (the owner-local scatter comes from each
    hospital's raw values, the secure one from the shared, rounded values); measured at most
    0.28 of the bound over seven datasets at f = 12, 16, 20 (docs/anomaly.md)."""
    f = session.frac_bits
    data = OTHER_DATA[name]
    inverse = np.linalg.inv(np.cov(data, rowvar=False))
    d2 = np.array([scipy_mahalanobis(row, data.mean(axis=0), inverse) ** 2 for row in data])
    rows = share_rows(session, even_blocks(data))
    owners = [h for h, block in zip(HOSPITALS, even_blocks(data)) for _ in range(len(block))]
    for path, X, to in [("owner-local", rows, None), ("secure", rows.copy(), owners)]:
        error = np.max(np.abs(stats.mahalanobis(X, to=to) ** 2 - d2))
        check(f"mahalanobis d^2 {name} {path} f={f}", error, mahalanobis_bound(data, d2, f))


# ---------------------------------------------------------------- Shamir, at both ends
@pytest.mark.parametrize("f", [12, 20])
def test_shamir_moments_at_both_ends(f):
    """A 3-party Shamir session (tolerances times ``SHAMIR``): mean, var and corrcoef of 120
    diabetes rows on the secure path."""
    data = DIABETES[:120]
    held = encoded(data, f)
    with mpc.Session(parties=list(HOSPITALS), scheme="shamir", seed=SEED, frac_bits=f) as s:
        X = share_rows(s, even_blocks(data)).copy()
        bounds = 1.5 * np.abs(data).max(axis=0)  # public bounds: no secure column maxima (slow in the field)
        np.testing.assert_allclose(stats.mean(X), held.mean(axis=0), rtol=1e-13, atol=0)
        tolerance = SHAMIR * SECOND * 2.0 ** -scaled_bits(len(data), f)
        check(f"shamir var f={f}", np.max(np.abs(stats.var(X, bounds=bounds) / held.var(axis=0) - 1)), tolerance)
        error = np.max(np.abs(stats.corrcoef(X, bounds=bounds) - np.corrcoef(held, rowvar=False)))
        check(f"shamir corrcoef f={f}", error, SHAMIR * CORRELATION * correlation_bound(held, f))
