"""BYJL25 Theorem 4.2 (small-norm deep realizations), Algorithm B, and minimal depth.

Claims:

* ``byjl25.algB`` [rebuilt] — over the diagonal gauge group the least max-modulus norm of a
  realization is ``W^{1/(l+1)}``, ``W`` the largest path weight, and Algorithm B reaches it
  without changing the kernel. Float tier: norm equality, kernel invariance, agreement with a
  linear program over the log-scales. Exact tier: the exact certificate of
  :func:`theory.norm_reduction.balanced_moduli_squared`, plus the mpmath balanced model.
* ``byjl25.thm4.2`` [summary] — a shallow target of width ``n ≤ l(m-1)+1`` and norm ``c_1``
  has a depth-``l`` width-``m`` realization of norm ``≤ 2 c_1^{2/(l+1)}``. Margin: the least
  of ``1 - ratio/2`` (``ratio = c_2 / c_1^{2/(l+1)}``) and of the Newton forest's margin
  against its own constant ``2^{(l-1)/(l+1)}`` (tight at ``l = 2``). Exact tier: the Newton
  forest on Gaussian-rational targets (exact kernel, exact path weights). Float tier: the best
  construction of the project on random, clustered and decade-spread targets.
* Certified tiers (★, :mod:`verify.balls`) of ``byjl25.algB`` and ``byjl25.thm4.2`` take the
  float models as exact binary numbers and evaluate the margins in ball arithmetic: path
  weights, max-modulus norms, ``c_1² = max |r_i|``, the roots ``^{1/(l+1)}``, the constants
  ``2`` and ``2^{(l-1)/(l+1)}`` and the kernels (:func:`algb_certified_margin`,
  :func:`thm42_certified_margin`). A float model realizes its target only up to rounding, so
  the kernel agreement is certified against the float tier's tolerance.
* ``byjl25.thm4.2.width1`` [rebuilt] — for one-pole targets the width-one construction has
  norm exactly ``c_1^{2/(l+1)}`` and no width-one realization does better.
* ``byjl25.thm4.2.algorithm_a`` [finding] — Algorithm A + B with the best split misses the
  constant 2 on a recorded decade-spread target (ratio 2.2976 at ``(2, 2)``), while the
  Newton forest meets its proven constant on the same target.
* ``byjl25.thm4.3.bracket`` [rebuilt; existence of the minimal depth: paper] —
  ``lower ≤ constructive ≤ forest bound ≤ formula`` for the minimal depth under a budget. The
  constructive search starts at the least depth the target fits, not at the lower bound, so
  every depth below the lower bound is tried and must miss the budget.
"""

from __future__ import annotations

import functools
import math
import operator
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.linear import DeepSSM, ShallowSSM
from theory.min_depth import (
    constructive_depth,
    depth_lower_bound,
    depth_upper_bound,
    forest_depth_bound,
)
from theory.norm_reduction import (
    LP_TOLERANCE,
    algorithm_a_best_split,
    balance,
    balanced_moduli_squared,
    best_forest_deep,
    forest_constant,
    forest_deep,
    gauge_lp_log_norm,
    gauge_transform,
    is_zero_in_kind,
    kernel_agreement,
    max_path_weight,
    norm_ratio,
    shallow_norm_squared,
    small_norm_deep_report,
    width_one_deep,
)
from theory.numbers import InvalidParameterError, NumberKind, abs_squared, convert, tolerance
from theory.validation import check_instance, check_int, check_real, fail
from verify import balls
from verify.adversarial import describe_target
from verify.certificates import (
    certificate,
    complex_array,
    deep_from_json,
    deep_json,
    rational,
    shallow_from_json,
    shallow_json,
)
from verify.registry import Tier, from_catalog, log_margin, register
from verify.sampling import (
    gaussian_rational,
    random_deep_batch,
    random_deep_exact,
    stable_spectrum,
)

MPMATH_DPS = 30
#: Shapes (l, m) of the Theorem 4.2 checks.
SHAPES = ((1, 2), (2, 1), (2, 2), (3, 2), (2, 3), (4, 2), (3, 3))
TARGET_STYLES = ("disk", "clustered", "decades", "tiny", "near_unit")
#: Constructions of the float tier (Algorithm A and the optimizer are left out for time; they
#: can only lower the ratio, see the notes).
FLOAT_CONSTRUCTIONS = ("width_one", "norm_aware_2x2", "forest")


#: Instances of the certified tiers at most (ball arithmetic: see the report's seconds).
ALGB_CERTIFIED_INSTANCES = 30
THM42_CERTIFIED_INSTANCES = 16

#: Keys of a recorded witness of :func:`algorithm_a_margin`.
WITNESS_KEYS = ("depth", "width", "poles", "residues")


