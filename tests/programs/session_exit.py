"""Session life-cycle under ``mpcarray run``: ``exit N`` calls sys.exit(N) inside the ``with`` block
after one product (so the dealer served the parties); ``plain`` creates ``mpc.Session()`` instead of
``Session.from_env()``."""

import sys

import numpy as np

import mpcarray as mpc

if sys.argv[1] == "plain":
    mpc.Session(parties=3)
else:
    with mpc.Session.from_env(parties=3) as s:
        x = s.share(np.array([2.0, 3.0]) if s.holds(0) else None, owner=0)
        print("product", (x * x).sum().reveal())
        sys.exit(None if sys.argv[2] == "none" else int(sys.argv[2]))
