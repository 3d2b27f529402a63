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
:class:`S4D`        the diagonal SSM convolution of S4D with S4D-LegS initialization, one
                    single-input single-output SSM per channel
==================  ==========================================================================

RNN, GRU and LSTM follow the equations and the default initialization of the PyTorch modules
``nn.RNN``, ``nn.GRU``, ``nn.LSTM``: every weight and bias uniform on ``[-1/√h, 1/√h]`` with
``h`` the hidden size.

S4D (Gu, Gupta, Goel, Ré, "On the Parameterization and Initialization of Diagonal State Space
Models", NeurIPS 2022): the state matrix is the diagonal of the *normal part* of the HiPPO-LegS
matrix (S4D-LegS, not S4D-Lin's ``-1/2 + iπn``). With ``P_n = (n + 1/2)^{1/2}`` the LegS matrix
plus ``P Pᵀ`` is ``-1/2 I + S`` with ``S`` skew-symmetric, ``S_{nk} = -√((2n+1)(2k+1))/2`` for
``n > k``; its eigenvalues are ``-1/2 + iω`` and S4D keeps the ``N/2`` with ``ω > 0`` (the
conjugates are accounted for by ``y = 2 Re(C h)``). ``B`` is the LegS input vector
``B_n = √(2n+1)`` in the eigenbasis, ``C`` complex standard normal, ``D`` standard normal, and
each channel draws its step ``Δ`` log-uniformly from ``[10^-3, 10^-1]``. Discretization: zero-order
hold ``λ̄ = e^{ΔΛ}``, ``B̄ = (λ̄ - 1) Λ^{-1} B`` (default) or bilinear
``λ̄ = (1 + ΔΛ/2)/(1 - ΔΛ/2)``, ``B̄ = Δ (1 - ΔΛ/2)^{-1} B``. The position-wise output
nonlinearity and mixing of a full S4 block are not included: the memory is that of the SSM.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

import numpy as np
import scipy.special

from theory.numbers import InvalidParameterError
from verify.scan import linear_scan

__all__ = ["RNN", "GRU", "LSTM", "DiagonalSSM", "S4D", "legs_normal_matrix", "s4d_legs"]

DISCRETIZATIONS = ("zoh", "bilinear")
DT_RANGE = (1e-3, 1e-1)


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


def legs_normal_matrix(N: int) -> np.ndarray:
    """Normal part ``A_LegS + P Pᵀ = -1/2 I + S`` of the HiPPO-LegS matrix (``N × N``)."""
    N = _positive_int(N, "N")
    q = np.sqrt(2 * np.arange(N) + 1.0)
    S = np.tril(np.outer(q, q), -1) / 2
    return -0.5 * np.eye(N) - S + S.T


def s4d_legs(N: int) -> tuple[np.ndarray, np.ndarray]:
    """S4D-LegS continuous parameters: ``N/2`` eigenvalues ``Λ`` (``Im > 0``) and ``B`` in the
    eigenbasis.

    ``S`` is skew-symmetric, so ``i S`` is Hermitian: ``eigh`` gives real ``μ`` and a unitary
    ``Q`` with ``S = Q diag(-iμ) Q^*``; the eigenvalues of the normal part are ``-1/2 - iμ``.
    """
    N = _positive_int(N, "N")
    _require(N % 2 == 0, "N", N, "an even state size (conjugate pairs)")
    S = legs_normal_matrix(N) + 0.5 * np.eye(N)
    mu, Q = np.linalg.eigh(1j * S)
    lam = -0.5 - 1j * mu
    B = Q.conj().T @ np.sqrt(2 * np.arange(N) + 1.0)
    keep = np.argsort(-lam.imag)[: N // 2]  # the N/2 eigenvalues with positive imaginary part
    return lam[keep], B[keep]


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
        dt_range: tuple[float, float] = DT_RANGE,
    ) -> None:
        self.d_in = self.d_out = _positive_int(channels, "channels")
        state = _positive_int(state, "state")
        _require(state % 2 == 0, "state", state, "an even state size (conjugate pairs)")
        rng = _generator(rng)
        _require(discretization in DISCRETIZATIONS, "discretization", repr(discretization),
                 f"one of {DISCRETIZATIONS}")
        _require(isinstance(dt_range, (tuple, list)) and len(dt_range) == 2, "dt_range",
                 repr(dt_range), "a pair (lo, hi)")
        lo, hi = (_real(v, "dt_range") for v in dt_range)
        _require(0 < lo <= hi, "dt_range", repr(dt_range), "0 < lo <= hi")
        lam, B = s4d_legs(state)
        H = self.d_in
        self.dt = np.exp(rng.uniform(math.log(lo), math.log(hi), H))
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
