"""Tests of theory.activations: values in every kind, Lipschitz constants, validation."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
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


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"fn": 3, "lipschitz": 1}, "fn"),
        ({"fn": np.sin, "lipschitz": None}, "lipschitz"),
        ({"fn": np.sin, "lipschitz": -1}, "lipschitz"),
        ({"fn": np.sin, "lipschitz": float("inf")}, "lipschitz"),
        ({"fn": np.sin, "lipschitz": "one"}, "lipschitz"),
        ({"fn": np.sin, "lipschitz": 1, "name": ""}, "name"),
        ({"fn": np.sin, "lipschitz": 1, "inverse": 2}, "inverse"),
    ],
)
def test_custom_activation_rejects(kwargs, param):
    with pytest.raises(InvalidParameterError, match=param):
        custom_activation(**kwargs)


def test_get_activation_rejects():
    with pytest.raises(InvalidParameterError, match="activation"):
        get_activation("swish")
    with pytest.raises(InvalidParameterError, match="custom_activation"):
        get_activation(np.tanh)


@pytest.mark.parametrize(
    ("y", "act"),
    [(2.0, TANH), (np.array([0.5, -1.0]), TANH), (np.array([np.nan]), TANH),
     (sympy.Integer(1), TANH), (1.5, SIGMOID), (np.array([0.0]), SIGMOID),
     (mpmath.mpf(-0.1), SIGMOID), (np.array([np.inf]), IDENTITY)],
)
def test_inverse_refuses_arguments_outside_its_domain(y, act):
    with pytest.raises(InvalidParameterError, match="y"):
        act.inv(y)


def test_inverse_accepts_its_domain_in_every_kind():
    assert TANH.inv(sympy.Rational(1, 2)) == sympy.atanh(sympy.Rational(1, 2))
    assert abs(SIGMOID.inv(mpmath.mpf("0.5"))) < 1e-30
    assert IDENTITY.inv([1.0, -7.0]).tolist() == [1.0, -7.0]


@pytest.mark.parametrize(
    ("args", "kwargs", "param"),
    [
        (("bad", np.tanh, float("inf")), {}, "lipschitz"),
        (("bad", np.tanh, float("nan")), {}, "lipschitz"),
        (("bad", np.tanh, 0.0), {}, "lipschitz"),
        (("bad", "tanh", 1.0), {}, "fn"),
        (("", np.tanh, 1.0), {}, "name"),
        (("bad", np.tanh, 1.0), {"inverse_domain": (0.0, 1.0)}, "inverse_domain"),
        (("bad", np.tanh, 1.0), {"inverse": np.arctanh, "inverse_domain": (1.0, -1.0)},
         "inverse_domain"),
    ],
)
def test_activation_constructor_validates(args, kwargs, param):
    with pytest.raises(InvalidParameterError, match=param):
        Activation(*args, **kwargs)


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


@pytest.mark.parametrize("domain", [(0.0, 1.0, 2.0), (1.0, 1.0), (1.0,)])
def test_inverse_domain_must_be_an_interval(domain):
    with pytest.raises(InvalidParameterError, match="^inverse_domain: expected an interval"):
        custom_activation(np.tanh, 1, inverse=np.arctanh, inverse_domain=domain)


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


@pytest.mark.parametrize("value, shown", [
    ("0.5", "'0.5'"), (b"1", "b'1'"), (True, "True"), (2 + 0j, "(2+0j)"),
    ([0.5, "a"], "'a'"), ((0.1, mpmath.mpc(1, 1)), "mpc"), (sympy.I, "I"),
])
@pytest.mark.parametrize("act", [IDENTITY, TANH])
@pytest.mark.parametrize("method, name", [("__call__", "x"), ("inv", "y")])
def test_non_real_arguments_are_refused_by_name(value, shown, act, method, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: expected real numbers, got "
                                                    rf"the entry .*{re.escape(shown)}"):
        getattr(act, method)(value)


@pytest.mark.parametrize("dtype", [bool, complex, "U3"])
@pytest.mark.parametrize("method, name", [("__call__", "x"), ("inv", "y")])
def test_non_real_arrays_are_refused_by_dtype(dtype, method, name):
    with pytest.raises(InvalidParameterError,
                       match=rf"^{name}: expected real numbers, got an array of dtype"):
        getattr(IDENTITY, method)(np.zeros(2, dtype=dtype))


def test_real_entries_of_every_kind_are_accepted_in_one_list():
    entries = [sympy.sqrt(2) / 2, mpmath.mpf("-0.25"), Fraction(1, 3), 0, np.float32(0.5)]
    out = IDENTITY.inv(entries)
    assert out.dtype == object and list(out) == entries
    assert np.array_equal(RELU(np.array([-1, 2], dtype=np.int64)), [0, 2])
