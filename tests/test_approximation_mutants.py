"""Sharp tests of theory.approximation: exact values at tight cases, boundaries, full messages.

These complement ``test_approximation.py`` (constructions, bounds and their tightness) with the
details a subtly wrong implementation would get wrong (README, "Mutation testing"): every
parameter of the two-layer network, knots and spacings in exact arithmetic, closed domain
boundaries, the exact thresholds of the knot count and of the Lipschitz check, the number kind
of every result, and the complete text of every error message (anchored at both ends, so that a
message naming a different parameter or value fails).
"""

from __future__ import annotations

import re
import warnings
from itertools import product

import mpmath
import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case

from theory.activations import get_activation
from theory.approximation import (
    MemorylessApproximant,
    c2_interpolation_bound,
    channelwise,
    check_declared_lipschitz,
    check_in_domain,
    lipschitz_interpolation_bound,
    memoryless_network,
    relu_interpolant,
    relu_knots_for_error,
    smooth_step_approximant,
    smooth_step_bound,
    sup_error,
    uniform_knots,
)
from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError, NumberKind

R = sympy.Rational
EPS = float(np.finfo(float).eps)


def _raises(message: str):
    """``pytest.raises`` for an :class:`InvalidParameterError` with exactly ``message``."""
    return pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$")


def _sigmoid(z):
    return 1 / (1 + sympy.exp(-z))


# ------------------------------------------------------------------ check_in_domain
def test_check_in_domain_accepts_the_closed_box_channel_by_channel():
    lower, upper = [0.0, -2.0], [1.0, 3.0]
    check_in_domain([[0.0, -2.0], [1.0, 3.0], [0.0, 3.0]], lower, upper)  # corners
    check_in_domain([0.5, 3.0], lower, upper)  # one point as a 1-D array
    check_in_domain(np.zeros((2, 3, 2)), lower, upper)  # any leading axes
    check_in_domain([[1.0]], [1.0], [1.0])  # a degenerate interval is a closed domain
    # exact end points and entries are compared exactly
    check_in_domain([[R(1, 3)]], [R(0)], [R(1, 3)])
    above = R(1, 3) + R(1, 10**30)
    with _raises(f"x: entry {above} at index (0, 0) lies outside the domain [0, 1/3] of the "
                 "approximation"):
        check_in_domain([[above]], [R(0)], [R(1, 3)])


#: Cases ``(x, message)`` of :func:`test_check_in_domain_names_the_first_entry_outside`.
FIRST_ENTRY_OUTSIDE = [
    ([[1.5, 0.0]], "x: entry 1.5 at index (0, 0) lies outside the domain [0.0, 1.0]"),
    ([[-0.5, 0.0]], "x: entry -0.5 at index (0, 0) lies outside the domain [0.0, 1.0]"),
    ([[0.5, 3.5]], "x: entry 3.5 at index (0, 1) lies outside the domain [-2.0, 3.0]"),
    ([[0.5, -2.5]], "x: entry -2.5 at index (0, 1) lies outside the domain [-2.0, 3.0]"),
    # channel 1 would accept 2.0, channel 0 must not
    ([[2.0, 2.0]], "x: entry 2.0 at index (0, 0) lies outside the domain [0.0, 1.0]"),
    # the first offending entry in row-major order is named
    ([[0.5, 0.0], [0.5, 9.0], [7.0, 0.0]],
     "x: entry 9.0 at index (1, 1) lies outside the domain [-2.0, 3.0]"),
    ([0.5, 9.0], "x: entry 9.0 at index (1,) lies outside the domain [-2.0, 3.0]"),
    ([[np.nan, 0.0]], "x: entry nan at index (0, 0) lies outside the domain [0.0, 1.0]"),
]


def _check_in_domain_names_the_first_entry_outside(x, message):
    with _raises(message + " of the approximation"):
        check_in_domain(x, [0.0, -2.0], [1.0, 3.0])


def test_check_in_domain_names_the_first_entry_outside() -> None:
    """Check in domain names the first entry outside: every case of ``FIRST_ENTRY_OUTSIDE``."""
    check_every_case(
        _check_in_domain_names_the_first_entry_outside,
        FIRST_ENTRY_OUTSIDE)


def test_check_in_domain_refuses_bad_shapes_and_domains():
    with _raises("x: expected shape (..., 1), got ()"):
        check_in_domain(0.5, [0.0], [1.0])
    with _raises("x: expected shape (..., 1), got (1, 2)"):
        check_in_domain([[0.5, 0.5]], [0.0], [1.0])
    with _raises("points: expected shape (..., 2), got (1, 1)"):
        check_in_domain([[0.5]], [0.0, 0.0], [1.0, 1.0], "points")
    with _raises("points: entry 2.0 at index (0, 0) lies outside the domain [0.0, 1.0] of the "
                 "approximation"):
        check_in_domain([[2.0]], [0.0], [1.0], "points")
    with _raises("lower: expected a 1-dimensional array, got shape (1, 1)"):
        check_in_domain([[0.5]], [[0.0]], [1.0])
    with _raises("upper: expected a 1-dimensional array, got shape (1, 1)"):
        check_in_domain([[0.5]], [0.0], [[1.0]])
    with _raises("lower: entries must be finite (no NaN or inf)"):
        check_in_domain([[0.5]], [np.nan], [1.0])
    with _raises("upper: entries must be finite (no NaN or inf)"):
        check_in_domain([[0.5]], [0.0], [np.inf])
    with _raises("upper: expected the shape (1,) of lower and upper >= lower, got [1.0, 2.0]"):
        check_in_domain([[0.5]], [0.0], [1.0, 2.0])
    # a single inverted channel is enough to refuse the domain
    with _raises("upper: expected the shape (2,) of lower and upper >= lower, got [1.0, -1.0]"):
        check_in_domain([[0.5, 0.5]], [0.0, 0.0], [1.0, -1.0])
    with _raises("upper: expected the shape (1,) of lower and upper >= lower, got [-1.0]"):
        check_in_domain([[0.5]], [0.0], [-1.0])


