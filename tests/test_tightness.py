"""Tests of verify.tightness: the adversarial tightness search (issue 8, Deliver item 4)."""

from __future__ import annotations

import json
import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import smoke_and_full

from theory.depth_width import numerator_roots
from theory.linear import ShallowSSM
from theory.numbers import InvalidParameterError, NumberKind
from verify.adversarial import ratio_of
from verify.claims.byjl25_norm import (
    ALGORITHM_A_WITNESS,
    FLOAT_CONSTRUCTIONS,
    tight_forest_target,
)
from verify.tightness import (
    DECADES,
    _AlgorithmAScore,
    _ForestScore,
    _make_task,
    format_tightness,
    search,
)

CONSTRUCTIONS = {"forest": ("forest",), "algorithm_a": ("algorithm_a",),
                 "best": FLOAT_CONSTRUCTIONS}
FOREST_22 = 2 ** (1 / 3)


def _random_points(task, rng: np.random.Generator, count: int) -> list[np.ndarray]:
    out = []
    for i in range(count):
        decades = DECADES[task.case]
        bounds = task.bounds(decades[i % len(decades)])
        out.append(np.array([rng.uniform(lo, hi) for lo, hi in bounds]))
    return out


#: Random points per case of :func:`test_cheap_score_equals_the_suites_ratio` (Algorithm A's
#: best split is the expensive suite ratio).
POINTS = {"forest": 6, "algorithm_a": 2, "best": 6}


#: Cases ``(case, shape, points)``: at (3, 2) Algorithm A takes about half a second per point,
#: so the default run checks its first point (smoke) and ``extended`` all of them (full).
CHEAP_SCORE_CASES = [
    pytest.param(case, shape, POINTS[case], id=f"{case}-shape{i}")
    for case in POINTS for i, shape in enumerate([(2, 2), (3, 2)])
    if (case, shape) != ("algorithm_a", (3, 2))
] + [pytest.param("algorithm_a", (3, 2), *p.values, id=f"algorithm_a-shape1-{p.id}", marks=p.marks)
     for p in smoke_and_full(1, POINTS["algorithm_a"])]


@pytest.mark.parametrize(("case", "shape", "points"), CHEAP_SCORE_CASES)
def test_cheap_score_equals_the_suites_ratio(case: str, shape: tuple[int, int],
                                             points: int) -> None:
    """The search's vectorized scores are the balanced norms of the constructions themselves."""
    task = _make_task(*shape, case)
    rng = np.random.default_rng(11)
    for x in _random_points(task, rng, points):
        want, _ = ratio_of(task.shallow(x), *shape, CONSTRUCTIONS[case])
        assert task.score(x[None, :])[0] == pytest.approx(want, rel=1e-12)


def test_forest_score_on_the_tight_family() -> None:
    """The tight family of the monotone layout: the best layout does better (the suite's forest
    picks it), and the cheap score agrees with the suite on it exactly."""
    target = tight_forest_target(2, 2).to_kind(NumberKind.FLOAT)
    poles, res = np.array(target.poles, complex), np.array(target.residues, complex)
    score = math.exp(_ForestScore(2, 2).log_w(poles[None], res[None])[0] / 3)  # c_1 = 1
    want, _ = ratio_of(target, 2, 2, ("forest",))
    assert score == pytest.approx(want, rel=1e-12)


def test_algorithm_a_score_on_the_recorded_witness() -> None:
    w = ALGORITHM_A_WITNESS
    target = ShallowSSM.from_residues(list(w["poles"]), list(w["residues"]))
    kappa, roots = numerator_roots(target)
    poles = np.array(w["poles"], complex)
    log_w = _AlgorithmAScore(2, 2).log_w(poles[None], np.array([[complex(z) for z in roots]]))[0]
    c1sq = max(abs(complex(r)) for r in w["residues"])
    ratio = math.exp((log_w + math.log(abs(complex(kappa))) - math.log(c1sq)) / 3)
    want, _ = ratio_of(target, 2, 2, ("algorithm_a",))
    assert want > 2.29 and ratio == pytest.approx(want, rel=1e-9)


