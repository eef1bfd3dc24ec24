"""np.sort, np.median, np.quantile, np.percentile and mpc.stats.median/quantile against NumPy.

Inputs are put on the fixed-point grid first (encode, decode), so the
order statistics and sorts must agree with NumPy exactly; the interpolation
term of a quantile is one fixed-point product (below ``T`` ulps when ``g`` is a
power of two, ``T + 2`` otherwise, with ``T`` the truncation bound of
``conftest.truncation_units``). Round counts are exact.
"""

import numpy as np
import pytest
from conftest import (
    SESSION_PARAMS,
    SHAMIR_SESSION_PARAMS,
    on_grid,
    rounds_of,
    session_id,
    truncation_units,
    ulp,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import mpcarray as mpc
from mpcarray.functions import median, order_statistics
from mpcarray.functions.order import bisection_rounds, chosen_algorithm, sort_layers, sort_rounds


# ------------------------------------------------------------------- sort
def test_sorting_network_sorts_every_length():
    rng = np.random.default_rng(3)
    for m in list(range(40)) + [64, 100, 129]:
        v = rng.integers(0, 5, m)
        for low, high in sort_layers(m):
            a, b = v[low].copy(), v[high].copy()
            v[low], v[high] = np.minimum(a, b), np.maximum(a, b)
        assert np.all(np.diff(v) >= 0), m


def test_sort_layer_counts():
    # Batcher's odd-even merge sort: p (p + 1) / 2 layers for m = 2^p.
    assert [len(sort_layers(2**p)) for p in range(6)] == [0, 1, 3, 6, 10, 15]
    with mpc.Session(parties=2, seed=1) as s:
        x = s.share(np.zeros(1), owner=0)
        assert sort_rounds(x, 8) == 36 and sort_rounds(x, 1) == 0  # additive: 5 + 1 rounds per layer


@pytest.mark.parametrize("session", SESSION_PARAMS, indirect=True, ids=session_id)
def test_sort_matches_numpy_exactly(session, rng):
    x = on_grid(session, rng.normal(0, 1000, size=(3, 7)))
    x[0, 2] = x[0, 5]  # ties
    shared = session.share(x, owner=0)
    for axis in (-1, 0, 1, None):
        got, rounds = rounds_of(session, lambda axis=axis: np.sort(shared, axis=axis))
        expected = np.sort(x, axis=axis)
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got.reveal(), expected)
        assert rounds == sort_rounds(shared, x.size if axis is None else x.shape[axis])
    ints = rng.integers(-(2**40), 2**40, size=9)
    got = np.sort(session.share(ints, owner=session.n_parties - 1))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.reveal(), np.sort(ints))


def test_sort_rounds_for_eight_elements(session):
    x = session.share(np.arange(8.0)[::-1], owner=0)
    got, rounds = rounds_of(session, lambda: np.sort(x))
    assert rounds == 36
    np.testing.assert_array_equal(got.reveal(), np.arange(8.0))


def test_sort_small_and_bad_inputs(session):
    one = session.share(np.array([2.5]), owner=0)
    got, rounds = rounds_of(session, lambda: np.sort(one))
    assert rounds == 0 and got.reveal().tolist() == [2.5]
    empty = session.share(np.zeros((2, 0)), owner=0)
    assert np.sort(empty).shape == (2, 0)
    with pytest.raises(mpc.ShapeError):
        np.sort(session.share(np.float64(1.0), owner=0))
    with pytest.raises(mpc.UnsupportedOperationError, match="kind"):
        np.sort(one, kind="stable")
    with pytest.raises(mpc.ShapeError, match="out of bounds"):
        np.sort(one, axis=2)
    with pytest.raises(TypeError, match="integer axis"):
        np.sort(one, axis=(0,))


