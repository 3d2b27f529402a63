"""Small exact cases of theory.volterra that pin down what the broader tests leave loose.

Each test targets behaviour that a wrong implementation could change without failing the
tests of ``tests/test_volterra.py``: the full text of every error message, the accepted
boundary values, hand-computed kernels, filters and targets, the ridge decomposition, and every
term of the certified bounds (so that a changed constant in a bound or in its float allowance
fails). All cases are small.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from bad_input_cases import check_every_case

from theory.approximation import c2_interpolation_bound
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from theory.volterra import (
    FIT_HORIZON,
    DampedKernel,
    QuadraticVolterraTarget,
    _causal_filter,
    _geometric_tail,
    _ridges,
    damped_kernel,
    fit_kernel,
    volterra_network,
    wiener_target,
)

K1 = damped_kernel([(0.3, 0.85, 0.0, 0)])
WIENER = wiener_target(K1, 1.0, 0.5)
ARR = "got an array of shape ({}) (dtype float64)"


def _raises_exactly(message: str):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$")


_MESSAGES = [
    (lambda: damped_kernel([(1.0, 1.0, 0.0, 0)]),
     "terms[0]: expected a stable rate |rho| < 1, got 1.0"),
    (lambda: damped_kernel([(1.0, -1.0, 0.0, 0)]),
     "terms[0]: expected a stable rate |rho| < 1, got -1.0"),
    (lambda: damped_kernel([(1.0, 0.5, 0.0, 0), (1.0, 0.5, 0.0, 2)]),
     "terms[1]: expected a power p in {0, 1}, got 2"),
    (lambda: damped_kernel([(1.0, 0.5, 0.0, True)]),
     "terms[0]: expected a power p in {0, 1}, got True"),
    (lambda: damped_kernel([(1.0, 0.5, 0.0, np.True_)]),
     "terms[0]: expected a power p in {0, 1}, got np.True_"),
    (lambda: damped_kernel("abc"),
     "terms: expected a non-empty sequence of (alpha, rho, omega, p) terms, got 'abc'"),
    (lambda: damped_kernel(b"ab"),
     "terms: expected a non-empty sequence of (alpha, rho, omega, p) terms, got b'ab'"),
    (lambda: damped_kernel([]),
     "terms: expected a non-empty sequence of (alpha, rho, omega, p) terms, got []"),
    (lambda: damped_kernel(5),
     "terms: expected a non-empty sequence of (alpha, rho, omega, p) terms, got 5"),
    (lambda: damped_kernel([(1.0, 0.5, 0.0)]),
     "terms[0]: expected a term (alpha, rho, omega, p), got (1.0, 0.5, 0.0)"),
    (lambda: damped_kernel([(1.0, 0.5, 0.0, 0, 0)]),
     "terms[0]: expected a term (alpha, rho, omega, p), got (1.0, 0.5, 0.0, 0, 0)"),
    (lambda: damped_kernel(["abcd"]),
     "terms[0]: expected a term (alpha, rho, omega, p), got 'abcd'"),
    (lambda: damped_kernel([(float("nan"), 0.5, 0.0, 0)]),
     "terms[0]: expected a finite real number, got nan"),
    (lambda: damped_kernel([(1.0, 0.5, float("inf"), 0)]),
     "terms[0]: expected a finite real number, got inf"),
    (lambda: DampedKernel((1.0,), (0.5, 0.2), (0.0,), (0,)),
     "alpha, rho, omega, power: expected non-empty tuples of one length (an entry per term), "
     "got ((1.0,), (0.5, 0.2), (0.0,), (0,))"),
    (lambda: DampedKernel((), (), (), ()),
     "alpha, rho, omega, power: expected non-empty tuples of one length (an entry per term), "
     "got ((), (), (), ())"),
    (lambda: DampedKernel(1.0, (0.5,), (0.0,), (0,)),
     "alpha, rho, omega, power: expected non-empty tuples of one length (an entry per term), "
     "got (1.0, (0.5,), (0.0,), (0,))"),
    (lambda: DampedKernel((1.0,), (0.5,), (0.0,), 0),
     "alpha, rho, omega, power: expected non-empty tuples of one length (an entry per term), "
     "got ((1.0,), (0.5,), (0.0,), 0)"),
    (lambda: DampedKernel((1.0, 2.0), (0.5, 1.5), (0.0, 0.0), (0, 0)),
     "rho[1]: expected a stable rate |rho| < 1, got 1.5"),
    (lambda: DampedKernel([1.0], [0.5], [0.0], [3]),
     "power[0]: expected a power p in {0, 1}, got 3"),
    (lambda: DampedKernel([np.nan], [0.5], [0.0], [0]),
     "alpha[0]: expected a finite real number, got nan"),
    (lambda: DampedKernel([1.0], [0.5], [np.nan], [0]),
     "omega[0]: expected a finite real number, got nan"),
    (lambda: K1(np.array([-1.0])), "s: expected finite lags >= 0, " + ARR.format("1,")),
    (lambda: K1([0.0, np.nan]), "s: expected finite lags >= 0, " + ARR.format("2,")),
    (lambda: K1.tail_bound(-1), "S: expected an integer >= 0, got -1"),
    (lambda: QuadraticVolterraTarget((), np.ones(1), np.ones((1, 1)), 0.0, 1.0),
     "kernels: expected a non-empty tuple of DampedKernel, got ()"),
    (lambda: QuadraticVolterraTarget(K1, np.ones(1), np.ones((1, 1)), 0.0, 1.0),
     "kernels: expected a non-empty tuple of DampedKernel, "
     "got DampedKernel(alpha=(0.3,), rho=(0.85,), omega=(0.0,), power=(0,))"),
    (lambda: QuadraticVolterraTarget((K1, 1), np.ones(2), np.ones((2, 2)), 0.0, 1.0),
     "kernels: expected a non-empty tuple of DampedKernel, "
     "got (DampedKernel(alpha=(0.3,), rho=(0.85,), omega=(0.0,), power=(0,)), 1)"),
    (lambda: QuadraticVolterraTarget((K1,), np.ones(2), np.ones((1, 1)), 0.0, 1.0),
     "linear: expected an array of shape (1,), " + ARR.format("2,")),
    (lambda: QuadraticVolterraTarget((K1,), np.ones(1), np.ones((1, 2)), 0.0, 1.0),
     "quadratic: expected an array of shape (1, 1), " + ARR.format("1, 2")),
    (lambda: QuadraticVolterraTarget((K1, K1), np.ones(2), [[1.0, 1.0], [1e-300, 1.0]], 0.0,
                                     1.0),
     "quadratic: expected an upper triangular matrix (entries below the diagonal 0), "
     + ARR.format("2, 2")),
    (lambda: QuadraticVolterraTarget((K1,), np.ones(1), np.ones((1, 1)), np.nan, 1.0),
     "constant: expected a finite real number, got nan"),
    (lambda: QuadraticVolterraTarget((K1,), np.ones(1), np.ones((1, 1)), 0.0, 0.0),
     "input_bound: expected a finite real number > 0, got 0.0"),
    (lambda: WIENER.check_input("ab"), "x: expected a sequence of real numbers, got 'ab'"),
    (lambda: WIENER.check_input([{}]), "x: expected a sequence of real numbers, got [{}]"),
    (lambda: WIENER.check_input(1.0),
     "x: expected a sequence (..., T) with T >= 1, got an array of shape () (dtype float64)"),
    (lambda: WIENER.check_input(np.zeros((2, 0))),
     "x: expected a sequence (..., T) with T >= 1, " + ARR.format("2, 0")),
    (lambda: WIENER.check_input([[np.nan]]),
     "x: expected finite entries with |x| <= input_bound = 1.0, " + ARR.format("1, 1")),
    (lambda: WIENER.check_input([0.0, -1.0000000000000002]),
     "x: expected finite entries with |x| <= input_bound = 1.0, " + ARR.format("2,")),
    (lambda: wiener_target("k", 1.0, 0.5), "kernel: expected a DampedKernel, got 'k'"),
    (lambda: wiener_target(K1, np.nan, 0.5), "a: expected a finite real number, got nan"),
    (lambda: wiener_target(K1, 1.0, np.inf), "b: expected a finite real number, got inf"),
    (lambda: wiener_target(K1, 1.0, 0.5, constant=np.nan),
     "constant: expected a finite real number, got nan"),
    (lambda: wiener_target(K1, 1.0, 0.5, input_bound=-1.0),
     "input_bound: expected a finite real number > 0, got -1.0"),
    (lambda: fit_kernel(np.ones(8), -1.0, [0.5], horizon=8),
     "tail: expected a finite real number >= 0, got -1.0"),
    (lambda: fit_kernel(np.ones(3), 0.0, [0.5], horizon=8),
     "values: expected at least horizon = 8 kernel values, " + ARR.format("3,")),
    (lambda: fit_kernel(np.ones(8), 0.0, [1.0], horizon=8),
     "rates: expected stable rates (|r| < 1), " + ARR.format("1,")),
    (lambda: fit_kernel(np.ones(8), 0.0, [0.5, -1.0], horizon=8),
     "rates: expected stable rates (|r| < 1), " + ARR.format("2,")),
    (lambda: fit_kernel(np.ones(8), 0.0, [[0.5]], horizon=8),
     "rates: expected an array of shape (n,), " + ARR.format("1, 1")),
    (lambda: fit_kernel(np.ones((1, 8)), 0.0, [0.5], horizon=8),
     "values: expected an array of shape (n,), " + ARR.format("1, 8")),
    (lambda: fit_kernel(np.ones(8), 0.0, [0.5], horizon=0),
     "horizon: expected an integer >= 1, got 0"),
    (lambda: fit_kernel(np.ones(8), 0.0, [0.5], horizon=8, coefficients=[1.0, 2.0]),
     "coefficients: expected an array of shape (1,), " + ARR.format("2,")),
    (lambda: volterra_network("target", [0.5], 9),
     "target: expected a QuadraticVolterraTarget, got 'target'"),
    (lambda: volterra_network(WIENER, [0.5, 0.5], 9),
     "rates: expected distinct non-zero rates, " + ARR.format("2,")),
    (lambda: volterra_network(WIENER, [0.5, 0.0], 9),
     "rates: expected distinct non-zero rates, " + ARR.format("2,")),
    (lambda: volterra_network(WIENER, [1.5], 9),
     "rates: expected stable rates (|r| < 1), " + ARR.format("1,")),
    (lambda: volterra_network(WIENER, [0.5], 1), "knots: expected an integer >= 2, got 1"),
    (lambda: volterra_network(WIENER, [0.5], 3, horizon=0),
     "horizon: expected an integer >= 1, got 0"),
]


def _messages_are_exact(call, message):
    with _raises_exactly(message):
        call()


def test_messages_are_exact() -> None:
    """Messages are exact: every case of the table."""
    check_every_case(_messages_are_exact, _MESSAGES)


def test_target_without_readout_term_is_refused_by_name():
    with pytest.raises(InvalidParameterError,
                       match=r"^target: expected a target with a non-zero readout coefficient, "
                             r"got QuadraticVolterraTarget\("):
        volterra_network(wiener_target(K1, 0.0, 0.0), [0.5], 9)


# -------------------------------------------------------------------- kernels


def test_damped_kernel_values_by_hand():
    k = damped_kernel([(2.0, 0.5, math.pi, 1), (1.0, -0.25, 0.0, 0)])
    assert isinstance(k, DampedKernel)
    assert k.alpha == (2.0, 1.0) and k.rho == (0.5, -0.25) and k.power == (1, 0)
    assert k.omega == (math.pi, 0.0) and all(type(p) is int for p in k.power)
    # s = 0: 2 + 1; s = 1: 2·2·0.5·cos(π) - 0.25; s = 2: 2·3·0.25·cos(2π) + 0.0625
    assert np.allclose(k([0, 1, 2]), [3.0, -2.25, 1.5625], rtol=1e-15, atol=1e-15)
    assert k(np.array([0.0])).shape == (1,) and k(0.0).shape == ()
    listed = DampedKernel([1.0], [0.5], [0.0], [1])
    assert listed.alpha == (1.0,) and isinstance(listed.rho, tuple)
    assert damped_kernel([[1.0, 0.5, 0.0, 1.0]]).power == (1,)


def test_tail_and_l1_bounds_by_hand():
    k = damped_kernel([(2.0, -0.5, 1.0, 0), (-3.0, 0.5, 0.0, 1)])
    # p = 0: |a| q^S / (1 - q); p = 1: |a| q^S (S + 1 - S q) / (1 - q)^2
    assert k.tail_bound(0) == 2.0 / 0.5 + 3.0 / 0.25
    assert k.tail_bound(2) == 2.0 * 0.25 / 0.5 + 3.0 * 0.25 * (3 - 1.0) / 0.25
    assert k.l1_bound() == k.tail_bound(0)
    assert isinstance(k.tail_bound(0), float)


def test_causal_filter_and_target_by_hand():
    h = np.array([1.0, 0.5, 0.25])
    x = np.array([[1.0, -1.0, 2.0]])
    assert np.allclose(_causal_filter(h, x), [[1.0, -0.5, 1.75]], atol=1e-15)
    # a kernel longer than the sequence is cut to the sequence length
    assert _causal_filter(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0])).shape == (2,)
    ka = damped_kernel([(1.0, 0.5, 0.0, 0)])
    kb = damped_kernel([(2.0, -0.5, 0.0, 0)])
    target = QuadraticVolterraTarget([ka, kb], [1.0, -2.0], [[0.5, 1.0], [0.0, 3.0]], 0.25, 2.0)
    assert isinstance(target.kernels, tuple) and target.input_bound == 2.0
    # the readout given as lists is stored as checked float arrays
    assert isinstance(target.linear, np.ndarray) and target.linear.dtype == np.float64
    assert isinstance(target.quadratic, np.ndarray) and target.quadratic.dtype == np.float64
    # and the constant and the bound as floats (a Fraction would turn the outputs into objects)
    exact = QuadraticVolterraTarget((ka,), [1.0], [[0.0]], Fraction(1, 4), Fraction(1, 2))
    assert type(exact.constant) is float and exact.constant == 0.25
    assert type(exact.input_bound) is float and exact.input_bound == 0.5
    assert exact([0.5]).dtype == np.float64
    x = np.array([2.0, -2.0])
    v = target.filtered(x)
    # v_a = (2, -2 + 1), v_b = (4, -4 - 2)
    assert v.shape == (2, 2) and np.allclose(v, [[2.0, 4.0], [-1.0, -6.0]], atol=1e-14)
    y = target(x)
    expected = [0.25 + 2 - 8 + 0.5 * 4 + 8 + 3 * 16, 0.25 - 1 + 12 + 0.5 + 6 + 3 * 36]
    assert np.allclose(y, expected, rtol=1e-14)
    assert target.check_input([2.0, -2.0]).tolist() == [2.0, -2.0]  # |x| = B is allowed
    assert target.check_input([0.5]).shape == (1,)


def test_wiener_target_fields():
    t = wiener_target(K1, -1.5, 0.25, input_bound=0.5, constant=2.0)
    assert t.kernels == (K1,) and t.linear.tolist() == [-1.5]
    assert t.quadratic.tolist() == [[0.25]] and t.constant == 2.0 and t.input_bound == 0.5
    assert wiener_target(K1, 1.0, 0.5).input_bound == 1.0
    assert wiener_target(K1, 1.0, 0.5).constant == 0.0


# -------------------------------------------------------------------- fits and bounds


def test_geometric_tail_by_hand():
    assert _geometric_tail(np.array([2.0, -1.0]), np.array([0.5, -0.5]), 2) == \
        2.0 * 0.25 / 0.5 + 1.0 * 0.25 / 0.5


def test_fit_kernel_terms_are_exact():
    values = np.array([1.0, 0.25, 0.5, 0.0, 7.0])
    rates = np.array([0.5, -0.25])
    coef = np.array([1.0, -2.0])
    fit = fit_kernel(values, 0.125, rates, horizon=4, coefficients=coef)
    approx = np.array([1.0 - 2.0, 0.5 + 0.5, 0.25 - 0.125, 0.125 + 2 * 0.25**3])
    geo = 1.0 * 0.5**4 / 0.5 + 2.0 * 0.25**4 / 0.75
    slack = tolerance(NumberKind.FLOAT, 4 * (1.0 + 1.0 + 1))
    finite = float(np.sum(np.abs(values[:4] - approx)))
    assert fit.l1_error == finite + 0.125 + geo + slack
    assert fit.l1_norm == float(np.sum(np.abs(approx))) + geo + slack
    assert fit.coefficients.tolist() == [1.0, -2.0]
    ls = fit_kernel(0.5 ** np.arange(6), 0.0, [0.5], horizon=6)
    assert np.allclose(ls.coefficients, [1.0], rtol=1e-14)
    # h = ĥ exactly; both tails beyond the horizon still count: 0 (declared) + 0.5^6/0.5
    assert 0 <= ls.l1_error - 0.5**6 / 0.5 <= 2 * tolerance(NumberKind.FLOAT, 6 * 3)
    assert FIT_HORIZON == 4096


def _expected_bound(target, rates, knots, horizon):
    """Every term of :attr:`VolterraApproximant.bound`, recomputed from the module docstring."""
    r = np.asarray(rates, dtype=float)
    lags = np.arange(horizon)
    H = np.stack([k(lags) for k in target.kernels])
    tails = np.array([k.tail_bound(horizon) for k in target.kernels])
    norms = np.array([k.l1_bound() for k in target.kernels])
    coef = np.stack([fit_kernel(H[j], tails[j], r, horizon=horizon).coefficients
                     for j in range(len(target.kernels))])
    B = target.input_bound
    prop = interp = 0.0
    errors = []
    for e, a, beta in _ridges(target):
        fit = fit_kernel(e @ H, float(np.abs(e) @ tails), r, horizon=horizon,
                         coefficients=e @ coef)
        R = B * max(fit.l1_norm, float(np.abs(e) @ norms))
        errors.append(fit.l1_error)
        prop += (abs(a) + 2 * abs(beta) * R) * B * fit.l1_error
        interp += c2_interpolation_bound(2 * abs(beta), 2 * R / (knots - 1))
    return prop, interp, errors, norms


def test_volterra_bound_terms_are_exact():
    k2 = damped_kernel([(0.4, 0.6, 0.5, 0)])
    target = QuadraticVolterraTarget((K1, k2), np.array([1.0, -0.5]),
                                     np.array([[0.3, 0.4], [0.0, 0.2]]), 0.1, 0.75)
    rates, knots, horizon = [0.6, 0.85], 5, 64
    approx = volterra_network(target, rates, knots, horizon=horizon)
    prop, interp, errors, norms = _expected_bound(target, rates, knots, horizon)
    assert approx.kernel_errors == tuple(errors) and len(errors) == 4
    assert approx.propagation == prop and approx.interpolation == interp
    m, K = approx.widths[2] - 1, 2
    scale = (1.5 * 0.75 * norms.max() + 0.9 * (0.75 * norms.max()) ** 2 + 0.1 + 1) * (m + K)
    assert approx.bound == prop + interp + tolerance(NumberKind.FLOAT, scale)
    assert approx.knots == knots and approx.rates.tolist() == rates
    assert approx.target is target and approx.neurons == sum(approx.widths)
    assert approx.widths == (2, 4 * (knots - 1), 4 * (knots - 1) + 1)


def test_ridges_of_a_two_kernel_readout():
    target = QuadraticVolterraTarget((K1, K1, K1), np.array([1.0, 0.0, 0.0]),
                                     np.array([[0.0, 0.4, 0.0], [0.0, 0.0, 0.0],
                                               [0.0, 0.0, -0.2]]), 0.0, 1.0)
    ridges = _ridges(target)
    assert [(e.tolist(), a, b) for e, a, b in ridges] == [
        ([1.0, 0.0, 0.0], 1.0, 0.0), ([0.0, 0.0, 1.0], 0.0, -0.2),
        ([1.0, 1.0, 0.0], 0.0, 0.1), ([1.0, -1.0, 0.0], 0.0, -0.1)]


def test_network_reproduces_a_linear_readout_and_the_constant():
    # h(s) = 0.5^s is in the bank's span: the linear part is exact, the constant is added once
    target = wiener_target(damped_kernel([(1.0, 0.5, 0.0, 0)]), 2.0, 0.0, constant=-0.75)
    approx = volterra_network(target, [0.5], 2, horizon=32)
    assert approx.interpolation == 0
    x = np.array([1.0, -1.0, 0.5, 0.0])
    y = approx.stack.run(x[:, None])[:, 0]
    assert np.allclose(y, target(x), rtol=0, atol=1e-12)
    assert np.allclose(approx.stack.run(np.zeros((2, 1)))[:, 0], [-0.75, -0.75], atol=1e-15)
    assert approx.bound < 1e-8
    assert approx.widths == (1, 1, 2)


def test_smallest_horizon_and_far_lags():
    fit = fit_kernel(np.array([1.0, 9.0]), 0.0, [0.5], horizon=1)
    # one lag fitted exactly; the fitted mode's tail Σ_{s≥1} 0.5^s = 1 is all of the error
    assert fit.coefficients.tolist() == [1.0] and fit.l1_error == 1.0 + tolerance(
        NumberKind.FLOAT, 3.0)
    approx = volterra_network(wiener_target(K1, 1.0, 0.0), [0.85], 2, horizon=1)
    # both tails beyond the single lag: 0.3·0.85/0.15 each
    assert approx.kernel_errors[0] == pytest.approx(3.4, rel=1e-12)
    assert K1([2**70]).tolist() == [0.0]  # a huge integer lag is a float lag, not an object


def test_causal_filter_pads_to_the_documented_length(monkeypatch):
    """Both forward transforms have the documented length ``n = 2T``, the shortest even
    length ``≥ 2T - 1`` (any longer padding gives the same convolution up to rounding only, at
    more cost; a shorter one wraps around, caught by ``test_causal_filter_matches_the_direct_sum``
    in ``tests/test_volterra.py``)."""
    lengths = []
    rfft = np.fft.rfft

    def spy(a, n=None, *args, **kwargs):
        lengths.append(n)
        return rfft(a, n, *args, **kwargs)

    monkeypatch.setattr(np.fft, "rfft", spy)
    v = _causal_filter(np.array([1.0, 0.5, 0.25, 0.125, 0.0625]), np.ones((2, 5)))
    assert lengths == [10, 10]
    # the FFT's rounding bound here (tests/test_volterra.py, _fft_convolution_tolerance): 4.4e-14
    assert np.allclose(v, [[1.0, 1.5, 1.75, 1.875, 1.9375]] * 2, rtol=0, atol=5e-14)
