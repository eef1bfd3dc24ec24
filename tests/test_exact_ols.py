"""``LinearRegression(method="exact")``: owners' integer normal equations solved behind a random mask.

References: statsmodels OLS, NIST's certified Longley coefficients, and the exact
rational solution of the rounded data computed with :class:`fractions.Fraction`.
"""

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import Ridge

import mpcarray as mpc
from mpcarray import launch
from mpcarray.array.pooled import VALUE_BITS, _integer_gram
from mpcarray.domains.residues import ResidueRing
from mpcarray.privacy import Policy

PROGRAMS = Path(__file__).resolve().parent / "programs"
sys.path.insert(0, str(PROGRAMS))
import exact_ols

PARTIES = ["hosp_a", "hosp_b", "lab_c"]
#: Documented in docs/models.md: the exact method is 2.4e-10 from statsmodels on diabetes (relative).
DIABETES_BOUND = 2 * 2.4e-10


def shared_rows(s, X, y, owners):
    """``X`` and ``y`` split into consecutive row blocks, one per owner."""
    blocks = np.array_split(np.arange(len(y)), len(owners))
    Xs = np.concatenate([s.share(X[b], owner=o) for b, o in zip(blocks, owners)])
    ys = np.concatenate([s.share(y[b], owner=o) for b, o in zip(blocks, owners)])
    return Xs, ys


def exact_rational_ols(X, y, intercept=True):
    """The least-squares solution of the data rounded to 2^-(VALUE_BITS + 1), in exact fractions."""
    Z = np.column_stack(([np.ones(len(y))] if intercept else []) + [X, y])
    Z = [[Fraction(int(v)) for v in row] for row in np.rint(np.ldexp(Z, VALUE_BITS))]
    c = len(Z[0])
    A = [[sum(r[i] * r[j] for r in Z) for j in range(c)] for i in range(c - 1)]  # [G | b]
    for col in range(c - 1):  # Gauss-Jordan over the rationals
        pivot = next(r for r in range(col, c - 1) if A[r][col] != 0)
        A[col], A[pivot] = A[pivot], A[col]
        A[col] = [v / A[col][col] for v in A[col]]
        for r in range(c - 1):
            if r != col:
                A[r] = [v - A[r][col] * w for v, w in zip(A[r], A[col])]
    return [row[-1] for row in A]


@pytest.mark.parametrize("scheme, owners", [("additive", (0, 1, 2)), ("additive", (1, 0)), ("shamir", (2, 0, 1))])
def test_diabetes_matches_statsmodels_in_two_rounds(scheme, owners):
    X, y = load_diabetes(return_X_y=True)
    reference = sm.OLS(y, sm.add_constant(X)).fit().params
    with mpc.Session(parties=PARTIES, seed=1, scheme=scheme) as s:
        Xs, ys = shared_rows(s, X, y, owners)
        before = s.comm.snapshot()
        model = mpc.models.LinearRegression(method="exact").fit(Xs, ys)
        cost = s.comm - before
    assert np.max(np.abs(model.coef_ - reference[1:]) / np.abs(reference[1:])) < DIABETES_BOUND
    assert abs(model.intercept_ - reference[0]) < DIABETES_BOUND * abs(reference[0])
    assert model.bse_ is None
    # documented in docs/models.md, as are the bytes: 53 residues of 8 bytes per element
    element = 11 * 12 * 53 * 8
    if scheme == "additive":
        assert cost.rounds == 2
        assert cost.bytes_sent.tolist() == [2 * 2 * element] * 3 == [223_872] * 3
        assert cost.dealer_bytes.tolist() == [55_968, 0, 0]
    else:  # the owners' sharings, the agreement that they arrived (4 bytes each), the opening
        assert cost.rounds == 3
        assert cost.bytes_sent.tolist() == [2 * element + 2 * element + 2 * 4] * len(owners)
        assert cost.dealer_bytes.tolist() == [0, 0, 0]


#: Documented in docs/models.md: bse_ 8e-12 from statsmodels (relative), rsquared_ 5.5e-13 (absolute).
BSE_BOUND, RSQUARED_BOUND = 2 * 8e-12, 2 * 5.5e-13


