"""Small-norm deep realizations of shallow targets (BYJL25 Theorem 4.2) and gauge balancing.

Glossary (code name → BYJL25 symbol, arXiv:2506.19296 v1, §4 and Eq. 3):

=========================  =====================================================================
``depth``, ``width``       ``l``, ``m`` of the deep model; ``n`` is the target's width
``path weight``            ``ω_π = C_{i_l} (B_l)_{i_l i_{l-1}} ⋯ (B_2)_{i_2 i_1} (B_1)_{i_1}``
``max_path_weight``        ``W = max_π |ω_π|``
``scales[k]``              diagonal of the gauge matrix ``D_{k+1}``
``gauge_transform``        ``(B_1, B_k, C) ↦ (D_1 B_1, D_k B_k D_{k-1}^{-1}, D_l^{-1} C)``
``balance``                Algorithm B: the gauge of least norm, ``‖θ‖ = W^{1/(l+1)}``
``shallow_norm``           ``c_1 = max_i |r_i|^{1/2}`` (distinct poles ``λ_i``, residues ``r_i``)
``ratio``                  ``c_2 / c_1^{2/(l+1)}``; Theorem 4.2 claims ``≤ 2``
``ForestLayout``           the Newton-forest construction below (poles → layers, parents)
``beta[v]``                Newton coefficient of node ``v``: the weight of the path ending at ``v``
=========================  =====================================================================

**Gauge invariance and Algorithm B** [rebuilt]. The kernel is ``ρ̂(w) = Σ_π ω_π Π_k 1/(1 -
λ_{k,i_k} w)`` (Lemma 3.1 regrouped by paths), and every diagonal gauge leaves each ``ω_π``
unchanged. Every path uses ``l + 1`` entries, so some entry of a path of weight ``W`` has modulus
``≥ W^{1/(l+1)}`` in every gauge; :func:`balance` reaches this value with the longest-path
potentials ``D_k[i] = W^{k/(l+1)} / f_k[i]``, ``f_k[i]`` the largest weight of a path prefix
ending at node ``(k, i)`` (max-product dynamic programming).

**The Newton forest** [rebuilt; the project's construction]. Place the poles in a layered forest:
``m`` roots in layer 1, at most ``m - 1`` pole nodes in each layer ``k ≥ 2``, each with a parent in
layer ``k - 1``; every layer ``k ≥ 2`` also has a *sum node* with eigenvalue 0 (an instantaneous
pass-through). A pole node ``v`` reads only its parent (coupling 1), so it carries ``N_v(w) =
Π_{u ≤ v} 1/(1 - λ_u w)`` (product over its root path); each node exits with weight ``β_v`` into
the next sum node (or into ``C`` in layer ``l``), and the sum nodes pass everything on with
coupling 1. Then ``ρ̂ = Σ_v β_v N_v`` and, solving the residue equations from the root down
(a Horner scheme in ``z = 1/w``),

    β_v = Σ_{j in subtree(v)} r_j · (λ_v / λ_j) · Π_{p strict ancestor of v} (1 - λ_p / λ_j)

(the factor ``λ_v/λ_j`` is 1 for ``j = v``). There is exactly one path per node, of weight
``β_v``. If every root path has non-decreasing pole moduli, each factor is at most 2 and each
ratio at most 1, so along a chain of ``l`` nodes ``|β_v| ≤ (l - k + 1) 2^{k-1} c_1² ≤ 2^{l-1}
c_1²`` for the node in layer ``k``. After balancing::

    c_2 ≤ 2^{(l-1)/(l+1)} c_1^{2/(l+1)} < 2 c_1^{2/(l+1)}

for every target of width ``n ≤ l(m-1)+1`` with distinct poles: Theorem 4.2 with a constant
below 2. No divided difference ``1/(λ_i - λ_j)`` appears: chaining the identity of the spec's
``l = m = 2`` construction through more layers fails because it divides by pole differences,
while the Newton coefficients above only divide by poles of larger modulus. For ``l = m = 2``
the forest with the chain ``a → λ_3`` is the spec's norm-aware construction up to gauge
(:func:`norm_aware_two_by_two` builds the spec's matrices literally).

Number kinds: the forest, the width-one and the norm-aware constructions and
:func:`max_path_weight` keep the kind of the target (exact in, exact out). :func:`balance` needs
``(l+1)``-th roots: for exact entries it computes in **mpmath at the current precision** and
returns an mpmath model; :func:`balanced_moduli_squared` gives the exact certificate instead.
Float models are balanced in the log domain (every balanced entry is ``phase ·
exp(log|entry| + potential difference)``), so a model succeeds whenever its balanced norm is a
float64, even if ``W`` or the gauge scales are not. The optimizer
(:func:`optimize_realization`) and Algorithm A + B run in float64.

Exact decisions: every equality of exact numbers is decided by :func:`is_zero_in_kind`
through :func:`theory.numbers.is_exact_zero` (a canonical form for Gaussian rationals, the
minimal polynomial otherwise), never by ``sympy.expand(x) == 0``, which calls the radical
zero ``(-2+2i)^{1/3} - (1+i)`` nonzero.

Self-checks: :func:`balance` and :func:`small_norm_deep` check their result a posteriori
(kernel kept, or the target's kernel; norm ``W^{1/(l+1)}``) within ``tolerance(kind, l+1)``
and raise :class:`SelfCheckError` instead of returning a wrong model. :func:`small_norm_deep`
runs the cheap constructions (the forest included) first and Algorithm A and the optimizer
only within its time budget (:data:`DEFAULT_TIME_BUDGET`).
"""

from __future__ import annotations

import cmath
import itertools
import math
import numbers
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import scipy  # scipy.optimize loads on first use (scipy's lazy submodules)
import sympy

from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import (
    InvalidParameterError,
    NumberKind,
    abs_squared,
    convert,
    exact_equal,
    is_exact_zero,
    is_finite,
    kind_of,
    tolerance,
)
from theory.validation import check_instance, check_int, check_real, fail

__all__ = [
    "CONSTRUCTIONS",
    "DEFAULT_TIME_BUDGET",
    "SelfCheckError",
    "ForestLayout",
    "max_path_weight",
    "log_max_path_weight",
    "prune",
    "balancing_scales",
    "gauge_transform",
    "balance",
    "balanced_moduli_squared",
    "gauge_lp_log_norm",
    "target_parts",
    "shallow_norm",
    "shallow_norm_squared",
    "norm_ratio",
    "forest_constant",
    "kernel_agreement",
    "is_zero_in_kind",
    "width_one_deep",
    "norm_aware_two_by_two",
    "monotone_layout",
    "forest_layouts",
    "forest_betas",
    "forest_deep",
    "best_forest_deep",
    "algorithm_a_best_split",
    "optimize_realization",
    "small_norm_deep",
    "small_norm_deep_report",
]


class SelfCheckError(ArithmeticError):
    """A result failed its a-posteriori check (kernel or norm off beyond the working precision);
    the function refuses it rather than return a wrong model."""


#: Seconds :func:`small_norm_deep` may spend; Algorithm A and the optimizer run only while
#: time remains (the cheap constructions, the forest included, always run).
DEFAULT_TIME_BUDGET = 60.0

#: Least admissible value of each integer parameter of the module.
_INT_MINIMUM = {"depth": 1, "width": 1, "max_splits": 1, "max_layouts": 1, "max_iter": 1,
                "newton_steps": 0}


def _check(name: str, value: Any) -> Any:
    """The module's validation choke point: check the parameter ``name`` and return it
    normalized (ints as ``int``, the time budget as ``float``, ``constructions`` as a tuple,
    ``poles``/``residues`` as a one-dimensional array in their own number kind).

    Raises
    ------
    InvalidParameterError
        Naming the parameter and the bad value (:mod:`theory.validation`).
    """
    if name in _INT_MINIMUM:
        return check_int(value, name, _INT_MINIMUM[name])
    if name in ("deep", "start"):
        return check_instance(value, name, DeepSSM)
    if name == "shallow":
        return check_instance(value, name, ShallowSSM, "a ShallowSSM target")
    if name == "layout":
        return check_instance(value, name, ForestLayout)
    if name == "kind":
        return check_instance(value, name, NumberKind)
    if name == "exact":
        return check_instance(value, name, (bool, np.bool_), "a bool")
    if name == "time_budget":
        return check_real(value, name, minimum=0, strict=True, expected="finite seconds > 0")
    if name == "constructions":
        return _check_constructions(value)
    if name in ("poles", "residues"):
        try:
            arr = np.asarray(value)
        except ValueError:  # ragged
            fail(name, "a one-dimensional array of finite numbers", value)
        if arr.ndim != 1 or not all(_is_finite_number(v) for v in arr):
            fail(name, "a one-dimensional array of finite numbers", value)
        return arr
    raise InvalidParameterError(f"{name}: unknown parameter")  # pragma: no cover


