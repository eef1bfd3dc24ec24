"""Shapes of the one-round multi-input gates on XOR-shared bits, shared by dealer and parties.

A gate maps inputs ``x_0 .. x_{m-1}`` to outputs that are each an XOR of
monomials (ANDs of inputs) of degree 2 or more; linear terms are left to the
caller. With masks ``a_j`` and opened ``d_j = x_j ^ a_j``, a monomial over the
inputs ``M`` expands as

    prod_{j in M} x_j = xor_{S subset of M} (prod_{j in M \\ S} d_j) & a_S,

with ``a_S = prod_{j in S} a_j`` and ``a_{} = 1``. The dealer therefore shares
every mask ``a_j`` and every product ``a_S`` with ``|S| >= 2`` of a subset of a
monomial; one opening of the masked inputs evaluates the whole gate
(multi-fan-in AND gates with preprocessed mask products as in ABY2.0, Patra et
al., USENIX Security 2021). Gates are named by their index in :data:`GATES`,
the parameter a remote dealer receives.
"""

from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

import numpy as np


@dataclass(frozen=True)
class Gate:
    """``inputs`` names in input order; ``outputs`` a tuple of outputs, each a tuple of monomials (tuples of names)."""

    inputs: tuple[str, ...]
    outputs: tuple[tuple[tuple[str, ...], ...], ...]

    def _mask(self, names) -> int:
        return sum(1 << self.inputs.index(name) for name in names)

    @cached_property
    def products(self) -> np.ndarray:
        """Bit masks (over inputs) of the mask products ``a_S`` the dealer shares, ``|S| >= 2``."""
        found = {self._mask(subset) for output in self.outputs for monomial in output
                 for size in range(2, len(monomial) + 1) for subset in combinations(monomial, size)}
        return np.array(sorted(found), dtype=np.uint64)

    @cached_property
    def terms(self) -> np.ndarray:
        """Rows ``(output, share, opened)`` of the expansion: the XOR over rows of ``AND(d_j for j in opened) & share``.

        ``share`` is ``-1`` for the constant 1, ``j < m`` for the mask ``a_j`` and
        ``m + s`` for the product ``products[s]``.
        """
        m, index = len(self.inputs), {int(p): s for s, p in enumerate(self.products)}
        rows = []
        for out, output in enumerate(self.outputs):
            for monomial in output:
                full = self._mask(monomial)
                for size in range(len(monomial) + 1):
                    for subset in combinations(monomial, size):
                        s = self._mask(subset)
                        share = -1 if size == 0 else self.inputs.index(subset[0]) if size == 1 else m + index[s]
                        rows.append((out, share, full & ~s))
        return np.array(rows, dtype=np.int64)


def combine(nodes: int, with_p: bool) -> Gate:
    """The non-linear part of ``(G, P)_{q-1} o ... o (G, P)_0`` for ``q = nodes`` (node 0 lowest).

    Outputs ``G ^ G_{q-1} = xor_{j < q-1} G_j P_{j+1} ... P_{q-1}`` and, if
    ``with_p``, ``P = P_0 ... P_{q-1}``. Inputs: ``G_0 .. G_{q-2}`` then the
    ``P`` that occur (``P_0`` only ``with_p``).
    """
    g = [f"G{j}" for j in range(nodes - 1)]
    p = [f"P{j}" for j in range(0 if with_p else 1, nodes)]
    carry = tuple((f"G{j}",) + tuple(f"P{i}" for i in range(j + 1, nodes)) for j in range(nodes - 1))
    outputs = (carry, (tuple(f"P{i}" for i in range(nodes)),)) if with_p else (carry,)
    return Gate(tuple(g + p), outputs)


def conjunction(inputs: int) -> Gate:
    """The AND of ``inputs`` inputs."""
    names = tuple(f"x{j}" for j in range(inputs))
    return Gate(names, ((names,),))


#: Every gate a protocol may request, by index; names in :data:`GATE_INDEX`.
GATES: tuple[Gate, ...] = tuple(
    [combine(q, with_p) for q in (2, 3, 4) for with_p in (False, True)] + [conjunction(q) for q in (2, 3, 4)])
GATE_INDEX = {**{("combine", q, w): 2 * (q - 2) + w for q in (2, 3, 4) for w in (0, 1)},
              **{("and", q): 4 + q for q in (2, 3, 4)}}


def gate_length(size: int, gate: int) -> int:
    """Stream values per party that ``size`` instances of gate ``gate`` take: masks, then products."""
    if not 0 <= gate < len(GATES):
        raise ValueError(f"no gate number {gate}")
    return (len(GATES[gate].inputs) + len(GATES[gate].products)) * size