@pytest.mark.parametrize("scheme, intercept", [("additive", True), ("additive", False), ("shamir", True)])
def test_standard_errors_and_rsquared_match_statsmodels(scheme, intercept):
    X, y = load_diabetes(return_X_y=True)
    reference = sm.OLS(y, sm.add_constant(X) if intercept else X).fit()
    with mpc.Session(parties=PARTIES, seed=12, scheme=scheme) as s:
        Xs, ys = shared_rows(s, X, y, (0, 1, 2))
        before = s.comm.snapshot()
        model = mpc.models.LinearRegression(method="exact", standard_errors=True, fit_intercept=intercept)
        model.fit(Xs, ys)
        cost = s.comm - before
    params = np.r_[model.intercept_, model.coef_] if intercept else model.coef_
    errors = np.r_[model.intercept_bse_, model.bse_] if intercept else model.bse_
    assert np.max(np.abs(params - reference.params) / np.abs(reference.params)) < 2 * 5.8e-10
    assert np.max(np.abs(errors - reference.bse) / reference.bse) < BSE_BOUND
    assert abs(model.rsquared_ - reference.rsquared) < RSQUARED_BOUND
    assert model.df_resid_ == reference.df_resid
    table = model.summary()
    np.testing.assert_allclose(table["P>|t|"], reference.pvalues, rtol=1e-6, atol=1e-12)
    if scheme == "additive":  # Z - A (s^2), R Z and R_T T (s^2 + t^2), the 2 s ratios; 63 residues each
        s_, t = 12 if intercept else 11, 2 if intercept else 1
        primes = 63 if intercept else 58
        assert cost.rounds == 3
        assert cost.bytes_sent.tolist() == [(2 * s_ * s_ + t * t + 2 * s_) * primes * 8 * 2] * 3
    else:
        assert cost.rounds == 4


#: Documented in docs/models.md: exact Ridge within 7.2e-10 of scikit-learn (relative, alpha 1e-3 to 100).
RIDGE_BOUND = 2 * 7.2e-10


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 100.0])
@pytest.mark.parametrize("intercept", [True, False])
def test_ridge_matches_scikit_learn(alpha, intercept):
    X, y = load_diabetes(return_X_y=True)
    reference = Ridge(alpha=alpha, fit_intercept=intercept, solver="cholesky").fit(X, y)
    with mpc.Session(parties=PARTIES, seed=13) as s:
        Xs, ys = shared_rows(s, X, y, (0, 1, 2))
        before = s.comm.snapshot()
        model = mpc.models.Ridge(alpha, fit_intercept=intercept, method="exact").fit(Xs, ys)
        assert (s.comm - before).rounds == 2
    assert np.max(np.abs(model.coef_ - reference.coef_) / np.abs(reference.coef_)) < RIDGE_BOUND
    assert abs(model.intercept_ - reference.intercept_) < RIDGE_BOUND * max(1.0, abs(reference.intercept_))


def test_the_coefficients_are_the_exact_solution_of_the_rounded_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2)) * [3.0, 0.01]
    y = X @ [1.0, -40.0] + rng.normal(size=30)
    with mpc.Session(parties=PARTIES, seed=2) as s:
        for intercept in (True, False):
            model = mpc.models.LinearRegression(method="exact", fit_intercept=intercept)
            model.fit(*shared_rows(s, X, y, (0, 1, 2)))
            exact = exact_rational_ols(X, y, intercept)
            fitted = ([model.intercept_] if intercept else []) + list(model.coef_)
            assert fitted == [float(v) for v in exact]  # correctly rounded fractions
            assert intercept or model.intercept_ == 0.0


def test_longley_to_the_certified_values_where_the_iterative_solver_refuses():
    """Longley (16 rows, condition number about 5e9), against NIST's certified coefficients."""
    data = sm.datasets.longley.load_pandas()
    X, y = data.exog.to_numpy(), data.endog.to_numpy()
    certified = np.array([-3482258.63459582, 15.0618722713733, -0.358191792925910e-01, -2.02022980381683,
                          -1.03322686717359, -0.511041056535807e-01, 1829.15146461355])
    with mpc.Session(parties=PARTIES, seed=3) as s:
        Xs, ys = shared_rows(s, X, y, (0, 1))
        model = mpc.models.LinearRegression(method="exact").fit(Xs, ys)
        with pytest.raises(mpc.models.ConditioningError):
            mpc.models.LinearRegression().fit(Xs, ys)
    fitted = np.concatenate([[model.intercept_], model.coef_])
    np.testing.assert_allclose(fitted, certified, rtol=1e-9)


