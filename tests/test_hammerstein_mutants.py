"""Small exact cases of theory.hammerstein that pin down what the broader tests leave loose.

Each test targets behaviour that a wrong implementation could change without failing the
tests of ``tests/test_hammerstein.py``: the full text of every error message, the accepted
boundary values, the layers of the construction, every field of the budget and of the worst
case (its sign, time and input) on hand-computed instances. All cases are exact and small.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case

from theory.hammerstein import (
    HammersteinTarget,
    PiecewiseLinear,
    hammerstein_budget,
    hammerstein_network,
    truncated_filter,
    worst_case_error,
)
from theory.layers import SSMLayer
from theory.numbers import InvalidParameterError

R = sympy.Rational

_F = PiecewiseLinear([R(0), R(1)], [R(0), R(1)])
_FILT = SSMLayer([R(1, 2)], [[R(1)]], [[R(2)]])
_FLOAT_FILT = SSMLayer([0.5], [[1.0]], [[1.0]])
_T0 = HammersteinTarget(_F, _FILT, R(0), R(1))
_A0 = hammerstein_network(_T0, 3)
_FILTER_TEXT = "expected a discrete SSMLayer with one input, one output and no bias, got "
_SIN = HammersteinTarget(np.sin, _FLOAT_FILT, 0.0, 1.0, 1.0)

# f has its kink at 2 inside [1, 3]; with N = 2 knots (1 and 3) f̂(x) = 1 - (x - 1)/4, so
# f - f̂ is 0 at the knots and -7/4 at x = 2: the worst error is negative, at x = 2.
_KINK = PiecewiseLinear([R(1), R(2), R(4)], [R(1), R(-1), R(2)])


def _obj(rows):
    return np.array([[v] for v in rows], dtype=object)


def _raises_exactly(message: str):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$")


_MESSAGES = [
    (lambda: PiecewiseLinear([R(0)], [R(1)]),
     "points: expected at least two strictly increasing abscissae, got [0]"),
    (lambda: PiecewiseLinear([R(1), R(0)], [R(0), R(1)]),
     "points: expected at least two strictly increasing abscissae, got [1, 0]"),
    (lambda: PiecewiseLinear([R(0), R(0)], [R(0), R(1)]),
     "points: expected at least two strictly increasing abscissae, got [0, 0]"),
    (lambda: PiecewiseLinear([R(0), R(1), R(1)], [R(0), R(1), R(2)]),
     "points: expected at least two strictly increasing abscissae, got [0, 1, 1]"),
    (lambda: PiecewiseLinear([R(0), R(1)], [R(0)]),
     "values: expected one value per point (2), got [0]"),
    (lambda: PiecewiseLinear([[R(0), R(1)]], [[R(0), R(1)]]),
     "points: expected a 1-dimensional array, got shape (1, 2)"),
    (lambda: PiecewiseLinear([0.0, float("nan")], [0.0, 1.0]),
     "points: entries must be finite (no NaN or inf)"),
    (lambda: PiecewiseLinear([0.0, 1.0], [0.0, float("inf")]),
     "values: entries must be finite (no NaN or inf)"),
    (lambda: PiecewiseLinear([R(0), R(1)], [0.0, 1.0]),
     "points: exact (sympy) numbers mixed with float numbers in values; convert them to one "
     "kind first (sympy.Rational for exact, mpmath.mpf for high precision)"),
    (lambda: PiecewiseLinear([0.0, 1.0], [0.0, 1.0])("a"), "x: expected real points, got 'a'"),
    (lambda: _F(R(2)), "x: expected a point in [0, 1], got 2"),
    (lambda: _F(R(-1)), "x: expected a point in [0, 1], got -1"),
    (lambda: _F("a"), "x: expected a point in [0, 1], got 'a'"),
    (lambda: HammersteinTarget(5, _FILT, R(0), R(1)), "f: expected a callable nonlinearity, got 5"),
    (lambda: HammersteinTarget(_F, "x", R(0), R(1)), "filter: " + _FILTER_TEXT + "'x'"),
    (lambda: HammersteinTarget(_F, SSMLayer([R(1, 2)], [[R(1)]], [[R(1)]], b=[R(1)]), R(0), R(1)),
     "filter: " + _FILTER_TEXT + "SSMLayer(width=1, d_in=1, d_out=1, discrete, exact, diagonal)"),
    (lambda: HammersteinTarget(_F, SSMLayer([R(1, 2)], [[R(1), R(1)]], [[R(1)]]), R(0), R(1)),
     "filter: " + _FILTER_TEXT + "SSMLayer(width=1, d_in=2, d_out=1, discrete, exact, diagonal)"),
    (lambda: HammersteinTarget(_F, SSMLayer([R(1, 2)], [[R(1)]], [[R(1)], [R(1)]]), R(0), R(1)),
     "filter: " + _FILTER_TEXT + "SSMLayer(width=1, d_in=1, d_out=2, discrete, exact, diagonal)"),
    (lambda: HammersteinTarget(_F, SSMLayer([R(-1, 2)], [[R(1)]], [[R(1)]], time="continuous"),
                               R(0), R(1)),
     "filter: " + _FILTER_TEXT + "SSMLayer(width=1, d_in=1, d_out=1, continuous, exact, diagonal)"),
    (lambda: HammersteinTarget(_F, SSMLayer([R(2)], [[R(1)]], [[R(1)]], require_stable=False),
                               R(0), R(1)),
     "filter: expected a stable filter (spectral radius < 1), got SSMLayer(width=1, d_in=1, "
     "d_out=1, discrete, exact, diagonal)"),
    (lambda: HammersteinTarget(_F, _FILT, R(1), R(1)),
     "b: expected a finite real number > 1, got 1"),
    (lambda: HammersteinTarget(_F, _FILT, 0.0, 1.0),
     "a: expected exact end points a, b for an exact filter, got (0.0, 1.0)"),
    (lambda: HammersteinTarget(_F, _FILT, R(0), 1.0),
     "a: exact (sympy) numbers mixed with float numbers in b; convert them to one kind first "
     "(sympy.Rational for exact, mpmath.mpf for high precision)"),
    (lambda: HammersteinTarget(_F, _FILT, R(0), R(2)),
     "f: expected a piecewise-linear function defined on [0, 2], got PiecewiseLinear(points="
     "array([0, 1], dtype=object), values=array([0, 1], dtyp..."),
    (lambda: HammersteinTarget(_F, _FILT, R(-1), R(1)),
     "f: expected a piecewise-linear function defined on [-1, 1], got PiecewiseLinear(points="
     "array([0, 1], dtype=object), values=array([0, 1], dtyp..."),
    (lambda: HammersteinTarget(np.sin, _FLOAT_FILT, 0.0, 1.0),
     "lipschitz: expected a Lipschitz constant of f (required for a callable f), got None"),
    (lambda: HammersteinTarget(np.sin, _FLOAT_FILT, 0.0, 1.0, -1.0),
     "lipschitz: expected a finite real number >= 0, got -1.0"),
    (lambda: HammersteinTarget(np.sin, _FLOAT_FILT, 0.0, 1.0, 1.0, -1.0),
     "second_derivative: expected a finite real number >= 0, got -1.0"),
    (lambda: _T0(_obj([R(2)])),
     "u: expected inputs in [0, 1], got an array of shape (1, 1) (dtype object)"),
    (lambda: _T0(_obj([R(-1)])),
     "u: expected inputs in [0, 1], got an array of shape (1, 1) (dtype object)"),
    (lambda: _T0(np.array([[R(1), R(1)]], dtype=object)),
     "u: expected an input sequence of shape (T, 1), T >= 1, got an array of shape (1, 2) "
     "(dtype object)"),
    (lambda: _T0(np.zeros((0, 1), dtype=object)),
     "u: expected an input sequence of shape (T, 1), T >= 1, got an array of shape (0, 1) "
     "(dtype object)"),
    (lambda: truncated_filter(_FLOAT_FILT, 0), "n: expected an integer >= 1, got 0"),
    (lambda: truncated_filter("x", 2), "filter: " + _FILTER_TEXT + "'x'"),
    (lambda: hammerstein_network("target", 2),
     "target: expected a HammersteinTarget, got 'target'"),
    (lambda: hammerstein_network(_T0, 1), "N: expected an integer >= 2, got 1"),
    (lambda: hammerstein_network(_T0, 2.5), "N: expected an integer >= 2, got 2.5"),
    (lambda: hammerstein_network(_T0, True), "N: expected an integer >= 2, got True"),
    (lambda: hammerstein_network(_T0, 3, _FLOAT_FILT),
     "realization: expected a layer of the target's number kind (exact), got SSMLayer(width=1, "
     "d_in=1, d_out=1, discrete, float, diagonal)"),
    (lambda: hammerstein_network(_T0, 3, "x"), "realization: " + _FILTER_TEXT + "'x'"),
    (lambda: hammerstein_budget(_T0, _A0, 0), "T: expected an integer >= 1, got 0"),
    (lambda: hammerstein_budget("t", _A0, 1), "target: expected a HammersteinTarget, got 't'"),
    (lambda: hammerstein_budget(_T0, "a", 1),
     "approximant: expected a HammersteinApproximant, got 'a'"),
    (lambda: worst_case_error(_T0, "x", 2),
     "approximant: expected a HammersteinApproximant, got 'x'"),
    (lambda: worst_case_error(_SIN, hammerstein_network(_SIN, 3), 2, [[0.5, 0.25]]),
     "points: expected a 1-dimensional array, got shape (1, 2)"),
    (lambda: worst_case_error(_SIN, hammerstein_network(_SIN, 3), 2, [0.5, float("nan")]),
     "points: entries must be finite (no NaN or inf)"),
    (lambda: worst_case_error(_SIN, hammerstein_network(_SIN, 3), 2),
     "points: expected candidate points (f is not piecewise linear), got None"),
]


def _error_message_is_exact(call, message):
    with _raises_exactly(message):
        call()


def test_error_message_is_exact() -> None:
    """Error message is exact: every case of the table."""
    check_every_case(_error_message_is_exact, _MESSAGES)


def test_piecewise_linear_values_slopes_and_end_points():
    # slopes -2 and 3/2: the Lipschitz constant is the largest |slope|, here a negative one
    assert _KINK.lipschitz == 2
    assert [_KINK(x) for x in (R(1), R(3, 2), R(2), R(3), R(4))] == [1, 0, -1, R(1, 2), 2]
    got = _KINK(np.array([R(1), R(4)], dtype=object))
    assert isinstance(got, np.ndarray) and got.dtype == object and list(got) == [1, 2]
    assert isinstance(_KINK(R(3)), sympy.Rational)
    f = PiecewiseLinear([0.0, 1.0, 2.0], [0.0, 2.0, 1.0])
    out = f(np.array([[0.5, 1.5], [2.0, 0.0]]))
    assert out.dtype == np.float64 and out.tolist() == [[1.0, 1.5], [1.0, 0.0]]
    assert f(1.5) == 1.5 and np.ndim(f(1.5)) == 0
    # a value error inside np.asarray (a ragged float nesting) is reported as a bad point
    with _raises_exactly("x: expected real points, got [[1.0, 2.0], [3.0]]"):
        f([[1.0, 2.0], [3.0]])


def test_target_keeps_a_given_lipschitz_constant_and_the_end_points():
    t = HammersteinTarget(_KINK, _FILT, R(1), R(3), lipschitz=R(5))
    assert t.lipschitz == 5
    assert HammersteinTarget(_KINK, _FILT, R(1), R(3)).lipschitz == 2
    # a, b on the end points of f and of the input range are accepted
    t = HammersteinTarget(_KINK, _FILT, R(1), R(4))
    assert list(t(_obj([R(1), R(4)]))[:, 0]) == [2, 5]  # ρ_0 = 2, ρ_1 = 1: y_1 = 2·2 + 1·1
    with _raises_exactly("b: expected a finite real number > 1, got 1/2"):
        HammersteinTarget(_KINK, _FILT, R(1), R(1, 2))
    # exact end points are compared exactly: b lies between 1/10 and float(1/10) > 1/10
    a = R(1, 10)
    b = a + R(1, 10**20)
    assert a < b < sympy.Rational(float(a))
    assert HammersteinTarget(_F, _FILT, a, b).b == b


def test_network_layers_and_spacing():
    filt = SSMLayer([R(1, 2)], [[R(1)]], [[R(2)]], [[R(1, 3)]])
    target = HammersteinTarget(_KINK, filt, R(1), R(3))
    approx = hammerstein_network(target, 3)
    assert approx.h == 1 and approx.realization is filt
    l1, l2, l3 = approx.stack.layers
    assert approx.stack.widths == (2, 3, 1) and approx.stack.activation.name == "relu"
    assert l1.b.tolist() == [-1, -2] and l1.U.tolist() == [[1], [1]]
    assert l2.C.tolist() == [[-2, R(7, 2), 1], [2, R(-7, 2), -1]]
    assert l2.b.tolist() == [0, 0, 1]
    assert l3.W.tolist() == [R(1, 2)] and l3.U.tolist() == [[1, -1]]
    assert l3.C.tolist() == [[2]] and l3.D.tolist() == [[R(1, 3), R(-1, 3)]]
    no_d = hammerstein_network(HammersteinTarget(_KINK, _FILT, R(1), R(3)), 2)
    assert no_d.stack.layers[2].D is None and no_d.h == 2


def test_truncated_filter_kernel():
    filt = SSMLayer([R(1, 2)], [[R(1)]], [[R(2)]], [[R(1, 3)]])
    trunc = truncated_filter(filt, 2)
    assert list(trunc.kernel(4)[:, 0, 0]) == [R(7, 3), 1, 0, 0]
    assert list(truncated_filter(filt, 1).kernel(3)[:, 0, 0]) == [R(7, 3), 0, 0]


def test_budget_fields_exact():
    filt = SSMLayer([R(-1, 2)], [[R(1)]], [[R(2)]], [[R(1, 3)]])  # ρ = 7/3, -1, 1/2, -1/4
    target = HammersteinTarget(_KINK, filt, R(1), R(3))
    approx = hammerstein_network(target, 2, truncated_filter(filt, 2))
    b = hammerstein_budget(target, approx, 4)
    # f_error = L h / 2 = 2 · 2 / 2; |f̂| ≤ max(|f(1)|, |f(3)|) = 1; ρ - ρ̂ = (0, 0, 1/2, -1/4)
    assert (b.f_error, b.rho_l1, b.filter_error, b.f_hat_sup) == (2, R(49, 12), R(3, 4), 1)
    assert b.total == 2 * R(49, 12) + R(3, 4)
    # a second-derivative bound h² M_2 / 8 replaces L h / 2 only when it is smaller
    smooth = HammersteinTarget(_KINK, filt, R(1), R(3), second_derivative=R(1))
    assert hammerstein_budget(smooth, hammerstein_network(smooth, 2), 1).f_error == R(1, 2)
    small = HammersteinTarget(_KINK, filt, R(1), R(3), second_derivative=R(1, 2))
    assert hammerstein_budget(small, hammerstein_network(small, 2), 1).f_error == R(1, 4)
    rough = HammersteinTarget(_KINK, filt, R(1), R(3), second_derivative=R(9))
    assert hammerstein_budget(rough, hammerstein_network(rough, 2), 1).f_error == 2
    # f̂'s largest knot value in absolute terms is negative here
    neg = HammersteinTarget(PiecewiseLinear([R(0), R(1)], [R(-3), R(1)]), _FILT, R(0), R(1))
    assert hammerstein_budget(neg, hammerstein_network(neg, 2), 1).f_hat_sup == 3


def test_worst_case_negative_sign_time_and_input():
    filt = SSMLayer([R(1, 2)], [[R(1)]], [[R(2)]], [[R(1, 3)]])  # ρ = 7/3, 1, 1/2
    target = HammersteinTarget(_KINK, filt, R(1), R(3))
    worst = worst_case_error(target, hammerstein_network(target, 2), 3)
    assert (worst.error, worst.t, worst.sign, worst.exact) == (R(7, 4) * R(23, 6), 2, -1, True)
    assert worst.u.dtype == object and worst.u.tolist() == [[2], [2], [2]]
    # a kernel that vanishes after lag 0: the worst time is 0 and the later inputs are a
    flat = SSMLayer([R(0)], [[R(1)]], [[R(1)]], [[R(1, 3)]])  # ρ = 4/3, 0, 0
    target = HammersteinTarget(_KINK, flat, R(1), R(3))
    worst = worst_case_error(target, hammerstein_network(target, 2), 3)
    assert (worst.error, worst.t, worst.sign) == (R(7, 3), 0, -1)
    assert worst.u.tolist() == [[2], [1], [1]]
    # positive sign: f above f̂ at the kink
    up = HammersteinTarget(PiecewiseLinear([R(1), R(2), R(3)], [R(0), R(2), R(0)]), flat,
                           R(1), R(3))
    worst = worst_case_error(up, hammerstein_network(up, 2), 2)
    assert (worst.error, worst.t, worst.sign) == (R(8, 3), 0, 1)
    assert worst.u.tolist() == [[2], [1]]


def test_worst_case_over_given_points_is_not_exact():
    filt = SSMLayer([0.0], [[1.0]], [[1.0]])  # ρ = 1, 0, …
    target = HammersteinTarget(lambda x: 4.0 * x * (1.0 - x), filt, 0.0, 1.0, 4.0)
    approx = hammerstein_network(target, 2)  # f̂ ≡ 0
    worst = worst_case_error(target, approx, 2, [-1.0, 0.25, 0.5, 2.0])
    assert (worst.error, worst.t, worst.sign, worst.exact) == (1.0, 0, 1, False)
    assert worst.u.dtype == np.float64 and worst.u.tolist() == [[0.5], [0.0]]
    budget = hammerstein_budget(target, approx, 2)
    assert all(isinstance(v, float) for v in (budget.f_error, budget.rho_l1, budget.f_hat_sup,
                                              budget.filter_error, budget.total))
    # points outside [a, b] are ignored (f is not evaluated there)
    worst = worst_case_error(target, approx, 1, [2.0])
    assert (worst.error, worst.u.tolist()) == (0.0, [[0.0]])


def test_float_target_takes_the_values_of_f_as_float64():
    # f may return any real scalar (here numpy bools of an indicator): the target converts the
    # values f(u_t) to the filter's float64 before filtering
    filt = SSMLayer([0.5], [[1.0]], [[2.0]])  # ρ = 2, 1, 1/2
    target = HammersteinTarget(lambda x: x > 0.5, filt, 0.0, 1.0, lipschitz=1.0)
    out = target(np.array([[1.0], [0.0], [0.75]]))
    assert out.dtype == np.float64 and out[:, 0].tolist() == [2.0, 1.0, 2.5]


def test_worst_case_tie_reports_the_positive_sign_first():
    # f = (0, -2), (1, -1/2), (2, 0); knots 0, 2: f̂ runs from -2 to 0, so f - f̂ peaks at
    # +1/2 (x = 1) and f̂ - f at 0; ρ = 1, 1/4 and ρ̂ = 1, 0 (one tap). Positive side: the
    # running sums are 1/2, 1/2 + (1/4) max f = 1/2 (t = 0); negative side: 0, (1/4) max(-f)
    # = 1/2 (t = 1). The two worst cases tie; the positive one (found first) is reported.
    f = PiecewiseLinear([R(0), R(1), R(2)], [R(-2), R(-1, 2), R(0)])
    filt = SSMLayer([R(1, 4)], [[R(1)]], [[R(1)]])
    target = HammersteinTarget(f, filt, R(0), R(2))
    worst = worst_case_error(target, hammerstein_network(target, 2, truncated_filter(filt, 1)),
                             2)
    assert (worst.error, worst.t, worst.sign) == (R(1, 2), 0, 1)
    assert worst.u.tolist() == [[1], [0]]


def test_float_worst_case_takes_the_values_of_f_as_float64():
    # on scalars f may return any real number type (here decimal.Decimal; on the knot array
    # the interpolant needs floats): the candidates' values enter as float64
    def f(x):
        return Decimal(repr(float(x))) * 2 if np.ndim(x) == 0 else 2 * np.asarray(x, float)

    filt = SSMLayer([0.0], [[1.0]], [[1.0]])
    target = HammersteinTarget(f, filt, 0.0, 1.0, lipschitz=2.0)
    approx = hammerstein_network(target, 2)  # f̂ = f: the interpolant is exact for a line
    worst = worst_case_error(target, approx, 1, [0.25])
    assert (worst.error, worst.t) == (0.0, 0) and worst.u.dtype == np.float64
