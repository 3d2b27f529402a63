"""WX23 Result B: one linear SSM layer realizes or approximates a temporal convolution.

The spec (universality_memory.md, Result B) attributes the existence statements to the paper;
the realizations and the computable error bounds below are the suite's.

**B1 — exact shift register** (:func:`shift_register`). For taps ``ρ_0 … ρ_{T-1}``
(``d_out × d_in``) the state ``h_t = (x_t, x_{t-1}, …, x_{t-T+1})`` (blocks of ``d_in``) obeys
``h_t = S h_{t-1} + E x_t`` with the nilpotent block shift ``S`` and ``E`` injecting ``x_t``
into block 0: with the same-step convention ``x_t`` is already in the state when ``y_t`` is
read, so ``C = [ρ_0 ρ_1 … ρ_{T-1}]`` and ``D = 0`` give ``C S^s E = ρ_s`` for ``s < T`` and
``0`` beyond: ``y_t = Σ_{j<T} ρ_j x_{t-j}`` exactly, width ``T d_in``.

**B1 — diagonal (Vandermonde) realization** (:func:`vandermonde_realization`). With distinct
nodes ``λ_1 … λ_T`` and ``W = diag(λ)`` per input channel, ``C W^s U = Σ_i c_i λ_i^s``; matching
``ρ_s`` for ``s < T`` is the Vandermonde system ``V c = ρ``, ``V_{s i} = λ_i^s``. Its inverse is
the matrix of Lagrange basis coefficients: ``ℓ_i(z) = Π_{j≠i} (z - λ_j)/(λ_i - λ_j) = Σ_s
L_{i s} z^s`` satisfies ``Σ_s L_{is} λ_k^s = δ_{ik}``, so ``V^{-1} = L`` (computed by synthetic
division, exactly for rational nodes). The realization is exact on sequences of length ``≤ T``
(its kernel does not vanish beyond ``T``) and ill-conditioned: :func:`vandermonde_table`
reports ``cond(V)`` growing exponentially with ``T`` (about ``1e30`` for uniform and ``6e23``
for Chebyshev nodes at ``T = 64``; ``numpy.linalg.cond`` saturates near ``1e19``), so solving
for the coefficients in float64 fails. Computed exactly and rounded once, Chebyshev-node
coefficients still reproduce the kernel to rounding, while uniform nodes lose most digits.

**B2 (i) — balanced truncation of the shift register** (:func:`balanced_truncation`). The
shift-register layer is the realization of ``Σ_s ρ_s z^{-(s+1)}``; its reachability Gramian is
``I`` and its observability matrix is the block Hankel matrix ``H_{ij} = ρ_{i+j}`` (zero for
``i + j ≥ T``), so the Hankel singular values are the singular values ``σ_1 ≥ σ_2 ≥ …`` of
``H``. Square-root balancing with ``H = U Σ V^T`` and keeping ``r`` states gives
``A_r = Σ_r^{1/2} V_r^T S V_r Σ_r^{-1/2}``, ``B_r = Σ_r^{1/2} V_r^T E``, ``C_r = C V_r Σ_r^{-1/2}``.
Discrete-time balanced truncation (Al-Saggaf & Franklin 1987; Hinrichsen & Pritchard 1990)
keeps stability when ``σ_r > σ_{r+1}`` and certifies
``‖ρ̂ - ρ̂_r‖_{H∞} = sup_ω ‖Σ_s (ρ_s - ρ_{r,s}) e^{-iωs}‖_2 ≤ 2 Σ_{i>r} σ_i`` (singular values
counted with multiplicity, which only weakens the bound). ``H∞`` controls the ``ℓ² → ℓ²`` gain;
the ``ℓ∞ → ℓ∞`` gain is the ``ℓ¹`` norm of the error kernel, ``≥`` its ``H∞`` norm and not
covered by the certificate: :func:`l1_error_norm` computes it on a horizon with a rigorous tail
bound.

**B2 (ii) — sums of exponentials via Bernstein polynomials** (:func:`bernstein_exponential_sum`).
Substitute ``u = e^{-αt}`` and let ``g(u) = ρ(ln(1/u)/α) / u`` on ``(0, 1]``, continuous on
``[0, 1]`` (the user declares ``g(0)``, a limit). The Bernstein polynomial
``p = B_n g = Σ_k g(k/n) C(n,k) u^k (1-u)^{n-k} = Σ_j a_j u^j`` gives
``ρ̂(t) = e^{-αt} p(e^{-αt}) = Σ_{j=0}^{n} a_j e^{-α(j+1) t}``: ``n + 1`` decaying modes, a
diagonal Hurwitz layer. Because ``dt = -du/(αu)``::

    ‖ρ - ρ̂‖_{L¹[0,∞)} = (1/α) ∫_0^1 |g(u) - p(u)| du.

Bounds: for ``L``-Lipschitz ``g``, ``|B_n g(u) - g(u)| ≤ L Σ_k |k/n - u| b_{n,k}(u) ≤
L sqrt(u(1-u)/n)`` (Cauchy–Schwarz on the binomial variance), so ``sup ≤ L / (2√n)`` and
``L¹ ≤ (L / α) · π / (8√n)`` (``∫_0^1 sqrt(u(1-u)) du = π/8``). For a modulus of continuity
``ω``, ``|g(x) - g(y)| ≤ ω(δ)(1 + (x-y)²/δ²)`` gives ``sup ≤ ω(δ)(1 + 1/(4nδ²)) =
(5/4) ω(n^{-1/2})`` at ``δ = n^{-1/2}``, and the ``L¹`` norm is at most ``1/α`` times that. The
monomial coefficients ``a_j`` alternate and grow exponentially with ``n``
(:func:`exponential_sum_table`): the float realization loses ``≈ ε Σ|a_j|``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.layers import SSMLayer
from theory.numbers import (
    InvalidParameterError,
    NumberKind,
    as_array,
    convert,
    from_domain,
    kind_of,
    to_domain,
)
from theory.validation import check_int, check_real

__all__ = [
    "as_taps",
    "causal_convolution",
    "shift_register",
    "lagrange_inverse",
    "vandermonde_realization",
    "uniform_nodes",
    "chebyshev_nodes",
    "vandermonde_table",
    "hankel_matrix",
    "hankel_singular_values",
    "BalancedTruncation",
    "balanced_truncation",
    "frequency_response",
    "hinf_error",
    "l1_error_norm",
    "ExponentialSum",
    "bernstein_exponential_sum",
    "bernstein_sup_bound",
    "bernstein_l1_bound",
    "l2_exponential_fit",
    "exponential_sum_table",
]



def _sizes(values: Any, name: str) -> None:
    """Check ``values`` is a non-empty sequence of integers ``>= 1`` (named ``name``)."""
    if not isinstance(values, (tuple, list)) or not values:
        raise InvalidParameterError(f"{name}: expected a non-empty sequence, got {values!r}")
    for v in values:
        check_int(v, name, 1)


def _kernel(rho: Any) -> None:
    """Check the kernel ``rho`` (of B2 (ii)) is callable."""
    if not callable(rho):
        raise InvalidParameterError(f"rho: the kernel must be callable, got {rho!r}")


def _float_layer(
    layer: Any, shape: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(W, U, C, D)`` in float64 of a stable discrete layer (``D`` zero when absent).

    The choke point for layers: ``shape`` is the required ``(d_out, d_in)``.

    Raises
    ------
    InvalidParameterError
        If ``layer`` is not a stable discrete :class:`~theory.layers.SSMLayer` of that shape.
    """
    if not isinstance(layer, SSMLayer) or layer.time != "discrete":
        raise InvalidParameterError(f"layer: expected a discrete-time SSMLayer, got {layer!r}")
    if shape is not None and (layer.d_out, layer.d_in) != shape:
        raise InvalidParameterError(
            f"layer: expected (d_out, d_in) = {shape} to match the taps, got "
            f"{(layer.d_out, layer.d_in)}"
        )
    if not layer.is_stable():
        raise InvalidParameterError(
            f"layer: must be stable (spectral radius {layer.spectral_radius()} >= 1): its "
            "kernel is not summable and its frequency response is not its kernel's transform"
        )
    W, U, C = (convert(a, NumberKind.FLOAT) for a in (layer.W_matrix(), layer.U, layer.C))
    D = np.zeros((layer.d_out, layer.d_in)) if layer.D is None else convert(layer.D,
                                                                              NumberKind.FLOAT)
    return W, U, C, D


