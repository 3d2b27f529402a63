"""Hammerstein targets ``H(u)_t = Σ_s ρ_s f(u_{t-s})`` approximated by WX23's layers.

Glossary (code name → symbol):

==================  ============================================================================
``f``               the static nonlinearity, ``[a, b] → R`` (``L``-Lipschitz, maybe ``C²``)
``filter``          a stable SISO linear layer; its kernel ``ρ_s`` (``ρ_0 = C U + D``,
                    ``ρ_s = C W^s U``) is the target's linear filter
``u``               an input sequence in ``[a, b]^T`` (time-first, shape ``(T, 1)``)
``f̂``               the ReLU interpolant of ``f`` on ``N`` uniform knots (Result A)
``ρ̂``               the kernel of the filter's realization (exact, truncated, balanced-truncated)
``‖·‖_{1,T}``        ``Σ_{s<T} |·_s|``: the ℓ¹ norm over the horizon of the input
==================  ============================================================================

Target (discrete time, same-step convention of the spec): ``H(u)_t = Σ_{s=0}^{t} ρ_s f(u_{t-s})``
— the filter run on the sequence ``f(u_t)``. WX23 does not state a Hammerstein result; this is
the suite's own construction following the paper's layer-wise reasoning [rebuilt]: a pointwise
map by two memoryless layers (Result A) and a convolution by one linear layer (Result B).

**Construction** (:func:`hammerstein_network`, three layers, σ = ReLU between them):

1. ``W = 0``, ``U = 1``, ``b = -(t_0, …, t_{N-2})``, ``C = I``: the hidden units of Result A's
   interpolant ``f̂(x) = f(t_0) + Σ_k c_k ReLU(x - t_k)``;
2. ``W = 0``, readout ``[[c, f(t_0)], [-c, -f(t_0)]]`` (the constant through a state fixed at
   1): the two channels ``(f̂(u_t), -f̂(u_t))``;
3. the filter realization ``(W_ρ̂, U_ρ̂ (1, -1), C_ρ̂, D_ρ̂ (1, -1))``.

The ReLU after layer 2 passes ``ReLU(f̂) - ReLU(-f̂) = f̂`` exactly (no shift into the linear
region is needed), so the stack computes ``Ĥ(u)_t = Σ_{s≤t} ρ̂_s f̂(u_{t-s})`` exactly. Widths
``(N - 1, N, m)``: none depends on ``T``.

**Error budget** (:func:`hammerstein_budget`). For ``u ∈ [a, b]^T`` and ``t < T``,

    H(u)_t - Ĥ(u)_t = Σ_s ρ_s (f - f̂)(u_{t-s}) + Σ_s (ρ_s - ρ̂_s) f̂(u_{t-s}),

so ``|H - Ĥ| ≤ ε_f ‖ρ‖_{1,T} + ‖ρ - ρ̂‖_{1,T} ‖f̂‖_∞`` with ``ε_f`` Result A's a-priori bound
``min(L h/2, h² M_2/8)`` (``h`` the knot spacing) and ``‖f̂‖_∞ = max_k |f(t_k)|`` (an
interpolant stays within its knot values). As ``‖ρ‖_{1,T} ≤ ‖ρ‖_{ℓ¹} < ∞`` for a stable filter,
the budget is bounded uniformly in ``T`` when ``ρ̂`` converges in ℓ¹.

**Worst input** (:func:`worst_case_error`). ``H(u)_t - Ĥ(u)_t = Σ_{s≤t} δ_s(u_{t-s})`` with
``δ_s(x) = ρ_s f(x) - ρ̂_s f̂(x)``, and the ``u_{t-s}`` are independent, so

    sup_{u ∈ [a,b]^T} max_t ± (H - Ĥ)(u)_t = max_t Σ_{s≤t} max_{x ∈ [a,b]} ± δ_s(x),

attained by ``u_{t-s} = argmax ± δ_s``. For a piecewise-linear ``f`` (:class:`PiecewiseLinear`)
each ``δ_s`` is piecewise linear with breakpoints among ``f``'s and the knots: its maximum is at
one of those points or at ``a, b``, so the supremum and a worst input are computed exactly.
For other ``f`` the maximum over a finite grid is a lower estimate of the supremum.

**Tight case.** ``f = c + `` a zigzag of height ``A ≥ 0`` (value ``c ≥ 0`` at the knots,
``c + A`` at the cell midpoints: ``L = 2A/h``, ``f̂ ≡ c``, ``ε_f = L h/2 = A``), a filter with
``ρ_s ≥ 0`` and ``ρ̂ = ρ`` on ``s < n``, ``0`` beyond (:func:`truncated_filter`): the worst
error is ``A Σ_{s<T} ρ_s + c Σ_{n≤s<T} ρ_s``, the budget exactly; each of its two terms is
attained (``c = 0``; ``A = 0``), so neither constant can be lowered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from theory.approximation import (
    MemorylessApproximant,
    c2_interpolation_bound,
    lipschitz_interpolation_bound,
    relu_interpolant,
)
from theory.convolution import shift_register
from theory.layers import SSMLayer, SSMStack
from theory.numbers import NumberKind, as_array, convert, kind_of
from theory.validation import check_instance, check_int, check_real, fail

__all__ = [
    "PiecewiseLinear",
    "HammersteinTarget",
    "HammersteinApproximant",
    "hammerstein_network",
    "truncated_filter",
    "HammersteinBudget",
    "hammerstein_budget",
    "WorstCase",
    "worst_case_error",
]


# ------------------------------------------------------------------------------ validation
def _siso_filter(layer: Any, name: str) -> SSMLayer:
    """The module's validation choke point for filters: a stable discrete SISO layer without
    bias (a linear filter)."""
    if not isinstance(layer, SSMLayer) or layer.time != "discrete" or layer.d_in != 1 or \
            layer.d_out != 1 or layer.b is not None:
        fail(name, "a discrete SSMLayer with one input, one output and no bias", layer)
    if not layer.is_stable():
        fail(name, "a stable filter (spectral radius < 1)", layer)
    return layer


def _target(value: Any) -> HammersteinTarget:
    return check_instance(value, "target", HammersteinTarget)


def _approximant(value: Any) -> HammersteinApproximant:
    return check_instance(value, "approximant", HammersteinApproximant)


def _horizon(T: Any) -> int:
    return check_int(T, "T", 1)


def _abs(v: Any) -> Any:
    return sympy.Abs(v) if isinstance(v, sympy.Basic) else abs(v)


def _max(values: list[Any]) -> Any:
    return sympy.Max(*values) if any(isinstance(v, sympy.Basic) for v in values) \
        else max(values)


# ------------------------------------------------------------------------------ targets
@dataclass(frozen=True)
class PiecewiseLinear:
    """The continuous piecewise-linear function through ``(points[i], values[i])``.

    Parameters
    ----------
    points
        Strictly increasing abscissae (at least two), any number kind.
    values
        The values at the points (same length and kind).

    Raises
    ------
    InvalidParameterError
        On non-finite entries, fewer than two points, points that do not increase or
        ``values`` of another length.
    """

    points: Any
    values: Any

    def __post_init__(self) -> None:
        kind = kind_of(self.points, self.values, names=["points", "values"])
        p = as_array(self.points, kind, "points", ndim=1)
        v = as_array(self.values, kind, "values", ndim=1)
        if p.shape[0] < 2 or not all(p[i] < p[i + 1] for i in range(p.shape[0] - 1)):
            fail("points", "at least two strictly increasing abscissae", self.points)
        if v.shape != p.shape:
            fail("values", f"one value per point ({p.shape[0]})", self.values)
        object.__setattr__(self, "points", p)
        object.__setattr__(self, "values", v)

    @property
    def lipschitz(self) -> Any:
        """``max_i |slope_i|``: the smallest Lipschitz constant (in the function's kind)."""
        p, v = self.points, self.values
        return _max([_abs((v[i + 1] - v[i]) / (p[i + 1] - p[i])) for i in range(p.shape[0] - 1)])

    def __call__(self, x: Any) -> Any:
        """``f(x)`` for a scalar or an array of points in ``[points[0], points[-1]]``.

        Raises
        ------
        InvalidParameterError
            If a point is not a real number or lies outside ``[points[0], points[-1]]``.
        """
        try:
            arr = np.asarray(x, dtype=object if self.points.dtype == object else float)
        except (TypeError, ValueError):
            fail("x", "real points", x)
        out = np.empty(arr.shape, dtype=self.values.dtype)
        for idx, xv in np.ndenumerate(arr):
            out[idx] = self._at(xv)
        return out if arr.ndim else out[()]

    def _at(self, x: Any) -> Any:
        p, v = self.points, self.values
        try:
            inside = bool(p[0] <= x <= p[-1])
        except TypeError:
            inside = False
        if not inside:
            fail("x", f"a point in [{p[0]}, {p[-1]}]", x)
        i = min(int(np.searchsorted(p, x, side="right")) - 1, p.shape[0] - 2)
        return v[i] + (v[i + 1] - v[i]) * (x - p[i]) / (p[i + 1] - p[i])


@dataclass(frozen=True)
class HammersteinTarget:
    """``H(u)_t = Σ_{s≤t} ρ_s f(u_{t-s})`` on inputs ``u ∈ [a, b]^T``.

    Parameters
    ----------
    f
        The nonlinearity: a :class:`PiecewiseLinear` (its Lipschitz constant is taken when
        ``lipschitz`` is ``None``, and its worst inputs are computed exactly) or a callable on
        scalars and float arrays.
    filter
        A stable discrete SISO :class:`~theory.layers.SSMLayer` without bias; ``ρ`` is its
        kernel.
    a, b
        The input range ``a < b`` (exact end points for an exact target).
    lipschitz
        A Lipschitz constant of ``f`` on ``[a, b]`` (required unless ``f`` is piecewise
        linear).
    second_derivative
        A bound ``M_2 ≥ |f''|`` on ``[a, b]``, or ``None``.

    Raises
    ------
    InvalidParameterError
        On a non-callable ``f``, a bad filter, ``a ≥ b``, inexact end points of an exact filter,
        a piecewise-linear ``f`` that does not cover ``[a, b]``, or a missing or bad constant.
    """

    f: Callable[[Any], Any]
    filter: SSMLayer
    a: Any
    b: Any
    lipschitz: Any = None
    second_derivative: Any = None

    def __post_init__(self) -> None:
        if not callable(self.f):
            fail("f", "a callable nonlinearity", self.f)
        _siso_filter(self.filter, "filter")
        check_real(self.b, "b", minimum=check_real(self.a, "a", exact=True), strict=True,
                   exact=True)
        if self.filter.kind is NumberKind.EXACT and \
                kind_of(self.a, self.b, names=["a", "b"]) is not NumberKind.EXACT:
            fail("a", "exact end points a, b for an exact filter", (self.a, self.b))
        if isinstance(self.f, PiecewiseLinear):
            if not (self.f.points[0] <= self.a and self.b <= self.f.points[-1]):
                fail("f", f"a piecewise-linear function defined on [{self.a}, {self.b}]",
                     self.f)
            if self.lipschitz is None:
                object.__setattr__(self, "lipschitz", self.f.lipschitz)
        if self.lipschitz is None:
            fail("lipschitz", "a Lipschitz constant of f (required for a callable f)", None)
        check_real(self.lipschitz, "lipschitz", minimum=0, exact=True)
        if self.second_derivative is not None:
            check_real(self.second_derivative, "second_derivative", minimum=0, exact=True)

    def __call__(self, u: Any) -> np.ndarray:
        """``H(u)`` for ``u`` of shape ``(T, 1)`` in ``[a, b]``, in the filter's kind.

        Raises
        ------
        InvalidParameterError
            If ``u`` is not a finite ``(T, 1)`` array with entries in ``[a, b]``.
        """
        u = _inputs(self, u)
        fu = np.array([[self.f(v)] for v in u[:, 0]], dtype=u.dtype)
        return self.filter.run(fu)


def _inputs(target: HammersteinTarget, u: Any) -> np.ndarray:
    """``u`` checked to be a finite ``(T, 1)`` array in ``[a, b]`` of the filter's kind."""
    kind = target.filter.kind
    arr = as_array(u, kind, "u", ndim=2)
    if arr.shape[1] != 1 or arr.shape[0] < 1:
        fail("u", "an input sequence of shape (T, 1), T >= 1", arr)
    if not all(target.a <= v <= target.b for v in arr[:, 0]):
        fail("u", f"inputs in [{target.a}, {target.b}]", arr)
    return arr


# ------------------------------------------------------------------------------ construction
@dataclass(frozen=True)
class HammersteinApproximant:
    """The three-layer ReLU stack of :func:`hammerstein_network` and its parts.

    Attributes
    ----------
    stack
        The :class:`~theory.layers.SSMStack` (ReLU between the layers).
    f_hat
        Result A's memoryless interpolant of ``f`` (the knots and their values).
    realization
        The layer whose kernel is ``ρ̂``.
    h
        The knot spacing.
    """

    stack: SSMStack
    f_hat: MemorylessApproximant
    realization: SSMLayer
    h: Any


def truncated_filter(filter: SSMLayer, n: int) -> SSMLayer:
    """The shift register (Result B1) of the first ``n`` taps of ``filter``'s kernel.

    Its kernel is ``ρ_0 … ρ_{n-1}, 0, 0, …`` (exact for an exact filter), so
    ``‖ρ - ρ̂‖_{1,T} = Σ_{n≤s<T} |ρ_s|``.

    Raises
    ------
    InvalidParameterError
        On a bad filter or ``n < 1``.
    """
    layer = _siso_filter(filter, "filter")
    return shift_register(layer.kernel(check_int(n, "n", 1)))


def hammerstein_network(target: HammersteinTarget, N: int,
                        realization: SSMLayer | None = None) -> HammersteinApproximant:
    """The three-layer ReLU stack approximating ``target`` (module docstring).

    Parameters
    ----------
    target
        The Hammerstein target.
    N
        Number of uniform knots of the interpolant of ``f`` on ``[a, b]`` (``N ≥ 2``).
    realization
        The layer realizing the filter (default: the target's filter itself, ``ρ̂ = ρ``); e.g.
        :func:`truncated_filter` or a balanced truncation. Must be a stable SISO layer without
        bias of the target's number kind.

    Returns
    -------
    HammersteinApproximant
        Widths ``(N - 1, N, m)``.

    Raises
    ------
    InvalidParameterError
        On a bad target, ``N < 2``, or a bad or mismatched realization.
    """
    target = _target(target)
    layer = target.filter if realization is None else _siso_filter(realization, "realization")
    kind = target.filter.kind
    if layer.kind is not kind:
        fail("realization", f"a layer of the target's number kind ({kind.value})", layer)
    f_hat = relu_interpolant(target.f, target.a, target.b, check_int(N, "N", 2))
    l1, l2 = f_hat.stack.layers
    pm = convert([[1], [-1]], kind)
    layer2 = SSMLayer(l2.W, l2.U, np.concatenate([l2.C, -l2.C]), b=l2.b)
    D = None if layer.D is None else layer.D @ pm.T
    layer3 = SSMLayer(layer.W, layer.U @ pm.T, layer.C, D)
    h = (target.b - target.a) / (N - 1)  # the spacing itself, not a difference of rounded knots
    return HammersteinApproximant(SSMStack([l1, layer2, layer3], "relu"), f_hat, layer, h)


# ------------------------------------------------------------------------------ budget
@dataclass(frozen=True)
class HammersteinBudget:
    """``total = f_error · rho_l1 + filter_error · f_hat_sup`` (module docstring).

    Attributes
    ----------
    f_error
        Result A's a-priori bound ``min(L h/2, h² M_2/8)`` on ``sup |f - f̂|``.
    rho_l1
        ``‖ρ‖_{1,T}``.
    filter_error
        ``‖ρ - ρ̂‖_{1,T}``.
    f_hat_sup
        ``‖f̂‖_∞ = max_k |f(t_k)|``.
    total
        The budget.
    """

    f_error: Any
    rho_l1: Any
    filter_error: Any
    f_hat_sup: Any
    total: Any


def _knot_values(approx: HammersteinApproximant) -> np.ndarray:
    knots = approx.f_hat.knots[0]
    return approx.f_hat.stack.run(knots.reshape(-1, 1))[:, 0]


def hammerstein_budget(target: HammersteinTarget, approximant: HammersteinApproximant,
                       T: int) -> HammersteinBudget:
    """The error budget of ``approximant`` on inputs of length ``T`` (in the target's kind).

    Raises
    ------
    InvalidParameterError
        On a bad target or approximant, or ``T < 1``.
    """
    target, approx, T = _target(target), _approximant(approximant), _horizon(T)
    rho = target.filter.kernel(T)[:, 0, 0]
    rho_hat = approx.realization.kernel(T)[:, 0, 0]
    bounds = [lipschitz_interpolation_bound(target.lipschitz, approx.h)]
    if target.second_derivative is not None:
        bounds.append(c2_interpolation_bound(target.second_derivative, approx.h))
    f_error = _min(bounds)
    rho_l1 = _sum([_abs(v) for v in rho])
    filter_error = _sum([_abs(v - w) for v, w in zip(rho, rho_hat)])
    f_hat_sup = _max([_abs(v) for v in _knot_values(approx)])
    return HammersteinBudget(f_error, rho_l1, filter_error, f_hat_sup,
                             f_error * rho_l1 + filter_error * f_hat_sup)


def _min(values: list[Any]) -> Any:
    return sympy.Min(*values) if any(isinstance(v, sympy.Basic) for v in values) \
        else min(values)


def _sum(values: list[Any]) -> Any:
    return sum(values[1:], values[0])


# ------------------------------------------------------------------------------ worst input
@dataclass(frozen=True)
class WorstCase:
    """The largest ``|H(u)_t - Ĥ(u)_t|`` over inputs built from candidate points.

    Attributes
    ----------
    error
        ``max_t Σ_{s≤t} max_x ±δ_s(x)`` (module docstring): the supremum over all inputs in
        ``[a, b]^T`` when ``exact``, else over inputs with entries in the candidate set.
    t
        The time at which it is attained.
    sign
        ``+1`` if ``H - Ĥ`` is positive there, ``-1`` if negative.
    u
        An input ``(T, 1)`` attaining it (entries after ``t`` are ``a``).
    exact
        Whether the candidates contain every breakpoint (piecewise-linear ``f``).
    """

    error: Any
    t: int
    sign: int
    u: np.ndarray
    exact: bool


def _candidates(target: HammersteinTarget, approx: HammersteinApproximant,
                points: Any) -> tuple[list[Any], bool]:
    """Sorted candidate abscissae in ``[a, b]``: knots, end points and ``f``'s breakpoints (or
    the given points)."""
    kind = target.filter.kind
    cands = list(approx.f_hat.knots[0])
    if points is not None:
        extra, exact = as_array(points, kind, "points", ndim=1), False
    elif isinstance(target.f, PiecewiseLinear):
        extra, exact = target.f.points, True
    else:
        fail("points", "candidate points (f is not piecewise linear)", points)
    cands += [p for p in extra if target.a <= p <= target.b]
    unique: list[Any] = []
    for p in sorted(cands):
        if not unique or p != unique[-1]:
            unique.append(p)
    return unique, exact


def worst_case_error(target: HammersteinTarget, approximant: HammersteinApproximant, T: int,
                     points: Any = None) -> WorstCase:
    """The worst error of ``approximant`` over inputs of length ``T`` (module docstring).

    Parameters
    ----------
    target, approximant
        As for :func:`hammerstein_budget`.
    T
        Input length.
    points
        Candidate input values (a 1-D array) for a ``f`` that is not piecewise linear; must be
        ``None`` for a piecewise-linear ``f`` (its breakpoints are used: the result is exact).

    Raises
    ------
    InvalidParameterError
        On a bad target, approximant, ``T`` or ``points`` (missing for a general ``f``).
    """
    target, approx, T = _target(target), _approximant(approximant), _horizon(T)
    xs, exact = _candidates(target, approx, points)
    dtype = float if target.filter.kind is NumberKind.FLOAT else object
    F = np.array([target.f(x) for x in xs], dtype=dtype)
    F_hat = approx.f_hat.stack.run(np.array([[x] for x in xs], dtype=dtype))[:, 0]
    rho = target.filter.kernel(T)[:, 0, 0]
    rho_hat = approx.realization.kernel(T)[:, 0, 0]
    delta = np.outer(rho, F) - np.outer(rho_hat, F_hat)  # δ_s(x_j), shape (T, candidates)
    options = []
    for sign in (1, -1):
        best = np.argmax(sign * delta, axis=1)  # the maximizing candidate for each lag s
        running = np.cumsum(sign * delta[np.arange(T), best])
        t = int(np.argmax(running))
        options.append((running[t], t, sign, best))
    error, t_star, sign_star, argmax = max(options, key=lambda o: o[0])
    u = np.empty((T, 1), dtype=dtype)
    u[:, 0] = target.a
    for s in range(t_star + 1):
        u[t_star - s, 0] = xs[argmax[s]]
    return WorstCase(error, t_star, sign_star, u, exact)
