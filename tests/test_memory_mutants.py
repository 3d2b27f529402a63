"""Small exact cases of theory.memory that pin down what the broader tests leave loose.

Each test targets behaviour that a wrong implementation could change without failing the
tests of ``tests/test_memory.py``: the full text of every error message, the accepted boundary
values, hand-computed memory curves, kernels, power bounds and Theorem 3.13 constants, and the
fit windows of :func:`theory.memory.fit_decay`. All cases are small.
"""

from __future__ import annotations

import math
import re
import warnings
from itertools import product

import mpmath
import numpy as np
import pytest
import scipy.special
import sympy
from bad_input_cases import check_every_case

from theory.activations import SIGMOID, TANH
from theory.layers import SSMLayer, SSMStack
from theory.memory import (
    _one_of,
    _settled_start,
    activation_difference,
    channel_norm,
    continuous_linear_memory,
    difference_recursion,
    fit_decay,
    linear_memory,
    linear_memory_direction,
    memory_bound_constants,
    power_bound,
    step_differences,
    step_input,
    sup_memory,
    weighted_tail_sup,
)
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.stack_eval import run_stack_float

_NAN = float("nan")
_K = np.arange(12.0).reshape(3, 2, 2)
_CONT = SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous")
_LAYER = SSMLayer([0.5], [[1.0]], [[1.0]])
_ST = SSMStack([_LAYER], "tanh")
_DECAY = 0.5 ** np.arange(40.0)
_JORDAN = np.array([[0.5, 1.0], [0.0, 0.5]])


def _arr(shape: str) -> str:
    return f"got an array of shape ({shape}) (dtype float64)"


def _raises_exactly(message: str):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$")


def _identity(u):
    return u


