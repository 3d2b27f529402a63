"""Tests of theory.linear: shallow and deep diagonal linear SSMs of BYJL25 (Eq. 1-3, Lemma 3.1).

Every assertion runs over the three number kinds. Exact results must agree identically
(after expansion); mpmath and float results within ``tolerance(kind, ρ_abs(s))``, where
``ρ_abs`` (:func:`strategies.magnitude_bound`) bounds the size of the terms that were summed.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from hypothesis import find, settings
from hypothesis import strategies as st
from strategies import (
    ALL_KINDS,
    assert_agree,
    bounded_vectors,
    deep_models,
    example_budgets,
    input_sequences,
    magnitude_bound,
    mismatches,
    run_examples,
    same_model_in_kinds,
    shallow_models,
    stable_spectra,
)

from theory.linear import NORMS, DeepSSM, ShallowSSM, UnstableModelError, W
from theory.numbers import InvalidParameterError, NumberKind, convert, exact_equal, tolerance

I = sympy.I  # noqa: E741 (the imaginary unit, as sympy names it)
R = sympy.Rational
KINDS = pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
lengths = st.integers(0, 10)


def _deep(kind: NumberKind, eigenvalues, B, C) -> DeepSSM:
    """A deep model from exact data, in ``kind``."""
    return DeepSSM(convert(eigenvalues, kind), [convert(b, kind) for b in B], convert(C, kind))


def _shallow(kind: NumberKind, eigenvalues, B, C) -> ShallowSSM:
    return ShallowSSM(convert(eigenvalues, kind), convert(B, kind), convert(C, kind))


#: A depth-2, width-2 model with hand-computable kernel, norms and transfer function.
_HAND = (
    [[R(1, 2), 0], [R(1, 3), -R(1, 4) * I]],
    [[1, 2 * I], [[3 + 4 * I, 1], [0, -2]]],
    [1, R(1, 2)],
)


# ---------------------------------------------------------------------- kernels (Lemma 3.1)


@KINDS
@pytest.mark.parametrize("models", [deep_models, shallow_models], ids=["deep", "shallow"])
@example_budgets(0.1)
def test_closed_form_equals_recurrence(kind, models, examples):
    def check(data, T):
        model = data.draw(models(kind=kind))
        assert_agree(model.kernel(T), model.kernel(T, method="recurrence"), kind,
                     magnitude_bound(model, T))

    run_examples(examples, check, data=st.data(), T=lengths)


@KINDS
@example_budgets(0.1)
def test_simulate_is_the_convolution_with_the_kernel(kind, examples):
    def check(data, T):
        model = data.draw(deep_models(kind=kind))
        x = data.draw(input_sequences(kind, T))
        rho = model.kernel(T)
        expected = [sum((rho[s] * x[t - s] for s in range(t + 1)), start=0 * rho[0])
                    for t in range(T)]
        # |y_t| ≤ Σ_s ρ_abs(s) |x_{t-s}| ≤ Σ_s ρ_abs(s) (the inputs are bounded by 1)
        bound = np.cumsum(magnitude_bound(model, T))
        assert_agree(model.simulate(x), expected, kind, bound)

    run_examples(examples, check, data=st.data(), T=st.integers(1, 8))


def test_kernel_closed_form_by_hand():
    # ρ(0) = C^T B_2 B_1, ρ(1) = C^T (A_2 B_2 + B_2 A_1) B_1 (Lemma 3.1 with l = 2)
    model = _deep(NumberKind.EXACT, *_HAND)
    lam, (B1, B2), C = _HAND
    A1, A2, B1, B2, C = (sympy.diag(*lam[0]), sympy.diag(*lam[1]), sympy.Matrix(B1),
                         sympy.Matrix(B2), sympy.Matrix(C))
    expected = [(C.T * sum((A2**j * B2 * A1 ** (s - j) for j in range(s + 1)),
                           sympy.zeros(2, 2)) * B1)[0, 0] for s in range(5)]
    assert mismatches(model.kernel(5), expected, NumberKind.EXACT) == []
    assert exact_equal(model.kernel(1)[0], (C.T * B2 * B1)[0, 0])


@KINDS
@example_budgets(0.1)
def test_depth_one_deep_model_is_the_shallow_model(kind, examples):
    def check(data, T):
        shallow = data.draw(shallow_models(kind=kind))
        deep = DeepSSM(shallow.eigenvalues, shallow.B, shallow.C)
        assert_agree(deep.kernel(T), shallow.kernel(T), kind, magnitude_bound(shallow, T))

    run_examples(examples, check, data=st.data(), T=lengths)


@KINDS
def test_stack_of_diagonal_matrices_is_accepted(kind):
    lam, B, C = _HAND
    stack = [sympy.diag(*row).tolist() for row in lam]
    assert_agree(_deep(kind, stack, B, C).kernel(6), _deep(kind, lam, B, C).kernel(6), kind,
                 magnitude_bound(_deep(kind, lam, B, C), 6))


@example_budgets(0.1, 0.5)  # sympy's together(), ~20 ms an example
def test_transfer_function_series_equals_kernel_exactly(examples):
    def check(model):
        T = 6
        num, den = sympy.fraction(sympy.together(model.transfer_function()))
        a = sympy.Poly(num, W).all_coeffs()[::-1]
        d = sympy.Poly(den, W).all_coeffs()[::-1]
        series = []  # Taylor coefficients of num/den at w = 0 by exact power-series division
        for s in range(T):
            acc = (a[s] if s < len(a) else 0) - sum(d[j] * series[s - j]
                                                   for j in range(1, min(s, len(d) - 1) + 1))
            series.append(sympy.expand(acc / d[0]))
        assert mismatches(model.kernel(T), series, NumberKind.EXACT) == []

    run_examples(examples, check, model=deep_models(kind=NumberKind.EXACT, max_depth=3,
                                                    max_width=2))


@KINDS
def test_transfer_function_by_hand(kind):
    model = _deep(kind, *_HAND)
    lam, (B1, B2), C = _HAND
    expected = (sympy.Matrix(C).T
                * sympy.diag(*[1 / (1 - x * W) for x in lam[1]]) * sympy.Matrix(B2)
                * sympy.diag(*[1 / (1 - x * W) for x in lam[0]]) * sympy.Matrix(B1))[0, 0]
    for w in (R(1, 3), -R(2, 7) + I / 5):
        got, want = model.transfer_function().subs(W, w), expected.subs(W, w)
        if kind is NumberKind.EXACT:
            assert exact_equal(got, want)
        else:  # sympy Floats at the model's precision; |ρ̂(w)| ≤ 40 on these points
            assert abs(complex(got) - complex(want)) <= tolerance(NumberKind.FLOAT, 40)


# ------------------------------------------------------------------------------- edge cases


@KINDS
def test_T_zero_and_one(kind):
    model = _deep(kind, *_HAND)
    for method in ("closed_form", "recurrence"):
        assert model.kernel(0, method=method).shape == (0,)
        rho0 = model.kernel(1, method=method)
        assert rho0.shape == (1,)
        assert_agree(rho0, [3 + 4 * I], kind, 10)  # C^T B_2 B_1 = (1, 1/2)·(3 + 6i, -4i)
    assert model.simulate(convert(np.zeros(0), kind)).shape == (0,)


@KINDS
def test_zero_eigenvalues_give_a_finite_impulse_response(kind):
    # all A_k = 0: ρ(0) = C^T B_2 B_1 and ρ(s) = 0 for s ≥ 1 (0^0 = 1 in the closed form)
    model = _deep(kind, [[0, 0], [0, 0]], _HAND[1], _HAND[2])
    rho = model.kernel(4)
    assert_agree(rho[1:], [0, 0, 0], kind, 1)
    assert_agree(rho[:1], model.kernel(1, method="recurrence"), kind, 10)


# -------------------------------------------------------------------------------------- norms


@KINDS
def test_norms_by_hand(kind):
    model = _deep(kind, *_HAND)
    # entries of B_1, B_2, C: the largest modulus is |3 + 4i| = 5
    assert_agree([model.norm()], [5], kind, 5)
    # row sums: B_1 as a column (max 2), B_2 rows (|3+4i| + 1 = 6, 2), C^T as a row (3/2)
    assert_agree([model.norm("row_sum")], [6], kind, 6)
    if kind is NumberKind.EXACT:
        assert model.norm() == 5 and model.norm("row_sum") == 6


@KINDS
@example_budgets(0.1)
def test_max_modulus_norm_is_the_largest_entry(kind, examples):
    def check(data):
        model = data.draw(deep_models(kind=kind))
        entries = np.concatenate([np.ravel(convert(m, NumberKind.MPMATH))
                                  for m in model.parameter_matrices()])
        largest = max(mpmath.fabs(x) for x in entries)
        norm = model.norm()
        got = mpmath.mpf(sympy.N(norm, 30)) if kind is NumberKind.EXACT else mpmath.mpf(norm)
        assert mpmath.fabs(got - largest) <= tolerance(NumberKind.FLOAT, largest)
        assert model.norm("row_sum") >= norm  # a row sum is at least each of its entries

    run_examples(examples, check, data=st.data())


@KINDS
def test_norms_include_the_readout_C(kind):
    # the largest entry sits in C: both norms must see it (|C| row sum 7 + 1 = 8)
    model = _deep(kind, [[R(1, 2), 0], [R(1, 3), 0]], [[1, 1], [[1, 0], [0, 1]]], [7, -1])
    assert_agree([model.norm()], [7], kind, 7)
    assert_agree([model.norm("row_sum")], [8], kind, 8)
    # and B_1 as a column: its largest modulus, not its sum (row sums of a column)
    column = _deep(kind, [[R(1, 2), 0]], [[3, 4]], [1, 1])
    assert_agree([column.norm("row_sum")], [4], kind, 4)
    assert_agree([column.norm()], [4], kind, 4)


@KINDS
def test_stability_is_strict(kind):
    # |λ| = 1 is refused (BYJL25 needs |λ| < 1); the largest float below 1 is accepted
    for lam in ([1], [-1]):
        with pytest.raises(UnstableModelError):
            ShallowSSM(convert(lam, kind), convert([1], kind), convert([1], kind))
    below = {NumberKind.EXACT: 1 - R(1, 10**30), NumberKind.MPMATH: 1 - mpmath.mpf(2) ** -50,
             NumberKind.FLOAT: np.nextafter(1.0, 0.0)}[kind]
    assert ShallowSSM([below], convert([1], kind), convert([1], kind)).width == 1


def test_unknown_norm_is_refused():
    with pytest.raises(InvalidParameterError, match="^which: unknown norm"):
        _deep(NumberKind.FLOAT, *_HAND).norm("frobenius")
    assert set(NORMS) == {"max_modulus", "row_sum"}


# ------------------------------------------------------------------- shallow: from_residues


@KINDS
@example_budgets(0.05)  # exact: sympy's Max and sqrt, ~150 ms an example
def test_from_residues_kernel_and_norm(kind, examples):
    def check(data, T):
        n = data.draw(st.integers(1, 4))
        lam = data.draw(stable_spectra(kind, n, distinct=True))
        r = data.draw(bounded_vectors(kind, n, bound=3))
        model = ShallowSSM.from_residues(lam, r)
        assert_agree(model.residues, r, kind, 3)
        # ρ(s) = Σ_i r_i λ_i^s, written out independently of the model's code
        expected = [sum((r[i] * lam[i] ** s for i in range(n)), start=0 * r[0]) for s in range(T)]
        assert_agree(model.kernel(T), expected, kind, magnitude_bound(model, T))
        # norm = max_i |r_i|^{1/2} (BYJL25 §1.4, shallow norm of a target with distinct poles)
        if kind is NumberKind.EXACT:
            target = sympy.sqrt(sympy.Max(*[sympy.Abs(x) for x in r]))
            assert exact_equal(model.norm(), target)
        else:
            target = max(mpmath.sqrt(mpmath.fabs(mpmath.mpmathify(x))) for x in r)
            assert mpmath.fabs(mpmath.mpmathify(model.norm()) - target) <= tolerance(kind, 2)

    run_examples(examples, check, data=st.data(), T=lengths)


# ------------------------------------------------------------------------------ conversions


@example_budgets(0.1)
def test_float_to_exact_and_mpmath_round_trips_are_identical(examples):
    def check(model):
        for kind in (NumberKind.EXACT, NumberKind.MPMATH):
            back = model.to_kind(kind).to_kind(NumberKind.FLOAT)
            assert np.array_equal(back.eigenvalues, model.eigenvalues)
            assert all(np.array_equal(b, c) for b, c in zip(back.B, model.B))
            assert np.array_equal(back.C, model.C)

    run_examples(examples, check, model=deep_models(kind=NumberKind.FLOAT))


@example_budgets(0.1)
def test_dyadic_exact_model_round_trips_through_every_kind(examples):
    def check(model):
        for kind in (NumberKind.MPMATH, NumberKind.FLOAT):
            back = model.to_kind(kind).to_kind(NumberKind.EXACT)
            assert back.kind is NumberKind.EXACT
            for got, want in zip(back.parameter_matrices() + [back.eigenvalues],
                                 model.parameter_matrices() + [model.eigenvalues]):
                assert mismatches(got, want, NumberKind.EXACT) == []

    run_examples(examples, check, model=deep_models(kind=NumberKind.EXACT, dyadic=True))


@example_budgets(0.1, full=0.5)
def test_same_model_in_three_kinds_has_the_same_kernel(examples):
    def check(model, T):
        models = same_model_in_kinds(model)
        assert {k: m.kind for k, m in models.items()} == {k: k for k in ALL_KINDS}
        exact = models[NumberKind.EXACT].kernel(T)
        bound = magnitude_bound(model, T)
        for kind in (NumberKind.MPMATH, NumberKind.FLOAT):
            # rounding the parameters once adds at most a few ε·ρ_abs(s): inside the tolerance
            assert_agree(convert(models[kind].kernel(T), NumberKind.MPMATH),
                         convert(exact, NumberKind.MPMATH), kind, bound)

    run_examples(examples, check, model=deep_models(kind=NumberKind.EXACT, max_depth=2), T=lengths)


# ------------------------------------------------------------------------- negative controls


@KINDS
@example_budgets(0.1)
def test_negative_control_a_perturbed_kernel_is_detected(kind, examples):
    def check(data, T):
        model = data.draw(deep_models(kind=kind))
        rho = model.kernel(T)
        bound = magnitude_bound(model, T)
        s = data.draw(st.integers(0, T - 1))
        broken = rho.copy()
        if kind is NumberKind.EXACT:
            delta = R(1, 10**30)  # far below any float resolution
        else:  # just outside the accepted band (the float floor is the smallest normal number)
            floor = np.finfo(float).tiny if kind is NumberKind.FLOAT else 0
            delta = 4 * (tolerance(kind, bound[s]) + floor) or tolerance(kind)
        broken[s] = broken[s] + delta
        assert mismatches(broken, rho, kind, bound) == [s]

    run_examples(examples, check, data=st.data(), T=st.integers(1, 8))


@KINDS
def test_negative_control_a_broken_construction_is_detected(kind):
    # transposing B_2 (a wrong reading of the layer coupling) changes the kernel
    lam, (B1, B2), C = _HAND
    good = _deep(kind, lam, [B1, B2], C)
    bad = _deep(kind, lam, [B1, sympy.Matrix(B2).T.tolist()], C)
    T = 6
    assert mismatches(bad.kernel(T), good.kernel(T, method="recurrence"), kind,
                      magnitude_bound(good, T)) != []


# -------------------------------------------------------------------------------- bad input


def _bad_inputs(kind: NumberKind):
    """``(label, thunk, error class, regex of the message)`` for every refused input."""
    c = lambda v: convert(v, kind)  # noqa: E731
    half = c([R(1, 2)])[0]
    non_finite = {NumberKind.EXACT: sympy.nan, NumberKind.MPMATH: mpmath.inf,
                  NumberKind.FLOAT: np.nan}[kind]
    lam2 = c([[R(1, 2), R(1, 3)], [R(1, 4), 0]])
    B = [c([1, 2]), c([[1, 0], [0, 1]])]
    C = c([1, 1])
    cases = [
        ("non-diagonal A (shallow)", lambda: ShallowSSM(c([[R(1, 2), R(1, 5)], [0, R(1, 3)]]),
                                                         c([1, 1]), C),
         InvalidParameterError, r"^eigenvalues: .*diagonal"),
        ("non-diagonal A (deep)", lambda: DeepSSM(
            c([[[R(1, 2), 0], [0, 0]], [[R(1, 2), R(1, 7)], [0, 0]]]), B, C),
         InvalidParameterError, r"^eigenvalues: .*diagonal"),
        ("|λ| > 1", lambda: ShallowSSM(c([R(3, 2)]), c([1]), c([1])),
         UnstableModelError, r"^eigenvalues: .*modulus >= 1"),
        ("λ = 1", lambda: ShallowSSM(c([1, R(1, 2)]), c([1, 1]), C),
         UnstableModelError, r"^eigenvalues: .*modulus >= 1"),
        ("λ = -1 deep", lambda: DeepSSM(c([[R(1, 2), 0], [0, -1]]), B, C),
         UnstableModelError, r"^eigenvalues: .*modulus >= 1"),
        ("NaN eigenvalue", lambda: ShallowSSM([half, non_finite], c([1, 1]), C),
         InvalidParameterError, r"^eigenvalues: .*finite"),
        ("NaN in B_1", lambda: DeepSSM(lam2, [[1, non_finite], B[1]], C),
         InvalidParameterError, r"^B\[0\] \(B_1\): .*finite"),
        ("NaN in B_2", lambda: DeepSSM(lam2, [B[0], [[1, 0], [non_finite, 1]]], C),
         InvalidParameterError, r"^B\[1\] \(B_2\): .*finite"),
        ("NaN in C", lambda: ShallowSSM([half], c([1]), [non_finite]),
         InvalidParameterError, r"^C: .*finite"),
        ("B_1 too long", lambda: DeepSSM(lam2, [c([1, 2, 3]), B[1]], C),
         InvalidParameterError, r"^B\[0\] \(B_1\): expected shape \(2,\)"),
        ("B_2 not square", lambda: DeepSSM(lam2, [B[0], c([[1, 2, 3], [4, 5, 6]])], C),
         InvalidParameterError, r"^B\[1\] \(B_2\): expected shape \(2, 2\)"),
        ("shallow B length", lambda: ShallowSSM(c([half, 0]), c([1]), C),
         InvalidParameterError, r"^B: expected shape \(2,\)"),
        ("shallow eigenvalue count", lambda: ShallowSSM(c([half]), c([1, 1]), C),
         InvalidParameterError, r"^eigenvalues: expected 2 eigenvalues"),
        ("deep layer count", lambda: DeepSSM(c([[half, 0]]), B, C),
         InvalidParameterError, r"^eigenvalues: expected shape \(2, 2\)"),
        ("C 2-D", lambda: ShallowSSM(c([half]), c([1]), c([[1]])),
         InvalidParameterError, r"^C: expected a 1-dimensional"),
        ("depth 0", lambda: DeepSSM(c(np.zeros((0, 2))), [], C),
         InvalidParameterError, r"^B: expected a list"),
        ("width 0", lambda: DeepSSM(c(np.zeros((1, 0))), [c(np.zeros(0))], c(np.zeros(0))),
         InvalidParameterError, r"^C: width m must be at least 1"),
        ("bad T", lambda: ShallowSSM(c([half]), c([1]), c([1])).kernel(-1),
         InvalidParameterError, r"^T: "),
        ("bad method", lambda: ShallowSSM(c([half]), c([1]), c([1])).kernel(3, method="fft"),
         InvalidParameterError, r"^method: "),
        ("2-D input", lambda: ShallowSSM(c([half]), c([1]), c([1])).simulate(c([[1]])),
         InvalidParameterError, r"^x: expected a 1-dimensional"),
        ("bad kind", lambda: ShallowSSM(c([half]), c([1]), c([1])).to_kind("float"),
         InvalidParameterError, r"^kind: expected a NumberKind"),
        ("bad deep kind", lambda: DeepSSM(lam2, B, C).to_kind(None),
         InvalidParameterError, r"^kind: expected a NumberKind"),
        ("bad symbol", lambda: DeepSSM(lam2, B, C).transfer_function("w"),
         InvalidParameterError, r"^w: expected a sympy Symbol"),
        ("bad norm name", lambda: DeepSSM(lam2, B, C).norm(None),
         InvalidParameterError, r"^which: unknown norm"),
        ("residues 2-D", lambda: ShallowSSM.from_residues(c([half]), c([[1]])),
         InvalidParameterError, r"^residues: expected a 1-dimensional"),
    ]
    if kind is NumberKind.EXACT:
        cases += [
            ("|λ| = 1 exactly, off the axes",
             lambda: ShallowSSM([R(3, 5) + R(4, 5) * I], [1], [1]),
             UnstableModelError, r"^eigenvalues: .*modulus >= 1"),
            ("exact mixed with float", lambda: ShallowSSM([R(1, 2)], [0.5], [1]),
             InvalidParameterError, r"^eigenvalues: exact .* float numbers in B"),
            ("exact mixed with mpmath", lambda: DeepSSM([[R(1, 2)]], [[1]], [mpmath.mpf(1)]),
             InvalidParameterError, r"^eigenvalues: exact .* mpmath numbers in C"),
            ("residues mixed", lambda: ShallowSSM.from_residues([0.5], [R(1, 3)]),
             InvalidParameterError, r"^residues: exact .* float numbers in eigenvalues"),
        ]
    return cases


@KINDS
def test_bad_lengths_are_refused(kind):
    model = _deep(kind, *_HAND)
    failures = wrong_error_reports(
        (f"T = {T!r}", lambda T=T: model.kernel(T), InvalidParameterError,
         r"^T: expected a non-negative integer") for T in [-1, 2.5, True, "3", None])
    assert not failures, "\n".join(failures)


@KINDS
def test_bad_inputs_raise_errors_naming_the_parameter(kind):
    failures = wrong_error_reports(_bad_inputs(kind))
    assert not failures, "\n".join(failures)


@KINDS
@pytest.mark.extended  # a check of the strategies (up to 2000 draws each), not of the theory
@pytest.mark.parametrize(
    "feature",
    [
        lambda z: any(x == 0 for x in z),
        lambda z: any(0 < abs(complex(x)) <= 1e-6 for x in z),
        lambda z: any(1 - 2e-6 < abs(complex(x)) < 1 for x in z),
        lambda z: any(abs(complex(x).imag) > 0.1 for x in z),
        lambda z: complex(z[0]) == complex(z[1]) != 0,
        lambda z: 0 < abs(complex(z[0]) - complex(z[1])) <= 1e-6,
    ],
    ids=["exact zero", "tiny", "near unit", "complex", "repeated", "clustered"],
)
def test_spectra_strategy_draws_the_hard_cases(kind, feature):
    # the features the strategies promise do occur (hypothesis.find fails if they never do)
    found = find(stable_spectra(kind, 3), feature,
                 settings=settings(database=None, max_examples=2000))
    assert feature(found)


@KINDS
@example_budgets(0.1)
def test_drawn_spectra_are_accepted_including_near_unit_ones(kind, examples):
    def check(data):
        lam = data.draw(stable_spectra(kind, 3))
        assert ShallowSSM(lam, convert([1, 1, 1], kind), convert([1, 1, 1], kind)).width == 3

    run_examples(examples, check, data=st.data())
