"""Minimal depth of a deep linear SSM under a norm budget (BYJL25 Theorem 4.3 / Corollary).

Glossary (code name → BYJL25 symbol, arXiv:2506.19296 v1, §4):

=========================  ===================================================================
``width``, ``c``           ``m`` and the norm budget ``c`` of ``H^m_{c,l}`` (max-modulus norm)
``l*``                     ``min{ l : ρ ∈ H^m_{c,l} }``, the minimal depth (existence: paper)
``c1``                     ``c_1 = max_i |r_i|^{1/2}``, the shallow norm of the target
``depth_upper_bound``      ``max(⌈(n-1)/(m-1)⌉, ⌈2 ln c_1 / ln(c/2)⌉ - 1)`` for ``c > 2``
``forest_depth_bound``     the same with the Newton forest's constant ``2^{(l-1)/(l+1)}``
                           (closed form, no depth cap)
``constructive_depth``     least ``l`` at which the project's construction meets ``c`` (searched
                           from the least depth that fits, independently of the lower bound)
``depth_lower_bound``      least ``l`` passing the necessary conditions below
``shallow_width_needed``   least width of a shallow model of norm ``≤ c`` (``Σ ⌈|r_i|/c²⌉``)
=========================  ===================================================================

Only modes with a nonzero residue count: ``n`` is the number of them.

**Upper bound** [rebuilt from Theorems 4.1(ii) and 4.2]. A target of ``n`` poles fits depth
``l`` and width ``m`` once ``n ≤ l(m-1)+1``, and then has a realization of norm
``≤ 2 c_1^{2/(l+1)}``, which is ``≤ c`` once ``l + 1 ≥ 2 ln c_1 / ln(c/2)`` (``c > 2``).
The Newton forest of :mod:`theory.norm_reduction` has norm ``≤ 2^{(l-1)/(l+1)} c_1^{2/(l+1)}``,
so :func:`forest_depth_bound` ``≤`` :func:`depth_upper_bound`.

**Lower bounds** [rebuilt]. (a) Poles: every nonzero target pole is an eigenvalue of some layer.
Let ``z = 1/w → 0``: a nonzero mode contributes ``O(z)``, a zero mode ``1``. A constant term
(a residue at the pole 0) needs a path of zero modes only, i.e. a zero mode in every layer:
``l(m-1) ≥ n_nz``. Otherwise, if ``Σ_i r_i/λ_i ≠ 0`` (the coefficient of ``z``), some path has
at most one nonzero mode, so ``l - 1`` layers hold a zero mode: ``l(m-1) + 1 ≥ n_nz``.
Otherwise ``lm ≥ n_nz``. (b) Kernel values: ``ρ(s) = Σ_π ω_π h_s(λ_π)`` with ``h_s`` the complete
homogeneous polynomial of degree ``s`` in the ``l`` poles of the path, ``|h_s| ≤ C(s+l-1, l-1)``,
``|ω_π| ≤ c^{l+1}`` and ``m^l`` paths: ``|ρ(s)| ≤ m^l c^{l+1} C(s+l-1, l-1)``; ``s = 0`` gives
``|ρ(0)| ≤ m^l c^{l+1}``.

**Shallow width** [rebuilt]. A shallow model may repeat an eigenvalue; ``k`` copies of ``λ_i``
carry a residue of modulus at most ``k c²``, and ``k = ⌈|r_i|/c²⌉`` copies with equal shares
suffice. So the width grows linearly with the magnitude of the target, while the depth grows
only logarithmically (:func:`depth_width_table`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.linear import ShallowSSM
from theory.norm_reduction import (
    is_zero_in_kind,
    shallow_norm_squared,
    small_norm_deep,
    target_parts,
)
from theory.numbers import InvalidParameterError, NumberKind, abs_squared, convert, tolerance
from theory.validation import check_int, check_real, fail

__all__ = [
    "effective_target",
    "depth_upper_bound",
    "forest_depth_bound",
    "constructive_depth",
    "depth_lower_bound",
    "shallow_width_needed",
    "depth_width_table",
]


def _check_width(width: Any) -> int:
    """The module's validation choke point (with :func:`_check_budget` and
    :func:`_check_magnitudes`, all built on :mod:`theory.validation`): ``width`` as an
    ``int >= 1``.

    Raises
    ------
    InvalidParameterError
        Naming the parameter and the bad value.
    """
    return check_int(width, "width", 1)


def _check_budget(c: Any) -> float:
    """The norm budget ``c`` as a finite ``float > 0`` (an exact ``c`` is judged exactly)."""
    return check_real(c, "c", minimum=0, strict=True)


def _check_magnitudes(magnitudes: Any) -> list[Any]:
    """``magnitudes`` as a non-empty list of finite reals ``> 0``, each kept as given (exact
    magnitudes scale exact targets exactly)."""
    if isinstance(magnitudes, (str, bytes)) or not isinstance(magnitudes, (Sequence, np.ndarray)) \
            or getattr(magnitudes, "ndim", 1) != 1 or len(magnitudes) == 0:
        fail("magnitudes", "a non-empty sequence of finite real numbers > 0", magnitudes)
    return [check_real(m, "magnitudes", minimum=0, strict=True, exact=True) for m in magnitudes]


def effective_target(shallow: ShallowSSM) -> ShallowSSM:
    """The target without its zero-residue modes (at least one mode is kept)."""
    poles, res, kind = target_parts(shallow)
    keep = [i for i in range(poles.shape[0]) if not is_zero_in_kind(res[i], kind)] or [0]
    return ShallowSSM([poles[i] for i in keep], [res[i] for i in keep], [1] * len(keep))


def _n_modes(shallow: ShallowSSM) -> int:
    _, res, kind = target_parts(shallow)
    return sum(1 for r in res if not is_zero_in_kind(r, kind))


def _c1(shallow: ShallowSSM) -> float:
    c1sq = shallow_norm_squared(shallow)
    c1sq = float(sympy.N(c1sq, 20)) if isinstance(c1sq, sympy.Basic) else float(c1sq)
    return math.sqrt(c1sq)


def _width_depth(n: int, width: int) -> int:
    """Least ``l ≥ 1`` with ``n ≤ l(m-1)+1``."""
    if n <= 1:
        return 1
    if width == 1:
        raise InvalidParameterError(
            f"width: m = 1 realizes only one-pole targets in general (Theorem 4.1(ii) gives "
            f"l(m-1)+1 = 1), got {n} poles"
        )
    return max(1, math.ceil((n - 1) / (width - 1)))


def depth_upper_bound(shallow: ShallowSSM, width: int, c: Any) -> int:
    """``max(⌈(n-1)/(m-1)⌉, ⌈2 ln c_1 / ln(c/2)⌉ - 1)`` (at least 1), the minimal-depth bound
    that Theorems 4.1(ii) and 4.2 give.

    Raises
    ------
    InvalidParameterError
        If ``c ≤ 2`` (the bound ``2 c_1^{2/(l+1)}`` never goes below 2), or ``m = 1`` with more
        than one pole.
    """
    width = _check_width(width)
    c = _check_budget(c)
    if c <= 2:
        raise InvalidParameterError(
            f"c: the depth formula needs a budget c > 2 (Theorem 4.2's constant), got {c}"
        )
    n = _n_modes(shallow)
    l_width = _width_depth(n, width)
    c1 = _c1(shallow)
    l_norm = math.ceil(2 * math.log(c1) / math.log(c / 2)) - 1 if c1 > 0 else 1
    return max(l_width, l_norm)  # l_width >= 1


#: Relative gap of the logarithmic forest test below which :func:`forest_depth_bound` decides
#: the test in exact rational arithmetic instead (float logarithms cannot resolve a tie).
NEAR_TIE = 1e-9
#: Bits of the high-precision logarithms that decide a near tie before the exact powers.
NEAR_TIE_BITS = 192


def _max_abs_squared(shallow: ShallowSSM) -> Fraction | None:
    """``max_i |r_i|² = c_1⁴`` as an exact rational: float and mpmath residues are binary
    rationals (:func:`theory.numbers.convert` gives their exact values), exact residues count
    when ``|r_i|²`` is rational; ``None`` otherwise."""
    _, res, _ = target_parts(shallow)
    squares = [abs_squared(r) for r in convert(res, NumberKind.EXACT, "residues").flat]
    if not all(q.is_Rational for q in squares):
        return None
    return max((Fraction(int(q.p), int(q.q)) for q in squares), default=Fraction(0))


def _forest_fits(depth: int, log_c1: float, log_c: float, shallow: ShallowSSM,
                 c: float) -> bool:
    """``2^{(l-1)/(l+1)} c_1^{2/(l+1)} ≤ c``, i.e. ``(l-1) ln 2 + 2 ln c_1 ≤ (l+1) ln c``.

    Within a relative gap :data:`NEAR_TIE` of equality (only there, so the exact work stays off
    the common path), the equivalent ``4^{l-1} c_1⁴ ≤ c^{2(l+1)}`` is decided on the exact
    inputs when ``c_1⁴`` is rational (:func:`_max_abs_squared`): by their logarithms at
    :data:`NEAR_TIE_BITS` bits (a gap above ``2^{16}`` ulps of the logarithms' size decides),
    and only at a tie to that precision by the exact rational powers.
    """
    lhs, rhs = (depth - 1) * math.log(2) + 2 * log_c1, (depth + 1) * log_c
    if abs(lhs - rhs) > NEAR_TIE * max(1.0, abs(lhs), abs(rhs)):
        return lhs <= rhs
    c1_4 = _max_abs_squared(shallow)
    if c1_4 is None:
        return lhs <= rhs
    # the logarithms of the exact inputs at NEAR_TIE_BITS more bits than they need: decides
    # every case but a tie to that precision, without the powers (for c close to 2 the depth
    # reaches 1e5 and c^(2(l+1)) millions of bits)
    with mpmath.workprec(NEAR_TIE_BITS + 2 * (depth + 1).bit_length()):
        gap = (2 * (depth + 1) * mpmath.log(mpmath.mpf(c))
               - 2 * (depth - 1) * mpmath.log(2)
               - (mpmath.log(c1_4.numerator) - mpmath.log(c1_4.denominator)))
        if abs(gap) > mpmath.ldexp(max(1.0, abs(lhs), abs(rhs)), 16 - NEAR_TIE_BITS):
            return bool(gap > 0)
    return 4 ** (depth - 1) * c1_4 <= Fraction(c) ** (2 * (depth + 1))


def forest_depth_bound(shallow: ShallowSSM, width: int, c: Any) -> int | None:
    """Least ``l ≥ ⌈(n-1)/(m-1)⌉`` with ``2^{(l-1)/(l+1)} c_1^{2/(l+1)} ≤ c`` (the Newton
    forest's guarantee, :mod:`theory.norm_reduction`), or ``None`` if no depth satisfies it.

    In closed form: the condition is ``l ln(c/2) ≥ 2 ln c_1 - ln(2c)``. For ``c > 2`` it holds
    from ``l = ⌈(2 ln c_1 - ln(2c)) / ln(c/2)⌉`` on (no depth cap: for ``c`` close to 2 this
    may be hundreds of layers); for ``c ≤ 2`` it holds for small ``l`` only, so the answer is
    the width depth or ``None``. A zero target fits at the width depth. The test is made in
    float logarithms and, within :data:`NEAR_TIE` of a tie, exactly on the float ``c`` and the
    residues' moduli (rational ``|r_i|²``); e.g. ``|r| = 62.5``, ``c = 5`` fits at ``l = 2``
    with equality (``2 · 62.5 = 5³``).
    """
    width = _check_width(width)
    c = _check_budget(c)
    l_width = _width_depth(_n_modes(shallow), width)
    c1 = _c1(shallow)
    if c1 == 0:
        return l_width
    log_c1, log_c = math.log(c1), math.log(c)
    if _forest_fits(l_width, log_c1, log_c, shallow, c):
        return l_width
    if c <= 2:
        return None
    depth = max(l_width, math.ceil((2 * log_c1 - math.log(2 * c)) / math.log(c / 2)))
    while not _forest_fits(depth, log_c1, log_c, shallow, c):  # rounding of the closed form
        depth += 1
    while _forest_fits(depth - 1, log_c1, log_c, shallow, c):  # stops above l_width (does not fit)
        depth -= 1
    return depth


def constructive_depth(
    shallow: ShallowSSM,
    width: int,
    c: Any,
    max_depth: int = 32,
    constructions: Sequence[str] = ("width_one", "forest"),
) -> int | None:
    """Least depth ``l ≤ max_depth`` at which :func:`~theory.norm_reduction.small_norm_deep`
    (with ``constructions``, balanced by Algorithm B) has norm ``≤ c``; ``None`` if none.

    The search starts at the least depth the target fits (``n ≤ l(m-1)+1``), independently of
    :func:`depth_lower_bound`, so that ``lower ≤ constructive`` is a real check of the lower
    bound (a construction meeting the budget below it would refute it).
    """
    width = _check_width(width)
    budget = _check_budget(c)
    max_depth = check_int(max_depth, "max_depth", 1)
    target = effective_target(shallow)
    for depth in range(_width_depth(_n_modes(target), width), max_depth + 1):
        model = small_norm_deep(target, depth, width, constructions)
        # small_norm_deep returns a float or mpmath model (exact targets are balanced in mpmath)
        if float(model.norm()) <= budget:
            return depth
    return None


def _pole_condition(shallow: ShallowSSM, width: int) -> Any:
    """The pole-count test of lower bound (a), as a function of ``l``."""
    poles, res, kind = target_parts(shallow)
    nz = [i for i in range(poles.shape[0]) if not is_zero_in_kind(res[i], kind)]
    n_nz = sum(1 for i in nz if not is_zero_in_kind(poles[i], kind))
    if any(is_zero_in_kind(poles[i], kind) for i in nz):
        return lambda depth: depth * (width - 1) >= n_nz
    terms = [res[i] / poles[i] for i in nz]
    sigma = sum(terms)
    if kind is NumberKind.EXACT:
        linear = not is_zero_in_kind(sigma, kind)
    else:
        size = sum(abs(t) for t in terms)
        linear = abs(sigma) > float(tolerance(kind, size * len(terms)))
    if linear:
        return lambda depth: depth * (width - 1) + 1 >= n_nz
    return lambda depth: depth * width >= n_nz


def depth_lower_bound(shallow: ShallowSSM, width: int, c: Any,
                      max_depth: int = 256) -> int | None:
    """Least ``l ≤ max_depth`` passing the necessary conditions (a) and (b) of the module
    docstring, or ``None`` if none does (then no depth up to ``max_depth`` realizes the target
    within the budget).

    Condition (b) is checked for ``s < 2n + 1`` in logarithms, with a relative slack of the
    working precision (float and mpmath targets) and a guard of ``1e-15`` times the size of the
    logarithms summed into the cap (their rounding), so rounding never makes the bound exceed
    the true minimal depth: an exact tie passes also where those logarithms cancel or the cap
    is ``1`` (e.g. ``|r| = c²`` at ``m = 1``, ``c`` close to 1).
    """
    width = _check_width(width)
    budget = _check_budget(c)
    max_depth = check_int(max_depth, "max_depth", 1)
    poles, res, kind = target_parts(shallow)
    pole_ok = _pole_condition(shallow, width)
    T = 2 * poles.shape[0] + 1
    rho = shallow.kernel(T)
    if kind is NumberKind.EXACT:
        mods = [math.sqrt(float(sympy.N(abs_squared(x), 30))) for x in rho]
        slack = 0.0
    else:
        mods = [float(abs(x)) for x in rho]
        slack = float(tolerance(kind, 1.0)) * 16
    for depth in range(1, max_depth + 1):
        if not pole_ok(depth):
            continue
        log_m, log_c = depth * math.log(width), (depth + 1) * math.log(budget)
        log_cap, size = log_m + log_c, 1.0 + abs(log_m) + abs(log_c)
        fine = True
        for s, v in enumerate(mods):
            if v == 0:
                continue
            log_comb = math.log(math.comb(s + depth - 1, depth - 1))
            cap = log_cap + log_comb + math.log1p(slack)
            if math.log(v) > cap + 1e-15 * (size + log_comb):
                fine = False
                break
        if fine:
            return depth
    return None


def _exact(x: Any) -> Any:
    """The exact value of a number (a float's binary value, never a decimal guess)."""
    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, (int, np.integer)):
        return sympy.Integer(int(x))
    return sympy.Rational(float(x))


def shallow_width_needed(shallow: ShallowSSM, c: Any) -> int:
    """Least width of a shallow (depth-one) model with norm ``≤ c`` and the target's kernel:
    ``Σ_i ⌈|r_i| / c²⌉`` over the poles (exact for exact targets and rational ``c``)."""
    _, res, kind = target_parts(shallow)
    _check_budget(c)
    if kind is NumberKind.EXACT:
        c_sq = _exact(c) ** 2
        return int(sum(sympy.ceiling(sympy.sqrt(abs_squared(r)) / c_sq) for r in res))
    if kind is NumberKind.MPMATH:
        return int(sum(mpmath.ceil(mpmath.fabs(r) / mpmath.mpf(c) ** 2) for r in res))
    return int(sum(math.ceil(abs(complex(r)) / float(c) ** 2) for r in res))


def depth_width_table(shallow: ShallowSSM, width: int, c: Any,
                      magnitudes: Sequence[float]) -> list[dict[str, Any]]:
    """Depth against shallow width under one budget, for the target scaled by each magnitude.

    Each row: ``magnitude``, ``c1``, ``shallow_width`` (:func:`shallow_width_needed`, linear in
    the magnitude), ``lower``, ``constructive``, ``forest_bound`` and ``formula``
    (:func:`depth_upper_bound`; ``None`` when ``c ≤ 2``) depths (logarithmic in it).

    Raises
    ------
    InvalidParameterError
        If ``magnitudes`` is empty or has an entry that is not a finite real ``> 0`` (or as the
        functions of the row).
    """
    poles, res, kind = target_parts(shallow)
    width = _check_width(width)
    over_two = _check_budget(c) > 2
    rows = []
    for mag in _check_magnitudes(magnitudes):
        scaled = ShallowSSM(np.array(poles), np.array([r * mag for r in res], dtype=complex)
                            if kind is NumberKind.FLOAT else
                            [r * _exact(mag) for r in res], [1] * len(res))
        rows.append({
            "magnitude": float(mag),
            "c1": _c1(scaled),
            "shallow_width": shallow_width_needed(scaled, c),
            "lower": depth_lower_bound(scaled, width, c),
            "constructive": constructive_depth(scaled, width, c),
            "forest_bound": forest_depth_bound(scaled, width, c),
            "formula": depth_upper_bound(scaled, width, c) if over_two else None,
        })
    return rows
