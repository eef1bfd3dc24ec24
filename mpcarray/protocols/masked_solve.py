"""Solving and inverting pooled linear equations exactly: mask with a random matrix, open, finish in public.

The parties hold, between them, integer matrices that are sums of one
contribution per owner (each hospital's own Gram matrix ``Z_i``, from its own
rows). A random invertible matrix ``R`` hides ``Z``: ``R Z`` is a uniformly
random invertible matrix whatever ``Z`` is (for invertible ``Z``). Opened, it
lets every party finish in public: ``R b = (R G) x`` discloses the solution
``x`` of ``G x = b`` (:func:`masked_solve`), and ``(R Z)^-1 (rho R) = rho Z^-1``
discloses entries of ``Z^-1`` up to a common random factor ``rho``, that is,
their ratios only (:func:`masked_inverse_ratios`). Modulo the large ``P`` of a
:class:`~mpcarray.domains.residues.ResidueRing` all of this is exact. This is
the masked inversion of Bar-Ilan and Beaver (PODC 1989) applied to matrices.

Additive sharing: the dealer supplies ``R``, a mask ``A`` of ``Z`` and the
products; every party sends the others ``Z_i - A_i`` (zeros for a party that
owns nothing), so every party learns ``E = Z - A``, a one-time pad of ``Z``, and
holds ``R_i E + C_i``, a share of ``R Z``. Shamir sharing (no dealer): each owner
shares its ``Z_i`` (degree ``t``, one sharing per prime), the parties agree
that every sharing arrived (as for any input of a session that tolerates
failures), multiply by pseudo-random sharings of ``R`` (PRSS), and open the
degree-``2t`` products with ``2t + 1`` live parties after adding a pseudo-random
sharing of zero, so that the opened polynomials are uniform.
"""

import numpy as np

from ..errors import InputLostError, ProtocolError
from .opening import agree_live, require_live


def masked_solve(rt, contributions: np.ndarray, ring, owners: tuple[int, ...]) -> np.ndarray | None:
    """``x mod P`` ``(K, m, cols - m)`` with ``G x = b`` for ``[G | b]`` the sum of the owners'
    contributions, or None if ``G`` is singular.

    ``contributions``: ``(k, K, m, cols)`` elements of ``ring``, each held
    party's own ``[G_i | b_i]`` (read where the party is one of ``owners``), ``cols > m``.

    Steps: (1) ``Z = [G | b]`` is one-time padded (additive) or shared by its
    owners (Shamir, with the agreement that every sharing arrived); (2) ``R Z``
    is opened; (3) every party solves ``(R G) x = R b`` in public, modulo each prime.

    Cost: 2 rounds (3 with Shamir); with ``K`` primes each party sends ``8 K m cols (n - 1)``
    bytes a round (additive), an owner ``8 K m cols (n - 1)`` in the first round (Shamir);
    the dealer sends party 0 ``8 K m cols`` bytes (additive).
    Security: the parties learn ``x`` (and whether ``G`` is invertible), nothing else:
    the opened ``R Z`` is ``[M | M x]`` for a uniformly random invertible ``M``.
    ``R`` is singular modulo some prime with probability below ``K m 2^-61``; the
    solve then reports a singular ``G``, as it does in the (equally unlikely, for
    data not built for it) case that a prime divides ``det G``.
    """
    k, _, m, cols = contributions.shape
    if rt.shamir:
        pooled = _shared_by_owners(rt, contributions, ring, owners)
        r = _pseudo_random(rt, ring, k, (m, m))
        product = _open_products(rt, ring, [np.stack([ring.matmul(r[row], pooled[row]) for row in range(k)])])[0]
    else:
        material = rt.provider.residue_masks("masked_solve", (m, cols, ring.count), ring)
        pad = _open_sum(rt, ring, [_minus(ring, contributions, material["A"])])[0]  # E = Z - A
        shares = [ring.add(ring.matmul(material["R"][row], pad), material["C"][row]) for row in range(k)]
        product = _open_sum(rt, ring, [np.stack(shares)])[0]
    return ring.solve(product, m)


