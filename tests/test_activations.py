"""Tests of theory.activations: values in every kind, Lipschitz constants, validation."""

from __future__ import annotations

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
