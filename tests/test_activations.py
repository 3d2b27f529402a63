"""Tests of theory.activations: values in every kind, Lipschitz constants, validation."""

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
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.activations import (
    ACTIVATIONS,
    HARDTANH,
    IDENTITY,
    RELU,
    SIGMOID,
    TANH,
    Activation,
    custom_activation,
    get_activation,
)
from theory.numbers import InvalidParameterError

floats = st.floats(-30, 30, allow_nan=False)


def test_exact_lipschitz_constants():
    assert [a.lipschitz_exact for a in (RELU, TANH, SIGMOID, HARDTANH, IDENTITY)] == [
        1, 1, sympy.Rational(1, 4), 1, 1]


@settings(max_examples=200, deadline=None)
@given(floats, floats)
def test_lipschitz_constants_hold(a, b):
    for act in ACTIVATIONS.values():
        fa, fb = act(np.array([a, b]))
        rounding = 2 * np.finfo(float).eps * (abs(fa) + abs(fb))  # of the two values
        assert abs(fa - fb) <= act.lipschitz * abs(a - b) + rounding


def test_sigmoid_constant_is_smallest():
    # slope at 0 is 1/4: the difference quotient on [-δ, δ] is 1/4 - O(δ²) (at 40 digits)
    with mpmath.workdps(40):
        d = mpmath.mpf(10) ** -8
        pts = np.array([-d, d], dtype=object)
        lo, hi = SIGMOID(pts)
        slope = (hi - lo) / (2 * d)
        assert mpmath.mpf("0.25") - mpmath.mpf(10) ** -15 < slope < mpmath.mpf("0.25")


def test_values_in_each_kind():
    x = np.array([-2.0, 0.5])
    assert np.allclose(RELU(x), [0, 0.5]) and np.allclose(HARDTANH(np.array([-3.0, 3.0])),
                                                          [-1, 1])
    exact = RELU(np.array([sympy.Rational(-1, 2), sympy.Rational(1, 3)], dtype=object))
    assert exact[0] == 0 and exact[1] == sympy.Rational(1, 3)
    assert TANH(sympy.Rational(1, 2)) == sympy.tanh(sympy.Rational(1, 2))
    with mpmath.workdps(40):
        v = SIGMOID(np.array([mpmath.mpf(1)], dtype=object))[0]
        assert abs(v - 1 / (1 + mpmath.exp(-1))) < mpmath.mpf(10) ** -38


def test_inverses():
    y = np.array([-0.9, 0.1, 0.7])
    assert np.allclose(TANH(TANH.inv(y)), y)
    assert np.allclose(SIGMOID.inv(SIGMOID(y)), y)
    with pytest.raises(InvalidParameterError, match="relu has no inverse"):
        RELU.inv(y)


def test_custom_activation_and_lookup():
    act = custom_activation(np.sin, 1, name="sine")
    assert act(np.array([0.0]))[0] == 0 and act.lipschitz == 1.0
    assert get_activation("TANH") is TANH and get_activation(act) is act


#: Cases ``(kwargs, param)`` of :func:`test_custom_activation_rejects`.
BAD_CUSTOM_ACTIVATIONS = [
    ({"fn": 3, "lipschitz": 1}, "fn"),
    ({"fn": np.sin, "lipschitz": None}, "lipschitz"),
    ({"fn": np.sin, "lipschitz": -1}, "lipschitz"),
    ({"fn": np.sin, "lipschitz": float("inf")}, "lipschitz"),
    ({"fn": np.sin, "lipschitz": "one"}, "lipschitz"),
    ({"fn": np.sin, "lipschitz": 1, "name": ""}, "name"),
    ({"fn": np.sin, "lipschitz": 1, "inverse": 2}, "inverse"),
]


def _custom_activation_rejects(kwargs, param):
    with pytest.raises(InvalidParameterError, match=param):
        custom_activation(**kwargs)


def test_custom_activation_rejects() -> None:
    """Custom activation rejects: every case of ``BAD_CUSTOM_ACTIVATIONS``."""
    check_every_case(_custom_activation_rejects, BAD_CUSTOM_ACTIVATIONS)


def test_get_activation_rejects():
    with pytest.raises(InvalidParameterError, match="activation"):
        get_activation("swish")
    with pytest.raises(InvalidParameterError, match="custom_activation"):
        get_activation(np.tanh)


