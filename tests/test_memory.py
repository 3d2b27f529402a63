"""Tests of theory.memory: memory functions, the Theorem 3.13 bound, differences and fits."""

import dataclasses
import math
import re
from itertools import product

import mpmath
import numpy as np
import pytest
import scipy.linalg
import sympy
from bad_input_cases import check_every_case
from hypothesis import given
from hypothesis import strategies as st

from theory.activations import HARDTANH, IDENTITY, RELU, SIGMOID, TANH
from theory.layers import SSMLayer, SSMStack, UnstableLayerError
from theory.memory import (
    activation_difference,
    channel_norm,
    continuous_linear_memory,
    decay_rate_bound,
    difference_recursion,
    fit_decay,
    linear_memory,
    linear_memory_direction,
    memory_bound,
    memory_bound_constants,
    memory_curve,
    power_bound,
    step_differences,
    step_input,
    sup_memory,
    weighted_tail_sup,
)
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.stack_eval import run_stack_float

R = sympy.Rational


def _tight_stack(r=0.8, act="tanh"):
    """One scalar layer: ρ̂_k = r^{k+1} |x| equals the bound exactly."""
    return SSMStack([SSMLayer([r], [[1.0]], [[1.0]])], act)


def _random_stack(rng, act, depth=3, dense=True):
    layers, d = [], 2
    for _ in range(depth):
        m = 3
        W = rng.standard_normal((m, m)) if dense else np.diag(rng.uniform(-1, 1, m))
        W *= rng.uniform(0.6, 0.9) / np.abs(np.linalg.eigvals(W)).max()
        layers.append(SSMLayer(W, rng.standard_normal((m, d)), rng.standard_normal((2, m)),
                               rng.standard_normal((2, d)), rng.standard_normal(m)))
    return SSMStack(layers, act)


# ------------------------------------------------------------------ definitions
def test_step_input_and_validation():
    u = step_input(np.array([[1.0, 2.0], [3.0, 4.0]]), 5)
    assert u.shape == (2, 5, 2) and np.all(u[1, :, 0] == 3.0)
    with pytest.raises(InvalidParameterError, match="T"):
        step_differences(lambda v: v, [1.0], 1)
    with pytest.raises(InvalidParameterError, match="system"):
        step_differences("not callable", [1.0], 4)
    with pytest.raises(InvalidParameterError, match="system"):
        step_differences(lambda v: v[..., :2, :], [1.0], 4)
    with pytest.raises(InvalidParameterError, match="ord"):
        channel_norm(np.ones(3), ord=1)


def test_linear_exact_differences_are_shifted_kernel_and_d_drops_out():
    layer = SSMLayer([[R(1, 2), R(1, 3)], [0, R(-1, 4)]], [[1], [2]], [[1, -1]], [[R(7, 3)]])
    x = np.array([R(3, 5)], dtype=object)
    T = 8
    diff = step_differences(lambda u: layer.run(u[0])[None], x[None], T)[0]
    K = layer.kernel(T)
    for k in range(T - 1):
        assert sympy.expand(diff[k, 0] - (K[k + 1] @ x)[0]) == 0
    # exact memory equals |K_{k+1} x| (no D) and the exact normalized memory sums |K|
    rho = memory_curve(lambda u: layer.run(u[0])[None], x[None], T)[0]
    assert all(sympy.simplify(a - b) == 0
               for a, b in zip(rho, linear_memory_direction(K, x)))
    M = linear_memory(K, ord=math.inf)
    assert all(sympy.simplify(M[k] - abs(K[k + 1][0, 0])) == 0 for k in range(T - 1))
    # negative control: the unshifted kernel (including D) is not the memory
    assert sympy.simplify(rho[0] - abs((K[0] @ x)[0])) != 0