def _check(name: str, value: Any) -> Any:
    """The module's validation choke point: check the parameter ``name`` of a public function
    and return it (ints as ``int``; real bounds in their own number kind, so exact bounds stay
    exact). Arguments handed on unchanged to :mod:`theory.norm_reduction` are checked there.

    Raises
    ------
    InvalidParameterError
        Naming the parameter and the bad value (:mod:`theory.validation`).
    """
    if name in ("depth", "width", "n"):
        return check_int(value, name, 1)
    if name == "k":  # k = 1 would put two chain poles on the spare poles ±i/2
        return check_int(value, name, 2)
    if name == "rng_seed":
        return check_int(value, name, 0)
    if name == "rng":
        return check_instance(value, name, np.random.Generator)
    if name == "target":
        return check_instance(value, name, ShallowSSM, "a ShallowSSM target")
    if name == "forest_bound" and value is None:  # the forest's own constant
        return None
    if name in ("constant", "forest_bound"):
        return check_real(value, name, minimum=0, strict=True, exact=True)
    if name in ("balancer", "construction"):
        if not callable(value):
            fail(name, "a callable taking the model (balancer) or (target, depth)", value)
        return value
    if name == "witness":
        if not isinstance(value, dict) or any(key not in value for key in WITNESS_KEYS):
            fail(name, f"a dict with the keys {WITNESS_KEYS}", value)
        return value
    raise InvalidParameterError(f"{name}: unknown parameter")  # pragma: no cover


def _exact_zero(x: Any) -> bool:
    return is_zero_in_kind(x, NumberKind.EXACT)


def _exact_at_most(a: Any, b: Any) -> bool:
    """``a ≤ b`` for exact reals, ties decided exactly (never by ``expand(a - b) == 0``)."""
    a, b = sympy.sympify(a), sympy.sympify(b)
    return _exact_zero(a - b) or bool(a < b)


# ============================================================================ Algorithm B
def _sparsify(rng: np.random.Generator, model: DeepSSM) -> DeepSSM:
    """Zero about a quarter of the entries so that pruning is exercised."""
    def cut(a: np.ndarray) -> np.ndarray:
        out = a.copy()
        out[rng.uniform(size=a.shape) < 0.25] = 0
        return out

    return DeepSSM(model.eigenvalues, [cut(b) for b in model.B], cut(model.C))


def _sample_algb_float(rng: np.random.Generator, n: int) -> list[DeepSSM]:
    out = []
    for _ in range(n):
        depth, width = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        model = random_deep_batch(rng, 1, depth, width).model(0)
        out.append(_sparsify(rng, model) if rng.uniform() < 0.5 else model)
    return out


def _kernel_error(a: DeepSSM, b: DeepSSM) -> tuple[float, float]:
    """Relative kernel difference of two float models (scale: the entrywise-absolute model)."""
    T = 2 * a.depth * a.width + 1
    absolute = DeepSSM(np.abs(a.eigenvalues), [np.abs(x) for x in a.B], np.abs(a.C))
    scale = absolute.kernel(T).real
    diff = np.abs(a.kernel(T) - b.kernel(T))
    if np.any((scale == 0) & (diff != 0)):
        return math.inf, float(tolerance(NumberKind.FLOAT))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1), 0)
    return float(rel.max()), float(tolerance(NumberKind.FLOAT, a.depth + 1))


def algb_float_margin(model: DeepSSM, balancer: Any = balance) -> float:
    """Decades of margin of Algorithm B on ``model`` (float64): the least of the margins of
    the norm equality ``‖balance‖ = W^{1/(l+1)}``, the kernel invariance, and the agreement of
    ``log ‖balance‖`` with the LP optimum (tolerance ``(l+1)·LP_TOLERANCE``)."""
    balancer = _check("balancer", balancer)
    W = float(max_path_weight(model))
    bal = balancer(model)
    norm = float(bal.norm())
    if W == 0:
        return math.inf if norm == 0 else -math.inf
    target = W ** (1.0 / (model.depth + 1))
    m_norm = log_margin(abs(norm - target) / target,
                        float(tolerance(NumberKind.FLOAT, model.depth + 1)))
    m_kernel = log_margin(*_kernel_error(model, bal))
    lp = gauge_lp_log_norm(model)
    m_lp = log_margin(abs(math.log(norm) - lp), (model.depth + 1) * LP_TOLERANCE)
    return min(m_norm, m_kernel, m_lp)


def _describe_model(models: list[DeepSSM], i: int) -> dict[str, Any]:
    """The model (float entries as round-trip decimals); an exact model also in the canonical
    format (``"exact"``), so that :func:`_rebuild_model` gets the same numbers back."""
    m = models[i]
    fmt = np.vectorize(lambda x: repr(complex(x)) if not isinstance(x, sympy.Basic) else str(x),
                       otypes=[object])
    out = {"eigenvalues": fmt(m.eigenvalues).tolist(), "B": [fmt(b).tolist() for b in m.B],
           "C": fmt(m.C).tolist()}
    return {**out, "exact": deep_json(m)} if m.kind is NumberKind.EXACT else out


def _rebuild_model(description: dict[str, Any]) -> list[DeepSSM]:
    """The instance of :func:`_describe_model` (float models are complex, as sampled)."""
    d = description
    if "exact" in d:
        return [deep_from_json(d["exact"])]
    return [DeepSSM(complex_array(d["eigenvalues"], "eigenvalues"),
                    [complex_array(b, "B") for b in d["B"]], complex_array(d["C"], "C"))]