#: Cases ``(y, act)`` of :func:`test_inverse_refuses_arguments_outside_its_domain`.
OUTSIDE_INVERSE_DOMAIN = (
    [(2.0, TANH), (np.array([0.5, -1.0]), TANH), (np.array([np.nan]), TANH),
     (sympy.Integer(1), TANH), (1.5, SIGMOID), (np.array([0.0]), SIGMOID),
     (mpmath.mpf(-0.1), SIGMOID), (np.array([np.inf]), IDENTITY)]
)


def _inverse_refuses_arguments_outside_its_domain(y, act):
    with pytest.raises(InvalidParameterError, match="y"):
        act.inv(y)


def test_inverse_refuses_arguments_outside_its_domain() -> None:
    """Inverse refuses arguments outside its domain: every case of ``OUTSIDE_INVERSE_DOMAIN``."""
    check_every_case(
        _inverse_refuses_arguments_outside_its_domain,
        OUTSIDE_INVERSE_DOMAIN)


def test_inverse_accepts_its_domain_in_every_kind():
    assert TANH.inv(sympy.Rational(1, 2)) == sympy.atanh(sympy.Rational(1, 2))
    assert abs(SIGMOID.inv(mpmath.mpf("0.5"))) < 1e-30
    assert IDENTITY.inv([1.0, -7.0]).tolist() == [1.0, -7.0]


#: Cases ``(args, kwargs, param)`` of :func:`test_activation_constructor_validates`.
BAD_ACTIVATION_ARGUMENTS = [
    (("bad", np.tanh, float("inf")), {}, "lipschitz"),
    (("bad", np.tanh, float("nan")), {}, "lipschitz"),
    (("bad", np.tanh, 0.0), {}, "lipschitz"),
    (("bad", "tanh", 1.0), {}, "fn"),
    (("", np.tanh, 1.0), {}, "name"),
    (("bad", np.tanh, 1.0), {"inverse_domain": (0.0, 1.0)}, "inverse_domain"),
    (("bad", np.tanh, 1.0), {"inverse": np.arctanh, "inverse_domain": (1.0, -1.0)},
     "inverse_domain"),
]


def _activation_constructor_validates(args, kwargs, param):
    with pytest.raises(InvalidParameterError, match=param):
        Activation(*args, **kwargs)


def test_activation_constructor_validates() -> None:
    """Activation constructor validates: every case of ``BAD_ACTIVATION_ARGUMENTS``."""
    check_every_case(_activation_constructor_validates, BAD_ACTIVATION_ARGUMENTS)


# ------------------------------------------------------------------------------ scalar kernels
def test_scalar_kernels_in_every_kind():
    half, three_halves = sympy.Rational(1, 2), sympy.Rational(3, 2)
    assert [HARDTANH(v) for v in (three_halves, -three_halves, half, -half)] == [1, -1, half, -half]
    assert HARDTANH(np.array([2.5, -2.5], dtype=object)).tolist() == [1, -1]
    assert TANH(0.5) == math.tanh(0.5) and type(TANH(0.5)) is float
    assert SIGMOID(2.0) == pytest.approx(1 / (1 + math.exp(-2)), rel=1e-15)
    assert type(SIGMOID(2.0)) is float
    assert SIGMOID(sympy.log(3)) == sympy.Rational(3, 4)  # 1 / (1 + 1/3), exactly


def test_inverse_kernels_in_every_kind():
    assert TANH.inv(0.5) == math.atanh(0.5)
    with mpmath.workdps(30):
        assert TANH.inv(mpmath.mpf("0.5")) == mpmath.atanh(mpmath.mpf("0.5"))
    assert SIGMOID.inv(sympy.Rational(3, 4)) == sympy.log(3)
    assert SIGMOID.inv(0.75) == pytest.approx(math.log(3), rel=1e-15)


def test_inverse_judges_exact_arguments_exactly():
    """``1 - 10^-30`` rounds to the float 1.0, outside (-1, 1); exactly it is inside."""
    near_one = 1 - sympy.Rational(1, 10**30)
    for y in (near_one, [near_one], np.array([near_one], dtype=object)):
        out = TANH.inv(y)
        assert sympy.atanh(near_one) == (out if isinstance(out, sympy.Basic) else out[0])
    with mpmath.workdps(40):
        assert TANH.inv(1 - mpmath.mpf(10) ** -30) > 30
    with pytest.raises(InvalidParameterError, match="^y: entry oo lies outside"):
        TANH.inv(sympy.oo)


