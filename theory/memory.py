"""Memory functions of causal sequence maps and the decay bound of WX23 Theorem 3.13.

Memory function (WX23, spec §1.4). Feed the Heaviside input ``u^x`` (``x_k = x`` for every
``k ≥ 0``, nothing before) and look at how much the output still moves:

* discrete time, one direction: ``ρ̂_k = |y_{k+1} - y_k|`` for ``k = 0, 1, …``;
* discrete time, normalized: ``M(H)(k) = sup_{x≠0} |y_{k+1} - y_k| / |x|_∞``;
* continuous time: ``ρ̂(t) = |d/dt y(t)|``; for a linear layer ``dh/dt = W h + U x + b`` the
  step response has derivative ``C e^{W t} (U x + b)`` (``D x`` is constant and drops out).

Bias response. A map with a bias (or any non-zero zero-input response ``y^0 = H(0)``) moves on
its own: a scalar layer ``h_k = 0.8 h_{k-1} + x_k + 1`` has ``|y_{k+1} - y_k| = 0.8^{k+1}`` at
``x = 0``, so dividing by ``|x|`` blows up as ``x → 0`` (about ``8·10^5`` at ``|x| = 10^-6``).
That motion is the bias's, not memory of the input. With ``subtract_zero_response=True`` the
functions below measure the map ``H(u) - H(0)`` instead (for a map that is linear plus a bias this
is exactly its linear part, whose normalized memory is the absolute kernel, independent of
``|x|``). :func:`sup_memory` (the normalized memory) does this by default; the raw curves
(:func:`step_differences`, :func:`memory_curve`) keep the bias by default, as Theorem 3.13's
bound (whose constant contains ``|b|``) is about them.

``|·|`` over the output channels is the Euclidean norm by default (``ord=2``, the norm over
channels of the author's later code); ``ord=inf`` selects the max norm. Both are available
everywhere.

Index convention for linear maps. With the suite's same-step recurrence the step response is
``y_k = Σ_{s=0}^{k} K_s x`` (kernel ``K_0 = C U + D``, ``K_s = C W^s U``), so

    y_{k+1} - y_k = K_{k+1} x        (k ≥ 0),

i.e. the memory at index ``k`` is the kernel at lag ``k + 1``, and the feed-through ``D`` (which
only enters ``K_0``) never appears. For a linear map the normalized memory is the induced norm
``M(k) = max_{|x|_∞ ≤ 1} |K_{k+1} x|``: the largest absolute row sum of ``K_{k+1}`` for
``ord=inf``, and for ``ord=2`` the maximum of ``|K_{k+1} s|_2`` over the sign vectors
``s ∈ {±1}^d`` (a convex function on the cube peaks at a vertex), which is exact.
For a single output both equal ``Σ_j |(K_{k+1})_j|``: "the memory function of a linear
functional is its absolute kernel".

Theorem 3.13 (discrete form, constants rebuilt here). For a stack of ``L`` stable layers with
an element-wise ``Lip(σ)``-Lipschitz σ and ``r = max_ℓ ρ(W_ℓ) ∈ (0, 1)``,

    ρ̂_k ≤ K (1 + k)^p r^k,

with ``K`` and ``p`` computed by :func:`memory_bound_constants` (derivation in its docstring);
for diagonalizable transitions ``p = L - 1``. The decay rate is ``β = -ln r`` per step and
``e^{c_0 k} ρ̂_k → 0`` for every ``c_0 < β``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy  # scipy.linalg, scipy.special load on first use (scipy's lazy submodules)
import sympy

from theory.activations import HARDTANH, IDENTITY, RELU, SIGMOID, TANH, Activation
from theory.layers import SSMLayer, SSMStack, UnstableLayerError
from theory.numbers import (
    InvalidParameterError,
    NumberKind,
    abs_squared,
    as_array,
    convert,
    kind_of,
    tolerance,
)
from theory.validation import check_array, check_instance, check_int, check_real, fail

__all__ = [
    "ORDS",
    "step_input",
    "step_differences",
    "channel_norm",
    "memory_curve",
    "sup_memory",
    "linear_memory",
    "linear_memory_direction",
    "continuous_linear_memory",
    "PowerBound",
    "power_bound",
    "MemoryBound",
    "memory_bound_constants",
    "memory_bound",
    "decay_rate_bound",
    "activation_difference",
    "difference_recursion",
    "SETTLE_TOLERANCE",
    "DecayFit",
    "fit_decay",
    "weighted_tail_sup",
]

#: Accepted norms over the output channels.
ORDS = (2, math.inf)

#: Largest input dimension for which the exact ∞→2 norm enumerates the ``2^d`` sign vectors.
MAX_SIGN_ENUMERATION = 16

#: Default tolerance of the settled fit window of :func:`fit_decay` (``settle=``): the local
#: per-step rates on the window spread by at most this fraction of their mean.
SETTLE_TOLERANCE = 0.1

#: The local rates of :func:`fit_decay` are least-squares slopes over ``max(min_points,
#: ⌈(b+1)/LOCAL_WINDOW_DIVISOR⌉)`` consecutive indices (``b`` the last resolved index).
LOCAL_WINDOW_DIVISOR = 4

#: Methods of :func:`power_bound`.
POWER_METHODS = ("auto", "diagonal", "eig", "schur")


# ------------------------------------------------------------------------------ validation
def _as_finite_array(value: Any) -> np.ndarray | None:
    """``value`` as a finite numeric array of its own kind (numeric dtypes are kept)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):  # ragged nesting
        return None
    if arr.dtype == object:
        try:
            kind = kind_of(arr)
            return as_array(arr.tolist() if kind is NumberKind.FLOAT else arr, kind, "value")
        except InvalidParameterError:
            return None
    if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
        return None
    return arr


