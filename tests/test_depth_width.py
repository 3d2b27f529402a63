"""Tests of theory.depth_width: BYJL25 Theorem 4.1 (i) and its shared-eigenvalue finding,
(ii) (Algorithm A) and (iii) (non-inclusion certificate)."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import (
    deep_models,
    example_budgets,
    run_examples,
    scaled_examples,
    shallow_models,
    smoke_and_full,
)
from sympy import I
from sympy import Rational as R

from theory import depth_width
from theory.depth_width import (
    IllConditionedError,
    InsufficientCapacityError,
    KernelCheckError,
    NonInclusionCertificate,
    SharedEigenvalueError,
    algorithm_a_cannot_fit,
    certifying_length,
    deep_to_shallow,
    default_rtol,
    kernel_mismatch,
    merging_poles_residue_table,
    non_inclusion_witness,
    numerator_coefficients,
    numerator_roots,
    pole_multiplicity_certificate,
    root_capacity,
    shallow_to_deep,
    shared_eigenvalue_counterexample,
    target_from_factors,
    vanishing_order_at_infinity,
)
from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import (
    InvalidParameterError,
    NumberKind,
    convert,
    is_exact_zero,
    tolerance,
)
from verify.claims.byjl25_depth_width import margin_i_float


def _exactly_equal(a: DeepSSM, b: DeepSSM) -> bool:
    return kernel_mismatch(a, b, certifying_length(a, b)) == 0


def _abs_scale(model: DeepSSM, T: int) -> np.ndarray:
    absolute = DeepSSM(np.abs(np.asarray(model.eigenvalues, dtype=complex)),
                       [np.abs(np.asarray(b, dtype=complex)) for b in model.B],
                       np.abs(np.asarray(model.C, dtype=complex)))
    return absolute.kernel(T)


# ============================================================================ (i)
@example_budgets(0.1, 0.5)
def test_deep_to_shallow_is_exact_or_certifies_a_double_pole(examples: int) -> None:
    def check(model: DeepSSM) -> None:
        try:
            shallow = deep_to_shallow(model)
        except SharedEigenvalueError:
            # the refusal must be backed by an exact pole of order >= 2 at a shared eigenvalue
            orders = [pole_multiplicity_certificate(model, x).order
                      for x in set(model.eigenvalues.flat) if x != 0]
            assert max(orders) >= 2
            return
        assert shallow.width <= model.depth * model.width
        assert _exactly_equal(model, shallow)

    run_examples(examples, check,
                 model=deep_models(kind=NumberKind.EXACT, max_depth=3, max_width=2))


def _float_accuracy(model: DeepSSM, T: int) -> float:
    """``max_s |ρ_result(s) - ρ_deep(s)| / K_abs(s)``, both kernels exactly from the entries."""
    shallow = deep_to_shallow(model)
    got = shallow.to_kind(NumberKind.EXACT).kernel(T)
    want = model.to_kind(NumberKind.EXACT).kernel(T)
    return max(float(sympy.Abs(a - b)) / s for a, b, s in zip(got, want, _abs_scale(model, T)))


def _worst_bound_over_kabs(model: DeepSSM, T: int) -> float:
    """``max_s ε Σ_i |r_i||λ_i|^s / K_abs(s)`` from the exact residues of a float model."""
    exact = deep_to_shallow(model.to_kind(NumberKind.EXACT))
    r = np.abs(np.asarray(convert(exact.residues, NumberKind.FLOAT), dtype=complex))
    lam = np.abs(np.asarray(convert(exact.poles, NumberKind.FLOAT), dtype=complex))
    size = (lam.reshape(1, -1) ** np.arange(T).reshape(-1, 1)) @ r
    return float(np.max(np.finfo(float).eps * size / _abs_scale(model, T)))


@example_budgets(0.1, 0.5)
def test_deep_to_shallow_float_within_roundoff_bound(examples: int) -> None:
    def check(model: DeepSSM) -> None:
        exact = model.to_kind(NumberKind.EXACT)  # dyadic: the same model exactly
        try:
            margin = margin_i_float(model)
        except SharedEigenvalueError:
            with pytest.raises(SharedEigenvalueError):
                deep_to_shallow(exact)
            return
        except IllConditionedError:
            # a refusal must be justified by the exact residues: rounding them costs > rtol/2
            T = certifying_length(model, deep_to_shallow(exact))
            assert _worst_bound_over_kabs(model, T) > float(default_rtol(NumberKind.FLOAT)) / 2
            return
        assert margin >= 0

    run_examples(examples, check, model=deep_models(kind=NumberKind.FLOAT, max_depth=3,
                                                    max_width=3, dyadic=True))


def test_deep_to_shallow_mpmath_keeps_kind_and_precision() -> None:
    rng = np.random.default_rng(7)
    with mpmath.workdps(50):
        lam = [[mpmath.mpf(x) for x in rng.uniform(-0.9, 0.9, 3)] for _ in range(3)]
        B = [[mpmath.mpf(x) for x in rng.standard_normal(3)]] + [
            [[mpmath.mpf(x) for x in row] for row in rng.standard_normal((3, 3))]
            for _ in range(2)]
        model = DeepSSM(lam, B, [mpmath.mpf(x) for x in rng.standard_normal(3)])
        shallow = deep_to_shallow(model)
        assert shallow.kind is NumberKind.MPMATH and shallow.width == 9
        err = max(mpmath.fabs(a - b) / s for a, b, s in
                  zip(shallow.kernel(30), model.kernel(30), _abs_scale(model, 30)))
        assert err < mpmath.mpf(10) ** -40


def test_zero_eigenvalues_give_a_constant_mode() -> None:
    # layer 2 is a pure pass-through: rho-hat = 2/(1 - w/2) * 3 ... plus a zero-mode path 5
    model = DeepSSM([[R(1, 2), 0], [0, 0]], [[2, 5], [[3, 1], [0, 0]]], [1, 0])
    shallow = deep_to_shallow(model)
    assert list(shallow.poles) == [R(1, 2), 0]
    assert list(shallow.residues) == [6, 5]
    assert model.kernel(3).tolist() == [11, 3, R(3, 2)]


def test_repeated_eigenvalues_within_a_layer_merge() -> None:
    model = DeepSSM([[R(1, 3), R(1, 3)]], [[1, 2]], [1, 1])
    shallow = deep_to_shallow(model)
    assert shallow.width == 1 and _exactly_equal(model, shallow)


def test_shared_eigenvalue_without_weight_is_accepted() -> None:
    # the shared value 1/2 sits in both layers, but the path through both copies has weight 0
    model = DeepSSM([[R(1, 2), R(1, 4)], [R(1, 2), R(-1, 3)]],
                    [[1, 1], [[0, 1], [1, 1]]], [1, 1])
    shallow = deep_to_shallow(model)
    assert _exactly_equal(model, shallow)
    assert pole_multiplicity_certificate(model, R(1, 2)).order == 1


def _merging(gap: float) -> DeepSSM:
    return DeepSSM([[0.5], [0.5 + gap]], [[1.0], [[1.0]]], [1.0])


def test_default_accuracy_is_better_than_a_millionth() -> None:
    assert float(default_rtol(NumberKind.FLOAT)) < 1e-6
    assert default_rtol(NumberKind.EXACT) == 0
    with mpmath.workdps(50):
        assert default_rtol(NumberKind.MPMATH) < mpmath.mpf(10) ** -20


@pytest.mark.parametrize("gap", [1e-4, 1e-8, 1e-9])
def test_near_merging_float_eigenvalues_give_accurate_residues(gap: float) -> None:
    # the exact kernel of the returned model against the exact kernel of the float model
    model = _merging(gap)
    shallow = deep_to_shallow(model)
    assert np.max(np.abs(shallow.residues)) > 0.4 / gap  # residues of order 1/gap
    T = 40
    assert _float_accuracy(model, T) <= float(default_rtol(NumberKind.FLOAT))
    # and within the rounding of the residues (ε Σ|r_i||λ_i|^s), far below the rtol
    assert _float_accuracy(model, T) <= _worst_bound_over_kabs(model, T)


@pytest.mark.parametrize("gap", [1e-12, 1e-10])
def test_near_merging_beyond_float_precision_is_refused_naming_the_pair(gap: float) -> None:
    model = _merging(gap)
    pattern = r"^deep: eigenvalues 0\.5 and 0\.50000000"
    with pytest.raises(IllConditionedError, match=pattern) as exc:
        deep_to_shallow(model)
    gap_text = mpmath.nstr(mpmath.mpf(model.eigenvalues[1, 0] - 0.5), 3)
    assert f"differ by {gap_text}" in str(exc.value)
    assert isinstance(exc.value, InvalidParameterError)
    # the same model at 50 digits is well within precision: accurate residues
    with mpmath.workdps(50):
        mp_model = model.to_kind(NumberKind.MPMATH)
        shallow = deep_to_shallow(mp_model)
        err = max(mpmath.fabs(a - b) / s for a, b, s in zip(
            shallow.kernel(30), mp_model.kernel(30, "recurrence"), _abs_scale(model, 30)))
        assert err < mpmath.mpf(10) ** -30


def test_refusal_threshold_is_the_rounding_bound() -> None:
    # depth 2, width 1: worst relative bound at s = 0 is ε(|r_1| + |r_2|); pin the threshold
    model = _merging(1e-8)
    worst = _worst_bound_over_kabs(model, 3)
    shallow = deep_to_shallow(model, rtol=1.01 * worst)
    assert shallow.width == 2
    with pytest.raises(IllConditionedError, match="worse than rtol"):
        deep_to_shallow(model, rtol=0.99 * worst)


def test_near_shared_float_eigenvalues_raise_with_tol() -> None:
    model = _merging(1e-8)
    with pytest.raises(SharedEigenvalueError, match="tol"):
        deep_to_shallow(model, tol=1e-7)
    assert deep_to_shallow(model, tol=1e-9).width == 2
    for name in ("tol", "rtol"):
        with pytest.raises(InvalidParameterError, match=f"^{name}: exact"):
            deep_to_shallow(model.to_kind(NumberKind.EXACT), **{name: 1e-9})


_SIMPLE_RESIDUES = depth_width._simple_residues


def _quotient_first_residues(values, weights, depth):  # noqa: ANN001, ANN202
    """The pre-fix residue formula: ``Ω Π 1/(1 - μ/λ)`` with the quotient rounded to float
    (the error bounds of the correct computation are kept, so the certificate believes it)."""
    _, bounds, const, const_bound = _SIMPLE_RESIDUES(values, weights, depth)
    broken = []
    for v, lam in enumerate(values):
        total = 0j
        for key, (omega, _) in weights.items():
            if v in key:
                term = complex(omega)
                for v2 in key:
                    if v2 != v:
                        term /= 1 - complex(values[v2]) / complex(lam)
                total += term
        broken.append(mpmath.mpmathify(total))
    return broken, bounds, const, const_bound


def test_self_check_rejects_the_quotient_first_residues(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _merging(1e-8)
    monkeypatch.setattr(depth_width, "_simple_residues", _quotient_first_residues)
    with pytest.raises(KernelCheckError, match="misses the deep one"):
        deep_to_shallow(model)


def test_self_check_rejects_a_wrong_exact_residue(monkeypatch: pytest.MonkeyPatch) -> None:
    model = DeepSSM([[R(1, 2)], [R(1, 3)]], [[1], [[1]]], [1])
    original = depth_width._exact_partial_fractions

    def off(deep: DeepSSM) -> ShallowSSM:
        good = original(deep)
        return ShallowSSM(good.poles, good.B[0] + R(1, 10**40), good.C)

    monkeypatch.setattr(depth_width, "_exact_partial_fractions", off)
    with pytest.raises(KernelCheckError, match="deep_to_shallow"):
        deep_to_shallow(model)


def test_deep_to_shallow_rejects_non_models() -> None:
    with pytest.raises(InvalidParameterError, match="^deep: expected a DeepSSM"):
        deep_to_shallow([[0.5]])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- certifying length
def _tight_pair(n_a: int, n_b: int) -> tuple[ShallowSSM, ShallowSSM]:
    """Shallow ``a`` (width ``n_a``) and ``b`` (width ``n_b``) whose kernels differ by the
    divided-difference combination of ``L = n_a + n_b`` distinct poles: 0 for ``s < L - 1``,
    1 at ``s = L - 1``."""
    nu = [R(k, 2 * (n_a + n_b) + 1) * (-1) ** k for k in range(1, n_a + n_b + 1)]
    c = [1 / sympy.prod([nu[k] - nu[j] for j in range(len(nu)) if j != k]) for k in range(len(nu))]
    a = ShallowSSM(nu[:n_a], c[:n_a], [1] * n_a)
    b = ShallowSSM(nu[n_a:], [-x for x in c[n_a:]], [1] * n_b)
    return a, b


@pytest.mark.parametrize(("n_a", "n_b"), [(1, 1), (2, 3), (4, 2)])
def test_certifying_length_is_tight(n_a: int, n_b: int) -> None:
    a, b = _tight_pair(n_a, n_b)
    L = certifying_length(a, b)
    assert L == n_a + n_b
    assert kernel_mismatch(a, b, L - 1) == 0  # fewer terms do not certify ...
    assert kernel_mismatch(a, b, L) == 1  # ... and the certifying length sees the difference


def test_certifying_length_counts_deep_models_too() -> None:
    # depth 2 width 2 against a shallow of width 3 with all 7 eigenvalues nonzero and distinct
    deep = DeepSSM([[R(1, 2), R(-1, 3)], [R(1, 5), R(2, 7)]], [[1, 2], [[1, -1], [2, 1]]], [1, 3])
    assert certifying_length(deep, deep_to_shallow(deep)) == 4 + 4
    with pytest.raises(InvalidParameterError, match="^b: expected a DeepSSM"):
        certifying_length(deep, "model")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- the finding
@pytest.mark.parametrize("lam", [R(1, 2), R(-2, 3), R(1, 3) + I / 4])
def test_counterexample_kernel_and_certificate(lam: sympy.Expr) -> None:
    model = shared_eigenvalue_counterexample(lam)
    assert [sympy.expand(x) for x in model.kernel(8)] == \
        [sympy.expand((s + 1) * lam**s) for s in range(8)]
    with pytest.raises(SharedEigenvalueError, match="order 2"):
        deep_to_shallow(model)
    cert = pole_multiplicity_certificate(model, lam)
    assert cert.order == 2 and not cert.shallow_representable
    assert cert.check(model)


def test_pole_certificate_negative_controls() -> None:
    model = shared_eigenvalue_counterexample(R(1, 2))
    cert = pole_multiplicity_certificate(model, R(1, 2))
    for wrong in (1, 3):
        tampered = type(cert)(cert.pole, wrong, cert.numerator, cert.denominator)
        assert not tampered.check()
    other = DeepSSM([[R(1, 2)], [R(1, 3)]], [[1], [[1]]], [1])
    assert not cert.check(other)  # the fraction is not this model's transfer function
    simple = pole_multiplicity_certificate(other, R(1, 2))
    assert simple.order == 1 and simple.shallow_representable and simple.check(other)
    with pytest.raises(InvalidParameterError, match="exact"):
        pole_multiplicity_certificate(model.to_kind(NumberKind.FLOAT), R(1, 2))
    with pytest.raises(InvalidParameterError, match="pole"):
        pole_multiplicity_certificate(model, 0)


def test_merging_poles_norm_blows_up_while_error_vanishes() -> None:
    gaps = [R(1, 10), R(1, 100), R(1, 1000)]
    rows = merging_poles_residue_table(R(1, 2), gaps, T=20)
    for row, gap in zip(rows, gaps):
        assert row.residues == (R(1, 2) / gap + R(1, 2), -R(1, 2) / gap + R(1, 2))
    norms = [float(r.shallow_norm) for r in rows]
    errors = [float(r.sup_error) for r in rows]
    assert norms[0] < norms[1] < norms[2] and norms[2] > 22
    # the error is O(gap^2): each step of 10 in the gap divides it by about 100
    assert all(90 < errors[i] / errors[i + 1] < 110 for i in range(2))
    with mpmath.workdps(30):
        mp_rows = merging_poles_residue_table(mpmath.mpf("0.5"), [mpmath.mpf("0.01")], T=20)
    assert abs(float(mp_rows[0].sup_error) - errors[1]) < 1e-20
    with pytest.raises(InvalidParameterError, match="gaps"):
        merging_poles_residue_table(R(1, 2), [0])


# ============================================================================ (ii)
def _shape_for(n: int, draw_depth: int) -> tuple[int, int]:
    """A (depth, width) with n <= l(m-1)+1 (smallest width at the given depth)."""
    width = max(1, -(-(n - 1) // draw_depth) + 1)
    return draw_depth, width


@example_budgets(0.1, 0.5)  # exact Algorithm A, ~30 ms an example
def test_algorithm_a_exact_for_low_degree(examples: int) -> None:
    def check(target: ShallowSSM, depth: int) -> None:
        depth, width = _shape_for(target.width, depth)
        deep = shallow_to_deep(target, depth, width)
        assert (deep.depth, deep.width, deep.kind) == (depth, width, NumberKind.EXACT)
        assert _exactly_equal(deep, target)

    run_examples(examples, check, target=shallow_models(kind=NumberKind.EXACT, max_width=3,
                                                        distinct_poles=True),
                 depth=st.integers(1, 3))


def _factorable(n: int, seed: int) -> ShallowSSM:
    rng = np.random.default_rng(seed)
    poles = list(dict.fromkeys(R(int(k), n + 3) * (-1) ** int(k) for k in
                               rng.permutation(np.arange(1, n + 3))[:n]))
    roots = [R(int(rng.integers(-5, 6)), 3) + I * int(rng.integers(-2, 3)) for _ in range(n - 1)]
    return target_from_factors(poles, roots, R(3, 2))


@pytest.mark.parametrize(("depth", "width"), [(3, 3), (4, 3), (2, 4), (5, 2)])
def test_algorithm_a_exact_when_numerator_splits(depth: int, width: int) -> None:
    target = _factorable(depth * (width - 1) + 1, depth + 10 * width)
    deep = shallow_to_deep(target, depth, width)
    assert deep.kind is NumberKind.EXACT and _exactly_equal(deep, target)


@pytest.mark.parametrize("step", smoke_and_full(5, 1))  # smoke: 3 splits, both orders
def test_every_valid_split_is_exact(step: int) -> None:
    target = _factorable(3, 1)  # (l, m) = (2, 2): 3 poles, 2 rational roots
    _, roots = numerator_roots(target)
    splits = []
    for first in itertools.combinations(range(3), 2):
        rest = [i for i in range(3) if i not in first]
        for pole_groups in ([list(first), rest], [rest, list(first)]):
            for root_groups in ([[0], [1]], [[1], [0]]):
                splits.append((pole_groups, root_groups))
    assert len(splits) == 12 and len(roots) == 2
    for pole_groups, root_groups in splits[::step]:
        deep = shallow_to_deep(target, 2, 2, pole_groups=pole_groups, root_groups=root_groups)
        assert _exactly_equal(deep, target), (pole_groups, root_groups)


def test_invalid_splits_are_refused() -> None:
    target = _factorable(3, 1)
    with pytest.raises(InvalidParameterError, match="root_groups"):  # full layer holds 1 root
        shallow_to_deep(target, 2, 2, pole_groups=[[0, 1], [2]], root_groups=[[0, 1], []])
    with pytest.raises(InvalidParameterError, match="pole_groups"):
        shallow_to_deep(target, 2, 2, pole_groups=[[0, 1, 2], []])
    with pytest.raises(InvalidParameterError, match="pole_groups"):
        shallow_to_deep(target, 2, 2, pole_groups=[[0, 1], [1]])
    with pytest.raises(InvalidParameterError, match="root_groups"):
        shallow_to_deep(target, 2, 2, root_groups=[[0], [5]])


def test_negative_controls_perturbed_realizations_are_rejected() -> None:
    target = _factorable(5, 3)  # (l, m) = (2, 3)
    deep = shallow_to_deep(target, 2, 3)
    assert _exactly_equal(deep, target)
    # a perturbed coupling B_2
    B = [b.copy() for b in deep.B]
    B[1][0, 0] += R(1, 1000)
    assert not _exactly_equal(DeepSSM(deep.eigenvalues, B, deep.C), target)
    # the pass-through mode of layer 2 dropped (its row of B_2 zeroed)
    slot = list(deep.eigenvalues[1]).index(0)
    assert any(x != 0 for x in deep.B[1][slot])
    B = [b.copy() for b in deep.B]
    B[1][slot, :] = 0
    assert not _exactly_equal(DeepSSM(deep.eigenvalues, B, deep.C), target)
    # two valid splits mixed: layer 1 built for one root split, layer 2 for the other
    small = _factorable(3, 1)
    groups = [[0, 1], [2]]
    a = shallow_to_deep(small, 2, 2, pole_groups=groups, root_groups=[[0], [1]])
    b = shallow_to_deep(small, 2, 2, pole_groups=groups, root_groups=[[1], [0]])
    assert _exactly_equal(a, small) and _exactly_equal(b, small)
    mixed = DeepSSM(a.eigenvalues, [a.B[0], b.B[1]], a.C)
    assert not _exactly_equal(mixed, small)


@pytest.mark.parametrize("shapes", smoke_and_full(1, 3))  # smoke: the first (deepest) shape
def test_algorithm_a_mpmath_agrees_to_the_working_precision(shapes: int) -> None:
    rng = np.random.default_rng(11)
    with mpmath.workdps(50):
        for depth, width in [(4, 3), (3, 3), (2, 4)][:shapes]:
            n = depth * (width - 1) + 1
            z = rng.uniform(0.05, 0.95, n) * np.exp(1j * rng.uniform(-np.pi, np.pi, n))
            poles = [mpmath.mpc(complex(x)) for x in z]
            res = [mpmath.mpc(complex(x)) for x in rng.standard_normal(n) + 1j]
            target = ShallowSSM(poles, res, [mpmath.mpf(1)] * n)
            deep = shallow_to_deep(target, depth, width)
            assert deep.kind is NumberKind.MPMATH
            T = 40
            scale = np.maximum(_abs_scale(deep, T), _abs_scale(target, T))
            err = max(float(mpmath.fabs(a - b)) / s
                      for a, b, s in zip(deep.kernel(T), target.kernel(T), scale))
            assert err < 10.0 ** -(50 - 5)


@pytest.mark.parametrize(("depth", "width"), [(2, 2), (3, 2), (2, 3), (4, 3)])
def test_algorithm_a_float(depth: int, width: int) -> None:
    rng = np.random.default_rng(depth * 7 + width)
    n = depth * (width - 1) + 1
    poles = rng.uniform(0.1, 0.9, n) * np.exp(1j * rng.uniform(-np.pi, np.pi, n))
    target = ShallowSSM(poles, rng.standard_normal(n) + 1j * rng.standard_normal(n), np.ones(n))
    deep = shallow_to_deep(target, depth, width)
    assert deep.kind is NumberKind.FLOAT
    T = 48
    scale = np.maximum(_abs_scale(deep, T), _abs_scale(target, T)) * (depth + 2 + np.arange(T))
    assert np.all(np.abs(deep.kernel(T) - target.kernel(T)) <= tolerance(NumberKind.FLOAT) * scale)


def test_edge_cases_zero_pole_zero_residue_low_degree_zero_target() -> None:
    cases = [
        (ShallowSSM([R(1, 2), 0, R(-1, 3)], [1, 2, 3], [1, 1, 1]), 2, 2),  # pole at 0
        (ShallowSSM([R(1, 2), R(1, 4), R(-1, 3)], [1, 0, 3], [1, 1, 1]), 2, 2),  # zero residue
        (ShallowSSM([R(1, 2), R(-1, 2)], [1, 1], [1, 1]), 1, 2),  # deg P = 0 < n - 1
        (ShallowSSM([R(1, 2), R(1, 3)], [0, 0], [1, 1]), 2, 2),  # the zero target
        (ShallowSSM([sympy.Integer(0)], [4], [1]), 3, 1),  # a constant kernel through pass-throughs
        (ShallowSSM([R(1, 5)], [2], [1]), 4, 1),  # width 1, any depth
    ]
    for target, depth, width in cases:
        deep = shallow_to_deep(target, depth, width)
        assert deep.kind is NumberKind.EXACT and _exactly_equal(deep, target)
    assert len(numerator_coefficients(cases[2][0])) == 1


def test_real_realization() -> None:
    # real poles only: every entry real
    target = ShallowSSM([0.5, -0.25, 0.75], [1.0, -2.0, 0.5], np.ones(3))
    deep = shallow_to_deep(target, 2, 2, real=True)
    assert all(not np.iscomplexobj(a) for a in [deep.eigenvalues, deep.C, *deep.B])
    assert np.max(np.abs(deep.kernel(30) - target.kernel(30))) < 1e-13
    # conjugate pairs: conjugate entries on conjugate modes, real readout, real kernel
    poles = [R(1, 2), (1 + I) / 3, (1 - I) / 3, R(-1, 4) + I / 5, R(-1, 4) - I / 5]
    exact = ShallowSSM(poles, [1, 2 + I, 2 - I, 3 - I, 3 + I], [1] * 5)
    with mpmath.workdps(30):
        deep = shallow_to_deep(exact.to_kind(NumberKind.MPMATH), 2, 3, real=True)
        assert all(mpmath.im(c) == 0 for c in deep.C)
        for k in range(2):
            for i, lam in enumerate(deep.eigenvalues[k]):
                if mpmath.im(lam) == 0:
                    assert mpmath.im(deep.B[k].flat[i] if k == 0 else deep.B[k][i, 0]) == 0
        assert all(mpmath.im(x) == 0 for x in deep.kernel(10))
    with pytest.raises(InvalidParameterError, match="conjugate"):
        shallow_to_deep(ShallowSSM([(1 + I) / 3, R(1, 2)], [1, 1], [1, 1]), 1, 3, real=True)


def test_numerator_roots() -> None:
    target = _factorable(4, 5)
    kappa, roots = numerator_roots(target)
    coeffs = numerator_coefficients(target)
    w = sympy.Symbol("w")
    P = sum(c * w**k for k, c in enumerate(coeffs))
    diff = sympy.Poly(sympy.expand(P - kappa * sympy.prod([w - z for z in roots])), w)
    assert all(is_exact_zero(c) for c in diff.all_coeffs())
    # an irreducible cubic numerator: mpmath roots
    cubic = ShallowSSM([R(1, 2), R(1, 3), R(-1, 5), R(2, 7)], [1, 2, 3, 5], [1] * 4)
    kappa, roots = numerator_roots(cubic)
    assert isinstance(kappa, (mpmath.mpf, mpmath.mpc)) and len(roots) == 3
    c = [mpmath.mpmathify(complex(x)) for x in numerator_coefficients(cubic)]
    assert all(mpmath.fabs(mpmath.polyval(c[::-1], z)) < 1e-12 for z in roots)


def test_shallow_to_deep_errors() -> None:
    target = ShallowSSM([R(1, 2), R(1, 2)], [1, 1], [1, 1])
    with pytest.raises(InvalidParameterError, match="distinct"):
        shallow_to_deep(target, 2, 2)
    with pytest.raises(InsufficientCapacityError, match="l\\(m-1\\)"):
        shallow_to_deep(_factorable(4, 2), 2, 2)
    with pytest.raises(InvalidParameterError, match="depth"):
        shallow_to_deep(_factorable(3, 1), 0, 2)
    with pytest.raises(InvalidParameterError, match="width"):
        shallow_to_deep(_factorable(3, 1), 2, 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="shallow"):
        shallow_to_deep(DeepSSM([[0.5]], [[1.0]], [1.0]), 1, 2)  # type: ignore[arg-type]


# ============================================================================ (iii)
@pytest.mark.parametrize(("depth", "width"), [(1, 1), (1, 3), (2, 2), (3, 2), (2, 3), (4, 3)])
def test_witness_certificate_and_algorithm_a_refusal(depth: int, width: int) -> None:
    for rng in (None, np.random.default_rng(depth * 10 + width)):
        target, cert = non_inclusion_witness(depth, width, rng=rng)
        assert cert.check() and cert.n == depth * (width - 1) + 2
        assert cert.first_order_coefficient != 0
        obstruction = algorithm_a_cannot_fit(target, depth, width)
        assert obstruction.cannot_fit
        assert obstruction.numerator_degree == cert.n - 1 > obstruction.root_capacity


def test_certificate_negative_controls() -> None:
    _, cert = non_inclusion_witness(2, 2)
    fields = cert.__dict__
    res = list(cert.residues)
    res[-1] = -cert.poles[-1] * sum(r / p for r, p in zip(res[:-1], cert.poles[:-1]))
    cancelled = NonInclusionCertificate(**{**fields, "residues": tuple(res),
                                           "first_order_coefficient": sympy.Integer(0)})
    assert any("vanishes" in f for f in cancelled.failures())
    wrong_coeff = NonInclusionCertificate(**{**fields, "first_order_coefficient": R(1, 7)})
    assert not wrong_coeff.check()
    wrong_count = NonInclusionCertificate(**{**fields, "max_zero_modes": 1})
    assert not wrong_count.check()
    repeated = NonInclusionCertificate(**{**fields, "poles": (cert.poles[0],) * cert.n})
    assert not repeated.check()
    # stability is strict: a pole of modulus exactly 1 is refused
    on_circle = NonInclusionCertificate(**{**fields, "poles": (sympy.Integer(-1),
                                                               *cert.poles[1:])})
    assert any("stable" in f for f in on_circle.failures())
    # a zero pole is reported (its first-order coefficient -sum r/lambda is undefined)
    at_zero = NonInclusionCertificate(**{**fields, "poles": (sympy.Integer(0),
                                                             *cert.poles[1:])})
    assert at_zero.failures() == ["poles must be nonzero"] and not at_zero.check()


@pytest.mark.parametrize(("depth", "width"), [(2, 2), (3, 2), (2, 3), (3, 1)])
def test_cancelled_first_order_target_is_realizable(depth: int, width: int) -> None:
    """The certificate's condition is necessary: with sum r/λ = 0 the same width fits."""
    _, cert = non_inclusion_witness(depth, width)
    res = list(cert.residues)
    res[-1] = -cert.poles[-1] * sum(r / p for r, p in zip(res[:-1], cert.poles[:-1]))
    target = ShallowSSM(list(cert.poles), res, [1] * cert.n)
    deep = shallow_to_deep(target, depth, width)
    if deep.kind is NumberKind.EXACT:
        assert _exactly_equal(deep, target)
    else:
        scale = _abs_scale(deep, 30)
        err = [float(mpmath.fabs(a - mpmath.mpmathify(complex(b)))) for a, b in
               zip(deep.kernel(30), target.kernel(30))]
        assert max(e / s for e, s in zip(err, scale)) < float(tolerance(NumberKind.MPMATH))


