"""Beaver multiplication, squaring and matrix products (Beaver, CRYPTO 1991).

Each takes the ``shift`` a fixed-point product is truncated by (0 for
integers): over the ring the product is followed by
:func:`mpcarray.protocols.truncate` (one more round). In Shamir sessions each
entry point hands over to :mod:`mpcarray.protocols.degree_reduction` (no
dealer, no triples), where truncation shares the product's one round.
"""

import numpy as np

from .. import kernels
from ..preprocessing.kinds import gram_chunks
from . import degree_reduction
from .opening import open_shares
from .truncation import mask_truncation, truncate, truncate_product, unmask_truncation


def _rows(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x).reshape(x.shape[0], -1)


def _truncated(rt, z: np.ndarray, shift: int) -> np.ndarray:
    return truncate(rt, z, shift) if shift else z


def mul(rt, x: np.ndarray, y: np.ndarray, shift: int = 0) -> np.ndarray:
    """Elementwise ``[x] * [y]`` for shares of equal shape.

    Steps: (1) the dealer supplies a triple ``[a], [b], [c = a*b]``; (2) parties
    open ``d = x - a`` and ``e = y - b`` together; (3) party ``i`` computes
    ``c_i + d*b_i + e*a_i``, and party 0 adds ``d*e``.

    Cost: 1 round; each party sends and receives ``2 * 8 * N * (n - 1)`` bytes;
    the dealer sends party 0 ``8 * N`` bytes. With a ``shift``, step (3) and the
    truncation's masking are one kernel (:func:`mpcarray.protocols.truncation.truncate_product`).
    Security: ``d`` and ``e`` are uniform because ``a`` and ``b`` are.
    """
    if x.shape != y.shape:
        raise ValueError(f"mul needs equal share shapes, got {x.shape} and {y.shape}")
    if rt.shamir:
        return degree_reduction.mul(rt, x, y, shift)
    xs, ys = _rows(x), _rows(y)
    t = rt.provider.beaver_triples(xs.shape[1])
    fix = t.correction_buffer(xs.shape[1])
    (opened,) = open_shares(rt, kernels.beaver_mask(xs, ys, t.streams, t.offset, fix))
    if shift:
        return truncate_product(rt, opened, t, shift).reshape(x.shape)
    return kernels.beaver_combine(opened, t.streams, t.offset, t.correction, rt.first_row).reshape(x.shape)