def _finite(value: Any, name: str) -> np.ndarray:
    arr = _as_finite_array(value)
    if arr is None:
        fail(name, "an array of finite numbers", value)
    return arr


def _one_of(allowed: Callable[[Any], bool], expected: str) -> Callable[[Any, str], Any]:
    """A rule accepting ``value`` itself when ``allowed(value)``."""
    return lambda v, name: v if allowed(v) else fail(name, expected, v)


#: Validation rules: name → check of ``(value, parameter name)`` returning the checked value.
_RULES: dict[str, Callable[[Any, str], Any]] = {
    "length": lambda v, name: check_int(v, name, 1),
    "horizon": lambda v, name: check_int(v, name, 2),
    "points": lambda v, name: check_int(v, name, 2),
    "index": lambda v, name: check_int(v, name, 0),
    "nonneg": lambda v, name: check_real(v, name, minimum=0),
    "real": check_real,
    "fraction": lambda v, name: check_real(v, name, minimum=0, maximum=1, strict=True),
    "tolerance": lambda v, name: check_real(v, name, minimum=0, strict=True),
    "flag": _one_of(lambda v: isinstance(v, (bool, np.bool_)), "True or False"),
    "ord": _one_of(lambda v: v in ORDS, "2 or inf (norm over channels)"),
    "callable": _one_of(callable, "a callable causal map"),
    "activation": lambda v, name: check_instance(v, name, Activation),
    "array": _finite,
    "real_array": check_array,
    "nonneg_array": lambda v, name: check_array(v, name, nonneg=True),
}


def _check(name: str, value: Any, rule: str) -> Any:
    """The module's validation choke point: ``value`` checked by ``rule``.

    Raises
    ------
    InvalidParameterError
        Naming the parameter ``name``, what the rule expects and the bad value.
    """
    return _RULES[rule](value, name)


# ------------------------------------------------------------------------------ memory curves
def step_input(x: Any, T: int) -> np.ndarray:
    """The Heaviside input ``u^x``: ``x`` repeated at ``k = 0 … T-1``.

    Parameters
    ----------
    x
        Directions ``(..., d)`` of any number kind.
    T
        Number of time steps.

    Returns
    -------
    numpy.ndarray
        ``(..., T, d)`` (time-first convention), same dtype as ``x``.

    Raises
    ------
    InvalidParameterError
        If ``T < 1`` or ``x`` is not an array ``(..., d)``, ``d ≥ 1``, of finite numbers.
    """
    T = _check("T", T, "length")
    arr = _check("x", x, "array")
    if arr.ndim < 1 or arr.shape[-1] < 1:
        fail("x", "directions of shape (..., d) with d >= 1", arr)
    out = np.empty(arr.shape[:-1] + (T, arr.shape[-1]), dtype=arr.dtype)
    out[...] = arr[..., None, :]
    return out


def step_differences(system: Callable[[np.ndarray], Any], x: Any, T: int, *,
                     subtract_zero_response: bool = False) -> np.ndarray:
    """``y_{k+1} - y_k`` (``k = 0 … T-2``) of ``system`` driven by the step input ``u^x``.

    Parameters
    ----------
    system
        A causal map taking inputs ``(..., T, d)`` to outputs ``(..., T, p)``; the arithmetic is
        the system's own (exact systems give exact differences).
    x
        Direction(s) ``(..., d)``.
    T
        Length of the step input (``≥ 2``).
    subtract_zero_response
        Difference ``y^x - y^0`` instead of ``y^x`` (``y^0`` the response to the zero input, run
        through ``system`` once more): the bias's own motion is removed (module docstring).

    Returns
    -------
    numpy.ndarray
        ``(..., T-1, p)``.

    Raises
    ------
    InvalidParameterError
        On a non-callable ``system``, ``T < 2``, bad directions, a non-bool
        ``subtract_zero_response``, or a system whose output is not ``(..., T, p)`` finite
        numbers.
    """
    system = _check("system", system, "callable")
    T = _check("T", T, "horizon")
    subtract = _check("subtract_zero_response", subtract_zero_response, "flag")
    u = step_input(x, T)
    y = _response(system, u)
    if subtract:
        y = y - _response(system, u * 0)
    return y[..., 1:, :] - y[..., :-1, :]


def _response(system: Callable[[np.ndarray], Any], u: np.ndarray) -> np.ndarray:
    """``system(u)``, checked to be finite numbers of shape ``u.shape[:-1] + (p,)``."""
    y = _as_finite_array(system(u))
    if y is None or y.ndim != u.ndim or y.shape[:-1] != u.shape[:-1] or y.shape[-1] < 1:
        fail("system", f"finite outputs of shape {u.shape[:-1]} + (p,)", system)
    return y


def channel_norm(v: Any, ord: Any = 2) -> np.ndarray:
    """Norm over the last axis (the channels), in the kind of the entries.

    Float arrays give float64; object arrays give sympy or mpmath numbers (exact square roots
    stay symbolic).

    Raises
    ------
    InvalidParameterError
        If ``v`` is not an array ``(..., p)``, ``p ≥ 1``, of finite numbers or ``ord`` is not
        one of :data:`ORDS`.
    """
    ord = _check("ord", ord, "ord")
    arr = _check("v", v, "array")
    if arr.ndim < 1 or arr.shape[-1] < 1:
        fail("v", "an array of shape (..., p) with p >= 1", arr)
    if arr.dtype != object:
        return np.linalg.norm(arr, ord=ord, axis=-1)
    out = np.empty(arr.shape[:-1], dtype=object)
    for idx in np.ndindex(arr.shape[:-1]):
        squares = [abs_squared(z) for z in arr[idx]]
        exact = any(isinstance(s, sympy.Basic) for s in squares)
        if ord == 2:
            total = sum(squares[1:], squares[0])
            out[idx] = sympy.sqrt(total) if exact else total ** 0.5
        else:
            out[idx] = (sympy.sqrt(sympy.Max(*squares)) if exact
                        else max(squares) ** 0.5)
    return out


