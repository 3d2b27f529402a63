"""Hammerstein targets ``H(u)_t = Σ_s ρ_s f(u_{t-s})`` by WX23's layers, within their budget.

Claim ``wx23.hammerstein.budget`` (construction, budget and worst inputs:
:mod:`theory.hammerstein`): the three-layer ReLU stack (Result A's interpolant of ``f`` on ``N``
knots, then a linear layer realizing the filter) has, on every input ``u ∈ [a, b]^T``,

    max_t |H(u)_t - Ĥ(u)_t| ≤ ε_f ‖ρ‖_{1,T} + ‖ρ - ρ̂‖_{1,T} ‖f̂‖_∞

with ``ε_f = min(L h/2, h² M_2/8)`` (Result A). Every instance is described by a JSON-able
*spec* (what ``describe`` prints and ``rebuild`` reads back).

* ``exact (sympy)`` — piecewise-linear ``f`` with rational breakpoints and values, rational
  stable filters (diagonal or FIR), realized exactly or truncated to ``n`` taps
  (:func:`theory.hammerstein.truncated_filter`). The worst input is computed exactly
  (:func:`theory.hammerstein.worst_case_error`: the supremum over all of ``[a, b]^T``), run
  through the stack in exact arithmetic, and its error must equal the predicted supremum; three
  random rational inputs must not exceed it. Every third instance is the *sharp* family
  (zigzag of height ``A`` above an offset ``c ≥ 0``, positive kernel, truncated realization),
  on which the error equals the budget: margin exactly 0.
* ``float64 (scan core)`` — trigonometric ``f`` (declared ``L`` and ``M_2``) or float zigzags,
  random stable filters (:func:`verify.sampling.random_stable_layer`), realized exactly or by
  balanced truncation (Result B2) of their first ``min(T, BT_TAPS)`` taps; 32 random inputs
  and the worst input over a 257-point grid (plus the knots and breakpoints) run through the
  scan core.

Margin (unit ``fraction``): ``(budget - error) / budget`` with ``error`` the largest over the
inputs; float errors are first reduced by the rounding allowance
``tolerance(float, 16 T N (‖ρ‖_{1,T} + ‖ρ̂‖_{1,T}) (max|f| + ‖f̂‖_∞ + 1))``. Exact tier: ``-inf``
if the worst input's exact error differs from the predicted supremum or a random input beats it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from theory.convolution import balanced_truncation
from theory.hammerstein import (
    HammersteinApproximant,
    HammersteinTarget,
    PiecewiseLinear,
    hammerstein_budget,
    hammerstein_network,
    truncated_filter,
    worst_case_error,
)
from theory.layers import SSMLayer
from theory.numbers import InvalidParameterError, NumberKind, exact_equal, tolerance
from theory.validation import check_int, check_real, fail
from verify.registry import Tier, from_catalog, register
from verify.sampling import random_stable_layer
from verify.stack_eval import run_layer_float, run_stack_float

__all__ = ["build_instance", "exact_margin", "float_margin", "sharp_spec"]

R = sympy.Rational
FLOAT_INPUTS = 32
GRID_POINTS = 257
BT_TAPS = 24  # balanced truncation reduces the first BT_TAPS taps (the rest is filter error)

NetworkFn = Callable[[HammersteinTarget, int, Any], HammersteinApproximant]


# ------------------------------------------------------------------------------ validation
def _spec(spec: Any) -> dict[str, Any]:
    """The module's validation choke point for instance specs."""
    if not isinstance(spec, dict) or spec.get("kind") not in ("exact", "float"):
        fail("spec", "an instance spec (a dict with kind 'exact' or 'float')", spec)
    for key in ("a", "b", "f", "filter", "N", "T"):
        if key not in spec:
            fail("spec", f"an instance spec with the key {key!r}", spec)
    check_int(spec["N"], "spec['N']", 2)
    check_int(spec["T"], "spec['T']", 1)
    return spec


def _controls(budget_factor: Any, network: Any) -> Any:
    factor = check_real(budget_factor, "budget_factor", minimum=0, strict=True, exact=True)
    if not callable(network):
        fail("network", "a callable (target, N, realization) -> HammersteinApproximant", network)
    return factor


# ------------------------------------------------------------------------------ specs
def _number(value: Any, exact: bool) -> Any:
    return R(value) if exact else float(value)