def test_check_in_domain_reads_the_kinds_of_lower_and_upper_separately():
    # float entries against mpmath end points and exact end points: each side keeps its kind
    check_in_domain([[0.5]], [mpmath.mpf(0)], [R(1)])
    with _raises("x: entry 1.5 at index (0, 0) lies outside the domain [0.0, 1] of the "
                 "approximation"):
        check_in_domain([[1.5]], [mpmath.mpf(0)], [R(1)])


# ------------------------------------------------------------------ uniform_knots
def test_uniform_knots_exact_values_and_spacing():
    knots, h = uniform_knots(R(-1), R(1), 4)
    assert list(knots) == [-1, R(-1, 3), R(1, 3), 1] and h == R(2, 3)
    assert all(isinstance(k, sympy.Rational) for k in knots) and knots.dtype == object
    knots, h = uniform_knots(R(1, 2), R(7, 2), 2)  # N = 2: the two end points, h = b - a
    assert list(knots) == [R(1, 2), R(7, 2)] and h == 3
    knots, h = uniform_knots(0.0, 1.0, 5)
    assert knots.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0] and h == 0.25
    assert knots.dtype == np.float64
    with mpmath.workdps(40):
        knots, h = uniform_knots(mpmath.mpf(0), mpmath.mpf(1), 4)
        assert h == mpmath.mpf(1) / 3 and knots[1] == mpmath.mpf(1) / 3
        assert knots[2] == 2 * (mpmath.mpf(1) / 3) and knots[3] == 1


def test_uniform_knots_last_knot_is_b_even_when_a_plus_length_rounds_below_it():
    # -1.67 + (0.525 + 1.67) rounds to 0.525 - 1 ulp in float64; the last knot is still b
    a, b, N = -1.67, 0.525, 5
    assert a + (b - a) * (N - 1) / (N - 1) < b
    knots, h = uniform_knots(a, b, N)
    assert knots[-1] == b and knots[0] == a and h == (b - a) / (N - 1)
    assert knots[1:-1].tolist() == [a + (b - a) * k / (N - 1) for k in range(1, N - 1)]


def test_uniform_knots_refusals():
    with warnings.catch_warnings():  # refused cleanly, without an overflow warning
        warnings.simplefilter("error")
        with _raises("b: expected b - a finite in float64, got the domain [-1e+308, 1e+308]"):
            uniform_knots(-1e308, 1e308, 3)
        with _raises("b: expected b - a finite in float64, got the domain [-1e+308, 1e+308]"):
            relu_interpolant(np.sin, -1e308, 1e308, 3)
    assert uniform_knots(mpmath.mpf(-1e308), mpmath.mpf(1e308), 3)[1] == mpmath.mpf(1e308)
    with _raises("b: expected a < b, got the domain [1.0, 1.0]"):
        uniform_knots(1.0, 1.0, 3)
    with _raises("b: expected a < b, got the domain [2, 1]"):
        uniform_knots(R(2), R(1), 3)
    with _raises("N: expected an integer >= 2, got 1"):
        uniform_knots(0.0, 1.0, 1)
    with _raises("a: entries must be finite (no NaN or inf)"):
        uniform_knots(np.nan, 1.0, 3)
    with _raises("b: entries must be finite (no NaN or inf)"):
        uniform_knots(0.0, np.inf, 3)
    with pytest.raises(InvalidParameterError, match=r"^a: exact \(sympy\) numbers mixed with "
                                                    r"float numbers in b;"):
        uniform_knots(R(0), 1.0, 3)
    with pytest.raises(InvalidParameterError, match=r"^a: exact \(sympy\) numbers mixed with "
                                                    r"mpmath numbers in b;"):
        uniform_knots(R(0), mpmath.mpf(1), 3)


# ------------------------------------------------------------------ memoryless_network
def test_memoryless_network_parameters_exactly():
    U1 = [[R(1), R(2)], [R(-1), R(0)], [R(3), R(1, 2)]]
    b1 = [R(1, 3), R(-1), R(0)]
    c = [[R(1), R(2), R(3)], [R(-1, 2), R(0), R(5)]]
    c0 = [R(7), R(-2)]
    net = memoryless_network(U1, b1, c, c0, "relu")
    assert net.kind is NumberKind.EXACT and net.depth == 2 and net.widths == (3, 4)
    assert net.activation is get_activation("relu")
    l1, l2 = net.layers
    assert l1.W.tolist() == [0, 0, 0] and l1.U.tolist() == U1 and l1.b.tolist() == b1
    assert l1.C.tolist() == np.eye(3, dtype=int).tolist() and l1.D is None
    assert l2.W.tolist() == [0, 0, 0, 0] and l2.D is None
    assert l2.U.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert l2.b.tolist() == [0, 0, 0, 1]
    assert l2.C.tolist() == [[1, 2, 3, 7], [R(-1, 2), 0, 5, -2]]
    for arr in (l1.W, l1.C, l2.W, l2.U, l2.b):
        assert all(isinstance(v, sympy.Integer) for v in arr.flat)
    # the map x -> c relu(U1 x + b1) + c0, exactly, at every time step separately
    x = [[R(1), R(-1)], [R(0), R(2)]]
    for row, out in zip(x, net.run(x)):
        hidden = [max(sum(u * xi for u, xi in zip(urow, row)) + bi, 0)
                  for urow, bi in zip(U1, b1)]
        assert list(out) == [sum(ci * hi for ci, hi in zip(crow, hidden)) + c0i
                             for crow, c0i in zip(c, c0)]


def _memoryless_network_kind_follows_every_argument(position):
    args = [[[1.0]], [0.5], [[2.0]], [-1.0]]
    args[position] = [mpmath.mpf(v) for v in args[position]] if position in (1, 3) else \
        [[mpmath.mpf(args[position][0][0])]]
    net = memoryless_network(*args, "identity")
    assert net.kind is NumberKind.MPMATH
    assert net.run([[mpmath.mpf(2)]])[0, 0] == 2 * (2 + 0.5) - 1


def test_memoryless_network_kind_follows_every_argument() -> None:
    """Memoryless network kind follows every argument: every case of the table."""
    check_every_case(_memoryless_network_kind_follows_every_argument, product(range(4)))


