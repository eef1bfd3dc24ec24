"""z-scores, Mahalanobis distances and anomaly flags against SciPy and NumPy.

References: ``scipy.stats.zscore``, ``scipy.spatial.distance.mahalanobis`` with
``np.linalg.inv(np.cov(X, rowvar=False))`` and ``scipy.stats.chi2`` on
scikit-learn's diabetes data (442 patients x 10 features, original units)
split over three hospitals; the figures are those of ``docs/anomaly.md``.
"""

import json

import numpy as np
import pytest
from clinical import HOSPITALS, SCHEMES, diabetes, even_blocks, share_columns, share_rows
from scipy.spatial.distance import mahalanobis as scipy_mahalanobis
from scipy.stats import chi2
from scipy.stats import zscore as scipy_zscore

import mpcarray as mpc
from mpcarray import launch, stats
from mpcarray.errors import ConditioningError, PartyError, ShapeError

#: docs/anomaly.md "Accuracy": max |z - z_scipy| / max(1, |z_scipy|), |d^2 - d^2_scipy| and |d - d_scipy| at f = 16.
Z_ERROR = 1.5e-4
D2_ERROR = 5e-4
D_ERROR = 5e-5
#: docs/anomaly.md "Rounds and bytes": additive, 3 hospitals, diabetes; (rounds, bytes sent per party).
COST = {
    ("owner_local", "zscore"): (43, [312144, 312224, 312224]),
    ("owner_local", "mahalanobis"): (79, [1526114, 1526122, 1526122]),
    ("owner_local", "flags"): (84, [1549974, 1549982, 1549982]),
    ("owner_local", "zscore flags"): (34, [453304, 453384, 453384]),
    ("secure", "zscore"): (90, [1274676, 1274756, 1274756]),
    ("secure", "mahalanobis"): (126, [2488646, 2488654, 2488654]),
    ("secure", "flags"): (131, [2512506, 2512514, 2512514]),
    ("secure", "zscore flags"): (81, [1415836, 1415916, 1415916]),
}
#: the same with public bounds (no magnitude reveal): rounds.
COST_WITH_BOUNDS = {"owner_local": {"zscore": 24, "mahalanobis": 60}, "secure": {"zscore": 24, "mahalanobis": 60}}


def reference_squared_distances(X, ddof=1):
    """d_i^2 with SciPy's distance and NumPy's inverse of NumPy's covariance."""
    inverse = np.linalg.inv(np.cov(X, rowvar=False, ddof=ddof))
    centre = X.mean(axis=0)
    return np.array([scipy_mahalanobis(row, centre, inverse) ** 2 for row in X])


@pytest.fixture(scope="module")
def data():
    X = diabetes()
    return X, even_blocks(X)


class Sessions:
    """One session per sharing scheme, opened on first use and closed at the end of the module."""

    def __init__(self):
        self.opened = {}

    def __call__(self, scheme):
        if scheme not in self.opened:
            self.opened[scheme] = mpc.Session(parties=list(HOSPITALS), seed=21, scheme=scheme)
        return self.opened[scheme]


@pytest.fixture(scope="module")
def sessions():
    every = Sessions()
    yield every
    for s in every.opened.values():
        s.close()


@pytest.fixture(scope="module", params=SCHEMES)
def session(request, sessions):
    return sessions(request.param)


#: (scheme, path): the secure path over Shamir is exercised by the other statistics' tests; here its
#: comparison trees over every row would take minutes, so it runs on additive sharing only.
CASES = [("additive", "owner_local"), ("additive", "secure"), ("shamir", "owner_local")]


def shared_rows(session, blocks, path):
    X = share_rows(session, blocks)
    return X if path == "owner_local" else X.copy()  # a copy forgets the owners' row blocks


def owners(blocks):
    return tuple(h for h, b in zip(HOSPITALS, blocks) for _ in b)


PATHS = ("owner_local", "secure")


@pytest.mark.parametrize(("scheme", "path"), CASES)
def test_zscores_match_scipy(sessions, data, scheme, path):
    X, blocks = data
    session = sessions(scheme)
    shared = shared_rows(session, blocks, path)
    z = stats.zscore(shared, to=owners(blocks))
    assert z_error(z, scipy_zscore(X)) <= Z_ERROR
    assert s_receivers(session) == owners(blocks)


