"""Every Shamir operation once (field elements, integers, fixed-point reals and comparisons), on whichever backend ``Session.from_env`` gives; prints JSON.

``python shamir_suite.py [THRESHOLD]`` simulates the five parties; under
``mpcarray run --parties a,b,c,d,e shamir_suite.py [THRESHOLD]`` each process
prints its own results and counters. The socket tests compare both runs with
each other and with galois/NumPy plaintext, and check that no dealer took part.
"""

import json
import sys

import galois
import numpy as np

import mpcarray as mpc

PARTIES = ["a", "b", "c", "d", "e"]
FIELD = galois.GF(2**61 - 1)


def inputs() -> dict:
    """The plaintext inputs (every party can compute them; only owners share them)."""
    rng = np.random.default_rng(11)
    return {
        "x": FIELD.Random(40, seed=1), "y": FIELD.Random(40, seed=2), "bit": FIELD(rng.integers(0, 2, 40)),
        "fa": FIELD.Random((4, 6), seed=3), "fb": FIELD.Random((6, 3), seed=4),
        "i": rng.integers(-10**6, 10**6, (5, 4)), "j": rng.integers(-10**6, 10**6, (4, 3)),
        "k": rng.integers(-10**6, 10**6, (5, 4)), "flag": rng.integers(0, 2, (5, 4)),
        "r": np.round(rng.normal(0, 100, (6, 3)) * 2**16) / 2**16, "q": np.round(rng.uniform(-5, 5, (3, 2)) * 2**16) / 2**16,
    }


#: Which party shares which input: every party owns some.
OWNERS = {"x": "a", "y": "b", "bit": "c", "fa": "d", "fb": "e", "i": "a", "j": "e", "k": "c", "flag": "d", "r": "b", "q": "d"}


def references(data) -> dict:
    """What every revealed value should be, from galois (field elements) and NumPy (integers)."""
    x, y, i, j, k = data["x"], data["y"], data["i"], data["j"], data["k"]
    return {
        "field_add": x + y, "field_sub": x - y, "field_mul": x * y, "field_matmul": data["fa"] @ data["fb"],
        "field_power": x**3, "field_sum": np.sum(x), "field_where": np.where(data["bit"] == 1, x, y),
        "field_public": x * FIELD(5) - FIELD(7),
        "int_add": i + k, "int_sub": i - k, "int_mul": i * k, "int_matmul": i @ j, "int_power": (i // 1000) ** 2,
        "int_sum": (i * k).sum(axis=0), "int_where": np.where(data["flag"] == 1, i, k),
        "real_mul": data["r"] * data["r"][:, :1], "real_matmul": data["r"] @ data["q"],
        "real_mean": data["r"].mean(axis=0), "real_scaled": data["r"] / 3 + i[:1, :3],
        "compare_less": (i < k).astype(int), "compare_ties": (i <= np.where(data["flag"] == 1, i, k)).astype(int),
        "compare_relu": np.maximum(data["r"], 0),
    }


def run(s) -> dict:
    """Share the inputs, run every operation, reveal each result; also this party's counters."""
    v = {name: s.share(values if s.holds(OWNERS[name]) else None, owner=OWNERS[name])
         for name, values in inputs().items()}
    x, y, i, k = v["x"], v["y"], v["i"], v["k"]
    small = s.share(inputs()["i"] // 1000 if s.holds("a") else None, owner="a")
    results = {
        "field_add": x + y, "field_sub": x - y, "field_mul": x * y, "field_matmul": v["fa"] @ v["fb"],
        "field_power": x**3, "field_sum": x.sum(), "field_where": mpc.where(v["bit"], x, y),
        "field_public": x * FIELD(5) - FIELD(7),
        "int_add": i + k, "int_sub": i - k, "int_mul": i * k, "int_matmul": i @ v["j"], "int_power": small**2,
        "int_sum": (i * k).sum(axis=0), "int_where": mpc.where(v["flag"], i, k),
        "real_mul": v["r"] * v["r"][:, :1], "real_matmul": v["r"] @ v["q"],
        "real_mean": v["r"].mean(axis=0), "real_scaled": v["r"] / 3 + i[:1, :3],
        "compare_less": i < k, "compare_ties": i <= mpc.where(v["flag"], i, k), "compare_relu": mpc.relu(v["r"]),
    }
    out = {name: np.asarray(value.reveal(label=name)).tolist() for name, value in results.items()}
    comm = s.comm
    out["comm"] = {"rank": s.rank, "rounds": comm.rounds, "bytes_sent": comm.bytes_sent.tolist(),
                   "bytes_received": comm.bytes_received.tolist(), "dealer_bytes": comm.dealer_bytes.tolist()}
    return out


if __name__ == "__main__":
    threshold = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    with mpc.Session.from_env(parties=PARTIES, scheme="shamir", threshold=threshold) as session:
        print(json.dumps(run(session)))
