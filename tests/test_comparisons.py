"""Comparisons and selections against NumPy: exact results, constant round counts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

import mpcarray as mpc
from mpcarray import protocols

COMPARISONS = {
    "less": (lambda x, y: x < y),
    "less_equal": (lambda x, y: x <= y),
    "greater": (lambda x, y: x > y),
    "greater_equal": (lambda x, y: x >= y),
    "equal": (lambda x, y: x == y),
    "not_equal": (lambda x, y: x != y),
}


def edge_values(session):
    """Values at and near the ends of the safe range, zero, and tiny fixed-point steps."""
    limit = session.fixed_point.max_abs
    ulp = session.fixed_point.resolution
    values = np.array([0.0, ulp, -ulp, 1.0, -1.0, limit - 1, -(limit - 1), limit - ulp,
                       -(limit - ulp), 12345.678, -12345.678, 2 * ulp, 0.5])
    return session.fixed_point.decode(session.fixed_point.encode(values))  # exactly representable


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons_at_range_edges(session, name):
    compare = COMPARISONS[name]
    values = edge_values(session)
    a, b = np.meshgrid(values, values)
    x, y = session.share(a, owner=0), session.share(b, owner=session.n_parties - 1)
    expected = compare(a, b).astype(np.int64)
    got = compare(x, y)
    assert got.dtype == np.int64
    assert np.array_equal(got.reveal(), expected)
    assert np.array_equal(compare(x, b[0]).reveal(), compare(a, b[0]).astype(np.int64))
    assert np.array_equal(compare(a[:, 0:1], y).reveal(), compare(a[:, 0:1], b).astype(np.int64))


@pytest.mark.parametrize("n_parties", [2, 3, 5])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_comparisons_match_numpy_with_broadcasting(n_parties, data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4))
    values = st.integers(-(2**20), 2**20).map(lambda v: v / 64)  # many exact ties
    a = data.draw(arrays(np.float64, shapes.input_shapes[0], elements=values))
    b = data.draw(arrays(np.float64, shapes.input_shapes[1], elements=values))
    name = data.draw(st.sampled_from(sorted(COMPARISONS)))
    with mpc.Session(parties=n_parties, seed=1) as s:
        got = COMPARISONS[name](s.share(a, owner=0), s.share(b, owner=1)).reveal()
    assert np.array_equal(got, COMPARISONS[name](a, b).astype(np.int64))


def test_integer_comparisons_full_range(session):
    a = np.array([2**62, -(2**62), 0, -1, 1, 2**40 + 1, -(2**40)], dtype=np.int64)
    b = np.array([2**62 - 1, -(2**62) + 1, 0, 0, 0, 2**40, -(2**40)], dtype=np.int64)
    x, y = session.share(a, owner=0), session.share(b, owner=1)
    for compare in COMPARISONS.values():
        assert np.array_equal(compare(x, y).reveal(), compare(a, b).astype(np.int64))


def test_comparison_rounds_do_not_depend_on_size(session):
    for size in (1, 1000):
        x = session.share(np.linspace(-3, 3, size), owner=0)
        before = session.comm.snapshot()
        _ = x < 0.5
        assert (session.comm - before).rounds == 5


#: Masked plane openings and dealer mask products per 64 elements of sign_bits (see its docstring).
OPENED = {"negative": 142, "zero": 84}
PRODUCTS = {"negative": 427, "zero": 231}


def test_sign_bits_cost_formula(session):
    """5 rounds; per other party 8 bytes per element to open, 8 bytes per masked
    ceil(N/64)-word plane (142 for a < 0, 84 for a == 0) and 1 byte per converted bit;
    the dealer sends 8 bytes per element (edaBit) and converted bit, 8 per mask-product plane."""
    n, size = session.n_parties, 130
    words = 3  # ceil(130 / 64): planes are padded to whole words
    rt = session._rt
    shares = protocols.share_input(rt, 0, np.arange(size, dtype=np.uint64))
    for kwargs, tests in [({"negative": True}, ["negative"]), ({"negative": False, "zero": True}, ["zero"]),
                          ({"negative": True, "zero": True}, ["negative", "zero"])]:
        before = session.comm.snapshot()
        protocols.sign_bits(rt, shares, **kwargs)
        cost = session.comm - before
        assert cost.rounds == 5 == protocols.sign_rounds(rt)
        opened = sum(OPENED[t] for t in tests)
        per_party = (8 * size + 8 * opened * words + len(tests) * size) * (n - 1)
        assert cost.bytes_sent.tolist() == [per_party] * n
        products = sum(PRODUCTS[t] for t in tests)
        assert cost.dealer_bytes[0] == 8 * size + 8 * products * words + 8 * len(tests) * size
    assert 8 + 8 * 142 / 64 + 1 == 26.75 and 8 + 8 * 427 / 64 + 8 == 69.375  # bytes per element in the docstring


def test_sign_bits_of_extreme_integers(session):
    """Ring elements over the whole int64 range, against NumPy: [a < 0] and [a == 0] are exact for every value."""
    rng = np.random.default_rng(session.n_parties)
    edges = np.array([0, 1, -1, 2, -2, 2**62, -(2**62), 2**62 - 1, -(2**62) + 1, 2**63 - 1, -(2**63),
                      2**63 - 2, -(2**63) + 1, 1 << 32, -(1 << 32)], dtype=np.int64)
    a = np.concatenate([edges, rng.integers(-(2**63), 2**63 - 1, 300, dtype=np.int64, endpoint=True)])
    rt = session._rt
    shares = protocols.share_input(rt, 0, a.view(np.uint64))
    negative, zero = protocols.sign_bits(rt, shares, negative=True, zero=True)
    assert np.array_equal(negative.sum(axis=0), (a < 0).astype(np.uint64))
    assert np.array_equal(zero.sum(axis=0), (a == 0).astype(np.uint64))
    bits = protocols.bit_decompose(rt, shares)
    assert np.array_equal(np.bitwise_xor.reduce(bits, axis=0), a.view(np.uint64))
    top = np.array([0 if v == 0 else 1 << (int(v).bit_length() - 1) for v in a.view(np.uint64)], dtype=np.uint64)
    assert np.array_equal(np.bitwise_xor.reduce(protocols.leading_one(rt, bits), axis=0), top)


def test_bit_circuit_costs(session):
    """Bit decomposition: 4 rounds (open, 3 prefix levels), 637 masked plane openings and 1246
    mask products per 64 elements; leading one: 3 rounds (prefix OR), 432 and 768 (docstrings)."""
    n, size, words = session.n_parties, 200, 4
    rt = session._rt
    shares = protocols.share_input(rt, 0, np.arange(size, dtype=np.uint64))
    before = session.comm.snapshot()
    bits = protocols.bit_decompose(rt, shares)
    middle = session.comm.snapshot()
    protocols.leading_one(rt, bits)
    decompose, leading = middle - before, session.comm - middle
    assert (decompose.rounds, leading.rounds) == (4, 3)
    assert decompose.bytes_sent.tolist() == [(8 * size + 8 * 637 * words) * (n - 1)] * n
    assert decompose.dealer_bytes[0] == 8 * size + 8 * 1246 * words
    assert leading.bytes_sent.tolist() == [8 * 432 * words * (n - 1)] * n
    assert leading.dealer_bytes[0] == 8 * 768 * words
    assert (8 + 8 * 637 / 64, 8 + 8 * 1246 / 64, 8 * 432 / 64, 8 * 768 / 64) == (87.625, 163.75, 54, 96)


def test_leading_one_by_comparisons_against_numpy(session):
    """The thermometer of comparisons a >= 2^j gives the leading one of every a in [0, 2^63) (0 for 0),
    as the bit decomposition's prefix OR does; a negative a (down to -2^62) gives 0."""
    rng = np.random.default_rng(session.n_parties)
    edges = np.array([0, 1, 2, 3, 2**62, 2**62 - 1, 2**63 - 1, 1 << 32, (1 << 32) - 1], dtype=np.int64)
    positive = rng.integers(0, 2**63 - 1, 130, dtype=np.int64) >> rng.integers(0, 63, 130)
    a = np.concatenate([edges, positive])
    rt = session._rt
    words = protocols.leading_one_by_comparisons(rt, protocols.share_input(rt, 0, a.view(np.uint64)))
    top = np.array([0 if v == 0 else 1 << (int(v).bit_length() - 1) for v in a], dtype=np.uint64)
    assert np.array_equal(np.bitwise_xor.reduce(words, axis=0), top)
    negative = -np.concatenate([[1, 2**62], rng.integers(1, 2**62, 20, dtype=np.int64)])
    words = protocols.leading_one_by_comparisons(rt, protocols.share_input(rt, 0, negative.view(np.uint64)))
    assert not np.bitwise_xor.reduce(words, axis=0).any()


