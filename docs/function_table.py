"""Regenerate docs/functions.md: range, measured error and cost of every nonlinear function.

Run ``python docs/function_table.py`` (under a minute). Errors are measured
at 3 parties, f = 16, on grids that include both ends of each documented range,
against NumPy evaluated at the encoded inputs; costs are the exact per-element bytes
sent per party (3 parties, so 2 other parties) and rounds of one call.

``tests/test_function_table.py`` regenerates the table on small grids (``measure(size)``)
and compares it with the committed page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import mpcarray as mpc

#: Points per grid piece of the committed table.
GRID = 4000
FRAC_BITS = 16
ULP = 2.0**-FRAC_BITS
#: The part of a grid where the error is largest has this many times more points.
DENSE = 5
#: Elements of the array whose rounds and bytes are counted (the same for every grid).
COST_SIZE = 1000
#: Largest magnitude the format holds (exclusive): 2^30 at f = 16. Grids stop just below it.
TOP = float(np.log2(mpc.FixedPoint(FRAC_BITS).max_abs)) - 1e-9
#: Exp's documented upper end: just below (62 - 2f) ln 2, where it saturates (mpcarray/functions/exponential.py).
EXP_TOP = 20.79
#: Results at most this large are also judged in ulps on their own (the last table column).
SMALL = 1.0

HEADER = ["function", "valid input range", "max rel. error", "max abs. error",
          "max error (ulp)", "max error (ulp), abs(result) <= 1", "rounds", "bytes/element"]


def log_grid(lo, hi, size, signed):
    grid = np.exp2(np.linspace(lo, hi, size))
    return np.concatenate([grid, -grid]) if signed else grid


def whole_range(size):
    """Both ends of the safe range, and densely around the comparisons' threshold 0.5."""
    return np.concatenate([np.linspace(-(2.0**TOP), 2.0**TOP, size), np.linspace(-2, 2, size + 1)])


def saturating(size):
    """Dense near zero, then log-spaced out to both ends of the safe range."""
    return np.concatenate([np.linspace(-30, 30, DENSE * size), log_grid(4, TOP, size, True)])


def reciprocal_grid(size):
    """The whole range 2^-16 <= |x| < 2^30, and densely the part judged relatively (|1/x| >= 2^-6)."""
    return np.concatenate([log_grid(-FRAC_BITS, TOP, size, True),
                           log_grid(-FRAC_BITS, 6, DENSE * size, True)])


def division_grid(size):
    """``(x, y)``: divisors over the whole range ``2^-16 <= |y| < 2^30`` (both signs), each with
    three dividends: a quotient of magnitude ``2^-8`` to 2, a small ``|x|`` (``2^-16`` to ``2^-4``)
    and a large one, up to the dividends' bound ``2^29`` while the quotient stays below ``2^29``."""
    y = log_grid(-FRAC_BITS, TOP, DENSE * size, True)
    rng = np.random.default_rng(0)
    top = 2.0 ** (TOP - 1)
    x = np.concatenate([np.minimum(np.abs(y) * np.exp2(rng.uniform(-8, 1, y.size)), top),
                        np.exp2(rng.uniform(-FRAC_BITS, -4, y.size)),
                        np.minimum(np.exp2(rng.uniform(0, TOP - 1, y.size)), np.abs(y) * top)])
    return np.stack([x * rng.choice([-1.0, 1.0], x.size), np.tile(y, 3)])


def positive_grid(size):
    """0, then 2^-16 <= x < 2^30, densely again where results are judged relatively (x <= 2^12)."""
    return np.concatenate([[0.0], log_grid(-FRAC_BITS, TOP, size, False),
                           log_grid(-FRAC_BITS, 12, DENSE * size, False)])


@dataclass(frozen=True)
class Function:
    name: str
    secure: Callable  # of one SharedArray, or of two (a two-row grid)
    reference: Callable
    range_text: str
    grid: Callable  # size -> values, or the two operands' values as two rows
    floor: float | None  # relative error where |result| >= floor; None: judged absolutely


FUNCTIONS = [
    Function("x < y (and <=, >, >=)", lambda x: x < 0.5, lambda v: (v < 0.5).astype(float),
             "whole safe range", whole_range, None),
    Function("x == y, x != y", lambda x: x == 0.5, lambda v: (v == 0.5).astype(float),
             "whole safe range", whole_range, None),
    Function("abs, relu, maximum, minimum", np.abs, np.abs, "whole safe range", whole_range, None),
    Function("reciprocal 1/x", mpc.reciprocal, lambda v: 1 / v,
             "0 < abs(x) < 2^30 (relative error where abs(1/x) >= 2^-6)", reciprocal_grid, 2**-6),
    Function("divide x/y (shared x and y)", np.divide, np.divide,
             "0 < abs(y) < 2^30, abs(x) < 2^29, abs(x/y) < 2^30 (relative error where abs(x/y) >= 2^-6)",
             division_grid, 2**-6),
    Function("sqrt", np.sqrt, np.sqrt, "0 <= x < 2^30 (relative error where result >= 2^-6)",
             positive_grid, 2**-6),
    Function("rsqrt", mpc.rsqrt, lambda v: 1 / np.sqrt(v),
             "0 < x < 2^30 (relative error where result >= 2^-6)",
             lambda size: positive_grid(size)[1:], 2**-6),
    Function("log", np.log, np.log, "0 < x < 2^30 (relative error where abs(log x) >= 0.05)",
             lambda size: positive_grid(size)[1:], 0.05),
    Function("exp", np.exp, np.exp,
             "x <= 20.79 (saturates above; 0 below -10.4; relative error where e^x >= 0.1)",
             lambda size: np.linspace(-16, EXP_TOP, DENSE * size), 0.1),
    Function("sigmoid", mpc.sigmoid, lambda v: 1 / (1 + np.exp(-v)), "whole safe range",
             saturating, None),
    Function("tanh", np.tanh, np.tanh, "whole safe range", saturating, None),
]


