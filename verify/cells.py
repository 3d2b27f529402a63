"""Numpy sequence models at random initialization, for the memory experiment of WX23 (spec §3).

All models map inputs ``x (..., T, d_in)`` (time-first, any leading batch axes, e.g. one row per
step direction) to outputs ``(..., T, d_out)`` with zero initial state and the same-step
convention of the suite (``h_t`` depends on ``x_t``).

==================  ==========================================================================
model               definition and initialization
==================  ==========================================================================
:class:`RNN`        ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``, output ``h_t``
:class:`GRU`        the gated recurrent unit (reset ``r``, update ``z``, candidate ``n``):
                    ``h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}``, ``n = tanh(W_in x + b_in +
                    r ⊙ (W_hn h + b_hn))``; output ``h_t``
:class:`LSTM`       gates ``i, f, g, o``; ``c_t = f ⊙ c_{t-1} + i ⊙ g``, ``h_t = o ⊙ tanh(c_t)``;
                    output ``h_t``
:class:`DiagonalSSM` linear layer with a random stable diagonal transition: moduli uniform on
                    ``[0, 0.95)``, uniform phases; ``y = Re(C h) + D x``
:class:`S4`         S4's SSM with the HiPPO-LegS state matrix (real eigenvalues ``-1 … -N``), as
                    the full matrix or in its normal-plus-low-rank (NPLR) form, bilinear
                    discretization; one single-input single-output SSM per channel
:class:`S4D`        the diagonal SSM convolution of S4D with S4D-LegS initialization (the
                    diagonal of the NPLR form's normal part, real parts ``-1/2``), one
                    single-input single-output SSM per channel
==================  ==========================================================================

RNN, GRU and LSTM follow the equations and the default initialization of the PyTorch modules
``nn.RNN``, ``nn.GRU``, ``nn.LSTM``: every weight and bias uniform on ``[-1/√h, 1/√h]`` with
``h`` the hidden size.

HiPPO-LegS (Gu, Goel, Ré, "Efficiently Modeling Long Sequences with Structured State Spaces",
ICLR 2022; reference code ``state-spaces/s4``, ``src/models/hippo/hippo.py``)::

    A_nk = -√(2n+1) √(2k+1)  (n > k),    A_nn = -(n + 1),    A_nk = 0  (n < k),    B_n = √(2n+1)

(``n, k = 0 … N-1``). ``A`` is lower triangular, so its eigenvalues are ``-1, -2, …, -N``.

Normal plus low rank (derivation). With ``P_n = √(n + 1/2)``, ``(P Pᵀ)_nk = √(2n+1)√(2k+1)/2``, so
``A + P Pᵀ`` has diagonal ``-(n+1) + (n + 1/2) = -1/2`` and off-diagonal entries
``-√(2n+1)√(2k+1)/2`` below and ``+√(2n+1)√(2k+1)/2`` above the diagonal: ``A + P Pᵀ = -1/2 I + S``
with ``S`` skew-symmetric (:func:`legs_normal_matrix`). ``i S`` is Hermitian, so a unitary ``V``
diagonalizes it: ``A + P Pᵀ = V Λ V^*`` with ``Λ = -1/2 + i μ`` (``μ`` real), and

    A = V Λ V^* - P Pᵀ = V (Λ - P̃ P̃^*) V^*,      P̃ = V^* P,   B̃ = V^* B

(the form ``A = V Λ V^* - P Qᵀ`` of S4 with ``Q = P`` for LegS). ``S`` is real and even-sized,
so ``μ`` come in pairs ``±μ ≠ 0`` and the eigenvector of ``conj(λ)`` is ``conj(v)``: the
reference keeps the half ``V_h`` with ``Im λ < 0`` and ``V = [V_h, conj(V_h)]``
(:func:`legs_nplr`; computed as the reference does, ``eigh`` of ``-i (A + P Pᵀ)``). The reference
then clips ``Im B̃`` to ``[-2, 2]`` (``nplr(..., B_clip=2.0)``; at ``N = 64`` 11 of the 32 kept
modes have ``|Im B̃| > 2``). The clipped values depend on the eigenvector phases ``eigh``
returns (LAPACK ``zheevd``, as in the reference). Both S4 and S4D get ``B`` from this call, so
both clip by default (``b_clip=None`` turns it off); for the full-matrix form the clipped input
vector is mapped back, ``B = V B̃ = 2 Re(V_h B̃_h)`` (real).

S4 (:class:`S4`): ``A`` as above, bilinear discretization with step ``Δ`` (the reference's
``SSMKernelDense.bilinear`` / the DPLR kernel)::

    Ā = (I - Δ/2 A)^{-1} (I + Δ/2 A),      B̄ = Δ (I - Δ/2 A)^{-1} B,

eigenvalues ``(1 - Δ(n+1)/2) / (1 + Δ(n+1)/2)``: the slowest mode is ``n = 0`` with factor
``(1 - Δ/2)/(1 + Δ/2) = e^{-Δ} (1 + O(Δ³))``. The readout is drawn as the reference draws it, a
complex normal ``c`` on the kept half of the eigenbasis with output ``2 Re(c h̃_h)``; in the
full-matrix form that is the real row ``C = 2 Re(c V_h^*)``. The NPLR form runs the same
system in the eigenbasis, ``Ā = V^* Ā V`` computed from ``Λ`` and ``P̃`` alone with the
Sherman–Morrison formula for ``(I - Δ/2 (Λ - P̃ P̃^*))^{-1}``; the two forms agree to rounding.

S4D (Gu, Gupta, Goel, Ré, "On the Parameterization and Initialization of Diagonal State Space
Models", NeurIPS 2022): the state matrix is the diagonal ``Λ_h`` of the NPLR form's normal part
(S4D-LegS, not S4D-Lin's ``-1/2 + iπn``): eigenvalues ``-1/2 + iμ``, so S4D decays per step by
``|e^{Δλ}| = e^{-Δ/2}`` against S4's ``e^{-Δ}``. ``B = B̃_h`` (clipped as above), ``C`` complex
standard normal, ``D`` standard normal, ``y = 2 Re(C h) + D x``. Discretization: zero-order hold
``λ̄ = e^{ΔΛ}``, ``B̄ = (λ̄ - 1) Λ^{-1} B`` (default, as the reference ``SSMKernelDiag``) or
bilinear ``λ̄ = (1 + ΔΛ/2)/(1 - ΔΛ/2)``, ``B̄ = Δ (1 - ΔΛ/2)^{-1} B``.

Step ``Δ``: by default each channel draws ``Δ`` log-uniformly from ``[10^-3, 10^-1]`` (the
reference's ``dt_min, dt_max``); ``dt=`` fixes one step for every channel. The position-wise
output nonlinearity and mixing of a full S4 block are not included: the memory is that of the
SSM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import scipy  # scipy.special loads on first use (scipy's lazy submodules)

from theory.numbers import InvalidParameterError
from verify.scan import linear_scan

__all__ = ["RNN", "GRU", "LSTM", "DiagonalSSM", "S4", "S4D", "LegsNPLR", "legs_matrix",
           "legs_normal_matrix", "legs_nplr", "s4d_legs"]

DISCRETIZATIONS = ("zoh", "bilinear")
FORMS = ("full", "nplr")
DT_RANGE = (1e-3, 1e-1)
#: ``B_clip`` of the reference ``nplr``: ``Im B̃`` is clipped to ``[-B_CLIP, B_CLIP]``.
B_CLIP = 2.0


def _fail(name: str, value: Any, expected: str) -> NoReturn:
    """The module's validation choke point: raise naming ``name`` and ``value``."""
    raise InvalidParameterError(f"{name}: expected {expected}, got {value}")