def mul_and_truncate(rt, products, truncations) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Independent products and truncations opened together: ``[x] * [y]`` for each ``(x, y, shift)``
    of ``products`` and ``[z] / 2^shift`` for each ``(z, shift)`` of ``truncations``, in one round.

    Over the ring a product's ``shift`` must be 0 (exact products; a truncated
    product takes two rounds, :func:`mul`); in Shamir sessions it may be any
    (:func:`mpcarray.protocols.degree_reduction.mul_and_truncate`).
    Steps: (1) the products' operands are masked as in :func:`mul` (one batch
    of triples for all of them) and each truncation as in
    :func:`~mpcarray.protocols.truncate`; (2) one opening of everything; (3)
    each part is finished as its own protocol does.
    Cost: 1 round; each party sends and receives ``8 * (2P + T) * (n - 1)``
    bytes for ``P`` product and ``T`` truncated elements; the dealer sends party
    0 ``8 * P + 16 * T`` bytes.
    Security: as :func:`mul` and :func:`~mpcarray.protocols.truncate`: only uniformly masked openings.
    """
    if rt.shamir:
        return degree_reduction.mul_and_truncate(rt, products, truncations)
    if any(shift for *_, shift in products):
        raise ValueError("over the ring a product and its truncation take two rounds: give shift 0")
    flat = [(_rows(x), _rows(y)) for x, y, _ in products]
    size = sum(xs.shape[1] for xs, _ in flat)
    masked, triples = [], None
    if size:
        triples = rt.provider.beaver_triples(size)
        xs, ys = (np.concatenate([pair[i] for pair in flat], axis=1) for i in (0, 1))
        masked.append(kernels.beaver_mask(xs, ys, triples.streams, triples.offset, triples.correction_buffer(size)))
    parts = [mask_truncation(rt, z, shift) for z, shift in truncations]
    opened = open_shares(rt, *masked, *(part[-1] for part in parts))
    results, start = [], 0
    if triples is not None:
        z = kernels.beaver_combine(opened[0], triples.streams, triples.offset, triples.correction, rt.first_row)
        for (x, _, _), (xs, _) in zip(products, flat):
            results.append(z[:, start : start + xs.shape[1]].reshape(x.shape))
            start += xs.shape[1]
    return results, [unmask_truncation(rt, part, c) for part, c in zip(parts, opened[len(masked) :])]


def square(rt, x: np.ndarray, shift: int = 0) -> np.ndarray:
    """Elementwise ``[x]^2`` with a square pair, opening half of what :func:`mul` opens.

    Steps: (1) the dealer supplies ``[a], [s = a^2]``; (2) parties open
    ``d = x - a``; (3) party ``i`` computes ``s_i + 2*d*a_i``, party 0 adds ``d^2``.

    Cost: 1 round; each party sends and receives ``8 * N * (n - 1)`` bytes;
    the dealer sends party 0 ``8 * N`` bytes.
    Security: ``d`` is uniform because ``a`` is.
    """
    if rt.shamir:
        return degree_reduction.mul(rt, x, x, shift)
    xs = _rows(x)
    p = rt.provider.square_pairs(xs.shape[1])
    (d,) = open_shares(rt, kernels.square_mask(xs, p.streams, p.offset))
    z = kernels.square_combine(d, p.streams, p.offset, p.correction, rt.first_row)
    return _truncated(rt, z.reshape(x.shape), shift)


def matmul(rt, x: np.ndarray, y: np.ndarray, shift: int = 0) -> np.ndarray:
    """Matrix product ``[X] @ [Y]`` of shares shaped ``(k, *batch, m, t)`` and ``(k, *batch, t, p)``.

    A stack of products (a non-empty ``batch``) is done in the same single round.

    Steps: (1) the dealer supplies a matrix triple ``[A], [B], [C = A @ B]``;
    (2) parties open ``D = X - A`` and ``E = Y - B`` together; (3) party ``i``
    computes ``C_i + D @ B_i + A_i @ E``, and party 0 adds ``D @ E``.

    Cost: 1 round; each party sends and receives ``8 * (m*t + t*p) * (n - 1)``
    bytes per batch entry; the dealer sends party 0 ``8 * m * p`` bytes per entry.
    Local work: ``2k + 1`` ring products (``k`` = rows held) per entry, done by
    :func:`mpcarray.kernels.ring_matmul`.
    Security: ``D`` and ``E`` are uniform because ``A`` and ``B`` are.
    """
    k, batch, (m, inner), p = x.shape[0], x.shape[1:-2], x.shape[-2:], y.shape[-1]
    if y.shape[:-1] != (k,) + batch + (inner,):
        raise ValueError(f"matmul share shapes {x.shape} and {y.shape} do not align")
    if rt.shamir:
        return degree_reduction.matmul(rt, x, y, shift)
    a, b, c = rt.provider.matrix_triple(m, inner, p, batch)
    d, e = open_shares(rt, x - a, y - b)
    z = np.empty(c.shape, dtype=np.uint64)
    for index in np.ndindex(*batch):
        for row in range(k):
            at = (row,) + index
            z[at] = c[at] + kernels.ring_matmul(d[index], b[at]) + kernels.ring_matmul(a[at], e[index])
        if rt.first_row >= 0:
            z[(rt.first_row,) + index] += kernels.ring_matmul(d[index], e[index])
    return _truncated(rt, z, shift)


def gram(rt, x: np.ndarray, shift: int = 0) -> np.ndarray:
    """``[X]^T @ [X]`` for shares shaped ``(k, N, d)``, opening ``X`` once instead of twice.

    Steps: (1) the dealer supplies a mask ``[A]`` (``N x d``) and ``[G = A^T A]``;
    (2) parties open ``E = X - A``; (3) party ``i`` computes
    ``G_i + E^T A_i + (E^T A_i)^T``, and party 0 adds ``E^T E``
    (:mod:`mpcarray.kernels.gram`).

    Cost: 1 round; each party sends and receives ``8 * N * d * (n - 1)`` bytes
    (half of :func:`matmul` on ``X^T, X``); the dealer sends party 0 ``8 * d * d``.
    Security: ``E`` is uniform because ``A`` is.
    """
    if rt.shamir:
        return degree_reduction.matmul(rt, np.swapaxes(x, 1, 2), x, shift)
    k, rows, cols = x.shape
    masks = rt.provider.gram_masks(rows, cols)
    flat = np.ascontiguousarray(x).reshape(k, -1)
    (e,) = open_shares(rt, kernels.square_mask(flat, masks.streams, masks.offset))
    e = e.reshape(rows, cols)
    chunks = gram_chunks(rows)
    z = kernels.gram_combine(e, masks.streams, masks.offset, masks.correction,
                             rt.first_row, chunks)
    if rt.first_row >= 0:
        z[rt.first_row] += kernels.ring_matmul(e.T, e)
    return _truncated(rt, z, shift)
