"""SSM layers with dense or diagonal transition, and stacks with layer-wise nonlinearity (WX23).

Glossary (code name → WX23 symbol, spec §1.1–1.2):

===============  ===============================================================================
``W``            transition, ``(m, m)`` dense or ``(m,)`` holding a diagonal
``U``            input map ``(m, d_in)``
``C``, ``D``     readout ``(d_out, m)`` and feed-through ``(d_out, d_in)`` (default 0)
``b``            state bias ``(m,)`` (default 0)
``width``        ``m``
``kernel(T)``    ``K_0 = C U + D``, ``K_s = C W^s U``: ``y_t = Σ_{s<t} K_s x_{t-s} + (bias part)``
``SSMStack``     ``x^{(0)} = x``, ``y^{(ℓ)} = SSM_ℓ(x^{(ℓ-1)})``, ``x^{(ℓ)} = σ(y^{(ℓ)})``
===============  ===============================================================================

Discrete time (same-step input, ``h_0 = 0``, ``t = 1 … T``)::

    h_t = W h_{t-1} + U x_t + b,        y_t = C h_t + D x_t

Continuous time: ``dh/dt = W h + U x + b``, ``y = C h + D x``, ``h(t_0) = 0``. Continuous
layers are evaluated by exact discretization for inputs held constant on each grid interval
(zero-order hold, see :meth:`SSMLayer.discretize`).

Stability and decay rates (Theorem 3.13 uses the slowest rate over the layers):

* discrete: spectral radius ``r = ρ(W) < 1``; the state forgets at the per-step factor ``r``,
  i.e. at the rate ``β = -ln r`` per step (``β = ∞`` for nilpotent ``W``);
* continuous: ``W`` Hurwitz, ``β = -max Re λ(W) > 0``; per unit time the factor is ``e^{-β}``.

:meth:`SSMLayer.stability_margin` returns ``β`` and :meth:`SSMLayer.decay_factor` the factor
(``r`` per step or ``e^{-β}`` per unit time). ``r`` is the asymptotic rate only: for a
non-normal ``W``, ``‖W^s‖`` may exceed ``r^s`` by a polynomial factor.

Every layer keeps the number kind of its entries (:mod:`theory.numbers`): the sequential
:meth:`SSMLayer.run` of an exact layer is exact (it computes in a sympy domain).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import mpmath
import numpy as np
import scipy  # scipy.linalg loads on first use (scipy's lazy submodules)
import sympy

from theory.activations import Activation, get_activation
from theory.linear import UnstableModelError
from theory.numbers import (
    InvalidParameterError,
    NumberKind,
    abs_squared,
    as_array,
    convert,
    from_domain,
    is_finite,
    kind_of,
    real_part,
    to_domain,
)

__all__ = ["TIMES", "UnstableLayerError", "SSMLayer", "SSMStack"]

#: Accepted values of the ``time`` argument of :class:`SSMLayer`.
TIMES = ("discrete", "continuous")


class UnstableLayerError(UnstableModelError):
    """The transition ``W`` is not stable (``ρ(W) ≥ 1`` discrete, not Hurwitz continuous)."""


def _fail(name: str, value: Any, expected: str) -> NoReturn:
    """The module's validation choke point: raise naming ``name`` and ``value``."""
    raise InvalidParameterError(f"{name}: expected {expected}, got {value}")


def _require(ok: Any, name: str, value: Any, expected: str) -> None:
    """:func:`_fail` unless ``ok``."""
    if not ok:
        _fail(name, value, expected)


def _times(values: Any, kind: NumberKind, name: str) -> np.ndarray:
    """Finite real times as a 1-D array (mpmath numbers for mpmath layers, else float)."""
    raw = np.atleast_1d(np.asarray(values, dtype=object))
    _require(not any(isinstance(t, (str, bytes)) for t in raw.flat), name, repr(values),
             "real times, not strings")
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=object if kind is NumberKind.MPMATH
                                       else float))
        if kind is NumberKind.MPMATH:
            arr = np.array([mpmath.mpf(t) for t in arr.flat], dtype=object).reshape(arr.shape)
    except (TypeError, ValueError):
        _fail(name, repr(values), "a 1-D array of real times")
    _require(arr.ndim == 1, name, repr(values), "a 1-D array of real times")
    _require(is_finite(arr), name, "a NaN or inf time", "finite times")
    return arr