def _sample_algb_exact(rng: np.random.Generator, n: int) -> list[DeepSSM]:
    out = []
    for _ in range(n):
        model = random_deep_exact(rng, int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        out.append(_sparsify(rng, model) if rng.uniform() < 0.5 else model)
    return out


def _max_product(cert: list[np.ndarray]) -> Any:
    """Largest product of certificate values along an input→output path (exact)."""
    def largest(values: list[Any]) -> Any:
        best = sympy.Integer(0)
        for v in values:
            if not _exact_at_most(v, best):
                best = v
        return best

    f = list(cert[0])
    for mat in cert[1:-1]:
        f = [largest([mat[i, j] * f[j] for j in range(len(f))]) for i in range(mat.shape[0])]
    return largest([c * x for c, x in zip(cert[-1], f)])


def algb_exact_margin(model: DeepSSM) -> float:
    """``-inf`` if the exact certificate fails (some normalized squared modulus ``> 1``, or no
    path with all of them equal to 1 while ``W > 0``); otherwise the decades of margin of the
    mpmath balanced model (norm ``= W^{1/(l+1)}`` and the exact kernel)."""
    cert = balanced_moduli_squared(model)
    W = max_path_weight(model)
    if not all(_exact_at_most(x, 1) for arr in cert for x in arr.flat):
        return -math.inf
    if not _exact_zero(W) and not _exact_zero(_max_product(cert) - 1):
        return -math.inf
    with mpmath.workdps(MPMATH_DPS):
        bal = balance(model)
        target = mpmath.mpf(str(sympy.N(W, MPMATH_DPS + 5))) ** (mpmath.mpf(1) /
                                                                   (model.depth + 1))
        err = abs(bal.norm() - target) / (target if target != 0 else 1)
        tol = float(tolerance(NumberKind.MPMATH, model.depth + 1))
        m_norm = log_margin(float(err), tol)
        T = 2 * model.depth * model.width + 1
        exact = convert(model.kernel(T), NumberKind.MPMATH)
        got = bal.kernel(T)
        scale = max([mpmath.mpf(1)] + [mpmath.fabs(x) for x in exact])
        diff = max((mpmath.fabs(g - e) for g, e in zip(got, exact)), default=mpmath.mpf(0))
        m_kernel = log_margin(float(diff / scale), float(tolerance(NumberKind.MPMATH, T)))
    return min(m_norm, m_kernel)


def algb_certified_margin(model: DeepSSM, balancer: Any = balance) -> float:
    """Certified decades of margin of Algorithm B on a float ``model`` (the certified tier ★):
    the least of the margins of ``|‖balance‖ - W^{1/(l+1)}| / W^{1/(l+1)}`` against
    ``tolerance(float, l+1)`` and of the kernel invariance (relative to the kernel of the
    entrywise-absolute models, as the float tier) against the same tolerance, each the lower
    end of a ball (:func:`verify.balls.log10_ratio`) computed from the exact float entries of
    ``model`` and of the balanced model. ``W = 0``: ``inf`` if the balanced norm is exactly 0.
    The LP comparison of the float tier is left out (the LP optimum is not a rigorous number).
    """
    balancer = _check("balancer", balancer)
    bal = balancer(model)
    depth = model.depth
    tol = float(tolerance(NumberKind.FLOAT, depth + 1))

    def evaluate() -> float:
        with balls.precision():
            W, norm = _ball_path_weight(model), _ball_norm(bal)
            if balls.upper(W) == 0:
                return math.inf if balls.upper(norm) == 0 else -math.inf
            target = balls.power(W, sympy.Rational(1, depth + 1))
            err = balls.absolute(norm - target) / target
            m_norm = balls.lower(balls.log10_ratio(tol, err))
            T = 2 * depth * model.width + 1
            gap = _ball_relative_gap(model, bal, T)
            return min(m_norm, balls.lower(balls.log10_ratio(tol, gap)))

    return balls.decide(evaluate)


ALG_B = register(from_catalog(
    "byjl25.algB",
    tiers=(
        Tier("exact (sympy) + mpmath dps=30", _sample_algb_exact,
             lambda ms: [algb_exact_margin(m) for m in ms], _describe_model, batch=10,
             max_instances=25, unit="decades", rebuild=_rebuild_model),
        Tier("float64 (+ HiGHS LP)", _sample_algb_float,
             lambda ms: [algb_float_margin(m) for m in ms], _describe_model, batch=100,
             unit="decades", rebuild=_rebuild_model),
        Tier(balls.tier_name(), _sample_algb_float,
             lambda ms: [algb_certified_margin(m) for m in ms], _describe_model, batch=20,
             max_instances=ALGB_CERTIFIED_INSTANCES, unit="decades", rebuild=_rebuild_model,
             certified=True),
    ),
    default_instances=300,
))


# ============================================================ ball evaluation (certified)
def _ball_entries(model: DeepSSM) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """The model's eigenvalues, ``B`` matrices and ``C`` as :class:`verify.balls.CBall` arrays
    (exact conversion; ``B_1`` and ``C`` as columns of length ``m``)."""
    return (balls.balls(model.eigenvalues, True),
            [balls.balls(np.reshape(b, (model.width, -1)), True) for b in model.B],
            balls.balls(model.C, True))


def _ball_path_weight(model: DeepSSM) -> Any:
    """Ball of ``W = max_π |ω_π|`` (max-product dynamic programme on moduli balls)."""
    _, B, C = _ball_entries(model)
    mods = [np.vectorize(balls.absolute, otypes=[object])(b) for b in B]
    f = list(mods[0][:, 0])
    for mat in mods[1:]:
        f = [_ball_max([mat[i, j] * f[j] for j in range(len(f))]) for i in range(mat.shape[0])]
    return _ball_max([balls.absolute(c) * x for c, x in zip(C, f)])


def _ball_max(values: list[Any]) -> Any:
    out = values[0]
    for v in values[1:]:
        out = balls.maximum(out, v)
    return out


def _ball_norm(model: DeepSSM) -> Any:
    """Ball of the max-modulus norm (entries of ``B_1..B_l`` and ``C``)."""
    _, B, C = _ball_entries(model)
    return _ball_max([balls.absolute(x) for arr in [*B, C] for x in np.ravel(arr)])


def _ball_kernels(model: DeepSSM, T: int) -> tuple[list[Any], list[Any]]:
    """Balls of the kernel ``ρ(0..T-1)`` (recurrence of BYJL25 Eq. 1 on a unit impulse) and of
    the kernel of the entrywise-absolute model (real balls)."""
    lam, B, C = _ball_entries(model)
    modulus = np.vectorize(balls.absolute, otypes=[object])
    out = []
    for arrays in ((lam, B, C), (modulus(lam), [modulus(b) for b in B], modulus(C))):
        lam_, B_, C_ = arrays
        h = [np.array([balls.ball(0)] * model.width, dtype=object) for _ in range(model.depth)]
        seq = []
        for t in range(T):
            h[0] = lam_[0] * h[0] + B_[0][:, 0] if t == 0 else lam_[0] * h[0]
            for k in range(1, model.depth):
                h[k] = lam_[k] * h[k] + balls.matvec(B_[k], h[k - 1])
            seq.append(functools.reduce(operator.add, (c * x for c, x in zip(C_, h[-1]))))
        out.append(seq)
    return out[0], out[1]


def _ball_relative_gap(a: DeepSSM, b: DeepSSM, T: int) -> Any:
    """Ball of ``max_s |ρ_a(s) - ρ_b(s)| / scale(s)``, ``scale`` the sum of the absolute
    kernels of both models (as :func:`theory.norm_reduction.kernel_agreement`); the unbounded
    ball when a scale may vanish where the kernels may differ."""
    (ka, sa), (kb, sb) = _ball_kernels(a, T), _ball_kernels(b, T)
    worst = balls.ball(0)
    for x, y, u, v in zip(ka, kb, sa, sb):
        d, scale = balls.absolute(balls.cball(x) - y), u + v
        if balls.upper(d) == 0:
            continue
        if not balls.lower(scale) > 0:
            return balls.unbounded()
        worst = balls.maximum(worst, d / scale)
    return worst


def _certified_kernel_ok(deep: DeepSSM, target: DeepSSM, tol: float) -> bool:
    """Whether the relative kernel gap on ``2(lm + n) + 1`` terms is certainly ``≤ tol``."""
    T = 2 * (deep.depth * deep.width + target.depth * target.width) + 1
    return balls.upper(_ball_relative_gap(deep, target, T)) <= tol


# ============================================================================ Theorem 4.2
def random_target(rng: np.random.Generator, n: int, style: str) -> ShallowSSM:
    """A float target of ``n`` distinct poles in ``style`` (:data:`TARGET_STYLES`; ``decades``:
    moduli log-uniform in ``[1e-4, 0.999)``) with complex normal residues of a random scale
    ``10^u``, ``u ∈ [-2, 4]``."""
    rng, n = _check("rng", rng), _check("n", n)
    if style == "decades":
        poles = 10.0 ** rng.uniform(-4, math.log10(0.999), n) * \
            np.exp(1j * rng.uniform(-np.pi, np.pi, n))
    else:
        poles = stable_spectrum(rng, (n,), style)
    res = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) * 10.0 ** rng.uniform(-2, 4)
    return ShallowSSM(poles, res, np.ones(n))


