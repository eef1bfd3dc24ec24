"""The bottom layers: ring and fixed-point encoding, additive sharing, dealer material."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import mpcarray as mpc
from mpcarray import kernels
from mpcarray.domains import RING, FixedPoint, from_ring_signed, to_ring
from mpcarray.preprocessing import SimulatedDealer
from mpcarray.schemes import Additive
from mpcarray.transport import SimulatedTransport


@given(arrays(np.int64, st.integers(0, 20)))
def test_ring_roundtrip_is_exact(values):
    assert np.array_equal(from_ring_signed(to_ring(values)), values)


@pytest.mark.parametrize("f", [8, 16, 20])
@given(data=st.data())
@settings(max_examples=50)
def test_fixed_point_roundtrip_within_half_ulp(f, data):
    fp = FixedPoint(f)
    values = data.draw(arrays(np.float64, st.integers(0, 30), elements=st.floats(
        -fp.max_abs * 0.999, fp.max_abs * 0.999)))
    decoded = fp.decode(fp.encode(values))
    assert np.all(np.abs(decoded - values) <= fp.resolution / 2)


def test_decode_of_negative_values_is_exact():
    """Decoding goes through exact integers: -1 ulp decodes to exactly -2^-f (no off-by-one)."""
    fp = FixedPoint(16)
    ring = to_ring(np.array([-1, -(2**16), -(2**40) - 1, 2**40 + 1]))
    expected = np.array([-1, -(2**16), -(2**40) - 1, 2**40 + 1]) / 2.0**16
    assert np.array_equal(fp.decode(ring), expected)


def reconstruct(shares):
    return Additive(shares.shape[0]).reconstruct(shares, RING)


@given(secret=arrays(np.uint64, st.integers(1, 20)), n=st.integers(2, 6), seed=st.integers(0, 99))
def test_split_then_reconstruct(secret, n, seed):
    randomness = np.random.default_rng(seed).integers(0, 2**64, (n - 1,) + secret.shape,
                                                       dtype=np.uint64)
    shares = Additive(randomness.shape[0] + 1).split(secret, randomness, RING)
    assert shares.shape == (n,) + secret.shape
    assert np.array_equal(reconstruct(shares), secret)


def test_shares_look_uniform():
    """Each non-owner's share of an all-zero input has every bit set about half the time."""
    with mpc.Session(parties=3, seed=5) as s:
        x = s.share(np.zeros(20_000), owner=0)
    for party in (1, 2):
        share = x._shares[party]
        bits = (share[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
        frequency = bits.mean(axis=0)
        assert np.all(np.abs(frequency - 0.5) < 0.02)  # ~6 standard deviations


def _dealer(n, seed=9):
    return SimulatedDealer(SimulatedTransport(n), seed)


def _expand(material, layout_size, size, what):
    """Materialise each party's values of part ``what`` of a seeded material."""
    flat = kernels.fill_streams(material.streams, material.offset, layout_size * size)
    return flat[:, what * size:(what + 1) * size]


@pytest.mark.parametrize("n", [2, 3, 5])
def test_beaver_triples_are_correct(n):
    size = 1000
    material = _dealer(n).beaver_triples(size)
    a, b, c = (_expand(material, 3, size, w) for w in range(3))
    c = c.copy()
    c[0] = material.correction
    assert np.array_equal(reconstruct(c), reconstruct(a) * reconstruct(b))


@pytest.mark.parametrize("n", [2, 3, 5])
def test_square_pairs_are_correct(n):
    size = 1000
    material = _dealer(n).square_pairs(size)
    a, s = (_expand(material, 2, size, w) for w in range(2))
    s = s.copy()
    s[0] = material.correction
    assert np.array_equal(reconstruct(s), reconstruct(a) ** 2)


@pytest.mark.parametrize("n, shift", [(2, 16), (3, 1), (5, 40)])
def test_truncation_material_is_correct(n, shift):
    size = 1000
    material = _dealer(n).truncation(size, shift)
    r, hi, msb = (_expand(material, 3, size, w).copy() for w in range(3))
    hi[0], msb[0] = material.correction
    r_sum = reconstruct(r)
    assert np.array_equal(reconstruct(hi), r_sum >> np.uint64(shift))
    assert np.array_equal(reconstruct(msb), r_sum >> np.uint64(63))


@pytest.mark.parametrize("n", [2, 3, 5])
def test_corrections_written_by_mask_kernels_equal_the_dealers(n):
    """The Beaver and truncation mask kernels write party 0's correction while drawing the
    streams; it must equal the dealer's own kernel's, and be booked as dealer bytes once."""
    size, shift = 1000, 16
    transport = SimulatedTransport(n)
    dealer = SimulatedDealer(transport, 9)
    x = np.random.default_rng(n).integers(0, 2**64, (n, size), dtype=np.uint64)
    t = dealer.beaver_triples(size)
    kernels.beaver_mask(x, x, t.streams, t.offset, t.correction_buffer(size))
    assert t.correction_buffer(size).size == 0  # written once; later callers skip it
    assert np.array_equal(t.correction, kernels.triple_correction(t.streams, t.offset, size))
    r = dealer.truncation(size, shift)
    kernels.trunc_mask(x, r.streams, r.offset, 0, shift, r.correction_buffer(2, size))
    assert np.array_equal(r.correction, kernels.trunc_correction(r.streams, r.offset, size, shift))
    assert transport.comm.dealer_bytes.tolist() == [8 * size + 16 * size] + [0] * (n - 1)


@pytest.mark.parametrize("n, size", [(2, 1000), (3, 2500), (5, 3)])
def test_fused_product_mask_equals_combine_then_mask(n, size):
    """The fixed-point product's fused kernel sends what the Beaver combine followed by the
    truncation mask sends, and writes the dealer's truncation correction."""
    shift = 16
    dealer = _dealer(n)
    rng = np.random.default_rng(n)
    opened = rng.integers(0, 2**64, 2 * size, dtype=np.uint64)
    t = dealer.beaver_triples(size)
    r = dealer.truncation(size, shift)
    fix = r.correction_buffer(2, size)
    fused = kernels.product_trunc_mask(opened, t.streams, t.offset, t.correction, 0, r.streams, r.offset, shift, fix)
    z = kernels.beaver_combine(opened, t.streams, t.offset, t.correction, 0)
    empty = np.empty((0, 0), dtype=np.uint64)
    assert np.array_equal(fused, kernels.trunc_mask(z, r.streams, r.offset, 0, shift, empty))
    assert np.array_equal(fix, kernels.trunc_correction(r.streams, r.offset, size, shift))


@pytest.mark.parametrize("n", [2, 3, 5])
def test_matrix_triple_is_correct(n):
    a, b, c = _dealer(n).matrix_triple(4, 7, 3)
    a_sum, b_sum = reconstruct(a), reconstruct(b)
    expected = (a_sum.astype(object) @ b_sum.astype(object)) % 2**64
    assert np.array_equal(reconstruct(c).astype(object), expected)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_zero_shares_sum_to_zero_and_look_random(n):
    size = 1000
    material = _dealer(n).zero_shares(size)
    shares = _expand(material, 1, size, 0).copy()
    shares[0] = material.correction
    assert not reconstruct(shares).any()
    assert len(np.unique(shares[0])) == size  # not a constant


@pytest.mark.parametrize("n", [2, 3, 5])
def test_matrix_triple_batch_is_correct(n):
    a, b, c = _dealer(n).matrix_triple(2, 3, 4, batch=(5,))
    assert a.shape == (n, 5, 2, 3) and c.shape == (n, 5, 2, 4)
    expected = np.einsum("bij,bjk->bik", reconstruct(a).astype(object), reconstruct(b).astype(object)) % 2**64
    assert np.array_equal(reconstruct(c).astype(object), expected)


def test_dealer_never_reuses_randomness():
    dealer = _dealer(3)
    first, second = dealer.beaver_triples(10), dealer.beaver_triples(10)
    assert second.offset >= first.offset + 30


def test_ring_matmul_matches_exact_integer_product():
    rng = np.random.default_rng(1)
    # few rows (inner dimension split), wide rows, narrow outputs (dot products), long inner dimension
    for shape_a, shape_b in [((3, 5), (5, 2)), ((40, 300), (300, 7)), ((600, 31), (31, 1)), ((40, 300), (300, 3)),
                             ((2, 5000), (5000, 3))]:
        a = rng.integers(0, 2**64, shape_a, dtype=np.uint64)
        b = rng.integers(0, 2**64, shape_b, dtype=np.uint64)
        expected = (a.astype(object) @ b.astype(object)) % 2**64
        assert np.array_equal(kernels.ring_matmul(a, b).astype(object), expected)
        assert np.array_equal(kernels.ring_matmul(a.T.copy().T, b).astype(object), expected)


def test_seeded_sessions_are_reproducible_and_unseeded_differ():
    def shares(seed):
        with mpc.Session(parties=3, seed=seed) as s:
            return s.share(np.arange(5.0), owner=0)._shares.copy()
    assert np.array_equal(shares(1), shares(1))
    assert not np.array_equal(shares(None), shares(None))
