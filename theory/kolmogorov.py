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
the residual's oscillation on the level's cubes is the floor. Level 4 still separates in float64
(``1128² ≈ 1.26·10^6`` cubes per ``q``, smallest image gap ``2.9e-14``, about 130 ulps; table
``K = 6``, about 4 s per level), level 5 (``6^{10}`` cubes per ``q``) is beyond a practical
size; the accuracy of this scheme stops at roughly 10–20 % sup / 1–3 % rms. ``n = 3``,
``γ = 8``, ``K = 4``: separation holds at levels 1 and 2 (gap ``3.7e-9`` at level 2);
``F = (x₁+x₂+x₃)/3`` reaches sup error 0.098 after ``k = 1`` and 0.062 after ``k = 2``.
What does *not* work: ψ with an integer part (arguments ``x + qa > 1``) breaks the
separation, hence the shrunken cube :func:`RADIUS`; and the convergence proof of the published
algorithm (which picks each ``k_r`` from the residual's oscillation) is not reproduced — only
the contraction estimate above.

**Certified iteration** (:func:`certified_superpose`, on the window ``y ∈ [0, 1]^n`` with
inner sums ``ξ_q(y) = Σ_p α_p ψ(R y_p + q a)``, ψ the continuous limit function evaluated by
monotone enclosures from the exact table). Lorentz's weights ``χ^r_q = λ f_{r-1}(c_D)``,
``λ = 1/(n+1)``, give the one-step contraction ``θ = n/(n+1)`` (:func:`lorentz_constants`) and
the proven bound of :func:`step_bound`; its oscillation term ``Ω_r`` is computed cube by cube
from the target's Lipschitz constants and the exact extrema of the earlier outer functions over
the range of ``ξ_q`` on the cube (ξ is increasing in every coordinate). One step at level ``k``
is certified within ``θ ‖F‖ + O(Σ_p L_p δ_k)`` and that is attained (sharp plateau targets,
``verify/claims/wx23_kolmogorov.py``). Further steps do not lower the certified bound at any
level float64 separates: ψ rises steeply at town ends (``ψ(δ_1 + 6^{-k}) - ψ(δ_1)`` halves per
level, to a factor 2 ± 1e-3: 0.065 at ``k = 2``), so the earlier outer functions are
crossed ramp by ramp inside the next level's cubes and ``Ω_2`` is a full outer-value jump (a
recorded finding).
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
    "lorentz_constants",
    "LipschitzTarget",
    "TownCubes",
    "town_cubes",
    "inner_enclosure",
    "CertifiedSuperposition",
    "step_bound",
    "certified_superpose",
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
    cache: dict[int, Level] = {}  # a level repeated in ``levels`` is built once
    for k in levels:
        if k not in cache:
            cache[k] = level(n, gamma, k, table)
        lv = cache[k]
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


# ------------------------------------------------------------ certified Lorentz-type iteration
#: Float guard (in units of the ψ-table step) that keeps table-index enclosures rigorous under
#: the rounding of ``R y + q a``.
_INDEX_GUARD = 1e-9


def lorentz_constants(n: int) -> tuple[float, float]:
    """``(λ, θ) = (1/(n+1), n/(n+1))``: the outer weight and the contraction of one step.

    With ``χ_q = λ f(c_D)`` on the image of each town cube ``D`` and at least ``n + 1`` of the
    ``2n + 1`` values of ``q`` good at every point, one step maps ``‖f‖ ≤ B`` to
    ``max_{g ∈ {n+1, 2n+1}} |1 - gλ| B + (2n+1-g) V + gλ Ω`` (see
    :func:`certified_superpose`), i.e. ``θ B + (2n+1)λ Ω`` for ``V = λ B``. ``λ = 1/(n+1)``
    minimizes ``max_g |1 - gλ| + (2n+1-g)λ``, whose value is ``θ``.
    """
    n = _integer(n, "n", 2)
    return 1.0 / (n + 1), n / (n + 1)


