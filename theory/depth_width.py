"""Depth against width without norm constraints: BYJL25 Theorem 4.1, constructed and certified.

BYJL25 (arXiv:2506.19296 v1) Theorem 4.1 compares the class ``H^m_{∞,l}`` of depth-``l``
width-``m`` diagonal linear SSMs with the shallow classes ``H^n_{∞,1}``:

(i)   deep ⊆ shallow of width ``lm`` — :func:`deep_to_shallow` (partial fractions); it holds
      only when no nonzero eigenvalue is shared by two layers on a weighted path. The failure
      for shared eigenvalues is a finding of the suite: :func:`shared_eigenvalue_counterexample`,
      :func:`pole_multiplicity_certificate`, :func:`merging_poles_residue_table`.
(ii)  shallow of width ``l(m-1)+1`` ⊆ deep — :func:`shallow_to_deep` (factorization of the
      transfer function into ``l`` layer factors, "Algorithm A" of the project's notes); with
      real parameters when a conjugation-closed split exists (:func:`real_split_certificate`,
      :mod:`theory.real_realization`).
(iii) shallow of width ``l(m-1)+2`` ⊄ deep — :func:`non_inclusion_witness` with an
      order-of-vanishing certificate, and :func:`algorithm_a_cannot_fit`.

Glossary (code name → paper symbol):

==============================  ===========================================================
``depth``, ``width``            ``l``, ``m`` of the deep model; ``n`` is a shallow width
``poles``, ``residues``         ``λ_i``, ``r_i`` of a shallow target ``ρ(s) = Σ r_i λ_i^s``
``w``, ``z``                    variable of ``ρ̂(w) = Σ_s ρ(s) w^s``; ``z = 1/w``
path, ``ω_π``                   ``π = (i_1..i_l)``, ``ω_π = C_{i_l}(B_l)_{i_l i_{l-1}}⋯(B_1)_{i_1}``
``P``, ``Q``, ``kappa``         ``ρ̂ = P/Q``, ``Q = Π(1-λ_i w)``, ``P = κ Π_j (w - ζ_j)``
``roots``                       the zeros ``ζ_j`` of ``P``
``pole_groups``, ``root_groups`` the splits ``S_1..S_l`` and ``Z_1..Z_l`` of Algorithm A
``G_k``, ``beta``/``gamma``     layer factors ``Π_{Z_k}(w-ζ)/Π_{S_k}(1-λw)`` and their residues
``d_k``                         constant term of ``G_k``, carried by a zero (pass-through) mode
==============================  ===========================================================

Number kinds (see :mod:`theory.numbers`) are kept: exact input gives exact output whenever the
needed roots are exact; mpmath input works at the current ``mp.dps``.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy
from sympy.polys.densebasic import dup_convert, dup_terms_gcd
from sympy.polys.densetools import dmp_ground_primitive, dup_clear_denoms, dup_primitive
from sympy.polys.factortools import _sort_factors, dup_factor_list

from theory.linear import DeepSSM, ShallowSSM, W, _is_stable
from theory.numbers import (
    InvalidParameterError,
    KindArithmetic,
    NumberKind,
    as_array,
    convert,
    is_exact_zero,
    kind_of,
    max_abs,
    polyroots,
    to_domain,
    tolerance,
)

__all__ = [
    "SharedEigenvalueError",
    "InsufficientCapacityError",
    "IllConditionedError",
    "KernelCheckError",
    "default_rtol",
    "deep_to_shallow",
    "shared_eigenvalue_counterexample",
    "PoleCertificate",
    "pole_multiplicity_certificate",
    "MergingRow",
    "merging_poles_residue_table",
    "numerator_coefficients",
    "numerator_roots",
    "root_capacity",
    "target_from_factors",
    "shallow_to_deep",
    "RealSplitCertificate",
    "real_split_certificate",
    "kernel_mismatch",
    "certifying_length",
    "NonInclusionCertificate",
    "non_inclusion_witness",
    "vanishing_order_at_infinity",
    "AlgorithmAObstruction",
    "algorithm_a_cannot_fit",
]

#: Working precision (decimal digits) of the root finding and factorization for float input.
FLOAT_WORKING_DPS = 30

#: Guard factor: constructions and a-posteriori checks of float and mpmath models run at this
#: multiple of the model's precision (plus :data:`GUARD_BITS`) and round once at the end.
GUARD_FACTOR = 3
GUARD_BITS = 64

#: How many times :func:`shallow_to_deep` doubles its working precision when the a-posteriori
#: kernel check finds the construction (not the final rounding) inaccurate.
PRECISION_DOUBLINGS = 2


class SharedEigenvalueError(InvalidParameterError):
    """The deep model's ``ρ̂`` has a pole of order ``≥ 2``: no diagonal shallow model matches it.

    Raised by :func:`deep_to_shallow` (Theorem 4.1(i) needs a distinct-eigenvalue hypothesis).
    """


class InsufficientCapacityError(InvalidParameterError):
    """A depth-``l`` width-``m`` chain cannot hold the poles and numerator roots of a target."""


class IllConditionedError(InvalidParameterError):
    """The requested conversion is meaningless at the model's working precision.

    Raised when the certified error bound of the rounded result exceeds ``rtol`` times the
    absolute kernel (:func:`default_rtol`): e.g. :func:`deep_to_shallow` on two layers with
    eigenvalues ``λ`` and ``λ + δ``, whose shallow residues are of order ``|λ|/δ``.
    """


class KernelCheckError(ArithmeticError):
    """The a-posteriori kernel check of a construction failed (its result is not returned)."""


# ============================================================================ validation
def _is_int(value: Any, least: int) -> bool | np.bool_:
    return (not isinstance(value, bool) and isinstance(value, (int, np.integer))
            and value >= least)


def _is_real(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, mpmath.mpf):
        return bool(mpmath.isfinite(value))
    return isinstance(value, (numbers.Real, np.floating, np.integer)) and math.isfinite(value)


def _is_scalar(value: Any) -> bool:
    """A finite number of one kind (sympy, mpmath, Python/numpy)."""
    try:
        return as_array([value], kind_of(value), "value", ndim=1).shape == (1,)
    except InvalidParameterError:
        return False


def _is_nonzero_scalar(value: Any) -> bool:
    if not _is_scalar(value):
        return False
    if isinstance(value, sympy.Basic):
        return not is_exact_zero(value)
    return bool(value != 0)


def _is_stable_scalar(value: Any) -> bool:
    """A finite number of modulus ``< 1`` (decided as :class:`theory.linear.DeepSSM` does)."""
    try:
        return _is_scalar(value) and _is_stable(value)
    except InvalidParameterError:  # undecidable exactly: not accepted as stable
        return False


def _is_sequence(value: Any, item: Any) -> bool:
    return (isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) == 1
            and all(item(x) for x in value))


_RULES: dict[str, tuple[Any, str]] = {
    "model": (lambda v: isinstance(v, DeepSSM), "a DeepSSM"),
    "exact_model": (lambda v: isinstance(v, DeepSSM) and v.kind is NumberKind.EXACT,
                    "an exact (sympy) DeepSSM"),
    "shallow": (lambda v: isinstance(v, ShallowSSM), "a ShallowSSM"),
    "size": (lambda v: _is_int(v, 1), "a positive integer"),
    "count": (lambda v: _is_int(v, 0), "a non-negative integer"),
    "tol": (lambda v: v is None or (_is_real(v) and v >= 0),
            "None or a finite real number >= 0"),
    "rtol": (lambda v: v is None or (_is_real(v) and 0 < v < 1),
             "None or a real number in (0, 1)"),
    "rng": (lambda v: v is None or isinstance(v, np.random.Generator),
            "None or a numpy.random.Generator"),
    "flag": (lambda v: isinstance(v, (bool, np.bool_)), "True or False"),
    "kind": (lambda v: isinstance(v, NumberKind), "a NumberKind"),
    "number": (_is_scalar, "a finite number"),
    "nonzero": (_is_nonzero_scalar, "a finite nonzero number"),
    "exact_nonzero": (lambda v: _is_nonzero_scalar(v) and (isinstance(v, sympy.Basic)
                                                           or _is_int(abs(v), 1)),
                      "a nonzero exact (sympy or integer) number"),
    "stable": (_is_stable_scalar, "a finite number of modulus < 1"),
    "stable_nonzero": (lambda v: _is_stable_scalar(v) and _is_nonzero_scalar(v),
                       "a finite nonzero number of modulus < 1"),
    "numbers": (lambda v: _is_sequence(v, _is_scalar), "a 1-D sequence of finite numbers"),
    "nonzero_numbers": (lambda v: _is_sequence(v, _is_nonzero_scalar) and len(v) > 0,
                        "a non-empty 1-D sequence of finite nonzero numbers"),
    "stable_numbers": (lambda v: _is_sequence(v, lambda x: _is_stable_scalar(x)
                                              and _is_nonzero_scalar(x)),
                       "a 1-D sequence of finite nonzero numbers of modulus < 1"),
}

#: The rule of :data:`_RULES` that checks each parameter name of the public functions.
_RULE_OF = {"deep": "model", "a": "model", "b": "model", "shallow": "shallow",
            "witness": "shallow", "depth": "size", "width": "size", "T": "size",
            "n_nonzero": "count", "tol": "tol", "rtol": "rtol", "rng": "rng", "real": "flag",
            "lam": "stable", "pole": "exact_nonzero", "gaps": "nonzero_numbers",
            "poles": "stable_numbers", "roots": "numbers", "kappa": "nonzero",
            "kind": "kind"}


def _check(rules: dict[str, str] | None = None, **params: Any) -> None:
    """The module's validation choke point: every public function passes its arguments here.

    ``rules`` overrides the rule of a parameter name (e.g. ``{"deep": "exact_model"}``).

    Raises
    ------
    InvalidParameterError
        Naming the first parameter (in the order given) whose value breaks its rule.
    """
    for name, value in params.items():
        rule = (rules or {}).get(name, _RULE_OF[name])
        ok, expected = _RULES[rule]
        if not ok(value):
            shown = type(value).__name__ if rule in ("model", "exact_model", "shallow") \
                else repr(value)
            raise InvalidParameterError(f"{name}: expected {expected}, got {shown}")


# ============================================================================ helpers
def _abs(x: Any) -> Any:
    """Modulus of a float or mpmath scalar (used only for the non-exact kinds)."""
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return mpmath.fabs(x)
    return abs(complex(x))


def _equal(a: Any, b: Any) -> bool:
    """Equality decided exactly (:func:`is_exact_zero` for sympy numbers, ``==`` otherwise)."""
    if isinstance(a, sympy.Basic) or isinstance(b, sympy.Basic):
        return is_exact_zero(sympy.sympify(a) - sympy.sympify(b))
    return bool(a == b)


def _conj(x: Any) -> Any:
    if isinstance(x, sympy.Basic):
        return sympy.conjugate(x)
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return mpmath.conj(x)
    return complex(x).conjugate()


def _series_product(a: list[Any], b: list[Any], order: int, zero: Any) -> list[Any]:
    """Product of two truncated power series (ascending coefficients), kept to ``order`` terms."""
    out = [zero] * order
    for i, x in enumerate(a[:order]):
        for j, y in enumerate(b[: order - i]):
            out[i + j] = out[i + j] + x * y
    return out


def _times_linear(poly: list[Any], lam: Any, zero: Any) -> list[Any]:
    """``poly(w) · (1 - lam w)`` for ascending coefficient lists."""
    return [a - lam * b for a, b in zip([*poly, zero], [zero, *poly])]


def _precision(kind: NumberKind) -> int:
    """Bits of the mantissa of ``kind`` (53 for float64, ``mp.prec`` for mpmath)."""
    return 53 if kind is NumberKind.FLOAT else int(mpmath.mp.prec)


def _epsilon(prec: int) -> Any:
    """Machine epsilon ``2^{1-prec}`` of ``prec``-bit numbers: twice the unit roundoff."""
    return mpmath.mpf(2) ** (1 - prec)


def default_rtol(kind: NumberKind) -> Any:
    """Relative accuracy that :func:`deep_to_shallow` and :func:`shallow_to_deep` guarantee.

    ``tolerance(kind) ** 0.5``, i.e. ``ε^0.4``: at least 40% of the working digits survive
    (``≈ 5.5e-7`` for float64). ``0`` for the exact kind.
    """
    _check(kind=kind)
    if kind is NumberKind.EXACT:
        return 0
    return mpmath.sqrt(mpmath.mpf(tolerance(kind)))


def _exact_differences(ka: np.ndarray, kb: np.ndarray) -> np.ndarray:
    """``ka - kb`` for exact kernels, with every entry decided zero by :func:`is_exact_zero`."""
    return np.array([sympy.Integer(0) if is_exact_zero(x - y) else sympy.expand(x - y)
                     for x, y in zip(ka, kb)], dtype=object)


def kernel_mismatch(a: DeepSSM, b: DeepSSM, T: int) -> Any:
    """``max_{s<T} |ρ_a(s) - ρ_b(s)|`` in the models' common kind (an exact number if exact).

    For exact models every difference is decided zero exactly (:func:`is_exact_zero`), so the
    result is ``0`` exactly when the kernels agree, radicals included.
    """
    _check(a=a, b=b)
    _check(rules={"T": "count"}, T=T)
    ka, kb = a.kernel(T), b.kernel(T)
    if a.kind is NumberKind.EXACT and b.kind is NumberKind.EXACT:
        return max_abs(_exact_differences(ka, kb))
    kind = NumberKind.MPMATH if NumberKind.MPMATH in (a.kind, b.kind) else NumberKind.FLOAT
    da, db = convert(ka, kind), convert(kb, kind)
    return max_abs(da - db) if T else 0


def certifying_length(a: DeepSSM, b: DeepSSM) -> int:
    """Number of kernel terms whose exact agreement proves ``ρ_a = ρ_b`` for every ``s``.

    Write ``ρ̂_a = P_a/Q_a`` with ``Q_a = Π (1 - λ w)`` over the nonzero eigenvalues of ``a``
    (degree ``l_a m_a - z_a`` with ``z_a`` zero eigenvalues) and ``deg P_a ≤ deg Q_a``, with
    ``deg P_a < deg Q_a`` when ``z_a = 0`` (then ``ρ̂_a(∞) = 0``: every path factor
    ``1/(1-λw)`` vanishes at infinity). The difference ``ρ̂_a - ρ̂_b = N/(Q_a Q_b)`` has
    ``deg N ≤ L - 1`` for ``L = l_a m_a + l_b m_b`` in every case (``z_a + z_b ≥ 1`` lowers
    ``deg Q_a Q_b`` by at least one; ``z_a = z_b = 0`` lowers ``deg N`` by one). Since
    ``Q_a Q_b`` has constant term 1, agreement on the first ``L`` terms makes the first ``L``
    coefficients of ``N`` vanish, hence ``N = 0``. The count is tight: ``L`` distinct nonzero
    eigenvalues carry a combination ``Σ c_i ν_i^s`` that vanishes for ``s < L - 1`` only.
    """
    _check(a=a, b=b)
    return a.depth * a.width + b.depth * b.width


# ============================================================================ Thm 4.1(i)
def _zero_test(domain: Any) -> Any:
    """``x ↦ (x == 0)`` for elements of the working arithmetic, decided exactly.

    Elements of ``QQ``, ``QQ_I`` and algebraic fields are canonical (``not x`` decides);
    ``EXRAW`` elements are unexpanded expressions and go through :func:`is_exact_zero`.
    mpmath and float values are compared with ``== 0``.
    """
    if domain is not None and domain == sympy.EXRAW:
        return lambda x: is_exact_zero(domain.to_sympy(x))
    return lambda x: not x


def _distinct_ids(lam: np.ndarray, is_zero: Any) -> tuple[list[Any], np.ndarray]:
    """Distinct nonzero eigenvalues and an id per entry (-1 for zero), decided by ``is_zero``."""
    values: list[Any] = []
    ids = np.full(lam.shape, -1, dtype=int)
    for idx, x in np.ndenumerate(lam):
        if is_zero(x):
            continue
        for j, v in enumerate(values):
            if is_zero(v - x):
                ids[idx] = j
                break
        else:
            ids[idx] = len(values)
            values.append(x)
    return values, ids


def _multiset_weights(ids: np.ndarray, B: list[np.ndarray], C: np.ndarray, zero: Any,
                      is_zero: Any, modulus: Any = None) -> dict[tuple[int, ...], list[Any]]:
    """``Ω(M) = Σ ω_π`` over paths whose nonzero eigenvalues form the multiset ``M``.

    A dynamic programme over the layers; a path's factor ``Π_k 1/(1 - λ_{k,i_k} w)`` depends
    only on ``M`` (zero modes contribute 1), so paths are merged by ``M`` as they are extended.
    Each value is ``[Ω(M)]``, or ``[Ω(M), Σ|ω_π|]`` when a ``modulus`` function is given (the
    second entry bounds the rounding error of the sum).
    """
    depth, width = ids.shape
    mod = modulus or (lambda x: x)

    def extend(key: tuple[int, ...], k: int, i: int) -> tuple[int, ...]:
        return tuple(sorted((*key, int(ids[k, i])))) if ids[k, i] >= 0 else key

    def add(acc: dict[Any, list[Any]], key: Any, weight: list[Any], b: Any) -> None:
        new = [weight[0] * b, weight[-1] * mod(b)]
        old = acc.get(key, [zero, zero])
        acc[key] = [old[0] + new[0], old[1] + new[1]]

    states: dict[tuple[int, tuple[int, ...]], list[Any]] = {}
    for i in range(width):
        if not is_zero(B[0][i]):
            states[(i, extend((), 0, i))] = [B[0][i], mod(B[0][i])]
    for k in range(1, depth):
        nxt: dict[tuple[int, tuple[int, ...]], list[Any]] = {}
        for (i, key), weight in states.items():
            for j in range(width):
                if not is_zero(B[k][j, i]):
                    add(nxt, (j, extend(key, k, j)), weight, B[k][j, i])
        states = nxt
    out: dict[tuple[int, ...], list[Any]] = {}
    for (i, key), weight in states.items():
        if not is_zero(C[i]):
            add(out, key, weight, C[i])
    return {key: (w if modulus else w[:1]) for key, w in out.items()}


def _principal_parts(values: list[Any], weights: dict[tuple[int, ...], list[Any]], one: Any,
                     zero: Any, is_zero: Any) -> tuple[Any, list[list[Any]]]:
    """Constant term and principal parts of ``ρ̂ = Σ_M Ω(M) Π_{μ∈M} 1/(1-μw)``.

    Returns ``(const, parts)`` with ``parts[v][q-1]`` the coefficient of ``(1 - λ_v w)^{-q}``.
    Around ``λ`` of multiplicity ``e`` in ``M`` put ``u = 1 - λw``; then
    ``1 - μw = (λ - μ)/λ + (μ/λ) u`` and ``1/(1 - μw) = α Σ_k (-μ/(λ-μ))^k u^k`` with
    ``α = λ/(λ - μ)``: the product is ``u^{-e}`` times a power series in ``u`` whose first
    ``e`` coefficients are the principal part (closed formulas, no root finding). Every factor
    divides by the difference ``λ - μ`` itself, never by ``1 - μ/λ`` (whose rounded quotient
    would cancel catastrophically for nearby eigenvalues). For ``e = 1`` this is the residue
    ``Ω(M) Π_{μ≠λ} λ/(λ - μ)``.
    """
    const = zero
    parts: list[list[Any]] = [[] for _ in values]
    for key, (omega, *_) in weights.items():
        if is_zero(omega):
            continue
        counts = Counter(key)
        if not counts:
            const = const + omega
            continue
        for v, e in counts.items():
            lam = values[v]
            series = [one] + [zero] * (e - 1)
            for v2, e2 in counts.items():
                if v2 == v:
                    continue
                diff = lam - values[v2]
                alpha, ratio = lam / diff, -values[v2] / diff
                factor = [alpha**e2 * math.comb(e2 + k - 1, k) * ratio**k for k in range(e)]
                series = _series_product(series, factor, e, zero)
            while len(parts[v]) < e:
                parts[v].append(zero)
            for q in range(1, e + 1):
                parts[v][q - 1] = parts[v][q - 1] + omega * series[e - q]
    return const, parts


def _simple_residues(values: list[Any], weights: dict[tuple[int, ...], list[Any]],
                     depth: int) -> tuple[list[Any], list[Any], Any, Any]:
    """Residues ``r_λ``, constant ``c`` and their error bounds at the current mpmath precision.

    Only for keys of distinct ids (simple poles): ``r_λ = Σ_M Ω(M) Π_{μ∈M, μ≠λ} λ/(λ - μ)``.
    Each term takes at most ``l + 2`` correctly rounded operations after ``Ω(M)``, whose own
    rounding is at most ``l + 1`` operations times ``Σ|ω_π|``; the bound per residue is
    ``2(2l + 3) 2^{-prec} Σ_M Σ|ω_π| Π|λ/(λ - μ)|`` (factor 2 for second-order terms).
    """
    zero = mpmath.mpf(0)
    res, bounds = [zero] * len(values), [zero] * len(values)
    const, const_bound = zero, zero
    unit = 2 * (2 * depth + 3) * mpmath.mpf(2) ** (-mpmath.mp.prec)
    pairs = dict.fromkeys((v, v2) for key in weights for v in key for v2 in key if v2 != v)
    factor = {(v, v2): values[v] / (values[v] - values[v2]) for v, v2 in pairs}
    size = {pair: mpmath.fabs(f) for pair, f in factor.items()}
    for key, (omega, abs_omega) in weights.items():
        if not key:
            const, const_bound = const + omega, const_bound + unit * abs_omega
        for v in key:
            term, mag = omega, abs_omega
            for v2 in key:
                if v2 != v:
                    term, mag = term * factor[v, v2], mag * size[v, v2]
            res[v], bounds[v] = res[v] + term, bounds[v] + unit * mag
    return res, bounds, const, const_bound


def _shallow_of(kind: NumberKind, poles: list[Any], res: list[Any]) -> ShallowSSM:
    """``ShallowSSM(poles, res, 1)`` from values already of ``kind`` (residues as ``B``)."""
    pa = np.array([*poles, None], dtype=object)[:-1]
    ra = np.array([*res, None], dtype=object)[:-1]
    if kind is NumberKind.FLOAT:
        return ShallowSSM(convert(pa, kind), convert(ra, kind), np.ones(len(res)))
    one = sympy.Integer(1) if kind is NumberKind.EXACT else mpmath.mpf(1)
    return ShallowSSM(pa, ra, np.array([one] * len(res), dtype=object))


def _exact_parts(deep: DeepSSM) -> tuple[list[Any], list[Any], Any]:
    """Distinct nonzero eigenvalues, their residues and the constant of an exact deep model.

    Exact sympy numbers; the eigenvalues in order of first appearance (row by row). Raises
    :class:`SharedEigenvalueError` on a pole of order ``≥ 2``.
    """
    ar = KindArithmetic(deep.kind, [deep.eigenvalues, deep.C, *deep.B])
    lam, C, *B = ar.arrays
    is_zero = _zero_test(ar.domain)
    values, ids = _distinct_ids(lam, is_zero)
    weights = _multiset_weights(ids, B, C, ar.zero, is_zero)
    const, parts = _principal_parts(values, weights, ar.zero + 1, ar.zero, is_zero)
    for v, coeffs in enumerate(parts):
        order = max((q + 1 for q, c in enumerate(coeffs) if not is_zero(c)), default=0)
        if order >= 2:
            raise SharedEigenvalueError(
                f"deep: the nonzero eigenvalue {ar.back(np.array([values[v]]))[0]} is shared "
                f"by several layers on weighted paths; rho-hat has a pole of order {order} at "
                "w = 1/lambda, so the kernel contains s*lambda^s and no diagonal shallow SSM "
                "represents it (Theorem 4.1(i) needs distinct eigenvalues across layers)"
            )
    res = [c[0] if c else ar.zero for c in parts]
    back = ar.back(np.array([*values, *res, const, None], dtype=object)[:-1])
    return list(back[:len(values)]), list(back[len(values):-1]), back[-1]


def _exact_partial_fractions(deep: DeepSSM) -> ShallowSSM:
    """The exact shallow model of an exact deep model: modes of nonzero residue only."""
    values, res, const = _exact_parts(deep)
    keep = [v for v, r in enumerate(res) if not is_exact_zero(r)]
    poles, kept = [values[v] for v in keep], [res[v] for v in keep]
    if not is_exact_zero(const) or not poles:
        poles.append(sympy.Integer(0))
        kept.append(const)
    return _shallow_of(NumberKind.EXACT, poles, kept)


def _verify_exact(model: DeepSSM, other: DeepSSM, what: str) -> None:
    """Raise :class:`KernelCheckError` unless the exact kernels agree on the certifying length."""
    T = certifying_length(model, other)
    mismatch = kernel_mismatch(model, other, T)
    if mismatch != 0:
        raise KernelCheckError(
            f"{what}: the result's kernel differs from the input's by {mismatch} on the first "
            f"{T} terms (a certifying length); the result is not returned"
        )


def _mp_kernel(model: DeepSSM, T: int) -> list[Any]:
    """The kernel of ``model`` as mpmath numbers at the current precision (entries exact)."""
    method = "closed_form" if isinstance(model, ShallowSSM) else "recurrence"
    return list(model.to_kind(NumberKind.MPMATH).kernel(T, method))


def _abs_kernel(model: DeepSSM, T: int) -> list[Any]:
    """Kernel of the entrywise-absolute ``model`` (``Σ_paths |ω_π| Π|λ|^{s_k}``) as mpmath
    numbers: computed in float64 for a float model (a sum of positive terms, accurate to
    ``(s + l + 1)ε`` relatively in the normal range), in mpmath otherwise (exact models are
    converted at the current precision)."""
    if model.kind is NumberKind.EXACT:
        model = model.to_kind(NumberKind.MPMATH)
    fabs = np.abs if model.kind is NumberKind.FLOAT else np.vectorize(mpmath.fabs,
                                                                      otypes=[object])
    if isinstance(model, ShallowSSM):
        absolute: DeepSSM = ShallowSSM(fabs(model.poles), fabs(model.B[0]), fabs(model.C))
    else:
        absolute = DeepSSM(fabs(model.eigenvalues), [fabs(b) for b in model.B], fabs(model.C))
    return [mpmath.mpf(x) for x in absolute.kernel(T, "recurrence")]


def _path_pairs(values: list[Any], weights: dict[tuple[int, ...], list[Any]]
                ) -> Iterator[tuple[Any, Any]]:
    """Every pair of distinct eigenvalue indices on one path of nonzero weight, as values."""
    for key, (omega, *_) in weights.items():
        if omega == 0:
            continue
        ids = sorted(set(key))
        for pos, a in enumerate(ids):
            for b in ids[pos + 1:]:
                yield values[a], values[b]


def _closest_pair(values: list[Any], weights: dict[tuple[int, ...], list[Any]]) -> str:
    """The two eigenvalues on one weighted path with the smallest relative gap, as text."""
    best = None
    for la, lb in _path_pairs(values, weights):
        rel = _abs(la - lb) / max(_abs(la), _abs(lb))
        if best is None or rel < best[0]:
            best = (rel, la, lb)
    if best is None:
        return "no two eigenvalues share a weighted path"
    rel, la, lb = best
    return (f"eigenvalues {mpmath.nstr(la, 17)} and {mpmath.nstr(lb, 17)} on one weighted "
            f"path differ by {mpmath.nstr(_abs(la - lb), 3)} (relative gap "
            f"{mpmath.nstr(rel, 3)})")


def deep_to_shallow(deep: DeepSSM, *, tol: Any = None, rtol: Any = None) -> ShallowSSM:
    """A shallow model with the same kernel as ``deep`` (BYJL25 Theorem 4.1(i)).

    Partial fractions of the path expansion ``ρ̂(w) = Σ_π ω_π Π_k 1/(1 - λ_{k,i_k} w)``
    (Lemma 3.1): for a path whose nonzero modes ``μ_1..μ_p`` are distinct,
    ``Π 1/(1-μ_j w) = Σ_j [Π_{i≠j} μ_j/(μ_j - μ_i)] / (1 - μ_j w)``, and a path of zero modes
    only contributes the constant ``ω_π``. Summing gives ``ρ̂ = c + Σ_λ r_λ/(1-λw)``: the shallow
    model has one mode per distinct nonzero eigenvalue with nonzero residue ``r_λ``, plus a mode
    ``λ = 0`` with residue ``c`` when ``c ≠ 0`` (its kernel is ``c·[s = 0]``). Its width is at
    most ``lm``. Realization: ``B = r``, ``C = 1``.

    *Shared eigenvalues.* Repeated eigenvalues inside one layer merge into one mode. Two
    *different layers* sharing a nonzero eigenvalue ``λ`` put ``1/(1-λw)^2`` (or a higher power)
    on every path through both copies; when the weights ``Ω`` of those paths do not cancel,
    ``ρ̂`` has a pole of order ``≥ 2`` at ``w = 1/λ``, the kernel contains ``s λ^s``, and no
    diagonal shallow model has this kernel: :class:`SharedEigenvalueError` is raised. The test
    is on the exact higher-order coefficients, so shared eigenvalues whose paths carry no (net)
    weight are accepted.

    *Float and mpmath models.* Their entries are exact binary numbers, and the residues are
    computed from them at ``GUARD_FACTOR`` times the working precision (exactly when two layers
    share an eigenvalue), dividing by the differences ``λ - μ`` directly, and rounded once. The
    result is then certified: with ``ε`` the machine epsilon of the kind, the rounded residues
    ``r̂`` give a kernel within ``bound(s) = Σ_λ (ε|r̂_λ| + δ_λ)|λ|^s`` of the exact one (``δ_λ``
    the guarded computation's error bound), and on ``T = certifying_length`` terms

    * ``bound(s) ≤ rtol · K_abs(s)`` with ``K_abs`` the kernel of the entrywise-absolute deep
      model, else :class:`IllConditionedError` (e.g. eigenvalues ``λ`` and ``λ + δ`` in two
      layers give residues of order ``|λ|/δ``: at float64 a relative ``δ`` below about
      ``1e-9`` is refused), and
    * the kernels of the result and of ``deep``, evaluated from their exact entries at the
      guarded precision (the deep one by the recurrence of Eq. 1, independently of the
      partial fractions), differ by at most ``bound(s)`` plus the evaluation error, else
      :class:`KernelCheckError`.

    Exact models are checked exactly on the certifying length.

    Parameters
    ----------
    deep
        Any deep model (exact, mpmath or float entries; the result has the same kind).
    tol
        Optional: two distinct nonzero eigenvalues on one weighted path with
        ``|λ - μ| ≤ tol·max(|λ|, |μ|)`` raise :class:`SharedEigenvalueError` (treat them as
        shared) before any computation. Not available for the exact kind.
    rtol
        Relative accuracy the result must carry (default :func:`default_rtol`, ``≈ 5.5e-7`` for
        float64). Not available for the exact kind.

    Raises
    ------
    SharedEigenvalueError
        If ``ρ̂`` has a pole of order ``≥ 2`` (or, with ``tol``, nearly so).
    IllConditionedError
        If the rounded result cannot carry ``rtol`` relative accuracy; the message names the
        closest pair of eigenvalues on a weighted path and their gap.
    KernelCheckError
        If the a-posteriori kernel check fails (a bug; nothing is returned).
    """
    _check(deep=deep, tol=tol, rtol=rtol)
    if deep.kind is NumberKind.EXACT:
        for name, value in (("tol", tol), ("rtol", rtol)):
            if value is not None:
                raise InvalidParameterError(
                    f"{name}: exact models are converted exactly; pass {name}=None"
                )
        shallow = _exact_partial_fractions(deep)
        _verify_exact(deep, shallow, "deep_to_shallow")
        return shallow
    rtol = default_rtol(deep.kind) if rtol is None else mpmath.mpf(rtol)
    prec = _precision(deep.kind)
    with mpmath.workprec(GUARD_FACTOR * prec + GUARD_BITS):
        work = deep.to_kind(NumberKind.MPMATH)  # binary entries convert exactly
        is_zero = _zero_test(None)
        values, ids = _distinct_ids(work.eigenvalues, is_zero)
        weights = _multiset_weights(ids, work.B, work.C, mpmath.mpf(0), is_zero, mpmath.fabs)
        if tol is not None:
            _check_near_shared(values, weights, tol)
        if any(len(set(key)) < len(key) for key in weights):
            # an eigenvalue shared by two layers: decide the pole order exactly
            _, exact_res, exact_const = _exact_parts(deep.to_kind(NumberKind.EXACT))
            res = list(convert([*exact_res, exact_const], NumberKind.MPMATH))
            bounds = [2 * mpmath.fabs(r) * mpmath.mpf(2) ** -mpmath.mp.prec for r in res]
        else:
            res, bounds, const, const_bound = _simple_residues(values, weights, deep.depth)
            res, bounds = [*res, const], [*bounds, const_bound]
        modes = [*values, mpmath.mpf(0)]
        keep = [v for v, r in enumerate(res) if r != 0 and _round(deep.kind, r, prec) != 0]
        if not keep:
            keep = [len(modes) - 1]
        shallow = _shallow_of(deep.kind, [_round(deep.kind, modes[v], prec) for v in keep],
                              [_round(deep.kind, res[v], prec) for v in keep])
        _certify_shallow(deep, shallow, (modes, res, bounds), (rtol, _epsilon(prec)),
                         lambda: _closest_pair(values, weights))
    return shallow


def _round(kind: NumberKind, x: Any, prec: int) -> Any:
    """``x`` rounded once to ``kind`` (to float64, or to mpmath numbers of ``prec`` bits)."""
    if kind is NumberKind.FLOAT:
        return complex(x) if isinstance(x, mpmath.mpc) else float(x)
    with mpmath.workprec(prec):
        return +x


def _first_excess(got: list[Any], want: list[Any], allowed: list[Any]
                  ) -> tuple[int, Any, Any] | None:
    """The first term ``s`` where ``|got[s] - want[s]| > allowed[s]``, with that error and
    allowance; ``None`` when every term is within its allowance."""
    for s, (g, w, a) in enumerate(zip(got, want, allowed)):
        err = mpmath.fabs(g - w)
        if err > a:
            return s, err, a
    return None


def _normal_floor(kind: NumberKind) -> Any:
    """Below this modulus a value of ``kind`` carries no relative accuracy (float64's normal
    range ends at ``2^-1022``; mpmath has no such floor)."""
    return mpmath.mpf(2) ** -1022 if kind is NumberKind.FLOAT else mpmath.mpf(0)


def _worst_relative(bound: list[Any], reference: list[Any], kind: NumberKind) -> Any:
    """Largest ``bound[s] / reference[s]`` over the terms whose reference is in the normal
    range of ``kind`` (relative accuracy is asked of those only); ``0`` if there are none."""
    floor = _normal_floor(kind)
    return max((b / r for b, r in zip(bound, reference) if r > floor), default=mpmath.mpf(0))


def _certify_shallow(deep: DeepSSM, shallow: ShallowSSM, parts: tuple[list[Any], ...],
                     accuracy: tuple[Any, Any], describe: Any) -> None:
    """The a-priori accuracy test and the a-posteriori kernel check of :func:`deep_to_shallow`.

    Runs at the guarded precision; ``parts = (modes, res, bounds)`` are the unrounded residues
    (all modes, the zero mode last) and their computation's error bounds, ``accuracy`` is
    ``(rtol, ε)`` with ``ε`` the machine epsilon of the result.
    """
    kind = deep.kind
    modes, res, bounds = parts
    rtol, eps = accuracy
    T = certifying_length(deep, shallow)
    # the smallest subnormal: the absolute rounding error of a float residue below 2^-1022
    floor = mpmath.mpf(2) ** -1074 if kind is NumberKind.FLOAT else mpmath.mpf(0)
    size = [eps * mpmath.fabs(r) + b for r, b in zip(res, bounds)]
    bound = [sum((z * mpmath.fabs(lam) ** s for z, lam in zip(size, modes)), mpmath.mpf(0))
             for s in range(T)]
    k_abs = _abs_kernel(deep, T)
    worst = _worst_relative(bound, k_abs, kind)
    if worst > rtol:
        raise IllConditionedError(
            f"deep: {describe()}; the shallow residues reach "
            f"{mpmath.nstr(max(mpmath.fabs(r) for r in res), 3)} and the {kind.value} result "
            f"would be accurate only to {mpmath.nstr(worst, 3)} relative to the kernel of the "
            f"entrywise-absolute model, worse than rtol = {mpmath.nstr(rtol, 3)}; convert an "
            "exact or higher-precision mpmath model instead"
        )
    slack_scale = 4 * mpmath.mpf(2) ** -mpmath.mp.prec
    got, want = _mp_kernel(shallow, T), _mp_kernel(deep, T)
    s_abs = _abs_kernel(shallow, T)
    excess = _first_excess(got, want, [
        bound[s] + len(res) * floor + slack_scale * (s + deep.depth + 2) * (k_abs[s] + s_abs[s])
        for s in range(T)])
    if excess is not None:
        s, err, allowed = excess
        raise KernelCheckError(
            f"deep_to_shallow: at s = {s} the shallow kernel misses the deep one by "
            f"{mpmath.nstr(err, 3)}, more than the certified bound {mpmath.nstr(allowed, 3)}; "
            "the result is not returned"
        )


def _check_near_shared(values: list[Any], weights: dict[tuple[int, ...], list[Any]],
                       tol: Any) -> None:
    for la, lb in _path_pairs(values, weights):
        if _abs(la - lb) <= tol * max(_abs(la), _abs(lb)):
            raise SharedEigenvalueError(
                f"deep: eigenvalues {la} and {lb} on one weighted path differ by "
                f"{_abs(la - lb)} <= tol*|lambda| (tol={tol}); the residues would be of "
                "order 1/|lambda - mu|"
            )


# ---------------------------------------------------------------------------- the finding
def shared_eigenvalue_counterexample(lam: Any) -> DeepSSM:
    """The depth-2 width-1 model ``A_1 = A_2 = λ``, ``B_1 = B_2 = C = 1``; ``ρ(s) = (s+1)λ^s``.

    Its ``ρ̂(w) = 1/(1-λw)^2`` has a double pole, so for ``λ ≠ 0`` it lies in no shallow class
    ``H^n_{∞,1}``: the finding against Theorem 4.1(i) as stated (see
    :func:`pole_multiplicity_certificate`).
    """
    _check(rules={"lam": "stable_nonzero"}, lam=lam)
    kind = kind_of(lam)
    one = {NumberKind.EXACT: sympy.Integer(1), NumberKind.MPMATH: mpmath.mpf(1),
           NumberKind.FLOAT: 1.0}[kind]
    return DeepSSM([[lam], [lam]], [[one], [[one]]], [one])


def _product(factors: list[Any], one: Any) -> Any:
    """``Π factors`` (``one`` for none), in the factors' ring."""
    out = one
    for f in factors:
        out *= f
    return out


def _transfer_ring(deep: DeepSSM) -> tuple[Any, Any, Any] | None:
    """``ρ̂ = N/D`` (BYJL25 Eq. 2 summed over ``s``) as polynomials in ``w`` over ``QQ_I``, with
    ``D = Π_{k,i} (1 - λ_{k,i} w)`` (not reduced), and their ring; ``None`` when an entry of the
    exact model is not a Gaussian rational (radicals: the caller uses sympy expressions).

    Layer by layer, ``v_k = (I - w A_k)^{-1} B_k v_{k-1}`` kept over the common denominator:
    every product is exact arithmetic in the domain, so the fraction is found without building
    and expanding the nested expression of :meth:`DeepSSM.transfer_function`.
    """
    K, (lam, C, *B) = to_domain(deep.eigenvalues, deep.C, *deep.B)
    if K not in (sympy.ZZ, sympy.QQ, sympy.ZZ_I, sympy.QQ_I):
        return None
    R, w = sympy.ring(str(W), sympy.QQ_I)

    def el(x: Any) -> Any:
        return R(sympy.QQ_I.convert_from(x, K))

    vec, den = [el(b) for b in B[0]], R.one
    for k in range(deep.depth):
        if k:
            vec = [sum((el(B[k][i, j]) * vec[j] for j in range(deep.width)), R.zero)
                   for i in range(deep.width)]
        lin = [R.one - el(x) * w for x in lam[k]]
        vec = [v * _product(lin[:i] + lin[i + 1:], R.one) for i, v in enumerate(vec)]
        den *= _product(lin, R.one)
    return R, sum((el(c) * v for c, v in zip(C, vec)), R.zero), den


def _reduced_transfer(deep: DeepSSM) -> tuple[sympy.Expr, sympy.Expr]:
    """``ρ̂`` in lowest terms as ``sympy.fraction(sympy.cancel(ρ̂))`` gives it; through
    :func:`_transfer_ring` and a polynomial gcd when the model is Gaussian-rational."""
    ring = _transfer_ring(deep)
    if ring is None:
        return sympy.fraction(sympy.cancel(sympy.together(deep.transfer_function())))
    _, num, den = ring
    num, den = num.cancel(den)
    # the same normal form (signs, content) as sympy.cancel of the nested expression
    return sympy.fraction(sympy.cancel(num.as_expr() / den.as_expr()))


def _same_transfer(deep: DeepSSM, numerator: sympy.Expr, denominator: sympy.Expr) -> bool:
    """Whether ``ρ̂`` of ``deep`` equals ``numerator/denominator`` (polynomials in ``w``), decided
    exactly: ``N·denominator = numerator·D`` in ``QQ_I[w]`` for a Gaussian-rational model and
    certificate, otherwise the numerator of the cancelled difference, coefficient by coefficient
    (:func:`theory.numbers.is_exact_zero`)."""
    ring = _transfer_ring(deep)
    if ring is not None:
        R, num, den = ring
        try:
            other_num, other_den = R.from_expr(numerator), R.from_expr(denominator)
        except (ValueError, sympy.polys.polyerrors.CoercionFailed):
            pass  # coefficients outside QQ_I: decided below
        else:
            return not other_den.is_zero and num * other_den == other_num * den
    diff = sympy.cancel(deep.transfer_function() - numerator / denominator)
    num_diff, _ = sympy.fraction(sympy.together(diff))
    return all(is_exact_zero(c) for c in sympy.Poly(num_diff, W).all_coeffs())


@dataclass(frozen=True)
class PoleCertificate:
    """Exact order of the pole of ``ρ̂`` at ``w = 1/λ`` (BYJL25 Theorem 4.1(i) finding).

    ``ρ̂ = numerator/denominator`` in lowest terms (polynomials in ``w`` over the rationals or
    Gaussian rationals); ``order`` is the multiplicity of the factor ``1 - λw`` in the
    denominator. A diagonal shallow model has ``ρ̂ = Σ_i r_i/(1 - λ_i w)``, only simple poles,
    so ``order ≥ 2`` proves that no shallow model of any width has this kernel.
    """

    pole: Any
    order: int
    numerator: sympy.Expr
    denominator: sympy.Expr

    def check(self, deep: DeepSSM | None = None) -> bool:
        """Re-verify: ``(1-λw)^order`` divides the denominator, ``(1-λw)^{order+1}`` does not,
        the numerator does not vanish at ``1/λ`` (when ``order ≥ 1``), and (if ``deep`` is
        given) the fraction equals the model's ``ρ̂``."""
        if deep is not None:
            _check(rules={"deep": "exact_model"}, deep=deep)
        lam = sympy.sympify(self.pole)
        num = sympy.Poly(self.numerator, W)
        den = sympy.Poly(self.denominator, W)
        lin = sympy.Poly(1 - lam * W, W)
        if not den.rem(lin**self.order).is_zero or den.rem(lin ** (self.order + 1)).is_zero:
            return False
        if self.order > 0 and is_exact_zero(num.eval(1 / lam)):
            return False
        if deep is not None and not _same_transfer(deep, self.numerator, self.denominator):
            return False
        return True

    @property
    def shallow_representable(self) -> bool:
        """False when the pole order is at least 2."""
        return self.order <= 1


def pole_multiplicity_certificate(deep: DeepSSM, pole: Any) -> PoleCertificate:
    """Exact pole order of ``ρ̂`` at ``w = 1/pole`` for an exact deep model (sympy ``cancel``).

    Raises
    ------
    InvalidParameterError
        If the model is not exact or ``pole`` is not a nonzero exact number (a zero mode gives
        no pole).
    """
    _check(rules={"deep": "exact_model"}, deep=deep, pole=pole)
    lam = sympy.sympify(pole)
    num, den = _reduced_transfer(deep)
    den_poly = sympy.Poly(den, W)
    lin = sympy.Poly(1 - lam * W, W)
    order = 0
    while not den_poly.is_zero and den_poly.degree() >= lin.degree() and \
            den_poly.rem(lin).is_zero:
        den_poly = den_poly.quo(lin)
        order += 1
    return PoleCertificate(pole=lam, order=order, numerator=sympy.expand(num),
                           denominator=sympy.expand(den))


@dataclass(frozen=True)
class MergingRow:
    """One shallow approximant of ``(s+1)λ^s`` with poles ``λ ± gap/2``."""

    gap: Any
    residues: tuple[Any, Any]
    shallow_norm: Any
    sup_error: Any


def merging_poles_residue_table(lam: Any, gaps: Sequence[Any], T: int = 32) -> list[MergingRow]:
    """Shallow approximants of the shared-eigenvalue kernel and their norms.

    ``ρ_gap(s) = (λ_1^{s+1} - λ_2^{s+1})/(λ_1 - λ_2) = Σ_s r_i λ_i^s`` with ``λ_{1,2} = λ ± gap/2``
    and ``r_1 = λ_1/gap``, ``r_2 = -λ_2/gap``: residues of order ``1/gap``, shallow norm
    ``max|r_i|^{1/2}`` unbounded as ``gap → 0``, while ``sup_{s<T} |ρ_gap(s) - (s+1)λ^s| → 0``.
    Exact when ``lam`` and the gaps are exact, otherwise at the current mpmath precision.
    """
    _check(lam=lam, gaps=gaps, T=T)
    kind = kind_of(lam, list(gaps))
    work = NumberKind.EXACT if kind is NumberKind.EXACT else NumberKind.MPMATH
    lam_v = convert([lam], work)[0]
    target = np.array([(s + 1) * lam_v**s for s in range(T)], dtype=object)
    rows = []
    for gap in convert(list(gaps), work):
        l1, l2 = lam_v + gap / 2, lam_v - gap / 2
        r = np.array([l1 / gap, -l2 / gap], dtype=object)
        approx = ShallowSSM(np.array([l1, l2], dtype=object), r,
                            np.array([l1**0, l2**0], dtype=object)).kernel(T)
        err = max_abs(_exact_differences(approx, target) if work is NumberKind.EXACT
                      else approx - target)
        norm = sympy.sqrt(max_abs(r)) if work is NumberKind.EXACT else mpmath.sqrt(max_abs(r))
        rows.append(MergingRow(gap=gap, residues=(r[0], r[1]), shallow_norm=norm, sup_error=err))
    return rows


# ============================================================================ Thm 4.1(ii)
def _shallow_parts(shallow: ShallowSSM) -> tuple[np.ndarray, np.ndarray]:
    """Poles and residues of a target with distinct poles (decided exactly)."""
    _check(shallow=shallow)
    poles, res = shallow.poles, shallow.residues
    for i in range(len(poles)):
        for j in range(i):
            if _equal(poles[i], poles[j]):
                raise InvalidParameterError(
                    f"shallow: poles must be distinct; pole {poles[i]} repeats at indices {j} and "
                    f"{i} (merge the modes by adding their residues)"
                )
    return poles, res


def _numerator(lam: Sequence[Any], r: Sequence[Any], one: Any, zero: Any) -> list[Any]:
    """Ascending coefficients of ``P = Σ_i r_i Π_{j≠i}(1-λ_j w)``, trailing zeros removed."""
    coeffs = [zero]
    for i, ri in enumerate(r):
        term = [ri]
        for j, lj in enumerate(lam):
            if j != i and lj:
                term = _times_linear(term, lj, zero)
        coeffs = [a + b for a, b in zip(coeffs + [zero] * (len(term) - len(coeffs)),
                                        term + [zero] * (len(coeffs) - len(term)))]
    while len(coeffs) > 1 and not coeffs[-1]:
        coeffs.pop()
    return coeffs


def numerator_coefficients(shallow: ShallowSSM) -> np.ndarray:
    """Ascending coefficients of ``P(w) = Σ_i r_i Π_{j≠i}(1 - λ_j w)``, so ``ρ̂ = P/Q``.

    ``Q = Π_{λ_i ≠ 0}(1 - λ_i w)`` (a zero pole contributes no factor). Trailing zero
    coefficients are removed, so ``len - 1`` is ``deg P`` (``[0]`` for the zero target). The
    coefficient of ``w^{n-1}`` is ``(-1)^{n-1} Π λ_j · Σ_i r_i/λ_i`` when all poles are nonzero.
    """
    poles, res = _shallow_parts(shallow)
    ar = KindArithmetic(shallow.kind, [poles, res])
    lam, r = ar.arrays
    coeffs = _numerator(list(lam), list(r), ar.zero + 1, ar.zero)
    out = np.array([*coeffs, None], dtype=object)[:-1]
    return convert(out, NumberKind.FLOAT) if shallow.kind is NumberKind.FLOAT else ar.back(out)


def _gaussian_factor(f: list[Any], K0: Any) -> tuple[Any, list[tuple[list[Any], int]]]:
    """sympy's ``dup_qq_i_factor`` / ``dup_zz_i_factor`` of the primitive ``f`` over ``K0``
    (``QQ_I`` / ``ZZ_I``), step by step, with a direct conversion into ``QQ<I>``.

    sympy converts every coefficient into ``QQ<I>`` through ``to_number_field`` (a field
    isomorphism per coefficient, about 0.2 s each); ``a + bI`` is the element ``[b, a]`` of
    ``QQ<I>``, whose generator is ``I`` (checked by the caller).
    """
    if K0 == sympy.ZZ_I:
        K1 = K0.get_field()
        coeff, factors = _gaussian_factor(dup_convert(f, K0, K1), K1)
        out = []
        for fac, i in factors:
            fac_denom, fac_num = dup_clear_denoms(fac, K1)
            content, fac_prim = dmp_ground_primitive(dup_convert(fac_num, K1, K0), 0, K0)
            coeff = (coeff * content**i) // fac_denom**i
            out.append((fac_prim, i))
        return K0.convert(coeff, K1), out
    K1 = K0.as_AlgebraicField()
    coeff, factors = dup_factor_list([K1.new([c.y, c.x]) for c in f], K1)
    return K0.convert(coeff, K1), [(dup_convert(g, K1, K0), k) for g, k in factors]


def _factor_list(poly: sympy.Poly) -> tuple[Any, list[tuple[sympy.Poly, int]]]:
    """``poly.factor_list()``: the same coefficient, factors and order, much faster over
    ``ZZ_I`` and ``QQ_I`` (sympy's ``dup_factor_list`` with :func:`_gaussian_factor`)."""
    K0 = poly.domain
    field = sympy.QQ_I.as_AlgebraicField()
    if K0 not in (sympy.ZZ_I, sympy.QQ_I) or field.ext.as_expr() != sympy.I or \
            field.mod.to_list() != [1, 0, 1]:
        return poly.factor_list()
    j, f = dup_terms_gcd(poly.rep.to_list(), K0)
    cont, f = dup_primitive(f, K0)
    coeff, factors = _gaussian_factor(f, K0)
    if j:
        factors.insert(0, ([K0.one, K0.zero], j))
    return K0.to_sympy(coeff * cont), \
        [(poly.per(poly.rep.per(g)), k) for g, k in _sort_factors(factors)]


def _exact_roots(coeffs: np.ndarray) -> list[Any] | None:
    """Exact roots of ``P`` (with multiplicity) when ``deg P ≤ 2`` or ``P`` splits into linear
    factors over its coefficient field; otherwise ``None``."""
    poly = sympy.Poly(list(coeffs[::-1]), W, extension=True)
    if poly.degree() <= 2:
        return list(sympy.roots(poly, multiple=True))
    _, factors = _factor_list(poly)
    if any(f.degree() > 1 for f, _ in factors):
        return None
    roots = []
    for f, mult in factors:
        c1, c0 = f.all_coeffs()
        roots += [sympy.expand(-c0 / c1)] * mult
    return roots


def numerator_roots(shallow: ShallowSSM) -> tuple[Any, list[Any]]:
    """``(κ, [ζ_j])`` with ``P(w) = κ Π_j (w - ζ_j)`` (Algorithm A, step 2).

    Exact targets: exact roots (sympy) when ``deg P ≤ 2`` or ``P`` splits into linear factors
    over the rationals/Gaussian rationals; otherwise roots by :func:`theory.numbers.polyroots`
    at the current mpmath precision, and ``κ`` and the roots are then mpmath numbers. mpmath
    targets: mpmath roots. Float targets: roots at ``FLOAT_WORKING_DPS`` digits, returned as
    Python complex numbers. For the zero target ``P = 0`` the result is ``(0, [])``.
    """
    _shallow_parts(shallow)
    roots: list[Any] | None  # None: no exact roots (_exact_roots)
    if shallow.kind is NumberKind.FLOAT:
        with mpmath.workdps(FLOAT_WORKING_DPS):
            kappa, roots = numerator_roots(shallow.to_kind(NumberKind.MPMATH))
            return complex(kappa), [complex(z) for z in roots]
    coeffs = numerator_coefficients(shallow)
    kappa = coeffs[-1]
    if len(coeffs) == 1:
        return kappa, []
    if shallow.kind is NumberKind.EXACT:
        roots = _exact_roots(coeffs)
        if roots is not None:
            return kappa, roots
        kappa = convert([kappa], NumberKind.MPMATH)[0]
    return kappa, polyroots(list(coeffs))


def root_capacity(n_nonzero: int, width: int) -> int:
    """Numerator roots a layer holding ``n_nonzero`` nonzero poles can absorb: ``min(n, m-1)``.

    ``G_k = Π_{Z_k}(w-ζ)/Π_{S_k}(1-λw)`` must be ``d_k + Σ γ/(1-λw)``; ``d_k ≠ 0`` (when
    ``|Z_k| = |S_k|``) needs a free slot for the zero pass-through mode, i.e. ``|S_k| < m``.
    """
    _check(n_nonzero=n_nonzero, width=width)
    return min(int(n_nonzero), int(width) - 1)


def target_from_factors(poles: Sequence[Any], roots: Sequence[Any], kappa: Any) -> ShallowSSM:
    """The shallow target ``ρ̂ = κ Π_j(w - ζ_j) / Π_i(1 - λ_i w)`` (``B = r``, ``C = 1``).

    Residues ``r_i = κ Π_j(1/λ_i - ζ_j) / Π_{k≠i}(1 - λ_k/λ_i)``. Needs distinct nonzero poles
    and fewer roots than poles (no constant term). Used to build targets whose numerator splits
    over the rationals, so that Algorithm A stays exact at any size.
    """
    _check(poles=poles, roots=roots, kappa=kappa)
    kind = kind_of(list(poles), list(roots), kappa)
    pa = convert(list(poles), kind) if kind is not NumberKind.FLOAT else np.asarray(poles)
    if len(roots) >= len(poles):
        raise InvalidParameterError(
            f"roots: expected fewer roots than poles ({len(poles)}), got {len(roots)}"
        )
    if any(_equal(pa[i], pa[j]) for i in range(len(pa)) for j in range(i)):
        raise InvalidParameterError(f"poles: must be distinct, got {list(poles)}")
    scalars = convert(np.array([kappa, *roots, *poles, None], dtype=object)[:-1],
                      kind if kind is not NumberKind.FLOAT else NumberKind.MPMATH)
    if kind is NumberKind.EXACT:
        K, (el,) = to_domain(scalars)
        one, zero = K.one, K.zero
    else:
        el, one, zero = scalars, mpmath.mpf(1), mpmath.mpf(0)
    kap, rts, pls = el[0], list(el[1:1 + len(roots)]), list(el[1 + len(roots):])
    _, vec = _layer(pls, rts, len(pls), one, zero)
    res = np.array([kap * g for g in vec], dtype=object)
    if kind is NumberKind.EXACT:
        res = np.array([sympy.expand(K.to_sympy(x)) for x in res], dtype=object)
        return ShallowSSM(list(poles), res, [sympy.Integer(1)] * len(poles))
    if kind is NumberKind.FLOAT:
        return ShallowSSM(np.asarray(poles), convert(res, kind), np.ones(len(poles)))
    return ShallowSSM(pa, res, [mpmath.mpf(1)] * len(poles))


def _is_zero_pole(poles: np.ndarray, i: int) -> bool:
    return _equal(poles[i], 0)


def _even_sizes(n_nz: int, depth: int, width: int) -> list[int]:
    """Group sizes of the default split: as few full layers as possible, then ``≤ m-1`` poles
    per layer spread evenly (the first layers take the remainder)."""
    full = max(0, n_nz - depth * (width - 1))
    rest = n_nz - full * width
    free = depth - full
    return [width] * full + [rest // free + (1 if k < rest % free else 0) for k in range(free)]


def _spread(count: int, room: list[int], unit: int) -> list[int]:
    """Place ``count`` items of ``unit`` slots one by one, each into the layer with the most room
    left (ties: the lowest index); ``room`` is updated, the number placed per layer returned.

    With ``unit = 2`` this places ``min(count, Σ_k ⌊room_k/2⌋)`` items, the most possible: a pair
    goes to a layer with room ``≥ 2`` as long as one is left, lowering ``Σ ⌊room_k/2⌋`` by one.
    """
    placed = [0] * len(room)
    for _ in range(count):
        k = max(range(len(room)), key=lambda j: (room[j], -j))
        placed[k] += 1
        room[k] -= unit
    return placed


def _default_pole_groups(poles: np.ndarray, width: int, items: list[list[int]],
                         sizes: list[int]) -> list[list[int]]:
    """Nonzero poles into groups of the given ``sizes``, the pole at 0 (if any) into the first
    group with a free slot.

    ``items`` are the nonzero poles as singletons or conjugate pairs (kept in one group); pairs
    are placed first, each into the group with the most room left (:func:`_spread`). The caller
    chooses ``sizes`` so that the pairs fit (:func:`_real_split_search` for ``real=True``).
    """
    groups: list[list[int]] = [[] for _ in sizes]
    room = list(sizes)
    for it in sorted(items, key=len, reverse=True):  # pairs first, stable order otherwise
        k = max(range(len(sizes)), key=lambda j: (room[j], -j))
        groups[k] += it
        room[k] -= len(it)
    zeros = [i for i in range(len(poles)) if _is_zero_pole(poles, i)]
    for i in zeros:
        free = next((j for j in range(len(sizes)) if len(groups[j]) < width), None)
        if free is None:
            raise InsufficientCapacityError(
                "pole_groups: no layer has a free slot for the target's pole at 0"
            )
        groups[free].append(i)
    return groups


def _validate_groups(groups: Any, size: int, depth: int, name: str) -> list[list[int]]:
    if not isinstance(groups, (list, tuple)) or len(groups) != depth:
        raise InvalidParameterError(f"{name}: expected a list of {depth} lists of indices")
    flat = []
    out = []
    for g in groups:
        if not isinstance(g, (list, tuple)):
            raise InvalidParameterError(f"{name}: every group must be a list of indices")
        idx = []
        for i in g:
            if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < size:
                raise InvalidParameterError(f"{name}: index {i!r} out of range(0, {size})")
            idx.append(int(i))
        flat += idx
        out.append(idx)
    if sorted(flat) != list(range(size)):
        raise InvalidParameterError(
            f"{name}: the groups must use every index in range(0, {size}) exactly once"
        )
    return out


def _pair_up(values: Sequence[Any], real: bool, name: str) -> list[list[int]]:
    """Indices as singletons, or (with ``real``) as conjugate pairs / real singletons."""
    if not real:
        return [[i] for i in range(len(values))]
    items, used = [], set()
    for i, x in enumerate(values):
        if i in used:
            continue
        used.add(i)
        if _equal(_conj(x), x):
            items.append([i])
            continue
        j = next((j for j, y in enumerate(values) if j not in used and _equal(y, _conj(x))),
                 None)
        if j is None:
            raise InvalidParameterError(
                f"{name}: real=True needs conjugate-symmetric values; {x} has no conjugate partner"
            )
        used.add(j)
        items.append([i, j])
    return items


def _closed_under_conjugation(values: list[Any]) -> bool:
    return all(any(_equal(y, _conj(x)) for y in values) for x in values)


def _symmetrize_roots(roots: list[Any], kind: NumberKind) -> list[Any]:
    """Make numerically computed roots of a real polynomial exactly conjugate-symmetric.

    A root with ``|Im ζ| ≤ tol(|ζ|)`` becomes real; every other root is matched with the root
    closest to its conjugate and the pair is set to ``(ζ, conj ζ)`` exactly.
    """
    if kind is NumberKind.EXACT:
        return roots
    out: list[Any] = [None] * len(roots)
    left = list(range(len(roots)))
    tol_scale = mpmath.mpf(2) ** (-0.5 * mpmath.mp.prec)
    while left:
        i = left.pop(0)
        z = roots[i]
        if mpmath.fabs(mpmath.im(z)) <= tol_scale * (1 + mpmath.fabs(z)):
            out[i] = mpmath.mpf(mpmath.re(z))
            continue
        j = min(left, key=lambda j: mpmath.fabs(roots[j] - mpmath.conj(z)), default=None)
        if j is None or mpmath.fabs(roots[j] - mpmath.conj(z)) > tol_scale * (1 + mpmath.fabs(z)):
            raise InvalidParameterError(
                "shallow: real=True but the numerator roots are not conjugate-symmetric"
            )
        left.remove(j)
        out[i], out[j] = z, mpmath.conj(z)
    return out


def _default_root_groups(caps: list[int], items: list[list[int]]) -> list[list[int]]:
    """Numerator roots (singletons or conjugate pairs) into layers of root capacities ``caps``.

    Pairs first, each into the layer with the most room left, then the singletons the same way:
    this places every pair whenever ``Σ_k ⌊cap_k/2⌋`` is at least their number (see
    :func:`_spread`), so a failure means no conjugation-closed root split exists for ``caps``.

    Raises
    ------
    InsufficientCapacityError
        If the pairs or the roots do not fit (only for given ``pole_groups``: the default
        splits fit); the message gives the counts.
    """
    n_pairs, n_roots = sum(len(it) == 2 for it in items), sum(len(it) for it in items)
    pair_room, total = sum(c // 2 for c in caps), sum(caps)
    if n_pairs > pair_room or n_roots > total:
        raise InsufficientCapacityError(
            f"pole_groups: the groups give root capacities {caps} (min(#nonzero poles, m-1) "
            f"per layer): {total} roots and {pair_room} conjugate pairs fit in total, and P has "
            f"{n_roots} roots of which {n_pairs} conjugate pairs (no root split fits these "
            "groups; with real=True, real_split_certificate decides whether another pole split "
            "has one)"
        )
    groups: list[list[int]] = [[] for _ in caps]
    room = list(caps)
    for it in sorted(items, key=len, reverse=True):
        k = max(range(len(caps)), key=lambda j: (room[j], -j))
        groups[k] += it
        room[k] -= len(it)
    return groups


#: Per-layer counts of a conjugation-closed split: real poles, conjugate pole pairs, the pole at
#: 0 (0 or 1), real numerator roots, conjugate root pairs.
LayerCounts = tuple[int, int, int, int, int]


def _layer_violation(counts: LayerCounts, width: int) -> str | None:
    """Why one layer's counts break the rules of Algorithm A (``None`` if they do not).

    ``|S_k| = a + 2b + e ≤ m`` and ``|Z_k| = c + 2d ≤ min(a + 2b, m - 1)`` (:func:`root_capacity`).
    """
    a, b, e, c, d = counts
    if min(counts) < 0 or e > 1:
        return f"negative counts or two poles at 0 in {counts}"
    if a + 2 * b + e > width:
        return f"{a + 2 * b + e} poles exceed the width {width} in {counts}"
    if c + 2 * d > min(a + 2 * b, width - 1):
        return (f"{c + 2 * d} roots exceed the root capacity min({a + 2 * b}, {width - 1}) "
                f"in {counts}")
    return None


def _odd_layers(rest: int, free: int, width: int) -> int:
    """Fewest odd sizes among ``free`` layers of ``≤ m-1`` nonzero poles summing to ``rest``.

    With ``E`` the largest even number ``≤ m-1``: ``j`` odd sizes (each ``≤ m-1``) and
    ``free - j`` even ones (each ``≤ E``) sum to at most ``free·E + j`` when ``m`` is even
    (``E = m - 2``), and ``j ≡ rest (mod 2)``; so ``j = max(rest mod 2, rest - free·E)``. For
    odd ``m`` (``E = m - 1``) this is ``rest mod 2``.
    """
    even = (width - 1) - (width - 1) % 2
    return max(rest % 2, rest - free * even)


def _sizes_with_odd(rest: int, free: int, odd: int, width: int) -> list[int]:
    """``free`` sizes ``≤ m-1`` summing to ``rest`` with exactly ``odd`` odd ones (the first):
    each odd layer starts at 1, then pairs of slots go to the layer with the most room."""
    top = width - 1
    odd_top, even_top = top - 1 + top % 2, top - top % 2  # the largest odd / even size <= m-1
    room = [odd_top - 1] * odd + [even_top] * (free - odd)
    placed = _spread((rest - odd) // 2, room, 2)
    return [(1 if k < odd else 0) + 2 * p for k, p in enumerate(placed)]


def _search_reason(full: int, counts: LayerCounts, depth: int, width: int) -> str | None:
    """Why no conjugation-closed split with exactly ``full`` layers of ``m`` nonzero poles
    exists (``None`` if one does), from the counts ``(p_r, p_c, z, q_r, q_c)``.

    The other ``G = l - full`` layers hold ``≤ m - 1`` nonzero poles each, and a root capacity
    ``min(n_k, m-1)`` is ``n_k - [n_k = m]``, so ``Σ cap_k = N - full`` for every such split.
    Sizes ``n_k`` take the poles iff at most ``p_r`` of them are odd (an odd layer needs a real
    pole; then ``Σ ⌊n_k/2⌋ = (N - #odd)/2 ≥ p_c`` and the pairs fit, see :func:`_spread`), and
    capacities take the roots iff ``Σ cap_k ≥ deg P`` and ``Σ ⌊cap_k/2⌋ = (Σ cap_k - #odd
    caps)/2 ≥ q_c`` (pairs first, then the real roots anywhere). The odd sizes and the odd
    capacities are the odd sizes among the ``G`` layers plus, for odd resp. even ``m``, the
    ``full`` layers; so the fewest odd sizes among the ``G`` layers (:func:`_odd_layers`) is
    best for every condition at once, and it decides.
    """
    real_poles, pole_pairs, zero, real_roots, root_pairs = counts
    n, deg = real_poles + 2 * pole_pairs, real_roots + 2 * root_pairs
    rest, free = n - full * width, depth - full
    if rest < 0:
        return f"{full} full layers hold {full * width} > N = {n} nonzero poles"
    if rest > free * (width - 1):
        return (f"the other {free} layers hold at most {free * (width - 1)} of the remaining "
                f"{rest} nonzero poles")
    if zero and not free:
        return "no layer keeps a free slot for the pole at 0"
    odd = _odd_layers(rest, free, width)
    odd_sizes = odd + (full if width % 2 else 0)
    odd_caps = odd + (0 if width % 2 else full)
    if odd_sizes > real_poles:
        return (f"at least {odd_sizes} layers hold an odd number of nonzero poles, each needs a "
                f"real pole, and there are {real_poles}")
    if n - full < deg:
        return f"the root capacities sum to {n - full} < deg P = {deg}"
    if (n - full - odd_caps) // 2 < root_pairs:
        return (f"at least {odd_caps} root capacities are odd, so at most "
                f"{(n - full - odd_caps) // 2} conjugate root pairs fit, and P has {root_pairs}")
    return None


def _split_of(full: int, counts: LayerCounts, depth: int, width: int) -> tuple[LayerCounts, ...]:
    """The split with ``full`` full layers (first), the fewest odd sizes among the others, the
    pairs of poles and of roots spread by :func:`_spread` as :func:`_default_pole_groups` and
    :func:`_default_root_groups` place them, and the pole at 0 in the first non-full layer."""
    real_poles, pole_pairs, zero, real_roots, root_pairs = counts
    rest, free = real_poles + 2 * pole_pairs - full * width, depth - full
    sizes = [width] * full + _sizes_with_odd(rest, free, _odd_layers(rest, free, width), width)
    b = _spread(pole_pairs, list(sizes), 2)
    caps = [min(n, width - 1) for n in sizes]
    room = list(caps)
    d = _spread(root_pairs, room, 2)
    c = _spread(real_roots, room, 1)
    return tuple((n - 2 * bk, bk, int(bool(zero) and k == full), ck, dk)
                 for k, (n, bk, ck, dk) in enumerate(zip(sizes, b, c, d)))


@dataclass(frozen=True)
class RealSplitCertificate:
    """Whether a conjugation-closed split for Algorithm A exists (BYJL25 Theorem 4.1(ii)).

    ``real=True`` of :func:`shallow_to_deep` needs pole groups ``S_k`` and root groups ``Z_k``
    closed under conjugation: a conjugate pair (of poles or of numerator roots) stays in one
    layer. Only counts matter: ``real_poles``/``pole_pairs`` nonzero poles, ``zero_pole``
    (0 or 1) a pole at 0, ``real_roots``/``root_pairs`` roots of ``P``. A layer takes
    ``(a, b, e, c, d)`` of them with ``a + 2b + e ≤ m`` and ``c + 2d ≤ min(a + 2b, m - 1)``
    (:func:`root_capacity`).

    ``layers`` is a feasible split (per-layer counts, in the order :func:`shallow_to_deep` uses)
    or ``None``; ``argument`` has one line per number ``F = 0..l`` of layers holding ``m``
    nonzero poles, saying why no split with ``F`` full layers exists (the last line of a
    feasible certificate names the chosen ``F``). :meth:`check` re-decides the claim
    independently by exhaustive enumeration over per-layer count vectors.
    """

    depth: int
    width: int
    real_poles: int
    pole_pairs: int
    zero_pole: int
    real_roots: int
    root_pairs: int
    layers: tuple[LayerCounts, ...] | None
    argument: tuple[str, ...]

    @property
    def counts(self) -> LayerCounts:
        """``(real_poles, pole_pairs, zero_pole, real_roots, root_pairs)``."""
        return (self.real_poles, self.pole_pairs, self.zero_pole, self.real_roots,
                self.root_pairs)

    @property
    def feasible(self) -> bool:
        """True when a conjugation-closed split exists (``layers`` is one)."""
        return self.layers is not None

    @property
    def root_capacities(self) -> tuple[int, ...]:
        """``min(#nonzero poles, m - 1)`` per layer of the split (empty when infeasible)."""
        return tuple(min(a + 2 * b, self.width - 1) for a, b, *_ in self.layers or ())

    def failures(self) -> list[str]:
        """The statements of the certificate that do not hold (empty when it holds).

        The split (if any) must have ``l`` layers that obey the rules and use every pole and
        root; and a split must exist exactly when ``layers`` is given, decided by a dynamic
        programme over the layers that enumerates every per-layer count vector and keeps the
        reachable partial sums: ``O(l · K · Π (count + 1))`` steps with ``K ≤ 2m²(m/2 + 1)²``
        count vectors per layer, a polynomial (vectorized over the partial sums).
        """
        out = []
        if self.layers is not None:
            if len(self.layers) != self.depth:
                out.append(f"the split must have {self.depth} layers")
            out += [v for v in (_layer_violation(t, self.width) for t in self.layers) if v]
            sums = tuple(sum(t[i] for t in self.layers) for i in range(5))
            if sums != self.counts:
                out.append(f"the split uses {sums}, the target has {self.counts}")
        if _reachable(self.depth, self.width, self.counts) != self.feasible:
            out.append("exhaustive enumeration "
                       f"{'finds' if not self.feasible else 'finds no'} conjugation-closed split")
        return out

    def check(self) -> bool:
        """Re-verify the certificate from the counts (see :meth:`failures`)."""
        return not self.failures()


def _reachable(depth: int, width: int, totals: LayerCounts) -> bool:
    """Whether ``depth`` layers of valid count vectors (:func:`_layer_violation`) sum to
    ``totals``: exhaustive enumeration, merged by partial sums (a boolean table over the
    partial sums ``≤ totals``, one shifted copy per valid count vector and layer)."""
    kinds = [t for t in itertools.product(range(width + 1), range(width // 2 + 1), range(2),
                                          range(width), range(width // 2 + 1))
             if _layer_violation(t, width) is None and all(x <= y for x, y in zip(t, totals))]
    shape = tuple(t + 1 for t in totals)
    states = np.zeros(shape, dtype=bool)
    states[0, 0, 0, 0, 0] = True
    for _ in range(depth):
        nxt = np.zeros(shape, dtype=bool)
        for t in kinds:
            nxt[tuple(slice(x, n) for x, n in zip(t, shape))] |= \
                states[tuple(slice(0, n - x) for x, n in zip(t, shape))]
        states = nxt
    return bool(states[totals])


def _real_split_search(counts: LayerCounts, depth: int, width: int) -> RealSplitCertificate:
    """A conjugation-closed split with the fewest full layers, or the argument that none exists.

    Tries ``F = 0, 1, …, l`` full layers (:func:`_search_reason`, closed form per ``F``): ``O(l)``
    steps, then ``O(l(n + deg P))`` to spread the items. The split found is re-checked against
    the rules (a failure raises :class:`KernelCheckError`: a bug, nothing is returned).
    """
    argument = []
    for full in range(depth + 1):
        reason = _search_reason(full, counts, depth, width)
        if reason is None:
            layers = _split_of(full, counts, depth, width)
            bad = [v for v in (_layer_violation(t, width) for t in layers) if v]
            if bad or tuple(sum(t[i] for t in layers) for i in range(5)) != counts:
                raise KernelCheckError(f"real split: the constructed split {layers} is invalid "
                                       f"({'; '.join(bad) or 'wrong totals'})")
            argument.append(f"F = {full}: feasible")
            return RealSplitCertificate(depth, width, *counts, layers=layers,
                                        argument=tuple(argument))
        argument.append(f"F = {full}: {reason}")
    return RealSplitCertificate(depth, width, *counts, layers=None, argument=tuple(argument))


def _layer(nz_poles: list[Any], roots: list[Any], width: int, one: Any,
           zero: Any) -> tuple[list[Any], list[Any]]:
    """Eigenvalues and residue vector ``(γ_λ…, d, 0…)`` of ``G = Π(w-ζ)/Π(1-λw)``.

    ``γ_λ = Π_ζ(1/λ - ζ) / Π_{μ≠λ}(1 - μ/λ)``; ``d = G(∞) = Π_λ(-1/λ)`` if ``|Z| = |S|`` else 0.
    """
    gam = []
    for a, lam in enumerate(nz_poles):
        num = one
        for z in roots:
            num = num * (one / lam - z)
        den = one
        for b, mu in enumerate(nz_poles):
            if b != a:
                den = den * (one - mu / lam)
        gam.append(num / den)
    d = zero
    if len(roots) == len(nz_poles):
        d = one
        for lam in nz_poles:
            d = d * (-one / lam)
    pad = width - len(nz_poles)
    eig = [*nz_poles] + [zero] * pad
    vec = gam + ([d] + [zero] * (pad - 1) if pad else [])
    return eig, vec


def shallow_to_deep(
    shallow: ShallowSSM,
    depth: int,
    width: int,
    *,
    pole_groups: Sequence[Sequence[int]] | None = None,
    root_groups: Sequence[Sequence[int]] | None = None,
    real: bool = False,
    rtol: Any = None,
) -> DeepSSM:
    """A depth-``l`` width-``m`` model with exactly the kernel of ``shallow`` (Theorem 4.1(ii)).

    Algorithm A: write ``ρ̂ = P/Q = κ Π_k G_k`` with ``G_k = Π_{ζ∈Z_k}(w-ζ)/Π_{λ∈S_k}(1-λw)``,
    expand each ``G_k = d_k + Σ_{λ∈S_k} γ_{k,λ}/(1-λw)``, and realize layer ``k`` as
    ``A_k = diag(S_k, 0, …)`` with the zero mode a pass-through carrying ``d_k``; ``B_1`` is the
    residue vector of ``G_1``, ``B_k = g_k 1^T`` (rank one) with ``g_k`` that of ``G_k``,
    ``C = κ 1``. Then ``1^T h_k = G_k ⋯ G_1 x̂`` and ``y = κ Π G_k x̂``.

    Valid splits. ``pole_groups`` partitions all pole indices into ``l`` groups of size ``≤ m``
    (a pole at ``0`` is bookkeeping only — ``Q`` has no factor for it — and occupies its group's
    pass-through slot). ``root_groups`` partitions the indices of ``numerator_roots(shallow)[1]``
    with ``|Z_k| ≤ min(#nonzero poles of S_k, m - 1)`` (:func:`root_capacity`): ``G_k`` may have
    a constant only when its layer has a free zero slot. Every valid split gives an exact
    realization; the split only changes the norm. The spec's split (``|S_1| = m``,
    ``|S_k| = m-1``) is one of them; groups ``k ≥ 2`` of size ``m`` (no pass-through) are also
    allowed. The default split uses as few full layers as possible and spreads poles and roots
    evenly, in index order.

    A realization exists iff ``#nonzero poles ≤ lm`` and
    ``deg P ≤ min(#nonzero poles, l(m-1))``; this covers every target with
    ``n ≤ l(m-1)+1`` distinct poles, and wider targets whose ``P`` has low degree (e.g.
    ``Σ r_i/λ_i = 0``, see :func:`algorithm_a_cannot_fit`).

    Parameters
    ----------
    shallow
        Target with distinct poles (a pole at 0 and zero residues are allowed).
    depth, width
        ``l ≥ 1`` and ``m ≥ 1``.
    pole_groups, root_groups
        Optional splits (see above); defaults are deterministic.
    rtol
        Relative accuracy the rounded result must carry against the target's absolute kernel
        ``Σ_i |r_i||λ_i|^s`` (default :func:`default_rtol`); float and mpmath results only.
    real
        Keep conjugate pairs of poles and of roots in the same group, so every ``G_k`` is a
        real rational function: ``κ``, ``C``, the ``d_k`` and the ``γ`` of real poles are real,
        the ``γ`` of a conjugate pair are exact conjugates, and the signal ``1^T h_k`` of every
        layer is real for real input. Entries on complex poles stay complex (a complex diagonal
        mode needs them); :func:`theory.real_realization.real_realization` turns the result
        into a model with real block-diagonal ``A_k`` and real ``B_k``, ``C`` (same kernel, norm
        at most ``√2`` times larger). The target must be conjugate-symmetric. Without
        ``pole_groups`` the split is the conjugation-closed one with the fewest full layers,
        found whenever one exists by :func:`real_split_certificate` (an exact polynomial search
        over the counts of real poles, pole pairs, real roots and root pairs per layer). Some
        targets have none, e.g. at ``(l, m) = (2, 2)`` every layer absorbs at most one root, so
        a complex pair of numerator roots cannot stay together: then
        :class:`InsufficientCapacityError` is raised with the counting argument. With
        ``pole_groups`` given, the roots are placed pairs first (which fits them whenever the
        groups' root capacities allow); ``root_groups`` given alone are checked against the
        default pole split.

    Returns
    -------
    DeepSSM
        Exact when the target is exact and the roots are exact (see :func:`numerator_roots`),
        otherwise mpmath at the current precision. The construction runs with twice the
        working precision (``FLOAT_WORKING_DPS`` digits for float targets) and rounds once at
        the end: forming ``P`` from clustered poles cancels many digits, and the guard digits
        leave the realization accurate to the rounding of its own entries.

        Every result is checked a posteriori on ``certifying_length`` terms: exactly for exact
        results; otherwise the kernels of the rounded model and of the target, evaluated from
        their exact entries at ``GUARD_FACTOR`` times the precision, must agree within the
        rounding bound ``≈ (l + 1) u K_abs(s)`` of the model's entries (``u`` the unit roundoff,
        ``K_abs`` the kernel of the entrywise-absolute model; see :func:`_deep_check`). A
        construction that misses it is redone with twice the working precision (at most
        ``PRECISION_DOUBLINGS`` times).

    Raises
    ------
    InsufficientCapacityError
        If the target does not fit a depth-``l`` width-``m`` chain (``n > l(m-1)+1`` with
        ``deg P = n-1``, or too many nonzero poles), or (``real=True``) no conjugation-closed
        split exists (for the given ``pole_groups``, or at all).
    InvalidParameterError
        On repeated poles, invalid splits, or ``real=True`` with a non-symmetric target.
    IllConditionedError
        If the rounding bound exceeds ``rtol`` times the target's absolute kernel (a split that
        puts nearby poles in one layer makes its residues, and the path terms, of order
        ``1/gap``: pass ``pole_groups`` that separate them).
    KernelCheckError
        If the a-posteriori check fails at every working precision tried.
    """
    _check(shallow=shallow, depth=depth, width=width, real=real, rtol=rtol)
    _shallow_parts(shallow)
    args = (int(depth), int(width), pole_groups, root_groups, bool(real))
    if shallow.kind is NumberKind.EXACT:
        with mpmath.workprec(2 * mpmath.mp.prec):
            deep = _algorithm_a(shallow, *args)
        if deep.kind is NumberKind.EXACT:
            if rtol is not None:
                raise InvalidParameterError("rtol: exact results are exact; pass rtol=None")
            _verify_exact(deep, shallow, "shallow_to_deep")
            return deep
    kind = NumberKind.FLOAT if shallow.kind is NumberKind.FLOAT else NumberKind.MPMATH
    prec = _precision(kind)
    rtol = default_rtol(kind) if rtol is None else mpmath.mpf(rtol)
    work = _dps_to_prec(FLOAT_WORKING_DPS) if kind is NumberKind.FLOAT else 2 * prec
    source = shallow.to_kind(NumberKind.MPMATH) if kind is NumberKind.FLOAT else shallow
    errors = []
    for _ in range(PRECISION_DOUBLINGS + 1):
        with mpmath.workprec(work):
            raw = _algorithm_a(source, *args)
        deep = _round_deep(raw, kind, prec)
        with mpmath.workprec(GUARD_FACTOR * max(prec, work) + GUARD_BITS):
            error = _deep_check(deep, shallow, (rtol, _epsilon(prec)))
        if error is None:
            return deep
        errors.append(f"{work} bits: {error}")
        work *= 2
    raise KernelCheckError(
        "shallow_to_deep: the realization's kernel misses the target beyond the rounding bound "
        f"at every working precision tried ({'; '.join(errors)}); nothing is returned"
    )


def _dps_to_prec(dps: int) -> int:
    with mpmath.workdps(dps):
        return int(mpmath.mp.prec)


def _round_deep(deep: DeepSSM, kind: NumberKind, prec: int) -> DeepSSM:
    """``deep`` with every entry rounded once to ``kind`` (mpmath: to ``prec`` bits)."""
    if kind is NumberKind.FLOAT:
        return deep.to_kind(NumberKind.FLOAT)
    with mpmath.workprec(prec):
        rnd = np.vectorize(lambda x: +x, otypes=[object])
        return DeepSSM(rnd(deep.eigenvalues), [rnd(b) for b in deep.B], rnd(deep.C))


def _deep_check(deep: DeepSSM, target: ShallowSSM, accuracy: tuple[Any, Any]) -> str | None:
    """The accuracy test and the a-posteriori kernel check of :func:`shallow_to_deep`.

    Every rounded entry carries a relative error ``≤ u = ε/2``. The nonzero eigenvalues are
    the target's poles; for float and mpmath targets they are reproduced exactly, so only the
    ``l + 1`` entries of a path weight are rounded and a path term of ``ρ(s)`` is off by at most
    ``(1 + u)^{l+1} - 1 ≤ (l + 1)u(1 + (l + 1)ε)`` relatively; poles rounded from an exact
    target add ``s u`` (the power ``λ^s``). So ``bound(s) = (l + 1 + s')u(1 + (l + 1 + s')ε)
    K_abs(s)`` with ``s' = s`` for exact targets and ``0`` otherwise, ``K_abs`` the kernel of the
    entrywise-absolute deep model. Raises :class:`IllConditionedError` when
    ``bound(s) > rtol · Σ_i |r_i||λ_i|^s`` (the target's absolute kernel) for some ``s`` on the
    certifying length; returns a description of the failure when the kernels, evaluated from
    the exact entries at the current (guarded) precision, differ by more than ``bound(s)`` plus
    the evaluation error, and ``None`` when the check passes. ``accuracy = (rtol, ε)``.
    """
    rtol, eps = accuracy
    T = certifying_length(deep, target)
    k_abs, t_abs = _abs_kernel(deep, T), _abs_kernel(target, T)
    powers = target.kind is NumberKind.EXACT  # only then are the eigenvalues rounded
    factors = [deep.depth + 1 + (s if powers else 0) for s in range(T)]
    bound = [f * eps / 2 * (1 + f * eps) * k for f, k in zip(factors, k_abs)]
    normal = _normal_floor(deep.kind)
    worst = _worst_relative(bound, t_abs, deep.kind)
    if worst > rtol:
        raise IllConditionedError(
            f"shallow: the depth-{deep.depth} width-{deep.width} realization's path terms reach "
            f"{mpmath.nstr(max(k / t for k, t in zip(k_abs, t_abs) if t > normal), 3)} times "
            f"the target's absolute kernel, so rounding its entries to {deep.kind.value} leaves "
            f"only {mpmath.nstr(worst, 3)} relative accuracy, worse than rtol = "
            f"{mpmath.nstr(rtol, 3)}; pass pole_groups that separate close poles, or use an "
            "exact or higher-precision mpmath target"
        )
    slack = 4 * mpmath.mpf(2) ** -mpmath.mp.prec
    got, want = _mp_kernel(deep, T), _mp_kernel(target, T)
    excess = _first_excess(got, want, [
        bound[s] + slack * (s + deep.depth + 2) * (k_abs[s] + t_abs[s]) for s in range(T)])
    if excess is None:
        return None
    s, err, allowed = excess
    return f"at s = {s} the error {mpmath.nstr(err, 3)} exceeds {mpmath.nstr(allowed, 3)}"


def _split_items(shallow: ShallowSSM, real: bool
                 ) -> tuple[list[list[int]], Any, list[Any], list[list[int]]]:
    """``(pole_items, κ, roots, root_items)``: the nonzero poles and the numerator roots as
    singletons, or (``real``) as real singletons and conjugate pairs (the target must then be
    conjugate-symmetric: conjugate residues on conjugate poles; numerically computed roots are
    made exactly symmetric and ``κ`` real)."""
    poles, res = _shallow_parts(shallow)
    n = len(poles)
    nonzero = [i for i in range(n) if not _is_zero_pole(poles, i)]
    pole_items = _pair_up([poles[i] for i in nonzero], real, "shallow")
    pole_items = [[nonzero[i] for i in it] for it in pole_items]
    if real:
        for i in range(n):
            j = next(j for j in range(n) if _equal(poles[j], _conj(poles[i])))
            if not _equal(res[j], _conj(res[i])):
                raise InvalidParameterError(
                    "shallow: real=True needs conjugate residues on conjugate poles"
                )
    kappa, roots = numerator_roots(shallow)
    if real:
        roots = _symmetrize_roots(roots, NumberKind.EXACT if all(
            isinstance(z, sympy.Basic) for z in roots) else NumberKind.MPMATH)
        if not isinstance(kappa, sympy.Basic):
            kappa = mpmath.re(kappa)
    return pole_items, kappa, roots, _pair_up(roots, real, "roots")


def _counts_of(poles: np.ndarray, pole_items: list[list[int]],
               root_items: list[list[int]]) -> LayerCounts:
    """``(p_r, p_c, z, q_r, q_c)``: real poles and pole pairs among the nonzero poles, the pole
    at 0 (0 or 1), real roots and root pairs."""
    zero = sum(1 for i in range(len(poles)) if _is_zero_pole(poles, i))
    return (sum(len(it) == 1 for it in pole_items), sum(len(it) == 2 for it in pole_items), zero,
            sum(len(it) == 1 for it in root_items), sum(len(it) == 2 for it in root_items))


def _required_split(counts: LayerCounts, depth: int, width: int) -> tuple[LayerCounts, ...]:
    """The per-layer counts of a conjugation-closed split (:func:`_real_split_search`).

    Raises
    ------
    InsufficientCapacityError
        If none exists; the message gives the counts and the argument.
    """
    cert = _real_split_search(counts, depth, width)
    if cert.layers is None:
        raise InsufficientCapacityError(
            f"real: no conjugation-closed split of the target into a depth-{depth} "
            f"width-{width} chain exists (real poles, pole pairs, pole at 0, real roots, root "
            f"pairs = {counts}; {'; '.join(cert.argument)}); use real=False for complex "
            "parameters (real_split_certificate(shallow, depth, width) re-checks this)"
        )
    return cert.layers


def real_split_certificate(shallow: ShallowSSM, depth: int, width: int) -> RealSplitCertificate:
    """Decide whether ``shallow`` has a conjugation-closed Algorithm A split (Theorem 4.1(ii)).

    The split that :func:`shallow_to_deep` with ``real=True`` uses by default (``feasible``), or
    the argument that no split keeps every conjugate pair of poles and of numerator roots in one
    layer (see :class:`RealSplitCertificate`; :meth:`RealSplitCertificate.check` re-verifies it
    by exhaustive enumeration). The search is exact and polynomial: for each number ``F`` of
    layers holding ``m`` nonzero poles the best split has the fewest layers of odd size, and
    that minimum has a closed form. The numerator roots are computed as in
    :func:`shallow_to_deep`, at its working precision.

    Parameters
    ----------
    shallow
        A conjugate-symmetric target with distinct poles (any number kind).
    depth, width
        ``l ≥ 1`` and ``m ≥ 1``.

    Returns
    -------
    RealSplitCertificate
        The counts, and the split or the argument per number of full layers.

    Raises
    ------
    InvalidParameterError
        If ``shallow`` is not conjugate-symmetric (poles and residues, and hence the roots of
        ``P``) or has repeated poles.
    """
    _check(shallow=shallow, depth=depth, width=width)
    source, work = shallow, 2 * mpmath.mp.prec  # the working precision of shallow_to_deep
    if shallow.kind is NumberKind.FLOAT:
        source, work = shallow.to_kind(NumberKind.MPMATH), _dps_to_prec(FLOAT_WORKING_DPS)
    with mpmath.workprec(work):
        pole_items, _, _, root_items = _split_items(source, True)
    return _real_split_search(_counts_of(shallow.poles, pole_items, root_items), int(depth),
                              int(width))


def _algorithm_a(shallow: ShallowSSM, depth: int, width: int,
                 pole_groups: Sequence[Sequence[int]] | None,
                 root_groups: Sequence[Sequence[int]] | None, real: bool) -> DeepSSM:
    """Body of :func:`shallow_to_deep` at the (raised) working precision."""
    poles, _ = _shallow_parts(shallow)
    n = len(poles)
    nonzero = [i for i in range(n) if not _is_zero_pole(poles, i)]
    deg_p = len(numerator_coefficients(shallow)) - 1
    capacity = min(len(nonzero), depth * (width - 1))
    if len(nonzero) > depth * width or deg_p > capacity:
        raise InsufficientCapacityError(
            f"depth, width: a depth-{depth} width-{width} chain holds at most {depth * width} "
            f"nonzero poles and min(#nonzero poles, l(m-1)) = {capacity} numerator roots; the "
            f"target has n = {n} poles ({len(nonzero)} nonzero) and deg P = {deg_p} "
            f"(Theorem 4.1(ii) covers n <= l(m-1)+1 = {depth * (width - 1) + 1})"
        )
    pole_items, kappa, roots, root_items = _split_items(shallow, real)
    if pole_groups is not None:
        groups = _validate_groups(pole_groups, n, depth, "pole_groups")
        for k, g in enumerate(groups):
            if len(g) > width:
                raise InvalidParameterError(
                    f"pole_groups: group {k} has {len(g)} poles, more than the width {width}"
                )
            if real and not _closed_under_conjugation([poles[i] for i in g]):
                raise InvalidParameterError(
                    f"pole_groups: real=True needs every group closed under conjugation "
                    f"(group {k})"
                )
    elif real:
        layers = _required_split(_counts_of(poles, pole_items, root_items), depth, width)
        groups = _default_pole_groups(poles, width, pole_items,
                                      [a + 2 * b for a, b, *_ in layers])
    else:
        groups = _default_pole_groups(poles, width, pole_items,
                                      _even_sizes(len(nonzero), depth, width))
    nz_groups = [[i for i in g if not _is_zero_pole(poles, i)] for g in groups]
    caps = [root_capacity(len(g), width) for g in nz_groups]
    if root_groups is None:
        rgroups = _default_root_groups(caps, root_items)
    else:
        rgroups = _validate_groups(root_groups, len(roots), depth, "root_groups")
    for k, (g, cap) in enumerate(zip(rgroups, caps)):
        if len(g) > cap:
            raise InvalidParameterError(
                f"root_groups: group {k} has {len(g)} roots but its layer holds "
                f"{len(nz_groups[k])} nonzero poles at width {width}, so at most {cap} "
                "(min(#nonzero poles, m-1))"
            )
        if real and not _closed_under_conjugation([roots[i] for i in g]):
            raise InvalidParameterError(
                f"root_groups: real=True needs every group closed under conjugation (group {k})"
            )
    return _realize(shallow, kappa, roots, nz_groups, rgroups, width, real)


def _realize(shallow: ShallowSSM, kappa: Any, roots: list[Any], nz_groups: list[list[int]],
             rgroups: list[list[int]], width: int, real: bool) -> DeepSSM:
    exact = isinstance(kappa, sympy.Basic) and all(isinstance(z, sympy.Basic) for z in roots)
    kind = NumberKind.EXACT if exact else NumberKind.MPMATH
    poles = convert(shallow.poles, kind)
    scalars = np.array([kappa, *roots, *poles, None], dtype=object)[:-1]
    scalars = convert(scalars, kind)
    if exact:
        K, (elems,) = to_domain(scalars)
        zero, one = K.zero, K.one
    else:
        elems, zero, one = scalars, mpmath.mpf(0), mpmath.mpf(1)
    kap, rts, pls = elems[0], elems[1:1 + len(roots)], elems[1 + len(roots):]
    eigs, vecs = [], []
    for g, rg in zip(nz_groups, rgroups):
        eig, vec = _layer([pls[i] for i in g], [rts[j] for j in rg], width, one, zero)
        eigs.append(eig)
        vecs.append(vec)
    eig_arr = np.array(eigs, dtype=object)
    vec_arr = np.array(vecs, dtype=object)
    if exact:
        eig_arr, vec_arr = (np.vectorize(lambda x: K.to_sympy(x), otypes=[object])(a)
                            for a in (eig_arr, vec_arr))
        eig_arr, vec_arr = (np.vectorize(sympy.expand, otypes=[object])(a)
                            for a in (eig_arr, vec_arr))
        kap = K.to_sympy(kap)
    elif real:
        _realify(eig_arr, vec_arr)
    B = [vec_arr[0]] + [np.outer(vec_arr[k], np.full(width, one if not exact else 1, dtype=object))
                        for k in range(1, len(vecs))]
    C = np.array([kap] * width, dtype=object)
    return DeepSSM(eig_arr, B, C)


def _realify(eig: np.ndarray, vec: np.ndarray) -> None:
    """Drop rounding-level imaginary parts where the exact value is real (``real=True``).

    Entries on real eigenvalues (including the pass-through) are real; entries on a conjugate
    pair are set to exact conjugates of each other.
    """
    for k in range(eig.shape[0]):
        for i in range(eig.shape[1]):
            lam = eig[k, i]
            if mpmath.im(lam) == 0:
                eig[k, i] = mpmath.mpf(mpmath.re(lam))
                vec[k, i] = mpmath.mpf(mpmath.re(vec[k, i]))
            else:
                j = next(j for j in range(eig.shape[1]) if eig[k, j] == mpmath.conj(lam))
                if j > i:
                    vec[k, j] = mpmath.conj(vec[k, i])


# ============================================================================ Thm 4.1(iii)
def _taylor_coefficients(poles: list[Any], residues: list[Any], order: int) -> list[Any]:
    """The first ``order`` Taylor coefficients at ``z = 0`` of ``Σ_i r_i z/(z - λ_i)`` for
    rational poles (nonzero) and residues, as sympy rationals.

    Exact power-series division in ``QQ``: the sum is brought to one fraction ``N/D`` with
    ``D = Π_i (z - λ_i)`` and ``N = Σ_i r_i z Π_{j≠i}(z - λ_j)`` (polynomial products), and
    ``c_k = (N_k - Σ_{j<k} c_j D_{k-j}) / D_0``. An independent route to the coefficients, not
    the closed form ``-Σ r_i/λ_i`` they are checked against.
    """
    QQ = sympy.QQ
    R, z = sympy.ring("z", QQ)
    lin = [z - QQ.from_sympy(x) for x in poles]
    den = _product(lin, R.one)
    num = sum((QQ.from_sympy(ri) * z * _product(lin[:i] + lin[i + 1:], R.one)
               for i, ri in enumerate(residues)), R.zero)

    def at(p: Any, k: int) -> Any:
        return p.coeff(z**k if k else 1)

    c: list[Any] = []
    for k in range(order):
        c.append((at(num, k) - sum((c[j] * at(den, k - j) for j in range(k)), QQ.zero))
                 / at(den, 0))
    return [QQ.to_sympy(x) for x in c]


@dataclass(frozen=True)
class NonInclusionCertificate:
    """Why a width-``l(m-1)+2`` shallow target is in no depth-``l`` width-``m`` class.

    Reasoning as data (all exact):

    * the target has ``n`` distinct nonzero poles with nonzero residues, so every one of them
      must be an eigenvalue of any deep model with the same kernel (a deep ``ρ̂`` has poles
      only at ``1/λ_{k,i}``);
    * the deep model has ``lm`` eigenvalues, so at most ``max_zero_modes = lm - n = l - 2`` are
      zero (if ``lm < n`` no model holds the poles at all), and at least
      ``layers_without_zero_mode = l - max_zero_modes = 2`` layers have only nonzero modes;
    * with ``z = 1/w``, a nonzero mode gives ``z/(z-λ) = O(z)`` and a zero mode ``1``; every path
      crosses those layers, so ``ρ̂_deep(1/z) = O(z²)``;
    * the target is ``first_order_coefficient · z + O(z²)`` with coefficient ``-Σ r_i/λ_i ≠ 0``.
    """

    depth: int
    width: int
    n: int
    lm: int
    max_zero_modes: int
    layers_without_zero_mode: int
    poles: tuple[Any, ...]
    residues: tuple[Any, ...]
    first_order_coefficient: Any

    def failures(self) -> list[str]:
        """The conditions of the argument that do not hold (empty when the certificate holds)."""
        out = []
        lam = [sympy.nsimplify(x) for x in self.poles]
        r = [sympy.nsimplify(x) for x in self.residues]
        l_, m = self.depth, self.width
        if not all(isinstance(x, sympy.Basic) and x.is_rational for x in [*lam, *r]):
            out.append("poles and residues must be exact rationals")
            return out
        if len(lam) != self.n or len(r) != self.n or self.n != l_ * (m - 1) + 2:
            out.append(f"n must be l(m-1)+2 = {l_ * (m - 1) + 2} poles and residues")
        if self.lm != l_ * m:
            out.append("lm must be depth*width")
        if len(set(lam)) != len(lam):
            out.append("poles must be distinct")
        if any(x == 0 for x in lam):
            out.append("poles must be nonzero")
        if any(abs(x) >= 1 for x in lam):
            out.append("poles must be stable")
        if any(x == 0 for x in r):
            out.append("residues must be nonzero")
        if self.max_zero_modes != self.lm - self.n:
            out.append("max_zero_modes must be lm - n")
        if self.lm >= self.n and self.layers_without_zero_mode != l_ - self.max_zero_modes:
            out.append("layers_without_zero_mode must be l - max_zero_modes")
        if self.lm >= self.n and self.layers_without_zero_mode < 2:
            out.append("fewer than two layers are forced to have only nonzero modes")
        if any(x == 0 for x in lam):  # -sum r_i/lambda_i is undefined: reported above
            return out
        coeff = _taylor_coefficients(lam, r, 2)[1]
        formula = -sum(ri / li for ri, li in zip(r, lam))
        if not _equal(coeff, formula) or formula != self.first_order_coefficient:
            out.append("first_order_coefficient must equal -sum r_i/lambda_i (series check)")
        if formula == 0:
            out.append("the first-order coefficient -sum r_i/lambda_i vanishes")
        return out

    def check(self) -> bool:
        """Re-verify the certificate in exact rational arithmetic."""
        return not self.failures()

    def target(self) -> ShallowSSM:
        """The witness as a shallow model (``B = r``, ``C = 1``)."""
        return ShallowSSM(list(self.poles), list(self.residues), [sympy.Integer(1)] * self.n)


def _certificate(depth: int, width: int, poles: Sequence[Any],
                 residues: Sequence[Any]) -> NonInclusionCertificate:
    n = len(poles)
    lm = depth * width
    mz = lm - n
    return NonInclusionCertificate(
        depth=depth, width=width, n=n, lm=lm, max_zero_modes=mz,
        layers_without_zero_mode=depth - mz if lm >= n else depth,
        poles=tuple(poles), residues=tuple(residues),
        first_order_coefficient=-sum(sympy.Rational(r) / sympy.Rational(p)
                                     for r, p in zip(residues, poles)),
    )


def _random_rational(rng: np.random.Generator, max_den: int, bound: int) -> sympy.Rational:
    den = int(rng.integers(2, max_den + 1))
    return sympy.Rational(int(rng.integers(-bound * den + 1, bound * den)), den)


def non_inclusion_witness(
    depth: int, width: int, *, rng: np.random.Generator | None = None
) -> tuple[ShallowSSM, NonInclusionCertificate]:
    """A shallow target of width ``l(m-1)+2`` outside ``H^m_{∞,l}`` (Theorem 4.1(iii)).

    Distinct nonzero rational poles in ``(-1, 1)``, nonzero rational residues, and
    ``Σ r_i/λ_i ≠ 0``. Without ``rng`` the witness is ``λ_i = i/(n+1)``, ``r_i = 1``.
    """
    _check(depth=depth, width=width, rng=rng)
    depth, width = int(depth), int(width)
    n = depth * (width - 1) + 2
    if rng is None:
        poles = [sympy.Rational(i, n + 1) for i in range(1, n + 1)]
        residues = [sympy.Integer(1)] * n
    else:
        while True:
            poles = []
            while len(poles) < n:
                p = _random_rational(rng, 4 * n, 1)
                if p != 0 and p not in poles:
                    poles.append(p)
            residues = []
            while len(residues) < n:
                r = _random_rational(rng, 5, 3)
                if r != 0:
                    residues.append(r)
            if sum(r / p for r, p in zip(residues, poles)) != 0:
                break
    cert = _certificate(depth, width, poles, residues)
    return cert.target(), cert


def vanishing_order_at_infinity(deep: DeepSSM) -> int | float:
    """Exact order of the zero of ``ρ̂(1/z)`` at ``z = 0`` (``inf`` for the zero kernel).

    For every path the factor ``Π_k z/(z - λ_{k,i_k})`` vanishes to the number of its nonzero
    modes, so this order is at least the number of layers without a zero eigenvalue.
    """
    _check(rules={"deep": "exact_model"}, deep=deep)
    ring = _transfer_ring(deep)
    if ring is not None:  # ρ̂(1/z) ~ (lc N / lc D) z^(deg D - deg N) at z = 0
        _, num, den = ring
        return math.inf if num.is_zero else den.degree() - num.degree()
    z = sympy.Symbol("z")
    num, den = sympy.fraction(sympy.cancel(deep.transfer_function().subs(W, 1 / z)))
    def orders(expr: sympy.Expr) -> list[int]:
        """The exponents of ``z`` whose coefficient in ``expr`` is not exactly zero."""
        coeffs = sympy.Poly(expr, z).all_coeffs()[::-1]
        return [i for i, c in enumerate(coeffs) if not is_exact_zero(c)]

    num_orders = orders(num)
    if not num_orders:
        return math.inf
    return num_orders[0] - orders(den)[0]


@dataclass(frozen=True)
class AlgorithmAObstruction:
    """Why Algorithm A cannot realize a witness: ``deg P`` exceeds the chain's root capacity."""

    numerator_degree: int
    root_capacity: int
    nonzero_poles: int
    error: str | None

    @property
    def cannot_fit(self) -> bool:
        """True when the degree count forbids a realization and the construction refused."""
        return self.numerator_degree > self.root_capacity and self.error is not None


def algorithm_a_cannot_fit(witness: ShallowSSM, depth: int, width: int) -> AlgorithmAObstruction:
    """Run Algorithm A on ``witness`` and record why it fails.

    ``deg P = n - 1`` exactly when ``Σ r_i/λ_i ≠ 0`` (the leading coefficient of ``P`` is
    ``(-1)^{n-1} Π λ_j Σ r_i/λ_i``), while a depth-``l`` width-``m`` chain absorbs at most
    ``l(m-1)`` roots. For ``n = l(m-1)+2`` the count fails by one; the order-of-vanishing
    argument (:class:`NonInclusionCertificate`) shows no other deep model fits either. A target
    of the same width with ``Σ r_i/λ_i = 0`` has ``deg P ≤ n-2`` and *is* realized by
    :func:`shallow_to_deep`.
    """
    _check(witness=witness, depth=depth, width=width)
    deg = len(numerator_coefficients(witness)) - 1
    nz = sum(1 for x in witness.poles if not _equal(x, 0))
    cap = min(nz, depth * (width - 1))
    error = None
    try:
        shallow_to_deep(witness, depth, width)
    except InsufficientCapacityError as exc:
        error = str(exc)
    return AlgorithmAObstruction(numerator_degree=deg, root_capacity=cap, nonzero_poles=nz,
                                 error=error)

