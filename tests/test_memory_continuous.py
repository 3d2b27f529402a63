"""Tests of theory.memory_continuous: the continuous Theorem 3.13 bound, tight where derived."""

import dataclasses

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import scaled_examples

from theory.activations import IDENTITY
from theory.layers import SSMLayer, SSMStack, UnstableLayerError
from theory.memory_continuous import (
    _two_layer_derivative,
    continuous_memory,
    continuous_memory_bound,
    exponential_power_bound,
)
from theory.numbers import InvalidParameterError, NumberKind, tolerance


def _layer(W, U, C, D=None, b=None):
    return SSMLayer(W, U, C, D, b, time="continuous")


def _ratios(stack, x, times):
    mb = continuous_memory_bound(stack, float(np.linalg.norm(x)))
    return [m / b for m, b in zip(continuous_memory(stack, x, times), mb(times))]


def _tol():
    return tolerance(NumberKind.MPMATH, 100)


TIMES = [0.25, 1.0, 3.0, 10.0]


# ------------------------------------------------------------------------------ power bound
def test_power_bound_diagonal_triangular_and_schur():
    with mpmath.workdps(30):
        d = exponential_power_bound([-0.5, -2.0])
        assert d.method == "diagonal" and d.coefficients == (1,) and d.beta == 0.5
        j = exponential_power_bound([[-0.5, 3.0], [0.0, -0.5]])
        assert j.method == "triangular" and [float(c) for c in j.coefficients] == [1.0, 3.0]
        # ‖e^{Jt}‖_2 = e^{-t/2}(3t/2 + sqrt(1 + 9t²/4)) <= e^{-t/2}(1 + 3t), ratio -> 1
        for t in (0.5, 5.0, 500.0):
            exact = mpmath.exp(-t / 2) * (1.5 * t + mpmath.sqrt(1 + 2.25 * t**2))
            assert exact <= j(t)[0] * (1 + _tol())
        assert exact / j(500.0)[0] > 0.999
        Z = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
        W = Z @ np.array([[-1.0, 2.0, 0.5], [0.0, -0.7, 1.0], [0.0, 0.0, -2.0]]) @ Z.T
        s = exponential_power_bound(W)
        assert s.method == "schur" and len(s.coefficients) == 3
        assert float(s.beta) == pytest.approx(0.7)
        for t in (0.3, 2.0, 9.0):
            norm = max(mpmath.svd_r(mpmath.expm(mpmath.matrix(W.tolist()) * t),
                                    compute_uv=False))
            assert norm <= s(t)[0]


def test_power_bound_rejects_non_hurwitz_and_bad_shapes():
    with pytest.raises(InvalidParameterError, match="W"):
        exponential_power_bound([[0.1]])
    with pytest.raises(InvalidParameterError, match="W"):
        exponential_power_bound([[1.0, 2.0]])
    with pytest.raises(InvalidParameterError, match="W"):
        exponential_power_bound([float("nan")])
    with pytest.raises(InvalidParameterError, match="t"):
        exponential_power_bound([-1.0])([0.0])


# ------------------------------------------------------------------------------ tight cases
def test_scalar_layer_meets_the_bound_with_equality():
    st1 = SSMStack([_layer([-0.7], [[1.3]], [[-0.4]], b=[0.5])], "tanh")
    with mpmath.workdps(30):
        mb = continuous_memory_bound(st1, 2.0)
        assert mb.p == 0 and mb.K == mb.coefficients[0]
        assert float(mb.K) == pytest.approx(0.4 * (1.3 * 2 + 0.5))
        for r in _ratios(st1, [2.0], TIMES):
            assert abs(r - 1) <= _tol()  # a lowered constant or a faster rate would fail here
        assert mb.corollary(TIMES) == mb(TIMES)


