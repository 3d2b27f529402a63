"""Tests of theory.min_depth: minimal depth under a norm budget (BYJL25 Theorem 4.3)."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import run_examples, scaled_examples, smoke_and_full

from theory.linear import ShallowSSM
from theory.min_depth import (
    constructive_depth,
    depth_lower_bound,
    depth_upper_bound,
    depth_width_table,
    effective_target,
    forest_depth_bound,
    shallow_width_needed,
)
from theory.norm_reduction import small_norm_deep
from theory.numbers import InvalidParameterError
from verify.claims.byjl25_norm import random_target


def one_pole(r: complex, lam: complex = 0.5) -> ShallowSSM:
    return ShallowSSM([lam], [r], [1.0])


def test_formula_hand_computed() -> None:
    # n = 5 poles, m = 3: ceil(4/2) = 2; c_1 = 10, c = 4: ceil(2 ln 10 / ln 2) - 1 = 7 - 1 = 6
    target = ShallowSSM([0.1, 0.2, 0.3, 0.4, 0.5], [100.0, 1, 1, 1, 1], [1.0] * 5)
    assert depth_upper_bound(target, 3, 4.0) == 6
    assert depth_upper_bound(target, 3, 1000.0) == 2
    assert depth_upper_bound(one_pole(0.25), 1, 3.0) == 1


def test_formula_bad_inputs() -> None:
    target = ShallowSSM([0.1, 0.2], [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(InvalidParameterError, match="c > 2"):
        depth_upper_bound(target, 2, 2.0)
    with pytest.raises(InvalidParameterError, match="m = 1"):
        depth_upper_bound(target, 1, 3.0)
    with pytest.raises(InvalidParameterError, match="width"):
        depth_upper_bound(target, 0, 3.0)
    with pytest.raises(InvalidParameterError, match="c:"):
        depth_lower_bound(target, 2, -1.0)
    with pytest.raises(InvalidParameterError, match="c:"):
        shallow_width_needed(target, "big")
    with pytest.raises(InvalidParameterError, match="magnitudes"):
        depth_width_table(target, 2, 3.0, [0.0])


def test_width_one_constructive_depth_is_the_exact_minimum() -> None:
    # one pole, width 1: the tight construction meets c iff |r| <= c^(l+1)
    r, c = 1000.0, 3.0
    target = one_pole(r)
    expected = math.ceil(math.log(r) / math.log(c)) - 1
    assert constructive_depth(target, 1, c) == expected
    # the rho(0) lower bound with m = 1 is |r| <= c^(l+1): the bracket closes
    assert depth_lower_bound(target, 1, c) == expected


def test_pole_count_lower_bound_cases() -> None:
    big = 1e6
    generic = ShallowSSM([0.1, 0.2, 0.3, 0.4, 0.5], [1.0] * 5, [1.0] * 5)
    assert depth_lower_bound(generic, 2, big) == 4  # l(m-1)+1 >= 5
    # sum r_i / lambda_i = 0: only l m >= n_nz (Theorem 4.1(iii) does not apply)
    poles = [0.1, 0.2, 0.3, 0.4, 0.5]
    res = [1.0, 1.0, 1.0, 1.0, -(1 / 0.1 + 1 / 0.2 + 1 / 0.3 + 1 / 0.4) * 0.5]
    cancel = ShallowSSM(poles, res, [1.0] * 5)
    assert depth_lower_bound(cancel, 2, big) == 3
    # a constant term (residue at the pole 0) needs a zero mode in every layer
    with_zero = ShallowSSM([0.0, 0.1, 0.2, 0.3], [1.0, 1.0, 1.0, 1.0], [1.0] * 4)
    assert depth_lower_bound(with_zero, 2, big) == 3
    exact = ShallowSSM([sympy.Rational(1, 2), sympy.Rational(1, 3)], [1, -sympy.Rational(2, 3)],
                       [1, 1])  # 1/(1/2) - (2/3)/(1/3) = 0
    assert depth_lower_bound(exact, 1, 100) == 2


def test_shallow_width_needed() -> None:
    target = ShallowSSM([0.1, 0.2, 0.3], [10.0, 1.0, 4.5], [1.0] * 3)
    assert shallow_width_needed(target, 2.0) == 3 + 1 + 2
    exact = ShallowSSM([sympy.Rational(1, 2)], [8], [1])
    assert shallow_width_needed(exact, 2) == 2


def test_effective_target_drops_zero_residues() -> None:
    target = ShallowSSM([0.1, 0.2, 0.3], [1.0, 0.0, 2.0], [1.0] * 3)
    assert effective_target(target).width == 2


# full: the hypothesis regression below as well (~0.7 s: a constructive search over 19
# depths); the smoke run keeps the cap's regression in test_forest_depth_bound_has_no_depth_cap
@pytest.mark.parametrize("budget", smoke_and_full((scaled_examples(0.05), False),
                                                  (scaled_examples(0.2), True)))
def test_bracket_lower_constructive_forest_formula(budget: tuple[int, bool]) -> None:
    examples, regression = budget

    def check(seed: int, width: int, c: float, n: int, decades: float) -> None:
        rng = np.random.default_rng(seed)
        target = random_target(rng, n, "disk")
        target = ShallowSSM(target.poles, target.residues * 10 ** decades, np.ones(n))
        formula = depth_upper_bound(target, width, c)
        lower = depth_lower_bound(target, width, c)
        built = constructive_depth(target, width, c, max_depth=formula + 1)
        forest = forest_depth_bound(target, width, c)
        assert lower is not None and built is not None and forest is not None
        assert lower <= built <= forest <= formula
        assert float(small_norm_deep(effective_target(target), built, width,
                                     ("width_one", "forest")).norm()) <= c

    if regression:
        # c close to 2 and c_1 large: the forest bound is 284 layers; a max_depth of 256 used
        # to make forest_depth_bound return None although the bound holds (found by hypothesis)
        check = example(seed=47, width=2, c=2.1015625, n=1, decades=2.0)(check)
    run_examples(examples, check, seed=st.integers(0, 10_000), width=st.integers(2, 3),
                 c=st.floats(2.1, 8.0), n=st.integers(1, 5), decades=st.floats(0, 5))


def test_negative_control_lower_bound_is_not_vacuous() -> None:
    # below the lower bound, the construction indeed fails the budget
    target = one_pole(1e4)
    lower = depth_lower_bound(target, 1, 3.0)
    model = small_norm_deep(target, lower - 1, 1, ("width_one",))
    assert model.norm() > 3.0


def test_depth_grows_logarithmically_width_linearly() -> None:
    target = ShallowSSM([0.3, -0.6 + 0.2j, 0.8j], [1.0, -0.5j, 0.7], np.ones(3))
    rows = depth_width_table(target, 2, 3.0, [1.0, 1e2, 1e4, 1e6])
    widths = [r["shallow_width"] for r in rows]
    depths = [r["constructive"] for r in rows]
    assert widths[-1] >= 1e5 * widths[0] / 10  # linear in the magnitude
    assert depths[-1] <= depths[0] + 4 * 6  # logarithmic: at most a few layers per decade
    assert all(r["lower"] <= r["constructive"] <= r["forest_bound"] <= r["formula"]
               for r in rows)
    assert depths == sorted(depths)


def _forest_condition(target: ShallowSSM, depth: int, c: float) -> bool:
    """The forest's norm condition ``2^(l-1) c_1^2 <= c^(l+1)`` at depth ``l`` (in logs)."""
    from theory.min_depth import _c1

    return _forest_condition_logs(depth, math.log(_c1(target)), math.log(c))


