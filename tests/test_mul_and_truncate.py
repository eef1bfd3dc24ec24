"""One-round batches of exact products and truncations (``primitives.multiply_and_truncate``) and the
polynomials scheduled on them, against NumPy."""

from math import comb

import numpy as np
import pytest
from conftest import SESSION_PARAMS, SHAMIR_SESSION_PARAMS

import mpcarray as mpc
from mpcarray.array import primitives
from mpcarray.functions.polynomial import evaluate_polynomial


def truncation_error_bound(session) -> int:
    """Units a truncation may err by: 1 over the ring; ``(-1 - s, C - s]`` with ``C = C(n, t)``
    keys and ``s = (C - 1) // 2`` in Shamir sessions (mpcarray/protocols/degree_reduction.py)."""
    if session.scheme != "shamir":
        return 1
    keys = comb(session.n_parties, session.threshold)
    return max(1 + (keys - 1) // 2, keys - (keys - 1) // 2)


def integers(session, array) -> np.ndarray:
    """The ring (or field) integers a SharedArray holds, whatever its label."""
    return np.rint(array.reveal() * 2.0**array.frac_bits).astype(np.int64)


@pytest.mark.parametrize("session", SESSION_PARAMS + SHAMIR_SESSION_PARAMS, indirect=True)
def test_products_and_truncations_in_one_round_match_numpy(session, rng):
    f = session.fixed_point.frac_bits
    a, b, c = (rng.uniform(-1, 1, size) for size in (50, 50, 30))
    x, y, z = (session.share(v, owner=i % session.n_parties) for i, v in enumerate((a, b, c)))
    wide = primitives.relabel(x * 2**20, f + 20)  # x with f + 20 fractional bits
    before = session.comm.snapshot()
    (exact, square), (cut, narrow) = primitives.multiply_and_truncate([(x, y, 0), (z, z, 0)], [(x, 5), (wide, 20)])
    cost = session.comm - before
    assert cost.rounds == 1
    if session.scheme != "shamir":
        n = session.n_parties
        assert list(cost.bytes_sent) == [8 * (2 * (50 + 30) + 50 + 50) * (n - 1)] * n
        assert cost.dealer_bytes[0] == 8 * (50 + 30) + 16 * (50 + 50) and not cost.dealer_bytes[1:].any()
    ax, ay, az = (integers(session, v) for v in (x, y, z))
    assert exact.frac_bits == square.frac_bits == 2 * f and cut.frac_bits == f - 5 and narrow.frac_bits == f
    assert np.array_equal(integers(session, exact), ax * ay)  # exact, no truncation
    assert np.array_equal(integers(session, square), az * az)
    bound = truncation_error_bound(session)
    assert np.abs(integers(session, cut) - np.floor(ax / 2**5)).max() <= bound
    assert np.abs(integers(session, narrow) - ax).max() <= bound
    separate = primitives.truncate(x, 5, f - 5)  # the same as a call of its own, within the bound
    assert np.abs(integers(session, cut) - integers(session, separate)).max() <= 2 * bound


@pytest.mark.parametrize("session", SHAMIR_SESSION_PARAMS, indirect=True)
def test_shamir_takes_truncated_products_in_the_same_round(session, rng):
    f = session.fixed_point.frac_bits
    a, b = rng.uniform(-4, 4, (2, 40))
    x, y = session.share(a, owner=0), session.share(b, owner=1)
    assert primitives.fused_truncation(x)
    before = session.comm.snapshot()
    (product, exact), (cut,) = primitives.multiply_and_truncate([(x, y, f), (x, y, 0)], [(y, 3)])
    assert (session.comm - before).rounds == 1
    ax, ay = integers(session, x), integers(session, y)
    bound = truncation_error_bound(session)
    assert product.frac_bits == f and np.abs(integers(session, product) - np.floor(ax * ay / 2**f)).max() <= bound
    assert np.array_equal(integers(session, exact), ax * ay)
    assert np.abs(integers(session, cut) - np.floor(ay / 2**3)).max() <= bound
    with pytest.raises(ValueError, match="shift must be in"):  # a shift of 0 only reduces a product's degree
        primitives.multiply_and_truncate([], [(y, 0)])


def test_ring_refuses_truncated_products(session):
    x = session.share(np.ones(3), owner=0)
    assert not primitives.fused_truncation(x)
    with pytest.raises(ValueError, match="two rounds"):
        primitives.multiply_and_truncate([(x, x, 16)], [])
    assert primitives.multiply_and_truncate([], []) == ([], [])


#: Rounds of evaluate_polynomial for (frac_bits, degree): additive sessions, Shamir sessions. Additive
#: before the exact-product schedule: 2 ceil(log2 d) + 1 (7, 7, 7, 9 here); never more now.
POLYNOMIAL_ROUNDS = {(12, 5): (5, 4), (16, 6): (5, 4), (20, 8): (7, 4), (24, 9): (9, 5)}


@pytest.mark.parametrize("f, degree", POLYNOMIAL_ROUNDS)
@pytest.mark.parametrize("scheme", ["additive", "shamir"])
def test_polynomial_rounds_and_values(f, degree, scheme, rng):
    """``evaluate_polynomial`` on ``[-1, 1]`` within a few ulp of NumPy, in its scheduled rounds."""
    coefficients = tuple(rng.uniform(-1, 1, degree + 1) / np.arange(1, degree + 2))
    values = np.concatenate([[-1.0, 1.0], rng.uniform(-1, 1, 200)])
    options = {"scheme": "shamir"} if scheme == "shamir" else {}
    with mpc.Session(parties=3, frac_bits=f, seed=f, **options) as s:
        x = s.share(values, owner=0)
        encoded = x.reveal()
        before = s.comm.snapshot()
        result = evaluate_polynomial(x, coefficients)
        assert (s.comm - before).rounds == POLYNOMIAL_ROUNDS[f, degree][scheme == "shamir"]
        got = result.reveal()
    expected = np.polynomial.Polynomial(coefficients)(encoded)
    ulps = 4 if scheme == "additive" else 8  # Shamir truncations err by up to 2 units at 3 parties
    assert np.abs(got - expected).max() <= ulps * 2.0**-f