def _sample_thm42_float(rng: np.random.Generator, n: int) -> list[tuple[ShallowSSM, int, int]]:
    out = []
    for _ in range(n):
        depth, width = SHAPES[int(rng.integers(len(SHAPES)))]
        size = int(rng.integers(1, depth * (width - 1) + 2))
        style = TARGET_STYLES[int(rng.integers(len(TARGET_STYLES)))]
        target = random_target(rng, size, style)
        if len({complex(p) for p in target.poles}) == size:
            out.append((target, depth, width))
        else:  # a repeated draw (zeros style): replace by a disk target
            out.append((random_target(rng, size, "disk"), depth, width))
    return out


def _forest_margin(forest_ratio: float | None, depth: int,
                   forest_bound: float | None = None) -> float:
    """``1 - ratio / (K (1 + δ))`` for the forest, ``K = forest_bound`` (default
    ``2^{(l-1)/(l+1)}``) and ``δ`` the float64 rounding allowance ``tolerance(float, l + 1)``
    of a ratio computed from ``l + 1`` entries; ``-inf`` when the forest failed (it applies
    to every target within the hypotheses)."""
    if forest_ratio is None:
        return -math.inf
    bound = forest_constant(depth) if forest_bound is None else forest_bound
    return 1.0 - forest_ratio / (bound * (1 + float(tolerance(NumberKind.FLOAT, depth + 1))))


def thm42_margin(target: ShallowSSM, depth: int, width: int, constant: float = 2.0,
                 constructions: tuple[str, ...] = FLOAT_CONSTRUCTIONS,
                 forest_bound: float | None = None) -> float:
    """The least of ``1 - ratio/constant`` for the best construction (which matches the
    kernel; see :func:`theory.norm_reduction.small_norm_deep_report`) and, when the forest is
    among ``constructions``, of the forest's margin against its own constant
    (:func:`_forest_margin`; ``forest_bound`` overrides ``2^{(l-1)/(l+1)}``)."""
    constant, forest_bound = _check("constant", constant), _check("forest_bound", forest_bound)
    _, record = small_norm_deep_report(target, depth, width, constructions)
    margin = 1.0 - record["ratio"] / constant
    if "forest" in constructions:
        norm = record["norms"]["forest"]
        c1sq = float(shallow_norm_squared(target))
        ratio = None if norm is None else norm / c1sq ** (1.0 / (depth + 1))
        margin = min(margin, _forest_margin(ratio, depth, forest_bound))
    return margin