def _forest_condition_logs(depth: Any, log_c1: float, log_c: float) -> Any:
    """The condition at ``depth`` (an int, or an integer array: one bool per depth)."""
    return (depth - 1) * math.log(2) + 2 * log_c1 <= (depth + 1) * log_c


def _forest_bound_by_search(target: ShallowSSM, width: int, c: float, top: int) -> int | None:
    """The forest bound by exhaustive search (the definition), for comparison: the condition
    at every depth up to ``top`` at once (numpy evaluates it with the same float operations
    as a loop over the depths would)."""
    from theory.min_depth import _c1, _n_modes, _width_depth

    log_c1, log_c = math.log(_c1(target)), math.log(c)  # once: the search is long
    depths = np.arange(_width_depth(_n_modes(target), width), top + 1)
    holds = np.flatnonzero(_forest_condition_logs(depths, log_c1, log_c))
    return int(depths[holds[0]]) if holds.size else None


@settings(max_examples=40, deadline=None)
@given(st.floats(-3, 8), st.floats(1.05, 8.0), st.integers(1, 3))
@example(log_r=1.0, c=2.00001, width=1)  # the bound (183258) lies beyond the search's reach
def test_forest_depth_bound_closed_form_matches_search(log_r: float, c: float,
                                                       width: int) -> None:
    from theory.min_depth import _n_modes, _width_depth

    target = one_pole(10.0 ** log_r)
    top = 10**5
    bound = forest_depth_bound(target, width, c)
    found = _forest_bound_by_search(target, width, c, top)
    if found is not None or bound is None:
        assert bound == found
    else:  # beyond the search: check the definition at the bound and just below it
        assert bound > top
        assert _forest_condition(target, bound, c)
        assert bound - 1 < _width_depth(_n_modes(target), width) or not _forest_condition(
            target, bound - 1, c)


