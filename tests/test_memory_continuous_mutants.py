"""Small exact cases of theory.memory_continuous that pin down what the broader tests miss.

Each test targets behaviour that a wrong implementation could change without failing the
tests of ``tests/test_memory_continuous.py``: the full text of every error message, the
coefficients of hand-computed power bounds and memory bounds (each norm, each ``σ`` constant
and each convolution factor), and the closed-form memory function at unsorted times.
"""

from __future__ import annotations

import re
from fractions import Fraction
from itertools import product

import mpmath
import numpy as np
import pytest
import scipy.linalg
import sympy
from bad_input_cases import check_every_case

from theory.layers import SSMLayer, SSMStack, UnstableLayerError
from theory.memory_continuous import (
    ContinuousMemoryBound,
    continuous_memory,
    continuous_memory_bound,
    exponential_power_bound,
)
from theory.numbers import InvalidParameterError, NumberKind, tolerance


def _layer(W, U, C, D=None, b=None, **kw):
    return SSMLayer(W, U, C, D, b, time="continuous", **kw)


_ST = SSMStack([_layer([-1.0], [[1.0]], [[1.0]])], "tanh")
_ONE = _layer([-1.0], [[1.0]], [[1.0]])
_DENSE = _layer([[-1.0, 1.0], [0.0, -1.0]], [[1.0], [1.0]], [[1.0, 1.0]])
_SMOOTH = "a linear stack (identity activation) or a two-layer stack with a smooth activation " \
    "(identity, sigmoid, tanh), got "
_REAL_DIAG = "expected a layer with a real diagonal W (the quadrature path of a nonlinear " \
    "stack), got SSMLayer(width=2, d_in=1, d_out=1, continuous, mpmath"
_HURWITZ = "W: expected a Hurwitz matrix (every eigenvalue with real part < 0), "
_TIMES = "t: expected a time > 0 or a 1-D array of times > 0, got "


def _unstable(lam):
    return _layer([lam], [[1.0]], [[1.0]], require_stable=False)


def _close(got, want):
    """Each ``got[i]`` equals ``want[i]`` to the working precision (relative)."""
    for g, w in zip(got, want, strict=True):
        assert abs(g - w) <= tolerance(NumberKind.MPMATH, 100) * abs(w)


def _raises_exactly(message: str, error=InvalidParameterError):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