_MESSAGES = [
    (lambda: step_input([1.0], 0), "T: expected an integer >= 1, got 0"),
    (lambda: step_input(1.0, 3),
     "x: expected directions of shape (..., d) with d >= 1, " + _arr("")),
    (lambda: step_input(np.ones((2, 0)), 3),
     "x: expected directions of shape (..., d) with d >= 1, " + _arr("2, 0")),
    (lambda: step_input(["a"], 3), "x: expected an array of finite numbers, got ['a']"),
    (lambda: step_differences(5, [1.0], 4), "system: expected a callable causal map, got 5"),
    (lambda: step_differences(_identity, [1.0], 1), "T: expected an integer >= 2, got 1"),
    (lambda: step_differences(_identity, [1.0], 4, subtract_zero_response=1),
     "subtract_zero_response: expected True or False, got 1"),
    (lambda: channel_norm(3.0),
     "v: expected an array of shape (..., p) with p >= 1, " + _arr("")),
    (lambda: channel_norm(np.ones((2, 0))),
     "v: expected an array of shape (..., p) with p >= 1, " + _arr("2, 0")),
    (lambda: channel_norm([1.0], ord=1), "ord: expected 2 or inf (norm over channels), got 1"),
    (lambda: channel_norm([1.0, _NAN]), "v: expected an array of finite numbers, got [1.0, nan]"),
    (lambda: sup_memory(_identity, [1.0], 4),
     "directions: expected an array of shape (n, d) with n, d >= 1, " + _arr("1,")),
    (lambda: sup_memory(_identity, np.ones((0, 1)), 4),
     "directions: expected an array of shape (n, d) with n, d >= 1, " + _arr("0, 1")),
    (lambda: sup_memory(_identity, np.ones((1, 0)), 4),
     "directions: expected an array of shape (n, d) with n, d >= 1, " + _arr("1, 0")),
    (lambda: sup_memory(_identity, [[0.0]], 4),
     "directions: expected non-zero directions (the zero direction has no normalized memory), "
     + _arr("1, 1")),
    (lambda: linear_memory(np.ones((1, 1, 1))),
     "kernel: expected an array of shape (T, p, d) with T >= 2 (K_0 … K_(T-1)), p, d >= 1, "
     + _arr("1, 1, 1")),
    (lambda: linear_memory(np.ones((2, 1, 0))),
     "kernel: expected an array of shape (T, p, d) with T >= 2 (K_0 … K_(T-1)), p, d >= 1, "
     + _arr("2, 1, 0")),
    (lambda: linear_memory(np.ones((2, 1))),
     "kernel: expected an array of shape (T, p, d) with T >= 2 (K_0 … K_(T-1)), p, d >= 1, "
     + _arr("2, 1")),
    (lambda: linear_memory(np.ones((2, 1, 17))),
     "kernel: expected at most d = 16 input channels for the exact ∞→2 norm (it enumerates 2^d "
     "sign vectors; use ord=inf), " + _arr("1, 1, 17")),
    (lambda: linear_memory(_K, ord=1), "ord: expected 2 or inf (norm over channels), got 1"),
    (lambda: linear_memory_direction(_K, [1.0]),
     "x: expected a direction of shape (2,), " + _arr("1,")),
    (lambda: linear_memory_direction(_K, [1.0, 1.0], ord=1),
     "ord: expected 2 or inf (norm over channels), got 1"),
    (lambda: continuous_linear_memory(_LAYER, [1.0], [1.0]),
     "layer: expected a continuous SSMLayer, got SSMLayer(width=1, d_in=1, d_out=1, discrete, "
     "float, diagonal)"),
    (lambda: continuous_linear_memory(_CONT, [1.0, 2.0], [1.0]),
     "x: expected a direction of shape (1,), " + _arr("2,")),
    (lambda: continuous_linear_memory(_CONT, [1.0], [2.0, 1.0]),
     "t: expected a time or a 1-D array of increasing times (a time grid), " + _arr("2,")),
    (lambda: continuous_linear_memory(_CONT, [1.0], [1.0, 1.0]),
     "t: expected a time or a 1-D array of increasing times (a time grid), " + _arr("2,")),
    (lambda: continuous_linear_memory(_CONT, [1.0], [-1.0]),
     "t: expected non-negative entries, " + _arr("1,")),
    (lambda: power_bound(np.ones((2, 3))),
     "W: expected a matrix of shape (m, m) or a diagonal (m,), m >= 1, " + _arr("2, 3")),
    (lambda: power_bound(np.ones(0)),
     "W: expected a matrix of shape (m, m) or a diagonal (m,), m >= 1, " + _arr("0,")),
    (lambda: power_bound(np.ones((0, 0))),
     "W: expected a matrix of shape (m, m) or a diagonal (m,), m >= 1, " + _arr("0, 0")),
    (lambda: power_bound([1.5]),
     "W: expected a stable matrix (spectral radius < 1; pass check_stable=False for a growing "
     "bound), " + _arr("1,")),
    (lambda: power_bound([0.5], 0.4),
     "r: expected a factor at least the spectral radius 0.5, got 0.4"),
    (lambda: power_bound([0.5], method="x"),
     "method: expected one of ('auto', 'diagonal', 'eig', 'schur'), got 'x'"),
    (lambda: power_bound(_JORDAN, method="diagonal"),
     "method: expected 'diagonal' only for a diagonal W, got 'diagonal'"),
    (lambda: power_bound(np.array([[0.0, 1.0], [0.0, 0.0]]), 0.0, method="schur"),
     "r: expected r > 0 for the Schur bound, got 0.0"),
    (lambda: power_bound([0.5])(-1), "k: expected non-negative entries, " + _arr("")),
    (lambda: memory_bound_constants(_LAYER, 1.0),
     "stack: expected an SSMStack, got SSMLayer(width=1, d_in=1, d_out=1, discrete, float, "
     "diagonal)"),
    (lambda: memory_bound_constants(_ST, -1.0),
     "x_norm: expected a finite real number >= 0, got -1.0"),
    (lambda: memory_bound_constants(_ST, 1.0, r=0.4),
     "r: expected a factor at least the largest spectral radius 0.5, got 0.4"),
    (lambda: memory_bound_constants(_ST, 1.0, check_stable="no"),
     "check_stable: expected True or False, got 'no'"),
    (lambda: memory_bound_constants(SSMStack([SSMLayer([0.0], [[1.0]], [[1.0]])], "tanh"), 1.0),
     "stack: expected a layer with spectral radius > 0 (with every W nilpotent the memory "
     "vanishes after finitely many steps and K (1+k)^p r^k degenerates at r = 0), got 'a stack "
     "of nilpotent layers'"),
    (lambda: memory_bound_constants(SSMStack([_CONT], "tanh"), 1.0),
     "stack: expected a discrete stack (the bound is implemented in discrete time), got "
     "SSMStack(depth=1, widths=(1,), σ=tanh)"),
    (lambda: memory_bound_constants(_ST, 1.0).fitted_factor(5, 5),
     "stop: expected an index > start = 5 (a window of at least two indices), got 5"),
    (lambda: activation_difference(TANH, np.zeros(2), np.zeros(3)),
     "d: expected an increment of the shape of a (2,), " + _arr("3,")),
    (lambda: difference_recursion(_ST, [1.0], 5),
     "x: expected directions of shape (n, 1), " + _arr("1,")),
    (lambda: difference_recursion(_ST, [[1.0, 2.0]], 5),
     "x: expected directions of shape (n, 1), " + _arr("1, 2")),
    (lambda: difference_recursion(_ST, [[1.0]], 1), "T: expected an integer >= 2, got 1"),
    (lambda: fit_decay(np.ones((2, 3)), 0.0), "rho: expected a 1-D curve, " + _arr("2, 3")),
    (lambda: fit_decay(_DECAY, 0.0, noise=np.ones(3)),
     "noise: expected a number or an array broadcastable to the curve (40,), " + _arr("3,")),
    (lambda: fit_decay(np.ones(40), 0.0),
     "rho: expected a curve that decays on its tail window [19, 39] (its largest value there "
     "lies in the window's second half: a growing, flat or too slowly oscillating curve has no "
     "fitted decay factor), " + _arr("40,")),
    (lambda: fit_decay(_DECAY, 0.0, min_points=1), "min_points: expected an integer >= 2, got 1"),
    (lambda: fit_decay(_DECAY, -1.0), "floor: expected a finite real number >= 0, got -1.0"),
    (lambda: fit_decay(_DECAY, 0.0, start_fraction=1.0),
     "start_fraction: expected a finite real number in (0, 1), got 1.0"),
    (lambda: fit_decay(_DECAY, 0.0, settle=0.0),
     "settle: expected a finite real number > 0, got 0.0"),
    (lambda: weighted_tail_sup(np.ones((2, 2)), 0.1), "rho: expected a 1-D curve, " + _arr("2, 2")),
    (lambda: weighted_tail_sup(_DECAY, np.inf), "c0: expected a finite real number, got inf"),
]


