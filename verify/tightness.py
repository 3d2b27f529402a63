"""Tightness search: how close do adversarial instances come to each inequality's constant?

For an inequality claim ``quantity ≤ K · scale`` the search maximizes the *ratio*
``quantity / scale`` over the claim's instances and reports the worst ratio found next to the
constant(s) ``K``. A worst ratio close to ``K`` says the bound is tight (or nearly); a ratio
above ``K`` is a counterexample to the inequality as checked.

Supported claims (:data:`CLAIM_IDS`): the WX23 Result A and B2 bounds (searched by
:mod:`verify.tightness_wx23`, whose docstring describes them) and

* ``byjl25.thm4.2`` — BYJL25 Theorem 4.2, ``c_2 ≤ 2 c_1^{2/(l+1)}``. The ratio is
  ``c_2 / c_1^{2/(l+1)}`` (:func:`verify.adversarial.ratio_of`), per shape ``(l, m)`` of
  :data:`DEFAULT_SHAPES` and per case of :data:`THM42_CASES`: the Newton forest alone,
  Algorithm A + B with its best split, and the best construction of the claim's float tier
  (``verify.claims.byjl25_norm.FLOAT_CONSTRUCTIONS``). Each row is compared against ``2`` and
  against the forest constant ``2^{(l-1)/(l+1)}``
  (:func:`theory.norm_reduction.forest_constant`). Targets have the full width
  ``n = l(m-1)+1``.

Parametrizations (scale invariances removed). The ratio does not change when all poles are
multiplied by one complex number, nor when all residues are multiplied by one complex number
(the forest's ``β_v`` are linear in the residues; Algorithm A's path weights scale like ``c_1²``).
So ``arg λ_0 = 0`` and, for the forest cases, ``arg r_0 = 0``; residue moduli lie in
``[10^{-3}, 1]``. Algorithm A's norms depend on the numerator zeros ``ζ_j`` of
``ρ̂ = κ Π_j(w - ζ_j) / Π_i(1 - λ_i w)``, so its case searches poles and zeros (``κ = 1``)
and derives the residues ``r_i = Π_j(1/λ_i - ζ_j) / Π_{k≠i}(1 - λ_k/λ_i)``. Pole moduli lie in
``[10^{-D}, 0.999]`` and zero moduli in ``[10^{-1}, 10^{D+1}]`` (the poles of ``ρ̂`` in ``w``
are the ``1/λ_i``); the rounds of the search cycle ``D`` through the case's entry of
:data:`DECADES`: small spreads for the forest (the factor 2 of its proof needs comparable
moduli), wide ones first for Algorithm A (its residues divide by pole differences). The largest
``D`` of a case is stated in its row's notes: Algorithm A's worst ratio grows with it.

Cheap scores. The search scores candidates with vectorized float64 formulas that equal the
constructions' balanced norms (both are ``W^{1/(l+1)}``, ``W`` the largest path weight):

* forest: ``W = min_layout max_v |β_v|`` over :func:`theory.norm_reduction.forest_layouts`
  (enumerated once in modulus-rank space), ``β_v`` as in
  :func:`theory.norm_reduction.forest_betas`;
* Algorithm A: the path weights of the rank-one chain are ``κ Π_k g_k[i_k]``, so
  ``W = |κ| Π_k max_i |g_k[i]|`` with ``g_k`` the residues ``γ_{k,λ}`` of
  ``G_k = Π_{Z_k}(w-ζ)/Π_{S_k}(1-λw)`` and its constant ``d_k``, minimized over every split
  of poles and zeros that :func:`theory.depth_width.shallow_to_deep` accepts;
* best construction: the forest's score. At full width the width-one construction (``n = 1``)
  never applies, and the path weights of :func:`theory.norm_reduction.norm_aware_two_by_two`
  (``l = m = 2``) are the ``β_v`` of the monotone forest layouts with the chain ``a → λ_3``, so
  the least norm of the float tier's set is the forest's; the re-scoring below uses the whole
  set and notes any difference.

The cheap Algorithm A score ignores the realizability checks of
:func:`~theory.depth_width.shallow_to_deep` (it rejects ill-conditioned splits) and its
``max_splits`` cap, so every reported ratio is the **re-scored** value of the best candidates by
the suite's own :func:`verify.adversarial.ratio_of` (the cheap score is shown alongside).

Method, per (shape, case), with the engine of :mod:`verify.search_engine`: a hypothesis-guided
phase (``hypothesis.target`` on the ratio, seeded; skipped, and said so in the row's notes, when
hypothesis is not importable), then rounds of SciPy differential evolution and Nelder–Mead
polishes (from the round's best, the overall best and random starts) until the share of the
time budget or of ``max_evaluations`` is used. The shares are weighted by :data:`_CASE_WEIGHT`.
With ``max_evaluations`` and without the hypothesis phase the result depends only on the seed
(the time budget then only stops a run early if it runs out first); hypothesis's draws also
depend on the modules already imported.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from theory.linear import ShallowSSM
from theory.norm_reduction import forest_constant, forest_layouts
from theory.numbers import InvalidParameterError
from theory.validation import check_int, check_real, fail
from verify.adversarial import describe_target, ratio_of
from verify.claims.byjl25_norm import FLOAT_CONSTRUCTIONS
from verify.search_engine import (
    TightnessRow,
    format_tightness,
    prepare_hypothesis,
    search_rounds,
)
from verify.tightness_wx23 import WX23_CLAIM_IDS, search_wx23

__all__ = [
    "CLAIM_IDS",
    "THM42_CASES",
    "DEFAULT_SHAPES",
    "DECADES",
    "TightnessRow",
    "search",
    "format_tightness",
]

#: Claims :func:`search` supports.
CLAIM_IDS = ("byjl25.thm4.2", *WX23_CLAIM_IDS)
#: Cases of Theorem 4.2: the Newton forest alone, Algorithm A + best split, best construction.
THM42_CASES = ("forest", "algorithm_a", "best")
#: Shapes ``(l, m)`` searched for Theorem 4.2 by default.
DEFAULT_SHAPES = ((2, 2), (3, 2), (2, 3))
#: Pole-modulus ranges (decades below 0.999) cycled by the rounds of the search, per case.
DECADES = {"forest": (0.5, 1.0, 2.0, 4.0), "best": (0.5, 1.0, 2.0, 4.0),
           "algorithm_a": (3.0, 6.0, 1.0, 2.0, 4.0)}
#: Constructions of each case ("best": the float tier's set of ``byjl25.thm4.2``).
_CONSTRUCTIONS = {"forest": ("forest",), "algorithm_a": ("algorithm_a",),
                  "best": FLOAT_CONSTRUCTIONS}
#: Share of the budget of each case (Algorithm A is the costly one to re-score).
_CASE_WEIGHT = {"forest": 1.0, "algorithm_a": 2.0, "best": 1.0}
#: Fraction of a task's time kept for re-scoring its best candidates with the suite's check
#: (Algorithm A's own construction takes about a second per candidate on a loaded machine).
_RESCORE_SHARE = {"forest": 0.1, "algorithm_a": 0.25, "best": 0.1}
#: Candidates re-scored by :func:`verify.adversarial.ratio_of` per case.
_RESCORED = {"forest": 2, "algorithm_a": 4, "best": 2}
MAX_MODULUS = 0.999
_TOP = math.log10(MAX_MODULUS)
_RESIDUE_DECADES = 3.0


def _check(name: str, value: Any) -> Any:
    """The module's validation choke point: check the parameter ``name`` and return it
    normalized (``shapes`` and ``cases`` as tuples, reals as ``float``).

    Raises
    ------
    InvalidParameterError
        Naming the parameter and the bad value.
    """
    if name == "claim_id":
        if not isinstance(value, str) or value not in CLAIM_IDS:
            fail(name, f"one of {CLAIM_IDS}", value)
        return value
    if name == "budget_seconds":
        return check_real(value, name, minimum=0, strict=True)
    if name == "seed":
        return check_int(value, name, 0)
    if name == "max_evaluations":
        return None if value is None else check_int(value, name, 1)
    if name == "shapes":
        return _check_shapes(value)
    if name == "cases":
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, (list, tuple)) or not names or \
                any(not isinstance(c, str) or c not in THM42_CASES for c in names):
            fail(name, f"a non-empty sequence of names from {THM42_CASES}", value)
        return tuple(names)
    raise InvalidParameterError(f"{name}: unknown parameter")  # pragma: no cover


def _check_shapes(value: Any) -> tuple[tuple[int, int], ...]:
    """Shapes ``(l, m)`` with ``l ≥ 1``, ``2 ≤ m`` and at most 9 target poles."""
    if not isinstance(value, (list, tuple)) or not value:
        fail("shapes", "a non-empty sequence of (depth, width) pairs", value)
    out = []
    for shape in value:
        if not isinstance(shape, (list, tuple)) or len(shape) != 2:
            fail("shapes", "(depth, width) pairs", value)
        depth = check_int(shape[0], "shapes", 1)
        width = check_int(shape[1], "shapes", 2)
        if depth * (width - 1) + 1 > 9:
            fail("shapes", "shapes with l(m-1)+1 <= 9 target poles", value)
        out.append((depth, width))
    return tuple(out)


# ============================================================================ parametrizations
# Every function below takes a batch ``X`` of shape ``(S, N)`` (one candidate per row).
def _angles(v: np.ndarray) -> np.ndarray:
    """Phases ``[0, v...]`` per row (the first one fixed by the rotation invariance)."""
    return np.exp(1j * np.concatenate([np.zeros((v.shape[0], 1)), v], axis=1))


def _forest_bounds(n: int, decades: float) -> list[tuple[float, float]]:
    """``log10|λ|`` (n), ``arg λ_{1..}`` (n-1), ``log10|r|`` (n), ``arg r_{1..}`` (n-1)."""
    return ([(-decades, _TOP)] * n + [(-math.pi, math.pi)] * (n - 1)
            + [(-_RESIDUE_DECADES, 0.0)] * n + [(-math.pi, math.pi)] * (n - 1))


def _forest_target(X: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    poles = 10.0 ** X[:, :n] * _angles(X[:, n:2 * n - 1])
    res = 10.0 ** X[:, 2 * n - 1:3 * n - 1] * _angles(X[:, 3 * n - 1:])
    return poles, res


def _zeros_bounds(n: int, decades: float) -> list[tuple[float, float]]:
    """``log10|λ|`` (n), ``arg λ_{1..}`` (n-1), ``log10|ζ|`` (n-1), ``arg ζ`` (n-1)."""
    return ([(-decades, _TOP)] * n + [(-math.pi, math.pi)] * (n - 1)
            + [(-1.0, decades + 1.0)] * (n - 1) + [(-math.pi, math.pi)] * (n - 1))


def _zeros_parts(X: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    poles = 10.0 ** X[:, :n] * _angles(X[:, n:2 * n - 1])
    zeros = 10.0 ** X[:, 2 * n - 1:3 * n - 2] * np.exp(1j * X[:, 3 * n - 2:])
    return poles, zeros


def _off_diagonal_ratios(poles: np.ndarray) -> np.ndarray:
    """``1 - λ_k/λ_i`` at ``[s, i, k]``, with 1 on the diagonal."""
    den = 1.0 - poles[:, None, :] / poles[:, :, None]
    idx = np.arange(poles.shape[1])
    den[:, idx, idx] = 1.0
    return den


def _residues_from_zeros(poles: np.ndarray, zeros: np.ndarray) -> np.ndarray:
    """``r_i = Π_j(1/λ_i - ζ_j) / Π_{k≠i}(1 - λ_k/λ_i)`` (``κ = 1``)."""
    num = np.prod(1.0 / poles[:, :, None] - zeros[:, None, :], axis=2)
    return num / np.prod(_off_diagonal_ratios(poles), axis=2)


def _zeros_target(X: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    poles, zeros = _zeros_parts(X, n)
    return poles, _residues_from_zeros(poles, zeros)


# ============================================================================ cheap scores
def _ratio(log_w: np.ndarray, res: np.ndarray, depth: int) -> np.ndarray:
    """``(W / c_1²)^{1/(l+1)}`` from ``log W``, per row."""
    return np.exp((log_w - np.log(np.max(np.abs(res), axis=1))) / (depth + 1))


class _ForestScore:
    """``min_layout max_v |β_v|`` of :func:`theory.norm_reduction.best_forest_deep`, vectorized.

    The layouts of :func:`~theory.norm_reduction.forest_layouts` depend on the target only
    through the modulus order of its poles, so they are enumerated once for poles already in
    that order (ranks) and applied to ``poles[argsort(|poles|)]``. Each term
    ``r_j (λ_v/λ_j) Π_{p ancestor of v}(1 - λ_p/λ_j)`` of a ``β_v`` is one row of the tables
    below, sorted so that the terms of one ``β_v`` are consecutive (summed by ``reduceat``).
    """

    def __init__(self, depth: int, width: int) -> None:
        n = depth * (width - 1) + 1
        ranked = ShallowSSM(0.5 * (np.arange(n) + 1.0) / n, np.ones(n), np.ones(n))
        rows: list[tuple[int, int, int, list[int]]] = []
        count = 0
        for count, layout in enumerate(forest_layouts(ranked, depth, width), start=1):
            parent = layout.parent_map()
            anc = {v: self._ancestors(v, parent) for layer in layout.layers for v in layer}
            for v, chain in anc.items():
                rows += [(count - 1, v, j, chain) for j in anc if j == v or v in anc[j]]
        rows.sort(key=lambda r: (r[0], r[1]))  # the terms of one β_v are consecutive
        self.n, self.layouts = n, count
        self.v = np.array([r[1] for r in rows])
        self.j = np.array([r[2] for r in rows])
        self.anc = np.full((len(rows), max(1, depth - 1)), n)  # n: the row of ones
        for i, r in enumerate(rows):
            self.anc[i, :len(r[3])] = r[3]
        keys = np.array([r[0] * n + r[1] for r in rows])
        self.starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])

    @staticmethod
    def _ancestors(v: int, parent: dict[int, int]) -> list[int]:
        chain, p = [], parent.get(v)
        while p is not None:
            chain.append(p)
            p = parent.get(p)
        return chain

    def log_w(self, poles: np.ndarray, res: np.ndarray) -> np.ndarray:
        order = np.argsort(np.abs(poles), axis=1, kind="stable")
        p, r = np.take_along_axis(poles, order, 1), np.take_along_axis(res, order, 1)
        S = p.shape[0]
        factors = np.concatenate([1.0 - p[:, :, None] / p[:, None, :],
                                  np.ones((S, 1, self.n))], axis=1)
        term = r[:, self.j] * np.where(self.v == self.j, 1.0, p[:, self.v] / p[:, self.j])
        term = term * np.prod(factors[:, self.anc, self.j[:, None]], axis=2)
        beta = np.abs(np.add.reduceat(term, self.starts, axis=1)).reshape(S, self.layouts,
                                                                         self.n)
        return np.log(np.min(np.max(beta, axis=2), axis=1))


class _AlgorithmAScore:
    """``min_split log(|κ| Π_k max_i |g_k[i]|)`` of Algorithm A's rank-one chain (``κ = 1``).

    Splits: every assignment of the ``n`` poles to the ``l`` layers (at most ``m`` each) and of
    the ``n - 1`` zeros within :func:`theory.depth_width.root_capacity` ``min(|S_k|, m - 1)``.
    ``log|γ_i| = Σ_{ζ∈Z} log|1/λ_i - ζ| - Σ_{μ∈S, μ≠λ_i} log|1 - μ/λ_i|`` and ``|d_k| =
    Π_{S}|λ|^{-1}`` when ``|Z_k| = |S_k|`` (``0`` otherwise; ``1`` for an empty layer).
    """

    def __init__(self, depth: int, width: int) -> None:
        n = depth * (width - 1) + 1
        layers = np.arange(depth)

        def labelled(count: int) -> tuple[np.ndarray, np.ndarray]:
            """Sizes ``(A, l)`` and bit masks ``(A, l)`` of all assignments to the layers."""
            onehot = np.array(list(itertools.product(range(depth), repeat=count)))
            onehot = onehot.reshape(-1, count)[:, :, None] == layers
            return onehot.sum(axis=1), (onehot * (1 << np.arange(count))[:, None]).sum(axis=1)

        psize, pbits = labelled(n)
        keep = (psize <= width).all(axis=1)
        psize, pbits = psize[keep], pbits[keep]
        zsize, zbits = labelled(n - 1)
        ok = (zsize[None, :, :] <= np.minimum(psize, width - 1)[:, None, :]).all(axis=2)
        pi, zi = np.nonzero(ok)
        keys, splits = np.unique((pbits[pi] << (n - 1)) | zbits[zi], return_inverse=True)
        self.S = ((keys[:, None] >> (n - 1 + np.arange(n))) & 1).astype(float)
        self.Z = ((keys[:, None] >> np.arange(n - 1)) & 1).astype(float)
        size, zs = self.S.sum(axis=1), self.Z.sum(axis=1)
        self.empty, self.constant = size == 0, (zs == size) & (size > 0)
        self.splits = splits.reshape(len(pi), depth)

    def log_w(self, poles: np.ndarray, zeros: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            la = np.log(np.abs(1.0 / poles[:, :, None] - zeros[:, None, :]))
            lb = np.log(np.abs(_off_diagonal_ratios(poles)))
            lpole = np.log(np.abs(poles))
        lgam = np.einsum("gj,sij->sgi", self.Z, la) - np.einsum("gk,sik->sgi", self.S, lb)
        lgam = np.where(self.S > 0, lgam, -np.inf).max(axis=2)
        logd = np.where(self.empty, 0.0, np.where(self.constant, -(lpole @ self.S.T), -np.inf))
        layer = np.maximum(lgam, logd)
        return np.min(layer[:, self.splits].sum(axis=2), axis=1)


# ============================================================================ tasks
@dataclass
class _Task:
    """One (shape, case) search: parametrization and cheap score, both batched."""

    depth: int
    width: int
    case: str
    bounds: Callable[[float], list[tuple[float, float]]]
    target: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    score: Callable[[np.ndarray], np.ndarray]

    def shallow(self, x: np.ndarray) -> ShallowSSM:
        """The float target of one candidate (``B = r``, ``C = 1``)."""
        poles, res = self.target(np.asarray(x, dtype=float)[None, :])
        return ShallowSSM(poles[0], res[0], np.ones(poles.shape[1]))


def _distinct(poles: np.ndarray) -> np.ndarray:
    """Rows whose poles are pairwise distinct (the claim's hypothesis; optimizers may merge
    two)."""
    diff = poles[:, :, None] == poles[:, None, :]
    return diff.sum(axis=(1, 2)) == poles.shape[1]


def _make_task(depth: int, width: int, case: str) -> _Task:
    n = depth * (width - 1) + 1
    if case == "algorithm_a":
        chain = _AlgorithmAScore(depth, width)

        def score_a(X: np.ndarray) -> np.ndarray:
            poles, zeros = _zeros_parts(X, n)
            value = _ratio(chain.log_w(poles, zeros), _residues_from_zeros(poles, zeros), depth)
            return np.where(_distinct(poles), value, np.nan)

        return _Task(depth, width, case, lambda d: _zeros_bounds(n, d),
                     lambda X: _zeros_target(X, n), score_a)
    forest = _ForestScore(depth, width)

    def score_f(X: np.ndarray) -> np.ndarray:
        poles, res = _forest_target(X, n)
        return np.where(_distinct(poles), _ratio(forest.log_w(poles, res), res, depth), np.nan)

    return _Task(depth, width, case, lambda d: _forest_bounds(n, d),
                 lambda X: _forest_target(X, n), score_f)


def _rescore(task: _Task, candidates: list[tuple[float, tuple[float, ...]]],
             deadline: float) -> tuple[float, float, ShallowSSM | None, list[str]]:
    """The suite's own ratio (:func:`verify.adversarial.ratio_of`) at the best candidates
    (always at least the first; more while time remains)."""
    best: tuple[float, float, ShallowSSM | None] = (-math.inf, math.nan, None)
    notes = []
    for i, (cheap, x) in enumerate(candidates):
        if i and time.monotonic() >= deadline:
            break
        target = task.shallow(np.array(x))
        try:
            ratio, _ = ratio_of(target, task.depth, task.width, _CONSTRUCTIONS[task.case])
        except (ArithmeticError, InvalidParameterError) as exc:
            notes.append(f"re-scoring candidate {i} failed: {type(exc).__name__}")
            continue
        if not math.isclose(ratio, cheap, rel_tol=1e-6):
            notes.append(f"candidate {i}: search score {cheap:.6g}, re-scored {ratio:.6g}")
        if ratio > best[0]:
            best = (ratio, cheap, target)
    return (*best, notes)


def _run_task(task: _Task, seconds: float, max_evaluations: int | None,
              rng: np.random.Generator, hypothesis: Any) -> TightnessRow:
    """The hypothesis phase, optimizer rounds until the budget is used, then re-scoring."""
    start = time.monotonic()
    decades = DECADES[task.case]
    where = f"{task.case} ({task.depth}, {task.width})"
    try:
        tracker, notes, rounds = search_rounds(
            task.score, [task.bounds(d) for d in decades],
            (1 - _RESCORE_SHARE[task.case]) * seconds, max_evaluations, rng, hypothesis,
            _RESCORED[task.case])
    except ArithmeticError as exc:
        raise ArithmeticError(f"{exc} ({where})") from None
    ratio, cheap, target, more = _rescore(task, tracker.best, start + seconds)
    if target is None:
        raise ArithmeticError(f"tightness search {where}: re-scoring failed at every "
                              f"candidate ({'; '.join(more)})")
    widest = max(decades[:max(1, rounds)])
    notes += [f"{rounds} optimizer rounds, pole moduli down to 1e-{widest:g}", *more]
    forest = f"2^({Fraction(task.depth - 1, task.depth + 1)})"
    constants = {"2": 2.0, forest: float(forest_constant(task.depth))}
    proved = {"forest": forest, "best": "2"}.get(task.case)
    return TightnessRow("byjl25.thm4.2", task.case, (task.depth, task.width), ratio, constants,
                        tracker.budget.count, time.monotonic() - start,
                        describe_target(target), cheap, tuple(notes), proved=proved)


def search(claim_id: str, budget_seconds: float, seed: int = 0, *,
           max_evaluations: int | None = None,
           shapes: Sequence[tuple[int, int]] | None = None,
           cases: Sequence[str] | None = None,
           hypothesis_phase: bool = True) -> list[TightnessRow]:
    """Adversarially maximize the ratio of the inequality claim ``claim_id``.

    Parameters
    ----------
    claim_id
        One of :data:`CLAIM_IDS`: ``byjl25.thm4.2`` (rows per shape and case) or a WX23 claim
        of :mod:`verify.tightness_wx23` (rows per setting of its ``WX23_SETTINGS``, the budget
        shared equally).
    budget_seconds
        Wall-clock budget of the whole search (finite, ``> 0``), shared among the
        (shape, case) tasks by :data:`_CASE_WEIGHT` after the set-up (imports, enumeration of
        layouts and splits); a part of each share (:data:`_RESCORE_SHARE`) is kept for
        re-scoring the best candidates with the claim's own check (the best one is always
        re-scored, so a run may overrun by about one re-scoring per task).
    seed
        Seeds every phase (``numpy.random.default_rng(seed)``).
    max_evaluations
        Optional cap on the cheap-score evaluations *per task*; with it, a budget that does not
        run out first and ``hypothesis_phase=False``, the rows (apart from ``seconds``) depend
        only on ``seed``.
    shapes
        ``(l, m)`` pairs (default :data:`DEFAULT_SHAPES`), ``m ≥ 2``, ``l(m-1)+1 ≤ 9``; only
        for ``byjl25.thm4.2``.
    cases
        Names from :data:`THM42_CASES` (default all); only for ``byjl25.thm4.2``.
    hypothesis_phase
        Run the hypothesis-targeted phase first (when hypothesis is importable). Hypothesis
        biases its draws with constants it finds in the modules already imported, so even
        seeded, this phase's points (and then the rows) can differ between processes that
        imported different modules (measured: 1.1524 against 1.1004 at (2, 2), forest, seed 3,
        400 evaluations). Pass ``False`` for a run that must reproduce exactly.

    Returns
    -------
    list of TightnessRow
        One row per (shape, case), shapes in the given order.

    Raises
    ------
    InvalidParameterError
        On an unknown claim or a bad budget, seed, cap, shape or case (naming the parameter).
    """
    _check("claim_id", claim_id)
    budget_seconds = _check("budget_seconds", budget_seconds)
    seed, max_evaluations = _check("seed", seed), _check("max_evaluations", max_evaluations)
    if claim_id != "byjl25.thm4.2" and (shapes is not None or cases is not None):
        fail("shapes" if shapes is not None else "cases",
             f"None for {claim_id} (shapes and cases are those of byjl25.thm4.2)",
             shapes if shapes is not None else cases)
    shapes = DEFAULT_SHAPES if shapes is None else _check("shapes", shapes)
    cases = THM42_CASES if cases is None else _check("cases", cases)
    start = time.monotonic()
    rng = np.random.default_rng(seed)
    hypothesis = prepare_hypothesis(hypothesis_phase)
    if claim_id != "byjl25.thm4.2":
        return search_wx23(claim_id, max(budget_seconds - (time.monotonic() - start),
                                         budget_seconds / 2), rng, max_evaluations, hypothesis)
    tasks = [_make_task(depth, width, case) for depth, width in shapes for case in cases]
    # the set-up time counts against the budget (at least half of it is left to the tasks)
    seconds = max(budget_seconds - (time.monotonic() - start), budget_seconds / 2)
    total = sum(_CASE_WEIGHT[t.case] for t in tasks)
    return [_run_task(task, seconds * _CASE_WEIGHT[task.case] / total, max_evaluations,
                      np.random.default_rng(rng.integers(2**63 - 1)), hypothesis)
            for task in tasks]