def _float_taps(taps: Any) -> np.ndarray:
    """:func:`as_taps` rounded to float64; complex taps are refused (the B2 bounds and the
    ``[0, π]`` frequency grid of :func:`hinf_error` are for real kernels)."""
    rho = as_taps(taps)
    rho = convert(rho, NumberKind.FLOAT) if rho.dtype == object else rho
    if np.iscomplexobj(rho):
        raise InvalidParameterError("taps: expected real taps, got complex entries")
    return rho


# ------------------------------------------------------------------------------------ B1
def as_taps(taps: Any, name: str = "taps") -> np.ndarray:
    """Taps as an array ``(T, d_out, d_in)`` of their kind; a 1-D sequence is SISO.

    Raises
    ------
    InvalidParameterError
        On an empty, non-numeric, non-finite or wrongly shaped array.
    """
    kind = kind_of(taps, names=[name])
    arr = as_array(taps, kind, name)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1, 1)
    if arr.ndim != 3 or min(arr.shape) < 1:
        raise InvalidParameterError(
            f"{name}: expected shape (T,) or (T, d_out, d_in) with all sizes >= 1, got "
            f"{arr.shape}"
        )
    return arr


def causal_convolution(taps: Any, x: Any) -> np.ndarray:
    """Direct ``y_t = Σ_{j<T} ρ_j x_{t-j}`` (``x_{t-j} = 0`` before the start) in the kind.

    ``x`` has shape ``(..., n, d_in)`` (float inputs may carry batch axes).

    Raises
    ------
    InvalidParameterError
        On bad taps, or ``x`` non-finite or of the wrong shape.
    """
    rho = as_taps(taps)
    kind = kind_of(rho, x, names=["taps", "x"])
    xs = as_array(convert(x, kind, "x") if isinstance(x, np.ndarray) and x.dtype == object
                  else x, kind, "x")
    if xs.ndim < 2 or xs.shape[-1] != rho.shape[2]:
        raise InvalidParameterError(f"x: expected shape (..., n, {rho.shape[2]}), got {xs.shape}")
    n = xs.shape[-2]
    # object arrays (exact, mpmath) start from the integer 0, which every kind absorbs
    y = np.zeros(xs.shape[:-1] + (rho.shape[1],), dtype=np.result_type(xs, rho))
    for j in range(min(rho.shape[0], n)):
        y[..., j:, :] = y[..., j:, :] + xs[..., : n - j, :] @ rho[j].T
    return y