def z_error(z, reference):
    """The z-scores' error measure of docs/anomaly.md: absolute up to |z| = 1, relative beyond."""
    return (np.abs(z - reference) / np.maximum(1.0, np.abs(reference))).max()


def s_receivers(session):
    return session.disclosures[-1]["receivers"]


def test_zscores_with_ddof_bounds_and_a_single_column(session, data):
    X, blocks = data
    shared = share_rows(session, blocks)
    bounds = 2.0 ** np.ceil(np.log2(np.abs(X).max(axis=0)))  # public bounds: no magnitude reveal
    z = stats.zscore(shared, ddof=1, bounds=bounds)
    assert z_error(z, scipy_zscore(X, ddof=1)) <= Z_ERROR
    bmi = share_rows(session, [b[:, 2] for b in blocks])
    z1 = stats.zscore(bmi)
    assert z1.shape == (len(X),)
    assert z_error(z1, scipy_zscore(X[:, 2])) <= Z_ERROR


@pytest.mark.parametrize(("scheme", "path"), CASES)
def test_mahalanobis_matches_scipy(sessions, data, scheme, path):
    X, blocks = data
    session = sessions(scheme)
    shared = shared_rows(session, blocks, path)
    d = stats.mahalanobis(shared, to=owners(blocks))
    d2 = reference_squared_distances(X)
    assert np.abs(d**2 - d2).max() <= D2_ERROR
    assert np.abs(d - np.sqrt(d2)).max() <= D_ERROR
    assert s_receivers(session) == owners(blocks)


def test_mahalanobis_of_columns_split_between_hospitals_to_one_receiver(sessions, data):
    """Vertical split (the rows have no single owner): the distances go to the named party."""
    X, _ = data
    session = sessions("additive")
    shared = share_columns(session, X)
    with pytest.raises(PartyError, match="say who receives each row"):
        stats.mahalanobis(shared)
    d = stats.mahalanobis(shared, ddof=0, to="hosp_c")
    assert np.abs(d**2 - reference_squared_distances(X, ddof=0)).max() <= D2_ERROR
    assert s_receivers(session) == ("hosp_c",) * len(X)


@pytest.mark.parametrize(("scheme", "path"), CASES)
def test_flags_agree_with_the_chi2_cut_off_except_within_the_error(sessions, data, scheme, path):
    X, blocks = data
    session = sessions(scheme)
    shared = shared_rows(session, blocks, path)
    flags = stats.anomaly_flags(shared, to=owners(blocks))
    d2 = reference_squared_distances(X)
    cut = chi2.ppf(0.975, X.shape[1])  # the default threshold, squared
    expected = d2 > cut
    near = np.abs(d2 - cut) <= D2_ERROR
    assert flags.dtype == bool and flags.shape == (len(X),)
    np.testing.assert_array_equal(flags[~near], expected[~near])
    assert expected.sum() >= 20  # the comparison is not vacuous: 26 patients lie beyond the cut-off
    if scheme == "shamir":
        return  # the threshold argument below is the same code on either scheme
    # a user-chosen distance threshold
    flags = stats.anomaly_flags(shared, threshold=5.0, to=owners(blocks))
    near = np.abs(d2 - 25.0) <= D2_ERROR
    np.testing.assert_array_equal(flags[~near], (d2 > 25.0)[~near])


@pytest.mark.parametrize(("scheme", "path"), CASES)
def test_zscore_flags_agree_with_scipy_except_within_the_error(sessions, data, scheme, path):
    X, blocks = data
    session = sessions(scheme)
    shared = shared_rows(session, blocks, path)
    for k in (3.0, 2.5) if scheme == "additive" else (3.0,):
        flags = stats.anomaly_flags(shared, method="zscore", threshold=k, to=owners(blocks))
        z = np.abs(scipy_zscore(X))
        near = np.abs(z - k) <= Z_ERROR * k
        assert flags.shape == X.shape and flags.dtype == bool
        np.testing.assert_array_equal(flags[~near], (z > k)[~near])
        assert (z > k).sum() >= 10


