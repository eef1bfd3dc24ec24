"""The SPD solver's Chebyshev chain: its public factors, its residual bound, and solves near
``max_condition`` at 12, 16 and 20 fractional bits (references: NumPy)."""

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray.array import primitives
from mpcarray.errors import ConditioningError
from mpcarray.functions.solver import (
    EXTRA_STEPS,
    FACTOR_BITS,
    MARGIN,
    START_BITS,
    chain_factors,
    chain_steps,
    factor_bits,
    start_factor,
)
from mpcarray.models import SPDSolver


def residuals(d: int, max_condition: float, factors: list[float], eigenvalues: np.ndarray,
              margin: float = MARGIN) -> np.ndarray:
    """The chain's residual ``1 - λ x(λ)`` per eigenvalue, in float64 (the scalar recurrence)."""
    r = 1 - start_factor(d, max_condition, margin) * eigenvalues
    for c in factors:
        r = c * r * r - (c - 1)
    return r


@pytest.mark.parametrize("margin", [MARGIN, 1.3])
@pytest.mark.parametrize("d", [2, 6, 10, 30, 64])
@pytest.mark.parametrize("max_condition", [1e2, 1e4, 1e6])
def test_chain_residual_is_below_a_quarter_on_the_interval_and_in_0_1_below_it(d, max_condition, margin):
    factors = chain_factors(d, max_condition, margin=margin)
    inside = np.geomspace(1 / max_condition, margin * d, 20_001)
    before_extra = residuals(d, max_condition, factors[:-EXTRA_STEPS], inside, margin)
    assert np.abs(before_extra).max() <= 0.25
    assert np.abs(residuals(d, max_condition, factors, inside, margin)).max() <= 0.25**2 * 2  # one more squaring
    below = np.geomspace(1e-6 / max_condition, 1 / max_condition, 1001)
    r = residuals(d, max_condition, factors, below, margin)
    assert np.all((r >= 0) & (r < 1))  # never grows: an ill-conditioned system fails the check


@pytest.mark.parametrize("d", [1, 5, 10, 64])
def test_the_start_is_the_centring_factor_rounded_down_to_its_bits(d):
    """α = 2 / (1/κ + margin d) rounded down to START_BITS significant bits: below the optimum by
    less than 2^-(START_BITS - 1) of it, so α Â keeps its eigenvalues in (0, 2)."""
    ideal = 2 / (1e-4 + MARGIN * d)
    alpha = start_factor(d, 1e4)
    mantissa, _ = np.frexp(alpha)
    assert mantissa * 2**START_BITS == int(mantissa * 2**START_BITS)
    assert ideal * (1 - 2.0 ** (1 - START_BITS)) < alpha <= ideal


@pytest.mark.parametrize("scheme", ["additive", "shamir"])
def test_an_exact_matrix_is_scaled_in_the_round_that_truncates_it(scheme):
    """A and b with 2f + 2h fractional bits (as the owner-local moments leave the Gram matrix):
    with a public scale, its products by α 4^-h and its truncation share the scaling's round, so
    the cold start with a first solve costs what it costs for A at f bits; with Jacobi scaling, or
    with too many fractional bits for A's integer multiples (57 at h = 2: no room below 2^62), the
    truncation takes 1 round first. Solutions against NumPy on the encoded system: A's values are
    multiples of 2^-f, which an additive truncation keeps exactly; a Shamir truncation errs by a few
    units, moving the solution by up to about κ 5 2^-f / 4^h relative (5e-4; measured 5.5e-5)."""
    d, h = 6, 2
    A = unit_diagonal_spd(d, 300, seed=1) * 4**h
    b = np.linspace(-1.0, 1.0, d) * 4**h
    costs, solutions = [], []
    with mpc.Session(parties=3, seed=2, scheme=scheme) as s:
        f = s.frac_bits
        shared = [s.share(A, owner=0), s.share(b, owner=1)]
        exact, wide = ([primitives.relabel(x * 2**bits, f + bits) for x in shared] for bits in (f + 2 * h, 57 - f))
        for (A_s, b_s), public in [(shared, h), (exact, h), (shared, None), (exact, None), (wide, h)]:
            before = s.comm.snapshot()
            solver = SPDSolver(A_s, 1e4, diagonal_bits=public, rhs=(b_s, 8, 3))
            costs.append((s.comm - before).rounds)
            solutions.append(solver.solution.reveal() / 2**8)
    assert costs[1] == costs[0] and costs[3] == costs[2] + 1 and costs[4] == costs[0] + 1
    encoded = [np.rint(v * 2**16) / 2**16 for v in (A, b)]
    want = np.linalg.solve(*encoded)
    for got, rounded in zip(solutions, [False, True, False, True, True]):
        np.testing.assert_allclose(got, want, rtol=5e-4 if rounded and scheme == "shamir" else 1e-6)


