"""Fixed-point reals in Shamir sessions: GF(2^127 - 1) and truncation with pseudo-random integer masks.

References are NumPy on the inputs rounded to the fixed-point grid, so every
difference is the engine's own error; the bounds are those documented in
:func:`mpcarray.protocols.degree_reduction.truncate_many`.
"""

from math import comb

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

import mpcarray as mpc
from mpcarray import protocols
from mpcarray.errors import EncodingError

SIZES = [(3, 1), (5, 2), (7, 3)]
F = 16


def error_units(n: int, t: int) -> int:
    """Largest truncation error in units of 2^-f: the result lies in (-1 - s, C - s], s = (C - 1) // 2."""
    keys = comb(n, t)
    shift = (keys - 1) // 2
    return max(1 + shift, keys - shift)


def on_grid(values):
    return np.round(np.asarray(values) * 2**F) / 2**F


@pytest.fixture(scope="module", params=SIZES, ids=[f"n{n}-t{t}" for n, t in SIZES])
def session(request):
    n, t = request.param
    with mpc.Session(parties=n, scheme="shamir", threshold=t, frac_bits=F, seed=3) as s:
        yield s


def test_products_within_the_documented_bound(session):
    rng = np.random.default_rng(1)
    a, b = on_grid(rng.uniform(-1000, 1000, 20_000)), on_grid(rng.uniform(-1000, 1000, 20_000))
    x, y = session.share(a, owner=0), session.share(b, owner=1)
    err = (x * y).reveal() - a * b
    bound = error_units(session.n_parties, session.threshold) * 2.0**-F
    assert np.max(np.abs(err)) <= bound
    assert np.max(np.abs(err)) > 0  # truncation is probabilistic: some products are rounded
    keys = comb(session.n_parties, session.threshold)
    mean_bias = 0.0 if keys % 2 else 0.5  # documented: unbiased for odd C(n, t), half a unit otherwise
    assert abs(np.mean(err) / 2.0**-F - mean_bias) < 0.05


def test_gram_matrix_of_real_data(session):
    X = load_breast_cancer().data
    Xq = on_grid((X - X.mean(axis=0)) / X.std(axis=0))
    parts = np.array_split(Xq, session.n_parties)
    shared = np.concatenate([session.share(p, owner=i) for i, p in enumerate(parts)])
    gram = (shared.T @ shared).reveal()
    bound = error_units(session.n_parties, session.threshold) * 2.0**-F
    assert np.max(np.abs(gram - Xq.T @ Xq)) <= bound + 1e-9 * np.max(np.abs(Xq.T @ Xq))


def test_sums_means_public_factors_and_lifts(session):
    rng = np.random.default_rng(2)
    a = on_grid(rng.normal(50, 10, (200, 4)))
    counts = rng.integers(0, 5, (200, 4))
    x, c = session.share(a, owner=0), session.share(counts, owner=1)
    truncation = error_units(session.n_parties, session.threshold) * 2.0**-F
    np.testing.assert_allclose(x.sum(axis=0).reveal(), a.sum(axis=0), atol=0, rtol=0)
    # documented: a mean errs by at most three truncations, a public real factor by two
    np.testing.assert_allclose(x.mean(axis=0).reveal(), a.mean(axis=0), rtol=0, atol=3 * truncation)
    np.testing.assert_allclose((x / 7).reveal(), a / 7, rtol=0, atol=2 * truncation + np.abs(a / 7).max() * 2.0**-(2 * F))
    np.testing.assert_allclose((x * 4 - 1).reveal(), a * 4 - 1, atol=0)  # integer factor: exact
    np.testing.assert_allclose((x * c).reveal(), a * counts, atol=0)  # shared integer factor: exact
    np.testing.assert_allclose((c + 0.25).reveal(), counts + 0.25, atol=0)  # integers lifted exactly


