"""Random matrices modulo a product of primes, for the exact masked solve and inversion.

Two dealer kinds, both over a :class:`~mpcarray.domains.residues.ResidueRing`
of ``count`` primes, every element drawn from two stream values per residue:

* ``masked_solve`` ``(m, cols, count)``: a random ``R`` ``(m, m)``, a mask ``A``
  ``(m, cols)`` and ``C = R A``;
* ``masked_inverse`` ``(m, t, count)``: ``R``, ``A`` and ``C = R A`` ``(m, m)``; a
  second random ``R_T`` ``(t, t)`` with ``C_T = R_T A_T``, ``A_T`` the block of ``A``
  on the indices :func:`block_indices` (``t`` is 1 or 2); a random scalar ``rho``
  with ``rho R`` and ``rho R_T``.

The products are party 0's corrections; everything else is every party's stream.
"""

import numpy as np

from .. import kernels
from ..domains.residues import ResidueRing

#: The parts that are products of others (party 0's share is the dealer's correction).
CORRECTED = ("C", "CT", "rhoR", "rhoRT")


def block_indices(m: int, t: int) -> list[int]:
    """The rows and columns of the block ``A_T``: the first and last (``t = 2``) or the last (``t = 1``)."""
    return [0, m - 1] if t == 2 else [m - 1]


def layout(kind: str, params: tuple) -> list[tuple[str, tuple]]:
    """The parts of one request, ``(name, shape)`` in stream order; :class:`ValueError` for bad parameters."""
    if len(params) != 3 or min(params[:2]) < 1:
        raise ValueError(f"{kind} needs (size, size, primes) with positive sizes, got {params}")
    ResidueRing(params[2])  # a valid number of primes, else ValueError
    m, other = params[:2]
    if kind == "masked_solve":
        return [("R", (m, m)), ("A", (m, other)), ("C", (m, other))]
    if other not in (1, 2) or other > m:
        raise ValueError(f"masked_inverse needs a block of 1 or 2 indices of {m}, got {other}")
    return [("R", (m, m)), ("A", (m, m)), ("C", (m, m)), ("RT", (other, other)), ("CT", (other, other)),
            ("rho", (1, 1)), ("rhoR", (m, m)), ("rhoRT", (other, other))]


def length(kind: str, *params) -> int:
    """Stream values one request reserves."""
    return sum(int(np.prod(shape)) for _, shape in layout(kind, params)) * 2 * params[2]


def parts(flat: np.ndarray, kind: str, params: tuple, ring: ResidueRing) -> dict[str, np.ndarray]:
    """Every held party's parts from its stream values ``flat`` ``(k, length)``, as elements ``(k, K, *shape)``."""
    k, count, start, out = flat.shape[0], ring.count, 0, {}
    for name, shape in layout(kind, params):
        size = 2 * count * int(np.prod(shape))
        words = flat[:, start: start + size].reshape((k, count) + shape + (2,))
        out[name] = np.stack([ring.uniform(w) for w in words])
        start += size
    return out


def products(sums: dict[str, np.ndarray], kind: str, params: tuple, ring: ResidueRing) -> dict[str, np.ndarray]:
    """The corrected parts' values from the random parts' values ``sums`` (each ``(K, *shape)``)."""
    values = {"C": ring.matmul(sums["R"], sums["A"])}
    if kind == "masked_inverse":
        m, t, count = params
        index = block_indices(m, t)
        values["CT"] = ring.matmul(sums["RT"], sums["A"][:, index][:, :, index])
        for name in ("R", "RT"):
            flat = sums[name].reshape(count, 1, -1)
            values["rho" + name] = ring.matmul(sums["rho"], flat).reshape(sums[name].shape)
    return values


def correction(kind: str, streams, offset: int, *params) -> np.ndarray:
    """Party 0's shares of the corrected parts, ``(K, total size)``: each value less the other parties' shares."""
    ring = ResidueRing(params[2])
    drawn = parts(kernels.fill_streams(streams, offset, length(kind, *params)), kind, params, ring)
    sums = {name: _sum(ring, values) for name, values in drawn.items()}
    fixed = [ring.sub(value, _sum(ring, drawn[name][1:])).reshape(ring.count, -1)
             for name, value in products(sums, kind, params, ring).items()]
    return np.concatenate(fixed, axis=1)


def corrected(held: dict[str, np.ndarray], fix: np.ndarray, row: int, ring: ResidueRing) -> None:
    """Put party 0's correction ``fix`` (its rows at ``row`` of ``held``) in place of its stream values."""
    start = 0
    for name in CORRECTED:
        if name in held:
            shape = held[name].shape[2:]
            size = int(np.prod(shape))
            held[name][row] = fix[:, start: start + size].reshape((ring.count,) + shape)
            start += size
    if start != fix.shape[1]:
        raise ValueError(f"the dealer's correction has {fix.shape[1]} residues per prime, expected {start}")


def _sum(ring: ResidueRing, shares: np.ndarray) -> np.ndarray:
    """The sum of the parties' shares ``(k, K, ...)`` modulo P."""
    total = np.zeros(shares.shape[1:], dtype=np.uint64)
    for share in shares:
        total = ring.add(total, share)
    return total
