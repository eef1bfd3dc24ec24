"""Comparisons, selections and bit-table functions in Shamir sessions, with no dealer.

Comparisons must be exact and agree with NumPy as in additive sessions; the
elementary functions are held to the tolerances of ``tests/test_elementary.py``
with one documented change: 1e-3 relative accuracy is required only of results
above ``2^-6`` times the truncation bound (``2^-5`` at 3 parties, ``6 * 2^-6`` at
5 parties with ``t = 2``), because one truncation in GF(2^127 - 1) may err by
that many units (2 and 6; in the ring, below 1), see
:func:`mpcarray.protocols.degree_reduction.truncate_many`. Smaller results are
still judged absolutely, to 8 units as in the additive tests. Measured before
this allowance: relative errors up to 1.1e-3 (3 parties) and 1.8e-3 (5 parties)
for results just above ``2^-6``, i.e. 1.7 and 3.2 units.
Rounds and bytes are checked against
:func:`mpcarray.protocols.field_comparison.sign_bits`.
"""

from math import comb

import clinical
import numpy as np
import pytest
import statsmodels.api as sm
from model_data import diabetes as diabetes_xy
from model_data import share_columns
from test_comparisons import COMPARISONS

import mpcarray as mpc
from mpcarray import protocols, stats
from mpcarray.models import LinearRegression

SIZES = [(3, 1), (5, 2)]
REL = 1e-3
TINY = 2.0**-6


@pytest.fixture(scope="module", params=SIZES, ids=[f"n{n}-t{t}" for n, t in SIZES])
def session(request):
    n, t = request.param
    with mpc.Session(parties=n, scheme="shamir", threshold=t, seed=5) as s:
        yield s


def encoded(session, values):
    fp = session.fixed_point
    return fp.decode(fp.encode(np.asarray(values, dtype=np.float64)))


def edge_values(session):
    """Zero, one unit either side, the ends of the safe range and ordinary values."""
    limit, unit = session.fixed_point.max_abs, session.fixed_point.resolution
    top = limit - unit  # the largest value on the grid below the safe range's end
    return encoded(session, [0.0, unit, -unit, 1.0, -1.0, limit - 1, -(limit - 1), top, -top,
                             12345.678, -12345.678, 2 * unit, 0.5])


@pytest.mark.parametrize("name", COMPARISONS)
def test_real_comparisons_at_range_edges(session, name):
    compare = COMPARISONS[name]
    values = edge_values(session)
    a, b = np.meshgrid(values, values)
    x, y = session.share(a, owner=0), session.share(b, owner=session.n_parties - 1)
    got = compare(x, y)
    assert got.dtype == np.int64
    assert np.array_equal(got.reveal(), compare(a, b).astype(np.int64))
    assert np.array_equal(compare(x, b[0]).reveal(), compare(a, b[0]).astype(np.int64))
    assert np.array_equal(compare(a[:, 0:1], y).reveal(), compare(a[:, 0:1], b).astype(np.int64))


def test_integer_comparisons(session):
    a = np.array([2**62 - 1, -(2**62), 0, -1, 1, 2**40 + 1, -(2**40), 7, -7, 2**62 - 2], dtype=np.int64)
    b = np.array([2**62 - 2, -(2**62) + 1, 0, 0, 0, 2**40, -(2**40), 7, 7, -(2**62)], dtype=np.int64)
    x, y = session.share(a, owner=0), session.share(b, owner=1)
    for compare in COMPARISONS.values():
        assert np.array_equal(compare(x, y).reveal(), compare(a, b).astype(np.int64))
        assert np.array_equal(compare(x, 0).reveal(), compare(a, 0).astype(np.int64))


def test_scalars_and_empty_arrays(session):
    x = session.share(np.array(2.5), owner=0)
    assert (x < 3).reveal() == 1 and (x == 2.5).reveal() == 1 and (x > 2.5).reveal() == 0
    empty = session.share(np.zeros((0, 3)), owner=0)
    assert (empty < 1).reveal().shape == (0, 3) and (empty == 1).reveal().shape == (0, 3)


def test_random_ties_match_numpy(session, rng):
    a = rng.integers(-(2**20), 2**20, 500) / 64
    b = np.where(rng.random(500) < 0.3, a, rng.integers(-(2**20), 2**20, 500) / 64)
    x, y = session.share(a, owner=0), session.share(b, owner=1)
    for compare in COMPARISONS.values():
        assert np.array_equal(compare(x, y).reveal(), compare(a, b).astype(np.int64))


