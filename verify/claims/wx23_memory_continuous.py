"""WX23 Theorem 3.13 in continuous time: ``ρ̂(t) ≤ e^{-βt} Q(t)`` with the slowest rate ``β``.

Claim ``wx23.thm3.13.continuous`` (bound and derivation: :mod:`theory.memory_continuous`): for a
stack of continuous layers ``dh/dt = W h + U v + b``, ``y = C h + D v`` with Hurwitz ``W`` and a
Lipschitz σ between the layers, the memory function of the step input in direction ``x``,
``ρ̂(t) = |d/dt y^{(L)}(t)|_2``, never exceeds ``e^{-βt} Q(t)`` (``β = min_ℓ β_ℓ``, ``Q`` the
explicit polynomial of :func:`theory.memory_continuous.continuous_memory_bound`).

Tiers (all compute ``ρ̂`` with :func:`theory.memory_continuous.continuous_memory`):

* ``mpmath dps=30 (closed form)`` — random linear stacks (identity σ, depth 1–3,
  diagonal, triangular (Jordan-like) or dense ``W`` with real eigenvalues in ``[-2, -0.3]``,
  biases, feed-through): ``ρ̂(t) = |E e^{At}(B x + b)|`` in closed form;
* ``mpmath dps=30, sharp families`` — the families (closed form) on which the bound is attained
  (:data:`SHARP_FAMILIES`): one scalar layer and two scalar layers of one eigenvalue (equality
  at every ``t``), a Jordan block read across its chain (ratio ``a t/(1 + a t)``, ``≥ 0.95``
  at the last sampled time); their margins sit at 0 (or at ``1/(1 + a t)``), so a constant of
  the derivation that is lowered shows up as a violation;
* ``mpmath dps=20 (quadrature)`` — random two-layer stacks with real
  diagonal ``W``'s and tanh or sigmoid, the second layer by tanh-sinh quadrature, and the σ(0)
  offset family (sigmoid, ``x = 0``: equality).

Times: ``N_TIMES`` uniform points ``i · dt`` with ``dt ≈ HORIZON_RATES / (N_TIMES β)``, a
multiple of ``1/64`` (at the last one the bound has decayed by about ``e^{-HORIZON_RATES}``,
times its polynomial). Margin (unit
``fraction``): the minimum over directions and times of ``(B(t) + tol(t) - ρ̂(t)) / B(t)`` with
``B`` the bound and ``tol(t) = tolerance(mpmath, 64 n B(t))`` (``n`` the total state width): the
rounding allowance of quantities of the bound's size at the working precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from theory.layers import SSMLayer, SSMStack
from theory.memory_continuous import (
    ContinuousMemoryBound,
    continuous_memory,
    continuous_memory_bound,
)
from theory.numbers import NumberKind, tolerance
from theory.validation import check_array, check_instance, check_int, check_real, fail
from verify.registry import Tier, from_catalog, register

__all__ = [
    "ContinuousInstance",
    "random_continuous_layer",
    "SHARP_FAMILIES",
    "continuous_margin",
]

N_TIMES = 8
HORIZON_RATES = 20.0  # t_max = 20 / β: the Jordan ratio a t/(1 + a t) reaches 0.95 or more
RATE_RANGE = (0.3, 2.0)
STRUCTURES = ("diagonal", "triangular", "dense")
LINEAR_DPS = 30
QUADRATURE_DPS = 20
QUADRATURE_TIMES = 4
DIRECTIONS = 2

BoundFn = Callable[[SSMStack, Any], ContinuousMemoryBound]


# ------------------------------------------------------------------------------ validation
def _rng(value: Any) -> np.random.Generator:
    return check_instance(value, "rng", np.random.Generator)


@dataclass(frozen=True)
class ContinuousInstance:
    """A continuous stack, step directions ``(n, d_in)``, sample times, its family and the
    working precision ``dps`` of its check.

    Raises
    ------
    theory.numbers.InvalidParameterError
        On a stack that is not continuous, directions that are not finite ``(n, d_in)``, times
        that are not finite and ``> 0``, an empty family name or ``dps < 15``.
    """

    stack: SSMStack
    directions: np.ndarray
    times: tuple[float, ...]
    family: str = "random"
    dps: int = LINEAR_DPS

    def __post_init__(self) -> None:
        if not isinstance(self.stack, SSMStack) or self.stack.time != "continuous":
            fail("stack", "a continuous SSMStack", self.stack)
        X = check_array(self.directions, "directions", (None, self.stack.d_in))
        object.__setattr__(self, "directions", X)
        t = check_array(list(self.times), "times", (None,))
        if not np.all(t > 0):
            fail("times", "times > 0", self.times)
        object.__setattr__(self, "times", tuple(float(v) for v in t))
        if not isinstance(self.family, str) or not self.family:
            fail("family", "a family name (a non-empty string)", self.family)
        check_int(self.dps, "dps", 15)


# ------------------------------------------------------------------------------ sampling
def random_continuous_layer(rng: np.random.Generator, d_in: int, width: int, d_out: int, *,
                            structure: str, feedthrough: bool = True,
                            bias: bool = True) -> SSMLayer:
    """A float continuous layer with real eigenvalues in ``-[0.3, 2]`` (one at ``-0.3``…``-2``).

    ``structure``: ``"diagonal"`` (``W`` a diagonal), ``"triangular"`` (upper triangular with
    normal off-diagonal entries: non-normal, Jordan-like chains) or ``"dense"`` (``Z T Z^T``
    with ``T`` triangular as before and ``Z`` a random orthogonal matrix). ``U, C, D`` are normal
    with variance ``1/fan-in``, ``b`` standard normal.

    Raises
    ------
    theory.numbers.InvalidParameterError
        On a bad generator, a size not an integer ``>= 1``, an unknown ``structure`` or a flag
        that is not a bool.
    """
    rng = _rng(rng)
    d_in, width, d_out = (check_int(v, n, 1) for v, n in ((d_in, "d_in"), (width, "width"),
                                                          (d_out, "d_out")))
    if structure not in STRUCTURES:
        fail("structure", f"one of {STRUCTURES}", structure)
    for name, flag in (("feedthrough", feedthrough), ("bias", bias)):
        if not isinstance(flag, (bool, np.bool_)):
            fail(name, "True or False", flag)
    lam = -rng.uniform(*RATE_RANGE, width)
    if structure == "diagonal":
        W: np.ndarray = lam
    else:
        W = np.diag(lam) + np.triu(rng.standard_normal((width, width)), 1)
        if structure == "dense":
            Z, _ = np.linalg.qr(rng.standard_normal((width, width)))
            W = Z @ W @ Z.T
    U = rng.standard_normal((width, d_in)) / math.sqrt(d_in)
    C = rng.standard_normal((d_out, width)) / math.sqrt(width)
    D = rng.standard_normal((d_out, d_in)) / math.sqrt(d_in) if feedthrough else None
    b = rng.standard_normal(width) if bias else None
    return SSMLayer(W, U, C, D, b, time="continuous")


def _directions(rng: np.random.Generator, d: int) -> np.ndarray:
    """``DIRECTIONS`` directions in ``R^d`` with sizes log-uniform on ``[0.1, 10]``."""
    X = rng.standard_normal((DIRECTIONS, d))
    return X * (10.0 ** rng.uniform(-1, 1, DIRECTIONS) / np.linalg.norm(X, axis=1))[:, None]


def _times(stack: SSMStack, n: int, rates: float = HORIZON_RATES) -> tuple[float, ...]:
    """``n`` uniform times ``i · dt`` (``i = 1 … n``), ``dt ≈ rates / (n β)`` rounded to a
    multiple of ``1/64`` (so every ``i · dt`` and every increment is exact in float and the
    closed form needs one matrix exponential); ``β`` is the slowest layer's margin."""
    beta = min(float(layer.stability_margin()) for layer in stack.layers)
    dt = max(1, round(64 * rates / (n * beta))) / 64
    return tuple(i * dt for i in range(1, n + 1))


