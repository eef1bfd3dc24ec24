"""Genetic association across 3 hospitals (rows split, owner-local tables) versus NumPy and SciPy.

600 patients x 10^4 Hardy–Weinberg variants (minor-allele counts 0/1/2) and a
0/1 phenotype; each hospital shares its own rows. ``time_secure`` pools the
genotype tables (the only opening) and computes the allelic and trend tests
from them; ``time_plaintext`` counts the same tables on the pooled data with
NumPy and runs the same tests with SciPy's chi-squared distribution.
"""

import numpy as np
from scipy import stats as scipy_stats

import mpcarray as mpc

from ._common import SEED, cached, comm_of, max_bytes_sent, session

PARTIES = 3
PATIENTS, VARIANTS = 600, 10**4


def _data():
    rng = np.random.default_rng([SEED, 12])
    maf = rng.uniform(0.05, 0.5, VARIANTS)
    return rng.binomial(2, maf, size=(PATIENTS, VARIANTS)), rng.binomial(1, 0.4, PATIENTS)


@cached
def _operands():
    """Session, shared (G, y) with rows at 3 hospitals, and their plaintext; kernels warmed up."""
    s = session(PARTIES)
    G, y = _data()
    rows = np.array_split(np.arange(PATIENTS), PARTIES)
    shared_G = np.concatenate([s.share(G[r], owner=k) for k, r in enumerate(rows)])
    shared_y = np.concatenate([s.share(y[r], owner=k) for k, r in enumerate(rows)])
    mpc.stats.genotype_tables(shared_G, shared_y)  # warm-up
    return s, shared_G, shared_y, G, y


def secure(G, y):
    tables = mpc.stats.genotype_tables(G, y)
    return mpc.stats.allelic_test(tables), mpc.stats.trend_test(tables)


def plaintext(G, y):
    """The tables by NumPy on the pooled data; the allelic and trend statistics and p-values."""
    counts = np.stack([np.stack([(G[y == who] == g).sum(axis=0) for g in (0, 1, 2)], axis=-1) for who in (1, 0)],
                      axis=1).astype(np.float64)
    cases, total = counts[:, 0], counts.sum(axis=1)
    a, b = cases[:, 1] + 2 * cases[:, 2], 2 * cases[:, 0] + cases[:, 1]
    c, d = total[:, 1] + 2 * total[:, 2] - a, 2 * total[:, 0] + total[:, 1] - b
    allelic = (a + b + c + d) * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    t = np.array([0.0, 1.0, 2.0])
    R, N = cases.sum(axis=1), total.sum(axis=1)
    trend = N * (N * (cases @ t) - R * (total @ t)) ** 2 / (R * (N - R) * (N * (total @ t**2) - (total @ t) ** 2))
    return scipy_stats.chi2.sf(allelic, 1), scipy_stats.chi2.sf(trend, 1)


class GenotypeTables:
    """Allelic and trend tests of 10^4 variants: pooled secure tables versus NumPy/SciPy on the pooled data."""

    number = 1
    repeat = 3
    timeout = 300

    def setup(self):
        self.s, self.G, self.y, self.plain_G, self.plain_y = _operands()

    def time_secure(self):
        secure(self.G, self.y)

    def time_plaintext(self):
        plaintext(self.plain_G, self.plain_y)

    def _comm(self):
        return comm_of(self.s, lambda: mpc.stats.genotype_tables(self.G, self.y))

    def track_rounds(self):
        return self._comm().rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self):
        return max_bytes_sent(self._comm())

    track_bytes_sent_per_party.unit = "bytes"