def memory_curve(
    system: Callable[[np.ndarray], Any], x: Any, T: int, *, ord: Any = 2,
    subtract_zero_response: bool = False,
) -> np.ndarray:
    """``ρ̂_k = |y_{k+1} - y_k|`` for the step input in direction ``x`` (``k = 0 … T-2``).

    Returns an array ``(..., T-1)`` over the leading axes of ``x``; ``subtract_zero_response``
    as in :func:`step_differences`.
    """
    return channel_norm(step_differences(system, x, T,
                                         subtract_zero_response=subtract_zero_response), ord)


def sup_memory(
    system: Callable[[np.ndarray], Any], directions: Any, T: int, *, ord: Any = 2,
    subtract_zero_response: bool = True,
) -> np.ndarray:
    """Lower estimate of ``M(H)(k) = sup_{x≠0} |y_{k+1} - y_k| / |x|_∞`` (float).

    The supremum is replaced by the maximum over the given finite set of ``directions``
    ``(n, d)`` (include several scales for a nonlinear map: the ratio depends on ``|x|``), so the
    result is a lower estimate of ``M``; it is exact for a linear map only if the set contains a
    maximizing sign vector (use :func:`linear_memory` there). By default the zero-input
    response is subtracted first (the memory of ``H - H(0)``, module docstring), so a bias does
    not count as memory and the ratio stays bounded as ``|x| → 0``; pass ``False`` for the raw
    ratio.
    """
    dirs = _check("directions", directions, "real_array")
    if dirs.ndim != 2 or dirs.shape[0] < 1 or dirs.shape[1] < 1:
        fail("directions", "an array of shape (n, d) with n, d >= 1", dirs)
    scale = np.abs(dirs).max(axis=1)
    if np.any(scale == 0):
        fail("directions", "non-zero directions (the zero direction has no normalized memory)",
             dirs)
    curves = memory_curve(system, dirs, T, ord=ord,
                          subtract_zero_response=subtract_zero_response)
    return (curves / scale[:, None]).max(axis=0)


def _kernel_array(kernel: Any) -> np.ndarray:
    K = _check("kernel", kernel, "array")
    if K.ndim != 3 or K.shape[0] < 2 or 0 in K.shape:
        fail("kernel", "an array of shape (T, p, d) with T >= 2 (K_0 … K_(T-1)), p, d >= 1", K)
    return K


def linear_memory_direction(kernel: Any, x: Any, *, ord: Any = 2) -> np.ndarray:
    """``|K_{k+1} x|`` for ``k = 0 … T-2``: the memory curve of a linear map in direction ``x``.

    ``kernel`` is ``(T, p, d)`` (``K_0 … K_{T-1}``, any kind); ``x`` is ``(d,)``.
    """
    K = _kernel_array(kernel)
    xv = _check("x", x, "array")
    if xv.shape != (K.shape[2],):
        fail("x", f"a direction of shape ({K.shape[2]},)", xv)
    return channel_norm(K[1:] @ xv, ord)


def linear_memory(kernel: Any, *, ord: Any = 2) -> np.ndarray:
    """Exact normalized memory ``M(k) = max_{|x|_∞ ≤ 1} |K_{k+1} x|`` of a linear map.

    ``ord=inf``: the largest absolute row sum of ``K_{k+1}``. ``ord=2``: the largest
    ``|K_{k+1} s|_2`` over sign vectors ``s ∈ {±1}^d`` (exact; ``d ≤``
    :data:`MAX_SIGN_ENUMERATION`). Kernel of any kind; the result is in the same kind.
    """
    ord = _check("ord", ord, "ord")
    K = _kernel_array(kernel)[1:]
    d = K.shape[2]
    if ord == math.inf:
        if K.dtype != object:
            return np.abs(K).sum(axis=2).max(axis=1)
        absK = channel_norm(K[..., None], 2)  # entrywise modulus in the kind, (T-1, p, d)
        return np.array([_max_of([sum(row[1:], row[0]) for row in Kk]) for Kk in absK],
                        dtype=object)
    if d > MAX_SIGN_ENUMERATION:
        fail("kernel", f"at most d = {MAX_SIGN_ENUMERATION} input channels for the exact ∞→2 "
             "norm (it enumerates 2^d sign vectors; use ord=inf)", K)
    signs = np.array(np.meshgrid(*[[1, -1]] * d, indexing="ij")).reshape(d, -1)
    if K.dtype != object:
        return np.linalg.norm(K @ signs, axis=1).max(axis=1)
    vals = channel_norm(np.swapaxes(K @ signs, 1, 2), 2)  # (T-1, 2^d)
    return np.array([_max_of(list(row)) for row in vals], dtype=object)


def _max_of(values: list[Any]) -> Any:
    if any(isinstance(v, sympy.Basic) for v in values):
        return sympy.Max(*values)
    return max(values)


