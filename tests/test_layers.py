"""Tests of theory.layers: SSMLayer / SSMStack in each kind, kernels, stability, validation."""

from __future__ import annotations

from itertools import product

import mpmath
import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case

from theory.layers import SSMLayer, SSMStack, UnstableLayerError
from theory.numbers import InvalidParameterError, NumberKind

R = sympy.Rational


def _random_layer(rng, m, d_in, d_out, diagonal=False, bias=True):
    W = rng.uniform(-0.8, 0.8, m) if diagonal else rng.normal(size=(m, m)) * 0.25
    return SSMLayer(W, rng.normal(size=(m, d_in)), rng.normal(size=(d_out, m)),
                    rng.normal(size=(d_out, d_in)), rng.normal(size=m) if bias else None)


def _run_is_kernel_convolution_plus_bias_response(diagonal):
    rng = np.random.default_rng(0)
    layer = _random_layer(rng, 4, 2, 3, diagonal)
    x = rng.normal(size=(12, 2))
    K = layer.kernel(12)
    nobias = SSMLayer(layer.W, layer.U, layer.C, layer.D)
    conv = np.array([sum(K[s] @ x[t - s] for s in range(t + 1)) for t in range(12)])
    assert np.allclose(nobias.run(x), conv, atol=1e-12)
    bias_only = layer.run(np.zeros((12, 2)))
    assert np.allclose(layer.run(x), conv + bias_only, atol=1e-12)
    assert not np.allclose(bias_only, 0)


def test_run_is_kernel_convolution_plus_bias_response() -> None:
    """Run is kernel convolution plus bias response: every case of the table."""
    check_every_case(_run_is_kernel_convolution_plus_bias_response, product([False, True]))


def test_exact_layer_hand_computed():
    layer = SSMLayer([[R(1, 2), 1], [0, R(-1, 3)]], [[1], [2]], [[1, 1]], b=[1, 0])
    assert layer.kind is NumberKind.EXACT
    y = layer.run([[1], [2], [3]])
    # h1 = (2, 2); h2 = W h1 + U*2 + b = (3+2+1, -2/3+4) = (6, 10/3); y2 = 28/3
    assert list(y[:, 0]) == [4, R(28, 3), R(137, 9)]
    assert list(layer.kernel(3)[:, 0, 0]) == [3, R(11, 6), R(29, 36)]
    assert layer.spectral_radius() == R(1, 2) and layer.stability_margin() == sympy.log(2)


def test_stability_quantities():
    rng = np.random.default_rng(1)
    layer = _random_layer(rng, 5, 1, 1)
    r = max(abs(np.linalg.eigvals(layer.W)))
    assert np.isclose(layer.spectral_radius(), r)
    assert np.isclose(layer.stability_margin(), -np.log(r)) and layer.is_stable()
    nil = SSMLayer(np.diag(np.ones(2), -1), np.ones((3, 1)), np.ones((1, 3)))
    assert nil.spectral_radius() == 0 and nil.stability_margin() == np.inf
    cont = SSMLayer(np.array([[-1.0, 5.0], [0.0, -0.5]]), np.ones((2, 1)), np.ones((1, 2)),
                    time="continuous")
    assert np.isclose(cont.stability_margin(), 0.5) and np.isclose(cont.decay_factor(),
                                                                   np.exp(-0.5))
    with mpmath.workdps(30):
        mp = SSMLayer(np.array([mpmath.mpf("0.5"), mpmath.mpf("-0.25")], dtype=object),
                      np.ones((2, 1)), np.ones((1, 2)))
        assert mp.kind is NumberKind.MPMATH and mp.spectral_radius() == mpmath.mpf("0.5")


def test_continuous_zoh_matches_fine_euler_and_nonuniform_grid():
    rng = np.random.default_rng(2)
    W = np.array([[-1.0, 0.3], [-0.2, -0.7]])
    layer = SSMLayer(W, rng.normal(size=(2, 1)), rng.normal(size=(1, 2)), b=[0.1, -0.2],
                     time="continuous")
    x = rng.normal(size=(5, 1))
    y = layer.run_continuous(x, np.linspace(0, 1, 6))
    # reference: the same piecewise-constant input integrated with tiny Euler steps
    h, out, n = np.zeros(2), [], 4000
    for k in range(5):
        for _ in range(n):
            h = h + (0.2 / n) * (W @ h + layer.U @ x[k] + layer.b)
        out.append(layer.C @ h)
    assert np.allclose(y, out, atol=1e-3)
    grid = np.array([0, 0.2, 0.5, 0.55, 0.9, 1.0])
    piecewise = [layer.discretize(dt).run(x[k:k + 1]) for k, dt in enumerate(np.diff(grid))]
    assert piecewise[0].shape == (1, 1)
    y2 = layer.run_continuous(x, grid)
    assert y2.shape == (5, 1) and np.isclose(y2[0, 0], piecewise[0][0, 0])


def test_stack_matches_manual_composition():
    rng = np.random.default_rng(3)
    l1, l2 = _random_layer(rng, 3, 2, 4), _random_layer(rng, 2, 4, 1, diagonal=True)
    stack = SSMStack([l1, l2], "tanh")
    x = rng.normal(size=(9, 2))
    assert np.allclose(stack.run(x), l2.run(np.tanh(l1.run(x))))
    assert stack.depth == 2 and stack.lipschitz == 1.0 and stack.widths == (3, 2)