def test_forest_depth_bound_is_tight_and_uses_the_forest_constant() -> None:
    # one pole, c = 3: the forest condition 2^(l-1) |r| <= 3^(l+1) holds with equality at
    # l = 3 for |r| = 81/4; just below it l = 3, just above it l = 4. The constant 2 (instead
    # of 2^((l-1)/(l+1))) would give l = 7, a smaller constant l = 2.
    r = 81 / 4
    assert forest_depth_bound(one_pole(r * (1 - 1e-12)), 1, 3.0) == 3
    assert forest_depth_bound(one_pole(r * (1 + 1e-12)), 1, 3.0) == 4
    # c <= 2: only the width depth can work
    assert forest_depth_bound(one_pole(4.0 * (1 - 1e-12)), 1, 2.0) == 1
    assert forest_depth_bound(one_pole(4.0 * (1 + 1e-12)), 1, 2.0) is None
    assert forest_depth_bound(one_pole(1.0), 1, 1.5) == 1
    assert forest_depth_bound(one_pole(3.0), 1, 1.5) is None


def test_forest_depth_bound_has_no_depth_cap() -> None:
    # c_1^2 = 1e12, c = 2.01: about 1100 layers, far above any old max_depth
    target = one_pole(1e12)
    depth = forest_depth_bound(target, 2, 2.01)
    assert depth == _forest_bound_by_search(target, 2, 2.01, 10**5)
    assert depth is not None and depth > 1000
    assert depth <= depth_upper_bound(target, 2, 2.01)


def test_constructive_depth_does_not_start_at_the_lower_bound(monkeypatch) -> None:
    import theory.min_depth as md

    # a (wrong) lower bound far too high must not move the constructive depth
    target = one_pole(1000.0)
    expected = constructive_depth(target, 1, 3.0)
    monkeypatch.setattr(md, "depth_lower_bound", lambda *a, **k: 40)
    assert md.constructive_depth(target, 1, 3.0) == expected


