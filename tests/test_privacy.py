"""Privacy controls: policies, small-count suppression, joint DP noise, budget, audit log."""

import json
import math

import numpy as np
import pytest
from scipy import stats

import mpcarray as mpc
from mpcarray.cli import main as cli
from mpcarray.privacy import (
    DiscreteLaplace,
    Gaussian,
    Laplace,
    Policy,
    PrivacyBudget,
    RevealRequest,
)

PARTIES = ["hosp_a", "hosp_b", "lab_c"]


# ------------------------------------------------------------------ policies
@pytest.mark.parametrize("n", [2, 3, 5])
def test_one_refusing_party_stops_the_reveal_everywhere(n):
    names = [f"p{i}" for i in range(n)]
    policies = {names[-1]: Policy(min_cohort=10)}
    with mpc.Session(names, seed=1, policies=policies) as s:
        x = s.share(np.array([4.0, 5.0]), owner=0)
        before = s.comm.snapshot()
        with pytest.raises(mpc.RevealRefusedError, match=f"refused by {names[-1]}.*below the minimum of 10"):
            x.sum().reveal(label="total", cohort=2)
        spent = s.comm - before
        # only the one-byte decision round happened: no share of the result was sent
        assert spent.bytes_sent.tolist() == [n - 1] * n and spent.rounds == 1
        assert s.disclosures == []
        with pytest.raises(mpc.RevealRefusedError, match="cohort of 2"):  # lineage: 2 records, whatever is stated
            x.sum().reveal(label="total", cohort=12)
        twelve = s.share(np.arange(12.0), owner=0)
        assert twelve.sum().reveal(label="total") == 66.0


def test_policy_rules():
    request = RevealRequest("mean age", (3,), "float64", cohort=20)
    assert Policy().decide(request) is None
    assert Policy(labels=["mean *"]).decide(request) is None
    assert "not among the allowed labels" in Policy(labels=["count *"]).decide(request)
    assert "unlabelled" in Policy(labels=["*"]).decide(RevealRequest(None, (), "int64"))
    assert "exceed the maximum of 2" in Policy(max_size=2).decide(request)
    assert "does not state its cohort" in Policy(min_cohort=5).decide(RevealRequest("x", (), "int64"))
    assert Policy(check=lambda r: r.size < 5).decide(request) is None
    assert Policy(check=lambda r: "too wide" if r.size > 1 else True).decide(request) == "too wide"
    assert Policy(min_cohort=10).digest() != Policy(min_cohort=11).digest()


def test_policies_for_unknown_parties_are_rejected():
    with pytest.raises(ValueError, match="unknown parties"):
        mpc.Session(PARTIES, policies={"hosp_z": Policy()})
    with pytest.raises(TypeError, match="Policy"):
        mpc.Session(PARTIES, policies={"hosp_a": {"min_cohort": 3}})


# --------------------------------------------------------------- suppression
@pytest.mark.parametrize("n", [2, 3, 5])
def test_suppress_small_reveals_exactly_the_counts_at_least_k(n):
    counts = np.random.default_rng(n).integers(0, 30, size=(3, 5))
    counts[0, :3] = [9, 10, 11]  # around the threshold
    cell = np.repeat(np.arange(15), counts.ravel())  # one row per patient: the cell it falls in
    with mpc.Session(n, seed=2) as s:
        half = len(cell) // 2
        cells = np.concatenate([s.share(cell[:half], owner=0), s.share(cell[half:], owner=n - 1)])
        shared = (cells[:, None] == np.arange(15)).sum(axis=0).reshape(3, 5)
        got = mpc.privacy.suppress_small(shared, k=10, label="cases")
    expected = np.ma.masked_less(counts, 10)
    assert np.array_equal(got.mask, expected.mask)
    assert np.array_equal(got.compressed(), expected.compressed())
    labels = [d["label"] for d in s.disclosures]
    assert labels == ["cases (suppression pattern, k=10)", "cases"]
    assert s.disclosures[1]["shape"] == (int((counts >= 10).sum()),)


def test_suppress_small_of_library_counts_passes_a_min_cohort_policy():
    """Issue 13: suppress_small stated no cohort, so a min_cohort policy refused it always. Its counts
    now carry their lineage (every regional count aggregates all 57 patients): every party's
    Policy(min_cohort=10) allows both reveals, and the result is NumPy's counts with those below k
    masked; a cohort of 9 patients is still refused."""
    region = np.repeat([0, 1, 2, 3, 4], [3, 25, 12, 9, 8])  # one row per patient: its region code
    codes = np.arange(5)
    expected = np.ma.masked_less(np.bincount(region, minlength=5), 10)
    seen = []
    policy = Policy(min_cohort=10, check=lambda request: seen.append(request.cohort) or True)
    with mpc.Session(PARTIES, seed=2, policies=dict.fromkeys(PARTIES, policy)) as s:
        shared = np.concatenate([s.share(region[:30], owner="hosp_a"), s.share(region[30:], owner="hosp_b")])
        got = mpc.privacy.suppress_small((shared[:, None] == codes).sum(0), k=10, label="cases by region")
        few = s.share(region[:9], owner="hosp_a")
        with pytest.raises(mpc.RevealRefusedError, match="cohort of 9 is below the minimum of 10"):
            mpc.privacy.suppress_small((few[:, None] == codes).sum(0), k=10, label="cases by region")
    assert np.array_equal(got.mask, expected.mask) and np.array_equal(got.compressed(), expected.compressed())
    assert got.compressed().tolist() == [25, 12]
    assert seen == [len(region)] * 6  # each party, both reveals (the refused one fails min_cohort first)