def _instance(stack: SSMStack, X: np.ndarray, family: str, dps: int = LINEAR_DPS,
              n_times: int = N_TIMES) -> ContinuousInstance:
    return ContinuousInstance(stack, X, _times(stack, n_times), family, dps)


def _sample_linear(rng: np.random.Generator, n: int) -> list[ContinuousInstance]:
    out = []
    for _ in range(check_int(n, "n", 1)):
        L = int(rng.integers(1, 4))
        dims = [int(rng.integers(1, 3)) for _ in range(L + 1)]
        layers = [random_continuous_layer(
            rng, dims[i], int(rng.integers(1, 4)), dims[i + 1],
            structure=str(rng.choice(STRUCTURES)), feedthrough=bool(rng.integers(2)),
            bias=bool(rng.integers(2))) for i in range(L)]
        stack = SSMStack(layers, "identity")
        out.append(_instance(stack, _directions(rng, stack.d_in), "random"))
    return out


def _scalar(rng: np.random.Generator) -> ContinuousInstance:
    """One scalar layer, ``b`` of the sign of ``u x``: ``ρ̂ = |c| (|u x| + |b|) e^{λt}``."""
    lam, u, c = -rng.uniform(*RATE_RANGE), rng.standard_normal(), rng.standard_normal()
    x = _directions(rng, 1)[:1]
    b = math.copysign(abs(rng.standard_normal()), u * x[0, 0])
    layer = SSMLayer([lam], [[u]], [[c]], b=[b], time="continuous")
    return _instance(SSMStack([layer], "identity"), x, "scalar")


