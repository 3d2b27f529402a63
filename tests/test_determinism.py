"""Reproducibility: the same seed gives the same report in every Python process, and CI's
hypothesis profile is derandomized.

``PYTHONHASHSEED`` changes the iteration order of sets of strings; a sampler that iterated over
a set of spectrum styles drew different instances in different processes (the float64 worst
margin of ``byjl25.lemma3.1`` at seed 0 varied between 1.79 and 1.94). Here two processes with
different hash seeds must write the same JSON report once the wall times, the creation time and
the host description are removed. The tests that start processes carry the ``extended`` marker
(CI runs them in its second step, ``python -m pytest -m extended``); the default run keeps
in-process versions (two runs in one process, the configuration refusing an unknown profile).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bad_input_cases import check_every_case
from hypothesis import settings

#: Fast claims whose float64 tiers draw mixed-style spectra (``random_deep_batch``) or exact
#: and float instances through the other samplers.
CLAIMS = ("byjl25.lemma3.1", "byjl25.thm4.1.i", "wx23.result_b1")
#: Hash seeds under which the old set iteration drew different byjl25.lemma3.1 instances.
HASH_SEEDS = ("1", "4")
#: Fields that legitimately differ between runs: wall times, creation time, host.
VOLATILE = ("created", "versions")


def _argv(path: Path, claims: tuple[str, ...] = CLAIMS, instances: int = 5) -> list[str]:
    """The arguments of ``python -m verify`` for a run of ``claims`` at seed 0 into ``path``."""
    argv = ["--instances", str(instances), "--seed", "0", "--no-progress", "--json", str(path)]
    for claim in claims:
        argv += ["--claim", claim]
    return argv


def _start(path: Path, hash_seed: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    return subprocess.Popen([sys.executable, "-m", "verify", *_argv(path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stable_part(report: dict[str, Any]) -> str:
    """The report as canonical JSON text without its volatile fields (``report`` is kept)."""
    report = json.loads(json.dumps(report))
    for key in VOLATILE:
        report.pop(key)
    for claim in report["claims"]:
        for tier in claim["tiers"]:
            tier.pop("seconds")
    return json.dumps(report, indent=2, sort_keys=True)


@pytest.mark.extended  # two processes (seconds); in process: test_same_seed_same_json_in_process
def test_same_seed_same_json_under_different_hash_seeds(tmp_path):
    paths = [tmp_path / f"hash{h}.json" for h in HASH_SEEDS]
    procs = [_start(p, h) for p, h in zip(paths, HASH_SEEDS)]  # both at once: half the time
    outcomes = [(proc.communicate(timeout=300), proc.returncode) for proc in procs]
    for (_, err), code in outcomes:
        assert code in (0, 1), err
    texts = [_stable_part(json.loads(p.read_text())) for p in paths]
    assert [c["id"] for c in json.loads(texts[0])["claims"]] == list(CLAIMS)
    assert texts[0] == texts[1]


def test_same_seed_same_json_in_process(tmp_path):
    """Smoke version of the test above: two runs in this process of the claim whose sampler
    iterated over a set (on a few instances) write the same report."""
    from verify.__main__ import main

    paths = [tmp_path / f"run{i}.json" for i in (1, 2)]
    for path in paths:
        assert main(_argv(path, CLAIMS[:1], 2)) == 0
    texts = [_stable_part(json.loads(p.read_text())) for p in paths]
    assert [c["id"] for c in json.loads(texts[0])["claims"]] == list(CLAIMS[:1])
    assert texts[0] == texts[1]


def test_comparison_notices_a_changed_margin(tmp_path):
    """The normalisation removes only the volatile fields: a changed margin still differs."""
    report = {"created": "t", "versions": {"platform": "x"}, "seed": 0,
              "claims": [{"id": "c", "tiers": [{"seconds": 0.1, "worst_margin": 1.79}]}]}
    other = json.loads(json.dumps(report))
    other["created"], other["claims"][0]["tiers"][0]["seconds"] = "u", 0.2
    assert _stable_part(report) == _stable_part(other)
    other["claims"][0]["tiers"][0]["worst_margin"] = 1.94
    assert _stable_part(report) != _stable_part(other)


# ------------------------------------------------------------------ hypothesis profiles
def test_ci_profile_is_reproducible_and_thorough_enough():
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None and ci.max_examples >= 100


def test_local_profiles_are_randomized():
    """Also under ``CI=true``, where hypothesis's own defaults are derandomized."""
    dev, thorough = settings.get_profile("dev"), settings.get_profile("thorough")
    assert not dev.derandomize and not thorough.derandomize
    assert dev.database is not None and thorough.database is not None  # failures are replayed
    assert dev.print_blob and thorough.print_blob  # a failure prints how to reproduce it
    assert thorough.max_examples >= 10 * dev.max_examples


def test_profile_selection():
    from conftest import _profile_name

    def check(env, expected):
        with pytest.MonkeyPatch.context() as mp:
            mp.delenv("CI", raising=False)
            mp.delenv("HYPOTHESIS_PROFILE", raising=False)
            for key, value in env.items():
                mp.setenv(key, value)
            assert _profile_name() == expected

    check_every_case(check, [({}, "dev"), ({"CI": "true"}, "ci"), ({"CI": "1"}, "ci"),
                             ({"CI": "false"}, "dev"),
                             ({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}, "dev"),
                             ({"HYPOTHESIS_PROFILE": "thorough"}, "thorough")])


def test_active_profile_is_the_selected_one():
    from conftest import PROFILES, _profile_name

    active = settings.default
    selected = settings.get_profile(_profile_name())
    assert _profile_name() in PROFILES
    assert (active.derandomize, active.max_examples) == \
        (selected.derandomize, selected.max_examples)


def test_unknown_profile_is_refused_when_the_configuration_loads(monkeypatch):
    """In process: the suite configuration, loaded again, refuses an unknown profile."""
    spec = importlib.util.spec_from_file_location(
        "conftest_again", Path(__file__).resolve().parent / "conftest.py")
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "bogus")
    with pytest.raises(pytest.UsageError, match="HYPOTHESIS_PROFILE='bogus'"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


@pytest.mark.extended  # a pytest process (seconds); in process: the test above
def test_unknown_profile_is_a_usage_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co",
         str(Path(__file__).resolve().parent / "test_cli.py")],
        env=dict(os.environ, HYPOTHESIS_PROFILE="bogus"), capture_output=True, text=True,
        timeout=120, check=False, cwd=tmp_path,
    )
    assert proc.returncode != 0
    assert "HYPOTHESIS_PROFILE='bogus'" in proc.stdout + proc.stderr
