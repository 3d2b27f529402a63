"""Tests of theory.numbers: number kinds, conversion, tolerances and the polynomial-root wrapper.

The same assertions run over the three number kinds (the pattern of sympy's
``polys/matrices/tests/test_xxm.py``).
"""

from __future__ import annotations

import inspect
import itertools
import math
import re
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    ALL_KINDS,
    assert_agree,
    example_budgets,
    gaussian_rationals,
    mismatches,
    run_examples,
    stable_spectra,
)

from theory import numbers as tn
from theory.numbers import (
    InvalidParameterError,
    NumberKind,
    abs_squared,
    as_array,
    convert,
    is_finite,
    kind_of,
    max_abs,
    polyroots,
    real_part,
    tolerance,
)

I = sympy.I  # noqa: E741 (the imaginary unit, as sympy names it)
R = sympy.Rational


def in_kind(values, kind: NumberKind) -> np.ndarray:
    """Exact Gaussian-rational test values as an array of ``kind``."""
    return convert(values, kind)


# ------------------------------------------------------------------------------------- kind_of


KIND_OF_RULES = [
    ((1, 2, [3, 4]), NumberKind.FLOAT),  # integers alone are float
    ((0.5, 1), NumberKind.FLOAT),
    ((np.array([1.0, 2.0]),), NumberKind.FLOAT),
    ((1 + 2j,), NumberKind.FLOAT),
    ((R(1, 2), 3), NumberKind.EXACT),
    ((Fraction(1, 3),), NumberKind.EXACT),
    ((sympy.sqrt(2) * I, [1, 2]), NumberKind.EXACT),
    ((mpmath.mpf(1), 2), NumberKind.MPMATH),
    ((mpmath.mpc(1, 2), 0.5), NumberKind.MPMATH),  # float entries join an mpmath model
    ((np.array([mpmath.mpf(1)], dtype=object),), NumberKind.MPMATH),
]


def test_kind_of_rules():
    def check(values, expected):
        assert kind_of(*values) is expected

    check_every_case(check, KIND_OF_RULES)


def test_kind_of_refuses_exact_mixed_with_rounded_numbers_and_names_them():
    def check(other):
        with pytest.raises(InvalidParameterError, match=r"^eigenvalues: exact .* in C"):
            kind_of([R(1, 2)], [1, 2], [other], names=["eigenvalues", "B", "C"])

    check_every_case(check, [(0.5,), (1j,), (np.float64(0.25),), (mpmath.mpf("0.5"),)])


def test_kind_of_names_must_match_values():
    with pytest.raises(InvalidParameterError, match="names"):
        kind_of(1, 2, names=["only one"])


# ------------------------------------------------------------------------------------ as_array


def test_as_array_keeps_the_kind():
    def check(kind):
        arr = as_array(in_kind([R(1, 2), -3], kind), kind, "v", ndim=1)
        assert arr.shape == (2,)
        if kind is NumberKind.FLOAT:
            assert arr.dtype == float
        else:
            expected = sympy.Basic if kind is NumberKind.EXACT else mpmath.mpf
            assert all(isinstance(x, expected) for x in arr)

    check_every_case(check, [(kind,) for kind in ALL_KINDS])


def test_as_array_checks_ndim_and_names_the_parameter():
    def check(kind):
        with pytest.raises(InvalidParameterError, match=r"^vec: expected a 1-dimensional array"):
            as_array(in_kind([[1, 2]], kind), kind, "vec", ndim=1)

    check_every_case(check, [(kind,) for kind in ALL_KINDS])


_NON_FINITE = {
    NumberKind.EXACT: [sympy.nan, sympy.oo, -sympy.oo, sympy.zoo, I * sympy.oo],
    NumberKind.MPMATH: [mpmath.nan, mpmath.inf, mpmath.mpc(0, mpmath.inf)],
    NumberKind.FLOAT: [np.nan, np.inf, -np.inf, complex(0, np.inf)],
}


def test_as_array_refuses_nan_and_inf():
    def check(kind, bad):
        with pytest.raises(InvalidParameterError, match=r"^B: entries must be finite"):
            as_array([1, bad], kind, "B")

    check_every_case(check, [(kind, bad) for kind in ALL_KINDS for bad in _NON_FINITE[kind]])