def test_suppress_small_rejects_bad_input():
    with mpc.Session(3, seed=0) as s:
        with pytest.raises(mpc.UnsupportedOperationError):
            mpc.privacy.suppress_small(s.share(np.ones(3), owner=0))
        with pytest.raises(ValueError, match="positive integer"):
            mpc.privacy.suppress_small(s.share(np.ones(3, dtype=int), owner=0), k=0)


def test_suppress_small_accepts_only_counts_the_library_produced():
    """Issue 13: suppress_small(count + 10) revealed a count of 2 (12 >= 10); raw shared numbers too."""
    with mpc.Session(3, seed=0) as s:
        sick = s.share(np.array([True, False, True, False, False]), owner=0)  # 2 sick patients
        count = sick.sum()
        with pytest.raises(mpc.UnsupportedOperationError, match="only counts the library produced"):
            mpc.privacy.suppress_small(count + 10, k=10)
        with pytest.raises(mpc.UnsupportedOperationError, match="only counts the library produced"):
            mpc.privacy.suppress_small(s.share(np.array([2, 30]), owner=0), k=10)
        indicator_count = s.share(np.array([True, False, True, False, False]), owner=0).sum()
        assert mpc.privacy.suppress_small(indicator_count, k=10).mask.all()  # 2 < 10: suppressed
        ages = s.share(np.arange(40), owner=1)
        assert mpc.privacy.suppress_small((ages >= 25).sum(), k=10) == 15


# ------------------------------------------------------ differential privacy
DRAWS = 100_000
#: Nine goodness-of-fit tests run at fixed seeds; a correct sampler fails one with probability ~1%,
#: while any real mismatch in the distribution gives p-values near zero at 10^5 draws.
P_MIN = 1e-3


def _noise(n, mechanism, integer=False):
    """``DRAWS`` noise values as the protocol adds them to a shared zero before opening."""
    with mpc.Session(n, seed=11) as s:
        zeros = np.zeros(DRAWS, dtype=np.int64 if integer else np.float64)
        return s.share(zeros, owner=0).reveal(label="noise", noise=mechanism)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_joint_laplace_noise_has_the_laplace_distribution(n):
    mechanism = Laplace(epsilon=0.5, sensitivity=2.0)
    noise = _noise(n, mechanism)
    assert stats.kstest(noise, stats.laplace(scale=4.0).cdf).pvalue > P_MIN
    assert abs(noise.var() / (2 * 4.0**2) - 1) < 0.02


@pytest.mark.parametrize("n", [2, 3, 5])
def test_joint_gaussian_noise_has_the_calibrated_normal_distribution(n):
    """On the grid every party adds a full sigma (``Gaussian.on_grid``): the sum is normal with
    variance ``n * sigma^2`` (rounding to 2^-16 is invisible at sigma = 3.7)."""
    mechanism = Gaussian(epsilon=1.0, delta=1e-5, sensitivity=1.0)
    noise = _noise(n, mechanism)
    scale = math.sqrt(n) * mechanism.sigma
    assert stats.kstest(noise, stats.norm(scale=scale).cdf).pvalue > P_MIN
    assert abs(noise.var() / scale**2 - 1) < 0.02


@pytest.mark.parametrize("n", [2, 3, 5])
def test_joint_discrete_laplace_noise_matches_its_pmf(n):
    mechanism = DiscreteLaplace(epsilon=0.7, sensitivity=1)
    noise = _noise(n, mechanism, integer=True)
    assert noise.dtype == np.int64
    q = math.exp(-0.7)
    support = np.arange(-12, 13)
    pmf = (1 - q) / (1 + q) * q ** np.abs(support)
    observed = np.array([(noise == k).sum() for k in support])
    observed = np.append(observed, DRAWS - observed.sum())  # the tails beyond +-12
    expected = np.append(pmf, 1 - pmf.sum()) * DRAWS
    assert stats.chisquare(observed, expected).pvalue > P_MIN
    assert abs(noise.var() / (2 * q / (1 - q) ** 2) - 1) < 0.02


def test_analytic_gaussian_sigma_meets_delta_exactly():
    for epsilon, delta in [(0.1, 1e-6), (1.0, 1e-5), (10.0, 1e-3)]:
        sigma = Gaussian(epsilon=epsilon, delta=delta, sensitivity=3.0).sigma
        a, b = 3.0 / (2 * sigma), epsilon * sigma / 3.0
        achieved = stats.norm.cdf(a - b) - math.exp(epsilon) * stats.norm.cdf(-a - b)
        assert 0.999 * delta < achieved <= delta * (1 + 1e-9)
    classic = math.sqrt(2 * math.log(1.25 / 1e-5)) * 3.0 / 0.5  # Dwork-Roth, valid for epsilon < 1
    assert Gaussian(epsilon=0.5, delta=1e-5, sensitivity=3.0).sigma < classic