def _check_constructions(value: Any) -> tuple[str, ...]:
    """``value`` (one name or a sequence of names from :data:`CONSTRUCTIONS`) as a tuple."""
    try:
        names = (value,) if isinstance(value, str) else tuple(value)
    except TypeError:  # not iterable
        names = ()
    if not names or any(c not in CONSTRUCTIONS for c in names):
        fail("constructions", f"names from {CONSTRUCTIONS}", value)
    return names


def _is_finite_number(x: Any) -> bool:
    """``x`` is one finite (real or complex) number of some kind: a Python, numpy, mpmath or
    sympy number (a sympy expression without symbols); not a bool or a string."""
    if isinstance(x, (bool, np.bool_, str, bytes)) or np.ndim(x) != 0:
        return False
    if isinstance(x, sympy.Basic):
        return isinstance(x, sympy.Expr) and x.is_number and \
            not x.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return bool(mpmath.isfinite(x))
    if isinstance(x, numbers.Rational):  # ints and fractions of any size
        return True
    try:
        return cmath.isfinite(complex(x))
    except (TypeError, ValueError, OverflowError):
        return False


def _check_deep(deep: Any) -> None:
    _check("deep", deep)


def _check_shape(depth: Any, width: Any) -> tuple[int, int]:
    return _check("depth", depth), _check("width", width)


def is_zero_in_kind(x: Any, kind: NumberKind) -> bool:
    """``x == 0`` for a number of ``kind``, decided exactly for exact numbers.

    Exact numbers are decided by :func:`theory.numbers.is_exact_zero` (canonical form for
    Gaussian rationals, minimal polynomial otherwise; never by ``sympy.expand(x) == 0``,
    which calls radical zeros such as ``(-2+2i)^{1/3} - (1+i)`` nonzero).

    Raises
    ------
    InvalidParameterError
        If ``kind`` is not a :class:`~theory.numbers.NumberKind`, or ``x`` is not one finite
        number (NaN, an infinity, a string, a bool or an array).
    """
    kind = _check("kind", kind)
    if not _is_finite_number(x):
        fail("x", f"a finite {kind.value} number", x)
    return _is_zero(x, kind)


def _is_zero(x: Any, kind: NumberKind) -> bool:
    """:func:`is_zero_in_kind` without the argument checks (the module's inner loops)."""
    return is_exact_zero(x) if kind is NumberKind.EXACT else bool(x == 0)


def _greater(a: Any, b: Any, kind: NumberKind) -> bool:
    """``a > b`` for real numbers of ``kind``; exact numbers are first decided unequal by
    :func:`is_zero_in_kind`, so sympy's numerical comparison never meets a tie."""
    if kind is NumberKind.EXACT:
        d = sympy.sympify(a) - sympy.sympify(b)
        if _is_zero(d, kind):
            return False
        value = sympy.re(d.evalf(30))  # d != 0 exactly, so its sign is that of a close value
        if value == 0:
            raise ArithmeticError(f"cannot resolve the sign of the nonzero number {d}")
        return bool(value > 0)
    return bool(a > b)


# ============================================================================ path weights
def _score(x: Any, kind: NumberKind) -> Any:
    """Path-weight score of one entry: ``|x|²`` (exact), ``|x|`` (mpmath), ``log|x|`` (float)."""
    if kind is NumberKind.EXACT:
        return abs_squared(sympy.expand(x))
    if kind is NumberKind.MPMATH:
        return mpmath.fabs(x)
    z = complex(x)
    big = max(abs(z.real), abs(z.imag))  # log|z| without overflow for huge entries
    return math.log(big) + math.log(abs(z / big)) if big > 0 else -math.inf


def _mul(a: Any, b: Any, kind: NumberKind) -> Any:
    return a + b if kind is NumberKind.FLOAT else a * b


def _null(kind: NumberKind) -> Any:
    return -math.inf if kind is NumberKind.FLOAT else 0


def _best(values: Sequence[Any], kind: NumberKind) -> Any:
    best = _null(kind)
    for v in values:
        if _greater(v, best, kind):
            best = v
    return best


def _dp(deep: DeepSSM) -> tuple[list[list[Any]], list[list[Any]], Any]:
    """Forward prefix scores ``f``, backward suffix scores ``g`` and the best path score.

    ``f[k][i]``: best score of ``(B_1)_{i_1} ⋯ (B_{k+1})_{i, i_k}`` over prefixes ending at node
    ``(k, i)``; ``g[k][i]``: best score of the suffix from node ``(k, i)`` to the output
    (including ``C``). Scores are in the representation of :func:`_score`.
    """
    kind, L, m = deep.kind, deep.depth, deep.width
    sB = [[[_score(x, kind) for x in row] for row in (b if b.ndim == 2 else b.reshape(-1, 1))]
          for b in deep.B]
    sC = [_score(x, kind) for x in deep.C]
    f = [[sB[0][i][0] for i in range(m)]]
    for k in range(1, L):
        f.append([_best([_mul(sB[k][i][j], f[k - 1][j], kind) for j in range(m)], kind)
                  for i in range(m)])
    g = [list(sC)]
    for k in range(L - 1, 0, -1):
        nxt = g[0]
        g.insert(0, [_best([_mul(sB[k][i][j], nxt[i], kind) for i in range(m)], kind)
                     for j in range(m)])
    best = _best([_mul(f[L - 1][i], sC[i], kind) for i in range(m)], kind)
    return f, g, best


def max_path_weight(deep: DeepSSM) -> Any:
    """``W = max_π |ω_π|`` by max-product dynamic programming over the layers (no enumeration).

    Exact entries are compared through their squared moduli, so the maximum is exact (returned
    as ``sqrt`` of a sympy number); mpmath entries at the working precision; float entries in
    the log domain, so extreme entries never overflow inside the computation.

    Raises
    ------
    OverflowError
        For a float model whose ``W`` itself exceeds the float64 range (the message gives
        ``log W``); :func:`log_max_path_weight` returns ``log W`` for every model.
    """
    _check_deep(deep)
    _, _, best = _dp(deep)
    if deep.kind is NumberKind.EXACT:
        return sympy.sqrt(best)
    if deep.kind is NumberKind.MPMATH:
        return best
    if best > _LOG_FLOAT_MAX:
        raise OverflowError(
            f"max_path_weight: W = exp({best:.17g}) exceeds the float64 range; use "
            "log_max_path_weight"
        )
    return math.exp(best)


#: ``log`` of the largest float64.
_LOG_FLOAT_MAX = math.log(np.finfo(float).max)


def log_max_path_weight(deep: DeepSSM) -> float:
    """``log W`` (natural log, float; ``-inf`` when every path weight is 0) for every kind.

    Float models never overflow here: the dynamic program of :func:`max_path_weight` runs on
    ``log |entry|``.
    """
    _check_deep(deep)
    _, _, best = _dp(deep)
    if deep.kind is NumberKind.FLOAT:
        return float(best)
    return _log_of(best) / (2 if deep.kind is NumberKind.EXACT else 1)


def _alive(f: list[list[Any]], g: list[list[Any]], kind: NumberKind) -> list[list[bool]]:
    """Node ``(k, i)`` lies on an input→output path of nonzero weight."""
    def live(x: Any) -> bool:
        return x != -math.inf if kind is NumberKind.FLOAT else not _is_zero(x, kind)

    return [[live(fi) and live(gi) for fi, gi in zip(fr, gr)] for fr, gr in zip(f, g)]


def prune(deep: DeepSSM) -> DeepSSM:
    """Zero every entry touching a node that lies on no nonzero input→output path.

    Such entries belong only to paths of weight 0, so the kernel is unchanged (Lemma 3.1 as a
    sum over paths).
    """
    _check_deep(deep)
    f, g, _ = _dp(deep)
    alive = _alive(f, g, deep.kind)
    zero = sympy.Integer(0) if deep.kind is NumberKind.EXACT else 0
    B = [b.copy() for b in deep.B]
    C = deep.C.copy()
    for i in range(deep.width):
        if not alive[0][i]:
            B[0][i] = zero
        if not alive[-1][i]:
            C[i] = zero
    for k in range(1, deep.depth):
        for i in range(deep.width):
            for j in range(deep.width):
                if not (alive[k][i] and alive[k - 1][j]):
                    B[k][i, j] = zero
    return DeepSSM(deep.eigenvalues.copy(), B, C)


def _working_model(deep: DeepSSM) -> DeepSSM:
    """Exact models are balanced in mpmath at the current precision (roots are not rational)."""
    return deep.to_kind(NumberKind.MPMATH) if deep.kind is NumberKind.EXACT else deep


def _log_potentials(model: DeepSSM) -> tuple[list[np.ndarray], float]:
    """``(x, log W)`` for a float model: ``x[k][i] = log D_{k+1}[i] = (k+1) log W/(l+1) -
    log f_{k+1}[i]`` on live nodes and 0 on dead ones (all in the log domain)."""
    f, g, best = _dp(model)
    alive = _alive(f, g, NumberKind.FLOAT)
    t = best / (model.depth + 1) if best != -math.inf else 0.0
    x = [np.array([(k + 1) * t - f[k][i] if alive[k][i] else 0.0 for i in range(model.width)])
         for k in range(model.depth)]
    return x, float(best)


