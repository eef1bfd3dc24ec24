"""The client program that mypy checks in CI (tests/typed/public_api.py) runs and computes what it says."""

import runpy
from pathlib import Path

import numpy as np
import pytest

CLIENT = Path(__file__).resolve().parent / "typed" / "public_api.py"


def test_typed_client_runs():
    results = runpy.run_path(str(CLIENT))["analysis"](seed=3)
    ages, weights = np.array([54.0, 61.0, 47.0, 70.0]), np.array([0.8, 1.2, 1.0, 0.5])
    assert results["sum"] == pytest.approx(np.sum(ages * weights + 1.5), abs=1e-3)
    assert results["ratio"] == pytest.approx(np.max(np.sqrt(ages) / weights), rel=2e-3)
    assert results["slope"] == pytest.approx(0.5, abs=1e-4)
    X = np.column_stack([np.arange(8.0), np.arange(8.0) ** 2 / 8])
    assert results["std"] == pytest.approx(X.std(axis=0).max(), rel=1e-4)
    assert results["sigmoid"] == pytest.approx(np.mean(1 / (1 + np.exp(-ages * 0.01))), abs=1e-4)