def test_two_layer_chain_meets_the_bound_with_equality():
    layers = [_layer([-0.9], [[1.3]], [[-0.4]]), _layer([-0.9], [[0.8]], [[2.0]])]
    with mpmath.workdps(30):
        stack = SSMStack(layers, "identity")
        mb = continuous_memory_bound(stack, 1.5)
        assert mb.p == 1 and mb.coefficients[0] == 0
        for r in _ratios(stack, [1.5], TIMES):
            assert abs(r - 1) <= _tol()
        # the Theorem-3.13 form K (1+t)^p e^{-βt} is above it (equal only as t -> ∞ in ratio)
        assert all(c >= b for c, b in zip(mb.corollary(TIMES), mb(TIMES)))
        # three layers: ρ̂ = |Π c u| x t²/2 e^{λt}, the convolution's i! j!/(i+j+1)! at j = 1
        three = SSMStack(layers + [_layer([-0.9], [[-1.1]], [[0.6]])], "identity")
        assert continuous_memory_bound(three, 1.5).p == 2
        for r in _ratios(three, [1.5], TIMES):
            assert abs(r - 1) <= _tol()


def test_jordan_layer_reaches_the_bound_asymptotically():
    a = 3.0
    st1 = SSMStack([_layer([[-0.5, a], [0.0, -0.5]], [[0.0], [1.0]], [[1.0, 0.0]])], "relu")
    with mpmath.workdps(30):
        ratios = _ratios(st1, [1.0], [1.0, 10.0, 100.0])
        for t, r in zip([1.0, 10.0, 100.0], ratios):
            assert abs(r - mpmath.mpf(a * t) / (1 + a * t)) <= _tol()


def test_sigmoid_offset_meets_the_bound_with_equality():
    p = 3
    layers = [_layer([-1.5], [[0.7]], np.full((p, 1), 1.1)),
              _layer([-0.4], np.full((1, p), -0.6), [[1.7]])]
    stack = SSMStack(layers, "sigmoid")
    with mpmath.workdps(20):
        for r in _ratios(stack, [0.0], [0.5, 2.0]):
            assert abs(r - 1) <= _tol()


def test_slowest_rate_is_needed():
    # two layers of different rates: a bound with the fastest rate fails at large t
    layers = [_layer([-0.3], [[1.0]], [[1.0]]), _layer([-2.0], [[1.0]], [[1.0]])]
    stack = SSMStack(layers, "identity")
    with mpmath.workdps(30):
        mb = continuous_memory_bound(stack, 1.0)
        assert float(mb.beta) == pytest.approx(0.3)
        fast = dataclasses.replace(mb, beta=mpmath.mpf(2.0))
        t = [30.0]
        assert continuous_memory(stack, [1.0], t)[0] > fast(t)[0]
        assert continuous_memory(stack, [1.0], t)[0] <= mb(t)[0]


# ------------------------------------------------------------------------------ memory function
def test_closed_form_matches_quadrature_and_finite_differences():
    layers = [_layer([-0.7, -1.2], [[1.3], [0.4]], [[-0.4, 1.0]], b=[0.1, 0.2]),
              _layer([-0.5, -2.0], [[0.8], [0.3]], [[2.0, 1.0]], D=[[0.5]])]
    with mpmath.workdps(25):
        mp_layers = [layer.to_kind(NumberKind.MPMATH) for layer in layers]
        x = [mpmath.mpf(1.5)]
        t = [mpmath.mpf(2)]
        quad = _two_layer_derivative(mp_layers, IDENTITY, x, t)[0][0]
        closed = continuous_memory(SSMStack(layers, "identity"), [1.5], [2.0])[0]
        assert abs(abs(quad) - closed) <= tolerance(NumberKind.MPMATH, 1e3)
        # one layer: derivative of the exact (ZOH) step response by central differences
        one = SSMStack(layers[:1], "identity")
        h = mpmath.mpf(10) ** -8

        def y(s):
            return one.layers[0].to_kind(NumberKind.MPMATH).run_continuous(
                [[1.5]], [mpmath.mpf(0), s])[0, 0]

        fd = (y(2 + h) - y(2 - h)) / (2 * h)
        assert abs(abs(fd) - continuous_memory(one, [1.5], [2.0])[0]) < 1e-12


