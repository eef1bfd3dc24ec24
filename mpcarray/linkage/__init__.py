"""Record linkage: which patients do the parties have in common, without showing each other the rest.

Private set intersection (PSI) by commutative encryption on Curve25519
(X25519), and with three or more parties programmed tables and zero shares, so
that no party learns what only some of the others have in common: a vertical
study first links the parties' identifiers, then each party aligns its rows to
the common order and shares them::

    link = mpc.linkage.private_intersection(s, ids)
    x = s.share(link.align("lab", labs), owner="lab")

The protocol, what each party learns and the cost are in ``docs/linkage.md``.
"""

from .intersection import intersection_size, private_intersection
from .result import Linkage

__all__ = ["Linkage", "intersection_size", "private_intersection"]