def test_stack_promotes_float_to_mpmath():
    with mpmath.workdps(20):
        l1 = SSMLayer(np.array([mpmath.mpf(0)], dtype=object), [[1]], [[1]])
        stack = SSMStack([l1, SSMLayer([0.5], [[1.0]], [[2.0]])], "relu")
        assert stack.kind is NumberKind.MPMATH
        y = stack.run([[1], [-1]])
        assert y[0, 0] == 2 and y[1, 0] == 1  # relu(1)=1 -> 2; relu(-1)=0 -> 0.5*1*2


#: Cases ``(args, kwargs, match, error)`` of :func:`test_layer_validation`.
BAD_LAYERS = [
    ((np.eye(2) * 0.5, np.ones((3, 1)), np.ones((1, 3))), {}, "W", InvalidParameterError),
    ((np.zeros(2), np.ones((2, 1)), np.ones((1, 3))), {}, "C", InvalidParameterError),
    ((np.zeros(2), np.ones((2, 1)), np.ones((1, 2)), np.ones((2, 2))), {}, "D",
     InvalidParameterError),
    ((np.zeros(2), np.ones((2, 1)), np.ones((1, 2))), {"b": np.ones(3)}, "b",
     InvalidParameterError),
    ((np.array([np.nan, 0]), np.ones((2, 1)), np.ones((1, 2))), {}, "finite",
     InvalidParameterError),
    ((np.array([1.0, 0]), np.ones((2, 1)), np.ones((1, 2))), {}, "unstable",
     UnstableLayerError),
    ((np.array([0.5, 0]), np.ones((2, 1)), np.ones((1, 2))), {"time": "continuous"},
     "unstable", UnstableLayerError),
    ((np.zeros(2), np.ones((2, 1)), np.ones((1, 2))), {"time": "hybrid"}, "time",
     InvalidParameterError),
    (([R(1, 2)], [[0.5]], [[1]]), {}, "mix", InvalidParameterError),
]


def _layer_validation(args, kwargs, match, error):
    with pytest.raises(error, match=match):
        SSMLayer(*args, **kwargs)


def test_layer_validation() -> None:
    """Layer validation: every case of ``BAD_LAYERS``."""
    check_every_case(_layer_validation, BAD_LAYERS)


def test_unstable_allowed_on_request_and_reported():
    layer = SSMLayer([1.0], [[1.0]], [[1.0]], require_stable=False)
    assert not layer.is_stable()
    assert list(layer.run(np.ones((3, 1)))[:, 0]) == [1, 2, 3]


def test_stack_and_run_validation():
    a = SSMLayer([0.0], [[1.0]], [[1.0], [1.0]])
    with pytest.raises(InvalidParameterError, match=r"layers\[1\]: expected d_in"):
        SSMStack([a, a], "relu")
    with pytest.raises(InvalidParameterError, match="layers"):
        SSMStack([], "relu")
    with pytest.raises(InvalidParameterError, match="activation"):
        SSMStack([a], "nope")
    with pytest.raises(InvalidParameterError, match="x"):
        a.run(np.ones((3, 2)))
    cont = SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous")
    with pytest.raises(InvalidParameterError, match="time"):
        SSMStack([SSMLayer([0.0], [[1.0]], [[1.0]]), cont], "relu")
    with pytest.raises(InvalidParameterError, match="t_grid"):
        cont.run_continuous(np.ones((2, 1)), [0, 1, 0.5])
    with pytest.raises(InvalidParameterError, match="dt"):
        cont.discretize(-1)


#: Cases ``(call, name)`` of :func:`test_bad_arguments_name_the_parameter`.
BAD_ARGUMENTS = [
    (lambda: SSMLayer([0.5], [[1.0]], [[1.0]], require_stable="yes"), "require_stable"),
    (lambda: SSMLayer([0.5], [[1.0]], [[1.0]]).to_kind("float"), "kind"),
    (lambda: SSMLayer([0.5], [[1.0]], [[1.0]]).kernel(2.5), "T"),
    (lambda: SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous").discretize(np.nan),
     "dt"),
    (lambda: SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous").discretize("0.1"),
     "dt"),
    (lambda: SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous").run_continuous(
        [[1.0], [1.0]], [0.0, 0.5, np.inf]), "t_grid"),
    (lambda: SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous").run_continuous(
        [[1.0]], 0.5), "t_grid"),
    # kernel_at used to return NaN for a NaN time and e^{-Ws} growth for s < 0
    (lambda: SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous").kernel_at([np.nan]),
     "s"),
    (lambda: SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous").kernel_at([-1.0]), "s"),
    (lambda: SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous").kernel_at("x"), "s"),
    (lambda: SSMLayer([0.5], [[1.0]], [[1.0]]).kernel_at([0.0]), "time"),
]


def _bad_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_bad_arguments_name_the_parameter() -> None:
    """Bad arguments name the parameter: every case of ``BAD_ARGUMENTS``."""
    check_every_case(_bad_arguments_name_the_parameter, BAD_ARGUMENTS)


def test_kernel_at_is_the_continuous_impulse_response_at_zero_and_later_times():
    layer = SSMLayer([-1.0], [[2.0]], [[3.0]], time="continuous")
    k = layer.kernel_at([0.0, 1.0])[:, 0, 0]
    assert k[0] == 6.0 and abs(k[1] - 6.0 * np.exp(-1.0)) <= 4 * np.finfo(float).eps * 6.0
