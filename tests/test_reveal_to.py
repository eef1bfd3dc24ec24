"""``reveal(to=...)``: results opened to one hospital, or each hospital its own rows.

References: NumPy on the plaintext (real diabetes rows split over three
hospitals); exact byte and round counts; over sockets, what each process prints.
"""

import json
import warnings

import galois
import numpy as np
import pytest
from sklearn.datasets import load_diabetes

import mpcarray as mpc
from mpcarray import launch

HOSPITALS = ["hosp_a", "hosp_b", "lab_c"]
SCHEMES = ["additive", "shamir"]
#: Bytes per element: Z_2^64 and GF(2^127 - 1).
WIDTH = {"additive": 8, "shamir": 16}


def ages_by_hospital():
    age = load_diabetes(scaled=False).data[:, 0]
    return np.array_split(age, len(HOSPITALS))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_one_receiver_gets_the_value_and_only_it_receives_bytes(scheme):
    blocks = ages_by_hospital()
    with mpc.Session(parties=HOSPITALS, scheme=scheme, seed=1) as s:
        ages = np.concatenate([s.share(b, owner=h) for h, b in zip(HOSPITALS, blocks)])
        before = s.comm.snapshot()
        value = ages.reveal("ages for the lab", to="lab_c")
        cost = s.comm - before
    np.testing.assert_array_equal(value, np.concatenate(blocks))
    size, w = sum(len(b) for b in blocks), WIDTH[scheme]
    assert cost.rounds == 1
    assert cost.bytes_sent.tolist() == [w * size, w * size, 0]
    assert cost.bytes_received.tolist() == [0, 0, 2 * w * size]
    assert s.disclosures[-1]["receivers"] == ("lab_c",) * size


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_hospital_receives_its_own_patients_flags(scheme):
    """Per-patient flags (age above the pooled mean) back to the hospital that holds each patient."""
    blocks = ages_by_hospital()
    every = np.concatenate(blocks)
    with mpc.Session(parties=HOSPITALS, scheme=scheme, seed=2) as s:
        ages = np.concatenate([s.share(b, owner=h) for h, b in zip(HOSPITALS, blocks)])
        assert ages.row_owners == tuple(h for h, b in zip(HOSPITALS, blocks) for _ in b)
        above = ages > every.mean()
        before = s.comm.snapshot()
        flags = above.reveal("above the mean age", to=ages.row_owners)
        cost = s.comm - before
    np.testing.assert_array_equal(flags, every > every.mean())
    counts, w = np.array([len(b) for b in blocks]), WIDTH[scheme]
    assert cost.rounds == 1
    # party i sends each other hospital r the shares of r's rows; r receives them from both others
    assert cost.bytes_sent.tolist() == (w * (counts.sum() - counts)).tolist()
    assert cost.bytes_received.tolist() == (w * counts * 2).tolist()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_row_by_row_opening_costs_one_round_and_each_receivers_rows(scheme):
    values = np.arange(12, dtype=np.int64).reshape(6, 2)
    to = ["hosp_a", "lab_c", "lab_c", "hosp_b", "lab_c", "hosp_a"]
    with mpc.Session(parties=HOSPITALS, scheme=scheme, seed=3) as s:
        x = s.share(values, owner="hosp_b")
        before = s.comm.snapshot()
        opened = x.reveal(to=to)
        cost = s.comm - before
    np.testing.assert_array_equal(opened, values)
    w, elements = WIDTH[scheme], np.array([to.count(h) * 2 for h in HOSPITALS])  # per receiver
    assert cost.rounds == 1
    assert cost.bytes_received.tolist() == (w * elements * 2).tolist()
    assert cost.bytes_sent.tolist() == (w * (elements.sum() - elements)).tolist()


def test_scalars_field_elements_and_a_single_index():
    field = galois.GF(2**61 - 1)
    with mpc.Session(parties=3, scheme="shamir", seed=4) as s:
        u = field.Random(4, seed=5)
        x = s.share(u, owner=0)
        assert x.sum().reveal(to=2) == np.sum(u)
        assert np.array_equal(x.reveal(to=1), u) and isinstance(x.reveal(to=1), field)