def shift_register(taps: Any) -> SSMLayer:
    """Exact width-``T d_in`` layer with kernel ``ρ_0 … ρ_{T-1}, 0, 0, …`` (Result B1).

    ``W`` is the nilpotent block shift, ``U`` injects ``x_t`` into block 0 and ``C`` holds the
    taps; no feed-through (see the module docstring). The kind follows the taps.
    """
    rho = as_taps(taps)
    kind = kind_of(rho)
    T, p, d = rho.shape
    m = T * d
    W = np.zeros((m, m), dtype=int)
    W[d:, :-d] = np.eye(m - d, dtype=int)
    U = np.zeros((m, d), dtype=int)
    U[:d] = np.eye(d, dtype=int)
    C = np.concatenate(list(rho), axis=1)  # (p, T d): block j is ρ_j
    return SSMLayer(convert(W, kind), convert(U, kind), C)


def lagrange_inverse(nodes: Any) -> np.ndarray:
    """``V^{-1}`` for ``V_{s i} = λ_i^s`` (``s, i < T``): row ``i`` holds the coefficients of the
    Lagrange basis polynomial ``ℓ_i`` (ascending powers). Exact for exact nodes.

    Raises
    ------
    InvalidParameterError
        If the nodes are empty, not finite or not distinct.
    """
    kind = kind_of(nodes, names=["nodes"])
    lam = as_array(nodes, kind, "nodes", ndim=1)
    T = check_int(lam.shape[0], "nodes (count)", 1)
    ld: np.ndarray | list[Any]  # the nodes: domain elements (exact) or the array itself
    if kind is NumberKind.EXACT:
        ring, (ld,) = to_domain(lam)
        K = ring.get_field()  # divide in QQ, not ZZ: integer nodes give rational inverses
        ld = [K.convert_from(v, ring) for v in ld]
        zero, one = K.zero, K.one
    else:
        ld, K = lam, None
        zero = mpmath.mpf(0) if kind is NumberKind.MPMATH else 0.0
        one = zero + 1
    master = [one]  # ascending coefficients of Π (z - λ_j)
    for v in ld:
        nxt = [zero] * (len(master) + 1)
        for k, c in enumerate(master):
            nxt[k + 1] = nxt[k + 1] + c
            nxt[k] = nxt[k] - v * c
        master = nxt
    rows = []
    for i, v in enumerate(ld):
        denom = one
        for j, w in enumerate(ld):
            if j != i:
                if w == v:
                    raise InvalidParameterError(f"nodes: entries {i} and {j} coincide")
                denom = denom * (v - w)
        quot = [zero] * T  # master / (z - v) by synthetic division from the top
        carry = zero
        for k in range(T, 0, -1):
            carry = master[k] + v * carry if k < T else master[k]
            quot[k - 1] = carry
        rows.append([q / denom for q in quot])
    L = np.empty((T, T), dtype=object if kind is not NumberKind.FLOAT else lam.dtype)
    for i in range(T):
        for s in range(T):
            L[i, s] = rows[i][s]
    return from_domain(K, L) if K is not None else L


def vandermonde_realization(taps: Any, nodes: Any) -> SSMLayer:
    """Diagonal layer matching ``ρ_0 … ρ_{T-1}`` with ``T`` distinct nodes per input channel.

    State index ``(a, i)`` (input channel ``a``, node ``i``): ``W = diag(λ_i)``,
    ``U_{(a,i), a} = 1``, ``C_{q,(a,i)} = c_{q a i}`` with ``c_{q a} = V^{-1} ρ[:, q, a]``. The
    kernel equals the taps for ``s < T`` (exactly in exact arithmetic) and not beyond.

    Raises
    ------
    InvalidParameterError
        On bad taps, or nodes that are not ``T`` distinct finite numbers of modulus ``< 1``.
    """
    rho = as_taps(taps)
    T, p, d = rho.shape
    kind = kind_of(rho, nodes, names=["taps", "nodes"])
    lam = as_array(nodes, kind, "nodes", ndim=1)
    if lam.shape[0] != T:
        raise InvalidParameterError(f"nodes: expected {T} nodes (one per tap), got {lam.shape}")
    if not all(abs(v) < 1 for v in lam):
        raise InvalidParameterError("nodes: expected moduli < 1 (a stable diagonal layer)")
    Linv = lagrange_inverse(lam)
    coeffs = np.einsum("is,sqa->qai", Linv, rho)  # exact / mpmath entries: object arithmetic
    W = np.concatenate([lam] * d)
    U = np.zeros((T * d, d), dtype=int)
    for a in range(d):
        U[a * T:(a + 1) * T, a] = 1
    C = coeffs.reshape(p, d * T)
    return SSMLayer(W, convert(U, kind), C)


def uniform_nodes(T: int) -> np.ndarray:
    """``T`` exact rational midpoints ``-1 + (2i + 1)/T`` of a uniform partition of ``(-1, 1)``."""
    check_int(T, "T", 1)
    return np.array([sympy.Rational(2 * i + 1, T) - 1 for i in range(T)], dtype=object)