def test_lists_keep_exact_entries_and_floats_stay_float64():
    assert RELU([sympy.Rational(1, 3), -1.0]).tolist() == [sympy.Rational(1, 3), 0]
    assert TANH([0.5]).dtype == np.float64
    float32 = custom_activation(lambda x: np.asarray(x, dtype=np.float32), 1)
    assert float32(np.array([0.5])).dtype == np.float64
    with pytest.raises((TypeError, ValueError)):  # not the real part alone
        RELU([1j])


# ------------------------------------------------------------------------------ validation
def test_custom_activation_fields():
    act = custom_activation(np.sin, Fraction(1, 2))
    assert act.name == "custom" and type(act.lipschitz) is float and act.lipschitz == 0.5
    inverse = custom_activation(np.tanh, 1, inverse=np.arctanh, inverse_domain=(-1.0, 1.0))
    assert inverse.inv(np.array([0.5]))[0] == np.arctanh(0.5)
    with pytest.raises(InvalidParameterError, match="outside the domain"):
        inverse.inv(np.array([1.5]))


def _inverse_domain_must_be_an_interval(domain):
    with pytest.raises(InvalidParameterError, match="^inverse_domain: expected an interval"):
        custom_activation(np.tanh, 1, inverse=np.arctanh, inverse_domain=domain)


def test_inverse_domain_must_be_an_interval() -> None:
    """Inverse domain must be an interval: every case of the table."""
    check_every_case(
        _inverse_domain_must_be_an_interval, product([(0.0, 1.0, 2.0), (1.0, 1.0), (1.0,)]))


def test_lipschitz_message():
    with pytest.raises(InvalidParameterError) as info:
        custom_activation(np.sin, -1)
    assert str(info.value) == ("lipschitz: expected a finite Lipschitz constant > 0 (required), "
                               "got -1")


def test_get_activation_messages():
    with pytest.raises(InvalidParameterError) as unknown:
        get_activation("swish")
    assert str(unknown.value) == (
        "name_or_activation: unknown activation name 'swish'; choose one of relu, tanh, "
        "sigmoid, hardtanh, identity or build one with custom_activation")
    with pytest.raises(InvalidParameterError) as wrong:
        get_activation(3)
    assert str(wrong.value) == (
        "name_or_activation: expected an activation name or an Activation (use "
        "custom_activation(fn, lipschitz) for a plain function), got 3")


#: Values of ``value, shown`` of the test below.
NON_REAL_VALUES = [
    ("0.5", "'0.5'"), (b"1", "b'1'"), (True, "True"), (2 + 0j, "(2+0j)"),
    ([0.5, "a"], "'a'"), ((0.1, mpmath.mpc(1, 1)), "mpc"), (sympy.I, "I"),
]


def _non_real_arguments_are_refused_by_name(value, shown, act, method, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: expected real numbers, got "
                                                    rf"the entry .*{re.escape(shown)}"):
        getattr(act, method)(value)


def test_non_real_arguments_are_refused_by_name() -> None:
    """Non real arguments are refused by name: every case of ``NON_REAL_VALUES`` × ``IDENTITY`` ×
    ``TANH``."""
    cases = [(value, shown, act, method, name)
             for (value, shown) in NON_REAL_VALUES
             for act in [IDENTITY, TANH]
             for (method, name) in [("__call__", "x"), ("inv", "y")]]
    check_every_case(_non_real_arguments_are_refused_by_name, cases)


def _non_real_arrays_are_refused_by_dtype(dtype, method, name):
    with pytest.raises(InvalidParameterError,
                       match=rf"^{name}: expected real numbers, got an array of dtype"):
        getattr(IDENTITY, method)(np.zeros(2, dtype=dtype))


def test_non_real_arrays_are_refused_by_dtype() -> None:
    """Non real arrays are refused by dtype: every case of the table."""
    cases = [(dtype, method, name)
             for dtype in [bool, complex, "U3"]
             for (method, name) in [("__call__", "x"), ("inv", "y")]]
    check_every_case(_non_real_arrays_are_refused_by_dtype, cases)


def test_real_entries_of_every_kind_are_accepted_in_one_list():
    entries = [sympy.sqrt(2) / 2, mpmath.mpf("-0.25"), Fraction(1, 3), 0, np.float32(0.5)]
    out = IDENTITY.inv(entries)
    assert out.dtype == object and list(out) == entries
    assert np.array_equal(RELU(np.array([-1, 2], dtype=np.int64)), [0, 2])


