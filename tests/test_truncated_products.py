"""primitives.truncated_square, truncated_product, truncated_scaling and truncated_pairs: a truncation and
a product of the truncated matrix (with its own blocks, another shared matrix, column by column, or its
rows with each other entry by entry) in one opening,
against integer products computed in Python."""

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray.array import primitives
from mpcarray.errors import UnsupportedOperationError
from mpcarray.preprocessing.kinds import stream_length

F = 16


def shared_ring_integers(s, ints: np.ndarray, frac: int):
    """A SharedArray whose ring elements are ``ints``, read with ``frac`` fractional bits."""
    return primitives.relabel(s.share(np.ldexp(ints.astype(np.float64), -F), owner=0), frac)


def expected(T: np.ndarray, lo: int, cols: int, factor: int, diagonal: int, frac: int) -> np.ndarray:
    """``factor (T[:, lo:lo+m] + diagonal 2^frac I) @ T[:, :cols]`` in Python integers."""
    T = T.astype(object)
    m = T.shape[0]
    return factor * (T[:, lo:lo + m] + diagonal * 2**frac * np.eye(m, dtype=np.int64).astype(object)) @ T[:, :cols]


@pytest.mark.parametrize("parties", [2, 3, 5])
@pytest.mark.parametrize(("shape", "lo", "cols"), [((3, 6), 3, 6), ((4, 4), 0, 2), ((2, 5), 1, 5)])
def test_multiples_of_the_shift_give_the_exact_product(parties, shape, lo, cols):
    rng = np.random.default_rng(parties)
    T = rng.integers(-2**12, 2**12, size=shape)
    extra = 6
    with mpc.Session(parties=parties, seed=5) as s:
        P = shared_ring_integers(s, T << extra, F + extra)
        Q = primitives.truncated_square(P, F, lo, cols, factor=5, diagonal=2)
        got = primitives.relabel(Q, 0).reveal()
    assert Q.frac_bits == 2 * F
    np.testing.assert_array_equal(np.asarray(got, dtype=np.int64).astype(object), expected(T, lo, cols, 5, 2, F))


def test_other_values_are_truncated_within_a_unit_then_multiplied_exactly():
    """Each entry of T is floor or ceil of P / 2^s, so the product is within the sum of its factors."""
    rng = np.random.default_rng(0)
    shift, lo, cols = 12, 2, 4
    P = rng.integers(-2**40, 2**40, size=(2, 4))
    with mpc.Session(parties=3, seed=8) as s:
        raw = shared_ring_integers(s, P, F + shift)
        got = np.asarray(primitives.relabel(primitives.truncated_square(raw, F, lo, cols, 1, 0), 0).reveal(),
                         dtype=np.int64).astype(object)
    real = P.astype(object)
    exact = real[:, lo:] @ real[:, :cols]  # times 2^(2 shift)
    bound = (np.abs(real[:, lo:]) @ np.ones((2, cols), dtype=np.int64) + np.ones((2, 2), dtype=np.int64)
             @ np.abs(real[:, :cols])) * 2**shift + 2 * 2 ** (2 * shift)
    assert np.all(np.abs(got * 2 ** (2 * shift) - exact) <= bound)
    assert np.any(got * 2 ** (2 * shift) != exact)  # the values were not multiples: it did round


def test_cost_is_one_opening():
    m, w, cols, n = 3, 6, 6, 3
    with mpc.Session(parties=n, seed=1) as s:
        P = shared_ring_integers(s, np.arange(m * w).reshape(m, w) << 4, F + 4)
        before = s.comm.snapshot()
        primitives.truncated_square(P, F, 3, cols, 1, 2)
        cost = s.comm - before
    assert cost.rounds == 1
    assert list(cost.bytes_sent) == [8 * m * w * (n - 1)] * n
    assert cost.dealer_bytes[0] == 8 * (2 * m * w + m * cols + 2 * m * m * cols)