_MESSAGES = [
    (lambda: continuous_memory_bound(SSMStack([SSMLayer([0.5], [[1.0]], [[1.0]])], "tanh"), 1.0),
     "stack: expected a continuous SSMStack, got SSMStack(depth=1, widths=(1,), σ=tanh)"),
    (lambda: continuous_memory_bound("x", 1.0), "stack: expected a continuous SSMStack, got 'x'"),
    (lambda: continuous_memory_bound(_ST, -1.0),
     "x_norm: expected a finite real number >= 0, got -1.0"),
    (lambda: continuous_memory(_ST, [1.0], [0.0]), _TIMES + "[0.0]"),
    (lambda: continuous_memory(_ST, [1.0], [[1.0]]), _TIMES + "[[1.0]]"),
    (lambda: continuous_memory(_ST, [1.0], [[1.0], [2.0, 3.0]]),
     "t: expected an array of real numbers, got an array of shape (2,) (dtype object)"),
    (lambda: continuous_memory(_ST, [1.0], np.array([True])),
     "t: expected an array of real numbers, got an array of shape (1,) (dtype object)"),
    (lambda: continuous_memory(_ST, [1.0], "a"),
     "t: expected an array of real numbers, got an array of shape (1,) (dtype object)"),
    (lambda: continuous_memory(_ST, [1.0], [float("nan")]),
     "t: expected finite entries, got an array of shape (1,) (dtype float64)"),
    (lambda: continuous_memory(_ST, [1.0, 2.0], [1.0]),
     "x: expected an array of shape (..., 1), got an array of shape (2,) (dtype float64)"),
    (lambda: continuous_memory(_ST, np.ones((1, 1, 1)), [1.0]),
     "x: expected a direction (1,) or directions (n, 1), got an array of shape (1, 1, 1) "
     "(dtype float64)"),
    (lambda: continuous_memory(SSMStack([_ONE] * 3, "tanh"), [1.0], [1.0]),
     "stack: expected " + _SMOOTH + "SSMStack(depth=3, widths=(1, 1, 1), σ=tanh)"),
    (lambda: continuous_memory(SSMStack([_ONE] * 2, "relu"), [1.0], [1.0]),
     "stack: expected " + _SMOOTH + "SSMStack(depth=2, widths=(1, 1), σ=relu)"),
    (lambda: continuous_memory(SSMStack([_DENSE, _DENSE], "tanh"), [1.0], [1.0]),
     "stack.layers[0]: " + _REAL_DIAG + ")"),
    (lambda: continuous_memory(SSMStack([_ONE, _DENSE], "tanh"), [1.0], [1.0]),
     "stack.layers[1]: " + _REAL_DIAG + ")"),
    (lambda: continuous_memory(
        SSMStack([_layer([-1.0 + 1j, -1.0 - 1j], [[1.0], [1.0]], [[1.0, 1.0]]), _ONE], "tanh"),
        [1.0], [1.0]),
     "stack.layers[0]: " + _REAL_DIAG + ", diagonal)"),
    (lambda: exponential_power_bound([[0.0]]),
     _HURWITZ + "got an array of shape (1, 1) (dtype float64)"),
    (lambda: exponential_power_bound([0.5]),
     _HURWITZ + "got an array of shape (1,) (dtype float64)"),
    (lambda: exponential_power_bound([[-1.0, 1.0], [0.0, 0.0]]),
     _HURWITZ + "got an array of shape (2, 2) (dtype float64)"),
    (lambda: exponential_power_bound(np.array([[True]])),
     "W: expected an array of numbers, got an array of shape (1, 1) (dtype bool)"),
    (lambda: exponential_power_bound([[True]]),
     "W: expected an array of numbers, got an array of shape (1, 1) (dtype object)"),
    (lambda: exponential_power_bound([[-1.0, 0.0], [0.0]]),
     "W: expected an array of numbers, got an array of shape (2,) (dtype object)"),
    (lambda: exponential_power_bound([[float("nan")]]),
     "W: expected finite entries, got an array of shape (1, 1) (dtype float64)"),
    (lambda: exponential_power_bound(np.ones((2, 3))),
     "W: expected a square matrix (m, m) or a diagonal (m,), m >= 1, got an array of shape "
     "(2, 3) (dtype float64)"),
    (lambda: exponential_power_bound(np.ones(0)),
     "W: expected a square matrix (m, m) or a diagonal (m,), m >= 1, got an array of shape "
     "(0,) (dtype float64)"),
    (lambda: exponential_power_bound(np.ones((0, 0))),
     "W: expected a square matrix (m, m) or a diagonal (m,), m >= 1, got an array of shape "
     "(0, 0) (dtype float64)"),
    (lambda: exponential_power_bound([-1.0])(0.0), _TIMES + "0.0"),
    (lambda: continuous_memory_bound(_ST, 1.0)(0.0), _TIMES + "0.0"),
    (lambda: continuous_memory_bound(_ST, 1.0).corollary(-1.0), _TIMES + "-1.0"),
]


def _error_message_is_exact(call, message):
    with _raises_exactly(message):
        call()


def test_error_message_is_exact() -> None:
    """Error message is exact: every case of the table."""
    check_every_case(_error_message_is_exact, _MESSAGES)


#: Values of ``layers`` in :func:`test_unstable_layer_message_names_the_layer`.
UNSTABLE_LAYER_LISTS = [[_unstable(0.5)], [_ONE, _unstable(0.0)]]