def continuous_linear_memory(
    layer: SSMLayer, x: Any, t: Any, *, ord: Any = 2
) -> np.ndarray:
    """``ρ̂(t) = |C e^{W t} (U x + b)|`` of a continuous linear layer (float).

    The step response is ``y(t) = C ∫_0^t e^{W s} ds (U x + b) + D x`` for ``t > 0``; its
    derivative is ``C e^{W t} (U x + b)``. Without bias this is ``|ρ(t) x|`` with the kernel
    ``ρ(t) = C e^{W t} U``: the absolute kernel, as in discrete time but without an index shift.
    """
    if not isinstance(layer, SSMLayer) or layer.time != "continuous":
        fail("layer", "a continuous SSMLayer", layer)
    f = layer if layer.kind is NumberKind.FLOAT else layer.to_kind(NumberKind.FLOAT)
    xv = _check("x", x, "real_array")
    if xv.shape != (f.d_in,):
        fail("x", f"a direction of shape ({f.d_in},)", xv)
    drive = f.U @ xv + (0 if f.b is None else f.b)
    times = np.atleast_1d(_check("t", t, "nonneg_array"))
    if times.ndim != 1 or np.any(np.diff(times) <= 0):
        fail("t", "a time or a 1-D array of increasing times (a time grid)", times)
    Wd = f.W_matrix()
    out = np.array([f.C @ (scipy.linalg.expm(Wd * s) @ drive) for s in times])
    return channel_norm(out, ord)


# ------------------------------------------------------------------------------ Theorem 3.13
def _polynomial_geometric(K: float, p: int, r: float, k: Any) -> np.ndarray:
    """``K (1 + k)^p r^k`` at the indices ``k ≥ 0`` (the form of every bound below)."""
    kk = _check("k", k, "nonneg_array")
    return K * (1 + kk) ** p * r ** kk


@dataclass(frozen=True)
class PowerBound:
    """``‖W^k‖_2 ≤ M (1 + k)^q r^k`` for every ``k ≥ 0`` (``r ≥ ρ(W)``).

    ``method`` records how ``M`` was obtained: ``"diagonal"`` (``M = 1``, exact),
    ``"eig"`` (``M = κ_2(V)`` for ``W = V Λ V^{-1}``, computed in float64) or ``"schur"``
    (certified binomial bound from the complex Schur form).
    """

    M: float
    q: int
    r: float
    method: str

    def __call__(self, k: Any) -> np.ndarray:
        """The bound at the powers ``k ≥ 0``."""
        return _polynomial_geometric(self.M, self.q, self.r, k)


def _spectral_radius_float(W: np.ndarray) -> float:
    """``ρ(W)`` in float64 for a dense ``(m, m)`` or diagonal ``(m,)`` ``W`` (one code path)."""
    if W.ndim == 1:
        return float(np.abs(W).max())
    return float(np.abs(np.linalg.eigvals(W)).max())


def power_bound(W: Any, r: float | None = None, *, method: str = "auto",
                check_stable: bool = True) -> PowerBound:
    """A bound ``‖W^k‖_2 ≤ M (1+k)^q r^k`` (float64 arithmetic).

    Parameters
    ----------
    W
        ``(m, m)`` or a diagonal ``(m,)``.
    r
        The geometric factor to use (``≥ ρ(W)``; default ``ρ(W)``). Stacks pass the largest
        spectral radius over all layers.
    method
        ``"auto"``: ``"diagonal"`` for a diagonal ``W``, else ``"eig"`` when the eigenvector
        matrix is well conditioned (``κ_2(V) < ε^{-1/2}``, beyond which computed eigenvectors
        have lost half their digits), else ``"schur"``.

        * ``"eig"``: ``W^k = V Λ^k V^{-1}`` gives ``‖W^k‖ ≤ κ_2(V) ρ(W)^k`` (``q = 0``);
          refused when ``κ_2(V) ≥ ε^{-1/2}`` (a defective ``W`` such as ``[[1/2, 1], [0, 1/2]]``
          has a computed ``κ_2(V) ≈ 2e16``, finite, with a false bound ``q = 0``).
        * ``"schur"``: ``W = Q (Λ + N) Q^*`` with ``N`` strictly upper triangular; entrywise
          ``|(Λ+N)^k| ≤ (r I + |N|)^k = Σ_{j≤q} C(k, j) r^{k-j} |N|^j`` where ``q`` is the
          largest power with ``|N|^q ≠ 0``, and ``C(k, j) ≤ (1+k)^j / j!``, so
          ``M = Σ_{j≤q} (‖|N|‖_2 / r)^j / j!``. Valid for every ``W`` (defective included).
    check_stable
        Refuse ``ρ(W) ≥ 1`` (default; Theorem 3.13 is about stable layers). The bound itself
        never uses ``r < 1``: with ``False`` it also holds (growing) for an unstable ``W``.

    Raises
    ------
    InvalidParameterError
        On a ``W`` that is not a finite ``(m, m)`` or ``(m,)`` array (or is unstable with
        ``check_stable``), a bad method, a non-finite ``r``, ``r < ρ(W)``, or ``r = 0`` with
        the Schur method.
    """
    Wa = _check("W", W, "array")
    if Wa.dtype == object:
        Wa = convert(Wa, NumberKind.FLOAT, "W")
    if Wa.ndim == 1 and Wa.shape[0] >= 1:
        Wd, diagonal = np.diag(Wa), True
    elif Wa.ndim == 2 and Wa.shape[0] == Wa.shape[1] and Wa.shape[0] >= 1:
        Wd = Wa
        diagonal = bool(np.all(Wa == np.diag(np.diag(Wa))))
    else:
        fail("W", "a matrix of shape (m, m) or a diagonal (m,), m >= 1", Wa)
    if method not in POWER_METHODS:
        fail("method", f"one of {POWER_METHODS}", method)
    rho = _spectral_radius_float(Wa)
    if _check("check_stable", check_stable, "flag") and not rho < 1:
        fail("W", "a stable matrix (spectral radius < 1; pass check_stable=False for a "
              "growing bound)", Wa)
    r = rho if r is None else _check("r", r, "nonneg")
    if not r >= rho:
        fail("r", f"a factor at least the spectral radius {rho!r}", r)
    if method == "diagonal" and not diagonal:
        fail("method", "'diagonal' only for a diagonal W", method)
    if diagonal and method in ("auto", "diagonal"):
        return PowerBound(1.0, 0, r, "diagonal")
    if method in ("auto", "eig"):
        _, V = np.linalg.eig(Wd)
        kappa = float(np.linalg.cond(V))
        well_conditioned = math.isfinite(kappa) and kappa < np.finfo(float).eps ** -0.5
        if method == "eig" and not well_conditioned:
            # beyond eps^(-1/2) the computed V may hide a defective W: kappa_2(V) r^k is no bound
            fail("W", "a matrix diagonalizable in float64 with kappa_2(V) < eps^(-1/2) for "
                 "method 'eig' (use 'schur')", Wa)
        if well_conditioned:
            return PowerBound(kappa, 0, r, "eig")
    if r <= 0:
        fail("r", "r > 0 for the Schur bound", r)
    Tm, _ = scipy.linalg.schur(Wd.astype(complex), output="complex")
    N = np.abs(np.triu(Tm, 1))
    n = float(np.linalg.norm(N, 2))
    q, P = 0, np.eye(N.shape[0])
    while True:
        P = P @ N
        if not np.any(P):
            break
        q += 1
    M = sum((n / r) ** j / math.factorial(j) for j in range(q + 1))
    return PowerBound(float(M), q, r, "schur")