def test_each_hospital_receives_only_its_own_patients_flags(data):
    """Recorded receivers, the labels of everything opened, and the bytes of the last step.

    The flags call with ``to=row_owners`` and with every row to ``hosp_a`` run the same
    computation before the opening, so their difference in received bytes is the
    opening alone: each hospital receives its rows' shares from the 2 others (8 bytes each).
    """
    X, blocks = data
    counts = np.array([len(b) for b in blocks])
    received = {}
    for to in ("owners", "hosp_a"):
        with mpc.Session(parties=list(HOSPITALS), seed=5) as s:
            shared = share_rows(s, blocks)
            receivers = shared.row_owners if to == "owners" else ("hosp_a",) * len(X)
            start = len(s.disclosures)
            before = s.comm.snapshot()
            stats.anomaly_flags(shared, to=receivers)
            received[to] = (s.comm - before).bytes_received
            opened = s.disclosures[start:]
        per_record = [d for d in opened if d.get("receivers") is not None]
        assert len(per_record) == 1 and per_record[0]["receivers"] == receivers
        assert per_record[0]["shape"] == (len(X),)
        # everything else opened to all: the columns' power-of-two exponents and the solver's bit
        assert all(np.prod(d["shape"]) <= X.shape[1] for d in opened if d.get("receivers") is None)
    difference = received["owners"] - received["hosp_a"]
    assert difference.tolist() == (8 * 2 * counts - np.array([8 * 2 * len(X), 0, 0])).tolist()


@pytest.mark.parametrize("path", PATHS)
def test_rounds_and_bytes(data, path):
    X, blocks = data
    bounds = 2.0 ** np.ceil(np.log2(np.abs(X).max(axis=0)))
    calls = {
        "zscore": lambda x, **k: stats.zscore(x, **k),
        "mahalanobis": lambda x, **k: stats.mahalanobis(x, **k),
        "flags": lambda x, **k: stats.anomaly_flags(x, **k),
        "zscore flags": lambda x, **k: stats.anomaly_flags(x, method="zscore", **k),
    }
    with mpc.Session(parties=list(HOSPITALS), seed=9) as s:
        shared = shared_rows(s, blocks, path)
        to = owners(blocks)
        for name, call in calls.items():
            before = s.comm.snapshot()
            call(shared, to=to)
            cost = s.comm - before
            assert (cost.rounds, cost.bytes_sent.tolist()) == COST[path, name], name
        for name, rounds in COST_WITH_BOUNDS[path].items():
            before = s.comm.snapshot()
            calls[name](shared, to=to, bounds=bounds)
            assert (s.comm - before).rounds == rounds, name


def test_an_ill_conditioned_covariance_is_refused_before_any_distance_is_opened(data):
    _, blocks = data
    collinear = [np.column_stack([b[:, :3], b[:, 2] + b[:, 3]]) for b in blocks]  # bmi + bp repeated
    collinear = [np.column_stack([c, c[:, 3]]) for c in collinear]  # an exact copy of a column
    with mpc.Session(parties=list(HOSPITALS), seed=3) as s:
        shared = share_rows(s, collinear)
        with pytest.raises(ConditioningError):
            stats.mahalanobis(shared)
        assert all(d.get("receivers") is None for d in s.disclosures)