def _unstable_layer_message_names_the_layer(layers):
    i, lam = len(layers) - 1, layers[-1].W[0]
    with _raises_exactly(f"stack.layers[{i}].W: not Hurwitz (max real part of the eigenvalues "
                         f"{lam} >= 0); Theorem 3.13 needs every layer stable",
                         UnstableLayerError):
        continuous_memory_bound(SSMStack(layers, "identity"), 1.0)


def test_unstable_layer_message_names_the_layer() -> None:
    """Unstable layer message names the layer: every case of ``UNSTABLE_LAYER_LISTS``."""
    check_every_case(
        _unstable_layer_message_names_the_layer,
        product(UNSTABLE_LAYER_LISTS))


def test_power_bound_coefficients_by_method():
    pb = exponential_power_bound(np.array([-1.0 + 2j, -3.0]))
    assert (pb.coefficients, pb.beta, pb.method) == ((1,), 1, "diagonal")
    pb = exponential_power_bound([[-2.0, 0.0], [0.0, -0.5]])
    assert (pb.coefficients, pb.beta, pb.method) == ((1,), 0.5, "diagonal")
    # triangular: N = |upper part|, coefficients ‖N^j‖_2 / j!, N^3 = 0 stops the series
    pb = exponential_power_bound([[-1.0, 3.0, 0.0], [0.0, -2.0, 4.0], [0.0, 0.0, -1.5]])
    assert (len(pb.coefficients), pb.beta, pb.method) == (3, 1, "triangular")
    _close(pb.coefficients, [1, 4, 6])
    pb = exponential_power_bound([[-1.0, -3.0], [0.0, -2.0]])
    assert (pb.coefficients, pb.method) == ((1, 3), "triangular")
    assert pb(2.0) == [mpmath.exp(-2) * 7]
    assert pb([1.0, 2.0]) == [mpmath.exp(-1) * 4, mpmath.exp(-2) * 7]
    # a computed Schur form: the coefficients are inflated for its rounding
    pb = exponential_power_bound([[-1.0, 0.0], [2.0, -1.0]])
    inflate = 1 + tolerance(NumberKind.MPMATH, 8)
    assert pb.method == "schur" and len(pb.coefficients) == 2
    assert pb.coefficients[0] == inflate
    assert abs(pb.coefficients[1] - 2 * inflate) <= tolerance(NumberKind.MPMATH, 100)
    assert abs(pb.beta - 1) <= tolerance(NumberKind.MPMATH, 100)


def test_memory_bound_coefficients_of_two_layers_exact():
    # layer 1 (diagonal, 2 outputs), sigmoid (Lip 1/4, σ(0) = 1/2), layer 2 triangular with N
    # = [[0, 3], [0, 0]]: every norm, σ constant and convolution factor enters Q
    l1 = _layer([-1.0], [[2.0]], [[3.0], [4.0]], [[1.0], [0.0]], [-1.0])
    l2 = _layer([[-2.0, 3.0], [0.0, -2.0]], [[1.0, 0.0], [0.0, 0.0]], [[0.0, 2.0]],
                [[0.0, 3.0]], [0.0, 4.0])
    x = 1.5
    mb = continuous_memory_bound(SSMStack([l1, l2], "sigmoid"), x)
    nU1, nC1, nD1, nb1 = 2, 5, 1, 1
    q1 = nC1 * (nU1 * x + nb1)  # Q_1 = [q1]
    v0 = mpmath.mpf(0.5) * mpmath.sqrt(2) + mpmath.mpf(0.25) * nD1 * x
    g0 = 1 * v0 + 4  # ‖U_2‖ |v_0| + |b_2|
    qin = 0.25 * q1
    # P_2 = [1, 3]; P ⋆ Q_in = [0, qin, 3 qin / 2]; Q = ‖C_2‖ (G_0 P + ‖U_2‖ P ⋆ Q_in) + ‖D_2‖ Q_in
    expected = [2 * g0 + 3 * qin, 2 * (3 * g0 + qin), 2 * (3 * qin / 2)]
    assert len(mb.coefficients) == 3
    _close(mb.coefficients, expected)
    assert mb.beta == 1 and mb.p == 2
    assert mb.K == mpmath.fsum(mb.coefficients)
    t = mpmath.mpf(2)
    assert mb(2.0) == [mpmath.exp(-t) * mpmath.fsum(c * t ** j
                                                    for j, c in enumerate(mb.coefficients))]
    assert mb.corollary(2.0) == [mb.K * 3 ** 2 * mpmath.exp(-t)]


