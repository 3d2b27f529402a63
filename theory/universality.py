"""WX23 Result C: multi-layer SSMs approximate continuous functions of a finite window.

Target (spec, Result C): ``y_k = F(x_{k-T+1}, …, x_k)`` with ``F`` continuous on ``[0,1]^{n}``,
``n = dT``. Inputs before the first step are zero (the recurrence starts from ``h_0 = 0``), so
for ``k < T`` the window is padded with zeros, which lie in the domain. The window is flattened
oldest first: ``z[(T-1-j) d + i] = x_{k-j, i}``.

Two constructions, both with the ReLU activation and both with an error budget that the suite
checks on random sequences:

**Window route** (:func:`window_network`). Layer 1 is the shift register of Result B1
(:mod:`theory.convolution`) with taps that select the window, so its output is exactly ``z``
(``z ≥ 0``: the ReLU after it is the identity). The position-wise layers realize the
piecewise-linear interpolant of ``F`` on the Freudenthal (Kuhn) triangulation of the grid
``{0, h, …, 1}^n``, ``h = 1/(N-1)``, through the nodal basis

    φ_g(z) = relu(1 - max(0, u_1, …, u_n) + min(0, u_1, …, u_n)),   u = (z - g)/h,

which is the hat function of the Freudenthal triangulation: it is linear wherever the order of
``0, u_1, …, u_n`` is fixed (exactly the Kuhn simplices), equals ``δ_{g g'}`` at the grid points,
and ``Σ_g φ_g = 1``, ``Σ_g φ_g g = z``. Both maxima are computed by a balanced tree of pairwise
maxima ``max(a, b) = b + relu(a - b)`` (``b ≥ 0`` passes a ReLU unchanged), with the tree nodes
indexed by the grid coordinates they cover, so the units are shared between grid points.

*Interpolation bound.* ``I F(z) = Σ_g φ_g(z) F(g)`` is a convex combination of values at grid
points ``g`` with ``|z - g|_∞ < h``; for coordinate ``i`` in the cell ``[a, a + h]``,
``z_i = a + t h``, the weight on ``g_i = a + h`` is ``t`` (linear precision), hence
``Σ_g φ_g |z_i - g_i| = 2t(1-t) h ≤ h/2``. For ``F`` with per-coordinate Lipschitz constants
(``|F(z) - F(z')| ≤ Σ_i L_i |z_i - z'_i|``), ``|F - I F| ≤ (h/2) Σ_i L_i``; for ``F`` with a
modulus of continuity ``ω`` in the max norm, ``|F - I F| ≤ ω(h)``.

*Propagation.* ``I F`` has the same per-coordinate constants ``L_i`` (on each simplex its
partial derivatives are grid differences ``(F(v_k) - F(v_{k-1}))/h``), so a window exposed with
error ``e`` per coordinate moves the output by at most ``e Σ_i L_i``; the B1 layer is exact
(``e = 0``), and the budget adds a float-rounding allowance.

*Width.* ``dT`` for the shift register, then ``2 n N`` leaf units, ``≈ 2 N^n`` units in the
last merge and ``N^n`` hat units (:func:`window_width_counts`): exponential in ``dT``.

**Kolmogorov–Arnold route** (:func:`ka_network`), for targets given in the form

    F(z) = Σ_{q=0}^{2n} Φ_q( Σ_p λ_p φ_q(z_p) ).

Layers 1–2: the inner functions ``φ̃_q = φ_q - φ_q(0)`` of every input channel, by Result A
(:func:`theory.approximation.relu_interpolant`, ``N_in`` knots on ``[0, 1]``); subtracting
``φ_q(0)`` makes the absent inputs before the first step (state 0) agree with the padded zeros.
Layer 3: the causal convolution ``u_{q,k} = Σ_{j<T} Σ_i λ_{j,i} φ̃_q(x_{k-j,i})`` (Result B1,
taps ``λ`` placed block-diagonally in ``q``; ``λ_{j,i}`` is ``λ_p`` at ``p = (T-1-j) d + i``).
Layers 4–5: the outer functions ``Φ̃_q(u) = Φ_q(u + c_q)``, ``c_q = φ_q(0) Σ_p λ_p``, by Result A
(``N_out`` knots on an interval containing every value ``u`` can take), and the sum over ``q``
is folded into the last readout.

*The σ forced between layers.* Between layers 2 and 3 and between 3 and 4 the ReLU would clip
the signals; each such layer emits both ``s`` and ``-s`` and the next layer reads
``relu(s) - relu(-s) = s`` (:func:`relu_chain`). This is the exact form of "shifting into the
linear region" (it needs no a-priori lower bound on ``s``) at the cost of doubling the readout
rows (not the state widths).

*Error budget* (:func:`ka_budget`). The inner interpolant has error ``δ_q ≤ L_{φ_q} h_in / 2``
(or ``h_in² M_{φ_q} / 8``), so the convolution output is off by at most ``Σ_p |λ_p| δ_q`` and
``Φ_q`` moves by at most ``ω_q(Σ_p |λ_p| δ_q)``; the outer interpolant adds
``ε_q = L_{Φ_q} h_q / 2`` (or ``h_q² max|Φ_q''| / 8`` when declared)::

    |F - F̂| ≤ Σ_q [ ω_q(Σ_p |λ_p| δ_q) + ε_q ]  (+ float rounding).

The budget is attained (up to rounding) by ``φ_q = L_q |z - m|`` at an inner cell midpoint
``m`` with ``λ ≥ 0`` and linear ``Φ_q`` (see :func:`ka_budget`).

*Width.* ``2n + 1 = 2dT + 1`` outer channels; the convolution state has ``T · d · (2dT + 1)``
entries (``O(d²T²)``); the inner and outer layers have ``d (2dT+1)(N_in - 1)`` and
``(2dT+1)(N_out - 1)`` hidden units (:func:`ka_width_counts`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.activations import RELU
from theory.approximation import (
    c2_interpolation_bound,
    channelwise,
    lipschitz_interpolation_bound,
    relu_interpolant,
)
from theory.convolution import shift_register
from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from theory.validation import check_array, check_instance, check_int, check_real, fail

__all__ = [
    "relu_chain",
    "window_of",
    "check_unit_cube",
    "WindowTarget",
    "WindowApproximant",
    "freudenthal_layers",
    "window_network",
    "window_interpolation_bound",
    "window_width_counts",
    "KATarget",
    "KAApproximant",
    "ka_network",
    "ka_budget",
    "ka_width_counts",
]


# ------------------------------------------------------------------------------ validation
def _per_channel(values: Any, count: int, name: str, optional: bool = False) -> np.ndarray | None:
    """``count`` finite non-negative constants, from one number or ``count`` of them."""
    if values is None:
        if optional:
            return None
        fail(name, f"{count} constants (required)", values)
    arr = check_array(values, name, nonneg=True)
    if arr.shape not in ((), (count,)):
        fail(name, f"a number or {count} constants", arr)
    return np.broadcast_to(arr, (count,)).copy()


# ------------------------------------------------------------------------------------ glue
def relu_chain(blocks: Sequence[Sequence[SSMLayer]]) -> SSMStack:
    """Join blocks of ReLU layers so that each block receives the previous block's output.

    Inside a block the ReLU between layers is part of the block's own construction. Between two
    blocks the last layer of the first emits ``[y; -y]`` (its ``C`` and ``D`` are stacked with
    their negatives) and the first layer of the next reads ``[U, -U]`` (and ``[D, -D]``), so it
    sees ``relu(y) - relu(-y) = y`` exactly.

    Raises
    ------
    InvalidParameterError
        If a block is empty or the dimensions of consecutive blocks do not match.
    """
    # (a string is refused too: its items are strings or ints, not sequences of SSMLayer)
    if not isinstance(blocks, Sequence) or not blocks or not all(
            isinstance(b, Sequence) and b and all(isinstance(layer, SSMLayer) for layer in b)
            for b in blocks):
        fail("blocks", "a non-empty sequence of non-empty sequences of SSMLayer", blocks)
    layers = [list(b) for b in blocks]
    for i in range(len(layers) - 1):
        last, first = layers[i][-1], layers[i + 1][0]
        if last.d_out != first.d_in:
            raise InvalidParameterError(
                f"blocks[{i + 1}]: d_in = {first.d_in} does not match d_out = {last.d_out} of "
                f"blocks[{i}]"
            )
        layers[i][-1] = SSMLayer(
            last.W, last.U, np.vstack([last.C, -last.C]),
            None if last.D is None else np.vstack([last.D, -last.D]), last.b,
        )
        layers[i + 1][0] = SSMLayer(
            first.W, np.hstack([first.U, -first.U]), first.C,
            None if first.D is None else np.hstack([first.D, -first.D]), first.b,
        )
    return SSMStack([layer for block in layers for layer in block], RELU)


def window_of(x: np.ndarray, T: int) -> np.ndarray:
    """The zero-padded windows ``z_k`` of ``x (..., K, d)``: ``(..., K, dT)``, oldest first.

    Raises
    ------
    InvalidParameterError
        If ``x`` is not a finite array ``(..., K, d)`` with ``K, d ≥ 1`` or ``T < 1``.
    """
    x = check_array(x, "x", shape=(..., None, None))
    T = check_int(T, "T", 1)
    K, d = x.shape[-2:]
    pad = np.concatenate([np.zeros(x.shape[:-2] + (T - 1, d)), x], axis=-2)
    cols = [pad[..., T - 1 - j: T - 1 - j + K, :] for j in range(T - 1, -1, -1)]
    return np.concatenate(cols, axis=-1)


def check_unit_cube(x: Any, d: int, name: str = "x") -> np.ndarray:
    """``x`` as a float array ``(..., K, d)`` with entries in ``[0, 1]``, else a clear error."""
    d = check_int(d, "d", 1)
    arr = check_array(x, name, shape=(..., None, None))
    if arr.shape[-1] != d:
        fail(name, f"an array of shape (..., K, {d})", arr)
    if np.any(arr < 0) or np.any(arr > 1):
        fail(name, "entries in the declared domain [0, 1] of the target", arr)
    return arr


def _memoryless(U: np.ndarray, b: np.ndarray) -> SSMLayer:
    m = U.shape[0]
    return SSMLayer(np.zeros(m), U, np.eye(m), b=b)


# ------------------------------------------------------------------------- window route
@dataclass(frozen=True)
class WindowTarget:
    """``F: [0,1]^{dT} → R`` (vectorized over leading axes) with its declared regularity.

    Attributes
    ----------
    F
        Callable on ``(..., n)`` float arrays returning ``(...)``.
    d, T
        Input channels and window length (``n = dT``).
    lipschitz
        Per-coordinate constants ``L_i`` (``n`` of them) with
        ``|F(z) - F(z')| ≤ Σ_i L_i |z_i - z'_i|``, or ``None``.
    modulus
        A modulus of continuity ``ω`` in the max norm (callable, increasing), or ``None``.
    """

    F: Callable[[np.ndarray], np.ndarray]
    d: int
    T: int
    lipschitz: np.ndarray | None = None
    modulus: Callable[[float], float] | None = None

    def __post_init__(self) -> None:
        if not callable(self.F):
            fail("F", "a callable target", self.F)
        check_int(self.d, "d", 1)
        check_int(self.T, "T", 1)
        if self.lipschitz is None and self.modulus is None:
            fail("lipschitz, modulus", "per-coordinate Lipschitz constants or a modulus", None)
        if self.lipschitz is not None:
            object.__setattr__(self, "lipschitz", _per_channel(self.lipschitz, self.n,
                                                               "lipschitz"))
        if self.modulus is not None and not callable(self.modulus):
            fail("modulus", "a callable omega(h)", self.modulus)

    @property
    def n(self) -> int:
        """Number of variables ``dT``."""
        return self.d * self.T

    def __call__(self, x: Any) -> np.ndarray:
        """Target outputs ``(..., K)`` on sequences ``x (..., K, d)`` with entries in ``[0,1]``.

        Raises
        ------
        InvalidParameterError
            If ``x`` is not such a sequence, or (naming ``F``) ``F`` returns a value that is
            not a finite real number (a complex value is refused, never cast to its real part).
        """
        arr = check_unit_cube(x, self.d)
        return check_array(self.F(window_of(arr, self.T)), "F")


def window_interpolation_bound(target: WindowTarget, N: int) -> float:
    """``min((h/2) Σ_i L_i, ω(h))`` with ``h = 1/(N-1)`` (see the module docstring).

    Raises
    ------
    InvalidParameterError
        On a non-:class:`WindowTarget`, ``N < 2``, or a modulus value ``ω(h)`` that is not a
        finite number ``≥ 0``.
    """
    check_instance(target, "target", WindowTarget)
    h = 1.0 / (check_int(N, "N", 2) - 1)
    out = math.inf
    if target.lipschitz is not None:
        out = min(out, float(lipschitz_interpolation_bound(float(np.sum(target.lipschitz)), h)))
    if target.modulus is not None:
        out = min(out, check_real(target.modulus(h), "modulus", minimum=0))
    return out


class _UnitBuilder:
    """Rows of a memoryless layer whose units are ``relu(Σ coef · quantity)``.

    A quantity is the sum of the previous layer's units listed in one row of an index array.
    """

    rows: list[np.ndarray]

    def __init__(self, width: int) -> None:
        self.width, self.rows, self.count = width, [], 0

    def add(self, coeffs: list[tuple[np.ndarray, float]]) -> np.ndarray:
        """Add one unit per row of the index arrays; return the new units' indices."""
        n = coeffs[0][0].shape[0]
        block = np.zeros((n, self.width))
        for idx, coef in coeffs:
            for col in range(idx.shape[1]):
                np.add.at(block, (np.arange(n), idx[:, col]), coef)
        self.rows.append(block)
        self.count += n
        return np.arange(self.count - n, self.count)


def freudenthal_layers(n: int, N: int, values: np.ndarray) -> list[SSMLayer]:
    """Memoryless ReLU layers computing ``Σ_g φ_g(z) values[g]`` on ``z ∈ [0,1]^n``.

    ``values`` has shape ``(N,)*n`` (grid ``{0, h, …, 1}^n`` in ``ij`` order). The first
    layer reads ``z`` (``n`` channels); the last has width 1 and outputs the interpolant.
    """
    n, N = check_int(n, "n", 1), check_int(N, "N", 2)
    values = check_array(values, "values", shape=(N,) * n)
    h = 1.0 / (N - 1)
    grid = np.arange(N) * h
    layers: list[SSMLayer] = []
    # leaves: relu(±(z_i - g)/h); a node is (first coordinate, count, quantity index array of
    # shape (N^count, c)): the quantity is the sum of the c listed units of the current layer
    U = np.zeros((2 * n * N, n))
    b = np.zeros(2 * n * N)
    trees: list[list[np.ndarray]] = [[], []]
    for t, sign in enumerate((1.0, -1.0)):
        for i in range(n):
            rows = np.arange(N) + (t * n + i) * N
            U[rows, i] = sign / h
            b[rows] = -sign * grid / h
            trees[t].append(rows[:, None])
    layers.append(_memoryless(U, b))
    width = 2 * n * N
    while len(trees[0]) > 1:
        builder = _UnitBuilder(width)
        new_trees: list[list[np.ndarray]] = [[], []]
        for t in range(2):
            nodes = trees[t]
            for k in range(0, len(nodes) - 1, 2):
                A, B = nodes[k], nodes[k + 1]
                nA, nB = A.shape[0], B.shape[0]
                diff = builder.add([(np.repeat(A, nB, axis=0), 1.0), (np.tile(B, (nA, 1)), -1.0)])
                passed = builder.add([(B, 1.0)])
                new_trees[t].append(np.stack([diff, np.tile(passed, nA)], axis=1))
            if len(nodes) % 2:
                new_trees[t].append(builder.add([(nodes[-1], 1.0)])[:, None])
        layers.append(_memoryless(np.vstack(builder.rows), np.zeros(builder.count)))
        trees, width = new_trees, builder.count
    plus, minus = trees[0][0], trees[1][0]
    U = np.zeros((N**n, width))
    rows = np.arange(N**n)
    for idx in (plus, minus):
        for col in range(idx.shape[1]):
            np.add.at(U, (rows, idx[:, col]), -1.0)
    layers.append(_memoryless(U, np.ones(N**n)))
    layers.append(SSMLayer(np.zeros(1), values.reshape(1, -1), np.ones((1, 1))))
    return layers


@dataclass(frozen=True)
class WindowApproximant:
    """The window-route SSM stack, its grid and its certified budget."""

    stack: SSMStack
    target: WindowTarget
    N: int
    interpolation: float
    propagation: float
    budget: float

    @property
    def widths(self) -> tuple[int, ...]:
        """State widths of the layers (shift register first)."""
        return self.stack.widths


def window_network(
    target: WindowTarget, N: int, *, lag_offset: int = 0, window_error: float = 0.0
) -> WindowApproximant:
    """Shift register (Result B1) + Freudenthal interpolant of ``F`` on ``N`` knots per axis.

    Parameters
    ----------
    target
        The :class:`WindowTarget`.
    N
        Knots per coordinate (``N ≥ 2``); the grid has ``N^{dT}`` points.
    lag_offset
        Delay every tap by this many further steps (``0`` is the correct construction; a positive
        value builds a deliberately wrong window for negative controls).
    window_error
        An a-priori bound ``e`` of the error of the exposed window, if the window layer is not
        exact; it enters the budget as ``e Σ_i L_i`` (requires Lipschitz constants).
    """
    check_instance(target, "target", WindowTarget)
    N = check_int(N, "N", 2)
    d, T, n = target.d, target.T, target.n
    window_error = check_real(window_error, "window_error", minimum=0)
    prop = 0.0
    if window_error:
        if target.lipschitz is None:
            fail("window_error", "0 for a target without Lipschitz constants (propagation "
                 "needs them)", window_error)
        prop = window_error * float(np.sum(target.lipschitz))
    offset = check_int(lag_offset, "lag_offset", 0)
    taps = np.zeros((T + offset, n, d))
    for j in range(T):
        for i in range(d):
            taps[j + offset, (T - 1 - j) * d + i, i] = 1.0
    grid = np.arange(N) / (N - 1)
    mesh = np.stack(np.meshgrid(*([grid] * n), indexing="ij"), axis=-1)
    values = check_array(np.reshape(target.F(mesh), (N,) * n), "target.F")
    layers = [shift_register(taps)] + freudenthal_layers(n, N, values)
    stack = SSMStack(layers, RELU)
    interp = window_interpolation_bound(target, N)
    scale = (stack.depth + n) * (float(np.max(np.abs(values))) + 1)
    budget = interp + prop + tolerance(NumberKind.FLOAT, scale)
    return WindowApproximant(stack, target, N, interp, prop, budget)


def window_width_counts(d: int, T: int, N: int) -> dict[str, int]:
    """State widths of :func:`window_network` as functions of ``d``, ``T`` and ``N``.

    Returns the shift-register width ``dT``, the number of hidden (memoryless) units, the total
    and the grid size ``N^{dT}``.
    """
    d, T, N = check_int(d, "d", 1), check_int(T, "T", 1), check_int(N, "N", 2)
    n = d * T
    sizes = [1] * n  # coordinates covered by each tree node
    hidden = 2 * n * N
    while len(sizes) > 1:
        nxt = []
        for k in range(0, len(sizes) - 1, 2):
            hidden += 2 * (N ** (sizes[k] + sizes[k + 1]) + N ** sizes[k + 1])
            nxt.append(sizes[k] + sizes[k + 1])
        if len(sizes) % 2:
            hidden += 2 * N ** sizes[-1]
            nxt.append(sizes[-1])
        sizes = nxt
    hidden += N**n + 1
    return {"shift_register": n, "hidden": hidden, "total": n + hidden, "grid": N**n}


# --------------------------------------------------------------- Kolmogorov–Arnold route
@dataclass(frozen=True)
class KATarget:
    """``F(z) = Σ_{q=0}^{2n} Φ_q(Σ_p λ_p φ_q(z_p))`` on ``[0,1]^n``, ``n = dT``.

    Attributes
    ----------
    d, T
        Input channels and window length.
    inner, outer
        ``2n + 1`` vectorized callables each: ``φ_q`` on ``[0, 1]`` and ``Φ_q`` on its
        declared domain.
    weights
        ``λ_p`` (``n`` of them), in the window order of the module docstring.
    inner_lipschitz, inner_second
        Declared ``Lip(φ_q)`` and/or ``max|φ_q''|`` (one per ``q`` or a scalar).
    outer_lipschitz
        Declared ``Lip(Φ_q)`` on its domain.
    outer_domain
        ``(2n+1, 2)`` intervals on which ``Φ_q`` is defined and ``Lip(Φ_q)`` holds.
    outer_second
        Optional declared ``max|Φ_q''|`` on the domain: the outer interpolation error is then
        the smaller of ``L_{Φ_q} h_q / 2`` and ``h_q² max|Φ_q''| / 8`` (``0`` for a linear
        ``Φ_q``, which the ReLU interpolant reproduces exactly).
    """

    d: int
    T: int
    inner: tuple[Callable[[np.ndarray], np.ndarray], ...]
    outer: tuple[Callable[[np.ndarray], np.ndarray], ...]
    weights: np.ndarray
    outer_lipschitz: np.ndarray
    outer_domain: np.ndarray
    inner_lipschitz: np.ndarray | None = None
    inner_second: np.ndarray | None = None
    outer_second: np.ndarray | None = None

    def __post_init__(self) -> None:
        check_int(self.d, "d", 1)
        check_int(self.T, "T", 1)
        n, Q = self.n, 2 * self.n + 1
        for name in ("inner", "outer"):
            fns = getattr(self, name)
            if not isinstance(fns, Sequence) or len(fns) != Q or \
                    not all(callable(f) for f in fns):
                fail(name, f"2n+1 = {Q} callables", fns)
        object.__setattr__(self, "weights", check_array(self.weights, "weights", shape=(n,)))
        for name in ("outer_lipschitz", "inner_lipschitz", "inner_second", "outer_second"):
            object.__setattr__(self, name, _per_channel(getattr(self, name), Q, name,
                                                        optional=name != "outer_lipschitz"))
        if self.inner_lipschitz is None and self.inner_second is None:
            fail("inner_lipschitz, inner_second", "a declared constant of the inner functions",
                 None)
        dom = check_array(self.outer_domain, "outer_domain", shape=(Q, 2))
        if np.any(dom[:, 0] >= dom[:, 1]):
            fail("outer_domain", f"{Q} intervals [lo, hi] with lo < hi", dom)
        object.__setattr__(self, "outer_domain", dom)

    @property
    def n(self) -> int:
        """Number of variables ``dT``."""
        return self.d * self.T

    def inner_sums(self, z: np.ndarray) -> np.ndarray:
        """``Σ_p λ_p φ_q(z_p)`` for every ``q`` at points ``z (..., n)`` of ``[0,1]^n``:
        ``(..., 2n+1)``.

        Raises
        ------
        InvalidParameterError
            If ``z`` is not such an array, or (naming ``inner[q]``) ``φ_q`` returns a value that
            is not a finite real number (a complex value is refused, never cast to its real
            part).
        """
        z = check_array(z, "z", shape=(..., None))
        if z.shape[-1] != self.n or np.any(z < 0) or np.any(z > 1):
            fail("z", f"points of [0, 1]^{self.n}, shape (..., {self.n})", z)
        return np.stack([check_array(f(z), f"inner[{q}]") @ self.weights
                         for q, f in enumerate(self.inner)], axis=-1)

    def F(self, z: np.ndarray) -> np.ndarray:
        """``F`` on points ``z (..., n)`` of ``[0,1]^n``.

        Raises
        ------
        InvalidParameterError
            As :meth:`inner_sums`; if an inner sum leaves ``outer_domain``; or (naming
            ``outer[q]``) if ``Φ_q`` returns a value that is not a finite real number.
        """
        u = self.inner_sums(z)
        dom = self.outer_domain
        if np.any(u < dom[:, 0]) or np.any(u > dom[:, 1]):
            raise InvalidParameterError("outer_domain: an inner sum leaves the declared domain "
                                        "of its outer function")
        first, *later = (check_array(g(u[..., q]), f"outer[{q}]")
                         for q, g in enumerate(self.outer))
        return sum(later, start=first)  # 2n+1 >= 3 terms (checked on construction)

    def __call__(self, x: Any) -> np.ndarray:
        """Target outputs ``(..., K)`` on sequences ``x (..., K, d)`` in ``[0, 1]``."""
        arr = check_unit_cube(x, self.d)
        return self.F(window_of(arr, self.T))


@dataclass(frozen=True)
class KAApproximant:
    """The five-layer KA-route stack and its budget (see :func:`ka_budget`)."""

    stack: SSMStack
    target: KATarget
    inner_errors: np.ndarray
    outer_errors: np.ndarray
    propagation: np.ndarray
    budget: float

    @property
    def widths(self) -> tuple[int, ...]:
        """State widths of the five layers."""
        return self.stack.widths


def ka_budget(
    target: KATarget, inner_errors: np.ndarray, outer_errors: np.ndarray, rounding_scale: float
) -> tuple[np.ndarray, float]:
    """Per-``q`` propagation ``Lip(Φ_q) Σ_p |λ_p| δ_q`` and the total budget.

    ``budget = Σ_q [Lip(Φ_q) Σ_p |λ_p| δ_q + ε_q] + tolerance(float, rounding_scale)``, with
    ``δ_q`` the inner and ``ε_q`` the outer interpolation errors (``2n + 1`` finite numbers
    ``≥ 0`` each).

    The propagation term is attained: with ``φ_q = L_q |z - m|`` (``m`` a midpoint of the inner
    grid, where the interpolant is off by ``δ_q = L_q h_in / 2``), weights ``λ_p ≥ 0``, linear
    ``Φ_q`` of slope ``Lip(Φ_q)`` and the constant input ``m``, every error has one sign and the
    output error is ``Σ_q Lip(Φ_q) Σ_p λ_p δ_q``.
    """
    check_instance(target, "target", KATarget)
    Q = 2 * target.n + 1
    inner_errors = check_array(inner_errors, "inner_errors", shape=(Q,), nonneg=True)
    outer_errors = check_array(outer_errors, "outer_errors", shape=(Q,), nonneg=True)
    rounding_scale = check_real(rounding_scale, "rounding_scale", minimum=0)
    spread = float(np.sum(np.abs(target.weights)))
    prop = target.outer_lipschitz * spread * inner_errors
    total = float(np.sum(prop) + np.sum(outer_errors))
    return prop, total + tolerance(NumberKind.FLOAT, rounding_scale)


def _interpolation_error(lipschitz: float | None, second: float | None, h: float) -> float:
    """Smallest declared bound of the ReLU interpolant's error at knot spacing ``h``
    (Result A: ``L h / 2`` and ``h² max|f''| / 8``)."""
    bounds = [float(lipschitz_interpolation_bound(lipschitz, h))] if lipschitz is not None \
        else []
    if second is not None:
        bounds.append(float(c2_interpolation_bound(second, h)))
    return min(bounds)


def _optional(values: np.ndarray | None, q: int) -> float | None:
    return None if values is None else float(values[q])


def ka_network(target: KATarget, N_in: int, N_out: int) -> KAApproximant:
    """The five-layer Kolmogorov–Arnold construction of the module docstring (ReLU).

    Raises
    ------
    InvalidParameterError
        On bad knot counts, when an interval the outer interpolants must cover (the range
        of the approximate inner sums, widened by the propagated inner error) is not inside
        the declared ``outer_domain``, or (naming ``inner[q]`` or ``outer[q]``) when ``φ_q`` or
        ``Φ_q`` returns a value that is not a finite real number (a complex value is refused,
        never cast to its real part).
    """
    check_instance(target, "target", KATarget)
    N_in, N_out = check_int(N_in, "N_in", 2), check_int(N_out, "N_out", 2)
    d, T, n = target.d, target.T, target.n
    Q = 2 * n + 1
    h_in = 1.0 / (N_in - 1)
    delta = np.array([_interpolation_error(_optional(target.inner_lipschitz, q),
                                           _optional(target.inner_second, q), h_in)
                      for q in range(Q)])
    lam = target.weights
    spread = float(np.sum(np.abs(lam)))
    inner_parts, outer_parts, eps = [], [], np.zeros(Q)
    grid = np.linspace(0.0, 1.0, N_in)
    for q, (phi, Phi) in enumerate(zip(target.inner, target.outer)):
        name = f"inner[{q}]"
        phi0 = float(check_array(phi(np.zeros(1)), name)[0])

        def shifted(z: np.ndarray, phi: Callable = phi, phi0: float = phi0,
                    name: str = name) -> np.ndarray:
            return check_array(phi(z), name) - phi0

        for _ in range(d):
            inner_parts.append(relu_interpolant(shifted, 0.0, 1.0, N_in))
        vals = shifted(grid)
        lo = float(np.sum(np.minimum(lam * vals.min(), lam * vals.max()))) - spread * delta[q]
        hi = float(np.sum(np.maximum(lam * vals.min(), lam * vals.max()))) + spread * delta[q]
        c_q = phi0 * float(np.sum(lam))
        if hi - lo <= 0:
            lo, hi = lo - 0.5, hi + 0.5
        dom = target.outer_domain[q]
        if lo + c_q < dom[0] or hi + c_q > dom[1]:
            raise InvalidParameterError(
                f"outer_domain: Phi_{q} must be defined on [{lo + c_q}, {hi + c_q}] (the inner "
                f"sums and their approximations), which leaves the declared [{dom[0]}, {dom[1]}]"
            )
        outer_parts.append(relu_interpolant(
            lambda u, Phi=Phi, c_q=c_q, q=q: check_array(Phi(u + c_q), f"outer[{q}]"), lo, hi,
            N_out))
        eps[q] = _interpolation_error(target.outer_lipschitz[q],
                                      _optional(target.outer_second, q), (hi - lo) / (N_out - 1))
    inner = channelwise(inner_parts, [r % d for r in range(Q * d)])
    taps = np.zeros((T, Q, Q * d))
    for j in range(T):
        for q in range(Q):
            for i in range(d):
                taps[j, q, q * d + i] = lam[(T - 1 - j) * d + i]
    conv = shift_register(taps)
    outer = channelwise(outer_parts)
    o1, o2 = outer.stack.layers
    readout = SSMLayer(o2.W, o2.U, o2.C.sum(axis=0, keepdims=True), b=o2.b)
    stack = relu_chain([list(inner.stack.layers), [conv], [o1, readout]])
    scale = (stack.depth + n) * (spread + 1) * float(
        np.sum(np.abs(readout.C)) + np.sum(target.outer_lipschitz) + 1)
    prop, budget = ka_budget(target, delta, eps, scale)
    return KAApproximant(stack, target, delta, eps, prop, budget)


def ka_width_counts(d: int, T: int, N_in: int, N_out: int) -> dict[str, int]:
    """State widths of :func:`ka_network` as functions of ``d``, ``T`` and the knots."""
    d, T = check_int(d, "d", 1), check_int(T, "T", 1)
    N_in, N_out = check_int(N_in, "N_in", 2), check_int(N_out, "N_out", 2)
    Q = 2 * d * T + 1
    inner = Q * d * (N_in - 1)
    outer = Q * (N_out - 1)
    widths = (inner, inner + 1, T * d * Q, outer, outer + 1)
    return {"outer_channels": Q, "convolution_state": T * d * Q, "inner_hidden": inner,
            "outer_hidden": outer, "total": int(sum(widths))}