def _decide(relation: Any, what: str) -> bool:
    """Truth value of a comparison of numbers of any kind (exactly for sympy)."""
    if isinstance(relation, sympy.logic.boolalg.BooleanAtom):
        return bool(relation)
    if isinstance(relation, (bool, np.bool_)):
        return bool(relation)
    raise InvalidParameterError(f"W: cannot decide exactly whether {what}")


def _is_triangular(W: np.ndarray) -> bool:
    return bool(np.all(np.triu(W, 1) == 0) or np.all(np.tril(W, -1) == 0))


class SSMLayer:
    """One linear SSM layer of WX23 (spec §1.1), discrete or continuous time.

    Parameters
    ----------
    W
        Transition: ``(m, m)`` dense or ``(m,)`` diagonal.
    U, C, D, b
        ``(m, d_in)``, ``(d_out, m)``, optional ``(d_out, d_in)`` and optional ``(m,)``.
    time
        ``"discrete"`` or ``"continuous"``.
    require_stable
        Refuse an unstable ``W`` (default). Pass ``False`` to build e.g. a marginally stable
        layer on purpose; :meth:`is_stable` then reports it.

    Raises
    ------
    InvalidParameterError
        On mismatched shapes, NaN/inf entries, mixed number kinds or a bad ``time``.
    UnstableLayerError
        If ``require_stable`` and ``W`` is not stable.
    """

    def __init__(
        self,
        W: Any,
        U: Any,
        C: Any,
        D: Any = None,
        b: Any = None,
        *,
        time: str = "discrete",
        require_stable: bool = True,
    ) -> None:
        _require(time in TIMES, "time", repr(time), f"one of {TIMES}")
        _require(isinstance(require_stable, (bool, np.bool_)), "require_stable",
                 repr(require_stable), "True or False")
        self.time = time
        self.kind = kind_of(*(v for v in (W, U, C, D, b) if v is not None))
        self.U = as_array(U, self.kind, "U", ndim=2)
        m, d_in = self.U.shape
        _require(m >= 1 and d_in >= 1, "U", f"shape {self.U.shape}",
                 "shape (m, d_in) with m, d_in >= 1")
        Warr = as_array(W, self.kind, "W")
        _require(Warr.shape in ((m,), (m, m)), "W", f"shape {Warr.shape}",
                 f"shape ({m}, {m}) or ({m},) (diagonal) to match U {self.U.shape}")
        self.W = Warr
        self.diagonal = Warr.ndim == 1
        self.C = as_array(C, self.kind, "C", ndim=2)
        _require(self.C.shape[1] == m and self.C.shape[0] >= 1, "C", f"shape {self.C.shape}",
                 f"shape (d_out, {m}) with d_out >= 1")
        d_out = self.C.shape[0]
        self.D = None if D is None else as_array(D, self.kind, "D", ndim=2)
        _require(self.D is None or self.D.shape == (d_out, d_in), "D",
                 f"shape {None if self.D is None else self.D.shape}", f"shape ({d_out}, {d_in})")
        self.b = None if b is None else as_array(b, self.kind, "b", ndim=1)
        _require(self.b is None or self.b.shape == (m,), "b",
                 f"shape {None if self.b is None else self.b.shape}", f"shape ({m},)")
        if require_stable and not self.is_stable():
            raise UnstableLayerError(
                f"W: the {time} layer is unstable ("
                + (f"spectral radius {self.spectral_radius()} >= 1" if time == "discrete"
                   else f"max real part of the eigenvalues {-self.stability_margin()} >= 0")
                + "); pass require_stable=False to build it anyway"
            )

    # ------------------------------------------------------------------ shape and parameters
    @property
    def width(self) -> int:
        """State dimension ``m``."""
        return self.U.shape[0]

    @property
    def d_in(self) -> int:
        """Input dimension."""
        return self.U.shape[1]

    @property
    def d_out(self) -> int:
        """Output dimension."""
        return self.C.shape[0]

    def W_matrix(self) -> np.ndarray:
        """``W`` as a dense ``(m, m)`` array of the layer's kind."""
        if not self.diagonal:
            return self.W
        out = np.empty((self.width, self.width), dtype=self.W.dtype)
        out[...] = self.W[0] * 0  # the zero of the layer's kind (sympy, mpmath or float)
        np.fill_diagonal(out, self.W)
        return out

    def to_kind(self, kind: NumberKind) -> SSMLayer:
        """The same layer with entries converted to ``kind`` (exact → float rounds)."""
        _require(isinstance(kind, NumberKind), "kind", repr(kind), "a NumberKind")
        # converting finite numbers cannot fail; an entry beyond the float range becomes inf,
        # which the constructor refuses naming the parameter
        conv = [None if v is None else convert(v, kind)
                for v in (self.W, self.U, self.C, self.D, self.b)]
        return SSMLayer(*conv, time=self.time, require_stable=False)

    # ------------------------------------------------------------------ spectrum and stability
    def eigenvalues(self) -> list[Any]:
        """Eigenvalues of ``W`` (with multiplicity) in the layer's kind.

        Exact layers: the diagonal of a diagonal or triangular ``W``, otherwise sympy's roots of
        the characteristic polynomial (possibly ``CRootOf`` objects).
        """
        if self.diagonal:
            return list(self.W)
        if self.kind is NumberKind.EXACT:
            if _is_triangular(self.W):
                return list(np.diag(self.W))
            vals = sympy.Matrix(self.W).eigenvals(multiple=True)
            return list(vals)
        if self.kind is NumberKind.MPMATH:
            return list(mpmath.eig(mpmath.matrix(self.W.tolist()), right=False))
        return list(np.linalg.eigvals(self.W))

    def spectral_radius(self) -> Any:
        """``ρ(W) = max |λ|`` (exact layers: a sympy number)."""
        lams = self.eigenvalues()
        if self.kind is NumberKind.EXACT:
            return sympy.Max(*[sympy.sqrt(abs_squared(sympy.sympify(x))) for x in lams])
        if self.kind is NumberKind.MPMATH:
            return max(mpmath.fabs(x) for x in lams)
        return float(max(abs(complex(x)) for x in lams))

    def _max_real_part(self) -> Any:
        parts = [real_part(x) for x in self.eigenvalues()]
        if self.kind is not NumberKind.EXACT:
            return max(parts)
        try:
            return sympy.Max(*parts)
        except ValueError:  # sympy cannot order them, e.g. a real part that is a hidden 0
            _fail("W", f"real parts {parts}", "eigenvalues whose real parts can be ordered "
                  "exactly")

    def stability_margin(self) -> Any:
        """Decay rate ``β``: ``-ln ρ(W)`` per step (discrete), ``-max Re λ(W)`` (continuous).

        ``β = ∞`` (``sympy.oo``, ``mpmath.inf`` or ``math.inf``) for a nilpotent discrete ``W``;
        ``β ≤ 0`` for an unstable layer.
        """
        if self.time == "continuous":
            return -self._max_real_part()
        r = self.spectral_radius()
        if self.kind is NumberKind.EXACT:
            return sympy.oo if r == 0 else -sympy.log(r)
        if self.kind is NumberKind.MPMATH:
            return -mpmath.log(r)  # mpmath.log(0) is -inf: β = inf for a nilpotent W
        return np.inf if r == 0 else -float(np.log(r))

    def decay_factor(self) -> Any:
        """``r = ρ(W)`` per step (discrete) or ``e^{-β}`` per unit time (continuous)."""
        if self.time == "discrete":
            return self.spectral_radius()
        beta = self.stability_margin()
        if self.kind is NumberKind.EXACT:
            return sympy.exp(-beta)
        return mpmath.exp(-beta) if self.kind is NumberKind.MPMATH else float(np.exp(-beta))

    def is_stable(self) -> bool:
        """``ρ(W) < 1`` (discrete) or ``max Re λ(W) < 0`` (continuous), decided in the kind."""
        if self.time == "continuous":
            return _decide(self._max_real_part() < 0, "max Re λ(W) < 0")
        lams = self.eigenvalues()
        if self.kind is NumberKind.EXACT:
            return all(_decide(sympy.simplify(abs_squared(sympy.sympify(x))) < 1, f"|{x}| < 1")
                       for x in lams)
        return bool(self.spectral_radius() < 1)

    # ------------------------------------------------------------------ evaluation
    def _input(self, x: Any) -> np.ndarray:
        if self.kind is NumberKind.FLOAT and isinstance(x, np.ndarray) and x.dtype == object:
            x = convert(x, NumberKind.FLOAT, "x")
        xs = as_array(x, self.kind, "x", ndim=2)
        _require(xs.shape[1] == self.d_in, "x", f"shape {xs.shape}", f"shape (T, {self.d_in})")
        return xs

    def _arrays(self, *extra: np.ndarray) -> tuple[Callable[[np.ndarray], np.ndarray],
                                                   list[Any]]:
        """Parameters (and ``extra``) in the arithmetic of the kind, and the way back."""
        arrays = [self.W, self.U, self.C, self.D, self.b, *extra]
        if self.kind is not NumberKind.EXACT:
            return (lambda a: a), arrays
        present = [a for a in arrays if a is not None]
        K, converted = to_domain(*present)
        it = iter(converted)
        return (lambda a: from_domain(K, a)), [None if a is None else next(it) for a in arrays]

    def _dtype(self, *arrays: np.ndarray | None) -> Any:
        """dtype of a result computed from ``arrays``: ``object`` for exact and mpmath layers,
        else their common float or complex type (``None`` entries are absent parameters)."""
        if self.kind is not NumberKind.FLOAT:
            return object
        return np.result_type(*(a for a in arrays if a is not None))

    def _step(self, W: np.ndarray, h: np.ndarray) -> np.ndarray:
        return W * h if self.diagonal else W @ h

    def run(self, x: Any) -> np.ndarray:
        """Sequential reference run on ``x`` of shape ``(T, d_in)``; returns ``(T, d_out)``.

        Discrete layers only (see :meth:`run_continuous`). Arithmetic in the layer's kind; an
        exact layer returns exact outputs.
        """
        _require(self.time == "discrete", "time", repr(self.time),
                 "a discrete layer for run(); use run_continuous(x, t_grid)")
        xs = self._input(x)
        back, (W, U, C, D, b, xd) = self._arrays(xs)
        T = xs.shape[0]
        y = np.empty((T, self.d_out),
                     dtype=self._dtype(xs, self.W, self.U, self.C, self.D, self.b))
        h = None
        for t in range(T):
            drive = U @ xd[t]
            if b is not None:
                drive = drive + b
            h = drive if h is None else self._step(W, h) + drive
            out = C @ h
            if D is not None:
                out = out + D @ xd[t]
            y[t] = out
        return back(y)

    def kernel(self, T: int) -> np.ndarray:
        """``K_0 = C U + D``, ``K_s = C W^s U`` for ``s < T``; shape ``(T, d_out, d_in)``.

        Discrete layers only. The bias ``b`` does not enter the kernel (it adds the fixed
        sequence ``C Σ_{s<t} W^s b``).
        """
        _require(self.time == "discrete", "time", repr(self.time),
                 "a discrete layer for kernel(T); use kernel_at")
        _require(isinstance(T, (int, np.integer)) and not isinstance(T, bool) and T >= 0, "T",
                 repr(T), "a non-negative integer")
        back, (W, U, C, D, _) = self._arrays()
        out = np.empty((int(T), self.d_out, self.d_in),
                       dtype=self._dtype(self.W, self.U, self.C, self.D))
        V = U
        for s in range(int(T)):
            K = C @ V
            if s == 0 and D is not None:
                K = K + D
            out[s] = K
            V = W[:, None] * V if self.diagonal else W @ V
        return back(out)

    # ------------------------------------------------------------------ continuous time
    def _expm_pair(self, dt: Any) -> tuple[np.ndarray, np.ndarray]:
        """``e^{W dt}`` and ``∫_0^dt e^{W s} ds`` from one block exponential (Van Loan)."""
        m = self.width
        Wd = self.W_matrix()
        _require(self.kind is not NumberKind.EXACT, "W", "exact entries",
                 "mpmath or float entries: exact continuous layers are discretized in mpmath or "
                 "float; convert with to_kind first")
        if self.kind is NumberKind.MPMATH:
            M = mpmath.zeros(2 * m)  # square
            for i in range(m):
                M[i, m + i] = mpmath.mpf(dt)
                for j in range(m):
                    M[i, j] = Wd[i, j] * dt
            E = mpmath.expm(M)
            E = np.array(E.tolist(), dtype=object)
        else:
            M = np.zeros((2 * m, 2 * m), dtype=Wd.dtype)  # float64 or complex128
            M[:m, :m] = Wd * dt
            M[:m, m:] = np.eye(m) * dt
            E = scipy.linalg.expm(M)
        return E[:m, :m], E[:m, m:]

    def discretize(self, dt: Any) -> SSMLayer:
        """Exact zero-order-hold discretization of a continuous layer with step ``dt > 0``.

        For an input held at ``x_k`` on ``(t_{k-1}, t_k]`` the state at the grid points obeys
        ``h_k = e^{W dt} h_{k-1} + Φ (U x_k + b)`` with ``Φ = ∫_0^dt e^{W s} ds`` (exactly, no
        quadrature), and ``y_k = C h_k + D x_k``: a discrete layer of the same width.
        """
        _require(self.time == "continuous", "time", repr(self.time),
                 "a continuous layer for discretize()")
        (step,) = _times([dt], self.kind, "dt")
        _require(step > 0, "dt", repr(dt), "a finite positive step")
        A, Phi = self._expm_pair(step)
        b = None if self.b is None else Phi @ self.b
        return SSMLayer(A, Phi @ self.U, self.C, self.D, b, time="discrete",
                        require_stable=False)

    def run_continuous(self, x: Any, t_grid: Any) -> np.ndarray:
        """Outputs ``y(t_1), …, y(t_T)`` of a continuous layer started at ``h(t_0) = 0``.

        Parameters
        ----------
        x
            Either samples ``(T, d_in)`` (``x_k`` is held on ``(t_{k-1}, t_k]``) or a callable
            ``x(t)`` returning a ``(d_in,)`` vector, sampled at ``t_1 … t_T`` and held the same
            way. The result is exact for such piecewise-constant inputs; for a smooth input it is
            the zero-order-hold approximation of step ``max dt``.
        t_grid
            Increasing times ``t_0 < t_1 < … < t_T``; a uniform grid (equal steps) is
            discretized once, a non-uniform one step by step.
        """
        _require(self.time == "continuous", "time", repr(self.time),
                 "a continuous layer for run_continuous()")
        _require(np.ndim(t_grid) == 1 and len(t_grid) >= 1, "t_grid",
                 f"shape {np.shape(t_grid)}", "a non-empty 1-D array of times")
        tg = _times(t_grid, self.kind, "t_grid")
        steps = np.diff(tg)
        _require(all(s > 0 for s in steps), "t_grid", "times that do not increase",
                 "strictly increasing times")
        if callable(x):
            x = [x(t) for t in tg[1:]] if steps.size else np.zeros((0, self.d_in))
        xs = self._input(x)
        _require(xs.shape[0] == steps.size, "x", f"{xs.shape[0]} samples",
                 f"{steps.size} samples for a grid of {tg.size} times")
        if steps.size == 0:
            return np.empty((0, self.d_out), dtype=xs.dtype)
        if all(s == steps[0] for s in steps):
            return self.discretize(steps[0]).run(xs)
        y, h = [], None
        for k, dt in enumerate(steps):
            A, Phi = self._expm_pair(dt)
            drive = self.U @ xs[k] if self.b is None else self.U @ xs[k] + self.b
            h = Phi @ drive if h is None else A @ h + Phi @ drive
            out = self.C @ h
            y.append(out if self.D is None else out + self.D @ xs[k])
        return np.array(y)

    def kernel_at(self, s: Any) -> np.ndarray:
        """Continuous kernel ``ρ(s) = C e^{W s} U`` at the times ``s ≥ 0``: ``(n, d_out, d_in)``."""
        _require(self.time == "continuous", "time", repr(self.time),
                 "a continuous layer for kernel_at()")
        times = _times(s, self.kind, "s")
        _require(all(t >= 0 for t in times), "s", "a negative time", "non-negative times")
        out = []
        for si in times:
            A, _ = self._expm_pair(si)
            out.append(self.C @ A @ self.U)
        return np.array(out)

    def __repr__(self) -> str:
        return (f"SSMLayer(width={self.width}, d_in={self.d_in}, d_out={self.d_out}, "
                f"{self.time}, {self.kind.value}{', diagonal' if self.diagonal else ''})")