def test_linear_memory_is_the_induced_norm():
    rng = np.random.default_rng(0)
    K = rng.standard_normal((5, 3, 4))
    for ord in (2, math.inf):
        M = linear_memory(K, ord=ord)
        X = rng.uniform(-1, 1, (4000, 4))
        brute = np.linalg.norm(np.einsum("kpd,nd->knp", K[1:], X), ord=ord, axis=-1).max(1)
        assert np.all(brute <= M * (1 + tolerance(NumberKind.FLOAT, 10)))
        signs = np.array(np.meshgrid(*[[1, -1]] * 4)).reshape(4, -1).T
        est = sup_memory(lambda u: np.einsum("spd,ntd->ntp", K[:1], u) +
                         np.cumsum(np.einsum("spd,nd->nsp", K, u[:, 0]), axis=1)[:, :u.shape[1]]
                         - np.einsum("spd,nd->nsp", K[:1], u[:, 0]),
                         signs, 5, ord=ord)
        assert np.allclose(est, M, rtol=tolerance(NumberKind.FLOAT, 100))
    with pytest.raises(InvalidParameterError, match="kernel"):
        linear_memory(np.ones((3, 1, 20)), ord=2)


def test_continuous_memory_is_the_derivative_of_the_step_response():
    W = np.array([[-1.0, 2.0], [-2.0, -1.0]])
    layer = SSMLayer(W, [[1.0], [0.5]], [[1.0, -1.0]], [[3.0]], [0.2, 0.1], time="continuous")
    x = np.array([0.7])
    t = np.array([0.5, 1.0, 2.0])
    rho = continuous_linear_memory(layer, x, t)
    h = 1e-5
    ys = np.array([layer.run_continuous(np.array([x, x]), [0, s - h, s + h])[:, 0]
                   for s in t])  # y(s - h), y(s + h)
    fd = np.abs((ys[:, 1] - ys[:, 0]) / (2 * h))
    assert np.allclose(rho, fd, rtol=1e-6)  # central difference error O(h^2) ≈ 1e-10
    expected = np.abs([(layer.C @ scipy.linalg.expm(W * s) @ (layer.U @ x + layer.b))[0]
                       for s in t])
    assert np.allclose(rho, expected, rtol=tolerance(NumberKind.FLOAT, 10))
    with pytest.raises(InvalidParameterError, match="layer"):
        continuous_linear_memory(SSMLayer([0.5], [[1.0]], [[1.0]]), x, t)


# ------------------------------------------------------------------ power bounds
def _power_bound_holds(method):
    rng = np.random.default_rng(1)
    W = rng.standard_normal((4, 4))
    W *= 0.9 / np.abs(np.linalg.eigvals(W)).max()
    pb = power_bound(W, method=method)
    P = np.eye(4)
    for k in range(300):
        assert np.linalg.norm(P, 2) <= pb(k) * (1 + 1e-9)
        P = W @ P


def test_power_bound_holds() -> None:
    """Power bound holds: every case of the table."""
    check_every_case(_power_bound_holds, product(["eig", "schur"]))


def test_schur_bound_for_a_defective_matrix_and_validation():
    J = np.array([[0.5, 1.0, 0.0], [0.0, 0.5, 1.0], [0.0, 0.0, 0.5]])
    pb = power_bound(J)
    assert pb.method == "schur" and pb.q == 2
    P = np.eye(3)
    for k in range(200):
        assert np.linalg.norm(P, 2) <= pb(k) * (1 + 1e-12)
        P = J @ P
    # negative control: dropping the polynomial factor is not a bound for a Jordan block
    P = np.linalg.matrix_power(J, 40)
    assert np.linalg.norm(P, 2) > dataclasses.replace(pb, q=0)(40)
    assert power_bound(np.array([0.3, -0.7])) == power_bound(np.array([0.3, -0.7]), 0.7)
    with pytest.raises(InvalidParameterError, match="r"):
        power_bound(J, 0.4)
    with pytest.raises(InvalidParameterError, match="method"):
        power_bound(J, method="qr")


def _schur_power_bound_is_attained_by_a_jordan_block(q):
    # J = r I + a S (S the shift, q + 1 states): ‖J^k‖ ≥ C(k, q) a^q r^(k-q), and the bound
    # M (1+k)^q r^k with M = Σ_{j≤q} (a/r)^j / j! approaches it as a/r → ∞ and k → ∞: here
    # within 0.5 %, so dropping the top term of M (or any factor 1.005) is caught.
    r, a, k = 0.9, 900.0, 2000
    J = r * np.eye(q + 1) + a * np.eye(q + 1, k=1)
    pb = power_bound(J)
    assert (pb.method, pb.q) == ("schur", q)
    assert pb.M == pytest.approx(sum((a / r) ** j / math.factorial(j) for j in range(q + 1)),
                                 rel=1e-12)
    ratio = pb(k) / np.linalg.norm(np.linalg.matrix_power(J, k), 2)
    assert 1 <= ratio <= 1.005


