"""A constructive Kolmogorov superposition for small ``n``: Köppen's inner function and a
Sprecher-type iteration for the outer functions (WX23 Result C, the "general F" part).

Goal (spec, Result C): for a general continuous ``F`` on ``[0,1]^n`` produce
``F(x) ≈ Σ_{q=0}^{2n} χ_q(ξ_q(x))`` with ``ξ_q(x) = Σ_p α_p ψ(x_p + q a)``. Everything here is
computed and *checked*; nothing is taken from the literature on trust.

**Inner function** (Köppen's corrected version of Sprecher's ψ). Base ``γ ≥ 2n + 2``,
``β(k) = (n^k - 1)/(n - 1)``. For ``d = Σ_{r≤k} i_r γ^{-r}`` (an integer part ``i_0`` is
allowed, so that shifted arguments above 1 are covered)::

    ψ_1(d) = d,
    ψ_k(d) = ψ_{k-1}(d - i_k γ^{-k}) + i_k γ^{-β(k)}                      (i_k < γ - 1),
    ψ_k(d) = ½ [ψ_k(d - γ^{-k}) + ψ_{k-1}(d + γ^{-k})]                   (i_k = γ - 1).

:func:`koppen_psi` computes ``ψ_K`` on the whole level-``K`` grid in exact rational arithmetic;
:func:`psi_float` evaluates ``ψ(x) ≈ ψ_K(⌊x⌋_K)`` (monotone, so the true value lies between the
two neighbouring grid values, whose difference is returned as the evaluation error).
Weights ``α_1 = 1``, ``α_p = Σ_{r≥1} γ^{-(p-1)β(r)}`` (summed until below float resolution);
shift ``a = 1/(γ(γ-1))``.

**Towns.** At level ``k`` the 1-D towns are ``[j γ^{-k}, j γ^{-k} + δ_k]`` with
``δ_k = (γ-2) γ^{-k}/(γ-1)``; the gaps between them have length ``γ^{-k}/(γ-1)``. Because
``a γ^k ≡ 1/(γ-1) (mod 1)``, the points ``x + q a`` (``q = 0 … 2n``) sit at spacing
``1/(γ-1)`` modulo ``γ^{-k}``, so at most one of them falls in a gap: every ``x`` lies in a
good cube (all coordinates in towns) for at least ``n + 1`` of the ``2n + 1`` values of ``q``
(:func:`good_counts` checks this on sample points).

**Separation.** For each ``q`` the images ``J_q(d) = [ξ_q(d), ξ_q(d + δ_k)]`` of the level-``k``
cubes must be pairwise disjoint — the property Köppen's correction is for. The upper end uses the
monotone upper estimate ``ψ(t) ≤ ψ_K(⌈t⌉_K)``; :class:`Level` records the smallest gap between
consecutive images (a negative gap would be an overlap: the construction then fails, and
:func:`level` raises).

**Outer functions** (:func:`superpose`), one refinement per iteration ``r = 1 … R`` at levels
``k_1 ≤ k_2 ≤ …``: with the residual ``f_{r-1} = F - Σ_{r'<r} Σ_q χ^{r'}_q ∘ ξ_q``::

    χ^r_q(y) = f_{r-1}(centre of cube d) / (2n + 1)   on J_q(d),  linear across the gaps.

On a good cube ``χ^r_q ∘ ξ_q`` is the constant ``f_{r-1}(centre)/(2n+1)``; on a bad one it is a
convex combination of such values. Hence, with ``g ≥ n + 1`` good ``q`` and ``osc_r`` the
oscillation of ``f_{r-1}`` on level-``k_r`` cubes,
``‖f_r‖ ≤ (2n/(2n+1)) ‖f_{r-1}‖ + osc_r``: geometric decrease down to the oscillation floor,
which only refining ``k`` lowers — at a cost of ``γ^{nk}`` cubes per ``q``.

**Outcome** (measured; re-checked by ``tests/test_kolmogorov.py``, summarized in
:data:`MEASURED`). ``n = 2``, ``γ = 6``, ψ table at ``K = 5``: good-cube count ``≥ 3 = n + 1``
and separation hold at levels 1, 2, 3 (smallest image gaps ``2.2e-3``, ``4.6e-5``, ``5.0e-8``);
one refinement per level, ``k = 1, 2, 3``, on ``[0, 1 - 2na]^2`` (5000 random points):

==========================  =========  =========  =========  =========
target                       r = 0      k = 1      k = 2      k = 3
==========================  =========  =========  =========  =========
sin 3x₁ cos 2x₂  (sup/rms)   1.0/0.51   0.46/0.12  0.31/0.061 0.20/0.030
x₁ x₂                        0.73/0.25  0.20/0.043 0.13/0.023 0.092/0.011
exp(-4|x - 0.4|²)            1.0/0.66   0.18/0.062 0.11/0.030 0.080/0.014
==========================  =========  =========  =========  =========

Repeating a level does not help (``k = 3, 3, 3``: the sup error stays at 0.33 / 0.15 / 0.15):
the residual's oscillation on the level's cubes is the floor. Level 4 (``6^8 ≈ 1.7·10^6`` cubes
per ``q``, image gaps ``≈ 6^{-31}``, below float resolution) is out of reach in float64, so the
accuracy stops at roughly 10–20 % sup / 1–3 % rms. ``n = 3``, ``γ = 8``, ``K = 4``: separation
holds at levels 1 and 2 (gap ``3.7e-9`` at level 2); ``F = (x₁+x₂+x₃)/3`` reaches sup error
0.098 after ``k = 1`` and 0.062 after ``k = 2``. What does *not* work: ψ with an integer part
(arguments ``x + qa > 1``) breaks the separation, hence the shrunken cube :func:`RADIUS`; and the
convergence proof of the published algorithm (which picks each ``k_r`` from the residual's
oscillation) is not reproduced — only the contraction estimate above.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any, NoReturn

import numpy as np

from theory.numbers import InvalidParameterError

__all__ = [
    "beta",
    "RADIUS",
    "koppen_psi",
    "PsiTable",
    "psi_table",
    "psi_float",
    "alphas",
    "Level",
    "level",
    "good_counts",
    "Superposition",
    "superpose",
    "MEASURED",
]

#: Outcome of the measurements in the module docstring (level reached in float64 per ``n``).
MEASURED = {2: {"gamma": 6, "K": 5, "levels_separated": (1, 2, 3)},
            3: {"gamma": 8, "K": 4, "levels_separated": (1, 2)}}


# ---------------------------------------------------------------------------- validation
def _fail(name: str, value: Any, expected: str) -> NoReturn:
    """The module's validation choke point: raise naming ``name`` and ``value``."""
    raise InvalidParameterError(f"{name}: expected {expected}, got {value!r}")


