"""Tests of verify.fitting: adjoint gradients, the budget projection, and what fits can reach."""

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import smoke_and_full

import verify.fitting as fitting
from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.fitting import Layout, fit, fit_batch, kernels, loss_and_gradient

EPS = float(np.finfo(float).eps)
# A central difference at step h = ε^{1/3}·max(1, |θ_j|) has truncation and rounding errors of
# order ε^{2/3} ≈ 4e-11 (relative to the gradient scale); ε^{0.4} ≈ 5e-7 leaves a wide margin
# while any wrong adjoint term (an O(1) relative change) is far outside it.
FD_TOL = EPS**0.4
SHAPES = [(1, 1), (1, 3), (2, 1), (2, 2), (2, 3), (3, 2), (4, 2)]


def _problem(depth, width, seed, T=20, batch=3):
    rng = np.random.default_rng(seed)
    layout = Layout(depth, width)
    lam = rng.uniform(-0.9, 0.9, (batch, depth * width))
    rest = rng.standard_normal((batch, layout.size - depth * width))
    theta = np.concatenate([lam, rest], axis=1)
    return layout, theta, rng.standard_normal(T), rng.uniform(0.2, 2.0, T)


def _central_differences(layout, theta, target, weights):
    fd = np.zeros_like(theta)
    for j in range(layout.size):
        e = np.zeros(layout.size)
        e[j] = EPS ** (1 / 3) * max(1.0, float(np.abs(theta[:, j]).max()))
        up = loss_and_gradient(layout, theta + e, target, weights)[0]
        down = loss_and_gradient(layout, theta - e, target, weights)[0]
        fd[:, j] = (up - down) / (2 * e[j])
    return fd


def _gradient_mismatch(depth, width, seed):
    layout, theta, target, weights = _problem(depth, width, seed)
    _, grad = loss_and_gradient(layout, theta, target, weights)
    fd = _central_differences(layout, theta, target, weights)
    return np.max(np.abs(fd - grad)) / np.max(np.abs(grad))


def _gradient_matches_central_differences(depth, width):
    assert _gradient_mismatch(depth, width, seed=10 * depth + width) < FD_TOL


def test_gradient_matches_central_differences():
    """Every shape of ``SHAPES`` (a failure lists each failing shape)."""
    check_every_case(_gradient_matches_central_differences, SHAPES)


def _gradient_matches_complex_step(depth, width):
    # the loss is a polynomial in θ, so Im L(θ + i h e_j) / h is ∂L/∂θ_j to roundoff
    layout, theta, target, weights = _problem(depth, width, seed=7 * depth + width)
    _, grad = loss_and_gradient(layout, theta, target, weights)
    h = 1e-30
    cs = np.zeros_like(grad)
    for j in range(layout.size):
        e = np.zeros(layout.size, dtype=complex)
        e[j] = 1j * h
        cs[:, j] = loss_and_gradient(layout, theta + e, target, weights)[0].imag / h
    scale = np.max(np.abs(grad)) * len(target) * (depth + 1)
    assert np.max(np.abs(cs - grad)) <= tolerance(NumberKind.FLOAT, scale)


def test_gradient_matches_complex_step():
    """Every shape of ``SHAPES`` (a failure lists each failing shape)."""
    check_every_case(_gradient_matches_complex_step, SHAPES)


def test_broken_adjoint_is_caught(monkeypatch):
    # negative control: drop the λ ⊙ g(t+1) term of the adjoint recurrence
    monkeypatch.setattr(fitting, "_scan_backward", lambda lam, v: v.copy())
    assert _gradient_mismatch(2, 2, seed=3) > 100 * FD_TOL


def _kernels_match_the_theory_models(depth, width):
    layout, theta, _, _ = _problem(depth, width, seed=depth + 5 * width, T=30)
    ours = kernels(layout, theta, 30)
    bound = kernels(layout, np.abs(theta), 30)  # kernel of the absolute model bounds |terms|
    for r in range(theta.shape[0]):
        model = layout.model(theta[r])
        assert isinstance(model, ShallowSSM) == (depth == 1)
        for method in ("closed_form", "recurrence"):
            ref = model.kernel(30, method=method)
            tol = tolerance(NumberKind.FLOAT, 30 * (depth + 1) * np.max(bound[r]))
            assert np.max(np.abs(ours[r] - ref)) <= tol


