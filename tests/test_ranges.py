"""No silently wrong numbers (issue 13, item 6): the simulated backend's range check, int64 inputs,
and the domains of log, sqrt, rsqrt and reciprocal."""

import inspect

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray.errors import FunctionDomainError, RangeError
from mpcarray.functions.roots import relative_sqrt

F = 16
SAFE = 2.0 ** (62 - 2 * F)  # the documented safe range of values and products, 2^30 at f = 16


@pytest.fixture(params=["additive", "shamir"])
def session(request):
    with mpc.Session(3, seed=0, scheme=request.param) as s:
        yield s


def test_range_error_is_an_overflow_error():
    assert issubclass(RangeError, OverflowError) and issubclass(RangeError, mpc.MpcError)
    assert mpc.RangeError is RangeError


def test_a_product_outside_the_fixed_point_range_is_refused(session):
    x = session.share(np.array([1e5, 3.0]), owner=0)
    with pytest.raises(RangeError, match=r"multiply: a result of magnitude 1e\+10 .* \|x\| < 2\^30"):
        x * x  # revealed 1.41e9 before: the product wrapped
    below = session.share(np.array([np.sqrt(SAFE) * 0.999]), owner=0)
    assert (below * below).reveal() == pytest.approx(SAFE * 0.998, rel=1e-4)


def test_a_hand_written_variance_of_incomes_is_refused_and_a_scaled_one_is_right():
    incomes = np.random.default_rng(3).lognormal(10.5, 0.6, 300)
    with mpc.Session(3, seed=0) as s:
        x = s.share(incomes, owner=0)
        with pytest.raises(RangeError, match="power"):
            ((x - x.mean()) ** 2).sum()
        scaled = x * 1e-3  # thousands: squares stay in range
        variance = ((scaled - scaled.mean()) ** 2).sum() * (1e6 / len(incomes))
        assert variance.reveal() == pytest.approx(incomes.var(), rel=1e-3)


def test_matrix_products_and_dot_are_checked(session):
    a = session.share(np.full((2, 3), 3e4), owner=0)
    with pytest.raises(RangeError, match="matmul"):
        a @ a.T  # 3 * 9e8 = 2.7e9
    with pytest.raises(RangeError, match="dot"):
        np.dot(a, a.T)
    with pytest.raises(RangeError, match="dot"):
        a.dot(a.T)
    small = session.share(np.full((2, 3), 1e4), owner=0)
    assert np.allclose((small @ small.T).reveal(), 3e8)


def test_sums_of_reals_must_not_wrap_and_integers_wrap_like_numpy():
    with mpc.Session(3, seed=0) as s:
        big = s.share(np.full(4, 2.0**29), owner=0)
        assert big.sum().reveal() == 2.0**31  # sums of reals may exceed 2^30 until 2^(63 - f)
        assert big.mean().reveal() == 2.0**29
        huge = s.share(np.full(2**17, 2.0**29 * 0.999), owner=0) * 4  # exact: a public integer factor
        with pytest.raises(RangeError, match=r"sum: .*wrap.*2\^47"):
            huge.sum()  # 2^17 * 2^31 = 2^48 units of 2^-16 would wrap
        with pytest.raises(RangeError, match="sum"):
            np.sum(huge)
        with pytest.raises(RangeError, match="multiply"):
            huge * 2.5  # truncated: the product (and the operand) must be below 2^30
        integers = s.share(np.array([2**62, 2**62]), owner=0)
        assert integers.sum().reveal() == np.array([2**62, 2**62]).sum()  # int64 semantics: wraps


def test_library_code_is_not_checked_inside_only_its_results():
    with mpc.Session(3, seed=0) as s:
        x = s.share(np.full(200_000, 1e4), owner=0)  # a sum of 2e9 > 2^30, then the mean's own scaling
        assert x.mean().reveal() == pytest.approx(1e4)
        y = s.share(np.array([1e4, 0.5]), owner=0)
        assert np.allclose(mpc.sqrt(y).reveal(), np.sqrt([1e4, 0.5]), rtol=1e-3)


def test_the_switch_turns_the_check_off_and_sockets_cannot_turn_it_on():
    with mpc.Session(3, seed=0, range_check=False) as s:
        x = s.share(np.array([1e5]), owner=0)
        wrapped = (x * x).reveal()
        assert abs(wrapped[0] - 1e10) > 1e9  # what the socket backend silently returns
    with pytest.raises(mpc.ConfigError, match="range_check=True needs the simulated backend"):
        mpc.Session(backend="socket", config="unused.toml", party="party0", range_check=True)


def test_integers_outside_int64_are_refused_when_shared(session):
    with pytest.raises(mpc.EncodingError, match="outside int64"):
        session.share(np.array([2**64 - 1], dtype=np.uint64), owner=0)
    top = session.share(np.array([2**63 - 1], dtype=np.uint64), owner=0)
    assert top.reveal()[0] == 2**63 - 1


@pytest.mark.parametrize("function, values, message", [
    (mpc.log, [0.0], "log: 1 element"), (mpc.log, [1.0, -2.0], "log: 1 element.*e.g. -2"),
    (np.log, [0.0, -1.0], "log: 2 element"),
    (mpc.sqrt, [-1.0], "sqrt.*x >= 0"), (mpc.rsqrt, [0.0], "rsqrt.*x > 0"),
    (mpc.reciprocal, [0.0], "reciprocal.*x != 0"), (lambda x: 1 / x, [2.0, 0.0], "divide"),
])
def test_functions_outside_their_domain_raise_in_the_simulated_backend(function, values, message):
    with mpc.Session(3, seed=0) as s, pytest.raises(FunctionDomainError, match=message):
        function(s.share(np.array(values), owner=0))


@pytest.mark.parametrize("function", [mpc.log, mpc.sqrt, mpc.rsqrt, mpc.reciprocal, mpc.divide, relative_sqrt])
def test_docstrings_state_what_happens_outside_the_domain(function):
    """Each function's own docstring says what a value outside its domain gives, on both backends."""
    text = " ".join(inspect.getdoc(function).replace("`", "").split())
    assert "Outside the domain" in text and "FunctionDomainError in the simulated backend" in text
    assert "over sockets a meaningless finite value" in text


def test_outside_their_domain_functions_return_finite_values_without_the_check():
    """What the socket backend does (documented): no error, no NaN or inf, a meaningless number."""
    with mpc.Session(3, seed=0, range_check=False) as s:
        for function, value in [(mpc.log, 0.0), (mpc.log, -2.0), (mpc.sqrt, -1.0), (mpc.reciprocal, 0.0)]:
            assert np.all(np.isfinite(function(s.share(np.array([value]), owner=0)).reveal()))
    with mpc.Session(3, seed=0) as s:  # sqrt(0) is in the domain and exact
        assert mpc.sqrt(s.share(np.array([0.0]), owner=0)).reveal()[0] == 0.0
