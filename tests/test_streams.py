"""Engine resources: PRG streams in both forms drive every kernel, small calls stay on one thread, freed memory is kept."""

import sys

import numpy as np
import pytest
from conftest import glibc_only

import mpcarray as mpc
from mpcarray import kernels, session
from mpcarray.preprocessing import SimulatedDealer
from mpcarray.preprocessing.randomness import KEY_BYTES, KeyedStreams


class MaterialisedSplitMix:
    """The simulated dealer's streams, handed out as arrays: same values, other kernel specialisation."""

    def __init__(self, counter_streams):
        self._inner = counter_streams

    def next(self, length):
        streams, offset = self._inner.next(length)
        return kernels.fill_streams(streams, offset, length), 0


class MaterialisedDealer(SimulatedDealer):
    def __init__(self, transport, seed=None):
        super().__init__(transport, seed)
        self._streams = MaterialisedSplitMix(self._streams)


class AesDealer(SimulatedDealer):
    """An in-process dealer drawing every party's stream from AES-256-CTR, as the socket backend does."""

    def __init__(self, transport, seed=None):
        super().__init__(transport, seed)
        self._streams = KeyedStreams([bytes([rank + 1]) * KEY_BYTES for rank in range(transport.n_parties)])


def _workload(s):
    """Revealed results of operations that between them use every kind of dealer material."""
    rng = np.random.default_rng(3)
    x = s.share(rng.uniform(-4, 4, (300, 3)), owner=0)
    y = s.share(rng.uniform(-4, 4, (300, 3)), owner=1)
    w = s.share(rng.uniform(-1, 1, (3, 2)), owner=1)
    return {
        "product": (x * y).reveal(),
        "square": (x * x).reveal(),
        "gram": (x.T @ x).reveal(),
        "matmul": (x @ w).reveal(),
        "less": (x < y).reveal(),
        "relu": np.maximum(x, 0).reveal(),
        "exp": np.exp(x / 4).reveal(),
    }


def _run(monkeypatch, dealer, parties, seed=7):
    monkeypatch.setattr(session, "SimulatedDealer", dealer)
    with mpc.Session(parties=parties, seed=seed) as s:
        assert type(s._rt.provider) is dealer
        return _workload(s)


@pytest.mark.parametrize("parties", [2, 3])
def test_materialised_streams_give_bit_identical_results(monkeypatch, parties):
    computed = _run(monkeypatch, SimulatedDealer, parties)
    materialised = _run(monkeypatch, MaterialisedDealer, parties)
    for name, value in computed.items():
        np.testing.assert_array_equal(materialised[name], value, err_msg=name)


def test_aes_streams_give_correct_results(monkeypatch):
    results = _run(monkeypatch, AesDealer, 3)
    rng = np.random.default_rng(3)
    x, y, w = rng.uniform(-4, 4, (300, 3)), rng.uniform(-4, 4, (300, 3)), rng.uniform(-1, 1, (3, 2))
    tolerance = 1e-3
    np.testing.assert_allclose(results["product"], x * y, atol=tolerance)
    np.testing.assert_allclose(results["square"], x * x, atol=tolerance)
    np.testing.assert_allclose(results["gram"], x.T @ x, atol=300 * tolerance)
    np.testing.assert_allclose(results["matmul"], x @ w, atol=tolerance)
    np.testing.assert_array_equal(results["less"], x < y)
    np.testing.assert_allclose(results["relu"], np.maximum(x, 0), atol=tolerance)
    np.testing.assert_allclose(results["exp"], np.exp(x / 4), rtol=1e-2, atol=1e-3)



def test_small_kernel_calls_run_on_one_thread():
    import numba

    from mpcarray.kernels.threads import PARALLEL_MIN, serial_when_small

    seen = []
    recorder = serial_when_small(lambda rows: seen.append(numba.get_num_threads()), 0)
    before = numba.get_num_threads()
    recorder(np.zeros(PARALLEL_MIN - 1))
    recorder(np.zeros(PARALLEL_MIN))
    assert seen == [1, before]
    assert numba.get_num_threads() == before

    def failing(count):
        raise RuntimeError("kernel failed")

    with pytest.raises(RuntimeError):
        serial_when_small(failing, 0)(3)
    assert numba.get_num_threads() == before


def _keeps_memory(env_value):
    import os
    import subprocess

    env = dict(os.environ)
    env.pop("MPCARRAY_RETURN_MEMORY", None)
    if env_value is not None:
        env["MPCARRAY_RETURN_MEMORY"] = env_value
    code = "from mpcarray.memory import keep_freed_memory as k; print(k(), k())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()


@glibc_only
def test_freed_memory_is_kept_unless_opted_out():
    assert _keeps_memory(None) == ["True", "True"]
    assert _keeps_memory("1") == ["False", "False"]


@pytest.mark.parametrize("size", [100, 1 << 15])
def test_kernel_twins_give_identical_results(size):
    """The serial twin (small calls) and the parallel kernel compute the same shares."""
    from mpcarray.kernels import beaver

    rng = np.random.default_rng(5)
    x, y = (rng.integers(0, 2**64, (3, size), dtype=np.uint64) for _ in range(2))
    seeds = rng.integers(0, 2**64, 3, dtype=np.uint64)
    streams = (seeds, kernels.stream_gammas(seeds))
    fixes = np.empty(size, dtype=np.uint64), np.empty(size, dtype=np.uint64)
    np.testing.assert_array_equal(kernels.beaver_mask(x, y, streams, 9, fixes[0]),
                                  beaver.beaver_mask(x, y, streams, 9, fixes[1]))
    np.testing.assert_array_equal(fixes[0], fixes[1])