def _certified_ratio_margin(model: DeepSSM, c1sq: Any, depth: int, constant: Any) -> Any:
    """Ball of ``1 - ratio/constant``, ``ratio = ‖model‖ / c_1^{2/(l+1)}`` (max-modulus norm
    of the balanced model)."""
    ratio = _ball_norm(model) / balls.power(c1sq, sympy.Rational(1, depth + 1))
    return 1 - ratio / constant


def thm42_certified_margin(target: ShallowSSM, depth: int, width: int, constant: Any = 2,
                           constructions: tuple[str, ...] = FLOAT_CONSTRUCTIONS,
                           forest_bound: Any = None) -> float:
    """Certified ``thm4.2`` margin of a float target (the certified tier ★): the lower end of
    the least of ``1 - ratio/constant`` for the balanced winner of
    :func:`theory.norm_reduction.small_norm_deep_report` and, when the forest is among
    ``constructions``, of ``1 - ratio/(K (1 + δ))`` for the balanced Newton forest
    (:func:`theory.norm_reduction.best_forest_deep`, as the float tier), ``K = forest_bound``
    (default ``2^{(l-1)/(l+1)}`` as a ball) and ``δ = tolerance(float, l + 1)``, the float
    tier's allowance: a float model realizes a target within rounding, and where the forest
    meets its constant (every ``l = 1`` target) the float model's norm exceeds it by about
    ``ε`` — without ``δ`` the certified tier rejects those instances at ``-1e-16``.
    ``constant`` and ``forest_bound`` are taken exactly; ``ratio = ‖θ‖ / c_1^{2/(l+1)}`` with
    ``‖θ‖`` the max-modulus norm of the float model and ``c_1² = max |r_i|``, all in balls.
    ``-inf`` unless each model's kernel certainly agrees with the target's within
    ``tolerance(float)`` (relative to the absolute kernels,
    :func:`theory.norm_reduction.kernel_agreement`'s criterion).
    """
    constant, forest_bound = _check("constant", constant), _check("forest_bound", forest_bound)
    best, _ = small_norm_deep_report(target, depth, width, constructions)
    forest = balance(best_forest_deep(target, depth, width)) if "forest" in constructions \
        else None
    tol = float(tolerance(NumberKind.FLOAT))

    def evaluate() -> float:
        with balls.precision():
            checks = [(best, _ball_constant("constant", constant))]
            if forest is not None:
                bound = balls.power(2, sympy.Rational(depth - 1, depth + 1)) \
                    if forest_bound is None else _ball_constant("forest_bound", forest_bound)
                allowance = 1 + balls.ball(float(tolerance(NumberKind.FLOAT, depth + 1)))
                checks.append((forest, bound * allowance))
            c1sq = _ball_max([balls.absolute(balls.cball(r)) for r in target.residues])
            worst = math.inf
            for model, k in checks:
                if not _certified_kernel_ok(model, target, tol):
                    return -math.inf
                worst = min(worst, balls.lower(_certified_ratio_margin(model, c1sq, depth, k)))
            return worst

    return balls.decide(evaluate)


def _ball_constant(name: str, value: Any) -> Any:
    """``value`` (checked by :func:`_check`) as an exact ball, or an error naming ``name``."""
    try:
        return balls.ball(value)
    except InvalidParameterError:
        fail(name, "a float or rational constant (exactly convertible to a ball)", value)
        raise  # pragma: no cover  (fail raises)


def _describe_thm42(instances: list[tuple[ShallowSSM, int, int]], i: int) -> dict[str, Any]:
    target, depth, width = instances[i]
    _, record = small_norm_deep_report(target, depth, width, FLOAT_CONSTRUCTIONS)
    return {"depth": depth, "width": width, "ratio": record["ratio"],
            "winner": record["winner"], "norms": record["norms"],
            "target": describe_target(target)}


def _target_from_description(target: dict[str, Any]) -> ShallowSSM:
    """The float target of :func:`verify.adversarial.describe_target` (the recorded floats)."""
    def values(key: str) -> np.ndarray:
        return complex_array([f"{z['re']}{'' if z['im'].startswith('-') else '+'}{z['im']}j"
                              for z in target[key]], key)

    poles = values("poles")
    return ShallowSSM(poles, values("residues"), np.ones(poles.size))


def _rebuild_thm42(description: dict[str, Any]) -> list[tuple[ShallowSSM, int, int]]:
    """The instance of :func:`_describe_thm42`."""
    d = description
    return [(_target_from_description(d["target"]), int(d["depth"]), int(d["width"]))]


