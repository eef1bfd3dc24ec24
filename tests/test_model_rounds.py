"""Exact rounds of the model fits and the SPD solver (additive, 3 hospitals), against their Cost lines.

Rounds do not depend on the data or the party count, only on public sizes and
the number format (``f = 16``); the sigmoid, ``rsqrt`` and comparison inside
them are counted as tests/test_function_rounds.py asserts them today.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from model_data import HOSPITALS, breast_cancer, diabetes, share_columns, share_rows

import mpcarray as mpc
from mpcarray.array import primitives
from mpcarray.models import LinearRegression, LogisticRegression, SPDSolver
from mpcarray.models.linear import _intercept
from mpcarray.models.precision import product_candidates, refined_reciprocal, reveal_product
from mpcarray.models.solver import chain_steps


@pytest.fixture(scope="module")
def session():
    with mpc.Session(parties=HOSPITALS, seed=11) as s:
        yield s


def rounds(session, compute):
    before = session.comm.snapshot()
    result = compute()
    return result, (session.comm - before).rounds


#: docs/models.md "Rounds" (before this table: 315, 278, 1,375 and 651; with the Neumann series 166, 139, 546;
#: OLS 130 and 122, Newton 529, before steps independent of the solver's check shared its rounds; 74, 66, 122
#: and 436 before the check's zero test took one round; 73 and 121 before the hospitals shared in one round;
#: 68, 65, 116, 396 and 189 before the precise reveal took 4 rounds; 64 and 114 before the hospitals
#: applied the public weights to their own statistics; 59, 61 and 109 before the least-squares
#: standardisation weights took a coarse rsqrt; 55 and 57 before the intercept's truncation became its reveal;
#: 51, 53 and 103 before the leading-one lookup of small arrays took 5 rounds, and 54, 56, 105, 395 and 188
#: before the solve's 3 refinements (not 4) left their last truncation to the reveal; 48, 50 and 94 before
#: the owner-local moments took each truncation in the next product's opening and the reveal's products
#: took the solution's; 43, 49, 90, 392 and 185 before the Gram matrix's truncation joined the solver's
#: scaling, the check's squares and the inverse's last truncation joined products of the round before or
#: after, and the mantissa polynomial's truncation the product with its power of two; 381 before a warm
#: start's first residual was truncated in the chain's first opening, 372 before the Hessian's weights
#: were truncated in the opening of their product with the features; 352 and 184 before the sigmoid's
#: Estrin levels took each truncation in the next level's products; 86 before relative_divide took each
#: truncation in the next product's opening).
FITS = {
    "ols horizontal": 40,
    "ols vertical": 47,
    "ols horizontal, standard errors": 83,
    "newton x10": 334,
    "gd x10": 166,
}


def fit_rounds(session, name):
    X, y = diabetes()
    if name == "ols horizontal":
        Xh, yh = share_rows(session, X, y)
        return rounds(session, lambda: LinearRegression().fit(Xh, yh))
    if name == "ols horizontal, standard errors":
        Xh, yh = share_rows(session, X, y)
        return rounds(session, lambda: LinearRegression(standard_errors=True).fit(Xh, yh))
    if name == "ols vertical":
        Xv, yv = share_columns(session, X), session.share(y, owner=HOSPITALS[0])
        return rounds(session, lambda: LinearRegression().fit(Xv, yv))
    if name == "newton x10":
        X, y, _ = breast_cancer()
        Xs, ys = share_rows(session, X, y)
        return rounds(session, lambda: LogisticRegression(None, max_iter=10, tol=None).fit(Xs, ys))
    X, y, _ = breast_cancer(list(range(30)))
    Xs, ys = share_rows(session, X, y)
    return rounds(session, lambda: LogisticRegression(None, max_iter=10, tol=None, method="gd").fit(Xs, ys))


@pytest.mark.parametrize("name", FITS)
def test_fit_rounds(session, name):
    _, counted = fit_rounds(session, name)
    assert counted == FITS[name]


def spd(d: int, seed: int = 5) -> np.ndarray:
    """A unit-diagonal SPD matrix with condition number ~100."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(np.geomspace(1, 1e-2, d)) @ Q.T
    return A / np.sqrt(np.outer(np.diag(A), np.diag(A)))


