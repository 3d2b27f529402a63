"""Projected-gradient fits of diagonal linear SSM kernels under a norm budget (BYJL25 experiments).

The paper's second experiment trains deep and shallow linear SSMs on large-norm targets with
every parameter entry bounded, and finds that deeper models reach lower error. This module is
the suite's own trainer for that experiment: no deep-learning framework, analytic gradients.

Model and constraint (real parameters; the targets of the experiments are real, so a real model
of depth ``l`` and width ``m`` is enough to show the effect — complex parameters are not used)::

    h_1(t) = λ_1 ⊙ h_1(t-1) + B_1 δ(t)                  (impulse input, BYJL25 Eq. 1)
    h_k(t) = λ_k ⊙ h_k(t-1) + B_k h_{k-1}(t)            k = 2..l
    y(t)   = C · h_l(t),        t = 0..T-1,  h_k(-1) = 0

so ``y`` is the kernel ``ρ(0..T-1)`` of Lemma 3.1. The budget ``c`` is the max-modulus norm of
BYJL25 Eq. 3: every entry of ``B_1``, ``B_k`` and ``C`` lies in ``[-c, c]``; the eigenvalues lie
in ``[-λ_max, λ_max]`` with ``λ_max < 1`` (stability, no norm bound). The feasible set is a box,
and projection onto it is a clip.

Loss: ``L = Σ_t w_t (y(t) - ρ*(t))²`` with non-negative weights ``w_t`` (default ``w_t = 1``, the
plain squared ℓ2 error over the window).

Gradients, by the adjoint (backpropagation-through-time) recurrence, ``g_k(t) = ∂L/∂h_k(t)``::

    g_l(t) = λ_l ⊙ g_l(t+1) + 2 w_t e(t) C,         e(t) = y(t) - ρ*(t)
    g_k(t) = λ_k ⊙ g_k(t+1) + B_{k+1}^T g_{k+1}(t)  k < l,    g_k(T) = 0
    ∂L/∂C   = Σ_t 2 w_t e(t) h_l(t)
    ∂L/∂B_k = Σ_t g_k(t) h_{k-1}(t)^T               (∂L/∂B_1 = g_1(0))
    ∂L/∂λ_k = Σ_t g_k(t) ⊙ h_k(t-1)

Both diagonal recurrences (forward in time for ``h``, backward for ``g``) are evaluated by a
doubling scan: after the stage with shift ``d`` each entry holds ``Σ_{j<2d} λ^j u(t∓j)``, so
``⌈log2 T⌉`` vectorized stages replace ``T`` sequential steps.

Optimizer: Adam (Kingma and Ba, 2015) with a cosine-decayed step size, followed by the
projection onto the box after every step; a fixed iteration budget; all restarts (and, in
:func:`fit_batch`, all targets) are trained at once along a leading batch axis. Results are
deterministic given the ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.linear import DeepSSM, ShallowSSM
from theory.validation import check_array, check_instance, check_int, check_real, fail

__all__ = [
    "FitResult",
    "Layout",
    "fit",
    "fit_batch",
    "kernels",
    "loss_and_gradient",
]

#: Default eigenvalue box ``[-λ_max, λ_max]``.
LAMBDA_MAX = 0.999


# ---------------------------------------------------------------------------------------------
# validation (the module's choke point)
# ---------------------------------------------------------------------------------------------


def _budget(value: Any) -> float:
    return check_real(value, "budget", minimum=0, strict=True)


def _lam_max(value: Any) -> float:
    return check_real(value, "lam_max", minimum=0, maximum=1, strict=True)


def _layout(value: Any) -> Layout:
    return check_instance(value, "layout", Layout)


@dataclass(frozen=True)
class Layout:
    """Packing of the real parameters of depth-``l`` width-``m`` models into one flat vector.

    A batch of models is an array ``theta`` of shape ``(R, size)``; the slices are
    ``λ (l, m)``, ``B_1 (m,)``, ``B_2..B_l (l-1, m, m)``, ``C (m,)`` in this order.
    """

    depth: int
    width: int

    def __post_init__(self) -> None:
        for name in ("depth", "width"):
            object.__setattr__(self, name, check_int(getattr(self, name), name, 1))

    @property
    def _sizes(self) -> tuple[int, int, int, int]:
        depth, m = self.depth, self.width
        return depth * m, m, (depth - 1) * m * m, m

    @property
    def size(self) -> int:
        """Number of real parameters per model: ``lm + m + (l-1)m² + m``."""
        return sum(self._sizes)

    def theta(self, value: Any, name: str = "theta") -> np.ndarray:
        """``value`` checked as a batch of packed models: a finite ``(R, size)`` array (complex
        entries allowed, for complex-step derivatives)."""
        return check_array(value, name, (None, self.size), complex_ok=True)

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Views ``λ (R, l, m)``, ``B_1 (R, m)``, ``B_k (R, l-1, m, m)``, ``C (R, m)``."""
        return self._unpack(self.theta(theta))

    def _unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        depth, m = self.depth, self.width
        ends = np.cumsum(self._sizes)
        R = theta.shape[0]
        lam = theta[:, : ends[0]].reshape(R, depth, m)
        B1 = theta[:, ends[0] : ends[1]]
        Bk = theta[:, ends[1] : ends[2]].reshape(R, depth - 1, m, m)
        C = theta[:, ends[2] :]
        return lam, B1, Bk, C

    def pack(self, lam: np.ndarray, B1: np.ndarray, Bk: np.ndarray, C: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`unpack` (finite arrays of the shapes it returns, one batch ``R``)."""
        depth, m = self.depth, self.width
        lam = check_array(lam, "lam", (None, depth, m), complex_ok=True)
        R = lam.shape[0]
        return self._pack(lam, check_array(B1, "B1", (R, m), complex_ok=True),
                          check_array(Bk, "Bk", (R, depth - 1, m, m), complex_ok=True)
                          if depth > 1 else np.zeros((R, 0, m, m)),
                          check_array(C, "C", (R, m), complex_ok=True))

    def _pack(self, lam: np.ndarray, B1: np.ndarray, Bk: np.ndarray, C: np.ndarray) -> np.ndarray:
        R = lam.shape[0]
        return np.concatenate(
            [lam.reshape(R, -1), B1.reshape(R, -1), Bk.reshape(R, -1), C.reshape(R, -1)], axis=1
        )

    def bounds(self, budget: float, lam_max: float) -> tuple[np.ndarray, np.ndarray]:
        """Box ``(lower, upper)`` of shape ``(size,)``: ``|λ| ≤ λ_max``, entries ``≤ budget``."""
        half = np.concatenate(
            [np.full(self._sizes[0], _lam_max(lam_max)),
             np.full(sum(self._sizes[1:]), _budget(budget))]
        )
        return -half, half

    def model(self, theta_row: np.ndarray) -> DeepSSM:
        """One packed model as a float :class:`~theory.linear.DeepSSM` (a ``ShallowSSM`` if
        ``l = 1``)."""
        row = check_array(theta_row, "theta_row", (self.size,))
        lam, B1, Bk, C = (a[0] for a in self._unpack(row[None, :].copy()))
        if self.depth == 1:
            return ShallowSSM(lam[0], B1, C)
        return DeepSSM(lam, [B1, *Bk], C)


# ---------------------------------------------------------------------------------------------
# the diagonal recurrence and its adjoint
# ---------------------------------------------------------------------------------------------


def _scan_forward(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``h(t) = λ ⊙ h(t-1) + u(t)``, ``h(-1) = 0``; ``lam (R, m)``, ``u (R, T, m)``."""
    h = u.copy()
    T = h.shape[1]
    power = lam[:, None, :]
    shift = 1
    while shift < T:
        h[:, shift:] = h[:, shift:] + power * h[:, :-shift]
        power = power * power
        shift *= 2
    return h


def _scan_backward(lam: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Adjoint recurrence ``g(t) = λ ⊙ g(t+1) + v(t)``, ``g(T) = 0``."""
    return _scan_forward(lam, v[:, ::-1])[:, ::-1]


def _states(layout: Layout, theta: np.ndarray, T: int) -> list[np.ndarray]:
    """Hidden states ``h_1..h_l``, each ``(R, T, m)``, driven by a unit impulse at ``t = 0``."""
    lam, B1, Bk, _ = layout._unpack(theta)
    u = np.zeros((theta.shape[0], T, layout.width), dtype=theta.dtype)
    u[:, 0] = B1
    states = [_scan_forward(lam[:, 0], u)]
    for k in range(1, layout.depth):
        u = states[-1] @ np.swapaxes(Bk[:, k - 1], 1, 2)  # u(t) = B_k h_{k-1}(t)
        states.append(_scan_forward(lam[:, k], u))
    return states


def kernels(layout: Layout, theta: np.ndarray, T: int) -> np.ndarray:
    """Kernels ``ρ(0..T-1)`` of a batch of packed models, shape ``(R, T)`` (``T ≥ 1``)."""
    theta = _layout(layout).theta(theta)
    return _kernels(layout, theta, check_int(T, "T", 1))


def _kernels(layout: Layout, theta: np.ndarray, T: int) -> np.ndarray:
    _, _, _, C = layout._unpack(theta)
    return np.einsum("rtm,rm->rt", _states(layout, theta, T)[-1], C)


def loss_and_gradient(
    layout: Layout, theta: np.ndarray, target: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Loss ``L = Σ_t w_t (y(t) - ρ*(t))²`` and ``∂L/∂θ`` of every model in the batch.

    Parameters
    ----------
    layout
        Depth and width of the models.
    theta
        Packed parameters ``(R, layout.size)`` (complex entries are allowed, which makes the
        complex-step derivative available to tests; the loss is then the analytic continuation).
    target
        ``ρ*(0..T-1)``, shape ``(T,)`` or one target per model ``(R, T)``.
    weights
        ``w_t ≥ 0``, shape ``(T,)``.

    Returns
    -------
    loss : (R,)
    gradient : (R, layout.size), by the adjoint recurrence of the module docstring.

    Raises
    ------
    InvalidParameterError
        On a non-:class:`Layout`, or arrays that are not finite and of the shapes above.
    """
    theta = _layout(layout).theta(theta)
    weights = check_array(weights, "weights", (None,), nonneg=True)
    shape = (None,) if np.ndim(target) == 1 else (theta.shape[0], None)
    target = check_array(target, "target", shape)
    if target.shape[-1] != weights.shape[0]:
        fail("target, weights", "a target and weights of one length T",
             (target.shape, weights.shape))
    return _loss_and_gradient(layout, theta, target, weights)


def _loss_and_gradient(
    layout: Layout, theta: np.ndarray, target: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`loss_and_gradient` on checked arrays (the training loop's hot path)."""
    lam, B1, Bk, C = layout._unpack(theta)
    T = weights.shape[0]
    states = _states(layout, theta, T)
    err = np.einsum("rtm,rm->rt", states[-1], C) - target
    loss = np.sum(weights * err * err, axis=1)
    dlam, dB1, dBk = np.zeros_like(lam), np.zeros_like(B1), np.zeros_like(Bk)
    direct = (2 * weights * err)[:, :, None]
    dC = np.sum(direct * states[-1], axis=1)
    v = direct * C[:, None, :]  # source term of the adjoint of the last layer
    for k in range(layout.depth - 1, -1, -1):
        g = _scan_backward(lam[:, k], v)
        dlam[:, k] = np.sum(g[:, 1:] * states[k][:, :-1], axis=1)
        if k == 0:
            dB1 = g[:, 0]
        else:
            dBk[:, k - 1] = np.einsum("rti,rtj->rij", g, states[k - 1])
            v = g @ Bk[:, k - 1]  # B_k^T g_k(t), as a row vector times B_k
    return loss, layout._pack(dlam, dB1, dBk, dC)


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


class _Adam:
    """Adam with bias correction; ``step`` returns the update to subtract."""

    def __init__(self, shape: tuple[int, ...], beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-12) -> None:
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0

    def step(self, grad: np.ndarray, lr: np.ndarray | float) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad * grad
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return lr * m_hat / (np.sqrt(v_hat) + self.eps)


@dataclass
class FitResult:
    """Best fit of one target.

    Attributes
    ----------
    model
        The best parameters as a float :class:`~theory.linear.DeepSSM` (``ShallowSSM`` for
        depth 1); its norm is at most the budget and its eigenvalues at most ``λ_max``.
    loss
        ``Σ_t w_t (ρ(t) - ρ*(t))²`` of the best model.
    relative_error
        ``‖ρ - ρ*‖₂ / ‖ρ*‖₂`` over the window ``t < T`` (unweighted).
    restart_errors
        Relative error of the best iterate of every restart, in restart order.
    budget, iterations
        The constraint and the iteration budget used.
    """

    model: DeepSSM
    loss: float
    relative_error: float
    restart_errors: np.ndarray
    budget: float
    iterations: int


def _check_inputs(
    targets: Any, budget: float, lam_max: float, rng: Any, restarts: int, iterations: int,
    lr: float, weights: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The checked ``targets (P, T)`` and weights of :func:`fit_batch`."""
    targets = check_array(targets, "targets", (None, None))
    _budget(budget)
    _lam_max(lam_max)
    check_instance(rng, "rng", np.random.Generator)
    check_int(restarts, "restarts", 1)
    check_int(iterations, "iterations", 1)
    check_real(lr, "lr", minimum=0, strict=True)
    T = targets.shape[1]
    w = np.ones(T) if weights is None else check_array(weights, "weights", (T,))
    if np.any(w < 0) or not np.any(w > 0):
        fail("weights", f"{T} weights >= 0, not all zero", w)
    return targets, w


def fit_batch(
    targets: Sequence[Sequence[float]] | np.ndarray,
    depth: int,
    width: int,
    budget: float,
    *,
    rng: np.random.Generator,
    restarts: int = 8,
    iterations: int = 2000,
    lr: float = 0.05,
    lam_max: float = LAMBDA_MAX,
    weights: np.ndarray | None = None,
) -> list[FitResult]:
    """Fit one depth-``l`` width-``m`` model to each of several targets under the budget ``c``.

    All ``P × restarts`` problems train together along one batch axis.

    Parameters
    ----------
    targets
        Real kernels ``ρ*(0..T-1)``, shape ``(P, T)``.
    depth, width
        ``l`` and ``m`` of the model (``depth = 1`` is the shallow model of width ``m``).
    budget
        ``c`` of BYJL25 Eq. 3: bound on the modulus of every entry of ``B_1, B_k, C``.
    rng
        Source of the random initializations (the only randomness).
    restarts
        Random initializations per target.
    iterations
        Fixed number of projected Adam steps.
    lr
        Initial step size, relative to the half-width of each parameter's box (``λ_max`` for
        eigenvalues, ``c`` for entries); it decays along a cosine to ``lr / 100``.
    lam_max
        Eigenvalue box ``[-λ_max, λ_max]``, ``λ_max < 1``.
    weights
        ``w_t`` of the loss, default all ones.

    Returns
    -------
    list of FitResult
        One per target: the restart and iterate of smallest loss.

    Notes
    -----
    Initialization: eigenvalues uniform in ``[-λ_max, λ_max]``, entries uniform in ``[-c, c]``.
    """
    targets, w = _check_inputs(targets, budget, lam_max, rng, restarts, iterations, lr, weights)
    layout = Layout(depth, width)
    P, T = targets.shape
    lower, upper = layout.bounds(budget, lam_max)
    batch = P * restarts
    theta = rng.uniform(lower, upper, size=(batch, layout.size))
    target_rows = np.repeat(targets, restarts, axis=0)
    adam = _Adam(theta.shape)
    best_theta = theta.copy()
    best_loss = np.full(batch, np.inf)
    for it in range(iterations + 1):
        loss, grad = _loss_and_gradient(layout, theta, target_rows, w)
        improved = loss < best_loss
        best_loss[improved] = loss[improved]
        best_theta[improved] = theta[improved]
        if it == iterations:
            break
        step = lr * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * it / iterations)))
        theta = np.clip(theta - adam.step(grad, step * upper), lower, upper)
    fits = _kernels(layout, best_theta, T)
    norms = np.linalg.norm(target_rows, axis=1)
    rel = np.linalg.norm(fits - target_rows, axis=1) / np.where(norms > 0, norms, 1.0)
    results = []
    for p in range(P):
        rows = slice(p * restarts, (p + 1) * restarts)
        i = p * restarts + int(np.argmin(best_loss[rows]))
        results.append(FitResult(
            model=layout.model(best_theta[i]),
            loss=float(best_loss[i]),
            relative_error=float(rel[i]),
            restart_errors=rel[rows].copy(),
            budget=float(budget),
            iterations=int(iterations),
        ))
    return results


def fit(
    target: Sequence[float] | np.ndarray,
    depth: int,
    width: int,
    budget: float,
    *,
    rng: np.random.Generator,
    restarts: int = 8,
    iterations: int = 2000,
    lr: float = 0.05,
    lam_max: float = LAMBDA_MAX,
    weights: np.ndarray | None = None,
) -> FitResult:
    """Fit one target ``ρ*(0..T-1)``; see :func:`fit_batch` for the parameters."""
    target = check_array(target, "target", (None,))
    return fit_batch(target[None, :], depth, width, budget, rng=rng, restarts=restarts,
                     iterations=iterations, lr=lr, lam_max=lam_max, weights=weights)[0]
