"""Real parameters for Algorithm A (BYJL25 Theorem 4.1(ii); issue 9, item 4).

Two parts: the search for a conjugation-closed split (:func:`theory.depth_width.
real_split_certificate`), compared with brute force over every assignment of poles and roots to
layers, and the real realization (:mod:`theory.real_realization`): same kernel, real entries,
norm factor ``√2`` (rank-one couplings) and ``2`` (in general), both attained.
"""

from __future__ import annotations

import dataclasses
import itertools

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from strategies import example_budgets, run_examples, scaled_examples
from sympy import I
from sympy import Rational as R

from theory import depth_width
from theory import real_realization as rr
from theory.depth_width import (
    InsufficientCapacityError,
    KernelCheckError,
    RealSplitCertificate,
    kernel_mismatch,
    real_split_certificate,
    shallow_to_deep,
    target_from_factors,
)
from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import InvalidParameterError, NumberKind, exact_equal, is_exact_zero
from theory.real_realization import (
    NORM_FACTOR,
    RANK_ONE_NORM_FACTOR,
    RealDeepSSM,
    real_realization,
)


# ============================================================================ the split search
def _brute_force(counts: tuple[int, ...], depth: int, width: int) -> bool:
    """Whether some assignment of every pole item and root item to a layer obeys the rules of
    Algorithm A: ``|S_k| ≤ m`` (the pole at 0 included) and ``|Z_k| ≤ min(n_k, m - 1)``."""
    real_poles, pole_pairs, zero, real_roots, root_pairs = counts
    pole_sizes = [1] * real_poles + [2] * pole_pairs
    root_sizes = [1] * real_roots + [2] * root_pairs
    for poles in itertools.product(range(depth), repeat=len(pole_sizes) + zero):
        nonzero = [sum(s for s, k in zip(pole_sizes, poles) if k == j) for j in range(depth)]
        slots = [n + sum(1 for k in poles[len(pole_sizes):] if k == j)
                 for j, n in enumerate(nonzero)]
        if max(slots) > width:
            continue
        caps = [min(n, width - 1) for n in nonzero]
        for roots in itertools.product(range(depth), repeat=len(root_sizes)):
            if all(sum(s for s, k in zip(root_sizes, roots) if k == j) <= caps[j]
                   for j in range(depth)):
                return True
    return False


@st.composite
def _count_cases(draw: st.DrawFn) -> tuple[tuple[int, ...], int, int]:
    depth, width = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    budget = 10 if depth <= 2 else 7  # at most depth^budget assignments
    counts = []
    for top in (4, 3, 1, 4, 2):
        counts.append(draw(st.integers(0, max(0, min(top, budget)))))
        budget -= counts[-1]
    return tuple(counts), depth, width


@settings(max_examples=scaled_examples(1.0), deadline=None)
@given(_count_cases())
@example(((0, 3, 0, 1, 2), 2, 4))  # three pole pairs: the old greedy default split [3, 3] fails
@example(((3, 0, 0, 0, 1), 2, 2))  # a root pair at (l, m) = (2, 2): no split
@example(((0, 2, 1, 0, 1), 2, 3))  # the pole at 0 needs a non-full layer
def test_search_agrees_with_brute_force_over_assignments(case) -> None:
    counts, depth, width = case
    cert = depth_width._real_split_search(counts, depth, width)
    assert cert.feasible is _brute_force(counts, depth, width)
    event(f"feasible: {cert.feasible}")
    assert isinstance(cert, RealSplitCertificate) and cert.check(), cert.failures()
    if cert.feasible:
        assert cert.argument[-1].endswith(": feasible")
    else:
        assert len(cert.argument) == depth + 1