def _layer(desc: dict[str, Any], exact: bool) -> SSMLayer:
    def arr(v: Any) -> Any:
        return None if v is None else np.vectorize(lambda e: _number(e, exact),
                                                   otypes=[object if exact else float])(
            np.asarray(v, dtype=object))

    return SSMLayer(arr(desc["W"]), arr(desc["U"]), arr(desc["C"]), arr(desc.get("D")))


def _trig(params: dict[str, Any]) -> tuple[Callable[[Any], Any], float, float]:
    """``f(x) = Σ_k A_k sin(w_k x + φ_k)`` with ``L = Σ |A_k| w_k`` and ``M_2 = Σ |A_k| w_k²``."""
    A, w, phi = (np.asarray(params[k], dtype=float) for k in ("A", "w", "phi"))

    def f(x: Any) -> Any:
        xa = np.asarray(x, dtype=float)
        return np.sum(A * np.sin(w * xa[..., None] + phi), axis=-1)

    return f, float(np.sum(np.abs(A) * w)), float(np.sum(np.abs(A) * w**2))


def build_instance(spec: dict[str, Any]) -> tuple[HammersteinTarget, HammersteinApproximant,
                                                  list[np.ndarray]]:
    """Target, approximant (by :func:`theory.hammerstein.hammerstein_network`) and the random
    inputs ``(T, 1)`` of an instance spec (see the module docstring).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``spec`` is not an instance spec (or describes an invalid target).
    """
    return _build(_spec(spec), hammerstein_network)


def _build(spec: dict[str, Any], network: NetworkFn) -> tuple[HammersteinTarget,
                                                              HammersteinApproximant,
                                                              list[np.ndarray]]:
    exact = spec["kind"] == "exact"
    a, b = _number(spec["a"], exact), _number(spec["b"], exact)
    filt = _layer(spec["filter"], exact)
    fdesc = spec["f"]
    if fdesc["type"] == "pl":
        f = PiecewiseLinear([_number(p, exact) for p in fdesc["points"]],
                            [_number(v, exact) for v in fdesc["values"]])
        target = HammersteinTarget(f, filt, a, b)
    else:
        fn, L, M2 = _trig(fdesc)
        target = HammersteinTarget(fn, filt, a, b, L, M2)
    real = spec.get("realization")
    if real is None:
        layer = None
    elif real["type"] == "truncate":
        layer = truncated_filter(filt, real["n"])
    else:
        layer = balanced_truncation(filt.kernel(min(spec["T"], BT_TAPS)), real["order"]).layer
    approx = network(target, spec["N"], layer)
    inputs = [np.array([[_number(v, exact)] for v in row],
                       dtype=object if exact else float) for row in spec.get("inputs", [])]
    return target, approx, inputs


def _rational_text(rng: np.random.Generator, lo: float, hi: float, den: int) -> str:
    return str(R(int(rng.integers(math.ceil(lo * den), math.floor(hi * den) + 1)), den))


def _exact_filter(rng: np.random.Generator, positive: bool) -> dict[str, Any]:
    """A rational stable SISO filter: diagonal ``W`` (entries in ``(-1, 1)``) or an FIR shift
    register; positive entries (a non-negative kernel) when ``positive``."""
    lo = 0 if positive else -1
    if not positive and rng.integers(2):
        taps = [_rational_text(rng, -2, 2, 4) for _ in range(int(rng.integers(1, 5)))]
        m = len(taps)  # the shift register of Result B1: kernel = taps
        W = [["1" if i == j + 1 else "0" for j in range(m)] for i in range(m)]
        return {"W": W, "U": [["1"]] + [["0"]] * (m - 1), "C": [taps], "D": None}
    m = int(rng.integers(1, 4))
    W = [[_rational_text(rng, lo * 7 / 8, 7 / 8, 8) if i == j else "0" for j in range(m)]
         for i in range(m)]
    U = [[_rational_text(rng, lo * 2 + (1 / 4 if positive else 0), 2, 4)] for _ in range(m)]
    C = [[_rational_text(rng, lo * 2 + (1 / 4 if positive else 0), 2, 4) for _ in range(m)]]
    D = None if positive or rng.integers(2) else [[_rational_text(rng, -1, 1, 4)]]
    return {"W": W, "U": U, "C": C, "D": D}


def _exact_inputs(rng: np.random.Generator, a: Any, b: Any, T: int) -> list[list[str]]:
    return [[str(a + (b - a) * R(int(rng.integers(0, 17)), 16)) for _ in range(T)]
            for _ in range(3)]


