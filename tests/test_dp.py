"""Privacy budget and differential privacy (issue 13, item 2).

Each test checks a stated property: a budgeted session refuses exact reveals
unless every party allows the label, and noisy reveals whose sensitivity the
script stated (only the ``dp_*`` functions' noise is accepted); noise too small for the fixed-point grid
is refused before any round; Laplace noise on fixed-point results is discrete
Laplace on the grid, so its privacy loss is exactly the stated epsilon; the
``dp_*`` functions compute their sensitivity from the bounds (their empirical
noise scale matches it) and clip inside MPC.
"""

import math

import numpy as np
import pytest
from scipy import stats

import mpcarray as mpc
from mpcarray.disclosure.mechanisms import MIN_SCALE_STEPS
from mpcarray.privacy import DiscreteLaplace, Gaussian, Laplace, Policy, PrivacyBudget

PARTIES = ["hosp_a", "hosp_b", "lab_c"]
STEP = 2.0**-16


# ------------------------------------------------- exact reveals under a budget
def test_a_budgeted_session_refuses_an_exact_reveal():
    with mpc.Session(PARTIES, seed=1, privacy_budget=PrivacyBudget(epsilon=1.0)) as s:
        x = s.share(np.array([3.0, 4.0]), owner=0)
        before = s.comm.snapshot()
        with pytest.raises(mpc.RevealRefusedError, match="needs noise unless.*exact_labels"):
            x.reveal(label="rows")
        with pytest.raises(mpc.RevealRefusedError, match="refused by hosp_a, hosp_b, lab_c"):
            x.sum().reveal()
        assert (s.comm - before).bytes_sent.tolist() == [2 * 2] * 3  # two decision rounds, nothing opened
        assert s.privacy_budget.spent_epsilon == 0 and s.disclosures == []


def test_an_exact_reveal_needs_every_party_to_allow_its_label():
    allow = Policy(exact_labels=["cohort size"])
    budget = PrivacyBudget(epsilon=1.0)
    with mpc.Session(PARTIES, seed=1, privacy_budget=budget,
                     policies={"hosp_a": allow, "hosp_b": allow}) as s:
        n = s.share(np.array(12), owner=0)
        with pytest.raises(mpc.RevealRefusedError, match="refused by lab_c"):
            n.reveal(label="cohort size")
    with mpc.Session(PARTIES, seed=1, privacy_budget=PrivacyBudget(epsilon=1.0),
                     policies=dict.fromkeys(PARTIES, allow)) as s:
        n = s.share(np.array(12), owner=0)
        assert n.reveal(label="cohort size") == 12
        with pytest.raises(mpc.RevealRefusedError):
            n.reveal(label="cohort size of another group")
        assert s.privacy_budget.spent_epsilon == 0


# ------------------------------------- noise calibrated by the script under a budget
@pytest.mark.parametrize("noisy_reveal", [
    # the audit's example: a sensitivity of 4 steps gave nearly exact rows for epsilon 0.001
    lambda x, n: x.reveal("rows", noise=Laplace(0.001, sensitivity=4 * STEP)),
    lambda x, n: x.sum().reveal("sum", noise=Gaussian(epsilon=0.5, delta=1e-6, sensitivity=1.0)),
    lambda x, n: n.reveal("counts", noise=DiscreteLaplace(0.5, sensitivity=1)),
])
def test_a_budgeted_session_refuses_noise_whose_sensitivity_the_script_chose(noisy_reveal):
    budget = PrivacyBudget(epsilon=1.0, delta=1e-5)
    with mpc.Session(PARTIES, seed=1, privacy_budget=budget) as s:
        x = s.share(np.array([3.0, 4.0]), owner=0)
        n = s.share(np.array([3, 4]), owner=0)
        with pytest.raises(mpc.RevealRefusedError,
                           match=r"refused by hosp_a, hosp_b, lab_c.*dp_sum, dp_mean, dp_count or "
                                 r"dp_histogram.*stated by script"):
            noisy_reveal(x, n)
        assert s.privacy_budget.spent_epsilon == 0 and s.disclosures == []


