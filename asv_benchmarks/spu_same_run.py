"""mpcarray and SecretFlow SPU (ABY3) timed in the same run, alternately (issue 14, items 2 and 3).

Usage (from the repository root; SPU 0.9.5 in a virtual environment of its own, since it pins
numpy 1.26 and jax 0.4.34)::

    python -m venv /tmp/spu && /tmp/spu/bin/pip install spu==0.9.5
    python asv_benchmarks/spu_same_run.py --spu-python /tmp/spu/bin/python            # 3 runs
    python asv_benchmarks/spu_same_run.py --spu-python /tmp/spu/bin/python --runs 5

Each run times mpcarray (3 parties, simulated backend, as ``peers.py``) and then SPU
(``spu_side.py``: 3 parties in one process, input sharing outside the timing) on the same
inputs, one after the other, so both see the same machine. Workloads: 10^6 fixed-point
products, and 10 gradient-descent epochs of logistic regression on breast cancer (569 x 30
standardised, plus intercept) as plain array code and through
``LogisticRegression(method="gd")``, which also standardises inside MPC. The figure to
quote is "SPU / mpcarray" of each run: how many times faster mpcarray was in that run.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]  # this checkout's mpcarray; benchmarks/

from benchmarks import _workloads as w
from benchmarks._common import session, uniform
from benchmarks.bench_models import _gd_case, breast_cancer, standardised_design
from peers import median_time
from ratios import fmt_time

#: mpcarray's rows: label, the SPU workload it is compared with.
ROWS = (("x * y, 10^6", "products"),
        ("logistic GD x10, array code", "logistic"),
        ("logistic GD x10, LogisticRegression", "logistic"))


def mpcarray_calls():
    """The secure calls of :data:`ROWS`, in order (inputs shared, kernels warm)."""
    s = session(w.HOSPITALS)
    return [w.products(s).secure, _gd_case("array_code")[1], _gd_case("estimator")[1]]


def spu_inputs(path: str) -> None:
    """The operands SPU runs on: the products' (as ``_workloads.products``) and the design's."""
    X, y = breast_cancer()
    np.savez(path, a=uniform(10**6, stream=1), b=uniform(10**6, stream=2),
             Z=standardised_design(X), y=y)


def spu_times(python: str, path: str, repeat: int) -> dict:
    """Median seconds per workload from ``spu_side.py`` under the interpreter ``python``."""
    import json

    result = subprocess.run([python, os.path.join(HERE, "spu_side.py"), path, str(repeat)],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spu-python", required=True, help="an interpreter with spu installed")
    parser.add_argument("--runs", type=int, default=3, help="runs, each mpcarray then SPU (default 3)")
    parser.add_argument("--repeat", type=int, default=5, help="samples per median (default 5)")
    args = parser.parse_args(argv)

    calls = mpcarray_calls()
    print(f"{'run':<4} {'workload':<38} {'mpcarray':>9} {'SPU ABY3':>9} {'SPU / mpcarray':>15}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "inputs.npz")
        spu_inputs(path)
        for run in range(1, args.runs + 1):
            ours = [median_time(call, args.repeat, 0.02) for call in calls]
            theirs = spu_times(args.spu_python, path, args.repeat)
            for (label, key), seconds in zip(ROWS, ours):
                print(f"{run:<4} {label:<38} {fmt_time(seconds):>9} {fmt_time(theirs[key]):>9} "
                      f"{theirs[key] / seconds:>14.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