@dataclass(frozen=True)
class MemoryBound:
    """``ρ̂_k ≤ K (1 + k)^p r^k`` (WX23 Theorem 3.13, discrete form, 2-norm over channels).

    Attributes
    ----------
    K, p, r
        The computed constant, polynomial degree and geometric factor (``r = max_ℓ ρ(W_ℓ)``).
    layers
        The :class:`PowerBound` used for each layer.
    """

    K: float
    p: int
    r: float
    layers: tuple[PowerBound, ...]

    def __call__(self, k: Any) -> np.ndarray:
        """The bound at the memory indices ``k ≥ 0``."""
        return _polynomial_geometric(self.K, self.p, self.r, k)

    @property
    def rate(self) -> float:
        """``β = -ln r``: ``e^{c_0 k} ρ̂_k → 0`` for every ``c_0 < β``."""
        return -math.log(self.r)

    def fitted_factor(self, start: int, stop: int, extra_degree: int = 0) -> float:
        """Per-step factor of the least-squares line through the log-bound on ``[start, stop]``.

        Equals ``r · exp((p + extra_degree) · s)`` where ``s`` is the least-squares slope of
        ``log(1 + k)`` on the window: the most a curve shaped like the bound (with
        ``extra_degree`` more powers of ``1 + k``) can exceed ``r`` there.

        Raises
        ------
        InvalidParameterError
            Unless ``0 ≤ start < stop`` and ``extra_degree ≥ 0`` are integers.
        """
        start = _check("start", start, "index")
        stop = _check("stop", stop, "index")
        extra_degree = _check("extra_degree", extra_degree, "index")
        if stop <= start:
            fail("stop", f"an index > start = {start} (a window of at least two indices)", stop)
        k = np.arange(start, stop + 1, dtype=float)
        s = np.polyfit(k, np.log1p(k), 1)[0]
        return float(self.r * math.exp((self.p + extra_degree) * s))


def _float_parts(stack: Any) -> tuple[list[SSMLayer], Activation]:
    if not isinstance(stack, SSMStack):
        fail("stack", "an SSMStack", stack)
    act = stack.activation
    if not isinstance(act, Activation):  # an Activation has a finite Lipschitz constant
        fail("stack.activation", "an Activation", act)
    if stack.time != "discrete":
        fail("stack", "a discrete stack (the bound is implemented in discrete time)", stack)
    layers = [layer if layer.kind is NumberKind.FLOAT else layer.to_kind(NumberKind.FLOAT)
              for layer in stack.layers]
    return layers, act


def _stack_radius(layers: list[SSMLayer], check_stable: bool) -> float:
    radii = [_spectral_radius_float(layer.W) for layer in layers]
    if check_stable:
        for i, rho in enumerate(radii):
            if not rho < 1:
                raise UnstableLayerError(
                    f"stack.layers[{i}].W: spectral radius {rho!r} >= 1; Theorem 3.13 needs "
                    "every layer stable"
                )
    r = max(radii)
    if r == 0:
        fail("stack", "a layer with spectral radius > 0 (with every W nilpotent the memory "
              "vanishes after finitely many steps and K (1+k)^p r^k degenerates at r = 0)",
              "a stack of nilpotent layers")
    return r


