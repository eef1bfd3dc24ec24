"""Freed memory kept for reuse, so large share arrays cost no page faults.

An MPC step allocates and frees arrays of tens of megabytes (masked
messages, gathered shares, stream material). glibc's ``malloc`` returns such
blocks to the kernel when they are freed, and the kernel must zero every page
again on the next allocation: on a 2-core machine that was a third of a 10^6
multiplication's time. :func:`keep_freed_memory` asks ``malloc`` to serve
every block from its heap and keep freed memory for the next array; the
process then stays at its peak memory instead of shrinking between steps.
Every :class:`~mpcarray.Session` applies it; set ``MPCARRAY_RETURN_MEMORY=1``
to keep the allocator's defaults.
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
