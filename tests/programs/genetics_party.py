"""Genotype tables of two hospitals' patients (a laboratory as third party) on whichever backend ``from_env`` gives.

Each hospital shares only its own rows (the others pass ``None``); the
tables are counted owner-locally, then securely (blocks forgotten), then a
hospital's miscoded genotypes must raise ``DataError`` at every party. Prints
one JSON line: both tables, the DataError message, and this process's rounds
and bytes sent per step (the simulated backend prints every party's).
"""

import json

import numpy as np

import mpcarray as mpc

PARTIES = ["hosp_a", "hosp_b", "lab_c"]
PATIENTS, VARIANTS = 60, 50


def data():
    rng = np.random.default_rng(5)
    G = rng.binomial(2, rng.uniform(0.1, 0.5, VARIANTS), size=(PATIENTS, VARIANTS))
    return G, rng.binomial(1, 0.5, PATIENTS), np.array_split(np.arange(PATIENTS), 2)


def run(s) -> dict:
    G, y, rows = data()

    def share(values, k):
        return s.share(values[rows[k]] if s.holds(PARTIES[k]) else None, owner=PARTIES[k])

    genotypes = np.concatenate([share(G, 0), share(G, 1)])
    phenotype = np.concatenate([share(y, 0), share(y, 1)])
    result, costs = {}, []
    for path, inputs in (("owner_local", (genotypes, phenotype)), ("secure", (genotypes.copy(), phenotype.copy()))):
        before = s.comm.snapshot()
        result[path] = mpc.stats.genotype_tables(*inputs).tolist()
        cost = s.comm.snapshot() - before
        costs.append([cost.rounds, cost.bytes_sent.tolist()])
    miscoded = np.concatenate([share(G + 1, 0), share(G, 1)])
    try:
        mpc.stats.genotype_tables(miscoded, phenotype)
    except mpc.DataError as error:
        result["error"] = str(error)
    result["costs"], result["rank"] = costs, s.rank
    return result


if __name__ == "__main__":
    with mpc.Session.from_env() as session:
        print(json.dumps(run(session)))