def test_a_budgeted_session_accepts_every_dp_function():
    data = np.arange(20.0)
    with mpc.Session(PARTIES, seed=3, privacy_budget=PrivacyBudget(epsilon=1.0)) as s:
        x = s.share(data, owner=0)
        total = mpc.privacy.dp_sum(x, (0, 100), epsilon=0.25, label="sum x")
        mean = mpc.privacy.dp_mean(x, (0, 100), epsilon=0.25, label="mean x")
        count = mpc.privacy.dp_count(x >= 10, epsilon=0.25, label="count x")
        counts, _ = mpc.privacy.dp_histogram(x, [0, 10, 20], epsilon=0.25, label="histogram x")
        assert s.privacy_budget.spent_epsilon == pytest.approx(1.0)
    # 40 noise scales around the exact values: wrong only for a wrong computation, not by chance
    assert abs(total - data.sum()) < 40 * 100 / 0.25 and abs(mean - data.mean()) < 40 * 100 / 0.25 / 20
    assert abs(count - 10) < 40 * 2 / 0.25 and np.all(np.abs(counts - [10, 10]) < 40 * 2 / 0.25)


def test_without_a_budget_the_script_may_state_a_sensitivity():
    with mpc.Session(PARTIES, seed=1) as s:
        x = s.share(np.array([3.0, 4.0]), owner=0)
        noisy = x.reveal("rows", noise=Laplace(1.0, sensitivity=MIN_SCALE_STEPS * STEP))
        assert np.all(np.abs(noisy - [3.0, 4.0]) < 40 * MIN_SCALE_STEPS * STEP)
        assert s.disclosures[-1]["epsilon"] == 1.0


def test_without_a_budget_exact_reveals_need_no_permission():
    with mpc.Session(PARTIES, seed=1) as s:
        assert s.share(np.array(5), owner=0).reveal() == 5


# ----------------------------------------------- noise too small for the grid
@pytest.mark.parametrize("mechanism", [
    Laplace(epsilon=0.001, sensitivity=1e-12),  # the example: the exact values came back
    Laplace(epsilon=1.0, sensitivity=(MIN_SCALE_STEPS - 1) * STEP),
    Gaussian(epsilon=1.0, delta=1e-5, sensitivity=1e-9),
])
def test_noise_below_a_few_fixed_point_steps_is_refused_before_any_round(mechanism):
    with mpc.Session(PARTIES, seed=1, privacy_budget=PrivacyBudget(epsilon=1.0)) as s:
        x = s.share(np.array([3.0]), owner=0)
        before = s.comm.snapshot()
        with pytest.raises(mpc.NoiseScaleError, match="below 4 fixed-point steps"):
            x.reveal(label="x", noise=mechanism)
        assert (s.comm - before).rounds == 0 and s.privacy_budget.spent_epsilon == 0


def test_noise_of_exactly_the_minimum_scale_is_accepted():
    with mpc.Session(PARTIES, seed=1) as s:
        x = s.share(np.array([3.0]), owner=0)
        x.reveal(noise=Laplace(epsilon=1.0, sensitivity=MIN_SCALE_STEPS * STEP))
    assert isinstance(mpc.NoiseScaleError("x"), ValueError)


# ------------------------------------------ Laplace on the grid: exact epsilon
def test_laplace_on_a_fixed_point_result_is_discrete_laplace_on_its_grid():
    epsilon, steps, draws = 1.0, 8, 100_000
    with mpc.Session(PARTIES, seed=5) as s:
        zeros = s.share(np.zeros(draws), owner=0)
        noise = zeros.reveal(noise=Laplace(epsilon=epsilon, sensitivity=steps * STEP))
    units = noise / STEP
    assert np.array_equal(units, np.rint(units))  # whole steps: nothing left for rounding to change
    units = units.astype(np.int64)
    q = math.exp(-epsilon / steps)
    support = np.arange(-40, 41)
    pmf = (1 - q) / (1 + q) * q ** np.abs(support)
    observed = np.array([(units == k).sum() for k in support])
    observed = np.append(observed, draws - observed.sum())
    expected = np.append(pmf, 1 - pmf.sum()) * draws
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    # the privacy loss between neighbouring results (shifted by the sensitivity) is epsilon, not more:
    # log P(k) - log P(k + steps) <= epsilon, with equality for k >= 0 (pmf stated, checked above)
    loss = np.log(pmf[:-steps]) - np.log(pmf[steps:])
    assert np.max(np.abs(loss)) == pytest.approx(epsilon)


def test_on_grid_rounds_the_sensitivity_up_to_whole_steps():
    assert Laplace(epsilon=0.5, sensitivity=2.5 * STEP * 4).on_grid(STEP) == DiscreteLaplace(0.5, 10)
    assert Laplace(epsilon=0.5, sensitivity=10.2 * STEP).on_grid(STEP) == DiscreteLaplace(0.5, 11)


