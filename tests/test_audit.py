"""The audit log: MACs under each party's key, heads exchanged after every reveal, strict verification.

One test per finding of issue 13 (edit + rehash, delete + rehash, truncated
tail, appended forged record, shorter valid chain, empty file, ``seq`` as a
string, duplicate JSON keys), each through the library and through
``mpcarray audit verify``, which must print ``FAILED: <reason>``, exit 1 and
never raise.
"""

import json
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray import launch
from mpcarray.cli import main as cli
from mpcarray.disclosure.audit import AuditLog, canonical, digest, mac, read_key
from mpcarray.privacy import Policy, verify_audit_log

PARTIES = ["hosp_a", "hosp_b", "lab_c"]
PROGRAMS = Path(__file__).resolve().parent / "programs"


def _session(directory, reveals=2):
    policies = {"lab_c": Policy(labels=["mean *"])}
    with mpc.Session(PARTIES, seed=4, policies=policies, audit=directory) as s:
        x = s.share(np.arange(4.0), owner="hosp_b")
        for i in range(reveals):
            x.mean().reveal(label=f"mean x {i}")
        with pytest.raises(mpc.RevealRefusedError):
            x.reveal(label="rows of x")


@pytest.fixture
def logs(tmp_path):
    _session(tmp_path)
    return tmp_path


def _records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(path, records):
    path.write_text("".join(canonical(r) + "\n" for r in records))


def _rehash(records, key=None):
    """Recompute seq, prev and hash of every record (and the MAC, when the forger has a key)."""
    prev = "0" * 64
    for seq, record in enumerate(records):
        record.update(seq=seq, prev=prev)
        record["hash"] = digest(record)
        if key is not None:
            record["mac"] = mac(key, record["hash"])
        prev = record["hash"]
    return records


def _fails(capsys, path, message, *options):
    """Both the library and the command refuse ``path`` with ``message``; the command without a traceback."""
    status = cli(["audit", "verify", str(path), *options])
    out = capsys.readouterr()
    assert status == 1 and out.out.startswith("FAILED: ") and message in out.out, out
    assert "Traceback" not in out.out + out.err


def _peers(directory, party="hosp_a"):
    return [arg for p in PARTIES if p != party for arg in ("--peer", str(directory / f"{p}.jsonl"))]


# --------------------------------------------------------------- what is written
def test_every_record_is_maced_with_the_party_key_kept_0600(logs):
    for party in PARTIES:
        key = read_key(logs / f"{party}.key")
        assert stat.S_IMODE(os.stat(logs / f"{party}.key").st_mode) == 0o600
        for record in _records(logs / f"{party}.jsonl"):
            assert record["hash"] == digest(record) and record["mac"] == mac(key, record["hash"])
    keys = {read_key(logs / f"{party}.key") for party in PARTIES}
    assert len(keys) == 3  # one key per party


def test_after_every_reveal_each_party_records_the_others_heads(logs):
    records = {p: _records(logs / f"{p}.jsonl") for p in PARTIES}
    events = [r["event"] for r in records["hosp_a"]]
    # two allowed reveals and one refused one: each is followed by an exchange of heads
    assert events == ["session", "share", "reveal", "heads", "reveal", "heads", "reveal", "heads"]
    for party, own in records.items():
        for record in (r for r in own if r["event"] == "heads"):
            assert sorted(record["heads"]) == sorted(set(PARTIES) - {party})
            for other, head in record["heads"].items():
                # the head is the other party's record just before its own heads record
                theirs = records[other][record["seq"] - 1]
                assert theirs["hash"] == head and theirs["event"] == "reveal"


def test_the_exchange_costs_one_round_of_32_bytes_per_peer(tmp_path):
    for audit in (None, tmp_path):
        with mpc.Session(PARTIES, seed=1, audit=audit) as s:
            x = s.share(np.ones(3), owner=0)
            before = s.comm.snapshot()
            x.sum().reveal()
            spent = s.comm - before
        if audit is None:
            plain = spent
    assert spent.rounds == plain.rounds + 1
    assert (spent.bytes_sent - plain.bytes_sent).tolist() == [32 * 2] * 3


