"""Tests of theory.universality (WX23 Result C: window route and Kolmogorov–Arnold route)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from bad_input_cases import check_every_case

from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError
from theory.universality import (
    KATarget,
    WindowTarget,
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


def run(stack: SSMStack, x: np.ndarray) -> np.ndarray:
    return np.stack([stack.run(seq)[:, 0] for seq in x])


#: Cases ``(n, N)`` of the test below.
FREUDENTHAL_GRIDS = [(1, 4), (2, 3), (3, 3)]


def _freudenthal_basis_is_nodal_partition_of_unity_with_linear_precision(n, N):
    rng = np.random.default_rng(n)
    grid = np.arange(N) / (N - 1)
    mesh = np.stack(np.meshgrid(*([grid] * n), indexing="ij"), axis=-1)
    z = rng.random((1, 60, n))
    ones = SSMStack(freudenthal_layers(n, N, np.ones((N,) * n)), "relu")
    assert np.max(np.abs(run(ones, z) - 1)) < 1e-13
    w = rng.normal(size=n)
    lin = SSMStack(freudenthal_layers(n, N, mesh @ w), "relu")
    assert np.max(np.abs(run(lin, z) - z @ w)) < 1e-13
    vals = rng.normal(size=(N,) * n)
    nodal = SSMStack(freudenthal_layers(n, N, vals), "relu")
    assert np.max(np.abs(run(nodal, mesh.reshape(1, -1, n)) - vals.reshape(1, -1))) < 1e-13


def test_freudenthal_basis_is_nodal_partition_of_unity_with_linear_precision() -> None:
    """Freudenthal basis is nodal partition of unity with linear precision: every case of
    ``FREUDENTHAL_GRIDS``."""
    check_every_case(
        _freudenthal_basis_is_nodal_partition_of_unity_with_linear_precision,
        FREUDENTHAL_GRIDS)


def test_window_of_pads_with_zeros_oldest_first():
    x = np.arange(1, 5, dtype=float).reshape(4, 1)
    z = window_of(x, 3)
    np.testing.assert_array_equal(z[0], [0, 0, 1])
    np.testing.assert_array_equal(z[3], [2, 3, 4])


def _sharp_target(d=1, T=2, N=4):
    mid = np.full(d * T, 1.5 / (N - 1))
    L = np.linspace(0.5, 1.0, d * T)
    return WindowTarget(lambda z: np.abs(z - mid) @ L, d, T, lipschitz=L), mid, L


def test_window_route_attains_and_respects_its_bound():
    target, mid, L = _sharp_target()
    approx = window_network(target, 4)
    assert approx.widths[0] == 2  # the shift register holds the window
    x = np.full((1, 6, 1), mid[0])
    err = np.max(np.abs(run(approx.stack, x) - target(x)))
    assert err <= approx.budget
    assert err >= 0.999 * approx.interpolation  # the bound is attained at the cell centre
    np.testing.assert_allclose(approx.interpolation, np.sum(L) / 6)


def test_window_route_negative_controls():
    target, mid, _ = _sharp_target()
    x = np.random.default_rng(0).random((4, 8, 1))
    x[0] = mid[0]
    budget = window_network(target, 4).budget
    wrong_tap = window_network(target, 4, lag_offset=1)
    assert np.max(np.abs(run(wrong_tap.stack, x) - target(x))) > budget
    coarse = window_network(target, 2)  # too-small grid for the budget of N = 4
    assert np.max(np.abs(run(coarse.stack, x) - target(x))) > budget
    honest = window_network(target, 4)
    err = np.max(np.abs(run(honest.stack, x) - target(x)))
    assert err > 0.99 * honest.interpolation  # a budget tightened by 1% is violated


def test_window_bad_inputs():
    target, _, _ = _sharp_target()
    with pytest.raises(InvalidParameterError, match="domain"):
        target(np.full((3, 1), 1.5))
    with pytest.raises(InvalidParameterError, match="x"):
        target(np.zeros((3, 2)))
    with pytest.raises(InvalidParameterError, match="lipschitz, modulus"):
        WindowTarget(lambda z: z[..., 0], 1, 2)
    with pytest.raises(InvalidParameterError, match="N"):
        window_network(target, 1)
    with pytest.raises(InvalidParameterError, match="lag_offset"):
        window_network(target, 3, lag_offset=-1)


def test_window_modulus_bound_used():
    t = WindowTarget(lambda z: np.sqrt(np.abs(z[..., 0] - 0.3)), 1, 1,
                     modulus=lambda h: np.sqrt(h))
    approx = window_network(t, 5)
    np.testing.assert_allclose(approx.interpolation, 0.5)


def test_window_width_counts_match_construction_and_grow_exponentially():
    for d, T, N in [(1, 2, 4), (2, 1, 3), (1, 3, 3), (2, 2, 3)]:
        t = WindowTarget(lambda z: z.sum(-1), d, T, lipschitz=1.0)
        assert sum(window_network(t, N).widths) == window_width_counts(d, T, N)["total"]
    for T in range(2, 9):  # the last merge and the hat layer alone hold 3 N^(dT) units
        assert window_width_counts(1, T, 3)["total"] >= 3 * 3**T


def _ka(d=1, T=2, linear=False):
    n = d * T
    Q = 2 * n + 1
    beta = np.linspace(0.5, 1.5, Q)
    inner = tuple((lambda z, b=b: np.tanh(b * z + 0.2)) for b in beta)
    slopes = np.linspace(0.5, 1.0, Q)
    outer = tuple((lambda u, s=s: s * u) if linear else (lambda u, s=s: np.sin(s * u))
                  for s in slopes)
    lam = np.linspace(0.3, 1.0, n)
    return KATarget(d, T, inner, outer, lam, slopes, np.tile([-5.0, 5.0], (Q, 1)),
                    inner_lipschitz=beta)


#: Cases ``(d, T)`` of :func:`test_ka_route_within_budget_and_five_layers`.
KA_ROUTE_SIZES = [(1, 1), (1, 2), (2, 1)]


def _ka_route_within_budget_and_five_layers(d, T):
    target = _ka(d, T)
    approx = ka_network(target, 9, 17)
    assert approx.stack.depth == 5
    counts = ka_width_counts(d, T, 9, 17)
    assert approx.widths[2] == counts["convolution_state"] == T * d * (2 * d * T + 1)
    assert sum(approx.widths) == counts["total"]
    x = np.random.default_rng(d + T).random((3, 3 * T + 4, d))
    err = np.max(np.abs(run(approx.stack, x) - target(x)))
    assert err <= approx.budget


def test_ka_route_within_budget_and_five_layers() -> None:
    """Ka route within budget and five layers: every case of ``KA_ROUTE_SIZES``."""
    check_every_case(
        _ka_route_within_budget_and_five_layers, KA_ROUTE_SIZES)


def test_ka_budget_rejects_injected_inner_error_and_tightening():
    target = _ka(linear=True)
    approx = ka_network(target, 5, 5)
    x = np.random.default_rng(1).random((2, 8, 1))
    err = np.max(np.abs(run(approx.stack, x) - target(x)))
    assert err <= approx.budget
    layers = list(approx.stack.layers)
    C = layers[1].C.copy()
    half = C.shape[0] // 2
    eta = 3 * float(np.max(approx.inner_errors)) + approx.budget
    C[:half, -1] += eta
    C[half:, -1] -= eta
    layers[1] = SSMLayer(layers[1].W, layers[1].U, C, b=layers[1].b)
    broken = SSMStack(layers, "relu")
    assert np.max(np.abs(run(broken, x) - target(x))) > approx.budget
    assert err > 1e-3 * approx.budget  # a budget tightened a thousandfold is violated


def test_ka_bad_inputs():
    target = _ka()
    with pytest.raises(InvalidParameterError, match="outer_domain"):
        KATarget(1, 2, target.inner, target.outer, target.weights, target.outer_lipschitz,
                 np.tile([-0.01, 0.01], (5, 1)), inner_lipschitz=1.0).F(np.ones((1, 2)))
    with pytest.raises(InvalidParameterError, match="outer_domain"):
        ka_network(KATarget(1, 2, target.inner, target.outer, target.weights,
                            target.outer_lipschitz, np.tile([-0.01, 0.01], (5, 1)),
                            inner_lipschitz=1.0), 5, 5)
    with pytest.raises(InvalidParameterError, match="weights"):
        KATarget(1, 2, target.inner, target.outer, np.ones(3), 1.0,
                 np.tile([-5.0, 5.0], (5, 1)), inner_lipschitz=1.0)
    with pytest.raises(InvalidParameterError, match="inner"):
        KATarget(1, 2, target.inner[:3], target.outer, target.weights, 1.0,
                 np.tile([-5.0, 5.0], (5, 1)), inner_lipschitz=1.0)
    with pytest.raises(InvalidParameterError, match="domain"):
        target(np.full((2, 1), -0.5))


def test_relu_chain_passes_signals_exactly_and_checks_dims():
    a = SSMLayer(np.array([0.5]), np.ones((1, 1)), np.array([[1.0], [-2.0]]))
    b = SSMLayer(np.zeros(2), np.eye(2), np.ones((1, 2)))
    stack = relu_chain([[a], [b]])
    x = np.random.default_rng(0).normal(size=(6, 1))
    lin = SSMStack([a, b], "identity")
    np.testing.assert_allclose(stack.run(x), lin.run(x), atol=1e-14)
    with pytest.raises(InvalidParameterError, match="blocks"):
        relu_chain([[a], [SSMLayer(np.zeros(1), np.ones((1, 3)), np.ones((1, 1)))]])
    with pytest.raises(InvalidParameterError, match="blocks"):
        relu_chain([])


def _sharp_ka(d=1, T=2, N_in=5, N_out=7):
    """``φ_q = L_q |z - m|`` (``m`` an inner-cell midpoint), linear ``Φ_q`` (``max|Φ''| = 0``),
    ``λ ≥ 0``: on the constant input ``m`` every inner error is ``+δ_q`` and the output error
    is exactly the propagation ``Σ_q Lip(Φ_q) Σ_p λ_p δ_q``."""
    n = d * T
    Q = 2 * n + 1
    m = 1.5 / (N_in - 1)
    L, slopes = np.linspace(0.5, 2.0, Q), np.linspace(0.3, 1.2, Q)
    inner = tuple((lambda z, c=c: c * np.abs(z - m)) for c in L)
    outer = tuple((lambda u, c=c: c * u) for c in slopes)
    target = KATarget(d, T, inner, outer, np.linspace(0.4, 0.9, n), slopes,
                      np.tile([-10.0, 10.0], (Q, 1)), inner_lipschitz=L, outer_second=np.zeros(Q))
    approx = ka_network(target, N_in, N_out)
    x = np.full((1, 3 * T, d), m)
    return approx, float(np.max(np.abs(run(approx.stack, x) - target(x))))


def test_ka_budget_is_attained_by_the_sharp_target():
    approx, err = _sharp_ka()
    assert np.all(approx.outer_errors == 0)  # linear outer functions are reproduced exactly
    assert err <= approx.budget
    assert err >= (1 - 1e-9) * approx.budget  # halving the propagation term would fail
    assert err == pytest.approx(float(np.sum(approx.propagation)), rel=1e-9)


#: Cases ``(call, name)`` of :func:`test_bad_input_names_the_parameter`.
BAD_INPUT = [
    (lambda: window_of(np.zeros((2, 3, 1)), 0), "T"),
    (lambda: window_of(np.full((3, 1), np.nan), 2), "x"),
    (lambda: window_of(np.zeros(3), 2), "x"),
    (lambda: relu_chain("ab"), "blocks"),
    (lambda: WindowTarget(lambda z: z[..., 0], 1, 2, lipschitz=[1.0, 1.0, 1.0]), "lipschitz"),
    (lambda: WindowTarget(lambda z: z[..., 0], 1, 2, lipschitz=[1.0, np.nan]), "lipschitz"),
    (lambda: freudenthal_layers(1, 2, np.array([np.nan, 1.0])), "values"),
    (lambda: window_network("target", 3), "target"),
    (lambda: window_network(_sharp_target()[0], 3, window_error=np.nan), "window_error"),
    (lambda: window_network(WindowTarget(lambda z: z[..., 0] * np.nan, 1, 1, lipschitz=1.0), 3),
     "target.F"),
    (lambda: window_interpolation_bound(
        WindowTarget(lambda z: z[..., 0], 1, 1, modulus=lambda h: np.nan), 3), "modulus"),
    (lambda: ka_network("target", 3, 3), "target"),
    (lambda: ka_budget(_ka(), np.full(5, np.nan), np.zeros(5), 1.0), "inner_errors"),
    (lambda: ka_budget(_ka(), np.zeros(5), np.zeros(4), 1.0), "outer_errors"),
    (lambda: ka_budget(_ka(), np.zeros(5), -np.ones(5), 1.0), "outer_errors"),
    (lambda: ka_budget(_ka(), np.zeros(5), np.zeros(5), np.inf), "rounding_scale"),
    (lambda: _ka().inner_sums(np.full((1, 2), np.nan)), "z"),
    (lambda: _ka().F(np.full((1, 2), 2.0)), "z"),
]


def _bad_input_names_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{re.escape(name)}"):
        call()


def test_bad_input_names_the_parameter() -> None:
    """Bad input names the parameter: every case of ``BAD_INPUT``."""
    check_every_case(_bad_input_names_the_parameter, BAD_INPUT)