def test_two_by_two_root_pair_has_no_conjugation_closed_split() -> None:
    """The docstring's example: at ``(l, m) = (2, 2)`` every layer absorbs at most one root."""
    target = target_from_factors([R(1, 2), R(1, 3), R(-1, 4)], [R(1, 5) + I / 3, R(1, 5) - I / 3],
                                 1)
    cert = real_split_certificate(target, 2, 2)
    assert cert.counts == (3, 0, 0, 0, 1) and not cert.feasible and cert.check()
    assert cert.argument[1] == ("F = 1: at least 2 root capacities are odd, so at most 0 "
                                "conjugate root pairs fit, and P has 1")
    with pytest.raises(InsufficientCapacityError, match=r"^real: no conjugation-closed split"):
        shallow_to_deep(target, 2, 2, real=True)
    deep = shallow_to_deep(target, 2, 2)  # complex parameters exist
    assert kernel_mismatch(deep, target, 12) == 0
    # one more unit of width holds the pair in one layer
    wide = real_split_certificate(target, 2, 3)
    assert wide.layers is not None and wide.check()
    assert max(d for *_, d in wide.layers) == 1


def _three_pole_pairs() -> ShallowSSM:
    poles = [(1 + I) / 3, (1 - I) / 3, R(-1, 2) + I / 4, R(-1, 2) - I / 4, I / 5, -I / 5]
    return target_from_factors(poles, [R(1, 2), R(1, 3), R(-1, 3), R(2, 3), R(-1, 5)], R(3, 2))


def test_regression_three_pole_pairs_at_depth_2_width_4() -> None:
    """The old default spread 6 poles as sizes [3, 3], which hold 2 pairs, not 3; the search
    takes one full layer (sizes [4, 2], root capacities [3, 2])."""
    target = _three_pole_pairs()
    assert depth_width._even_sizes(6, 2, 4) == [3, 3]
    cert = real_split_certificate(target, 2, 4)
    assert cert.layers == ((0, 2, 0, 3, 0), (0, 1, 0, 2, 0)) and cert.check()
    assert cert.root_capacities == (3, 2)
    assert cert.argument[0].startswith("F = 0: at least 2 layers hold an odd number")
    deep = shallow_to_deep(target, 2, 4, real=True)
    assert deep.kind is NumberKind.EXACT and kernel_mismatch(deep, target, 16) == 0
    assert [sum(1 for x in row if x != 0) for row in deep.eigenvalues] == [4, 2]
    real = real_realization(deep)
    assert _exact_kernels_agree(real, deep, 16)


def test_regression_old_default_split_the_smallest_pairs() -> None:
    """The old default spread the poles evenly before placing pairs: one pole pair at depth 2
    got sizes [1, 1] (the pair split), and three real poles with a complex pair of numerator
    roots at (l, m) = (3, 3) got root capacities [1, 1, 1] (the root pair split)."""
    pair = ShallowSSM([(1 + I) / 3, (1 - I) / 3], [1 + I, 1 - I], [1, 1])
    assert depth_width._even_sizes(2, 2, 2) == [1, 1]
    deep = shallow_to_deep(pair, 2, 2, real=True)
    assert kernel_mismatch(deep, pair, 8) == 0
    assert _exact_kernels_agree(real_realization(deep), deep, 8)
    roots = target_from_factors([R(1, 2), R(1, 3), R(-1, 4)], [R(1, 5) + I / 3, R(1, 5) - I / 3],
                                1)
    assert depth_width._even_sizes(3, 3, 3) == [1, 1, 1]
    cert = real_split_certificate(roots, 3, 3)
    assert cert.layers == ((1, 0, 0, 0, 0), (2, 0, 0, 0, 1), (0, 0, 0, 0, 0)) and cert.check()
    deep = shallow_to_deep(roots, 3, 3, real=True)
    assert kernel_mismatch(deep, roots, 18) == 0
    assert _exact_kernels_agree(real_realization(deep), deep, 18)


