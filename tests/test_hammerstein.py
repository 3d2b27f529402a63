"""Tests of theory.hammerstein: the construction, the budget (tight), the exact worst input."""

import itertools

import numpy as np
import pytest
import sympy
from hypothesis import strategies as st
from strategies import example_budgets, run_examples

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


def _zigzag(a, b, N, height, offset):
    h = (b - a) / (N - 1)
    points = [a + h * k / 2 for k in range(2 * N - 1)]
    return PiecewiseLinear(points, [offset + (height if k % 2 else 0) for k in range(len(points))])


def _positive_filter():
    return SSMLayer([R(1, 2)], [[R(1)]], [[R(2)]])


HALF, THIRD = R(1, 2), R(1, 3)


def _sharp(N=4, height=HALF, offset=THIRD, n=None, T=6):
    a, b = R(0), R(3)
    target = HammersteinTarget(_zigzag(a, b, N, height, offset), _positive_filter(), a, b)
    real = None if n is None else truncated_filter(target.filter, n)
    return target, hammerstein_network(target, N, real), T


def _formula(target, approx, u):
    """``Σ_{s≤t} ρ̂_s f̂(u_{t-s})`` computed directly (the stack must equal it)."""
    T = u.shape[0]
    rho_hat = approx.realization.kernel(T)[:, 0, 0]
    fh = approx.f_hat.stack.run(u)[:, 0]
    return np.array([sum((rho_hat[s] * fh[t - s] for s in range(t + 1)), R(0))
                     for t in range(T)])


# ------------------------------------------------------------------------------ f
def test_piecewise_linear_values_and_lipschitz():
    f = PiecewiseLinear([R(0), R(1), R(3)], [R(0), R(2), R(1)])
    assert f(R(1, 2)) == 1 and f(R(2)) == R(3, 2) and f(R(3)) == 1
    assert f.lipschitz == 2
    assert list(f(np.array([0.0, 1.0]))) == [0, 2]
    with pytest.raises(InvalidParameterError, match="x"):
        f(R(4))


@pytest.mark.parametrize(("points", "values", "name"), [
    ([R(0)], [R(1)], "points"), ([R(1), R(0)], [R(0), R(1)], "points"),
    ([R(0), R(1)], [R(0)], "values"), ([0.0, float("nan")], [0.0, 1.0], "points"),
])
def test_piecewise_linear_rejects_bad_input(points, values, name):
    with pytest.raises(InvalidParameterError, match=name):
        PiecewiseLinear(points, values)


# ------------------------------------------------------------------------------ target
def test_target_validation():
    f = PiecewiseLinear([R(0), R(1)], [R(0), R(1)])
    filt = _positive_filter()
    with pytest.raises(InvalidParameterError, match="filter"):
        HammersteinTarget(f, SSMLayer([R(1, 2)], [[R(1)]], [[R(1)]], b=[R(1)]), R(0), R(1))
    with pytest.raises(InvalidParameterError, match="filter"):
        HammersteinTarget(f, SSMLayer([R(2)], [[R(1)]], [[R(1)]], require_stable=False),
                          R(0), R(1))
    with pytest.raises(InvalidParameterError, match="b"):
        HammersteinTarget(f, filt, R(1), R(1))
    with pytest.raises(InvalidParameterError, match="f"):
        HammersteinTarget(f, filt, R(0), R(2))  # f does not cover [a, b]
    with pytest.raises(InvalidParameterError, match="lipschitz"):
        HammersteinTarget(np.sin, SSMLayer([0.5], [[1.0]], [[1.0]]), 0.0, 1.0)
    t = HammersteinTarget(f, filt, R(0), R(1))
    assert t.lipschitz == 1
    with pytest.raises(InvalidParameterError, match="u"):
        t(np.array([[R(2)]], dtype=object))


# ------------------------------------------------------------------------------ construction
def test_stack_computes_the_formula_exactly_and_width_does_not_grow_with_T():
    target, approx, _ = _sharp(n=3)
    widths = approx.stack.widths
    rng = np.random.default_rng(0)
    for T in (1, 4, 9):
        u = np.array([[R(int(rng.integers(0, 13)), 4)] for _ in range(T)], dtype=object)
        assert list(approx.stack.run(u)[:, 0]) == list(_formula(target, approx, u))
    assert widths == (3, 4, 3)


def test_negative_values_pass_the_relu_between_layers():
    f = PiecewiseLinear([R(0), R(1)], [R(-2), R(-1)])  # f̂ < 0 everywhere
    target = HammersteinTarget(f, _positive_filter(), R(0), R(1))
    approx = hammerstein_network(target, 3)
    u = np.array([[R(1, 3)], [R(1)], [R(0)]], dtype=object)
    assert list(approx.stack.run(u)[:, 0]) == list(target(u)[:, 0])  # f linear: f̂ = f


# ------------------------------------------------------------------------------ budget
def test_budget_is_attained_exactly_on_the_sharp_family():
    for n in (None, 1, 3, 6):
        target, approx, T = _sharp(n=n)
        budget = hammerstein_budget(target, approx, T)
        worst = worst_case_error(target, approx, T)
        assert worst.exact
        assert worst.error == budget.total  # exact equality: no constant can be lowered
        diff = target(worst.u) - approx.stack.run(worst.u)
        assert worst.sign * diff[worst.t, 0] == worst.error