def test_bad_requests_raise_typed_errors():
    with mpc.Session(parties=3, seed=1) as s:
        P = shared_ring_integers(s, np.zeros((2, 4), dtype=np.int64), F + 4)
        with pytest.raises(ValueError, match="columns"):
            primitives.truncated_square(P, F, 3, 4, 1, 2)  # block 3..5 outside 4 columns
        with pytest.raises(ValueError, match="shift"):
            primitives.truncated_square(primitives.relabel(P, F + 33), F, 0, 4, 1, 2)
        assert not primitives.truncated_square_applies(P, 33) and primitives.truncated_square_applies(P, 32)
    with mpc.Session(parties=3, seed=1, scheme="shamir") as s:
        P = s.share(np.zeros((2, 4)), owner=0)
        assert not primitives.truncated_square_applies(P, 8)
        with pytest.raises(UnsupportedOperationError, match="truncated square"):
            primitives.truncated_square(primitives.relabel(P, F + 4), F, 0, 4, 1, 2)
    # what a dealer service refuses before any work (a request no party sends)
    for params in ((2, 4, 3, 4, 8), (2, 4, 0, 5, 8), (2, 4, 0, 4, 33), (2, 4, 0, 4)):
        with pytest.raises(ValueError, match="truncated_square"):
            stream_length("truncated_square", params)


@pytest.mark.parametrize("parties", [2, 3, 5])
@pytest.mark.parametrize(("a", "m", "w"), [(3, 4, 5), (4, 4, 1), (1, 2, 3)])
def test_a_product_with_another_matrix_is_exact_and_returns_the_truncation(parties, a, m, w):
    rng = np.random.default_rng(parties + a)
    T, M = rng.integers(-2**12, 2**12, size=(m, w)), rng.integers(-2**12, 2**12, size=(a, m))
    with mpc.Session(parties=parties, seed=6) as s:
        P = shared_ring_integers(s, T << 9, F + 9)
        shared_m = primitives.relabel(s.share(np.ldexp(M.astype(np.float64), -F), owner=parties - 1), F)
        product, truncated = primitives.truncated_product(shared_m, P, F)
        got = [np.asarray(primitives.relabel(x, 0).reveal(), dtype=np.int64) for x in (product, truncated)]
    assert (product.frac_bits, truncated.frac_bits) == (2 * F, F)
    np.testing.assert_array_equal(got[0].astype(object), M.astype(object) @ T.astype(object))
    np.testing.assert_array_equal(got[1], T)


def test_a_product_with_another_matrix_rounds_only_the_truncation():
    rng = np.random.default_rng(1)
    shift = 20
    P, M = rng.integers(-2**40, 2**40, size=(3, 2)), rng.integers(-2**10, 2**10, size=(2, 3))
    with mpc.Session(parties=3, seed=2) as s:
        product, truncated = primitives.truncated_product(
            shared_ring_integers(s, M, F), shared_ring_integers(s, P, F + shift), F)
        T = np.asarray(primitives.relabel(truncated, 0).reveal(), dtype=np.int64)
        got = np.asarray(primitives.relabel(product, 0).reveal(), dtype=np.int64)
    assert np.all((T == P >> shift) | (T == (P >> shift) + 1))  # floor or ceil of P / 2^shift
    assert np.any(T != P >> shift)
    np.testing.assert_array_equal(got.astype(object), M.astype(object) @ T.astype(object))


def test_a_product_with_another_matrix_costs_one_opening():
    a, m, w, n = 2, 3, 4, 3
    with mpc.Session(parties=n, seed=1) as s:
        M = shared_ring_integers(s, np.ones((a, m), dtype=np.int64), F)
        P = shared_ring_integers(s, np.arange(m * w).reshape(m, w) << 4, F + 4)
        before = s.comm.snapshot()
        primitives.truncated_product(M, P, F)
        cost = s.comm - before
    assert cost.rounds == 1
    assert list(cost.bytes_sent) == [8 * (a * m + m * w) * (n - 1)] * n
    assert cost.dealer_bytes[0] == 8 * (2 * m * w + a * w + a * m * w)


