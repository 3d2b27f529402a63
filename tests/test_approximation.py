"""Tests of theory.approximation (WX23 Result A): constructions, bounds, tightness, validation."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.approximation import (
    c2_interpolation_bound,
    channelwise,
    check_declared_lipschitz,
    lipschitz_interpolation_bound,
    memoryless_network,
    relu_interpolant,
    relu_knots_for_error,
    smooth_step_approximant,
    smooth_step_bound,
    sup_error,
    uniform_knots,
)
from theory.numbers import InvalidParameterError, NumberKind

R = sympy.Rational


def _tent(a, h):
    """L = 1 zigzag vanishing at every knot a + k h: the worst case of both Lipschitz bounds."""
    return lambda x: np.abs((x - a) / h - np.round((x - a) / h)) * h


def _dense(a, b, N, per_cell=64):
    return np.linspace(a, b, per_cell * (N - 1) + 1)[:, None]


def test_relu_interpolant_is_exact_network_in_exact_arithmetic():
    f = lambda x: x**3 - 2 * x  # noqa: E731
    approx = relu_interpolant(f, R(-1), R(2), 7)
    assert approx.stack.kind is NumberKind.EXACT and approx.widths == (6, 7)
    knots = approx.knots[0]
    assert sup_error(lambda r: [f(r[0])], approx, [[t] for t in knots]) == 0
    # between knots the network is the chord: check one midpoint exactly
    mid = (knots[2] + knots[3]) / 2
    y = approx([[mid]])[0, 0]
    assert y == (f(knots[2]) + f(knots[3])) / 2


@settings(max_examples=25, deadline=None)
@given(st.floats(0.2, 4), st.integers(2, 40), st.floats(-2, 2))
def test_relu_bounds_hold_on_dense_grid(omega, N, a):
    b = a + 3.0
    approx = relu_interpolant(lambda x: np.sin(omega * x), a, b, N)
    h = 3.0 / (N - 1)
    err = sup_error(lambda r: np.sin(omega * r), approx, _dense(a, b, N))
    assert err <= lipschitz_interpolation_bound(omega, h) + 1e-12
    assert err <= c2_interpolation_bound(omega**2, h) + 1e-12


def test_relu_bounds_are_attained_and_tightened_bounds_fail():
    a, b, N = -1.0, 2.0, 7
    h = 0.5
    tent = _tent(a, h)
    err = sup_error(tent, relu_interpolant(tent, a, b, N), _dense(a, b, N))
    assert np.isclose(err, lipschitz_interpolation_bound(1, h))
    assert err > lipschitz_interpolation_bound(1, h) / 2 * 1.5  # L h / 4 is violated
    square = relu_interpolant(lambda x: x**2, a, b, N)
    err2 = sup_error(lambda r: r**2, square, _dense(a, b, N))
    assert np.isclose(err2, c2_interpolation_bound(2, h))
    assert err2 > c2_interpolation_bound(2, h) / 2  # h² M / 16 is violated


def test_knots_for_error_and_too_few_knots():
    eps = 1e-3
    N = relu_knots_for_error(0.0, 1.0, eps, second_derivative=2)
    h = 1 / (N - 1)
    assert c2_interpolation_bound(2, h) <= eps
    f = lambda x: x**2  # noqa: E731
    assert sup_error(f, relu_interpolant(f, 0.0, 1.0, N), _dense(0, 1, N)) <= eps
    # negative control: one knot fewer misses the target on x² (the bound is attained)
    assert sup_error(f, relu_interpolant(f, 0.0, 1.0, N - 1), _dense(0, 1, N - 1)) > eps
    with pytest.raises(InvalidParameterError, match="lipschitz, second_derivative"):
        relu_knots_for_error(0.0, 1.0, eps)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_smooth_step_bound_holds_and_is_tight(activation):
    a, b, N = -2.0, 3.0, 21
    h = 0.25
    for s in (2.0, 8.0, 25.0):
        approx = smooth_step_approximant(np.sin, a, b, N, activation=activation, sharpness=s)
        assert approx.widths == (N - 1, N)
        assert sup_error(np.sin, approx, _dense(a, b, N)) <= smooth_step_bound(1.0, h, s)
    tent = _tent(a, h)
    approx = smooth_step_approximant(tent, a, b, N, activation=activation)
    err = sup_error(tent, approx, _dense(a, b, N))
    assert err <= smooth_step_bound(1.0, h, 20)
    assert err > 0.99 * lipschitz_interpolation_bound(1.0, h)  # first term attained
    assert err > smooth_step_bound(1.0, h, 20) / 2  # a halved bound is violated


def test_smooth_step_exponential_term_is_needed():
    # with a soft step (s = 1) the error exceeds L h / 2: the e^{-s/2} coth(s/2) term matters
    a, b, N = 0.0, 1.0, 11
    approx = smooth_step_approximant(lambda x: x, a, b, N, sharpness=1.0)
    err = sup_error(lambda r: r, approx, _dense(a, b, N))
    assert lipschitz_interpolation_bound(1.0, 0.1) < err <= smooth_step_bound(1.0, 0.1, 1.0)


def test_smooth_step_mpmath_tier():
    with mpmath.workdps(30):
        a, b = mpmath.mpf(-1), mpmath.mpf(1)
        approx = smooth_step_approximant(mpmath.sin, a, b, 9, activation="tanh")
        h = (b - a) / 8
        pts = [[a + h * k / 5] for k in range(41)]
        err = sup_error(lambda r: [mpmath.sin(r[0])], approx, pts)
        assert approx.stack.kind is NumberKind.MPMATH
        assert err <= smooth_step_bound(1, h, 20)


def test_width_does_not_depend_on_sequence_length():
    approx = relu_interpolant(np.cos, 0.0, 1.0, 9)
    rng = np.random.default_rng(0)
    long = rng.uniform(0, 1, (500, 1))
    y_long = approx(long)
    y_short = np.concatenate([approx(long[i:i + 7]) for i in range(0, 500, 7)])
    assert approx.widths == (8, 9) and np.allclose(y_long, y_short, atol=1e-14)


def test_channelwise_vector_map():
    parts = [relu_interpolant(np.sin, -1.0, 1.0, 9), relu_interpolant(np.cos, -1.0, 1.0, 9),
             relu_interpolant(np.exp, 0.0, 2.0, 17)]
    approx = channelwise(parts, [0, 0, 1])
    assert approx.widths == (8 + 8 + 16, 8 + 8 + 16 + 1)
    x = np.stack([np.linspace(-1, 1, 101), np.linspace(0, 2, 101)], axis=1)
    target = np.stack([np.sin(x[:, 0]), np.cos(x[:, 0]), np.exp(x[:, 1])], axis=1)
    err = np.max(np.abs(approx(x) - target), axis=0)
    bounds = [c2_interpolation_bound(1, 0.25), c2_interpolation_bound(1, 0.25),
              c2_interpolation_bound(np.exp(2), 0.125)]
    assert np.all(err <= bounds)
    with pytest.raises(InvalidParameterError, match="domain differs"):
        channelwise([parts[0], parts[2]], [0, 0])


def test_declared_lipschitz_is_checked():
    assert check_declared_lipschitz(np.sin, 0, 3, 1.0) <= 1.0
    with pytest.raises(InvalidParameterError, match="lipschitz"):
        check_declared_lipschitz(lambda x: 3 * x, 0, 1, 2.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: relu_interpolant(3, 0.0, 1.0, 5), "f"),
        (lambda: relu_interpolant(np.sin, 1.0, 0.0, 5), "domain"),
        (lambda: relu_interpolant(np.sin, 0.0, 1.0, 1), "N"),
        (lambda: lipschitz_interpolation_bound(None, 0.1), "lipschitz"),
        (lambda: c2_interpolation_bound(-1, 0.1), "second_derivative"),
        (lambda: smooth_step_approximant(np.sin, 0.0, 1.0, 5, activation="relu"), "activation"),
        (lambda: smooth_step_approximant(np.sin, 0.0, 1.0, 5, sharpness=0), "sharpness"),
        (lambda: uniform_knots(0.0, float("inf"), 3), "finite"),
        (lambda: memoryless_network([[1.0]], [0.0], [[1.0, 2.0]], [0.0], "relu"), "c, c0"),
    ],
)
def test_validation(call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call()


def test_target_outside_domain_is_refused():
    approx = relu_interpolant(np.sin, 0.0, 1.0, 5)
    with pytest.raises(InvalidParameterError, match="outside the domain"):
        approx(np.array([[0.5], [1.5]]))
    with pytest.raises(InvalidParameterError, match="x"):
        approx(np.array([[0.5, 0.5]]))
