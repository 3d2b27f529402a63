"""WX23 Result D: a filter bank and a position-wise readout approximate fading-memory maps.

Target class (spec, Result D; the formulation is the suite's). Scalar inputs with
``|x_t| ≤ B`` (``x_t = 0`` before the first step), kernels ``h_1, …, h_J`` that are sums of
damped terms (exponentially decaying memory, :class:`DampedKernel`), the filtered signals
``v_j = h_j * x`` (``v_{j,k} = Σ_{s<k} h_j(s) x_{k-s}``), and a quadratic readout::

    y_k = c + Σ_j a_j v_{j,k} + Σ_{j≤l} b_{jl} v_{j,k} v_{l,k}.

This covers a Wiener system (a stable filter followed by a quadratic static map, ``J = 1``) and a
second-order Volterra series whose kernel ``h_2(s_1, s_2) = Σ b_{jl} h_j(s_1) h_l(s_2)`` is a sum
of products of exponentially decaying kernels. The map is causal, time-invariant and has fading
memory on bounded inputs (Boyd–Chua 1985).

Construction (:func:`volterra_network`), a three-layer ReLU SSM whose widths never involve the
sequence length ``T``:

1. **Filter bank**: ``K`` real exponential modes ``r_1, …, r_K`` (diagonal ``W``, ``U = 1``).
   Each kernel is fitted in their span, ``ĥ_j(s) = Σ_i c_{ji} r_i^s`` (least squares on a finite
   horizon), and its ``ℓ¹`` error is *certified*: the finite part is summed and the two tails
   are bounded in closed form (:meth:`DampedKernel.tail_bound` and ``Σ_i |c_i| |r_i|^S/(1-|r_i|)``).
2. **Ridge readout**: the quadratic form is written as a sum of one-dimensional functions of
   linear combinations of the filtered signals, ``y = c + Σ_m f_m(e_m · v)``, with
   ``f_j(s) = a_j s + b_{jj} s²`` on ``s = v_j`` and, for ``j < l``, the polarization
   ``v_j v_l = ((v_j + v_l)² - (v_j - v_l)²)/4``. Each ``f_m`` is the ReLU interpolant of
   Result A (:func:`theory.approximation.relu_interpolant`) on a range that provably contains the
   bank's signal ``ŝ_m = e_m · v̂``.
3. The ReLU forced between the bank and the readout is passed exactly with
   ``relu(s) - relu(-s) = s`` (:func:`theory.universality.relu_chain`).

Error bound (:attr:`VolterraApproximant.bound`), for every ``k`` and every input with
``|x| ≤ B``::

    |y_k - ŷ_k| ≤ Σ_m [ Lip(f_m; R_m) · B ε_m  +  h_m² |f_m''| / 8 ],

where ``ε_m = Σ_s |e_m·(h - ĥ)(s)|`` is the certified kernel error of ridge ``m`` (the filter-bank
truncation tail of the spec is the special case of a bank that drops the tail), ``R_m`` bounds
both ``|s_m|`` and ``|ŝ_m|``, ``Lip(f; R) = |a| + 2|β| R`` for ``f(s) = a s + β s²``, and
``h_m`` is the knot spacing. No term depends on ``T``: at fixed width the error stays flat in the
sequence length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.approximation import c2_interpolation_bound, channelwise, relu_interpolant
from theory.layers import SSMLayer, SSMStack
from theory.numbers import NumberKind, tolerance
from theory.universality import relu_chain
from theory.validation import check_array, check_int, check_real, fail

__all__ = [
    "DampedKernel",
    "damped_kernel",
    "QuadraticVolterraTarget",
    "wiener_target",
    "KernelFit",
    "fit_kernel",
    "VolterraApproximant",
    "volterra_network",
    "FIT_HORIZON",
]

#: Horizon of the least-squares fit and of the finite part of the certified ``ℓ¹`` sums.
FIT_HORIZON = 4096


# ------------------------------------------------------------------------------ validation
def _stable_rates(value: Any, name: str) -> np.ndarray:
    r = check_array(value, name, (None,))
    if np.any(np.abs(r) >= 1):
        fail(name, "stable rates (|r| < 1)", r)
    return r


def _term(alpha: Any, rho: Any, omega: Any, power: Any, names: Sequence[str]) -> tuple:
    """One damped term ``(α, ρ, ω, p)`` validated; ``names`` label the four entries."""
    out = (check_real(alpha, names[0]),
           check_real(rho, names[1], minimum=-1, maximum=1, strict=True,
                      expected="a stable rate |rho| < 1"),
           check_real(omega, names[2]))
    if isinstance(power, (bool, np.bool_)) or power not in (0, 1):
        fail(names[3], "a power p in {0, 1}", power)
    return (*out, int(power))


@dataclass(frozen=True)
class DampedKernel:
    """``h(s) = Σ_i α_i (s+1)^{p_i} ρ_i^s cos(ω_i s)`` for ``s ≥ 0``, with ``|ρ_i| < 1``.

    Build it with :func:`damped_kernel` (which validates the terms).
    """

    alpha: tuple[float, ...]
    rho: tuple[float, ...]
    omega: tuple[float, ...]
    power: tuple[int, ...]

    def __post_init__(self) -> None:
        fields = ("alpha", "rho", "omega", "power")
        cols = [getattr(self, f) for f in fields]
        if not all(isinstance(c, (tuple, list)) for c in cols) or \
                len({len(c) for c in cols}) != 1 or not cols[0]:
            fail(", ".join(fields), "non-empty tuples of one length (an entry per term)",
                 tuple(cols))
        terms = [_term(a, r, w, p, [f"{f}[{i}]" for f in fields])
                 for i, (a, r, w, p) in enumerate(zip(*cols))]
        for f, col in zip(fields, zip(*terms)):
            object.__setattr__(self, f, tuple(col))

    def __call__(self, s: Any) -> np.ndarray:
        """Values at the lags ``s ≥ 0`` (array)."""
        s = np.asarray(s, dtype=float)
        if not np.all(np.isfinite(s)) or np.any(s < 0):
            fail("s", "finite lags >= 0", s)
        out = np.zeros(s.shape)
        for a, r, w, p in zip(self.alpha, self.rho, self.omega, self.power):
            out += a * (s + 1) ** p * np.power(r, s) * np.cos(w * s)
        return out

    def tail_bound(self, S: int) -> float:
        """An upper bound of ``Σ_{s≥S} |h(s)|`` in closed form.

        ``Σ_{s≥S} |ρ|^s = |ρ|^S/(1-|ρ|)`` and ``Σ_{s≥S} (s+1)|ρ|^s = |ρ|^S (S+1-S|ρ|)/(1-|ρ|)²``.
        Both are equalities, so the bound is attained by a single term with ``ω = 0``.
        """
        S = check_int(S, "S", 0)
        total = 0.0
        for a, r, p in zip(self.alpha, self.rho, self.power):
            q = abs(r)
            if p == 0:
                total += abs(a) * q**S / (1 - q)
            else:
                total += abs(a) * q**S * (S + 1 - S * q) / (1 - q) ** 2
        return total

    def l1_bound(self) -> float:
        """An upper bound of ``‖h‖_ℓ¹`` (the tail bound at ``S = 0``)."""
        return self.tail_bound(0)


def damped_kernel(terms: Sequence[tuple[float, float, float, int]]) -> DampedKernel:
    """A :class:`DampedKernel` from terms ``(α, ρ, ω, p)``.

    Raises
    ------
    InvalidParameterError
        If there is no term, ``|ρ| ≥ 1``, ``p ∉ {0, 1}`` or an entry is not finite.
    """
    if isinstance(terms, (str, bytes)) or not isinstance(terms, Sequence) or not terms:
        fail("terms", "a non-empty sequence of (alpha, rho, omega, p) terms", terms)
    checked = []
    for i, term in enumerate(terms):
        if not isinstance(term, (tuple, list)) or len(term) != 4:
            fail(f"terms[{i}]", "a term (alpha, rho, omega, p)", term)
        checked.append(_term(*term, [f"terms[{i}]"] * 4))
    return DampedKernel(*(tuple(c) for c in zip(*checked)))


def _causal_filter(kernel_values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``v_k = Σ_{s≤k} h(s) x_{k-s}`` along the last axis of the real ``x`` (FFT convolution).

    ``kernel_values`` are the real values ``h(0), h(1), …`` (at least ``T``; later ones cannot
    reach ``v_k`` for ``k < T`` and are dropped). Both are zero-padded to ``n = 2T``, at least
    ``2T - 1``, the length of their full linear convolution, so the cyclic convolution of the
    real FFTs (along the last axis, NumPy's default) wraps nothing around.
    """
    T = x.shape[-1]
    n = 2 * T
    spec = np.fft.rfft(x, n) * np.fft.rfft(kernel_values[:T], n)
    return np.fft.irfft(spec, n)[..., :T]


