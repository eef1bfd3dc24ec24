"""Session life-cycle (issue 13, item 5): sys.exit inside ``with``, sessions under ``mpcarray run``,
``from_env`` outside it."""

import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray import launch
from mpcarray.errors import SimulationFallbackWarning
from mpcarray.preprocessing.service import DEALER
from mpcarray.session import ENV_CONFIG, ENV_PARTY

PROGRAM = Path(__file__).resolve().parent / "programs" / "session_exit.py"


@pytest.mark.parametrize("code", [0, None])
def test_sys_exit_with_success_inside_the_block_closes_normally(code, monkeypatch):
    closed = []
    with pytest.raises(SystemExit), mpc.Session(3, seed=0) as s:
        monkeypatch.setattr(s._rt.provider, "close", lambda: closed.append("provider"))
        s.share(np.ones(2), owner=0).reveal()
        raise SystemExit(code)
    assert closed == ["provider"]  # the normal close: the dealer is told the session ended


@pytest.mark.parametrize("failure", [SystemExit(3), SystemExit("message"), KeyboardInterrupt(), ValueError()])
def test_other_exits_and_errors_only_drop_the_connections(failure, monkeypatch):
    closed = []
    with pytest.raises(type(failure)), mpc.Session(3, seed=0) as s:
        monkeypatch.setattr(s._rt.provider, "close", lambda: closed.append("provider"))
        raise failure
    assert closed == [] and "closed" in repr(s)


def test_a_session_without_from_env_under_mpcarray_run_names_from_env(monkeypatch):
    monkeypatch.setenv(ENV_CONFIG, "/somewhere/consortium.toml")
    monkeypatch.setenv(ENV_PARTY, "party0")
    with pytest.raises(mpc.ConfigError, match=r"mpc\.Session\.from_env"):
        mpc.Session(parties=3)
    with mpc.Session(parties=3, backend="simulated", seed=0) as s:  # explicitly asked for
        assert s.backend == "simulated"


def test_from_env_outside_mpcarray_run_warns(monkeypatch):
    monkeypatch.delenv(ENV_CONFIG, raising=False)
    monkeypatch.delenv(ENV_PARTY, raising=False)
    with pytest.warns(SimulationFallbackWarning, match="NOT secure"):
        mpc.Session.from_env(parties=3).close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with mpc.Session.from_env(parties=3, backend="simulated", seed=0) as s:
            assert s.backend == "simulated"


@pytest.mark.network
@pytest.mark.parametrize("code", ["0", "none"])
def test_sys_exit_0_under_mpcarray_run_succeeds_everywhere_dealer_included(tmp_path, code):
    config = launch.prepare(tmp_path, ["party0", "party1", "party2"], timeout=20)
    results = launch.start(config, PROGRAM, ["exit", code]).wait(120)
    assert set(results) == {"party0", "party1", "party2", DEALER}
    assert all(status == 0 for status, _ in results.values()), results
    assert all("product 13.0" in results[p][1] for p in ("party0", "party1", "party2"))


@pytest.mark.network
def test_a_plain_session_under_mpcarray_run_fails_at_once_naming_from_env(tmp_path):
    config = launch.prepare(tmp_path, ["party0", "party1", "party2"], timeout=20)
    started = time.monotonic()
    results = launch.start(config, PROGRAM, ["plain"]).wait(120)
    assert time.monotonic() - started < 15  # not the 30 s timeout of a quietly simulated session
    for name in ("party0", "party1", "party2"):
        status, output = results[name]
        assert status != 0 and "Session.from_env" in output, output
