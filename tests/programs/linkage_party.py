"""Links synthetic patient identifiers on whichever backend ``Session.from_env`` gives; prints JSON.

``python linkage_party.py SIZE OVERLAPS [PARTIES]`` simulates the parties (2 unless
``PARTIES`` says otherwise) once per comma-separated overlap; under ``mpcarray run``
each process links its own identifiers and prints, per overlap, the size, a digest of its identifiers in the common
order (equal at every party when they agree on the order), the cardinality-only
count, the wall-clock and CPU seconds ``private_intersection`` took, the CPU seconds of
one X25519 multiplication measured in the same process (so that tests compare the two on
any machine) and its counters.
"""

import functools
import hashlib
import json
import sys
import time

import numpy as np

import mpcarray as mpc
from mpcarray.linkage import curve
from mpcarray.linkage.identifiers import normalise


def identifiers(parties, size: int, overlap: float) -> dict[str, list]:
    """``size`` identifiers per party, a fraction ``overlap`` common to all, each party spelling them its own way.

    Common patients are ``P0000017``-style strings, spelled in upper case, lower
    case with white space, or mixed; every tenth is an integer at even parties
    and its decimal string at odd ones. Rows are shuffled per party.
    """
    common = round(size * overlap)
    spellings = [str.upper, lambda x: f"  {x.lower()} ", lambda x: x.capitalize()]
    out = {}
    for k, name in enumerate(parties):
        spell = spellings[k % len(spellings)]
        shared = [(10**9 + i if k % 2 == 0 else str(10**9 + i)) if i % 10 == 0 else spell(f"p{i:07d}")
                  for i in range(common)]
        own = [f"{name}-only-{i:07d}" for i in range(size - common)]
        rows = shared + own
        order = np.random.default_rng(k).permutation(size)
        out[name] = [rows[r] for r in order]
    return out


def expected_common(ids: dict[str, list]) -> set[bytes]:
    """The plaintext answer: Python set intersection of the normalised identifiers."""
    return set.intersection(*({normalise(x) for x in values} for values in ids.values()))


def digest(values) -> str:
    """A digest of identifiers in order, after normalisation."""
    return hashlib.sha256(b"\n".join(normalise(x) for x in values)).hexdigest()


@functools.cache
def multiplication_cpu_seconds(count: int = 10_000) -> float:
    """CPU seconds of one X25519 multiplication in this process (``count`` of them, as the linkage does them).

    Measured once per process (a property of the process and its machine, not of the overlap).
    """
    points = curve.hash_points(b"calibration", [i.to_bytes(4, "little") for i in range(count)])
    cpu = time.process_time()
    curve.encrypt(curve.new_key(), points)
    return (time.process_time() - cpu) / count


def run(s, size: int, overlap: float) -> dict:
    """Link, align and count this process's parties; what each of them saw."""
    ids = identifiers(s.parties, size, overlap)
    own = ids if s.rank is None else ids[s.parties[s.rank]]
    before = s.comm.snapshot()
    start, cpu = time.perf_counter(), time.process_time()
    link = mpc.linkage.private_intersection(s, own)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    comm = s.comm - before
    count = mpc.linkage.intersection_size(s, own)
    return {"size": link.size, "count": count, "seconds": seconds, "cpu_seconds": cpu_seconds, "rank": s.rank,
            "multiplication_cpu_seconds": multiplication_cpu_seconds(),
            "expected": len(expected_common(ids)),
            "digests": {party: digest(link.align(party, np.array(ids[party], dtype=object)))
                        for party in link.indices},
            "rounds": comm.rounds, "sent": comm.bytes_sent.tolist(), "received": comm.bytes_received.tolist()}


if __name__ == "__main__":
    with mpc.Session.from_env(parties=int(sys.argv[3]) if len(sys.argv) > 3 else 2) as session:
        for overlap in sys.argv[2].split(","):
            print(json.dumps({"overlap": float(overlap), **run(session, int(sys.argv[1]), float(overlap))}))
