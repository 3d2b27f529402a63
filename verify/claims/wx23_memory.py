"""WX23 Theorem 3.13 (exponentially decaying memory) and the memory of linear stacks.

Claims:

* ``wx23.thm3.13.bound`` — for random stable stacks (depth 1–4, dense or diagonal ``W``,
  biases, feed-through) with tanh, ReLU, sigmoid or hard-tanh between the layers, the memory
  ``ρ̂_k = |y_{k+1} - y_k|_2`` of step inputs in random directions never exceeds the bound
  ``K (1+k)^p r^k`` of :func:`theory.memory.memory_bound_constants`. The measured difference
  carries a rounding error of at most ``floor = tolerance(float, max_k |y_k|_2)``, so the
  comparison is ``ρ̂_k ≤ bound_k + floor`` on the indices with ``ρ̂_k > floor`` (below it the
  curve is rounding noise). Margin: the minimum over directions and those ``k`` of
  ``log10((bound_k + floor) / ρ̂_k)`` in decades. (For one scalar diagonal layer the bound is
  attained exactly, so the rounding allowance is needed.) A second tier runs the *sharp
  families* (:data:`SHARP_FAMILIES`), on which the bound is attained: exactly for one scalar
  layer and for the ``σ(0) √p`` offset (sigmoid, ``x = 0``), within ``2 (1 + |r|/a)`` for a
  Jordan layer ``[[r, a], [0, r]]`` (the Schur constant's chain term), within 2 at ``k = 0``
  for two equal-radius layers joined by ReLU on positive signals (the Lipschitz propagation).
  Their margins sit near 0 (or ``log10`` of that factor), so a constant of the derivation that
  is dropped or lowered shows up there as a violation. A third, certified tier (★,
  :func:`certified_bound_margin`) runs random and sharp instances on the horizon
  ``CERTIFIED_T`` in ball arithmetic (:mod:`verify.balls`): the outputs are enclosed exactly
  from the float parameters and directions, so no rounding floor is needed, and the margin is
  the lower end of ``log10(bound_k / ρ̂_k)`` over every ``k < CERTIFIED_T - 1``.
* ``wx23.thm3.13.rate`` — the measured asymptotic decay is at least as fast as the bound's.
  The differences come from :func:`theory.memory.difference_recursion` (the proof's recursion,
  relative precision ``≈ k ε``), so the tail can be followed over ``RATE_HORIZON`` steps down to
  the underflow threshold. :func:`theory.memory.fit_decay` fits the per-step factor on the tail
  envelope (window ``[b/2, b]``, ``b`` the last index above ``UNDERFLOW_FLOOR``) and it is
  compared with the factor of ``(1+k)^{p+1} r^k`` fitted on the same window,
  ``r · exp((p + 1) s)`` with ``s`` the least-squares slope of ``log(1+k)`` there. The degree
  ``p`` is the bound's polynomial factor; the one extra degree (``RATE_EXTRA_DEGREE``) is the
  allowance of a *finite* window, which cannot separate the asymptotic rate from slowly
  fading corrections of relative log-slope ``O(1/k)``: oscillating modes seen through the
  envelope, and near-resonant transients ``(r_1^k - r_2^k)/(r_1 - r_2) ≈ k r^k`` between layers
  of nearly equal radii (with degree ``p`` alone, 1-layer instances exceeded by up to 2e-4
  nepers/step); a curve of degree ``p + 1 + δ`` is rejected for every ``δ > 0``
  (:func:`curve_rate_margin`). The fit's rounding uncertainty is added. Margin:
  ``ln(allowed factor) - ln(fitted factor) + uncertainty`` in nepers per step. Directions
  without a measurable tail are skipped (``describe`` counts them). This is a finite-window
  estimate of an asymptotic rate, not an inequality implied by the bound.
* ``wx23.memory.linear_equals_kernel`` — for a linear stack (identity σ, no bias) the step
  differences are ``y_{k+1} - y_k = K_{k+1} x`` with ``K`` the stack's kernel, so the memory
  function is the absolute kernel shifted by one lag (``D`` drops out). Exact tier: rational
  stacks, sequential exact run against the exact composed kernel on ``n + 3`` steps (``n`` the
  total state width); both sequences are ``c^T A^k v`` for the same block-triangular ``A`` of
  size ``n`` from ``k = 1`` on, so ``n + 1`` agreeing terms prove agreement for every ``k``.
  Float tier: scan-core run of the stack against the convolution of the layers' scan-core
  kernels; error relative to the composed kernel of the entrywise-absolute layers.

Every tier has a rebuild hook (:attr:`verify.registry.Tier.rebuild`): the description holds
the stack's parameters and the directions exactly (floats as JSON numbers, i.e. round-trip
decimals; the exact tier's rationals as ``"p/q"``) besides quantities derived from them
(spectral radii, the worst index, the constants), which the recheck recomputes and compares.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from theory.layers import SSMLayer, SSMStack
from theory.memory import (
    DecayFit,
    MemoryBound,
    difference_recursion,
    fit_decay,
    memory_bound_constants,
    step_differences,
    step_input,
)
from theory.numbers import NumberKind, exact_equal, is_finite, tolerance
from theory.validation import check_instance, check_int, fail
from verify import balls
from verify.descriptions import (
    Reader,
    optional,
    read_array,
    read_choice,
    read_fields,
    read_int,
    read_rational,
    read_real,
)
from verify.registry import Tier, from_catalog, log_margin, register
from verify.sampling import random_stable_layer
from verify.scan import kernel as scan_kernel
from verify.stack_eval import run_stack_float

__all__ = [
    "ACTIVATION_NAMES",
    "StackInstance",
    "random_stable_layer",
    "random_stable_stack",
    "sample_instance",
    "SHARP_FAMILIES",
    "sample_sharp",
    "measured_memory",
    "bound_margin",
    "certified_bound_margin",
    "rate_margin",
    "curve_rate_margin",
    "composed_kernel",
    "exact_linear_margin",
    "float_linear_margin",
]

ACTIVATION_NAMES = ("tanh", "relu", "sigmoid", "hardtanh")
HORIZON = 600  # 0.95^600 ≈ 4e-14: every curve reaches the float rounding floor
RATE_HORIZON = 1500  # the rate fit follows the differences far below the output's rounding
RATE_EXTRA_DEGREE = 1  # finite-window allowance of the rate fit (see the module docstring)
UNDERFLOW_FLOOR = float(np.finfo(float).tiny / np.finfo(float).eps)  # stay clear of subnormals
DIRECTIONS = 4
RADIUS_RANGE = (0.5, 0.95)
MAX_DEPTH = 4
MAX_WIDTH = 5
MAX_CHANNELS = 3
#: Horizon of the certified tier (ball arithmetic costs about 1 ms per step and direction).
CERTIFIED_T = 32
#: Instances of the certified tier at most (about 0.15 s each with arb).
CERTIFIED_INSTANCES = 8

BoundFn = Callable[[SSMStack, float], MemoryBound]


# ------------------------------------------------------------------------------ validation
def _rng(value: Any) -> np.random.Generator:
    return check_instance(value, "rng", np.random.Generator)


def _inst(value: Any) -> StackInstance:
    return check_instance(value, "inst", StackInstance)


def _constants(value: Any) -> BoundFn:
    if not callable(value):
        fail("constants", "a callable (stack, x_norm) -> MemoryBound", value)
    return value


# ------------------------------------------------------------------------------ sampling
def random_stable_stack(
    rng: np.random.Generator, activation: str, depth: int | None = None
) -> SSMStack:
    """A random stable stack (see the module docstring) with the given activation."""
    rng = _rng(rng)
    L = int(rng.integers(1, MAX_DEPTH + 1)) if depth is None else check_int(depth, "depth", 1)
    dims = [int(rng.integers(1, MAX_CHANNELS + 1)) for _ in range(L + 1)]
    layers = [
        random_stable_layer(
            rng, dims[i], int(rng.integers(1, MAX_WIDTH + 1)), dims[i + 1],
            float(rng.uniform(*RADIUS_RANGE)), dense=bool(rng.integers(2)),
            feedthrough=bool(rng.integers(2)), bias=bool(rng.integers(2)),
        )
        for i in range(L)
    ]
    return SSMStack(layers, activation)


@dataclass(frozen=True)
class StackInstance:
    """A stack, step directions ``(n, d_in)``, the horizon ``T`` and the family it is from."""

    stack: SSMStack
    directions: np.ndarray
    T: int
    family: str = "random"

    def __post_init__(self) -> None:
        if not isinstance(self.stack, SSMStack):
            fail("stack", "an SSMStack", self.stack)
        X = np.asarray(self.directions)
        if X.ndim not in (1, 2) or X.shape[-1] != self.stack.d_in or not is_finite(X):
            fail("directions", f"finite directions of shape (n, {self.stack.d_in}) or "
                 f"({self.stack.d_in},)", X)
        check_int(self.T, "T", 2)


def sample_instance(rng: np.random.Generator, T: int = HORIZON) -> StackInstance:
    """A random stack with a random activation and ``DIRECTIONS`` directions of random size.

    Direction sizes ``|x|_2`` are log-uniform on ``[0.1, 10]`` (the nonlinear memory depends on
    the size, not only on the direction).
    """
    T = check_int(T, "T", 2)
    act = str(_rng(rng).choice(ACTIVATION_NAMES))
    stack = random_stable_stack(rng, act)
    return StackInstance(stack, _random_directions(rng, stack.d_in), T)


def _random_directions(rng: np.random.Generator, d: int, n: int = DIRECTIONS) -> np.ndarray:
    """``n`` random directions in ``R^d`` with sizes ``|x|_2`` log-uniform on ``[0.1, 10]``."""
    X = rng.standard_normal((n, d))
    return X * (10.0 ** rng.uniform(-1, 1, n) / np.linalg.norm(X, axis=1))[:, None]


def _signed_radius(rng: np.random.Generator) -> float:
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(*RADIUS_RANGE))


def _sharp_scalar(rng: np.random.Generator) -> StackInstance:
    """One scalar layer: ``ρ̂_k = |c u x| |r|^{k+1}`` equals the bound ``K r^k``."""
    u, c = rng.standard_normal(2)
    layer = SSMLayer([_signed_radius(rng)], [[u]], [[c]])
    return StackInstance(SSMStack([layer], str(rng.choice(ACTIVATION_NAMES))),
                         _random_directions(rng, 1), HORIZON, "scalar")


def _sharp_jordan(rng: np.random.Generator) -> StackInstance:
    """A 2×2 Jordan layer ``W = [[r, a], [0, r]]`` read across its chain.

    ``ρ̂_k = |c u x| a (k+1) |r|^k`` and ``K (1+k) |r|^k = 2 |c u x| (|r| + a) (1+k) |r|^k``:
    attained within the factor ``2 (1 + |r|/a)`` at every ``k`` (the ``2^p`` of the index
    shift). ``a > 2|r|`` makes the chain term ``(a/r)^q/q!`` of the Schur constant necessary.
    """
    r, a = _signed_radius(rng), float(rng.uniform(2, 4))
    u, c = rng.standard_normal(2)
    layer = SSMLayer([[r, a], [0.0, r]], [[0.0], [u]], [[c, 0.0]])
    return StackInstance(SSMStack([layer], str(rng.choice(ACTIVATION_NAMES))),
                         _random_directions(rng, 1), HORIZON, "jordan")


def _sharp_offset(rng: np.random.Generator) -> StackInstance:
    """Sigmoid between two scalar layers, step ``x = 0``: layer 2 sees ``σ(0) = 1/2`` on ``p``
    channels, along its input row, so ``ρ̂_k = |c_2 u_2| p/2 |r_2|^{k+1}`` equals the bound
    (its ``σ(0) √p`` term; ``|r_1| ≤ |r_2|``)."""
    p = int(rng.integers(1, MAX_CHANNELS + 1))
    r1, r2 = sorted((_signed_radius(rng), _signed_radius(rng)), key=abs)
    u1, c1, u2, c2 = rng.standard_normal(4)
    layers = [SSMLayer([r1], [[u1]], np.full((p, 1), c1)),
              SSMLayer([r2], np.full((1, p), u2), [[c2]])]
    return StackInstance(SSMStack(layers, "sigmoid"), np.zeros((1, 1)), HORIZON, "offset")


def _sharp_chain(rng: np.random.Generator) -> StackInstance:
    """Two scalar layers of one radius ``r`` with ReLU and positive signals (ReLU passes them):
    ``ρ̂_k = P (k+2) |r|^{k+1}`` against ``K (1+k) |r|^k = 4 P (1+k) |r|^{k+1}``, attained
    within the factor 2 at ``k = 0`` (the σ-Lipschitz propagation between layers)."""
    r = _signed_radius(rng)
    u1, c1 = rng.uniform(0.2, 2.0, 2)
    u2, c2 = rng.standard_normal(2)
    layers = [SSMLayer([r], [[u1]], [[c1]]), SSMLayer([r], [[u2]], [[c2]])]
    return StackInstance(SSMStack(layers, "relu"), np.abs(_random_directions(rng, 1)), HORIZON,
                         "chain")


#: Families of stacks on which the Theorem 3.13 bound is attained (exactly or within a factor).
SHARP_FAMILIES: dict[str, Callable[[np.random.Generator], StackInstance]] = {
    "scalar": _sharp_scalar, "jordan": _sharp_jordan, "offset": _sharp_offset,
    "chain": _sharp_chain,
}


def sample_sharp(rng: np.random.Generator, n: int) -> list[StackInstance]:
    """``n`` instances of the sharp families in turn (from a random first family)."""
    n = check_int(n, "n", 1)
    makers = list(SHARP_FAMILIES.values())
    first = int(_rng(rng).integers(len(makers)))
    return [makers[(first + i) % len(makers)](rng) for i in range(n)]


def _describe(inst: StackInstance, extra: dict[str, Any]) -> dict[str, Any]:
    st = inst.stack
    return {
        "family": inst.family,
        "activation": st.activation.name,
        "T": inst.T,
        "layers": [
            {"W": layer.W.tolist(), "U": layer.U.tolist(), "C": layer.C.tolist(),
             "D": None if layer.D is None else layer.D.tolist(),
             "b": None if layer.b is None else layer.b.tolist(),
             "spectral_radius": float(layer.spectral_radius())}
            for layer in st.layers
        ],
        "directions": inst.directions.tolist(),
        **extra,
    }


def _read_layers(entry: Reader, bias: bool, derived: tuple[str, ...],
                 require_stable: bool) -> Reader:
    """A reader of a non-empty list of layer objects: ``W`` (``(m, m)``, or ``(m,)``
    diagonal), ``U``, ``C``, ``D`` (or ``null``) and, when ``bias``, ``b`` (or ``null``), with
    entries read by ``entry``; ``derived`` keys are allowed besides."""
    def read_w(value: Any, name: str) -> np.ndarray:
        ndim = 1 if isinstance(value, list) and value and not isinstance(value[0], list) else 2
        return read_array(ndim, entry)(value, name)

    readers = {"W": read_w, "U": read_array(2, entry), "C": read_array(2, entry),
               "D": optional(read_array(2, entry))}
    if bias:
        readers["b"] = optional(read_array(1, entry))

    def read(value: Any, name: str) -> list[SSMLayer]:
        if not isinstance(value, list) or not value:
            fail(name, "a non-empty list of layers", value)
        return [SSMLayer(**read_fields(layer, readers, derived=derived),
                         require_stable=require_stable) for layer in value]

    return read


def _rebuild(description: Any) -> list[StackInstance]:
    """The instance of :func:`_describe` (float parameters and directions, round-trip
    decimals; the details of the check are derived and recomputed by the recheck)."""
    d = read_fields(description, {
        "family": read_choice("random", *SHARP_FAMILIES),
        "activation": read_choice("identity", *ACTIVATION_NAMES), "T": read_int(2),
        "layers": _read_layers(read_real, True, ("spectral_radius",), require_stable=True),
        "directions": read_array(2)}, derived=None)
    return [StackInstance(SSMStack(d["layers"], d["activation"]), d["directions"], d["T"],
                          d["family"])]


# ------------------------------------------------------------------------------ measurement
def measured_memory(inst: StackInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Memory curves ``ρ̂ (n, T-1)`` (2-norm over channels), output scales and rounding floors.

    For each direction the output scale is ``Y = max_k |y_k|_2`` and the floor is
    ``tolerance(float, Y)``: an allowance for the absolute rounding error of a difference of
    outputs of that size.
    """
    inst = _inst(inst)
    y = run_stack_float(inst.stack, step_input(inst.directions, inst.T))
    rho = np.linalg.norm(np.diff(y, axis=-2), axis=-1)
    scale = np.linalg.norm(y, axis=-1).max(axis=-1)
    return rho, scale, tolerance(NumberKind.FLOAT, 1.0) * scale