def chebyshev_nodes(T: int) -> np.ndarray:
    """``T`` Chebyshev nodes ``cos((2i + 1)π / (2T))`` in ``(-1, 1)`` at the mpmath precision."""
    check_int(T, "T", 1)
    return np.array([mpmath.cos((2 * i + 1) * mpmath.pi / (2 * T)) for i in range(T)],
                    dtype=object)


def vandermonde_table(
    Ts: tuple[int, ...] = (4, 8, 16, 32, 64), rng: np.random.Generator | None = None
) -> list[dict[str, Any]]:
    """Conditioning of the diagonal realization (Result B1), one row per ``(T, nodes)``.

    Columns: ``cond2`` (``σ_max(V) σ_max(V^{-1})`` with ``V^{-1}`` from the exact / 50-extra-digit
    Lagrange inverse; both largest singular values are well conditioned, so float64 SVDs of the
    accurate matrices give ``cond2`` to about 15 digits), ``max_coeff`` (``max |c_i|`` for taps
    ``ρ_s = 0.9^s``), ``cond2_numpy`` (what ``numpy.linalg.cond`` reports: it saturates near
    ``1/ε``), ``coeff_error_numpy_solve`` (relative error of the coefficients solved in float64)
    and ``kernel_error_rounded_params`` (relative kernel error, computed at high precision, of
    the exact construction after rounding its nodes and coefficients to float64 — the error no
    float implementation can avoid). ``rng`` (optional) replaces the geometric taps by standard
    normal ones rounded to three decimals.

    Raises
    ------
    InvalidParameterError
        If ``Ts`` is empty or holds a size ``< 1``, or ``rng`` is not a numpy ``Generator``.
    """
    _sizes(Ts, "Ts")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise InvalidParameterError(f"rng: expected a numpy Generator or None, got {rng!r}")
    rows = []
    for T in Ts:
        if rng is None:
            taps = [sympy.Rational(9, 10) ** s for s in range(T)]
        else:
            taps = [sympy.Rational(int(v * 1000), 1000) for v in rng.standard_normal(T)]
        for name in ("uniform", "chebyshev"):
            with mpmath.workdps(50 + T):
                lam = uniform_nodes(T) if name == "uniform" else chebyshev_nodes(T)
                Linv = lagrange_inverse(lam)
                lam_f = convert(lam, NumberKind.FLOAT)
                if name == "uniform":
                    coeffs = Linv @ np.array(taps, dtype=object)
                else:
                    coeffs = Linv @ convert(np.array(taps, dtype=object), NumberKind.MPMATH)
                Linv_f = convert(Linv, NumberKind.FLOAT)
            V = lam_f[None, :] ** np.arange(T)[:, None]
            rho_f = convert(np.array(taps, dtype=object), NumberKind.FLOAT)
            c_exact = convert(coeffs, NumberKind.FLOAT)
            c_solved = np.linalg.solve(V, rho_f)
            with mpmath.workdps(50 + T):  # kernel of the float-rounded parameters, no other error
                lam_r, c_r = (convert(v, NumberKind.MPMATH) for v in (lam_f, c_exact))
                realized = np.array([np.sum(c_r * lam_r**s) for s in range(T)], dtype=object)
                rounded_err = float(max(abs(realized - convert(np.array(taps, dtype=object),
                                                                NumberKind.MPMATH))))
            scale = float(np.max(np.abs(rho_f)))
            rows.append({
                "T": T,
                "nodes": name,
                "cond2": float(np.linalg.norm(V, 2) * np.linalg.norm(Linv_f, 2)),
                "cond2_numpy": float(np.linalg.cond(V)),
                "max_coeff": float(np.max(np.abs(c_exact))),
                "coeff_error_numpy_solve": float(np.max(np.abs(c_solved - c_exact))
                                                 / np.max(np.abs(c_exact))),
                "kernel_error_rounded_params": rounded_err / scale,
            })
    return rows


# ------------------------------------------------------------------------------------ B2 (i)
def hankel_matrix(taps: Any) -> np.ndarray:
    """Block Hankel ``H_{ij} = ρ_{i+j}`` (zero for ``i + j ≥ T``), float ``(T d_out, T d_in)``."""
    rho = _float_taps(taps)
    T, p, d = rho.shape
    padded = np.concatenate([rho, np.zeros_like(rho)], axis=0)
    idx = np.arange(T)[:, None] + np.arange(T)[None, :]
    return padded[idx].transpose(0, 2, 1, 3).reshape(T * p, T * d)


def hankel_singular_values(taps: Any) -> np.ndarray:
    """Hankel singular values of the shift-register realization (singular values of ``H``)."""
    return np.linalg.svd(hankel_matrix(taps), compute_uv=False)


@dataclass(frozen=True)
class BalancedTruncation:
    """Result of :func:`balanced_truncation`.

    Attributes
    ----------
    layer
        The reduced float layer (width ``order``, dense ``W``, no feed-through).
    singular_values
        All Hankel singular values ``σ_1 ≥ σ_2 ≥ …``.
    order
        Number of states kept.
    bound
        ``2 Σ_{i > order} σ_i``: the certified ``H∞`` error bound.
    """

    layer: SSMLayer
    singular_values: np.ndarray
    order: int
    bound: float


