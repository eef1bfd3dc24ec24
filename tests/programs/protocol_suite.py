"""Every protocol once, on whichever backend ``Session.from_env`` gives; prints JSON.

Run directly it simulates all parties; under ``mpcarray run``/``mpcarray party``
each process prints its own results and communication counters. The socket
tests compare both runs, and both against NumPy.
"""

import json

import numpy as np

import mpcarray as mpc
from mpcarray.array import primitives
from mpcarray.privacy import Laplace, Policy


def inputs():
    """The plaintext inputs (every party can compute them; only owners share them)."""
    rng = np.random.default_rng(7)
    return {
        "x": rng.uniform(-4, 4, 64), "y": rng.uniform(-4, 4, 64), "pos": rng.uniform(0.5, 6, 64),
        "a": rng.uniform(-1, 1, (5, 4)), "b": rng.uniform(-1, 1, (4, 3)),
        "i": rng.integers(-1000, 1000, 32), "j": rng.integers(-1000, 1000, 32), "k": rng.integers(0, 4, 32),
    }


def references(data) -> dict:
    """What every revealed value should be, computed in NumPy."""
    x, y, pos, a, b = data["x"], data["y"], data["pos"], data["a"], data["b"]
    return {
        "open": x, "add": x + y, "mul": x * y, "int_mul": data["i"] * data["j"], "matmul": a @ b,
        "gram": a.T @ a, "owner_gram": a.T @ a, "sum": (x * y).sum(), "select": np.where(x < y, x, y),
        "max": np.maximum(x, y), "reciprocal": 1 / pos, "sqrt": np.sqrt(pos),
        "exp": np.exp(x / 2), "sigmoid": 1 / (1 + np.exp(-x)), "square": x ** 2,
        "noisy_sum": x.sum(),
        "truncated_square": (_grid(a.T)[:, 1:] + 2 * np.eye(4)) @ (3 * _grid(a.T)),
        "truncated_product": _grid(b.T) @ _grid(a.T),
        "small_zero": (data["k"] == 0).astype(np.int64),
    }


def _grid(values):
    """``values`` as shared: rounded to the 2^-16 grid."""
    return np.rint(values * 2**16) / 2**16


def run(s) -> dict:
    """Share the inputs, run every protocol, reveal each result."""
    data = inputs()
    owners = {"x": 0, "y": 1, "pos": 2 % s.n_parties, "a": 0, "b": 1, "i": 0, "j": 1, "k": 1}
    v = {name: s.share(values if s.holds(owners[name]) else None, owner=owners[name])
         for name, values in data.items()}
    results = {
        "open": v["x"], "add": v["x"] + v["y"], "mul": v["x"] * v["y"], "int_mul": v["i"] * v["j"],
        "matmul": v["a"] @ v["b"], "gram": v["a"].T @ v["a"],
        "owner_gram": mpc.owner_apply(v["a"], lambda plain: plain.T @ plain), "sum": (v["x"] * v["y"]).sum(),
        "select": mpc.where(v["x"] < v["y"], v["x"], v["y"]), "max": mpc.maximum(v["x"], v["y"]),
        "reciprocal": mpc.reciprocal(v["pos"]), "sqrt": mpc.sqrt(v["pos"]), "exp": mpc.exp(v["x"] / 2),
        "sigmoid": mpc.sigmoid(v["x"]), "square": v["x"] ** 2,
        # a^T read with 4 more fractional bits and truncated back: exact, then a product of its blocks
        "truncated_square": primitives.truncated_square(primitives.relabel(v["a"].T * 16, 20), 16, 1, 5, 3, 2),
        "truncated_product": primitives.truncated_product(v["b"].T, primitives.relabel(v["a"].T * 16, 20), 16)[0],
        "small_zero": primitives.is_small_zero(v["k"], 2),
    }
    out = {name: np.asarray(value.reveal(label=name)).tolist() for name, value in results.items()}
    out["noisy_sum"] = float(v["x"].sum().reveal(label="noisy sum", noise=Laplace(epsilon=50.0, sensitivity=0.1)))
    comm = s.comm
    out["comm"] = {"rank": s.rank, "rounds": comm.rounds, "bytes_sent": comm.bytes_sent.tolist(),
                   "bytes_received": comm.bytes_received.tolist(), "dealer_bytes": comm.dealer_bytes.tolist()}
    return out


def refused(s) -> dict:
    """A reveal that party2's policy refuses: must raise at every party, opening nothing."""
    v = s.share(inputs()["x"] if s.holds(0) else None, owner=0)
    before = len(s.disclosures)
    try:
        v.reveal(label="row dump")
    except mpc.RevealRefusedError as err:
        return {"error": str(err), "new_disclosures": len(s.disclosures) - before}
    return {"error": None, "new_disclosures": len(s.disclosures) - before}


def rejected(s) -> str | None:
    """Party 0 shares a NaN: it must refuse before sending shares, and the others must be told."""
    try:
        s.share(np.array([1.0, np.nan]) if s.holds(0) else None, owner=0)
    except (mpc.EncodingError, mpc.InputRejectedError) as err:
        return type(err).__name__
    return None


#: party2 allows exactly the reveals of :func:`run`; the decision round runs before every reveal.
POLICIES = {"party2": Policy(labels=list(references(inputs())) + ["noisy sum"])}


def main(s) -> dict:
    out = run(s)
    out["refusal"] = refused(s)
    out["rejection"] = rejected(s)
    out["after_rejection"] = float(s.share(np.array(2.0) if s.holds(1) else None, owner=1).reveal(label="open"))
    return out


if __name__ == "__main__":
    with mpc.Session.from_env(parties=3, policies=POLICIES) as session:
        print(json.dumps(main(session)))
