"""Tests of theory.approximation (WX23 Result A): constructions, bounds, tightness, validation."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import run_examples, smoke_and_full

from theory.approximation import (
    c2_interpolation_bound,
    channelwise,
    check_declared_lipschitz,
    check_in_domain,
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


def _relu_bounds_hold_on_dense_grid(omega, N, a):
    b = a + 3.0
    approx = relu_interpolant(lambda x: np.sin(omega * x), a, b, N)
    h = 3.0 / (N - 1)
    err = sup_error(lambda r: np.sin(omega * r), approx, _dense(a, b, N))
    assert err <= lipschitz_interpolation_bound(omega, h) + 1e-12
    assert err <= c2_interpolation_bound(omega**2, h) + 1e-12


@pytest.mark.parametrize("examples", smoke_and_full(6, 25))  # ~40 ms an example
def test_relu_bounds_hold_on_dense_grid(examples):
    run_examples(examples, _relu_bounds_hold_on_dense_grid, omega=st.floats(0.2, 4),
                 N=st.integers(2, 40), a=st.floats(-2, 2))


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


#: Bad calls of the constructions and the parameter each must name.
VALIDATION_CALLS = [
    (lambda: relu_interpolant(3, 0.0, 1.0, 5), "f"),
    (lambda: relu_interpolant(np.sin, 1.0, 0.0, 5), "b"),
    (lambda: relu_interpolant(np.sin, 0.0, 1.0, 1), "N"),
    (lambda: lipschitz_interpolation_bound(None, 0.1), "lipschitz"),
    (lambda: c2_interpolation_bound(-1, 0.1), "second_derivative"),
    (lambda: smooth_step_approximant(np.sin, 0.0, 1.0, 5, activation="relu"), "activation"),
    (lambda: smooth_step_approximant(np.sin, 0.0, 1.0, 5, sharpness=0), "sharpness"),
    (lambda: uniform_knots(0.0, float("inf"), 3), "b: entries must be finite"),
    (lambda: uniform_knots(float("nan"), 1.0, 3), "a: entries must be finite"),
    (lambda: memoryless_network([[1.0]], [0.0], [[1.0, 2.0]], [0.0], "relu"), "c, c0"),
]


def _assert_all_refused(calls):
    """Every ``(call, match)`` raises InvalidParameterError matching ``match``; lists all
    misses at once."""
    failures = wrong_error_reports((f"case {i} ({match})", call, InvalidParameterError, match)
                                   for i, (call, match) in enumerate(calls))
    assert not failures, "\n".join(failures)


def test_validation():
    _assert_all_refused(VALIDATION_CALLS)


def test_target_outside_domain_is_refused():
    approx = relu_interpolant(np.sin, 0.0, 1.0, 5)
    with pytest.raises(InvalidParameterError, match="outside the domain"):
        approx(np.array([[0.5], [1.5]]))
    with pytest.raises(InvalidParameterError, match="x"):
        approx(np.array([[0.5, 0.5]]))


# ------------------------------------------------------------------ grids and rounding
@settings(max_examples=60, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(1e-6, 1e3), st.integers(2, 400))
def test_uniform_knots_stay_inside_the_interval(a, length, N):
    b = a + length
    if not a < b:
        return
    knots, h = uniform_knots(a, b, N)
    assert knots[0] == a and knots[-1] == b
    assert np.all(knots >= a) and np.all(knots <= b) and np.all(np.diff(knots) >= 0)


def test_uniform_knots_where_a_plus_k_h_overshoots():
    # here a + h (N - 1) rounds above b in float64: the knots and the approximant's domain
    # still end at b, and the approximant accepts every knot
    a, b, N = -0.41124195370299965, 2.857991047962643, 27
    h = (b - a) / (N - 1)
    assert a + h * (N - 1) > b
    knots, _ = uniform_knots(a, b, N)
    assert knots[-1] == b and np.all(knots <= b)
    approx = smooth_step_approximant(np.sin, a, b, N, sharpness=5)
    assert approx.upper[0] == b and approx(knots[:, None]).shape == (N, 1)


# ------------------------------------------------------------------ the smooth-step bound
def _step_weights(s, N, x):
    """Weights ``w_k ≥ 0`` (sum 1) with ``G(x) = Σ_k w_k f(t_k)`` on knots ``0 … N-1`` (h = 1)."""
    sig = 1 / (1 + np.exp(-s * (x - (np.arange(1, N) - 0.5))))
    return np.concatenate([[1 - sig[0]], sig[:-1] - sig[1:], [sig[-1]]])


@pytest.mark.parametrize("s", [0.5, 1.0, 2.0, 5.0, 20.0])
def test_smooth_step_bound_against_the_sharp_worst_case(s):
    """At ``x = c`` the worst ``L``-Lipschitz target is ``L |· - c|`` (weights ``≥ 0``, sum 1):
    the error is ``L Σ_k w_k |t_k - c|``. At a middle cell midpoint of 41 knots (``h = 1``,
    ``L = 1``) the network attains it, the bound holds, and the bound is within a factor
    ``1/0.75`` of it (``0.759`` at ``s = 1/2``, ``0.788`` at ``s = 1``, ``0.9999`` at ``s = 20``):
    the tail term is not attained, its first term is (``s → ∞``)."""
    N, c = 41, 19.5
    vee = lambda x: np.abs(x - c)  # noqa: E731
    approx = smooth_step_approximant(vee, 0.0, float(N - 1), N, sharpness=s)
    err = sup_error(vee, approx, [[c]])
    sharp = float(np.sum(_step_weights(s, N, c) * np.abs(np.arange(N) - c)))
    bound = smooth_step_bound(1.0, 1.0, s)
    assert err == pytest.approx(sharp, rel=1e-12, abs=1e-12)
    assert 0.75 * bound < err <= bound
    if s >= 20:
        assert err > (1 - 1e-4) * bound  # tight: any larger constant than 1/2 fails here


def test_smooth_step_bound_needs_coth_not_tanh():
    # s = 1: the worst case reaches 1.428 L h; with tanh(s/2) the "bound" would be 0.780 L h
    N, c, s = 41, 19.5, 1.0
    vee = lambda x: np.abs(x - c)  # noqa: E731
    err = sup_error(vee, smooth_step_approximant(vee, 0.0, 40.0, N, sharpness=s), [[c]])
    assert err > 1.4 and err > 0.5 + np.exp(-s / 2) * np.tanh(s / 2)
    assert err <= smooth_step_bound(1.0, 1.0, s) == pytest.approx(
        0.5 + np.exp(-0.5) / np.tanh(0.5), rel=1e-15)


# ------------------------------------------------------------------ bad input
#: Bad calls (non-finite, negative, wrong kinds) and the parameter each must name.
BAD_CALLS = [
    (lambda: lipschitz_interpolation_bound(1, -1), "h"),
    (lambda: lipschitz_interpolation_bound(1, 0), "h"),
    (lambda: lipschitz_interpolation_bound(float("nan"), 0.1), "lipschitz"),
    (lambda: lipschitz_interpolation_bound(1, float("inf")), "h"),
    (lambda: c2_interpolation_bound(1, float("nan")), "h"),
    (lambda: c2_interpolation_bound(float("inf"), 0.1), "second_derivative"),
    (lambda: smooth_step_bound(1, -0.1, 5), "h"),
    (lambda: smooth_step_bound(1, 0.1, float("nan")), "sharpness"),
    (lambda: smooth_step_bound(1, 0.1, float("inf")), "sharpness"),
    (lambda: smooth_step_bound(-1, 0.1, 5), "lipschitz"),
    (lambda: smooth_step_approximant(np.sin, 0.0, 1.0, 5, sharpness=float("nan")),
     "sharpness"),
    (lambda: relu_knots_for_error(0.0, 1.0, float("nan"), lipschitz=1), "eps"),
    (lambda: relu_knots_for_error(0.0, 1.0, float("inf"), lipschitz=1), "eps"),
    (lambda: relu_knots_for_error(1.0, 0.0, 0.1, lipschitz=1), "b"),
    (lambda: relu_knots_for_error(float("nan"), 1.0, 0.1, lipschitz=1), "a"),
    (lambda: relu_knots_for_error(0.0, 1.0, 0.1, lipschitz=float("nan")), "lipschitz"),
    (lambda: uniform_knots(0.0, 1.0, 2.5), "N"),
    (lambda: smooth_step_approximant(np.sin, 0.0, 1.0, 5, activation="bogus"), "activation"),
    (lambda: relu_interpolant(lambda x: x * np.nan, 0.0, 1.0, 3), "f"),
    (lambda: check_declared_lipschitz(np.sin, 0.0, 1.0, 1.0, n=1), "n"),
    (lambda: check_declared_lipschitz(np.sin, 1.0, 0.0, 1.0), "b"),
    (lambda: check_declared_lipschitz(lambda x: x * np.nan, 0.0, 1.0, 1.0), "f"),
    (lambda: check_declared_lipschitz(np.sin, 0.0, 1.0, float("nan")), "lipschitz"),
    (lambda: memoryless_network([[1.0]], [0.0, 1.0], [[1.0]], [0.0], "relu"), "b1"),
    (lambda: memoryless_network([[1.0]], [np.nan], [[1.0]], [0.0], "relu"), "b1"),
    (lambda: check_in_domain([[0.5]], [np.nan], [1.0]), "lower"),
    (lambda: check_in_domain([[0.5]], [0.0], [-1.0]), "upper"),
    (lambda: check_in_domain([[np.nan]], [0.0], [1.0]), "x"),
    (lambda: sup_error(np.sin, "approx", [[0.5]]), "approximant"),
    (lambda: sup_error(np.sin, relu_interpolant(np.sin, 0.0, 1.0, 3), [[2.0]]), "points"),
    (lambda: sup_error(np.sin, relu_interpolant(np.sin, 0.0, 1.0, 3), [[np.nan]]),
     "points"),
]


def test_bad_input_names_the_parameter():
    _assert_all_refused(BAD_CALLS)