def one_fused_product(s, operation, M, P, shift):
    """``operation(M, P, F)`` on ring integers ``M`` (F bits) and ``P`` (F + shift bits): its rounds, the
    revealed truncation and product as integers, and their fractional bits."""
    shared_m, shared_p = shared_ring_integers(s, M, F), shared_ring_integers(s, P, F + shift)
    before = s.comm.snapshot()
    product, truncated = operation(shared_m, shared_p, F)
    rounds = (s.comm - before).rounds
    revealed = [np.asarray(primitives.relabel(x, 0).reveal(), dtype=np.int64) for x in (truncated, product)]
    return rounds, *revealed, (product.frac_bits, truncated.frac_bits)


@pytest.mark.parametrize(("parties", "threshold"), [(3, 1), (5, 2)])
def test_shamir_sessions_take_the_product_in_the_truncation_round(parties, threshold):
    """No dealer: the truncation's opening also reduces M [r''] (degree 2t); the product is exact given
    the truncation, which errs as Shamir's truncations do (within (-1 - s, C - s] units, C keys)."""
    rng = np.random.default_rng(parties)
    shift = 12
    P, M = rng.integers(-2**30, 2**30, size=(4, 3)), rng.integers(-2**10, 2**10, size=(2, 4))
    with mpc.Session(parties=parties, seed=3, scheme="shamir", threshold=threshold) as s:
        rounds, T, got, _ = one_fused_product(s, primitives.truncated_product, M, P, shift)
        keys = s._rt.provider.keys
    assert rounds == 1
    error = T - (P >> shift)
    spread = (keys - 1) // 2
    assert np.all((error >= -1 - spread) & (error <= keys - spread))
    np.testing.assert_array_equal(got.astype(object), M.astype(object) @ T.astype(object))


@pytest.mark.parametrize("scheme", ["additive", "shamir"])
def test_a_column_scaling_by_a_truncated_vector_in_one_round(scheme):
    """truncated_scaling: every column j of M times T_j, T the vector P / 2^shift as the scheme's
    truncation rounds it, exact given T, in one round (a diagonal matrix's zeros stay zeros)."""
    rng = np.random.default_rng(5)
    shift = 14
    P, M = rng.integers(-2**30, 2**30, size=5), rng.integers(-2**10, 2**10, size=(3, 5))
    with mpc.Session(parties=3, seed=8, scheme=scheme) as s:
        rounds, T, got, fracs = one_fused_product(s, primitives.truncated_scaling, M, P, shift)
        with pytest.raises(ValueError, match="truncated_scaling"):
            primitives.truncated_scaling(shared_ring_integers(s, M, F), shared_ring_integers(s, P[:4], F + 4), F)
    assert rounds == 1 and fracs == (2 * F, F)
    assert np.all(np.abs(T - (P >> shift)) <= 2)
    np.testing.assert_array_equal(got, M * T)


@pytest.mark.parametrize("parties", [2, 5])
def test_a_column_scaling_costs_one_opening_of_its_two_factors(parties):
    """The dealer's masks entry by entry: the opening holds M and v once each (not a diagonal matrix)."""
    a, w = 3, 40
    rng = np.random.default_rng(parties)
    P, M = rng.integers(-2**30, 2**30, size=w), rng.integers(-2**10, 2**10, size=(a, w))
    with mpc.Session(parties=parties, seed=4) as s:
        shared_m, shared_p = shared_ring_integers(s, M, F), shared_ring_integers(s, P, F + 9)
        before = s.comm.snapshot()
        product, truncated = primitives.truncated_scaling(shared_m, shared_p, F)
        cost = s.comm - before
        T = np.asarray(primitives.relabel(truncated, 0).reveal(), dtype=np.int64)
        got = np.asarray(primitives.relabel(product, 0).reveal(), dtype=np.int64)
    assert cost.rounds == 1
    assert list(cost.bytes_sent) == [8 * (a * w + w) * (parties - 1)] * parties
    assert cost.dealer_bytes[0] == 8 * (2 * w + 2 * a * w)
    assert np.all((T == P >> 9) | (T == (P >> 9) + 1))
    np.testing.assert_array_equal(got, M * T)