def _chain(rng: np.random.Generator) -> ContinuousInstance:
    """Two scalar layers of one eigenvalue: ``ρ̂ = |c_2 u_2 c_1 u_1 x| t e^{λt}``."""
    lam = -rng.uniform(*RATE_RANGE)
    u1, c1, u2, c2 = rng.standard_normal(4)
    layers = [SSMLayer([lam], [[u1]], [[c1]], time="continuous"),
              SSMLayer([lam], [[u2]], [[c2]], time="continuous")]
    return _instance(SSMStack(layers, "identity"), _directions(rng, 1), "chain")


def _jordan(rng: np.random.Generator) -> ContinuousInstance:
    """A Jordan block ``[[λ, a], [0, λ]]`` read across its chain: ``ρ̂ = |c u x| a t e^{λt}``
    against ``|c u x| (1 + a t) e^{λt}``."""
    lam, a = -rng.uniform(*RATE_RANGE), rng.uniform(2, 4)
    u, c = rng.standard_normal(2)
    layer = SSMLayer([[lam, a], [0.0, lam]], [[0.0], [u]], [[c, 0.0]], time="continuous")
    return _instance(SSMStack([layer], "identity"), _directions(rng, 1), "jordan")


def _offset(rng: np.random.Generator) -> ContinuousInstance:
    """Sigmoid after a layer with output 0 (``x = 0``): layer 2 sees ``σ(0) = 1/2`` on ``p``
    channels along ``u (1, …, 1)``: ``ρ̂ = |c u| p/2 e^{λ_2 t}`` with ``β_2 ≤ β_1``."""
    p = int(rng.integers(1, 4))
    lam1, lam2 = sorted(-rng.uniform(*RATE_RANGE, 2))  # λ_1 ≤ λ_2: layer 2 is the slowest
    u1, c1, u2, c2 = rng.standard_normal(4)
    layers = [SSMLayer([lam1], [[u1]], np.full((p, 1), c1), time="continuous"),
              SSMLayer([lam2], np.full((1, p), u2), [[c2]], time="continuous")]
    return _instance(SSMStack(layers, "sigmoid"), np.zeros((1, 1)), "offset", QUADRATURE_DPS,
                     QUADRATURE_TIMES)


#: Families on which the bound is attained: exactly (scalar, chain, offset) or with the ratio
#: ``a t/(1 + a t)`` (Jordan).
SHARP_FAMILIES: dict[str, Callable[[np.random.Generator], ContinuousInstance]] = {
    "scalar": _scalar, "chain": _chain, "jordan": _jordan, "offset": _offset,
}


def _sample_sharp(rng: np.random.Generator, n: int) -> list[ContinuousInstance]:
    makers = [SHARP_FAMILIES[k] for k in ("scalar", "chain", "jordan")]
    first = int(rng.integers(len(makers)))
    return [makers[(first + i) % len(makers)](rng) for i in range(check_int(n, "n", 1))]


def _sample_nonlinear(rng: np.random.Generator, n: int) -> list[ContinuousInstance]:
    out = []
    for i in range(check_int(n, "n", 1)):
        if i % 4 == 3:
            out.append(_offset(rng))
            continue
        dims = [int(rng.integers(1, 3)) for _ in range(3)]
        layers = [random_continuous_layer(rng, dims[j], int(rng.integers(1, 3)), dims[j + 1],
                                          structure="diagonal",
                                          feedthrough=bool(rng.integers(2)),
                                          bias=bool(rng.integers(2))) for j in range(2)]
        stack = SSMStack(layers, str(rng.choice(["tanh", "sigmoid"])))
        out.append(_instance(stack, _directions(rng, stack.d_in)[:1], "random", QUADRATURE_DPS,
                             QUADRATURE_TIMES))
    return out