def test_bad_input_is_refused_before_anything_is_computed(data):
    X, blocks = data
    with mpc.Session(parties=list(HOSPITALS), seed=4) as s:
        shared = share_rows(s, [b[:20, :3] for b in blocks])
        cube = s.share(np.ones((4, 2, 2)), owner=0)
        tall = share_rows(s, [np.ones((1, 4)), np.ones((1, 4)), np.ones((1, 4))])
        secret = s.share(np.array(3.0), owner=0)
        before = s.comm.snapshot()
        cases = [
            (TypeError, "must be a SharedArray", lambda: stats.zscore(X)),
            (ShapeError, "dimension", lambda: stats.mahalanobis(cube)),
            (ShapeError, "more records than columns", lambda: stats.mahalanobis(tall)),
            (ValueError, "ddof", lambda: stats.zscore(shared, ddof=60)),
            (ValueError, "ddof", lambda: stats.mahalanobis(shared, ddof=-1)),
            (ValueError, "method", lambda: stats.anomaly_flags(shared, method="iforest")),
            (ValueError, "threshold", lambda: stats.anomaly_flags(shared, threshold=-1.0)),
            (ValueError, "threshold", lambda: stats.anomaly_flags(shared, method="zscore", threshold=np.nan)),
            (TypeError, "public", lambda: stats.anomaly_flags(shared, threshold=secret)),
            (PartyError, "unknown party", lambda: stats.zscore(shared, to="nobody")),
            (ShapeError, "one party per row", lambda: stats.mahalanobis(shared, to=["hosp_a"] * 5)),
            (ValueError, "max_condition", lambda: stats.mahalanobis(shared, max_condition=0.5)),
        ]
        for error, message, call in cases:
            with pytest.raises(error, match=message):
                call()
        cost = s.comm - before
    assert cost.rounds == 0 and cost.bytes_sent.sum() == 0


@pytest.mark.network
def test_over_sockets_each_hospital_receives_only_its_own_flags(tmp_path, data):
    """One process per hospital: each prints what anomaly_flags and zscore returned to it."""
    X, _ = data
    X = X[:60, :4]  # age, sex, bmi, bp of 60 patients: 30, 20 and 10 at the three hospitals
    sizes = [30, 20, 10]
    blocks = np.split(X, np.cumsum(sizes)[:-1])
    for name, block in zip(HOSPITALS, blocks):
        np.save(tmp_path / f"{name}.npy", block)
    script = tmp_path / "anomaly.py"
    script.write_text(
        "import json, sys, numpy as np, mpcarray as mpc\n"
        f"names = {list(HOSPITALS)!r}\n"
        "with mpc.Session.from_env(parties=names) as s:\n"
        f"    own = lambda h: np.load({str(tmp_path)!r} + f'/{{h}}.npy') if s.holds(h) else None\n"
        "    X = np.concatenate([s.share(own(h), owner=h) for h in names])\n"
        "    flags = mpc.stats.anomaly_flags(X, threshold=2.0)\n"
        "    z = mpc.stats.zscore(X)\n"
        "    print(json.dumps({'flags': None if flags is None else flags.tolist(),\n"
        "                      'z': None if z is None else z.tolist()}))\n")
    run = launch.start(launch.prepare(tmp_path, list(HOSPITALS), timeout=60), script)
    results = run.wait(600)
    assert all(results[name][0] == 0 for name in HOSPITALS), results
    printed = {name: json.loads(results[name][1].strip().splitlines()[-1]) for name in HOSPITALS}
    flags = np.sqrt(reference_squared_distances(X)) > 2.0
    z = scipy_zscore(X)
    start = 0
    for name, size in zip(HOSPITALS, sizes):
        rows = slice(start, start + size)
        start += size
        assert len(printed[name]["flags"]) == size  # its own rows, and no others
        near = np.abs(reference_squared_distances(X)[rows] - 4.0) <= D2_ERROR
        np.testing.assert_array_equal(np.array(printed[name]["flags"])[~near], flags[rows][~near])
        assert z_error(np.array(printed[name]["z"]), z[rows]) <= Z_ERROR


def test_a_minimum_cohort_policy_refuses_the_per_record_opening(data):
    """docs/anomaly.md: each opened value concerns one record, so min_cohort refuses it."""
    _, blocks = data
    small = [b[:20, :3] for b in blocks]
    policy = mpc.privacy.Policy(min_cohort=10)
    with mpc.Session(parties=list(HOSPITALS), seed=6, policies={"hosp_b": policy}) as s:
        shared = share_rows(s, small)
        with pytest.raises(mpc.RevealRefusedError, match="cohort of 1 is below the minimum of 10"):
            stats.anomaly_flags(shared, method="zscore")
        refused = s.disclosures[-1] if s.disclosures else None
    assert refused is None or refused["label"] != "anomaly flags (zscore)"
