"""One line on stderr when a process starts compiling mpcarray's kernels, so a first run does not look hung.

Numba compiles a kernel when it first meets new argument types and its disk
cache does not have that compilation. Numba's ``numba:compile`` event fires
for exactly those compilations (not for cache loads), so a listener on it
prints :data:`MESSAGE` at the first one in the process and nothing when the
cache is warm. ``Session`` and the dealer install it; the listener costs
nothing outside compilation.
"""

import sys

from numba.core import event

#: Printed on stderr once per process, at the first compilation of an mpcarray kernel.
MESSAGE = "mpcarray: compiling Numba kernels (first run only: they are cached on disk) ..."

_listener = None


def announce_compilation() -> None:
    """Print :data:`MESSAGE` when this process first compiles an mpcarray kernel (idempotent)."""
    global _listener
    if _listener is None:
        _listener = _FirstCompilation()
        event.register("numba:compile", _listener)


class _FirstCompilation(event.Listener):
    def __init__(self):
        self.printed = False

    def on_start(self, ev):
        if not self.printed and ev.data["dispatcher"].py_func.__module__.startswith("mpcarray."):
            self.printed = True
            print(MESSAGE, file=sys.stderr, flush=True)

    def on_end(self, ev):
        pass