def test_chain_takes_about_half_the_steps_of_the_neumann_series():
    neumann = int(np.ceil(np.log2(np.log(4.0) * 10 * 1e4 / 1.9))) + EXTRA_STEPS
    assert neumann == 18
    assert chain_steps(10, 1e4, range_bits=30) == 10  # f = 16
    # no room for the factors' bits (f = 24 at 1e4): every factor is 1, the Neumann series
    assert factor_bits(14, 1e4) == 0 and chain_factors(10, 1e4, 0) == [1.0] * neumann
    assert factor_bits(30, 1e4) == FACTOR_BITS


def unit_diagonal_spd(d: int, condition: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(np.geomspace(1, 1 / condition, d)) @ Q.T
    return A / np.sqrt(np.outer(np.diag(A), np.diag(A)))


#: frac_bits: (condition number of the test matrix, relative error asserted); measured at seed 3:
#: 4.3e-5 (f = 12, κ 2,071), 1.3e-5 (16, κ 8,376), 5.7e-7 (20, κ 8,376).
NEAR_LIMIT = {12: (2e3, 2e-4), 16: (8e3, 5e-5), 20: (8e3, 2e-6)}


@pytest.mark.parametrize("frac_bits", NEAR_LIMIT)
def test_solves_near_max_condition_at_each_precision(frac_bits):
    condition, tolerance = NEAR_LIMIT[frac_bits]
    d, h, scale_bits = 10, 4, 2 if frac_bits == 20 else 8
    A = unit_diagonal_spd(d, condition, seed=d)
    b = np.random.default_rng(1).normal(size=d)
    with mpc.Session(parties=3, seed=3, frac_bits=frac_bits) as s:
        solver = SPDSolver(s.share(A * 4**h, owner=0), 1e4, diagonal_bits=h)
        x = solver.solve(s.share(b * 4**h, owner=1), scale_bits=scale_bits, refinements=4).reveal()
    want = np.linalg.solve(A, b)
    assert np.abs(x / 2**scale_bits - want).max() / np.abs(want).max() <= tolerance


def test_far_beyond_max_condition_is_refused():
    A = unit_diagonal_spd(10, 1e7, seed=2)
    with mpc.Session(parties=3, seed=4) as s, pytest.raises(ConditioningError):
        SPDSolver(s.share(A * 4**4, owner=0), 1e4, diagonal_bits=4)


def test_a_refusal_below_max_condition_names_the_precision():
    """d = 64 at κ 5.7e3 (below max_condition = 1e4) is refused at f = 16 and solved at 18: the
    message must not claim only that the system is more ill-conditioned than max_condition."""
    A = unit_diagonal_spd(64, 6e3, seed=0)
    assert 5e3 < np.linalg.cond(A) < 1e4
    with mpc.Session(parties=3, seed=4, frac_bits=16) as s, pytest.raises(ConditioningError) as refused:
        SPDSolver(s.share(A * 4**4, owner=0), 1e4, diagonal_bits=4)
    message = str(refused.value)
    assert "more ill-conditioned than max_condition=10000" in message
    assert "fixed-point precision (frac_bits=16) is insufficient for 64 unknowns" in message
    assert "raise frac_bits (at most 23" in message and "fewer or decorrelated features" in message
    with mpc.Session(parties=3, seed=4, frac_bits=18) as s:
        SPDSolver(s.share(A * 4**4, owner=0), 1e4, diagonal_bits=4)  # more fractional bits solve it
