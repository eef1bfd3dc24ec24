"""k-group and stratified logrank tests against lifelines and statsmodels, on lifelines' rossi and lung data."""

import doctest

import numpy as np
import pytest
from clinical import HOSPITALS, SCHEMES, lung, rossi, row_blocks, share_rows
from lifelines.statistics import logrank_test, multivariate_logrank_test
from statsmodels.duration.survfunc import survdiff

import mpcarray as mpc
import mpcarray.stats.logrank
from mpcarray import stats
from mpcarray.errors import ShapeError, UnsupportedOperationError

#: Documented in docs/statistics.md: relative error of the statistic and p-value.
TOLERANCE = 1e-6
#: (data set, path) for every scheme. lung's secure path (227 patients, days up to 1022, so
#: 227 x 1023 comparisons for the event grid) is run on the additive scheme only
#: (test_lung_secure_path): in a Shamir session it takes minutes on this machine.
CASES = [("rossi", "owner_local"), ("rossi", "secure"), ("lung", "owner_local")]
#: Rounds and bytes sent by hospital a, rossi with 3 groups (then also 2 strata), docs/statistics.md.
COST = {("additive", "owner_local"): ((23, 19_198), (23, 28_606)),
        ("additive", "secure"): ((86, 5_106_344), (92, 5_269_832)),
        ("shamir", "owner_local"): ((35, 344_632), (35, 363_448))}


@pytest.fixture(scope="module", params=SCHEMES)
def session(request):
    with mpc.Session(parties=list(HOSPITALS), seed=5, scheme=request.param) as s:
        yield s


def by_hospital(session, frame, column, path):
    shared = share_rows(session, row_blocks(frame[column].to_numpy(), frame["hospital"]))
    return shared if path == "owner_local" else shared.copy()


def data(name):
    if name == "rossi":
        frame = rossi()
        return frame.assign(group=np.minimum(frame["prio"], 2), stratum=frame["fin"]), "week", "arrest"
    frame = lung().dropna(subset=["ph.ecog"])
    frame = frame.assign(group=np.minimum(frame["ph.ecog"], 2).astype(int), stratum=frame["sex"] - 1,
                         status=frame["status"] - 1 if frame["status"].max() == 2 else frame["status"])
    return frame, "time", "status"


@pytest.mark.parametrize(("name", "path"), CASES)
def test_k_groups_match_lifelines(session, name, path):
    frame, duration, event = data(name)
    time, observed, group = (by_hospital(session, frame, c, path) for c in (duration, event, "group"))
    result = stats.multivariate_logrank_test(time, observed, group)
    reference = multivariate_logrank_test(frame[duration], frame["group"], frame[event])
    assert result.degrees_of_freedom == reference.degrees_of_freedom == 2
    assert result.test_statistic == pytest.approx(reference.test_statistic, rel=TOLERANCE)
    assert result.p_value == pytest.approx(reference.p_value, rel=TOLERANCE)
    np.testing.assert_array_equal(result.observed, [frame.loc[frame.group == g, event].sum() for g in range(3)])


@pytest.mark.parametrize(("name", "path"), CASES)
def test_stratified_matches_statsmodels(session, name, path):
    frame, duration, event = data(name)
    time, observed, group, stratum = (by_hospital(session, frame, c, path)
                                      for c in (duration, event, "group", "stratum"))
    result = stats.multivariate_logrank_test(time, observed, group, strata=stratum)
    statistic, p_value = survdiff(frame[duration].to_numpy(), frame[event].to_numpy(),
                                  frame["group"].to_numpy(), strata=frame["stratum"].to_numpy())
    assert result.test_statistic == pytest.approx(statistic, rel=TOLERANCE)
    assert result.p_value == pytest.approx(p_value, rel=TOLERANCE)


def test_lung_secure_path():
    with mpc.Session(parties=list(HOSPITALS), seed=6) as s:
        test_k_groups_match_lifelines(s, "lung", "secure")
        test_stratified_matches_statsmodels(s, "lung", "secure")