def test_as_array_refuses_non_numbers():
    def check(kind, bad):
        with pytest.raises(InvalidParameterError, match=r"^C: "):
            as_array([1, bad], kind, "C")

    check_every_case(check, itertools.product(ALL_KINDS, ["1/2", None, [1, [2, 3]]]))


def test_exact_arrays_refuse_rounded_or_symbolic_entries():
    def check(bad):
        with pytest.raises(InvalidParameterError, match=r"^lam: "):
            as_array([R(1, 2), bad], NumberKind.EXACT, "lam")

    check_every_case(check, [(0.5,), (1j,), (np.float64(0.5),), (mpmath.mpf(1),),
                             (sympy.Float(0.5),), (sympy.Float(0.5) * I,), (sympy.Symbol("x"),),
                             (sympy.true,)])


def test_as_array_float_refuses_booleans():
    with pytest.raises(InvalidParameterError, match=r"^x: entries must be numbers"):
        as_array([True, False], NumberKind.FLOAT, "x")


def test_is_finite_across_kinds():
    assert is_finite(np.array([1.0, 2j]))
    assert not is_finite(np.array([1.0, np.nan]))
    assert is_finite(np.array([sympy.sqrt(2), I], dtype=object))
    assert not is_finite(np.array([sympy.zoo], dtype=object))
    assert not is_finite(np.array([mpmath.inf], dtype=object))


# ------------------------------------------------------------------------------------- convert


# The conversion properties: a quarter of the profile's examples in the default run, all of
# them under ``extended``.
@example_budgets(0.25)
def test_float_to_exact_and_mpmath_and_back_is_identical(examples):
    run_examples(examples, check_float_round_trip,
                 re_parts=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64),
                                   max_size=6),
                 im_parts=st.lists(st.floats(-1e300, 1e300), max_size=6))


def check_float_round_trip(re_parts, im_parts):
    vals = np.array([complex(a, b) for a, b in zip(re_parts, im_parts)] or [0.0])
    for kind in (NumberKind.EXACT, NumberKind.MPMATH):
        back = convert(convert(vals, kind), NumberKind.FLOAT)
        assert np.array_equal(back.astype(complex), vals.astype(complex))


@example_budgets(0.25)
def test_mpmath_to_exact_and_back_is_identical(examples):
    run_examples(examples, check_mpmath_round_trip, values=stable_spectra(NumberKind.MPMATH, 4))


def check_mpmath_round_trip(values):
    exact = convert(values, NumberKind.EXACT)
    assert all(isinstance(x, sympy.Expr) and not x.has(sympy.Float) for x in exact)
    back = convert(exact, NumberKind.MPMATH)
    assert all(a == b for a, b in zip(back, values))


@example_budgets(0.25)
def test_dyadic_exact_survives_float(examples):
    run_examples(examples, check_dyadic_round_trip,
                 values=stable_spectra(NumberKind.EXACT, 4, dyadic=True))


def check_dyadic_round_trip(values):
    back = convert(convert(values, NumberKind.FLOAT), NumberKind.EXACT)
    assert mismatches(back, values, NumberKind.EXACT) == []


@example_budgets(0.25)
def test_exact_to_mpmath_rounds_within_tolerance_at_50_digits(examples):
    run_examples(examples, check_exact_to_mpmath_rounding,
                 z=gaussian_rationals(max_modulus=3, max_denominator=97))


def check_exact_to_mpmath_rounding(z):
    with mpmath.workdps(50):
        approx = convert([z], NumberKind.MPMATH)[0]
        err = abs(mpmath.mpf(sympy.re(z).p) / sympy.re(z).q - mpmath.re(approx)) + abs(
            mpmath.mpf(sympy.im(z).p) / sympy.im(z).q - mpmath.im(approx))
        assert err <= tolerance(NumberKind.MPMATH, 3)


def test_convert_float_output_is_real_when_possible():
    assert convert([R(1, 2), 3], NumberKind.FLOAT).dtype == float
    assert convert([R(1, 2), I], NumberKind.FLOAT).dtype == complex


