"""Real clinical datasets split across three hospitals, for the statistics and model tests.

Rows (patients) are split by hospital (horizontal partitioning) or columns
(features) are split (vertical); ``share_rows``/``share_columns`` build the
SharedArray each hospital's ``s.share(..., owner=k)`` contributes to.
"""

import numpy as np
import pandas as pd
from lifelines.datasets import load_lung, load_rossi
from sklearn.datasets import load_breast_cancer, load_diabetes

HOSPITALS = ("hosp_a", "hosp_b", "hosp_c")
#: The sharing schemes the module-scoped sessions run on (Shamir: 3 parties, threshold 1).
SCHEMES = ("additive", "shamir")


def diabetes() -> np.ndarray:
    """scikit-learn's diabetes features in their original units (442 x 10)."""
    return load_diabetes(scaled=False).data


def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's breast-cancer features (569 x 30) and 0/1 diagnosis."""
    data = load_breast_cancer()
    return data.data, data.target.astype(np.int64)


def lung() -> pd.DataFrame:
    """lifelines' lung data with a ``hospital`` column: institution ``inst`` modulo 3 (missing -> 0)."""
    frame = load_lung()
    frame["hospital"] = frame["inst"].fillna(0).astype(int) % len(HOSPITALS)
    return frame


def rossi() -> pd.DataFrame:
    """lifelines' rossi recidivism data with a ``hospital`` column (three contiguous blocks)."""
    frame = load_rossi()
    frame["hospital"] = np.arange(len(frame)) * len(HOSPITALS) // len(frame)
    return frame


def row_blocks(values, hospital) -> list[np.ndarray]:
    """``values`` split by the hospital index of each row."""
    values, hospital = np.asarray(values), np.asarray(hospital)
    return [values[hospital == k] for k in range(len(HOSPITALS))]


def even_blocks(values) -> list[np.ndarray]:
    """``values`` split into contiguous row blocks, one per hospital."""
    return np.array_split(np.asarray(values), len(HOSPITALS))


def share_rows(session, blocks):
    """Horizontal partitioning: hospital k shares block k; the rows are concatenated."""
    return np.concatenate([session.share(block, owner=k) for k, block in enumerate(blocks)])


def share_columns(session, values):
    """Vertical partitioning: the columns are split among the hospitals and stacked side by side."""
    blocks = np.array_split(np.asarray(values), len(HOSPITALS), axis=1)
    return np.hstack([session.share(block, owner=k) for k, block in enumerate(blocks)])


def encoded(values, frac_bits: int = 16) -> np.ndarray:
    """Reals as the parties hold them after fixed-point encoding (rounded to 2^-f)."""
    return np.rint(np.asarray(values) * 2.0**frac_bits) / 2.0**frac_bits
