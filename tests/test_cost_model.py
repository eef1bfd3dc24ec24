"""``CommStats.estimate``: rounds x RTT + the busiest party's larger direction / bandwidth.

Expected values come from the protocols' documented costs (an opening of N
words: one round, ``8 N (n - 1)`` bytes each way per party; an input of N
words plus its header: two rounds, the owner sends ``8 (N + header) (n - 1)``),
not from the counters under test.
"""

import math

import numpy as np
import pytest

GBIT = 1e9


def test_opening_costs_one_round_trip_plus_its_bytes(session):
    n = session.n_parties
    x = session.share(np.arange(100.0), owner=0)
    before = session.comm.snapshot()
    x.reveal()
    cost = session.comm - before
    expected = 0.020 + 8 * 100 * (n - 1) * 8 / GBIT
    assert cost.estimate(rtt=0.020, bandwidth=GBIT) == pytest.approx(expected, rel=1e-12)
    assert cost.estimate(rtt=0.0, bandwidth=GBIT) == pytest.approx(expected - 0.020, rel=1e-12)


def test_input_is_limited_by_the_owner_on_the_slowest_link(session):
    """The owner sends to n - 1 parties; a slow link elsewhere counts only for what that party moves."""
    n = session.n_parties
    before = session.comm.snapshot()
    session.share(np.ones((4, 5)), owner=n - 1)
    cost = session.comm - before
    sent = 8 * (5 + 20) * (n - 1)  # header (status, dtype, ndim, 2 dims) and 20 shares to each other party
    assert cost.estimate(rtt=0.01, bandwidth=GBIT) == pytest.approx(0.01 + sent * 8 / GBIT, rel=1e-12)
    slow_owner = [GBIT] * (n - 1) + [1e6]
    assert cost.estimate(rtt=0.01, bandwidth=slow_owner) == pytest.approx(0.01 + sent * 8 / 1e6, rel=1e-12)
    slow_receiver = [1e6] + [GBIT] * (n - 1)
    received = 8 * 25
    assert cost.estimate(rtt=0.01, bandwidth=slow_receiver) == pytest.approx(
        0.01 + max(received * 8 / 1e6, sent * 8 / GBIT), rel=1e-12)
    # a round waits for the party with the longest round trip
    assert cost.estimate(rtt=[0.01] * (n - 1) + [0.05], bandwidth=GBIT) == pytest.approx(
        0.05 + sent * 8 / GBIT, rel=1e-12)


def test_dealer_corrections_count_only_when_asked(session):
    """A fixed-point product: the dealer's corrections go to party 0 (preprocessing, left out by default)."""
    x = session.share(np.linspace(-2, 2, 50), owner=0)
    before = session.comm.snapshot()
    _ = x * x
    cost = session.comm - before
    online = cost.estimate(rtt=0.0, bandwidth=GBIT)
    with_dealer = cost.estimate(rtt=0.0, bandwidth=GBIT, dealer=True)
    party0_received = cost.bytes_received[0] + cost.dealer_bytes[0]
    assert cost.dealer_bytes[0] > 0
    assert with_dealer == pytest.approx(max(party0_received, cost.bytes_sent.max()) * 8 / GBIT, rel=1e-12)
    assert with_dealer > online


def test_estimates_of_consecutive_blocks_add_up_in_rounds_not_in_peak_bytes(session):
    x = session.share(np.arange(30.0), owner=0)
    start = session.comm.snapshot()
    x.reveal()
    middle = session.comm.snapshot()
    (x * 2).reveal()
    first, second, both = middle - start, session.comm - middle, session.comm - start
    assert both.estimate(1.0, GBIT) <= first.estimate(1.0, GBIT) + second.estimate(1.0, GBIT)
    latency_only = [c.estimate(1.0, 1e300) for c in (first, second, both)]
    assert latency_only[2] == pytest.approx(latency_only[0] + latency_only[1])
    assert session.comm.snapshot().estimate(0.02, GBIT) >= both.estimate(0.02, GBIT)


def test_nothing_counted_costs_nothing(session):
    assert (session.comm - session.comm.snapshot()).estimate(rtt=0.05, bandwidth=1e6) == 0.0


@pytest.mark.parametrize("rtt, bandwidth, message", [
    (-0.01, GBIT, "rtt must be finite and non-negative"),
    (float("nan"), GBIT, "rtt must be finite"),
    (0.02, 0.0, "bandwidth must be finite and positive"),
    (0.02, -1e9, "bandwidth must be finite and positive"),
    (0.02, float("nan"), "bandwidth must be finite"),
    (0.02, math.inf, "bandwidth must be finite"),
    (0.02, [GBIT, GBIT, GBIT, GBIT, GBIT, GBIT], "one number or one per party"),
])
def test_bad_figures_are_refused(session, rtt, bandwidth, message):
    with pytest.raises(ValueError, match=message):
        session.comm.estimate(rtt=rtt, bandwidth=bandwidth)