def _require(ok: Any, name: str, value: Any, expected: str) -> None:
    """:func:`_fail` unless ``ok``."""
    if not ok:
        _fail(name, value, expected)


def _integer(value: Any, name: str, minimum: int, what: str = "") -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) ``>= minimum``."""
    _require(isinstance(value, (int, np.integer)) and not isinstance(value, bool)
             and value >= minimum, name, value, what or f"an integer >= {minimum}")
    return int(value)


def _check_n_gamma(n: Any, gamma: Any) -> None:
    n = _integer(n, "n", 2)
    _integer(gamma, "gamma", 2 * n + 2, f"an integer base >= 2n + 2 = {2 * n + 2}")


def _points(x: Any, n: int, name: str = "x") -> np.ndarray:
    """Finite float points of shape ``(m, n)``."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        _fail(name, x, f"a real array of shape (m, {n})")
    _require(arr.ndim == 2 and arr.shape[1] == n, name, f"shape {arr.shape}",
             f"a real array of shape (m, {n})")
    _require(bool(np.all(np.isfinite(arr))), name, "a NaN or inf entry", "finite entries")
    return arr


def _table(table: Any, n: int, gamma: int) -> PsiTable:
    """A :class:`PsiTable` built for the same ``n`` and ``γ``."""
    _require(isinstance(table, PsiTable), "table", table, "a PsiTable (see psi_table)")
    _require(table.n == n and table.gamma == gamma, "table", f"a table for n={table.n}, "
             f"gamma={table.gamma}", f"a table for n={n}, gamma={gamma}")
    return table