def test_leading_one_by_comparisons_costs(session):
    """4 rounds (open, 3 gate levels); per element and other party the opening's 8 bytes and 63
    sign tests' gates, 142 masked plane openings per 64 comparisons (the docstring's 8 + 63 * 17.75)."""
    n, size = session.n_parties, 100
    rt = session._rt
    shares = protocols.share_input(rt, 0, np.arange(size, dtype=np.uint64))
    before = session.comm.snapshot()
    protocols.leading_one_by_comparisons(rt, shares)
    cost = session.comm - before
    words = -(-63 * size // 64)  # plane words: the 63 N comparisons, rounded up to 64
    assert cost.rounds == 4
    assert cost.bytes_sent.tolist() == [(8 * size + 8 * 142 * words) * (n - 1)] * n
    assert 8 * 142 / 64 == 17.75


def test_leading_one_tables_switch_at_the_documented_size(session):
    """At most COMPARISON_LOOKUP_MAX_ELEMENTS elements: 5 rounds; one more element: 8 (bit decomposition)."""
    from mpcarray.protocols.tables import COMPARISON_LOOKUP_MAX_ELEMENTS as most
    rt = session._rt
    for size, expected in [(most, 5), (most + 1, 8)]:
        values = np.arange(1, size + 1, dtype=np.uint64) << np.uint64(20)
        shares = protocols.share_input(rt, 0, values)
        before = session.comm.snapshot()
        rows = protocols.leading_one_tables(rt, shares, [list(range(64))])
        assert (session.comm - before).rounds == expected
        assert np.array_equal(rows[0].sum(axis=0), [int(v).bit_length() - 1 for v in values])


def test_sign_abs_relu(session):
    values = edge_values(session)
    x = session.share(values, owner=0)
    assert np.array_equal(mpc.sign(x).reveal(), np.sign(values).astype(np.int64))
    assert np.array_equal(np.sign(x).reveal(), np.sign(values).astype(np.int64))
    assert np.array_equal(np.abs(x).reveal(), np.abs(values))  # exact: bit * x needs no rounding
    assert np.array_equal(mpc.relu(x).reveal(), np.maximum(values, 0))


def test_maximum_minimum_where_clip(session, rng):
    a = np.round(rng.uniform(-100, 100, (5, 4)), 3)
    b = np.round(rng.uniform(-100, 100, (4,)), 3)
    fp = session.fixed_point
    a, b = fp.decode(fp.encode(a)), fp.decode(fp.encode(b))
    x, y = session.share(a, owner=0), session.share(b, owner=1)
    assert np.array_equal(np.maximum(x, y).reveal(), np.maximum(a, b))
    assert np.array_equal(np.minimum(x, y).reveal(), np.minimum(a, b))
    assert np.array_equal(mpc.maximum(x, 0.0).reveal(), np.maximum(a, 0.0))
    assert np.array_equal(np.where(x > y, x, y).reveal(), np.where(a > b, a, b))
    assert np.array_equal(np.where(a > 0, x, 7.0).reveal(), np.where(a > 0, a, 7.0))
    assert np.array_equal(np.clip(x, -20.0, 30.0).reveal(), np.clip(a, -20.0, 30.0))
    assert np.array_equal(np.clip(x, y, 50.0).reveal(), np.clip(a, b, 50.0))
    assert np.array_equal(np.clip(x, 0.0, None).reveal(), np.clip(a, 0.0, None))  # one-sided, as NumPy
    assert np.array_equal(np.clip(x, None, y).reveal(), np.clip(a, None, b))
    with pytest.raises(ValueError, match="a_min or a_max"):
        np.clip(x, None, None)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_min_argmax_argmin(session, axis, keepdims):
    rng = np.random.default_rng(3)
    a = rng.integers(-5, 5, (5, 7)).astype(float) / 4  # many ties: first occurrence must win
    x = session.share(a, owner=0)
    assert np.array_equal(np.max(x, axis=axis, keepdims=keepdims).reveal(),
                          np.max(a, axis=axis, keepdims=keepdims))
    assert np.array_equal(np.min(x, axis=axis, keepdims=keepdims).reveal(),
                          np.min(a, axis=axis, keepdims=keepdims))
    assert np.array_equal(np.argmax(x, axis=axis, keepdims=keepdims).reveal(),
                          np.argmax(a, axis=axis, keepdims=keepdims))
    assert np.array_equal(mpc.argmin(x, axis=axis, keepdims=keepdims).reveal(),
                          np.argmin(a, axis=axis, keepdims=keepdims))


def test_max_rounds_are_logarithmic(session):
    x = session.share(np.arange(16.0), owner=0)
    before = session.comm.snapshot()
    np.max(x)
    assert (session.comm - before).rounds == 6 * 4  # ceil(log2 16) levels of compare (5) + select (1)


def test_where_rejects_fixed_point_conditions(session):
    x = session.share(np.ones(3), owner=0)
    with pytest.raises(mpc.UnsupportedOperationError, match="0/1 integer"):
        np.where(x, x, x)
    with pytest.raises(mpc.UnsupportedOperationError, match="reveal"):
        np.where(x > 0)


def test_where_with_public_branches(session):
    a = np.array([1.5, -2.0, 0.0, 3.0])
    x = session.share(a, owner=0)
    np.testing.assert_array_equal(np.where(x > 0, 1.0, 0.0).reveal(), np.where(a > 0, 1.0, 0.0))
    values = np.array([5, 6, 7, 8])
    np.testing.assert_array_equal(np.where(x < 0, values, -1).reveal(), np.where(a < 0, values, -1))


@pytest.mark.parametrize("scheme, expected", [("additive", 5), ("shamir", 8)])
def test_sign_rounds_tells_the_rounds_of_a_sign_test(scheme, expected):
    from mpcarray.array import primitives
    with mpc.Session(parties=3, seed=2, scheme=scheme) as s:
        x = s.share(np.array([-1.5, 0.0, 2.0]), owner=0)
        before = s.comm.snapshot()
        primitives.sign_bits(x)
        assert (s.comm - before).rounds == primitives.sign_rounds(x) == expected