def test_memoryless_network_refusals():
    with _raises("U1: expected a 2-dimensional array, got shape (1,)"):
        memoryless_network([1.0], [0.0], [[1.0]], [0.0], "relu")
    with _raises("b1: expected a 1-dimensional array, got shape (1, 1)"):
        memoryless_network([[1.0]], [[0.0]], [[1.0]], [0.0], "relu")
    with _raises("b1: expected shape (1,), got (2,)"):
        memoryless_network([[1.0]], [0.0, 1.0], [[1.0]], [0.0], "relu")
    with _raises("c: expected a 2-dimensional array, got shape (1,)"):
        memoryless_network([[1.0]], [0.0], [1.0], [0.0], "relu")
    with _raises("c0: expected a 1-dimensional array, got shape (1, 1)"):
        memoryless_network([[1.0]], [0.0], [[1.0]], [[0.0]], "relu")
    with _raises("c, c0: expected shapes (d_out, 1) and (d_out,), got (1, 2) and (1,)"):
        memoryless_network([[1.0]], [0.0], [[1.0, 2.0]], [0.0], "relu")
    with _raises("c, c0: expected shapes (d_out, 1) and (d_out,), got (1, 1) and (2,)"):
        memoryless_network([[1.0]], [0.0], [[1.0]], [0.0, 1.0], "relu")
    with _raises("c, c0: expected shapes (d_out, 2) and (d_out,), got (2, 2) and (1,)"):
        memoryless_network([[1.0], [1.0]], [0.0, 0.0], [[1.0, 2.0], [1.0, 2.0]], [0.0],
                           "relu")


# ------------------------------------------------------------------ relu_interpolant
def test_relu_interpolant_network_parameters_exactly():
    # knots 0, 1/2, 1, 3/2, 2 of f(x) = x^3: slopes 1/4, 7/4, 19/4, 37/4
    approx = relu_interpolant(lambda x: x**3, R(0), R(2), 5)
    assert isinstance(approx, MemorylessApproximant)
    l1, l2 = approx.stack.layers
    assert l1.U.tolist() == [[1]] * 4 and l1.b.tolist() == [0, R(-1, 2), -1, R(-3, 2)]
    assert l2.C.tolist() == [[R(1, 4), R(3, 2), 3, R(9, 2), 0]]
    assert approx.stack.activation.name == "relu"
    assert approx.lower.tolist() == [0] and approx.upper.tolist() == [2]
    assert len(approx.knots) == 1 and approx.knots[0].tolist() == [0, R(1, 2), 1, R(3, 2), 2]
    assert approx.widths == (4, 5)
    # the chord between knots, exactly
    y = approx([[R(1, 4)], [R(5, 4)], [2]])
    assert y.tolist() == [[R(1, 16)], [1 + R(19, 4) * R(1, 4)], [8]]


def test_relu_interpolant_float_and_scalar_targets():
    approx = relu_interpolant(lambda x: 3.0, -1.0, 1.0, 3)  # a scalar for any input
    assert approx([[-1.0], [0.3], [1.0]]).tolist() == [[3.0], [3.0], [3.0]]
    steep = relu_interpolant(np.abs, -1.0, 1.0, 3)
    assert steep([[-1.0], [-0.5], [0.0], [0.25], [1.0]]).ravel().tolist() == \
        [1.0, 0.5, 0.0, 0.25, 1.0]
    step = relu_interpolant(lambda x: x >= 0.5, 0.0, 1.0, 3)  # booleans are 0 and 1
    assert step([[0.0], [0.25], [0.5], [0.75], [1.0]]).ravel().tolist() == \
        [0.0, 0.5, 1.0, 1.0, 1.0]
    with _raises("f(knots): entries must be finite (no NaN or inf)"):
        relu_interpolant(lambda x: np.where(x > 0.5, np.inf, 0.0), 0.0, 1.0, 3)
    with _raises("f: the target function must be callable, got 3"):
        relu_interpolant(3, 0.0, 1.0, 3)
    with _raises("f: the target function must be callable, got 3"):
        relu_interpolant(3, R(0), R(1), 3)
    # complex values are refused, never cast to their real part
    with _raises("f(knots): expected real values, got complex ones"):
        relu_interpolant(lambda x: np.exp(1j * x), 0.0, 1.0, 3)
    with _raises("f(knots): expected real values, got complex ones"):
        relu_interpolant(lambda x: 1j, 0.0, 1.0, 3)
    # a target returning a column (or any other shape) is evaluated point by point
    column = relu_interpolant(lambda x: np.reshape(x, (-1, 1)) ** 2, 0.0, 1.0, 3)
    assert column([[0.25]]).tolist() == [[0.125]]


def test_relu_interpolant_calls_a_float_target_once_on_all_knots():
    calls = []

    def f(x):
        calls.append(np.array(x, dtype=float))
        return 2 * x

    relu_interpolant(f, 0.0, 1.0, 5)
    assert len(calls) == 1 and calls[0].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_relu_interpolant_exact_target_values_are_checked():
    with _raises("f(knots): not a rectangular array (ragged nesting)"):
        relu_interpolant(lambda x: [x], R(0), R(1), 3)
    with _raises("f(knots): entries must be finite (no NaN or inf)"):
        relu_interpolant(lambda x: sympy.nan if x == 1 else x, R(0), R(1), 3)
    with _raises("f(knots): a floating-point entry 0.5 cannot enter an exact model; use "
                 "sympy.Rational or sympy.nsimplify"):
        relu_interpolant(lambda x: 0.5, R(0), R(1), 3)


def test_relu_interpolant_mpmath_values():
    with mpmath.workdps(40):
        approx = relu_interpolant(mpmath.exp, mpmath.mpf(0), mpmath.mpf(1), 3)
        assert approx.stack.kind is NumberKind.MPMATH
        y = approx([[mpmath.mpf(1) / 4]])[0, 0]
        assert mpmath.almosteq(y, (1 + mpmath.exp(mpmath.mpf(1) / 2)) / 2, 1e-38)


