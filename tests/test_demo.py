"""The ``mpcarray demo`` walkthrough and the ``mpcarray`` command line."""

import io

import pytest

from mpcarray.cli import build_parser, main
from mpcarray.demo import run_demo

ULP = 2.0**-16  # resolution at the demo's default 16 fractional bits
#: Largest error of one truncation, in ulp: 1 in the ring; 2 for Shamir at 3 parties (C(3, 1) = 3 keys).
TRUNCATION_ULP = {"additive": 1, "shamir": 2}


@pytest.fixture(scope="module", params=["additive", "shamir"])
def result(request):
    return run_demo(seed=0, out=io.StringIO(), scheme=request.param) | {"scheme": request.param}


def test_means_and_variances_match_numpy(result):
    # Every feature is scaled by a public power of two so that its maximum lies in
    # (512, 1024]; scaled means are then >= 40 and scaled standard deviations >= 45,
    # so errors of a few ulp (1.5e-5) stay near 1e-6 relative. Observed: ~1e-7 and ~1e-8.
    assert result["mean_max_rel_error"] < 1e-5
    assert result["var_max_rel_error"] < 1e-5


def test_risk_score_matches_numpy(result):
    # Worst-case budget, in ulp: each z_i is within 2 (one two-part public scaling);
    # each z_i * z_j within 2 (|z_i| + |z_j|) + 1 with |z| <= 7.6; weighted by the
    # fitted |w| this is ~130, plus ~30 for rounding w to 2^-17 in `@` and 1 for the
    # final truncation: ~160 ulp per ulp of truncation error. We assert 200 ulp (3.1e-3) for
    # the ring and 400 for Shamir; observed ~17 (2.6e-4) and ~24 (3.6e-4).
    assert result["score_max_abs_error"] < 200 * TRUNCATION_ULP[result["scheme"]] * ULP
    assert result["score_max_rel_error"] < 1e-4
    assert result["auc"] > 0.98


def test_models_match_plaintext(result):
    # OLS on diabetes (owner-local path) against float64 least squares: observed ~1e-5.
    assert result["corrcoef_max_abs_error"] < 1e-4
    assert result["ols_max_rel_error"] < 1e-4
    # the exact method: the rounded data's exact solution, ~1e-11 from float64 here
    assert result["ols_exact_max_rel_error"] < 1e-8
    # 10 Newton steps against the same steps in float64: observed ~1e-4.
    assert result["logistic_max_rel_error"] < 1e-3
    assert abs(result["logistic_accuracy"] - result["sklearn_accuracy"]) * 569 <= 1


def test_steps_add_up_to_total(result):
    steps, total = result["steps"].values(), result["total"]
    assert sum(step["rounds"] for step in steps) == total["rounds"]
    for party, sent in total["bytes_sent"].items():
        assert sum(step["bytes_sent"][party] for step in steps) == sent > 0
    assert sum(total["bytes_sent"].values()) == sum(total["bytes_received"].values())
    if result["scheme"] == "shamir":  # no dealer at all
        assert not any(total["dealer_bytes"].values())


def test_network_estimate_is_rounds_times_rtt_plus_busiest_bytes(result):
    """At 20 ms and 1 Gbit/s (the demo's RTT and BANDWIDTH), for each step and the total."""
    for step in [*result["steps"].values(), result["total"]]:
        busiest = max(max(step["bytes_sent"].values()), max(step["bytes_received"].values()))
        assert step["network_seconds"] == pytest.approx(step["rounds"] * 0.020 + busiest * 8 / 1e9, rel=1e-12)


def test_cli_demo(capsys):
    assert main(["demo", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "SIMULATED BACKEND" in out and "NOT secure" in out
    assert "max relative error over all 30 features" in out
    assert "sites 20 ms apart at 1 Gbit/s" in out


def test_cli_demo_with_two_parties(capsys):
    assert main(["demo", "--parties", "north,south", "--seed", "1"]) == 0
    assert "south: worst area, mean smoothness" in capsys.readouterr().out


def test_cli_rejects_a_single_party(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--parties", "alone"])
    assert exit_info.value.code == 2
    assert "at least two distinct" in capsys.readouterr().err


def test_cli_without_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: mpcarray" in capsys.readouterr().out


def test_cli_demo_scheme_option():
    assert build_parser().parse_args(["demo", "--scheme", "shamir"]).scheme == "shamir"
    assert build_parser().parse_args(["demo"]).scheme == "additive"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--scheme", "replicated"])
