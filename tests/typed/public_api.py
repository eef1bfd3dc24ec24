"""A user's script written against the public API only; ``mypy`` checks it in CI.

It type-checks the names a program imports from ``mpcarray`` against the annotations
the package ships (``py.typed``); ``tests/test_typed_client.py`` also runs it.
"""

import numpy as np

import mpcarray as mpc
from mpcarray import models, stats


def analysis(seed: int) -> dict[str, float]:
    with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"], seed=seed) as s:
        ages = s.share(np.array([54.0, 61.0, 47.0, 70.0]), owner="hosp_a")
        weights = s.share(np.array([0.8, 1.2, 1.0, 0.5]), owner="hosp_b")
        product: mpc.SharedArray = ages * weights + 1.5
        ratio = mpc.reciprocal(weights) * mpc.sqrt(ages)
        X = s.share(np.column_stack([np.arange(8.0), np.arange(8.0) ** 2 / 8]), owner=0)
        y = s.share(np.arange(8.0) * 0.5 + 1.0, owner=1)
        fit = models.LinearRegression().fit(X, y)
        assert fit.coef_ is not None  # None until fitted
        spread = stats.std(X)
        return {
            "sum": float(product.sum().reveal()),
            "ratio": float(mpc.max(ratio).reveal()),
            "slope": float(fit.coef_[0]),
            "std": float(np.max(spread)),
            "sigmoid": float(mpc.sigmoid(ages * 0.01).mean().reveal()),
            "bytes": float(np.sum(s.comm.bytes_sent)),
        }


if __name__ == "__main__":
    print(analysis(seed=1))