# ------------------------------------------------------------------ the interpolation bounds
def test_interpolation_bounds_exact_values_and_kinds():
    assert lipschitz_interpolation_bound(R(3), R(1, 5)) == R(3, 10)
    assert lipschitz_interpolation_bound(0, R(1, 5)) == 0
    assert lipschitz_interpolation_bound(R(1, 2), 1) == R(1, 4)  # a constant below 1 is fine
    assert c2_interpolation_bound(R(3), R(1, 5)) == R(3, 200)
    assert c2_interpolation_bound(0, R(1, 5)) == 0
    assert c2_interpolation_bound(R(1, 2), 2) == R(1, 4)
    assert isinstance(lipschitz_interpolation_bound(R(3), R(1, 5)), sympy.Rational)
    assert isinstance(c2_interpolation_bound(R(3), R(1, 5)), sympy.Rational)
    with mpmath.workdps(50):
        third = mpmath.mpf(1) / 3
        assert lipschitz_interpolation_bound(third, mpmath.mpf(1)) == third / 2
        assert c2_interpolation_bound(third, mpmath.mpf(1)) == third / 8
        assert lipschitz_interpolation_bound(1, third) == third / 2
        assert c2_interpolation_bound(1, third) == third**2 / 8


#: Values of ``bound`` in :func:`test_interpolation_bounds_refusals`.
INTERPOLATION_BOUNDS = [lipschitz_interpolation_bound, c2_interpolation_bound]


def _interpolation_bounds_refusals(bound):
    name = "lipschitz" if bound is lipschitz_interpolation_bound else "second_derivative"
    with _raises(f"{name}: expected a finite real number >= 0, got -1"):
        bound(-1, 0.1)
    with _raises(f"{name}: expected a finite real number >= 0, got nan"):
        bound(float("nan"), 0.1)
    with _raises("h: expected a finite real number > 0, got 0"):
        bound(1, 0)
    with _raises("h: expected a finite real number > 0, got -0.5"):
        bound(1, -0.5)


def test_interpolation_bounds_refusals() -> None:
    """Interpolation bounds refusals: every case of ``INTERPOLATION_BOUNDS``."""
    check_every_case(_interpolation_bounds_refusals, product(INTERPOLATION_BOUNDS))


# ------------------------------------------------------------------ relu_knots_for_error
#: Cases ``(kwargs, N)`` of :func:`test_relu_knots_for_error_exact_counts`.
KNOT_COUNTS = [
    # L (b - a) / (2 eps) = 4 exactly: 4 cells give exactly eps, so N = 5
    ({"lipschitz": 1.0}, 5),
    ({"lipschitz": 1.5}, 7),  # 6 cells exactly
    ({"lipschitz": 1.25}, 6),  # 5 cells exactly
    ({"lipschitz": 1.125}, 6),  # 4.5 cells: rounded up
    ({"lipschitz": 0.0}, 2),  # a constant target: one cell
    ({"lipschitz": 0.125}, 2),  # half a cell: still one cell
    # (b - a) sqrt(M / (8 eps)) = sqrt(2 M): M = 8 gives 4 cells exactly
    ({"second_derivative": 8.0}, 5),
    ({"second_derivative": 18.0}, 7),
    ({"second_derivative": 12.5}, 6),
    ({"second_derivative": 9.0}, 6),  # 4.24 cells: rounded up
    ({"second_derivative": 0.0}, 2),
    ({"second_derivative": 0.125}, 2),
    # both declared: the better (smaller) count wins, either way round
    ({"lipschitz": 1.0, "second_derivative": 18.0}, 5),
    ({"lipschitz": 1.5, "second_derivative": 8.0}, 5),
    ({"lipschitz": 0.0, "second_derivative": 18.0}, 2),
    ({"lipschitz": 1.5, "second_derivative": 0.0}, 2),
]


def _relu_knots_for_error_exact_counts(kwargs, N):
    a, b, eps = -1.0, 1.0, 0.25
    assert relu_knots_for_error(a, b, eps, **kwargs) == N
    # N is the smallest count whose better bound is <= eps
    def best(n):  # in exact arithmetic: the inputs are binary fractions
        h = R(2, n - 1)
        bounds = []
        if "lipschitz" in kwargs:
            bounds.append(lipschitz_interpolation_bound(R(kwargs["lipschitz"]), h))
        if "second_derivative" in kwargs:
            bounds.append(c2_interpolation_bound(R(kwargs["second_derivative"]), h))
        return min(bounds)
    assert best(N) <= eps
    assert N == 2 or best(N - 1) > eps


def test_relu_knots_for_error_exact_counts() -> None:
    """Relu knots for error exact counts: every case of ``KNOT_COUNTS``."""
    check_every_case(_relu_knots_for_error_exact_counts, KNOT_COUNTS)


def test_relu_knots_for_error_underflow_and_exact_end_points():
    # the cell count underflows to 0 in float64: still one cell
    assert relu_knots_for_error(0.0, 1.0, 1e300, lipschitz=1e-300) == 2
    assert relu_knots_for_error(0.0, 1.0, 1e300, second_derivative=5e-324) == 2
    assert relu_knots_for_error(R(0), R(3), 0.5, lipschitz=R(1)) == 4
    # exact constants give exact counts: 29/7 · 7 / 1 = 29 cells (in float64, 29.000000000000004)
    assert relu_knots_for_error(R(0), R(7), 0.5, lipschitz=R(29, 7)) == 30
    assert relu_knots_for_error(0.0, 7.0, 0.5, lipschitz=float(R(29, 7))) == 31
    # sqrt(M (b - a)^2 / (8 eps)) = sqrt(450/49 · 49 / 2) = 15 cells
    assert relu_knots_for_error(R(0), R(7), 0.25, second_derivative=R(450, 49)) == 16
    assert relu_knots_for_error(0.0, 7.0, 0.25, second_derivative=float(R(450, 49))) == 17
    # b is compared with a exactly: 0.1 (float) lies above 1/10
    assert float(R(1, 10)) > R(1, 10)
    assert relu_knots_for_error(R(1, 10), 0.1, 0.5, lipschitz=1) == 2


