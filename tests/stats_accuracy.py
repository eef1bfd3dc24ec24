"""The accuracy table of docs/statistics.md, measured: one row per (data, path), one figure per statistic.

Figures (3 hospitals, additive sharing, seed 5): mean, var and std are the largest
relative error over the columns (mean: relative to the column's standard deviation, as
diabetes' means are near 0), cov ``max |Δ| / sqrt(v_i v_j)``, corrcoef the largest absolute
error and, in parentheses, the largest relative error where ``|ρ| > 0.1``.
``tests/test_stats_accuracy.py`` checks the page against :func:`measure`.
"""

import numpy as np
from clinical import (
    HOSPITALS,
    breast_cancer,
    diabetes,
    encoded,
    even_blocks,
    share_columns,
    share_rows,
)

import mpcarray as mpc
from mpcarray import stats

COLUMNS = ("mean", "var", "std", "cov", "corrcoef abs", "corrcoef rel")
#: row label of docs/statistics.md -> (data, layout, reference, frac_bits)
ROWS = {
    "diabetes 442×10, owner-local, vs raw": ("diabetes", "rows", "raw", 16),
    "diabetes, secure, vs raw": ("diabetes", "secure", "raw", 16),
    "diabetes, vertical (columns at 3 hospitals), vs raw": ("diabetes", "columns", "raw", 16),
    "breast cancer 569×30, owner-local, vs raw": ("breast_cancer", "rows", "raw", 16),
    "breast cancer, secure, vs encoded": ("breast_cancer", "secure", "encoded", 16),
    "breast cancer, secure, vs raw": ("breast_cancer", "secure", "raw", 16),
    "breast cancer, secure, `f = 20`, vs raw": ("breast_cancer", "secure", "raw", 20),
}
DATA = {"diabetes": diabetes, "breast_cancer": lambda: breast_cancer()[0]}


def figures(X, data) -> dict[str, float]:
    """The table's figures for shared ``X`` against plaintext ``data``."""
    sd = data.std(axis=0)
    var = data.var(axis=0)
    reference = np.cov(data, rowvar=False)
    scale = np.sqrt(np.outer(np.diag(reference), np.diag(reference)))
    rho, rho_ref = stats.corrcoef(X), np.corrcoef(data, rowvar=False)
    strong = np.abs(rho_ref) > 0.1
    return {
        "mean": float(np.max(np.abs(stats.mean(X) - data.mean(axis=0)) / sd)),
        "var": float(np.max(np.abs(stats.var(X) / var - 1))),
        "std": float(np.max(np.abs(stats.std(X) / sd - 1))),
        "cov": float(np.max(np.abs(stats.cov(X) - reference) / scale)),
        "corrcoef abs": float(np.max(np.abs(rho - rho_ref))),
        "corrcoef rel": float(np.max(np.abs(rho[strong] / rho_ref[strong] - 1))),
    }


def measure(label: str) -> dict[str, float]:
    name, layout, against, frac_bits = ROWS[label]
    data = DATA[name]()
    with mpc.Session(parties=list(HOSPITALS), seed=5, frac_bits=frac_bits) as s:
        if layout == "columns":
            X = share_columns(s, data)
        else:
            X = share_rows(s, even_blocks(data))
            if layout == "secure":
                X = X.copy()  # forgets the hospitals' row blocks
            assert (mpc.row_parts(X) is None) == (layout == "secure")
        return figures(X, data if against == "raw" else encoded(data, frac_bits))