@dataclass(frozen=True)
class QuadraticVolterraTarget:
    """``y = c + Σ_j a_j (h_j * x) + Σ_{j≤l} b_{jl} (h_j * x)(h_l * x)`` on ``|x| ≤ B``.

    ``quadratic`` is read on and above its diagonal (entries below it must be zero).
    """

    kernels: tuple[DampedKernel, ...]
    linear: np.ndarray
    quadratic: np.ndarray
    constant: float
    input_bound: float

    def __post_init__(self) -> None:
        if not isinstance(self.kernels, (tuple, list)) or not self.kernels or \
                not all(isinstance(k, DampedKernel) for k in self.kernels):
            fail("kernels", "a non-empty tuple of DampedKernel", self.kernels)
        J = len(self.kernels)
        object.__setattr__(self, "kernels", tuple(self.kernels))
        object.__setattr__(self, "linear", check_array(self.linear, "linear", (J,)))
        quadratic = check_array(self.quadratic, "quadratic", (J, J))
        if np.any(np.tril(quadratic, -1) != 0):
            fail("quadratic", "an upper triangular matrix (entries below the diagonal 0)",
                 quadratic)
        object.__setattr__(self, "quadratic", quadratic)
        object.__setattr__(self, "constant", check_real(self.constant, "constant"))
        object.__setattr__(self, "input_bound", check_real(self.input_bound, "input_bound",
                                                           minimum=0, strict=True))

    def check_input(self, x: Any) -> np.ndarray:
        """``x`` as a float array ``(..., T)`` (scalar inputs, no channel axis); refuse
        entries with ``|x| > B``."""
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            fail("x", "a sequence of real numbers", x)
        if arr.ndim < 1 or arr.shape[-1] < 1:
            fail("x", "a sequence (..., T) with T >= 1", arr)
        if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > self.input_bound):
            fail("x", f"finite entries with |x| <= input_bound = {self.input_bound}", arr)
        return arr

    def filtered(self, x: Any) -> np.ndarray:
        """The signals ``v_j = h_j * x``: ``(..., T, J)``."""
        arr = self.check_input(x)
        T = arr.shape[-1]
        lags = np.arange(T)
        return np.stack([_causal_filter(k(lags), arr) for k in self.kernels], axis=-1)

    def __call__(self, x: Any) -> np.ndarray:
        """Target outputs ``(..., T)``."""
        v = self.filtered(x)
        quad = np.einsum("...j,jl,...l->...", v, self.quadratic, v)
        return self.constant + v @ self.linear + quad