def balancing_scales(deep: DeepSSM) -> list[np.ndarray]:
    """The gauge ``D_1..D_l`` of Algorithm B: ``D_k[i] = W^{k/(l+1)} / f_k[i]``.

    ``f_k[i]`` is the largest modulus of a path prefix ending at node ``(k, i)``; in the spec's
    notation ``D_k[i] = e^{-φ_{k,i}}`` with the forward potentials ``φ``. Nodes on no nonzero
    path get scale 1 (their entries are removed by :func:`prune`). Exact models are handled in
    mpmath at the current precision.

    Raises
    ------
    OverflowError
        For a float model whose scales leave the float64 range (the balanced model may still
        be representable: :func:`balance` works in the log domain and does not need them).
    """
    _check_deep(deep)
    model = _working_model(deep)
    L = model.depth
    if model.kind is NumberKind.FLOAT:
        x, _ = _log_potentials(model)
        if any(np.any(np.abs(row) > _LOG_FLOAT_MAX) for row in x):
            raise OverflowError("balancing_scales: a gauge scale exceeds the float64 range; "
                                "balance() works in the log domain")
        return [np.exp(row) for row in x]
    f, g, best = _dp(model)
    alive = _alive(f, g, model.kind)
    scales = []
    for k in range(L):
        root = best ** (mpmath.mpf(k + 1) / (L + 1)) if best != 0 else mpmath.mpf(1)
        scales.append(np.array([root / f[k][i] if alive[k][i] else mpmath.mpf(1)
                                for i in range(model.width)], dtype=object))
    return scales


