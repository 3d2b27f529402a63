"""Tests of verify.tightness_wx23: tightness searches of the WX23 Result A and B2 bounds."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from strategies import smoke_and_full

import verify.tightness_wx23 as tw
from theory.approximation import smooth_step_bound
from theory.numbers import InvalidParameterError
from verify.search_engine import format_tightness
from verify.tightness import CLAIM_IDS, search

PROBLEMS = {"wx23.result_a.relu": (tw._relu_problem, 3),
            "wx23.result_a.smooth": (tw._smooth_problem, 3),
            "wx23.result_b2.exponential_sum": (tw._bernstein_problem, 4)}


def _tent(pieces: int) -> np.ndarray:
    """Slopes of ``|u - 1/2|`` with ``pieces`` equal pieces."""
    return np.array([-1.0] * (pieces // 2) + [1.0] * (pieces // 2))


def _run(claim: str, evaluations: int, seed: int = 0) -> list:
    return search(claim, 600, seed, max_evaluations=evaluations, hypothesis_phase=False)


def test_every_wx23_claim_is_searchable() -> None:
    assert set(tw.WX23_CLAIM_IDS) <= set(CLAIM_IDS)


@pytest.mark.parametrize("claim", list(PROBLEMS))
def test_cheap_score_equals_the_suites_rescoring(claim: str) -> None:
    make, setting = PROBLEMS[claim]
    problem = make(setting)
    rng = np.random.default_rng(5)
    lo, hi = np.array(problem.bounds).T
    X = rng.uniform(lo, hi, (4, len(lo)))
    cheap = problem.score(X)
    for x, want in zip(X, cheap):
        got, _ = problem.rescore(x)
        assert got == pytest.approx(want, rel=1e-9)


def test_relu_bound_is_attained_exactly() -> None:
    """``L h/2`` is attained by ``L dist(x, knots)`` (re-scored exactly: ratio 1), so a bound
    smaller by any factor is exceeded."""
    problem = tw._relu_problem(3)
    ratio, instance = problem.rescore(np.array([1.0, 1.0, -1.0, -1.0] * 2))
    assert ratio == 1.0 and instance["ratio_exact"] == "1"


@pytest.mark.parametrize("evaluations", smoke_and_full(3000, 4000))
def test_relu_search_gets_to_the_bound(evaluations: int) -> None:
    """The search comes within 1e-6 of ``L h/2`` from scratch (at N = 2 the smoke version's
    3000 evaluations reach the full version's 1 - 2.5e-11)."""
    rows = _run("wx23.result_a.relu", evaluations)
    assert [r.setting for r in rows] == ["N=2", "N=3", "N=5", "N=9"]
    assert rows[0].ratio > 1 - 1e-6 and rows[1].ratio > 0.99
    assert all(r.rounding == 0.0 and r.ratio <= 1.0 and not r.exceeds() for r in rows)


def test_relu_search_exceeds_a_tightened_bound(monkeypatch) -> None:
    monkeypatch.setattr(tw, "lipschitz_interpolation_bound", lambda L, h: L * h / 2 * 0.999)
    (row, *_) = _run("wx23.result_a.relu", 3000)
    assert row.exceeds()


def test_bernstein_is_attained_at_degree_one() -> None:
    problem = tw._bernstein_problem(1)
    x = _tent(problem.pieces)
    assert problem.score(x[None, :])[0] == 1.0
    ratio, _ = problem.rescore(x)
    assert ratio == pytest.approx(1.0, abs=1e-12)


def test_bernstein_search_exceeds_a_tightened_bound(monkeypatch) -> None:
    monkeypatch.setattr(tw, "bernstein_sup_bound",
                        lambda n, lipschitz: 0.99 * lipschitz / (2 * math.sqrt(n)))
    problem = tw._bernstein_problem(1)
    ratio, _ = problem.rescore(_tent(problem.pieces))
    assert ratio > 1.0


@pytest.mark.slow
def test_bernstein_search_gets_close_at_degree_one() -> None:
    rows = search("wx23.result_b2.exponential_sum", 45, 0)
    assert rows[0].ratio > 0.99 and not any(r.exceeds() for r in rows)


@pytest.mark.extended  # 3000 evaluations; the search itself is smoke-tested on relu above
def test_smooth_search_comes_close() -> None:
    rows = _run("wx23.result_a.smooth", 3000)
    assert rows[0].ratio > 0.95 and not any(r.exceeds() for r in rows)


def test_smooth_bound_catches_tanh_for_coth(monkeypatch) -> None:
    """The tail term ``e^{-s/2} coth(s/2)`` matters at small sharpness: with ``tanh`` in its
    place (a bug the bound's claim once missed) the instance below scores a ratio above 1."""

    def wrong(L, h, s):
        import mpmath
        return L * h * (mpmath.mpf(1) / 2 + mpmath.exp(-s / 2) * mpmath.tanh(s / 2))

    monkeypatch.setattr(tw, "smooth_step_bound", wrong)
    problem = tw._smooth_problem(9)  # L |x - c|, c the midpoint of the fifth cell, s = 1/2
    x = np.concatenate([[-1.0] * 18, [1.0] * 14, [math.log10(0.5)]])
    assert problem.rescore(x)[0] > 3.0
    assert float(smooth_step_bound(1.0, 0.5, 0.5)) > float(wrong(1.0, 0.5, 0.5))


@pytest.mark.parametrize("evaluations", smoke_and_full(200, 400))
def test_search_is_reproducible_and_rows_round_trip(evaluations: int) -> None:
    a = _run("wx23.result_b2.exponential_sum", evaluations, seed=3)
    b = _run("wx23.result_b2.exponential_sum", evaluations, seed=3)
    assert [r.ratio for r in a] == [r.ratio for r in b]
    doc = json.loads(json.dumps([r.describe() for r in a]))
    for row, d in zip(a, doc):
        slopes = np.array([float(v) for v in d["instance"]["slopes"]])
        problem = tw._bernstein_problem(int(d["setting"][2:]))
        assert problem.rescore(slopes)[0] == row.ratio
        assert d["proved"] == "1" and d["rounding"] == 1e-12
    table = format_tightness(a)
    assert all(len(line) <= 100 for line in table.splitlines())
    assert "claim: wx23.result_b2.exponential_sum" in table and "n=16 sup/bound" in table


@pytest.mark.parametrize("kwargs, name", [
    ({"shapes": [(2, 2)]}, "shapes"),
    ({"cases": ["forest"]}, "cases"),
])
def test_thm42_options_are_refused_for_wx23(kwargs: dict, name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        search("wx23.result_a.relu", 10, 0, **kwargs)