def test_quadrature_matches_an_independent_ode_solution():
    """A tanh stack: mpmath's Taylor ODE solver on the stacked state gives the same ẏ_2."""
    x = 1.5
    stack = SSMStack([_layer([-0.7], [[1.3]], [[-0.9]], b=[0.2]),
                      _layer([-0.5], [[0.8]], [[2.0]], D=[[0.3]])], "tanh")

    def rhs(t, z):
        return [-0.7 * z[0] + 1.3 * x + 0.2, -0.5 * z[1] + 0.8 * mpmath.tanh(-0.9 * z[0])]

    with mpmath.workdps(15):
        h1, h2 = mpmath.odefun(rhs, 0, [0, 0])(1)
        dh = rhs(1, [h1, h2])
        y1, dy1 = -0.9 * h1, -0.9 * dh[0]
        expected = abs(2.0 * dh[1] + 0.3 * (1 - mpmath.tanh(y1) ** 2) * dy1)
        assert abs(continuous_memory(stack, [x], [1.0])[0] - expected) <= 1e-12


def test_memory_shape_for_several_directions():
    stack = SSMStack([_layer([-1.0], [[1.0, 2.0]], [[1.0]])], "identity")
    with mpmath.workdps(20):
        out = continuous_memory(stack, np.ones((3, 2)), [1.0, 2.0])
        assert out.shape == (3, 2)
        assert continuous_memory(stack, [1.0, 1.0], 1.0).shape == (1,)


@settings(max_examples=scaled_examples(0.1))
@given(st.integers(0, 2**31 - 1))
def test_random_linear_stacks_stay_below_the_bound(seed):
    from verify.claims.wx23_memory_continuous import random_continuous_layer

    rng = np.random.default_rng(seed)
    L = int(rng.integers(1, 3))
    layers = [random_continuous_layer(rng, 1, int(rng.integers(1, 3)), 1,
                                      structure=str(rng.choice(["diagonal", "triangular",
                                                                "dense"])))
              for _ in range(L)]
    stack = SSMStack(layers, "identity")
    x = [float(rng.uniform(-3, 3))]
    with mpmath.workdps(25):
        assert all(r <= 1 + _tol() for r in _ratios(stack, x, [0.5, 2.0, 8.0]))


# ------------------------------------------------------------------------------ bad input
def test_bad_input():
    stack = SSMStack([_layer([-1.0], [[1.0]], [[1.0]])], "tanh")
    with pytest.raises(InvalidParameterError, match="stack"):
        continuous_memory_bound(SSMStack([SSMLayer([0.5], [[1.0]], [[1.0]])], "tanh"), 1.0)
    with pytest.raises(InvalidParameterError, match="x_norm"):
        continuous_memory_bound(stack, -1.0)
    with pytest.raises(InvalidParameterError, match="x_norm"):
        continuous_memory_bound(stack, float("nan"))
    with pytest.raises(InvalidParameterError, match="t"):
        continuous_memory(stack, [1.0], [0.0])
    with pytest.raises(InvalidParameterError, match="x"):
        continuous_memory(stack, [1.0, 2.0], [1.0])
    tanh3 = SSMStack([_layer([-1.0], [[1.0]], [[1.0]])] * 3, "tanh")
    with pytest.raises(InvalidParameterError, match="stack"):  # three nonlinear layers
        continuous_memory(tanh3, [1.0], [1.0])
    relu2 = SSMStack([_layer([-1.0], [[1.0]], [[1.0]])] * 2, "relu")
    with pytest.raises(InvalidParameterError, match="stack"):
        continuous_memory(relu2, [1.0], [1.0])
    dense2 = SSMStack([_layer([[-1.0, 1.0], [0.0, -1.0]], [[1.0], [1.0]], [[1.0, 1.0]])] * 2,
                      "tanh")
    with pytest.raises(InvalidParameterError, match="layers"):
        continuous_memory(dense2, [1.0], [1.0])
    unstable = SSMStack([SSMLayer([0.5], [[1.0]], [[1.0]], time="continuous",
                                  require_stable=False)], "identity")
    with pytest.raises(UnstableLayerError):
        continuous_memory_bound(unstable, 1.0)
