"""Tests of the budgets of ``python -m verify``: the default run (a share of each claim's
budget), ``--full``, ``--report``/``--shard`` (full budgets), ``--quick`` and ``--instances``."""

import json

import numpy as np
import pytest

from verify.__main__ import _share, build_parser, main
from verify.registry import Claim, Tier
from verify.runner import DEFAULT_SHARE, SHARE_FLOOR


def _tier(name, cap=None):
    return Tier(name, lambda rng, n: rng.uniform(-1, 1, n), lambda xs: 2 - np.abs(xs),
                lambda xs, i: {"x": float(xs[i])}, batch=7, max_instances=cap)


@pytest.fixture
def budget_claim(isolated_registry):
    """``test.budget``: a 120-instance budget, one uncapped tier and one capped at 20."""
    isolated_registry["test.budget"] = Claim(
        id="test.budget", paper="WX23", reference="Result 0", provenance="rebuilt",
        statement="s", margin="m", tiers=(_tier("wide"), _tier("capped", 20)),
        default_instances=120)
    return isolated_registry


def _counts(tmp_path, *extra):
    path = tmp_path / "r.json"
    assert main(["--claim", "test.budget", "--no-progress", "--json", str(path), *extra]) == 0
    rep = json.loads(path.read_text())
    return [t["instances"] for t in rep["claims"][0]["tiers"]], rep["instances_requested"]


def test_default_run_checks_a_share_of_each_budget(budget_claim, tmp_path, capsys):
    assert DEFAULT_SHARE == 20  # 120 / 20 = 6 instances; the capped tier: the floor, 5
    assert _counts(tmp_path) == ([6, SHARE_FLOOR], None)
    assert f"1/{DEFAULT_SHARE} of each tier's own budget" in capsys.readouterr().out


def test_full_runs_each_claims_budget(budget_claim, tmp_path, capsys):
    assert _counts(tmp_path, "--full") == ([120, 20], None)
    assert "--full runs the full budget" not in capsys.readouterr().out


def test_instances_and_quick_override_the_share(budget_claim, tmp_path):
    assert _counts(tmp_path, "--instances", "9") == ([9, 9], 9)
    assert _counts(tmp_path, "--quick")[0] == [3, 3]


@pytest.mark.parametrize("extra", [["--quick"], ["--instances", "4"]])
def test_full_conflicts_with_quick_and_instances(extra, capsys):
    assert main(["--full", *extra]) == 2
    assert "--full runs each claim's full budget" in capsys.readouterr().err


def test_full_is_refused_with_merge(tmp_path, capsys):
    assert main(["--merge", str(tmp_path / "a.json"), "--full"]) == 2
    assert "--full" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "share"), [
    ([], DEFAULT_SHARE), (["--full"], 1), (["--report", "out"], 1),
    (["--shard", "0/2", "--json", "s.json"], 1), (["--workers", "2"], DEFAULT_SHARE),
])
def test_share_of_each_mode(argv, share):
    assert _share(build_parser().parse_args(argv)) == share


def test_help_states_the_budgets():
    text = " ".join(build_parser().format_help().split())
    assert f"1/{DEFAULT_SHARE} of each claim's own budget per tier, at least {SHARE_FLOOR}" \
        in text
    assert "--full" in text and "the budget of --report and --shard" in text