def random_exact_target(rng: np.random.Generator, n: int) -> ShallowSSM:
    """Gaussian-rational target with ``n`` distinct stable poles and residues scaled by
    ``10^k``, ``k ∈ {0..4}``."""
    rng, n = _check("rng", rng), _check("n", n)
    poles: list[Any] = []
    while len(poles) < n:
        lam = gaussian_rational(rng, 9, 1)
        if abs_squared(lam) < 1 and \
                not any(_exact_zero(lam - p) for p in poles):
            poles.append(lam)
    scale = sympy.Integer(10) ** int(rng.integers(0, 5))
    res = [gaussian_rational(rng, 7, 3) * scale for _ in range(n)]
    if all(_exact_zero(r) for r in res):
        res[0] = scale
    return ShallowSSM(poles, res, [sympy.Integer(1)] * n)


def tight_forest_target(depth: int, width: int, k: int = 10**6) -> ShallowSSM:
    """A Gaussian-rational target on which the monotone Newton forest reaches (``l = 2``) or
    approaches (``l = 3``, within ``1/k²``) its constant ``2^{(l-1)/(l+1)}``; ``c_1 = 1``.

    All ``l(m-1)+1`` poles lie on ``|λ| = 1/2``, so the monotone layout keeps the index order
    (layer 1: indices ``0..m-1``; node ``j`` of a layer continues node ``j`` below). The chain
    of node 0 ends in the pole ``1/2`` with residue 1; its ancestors are ``-1/2`` (``l = 2``:
    the Newton factor ``1 - λ_p/λ_j = 2``, so ``β = 2 = 2^{l-1} c_1²``) or ``-e^{±iφ}/2`` with
    ``tan(φ/2) = 1/k`` (``l = 3``: ``β = 4k²/(k²+1)``). Every other residue is ``1/8``.
    """
    depth, width, k = _check("depth", depth), _check("width", width), _check("k", k)
    if depth not in (2, 3) or width < 2 or depth * (width - 1) + 1 > 9:
        raise InvalidParameterError(
            f"depth, width: tight targets exist here for l in (2, 3) and at most 9 poles, got "
            f"({depth}, {width})"
        )
    half = sympy.Rational(1, 2)
    if depth == 2:
        chain = [-half]
    else:
        x, y = sympy.Rational(k * k - 1, k * k + 1), sympy.Rational(2 * k, k * k + 1)
        chain = [-(x + y * sympy.I) * half, -(x - y * sympy.I) * half]
    spare = iter([sympy.I * half, -sympy.I * half] + [sympy.Rational(a, 10) + sympy.Rational(b, 10)
                                                       * sympy.I for a, b in ((3, 4), (3, -4),
                                                                              (-3, 4), (4, 3),
                                                                              (4, -3))])
    n = depth * (width - 1) + 1
    path = [0] + [width + (layer - 1) * (width - 1) for layer in range(1, depth)]
    on_path = dict(zip(path, [*chain, half]))
    poles = [on_path[i] if i in on_path else next(spare) for i in range(n)]
    res = [sympy.Rational(1, 8)] * n
    res[path[-1]] = sympy.Integer(1)
    return ShallowSSM(poles, res, [sympy.Integer(1)] * n)


def _sample_thm42_exact(rng: np.random.Generator, n: int) -> list[tuple[ShallowSSM, int, int]]:
    out = []
    for _ in range(n):
        depth, width = SHAPES[int(rng.integers(len(SHAPES) - 1))]  # (3, 3) is slow exactly
        size = int(rng.integers(1, depth * (width - 1) + 2))
        out.append((random_exact_target(rng, size), depth, width))
    return out


def _exact_constant_margin(W2: Any, c1_4: Any, ratio: float, depth: int,
                           constant: Any) -> float:
    """``1 - ratio/constant`` with its sign set by the exact test
    ``W² ≤ constant^{2(l+1)} c_1⁴`` (a float constant is taken at its exact binary value)."""
    exact = constant if isinstance(constant, sympy.Basic) else sympy.Rational(constant)
    holds = _exact_at_most(W2, exact ** (2 * (depth + 1)) * c1_4)
    margin = 1.0 - ratio / float(exact)
    if holds != (margin >= 0):  # only possible at or next to equality: the exact verdict wins
        return 0.0 if holds else math.nextafter(0.0, -1.0)
    return margin


def thm42_exact_margin(target: ShallowSSM, depth: int, width: int, constant: Any = 2,
                       forest_bound: Any = None) -> float:
    """Exact check of the monotone Newton forest: the kernel matches exactly,
    ``W² ≤ constant^{2(l+1)} c_1⁴`` (Theorem 4.2) and ``W² ≤ forest_bound^{2(l+1)} c_1⁴``
    (the forest's own constant, default ``2^{(l-1)/(l+1)}``: ``W² ≤ 4^{l-1} c_1⁴``), all
    exactly. Returns the least of ``1 - ratio/constant`` and ``1 - ratio/forest_bound``
    (``-inf`` on a kernel mismatch); each sign agrees with its exact comparison."""
    constant, forest_bound = _check("constant", constant), _check("forest_bound", forest_bound)
    deep = forest_deep(target, depth, width)
    err, _ = kernel_agreement(deep, target)
    if err != 0:
        return -math.inf
    W2 = abs_squared(max_path_weight(deep))
    c1_4 = abs_squared(shallow_norm_squared(target))
    ratio = norm_ratio(deep, target)
    bound = forest_constant(depth, exact=True) if forest_bound is None else forest_bound
    return min(_exact_constant_margin(W2, c1_4, ratio, depth, constant),
               _exact_constant_margin(W2, c1_4, ratio, depth, bound))


