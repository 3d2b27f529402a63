"""Small exact cases of theory.universality that pin down what the broader tests leave loose.

Each test targets behaviour that a wrong implementation could change without failing the
tests of ``tests/test_universality.py``: the full text of every error message, the accepted
boundary values, the exact parameters of the glue layers, hand-computed windows and inner
sums, the width counts, and every term of the two budgets (so that a changed constant in a
bound or in its float allowance fails). All cases are small.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from bad_input_cases import check_every_case

from theory import universality
from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from theory.universality import (
    KATarget,
    WindowTarget,
    _interpolation_error,
    _per_channel,
    check_unit_cube,
    freudenthal_layers,
    ka_budget,
    ka_network,
    ka_width_counts,
    relu_chain,
    window_interpolation_bound,
    window_network,
    window_of,
    window_width_counts,
)

ARR = "got an array of shape ({}) (dtype float64)"
LAYER = SSMLayer(np.array([0.5]), np.ones((1, 1)), np.array([[1.0], [-2.0]]))
LAYER_REPR = "SSMLayer(width=1, d_in=1, d_out=2, discrete, float, diagonal)"
BLOCKS = "blocks: expected a non-empty sequence of non-empty sequences of SSMLayer, got "
LIN = WindowTarget(lambda z: z[..., 0], 1, 1, lipschitz=1.0)


def _raises_exactly(message: str):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$")


def _ka(d=1, T=1, **kw):
    n = d * T
    Q = 2 * n + 1
    inner = tuple((lambda z, c=c: c * z) for c in np.linspace(0.5, 1.5, Q))
    outer = tuple((lambda u, c=c: c * u) for c in np.linspace(1.0, 2.0, Q))
    args = {"inner_lipschitz": np.linspace(0.5, 1.5, Q)}
    args.update(kw)
    return KATarget(d, T, inner, outer, np.linspace(0.5, 1.0, n), np.linspace(1.0, 2.0, Q),
                    np.tile([-5.0, 5.0], (Q, 1)), **args)


_MESSAGES = [
    (lambda: relu_chain("ab"), BLOCKS + "'ab'"),
    (lambda: relu_chain(b"ab"), BLOCKS + "b'ab'"),
    (lambda: relu_chain([]), BLOCKS + "[]"),
    (lambda: relu_chain(5), BLOCKS + "5"),
    (lambda: relu_chain([[LAYER], []]), BLOCKS + f"[[{LAYER_REPR}], []]"),
    (lambda: relu_chain([[LAYER], "ab"]), BLOCKS + f"[[{LAYER_REPR}], 'ab']"),
    (lambda: relu_chain([[LAYER], [b"a"]]), BLOCKS + f"[[{LAYER_REPR}], [b'a']]"),
    (lambda: relu_chain([LAYER]), BLOCKS + f"[{LAYER_REPR}]"),
    (lambda: relu_chain([[LAYER], [SSMLayer(np.zeros(1), np.ones((1, 3)), np.ones((1, 1)))]]),
     "blocks[1]: d_in = 3 does not match d_out = 2 of blocks[0]"),
    (lambda: relu_chain([[SSMLayer([0.0], [[1.0]], [[1.0]])], [LAYER],
                         [SSMLayer(np.zeros(1), np.ones((1, 3)), np.ones((1, 1)))]]),
     "blocks[2]: d_in = 3 does not match d_out = 2 of blocks[1]"),
    (lambda: window_of(np.zeros((2, 3, 1)), 0), "T: expected an integer >= 1, got 0"),
    (lambda: window_of(np.zeros(3), 2),
     "x: expected an array of shape (..., n, n), " + ARR.format("3,")),
    (lambda: check_unit_cube(np.zeros((3, 2)), 1),
     "x: expected an array of shape (..., K, 1), " + ARR.format("3, 2")),
    (lambda: check_unit_cube(np.full((3, 1), 1.0000000000000002), 1),
     "x: expected entries in the declared domain [0, 1] of the target, " + ARR.format("3, 1")),
    (lambda: check_unit_cube(np.full((3, 1), -1e-300), 1, "y"),
     "y: expected entries in the declared domain [0, 1] of the target, " + ARR.format("3, 1")),
    (lambda: check_unit_cube(np.zeros((3, 1)), 0), "d: expected an integer >= 1, got 0"),
    (lambda: WindowTarget(5, 1, 2, lipschitz=1.0), "F: expected a callable target, got 5"),
    (lambda: WindowTarget(lambda z: z, 0, 2, lipschitz=1.0), "d: expected an integer >= 1, got 0"),
    (lambda: WindowTarget(lambda z: z, 1, 0, lipschitz=1.0), "T: expected an integer >= 1, got 0"),
    (lambda: WindowTarget(lambda z: z, 1, 2),
     "lipschitz, modulus: expected per-coordinate Lipschitz constants or a modulus, got None"),
    (lambda: WindowTarget(lambda z: z, 1, 2, lipschitz=[1.0, 1.0, 1.0]),
     "lipschitz: expected a number or 2 constants, " + ARR.format("3,")),
    (lambda: WindowTarget(lambda z: z, 1, 2, lipschitz=-1.0),
     "lipschitz: expected non-negative entries, " + ARR.format("")),
    (lambda: WindowTarget(lambda z: z, 1, 2, modulus=3),
     "modulus: expected a callable omega(h), got 3"),
    (lambda: _per_channel(None, 3, "q"), "q: expected 3 constants (required), got None"),
    (lambda: _per_channel(np.ones((2, 2)), 3, "q"),
     "q: expected a number or 3 constants, " + ARR.format("2, 2")),
    (lambda: window_interpolation_bound(
        WindowTarget(lambda z: z[..., 0], 1, 1, modulus=lambda h: -1.0), 3),
     "modulus: expected a finite real number >= 0, got -1.0"),
    (lambda: window_interpolation_bound("x", 3), "target: expected a WindowTarget, got 'x'"),
    (lambda: window_interpolation_bound(LIN, 1), "N: expected an integer >= 2, got 1"),
    (lambda: freudenthal_layers(0, 2, np.ones(2)), "n: expected an integer >= 1, got 0"),
    (lambda: freudenthal_layers(1, 1, np.ones(1)), "N: expected an integer >= 2, got 1"),
    (lambda: freudenthal_layers(1, 2, np.ones(3)),
     "values: expected an array of shape (2,), " + ARR.format("3,")),
    (lambda: window_network(LIN, 1), "N: expected an integer >= 2, got 1"),
    (lambda: window_network("t", 3), "target: expected a WindowTarget, got 't'"),
    (lambda: window_network(LIN, 3, window_error=-1),
     "window_error: expected a finite real number >= 0, got -1"),
    (lambda: window_network(WindowTarget(lambda z: z[..., 0], 1, 1, modulus=lambda h: h), 3,
                            window_error=0.1),
     "window_error: expected 0 for a target without Lipschitz constants (propagation needs "
     "them), got 0.1"),
    (lambda: window_network(LIN, 3, lag_offset=-1), "lag_offset: expected an integer >= 0, got -1"),
    (lambda: window_network(WindowTarget(lambda z: z[..., 0] * np.nan, 1, 1, lipschitz=1.0), 3),
     "target.F: expected finite entries, " + ARR.format("3,")),
    (lambda: window_width_counts(0, 1, 2), "d: expected an integer >= 1, got 0"),
    (lambda: window_width_counts(1, 0, 2), "T: expected an integer >= 1, got 0"),
    (lambda: window_width_counts(1, 1, 1), "N: expected an integer >= 2, got 1"),
    (lambda: ka_width_counts(0, 2, 3, 4), "d: expected an integer >= 1, got 0"),
    (lambda: ka_width_counts(1, 0, 3, 4), "T: expected an integer >= 1, got 0"),
    (lambda: ka_width_counts(1, 1, 1, 4), "N_in: expected an integer >= 2, got 1"),
    (lambda: ka_width_counts(1, 1, 2, 1), "N_out: expected an integer >= 2, got 1"),
    (lambda: ka_network("t", 3, 3), "target: expected a KATarget, got 't'"),
    (lambda: ka_network(_ka(), 1, 3), "N_in: expected an integer >= 2, got 1"),
    (lambda: ka_network(_ka(), 3, 1), "N_out: expected an integer >= 2, got 1"),
    (lambda: ka_budget("t", np.zeros(3), np.zeros(3), 1.0),
     "target: expected a KATarget, got 't'"),
    (lambda: ka_budget(_ka(), np.zeros(2), np.zeros(3), 1.0),
     "inner_errors: expected an array of shape (3,), " + ARR.format("2,")),
    (lambda: ka_budget(_ka(), np.zeros(3), -np.ones(3), 1.0),
     "outer_errors: expected non-negative entries, " + ARR.format("3,")),
    (lambda: ka_budget(_ka(), np.zeros(3), np.zeros(3), -1.0),
     "rounding_scale: expected a finite real number >= 0, got -1.0"),
    (lambda: _ka(inner_lipschitz=None),
     "inner_lipschitz, inner_second: expected a declared constant of the inner functions, "
     "got None"),
    (lambda: KATarget(0, 1, (), (), [], 1.0, []), "d: expected an integer >= 1, got 0"),
    (lambda: KATarget(1, 0, (), (), [], 1.0, []), "T: expected an integer >= 1, got 0"),
    (lambda: KATarget(1, 1, (abs,) * 2, (abs,) * 3, [1.0], 1.0, np.tile([0.0, 1.0], (3, 1)),
                      inner_lipschitz=1.0),
     "inner: expected 2n+1 = 3 callables, got (<built-in function abs>, "
     "<built-in function abs>)"),
    (lambda: KATarget(1, 1, (abs,) * 3, (abs, abs, 1), [1.0], 1.0, np.tile([0.0, 1.0], (3, 1)),
                      inner_lipschitz=1.0),
     "outer: expected 2n+1 = 3 callables, got (<built-in function abs>, "
     "<built-in function abs>, 1)"),
    (lambda: KATarget(1, 1, abs, (abs,) * 3, [1.0], 1.0, np.tile([0.0, 1.0], (3, 1)),
                      inner_lipschitz=1.0),
     "inner: expected 2n+1 = 3 callables, got <built-in function abs>"),
    (lambda: KATarget(1, 1, (abs,) * 3, (abs,) * 3, [1.0, 2.0], 1.0, np.tile([0.0, 1.0], (3, 1)),
                      inner_lipschitz=1.0),
     "weights: expected an array of shape (1,), " + ARR.format("2,")),
    (lambda: KATarget(1, 1, (abs,) * 3, (abs,) * 3, [1.0], None, np.tile([0.0, 1.0], (3, 1)),
                      inner_lipschitz=1.0),
     "outer_lipschitz: expected 3 constants (required), got None"),
    (lambda: KATarget(1, 1, (abs,) * 3, (abs,) * 3, [1.0], 1.0, np.tile([0.0, 1.0], (2, 1)),
                      inner_lipschitz=1.0),
     "outer_domain: expected an array of shape (3, 2), " + ARR.format("2, 2")),
    (lambda: KATarget(1, 1, (abs,) * 3, (abs,) * 3, [1.0], 1.0, [[0.0, 1.0]] * 2 + [[1.0, 1.0]],
                      inner_lipschitz=1.0),
     "outer_domain: expected 3 intervals [lo, hi] with lo < hi, " + ARR.format("3, 2")),
    (lambda: _ka().inner_sums(np.full((1, 1), 1.0000000000000002)),
     "z: expected points of [0, 1]^1, shape (..., 1), " + ARR.format("1, 1")),
    (lambda: _ka().inner_sums(np.full((1, 1), -1e-300)),
     "z: expected points of [0, 1]^1, shape (..., 1), " + ARR.format("1, 1")),
    (lambda: _ka().inner_sums(np.zeros((1, 2))),
     "z: expected points of [0, 1]^1, shape (..., 1), " + ARR.format("1, 2")),
]


def _messages_are_exact(call, message):
    with _raises_exactly(message):
        call()


def test_messages_are_exact() -> None:
    """Messages are exact: every case of the table."""
    check_every_case(_messages_are_exact, _MESSAGES)


def test_outer_domain_messages_are_exact():
    narrow = KATarget(1, 1, (lambda z: z,) * 3, (lambda u: u,) * 3, [2.0], 1.0,
                      [[-1.0, 1.0]] * 3, inner_lipschitz=1.0)
    with _raises_exactly("outer_domain: an inner sum leaves the declared domain of its outer "
                         "function"):
        narrow.F(np.array([[0.75]]))
    assert narrow.F(np.array([[0.5]])).tolist() == [3.0]  # u = 1 on the boundary is allowed
    low = KATarget(1, 1, (lambda z: -z,) * 3, (lambda u: u,) * 3, [2.0], 1.0,
                   [[-1.0, 1.0]] * 3, inner_lipschitz=1.0)
    with _raises_exactly("outer_domain: an inner sum leaves the declared domain of its outer "
                         "function"):
        low.F(np.array([[0.75]]))
    with _raises_exactly("outer_domain: Phi_0 must be defined on [-1.0, 3.0] (the inner sums "
                         "and their approximations), which leaves the declared [-1.0, 1.0]"):
        ka_network(narrow, 2, 2)


# -------------------------------------------------------------------- glue and windows


def test_relu_chain_stacks_readouts_and_inputs_with_their_negatives():
    a = SSMLayer([0.5], [[1.0]], [[1.0], [-2.0]], [[3.0], [4.0]], [0.25])
    b = SSMLayer([0.0, 0.1], [[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0]], [[5.0, 6.0]], [1.0, -1.0])
    c = SSMLayer([0.0], [[1.0]], [[1.0]])
    stack = relu_chain([[a], [b, c]])
    assert isinstance(stack, SSMStack) and stack.activation.name == "relu"
    first, second, third = stack.layers
    assert first.C.tolist() == [[1.0], [-2.0], [-1.0], [2.0]]
    assert first.D.tolist() == [[3.0], [4.0], [-3.0], [-4.0]]
    assert first.W.tolist() == [0.5] and first.U.tolist() == [[1.0]]
    assert first.b.tolist() == [0.25]
    assert second.U.tolist() == [[1.0, 2.0, -1.0, -2.0], [3.0, 4.0, -3.0, -4.0]]
    assert second.D.tolist() == [[5.0, 6.0, -5.0, -6.0]]
    assert second.C.tolist() == [[1.0, 1.0]] and second.W.tolist() == [0.0, 0.1]
    assert second.b.tolist() == [1.0, -1.0] and third is c
    plain = relu_chain([[c], [c]])
    assert plain.layers[0].D is None and plain.layers[1].D is None
    assert plain.layers[0].b is None and plain.layers[1].b is None
    x = np.array([[1.0], [-2.0], [0.5]])
    expected = SSMStack([a, b], "identity").run(x)
    assert np.allclose(relu_chain([[a], [b]]).run(x), expected, rtol=1e-15, atol=1e-15)
    single = relu_chain([[a, b]])
    assert single.layers == (a, b)


def test_window_of_by_hand():
    x = np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]])  # (1, K=3, d=2)
    z = window_of(x, 2)
    assert z.shape == (1, 3, 4)
    assert z[0].tolist() == [[0, 0, 1, 10], [1, 10, 2, 20], [2, 20, 3, 30]]
    assert window_of(x[0], 1).tolist() == x[0].tolist()
    assert window_of(np.ones((2, 1)), 4).tolist() == [[0, 0, 0, 1], [0, 0, 1, 1]]


def test_unit_cube_boundaries_are_accepted():
    arr = check_unit_cube([[0.0], [1.0]], 1)
    assert arr.tolist() == [[0.0], [1.0]]
    assert LIN([[0.0], [1.0]]).tolist() == [0.0, 1.0]


def test_window_target_fields_and_call():
    t = WindowTarget(lambda z: z @ np.array([1.0, 2.0, 3.0, 4.0]), 2, 2, lipschitz=[1, 2, 3, 4])
    assert t.n == 4 and t.lipschitz.tolist() == [1.0, 2.0, 3.0, 4.0]
    y = t(np.array([[0.5, 0.25], [1.0, 0.0]]))
    assert y.tolist() == [0.5 * 3 + 0.25 * 4, 0.5 + 0.5 + 3.0]
    s = WindowTarget(lambda z: z[..., 0], 1, 3, lipschitz=2.0)
    assert s.lipschitz.tolist() == [2.0, 2.0, 2.0]
    m = WindowTarget(lambda z: z[..., 0], 1, 3, modulus=np.sqrt)
    assert m.lipschitz is None


def test_window_interpolation_bound_takes_the_smaller_bound():
    both = WindowTarget(lambda z: z.sum(-1), 1, 2, lipschitz=[1.0, 3.0], modulus=lambda h: 3 * h)
    assert window_interpolation_bound(both, 3) == 0.5 * 4.0 / 2  # (h/2) Σ L = 1 < 3 h = 1.5
    tight = WindowTarget(lambda z: z.sum(-1), 1, 2, lipschitz=[1.0, 3.0], modulus=lambda h: h)
    assert window_interpolation_bound(tight, 3) == 0.5
    assert window_interpolation_bound(tight, 2) == 1.0
    assert window_interpolation_bound(LIN, 5) == 0.125


def test_freudenthal_layer_structure():
    layers = freudenthal_layers(2, 3, np.arange(9.0).reshape(3, 3))
    leaves = layers[0]
    assert leaves.width == 12 and leaves.d_in == 2
    assert np.all(leaves.W == 0) and leaves.C.tolist() == np.eye(12).tolist()
    assert leaves.U[:3, 0].tolist() == [2.0, 2.0, 2.0] and leaves.U[6:9, 0].tolist() == [-2.0] * 3
    assert leaves.b[:3].tolist() == [0.0, -1.0, -2.0] and leaves.b[6:9].tolist() == [0.0, 1.0, 2.0]
    assert layers[-1].U.tolist() == [list(np.arange(9.0))] and layers[-1].C.tolist() == [[1.0]]
    assert layers[-2].b.tolist() == [1.0] * 9
    assert [layer.width for layer in layers] == [12, 2 * (9 + 3), 9, 1]


def test_window_width_counts_by_hand():
    assert window_width_counts(1, 1, 2) == {"shift_register": 1, "hidden": 7, "total": 8,
                                            "grid": 2}
    assert window_width_counts(1, 3, 2) == {"shift_register": 3, "hidden": 57, "total": 60,
                                            "grid": 8}
    assert window_width_counts(2, 2, 3)["hidden"] == 334
    for d, T, N in [(1, 1, 2), (1, 3, 2), (3, 1, 2), (1, 5, 2)]:
        t = WindowTarget(lambda z: z.sum(-1), d, T, lipschitz=1.0)
        assert sum(window_network(t, N).widths) == window_width_counts(d, T, N)["total"]


def test_ka_width_counts_by_hand():
    assert ka_width_counts(1, 2, 3, 4) == {"outer_channels": 5, "convolution_state": 10,
                                           "inner_hidden": 10, "outer_hidden": 15,
                                           "total": 10 + 11 + 10 + 15 + 16}
    assert ka_width_counts(2, 1, 2, 2)["total"] == 10 + 11 + 10 + 5 + 6


# -------------------------------------------------------------------- budgets


def test_window_budget_terms_are_exact():
    t = WindowTarget(lambda z: 3 * z[..., 0] - z[..., 1], 1, 2, lipschitz=[3.0, 1.0])
    approx = window_network(t, 3, window_error=0.25)
    assert approx.interpolation == 0.5 * 4.0 / 2 and approx.propagation == 0.25 * 4.0
    scale = (approx.stack.depth + 2) * (3.0 + 1)
    assert approx.budget == approx.interpolation + approx.propagation + tolerance(
        NumberKind.FLOAT, scale)
    assert approx.N == 3 and approx.target is t and approx.stack.depth == 5
    exact = window_network(t, 3)
    assert exact.propagation == 0.0
    x = np.random.default_rng(0).random((7, 1))
    assert np.allclose(exact.stack.run(x)[:, 0], t(x), atol=1e-13)  # linear F: exact


def test_window_lag_offset_delays_the_window():
    t = WindowTarget(lambda z: z[..., 0] + 2 * z[..., 1], 1, 2, lipschitz=[1.0, 2.0])
    late = window_network(t, 2, lag_offset=1)
    x = np.array([[1.0], [0.0], [0.0], [0.5]])
    # the window read is (x_{k-2}, x_{k-1}) instead of (x_{k-1}, x_k)
    assert np.allclose(late.stack.run(x)[:, 0], [0.0, 2.0, 1.0, 0.0], atol=1e-13)
    assert late.widths[0] == 3


def test_ka_budget_terms_are_exact():
    target = _ka(outer_second=0.0)
    prop, total = ka_budget(target, np.array([0.1, 0.2, 0.4]), np.array([1.0, 0.0, 2.0]), 5.0)
    spread = 0.5
    assert prop.tolist() == [1.0 * spread * 0.1, 1.5 * spread * 0.2, 2.0 * spread * 0.4]
    assert total == float(np.sum(prop) + 3.0) + tolerance(NumberKind.FLOAT, 5.0)


def test_interpolation_error_takes_the_smaller_declared_bound():
    assert _interpolation_error(2.0, None, 0.5) == 0.5
    assert _interpolation_error(None, 4.0, 0.5) == 0.125
    assert _interpolation_error(2.0, 4.0, 0.5) == 0.125
    assert _interpolation_error(0.25, 4.0, 0.5) == 0.0625


def test_ka_network_terms_are_exact():
    # inner φ_q(z) = c_q z (φ(0) = 0, Lip c_q), linear outer Φ_q(u) = s_q u, λ = 0.5, n = 1
    target = _ka()
    approx = ka_network(target, 3, 5)
    c = np.linspace(0.5, 1.5, 3)
    s = np.linspace(1.0, 2.0, 3)
    delta = c * 0.5 / 2
    assert approx.inner_errors.tolist() == delta.tolist()
    # the outer range [lo, hi] = [0 - 0.5 δ, 0.5 c + 0.5 δ]: eps = s (hi - lo) / 4 / 2
    width = 0.5 * c + 2 * 0.5 * delta
    assert np.allclose(approx.outer_errors, s * width / 4 / 2, rtol=1e-15)
    assert approx.propagation.tolist() == (s * 0.5 * delta).tolist()
    assert approx.widths == (3 * 2, 3 * 2 + 1, 3, 3 * 4, 3 * 4 + 1)
    readout = approx.stack.layers[-1]
    scale = (5 + 1) * (0.5 + 1) * float(np.sum(np.abs(readout.C)) + np.sum(s) + 1)
    assert approx.budget == float(np.sum(approx.propagation) + np.sum(approx.outer_errors)) \
        + tolerance(NumberKind.FLOAT, scale)
    x = np.array([[0.0], [0.5], [1.0], [0.25]])
    assert np.allclose(approx.stack.run(x)[:, 0], target(x), atol=1e-12)  # all linear: exact


def test_ka_network_shifts_by_phi_at_zero_and_pads_a_flat_range():
    # φ_q = 1 (constant): the shifted inner function is 0, the range [0, 0] is widened to
    # [-0.5, 0.5], and Φ_q is evaluated at u + c_q with c_q = φ(0) Σ λ = 0.5
    target = KATarget(1, 1, (lambda z: np.ones_like(z),) * 3, (lambda u: u * u,) * 3, [0.5],
                      1.0, [[-1.0, 1.0]] * 3, inner_lipschitz=0.0, outer_second=2.0)
    approx = ka_network(target, 2, 3)
    assert approx.inner_errors.tolist() == [0.0] * 3
    assert approx.outer_errors.tolist() == [0.5**2 * 2.0 / 8] * 3
    x = np.array([[0.0], [1.0], [0.3]])
    assert np.allclose(approx.stack.run(x)[:, 0], [0.75] * 3, atol=1e-13)
    assert target(x).tolist() == [0.75] * 3


def test_inner_sums_by_hand():
    target = _ka(d=1, T=2)  # φ_q(z) = c_q z, λ = (0.5, 1.0)
    u = target.inner_sums(np.array([[0.5, 1.0], [0.0, 0.0]]))
    c = np.linspace(0.5, 1.5, 5)
    assert u.shape == (2, 5)
    assert np.allclose(u[0], c * (0.25 + 1.0), rtol=1e-15) and u[1].tolist() == [0.0] * 5
    assert target.inner_sums(np.ones(2)).shape == (5,)
    s = np.linspace(1.0, 2.0, 5)
    assert np.isclose(target.F(np.array([0.5, 1.0])), np.sum(s * c * 1.25), rtol=1e-15)


def test_outer_domain_is_checked_at_both_ends():
    def target(dom):
        return KATarget(1, 1, (lambda z: -z,) * 3, (lambda u: u,) * 3, [1.0], 1.0,
                        [dom] * 3, inner_lipschitz=1.0)

    # inner range [-1, 0] widened by δ = 1/2: exactly the declared [-1.5, 0.5] is accepted
    approx = ka_network(target([-1.5, 0.5]), 2, 2)
    assert approx.inner_errors.tolist() == [0.5] * 3
    with _raises_exactly("outer_domain: Phi_0 must be defined on [-1.5, 0.5] (the inner sums "
                         "and their approximations), which leaves the declared [-1.4, 5.0]"):
        ka_network(target([-1.4, 5.0]), 2, 2)
    with _raises_exactly("outer_domain: Phi_0 must be defined on [-1.5, 0.5] (the inner sums "
                         "and their approximations), which leaves the declared [-5.0, 0.4]"):
        ka_network(target([-5.0, 0.4]), 2, 2)


def test_window_route_details():
    # the odd node carried at a deeper level of the tree (n = 6: 3 pairs, then 2 + 1)
    t6 = WindowTarget(lambda z: z.sum(-1), 3, 2, lipschitz=1.0)
    assert sum(window_network(t6, 3).widths) == window_width_counts(3, 2, 3)["total"] == 2518
    # two channels and two lags: the taps put x_{k-j, i} at (T-1-j) d + i
    w = np.array([1.0, 2.0, 4.0, 8.0])
    t4 = WindowTarget(lambda z: z @ w, 2, 2, lipschitz=w)
    x = np.array([[0.5, 0.25], [1.0, 0.0], [0.0, 0.75]])
    assert np.allclose(window_network(t4, 2).stack.run(x)[:, 0], t4(x), atol=1e-12)
    assert t4(x).tolist() == [0.5 * 4 + 0.25 * 8, 0.5 + 0.5 + 4.0, 1.0 + 6.0]
    # an F that keeps a trailing axis of length 1 is read on the grid all the same
    keep = WindowTarget(lambda z: z.sum(-1, keepdims=True), 1, 2, lipschitz=1.0)
    assert np.allclose(window_network(keep, 3).stack.run(x[:, :1])[:, 0], [0.5, 1.5, 1.0],
                       atol=1e-12)
    # integer-valued targets are returned as floats
    count = WindowTarget(lambda z: (z > 0.5).sum(-1), 1, 1, lipschitz=1.0)
    assert count(np.array([[0.0], [1.0]])).dtype == np.float64


# -------------------------------------------------------------------- survivors of a full run


def test_shape_checks_refuse_too_few_axes():
    with _raises_exactly("x: expected an array of shape (..., n, n), " + ARR.format("2,")):
        check_unit_cube(np.zeros(2), 2)
    with _raises_exactly("z: expected an array of shape (..., n), " + ARR.format("")):
        _ka().inner_sums(0.5)


def test_freudenthal_leaves_are_laid_out_by_sign_then_coordinate():
    # leaf (t n + i) N + j is relu(±(z_i - g_j)/h): + for t = 0, - for t = 1 (n = 2, N = 3)
    layers = freudenthal_layers(2, 3, np.zeros((3, 3)))
    plus, minus = [2.0] * 3 + [0.0] * 3, [0.0] * 3 + [2.0] * 3
    assert layers[0].U[:, 0].tolist() == plus + [-v for v in plus]
    assert layers[0].U[:, 1].tolist() == minus + [-v for v in minus]
    assert layers[0].b.tolist() == [0.0, -1.0, -2.0] * 2 + [0.0, 1.0, 2.0] * 2
    # the merge layers carry an explicit zero bias
    assert layers[1].b is not None and layers[1].b.tolist() == [0.0] * layers[1].width


def test_freudenthal_tree_has_ceil_log2_n_merge_layers(monkeypatch):
    # n = 3: one pair and the odd leaf carried, then the last pair; a wrong test for an odd
    # number of nodes would carry a node of an even level again and never finish
    built = []

    class Counting(universality._UnitBuilder):
        def __init__(self, width: int) -> None:
            built.append(width)
            if len(built) > 2:
                raise AssertionError("more than ceil(log2 3) = 2 merge layers")
            super().__init__(width)

    monkeypatch.setattr(universality, "_UnitBuilder", Counting)
    layers = freudenthal_layers(3, 2, np.arange(8.0).reshape(2, 2, 2))
    assert built == [12, 2 * (4 + 2) + 2 * 2] and len(layers) == 5


def test_inner_sum_on_the_lower_end_of_the_outer_domain_is_allowed():
    low = KATarget(1, 1, (lambda z: -z,) * 3, (lambda u: u,) * 3, [2.0], 1.0,
                   [[-1.0, 1.0]] * 3, inner_lipschitz=1.0)
    assert low.F(np.array([[0.5]])).tolist() == [-3.0]  # u = -1 on the boundary


def test_ka_network_with_only_a_second_derivative_bound_of_the_inner_functions():
    # φ_q(z) = 4 z (1 - z): |φ''| = 8, so δ = h² 8 / 8 = 1 at N_in = 2, and the outer
    # interpolants cover the range of the inner interpolant (its knot values 0, 0) widened by
    # Σ|λ| δ = 1: [-1, 1], h_q = 2 / (N_out - 1) = 1, ε_q = Lip(Φ_q) h_q / 2 = 1/2
    bump = KATarget(1, 1, (lambda z: 4 * z * (1 - z),) * 3, (lambda u: u,) * 3, [1.0], 1.0,
                    [[-1.0, 1.0]] * 3, inner_second=8.0)
    approx = ka_network(bump, 2, 3)
    assert approx.inner_errors.tolist() == [1.0] * 3
    assert approx.outer_errors.tolist() == [0.5] * 3
    assert approx.target is bump


def test_outer_domain_check_and_message_include_the_shift_by_phi_at_zero():
    # φ_q(z) = z + 1: c_q = φ_q(0) Σ λ = 1; the shifted range [0, 1] widened by δ = 1/2 is
    # [-0.5, 1.5], so Φ_q must be defined on [0.5, 2.5]
    def target(dom):
        return KATarget(1, 1, (lambda z: z + 1,) * 3, (lambda u: u,) * 3, [1.0], 1.0,
                        [dom] * 3, inner_lipschitz=1.0)

    assert ka_network(target([0.5, 2.5]), 2, 2).inner_errors.tolist() == [0.5] * 3
    with _raises_exactly("outer_domain: Phi_0 must be defined on [0.5, 2.5] (the inner sums "
                         "and their approximations), which leaves the declared [0.5, 2.4]"):
        ka_network(target([0.5, 2.4]), 2, 2)
    with _raises_exactly("outer_domain: Phi_0 must be defined on [0.5, 2.5] (the inner sums "
                         "and their approximations), which leaves the declared [0.6, 2.5]"):
        ka_network(target([0.6, 2.5]), 2, 2)


# a complex value of a target's function is refused, never cast to its real part (as
# theory.approximation.relu_interpolant does); q = 1 so that the index in the name is checked
def _complex_at(q: int, which: str, where=lambda z: True):
    fns = [lambda z: z] * 3
    fns[q] = lambda z: z * (1 + 1j) if where(z) else z
    inner, outer = (fns, [lambda u: u] * 3) if which == "inner" else ([lambda z: z] * 3, fns)
    return KATarget(1, 1, tuple(inner), tuple(outer), [1.0], 1.0, [[-5.0, 5.0]] * 3,
                    inner_lipschitz=1.0)


COMPLEX = "expected an array of real numbers, got an array of shape ({}) (dtype complex128)"


#: Cases ``(call, message)`` of :func:`test_complex_values_of_the_target_functions_are_refused`.
COMPLEX_TARGET_VALUES = [
    (lambda: WindowTarget(lambda z: z[..., 0] + 1j, 1, 1, lipschitz=1.0)(np.array([[0.5]])),
     "F: " + COMPLEX.format("1,")),
    (lambda: _complex_at(1, "inner").inner_sums(np.array([[0.5]])),
     "inner[1]: " + COMPLEX.format("1, 1")),
    (lambda: _complex_at(1, "outer").F(np.array([[0.5]])), "outer[1]: " + COMPLEX.format("1,")),
    (lambda: ka_network(_complex_at(1, "inner"), 2, 2), "inner[1]: " + COMPLEX.format("1,")),
    (lambda: ka_network(_complex_at(1, "inner", np.any), 2, 2),
     "inner[1]: " + COMPLEX.format("2,")),
    (lambda: ka_network(_complex_at(1, "outer"), 2, 2), "outer[1]: " + COMPLEX.format("2,")),
]


def _complex_values_of_the_target_functions_are_refused(call, message):
    with _raises_exactly(message):
        call()


def test_complex_values_of_the_target_functions_are_refused() -> None:
    """Complex values of the target functions are refused: every case of
    ``COMPLEX_TARGET_VALUES``."""
    check_every_case(
        _complex_values_of_the_target_functions_are_refused,
        COMPLEX_TARGET_VALUES)
