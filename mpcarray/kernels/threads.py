"""Small kernel calls run on one thread.

Starting a parallel region wakes Numba's sleeping OpenMP workers, which costs
tens of microseconds, and hundreds of microseconds when other processes hold
the cores; for an 11x11 product or a 100-element Beaver step that is several
times the work itself, and a model fit makes thousands of such calls. Below
:data:`PARALLEL_MIN` elements of work a kernel therefore runs with one thread
(no wake-up), above it with every thread Numba has.
"""

import functools

import numba
import numpy as np

#: Elements of work below which a kernel call stays on the calling thread.
PARALLEL_MIN = 1 << 14


def serial_when_small(kernel, work):
    """``kernel`` run single-threaded when ``work(*args)`` is below :data:`PARALLEL_MIN`.

    ``work`` is the index of the argument that measures the work (an array's
    size or an integer count) or a function of the arguments.
    """
    measure = work if callable(work) else functools.partial(_size_of, work)

    @functools.wraps(kernel)
    def call(*args):
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

    return call


def _size_of(index, *args) -> int:
    value = args[index]
    return value.size if isinstance(value, np.ndarray) else int(value)
