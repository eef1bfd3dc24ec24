"""``primitives.is_small_zero``: small shared integers tested for zero in one opening (a one-hot mask).

Reference: NumPy's ``x == 0``; costs against the documented counts.
"""

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray.array import primitives
from mpcarray.preprocessing import kinds, one_hot


@pytest.mark.parametrize("parties", [2, 3, 5])
@pytest.mark.parametrize("bits", [1, 4, 9])
def test_equals_numpy_in_one_round(parties, bits):
    values = np.random.default_rng(bits).integers(0, 2**bits, 200)
    values[::7] = 0
    with mpc.Session(parties=parties, seed=bits) as s:
        x = s.share(values, owner=parties - 1)
        before = s.comm.snapshot()
        zero = primitives.is_small_zero(x, bits)
        cost = s.comm - before
        assert np.array_equal(zero.reveal(), (values == 0).astype(np.int64))
    assert cost.rounds == 1
    assert cost.bytes_sent.tolist() == [8 * 200 * (parties - 1)] * parties
    assert cost.dealer_bytes.tolist() == [8 * 200 * 2**bits] + [0] * (parties - 1)


def test_shapes_and_values_outside_the_range():
    """Any shape; an integer outside ``[0, 2^bits)`` is tested modulo ``2^bits`` (documented)."""
    values = np.array([[0, 3, 4], [8, -8, 5]])
    with mpc.Session(parties=3) as s:
        zero = primitives.is_small_zero(s.share(values, owner=0), 2)
        assert zero.shape == (2, 3)
        assert zero.reveal().tolist() == [[1, 0, 1], [1, 1, 0]]


def test_shamir_and_wide_tests_compare_instead():
    values = np.array([0, 1, 70_000, 0])
    with mpc.Session(parties=3, scheme="shamir") as s:
        x = s.share(values, owner=0)
        assert primitives.is_small_zero(x, 17).reveal().tolist() == [1, 0, 0, 1]
    with mpc.Session(parties=3) as s:
        x = s.share(values, owner=0)
        before = s.comm.snapshot()
        assert primitives.is_small_zero(x, 17).reveal().tolist() == [1, 0, 0, 1]
        assert (s.comm - before).rounds == primitives.sign_rounds(x) + 1  # the comparison, then the reveal


def test_reals_are_refused():
    with mpc.Session(parties=2) as s, pytest.raises(ValueError, match="shared integers"):
        primitives.is_small_zero(s.share(np.array([0.5]), owner=0), 4)


@pytest.mark.parametrize("params", [(0, 4), (3, 0), (3, 17)])
def test_the_dealer_refuses_requests_no_party_sends(params):
    with pytest.raises(ValueError, match="one_hot needs"):
        kinds.stream_length("one_hot", params)
    assert one_hot.MAX_BITS == 16