# ------------------------------------------------- exact Python ints and Fractions of any size
HUGE = 10**400
#: The smallest integer that float64 rounds to infinity (float() raises OverflowError on it).
FLOAT_LIMIT = 2**1024 - 2**970


def test_piecewise_linear_activations_keep_huge_ints_and_fractions_exact():
    big = Fraction(HUGE, 3)
    assert RELU(HUGE) == HUGE and RELU(-HUGE) == 0 and RELU(big) == big
    assert HARDTANH(HUGE) == 1 and HARDTANH(-big) == -1 and IDENTITY(-HUGE) == -HUGE
    for x in ([HUGE, -1], (HUGE, -1), np.array([HUGE, -1], dtype=object)):
        out = RELU(x)
        assert out.dtype == object and out.tolist() == [HUGE, 0]
    assert IDENTITY([[1, -HUGE]]).tolist() == [[1, -HUGE]]
    assert HARDTANH([0.5, big]).tolist() == [0.5, 1]


def test_a_list_becomes_an_object_array_from_the_first_int_beyond_float64():
    below = RELU([FLOAT_LIMIT - 1])  # rounds to the largest float
    assert below.dtype == np.float64 and below[0] == np.finfo(float).max
    at = RELU([FLOAT_LIMIT])
    assert at.dtype == object and at[0] == FLOAT_LIMIT
    assert RELU([-FLOAT_LIMIT]).tolist() == [0]


#: Values of ``x`` in :func:`test_tanh_and_sigmoid_saturate_beyond_float64`.
BEYOND_FLOAT64 = [HUGE, Fraction(HUGE, 3), FLOAT_LIMIT, 10**5000]


def _tanh_and_sigmoid_saturate_beyond_float64(x):
    # the float64 values: tanh(±x) and σ(x) round to ±1.0 and 1.0, σ(-x) to 0.0
    for value, expected in ((TANH(x), 1.0), (TANH(-x), -1.0), (SIGMOID(x), 1.0),
                            (SIGMOID(-x), 0.0)):
        assert type(value) is float and value == expected
    assert TANH([0.5, x]).tolist() == [math.tanh(0.5), 1.0]
    assert SIGMOID(np.array([x, -x], dtype=object)).tolist() == [1.0, 0.0]


def test_tanh_and_sigmoid_saturate_beyond_float64() -> None:
    """Tanh and sigmoid saturate beyond float64: every case of ``BEYOND_FLOAT64``."""
    check_every_case(
        _tanh_and_sigmoid_saturate_beyond_float64,
        product(BEYOND_FLOAT64))


def test_tanh_and_sigmoid_take_fractions_in_float64():
    assert TANH(Fraction(1, 2)) == math.tanh(0.5)
    assert SIGMOID(Fraction(-1, 2)) == 1 / (1 + math.exp(0.5))
    assert SIGMOID([Fraction(1, 2)]).tolist() == [SIGMOID(0.5)]
    assert SIGMOID(FLOAT_LIMIT - 1) == 1.0 and SIGMOID(-(FLOAT_LIMIT - 1)) == 0.0


def _reference(log_argument: Fraction, factor: Fraction) -> float:
    """``factor · log(log_argument)`` at 1000 bits, rounded to float64."""
    with mpmath.workprec(1000):
        r = mpmath.mpf(log_argument.numerator) / log_argument.denominator
        return float(mpmath.log(r) * factor.numerator / factor.denominator)


#: Values of ``y`` in :func:`test_atanh_of_a_fraction_is_computed_from_its_exact_value`.
ATANH_FRACTIONS = [
    Fraction(HUGE - 1, HUGE), Fraction(1 - HUGE, HUGE), Fraction(1, 2), Fraction(-7, 10),
    Fraction(10**20 - 1, 10**20), Fraction(999, 1000)]


def _atanh_of_a_fraction_is_computed_from_its_exact_value(y):
    # atanh(1 - 10^-400) = log(2·10^400 - 1) / 2 ≈ 460.86; its float64 rounding 1.0 is outside
    expected = _reference((1 + y) / (1 - y), Fraction(1, 2))
    assert TANH.inv(y) == expected and type(TANH.inv(y)) is float
    assert TANH.inv([y]).tolist() == [expected]
    assert abs(TANH.inv(Fraction(HUGE - 1, HUGE)) - 460.8635921890891) < 1e-12