@pytest.mark.parametrize(("scheme", "path"), list(COST))
def test_rounds_and_bytes(scheme, path):
    frame, duration, event = data("rossi")
    with mpc.Session(parties=list(HOSPITALS), seed=7, scheme=scheme) as s:
        time, observed, group, stratum = (by_hospital(s, frame, c, path)
                                          for c in (duration, event, "group", "stratum"))
        costs = []
        for strata, levels in ((None, None), (stratum, [0, 1])):
            before = s.comm.snapshot()
            stats.multivariate_logrank_test(time, observed, group, levels=[0, 1, 2], strata=strata,
                                            strata_levels=levels)
            cost = s.comm.snapshot() - before
            costs.append((cost.rounds, cost.bytes_sent[0]))
    assert tuple(costs) == COST[scheme, path]


def test_two_groups_and_levels_match_lifelines_logrank(session):
    """Two public levels (financial aid 1 against 0) give lifelines' two-group logrank_test."""
    frame, duration, event = data("rossi")
    time, observed, aid = (by_hospital(session, frame, c, "owner_local") for c in (duration, event, "fin"))
    result = stats.multivariate_logrank_test(time, observed, aid, levels=[1, 0])
    aided, other = frame[frame.fin == 1], frame[frame.fin == 0]
    reference = logrank_test(aided[duration], other[duration], aided[event], other[event])
    assert result.degrees_of_freedom == 1
    assert result.test_statistic == pytest.approx(reference.test_statistic, rel=TOLERANCE)
    assert result.p_value == pytest.approx(reference.p_value, rel=TOLERANCE)
    previous = stats.logrank_test(time, observed, group=aid)
    assert result.test_statistic == pytest.approx(previous.test_statistic, rel=TOLERANCE)


@pytest.mark.parametrize("name", ["rossi", "lung"])
def test_stratified_two_groups_logrank_test(session, name):
    """``logrank_test(time, event, group=g, strata=s)``: the stratified two-group test of statsmodels."""
    frame, duration, event = data(name)
    frame = frame.assign(two=(frame["group"] > 0).astype(int))
    time, observed, two, stratum = (by_hospital(session, frame, c, "owner_local")
                                    for c in (duration, event, "two", "stratum"))
    result = stats.logrank_test(time, observed, group=two, strata=stratum, strata_levels=[0, 1])
    statistic, p_value = survdiff(frame[duration].to_numpy(), frame[event].to_numpy(), frame["two"].to_numpy(),
                                  strata=frame["stratum"].to_numpy())
    assert result.test_statistic == pytest.approx(statistic, rel=TOLERANCE)
    assert result.p_value == pytest.approx(p_value, rel=TOLERANCE)
    assert result.observed[0] == frame.loc[frame.two == 1, event].sum()
    with pytest.raises(TypeError, match="group form"):
        stats.logrank_test(time, observed, time, observed, strata=stratum)


def test_reveals_only_the_tables(session):
    frame, duration, event = data("rossi")
    time, observed, group = (by_hospital(session, frame, c, "owner_local") for c in (duration, event, "group"))
    before = len(session.disclosures)
    stats.multivariate_logrank_test(time, observed, group, levels=[0, 1, 2])
    labels = [d["label"] for d in session.disclosures[before:]]
    assert labels == ["longest follow-up time", "distinct event times",
                      "logrank risk tables of every group and stratum"]


def test_bad_input(session):
    time = session.share(np.array([5, 3, 9]), owner=0)
    event = session.share(np.array([1, 0, 1]), owner=0)
    group = session.share(np.array([0, 1, 1]), owner=1)
    with pytest.raises(ShapeError, match="same number of rows"):
        stats.multivariate_logrank_test(time, event, group[:2])
    with pytest.raises(UnsupportedOperationError, match="integers"):
        stats.multivariate_logrank_test(time, event, session.share(np.array([0.0, 1.0, 1.0]), owner=1))
    with pytest.raises(ValueError, match="two groups"):
        stats.multivariate_logrank_test(time, event, group, levels=[1])
    with pytest.raises(ValueError, match="repeated"):
        stats.multivariate_logrank_test(time, event, group, levels=[1, 1])


def test_docstring_example_runs():
    failures, attempted = doctest.testmod(mpcarray.stats.logrank)
    assert attempted and not failures