def wiener_target(kernel: DampedKernel, a: float, b: float, input_bound: float = 1.0,
                  constant: float = 0.0) -> QuadraticVolterraTarget:
    """The Wiener system ``y = c + a v + b v²`` with ``v = h * x``."""
    if not isinstance(kernel, DampedKernel):
        fail("kernel", "a DampedKernel", kernel)
    return QuadraticVolterraTarget((kernel,), np.array([check_real(a, "a")]),
                                   np.array([[check_real(b, "b")]]),
                                   check_real(constant, "constant"),
                                   input_bound)


@dataclass(frozen=True)
class KernelFit:
    """Coefficients of ``ĥ(s) = Σ_i c_i r_i^s`` and the certified ``ℓ¹`` error ``Σ_s |h - ĥ|``."""

    coefficients: np.ndarray
    l1_error: float
    l1_norm: float


def _geometric_tail(coefficients: np.ndarray, rates: np.ndarray, S: int) -> float:
    q = np.abs(rates)
    return float(np.sum(np.abs(coefficients) * q**S / (1 - q)))


def fit_kernel(
    values: np.ndarray, tail: float, rates: np.ndarray, *, horizon: int = FIT_HORIZON,
    coefficients: np.ndarray | None = None,
) -> KernelFit:
    """Least-squares fit of a kernel by exponential modes, with a certified ``ℓ¹`` error.

    Parameters
    ----------
    values
        ``h(0), …, h(horizon - 1)``.
    tail
        An upper bound of ``Σ_{s ≥ horizon} |h(s)|``.
    rates
        Mode rates ``r_i`` with ``|r_i| < 1``.
    coefficients
        Use these instead of the least-squares solution (to certify a given bank readout).

    Returns
    -------
    KernelFit
        ``l1_error = Σ_{s<S} |h - ĥ| + tail + Σ_i |c_i| |r_i|^S/(1-|r_i|)`` (an upper bound of
        ``‖h - ĥ‖_ℓ¹``, rounded upward by a float allowance) and an upper bound of ``‖ĥ‖_ℓ¹``.
        The two tails enter with their full size: the bound is attained (up to the allowance)
        when ``h`` and ``ĥ`` have opposite signs beyond the horizon.

    Raises
    ------
    InvalidParameterError
        If ``horizon < 1``, ``values`` is not a finite 1-D array of at least ``horizon``
        entries, ``tail`` is not finite and ``≥ 0``, ``rates`` is not a non-empty 1-D array of
        finite rates ``|r| < 1``, or ``coefficients`` is not a finite array of one per rate.
    """
    S = check_int(horizon, "horizon", 1)
    values = check_array(values, "values", (None,))
    if values.size < S:
        fail("values", f"at least horizon = {S} kernel values", values)
    values = values[:S]
    tail = check_real(tail, "tail", minimum=0)
    rates = _stable_rates(rates, "rates")
    V = np.power.outer(rates, np.arange(S)).T  # (S, K)
    if coefficients is None:
        coefficients = np.linalg.lstsq(V, values, rcond=None)[0]
    coefficients = check_array(coefficients, "coefficients", (rates.size,))
    approx = V @ coefficients
    geo = _geometric_tail(coefficients, rates, S)
    slack = tolerance(NumberKind.FLOAT, S * (np.max(np.abs(values)) + np.max(np.abs(approx))
                                             + 1))
    err = float(np.sum(np.abs(values - approx))) + tail + geo + slack
    norm = float(np.sum(np.abs(approx))) + geo + slack
    return KernelFit(coefficients, err, norm)


