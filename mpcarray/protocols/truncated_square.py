"""A truncation and a product of the truncated matrix with itself, in one round (additive sessions).

An iteration such as the solver's Chebyshev chain multiplies two blocks of the
previous product, truncated: ``Q = (T_A + alpha I) @ (mu T_B)`` with
``T = P / 2^s``, ``T_A`` its columns ``lo .. lo + m`` and ``T_B`` its first
``cols`` columns. Done as a truncation and a Beaver product this takes two
openings. But after the truncation's one opening ``c = P + 2^62 + r``
(:mod:`mpcarray.protocols.truncation`), ``T`` is public up to the dealer's
mask: ``T = K - rho`` with public ``K = (c >> s) - 2^(62 - s)`` and
``rho = r_hi - b * u``, ``u = (1 - msb(c)) 2^(64 - s)`` public and ``b = msb(r)``.
Then

    (K_A' - rho_A) (K_B - rho_B) = K_A' K_B - K_A' rho_B - rho_A K_B + rho_A rho_B

(``K_A' = K_A + alpha I``) is linear in the shares once the dealer has shared
the products of its masks that ``rho_A rho_B`` needs:
``r_hi,A r_hi,B``, and ``r_hi,A b_B``, ``b_A r_hi,B`` entry by entry of each
inner index (:mod:`mpcarray.preprocessing.square_masks`), which the parties
weight with the public ``u``. The term ``b_A b_B u_A u_B`` vanishes modulo
``2^64`` because ``u_A u_B`` is 0 or ``2^(128 - 2s)`` and ``s <= 32``.
"""

import numpy as np

from ..preprocessing.square_masks import MAX_SHIFT as TRUNCATED_SQUARE_MAX_SHIFT
from .opening import open_shares

_BIAS = np.uint64(1 << 62)


def truncated_square(rt, p: np.ndarray, shift: int, lo: int, cols: int, factor: int,
                     diagonal: int) -> np.ndarray:
    """Shares ``(k, m, cols)`` of ``factor * (T[:, lo:lo+m] + diagonal I) @ T[:, :cols]``, exact in the
    ring, for ``T = P / 2^shift`` stochastically rounded as :func:`~mpcarray.protocols.truncate`
    rounds it, from shares ``p`` ``(k, m, w)`` of ``P`` with ``|P| < 2^62``.

    ``factor`` and ``diagonal`` are public integers; ``1 <= shift <= 32``.
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
    constant = rt.scheme.constant_rows(rt.ranks)
    masked = p + parts["r"]
    masked[constant] += _BIAS
    (c,) = open_shares(rt, masked)
    s = np.uint64(shift)
    public = (c >> s) - (_BIAS >> s)  # K
    wrap = (np.uint64(1) - (c >> np.uint64(63))) << (np.uint64(64) - s)  # u
    rho = parts["hi"] - parts["msb"] * wrap  # (k, m, w)
    block = slice(lo, lo + m)
    left = public[:, block] + np.uint64(diagonal % 2**64) * np.eye(m, dtype=np.uint64)  # K_A'
    right = public[:, :cols]  # K_B
    rho_left, rho_right = rho[:, :, block], rho[:, :, :cols]
    cross = (parts["HH"] - np.einsum("kj,pikj->pij", wrap[:, :cols], parts["HB"])
             - np.einsum("ik,pikj->pij", wrap[:, block], parts["BH"]))  # rho_A rho_B
    q = cross - left @ rho_right - rho_left @ right
    q[constant] += left @ right
    return q * np.uint64(factor % 2**64)