# ------------------------------------------------------------------------------ the check
def _details(inst: ContinuousInstance, bound_factor: Any,
             constants: BoundFn) -> dict[str, Any]:
    inst = check_instance(inst, "inst", ContinuousInstance)
    factor = check_real(bound_factor, "bound_factor", minimum=0, strict=True)
    if not callable(constants):
        fail("constants", "a callable (stack, x_norm) -> ContinuousMemoryBound", constants)
    n = sum(inst.stack.widths)
    worst: dict[str, Any] = {"margin": math.inf}
    with mpmath.workdps(inst.dps):
        measured_all = continuous_memory(inst.stack, inst.directions, list(inst.times))
        for i, (x, measured) in enumerate(zip(inst.directions, measured_all)):
            mb = constants(inst.stack, float(np.linalg.norm(x)))
            bounds = [factor * v for v in mb(list(inst.times))]
            for t, B, rho in zip(inst.times, bounds, measured):
                tol = tolerance(NumberKind.MPMATH, 64 * n * B)
                m = float((B + tol - rho) / B) if B > 0 else (math.inf if rho <= tol
                                                              else -math.inf)
                if not m >= worst["margin"]:
                    worst = {"margin": m, "direction": i, "t": t, "bound": float(B),
                             "measured": float(rho), "beta": float(mb.beta),
                             "Q": [float(c) for c in mb.coefficients]}
    return worst


def continuous_margin(inst: ContinuousInstance, bound_factor: Any = 1,
                      constants: BoundFn = continuous_memory_bound) -> float:
    """Worst ``(B(t) + tol - ρ̂(t)) / B(t)`` over the instance's directions and times.

    ``bound_factor`` multiplies the bound and ``constants`` computes it (negative controls:
    a factor below 1 or broken constants must give a negative margin on the sharp families).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``inst`` is not a :class:`ContinuousInstance`, ``bound_factor`` is not a finite
        number ``> 0`` or ``constants`` is not callable (and as
        :func:`theory.memory_continuous.continuous_memory` for the instance's stack).
    """
    return _details(inst, bound_factor, constants)["margin"]


def _describe(insts: list[ContinuousInstance], i: int) -> dict[str, Any]:
    inst = insts[i]
    layers = []
    for layer in inst.stack.layers:
        f = layer.to_kind(NumberKind.FLOAT)
        layers.append({k: None if v is None else np.asarray(v, dtype=float).tolist()
                       for k, v in (("W", f.W), ("U", f.U), ("C", f.C), ("D", f.D),
                                    ("b", f.b))})
    return {"family": inst.family, "activation": inst.stack.activation.name, "dps": inst.dps,
            "layers": layers, "directions": inst.directions.tolist(),
            "times": list(inst.times),
            **_details(inst, 1, continuous_memory_bound)}


def _rebuild(desc: Any) -> list[ContinuousInstance]:
    try:
        layers = [SSMLayer(d["W"], d["U"], d["C"], d["D"], d["b"], time="continuous")
                  for d in desc["layers"]]
        return [ContinuousInstance(SSMStack(layers, desc["activation"]),
                                   np.asarray(desc["directions"], dtype=float),
                                   tuple(desc["times"]), desc["family"], desc["dps"])]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"desc: not a description of a continuous instance ({exc!r})") from None


def _check(insts: list[ContinuousInstance]) -> list[float]:
    return [continuous_margin(inst) for inst in insts]


CONTINUOUS = register(
    from_catalog(
        "wx23.thm3.13.continuous",
        tiers=(
            Tier(f"mpmath dps={LINEAR_DPS} (closed form)", _sample_linear,
                 _check, _describe, batch=12, max_instances=12, unit="fraction",
                 rebuild=_rebuild),
            Tier(f"mpmath dps={LINEAR_DPS}, sharp families", _sample_sharp,
                 _check, _describe, batch=10, max_instances=12, unit="fraction",
                 rebuild=_rebuild),
            Tier(f"mpmath dps={QUADRATURE_DPS} (quadrature)",
                 _sample_nonlinear, _check, _describe, batch=4, max_instances=4,
                 unit="fraction", rebuild=_rebuild),
        ),
        default_instances=20,
    )
)