@pytest.mark.parametrize("parties", [2, 3, 5])
def test_entrywise_products_of_rows_of_a_truncated_stack_in_one_opening(parties):
    """truncated_pairs: T[a] * T[b] entry by entry for rows of the truncated stack T, exact given T
    (each entry floor or ceil of P / 2^s), in one round: 8 rows w (n - 1) bytes per party, and from
    the dealer 8 (2 rows w + 3 pairs w)."""
    rng = np.random.default_rng(parties)
    shift, pairs = 20, [(0, 1), (2, 2), (1, 0), (3, 2)]
    P = rng.integers(-2**40, 2**40, size=(4, 9))
    with mpc.Session(parties=parties, seed=5) as s:
        stack = shared_ring_integers(s, P, F + shift)
        before = s.comm.snapshot()
        products, truncated = primitives.truncated_pairs(stack, F, pairs)
        cost = s.comm - before
        T = np.asarray(primitives.relabel(truncated, 0).reveal(), dtype=np.int64)
        got = np.asarray(primitives.relabel(products, 0).reveal(), dtype=np.int64)
    assert (products.frac_bits, truncated.frac_bits, products.shape) == (2 * F, F, (4, 9))
    assert cost.rounds == 1 and list(cost.bytes_sent) == [8 * 4 * 9 * (parties - 1)] * parties
    assert cost.dealer_bytes[0] == 8 * (2 * 4 * 9 + 3 * len(pairs) * 9)
    assert np.all((T == P >> shift) | (T == (P >> shift) + 1)) and np.any(T != P >> shift)
    rows = T.astype(object)
    np.testing.assert_array_equal(got.astype(object), np.stack([rows[a] * rows[b] for a, b in pairs]))


def test_bad_products_raise_typed_errors():
    with mpc.Session(parties=3, seed=1) as s:
        M, P = (shared_ring_integers(s, np.zeros(shape, dtype=np.int64), F + 4) for shape in ((2, 3), (2, 4)))
        with pytest.raises(ValueError, match="matrices"):
            primitives.truncated_product(M, P, F)  # inner sizes 3 and 2
    for params in ((0, 2, 2, 8), (2, 2, 2, 63), (2, 2, 2)):
        with pytest.raises(ValueError, match="truncated_product"):
            stream_length("truncated_product", params)
    for params in ((0, 2, 8), (2, 2, 63), (2, 2)):
        with pytest.raises(ValueError, match="truncated_scaling"):
            stream_length("truncated_scaling", params)
    for params in ((2, 3, 8, 0), (2, 3, 8, 0, 2), (2, 3, 33, 0, 1), (0, 3, 8, 0, 0), (2, 3, 8)):
        with pytest.raises(ValueError, match="truncated_pairs"):
            stream_length("truncated_pairs", params)
    with mpc.Session(parties=3, seed=1) as s:
        P = shared_ring_integers(s, np.zeros((2, 4), dtype=np.int64), F + 4)
        with pytest.raises(ValueError, match="pairs of rows"):
            primitives.truncated_pairs(P, F, [(0, 2)])
    with mpc.Session(parties=3, seed=1, scheme="shamir") as s, pytest.raises(UnsupportedOperationError,
                                                                             match="truncated pairs"):
        primitives.truncated_pairs(primitives.relabel(s.share(np.zeros((2, 4)), owner=0), F + 4), F, [(0, 1)])
