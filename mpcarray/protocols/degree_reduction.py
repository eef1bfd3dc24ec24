"""Shamir multiplication without a dealer: local product, then degree reduction.

Notation: ``n`` parties, threshold ``t`` with ``n >= 2t + 1``, ``[x]_d`` a Shamir
sharing of degree ``d``, ``N`` elements, ``p`` the field modulus (8-byte words).
The local product of two degree-``t`` sharings is a degree-``2t`` sharing of the
product; a double sharing ``([r]_t, [r]_2t)`` from pseudo-random secret sharing
brings it back to degree ``t`` in one round (Damgård and Nielsen, CRYPTO 2007,
with the double sharings of Cramer, Damgård and Ishai, TCC 2005).
"""

import numpy as np

from .opening import open_shares
from .public import add_public


def reduce_degree(rt, z: np.ndarray) -> np.ndarray:
    """``[z]_t`` from held rows ``(k, *shape)`` of ``[z]_2t``.

    Steps: (1) the provider supplies a double sharing ``([r]_t, [r]_2t)``
    (no communication); (2) the parties open ``d = z - r`` from all ``n``
    degree-``2t`` shares; (3) party ``i`` takes ``r_i + d``.

    Cost: 1 round; each party sends and receives ``8 * N * (n - 1)`` bytes; no dealer.
    Security: ``d`` is uniform because ``r`` is, and the opened shares lie on a
    uniformly random degree-``2t`` polynomial through ``d`` (the zero-sharing
    part of ``[r]_2t``), so they reveal nothing beyond ``d``.
    """
    shape = z.shape[1:]
    size = int(np.prod(shape, dtype=np.int64))
    low, high = rt.provider.double_sharings(size)
    rows = np.ascontiguousarray(z).reshape(z.shape[0], size)
    (d,) = open_shares(rt, rt.domain.sub(rows, high))
    return add_public(rt, low, d).reshape(z.shape)


def mul(rt, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Elementwise ``[x]_t * [y]_t`` for shares of equal shape.

    Steps: (1) party ``i`` multiplies its shares, ``z_i = x_i * y_i`` (a
    degree-``2t`` sharing of ``xy``); (2) :func:`reduce_degree`.

    Cost: 1 round; each party sends and receives ``8 * N * (n - 1)`` bytes
    (half of Beaver multiplication); no dealer.
    Security: as :func:`reduce_degree`.
    """
    return reduce_degree(rt, rt.domain.mul(x, y))


def matmul(rt, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``[X]_t @ [Y]_t`` for shares ``(k, *batch, m, s)`` and ``(k, *batch, s, q)``.

    Steps: (1) party ``i`` multiplies its share matrices, ``Z_i = X_i @ Y_i``
    (a degree-``2t`` sharing of every entry of ``X @ Y``); (2)
    :func:`reduce_degree` on the ``m * q`` entries of each product.

    Cost: 1 round; each party sends and receives ``8 * m * q * (n - 1)`` bytes
    per batch entry: the size of the result, not of the operands; no dealer.
    Security: as :func:`reduce_degree`.
    """
    k, batch = x.shape[0], x.shape[1:-2]
    z = np.empty((k,) + batch + (x.shape[-2], y.shape[-1]), dtype=np.uint64)
    for index in np.ndindex(*batch):
        for row in range(k):
            at = (row,) + index
            z[at] = rt.domain.matmul(x[at], y[at])
    return reduce_degree(rt, z)