def balanced_truncation(taps: Any, order: int, *, min_gap: float = 1e-8) -> BalancedTruncation:
    """Balanced truncation of the shift-register realization of ``taps`` to ``order`` states.

    Raises
    ------
    InvalidParameterError
        If ``order`` is not in ``[1, rank(H)]``, ``min_gap`` is not a finite number in
        ``[0, 1)``, or the cut separates Hankel singular values whose relative gap is below
        ``min_gap`` (the reduced model may then be unstable).
    """
    check_real(min_gap, "min_gap", minimum=0)
    if not min_gap < 1:
        raise InvalidParameterError(f"min_gap: expected a relative gap < 1, got {min_gap!r}")
    rho = _float_taps(taps)
    H = hankel_matrix(rho)
    _, sv, Vt = np.linalg.svd(H)
    tiny = sv[0] * max(H.shape) * np.finfo(float).eps
    rank = int(np.sum(sv > tiny))
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not (
        1 <= order <= rank
    ):
        raise InvalidParameterError(
            f"order: expected an integer in [1, {rank}] (the numerical rank of H), got {order!r}"
        )
    # sv[order - 1] > 0 (order <= rank), so an exact zero sv[order] never counts as close
    if order < sv.shape[0] and (sv[order - 1] - sv[order]) < min_gap * sv[order - 1]:
        raise InvalidParameterError(
            f"order: the cut at {order} separates nearly equal Hankel singular values "
            f"{float(sv[order - 1])!r}, {float(sv[order])!r}"
        )
    Vr = Vt[:order].T  # (T d, r)
    root = np.sqrt(sv[:order])
    layer = shift_register(rho)
    S, E, C = layer.W, layer.U, layer.C
    A_r = (root[:, None] * (Vr.T @ S @ Vr)) / root[None, :]
    B_r = root[:, None] * (Vr.T @ E)
    C_r = (C @ Vr) / root[None, :]
    reduced = SSMLayer(A_r, B_r, C_r)
    return BalancedTruncation(reduced, sv, int(order), float(2 * sv[order:].sum()))


# Frequencies per batched solve in :func:`_response`. The stack ``I - e^{-iω} W`` of one block
# holds ``_RESPONSE_BLOCK r²`` complex128 entries, 32 MiB at state order ``r = 64`` (the
# solve's copies about double it), where all 8192 frequencies of :func:`hinf_error` at once
# took 512 MiB.
_RESPONSE_BLOCK = 512


def _response(W: np.ndarray, U: np.ndarray, C: np.ndarray, D: np.ndarray,
              omegas: np.ndarray) -> np.ndarray:
    """``C (I - e^{-iω} W)^{-1} U + D`` for float arrays, shape ``(n, d_out, d_in)``.

    Solved ``_RESPONSE_BLOCK`` frequencies at a time; each frequency's solve and product are
    those of the all-at-once batch, so the result is bit for bit the same.
    """
    out = np.empty((omegas.shape[0], C.shape[0], U.shape[1]), dtype=complex)
    eye = np.eye(W.shape[0])
    for k in range(0, omegas.shape[0], _RESPONSE_BLOCK):
        w = np.exp(-1j * omegas[k:k + _RESPONSE_BLOCK])
        X = np.linalg.solve(eye[None] - w[:, None, None] * W[None],
                            np.broadcast_to(U, (w.shape[0],) + U.shape))
        out[k:k + w.shape[0]] = C[None] @ X + D[None]
    return out


def frequency_response(layer: SSMLayer, omegas: Any) -> np.ndarray:
    """``Σ_s K_s e^{-iωs} = C (I - e^{-iω} W)^{-1} U (+ D)`` of a stable discrete layer, shape
    ``(n, d_out, d_in)`` for the ``n`` frequencies ``omegas``.

    Raises
    ------
    InvalidParameterError
        If ``layer`` is not a stable discrete layer or ``omegas`` is not a finite 1-D array.
    """
    om = as_array(omegas, NumberKind.FLOAT, "omegas", ndim=1)
    if np.iscomplexobj(om):
        raise InvalidParameterError("omegas: expected real frequencies")
    return _response(*_float_layer(layer), om)


def _fir_response(rho: np.ndarray, omegas: np.ndarray) -> np.ndarray:
    w = np.exp(-1j * omegas)
    powers = w[:, None] ** np.arange(rho.shape[0])[None, :]
    return np.einsum("ns,spd->npd", powers, rho)


