"""Tests of theory.numbers that kill mutants the other test modules let survive.

Each test pins one behaviour mutation testing found unchecked (README, "Mutation testing"):
exact values, error messages and the branches of the kind rules.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy

from theory import numbers as tn
from theory.numbers import (
    InvalidParameterError,
    KindArithmetic,
    NumberKind,
    _field_degree_bound,
    abs_squared,
    as_array,
    convert,
    exact_equal,
    from_domain,
    is_exact_zero,
    is_finite,
    kind_of,
    max_abs,
    polyroots,
    to_domain,
    tolerance,
)

R = sympy.Rational
I = sympy.I  # noqa: E741 (the imaginary unit, as sympy names it)


def test_tier_names() -> None:
    assert [k.tier for k in NumberKind] == ["exact (sympy)", "mpmath", "float64"]


def test_kind_of_an_empty_numeric_array_follows_its_dtype() -> None:
    assert kind_of(np.zeros(0, dtype=int)) is NumberKind.FLOAT
    assert kind_of(np.zeros(0, dtype=int), [R(1, 2)]) is NumberKind.EXACT


def test_max_abs_keeps_integers_and_fractions_next_to_sympy_numbers_exact() -> None:
    # abs_squared of a Python number goes through complex(): 10**20 + 1 would round to 1e20
    big = 10**20 + 1
    assert max_abs(np.array([sympy.Integer(0), big], dtype=object)) == big
    assert max_abs(np.array([sympy.Integer(0), Fraction(1, big)], dtype=object)) == R(1, big)
    assert max_abs(np.array([R(1, 2), -3, 2 + 1j], dtype=object)) == 3


def test_max_abs_does_not_round_sympy_entries() -> None:
    # within 1e-30 of 1: a numerical identification of the value would answer 1
    x = 1 + sympy.sqrt(2) / 10**30
    assert exact_equal(max_abs(np.array([x, R(1, 2)], dtype=object)), x)


def test_field_degree_bound_counts_i_and_each_radical() -> None:
    assert _field_degree_bound([sympy.Integer(3), R(1, 2)]) == 1
    assert _field_degree_bound([sympy.I]) == 2
    assert _field_degree_bound([sympy.sqrt(2), 1 + sympy.sqrt(2)]) == 2
    assert _field_degree_bound([sympy.I * sympy.cbrt(2)]) == 6
    assert _field_degree_bound([sympy.sqrt(2), sympy.sqrt(3), R(5) ** R(1, 4)]) == 16


def test_kind_arithmetic_of_each_kind() -> None:
    exact = KindArithmetic(NumberKind.EXACT, [np.array([R(1, 2), 3], dtype=object)])
    assert exact.domain == sympy.QQ and exact.zero == sympy.QQ.zero
    assert exact.arrays[0].tolist() == [sympy.QQ(1, 2), sympy.QQ(3)]
    back = exact.back(exact.arrays[0] * 2)
    assert back.tolist() == [1, 6] and all(isinstance(v, sympy.Integer) for v in back)
    floats = KindArithmetic(NumberKind.FLOAT, [np.array([0.5])])
    assert floats.domain is None and floats.zero == 0 and floats.zero is not False
    assert floats.arrays[0].tolist() == [0.5] and floats.back(np.array([2.0])).tolist() == [2.0]
    mp = KindArithmetic(NumberKind.MPMATH, [np.array([mpmath.mpf(1)], dtype=object)])
    assert isinstance(mp.zero, mpmath.mpf) and mp.zero == 0 and mp.domain is None


def _raises_exactly(message: str):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$")


def test_kind_of_mixing_message_is_exact() -> None:
    with _raises_exactly("argument 0: exact (sympy) numbers mixed with float numbers in "
                         "argument 1; convert them to one kind first (sympy.Rational for "
                         "exact, mpmath.mpf for high precision)"):
        kind_of(R(1, 2), 0.5)


def test_as_array_float_refuses_object_entries_but_takes_an_empty_object_array() -> None:
    for values in ([R(1, 2)], np.array([0.5], dtype=object)):
        with _raises_exactly("v: entries must be numbers, got dtype object"):
            as_array(values, NumberKind.FLOAT, "v")
    empty = as_array(np.array([], dtype=object), NumberKind.FLOAT, "v")
    assert empty.dtype == np.float64 and empty.shape == (0,)


def test_exact_entries_fractions_and_refusal_messages() -> None:
    assert as_array([Fraction(1, 3), 2], NumberKind.EXACT, "v").tolist() == [R(1, 3), 2]
    hint = "cannot enter an exact model; use sympy.Rational or sympy.nsimplify"
    with _raises_exactly(f"v: a floating-point entry 0.5 {hint}"):
        as_array([0.5], NumberKind.EXACT, "v")
    with _raises_exactly(f"v: the sympy Float entry 0.500000000000000 {hint}"):
        as_array([sympy.Float(0.5)], NumberKind.EXACT, "v")
    with _raises_exactly("v: not a rectangular array (ragged nesting)"):
        as_array([[1, 2], [3]], NumberKind.EXACT, "v")
    with _raises_exactly("v: entry '1/2' is not a number"):
        as_array(["1/2"], NumberKind.EXACT, "v")


def test_is_finite_names_arr_for_a_number_complex_cannot_take() -> None:
    with _raises_exactly("arr: expected a number, got Decimal('sNaN')"):
        is_finite(np.array([Decimal("sNaN")], dtype=object))


def test_is_exact_zero_decides_a_non_algebraic_zero() -> None:
    one = sympy.sin(1) ** 2 + sympy.cos(1) ** 2  # not algebraic: decided by Expr.equals
    assert is_exact_zero(one - 1) is True
    assert is_exact_zero(sympy.pi - 3) is False


def test_to_domain_messages_empty_arrays_and_the_degree_limit() -> None:
    with _raises_exactly("arrays[0]: expected finite exact numbers, got an array of shape (1,) "
                         "(dtype float64)"):
        to_domain(np.array([0.5]))
    K, (empty,) = to_domain(np.empty((0, 2), dtype=object))
    assert K == sympy.QQ and empty.shape == (0, 2) and empty.dtype == object
    # a degree bound of exactly MAX_FIELD_DEGREE = 8 still gets its algebraic field
    K, (elem,) = to_domain(np.array([2 ** R(1, 8)], dtype=object))
    assert K.is_Algebraic and K.ext.minpoly.degree() == 8
    assert from_domain(K, elem).tolist() == [2 ** R(1, 8)]
    with _raises_exactly("K: expected a sympy domain (from to_domain), got 'QQ'"):
        from_domain("QQ", np.array([1]))


def test_a_zero_dimensional_array_is_read_as_its_number() -> None:
    # (sympify without strict=True would make it a sympy Array, which is not a number)
    assert is_exact_zero(np.array(0)) is True and exact_equal(np.array(3), 3) is True
    holder = np.empty(1, dtype=object)
    holder[0] = np.array(5)
    assert convert(holder, NumberKind.EXACT).tolist() == [5]


class _Opaque:
    def __repr__(self) -> str:
        return "_Opaque()"


def test_exact_number_messages_are_exact() -> None:
    expected = "x: expected an exact number (finite, without symbols), got "
    for bad, shown in (("0", "'0'"), (_Opaque(), "_Opaque()"), (sympy.Symbol("t"), "t")):
        with _raises_exactly(expected + shown):
            is_exact_zero(bad)
    with _raises_exactly("x: expected a number, got '1+2j'"):
        abs_squared("1+2j")


def test_tolerance_scale_and_default_name_messages_are_exact() -> None:
    # refused as a type, by float(), and by its value
    for bad, shown in (("a", "'a'"), (_Opaque(), "_Opaque()"), (-1, "-1"), (np.nan, "nan")):
        with _raises_exactly(f"scale: expected a finite real number >= 0, got {shown}"):
            tolerance(NumberKind.FLOAT, bad)
    with _raises_exactly("values: expected a number, got 'a'"):
        convert(["a"], NumberKind.FLOAT)
    with _raises_exactly("kind: expected a NumberKind (EXACT, MPMATH or FLOAT), got 'float'"):
        tolerance("float")


def test_unexpanded_gaussian_powers_stay_in_the_gaussian_domain() -> None:
    # 1/(1+i) and 0^2 as written (sympy would evaluate both)
    inverse, square = sympy.Pow(1 + I, -1, evaluate=False), sympy.Pow(0, 2, evaluate=False)
    K, (elems,) = to_domain(np.array([inverse, square], dtype=object))
    assert K == sympy.QQ_I and from_domain(K, elems).tolist() == [R(1, 2) - I / 2, 0]


def test_rounded_sympy_entries_keep_the_sign_of_their_imaginary_part() -> None:
    z = sympy.Float(0.5) + sympy.I * sympy.Float(-0.25)
    assert convert(np.array([z], dtype=object), NumberKind.EXACT).tolist() == [R(1, 2) - I / 4]


@pytest.mark.parametrize("has_asc", [True, False], ids=["mpmath>=1.4", "mpmath<1.4"])
def test_polyroots_default_steps_reach_mpmath(monkeypatch, has_asc) -> None:
    calls = []

    def never(coeffs, maxsteps=50, extraprec=10, **kwargs):
        calls.append((maxsteps, extraprec))
        raise mpmath.mp.NoConvergence("stand-in")

    monkeypatch.setattr(tn, "_POLYROOTS_HAS_ASC", has_asc)
    monkeypatch.setattr(mpmath, "polyroots", never)
    with mpmath.workprec(53), _raises_arithmetic("(maxsteps, extraprec) = [(200, 53)]"):
        polyroots([1, 1], retries=0)
    assert calls == [(200, 53)]


def _raises_arithmetic(tail: str):
    return pytest.raises(ArithmeticError, match=re.escape(tail) + "$")