def test_vanishing_order_is_at_least_the_layers_without_zero_modes() -> None:
    _, cert = non_inclusion_witness(2, 2)  # 4 poles, lm = 4: no zero mode at all
    model = DeepSSM([list(cert.poles[:2]), list(cert.poles[2:])], [[1, 2], [[1, -1], [3, 1]]],
                    [1, 1])
    assert vanishing_order_at_infinity(model) >= 2
    pass_through = DeepSSM([[R(1, 2), R(1, 3)], [R(1, 4), 0]], [[1, 1], [[1, 1], [1, 1]]], [1, 1])
    assert vanishing_order_at_infinity(pass_through) == 1
    zero = DeepSSM([[R(1, 2)]], [[0]], [1])
    assert vanishing_order_at_infinity(zero) == float("inf")
    with pytest.raises(InvalidParameterError, match="exact"):
        vanishing_order_at_infinity(model.to_kind(NumberKind.FLOAT))


# ============================================================================ self-checks of (ii)
def test_shallow_to_deep_with_poles_near_1e_minus_20() -> None:
    # the numerator 2 - w/2 + 2e-40 w^2 has roots 4 and 2.5e39: Durand-Kerner needs the extra
    # precision of a retry (theory.numbers.polyroots)
    target = ShallowSSM(np.array([0.5, 1e-20, 2e-20]), np.array([1.0, -1.0, 2.0]), np.ones(3))
    deep = shallow_to_deep(target, 2, 2)
    T = 30
    scale = np.maximum(_abs_scale(deep, T), _abs_scale(target, T)) * (2 + 2 + np.arange(T))
    assert np.all(np.abs(deep.kernel(T) - target.kernel(T)) <= tolerance(NumberKind.FLOAT) * scale)


