"""Exact least squares from owners' rows: each owner's integer normal equations, pooled and solved masked.

Every hospital that shared row blocks knows them in plaintext (DESIGN.md §5).
It encodes its values as integers ``round(v 2^VALUE_BITS)`` and computes its
own ``Z_k^T Z_k`` exactly (``Z = [1, X, y]``); the sum of these integer matrices
holds the normal equations of the pooled rows, which
:func:`mpcarray.protocols.masked_solve.masked_solve` solves modulo a product
of primes large enough for the exact rational solution. The coefficients are therefore the
least-squares solution of the data rounded to ``2^-(VALUE_BITS + 1)``, with
no fixed-point arithmetic on the way.
"""

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .. import protocols
from ..disclosure import RevealRequest
from ..domains.residues import ResidueRing
from ..errors import ConditioningError
from ..protocols.masked_solve import masked_inverse_ratios, masked_solve
from . import lineage, ranges
from .owner import ELSEWHERE
from .shared_array import authorise

#: Fractional bits of the integers the owners encode their values with.
VALUE_BITS = 40
#: Bits of one limb of the exact integer Gram product (limb products and sums of
#: ``_CHUNK_ROWS`` of them stay below 2^53, exact in float64).
_LIMB_BITS = 21
_CHUNK_ROWS = 2048


@dataclass(frozen=True)
class ExactLeastSquares:
    """What :func:`pooled_least_squares` reveals: the coefficients (intercept first if any) and, with
    inference, ``RSS (X^T X)^-1_jj`` per coefficient and ``RSS / TSS`` (TSS about the mean with an
    intercept, about zero without), each an exact fraction turned to float64."""

    coefficients: np.ndarray
    scaled_variances: np.ndarray | None = None
    residual_ratio: float | None = None


def pooled_least_squares(groups, intercept: bool, labels: dict[str, tuple], rows,
                         inference: bool = False, penalty: float = 0.0) -> ExactLeastSquares:
    """Exact least squares of ``y`` on ``X`` from owner row blocks.

    ``groups``: per owner, its ``(X_k, y_k)`` row blocks (:func:`~.blocks.aligned_parts`);
    ``labels``: ``{label: shape}`` of what the caller reveals, for the parties'
    policies (decided before anything is opened); ``rows``: the pooled arrays,
    whose lineage gives the cohort; ``penalty``: a ridge penalty ``alpha`` added to
    the diagonal of the normal equations except the intercept's (a public float,
    exact as a fraction; not with ``inference``).

    Reveals: the coefficients, exactly (:func:`~mpcarray.protocols.masked_solve.masked_solve`);
    with ``inference`` also the ratios of :class:`ExactLeastSquares`
    (:func:`~mpcarray.protocols.masked_solve.masked_inverse_ratios`); nothing else.
    Cost: 2 rounds (3 with Shamir), with ``inference`` 3 (4), plus the policy round per label
    and the audit round of a reveal.
    """
    rt = groups[0][0]._rt
    n = sum(X_k.shape[0] for X_k, _ in groups)
    m = groups[0][0].shape[1] + int(intercept)  # unknowns
    value_bits = groups[0][0].fixed_point.range_bits + VALUE_BITS
    # every fraction revealed is a ratio of determinants of Gram matrices of at most m columns
    # (m + 2 for RSS / TSS, a product of two) of n values below 2^value_bits: by Hadamard's
    # inequality each is below (n 4^value_bits)^columns, and P must exceed twice their product
    # A ridge penalty alpha 4^VALUE_BITS = num / den on the diagonal: every contribution is
    # multiplied by den (a power of two) and the lowest owner adds num. The penalised matrix
    # is the Gram matrix of Z with rows sqrt(alpha) 2^VALUE_BITS e_j appended, so Hadamard's
    # bound per column grows to den (n 4^value_bits + num).
    weight = Fraction(penalty) * 4**VALUE_BITS
    column_bits = math.log2(weight.denominator * (n * 4.0**value_bits + weight.numerator))
    columns = m + 2 if inference else m
    ring = ResidueRing.for_bits(math.ceil(2 * columns * column_bits) + 1)
    size = m + 1 if inference else m  # the whole Gram matrix of [1, X, y], or its first m rows
    owners = tuple(sorted({X_k._known_by for X_k, _ in groups}))
    contributions = np.zeros((len(rt.ranks), size, m + 1), dtype=object)
    for X_k, y_k in groups:
        if X_k._known_by in rt.ranks and X_k._plain is not ELSEWHERE:
            gram = _integer_gram(_design(X_k._plain, y_k._plain, intercept))
            row = rt.ranks.index(X_k._known_by)
            contributions[row] = contributions[row] + gram[:size] * weight.denominator
    if weight and owners[0] in rt.ranks:
        penalised = np.arange(int(intercept), m)
        contributions[rt.ranks.index(owners[0]), penalised, penalised] += weight.numerator
    contributions = np.stack([ring.encode(c) for c in contributions])
    records = None if (found := lineage.pooled((), *rows)) is None else found.records
    caller = ranges.calling_module(0, function=True)
    for label, shape in labels.items():
        authorise(rt, RevealRequest(label, shape, "float64", cohort=records, records=records, asked_by=caller))
    if inference:
        block = [0, m] if intercept else [m]  # [1, y]: its inverse's last entry is 1 / TSS
        opened = masked_inverse_ratios(rt, contributions, ring, owners, block)
    else:
        opened = masked_solve(rt, contributions, ring, owners)
    protocols.exchange_heads(rt)
    if opened is None:
        raise ConditioningError("the design matrix is singular (a column is constant or a combination of "
                                "others), or the fit is perfect: drop the redundant columns")
    if not inference:
        return ExactLeastSquares(np.array([float(ring.rational(v)) for v in ring.integers(opened[:, :, 0])]))
    # rho (Z^-1)_{j,m}, rho (Z^-1)_{jj}, rho (T^-1)_{ll}, each over rho (Z^-1)_{mm} = rho / RSS
    values = ring.integers(opened)
    inverse = pow(int(values[m]), -1, ring.modulus)
    ratios = [ring.rational(v * inverse % ring.modulus) for v in values]
    coefficients = [-ratio for ratio in ratios[:m]]
    scaled = [ratios[m + 1 + j] - coefficients[j] ** 2 for j in range(m)]  # RSS (G^-1)_jj
    return ExactLeastSquares(np.array([float(c) for c in coefficients]), np.array([float(v) for v in scaled]),
                             float(ratios[2 * m + 1]))