def _phase_and_log(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(a/|a|, log|a|)`` of nonzero float entries, without overflow for huge entries."""
    a = np.asarray(a)
    if np.iscomplexobj(a):  # by parts: complex division by a subnormal ``big`` overflows
        big = np.maximum(np.abs(a.real), np.abs(a.imag))
        u = a.real / big + 1j * (a.imag / big)
    else:
        big = np.abs(a)
        u = a / big
    h = np.abs(u)
    return u / h, np.log(big) + np.log(h)


def _shifted(a: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``a · exp(shift)`` entrywise, computed as ``phase · exp(log|a| + shift)``."""
    out = np.zeros_like(a)
    nz = a != 0
    if np.any(nz):
        phase, log_abs = _phase_and_log(a[nz])
        out[nz] = phase * np.exp(log_abs + np.broadcast_to(shift, a.shape)[nz])
    return out


def _balance_float(model: DeepSSM) -> tuple[DeepSSM, float]:
    """Algorithm B on a pruned float model in the log domain: ``(balanced, log W)``."""
    x, log_w = _log_potentials(model)
    if log_w / (model.depth + 1) > _LOG_FLOAT_MAX:
        raise OverflowError(f"balance: the balanced norm W^(1/(l+1)) = "
                            f"exp({log_w / (model.depth + 1):.17g}) exceeds the float64 range")
    B = [_shifted(model.B[0], x[0])]
    for k in range(1, model.depth):
        B.append(_shifted(model.B[k], x[k][:, None] - x[k - 1][None, :]))
    return DeepSSM(model.eigenvalues.copy(), B, _shifted(model.C, -x[-1])), log_w


def _kernel_gap(a: DeepSSM, b: DeepSSM) -> float:
    """``max_s |ρ_a(s) - ρ_b(s)| / scale(s)`` over ``2lm + 1`` terms, ``scale`` the kernel of
    the entrywise-absolute ``a``: the relative error of a gauge (which keeps every path
    weight). Float kernels that overflow or pass through subnormal numbers (which carry no
    relative accuracy), and entries whose modulus overflows, are recomputed in mpmath (no range
    limit)."""
    T = 2 * a.depth * a.width + 1
    kind = b.kind

    def parts(kind: NumberKind) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = a.to_kind(kind) if a.kind is not kind else a
        y = b.to_kind(kind) if b.kind is not kind else b
        fabs = np.abs if kind is NumberKind.FLOAT else np.vectorize(mpmath.fabs, otypes=[object])
        absolute = DeepSSM(fabs(x.eigenvalues), [fabs(m) for m in x.B], fabs(x.C))
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: redone in mpmath
            return (x.kernel(T, method="recurrence"), y.kernel(T, method="recurrence"),
                    absolute.kernel(T, method="recurrence"))

    float_range = np.finfo(float)
    if kind is NumberKind.FLOAT:
        moduli = [np.abs(m) for model in (a, b) for m in (model.eigenvalues, *model.B, model.C)]
        if any(np.any(~(m <= float_range.max) | ((m != 0) & (m < float_range.tiny)))
               for m in moduli):
            kind = NumberKind.MPMATH  # a modulus overflows, or an entry is subnormal
    ka, kb, scale = parts(kind)
    if kind is NumberKind.FLOAT and not (
            np.all(np.isfinite(ka)) and np.all(np.isfinite(kb)) and np.all(np.isfinite(scale))
            and not np.any((scale != 0) & (np.abs(scale) < float_range.tiny))):
        ka, kb, scale = parts(NumberKind.MPMATH)
    gap = 0.0
    for x, y, sc in zip(ka, kb, scale):
        d = abs(x - y)
        if sc == 0:
            if d != 0:
                return math.inf
            continue
        gap = max(gap, float(d / abs(sc)))
    return gap


def _log_norm_and_weight(model: DeepSSM) -> tuple[Any, Any]:
    """``(log ‖θ‖, log W)`` of a float or mpmath model in its own precision (float64, or
    mpmath at the working precision), ``-inf`` for zero."""
    norm = model.norm()
    if model.kind is NumberKind.FLOAT:
        return (math.log(norm) if norm > 0 else -math.inf), log_max_path_weight(model)
    W = _dp(model)[2]
    return (mpmath.log(norm) if norm > 0 else mpmath.ninf,
            mpmath.log(W) if W > 0 else mpmath.ninf)


def _balanced_gap(log_norm: Any, log_w: Any, depth: int) -> Any:
    """``|log ‖θ‖ - log W / (l+1)|`` (about the relative error of a balanced norm); 0 when both
    vanish, ``inf`` when only one does."""
    if log_w == -math.inf or log_norm == -math.inf:
        return 0.0 if log_w == log_norm else math.inf
    return abs(log_norm - log_w / (depth + 1))


def _self_check_balanced(original: DeepSSM, balanced: DeepSSM, log_w: float) -> DeepSSM:
    """A-posteriori check of Algorithm B: ``log ‖θ‖ = log W / (l+1)`` and the kernel kept,
    both within ``tolerance(kind, l + 1)`` (relative)."""
    tol = tolerance(balanced.kind, balanced.depth + 1)
    log_norm, _ = _log_norm_and_weight(balanced)
    if not _balanced_gap(log_norm, log_w, balanced.depth) <= tol:
        raise SelfCheckError(f"balance: log norm {float(log_norm):.17g} differs from "
                             f"log W/(l+1) = {float(log_w) / (balanced.depth + 1):.17g} "
                             f"beyond {float(tol):.3g}")
    tol = float(tol)
    gap = _kernel_gap(original, balanced)
    if not gap <= tol:
        raise SelfCheckError(f"balance: the kernel changed by {gap:.3g} (relative), beyond "
                             f"the tolerance {tol:.3g}")
    return balanced


def gauge_transform(deep: DeepSSM, scales: Sequence[Any]) -> DeepSSM:
    """Apply the diagonal gauge ``(D_1 B_1, D_k B_k D_{k-1}^{-1}, D_l^{-1} C)``.

    Parameters
    ----------
    deep
        The model.
    scales
        ``l`` sequences of ``m`` nonzero numbers, the diagonals of ``D_1..D_l``.

    Raises
    ------
    InvalidParameterError
        On a wrong number or shape of scales, or a zero scale (the gauge must be invertible).
    """
    _check_deep(deep)
    if len(scales) != deep.depth:
        raise InvalidParameterError(
            f"scales: expected {deep.depth} diagonals (one per layer), got {len(scales)}"
        )
    kind = deep.kind
    D = []
    for k, s in enumerate(scales):
        arr = np.asarray(s, dtype=object if kind is not NumberKind.FLOAT else None)
        if arr.shape != (deep.width,):
            raise InvalidParameterError(
                f"scales[{k}]: expected shape ({deep.width},), got {arr.shape}"
            )
        if not is_finite(arr):
            raise InvalidParameterError(f"scales[{k}]: entries must be finite (no NaN or inf)")
        if any(_is_zero(x, kind) for x in arr.flat):
            raise InvalidParameterError(f"scales[{k}]: gauge scales must be nonzero")
        D.append(arr)
    B = [D[0] * deep.B[0]]
    for k in range(1, deep.depth):
        B.append(D[k].reshape(-1, 1) * deep.B[k] / D[k - 1].reshape(1, -1))
    C = deep.C / D[-1]
    return DeepSSM(deep.eigenvalues.copy(), B, C)


def balance(deep: DeepSSM) -> DeepSSM:
    """Algorithm B: the gauge-equivalent model of least max-modulus norm, ``W^{1/(l+1)}``.

    Prunes dead nodes, then applies :func:`balancing_scales`. Same eigenvalues and same kernel.
    Exact models are balanced in mpmath at the current precision (the result is an mpmath
    model); float models in float64, in the log domain (``phase · exp(log|entry| + Δ
    potential)``), so every model whose balanced norm is a float64 succeeds even when ``W``
    or the gauge scales are not.

    Raises
    ------
    SelfCheckError
        If the result fails the a-posteriori check: norm ``≠ W^{1/(l+1)}`` or kernel changed,
        beyond ``tolerance(kind, l + 1)`` (relative; :func:`theory.numbers.tolerance`).
    OverflowError
        If the balanced norm ``W^{1/(l+1)}`` itself exceeds the float64 range.
    """
    _check_deep(deep)
    working = _working_model(deep)
    model = prune(working)
    if model.kind is NumberKind.FLOAT:
        balanced, log_w = _balance_float(model)
    else:
        balanced = gauge_transform(model, balancing_scales(model))
        log_w = _log_norm_and_weight(model)[1]
    return _self_check_balanced(working, balanced, log_w)


def balanced_moduli_squared(deep: DeepSSM) -> list[np.ndarray]:
    """Exact certificate of Algorithm B for an exact model.

    Returns the squared moduli of the balanced entries divided by ``W^{2/(l+1)}``, i.e.
    ``|B_1[i]|²/f_1[i]²``, ``|B_k[i,j]|² f_{k-1}[j]² / f_k[i]²`` and ``|C_i|² f_l[i]² / W²``
    (squared moduli ``f²`` are exact), as arrays ``[B_1 (m,), B_2 .. B_l (m, m), C (m,)]``.
    Algorithm B is correct on the instance iff every value is ``≤ 1`` (dead entries are 0) and
    the entries of a maximal path are all equal to 1.

    Raises
    ------
    InvalidParameterError
        If the model is not exact.
    """
    _check_deep(deep)
    if deep.kind is not NumberKind.EXACT:
        raise InvalidParameterError("deep: balanced_moduli_squared needs an exact model")
    model = prune(deep)
    f, g, best = _dp(model)
    alive = _alive(f, g, NumberKind.EXACT)
    L, m = model.depth, model.width

    def ratio(num: Any, den: Any) -> Any:
        return sympy.radsimp(num / den) if not _is_zero(den, NumberKind.EXACT) \
            else sympy.Integer(0)

    out = [np.array([ratio(_score(model.B[0][i], deep.kind), f[0][i]) if alive[0][i]
                     else sympy.Integer(0) for i in range(m)], dtype=object)]
    for k in range(1, L):
        mat = np.empty((m, m), dtype=object)
        for i in range(m):
            for j in range(m):
                ok = alive[k][i] and alive[k - 1][j]
                mat[i, j] = ratio(_score(model.B[k][i, j], deep.kind) * f[k - 1][j], f[k][i]) \
                    if ok else sympy.Integer(0)
        out.append(mat)
    out.append(np.array([ratio(_score(model.C[i], deep.kind) * f[L - 1][i], best)
                         if alive[L - 1][i] else sympy.Integer(0) for i in range(m)],
                        dtype=object))
    return out


#: Feasibility tolerance handed to the LP solver in :func:`gauge_lp_log_norm`.
LP_TOLERANCE = 1e-10


def gauge_lp_log_norm(deep: DeepSSM) -> float:
    """``min`` over gauges of ``log ‖θ‖`` as a linear program in the log-scales (an independent
    check of Algorithm B).

    Variables ``x_{k,i} = log D_k[i]`` and ``t``; minimise ``t`` subject to, for every nonzero
    entry, ``log|B_1[i]| + x_{1,i} ≤ t``, ``log|B_k[i,j]| + x_{k,i} - x_{k-1,j} ≤ t`` and
    ``log|C_i| - x_{l,i} ≤ t``. Solved by HiGHS with feasibility tolerances
    :data:`LP_TOLERANCE`. Returns ``-inf`` when no input→output path has nonzero weight.
    """
    _check_deep(deep)
    model = deep.to_kind(NumberKind.FLOAT) if deep.kind is not NumberKind.FLOAT else deep
    L, m = model.depth, model.width
    nvar = L * m + 1

    def var(k: int, i: int) -> int:
        return k * m + i

    rows, rhs = [], []

    def add(coeffs: dict[int, float], entry: complex) -> None:
        a = abs(complex(entry))
        if a == 0:
            return
        row = np.zeros(nvar)
        for idx, c in coeffs.items():
            row[idx] += c
        row[-1] = -1.0
        rows.append(row)
        rhs.append(-math.log(a))

    for i in range(m):
        add({var(0, i): 1.0}, model.B[0][i])
        add({var(L - 1, i): -1.0}, model.C[i])
    for k in range(1, L):
        for i in range(m):
            for j in range(m):
                add({var(k, i): 1.0, var(k - 1, j): -1.0}, model.B[k][i, j])
    if max_path_weight(model) == 0:
        return -math.inf
    cost = np.zeros(nvar)
    cost[-1] = 1.0
    res = scipy.optimize.linprog(
        cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=[(None, None)] * nvar,
        method="highs", options={"primal_feasibility_tolerance": LP_TOLERANCE,
                                 "dual_feasibility_tolerance": LP_TOLERANCE})
    if res.status != 0:
        raise ArithmeticError(f"gauge LP did not solve: {res.message}")
    return float(res.fun)


# ============================================================================ targets
def target_parts(shallow: Any) -> tuple[np.ndarray, np.ndarray, NumberKind]:
    """``(poles, residues, kind)`` of a shallow target, checking that the poles are distinct.

    Raises
    ------
    InvalidParameterError
        If ``shallow`` is not a :class:`~theory.linear.ShallowSSM` or has a repeated pole.
    """
    _check("shallow", shallow)
    poles, res = shallow.poles, shallow.residues
    n = poles.shape[0]
    for i in range(n):
        for j in range(i):
            if _is_zero(poles[i] - poles[j], shallow.kind):
                raise InvalidParameterError(
                    f"shallow: poles must be distinct (poles {j} and {i} are equal); merge "
                    "their residues first"
                )
    return poles, res, shallow.kind


def shallow_norm(shallow: ShallowSSM) -> Any:
    """``c_1 = max_i |r_i|^{1/2}``, the least norm of a shallow realization (distinct poles).

    Exact for exact targets (a sympy number), mpmath or float otherwise.
    """
    _, res, kind = target_parts(shallow)
    if kind is NumberKind.EXACT:
        return sympy.root(max((abs_squared(r) for r in res), key=lambda x: x), 4)
    if kind is NumberKind.MPMATH:
        return mpmath.sqrt(max(mpmath.fabs(r) for r in res))
    return math.sqrt(float(np.max(np.abs(res))))


def norm_ratio(deep: DeepSSM, shallow: ShallowSSM) -> float:
    """``c_2 / c_1^{2/(l+1)}`` with ``c_2`` the balanced norm ``W^{1/(l+1)}`` of ``deep``.

    Computed as ``(W / c_1²)^{1/(l+1)}`` in float from the exact or high-precision ``W`` and
    ``c_1²`` (Theorem 4.2 claims ``≤ 2``). ``nan`` for a zero target.
    """
    log_c1sq = _log_of(shallow_norm_squared(shallow))
    if log_c1sq == -math.inf:
        return math.nan
    return math.exp((log_max_path_weight(deep) - log_c1sq) / (deep.depth + 1))


def forest_constant(depth: int, exact: bool = False) -> Any:
    """The Newton forest's constant ``2^{(l-1)/(l+1)}`` of Theorem 4.2 (module docstring):
    its balanced norm is ``≤ forest_constant(l) · c_1^{2/(l+1)}``; a sympy number if
    ``exact``. Reached at ``l = 2`` (``λ_root = -λ_child``), approached for larger ``l``."""
    depth, exact = _check("depth", depth), _check("exact", exact)
    if exact:
        return sympy.Integer(2) ** sympy.Rational(depth - 1, depth + 1)
    return 2.0 ** ((depth - 1) / (depth + 1))


def _log_of(x: Any) -> float:
    """``log x`` as a float for a non-negative real number of any kind (``-inf`` at 0);
    exact numbers are evaluated in mpmath at the working precision (no float64 range limit)."""
    if isinstance(x, sympy.Basic):
        x = mpmath.mpf(str(sympy.N(x, mpmath.mp.dps + 5)))
    if isinstance(x, mpmath.mpf):
        return float(mpmath.log(x)) if x > 0 else -math.inf
    return math.log(x) if x > 0 else -math.inf


def shallow_norm_squared(shallow: ShallowSSM) -> Any:
    """``c_1² = max_i |r_i|`` in the target's kind (exact: ``sqrt`` of a rational)."""
    _, res, kind = target_parts(shallow)
    if kind is NumberKind.EXACT:
        return sympy.sqrt(max((abs_squared(r) for r in res), key=lambda x: x))
    if kind is NumberKind.MPMATH:
        return max(mpmath.fabs(r) for r in res)
    return float(np.max(np.abs(res)))


def kernel_agreement(deep: DeepSSM, shallow: ShallowSSM) -> tuple[float, float]:
    """``(error, tolerance)`` of ``deep`` realizing the kernel of ``shallow``.

    Compares ``T = 2(lm + n) + 1`` terms: both generating functions are rational with
    denominators of degree ``≤ lm`` and ``≤ n``, so exact agreement on ``T`` terms is equality
    for every ``s``. The error is ``max_s |ρ_deep(s) - ρ(s)| / scale(s)``, ``scale`` the sum of
    the kernels of the entrywise-absolute models (which bounds every term of both sums); the
    tolerance is :func:`theory.numbers.tolerance` of the coarser of the two kinds (0 if both
    are exact).
    """
    _check_deep(deep)
    _check("shallow", shallow)
    T = 2 * (deep.depth * deep.width + shallow.width) + 1
    kinds = {deep.kind, shallow.kind}
    if kinds == {NumberKind.EXACT}:
        a, b = deep.kernel(T, method="recurrence"), shallow.kernel(T)
        bad = any(not exact_equal(x, y) for x, y in zip(a, b))
        return (math.inf if bad else 0.0), 0.0
    kind = NumberKind.FLOAT if NumberKind.FLOAT in kinds else NumberKind.MPMATH
    a = convert(deep.kernel(T, method="recurrence"), kind)
    b = convert(shallow.kernel(T), kind)
    fabs = (lambda z: np.abs(z)) if kind is NumberKind.FLOAT else \
        np.vectorize(mpmath.fabs, otypes=[object])
    absolute = DeepSSM(fabs(convert(deep.eigenvalues, kind)),
                       [fabs(convert(x, kind)) for x in deep.B], fabs(convert(deep.C, kind)))
    sh_abs = ShallowSSM(fabs(convert(shallow.poles, kind)),
                        fabs(convert(shallow.residues, kind)), np.ones(shallow.width, dtype=int))
    scale = np.asarray(absolute.kernel(T, method="recurrence"), dtype=object) + \
        np.asarray(sh_abs.kernel(T), dtype=object)
    err = 0.0
    for x, y, s in zip(a, b, scale):
        d = abs(x - y)
        if s == 0:
            if d != 0:
                return math.inf, float(tolerance(kind))
            continue
        err = max(err, float(d / s))
    return err, float(tolerance(kind))


def _matches(deep: DeepSSM, shallow: ShallowSSM) -> bool:
    err, tol = kernel_agreement(deep, shallow)
    return err <= tol


# ============================================================================ constructions
def _root(x: Any, q: int, kind: NumberKind) -> Any:
    if kind is NumberKind.EXACT:
        return sympy.root(x, q)
    if kind is NumberKind.MPMATH:
        return mpmath.root(x, q)
    z = complex(x) ** (1.0 / q)  # principal root
    return z.real if z.imag == 0 else z


def width_one_deep(shallow: ShallowSSM, depth: int) -> DeepSSM:
    """The tight width-one realization of a one-pole target ``r λ^s``.

    ``A_1 = λ``, ``A_k = 0`` for ``k ≥ 2``, and ``B_1 = B_k = C = r^{1/(l+1)}`` (principal root):
    the single path has weight ``r``, so the norm is ``|r|^{1/(l+1)} = c_1^{2/(l+1)}``. Optimal
    among width-one realizations: a width-one model has one path, its weight must be ``r``
    (the residue at ``λ``, since exactly one layer carries ``λ`` and the others 0), and a product
    of ``l + 1`` entries of modulus ``≤ c`` equal to ``r`` forces ``c ≥ |r|^{1/(l+1)}``.
    """
    poles, res, kind = target_parts(shallow)
    depth, _ = _check_shape(depth, 1)
    if poles.shape[0] != 1:
        raise InvalidParameterError(
            f"shallow: width_one_deep needs a one-pole target, got {poles.shape[0]} poles"
        )
    a = _root(res[0], depth + 1, kind)
    zero = sympy.Integer(0) if kind is NumberKind.EXACT else 0
    lam = [[poles[0]]] + [[zero] for _ in range(depth - 1)]
    return DeepSSM(lam, [[a]] + [[[a]] for _ in range(depth - 1)], [a])


def _modulus_key(x: Any, kind: NumberKind) -> Any:
    return abs_squared(sympy.sympify(x)) if kind is NumberKind.EXACT else abs(complex(x))


def norm_aware_two_by_two(shallow: ShallowSSM) -> DeepSSM:
    """The spec's norm-aware ``l = m = 2`` realization of a three-pole target.

    Poles ordered so that ``|λ_a|, |λ_b| ≤ |λ_3|``: layer 1 ``diag(λ_a, λ_b)``, ``B_1 = (1, 1)``;
    layer 2 ``diag(λ_3, 0)``; ``C = (1, 1)``;
    ``B_2 = [[r_3 (λ_3 - λ_a)/λ_3, 0], [r_a + r_3 λ_a/λ_3, r_b]]``. Path weights
    ``|r_3 (1 - λ_a/λ_3)| ≤ 2|r_3|``, ``|r_a + r_3 λ_a/λ_3| ≤ |r_a| + |r_3|``, ``|r_b|``, so the
    balanced norm is at most ``(2 c_1²)^{1/3}``. Of the two choices of ``a`` among the two
    smaller poles, the one with the smaller maximal path weight is used (exact comparison for
    exact targets). Kind-preserving.
    """
    poles, res, kind = target_parts(shallow)
    if poles.shape[0] != 3:
        raise InvalidParameterError(
            f"shallow: the l = m = 2 construction needs exactly 3 poles, got {poles.shape[0]}"
        )
    order = sorted(range(3), key=lambda i: _modulus_key(poles[i], kind))
    top = order[2]
    lam3, r3 = poles[top], res[top]
    zero = sympy.Integer(0) if kind is NumberKind.EXACT else 0
    best, best_w = None, None
    for a, b in ((order[0], order[1]), (order[1], order[0])):
        B2 = [[r3 * (lam3 - poles[a]) / lam3, zero], [res[a] + r3 * poles[a] / lam3, res[b]]]
        deep = DeepSSM([[poles[a], poles[b]], [lam3, zero]], [[1, 1], B2], [1, 1])
        w = max_path_weight(deep)
        if best is None or _greater(best_w, w, kind):
            best, best_w = deep, w
    assert best is not None  # two candidates were built
    return best


@dataclass(frozen=True)
class ForestLayout:
    """A Newton forest: ``layers[k]`` lists the target pole indices placed in layer ``k + 1``
    (at most ``m`` in layer 1, ``m - 1`` in the others); ``parents`` maps each pole of a layer
    ``≥ 2`` to a pole of the layer below."""

    layers: tuple[tuple[int, ...], ...]
    parents: tuple[tuple[int, int], ...]

    def parent_map(self) -> dict[int, int]:
        """``parents`` as a dict child → parent."""
        return dict(self.parents)


def _validate_layout(layout: ForestLayout, poles: np.ndarray, depth: int, width: int,
                     kind: NumberKind) -> None:
    """``layout`` is a forest of the poles (:func:`_validate_forest`) with ``depth`` layers,
    at most ``width`` poles in layer 1 and ``width - 1`` in the others."""
    if len(layout.layers) != depth:
        raise InvalidParameterError(
            f"layout: expected {depth} layers, got {len(layout.layers)}"
        )
    for k, layer in enumerate(layout.layers):
        cap = width if k == 0 else width - 1
        if len(layer) > cap:
            raise InvalidParameterError(
                f"layout: layer {k + 1} holds {len(layer)} poles, at most {cap} fit"
            )
    _validate_forest(layout, poles, kind)


def _validate_forest(layout: ForestLayout, poles: np.ndarray, kind: NumberKind) -> None:
    """Every pole index appears once in ``layout``, each pole of a layer ``≥ 2`` has its parent
    in the layer below, poles of layer 1 have none, and no zero pole lies below a root."""
    n = poles.shape[0]
    used = [i for layer in layout.layers for i in layer]
    if sorted(used) != list(range(n)):
        raise InvalidParameterError(f"layout: every pole index 0..{n - 1} must appear exactly "
                                    f"once, got {sorted(used)}")
    parent = layout.parent_map()
    for k, layer in enumerate(layout.layers[1:], start=1):
        for v in layer:
            if parent.get(v) not in layout.layers[k - 1]:
                raise InvalidParameterError(
                    f"layout: pole {v} in layer {k + 1} needs a parent in layer {k}"
                )
    for v in used:
        if v in parent and _is_zero(poles[v], kind):
            raise InvalidParameterError(
                f"layout: the zero pole {v} must be a root (layer 1); below a root it would "
                "divide by zero"
            )
    for v in parent:
        if v not in used[len(layout.layers[0]):]:
            raise InvalidParameterError(f"layout: pole {v} of layer 1 cannot have a parent")


def monotone_layout(shallow: ShallowSSM, depth: int, width: int) -> ForestLayout:
    """The layout of the bound ``2^{l-1} c_1²``: poles sorted by modulus fill layer 1 (``m``
    smallest), then ``m - 1`` per layer; node ``j`` of layer ``k ≥ 2`` continues the chain of
    node ``j`` of layer ``k - 1`` (moduli never decrease along a chain)."""
    poles, _, kind = target_parts(shallow)
    depth, width = _check_shape(depth, width)
    _check_fits(poles.shape[0], depth, width)
    order = sorted(range(poles.shape[0]), key=lambda i: _modulus_key(poles[i], kind))
    layers: list[tuple[int, ...]] = []
    parents: list[tuple[int, int]] = []
    pos = 0
    for k in range(depth):
        cap = width if k == 0 else width - 1
        layer = tuple(order[pos:pos + cap])
        pos += len(layer)
        if k > 0:
            parents += [(v, layers[k - 1][j]) for j, v in enumerate(layer)]
        layers.append(layer)
    return ForestLayout(tuple(layers), tuple(parents))


def _check_fits(n: int, depth: int, width: int) -> None:
    cap = depth * (width - 1) + 1
    if n > cap:
        raise InvalidParameterError(
            f"shallow: {n} poles do not fit depth {depth} and width {width} (at most "
            f"l(m-1)+1 = {cap}; Theorem 4.1(iii))"
        )


def _splits(order: Sequence[int], caps: Sequence[int]) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Assignments of the poles to layers within the capacities, each layer non-empty only if
    the layer below is; the sorted fill comes first."""
    def rec(k: int, remaining: tuple[int, ...]) -> Iterator[list[tuple[int, ...]]]:
        if k == len(caps):
            if not remaining:
                yield []
            return
        later = sum(caps[k + 1:])
        lo = max(0, len(remaining) - later)
        for size in range(min(caps[k], len(remaining)), lo - 1, -1):
            if size == 0 and remaining:
                continue
            for chosen in itertools.combinations(remaining, size):
                rest = tuple(i for i in remaining if i not in chosen)
                for tail in rec(k + 1, rest):
                    yield [chosen, *tail]

    for split in rec(0, tuple(order)):
        yield tuple(split)


def forest_layouts(shallow: ShallowSSM, depth: int, width: int,
                   max_layouts: int = 400) -> Iterator[ForestLayout]:
    """Candidate Newton forests, the :func:`monotone_layout` first, at most ``max_layouts``.

    Enumerates every parent choice of the monotone split, then the other splits of the poles
    (sorted fills first) with every parent choice, until ``max_layouts`` are produced. Layouts
    that would put the zero pole below a root are skipped.
    """
    poles, _, kind = target_parts(shallow)
    depth, width = _check_shape(depth, width)
    _check_fits(poles.shape[0], depth, width)
    max_layouts = _check("max_layouts", max_layouts)
    order = sorted(range(poles.shape[0]), key=lambda i: _modulus_key(poles[i], kind))
    caps = [width] + [width - 1] * (depth - 1)
    produced = 0
    for split in _splits(order, caps):
        if any(_is_zero(poles[v], kind) for layer in split[1:] for v in layer):
            continue
        choices = [[(v, p) for p in split[k - 1]] for k in range(1, depth) for v in split[k]]
        # the chain continuation (node j reads node j) first
        for k_choice in _parent_maps(split, choices):
            yield ForestLayout(split, k_choice)
            produced += 1
            if produced >= max_layouts:
                return


def _parent_maps(split: tuple[tuple[int, ...], ...],
                 choices: list[list[tuple[int, int]]]) -> Iterator[tuple[tuple[int, int], ...]]:
    default = tuple((v, split[k - 1][j % len(split[k - 1])]) for k in range(1, len(split))
                    for j, v in enumerate(split[k]))
    yield default
    for combo in itertools.product(*choices):
        if tuple(combo) != default:
            yield tuple(combo)


def forest_betas(poles: np.ndarray, residues: np.ndarray, layout: ForestLayout) -> dict[int, Any]:
    """Newton coefficients ``β_v`` of a forest (see the module docstring), kind-preserving.

    ``β_v = Σ_{j ∈ subtree(v)} r_j (λ_v/λ_j) Π_{p ancestor of v} (1 - λ_p/λ_j)``.

    Raises
    ------
    InvalidParameterError
        If ``poles`` or ``residues`` is not a one-dimensional array of finite numbers, their
        lengths differ, or ``layout`` is not a forest of exactly these poles (each index once,
        parents in the layer below, no zero pole below a root).
    """
    poles, residues = _check("poles", poles), _check("residues", residues)
    if residues.shape != poles.shape:
        raise InvalidParameterError(f"poles, residues: expected one residue per pole, got "
                                    f"{poles.shape[0]} poles and {residues.shape[0]} residues")
    _validate_forest(_check("layout", layout), poles,
                     kind_of(poles, residues, names=("poles", "residues")))
    parent = layout.parent_map()
    nodes = [v for layer in layout.layers for v in layer]
    anc: dict[int, list[int]] = {}
    for v in nodes:
        chain, p = [], parent.get(v)
        while p is not None:
            chain.append(p)
            p = parent.get(p)
        anc[v] = chain
    beta = {}
    for v in nodes:
        total = 0
        for j in nodes:
            if j != v and v not in anc[j]:
                continue
            term = residues[j] if j == v else residues[j] * poles[v] / poles[j]
            for p in anc[v]:
                term = term * (1 - poles[p] / poles[j])
            total = total + term
        beta[v] = total
    return beta


def forest_deep(shallow: ShallowSSM, depth: int, width: int,
                layout: ForestLayout | None = None) -> DeepSSM:
    """The Newton-forest realization (module docstring), unbalanced, in the target's kind.

    Layer 1: the roots (coupling ``B_1 = 1``). Layer ``k ≥ 2``: node 0 is the sum node
    (eigenvalue 0), nodes ``1..m-1`` the poles of the layer. Couplings: 1 from parent to child,
    ``β_u`` from node ``u`` of layer ``k - 1`` to the sum node, 1 between consecutive sum nodes;
    ``C`` is 1 on the sum node and ``β_v`` on the poles of layer ``l``. Its path weights are the
    ``β_v`` (and zeros), so :func:`balance` gives the norm ``max_v |β_v|^{1/(l+1)}``.

    Raises
    ------
    InvalidParameterError
        If the target has more than ``l(m-1)+1`` poles, repeated poles, or the layout is
        invalid.
    """
    poles, res, kind = target_parts(shallow)
    depth, width = _check_shape(depth, width)
    _check_fits(poles.shape[0], depth, width)
    layout = monotone_layout(shallow, depth, width) if layout is None else \
        _check("layout", layout)
    _validate_layout(layout, poles, depth, width, kind)
    beta = forest_betas(poles, res, layout)
    zero = sympy.Integer(0) if kind is NumberKind.EXACT else 0
    one = sympy.Integer(1) if kind is NumberKind.EXACT else 1
    pos: dict[int, tuple[int, int]] = {}
    for k, layer in enumerate(layout.layers):
        for j, v in enumerate(layer):
            pos[v] = (k, j if k == 0 else j + 1)
    lam = [[zero] * width for _ in range(depth)]
    B = [[zero] * width] + [[[zero] * width for _ in range(width)] for _ in range(depth - 1)]
    C = [zero] * width
    for v, (k, i) in pos.items():
        lam[k][i] = poles[v]
        if k == 0:
            B[0][i] = one
        else:
            B[k][i][pos[layout.parent_map()[v]][1]] = one
        if k + 1 < depth:
            B[k + 1][0][i] = beta[v]
        else:
            C[i] = beta[v]
    for k in range(2, depth):
        B[k][0][0] = one
    if depth > 1:
        C[0] = one
    return DeepSSM(lam, B, C)


def _max_beta_float(poles: np.ndarray, res: np.ndarray, layout: ForestLayout) -> float:
    beta = forest_betas(poles, res, layout)
    return max(abs(complex(b)) for b in beta.values())


def best_forest_deep(shallow: ShallowSSM, depth: int, width: int,
                     max_layouts: int = 400) -> DeepSSM:
    """The forest of :func:`forest_layouts` with the least ``max_v |β_v|`` (scored in float),
    built in the target's kind. The monotone layout is always among the candidates, so the
    result obeys the bound ``max |β| ≤ 2^{l-1} c_1²``."""
    poles, res, _ = target_parts(shallow)
    pf, rf = convert(poles, NumberKind.FLOAT), convert(res, NumberKind.FLOAT)
    best, best_w = None, math.inf
    for layout in forest_layouts(shallow, depth, width, max_layouts):
        w = _max_beta_float(pf.astype(complex), rf.astype(complex), layout)
        if w < best_w:
            best, best_w = layout, w
    return forest_deep(shallow, depth, width, best)


# ============================================================================ Algorithm A + B
def _label_assignments(n: int, caps: Sequence[int],
                       max_full: int | None = None) -> Iterator[list[list[int]]]:
    """Assignments of items ``0..n-1`` to groups within capacities (all items used), in a
    deterministic order; with ``max_full``, at most that many groups are filled to capacity.

    Branches that cannot be completed are cut (items left ``>`` room left), so every branch
    yields and the time between two results is polynomial -- without the cut, a split with
    too little room explores the whole exponential tree before yielding nothing.
    """
    groups: list[list[int]] = [[] for _ in caps]
    tokens = len(caps) if max_full is None else max_full

    def room() -> int:
        open_ = [g for g, cap in enumerate(caps) if len(groups[g]) < cap]
        full = len(caps) - len(open_)
        return (sum(caps[g] - 1 - len(groups[g]) for g in open_)
                + min(tokens - full, len(open_)))

    def rec(i: int) -> Iterator[list[list[int]]]:
        if i == n:
            yield [list(g) for g in groups]
            return
        if n - i > room():
            return
        full = sum(1 for g, cap in enumerate(caps) if len(groups[g]) == cap)
        for g, cap in enumerate(caps):
            if len(groups[g]) < cap - 1 or (len(groups[g]) == cap - 1 and full < tokens):
                groups[g].append(i)
                yield from rec(i + 1)
                groups[g].pop()

    yield from rec(0)


def _algorithm_a_splits(poles: np.ndarray, n_roots: int, depth: int,
                        width: int) -> Iterator[tuple[list[list[int]], list[int]]]:
    """Pole splits (groups of ``≤ m``) whose root capacities
    (:func:`theory.depth_width.root_capacity`) hold the ``n_roots`` numerator roots, with those
    capacities. A group of ``m`` nonzero poles absorbs only ``m - 1`` roots, so at most
    ``n_nz - n_roots`` groups of nonzero poles can be full (one more with the zero pole)."""
    from theory.depth_width import root_capacity

    n = poles.shape[0]
    max_full = n - n_roots  # (n_nz - n_roots) + (at most one zero pole)
    if max_full < 0:
        return
    for pg in _label_assignments(n, [width] * depth, max_full):
        caps = [root_capacity(sum(1 for i in g if poles[i] != 0), width) for g in pg]
        if sum(caps) >= n_roots:
            yield pg, caps


def _deadline(time_budget: Any) -> float:
    """``time.monotonic()`` value at which ``time_budget`` seconds run out (``inf`` for None)."""
    return math.inf if time_budget is None else time.monotonic() + _check("time_budget",
                                                                           time_budget)


def algorithm_a_best_split(shallow: ShallowSSM, depth: int, width: int,
                           max_splits: int = 300, time_budget: float | None = None) -> DeepSSM:
    """Algorithm A (rank-one chain, Theorem 4.1(ii)) over the splits of poles and numerator
    roots, balanced by Algorithm B; the split with the least maximal path weight wins.

    Pole groups of size ``≤ m`` and root groups within
    :func:`theory.depth_width.root_capacity` (the splits :func:`~theory.depth_width.
    shallow_to_deep` accepts); at most ``max_splits`` (pole split, root split) pairs are
    tried in all, in a deterministic order, spread over up to ``max_splits`` pole splits.
    With ``time_budget`` (seconds), no new pair is tried once it has run out (a pair already
    started finishes). Float64 (the numerator roots are computed numerically by
    :mod:`theory.depth_width`).

    Raises
    ------
    ArithmeticError
        If no pair tried gave a realization (within the budgets).
    """
    poles, _, _ = target_parts(shallow)
    depth, width = _check_shape(depth, width)
    _check_fits(poles.shape[0], depth, width)
    return _best_split_until(shallow, poles, depth, width, _check("max_splits", max_splits),
                             _deadline(time_budget))


def _best_split_until(shallow: ShallowSSM, poles: np.ndarray, depth: int, width: int,
                      max_splits: int, deadline: float) -> DeepSSM:
    """:func:`algorithm_a_best_split` on checked arguments, trying no new pair after the
    ``time.monotonic()`` value ``deadline`` (``inf``: no limit)."""
    from theory.depth_width import numerator_roots, shallow_to_deep

    target = shallow if shallow.kind is NumberKind.FLOAT else shallow.to_kind(NumberKind.FLOAT)
    _, roots = numerator_roots(target)
    pole_splits = []
    for split in itertools.islice(_algorithm_a_splits(convert(poles, NumberKind.FLOAT),
                                                      len(roots), depth, width), max_splits):
        pole_splits.append(split)
        if time.monotonic() > deadline:
            break
    per_pole = max(1, max_splits // max(1, len(pole_splits)))
    best, best_w, tried = None, math.inf, 0
    for pg, root_caps in pole_splits:
        for rg in itertools.islice(_label_assignments(len(roots), root_caps), per_pole):
            if tried >= max_splits or time.monotonic() > deadline:
                break
            tried += 1
            try:
                deep = shallow_to_deep(target, depth, width, pole_groups=pg, root_groups=rg)
            except (InvalidParameterError, ZeroDivisionError, ArithmeticError):
                continue
            w = log_max_path_weight(deep)
            if math.isfinite(w) and w < best_w:
                best, best_w = deep, w
    if best is None:
        raise ArithmeticError(f"algorithm_a_best_split: none of the {tried} splits tried gave "
                              "a realization")
    return balance(best)


# ============================================================================ optimizer
def _placement_constraints(lam: np.ndarray, poles: np.ndarray,
                           res: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal factors ``G[q]`` (shape ``(Q, l, m)``) and targets of the residue equations.

    For each nonzero eigenvalue ``μ`` at node ``(k0, i0)``: the coefficient of ``1/(1 - μ w)`` in
    ``ρ̂`` is ``C^T G_l B_l ⋯ G_1 B_1`` with ``G_{k0} = e_{i0} e_{i0}^T`` and
    ``G_k = diag(μ / (μ - λ_{k,i}))`` elsewhere; it must equal the target residue at ``μ``
    (0 for a pole the target lacks). One more equation: the constant term, the sum of the
    weights of the all-zero-eigenvalue paths, equals the target residue at 0 (or 0).
    """
    L, m = lam.shape
    G, rhs = [], []
    target = {complex(p): complex(r) for p, r in zip(poles, res)}
    nonzero = [complex(x) for x in lam.flat if x != 0]
    if len(set(nonzero)) != len(nonzero):
        raise InvalidParameterError(
            "start: the optimizer needs distinct nonzero eigenvalues across layers"
        )
    seen = set(nonzero)
    for k0 in range(L):
        for i0 in range(m):
            mu = complex(lam[k0, i0])
            if mu == 0:
                continue
            g = mu / (mu - np.where(lam == mu, 0, lam))
            g[k0] = 0
            g[k0, i0] = 1
            G.append(g)
            rhs.append(target.get(mu, 0j))
    missing = [p for p in target if p != 0 and p not in seen]
    if missing:
        raise InvalidParameterError(f"start: target poles {missing} are not eigenvalues")
    G.append((lam == 0).astype(complex))
    rhs.append(target.get(0j, 0j))
    G_arr, rhs_arr = np.array(G), np.array(rhs)
    # an equation whose factors vanish on a whole layer holds identically (no path): drop it
    structural = np.all(G_arr == 0, axis=2).any(axis=1)
    if np.any(structural & (rhs_arr != 0)):
        raise InvalidParameterError("start: no path of the placement carries a target term")
    return G_arr[~structural], rhs_arr[~structural]


def _residues_and_jacobian(theta: np.ndarray, G: np.ndarray, L: int,
                           m: int) -> tuple[np.ndarray, np.ndarray]:
    B1 = theta[:m]
    Bk = theta[m:m + (L - 1) * m * m].reshape(L - 1, m, m)
    C = theta[m + (L - 1) * m * m:]
    h = [G[:, 0, :] * B1]
    for k in range(1, L):
        h.append(G[:, k, :] * (h[-1] @ Bk[k - 1].T))
    res = h[-1] @ C
    Q = G.shape[0]
    J = np.zeros((Q, theta.size), dtype=complex)
    J[:, m + (L - 1) * m * m:] = h[-1]
    delta = np.broadcast_to(C, (Q, m))
    for k in range(L - 1, 0, -1):
        gd = G[:, k, :] * delta  # d res / d a_k
        J[:, m + (k - 1) * m * m: m + k * m * m] = (gd[:, :, None] * h[k - 1][:, None, :]
                                                     ).reshape(Q, m * m)
        delta = gd @ Bk[k - 1]
    J[:, :m] = G[:, 0, :] * delta
    return res, J


def _pack(deep: DeepSSM) -> np.ndarray:
    return np.concatenate([np.asarray(deep.B[0], complex).ravel()]
                          + [np.asarray(b, complex).ravel() for b in deep.B[1:]]
                          + [np.asarray(deep.C, complex).ravel()])


def _unpack(theta: np.ndarray, lam: np.ndarray) -> DeepSSM:
    L, m = lam.shape
    Bk = theta[m:m + (L - 1) * m * m].reshape(L - 1, m, m)
    return DeepSSM(lam, [theta[:m], *Bk], theta[m + (L - 1) * m * m:])


def optimize_realization(shallow: ShallowSSM, start: DeepSSM, *, max_iter: int = 200,
                         newton_steps: int = 8) -> DeepSSM | None:
    """Minimise the norm over the entries of ``B_1, B_k, C`` at the eigenvalues of ``start``.

    Problem (float64, SLSQP): ``min t`` subject to ``|θ_e|² ≤ t`` for every entry and the
    residue equations of :func:`_placement_constraints` (the kernel equals the target's iff
    they hold, for distinct nonzero eigenvalues). Residues are homogeneous of degree ``l + 1``
    in the entries, so the problem is solved for the target scaled to ``max |r| = 1``. The
    SLSQP point is then polished by minimum-norm Newton steps on the residue equations (to
    roundoff) and balanced by Algorithm B. Returns ``None`` when the result does not realize
    the target within :func:`kernel_agreement`'s tolerance or is not better than ``start``.
    """
    poles, res, _ = target_parts(shallow)
    _check("start", start)
    max_iter, newton_steps = _check("max_iter", max_iter), _check("newton_steps", newton_steps)
    pf = convert(poles, NumberKind.FLOAT).astype(complex)
    rf = convert(res, NumberKind.FLOAT).astype(complex)
    lam = convert(start.eigenvalues, NumberKind.FLOAT).astype(complex)
    L, m = lam.shape
    scale = float(np.max(np.abs(rf)))
    if scale == 0:
        return None
    G, rhs = _placement_constraints(lam, pf, rf / scale)
    unit = scale ** (1.0 / (L + 1))
    s_start = start if start.kind is NumberKind.FLOAT else start.to_kind(NumberKind.FLOAT)
    theta0 = _pack(balance(s_start)) / unit
    E = theta0.size
    x0 = np.concatenate([theta0.real, theta0.imag, [np.max(np.abs(theta0)) ** 2]])

    def theta_of(x: np.ndarray) -> np.ndarray:
        return x[:E] + 1j * x[E:2 * E]

    def eq(x: np.ndarray) -> np.ndarray:
        r, _ = _residues_and_jacobian(theta_of(x), G, L, m)
        d = r - rhs
        return np.concatenate([d.real, d.imag])

    def eq_jac(x: np.ndarray) -> np.ndarray:
        _, J = _residues_and_jacobian(theta_of(x), G, L, m)
        top = np.hstack([J.real, -J.imag, np.zeros((J.shape[0], 1))])
        bottom = np.hstack([J.imag, J.real, np.zeros((J.shape[0], 1))])
        return np.vstack([top, bottom])

    def ineq(x: np.ndarray) -> np.ndarray:
        return x[-1] - (x[:E] ** 2 + x[E:2 * E] ** 2)

    def ineq_jac(x: np.ndarray) -> np.ndarray:
        out = np.zeros((E, 2 * E + 1))
        idx = np.arange(E)
        out[idx, idx] = -2 * x[:E]
        out[idx, E + idx] = -2 * x[E:2 * E]
        out[:, -1] = 1
        return out

    grad = np.zeros(2 * E + 1)
    grad[-1] = 1
    sol = scipy.optimize.minimize(lambda x: x[-1], x0, jac=lambda x: grad, method="SLSQP",
                                  constraints=[{"type": "eq", "fun": eq, "jac": eq_jac},
                                               {"type": "ineq", "fun": ineq, "jac": ineq_jac}],
                                  options={"maxiter": max_iter, "ftol": 1e-12})
    theta = theta_of(sol.x)
    for _ in range(newton_steps):
        r, J = _residues_and_jacobian(theta, G, L, m)
        step = np.linalg.lstsq(J, r - rhs, rcond=None)[0]
        theta = theta - step
        if not np.all(np.isfinite(theta)):
            return None
    candidate = balance(_unpack(theta * unit, lam))
    if not _matches(candidate, shallow if shallow.kind is NumberKind.FLOAT
                    else shallow.to_kind(NumberKind.FLOAT)):
        return None
    if float(max_path_weight(candidate)) >= float(max_path_weight(s_start)):
        return None
    return candidate


# ============================================================================ best known
#: Names of the constructions :func:`small_norm_deep` runs, cheapest first.
CONSTRUCTIONS = ("width_one", "norm_aware_2x2", "forest", "algorithm_a", "optimizer")
#: The constructions that run only while :func:`small_norm_deep`'s time budget remains.
_BUDGETED = ("algorithm_a", "optimizer")


def _run_construction(name: str, shallow: ShallowSSM, depth: int, width: int,
                      best: DeepSSM | None, max_splits: int, deadline: float) -> DeepSSM | None:
    n = shallow.width
    if name == "width_one":
        return width_one_deep(shallow, depth) if n == 1 else None
    if name == "norm_aware_2x2":
        return norm_aware_two_by_two(shallow) if (depth, width, n) == (2, 2, 3) else None
    if name == "forest":
        return best_forest_deep(shallow, depth, width)
    if shallow.kind is not NumberKind.FLOAT:
        return None  # float-only constructions
    if name == "algorithm_a":
        if width < 2:
            return None
        try:
            return _best_split_until(shallow, target_parts(shallow)[0], depth, width,
                                     max_splits, deadline)
        except (ImportError, ArithmeticError):
            return None
    return None if best is None else optimize_realization(shallow, best)


def _self_check_balanced_result(deep: DeepSSM) -> DeepSSM:
    """A-posteriori norm check of a returned realization (its kernel was checked against the
    target by :func:`kernel_agreement` when it was selected): balanced, ``‖θ‖ = W^{1/(l+1)}``
    within ``tolerance(kind, l + 1)``."""
    gap = _balanced_gap(*_log_norm_and_weight(deep), deep.depth)
    if not gap <= tolerance(deep.kind, deep.depth + 1):
        raise SelfCheckError(f"small_norm_deep: the result is not balanced (log norm off by "
                             f"{float(gap):.3g})")
    return deep


def small_norm_deep_report(
    shallow: ShallowSSM,
    depth: int,
    width: int,
    constructions: Sequence[str] = CONSTRUCTIONS,
    max_splits: int = 100,
    time_budget: float = DEFAULT_TIME_BUDGET,
) -> tuple[DeepSSM, dict[str, Any]]:
    """Run the ``constructions``, balance each, keep the least norm among those whose kernel
    matches the target (:func:`kernel_agreement`).

    Returns the winning balanced model and a record ``{"winner", "norms" (name → balanced norm
    as float, or None if it did not apply / failed the kernel check / ran out of time),
    "out_of_time" (names skipped or cut short by the budget), "ratio"}``. The optimizer starts
    from the best model found before it. Exact and mpmath targets run only the
    kind-preserving constructions (width one, norm-aware, forest); the balanced result is then
    an mpmath model. ``max_splits`` caps the splits tried by Algorithm A.

    ``time_budget`` (seconds, default :data:`DEFAULT_TIME_BUDGET`): the cheap constructions
    (width one, norm-aware, forest) always run, first; Algorithm A tries splits only while
    time remains, and the optimizer starts only if time remains.

    Raises
    ------
    ArithmeticError
        If no construction realized the target.
    SelfCheckError
        If the winner fails the a-posteriori check (kernel of the target, balanced norm).
    """
    poles, _, _ = target_parts(shallow)
    depth, width = _check_shape(depth, width)
    _check_fits(poles.shape[0], depth, width)
    constructions = _check("constructions", constructions)
    max_splits = _check("max_splits", max_splits)
    deadline = _deadline(time_budget)
    norms: dict[str, float | None] = {}
    out_of_time: list[str] = []
    best, best_w, winner = None, None, None
    for name in CONSTRUCTIONS:
        if name not in constructions:
            continue
        if name in _BUDGETED and time.monotonic() >= deadline:
            norms[name] = None
            out_of_time.append(name)
            continue
        model = _run_construction(name, shallow, depth, width, best, max_splits, deadline)
        if name in _BUDGETED and time.monotonic() >= deadline:
            out_of_time.append(name)
        if model is None:
            norms[name] = None
            continue
        balanced = balance(model)
        if not _matches(balanced, shallow):  # the kernel check of the a-posteriori check
            norms[name] = None
            continue
        w = log_max_path_weight(balanced)
        norms[name] = math.exp(w / (depth + 1))
        if best_w is None or w < best_w:
            best, best_w, winner = balanced, w, name
    if best is None:
        raise ArithmeticError("small_norm_deep: no construction realized the target")
    _self_check_balanced_result(best)
    return best, {"winner": winner, "norms": norms, "out_of_time": out_of_time,
                  "ratio": norm_ratio(best, shallow)}


def small_norm_deep(shallow: ShallowSSM, depth: int, width: int,
                    constructions: Sequence[str] = CONSTRUCTIONS,
                    max_splits: int = 100,
                    time_budget: float = DEFAULT_TIME_BUDGET) -> DeepSSM:
    """The least-norm balanced depth-``l`` width-``m`` realization the project knows.

    See :func:`small_norm_deep_report` (same arguments, including the ``time_budget`` in
    seconds, default :data:`DEFAULT_TIME_BUDGET`) for the record of which construction won.
    """
    return small_norm_deep_report(shallow, depth, width, constructions, max_splits,
                                  time_budget)[0]
