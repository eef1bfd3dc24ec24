"""Kernel arguments passed read-only, so that one compiled specialisation serves every caller.

Numba compiles a kernel once per combination of argument types, and an array's
type says whether it is writeable: a ``SharedArray``'s share rows are
read-only, freshly computed rows are not, so a two-operand kernel was compiled
up to four times. Kernels only
read their array arguments, so every call hands them read-only views
(zero-copy); a kernel that writes into an argument fails to compile instead of
silently getting a second specialisation, unless that argument is its declared
output (a buffer the caller allocates, always writeable).
"""

import functools

import numpy as np


def read_only_arrays(kernel, output: int | None = None):
    """``kernel`` called with read-only views of its ``ndarray`` arguments, except the one at ``output``."""
    @functools.wraps(kernel)
    def call(*args):
        return kernel(*[arg if i == output else _read_only(arg) for i, arg in enumerate(args)])

    return call


def _read_only(value):
    if not isinstance(value, np.ndarray) or not value.flags.writeable:
        return value
    view = value.view()
    view.flags.writeable = False
    return view


def broadcast_read_only(*arrays: np.ndarray) -> tuple:
    """``arrays`` broadcast to their common shape as read-only views.

    Unlike ``np.broadcast_arrays``, whose results NumPy marks "warn on write"
    (a FutureWarning when a view of them is later asked whether it is writeable),
    these are plainly read-only, as the kernels take them anyway.
    """
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return tuple(np.broadcast_to(a, shape) for a in arrays)
