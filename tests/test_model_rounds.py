"""Exact rounds of the model fits and the SPD solver (additive, 3 hospitals), against their Cost lines.

Rounds do not depend on the data or the party count, only on public sizes and
the number format (``f = 16``); the sigmoid, ``rsqrt`` and comparison inside
them are counted as tests/test_function_rounds.py asserts them today.
"""

import numpy as np
import pytest
from model_data import HOSPITALS, breast_cancer, diabetes, share_columns, share_rows

import mpcarray as mpc
from mpcarray.models import LinearRegression, LogisticRegression, SPDSolver
from mpcarray.models.solver import neumann_steps


@pytest.fixture(scope="module")
def session():
    with mpc.Session(parties=HOSPITALS, seed=11) as s:
        yield s


def rounds(session, compute):
    before = session.comm.snapshot()
    result = compute()
    return result, (session.comm - before).rounds


#: docs/models.md "Rounds" (before this table: 315, 278, 1,375 and 651).
FITS = {
    "ols horizontal": 158,
    "ols vertical": 150,
    "newton x10": 983,
    "gd x10": 642,
}


def fit_rounds(session, name):
    X, y = diabetes()
    if name == "ols horizontal":
        Xh, yh = share_rows(session, X, y)
        return rounds(session, lambda: LinearRegression().fit(Xh, yh))
    if name == "ols vertical":
        Xv, yv = share_columns(session, X), session.share(y, owner=HOSPITALS[0])
        return rounds(session, lambda: LinearRegression().fit(Xv, yv))
    if name == "newton x10":
        X, y, _ = breast_cancer()
        Xs, ys = share_rows(session, X, y)
        return rounds(session, lambda: LogisticRegression(max_iter=10).fit(Xs, ys))
    X, y, _ = breast_cancer(list(range(30)))
    Xs, ys = share_rows(session, X, y)
    return rounds(session, lambda: LogisticRegression(max_iter=10, method="gd").fit(Xs, ys))


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
@pytest.mark.parametrize("public", [True, False])
def test_solver_rounds(session, d, public):
    """solver.py's Cost line: cold ``2k + 20`` (public scale) or ``2k + 57`` (Jacobi),
    warm ``2 WARM_STEPS + 22`` (public ``2^-h``, h > 0) or ``+ 25``, solve ``2 + 4m`` or ``6 + 8m``."""
    h = 6
    A = session.share(spd(d) * 4**h, owner=0)
    b = session.share(np.linspace(-1.0, 1.0, d) * 4**h, owner=1)
    bits = h if public else None
    solver, cold = rounds(session, lambda: SPDSolver(A, 1e4, diagonal_bits=bits))
    k = neumann_steps(d, 1e4)
    assert k == {6: 17, 10: 18}[d]
    assert cold == 2 * k + (20 if public else 57)
    nearby = session.share(spd(d, seed=5) * 4**h * 1.01, owner=0)
    _, warm = rounds(session, lambda: SPDSolver(nearby, 1e4, warm_start=solver))
    assert warm == 2 * 2 + (22 if public else 25)
    for m in range(4):
        x, counted = rounds(session, lambda m=m: solver.solve(b, scale_bits=10, refinements=m))
        assert counted == (2 + 4 * m if public else 6 + 8 * m)
    # the solution, against NumPy on the encoded system
    encoded = np.rint(spd(d) * 4**h * 2**16) / 2**16
    want = np.linalg.solve(encoded, np.linspace(-1.0, 1.0, d) * 4**h)
    np.testing.assert_allclose(x.reveal() / 2**10, want, rtol=1e-6)
