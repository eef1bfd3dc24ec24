"""Shared fixtures: sessions over every backend and party count the suite covers."""

import os

import numpy as np
import pytest
from hypothesis import settings

# CI replays a fixed set of examples so a run is reproducible; locally hypothesis explores.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

import mpcarray as mpc

PARTY_COUNTS = (2, 3, 5)
BACKENDS = ("simulated",)


@pytest.fixture(params=[(b, n) for b in BACKENDS for n in PARTY_COUNTS],
                ids=lambda p: f"{p[0]}-{p[1]}p")
def session(request):
    """A fresh session for each backend x party count, closed after the test."""
    backend, n = request.param
    with mpc.Session(parties=n, backend=backend, seed=1234) as s:
        yield s


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


def ulp(session) -> float:
    """One unit in the last place of the session's fixed-point format."""
    return session.fixed_point.resolution
