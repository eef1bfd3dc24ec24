"""Solving pooled linear equations exactly: mask the matrix with a random one, open it, solve in public.

The parties hold, between them, integer equations ``G x = b`` that are sums of
one contribution per party (each hospital's own ``[G_i | b_i]``, from its own
rows). A random invertible matrix ``R`` from the dealer hides ``G``: ``R G``
is a uniformly random invertible matrix whatever ``G`` is (over a field, for
invertible ``G``), and ``R b = (R G) x`` then discloses ``x`` and nothing
else. In the field ``GF(P)`` of :class:`~mpcarray.domains.wide_field.WideField`
the solution is exact, and the rational ``x`` follows from its residue.
This is the classical masked-inversion idea (Bar-Ilan and Beaver, PODC 1989)
applied to a whole linear system.
"""

import numpy as np

from ..errors import ProtocolError, UnsupportedOperationError


def masked_solve(rt, contributions: np.ndarray, field) -> np.ndarray | None:
    """``x mod P`` with ``G x = b`` for ``[G | b] = sum_i contributions[i]``, or None if ``G`` is singular.

    ``contributions``: ``(k, m, cols)`` elements of ``field``, each held
    party's own ``[G_i | b_i]`` (zeros for a party that contributes nothing),
    ``cols > m``; the result is ``(m, cols - m)``.

    Steps: (1) the dealer supplies additive shares of a random ``R``, a mask
    ``A`` and ``C = R A`` (elements of ``field``); each party sends every other
    ``Z_i - A_i``, so every party learns ``E = Z - A`` (a one-time pad of
    ``Z``); (2) each party's share of ``R Z`` is ``R_i E + C_i``, and ``R Z``
    is opened; (3) every party solves ``(R G) x = R b`` in public.

    Cost: 2 rounds; each party sends ``2 * 8 * words * m * cols * (n - 1)``
    bytes; the dealer sends party 0 ``8 * words * m * cols`` bytes.
    Security (additive sharing, trusted dealer): ``E`` is uniform; ``R Z`` is
    ``[M | M x]`` for a uniformly random invertible ``M``, so the parties learn
    ``x`` (and whether ``G`` is invertible), nothing else. A random ``R`` is
    singular with probability below ``m / P``; the solve then reports a
    singular ``G``.
    """
    if rt.shamir:
        raise UnsupportedOperationError("the masked solve needs additive sharing with a dealer (scheme='additive')")
    k, m, cols = contributions.shape
    r, a, c = rt.provider.masked_solve(m, cols, field)
    masked = np.stack([field.sub(contributions[row], a[row]) for row in range(k)])
    opened_mask = _open(rt, masked, field)  # E = Z - A, step (1)
    shares = np.stack([field.add(field.matmul(r[row], opened_mask), c[row]) for row in range(k)])
    product = _open(rt, shares, field)  # R Z, step (2)
    return field.solve(product[:, :m], product[:, m:])


def _open(rt, rows: np.ndarray, field) -> np.ndarray:
    """The sum mod P of every party's ``rows`` (one round, all-gathered as words)."""
    gathered = rt.transport.all_gather(field.to_words(rows))
    total = np.zeros(rows.shape[1:], dtype=object)
    for sender, words in enumerate(gathered):
        try:
            total = total + field.from_words(words, f"party {rt.parties[sender]!r}")
        except ValueError as err:
            raise ProtocolError(f"{err} (do all parties run the same program?)") from err
    return np.vectorize(lambda v: v % field.p, otypes=[object])(total)
