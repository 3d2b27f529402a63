"""WX23 Results A and B: explicit constructions with explicit error bounds, checked.

Claims (constructions and proofs in :mod:`theory.approximation` and :mod:`theory.convolution`):

* ``wx23.result_a.relu`` — the ReLU interpolant on ``N`` knots, as two memoryless SSM layers,
  has sup error ``≤ L h/2`` (``L``-Lipschitz ``f``) and ``≤ h² M_2/8`` (``|f''| ≤ M_2``). Exact
  tier: cubic polynomials with rational coefficients, evaluated exactly (the network must also
  reproduce ``f`` at every knot with zero error). Float tier: trigonometric sums on dense grids,
  run as batches of long sequences through the scan core (the widths never depend on ``T``).
* ``wx23.result_a.smooth`` — the smooth step sum (sigmoid or tanh) has sup error
  ``≤ L h (1/2 + e^{-s/2} coth(s/2))``. Float tier on dense grids; mpmath tier at 30 digits.
  Sharpness log-uniform on ``[1/2, 30]``; half the targets are ``L |x - c|`` with ``c`` a
  middle cell midpoint, the exact worst case at ``c`` over all ``L``-Lipschitz ``f``, so the
  bound's tail term is exercised (a ``tanh`` for the ``coth`` is caught).
* ``wx23.result_b1`` — the shift register of width ``T d_in`` realizes any causal convolution
  with ``T`` taps exactly (exact tier: kernel and outputs with zero error, plus the Vandermonde
  realization's kernel on ``T`` steps) and in float on long sequences through the scan core.
* ``wx23.result_b2.balanced_truncation`` — balanced truncation of the shift register satisfies
  ``‖ρ - ρ_r‖_{H∞} ≤ 2 Σ_{i>r} σ_i`` (dense frequency grid), the ``ℓ² → ℓ²`` output bound that
  follows, and ``‖y - ŷ‖_∞ ≤ ‖ρ - ρ_r‖_{ℓ¹} ‖x‖_∞`` with the ``ℓ¹`` norm computed on a horizon
  with a rigorous tail bound.
* ``wx23.result_b2.exponential_sum`` — the Bernstein sum of exponentials satisfies
  ``sup|g - B_n g| ≤ L/(2√n)`` and ``‖ρ - ρ̂‖_{L¹} ≤ (L/α) π/(8√n)``; its monomial (exponential)
  coefficients reproduce the Bernstein form at high precision.

Margins: ``(bound - error) / bound`` (the smallest over the bounds checked on the instance);
float errors are first reduced by an a-priori rounding allowance ``tolerance(float, scale)``.
Grid maxima never exceed the true supremum, so a negative margin is a genuine violation.

Every tier has a rebuild hook (:attr:`verify.registry.Tier.rebuild`): its description holds the
instance exactly (rationals as ``"p/q"``, floats as JSON numbers, which Python writes as
round-trip decimals), read back by the readers of :mod:`verify.descriptions`.

Certified tiers (★, :mod:`verify.balls`) of Results A (ReLU and smooth) and B2 (exponential
sum) evaluate the float networks and the targets in ball arithmetic at the checked points
(``CERTIFIED_PER_CELL`` points per knot cell; for B2 the ``u`` panel edges and midpoints), with
the bounds computed in balls from the exact instance parameters and no rounding allowance: the
margin is the lower end of the ball of ``(bound - max error) / bound``, a proof of the bound at
those points for the float network as built.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.approximation import (
    c2_interpolation_bound,
    lipschitz_interpolation_bound,
    relu_interpolant,
    smooth_step_approximant,
    smooth_step_bound,
    sup_error,
)
from theory.convolution import (
    as_taps,
    balanced_truncation,
    bernstein_exponential_sum,
    bernstein_l1_bound,
    bernstein_sup_bound,
    causal_convolution,
    frequency_response,
    hankel_matrix,
    hankel_singular_values,
    hinf_error,
    l1_error_norm,
    shift_register,
    uniform_nodes,
    vandermonde_realization,
)
from theory.layers import SSMLayer
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from theory.validation import check_int, check_real, require
from verify import balls
from verify.descriptions import (
    Reader,
    read_array,
    read_choice,
    read_fields,
    read_int,
    read_rational,
    read_real,
)
from verify.registry import Tier, from_catalog, log_margin, register
from verify.sampling import gaussian_rational
from verify.stack_eval import run_layer_float, run_stack_float

MPMATH_DPS = 30
#: Checked points per knot cell of the certified tiers of Result A, and their largest ``N``.
CERTIFIED_PER_CELL = 4
CERTIFIED_KNOTS = 24
#: Instances of each certified tier at most (ball arithmetic: about 0.05-0.2 s each with arb).
CERTIFIED_INSTANCES = 8


def _instance(inst: Any, keys: dict[str, int | None]) -> dict[str, Any]:
    """``inst`` checked to be a dict with ``keys``; a key mapped to an integer ``k`` must hold
    an integer ``>= k``."""
    if not isinstance(inst, dict):
        raise InvalidParameterError(f"inst: expected an instance dict, got {inst!r}")
    for key, low in keys.items():
        if key not in inst:
            raise InvalidParameterError(f"inst: missing the key {key!r}")
        if low is not None:
            check_int(inst[key], f"inst[{key!r}]", low)
    return inst


def relative_margin(bound: float, error: float, slack: float = 0.0) -> float:
    """``(bound - (error - slack)) / bound``; a ``nan`` error (a construction that produced
    NaN) counts as a violation (``nan`` margin).

    Raises
    ------
    InvalidParameterError
        If ``bound`` or ``slack`` is not a finite number ``>= 0``, or ``error`` is negative or
        infinite.
    """
    check_real(bound, "bound", minimum=0)
    check_real(slack, "slack", minimum=0)
    if math.isnan(error):
        return math.nan
    check_real(error, "error", minimum=0)
    if bound == 0:
        return math.inf if error - slack <= 0 else -math.inf
    return (bound - max(error - slack, 0.0)) / bound


def _ball_relative_margin(bound: Any, error: Any) -> float:
    """Lower end of the ball ``(bound - error) / bound`` (``bound`` a positive ball; a bound
    that may be 0 gives ``inf`` for an error that is exactly 0, else ``-inf``)."""
    if not balls.lower(bound) > 0:
        return math.inf if balls.upper(error) == 0 and balls.lower(bound) >= 0 else -math.inf
    return balls.lower((bound - error) / bound)


def _ball_sup_error(stack: Any, f: Any, points: list[float]) -> Any:
    """Ball of ``max_x |stack(x) - f(x)|`` over ``points`` (each a length-1 sequence; the
    stacks of Result A are memoryless), ``f`` evaluated in balls."""
    y = balls.run_stack(stack, np.array(points, dtype=float).reshape(-1, 1, 1))
    errs = [balls.absolute(y[i, 0, 0] - f(balls.ball(x))) for i, x in enumerate(points)]
    out = errs[0]
    for e in errs[1:]:
        out = balls.maximum(out, e)
    return out


def _ball_trig(params: dict[str, Any]) -> tuple[Any, Any, Any]:
    """``f = Σ A_j sin(w_j x + φ_j)`` in balls, and the balls of ``L = Σ |A_j| w_j`` and
    ``M_2 = Σ |A_j| w_j²`` (exact float parameters)."""
    A, w, phi = ([balls.ball(float(v)) for v in params[k]] for k in ("A", "w", "phi"))

    def f(x: Any) -> Any:
        return sum((a * balls.sin(wj * x + p) for a, wj, p in zip(A, w, phi)), balls.ball(0))

    L = sum((balls.absolute(a) * wj for a, wj in zip(A, w)), balls.ball(0))
    M2 = sum((balls.absolute(a) * wj * wj for a, wj in zip(A, w)), balls.ball(0))
    return f, L, M2


def _certified_points(inst: dict[str, Any]) -> list[float]:
    """The checked points of a certified Result A instance: ``CERTIFIED_PER_CELL`` per cell."""
    return [float(x) for x in _grid(inst["a"], inst["b"], inst["N"] - 1, CERTIFIED_PER_CELL)]


def _sample_certified_a(rng: np.random.Generator, n: int, sampler: Any) -> list[dict[str, Any]]:
    """Instances of ``sampler`` with at most ``CERTIFIED_KNOTS`` knots."""
    return sampler(rng, n, CERTIFIED_KNOTS)


# ================================================================ Result A, ReLU
def _rational(rng: np.random.Generator, lo: int, hi: int, den: int = 4) -> sympy.Rational:
    return sympy.Rational(int(rng.integers(lo * den, hi * den + 1)), den)


def _sample_relu_exact(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        a = _rational(rng, -2, 1)
        b = a + _rational(rng, 1, 3) + sympy.Rational(1, 4)
        coeffs = [_rational(rng, -2, 2) for _ in range(4)]
        out.append({"a": a, "b": b, "N": int(rng.integers(2, 9)), "coeffs": coeffs,
                    "extra": [a + (b - a) * sympy.Rational(int(rng.integers(0, 97)), 96)
                              for _ in range(4)]})
    return out


def _poly_constants(coeffs: list[Any], a: Any, b: Any) -> tuple[Any, Any]:
    """Exact Lipschitz constant and ``|f''|`` bound of ``Σ c_k x^k`` on ``[a, b]`` (crude)."""
    R = max(abs(a), abs(b))
    L = sum(k * abs(c) * R ** (k - 1) for k, c in enumerate(coeffs) if k >= 1)
    M2 = sum(k * (k - 1) * abs(c) * R ** (k - 2) for k, c in enumerate(coeffs) if k >= 2)
    return L, M2


def relu_exact_margin(inst: dict[str, Any], bound_factor: Any = 1) -> float:
    """Exact check of one ReLU instance; ``bound_factor`` scales both bounds (negative controls)."""
    _instance(inst, {"a": None, "b": None, "N": 2, "coeffs": None, "extra": None})
    check_real(bound_factor, "bound_factor", minimum=0, strict=True)
    a, b, N, coeffs = inst["a"], inst["b"], inst["N"], inst["coeffs"]

    def f(x: Any) -> Any:
        return sum(c * x**k for k, c in enumerate(coeffs))

    approx = relu_interpolant(f, a, b, N)
    knots = approx.knots[0]
    h = (b - a) / (N - 1)
    if approx.widths != (N - 1, N):
        return -math.inf
    at_knots = sup_error(lambda r: [f(r[0])], approx, [[t] for t in knots])
    if at_knots != 0:
        return -math.inf
    pts = [knots[k] + h * sympy.Rational(j, 4) for k in range(N - 1) for j in (1, 2, 3)]
    pts += inst["extra"]
    err = sup_error(lambda r: [f(r[0])], approx, [[p] for p in pts])
    L, M2 = _poly_constants(coeffs, a, b)
    margins = []
    for bound in (lipschitz_interpolation_bound(L, h), c2_interpolation_bound(M2, h)):
        bound = bound * bound_factor
        margins.append(math.inf if bound == 0 and err == 0 else
                       float((bound - err) / bound) if bound != 0 else -math.inf)
    return min(margins)


def _describe_relu_exact(insts: list[dict[str, Any]], i: int) -> dict[str, Any]:
    inst = insts[i]
    return {"f_coeffs_ascending": [str(c) for c in inst["coeffs"]],
            "domain": [str(inst["a"]), str(inst["b"])], "N": inst["N"],
            "extra_points": [str(p) for p in inst["extra"]]}


def _rebuild_relu_exact(description: Any) -> list[dict[str, Any]]:
    """The instance of :func:`_describe_relu_exact` (exact rationals)."""
    d = read_fields(description, {"f_coeffs_ascending": read_array(1, read_rational),
                                  "domain": read_array(1, read_rational), "N": read_int(2),
                                  "extra_points": read_array(1, read_rational)})
    require(d["domain"].size == 2, "description['domain']", "[a, b]", description["domain"])
    return [{"a": d["domain"][0], "b": d["domain"][1], "N": d["N"],
             "coeffs": list(d["f_coeffs_ascending"]), "extra": list(d["extra_points"])}]


def _trig_target(rng: np.random.Generator) -> dict[str, Any]:
    k = int(rng.integers(1, 4))
    return {"A": rng.uniform(-1.5, 1.5, k), "w": rng.uniform(0.2, 4.0, k),
            "phi": rng.uniform(0, 2 * np.pi, k)}


def _trig(params: dict[str, Any]) -> Any:
    A, w, phi = params["A"], params["w"], params["phi"]

    def f(x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        return np.sum(A * np.sin(w * x[..., None] + phi), axis=-1)

    return f


def _trig_constants(params: dict[str, Any]) -> tuple[float, float]:
    A, w = np.abs(params["A"]), params["w"]
    return float(np.sum(A * w)), float(np.sum(A * w**2))


def _sample_float_a(rng: np.random.Generator, n: int, max_knots: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        a = float(rng.uniform(-3, 1))
        out.append({"a": a, "b": a + float(rng.uniform(0.5, 5)),
                    "N": int(rng.integers(2, max_knots + 1)), "target": _trig_target(rng),
                    "T": int(rng.integers(64, 1025)), "seed": int(rng.integers(2**31)),
                    "sharpness": float(rng.uniform(3, 30)),
                    "activation": str(rng.choice(["sigmoid", "tanh"]))})
    return out


def _check_float_a(inst: Any, bound_factor: Any) -> None:
    _instance(inst, {"a": None, "b": None, "N": 2, "target": None, "T": 1, "seed": 0,
                     "sharpness": None, "activation": None})
    check_real(bound_factor, "bound_factor", minimum=0, strict=True)


def _grid(a: Any, b: Any, cells: int, per_cell: int) -> list[Any]:
    """``a + (b - a) k / M`` for ``k = 0 … M = cells · per_cell`` in the kind of ``a, b``.

    Clipped to ``b`` and ending at ``b`` exactly: rounding never pushes a point out of
    ``[a, b]`` (the approximants refuse such points).
    """
    M = cells * per_cell
    return [min(a + (b - a) * k / M, b) for k in range(M)] + [b]


def _grid_sequences(inst: dict[str, Any], h: float) -> np.ndarray:
    """Dense points (16 per cell + random) arranged as a batch of length-``T`` sequences."""
    a, b, N, T = inst["a"], inst["b"], inst["N"], inst["T"]
    dense = np.array(_grid(a, b, N - 1, 16))
    rng = np.random.default_rng(inst["seed"])
    pts = np.concatenate([dense, rng.uniform(a, b, 256)])
    pad = (-pts.size) % T
    pts = np.clip(np.concatenate([pts, rng.uniform(a, b, pad)]), a, b)
    return pts.reshape(-1, T, 1)


def relu_float_margin(inst: dict[str, Any], bound_factor: float = 1.0) -> float:
    """Float check of one ReLU instance (dense grid through the scan core)."""
    _check_float_a(inst, bound_factor)
    f = _trig(inst["target"])
    approx = relu_interpolant(f, inst["a"], inst["b"], inst["N"])
    h = (inst["b"] - inst["a"]) / (inst["N"] - 1)
    x = _grid_sequences(inst, h)
    y = run_stack_float(approx.stack, x)
    err = float(np.max(np.abs(y[..., 0] - f(x[..., 0]))))
    c = approx.stack.layers[1].C
    scale = float(np.sum(np.abs(c)) * (inst["b"] - inst["a"] + max(abs(inst["a"]),
                                                                   abs(inst["b"]))) + 1)
    slack = tolerance(NumberKind.FLOAT, scale)
    L, M2 = _trig_constants(inst["target"])
    return min(relative_margin(bound_factor * lipschitz_interpolation_bound(L, h), err, slack),
               relative_margin(bound_factor * c2_interpolation_bound(M2, h), err, slack))


def relu_certified_margin(inst: dict[str, Any], bound_factor: Any = 1.0) -> float:
    """Certified ReLU margin (the certified tier ★): the float network of
    :func:`relu_interpolant` and the target evaluated in balls at the checked points
    (:func:`_certified_points`), against ``bound_factor`` times ``L h/2`` and ``h² M_2/8``
    computed in balls (``h = (b - a)/(N - 1)``, ``L``, ``M_2`` from the exact parameters); the
    lower end of the smaller ``(bound - error)/bound``."""
    _check_float_a(inst, bound_factor)
    approx = relu_interpolant(_trig(inst["target"]), inst["a"], inst["b"], inst["N"])

    def evaluate() -> float:
        with balls.precision():
            f, L, M2 = _ball_trig(inst["target"])
            err = _ball_sup_error(approx.stack, f, _certified_points(inst))
            h = (balls.ball(inst["b"]) - balls.ball(inst["a"])) / (inst["N"] - 1)
            k = balls.ball(bound_factor)
            return min(_ball_relative_margin(k * L * h / 2, err),
                       _ball_relative_margin(k * M2 * h * h / 8, err))

    return balls.decide(evaluate)


def _describe_float_a(insts: list[dict[str, Any]], i: int) -> dict[str, Any]:
    inst = dict(insts[i])
    if "slope" in inst["target"]:
        inst["f"] = "slope |x - c|, c the midpoint of knot cell `cell`"
        return inst
    inst["target"] = {k: v.tolist() for k, v in inst["target"].items()}
    inst["f"] = "sum_j A_j sin(w_j x + phi_j)"
    return inst


def _read_target(value: Any, name: str) -> dict[str, Any]:
    """The ``target`` of a float Result A instance: trigonometric ``{A, w, phi}`` (float
    arrays of one length) or ``{slope, cell}``."""
    if isinstance(value, dict) and "slope" in value:
        return read_fields(value, {"slope": read_real, "cell": read_int(0)})
    t = read_fields(value, dict.fromkeys(("A", "w", "phi"), read_array(1)))
    require(t["A"].shape == t["w"].shape == t["phi"].shape, name,
            "arrays A, w, phi of one length", value)
    return t


_FLOAT_A_READERS: dict[str, Reader] = {
    "a": read_real, "b": read_real, "N": read_int(2), "target": _read_target, "T": read_int(1),
    "seed": read_int(0), "sharpness": read_real, "activation": read_choice("sigmoid", "tanh")}


def _rebuild_float_a(description: Any) -> list[dict[str, Any]]:
    """The instance of :func:`_describe_float_a` (its floats are JSON round-trip decimals)."""
    return [read_fields(description, _FLOAT_A_READERS, derived=("f",))]


RESULT_A_RELU = register(
    from_catalog(
        "wx23.result_a.relu",
        tiers=(
            Tier("exact (sympy)", _sample_relu_exact,
                 lambda insts: [relu_exact_margin(i) for i in insts], _describe_relu_exact,
                 batch=10, max_instances=30, unit="fraction", rebuild=_rebuild_relu_exact),
            Tier("float64 (scan core)", lambda rng, n: _sample_float_a(rng, n, 60),
                 lambda insts: [relu_float_margin(i) for i in insts], _describe_float_a,
                 batch=50, unit="fraction", rebuild=_rebuild_float_a),
            Tier(balls.tier_name(),
                 lambda rng, n: _sample_certified_a(rng, n, _sample_float_a),
                 lambda insts: [relu_certified_margin(i) for i in insts], _describe_float_a,
                 batch=6, max_instances=CERTIFIED_INSTANCES, unit="fraction", certified=True,
                 rebuild=_rebuild_float_a),
        ),
        default_instances=120,
    )
)


# ================================================================ Result A, smooth σ
def _sample_smooth(rng: np.random.Generator, n: int, max_knots: int) -> list[dict[str, Any]]:
    """:func:`_sample_float_a` instances with a sharpness log-uniform on ``[1/2, 30]`` and, for
    about half of them, the target ``L |x - c|`` with ``c`` the midpoint of a middle cell.

    That target is the exact worst case at ``x = c`` over all ``L``-Lipschitz ``f`` (``G(c) -
    f(c) = L Σ_k w_k |t_k - c|`` with the step weights ``w_k ≥ 0``), so small sharpness
    exercises the bound's tail term ``e^{-s/2} coth(s/2)``, not only its first term.
    """
    out = _sample_float_a(rng, n, max_knots)
    for inst in out:
        inst["sharpness"] = float(np.exp(rng.uniform(np.log(0.5), np.log(30.0))))
        if rng.uniform() < 0.5:
            cell = (inst["N"] - 2) // 2 + int(rng.integers(0, 2)) * (inst["N"] > 2)
            inst["target"] = {"slope": float(rng.uniform(0.2, 3)), "cell": cell}
    return out


def _smooth_target(inst: dict[str, Any], mp: bool = False) -> tuple[Any, Any]:
    """``(f, L)`` of a smooth-step instance (float, or mpmath scalar-wise when ``mp``)."""
    params = inst["target"]
    if "slope" in params:
        L = mpmath.mpf(params["slope"]) if mp else params["slope"]
        a, b = (mpmath.mpf(inst[k]) if mp else inst[k] for k in ("a", "b"))
        c = a + (b - a) * (2 * params["cell"] + 1) / (2 * (inst["N"] - 1))
        return (lambda x: L * abs(x - c)) if mp else (lambda x: L * np.abs(x - c)), L
    if not mp:
        return _trig(params), _trig_constants(params)[0]
    A, w, phi = ([mpmath.mpf(float(v)) for v in params[k]] for k in ("A", "w", "phi"))

    def f(x: Any) -> Any:
        return mpmath.fsum(Ai * mpmath.sin(wi * x + pi) for Ai, wi, pi in zip(A, w, phi))

    return f, mpmath.fsum(abs(Ai) * wi for Ai, wi in zip(A, w))


def smooth_float_margin(inst: dict[str, Any], bound_factor: float = 1.0) -> float:
    """Float check of one smooth-step instance (dense grid through the scan core)."""
    _check_float_a(inst, bound_factor)
    f, L = _smooth_target(inst)
    approx = smooth_step_approximant(f, inst["a"], inst["b"], inst["N"],
                                     activation=inst["activation"],
                                     sharpness=inst["sharpness"])
    h = (inst["b"] - inst["a"]) / (inst["N"] - 1)
    x = _grid_sequences(inst, h)
    y = run_stack_float(approx.stack, x)
    err = float(np.max(np.abs(y[..., 0] - f(x[..., 0]))))
    l1, l2 = approx.stack.layers
    scale = float(np.sum(np.abs(l2.C)) * (1 + np.max(np.abs(l1.U)) * (inst["b"] - inst["a"])))
    bound = bound_factor * smooth_step_bound(L, h, inst["sharpness"])
    return relative_margin(bound, err, tolerance(NumberKind.FLOAT, scale))


def smooth_certified_margin(inst: dict[str, Any], bound_factor: Any = 1.0) -> float:
    """Certified smooth-step margin (the certified tier ★): the float network of
    :func:`smooth_step_approximant` and the target (trigonometric, or ``L |x - c|`` with ``c``
    the exact cell midpoint) evaluated in balls at the checked points, against
    ``bound_factor · L h (1/2 + e^{-s/2} coth(s/2))`` in balls; the lower end of
    ``(bound - error)/bound``."""
    _check_float_a(inst, bound_factor)
    f_float, _ = _smooth_target(inst)
    approx = smooth_step_approximant(f_float, inst["a"], inst["b"], inst["N"],
                                     activation=inst["activation"],
                                     sharpness=inst["sharpness"])

    def evaluate() -> float:
        with balls.precision():
            a, b = balls.ball(inst["a"]), balls.ball(inst["b"])
            h = (b - a) / (inst["N"] - 1)
            params = inst["target"]
            if "slope" in params:
                L = balls.ball(params["slope"])
                c = a + h * (2 * params["cell"] + 1) / 2

                def f(x: Any) -> Any:
                    return L * balls.absolute(x - c)
            else:
                f, L, _ = _ball_trig(params)
            err = _ball_sup_error(approx.stack, f, _certified_points(inst))
            s_ = balls.ball(inst["sharpness"])
            e = balls.exp(-s_)
            tail = balls.exp(-s_ / 2) * (1 + e) / (1 - e)  # e^{-s/2} coth(s/2)
            bound = balls.ball(bound_factor) * L * h * (balls.ball(0.5) + tail)
            return _ball_relative_margin(bound, err)

    return balls.decide(evaluate)


def _sample_smooth_mpmath(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    return _sample_smooth(rng, n, 10)


def smooth_mpmath_margin(inst: dict[str, Any], bound_factor: float = 1.0) -> float:
    """The smooth-step bound at 30 digits on the cell points and random points."""
    _check_float_a(inst, bound_factor)
    with mpmath.workdps(MPMATH_DPS):
        f, L = _smooth_target(inst, mp=True)
        a, b = mpmath.mpf(inst["a"]), mpmath.mpf(inst["b"])
        approx = smooth_step_approximant(f, a, b, inst["N"], activation=inst["activation"],
                                         sharpness=mpmath.mpf(inst["sharpness"]))
        h = (b - a) / (inst["N"] - 1)
        rng = np.random.default_rng(inst["seed"])
        pts = _grid(a, b, inst["N"] - 1, 6)
        pts += [a + (b - a) * mpmath.mpf(float(v)) for v in rng.uniform(0, 1, 16)]
        err = sup_error(lambda r: [f(r[0])], approx, [[min(p, b)] for p in pts])
        bound = bound_factor * smooth_step_bound(L, h, mpmath.mpf(inst["sharpness"]))
        return relative_margin(float(bound), float(err),
                               float(tolerance(NumberKind.MPMATH, 10 * inst["N"])))


RESULT_A_SMOOTH = register(
    from_catalog(
        "wx23.result_a.smooth",
        tiers=(
            Tier("float64 (scan core)", lambda rng, n: _sample_smooth(rng, n, 40),
                 lambda insts: [smooth_float_margin(i) for i in insts], _describe_float_a,
                 batch=50, unit="fraction", rebuild=_rebuild_float_a),
            Tier(f"mpmath dps={MPMATH_DPS}", _sample_smooth_mpmath,
                 lambda insts: [smooth_mpmath_margin(i) for i in insts], _describe_float_a,
                 batch=5, max_instances=15, unit="fraction", rebuild=_rebuild_float_a),
            Tier(balls.tier_name(),
                 lambda rng, n: _sample_certified_a(rng, n, _sample_smooth),
                 lambda insts: [smooth_certified_margin(i) for i in insts], _describe_float_a,
                 batch=6, max_instances=CERTIFIED_INSTANCES, unit="fraction", certified=True,
                 rebuild=_rebuild_float_a),
        ),
        default_instances=150,
    )
)


# ================================================================ Result B1
def _sample_b1_exact(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        T, p, d = int(rng.integers(1, 7)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
        taps = np.array([[[gaussian_rational(rng).as_real_imag()[0] for _ in range(d)]
                          for _ in range(p)] for _ in range(T)], dtype=object)
        x = np.array([[sympy.Rational(int(rng.integers(-9, 10)), int(rng.integers(1, 6)))
                       for _ in range(d)] for _ in range(T + 5)], dtype=object)
        out.append({"taps": taps, "x": x})
    return out


def b1_exact_margin(taps: Any, x: Any, layer: Any = None) -> float:
    """``inf`` when the shift register (or ``layer``) has kernel ``taps, 0, 0, 0`` and outputs
    ``taps * x`` exactly, and the Vandermonde realization matches the taps; else ``-inf``."""
    rho = as_taps(taps)
    if layer is not None and not isinstance(layer, SSMLayer):
        raise InvalidParameterError(f"layer: expected an SSMLayer or None, got {layer!r}")
    T, p, d = rho.shape
    layer = shift_register(rho) if layer is None else layer
    if layer.width != T * d:
        return -math.inf
    K = layer.kernel(T + 3)
    padded = np.concatenate([rho, np.zeros((3, p, d), dtype=int)])
    if any(sympy.simplify(v) != 0 for v in (K - padded).flat):
        return -math.inf
    if any(v != 0 for v in (layer.run(x) - causal_convolution(rho, x)).flat):
        return -math.inf
    vander = vandermonde_realization(rho, uniform_nodes(T))
    if any(v != 0 for v in (vander.kernel(T) - rho).flat):
        return -math.inf
    return math.inf


def _describe_b1_exact(insts: list[dict[str, Any]], i: int) -> dict[str, Any]:
    return {"taps": np.vectorize(str)(insts[i]["taps"]).tolist(),
            "x": np.vectorize(str)(insts[i]["x"]).tolist()}


def _rebuild_b1_exact(description: Any) -> list[dict[str, Any]]:
    """The instance of :func:`_describe_b1_exact`: rational taps ``(T, p, d)`` and input
    ``(n, d)``."""
    d = read_fields(description, {"taps": read_array(3, read_rational),
                                  "x": read_array(2, read_rational)})
    require(d["x"].shape[1] == d["taps"].shape[2], "description['x']",
            f"an input of {d['taps'].shape[2]} channels", description["x"])
    return [d]


_B1_FLOAT_READERS: dict[str, Reader] = {"T": read_int(1), "p": read_int(1), "d": read_int(1),
                                        "seed": read_int(0), "length": read_int(1)}


def _sample_b1_float(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        T, p, d = int(rng.integers(1, 49)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
        out.append({"T": T, "p": p, "d": d, "seed": int(rng.integers(2**31)),
                    "length": int(rng.integers(1024, 4097))})
    return out


def b1_float_margin(inst: dict[str, Any], corrupt: bool = False) -> float:
    """Decades of margin: scan of the shift register against the direct convolution."""
    _instance(inst, {"T": 1, "p": 1, "d": 1, "seed": 0, "length": 1})
    rng = np.random.default_rng(inst["seed"])
    taps = rng.standard_normal((inst["T"], inst["p"], inst["d"]))
    x = rng.uniform(-1, 1, (2, inst["length"], inst["d"]))
    layer = shift_register(taps)
    if corrupt:  # negative control: one wrong tap in C
        C = layer.C.copy()
        C[0, -1] += 1e-6
        layer = type(layer)(layer.W, layer.U, C)
    y = run_layer_float(layer, x)
    ref = causal_convolution(taps, x)
    scale = float(np.sum(np.abs(taps)))
    err = float(np.max(np.abs(y - ref)))
    return log_margin(err, tolerance(NumberKind.FLOAT, scale))


RESULT_B1 = register(
    from_catalog(
        "wx23.result_b1",
        tiers=(
            Tier("exact (sympy)", _sample_b1_exact,
                 lambda insts: [b1_exact_margin(i["taps"], i["x"]) for i in insts],
                 _describe_b1_exact, batch=10, max_instances=40, unit="exact",
                 rebuild=_rebuild_b1_exact),
            Tier("float64 (scan core)", _sample_b1_float,
                 lambda insts: [b1_float_margin(i) for i in insts],
                 lambda insts, i: insts[i], batch=20, unit="decades",
                 rebuild=lambda d: [read_fields(d, _B1_FLOAT_READERS)]),
        ),
        default_instances=100,
    )
)


# ================================================================ Result B2 (i)
def _sample_bt(rng: np.random.Generator, n: int, max_taps: int = 32) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        T = int(rng.integers(4, max_taps + 1))
        p = d = int(rng.integers(1, 3))
        decay = float(rng.uniform(0.5, 0.97))
        taps = rng.standard_normal((T, p, d)) * decay ** np.arange(T)[:, None, None]
        sv = hankel_singular_values(taps)
        rank = int(np.sum(sv > sv[0] * 1e-12))
        orders = [r for r in range(1, rank) if sv[r - 1] - sv[r] > 1e-6 * sv[r - 1]]
        r = int(rng.choice(orders)) if orders else rank
        out.append({"taps": taps, "order": r, "seed": int(rng.integers(2**31))})
    return out


def bt_margin(taps: np.ndarray, order: int, seed: int, drop_first: bool = False) -> float:
    """Smallest relative margin of the three balanced-truncation checks on one instance.

    ``drop_first`` (negative control) omits the largest discarded singular value from the bound.
    """
    check_int(seed, "seed", 0)
    bt = balanced_truncation(taps, order)
    bound = bt.bound
    if drop_first:
        bound = 2 * float(bt.singular_values[order + 1:].sum())
    hinf = hinf_error(taps, bt.layer)
    scale = float(np.sum(np.abs(taps)))
    slack = tolerance(NumberKind.FLOAT, scale)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (512, taps.shape[2]))
    diff = causal_convolution(taps, x) - run_layer_float(bt.layer, x)
    l2_gain = float(np.linalg.norm(diff) / np.linalg.norm(x))
    head, tail = l1_error_norm(taps, bt.layer)
    linf = float(np.max(np.abs(diff)) / np.max(np.abs(x)))
    return min(relative_margin(bound, hinf, slack), relative_margin(bound, l2_gain, slack),
               relative_margin(head + tail, linf, slack))


#: Taps at most, and frequencies checked, of the certified balanced-truncation tier.
CERTIFIED_TAPS = 12
CERTIFIED_FREQUENCIES = 6
BT_CERTIFIED_INSTANCES = 8


def _ball_tail_sigma(taps: np.ndarray, order: int) -> Any:
    """A ball whose lower end bounds ``Σ_{i > order} σ_i(H)`` from below (``H`` the Hankel
    matrix, exact float entries).

    With the float SVD ``H ≈ U diag(s) V^T`` (reduced), Weyl's inequality and
    ``σ_i(U S V^T) ≥ σ_min(U) s_i σ_min(V)`` give
    ``σ_i(H) ≥ s_i ((1 - e_U)(1 - e_V))^{1/2} - ‖H - U diag(s) V^T‖_F`` with
    ``e_U = ‖U^T U - I‖_F``, ``e_V = ‖V^T V - I‖_F``; each term is clipped at 0."""
    H = hankel_matrix(taps)
    Uf, sv, Vt = np.linalg.svd(H, full_matrices=False)
    Hb, Ub, Sb, Vb = balls.balls(H), balls.balls(Uf), balls.balls(sv), balls.balls(Vt)
    eye = balls.balls(np.eye(sv.size))
    resid = balls.norm2((Hb - (Ub * Sb[None, :]) @ Vb).ravel())
    e_u = balls.norm2((Ub.T @ Ub - eye).ravel())
    e_v = balls.norm2((Vb @ Vb.T - eye).ravel())
    shrink = balls.sqrt(1 - e_u) * balls.sqrt(1 - e_v)
    return sum((balls.maximum(Sb[i] * shrink - resid, 0) for i in range(order, sv.size)),
               balls.ball(0))


def _ball_spectral_upper(M: np.ndarray) -> Any:
    """A ball bounding ``‖M‖_2`` of a matrix of :class:`verify.balls.CBall` s from above:
    exact for a vector and for ``2 × 2`` (largest eigenvalue of ``M^H M``), the Frobenius norm
    otherwise."""
    if min(M.shape) == 1 or M.shape != (2, 2):
        return balls.norm2(M.ravel())
    cols = [M[:, 0], M[:, 1]]
    a, c = balls.norm2(cols[0]) ** 2, balls.norm2(cols[1]) ** 2
    re = sum(((x.re * y.re + x.im * y.im) for x, y in zip(*cols)), balls.ball(0))
    im = sum(((x.re * y.im - x.im * y.re) for x, y in zip(*cols)), balls.ball(0))
    half = (a - c) / 2
    return balls.sqrt((a + c) / 2 + balls.sqrt(half * half + re * re + im * im))


def _checked_frequencies(taps: np.ndarray, layer: SSMLayer) -> list[float]:
    """The ``CERTIFIED_FREQUENCIES`` frequencies of largest float error on a 1024-point grid
    of ``[0, π]`` (the float tier's peaks, up to its refinement)."""
    om = np.pi * np.arange(1024) / 1023
    fir = np.einsum("ns,spd->npd", np.exp(-1j * om[:, None] * np.arange(taps.shape[0])), taps)
    gains = np.linalg.norm(fir - frequency_response(layer, om), ord=2, axis=(1, 2))
    return [float(om[i]) for i in np.argsort(gains)[-CERTIFIED_FREQUENCIES:]]


def _contraction_power(W: np.ndarray) -> int:
    """The least power of two ``k ≤ 2^12`` with ``‖W^k‖_F ≤ 1/2`` in float (a guess that the
    balls then check)."""
    k, P = 1, np.asarray(W, dtype=float)
    while np.linalg.norm(P) > 0.5 and k < 2**12:
        k, P = 2 * k, P @ P
    return k


def _bt_precision(taps: np.ndarray, W: np.ndarray) -> int:
    """Working precision for the kernel recurrence of :func:`_ball_error_kernel`: radii grow
    like the powers of ``|W|`` (entrywise), so ``S log2 ‖|W|‖_∞`` bits are added for the ``S``
    steps (rounded up to 64 bits)."""
    steps = taps.shape[0] + 17 * _contraction_power(W)
    growth = max(1.0, float(np.abs(W).sum(axis=1).max()))
    extra = math.ceil(steps * math.log2(growth) / 64) * 64
    return balls.WORKING_PREC + extra


def _ball_error_kernel(taps: np.ndarray, layer: SSMLayer) -> tuple[list[np.ndarray], Any]:
    """Balls of the error kernel ``e_s = ρ_s - C W^s U`` for ``s < S = T + 16k`` and a ball
    bounding ``Σ_{s ≥ S} ‖C W^s U‖_F`` from above: ``‖C‖_F Σ_{j<k} ‖W^j W^S U‖_F / (1 - q)``,
    ``q = ‖W^k‖_F ≤ 1/2`` for the power of two ``k`` of :func:`_contraction_power` (checked
    in balls; the unbounded ball if ``q < 1`` is not certain)."""
    W, U, C = balls.balls(layer.W), balls.balls(layer.U), balls.balls(layer.C)
    k, P = _contraction_power(layer.W), W
    for _ in range(k.bit_length() - 1):
        P = P @ P
    q = balls.norm2(P.ravel())
    T = taps.shape[0]
    rho = balls.balls(taps)
    V, errs = U, []
    for s in range(T + 16 * k):
        K = C @ V
        errs.append(rho[s] - K if s < T else -K)
        V = W @ V
    acc = balls.ball(0)
    for _ in range(k):
        acc = acc + balls.norm2(V.ravel())
        V = W @ V
    if not balls.upper(q) < 1:
        return errs, balls.unbounded()
    return errs, balls.norm2(C.ravel()) * acc / (1 - q)


def bt_certified_margin(taps: np.ndarray, order: int, bound_factor: Any = 1.0) -> float:
    """Certified margin of the ``H∞`` bound of balanced truncation (the certified tier ★).

    The lower end of ``(bound - error)/bound`` with ``bound = 2 Σ_{i>r} σ_i`` bounded from below
    in balls (:func:`_ball_tail_sigma`: rigorous Hankel singular values from the float SVD and
    its residuals) and ``error`` bounded from above at the ``CERTIFIED_FREQUENCIES`` frequencies
    of largest float error: ``‖Σ_{s<S} e_s e^{-iωs}‖_2`` in balls plus the rigorous tail of the
    reduced layer's kernel (:func:`_ball_error_kernel`). Checked points only: a grid maximum
    never exceeds the ``H∞`` norm. (The float tier's ``ℓ²`` and ``ℓ∞`` gains on one random input
    follow from the ``H∞`` and ``ℓ¹`` norms and are not repeated here.) ``bound_factor``
    scales the bound (negative controls).
    """
    check_int(order, "order", 1)
    check_real(bound_factor, "bound_factor", minimum=0, strict=True)
    bt = balanced_truncation(taps, order)
    rho = np.asarray(taps, dtype=float)
    freqs = _checked_frequencies(rho, bt.layer)

    def evaluate() -> float:
        with balls.precision():
            bound = 2 * balls.ball(bound_factor) * _ball_tail_sigma(rho, order)
            errs, tail = _ball_error_kernel(rho, bt.layer)
            worst = balls.ball(0)
            for om in freqs:
                z = balls.CBall(balls.cos(om), -balls.sin(om))
                power = balls.CBall(1)
                total = np.array([[balls.CBall(0)] * rho.shape[2]] * rho.shape[1], dtype=object)
                for e in errs:
                    total = total + np.array([[power * x for x in row] for row in e], dtype=object)
                    power = power * z
                worst = balls.maximum(worst, _ball_spectral_upper(total) + tail)
            return _ball_relative_margin(bound, worst)

    with balls.precision(_bt_precision(rho, bt.layer.W)):
        return balls.decide(evaluate)


def _describe_bt(insts: list[dict[str, Any]], i: int) -> dict[str, Any]:
    inst = insts[i]
    sv = hankel_singular_values(inst["taps"])
    return {"taps": inst["taps"].tolist(), "order": inst["order"], "seed": inst["seed"],
            "hankel_singular_values": sv.tolist()}


def _rebuild_bt(description: Any) -> list[dict[str, Any]]:
    """The instance of :func:`_describe_bt` (float taps ``(T, p, d)`` as round-trip decimals;
    the singular values are derived)."""
    return [read_fields(description, {"taps": read_array(3), "order": read_int(1),
                                      "seed": read_int(0)},
                        derived=("hankel_singular_values",))]


RESULT_B2_BT = register(
    from_catalog(
        "wx23.result_b2.balanced_truncation",
        tiers=(
            Tier("float64", _sample_bt, lambda insts: [bt_margin(i["taps"], i["order"],
                                                                 i["seed"]) for i in insts],
                 _describe_bt, batch=20, unit="fraction", rebuild=_rebuild_bt),
            Tier(balls.tier_name(f"T <= {CERTIFIED_TAPS}"),
                 lambda rng, n: _sample_bt(rng, n, CERTIFIED_TAPS),
                 lambda insts: [bt_certified_margin(i["taps"], i["order"]) for i in insts],
                 _describe_bt, batch=3, max_instances=BT_CERTIFIED_INSTANCES, unit="fraction",
                 certified=True, rebuild=_rebuild_bt),
        ),
        default_instances=40,
    )
)


# ================================================================ Result B2 (ii)
def _sample_expsum(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        family = str(rng.choice(["damped_sine", "damped_rational"]))
        out.append({"family": family, "amp": float(rng.uniform(0.2, 2)),
                    "lam": float(rng.uniform(0.5, 2)), "omega": float(rng.uniform(0, 5)),
                    "phi": float(rng.uniform(0, 2 * np.pi)), "n": int(rng.integers(2, 41))})
    return out


def expsum_target(inst: dict[str, Any]) -> tuple[Any, float, float, float]:
    """``(ρ, α, g(0), L)`` with ``L`` a proven Lipschitz constant of ``g(u) = ρ(ln(1/u)/α)/u``.

    ``damped_sine``: ``ρ = A e^{-λt} sin(ωt + φ)``, ``α = λ/2``, ``g = A u sin((ω/α) ln(1/u) + φ)``,
    ``|g'| ≤ A sqrt(1 + (ω/α)²)``. ``damped_rational``: ``ρ = A e^{-λt}/(1 + t)``, ``α = λ/2``,
    ``g = A u / (1 + ln(1/u)/α)``, ``|g'| ≤ A (1 + 1/α)``.
    """
    _instance(inst, dict.fromkeys(("family", "amp", "lam", "omega", "phi")))
    if inst["family"] not in ("damped_sine", "damped_rational"):
        raise InvalidParameterError(f"inst['family']: expected 'damped_sine' or "
                                    f"'damped_rational', got {inst['family']!r}")
    A, lam, om, phi = inst["amp"], inst["lam"], inst["omega"], inst["phi"]
    alpha = lam / 2
    if inst["family"] == "damped_sine":
        def rho(t: Any) -> Any:
            return A * mpmath.exp(-lam * t) * mpmath.sin(om * t + phi)

        return rho, alpha, 0.0, A * math.sqrt(1 + (om / alpha) ** 2)

    def rho_r(t: Any) -> Any:
        return A * mpmath.exp(-lam * t) / (1 + t)

    return rho_r, alpha, 0.0, A * (1 + 1 / alpha)


_EXPSUM_READERS: dict[str, Reader] = {
    "family": read_choice("damped_sine", "damped_rational"), "amp": read_real, "lam": read_real,
    "omega": read_real, "phi": read_real, "n": read_int(1)}


_U_NODES, _U_WEIGHTS = np.polynomial.legendre.leggauss(8)


def expsum_margin(inst: dict[str, Any], bound_factor: float = 1.0) -> float:
    """Sup and L¹ Bernstein bounds (float, dense ``u`` grid) and the exponential form (mpmath)."""
    _instance(inst, {"n": 1})
    check_real(bound_factor, "bound_factor", minimum=0, strict=True)
    rho, alpha, g0, L = expsum_target(inst)
    n = inst["n"]
    with mpmath.workdps(MPMATH_DPS):
        es = bernstein_exponential_sum(rho, alpha, n, g0)
        # realization: Σ a_j e^{-r_j t} equals u B_n g(u) (the same polynomial) at 30 digits
        for t in (mpmath.mpf(0), mpmath.mpf("0.37"), mpmath.mpf(3)):
            u = mpmath.exp(-es.alpha * t)
            expo = mpmath.fsum(a * mpmath.exp(-r * t) for a, r in zip(es.coefficients, es.rates))
            bern = u * mpmath.fsum(gk * mpmath.binomial(n, k) * u**k * (1 - u) ** (n - k)
                                   for k, gk in enumerate(es.bernstein_values))
            scale = mpmath.fsum(abs(a) for a in es.coefficients)
            if abs(expo - bern) > tolerance(NumberKind.MPMATH, 1000 * scale):
                return -math.inf
    edges = np.linspace(0.0, 1.0, 257)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    u = (mid[:, None] + half[:, None] * _U_NODES[None, :]).ravel()
    w = (half[:, None] * _U_WEIGHTS[None, :]).ravel()
    g = np.array([float(rho(math.log(1 / v) / alpha)) / v for v in u])
    diff = np.abs(g - es.bernstein(u))
    sup = float(diff.max())
    l1 = float(np.sum(w * diff)) / alpha
    slack = tolerance(NumberKind.FLOAT, 10 * float(np.max(np.abs(g)) + 1))
    sup_bound = bound_factor * bernstein_sup_bound(n, lipschitz=L)
    l1_bound = bound_factor * bernstein_l1_bound(n, alpha, lipschitz=L)
    return min(relative_margin(sup_bound, sup, slack), relative_margin(l1_bound, l1, slack))


#: ``u`` points of the certified tier of B2 (ii): the edges and midpoints of ``CERTIFIED_PANELS``
#: equal panels of ``(0, 1]``.
CERTIFIED_PANELS = 128


def _ball_rho(inst: dict[str, Any]) -> tuple[Any, Any, Any]:
    """``ρ(t)`` in balls, ``α = λ/2`` and the Lipschitz constant ``L`` of ``g`` in balls, from
    the exact float parameters (the formulas of :func:`expsum_target`)."""
    A, lam, om, phi = (balls.ball(inst[k]) for k in ("amp", "lam", "omega", "phi"))
    alpha = lam / 2
    if inst["family"] == "damped_sine":
        def rho(t: Any) -> Any:
            return A * balls.exp(-lam * t) * balls.sin(om * t + phi)

        return rho, alpha, balls.absolute(A) * balls.sqrt(1 + (om / alpha) ** 2)

    def rho_r(t: Any) -> Any:
        return A * balls.exp(-lam * t) / (1 + t)

    return rho_r, alpha, balls.absolute(A) * (1 + 1 / alpha)


def expsum_certified_margin(inst: dict[str, Any], bound_factor: Any = 1.0) -> float:
    """Certified sup margin of the Bernstein sum (the certified tier ★): ``g(u) =
    ρ(ln(1/u)/α)/u`` and ``B_n g(u) = Σ_k g(k/n) C(n, k) u^k (1-u)^{n-k}`` (``g(0) = 0``, the
    limit of both families) in balls at the edges and midpoints of ``CERTIFIED_PANELS`` panels
    of ``(0, 1]``, against ``bound_factor · L/(2√n)`` in balls; the lower end of
    ``(bound - max error)/bound``. (The ``L¹`` bound is checked by quadrature in the float tier
    only: a quadrature is not a rigorous integral.)"""
    _instance(inst, {"n": 1})
    expsum_target(inst)  # validates the family and the parameters
    check_real(bound_factor, "bound_factor", minimum=0, strict=True)
    n = inst["n"]

    def evaluate() -> float:
        with balls.precision():
            rho, alpha, L = _ball_rho(inst)

            def g(u: Any) -> Any:
                return rho(balls.log(1 / u) / alpha) / u

            nodes = [g(balls.ball(sympy.Rational(k, n))) if k else balls.ball(0)
                     for k in range(n + 1)]
            weights = [nodes[k] * math.comb(n, k) for k in range(n + 1)]
            err = balls.ball(0)
            for j in range(1, 2 * CERTIFIED_PANELS + 1):
                u = balls.ball(sympy.Rational(j, 2 * CERTIFIED_PANELS))
                v = 1 - u
                pu, pv = [balls.ball(1)], [balls.ball(1)]
                for _ in range(n):
                    pu.append(pu[-1] * u)
                    pv.append(pv[-1] * v)
                bern = sum((w * pu[k] * pv[n - k] for k, w in enumerate(weights)), balls.ball(0))
                err = balls.maximum(err, balls.absolute(g(u) - bern))
            bound = balls.ball(bound_factor) * L / (2 * balls.sqrt(balls.ball(n)))
            return _ball_relative_margin(bound, err)

    return balls.decide(evaluate)


RESULT_B2_EXP = register(
    from_catalog(
        "wx23.result_b2.exponential_sum",
        tiers=(
            Tier("float64 + mpmath coefficients", _sample_expsum,
                 lambda insts: [expsum_margin(i) for i in insts],
                 lambda insts, i: insts[i], batch=10, unit="fraction",
                 rebuild=lambda d: [read_fields(d, _EXPSUM_READERS)]),
            Tier(balls.tier_name(), _sample_expsum,
                 lambda insts: [expsum_certified_margin(i) for i in insts],
                 lambda insts, i: insts[i], batch=4, max_instances=CERTIFIED_INSTANCES,
                 unit="fraction", certified=True,
                 rebuild=lambda d: [read_fields(d, _EXPSUM_READERS)]),
        ),
        default_instances=40,
    )
)
