"""WX23 Result C, general targets: a constructive Kolmogorov superposition with a computed bound.

The targets here are continuous functions on the window ``[0, 1]^2`` that are *not* given in
Kolmogorov–Arnold form (``y₁y₂``, ``exp(y₁+y₂-2)``, products of sines, ``|y₁ - y₂ - s|``,
``max(y₁, y₂ + s)``), with declared per-coordinate Lipschitz constants. The construction
(:func:`theory.kolmogorov.certified_superpose`) is the Lorentz-type iteration on Köppen's inner
function ψ (Braun & Griebel 2009): ``F ≈ Σ_{q=0}^{4} χ_q(Σ_p α_p ψ(R y_p + q a))``, one
iteration per level, each with the proven step bound
``B_r = max_g |1 - gλ| B_{r-1} + (2n+1-g) V_r + gλ Ω_r`` (``λ = 1/(n+1)``, contraction
``θ = n/(n+1)``), where ``Ω_r`` is computed cube by cube from the Lipschitz constants and the
exact extrema of the earlier outer functions.

* ``wx23.result_c.kolmogorov_superposition`` — the computed bounds hold: at every iteration
  the certified lower estimate of the error (interval enclosures of ψ at grid and random points,
  and at the sharp point) is at most ``B_r``. Every other instance is from the sharp family (a
  plateau ``M`` on every cube centre that ``S_1`` reads at a point with exactly ``n + 1`` good
  shifts): after one step at level 3 the error there is exactly ``θ M``, the bound
  ``θ M + O(δ_3)``, margin ≈ 0.013.
* ``wx23.result_c.kolmogorov_superposition.iteration`` — **finding**: a second iteration does
  not lower the a-priori bound ``B_r`` at the levels float64 separates (checked for
  ``k₁ < k₂ ≤ 3``; ``n = 2``, ``γ = 6``): after a step at level ``k₁`` the residual oscillates
  by ``J`` on some town cube of level ``k₂`` (a certified pair of points: ψ rises steeply at the
  level-``k₁`` town ends, so the first outer function is crossed ramp by ramp), so
  ``Ω_2 ≥ J/2``; for ``(k₁, k₂) = (2, 3)`` already ``(2n+1) λ J/2 ≥ (1 - θ) B_1``, which forces
  ``B_2 ≥ B_1`` for every bound of this form. The construction itself improves slowly
  (``y₁y₂``: certified lower bounds of the sup error 0.57, 0.41, 0.33 after levels 1, 2, 3; the
  a-posteriori box bound 0.675, 0.653, 0.645). :func:`psi_rise` gives the level a contracting
  second step would need.

Margins: ``1 - error / bound`` (fraction of the bound unused) for the first claim;
``1 - B_2 / B_1`` (fraction by which the second step lowers the bound; negative: it does not)
for the finding.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from theory.kolmogorov import (
    RADIUS,
    CertifiedSuperposition,
    LipschitzTarget,
    PsiTable,
    certified_superpose,
    inner_enclosure,
    koppen_psi,
    lorentz_constants,
    psi_table,
    town_cubes,
)
from theory.validation import check_instance, check_int, check_real, fail
from verify.registry import Tier, from_catalog, register

N, GAMMA = 2, 6
#: Generic targets: name -> (F(y, params), Lipschitz constants(params), sampler of params).
TARGETS = ("product", "exp", "sin", "abs", "max")
GENERIC_LEVELS = ((1,), (2,), (1, 2), (3,))
#: Level pairs of the finding's instances, in order (the default two instances use the first).
ITERATION_LEVELS = ((1, 2), (1, 2), (1, 3), (2, 3))
SHARP_LEVEL = 3
#: Width of the slope of a sharp plateau (its Lipschitz constant is ``M / SHARP_SPREAD``).
SHARP_SPREAD = 0.8
#: Test points per coordinate of the uniform grid on which errors are enclosed.
GRID = 41
RANDOM_POINTS = 400
#: Finest level at which descriptions include the box bound (it costs ~40 s at level 3).
BOX_LEVEL = 2


# ------------------------------------------------------------------------------ validation
def _instance(p: Any) -> dict[str, Any]:
    """An instance dict of this module's samplers."""
    keys = ("target", "params", "levels", "seed")
    if not isinstance(p, dict) or any(k not in p for k in keys):
        fail("p", f"an instance dict with the keys {keys}", p)
    if p["target"] not in TARGETS + ("sharp",):
        fail("p", f"a target in {TARGETS + ('sharp',)}", p["target"])
    return p


