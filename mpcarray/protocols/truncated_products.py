"""A truncation and a product of its result in one opening (additive sessions).

An iteration such as the SPD solver's multiplies a freshly truncated product
again: ``T = P / 2^s``, then ``(T_A + alpha I) @ (mu T_B)`` with two blocks of
``T`` itself (:func:`truncated_square`) or ``M @ T`` with another shared ``M``
(:func:`truncated_product`). As a truncation and a Beaver product that takes two
openings. But after the truncation's one opening ``c = P + 2^62 + r``
(:mod:`mpcarray.protocols.truncation`), ``T`` is public up to the dealer's
mask: ``T = K - rho`` with public ``K = (c >> s) - 2^(62 - s)`` and
``rho = r_hi - b * u``, ``u = (1 - msb(c)) 2^(64 - s)`` public and ``b = msb(r)``.
So every product with ``T`` is linear in the shares once the dealer has also
shared the products of ``r_hi`` and ``b`` with the other factor's mask
(:mod:`mpcarray.preprocessing.product_masks`), weighted by the public ``u``:

* blocks of ``T``: ``(K_A' - rho_A)(K_B - rho_B) = K_A' K_B - K_A' rho_B - rho_A K_B + rho_A rho_B``
  (``K_A' = K_A + alpha I``), where ``rho_A rho_B`` needs ``r_hi,A r_hi,B``, and
  ``r_hi,A b_B`` and ``b_A r_hi,B`` per inner index; the term ``b_A b_B u_A u_B``
  vanishes modulo ``2^64`` because ``u_A u_B`` is 0 or ``2^(128 - 2s)`` and ``s <= 32``;
* ``M @ T``: ``M`` is opened as ``E = M - A`` in the truncation's round (Beaver),
  and ``M T = M K - E rho - A rho`` with ``A rho = A r_hi - (A b) u`` per inner index.

Shamir sessions need no dealer for ``M @ T``: their truncation leaves
``T = K - [r'']_t`` (:func:`~mpcarray.protocols.degree_reduction.truncate_many`), and
the degree-``2t`` product ``M [r'']`` is brought back to degree ``t`` in the same
opening as ``c`` (:func:`_shamir_truncated_product`).
"""

import numpy as np

from ..preprocessing.product_masks import MAX_SQUARE_SHIFT as TRUNCATED_SQUARE_MAX_SHIFT
from .degree_reduction import mask_truncations, public_part
from .opening import open_shares
from .public import add_public

_BIAS = np.uint64(1 << 62)


def _truncation_opened(rt, p: np.ndarray, parts: dict, shift: int, *others: np.ndarray):
    """Open ``c = P + 2^62 + r`` (and ``others``, in the same round): ``(K, u, rho)`` of the
    module docstring, ``T``'s shares ``[K] - rho`` and the other opened arrays."""
    constant = rt.scheme.constant_rows(rt.ranks)
    masked = p + parts["r"]
    masked[constant] += _BIAS
    c, *opened = open_shares(rt, masked, *others)
    s = np.uint64(shift)
    public = (c >> s) - (_BIAS >> s)
    wrap = (np.uint64(1) - (c >> np.uint64(63))) << (np.uint64(64) - s)
    rho = parts["hi"] - parts["msb"] * wrap
    truncated = -rho
    truncated[constant] += public
    return public, wrap, rho, truncated, opened


