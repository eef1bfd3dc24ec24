"""Kaplan–Meier and logrank on lifelines' lung (split by institution) and rossi data, against lifelines."""

import numpy as np
import pytest
from clinical import HOSPITALS, SCHEMES, lung, rossi, row_blocks, share_rows
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test

import mpcarray as mpc
from mpcarray import stats
from mpcarray.errors import ShapeError, UnsupportedOperationError


@pytest.fixture(scope="module", params=SCHEMES)
def session(request):
    with mpc.Session(parties=list(HOSPITALS), seed=3, scheme=request.param) as s:
        yield s


def shared_survival(session, frame, duration, event, path="owner_local"):
    """(time, event) shared by each patient's hospital; ``secure`` forgets the hospitals' row blocks."""
    time = share_rows(session, row_blocks(frame[duration].to_numpy(), frame["hospital"]))
    observed = share_rows(session, row_blocks(frame[event].to_numpy(), frame["hospital"]))
    return (time, observed) if path == "owner_local" else (time.copy(), observed.copy())


def check_against_lifelines(km, durations, events):
    fitter = KaplanMeierFitter().fit(durations, events)
    table = fitter.event_table
    event_times = np.sort(np.unique(durations[events == 1]))
    on_grid = np.isin(event_times, km.timeline)
    assert on_grid.all(), "every event time must be on the timeline"
    expected = fitter.survival_function_at_times(km.timeline).to_numpy()
    assert np.max(np.abs(km.survival - expected)) <= 2.4e-15  # docs/statistics.md: 1.2e-15
    at_risk = np.array([np.sum(durations >= t) for t in km.timeline])
    np.testing.assert_array_equal(km.at_risk, at_risk)
    observed = table["observed"].reindex(km.timeline, fill_value=0).to_numpy()
    if np.array_equal(km.timeline, event_times):
        np.testing.assert_array_equal(km.events, observed)
        np.testing.assert_array_equal(km.at_risk, table["at_risk"].loc[km.timeline].to_numpy())
    return fitter


def test_kaplan_meier_lung_by_institution(session):
    frame = lung()
    km = stats.kaplan_meier(*shared_survival(session, frame, "time", "status"))
    durations, events = frame["time"].to_numpy(), frame["status"].to_numpy()
    np.testing.assert_array_equal(km.timeline, np.unique(durations[events == 1]))
    check_against_lifelines(km, durations, events)
    ended = np.array([np.sum(durations <= t) for t in km.timeline])
    np.testing.assert_array_equal(km.events + km.censored, np.diff(ended, prepend=0))


def test_kaplan_meier_rossi_secure_path(session):
    frame = rossi()
    time, event = shared_survival(session, frame, "week", "arrest", path="secure")
    assert mpc.row_parts(time) is None
    km = stats.kaplan_meier(time, event)
    check_against_lifelines(km, frame["week"].to_numpy(), frame["arrest"].to_numpy())


def test_kaplan_meier_on_a_public_timeline(session):
    """Every week 0..52 (a superset of the event times): exact at every grid point, no event-time reveal."""
    frame = rossi()
    before = len(session.disclosures)
    km = stats.kaplan_meier(*shared_survival(session, frame, "week", "arrest"), timeline=np.arange(53))
    assert [d["label"] for d in session.disclosures[before:]] == ["Kaplan-Meier risk table"]
    check_against_lifelines(km, frame["week"].to_numpy(), frame["arrest"].to_numpy())


def test_kaplan_meier_suppresses_small_counts(session):
    frame = lung()
    k = 3
    km = stats.kaplan_meier(*shared_survival(session, frame, "time", "status"), suppress_small=k)
    durations, events = frame["time"].to_numpy(), frame["status"].to_numpy()
    died = np.array([np.sum((durations == t) & (events == 1)) for t in km.timeline])
    at_risk = np.array([np.sum(durations >= t) for t in km.timeline])
    np.testing.assert_array_equal(np.ma.getmaskarray(km.events), died < k)
    np.testing.assert_array_equal(km.events.compressed(), died[died >= k])
    np.testing.assert_array_equal(np.ma.getmaskarray(km.at_risk), at_risk < k)
    hidden = np.logical_or.accumulate((died < k) | (at_risk < k))
    np.testing.assert_array_equal(np.ma.getmaskarray(km.survival), hidden)
    lower, upper = km.confidence_interval()
    np.testing.assert_array_equal(np.ma.getmaskarray(lower), hidden)
    reference = KaplanMeierFitter().fit(durations, events).confidence_interval_.loc[km.timeline].to_numpy()
    np.testing.assert_allclose(upper.compressed(), reference[~hidden, 1], atol=1e-6)