# --------------------------------------------------------------------------------- targets
def _target_parts(name: str, params: list[float]) -> tuple[Any, tuple[float, float]]:
    """``F`` and its per-coordinate Lipschitz constants for a generic target."""
    if name == "product":
        return (lambda y: y[:, 0] * y[:, 1]), (1.0, 1.0)
    if name == "exp":
        return (lambda y: np.exp(y[:, 0] + y[:, 1] - 2.0)), (1.0, 1.0)
    if name == "sin":
        w1, w2 = params
        return (lambda y: np.sin(w1 * np.pi * y[:, 0]) * np.sin(w2 * np.pi * y[:, 1])), \
            (w1 * np.pi, w2 * np.pi)
    s = params[0]
    if name == "abs":
        return (lambda y: np.abs(y[:, 0] - y[:, 1] - s)), (1.0, 1.0)
    return (lambda y: np.maximum(y[:, 0], y[:, 1] + s)), (1.0, 1.0)


def target_of(p: dict[str, Any]) -> LipschitzTarget:
    """The target of an instance (generic, or the sharp plateau of :func:`sharp_instance`)."""
    p = _instance(p)
    if p["target"] == "sharp":
        centre, r1, r2, M = (np.array(p["params"][:2]), p["params"][2], p["params"][3],
                             p["params"][4])

        def plateau(y: np.ndarray) -> np.ndarray:
            dist = np.sum(np.abs(y - centre), axis=1)
            return M * (1 - np.clip((dist - r1) / (r2 - r1), 0.0, 1.0))

        L = M / (r2 - r1)
        return LipschitzTarget(plateau, N, (L, L), sup=M)
    F, L = _target_parts(p["target"], p["params"])
    return LipschitzTarget(F, N, L)


def _generic_instance(rng: np.random.Generator) -> dict[str, Any]:
    name = TARGETS[int(rng.integers(len(TARGETS)))]
    params = {"sin": lambda: rng.uniform(0.5, 1.5, 2).tolist(),
              "abs": lambda: [float(rng.uniform(-0.3, 0.3))],
              "max": lambda: [float(rng.uniform(-0.3, 0.3))]}.get(name, lambda: [])()
    levels = GENERIC_LEVELS[int(rng.integers(len(GENERIC_LEVELS)))]
    return {"target": name, "params": params, "levels": list(levels),
            "seed": int(rng.integers(2**31))}


def sharp_instance(rng: np.random.Generator, level: int = SHARP_LEVEL,
                   M: float = 1.0) -> dict[str, Any]:
    """A plateau target on which one step at ``level`` has error exactly ``θ M`` at a point.

    The point ``x*`` puts coordinate ``p`` in the middle of a level gap for the shift ``q_p``
    (``q_1 ≠ q_2``), so exactly ``n + 1`` shifts are good there. The target is ``M`` within
    ``ℓ¹`` distance ``r1`` of ``x*``, where ``r1`` reaches every cube centre whose value
    ``S_1(x*)`` reads (the good cubes, and the cubes between whose images a bad ``ξ_q(x*)``
    falls), and falls linearly to 0 at distance ``r1 + SHARP_SPREAD``. Then every outer value
    read is ``λ M``, ``S_1(x*) = (2n+1) λ M`` and ``|F(x*) - S_1(x*)| = n λ M = θ M``, while the
    bound is ``θ M + (2n+1) λ Ω`` with ``Ω = (M / SHARP_SPREAD) · δ_k / R``.
    """
    rng = check_instance(rng, "rng", np.random.Generator)
    level = check_int(level, "level", 1)
    M = check_real(M, "M", minimum=0, strict=True)
    cubes = [town_cubes(N, GAMMA, level, q, _table(level + 2)) for q in range(2 * N + 1)]
    a, R, h = 1 / (GAMMA * (GAMMA - 1)), RADIUS(N, GAMMA), float(GAMMA) ** -level
    while True:
        bad = rng.choice(2 * N + 1, size=N, replace=False)
        j = rng.integers(GAMMA**level, size=N)
        x = ((j + 1 - 0.5 / (GAMMA - 1)) * h - bad * a) / R  # middle of the gap after town j
        if np.all((x > 0) & (x < 1)):
            r1 = _sharp_radius(cubes, x, set(int(q) for q in bad))
            return {"target": "sharp", "params": [*x.tolist(), r1, r1 + SHARP_SPREAD, M],
                    "levels": [level], "seed": int(rng.integers(2**31))}


def _sharp_radius(cubes: list[Any], x: np.ndarray, bad: set[int]) -> float:
    """The largest ``ℓ¹`` distance from ``x`` to a cube centre that ``S_1(x)`` reads: the good
    cubes containing ``x`` and, for a bad shift, every cube whose image is next to or meets
    the enclosure of ``ξ_q(x)``."""
    r1 = 0.0
    for c in cubes:
        dist = np.sum(np.abs((c.box_lo + c.box_hi) / 2 - x), axis=1)
        if c.q in bad:
            xi_lo, xi_hi = _xi_point(c.q, x, c.k)
            i0 = max(int(np.searchsorted(c.image_hi, xi_lo)) - 1, 0)
            i1 = min(int(np.searchsorted(c.image_lo, xi_hi)) + 1, dist.size)
            r1 = max(r1, float(np.max(dist[i0:i1])))
        else:
            inside = np.all((c.box_lo <= x) & (x <= c.box_hi), axis=1)
            r1 = max(r1, float(np.max(dist[inside])))
    return r1