def truncated_square(rt, p: np.ndarray, shift: int, lo: int, cols: int, factor: int,
                     diagonal: int) -> np.ndarray:
    """Shares ``(k, m, cols)`` of ``factor * (T[:, lo:lo+m] + diagonal I) @ T[:, :cols]``, exact in the
    ring, for ``T = P / 2^shift`` stochastically rounded as :func:`~mpcarray.protocols.truncate`
    rounds it, from shares ``p`` ``(k, m, w)`` of ``P`` with ``|P| < 2^62``.

    ``factor`` and ``diagonal`` are public integers (``diagonal`` in units of ``T``); ``1 <= shift <= 32``.
    Steps: (1) the dealer shares the truncation mask and the products of its
    parts (:meth:`~mpcarray.preprocessing.dealer.Dealer.truncated_square`);
    (2) parties open ``c = P + 2^62 + r``; (3) each party forms its share of the
    product from ``c``, its mask shares and the dealer's products (module docstring).
    Cost: 1 round; each party sends and receives ``8 m w (n - 1)`` bytes; the
    dealer sends party 0 ``8 (2 m w + m cols + 2 m^2 cols)`` bytes.
    Security: only ``c`` is opened, uniform because ``r`` is (as the truncation's).
    """
    if not 1 <= shift <= TRUNCATED_SQUARE_MAX_SHIFT:
        raise ValueError(f"truncated_square needs a shift in [1, {TRUNCATED_SQUARE_MAX_SHIFT}], got {shift}")
    _, m, w = p.shape
    parts = rt.provider.truncated_square(m, w, lo, cols, shift)
    public, wrap, rho, _, _ = _truncation_opened(rt, p, parts, shift)
    block = slice(lo, lo + m)
    left = public[:, block] + np.uint64(diagonal % 2**64) * np.eye(m, dtype=np.uint64)  # K_A'
    right = public[:, :cols]  # K_B
    cross = (parts["HH"] - np.einsum("kj,pikj->pij", wrap[:, :cols], parts["HB"])
             - np.einsum("ik,pikj->pij", wrap[:, block], parts["BH"]))  # rho_A rho_B
    q = cross - left @ rho[:, :, :cols] - rho[:, :, block] @ right
    q[rt.scheme.constant_rows(rt.ranks)] += left @ right
    return q * np.uint64(factor % 2**64)


def truncated_pairs(rt, p: np.ndarray, shift: int, pairs) -> tuple[np.ndarray, np.ndarray]:
    """Shares ``(k, len(pairs), w)`` of ``T[a] * T[b]`` entry by entry for each ``(a, b)`` of ``pairs``, exact
    in the ring, and of ``T`` itself, for the stack ``T = P / 2^shift`` rounded as
    :func:`~mpcarray.protocols.truncate` rounds it, from shares ``p`` ``(k, rows, w)`` with ``|P| < 2^62``.

    :func:`truncated_square` entry by entry: ``(K_a - rho_a)(K_b - rho_b)`` with
    ``rho_a rho_b = HH - HB u_b - BH u_a`` from the dealer's products of the mask's parts
    (:meth:`~mpcarray.preprocessing.dealer.Dealer.truncated_pairs`); ``1 <= shift <= 32``.
    Cost: 1 round; each party sends and receives ``8 rows w (n - 1)`` bytes; the dealer sends
    party 0 ``8 (2 rows w + 3 len(pairs) w)`` bytes.
    Security: only ``c`` is opened, uniform because ``r`` is (as the truncation's).
    """
    if not 1 <= shift <= TRUNCATED_SQUARE_MAX_SHIFT:
        raise ValueError(f"truncated_pairs needs a shift in [1, {TRUNCATED_SQUARE_MAX_SHIFT}], got {shift}")
    _, rows, w = p.shape
    left, right = [a for a, _ in pairs], [b for _, b in pairs]
    parts = rt.provider.truncated_pairs(rows, w, shift, tuple(i for pair in pairs for i in pair))
    public, wrap, rho, truncated, _ = _truncation_opened(rt, p, parts, shift)
    cross = parts["HH"] - parts["HB"] * wrap[right] - parts["BH"] * wrap[left]  # rho_a rho_b
    q = cross - public[left] * rho[:, right] - rho[:, left] * public[right]
    q[rt.scheme.constant_rows(rt.ranks)] += public[left] * public[right]
    return q, truncated


