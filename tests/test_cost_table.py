"""docs/benchmarks.md's network cost table is what docs/cost_table.py computes today.

Regenerate with ``python docs/cost_table.py`` when round or byte counts change.
The estimates themselves are checked against their formula in tests/test_cost_model.py.
"""

from pathlib import Path

import pytest
from scripts import load_script

DOCS = Path(__file__).resolve().parents[1] / "docs"


TABLE = load_script("docs/cost_table.py")


@pytest.fixture(scope="module")
def rows():
    return TABLE.measure()


def test_committed_table_equals_the_measured_one(rows):
    committed = TABLE.committed_table((DOCS / "benchmarks.md").read_text())
    assert committed == TABLE.render(rows), "counts changed: run python docs/cost_table.py"


def test_estimates_follow_rounds_and_bytes(rows):
    """Each estimate is rounds x RTT plus the busiest direction at 1 Gbit/s, recomputed from the row."""
    for row in rows:
        transfer = max(row.sent, row.received) * 8 / TABLE.BANDWIDTH
        for rtt, seconds in zip(TABLE.RTTS, row.seconds, strict=True):
            assert seconds == pytest.approx(row.rounds * rtt + transfer, rel=1e-12), row.name


def test_transfer_at_one_gigabit_is_under_a_second_at_three_parties(rows):
    """What docs/benchmarks.md says below the table: at 3 parties the round trips dominate."""
    for row in rows:
        if row.parties == 3:
            assert max(row.sent, row.received) * 8 / TABLE.BANDWIDTH < 1.0, row.name