def test_kernels_match_the_theory_models():
    """Every shape of ``SHAPES`` (a failure lists each failing shape)."""
    check_every_case(_kernels_match_the_theory_models, SHAPES)


def test_pack_unpack_roundtrip():
    layout, theta, _, _ = _problem(3, 2, seed=0)
    assert layout.size == 3 * 2 + 2 + 2 * 4 + 2
    np.testing.assert_array_equal(layout.pack(*layout.unpack(theta)), theta)


def _large_target(T=32):
    return ShallowSSM([0.2, 0.5, 0.9], [10.0, -12.0, 9.0], [10.0, 12.0, 9.0]).kernel(T)


def test_projection_keeps_the_budget_and_binds():
    c, lam_max = 1.5, 0.9
    results = fit_batch(np.stack([_large_target(), -_large_target()]), 2, 2, c,
                        rng=np.random.default_rng(0), restarts=3, iterations=200,
                        lam_max=lam_max)
    for res in results:
        assert res.model.norm() <= c
        assert np.max(np.abs(res.model.eigenvalues)) <= lam_max
        # the target needs far more than the budget, so the constraint is active
        assert res.model.norm() == c


def test_clipping_is_the_projection_onto_the_box():
    layout = Layout(2, 2)
    lower, upper = layout.bounds(2.0, 0.5)
    lam, B1, Bk, C = layout.unpack(np.tile(upper, (1, 1)))
    assert np.all(lam == 0.5) and np.all(B1 == 2.0) and np.all(Bk == 2.0) and np.all(C == 2.0)
    np.testing.assert_array_equal(lower, -upper)


def _deep_target(T=32):
    model = DeepSSM([[0.5, -0.4], [0.8, 0.1]], [[1.2, -0.7], [[0.9, -1.1], [0.6, 1.3]]],
                    [1.0, -1.4])
    return model.kernel(T)


@pytest.mark.parametrize("iterations", smoke_and_full(1000, 2000))
@pytest.mark.parametrize(("depth", "width", "make"), [
    (1, 3, lambda: ShallowSSM([0.3, 0.6, 0.85], [1.5, -1.2, 1.0], [1.4, 1.5, -0.8]).kernel(32)),
    (2, 2, _deep_target),
])
def test_representable_target_is_reached(depth, width, make, iterations):
    # every entry of the generating model is at most 1.5 in modulus, so the target lies in
    # H^m_{1.5, l}; the fit must come close (the smoke version with half the steps, measured
    # relative errors 0.0067 and 0.0037, against 0.0014 and 0.0004 after 2000)
    res = fit(make(), depth, width, 1.5, rng=np.random.default_rng(0), iterations=iterations)
    assert res.relative_error < 1e-2
    assert res.model.norm() <= 1.5


@pytest.mark.parametrize("iterations", smoke_and_full(250, 1000))
def test_too_small_budget_cannot_reach_the_target(iterations):
    # negative control: |ρ(0)| ≤ m^l c^{l+1} for every model in H^m_{c,l}, so the relative error
    # is at least (|ρ*(0)| - m^l c^{l+1}) / ‖ρ*‖ — here about 0.43 (the fit has settled at
    # 0.4962 after 250 steps, the smoke version, as after 1000)
    target = _deep_target()
    c = 0.5
    floor = (abs(target[0]) - 2**2 * c**3) / np.linalg.norm(target)
    assert floor > 0.4
    res = fit(target, 2, 2, c, rng=np.random.default_rng(0), iterations=iterations)
    assert floor <= res.relative_error
    recomputed = np.linalg.norm(res.model.kernel(32) - target) / np.linalg.norm(target)
    assert res.relative_error == pytest.approx(recomputed, rel=1e-9)


def test_fits_are_deterministic():
    a = fit(_deep_target(), 2, 2, 1.0, rng=np.random.default_rng(5), restarts=2, iterations=50)
    b = fit(_deep_target(), 2, 2, 1.0, rng=np.random.default_rng(5), restarts=2, iterations=50)
    assert a.loss == b.loss
    np.testing.assert_array_equal(a.restart_errors, b.restart_errors)


def test_weights_enter_the_loss():
    target = _deep_target(16)
    w = np.zeros(16)
    w[3] = 2.0
    layout, theta, _, _ = _problem(2, 2, seed=1, T=16)
    loss, _ = loss_and_gradient(layout, theta, target, w)
    err = kernels(layout, theta, 16) - target
    np.testing.assert_allclose(loss, 2.0 * err[:, 3] ** 2, rtol=1e-12)


