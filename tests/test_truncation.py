"""Fixed-point truncation: exact to one unit, unbiased, never catastrophic."""

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray import protocols


def encoded(session, values):
    """Values after fixed-point encoding, so encoding error is separated from protocol error."""
    fp = session.fixed_point
    return fp.decode(fp.encode(values))


@pytest.mark.slow
@pytest.mark.parametrize("n_parties", [2, 3, 5])
def test_million_products_have_no_error_above_one_ulp(n_parties):
    """10^6 products of magnitude up to 2^20 (f = 16): every error < 1 ulp + encoding error."""
    rng = np.random.default_rng(n_parties)
    n = 10**6
    with mpc.Session(parties=n_parties, seed=n_parties) as s:
        # Three regimes: both factors up to 2^10; a large factor up to 2^20 times one in [-1, 1];
        # and exact products (multiples of 2^-16 whose product needs no rounding).
        a = np.concatenate([rng.uniform(-2**10, 2**10, n // 2), rng.uniform(-2**20, 2**20, n // 4),
                            rng.integers(-2**10, 2**10, n // 4).astype(float)])
        b = np.concatenate([rng.uniform(-2**10, 2**10, n // 2), rng.uniform(-1, 1, n // 4),
                            rng.integers(-2**10, 2**10, n // 4).astype(float)])
        x, y = s.share(a, owner=0), s.share(b, owner=n_parties - 1)
        got = (x * y).reveal()
    exact = encoded(s, a) * encoded(s, b)
    error = np.abs(got - exact) / s.fixed_point.resolution
    assert np.abs(exact).max() >= 2**19
    assert error.max() < 1.0
    assert np.all(got[-n // 4:] == exact[-n // 4:]), "exact products must come out exactly"


def test_truncation_is_unbiased(session):
    """Stochastic rounding: the mean error over many elements is ~0, not -1/2 ulp."""
    rng = np.random.default_rng(7)
    values = rng.uniform(-50, 50, 200_000)
    x = session.share(values, owner=0)
    got = (x * 0.37).reveal()
    error_ulps = (got - encoded(session, values) * 0.37) / session.fixed_point.resolution
    assert abs(error_ulps.mean()) < 0.02
    assert np.abs(error_ulps).max() < 2.0  # two truncations, each < 1 ulp


@pytest.mark.parametrize("shift", [1, 16, 40, 62])
def test_truncate_ring_values_at_range_edges(session, shift):
    """Protocol-level: z = ±(2^62 - 1) and small values truncate to floor(z/2^s) or +1."""
    z = np.array([2**62 - 1, -(2**62), -(2**62) + 1, 0, 1, -1, 2**shift, -(2**shift) - 1],
                 dtype=np.int64)
    rt = session._rt
    shares = protocols.share_input(rt, 0, z.view(np.uint64))
    (opened,) = protocols.open_shares(rt, protocols.truncate(rt, shares, shift))
    got = opened.view(np.int64)
    floor = z >> shift
    assert np.all((got == floor) | (got == floor + 1))
    exact = (z % (1 << shift)) == 0
    assert np.all(got[exact] == floor[exact])


def test_truncation_shift_is_validated(session):
    rt = session._rt
    with pytest.raises(ValueError, match="shift"):
        protocols.truncate(rt, np.zeros((session.n_parties, 3), np.uint64), 0)


@pytest.mark.parametrize(("parties", "scheme"), [(2, "additive"), (3, "additive"), (5, "additive"), (3, "shamir")])
def test_a_truncated_reveal_takes_one_round_and_rounds_as_a_truncation(parties, scheme):
    """reveal_truncated against NumPy: x / 2^shift within a truncation's error (one unit additive;
    Shamir's (-2, 2] at 3 parties), a shift per element (0 reveals exactly), unbiased, one round."""
    rng = np.random.default_rng(parties)
    values = np.concatenate([rng.uniform(-3e4, 3e4, 2000), [0.0, -1.0, 2.0**-16]])
    shifts = np.resize([0, 1, 7, 16, 30], values.size)
    with mpc.Session(parties=parties, scheme=scheme, seed=4) as s:
        x = s.share(values, owner=parties - 1)
        before = s.comm.snapshot()
        revealed = mpc.array.primitives.reveal_truncated(x, shifts, "truncated")
        cost = s.comm - before
        assert s.disclosures[-1]["label"] == "truncated"
    assert cost.rounds == 1
    units = np.rint(values * 2**16) / 2.0**shifts  # the encoded value in units of the result
    error = revealed * 2.0 ** (16 - shifts) - units
    bound = 1 if scheme == "additive" else 2
    assert np.all(np.abs(error) <= bound) and np.all(error[shifts == 0] == 0)
    # stochastic rounding: unbiased (Shamir: within half a unit on average), over the 400 elements at 2^-7
    assert abs(error[shifts == 7].mean()) < (0.1 if scheme == "additive" else 0.6)


def test_reveal_truncated_refuses_impossible_shifts(session):
    x = session.share(np.ones(3), owner=0)
    with pytest.raises(ValueError, match=r"shifts must be in \[0, 62\]"):
        mpc.array.primitives.reveal_truncated(x, [1, 63, 2], "x")


@pytest.mark.parametrize("scheme", ["additive", "shamir"])
def test_reveal_dot_takes_one_round_and_matches_numpy(scheme):
    """``reveal_dot(x, c)``: ``x @ c`` for public reals against NumPy on the encoded ``x`` (within
    the 2-unit bound of a public-real product), one round; an integer ``c`` is exact."""
    rng = np.random.default_rng(5)
    values, weights = rng.uniform(-100, 100, 12), rng.normal(0, 30, 12)
    with mpc.Session(parties=3, scheme=scheme, seed=6) as s:
        x = s.share(values, owner=2)
        before = s.comm.snapshot()
        revealed = mpc.array.primitives.reveal_dot(x, weights, "dot")
        assert (s.comm - before).rounds == 1 and s.disclosures[-1]["label"] == "dot"
        exact = mpc.array.primitives.reveal_dot(x, np.arange(12.0), "integers")
        with pytest.raises(ValueError, match="a vector and public reals of its length"):
            mpc.array.primitives.reveal_dot(x, weights[:3], "dot")
    encoded = np.rint(values * 2**16) / 2**16
    assert abs(revealed - encoded @ weights) <= 4 * 2.0**-16 + np.abs(encoded @ weights) * 2.0**-30
    assert exact == encoded @ np.arange(12.0)
