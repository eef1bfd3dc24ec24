"""Parallel kernels run (and are compiled) only for work large enough to pay.

Starting a parallel region wakes Numba's sleeping OpenMP workers, which costs
tens of microseconds, and hundreds of microseconds when other processes hold
the cores; for an 11x11 product or a 100-element Beaver step that is several
times the work itself, and a model fit makes thousands of such calls. A
``parallel=True`` kernel also takes much longer to compile than the same
function without it (docs/benchmarks.md, "Cold start"). Below
:data:`PARALLEL_MIN` elements of work a call therefore goes to a serial
compilation of the same function (its ``prange`` loops run as ``range``),
above it to the parallel one with every thread Numba has; a session that only
meets small arrays never compiles the parallel code.

The threshold is 2^17, not 2^15: on a 2-core machine shared with other jobs a
parallel ``sum_rows`` of 3 x 17,639 words (a 569 x 31 matrix triple, or an
opening of the gradient-descent fit) waited ~0.4 ms on average for its worker
thread, against ~0.05 ms for the whole serial call; the 10 gradient-descent
epochs made 64 parallel calls of such sizes (2^15 -> 2^17: kernel time per fit 84 -> 36 ms in
one run, 120 -> 55 ms in the next).
"""

import functools
import types

import numba
import numpy as np
from numba.core.dispatcher import Dispatcher

#: Elements of work below which a kernel call runs the serial compilation.
PARALLEL_MIN = 1 << 17


def serial_when_small(kernel, work):
    """``kernel`` run serially when ``work(*args)`` is below :data:`PARALLEL_MIN`.

    ``work`` is the index of the argument that measures the work (an array's
    size or an integer count) or a function of the arguments. A Python
    front-end of a kernel (one that derives constants first) cannot be
    recompiled serially and runs on one thread instead.
    """
    measure = work if callable(work) else functools.partial(_size_of, work)
    serial = serial_twin(kernel) if isinstance(kernel, Dispatcher) else _on_one_thread(kernel)

    @functools.wraps(kernel)
    def call(*args):
        return (kernel if measure(*args) >= PARALLEL_MIN else serial)(*args)

    return call


def serial_twin(kernel):
    """The function of the dispatcher ``kernel`` compiled with ``parallel=False`` (lazily, cached on disk).

    The copy gets its own qualified name, hence its own files in Numba's
    cache: the cache index does not tell parallel from serial compilations.
    """
    function = kernel.py_func
    twin = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    twin.__qualname__ = f"{function.__qualname__}_serial"
    twin.__module__ = function.__module__
    twin.__doc__ = function.__doc__
    return numba.njit(cache=True, nogil=True)(twin)


def _on_one_thread(kernel):
    @functools.wraps(kernel)
    def call(*args):
        threads = numba.get_num_threads()
        if threads == 1:
            return kernel(*args)
        numba.set_num_threads(1)
        try:
            return kernel(*args)
        finally:
            numba.set_num_threads(threads)

    return call


def _size_of(index, *args) -> int:
    value = args[index]
    return value.size if isinstance(value, np.ndarray) else int(value)