def hinf_error(taps: Any, layer: SSMLayer, n_grid: int = 8192, refine: int = 4) -> float:
    """``max_ω ‖ρ̂(ω) - K̂(ω)‖_2`` on a uniform grid of ``[0, π]`` refined around the peaks.

    The ``n_grid`` grid points are ``π i / (n_grid - 1)``; around each of the ``refine``
    largest grid values a 257-point grid spans the two neighbouring cells. A grid maximum never
    exceeds the true ``H∞`` norm, so a grid value above a bound is a genuine violation. (Real
    taps: the response at ``-ω`` is the conjugate.)

    Raises
    ------
    InvalidParameterError
        On bad taps, a layer that is not stable and discrete or does not match the taps'
        ``(d_out, d_in)``, ``n_grid < 2`` or ``refine < 0``.
    """
    rho = _float_taps(taps)
    system = _float_layer(layer, rho.shape[1:])
    n = check_int(n_grid, "n_grid", 2)
    check_int(refine, "refine", 0)

    def gains(om: np.ndarray) -> np.ndarray:
        diff = _fir_response(rho, om) - _response(*system, om)
        return np.linalg.norm(diff, ord=2, axis=(1, 2))

    grid = np.pi * np.arange(n) / (n - 1)
    g = gains(grid)
    peaks = np.argsort(g)[max(n - refine, 0):]
    local = [np.linspace(grid[max(i - 1, 0)], grid[min(i + 1, n - 1)], 257) for i in peaks]
    return float(np.concatenate([g] + [gains(om) for om in local]).max())


def l1_error_norm(taps: Any, layer: SSMLayer, horizon: int | None = None) -> tuple[float, float]:
    """``ℓ¹`` norm ``Σ_s ‖ρ_s - K_s‖_∞`` of the error kernel, with a rigorous tail bound.

    The norm of a ``d_out × d_in`` tap is the induced ``∞``-norm (max row sum), so the total
    bounds the ``ℓ∞ → ℓ∞`` gain: ``‖y - ŷ‖_∞ ≤ Σ_s ‖ρ_s - K_s‖_∞ ‖x‖_∞``. Returns
    ``(head, tail)``: the exact-in-float sum over ``s < horizon`` and a rigorous bound on the
    rest, ``Σ_{s ≥ H} ‖C W^s U‖ ≤ ‖C‖ (Σ_{j<k} ‖W^{H+j}‖) ‖U‖ / (1 - ‖W^k‖)`` with the first
    ``k`` for which ``‖W^k‖ ≤ 1/2`` (induced ``∞``-norms). ``horizon`` defaults to ``T`` plus
    ``8 k``.

    Raises
    ------
    InvalidParameterError
        On bad taps, a layer that is not stable and discrete or does not match the taps, or a
        ``horizon`` below ``T`` (the tail bound covers the layer's kernel only, not the taps).
    """
    rho = _float_taps(taps)
    T = rho.shape[0]
    Wm, U, C, D = _float_layer(layer, rho.shape[1:])
    if horizon is not None:
        check_int(horizon, "horizon", T)

    def norm(a: np.ndarray) -> float:
        return float(np.abs(a).sum(axis=-1).max())

    powers = [np.eye(layer.width)]
    k = None
    while k is None:
        if norm(powers[-1]) <= 0.5:  # never at W^0 = I, whose norm is 1
            k = len(powers) - 1
        elif len(powers) > 100000:
            raise InvalidParameterError("layer: W does not contract within 1e5 steps")
        else:
            powers.append(powers[-1] @ Wm)
    Wk = powers[k]
    H = T + 8 * k if horizon is None else int(horizon)
    head, V = 0.0, U.copy()
    for s in range(H):
        K = C @ V + (D if s == 0 else 0)
        head += norm((rho[s] if s < T else 0) - K)
        V = Wm @ V
    block = 0.0
    P = np.linalg.matrix_power(Wm, H)
    for _ in range(k):
        block += norm(P)
        P = P @ Wm
    tail = norm(C) * block * norm(U) / (1 - norm(Wk))
    return head, tail


# ------------------------------------------------------------------------------------ B2 (ii)
@dataclass(frozen=True)
class ExponentialSum:
    """``ρ̂(t) = Σ_j a_j e^{-r_j t}`` with its diagonal Hurwitz layer.

    Attributes
    ----------
    rates
        ``r_j = α (j + 1)``, ``j = 0 … n`` (mpmath).
    coefficients
        ``a_j`` (mpmath at the precision they were computed in).
    bernstein_values
        ``g(k/n)``, ``k = 0 … n``: ``p = B_n g`` is evaluated stably from these.
    alpha
        The scale ``α`` of ``u = e^{-αt}``.
    """

    rates: np.ndarray
    coefficients: np.ndarray
    bernstein_values: np.ndarray
    alpha: Any

    @property
    def modes(self) -> int:
        """Number of exponentials ``n + 1``."""
        return self.rates.shape[0]

    def layer(self, kind: NumberKind = NumberKind.FLOAT) -> SSMLayer:
        """Continuous layer ``W = diag(-r_j)``, ``U = 1``, ``C = a``: kernel ``ρ̂``.

        Raises
        ------
        InvalidParameterError
            If ``kind`` is not a :class:`~theory.numbers.NumberKind`.
        """
        if not isinstance(kind, NumberKind):
            raise InvalidParameterError(f"kind: expected a NumberKind, got {kind!r}")
        W = convert(-self.rates, kind)
        U = convert(np.ones((self.modes, 1), dtype=int), kind)
        return SSMLayer(W, U, convert(self.coefficients, kind)[None, :], time="continuous")

    def bernstein(self, u: Any) -> np.ndarray:
        """``p(u) = Σ_k g(k/n) b_{n,k}(u)`` in float64 via the stable de Casteljau scheme.

        Raises
        ------
        InvalidParameterError
            If an entry of ``u`` is not a finite number in ``[0, 1]``.
        """
        vals = convert(self.bernstein_values, NumberKind.FLOAT)
        u = as_array(u, NumberKind.FLOAT, "u")
        if np.iscomplexobj(u) or not np.all((u >= 0) & (u <= 1)):
            raise InvalidParameterError("u: expected real entries in [0, 1]")
        b = np.broadcast_to(vals, u.shape + vals.shape).copy()
        for r in range(vals.shape[0] - 1, 0, -1):
            b = (1 - u)[..., None] * b[..., :r] + u[..., None] * b[..., 1:r + 1]
        return b[..., 0]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """``ρ̂(t)`` in float64 from the Bernstein form (no cancellation).

        Raises
        ------
        InvalidParameterError
            If an entry of ``t`` is not a finite number ``>= 0``.
        """
        ts = as_array(t, NumberKind.FLOAT, "t")
        if np.iscomplexobj(ts) or not np.all(ts >= 0):
            raise InvalidParameterError("t: expected real entries >= 0")
        u = np.exp(-float(self.alpha) * ts)
        return u * self.bernstein(u)