def _error_message_is_exact(call, message):
    with _raises_exactly(message):
        call()


def test_error_message_is_exact() -> None:
    """Error message is exact: every case of the table."""
    check_every_case(_error_message_is_exact, _MESSAGES)


class _System:
    """A causal map with a fixed repr (the error message prints the system)."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, u):
        return self.fn(u)

    def __repr__(self) -> str:
        return "<system>"


#: Values of ``fn`` in :func:`test_system_output_of_a_wrong_shape_or_not_finite_is_refused`.
BAD_SYSTEM_OUTPUTS = [
    lambda u: u * _NAN,  # not finite
    lambda u: u[..., 0],  # the channel axis dropped
    lambda u: u[:-1],  # a time step lost
    lambda u: u[..., :0],  # no output channel
    lambda u: u[None],  # an extra axis
]


def _system_output_of_a_wrong_shape_or_not_finite_is_refused(fn):
    with _raises_exactly("system: expected finite outputs of shape (2, 4) + (p,), got <system>"):
        step_differences(_System(fn), [[1.0], [2.0]], 4)


def test_system_output_of_a_wrong_shape_or_not_finite_is_refused() -> None:
    """System output of a wrong shape or not finite is refused: every case of
    ``BAD_SYSTEM_OUTPUTS``."""
    check_every_case(
        _system_output_of_a_wrong_shape_or_not_finite_is_refused,
        product(BAD_SYSTEM_OUTPUTS))


_R = sympy.Rational
# K_1 = [[1, -2], [3, 4]]: row sums 3, 7; sign vectors (±1, ±1) give |(-1, 7)| = 5√2 and
# |(3, -1)| = √10. K_2 = diag(1/2, -1/3): row sums 1/2, 1/3; |K_2 s| = √13/6 for every s.
_KERNEL = np.array([[[0, 0], [0, 0]], [[1, -2], [3, 4]], [[_R(1, 2), 0], [0, _R(-1, 3)]]],
                   dtype=object)


def test_linear_memory_exact_mpmath_and_float_kernels():
    exact2 = linear_memory(_KERNEL)
    assert exact2.dtype == object and list(exact2) == [5 * sympy.sqrt(2), sympy.sqrt(13) / 6]
    assert list(linear_memory(_KERNEL, ord=math.inf)) == [7, _R(1, 2)]
    with mpmath.workdps(30):
        Km = np.vectorize(lambda v: mpmath.mpf(sympy.Rational(v).p) / sympy.Rational(v).q,
                          otypes=[object])(_KERNEL)
        m2, minf = linear_memory(Km), linear_memory(Km, ord=math.inf)
        assert all(isinstance(v, mpmath.mpf) for v in list(m2) + list(minf))
        assert abs(m2[0] - 5 * mpmath.sqrt(2)) < mpmath.mpf(10) ** -28
        assert abs(m2[1] - mpmath.sqrt(13) / 6) < mpmath.mpf(10) ** -28
        assert list(minf) == [7, mpmath.mpf(1) / 2]
    Kf = _KERNEL.astype(float)
    np.testing.assert_allclose(linear_memory(Kf), [5 * math.sqrt(2), math.sqrt(13) / 6],
                               rtol=1e-15)
    assert linear_memory(Kf, ord=math.inf).tolist() == [7.0, 0.5]


def test_linear_memory_direction_is_the_shifted_kernel_times_x():
    x = np.array([1, _R(1, 2)], dtype=object)  # K_1 x = (0, 5), K_2 x = (1/2, -1/6)
    assert list(linear_memory_direction(_KERNEL, x)) == [5, sympy.sqrt(10) / 6]
    assert list(linear_memory_direction(_KERNEL, x, ord=math.inf)) == [5, _R(1, 2)]


def test_channel_norm_in_every_kind():
    v = np.array([[3, -4], [_R(1, 2), 0]], dtype=object)
    assert list(channel_norm(v)) == [5, _R(1, 2)]
    assert list(channel_norm(v, ord=math.inf)) == [4, _R(1, 2)]
    assert list(channel_norm(np.array([[sympy.sqrt(2), 1]], dtype=object))) == [sympy.sqrt(3)]
    m = np.array([[mpmath.mpf(3), mpmath.mpf(-4)]], dtype=object)
    assert list(channel_norm(m)) == [5] and list(channel_norm(m, ord=math.inf)) == [4]
    assert isinstance(channel_norm(m)[0], mpmath.mpf)
    assert channel_norm(np.array([[3.0, -4.0], [1.0, 0.0]]), ord=math.inf).tolist() == [4, 1]
    assert channel_norm(np.array([3.0, -4.0])) == 5.0


def test_activation_difference_does_not_overflow():
    a = np.array([800.0, -800.0, 0.0, 0.0])
    d = np.array([1.0, 1.0, -800.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tanh = activation_difference(TANH, a[:2], d[:2])
        sig = activation_difference(SIGMOID, a, d)
    assert tanh.tolist() == [0.0, 0.0]
    assert sig.tolist() == [0.0, 0.0, -0.5, 0.5]


def test_fitted_factor_default_degree_and_far_windows():
    mb = memory_bound_constants(SSMStack([SSMLayer([[0.5, 1.0], [0.0, 0.5]], [[0.0], [1.0]],
                                                   [[1.0, 0.0]])], "tanh"), 1.0)
    assert mb.p == 1
    k = np.arange(10.0, 21.0)
    s = np.polyfit(k, np.log1p(k), 1)[0]
    assert mb.fitted_factor(10, 20) == mb.fitted_factor(10, 20, 0)
    assert mb.fitted_factor(10, 20) == pytest.approx(0.5 * math.exp(s), rel=1e-14)
    assert mb.fitted_factor(10, 20, 2) == pytest.approx(0.5 * math.exp(3 * s), rel=1e-14)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.RankWarning")
def test_fitted_factor_of_a_window_beyond_the_int64_range():
    # the window is taken in float64, so indices past 2^63 still give a factor (it tends to r;
    # the float grid is coarse there, hence numpy's conditioning warning)
    mb = memory_bound_constants(_ST, 1.0)
    assert mb.fitted_factor(2**64, 2**64 + 10, 1) == pytest.approx(0.5, rel=1e-12)


def test_sigmoid_difference_is_the_direct_one_from_a_unit_step():
    # documented: the cancellation-free form only for |d| < 1; from |d| = 1 on the direct
    # difference (these points are where the two roundings differ)
    a = np.array([0.8217701239287258, -1.3812797174167781, 0.3, -0.3])
    d = np.array([1.9772810662190627, 1.0600412575623732, 1.0, -1.0])
    direct = SIGMOID(a + d) - SIGMOID(a)
    assert activation_difference(SIGMOID, a, d).tolist() == direct.tolist()
    stable = scipy.special.expit(a + d) * scipy.special.expit(-a) * -np.expm1(-d)
    assert np.any(stable != direct)


def test_bound_constant_uses_spectral_norms():
    # C = I_2 has spectral norm 1 (Frobenius √2), U = (3, 4)ᵀ norm 5, b norm 13: one diagonal
    # layer gives K = ‖C‖ (‖U‖ |x| + |b|) r, inflated by tolerance(float, m + d) for rounding
    layer = SSMLayer([0.5, 0.25], [[3.0], [4.0]], np.eye(2), b=[5.0, 12.0])
    mb = memory_bound_constants(SSMStack([layer], "tanh"), 2.0)
    assert (mb.p, mb.r) == (0, 0.5)
    assert mb.K == pytest.approx((5 * 2 + 13) * 0.5 * (1 + tolerance(NumberKind.FLOAT, 3)),
                                 rel=1e-15)


def test_fit_decay_window_uncertainty_and_fields():
    # 3 · 0.9^k up to k = 29, then zeros: the window is [int(0.5 · 29), 29] = [14, 29]
    k = np.arange(40.0)
    c = np.where(k < 30, 3 * 0.9 ** k, 0.0)
    noise = np.linspace(0.001, 0.002, 40)  # growing: e_k is off by the largest later noise
    fit = fit_decay(c, 1e-30, noise=noise)
    assert (fit.start, fit.stop) == (14, 29)
    assert fit.factor == pytest.approx(0.9, rel=1e-13)
    assert fit.rate == pytest.approx(-math.log(0.9), rel=1e-13)
    kw = np.arange(14.0, 30.0)
    coef = (kw - kw.mean()) / ((kw - kw.mean()) ** 2).sum()
    worst_noise = np.maximum.accumulate(noise[::-1])[::-1][14:30]
    unc = float(np.abs(coef) @ -np.log1p(-worst_noise / c[14:30]))
    assert fit.uncertainty == pytest.approx(unc, rel=1e-12)
    assert 0 <= fit.spread < 1e-15
    assert fit_decay(c, 1e-30).uncertainty == 0.0  # no noise by default
    # noise as large as the curve somewhere in the window: no bound on the slope
    assert fit_decay(c, 1e-30, noise=c[29]).uncertainty == math.inf
    # the floor ends the window at the last index above it
    assert fit_decay(c, 3 * 0.9 ** 20).stop == 19
    assert fit_decay(c, 0.0, start_fraction=0.25).start == 7


def test_fit_decay_accepts_a_plateau_in_the_first_half_of_the_window():
    # flat on the first 4 of 10 indices, then halving: the largest value is in the first
    # half (index 0) and the middle value e_5 is below it, so the curve decays on the window
    c = np.concatenate([np.ones(4), 0.5 ** np.arange(1, 7)])
    fit = fit_decay(c, 0.0, start_fraction=1e-9)
    assert (fit.start, fit.stop) == (0, 9) and 0.5 < fit.factor < 0.7


def test_settled_fit_of_a_flat_curve_is_refused_as_not_decaying():
    # the local rates of a flat curve are all 0: settled from index 0 (spread 0 ≤ tol · 0),
    # then refused by the decay check (not reported as unsettled)
    with _raises_exactly(
            "rho: expected a curve that decays on its tail window [0, 39] (its largest value "
            "there lies in the window's second half: a growing, flat or too slowly oscillating "
            "curve has no fitted decay factor), " + _arr("40,")):
        fit_decay(np.ones(40), 0.0, settle=0.1)


def test_weighted_tail_sup_exact():
    S = weighted_tail_sup([1.0, 0.5, 0.25, 0.0], math.log(1.5))
    np.testing.assert_allclose(S, [1.0, 0.75, 0.5625, 0.0], rtol=1e-15)
    assert S[-1] == 0.0
    assert weighted_tail_sup([0.25, 1.0, 0.5], 0.0).tolist() == [1.0, 1.0, 0.5]


def test_power_bound_methods_and_fields():
    for W in ([[0.5]], [0.5], np.diag([0.5, 0.2]), np.array([0.3, -0.5]),
              np.array([sympy.Rational(1, 2), 0], dtype=object)):
        assert power_bound(W) == power_bound(W, method="diagonal")
        assert power_bound(W).method == "diagonal" and power_bound(W).M == 1.0
    assert power_bound([0.5], 0.5) == power_bound([0.5])  # r = ρ(W) is accepted
    assert power_bound([-0.5], 0.75).r == 0.75
    W = np.array([[0.5, 0.1], [0.2, 0.3]])
    for method in ("auto", "eig"):
        pb = power_bound(W, 0.9, method=method)
        assert (pb.q, pb.r, pb.method) == (0, 0.9, "eig")
        assert pb.M == float(np.linalg.cond(np.linalg.eig(W)[1]))
    schur = power_bound(W, 0.9, method="schur")
    assert (schur.r, schur.method) == (0.9, "schur")
    message = ("W: expected a matrix diagonalizable in float64 with kappa_2(V) < eps^(-1/2) for "
               "method 'eig' (use 'schur'), " + _arr("2, 2"))
    with _raises_exactly(message):
        power_bound(np.array([[0.5, 1e300], [0.0, 0.5]]), method="eig")
    # a defective W whose computed eigenvector matrix has a finite condition number (~2e16):
    # kappa_2(V) r^k with q = 0 would be false for large k, so 'eig' refuses it ...
    jordan = np.array([[0.5, 1.0], [0.0, 0.5]])
    assert math.isfinite(float(np.linalg.cond(np.linalg.eig(jordan)[1])))
    with _raises_exactly(message):
        power_bound(jordan, method="eig")
    # ... and 'auto' takes the Schur bound, which holds at every k
    pb = power_bound(jordan)
    assert pb.method == "schur" and pb.q == 1
    powers = [np.linalg.matrix_power(jordan, k) for k in (1, 10, 100, 1000)]
    for k, Wk in zip((1, 10, 100, 1000), powers):
        assert np.linalg.norm(Wk, 2) <= pb.M * (1 + k) ** pb.q * pb.r ** k


def test_sup_memory_of_one_direction():
    # h_k = 0.5 h_{k-1} + x_k, y = 2 h: y_{k+1} - y_k = 2 · 0.5^{k+1} x
    st = SSMStack([SSMLayer([0.5], [[1.0]], [[2.0]])], "identity")
    got = sup_memory(lambda u: run_stack_float(st, u), [[-2.0]], 4)
    np.testing.assert_allclose(got, [1.0, 0.5, 0.25], rtol=1e-15)


def test_integer_input_is_accepted():
    assert channel_norm([3, -4]) == 5.0
    assert step_input([1, 2], 2).tolist() == [[1, 2], [1, 2]]
    assert linear_memory(np.array([[[0]], [[3]], [[-2]]]), ord=math.inf).tolist() == [3, 2]


def test_stack_without_an_activation_object_is_refused_exactly():
    st = SSMStack([_LAYER, _LAYER], "tanh")
    st.activation = np.tanh  # not an Activation: no Lipschitz constant
    with _raises_exactly("stack.activation: expected an Activation, got <ufunc 'tanh'>"):
        memory_bound_constants(st, 1.0)


def test_bound_constant_of_two_layers_exact():
    # every term of the derivation enters K: layer 1 with D and b and two output channels,
    # sigmoid (Lip 1/4, σ(0) = 1/2), layer 2 with D and b; r = 0.5, p = 1
    l1 = SSMLayer([0.5], [[2.0]], [[3.0], [4.0]], [[1.0], [0.0]], [-1.0])
    l2 = SSMLayer([0.25, 0.5], [[1.0, 0.0], [0.0, 0.0]], [[0.0, 2.0]], [[0.0, 3.0]],
                  [0.0, 4.0])
    mb = memory_bound_constants(SSMStack([l1, l2], "sigmoid"), 1.5)
    Y1 = 5 * (2 * 1.5 + 1)  # ‖C_1‖ (‖U_1‖ |x| + |b_1|)
    Y0 = Y1 + 1 * 1.5  # |y_0| ≤ ‖C_1‖ G_0 + ‖D_1‖ |x|
    A = 0.25 * Y1
    V0 = 0.5 * math.sqrt(2) + 0.25 * Y0
    Y2 = 2 * ((1 * V0 + 4) + 1 * A) + 3 * A
    assert (mb.p, mb.r) == (1, 0.5)
    assert [pb.method for pb in mb.layers] == ["diagonal", "diagonal"]
    assert mb.K == pytest.approx(Y2 * 0.5 * 2 * (1 + tolerance(NumberKind.FLOAT, 6)), rel=1e-15)


def test_one_of_rule_accepts_or_names_the_parameter():
    # the rules table is built at import time, so its rules are also checked on a fresh rule
    rule = _one_of(lambda v: v in (1, 2), "1 or 2")
    assert rule(2, "n") == 2
    with _raises_exactly("n: expected 1 or 2, got 3"):
        rule(3, "n")


def test_settled_start_compares_each_suffix_with_its_own_mean():
    # suffix from j = 1: (2, 2, 1, 1), spread 1 ≤ 0.7 · mean 1.5; from j = 0 the spread 2
    # exceeds 0.7 · 1.2: the window starts at 1 (only starts ≤ last = 1 are candidates)
    rates = np.array([0.0, 2.0, 2.0, 1.0, 1.0])
    assert _settled_start(rates, 1, 0.7) == 1
    assert _settled_start(rates, 1, 0.1) is None
    assert _settled_start(rates, 4, 0.1) == 3
    assert _settled_start(np.full(5, 0.5), 2, 1e-12) == 0


def test_schur_bound_of_a_complex_matrix():
    # W = [[1/2, 2i], [0, 1/2]]: |N| = 2, q = 1, M = 1 + 2 / (1/2); W^k has the entry
    # 2i k (1/2)^(k-1), so dropping the imaginary part (q = 0, M = 1) would not be a bound
    W = np.array([[0.5, 2j], [0.0, 0.5]])
    pb = power_bound(W)
    assert (pb.method, pb.q, pb.r) == ("schur", 1, 0.5)
    assert pb.M == pytest.approx(5.0, rel=1e-14)
    P = np.eye(2)
    for k in range(60):
        assert np.linalg.norm(P, 2) <= pb(k) * (1 + 1e-12)
        P = W @ P


def test_power_bound_of_an_exact_matrix_is_that_of_its_float_rounding():
    exact = np.array([[sympy.Rational(1, 2), 1], [0, sympy.Rational(1, 3)]], dtype=object)
    rounded = np.array([[0.5, 1.0], [0.0, 1 / 3]])
    assert power_bound(exact) == power_bound(rounded)
    assert power_bound(exact).method == "eig"


def test_power_bound_names_check_stable_and_refuses_spectral_radius_one():
    with _raises_exactly("check_stable: expected True or False, got 'yes'"):
        power_bound(np.array([[0.5]]), check_stable="yes")
    stable = ("W: expected a stable matrix (spectral radius < 1; pass check_stable=False for a "
              "growing bound), ")
    with _raises_exactly(stable + _arr("1, 1")):
        power_bound(np.array([[1.0]]))
    with _raises_exactly(stable + _arr("2, 2")):
        power_bound(np.array([[1.0, 1.0], [0.0, 0.5]]))


def test_eig_bound_refuses_a_condition_number_of_exactly_eps_to_the_minus_half():
    # W = [[1/2, b], [0, 1/2 + 2^-20]]: κ_2(V) grows with b; b is tuned (float by float) until
    # the computed κ_2(V) equals the threshold ε^(-1/2) = 2^26 exactly. The threshold is strict:
    # there 'eig' refuses and 'auto' takes Schur; at a b whose κ_2(V) lies below it, 'eig' holds
    limit = np.finfo(float).eps ** -0.5
    assert limit == 2.0 ** 26

    def matrix(b: float) -> np.ndarray:
        return np.array([[0.5, b], [0.0, 0.5 + 2.0 ** -20]])

    def kappa(b: float) -> float:
        return float(np.linalg.cond(np.linalg.eig(matrix(b))[1]))

    b = 1.0
    for _ in range(4):  # κ_2(V) is proportional to b here, up to rounding
        b *= limit / kappa(b)
    for _ in range(64):
        b = math.nextafter(b, 0.0)
    scanned = []
    for _ in range(128):
        scanned.append((kappa(b), b))
        b = math.nextafter(b, math.inf)
    ties = [b for k, b in scanned if k == limit]
    below = [(k, b) for k, b in scanned if k < limit]
    assert ties and below, "no scanned b gives kappa_2(V) = eps^(-1/2) and one below it"
    message = ("W: expected a matrix diagonalizable in float64 with kappa_2(V) < eps^(-1/2) for "
               "method 'eig' (use 'schur'), " + _arr("2, 2"))
    with _raises_exactly(message):
        power_bound(matrix(ties[0]), method="eig")
    assert power_bound(matrix(ties[0])).method == "schur"
    k, b = below[-1]
    pb = power_bound(matrix(b))
    assert (pb.M, pb.q, pb.method) == (k, 0, "eig")