@pytest.mark.parametrize("d", [6, 10])
@pytest.mark.parametrize("h", [6, -1, None], ids=["public 2^-6", "public 2", "jacobi"])
def test_solver_rounds(session, d, h):
    """solver.py's Cost line: cold ``k + 12`` (public scale) or ``k + 30`` (Jacobi), warm
    ``WARM_STEPS + 13`` (public ``2^-h``), ``+ 12`` (``4^-h`` an integer) or ``+ 16`` (Jacobi),
    solve ``s = 2 + 2m`` (public) or ``4 + 4m``; a first solve with the check, ``rhs``, makes the
    cold start ``k + 5 + max(7, s)`` (public: the inverse's truncation joins the solve's first
    product) or ``k + 23 + max(7, 1 + s)``; ``rounded=False`` 1 round less (the last truncation
    left to the caller)."""
    public = h is not None
    size = 4.0 ** (h if public else 6)
    A = session.share(spd(d) * size, owner=0)
    b = session.share(np.linspace(-1.0, 1.0, d) * size, owner=1)
    solver, cold = rounds(session, lambda: SPDSolver(A, 1e4, diagonal_bits=h))
    k = chain_steps(d, 1e4, A.fixed_point.range_bits)
    assert k == 10  # the Neumann series took 17 (d = 6) and 18
    assert cold == k + (12 if public else 30)
    nearby = session.share(spd(d) * size * 1.01, owner=0)
    _, warm = rounds(session, lambda: SPDSolver(nearby, 1e4, warm_start=solver))
    assert warm == 2 + {6: 13, -1: 12, None: 16}[h]
    for m in range(4):
        x, counted = rounds(session, lambda m=m: solver.solve(b, scale_bits=10, refinements=m))
        assert counted == (2 + 2 * m if public else 4 + 4 * m)
        raw, fewer = rounds(session, lambda m=m: solver.solve(b, scale_bits=10, refinements=m, rounded=False))
        assert fewer == counted - 1 and raw.frac_bits > 16
        np.testing.assert_allclose(raw.reveal(), x.reveal(), rtol=1e-6)  # two runs of the same solve
    with_rhs, together = rounds(session, lambda: SPDSolver(A, 1e4, diagonal_bits=h, rhs=(b, 10, 3)))
    assert together == k + (5 if public else 23) + max(7, counted if public else 1 + counted)
    # the solution, against NumPy on the encoded system
    encoded = [np.rint(v * size * 2**16) / 2**16 for v in (spd(d), np.linspace(-1.0, 1.0, d))]
    want = np.linalg.solve(*encoded)
    np.testing.assert_allclose(x.reveal() / 2**10, want, rtol=1e-6)
    np.testing.assert_allclose(with_rhs.solution.reveal() / 2**10, want, rtol=1e-6)


@pytest.mark.parametrize("steps", [1, 3])
def test_refined_reciprocal_rounds(session, steps):
    """precision.refined_reciprocal's Cost line: 5 rounds per Newton step from a given start."""
    values = np.array([0.05, 0.7, 3.0, 40.0])
    x = session.share(values, owner=0)
    start = session.share(2**8 / values * (1 + 1e-2), owner=1)  # 1% off
    y, counted = rounds(session, lambda: refined_reciprocal(x, 8, steps, start=start))
    assert counted == 5 * steps
    want = 2**8 / np.rint(values * 2**16) * 2**16  # of the encoded x
    bound = {1: 1e-3, 3: 1e-6}[steps]  # the 1% error squared per step, then a few units of rounding
    np.testing.assert_allclose(y.reveal(), want, rtol=bound, atol=4 * 2.0**-16)


@pytest.mark.parametrize(("a", "b", "shift"), [
    ([300.0, -250.0, 700.0], [1500.0, 250.0, -300.0], 20),  # every exact a * b in range
    ([0.3, -2.5, 7.0], [1.5, 0.25, -3.0], 8),
    ([3000.0, -2900.0, 1e-3], [3.0e5, 2.8e5, 1e-3], 20),  # a * b near 2^30: b with bits dropped; a tiny value
    ([0.3, -2.5, 7.0], [1.5, 0.25, -3.0], 7.5),  # a fractional shift: the last half bit in public
])
def test_reveal_product_rounds(session, a, b, shift):
    """precision.reveal_product's Cost line (docs/models.md "Rounds"): 4 rounds whatever the
    magnitudes; the value to about 32 significant bits against NumPy on the encoded factors."""
    x, y = session.share(np.array(a), owner=0), session.share(np.array(b), owner=1)
    values, counted = rounds(session, lambda: reveal_product(x, y, shift, "test"))
    assert counted == 4
    encoded = [np.rint(np.array(v) * 2**16) / 2**16 for v in (a, b)]
    np.testing.assert_allclose(values, encoded[0] * encoded[1] / 2**shift, rtol=1e-6, atol=2**-20)
    # b's truncations made beforehand (product_candidates, 1 round): 3 rounds; and a given as an
    # exact product with 10 more fractional bits, whose truncation joins the products' opening
    candidates, made = rounds(session, lambda: product_candidates(y, shift))
    exact = primitives.relabel(x * 2**10, 26)
    values, counted = rounds(session, lambda: reveal_product(exact, y, shift, "test", candidates))
    assert (made, counted) == (1, 3)
    np.testing.assert_allclose(values, encoded[0] * encoded[1] / 2**shift, rtol=1e-6, atol=2**-20)


@pytest.mark.parametrize("coef", [[12.1, -0.73, 3.3], [12.5, -0.75, 3.0625]])
def test_intercept_from_revealed_coefficients_rounds(session, coef):
    """docs/models.md "Rounds": mean_y - sum coef_j mean_j from the public coef_ in one round,
    the product's truncation opened as the reveal (none when every coef_j 2^bits is an integer)."""
    means = np.array([0.25, -1.5, 3.0, 152.0])  # three columns, then y
    stats = SimpleNamespace(mean=session.share(means, owner=0))
    intercept, counted = rounds(session, lambda: _intercept(stats, np.array(coef), 8, "test"))
    assert counted == 1
    assert abs(intercept - (means[3] - np.array(coef) @ means[:3])) < 1e-4