def bernstein_exponential_sum(
    rho: Callable[[Any], Any], alpha: Any, n: int, g_at_zero: Any
) -> ExponentialSum:
    """Sum of ``n + 1`` exponentials from the Bernstein polynomial of ``g(u) = ρ(ln(1/u)/α)/u``.

    Parameters
    ----------
    rho
        The kernel on ``[0, ∞)``; called with mpmath numbers (use mpmath functions).
    alpha
        ``α > 0``; rates ``α, 2α, …, (n + 1)α``.
    n
        Bernstein degree ``n ≥ 1``.
    g_at_zero
        ``g(0) = lim_{t→∞} ρ(t) e^{αt}`` (declared by the user; 0 when ρ decays faster).

    The coefficients are computed at ``mp.dps + n`` digits (exact binomials) so that their
    cancellation does not lose the working precision.

    Raises
    ------
    InvalidParameterError
        If ``n < 1``, ``rho`` is not callable or returns a non-finite value at a node, or
        ``alpha`` (``> 0``) or ``g_at_zero`` is not finite.
    """
    check_int(n, "n", 1)
    _kernel(rho)
    check_real(alpha, "alpha", minimum=0, strict=True)
    check_real(g_at_zero, "g_at_zero")
    with mpmath.workdps(mpmath.mp.dps + n):
        a = mpmath.mpf(alpha)
        g = [mpmath.mpf(g_at_zero)]
        for k in range(1, n + 1):
            u = mpmath.mpf(k) / n
            t = mpmath.log(1 / u) / a
            g.append(mpmath.mpf(check_real(rho(t), f"rho({mpmath.nstr(t, 8)})", exact=True)) / u)
        coeffs = []
        for j in range(n + 1):
            coeffs.append(mpmath.fsum(
                g[k] * math.comb(n, k) * math.comb(n - k, j - k) * (-1) ** (j - k)
                for k in range(j + 1)
            ))
    to_mp = np.vectorize(lambda v: +v, otypes=[object])  # round to the working precision
    rates = np.array([mpmath.mpf(alpha) * (j + 1) for j in range(n + 1)], dtype=object)
    return ExponentialSum(rates, to_mp(np.array(coeffs, dtype=object)),
                          to_mp(np.array(g, dtype=object)), mpmath.mpf(alpha))


def bernstein_sup_bound(n: int, *, lipschitz: Any = None,
                        modulus: Callable[[float], float] | None = None) -> float:
    """``sup |B_n g - g|`` bound: ``L/(2√n)`` (Lipschitz) or ``(5/4) ω(1/√n)`` (modulus).

    With both declared, the smaller bound is returned.

    Attained exactly at ``n = 1`` by ``g(u) = L |u - 1/2|`` at ``u = 1/2``; for large ``n`` that
    ``g`` attains ``sqrt(2/π)`` of it.

    Raises
    ------
    InvalidParameterError
        If ``n < 1``, neither constant is declared, ``lipschitz`` is not a finite number
        ``>= 0``, or ``modulus`` is not callable or ``ω(1/√n)`` is not a finite number ``>= 0``.
    """
    check_int(n, "n", 1)
    bounds = []
    if lipschitz is not None:
        bounds.append(check_real(lipschitz, "lipschitz", minimum=0) / (2 * math.sqrt(n)))
    if modulus is not None:
        if not callable(modulus):
            raise InvalidParameterError(f"modulus: expected a callable ω(δ), got {modulus!r}")
        omega = check_real(modulus(1 / math.sqrt(n)), "modulus(1/sqrt(n))", minimum=0)
        bounds.append(1.25 * omega)
    if not bounds:
        raise InvalidParameterError("lipschitz, modulus: declare a constant of g")
    return min(bounds)


def bernstein_l1_bound(n: int, alpha: Any, *, lipschitz: Any = None,
                       modulus: Callable[[float], float] | None = None) -> float:
    """``‖ρ - ρ̂‖_{L¹} ≤ (L/α) π/(8√n)`` (Lipschitz ``g``) or ``(5/(4α)) ω(1/√n)`` (modulus).

    Not attained: at ``n = 1`` the tent ``g(u) = -L min(u, 1 - u)`` attains ``2/π`` of the
    Lipschitz form (its ``L¹`` error is ``L/(4α)``), the worst case constructed (see the tests).

    Raises
    ------
    InvalidParameterError
        As :func:`bernstein_sup_bound`, or if ``alpha`` is not a finite number ``> 0``.
    """
    check_real(alpha, "alpha", minimum=0, strict=True)
    bounds = []
    if lipschitz is not None:
        bounds.append(bernstein_sup_bound(n, lipschitz=lipschitz) * math.pi / 4)
    if modulus is not None:
        bounds.append(bernstein_sup_bound(n, modulus=modulus))
    if not bounds:
        raise InvalidParameterError("lipschitz, modulus: declare a constant of g")
    return min(bounds) / float(alpha)