def test_sign_bits_rounds_bytes_and_no_dealer(session):
    """8 rounds at any size and party count; per element and other party 16 bytes
    per opened element and per product: 64 openings of squares for the random
    bits, 1 masked opening, then 118 products for ``a < 0``, 63 for ``a == 0``."""
    n, size = session.n_parties, 130
    rt = session._rt
    shares = protocols.share_input(rt, 0, rt.number.encode_int(np.arange(-65, 65)))
    for kwargs, products in [({"negative": True}, 118), ({"negative": False, "zero": True}, 63),
                             ({"negative": True, "zero": True}, 181)]:
        before = session.comm.snapshot()
        protocols.sign_bits(rt, shares, **kwargs)
        cost = session.comm - before
        assert cost.rounds == 8
        assert cost.bytes_sent.tolist() == [16 * size * (64 + 1 + products) * (n - 1)] * n
        assert not cost.dealer_bytes.any()


def test_bit_lookup_rounds_bytes_and_no_dealer(session):
    """Bit tables: as ``a < 0`` with 310 products for every borrow; leading-one
    tables add 6 rounds and 192 products of the prefix OR. The table ``2^i`` gives
    back the value (bit 63 weighs ``-2^63``: two's complement, as in the ring)."""
    n, rt = session.n_parties, session._rt
    powers, positions = [2**i for i in range(64)], list(range(64))
    signed, positive = np.arange(-25, 25), np.arange(1, 51)
    set_bits = [sum(i for i in range(64) if (int(v) % 2**64) >> i & 1) for v in signed]
    top = np.floor(np.log2(positive)).astype(np.int64)
    for lookup, values, rounds, products, expected in [
        (protocols.bit_tables, signed, 8, 310, (signed, set_bits)),
        (protocols.leading_one_tables, positive, 14, 502, (2**top, top)),
    ]:
        shares = protocols.share_input(rt, 0, rt.number.encode_int(values))
        before = session.comm.snapshot()
        rows = lookup(rt, shares, [powers, positions])
        cost = session.comm - before
        assert cost.rounds == rounds
        assert cost.bytes_sent.tolist() == [16 * values.size * (64 + 1 + products) * (n - 1)] * n
        assert not cost.dealer_bytes.any()
        for row, want in zip(protocols.open_shares(rt, *rows), expected):
            assert rt.number.decode_int(row).tolist() == list(want)


def test_less_than_rounds_do_not_depend_on_size(session):
    for size in (1, 1000):
        x = session.share(np.linspace(-3, 3, size), owner=0)
        y = session.share(np.zeros(size), owner=1)
        before = session.comm.snapshot()
        _ = x < y
        cost = session.comm - before
        assert cost.rounds == 8 and not cost.dealer_bytes.any()


def test_sign_abs_relu(session):
    values = edge_values(session)
    x = session.share(values, owner=0)
    assert np.array_equal(mpc.sign(x).reveal(), np.sign(values).astype(np.int64))
    assert np.array_equal(np.abs(x).reveal(), np.abs(values))
    assert np.array_equal(mpc.relu(x).reveal(), np.maximum(values, 0))


def test_maximum_minimum_clip(session, rng):
    a = encoded(session, np.round(rng.uniform(-100, 100, (5, 4)), 3))
    b = encoded(session, np.round(rng.uniform(-100, 100, (4,)), 3))
    x, y = session.share(a, owner=0), session.share(b, owner=1)
    assert np.array_equal(np.maximum(x, y).reveal(), np.maximum(a, b))
    assert np.array_equal(np.minimum(x, y).reveal(), np.minimum(a, b))
    assert np.array_equal(np.clip(x, -20.0, 30.0).reveal(), np.clip(a, -20.0, 30.0))
    assert np.array_equal(np.clip(x, y, 50.0).reveal(), np.clip(a, b, 50.0))


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_max_argmax(session, axis):
    a = np.random.default_rng(3).integers(-5, 5, (5, 7)).astype(float) / 4  # ties: first wins
    x = session.share(a, owner=0)
    assert np.array_equal(np.max(x, axis=axis).reveal(), np.max(a, axis=axis))
    assert np.array_equal(np.argmax(x, axis=axis).reveal(), np.argmax(a, axis=axis))


def error_units(session) -> int:
    """Largest truncation error in units: the result lies in (-1 - s, C - s], s = (C - 1) // 2."""
    keys = comb(session.n_parties, session.threshold)
    shift = (keys - 1) // 2
    return max(1 + shift, keys - shift)


