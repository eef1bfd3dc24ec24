"""Two reveals and a refused one in an audited session; the audit directory is ``sys.argv[1]``.

Under ``mpcarray run`` each party writes its own log and exchanges heads over
the sockets; run directly, the simulated backend writes all three logs.
"""

import sys

import numpy as np

import mpcarray as mpc
from mpcarray.privacy import Policy

POLICIES = {"party2": Policy(labels=["mean *", "total *"])}


def main(directory) -> None:
    with mpc.Session.from_env(parties=3, policies=POLICIES, audit=directory) as s:
        x = s.share(np.arange(6.0) if s.holds(0) else None, owner=0)
        print("mean", x.mean().reveal(label="mean x"))
        try:
            x.reveal(label="rows of x")
        except mpc.RevealRefusedError:
            print("refused")
        print("total", x.sum().reveal(label="total x"))


if __name__ == "__main__":
    main(sys.argv[1])