def _require(ok: Any, name: str, value: Any, expected: str) -> None:
    """:func:`_fail` unless ``ok``."""
    if not ok:
        _fail(name, value, expected)


def _positive_int(value: Any, name: str) -> int:
    _require(isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1,
             name, repr(value), "a positive integer")
    return int(value)


def _generator(rng: Any) -> np.random.Generator:
    _require(isinstance(rng, np.random.Generator), "rng", repr(rng), "a numpy Generator")
    return rng


def _real(value: Any, name: str) -> float:
    """A finite real number (not a bool or a string)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    _require(ok and bool(np.isfinite(value)), name, repr(value), "a finite real number")
    return float(value)


def _input(x: Any, d_in: int) -> np.ndarray:
    """Finite float inputs of shape ``(..., T, d_in)`` with ``T ≥ 1``."""
    expected = f"real inputs of shape (..., T, {d_in}) with T >= 1"
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        _fail("x", repr(x), expected)
    _require(arr.ndim >= 2 and arr.shape[-1] == d_in and arr.shape[-2] >= 1, "x",
             f"shape {arr.shape}", expected)
    _require(bool(np.all(np.isfinite(arr))), "x", "a NaN or inf entry", "finite entries")
    return arr


def _uniform(rng: np.random.Generator, hidden: int, shape: tuple[int, ...]) -> np.ndarray:
    bound = 1.0 / math.sqrt(hidden)
    return rng.uniform(-bound, bound, shape)


def _complex_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard complex normal entries (real and imaginary parts of variance 1/2)."""
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)