# ---------------------------------------------------------------------------- inner function
def RADIUS(n: int, gamma: int) -> float:  # noqa: N802 (a constant of (n, γ))
    """Side ``1 - 2n a`` of the cube ``[0, 1 - 2na]^n`` on which the superposition is built:
    there every shifted argument ``x + q a`` stays in ``[0, 1]``, so ψ never sees an integer
    part (with one, ``α_2 ψ`` would exceed the digit spacing ``1/γ`` and images overlap)."""
    _check_n_gamma(n, gamma)
    return _radius(n, gamma)


def _radius(n: int, gamma: int) -> float:
    return 1.0 - 2 * n / (gamma * (gamma - 1))


def beta(n: int, k: int) -> int:
    """``β(k) = (n^k - 1)/(n - 1)`` for ``n ≥ 2`` and ``k ≥ 0``."""
    _integer(n, "n", 2)
    _integer(k, "k", 0)
    return _beta(n, k)


def _beta(n: int, k: int) -> int:
    return (n**k - 1) // (n - 1)


def koppen_psi(n: int, gamma: int, k: int, j: int) -> Fraction:
    """``ψ_k(j γ^{-k})`` exactly (``k ≥ 1``, ``j ≥ 0``; the integer part of ``j γ^{-k}`` is
    allowed)."""
    _check_n_gamma(n, gamma)
    return _psi(int(n), int(gamma), _integer(k, "k", 1), _integer(j, "j", 0))


