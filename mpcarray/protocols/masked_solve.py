"""Solving pooled linear equations exactly: mask the matrix with a random one, open it, solve in public.

The parties hold, between them, integer equations ``G x = b`` that are sums of
one contribution per owner (each hospital's own ``[G_i | b_i]``, from its own
rows). A random invertible matrix ``R`` hides ``G``: ``R G`` is a uniformly
random invertible matrix whatever ``G`` is (for invertible ``G``), and
``R b = (R G) x`` then discloses ``x`` and nothing else. Modulo the large ``P``
of a :class:`~mpcarray.domains.residues.ResidueRing` the solution is exact,
and the rational ``x`` follows from its residue. This is the masked
inversion of Bar-Ilan and Beaver (PODC 1989) applied to a whole linear system.
"""

import numpy as np

from ..errors import InputLostError, ProtocolError
from .opening import agree_live, require_live


def masked_solve(rt, contributions: np.ndarray, ring, owners: tuple[int, ...]) -> np.ndarray | None:
    """``x mod P`` ``(K, m, cols - m)`` with ``G x = b`` for ``[G | b]`` the sum of the owners'
    contributions, or None if ``G`` is singular.

    ``contributions``: ``(k, K, m, cols)`` elements of ``ring``, each held
    party's own ``[G_i | b_i]`` (read where the party is one of ``owners``),
    ``cols > m``.

    Steps with additive sharing: (1) the dealer supplies additive shares of a
    random ``R``, a mask ``A`` and ``C = R A``; each party sends every other
    ``Z_i - A_i`` (zeros for a party that owns nothing), so every party
    learns ``E = Z - A``, a one-time pad of ``Z``; (2) each party's share of
    ``R Z`` is ``R_i E + C_i``, and ``R Z`` is opened.
    Steps with Shamir sharing (no dealer): (1) each owner shares its
    contribution (degree ``t``, one sharing per prime) and every party adds the
    sharings up; (2) each party multiplies its share of a pseudo-random ``R``
    (PRSS) by its share of ``Z``, adds a pseudo-random sharing of zero of
    degree ``2t``, and the degree-``2t`` product ``R Z`` is opened by ``2t + 1``
    live parties (in a tolerant session the parties first agree that every
    owner's sharing arrived: 1 more round).
    Then (3) every party solves ``(R G) x = R b`` in public, modulo each prime.

    Cost: 2 rounds (3 in a tolerant Shamir session); with ``K`` primes each
    party sends ``8 K m cols (n - 1)`` bytes a round (additive), an owner
    ``8 K m cols (n - 1)`` in the first round (Shamir); the dealer sends party
    0 ``8 K m cols`` bytes (additive).
    Security: ``E`` is uniform, any ``t`` Shamir shares are uniform, and the
    opened ``R Z`` is ``[M | M x]`` for a uniformly random invertible ``M``
    (the zero sharing makes the opened polynomial uniform too), so the
    parties learn ``x`` (and whether ``G`` is invertible), nothing else.
    A random ``R`` is singular modulo some prime with probability below
    ``K m 2^-61``; the solve then reports a singular ``G``, as it does in the
    (equally unlikely, for data not built for it) case that a prime divides ``det G``.
    """
    m = contributions.shape[2]
    product = _shamir(rt, contributions, ring, owners) if rt.shamir else _additive(rt, contributions, ring)
    return ring.solve(product, m)


def _additive(rt, contributions: np.ndarray, ring) -> np.ndarray:
    """``R Z``, opened, with the dealer's ``R``, ``A`` and ``C = R A`` (steps 1-2)."""
    k, _, m, cols = contributions.shape
    material = rt.provider.residue_masks("masked_solve", (m, cols, ring.count), ring)
    r, a, c = material["R"], material["A"], material["C"]
    masked = np.stack([ring.sub(contributions[row], a[row]) for row in range(k)])
    opened_mask = _sum_of_all(rt, masked, ring)  # E = Z - A
    shares = np.stack([ring.add(ring.matmul(r[row], opened_mask), c[row]) for row in range(k)])
    return _sum_of_all(rt, shares, ring)


