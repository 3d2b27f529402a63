"""Tests of :mod:`theory.validation`, the shared argument checks."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from itertools import product

import mpmath
import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case
from hypothesis import example, given
from hypothesis import strategies as st

from theory.numbers import InvalidParameterError
from theory.validation import (
    MAX_REPR,
    check_array,
    check_instance,
    check_int,
    check_real,
    describe,
    fail,
    require,
)


def _raises(name: str, expected: str | None = None):
    """``pytest.raises`` for the error of parameter ``name`` (and exactly ``expected``)."""
    pattern = rf"^{re.escape(name)}: expected "
    if expected is not None:
        pattern += re.escape(expected) + ", got "
    return pytest.raises(InvalidParameterError, match=pattern)


# ------------------------------------------------------------------------------ describe, fail
def test_describe_short_values_and_arrays():
    assert describe(3) == "3"
    assert describe("ab") == "'ab'"
    assert describe(np.zeros((2, 3))) == "an array of shape (2, 3) (dtype float64)"


def test_describe_cuts_long_reprs_at_max_repr():
    exact = "x" * (MAX_REPR - 2)  # repr adds the two quotes: exactly MAX_REPR characters
    assert describe(exact) == repr(exact)
    long = "x" * MAX_REPR
    assert describe(long) == repr(long)[:MAX_REPR - 3] + "..."
    assert len(describe(long)) == MAX_REPR


def test_describe_ints_beyond_the_digit_limit_by_their_bit_length():
    huge = 10**5000  # more digits than Python converts to str by default
    assert describe(huge) == f"an int of {huge.bit_length()} bits"
    assert describe(-huge) == f"an int of {huge.bit_length()} bits"
    assert describe((0, huge)) == "a tuple holding a number too long to print"
    with pytest.raises(InvalidParameterError, match=r"^x: expected .*, got an int of 16610 bits"):
        check_real(huge, "x", maximum=1)


def test_fail_message_and_type():
    with pytest.raises(InvalidParameterError) as info:
        fail("N", "an integer >= 2", 1)
    assert str(info.value) == "N: expected an integer >= 2, got 1"
    assert isinstance(info.value, ValueError)


def _require_passes_when_ok_is_true(ok):
    assert require(ok, "N", "an integer >= 2", 1) is None


def test_require_passes_when_ok_is_true() -> None:
    """Require passes when ok is true: every case of the table."""
    check_every_case(_require_passes_when_ok_is_true, product([True, 1, [0], "x"]))


def _require_fails_with_the_fail_message_when_ok_is_false(ok):
    with pytest.raises(InvalidParameterError) as info:
        require(ok, "N", "an integer >= 2", "x" * 500)
    assert str(info.value) == f"N: expected an integer >= 2, got {describe('x' * 500)}"


def test_require_fails_with_the_fail_message_when_ok_is_false() -> None:
    """Require fails with the fail message when ok is false: every case of the table."""
    check_every_case(
        _require_fails_with_the_fail_message_when_ok_is_false, product([False, 0, [], "", None]))


# ------------------------------------------------------------------------------ check_int
#: Values of ``value`` in :func:`test_check_int_accepts_integers_as_int`.
INTEGERS = [0, 5, np.int64(7), np.uint8(3), sympy.Integer(4)]


def _check_int_accepts_integers_as_int(value):
    out = check_int(value, "n", 0)
    assert out == int(value) and type(out) is int


def test_check_int_accepts_integers_as_int() -> None:
    """Check int accepts integers as int: every case of ``INTEGERS``."""
    check_every_case(
        _check_int_accepts_integers_as_int, product(INTEGERS))


#: Values of ``value`` in :func:`test_check_int_rejects_non_integers`.
NON_INTEGERS = [True, False, np.bool_(True), 2.0, 2.5, "2", None, math.nan,
                                        math.inf, np.array([2]), Fraction(2, 1), 1 + 0j]


def _check_int_rejects_non_integers(value):
    with _raises("n", "an integer >= 0"):
        check_int(value, "n", 0)


def test_check_int_rejects_non_integers() -> None:
    """Check int rejects non integers: every case of ``NON_INTEGERS``."""
    check_every_case(_check_int_rejects_non_integers, product(NON_INTEGERS))


def test_check_int_minimum_is_inclusive():
    assert check_int(3, "n", 3) == 3
    with _raises("n", "an integer >= 3"):
        check_int(2, "n", 3)


def test_check_int_without_minimum_accepts_negatives():
    assert check_int(-10**30, "k") == -10**30
    with _raises("k", "an integer"):
        check_int(0.0, "k")


@given(st.integers(-50, 50), st.integers(-50, 50))
@example(0, 0)
def test_check_int_matches_the_bound(value, minimum):
    if value >= minimum:
        assert check_int(value, "n", minimum) == value
    else:
        with _raises("n"):
            check_int(value, "n", minimum)


# ------------------------------------------------------------------------------ check_real
#: Values of ``value`` in :func:`test_check_real_accepts_finite_reals_as_float`.
FINITE_REALS = (
    [0, 1.5, -2, np.float32(0.25), np.int64(3), Fraction(1, 3),
     sympy.Rational(2, 3), sympy.sqrt(2), mpmath.mpf("0.1"),
     np.array(1.5)]
)


def _check_real_accepts_finite_reals_as_float(value):
    out = check_real(value, "x")
    assert type(out) is float and out == float(value)


def test_check_real_accepts_finite_reals_as_float() -> None:
    """Check real accepts finite reals as float: every case of ``FINITE_REALS``."""
    check_every_case(
        _check_real_accepts_finite_reals_as_float,
        product(FINITE_REALS))


#: Values of ``value`` in :func:`test_check_real_rejects_non_finite_or_non_real`.
NON_FINITE_OR_NON_REAL = (
    [math.nan, math.inf, -math.inf, np.float64("nan"), True,
     np.bool_(False), "1.5", b"1", None, 1 + 0j,
     np.complex128(1), mpmath.mpc(1, 0), sympy.I, sympy.Symbol("a"),
     sympy.nan, sympy.oo, np.array([1.0]), [1.0], 10**400]
)


def _check_real_rejects_non_finite_or_non_real(value):
    with _raises("x", "a finite real number"):
        check_real(value, "x")


def test_check_real_rejects_non_finite_or_non_real() -> None:
    """Check real rejects non finite or non real: every case of ``NON_FINITE_OR_NON_REAL``."""
    check_every_case(
        _check_real_rejects_non_finite_or_non_real,
        product(NON_FINITE_OR_NON_REAL))


def test_check_real_exact_returns_the_value_itself():
    r = sympy.Rational(1, 3)
    assert check_real(r, "x", exact=True) is r
    m = mpmath.mpf("0.1")
    assert check_real(m, "x", minimum=0, exact=True) is m


def test_check_real_bounds_are_judged_on_the_exact_value():
    tiny = sympy.Rational(1, 10**400)  # float(tiny) == 0.0
    assert check_real(tiny, "x", minimum=0, strict=True) == 0.0
    with _raises("x"):
        check_real(-tiny, "x", minimum=0)


class _FloatOnly:
    """Converts to a float but cannot be compared with a bound."""

    def __float__(self) -> float:
        return 1.0


def test_check_real_rejects_a_value_that_cannot_be_compared_with_a_bound():
    assert check_real(_FloatOnly(), "x") == 1.0
    with _raises("x", "a finite real number >= 0"):
        check_real(_FloatOnly(), "x", minimum=0)
    with _raises("x", "a finite real number <= 2"):
        check_real(_FloatOnly(), "x", maximum=2)


#: Cases ``(kwargs, expected)`` of :func:`test_check_real_bound_boundaries`.
BOUND_BOUNDARIES = [
    ({"minimum": 0}, "a finite real number >= 0"),
    ({"minimum": 0, "strict": True}, "a finite real number > 0"),
    ({"maximum": 1}, "a finite real number <= 1"),
    ({"maximum": 1, "strict": True}, "a finite real number < 1"),
    ({"minimum": 0, "maximum": 1}, "a finite real number in [0, 1]"),
    ({"minimum": 0, "maximum": 1, "strict": True}, "a finite real number in (0, 1)"),
]


def _check_real_bound_boundaries(kwargs, expected):
    strict = kwargs.get("strict", False)
    for edge in (kwargs.get("minimum"), kwargs.get("maximum")):
        if edge is None:
            continue
        if strict:
            with _raises("x", expected):
                check_real(edge, "x", **kwargs)
        else:
            assert check_real(edge, "x", **kwargs) == edge
    assert check_real(0.5, "x", **kwargs) == 0.5
    for outside in (-0.5, 1.5):
        lo, hi = kwargs.get("minimum", -math.inf), kwargs.get("maximum", math.inf)
        if not lo <= outside <= hi:
            with _raises("x", expected):
                check_real(outside, "x", **kwargs)


def test_check_real_bound_boundaries() -> None:
    """Check real bound boundaries: every case of ``BOUND_BOUNDARIES``."""
    check_every_case(_check_real_bound_boundaries, BOUND_BOUNDARIES)


def test_check_real_custom_expected_text():
    with _raises("rho", "a stable rate |rho| < 1"):
        check_real(1.0, "rho", minimum=-1, maximum=1, strict=True,
                   expected="a stable rate |rho| < 1")
    with _raises("rho", "a stable rate |rho| < 1"):
        check_real(math.nan, "rho", expected="a stable rate |rho| < 1")


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(-10, 10), st.booleans())
@example(0.0, 0.0, True)
@example(0.0, 0.0, False)
def test_check_real_matches_the_bound(value, minimum, strict):
    ok = math.isfinite(value) and (value > minimum if strict else value >= minimum)
    if ok:
        assert check_real(value, "x", minimum=minimum, strict=strict) == value
    else:
        with _raises("x"):
            check_real(value, "x", minimum=minimum, strict=strict)


# ------------------------------------------------------------------------------ check_array
def test_check_array_converts_to_float():
    out = check_array([[1, 2], [3, 4]], "a")
    assert out.dtype == np.float64 and out.shape == (2, 2)
    exact = check_array(np.array([sympy.Rational(1, 2), mpmath.mpf(2)], dtype=object), "a")
    assert exact.dtype == np.float64 and exact.tolist() == [0.5, 2.0]
    assert check_array(3.0, "a").shape == ()


#: Values of ``value`` in :func:`test_check_array_rejects_non_finite`.
NON_FINITE_ARRAYS = [[1.0, math.nan], [math.inf], np.array([[0.0, -np.inf]])]


def _check_array_rejects_non_finite(value):
    with _raises("a", "finite entries"):
        check_array(value, "a")


def test_check_array_rejects_non_finite() -> None:
    """Check array rejects non finite: every case of ``NON_FINITE_ARRAYS``."""
    check_every_case(_check_array_rejects_non_finite, product(NON_FINITE_ARRAYS))


#: Values of ``value`` in :func:`test_check_array_rejects_non_real_arrays`.
NON_REAL_ARRAYS = [[True, False], ["1", "2"], [[1.0], [1.0, 2.0]], None,
                                             [1 + 1j], np.array([sympy.I], dtype=object),
                                             np.array([mpmath.mpc(1, 1)], dtype=object),
                                             np.array([1j, 2.0], dtype=object),
                                             np.array([True, 2.0], dtype=object)]


def _check_array_rejects_non_real_arrays(value):
    with _raises("a", "an array of real numbers"):
        check_array(value, "a")


def test_check_array_rejects_non_real_arrays() -> None:
    """Check array rejects non real arrays: every case of ``NON_REAL_ARRAYS``."""
    check_every_case(
        _check_array_rejects_non_real_arrays, product(NON_REAL_ARRAYS))


def test_check_array_complex_only_when_allowed():
    z = check_array([1 + 2j, 3.0], "z", complex_ok=True)
    assert z.dtype == np.complex128 and z[0] == 1 + 2j
    assert check_array([1.0, 2.0], "z", complex_ok=True).dtype == np.float64
    with _raises("z", "an array of numbers"):
        check_array(["a"], "z", complex_ok=True)
    with _raises("z", "finite entries"):
        check_array([complex(math.nan, 0)], "z", complex_ok=True)


def test_check_array_nonneg():
    assert check_array([0.0, -0.0, 2.0], "w", nonneg=True).shape == (3,)
    with _raises("w", "non-negative entries"):
        check_array([1.0, -1e-300], "w", nonneg=True)
    assert check_array([-1.0], "w").shape == (1,)


#: Cases ``(shape, good, bad, text)`` of :func:`test_check_array_shapes`.
ARRAY_SHAPES = [
    ((2, 3), (2, 3), [(3, 2), (2, 3, 1), (6,)], "(2, 3)"),
    ((None,), (5,), [(0,), (), (5, 1)], "(n,)"),
    ((None, 3), (1, 3), [(0, 3), (2, 2), (3,)], "(n, 3)"),
    ((..., None), (4,), [(), (4, 0)], "(..., n)"),
    ((..., None, None), (2, 3), [(3,), (2, 0), (0, 2)], "(..., n, n)"),
    ((), (), [(1,)], "()"),
]


def _check_array_shapes(shape, good, bad, text):
    assert check_array(np.ones(good), "a", shape).shape == good
    for b in bad:
        with _raises("a", f"an array of shape {text}"):
            check_array(np.ones(b), "a", shape)


def test_check_array_shapes() -> None:
    """Check array shapes: every case of ``ARRAY_SHAPES``."""
    check_every_case(_check_array_shapes, ARRAY_SHAPES)


def test_check_array_leading_axes_of_any_length():
    spec = (..., None, None)
    for shape in [(0, 2, 3), (4, 5, 2, 3)]:
        assert check_array(np.ones(shape), "x", spec).shape == shape


def test_check_array_any_shape_without_spec():
    for shape in [(), (0,), (2, 0, 3)]:
        assert check_array(np.ones(shape), "a").shape == shape


# ------------------------------------------------------------------------------ check_instance
def test_check_instance():
    rng = np.random.default_rng(0)
    assert check_instance(rng, "rng", np.random.Generator) is rng
    with _raises("rng", "a Generator"):
        check_instance(0, "rng", np.random.Generator)
    with _raises("rng", "a numpy Generator"):
        check_instance(None, "rng", np.random.Generator, "a numpy Generator")
    assert check_instance("s", "v", (int, str)) == "s"
    with _raises("v", "a int or a str"):
        check_instance(1.0, "v", (int, str))


# ------------------------------------------------------------------------------ whole messages
class _FloatList(list):
    """A sequence (``ndim`` 1 for numpy) that nevertheless converts to a float."""

    def __float__(self) -> float:
        return 1.0


def test_check_real_rejects_a_sequence_even_when_it_converts_to_float():
    with _raises("x", "a finite real number"):
        check_real(_FloatList([1.0]), "x")


#: Cases ``(call, message)`` of :func:`test_messages_quote_the_bad_value`.
QUOTED_BAD_VALUES = [
    (lambda: check_int(2.5, "n", 0), "n: expected an integer >= 0, got 2.5"),
    (lambda: check_int(1, "n", 2), "n: expected an integer >= 2, got 1"),
    (lambda: check_real("1.5", "x"), "x: expected a finite real number, got '1.5'"),
    (lambda: check_real(sympy.Symbol("a"), "x"), "x: expected a finite real number, got a"),
    (lambda: check_real(-1.0, "x", minimum=0), "x: expected a finite real number >= 0, got -1.0"),
    (lambda: check_array(["a"], "a"), "a: expected an array of real numbers, got ['a']"),
    (lambda: check_array(np.ones(3), "a", (2,)),
     "a: expected an array of shape (2,), got an array of shape (3,) (dtype float64)"),
    (lambda: check_array([math.nan], "a"),
     "a: expected finite entries, got an array of shape (1,) (dtype float64)"),
    (lambda: check_array([-1], "a", nonneg=True),
     "a: expected non-negative entries, got an array of shape (1,) (dtype float64)"),
    (lambda: check_instance(1.0, "v", int), "v: expected a int, got 1.0"),
]


def _messages_quote_the_bad_value(call, message):
    with pytest.raises(InvalidParameterError) as info:
        call()
    assert str(info.value) == message


def test_messages_quote_the_bad_value() -> None:
    """Each check's every failure path ends its message with the offending value."""
    check_every_case(_messages_quote_the_bad_value, QUOTED_BAD_VALUES)