def test_an_untouched_log_verifies_against_its_peers_and_head(logs, capsys):
    head = _records(logs / "hosp_a.jsonl")[-1]["hash"]
    assert verify_audit_log(logs / "hosp_a.jsonl", peers=[logs / "hosp_b.jsonl", logs / "lab_c.jsonl"],
                            head=head) == 8
    assert cli(["audit", "verify", str(logs / "hosp_a.jsonl"), *_peers(logs), "--head", head]) == 0
    out = capsys.readouterr().out
    assert "OK, 8 records" in out and "heads recorded by 2 peer log(s)" in out


# ----------------------------------------------------------- tampering (issue 13)
def test_edit_and_rehash_fails_the_mac(logs, capsys):
    path = logs / "hosp_a.jsonl"
    records = _records(path)
    records[2]["label"] = "mean of something else"
    _write(path, _rehash(records))
    _fails(capsys, path, "seq=2 has a wrong MAC")


def test_delete_and_rehash_fails_the_mac(logs, capsys):
    path = logs / "hosp_a.jsonl"
    records = _records(path)
    del records[2:4]
    _write(path, _rehash(records))
    _fails(capsys, path, "wrong MAC")


def test_appended_forged_record_fails_the_mac(logs, capsys):
    path = logs / "hosp_a.jsonl"
    records = _records(path)
    forged = dict(records[-1], seq=len(records), event="reveal", label="nothing happened",
                  prev=records[-1]["hash"])
    forged["hash"] = digest(forged)
    forged["mac"] = "0" * 64
    _write(path, [*records, forged])
    _fails(capsys, path, f"seq={len(records)} has a wrong MAC")


def test_truncated_tail_is_caught_by_the_peers_heads(logs, capsys):
    path = logs / "hosp_a.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:5]))  # a valid, MACed prefix
    assert verify_audit_log(path) == 5  # the key alone cannot see it ...
    _fails(capsys, path, "is not in this log", *_peers(logs))  # ... the peers' copies can
    path.write_text("".join(lines[:5]) + lines[5][:40])  # cut inside a record
    _fails(capsys, path, "the last line is incomplete")


def test_shorter_valid_chain_is_caught_by_peers_and_by_a_kept_head(tmp_path, capsys):
    _session(tmp_path, reveals=1)
    earlier = (tmp_path / "hosp_a.jsonl").read_text()
    head = _records(tmp_path / "hosp_a.jsonl")[-1]["hash"]
    _session(tmp_path, reveals=2)  # the chain continues; hosp_a then restores its earlier copy
    latest = _records(tmp_path / "hosp_a.jsonl")[-1]["hash"]
    (tmp_path / "hosp_a.jsonl").write_text(earlier)
    assert verify_audit_log(tmp_path / "hosp_a.jsonl", head=head) == 6
    _fails(capsys, tmp_path / "hosp_a.jsonl", "is not in this log", *_peers(tmp_path))
    _fails(capsys, tmp_path / "hosp_a.jsonl", "is not in this log", "--head", latest)


def test_a_party_rewriting_its_own_log_with_its_key_is_caught_by_its_peers(logs, capsys):
    path = logs / "hosp_a.jsonl"
    records = _records(path)
    records[2]["label"] = "mean of something else"
    _write(path, _rehash(records, key=read_key(logs / "hosp_a.key")))
    assert verify_audit_log(path) == 8  # valid MACs: the key holder forged them
    _fails(capsys, path, "is not in this log", *_peers(logs))


def test_empty_file_fails(logs, capsys):
    (logs / "hosp_a.jsonl").write_text("")
    _fails(capsys, logs / "hosp_a.jsonl", "empty log")


def test_a_missing_or_exposed_key_fails(logs, capsys):
    os.chmod(logs / "hosp_a.key", 0o644)
    _fails(capsys, logs / "hosp_a.jsonl", "readable by others")
    os.remove(logs / "hosp_a.key")
    _fails(capsys, logs / "hosp_a.jsonl", "cannot read the audit key")
    shutil.copy(logs / "hosp_b.key", logs / "elsewhere.key")
    os.chmod(logs / "elsewhere.key", 0o600)
    _fails(capsys, logs / "hosp_a.jsonl", "wrong MAC", "--key", str(logs / "elsewhere.key"))


