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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.signal

from theory.approximation import c2_interpolation_bound, channelwise, relu_interpolant
from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from theory.universality import relu_chain

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


@dataclass(frozen=True)
class DampedKernel:
    """``h(s) = Σ_i α_i (s+1)^{p_i} ρ_i^s cos(ω_i s)`` for ``s ≥ 0``, with ``|ρ_i| < 1``.

    Build it with :func:`damped_kernel` (which validates the terms).
    """

    alpha: tuple[float, ...]
    rho: tuple[float, ...]
    omega: tuple[float, ...]
    power: tuple[int, ...]

    def __call__(self, s: Any) -> np.ndarray:
        """Values at the integer lags ``s`` (array)."""
        s = np.asarray(s, dtype=float)
        out = np.zeros(s.shape)
        for a, r, w, p in zip(self.alpha, self.rho, self.omega, self.power):
            out += a * (s + 1) ** p * np.power(r, s) * np.cos(w * s)
        return out

    def tail_bound(self, S: int) -> float:
        """An upper bound of ``Σ_{s≥S} |h(s)|`` in closed form.

        ``Σ_{s≥S} |ρ|^s = |ρ|^S/(1-|ρ|)`` and ``Σ_{s≥S} (s+1)|ρ|^s = |ρ|^S (S+1-S|ρ|)/(1-|ρ|)²``.
        """
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
    if not terms:
        raise InvalidParameterError("terms: expected at least one (alpha, rho, omega, p) term")
    cols: list[list[Any]] = [[], [], [], []]
    for i, term in enumerate(terms):
        if len(term) != 4:
            raise InvalidParameterError(f"terms[{i}]: expected (alpha, rho, omega, p)")
        a, r, w, p = term
        if not all(math.isfinite(float(v)) for v in (a, r, w)):
            raise InvalidParameterError(f"terms[{i}]: entries must be finite")
        if not abs(r) < 1:
            raise InvalidParameterError(f"terms[{i}]: rho = {r} is not stable (need |rho| < 1)")
        if p not in (0, 1):
            raise InvalidParameterError(f"terms[{i}]: power p must be 0 or 1, got {p!r}")
        for c, v in zip(cols, (float(a), float(r), float(w), int(p))):
            c.append(v)
    return DampedKernel(*(tuple(c) for c in cols))


def _causal_filter(kernel_values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``v_k = Σ_{s≤k} h(s) x_{k-s}`` along the last axis of ``x`` (FFT convolution)."""
    T = x.shape[-1]
    return scipy.signal.fftconvolve(x, kernel_values[:T].reshape((1,) * (x.ndim - 1) + (T,)),
                                    axes=-1)[..., :T]


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
        J = len(self.kernels)
        if J == 0 or not all(isinstance(k, DampedKernel) for k in self.kernels):
            raise InvalidParameterError("kernels: expected a non-empty tuple of DampedKernel")
        if np.shape(self.linear) != (J,) or np.shape(self.quadratic) != (J, J):
            raise InvalidParameterError(
                f"linear, quadratic: expected shapes ({J},) and ({J}, {J}), got "
                f"{np.shape(self.linear)} and {np.shape(self.quadratic)}"
            )
        if np.any(np.tril(self.quadratic, -1) != 0):
            raise InvalidParameterError("quadratic: entries below the diagonal must be zero")
        if not (self.input_bound > 0 and math.isfinite(self.input_bound)):
            raise InvalidParameterError(f"input_bound: expected B > 0, got {self.input_bound!r}")

    def check_input(self, x: Any) -> np.ndarray:
        """``x`` as a float array ``(..., T)`` (scalar inputs, no channel axis); refuse
        entries with ``|x| > B``."""
        arr = np.asarray(x, dtype=float)
        if arr.ndim < 1:
            raise InvalidParameterError(f"x: expected a sequence (..., T), got shape {arr.shape}")
        if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > self.input_bound):
            raise InvalidParameterError(
                f"x: entries must be finite with |x| <= input_bound = {self.input_bound}"
            )
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
        quad = np.einsum("...j,jl,...l->...", v, np.asarray(self.quadratic, dtype=float), v)
        return self.constant + v @ np.asarray(self.linear, dtype=float) + quad


def wiener_target(kernel: DampedKernel, a: float, b: float, input_bound: float = 1.0,
                  constant: float = 0.0) -> QuadraticVolterraTarget:
    """The Wiener system ``y = c + a v + b v²`` with ``v = h * x``."""
    return QuadraticVolterraTarget((kernel,), np.array([float(a)]), np.array([[float(b)]]),
                                   float(constant), float(input_bound))


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
    """
    rates = np.asarray(rates, dtype=float)
    S = int(horizon)
    V = np.power.outer(rates, np.arange(S)).T  # (S, K)
    if coefficients is None:
        coefficients = np.linalg.lstsq(V, values[:S], rcond=None)[0]
    approx = V @ coefficients
    geo = _geometric_tail(coefficients, rates, S)
    slack = tolerance(NumberKind.FLOAT, S * (np.max(np.abs(values[:S])) + np.max(np.abs(approx))
                                             + 1))
    err = float(np.sum(np.abs(values[:S] - approx))) + tail + geo + slack
    norm = float(np.sum(np.abs(approx))) + geo + slack
    return KernelFit(np.asarray(coefficients, dtype=float), err, norm)


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
    a = np.asarray(target.linear, dtype=float)
    B = np.asarray(target.quadratic, dtype=float)
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
        On bad rates or knots, or a target without any non-zero readout term.
    """
    r = np.asarray(rates, dtype=float)
    if r.ndim != 1 or r.size == 0 or not np.all(np.isfinite(r)):
        raise InvalidParameterError("rates: expected a non-empty 1-D array of finite numbers")
    if np.any(np.abs(r) >= 1) or np.any(r == 0) or np.unique(r).size != r.size:
        raise InvalidParameterError("rates: expected distinct non-zero rates with |r| < 1")
    if isinstance(knots, bool) or not isinstance(knots, (int, np.integer)) or knots < 2:
        raise InvalidParameterError(f"knots: expected an integer >= 2, got {knots!r}")
    ridges = _ridges(target)
    if not ridges:
        raise InvalidParameterError("target: every readout coefficient is zero")
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
        N = int(knots)
        approx = relu_interpolant(lambda s, a=a, beta=beta: a * s + beta * s * s, -R, R, N)
        h = 2 * R / (N - 1)
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
    return VolterraApproximant(stack, target, r, int(knots), float(bound),
                               tuple(kernel_errors), float(propagation), float(interpolation))