def test_relu_knots_for_error_refusals():
    with _raises("lipschitz, second_derivative: declare at least one constant of the target"):
        relu_knots_for_error(0.0, 1.0, 0.1)
    with _raises("b: expected a finite real number > 1.0, got 1.0"):
        relu_knots_for_error(1.0, 1.0, 0.1, lipschitz=1.0)
    with _raises("b: expected a finite real number > 1, got 0.5"):
        relu_knots_for_error(1, 0.5, 0.1, lipschitz=1.0)
    with _raises("a: expected a finite real number, got nan"):
        relu_knots_for_error(float("nan"), 1.0, 0.1, lipschitz=1.0)
    with _raises("eps: expected a finite real number > 0, got 0"):
        relu_knots_for_error(0.0, 1.0, 0, lipschitz=1.0)
    with _raises("eps: expected a finite real number > 0, got -0.1"):
        relu_knots_for_error(0.0, 1.0, -0.1, second_derivative=1.0)
    with _raises("lipschitz: expected a finite real number >= 0, got -1.0"):
        relu_knots_for_error(0.0, 1.0, 0.1, lipschitz=-1.0, second_derivative=1.0)
    with _raises("second_derivative: expected a finite real number >= 0, got -1.0"):
        relu_knots_for_error(0.0, 1.0, 0.1, lipschitz=1.0, second_derivative=-1.0)


# ------------------------------------------------------------------ smooth_step_bound
def _smooth_step_bound_exact_values(s):
    expected = 0.5 + np.exp(-s / 2) / np.tanh(s / 2)
    assert smooth_step_bound(1, 1, s) == pytest.approx(expected, rel=4 * EPS)
    assert smooth_step_bound(3, 0.5, s) == pytest.approx(1.5 * expected, rel=4 * EPS)
    assert smooth_step_bound(0, 0.5, s) == 0.0
    assert isinstance(smooth_step_bound(R(3), R(1, 2), s), float)
    assert smooth_step_bound(R(3), R(1, 2), s) == pytest.approx(1.5 * expected, rel=4 * EPS)
    with mpmath.workdps(50):
        third, ms = mpmath.mpf(1) / 3, mpmath.mpf(s)
        exact = third * 2 * (mpmath.mpf(1) / 2 + mpmath.exp(-ms / 2) / mpmath.tanh(ms / 2))
        got = smooth_step_bound(third, mpmath.mpf(2), s)
        assert isinstance(got, mpmath.mpf) and mpmath.almosteq(got, exact, 1e-48)


def test_smooth_step_bound_exact_values() -> None:
    """Smooth step bound exact values: every case of the table."""
    check_every_case(_smooth_step_bound_exact_values, product([0.25, 1.0, 3.0, 20.0]))


def test_smooth_step_bound_refusals():
    with _raises("lipschitz: expected a finite real number >= 0, got -1"):
        smooth_step_bound(-1, 0.1, 5)
    with _raises("h: expected a finite real number > 0, got 0"):
        smooth_step_bound(1, 0, 5)
    with _raises("sharpness: expected a finite real number > 0, got 0"):
        smooth_step_bound(1, 0.1, 0)
    with _raises("h: expected a finite real number > 0, got mpc(real='1.0', imag='1.0')"):
        smooth_step_bound(1, mpmath.mpc(1, 1), 5)


# ------------------------------------------------------------------ smooth_step_approximant
def _smooth_step_approximant_exact_network(activation):
    # knots 0, 1/2, 1 of f(x) = x^2 (values 0, 1/4, 1), s = 2 so kappa = 4, thresholds 1/4, 3/4
    f = lambda x: x**2  # noqa: E731
    approx = smooth_step_approximant(f, R(0), R(1), 3, activation=activation, sharpness=2)
    assert approx.stack.kind is NumberKind.EXACT and approx.widths == (2, 3)
    assert approx.stack.activation.name == activation
    assert approx.lower.tolist() == [0] and approx.upper.tolist() == [1]
    assert approx.knots[0].tolist() == [0, R(1, 2), 1]
    l1, l2 = approx.stack.layers
    if activation == "sigmoid":
        assert l1.U.tolist() == [[4], [4]] and l1.b.tolist() == [-1, -3]
        assert l2.C.tolist() == [[R(1, 4), R(3, 4), 0]]
    else:
        assert l1.U.tolist() == [[2], [2]] and l1.b.tolist() == [R(-1, 2), R(-3, 2)]
        assert l2.C.tolist() == [[R(1, 8), R(3, 8), R(1, 2)]]
    for x in (R(0), R(1, 3), R(1)):
        expected = R(1, 4) * _sigmoid(4 * (x - R(1, 4))) + R(3, 4) * _sigmoid(4 * (x - R(3, 4)))
        # sigmoid and tanh forms of G agree (checked to 60 digits: simplify is slow here)
        assert abs(sympy.N(approx([[x]])[0, 0] - expected, 60)) < 1e-55


def test_smooth_step_approximant_exact_network() -> None:
    """Smooth step approximant exact network: every case of the table."""
    check_every_case(_smooth_step_approximant_exact_network, product(["sigmoid", "tanh"]))


def test_smooth_step_approximant_float_values_and_default_sharpness():
    # default s = 20 on knots 0, 1, 2, 3 (h = 1): G(x) = f(0) + Σ_k Δ_k sigmoid(20 (x - θ_k))
    vals = np.array([1.0, -2.0, 0.5, 4.0])
    f = lambda x: np.interp(x, [0, 1, 2, 3], vals)  # noqa: E731
    x = np.array([0.0, 0.3, 0.5, 1.7, 3.0])
    theta = np.array([0.5, 1.5, 2.5])
    sig = 1 / (1 + np.exp(-20 * (x[:, None] - theta)))
    expected = vals[0] + sig @ np.diff(vals)
    for activation in ("sigmoid", "tanh"):
        approx = smooth_step_approximant(f, 0.0, 3.0, 4, activation=activation)
        assert approx(x[:, None])[:, 0] == pytest.approx(expected, rel=1e-14, abs=1e-14)
    act = get_activation("sigmoid")
    assert smooth_step_approximant(f, 0.0, 3.0, 4, activation=act).stack.activation is act