#: ``(call, parameter)``: each call on a valid target must raise InvalidParameterError naming
#: the parameter.
_BAD_CALLS = [
    (lambda t: depth_upper_bound(t, 2, math.nan), "c"),
    (lambda t: depth_upper_bound(t, 2, math.inf), "c"),
    (lambda t: depth_lower_bound(t, 2, 0.0), "c"),
    (lambda t: depth_lower_bound(t, 2, True), "c"),
    (lambda t: depth_lower_bound(t, 2, 3.0, max_depth=0), "max_depth"),
    (lambda t: forest_depth_bound(t, 2.5, 3.0), "width"),
    (lambda t: forest_depth_bound(t, True, 3.0), "width"),
    (lambda t: forest_depth_bound(t, 2, "big"), "c"),
    (lambda t: constructive_depth(t, 2, 3.0, max_depth=-1), "max_depth"),
    (lambda t: constructive_depth(t, 0, 3.0), "width"),
    (lambda t: shallow_width_needed(t, -2.0), "c"),
    (lambda t: depth_width_table(t, 2, 3.0, [math.nan]), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, [-1.0]), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, ["x"]), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, []), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, np.array([])), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, np.array(2.0)), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, 2.0), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, "2"), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, [0.0]), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, [math.inf]), "magnitudes"),
    (lambda t: depth_width_table(t, 2, 3.0, [True]), "magnitudes"),
    (lambda t: depth_width_table(t, 2, math.nan, [1.0]), "c"),
    (lambda t: depth_lower_bound(t, 2, 3.0, max_depth=2.0), "max_depth"),
    (lambda t: shallow_width_needed(t, sympy.Rational(-1)), "c"),
    (lambda t: depth_width_table(t, 0, 3.0, [1.0]), "width"),
    (lambda t: effective_target([0.5]), "shallow"),
]


def test_bad_input_names_the_parameter() -> None:
    target = ShallowSSM([0.1, 0.2], [1.0, 1.0], [1.0, 1.0])
    failures = wrong_error_reports(
        (f"case {i} ({name})", lambda call=call: call(target), InvalidParameterError,
         f"^{name}:") for i, (call, name) in enumerate(_BAD_CALLS))
    assert not failures, "\n".join(failures)


def test_exact_budget_is_taken_at_its_exact_value() -> None:
    # |r| = 9 and c = 3 as a float: ceil(9/9) = 1 (a decimal guess of c is never made)
    exact = ShallowSSM([sympy.Rational(1, 2)], [9], [1])
    assert shallow_width_needed(exact, 3.0) == 1
    assert shallow_width_needed(exact, sympy.Rational(3)) == 1
    # 0.1 as a float is slightly above 1/10: |r| = 1/100 needs ceil((1/100)/0.1^2) = 1 copy
    assert shallow_width_needed(ShallowSSM([sympy.Rational(1, 2)], [sympy.Rational(1, 100)],
                                           [1]), 0.1) == 1


def test_table_takes_exact_magnitudes_at_their_exact_value() -> None:
    """An exact magnitude scales an exact target exactly: ``|r| = 10·(1/10) = 1`` needs one
    copy at ``c = 1``, while the float ``0.1`` is slightly above ``1/10`` and honestly needs
    two (so converting the magnitudes to float would fail this test)."""
    exact = ShallowSSM([sympy.Rational(1, 2)], [10], [1])
    (row,) = depth_width_table(exact, 1, 1.0, [sympy.Rational(1, 10)])
    assert row["shallow_width"] == 1 and row["magnitude"] == 0.1
    (rounded,) = depth_width_table(exact, 1, 1.0, np.array([0.1]))
    assert rounded["shallow_width"] == 2


@pytest.mark.parametrize(("residue", "c", "depth"), [
    (62.5, 5.0, 2),                 # 2 * 62.5 = 125 = 5^3: fits at l = 2 with equality
    (7.8125, 2.5, 2),               # 2 * 7.8125 = 15.625 = 2.5^3: equality again
    (7.812500000000002, 2.5, 3),    # one ulp above the tie: l = 2 does not fit
    (7.812499999999999, 2.5, 2),    # one ulp below: it does
])
def test_forest_depth_bound_decides_ties_exactly(residue, c, depth):
    """At an exact tie of 2^(l-1) |r| = c^(l+1) the float logarithms cannot tell the sides
    apart; the bound decides 4^(l-1) |r|^2 <= c^(2(l+1)) in rationals there."""
    assert forest_depth_bound(ShallowSSM([0.5], [residue], [1.0]), 1, c) == depth


def test_forest_depth_bound_ties_in_every_kind():
    R = sympy.Rational
    assert forest_depth_bound(ShallowSSM([R(1, 2)], [R(125, 2)], [1]), 1, 5) == 2
    with mpmath.workdps(30):
        tie = ShallowSSM([mpmath.mpf("0.5")], [mpmath.mpf("62.5")], [mpmath.mpf(1)])
        assert forest_depth_bound(tie, 1, 5) == 2
