"""Verdicts do not depend on a lucky seed: ``python -m verify --instances 5 --seed S`` exits 0.

The slow sweep runs the whole registry at 30 seeds (about 15 s each on 2 cores). CI runs the
same command at the seeds of ``SWEEP_SEEDS`` in ``.ci/run``; the fast tests here check that the
script does so and fails when a seed fails.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CI_SCRIPT = ROOT / ".ci" / "run"
#: Seeds of the slow sweep (CI's own seeds, 11..15, are run by ``.ci/run``).
SEEDS = tuple(range(30))
#: Instances per tier of every sweep run (the command CI runs).
INSTANCES = 5


def _unexpected_rows(report: dict) -> list[str]:
    """``claim [tier]: verdict (worst margin)`` of every row that did not go as expected."""
    return [f"{c['id']} [{t['tier']}]: {t['verdict']} (worst margin {t['worst_margin']})"
            + (f" {t['error']}" if t["error"] else "")
            for c in report["claims"] for t in c["tiers"] if not t["ok"]]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_every_verdict_is_the_expected_one_at_seed(seed, tmp_path):
    path = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "verify", "--instances", str(INSTANCES), "--seed", str(seed),
         "--no-progress", "--json", str(path)],
        capture_output=True, text=True, timeout=900, check=False,
    )
    rows = _unexpected_rows(json.loads(path.read_text())) if path.exists() else []
    assert proc.returncode == 0, (
        f"seed {seed}: exit {proc.returncode}; unexpected: {rows}\n{proc.stderr[-3000:]}")
    assert rows == []


# ------------------------------------------------------------------ the CI sweep
def _sweep_seeds(script: str) -> list[int]:
    (value,) = re.findall(r'^SWEEP_SEEDS="([0-9 ]+)"$', script, flags=re.MULTILINE)
    return [int(s) for s in value.split()]


def _sweep_part(script: str) -> str:
    """The seed-sweep lines of ``.ci/run`` through the end (exit status included)."""
    start = script.index('echo "== verdict sweep')
    return script[start:]


def test_ci_sweeps_at_least_five_distinct_seeds():
    script = CI_SCRIPT.read_text(encoding="utf-8")
    seeds = _sweep_seeds(script)
    assert len(set(seeds)) == len(seeds) >= 5
    sweep = _sweep_part(script)
    run = re.search(r'\(python -m verify --instances 5 --seed "\$\{seed\}"', sweep)
    assert run is not None
    assert sweep.index("for seed in ${SWEEP_SEEDS}") < run.start()


def _run_sweep(failing_seed: str, pytest_status: int) -> subprocess.CompletedProcess[str]:
    """The sweep part of ``.ci/run`` with ``python`` stubbed: ``python -m verify`` fails at
    ``failing_seed`` only; everything else (``pip freeze``) succeeds."""
    script = CI_SCRIPT.read_text(encoding="utf-8")
    (seeds_line,) = re.findall(r"^SWEEP_SEEDS=.*$", script, flags=re.MULTILINE)
    stub = (
        "set -euo pipefail\n"
        f"{seeds_line}\nstatus={pytest_status}\nstart=$(date +%s)\n"
        "python() {\n"
        '  if [ "$1 $2" = "-m verify" ] && [ "$6" = "' + failing_seed + '" ]; then\n'
        '    echo "VIOLATED at seed $6"; return 1\n'
        "  fi\n"
        "}\n"
    )
    return subprocess.run(["bash", "-c", stub + _sweep_part(script)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_ci_sweep_fails_when_one_seed_fails():
    seed = str(_sweep_seeds(CI_SCRIPT.read_text(encoding="utf-8"))[2])
    proc = _run_sweep(seed, pytest_status=0)
    assert proc.returncode == 1
    assert f"VIOLATED at seed {seed}" in proc.stdout  # the failing run's output is shown
    assert f"failed at seed(s): {seed}" in proc.stderr


def test_ci_sweep_passes_when_every_seed_passes_and_keeps_pytest_status():
    assert _run_sweep("none", pytest_status=0).returncode == 0
    assert _run_sweep("none", pytest_status=3).returncode == 3


def _run_test_steps(*commands: str) -> list[str]:
    """The output lines of ``.ci/run``'s ``run_tests`` run on each of ``commands`` in turn,
    then ``status=N``, the status that the script exits with."""
    script = CI_SCRIPT.read_text(encoding="utf-8")
    start = script.index("run_tests() {")
    function = script[start:script.index("\n}\n", start) + 3]
    calls = "".join(f'run_tests "step {i}" "{c}"\n' for i, c in enumerate(commands))
    proc = subprocess.run(["bash", "-c", f"set -euo pipefail\nstatus=0\n{function}{calls}"
                           'echo "status=${status}"'], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_ci_test_steps_count_no_tests_collected_and_keep_the_first_failure():
    assert _run_test_steps("exit 0", "exit 0")[-1] == "status=0"
    assert _run_test_steps("exit 5")[-1] == "status=1"  # pytest: no tests collected
    assert _run_test_steps("exit 0", "exit 5")[-1] == "status=1"
    assert _run_test_steps("exit 2", "exit 1")[-1] == "status=2"
    out = _run_test_steps("exit 3", "echo ran")  # the step after a failing one still runs
    assert out[-1] == "status=3" and "ran" in out and out[-2].startswith("== step 1: exit 0 in ")