def test_given_pole_groups_place_root_pairs_or_explain() -> None:
    target = target_from_factors([R(1, 2), R(1, 3), R(-1, 4)],
                                 [R(1, 5) + I / 3, R(1, 5) - I / 3], 1)
    ok = shallow_to_deep(target, 3, 3, real=True, pole_groups=[[0], [1, 2], []])
    assert kernel_mismatch(ok, target, 18) == 0
    with pytest.raises(InsufficientCapacityError, match=r"^pole_groups: .* 0 conjugate pairs"):
        shallow_to_deep(target, 3, 3, real=True, pole_groups=[[0], [1], [2]])


def test_certificate_negative_controls() -> None:
    cert = depth_width._real_split_search((0, 3, 0, 1, 2), 2, 4)
    assert cert.check()
    forged = [
        dataclasses.replace(cert, layers=None),  # claims infeasible
        dataclasses.replace(cert, layers=((0, 3, 0, 1, 1), (0, 0, 0, 0, 1))),  # 6 > m poles
        dataclasses.replace(cert, layers=((0, 2, 0, 1, 2), (0, 1, 0, 0, 0))),  # 5 > 3 roots
        dataclasses.replace(cert, layers=((0, 2, 0, 1, 1),)),  # one layer missing
        dataclasses.replace(cert, layers=((0, 2, 0, 1, 1), (0, 1, 0, 1, 1))),  # extra root
        dataclasses.replace(cert, layers=((0, 2, 1, 1, 1), (0, 1, 0, 0, 1))),  # zero pole added
    ]
    for bad in forged:
        assert not bad.check(), bad
    infeasible = depth_width._real_split_search((3, 0, 0, 0, 1), 2, 2)
    assert infeasible.check()
    assert not dataclasses.replace(infeasible, layers=((1, 0, 0, 0, 1), (2, 0, 0, 0, 0))).check()
    assert not dataclasses.replace(infeasible, root_pairs=0).check()  # now a split exists