def _xi_point(q: int, x: np.ndarray, level: int) -> tuple[float, float]:
    """Enclosure of ``ξ_q(x)`` from the exact ψ table two levels above ``level``."""
    lo, hi = inner_enclosure(_table(level + 2), q, x[None])
    return float(lo[0]), float(hi[0])


@cache
def _table(K: int) -> PsiTable:
    """The exact ψ table of level ``K`` on ``[0, 1]`` (built once per level)."""
    return psi_table(N, GAMMA, K, upper=1.0)


def _sample(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    first = int(rng.integers(2))
    return [sharp_instance(rng) if (first + i) % 2 == 0 else _generic_instance(rng)
            for i in range(n)]


# ----------------------------------------------------------------------------------- check
def _build(p: dict[str, Any]) -> CertifiedSuperposition:
    """The certified superposition of an instance (ψ table two levels above the finest)."""
    p = _instance(p)
    return certified_superpose(target_of(p), GAMMA, p["levels"], max(p["levels"]) + 2)


def _check_points(p: dict[str, Any]) -> np.ndarray:
    """A uniform ``GRID × GRID`` grid, ``RANDOM_POINTS`` random points and, for the sharp
    family, the sharp point."""
    p = _instance(p)
    g = np.arange(GRID) / (GRID - 1)
    g[-1] = 1.0
    pts = [np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, N),
           np.random.default_rng(p["seed"]).random((RANDOM_POINTS, N))]
    if p["target"] == "sharp":
        pts.append(np.array([p["params"][:2]]))
    return np.concatenate(pts)


def _errors(sup: CertifiedSuperposition, points: np.ndarray) -> list[float]:
    """Certified lower estimates of ``sup |F - S_r|`` (``r = 0 … R``) from the points."""
    return [float(np.max(sup.error_enclosure(points, r)[0])) for r in range(len(sup.levels) + 1)]


def superposition_margin(p: dict[str, Any], *, bound_factor: float = 1.0,
                         broken: str | None = None) -> float:
    """``min_{r ≥ 1} 1 - error_r / (bound_factor · B_r)``.

    ``broken`` builds a deliberately wrong construction for the negative controls, checked
    against the honest bounds: ``"pairing"`` feeds each outer function the inner sum of the
    next shift (a broken inner function), ``"overshoot"`` multiplies every outer value by
    ``n + 1`` (``λ = 1``: the step overshoots by ``n`` times the residual and diverges).
    """
    bound_factor = check_real(bound_factor, "bound_factor", minimum=0, strict=True)
    if broken not in (None, "pairing", "overshoot"):
        fail("broken", "None, 'pairing' or 'overshoot'", broken)
    sup = _build(p)
    bounds = sup.bounds
    if broken == "pairing":
        sup.outers = [row[1:] + row[:1] for row in sup.outers]
    elif broken == "overshoot":
        sup.outers = [[o.scaled(N + 1) for o in row] for row in sup.outers]
    errs = _errors(sup, _check_points(p))
    # r = 0 is left out: B_0 = sup |F| is an input of the recursion, not a claim
    return float(min(1 - e / (bound_factor * b) for e, b in zip(errs[1:], bounds[1:])))


def _describe(p: dict[str, Any]) -> dict[str, Any]:
    """The instance with its computed bounds, ``Ω_r``, ``V_r``, errors and widths, and (for
    levels ``≤ BOX_LEVEL``) the a-posteriori box bound of the achieved error per iteration."""
    sup = _build(p)
    boxes = [sup.box_error_bound(16, r) for r in range(1, len(sup.levels) + 1)] \
        if max(sup.levels) <= BOX_LEVEL else None
    return {**p, "bounds": sup.bounds, "omegas": sup.omegas, "values_max": sup.values_max,
            "errors": _errors(sup, _check_points(p)), "box_bounds": boxes,
            "widths": sup.widths(), "min_gaps": sup.min_gaps}


def _rebuild(d: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        p = {"target": str(d["target"]), "params": [float(v) for v in d["params"]],
             "levels": [int(k) for k in d["levels"]], "seed": int(d["seed"])}
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"description: not an instance of this tier ({exc})") from exc
    return [_instance(p)]


