"""Tightness searches of the WX23 Result A and B2 error bounds (:mod:`verify.search_engine`).

Each search maximizes ``sup error / bound`` over ``L``-Lipschitz targets on ``[0, 1]`` and reports
the worst ratio found against the constant ``1`` the suite proves (a ratio above it would be a
counterexample):

* ``wx23.result_a.relu`` — the ReLU interpolant on ``N`` knots (:func:`theory.approximation.
  relu_interpolant`) against ``L h/2`` (:func:`~theory.approximation.
  lipschitz_interpolation_bound`), ``h = 1/(N-1)``. Attained by ``L · dist(x, knots)``, so the
  search should reach ``1``. Re-scored **exactly**: the target and the network in rationals,
  the error at every breakpoint of both piecewise-linear functions (where the supremum of their
  difference lies), so the row's ratio is the exact sup of that instance, rounded once.
* ``wx23.result_a.smooth`` — the smooth-step sum with sharpness ``s`` (:func:`theory.
  approximation.smooth_step_approximant`, sigmoid) against ``L h (1/2 + e^{-s/2} coth(s/2))``
  (:func:`~theory.approximation.smooth_step_bound`); ``s`` is searched on ``[1/2, 30]``.
  The sharp worst case is ``L Σ_k w_k(x)|t_k - x|`` (76 % to 100 % of the bound, by ``s``).
  Re-scored at 30 digits on the search's grid (a lower bound of the supremum).
* ``wx23.result_b2.exponential_sum`` — the Bernstein polynomial of degree ``n`` behind the
  exponential sum (:func:`theory.convolution.bernstein_exponential_sum`) against ``L/(2√n)``
  (:func:`~theory.convolution.bernstein_sup_bound`). Attained at ``n = 1`` by ``L|u - 1/2|``;
  for large ``n`` that target reaches only ``√(2/π) ≈ 0.80``. Re-scored with the suite's
  construction (its stable float64 de Casteljau evaluation) on the search's grid.

Targets: piecewise linear with ``K`` equal pieces and slopes in ``[-1, 1]`` (``f(0) = 0``; the
ratio does not change under scaling or adding a constant), ``L`` the largest slope modulus
(the exact Lipschitz constant). ``K`` is a multiple of ``2(N - 1)`` for Result A, so every
knot and every cell midpoint is a breakpoint, and ``16`` for the Bernstein case.

Rounding: the float re-scorings (smooth at 30 digits, Bernstein in float64) may exceed an exact
tie by rounding; a row counts as exceeding its constant only above ``1 + rounding`` (``0`` for
the exact ReLU re-scoring, ``1e-12`` for the others).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.approximation import (
    lipschitz_interpolation_bound,
    relu_interpolant,
    smooth_step_approximant,
    smooth_step_bound,
    sup_error,
)
from theory.convolution import bernstein_exponential_sum, bernstein_sup_bound
from theory.validation import check_real, fail
from verify.search_engine import TightnessRow, search_rounds

__all__ = ["WX23_CLAIM_IDS", "WX23_SETTINGS", "search_wx23"]

#: Settings searched per claim: the number of knots ``N`` (Result A) or the degree ``n``.
WX23_SETTINGS: dict[str, tuple[int, ...]] = {
    "wx23.result_a.relu": (2, 3, 5, 9),
    "wx23.result_a.smooth": (3, 5, 9),
    "wx23.result_b2.exponential_sum": (1, 4, 16),
}
WX23_CLAIM_IDS = tuple(WX23_SETTINGS)
#: Candidates re-scored by the suite's construction per setting.
_RESCORED = 3
#: Share of a setting's time kept for re-scoring.
_RESCORE_SHARE = 0.2
#: Grid points per knot cell (smooth) and on ``[0, 1]`` (Bernstein) for the search's sup.
_SMOOTH_PER_CELL, _BERNSTEIN_POINTS = 64, 1024
#: Sharpness range of the smooth case (``log10 s``).
_LOG_SHARPNESS = (math.log10(0.5), math.log10(30.0))
#: Allowed excess of a float re-scoring over an exact tie.
_ROUNDING = {"wx23.result_a.relu": 0.0, "wx23.result_a.smooth": 1e-12,
             "wx23.result_b2.exponential_sum": 1e-12}
#: MPMATH digits of the smooth re-scoring.
_DPS = 30


@dataclass(frozen=True)
class _Problem:
    """One (claim, setting) search: the box, the cheap batched score, the re-scoring."""

    claim: str
    setting: int
    pieces: int
    bounds: list[tuple[float, float]]
    score: Callable[[np.ndarray], np.ndarray]
    rescore: Callable[[np.ndarray], tuple[float, dict[str, Any]]]


# ============================================================================ targets
def _breakpoint_values(slopes: np.ndarray) -> np.ndarray:
    """Values at ``j/K`` of the piecewise-linear targets with these slopes (rows), ``f(0)=0``."""
    K = slopes.shape[1]
    return np.concatenate([np.zeros((slopes.shape[0], 1)), np.cumsum(slopes, axis=1) / K],
                          axis=1)


def _evaluate(slopes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The targets (rows of ``slopes``) at the points ``x`` in ``[0, 1]``."""
    K = slopes.shape[1]
    idx = np.minimum((x * K).astype(int), K - 1)
    return _breakpoint_values(slopes)[:, idx] + slopes[:, idx] * (x - idx / K)


