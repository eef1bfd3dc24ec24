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


def open_truncated(rt, z: np.ndarray, shifts) -> np.ndarray:
    """The public values that :func:`truncate` of ``z`` by ``shifts`` (one per element, or one for
    all; 0 opens an element as it is) would give, opened in one round.

    Steps: (1) as :func:`truncate`, each party masks its share of every element to truncate; it
    also evaluates its step (3) at ``c = 0`` and ``c = 2^63``, which isolates its shares of the
    mask's parts ``r >> shift`` and ``msb(r)``; (2) every party opens all three (with the
    elements not truncated) in one round; (3) every party adds the step (3) results up for
    the opened ``c``, choosing by ``msb(c)``.

    Result: exactly the value :func:`truncate` gives (stochastic rounding, error below one unit).
    In Shamir sessions the same holds for :func:`~.degree_reduction.truncate_many`: each party
    opens its share of ``r''`` (the mask's high part) beside its share of ``c``.

    Cost: 1 round; each party sends ``8 * (3 T + E) * (n - 1)`` bytes for ``T`` elements truncated
    and ``E`` opened as they are (Shamir: ``16 * (2 T + E) * (n - 1)``); the material of a truncation.
    Security: besides the result, the opening shows the mask's high part, so the transcript gives
    ``z`` plus the mask's low part (uniform in ``[0, 2^shift)``; in Shamir sessions a sum of such
    terms, one per key, of which a coalition of ``t`` lacks at least one) that no party knows: ``z``
    blurred at the resolution ``2^shift`` of the result, where a truncation followed by an opening
    gives ``floor((z + u) / 2^shift)``.
    """
    k = len(rt.ranks)
    flat = np.ascontiguousarray(z).reshape(k, -1)
    shifts = np.broadcast_to(np.asarray(shifts, dtype=np.int64), z.shape[1:]).ravel()
    groups = [(int(s), np.flatnonzero(shifts == s)) for s in np.unique(shifts)]
    out = np.empty(flat.shape[1], dtype=flat.dtype)
    if rt.shamir:
        return _open_truncated_shamir(rt, flat, groups, out).reshape(z.shape[1:])
    prepared = [(s, index, mask_truncation(rt, flat[:, index], s) if s else None) for s, index in groups]
    rows = []
    for s, index, part in prepared:
        if part is None:
            rows.append(flat[:, index])
            continue
        _, _, material, masked = part
        at = [np.full(index.size, c, dtype=np.uint64) for c in (0, 1 << 63)]
        rows += [masked] + [kernels.trunc_combine(c, material.streams, material.offset, material.correction,
                                                  rt.first_row, s) for c in at]
    opened = iter(open_shares(rt, *rows))
    for s, index, part in prepared:
        if part is None:
            out[index] = next(opened)
            continue
        c, low, high = next(opened), next(opened), next(opened)
        top = (c >> np.uint64(63)).astype(bool)
        out[index] = (c >> np.uint64(s)) + np.where(top, high - (np.uint64(1) << np.uint64(63 - s)), low)
    return out.reshape(z.shape[1:])


def _open_truncated_shamir(rt, flat: np.ndarray, groups, out: np.ndarray) -> np.ndarray:
    """:func:`open_truncated` in a Shamir session: ``c`` and ``[r'']_t`` opened together (degree ``t``)."""
    degree = rt.scheme.threshold
    prepared = degree_reduction.mask_truncations(rt, [(flat[:, index], s) for s, index in groups if s], degree)
    plain = [flat[:, index] for s, index in groups if not s]
    opened = open_shares(rt, *plain, *(part[3] for part in prepared), *(part[2] for part in prepared),
                         degree=degree)
    plain_parts = iter(opened[:len(plain)])
    truncated = iter(zip(opened[len(plain):len(plain) + len(prepared)], opened[len(plain) + len(prepared):]))
    for s, index in groups:
        if not s:
            out[index] = next(plain_parts)
            continue
        c, r_high = next(truncated)
        out[index] = rt.number.sub(degree_reduction.public_part(rt, c, s), r_high)
    return out
