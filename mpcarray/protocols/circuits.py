"""Radix-4 circuits on XOR-shared bit planes: one round per level of 4-input gates.

Nodes are planes ``(k, n, W)`` (:mod:`mpcarray.kernels.planes`). A carry node
is a pair ``(G, P)``; ``q`` nodes (node 0 lowest) combine into
``G = G_{q-1} ^ P_{q-1} G_{q-2} ^ ... ^ P_{q-1} ... P_1 G_0`` and
``P = P_0 ... P_{q-1}``, a degree-``q`` polynomial that one multi-input gate
(:mod:`mpcarray.preprocessing.gates`) evaluates in one round. Four nodes per
gate instead of two halve the depth of a reduction or prefix circuit:
63 carry nodes reduce in 3 rounds (63 -> 16 -> 4 -> 1) instead of 6, and a
radix-4 Sklansky prefix covers 64 positions in 3 levels. Where a result starts
at position 0 its ``P`` is never used and is not computed.
"""

import numpy as np

from .. import kernels
from ..preprocessing.gates import GATE_INDEX, GATES
from .binary import open_xor


def evaluate_gates(rt, batches) -> list[np.ndarray]:
    """XOR shares ``(k, outputs, L)`` of the outputs of gate batches ``[(gate key, inputs (k, m, L)), ...]``.

    Steps: (1) the dealer supplies, per instance, masks ``a_j`` of the inputs
    and shares of the products of masks the gate's monomials need; (2) parties
    open ``d_j = x_j ^ a_j`` of every batch at once; (3) each party expands the
    monomials locally (:mod:`mpcarray.preprocessing.gates`).

    Cost: 1 round; each party sends and receives ``8 * m * L * (n - 1)`` bytes
    summed over batches; the dealer sends party 0 ``8 * S * L`` bytes, ``S``
    the gate's number of mask products.
    Security: every opened ``d_j`` is masked by a fresh uniform ``a_j``.
    """
    materials, messages = [], []
    for key, x in batches:
        material = rt.provider.gate_masks(x.shape[2], GATE_INDEX[key])
        materials.append(material)
        flat = np.ascontiguousarray(x).reshape(x.shape[0], -1)
        messages.append(kernels.word_dabit_mask(flat, material.streams, material.offset).reshape(x.shape))
    opened = open_xor(rt, *messages)
    outputs = []
    for (key, _), material, d in zip(batches, materials, opened):
        gate = GATES[GATE_INDEX[key]]
        outputs.append(kernels.gate_combine(d, material.streams, material.offset, material.correction,
                                            rt.first_row, gate.terms, len(gate.outputs), gate.products.size))
    return outputs


def combine_batch(g: np.ndarray, p: np.ndarray, nodes: list, with_p: bool):
    """The gate batch combining nodes ``nodes[0] .. nodes[-1]`` (index arrays, low to high) of planes ``g, p``."""
    parts = [g[:, j] for j in nodes[:-1]] + [p[:, j] for j in nodes[0 if with_p else 1:]]
    k, count, words = parts[0].shape
    return ("combine", len(nodes), with_p), np.stack(parts, 1).reshape(k, len(parts), count * words)


def combined(g: np.ndarray, nodes: list, out: np.ndarray):
    """``(G, P or None)`` planes ``(k, count, W)`` of a :func:`combine_batch` from its gate outputs."""
    k, _, words = g.shape
    out = out.reshape(k, out.shape[1], nodes[0].size, words)
    return g[:, nodes[-1]] ^ out[:, 0], (out[:, 1] if out.shape[1] > 1 else None)


def reduction_groups(n: int) -> list:
    """One radix-4 level over ``n`` carry nodes: node groups ``(nodes, with_p)`` in output order.

    Block ``b`` holds nodes ``4b .. 4b + 3``; block 0 starts at position 0 so
    needs no ``P``; a block of one node passes through (``with_p`` None).
    """
    groups, full = [], max(0, (n - 4) // 4)
    groups.append(([np.array([j]) for j in range(min(4, n))], False))
    if full:
        starts = 4 * np.arange(1, full + 1)
        groups.append(([starts + j for j in range(4)], True))
    rest = n - 4 * (full + 1)
    if rest > 0:
        groups.append(([np.array([4 * (full + 1) + j]) for j in range(rest)], True if rest > 1 else None))
    return groups


def prefix_groups(width: int) -> list:
    """Levels of a radix-4 Sklansky prefix circuit over ``width`` positions (Sklansky, 1960).

    At span ``s`` a block of ``4s`` positions splits into four sub-blocks whose
    prefixes are known; position ``i`` in sub-block ``q >= 1`` combines the
    tops ``T_0 .. T_{q-1}`` of the sub-blocks below it with itself. After the
    levels of span 1, 4, 16, ... position ``i`` covers ``0 .. i``. Returns, per
    level, groups ``(nodes, with_p)``: ``nodes`` index arrays low to high, the
    last the targets; ``with_p`` False where the block starts at 0.
    """
    levels, span = [], 1
    while span < width:
        groups = []
        for q in (1, 2, 3):
            for with_p in (False, True):
                targets = np.array([i for i in range(width) if (i // span) % 4 == q and (i >= 4 * span) == with_p],
                                   dtype=np.int64)
                if targets.size:
                    block = targets - targets % (4 * span)
                    groups.append(([block + (j + 1) * span - 1 for j in range(q)] + [targets], with_p))
        levels.append(groups)
        span *= 4
    return levels


def prefix_or(rt, planes: np.ndarray) -> np.ndarray:
    """XOR shares of the prefix OR of planes ``(k, n, W)`` along axis 1 (position ``i`` ORs ``0 .. i``).

    ``x_0 | ... | x_q = ~(~x_0 & ... & ~x_q)``; NOT is local (party 0 flips).
    Cost: ``ceil(log4 n)`` rounds (3 for 64 planes); see :func:`evaluate_gates`.
    """
    planes = planes.copy()
    ones = np.uint64(0xFFFFFFFFFFFFFFFF)
    for groups in prefix_groups(planes.shape[1]):
        k, _, words = planes.shape
        flipped = planes.copy()
        if rt.first_row >= 0:
            flipped[rt.first_row] ^= ones
        batches = [(("and", len(nodes)), np.stack([flipped[:, j] for j in nodes], 1).reshape(k, len(nodes), -1))
                   for nodes, _ in groups]
        for (nodes, _), out in zip(groups, evaluate_gates(rt, batches)):
            result = out.reshape(k, nodes[0].size, words)
            if rt.first_row >= 0:
                result[rt.first_row] ^= ones
            planes[:, nodes[-1]] = result
    return planes


def leading_one(rt, words: np.ndarray) -> np.ndarray:
    """XOR shares of a word with only the highest set bit of each XOR-shared word ``(k, N)`` kept.

    Steps: move to bit planes ordered from the top bit down; the prefix OR
    over them (:func:`prefix_or`); the leading one is where the prefix OR
    first becomes 1; back to words.
    Cost: 3 rounds; per element and other party each party sends
    ``8 * 432 / 64 = 54`` bytes (432 masked plane openings per 64 elements),
    the dealer sends party 0 ``8 * 768 / 64 = 96`` bytes (768 mask products;
    element counts rounded up to 64).
    """
    planes = prefix_or(rt, np.ascontiguousarray(kernels.to_planes(words)[:, ::-1]))  # plane i is bit 63 - i
    onehot = planes.copy()
    onehot[:, 1:] ^= planes[:, :-1]
    return kernels.from_planes(np.ascontiguousarray(onehot[:, ::-1]), words.shape[1])
