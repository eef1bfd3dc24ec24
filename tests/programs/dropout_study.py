"""A study that must survive a hospital going offline: five hospitals, Shamir sharing; prints JSON.

``python dropout_study.py DATA THRESHOLD [VICTIM ...]`` simulates the five
hospitals (each VICTIM fails just before the model fits); under ``mpcarray run
--parties a,b,c,d,e dropout_study.py DATA THRESHOLD`` each process prints its own
results, and a test kills hospitals when they print ``fitting``. Each hospital
holds a block of rows of diabetes (scikit-learn, raw units) and of breast
cancer (eight features, power-of-two units), which :func:`write_blocks` writes to
``DATA/<hospital>.npz``; a party process reads only its own file (and does not
import scikit-learn, slow to import). The study computes column means,
a contingency table (sex by high disease progression), an OLS fit and a
logistic-regression fit (three Newton steps, to keep the multi-process tests short).
"""

import json
import sys
from pathlib import Path

import numpy as np

import mpcarray as mpc

HOSPITALS = ["a", "b", "c", "d", "e"]
#: Breast-cancer "mean" features without perimeter and area (collinear with the radius).
CANCER_FEATURES = [0, 1, 4, 5, 6, 7, 8, 9]
NEWTON_STEPS = 3


def data() -> dict:
    """The plaintext study data (each hospital shares only its own rows)."""
    from sklearn.datasets import load_breast_cancer, load_diabetes

    X, y = load_diabetes(return_X_y=True, scaled=False)
    cancer = load_breast_cancer()
    C = cancer.data[:, CANCER_FEATURES]
    C = C * 2.0 ** (6 - np.ceil(np.log2(C.max(axis=0))))
    return {"X": X, "y": y, "sex": X[:, 1].astype(np.int64), "high": (y > 140).astype(np.int64),
            "C": C, "benign": cancer.target.astype(np.float64)}


def blocks(values) -> dict:
    """Each hospital's block of rows of ``values``."""
    return dict(zip(HOSPITALS, np.array_split(values, len(HOSPITALS))))


def write_blocks(directory) -> None:
    """``directory/<hospital>.npz``: each hospital's rows of every study variable."""
    split = {key: blocks(values) for key, values in data().items()}
    for name in HOSPITALS:
        np.savez(Path(directory) / f"{name}.npz", **{key: split[key][name] for key in split})


def share_blocks(s, held):
    """One shared array of every hospital's block, in order; ``held`` maps the hospitals this
    process holds to their blocks."""
    return np.concatenate([s.share(held.get(name), owner=name) for name in HOSPITALS])


def share_rows(s, values):
    """The rows of ``values`` as one shared array, each hospital sharing its own block."""
    return share_blocks(s, blocks(values))


def study(s, directory, victims=()) -> dict:
    """Means, contingency table, OLS and logistic fits of the blocks in ``directory`` (each
    hospital reads its own file); ``victims`` fail (simulated) before the fits."""
    files = {name: np.load(Path(directory) / f"{name}.npz") for name in HOSPITALS if s.holds(name)}
    X, y, sex, high, C, benign = (share_blocks(s, {name: file[key] for name, file in files.items()})
                                  for key in ("X", "y", "sex", "high", "C", "benign"))
    means = mpc.stats.mean(X)
    table = mpc.stats.crosstab(sex, high, [1, 2], [0, 1])
    print("fitting", flush=True)
    for victim in victims:
        s.crash(victim)
    ols = mpc.models.LinearRegression().fit(X, y)
    logistic = mpc.models.LogisticRegression(penalty=None, max_iter=NEWTON_STEPS, tol=None).fit(C, benign)
    return {"means": means.tolist(), "table": np.asarray(table).tolist(),
            "ols": [float(ols.intercept_), *ols.coef_.tolist()],
            "logistic": [float(logistic.intercept_), *logistic.coef_.ravel().tolist()],
            "failed": list(s.failed_parties), "rounds": s.comm.rounds}


if __name__ == "__main__":
    directory, threshold, victims = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with mpc.Session.from_env(parties=HOSPITALS, scheme="shamir", threshold=threshold) as s:
        print(json.dumps(study(s, directory, victims)), flush=True)