@pytest.mark.parametrize("n_parties, owners", [(2, (0, 1)), (5, (3, 1))])
def test_other_party_counts_and_parties_without_rows(n_parties, owners):
    rng = np.random.default_rng(n_parties)
    X = rng.uniform(0, 100, size=(57, 4))
    y = X @ [0.1, -0.2, 0.3, 0.0] + 5 * rng.normal(size=57)
    reference = np.linalg.lstsq(np.column_stack([np.ones(57), X]), y, rcond=None)[0]
    with mpc.Session(parties=n_parties, seed=4) as s:
        model = mpc.models.LinearRegression(method="exact").fit(*shared_rows(s, X, y, owners))
    np.testing.assert_allclose(np.concatenate([[model.intercept_], model.coef_]), reference, rtol=1e-9)


@pytest.mark.parametrize("frac_bits", [12, 20])
def test_thirty_unknowns_at_other_precisions(frac_bits):
    """A linear probability model on 29 breast-cancer features: the same exact answer at any precision
    (the number format only sets the public bound on the values, hence the modulus)."""
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[:, 1:], y.astype(np.float64)
    reference = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]
    with mpc.Session(parties=PARTIES, seed=10, frac_bits=frac_bits) as s:
        model = mpc.models.LinearRegression(method="exact").fit(*shared_rows(s, X, y, (0, 1, 2)))
    np.testing.assert_allclose(np.r_[model.intercept_, model.coef_], reference, rtol=1e-8)


def test_policies_decide_before_anything_is_opened():
    X, y = exact_ols.data()
    seen = []
    policies = {"lab_c": Policy(min_cohort=41), "hosp_a": Policy(check=lambda r: seen.append(r) or True)}
    with mpc.Session(parties=PARTIES, seed=5, policies=policies) as s:
        Xs, ys = shared_rows(s, X, y, (0, 1))
        before = s.comm.snapshot()
        with pytest.raises(mpc.RevealRefusedError, match="cohort of 40 is below the minimum of 41"):
            mpc.models.LinearRegression(method="exact").fit(Xs, ys)
        assert (s.comm - before).rounds == 1  # the decision round only: no mask was opened
    assert [(r.label, r.records, r.asked_by) for r in seen] == [
        ("LinearRegression.coef_.exact", 40, "mpcarray.models.linear.LinearRegression._fit_exact")]
    with mpc.Session(parties=PARTIES, seed=5, policies={"lab_c": Policy(min_cohort=40)}) as s:
        Xs, ys = shared_rows(s, X, y, (0, 1))
        before = s.comm.snapshot()
        mpc.models.LinearRegression(method="exact").fit(Xs, ys)
        assert (s.comm - before).rounds == 4  # a decision round per label, then the 2 rounds
    # a policy that admits the rounded coefficients does not admit exact ones
    rounded = Policy(labels=["LinearRegression.coef_", "LinearRegression.intercept_"])
    with mpc.Session(parties=PARTIES, seed=5, policies={"lab_c": rounded}) as s:
        Xs, ys = shared_rows(s, X, y, (0, 1))
        with pytest.raises(mpc.RevealRefusedError, match="coef_.exact"):
            mpc.models.LinearRegression(method="exact").fit(Xs, ys)


def test_shamir_survives_a_failed_party_and_names_a_failed_owner():
    X, y = exact_ols.data()
    reference = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]
    with mpc.Session(parties=5, scheme="shamir", threshold=1, seed=9) as s:
        Xs, ys = shared_rows(s, X, y, (0, 1))
        s.crash("party3")  # 4 of 5 live: 2t + 1 = 3 open the product
        with pytest.warns(mpc.PartyFailureWarning):
            model = mpc.models.LinearRegression(method="exact").fit(Xs, ys)
        np.testing.assert_allclose(np.r_[model.intercept_, model.coef_], reference, rtol=1e-9)
        s.crash("party1")  # an owner: its equations cannot be shared any more
        with pytest.raises(mpc.InputLostError, match="'party1' failed before its normal equations"):
            mpc.models.LinearRegression(method="exact").fit(Xs, ys)