def truncated_product(rt, m_shares: np.ndarray, p: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """Shares of ``M @ T``, exact in the ring, and of ``T`` itself, for ``T = P / 2^shift`` rounded as
    :func:`~mpcarray.protocols.truncate` rounds it: ``m_shares`` ``(k, a, m)``, ``p`` ``(k, m, w)``
    with ``|P| < 2^62``.

    Steps: (1) the dealer shares a Beaver mask ``A`` for ``M``, the truncation mask and
    their products (:meth:`~mpcarray.preprocessing.dealer.Dealer.truncated_product`);
    (2) parties open ``E = M - A`` and ``c = P + 2^62 + r`` together; (3) each party forms
    its shares (module docstring).
    Cost: 1 round; each party sends and receives ``8 (a m + m w) (n - 1)`` bytes; the
    dealer sends party 0 ``8 (2 m w + a w + a m w)`` bytes. Shamir sessions:
    :func:`_shamir_truncated_product` (1 round, no dealer).
    Security: ``E`` and ``c`` are uniform because ``A`` and ``r`` are.
    """
    if rt.shamir:
        return _shamir_truncated_product(rt, m_shares, p, shift, rt.number.matmul)
    _, a, m = m_shares.shape
    w = p.shape[2]
    parts = rt.provider.truncated_product(a, m, w, shift)
    public, wrap, rho, truncated, (masked,) = _truncation_opened(rt, p, parts, shift, m_shares - parts["A"])
    mask_rho = parts["AH"] - np.einsum("kj,pikj->pij", wrap, parts["AB"])  # A rho
    return m_shares @ public - masked @ rho - mask_rho, truncated


def truncated_scaling(rt, m_shares: np.ndarray, v: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """Shares of ``M * T`` (each column ``j`` of ``M`` times ``T_j``), exact in the ring, and of ``T``
    itself, for the vector ``T = v / 2^shift`` rounded as :func:`~mpcarray.protocols.truncate`
    rounds it: ``m_shares`` ``(k, a, w)``, ``v`` ``(k, w)``.

    Additive sessions: the dealer's masks of :func:`truncated_product`, entry by entry
    (:meth:`~mpcarray.preprocessing.dealer.Dealer.truncated_scaling`):
    ``M * T = M * K - E * rho - (A * r_hi - (A * b) u)``; Shamir sessions:
    :func:`_shamir_truncated_product` elementwise.
    Cost: 1 round; each party sends and receives ``8 (a w + w) (n - 1)`` bytes (additive); the
    dealer sends party 0 ``8 (2 w + 2 a w)`` bytes.
    Security: as :func:`truncated_product`.
    """
    if rt.shamir:
        return _shamir_truncated_product(rt, m_shares, v, shift, lambda x, y: rt.number.mul(x, y[None, :]))
    a, w = m_shares.shape[1:]
    parts = rt.provider.truncated_scaling(a, w, shift)
    public, wrap, rho, truncated, (masked,) = _truncation_opened(rt, v, parts, shift, m_shares - parts["A"])
    mask_rho = parts["AH"] - parts["AB"] * wrap[None, :]  # A * rho
    return m_shares * public[None, :] - masked * rho[:, None, :] - mask_rho, truncated


def _shamir_truncated_product(rt, m_shares: np.ndarray, p: np.ndarray, shift: int,
                              combine) -> tuple[np.ndarray, np.ndarray]:
    """:func:`truncated_product` (``combine`` a matrix product) or :func:`truncated_scaling` (a
    column scaling) with Shamir shares: ``(combine(M, T), T)`` in one round, no dealer.

    Steps: (1) the truncation's masks ``[R]_2t`` and ``[r'']_t`` and a double sharing
    ``([s]_t, [s]_2t)``; (2) one opening of ``c = P + 2^K + R`` and of ``combine(M, [r'']) - [s]_2t``
    (both of degree ``2t``); (3) ``T = K - [r'']`` and ``combine(M, T) = combine(M, K) - ([s]_t + d)``,
    ``K`` the public part of ``c``. ``T`` errs as
    :func:`~mpcarray.protocols.degree_reduction.truncate_many`'s truncations do; the product is
    exact given ``T``.
    Cost: 1 round; each party sends and receives ``w`` bytes per element of ``P`` and of the
    product, times ``n - 1``.
    Security: as :func:`~mpcarray.protocols.degree_reduction.truncate_many` and
    :func:`~mpcarray.protocols.degree_reduction.reduce_degree`.
    """
    domain, k = rt.number, len(rt.ranks)
    ((_, _, kept, masked),) = mask_truncations(rt, [(p, shift)], rt.scheme.product_degree)
    kept = kept.reshape(p.shape)
    product = np.stack([combine(m_shares[row], kept[row]) for row in range(k)])  # degree 2t
    low, high = rt.provider.double_sharings(product[0].size, domain)
    c, d = open_shares(rt, masked, domain.sub(product.reshape(k, -1), high), degree=rt.scheme.product_degree)
    public = public_part(rt, c, shift).reshape(p.shape[1:])
    truncated = add_public(rt, domain.neg(kept.reshape(k, -1)), public.reshape(-1)).reshape(p.shape)
    applied = np.stack([combine(m_shares[row], public) for row in range(k)])  # degree t
    return domain.sub(applied, add_public(rt, low, d).reshape(applied.shape)), truncated