def _describe_exact_target(instances: list[tuple[ShallowSSM, int, int]],
                           i: int) -> dict[str, Any]:
    """The target and the ``thm4.2.forest`` certificate: the target, the Newton forest's
    deep model, its ``W²`` (largest squared path weight) and ``c_1⁴ = max |r_i|²``, exact."""
    target, depth, width = instances[i]
    deep = forest_deep(target, depth, width)
    return {"depth": depth, "width": width, "poles": [str(p) for p in target.poles],
            "residues": [str(r) for r in target.residues],
            "certificate": certificate(
                "thm4.2.forest", depth=depth, width=width,
                target=shallow_json(target.poles, target.residues), deep=deep_json(deep),
                W2=rational(abs_squared(max_path_weight(deep))),
                c1_4=rational(abs_squared(shallow_norm_squared(target))))}


def _rebuild_exact_target(description: dict[str, Any]) -> list[tuple[ShallowSSM, int, int]]:
    """The instance of :func:`_describe_exact_target`, from its certificate's target."""
    cert = description["certificate"]
    return [(shallow_from_json(cert["target"]), int(cert["depth"]), int(cert["width"]))]


THM_4_2 = register(from_catalog(
    "byjl25.thm4.2",
    tiers=(
        Tier("exact (sympy), Newton forest", _sample_thm42_exact,
             lambda xs: [thm42_exact_margin(*x) for x in xs], _describe_exact_target,
             batch=10, max_instances=30, unit="fraction", rebuild=_rebuild_exact_target),
        Tier("float64, best construction", _sample_thm42_float,
             lambda xs: [thm42_margin(*x) for x in xs], _describe_thm42, batch=100,
             max_instances=1500, unit="fraction", rebuild=_rebuild_thm42),
        Tier(balls.tier_name(), _sample_thm42_float,
             lambda xs: [thm42_certified_margin(*x) for x in xs], _describe_thm42, batch=20,
             max_instances=THM42_CERTIFIED_INSTANCES, unit="fraction",
             rebuild=_rebuild_thm42, certified=True),
    ),
    default_instances=1000,
))


# ============================================================ Algorithm A alone (finding)
#: A target found by ``verify.adversarial.worst_ratio_search(2, 2, rng(1),
#: constructions=("algorithm_a",))``: pole moduli spread over three decades. Values are the
#: float64 numbers themselves (round-trip decimals), so the certificate re-checks exactly.
ALGORITHM_A_WITNESS = {
    "depth": 2,
    "width": 2,
    "poles": (1.838988367804927e-05 - 0.0004031939693818588j,
              -0.022553963283763565 - 0.08015967425332737j,
              0.00019454833329706874 + 0.00014583906530528785j),
    "residues": (-0.018669187017100446 - 0.01746797452250447j,
                 -0.025010231117158378 - 0.010059698805940539j,
                 0.01836955546864021 + 0.01826553372043766j),
}


