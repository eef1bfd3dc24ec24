"""Solving pooled linear equations exactly: mask the matrix with a random one, open it, solve in public.

The parties hold, between them, integer equations ``G x = b`` that are sums of
one contribution per party (each hospital's own ``[G_i | b_i]``, from its own
rows). A random invertible matrix ``R`` from the dealer hides ``G``: ``R G``
is a uniformly random invertible matrix whatever ``G`` is (for invertible
``G``), and ``R b = (R G) x`` then discloses ``x`` and nothing else. Modulo the
large ``P`` of a :class:`~mpcarray.domains.residues.ResidueRing` the solution
is exact, and the rational ``x`` follows from its residue. This is the
masked inversion of Bar-Ilan and Beaver (PODC 1989) applied to a whole linear system.
"""

import numpy as np

from ..errors import ProtocolError, UnsupportedOperationError


def masked_solve(rt, contributions: np.ndarray, ring) -> np.ndarray | None:
    """``x mod P`` ``(K, m, cols - m)`` with ``G x = b`` for ``[G | b] = sum_i contributions[i]``,
    or None if ``G`` is singular.

    ``contributions``: ``(k, K, m, cols)`` elements of ``ring``, each held
    party's own ``[G_i | b_i]`` (zeros for a party that contributes nothing),
    ``cols > m``.

    Steps: (1) the dealer supplies additive shares of a random ``R``, a mask
    ``A`` and ``C = R A`` (elements of ``ring``); each party sends every other
    ``Z_i - A_i``, so every party learns ``E = Z - A`` (a one-time pad of
    ``Z``); (2) each party's share of ``R Z`` is ``R_i E + C_i``, and ``R Z``
    is opened; (3) every party solves ``(R G) x = R b`` in public, modulo each prime.

    Cost: 2 rounds; each party sends ``2 * 8 * K * m * cols * (n - 1)`` bytes
    (``K`` primes); the dealer sends party 0 ``8 * K * m * cols`` bytes.
    Security (additive sharing, trusted dealer): ``E`` is uniform; ``R Z`` is
    ``[M | M x]`` for a uniformly random invertible ``M``, so the parties learn
    ``x`` (and whether ``G`` is invertible), nothing else. A random ``R`` is
    singular modulo some prime with probability below ``K m 2^-61``; the solve
    then reports a singular ``G``, as it does in the (equally unlikely, for data
    not built for it) case that a prime divides ``det G``.
    """
    if rt.shamir:
        raise UnsupportedOperationError("the masked solve needs additive sharing with a dealer (scheme='additive')")
    k, _, m, cols = contributions.shape
    r, a, c = rt.provider.masked_solve(m, cols, ring)
    masked = np.stack([ring.sub(contributions[row], a[row]) for row in range(k)])
    opened_mask = _open(rt, masked, ring)  # E = Z - A, step (1)
    shares = np.stack([ring.add(ring.matmul(r[row], opened_mask), c[row]) for row in range(k)])
    product = _open(rt, shares, ring)  # R Z, step (2)
    return ring.solve(product, m)


def _open(rt, rows: np.ndarray, ring) -> np.ndarray:
    """The sum modulo P of every party's ``rows`` ``(k, K, ...)`` (one round, all-gathered)."""
    gathered = rt.transport.all_gather(rows)
    total = np.zeros(rows.shape[1:], dtype=np.uint64)
    for sender, elements in enumerate(gathered):
        try:
            total = ring.add(total, ring.check(elements, rows.shape[2:], f"party {rt.parties[sender]!r}"))
        except ValueError as err:
            raise ProtocolError(f"{err} (do all parties run the same program?)") from err
    return total