# ------------------------------------------------------------------------- the finding
def psi_rise(k: int, n: int = N, gamma: int = GAMMA) -> Fraction:
    """A certified lower bound of ``ψ(e + γ^{-k}) - ψ(e)`` at ``e = δ_1`` (exact rationals:
    ``ψ_K`` at the level-``K = k + 3`` grid points inside ``[e, e + γ^{-k}]``)."""
    k = check_int(k, "k", 1)
    n = check_int(n, "n", 2)
    gamma = check_int(gamma, "gamma", 2 * n + 2)
    K = k + 3
    e = Fraction(gamma - 2, gamma * (gamma - 1))
    lo = -((-e * gamma**K) // 1)  # ceil: first grid index at or above e
    hi = ((e + Fraction(1, gamma**k)) * gamma**K) // 1
    return koppen_psi(n, gamma, K, int(hi)) - koppen_psi(n, gamma, K, int(lo))


def iteration_certificate(p: dict[str, Any], *, samples: int = 32,
                          candidates: int = 8) -> dict[str, Any]:
    """Why the second step does not lower the bound: a level-``k₂`` town cube on which the
    residual ``f_1 = F - S_1`` provably oscillates by ``J`` (two points inside it whose
    enclosures of ``S_1`` are ``J + Σ_p L_p w_p`` apart), so that any valid ``Ω_2 ≥ J/2`` and
    ``B_2 ≥ θ B_1 + (2n+1) λ J/2``; ``forced_term`` is that last term, ``needed`` is
    ``(1 - θ) B_1`` (``forced_term ≥ needed`` proves ``B_2 ≥ B_1`` for every bound of this
    form). The ``candidates`` cubes of each shift with the widest enclosure of ``S_1`` are
    searched on a ``samples × samples`` grid."""
    p = _two_levels(p)
    samples = check_int(samples, "samples", 2)
    candidates = check_int(candidates, "candidates", 1)
    sup = _build(p)
    lam, theta = lorentz_constants(N)
    best: dict[str, Any] = {"J": -np.inf}
    t = np.linspace(0, 1, samples)
    unit = np.stack(np.meshgrid(t, t, indexing="ij"), -1).reshape(-1, N)
    for q in range(2 * N + 1):
        cubes = town_cubes(N, GAMMA, p["levels"][1], q, _table(max(p["levels"]) + 2))
        s_min, s_max = sup.enclose(cubes.box_lo, cubes.box_hi, iterations=1)
        for i in np.argsort(s_min - s_max)[:candidates]:
            lo, hi = cubes.box_lo[i], cubes.box_hi[i]
            pts = np.clip(lo + (hi - lo) * unit, lo, hi)
            e_min, e_max = sup.enclose(pts, iterations=1)
            a, b = int(np.argmax(e_min)), int(np.argmin(e_max))
            spread = float(np.sum(np.array(sup.target.lipschitz) * (hi - lo)))
            J = float(e_min[a] - e_max[b]) - spread
            if J > best["J"]:
                best = {"J": J, "q": q, "box": [lo.tolist(), hi.tolist()],
                        "points": [pts[a].tolist(), pts[b].tolist()]}
    return {**best, "forced_term": (2 * N + 1) * lam * best["J"] / 2,
            "needed": (1 - theta) * sup.bounds[1], "omega_2": sup.omegas[1],
            "bounds": sup.bounds}


def _two_levels(p: Any) -> dict[str, Any]:
    """An instance with exactly two levels ``k₁ < k₂``."""
    p = _instance(p)
    if len(p["levels"]) != 2 or not p["levels"][0] < p["levels"][1]:
        fail("p", "an instance with two levels k1 < k2", p["levels"])
    return p


def iteration_margin(p: dict[str, Any]) -> float:
    """``1 - B_2 / B_1``: negative when the second step does not lower the bound."""
    b = _build(_two_levels(p)).bounds
    return float(1 - b[2] / b[1])


def _sample_iteration(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    return [dict(_generic_instance(rng), levels=list(ITERATION_LEVELS[i % 4]))
            for i in range(n)]


# -------------------------------------------------------------------------------- registry
SUPERPOSITION = register(from_catalog(
    "wx23.result_c.kolmogorov_superposition",
    tiers=(Tier("float64 + exact psi table", _sample, lambda ps: [superposition_margin(p)
                                                                  for p in ps],
                lambda ps, i: _describe(ps[i]), batch=2, unit="fraction",
                rebuild=_rebuild),),
    default_instances=4,
))

ITERATION = register(from_catalog(
    "wx23.result_c.kolmogorov_superposition.iteration",
    tiers=(Tier("float64 + exact psi table", _sample_iteration,
                lambda ps: [iteration_margin(p) for p in ps],
                lambda ps, i: {**_describe(ps[i]), "stall_witness": iteration_certificate(ps[i])},
                batch=2, unit="fraction", rebuild=_rebuild),),
    default_instances=2,
))