def test_a_new_log_refuses_a_link_at_its_key_path(tmp_path):
    target = tmp_path / "target"
    os.symlink(target, tmp_path / "hosp_a.key")
    with pytest.raises(mpc.AuditError, match="not a regular file|already exists"):
        AuditLog(tmp_path / "hosp_a.jsonl", "hosp_a")
    assert not target.exists()


# ------------------------------------------------------ malformed entries (issue 13)
def _edit_line(path, index, text):
    lines = path.read_text().splitlines()
    lines[index] = text
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("corrupt, message", [
    (lambda line: line.replace('"seq":1', '"seq":"1"'), "field 'seq' must be an integer, found a str"),
    (lambda line: line.replace('"seq":1', '"seq":true'), "field 'seq' must be an integer, found a bool"),
    (lambda line: line.replace('"seq":1', '"seq":1.0'), "field 'seq' must be an integer, found a float"),
    (lambda line: line[:-1] + ',"owner":"hosp_a"}', "duplicate key 'owner'"),
    (lambda line: line[:-5], "not valid JSON"),
    (lambda line: "[1, 2]", "not a JSON object"),
    (lambda line: line.replace('"event":"share"', '"event":"share" '), "not in canonical form"),
    (lambda line: line.replace('"seq":1', '"seq":NaN'), "non-standard JSON constant NaN"),
    (lambda line: "", "not valid JSON"),
    (lambda line: json.dumps({k: v for k, v in json.loads(line).items() if k != "mac"},
                             sort_keys=True, separators=(",", ":")), "field 'mac' must be a string, found nothing"),
])
def test_malformed_entries_fail_with_a_reason(logs, capsys, corrupt, message):
    path = logs / "hosp_a.jsonl"
    _edit_line(path, 1, corrupt(path.read_text().splitlines()[1]))
    with pytest.raises(mpc.AuditError, match="line 2"):
        verify_audit_log(path)
    _fails(capsys, path, message)


def test_a_duplicate_key_cannot_show_a_reader_another_value(logs, capsys):
    path = logs / "hosp_a.jsonl"
    line = path.read_text().splitlines()[2]
    shown = '{"label":"harmless",' + line[1:]
    assert shown != line and json.loads(shown)["label"] == "mean x 0"  # json keeps the last value
    _edit_line(path, 2, shown)
    _fails(capsys, path, "duplicate key 'label'")


def test_non_utf8_and_missing_files_fail(logs, capsys):
    (logs / "hosp_a.jsonl").write_bytes(b"\xff\xfe{}\n")
    _fails(capsys, logs / "hosp_a.jsonl", "not UTF-8")
    _fails(capsys, logs / "nobody.jsonl", "cannot read the log")


def test_a_bad_head_argument_fails(logs, capsys):
    _fails(capsys, logs / "hosp_a.jsonl", "64 hex digits", "--head", "xyz")


# ------------------------------------------------------------- over sockets
@pytest.mark.network
def test_heads_are_exchanged_over_sockets(tmp_path, capsys):
    names = ["party0", "party1", "party2"]
    config = launch.prepare(tmp_path / "consortium", names, timeout=20)
    results = launch.start(config, PROGRAMS / "audited_reveals.py", [str(tmp_path / "audit")]).wait(120)
    assert all(code == 0 for code, _ in results.values()), results
    assert "refused" in results["party0"][1] and "total 15.0" in results["party0"][1]
    for party in names:
        path = tmp_path / "audit" / f"{party}.jsonl"
        peers = [str(tmp_path / "audit" / f"{p}.jsonl") for p in names if p != party]
        assert verify_audit_log(path, peers=peers) == 8
        heads = [r for r in _records(path) if r["event"] == "heads"]
        assert len(heads) == 3 and all(sorted(h["heads"]) == sorted(set(names) - {party}) for h in heads)