def test_mechanism_arguments_are_checked():
    with pytest.raises(ValueError, match="epsilon"):
        Laplace(epsilon=0.0, sensitivity=1.0)
    with pytest.raises(ValueError, match="delta"):
        Gaussian(epsilon=1.0, delta=0.0, sensitivity=1.0)
    with pytest.raises(ValueError, match="integer sensitivity"):
        DiscreteLaplace(epsilon=1.0, sensitivity=0.5)
    with mpc.Session(3, seed=0) as s:
        counts = s.share(np.arange(3), owner=0)
        before = s.comm.snapshot()
        with pytest.raises(mpc.UnsupportedOperationError, match="DiscreteLaplace"):
            counts.reveal(noise=Laplace(epsilon=1.0, sensitivity=1.0))
        with pytest.raises(TypeError, match="mechanism"):
            counts.reveal(noise=0.5)
        assert (s.comm - before).rounds == 0


def test_budget_refuses_the_reveal_that_would_overspend():
    budget = PrivacyBudget(epsilon=1.0)
    with mpc.Session(PARTIES, seed=3, privacy_budget=budget) as s:
        x = s.share(np.array([10.0]), owner=0)
        mpc.privacy.dp_sum(x, (0, 20), epsilon=0.6, label="first")
        with pytest.raises(mpc.RevealRefusedError, match="budget exhausted"):
            mpc.privacy.dp_sum(x, (0, 20), epsilon=0.6, label="second")
        assert s.privacy_budget.spent_epsilon == pytest.approx(0.6)
        mpc.privacy.dp_sum(x, (0, 20), epsilon=0.4, label="third")
        assert s.privacy_budget.spent_epsilon == pytest.approx(1.0)
        assert [d["label"] for d in s.disclosures] == ["first", "third"]


# ----------------------------------------------------------------- audit log
@pytest.fixture
def audited(tmp_path):
    """An audited 3-party session with a share, a reveal and a refused reveal; its log directory."""
    policies = {"lab_c": Policy(labels=["mean *"])}
    with mpc.Session(PARTIES, seed=4, policies=policies, audit=tmp_path) as s:
        x = s.share(np.arange(4.0), owner="hosp_b")
        x.mean().reveal(label="mean x")
        with pytest.raises(mpc.RevealRefusedError):
            x.reveal(label="rows of x")
    return tmp_path


def _records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_audit_log_records_who_what_when_and_policy(audited, capsys):
    records = _records(audited / "lab_c.jsonl")
    assert [r["event"] for r in records] == ["session", "share", "reveal", "heads", "reveal", "heads"]
    assert records[1]["owner"] == "hosp_b" and records[1]["shape"] == [4]
    assert records[2]["decision"] == "allowed" and records[2]["label"] == "mean x"
    assert records[4]["decision"] == "refused" and records[4]["refused_by"] == ["lab_c"]
    assert records[4]["policy"] == Policy(labels=["mean *"]).digest()
    assert all(r["time"].endswith("+00:00") for r in records)
    logs = sorted(str(p) for p in audited.glob("*.jsonl"))
    assert len(logs) == 3 and cli(["audit", "verify", *logs]) == 0
    assert "OK, 6 records" in capsys.readouterr().out


def _rewrite(path, lines):
    path.write_text("".join(line + "\n" for line in lines))


@pytest.mark.parametrize("tamper, message", [
    ("edit", "seq=2 was edited"),
    ("delete", "seq=1..1 deleted before record seq=2"),
    ("reorder", "reordered: seq=1 follows seq=2"),
    ("rehash", "seq=2 was replaced"),
])
def test_audit_verify_names_the_tampered_record(audited, capsys, tamper, message):
    path = audited / "hosp_a.jsonl"
    lines = path.read_text().splitlines()
    if tamper == "edit":
        lines[2] = lines[2].replace('"mean x"', '"mean y"')
    elif tamper == "delete":
        del lines[1]
    elif tamper == "reorder":
        lines[1], lines[2] = lines[2], lines[1]
    else:  # edit a record and recompute its own hash: the chain still catches it
        from mpcarray.disclosure.audit import digest
        record = json.loads(lines[2])
        record["label"] = "something else"
        record["hash"] = digest(record)
        lines[2] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    _rewrite(path, lines)
    with pytest.raises(mpc.AuditError, match=message):
        mpc.privacy.verify_audit_log(path)
    assert cli(["audit", "verify", str(path)]) == 1
    assert message.split(":")[0] in capsys.readouterr().out


def test_audit_log_continues_an_existing_chain(audited):
    with mpc.Session(PARTIES, seed=5, audit=audited) as s:
        s.share(np.ones(2), owner=0).reveal(label="again")
    assert mpc.privacy.verify_audit_log(audited / "hosp_a.jsonl") == 6 + 4
