"""Real clinical datasets split across hospitals, for the model tests.

* diabetes (scikit-learn, 442 patients): the raw, unscaled measurements, so
  fixed-point encoding keeps 6+ significant digits of every value;
* breast cancer (569 patients): each feature is multiplied by a public power of
  two so that its maximum lies in (32, 64] (a choice of units: the smallest
  features, ~0.007 wide, would otherwise be encoded with 3 digits).
"""

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes

HOSPITALS = ("hosp_a", "hosp_b", "hosp_c")
#: The sharing schemes the module-scoped sessions run on (Shamir: 3 parties, threshold 1).
SCHEMES = ("additive", "shamir")
#: Breast-cancer "mean" features without perimeter and area (collinear with the radius).
CANCER_FEATURES = [0, 1, 4, 5, 6, 7, 8, 9]


def diabetes():
    """``(X, y)`` of the diabetes data in its original units."""
    return load_diabetes(return_X_y=True, scaled=False)


def breast_cancer(columns=CANCER_FEATURES):
    """``(X, y, names)``: selected breast-cancer features in power-of-two units, y = 1 for benign."""
    data = load_breast_cancer()
    X = data.data[:, columns]
    X = X * 2.0 ** (6 - np.ceil(np.log2(X.max(axis=0))))
    return X, data.target.astype(np.float64), list(data.feature_names[columns])


def row_blocks(n, parties=HOSPITALS):
    """Row indices of each hospital: contiguous blocks of nearly equal size."""
    return np.array_split(np.arange(n), len(parties))


def share_rows(session, X, y, parties=HOSPITALS):
    """Horizontal partitioning: each hospital shares its own patients' rows of ``X`` and ``y``."""
    blocks = row_blocks(len(y), parties)
    Xs = np.concatenate([session.share(X[rows], owner=p) for p, rows in zip(parties, blocks)])
    ys = np.concatenate([session.share(y[rows], owner=p) for p, rows in zip(parties, blocks)])
    return Xs, ys


def share_columns(session, X, parties=HOSPITALS):
    """Vertical partitioning: each hospital shares a contiguous group of columns of every patient."""
    groups = np.array_split(np.arange(X.shape[1]), len(parties))
    return np.hstack([session.share(X[:, cols], owner=p) for p, cols in zip(parties, groups)])
