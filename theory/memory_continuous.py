"""WX23 Theorem 3.13 in continuous time: explicit exponential decay of the memory function.

Glossary (code name → WX23 symbol, spec universality_memory.md §1.1, §1.4, §2):

===================  ===========================================================================
``W, U, C, D, b``    layer ``ℓ``: ``dh/dt = W h + U v + b``, ``y = C h + D v``, ``h(0) = 0``
``σ``                the element-wise activation between layers (``v^{(ℓ+1)} = σ(y^{(ℓ)})``)
``x``                the Heaviside input ``u^x(t) = x · 1[t ≥ 0]`` of layer 1
``ρ̂(t)``             the memory function ``|d/dt y^{(L)}(t)|_2`` for ``t > 0`` (spec §1.4)
``β_ℓ``, ``β``        stability margin ``-max Re λ(W_ℓ)`` of layer ``ℓ``; ``β = min_ℓ β_ℓ``
``P_ℓ(t)``           ``‖e^{W_ℓ t}‖_2 ≤ e^{-β_ℓ t} P_ℓ(t)`` (:func:`exponential_power_bound`)
``Q(t)``             ``ρ̂(t) ≤ e^{-β t} Q(t)`` (:func:`continuous_memory_bound`)
===================  ===========================================================================

**Statement** (Theorem 3.13 [paper: number; summary: formula; hypotheses and constants rebuilt
here]). For a stack of ``L`` continuous layers with Hurwitz ``W_ℓ`` and a ``Lip(σ)``-Lipschitz
σ, the memory function of the step input in direction ``x`` satisfies

    ρ̂(t) ≤ e^{-β t} Q(t) ≤ K (1 + t)^p e^{-β t}     for every t > 0,

with ``Q`` an explicit polynomial with non-negative coefficients, ``K = Q(1)`` (the sum of its
coefficients) and ``p = deg Q``; hence ``e^{c_0 t} ρ̂(t) → 0`` for every ``c_0 < β``: the decay
rate is the slowest mode's.

**Power bound** (:func:`exponential_power_bound`). Diagonal ``W``: ``‖e^{Wt}‖_2 =
max_i |e^{λ_i t}| = e^{-β_W t}``, ``P = 1`` (exact). Otherwise take the complex Schur form
``W = Z T Z^*`` (``T = Λ + N`` upper triangular; a triangular ``W`` is its own Schur form,
``Z = I``). Iterating Duhamel's formula ``e^{Tt} = e^{Λt} + ∫_0^t e^{Λ(t-s)} N e^{Ts} ds`` writes
``e^{Tt}`` as a series whose ``k``-th term is an integral over the simplex of products
``e^{Λ u_0} N e^{Λ u_1} ⋯ N e^{Λ u_k}``; entrywise ``|e^{Λ u}| ≤ e^{-β_W u} I``, so

    |e^{Tt}| ≤ e^{-β_W t} e^{|N| t}  (entrywise),
    ‖e^{Wt}‖_2 ≤ e^{-β_W t} Σ_{j≤q} ‖|N|^j‖_2 t^j / j!,

``q`` the largest power with ``|N|^q ≠ 0``. For a Jordan block ``[[λ, a], [0, λ]]``:
``P(t) = 1 + a t`` against ``‖e^{Jt}‖_2 = e^{λt}(a t/2 + sqrt(1 + a²t²/4))``: equal at
``t = 0``, ratio ``→ 1`` as ``t → ∞`` (the readout across the chain, ``|c u x| a t e^{λt}``,
reaches ``a t/(1 + a t)`` of the memory bound). Computed Schur forms (non-triangular ``W``) are
unitary only to the working precision: the coefficients are then inflated by
``1 + tolerance(mpmath, 4 m)``. All norms are spectral norms computed in mpmath at the working
precision (relative rounding ``≈ 10^{-dps}``, which the claim's rounding allowance covers).

**Derivation of Q** (rebuilt; the paper's proof sketch differentiates each layer). Layer ``ℓ``
has input ``v`` on ``t ≥ 0``, continuous, ``v(0) = v_0``, differentiable for ``t > 0`` with
``|v̇(t)| ≤ e^{-βt} Q_in(t)`` (layer 1: ``v ≡ x``, ``Q_in = 0``). From
``h(t) = ∫_0^t e^{Ws} (U v(t-s) + b) ds``,

    ḣ(t) = e^{Wt} (U v_0 + b) + ∫_0^t e^{Ws} U v̇(t-s) ds,      ẏ = C ḣ + D v̇.

With ``‖e^{Ws}‖ ≤ e^{-β_ℓ s} P(s) ≤ e^{-β s} P(s)`` the exponentials combine to ``e^{-βt}``:

    |ẏ(t)| e^{βt} ≤ ‖C‖ [G_0 P(t) + ‖U‖ (P ⋆ Q_in)(t)] + ‖D‖ Q_in(t) =: Q_ℓ(t),
    G_0 = ‖U‖ |v_0| + |b|,     (P ⋆ Q)(t) = ∫_0^t P(s) Q(t-s) ds,

and ``∫_0^t s^i (t-s)^j ds = i! j! t^{i+j+1} / (i+j+1)!`` keeps ``P ⋆ Q`` a polynomial with
non-negative coefficients. The output starts at ``y(0) = D v_0`` (``h(0) = 0``). σ acts
coordinate-wise, so ``|d/dt σ(y)| ≤ Lip(σ) |ẏ|`` and the next layer gets
``Q_in = Lip(σ) Q_ℓ`` and ``|v_0| ≤ |σ(0)| √p + Lip(σ) ‖D‖ |v_0|`` (``p`` channels). The last
layer's ``Q_L`` is ``Q``. Each layer raises the degree by ``q_ℓ + 1`` (``P ⋆ Q_in``), so
``p = Σ_ℓ q_ℓ + L - 1`` (``L - 1`` for diagonal and normal layers).

**Tight cases** (the tests check each): one scalar layer with ``u x`` and ``b`` of one sign,
``ρ̂(t) = |c| (|u x| + |b|) e^{λt}`` — equality at every ``t``; two scalar layers of one
eigenvalue joined by the identity (or by ReLU on positive signals), ``ρ̂(t) =
|c_2 u_2 c_1 u_1 x| t e^{λt}`` — equality at every ``t`` (``P ⋆ Q_in`` is exact); σ(0) offset:
sigmoid after a layer with output ``0`` (``x = 0``) feeds ``σ(0) = 1/2`` on ``p`` channels
along a row ``u (1, …, 1)``, ``ρ̂(t) = |c u| p/2 e^{λt}`` — equality; the Jordan block above —
ratio ``a t/(1 + a t) → 1``.

**Memory function** (:func:`continuous_memory`). Linear stacks (identity σ, or one layer: no σ
acts after the last layer): the stacked state
``z = (h_1, …, h_L)`` obeys ``ż = A z + B x + b`` with ``A`` block lower triangular, so
``ż(t) = e^{At}(B x + b)`` and ``ẏ_L = E_L ż`` in closed form (one matrix exponential per time,
any ``W``). Two-layer stacks with diagonal ``W``'s and a smooth σ (tanh, sigmoid): layer 1 in
closed form (``y_1(t) = C_1 diag((e^{λt} - 1)/λ) (U_1 x + b_1) + D_1 x``), and the formula for
``ḣ_2`` above evaluated by mpmath quadrature (tanh-sinh) with ``v̇ = σ'(y_1) ẏ_1``. Everything runs
in mpmath at the caller's working precision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from theory.activations import IDENTITY, SIGMOID, TANH, Activation
from theory.layers import SSMLayer, SSMStack, UnstableLayerError
from theory.numbers import NumberKind, tolerance
from theory.validation import check_array, check_real, fail

__all__ = [
    "SMOOTH_DERIVATIVES",
    "ExponentialPowerBound",
    "exponential_power_bound",
    "ContinuousMemoryBound",
    "continuous_memory_bound",
    "continuous_memory",
]

#: Activations whose derivative :func:`continuous_memory` knows (smooth: the quadrature of the
#: nonlinear layer needs a smooth integrand), as ``σ'`` written through σ itself.
SMOOTH_DERIVATIVES: dict[str, Callable[[Any], Any]] = {
    IDENTITY.name: lambda y: mpmath.mpf(1),
    TANH.name: lambda y: 1 - mpmath.tanh(y) ** 2,
    SIGMOID.name: lambda y: (lambda s: s * (1 - s))(1 / (1 + mpmath.exp(-y))),
}


# ------------------------------------------------------------------------------ validation
def _continuous_layers(stack: Any) -> tuple[list[SSMLayer], Activation]:
    """The module's validation choke point for stacks: a stable continuous ``SSMStack``, its
    layers in mpmath at the current precision and its activation."""
    if not isinstance(stack, SSMStack) or stack.time != "continuous":
        fail("stack", "a continuous SSMStack", stack)
    layers = [layer if layer.kind is NumberKind.MPMATH else layer.to_kind(NumberKind.MPMATH)
              for layer in stack.layers]
    for i, layer in enumerate(stack.layers):
        if not layer.is_stable():
            raise UnstableLayerError(f"stack.layers[{i}].W: not Hurwitz (max real part of the "
                                     f"eigenvalues {-layer.stability_margin()} >= 0); Theorem "
                                     "3.13 needs every layer stable")
    return layers, stack.activation


def _matrix(W: Any) -> np.ndarray:
    """``W`` as a finite square mpmath object array (a ``(m,)`` array is a diagonal)."""
    arr = np.asarray(W, dtype=object) if not isinstance(W, np.ndarray) else W
    values = check_array(arr, "W", complex_ok=True)
    if values.ndim == 1 and values.size >= 1:
        out = np.empty((values.size, values.size), dtype=object)
        out[...] = mpmath.mpf(0)
        for i, v in enumerate(arr.ravel()):
            out[i, i] = mpmath.mpmathify(v)
        return out
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] < 1:
        fail("W", "a square matrix (m, m) or a diagonal (m,), m >= 1", values)
    return np.vectorize(mpmath.mpmathify, otypes=[object])(arr)


def _times(t: Any) -> list[Any]:
    """Times ``t > 0`` (a number or a 1-D array) as mpmath numbers."""
    arr = np.atleast_1d(np.asarray(t, dtype=object))
    values = check_array(arr, "t")
    if values.ndim != 1 or not np.all(values > 0):
        fail("t", "a time > 0 or a 1-D array of times > 0", t)
    return [mpmath.mpmathify(v) for v in arr]


# ------------------------------------------------------------------------------ polynomials
def _convolve(P: list[Any], Q: list[Any]) -> list[Any]:
    """Coefficients of ``(P ⋆ Q)(t) = ∫_0^t P(s) Q(t-s) ds`` (ascending powers)."""
    if not P or not Q:
        return []
    out = [mpmath.mpf(0)] * (len(P) + len(Q))
    for i, p in enumerate(P):
        for j, q in enumerate(Q):
            out[i + j + 1] += p * q * mpmath.factorial(i) * mpmath.factorial(j) / \
                mpmath.factorial(i + j + 1)
    return out


def _add(P: list[Any], Q: list[Any]) -> list[Any]:
    n = max(len(P), len(Q))
    return [(P[i] if i < len(P) else 0) + (Q[i] if i < len(Q) else 0) for i in range(n)]


def _scale(c: Any, P: list[Any]) -> list[Any]:
    return [c * p for p in P]


def _polyval(P: list[Any], t: Any) -> Any:
    return mpmath.fsum(c * t ** j for j, c in enumerate(P)) if P else mpmath.mpf(0)


def _norm2(M: np.ndarray) -> Any:
    """Spectral norm of an object (mpmath) matrix, or the Euclidean norm of a vector."""
    if M.ndim == 1:
        return mpmath.sqrt(mpmath.fsum(abs(v) ** 2 for v in M))
    mat = mpmath.matrix(M.tolist())
    complex_entries = any(isinstance(v, mpmath.mpc) for v in M.ravel())
    sv = mpmath.svd_c(mat, compute_uv=False) if complex_entries else \
        mpmath.svd_r(mat, compute_uv=False)
    return max(sv)


# ------------------------------------------------------------------------------ power bound
@dataclass(frozen=True)
class ExponentialPowerBound:
    """``‖e^{Wt}‖_2 ≤ e^{-β t} Σ_j c_j t^j`` for every ``t ≥ 0`` (module docstring).

    Attributes
    ----------
    coefficients
        ``c_0, c_1, …`` (mpmath numbers ``≥ 0``, ascending powers of ``t``).
    beta
        ``β = -max Re λ(W)``, the stability margin.
    method
        ``"diagonal"`` (exact, ``P = 1``), ``"triangular"`` (``W`` its own Schur form) or
        ``"schur"`` (computed Schur form, inflated for its rounding).
    """

    coefficients: tuple[Any, ...]
    beta: Any
    method: str

    def __call__(self, t: Any) -> list[Any]:
        """The bound at the times ``t > 0`` (mpmath numbers)."""
        return [mpmath.exp(-self.beta * s) * _polyval(list(self.coefficients), s)
                for s in _times(t)]


def exponential_power_bound(W: Any) -> ExponentialPowerBound:
    """A bound ``‖e^{Wt}‖_2 ≤ e^{-β_W t} P(t)`` with ``β_W = -max Re λ(W)`` (mpmath).

    Parameters
    ----------
    W
        ``(m, m)`` or a diagonal ``(m,)``, any number kind; real or complex entries.

    Returns
    -------
    ExponentialPowerBound
        See the module docstring for the three methods.

    Raises
    ------
    InvalidParameterError
        If ``W`` is not a finite square (or diagonal) array or is not Hurwitz
        (``max Re λ(W) ≥ 0``: the bound would not decay).
    """
    M = _matrix(W)
    m = M.shape[0]
    off = [(i, j) for i in range(m) for j in range(m) if i != j]
    if all(M[i, j] == 0 for i, j in off):
        T, method, Z = M, "diagonal", None
    elif all(M[i, j] == 0 for i, j in off if i > j):
        T, method, Z = M, "triangular", None
    else:
        Z, R = mpmath.schur(mpmath.matrix(M.tolist()))
        T = np.array(R.tolist(), dtype=object)
        method = "schur"
    beta = -max(mpmath.re(T[i, i]) for i in range(m))
    if not beta > 0:
        fail("W", "a Hurwitz matrix (every eigenvalue with real part < 0)", np.asarray(W))
    N = np.array([[abs(T[i, j]) if j > i else mpmath.mpf(0) for j in range(m)]
                  for i in range(m)], dtype=object)
    coefficients = [mpmath.mpf(1)]
    power = np.eye(m, dtype=object) * mpmath.mpf(1)
    for j in range(1, m):
        power = power.dot(N)
        if all(v == 0 for v in power.ravel()):
            break
        coefficients.append(_norm2(power) / mpmath.factorial(j))
    if Z is not None:
        inflate = 1 + tolerance(NumberKind.MPMATH, 4 * m)
        coefficients = [c * inflate for c in coefficients]
    return ExponentialPowerBound(tuple(coefficients), beta, method)


# ------------------------------------------------------------------------------ Theorem 3.13
@dataclass(frozen=True)
class ContinuousMemoryBound:
    """``ρ̂(t) ≤ e^{-β t} Q(t) ≤ K (1+t)^p e^{-β t}`` (Theorem 3.13, continuous time).

    Attributes
    ----------
    coefficients
        Coefficients of ``Q`` (ascending powers, mpmath numbers ``≥ 0``).
    beta
        ``β = min_ℓ β_ℓ``: the slowest layer's stability margin, the decay rate.
    layers
        The :class:`ExponentialPowerBound` of each layer.
    """

    coefficients: tuple[Any, ...]
    beta: Any
    layers: tuple[ExponentialPowerBound, ...]

    @property
    def K(self) -> Any:
        """``K = Q(1) = Σ_j c_j``: ``Q(t) ≤ K (1+t)^p`` since ``t^j ≤ (1+t)^p``."""
        return mpmath.fsum(self.coefficients)

    @property
    def p(self) -> int:
        """``p = deg Q`` (``Σ_ℓ q_ℓ + L - 1`` at most)."""
        nonzero = [j for j, c in enumerate(self.coefficients) if c != 0]
        return nonzero[-1] if nonzero else 0

    def __call__(self, t: Any) -> list[Any]:
        """``e^{-βt} Q(t)`` at the times ``t > 0``."""
        return [mpmath.exp(-self.beta * s) * _polyval(list(self.coefficients), s)
                for s in _times(t)]

    def corollary(self, t: Any) -> list[Any]:
        """The Theorem-3.13 form ``K (1+t)^p e^{-βt}`` at the times ``t > 0`` (``≥`` the bound)."""
        return [self.K * (1 + s) ** self.p * mpmath.exp(-self.beta * s) for s in _times(t)]


def continuous_memory_bound(stack: SSMStack, x_norm: Any) -> ContinuousMemoryBound:
    """The bound ``ρ̂(t) ≤ e^{-βt} Q(t)`` of a continuous stack for a step of size ``|x|_2``.

    Parameters
    ----------
    stack
        A continuous :class:`~theory.layers.SSMStack` with Hurwitz layers (any number kind;
        computed in mpmath at the current precision).
    x_norm
        ``|x|_2`` of the step direction.

    Returns
    -------
    ContinuousMemoryBound
        See the module docstring for the derivation; ``β = min_ℓ β_ℓ``.

    Raises
    ------
    InvalidParameterError
        If ``stack`` is not a continuous stack or ``x_norm`` is not a finite number ``≥ 0``.
    theory.layers.UnstableLayerError
        If a layer is not Hurwitz.
    """
    layers, act = _continuous_layers(stack)
    V0 = mpmath.mpmathify(check_real(x_norm, "x_norm", minimum=0, exact=True))
    powers = [exponential_power_bound(layer.W) for layer in layers]
    beta = min(pb.beta for pb in powers)
    lip = mpmath.mpf(act.lipschitz)
    sigma0 = abs(mpmath.mpf(act(mpmath.mpf(0))))
    Q_in: list[Any] = []
    Q: list[Any] = []
    for i, (layer, pb) in enumerate(zip(layers, powers)):
        nU, nC = _norm2(layer.U), _norm2(layer.C)
        nD = mpmath.mpf(0) if layer.D is None else _norm2(layer.D)
        nb = mpmath.mpf(0) if layer.b is None else _norm2(layer.b)
        P = list(pb.coefficients)
        G0 = nU * V0 + nb
        Qg = _add(_scale(G0, P), _scale(nU, _convolve(P, Q_in)))
        Q = _add(_scale(nC, Qg), _scale(nD, Q_in))
        if i + 1 < len(layers):
            Q_in = _scale(lip, Q)
            V0 = sigma0 * mpmath.sqrt(layer.d_out) + lip * nD * V0
    return ContinuousMemoryBound(tuple(Q), beta, tuple(powers))


# ------------------------------------------------------------------------------ memory function
def _linear_system(layers: list[SSMLayer]) -> tuple[Any, Any, Any, Any]:
    """``(A, B, b, E)`` of a linear stack: ``ż = A z + B x + b``, ``ẏ_L = E ż``.

    With ``v_ℓ = E_{ℓ-1} z + F_{ℓ-1} x`` (``E_0 = 0``, ``F_0 = I``): block row ``ℓ`` of ``A`` is
    ``W_ℓ`` on the diagonal plus ``U_ℓ E_{ℓ-1}``, of ``B`` it is ``U_ℓ F_{ℓ-1}``, and
    ``E_ℓ = C_ℓ S_ℓ + D_ℓ E_{ℓ-1}``, ``F_ℓ = D_ℓ F_{ℓ-1}`` (``S_ℓ`` selects ``h_ℓ``).
    """
    n = sum(layer.width for layer in layers)
    A, bias = mpmath.zeros(n, n), mpmath.zeros(n, 1)
    B = mpmath.zeros(n, layers[0].d_in)
    E, F = mpmath.zeros(layers[0].d_in, n), mpmath.eye(layers[0].d_in)
    pos = 0
    for layer in layers:
        m, W = layer.width, layer.W_matrix()
        U, C = mpmath.matrix(layer.U.tolist()), mpmath.matrix(layer.C.tolist())
        drive_z, drive_x = U * E, U * F
        sel = mpmath.zeros(layer.d_out, n)
        for i in range(m):
            for j in range(n):
                A[pos + i, j] = drive_z[i, j] + (W[i, j - pos] if 0 <= j - pos < m else 0)
            for j in range(B.cols):
                B[pos + i, j] = drive_x[i, j]
            if layer.b is not None:
                bias[pos + i] = layer.b[i]
            for r in range(layer.d_out):
                sel[r, pos + i] = C[r, i]
        if layer.D is None:
            E, F = sel, mpmath.zeros(layer.d_out, B.cols)
        else:
            D = mpmath.matrix(layer.D.tolist())
            E, F = sel + D * E, D * F
        pos += m
    return A, B, bias, E


def _linear_derivative(layers: list[SSMLayer], xs: list[list[Any]],
                       times: list[Any]) -> list[list[Any]]:
    """``ẏ_L(t) = E e^{At}(B x + b)`` for each direction, stepping through the sorted times with
    ``e^{A (t_k - t_{k-1})}`` (one matrix exponential per distinct increment)."""
    A, B, bias, E = _linear_system(layers)
    order = sorted(range(len(times)), key=lambda k: times[k])
    steps: dict[Any, Any] = {}
    out = []
    for x in xs:
        z = B * mpmath.matrix([[v] for v in x]) + bias
        derivs: list[Any] = [None] * len(times)
        previous = mpmath.mpf(0)
        for k in order:
            dt = times[k] - previous
            if dt not in steps:
                steps[dt] = mpmath.expm(A * dt)
            z = steps[dt] * z
            derivs[k] = E * z
            previous = times[k]
        out.append(derivs)
    return out


def _diagonal(layer: SSMLayer, name: str) -> list[Any]:
    W = layer.W_matrix()
    m = layer.width
    if any(W[i, j] != 0 for i in range(m) for j in range(m) if i != j) or \
            any(isinstance(W[i, i], mpmath.mpc) for i in range(m)):
        fail(name, "a layer with a real diagonal W (the quadrature path of a nonlinear stack)",
             layer)
    return [W[i, i] for i in range(m)]


def _two_layer_derivative(layers: list[SSMLayer], act: Activation, x: Any,
                          times: list[Any]) -> list[Any]:
    """``ẏ_2(t)`` of a two-layer stack with real diagonal ``W``'s (module docstring)."""
    l1, l2 = layers
    lam1, lam2 = _diagonal(l1, "stack.layers[0]"), _diagonal(l2, "stack.layers[1]")
    dsig = SMOOTH_DERIVATIVES[act.name]
    C1, U2, C2 = l1.C.tolist(), l2.U.tolist(), l2.C.tolist()
    w1 = [mpmath.fsum(u * v for u, v in zip(row, x)) + (0 if l1.b is None else l1.b[i])
          for i, row in enumerate(l1.U.tolist())]
    D1 = l1.D.tolist() if l1.D is not None else [[0] * l1.d_in] * l1.d_out
    D1x = [mpmath.fsum(d * v for d, v in zip(row, x)) for row in D1]  # y_1(0) = D_1 x

    def vdot(tau: Any) -> list[Any]:
        """``v̇(τ) = σ'(y_1(τ)) ẏ_1(τ)`` (closed-form layer 1)."""
        e = [mpmath.exp(lam * tau) for lam in lam1]
        ys = [mpmath.fsum(c * wi * (ei - 1) / lam for c, wi, ei, lam in zip(row, w1, e, lam1))
              + D1x[r] for r, row in enumerate(C1)]
        dys = [mpmath.fsum(c * wi * ei for c, wi, ei in zip(row, w1, e)) for row in C1]
        return [dsig(y) * dy for y, dy in zip(ys, dys)]

    g0 = [mpmath.fsum(u * act(d) for u, d in zip(row, D1x)) + (0 if l2.b is None else l2.b[j])
          for j, row in enumerate(U2)]
    out = []
    for t in times:
        hdot = []
        for j, lam in enumerate(lam2):
            def integrand(s: Any, j: int = j, lam: Any = lam, t: Any = t) -> Any:
                return mpmath.exp(lam * s) * mpmath.fsum(u * v for u, v in zip(U2[j],
                                                                             vdot(t - s)))
            hdot.append(mpmath.exp(lam * t) * g0[j] + mpmath.quad(integrand, [0, t]))
        yd = [mpmath.fsum(c * h for c, h in zip(row, hdot)) for row in C2]
        if l2.D is not None:
            vd = vdot(t)
            yd = [y + mpmath.fsum(d * v for d, v in zip(row, vd))
                  for y, row in zip(yd, l2.D.tolist())]
        out.append(yd)
    return out