def bound_margin(inst: StackInstance, constants: BoundFn = memory_bound_constants) -> float:
    """Worst ``log10(bound_k / ρ̂_k)`` over directions and resolved indices ``k`` (decades)."""
    return _bound_details(_inst(inst), _constants(constants))["margin"]


def _bound_details(inst: StackInstance, constants: BoundFn) -> dict[str, Any]:
    rho, _, floor = measured_memory(inst)
    k = np.arange(rho.shape[1])
    worst = {"margin": math.inf, "direction": None, "k": None}
    for i, x in enumerate(inst.directions):
        mb = constants(inst.stack, float(np.linalg.norm(x)))
        ok = rho[i] > floor[i]
        if not ok.any():
            continue
        with np.errstate(divide="ignore"):
            m = np.log10((mb(k[ok]) + floor[i]) / rho[i][ok])
        j = int(np.argmin(m))
        if not m[j] >= worst["margin"]:
            worst = {"margin": float(m[j]), "direction": i, "k": int(k[ok][j]),
                     "bound": float(mb(k[ok][j])), "measured": float(rho[i][ok][j]),
                     "K": mb.K, "p": mb.p, "r": mb.r}
    return worst


def certified_bound_margin(inst: StackInstance,
                           constants: BoundFn = memory_bound_constants) -> float:
    """Certified worst ``log10(bound_k / ρ̂_k)`` over directions and every ``k < T - 1``
    (decades; the certified tier ★).

    The stack runs in ball arithmetic (:func:`verify.balls.run_stack`) on the exact float
    parameters and directions, ``ρ̂_k`` is the ball of ``|y_{k+1} - y_k|_2`` and the bound
    ``K (1+k)^p r^k`` is evaluated in balls from the float ``K`` and ``r`` of ``constants`` taken
    exactly; the margin is the lower end of :func:`verify.balls.log10_ratio` (``inf`` where
    ``ρ̂_k`` is exactly 0). A ball straddling 0 gives a negative margin: a violation.
    """
    inst, constants = _inst(inst), _constants(constants)
    return _certified_details(inst, constants)["margin"]


