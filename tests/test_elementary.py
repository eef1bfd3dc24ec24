"""Reciprocal, division, roots, exp, log, sigmoid, tanh against NumPy on dense grids.

Accuracy is measured against NumPy evaluated at the *encoded* inputs, so the
fixed-point encoding of the input is not counted as function error. Where a
result is too small for ``f = 16`` fractional bits to carry 1e-3 relative
accuracy (below ``2^-6``), the absolute error is bounded instead. Results of
magnitude at most 1 are also held to the documented ulp errors (docstrings and
docs/functions.md) from the correctly rounded result, at 2, 3 and 5 parties.
"""

from fractions import Fraction

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray.functions.division import relative_divide
from mpcarray.functions.roots import relative_sqrt

REL = 1e-3
TINY = 2.0**-6  # results below this are judged by absolute error
ULP = 2.0**-16
#: Documented error in ulp of the correctly rounded result where |result| <= 1 (docs/functions.md).
ULPS = {"reciprocal": 2, "divide": 2, "sqrt": 2, "rsqrt": 2, "log": 2, "exp": 2, "sigmoid": 2, "tanh": 2}
#: Documented error in ulp over the whole range, where the function is well conditioned throughout.
WHOLE_RANGE_ULPS = {"sqrt": 2, "log": 2}
#: Documented absolute errors on the whole safe range (docstrings of mpcarray/functions/logistic.py).
ABSOLUTE = {"sigmoid": 3e-5, "tanh": 3e-5}


def encoded(session, values):
    fp = session.fixed_point
    return fp.decode(fp.encode(values))


def log_grid(lo_exp, hi_exp, size=400, negative=True):
    grid = np.exp2(np.linspace(lo_exp, hi_exp, size))
    return np.concatenate([grid, -grid]) if negative else grid


def assert_ulps(name, got, expected):
    """Within ULPS[name] ulp of the correctly rounded result wherever ``|expected| <= 1``."""
    small = np.abs(expected) <= 1
    worst = (np.abs(got[small] - np.round(expected[small] / ULP) * ULP) / ULP).max(initial=0)
    assert worst <= ULPS[name], f"{name}: {worst:.0f} ulp, documented {ULPS[name]}"


def ulps_from_rounded(got, expected, ulp):
    """Distance in ulps from the correctly rounded result (``expected`` rounded to the grid)."""
    return np.abs(got - np.round(expected / ulp) * ulp) / ulp


def assert_close(got, expected, rel=REL, abs_tol=None, tiny=TINY):
    abs_tol = 8 * 2.0**-16 if abs_tol is None else abs_tol
    small = np.abs(expected) < tiny
    rel_error = np.abs(got[~small] - expected[~small]) / np.abs(expected[~small])
    assert rel_error.max(initial=0) <= rel, f"max relative error {rel_error.max():.3g}"
    assert np.abs(got[small] - expected[small]).max(initial=0) <= abs_tol


@pytest.fixture(params=[2, 3, 5], ids=lambda n: f"{n}p")
def s(request):
    with mpc.Session(parties=request.param, seed=request.param) as session:
        yield session


def test_reciprocal(s):
    values = encoded(s, log_grid(-8, 24))
    got = mpc.reciprocal(s.share(values, owner=0)).reveal()
    assert_close(got, 1 / values)
    assert_ulps("reciprocal", got, 1 / values)
    assert_close(np.reciprocal(s.share(values, owner=1)).reveal(), 1 / values)


@pytest.mark.parametrize("f", [12, 20, 24])
def test_reciprocal_at_other_formats(f):
    """Over the whole range 1/x fits: within 2 ulp (2^-f) where |1/x| <= 1, relative error below
    2^(7 - f) where |1/x| >= 2^-6 (measured 0.76 to 0.86 times 2^(6 - f) at f = 12, 20, 24)."""
    with mpc.Session(parties=3, seed=f, frac_bits=f) as session:
        bits = session.fixed_point.range_bits
        values = encoded(session, log_grid(max(-f, 1 - bits), bits - 1e-9, 2000))
        got = mpc.reciprocal(session.share(values, owner=0)).reveal()
    expected, ulp = 1 / values, 2.0**-f
    small, large = np.abs(expected) <= 1, np.abs(expected) >= 2**-6
    assert (np.abs(got - np.round(expected / ulp) * ulp)[small] / ulp).max() <= 2
    assert (np.abs(got - expected)[large] / np.abs(expected[large])).max() < 2.0 ** (7 - f)


