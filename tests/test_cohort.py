"""Cohort discovery (mpc.stats.cohort_count) against pandas boolean counts on lifelines' lung data at 3 hospitals."""

import re
import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clinical import HOSPITALS, breast_cancer, encoded, lung, row_blocks, share_rows

import mpcarray as mpc
from mpcarray import stats
from mpcarray.errors import ShapeError, UnsupportedOperationError

COLUMNS = ("age", "sex", "status", "time", "band")
PATHS = ("owner_local", "secure")


def criteria(age, sex, status, time, band):
    """Three feasibility criteria, written alike for NumPy arrays and SharedArrays."""
    return [(age > 60) & (sex == 1), (status == 1) & (time < 365), ~(age >= 70) | (sex == 2)]


@pytest.fixture(scope="module")
def frame():
    """lung, rows in the order of the concatenated hospital blocks, with a 10-year age band."""
    data = lung()
    data = pd.concat([data[data["hospital"] == k] for k in range(len(HOSPITALS))], ignore_index=True)
    return data.assign(band=data["age"] // 10)


@pytest.fixture(scope="module")
def session():
    with mpc.Session(parties=list(HOSPITALS), seed=21) as s:
        yield s


def shared_columns(session, frame, path):
    """Each column shared by each row's hospital; ``secure`` forgets the blocks (``copy``)."""
    columns = [share_rows(session, row_blocks(frame[c].to_numpy(), frame["hospital"])) for c in COLUMNS]
    return columns if path == "owner_local" else [c.copy() for c in columns]


def reference(frame) -> np.ndarray:
    """pandas' counts of the three criteria, one column of booleans each."""
    return pd.DataFrame(criteria(*(frame[c] for c in COLUMNS))).T.sum().to_numpy()


@pytest.mark.parametrize("path", PATHS)
def test_counts_match_pandas(session, frame, path):
    columns = shared_columns(session, frame, path)
    expected = reference(frame)
    assert expected.min() > 0
    np.testing.assert_array_equal(stats.cohort_count(criteria, *columns), expected)
    single = stats.cohort_count(lambda *c: criteria(*c)[0], *columns)
    assert single.shape == () and single == expected[0]


def test_evaluated_criteria(session, frame):
    """Criteria already compared inside MPC: one array, a sequence, or the (n, m) stack."""
    columns = shared_columns(session, frame, "owner_local")
    indicators = criteria(*columns)
    expected = reference(frame)
    np.testing.assert_array_equal(stats.cohort_count(indicators), expected)
    np.testing.assert_array_equal(stats.cohort_count(np.stack(indicators, axis=1)), expected)
    assert stats.cohort_count(indicators[1]) == expected[1]


def test_per_site(session, frame):
    columns = shared_columns(session, frame, "owner_local")
    got = stats.cohort_count(criteria, *columns, per_site=True)
    expected = pd.DataFrame(criteria(*(frame[c] for c in COLUMNS))).T.groupby(frame["hospital"]).sum()
    np.testing.assert_array_equal(got, expected.to_numpy())
    np.testing.assert_array_equal(got.sum(axis=0), reference(frame))


@pytest.mark.parametrize("path", PATHS)
def test_by_stratum_matches_pandas_crosstab(session, frame, path):
    columns = shared_columns(session, frame, path)
    bands = [3, 4, 5, 6, 7, 8]
    got = stats.cohort_count(criteria, *columns, by=columns[-1], levels=bands)
    flags = pd.DataFrame(criteria(*(frame[c] for c in COLUMNS))).T
    expected = flags.groupby(frame["band"]).sum().reindex(bands, fill_value=0).T.to_numpy()
    np.testing.assert_array_equal(got, expected)
    one = stats.cohort_count(criteria(*columns)[0], by=columns[1], levels=[2, 1])
    np.testing.assert_array_equal(one, pd.crosstab(flags[0], frame["sex"]).loc[True, [2, 1]].to_numpy())
    if path == "owner_local":
        per_site = stats.cohort_count(criteria, *columns, by=columns[-1], levels=bands, per_site=True)
        assert per_site.shape == (3, 3, len(bands))
        np.testing.assert_array_equal(per_site.sum(axis=0), expected)


def test_suppression_reveals_exactly_the_large_counts(session, frame):
    columns = shared_columns(session, frame, "owner_local")
    flags = pd.DataFrame(criteria(*(frame[c] for c in COLUMNS))).T
    expected = flags.groupby(frame["hospital"]).sum().to_numpy()
    k = 40
    assert 0 < np.sum(expected < k) < expected.size
    before = len(session.disclosures)
    got = stats.cohort_count(criteria, *columns, per_site=True, suppress_small=k)
    np.testing.assert_array_equal(np.ma.getmaskarray(got), expected < k)
    np.testing.assert_array_equal(got.compressed(), expected[expected >= k])
    opened = session.disclosures[before:]
    assert [d["shape"] for d in opened] == [expected.shape, (int(np.sum(expected >= k)),)]
    pooled = stats.cohort_count(criteria(*[c.copy() for c in columns]), suppress_small=100)
    np.testing.assert_array_equal(np.ma.getmaskarray(pooled), reference(frame) < 100)
    np.testing.assert_array_equal(pooled.compressed(), reference(frame)[reference(frame) >= 100])


def test_fixed_point_criteria_on_breast_cancer(session):
    """Reals: owner-local compares the hospitals' float64, the secure path the encoded values."""
    X, y = breast_cancer()
    radius, texture = X[:, 0], X[:, 1]
    blocks = [np.array_split(v, 3) for v in (radius, texture, y)]
    shared = [share_rows(session, b) for b in blocks]

    def rule(r, t, d):
        return [(r > 15.0) & (d == 0), (t <= 20.5) | (r < 11.0)]

    local = stats.cohort_count(rule, *shared)
    np.testing.assert_array_equal(local, np.sum(rule(radius, texture, y), axis=1))
    secure = stats.cohort_count(rule, *[c.copy() for c in shared])
    np.testing.assert_array_equal(secure, np.sum(rule(encoded(radius), encoded(texture), y), axis=1))


#: (rounds, bytes sent per party) of the cohort_count calls in test_rounds_and_bytes (docs/cohort.md)
COST = {
    "additive": {"local": (2, 160), "local suppressed": (8, 2534), "per site": (2, 256),
                 "by": (2, 272), "open": (1, 48), "open suppressed": (7, 2422), "secure by": (40, 127200)},
    "shamir": {"local": (3, 264), "local suppressed": (12, 17928), "per site": (3, 456),
               "by": (3, 472), "open": (1, 96), "open suppressed": (10, 17760)},
}


@pytest.mark.parametrize("scheme", list(COST))
def test_rounds_and_bytes(frame, scheme):
    with mpc.Session(parties=list(HOSPITALS), seed=4, scheme=scheme) as s:
        columns = shared_columns(s, frame, "owner_local")
        secure = [c.copy() for c in columns]
        evaluated = criteria(*columns)
        calls = {
            "local": lambda: stats.cohort_count(criteria, *columns),
            "local suppressed": lambda: stats.cohort_count(criteria, *columns, suppress_small=10),
            "per site": lambda: stats.cohort_count(criteria, *columns, per_site=True),
            "by": lambda: stats.cohort_count(criteria, *columns, by=columns[1], levels=[1, 2]),
            "open": lambda: stats.cohort_count(evaluated),
            "open suppressed": lambda: stats.cohort_count(evaluated, suppress_small=10),
            "secure by": lambda: stats.cohort_count(criteria, *secure, by=secure[1], levels=[1, 2]),
        }
        costs, results = {}, {}
        for name in COST[scheme]:
            before = s.comm.snapshot()
            results[name] = calls[name]()
            cost = s.comm.snapshot() - before
            assert len(set(cost.bytes_sent)) == 1  # every hospital sends the same
            costs[name] = (cost.rounds, cost.bytes_sent[0])
    assert costs == COST[scheme]
    for name in ("local", "local suppressed", "open", "open suppressed"):  # all 3 counts are >= 10
        assert not np.ma.is_masked(results[name])
        np.testing.assert_array_equal(results[name], reference(frame))
    np.testing.assert_array_equal(results["per site"].sum(axis=0), reference(frame))


def test_bad_input_is_refused_before_anything_is_shared(session, frame):
    age, sex = shared_columns(session, frame, "owner_local")[:2]
    reals = session.share(np.array([0.5, 1.0, 2.0]), owner=0)
    old, male = age > 60, sex == 1
    before = session.comm.snapshot()
    with pytest.raises(TypeError, match="SharedArray"):
        stats.cohort_count(frame["age"].to_numpy() > 60)
    with pytest.raises(UnsupportedOperationError, match="integers"):
        stats.cohort_count(reals)
    with pytest.raises(ShapeError, match="same number of rows"):
        stats.cohort_count([old, male[:10]])
    with pytest.raises(ShapeError, match="same number of rows"):
        stats.cohort_count(lambda a, x: a > 60, age, sex[:10])
    with pytest.raises(ValueError, match="per_site"):
        stats.cohort_count(old, per_site=True)
    with pytest.raises(ValueError, match="per_site"):
        stats.cohort_count(lambda a: a > 60, age.copy(), per_site=True)
    with pytest.raises(ValueError, match="suppress_small"):
        stats.cohort_count(lambda a: a > 60, age, suppress_small=0)
    with pytest.raises(ValueError, match="levels"):
        stats.cohort_count(lambda a: a > 60, age, levels=[1, 2])
    with pytest.raises(ValueError, match="levels"):
        stats.cohort_count(lambda a: a > 60, age, by=sex, levels=[1, 1])
    with pytest.raises(TypeError, match="columns"):
        stats.cohort_count(lambda a: a > 60)
    with pytest.raises(TypeError, match="not callable"):
        stats.cohort_count(old, age)
    with pytest.raises(ValueError, match="empty"):
        stats.cohort_count([])
    assert (session.comm.snapshot() - before).rounds == 0


def test_docs_page_examples_run(tmp_path):
    """Every Python block of docs/cohort.md runs (its asserts check the results against NumPy)."""
    page = Path(__file__).resolve().parents[1] / "docs" / "cohort.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.DOTALL)
    assert blocks
    for number, block in enumerate(blocks):
        script = tmp_path / f"cohort_block_{number}.py"
        script.write_text(block)
        runpy.run_path(str(script))
