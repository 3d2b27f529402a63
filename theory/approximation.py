"""WX23 Result A: two memoryless SSM layers approximate any continuous element-wise map.

With ``W_1 = W_2 = 0`` the recurrence forgets everything (``h_t = U x_t + b``), so a two-layer
stack is the one-hidden-layer network ``x_t ↦ c σ(U_1 x_t + b_1) + c_0`` applied at every time
step separately: ``y_t = f̂(x_t)``. The spec (universality_memory.md, Result A) attributes the
existence statement to the paper; the constructions and the error bounds below are the suite's.
The width is a function of the number of knots ``N`` (and of the number of output channels)
only: the sequence length never enters.

Constructions on ``[a, b]`` with ``N ≥ 2`` uniform knots ``t_k = a + k h``, ``h = (b - a)/(N - 1)``:

**ReLU interpolant** (:func:`relu_interpolant`). The piecewise-linear interpolant
``I f(x) = f(t_0) + Σ_{k=0}^{N-2} (s_k - s_{k-1}) ReLU(x - t_k)`` (``s_k`` the slope on
``[t_k, t_{k+1}]``, ``s_{-1} = 0``) is an exact ReLU network with ``N - 1`` hidden units. On a
cell, ``x = t_k + λ h``::

    f(x) - I f(x) = (1-λ)(f(x) - f(t_k)) + λ(f(x) - f(t_{k+1}))

so ``|f - I f| ≤ 2λ(1-λ) L h ≤ L h / 2`` for ``L``-Lipschitz ``f``, and the classical
remainder ``f(x) - I f(x) = f''(ξ)(x - t_k)(x - t_{k+1})/2`` gives ``≤ h² M_2 / 8`` for ``f ∈ C²``
with ``|f''| ≤ M_2``. Both are attained (``L · dist(x, knots)`` and ``x²``), so neither constant
can be lowered.

**Smooth step sum** (:func:`smooth_step_approximant`, σ = sigmoid or tanh). With thresholds at
the midpoints ``θ_k = t_k - h/2`` (``k = 1 … N-1``), increments ``Δ_k = f(t_k) - f(t_{k-1})`` and
a steepness ``κ`` (dimensionless sharpness ``s = κ h``)::

    G(x) = f(t_0) + Σ_k Δ_k sigmoid(κ (x - θ_k))
         = f(t_0) + Σ_k Δ_k / 2 + Σ_k (Δ_k / 2) tanh(κ (x - θ_k) / 2)

(the same function written with either σ). *Bound.* Let ``f`` be ``L``-Lipschitz and
``x ∈ [t_{j-1}, t_j]``, ``v = x - θ_j ∈ [-h/2, h/2]``, ``s_k = sigmoid(κ(x - θ_k))``. Since
``f(t_{j-1}) = f(t_0) + Σ_{k<j} Δ_k``::

    G(x) - f(x) = [(1 - s_j)(f(t_{j-1}) - f(x)) + s_j (f(t_j) - f(x))]
                  - Σ_{k<j} Δ_k (1 - s_k) + Σ_{k>j} Δ_k s_k.

The bracket is at most ``L[(1-s_j)(h/2 + v) + s_j(h/2 - v)] = L[h/2 - v tanh(κ v/2)] ≤ L h/2``.
For the tails, ``|Δ_k| ≤ L h``, ``sigmoid(-z) ≤ e^{-z}`` and, with ``w = v + h/2 ∈ [0, h]``,
``x - θ_k = w + h/2 + (j-1-k) h`` for ``k < j`` and ``θ_k - x = (h - w) + h/2 + (k-j-1) h`` for
``k > j``; summing the geometric series::

    tails ≤ L h e^{-κh/2} (e^{-κw} + e^{-κ(h-w)}) / (1 - e^{-κh}) ≤ L h e^{-s/2} coth(s/2).

Hence ``|G - f| ≤ L h (1/2 + e^{-s/2} coth(s/2))`` on ``[a, b]``
(:func:`smooth_step_bound`); the first term is attained by ``L · dist(x, knots)`` (for which
``G ≡ f(t_0) = 0``), so it cannot be lowered. *Sharpness of the tail term.* ``G(x) = Σ_k w_k
f(t_k)`` with weights ``w_k ≥ 0`` summing to 1, so at a point ``x`` the worst ``L``-Lipschitz
target is ``L |· - x|`` with error ``L Σ_k w_k |t_k - x|``; at the midpoint of a middle cell this
reaches ``0.76`` (``s = 1/2``), ``0.79`` (``s = 1``) and ``→ 1`` (``s → ∞``) of the bound, so the
tail term is needed (with ``tanh`` for ``coth`` the bound fails at ``s = 1``) but not attained.

**Channel-wise vector maps** (:func:`channelwise`): output channel ``r`` approximates
``f_r(x_{c_r})``; the one-dimensional networks are placed block-diagonally (covering both a
vector-valued ``f`` of one input and coordinate-wise maps of several inputs).

All constructions keep the number kind of the domain end points (:mod:`theory.numbers`): with
sympy rationals and a function returning exact values, the network and its outputs are exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.activations import RELU, Activation, get_activation
from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError, NumberKind, as_array, convert, kind_of
from theory.validation import check_int, check_real

__all__ = [
    "MemorylessApproximant",
    "memoryless_network",
    "uniform_knots",
    "check_in_domain",
    "relu_interpolant",
    "lipschitz_interpolation_bound",
    "c2_interpolation_bound",
    "relu_knots_for_error",
    "smooth_step_approximant",
    "smooth_step_bound",
    "channelwise",
    "check_declared_lipschitz",
    "sup_error",
]



@dataclass(frozen=True)
class MemorylessApproximant:
    """A two-layer memoryless SSM stack with the compact domain it was built for.

    Attributes
    ----------
    stack
        The :class:`~theory.layers.SSMStack` (``W_1 = W_2 = 0``).
    lower, upper
        Per-input-channel bounds of the domain box, arrays of shape ``(d_in,)``.
    knots
        Knot abscissae per output channel (one array per channel).
    """

    stack: SSMStack
    lower: np.ndarray
    upper: np.ndarray
    knots: tuple[np.ndarray, ...]

    @property
    def widths(self) -> tuple[int, ...]:
        """State widths of the two layers (a function of the knots only, never of ``T``)."""
        return self.stack.widths

    def __call__(self, x: Any) -> np.ndarray:
        """Run the stack on ``x (T, d_in)`` after checking every entry lies in the domain."""
        check_in_domain(x, self.lower, self.upper)
        return self.stack.run(x)


def check_in_domain(x: Any, lower: Any, upper: Any, name: str = "x") -> None:
    """Raise unless every ``x[..., i]`` lies in ``[lower[i], upper[i]]``.

    Raises
    ------
    InvalidParameterError
        Naming the first offending entry and the domain, or ``lower``/``upper`` if they are not
        finite 1-D arrays of one shape with ``lower <= upper``.
    """
    arr = np.asarray(x)
    lo = as_array(lower, kind_of(lower), "lower", ndim=1)
    hi = as_array(upper, kind_of(upper), "upper", ndim=1)
    if hi.shape != lo.shape or not all(lo_i <= hi_i for lo_i, hi_i in zip(lo, hi)):
        raise InvalidParameterError(
            f"upper: expected the shape {lo.shape} of lower and upper >= lower, got {upper!r}"
        )
    if arr.ndim == 0 or arr.shape[-1] != lo.shape[0]:
        raise InvalidParameterError(
            f"{name}: expected shape (..., {lo.shape[0]}), got {arr.shape}"
        )
    for idx, v in np.ndenumerate(arr):
        i = idx[-1]
        if not (lo[i] <= v <= hi[i]):
            raise InvalidParameterError(
                f"{name}: entry {v} at index {idx} lies outside the domain "
                f"[{lo[i]}, {hi[i]}] of the approximation"
            )


def uniform_knots(a: Any, b: Any, N: int) -> tuple[np.ndarray, Any]:
    """``N`` uniform knots ``t_k = a + k h`` on ``[a, b]`` and the spacing ``h``.

    The kind follows ``a`` and ``b`` (sympy rationals give exact knots).

    Raises
    ------
    InvalidParameterError
        If ``N < 2`` or ``a ≥ b`` or an end point is not finite, or (float end points) ``b - a``
        overflows.
    """
    check_int(N, "N", 2)
    kind = kind_of(a, b, names=["a", "b"])
    ends = np.concatenate([as_array([a], kind, "a"), as_array([b], kind, "b")])
    if not ends[0] < ends[1]:
        raise InvalidParameterError(f"b: expected a < b, got the domain [{a}, {b}]")
    with np.errstate(over="ignore"):
        length = ends[1] - ends[0]
    if kind is NumberKind.FLOAT and not np.isfinite(length):
        raise InvalidParameterError(
            f"b: expected b - a finite in float64, got the domain [{a}, {b}]")
    h = length / (N - 1)
    # a + (b - a) k / (N - 1), clipped: rounding cannot push an inner knot past b
    knots = np.array([min(ends[0] + length * k / (N - 1), ends[1]) for k in range(N)])
    knots[-1] = ends[1]
    return knots, h


def _real_floats(values: Any, name: str) -> np.ndarray:
    """Values returned by a target ``f`` as a finite float array.

    Raises
    ------
    InvalidParameterError
        Naming ``name``, if a value is complex (never cast to its real part) or not finite.
    """
    arr = np.asarray(values)
    if np.iscomplexobj(arr):
        raise InvalidParameterError(f"{name}: expected real values, got complex ones")
    return as_array(np.asarray(arr, dtype=float), NumberKind.FLOAT, name)


def _values(f: Callable[[Any], Any], points: np.ndarray, kind: NumberKind) -> np.ndarray:
    """``f`` at ``points`` in ``kind`` (elementwise for exact/mpmath, vectorized for float)."""
    if not callable(f):
        raise InvalidParameterError(f"f: the target function must be callable, got {f!r}")
    if kind is NumberKind.FLOAT:
        vals = f(points)
        if np.shape(vals) != points.shape:  # e.g. a constant or a column: point by point
            vals = np.reshape([f(float(p)) for p in points], points.shape)
        return _real_floats(vals, "f(knots)")
    vals = np.array([f(p) for p in points] + [None], dtype=object)[:-1]
    return as_array(vals, kind, "f(knots)")


def memoryless_network(
    U1: Any, b1: Any, c: Any, c0: Any, activation: str | Activation
) -> SSMStack:
    """The two-layer memoryless stack realizing ``x ↦ c σ(U_1 x + b_1) + c_0``.

    Layer 1: ``W = 0`` (width ``m``), ``U = U_1``, ``b = b_1``, ``C = I``. Layer 2: ``W = 0``
    (width ``m + 1``), ``U = [I; 0]``, ``b = (0, …, 0, 1)``, ``C = [c, c_0]``: the extra state is
    the constant 1 that carries the offset ``c_0``.

    Parameters
    ----------
    U1, b1
        ``(m, d_in)`` and ``(m,)``.
    c, c0
        ``(d_out, m)`` and ``(d_out,)``.
    activation
        σ (an :class:`~theory.activations.Activation` or a name).
    """
    kind = kind_of(U1, b1, c, c0)
    U1 = as_array(U1, kind, "U1", ndim=2)
    m = U1.shape[0]
    b1 = as_array(b1, kind, "b1", ndim=1)
    if b1.shape != (m,):
        raise InvalidParameterError(f"b1: expected shape ({m},), got {b1.shape}")
    c = as_array(c, kind, "c", ndim=2)
    c0 = as_array(c0, kind, "c0", ndim=1)
    if c.shape[1] != m or c0.shape[0] != c.shape[0]:
        raise InvalidParameterError(
            f"c, c0: expected shapes (d_out, {m}) and (d_out,), got {c.shape} and {c0.shape}"
        )
    zeros = convert(np.zeros(m), kind)
    eye = convert(np.eye(m), kind)
    layer1 = SSMLayer(zeros, U1, eye, b=b1)
    U2 = convert(np.vstack([np.eye(m), np.zeros((1, m))]), kind)
    b2 = convert(np.r_[np.zeros(m), 1], kind)
    C2 = np.concatenate([c, c0[:, None]], axis=1)
    layer2 = SSMLayer(convert(np.zeros(m + 1), kind), U2, C2, b=b2)
    return SSMStack([layer1, layer2], activation)


def relu_interpolant(f: Callable[..., Any], a: Any, b: Any, N: int) -> MemorylessApproximant:
    """Piecewise-linear interpolant of ``f`` on ``N`` uniform knots, as a ReLU SSM stack.

    Widths ``(N - 1, N)``. See the module docstring for the construction and the bounds
    (:func:`lipschitz_interpolation_bound`, :func:`c2_interpolation_bound`).

    Parameters
    ----------
    f
        Target ``[a, b] → R`` (vectorized over float arrays, or scalar-wise in exact/mpmath).
    a, b
        Domain end points; their kind (exact, mpmath, float) is the kind of the network.
    N
        Number of knots, ``N ≥ 2``.
    """
    knots, h = uniform_knots(a, b, N)
    kind = kind_of(knots)
    vals = _values(f, knots, kind)
    slopes = (vals[1:] - vals[:-1]) / h
    coeffs = slopes.copy()
    coeffs[1:] = slopes[1:] - slopes[:-1]
    ones = convert(np.ones((N - 1, 1)), kind)
    stack = memoryless_network(ones, -knots[:-1], coeffs[None, :], vals[:1], RELU)
    return MemorylessApproximant(stack, knots[:1], knots[-1:], (knots,))


def lipschitz_interpolation_bound(lipschitz: Any, h: Any) -> Any:
    """``L h / 2``: sup error of the piecewise-linear interpolant of an ``L``-Lipschitz ``f``.

    Attained by ``L · dist(x, knots)`` (module docstring).

    Raises
    ------
    InvalidParameterError
        If ``lipschitz`` is not finite and ``>= 0`` or ``h`` is not finite and ``> 0``.
    """
    L = check_real(lipschitz, "lipschitz", minimum=0, exact=True)
    return L * check_real(h, "h", minimum=0, strict=True, exact=True) / 2


def c2_interpolation_bound(second_derivative: Any, h: Any) -> Any:
    """``h² M_2 / 8``: sup error of the piecewise-linear interpolant when ``|f''| ≤ M_2``.

    Attained by ``M_2 x² / 2`` at every cell midpoint (module docstring).

    Raises
    ------
    InvalidParameterError
        If ``second_derivative`` is not finite and ``>= 0`` or ``h`` is not finite and ``> 0``.
    """
    M2 = check_real(second_derivative, "second_derivative", minimum=0, exact=True)
    return M2 * check_real(h, "h", minimum=0, strict=True, exact=True) ** 2 / 8


def relu_knots_for_error(
    a: float, b: float, eps: float, *, lipschitz: float | None = None,
    second_derivative: float | None = None,
) -> int:
    """Smallest ``N`` whose interpolation bound (the better of the declared ones) is ``≤ eps``.

    Raises
    ------
    InvalidParameterError
        If no constant is declared, a constant is not finite and ``>= 0``, ``eps`` is not finite
        and ``> 0`` or the domain is not a finite ``a < b``.
    """
    check_real(eps, "eps", minimum=0, strict=True)
    check_real(b, "b", minimum=check_real(a, "a", exact=True), strict=True)
    if lipschitz is None and second_derivative is None:
        raise InvalidParameterError(
            "lipschitz, second_derivative: declare at least one constant of the target"
        )
    length = b - a
    candidates = []
    if lipschitz is not None:
        L = check_real(lipschitz, "lipschitz", minimum=0, exact=True)
        candidates.append(math.ceil(L * length / (2 * eps)))
    if second_derivative is not None:
        M = check_real(second_derivative, "second_derivative", minimum=0, exact=True)
        candidates.append(math.ceil(math.sqrt(M * length**2 / (8 * eps))))
    cells = max(1, min(candidates))
    return cells + 1


def smooth_step_bound(lipschitz: Any, h: Any, sharpness: Any) -> Any:
    """``L h (1/2 + e^{-s/2} coth(s/2))``: sup error of :func:`smooth_step_approximant`.

    ``sharpness`` is ``s = κ h``; the kind of the result follows ``h`` (mpmath for mpmath ``h``,
    else float; an exact ``h`` gives a float). The first term is attained (``L · dist(x,
    knots)``); the second is an upper bound of the tails, within a factor ``≈ 0.76`` (``s = 1/2``)
    to ``1`` (``s → ∞``) of the sharp worst case ``L · Σ_k w_k(x) |t_k - x|`` (see the tests).

    Raises
    ------
    InvalidParameterError
        If ``lipschitz`` is not finite and ``>= 0`` or ``h``, ``sharpness`` are not finite and
        ``> 0``.
    """
    L = check_real(lipschitz, "lipschitz", minimum=0, exact=True)
    check_real(h, "h", minimum=0, strict=True)
    check_real(sharpness, "sharpness", minimum=0, strict=True)
    if isinstance(h, mpmath.mpf):
        s = mpmath.mpf(sharpness)
        return L * h * (mpmath.mpf(1) / 2 + mpmath.exp(-s / 2) * mpmath.coth(s / 2))
    s = float(sharpness)
    return float(L) * float(h) * (0.5 + math.exp(-s / 2) / math.tanh(s / 2))


def smooth_step_approximant(
    f: Callable[[Any], Any], a: Any, b: Any, N: int, *,
    activation: str | Activation = "sigmoid", sharpness: Any = 20,
) -> MemorylessApproximant:
    """Sum of ``N - 1`` smooth steps at the midpoints between knots (see the module docstring).

    Parameters
    ----------
    f, a, b, N
        As in :func:`relu_interpolant` (exact end points give exact weights; the activation
        values are then symbolic).
    activation
        ``"sigmoid"`` or ``"tanh"`` (the same function ``G``, written with either σ).
    sharpness
        ``s = κ h > 0``; the bound's extra term is ``L h e^{-s/2} coth(s/2)``.
    """
    try:
        act = get_activation(activation)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"activation: {exc}") from None
    if act.name not in ("sigmoid", "tanh"):
        raise InvalidParameterError(
            f"activation: the smooth step sum needs 'sigmoid' or 'tanh', got {act.name!r}"
        )
    check_real(sharpness, "sharpness", minimum=0, strict=True)
    knots, h = uniform_knots(a, b, N)
    kind = kind_of(knots)
    vals = _values(f, knots, kind)
    s = as_array([sharpness], kind, "sharpness")[0]
    kappa = s / h
    thresholds = knots[1:] - h / 2
    deltas = vals[1:] - vals[:-1]
    ones = convert(np.ones((N - 1, 1)), kind)
    if act.name == "sigmoid":
        stack = memoryless_network(ones * kappa, -kappa * thresholds, deltas[None, :],
                                   vals[:1], act)
    else:
        half = convert([1], kind)[0] / 2
        offset = vals[:1] + deltas.sum() * half
        stack = memoryless_network(ones * (kappa * half), -(kappa * half) * thresholds,
                                   (deltas * half)[None, :], offset, act)
    return MemorylessApproximant(stack, knots[:1], knots[-1:], (knots,))


def channelwise(
    parts: Sequence[MemorylessApproximant], input_channels: Sequence[int] | None = None
) -> MemorylessApproximant:
    """Place one-dimensional approximants block-diagonally: output ``r`` is ``parts[r]`` of input
    channel ``input_channels[r]`` (default ``r``; all zeros for a vector-valued ``f`` of a single
    input).

    Widths add up (``Σ_r (N_r - 1)`` and that plus one): a function of the knots only.

    Raises
    ------
    InvalidParameterError
        If ``parts`` is empty, a part is not a one-input one-output two-layer approximant, the
        activations differ, or two parts reading one input channel declare different domains.
    """
    if not parts:
        raise InvalidParameterError("parts: expected at least one approximant")
    channels = list(range(len(parts))) if input_channels is None else list(input_channels)
    if len(channels) != len(parts) or any(
        isinstance(ch, bool) or not isinstance(ch, (int, np.integer)) or ch < 0
        for ch in channels
    ):
        raise InvalidParameterError(
            "input_channels: expected one non-negative integer per part"
        )
    act = parts[0].stack.activation
    d_in = max(channels) + 1
    lower: list[Any] = [None] * d_in
    upper: list[Any] = [None] * d_in
    blocks = []
    for r, (part, ch) in enumerate(zip(parts, channels)):
        st = part.stack
        if st.depth != 2 or st.d_in != 1 or st.d_out != 1:
            raise InvalidParameterError(f"parts[{r}]: expected a 1-input 1-output two-layer "
                                        "approximant")
        if st.activation != act:
            raise InvalidParameterError(f"parts[{r}]: activation {st.activation.name} differs "
                                        f"from {act.name}")
        if lower[ch] is None:
            lower[ch], upper[ch] = part.lower[0], part.upper[0]
        elif lower[ch] != part.lower[0] or upper[ch] != part.upper[0]:
            raise InvalidParameterError(f"parts[{r}]: domain differs from another part on input "
                                        f"channel {ch}")
        l1, l2 = st.layers
        m = l1.width
        blocks.append((ch, l1.U[:, 0], l1.b, l2.C[0, :m], l2.C[0, m]))
    if any(v is None for v in lower):
        raise InvalidParameterError("input_channels: every input channel needs a part")
    kind = kind_of(*[blk[1] for blk in blocks])
    m_total = sum(blk[1].shape[0] for blk in blocks)
    U1 = convert(np.zeros((m_total, d_in)), kind)
    C = convert(np.zeros((len(blocks), m_total)), kind)
    pos = 0
    for r, (ch, u, _, c, _) in enumerate(blocks):
        U1[pos:pos + u.shape[0], ch] = u
        C[r, pos:pos + u.shape[0]] = c
        pos += u.shape[0]
    b1 = np.concatenate([blk[2] for blk in blocks])
    c0 = np.array([blk[4] for blk in blocks])
    stack = memoryless_network(U1, b1, C, c0, act)
    return MemorylessApproximant(
        stack,
        np.array(lower),
        np.array(upper),
        tuple(k for part in parts for k in part.knots),
    )


def check_declared_lipschitz(
    f: Callable[[Any], Any], a: float, b: float, lipschitz: float, n: int = 4097
) -> float:
    """Largest difference quotient of ``f`` on ``n`` uniform float points; refuse it above ``L``.

    A quotient ``|f(x) - f(y)| / |x - y|`` is a lower bound of the best Lipschitz constant, so a
    quotient above the declared ``L`` (beyond float rounding of ``f``) proves the declaration
    wrong.

    Raises
    ------
    InvalidParameterError
        If the declared ``lipschitz`` is smaller than an observed difference quotient, is not
        finite and ``>= 0``, ``n < 2``, the domain is not a finite ``a < b`` holding ``n``
        distinct float points, or ``f`` is not real and finite on the points.
    """
    L = check_real(lipschitz, "lipschitz", minimum=0)
    check_int(n, "n", 2)
    check_real(b, "b", minimum=check_real(a, "a", exact=True), strict=True)
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.linspace(float(a), float(b), n)
        dx = np.diff(x)
    if not np.all(dx > 0):
        raise InvalidParameterError(
            f"b: expected [a, b] to hold {n} distinct float64 points, got [{a}, {b}]")
    fx = _real_floats(f(x), "f").reshape(x.shape)
    slack = 4 * np.finfo(float).eps * (np.abs(fx[1:]) + np.abs(fx[:-1])) / dx
    quotient = np.abs(np.diff(fx)) / dx
    worst = int(np.argmax(quotient - slack))
    if quotient[worst] - slack[worst] > L:
        raise InvalidParameterError(
            f"lipschitz: the declared constant {L!r} is below the difference quotient "
            f"{float(quotient[worst])!r} of f on [{float(x[worst])!r}, {float(x[worst + 1])!r}]"
        )
    return float(quotient.max())


def sup_error(
    f: Callable[[Any], Any], approximant: MemorylessApproximant, points: Any
) -> Any:
    """``max_i |f(x_i) - f̂(x_i)|`` over the points ``x (n, d_in)`` (in the stack's kind).

    ``f`` maps one point ``(d_in,)`` to its ``(d_out,)`` values (vectorized over rows for float).
    The stack runs the points as one sequence (its layers are memoryless).

    Raises
    ------
    InvalidParameterError
        If ``approximant`` is not a :class:`MemorylessApproximant`, a point is not finite or
        lies outside its domain, or a value of ``f`` is not finite (or is complex, in the float
        kind, or a float, in the exact kind).
    """
    if not isinstance(approximant, MemorylessApproximant):
        raise InvalidParameterError(
            f"approximant: expected a MemorylessApproximant, got {approximant!r}")
    kind = approximant.stack.kind
    x = as_array(points, kind, "points", ndim=2)
    check_in_domain(x, approximant.lower, approximant.upper, "points")
    yhat = approximant.stack.run(x)
    if kind is NumberKind.FLOAT:
        target = _real_floats(f(x), "f").reshape(yhat.shape)
        return float(np.max(np.abs(target - yhat))) if yhat.size else 0.0
    diffs = as_array([f(row) for row in x], kind, "f").reshape(yhat.shape) - yhat
    if kind is NumberKind.EXACT:
        return max((sympy.Abs(v) for v in diffs.flat), default=sympy.Integer(0))
    return max((mpmath.fabs(v) for v in diffs.flat), default=mpmath.mpf(0))