def test_fixed_point_range_is_the_rings():
    """Both schemes accept |x| < 2^(62 - 2f), so a script behaves alike on either."""
    for scheme in ("shamir", "additive"):
        with mpc.Session(parties=3, scheme=scheme, seed=1) as s:
            assert s.fixed_point.range_bits == 30 and s.fixed_point.max_abs == 2.0**30
            edge = 2.0**30 - 2.0**-F
            x = s.share(np.array([edge, -edge]), owner=0)
            np.testing.assert_array_equal(x.reveal(), [edge, -edge])
            y = s.share(np.array([2.0**14 + 0.5]), owner=1)
            assert abs((y * y).reveal()[0] - (2.0**14 + 0.5) ** 2) <= error_units(3, 1) * 2.0**-F
            with pytest.raises(EncodingError, match="safe range"):
                s.share(np.array([2.0**30]), owner=0)


@pytest.mark.parametrize("n, t", SIZES)
def test_fixed_point_products_cost_one_round(n, t):
    size = 500
    with mpc.Session(parties=n, scheme="shamir", threshold=t, seed=4) as s:
        x, y = s.share(np.linspace(-3, 3, size), owner=0), s.share(np.linspace(1, 2, size), owner=1)
        a, b = s.share(np.ones((6, 5)), owner=0), s.share(np.ones((5, 4)), owner=1)
        for product, elements in ((lambda: x * y, size), (lambda: x * x, size), (lambda: a @ b, 24)):
            before = s.comm.snapshot()
            product()
            cost = s.comm - before
            assert cost.rounds == 1
            assert list(cost.bytes_sent) == [16 * elements * (n - 1)] * n
        before = s.comm.snapshot()
        x.mean()  # one truncation by a public shift, one exact product by 2^e / count
        assert (s.comm - before).rounds == 2
        assert not s.comm.dealer_bytes.any()


@pytest.mark.parametrize("n, t", SIZES)
def test_truncation_bound_and_integer_share_cost(n, t):
    """K = 82, 80, 78 at 3, 5, 7 parties; an integer or real input costs (8 (3 + ndim) + 16 N)(n - 1) bytes,
    and (n + 1)(n - 1) more for the agreement that every live party received its share."""
    with mpc.Session(parties=n, scheme="shamir", threshold=t, seed=5) as s:
        assert s.fixed_point.truncation_bits == {3: 82, 5: 80, 7: 78}[n]
        assert s.fixed_point.range_bits == 30  # K only adds headroom for the masks
        for data in (np.arange(12).reshape(3, 4), np.linspace(0, 1, 12).reshape(3, 4)):
            before = s.comm.snapshot()
            s.share(data, owner=1)
            cost = s.comm - before
            assert cost.rounds == 2
            assert cost.bytes_sent[1] == (8 * (3 + 2) + 16 * 12) * (n - 1) + (n + 1) * (n - 1)


@pytest.mark.parametrize("n, t", SIZES)
def test_protocol_truncation_cost_and_result(n, t):
    """protocols.truncate on degree-t shares: 1 round, 16 N (n - 1) bytes per party, floor(z / 2^m) + e - s."""
    z = np.array([2**70 + 12345, -(2**70) - 1, 0, 1, -1, 2**40], dtype=object)
    with mpc.Session(parties=n, scheme="shamir", threshold=t, seed=6) as s:
        rt = s._rt
        domain = rt.number
        elements = domain.from_integers([int(v) % domain.modulus for v in z])
        shares = protocols.share_input(rt, 0, elements)
        before = s.comm.snapshot()
        truncated = protocols.truncate(rt, shares, 20)
        cost = s.comm - before
        assert cost.rounds == 1 and list(cost.bytes_sent) == [16 * z.size * (n - 1)] * n
        (opened,) = protocols.open_shares(rt, truncated)
        values = [int(hi) << 64 | int(lo) for lo, hi in zip(opened["lo"], opened["hi"])]
        got = np.array([v if v <= domain.modulus // 2 else v - domain.modulus for v in values], dtype=object)
    keys = comb(n, t)
    error = got - np.array([v >> 20 for v in z], dtype=object)
    shift = (keys - 1) // 2
    assert all(-shift <= e <= keys - shift for e in error), error
