"""Every figure of the accuracy table in docs/statistics.md, measured on the same data.

A figure may be exceeded by at most 2x (the page bounds what the code does) and may
not be more than 10x above the measurement (the page is not stale).
"""

import re
from pathlib import Path

import pytest
import stats_accuracy

PAGE = Path(__file__).resolve().parents[1] / "docs" / "statistics.md"
ABOVE, BELOW = 2.0, 10.0


def documented() -> dict[str, dict[str, float]]:
    """label -> column -> figure, from the table under "## Accuracy and ranges"."""
    section = PAGE.read_text().split("## Accuracy and ranges")[1].split("\n## ")[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not re.match(r"[0-9]", cells[1]):
            continue
        abs_, rel = re.fullmatch(r"(\S+) \((\S+)\)", cells[5]).groups()
        rows[cells[0]] = dict(zip(stats_accuracy.COLUMNS, map(float, [*cells[1:5], abs_, rel])))
    return rows


def test_the_page_lists_every_measured_row():
    assert list(documented()) == list(stats_accuracy.ROWS)


@pytest.mark.parametrize("label", list(stats_accuracy.ROWS))
def test_documented_figures_hold(label):
    page = documented()[label]
    measured = stats_accuracy.measure(label)
    for column, figure in page.items():
        got = measured[column]
        if figure == 0:
            assert got == 0, (label, column, got)
            continue
        assert got <= ABOVE * figure, f"{label}, {column}: measured {got:.2g}, page says {figure:.2g}"
        assert got >= figure / BELOW, f"{label}, {column}: measured {got:.2g}, page says {figure:.2g}"