# ------------------------------------------------------ order statistics
def test_order_statistics_are_exact(session, rng):
    x = on_grid(session, rng.normal(0, 1e6, size=(2, 11)))
    x[1, :4] = x[1, 7]  # ties
    shared = session.share(x, owner=0)
    ranks = [0, 3, 5, 10]
    for algorithm, expected_rounds in (("bisection", 10 * 47), ("sort", sort_rounds(shared, 11)),
                                       ("auto", sort_rounds(shared, 11))):
        got, rounds = rounds_of(session, lambda a=algorithm: order_statistics(shared, ranks, axis=1, algorithm=a))
        np.testing.assert_array_equal(got.reveal(), np.sort(x, axis=1)[:, ranks])
        assert rounds == expected_rounds
    assert bisection_rounds(shared) == 470
    extremes = on_grid(session, np.array([session.fixed_point.max_abs - ulp(session),
                                          -(session.fixed_point.max_abs - ulp(session)), 0.0]))
    got = order_statistics(session.share(extremes, owner=0), [0, 1, 2], algorithm="bisection")
    np.testing.assert_array_equal(got.reveal(), np.sort(extremes))


def test_order_statistics_of_integers(session):
    values = np.array([2**61, -(2**61) - 5, 7, -3, 0, 2**61 - 1], dtype=np.int64)
    shared = session.share(values, owner=0)
    got, rounds = rounds_of(session, lambda: order_statistics(shared, np.arange(6), algorithm="bisection"))
    assert got.dtype == np.int64 and rounds == 10 * 63
    np.testing.assert_array_equal(got.reveal(), np.sort(values))


@pytest.mark.parametrize("bits, rounds", [(1, 470), (2, 240), (3, 160), (4, 120)])
def test_bits_per_step_trade_rounds_for_work(bits, rounds):
    with mpc.Session(parties=3, seed=5) as s:
        x = on_grid(s, np.random.default_rng(bits).normal(size=9))
        shared = s.share(x, owner=1)
        got, used = rounds_of(s, lambda: order_statistics(shared, [4], bits_per_step=bits, algorithm="bisection"))
        assert used == rounds == bisection_rounds(shared, bits)
        assert got.reveal()[0] == np.median(x)


def test_order_statistics_bad_input(session):
    x = session.share(np.arange(4.0), owner=0)
    for ranks in ([4], [-1], [[1]], [], [0.5]):
        with pytest.raises(ValueError):
            order_statistics(x, ranks)
    for bits in (0, 9, 1.5, True):
        with pytest.raises(ValueError, match="bits_per_step"):
            order_statistics(x, [1], bits_per_step=bits)
    with pytest.raises(ValueError, match="algorithm"):
        order_statistics(x, [1], algorithm="quickselect")
    with pytest.raises(mpc.UnsupportedOperationError):
        order_statistics(np.arange(3.0), [1])


def test_auto_takes_the_algorithm_with_fewer_rounds(session):
    x, ints = session.share(np.zeros(2), owner=0), session.share(np.zeros(2, dtype=np.int64), owner=0)
    assert chosen_algorithm(x, 4096) == "sort" and sort_rounds(x, 4096) == 468 < bisection_rounds(x) == 470
    assert chosen_algorithm(x, 4097) == "bisection" and sort_rounds(x, 4097) == 546 > bisection_rounds(x)
    assert chosen_algorithm(ints, 8192) == "sort" and sort_rounds(ints, 8192) == 546 < bisection_rounds(ints) == 630
    assert chosen_algorithm(ints, 8193) == "bisection" and sort_rounds(ints, 8193) == 630
    assert chosen_algorithm(x, 256, bits_per_step=2) == "sort" and sort_rounds(x, 256) == 216 < bisection_rounds(x, 2) == 240
    assert chosen_algorithm(x, 257, bits_per_step=2) == "bisection"


# ------------------------------------------------------- median, quantile
def test_median_matches_numpy(session, rng):
    x = on_grid(session, rng.normal(40, 15, size=(5, 4)))
    shared = session.share(x, owner=session.n_parties - 1)
    T = truncation_units(session)
    for axis in (None, 0, 1, -1, (0, 1)):
        for keepdims in (False, True):
            got = np.median(shared, axis=axis, keepdims=keepdims)
            expected = np.median(x, axis=axis, keepdims=keepdims)
            assert got.shape == np.shape(expected) and got.dtype == np.float64
            error = np.abs(got.reveal() - expected) / ulp(session)
            # Odd counts (5 rows) are exact; even counts round the mean of the middle pair.
            assert np.all(error == 0) if axis == 0 else np.all(error < T), (axis, error)