def _sum_of_all(rt, rows: np.ndarray, ring) -> np.ndarray:
    """The sum modulo P of every party's ``rows`` ``(k, K, ...)`` (one round, all-gathered)."""
    gathered = rt.transport.all_gather(rows)
    total = np.zeros(rows.shape[1:], dtype=np.uint64)
    for sender, elements in enumerate(gathered):
        total = ring.add(total, _checked(rt, ring, elements, rows.shape[2:], sender))
    return total


def _shamir(rt, contributions: np.ndarray, ring, owners) -> np.ndarray:
    """``R Z``, opened, with the owners' sharings and pseudo-random ``R`` and zero (steps 1-2)."""
    k, count, m, cols = contributions.shape
    fields, scheme, transport = ring.fields, rt.scheme, rt.transport
    r = _per_prime(fields, lambda field: rt.provider.random_sharings(m * m, field), k, (m, m))
    zero = _per_prime(fields, lambda field: rt.provider.zero_sharings(m * cols, field), k, (m, cols))
    sharings = {}
    transport.begin_round()
    for owner in owners:  # step (1): every owner's sharing, all in one round
        if owner in rt.ranks and owner not in transport.failed:
            own = contributions[rt.ranks.index(owner)]
            shares = np.stack([scheme.split(own[p], field.uniform(rt.input_rng, (scheme.threshold, m, cols)), field)
                               for p, field in enumerate(fields)], axis=1)  # (n, K, m, cols)
            sharings[owner] = shares
            for receiver in transport.live:
                if receiver != owner:
                    transport.send(owner, receiver, shares[receiver])
    received = {(owner, party): sharings[owner][party] if owner == party else transport.recv(owner, party)
                for owner in owners for party in rt.ranks if party not in transport.failed}
    transport.end_round()
    lost = sorted({owner for (owner, _), message in received.items() if message is None})
    if transport.tolerant and not agree_live(rt, not lost) or lost:
        names = ", ".join(repr(rt.parties[o]) for o in lost) or "an owner"
        raise InputLostError(f"{names} failed before its normal equations were shared: the exact solve "
                             "needs every owner's (use method='iterative', which pools the survivors' rows)")
    products = []
    for row, party in enumerate(rt.ranks):
        total = np.zeros((count, m, cols), dtype=np.uint64)
        for owner in owners:
            if party not in transport.failed:
                total = ring.add(total, _checked(rt, ring, received[(owner, party)], (m, cols), owner))
        products.append(ring.add(ring.matmul(r[row], total), zero[row]))  # step (2): degree 2t
    degree = scheme.product_degree
    require_live(rt, degree + 1, f"open a degree-{degree} product")
    gathered = transport.all_gather(np.stack(products))
    live = transport.live[: degree + 1]
    rows = np.stack([_checked(rt, ring, gathered[party], (m, cols), party) for party in live])
    opened = [field.matmul(scheme.lagrange(live, field).reshape(1, -1), rows[:, p].reshape(len(live), -1))
              for p, field in enumerate(fields)]
    return np.stack(opened).reshape(count, m, cols)


def _per_prime(fields, draw, k: int, shape: tuple) -> np.ndarray:
    """Held rows ``(k, K, *shape)`` of one pseudo-random sharing per prime."""
    return np.stack([draw(field) for field in fields], axis=1).reshape((k, len(fields)) + shape)


def _checked(rt, ring, elements, shape: tuple, sender: int) -> np.ndarray:
    """``elements`` from ``sender`` if they are residues ``(K, *shape)``; else :class:`ProtocolError`."""
    try:
        return ring.check(elements, shape, f"party {rt.parties[sender]!r}")
    except ValueError as err:
        raise ProtocolError(f"{err} (do all parties run the same program?)") from err
