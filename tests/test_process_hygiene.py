"""mpcarray leaves the user's process as it found it; its own processes get its policies.

Importing mpcarray and computing in Sessions of both schemes change no environment
variable and leave glibc's allocator alone; ``mpcarray party`` and ``mpcarray dealer``
(``cli._own_process``) and ``mpc.tune_process()`` apply both policies (mpcarray.memory).
Every party and dealer process imports mpcarray: galois and scipy.stats (slow to
import) wait until a field-element array or a p-value needs them (mpcarray.lazy_imports).
Each check runs in a fresh interpreter, as the test process has imported mpcarray already.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import glibc_only

ROOT = Path(__file__).resolve().parents[1]

USER_PROCESS = """
import json, os
before = dict(os.environ)
import numpy as np
import mpcarray as mpc
from mpcarray import memory
for options in ({}, {"scheme": "shamir"}):
    with mpc.Session(parties=3, seed=0, **options) as s:
        x = s.share(np.linspace(-2.0, 2.0, 100), owner=0)
        (np.exp(x) * x).sum().reveal()
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
print(json.dumps({"changed": changed, "allocator": memory._in_effect}))
"""

OWN_PROCESS = """
import json, os
from mpcarray import cli, memory
status = cli._own_process(lambda args: 7)(None)
print(json.dumps({"status": status, "omp": os.environ.get("OMP_WAIT_POLICY"),
                  "allocator": memory._in_effect}))
"""


def run(code: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "MPCARRAY_RETURN_MEMORY")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True, timeout=300)
    return json.loads(done.stdout.splitlines()[-1])


def test_import_and_sessions_leave_the_process_alone():
    result = run(USER_PROCESS)
    assert result == {"changed": [], "allocator": None}  # no variable set, mallopt never called


def test_party_and_dealer_processes_apply_the_policies():
    result = run(OWN_PROCESS)
    assert result["status"] == 7
    assert result["omp"] == "PASSIVE"
    assert result["allocator"] is not None  # attempted: True on glibc, False elsewhere


LAZY_IMPORTS = """
import json, sys
import numpy as np
import mpcarray as mpc
heavy = ("galois", "scipy.stats", "mpcarray.models", "mpcarray.stats")
loaded = {"import": [m for m in heavy if m in sys.modules]}
with mpc.Session(parties=3, seed=0) as s:
    (s.share(np.arange(4.0), owner=0) ** 2).sum().reveal()
loaded["additive session"] = [m for m in heavy if m in sys.modules]
mpc.stats.kaplan_meier
loaded["stats"] = [m for m in heavy if m in sys.modules]
with mpc.Session(parties=3, scheme="shamir") as s:
    s.share(np.arange(4), owner=0).reveal()
loaded["shamir session"] = [m for m in heavy if m in sys.modules]
print(json.dumps(loaded))
"""


def test_heavy_dependencies_are_imported_by_their_first_use():
    assert run(LAZY_IMPORTS) == {"import": [], "additive session": [], "stats": ["mpcarray.stats"],
                                 "shamir session": ["mpcarray.stats"]}


@glibc_only
def test_tune_process_keeps_freed_memory_on_glibc():
    code = "import mpcarray as mpc; print('[' + str(mpc.tune_process()).lower() + ']')"
    assert run(code) == [True]