def test_search_beats_a_trivial_start_and_respects_the_forest_bound() -> None:
    """The search beats pure random sampling with the same number of evaluations (without the
    hypothesis phase, whose draws depend on the modules already imported: measured 1.1524 in a
    fresh process against 1.1004 after the bad-input walker had imported every module)."""
    task = _make_task(2, 2, "forest")
    samples = np.vstack(_random_points(task, np.random.default_rng(3), 1500))
    trivial = np.nanmax(task.score(samples))  # 1.1293
    (row,) = search("byjl25.thm4.2", 600, 3, max_evaluations=1500, shapes=[(2, 2)],
                    cases=["forest"], hypothesis_phase=False)
    assert row.ratio > trivial + 0.02 and row.ratio > 1.15  # 1.169
    assert "hypothesis phase off (hypothesis_phase=False)" in row.notes
    # the forest's proven constant 2^{(l-1)/(l+1)} holds, with float rounding only
    assert row.ratio <= FOREST_22 * (1 + 1e-12)
    assert row.evaluations == 1500 and row.constants == {"2": 2.0, "2^(1/3)": FOREST_22}
    assert row.search_ratio == pytest.approx(row.ratio, rel=1e-12)


@pytest.mark.parametrize("hypothesis_phase", smoke_and_full(False, True))
def test_search_finds_algorithm_a_above_two(hypothesis_phase: bool) -> None:
    """Algorithm A + best split misses the constant 2 (the finding byjl25.thm4.2.algorithm_a),
    found from scratch; the row's ratio is the suite's own (re-scored) value. The smoke
    version leaves out the hypothesis phase (most of the search's time at this cap)."""
    (row,) = search("byjl25.thm4.2", 600, 0, max_evaluations=1500, shapes=[(2, 2)],
                    cases=["algorithm_a"], hypothesis_phase=hypothesis_phase)
    assert row.ratio > 2 and row.ratio / row.constants["2"] > 1
    target = ShallowSSM.from_residues(
        [complex(float(p["re"]), float(p["im"])) for p in row.instance["poles"]],
        [complex(float(p["re"]), float(p["im"])) for p in row.instance["residues"]])
    again, _ = ratio_of(target, 2, 2, ("algorithm_a",))
    assert again == pytest.approx(row.ratio, rel=1e-9)
    forest, _ = ratio_of(target, 2, 2, ("forest",))  # Theorem 4.2 itself is not contradicted
    assert forest <= FOREST_22 * (1 + 1e-12)


@pytest.mark.parametrize("cases", smoke_and_full(["forest", "best"], ["algorithm_a", "best"]))
def test_search_is_reproducible_given_seed_and_cap(cases: list[str]) -> None:
    """Same seed and cap, same rows (hypothesis phase included); another seed, other ratios.
    The smoke version searches the cheap cases (Algorithm A's rows take ten times longer)."""
    kwargs = {"max_evaluations": 120, "shapes": [(2, 2)], "cases": cases}
    a = search("byjl25.thm4.2", 600, 7, **kwargs)
    b = search("byjl25.thm4.2", 600, 7, **kwargs)
    c = search("byjl25.thm4.2", 600, 8, **kwargs)
    strip = [{k: v for k, v in r.describe().items() if k != "seconds"} for r in a]
    assert strip == [{k: v for k, v in r.describe().items() if k != "seconds"} for r in b]
    assert [r.ratio for r in a] != [r.ratio for r in c]


def test_rows_describe_the_instance_exactly_and_the_table_fits() -> None:
    rows = search("byjl25.thm4.2", 600, 0, max_evaluations=60, shapes=[(2, 2), (3, 2)],
                  cases=["forest"])
    doc = json.loads(json.dumps([r.describe() for r in rows]))
    for row, d in zip(rows, doc):
        target = ShallowSSM.from_residues(
            [complex(float(p["re"]), float(p["im"])) for p in d["instance"]["poles"]],
            [complex(float(p["re"]), float(p["im"])) for p in d["instance"]["residues"]])
        again, _ = ratio_of(target, *row.shape, ("forest",))
        assert again == row.ratio  # the round-trip decimals are the float64 instance
        for p in d["instance"]["poles"]:
            assert Fraction(p["re_exact"]) == Fraction(float(p["re"]))
        assert d["ratio_to_constant"]["2"] == row.ratio / 2
    table = format_tightness(rows)
    assert all(len(line) <= 100 for line in table.splitlines())
    assert "(3,2) forest" in table and "2^(1/2)" in table and "hypothesis phase" in table