def test_search_rejects_an_invalid_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The search re-checks the split it builds (here the pair spreading is broken)."""
    monkeypatch.setattr(depth_width, "_spread", lambda count, room, unit: [count] + [0] * (
        len(room) - 1))
    with pytest.raises(KernelCheckError, match="invalid"):
        depth_width._real_split_search((0, 3, 0, 1, 2), 2, 4)


def test_search_is_polynomial_at_a_large_size() -> None:
    """``O(l)`` closed-form steps: thousands of items decide at once (the brute force could
    not), and a tight count flips the answer."""
    # 450 pole pairs at (l, m) = (100, 10): a layer of 9 would need a real pole, so 50 layers
    # hold 10 (root capacity 9, odd) and 50 hold 8: 850 roots, at most 400 of them in pairs
    cert = depth_width._real_split_search((0, 450, 0, 50, 400), 100, 10)
    assert cert.feasible and cert.root_capacities == (9,) * 50 + (8,) * 50
    assert cert.argument[-1] == "F = 50: feasible" and len(cert.argument) == 51
    tight = depth_width._real_split_search((0, 450, 0, 48, 401), 100, 10)
    assert not tight.feasible
    assert tight.argument[50].endswith("at most 400 conjugate root pairs fit, and P has 401")
    assert tight.argument[51] == "F = 51: the root capacities sum to 849 < deg P = 850"


def test_non_symmetric_target_is_refused_by_the_certificate() -> None:
    with pytest.raises(InvalidParameterError, match=r"^shallow: .*conjugate"):
        real_split_certificate(ShallowSSM([(1 + I) / 3, R(1, 2)], [1, 1], [1, 1]), 1, 3)


def test_float_target_uses_the_same_split() -> None:
    target = _three_pole_pairs()
    as_float = target.to_kind(NumberKind.FLOAT)
    assert real_split_certificate(as_float, 2, 4).layers == real_split_certificate(
        target, 2, 4).layers
    deep = shallow_to_deep(as_float, 2, 4, real=True)
    real = real_realization(deep)
    assert real.kind is NumberKind.FLOAT and real.B[1].dtype == np.float64
    err = np.max(np.abs(real.kernel(40) - as_float.kernel(40)))
    assert err < 1e-12 * np.max(np.abs(as_float.kernel(40)))


# ============================================================================ real realization
def _exact_kernels_agree(real: RealDeepSSM, deep: DeepSSM, T: int) -> bool:
    return all(is_exact_zero(a - b) for a, b in zip(real.kernel(T), deep.kernel(T)))


def _pairs_target() -> ShallowSSM:
    """Two pole pairs and a real pole, ``deg P = 2`` (exact roots: a conjugate pair)."""
    poles = [(1 + I) / 3, (1 - I) / 3, R(1, 2), R(-1, 4) + I / 5, R(-1, 4) - I / 5]
    return target_from_factors(poles, [R(1, 5) + I / 3, R(1, 5) - I / 3], R(3, 2))


def _is_block_form(A: np.ndarray) -> bool:
    m = A.shape[0]
    return rr._block_violation(A) is None and all(
        is_exact_zero(A[i, j]) for i in range(m) for j in range(m) if abs(i - j) > 1)


def test_exact_real_realization_has_the_same_kernel_and_real_entries() -> None:
    target = _pairs_target()
    deep = shallow_to_deep(target, 2, 3, real=True)
    assert deep.kind is NumberKind.EXACT
    assert any(not is_exact_zero(sympy.im(x)) for x in deep.eigenvalues.flat)
    real = real_realization(deep)
    assert real.kind is NumberKind.EXACT and (real.depth, real.width) == (2, 3)
    for arr in [*real.A, *real.B, real.C]:
        assert all(is_exact_zero(sympy.im(x)) for x in arr.flat)
    assert all(_is_block_form(A) for A in real.A)
    assert _exact_kernels_agree(real, deep, 40)
    # the 2x2 block of the first pair carries a = 1/3, b = 1/3
    assert [list(row[:2]) for row in real.A[0][:2]] == [[R(1, 3), R(-1, 3)], [R(1, 3), R(1, 3)]]
    ratio = real.norm() / deep.norm()
    assert bool(ratio >= 1) and bool(ratio <= RANK_ONE_NORM_FACTOR)


def test_rank_one_norm_factor_sqrt2_is_attained() -> None:
    """``γ = λ/(λ - conj λ) = (1 - i)/2`` for ``λ = (1 + i)/3``: argument -45°, so the real
    entry ``Re γ - Im γ = 1`` is ``√2 |γ|``; with ``κ = 1/2`` it is the largest entry."""
    target = target_from_factors([(1 + I) / 3, (1 - I) / 3], [], R(1, 2))
    deep = shallow_to_deep(target, 1, 2, real=True)
    real = real_realization(deep)
    assert exact_equal(deep.norm(), sympy.sqrt(2) / 2) and exact_equal(real.norm(), 1)
    assert exact_equal(real.norm() / deep.norm(), RANK_ONE_NORM_FACTOR)
    assert _exact_kernels_agree(real, deep, 8)


def test_rank_one_norm_factor_one_is_attained() -> None:
    """An imaginary pole gives a real ``γ = 1/2``: the realization keeps the norm."""
    target = target_from_factors([I / 3, -I / 3], [], R(1, 2))
    deep = shallow_to_deep(target, 1, 2, real=True)
    real = real_realization(deep)
    assert exact_equal(real.norm(), deep.norm()) and exact_equal(real.norm(), R(1, 2))


def test_general_norm_factor_two_is_attained() -> None:
    """The coupling ``[[1, -i], [i, 1]]`` between two pairs becomes ``[[2, 0], [0, 0]]``."""
    deep = DeepSSM([[(1 + I) / 3, (1 - I) / 3], [(1 + I) / 4, (1 - I) / 4]],
                   [[1, 1], [[1, -I], [I, 1]]], [1, 1])
    real = real_realization(deep)
    assert real.B[1].tolist() == [[2, 0], [0, 0]]
    assert exact_equal(real.norm() / deep.norm(), NORM_FACTOR)
    assert _exact_kernels_agree(real, deep, 8)


def test_mpmath_real_realization_within_the_rounding_bound() -> None:
    """A generic target (``deg P = n - 1 = 4``; rounding an exact target of lower degree would
    give ``P`` spurious huge roots)."""
    poles = [(1 + I) / 3, (1 - I) / 3, R(1, 2), R(-1, 4) + I / 5, R(-1, 4) - I / 5]
    exact = ShallowSSM(poles, [1 + 2 * I, 1 - 2 * I, 1, 3 - I, 3 + I], [1] * 5)
    with mpmath.workdps(40):
        target = exact.to_kind(NumberKind.MPMATH)
        deep = shallow_to_deep(target, 2, 3, real=True)
        real = real_realization(deep)
        assert all(isinstance(x, mpmath.mpf) for a in [*real.A, *real.B, real.C] for x in a.flat)
        T = 30
        err = max(mpmath.fabs(a - b) for a, b in zip(real.kernel(T), deep.kernel(T)))
        assert err < mpmath.mpf(10) ** -37


def test_unsorted_pairs_and_repeated_eigenvalues_are_paired() -> None:
    """Partners need not be adjacent (the partner moves next to the first mode of its pair),
    and copies of one pair are matched in index order."""
    lam = [(1 + I) / 3, R(1, 2), (1 - I) / 3]
    deep = DeepSSM([lam], [[1 + I, 2, 1 - I]], [3 - I, 1, 3 + I])
    real = real_realization(deep)
    assert _exact_kernels_agree(real, deep, 8)
    assert real.A[0].tolist() == [[R(1, 3), R(-1, 3), 0], [R(1, 3), R(1, 3), 0], [0, 0, R(1, 2)]]
    twice = DeepSSM([[(1 + I) / 3, (1 + I) / 3, (1 - I) / 3, (1 - I) / 3]],
                    [[1, I, 1, -I]], [1, 2, 1, 2])
    assert _exact_kernels_agree(real_realization(twice), twice, 10)


def test_non_symmetric_models_are_refused() -> None:
    with pytest.raises(InvalidParameterError, match=r"^deep: .*without a partner"):
        real_realization(DeepSSM([[(1 + I) / 3, R(1, 2)]], [[1, 1]], [1, 1]))
    with pytest.raises(InvalidParameterError, match=r"^deep: .*B\[0\]\[0\]"):
        real_realization(DeepSSM([[(1 + I) / 3, (1 - I) / 3]], [[1, 2]], [1, 1]))
    with pytest.raises(InvalidParameterError, match=r"^deep: .*C\[0\]"):
        real_realization(DeepSSM([[R(1, 2)]], [[1]], [I]))
    with pytest.raises(InvalidParameterError, match=r"^deep: .*B\[1\]"):
        real_realization(DeepSSM([[(1 + I) / 3, (1 - I) / 3], [R(1, 2), R(1, 3)]],
                                 [[1, 1], [[1, 2], [1, 1]]], [1, 1]))
    with pytest.raises(InvalidParameterError, match=r"^deep: expected a DeepSSM"):
        real_realization("model")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [NumberKind.EXACT, NumberKind.FLOAT, NumberKind.MPMATH])
def test_self_check_rejects_a_perturbed_entry(kind: NumberKind,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative error of ``2^-40`` (float) or ``2^-(prec-20)`` (mpmath) in one coupling is
    beyond the rounding bound; exactly, any change is."""
    original = rr._transformed

    def perturbed(deep, sigma, work_kind):
        A, B, C = original(deep, sigma, work_kind)
        scale = {NumberKind.EXACT: R(1, 10**9), NumberKind.FLOAT: mpmath.mpf(2) ** -40,
                 NumberKind.MPMATH: mpmath.mpf(2) ** (20 - 53)}[kind]
        B[1] = B[1].copy()
        B[1][0, 0] = B[1][0, 0] * (1 + scale)
        return A, B, C

    deep = shallow_to_deep(_pairs_target(), 2, 3, real=True)
    if kind is not NumberKind.EXACT:
        deep = deep.to_kind(kind)
    assert real_realization(deep).depth == 2
    monkeypatch.setattr(rr, "_transformed", perturbed)
    with pytest.raises(KernelCheckError, match="kernels differ"):
        real_realization(deep)


