"""Tests of theory.volterra (WX23 Result D: filter bank + ridge readout, width free of T)."""

from __future__ import annotations

import re
from itertools import product

import numpy as np
import pytest
from bad_input_cases import check_every_case

from theory.numbers import InvalidParameterError, NumberKind, tolerance
from theory.volterra import (
    QuadraticVolterraTarget,
    damped_kernel,
    fit_kernel,
    volterra_network,
    wiener_target,
)

KERNEL = damped_kernel([(0.3, 0.85, 0.0, 0), (0.2, 0.7, 0.0, 1)])
RATES = [0.5, 0.65, 0.75, 0.85, 0.92]


def run(approx, x):
    return np.stack([approx.stack.run(seq[:, None])[:, 0] for seq in x])


def test_tail_bound_dominates_the_sum():
    k = damped_kernel([(0.5, -0.8, 1.3, 1), (-0.2, 0.6, 0.0, 0)])
    s = np.arange(4000)
    for S in (0, 5, 40):
        assert np.sum(np.abs(k(s[S:]))) <= k.tail_bound(S) * (1 + 1e-12)


def test_kernel_fit_error_is_an_upper_bound_and_exact_kernels_fit_exactly():
    k = damped_kernel([(0.4, 0.5, 0.0, 0), (-0.1, 0.75, 0.0, 0)])
    fit = fit_kernel(k(np.arange(4096)), k.tail_bound(4096), np.array([0.5, 0.75]))
    # only the float allowance tolerance(float, S·(max|h| + max|ĥ| + 1)) ≈ 4e-9 remains
    assert fit.l1_error <= tolerance(NumberKind.FLOAT, 4096 * 2)
    fit2 = fit_kernel(KERNEL(np.arange(4096)), KERNEL.tail_bound(4096), np.array(RATES))
    s = np.arange(20000)
    approx = (np.power.outer(np.array(RATES), s).T @ fit2.coefficients)
    assert np.sum(np.abs(KERNEL(s) - approx)) <= fit2.l1_error


def test_error_within_bound_and_flat_in_T_at_fixed_width():
    target = wiener_target(KERNEL, 1.0, 0.5)
    approx = volterra_network(target, RATES, 17)
    assert approx.widths == (5, 16, 17)  # no T anywhere
    rng = np.random.default_rng(0)
    errs = []
    for T in (8, 64, 400):
        x = rng.uniform(-1, 1, (2, T))
        errs.append(np.max(np.abs(run(approx, x) - target(x))))
    assert max(errs) <= approx.bound
    assert max(errs[1:]) <= 3 * errs[0] + approx.interpolation  # no growth with T


def test_second_order_volterra_with_cross_terms():
    k2 = damped_kernel([(0.4, 0.6, 0.5, 0)])
    target = QuadraticVolterraTarget((KERNEL, k2), np.array([1.0, -0.5]),
                                     np.array([[0.3, 0.4], [0.0, 0.2]]), 0.1, 1.0)
    approx = volterra_network(target, RATES, 33)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 60))
    assert np.max(np.abs(run(approx, x) - target(x))) <= approx.bound


def test_negative_controls_tightened_bound_and_coarse_readout():
    target = wiener_target(damped_kernel([(0.5, 0.6, 0.0, 0)]), 0.0, 1.0)
    approx = volterra_network(target, [0.6], 5)  # kernel exact: the error is interpolation
    assert approx.propagation < 1e-3 * approx.interpolation
    # constant input 1: v -> 1.25 approaches the middle of a cell of the square's interpolant
    x = np.ones((1, 60))
    err = np.max(np.abs(run(approx, x) - target(x)))
    assert err <= approx.bound
    assert err > 0.5 * approx.bound  # the bound is within a factor 2 here: halving it fails
    fine = volterra_network(target, [0.6], 65)
    assert err > fine.bound  # a too-coarse readout violates the finer construction's bound