def _certified_details(inst: StackInstance, constants: BoundFn) -> dict[str, Any]:
    """The worst index of :func:`certified_bound_margin`, decided (:func:`verify.balls.decide`)."""
    return balls.decide(lambda: _certified_worst(inst, constants), margin=lambda d: d["margin"])


def _certified_worst(inst: StackInstance, constants: BoundFn) -> dict[str, Any]:
    X = np.atleast_2d(inst.directions)
    with balls.precision() as bits:
        worst: dict[str, Any] = {"margin": math.inf, "direction": None, "k": None,
                                 "precision_bits": bits}
        for i, x in enumerate(X):
            y = balls.run_stack(inst.stack, step_input(x, inst.T))
            mb = constants(inst.stack, float(np.linalg.norm(x)))
            K, r = balls.ball(mb.K), balls.ball(mb.r)
            for k in range(inst.T - 1):
                rho = balls.norm2(y[k + 1] - y[k])
                m = balls.lower(balls.log10_ratio(K * (1 + k) ** mb.p * r ** k, rho))
                if not m >= worst["margin"]:
                    worst.update(margin=m, direction=i, k=k, K=mb.K, p=mb.p, r=mb.r,
                                 measured_upper=balls.upper(rho))
    return worst


def rate_margin(inst: StackInstance, constants: BoundFn = memory_bound_constants) -> float:
    """Worst ``ln(bound's fitted factor) - ln(fitted factor)`` over directions (nepers/step)."""
    return _rate_details(_inst(inst), _constants(constants))["margin"]


