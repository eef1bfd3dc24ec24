"""Disclosure by lineage, a first step (issue 13, item 1; DESIGN.md §9).

Each SharedArray knows, per element, how many input records it aggregates;
policies see that number, and a script can only lower it. The findings of the
issue: a single row revealed with a large stated cohort, a loop of single-row
reveals, and a true mean of 12 patients refused for want of a stated cohort.
"""

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray.privacy import Policy, RevealRequest

PARTIES = ["hosp_a", "hosp_b", "lab_c"]
POLICY = {"hosp_a": Policy(labels=["mean *", "count *", "total *"], min_cohort=10)}


def _records(x):
    return None if x._lineage is None else x._lineage.records


@pytest.fixture
def s():
    with mpc.Session(PARTIES, seed=0, policies=POLICY) as session:
        yield session


def test_a_single_row_is_refused_whatever_cohort_the_script_states(s):
    x = s.share(np.arange(100.0), owner=0)
    with pytest.raises(mpc.RevealRefusedError, match="cohort of 1 is below the minimum of 10"):
        x[4].reveal("mean age", cohort=1000)
    assert s.disclosures == []


def test_a_loop_of_single_row_reveals_returns_nothing(s):
    x = s.share(np.arange(30.0), owner=0)
    for i in range(30):
        with pytest.raises(mpc.RevealRefusedError):
            x[i].reveal("mean age", cohort=30)
    assert s.disclosures == []


def test_a_true_mean_of_12_patients_passes_without_a_stated_cohort(s):
    ages = np.array([34.0, 51, 67, 45, 29, 80, 71, 38, 55, 62, 47, 59])
    x = s.share(ages, owner=0)
    assert x.mean().reveal("mean age") == pytest.approx(ages.mean(), abs=1e-3)
    assert s.disclosures[-1]["label"] == "mean age"


def test_a_script_can_only_state_a_stricter_cohort(s):
    x = s.share(np.arange(12.0), owner=0)
    with pytest.raises(mpc.RevealRefusedError, match="cohort of 5"):
        x.mean().reveal("mean age", cohort=5)
    with pytest.raises(ValueError, match="non-negative integer"):
        x.mean().reveal("mean age", cohort=-1)


def test_counts_propagate_through_the_operations_of_the_design():
    with mpc.Session(PARTIES, seed=0) as s:
        X = np.concatenate([s.share(np.ones((5, 2)), owner=0), s.share(np.ones((7, 2)), owner=1)])
        y = s.share(np.arange(12.0), owner=2)
        cases = {
            "input element": (y, 1), "sum over records": (y.sum(), 12), "mean": (y.mean(), 12),
            "np.sum": (np.sum(X, axis=0), 12), "np.mean": (np.mean(y), 12),
            "slice of rows, summed": (y[:5].sum(), 5), "rows by index array": (y[[1, 2, 3]].sum(), 3),
            "X.T @ X": (X.T @ X, 12), "X.T @ y": (X.T @ y, 12), "dot": (y.dot(y), 12),
            "sum over columns (one record)": (X.sum(axis=1), 1),
            "one record plus a mean": (y[4] + y.mean(), 1),
            "comparison then count": ((y > 5).sum(), 12), "np.exp then sum": (np.exp(y * 0.01).sum(), 12),
            "transpose keeps the records axis": (X.T.sum(axis=1), 12),
            "a public one-hot weight selects one record": ((y * np.eye(12)[4]).sum(), 1),
            "public where selects one record": (np.where(np.arange(12) == 4, y, 0.0).sum(), 1),
        }
        for name, (array, expected) in cases.items():
            assert _records(array) == expected, name


def test_assignment_and_unknown_lineage_are_conservative():
    with mpc.Session(PARTIES, seed=0, policies=POLICY) as s:
        y = s.share(np.arange(12.0), owner=0)
        z = y.copy()
        z[3] = 0.0  # a public value aggregates no record
        assert _records(z) == 0 and _records(z.sum()) == 11
        maximum = mpc.max(y)  # one record's value, however many records it was picked from
        assert _records(maximum) == 1
        with pytest.raises(mpc.RevealRefusedError, match="cohort of 1 is below the minimum of 10"):
            maximum.reveal("mean max", cohort=1000)
        gram = mpc.owner_apply(y, lambda a: a * 2)  # owner-local code: the library cannot tell
        assert gram._lineage is None
        with pytest.raises(mpc.RevealRefusedError, match="does not state its cohort"):
            gram.sum().reveal("mean gram", cohort=1000)  # an unknown lineage: the script cannot vouch


def test_policies_see_the_records_and_who_asked():
    seen = []
    policy = Policy(check=lambda request: seen.append(request) or True)
    with mpc.Session(PARTIES, seed=0, policies={"lab_c": policy}) as s:
        x = s.share(np.array([3, 25, 12, 0]), owner=0)
        x.sum().reveal("total")
        region = s.share(np.repeat([0, 1, 2, 3], [3, 25, 12, 0]), owner=1)
        mpc.privacy.suppress_small((region[:, None] == np.arange(4)).sum(axis=0), k=10, label="cases")
    first = seen[0]
    assert isinstance(first, RevealRequest) and first.records == 4 and first.asked_by == "script"
    assert {r.asked_by for r in seen[1:]} == {"mpcarray.privacy.suppression.suppress_small"}
    assert [r.records for r in seen[1:]] == [40, 40]  # every regional count aggregates all 40 patients


def test_owner_local_aggregates_have_an_unknown_lineage():
    with mpc.Session(PARTIES, seed=0, policies=POLICY) as s:
        X_a = s.share(np.ones((3, 2)), owner="hosp_a")
        gram = mpc.owner_apply(X_a, lambda a: a.T @ a)  # 3 records, but the library cannot tell
        assert gram._lineage is None
        with pytest.raises(mpc.RevealRefusedError, match="does not state its cohort"):
            gram.reveal("total gram", cohort=50)