def test_memory_bound_of_one_layer_and_of_a_zero_step():
    layer = _layer([-0.5], [[2.0]], [[-3.0]], [[7.0]], [-1.0])
    mb = continuous_memory_bound(SSMStack([layer], "tanh"), 2)
    assert mb.coefficients == (3 * (2 * 2 + 1),) and mb.p == 0 and mb.beta == 0.5
    # no bias and x = 0: Q = 0, degree 0 by convention
    zero = continuous_memory_bound(SSMStack([_ONE], "tanh"), 0)
    assert zero.coefficients == (0,) and zero.p == 0 and zero.K == 0
    # identity between two scalar layers: Q = [0, |c2 u2 c1 u1| x] (P ⋆ Q_in, no offset)
    chain = continuous_memory_bound(SSMStack([_layer([-1.0], [[2.0]], [[3.0]]),
                                              _layer([-1.0], [[5.0]], [[-7.0]])], "identity"), 1)
    assert chain.coefficients == (0, 7 * 5 * 3 * 2) and chain.p == 1


def test_closed_form_memory_at_unsorted_and_evenly_spaced_times():
    layer = _layer([-0.5], [[2.0]], [[-3.0]], [[7.0]], [-1.0])
    st = SSMStack([layer], "tanh")  # one layer: closed form; ρ̂(t) = |c (u x + b)| e^{λt}
    times = [3.0, 1.0, 2.0, 4.0]
    got = continuous_memory(st, [1.5], times)
    assert got.shape == (4,)
    for g, s in zip(got, times):
        want = 3 * 2 * mpmath.exp(-0.5 * mpmath.mpf(s))
        assert abs(g - want) <= tolerance(NumberKind.MPMATH, 100) * want
    many = continuous_memory(st, [[1.5], [0.5]], [1.0, 2.0])
    assert many.shape == (2, 2)
    assert abs(many[1, 0] - 0 * mpmath.exp(-0.5)) <= tolerance(NumberKind.MPMATH, 10)


def test_closed_form_of_a_wide_biased_first_layer():
    # the stacked system by hand: z = (h_1 (width 2), h_2), ż = A z + B x + b, ẏ_2 = 1.5 ḣ_2
    l1 = _layer([-1.0, -2.0], [[1.0], [2.0]], [[1.0, -1.0]], b=[0.5, -1.0])
    l2 = _layer([-3.0], [[2.0]], [[1.5]], b=[0.25])
    A = np.array([[-1.0, 0.0, 0.0], [0.0, -2.0, 0.0], [2.0, -2.0, -3.0]])
    drive = np.array([1.0, 2.0, 0.0]) * 0.7 + np.array([0.5, -1.0, 0.25])
    times = [0.5, 2.0]
    got = continuous_memory(SSMStack([l1, l2], "identity"), [0.7], times)
    for g, s in zip(got, times):
        want = abs(1.5 * (scipy.linalg.expm(A * s) @ drive)[2])
        assert float(g) == pytest.approx(want, rel=1e-12)


