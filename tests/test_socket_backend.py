"""The socket backend with real processes (and, for mesh faults, threads) on 127.0.0.1.

Each program run compares the socket parties' revealed values with the
simulated backend's and with NumPy (or galois), and each party's bytes and
rounds with the simulated backend's row for that party. Shamir sessions run
with no dealer process at all. Fault tests check that every other
party fails with a clear mpcarray error within the configured time bound.
"""

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray import launch
from mpcarray.errors import ConfigError, NetworkError, ProtocolError
from mpcarray.preprocessing.service import DEALER
from mpcarray.transport import wire
from mpcarray.transport.channel import GATHER
from mpcarray.transport.config import load_consortium
from mpcarray.transport.mesh import connect_mesh
from mpcarray.transport.socket import SocketTransport

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = Path(__file__).resolve().parent / "programs"
sys.path.insert(0, str(PROGRAMS))
sys.path.insert(0, str(ROOT / "docs" / "examples"))
import hospital_analysis
import protocol_suite
import shamir_suite

TIMEOUT = 5.0  # seconds: the consortium timeout the fault tests configure
#: A failure must be reported within this. It bounds waits (a hang fails instead of blocking);
#: timing assertions are made on what the protocol measures (its error messages), not on the
#: wall clock, which includes process and TLS start-up on a loaded machine.
BOUND = TIMEOUT + 10.0


def run_processes(config, script, args=(), names=None, wait=120.0) -> dict[str, tuple[int, str]]:
    """Start the parties (and the dealer when contacted), wait for all; ``{name: (exit status, output)}``."""
    return launch.start(config, script, args, names).wait(wait)


def party_json(output: str) -> dict:
    """The JSON line a party program printed."""
    return json.loads(next(line for line in output.splitlines() if line.startswith("{")))


@pytest.fixture(scope="module")
def suite_launch(tmp_path_factory):
    """The protocol suite (additive sharing) on 3 socket processes over TLS: the run and its results."""
    config = launch.prepare(tmp_path_factory.mktemp("suite"), ["party0", "party1", "party2"], timeout=20)
    run = launch.start(config, PROGRAMS / "protocol_suite.py")
    results = run.wait(120)  # closes the dealer's port once the parties ended: the process list is final
    assert all(code == 0 for code, _ in results.values()), results
    return run, results


@pytest.fixture(scope="module")
def suite_runs(suite_launch):
    """The protocol suite on the simulated backend (in process) and on 3 socket processes over TLS."""
    with mpc.Session(parties=3, policies=protocol_suite.POLICIES) as s:
        simulated = protocol_suite.main(s)
    _, results = suite_launch
    return simulated, {name: party_json(out) for name, (_, out) in results.items() if name != "dealer"}


#: The documented errors (docs/functions.md, relative or absolute) of the suite's iterative functions:
#: two runs with different randomness may each be that far from the exact value.
FUNCTION_ERRORS = {"reciprocal": 1e-3, "sqrt": 1e-3, "exp": 2e-4, "sigmoid": 5e-5}


def test_socket_results_equal_simulated_and_numpy(suite_runs):
    simulated, parties = suite_runs
    references = protocol_suite.references(protocol_suite.inputs())
    for name, expected in references.items():
        tolerance = 0.5 if name == "noisy_sum" else 2e-3 * max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(simulated[name], expected, atol=tolerance, err_msg=name)
        for party, result in parties.items():
            np.testing.assert_allclose(result[name], expected, atol=tolerance, err_msg=f"{party} {name}")
            if name != "noisy_sum":  # noise differs between runs; the rest within both runs' error
                scale = max(1.0, float(np.max(np.abs(expected))))
                between_runs = max(4 * 2.0**-16, 2 * FUNCTION_ERRORS.get(name, 0.0))
                np.testing.assert_allclose(result[name], simulated[name], atol=between_runs * scale,
                                           err_msg=f"{party} {name}")


def test_socket_counters_equal_simulated(suite_runs):
    simulated, parties = suite_runs
    for party, result in parties.items():
        rank = result["comm"]["rank"]
        assert rank == int(party.removeprefix("party"))
        assert result["comm"]["rounds"] == simulated["comm"]["rounds"] > 100
        for counter in ("bytes_sent", "bytes_received", "dealer_bytes"):
            mine = result["comm"][counter]
            assert mine[rank] == simulated["comm"][counter][rank], (party, counter)
            assert sum(mine) == mine[rank]  # a socket party counts only itself