def memory_bound_constants(
    stack: SSMStack, x_norm: float, *, r: float | None = None, check_stable: bool = True
) -> MemoryBound:
    """Constants ``K, p, r`` with ``ρ̂_k = |y_{k+1} - y_k|_2 ≤ K (1+k)^p r^k`` (Theorem 3.13).

    Parameters
    ----------
    stack
        A discrete :class:`~theory.layers.SSMStack` (any kind; evaluated in float64).
    x_norm
        ``|x|_2`` of the step direction (the bound also holds for the ``∞`` norm over channels,
        which is smaller).
    r
        Geometric factor, default the largest spectral radius over the layers; a larger value
        is allowed (a smaller one would not be a bound).
    check_stable
        Refuse unstable layers (default). The derivation below never uses ``r < 1``: with
        ``check_stable=False`` the result is still an upper bound, merely not a decaying one.

    Notes
    -----
    Derivation (rebuilt from the proof sketch: difference instead of differentiate). Layer
    ``ℓ`` has input ``v``, state ``h_k = W h_{k-1} + U v_k + b`` with ``h_{-1} = 0``, output
    ``y_k = C h_k + D v_k``. Its state differences ``g_k = h_k - h_{k-1}`` obey
    ``g_0 = U v_0 + b`` and ``g_k = W g_{k-1} + U Δv_k``, so
    ``g_k = W^k g_0 + Σ_{j=1}^{k} W^{k-j} U Δv_j``. Assume ``|Δv_k| ≤ A (1+k)^a r^k`` for
    ``k ≥ 1`` and ``‖W^k‖ ≤ M (1+k)^q r^k`` (:func:`power_bound` with the common ``r``). Using
    ``Σ_{j=1}^{k} (1+k-j)^q (1+j)^a ≤ (1+k)^{a+q+1}``,

        |Δy_k| ≤ [‖C‖ M (G_0 + ‖U‖ A) + ‖D‖ A] (1+k)^e r^k,    G_0 = ‖U‖ |v_0| + |b|,

    with ``e = a + q + 1`` if ``A > 0`` and ``e = q`` otherwise. σ acts coordinate-wise, so
    ``|Δσ(y)_k|_2 ≤ Lip(σ) |Δy_k|_2`` passes the bound to the next layer, whose first input is
    bounded by ``|σ(y_0)|_2 ≤ |σ(0)| √p + Lip(σ) |y_0|`` with ``|y_0| ≤ ‖C‖ G_0 + ‖D‖ |v_0|``.
    Layer 1 sees a constant input (``A = 0``, ``|v_0| = |x|_2``). Finally
    ``ρ̂_k = |Δy^{(L)}_{k+1}| ≤ Y (2+k)^e r^{k+1} ≤ (Y r 2^e) (1+k)^e r^k``, so
    ``K = Y r 2^e`` and ``p = e = Σ_ℓ q_ℓ + L - 1`` (``L - 1`` for diagonalizable layers).
    Norms are float64 spectral norms; ``K`` is inflated by
    ``tolerance(float, L·(m + d))`` to cover their rounding.

    Raises
    ------
    theory.layers.UnstableLayerError
        If ``check_stable`` and some layer has spectral radius ``≥ 1``.
    InvalidParameterError
        On a non-stack, a continuous stack, an activation without a finite Lipschitz constant,
        a bad ``x_norm`` or ``r``.
    """
    layers, act = _float_parts(stack)
    xn = _check("x_norm", x_norm, "nonneg")
    check_stable = _check("check_stable", check_stable, "flag")
    rho = _stack_radius(layers, check_stable)
    r = rho if r is None else _check("r", r, "nonneg")
    if not r >= rho:
        fail("r", f"a factor at least the largest spectral radius {rho!r}", r)
    lip = float(act.lipschitz)
    sigma0 = abs(float(act(np.zeros(1))[0]))
    V0, A, a = xn, 0.0, 0
    powers = []
    size = 0
    for i, layer in enumerate(layers):
        pb = power_bound(layer.W, r, check_stable=check_stable)
        powers.append(pb)
        nU = float(np.linalg.norm(layer.U, 2))
        nC = float(np.linalg.norm(layer.C, 2))
        nD = 0.0 if layer.D is None else float(np.linalg.norm(layer.D, 2))
        nb = 0.0 if layer.b is None else float(np.linalg.norm(layer.b))
        G0 = nU * V0 + nb
        Y = nC * pb.M * (G0 + nU * A) + nD * A
        e = a + pb.q + 1 if A > 0 else pb.q
        Y0 = nC * G0 + nD * V0
        size += layer.width + layer.d_in
        if i + 1 < len(layers):
            A, a = lip * Y, e
            V0 = sigma0 * math.sqrt(layer.d_out) + lip * Y0
    K = Y * r * 2.0 ** e * (1 + tolerance(NumberKind.FLOAT, size))
    return MemoryBound(float(K), int(e), r, tuple(powers))


def memory_bound(stack: SSMStack, x_norm: float, k: Any) -> np.ndarray:
    """``K (1+k)^p r^k``: the Theorem 3.13 bound on ``ρ̂_k`` for a step of size ``|x|_2 = x_norm``.

    See :func:`memory_bound_constants` for the constants and the errors raised.
    """
    return memory_bound_constants(stack, x_norm)(k)


def decay_rate_bound(stack: SSMStack) -> float:
    """``β = -ln r`` with ``r`` the largest spectral radius over the (stable) layers.

    Raises
    ------
    theory.layers.UnstableLayerError
        If some layer has spectral radius ``≥ 1``.
    """
    layers, _ = _float_parts(stack)
    return -math.log(_stack_radius(layers, True))