def sharp_spec(rng: np.random.Generator, kind: str = "exact") -> dict[str, Any]:
    """A spec of the sharp family: zigzag ``f`` (value ``c ≥ 0`` at the knots, ``c + A``, ``A > 0``,
    at the cell midpoints), a positive diagonal filter, truncated to ``n`` taps; error = budget.

    Raises
    ------
    theory.numbers.InvalidParameterError
        On a bad generator or ``kind`` not ``"exact"`` or ``"float"``.
    """
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy Generator", rng)
    if kind not in ("exact", "float"):
        fail("kind", "'exact' or 'float'", kind)
    N, T = int(rng.integers(2, 6)), int(rng.integers(2, 9))
    a = R(int(rng.integers(-8, 1)), 4)
    b = a + R(int(rng.integers(4, 13)), 4)
    h = (b - a) / (N - 1)
    height, c = R(int(rng.integers(1, 9)), 8), R(int(rng.integers(0, 9)), 8)  # budget > 0
    points = [a + h * k / 2 for k in range(2 * N - 1)]
    values = [c + (height if k % 2 else 0) for k in range(2 * N - 1)]
    spec: dict[str, Any] = {
        "kind": kind, "family": "sharp", "a": str(a), "b": str(b),
        "f": {"type": "pl", "points": [str(p) for p in points],
              "values": [str(v) for v in values]},
        "filter": _exact_filter(rng, positive=True), "N": N, "T": T,
        "realization": {"type": "truncate", "n": int(rng.integers(1, T + 1))},
        "inputs": _exact_inputs(rng, a, b, T),
    }
    return spec if kind == "exact" else _as_float(spec, rng)