def test_hypothesis_phase_is_skipped_without_hypothesis(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # import raises ImportError
    (row,) = search("byjl25.thm4.2", 600, 0, max_evaluations=40, shapes=[(2, 2)],
                    cases=["forest"])
    assert any("hypothesis phase skipped" in n for n in row.notes)
    assert "hypothesis phase skipped" in format_tightness([row])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_forest_search_is_tight_under_an_evaluation_cap(seed: int) -> None:
    """Theorem 4.2's forest constant 2^{(l-1)/(l+1)} is reached from scratch at (2, 2): a bound
    0.1% lower would be rejected, and the proven constant holds (float rounding only)."""
    (row,) = search("byjl25.thm4.2", 600, seed, max_evaluations=15000, shapes=[(2, 2)],
                    cases=["forest"])
    assert FOREST_22 * 0.999 <= row.ratio <= FOREST_22 * (1 + 1e-12)


@pytest.mark.slow
def test_algorithm_a_ratio_grows_with_the_pole_spread(monkeypatch) -> None:
    """No constant bounds Algorithm A + best split: with pole moduli down to 1e-3 the search
    reaches about 10^{1/2}, down to 1e-9 about 10^{3/2} (measured: ratio ≈ spread^{1/6})."""
    found = {}
    for decades in (3.0, 9.0):
        monkeypatch.setitem(DECADES, "algorithm_a", (decades,))
        (row,) = search("byjl25.thm4.2", 600, 0, max_evaluations=20000, shapes=[(2, 2)],
                        cases=["algorithm_a"])
        found[decades] = row.ratio
    assert found[3.0] > 2.5 and found[9.0] > 3 * found[3.0]


@pytest.mark.slow
def test_acceptance_sixty_seconds() -> None:
    """Issue 8: at (2, 2), the forest within 1% of 2^(1/3), Algorithm A above 2."""
    rows = {r.case: r for r in search("byjl25.thm4.2", 60, 0) if r.shape == (2, 2)}
    assert rows["forest"].ratio >= FOREST_22 * 0.99
    assert rows["forest"].ratio <= FOREST_22 * (1 + 1e-12)
    assert rows["best"].ratio <= FOREST_22 * (1 + 1e-12)
    assert rows["algorithm_a"].ratio > 2


#: Cases ``(kwargs, name)`` of :func:`test_bad_input_names_the_parameter`.
BAD_INPUT_NAMES_THE_PARAMETER_CASES = [
    ({"claim_id": "byjl25.thm9"}, "claim_id"),
    ({"claim_id": 3}, "claim_id"),
    ({"budget_seconds": 0}, "budget_seconds"),
    ({"budget_seconds": -1.0}, "budget_seconds"),
    ({"budget_seconds": math.nan}, "budget_seconds"),
    ({"budget_seconds": math.inf}, "budget_seconds"),
    ({"budget_seconds": "60"}, "budget_seconds"),
    ({"seed": -1}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"max_evaluations": 0}, "max_evaluations"),
    ({"max_evaluations": math.nan}, "max_evaluations"),
    ({"shapes": []}, "shapes"),
    ({"shapes": [(2, 1)]}, "shapes"),
    ({"shapes": [(0, 2)]}, "shapes"),
    ({"shapes": [(2, 2, 2)]}, "shapes"),
    ({"shapes": [(5, 3)]}, "shapes"),
    ({"shapes": "22"}, "shapes"),
    ({"cases": ["magic"]}, "cases"),
    ({"cases": []}, "cases"),
]


def _bad_input_names_the_parameter(kwargs: dict, name: str) -> None:
    args = {"claim_id": "byjl25.thm4.2", "budget_seconds": 1.0} | kwargs
    with pytest.raises(InvalidParameterError, match=f"^{name}:"):
        search(**args)


def test_bad_input_names_the_parameter() -> None:
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_bad_input_names_the_parameter, BAD_INPUT_NAMES_THE_PARAMETER_CASES)


#: Values of ``rows`` in :func:`test_format_rejects_bad_rows`.
FORMAT_REJECTS_BAD_ROWS_CASES = ["x", [3], None]


def _format_rejects_bad_rows(rows) -> None:
    with pytest.raises(InvalidParameterError, match="^rows:"):
        format_tightness(rows)


def test_format_rejects_bad_rows() -> None:
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_format_rejects_bad_rows, [(rows,) for rows in FORMAT_REJECTS_BAD_ROWS_CASES])