class SSMStack:
    """Multi-layer SSM with a layer-wise nonlinearity (WX23, spec §1.2).

    ``x^{(0)} = x``, ``y^{(ℓ)} = layer_ℓ(x^{(ℓ-1)})``, ``x^{(ℓ)} = σ(y^{(ℓ)})`` for ``ℓ < L``;
    the output is ``y^{(L)}`` (no σ after the last layer).

    Parameters
    ----------
    layers
        A non-empty sequence of :class:`SSMLayer`, all discrete or all continuous; each layer's
        ``d_in`` must equal the previous layer's ``d_out``. Layers of float and mpmath kind are
        promoted to mpmath; exact layers may not be mixed with others.
    activation
        An :class:`~theory.activations.Activation` or the name of a predefined one.

    Raises
    ------
    InvalidParameterError
        On an empty or mistyped ``layers``, mismatched dimensions, mixed time modes or kinds, or
        an unknown activation.
    """

    def __init__(self, layers: Sequence[SSMLayer], activation: str | Activation) -> None:
        _require(not isinstance(layers, SSMLayer) and isinstance(layers, Sequence)
                 and len(layers) > 0, "layers", repr(layers),
                 "a non-empty sequence of SSMLayer")
        for i, layer in enumerate(layers):
            _require(isinstance(layer, SSMLayer), f"layers[{i}]", repr(layer), "an SSMLayer")
        for i in range(1, len(layers)):
            _require(layers[i].d_in == layers[i - 1].d_out, f"layers[{i}]",
                     f"d_in = {layers[i].d_in}",
                     f"d_in = d_out = {layers[i - 1].d_out} of layers[{i - 1}]")
            _require(layers[i].time == layers[0].time, f"layers[{i}]",
                     f"time {layers[i].time!r}", f"the time mode of layers[0] "
                     f"({layers[0].time!r})")
        kinds = [layer.kind for layer in layers]
        _require(NumberKind.EXACT not in kinds or set(kinds) == {NumberKind.EXACT}, "layers",
                 "exact layers mixed with float or mpmath layers", "layers of one exactness")
        self.kind = NumberKind.MPMATH if NumberKind.MPMATH in kinds else kinds[0]
        self.layers = tuple(layer if layer.kind is self.kind else layer.to_kind(self.kind)
                            for layer in layers)
        try:
            self.activation = get_activation(activation)
        except InvalidParameterError as exc:
            _fail("activation", repr(activation), f"an Activation or a predefined name ({exc})")

    @property
    def depth(self) -> int:
        """Number of layers ``L``."""
        return len(self.layers)

    @property
    def time(self) -> str:
        """``"discrete"`` or ``"continuous"``."""
        return self.layers[0].time

    @property
    def lipschitz(self) -> float:
        """Lipschitz constant of the activation σ."""
        return self.activation.lipschitz

    @property
    def d_in(self) -> int:
        """Input dimension of the first layer."""
        return self.layers[0].d_in

    @property
    def d_out(self) -> int:
        """Output dimension of the last layer."""
        return self.layers[-1].d_out

    @property
    def widths(self) -> tuple[int, ...]:
        """State widths of the layers."""
        return tuple(layer.width for layer in self.layers)

    def is_stable(self) -> bool:
        """Every layer is stable."""
        return all(layer.is_stable() for layer in self.layers)

    def run(self, x: Any) -> np.ndarray:
        """Sequential reference run of a discrete stack on ``x (T, d_in)``; ``(T, d_out)``."""
        y = self.layers[0].run(x)
        for layer in self.layers[1:]:
            y = layer.run(self.activation(y))
        return y

    def run_continuous(self, x: Any, t_grid: Any) -> np.ndarray:
        """Continuous stack on a time grid (see :meth:`SSMLayer.run_continuous`).

        Each layer's input is held constant between grid points, so the result is exact for a
        piecewise-constant input to layer 1 and a zero-order-hold approximation in later layers
        (whose inputs ``σ(y^{(ℓ)})`` vary continuously).
        """
        y = self.layers[0].run_continuous(x, t_grid)
        for layer in self.layers[1:]:
            y = layer.run_continuous(self.activation(y), t_grid)
        return y

    def __repr__(self) -> str:
        return f"SSMStack(depth={self.depth}, widths={self.widths}, σ={self.activation.name})"
