"""Tests of the command line `python -m verify` (exit codes, options, JSON)."""

import json
import subprocess
import sys

import pytest

from verify.__main__ import main


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
    assert out.count("byjl25.lemma3.1") == 3  # one row per tier
    rep = json.loads(path.read_text())
    assert rep["seed"] == 3 and rep["claims"][0]["id"] == "byjl25.lemma3.1"
    assert all(t["instances"] == 4 for t in rep["claims"][0]["tiers"])


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


@pytest.mark.parametrize(
    "argv",
    [["--claim", "no.such.claim"], ["--instances", "0"], ["--instances", "x"], ["--seed", "-1"],
     ["--json", "/nonexistent-dir/r.json"], ["--bogus"]],
)
def test_bad_usage_exits_2(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    assert code == 2
    assert "error" in capsys.readouterr().err


def test_failing_check_exits_1(monkeypatch, capsys):
    import verify.claims.byjl25_kernel as mod

    monkeypatch.setattr(mod.DeepSSM, "_kernel_closed_form",
                        lambda self, T: self._impulse_response(T) * 1.001)
    assert main(["--claim", "byjl25.lemma3.1", "--instances", "2", "--no-progress"]) == 1
    assert "VIOLATED" in capsys.readouterr().out


def test_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "verify", "--list"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and "byjl25.lemma3.1" in proc.stdout


def test_theorem_4_1_runs_print_parameter_counts(capsys):
    assert main(["--claim", "byjl25.thm4.1.iii", "--instances", "1", "--no-progress"]) == 0
    assert "hidden units" in capsys.readouterr().out
