"""Tests of verify.stack_eval: batched float stacks equal the sequential reference."""

from __future__ import annotations

import numpy as np
import pytest

from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.stack_eval import run_layer_float, run_stack_float


def _layer(rng, m, d_in, d_out, diagonal):
    W = rng.uniform(-0.9, 0.9, m) if diagonal else rng.normal(size=(m, m)) * 0.25
    return SSMLayer(W, rng.normal(size=(m, d_in)), rng.normal(size=(d_out, m)),
                    rng.normal(size=(d_out, d_in)), rng.normal(size=m))


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_stack_float_equals_reference(activation):
    rng = np.random.default_rng(0)
    stack = SSMStack([_layer(rng, 3, 2, 4, False), _layer(rng, 5, 4, 3, True),
                      _layer(rng, 2, 3, 1, False)], activation)
    x = rng.normal(size=(3, 80, 2))
    fast = run_stack_float(stack, x)
    ref = np.array([stack.run(xi) for xi in x])
    scale = np.max(np.abs(ref)) * 80
    assert np.max(np.abs(fast - ref)) <= tolerance(NumberKind.FLOAT, scale)


def test_bias_offset_is_needed():
    rng = np.random.default_rng(1)
    layer = _layer(rng, 3, 1, 1, False)
    x = rng.normal(size=(50, 1))
    fast = run_layer_float(layer, x)
    nobias = run_layer_float(SSMLayer(layer.W, layer.U, layer.C, layer.D), x)
    assert np.allclose(fast, layer.run(x), atol=1e-12)
    assert not np.allclose(fast, nobias)  # negative control: dropping b changes the output


def test_continuous_stack_with_dt():
    stack = SSMStack([SSMLayer(-np.eye(2), np.ones((2, 1)), np.ones((1, 2)), b=[1.0, 0.0],
                               time="continuous")], "relu")
    x = np.random.default_rng(2).normal(size=(40, 1))
    ref = stack.run_continuous(x, np.linspace(0, 4, 41))
    assert np.allclose(run_stack_float(stack, x[None], dt=0.1)[0], ref, atol=1e-12)
    with pytest.raises(InvalidParameterError, match="dt"):
        run_stack_float(stack, x)


def test_rejects_non_stack_and_bad_input():
    with pytest.raises(InvalidParameterError, match="stack"):
        run_stack_float("stack", np.zeros((2, 1)))
    stack = SSMStack([SSMLayer([0.0], [[1.0]], [[1.0]])], "relu")
    with pytest.raises(InvalidParameterError, match="x"):
        run_stack_float(stack, np.zeros((2, 3)))


def test_dt_must_match_the_time_mode_and_be_a_positive_step():
    discrete = SSMStack([SSMLayer([0.5], [[1.0]], [[1.0]])], "relu")
    continuous = SSMStack([SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous")], "relu")
    x = np.ones((2, 3, 1))
    with pytest.raises(InvalidParameterError, match="^dt: "):
        run_stack_float(discrete, x, dt=0.1)  # used to be ignored silently
    for dt in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(InvalidParameterError, match="^dt: "):
            run_stack_float(continuous, x, dt=dt)


def test_run_layer_float_needs_a_discrete_layer():
    with pytest.raises(InvalidParameterError, match="^layer: "):
        run_layer_float("layer", np.ones((3, 1)))
    with pytest.raises(InvalidParameterError, match="^layer: .*discretize"):
        run_layer_float(SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous"), np.ones((3, 1)))