def curve_rate_margin(rho: np.ndarray, bound: MemoryBound,
                      rel: float) -> tuple[float, DecayFit, float] | None:
    """Rate margin of one memory curve against the bound's allowance (the check of the claim).

    ``rho`` is known to relative accuracy ``rel``. Returns ``(margin, fit, allowed factor)``
    with ``margin = ln(allowed) - ln(fitted factor) + fit uncertainty`` and the allowance
    ``bound.fitted_factor(..., extra_degree=RATE_EXTRA_DEGREE)`` on the fit window, or ``None``
    when the curve has no measurable tail.
    """
    if not isinstance(bound, MemoryBound):
        fail("bound", "a MemoryBound", bound)
    if isinstance(rel, (bool, np.bool_)) or not isinstance(rel, numbers.Real) or \
            not (math.isfinite(rel) and rel > 0):
        fail("rel", "a finite relative accuracy > 0", rel)
    rho = np.asarray(rho, dtype=float)
    if rho.ndim != 1 or rho.size < 2:
        fail("rho", "a memory curve (1-D, at least two indices)", rho)
    fit = fit_decay(rho, UNDERFLOW_FLOOR, noise=rel * rho)
    if fit is None:
        return None
    allowed = bound.fitted_factor(fit.start, fit.stop, extra_degree=RATE_EXTRA_DEGREE)
    return math.log(allowed) - math.log(fit.factor) + fit.uncertainty, fit, allowed