def test_real_deep_ssm_kernel_matches_deep_ssm_on_diagonal_models() -> None:
    """The recurrence convention of :class:`DeepSSM` (same-step input), checked on a real
    diagonal model in every kind."""
    lam = [[R(1, 2), R(-1, 3)], [R(1, 4), 0]]
    B = [[1, 2], [[1, R(1, 2)], [3, -1]]]
    deep = DeepSSM(lam, B, [2, R(-1, 5)])
    real = RealDeepSSM([np.diag(row).astype(object) for row in deep.eigenvalues], deep.B,
                       deep.C)
    assert _exact_kernels_agree(real, deep, 12)
    for kind in (NumberKind.FLOAT, NumberKind.MPMATH):
        d = deep.to_kind(kind)
        r = RealDeepSSM([np.diag(row) for row in d.eigenvalues], d.B, d.C)
        assert max(abs(complex(a - b)) for a, b in zip(r.kernel(12), d.kernel(12))) < 1e-14
    assert real.kernel(0).shape == (0,) and repr(real).startswith("RealDeepSSM(depth=2")


def test_real_deep_ssm_validation() -> None:
    good = ([[[R(1, 3), R(-1, 3)], [R(1, 3), R(1, 3)]]], [[1, 0]], [1, 1])
    RealDeepSSM(*good)
    cases = [
        (([[[R(1, 3), R(1, 3)], [R(1, 3), R(1, 3)]]], [[1, 0]], [1, 1]), r"^A\[0\]: .*form"),
        (([[[R(4, 5), R(-4, 5)], [R(4, 5), R(4, 5)]]], [[1, 0]], [1, 1]), r"^A\[0\]: .*>= 1"),
        (([[[R(1, 3), 0], [0, R(3, 2)]]], [[1, 0]], [1, 1]), r"^A\[0\]: .*>= 1"),
        (([[[R(1, 3), I], [0, R(1, 3)]]], [[1, 0]], [1, 1]), r"^A\[0\]: .*real"),
        (([[[R(1, 3), 0, R(1, 5)], [0, R(1, 3), 0], [0, 0, 0]]], [[1, 0, 0]], [1, 1, 1]),
         r"^A\[0\]: .*outside"),
        (([[[R(1, 3), 0], [0, R(1, 3)]]], [[I, 0]], [1, 1]), r"^B\[0\]: .*real"),
        (([[[R(1, 3), 0], [0, R(1, 3)]]], [[1, 0, 0]], [1, 1]), r"^B\[0\]: .*shape"),
        (([[[R(1, 3), 0], [0, R(1, 3)]]], [[1, 0]], []), r"^C: "),
        (([], [[1, 0]], [1, 1]), r"^A: "),
        (([[[R(1, 3), 0], [0, R(1, 3)]]] * 2, [[1, 0]], [1, 1]), r"^A: "),
        (([[[0.5, 0.0], [0.0, 0.5]]], [[1, 0]], [1, float("nan")]), r"^C: "),
    ]
    for args, match in cases:
        with pytest.raises(InvalidParameterError, match=match):
            RealDeepSSM(*args)
    with pytest.raises(InvalidParameterError, match=r"^T: "):
        RealDeepSSM(*good).kernel(-1)