def test_bad_inputs():
    with pytest.raises(InvalidParameterError, match="rho"):
        damped_kernel([(1.0, 1.0, 0.0, 0)])
    with pytest.raises(InvalidParameterError, match="power"):
        damped_kernel([(1.0, 0.5, 0.0, 2)])
    target = wiener_target(KERNEL, 1.0, 0.5)
    with pytest.raises(InvalidParameterError, match="input_bound"):
        target(np.full((1, 5), 1.5))
    with pytest.raises(InvalidParameterError, match="rates"):
        volterra_network(target, [0.5, 1.2], 9)
    with pytest.raises(InvalidParameterError, match="knots"):
        volterra_network(target, RATES, 1)
    with pytest.raises(InvalidParameterError, match="linear"):
        QuadraticVolterraTarget((KERNEL,), np.ones(2), np.ones((1, 1)), 0.0, 1.0)
    with pytest.raises(InvalidParameterError, match="quadratic"):
        QuadraticVolterraTarget((KERNEL,), np.ones(1), np.ones((1, 2)), 0.0, 1.0)
    with pytest.raises(InvalidParameterError, match="target"):
        volterra_network(wiener_target(KERNEL, 0.0, 0.0), RATES, 9)


def _sharp_linear_case(horizon=8, T=400):
    """A linear readout (no interpolation error) whose kernel tail is missed by the bank.

    ``h(s) = 0.8·0.9^s`` against one fast mode ``0.2^s`` fitted on ``8`` lags: the certified
    ``ℓ¹`` error is dominated by the tail ``Σ_{s≥8} h(s)``. The input ``x_t = B sgn(a)
    sgn(e(T-1-t))``, ``e = h - ĥ`` (ĥ read off the constructed bank), makes the final output
    error ``|a| B Σ_{s<T} |e(s)|``: the propagation bound, up to the bank's own tail and the
    lags beyond ``T``.
    """
    kernel = damped_kernel([(0.8, 0.9, 0.0, 0)])
    target = wiener_target(kernel, -1.3, 0.0, input_bound=0.7)
    approx = volterra_network(target, [0.2], 2, horizon=horizon)
    e = kernel(np.arange(T)) - approx.stack.layers[0].kernel(T)[:, 0, 0]
    x = (0.7 * np.sign(-1.3) * np.sign(e[::-1]))[None]
    err = float(np.max(np.abs(run(approx, x) - target(x))))
    return approx, err, kernel


def test_propagation_bound_with_its_kernel_tail_is_attained():
    approx, err, kernel = _sharp_linear_case()
    assert approx.interpolation == 0
    assert err <= approx.bound
    assert err >= (1 - 1e-5) * approx.bound  # halving the propagation term would fail
    # the kernel tail beyond the fit horizon (about half the certified error): without it the
    # bound is violated
    assert err > approx.bound - 1.3 * 0.7 * kernel.tail_bound(8)


def test_tail_bound_is_attained_by_a_single_term():
    for term in [(0.5, -0.8, 0.0, 0), (-0.3, 0.7, 0.0, 1)]:
        k = damped_kernel([term])
        s = np.arange(6000)
        for S in (0, 7):
            assert np.sum(np.abs(k(s[S:]))) == pytest.approx(k.tail_bound(S), rel=1e-12)


#: Cases ``(call, name)`` of :func:`test_bad_input_names_the_parameter`.
BAD_INPUT = [
    (lambda: fit_kernel(np.ones(8), -1.0, [0.5], horizon=8), "tail"),
    (lambda: fit_kernel(np.ones(8), float("nan"), [0.5], horizon=8), "tail"),
    (lambda: fit_kernel(np.ones(3), 0.0, [0.5], horizon=8), "values"),
    (lambda: fit_kernel(np.r_[np.nan, np.ones(7)], 0.0, [0.5], horizon=8), "values"),
    (lambda: fit_kernel(np.ones(8), 0.0, [1.0], horizon=8), "rates"),
    (lambda: fit_kernel(np.ones(8), 0.0, [], horizon=8), "rates"),
    (lambda: fit_kernel(np.ones(8), 0.0, [0.5], horizon=0), "horizon"),
    (lambda: fit_kernel(np.ones(8), 0.0, [0.5], horizon=8, coefficients=[1.0, 2.0]),
     "coefficients"),
    (lambda: damped_kernel("abc"), "terms"),
    (lambda: damped_kernel([(float("nan"), 0.5, 0.0, 0)]), "terms[0]"),
    (lambda: KERNEL(np.array([-1.0])), "s"),
    (lambda: KERNEL.tail_bound(-1), "S"),
    (lambda: wiener_target(KERNEL, float("nan"), 0.5), "a"),
    (lambda: wiener_target(KERNEL, 1.0, float("inf")), "b"),
    (lambda: wiener_target("kernel", 1.0, 0.5), "kernel"),
    (lambda: wiener_target(KERNEL, 1.0, 0.5, constant=float("nan")), "constant"),
    (lambda: wiener_target(KERNEL, 1.0, 0.5, input_bound=0.0), "input_bound"),
    (lambda: volterra_network("target", RATES, 9), "target"),
    (lambda: volterra_network(wiener_target(KERNEL, 1.0, 0.5), RATES, 9, horizon=0),
     "horizon"),
    (lambda: volterra_network(wiener_target(KERNEL, 1.0, 0.5), [0.5, 0.5], 9), "rates"),
]