def continuous_memory(stack: SSMStack, x: Any, t: Any) -> np.ndarray:
    """The memory function ``ρ̂(t) = |ẏ^{(L)}(t)|_2`` of the step input ``x · 1[t ≥ 0]``.

    Computed in mpmath at the current precision (module docstring): in closed form for a linear
    stack (identity σ or a single layer; any depth, any Hurwitz ``W``); by quadrature of the
    second layer for a two-layer stack with real diagonal ``W``'s and a smooth σ (tanh or
    sigmoid).

    Parameters
    ----------
    stack
        A continuous :class:`~theory.layers.SSMStack` with Hurwitz layers.
    x
        The step direction ``(d_in,)``, or several ``(n, d_in)``.
    t
        A time ``> 0`` or a 1-D array of times ``> 0``.

    Returns
    -------
    numpy.ndarray
        ``ρ̂`` (mpmath numbers, ``dtype=object``) of shape ``x.shape[:-1] + (len(t),)``.

    Raises
    ------
    InvalidParameterError
        On a stack that is not continuous, not linear and not a two-layer stack with real
        diagonal ``W``'s and a smooth σ; on a bad ``x`` or ``t``.
    theory.layers.UnstableLayerError
        If a layer is not Hurwitz.
    """
    layers, act = _continuous_layers(stack)
    xv = check_array(x, "x", (..., stack.d_in))
    if xv.ndim > 2:
        fail("x", f"a direction ({stack.d_in},) or directions (n, {stack.d_in})", xv)
    raw = np.asarray(x, dtype=object).reshape(-1, stack.d_in)
    xs = [[mpmath.mpmathify(v) for v in row] for row in raw.tolist()]
    times = _times(t)
    if act.name == IDENTITY.name or len(layers) == 1:  # no σ acts after the last layer
        derivs = _linear_derivative(layers, xs, times)
    elif len(layers) == 2 and act.name in SMOOTH_DERIVATIVES:
        derivs = [_two_layer_derivative(layers, act, xd, times) for xd in xs]
    else:
        fail("stack", "a linear stack (identity activation) or a two-layer stack with a smooth "
             f"activation ({', '.join(sorted(SMOOTH_DERIVATIVES))})", stack)
    out = np.empty((len(xs), len(times)), dtype=object)
    for i, row in enumerate(derivs):
        for k, d in enumerate(row):
            out[i, k] = mpmath.sqrt(mpmath.fsum(abs(v) ** 2 for v in d))
    return out.reshape(xv.shape[:-1] + (len(times),))
