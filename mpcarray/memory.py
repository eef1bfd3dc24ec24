"""Process policies for mpcarray's own processes: freed memory kept, OpenMP workers that sleep.

Nothing here runs when mpcarray is imported or a :class:`~mpcarray.Session` is
created: both policies change the whole process (other libraries' allocations
and threads too), so they apply only where the process is mpcarray's own, the
``mpcarray party`` and ``mpcarray dealer`` commands, and elsewhere only on request,
with :func:`tune_process` (e.g. at the top of a script or a benchmark).

* **Allocator** (:func:`keep_freed_memory`). An MPC step allocates and frees
  arrays of tens of megabytes (masked messages, gathered shares, stream
  material). glibc's ``malloc`` returns such blocks to the kernel when they are
  freed, and the kernel must zero every page again on the next allocation.
  ``keep_freed_memory`` asks ``malloc`` to serve every block from its heap and
  keep freed memory for the next array; the process then stays at its peak
  memory instead of shrinking between steps. ``MPCARRAY_RETURN_MEMORY=1`` opts out.
* **Threads** (``OMP_WAIT_POLICY=PASSIVE``). Numba's OpenMP workers otherwise
  spin after each parallel kernel and starve the BLAS call that follows
  (owner-local ``X.T @ X`` ran ~15x slower on 2 cores). The OpenMP runtime reads
  it when it loads, at the first parallel kernel: set it before computing. A
  value already in the environment wins.
"""

import ctypes
import ctypes.util
import os
import sys

#: Setting it to ``1`` leaves the allocator alone.
ENV_OPT_OUT = "MPCARRAY_RETURN_MEMORY"
_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_MAX = -4
_LARGEST_INT = 2**31 - 1

_in_effect: bool | None = None


def tune_process() -> bool:
    """Apply mpcarray's process policies to this whole process; True if the allocator's is in effect.

    Sets ``OMP_WAIT_POLICY=PASSIVE`` unless the variable is already set, and calls
    :func:`keep_freed_memory`. ``mpcarray party`` and ``mpcarray dealer`` call it;
    call it yourself, before the first computation, for the same speed in a script
    (``mpc.tune_process()``), knowing that it changes other libraries' behaviour too.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return keep_freed_memory()


def keep_freed_memory() -> bool:
    """Serve large blocks from the heap and keep freed memory (glibc only); True if in effect.

    Applied once per process; on other platforms, other C libraries or with
    ``MPCARRAY_RETURN_MEMORY=1`` nothing changes and the result is False.
    """
    global _in_effect
    if _in_effect is None:
        _in_effect = _configure_malloc()
    return _in_effect


def _configure_malloc() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get(ENV_OPT_OUT) == "1":
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return False
    # no block is mmapped (each would be zeroed afresh), freed memory is kept below 2 GiB
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _LARGEST_INT))