def test_convert_refuses_non_finite_mpmath_to_exact():
    with pytest.raises(InvalidParameterError, match=r"^v: entries must be finite"):
        convert([mpmath.inf], NumberKind.EXACT, "v")


# ----------------------------------------------------------------------- moduli and tolerance


def test_moduli_on_hand_computable_values():
    def check(kind):
        z = in_kind([3 + 4 * I, R(-5, 13) + R(12, 13) * I, -2, 0], kind)
        assert_agree([abs_squared(x) for x in z], [25, 1, 4, 0], kind, 25)
        assert_agree([real_part(x) for x in z], [3, R(-5, 13), -2, 0], kind, 5)
        assert_agree([max_abs(z)], [5], kind, 5)
        if kind is NumberKind.EXACT:
            assert abs_squared(z[1]) == 1 and max_abs(z) == 5  # exact values, not approximations

    check_every_case(check, [(kind,) for kind in ALL_KINDS])


def test_exact_modulus_of_roots_is_exact():
    # |sqrt(i/7)|² = 1/7: the expansion of x·conj(x) leaves an expression sympy cannot compare
    assert abs_squared(sympy.sqrt(I / 7)) == R(1, 7)
    assert max_abs(np.array([sympy.sqrt(I / 7), sympy.sqrt(-2)], dtype=object)) == sympy.sqrt(2)


def test_max_abs_of_empty_is_zero():
    assert max_abs(np.array([])) == 0


def test_tolerance_follows_the_working_precision():
    eps = float(np.finfo(float).eps)
    assert tolerance(NumberKind.EXACT, 123) == 0
    assert tolerance(NumberKind.FLOAT, 3) == pytest.approx(3 * eps**0.8, rel=1e-12)
    with mpmath.workdps(15):
        low = tolerance(NumberKind.MPMATH)
    with mpmath.workdps(50):
        high = tolerance(NumberKind.MPMATH, 2)
        assert high == 2 * mpmath.mpf(2) ** (-0.8 * mpmath.mp.prec)
    assert high < low * mpmath.mpf(10) ** -25


def test_precision_changes_do_not_leak_between_tests_part_1():
    mpmath.mp.dps = 7  # restored by the autouse fixture of conftest.py


def test_precision_changes_do_not_leak_between_tests_part_2():
    assert mpmath.mp.dps == 15


# ----------------------------------------------------------------------------------- polyroots


def _match_roots(found, expected, scale):
    """Every expected root has a distinct found root within ``tolerance(MPMATH, scale)``."""
    remaining = list(found)
    assert len(remaining) == len(expected)
    for r in expected:
        target = convert([r], NumberKind.MPMATH)[0]
        dists = [abs(target - f) for f in remaining]
        k = int(np.argmin([float(d) for d in dists]))
        assert dists[k] <= tolerance(NumberKind.MPMATH, scale), (r, remaining[k], dists[k])
        remaining.pop(k)


KNOWN_POLYNOMIALS = [
    ([-6, 11, -6, 1], [1, 2, 3]),
    ([1, -3, 2], [R(1, 2), 1]),  # 1 - 3w + 2w²: ascending order matters (descending: 1, 2)
    ([1, 0, 1], [I, -I]),
    ([-2, 0, 1], [sympy.sqrt(2), -sympy.sqrt(2)]),
    ([R(1, 3), -R(4, 3), 1], [R(1, 3), 1]),
    ([-2, 1, 0, 0], [2]),  # vanishing leading coefficients are dropped
    ([0, 0, 1], [0, 0]),
    ([1, -2, 1], [1, 1]),  # a double root
]


def test_polyroots_of_known_polynomials_at_50_digits():
    def check(coeffs, roots):
        with mpmath.workdps(50):
            _match_roots(polyroots(coeffs), roots, 4)

    check_every_case(check, KNOWN_POLYNOMIALS)


def test_polyroots_negative_control_descending_order_is_detected():
    with mpmath.workdps(50), pytest.raises(AssertionError):
        _match_roots(polyroots([1, -3, 2]), [1, 2], 4)