def _lipschitz(slopes: np.ndarray) -> np.ndarray:
    return np.max(np.abs(slopes), axis=1)


def _scalar_target(slopes: np.ndarray, exact: bool) -> Callable[[Any], Any]:
    """The target of one candidate, scalar-wise: in rationals (``exact``; the slopes are their
    float64 values, exactly) or in mpmath at the working precision."""
    number = (lambda v: sympy.Rational(Fraction(v))) if exact else mpmath.mpf
    floor = sympy.floor if exact else mpmath.floor
    s = [number(float(v)) for v in slopes]
    K = len(s)
    values = [number(0.0)]
    for v in s:
        values.append(values[-1] + v / K)

    def f(x: Any) -> Any:
        j = min(int(floor(x * K)), K - 1)
        return values[j] + s[j] * (x - number(float(j)) / K)

    return f


def _describe(slopes: np.ndarray, **extra: Any) -> dict[str, Any]:
    return {"target": "piecewise linear on [0, 1], f(0) = 0, equal pieces",
            "slopes": [float(v) for v in slopes],
            "slopes_exact": [str(Fraction(float(v))) for v in slopes], **extra}


# ============================================================================ Result A, ReLU
def _relu_problem(N: int) -> _Problem:
    K = 4 * (N - 1)
    h = 1.0 / (N - 1)
    points = np.unique(np.concatenate([np.arange(K + 1) / K, np.arange(N) * h]))
    cell = np.minimum((points / h).astype(int), N - 2)
    weight = points / h - cell

    def score(X: np.ndarray) -> np.ndarray:
        at_knots = _evaluate(X, np.arange(N) * h)
        interp = at_knots[:, cell] * (1 - weight) + at_knots[:, cell + 1] * weight
        err = np.max(np.abs(_evaluate(X, points) - interp), axis=1)
        return err / (_lipschitz(X) * h / 2)

    def rescore(x: np.ndarray) -> tuple[float, dict[str, Any]]:
        f = _scalar_target(x, exact=True)
        L = Fraction(float(_lipschitz(x[None, :])[0]))
        approx = relu_interpolant(f, sympy.Integer(0), sympy.Integer(1), N)
        pts = [[sympy.Rational(j, K)] for j in range(K + 1)]  # knots and midpoints among them
        err = sup_error(lambda r: [f(r[0])], approx, pts)
        bound = lipschitz_interpolation_bound(sympy.Rational(L), sympy.Rational(1, N - 1))
        ratio = Fraction(str(sympy.Rational(err / bound)))
        return float(ratio), _describe(x, ratio_exact=str(ratio))

    return _Problem("wx23.result_a.relu", N, K, [(-1.0, 1.0)] * K, score, rescore)


# ============================================================================ Result A, smooth
def _smooth_problem(N: int) -> _Problem:
    K = 4 * (N - 1)
    h = 1.0 / (N - 1)
    grid = np.unique(np.concatenate([np.linspace(0, 1, (N - 1) * _SMOOTH_PER_CELL + 1),
                                     np.arange(K + 1) / K]))
    grid[-1] = 1.0
    thresholds = np.arange(1, N) * h - h / 2

    def score(X: np.ndarray) -> np.ndarray:
        slopes, s = X[:, :-1], 10.0 ** X[:, -1]
        at_knots = _evaluate(slopes, np.arange(N) * h)
        steps = 1 / (1 + np.exp(-(s / h)[:, None, None] * (grid[None, :, None] - thresholds)))
        G = at_knots[:, :1] + np.einsum("bk,bxk->bx", np.diff(at_knots, axis=1), steps)
        err = np.max(np.abs(_evaluate(slopes, grid) - G), axis=1)
        L = _lipschitz(slopes)
        return err / (L * h * (0.5 + np.exp(-s / 2) / np.tanh(s / 2)))

    def rescore(x: np.ndarray) -> tuple[float, dict[str, Any]]:
        slopes, s = x[:-1], float(10.0 ** x[-1])
        L = float(_lipschitz(slopes[None, :])[0])
        with mpmath.workdps(_DPS):
            mp_f = _scalar_target(slopes, exact=False)
            approx = smooth_step_approximant(mp_f, mpmath.mpf(0), mpmath.mpf(1), N,
                                             activation="sigmoid", sharpness=mpmath.mpf(s))
            err = sup_error(lambda r: [mp_f(r[0])], approx, [[mpmath.mpf(p)] for p in grid])
            bound = smooth_step_bound(mpmath.mpf(L), mpmath.mpf(1) / (N - 1), mpmath.mpf(s))
            ratio = float(err / bound)
        return ratio, _describe(slopes, sharpness=s)

    box = [(-1.0, 1.0)] * K + [_LOG_SHARPNESS]
    return _Problem("wx23.result_a.smooth", N, K, box, score, rescore)