def test_atanh_of_a_fraction_is_computed_from_its_exact_value() -> None:
    """Atanh of a fraction is computed from its exact value: every case of ``ATANH_FRACTIONS``."""
    check_every_case(
        _atanh_of_a_fraction_is_computed_from_its_exact_value,
        product(ATANH_FRACTIONS))


#: Values of ``y`` in :func:`test_logit_of_a_fraction_is_computed_from_its_exact_value`.
LOGIT_FRACTIONS = [
    Fraction(1, HUGE), Fraction(HUGE - 1, HUGE), Fraction(1, 3), Fraction(500001, 1000000),
    Fraction(1, 10**5000)]


def _logit_of_a_fraction_is_computed_from_its_exact_value(y):
    assert SIGMOID.inv(y) == _reference(y / (1 - y), Fraction(1))
    assert SIGMOID.inv(Fraction(1, 2)) == 0.0


def test_logit_of_a_fraction_is_computed_from_its_exact_value() -> None:
    """Logit of a fraction is computed from its exact value: every case of ``LOGIT_FRACTIONS``."""
    check_every_case(
        _logit_of_a_fraction_is_computed_from_its_exact_value,
        product(LOGIT_FRACTIONS))


def test_inverses_of_fractions_near_their_fixed_point_keep_every_digit():
    # atanh(y) = y + y³/3 + ...: for y = 10^-40 the ratio (1 + y)/(1 - y) is 1 + 2·10^-40,
    # which a logarithm of its 96-bit rounding would give as 0
    assert TANH.inv(Fraction(1, 10**40)) == 1e-40
    assert TANH.inv(Fraction(-1, 10**310)) == -1e-310  # subnormal, rounded once
    assert SIGMOID.inv(Fraction(10**40 + 1, 2 * 10**40)) == 2e-40  # logit(1/2 + ε) ≈ 4ε


#: Values of ``y, shown`` of the test below.
HUGE_EXACT_ARGUMENTS = [
    (HUGE, "int ~1.0e+400"), (-HUGE, "int ~-1.0e+400"), ([0.5, HUGE], "int ~1.0e+400"),
    ((HUGE,), "int ~1.0e+400"), (np.array([HUGE], dtype=object), "int ~1.0e+400"),
    (Fraction(HUGE, 3), "Fraction ~3.33333e+399"),
    ([Fraction(-HUGE, 3)], "Fraction ~-3.33333e+399"),
    (10**5000, "int ~1.0e+5000"), (sympy.Integer(10**5000), "Integer ~1.0e+5000"),
    (Fraction(HUGE + 1, HUGE), "Fraction ~1.0"), (10**30, "int ~1.0e+30"),
    (10**30 - 1, "9" * 30), (Fraction(10**30 - 1, 10**29), f"Fraction({'9' * 30}, {10**29})"),
]


def _inverse_refuses_huge_exact_arguments_by_name_and_magnitude(act, y, shown):
    lo, hi = act.inverse_domain
    message = f"y: entry {shown} lies outside the domain ({lo}, {hi}) of {act.name}^-1"
    with pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$"):
        act.inv(y)


def test_inverse_refuses_huge_exact_arguments_by_name_and_magnitude() -> None:
    """Inverse refuses huge exact arguments by name and magnitude: every case of ``TANH`` ×
    ``SIGMOID`` × ``HUGE_EXACT_ARGUMENTS``."""
    cases = [(act, y, shown)
             for act in [TANH, SIGMOID]
             for (y, shown) in HUGE_EXACT_ARGUMENTS]
    check_every_case(_inverse_refuses_huge_exact_arguments_by_name_and_magnitude, cases)


def test_a_value_too_long_to_print_is_named_by_its_type():
    y = sympy.sqrt(2) * 10**5000  # a number, finite, > 1; its repr exceeds Python's digit limit
    with pytest.raises(InvalidParameterError, match=r"^y: entry a Mul holding a number too long "
                                                    r"to print lies outside the domain"):
        TANH.inv(y)


def test_the_identity_inverse_returns_huge_numbers_of_every_kind():
    assert IDENTITY.inv(HUGE) == HUGE and IDENTITY.inv(Fraction(-HUGE, 3)) == Fraction(-HUGE, 3)
    assert IDENTITY.inv([1, HUGE]).tolist() == [1, HUGE]
    assert IDENTITY.inv(sympy.Integer(HUGE)) == HUGE
    assert IDENTITY.inv(mpmath.mpf(HUGE)) == mpmath.mpf(HUGE)
    for infinite in (mpmath.inf, mpmath.nan, sympy.oo, -sympy.oo, sympy.nan, np.inf):
        with pytest.raises(InvalidParameterError, match="^y: entry .* lies outside"):
            IDENTITY.inv(infinite)