def test_smooth_step_approximant_refusals():
    with _raises("activation: the smooth step sum needs 'sigmoid' or 'tanh', got 'relu'"):
        smooth_step_approximant(np.sin, 0.0, 1.0, 3, activation="relu")
    with _raises("activation: name_or_activation: unknown activation name 'bogus'; choose one "
                 "of relu, tanh, sigmoid, hardtanh, identity or build one with "
                 "custom_activation"):
        smooth_step_approximant(np.sin, 0.0, 1.0, 3, activation="bogus")
    with _raises("sharpness: expected a finite real number > 0, got 0"):
        smooth_step_approximant(np.sin, 0.0, 1.0, 3, sharpness=0)
    with _raises("sharpness: expected a finite real number > 0, got -1.0"):
        smooth_step_approximant(np.sin, R(0), R(1), 3, sharpness=-1.0)
    with _raises("N: expected an integer >= 2, got 1"):
        smooth_step_approximant(np.sin, 0.0, 1.0, 1)
    with _raises("sharpness: a floating-point entry 2.5 cannot enter an exact model; use "
                 "sympy.Rational or sympy.nsimplify"):
        smooth_step_approximant(lambda x: x, R(0), R(1), 3, sharpness=2.5)
    with _raises("f(knots): expected real values, got complex ones"):
        smooth_step_approximant(lambda x: x + 1j, 0.0, 1.0, 3)
    with _raises("f: the target function must be callable, got None"):
        smooth_step_approximant(None, 0.0, 1.0, 3)


# ------------------------------------------------------------------ channelwise
def test_channelwise_layout_exactly():
    p0 = relu_interpolant(lambda x: x**2, R(0), R(1), 3)  # width 2
    p1 = relu_interpolant(lambda x: 2 * x, R(-1), R(1), 2)  # width 1
    p2 = relu_interpolant(lambda x: -x, R(0), R(1), 3)  # width 2, same input as p0
    approx = channelwise([p0, p1, p2], [1, 0, 1])
    assert approx.widths == (5, 6) and approx.stack.d_in == 2 and approx.stack.d_out == 3
    assert approx.lower.tolist() == [-1, 0] and approx.upper.tolist() == [1, 1]
    assert [k.tolist() for k in approx.knots] == [[0, R(1, 2), 1], [-1, 1], [0, R(1, 2), 1]]
    l1, l2 = approx.stack.layers
    assert l1.U.tolist() == [[0, 1], [0, 1], [1, 0], [0, 1], [0, 1]]
    assert l1.b.tolist() == [0, R(-1, 2), 1, 0, R(-1, 2)]
    assert l2.C.tolist() == [[R(1, 2), 1, 0, 0, 0, 0],
                             [0, 0, 2, 0, 0, -2],
                             [0, 0, 0, -1, 0, 0]]
    assert approx.stack.kind is NumberKind.EXACT
    x = [[R(1, 2), R(1, 4)], [R(-1), R(1)]]
    assert approx(x).tolist() == [[R(1, 8), 1, R(-1, 4)], [1, -2, -1]]


def test_channelwise_defaults_and_kinds():
    parts = [relu_interpolant(np.sin, 0.0, 1.0, 3), relu_interpolant(np.cos, -1.0, 2.0, 4)]
    approx = channelwise(parts)  # default: part r reads input r
    assert approx.lower.tolist() == [0.0, -1.0] and approx.upper.tolist() == [1.0, 2.0]
    assert approx.lower.dtype == np.float64 and approx.stack.kind is NumberKind.FLOAT
    x = np.array([[0.25, -0.5], [1.0, 2.0]])
    expected = np.stack([parts[0](x[:, :1])[:, 0], parts[1](x[:, 1:])[:, 0]], axis=1)
    assert np.array_equal(approx(x), expected)
    single = channelwise(parts[:1], np.array([0]))  # numpy integers are channels too
    assert single.widths == (2, 3) and np.array_equal(single(x[:, :1]), parts[0](x[:, :1]))
    with mpmath.workdps(30):
        mp = [relu_interpolant(mpmath.sin, mpmath.mpf(0), mpmath.mpf(1), 3)]
        out = channelwise(mp, [0])
        assert out.stack.kind is NumberKind.MPMATH and out.lower.dtype == object


def test_channelwise_refusals():
    sig = smooth_step_approximant(np.sin, 0.0, 1.0, 3)
    relu = relu_interpolant(np.sin, 0.0, 1.0, 3)
    with _raises("parts: expected at least one approximant"):
        channelwise([])
    for bad in ([True], [-1], [0.0], [0, 1], []):
        with _raises("input_channels: expected one non-negative integer per part"):
            channelwise([relu], bad)
    with _raises("input_channels: every input channel needs a part"):
        channelwise([relu], [1])
    with _raises("parts[1]: activation sigmoid differs from relu"):
        channelwise([relu, sig])
    with _raises("parts[1]: domain differs from another part on input channel 0"):
        channelwise([relu, relu_interpolant(np.sin, 0.0, 2.0, 3)], [0, 0])
    with _raises("parts[1]: domain differs from another part on input channel 0"):
        channelwise([relu, relu_interpolant(np.sin, -1.0, 1.0, 3)], [0, 0])
    wide = channelwise([relu, relu])
    with _raises("parts[0]: expected a 1-input 1-output two-layer approximant"):
        channelwise([wide])
    one_layer = MemorylessApproximant(memoryless_network([[1.0]], [0.0], [[1.0]], [0.0],
                                                         "relu"), np.array([0.0]),
                                      np.array([1.0]), (np.array([0.0, 1.0]),))
    channelwise([one_layer])  # a valid 1-input 1-output part
    two_out = MemorylessApproximant(memoryless_network([[1.0]], [0.0], [[1.0], [2.0]],
                                                       [0.0, 0.0], "relu"),
                                    np.array([0.0]), np.array([1.0]), (np.array([0.0, 1.0]),))
    with _raises("parts[1]: expected a 1-input 1-output two-layer approximant"):
        channelwise([relu, two_out])
    two_in = MemorylessApproximant(memoryless_network([[1.0, 1.0]], [0.0], [[1.0]], [0.0],
                                                      "relu"),
                                   np.array([0.0, 0.0]), np.array([1.0, 1.0]), (np.zeros(2),))
    with _raises("parts[0]: expected a 1-input 1-output two-layer approximant"):
        channelwise([two_in])
    one_layer = MemorylessApproximant(SSMStack([SSMLayer([0.0], [[1.0]], [[1.0]])], "relu"),
                                      np.array([0.0]), np.array([1.0]), (np.zeros(2),))
    with _raises("parts[0]: expected a 1-input 1-output two-layer approximant"):
        channelwise([one_layer])
    three = SSMStack([SSMLayer([0.0], [[1.0]], [[1.0]])] * 3, "relu")
    with _raises("parts[1]: expected a 1-input 1-output two-layer approximant"):
        channelwise([relu, MemorylessApproximant(three, np.array([0.0]), np.array([1.0]),
                                                 (np.zeros(2),))])