def _bad_input_names_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{re.escape(name)}"):
        call()


def test_bad_input_names_the_parameter() -> None:
    """Bad input names the parameter: every case of ``BAD_INPUT``."""
    check_every_case(_bad_input_names_the_parameter, BAD_INPUT)


def test_fit_kernel_certified_error_is_never_negative():
    # a tail given as -1 used to make the "certified" error negative; now refused, and a
    # valid fit's error is at least the finite part it sums
    k = damped_kernel([(0.4, 0.5, 0.0, 0)])
    fit = fit_kernel(k(np.arange(64)), k.tail_bound(64), np.array([0.3]), horizon=64)
    approx = 0.3 ** np.arange(64) * fit.coefficients[0]
    assert fit.l1_error >= np.sum(np.abs(k(np.arange(64)) - approx)) > 0


def _direct_causal_sum(h, x):
    """``Σ_{s≤k} h(s) x_{k-s}`` along the last axis in exact rationals, rounded once."""
    from fractions import Fraction

    def one(row):
        return [float(sum(Fraction(float(h[s])) * Fraction(float(row[k - s]))
                          for s in range(k + 1))) for k in range(row.shape[0])]
    return np.array([one(row) for row in x.reshape(-1, x.shape[-1])]).reshape(x.shape)


def _fft_convolution_tolerance(h, row):
    """Rounding bound of the FFT convolution of length ``N = 2T`` (``L = log2 N`` passes).

    Higham (2002), Thm 24.2: a computed FFT has ``‖fl(Fz) - Fz‖_2 ≤ L η ‖Fz‖_2`` with
    ``η = μ + γ_4 (√2 + μ) ≤ 7u`` for twiddles accurate to ``μ ≤ u``. Propagated through the two
    forward transforms (``‖Fz‖_2 = √N ‖z‖_2``, ``‖F h‖_∞ ≤ ‖h‖_1``), the pointwise product
    (``√2 γ_2 < 3u``) and the inverse transform, the error of every output is at most
    ``‖δv‖_2 ≤ 7uL (2‖h‖_1‖x‖_2 + ‖x‖_1‖h‖_2) + 3u ‖h‖_1‖x‖_2``; ``8u`` for ``7u`` absorbs the
    second-order terms and the rounding of the exact reference.
    """
    u = np.finfo(float).eps / 2
    L = max(np.log2(2 * row.shape[-1]), 1.0)
    h1, h2 = np.abs(h).sum(), np.linalg.norm(h)
    x1, x2 = np.abs(row).sum(), np.linalg.norm(row)
    return 8 * u * L * (2 * h1 * x2 + x1 * h2) + 3 * u * h1 * x2


def _causal_filter_matches_the_direct_sum(T):
    from theory.volterra import _causal_filter

    rng = np.random.default_rng(T)
    h = damped_kernel([(0.7, -0.9, 0.4, 1), (-0.3, 0.8, 0.0, 0)])(np.arange(T))
    x = rng.uniform(-1.0, 1.0, (2, 2, T))
    v = _causal_filter(h, x)
    assert v.shape == x.shape and v.dtype == np.float64
    exact = _direct_causal_sum(h, x)
    for i in range(2):
        for j in range(2):
            assert np.max(np.abs(v[i, j] - exact[i, j])) <= _fft_convolution_tolerance(h, x[i, j])
            assert np.array_equal(_causal_filter(h, x[i, j]), v[i, j])
    # a kernel longer than T: the values past T cannot reach the first T outputs
    longer = damped_kernel([(0.7, -0.9, 0.4, 1)])(np.arange(3 * T))
    assert np.array_equal(_causal_filter(longer, x), _causal_filter(longer[:T], x))


def test_causal_filter_matches_the_direct_sum() -> None:
    """Against the exact sum at the FFT's rounding bound, on a batch ``(2, 2, T)`` (rows
    bitwise as when filtered alone) and on one sequence; real float64 out, shape of ``x``."""
    check_every_case(_causal_filter_matches_the_direct_sum, product([1, 2, 5, 37, 64]))