@example_budgets(0.06, 0.2)
def test_real_split_and_realization_on_random_symmetric_targets(examples: int) -> None:
    """Conjugate pole pairs ``(a ± ib)/9``, real poles ``c/9`` and maybe a pole at 0, residues
    ``1 ± i``, 1 and 2: when the certificate finds a split, Algorithm A with ``real=True`` and
    the real realization reproduce the kernel; otherwise Algorithm A refuses."""

    # a pole pair and a pole at 0: no split at (2, 2)
    @example(pairs=[(1, 3)], reals=[], depth=2, width=2, zero=True)
    def check(pairs, reals, depth, width, zero) -> None:
        poles, res = [], []
        for a, b in pairs:
            poles += [(a + b * I) / 9, (a - b * I) / 9]
            res += [1 + I, 1 - I]
        poles += [R(c, 9) for c in reals] + [sympy.Integer(0)] * zero
        res += [1] * len(reals) + [2] * zero
        target = ShallowSSM(poles, res, [1] * len(poles))
        deg = len(depth_width.numerator_coefficients(target)) - 1
        nonzero = len(poles) - zero
        if nonzero > depth * width or deg > min(nonzero, depth * (width - 1)):
            event("beyond the chain's capacity")
            return
        cert = real_split_certificate(target, depth, width)
        assert cert.check()
        event(f"feasible: {cert.feasible}")
        if not cert.feasible:
            with pytest.raises(InsufficientCapacityError, match="conjugation-closed"):
                shallow_to_deep(target, depth, width, real=True)
            return
        deep = shallow_to_deep(target, depth, width, real=True)
        real = real_realization(deep)
        T = 2 * depth * width
        if deep.kind is NumberKind.EXACT:
            assert _exact_kernels_agree(real, deep, T) and kernel_mismatch(deep, target, T) == 0
        else:
            assert max(mpmath.fabs(a - b) for a, b in zip(real.kernel(T), target.kernel(T))) < 1e-10

    run_examples(examples, check,
                 pairs=st.lists(st.tuples(st.integers(-4, 4), st.integers(1, 4)), min_size=1,
                                max_size=2, unique=True),
                 reals=st.lists(st.integers(-4, 4).filter(bool), min_size=0, max_size=2,
                                unique=True),
                 depth=st.integers(1, 3), width=st.integers(2, 3), zero=st.booleans())