def _rate_details(inst: StackInstance, constants: BoundFn) -> dict[str, Any]:
    rho = np.linalg.norm(difference_recursion(inst.stack, inst.directions, inst.T), axis=-1)
    rel = tolerance(NumberKind.FLOAT, inst.T * inst.stack.depth)  # relative accuracy of ρ̂
    worst: dict[str, Any] = {"margin": math.inf, "skipped_directions": 0}
    for i, x in enumerate(inst.directions):
        mb = constants(inst.stack, float(np.linalg.norm(x)))
        result = curve_rate_margin(rho[i], mb, rel)
        if result is None:
            worst["skipped_directions"] += 1
            continue
        m, fit, allowed = result
        if not m >= worst["margin"]:
            worst.update(margin=m, direction=i, fitted_factor=fit.factor,
                         bound_factor=allowed, r=mb.r, p=mb.p, window=[fit.start, fit.stop],
                         rounding_allowance=fit.uncertainty)
    return worst


# ------------------------------------------------------------------------------ linear stacks
def composed_kernel(kernels: list[np.ndarray]) -> np.ndarray:
    """Kernel of a composition of causal convolutions: ``K_s = Σ_{s_1+…+s_L=s} K^L ⋯ K^1``.

    ``kernels[ℓ]`` is layer ``ℓ``'s ``(T, p_ℓ, d_ℓ)`` (first layer first), any kind.

    Raises
    ------
    InvalidParameterError
        Unless ``kernels`` is a non-empty list of finite ``(T, p_ℓ, d_ℓ)`` arrays with one
        ``T`` and ``d_{ℓ+1} = p_ℓ``.
    """
    if not isinstance(kernels, (list, tuple)) or not kernels:
        fail("kernels", "a non-empty list of (T, p, d) kernels", kernels)
    arrays = [np.asarray(K) for K in kernels]
    for i, K in enumerate(arrays):
        if K.ndim != 3 or not is_finite(K) or K.shape[0] != arrays[0].shape[0] or \
                (i and K.shape[2] != arrays[i - 1].shape[1]):
            fail("kernels", "finite (T, p_l, d_l) arrays of one T with d_(l+1) = p_l", K)
    out = arrays[0]
    for K in arrays[1:]:
        T, p, q = K.shape
        nxt = np.empty((T, p, out.shape[2]), dtype=np.result_type(K, out))
        for i, k in np.ndindex(p, out.shape[2]):  # entry (i, k): Σ_j (K_{·ij} * out_{·jk})_s
            nxt[:, i, k] = sum(np.convolve(K[:, i, j], out[:, j, k])[:T] for j in range(q))
        out = nxt
    return out


