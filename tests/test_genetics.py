"""Genetic association (genotype tables, allelic and trend tests, carrier odds ratios) against SciPy and statsmodels.

The genotypes are generated (no genotype data ship in the reference packages):
Hardy–Weinberg genotypes of 10^4 variants for 600 patients at three hospitals,
with a fixed seed and a few causal variants.
"""

import doctest
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from clinical import HOSPITALS
from scipy.stats import chi2, chi2_contingency
from statsmodels.stats.contingency_tables import Table, Table2x2

import mpcarray as mpc
import mpcarray.stats.genetics
from mpcarray import launch, stats
from mpcarray.errors import DataError, ShapeError, UnsupportedOperationError

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import genetics_party

#: docs/genetics.md: relative error of every statistic, p-value, odds ratio and interval bound.
TOLERANCE = 1e-6
#: Absolute tolerance for a statistic that is exactly 0 from the counts (no association at all).
ZERO = 1e-12
N_PATIENTS, N_VARIANTS = 600, 10_000
CAUSAL = np.array([17, 2_024, 5_555, 7_000, 9_876])
#: Variants checked one by one against statsmodels (a loop over all 10^4 takes too long).
CHECKED = np.concatenate([np.arange(0, N_VARIANTS, 25), CAUSAL])
#: Rounds and bytes sent by hospital a for the tables of n patients x m variants, 3 parties (docs/genetics.md).
COST = {("additive", "owner_local"): lambda n, m: (8, 192 * m + 1_508),
        ("additive", "secure"): lambda n, m: (10, 96 * n * m + 48 * n + 96 * m + 1_412),
        ("shamir", "owner_local"): lambda n, m: (12, 384 * m + 8_392),
        ("shamir", "secure"): lambda n, m: (13, 64 * n * m + 32 * n + 256 * m + 8_256)}


def generate(seed: int = 2026):
    """Genotypes (HWE, minor-allele frequency 0.05-0.5), a case/control phenotype and a drug response."""
    rng = np.random.default_rng(seed)
    maf = rng.uniform(0.05, 0.5, N_VARIANTS)
    G = rng.binomial(2, maf, size=(N_PATIENTS, N_VARIANTS))
    logit = -0.8 + 0.9 * (G[:, CAUSAL] - 2 * maf[CAUSAL]).sum(axis=1)
    disease = rng.binomial(1, 1 / (1 + np.exp(-logit)))
    carrier = (G[:, CAUSAL[:2]] > 0).sum(axis=1)
    response = rng.binomial(1, 1 / (1 + np.exp(-(-1.0 + 1.2 * carrier))))
    return G, disease, response


@pytest.fixture(scope="module")
def data():
    return generate()


def blocks(values):
    return np.array_split(values, len(HOSPITALS))


def share(session, values, path="owner_local"):
    """Rows at the three hospitals; ``secure`` forgets the blocks, so the tables are counted in MPC."""
    shared = np.concatenate([session.share(block, owner=k) for k, block in enumerate(blocks(values))])
    return shared if path == "owner_local" else shared.copy()


def reference_tables(G, y):
    """``(m, 2, 3)``: cases then controls, by genotype 0, 1, 2 (NumPy)."""
    return np.stack([np.stack([(G[y == who] == g).sum(axis=0) for g in (0, 1, 2)], axis=-1) for who in (1, 0)],
                    axis=1)


@pytest.fixture(scope="module")
def session():
    with mpc.Session(parties=list(HOSPITALS), seed=3) as s:
        yield s


@pytest.fixture(scope="module")
def shared(session, data):
    G, disease, response = data
    return share(session, G), share(session, disease), share(session, response)


@pytest.fixture(scope="module")
def tables(shared):
    G, disease, _ = shared
    return stats.genotype_tables(G, disease)


def test_tables_are_exact(data, tables, session, shared):
    G, disease, _ = data
    np.testing.assert_array_equal(tables, reference_tables(G, disease))
    before = session.comm.snapshot()
    stats.genotype_tables(*shared[:2])
    cost = session.comm.snapshot() - before
    assert (cost.rounds, int(cost.bytes_sent[0])) == COST["additive", "owner_local"](N_PATIENTS, N_VARIANTS) \
        == (8, 1_921_508)
    # the secure path (blocks forgotten) on the first 1,000 variants, phenotype from another hospital
    few = share(session, G[:, :1000], "secure")
    y = session.share(disease, owner="hosp_b")
    np.testing.assert_array_equal(stats.genotype_tables(few, y), reference_tables(G[:, :1000], disease))


def test_shamir_secure_tables_are_exact(data):
    G, disease, _ = data
    with mpc.Session(parties=list(HOSPITALS), seed=4, scheme="shamir") as s:
        genotypes, phenotype = share(s, G[:, :40], "secure"), share(s, disease, "secure")
        before = s.comm.snapshot()
        table = stats.genotype_tables(genotypes, phenotype)
        cost = s.comm.snapshot() - before
    np.testing.assert_array_equal(table, reference_tables(G[:, :40], disease))
    assert (cost.rounds, int(cost.bytes_sent[0])) == COST["shamir", "secure"](N_PATIENTS, 40) == (13, 1_573_696)