def test_closed_form_steps_through_the_times_in_increasing_order():
    # stiff: the fast mode (rate 50) is fed by the slow one. Stepping from t = 10 back to
    # t = 0.001 would amplify the rounding of e^{10 A} by e^{500}; the result must be the
    # same as for each time alone
    st = SSMStack([_layer([[-1.0, 0.0], [1.0, -50.0]], [[1.0], [0.0]], [[0.0, 1.0]])],
                  "identity")
    both = continuous_memory(st, [1.0], [10.0, 0.001])
    for value, s in zip(both, [10.0, 0.001]):
        alone = continuous_memory(st, [1.0], [s])[0]
        assert abs(value - alone) <= tolerance(NumberKind.MPMATH, 100) * alone


def test_bound_with_complex_matrices():
    # complex U, C: spectral norms √6 and √10 (svd of complex matrices)
    layer = _layer([-1.0 + 2j, -1.0 - 2j], [[1.0 + 1j], [2.0]], [[1j, 3.0]])
    mb = continuous_memory_bound(SSMStack([layer], "identity"), 2.0)
    _close(mb.coefficients, [2 * mpmath.sqrt(60)])
    assert mb.beta == 1


def test_exact_step_size_is_kept_at_the_working_precision():
    with mpmath.workdps(30):
        st = SSMStack([_layer([-1.0], [[1.0]], [[2.0]])], "tanh")
        for x_norm in (Fraction(1, 3), sympy.Rational(1, 3)):
            mb = continuous_memory_bound(st, x_norm)
            assert abs(mb.coefficients[0] - mpmath.mpf(2) / 3) < mpmath.mpf(10) ** -29


def test_quadrature_of_a_sigmoid_stack_with_every_offset():
    """D_1, b_1, b_2, D_2 all non-zero: mpmath's ODE solver on the stacked state agrees."""
    x = 1.5
    stack = SSMStack([_layer([-0.7], [[1.3]], [[-0.9]], D=[[0.4]], b=[0.2]),
                      _layer([-0.5], [[0.8]], [[2.0]], D=[[0.3]], b=[-0.1])], "sigmoid")

    def sig(y):
        return 1 / (1 + mpmath.exp(-y))

    def rhs(t, z):
        return [-0.7 * z[0] + 1.3 * x + 0.2,
                -0.5 * z[1] + 0.8 * sig(-0.9 * z[0] + 0.4 * x) - 0.1]

    with mpmath.workdps(15):
        h1, h2 = mpmath.odefun(rhs, 0, [0, 0])(1)
        dh = rhs(1, [h1, h2])
        y1, dy1 = -0.9 * h1 + 0.4 * x, -0.9 * dh[0]
        s = sig(y1)
        expected = abs(2.0 * dh[1] + 0.3 * s * (1 - s) * dy1)
        assert abs(continuous_memory(stack, [x], [1.0])[0] - expected) <= 1e-12


def test_memory_bound_of_three_layers_adds_colliding_convolution_terms():
    # identity, no offsets: Q_1 = [1], Q_2 = [0, 2], then a triangular layer with P = [1, 3]:
    # P ⋆ Q_2 = [0, 0, 1·2·0!1!/2! + 3·0·1!0!/2!, 3·2·1!1!/3!] = [0, 0, 1, 1] (two terms land
    # on t^2 and must be added)
    layers = [_layer([-1.0], [[1.0]], [[1.0]]), _layer([-1.0], [[1.0]], [[2.0]]),
              _layer([[-1.0, 3.0], [0.0, -1.0]], [[0.0], [1.0]], [[1.0, 0.0]])]
    mb = continuous_memory_bound(SSMStack(layers, "identity"), 1.0)
    assert mb.coefficients[:2] == (0, 0) and mb.p == 3
    _close(mb.coefficients[2:], [1, 1])


def test_zero_polynomial_bound():
    # an empty coefficient tuple is the zero polynomial: the bound is 0 at every time
    zero = ContinuousMemoryBound((), mpmath.mpf(1), ())
    assert zero([1.0, 2.0]) == [0, 0] and zero.K == 0 and zero.p == 0
