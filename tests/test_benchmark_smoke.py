"""asv_benchmarks/smoke.py: every asv benchmark once in one process; a failing one fails the run."""

from scripts import load_script

smoke = load_script("asv_benchmarks/smoke.py")


def test_every_parameter_set_of_the_real_suite_runs_once(capsys):
    assert smoke.main(["-b", r"bench_kernels\.SumRows"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("bench_kernels")]
    benches = smoke.discover(r"bench_kernels\.SumRows")["bench_kernels.SumRows"]
    expected = sum(len(smoke.parameter_sets(b)) for b in benches)
    assert len(lines) == expected >= 2


def test_a_raising_benchmark_or_a_track_without_a_number_fails_the_run(tmp_path, capsys):
    suite = tmp_path / "smoke_suite_for_test"
    suite.mkdir()
    (suite / "__init__.py").write_text("")
    (suite / "bench_toy.py").write_text(
        "class Toy:\n"
        "    params = ([1, 2],)\n"
        "    def setup(self, n):\n"
        "        self.n = n\n"
        "    def time_ok(self, n):\n"
        "        sum(range(self.n))\n"
        "    def time_raises(self, n):\n"
        "        raise ValueError('broken benchmark')\n"
        "    def track_none(self, n):\n"
        "        return None\n"
        "    def track_count(self, n):\n"
        "        return 2 * n\n")
    assert smoke.main([], suite=str(suite)) == 1
    out = capsys.readouterr().out
    assert "8 benchmark runs" in out and "4 failed" in out
    assert "broken benchmark" in out and "not a finite number" in out
    (count_line,) = [line for line in out.splitlines() if line.startswith("bench_toy.Toy.track_count[2]")]
    assert count_line.split()[-2:] == ["4", "unit"]  # the tracked value, and asv's default unit
    assert smoke.main(["-b", "nothing matches this"], suite=str(suite)) == 1
