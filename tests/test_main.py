"""Tests of the command line `python -m verify` (exit codes, options, JSON)."""

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import smoke_and_full

from verify.__main__ import EXIT_INTERRUPTED, build_parser, json_target_problem, main
from verify.registry import Claim, Tier
from verify.runner import MAX_INSTANCES


def test_list(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "byjl25.lemma3.1" in out and "margins:" in out


def test_single_claim_run_and_json(tmp_path, capsys):
    path = tmp_path / "report.json"
    code = main(["--claim", "byjl25.lemma3.1", "--instances", "4", "--seed", "3",
                 "--json", str(path), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert out.count("byjl25.lemma3.1") == 1  # the claim's line, its tiers' rows under it
    assert [line.split()[0] for line in out.splitlines() if line.startswith("  ")][:3] == [
        "exact", "mpmath", "float64"]
    rep = json.loads(path.read_text())
    assert rep["seed"] == 3 and rep["claims"][0]["id"] == "byjl25.lemma3.1"
    assert all(t["instances"] == 4 for t in rep["claims"][0]["tiers"])


# Two runs of byjl25.lemma3.1; the default run has the same check at two instances:
# test_determinism.py's test_same_seed_same_json_in_process.
@pytest.mark.extended
def test_same_seed_same_report(tmp_path):
    reps = []
    for name in ("a.json", "b.json"):
        main(["--claim", "byjl25.lemma3.1", "--instances", "3", "--seed", "9", "--json",
              str(tmp_path / name), "--no-progress"])
        rep = json.loads((tmp_path / name).read_text())
        for c in rep["claims"]:
            for t in c["tiers"]:
                t.pop("seconds")
        rep.pop("created")
        reps.append(rep)
    assert reps[0] == reps[1]


def exit_code(argv):
    """``main(argv)``'s exit status, also for argparse's own usage errors (``SystemExit``)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def test_bad_usage_exits_2(capsys):
    def check(argv):
        capsys.readouterr()
        assert exit_code(argv) == 2
        assert "error" in capsys.readouterr().err

    check_every_case(check, [(["--claim", "no.such.claim"],), (["--instances", "0"],),
                             (["--instances", "x"],), (["--seed", "-1"],),
                             (["--json", "/nonexistent-dir/r.json"],), (["--bogus"],)])


def test_failing_check_exits_1(monkeypatch, capsys):
    import verify.claims.byjl25_kernel as mod

    monkeypatch.setattr(mod.DeepSSM, "_kernel_closed_form",
                        lambda self, T: self._impulse_response(T) * 1.001)
    assert main(["--claim", "byjl25.lemma3.1", "--instances", "2", "--no-progress"]) == 1
    assert "VIOLATED" in capsys.readouterr().out


def test_wide_table_repeats_the_claim_on_each_tier_row(capsys):
    assert main(["--claim", "byjl25.lemma3.1", "--instances", "2", "--no-progress",
                 "--wide"]) == 0
    out = capsys.readouterr().out
    assert out.count("byjl25.lemma3.1") == 3 and "Lemma 3.1, Eq. 2" in out
    assert max(len(line) for line in out.splitlines()) > 100


def test_version(capsys):
    from verify import __version__

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"ssm-theory-verify {__version__}\n"


def test_rows_are_printed_when_each_claim_finishes(test_claims, capsys):
    """test.a's rows are on standard output (and its progress line on standard error) while
    test.c is still running."""
    seen = {}

    def spy(xs):
        seen["while test.c runs"] = capsys.readouterr()
        return np.ones(len(xs))

    _add_claim(test_claims, "test.c", spy)
    assert main(["--instances", "2", "--claim", "test.a", "--claim", "test.c"]) == 0
    out, err = seen["while test.c runs"]
    assert out.startswith("claim / tier") and "test.a  [rebuilt]  Result 0" in out
    assert "  t1 " in out and "test.c" not in out and "checks" not in out
    assert err.startswith("[1/2] test.a: 2/2 tiers as expected")
    rest = capsys.readouterr()
    assert "test.c  [rebuilt]" in rest.out and "3 checks, 3 as expected" in rest.out
    assert rest.err.startswith("[2/2] test.c: 1/1 tiers as expected")


def test_no_progress_keeps_stderr_empty(test_claims, capsys):
    assert main(["--instances", "2", "--claim", "test.a", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.extended  # in a subprocess; in process: test_rows_are_printed_when_each_claim_...
def test_piped_run_prints_plain_progress_lines_to_stderr():
    proc = subprocess.run([sys.executable, "-m", "verify", "--claim", "byjl25.lemma3.1",
                           "--instances", "2"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("[1/1] byjl25.lemma3.1: 3/3 tiers as expected")
    assert "\r" not in proc.stderr and "%|" not in proc.stderr
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100
    assert "exact" in proc.stdout and "decades" in proc.stdout


@pytest.mark.extended  # a subprocess; the same command: test_catalog.py's test_module_list_...
def test_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "verify", "--list"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and "byjl25.lemma3.1" in proc.stdout


def test_theorem_4_1_runs_print_parameter_counts(capsys):
    assert main(["--claim", "byjl25.thm4.1.iii", "--instances", "1", "--no-progress"]) == 0
    assert "hidden units" in capsys.readouterr().out


# ------------------------------------------------------------------ keeping results
def _tier(name, check):
    return Tier(name, lambda rng, n: rng.uniform(-1, 1, n), check,
                lambda xs, i: {"x": float(xs[i])})


def _ok(xs):
    return np.ones(len(xs))


def _interrupt(xs):
    raise KeyboardInterrupt


def _add_claim(registry, cid, *checks):
    registry[cid] = Claim(id=cid, paper="WX23", reference="Result 0", provenance="rebuilt",
                          statement="s", margin="m",
                          tiers=tuple(_tier(f"t{i}", c) for i, c in enumerate(checks)))


@pytest.fixture
def test_claims(isolated_registry):
    """``test.a`` (two tiers), ``test.b`` (Ctrl-C in its second tier), ``test.c``."""
    _add_claim(isolated_registry, "test.a", _ok, _ok)
    _add_claim(isolated_registry, "test.b", _ok, _interrupt)
    _add_claim(isolated_registry, "test.c", _ok)
    return isolated_registry


def _argv(path, *claims):
    argv = ["--instances", "3", "--no-progress", "--json", str(path)]
    for c in claims:
        argv += ["--claim", c]
    return argv


def test_ctrl_c_writes_finished_rows_marked_incomplete_and_exits_130(test_claims, tmp_path,
                                                                      capsys):
    path = tmp_path / "r.json"
    assert main(_argv(path, "test.a", "test.b", "test.c")) == EXIT_INTERRUPTED == 130
    captured = capsys.readouterr()
    assert "INTERRUPTED" in captured.out and "interrupted" in captured.err
    # test.b was running: its claim line and its finished tier are printed, once
    block = captured.out.split("test.b  [rebuilt]  Result 0\n")
    assert len(block) == 2 and block[1].startswith("  t0 ") and "  t1 " not in block[1]
    rep = json.loads(path.read_text())
    assert rep["complete"] is False and rep["ok"] is False
    assert rep["pending_claims"] == ["test.b", "test.c"]
    assert [(c["id"], c["complete"], len(c["tiers"])) for c in rep["claims"]] == [
        ("test.a", True, 2), ("test.b", False, 1)]
    assert all(t["verdict"] == "holds" for c in rep["claims"] for t in c["tiers"])


@pytest.mark.extended  # in a subprocess; in process: test_ctrl_c_writes_finished_rows_...
def test_sigint_in_a_subprocess_exits_130_with_the_report(tmp_path):
    """A real Ctrl-C (SIGINT sent to the process while a check runs)."""
    path = tmp_path / "r.json"
    script = textwrap.dedent(f"""
        import os, signal, sys
        import numpy as np
        from verify.registry import Claim, Tier, register
        from verify.__main__ import main

        def ok(xs):
            return np.ones(len(xs))

        def sigint(xs):
            os.kill(os.getpid(), signal.SIGINT)
            return ok(xs)

        def tier(name, check):
            return Tier(name, lambda rng, n: rng.uniform(size=n), check,
                        lambda xs, i: float(xs[i]))

        register(Claim(id="test.sigint", paper="WX23", reference="r", provenance="rebuilt",
                       statement="s", margin="m", tiers=(tier("t0", ok), tier("t1", sigint))))
        sys.exit(main(["--claim", "test.sigint", "--instances", "2", "--no-progress",
                       "--json", {str(path)!r}]))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 130, proc.stderr
    rep = json.loads(path.read_text())
    assert rep["complete"] is False and [len(c["tiers"]) for c in rep["claims"]] == [1]


def test_duplicate_claim_ids_run_once_in_order(test_claims, tmp_path):
    path = tmp_path / "r.json"
    assert main(_argv(path, "test.c", "test.a", "test.c", "test.a")) == 0
    assert [c["id"] for c in json.loads(path.read_text())["claims"]] == ["test.c", "test.a"]


def _refuse_to_run(*args, **kwargs):
    raise AssertionError("the run must not start")


def test_bad_json_path_exits_2_before_running(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("verify.__main__.run_claims", _refuse_to_run)
    (tmp_path / "file").touch()

    def check(relative, message):
        capsys.readouterr()
        assert main(["--claim", "byjl25.lemma3.1", "--json", str(tmp_path / relative)]) == 2
        err = capsys.readouterr().err
        assert "error: --json: " in err and message in err

    check_every_case(check, [("missing/r.json", "does not exist"), (".", "is a directory"),
                             ("file/r.json", "is not a directory")])


def test_bad_json_path_messages(tmp_path):
    (tmp_path / "file").touch()
    assert json_target_problem(tmp_path / "missing" / "r.json") == \
        f"directory {tmp_path / 'missing'} does not exist"
    assert json_target_problem(tmp_path) == f"{tmp_path} is a directory"
    assert json_target_problem(tmp_path / "file" / "r.json") == \
        f"{tmp_path / 'file'} is not a directory"
    assert json_target_problem(tmp_path / "r.json") is None
    assert json_target_problem(tmp_path / "file") is None  # an existing report is replaced


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only directory")
def test_unwritable_json_directory_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("verify.__main__.run_claims", _refuse_to_run)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        assert main(["--claim", "byjl25.lemma3.1", "--json", str(locked / "r.json")]) == 2
    finally:
        locked.chmod(0o755)
    assert "is not writable" in capsys.readouterr().err


def test_unwritable_json_directory_is_detected_by_trying(tmp_path, monkeypatch):
    """Whoever runs the tests (root ignores permission bits): a failing trial write."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("verify.__main__.tempfile.TemporaryFile", refuse)
    assert json_target_problem(tmp_path / "r.json") == \
        f"directory {tmp_path} is not writable (Permission denied)"


def test_json_write_failure_after_the_run_exits_1(test_claims, tmp_path, monkeypatch, capsys):
    def fail(report, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("verify.__main__.write_json", fail)
    assert main(_argv(tmp_path / "r.json", "test.a")) == 1
    assert "could not write the JSON report" in capsys.readouterr().err


def test_instances_upper_bound(capsys):
    args = build_parser().parse_args(["--instances", str(MAX_INSTANCES)])
    assert args.instances == MAX_INSTANCES
    with pytest.raises(SystemExit) as info:
        main(["--instances", str(MAX_INSTANCES + 1)])
    assert info.value.code == 2
    assert f"<= {MAX_INSTANCES}" in capsys.readouterr().err
    assert str(MAX_INSTANCES) in build_parser().format_help()


# ----------------------------------------------------------------------- --report and --quick
def test_report_and_json_are_mutually_exclusive(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--report", str(tmp_path), "--json", str(tmp_path / "r.json")])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_quick_runs_the_quick_budget_unless_instances_is_given(tmp_path):
    from verify.report_dir import QUICK_INSTANCES

    for extra, expected in (([], QUICK_INSTANCES), (["--instances", "2"], 2)):
        path = tmp_path / "r.json"
        assert main(["--claim", "byjl25.lemma3.1", "--quick", "--no-progress", "--json",
                     str(path), *extra]) == 0
        rep = json.loads(path.read_text())
        assert rep["instances_requested"] == expected
        assert {t["instances"] for t in rep["claims"][0]["tiers"]} == {expected}


# A default-budget run of Theorem 4.1(iii) in the default run (a quarter of the cost), of
# Lemma 3.1 under ``extended``.
@pytest.mark.parametrize("claim", smoke_and_full("byjl25.thm4.1.iii", "byjl25.lemma3.1"))
def test_json_records_the_budget_share_of_the_default_run(tmp_path, claim):
    from verify.__main__ import _share
    from verify.runner import DEFAULT_SHARE

    path = tmp_path / "r.json"
    assert main(["--claim", claim, "--no-progress", "--json", str(path)]) == 0
    rep = json.loads(path.read_text())
    assert rep["instances_requested"] is None and rep["budget_share"] == DEFAULT_SHARE
    parser = build_parser()
    for extra in (["--full"], ["--report", str(tmp_path)], ["--shard", "1/2"]):
        assert _share(parser.parse_args(extra)) == 1
    assert _share(parser.parse_args([])) == DEFAULT_SHARE


def test_help_names_the_report_options():
    text = build_parser().format_help()
    assert "--report DIR" in text and "--quick" in text and "report.html" in text


def test_recheck_confirms_a_fresh_report_and_refutes_an_edited_one(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["--claim", "byjl25.thm4.1.iii", "--instances", "1", "--no-progress",
                 "--json", str(path)]) == 0
    capsys.readouterr()
    assert main(["--recheck", str(path)]) == 0
    assert "2 confirmed, 0 refuted" in capsys.readouterr().out
    report = json.loads(path.read_text())
    tier = report["claims"][0]["tiers"][0]
    tier["worst_margin"] = tier["worst_margin"] * 2  # a margin the instance does not have
    path.write_text(json.dumps(report))
    assert main(["--recheck", str(path)]) == 1
    assert main(["--recheck", str(tmp_path / "missing.json")]) == 2


def test_search_prints_the_tightness_table_and_writes_its_rows(tmp_path, capsys, monkeypatch):
    import verify.tightness as tightness

    real = tightness.search
    monkeypatch.setattr(tightness, "search", lambda claim, budget, seed: real(
        claim, budget, seed, max_evaluations=60, shapes=[(2, 2)], cases=["forest"]))
    path = tmp_path / "s.json"
    assert main(["--search", "byjl25.thm4.2", "--budget", "30", "--json", str(path)]) == 0
    assert "(2,2) forest" in capsys.readouterr().out
    rows = json.loads(path.read_text())["rows"]
    assert [(r["depth"], r["width"], r["case"]) for r in rows] == [(2, 2, "forest")]
    assert 0 < rows[0]["ratio"] <= 2 ** (1 / 3)


def test_search_exits_1_when_a_proved_bound_is_exceeded(monkeypatch, capsys):
    """A forest ratio above its own constant would be a counterexample: the run must say so."""
    import verify.tightness as tightness

    row = tightness.TightnessRow("byjl25.thm4.2", "forest", (2, 2), 1.3,
                                 {"2": 2.0, "2^(1/3)": 2 ** (1 / 3)}, 1, 0.1, {}, 1.3,
                                 proved="2^(1/3)")
    monkeypatch.setattr(tightness, "search", lambda claim, budget, seed: [row])
    assert main(["--search", "byjl25.thm4.2", "--budget", "1"]) == 1
    assert "BOUND EXCEEDED: (2,2) forest ratio 1.3 above 2^(1/3)" in capsys.readouterr().err
    within = replace(row, ratio=1.25)  # below 2^(1/3) = 1.2599...
    monkeypatch.setattr(tightness, "search", lambda claim, budget, seed: [within])
    assert main(["--search", "byjl25.thm4.2", "--budget", "1"]) == 0


def test_search_bad_usage_exits_2(capsys):
    def check(argv):
        capsys.readouterr()
        assert exit_code(argv) == 2
        assert "--search" in capsys.readouterr().err or "--budget" in argv

    check_every_case(check, [(["--search", "byjl25.lemma3.1"],),
                             (["--search", "byjl25.thm4.2", "--budget", "0"],),
                             (["--search", "byjl25.thm4.2", "--budget", "inf"],),
                             (["--search", "byjl25.thm4.2", "--budget", "soon"],)])


def test_help_names_the_scale_out_options():
    text = build_parser().format_help()
    for option in ("--workers N", "--scheduler ADDRESS", "--shard I/N", "--shard-layout",
                   "--merge SHARD", "tcp://host:8786", "distributed"):
        assert option in text, option