@pytest.mark.parametrize("algorithm, odd_rounds, integer_rounds", [
    ("auto", 18, 18), ("sort", 18, 18), ("bisection", 470, 630)])
def test_median_rounds(session, algorithm, odd_rounds, integer_rounds):
    odd = session.share(np.array([3.0, -1.0, 2.0]), owner=0)
    even = session.share(np.array([3.0, -1.0, 2.0, 8.0]), owner=0)
    ints = session.share(np.array([3, -1, 2]), owner=0)
    got, rounds = rounds_of(session, lambda: median(odd, algorithm=algorithm))
    assert rounds == odd_rounds and got.reveal() == 2.0
    got, rounds = rounds_of(session, lambda: median(even, algorithm=algorithm))
    assert rounds == odd_rounds + 1 and got.reveal() == 2.5  # 4 values: as many layers as 3
    got, rounds = rounds_of(session, lambda: median(ints, algorithm=algorithm))
    assert rounds == integer_rounds and got.reveal() == 2.0 and got.dtype == np.float64
    assert rounds_of(session, lambda: np.median(odd))[1] == 18


@pytest.mark.parametrize("session", SESSION_PARAMS, indirect=True, ids=session_id)
def test_quantile_and_percentile_match_numpy(session, rng):
    x = on_grid(session, rng.uniform(-500, 500, size=(2, 13)))
    shared = session.share(x, owner=0)
    T = truncation_units(session)
    q = np.array([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
    got, rounds = rounds_of(session, lambda: np.quantile(shared, q, axis=1))
    expected = np.quantile(x, q, axis=1)
    assert got.shape == expected.shape == (6, 2)
    error = np.abs(got.reveal() - expected) / ulp(session)
    h = 12 * q
    exact = h == np.floor(h)  # g = 0: the order statistic itself
    assert np.all(error[exact] == 0) and np.all(error[~exact] < T + 2), error
    assert rounds == sort_rounds(shared, 13) + 4 == 64  # network, Horner over the limbs of g
    bisected = mpc.functions.quantile(shared, q, axis=1, algorithm="bisection")
    np.testing.assert_array_equal(np.abs(bisected.reveal() - expected)[exact], 0)
    got = np.percentile(shared, [25, 75], axis=0, keepdims=True)
    expected = np.percentile(x, [25, 75], axis=0, keepdims=True)
    assert got.shape == expected.shape == (2, 1, 13)
    assert np.all(np.abs(got.reveal() - expected) / ulp(session) < T + 0.02)  # g = 0.25, 0.75
    assert np.percentile(shared, 50).reveal() == np.percentile(x, 50)  # 26 values: g = 0.5
    scalar = np.quantile(shared[0], 1.0)
    assert scalar.shape == () and scalar.reveal() == x[0].max()


def test_one_element_and_empty(session):
    one = session.share(np.array([[4.25]]), owner=0)
    got, rounds = rounds_of(session, lambda: np.median(one, axis=1))
    assert rounds == 0 and got.reveal().tolist() == [4.25]
    assert np.quantile(one, [0.3, 0.8]).reveal().tolist() == [4.25, 4.25]
    empty = session.share(np.zeros((0, 3)), owner=0)
    for compute in (lambda: np.median(empty), lambda: np.quantile(empty, 0.5, axis=0),
                    lambda: mpc.stats.median(empty)):
        with pytest.raises(mpc.ShapeError):
            compute()


def test_quantile_bad_input(session):
    x = session.share(np.arange(5.0), owner=0)
    for q in (-0.1, 1.5, [0.5, 2.0]):
        with pytest.raises(ValueError, match="range"):
            np.quantile(x, q)
    with pytest.raises(ValueError, match="range"):
        np.percentile(x, 101)
    with pytest.raises(mpc.UnsupportedOperationError, match="linear"):
        np.quantile(x, 0.5, method="nearest")
    with pytest.raises(mpc.UnsupportedOperationError, match="out"):
        np.median(x, out=np.empty(()))
    with pytest.raises(mpc.UnsupportedOperationError, match="public"):
        np.quantile(x, x[0])
    with pytest.raises(mpc.ShapeError, match="repeated"):
        np.median(x.reshape(5, 1), axis=(0, 0))


# ----------------------------------------------------------------- Shamir
@pytest.mark.parametrize("session", SHAMIR_SESSION_PARAMS[:1], indirect=True, ids=session_id)
def test_shamir_sort_and_median(session):
    x = on_grid(session, np.array([[2.5, -7.0, 1.25], [0.0, 3.0, -1.0]]))
    shared = session.share(x, owner=0)
    got, rounds = rounds_of(session, lambda: np.sort(shared, axis=1))
    assert rounds == sort_rounds(shared, 3) == 27  # Shamir sign tests: 8 + 1 rounds per layer
    np.testing.assert_array_equal(got.reveal(), np.sort(x, axis=1))
    got, rounds = rounds_of(session, lambda: np.median(shared, axis=1))
    assert rounds == 27
    np.testing.assert_array_equal(got.reveal(), np.median(x, axis=1))
    got, rounds = rounds_of(session, lambda: median(shared, axis=1, algorithm="bisection"))
    assert rounds == 752
    np.testing.assert_array_equal(got.reveal(), np.median(x, axis=1))


def test_field_elements_have_no_order():
    galois = pytest.importorskip("galois")
    GF = galois.GF(2**31 - 1)
    with mpc.Session(parties=3, scheme="shamir", field=GF, seed=1) as s:
        x = s.share(GF([3, 1, 2]), owner=0)
        for compute in (np.sort, np.median, lambda v: np.quantile(v, 0.5)):
            with pytest.raises(mpc.UnsupportedOperationError, match="no order"):
                compute(x)


# ------------------------------------------------------------ mpc.stats
def test_stats_median_and_quantile_reveal_only_the_result(session, rng):
    X = on_grid(session, np.column_stack([rng.normal(60, 12, 9), rng.integers(0, 5, 9)]))
    shared = np.concatenate([session.share(X[:4], owner=0), session.share(X[4:], owner=1)])
    before = len(session.disclosures)
    got, rounds = rounds_of(session, lambda: mpc.stats.median(shared))
    np.testing.assert_array_equal(got, np.median(X, axis=0))
    assert rounds == sort_rounds(shared, 9) + 1 == 61  # sorting network, opening (9 rows: no interpolation)
    q = mpc.stats.quantile(shared, [0.25, 0.5])
    assert q.shape == (2, 2)
    assert np.all(np.abs(q - np.quantile(X, [0.25, 0.5], axis=0)) / ulp(session) == 0)  # h = 2, 4
    records = session.disclosures[before:]
    assert [r["label"] for r in records] == ["quantiles", "quantiles"]
    assert [tuple(r["shape"]) for r in records] == [(2,), (2, 2)]
    with pytest.raises(ValueError, match="axis=0"):
        mpc.stats.median(shared, axis=1)
    with pytest.raises(TypeError):
        mpc.stats.median(X)


# ------------------------------------------------- documented costs (docs/statistics.md)
def sign_test_bytes(N):
    """Bytes one party sends to each other party for one sign test of ``N`` elements."""
    return 9 * N + 1136 * -(-N // 64)


def bisection_bytes(n, ranks, parties, bits=1, grid=47):
    """Steps of ``bits`` bits from the top (the first takes the remainder), ``2^w - 1`` candidates each."""
    total, top = 0, grid
    while top > 0:
        width = top - (-(-top // bits) - 1) * bits
        candidates = ranks * (2**width - 1)
        total += (parties - 1) * (sign_test_bytes(candidates * n) + sign_test_bytes(candidates))
        top -= width
    return total


def sort_bytes(m, parties):
    """Per layer of ``c`` pairs: a sign test of ``c`` elements and a product of ``c`` (16 bytes each)."""
    return sum((parties - 1) * (sign_test_bytes(len(low)) + 16 * len(low)) for low, _ in sort_layers(m))


@pytest.mark.parametrize("n, ranks, bits", [(63, 1, 1), (200, 2, 1), (63, 1, 2), (200, 2, 2)])
def test_median_bytes_follow_the_documented_formula(n, ranks, bits):
    with mpc.Session(parties=3, seed=2) as s:
        x = s.share(np.arange(n, dtype=np.float64), owner=0)  # odd count: 1 order statistic, even: 2
        before = s.comm.snapshot()
        median(x, algorithm="bisection", bits_per_step=bits)
        used = s.comm - before
        interpolation = 0 if ranks == 1 else 8 * 2  # one truncated element, 2 other parties
        assert used.bytes_sent.tolist() == [bisection_bytes(x.size, ranks, 3, bits) + interpolation] * 3


@pytest.mark.parametrize("m", [10, 100, 333])
def test_sort_bytes_follow_the_formula(m):
    with mpc.Session(parties=3, seed=2) as s:
        x = s.share(np.arange(m, dtype=np.float64)[::-1], owner=0)
        before = s.comm.snapshot()
        np.sort(x)
        assert (s.comm - before).bytes_sent.tolist() == [sort_bytes(m, 3)] * 3


def test_documented_large_numbers():
    assert round(47 * (9 + 1136 / 64) * 2) == 2514  # "2.5 kB" per element and order statistic at 3 parties
    assert round(bisection_bytes(10**5, 2, 3) / 1e6) == 503  # median of 10^5 values
    assert round((bisection_bytes(10**5, 2, 3, bits=2) + 16) / 1e7) == 75  # "750 MB" with b = 2
    assert round(sort_bytes(10**5, 3) / 1e6) == 586  # "586 MB" to sort them
    with mpc.Session(parties=3, seed=1) as s:
        assert len(sort_layers(10**5)) == 153 and sort_rounds(s.share(np.zeros(1), owner=0), 10**5) == 918
    assert round(sum(len(low) for low, _ in sort_layers(10**5)) / 1e5) == 68  # 6.8 million


# ------------------------------------------------------------- properties


@settings(max_examples=20, deadline=None)
@given(values=arrays(np.float64, st.integers(1, 17), elements=st.integers(-(2**20), 2**20).map(lambda v: v / 64)),
       q=st.lists(st.floats(0, 1), min_size=1, max_size=3), algorithm=st.sampled_from(["sort", "bisection"]))
def test_quantiles_match_numpy_property(values, q, algorithm):
    with mpc.Session(parties=3, seed=7) as s:
        shared = s.share(values, owner=2)
        got = mpc.functions.quantile(shared, q, algorithm=algorithm).reveal()
        expected = np.quantile(values, q)
        h = (values.size - 1) * np.asarray(q)
        exact = h == np.floor(h)
        error = np.abs(got - expected) / ulp(s)
        assert np.all(error[exact] == 0) and np.all(error < 3), (error, h)
        np.testing.assert_array_equal(np.sort(shared).reveal(), np.sort(values))


def test_interpolation_error_with_a_wide_gap():
    # docs/statistics.md: below 1.01 ulps whatever the gap, for g not one power of two; 4 rounds.
    with mpc.Session(parties=3, seed=8) as s:
        values = on_grid(s, np.array([-(2.0**29), 2.0**29 - 1.0]))
        gap = values[1] - values[0]  # in value units, as in the docs
        q = np.array([0.1, 0.3, 0.7, 1 / 3])
        shared = s.share(values, owner=0)
        got, rounds = rounds_of(s, lambda: np.quantile(shared, q))
        error = np.abs(got.reveal() - np.quantile(values, q)) / ulp(s)
        assert np.all(error < 1.01), error
        assert rounds == sort_rounds(shared, 2) + 4 and gap == 2.0**30 - 1
