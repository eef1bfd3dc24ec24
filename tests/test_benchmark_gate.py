"""The performance gate (asv_benchmarks/gate.py): its verdicts, its baseline and the page showing it."""

import json
import sys
from pathlib import Path

from scripts import load_script

BENCH = Path(__file__).resolve().parents[1] / "asv_benchmarks"
DOCS = Path(__file__).resolve().parents[1] / "docs"


gate = load_script("asv_benchmarks/gate.py")
BASE = {"mul": {"ratio": 40.0, "rounds": 2, "bytes": 1000}}


def _run(**changes):
    return gate.compare(BASE, {"mul": {**BASE["mul"], **changes}})


def test_a_ratio_within_the_factor_passes_and_beyond_it_fails():
    assert gate.RATIO_FACTOR == 1.5
    assert _run(ratio=40.0 * 1.49) == ([], [])
    failures, _ = _run(ratio=40.0 * 1.51)
    assert len(failures) == 1 and "ratio" in failures[0]


def test_a_workload_that_varies_more_between_machines_gets_its_wider_factor():
    assert gate.WIDER_FACTORS and gate.factor_of("mul") == 1.5
    for name, factor in gate.WIDER_FACTORS.items():
        assert factor > gate.RATIO_FACTOR and gate.factor_of(name) == factor
        base = {name: BASE["mul"]}
        assert gate.compare(base, {name: {**BASE["mul"], "ratio": 40.0 * factor * 0.99}}) == ([], [])
        assert gate.compare(base, {name: {**BASE["mul"], "ratio": 40.0 * factor * 1.01}})[0]


def test_any_increase_in_rounds_or_bytes_fails():
    for key in ("rounds", "bytes"):
        failures, notes = _run(**{key: BASE["mul"][key] + 1})
        assert len(failures) == 1 and key in failures[0] and notes == []


def test_improvements_pass_and_ask_for_a_new_baseline():
    for change in ({"rounds": 1}, {"bytes": 999}, {"ratio": 40.0 / 1.51}):
        failures, notes = _run(**change)
        assert failures == [] and len(notes) == 1 and "update the baseline" in notes[0]


def test_a_workload_missing_on_either_side_fails():
    assert gate.compare(BASE, {})[0] and gate.compare({}, BASE)[0]


def test_baseline_covers_every_gate_workload_and_the_page_shows_it():
    sys.path.insert(0, str(BENCH))
    try:
        from benchmarks.bench_gate import WORKLOADS
    finally:
        sys.path.remove(str(BENCH))
    baseline = json.loads((BENCH / "baseline.json").read_text())
    assert list(baseline["workloads"]) == list(WORKLOADS)
    for row in baseline["workloads"].values():
        assert row["ratio"] > 1 and isinstance(row["rounds"], int) and isinstance(row["bytes"], int)
    assert (DOCS / "performance.md").read_text() == gate.render(baseline), (
        "docs/performance.md is stale: run `python asv_benchmarks/gate.py --update`")


def test_gate_counts_are_those_of_one_call():
    """The gate's rounds and bytes of x < y on 10^5 are the session's counters for one comparison."""
    sys.path.insert(0, str(BENCH))
    try:
        from benchmarks import _workloads
        from benchmarks._common import session
        from benchmarks.bench_gate import measure
    finally:
        sys.path.remove(str(BENCH))
    figures = measure("less_1e5", repeat=1, sample_time=0.0)
    with session(3) as s:
        workload = _workloads.comparisons(s, 10**5)
        before = s.comm.snapshot()
        workload.secure()
        spent = s.comm - before
    assert figures["rounds"] == spent.rounds and figures["bytes"] == int(spent.bytes_sent.max())
    assert figures["ratio"] > 1


def test_rows_measured_again_are_named_on_the_page():
    baseline = json.loads((BENCH / "baseline.json").read_text())
    again = {"date": "2026-12-05", "commit": "abc1234", "workloads": ["exp_1e5", "sigmoid_1e5"]}
    baseline["measured"]["remeasured"] = [*baseline["measured"].get("remeasured", []), again]
    assert "Re-measured 2026-12-05 at commit `abc1234`: `exp_1e5`, `sigmoid_1e5`." in gate.render(baseline)