def _random_rational(rng: np.random.Generator, shape: tuple[int, ...], den: int) -> np.ndarray:
    nums = rng.integers(-den, den + 1, shape)
    out = np.empty(shape, dtype=object)
    for idx, v in np.ndenumerate(nums):
        out[idx] = sympy.Rational(int(v), den)
    return out


def _sample_exact(rng: np.random.Generator, n: int) -> list[StackInstance]:
    out = []
    for _ in range(n):
        L = int(rng.integers(1, 4))
        dims = [int(rng.integers(1, 3)) for _ in range(L + 1)]
        layers = []
        for i in range(L):
            m = int(rng.integers(1, 4))
            D = _random_rational(rng, (dims[i + 1], dims[i]), 3) if rng.integers(2) else None
            # the identity Δy_k = K_{k+1} x is algebraic: it holds for every W, stable or not
            layers.append(SSMLayer(_random_rational(rng, (m, m), 4 * m),
                                   _random_rational(rng, (m, dims[i]), 3),
                                   _random_rational(rng, (dims[i + 1], m), 3), D,
                                   require_stable=False))
        x = _random_rational(rng, (dims[0],), 5)
        total = sum(layer.width for layer in layers)
        out.append(StackInstance(SSMStack(layers, "identity"), x, total + 3))
    return out