@dataclass(frozen=True)
class VolterraApproximant:
    """The three-layer ReLU SSM of :func:`volterra_network` and its certified error bound."""

    stack: SSMStack
    target: QuadraticVolterraTarget
    rates: np.ndarray
    knots: int
    bound: float
    kernel_errors: tuple[float, ...]
    propagation: float
    interpolation: float

    @property
    def widths(self) -> tuple[int, ...]:
        """State widths (bank modes, readout hidden units, readout + 1): no ``T`` in them."""
        return self.stack.widths

    @property
    def neurons(self) -> int:
        """Total state width ``Σ_ℓ m_ℓ``."""
        return int(sum(self.widths))


def _ridges(target: QuadraticVolterraTarget) -> list[tuple[np.ndarray, float, float]]:
    """``(e_m, a_m, β_m)``: ``y - c = Σ_m a_m s_m + β_m s_m²`` with ``s_m = e_m · v``."""
    J = len(target.kernels)
    a, B = target.linear, target.quadratic  # float arrays (checked by the target)
    out = []
    for j in range(J):
        if a[j] != 0 or B[j, j] != 0:
            out.append((np.eye(J)[j], float(a[j]), float(B[j, j])))
    for j in range(J):
        for m in range(j + 1, J):
            if B[j, m] != 0:
                e_plus = np.eye(J)[j] + np.eye(J)[m]
                e_minus = np.eye(J)[j] - np.eye(J)[m]
                out.append((e_plus, 0.0, B[j, m] / 4))
                out.append((e_minus, 0.0, -B[j, m] / 4))
    return out