def test_allelic_matches_scipy(data, tables, shared):
    G, disease, _ = data
    result = stats.allelic_test(tables)
    for j in CHECKED:
        minor = [np.sum(G[disease == who, j]) for who in (1, 0)]
        alleles = [[minor[0], 2 * np.sum(disease == 1) - minor[0]], [minor[1], 2 * np.sum(disease == 0) - minor[1]]]
        statistic, pvalue = chi2_contingency(alleles, correction=False)[:2]
        np.testing.assert_array_equal(result.table[j], alleles)
        assert result.statistic[j] == pytest.approx(statistic, rel=TOLERANCE)
        assert result.pvalue[j] == pytest.approx(pvalue, rel=TOLERANCE)
    # every variant: Pearson's sum of (O - E)^2 / E over the allele table counted from the patients
    minor = np.stack([G[disease == 1].sum(axis=0), G[disease == 0].sum(axis=0)], axis=1)
    observed = np.stack([minor, 2 * np.array([np.sum(disease == 1), np.sum(disease == 0)]) - minor], axis=2)
    expected = observed.sum(axis=2, keepdims=True) * observed.sum(axis=1, keepdims=True) / (2 * N_PATIENTS)
    pearson = ((observed - expected) ** 2 / expected).sum(axis=(1, 2))
    np.testing.assert_allclose(result.statistic, pearson, rtol=TOLERANCE, atol=ZERO)
    np.testing.assert_allclose(result.pvalue, chi2.sf(pearson, 1), rtol=TOLERANCE)
    assert result.dof == 1
    assert set(np.argsort(result.pvalue)[:3]) <= set(CAUSAL)  # the strongest signals are causal variants
    direct = stats.allelic_test(*shared[:2])  # from the SharedArrays: the same opening, the same result
    np.testing.assert_array_equal(direct.statistic, result.statistic)


def test_trend_matches_statsmodels_and_the_correlation(data, tables):
    """Armitage's statistic is ``N r^2``; statsmodels' ordinal test gives ``(N - 1) r^2`` (its z squared)."""
    G, disease, _ = data
    result = stats.trend_test(tables)
    centred_g, centred_y = G - G.mean(axis=0), disease - disease.mean()
    r = centred_g.T @ centred_y / np.sqrt((centred_g**2).sum(axis=0) * (centred_y**2).sum())
    np.testing.assert_allclose(result.statistic, N_PATIENTS * r**2, rtol=TOLERANCE, atol=ZERO)
    np.testing.assert_allclose(result.pvalue, chi2.sf(N_PATIENTS * r**2, 1), rtol=TOLERANCE)
    for weights in ((0, 1, 2), (0, 1, 1), (0, 0, 1)):
        scored = stats.trend_test(tables, weights=weights) if weights != (0, 1, 2) else result
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # statsmodels divides 0 by 0 where scores are constant
            expected = np.array([
                Table(reference_tables(G[:, [j]], disease)[0], shift_zeros=False).test_ordinal_association(
                    row_scores=np.array([1, 0]), col_scores=np.array(weights, dtype=float)).zscore ** 2
                for j in CHECKED]) * N_PATIENTS / (N_PATIENTS - 1)
        # NaN where the scores do not vary (recessive scores of a variant without homozygotes), in both
        np.testing.assert_allclose(scored.statistic[CHECKED], expected, rtol=TOLERANCE, atol=ZERO)
        np.testing.assert_allclose(scored.pvalue[CHECKED], chi2.sf(expected, 1), rtol=TOLERANCE)
    assert set(np.argsort(result.pvalue)[:3]) <= set(CAUSAL)


def test_carrier_odds_ratios_match_statsmodels(data, shared):
    G, _, response = data
    genotypes, _, drug = shared
    result = stats.carrier_odds_ratio(genotypes, drug, confidence=0.9)
    for j in CHECKED:
        carrier = G[:, j] > 0
        table = np.array([[np.sum(carrier & (response == 1)), np.sum(carrier & (response == 0))],
                          [np.sum(~carrier & (response == 1)), np.sum(~carrier & (response == 0))]])
        reference = Table2x2(table, shift_zeros=False)
        np.testing.assert_array_equal(result.table[j], table)
        assert result.statistic[j] == pytest.approx(reference.oddsratio, rel=TOLERANCE)
        np.testing.assert_allclose([result.ci_low[j], result.ci_high[j]], reference.oddsratio_confint(alpha=0.1),
                                   rtol=TOLERANCE)
    assert np.all(result.ci_low[CAUSAL[:2]] > 1)  # the two pharmacogenes raise the odds of a response