def test_schur_power_bound_is_attained_by_a_jordan_block() -> None:
    """Schur power bound is attained by a jordan block: every case of the table."""
    check_every_case(_schur_power_bound_is_attained_by_a_jordan_block, product([1, 2]))


def test_eig_power_bound_is_attained_by_a_normal_matrix():
    # a scaled rotation is normal: κ_2(V) = 1 and ‖W^k‖ = r^k exactly
    r, t = 0.8, 0.7
    W = r * np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    pb = power_bound(W)
    assert pb.method == "eig" and pb.q == 0
    P = np.eye(2)
    for k in range(60):
        assert pb(k) / np.linalg.norm(P, 2) == pytest.approx(1, abs=tolerance(NumberKind.FLOAT,
                                                                               10 * (k + 1)))
        P = W @ P


# ------------------------------------------------------------------ Theorem 3.13 bound
def test_bound_is_attained_by_one_scalar_layer_and_tightened_bounds_fail():
    st = _tight_stack(0.8)
    x = np.array([[1.5]])
    rho = memory_curve(lambda u: run_stack_float(st, u), x, 60)[0]
    mb = memory_bound_constants(st, 1.5)
    k = np.arange(59)
    assert mb.p == 0 and mb.r == 0.8
    assert np.allclose(mb(k), rho, rtol=1e-9)
    assert np.all(dataclasses.replace(mb, K=mb.K / 10)(k) < rho)
    assert np.all(dataclasses.replace(mb, r=mb.r * 0.9)(k[1:]) < rho[1:])


def _bound_ratio(st, x, T=200):
    """``bound_k / ρ̂_k`` on the step input ``x`` (one direction) and the bound's constants."""
    rho = np.linalg.norm(difference_recursion(st, np.atleast_2d(x), T)[0], axis=-1)
    mb = memory_bound_constants(st, float(np.linalg.norm(x)))
    return mb(np.arange(T - 1)) / rho, mb


def test_bound_is_attained_through_the_sigma_zero_offset():
    # x = 0: layer 1 outputs 0 on p = 3 channels, layer 2 reads σ(0) = 1/2 along its input row,
    # so ρ̂_k = |c_2 u_2| (p/2) r_2^(k+1), exactly the bound (its σ(0) √p term; r_1 < r_2)
    p = 3
    st = SSMStack([SSMLayer([0.6], [[1.0]], np.ones((p, 1))),
                   SSMLayer([-0.7], np.full((1, p), 0.5), [[2.0]])], "sigmoid")
    ratio, mb = _bound_ratio(st, [0.0])
    assert mb.p == 0 and mb.K == pytest.approx(2.0 * 0.5 * p * 0.5 * 0.7, rel=1e-9)
    np.testing.assert_allclose(ratio, 1, rtol=1e-9)


def test_bound_of_a_jordan_layer_is_attained_within_two():
    # W = [[r, a], [0, r]], read across the chain: ρ̂_k = a (k+1) |r|^k |x| and the bound is
    # 2 (|r| + a) (1+k) |r|^k |x|: the ratio is 2 (1 + |r|/a) at every k (2^p from the shift
    # of the memory index, the rest from the Schur constant)
    r, a = -0.8, 3.0
    st = SSMStack([SSMLayer([[r, a], [0.0, r]], [[0.0], [1.0]], [[1.0, 0.0]])], "tanh")
    ratio, mb = _bound_ratio(st, [1.5])
    assert mb.p == 1 and mb.layers[0].method == "schur"
    np.testing.assert_allclose(ratio, 2 * (1 + abs(r) / a), rtol=1e-9)