def division_grid(session, size=1000):
    """Encoded ``(x, y)``: divisors ``2^-f <= |y| < 2^b`` of both signs, log-spaced (``b`` the
    quotient bits, 30 at ``f <= 16``, the safe range's beyond), each with three dividends: a
    quotient of magnitude about ``2^-8`` to 2 (judged in ulps), a small ``|x|`` (``2^-f`` to
    ``2^-4``) and a large one (up to ``2^(R - 1)``, the dividends' bound, or as far as the
    quotient stays below ``2^(b - 1)``)."""
    fp, f = session.fixed_point, session.fixed_point.frac_bits
    bits = min(fp.range_bits, 30)
    rng = np.random.default_rng(f)
    y = log_grid(-f, bits - 1e-9, size)
    top = 2.0 ** (fp.range_bits - 1) * (1 - 2.0**-20)
    near_one = np.minimum(np.abs(y) * np.exp2(rng.uniform(-8, 1, y.size)), top)
    small = np.exp2(rng.uniform(-f, -4, y.size))
    large = np.minimum(np.exp2(rng.uniform(0, fp.range_bits - 1, y.size)), np.abs(y) * 2.0 ** (bits - 1))
    signs = rng.choice([-1.0, 1.0], (3, y.size))
    x = np.concatenate([near_one, small, large]) * signs.ravel()
    return encoded(session, x), encoded(session, np.tile(y, 3))


def divide_errors(session, x, y, tiny=TINY):
    """``(ulps, rel)``: of the shared quotient from the correctly rounded one (an exact rational
    rounded to ``2^-f``) where ``|x / y| <= 1``, and relative where ``|x / y| >= tiny``."""
    scale = 2**session.fixed_point.frac_bits
    got = np.rint((session.share(x, owner=0) / session.share(y, owner=1)).reveal() * scale)
    numerators, divisors = (np.rint(v * scale).astype(np.int64).tolist() for v in (x, y))
    rounded = np.array([float(round(Fraction(a * scale, b))) for a, b in zip(numerators, divisors)])
    expected = x / y
    ulps = np.abs(got - rounded)[np.abs(expected) <= 1]
    large = np.abs(expected) >= tiny
    return ulps.max(), (np.abs(got[large] / scale - expected[large]) / np.abs(expected[large])).max()


def test_divide_by_shared(s):
    """Every divisor ``2^-16 <= |y| < 2^30`` with small and large dividends: the docstring's and
    docs/functions.md's 2 ulp and 1e-3 (measured 1 ulp and 7.5e-4 to 9.0e-4 at 2, 3, 5 parties)."""
    ulps, rel = divide_errors(s, *division_grid(s))
    assert ulps <= ULPS["divide"], f"{ulps:.0f} ulp"
    assert rel < REL, f"relative error {rel:.3g}"
    divisors = encoded(s, log_grid(-8, 24, 10))
    assert np.allclose((3.0 / s.share(divisors, owner=1)).reveal(), 3.0 / divisors, rtol=REL, atol=1e-4)
    rows = encoded(s, np.arange(-30, 30).reshape(3, 20) / 7)  # broadcast against the divisors
    got = (s.share(rows, owner=0) / s.share(divisors[:20], owner=1)).reveal()
    assert np.allclose(got, rows / divisors[:20], rtol=REL, atol=2 * ULP)


@pytest.mark.parametrize("parties, threshold, units, most_ulps", [(3, 1, 2, 3), (5, 2, 6, 6)])
def test_divide_in_shamir_sessions(parties, threshold, units, most_ulps):
    """The docstring's Shamir figures: 3 ulp at 3 parties, 6 at 5 (``t = 2``), where one truncation
    errs by up to 2 and 6 units (measured 2 to 3 and 5 to 6 ulp); relative error below 1e-3 above ``2^-6``
    times those units, as in ``tests/test_shamir_comparisons.py``."""
    with mpc.Session(parties=parties, scheme="shamir", threshold=threshold, seed=parties) as session:
        ulps, rel = divide_errors(session, *division_grid(session, 300), tiny=TINY * units)
    assert ulps <= most_ulps, f"{ulps:.0f} ulp"
    assert rel < REL, f"relative error {rel:.3g}"