#: Cases ``(kwargs, name)`` of :func:`test_bad_input_is_refused`.
BAD_INPUT_IS_REFUSED_CASES = [
    ({"budget": 0.0}, "budget"),
    ({"budget": np.inf}, "budget"),
    ({"lam_max": 1.0}, "lam_max"),
    ({"restarts": 0}, "restarts"),
    ({"iterations": 0}, "iterations"),
    ({"lr": -1.0}, "lr"),
    ({"weights": -np.ones(8)}, "weights"),
    ({"weights": np.ones(3)}, "weights"),
    ({"depth": 0}, "depth"),
    ({"width": 0}, "width"),
    ({"target": np.ones((2, 8))}, "target"),
]


def _bad_input_is_refused(kwargs, name):
    args = {"target": np.ones(8), "depth": 2, "width": 2, "budget": 1.0, "iterations": 1}
    args.update(kwargs)
    target, depth, width, budget = (args.pop(k) for k in ("target", "depth", "width", "budget"))
    with pytest.raises(InvalidParameterError, match=name):
        fit(target, depth, width, budget, rng=np.random.default_rng(0), **args)


def test_bad_input_is_refused():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_bad_input_is_refused, BAD_INPUT_IS_REFUSED_CASES)


def test_nonfinite_targets_are_refused():
    with pytest.raises(InvalidParameterError, match="targets"):
        fit_batch([[1.0, np.nan]], 1, 1, 1.0, rng=np.random.default_rng(0))


_LAY = Layout(2, 1)
_THETA = np.full((1, _LAY.size), 0.5)


#: Cases ``(call, name)`` of :func:`test_bad_input_of_the_helpers_names_the_parameter`.
BAD_INPUT_OF_THE_HELPERS_CASES = [
    (lambda: _LAY.unpack(np.zeros((1, 1))), "theta"),
    (lambda: _LAY.unpack(np.full((1, _LAY.size), np.nan)), "theta"),
    (lambda: _LAY.pack(np.zeros((1, 2, 2)), *_LAY.unpack(_THETA)[1:]), "lam"),
    (lambda: _LAY.pack(_LAY.unpack(_THETA)[0], np.full((1, 1), np.nan),
                       *_LAY.unpack(_THETA)[2:]), "B1"),
    (lambda: _LAY.bounds(0.0, 0.9), "budget"),
    (lambda: _LAY.bounds(1.0, 0.0), "lam_max"),
    (lambda: _LAY.bounds(1.0, np.nan), "lam_max"),
    (lambda: _LAY.model(np.zeros(1)), "theta_row"),
    (lambda: kernels("layout", _THETA, 4), "layout"),
    (lambda: kernels(_LAY, _THETA, 0), "T"),
    (lambda: loss_and_gradient(_LAY, _THETA, np.full(4, np.nan), np.ones(4)), "target"),
    (lambda: loss_and_gradient(_LAY, _THETA, np.ones(4), np.ones(2)), "weights"),
    (lambda: loss_and_gradient(_LAY, _THETA, np.ones(4), -np.ones(4)), "weights"),
    (lambda: fit(np.ones(4), 1, 1, 1.0, rng=0, iterations=1), "rng"),
    (lambda: fit(np.ones(4), 1, 1, 1.0, rng=np.random.default_rng(0), lr=np.inf,
                 iterations=1), "lr"),
    (lambda: fit(np.ones(4), 1, 1, 1.0, rng=np.random.default_rng(0), lam_max=0.0,
                 iterations=1), "lam_max"),
]


def _bad_input_of_the_helpers_names_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=name):
        call()


def test_bad_input_of_the_helpers_names_the_parameter():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_bad_input_of_the_helpers_names_the_parameter, BAD_INPUT_OF_THE_HELPERS_CASES)


def test_complex_parameters_pass_the_checks():
    # the complex-step derivative needs complex θ through the public entry points
    theta = _THETA + 1e-30j
    loss, grad = loss_and_gradient(_LAY, theta, np.ones(4), np.ones(4))
    assert np.iscomplexobj(loss) and np.iscomplexobj(grad)
    np.testing.assert_array_equal(_LAY.pack(*_LAY.unpack(theta)), theta)