@example_budgets(0.2)
def test_polyroots_recovers_random_simple_roots(examples):
    def check(roots):
        coeffs = sympy.Poly(sympy.prod([sympy.Symbol("w") - r for r in roots]),
                            sympy.Symbol("w")).all_coeffs()[::-1]
        with mpmath.workdps(50):
            _match_roots(polyroots(coeffs), roots, 16)

    run_examples(examples, check, roots=st.lists(
        gaussian_rationals(max_modulus=2, max_denominator=9), min_size=1, max_size=5,
        unique=True))


def test_polyroots_constant_and_zero_polynomials():
    assert polyroots([5]) == []
    assert polyroots([3, 0, 0]) == []
    for zero in ([], [0], [0, 0, 0]):
        with pytest.raises(InvalidParameterError, match="^coeffs_ascending: the zero polynomial"):
            polyroots(zero)


def test_polyroots_reports_non_convergence():
    with pytest.raises(ArithmeticError, match=r"did not converge.*\(1, \d+\)\]"):
        polyroots(list(range(1, 12)), maxsteps=1, retries=0)


#: ``P(w) = 2 - w/2 + 2e-40 w^2`` (to 30 digits) of the target with poles 0.5, 1e-20, 2e-20:
#: roots 4 and 2.5e39, which Durand-Kerner resolves only with extra precision
_SPREAD_ROOTS = ["2", "-0.50000000000000000003", "2.0000000000042168365982e-40"]


def test_polyroots_retries_with_more_precision():
    with mpmath.workdps(30):
        coeffs = [mpmath.mpf(c) for c in _SPREAD_ROOTS]
        with pytest.raises(ArithmeticError, match="did not converge"):
            polyroots(coeffs, retries=0)
        roots = sorted(polyroots(coeffs), key=abs)
        for z in roots:  # residual relative to the size of the terms
            terms = [mpmath.fabs(c * z**k) for k, c in enumerate(coeffs)]
            assert mpmath.fabs(mpmath.polyval(coeffs[::-1], z)) <= tolerance(
                NumberKind.MPMATH, max(terms))
        assert mpmath.fabs(roots[0] - 4) < 1e-18 and 2e39 < mpmath.fabs(roots[1]) < 3e39


def test_polyroots_retry_schedule_and_final_error(monkeypatch):
    calls = []

    def never(coeffs, maxsteps=50, extraprec=10, **kwargs):
        calls.append((maxsteps, extraprec))
        raise mpmath.mp.NoConvergence("stand-in")

    monkeypatch.setattr(mpmath, "polyroots", never)
    with mpmath.workdps(15), pytest.raises(ArithmeticError, match="attempts") as exc:
        polyroots([1, 0, 2**-40], maxsteps=10, extraprec=20, retries=2)
    # steps double; extra precision doubles plus the 40-bit spread of the coefficients
    assert calls == [(10, 20), (20, 80), (40, 200)]
    assert str(calls) in str(exc.value)


def test_polyroots_bad_options():
    def check(kwargs, name):
        with pytest.raises(InvalidParameterError, match=f"^{name}: "):
            polyroots([1, 1], **kwargs)

    check_every_case(check, [({"maxsteps": 0}, "maxsteps"), ({"maxsteps": 2.5}, "maxsteps"),
                             ({"extraprec": -1}, "extraprec"), ({"extraprec": "10"}, "extraprec"),
                             ({"retries": -1}, "retries"), ({"retries": True}, "retries")])


def test_polyroots_detects_the_mpmath_coefficient_order_api():
    has_asc = "asc" in inspect.signature(mpmath.polyroots).parameters
    assert tn._POLYROOTS_HAS_ASC is has_asc
    major_minor = tuple(int(p) for p in mpmath.__version__.split(".")[:2])
    assert has_asc is (major_minor >= (1, 4))


