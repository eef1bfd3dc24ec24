"""Small kernel calls run on one thread, without entering a parallel region.

Starting a parallel region wakes Numba's sleeping OpenMP workers, which costs
tens of microseconds, and hundreds of microseconds when other processes hold
the cores; for an 11x11 product or a 100-element Beaver step that is several
times the work itself, and a model fit makes thousands of such calls. Below
:data:`PARALLEL_MIN` elements of work a ``parallel=True`` kernel therefore
runs as its *serial twin*: the same Python function compiled without
``parallel`` (its ``prange`` loops run as ``range``). The twin is compiled on
its first small call and cached on disk under its own name. Pinning Numba
to one thread instead (``numba.set_num_threads(1)`` around the call) still
pays for the parallel launch and the thread-mask bookkeeping, which on a
569-element Beaver step costs about as much as the work itself (figures in
docs/benchmarks.md).
"""

import functools
import types

import numba
import numpy as np

#: Elements of work below which a kernel call stays on the calling thread.
PARALLEL_MIN = 1 << 14


def serial_twin(kernel):
    """``kernel`` (a Numba dispatcher) compiled without ``parallel``, cached as ``<name>_serial``."""
    func = kernel.py_func
    twin = types.FunctionType(func.__code__, func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)
    twin.__qualname__ = f"{func.__qualname__}_serial"  # its own on-disk cache entry
    twin.__doc__ = func.__doc__
    options = {key: value for key, value in kernel.targetoptions.items() if key not in ("parallel", "nopython")}
    return numba.njit(cache=True, **options)(twin)


def serial_when_small(kernel, work):
    """``kernel`` run single-threaded when ``work(*args)`` is below :data:`PARALLEL_MIN`.

    ``work`` is the index of the argument that measures the work (an array's
    size or an integer count) or a function of the arguments. A kernel that
    is not a parallel Numba dispatcher (a Python function around one) is
    pinned to one thread for small calls instead.
    """
    measure = work if callable(work) else functools.partial(_size_of, work)
    if getattr(kernel, "targetoptions", {}).get("parallel"):
        serial = serial_twin(kernel)

        @functools.wraps(kernel)
        def call(*args):
            return (kernel if measure(*args) >= PARALLEL_MIN else serial)(*args)

        call.serial = serial
        return call

    @functools.wraps(kernel)
    def pinned(*args):
        if measure(*args) >= PARALLEL_MIN:
            return kernel(*args)
        threads = numba.get_num_threads()
        if threads == 1:
            return kernel(*args)
        numba.set_num_threads(1)
        try:
            return kernel(*args)
        finally:
            numba.set_num_threads(threads)

    return pinned


def _size_of(index, *args) -> int:
    value = args[index]
    return value.size if isinstance(value, np.ndarray) else int(value)