def test_refused_reveal_raises_at_every_party(suite_runs):
    simulated, parties = suite_runs
    assert "refused by party2" in simulated["refusal"]["error"]
    for result in parties.values():
        assert "refused by party2" in result["refusal"]["error"]
        assert "nothing was opened" in result["refusal"]["error"]
        assert result["refusal"]["new_disclosures"] == 0


def test_invalid_input_rejected_by_its_owner_stops_every_party(suite_runs):
    simulated, parties = suite_runs
    assert simulated["rejection"] == parties["party0"]["rejection"] == "EncodingError"
    assert parties["party1"]["rejection"] == parties["party2"]["rejection"] == "InputRejectedError"
    assert all(result["after_rejection"] == 2.0 for result in parties.values())  # still in step


def test_analysis_script_unchanged_under_mpcarray_run():
    script = ROOT / "docs" / "examples" / "hospital_analysis.py"
    with mpc.Session(parties=hospital_analysis.PARTIES) as s:
        expected = hospital_analysis.analyse(s)
    records = np.concatenate([hospital_analysis.load_records(h) for h in hospital_analysis.HOSPITALS])
    assert expected["mean_age"] == pytest.approx(records[:, 0].mean(), abs=1e-3)
    done = subprocess.run([sys.executable, "-m", "mpcarray", "run", "--parties", "hosp_a,hosp_b,lab_c",
                           str(script)], check=False, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    for party in hospital_analysis.PARTIES:
        lines = dict(line.removeprefix(f"[{party}] ").split(": ", 1)
                     for line in done.stdout.splitlines() if line.startswith(f"[{party}] "))
        assert int(lines["patients"]) == expected["patients"]
        assert int(lines["hypertensive"]) == expected["hypertensive"]
        for key in ("mean_age", "mean_pressure", "slope"):
            assert float(lines[key]) == pytest.approx(expected[key], abs=2e-4), (party, key)


def prefixed_lines(output: str, name: str) -> list[str]:
    """The lines ``mpcarray run`` printed for process ``name``, without the ``[name] `` prefix."""
    return [line.removeprefix(f"[{name}] ") for line in output.splitlines() if line.startswith(f"[{name}] ")]


@pytest.fixture(scope="module")
def shamir_runs():
    """The Shamir suite, 5 parties and t = 2: simulated in process, and under ``mpcarray run`` over TLS."""
    with mpc.Session(parties=shamir_suite.PARTIES, scheme="shamir", threshold=2) as s:
        simulated = shamir_suite.run(s)
    done = subprocess.run([sys.executable, "-m", "mpcarray", "run", "--parties", ",".join(shamir_suite.PARTIES),
                           str(PROGRAMS / "shamir_suite.py"), "2"],
                          check=False, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    parties = {name: party_json("\n".join(prefixed_lines(done.stdout, name))) for name in shamir_suite.PARTIES}
    return simulated, parties, done.stdout


def test_shamir_over_mpcarray_run_equals_plaintext(shamir_runs):
    simulated, parties, _ = shamir_runs
    for name, expected in shamir_suite.references(shamir_suite.inputs()).items():
        if name.startswith("real_"):  # probabilistic truncation: a few units of 2^-16 (C(5, 2) = 10 keys)
            for result in [simulated, *parties.values()]:
                np.testing.assert_allclose(result[name], expected, rtol=0, atol=20 * 2.0**-16, err_msg=name)
            continue
        expected = np.asarray(expected).tolist()
        assert simulated[name] == expected, name
        for party, result in parties.items():
            assert result[name] == expected, (party, name)


def test_shamir_over_mpcarray_run_counts_like_simulated_without_dealer(shamir_runs):
    simulated, parties, output = shamir_runs
    assert not prefixed_lines(output, DEALER)  # no dealer process printed anything
    assert not any(simulated["comm"]["dealer_bytes"])
    for party, result in parties.items():
        rank = result["comm"]["rank"]
        assert rank == shamir_suite.PARTIES.index(party)
        assert result["comm"]["rounds"] == simulated["comm"]["rounds"] > 10  # key agreement not counted
        assert not any(result["comm"]["dealer_bytes"])
        for counter in ("bytes_sent", "bytes_received"):
            assert result["comm"][counter][rank] == simulated["comm"][counter][rank] > 0, (party, counter)


def test_dealer_process_starts_for_an_additive_session(suite_launch):
    """The protocol suite's additive session contacts the dealer: launch started it, and it ended well
    (the suite's results are checked above)."""
    run, results = suite_launch
    assert results.keys() == run.processes().keys() == {"party0", "party1", "party2", DEALER}
    assert all(code == 0 for code, _ in results.values()), results


def test_dealer_process_starts_only_for_a_scheme_that_contacts_it(tmp_path):
    """A Shamir session never contacts the dealer: launch starts none (additive: the test above)."""
    script = tmp_path / "square_sum.py"
    script.write_text(
        "import numpy as np, mpcarray as mpc\n"
        "with mpc.Session.from_env(parties=3, scheme='shamir', threshold=1) as s:\n"
        "    x = s.share(np.arange(4) if s.holds(0) else None, owner=0)\n"
        "    print((x * x).sum().reveal())\n")
    run = launch.start(launch.prepare(tmp_path, ["party0", "party1", "party2"], timeout=20), script)
    results = run.wait(60)  # closes the dealer's port once the parties ended: the process list is final
    assert results.keys() == run.processes().keys()
    assert all(code == 0 for code, _ in results.values()), results
    assert all(results[name][1].strip().splitlines()[-1] == "14" for name in run.parties)  # after any compile notice
    assert DEALER not in results


def test_loopback_timeout_grows_with_parties_per_core():
    """mpcarray run's default: 30 s up to one party per core, then in proportion (50 on 2 cores: 750 s)."""
    assert launch.loopback_timeout(3, cores=4) == launch.loopback_timeout(4, cores=4) == 30.0
    assert launch.loopback_timeout(50, cores=2) == 750.0


@pytest.mark.slow
def test_ten_parties_on_loopback(tmp_path):
    script = tmp_path / "ten.py"
    script.write_text(
        "import json, numpy as np, mpcarray as mpc\n"
        "with mpc.Session.from_env(parties=10) as s:\n"
        "    xs = [s.share(np.array([i + 0.5, -i]) if s.holds(i) else None, owner=i) for i in range(10)]\n"
        "    total = sum(xs[1:], xs[0]).reveal()\n"
        "    print(json.dumps({'total': total.tolist(), 'rank': s.rank, 'rounds': s.comm.rounds,\n"
        "                      'sent': s.comm.bytes_sent.tolist()}))\n")
    names = [f"party{i}" for i in range(10)]
    results = run_processes(launch.prepare(tmp_path, names, timeout=30), script)
    failed = {name: result for name, result in results.items() if result[0] != 0}
    assert not failed, failed  # only the processes that failed, with their whole output
    for rank, name in enumerate(names):
        result = party_json(results[name][1])
        assert result["total"] == [50.0, -45.0] and result["rank"] == rank
        assert result["rounds"] == 10 + 1  # one round per input (its header with the shares), one reveal
        # its own input to 9 parties (4-word header, 2 shares), then its share of the sum to 9
        assert result["sent"][rank] == 9 * 8 * (4 + 2) + 9 * 8 * 2


def test_party_killed_mid_multiplication(tmp_path):
    script = tmp_path / "loop.py"
    script.write_text(
        "import numpy as np, mpcarray as mpc\n"
        "with mpc.Session.from_env(parties=3) as s:\n"
        "    x = s.share(np.ones(1000) if s.holds(0) else None, owner=0)\n"
        "    for step in range(100000):\n"
        "        x = x * 1.0000001\n"
        "        if step == 2: print('multiplying', flush=True)\n")
    config = launch.prepare(tmp_path, ["party0", "party1", "party2"], timeout=TIMEOUT)
    run = launch.start(config, script)
    victim = run.parties["party1"]
    assert any(line.strip() == "multiplying" for line in iter(victim.stdout.readline, ""))  # a compile notice may come first
    victim.kill()
    run.close_dealer_port()
    processes = run.processes()
    for name in ("party0", "party2", "dealer"):
        out, _ = processes[name].communicate(timeout=BOUND)
        assert processes[name].returncode != 0
        assert "NetworkError" in out and "closed the connection" in out, (name, out)
    victim.wait()
    victim.stdout.close()


# ------------------------------------------------------------ mesh faults (threads)
def run_mesh(config, names, action, party_names=None):
    """Each name in ``names`` connects (as ``party_names[i]``) in a thread and runs ``action(rank, transport)``.

    Returns ``{index: result or exception}`` and the slowest thread's time.
    """
    consortium = load_consortium(config)
    outcomes, start = {}, time.monotonic()

    def party(index: int, name: str) -> None:
        try:
            rank = consortium.rank(name)
            channels = connect_mesh(consortium.parties, consortium.addresses, rank,
                                    consortium.credentials(name), consortium.timeout)
            transport = SocketTransport(len(consortium.parties), rank, channels, consortium.timeout)
            try:
                outcomes[index] = action(rank, transport)
            finally:
                transport.close()
        except Exception as err:  # noqa: BLE001 - the test inspects it
            outcomes[index] = err

    threads = [threading.Thread(target=party, args=(i, n), daemon=True)
               for i, n in enumerate(party_names or names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    assert not any(thread.is_alive() for thread in threads), "a party hangs"
    return outcomes, time.monotonic() - start


def gather(rank, transport):
    return transport.all_gather(np.full((1, 3), rank, dtype=np.uint64))


def test_mesh_all_gather_over_tls(tmp_path):
    config = launch.prepare(tmp_path, ["a", "b", "c"], timeout=TIMEOUT)
    outcomes, _ = run_mesh(config, ["a", "b", "c"], gather)
    for result in outcomes.values():
        np.testing.assert_array_equal(result, np.repeat(np.arange(3, dtype=np.uint64)[:, None], 3, axis=1))


@pytest.mark.parametrize("garbage", ["bad magic", "oversized"])
def test_malformed_frame(tmp_path, garbage):
    config = launch.prepare(tmp_path, ["a", "b", "c"], timeout=TIMEOUT)

    def action(rank, transport):
        if rank == 1:  # party b sends raw bytes instead of a frame to a, then waits
            channel = transport._channels[0]
            if garbage == "bad magic":
                frame = b"EVIL" + bytes(wire.PREFIX.size - 4)
            else:
                frame = wire.PREFIX.pack(wire.MAGIC, wire.VERSION, 2, 1, (1 << 4) | GATHER,
                                         wire.MAX_FRAME_BYTES + 8)
            channel._out.append((memoryview(frame), True))  # raw bytes instead of a frame, sent over TLS
            transport.wait(lambda: not channel.sending)
            time.sleep(1.0)
            return None
        return gather(rank, transport)

    outcomes, _ = run_mesh(config, ["a", "b", "c"], action)
    assert isinstance(outcomes[0], ProtocolError), outcomes[0]
    assert ("bad magic" if garbage == "bad magic" else "oversized") in str(outcomes[0])
    assert isinstance(outcomes[2], (NetworkError, ProtocolError)), outcomes[2]  # a stopped; c is told


def test_certificate_from_another_ca(tmp_path):
    # threads in this process, no start-up to wait for: a party that never completes a handshake
    # gives up after 1.5 s (as in test_party_that_never_starts) instead of the processes' 5 s
    config = launch.prepare(tmp_path, ["a", "b", "c"], timeout=1.5)
    rogue = launch.prepare(tmp_path / "rogue", ["a", "b", "c"], timeout=1.5)
    for suffix in (".pem", ".key"):  # c presents a certificate signed by another CA
        (tmp_path / "certs" / f"c{suffix}").write_bytes((rogue.parent / "certs" / f"c{suffix}").read_bytes())
    outcomes, _ = run_mesh(config, ["a", "b", "c"], gather)
    for index in range(3):
        assert isinstance(outcomes[index], NetworkError), outcomes[index]
    assert any("TLS handshake" in str(outcomes[i]) for i in range(3))


def test_party_started_twice(tmp_path):
    config = launch.prepare(tmp_path, ["a", "b", "c"], timeout=TIMEOUT)
    outcomes, _ = run_mesh(config, None, gather, party_names=["a", "b", "b", "c"])
    errors = [o for o in outcomes.values() if isinstance(o, (NetworkError, ProtocolError))]
    assert any("already running" in str(e) or "listed twice" in str(e) for e in errors), outcomes


def test_party_listed_twice_in_config(tmp_path):
    config = launch.prepare(tmp_path, ["a", "b", "c"], timeout=TIMEOUT)
    text = config.read_text() + '\n[[party]]\nname = "b"\naddress = "127.0.0.1:1"\n'
    config.write_text(text)
    with pytest.raises(ConfigError, match="listed twice"):
        load_consortium(config)
    done = subprocess.run([sys.executable, "-m", "mpcarray", "party", "--config", str(config), "--name", "a",
                           str(PROGRAMS / "protocol_suite.py")], check=False, capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode == 2 and "listed twice" in done.stdout


def test_party_that_never_starts(tmp_path):
    config = launch.prepare(tmp_path, ["a", "b", "c"], timeout=1.5)
    outcomes, _ = run_mesh(config, ["a", "b"], gather)  # c never starts
    for index in (0, 1):
        assert isinstance(outcomes[index], NetworkError), outcomes[index]
        assert "cannot connect to c" in str(outcomes[index])
        # the connection attempts' own clock (mesh.py): gave up after the 1.5 s timeout, not later
        tried = float(re.search(r"tried for (\d+) s", str(outcomes[index])).group(1))
        assert 1 <= tried <= 3