# ----------------------------------------------- dp_mean, dp_count, dp_histogram
def test_dp_mean_noise_scale_is_the_bounds_width_over_epsilon_n():
    data = np.array([34.0, 51.0, 67.0, 250.0, -3.0, 80.0, 45.0, 29.0])  # 250 and -3 are clipped
    lo, hi, epsilon, draws = 0.0, 120.0, 0.5, 2000
    with mpc.Session(PARTIES, seed=2) as s:
        x = s.share(data, owner=0)
        means = np.array([mpc.privacy.dp_mean(x, (lo, hi), epsilon) for _ in range(draws)])
    n = len(data)
    scale = (hi - lo) / (epsilon * n)
    clipped_mean = np.clip(data, lo, hi).mean()
    assert abs(means.mean() - clipped_mean) < 4 * scale * math.sqrt(2 / draws)
    assert abs(means.std() / (math.sqrt(2) * scale) - 1) < 0.1  # Laplace: std = sqrt(2) * scale
    assert stats.kstest(means, stats.laplace(clipped_mean, scale).cdf).pvalue > 1e-3


def test_dp_functions_spend_their_epsilon_and_respect_the_budget():
    with mpc.Session(PARTIES, seed=3, privacy_budget=PrivacyBudget(epsilon=1.0)) as s:
        x = s.share(np.arange(20.0), owner=0)
        mpc.privacy.dp_mean(x, (0, 100), epsilon=0.4, label="mean x")
        mpc.privacy.dp_count(x >= 10, epsilon=0.4, label="count x")
        assert s.privacy_budget.spent_epsilon == pytest.approx(0.8)
        with pytest.raises(mpc.RevealRefusedError, match="budget exhausted"):
            mpc.privacy.dp_histogram(x, [0, 10, 20], epsilon=0.4)
        assert [d["epsilon"] for d in s.disclosures] == [0.4, 0.4]


def test_dp_count_is_discrete_laplace_of_sensitivity_one():
    epsilon, draws = 0.5, 2000
    with mpc.Session(PARTIES, seed=4) as s:
        condition = s.share(np.array([0, 1, 1, 5, -2, 1]), owner=0)  # 5 and -2 are clipped to 1 and 0
        counts = np.array([mpc.privacy.dp_count(condition, epsilon) for _ in range(draws)])
    assert counts.dtype == np.int64
    q = math.exp(-epsilon)
    assert abs(counts.mean() - 4) < 4 * math.sqrt(2 * q / (1 - q) ** 2 / draws)
    assert abs(counts.var() / (2 * q / (1 - q) ** 2) - 1) < 0.15


def test_dp_histogram_counts_match_numpy_and_noise_has_sensitivity_two():
    data = np.array([-5.0, 0.0, 3.0, 10.0, 49.9, 50.0, 99.0, 100.0, 130.0])
    edges = [0, 10, 50, 100]
    with mpc.Session(PARTIES, seed=6) as s:
        x = s.share(data, owner=0)
        exact, returned_edges = mpc.privacy.dp_histogram(x, edges, epsilon=200.0)  # noise ~ 0
        assert np.array_equal(exact, np.histogram(data, edges)[0]) and np.array_equal(returned_edges, edges)
        draws = np.array([mpc.privacy.dp_histogram(x, edges, epsilon=1.0)[0] for _ in range(600)])
    noise = (draws - np.histogram(data, edges)[0]).ravel()
    q = math.exp(-1.0 / 2)  # discrete Laplace with sensitivity 2
    assert abs(noise.var() / (2 * q / (1 - q) ** 2) - 1) < 0.15


def test_dp_functions_check_their_arguments():
    with mpc.Session(PARTIES, seed=1) as s:
        x = s.share(np.arange(4.0), owner=0)
        i = s.share(np.arange(4), owner=0)
        with pytest.raises(ValueError, match="low < high"):
            mpc.privacy.dp_mean(x, (5, 5), epsilon=1.0)
        with pytest.raises(ValueError, match="integer bounds"):
            mpc.privacy.dp_sum(i, (0, 2.5), epsilon=1.0)
        with pytest.raises(ValueError, match="epsilon"):
            mpc.privacy.dp_mean(x, (0, 1), epsilon=0)
        with pytest.raises(mpc.UnsupportedOperationError, match="0/1"):
            mpc.privacy.dp_count(x, epsilon=1.0)
        with pytest.raises(ValueError, match="strictly increasing"):
            mpc.privacy.dp_histogram(x, [3, 1], epsilon=1.0)
        with pytest.raises(mpc.NoiseScaleError):
            mpc.privacy.dp_mean(x, (0, 4e-5), epsilon=1.0)  # 3 steps wide: noise scale 3 steps