@pytest.mark.parametrize("f, most_rel", [(12, 2.0**-6), (16, REL), (20, 2.0**-14)])
def test_divide_at_other_formats(f, most_rel):
    """The docstring's figures at f = 12, 16, 20: within 2 ulp (2^-f); relative error below
    2^(6 - f), 1e-3 at f = 16 (measured 0.0124, 9.0e-4, 4.8e-5)."""
    with mpc.Session(parties=3, seed=f, frac_bits=f) as session:
        ulps, rel = divide_errors(session, *division_grid(session))
    assert ulps <= 2, f"{ulps:.0f} ulp"
    assert rel < most_rel, f"relative error {rel:.3g}"


@pytest.mark.parametrize("name, function, reference", [
    ("sqrt", np.sqrt, np.sqrt),
    ("rsqrt", mpc.rsqrt, lambda v: 1 / np.sqrt(v)),
    ("log", np.log, np.log),
])
def test_roots_and_log(s, name, function, reference):
    values = encoded(s, log_grid(-16, np.log2(s.fixed_point.max_abs) - 1e-9, negative=False))
    got = function(s.share(values, owner=0)).reveal()
    expected = reference(values)
    assert_ulps(name, got, expected)
    if name in WHOLE_RANGE_ULPS:
        assert ulps_from_rounded(got, expected, ULP).max() <= WHOLE_RANGE_ULPS[name]
    if name == "log":  # log(1 + d) ~ d: judge the neighbourhood of 1 absolutely
        near_one = np.abs(expected) < 0.05
        assert np.abs(got[near_one] - expected[near_one]).max(initial=0) < 1e-4
        got, expected = got[~near_one], expected[~near_one]
    assert_close(got, expected)


def well_conditioned_pairs(session, size=1000):
    """Encoded ``(x, y)`` with ``1 <= |y| < 2^R`` and ``|x| <= min(y^2, 2^(R - 1))``, both ends included:
    where one ulp in ``x`` or ``y`` moves ``x / y`` by at most one ulp."""
    rng = np.random.default_rng(size)
    top = np.log2(session.fixed_point.max_abs) - 1e-9
    y = np.exp2(np.concatenate([np.linspace(0, top, size), rng.uniform(0, top, size)]))
    y = y * rng.choice([-1, 1], y.size)
    limit = np.minimum(y * y, 2.0 ** (top - 1))
    x = np.concatenate([limit[:size] * rng.choice([-1, 1], size), limit[size:] * rng.uniform(-1, 1, size)])
    return encoded(session, x), encoded(session, y)


@pytest.mark.parametrize("parties, scheme, threshold, frac_bits, most_ulps", [
    (2, "additive", None, 16, 2), (3, "additive", None, 16, 2), (5, "additive", None, 16, 2),
    (3, "additive", None, 20, 2), (3, "shamir", 1, 16, 3), (5, "shamir", 2, 16, 6)])
def test_divide_within_ulps_where_well_conditioned(parties, scheme, threshold, frac_bits, most_ulps):
    """divide's docstring: within 2 ulp wherever |y| >= 1 and |x| <= y^2 at f = 16 and 20, with a
    shared or a public x (measured 1 ulp), 3 and 6 ulp in Shamir sessions at 3 and 5 parties
    (measured 2 and 6)."""
    options = {"threshold": threshold} if threshold else {}
    with mpc.Session(parties=parties, scheme=scheme, seed=parties, frac_bits=frac_bits, **options) as session:
        x, y = well_conditioned_pairs(session)
        divisor = session.share(y, owner=1)
        got = (session.share(x, owner=0) / divisor).reveal()
        public_dividend = (x / divisor).reveal()
    assert ulps_from_rounded(got, x / y, 2.0**-frac_bits).max() <= most_ulps
    assert ulps_from_rounded(public_dividend, x / y, 2.0**-frac_bits).max() <= most_ulps