class _Recurrent:
    """Common part of the gated cells: ``gates`` stacked blocks of weights, PyTorch init."""

    gates = 1
    name = "recurrent"

    def __init__(self, d_in: int, hidden: int, rng: np.random.Generator) -> None:
        self.d_in = _positive_int(d_in, "d_in")
        self.hidden = _positive_int(hidden, "hidden")
        rng = _generator(rng)
        gh = self.gates * self.hidden
        self.W_ih = _uniform(rng, self.hidden, (gh, self.d_in))
        self.W_hh = _uniform(rng, self.hidden, (gh, self.hidden))
        self.b_ih = _uniform(rng, self.hidden, (gh,))
        self.b_hh = _uniform(rng, self.hidden, (gh,))

    @property
    def d_out(self) -> int:
        """Output dimension (the hidden size)."""
        return self.hidden

    def run(self, x: Any) -> np.ndarray:
        """Outputs ``h_1 … h_T`` for inputs ``x (..., T, d_in)``."""
        X = _input(x, self.d_in)
        pre = X @ self.W_ih.T + self.b_ih  # input part of every gate, (..., T, gh)
        out = np.empty(X.shape[:-1] + (self.hidden,))
        state = self._zero_state(X.shape[:-2])
        for t in range(X.shape[-2]):
            state = self._step(pre[..., t, :], state)
            out[..., t, :] = state[0]
        return out

    def _zero_state(self, batch: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        return (np.zeros(batch + (self.hidden,)),)

    def _step(self, gx: np.ndarray, state: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        raise NotImplementedError


class RNN(_Recurrent):
    """Elman RNN with tanh (PyTorch ``nn.RNN`` equations and initialization)."""

    gates = 1
    name = "RNN (tanh)"

    def _step(self, gx: np.ndarray, state: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        (h,) = state
        return (np.tanh(gx + h @ self.W_hh.T + self.b_hh),)


class GRU(_Recurrent):
    """Gated recurrent unit (PyTorch ``nn.GRU``: gate order ``r, z, n``)."""

    gates = 3
    name = "GRU"

    def _step(self, gx: np.ndarray, state: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        (h,) = state
        H = self.hidden
        gh = h @ self.W_hh.T + self.b_hh
        r = scipy.special.expit(gx[..., :H] + gh[..., :H])
        z = scipy.special.expit(gx[..., H:2 * H] + gh[..., H:2 * H])
        n = np.tanh(gx[..., 2 * H:] + r * gh[..., 2 * H:])
        return ((1 - z) * n + z * h,)


class LSTM(_Recurrent):
    """Long short-term memory (PyTorch ``nn.LSTM``: gate order ``i, f, g, o``)."""

    gates = 4
    name = "LSTM"

    def _zero_state(self, batch: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        z = np.zeros(batch + (self.hidden,))
        return (z, z.copy())

    def _step(self, gx: np.ndarray, state: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        h, c = state
        H = self.hidden
        g_all = gx + h @ self.W_hh.T + self.b_hh
        i = scipy.special.expit(g_all[..., :H])
        f = scipy.special.expit(g_all[..., H:2 * H])
        g = np.tanh(g_all[..., 2 * H:3 * H])
        o = scipy.special.expit(g_all[..., 3 * H:])
        c = f * c + i * g
        return (o * np.tanh(c), c)


class DiagonalSSM:
    """Linear SSM ``h_t = Λ h_{t-1} + B x_t``, ``y_t = Re(C h_t) + D x_t`` with random stable Λ.

    Eigenvalue moduli uniform on ``[0, max_modulus)``, phases uniform; ``B, C`` complex normal
    scaled by ``1/√(fan-in)``, ``D`` real normal scaled likewise. (A "plain" random stable
    initialization with no structure; ``max_modulus`` keeps it away from the unit circle.)
    """

    name = "diagonal SSM"

    def __init__(self, d_in: int, state: int, d_out: int, rng: np.random.Generator, *,
                 max_modulus: float = 0.95) -> None:
        self.d_in = _positive_int(d_in, "d_in")
        self.state = _positive_int(state, "state")
        self.d_out = _positive_int(d_out, "d_out")
        rng = _generator(rng)
        _require(0 < _real(max_modulus, "max_modulus") <= 1, "max_modulus", repr(max_modulus),
                 "a modulus in (0, 1]")
        m = self.state
        self.eigenvalues = (rng.uniform(0, max_modulus, m)
                            * np.exp(2j * np.pi * rng.uniform(0, 1, m)))
        self.B = _complex_normal(rng, (m, self.d_in)) / math.sqrt(self.d_in)
        self.C = _complex_normal(rng, (self.d_out, m)) / math.sqrt(m)
        self.D = rng.standard_normal((self.d_out, self.d_in)) / math.sqrt(self.d_in)

    @property
    def spectral_radius(self) -> float:
        """``max |λ|``: the geometric factor ``r`` of WX23 Theorem 3.13 for this layer."""
        return float(np.abs(self.eigenvalues).max())

    def run(self, x: Any) -> np.ndarray:
        """Outputs for inputs ``x (..., T, d_in)`` (scan core)."""
        X = _input(x, self.d_in)
        y = linear_scan(self.eigenvalues, self.B, self.C, X, diagonal=True)
        return y.real + X @ self.D.T


def _b_clip(value: Any) -> float | None:
    """``None`` (no clipping) or a finite clipping level ``> 0``."""
    if value is None:
        return None
    level = _real(value, "b_clip")
    _require(level > 0, "b_clip", repr(value), "None or a clipping level > 0")
    return level


def _even_state(value: Any, name: str) -> int:
    N = _positive_int(value, name)
    _require(N % 2 == 0, name, N, "an even state size (conjugate pairs)")
    return N


def _steps(rng: np.random.Generator, channels: int, dt: Any, dt_range: Any) -> np.ndarray:
    """One step ``Δ`` per channel: ``dt`` for all, else log-uniform on ``dt_range``."""
    _require(isinstance(dt_range, (tuple, list)) and len(dt_range) == 2, "dt_range",
             repr(dt_range), "a pair (lo, hi)")
    lo, hi = (_real(v, "dt_range") for v in dt_range)
    _require(0 < lo <= hi, "dt_range", repr(dt_range), "0 < lo <= hi")
    if dt is not None:
        step = _real(dt, "dt")
        _require(step > 0, "dt", repr(dt), "None or a step > 0")
        return np.full(channels, step)
    return np.exp(rng.uniform(math.log(lo), math.log(hi), channels))


def legs_matrix(N: int) -> tuple[np.ndarray, np.ndarray]:
    """HiPPO-LegS ``A (N, N)`` and ``B (N,)`` (module docstring; eigenvalues ``-1 … -N``)."""
    N = _positive_int(N, "N")
    n = np.arange(N)
    q = np.sqrt(2 * n + 1.0)
    A = -np.where(n[:, None] > n[None, :], np.outer(q, q), np.diag(n + 1.0))
    return A, q


def legs_normal_matrix(N: int) -> np.ndarray:
    """Normal part ``A_LegS + P Pᵀ = -1/2 I + S`` of the HiPPO-LegS matrix (``N × N``)."""
    N = _positive_int(N, "N")
    q = np.sqrt(2 * np.arange(N) + 1.0)
    S = np.tril(np.outer(q, q), -1) / 2
    return -0.5 * np.eye(N) - S + S.T


@dataclass(frozen=True)
class LegsNPLR:
    """The NPLR form of HiPPO-LegS on the kept half of the eigenbasis (module docstring).

    Attributes
    ----------
    eigenvalues
        ``Λ_h (N/2,)``, ``Re = -1/2``, ``Im < 0`` (the reference's half).
    P, B
        ``P̃_h = V_h^* P`` and ``B̃_h = V_h^* B`` (``B`` clipped when ``b_clip`` was given).
    V
        ``V_h (N, N/2)``, orthonormal columns.
    """

    eigenvalues: np.ndarray
    P: np.ndarray
    B: np.ndarray
    V: np.ndarray

    def full(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(Λ, P̃, B̃, V)`` on the whole eigenbasis ``[V_h, conj(V_h)]`` (``N`` entries)."""
        def pair(v: np.ndarray) -> np.ndarray:
            return np.concatenate([v, v.conj()], axis=-1)
        return pair(self.eigenvalues), pair(self.P), pair(self.B), pair(self.V)


def legs_nplr(N: int, b_clip: float | None = B_CLIP) -> LegsNPLR:
    """HiPPO-LegS in NPLR form, computed as the reference ``nplr('legs', N, B_clip=...)``.

    ``Re Λ`` is the mean of the diagonal of ``A + P Pᵀ`` (``-1/2``); ``Im Λ`` and ``V`` come from
    ``eigh`` of ``-i (A + P Pᵀ)`` (only its Hermitian part ``-i S`` is read); the ``N/2``
    eigenvalues of smallest imaginary part are kept; ``Im B̃`` is clipped to ``[-b_clip,
    b_clip]`` unless ``b_clip`` is ``None``.

    Raises
    ------
    InvalidParameterError
        Unless ``N`` is an even positive integer and ``b_clip`` is ``None`` or finite ``> 0``.
    """
    N = _even_state(N, "N")
    level = _b_clip(b_clip)
    A, B = legs_matrix(N)
    P = np.sqrt(np.arange(N) + 0.5)
    AP = A + np.outer(P, P)
    w_im, V = np.linalg.eigh(AP * -1j)
    keep = np.argsort(w_im, kind="stable")[: N // 2]
    lam = np.mean(np.diag(AP)) + 1j * w_im[keep]
    V = V[:, keep]
    Bt = V.conj().T @ B
    if level is not None:
        Bt = Bt.real + 1j * np.clip(Bt.imag, -level, level)
    return LegsNPLR(lam, V.conj().T @ P, Bt, V)


def s4d_legs(N: int, b_clip: float | None = B_CLIP) -> tuple[np.ndarray, np.ndarray]:
    """S4D-LegS continuous parameters: the ``N/2`` eigenvalues ``Λ_h`` (``Im < 0``) and ``B̃_h``
    of :func:`legs_nplr` (clipped as there)."""
    nplr = legs_nplr(N, b_clip)
    return nplr.eigenvalues, nplr.B


def _bilinear_full(A: np.ndarray, B: np.ndarray, dt: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``Ā = (I - Δ/2 A)^{-1}(I + Δ/2 A)``, ``B̄ = Δ (I - Δ/2 A)^{-1} B`` per channel step."""
    eye = np.eye(A.shape[0])
    half = dt[:, None, None] / 2 * A
    Abar = np.linalg.solve(eye - half, eye + half)
    rhs = np.broadcast_to(B[:, None], (dt.size, B.size, 1))
    Bbar = dt[:, None] * np.linalg.solve(eye - half, rhs)[..., 0]
    return Abar, Bbar


def _bilinear_nplr(lam: np.ndarray, P: np.ndarray, B: np.ndarray, dt: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_bilinear_full` of ``Λ - P̃ P̃^*`` from its parts (Sherman–Morrison).

    ``I - Δ/2 (Λ - P̃P̃^*) = E + (Δ/2) P̃ P̃^*`` with ``E = diag(1 - Δλ/2)``, so its inverse is
    ``E^{-1} - E^{-1} P̃ P̃^* E^{-1} / (2/Δ + P̃^* E^{-1} P̃)``.
    """
    half = dt[:, None, None] / 2  # (H, 1, 1)
    einv = 1 / (1 - dt[:, None] / 2 * lam[None, :])  # diagonal of E^{-1}, (H, N)
    left = einv * P[None, :]  # E^{-1} P̃
    right = einv * P.conj()[None, :]  # P̃^* E^{-1}
    denom = 2 / dt + right @ P  # 2/Δ + P̃^* E^{-1} P̃
    eye = np.eye(lam.size)
    Minv = einv[:, :, None] * eye - left[:, :, None] * right[:, None, :] / denom[:, None, None]
    Abar = Minv @ (eye + half * (np.diag(lam) - np.outer(P, P.conj())))
    Bbar = dt[:, None] * (Minv @ B)
    return Abar, Bbar


class S4:
    """S4's SSM with the HiPPO-LegS matrix, bilinear discretization (see the module docstring).

    ``channels`` independent single-input single-output SSMs of state size ``state`` sharing
    ``A`` and ``B``, each with its own step ``Δ`` and readout; ``y_h = C_h h_h + D_h x_h``
    (real), computed in the HiPPO basis (``form="full"``) or in the eigenbasis of the NPLR form
    (``form="nplr"``, complex state, ``y = Re(C̃ h̃) + D x``).
    """

    name = "S4 (LegS)"

    def __init__(
        self,
        channels: int,
        state: int,
        rng: np.random.Generator,
        *,
        dt: float | None = None,
        dt_range: tuple[float, float] = DT_RANGE,
        form: str = "full",
        b_clip: float | None = B_CLIP,
    ) -> None:
        self.d_in = self.d_out = _positive_int(channels, "channels")
        N = _even_state(state, "state")
        rng = _generator(rng)
        _require(form in FORMS, "form", repr(form), f"one of {FORMS}")
        nplr = legs_nplr(N, b_clip)
        H = self.d_in
        self.dt = _steps(rng, H, dt, dt_range)
        c = _complex_normal(rng, (H, N // 2))
        self.D = rng.standard_normal(H)
        self.form = form
        lam, P, B, V = nplr.full()
        if form == "full":
            A = legs_matrix(N)[0]
            Abar, Bbar = _bilinear_full(A, (V @ B).real, self.dt)
            C = 2 * (c @ nplr.V.conj().T).real  # (H, N)
        else:
            Abar, Bbar = _bilinear_nplr(lam, P, B, self.dt)
            C = np.concatenate([c, c.conj()], axis=1)
        self.A, self.B, self.C = Abar, Bbar[:, :, None], C[:, None, :]
        self.continuous_eigenvalues = -np.arange(1.0, N + 1)

    @property
    def spectral_radius(self) -> float:
        """``max |λ̄|`` over channels and modes, from the exact eigenvalues ``-(n+1)`` of ``A``
        (Theorem 3.13's ``r``; the slowest mode's factor)."""
        z = self.dt[:, None] / 2 * self.continuous_eigenvalues[None, :]
        return float(np.abs((1 + z) / (1 - z)).max())

    def run(self, x: Any) -> np.ndarray:
        """Outputs for inputs ``x (..., T, channels)`` (scan core, channels as a batch axis)."""
        X = _input(x, self.d_in)
        xc = np.moveaxis(X, -1, -2)[..., None]  # (..., H, T, 1)
        y = linear_scan(self.A, self.B, self.C, xc, diagonal=False)[..., 0]
        return np.moveaxis(y.real, -2, -1) + X * self.D


class S4D:
    """S4D convolution layer with S4D-LegS initialization (see the module docstring).

    ``channels`` independent single-input single-output SSMs of ``state // 2`` complex modes;
    ``y_h = 2 Re(C_h h_h) + D_h x_h``.
    """

    name = "S4D (LegS)"

    def __init__(
        self,
        channels: int,
        state: int,
        rng: np.random.Generator,
        *,
        discretization: str = "zoh",
        dt: float | None = None,
        dt_range: tuple[float, float] = DT_RANGE,
        b_clip: float | None = B_CLIP,
    ) -> None:
        self.d_in = self.d_out = _positive_int(channels, "channels")
        state = _even_state(state, "state")
        rng = _generator(rng)
        _require(discretization in DISCRETIZATIONS, "discretization", repr(discretization),
                 f"one of {DISCRETIZATIONS}")
        lam, B = s4d_legs(state, b_clip)
        H = self.d_in
        self.dt = _steps(rng, H, dt, dt_range)
        dtl = self.dt[:, None] * lam[None, :]  # (H, N/2)
        if discretization == "zoh":
            self.eigenvalues = np.exp(dtl)
            Bbar = (self.eigenvalues - 1) / lam[None, :] * B[None, :]
        else:
            self.eigenvalues = (1 + dtl / 2) / (1 - dtl / 2)
            Bbar = self.dt[:, None] / (1 - dtl / 2) * B[None, :]
        self.B = Bbar[:, :, None]  # (H, N/2, 1)
        n = lam.size
        self.C = _complex_normal(rng, (H, 1, n))
        self.D = rng.standard_normal(H)
        self.continuous_eigenvalues = lam

    @property
    def spectral_radius(self) -> float:
        """``max |λ̄|`` over channels and modes (Theorem 3.13's ``r``)."""
        return float(np.abs(self.eigenvalues).max())

    def run(self, x: Any) -> np.ndarray:
        """Outputs for inputs ``x (..., T, channels)`` (scan core, channels as a batch axis)."""
        X = _input(x, self.d_in)
        xc = np.moveaxis(X, -1, -2)[..., None]  # (..., H, T, 1)
        y = linear_scan(self.eigenvalues, self.B, self.C, xc, diagonal=True)[..., 0]
        return np.moveaxis(2 * y.real, -2, -1) + X * self.D