def _sample_algorithm_a(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    return [ALGORITHM_A_WITNESS] * n


def algorithm_a_margin(witness: dict[str, Any], constant: float = 2.0) -> float:
    """``1 - ratio/constant`` for Algorithm A + Algorithm B over *every* admissible split
    (negative: the rank-one chain misses the constant), after checking that the forest meets
    its proven constant on the same target (otherwise the instance would not be a finding
    about Algorithm A alone, and the check reports an error)."""
    witness, constant = _check("witness", witness), _check("constant", constant)
    target = ShallowSSM.from_residues(list(witness["poles"]), list(witness["residues"]))
    depth, width = witness["depth"], witness["width"]
    deep = algorithm_a_best_split(target, depth, width, max_splits=10**6)
    err, tol = kernel_agreement(deep, target)
    if not err <= tol:
        raise ArithmeticError(f"Algorithm A realization misses the kernel (error {err:.3g})")
    forest_ratio = norm_ratio(forest_deep(target, depth, width), target)
    if _forest_margin(forest_ratio, depth) < 0:
        raise ArithmeticError(f"the forest misses its proven constant ({forest_ratio:.6g})")
    return 1.0 - norm_ratio(deep, target) / constant


def _rebuild_witness(description: dict[str, Any]) -> list[dict[str, Any]]:
    """The witness of the Algorithm A tier (round-trip decimals: the same floats)."""
    d = description
    return [{"depth": int(d["depth"]), "width": int(d["width"]),
             "poles": tuple(complex(x) for x in complex_array(d["poles"], "poles")),
             "residues": tuple(complex(x) for x in complex_array(d["residues"], "residues"))}]


ALGORITHM_A = register(from_catalog(
    "byjl25.thm4.2.algorithm_a",
    tiers=(
        Tier("float64, recorded witness", _sample_algorithm_a,
             lambda xs: [algorithm_a_margin(x) for x in xs],
             lambda xs, i: {**xs[i], "poles": [repr(p) for p in xs[i]["poles"]],
                            "residues": [repr(r) for r in xs[i]["residues"]]},
             batch=1, max_instances=1, unit="fraction", rebuild=_rebuild_witness),
    ),
    default_instances=1,
))


# ============================================================================ width one
def _sample_width1(rng: np.random.Generator, n: int) -> list[tuple[ShallowSSM, int, int]]:
    """``(one-pole exact target, depth, seed of the random realizations tried)``."""
    return [(random_exact_target(rng, 1), int(rng.integers(1, 6)), int(rng.integers(2**31)))
            for _ in range(n)]


def _describe_width1(xs: list[tuple[ShallowSSM, int, int]], i: int) -> dict[str, Any]:
    target, depth, seed = xs[i]
    return {"depth": depth, "seed": seed, "pole": str(target.poles[0]),
            "residue": str(target.residues[0]),
            "exact": shallow_json(target.poles, target.residues)}


def _rebuild_width1(description: dict[str, Any]) -> list[tuple[ShallowSSM, int, int]]:
    """The instance of :func:`_describe_width1` (the exact target from ``"exact"``)."""
    d = description
    if not isinstance(d, dict) or not {"depth", "seed", "exact"} <= set(d):
        raise ValueError(f"description: expected the keys depth, seed and exact, got {d!r}")
    return [(shallow_from_json(d["exact"]), check_int(d["depth"], "depth", 1),
             check_int(d["seed"], "seed", 0))]


def width1_margin(target: ShallowSSM, depth: int, rng_seed: int = 0,
                  construction: Any = width_one_deep) -> float:
    """Decades ``log10(‖θ‖^{l+1} / |r|)`` of the least-norm width-one realization found:
    the construction (must give exactly 0: ``‖θ‖^{2(l+1)} = |r|²``, and the exact kernel) and
    random width-one realizations (the pole in a random layer, random Gaussian-rational gauges)
    that must all give ``≥ 0``. ``-inf`` if the construction's kernel or norm is off."""
    target, depth = _check("target", target), _check("depth", depth)
    rng_seed, construction = _check("rng_seed", rng_seed), _check("construction", construction)
    if target.width != 1:
        fail("target", "a one-pole ShallowSSM", target)
    r = target.residues[0]
    deep = construction(target, depth)
    err, _ = kernel_agreement(deep, target)
    if err != 0:
        return -math.inf
    r2 = abs_squared(r)
    # every entry is the same a with a^(l+1) = r, hence norm^(2(l+1)) = |a^(l+1)|^2 = |r|^2
    # (decided exactly: a = r^(1/(l+1)) is a radical, which expand() does not reduce)
    entries = [x for b in [*deep.B, deep.C] for x in np.ravel(b)]
    a = entries[0]
    if not all(_exact_zero(x - a) for x in entries) or not _exact_zero(a ** (depth + 1) - r):
        return -math.inf
    rng = np.random.default_rng(rng_seed)
    worst = 0.0
    for _ in range(4):
        layer = int(rng.integers(depth))
        lam = [[target.poles[0] if k == layer else sympy.Integer(0)] for k in range(depth)]
        other = DeepSSM(lam, [np.array([r])] + [np.array([[1]]) for _ in range(depth - 1)],
                        [1])
        scales = [[gaussian_rational(rng) or sympy.Integer(1)] for _ in range(depth)]
        other = gauge_transform(other, scales)
        if kernel_agreement(other, target)[0] != 0:
            return -math.inf
        n2 = max(abs_squared(x) for b in [*other.B, other.C] for x in np.ravel(b))
        worst = min(worst, math.log10(float(sympy.N(n2 ** (depth + 1) / r2, 20))) / 2)
    return worst


WIDTH_1 = register(from_catalog(
    "byjl25.thm4.2.width1",
    tiers=(Tier("exact (sympy)", _sample_width1,
                lambda xs: [width1_margin(t, d, seed) for t, d, seed in xs],
                _describe_width1, batch=10, max_instances=30, unit="decades",
                rebuild=_rebuild_width1),),
    default_instances=30,
))


# ============================================================================ minimal depth
def _sample_bracket(rng: np.random.Generator,
                    n: int) -> list[tuple[ShallowSSM, int, float]]:
    out = []
    for _ in range(n):
        width = int(rng.integers(2, 4))
        size = int(rng.integers(1, 6))
        style = TARGET_STYLES[int(rng.integers(len(TARGET_STYLES)))]
        target = random_target(rng, size, style)
        if len({complex(p) for p in target.poles}) != size:
            target = random_target(rng, size, "disk")
        out.append((target, width, float(rng.uniform(2.2, 6.0))))
    return out


def bracket_margin(target: ShallowSSM, width: int, c: float) -> float:
    """``min(constructive - lower, forest bound - constructive, formula - forest bound)`` in
    layers (``-inf`` if the construction never met the budget)."""
    formula = depth_upper_bound(target, width, c)
    lower = depth_lower_bound(target, width, c)
    forest = forest_depth_bound(target, width, c)
    built = constructive_depth(target, width, c, max_depth=formula + 1)
    if built is None or lower is None or forest is None:
        return -math.inf
    return float(min(built - lower, forest - built, formula - forest))


def _describe_bracket(xs: list[tuple[ShallowSSM, int, float]], i: int) -> dict[str, Any]:
    target, width, c = xs[i]
    formula = depth_upper_bound(target, width, c)
    return {"width": width, "c": c, "lower": depth_lower_bound(target, width, c),
            "constructive": constructive_depth(target, width, c, max_depth=formula + 1),
            "forest_bound": forest_depth_bound(target, width, c), "formula": formula,
            "target": describe_target(target)}


BRACKET = register(from_catalog(
    "byjl25.thm4.3.bracket",
    tiers=(Tier("float64", _sample_bracket, lambda xs: [bracket_margin(*x) for x in xs],
                _describe_bracket, batch=50, max_instances=300, unit="layers",
                rebuild=lambda d: [(_target_from_description(d["target"]), int(d["width"]),
                                    float(d["c"]))]),),
    default_instances=300,
))