def assert_close(session, got, expected, rel=REL, abs_tol=8 * 2.0**-16):
    """As in ``tests/test_elementary.py``: relative error, absolute below ``TINY`` times the truncation bound."""
    small = np.abs(expected) < TINY * error_units(session)
    rel_error = np.abs(got[~small] - expected[~small]) / np.abs(expected[~small])
    assert rel_error.max(initial=0) <= rel, f"max relative error {rel_error.max():.3g}"
    assert np.abs(got[small] - expected[small]).max(initial=0) <= abs_tol


def log_grid(lo_exp, hi_exp, size=200, negative=True):
    grid = np.exp2(np.linspace(lo_exp, hi_exp, size))
    return np.concatenate([grid, -grid]) if negative else grid


def test_reciprocal(session):
    values = encoded(session, log_grid(-8, 24))
    assert_close(session, mpc.reciprocal(session.share(values, owner=0)).reveal(), 1 / values)


@pytest.mark.parametrize("function, reference", [
    (np.sqrt, np.sqrt), (mpc.rsqrt, lambda v: 1 / np.sqrt(v)), (np.log, np.log)])
def test_roots_and_log(session, function, reference):
    values = encoded(session, log_grid(-8, 24, negative=False))
    got, expected = function(session.share(values, owner=0)).reveal(), reference(values)
    if function is np.log:  # log(1 + d) ~ d: judged absolutely near 1
        near_one = np.abs(expected) < 0.05
        assert np.abs(got[near_one] - expected[near_one]).max(initial=0) < 1e-4
        got, expected = got[~near_one], expected[~near_one]
    assert_close(session, got, expected)


def test_exp(session):
    values = encoded(session, np.linspace(-16, 10, 500))
    got, expected = np.exp(session.share(values, owner=0)).reveal(), np.exp(values)
    large = expected >= 0.1
    assert np.abs(got[large] / expected[large] - 1).max() <= REL
    assert np.abs(got[~large] - expected[~large]).max() <= 1e-4


@pytest.mark.parametrize("function, reference", [
    (mpc.sigmoid, lambda v: 1 / (1 + np.exp(-v))), (np.tanh, np.tanh)])
def test_sigmoid_tanh(session, function, reference):
    # every 0.1 over [-20, 20]: 20 points on each of the polynomials' segments (about 2 wide, 15 for
    # the sigmoid and 17 for tanh, mpcarray/functions/logistic.py) and both saturated ends
    values = encoded(session, np.linspace(-20, 20, 401))
    assert np.abs(function(session.share(values, owner=0)).reveal() - reference(values)).max() <= 1e-3


def test_no_dealer_bytes_in_the_session(session):
    assert not session.comm.dealer_bytes.any()


def test_statistics_and_ols_on_diabetes_match_with_additive_tolerances():
    """var, std, corrcoef (``tests/test_stats_descriptive.py``) and OLS with standard
    errors (``tests/test_models.py``) in a 3-party Shamir session, same tolerances.
    Measured: var 5e-12, corrcoef 2e-7, coefficients 6e-5, standard errors 5e-5."""
    def relative(got, want):
        return float(np.max(np.abs(np.asarray(got) / want - 1)))

    with mpc.Session(parties=list(clinical.HOSPITALS), scheme="shamir", seed=5) as s:
        data = clinical.diabetes()
        X = clinical.share_rows(s, clinical.even_blocks(data)).copy()
        reference = clinical.encoded(data)
        assert relative(stats.var(X), reference.var(axis=0)) < 1e-4
        assert relative(stats.std(X, ddof=1), reference.std(axis=0, ddof=1)) < 1e-4
        assert np.max(np.abs(stats.corrcoef(X) - np.corrcoef(reference, rowvar=False))) < 1e-4
        features, target = diabetes_xy()
        fit = LinearRegression(standard_errors=True).fit(share_columns(s, features), s.share(target, owner=clinical.HOSPITALS[0]))
        ols = sm.OLS(target, sm.add_constant(features)).fit()
        assert relative(fit.coef_, ols.params[1:]) < 1e-4 and relative(fit.intercept_, ols.params[0]) < 1e-4
        assert relative(fit.bse_, ols.bse[1:]) < 1e-3 and abs(fit.rsquared_ - ols.rsquared) < 1e-3
        assert not s.comm.dealer_bytes.any()