def masked_inverse_ratios(rt, contributions: np.ndarray, ring, owners: tuple[int, ...],
                          block: list[int]) -> np.ndarray | None:
    """``rho`` times entries of ``Z^-1`` and of ``T^-1``, for a random ``rho`` unknown to all, or None if
    ``Z`` or ``T`` is singular.

    ``contributions``: ``(k, K, s, s)`` elements, each held party's own part of
    ``Z`` (read where the party is one of ``owners``); ``T`` is the block of ``Z``
    on the indices ``block`` (one or two). Returns ``(K, 2 s)`` residues:
    ``rho`` times the last column of ``Z^-1`` (``s`` entries), its other diagonal
    entries (``s - 1``), and the last diagonal entry of ``T^-1``. Their ratios
    to the last entry of ``Z^-1`` are what they disclose.

    Steps: (1) as :func:`masked_solve`; (2) ``R Z`` and ``R_T T`` are opened
    together; (3) every party computes ``(R Z)^-1`` and ``(R_T T)^-1`` in public,
    multiplies them by its shares of ``rho R`` and ``rho R_T`` (from the dealer;
    with Shamir, products of pseudo-random sharings, of degree ``2t``), and the
    entries above are opened.

    Cost: 3 rounds (4 with Shamir); per party about ``8 K s^2 (n - 1)`` bytes in
    each of the first two rounds and ``16 K s (n - 1)`` in the last.
    Security: the parties learn the ratios of the returned entries (and whether
    ``Z`` and ``T`` are invertible), nothing else: ``R Z`` and ``R_T T`` are
    uniformly random invertible matrices, and ``rho`` is uniform and nonzero.
    """
    k, count, size, _ = contributions.shape
    t = len(block)
    if rt.shamir:
        pooled = _shared_by_owners(rt, contributions, ring, owners)
        r, r_t = _pseudo_random(rt, ring, k, (size, size)), _pseudo_random(rt, ring, k, (t, t))
        rho = _pseudo_random(rt, ring, k, (1, 1))
        masked = [np.stack([ring.matmul(r[row], pooled[row]) for row in range(k)]),
                  np.stack([ring.matmul(r_t[row], _block(pooled[row], block)) for row in range(k)])]
        opened = _open_products(rt, ring, masked)
        scaled_r = [ring.matmul(rho[row], r[row].reshape(count, 1, -1)).reshape(r.shape[1:]) for row in range(k)]
        scaled_rt = [ring.matmul(rho[row], r_t[row].reshape(count, 1, -1)).reshape(r_t.shape[1:]) for row in range(k)]
    else:
        material = rt.provider.residue_masks("masked_inverse", (size, t, count), ring)
        pad = _open_sum(rt, ring, [_minus(ring, contributions, material["A"])])[0]  # E = Z - A
        masked = [np.stack([ring.add(ring.matmul(material["R"][row], pad), material["C"][row]) for row in range(k)]),
                  np.stack([ring.add(ring.matmul(material["RT"][row], _block(pad, block)), material["CT"][row])
                            for row in range(k)])]
        opened = _open_sum(rt, ring, masked)
        scaled_r, scaled_rt = list(material["rhoR"]), list(material["rhoRT"])
    inverse = ring.solve(np.concatenate([opened[0], _identity(ring, size)], axis=2), size)
    inverse_t = ring.solve(np.concatenate([opened[1], _identity(ring, t)], axis=2), t)
    if inverse is None or inverse_t is None:
        return None
    shares = []
    for row in range(k):
        z = ring.matmul(inverse, scaled_r[row])  # rho Z^-1
        z_t = ring.matmul(inverse_t, scaled_rt[row])  # rho T^-1
        diagonal = z[:, np.arange(size - 1), np.arange(size - 1)]
        shares.append(np.concatenate([z[:, :, size - 1], diagonal, z_t[:, t - 1, t - 1:]], axis=1))
    stacked = np.stack(shares)
    return (_open_products(rt, ring, [stacked]) if rt.shamir else _open_sum(rt, ring, [stacked]))[0]