@pytest.mark.parametrize(("depth", "width", "seed"), [
    (2, 3, 1), (3, 3, 2),
    # the two largest shapes (9 poles) only under extended
    pytest.param(2, 4, 3, marks=pytest.mark.extended),
    pytest.param(4, 3, 4, marks=pytest.mark.extended)])
def test_float_targets_real_realization_and_its_norm(depth: int, width: int, seed: int) -> None:
    """Generic conjugate-symmetric float targets of width ``l(m-1)+1`` (pairs and one real
    pole): real entries, the kernel to rounding, and ``‖θ‖ ≤ ‖θ̃‖ ≤ √2 ‖θ‖`` up to the one
    rounding of each entry (``4u`` relative)."""
    rng = np.random.default_rng(seed)
    n = depth * (width - 1) + 1
    z = rng.uniform(0.1, 0.9, n // 2) * np.exp(1j * rng.uniform(0.2, 2.9, n // 2))
    r = rng.standard_normal(n // 2) + 1j * rng.standard_normal(n // 2)
    real_pole = [rng.uniform(-0.9, 0.9)] * (n % 2)
    target = ShallowSSM(np.array([*z, *np.conj(z), *real_pole]),
                        np.array([*r, *np.conj(r), *[1.0] * (n % 2)]), np.ones(n))
    assert real_split_certificate(target, depth, width).feasible
    deep = shallow_to_deep(target, depth, width, real=True)
    real = real_realization(deep)
    assert all(a.dtype == np.float64 for a in [*real.A, *real.B, real.C])
    T = 4 * depth * width
    k = target.kernel(T)
    assert np.max(np.abs(real.kernel(T) - k)) < 1e-12 * np.max(np.abs(k))
    u = 2.0**-53
    ratio = real.norm() / deep.norm()
    assert 1 - 4 * u <= ratio <= np.sqrt(2) * (1 + 4 * u)