@pytest.mark.parametrize("has_asc", [True, False], ids=["mpmath>=1.4", "mpmath<1.4"])
def test_polyroots_passes_the_right_order_to_either_mpmath_api(monkeypatch, has_asc):
    """Both branches of the wrapper, whichever mpmath is installed: a stand-in with the other
    version's signature receives the coefficients in the order that version expects."""
    real = mpmath.polyroots
    received = {}

    def fake_14(coeffs, maxsteps=50, cleanup=True, extraprec=10, error=False,
                roots_init=None, asc=None):
        received["asc"] = asc
        desc = list(coeffs)[::-1] if asc else list(coeffs)
        return real(desc, maxsteps=maxsteps, extraprec=extraprec)

    def fake_13(coeffs, maxsteps=50, cleanup=True, extraprec=10, error=False, roots_init=None):
        received["asc"] = "absent"
        return real(list(coeffs), maxsteps=maxsteps, extraprec=extraprec)

    monkeypatch.setattr(tn, "_POLYROOTS_HAS_ASC", has_asc)
    monkeypatch.setattr(mpmath, "polyroots", fake_14 if has_asc else fake_13)
    with mpmath.workdps(30):
        _match_roots(polyroots([1, -3, 2]), [R(1, 2), 1], 4)
    assert received["asc"] == (True if has_asc else "absent")


# ------------------------------------------------------------------ exact zero decisions
EXACT_ZERO_CASES = [
    (sympy.Integer(0), True),
    (sympy.Rational(1, 10**30), False),
    (sympy.Rational(3, 7) * sympy.I - sympy.Rational(6, 14) * sympy.I, True),
    (sympy.Rational(3, 7) + 2 * sympy.I, False),
    # zero, but sympy.expand leaves it as a radical expression
    ((-2 + 2 * sympy.I) ** sympy.Rational(1, 3) - (1 + sympy.I), True),
    ((-2 + 2 * sympy.I) ** sympy.Rational(1, 3) - (1 + sympy.I) + sympy.Rational(1, 10**40),
     False),
    (sympy.sqrt(2) * sympy.sqrt(3) - sympy.sqrt(6), True),
    (sympy.sqrt(2) + sympy.sqrt(3) - sympy.sqrt(5 + 2 * sympy.sqrt(6)), True),
    (sympy.exp(1) - 2, False),
    (Fraction(0), True),
    (0, True),
]


def test_is_exact_zero_decides_without_false_answers() -> None:
    from theory.numbers import is_exact_zero

    def check(value, zero) -> None:
        assert is_exact_zero(value) is zero

    check_every_case(check, EXACT_ZERO_CASES)


def test_expand_alone_would_call_a_zero_radical_nonzero() -> None:
    """The reason for the decision procedure: the expansion test gives a false difference."""
    x = (-2 + 2 * sympy.I) ** sympy.Rational(1, 3) - (1 + sympy.I)
    assert sympy.expand(x) != 0


def test_exact_equal_compares_through_the_difference() -> None:
    from theory.numbers import exact_equal

    root = (-2 + 2 * sympy.I) ** sympy.Rational(1, 3)
    assert exact_equal(root, 1 + sympy.I)
    assert not exact_equal(root, 1 - sympy.I)