@pytest.mark.parametrize("alpha", [0.05, 0.1])
@pytest.mark.parametrize("dataset", ["lung", "rossi"])
def test_kaplan_meier_confidence_interval_matches_lifelines(session, dataset, alpha):
    frame, duration, event = (lung(), "time", "status") if dataset == "lung" else (rossi(), "week", "arrest")
    km = stats.kaplan_meier(*shared_survival(session, frame, duration, event))
    reference = KaplanMeierFitter(alpha=alpha).fit(frame[duration], frame[event])
    bounds = reference.confidence_interval_.loc[km.timeline].to_numpy()
    lower, upper = km.confidence_interval(alpha)
    np.testing.assert_allclose(lower, bounds[:, 0], atol=1e-6)
    np.testing.assert_allclose(upper, bounds[:, 1], atol=1e-6)
    assert np.all((lower <= km.survival) & (km.survival <= upper))
    with pytest.raises(ValueError, match="alpha"):
        km.confidence_interval(1.5)


@pytest.mark.parametrize("dataset", ["lung", "rossi"])
def test_logrank_matches_lifelines(session, dataset):
    frame, duration, event, group = ((lung(), "time", "status", "sex") if dataset == "lung"
                                     else (rossi(), "week", "arrest", "fin"))
    first, second = (frame[frame[group] == g] for g in np.unique(frame[group]))
    result = stats.logrank_test(*shared_survival(session, first, duration, event),
                                *shared_survival(session, second, duration, event))
    reference = logrank_test(first[duration], second[duration], first[event], second[event])
    assert result.test_statistic == pytest.approx(reference.test_statistic, rel=2e-15)
    assert result.p_value == pytest.approx(reference.p_value, rel=2e-15)
    assert result.observed[0] == first[event].sum()


def test_bad_input(session):
    time = session.share(np.array([5, 3, 9]), owner=0)
    event = session.share(np.array([1, 0, 1]), owner=0)
    with pytest.raises(TypeError, match="SharedArray"):
        stats.kaplan_meier(np.array([5, 3, 9]), event)
    with pytest.raises(ShapeError, match="same number of rows"):
        stats.kaplan_meier(time, event[:2])
    with pytest.raises(UnsupportedOperationError, match="integers"):
        stats.kaplan_meier(time, session.share(np.array([1.0, 0.0, 1.0]), owner=0))
    with pytest.raises(UnsupportedOperationError, match="integer times"):
        stats.kaplan_meier(session.share(np.array([5.5, 3.0, 9.0]), owner=0), event)
    with pytest.raises(ValueError, match="increasing"):
        stats.kaplan_meier(time, event, timeline=[3, 3, 9])


@pytest.mark.parametrize("scheme", SCHEMES)  # policies are checked before any opening, whatever the scheme
def test_every_reveal_states_its_cohort_for_the_policies(scheme):
    """A hospital requiring cohorts of at least 100 allows the whole analysis of rossi (432 patients)
    on the study's public timeline (weeks 1 to 52); without it the longest follow-up time, one
    patient's value (its lineage: one record), is refused."""
    frame = rossi()
    strict = {"hosp_b": mpc.privacy.Policy(min_cohort=100)}
    with mpc.Session(parties=list(HOSPITALS), seed=8, policies=strict, scheme=scheme) as s:
        time, event = shared_survival(s, frame, "week", "arrest")
        with pytest.raises(mpc.RevealRefusedError, match="longest follow-up time.*cohort of 1"):
            stats.kaplan_meier(time, event)
        stats.kaplan_meier(time, event, timeline=np.arange(1, 53))
        stats.var(share_rows(s, row_blocks(frame[["age", "prio"]].to_numpy(), frame["hospital"])))
        assert all(d["label"] for d in s.disclosures)
        small = frame[frame["hospital"] == 0].iloc[:50]
        with pytest.raises(mpc.RevealRefusedError, match="cohort of 50"):
            stats.kaplan_meier(*shared_survival(s, small, "week", "arrest"), timeline=np.arange(1, 53))


@pytest.mark.parametrize("path", ["owner_local", "secure"])
def test_logrank_with_a_group_indicator(session, path):
    """Financial aid (the "arm") held by hospital a for all rossi patients; times at their own hospitals."""
    frame = rossi()
    time, event = shared_survival(session, frame, "week", "arrest", path)
    arm = np.concatenate(row_blocks(frame["fin"].to_numpy(), frame["hospital"]))
    group = session.share(arm, owner="hosp_a") if path == "secure" else share_rows(
        session, row_blocks(frame["fin"].to_numpy(), frame["hospital"]))
    result = stats.logrank_test(time, event, group=group)
    aided, not_aided = frame[frame["fin"] == 1], frame[frame["fin"] == 0]
    reference = logrank_test(aided["week"], not_aided["week"], aided["arrest"], not_aided["arrest"])
    assert result.test_statistic == pytest.approx(reference.test_statistic, rel=2e-15)
    assert result.p_value == pytest.approx(reference.p_value, rel=2e-15)
    with pytest.raises(TypeError, match="not both"):
        stats.logrank_test(time, event, time, event, group=group)