def volterra_network(
    target: QuadraticVolterraTarget, rates: Sequence[float], knots: int, *,
    horizon: int = FIT_HORIZON,
) -> VolterraApproximant:
    """Filter bank + ridge readout for ``target`` (see the module docstring), with its bound.

    Parameters
    ----------
    target
        A :class:`QuadraticVolterraTarget`.
    rates
        The bank's mode rates (``0 < |r| < 1``, distinct); the width of layer 1.
    knots
        Knots ``N ≥ 2`` of every ridge interpolant (Result A).
    horizon
        Horizon of the kernel fits (see :func:`fit_kernel`).

    Raises
    ------
    InvalidParameterError
        On a target that is not a :class:`QuadraticVolterraTarget` or has no non-zero readout
        term, bad rates, ``knots < 2`` or ``horizon < 1``.
    """
    if not isinstance(target, QuadraticVolterraTarget):
        fail("target", "a QuadraticVolterraTarget", target)
    r = _stable_rates(rates, "rates")
    if np.any(r == 0) or np.unique(r).size != r.size:
        fail("rates", "distinct non-zero rates", r)
    knots = check_int(knots, "knots", 2)
    horizon = check_int(horizon, "horizon", 1)
    ridges = _ridges(target)
    if not ridges:
        fail("target", "a target with a non-zero readout coefficient", target)
    lags = np.arange(horizon)
    h_values = np.stack([k(lags) for k in target.kernels])  # (J, S)
    h_tails = np.array([k.tail_bound(horizon) for k in target.kernels])
    h_norms = np.array([k.l1_bound() for k in target.kernels])
    fits = [fit_kernel(h_values[j], h_tails[j], r, horizon=horizon)
            for j in range(len(target.kernels))]
    coef = np.stack([f.coefficients for f in fits])  # (J, K)
    B = target.input_bound
    parts, E, kernel_errors = [], [], []
    propagation = interpolation = 0.0
    for e, a, beta in ridges:
        ridge_fit = fit_kernel(e @ h_values, float(np.abs(e) @ h_tails), r, horizon=horizon,
                               coefficients=e @ coef)
        R = B * max(ridge_fit.l1_norm, float(np.abs(e) @ h_norms))
        approx = relu_interpolant(lambda s, a=a, beta=beta: a * s + beta * s * s, -R, R, knots)
        h = 2 * R / (knots - 1)
        kernel_errors.append(ridge_fit.l1_error)
        propagation += (abs(a) + 2 * abs(beta) * R) * B * ridge_fit.l1_error
        interpolation += c2_interpolation_bound(2 * abs(beta), h)
        parts.append(approx)
        E.append(e @ coef)  # ŝ_m = (e_m · coef) · state
    readout = channelwise(parts)
    l1, l2 = readout.stack.layers
    K = r.size
    bank = SSMLayer(r, np.ones((K, 1)), np.asarray(E))
    m = l2.width - 1
    C_sum = l2.C.sum(axis=0, keepdims=True)
    C_sum[0, m] += target.constant
    out_layer = SSMLayer(np.zeros(m + 1), l2.U, C_sum, b=l2.b)
    stack = relu_chain([[bank], [l1, out_layer]])
    scale = (float(np.sum(np.abs(target.linear))) * B * float(h_norms.max())
             + float(np.sum(np.abs(target.quadratic))) * (B * float(h_norms.max())) ** 2
             + abs(target.constant) + 1) * (m + K)
    bound = propagation + interpolation + tolerance(NumberKind.FLOAT, scale)
    return VolterraApproximant(stack, target, r, knots, float(bound),
                               tuple(kernel_errors), float(propagation), float(interpolation))

