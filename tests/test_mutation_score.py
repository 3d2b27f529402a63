"""Tests of ``tools/mutation_score.py``: the sampled score and its interval."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "tools" / "mutation_score.py"
_SPEC = importlib.util.spec_from_file_location("mutation_score", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
mutation_score = importlib.util.module_from_spec(_SPEC)
sys.modules["mutation_score"] = mutation_score
_SPEC.loader.exec_module(mutation_score)

NAMES = [f"theory.a.x_f__mutmut_{i}" for i in range(1, 41)] + \
        [f"theory.b.x_g__mutmut_{i}" for i in range(1, 6)]


def test_sample_is_per_module_and_reproducible() -> None:
    first = mutation_score.sample_names(NAMES, 10, seed=3)
    again = mutation_score.sample_names(list(reversed(NAMES)), 10, seed=3)
    assert first == again
    in_a = [n for n in first if n.startswith("theory.a.")]
    in_b = [n for n in first if n.startswith("theory.b.")]
    assert len(in_a) == 10 and len(set(in_a)) == 10
    assert sorted(in_b) == sorted(NAMES[40:])  # a module smaller than the sample is taken whole
    assert mutation_score.sample_names(NAMES, 10, seed=4) != first


def test_sample_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size"):
        mutation_score.sample_names(NAMES, 0, seed=0)


def test_wilson_interval_known_values() -> None:
    # 95 of 100: Wilson interval 88.8 % to 97.8 % (z = 1.96)
    low, high = mutation_score.wilson_interval(95, 100)
    assert math.isclose(low, 88.82, abs_tol=0.01) and math.isclose(high, 97.85, abs_tol=0.01)
    low, high = mutation_score.wilson_interval(10, 10)
    assert math.isclose(high, 100.0) and math.isclose(low, 72.25, abs_tol=0.01)
    assert mutation_score.wilson_interval(0, 0) == (0.0, 100.0)
    with pytest.raises(ValueError, match="killed"):
        mutation_score.wilson_interval(11, 10)


def _results_file(tmp_path: Path, statuses: dict[str, str]) -> Path:
    path = tmp_path / "results.txt"
    path.write_text("".join(f"    {n}: {s}\n" for n, s in statuses.items()))
    return path


def test_sampled_verdict_uses_the_lower_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    statuses = {n: ("survived" if i % 10 == 0 else "killed") for i, n in enumerate(NAMES[:40])}
    results = _results_file(tmp_path, statuses)
    equivalents = tmp_path / "MUTANTS.md"
    equivalents.write_text("")
    args = ["--results", str(results), "--equivalents", str(equivalents), "--sample", "40"]
    # 36 of 40 killed: 90 % point estimate, lower Wilson end 76.9 %
    assert mutation_score.main([*args, "--fail-under", "90"]) == 1
    assert mutation_score.main([*args, "--fail-under", "76"]) == 0
    assert "Wilson interval 76.9% to 96.0%" in capsys.readouterr().out


def test_print_sample_skips_unchecked_mutants_outside_it(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    statuses = dict.fromkeys(NAMES, "not checked")
    results = _results_file(tmp_path, statuses)
    args = ["--results", str(results), "--sample", "3", "--print-sample"]
    assert mutation_score.main(args) == 0
    printed = capsys.readouterr().out.split()
    assert printed == mutation_score.sample_names(NAMES, 3, seed=0)
    assert mutation_score.main(["--results", str(results), "--print-sample"]) == 2