@dataclass(frozen=True)
class LipschitzTarget:
    """A continuous target ``F`` on ``[0, 1]^n`` with per-coordinate Lipschitz constants.

    ``|F(y) - F(z)| ≤ Σ_p L_p |y_p - z_p|`` is a *declared hypothesis* (the checks cannot
    prove it for a black-box ``F``); the bounds of :func:`certified_superpose` are proven under
    it. ``F`` maps an ``(m, n)`` array to ``(m,)`` values. ``sup``, if given, is a declared
    upper bound of ``sup |F|`` (a hypothesis too); otherwise :meth:`sup_bound` computes one.
    """

    F: Callable[[np.ndarray], np.ndarray]
    n: int
    lipschitz: tuple[float, ...]
    sup: float | None = None

    def __post_init__(self) -> None:
        _require(callable(self.F), "F", self.F, "a callable")
        n = _integer(self.n, "n", 2)
        L = _reals(self.lipschitz, "lipschitz")
        _require(L.shape == (n,) and bool(np.all(L >= 0)), "lipschitz", self.lipschitz,
                 f"{n} finite constants >= 0")
        object.__setattr__(self, "lipschitz", tuple(float(v) for v in L))
        if self.sup is not None:
            object.__setattr__(self, "sup", _nonneg(self.sup, "sup"))

    def __call__(self, y: Any) -> np.ndarray:
        """``F(y)`` for points ``y`` of shape ``(m, n)`` in ``[0, 1]^n``."""
        return _target_values(self.F, _unit_points(y, self.n))

    def box_range(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Enclosure ``[F(c) - Σ L_p w_p/2, F(c) + Σ L_p w_p/2]`` of ``F`` on boxes ``[lo, hi]``
        (``c`` the centre, ``w = hi - lo``), and the centre values; boxes are rows of
        ``(m, n)`` arrays with ``lo ≤ hi``."""
        lo, hi = _unit_points(lo, self.n, "lo"), _unit_points(hi, self.n, "hi")
        _require(lo.shape == hi.shape and bool(np.all(lo <= hi)), "hi", "boxes with hi < lo "
                 "or another shape than lo", "boxes [lo, hi] with lo <= hi")
        centre = self((lo + hi) / 2)
        spread = (hi - lo) @ np.array(self.lipschitz) / 2
        return centre - spread, centre + spread

    def sup_bound(self, m: int = 256) -> float:
        """The declared ``sup``, or ``max |F|`` on the ``m^n`` centres of a uniform box grid
        plus the Lipschitz allowance ``Σ_p L_p / (2m)``: an upper bound of ``sup |F|`` on
        ``[0, 1]^n``."""
        m = _integer(m, "m", 1)
        if self.sup is not None:
            return self.sup
        edges = _uniform_edges(m)
        lo, hi = _box_grid([edges] * self.n)
        low, high = self.box_range(lo, hi)
        return float(max(np.max(np.abs(low)), np.max(np.abs(high))))


def _reals(values: Any, name: str) -> np.ndarray:
    """``values`` as a 1-D array of finite floats."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        _fail(name, values, "finite real numbers")
    _require(arr.ndim == 1 and bool(np.all(np.isfinite(arr))), name, values,
             "a 1-D sequence of finite real numbers")
    return arr


def _unit_points(y: Any, n: int, name: str = "y") -> np.ndarray:
    """Finite points of shape ``(m, n)`` in ``[0, 1]^n``."""
    y = _points(y, n, name)
    _require(bool(np.all((y >= 0) & (y <= 1))), name, "an entry outside [0, 1]",
             "entries in [0, 1] (the target's window)")
    return y


def _uniform_edges(m: int) -> np.ndarray:
    """``0 = e_0 < … < e_m = 1``, equally spaced, the ends exact."""
    edges = np.arange(m + 1) / m
    edges[-1] = 1.0
    return edges


def _box_grid(edges: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper corners of the product boxes of per-coordinate ``edges``."""
    lows = np.meshgrid(*[e[:-1] for e in edges], indexing="ij")
    highs = np.meshgrid(*[e[1:] for e in edges], indexing="ij")
    return (np.stack([g.reshape(-1) for g in lows], axis=1),
            np.stack([g.reshape(-1) for g in highs], axis=1))


class _Outer:
    """A continuous piecewise-linear outer function: ``values[i]`` at the strictly increasing
    ``knots[i]``, constant beyond the ends, with exact extrema over intervals."""

    def __init__(self, knots: np.ndarray, values: np.ndarray) -> None:
        self.knots, self.values = knots, values
        self._max = _sparse_table(values)
        self._min = _sparse_table(-values)

    def __call__(self, y: np.ndarray) -> np.ndarray:
        return np.interp(y, self.knots, self.values)

    def scaled(self, factor: float) -> _Outer:
        """The same function times ``factor``."""
        return _Outer(self.knots, factor * self.values)

    def extrema(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``min`` and ``max`` of the function on each interval ``[a_i, b_i]`` (``a ≤ b``):
        the values at the ends and at the knots inside (a piecewise-linear function takes its
        extrema there)."""
        fa, fb = self(a), self(b)
        i0 = np.searchsorted(self.knots, a, side="left")
        i1 = np.searchsorted(self.knots, b, side="right")
        return (np.minimum(np.minimum(fa, fb), -_range_max(self._min, i0, i1)),
                np.maximum(np.maximum(fa, fb), _range_max(self._max, i0, i1)))


def _sparse_table(values: np.ndarray) -> list[np.ndarray]:
    """``table[j][i] = max(values[i : i + 2^j])`` for range-maximum queries."""
    table, width = [values], 1
    while 2 * width <= values.size:
        prev = table[-1]
        table.append(np.maximum(prev[:-width], prev[width:]))
        width *= 2
    return table


def _range_max(table: list[np.ndarray], i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """``max(values[i0:i1])`` per query (``-inf`` for an empty range)."""
    length = i1 - i0
    out = np.full(i0.shape, -np.inf)
    nonempty = length > 0
    j = np.zeros(i0.shape, dtype=int)
    j[nonempty] = np.floor(np.log2(length[nonempty])).astype(int)
    for jj in np.unique(j[nonempty]):
        sel = nonempty & (j == jj)
        row = table[jj]
        out[sel] = np.maximum(row[i0[sel]], row[i1[sel] - (1 << int(jj))])
    return out


@dataclass(frozen=True)
class TownCubes:
    """The level-``k`` town cubes of one shift ``q`` that meet the window, sorted by image.

    ``image_lo``/``image_hi`` bound ``J_q(D) = ξ_q(D)`` (exact ψ at the lower corner, plus the
    exact town rise); ``box_lo``/``box_hi`` are ``D`` ∩ window in window coordinates ``y``
    (``x = R y``); ``min_gap`` is the smallest gap between consecutive images (``> 0``).
    """

    k: int
    q: int
    image_lo: np.ndarray
    image_hi: np.ndarray
    box_lo: np.ndarray
    box_hi: np.ndarray
    min_gap: float


def town_cubes(n: int, gamma: int, k: int, q: int, table: PsiTable) -> TownCubes:
    """Town cubes of level ``k`` for the shift ``q`` (``0 ≤ q ≤ 2n``) on the window.

    The inner sum is ``ξ_q(y) = Σ_p α_p ψ(R y_p + q a)`` on ``y ∈ [0, 1]^n`` (``R`` =
    :func:`RADIUS`, so every argument stays in ``[0, 1]``); towns ``[j γ^{-k}, j γ^{-k} + δ_k]``
    for ``j = 0 … γ^k - 1``
    (the argument 1, reached only by ``q = 2n`` at ``y_p = 1``, is then that shift's one bad
    position for coordinate ``p``).

    Raises
    ------
    InvalidParameterError
        On a bad ``n``, ``γ``, ``k``, ``q``, or a table of another ``(n, γ)`` not finer than ``k``
        or not reaching the argument 1.
    ArithmeticError
        If two images overlap in float64 (the separation fails at this level).
    """
    _check_n_gamma(n, gamma)
    k = _integer(k, "k", 1)
    q = _integer(q, "q", 0)
    _require(q <= 2 * n, "q", q, f"a shift index in [0, 2n] = [0, {2 * n}]")
    table = _table(table, n, gamma)
    _require(table.K > k and table.values.size > gamma**table.K, "table",
             f"level K = {table.K} with {table.values.size} values",
             f"a table finer than k = {k} covering [0, 1] (psi_table(..., upper=1.0))")
    return _town_cubes(n, gamma, k, q, table)


def _town_cubes(n: int, gamma: int, k: int, q: int, table: PsiTable) -> TownCubes:
    a, radius = 1.0 / (gamma * (gamma - 1)), _radius(n, gamma)
    h = float(gamma) ** (-k)
    delta = (gamma - 2) * h / (gamma - 1)
    j = np.arange(gamma**k)  # a town at 1 would need ψ's integer part (images overlap)
    keep = (j * h + delta >= q * a) & (j * h <= radius + q * a)
    j = j[keep]
    lo1 = np.clip((j * h - q * a) / radius, 0.0, 1.0)
    hi1 = np.clip((j * h + delta - q * a) / radius, 0.0, 1.0)
    psi1 = table.values[j * gamma ** (table.K - k)]
    grids = np.meshgrid(*([np.arange(j.size)] * n), indexing="ij")
    idx = np.stack([g.reshape(-1) for g in grids], axis=1)
    al = alphas(n, gamma)
    image_lo = psi1[idx] @ al
    image_hi = image_lo + _town_rise(n, gamma, k) * float(np.sum(al))
    order = np.argsort(image_lo, kind="stable")
    image_lo, image_hi, idx = image_lo[order], image_hi[order], idx[order]
    gap = float(np.min(image_lo[1:] - image_hi[:-1])) if image_lo.size > 1 else math.inf
    if not gap > 0:
        raise ArithmeticError(f"level {k}: image intervals of q = {q} overlap (gap {gap})")
    return TownCubes(k, q, image_lo, image_hi, lo1[idx], hi1[idx], gap)


def inner_enclosure(table: PsiTable, q: int, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of ``ξ_q(y) = Σ_p α_p ψ(R y_p + q a)`` at points ``y`` of
    ``[0, 1]^n`` (ψ monotone: its values at the level-``K`` grid points around the argument).

    Raises
    ------
    InvalidParameterError
        On a table that does not reach the argument 1, a shift outside ``[0, 2n]`` or points
        outside the window.
    """
    _require(isinstance(table, PsiTable), "table", table, "a PsiTable (see psi_table)")
    _require(table.values.size > table.gamma**table.K, "table",
             f"{table.values.size} values", "a table covering [0, 1] (upper=1.0)")
    q = _integer(q, "q", 0)
    _require(q <= 2 * table.n, "q", q, f"a shift index in [0, 2n] = [0, {2 * table.n}]")
    y = _unit_points(y, table.n)
    return _xi_enclosure(table, q, y, False), _xi_enclosure(table, q, y, True)


def _xi_enclosure(table: PsiTable, q: int, y: np.ndarray, upper: bool) -> np.ndarray:
    """Lower (or upper) bound of ``ξ_q(y)`` from the monotone ψ: table value at the level-``K``
    grid point below (above) ``R y + q a``, guarded against the rounding of the argument and
    widened by a few ulps for the rounding of the sum."""
    n, gamma = table.n, table.gamma
    a, radius = 1.0 / (gamma * (gamma - 1)), _radius(n, gamma)
    t = (radius * y + q * a) * float(gamma) ** table.K
    idx = np.ceil(t + _INDEX_GUARD) if upper else np.floor(t - _INDEX_GUARD)
    idx = np.clip(idx, 0, table.values.size - 1).astype(int)
    al = alphas(n, gamma)
    slack = 8 * np.finfo(float).eps * float(np.sum(al))
    return table.values[idx] @ al + (slack if upper else -slack)


@dataclass
class CertifiedSuperposition:
    """``F ≈ Σ_q χ_q(ξ_q(y))`` with ``χ_q = Σ_r χ^r_q`` and a certified error per iteration.

    ``bounds[r]`` is a proven upper bound of ``sup |F - S_r|`` on ``[0, 1]^n`` (``S_r`` the
    superposition after ``r`` iterations; ``bounds[0] ≥ sup |F|``), ``omegas[r-1]`` and
    ``values_max[r-1]`` are the ``Ω_r`` and ``V_r`` of :func:`certified_superpose`;
    ``cubes[r-1]`` the number of town cubes (knots / 2) of each ``χ^r_q``, ``min_gaps[r-1]``
    the smallest image gap of that level.
    """

    target: LipschitzTarget
    gamma: int
    table: PsiTable
    levels: list[int]
    outers: list[list[_Outer]]
    bounds: list[float]
    omegas: list[float]
    values_max: list[float]
    cubes: list[tuple[int, ...]]
    min_gaps: list[float]

    @property
    def n(self) -> int:
        """Dimension of the window."""
        return self.target.n

    def _iterations(self, iterations: Any) -> int:
        if iterations is None:
            return len(self.levels)
        iterations = _integer(iterations, "iterations", 0)
        _require(iterations <= len(self.levels), "iterations", iterations,
                 f"at most the {len(self.levels)} iterations made")
        return iterations

    def enclose(self, lo: Any, hi: Any = None, iterations: int | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of ``S_r`` on the boxes ``[lo, hi]`` (on the points ``lo``
        when ``hi`` is ``None``): ``ξ_q`` is increasing in every coordinate, so its range on a
        box lies between its enclosures at the two corners, and each ``χ^r_q`` contributes its
        exact extrema over that interval."""
        lo = _unit_points(lo, self.n, "lo")
        hi = lo if hi is None else _unit_points(hi, self.n, "hi")
        _require(lo.shape == hi.shape and bool(np.all(lo <= hi)), "hi", "boxes with hi < lo "
                 "or another shape than lo", "boxes [lo, hi] with lo <= hi")
        return self._enclose(lo, hi, self._iterations(iterations))

    def _enclose(self, lo: np.ndarray, hi: np.ndarray, iterations: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        s_min, s_max = np.zeros(lo.shape[0]), np.zeros(lo.shape[0])
        if iterations == 0:
            return s_min, s_max
        ends = [(_xi_enclosure(self.table, q, lo, False), _xi_enclosure(self.table, q, hi, True))
                for q in range(2 * self.n + 1)]
        for row in self.outers[:iterations]:
            for q, chi in enumerate(row):
                mn, mx = chi.extrema(*ends[q])
                s_min += mn
                s_max += mx
        return s_min, s_max

    def error_enclosure(self, y: Any, iterations: int | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of ``|F(y) - S_r(y)|`` at the points ``y``."""
        y = _unit_points(y, self.n)
        s_min, s_max = self._enclose(y, y, self._iterations(iterations))
        f = self.target(y)
        return np.maximum(np.maximum(f - s_max, s_min - f), 0.0), \
            np.maximum(np.abs(f - s_min), np.abs(f - s_max))

    def box_error_bound(self, m: int, iterations: int | None = None, *,
                        aligned: bool = True, chunk: int = 1 << 17) -> float:
        """A rigorous upper bound of ``sup |F - S_r|`` on ``[0, 1]^n`` from boxes: per
        coordinate a uniform grid of ``m`` cells, refined (``aligned``) at every town end of
        every shift and iteration used, so that on each box every good ``χ^r_q ∘ ξ_q`` is one
        constant; on each box ``|F - S| ≤ max(F_max - S_min, S_max - F_min)``."""
        m = _integer(m, "m", 1)
        r = self._iterations(iterations)
        chunk = _integer(chunk, "chunk", 1)
        _require(isinstance(aligned, bool), "aligned", aligned, "True or False")
        edges = _uniform_edges(m)
        if aligned:
            ends = [edges]
            for k in sorted(set(self.levels[:r])):
                for q in range(2 * self.n + 1):
                    c = _town_cubes(self.n, self.gamma, k, q, self.table)
                    ends += [c.box_lo[:, 0], c.box_hi[:, 0]]
            edges = np.unique(np.clip(np.concatenate(ends), 0.0, 1.0))
        worst = 0.0
        rows = max(1, chunk // max(1, (edges.size - 1) ** (self.n - 1)))
        for start in range(0, edges.size - 1, rows):
            first = edges[start:start + rows + 1]
            lo, hi = _box_grid([first] + [edges] * (self.n - 1))
            f_min, f_max = self.target.box_range(lo, hi)
            s_min, s_max = self._enclose(lo, hi, r)
            worst = max(worst, float(np.max(np.maximum(f_max - s_min, s_max - f_min))))
        return worst

    def widths(self) -> list[dict[str, int]]:
        """Per iteration: the level, town cubes per shift (the largest over ``q``), knots of
        each new ``χ^r_q``, accumulated knots of ``χ_q = Σ_r χ^r_q`` (the largest over ``q``),
        and the counts of outer (``2n + 1``) and inner (``n (2n + 1)`` = ψ(R y_p + q a))
        functions."""
        out, total = [], np.zeros(2 * self.n + 1, dtype=int)
        for k, cubes in zip(self.levels, self.cubes):
            total += 2 * np.array(cubes)
            out.append({"level": k, "cubes_per_q": max(cubes), "knots_new": 2 * max(cubes),
                        "knots_total": int(total.max()), "outer": 2 * self.n + 1,
                        "inner": self.n * (2 * self.n + 1)})
        return out


def step_bound(n: int, previous: float, omega: float, values_max: float) -> float:
    """The one-step bound ``max_{g ∈ {n+1, 2n+1}} |1 - gλ| B + (2n+1-g) V + gλ Ω``.

    At every point at least ``g ≥ n + 1`` shifts are good (each coordinate has at most one
    shift in a gap); a good shift contributes ``λ f(c_D)`` with ``|f(y) - f(c_D)|``-type error
    ``≤ Ω``, a bad one a convex combination of outer values, ``≤ V``; the expression is linear
    in ``g``, so its maximum is at an end.
    """
    n = _integer(n, "n", 2)
    previous = _nonneg(previous, "previous")
    omega = _nonneg(omega, "omega")
    values_max = _nonneg(values_max, "values_max")
    lam, _ = lorentz_constants(n)
    return max(abs(1 - g * lam) * previous + (2 * n + 1 - g) * values_max + g * lam * omega
               for g in (n + 1, 2 * n + 1))


def _nonneg(value: Any, name: str) -> float:
    """``value`` as a finite float ``≥ 0``."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    _require(ok and math.isfinite(float(value)) and float(value) >= 0, name, value,
             "a finite real number >= 0")
    return float(value)


def certified_superpose(target: LipschitzTarget, gamma: int, levels: Any, K: int
                        ) -> CertifiedSuperposition:
    """Lorentz-type iteration on Köppen's inner function with a computed error bound.

    Iteration ``r`` at level ``k_r`` sets, for every shift ``q`` and every town cube ``D`` of
    level ``k_r`` (:func:`town_cubes`), ``χ^r_q = v_D := λ (F(c_D) - Ŝ_D)`` on the image
    ``J_q(D)``, linear across the gaps and constant beyond the ends, where ``c_D`` is the
    centre of ``D`` ∩ window and ``Ŝ_D`` the midpoint of the enclosure ``[S_min, S_max]`` of
    the previous superposition ``S_{r-1}`` on ``D`` (:meth:`CertifiedSuperposition.enclose`).
    Then ``|f_{r-1}(y) - v_D/λ| ≤ Ω_r := max_D (Σ_p L_p w_p/2 + (S_max - S_min)/2)`` for
    ``y ∈ D``, ``V_r := max_D |v_D|``, and :func:`step_bound` gives
    ``sup |F - S_r| ≤ B_r``. Everything in ``Ω_r`` is computed, cube by cube: the target's
    Lipschitz constants and the exact extrema of the earlier outer functions over the ranges
    of ``ξ_q`` on ``D``. This is the scheme of Lorentz's proof (G. G. Lorentz,
    *Approximation of Functions*, 1966, ch. 11) with Köppen's ψ (Braun & Griebel 2009); the
    bound is the suite's own.

    Parameters
    ----------
    target
        The target and its Lipschitz constants.
    gamma
        Base ``γ ≥ 2n + 2``.
    levels
        Levels ``k_r ≥ 1``, one iteration each (any order; repeats allowed).
    K
        Level of the exact ψ table (``K > max k_r``).

    Raises
    ------
    InvalidParameterError
        On a bad argument.
    ArithmeticError
        If the images of some level overlap in float64.
    """
    _require(isinstance(target, LipschitzTarget), "target", target, "a LipschitzTarget")
    n = target.n
    _check_n_gamma(n, gamma)
    K = _integer(K, "K", 2)
    _require(isinstance(levels, (list, tuple)) and len(levels) > 0
             and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool)
                     and 1 <= k < K for k in levels),
             "levels", levels, f"a non-empty list of integer levels in [1, K) = [1, {K})")
    table = psi_table(n, gamma, K, upper=1.0)
    lam, _ = lorentz_constants(n)
    sup = CertifiedSuperposition(target, int(gamma), table, [], [], [target.sup_bound()], [],
                                 [], [], [])
    for k in levels:
        row, omega, vmax, counts, gaps = [], 0.0, 0.0, [], []
        for q in range(2 * n + 1):
            cubes = _town_cubes(n, int(gamma), int(k), q, table)
            f_min, f_max = target.box_range(cubes.box_lo, cubes.box_hi)
            s_min, s_max = sup._enclose(cubes.box_lo, cubes.box_hi, len(sup.levels))
            v = lam * ((f_min + f_max) / 2 - (s_min + s_max) / 2)
            omega = max(omega, float(np.max((f_max - f_min) / 2 + (s_max - s_min) / 2)))
            vmax = max(vmax, float(np.max(np.abs(v))))
            knots = np.column_stack([cubes.image_lo, cubes.image_hi]).reshape(-1)
            row.append(_Outer(knots, np.repeat(v, 2)))
            counts.append(int(v.size))
            gaps.append(cubes.min_gap)
        sup.outers.append(row)
        sup.levels.append(int(k))
        sup.bounds.append(step_bound(n, sup.bounds[-1], omega, vmax))
        sup.omegas.append(omega)
        sup.values_max.append(vmax)
        sup.cubes.append(tuple(counts))
        sup.min_gaps.append(min(gaps))
    return sup
