"""Cold start: one compiled specialisation per kernel, parallel code only for large work, a
notice while compiling (``mpcarray.compile_notice``) and ``mpcarray warmup``."""

import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest
from numba import prange

from mpcarray import kernels
from mpcarray.compile_notice import MESSAGE
from mpcarray.kernels.readonly import read_only_arrays
from mpcarray.kernels.threads import PARALLEL_MIN, serial_when_small


def _column_sums(rows):
    out = np.zeros(rows.shape[1], dtype=np.uint64)
    for j in prange(rows.shape[1]):
        for i in range(rows.shape[0]):
            out[j] += rows[i, j]
    return out


def _read_only(array):
    array = array.copy()
    array.flags.writeable = False
    return array


def test_small_work_never_compiles_the_parallel_kernel():
    parallel = numba.njit(parallel=True, nogil=True)(_column_sums)
    kernel = serial_when_small(parallel, 0)
    rng = np.random.default_rng(1)
    small = rng.integers(0, 2**64, (3, PARALLEL_MIN // 3 - 1), dtype=np.uint64)
    assert np.array_equal(kernel(small), small.sum(axis=0, dtype=np.uint64))
    assert parallel.signatures == []
    large = rng.integers(0, 2**64, (3, PARALLEL_MIN // 3 + 1), dtype=np.uint64)
    assert np.array_equal(kernel(large), large.sum(axis=0, dtype=np.uint64))
    assert len(parallel.signatures) == 1


def test_read_only_and_writeable_arguments_share_one_compilation():
    dispatcher = numba.njit(nogil=True)(_column_sums)
    kernel = read_only_arrays(dispatcher)
    rows = np.arange(12, dtype=np.uint64).reshape(3, 4)
    assert np.array_equal(kernel(rows), rows.sum(axis=0))
    assert np.array_equal(kernel(_read_only(rows)), rows.sum(axis=0))
    assert len(dispatcher.signatures) == 1
    assert rows.flags.writeable  # the caller's array is untouched


def test_a_kernel_writing_into_an_argument_fails_to_compile():
    def clear(rows):
        rows[0, 0] = 0
        return rows

    with pytest.raises(numba.core.errors.TypingError):
        read_only_arrays(numba.njit(clear))(np.ones((2, 2), dtype=np.uint64))


@pytest.mark.parametrize("columns", [5, PARALLEL_MIN + 5])
def test_package_kernels_agree_with_numpy_on_both_sides_of_the_threshold(columns):
    rng = np.random.default_rng(columns)
    rows = rng.integers(0, 2**64, (3, columns), dtype=np.uint64)
    for argument in (rows, _read_only(rows)):
        assert np.array_equal(kernels.sum_rows(argument), rows.sum(axis=0, dtype=np.uint64))
    a = rng.integers(0, 2**64, (3, columns), dtype=np.uint64)
    b = rng.integers(0, 2**64, (columns, 2), dtype=np.uint64)
    exact = (a.astype(object) @ b.astype(object)) % 2**64
    assert np.array_equal(kernels.ring_matmul(_read_only(a), b).astype(object), exact)


_PROBE = '''
import sys

import numba
import numpy as np
from mpcarray.compile_notice import announce_compilation

def ours(x):
    return x + 1

def theirs(x):
    return x + 2

ours.__module__ = "mpcarray.probe"
sys.modules["mpcarray.probe"] = sys.modules["__main__"]
announce_compilation()
announce_compilation()
numba.njit(cache=True)(theirs)(1)
ours = numba.njit(cache=True)(ours)
ours(1)
ours(1.5)
print("done")
'''


def _run(args, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    return subprocess.run(args, env=env, capture_output=True, text=True, check=True)


def test_compile_notice_once_per_process_and_never_from_a_warm_cache(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(textwrap.dedent(_PROBE))
    cold = _run([sys.executable, str(probe)], tmp_path / "cache")
    assert cold.stdout == "done\n"
    assert cold.stderr.count(MESSAGE) == 1
    warm = _run([sys.executable, str(probe)], tmp_path / "cache")
    assert MESSAGE not in warm.stderr


def test_compile_notice_ignores_other_libraries(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(textwrap.dedent(_PROBE).replace('ours.__module__ = "mpcarray.probe"', ""))
    assert MESSAGE not in _run([sys.executable, str(probe)], tmp_path / "cache").stderr


_PRODUCT = ("import mpcarray as mpc\n"
            "with mpc.Session(3) as s:\n"
            "    print(*(s.share([1.0, 2.0], owner=0) * s.share([3.0, 4.0], owner=1)).reveal())")


@pytest.mark.slow
def test_warmup_compiles_once_for_later_processes(tmp_path):
    command = [sys.executable, "-m", "mpcarray", "warmup", "--scheme", "additive"]
    cold = _run(command, tmp_path)
    assert MESSAGE in cold.stderr
    assert cold.stdout.startswith("mpcarray warmup: kernels for additive sessions ready")
    warm = _run([sys.executable, "-c", _PRODUCT], tmp_path)
    assert MESSAGE not in warm.stderr
    assert warm.stdout.split() == ["3.0", "8.0"]