@dataclass(frozen=True)
class Row:
    name: str
    range_text: str
    relative: float | None  # None: not judged relatively
    absolute: float
    ulps: float  # against the correctly rounded result, in units of 2^-16
    small_ulps: float  # the same where |result| <= SMALL
    rounds: int
    bytes_per_element: int


def measure_one(session, function: Function, size: int) -> Row:
    fp = session.fixed_point
    grid = function.grid(size)
    operands = [fp.decode(fp.encode(v)) for v in (grid if grid.ndim == 2 else [grid])]
    got = function.secure(*(session.share(v, owner=i) for i, v in enumerate(operands))).reveal()
    # the cost does not depend on the grid
    shared = [session.share(np.resize(v, COST_SIZE), owner=i) for i, v in enumerate(operands)]
    before = session.comm.snapshot()
    function.secure(*shared)
    cost = session.comm - before
    with np.errstate(over="ignore", divide="ignore"):
        expected = function.reference(*operands)
    errors = np.abs(got - expected)
    rounded = np.round(expected / ULP) * ULP  # the correctly rounded fixed-point result
    ulps = np.abs(got - rounded) / ULP
    small = np.abs(expected) <= SMALL
    relative = None
    if function.floor is not None:
        judged = np.abs(expected) >= function.floor
        relative = float((errors[judged] / np.abs(expected[judged])).max())
    return Row(function.name, function.range_text, relative, float(errors.max()),
               float(ulps.max()), float(ulps[small].max()), cost.rounds,
               round(cost.bytes_sent[0] / COST_SIZE))


def measure(size: int = GRID, seed: int = 0) -> list[Row]:
    with mpc.Session(parties=3, seed=seed, frac_bits=FRAC_BITS) as session:
        return [measure_one(session, function, size) for function in FUNCTIONS]


def _figure(value: float) -> str:
    return f"{value:.1e}"


def render(rows: list[Row]) -> str:
    lines = [
        "# Nonlinear functions: ranges, accuracy and cost",
        "",
        f"Generated by `python docs/function_table.py` at 3 parties with {FRAC_BITS} fractional bits",
        "(`tests/test_function_table.py` regenerates it on smaller grids and checks every figure).",
        "Errors are against NumPy at the encoded inputs, on grids including both ends of each",
        f"range (ranges end just below the safe limit 2^{round(TOP)}, exp at 20.79), dense where",
        f"errors are judged relatively. *ulp* is one unit of the format, 2^-{FRAC_BITS} ≈ {ULP:.2g};",
        "ulp errors are measured from the correctly rounded result (NumPy's value rounded to the",
        "grid), over the whole range and over the results of magnitude at most 1. *Bytes* are sent",
        "per party per element (to the 2 other parties); rounds do not depend on the array size.",
        "Outside the stated ranges results are not detected as invalid (that would reveal the",
        "input): see each docstring. Divide is measured on pairs: every divisor of its range with",
        "a dividend of comparable size, a small one and a large one.",
        "",
        "Over 2, 3 and 5 parties with additive sharing and denser grids (`tests/test_elementary.py`), results of",
        "magnitude at most 1 stay within 2 ulp of the correctly rounded result for reciprocal,",
        "divide, sqrt, rsqrt, log, exp, sigmoid and tanh; so do all results of sqrt and log, which",
        "are well conditioned over their whole ranges, and of divide wherever it is (`|y| >= 1`,",
        "`|x| <= y^2`), sqrt and divide after one Newton step on their exact residuals (3 of their",
        "18 and 21 rounds); the relative errors stay below 1e-3",
        "(2e-4 for exp) where they are judged. In Shamir sessions a truncation errs by up to 2 units",
        "at 3 parties and 6 at 5 (`t = 2`), so the bounds widen as each docstring states (divide: 3",
        "and 6 ulp). The sigmoid and tanh locate their",
        "input among public segment boundaries with one batched comparison and evaluate a polynomial",
        "of degree 7 there (`mpcarray/functions/piecewise.py`).",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for row in rows:
        if row.relative is None:
            relative = "exact" if row.absolute == 0 else "-"
        else:
            relative = _figure(row.relative)
        cells = [row.name, row.range_text, relative, _figure(row.absolute), _figure(row.ulps),
                 _figure(row.small_ulps), str(row.rounds), str(row.bytes_per_element)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parse(text: str) -> list[dict[str, str]]:
    """The table of a rendered page, one dict (header -> cell) per function."""
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    header = [cell.strip() for cell in rows[0].strip("|").split(" | ")]
    return [dict(zip(header, (cell.strip() for cell in row.strip("|").split(" | ")))) for row in rows[1:]]


def main():
    page = render(measure())
    Path(__file__).with_name("functions.md").write_text(page)
    print(page)


if __name__ == "__main__":
    main()