def test_channelwise_keeps_mpmath_domains_of_mixed_parts():
    # a float part and an mpmath part: the stack is mpmath and so is the domain bound 1/3
    with mpmath.workdps(30):
        third = mpmath.mpf(1) / 3
        parts = [relu_interpolant(np.sin, 0.0, 1.0, 3),
                 relu_interpolant(mpmath.sin, mpmath.mpf(0), third, 3)]
        approx = channelwise(parts)
        assert approx.stack.kind is NumberKind.MPMATH and approx.upper[1] == third
        y = approx([[mpmath.mpf(1), third]])
        assert mpmath.almosteq(y[0, 1], mpmath.sin(third), 1e-28)
        assert approx.lower.tolist() == [0.0, 0] and approx.upper[0] == 1.0


# ------------------------------------------------------------------ check_declared_lipschitz
def test_check_declared_lipschitz_returns_the_largest_quotient_exactly():
    # x^2 on 4097 points of [0, 1]: the steepest chord is the last, slope 2 - 1/4096 (exact)
    assert check_declared_lipschitz(lambda x: x**2, 0, 1, 2) == 2 - 2.0**-12
    assert check_declared_lipschitz(lambda x: x**2, 0, 1, 2, n=3) == 1.5
    assert check_declared_lipschitz(lambda x: x**2, -1, 0, 2, n=2) == 1.0
    assert check_declared_lipschitz(lambda x: 3 * x, 0, 1, 3) == 3.0  # L equal to it: fine
    assert check_declared_lipschitz(lambda x: 0 * x, R(0), R(1), 0) == 0.0
    assert isinstance(check_declared_lipschitz(lambda x: 3 * x, 0, 1, 3), float)
    # f may answer with a column
    assert check_declared_lipschitz(lambda x: 3 * x[:, None], 0, 1, 3, n=5) == 3.0


def test_check_declared_lipschitz_slack_is_four_ulps_of_the_values():
    # f(0) = 1, f(1) = 3 on n = 2 points: quotient 2, slack 4 eps (|1| + |3|) / 1 = 16 eps
    f = lambda x: 1 + 2 * x  # noqa: E731
    assert check_declared_lipschitz(f, 0, 1, 2 - 14 * EPS, n=2) == 2.0
    with _raises(f"lipschitz: the declared constant {2 - 18 * EPS!r} is below the difference "
                 "quotient 2.0 of f on [0.0, 1.0]"):
        check_declared_lipschitz(f, 0, 1, 2 - 18 * EPS, n=2)
    # the slack is relative to the spacing: on [0, 1/4] it is 4 times larger
    g = lambda x: 1 + 8 * x  # noqa: E731  # f(0) = 1, f(1/4) = 3: quotient 8, slack 64 eps
    assert check_declared_lipschitz(g, 0, 0.25, 8 - 56 * EPS, n=2) == 8.0
    with pytest.raises(InvalidParameterError, match="^lipschitz: "):
        check_declared_lipschitz(g, 0, 0.25, 8 - 72 * EPS, n=2)


def test_check_declared_lipschitz_names_the_worst_cell():
    # slopes 1, 4, 2 on [0, 1], [1, 2], [2, 3]: the middle cell is named
    f = lambda x: np.interp(x, [0, 1, 2, 3], [0.0, 1.0, 5.0, 7.0])  # noqa: E731
    with _raises("lipschitz: the declared constant 3.5 is below the difference quotient 4.0 of "
                 "f on [1.0, 2.0]"):
        check_declared_lipschitz(f, 0, 3, 3.5, n=4)
    assert check_declared_lipschitz(f, 0, 3, 4, n=4) == 4.0
    # the worst cell is the one with the largest quotient beyond its rounding slack: the last
    # cell (slope 2, values near 2000, slack 4 eps (2000 + 2002) = 3.6e-12) is steeper than
    # the first (slope 2 - 2.5e-12, values near 0) only by less than its slack (by more than
    # half of it)
    d = 2.5e-12
    g = lambda x: np.interp(x, [0, 1, 1999, 2000], [0.0, 2 - d, 2000 - d, 2002 - d])  # noqa: E731
    with _raises(f"lipschitz: the declared constant 1.5 is below the difference quotient "
                 f"{2 - d!r} of f on [0.0, 1.0]"):
        check_declared_lipschitz(g, 0, 2000, 1.5, n=2001)
    assert check_declared_lipschitz(g, 0, 2000, 2 - d, n=2001) == 2.0


def test_check_declared_lipschitz_refusals():
    with _raises("lipschitz: expected a finite real number >= 0, got -1.0"):
        check_declared_lipschitz(np.sin, 0, 1, -1.0)
    with _raises("n: expected an integer >= 2, got 1"):
        check_declared_lipschitz(np.sin, 0, 1, 1.0, n=1)
    with _raises("b: expected a finite real number > 1, got 1"):
        check_declared_lipschitz(np.sin, 1, 1, 1.0)
    with _raises("a: expected a finite real number, got inf"):
        check_declared_lipschitz(np.sin, float("inf"), 1, 1.0)
    with _raises("f: entries must be finite (no NaN or inf)"):
        check_declared_lipschitz(lambda x: np.where(x > 0.5, np.inf, 0.0), 0, 1, 1.0)
    check_declared_lipschitz(np.sin, 0, 1, 1.0, n=2)  # n = 2 is enough
    with _raises("f: expected real values, got complex ones"):
        check_declared_lipschitz(lambda x: np.exp(1j * x), 0, 1, 1.0)
    # a domain that holds no distinct float64 grid: 1/10 < 0.1 exactly, but not in float64
    with _raises("b: expected [a, b] to hold 3 distinct float64 points, got [1/10, 0.1]"):
        check_declared_lipschitz(np.sin, R(1, 10), 0.1, 1.0, n=3)
    with warnings.catch_warnings():  # refused cleanly, without an overflow warning
        warnings.simplefilter("error")
        with _raises("b: expected [a, b] to hold 3 distinct float64 points, got [-1e+308, "
                     "1e+308]"):
            check_declared_lipschitz(np.sin, -1e308, 1e308, 1.0, n=3)


