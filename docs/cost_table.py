"""Regenerate the network cost table of docs/benchmarks.md: rounds, bytes and estimated time per model fit.

Run ``python docs/cost_table.py`` (about a minute): it fits each model on the
simulated backend, counts the fit's rounds and bytes (input sharing excluded)
and replaces the table between the markers in docs/benchmarks.md with
:meth:`mpcarray.CommStats.estimate` at each round-trip time and 1 Gbit/s.
``tests/test_cost_table.py`` recomputes the table and compares it with the
committed page, so a change of round counts shows up until the page is regenerated.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes

import mpcarray as mpc

PAGE = Path(__file__).with_name("benchmarks.md")
BEGIN, END = "<!-- cost-table: begin -->", "<!-- cost-table: end -->"
#: Round-trip times (seconds) of the table's columns, and the bandwidth (bit/s).
RTTS = (0.010, 0.020, 0.050)
BANDWIDTH = 1e9
#: Breast-cancer "mean" features without perimeter and area (collinear with the radius).
NEWTON_FEATURES = [0, 1, 4, 5, 6, 7, 8, 9]


@dataclass(frozen=True)
class Fit:
    """One model fit: what to share and how to fit it."""

    name: str
    parties: int
    data: tuple  # (X, y)
    fit: object  # (Xs, ys) -> fitted model


def diabetes():
    return load_diabetes(return_X_y=True, scaled=False)


def cancer(columns=slice(None)):
    """Breast cancer, each column in power-of-two units with its maximum in (32, 64], y = 1 for benign."""
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, columns]
    return np.ldexp(X, (6 - np.ceil(np.log2(X.max(axis=0)))).astype(int)), y.astype(np.float64)


def ols(Xs, ys):
    return mpc.models.LinearRegression().fit(Xs, ys)


def means_and_ols(Xs, ys):
    np.mean(Xs, axis=0).reveal(label="means")
    return ols(Xs, ys)


FITS = (
    Fit("OLS, diabetes 442 x 10", 3, diabetes(), ols),
    Fit('OLS, diabetes 442 x 10, `method="exact"`', 3, diabetes(),
        lambda Xs, ys: mpc.models.LinearRegression(method="exact").fit(Xs, ys)),
    Fit("logistic regression, 10 GD epochs, breast cancer 569 x 30", 3, cancer(),
        lambda Xs, ys: mpc.models.LogisticRegression(None, max_iter=10, tol=None, method="gd").fit(Xs, ys)),
    Fit("logistic regression, 10 Newton steps, breast cancer 569 x 8", 3, cancer(NEWTON_FEATURES),
        lambda Xs, ys: mpc.models.LogisticRegression(None, max_iter=10, tol=None).fit(Xs, ys)),
    Fit("column means and OLS, diabetes at 50 hospitals", 50, diabetes(), means_and_ols),
)


@dataclass(frozen=True)
class Row:
    name: str
    parties: int
    rounds: int
    sent: int  # bytes the busiest party sent
    received: int  # bytes the busiest party received
    seconds: tuple[float, ...]  # estimate at each of RTTS


def measure_one(fit: Fit, seed: int = 0) -> Row:
    """Rows at ``fit.parties`` hospitals (contiguous blocks), then the fit's counters."""
    X, y = fit.data
    with mpc.Session(parties=fit.parties, backend="simulated", seed=seed) as s:
        blocks = np.array_split(np.arange(len(y)), fit.parties)
        Xs = np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)])
        ys = np.concatenate([s.share(y[b], owner=k) for k, b in enumerate(blocks)])
        before = s.comm.snapshot()
        fit.fit(Xs, ys)
        cost = s.comm - before
    return Row(fit.name, fit.parties, cost.rounds, int(cost.bytes_sent.max()), int(cost.bytes_received.max()),
               tuple(cost.estimate(rtt=rtt, bandwidth=BANDWIDTH) for rtt in RTTS))


def measure() -> list[Row]:
    return [measure_one(fit) for fit in FITS]


def render(rows: list[Row]) -> str:
    """The table, between its markers."""
    rtts = " | ".join(f"{rtt * 1000:g} ms RTT" for rtt in RTTS)
    lines = [BEGIN, f"| fit | parties | rounds | MB sent | MB received | {rtts} |",
             "|---" * (5 + len(RTTS)) + "|"]
    for row in rows:
        times = " | ".join(f"{t:.2f} s" for t in row.seconds)
        lines.append(f"| {row.name} | {row.parties} | {row.rounds} | {row.sent / 1e6:.2f} | "
                     f"{row.received / 1e6:.2f} | {times} |")
    return "\n".join(lines + [END])


def replace_table(page: str, table: str) -> str:
    head, rest = page.split(BEGIN)
    return head + table + rest.split(END, 1)[1]


def committed_table(page: str) -> str:
    return BEGIN + page.split(BEGIN)[1].split(END)[0] + END


def main():
    PAGE.write_text(replace_table(PAGE.read_text(), render(measure())))
    print(f"wrote {PAGE}")


if __name__ == "__main__":
    main()