def l2_exponential_fit(rho: Callable[[Any], Any], rates: Any) -> np.ndarray:
    """Coefficients of the ``L²[0,∞)`` projection of ``ρ`` on ``{e^{-r_j t}}`` (mpmath).

    The Gram matrix is the Cauchy matrix ``1/(r_i + r_j)``; the right-hand side
    ``∫ e^{-r_j t} ρ(t) dt`` is computed with :func:`mpmath.quad` on ``[0, 1]``, ``[1, 10]``
    and ``[10, ∞)`` (a kernel smooth on each piece integrates to the working precision; a kink
    or jump at ``t = 1`` or ``t = 10`` is allowed). Used to compare the growth
    of best-fit coefficients with the Bernstein ones (:func:`exponential_sum_table`).

    Raises
    ------
    InvalidParameterError
        If ``rho`` is not callable or ``rates`` is not a non-empty 1-D array of distinct finite
        positive numbers.
    """
    _kernel(rho)
    rs = as_array(rates, kind_of(rates, names=["rates"]), "rates", ndim=1)
    check_int(rs.shape[0], "rates (count)", 1)
    r = [mpmath.mpf(check_real(v, "rates", minimum=0, strict=True, exact=True)) for v in rs]
    if len(set(r)) != len(r):
        raise InvalidParameterError("rates: expected distinct rates (the Gram matrix is "
                                    "singular otherwise)")
    n = len(r)
    G = mpmath.matrix(n, n)
    rhs = mpmath.matrix(n, 1)
    for i in range(n):
        rhs[i] = mpmath.quad(lambda t, ri=r[i]: mpmath.exp(-ri * t) * rho(t),
                             [0, 1, 10, mpmath.inf])
        for j in range(n):
            G[i, j] = 1 / (r[i] + r[j])
    sol = mpmath.lu_solve(G, rhs)
    return np.array([sol[i] for i in range(n)], dtype=object)


def exponential_sum_table(
    rho: Callable[[Any], Any], alpha: Any, g_at_zero: Any, lipschitz: Any,
    degrees: tuple[int, ...] = (3, 7, 15, 31),
) -> list[dict[str, Any]]:
    """Growth of the exponential-sum coefficients with the number of modes (Result B2 (ii)).

    One row per Bernstein degree ``n`` (``n + 1`` modes): ``max_coeff`` (``max_j |a_j|``),
    ``sum_abs_coeff`` (``Σ|a_j|``; ``ε Σ|a_j|`` estimates the float64 cancellation error of
    ``Σ a_j e^{-r_j t}``), ``l1_bound`` (:func:`bernstein_l1_bound`), ``l1_error`` (``(1/α)
    ∫_0^1 |g - B_n g|``, Gauss–Legendre on 512 panels in ``u``) and ``l2_max_coeff`` (``max``
    coefficient of the ``L²`` projection on the same rates, :func:`l2_exponential_fit`).

    Raises
    ------
    InvalidParameterError
        Before ``rho`` is evaluated, if ``rho`` is not callable, ``alpha`` is not a finite
        number ``> 0``, ``g_at_zero`` is not finite, ``lipschitz`` is not a finite number
        ``>= 0`` or ``degrees`` is not a non-empty sequence of integers ``>= 1``; afterwards
        as :func:`bernstein_exponential_sum`.
    """
    _kernel(rho)
    check_real(alpha, "alpha", minimum=0, strict=True)
    check_real(g_at_zero, "g_at_zero")
    check_real(lipschitz, "lipschitz", minimum=0)
    _sizes(degrees, "degrees")
    rows = []
    nodes, weights = np.polynomial.legendre.leggauss(8)
    edges = np.linspace(0.0, 1.0, 513)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    u = (mid[:, None] + half[:, None] * nodes[None, :]).ravel()
    w = (half[:, None] * weights[None, :]).ravel()
    a = float(alpha)
    g = np.array([float(rho(mpmath.log(1 / mpmath.mpf(v)) / a)) / v for v in u])
    for n in degrees:
        es = bernstein_exponential_sum(rho, alpha, n, g_at_zero)
        l1 = float(np.sum(w * np.abs(g - es.bernstein(u)))) / a
        with mpmath.workdps(max(30, 2 * n + 20)):
            l2 = l2_exponential_fit(rho, es.rates)
        rows.append({
            "modes": es.modes,
            "max_coeff": float(max(abs(c) for c in es.coefficients)),
            "sum_abs_coeff": float(sum(abs(c) for c in es.coefficients)),
            "l1_bound": bernstein_l1_bound(n, alpha, lipschitz=lipschitz),
            "l1_error": l1,
            "l2_max_coeff": float(max(abs(c) for c in l2)),
        })
    return rows