def test_shallow_to_deep_refuses_an_ill_conditioned_split() -> None:
    # poles 0.5 and 0.5 + 1e-9 in one layer: layer residues of order 1e9 that cancel
    target = ShallowSSM(np.array([0.5, 0.5 + 1e-9, -0.3]), np.array([1.0, -2.0, 1.5]), np.ones(3))
    with pytest.raises(IllConditionedError, match="^shallow: .*pole_groups"):
        shallow_to_deep(target, 2, 2)
    # separating the close poles is well conditioned
    deep = shallow_to_deep(target, 2, 2, pole_groups=[[0, 2], [1]])
    assert np.max(np.abs(deep.kernel(20) - target.kernel(20))) < 1e-12


@pytest.mark.parametrize("kind", [NumberKind.FLOAT, NumberKind.MPMATH])
def test_shallow_to_deep_self_check_rejects_a_perturbed_entry(
        kind: NumberKind, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _factorable(3, 1).to_kind(kind)
    original = depth_width._round_deep

    def perturbed(deep: DeepSSM, kind_: NumberKind, prec: int) -> DeepSSM:
        good = original(deep, kind_, prec)
        C = good.C.copy()
        C[0] = C[0] * (1 + 1e-9)
        return DeepSSM(good.eigenvalues, good.B, C)

    monkeypatch.setattr(depth_width, "_round_deep", perturbed)
    with pytest.raises(KernelCheckError, match="every working precision"):
        shallow_to_deep(target, 2, 2)


def test_shallow_to_deep_exact_self_check(monkeypatch: pytest.MonkeyPatch) -> None:
    original = depth_width._realize

    def perturbed(*args):  # noqa: ANN002, ANN202
        good = original(*args)
        return DeepSSM(good.eigenvalues, good.B, good.C + R(1, 10**30))

    monkeypatch.setattr(depth_width, "_realize", perturbed)
    with pytest.raises(KernelCheckError, match="shallow_to_deep"):
        shallow_to_deep(_factorable(3, 1), 2, 2)


# ============================================================================ bad input
def _bad_calls():
    """``(label, thunk, regex)``: every public function refuses bad input naming the parameter."""
    deep = DeepSSM([[R(1, 2)], [R(1, 3)]], [[1], [[1]]], [1])
    target = _factorable(3, 1)
    return [
        ("deep not a model", lambda: deep_to_shallow("x"), r"^deep: expected a DeepSSM"),
        ("tol NaN", lambda: deep_to_shallow(deep.to_kind(NumberKind.FLOAT), tol=float("nan")),
         r"^tol: "),
        ("tol negative", lambda: deep_to_shallow(deep.to_kind(NumberKind.FLOAT), tol=-1.0),
         r"^tol: "),
        ("rtol 0", lambda: deep_to_shallow(deep.to_kind(NumberKind.FLOAT), rtol=0.0), r"^rtol: "),
        ("rtol 1", lambda: deep_to_shallow(deep.to_kind(NumberKind.FLOAT), rtol=1.0), r"^rtol: "),
        ("rtol str", lambda: shallow_to_deep(target.to_kind(NumberKind.FLOAT), 2, 2, rtol="1"),
         r"^rtol: "),
        ("rtol exact result", lambda: shallow_to_deep(target, 2, 2, rtol=1e-3), r"^rtol: "),
        ("T negative", lambda: kernel_mismatch(deep, deep, -1), r"^T: "),
        ("T float", lambda: kernel_mismatch(deep, deep, 2.0), r"^T: "),
        ("a not a model", lambda: kernel_mismatch(None, deep, 2), r"^a: "),
        ("lam zero", lambda: shared_eigenvalue_counterexample(R(0)), r"^lam: "),
        ("lam unstable", lambda: shared_eigenvalue_counterexample(R(3, 2)), r"^lam: "),
        ("lam unit modulus", lambda: shared_eigenvalue_counterexample(R(3, 5) + R(4, 5) * I),
         r"^lam: "),
        ("lam NaN", lambda: shared_eigenvalue_counterexample(float("nan")), r"^lam: "),
        ("pole zero", lambda: pole_multiplicity_certificate(deep, 0), r"^pole: "),
        ("pole float", lambda: pole_multiplicity_certificate(deep, 0.5), r"^pole: "),
        ("deep float", lambda: pole_multiplicity_certificate(deep.to_kind(NumberKind.FLOAT),
                                                             R(1, 2)), r"^deep: .*exact"),
        ("gaps zero", lambda: merging_poles_residue_table(R(1, 2), [0]), r"^gaps: "),
        ("gaps empty", lambda: merging_poles_residue_table(R(1, 2), []), r"^gaps: "),
        ("T zero", lambda: merging_poles_residue_table(R(1, 2), [R(1, 10)], T=0), r"^T: "),
        ("shallow repeated", lambda: numerator_coefficients(
            ShallowSSM([R(1, 2), R(1, 2)], [1, 1], [1, 1])), r"^shallow: .*distinct"),
        ("shallow not a model", lambda: numerator_roots(deep), r"^shallow: expected"),
        ("n_nonzero negative", lambda: root_capacity(-1, 2), r"^n_nonzero: "),
        ("width zero", lambda: root_capacity(1, 0), r"^width: "),
        ("poles unstable", lambda: target_from_factors([R(3, 2)], [], 1), r"^poles: "),
        ("poles zero", lambda: target_from_factors([0, R(1, 2)], [], 1), r"^poles: "),
        ("poles repeated", lambda: target_from_factors([R(1, 2), R(1, 2)], [], 1),
         r"^poles: .*distinct"),
        ("roots NaN", lambda: target_from_factors([0.5], [float("nan")], 1.0), r"^roots: "),
        ("kappa inf", lambda: target_from_factors([0.5], [], float("inf")), r"^kappa: "),
        ("depth bool", lambda: shallow_to_deep(target, True, 2), r"^depth: "),
        ("real not bool", lambda: shallow_to_deep(target, 2, 2, real="yes"), r"^real: "),
        ("rng", lambda: non_inclusion_witness(2, 2, rng=3), r"^rng: "),
        ("witness", lambda: algorithm_a_cannot_fit(deep, 2, 2), r"^witness: "),
        ("vanishing float", lambda: vanishing_order_at_infinity(deep.to_kind(NumberKind.FLOAT)),
         r"^deep: .*exact"),
    ]


def test_bad_inputs_raise_errors_naming_the_parameter() -> None:
    failures = wrong_error_reports(
        (label, thunk, InvalidParameterError, pattern) for label, thunk, pattern in _bad_calls())
    assert not failures, "\n".join(failures)


# ------------------------------------------- fast exact paths (issue 10) against the sympy paths
def _sympy_fraction(model: DeepSSM) -> tuple[sympy.Expr, sympy.Expr]:
    return sympy.fraction(sympy.cancel(sympy.together(model.transfer_function())))


def _sympy_vanishing_order(model: DeepSSM) -> int | float:
    z = sympy.Symbol("z")
    num, den = sympy.fraction(sympy.cancel(model.transfer_function().subs(depth_width.W, 1 / z)))

    def orders(expr: sympy.Expr) -> list[int]:
        coeffs = sympy.Poly(expr, z).all_coeffs()[::-1]
        return [i for i, c in enumerate(coeffs) if not is_exact_zero(c)]

    return orders(num)[0] - orders(den)[0] if orders(num) else math.inf


@example_budgets(0.05, 0.15)
def test_transfer_fraction_and_vanishing_order_match_the_sympy_paths(examples: int) -> None:
    def check(model: DeepSSM) -> None:
        # the domain route gives sympy.cancel's normal form of rho-hat and the same orders
        assert depth_width._reduced_transfer(model) == _sympy_fraction(model)
        assert vanishing_order_at_infinity(model) == _sympy_vanishing_order(model)

    run_examples(examples, check,
                 model=deep_models(kind=NumberKind.EXACT, max_depth=3, max_width=2))


def test_zero_kernel_vanishes_to_infinite_order() -> None:
    model = DeepSSM([[R(1, 2)], [R(1, 3)]], [[0], [[1]]], [1])
    assert vanishing_order_at_infinity(model) == math.inf == _sympy_vanishing_order(model)


def test_radical_models_take_the_sympy_route() -> None:
    model = DeepSSM([[sympy.sqrt(2) / 2], [R(1, 3)]], [[1], [[1]]], [1])
    assert depth_width._transfer_ring(model) is None
    assert depth_width._reduced_transfer(model) == _sympy_fraction(model)
    assert vanishing_order_at_infinity(model) == 2
    cert = pole_multiplicity_certificate(model, sympy.sqrt(2) / 2)
    assert cert.order == 1 and cert.check(model)


def test_pole_certificate_check_rejects_a_wrong_fraction() -> None:
    lam = R(1, 2) + I / 3
    model = shared_eigenvalue_counterexample(lam)
    cert = pole_multiplicity_certificate(model, lam)
    assert cert.order == 2 and cert.check(model)
    w = depth_width.W
    for num, den in [(cert.numerator * 2, cert.denominator),
                     (cert.numerator + w * R(1, 10**9), cert.denominator),
                     (cert.numerator, cert.denominator * (1 - w / 7)),
                     (cert.numerator * sympy.sqrt(2), cert.denominator)]:  # sympy route
        wrong = depth_width.PoleCertificate(lam, 2, sympy.expand(num), sympy.expand(den))
        assert wrong.check() and not wrong.check(model)


def test_taylor_coefficients_match_the_series() -> None:
    lam, r = [R(1, 2), R(-1, 3), R(2, 5)], [R(3), R(-1, 7), R(5, 2)]
    z = sympy.Symbol("z")
    series = sympy.series(sum(ri * z / (z - li) for ri, li in zip(r, lam)), z, 0, 4).removeO()
    assert depth_width._taylor_coefficients(lam, r, 4) == [series.coeff(z, k) for k in range(4)]
    assert depth_width._taylor_coefficients(lam, r, 2)[1] == -sum(a / b for a, b in zip(r, lam))


def test_gaussian_factor_list_on_a_split_polynomial() -> None:
    w = depth_width.W
    poly = sympy.Poly((2 - I) * w * (w - R(1, 2)) ** 2 * (w - I / 3) * (w + 1 + I), w,
                      extension=True)
    coeff, factors = depth_width._factor_list(poly)
    assert (coeff, factors) == poly.factor_list()
    integral = sympy.Poly(poly.as_expr() * 12, w, domain=sympy.ZZ_I)
    assert depth_width._factor_list(integral) == integral.factor_list()
    assert coeff == 2 - I and sorted(k for _, k in factors) == [1, 1, 1, 2]
    assert depth_width._exact_roots(np.array(poly.all_coeffs()[::-1], dtype=object)) == \
        [I / 3, 0, -1 - I, R(1, 2), R(1, 2)]  # sympy's order of the factors


@pytest.mark.slow
@settings(max_examples=scaled_examples(0.1), deadline=None)
@given(st.lists(st.tuples(st.integers(-6, 6), st.integers(-6, 6), st.integers(1, 4)),
                min_size=3, max_size=5),
       st.integers(0, 2), st.booleans())
def test_gaussian_factor_list_matches_sympy(roots, zeros, perturb) -> None:
    # a split polynomial over QQ_I (with a power of w, possibly perturbed so it does not split)
    w = depth_width.W
    expr = (2 - I) * w**zeros * sympy.prod([w - (R(a, d) + I * R(b, d)) for a, b, d in roots])
    coeffs = sympy.Poly(expr, w).all_coeffs()
    coeffs[-1] += 1 if perturb else 0
    for poly in (sympy.Poly(coeffs, w, extension=True),  # QQ_I or ZZ_I, as the coefficients
                 sympy.Poly([c * 12**len(roots) for c in coeffs], w, domain=sympy.ZZ_I)):
        assert depth_width._factor_list(poly) == poly.factor_list()
