"""``Session.concurrently``: independent computations whose openings share rounds.

Each result is compared with NumPy; the cost with the same computations run one
after another in the same session (rounds: the largest; bytes: the same).
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray import launch
from mpcarray.errors import UnsupportedOperationError

A = np.linspace(0.5, 4.0, 40)
B = np.linspace(-2.0, 2.0, 40)


def cost(s, compute):
    before = s.comm.snapshot()
    result = compute()
    spent = s.comm - before
    return result, spent.rounds, spent.bytes_sent.tolist()


def computations(s):
    """Three computations of different lengths and opening types (ring words; comparison bit planes)."""
    x, y = s.share(A, owner=0), s.share(B, owner=1)
    return [lambda: mpc.reciprocal(x), lambda: mpc.exp(y), lambda: (x * y, y < 0.25)]


def check(results):
    reciprocal, exp, (product, less) = results
    np.testing.assert_allclose(reciprocal.reveal(), 1 / A, atol=1e-4)
    np.testing.assert_allclose(exp.reveal(), np.exp(B), rtol=1e-3)
    np.testing.assert_allclose(product.reveal(), A * B, atol=2e-4)
    np.testing.assert_array_equal(less.reveal(), B < 0.25)


@pytest.mark.parametrize("parties, scheme", [(2, "additive"), (3, "additive"), (3, "shamir")])
def test_openings_share_rounds_and_results_agree_with_numpy(parties, scheme):
    with mpc.Session(parties=parties, scheme=scheme, seed=4) as s:
        functions = computations(s)
        alone = [cost(s, f) for f in functions]
        check([result for result, _, _ in alone])
        results, together, sent = cost(s, lambda: s.concurrently(*functions))
        check(results)
        assert together == max(r for _, r, _ in alone) < sum(r for _, r, _ in alone)
        assert sent == np.sum([b for _, _, b in alone], axis=0).tolist()


def test_an_error_in_one_computation_stops_the_others_and_the_session_goes_on():
    with mpc.Session(parties=3) as s:
        x = s.share(A, owner=0)
        transport = s._rt.transport
        finished = []

        def long():
            result = mpc.exp(mpc.reciprocal(x))
            finished.append(True)
            return result

        def failing():
            mpc.reciprocal(x)
            raise ValueError("bad step")

        with pytest.raises(ValueError, match="bad step"):
            s.concurrently(long, failing)
        assert not finished and s._rt.transport is transport
        np.testing.assert_allclose((x * 2).reveal(), 2 * A, atol=1e-4)  # the session still works


def test_point_to_point_steps_are_refused_while_another_computation_runs():
    with mpc.Session(parties=3) as s:
        x = s.share(A, owner=0)
        with pytest.raises(UnsupportedOperationError, match="point-to-point message"):
            s.concurrently(lambda: mpc.exp(x), lambda: x.reveal(to=1))
        with pytest.raises(UnsupportedOperationError, match="point-to-point message"):
            s.concurrently(lambda: mpc.exp(x), lambda: s.share(A, owner=0))
        # alone, a reveal to one party is fine: the other computation has ended
        out = s.concurrently(lambda: x * 1.0, lambda: mpc.exp(x).reveal(to=1))
        np.testing.assert_allclose(out[1], np.exp(A), rtol=1e-3)


def test_nested_computations_share_the_rounds_of_the_one_that_runs_them():
    with mpc.Session(parties=3, seed=2) as s:
        functions = computations(s)
        alone = [cost(s, f)[1] for f in functions]
        nested = lambda: s.concurrently(functions[0], lambda: s.concurrently(functions[1], functions[2]))
        (reciprocal, (exp, both)), rounds, _ = cost(s, nested)
        check([reciprocal, exp, both])
        assert rounds == max(alone)
        x = s.share(A, owner=0)
        with pytest.raises(UnsupportedOperationError, match="point-to-point"):  # the outer computation still runs
            s.concurrently(lambda: mpc.exp(x), lambda: s.concurrently(lambda: x.reveal(to=1), lambda: x + 1))


def test_one_or_no_function_runs_directly():
    with mpc.Session(parties=2) as s:
        x = s.share(A, owner=0)
        assert s.concurrently() == []
        (y,) = s.concurrently(lambda: x + 1)
        np.testing.assert_allclose(y.reveal(), A + 1, atol=1e-4)


SCRIPT = """
import json, numpy as np, mpcarray as mpc
with mpc.Session.from_env(parties=3) as s:
    x = s.share(np.linspace(0.5, 4.0, 40) if s.rank == 0 else None, owner=0)
    y = s.share(np.linspace(-2.0, 2.0, 40) if s.rank == 1 else None, owner=1)
    before = s.comm.snapshot()
    r, e = s.concurrently(lambda: mpc.reciprocal(x), lambda: mpc.exp(y))
    rounds = (s.comm - before).rounds
    print(json.dumps({"rounds": rounds, "r": r.reveal().tolist(), "e": e.reveal().tolist()}))
"""


@pytest.mark.network
def test_socket_parties_share_rounds(tmp_path):
    """Over TLS, party processes interleave the computations identically: same results, max rounds."""
    import json

    script = tmp_path / "interleaved.py"  # not concurrent.py: it would shadow the standard library
    script.write_text(SCRIPT)
    names = ["a", "b", "c"]
    results = launch.start(launch.prepare(tmp_path, names, timeout=30), script).wait(120)
    with mpc.Session(parties=3) as s:
        x, y = s.share(A, owner=0), s.share(B, owner=1)
        _, longest, _ = cost(s, lambda: mpc.reciprocal(x))
        _, shorter, _ = cost(s, lambda: mpc.exp(y))
    for name in names:
        code, out = results[name]
        assert code == 0, out
        line = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
        assert line["rounds"] == max(longest, shorter)
        np.testing.assert_allclose(line["r"], 1 / A, atol=1e-4)
        np.testing.assert_allclose(line["e"], np.exp(B), rtol=1e-3)


if __name__ == "__main__":
    sys.exit(pytest.main([str(Path(__file__))]))