def test_check_array_object_arrays_keep_their_shape_and_complex_entries():
    objects = np.array([[mpmath.mpc(1, 2), sympy.Rational(1, 2)], [1, 2]], dtype=object)
    z = check_array(objects, "z", complex_ok=True)
    assert z.dtype == np.complex128 and z.tolist() == [[1 + 2j, 0.5], [1, 2]]
    real = check_array(np.array([[sympy.Rational(1, 2)], [mpmath.mpf(2)]], dtype=object), "r")
    assert real.dtype == np.float64 and real.tolist() == [[0.5], [2.0]]


def test_check_array_returns_a_float64_array_without_copying_it():
    a = np.arange(3.0)
    assert check_array(a, "a") is a
    z = np.array([1j])
    assert check_array(z, "z", complex_ok=True) is z


# ------------------------------------------------------------------ check_rules
_ONE_RULES = {
    "x": (lambda v: v == 1, "the number one"),
    "y": (lambda v: isinstance(v, str), "a string"),
}


def test_check_rules_accepts_values_that_keep_their_rules() -> None:
    from theory.validation import check_rules

    assert check_rules(_ONE_RULES, x=1, y="a") is None


def test_check_rules_names_the_first_parameter_that_breaks_its_rule() -> None:
    from theory.validation import check_rules

    with pytest.raises(InvalidParameterError, match=r"^y: expected a string, got 3$"):
        check_rules(_ONE_RULES, x=1, y=3)
    with pytest.raises(InvalidParameterError, match=r"^x: expected the number one, got 2$"):
        check_rules(_ONE_RULES, x=2, y=3)


def test_check_rules_refuses_a_parameter_without_a_rule() -> None:
    from theory.validation import check_rules

    with pytest.raises(KeyError):
        check_rules(_ONE_RULES, z=1)