# ------------------------------------------------------------------------------ differences
def activation_difference(act: Activation, a: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``σ(a + d) - σ(a)`` in float64 without cancellation for the predefined activations.

    tanh: ``tanh(d) sech²(a) / (1 + tanh(a) tanh(d))``; sigmoid:
    ``σ(a + d) σ(-a) (1 - e^{-d})`` (with ``expm1``; direct difference when ``|d| ≥ 1``, where
    there is no cancellation); ReLU and hard-tanh: ``d`` or ``0`` when ``a`` and ``a + d`` lie
    in the same linear piece, the direct difference otherwise. Any other activation: the direct
    difference.

    Raises
    ------
    InvalidParameterError
        If ``act`` is not an :class:`~theory.activations.Activation` or ``a`` and ``d`` are not
        finite real arrays of one shape.
    """
    act = _check("act", act, "activation")
    a = _check("a", a, "real_array")
    d = _check("d", d, "real_array")
    if d.shape != a.shape:
        fail("d", f"an increment of the shape of a {a.shape}", d)
    return _activation_difference(act, a, d)


def _activation_difference(act: Activation, a: np.ndarray, d: np.ndarray) -> np.ndarray:
    """:func:`activation_difference` on validated float arrays (the recursion's hot path)."""
    if act is IDENTITY:
        return d.copy()
    direct = act(a + d) - act(a)
    if act is TANH:
        td, ta = np.tanh(d), np.tanh(a)
        with np.errstate(over="ignore"):
            sech2 = 1.0 / np.cosh(a) ** 2
        return td * sech2 / (1.0 + ta * td)
    if act is SIGMOID:
        with np.errstate(over="ignore", invalid="ignore"):
            stable = scipy.special.expit(a + d) * scipy.special.expit(-a) * -np.expm1(-d)
        return np.where(np.abs(d) < 1, stable, direct)
    if act is RELU:
        both_on = (a > 0) & (a + d > 0)
        both_off = (a <= 0) & (a + d <= 0)
        return np.where(both_on, d, np.where(both_off, 0.0, direct))
    if act is HARDTANH:
        inside = (np.abs(a) < 1) & (np.abs(a + d) < 1)
        flat = ((a >= 1) & (a + d >= 1)) | ((a <= -1) & (a + d <= -1))
        return np.where(inside, d, np.where(flat, 0.0, direct))
    return direct


def difference_recursion(stack: SSMStack, x: Any, T: int) -> np.ndarray:
    """``y_{k+1} - y_k`` (``k = 0 … T-2``) of a discrete stack on the step input, float64.

    Evaluates the difference recursion of the proof of Theorem 3.13 instead of differencing
    outputs: per layer ``g_0 = h_0``, ``g_k = W g_{k-1} + U Δv_k``, ``Δy_k = C g_k + D Δv_k``,
    and ``Δv`` of the next layer from :func:`activation_difference`. Mathematically equal to
    :func:`step_differences`; numerically the differences keep their *relative* precision
    (about ``k ε``) as they decay, instead of drowning below ``ε max|y|``, so the decay can be
    followed down to the underflow threshold.

    Parameters
    ----------
    stack
        A discrete :class:`~theory.layers.SSMStack` (evaluated in float64).
    x
        Directions ``(n, d_in)``.
    T
        Horizon (``≥ 2``).

    Returns
    -------
    numpy.ndarray
        ``(n, T-1, d_out)``.
    """
    layers, act = _float_parts(stack)
    T = _check("T", T, "horizon")
    X = _check("x", x, "real_array")
    if X.ndim != 2 or X.shape[1] != stack.d_in:
        fail("x", f"directions of shape (n, {stack.d_in})", X)
    n = X.shape[0]
    mats = []
    for layer in layers:
        Wm = layer.W if layer.diagonal else layer.W.T
        D = None if layer.D is None else layer.D.T
        b = 0.0 if layer.b is None else layer.b
        mats.append((layer.diagonal, Wm, layer.U.T, layer.C.T, D, b))
    # k = 0: outputs y_0 of every layer and the first state differences g_0 = h_0
    g, ys = [], []
    v = X
    for i, (_, _, Ut, Ct, D, b) in enumerate(mats):
        if i:
            v = act(v)
        hk = v @ Ut + b
        yk = hk @ Ct + (0.0 if D is None else v @ D)
        g.append(hk)
        ys.append(yk)
        v = yk
    out = np.empty((n, T - 1, stack.d_out))
    last = len(mats) - 1
    for k in range(1, T):
        dv = None  # the step input does not move after k = 0
        for i, (diag, Wm, Ut, Ct, D, _) in enumerate(mats):
            g[i] = g[i] * Wm if diag else g[i] @ Wm
            dy = g[i] @ Ct
            if dv is not None:
                g[i] = g[i] + dv @ Ut
                dy = g[i] @ Ct + (0.0 if D is None else dv @ D)
            y_old = ys[i]
            ys[i] = y_old + dy
            if i < last:
                dv = _activation_difference(act, y_old, dy)
        out[:, k - 1] = dy
    return out


# ------------------------------------------------------------------------------ decay fits
@dataclass(frozen=True)
class DecayFit:
    """Least-squares fit ``log e_k ≈ c + k ln f`` of a memory curve's tail envelope.

    ``factor`` is the per-step factor ``f``, ``rate = -ln f``, the window is ``[start, stop]``;
    ``uncertainty`` bounds how far the fitted ``ln f`` moves when every ``ρ̂_k`` is off by at
    most the ``noise`` given to :func:`fit_decay` (nepers per step); ``spread`` is the spread
    (largest minus smallest) of the local per-step rates inside the window (nepers per step):
    how far the curve is from one exponential there.
    """

    factor: float
    rate: float
    start: int
    stop: int
    uncertainty: float
    spread: float = 0.0


def _local_rates(log_env: np.ndarray, width: int) -> np.ndarray:
    """``-`` least-squares slopes of ``log_env`` over every run of ``width`` indices."""
    k = np.arange(width) - (width - 1) / 2
    return -np.convolve(log_env, k[::-1] / (k @ k), mode="valid")


def _settled_start(rates: np.ndarray, last: int, tol: float) -> int | None:
    """First start ``j ≤ last`` from which every suffix of local rates spreads by at most
    ``tol`` times its mean (``None`` if even the start ``last`` does not)."""
    tail = rates[::-1]
    spread = (np.maximum.accumulate(tail) - np.minimum.accumulate(tail))[::-1]
    mean = (np.cumsum(tail) / np.arange(1, tail.size + 1))[::-1]
    bad = np.flatnonzero(~(spread[: last + 1] <= tol * mean[: last + 1]))
    start = 0 if bad.size == 0 else int(bad[-1]) + 1
    return start if start <= last else None


def fit_decay(rho: Any, floor: float, *, noise: Any = 0.0, start_fraction: float = 0.5,
              min_points: int = 8, settle: Any = None) -> DecayFit | None:
    """Fit the asymptotic per-step decay factor of a memory curve ``ρ̂_k``.

    The curve is replaced by its tail envelope ``e_k = max_{j ≥ k} ρ̂_j`` (removes the dips of
    oscillating modes; it is still below any decreasing upper bound). The fit window ends at the
    last index ``b`` where ``ρ̂`` exceeds ``floor``. It starts at ``start_fraction · b``
    (default), or, with ``settle`` (a tolerance such as :data:`SETTLE_TOLERANCE`), where the
    curve has settled: the *local rates* are the least-squares per-step rates of ``log e`` over
    runs of ``w = max(min_points, ⌈(b+1)/4⌉)`` indices, and the window starts at the first index
    from which the local rates of every later run spread (largest minus smallest) by at most
    ``settle`` times their mean, keeping at least ``max(min_points, 2w)`` indices; a transient
    (a mode that has not yet died out, a flat stretch, a bend) shows up as local rates that
    differ and is left out. A log-linear least-squares line through ``log e_k`` on the window
    gives the factor.

    The envelope of a curve that does not decay is flat (a growing curve's envelope is its last
    value), which would fit a factor of about 1 that looks like a slow decay. So the fit is
    refused unless the curve's largest value on the window lies in the window's first half
    (``e`` then strictly decreases from the start to the middle of the window).

    The least-squares slope is ``Σ_k c_k log e_k`` with ``c_k = (k - k̄) / Σ_j (j - k̄)²``. If
    each ``ρ̂_k`` carries an absolute error at most ``noise`` (a number, or one per index;
    then ``e_k`` is off by at most the largest noise at indices ``≥ k``), ``log e_k``
    moves by at most ``δ_k = -ln(1 - noise / e_k)`` and the slope by at most ``Σ_k |c_k| δ_k``:
    that is :attr:`DecayFit.uncertainty` (``inf`` if ``noise ≥ e_k`` somewhere in the window).
    :attr:`DecayFit.spread` is the spread of the local rates inside the window.

    Returns
    -------
    DecayFit or None
        ``None`` when fewer than ``min_points`` indices lie in the window (no measurable tail)
        or, with ``settle``, when the local rates never settle on ``max(min_points, 2w)``
        indices (no settled tail).

    Raises
    ------
    InvalidParameterError
        If ``rho`` is not a 1-D curve of finite numbers ``≥ 0``; ``floor`` or ``noise`` (which
        must broadcast to the curve) is not finite and ``≥ 0``; ``start_fraction ∉ (0, 1)``;
        ``min_points < 2``; ``settle`` is not ``None`` or a finite tolerance ``> 0``; or the
        curve does not decay on the window (see above).
    """
    c = _check("rho", rho, "nonneg_array")
    if c.ndim != 1:
        fail("rho", "a 1-D curve", c)
    floor = _check("floor", floor, "nonneg")
    start_fraction = _check("start_fraction", start_fraction, "fraction")
    min_points = _check("min_points", min_points, "points")
    tol = None if settle is None else _check("settle", settle, "tolerance")
    noise_arr = _check("noise", noise, "nonneg_array")
    try:
        noise_k = np.broadcast_to(noise_arr, c.shape)
    except ValueError:
        fail("noise", f"a number or an array broadcastable to the curve {c.shape}", noise_arr)
    above = np.flatnonzero(c > floor)
    if above.size == 0:
        return None
    stop = int(above[-1])
    envelope = np.maximum.accumulate(c[::-1])[::-1][: stop + 1]
    width = max(min_points, -(-(stop + 1) // LOCAL_WINDOW_DIVISOR))
    if tol is None:
        start = int(start_fraction * stop)
        if stop - start + 1 < min_points:
            return None
    else:
        last = stop + 1 - max(min_points, 2 * width)
        if last < 0:
            return None
        # e_k ≥ ρ̂_b > floor ≥ 0 on [0, b]: the logarithm is finite
        found = _settled_start(_local_rates(np.log(envelope), width), last, tol)
        if found is None:
            return None
        start = found
    env = envelope[start:]
    if not env[env.size // 2] < env[0]:
        fail("rho", f"a curve that decays on its tail window [{start}, {stop}] (its largest "
              "value there lies in the window's second half: a growing, flat or too slowly "
              "oscillating curve has no fitted decay factor)", c)
    k = np.arange(start, stop + 1, dtype=float)
    coef = (k - k.mean()) / ((k - k.mean()) ** 2).sum()
    slope = float(coef @ np.log(env))
    ratio = np.maximum.accumulate(noise_k[::-1])[::-1][start:stop + 1] / env
    unc = math.inf if np.any(ratio >= 1) else float(np.abs(coef) @ -np.log1p(-ratio))
    local = _local_rates(np.log(env), min(width, env.size))
    return DecayFit(math.exp(slope), -slope, start, stop, unc, float(local.max() - local.min()))


def weighted_tail_sup(rho: Any, c0: float) -> np.ndarray:
    """``S_k = sup_{j ≥ k} e^{c_0 j} ρ̂_j`` on the finite curve (non-increasing in ``k``).

    Theorem 3.13 says ``e^{c_0 k} ρ̂_k → 0`` for ``c_0 < β``, i.e. ``S_k → 0``. The weights are
    formed as ``exp(ln ρ̂_j + c_0 j)``, so ``ρ̂_j = 0`` gives ``0`` and a product beyond the
    float range gives ``inf`` (never ``0 · inf = nan``).

    Raises
    ------
    InvalidParameterError
        If ``rho`` is not a 1-D curve of finite numbers ``≥ 0`` or ``c0`` is not finite.
    """
    c = _check("rho", rho, "nonneg_array")
    if c.ndim != 1:
        fail("rho", "a 1-D curve", c)
    c0 = _check("c0", c0, "real")
    with np.errstate(divide="ignore", over="ignore"):
        w = np.exp(np.log(c) + c0 * np.arange(c.size))
    return np.maximum.accumulate(w[::-1])[::-1]
