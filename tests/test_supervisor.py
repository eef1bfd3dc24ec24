"""`mpcarray run`'s supervisor: which of its children it may kill early."""

import os
import signal
import subprocess
import sys
import time

import pytest

from mpcarray import launch

needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"),
                                reason="a process's stopped state is read from /proc (Linux)")


@needs_proc
def test_a_stopped_child_is_told_from_a_running_one():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert not launch._stopped(child.pid)
        os.kill(child.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 5
        while not launch._stopped(child.pid):
            assert time.monotonic() < deadline, "SIGSTOP not seen in /proc within 5 s"
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGCONT)
        deadline = time.monotonic() + 5
        while launch._stopped(child.pid):
            assert time.monotonic() < deadline, "SIGCONT not seen in /proc within 5 s"
            time.sleep(0.01)
    finally:
        child.kill()
        child.wait()
    assert not launch._stopped(child.pid)  # reaped: no such process