# ----------------------------------------------------------------- additive sharing
def _minus(ring, contributions: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each held party's contribution less its share of the mask."""
    return np.stack([ring.sub(c, a) for c, a in zip(contributions, mask)])


def _open_sum(rt, ring, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The sums modulo P of every party's rows of ``arrays`` (each ``(k, K, ...)``), in one round."""
    k, count = arrays[0].shape[:2]
    flat = np.concatenate([a.reshape(k, count, -1) for a in arrays], axis=2)
    gathered = rt.transport.all_gather(flat)
    total = np.zeros(flat.shape[1:], dtype=np.uint64)
    for sender, elements in enumerate(gathered):
        total = ring.add(total, _checked(rt, ring, elements, flat.shape[2:], sender))
    return _split(total, arrays)


# ----------------------------------------------------------------- Shamir sharing
def _shared_by_owners(rt, contributions: np.ndarray, ring, owners) -> np.ndarray:
    """Held rows ``(k, K, ...)`` of the sum of the owners' contributions, each shared by its owner (1
    round, and the agreement that every sharing arrived in a tolerant session: 1 more)."""
    k, count = contributions.shape[:2]
    shape = contributions.shape[2:]
    scheme, transport = rt.scheme, rt.transport
    sharings = {}
    transport.begin_round()
    for owner in owners:
        if owner in rt.ranks and owner not in transport.failed:
            own = contributions[rt.ranks.index(owner)]
            sharings[owner] = np.stack(
                [scheme.split(own[p], field.uniform(rt.input_rng, (scheme.threshold,) + shape), field)
                 for p, field in enumerate(ring.fields)], axis=1)  # (n, K, *shape)
            for receiver in transport.live:
                if receiver != owner:
                    transport.send(owner, receiver, sharings[owner][receiver])
    received = {(owner, party): sharings[owner][party] if owner == party else transport.recv(owner, party)
                for owner in owners for party in rt.ranks if party not in transport.failed}
    transport.end_round()
    lost = sorted({owner for (owner, _), message in received.items() if message is None})
    if transport.tolerant and not agree_live(rt, not lost) or lost:
        names = ", ".join(repr(rt.parties[o]) for o in lost) or "an owner"
        raise InputLostError(f"{names} failed before its normal equations were shared: the exact solve "
                             "needs every owner's (use method='iterative', which pools the survivors' rows)")
    pooled = np.zeros((k, count) + shape, dtype=np.uint64)
    for row, party in enumerate(rt.ranks):
        if party not in transport.failed:
            for owner in owners:
                pooled[row] = ring.add(pooled[row], _checked(rt, ring, received[(owner, party)], shape, owner))
    return pooled


def _pseudo_random(rt, ring, k: int, shape: tuple) -> np.ndarray:
    """Held rows ``(k, K, *shape)`` of a pseudo-random degree-``t`` sharing per prime (no communication)."""
    size = int(np.prod(shape))
    drawn = [rt.provider.random_sharings(size, field) for field in ring.fields]
    return np.stack(drawn, axis=1).reshape((k, ring.count) + shape)


def _open_products(rt, ring, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Open degree-``2t`` sharings ``arrays`` (each ``(k, K, ...)``) in one round: a pseudo-random
    sharing of zero is added first, then ``2t + 1`` live parties' shares are interpolated per prime."""
    k, count = arrays[0].shape[:2]
    flat = np.concatenate([a.reshape(k, count, -1) for a in arrays], axis=2)
    zero = np.stack([rt.provider.zero_sharings(flat.shape[2], field) for field in ring.fields], axis=1)
    degree = rt.scheme.product_degree
    require_live(rt, degree + 1, f"open a degree-{degree} product")
    gathered = rt.transport.all_gather(np.stack([ring.add(share, z) for share, z in zip(flat, zero)]))
    live = rt.transport.live[: degree + 1]
    rows = np.stack([_checked(rt, ring, gathered[party], flat.shape[2:], party) for party in live])
    total = np.stack([field.matmul(rt.scheme.lagrange(live, field).reshape(1, -1), rows[:, p])[0]
                      for p, field in enumerate(ring.fields)])
    return _split(total, arrays)


# ----------------------------------------------------------------- helpers
def _block(matrix: np.ndarray, block: list[int]) -> np.ndarray:
    """The rows and columns ``block`` of ``(K, s, s)`` elements."""
    return np.ascontiguousarray(matrix[:, block][:, :, block])


def _identity(ring, size: int) -> np.ndarray:
    return np.broadcast_to(np.eye(size, dtype=np.uint64), (ring.count, size, size))


def _split(total: np.ndarray, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """``total`` ``(K, M)`` cut back into the shapes of ``arrays`` (without their party axis)."""
    out, start = [], 0
    for a in arrays:
        size = int(np.prod(a.shape[2:]))
        out.append(total[:, start: start + size].reshape(a.shape[1:]))
        start += size
    return out


def _checked(rt, ring, elements, shape: tuple, sender: int) -> np.ndarray:
    """``elements`` from ``sender`` if they are residues ``(K, *shape)``; else :class:`ProtocolError`."""
    try:
        return ring.check(elements, shape, f"party {rt.parties[sender]!r}")
    except ValueError as err:
        raise ProtocolError(f"{err} (do all parties run the same program?)") from err