def test_bad_receivers_are_refused_before_anything_is_sent():
    with mpc.Session(parties=HOSPITALS, seed=1) as s:
        x = s.share(np.ones(3), owner=0)
        before = s.comm.snapshot()
        with pytest.raises(mpc.PartyError, match="unknown party 'nobody'"):
            x.reveal(to="nobody")
        with pytest.raises(mpc.ShapeError, match="one party per row: got 2 for 3 rows"):
            x.reveal(to=["hosp_a", "hosp_b"])
        with pytest.raises(mpc.PartyError, match="out of range"):
            x.reveal(to=[0, 1, 7])
        assert (s.comm - before).rounds == 0
        assert (x * x).row_owners == ("hosp_a",) * 3  # still known to its owner alone
        assert (x * s.share(np.ones(3), owner=1)).row_owners is None  # known to nobody


def test_receivers_are_in_the_audit_log(tmp_path):
    with mpc.Session(parties=HOSPITALS, seed=1, audit=tmp_path) as s:
        s.share(np.ones(2), owner=0).reveal("for the lab", to="lab_c")
    records = [json.loads(line) for line in (tmp_path / "hosp_a.jsonl").read_text().splitlines()]
    reveal = [r for r in records if r.get("kind", r.get("event")) == "reveal" or r.get("label") == "for the lab"]
    assert reveal and reveal[-1]["receivers"] == ["lab_c", "lab_c"]


def test_a_wrong_share_sent_to_the_receiver_is_named():
    with mpc.Session(parties=4, scheme="shamir", threshold=1, seed=6) as s:
        x = s.share(np.array([1.0, 2.0]), owner=0)
        x._shares[1] = s._rt.number.add(x._shares[1], s._rt.number.encode_int(np.array([1])))
        with pytest.raises(mpc.ProtocolError, match="'party1' sent shares inconsistent"):
            x.reveal(to=3)


def test_a_failed_sender_is_left_out():
    with mpc.Session(parties=5, scheme="shamir", threshold=1, seed=7) as s:
        x = s.share(np.array([3, 4]), owner=0)
        s.crash(2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", mpc.PartyFailureWarning)
            s.share(np.zeros(1), owner=1)  # the failure is noticed in this input's rounds
            assert x.reveal(to=4).tolist() == [3, 4]


@pytest.mark.network
def test_over_sockets_only_the_receivers_get_values(tmp_path):
    script = tmp_path / "to.py"
    script.write_text(
        "import json, numpy as np, mpcarray as mpc\n"
        "with mpc.Session.from_env(parties=['hosp_a', 'hosp_b', 'lab_c'], scheme='shamir') as s:\n"
        "    a = s.share(np.array([61.0, 47.0]) if s.holds('hosp_a') else None, owner='hosp_a')\n"
        "    b = s.share(np.array([55.0]) if s.holds('hosp_b') else None, owner='hosp_b')\n"
        "    ages = np.concatenate([a, b])\n"
        "    lab = ages.reveal(to='lab_c')\n"
        "    own = (ages > 50).reveal(to=ages.row_owners)\n"
        "    print(json.dumps({'lab': None if lab is None else lab.tolist(),\n"
        "                      'own': None if own is None else own.tolist()}))\n")
    run = launch.start(launch.prepare(tmp_path, HOSPITALS, timeout=20), script)
    results = run.wait(120)
    printed = {name: json.loads(results[name][1].strip().splitlines()[-1]) for name in HOSPITALS}
    assert all(results[name][0] == 0 for name in HOSPITALS), results
    assert printed == {"hosp_a": {"lab": None, "own": [1, 0]},
                       "hosp_b": {"lab": None, "own": [1]},
                       "lab_c": {"lab": [61.0, 47.0, 55.0], "own": None}}