def test_bound_of_two_layers_is_attained_within_two_at_the_first_index():
    # equal radii and ReLU on positive signals (a linear chain): ρ̂_k = P (k+2) r^(k+1) against
    # 4 P (1+k) r^(k+1), ratio 4 (1+k)/(k+2): 2 at k = 0 (the Lipschitz propagation term)
    st = SSMStack([SSMLayer([0.7], [[1.5]], [[0.8]]), SSMLayer([0.7], [[1.2]], [[-2.0]])],
                  "relu")
    ratio, mb = _bound_ratio(st, [2.0])
    k = np.arange(ratio.size)
    assert mb.p == 1
    np.testing.assert_allclose(ratio, 4 * (1 + k) / (k + 2), rtol=1e-9)


def test_fitted_factor_is_the_least_squares_factor_of_the_bound_shape():
    mb = memory_bound_constants(_random_stack(np.random.default_rng(7), "tanh", depth=2), 1.0)
    k = np.arange(300, 601)
    for extra in (0, 1, 2):
        shape = np.log(mb.K) + (mb.p + extra) * np.log1p(k) + k * np.log(mb.r)
        expected = math.exp(np.polyfit(k, shape, 1)[0])
        assert mb.fitted_factor(300, 600, extra_degree=extra) == pytest.approx(expected,
                                                                                rel=1e-12)


def _bound_holds_on_random_stacks(act):
    rng = np.random.default_rng(2)
    for _ in range(5):
        st = _random_stack(rng, act)
        X = rng.standard_normal((3, 2)) * 3
        rho = memory_curve(lambda u, st=st: run_stack_float(st, u), X, 200)
        for x, c in zip(X, rho):
            bound = memory_bound(st, np.linalg.norm(x), np.arange(199))
            assert np.all(c <= bound + tolerance(NumberKind.FLOAT, 1e3))


def test_bound_holds_on_random_stacks() -> None:
    """Bound holds on random stacks: every case of the table."""
    check_every_case(
        _bound_holds_on_random_stacks, product(["tanh", "relu", "sigmoid", "hardtanh"]))


def test_polynomial_degree_and_rate():
    rng = np.random.default_rng(3)
    st = _random_stack(rng, "tanh", depth=3, dense=False)
    mb = memory_bound_constants(st, 1.0)
    assert mb.p == 2 and all(pb.method == "diagonal" for pb in mb.layers)
    r = max(float(layer.spectral_radius()) for layer in st.layers)
    assert decay_rate_bound(st) == pytest.approx(-math.log(r), rel=1e-15)
    assert mb.rate == pytest.approx(-math.log(r), rel=1e-15)


def test_unstable_layer_is_refused_and_a_forced_stable_bound_is_violated():
    st = SSMStack([SSMLayer([1.05], [[1.0]], [[1.0]], require_stable=False)], "tanh")
    with pytest.raises(UnstableLayerError, match="spectral radius"):
        memory_bound(st, 1.0, 3)
    with pytest.raises(UnstableLayerError):
        decay_rate_bound(st)
    rho = np.abs(np.diff(st.run(np.ones((80, 1)))[:, 0]))
    k = np.arange(79)
    # past validation the derivation still gives a (growing) upper bound ...
    forced = memory_bound_constants(st, 1.0, check_stable=False)
    assert np.all(rho <= forced(k) * (1 + 1e-9))
    # ... but pretending the layer is stable (r = 0.99) is violated
    assert np.any(rho > dataclasses.replace(forced, r=0.99)(k))