def _design(X, y, intercept: bool) -> np.ndarray:
    """``[1, X, y]`` (or ``[X, y]``) as integer-valued float64: ``round(v 2^VALUE_BITS)``."""
    columns = [np.asarray(X, dtype=np.float64).reshape(len(X), -1), np.asarray(y, dtype=np.float64).reshape(-1, 1)]
    if intercept:
        columns.insert(0, np.ones((len(X), 1)))
    return np.rint(np.ldexp(np.hstack(columns), VALUE_BITS))


def _integer_gram(Z: np.ndarray) -> np.ndarray:
    """``Z^T Z`` exactly, as Python integers, for integer-valued float64 ``Z``.

    ``|Z|`` is split into limbs of :data:`_LIMB_BITS` bits with ``Z``'s sign (exact:
    divisions by powers of two), and the limbs' products are summed in chunks of rows
    small enough for float64 to hold every partial sum exactly.
    """
    sign, rest, limbs = np.sign(Z), np.abs(Z), []
    while np.any(rest != 0) or not limbs:  # |Z| in limbs of 21 bits, each carrying Z's sign
        high = np.floor(np.ldexp(rest, -_LIMB_BITS))
        limbs.append(sign * (rest - np.ldexp(high, _LIMB_BITS)))
        rest = high
    stacked = np.hstack(limbs)
    blocks = np.zeros((stacked.shape[1],) * 2, dtype=object)
    for start in range(0, len(Z), _CHUNK_ROWS):
        chunk = stacked[start: start + _CHUNK_ROWS]
        blocks = blocks + (chunk.T @ chunk).astype(np.int64).astype(object)
    c, q = Z.shape[1], len(limbs)
    total = np.zeros((c, c), dtype=object)
    for a in range(q):
        for b in range(q):
            total = total + blocks[a * c:(a + 1) * c, b * c:(b + 1) * c] * (1 << (_LIMB_BITS * (a + b)))
    return total