def test_an_undecidable_zero_test_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the minimal polynomial nor ``equals`` decides: an error, never a guess."""
    from theory.numbers import UndecidableZeroError, is_exact_zero

    def not_algebraic(*args: Any, **kwargs: Any) -> Any:
        raise sympy.polys.polyerrors.NotAlgebraic("stub")

    monkeypatch.setattr(sympy, "minimal_polynomial", not_algebraic)
    monkeypatch.setattr(sympy.Expr, "equals", lambda self, other: None)
    with pytest.raises(UndecidableZeroError, match="cannot decide"):
        is_exact_zero(sympy.exp(1) - 2)


def test_a_symbolic_expression_is_refused() -> None:
    from theory.numbers import is_exact_zero

    with pytest.raises(InvalidParameterError, match="x: expected an exact number"):
        is_exact_zero(sympy.Symbol("y") - 1)


# ------------------------------------------------------------------------- bad input
_F = NumberKind.FLOAT
_ONE_EXACT = np.array([R(1)], dtype=object)


BAD_INPUT = [
    (lambda: as_array([1.0], "float", "v"), "kind"),
    (lambda: as_array([1.0], _F, "v", ndim=-1), "ndim"),
    (lambda: as_array([1.0], _F, "v", ndim=1.0), "ndim"),
    (lambda: convert([1.0], "float"), "kind"),
    (lambda: convert(["a"], _F, "v"), "v"),
    (lambda: convert([None], _F, "v"), "v"),
    (lambda: convert([sympy.Symbol("y")], _F, "v"), "v"),
    (lambda: tolerance("float"), "kind"),
    (lambda: tolerance(_F, np.nan), "scale"),
    (lambda: tolerance(_F, -1.0), "scale"),
    (lambda: tolerance(_F, -1e-300), "scale"),
    (lambda: tolerance(_F, np.inf), "scale"),
    (lambda: tolerance(NumberKind.MPMATH, mpmath.inf), "scale"),
    (lambda: tolerance(NumberKind.EXACT, np.nan), "scale"),
    (lambda: tolerance(_F, "1"), "scale"),
    (lambda: tolerance(_F, 1j), "scale"),
    (lambda: tolerance(_F, True), "scale"),
    (lambda: tolerance(_F, np.ones(2)), "scale"),
    (lambda: tn.KindArithmetic("float", [np.array([1.0])]), "kind"),
    (lambda: tn.is_exact_zero(np.nan), "x"),
    (lambda: tn.is_exact_zero(sympy.oo), "x"),
    (lambda: tn.is_exact_zero(sympy.zoo), "x"),
    (lambda: tn.is_exact_zero("0"), "x"),
    (lambda: tn.exact_equal(np.nan, R(1)), "a"),
    (lambda: tn.exact_equal(R(1), np.inf), "b"),
    (lambda: tn.exact_equal(R(1), "abc"), "b"),
    (lambda: abs_squared("a"), "x"),
    (lambda: abs_squared(None), "x"),
    (lambda: real_part("a"), "x"),
    (lambda: is_finite([1.0]), "arr"),
    (lambda: polyroots([np.nan, 1.0]), "coeffs_ascending"),
    (lambda: polyroots([1.0, mpmath.inf]), "coeffs_ascending"),
    (lambda: polyroots(["a", 1.0]), "coeffs_ascending"),
    (lambda: tn.to_domain(np.array([np.nan], dtype=object)), "arrays[0]"),
    (lambda: tn.to_domain(_ONE_EXACT, np.array([sympy.oo], dtype=object)), "arrays[1]"),
    (lambda: tn.to_domain(np.array([0.5])), "arrays[0]"),
    (lambda: tn.to_domain(np.array([mpmath.mpf(1)], dtype=object)), "arrays[0]"),
    (lambda: tn.to_domain(np.array([sympy.Symbol("y")], dtype=object)), "arrays[0]"),
    (lambda: tn.to_domain([R(1)]), "arrays[0]"),
    (lambda: tn.from_domain("x", _ONE_EXACT), "K"),
    (lambda: tn.from_domain(sympy.QQ, [1]), "arr"),
]


def test_bad_input_names_the_parameter() -> None:
    def check(call, name) -> None:
        with pytest.raises(InvalidParameterError, match=f"^{re.escape(name)}: "):
            call()

    check_every_case(check, BAD_INPUT)


def test_is_finite_judges_every_entry_of_an_object_array() -> None:
    """Python and numpy floats inside an object array are checked too (a NaN there once passed),
    and an entry that is not a number is not a finite number."""
    assert not is_finite(np.array([R(1), np.nan], dtype=object))
    assert not is_finite(np.array([np.float64(np.inf)], dtype=object))
    assert not is_finite(np.array([1, complex(0, np.inf)], dtype=object))
    assert not is_finite(np.array(["a"], dtype=object))
    assert not is_finite(np.array([None], dtype=object))
    assert not is_finite(np.array(["a"]))  # a string array
    assert is_finite(np.array([Fraction(10**400, 3), 10**400, 0.5, 1j, True], dtype=object))
    assert is_finite(np.array([], dtype=object))


def test_tolerance_accepts_every_finite_nonnegative_scale() -> None:
    eps08 = float(np.finfo(float).eps) ** 0.8
    assert tolerance(NumberKind.FLOAT, 0) == 0
    assert tolerance(NumberKind.FLOAT, Fraction(1, 2)) == 0.5 * eps08
    assert tolerance(NumberKind.FLOAT, np.float32(2)) == 2 * eps08
    # an mpf scale beyond the float64 range is kept as an mpf
    big = mpmath.mpf("1e400")
    assert tolerance(NumberKind.MPMATH, big) == big * mpmath.mpf(2) ** (-0.8 * mpmath.mp.prec)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_tolerance_is_finite_and_nonnegative_or_refused(scale: float) -> None:
    if scale < 0:
        with pytest.raises(InvalidParameterError, match="^scale: "):
            tolerance(NumberKind.FLOAT, scale)
    else:
        tol = tolerance(NumberKind.FLOAT, scale)
        assert math.isfinite(tol) and tol == scale * float(np.finfo(float).eps) ** 0.8


def test_exact_equal_and_to_domain_still_take_integers_and_fractions() -> None:
    assert tn.exact_equal(Fraction(1, 2), R(1, 2)) and not tn.exact_equal(1, 2)
    K, (arr,) = tn.to_domain(np.array([1, Fraction(1, 2)], dtype=object))
    assert K == sympy.QQ and list(tn.from_domain(K, arr)) == [1, R(1, 2)]


# ---------------------------------------------------------------- Gaussian-rational fast paths
def _unexpanded(draw: st.DrawFn, depth: int) -> sympy.Expr:
    """A Gaussian rational written with unexpanded sums, products, quotients and powers."""
    leaf = draw(gaussian_rationals(max_modulus=3, strict=False))
    if depth == 0 or draw(st.booleans()):
        return leaf
    a, b = _unexpanded(draw, depth - 1), _unexpanded(draw, depth - 1)
    op = draw(st.sampled_from(["add", "mul", "div", "pow"]))
    if op == "div" and sympy.expand(b) == 0:
        op = "mul"
    if op == "pow" and sympy.expand(a) == 0:
        return a + b
    return {"add": lambda: a + b, "mul": lambda: a * b, "div": lambda: a / b,
            "pow": lambda: a ** draw(st.integers(-3, 3))}[op]()


@st.composite
def unexpanded_gaussians(draw: st.DrawFn) -> sympy.Expr:
    return _unexpanded(draw, 2)


@example_budgets(0.1, 0.3)
def test_gaussian_fast_paths_agree_with_sympy(examples: int) -> None:
    check_gaussian_fast_paths(I + (1 + I) ** 2)  # sympy leaves Abs(x)**2 unevaluated (it is 9)
    run_examples(examples, check_gaussian_fast_paths, x=unexpanded_gaussians())


def check_gaussian_fast_paths(x: sympy.Expr) -> None:
    # abs_squared, is_exact_zero and to_domain evaluate Gaussian rationals in QQ_I; the
    # answers are sympy's values (Abs(x)**2, expand, construct_domain on the canonical form)
    from sympy.polys.constructor import construct_domain

    from theory.numbers import from_domain, is_exact_zero, to_domain

    canonical = sympy.expand(x)
    value = abs_squared(x)
    assert value.is_Rational and value == sympy.expand(sympy.Abs(x) ** 2)
    assert is_exact_zero(x) is (canonical == 0)
    assert is_exact_zero(x - canonical) is True
    for entry in (x, canonical):
        K, (arr,) = to_domain(np.array([entry, R(1, 2)], dtype=object))
        assert K == construct_domain([canonical, R(1, 2)])[0]
        assert list(from_domain(K, arr)) == [canonical, R(1, 2)]


def test_to_domain_picks_the_smallest_gaussian_domain() -> None:
    from theory.numbers import from_domain, to_domain

    def check(values, domain) -> None:
        K, (arr,) = to_domain(np.array(values, dtype=object))
        assert K == domain
        assert list(from_domain(K, arr)) == [sympy.expand(sympy.sympify(v)) for v in values]

    check_every_case(check, [
        ([2, Fraction(-3)], sympy.ZZ), ([R(1, 2), 1], sympy.QQ), ([I, 3], sympy.ZZ_I),
        ([I / 2, 1], sympy.QQ_I), ([(1 + I) * (1 - I)], sympy.ZZ),
        ([(1 + I) / (1 - I)], sympy.ZZ_I), ([(2 + I) ** -1], sympy.QQ_I),
        ([np.int64(4), R(-7)], sympy.ZZ)])


def test_radicals_still_take_the_sympy_paths() -> None:
    from theory.numbers import from_domain, is_exact_zero, to_domain

    root = (-2 + 2 * I) ** R(1, 3)
    assert abs_squared(root) == sympy.Abs(root) ** 2 == 2
    assert is_exact_zero(root - (1 + I)) is True and is_exact_zero(root - 1) is False
    K, _ = to_domain(np.array([sympy.sqrt(2), I], dtype=object))
    assert K.is_Algebraic
    # beyond MAX_FIELD_DEGREE: raw expressions, Python integers and Fractions included
    many = (-30 - 20 * I) ** R(1, 6)
    K, (arr,) = to_domain(np.array([many, 0, Fraction(1, 2)], dtype=object))
    assert K == sympy.EXRAW and list(from_domain(K, arr)) == [many, 0, R(1, 2)]


@example_budgets(0.1, 0.3)
def test_exact_to_mpmath_conversion_keeps_its_rounding(examples: int) -> None:
    run_examples(examples, check_exact_to_mpmath_conversion, x=unexpanded_gaussians())


def check_exact_to_mpmath_conversion(x: sympy.Expr) -> None:
    # the Gaussian fast path takes the parts from QQ_I; the digits are sympy's as before
    with mpmath.workdps(30):
        dps = mpmath.mp.dps + 5
        re_v, im_v = (mpmath.mpf(str(sympy.N(part, dps))) for part in (sympy.re(x), sympy.im(x)))
        want = re_v if im_v == 0 else mpmath.mpc(re_v, im_v)
        got = convert([x], NumberKind.MPMATH)[0]
        assert got == want and type(got) is type(want)


_GROUND_TYPES_SCRIPT = """
import numpy as np, sympy
from sympy import I, Rational as R
from theory.numbers import abs_squared, from_domain, is_exact_zero, to_domain
from theory.depth_width import _factor_list, pole_multiplicity_certificate
from theory.linear import W, DeepSSM
x = (1 + I) * (R(2, 3) - I) / (3 - 2 * I)
K, (arr,) = to_domain(np.array([x, R(1, 2), I], dtype=object))
model = DeepSSM([[R(1, 2) + I / 3, R(-1, 4)], [R(1, 2) + I / 3, R(1, 5)]],
                [[1, I], [[1, R(1, 2)], [I, 2]]], [1, R(-1, 3)])