def test_each_budget_term_is_attained_alone():
    # first term alone: no offset, exact filter
    target, approx, T = _sharp(offset=R(0))
    b = hammerstein_budget(target, approx, T)
    assert b.filter_error == 0 and worst_case_error(target, approx, T).error == b.total > 0
    # second term alone: flat f (f̂ = f), truncated filter
    target, approx, T = _sharp(height=R(0), n=2)
    b = hammerstein_budget(target, approx, T)
    assert b.f_error == 0 and worst_case_error(target, approx, T).error == b.total > 0


def test_budget_uses_the_smaller_a_priori_bound():
    filt = SSMLayer([0.5], [[1.0]], [[1.0]])
    target = HammersteinTarget(np.sin, filt, 0.0, 1.0, 1.0, 1.0)
    approx = hammerstein_network(target, 5)
    h = 0.25
    assert hammerstein_budget(target, approx, 4).f_error == pytest.approx(min(h / 2, h**2 / 8))


def test_worst_case_matches_brute_force_over_all_candidate_inputs():
    f = PiecewiseLinear([R(0), R(1, 3), R(2)], [R(1), R(-1), R(1, 2)])
    filt = SSMLayer([R(-1, 2)], [[R(1)]], [[R(3, 2)]], [[R(1, 4)]])
    target = HammersteinTarget(f, filt, R(0), R(2))
    approx = hammerstein_network(target, 3, truncated_filter(filt, 1))
    T = 3
    worst = worst_case_error(target, approx, T)
    cands = sorted(set(approx.f_hat.knots[0]) | set(f.points))
    brute = max(abs(v) for combo in itertools.product(cands, repeat=T)
                for v in (target(np.array([[c] for c in combo], dtype=object))
                          - approx.stack.run(np.array([[c] for c in combo], dtype=object)))[:, 0])
    assert worst.error == brute


def test_worst_case_needs_points_for_a_general_f():
    target = HammersteinTarget(np.sin, SSMLayer([0.5], [[1.0]], [[1.0]]), 0.0, 1.0, 1.0)
    approx = hammerstein_network(target, 3)
    with pytest.raises(InvalidParameterError, match="points"):
        worst_case_error(target, approx, 4)
    worst = worst_case_error(target, approx, 4, np.linspace(0.0, 1.0, 65))
    assert not worst.exact and 0 < worst.error <= hammerstein_budget(target, approx, 4).total


def test_broken_construction_exceeds_the_budget():
    target, approx, T = _sharp()
    # the stack of a wrong realization (pole 1/4 instead of 1/2), passed off as exact
    wrong = hammerstein_network(target, 4, SSMLayer([R(1, 4)], [[R(1)]], [[R(2)]]))
    bad = type(approx)(wrong.stack, approx.f_hat, approx.realization, approx.h)
    worst = worst_case_error(target, bad, T)
    diff = target(worst.u) - bad.stack.run(worst.u)
    assert max(abs(v) for v in diff[:, 0]) > hammerstein_budget(target, bad, T).total


def _random_exact_instance_stays_within_budget(data):
    n_pts = data.draw(st.integers(2, 5))
    points = sorted({R(data.draw(st.integers(0, 16)), 8) for _ in range(n_pts)} | {R(0), R(2)})
    values = [R(data.draw(st.integers(-8, 8)), 4) for _ in points]
    r = R(data.draw(st.integers(-7, 7)), 8)
    c = R(data.draw(st.integers(-4, 4)), 2)
    filt = SSMLayer([r], [[R(1)]], [[c]])
    target = HammersteinTarget(PiecewiseLinear(points, values), filt, R(0), R(2))
    T = data.draw(st.integers(1, 5))
    n = data.draw(st.one_of(st.none(), st.integers(1, 5)))
    approx = hammerstein_network(target, data.draw(st.integers(2, 5)),
                                 None if n is None else truncated_filter(filt, n))
    worst = worst_case_error(target, approx, T)
    assert worst.error <= hammerstein_budget(target, approx, T).total
    diff = target(worst.u) - approx.stack.run(worst.u)
    assert worst.sign * diff[worst.t, 0] == worst.error


@example_budgets(0.05, 0.2)  # exact worst-case search, ~15 ms an example
def test_random_exact_instances_stay_within_budget(examples):
    run_examples(examples, _random_exact_instance_stays_within_budget, data=st.data())


@pytest.mark.parametrize(("fn", "args", "name"), [
    (hammerstein_network, ("target", 2), "target"),
    (truncated_filter, (SSMLayer([0.5], [[1.0]], [[1.0]]), 0), "n"),
    (truncated_filter, ("x", 2), "filter"),
])
def test_bad_arguments(fn, args, name):
    with pytest.raises(InvalidParameterError, match=name):
        fn(*args)


def test_bad_network_arguments():
    target, approx, T = _sharp()
    with pytest.raises(InvalidParameterError, match="N"):
        hammerstein_network(target, 1)
    with pytest.raises(InvalidParameterError, match="realization"):
        hammerstein_network(target, 3, SSMLayer([0.5], [[1.0]], [[1.0]]))  # float vs exact
    with pytest.raises(InvalidParameterError, match="T"):
        hammerstein_budget(target, approx, 0)
    with pytest.raises(InvalidParameterError, match="approximant"):
        worst_case_error(target, "x", T)