def test_suppress_small_masks_exactly_the_small_cells(data, session):
    G, disease, _ = data
    k = 10
    before = len(session.disclosures)
    table = stats.genotype_tables(share(session, G[:, :300]), share(session, disease), suppress_small=k)
    assert [d["label"] for d in session.disclosures[before:]] == [
        "genotypes are 0/1/2 and the phenotype 0/1",
        "genotype-by-phenotype tables (doubled counts) (suppression pattern, k=20)",
        "genotype-by-phenotype tables (doubled counts)"]
    expected = reference_tables(G[:, :300], disease)
    np.testing.assert_array_equal(np.ma.getmaskarray(table), expected < k)
    np.testing.assert_array_equal(table.compressed(), expected[expected >= k])
    allelic = stats.allelic_test(table)
    hidden = (expected < k).any(axis=(1, 2))
    assert np.all(np.isnan(allelic.statistic[hidden])) and np.all(np.isfinite(allelic.statistic[~hidden]))


@pytest.mark.parametrize(("scheme", "path"), [("additive", "owner_local"), ("additive", "secure"),
                                             ("shamir", "owner_local")])
def test_rounds_and_bytes(data, scheme, path):
    G, disease, _ = data
    with mpc.Session(parties=list(HOSPITALS), seed=7, scheme=scheme) as s:
        genotypes, phenotype = share(s, G[:, :1000], path), share(s, disease, path)
        before = s.comm.snapshot()
        table = stats.genotype_tables(genotypes, phenotype)
        cost = s.comm.snapshot() - before
        labels = [d["label"] for d in s.disclosures]
    np.testing.assert_array_equal(table, reference_tables(G[:, :1000], disease))
    assert (cost.rounds, int(cost.bytes_sent[0])) == COST[scheme, path](N_PATIENTS, 1000)
    assert labels == ["genotypes are 0/1/2 and the phenotype 0/1", "genotype-by-phenotype tables"]


@pytest.mark.parametrize("path", ["owner_local", "secure"])
def test_invalid_values_raise_before_the_tables_are_opened(session, path):
    G = np.array([[0, 1], [2, 1], [1, 0], [2, 2]])
    y = np.array([1, 0, 1, 0])
    for bad_G, bad_y, message in ((np.where(G == 2, 3, G), y, "0, 1 and 2"), (G - 1, y, "0, 1 and 2"),
                                  (G, np.array([1, 0, 2, 0]), "phenotype"), (G, -y, "phenotype")):
        before = len(session.disclosures)
        with pytest.raises(DataError, match=message):
            stats.genotype_tables(share(session, bad_G, path), share(session, bad_y, path))
        assert [d["label"] for d in session.disclosures[before:]] == ["genotypes are 0/1/2 and the phenotype 0/1"]


def test_bad_input(session):
    G = session.share(np.array([[0, 1], [2, 1], [1, 0]]), owner=0)
    y = session.share(np.array([1, 0, 1]), owner=1)
    with pytest.raises(ShapeError, match="same number of rows"):
        stats.genotype_tables(G, y[:2])
    with pytest.raises(UnsupportedOperationError, match="integers"):
        stats.genotype_tables(G * 1.0, y)
    with pytest.raises(UnsupportedOperationError, match="integers"):
        stats.trend_test(G, session.share(np.array([1.0, 0.0, 1.0]), owner=1))
    with pytest.raises(ValueError, match="1-D|2-D|dimension"):
        stats.genotype_tables(y, y)
    with pytest.raises(TypeError, match="SharedArray"):
        stats.genotype_tables(np.array([[0, 1]]), y)
    with pytest.raises(TypeError, match="required"):
        stats.allelic_test(G)
    with pytest.raises(ValueError, match=r"\(m, 2, 3\)"):
        stats.allelic_test(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="negative"):
        stats.carrier_odds_ratio(-np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match="weights"):
        stats.trend_test(np.ones((1, 2, 3)), weights=(0, 1))
    with pytest.raises(ValueError, match="suppress_small"):
        stats.genotype_tables(G, y, suppress_small=0)


def test_docstring_examples_run():
    failures, attempted = doctest.testmod(mpcarray.stats.genetics)
    assert attempted and not failures


@pytest.mark.network
def test_socket_parties_count_the_same_tables(tmp_path):
    """tests/programs/genetics_party.py as one process per party over TLS: tables, errors and counters as simulated."""
    with mpc.Session(parties=genetics_party.PARTIES) as s:
        simulated = genetics_party.run(s)
    G, y, _ = genetics_party.data()
    assert simulated["owner_local"] == simulated["secure"] == reference_tables(G, y).tolist()
    results = launch.start(launch.prepare(tmp_path, genetics_party.PARTIES, timeout=60), genetics_party.__file__,
                           []).wait(180)
    assert all(code == 0 for code, _ in results.values()), results
    for name in genetics_party.PARTIES:
        party = json.loads(next(line for line in results[name][1].splitlines() if line.startswith("{")))
        rank = party["rank"]
        assert party["owner_local"] == party["secure"] == simulated["secure"]
        assert party["error"] == simulated["error"] == "genotypes must hold only minor-allele counts 0, 1 and 2"
        for (rounds, sent), (expected_rounds, expected_sent) in zip(party["costs"], simulated["costs"]):
            assert rounds == expected_rounds and sent[rank] == expected_sent[rank]