@pytest.mark.parametrize("f, rounds", [(12, 21), (16, 18), (20, 19)])
def test_sqrt_within_2_ulp_at_other_formats(f, rounds):
    """sqrt's docstring: within 2 ulp over the whole range at f = 12, 16 and 20 (measured 1), with
    two Newton steps at f = 12 (21 rounds), one at 16 and 20."""
    with mpc.Session(parties=3, seed=f, frac_bits=f) as session:
        values = encoded(session, log_grid(-f, np.log2(session.fixed_point.max_abs) - 1e-9, 2000, negative=False))
        shared = session.share(values, owner=0)
        before = session.comm.rounds
        root = np.sqrt(shared)
        assert session.comm.rounds - before == rounds
        got = root.reveal()
    assert ulps_from_rounded(got, np.sqrt(values), 2.0**-f).max() <= 2


@pytest.mark.parametrize("parties, threshold, most_ulps", [(3, 1, 3), (5, 2, 6)])
def test_sqrt_in_shamir_sessions(parties, threshold, most_ulps):
    """sqrt's docstring: in Shamir sessions, where a truncation errs by a few units, within 3 ulp
    at 3 parties and 6 at 5 (t = 2) over the whole range (measured 3 and 5)."""
    with mpc.Session(parties=parties, scheme="shamir", threshold=threshold, seed=parties) as session:
        values = encoded(session, log_grid(-16, np.log2(session.fixed_point.max_abs) - 1e-9, 2000, negative=False))
        got = np.sqrt(session.share(values, owner=0)).reveal()
    assert ulps_from_rounded(got, np.sqrt(values), ULP).max() <= most_ulps


def test_relative_sqrt_for_revealed_ratios(s):
    """relative_sqrt's docstring: as sqrt up to 1 (2 ulp); above, relative error below 2e-5
    (measured 1.0e-5), 5 rounds fewer than sqrt (16 against 21 on 1,000 elements)."""
    values = encoded(s, log_grid(-16, np.log2(s.fixed_point.max_abs) - 1e-9, negative=False))
    x = s.share(values, owner=0)
    before = s.comm.rounds
    got = relative_sqrt(x).reveal()
    expected = np.sqrt(values)
    assert_ulps("sqrt", got, expected)
    large = expected > 1
    assert (np.abs(got[large] / expected[large] - 1)).max() < 2e-5
    assert s.comm.rounds - before == 16 + 1  # its rounds and the reveal's


def test_sqrt_of_zero_is_zero(s):
    assert np.sqrt(s.share(np.zeros(3), owner=0)).reveal().tolist() == [0, 0, 0]


def test_exp(s):
    values = encoded(s, np.linspace(-16, 20.79, 2000))  # to the documented end of the range
    got = np.exp(s.share(values, owner=0)).reveal()
    expected = np.exp(values)
    assert_ulps("exp", got, expected)
    low = -15 * np.log(2)  # -(f - 1) ln 2: e^x < 2 ulp below it
    assert not got[values < low - 2.0**-14].any()  # the docstring: exactly 0 below
    assert got[values < low].max() <= 2 * ULP  # within the rounding of t = x log2(e) of that end
    large = expected >= 0.1
    rel_error = np.abs(got[large] / expected[large] - 1)
    assert rel_error.max() <= 2e-4  # the docstring's bound (measured 1.5e-4)
    assert np.abs(got[~large] - expected[~large]).max() <= 1e-4


def test_exp_saturates_instead_of_wrapping(s):
    got = np.exp(s.share(np.array([20.7945, 25.0, 1000.0, 1e8, 1.07e9, -1.07e9]), owner=0)).reveal()
    limit = s.fixed_point.max_abs
    assert np.all(got[:-1] == limit - ULP) and got[-1] == 0  # the docstring's saturation values


@pytest.mark.parametrize("name, function, reference", [
    ("sigmoid", mpc.sigmoid, lambda v: 1 / (1 + np.exp(-v))),
    ("tanh", np.tanh, np.tanh),
])
def test_sigmoid_tanh_on_whole_safe_range(s, name, function, reference):
    limit = s.fixed_point.max_abs
    values = encoded(s, np.concatenate([
        np.linspace(-20, 20, 2001), log_grid(4, np.log2(limit) - 1e-9, 200)]))
    got = function(s.share(values, owner=0)).reveal()
    with np.errstate(over="ignore"):
        expected = reference(values)
    assert np.abs(got - expected).max() <= ABSOLUTE[name]
    assert_ulps(name, got, expected)
    core = np.abs(values) <= 12  # docs/models.md: the sigmoid's mean error is below 1e-6 there
    assert name != "sigmoid" or abs(np.mean(got[core] - expected[core])) < 1e-6


