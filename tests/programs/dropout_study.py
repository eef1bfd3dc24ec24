"""A study that must survive a hospital going offline: five hospitals, Shamir sharing; prints JSON.

``python dropout_study.py THRESHOLD [VICTIM ...]`` simulates the five
hospitals (each VICTIM fails just before the model fits); under ``mpcarray run
--parties a,b,c,d,e dropout_study.py THRESHOLD`` each process prints its own
results, and a test kills hospitals when they print ``fitting``. Each hospital
holds a block of rows of diabetes (scikit-learn, raw units) and of breast
cancer (eight features, power-of-two units); the study computes column means,
a contingency table (sex by high disease progression), an OLS fit and a
logistic-regression fit (three Newton steps, to keep the multi-process tests short).
"""

import json
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes

import mpcarray as mpc

HOSPITALS = ["a", "b", "c", "d", "e"]
#: Breast-cancer "mean" features without perimeter and area (collinear with the radius).
CANCER_FEATURES = [0, 1, 4, 5, 6, 7, 8, 9]
NEWTON_STEPS = 3


def data() -> dict:
    """The plaintext study data (each hospital shares only its own rows)."""
    X, y = load_diabetes(return_X_y=True, scaled=False)
    cancer = load_breast_cancer()
    C = cancer.data[:, CANCER_FEATURES]
    C = C * 2.0 ** (6 - np.ceil(np.log2(C.max(axis=0))))
    return {"X": X, "y": y, "sex": X[:, 1].astype(np.int64), "high": (y > 140).astype(np.int64),
            "C": C, "benign": cancer.target.astype(np.float64)}


def share_rows(s, values):
    """The rows of ``values`` as one shared array, each hospital sharing its own block."""
    blocks = np.array_split(values, len(HOSPITALS))
    return np.concatenate([s.share(block if s.holds(name) else None, owner=name)
                           for name, block in zip(HOSPITALS, blocks)])


def study(s, victims=()) -> dict:
    """Means, contingency table, OLS and logistic fits; ``victims`` fail (simulated) before the fits."""
    d = data()
    X, y, sex, high = (share_rows(s, d[k]) for k in ("X", "y", "sex", "high"))
    C, benign = share_rows(s, d["C"]), share_rows(s, d["benign"])
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
    threshold, victims = int(sys.argv[1]), sys.argv[2:]
    with mpc.Session.from_env(parties=HOSPITALS, scheme="shamir", threshold=threshold) as s:
        print(json.dumps(study(s, victims)), flush=True)