def exact_linear_margin(inst: StackInstance) -> float:
    """``inf`` when ``y_{k+1} - y_k = K_{k+1} x`` holds exactly for ``k < T-1``, else ``-inf``."""
    st, x, T = _inst(inst).stack, inst.directions, inst.T
    y = st.run(np.array([list(x)] * T, dtype=object))
    K = composed_kernel([layer.kernel(T) for layer in st.layers])
    for k in range(T - 1):
        diff = y[k + 1] - y[k]
        pred = K[k + 1] @ x
        if not all(exact_equal(a, b) for a, b in zip(diff, pred)):
            return -math.inf
    return math.inf


def _describe_exact(insts: list[StackInstance], i: int) -> dict[str, Any]:
    st = insts[i].stack
    fmt = np.vectorize(str, otypes=[object])
    return {
        "T": insts[i].T,
        "x": fmt(insts[i].directions).tolist(),
        "layers": [{"W": fmt(layer.W).tolist(), "U": fmt(layer.U).tolist(),
                    "C": fmt(layer.C).tolist(),
                    "D": None if layer.D is None else fmt(layer.D).tolist()}
                   for layer in st.layers],
    }


def _rebuild_exact(description: Any) -> list[StackInstance]:
    """The instance of :func:`_describe_exact`: a rational linear stack (identity σ, no bias,
    any ``W``: the identity is algebraic) and the step ``x``."""
    d = read_fields(description, {"T": read_int(2), "x": read_array(1, read_rational),
                                  "layers": _read_layers(read_rational, False, (),
                                                         require_stable=False)})
    return [StackInstance(SSMStack(d["layers"], "identity"), d["x"], d["T"])]


FLOAT_T = 256


def _sample_float_linear(rng: np.random.Generator, n: int) -> list[StackInstance]:
    out = []
    for _ in range(n):
        L = int(rng.integers(1, MAX_DEPTH + 1))
        dims = [int(rng.integers(1, MAX_CHANNELS + 1)) for _ in range(L + 1)]
        layers = [random_stable_layer(rng, dims[i], int(rng.integers(1, MAX_WIDTH + 1)),
                                      dims[i + 1], float(rng.uniform(*RADIUS_RANGE)),
                                      dense=bool(rng.integers(2)),
                                      feedthrough=bool(rng.integers(2)), bias=False)
                  for i in range(L)]
        X = rng.standard_normal((DIRECTIONS, dims[0]))
        out.append(StackInstance(SSMStack(layers, "identity"), X, FLOAT_T))
    return out


def _norm_sequence(layer: SSMLayer, T: int) -> np.ndarray:
    """``a_s = ‖C‖ ‖W^s‖ ‖U‖ (+ ‖D‖ at s = 0)``, Frobenius norms: bounds the terms of ``K_s``."""
    Wd = layer.W_matrix()
    P = np.empty((T, layer.width, layer.width))
    P[0] = np.eye(layer.width)
    done, power = 1, Wd  # power = W^done
    while done < T:  # P[done:2 done] = W^done P[:done], one batched product per doubling
        step = min(done, T - done)
        P[done:done + step] = power @ P[:step]
        done, power = done + step, power @ power
    out = np.linalg.norm(layer.C) * np.linalg.norm(P, axis=(1, 2)) * np.linalg.norm(layer.U)
    if layer.D is not None:
        out[0] += np.linalg.norm(layer.D)
    return out