def _as_float(spec: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The same spec with float numbers (for the float tier) and a seed for its inputs."""
    def conv(v: Any) -> Any:
        if isinstance(v, list):
            return [conv(e) for e in v]
        return None if v is None else float(R(v))

    out = {**spec, "kind": "float", "a": conv(spec["a"]), "b": conv(spec["b"]),
           "f": {"type": "pl", "points": conv(spec["f"]["points"]),
                 "values": conv(spec["f"]["values"])},
           "filter": {k: conv(v) for k, v in spec["filter"].items()},
           "seed": int(rng.integers(2**31))}
    out.pop("inputs", None)
    return out


def _random_exact_spec(rng: np.random.Generator) -> dict[str, Any]:
    a = R(int(rng.integers(-8, 1)), 4)
    b = a + R(int(rng.integers(4, 13)), 4)
    inner = sorted({a + (b - a) * R(int(rng.integers(1, 16)), 16)
                    for _ in range(int(rng.integers(0, 5)))})
    points = [a] + inner + [b]
    T = int(rng.integers(2, 9))
    return {
        "kind": "exact", "family": "random", "a": str(a), "b": str(b),
        "f": {"type": "pl", "points": [str(p) for p in points],
              "values": [_rational_text(rng, -2, 2, 4) for _ in points]},
        "filter": _exact_filter(rng, positive=False), "N": int(rng.integers(2, 7)), "T": T,
        "realization": None if rng.integers(2) else {"type": "truncate",
                                                     "n": int(rng.integers(1, T + 1))},
        "inputs": _exact_inputs(rng, a, b, T),
    }


def _sample_exact(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    return [sharp_spec(rng) if i % 3 == 2 else _random_exact_spec(rng)
            for i in range(check_int(n, "n", 1))]


def _random_float_spec(rng: np.random.Generator) -> dict[str, Any]:
    a = float(rng.uniform(-3, 1))
    k = int(rng.integers(1, 4))
    layer = random_stable_layer(rng, 1, int(rng.integers(1, 5)), 1, float(rng.uniform(0.3, 0.95)),
                                dense=bool(rng.integers(2)), feedthrough=bool(rng.integers(2)),
                                bias=False)
    T = int(rng.integers(16, 129))
    real = None
    if rng.integers(2):
        real = {"type": "balanced", "order": int(rng.integers(1, layer.width + 1))}
    return {
        "kind": "float", "family": "random", "a": a, "b": a + float(rng.uniform(0.5, 5)),
        "f": {"type": "trig", "A": rng.uniform(-1.5, 1.5, k).tolist(),
              "w": rng.uniform(0.2, 4.0, k).tolist(), "phi": rng.uniform(0, 2 * np.pi, k).tolist()},
        "filter": {"W": layer.W.tolist(), "U": layer.U.tolist(), "C": layer.C.tolist(),
                   "D": None if layer.D is None else layer.D.tolist()},
        "N": int(rng.integers(2, 33)), "T": T, "realization": real,
        "seed": int(rng.integers(2**31)),
    }


def _sample_float(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    return [sharp_spec(rng, "float") if i % 4 == 3 else _random_float_spec(rng)
            for i in range(check_int(n, "n", 1))]


# ------------------------------------------------------------------------------ checks
def _fraction(budget: Any, error: Any) -> float:
    if budget == 0:
        return math.inf if error <= 0 else -math.inf
    return float((budget - max(error, 0 * error)) / budget)


def exact_margin(spec: dict[str, Any], budget_factor: Any = 1,
                 network: NetworkFn = hammerstein_network) -> float:
    """Exact ``(budget - error) / budget`` of an exact spec (module docstring).

    ``budget_factor`` scales the budget and ``network`` builds the approximant (negative
    controls: a factor below 1 on the sharp family, or a broken construction, must give a
    negative margin).

    Raises
    ------
    theory.numbers.InvalidParameterError
        On a spec that is not an exact instance spec, a factor that is not a finite number
        ``> 0`` or a ``network`` that is not callable.
    """
    spec = _spec(spec)
    if spec["kind"] != "exact":
        fail("spec", "an exact instance spec", spec)
    factor = R(_controls(budget_factor, network))
    target, approx, inputs = _build(spec, network)
    T = spec["T"]
    budget = hammerstein_budget(target, approx, T).total * factor
    worst = worst_case_error(target, approx, T)
    diff = target(worst.u) - approx.stack.run(worst.u)
    if not exact_equal(worst.sign * diff[worst.t, 0], worst.error):
        return -math.inf
    error = max(abs(v) for v in diff[:, 0])
    for u in inputs:
        e = max(abs(v) for v in (target(u) - approx.stack.run(u))[:, 0])
        if e > worst.error:
            return -math.inf
        error = max(error, e)
    return _fraction(budget, error)


def float_margin(spec: dict[str, Any], budget_factor: Any = 1,
                 network: NetworkFn = hammerstein_network) -> float:
    """Float ``(budget - (error - slack)) / budget`` of a float spec (module docstring).

    Raises
    ------
    theory.numbers.InvalidParameterError
        As :func:`exact_margin`, for a float instance spec.
    """
    spec = _spec(spec)
    if spec["kind"] != "float":
        fail("spec", "a float instance spec", spec)
    factor = float(_controls(budget_factor, network))
    target, approx, _ = _build(spec, network)
    T = spec["T"]
    parts = hammerstein_budget(target, approx, T)
    points = None
    if not isinstance(target.f, PiecewiseLinear):
        points = target.a + (target.b - target.a) * np.arange(GRID_POINTS) / (GRID_POINTS - 1)
        points[-1] = target.b
    worst = worst_case_error(target, approx, T, points)
    rng = np.random.default_rng(check_int(spec.get("seed", 0), "spec['seed']", 0))
    u = rng.uniform(target.a, target.b, (FLOAT_INPUTS, T, 1))
    u = np.clip(np.concatenate([u, worst.u.astype(float)[None]]), target.a, target.b)
    f_u = np.asarray(target.f(u[..., 0]), dtype=float)[..., None]
    y = run_layer_float(target.filter, f_u)
    y_hat = run_stack_float(approx.stack, u)
    error = float(np.max(np.abs(y - y_hat)))
    rho_hat_l1 = float(np.sum(np.abs(approx.realization.kernel(T))))
    scale = 16 * T * spec["N"] * (parts.rho_l1 + rho_hat_l1) * \
        (float(np.max(np.abs(f_u))) + parts.f_hat_sup + 1)
    slack = tolerance(NumberKind.FLOAT, scale)
    return _fraction(parts.total * factor, error - slack)


def _describe(specs: list[dict[str, Any]], i: int) -> dict[str, Any]:
    return specs[i]


def _rebuild(desc: Any) -> list[dict[str, Any]]:
    try:
        build_instance(desc)
    except (InvalidParameterError, KeyError, TypeError) as exc:
        raise ValueError(f"desc: not a Hammerstein instance spec ({exc})") from None
    return [desc]


BUDGET = register(
    from_catalog(
        "wx23.hammerstein.budget",
        tiers=(
            Tier("exact (sympy)", _sample_exact,
                 lambda specs: [exact_margin(s) for s in specs], _describe, batch=10,
                 max_instances=15, unit="fraction", rebuild=_rebuild),
            Tier("float64 (scan core)", _sample_float,
                 lambda specs: [float_margin(s) for s in specs], _describe, batch=10,
                 max_instances=24, unit="fraction", rebuild=_rebuild),
        ),
        default_instances=40,
    )
)