@cache
def _psi(n: int, gamma: int, k: int, j: int) -> Fraction:
    if k == 1:
        return Fraction(j, gamma)
    i_k = j % gamma
    if i_k < gamma - 1:
        return _psi(n, gamma, k - 1, j // gamma) + Fraction(i_k, gamma ** _beta(n, k))
    return (_psi(n, gamma, k, j - 1) + _psi(n, gamma, k - 1, j // gamma + 1)) / 2


@dataclass(frozen=True)
class PsiTable:
    """``ψ_K`` on the grid ``j γ^{-K}``, ``j = 0 … J``, as floats (rounded from exact values)."""

    n: int
    gamma: int
    K: int
    values: np.ndarray

    @property
    def step(self) -> float:
        """Grid spacing ``γ^{-K}``."""
        return float(self.gamma) ** (-self.K)


def psi_table(n: int, gamma: int, K: int, upper: float = 2.0) -> PsiTable:
    """``ψ_K`` on ``[0, upper]`` (exact rationals rounded once to float; ``upper > 0``)."""
    _check_n_gamma(n, gamma)
    n, gamma, K = int(n), int(gamma), _integer(K, "K", 1)
    _require(isinstance(upper, (int, float, np.integer, np.floating))
             and not isinstance(upper, bool) and 0 < upper < math.inf, "upper", upper,
             "a finite positive real")
    J = int(math.ceil(upper * gamma**K)) + 1
    for j in range(0, J + 1, max(1, gamma ** max(K - 2, 0))):  # warm the cache bottom-up
        _psi(n, gamma, K, j)
    vals = np.array([float(_psi(n, gamma, K, j)) for j in range(J + 1)])
    return PsiTable(n, gamma, K, vals)


def psi_float(table: PsiTable, x: np.ndarray, *, upper: bool = False) -> np.ndarray:
    """``ψ_K(⌊x⌋_K)`` (or ``ψ_K(⌈x⌉_K)`` with ``upper``): monotone lower/upper estimates of ψ."""
    _require(isinstance(table, PsiTable), "table", table, "a PsiTable (see psi_table)")
    try:
        t = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        _fail("x", x, "real arguments")
    _require(bool(np.all(np.isfinite(t))), "x", "a NaN or inf entry", "finite entries")
    t = t * table.gamma**table.K
    idx = np.ceil(t - 1e-9) if upper else np.floor(t + 1e-9)
    idx = idx.astype(int)
    _require(not (np.any(idx < 0) or np.any(idx >= table.values.size)), "x",
             "an argument outside the table", f"arguments in [0, {table.values.size - 1} "
             f"γ^-{table.K}] (the range of the psi table)")
    return table.values[idx]


def alphas(n: int, gamma: int) -> np.ndarray:
    """``α_1 = 1``, ``α_p = Σ_{r≥1} γ^{-(p-1)β(r)}`` for ``p = 1 … n``."""
    _check_n_gamma(n, gamma)
    out = [1.0]
    for p in range(2, n + 1):
        total, r = 0.0, 1
        while True:
            term = float(gamma) ** (-(p - 1) * _beta(n, r))
            if term < 1e-18 * max(total, 1e-300):
                break
            total += term
            r += 1
        out.append(total)
    return np.array(out)


@dataclass(frozen=True)
class Level:
    """Cubes of one level ``k`` for every ``q``: image intervals sorted by their left ends."""

    k: int
    lower: tuple[np.ndarray, ...]  # per q: (cubes,) left ends of J_q(d)
    upper: tuple[np.ndarray, ...]
    centres: tuple[np.ndarray, ...]  # per q: (cubes, n) cube centres clipped to [0,1]
    min_gap: float


def _xi(table: PsiTable, al: np.ndarray, pts: np.ndarray, q: int, a: float,
        upper: bool = False) -> np.ndarray:
    return psi_float(table, pts + q * a, upper=upper) @ al


def _town_rise(n: int, gamma: int, k: int) -> float:
    """``ψ(d + δ_k) - ψ(d) = (γ-2) Σ_{r>k} γ^{-β(r)}`` for a level-``k`` grid point ``d``.

    Beyond digit ``k`` the town's right end has every digit ``γ - 2 < γ - 1``, so each
    recursion step is the non-averaging one and adds ``(γ-2) γ^{-β(r)}``; ψ is continuous
    (Braun–Griebel), so the limit is the value at ``d + δ_k``.
    """
    total, r = 0.0, k + 1
    while True:
        term = (gamma - 2) * float(gamma) ** (-_beta(n, r))
        if term < 1e-18 * max(total, 1e-300):
            return total
        total += term
        r += 1


def level(n: int, gamma: int, k: int, table: PsiTable) -> Level:
    """Towns, cubes and image intervals of level ``k`` (see the module docstring).

    Raises
    ------
    InvalidParameterError
        If ``k < 1``, or ``table`` is not a table of the same ``n`` and ``γ`` finer than ``k``.
    ArithmeticError
        If two image intervals of one ``q`` overlap (separation fails at this level in float).
    """
    _check_n_gamma(n, gamma)
    k = _integer(k, "k", 1)
    table = _table(table, n, gamma)
    _require(table.K > k, "table", f"level K = {table.K}", f"a table finer than k = {k}")
    a = 1.0 / (gamma * (gamma - 1))
    h = float(gamma) ** (-k)
    delta = (gamma - 2) * h / (gamma - 1)
    al = alphas(n, gamma)
    lowers, uppers, centres, gaps = [], [], [], []
    for q in range(2 * n + 1):
        starts = np.arange(0, gamma**k) * h  # first digit < γ: no integer part
        starts = starts[(starts + delta >= q * a) & (starts <= _radius(n, gamma) + q * a)]
        grids = np.meshgrid(*([starts] * n), indexing="ij")
        d = np.stack([g.reshape(-1) for g in grids], axis=1)
        lo = psi_float(table, d) @ al
        hi = (psi_float(table, d) + _town_rise(n, gamma, k)) @ al
        order = np.argsort(lo)
        lo, hi = lo[order], hi[order]
        gap = float(np.min(lo[1:] - hi[:-1])) if lo.size > 1 else math.inf
        if gap <= 0:
            raise ArithmeticError(f"level {k}: image intervals of q = {q} overlap (gap {gap})")
        gaps.append(gap)
        lowers.append(lo)
        uppers.append(hi)
        centres.append(np.clip(d[order] + delta / 2 - q * a, 0.0, _radius(n, gamma)))
    return Level(k, tuple(lowers), tuple(uppers), tuple(centres), min(gaps))


def good_counts(n: int, gamma: int, k: int, x: np.ndarray) -> np.ndarray:
    """Number of ``q`` for which every coordinate of ``x + q a`` (``x`` of shape ``(m, n)``,
    ``k ≥ 1``) lies in a level-``k`` town."""
    _check_n_gamma(n, gamma)
    k = _integer(k, "k", 1)
    x = _points(x, n)
    a = 1.0 / (gamma * (gamma - 1))
    h = float(gamma) ** (-k)
    delta = (gamma - 2) * h / (gamma - 1)
    count = np.zeros(x.shape[0], dtype=int)
    for q in range(2 * n + 1):
        frac = np.mod(x + q * a, h)
        count += np.all(frac <= delta, axis=1)
    return count


@dataclass
class Superposition:
    """``F ≈ Σ_r Σ_q χ^r_q(ξ_q(x))``; each ``χ^r_q`` is piecewise linear on its knots."""

    n: int
    gamma: int
    table: PsiTable
    knots: list[list[np.ndarray]]  # [r][q]
    values: list[list[np.ndarray]]
    levels: list[int]

    def _domain_points(self, x: Any) -> np.ndarray:
        """Finite points ``(m, n)`` of the cube ``[0, RADIUS]^n``."""
        x = _points(x, self.n)
        radius = _radius(self.n, self.gamma)
        _require(bool(np.all((x >= 0) & (x <= radius))), "x", "an entry outside the cube",
                 f"entries in [0, {radius}] (see RADIUS)")
        return x

    def inner(self, x: np.ndarray) -> np.ndarray:
        """``ξ_q(x)`` for every ``q``: ``(m, 2n+1)``."""
        x = self._domain_points(x)
        a = 1.0 / (self.gamma * (self.gamma - 1))
        al = alphas(self.n, self.gamma)
        return np.stack([_xi(self.table, al, x, q, a) for q in range(2 * self.n + 1)], axis=1)

    def __call__(self, x: np.ndarray, iterations: int | None = None) -> np.ndarray:
        """The superposition with the first ``iterations`` refinements (all by default)."""
        if iterations is not None:
            _integer(iterations, "iterations", 0)
            _require(iterations <= len(self.levels), "iterations", iterations,
                     f"at most the {len(self.levels)} refinements made")
        xi = self.inner(x)
        out = np.zeros(x.shape[0])
        for kn, vals in list(zip(self.knots, self.values))[:iterations]:
            for q in range(2 * self.n + 1):
                out += np.interp(xi[:, q], kn[q], vals[q])
        return out


def _target_values(F: Callable[[np.ndarray], np.ndarray], points: np.ndarray) -> np.ndarray:
    """``F(points)`` as finite floats of shape ``(m,)``, or an error naming ``F``."""
    values = np.asarray(F(points), dtype=float)
    _require(values.shape == (points.shape[0],), "F", f"values of shape {values.shape}",
             f"values of shape ({points.shape[0]},) for points of shape {points.shape}")
    _require(bool(np.all(np.isfinite(values))), "F", "a NaN or inf value", "finite values")
    return values


def superpose(
    F: Callable[[np.ndarray], np.ndarray], n: int, gamma: int, levels: list[int], K: int
) -> Superposition:
    """Run the iteration of the module docstring at the given levels.

    Parameters
    ----------
    F
        Target on ``[0,1]^n`` (vectorized over rows of an ``(m, n)`` array, returning ``(m,)``
        finite values).
    n, gamma
        Dimension and base (``γ ≥ 2n + 2``).
    levels
        ``k_1 ≤ k_2 ≤ …``: one refinement per entry.
    K
        Level of the ψ table (must exceed every ``k``).

    Raises
    ------
    InvalidParameterError
        On a bad ``n``, ``γ``, ``K`` or level, a non-callable ``F``, or an ``F`` whose values
        have the wrong shape or are not finite.
    """
    _check_n_gamma(n, gamma)
    _require(callable(F), "F", F, "a callable")
    K = _integer(K, "K", 2)
    _require(isinstance(levels, (list, tuple)) and len(levels) > 0
             and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool)
                     and 1 <= k < K for k in levels),
             "levels", levels, f"a non-empty list of integer levels in [1, K) = [1, {K})")
    table = psi_table(n, gamma, K)
    sup = Superposition(n, gamma, table, [], [], [])
    cache: dict[int, Level] = {}
    for k in levels:
        lv = cache.setdefault(k, level(n, gamma, k, table))
        kn_r, val_r = [], []
        for q in range(2 * n + 1):
            c = lv.centres[q]
            resid = _target_values(F, c) - (sup(c) if sup.knots else 0.0)
            v = resid / (2 * n + 1)
            kn_r.append(np.column_stack([lv.lower[q], lv.upper[q]]).reshape(-1))
            val_r.append(np.repeat(v, 2))
        sup.knots.append(kn_r)
        sup.values.append(val_r)
        sup.levels.append(k)
    return sup