# ------------------------------------------------------------------ sup_error
def test_sup_error_exact_values_and_kinds():
    approx = relu_interpolant(lambda x: x**2, R(0), R(1), 3)
    # chord error x - x^2 ... on [0, 1/2]: x/2 - x^2; at 1/4 it is 1/16, at 3/4 (2nd cell) 1/16
    assert sup_error(lambda r: [r[0] ** 2], approx, [[R(1, 4)]]) == R(1, 16)
    assert sup_error(lambda r: [r[0] ** 2], approx, [[R(1, 8)], [R(3, 4)]]) == R(1, 16)
    # the sign of the difference does not matter
    assert sup_error(lambda r: [r[0] ** 2 + 1], approx, [[R(1, 4)]]) == R(15, 16)
    assert sup_error(lambda r: [r[0] ** 2 - 1], approx, [[R(1, 4)]]) == R(17, 16)
    # f may answer with a scalar, a list or an array; integers are exact
    assert sup_error(lambda r: r[0] ** 2, approx, [[R(1, 4)]]) == R(1, 16)
    assert sup_error(lambda r: np.array([1]), approx, [[R(1, 4)]]) == R(7, 8)
    empty = sup_error(lambda r: [r[0]], approx, np.zeros((0, 1), dtype=object))
    assert empty == 0 and isinstance(empty, sympy.Integer)
    with mpmath.workdps(40):
        mp = relu_interpolant(lambda x: x**2, mpmath.mpf(0), mpmath.mpf(1), 3)
        got = sup_error(lambda r: [r[0] ** 2], mp, [[mpmath.mpf(1) / 4], [mpmath.mpf(0)]])
        assert isinstance(got, mpmath.mpf) and got == mpmath.mpf(1) / 16
        got = sup_error(lambda r: [r[0] ** 2 - 1], mp, [[mpmath.mpf(1) / 4]])
        assert got == mpmath.mpf(17) / 16
        empty = sup_error(lambda r: [r[0]], mp, np.zeros((0, 1), dtype=object))
        assert empty == 0 and isinstance(empty, mpmath.mpf)
    fl = relu_interpolant(lambda x: x**2, 0.0, 1.0, 3)
    assert sup_error(lambda x: x**2, fl, [[0.25], [0.5]]) == 0.0625
    assert sup_error(lambda x: x**2 - 1, fl, [[0.25], [0.5]]) == 1.0625
    empty = sup_error(lambda x: x**2, fl, np.zeros((0, 1)))
    assert empty == 0.0 and isinstance(empty, float)
    # a flat (n,) answer of a one-output f is read as one value per point
    assert sup_error(lambda x: x[:, 0] ** 2, fl, [[0.25], [0.5], [0.75]]) == 0.0625


def test_sup_error_vector_valued_maps():
    parts = [relu_interpolant(lambda x: x**2, R(0), R(1), 3),
             relu_interpolant(lambda x: x**3, R(0), R(1), 2)]
    approx = channelwise(parts, [0, 0])
    # errors at x = 1/4: 1/16 (x^2) and 1/4 - 1/64 = 15/64 (x^3 against the chord x)
    assert sup_error(lambda r: [r[0] ** 2, r[0] ** 3], approx, [[R(1, 4)]]) == R(15, 64)
    fl = channelwise([relu_interpolant(lambda x: x**2, 0.0, 1.0, 3),
                      relu_interpolant(lambda x: x**3, 0.0, 1.0, 2)], [0, 0])
    assert sup_error(lambda x: np.concatenate([x**2, x**3], axis=1), fl, [[0.25]]) == 15 / 64


def test_sup_error_refusals():
    approx = relu_interpolant(np.sin, 0.0, 1.0, 3)
    with _raises("f: entries must be finite (no NaN or inf)"):
        sup_error(lambda x: x * np.nan, approx, [[0.5]])
    with _raises("f: expected real values, got complex ones"):
        sup_error(lambda x: np.sin(x) + 0j, approx, [[0.5]])
    with pytest.raises(ValueError, match="reshape"):  # two values for a one-output approximant
        sup_error(lambda x: np.concatenate([x, x], axis=1), approx, [[0.5]])
    exact = relu_interpolant(lambda x: x, R(0), R(1), 2)
    with pytest.raises(ValueError, match="reshape"):
        sup_error(lambda r: [r[0], 5 * r[0]], exact, [[R(1, 2)]])
    with _raises("f: entries must be finite (no NaN or inf)"):
        sup_error(lambda r: [sympy.nan], exact, [[R(1, 2)]])
    with _raises("f: a floating-point entry 0.5 cannot enter an exact model; use "
                 "sympy.Rational or sympy.nsimplify"):
        sup_error(lambda r: [0.5], exact, [[R(1, 2)]])
    with mpmath.workdps(30):
        mp = relu_interpolant(lambda x: x, mpmath.mpf(0), mpmath.mpf(1), 2)
        with _raises("f: entries must be finite (no NaN or inf)"):  # not skipped by max
            sup_error(lambda r: [mpmath.nan], mp, [[mpmath.mpf(1) / 2], [mpmath.mpf(1)]])
    with _raises("approximant: expected a MemorylessApproximant, got 'approx'"):
        sup_error(np.sin, "approx", [[0.5]])
    with _raises("approximant: expected a MemorylessApproximant, got None"):
        sup_error(np.sin, None, [[0.5]])
    with _raises("points: expected a 2-dimensional array, got shape (1,)"):
        sup_error(np.sin, approx, [0.5])
    with _raises("points: entries must be finite (no NaN or inf)"):
        sup_error(np.sin, approx, [[np.nan]])
    with _raises("points: entry 2.0 at index (0, 0) lies outside the domain [0.0, 1.0] of the "
                 "approximation"):
        sup_error(np.sin, approx, [[2.0]])
    with _raises("x: entry 2.0 at index (0, 0) lies outside the domain [0.0, 1.0] of the "
                 "approximation"):
        approx([[2.0]])