def float_linear_margin(inst: StackInstance) -> float:
    """Decades of margin between the scan-core step differences and ``K_{k+1} x``.

    Error ``max_k |Δy_k - K_{k+1} x|_2`` relative to ``|x|_2 Σ_s a_s`` where ``a`` is the
    convolution over the layers of ``‖C‖ ‖W^s‖ ‖U‖ (+ ‖D‖)`` (it bounds the size of every
    partial sum in both computations), against ``tolerance(float, T · L)``.
    """
    st, X, T = _inst(inst).stack, inst.directions, inst.T
    diff = step_differences(lambda u: run_stack_float(st, u), X, T)  # (n, T-1, p)
    K = composed_kernel([scan_kernel(layer.W, layer.U, layer.C, T, layer.D,
                                     diagonal=layer.diagonal) for layer in st.layers])
    pred = np.einsum("spd,nd->nsp", K[1:], X)
    err = np.linalg.norm(diff - pred, axis=-1).max(axis=-1)
    a = _norm_sequence(st.layers[0], T)
    for layer in st.layers[1:]:
        a = np.convolve(a, _norm_sequence(layer, T))[:T]
    scale = np.linalg.norm(X, axis=1) * a.sum()
    rel = float(np.max(err / scale))
    return log_margin(rel, tolerance(NumberKind.FLOAT, T * st.depth))


# ------------------------------------------------------------------------------ registration
def _sample_float(rng: np.random.Generator, n: int) -> list[StackInstance]:
    return [sample_instance(rng) for _ in range(n)]


def _check_bound(insts: list[StackInstance]) -> list[float]:
    return [bound_margin(i) for i in insts]


def _describe_bound(insts: list[StackInstance], i: int) -> dict[str, Any]:
    return _describe(insts[i], _bound_details(insts[i], memory_bound_constants))


def _sample_certified(rng: np.random.Generator, n: int) -> list[StackInstance]:
    """Random instances and sharp families in turn, on the horizon ``CERTIFIED_T``."""
    return [dataclasses.replace(sample_instance(rng, CERTIFIED_T) if j % 2 == 0
                                else sample_sharp(rng, 1)[0], T=CERTIFIED_T) for j in range(n)]


def _describe_certified(insts: list[StackInstance], i: int) -> dict[str, Any]:
    return _describe(insts[i], _certified_details(insts[i], memory_bound_constants))


def _sample_rate(rng: np.random.Generator, n: int) -> list[StackInstance]:
    return [sample_instance(rng, RATE_HORIZON) for _ in range(n)]


BOUND = register(
    from_catalog(
        "wx23.thm3.13.bound",
        tiers=(
            Tier("float64 (scan core)", _sample_float, _check_bound, _describe_bound, batch=50,
                 unit="decades", rebuild=_rebuild),
            Tier("float64 (scan core), sharp families", sample_sharp, _check_bound,
                 _describe_bound, batch=50, unit="decades", rebuild=_rebuild),
            Tier(balls.tier_name(f"T = {CERTIFIED_T}"), _sample_certified,
                 lambda insts: [certified_bound_margin(i) for i in insts], _describe_certified,
                 batch=4, max_instances=CERTIFIED_INSTANCES, unit="decades", certified=True,
                 rebuild=_rebuild),
        ),
        default_instances=200,
    )
)

RATE = register(
    from_catalog(
        "wx23.thm3.13.rate",
        tiers=(
            Tier("float64 (difference recursion)", _sample_rate,
                 lambda insts: [rate_margin(i) for i in insts],
                 lambda insts, i: _describe(insts[i], _rate_details(insts[i],
                                                                     memory_bound_constants)),
                 batch=20, unit="nepers/step", rebuild=_rebuild),
        ),
        default_instances=40,
    )
)

LINEAR = register(
    from_catalog(
        "wx23.memory.linear_equals_kernel",
        tiers=(
            Tier("exact (sympy)", _sample_exact,
                 lambda insts: [exact_linear_margin(i) for i in insts], _describe_exact,
                 batch=10, max_instances=30, unit="exact", rebuild=_rebuild_exact),
            Tier("float64 (scan core)", _sample_float_linear,
                 lambda insts: [float_linear_margin(i) for i in insts],
                 lambda insts, i: _describe(insts[i], {}), batch=50, unit="decades",
                 rebuild=_rebuild),
        ),
        default_instances=200,
    )
)
