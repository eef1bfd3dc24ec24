"""Shared fixtures: sessions over every backend and party count the suite covers."""

import os
import platform
from math import comb

import numpy as np
import pytest
from hypothesis import settings

# CI replays a fixed set of examples so a run is reproducible; locally hypothesis explores.
# No per-example deadline in either: an example's first call may compile Numba kernels or
# import lazily (0.5 s against hypothesis' default 200 ms), which says nothing about the code.
settings.register_profile("explore", deadline=None)
settings.register_profile("ci", derandomize=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "explore")

import mpcarray as mpc
from mpcarray import launch

# The test process opts in to the process policies of mpcarray's party processes
# (mpcarray.memory): without them every array above glibc's mmap threshold is mapped
# and page-faulted afresh (copying 72 MB took 90-170 ms instead of 13 ms here), which
# made the simulated Shamir tests several times slower than the processes they model.
# test_process_hygiene checks the defaults in fresh interpreters.
mpc.tune_process()

PARTY_COUNTS = (2, 3, 5)
BACKENDS = ("simulated",)
SESSION_PARAMS = [(b, n) for b in BACKENDS for n in PARTY_COUNTS]
# Shamir sessions (backend, n, threshold), for tests that opt in with
# ``pytest.mark.parametrize("session", SESSION_PARAMS + SHAMIR_SESSION_PARAMS, indirect=True)``
SHAMIR_SESSION_PARAMS = [("simulated", 3, 1), ("simulated", 5, 2)]


@pytest.fixture(autouse=True)
def _release_held_ports():
    """Give back the loopback ports a test's ``launch.prepare`` held (they would stay bound,
    open file descriptors, until the test process exits)."""
    yield
    for config in list(launch._held):
        launch.release(config)


def session_id(param) -> str:
    return f"{param[0]}-{param[1]}p" + (f"-shamir-t{param[2]}" if len(param) > 2 else "")


@pytest.fixture(params=SESSION_PARAMS, ids=session_id)
def session(request):
    """A fresh session for each backend x party count, closed after the test.

    Additive by default; a test parametrised indirectly with ``(backend, n, t)``
    gets a Shamir session of threshold ``t``.
    """
    backend, n, *threshold = request.param
    options = {"scheme": "shamir", "threshold": threshold[0]} if threshold else {}
    with mpc.Session(parties=n, backend=backend, seed=1234, **options) as s:
        yield s


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


#: Tests of glibc's allocator policy (``mallopt``): skipped, with the reason, on other C libraries.
glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="mallopt is glibc's: other C libraries keep their allocator policy")


def ulp(session) -> float:
    """One unit in the last place of the session's fixed-point format."""
    return session.fixed_point.resolution


def truncation_units(session) -> int:
    """``T``: one fixed-point truncation's error is strictly below ``T`` ulps, from the session's configuration.

    * ``additive`` (Z_2^64, dealer-assisted exact truncation): error in ``(-1, 1)``
      ulp, so ``T = 1``.
    * ``shamir`` (GF(2^127 - 1), probabilistic truncation,
      :func:`mpcarray.protocols.degree_reduction.truncate_many`): the result is
      ``floor((z + r') / 2^m) - s`` with ``s = (C - 1) // 2`` for ``C = C(n, t)``
      PRSS keys and ``0 <= r' <= C (2^m - 1)`` (each key adds ``R'_A`` in
      ``[0, 2^m)``, ``PRSSProvider.truncation_masks``). The error lies in
      ``(-1 - s, C - s)`` ulps (``truncate_many`` states ``(-1 - s, C - s]``; the
      right end is not reached), so ``T = max(1 + s, C - s)``: 2 at ``n = 3, t = 1``
      and 6 at ``n = 5, t = 2`` (``error_units`` of ``tests/test_shamir_fixed_point.py``).

    When the exact result lies on the fixed-point grid the error is a whole number
    of ulps, hence at most ``T - 1``: exact in the ring.
    """
    if session.scheme == "additive":
        return 1
    assert session.scheme == "shamir", session.scheme
    keys = comb(session.n_parties, session.threshold)
    shift = (keys - 1) // 2
    return max(1 + shift, keys - shift)


def on_grid(session, values):
    """``values`` rounded to the session's fixed-point grid (what sharing them gives)."""
    return session.fixed_point.decode(session.fixed_point.encode(values))


def rounds_of(session, compute):
    """``compute()`` and the rounds it took."""
    before = session.comm.rounds
    result = compute()
    return result, session.comm.rounds - before