def test_bad_activation_and_input_are_refused():
    layer = SSMLayer([0.5], [[1.0]], [[1.0]])
    st = SSMStack([layer, layer], "tanh")
    st.activation = np.tanh  # not an Activation: no Lipschitz constant
    with pytest.raises(InvalidParameterError, match="stack.activation"):
        memory_bound(st, 1.0, 3)
    with pytest.raises(InvalidParameterError, match="x_norm"):
        memory_bound(_tight_stack(), -1.0, 3)
    with pytest.raises(InvalidParameterError, match="stack"):
        memory_bound("stack", 1.0, 3)
    cont = SSMStack([SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous")], "tanh")
    with pytest.raises(InvalidParameterError, match="discrete"):
        memory_bound(cont, 1.0, 3)


# ------------------------------------------------------------------ differences and fits
#: Values of ``act`` in :func:`test_activation_difference_is_accurate`.
DIFFERENCE_ACTIVATIONS = [TANH, SIGMOID, RELU, HARDTANH, IDENTITY]


def _activation_difference_is_accurate(act):
    rng = np.random.default_rng(4)
    a = rng.uniform(-3, 3, 200)
    d = rng.standard_normal(200) * 10.0 ** rng.uniform(-12, 0, 200)
    got = activation_difference(act, a, d)
    with mpmath.workdps(40):
        f = {"tanh": mpmath.tanh, "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
             "relu": lambda z: max(z, 0), "hardtanh": lambda z: min(max(z, -1), 1),
             "identity": lambda z: z}[act.name]
        ref = np.array([float(f(mpmath.mpf(ai) + mpmath.mpf(di)) - f(mpmath.mpf(ai)))
                        for ai, di in zip(a, d)])
    err = np.abs(got - ref)
    assert np.all(err <= 1e-14 * np.abs(ref) + 1e-300)
    if act is TANH:  # negative control: the direct difference loses the relative precision
        direct = np.tanh(a + d) - np.tanh(a)
        assert np.max(np.abs(direct - ref) / np.abs(ref)) > 1e-6


def test_activation_difference_is_accurate() -> None:
    """Activation difference is accurate: every case of ``DIFFERENCE_ACTIVATIONS``."""
    check_every_case(
        _activation_difference_is_accurate, product(DIFFERENCE_ACTIVATIONS))


def _difference_recursion_matches_direct_differences(act):
    rng = np.random.default_rng(5)
    st = _random_stack(rng, act)
    X = rng.standard_normal((3, 2))
    rec = difference_recursion(st, X, 150)
    direct = step_differences(lambda u: run_stack_float(st, u), X, 150)
    scale = np.abs(run_stack_float(st, step_input(X, 150))).max()
    assert np.max(np.abs(rec - direct)) <= tolerance(NumberKind.FLOAT, 10 * scale)


def test_difference_recursion_matches_direct_differences() -> None:
    """Difference recursion matches direct differences: every case of the table."""
    check_every_case(
        _difference_recursion_matches_direct_differences,
        product(["tanh", "relu", "sigmoid", "hardtanh"]))


def test_fit_and_weighted_tail_follow_theorem_3_13():
    k = np.arange(400)
    fit = fit_decay(3.0 * 0.9 ** k, 1e-30)
    assert fit.factor == pytest.approx(0.9, rel=1e-12) and fit.stop == 399
    assert fit_decay(np.full(50, 1e-20), 1e-16) is None
    rng = np.random.default_rng(6)
    st = _random_stack(rng, "tanh", depth=2)
    rho = np.linalg.norm(difference_recursion(st, rng.standard_normal((1, 2)), 1500)[0],
                         axis=-1)
    beta = decay_rate_bound(st)
    S = weighted_tail_sup(rho, beta - 0.05)  # c_0 < β: tends to 0
    assert S[-1] < 1e-12 * S[0] and np.all(np.diff(S) <= 0)
    # negative control: c_0 > β makes the weighted memory blow up
    assert weighted_tail_sup(rho, beta + 0.05)[-1] > 1e6 * rho[0]


# ------------------------------------------------------------------ bad input
_NAN = float("nan")
_LAYER = SSMLayer([0.5], [[1.0]], [[1.0]])
_ST = SSMStack([_LAYER, _LAYER], "tanh")
_CONT = SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous")
_K = np.ones((4, 1, 2))
_DECAY = 0.9 ** np.arange(100.0)


#: Cases ``(call, name)`` of :func:`test_bad_input_is_refused_naming_the_parameter`.
BAD_INPUT = [
    (lambda: step_input([1.0], 0), "T"),
    (lambda: step_input([1.0], 2.5), "T"),
    (lambda: step_input([_NAN], 3), "x"),
    (lambda: step_input(1.0, 3), "x"),
    (lambda: step_input(["a"], 3), "x"),
    (lambda: step_differences(lambda u: u, [1.0], 1), "T"),
    (lambda: step_differences(lambda u: u * _NAN, [1.0], 4), "system"),
    (lambda: step_differences(lambda u: u[..., 0], [1.0], 4), "system"),
    (lambda: memory_curve(lambda u: u, [np.inf], 4), "x"),
    (lambda: channel_norm([1.0, _NAN]), "v"),
    (lambda: channel_norm(3.0), "v"),
    (lambda: channel_norm([1.0], ord=_NAN), "ord"),
    (lambda: sup_memory(lambda u: u, [[_NAN]], 4), "directions"),
    (lambda: sup_memory(lambda u: u, [1.0], 4), "directions"),
    (lambda: sup_memory(lambda u: u, [[0.0]], 4), "directions"),
    (lambda: linear_memory(_K * _NAN), "kernel"),
    (lambda: linear_memory(np.ones((1, 1, 1))), "kernel"),
    (lambda: linear_memory(_K, ord=1), "ord"),
    (lambda: linear_memory_direction(_K, [1.0, _NAN]), "x"),
    (lambda: linear_memory_direction(_K, [1.0]), "x"),
    (lambda: continuous_linear_memory(_CONT, [1.0], [-1.0]), "t"),
    (lambda: continuous_linear_memory(_CONT, [1.0], [_NAN]), "t"),
    (lambda: continuous_linear_memory(_CONT, [_NAN], [1.0]), "x"),
    (lambda: continuous_linear_memory(_CONT, [1.0], [[1.0]]), "t"),
    (lambda: power_bound([[_NAN]]), "W"),
    (lambda: power_bound(np.ones((2, 3))), "W"),
    (lambda: power_bound(np.ones(0)), "W"),
    (lambda: power_bound([0.5], _NAN), "r"),
    (lambda: power_bound([0.5], np.inf), "r"),
    (lambda: power_bound(np.diag([0.5, 0.2]), method="diagonal")(-1), "k"),
    (lambda: power_bound([0.5])([_NAN]), "k"),
    (lambda: memory_bound_constants(_ST, _NAN), "x_norm"),
    (lambda: memory_bound_constants(_ST, np.inf), "x_norm"),
    (lambda: memory_bound_constants(_ST, 1.0, r=_NAN), "r"),
    (lambda: memory_bound_constants(_ST, 1.0, r=0.4), "r"),
    (lambda: memory_bound_constants(_ST, 1.0, check_stable="no"), "check_stable"),
    (lambda: memory_bound(_ST, 1.0, -1), "k"),
    (lambda: decay_rate_bound(_LAYER), "stack"),
    (lambda: memory_bound_constants(_ST, 1.0).fitted_factor(5, 5), "stop"),
    (lambda: memory_bound_constants(_ST, 1.0).fitted_factor(-1, 5), "start"),
    (lambda: memory_bound_constants(_ST, 1.0).fitted_factor(0, 5, extra_degree=-1),
     "extra_degree"),
    (lambda: activation_difference(np.tanh, [0.0], [1.0]), "act"),
    (lambda: activation_difference(TANH, [_NAN], [1.0]), "a"),
    (lambda: activation_difference(TANH, [0.0], [np.inf]), "d"),
    (lambda: activation_difference(TANH, np.zeros(2), np.zeros(3)), "d"),
    (lambda: difference_recursion(_ST, [[_NAN]], 5), "x"),
    (lambda: difference_recursion(_ST, [[1.0]], 1), "T"),
    (lambda: difference_recursion(_ST, [1.0], 5), "x"),
    (lambda: fit_decay([1.0, _NAN, 0.5], 0.0), "rho"),
    (lambda: fit_decay(-_DECAY, 0.0), "rho"),
    (lambda: fit_decay(np.ones((2, 3)), 0.0), "rho"),
    (lambda: fit_decay(_DECAY, _NAN), "floor"),
    (lambda: fit_decay(_DECAY, -1.0), "floor"),
    (lambda: fit_decay(_DECAY, 0.0, noise=_NAN), "noise"),
    (lambda: fit_decay(_DECAY, 0.0, noise=np.ones(3)), "noise"),
    (lambda: fit_decay(_DECAY, 0.0, start_fraction=1.0), "start_fraction"),
    (lambda: fit_decay(_DECAY, 0.0, start_fraction=_NAN), "start_fraction"),
    (lambda: fit_decay(_DECAY, 0.0, min_points=1), "min_points"),
    (lambda: fit_decay(_DECAY, 0.0, settle=0.0), "settle"),
    (lambda: fit_decay(_DECAY, 0.0, settle=_NAN), "settle"),
    (lambda: fit_decay(_DECAY, 0.0, settle=-0.1), "settle"),
    (lambda: step_differences(lambda u: u, [1.0], 4, subtract_zero_response=1),
     "subtract_zero_response"),
    (lambda: sup_memory(lambda u: u, [[1.0]], 4, subtract_zero_response="yes"),
     "subtract_zero_response"),
    (lambda: weighted_tail_sup([1.0, _NAN], 0.1), "rho"),
    (lambda: weighted_tail_sup(_DECAY, _NAN), "c0"),
    (lambda: weighted_tail_sup(_DECAY, np.inf), "c0"),
]


def _bad_input_is_refused_naming_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{re.escape(name)}: "):
        call()


def test_bad_input_is_refused_naming_the_parameter() -> None:
    """Bad input is refused naming the parameter: every case of ``BAD_INPUT``."""
    check_every_case(
        _bad_input_is_refused_naming_the_parameter, BAD_INPUT)


#: Values of ``curve`` in :func:`test_fit_decay_refuses_curves_without_decay`.
CURVES_WITHOUT_DECAY = (
    [1.01 ** np.arange(200.0), np.ones(200),
     np.r_[0.9 ** np.arange(120.0), 1.2 ** np.arange(80.0)]]
)


def _fit_decay_refuses_curves_without_decay(curve):
    # growing, flat, or growing again in the window's second half: the envelope is flat over
    # the first half of the window, and no factor (the envelope's would be ≈ 1) is reported
    with pytest.raises(InvalidParameterError, match="decay"):
        fit_decay(curve, 0.0)


def test_fit_decay_refuses_curves_without_decay() -> None:
    """Fit decay refuses curves without decay: every case of ``CURVES_WITHOUT_DECAY``."""
    check_every_case(
        _fit_decay_refuses_curves_without_decay,
        product(CURVES_WITHOUT_DECAY))


def test_weighted_tail_sup_has_no_nan_beyond_the_float_range():
    S = weighted_tail_sup([1.0, 0.0, 1.0, 0.0], 400.0)  # e^800 overflows, 0 · e^1200 is 0
    assert not np.any(np.isnan(S)) and S[0] == np.inf and S[-1] == 0.0


@given(f=st.floats(0.5, 0.99), c=st.floats(1e-3, 1e3), n=st.integers(40, 400))
def test_fit_decay_recovers_any_geometric_factor(f, c, n):
    fit = fit_decay(c * f ** np.arange(n), 0.0)
    assert fit.factor == pytest.approx(f, rel=1e-9) and fit.stop == n - 1


@given(g=st.floats(1.0, 1.2), n=st.integers(40, 300))
def test_fit_decay_refuses_every_non_decaying_geometric_curve(g, n):
    with pytest.raises(InvalidParameterError, match="decay"):
        fit_decay(g ** np.arange(n), 0.0)


# ------------------------------------------------------------------ bias response
def _biased_scalar():
    """h_k = 0.8 h_{k-1} + x_k + 1, y_k = h_k (the example of issue 9)."""
    st = SSMStack([SSMLayer([0.8], [[1.0]], [[1.0]], b=[1.0])], "identity")
    return lambda u: run_stack_float(st, u)


def test_bias_transient_is_not_memory():
    f, T = _biased_scalar(), 40
    k = np.arange(T - 1)
    truth = 0.8 ** (k + 1)  # |K_{k+1}| of the linear part
    # the raw curve moves at x = 0 (the bias's own transient) and its ratio blows up as x → 0
    assert np.allclose(memory_curve(f, [0.0], T), truth, rtol=1e-12)
    raw = sup_memory(f, [[1e-6]], T, subtract_zero_response=False)
    assert raw[0] == pytest.approx(0.8e6, rel=1e-5)
    # with the zero-input response subtracted the memory is the linear part's, at every size
    assert np.array_equal(memory_curve(f, [0.0], T, subtract_zero_response=True), np.zeros(T - 1))
    # (up to the rounding of a difference of outputs of size <= 5 + |x|, divided by |x|)
    for size in (1.0, 1e-3, 1e-6, -2.0):
        m = sup_memory(f, [[size]], T)
        floor = tolerance(NumberKind.FLOAT, 5 + abs(size)) / abs(size)
        assert np.allclose(m, truth, rtol=1e-12, atol=floor), size
        assert np.max(m) <= 0.8 + floor
    diffs = step_differences(f, [[1e-6]], T, subtract_zero_response=True)[0, :, 0]
    assert np.allclose(diffs, 1e-6 * truth, rtol=1e-12, atol=tolerance(NumberKind.FLOAT, 5.0))


def test_subtracted_memory_of_a_biased_tanh_stack_stays_bounded_as_x_goes_to_zero():
    # the biased layer, tanh, then a second scalar layer: nonlinear in x
    st = SSMStack([SSMLayer([0.8], [[1.0]], [[1.0]], b=[1.0]),
                   SSMLayer([0.5], [[1.0]], [[1.0]])], "tanh")
    f, T = (lambda u: run_stack_float(st, u)), 30
    raw = sup_memory(f, [[1e-6]], T, subtract_zero_response=False)
    assert raw.max() > 1e4  # the bias transient divided by 1e-6
    ratios = [sup_memory(f, [[s]], T) for s in (1e-1, 1e-2, 1e-3)]
    assert max(r.max() for r in ratios) < 2  # bounded: at most ‖linearization‖, not 1/|x|
    # the limit x → 0 exists (the linearization's memory): the ratios converge like O(|x|)
    d1 = np.abs(ratios[1] - ratios[0]).max()
    d2 = np.abs(ratios[2] - ratios[1]).max()
    assert d2 < d1 / 5


# ------------------------------------------------------------------ settled fit window
def _kink(rates, at, n):
    """A curve with per-step rate ``rates[0]`` up to ``at`` and ``rates[1]`` after it."""
    k = np.arange(n, dtype=float)
    logc = -rates[0] * np.minimum(k, at) - rates[1] * np.maximum(k - at, 0)
    return np.exp(logc)


def test_settled_window_starts_after_a_transient():
    # fast transient (rate 0.3) then the asymptotic rate 0.1 from k = 150
    curve = _kink((0.3, 0.1), 150, 401)
    fit = fit_decay(curve, 0.0, settle=1e-9)
    assert fit.start == 150 and fit.stop == 400
    assert fit.rate == pytest.approx(0.1, rel=1e-12) and fit.spread < 1e-12
    loose = fit_decay(curve, 0.0, settle=0.1)
    assert loose.start <= 150 and loose.rate == pytest.approx(0.1, rel=0.02)


def test_settled_window_refuses_a_transient_the_half_window_fits():
    # slow start (rate 0.02) bending to 0.1 at k = 250: [b/2, b] straddles the bend and reports
    # a wrong rate; the settled fit has no settled half and refuses
    curve = _kink((0.02, 0.1), 250, 401)
    half = fit_decay(curve, 0.0)
    assert abs(half.rate - 0.1) > 0.005
    assert fit_decay(curve, 0.0, settle=0.1) is None


def test_settled_window_refuses_a_curve_that_never_settles():
    k = np.arange(300.0)
    assert fit_decay(np.exp(-1e-3 * k ** 2), 0.0, settle=0.1) is None  # faster and faster
    fit = fit_decay(np.exp(-1e-3 * k ** 2), 0.0, settle=10.0)  # a huge tolerance accepts it
    assert fit is not None and fit.spread > 0.1


@given(f=st.floats(0.5, 0.99), c=st.floats(1e-3, 1e3), n=st.integers(40, 400))
def test_settled_fit_of_a_geometric_curve_is_exact(f, c, n):
    fit = fit_decay(c * f ** np.arange(n), 0.0, settle=1e-6)
    assert fit.start == 0 and fit.factor == pytest.approx(f, rel=1e-9)
    assert fit.spread <= 1e-9 * fit.rate
