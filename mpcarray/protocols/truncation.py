"""Fixed-point truncation of shared values, exact to one unit and free of failures."""

import numpy as np

from .. import kernels
from . import degree_reduction
from .opening import open_shares


def truncate(rt, z: np.ndarray, shift: int) -> np.ndarray:
    """Shares of ``z / 2^shift`` stochastically rounded (error below one unit), for ``|z| < 2^62``.

    Follows the one-opening truncation with a shifted mask of Escudero,
    Ghosh, Keller, Rachuri and Scholl, "Improved primitives for MPC over mixed
    arithmetic-binary circuits", CRYPTO 2020, §5.1 (cf. SPU's TruncAPr).
    Steps: (1) the dealer shares uniform ``r``, ``r >> shift`` and ``msb(r)``;
    (2) parties open ``c = z + 2^62 + r``; (3) each party computes
    ``(c >> shift) - 2^(62-shift)`` (party 0 only) ``- (r >> shift)_i +
    msb(r)_i * (1 - msb(c)) * 2^(64-shift)`` (see :mod:`mpcarray.kernels.truncation`).

    Result: ``floor(z / 2^shift) + carry`` where ``carry`` is 1 with probability
    ``frac(z / 2^shift)``: unbiased, exact for multiples of ``2^shift``, error
    strictly below one unit, and no failure probability (unlike local
    SecureML-style truncation).

    Cost: 1 round; each party sends and receives ``8 * N * (n - 1)`` bytes;
    the dealer sends party 0 ``16 * N`` bytes.
    Security: ``c`` is uniformly distributed because ``r`` is; the dealer sees nothing.
    """
    return truncate_many(rt, [(z, shift)])[0]


def truncate_many(rt, parts) -> list[np.ndarray]:
    """Truncate several ``(z, shift)`` pairs with one opening (one round in all).

    In Shamir sessions this is :func:`mpcarray.protocols.degree_reduction.truncate_many`
    (pseudo-random integer masks, no dealer).

    Cost: the sum of the parts' :func:`truncate` costs, in 1 round.
    """
    if rt.shamir:
        return degree_reduction.truncate_many(rt, parts, rt.scheme.threshold)
    prepared = [mask_truncation(rt, z, shift) for z, shift in parts]
    opened = open_shares(rt, *(masked for *_, masked in prepared))
    return [unmask_truncation(rt, part, c) for part, c in zip(prepared, opened)]


def mask_truncation(rt, z: np.ndarray, shift: int) -> tuple:
    """Steps (1) and (2) of :func:`truncate` up to the opening: ``(shape, shift, material, masked)``,
    ``masked`` the held rows of ``c`` to open (with other values, in one round)."""
    _check(shift)
    flat = np.ascontiguousarray(z).reshape(len(rt.ranks), -1)
    material = rt.provider.truncation(flat.shape[1], shift)
    fix = material.correction_buffer(2, flat.shape[1])
    masked = kernels.trunc_mask(flat, material.streams, material.offset, rt.first_row, shift, fix)
    return z.shape, shift, material, masked


def unmask_truncation(rt, part: tuple, c: np.ndarray) -> np.ndarray:
    """Step (3) of :func:`truncate` for a ``part`` from :func:`mask_truncation` and its opened ``c``."""
    shape, shift, material, _ = part
    return kernels.trunc_combine(c, material.streams, material.offset, material.correction,
                                 rt.first_row, shift).reshape(shape)


def truncate_product(rt, opened: np.ndarray, triples, shift: int) -> np.ndarray:
    """:func:`truncate` of a Beaver product ``x*y`` from its opened ``[d, e]`` and ``triples``
    (step (3) of :func:`mpcarray.protocols.mul`), flat ``(k, N)``.

    The product's shares are computed and masked for the opening in one kernel
    (:func:`mpcarray.kernels.product_trunc_mask`) and never stored.
    Cost and security: those of :func:`truncate`.
    """
    _check(shift)
    size = opened.size // 2
    material = rt.provider.truncation(size, shift)
    masked = kernels.product_trunc_mask(opened, triples.streams, triples.offset, triples.correction,
                                        rt.first_row, material.streams, material.offset, shift,
                                        material.correction_buffer(2, size))
    (c,) = open_shares(rt, masked)
    return kernels.trunc_combine(c, material.streams, material.offset, material.correction,
                                 rt.first_row, shift)


def _check(shift: int) -> None:
    if not 1 <= shift <= 62:
        raise ValueError(f"truncation shift must be in [1, 62], got {shift}")
