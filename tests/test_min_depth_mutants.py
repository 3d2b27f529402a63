"""Tight cases of theory.min_depth: each bound at the depth where it switches.

Companion of ``tests/test_min_depth.py``: small hand-computed targets whose answers change
when a constant, a comparison or an index of the bounds changes (the width depth
``⌈(n-1)/(m-1)⌉``, the three pole-count conditions, the ``ρ(s)`` cap with its rounding slack,
the forest condition at equality, the default depth caps), the exact and high-precision
paths of ``shallow_width_needed``, and the full text of the ``magnitudes`` error.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case

from theory.linear import ShallowSSM
from theory.min_depth import (
    constructive_depth,
    depth_lower_bound,
    depth_upper_bound,
    depth_width_table,
    effective_target,
    forest_depth_bound,
    shallow_width_needed,
)
from theory.numbers import InvalidParameterError, NumberKind, tolerance

R = sympy.Rational
BIG = 1e6  # a budget so large that only the pole-count conditions bind


def one_pole(r, lam=0.5) -> ShallowSSM:
    return ShallowSSM([lam], [r], [1.0])


def exact_pole(r) -> ShallowSSM:
    return ShallowSSM([R(1, 2)], [r], [1])


def poles_with_unit_residues(n: int) -> ShallowSSM:
    """``n`` distinct positive poles with residue 1 (so ``Σ r_i/λ_i ≠ 0``)."""
    return ShallowSSM([0.1 * (i + 1) for i in range(n)], [1.0] * n, [1.0] * n)


# ----------------------------------------------------------------- width depth ⌈(n-1)/(m-1)⌉


#: Cases ``(n, m, depth)`` of :func:`test_width_depth_is_exact`.
WIDTH_DEPTHS = [(1, 1, 1), (2, 2, 1), (3, 2, 2), (4, 3, 2), (5, 3, 2),
                              (6, 3, 3), (7, 4, 2)]


def _width_depth_is_exact(n, m, depth):
    # residues far below the budget: every bound is the width depth
    target = ShallowSSM([0.1 * (i + 1) for i in range(n)], [1e-3] * n, [1.0] * n)
    assert depth_upper_bound(target, m, 3.0) == depth
    assert forest_depth_bound(target, m, 3.0) == depth
    assert constructive_depth(target, m, 3.0) == depth


def test_width_depth_is_exact() -> None:
    """Width depth is exact: every case of ``WIDTH_DEPTHS``."""
    check_every_case(_width_depth_is_exact, WIDTH_DEPTHS)


def test_zero_target_fits_at_depth_one_and_keeps_its_first_pole():
    zero = ShallowSSM([0.1, 0.2], [0.0, 0.0], [1.0, 1.0])
    assert depth_upper_bound(zero, 2, 3.0) == 1  # c_1 = 0: no norm term
    assert forest_depth_bound(zero, 2, 3.0) == 1
    assert depth_lower_bound(zero, 2, 3.0) == 1
    assert constructive_depth(zero, 2, 3.0) == 1
    kept = effective_target(zero)
    assert kept.poles.tolist() == [0.1] and kept.residues.tolist() == [0.0]


def test_effective_target_keeps_the_residues():
    target = ShallowSSM([0.1, 0.2, 0.3], [1.0, 0.0, 2.0], [3.0, 3.0, 3.0])
    kept = effective_target(target)
    assert kept.poles.tolist() == [0.1, 0.3] and kept.residues.tolist() == [3.0, 6.0]
    exact = effective_target(ShallowSSM([R(1, 2), R(1, 3)], [0, 5], [1, 1]))
    assert exact.kind is NumberKind.EXACT and list(exact.residues) == [5]


# ------------------------------------------------------------------- upper bounds at equality


def test_upper_bound_formula_budget_boundary():
    # c must exceed 2; c = 3 is accepted: ⌈2 ln c_1 / ln 1.5⌉ - 1 with c_1 = 3
    with pytest.raises(InvalidParameterError, match=r"^c: the depth formula needs a budget c > 2"):
        depth_upper_bound(one_pole(9.0), 1, 2.0)
    expected = math.ceil(2 * math.log(3) / math.log(1.5)) - 1
    assert depth_upper_bound(one_pole(9.0), 1, 3.0) == expected == 5


def test_forest_condition_holds_with_equality():
    # l = 1: c_1 ≤ c, here c_1 = c exactly (the constant 2^0 = 1)
    assert forest_depth_bound(one_pole(9.0), 1, 3.0) == 1
    assert forest_depth_bound(one_pole(4.0), 1, 2.0) == 1
    # a budget below one: c_1 = c = 1/2 exactly, decided by the exact powers (c_1⁴ = c⁴)
    assert forest_depth_bound(one_pole(0.25), 1, 0.5) == 1
    assert forest_depth_bound(one_pole(math.nextafter(0.25, 1.0)), 1, 0.5) is None


def test_forest_condition_at_a_float_tie_of_an_irrational_target_holds():
    # |r|² = √2 is irrational, so the near tie is decided on the float logs: c = c_1 = 2^(1/8)
    # as the float the module computes (20 digits, then float) gives lhs = rhs, which fits
    target = ShallowSSM([R(1, 2)], [sympy.root(2, 4)], [1])
    c = math.sqrt(float(sympy.N(sympy.root(2, 4), 20)))
    assert forest_depth_bound(target, 1, c) == 1
    assert forest_depth_bound(target, 1, math.nextafter(c, 0.0)) is None


def test_forest_condition_at_an_exact_tie_of_tiny_logarithms_holds():
    # |r| = c² exactly with c = 1 + 2^-21: at l = 1 the condition c_1⁴ ≤ c⁴ holds with
    # equality. Both logarithms are about 2e-6, so the high-precision gap (rounding noise of
    # ln c_1⁴'s numerator and denominator, about 2^-190) lies above 2^-176 · |log| and below
    # the threshold's floor 2^-176 · 1: the floor sends the tie to the exact powers
    c = 1 + 2.0 ** -21
    assert Fraction(c * c) == Fraction(c) ** 2  # the residue is c² exactly
    assert forest_depth_bound(one_pole(c * c), 1, c) == 1
    assert forest_depth_bound(one_pole(math.nextafter(c * c, 2.0)), 1, c) is None


def test_forest_bound_starts_the_search_at_the_closed_form(monkeypatch):
    # c = 2.001, c_1 = 10: the least depth is about 2 ln 10 / ln 1.0005 ≈ 9200; the closed form
    # ⌈(2 ln c_1 - ln 2c) / ln(c/2)⌉ is it up to rounding, so the search tests l_width, the
    # start and the depth below it: three calls, not thousands of steps from a wrong start
    import theory.min_depth as md

    calls = []
    fits = md._forest_fits

    def counting(depth, *args):
        calls.append(depth)
        return fits(depth, *args)

    monkeypatch.setattr(md, "_forest_fits", counting)
    c, r = 2.001, 100.0
    depth = math.ceil((2 * math.log(10.0) - math.log(2 * c)) / math.log(c / 2))
    # the least depth, checked exactly: 2^(l-1) |r| ≤ c^(l+1) holds at l = depth, not below
    assert 2 ** (depth - 1) * Fraction(r) <= Fraction(c) ** (depth + 1)
    assert 2 ** (depth - 2) * Fraction(r) > Fraction(c) ** depth
    assert forest_depth_bound(one_pole(r), 1, c) == depth
    assert calls == [1, depth, depth - 1]


def test_c1_of_an_irrational_exact_norm_is_correctly_rounded():
    # r = 1 + 13i: c_1² = |r| = √170, whose 15-digit evaluation (float(sympy.sqrt(170)))
    # is one ulp off; the 20-digit one rounds correctly
    import theory.min_depth as md

    with mpmath.workprec(200):
        nearest = float(mpmath.sqrt(170))
    assert float(sympy.sqrt(170)) != nearest
    assert md._c1(exact_pole(1 + 13 * sympy.I)) == math.sqrt(nearest)


def _least_forest_depth(r: float, c: float) -> int:
    """Least ``l`` with ``2^(l-1) |r| ≤ c^(l+1)``, in exact rational arithmetic."""
    depth = 1
    while 2 ** (depth - 1) * Fraction(r) > Fraction(c) ** (depth + 1):
        depth += 1
    return depth


#: Cases ``(r, c, depth)`` of :func:`test_forest_bound_closed_form_is_corrected_by_one_step`.
FOREST_BOUND_CASES = [
    (62.5 * (1 + 2.0 ** -52), 5.0, 3),  # just above the tie 2·62.5 = 5³: the closed form's
    #                                     ceiling says 2, one step up corrects it
    (7.8125, 2.5, 2),  # the tie 2·7.8125 = 2.5³ itself: the ceiling says 3, one step down
    (20.25, 3.0, 3),  # the tie 4·20.25 = 3⁴: the ceiling says 4, one step down
]


def _forest_bound_closed_form_is_corrected_by_one_step(r, c, depth):
    assert _least_forest_depth(r, c) == depth
    assert forest_depth_bound(one_pole(r), 1, c) == depth


def test_forest_bound_closed_form_is_corrected_by_one_step() -> None:
    """Forest bound closed form is corrected by one step: every case of ``FOREST_BOUND_CASES``."""
    check_every_case(
        _forest_bound_closed_form_is_corrected_by_one_step,
        FOREST_BOUND_CASES)


def test_budget_below_one_is_accepted():
    # c = 1/2: ⌈|r| / c²⌉ = ⌈1 / 0.25⌉ = 4 copies
    assert shallow_width_needed(one_pole(1.0), 0.5) == 4


# ---------------------------------------------------------------------- constructive depth


class _Norm:
    def __init__(self, value: float) -> None:
        self.value = value

    def norm(self) -> float:
        return self.value


def test_constructive_depth_default_cap_is_32(monkeypatch):
    # a construction (stubbed: building 33 real layers is slow) that meets c = 3 from l = 33
    import theory.min_depth as md

    monkeypatch.setattr(md, "small_norm_deep",
                        lambda target, depth, width, constructions: _Norm(3.0 if depth >= 33
                                                                          else 3.5))
    assert md.constructive_depth(one_pole(1.0), 1, 3.0) is None
    assert md.constructive_depth(one_pole(1.0), 1, 3.0, max_depth=33) == 33
    assert md.constructive_depth(one_pole(1.0), 1, 3.0, max_depth=34) == 33


def test_constructive_depth_smallest_cap_and_exact_target():
    assert constructive_depth(one_pole(2.0), 1, 3.0, max_depth=1) == 1
    # an exact target: |r| = 1000 needs ⌈ln 1000 / ln 3⌉ - 1 = 6 layers
    assert constructive_depth(exact_pole(1000), 1, 3) == 6


# -------------------------------------------------------------------- pole-count conditions


def test_pole_conditions_with_width_three():
    # zero pole with a residue: l(m-1) ≥ n_nz = 3 gives l = 2 at m = 3
    with_zero = ShallowSSM([0.0, 0.1, 0.2, 0.3], [1.0] * 4, [1.0] * 4)
    assert depth_lower_bound(with_zero, 3, BIG) == 2
    # generic: l(m-1) + 1 ≥ 5 gives l = 2 at m = 3
    assert depth_lower_bound(poles_with_unit_residues(5), 3, BIG) == 2


def test_cancelling_target_needs_l_m_at_least_n():
    # Σ r_i/λ_i = 0 with n = 4: l m ≥ 4 gives l = 2 at m = 2 (l m > 4 would give 3)
    poles = [0.1, 0.2, 0.3, 0.4]
    res = [1.0, 1.0, 1.0, -(1 / 0.1 + 1 / 0.2 + 1 / 0.3) * 0.4]
    assert depth_lower_bound(ShallowSSM(poles, res, [1.0] * 4), 2, BIG) == 2


def test_cancellation_is_judged_with_the_documented_tolerance():
    # Σ r_i/λ_i = 2 + (-2 + 2^-39) = 2^-39 ≈ 1.8e-12, below tolerance(float, Σ|t|·n) ≈ 2.4e-12:
    # taken as a cancellation (l m ≥ 2 → l = 2 at m = 1); 2^-35 is clearly above it, and
    # then l(m-1) + 1 ≥ 2 never holds at m = 1
    size_times_n = (2 + 2 - 2.0 ** -39) * 2
    assert 2.0 ** -39 < tolerance(NumberKind.FLOAT, size_times_n) < 2 * 2.0 ** -39
    below = ShallowSSM([0.5, 0.25], [1.0, -0.5 + 2.0 ** -41], [1.0, 1.0])
    assert depth_lower_bound(below, 1, BIG) == 2
    above = ShallowSSM([0.5, 0.25], [1.0, -0.5 + 2.0 ** -37], [1.0, 1.0])
    assert depth_lower_bound(above, 1, BIG) is None


def _scale_with_tolerance(d: float) -> float:
    """A float ``s`` with ``tolerance(float, s) == d`` exactly (searched next to ``d / ε^0.8``)."""
    s = d / tolerance(NumberKind.FLOAT, 1)
    for _ in range(64):
        if tolerance(NumberKind.FLOAT, s) == d:
            return s
        s = math.nextafter(s, math.inf if tolerance(NumberKind.FLOAT, s) < d else 0.0)
    raise AssertionError(f"no float scale gives the tolerance {d} exactly")


def test_cancellation_at_exactly_the_tolerance_counts_as_cancellation():
    # terms t = (a, -(a - d)) with Σ t = d and n Σ|t| = 2 (2a - d) = s exactly, where
    # tolerance(float, s) = d: |Σ r_i/λ_i| equal to the tolerance is a cancellation (l m ≥ 2 →
    # l = 2 at m = 1); one ulp more of Σ t and l(m-1) + 1 ≥ 2 never holds at m = 1
    d = 2.0 ** -30
    s = _scale_with_tolerance(d)
    a = s / 4 + d / 2  # every step below is exact in float
    assert a - (a - d) == d and 2 * (a + (a - d)) == s
    tie = ShallowSSM([0.5, 0.25], [a / 2, -(a - d) / 4], [1.0, 1.0])
    assert depth_lower_bound(tie, 1, BIG) == 2
    above = ShallowSSM([0.5, 0.25], [a / 2, -math.nextafter(a - d, 0.0) / 4], [1.0, 1.0])
    assert depth_lower_bound(above, 1, BIG) is None


def test_exact_cancellation_in_radicals_is_decided_exactly():
    # Σ r_i/λ_i = (1 + √2)² - (3 + 2√2) = 0, not syntactically zero: l m ≥ 2 → l = 2 at m = 1
    root2 = sympy.sqrt(2)
    target = ShallowSSM([R(1, 2), R(1, 3)], [(1 + root2) ** 2 / 2, -(3 + 2 * root2) / 3], [1, 1])
    assert depth_lower_bound(target, 1, 100) == 2
    # no cancellation (Σ r_i/λ_i = 2 + 3 = 5): l(m-1) + 1 ≥ 2 never holds at m = 1
    assert depth_lower_bound(ShallowSSM([R(1, 2), R(1, 3)], [1, 1], [1, 1]), 1, 100) is None


# -------------------------------------------------------------- the ρ(s) cap of lower bound (b)


def test_lower_bound_default_cap_is_256():
    # m = 1, c = 2: |ρ(0)| = |r| ≤ 2^(l+1) first at l = 256 and 257 for these residues
    assert depth_lower_bound(one_pole(2.0 ** 256.5), 1, 2.0) == 256
    assert depth_lower_bound(one_pole(2.0 ** 257.5), 1, 2.0) is None
    assert depth_lower_bound(one_pole(2.0 ** 257.5), 1, 2.0, max_depth=257) == 257
    assert depth_lower_bound(one_pole(1.0), 1, 3.0, max_depth=1) == 1


def test_lower_bound_checks_the_kernel_up_to_s_equal_2n():
    # a conjugate pair 0.99 e^{±0.1i} with residues ∓2i: ρ(s) = 4 (0.99)^s sin(0.1 s), so
    # ρ(0) = 0 and |ρ(s)| grows with s ≤ 6: 0, 0.395, 0.779, 1.147, 1.496, 1.824, 2.126.
    # At l = 1 the cap is m c² (binomial factor 1): 1.28 for c = 0.8 fails only at s = 4 = 2n
    # (so s < 2n + 1 must be checked), 1.62 for c = 0.9 passes every s ≤ 4 (and would fail at
    # s = 5, which is not checked)
    lam = 0.99 * np.exp(0.1j)
    pair = ShallowSSM([lam, np.conj(lam)], [-2j, 2j], [1.0, 1.0])
    assert depth_lower_bound(pair, 2, 0.8) == 2
    assert depth_lower_bound(pair, 2, 0.9) == 1


def test_lower_bound_slack_is_sixteen_roundoffs():
    # |r| = 8 (1 + k ε), ε = tolerance(float, 1): the cap 2^(l+1) at l = 2 with the relative
    # slack 16 ε admits k = 15.5 and refuses k = 16.5
    eps = float(tolerance(NumberKind.FLOAT, 1))
    assert depth_lower_bound(one_pole(8 * (1 + 15.5 * eps)), 1, 2.0) == 2
    assert depth_lower_bound(one_pole(8 * (1 + 16.5 * eps)), 1, 2.0) == 3


def test_lower_bound_cap_comparison_is_strict():
    # |r| whose float log equals the guarded cap of l = 2 at m = 1, c = 2 exactly:
    # ln 2^3 + ln(1 + 16 ε) plus the guard 10^-15 (1 + ln 2^3). Equality passes (l = 2); the
    # next float above the ties does not (l = 3)
    slack = float(tolerance(NumberKind.FLOAT, 1.0)) * 16
    cap = 3 * math.log(2.0) + math.log1p(slack)
    guarded = cap + 1e-15 * (1 + 3 * math.log(2.0))  # 1 + |l ln m| + |(l+1) ln c| + ln 1
    r = math.exp(guarded)
    for _ in range(64):
        r = math.nextafter(r, 0.0)
    ties = []
    for _ in range(128):
        if math.log(r) == guarded:
            ties.append(r)
        r = math.nextafter(r, math.inf)
    assert ties, "no float residue has the guarded cap as its logarithm"
    for tie in ties:
        assert depth_lower_bound(one_pole(tie), 1, 2.0) == 2
    assert depth_lower_bound(one_pole(math.nextafter(ties[-1], math.inf)), 1, 2.0) == 3


def test_exact_lower_bound_has_no_slack():
    assert depth_lower_bound(exact_pole(8), 1, 2) == 2  # |ρ(0)| = 8 = 2^3 exactly
    assert depth_lower_bound(exact_pole(12), 1, 2) == 3  # 8 < 12 ≤ 16
    # |r| = 2^300 (1 + 10^-13): above the cap 2^300 by far less than the float guard of the
    # log comparison (10^-15 relative to ln 2^300 ≈ 208), so l = 299 is admitted
    assert depth_lower_bound(exact_pole(R(2) ** 300 * (1 + R(1, 10 ** 13))), 1, 2,
                             max_depth=300) == 299


def test_exact_tie_of_a_cap_near_one_passes():
    # |r| = c² exactly, c = 1 + 11·2^-30, m = 1: at l = 1 condition (b) holds with equality
    # at s = 0 (|ρ(0)| = m c²). The logarithms are about 2e-8, so a guard relative to the cap
    # (2e-23) is far below the rounding of |ρ(0)| and c to float (about 1e-16 in the logs),
    # which refused this tie; the guard is 1e-15 times 1 plus the size of the logarithms
    # summed. A residue 1e-12 above the cap fails at l = 1
    c = 1 + 11 * 2.0 ** -30
    r = R(Fraction(c)) ** 2
    assert depth_lower_bound(exact_pole(r), 1, c) == 1
    assert depth_lower_bound(exact_pole(r * (1 + R(1, 10 ** 12))), 1, c) == 2


def test_exact_lower_bound_uses_the_correctly_rounded_modulus():
    # r = (1 + √27)/5: |r|² is irrational; its 15-digit evaluation is one float below the
    # correctly rounded one (the 30-digit evaluation). With m = 2 and c tuned so that the
    # guarded cap of l = 1 falls between the logs of the two square roots, the correctly
    # rounded |ρ(0)| exceeds it: l = 1 fails, l = 2 passes
    r = (1 + sympy.sqrt(27)) / 5
    square = sympy.expand(r**2)
    with mpmath.workdps(60):
        nearest = float(mpmath.mpf(sympy.N(square, 60)))
    assert float(sympy.N(square, 15)) < nearest
    c = 0.7871564280819041
    log_m, log_c = math.log(2), 2 * math.log(c)
    guarded = (log_m + log_c) + 1e-15 * (1 + abs(log_m) + abs(log_c))
    assert math.log(math.sqrt(float(sympy.N(square, 15)))) <= guarded
    assert math.log(math.sqrt(nearest)) > guarded
    assert depth_lower_bound(exact_pole(r), 2, c) == 2


# ------------------------------------------------------------------- shallow width (kinds)


def test_exact_shallow_width_is_exact():
    # |r| / c² = (1/2) / (1/196) = 98 exactly; float arithmetic gives 98.00000000000001
    assert shallow_width_needed(exact_pole(R(1, 2)), R(1, 14)) == 98
    assert 0.5 / (1 / 14) ** 2 > 98


def test_mpmath_shallow_width_uses_the_working_precision():
    with mpmath.workdps(30):
        above = ShallowSSM([mpmath.mpf(0.5)], [mpmath.mpf(4) + mpmath.mpf(10) ** -20],
                           [mpmath.mpf(1)])
        assert shallow_width_needed(above, 2.0) == 2  # 1 + 2.5e-21 copies, rounded up
        nine = ShallowSSM([mpmath.mpf(0.5)], [mpmath.mpf(9)], [mpmath.mpf(1)])
        assert shallow_width_needed(nine, 3.0) == 1


# -------------------------------------------------------------------------------- table


def test_table_row_by_hand():
    # one pole |r| = 1000, m = 1: c_1 = √1000; width ⌈1000/c²⌉; lower = constructive =
    # ⌈ln 1000 / ln c⌉ - 1; forest: least l with l ln(c/2) ≥ ln 1000 - ln(2c); formula:
    # ⌈ln 1000 / ln(c/2)⌉ - 1 (c = 3), None for c = 2
    (row,) = depth_width_table(one_pole(1000.0), 1, 3.0, [1.0])
    assert row == {"magnitude": 1.0, "c1": math.sqrt(1000.0), "shallow_width": 112,
                   "lower": 6, "constructive": 6, "forest_bound": 13, "formula": 17}
    (row,) = depth_width_table(one_pole(1000.0), 1, 2.0, [1.0])
    assert row == {"magnitude": 1.0, "c1": math.sqrt(1000.0), "shallow_width": 250,
                   "lower": 9, "constructive": 9, "forest_bound": None, "formula": None}


def test_exact_target_norm_terms():
    # |r| = 100 exactly: c_1 = 10; the formula at m = 1, c = 4: ⌈2 ln 10 / ln 2⌉ - 1 = 6
    (row,) = depth_width_table(exact_pole(100), 1, 4, [1])
    assert row["c1"] == 10.0 and row["formula"] == 6 == depth_upper_bound(exact_pole(100), 1, 4)


def test_table_scales_a_float_target_by_an_exact_magnitude():
    (row,) = depth_width_table(one_pole(1000.0), 1, 3.0, [R(1, 10)])
    assert row["magnitude"] == 0.1 and row["c1"] == 10.0 and row["shallow_width"] == 12


#: Cases ``(magnitudes, shown)`` of :func:`test_magnitudes_message_is_exact`.
BAD_MAGNITUDES = [
    ("2", "'2'"), (2.0, "2.0"), ([], "[]"), (b"ab", "b'ab'"),
    (np.array(2.0), "an array of shape () (dtype float64)"),
    (np.array([[1.0]]), "an array of shape (1, 1) (dtype float64)"),
]


def _magnitudes_message_is_exact(magnitudes, shown):
    message = f"magnitudes: expected a non-empty sequence of finite real numbers > 0, got {shown}"
    with pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$"):
        depth_width_table(one_pole(1.0), 1, 3.0, magnitudes)


def test_magnitudes_message_is_exact() -> None:
    """Magnitudes message is exact: every case of ``BAD_MAGNITUDES``."""
    check_every_case(_magnitudes_message_is_exact, BAD_MAGNITUDES)
