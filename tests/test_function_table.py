"""docs/functions.md is what docs/function_table.py measures: every figure is checked.

The table is regenerated on grids 1/10 the size of the committed ones (both range ends
included by construction) and compared with the committed page: the same functions,
ranges and headers; the same rounds and bytes (they do not depend on the grid); every
error figure reached within a factor 2 (the documented figure bounds what the smaller grid
measures) and not more than 10x below the measurement (the page is not stale).
"""

from pathlib import Path

import numpy as np
import pytest
from scripts import load_script

DOCS = Path(__file__).resolve().parents[1] / "docs"
#: The committed page states its figures to two digits; a smaller grid finds somewhat smaller maxima.
ABOVE, BELOW = 2.0, 10.0


TABLE = load_script("docs/function_table.py")


@pytest.fixture(scope="module")
def regenerated():
    return TABLE.parse(TABLE.render(TABLE.measure(TABLE.GRID // 10)))


@pytest.fixture(scope="module")
def committed():
    return TABLE.parse((DOCS / "functions.md").read_text())


def test_same_functions_ranges_and_costs(regenerated, committed):
    assert list(committed[0]) == TABLE.HEADER
    assert [row["function"] for row in committed] == [f.name for f in TABLE.FUNCTIONS]
    for mine, theirs in zip(regenerated, committed, strict=True):
        for column in ("function", "valid input range", "rounds", "bytes/element"):
            assert mine[column] == theirs[column], (mine["function"], column)


@pytest.mark.parametrize("column", ["max rel. error", "max abs. error", "max error (ulp)",
                                    "max error (ulp), abs(result) <= 1"])
def test_every_error_figure_holds(regenerated, committed, column):
    for mine, theirs in zip(regenerated, committed, strict=True):
        label = f"{theirs['function']}: {column}"
        if theirs[column] in ("exact", "-"):
            assert mine[column] == theirs[column], label
            continue
        measured, documented = float(mine[column]), float(theirs[column])
        if documented == 0:
            assert measured == 0, label
            continue
        assert measured <= ABOVE * documented, f"{label}: measured {measured:.2g} > 2 x {documented:.2g}"
        assert measured >= documented / BELOW, f"{label}: measured {measured:.2g}, page says {documented:.2g}"


def test_grids_include_both_range_ends():
    """Each grid reaches both ends of its documented range (the safe limit 2^30; exp's 20.79; the divisor's for divide)."""
    limit = 2.0**30
    for function in TABLE.FUNCTIONS:
        grid = np.abs(function.grid(10))
        if grid.ndim == 2:  # two operands (divide): the range is the divisor's, the last row
            grid = grid[-1]
        if function.name == "exp":
            assert function.grid(10).max() == TABLE.EXP_TOP == 20.79
            assert function.grid(10).min() <= -10.4  # where exp returns 0
            continue
        assert limit * (1 - 1e-6) < grid.max() < limit, function.name
        if "0 <= x" in function.range_text:
            assert grid.min() == 0, function.name
        elif "0 < " in function.range_text:
            assert grid.min() == 2.0**-TABLE.FRAC_BITS, function.name  # the smallest positive value
        else:
            assert function.grid(10).min() == -grid.max(), function.name
