"""One-round multi-input gates on XOR-shared words, against plaintext NumPy, and the uniformity of what they open."""

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray import protocols
from mpcarray.preprocessing.gates import GATE_INDEX, GATES
from mpcarray.protocols import circuits


def xor_shares(rng, values: np.ndarray, n: int) -> np.ndarray:
    """Uniform XOR shares ``(n, *values.shape)`` of ``values``."""
    shares = rng.integers(0, 2**64, (n,) + values.shape, dtype=np.uint64, endpoint=False)
    shares[0] ^= np.bitwise_xor.reduce(shares, axis=0) ^ values
    return shares


def carry_fold(g: np.ndarray, p: np.ndarray):
    """``(G, P)`` of nodes ``0 .. q-1`` (rows, node 0 lowest) by the radix-2 operator, one node at a time."""
    G, P = g[0], p[0]
    for j in range(1, g.shape[0]):
        G, P = g[j] ^ (p[j] & G), p[j] & P
    return G, P


@pytest.mark.parametrize("n_parties", [2, 3, 5])
@pytest.mark.parametrize("key", sorted(GATE_INDEX, key=str))
def test_gate_outputs_match_plaintext(n_parties, key):
    rng = np.random.default_rng(n_parties)
    gate = GATES[GATE_INDEX[key]]
    m, lanes = len(gate.inputs), 37
    values = rng.integers(0, 2**64, (m, lanes), dtype=np.uint64, endpoint=False)
    values[:, 0] = 0  # all-zero and all-one instances
    values[:, 1] = ~np.uint64(0)
    with mpc.Session(parties=n_parties, seed=3) as s:
        before = s.comm.snapshot()
        (out,) = circuits.evaluate_gates(s._rt, [(key, xor_shares(rng, values, n_parties))])
        assert (s.comm - before).rounds == 1
    got = np.bitwise_xor.reduce(out, axis=0)
    named = dict(zip(gate.inputs, values))
    if key[0] == "and":
        assert np.array_equal(got[0], np.bitwise_and.reduce(values, axis=0))
        return
    q, with_p = key[1], key[2]
    g = np.stack([named.get(f"G{j}", np.zeros(lanes, np.uint64)) for j in range(q)])  # G_{q-1} is linear: 0 here
    p = np.stack([named.get(f"P{j}", np.zeros(lanes, np.uint64)) for j in range(q)])
    G, P = carry_fold(g, p)
    assert np.array_equal(got[0], G)
    if with_p:
        assert np.array_equal(got[1], P)


def test_gate_material_sizes():
    """Mask products per instance: 11 for a 4-input AND, 22 for a 4-node carry with P, 15 without."""
    sizes = {key: GATES[i].products.size for key, i in GATE_INDEX.items()}
    assert sizes[("and", 4)] == 2**4 - 4 - 1
    assert sizes[("combine", 4, True)] == 22 and sizes[("combine", 4, False)] == 15


def test_opened_values_are_balanced(monkeypatch):
    """Every word the gates open is masked: over structured inputs (zeros, ones, a ramp) the
    opened bits are 1 with frequency 1/2, within 6 standard deviations."""
    opened = []
    original = circuits.open_xor

    def recording(rt, *shares):
        result = original(rt, *shares)
        opened.extend(result)
        return result

    monkeypatch.setattr(circuits, "open_xor", recording)
    values = np.concatenate([np.zeros(256), np.full(256, -1), np.arange(512)]).astype(np.int64)
    with mpc.Session(parties=3, seed=4) as s:
        shares = protocols.share_input(s._rt, 0, values.view(np.uint64))
        protocols.sign_bits(s._rt, shares, negative=True, zero=True)
        protocols.leading_one(s._rt, protocols.bit_decompose(s._rt, shares))
    words = np.concatenate([w.ravel() for w in opened])
    ones = int(np.unpackbits(words.view(np.uint8)).sum())
    total = 64 * words.size
    assert abs(ones - total / 2) < 6 * np.sqrt(total / 4), (ones, total)
    per_word = np.unpackbits(words.view(np.uint8)).reshape(-1, 64).mean(axis=0)  # every bit position too
    assert np.all(np.abs(per_word - 0.5) < 6 * np.sqrt(0.25 / words.size))


def test_a_request_for_an_unknown_gate_fails_before_any_work():
    from mpcarray.preprocessing.kinds import stream_length
    assert stream_length("gate_masks", (10, GATE_INDEX[("and", 4)])) == (4 + 11) * 10
    for gate in (-1, len(GATES)):
        with pytest.raises(ValueError, match="no gate"):
            stream_length("gate_masks", (10, gate))