cert = pole_multiplicity_certificate(model, R(1, 2) + I / 3)
poly = sympy.Poly((2 - I) * W * (W - R(1, 2)) ** 2 * (W - I / 3), W, extension=True)
print(sympy.__version__, sympy.polys.domains.QQ.dtype.__module__)
print([str(abs_squared(x)), is_exact_zero(x - sympy.expand(x)), str(K),
       [str(v) for v in from_domain(K, arr)], str(model.kernel(9, "recurrence").tolist()),
       cert.order, str(cert.numerator), str(cert.denominator), cert.check(model),
       str(_factor_list(poly))])
"""


@pytest.mark.slow
def test_results_do_not_depend_on_python_flint() -> None:
    # sympy runs its QQ/ZZ arithmetic on python-flint when it is installed (the ``fast`` extra);
    # the exact paths of the suite must give identical results with sympy's pure-Python types
    import os
    import subprocess
    import sys

    outputs = []
    for ground in ("flint", "python"):
        env = {**os.environ, "SYMPY_GROUND_TYPES": ground}
        run = subprocess.run([sys.executable, "-c", _GROUND_TYPES_SCRIPT], env=env,
                             capture_output=True, text=True, check=True, timeout=600)
        lines = run.stdout.strip().splitlines()
        outputs.append((lines[-2].split()[1], lines[-1]))  # (QQ's backend module, results)
    assert "flint" in outputs[0][0] and "flint" not in outputs[1][0]
    assert outputs[0][1] == outputs[1][1]


def test_exact_to_float_rounds_each_part_once():
    """``complex(Rational(-68, 25))`` is -2.7199999999999998; the conversion gives the float
    nearest to the exact value, -2.72, for real and for Gaussian rationals."""
    got = convert([sympy.Rational(-68, 25), sympy.Rational(-68, 25) + sympy.I / 3],
                  NumberKind.FLOAT)
    assert got[0] == -2.72 and got[1] == complex(-2.72, 1 / 3)
    assert complex(sympy.Rational(-68, 25)) != -2.72  # the pitfall this avoids