def test_functions_accept_integer_arrays(s):
    x = s.share(np.array([1, 4, 9]), owner=0)
    assert np.allclose(np.sqrt(x).reveal(), [1, 2, 3], atol=1e-4)
    assert np.allclose((x / x).reveal(), 1, atol=1e-4)


def test_relative_divide_for_revealed_ratios(s):
    """relative_divide's docstring: within 2 ulp where the quotient is at most 1, relative error below
    1e-3 where it is at least 2^-6, in 19 rounds (divide without its Newton step)."""
    x, y = division_grid(s)
    shared_x, shared_y = s.share(x, owner=0), s.share(y, owner=1)
    before = s.comm.rounds
    quotient = relative_divide(shared_x, shared_y)
    assert s.comm.rounds - before == 19
    got, expected = quotient.reveal(), x / y
    small = np.abs(expected) <= 1
    assert ulps_from_rounded(got[small], expected[small], ULP).max() <= 2
    large = np.abs(expected) >= 2.0**-6
    assert (np.abs(got[large] / expected[large] - 1)).max() < REL


@pytest.mark.parametrize("scheme", ["additive", "shamir"])
def test_rsqrt_of_an_exact_square_and_before_its_last_truncation(scheme):
    """``rsqrt`` of an exact product with 2f fractional bits (no truncation first) and with
    ``rounded=False`` (the exact last product): the documented accuracy against NumPy, each with
    one round fewer than truncating, and the same value once truncated."""
    from mpcarray.array import primitives
    roots = np.geomspace(0.05, 2.0**14, 200)
    with mpc.Session(parties=3, scheme=scheme, seed=4) as s:
        shared = s.share(roots, owner=0)
        (square,), _ = primitives.multiply_and_truncate([(shared, shared, 0)], [])
        encoded = np.abs(shared.reveal())
        before = s.comm.rounds
        coarse = mpc.rsqrt(square, bits=7)
        direct = s.comm.rounds - before
        full = mpc.rsqrt(square)
        before = s.comm.rounds
        mpc.rsqrt(primitives.at_session_bits(square), bits=7)
        truncated_first = s.comm.rounds - before
        raw = mpc.rsqrt(square, bits=7, rounded=False)
        assert raw.frac_bits > 16
        again = primitives.at_session_bits(raw).reveal()
        coarse, full = coarse.reveal(), full.reveal()
    assert truncated_first == direct + 1
    exact = 1 / encoded
    large = exact >= 2.0**-6
    assert np.max(np.abs(coarse[large] / exact[large] - 1)) < 2.0**-7
    assert np.max(np.abs(again[large] / exact[large] - 1)) < 2.0**-7
    # the documented accuracy: relative 1e-3 where the result is at least 2^-6, or within 2 ulp
    assert np.all(np.abs(full - exact) <= np.maximum(1e-3 * exact, 2 * 2.0**-16))


@pytest.mark.parametrize("scheme", ["additive", "shamir"])
def test_a_coarse_rsqrt_is_within_its_bits(scheme):
    """``rsqrt(x, bits=7)`` against NumPy over the safe range: relative error below 2^-7 where
    the result is at least 2^-6 (the models' standardisation weights); below, 2^-7 of the result plus 2 ulp."""
    x = np.geomspace(2.0**-12, 2.0**29, 600)
    with mpc.Session(parties=3, scheme=scheme, seed=8) as s:
        result = mpc.rsqrt(s.share(x, owner=1), bits=7).reveal()
        with pytest.raises(ValueError, match="bits must be between 1 and the format's 16"):
            mpc.rsqrt(s.share(x[:2], owner=0), bits=17)
    exact = 1 / np.sqrt(np.rint(x * 2**16) / 2**16)  # of the encoded input
    large = exact >= 2.0**-6
    assert np.max(np.abs(result[large] / exact[large] - 1)) < 2.0**-7
    assert np.all(np.abs(result[~large] - exact[~large]) <= 2.0**-7 * exact[~large] + 2 * 2.0**-16)