# ============================================================================ Result B2
def _bernstein_problem(n: int) -> _Problem:
    K = 16
    grid = np.unique(np.concatenate([np.linspace(0, 1, _BERNSTEIN_POINTS + 1),
                                     np.arange(K + 1) / K]))
    grid[-1] = 1.0
    k = np.arange(n + 1)
    basis = np.array([math.comb(n, int(j)) for j in k]) * grid[:, None] ** k * \
        (1 - grid[:, None]) ** (n - k)

    def score(X: np.ndarray) -> np.ndarray:
        B = _evaluate(X, k / n) @ basis.T
        err = np.max(np.abs(_evaluate(X, grid) - B), axis=1)
        return err / (_lipschitz(X) / (2 * math.sqrt(n)))

    def rescore(x: np.ndarray) -> tuple[float, dict[str, Any]]:
        g = _scalar_target(x, exact=False)

        def rho(t: Any) -> Any:  # g(u) = ρ(ln(1/u))/u with α = 1, i.e. ρ(t) = g(e^{-t}) e^{-t}
            u = mpmath.exp(-t)
            return g(u) * u

        expsum = bernstein_exponential_sum(rho, 1, n, 0)
        err = float(np.max(np.abs(_evaluate(x[None, :], grid)[0] - expsum.bernstein(grid))))
        ratio = err / bernstein_sup_bound(n, lipschitz=float(_lipschitz(x[None, :])[0]))
        return ratio, _describe(x)

    return _Problem("wx23.result_b2.exponential_sum", n, K, [(-1.0, 1.0)] * K, score, rescore)


_PROBLEMS = {"wx23.result_a.relu": _relu_problem, "wx23.result_a.smooth": _smooth_problem,
             "wx23.result_b2.exponential_sum": _bernstein_problem}


# ============================================================================ search
def _run(problem: _Problem, seconds: float, max_evaluations: int | None,
         rng: np.random.Generator, hypothesis: Any) -> TightnessRow:
    start = time.monotonic()
    tracker, notes, rounds = search_rounds(
        problem.score, [problem.bounds], (1 - _RESCORE_SHARE) * seconds, max_evaluations, rng,
        hypothesis, _RESCORED)
    best: tuple[float, float, dict[str, Any]] = (-math.inf, math.nan, {})
    for i, (cheap, x) in enumerate(tracker.best):
        if i and time.monotonic() >= start + seconds:
            break
        ratio, instance = problem.rescore(np.array(x))
        if not math.isclose(ratio, cheap, rel_tol=1e-6):
            notes.append(f"candidate {i}: search score {cheap:.6g}, re-scored {ratio:.6g}")
        if ratio > best[0]:
            best = (ratio, cheap, instance)
    notes.append(f"{rounds} optimizer rounds, {problem.pieces} pieces per target")
    name = "N" if problem.claim.startswith("wx23.result_a") else "n"
    return TightnessRow(problem.claim, "sup/bound", None, best[0], {"1": 1.0},
                        tracker.budget.count, time.monotonic() - start, best[2], best[1],
                        tuple(notes), proved="1", setting=f"{name}={problem.setting}",
                        rounding=_ROUNDING[problem.claim])


def search_wx23(claim_id: str, budget_seconds: float, rng: np.random.Generator,
                max_evaluations: int | None, hypothesis: Any) -> list[TightnessRow]:
    """Tightness rows of a WX23 claim, one per setting of :data:`WX23_SETTINGS`.

    Called by :func:`verify.tightness.search`; the budget is shared equally among the
    settings, and each setting gets its own generator drawn from ``rng``; ``hypothesis`` is
    what :func:`verify.search_engine.prepare_hypothesis` returned.

    Raises
    ------
    InvalidParameterError
        If ``claim_id`` is not one of :data:`WX23_CLAIM_IDS`, ``budget_seconds`` is not
        finite and ``> 0`` or ``rng`` is not a numpy Generator (``max_evaluations`` is checked
        by :func:`verify.search_engine.search_rounds`).
    """
    if not isinstance(claim_id, str) or claim_id not in WX23_SETTINGS:
        fail("claim_id", f"one of {WX23_CLAIM_IDS}", claim_id)
    check_real(budget_seconds, "budget_seconds", minimum=0, strict=True)
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy Generator", rng)
    settings = WX23_SETTINGS[claim_id]
    return [_run(_PROBLEMS[claim_id](setting), budget_seconds / len(settings), max_evaluations,
                 np.random.default_rng(rng.integers(2**63 - 1)), hypothesis)
            for setting in settings]