def test_numpy_scalars_are_judged_by_their_values():
    # float32(0.7) = 0.699999988... is inside (0, 0.7), in a list as in an object array
    act = custom_activation(lambda x: x, 1, inverse=lambda y: y, inverse_domain=(0.0, 0.7))
    y = np.float32(0.7)
    assert act.inv([y]).tolist() == [float(y)]
    assert act.inv(np.array([y], dtype=object))[0] == y
    with pytest.raises(InvalidParameterError, match="^y: entry 0.7 lies outside"):
        act.inv([0.7])


#: Cases ``(lipschitz, shown)`` of the test below.
HUGE_LIPSCHITZ = [
    (FLOAT_LIMIT, "int ~1.79769e+308"), (-HUGE, "int ~-1.0e+400"),
    (Fraction(HUGE, 3), "Fraction ~3.33333e+399"), (10**5000, "int ~1.0e+5000"),
    (sympy.Integer(HUGE), "Integer ~1.0e+400")]


def _a_lipschitz_constant_beyond_float64_is_refused_by_name(lipschitz, shown):
    message = (f"lipschitz: expected a finite Lipschitz constant > 0 (required) within "
               f"float64's range, got {shown}")
    with pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$"):
        custom_activation(np.sin, lipschitz)
    assert custom_activation(np.sin, FLOAT_LIMIT - 1).lipschitz == np.finfo(float).max


def test_a_lipschitz_constant_beyond_float64_is_refused_by_name() -> None:
    """A lipschitz constant beyond float64 is refused by name: every case of ``HUGE_LIPSCHITZ``."""
    check_every_case(
        _a_lipschitz_constant_beyond_float64_is_refused_by_name,
        HUGE_LIPSCHITZ)


#: Values of ``domain`` in :func:`test_inverse_domain_bounds_must_be_real_numbers_within_float64`.
BAD_DOMAIN_BOUNDS = [
    (0.0, HUGE), (-FLOAT_LIMIT, 0.0), (Fraction(-HUGE, 3), 1.0), 5, ("a", "b"), (0.0, "1"),
    (0.0, 1j), (False, True), (0.0, float("nan"))]


def _inverse_domain_bounds_must_be_real_numbers_within_float64(domain):
    with pytest.raises(InvalidParameterError, match="^inverse_domain: expected an interval"):
        custom_activation(np.tanh, 1, inverse=np.arctanh, inverse_domain=domain)


def test_inverse_domain_bounds_must_be_real_numbers_within_float64() -> None:
    """Inverse domain bounds must be real numbers within float64: every case of
    ``BAD_DOMAIN_BOUNDS``."""
    check_every_case(
        _inverse_domain_bounds_must_be_real_numbers_within_float64,
        product(BAD_DOMAIN_BOUNDS))


def test_inverse_domain_accepts_infinite_and_exact_bounds():
    log = custom_activation(np.exp, 1, inverse=np.log, inverse_domain=(0.0, math.inf))
    assert log.inv(np.array([1.0]))[0] == 0.0
    exact = custom_activation(lambda x: x, 1, inverse=lambda y: y,
                              inverse_domain=(Fraction(0), Fraction(1, 3)))
    assert exact.inv(Fraction(1, 3) - Fraction(1, HUGE)) == Fraction(1, 3) - Fraction(1, HUGE)
    with pytest.raises(InvalidParameterError, match="outside the domain"):
        exact.inv(Fraction(1, 3))
    big = custom_activation(lambda x: x, 1, inverse=lambda y: y,
                            inverse_domain=(0, FLOAT_LIMIT - 1))
    assert big.inv([FLOAT_LIMIT - 2]).tolist() == [np.finfo(float).max]  # judged exactly
    with pytest.raises(InvalidParameterError, match="outside the domain"):
        big.inv(FLOAT_LIMIT - 1)


def test_inverse_domain_message_shows_a_bound_too_long_to_print():
    with pytest.raises(InvalidParameterError) as info:
        custom_activation(np.tanh, 1, inverse=np.arctanh, inverse_domain=(0, 10**5000))
    assert str(info.value) == ("inverse_domain: expected an interval (lo, hi) with lo < hi for "
                               "a given inverse, got a tuple holding a number too long to print")