def test_unsupported_layouts_and_options_are_refused_before_anything_is_sent():
    X, y = exact_ols.data()
    with mpc.Session(parties=PARTIES, seed=6) as s:
        Xs, ys = shared_rows(s, X, y, (0, 1))
        columns = np.hstack([s.share(X[:, :1], owner=0), s.share(X[:, 1:], owner=1)])
        before = s.comm.snapshot()
        with pytest.raises(mpc.UnsupportedOperationError, match="rows shared by their owners"):
            mpc.models.LinearRegression(method="exact").fit(columns, ys)
        with pytest.raises(ValueError, match="method must be"):
            mpc.models.LinearRegression(method="closed form").fit(Xs, ys)
        assert (s.comm - before).rounds == 0
        twice, _ = shared_rows(s, np.column_stack([X, X[:, 0]]), y, (0, 1))
        with pytest.raises(mpc.models.ConditioningError, match="singular"):
            mpc.models.LinearRegression(method="exact").fit(twice, ys)


def sympy_free_is_prime(p):
    """Primality by trial division up to 2^16 and Fermat tests to 12 bases (an independent check)."""
    return all(p % q for q in range(2, 1 << 16)) and all(pow(b, p - 1, p) == 1 for b in range(2, 14))


def test_integer_gram_is_exact_and_the_ring_reconstructs_fractions():
    rng = np.random.default_rng(7)
    Z = np.rint(np.ldexp(rng.normal(size=(5000, 4)) * [1e-3, 1.0, 1e3, 2.0**29], VALUE_BITS))
    integers = np.array([[int(v) for v in row] for row in Z], dtype=object)
    assert (_integer_gram(Z) == integers.T @ integers).all()
    ring = ResidueRing.for_bits(600)
    assert ring.count == 10 and 2**600 < ring.modulus < 2**620
    assert ResidueRing(53).modulus.bit_length() == 3286  # diabetes' modulus (docs/schemes.md)
    assert all(sympy_free_is_prime(p) and p < 2**62 for p in ring.primes)
    P = ring.modulus
    for fraction in (Fraction(-3, 7), Fraction(2**290 - 1, 2**299 + 5), Fraction(0)):
        residue = fraction.numerator * pow(fraction.denominator, -1, P) % P
        assert ring.rational(ring.integers(ring.encode(np.array(residue, dtype=object)))) == fraction
    beyond = Fraction(2**400 + 1, 3)  # a numerator above sqrt(P / 2): another fraction, or none
    try:
        assert ring.rational(beyond.numerator * pow(3, -1, P) % P) != beyond
    except ArithmeticError:
        pass
    with pytest.raises(mpc.MpcError, match="largest"):
        ResidueRing.for_bits(10**6)


@pytest.mark.network
@pytest.mark.parametrize("scheme", ["additive", "shamir"])
def test_over_sockets_every_party_gets_the_simulated_coefficients(tmp_path, scheme):
    with mpc.Session(parties=3, seed=8, scheme=scheme) as s:
        simulated = exact_ols.main(s)
    config = launch.prepare(tmp_path, ["party0", "party1", "party2"], timeout=20)
    results = launch.start(config, PROGRAMS / "exact_ols.py", [scheme]).wait(120.0)
    assert all(code == 0 for code, _ in results.values()), results
    for name, (_, output) in results.items():
        if name == "dealer":
            continue
        party = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
        for key in ("coef", "intercept", "bse", "rsquared", "total_rounds"):
            assert party[key] == simulated[key], key
        assert party["rounds"] == simulated["rounds"] == (2 if scheme == "additive" else 3)
        rank = party["rank"]
        assert party["bytes_sent"][rank] == simulated["bytes_sent"][rank]
        assert party["dealer_bytes"][rank] == simulated["dealer_bytes"][rank]
        assert party["total_dealer_bytes"][rank] == simulated["total_dealer_bytes"][rank]
