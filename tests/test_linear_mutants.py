"""Small exact cases of theory.linear that pin down what the broader tests leave loose.

Each test targets behaviour that a wrong implementation could change without failing the
property tests of ``tests/test_linear.py``: the full text of every error message (so that the
message names the parameter and says what was expected), the number kind and dtype of every
result, the exact value of norms with irrational entries, the precision of the transfer
function, and the shapes at the boundaries. All cases are small and hand-computed.
"""

from __future__ import annotations

import re
from itertools import product

import mpmath
import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case

from theory.linear import METHODS, NORMS, DeepSSM, ShallowSSM, UnstableModelError, W
from theory.numbers import InvalidParameterError, NumberKind, convert, exact_equal, tolerance

I = sympy.I  # noqa: E741 (the imaginary unit, as sympy names it)
R = sympy.Rational
def _raises_exactly(message: str, error: type[Exception] = InvalidParameterError):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def _one_pole(kind: NumberKind) -> ShallowSSM:
    c = lambda v: convert(v, kind)  # noqa: E731
    return ShallowSSM(c([R(1, 2)]), c([1]), c([1]))


def _depth_two(kind: NumberKind) -> DeepSSM:
    c = lambda v: convert(v, kind)  # noqa: E731
    return DeepSSM(c([[R(1, 2), R(1, 3)], [R(1, 4), 0]]), [c([1, 2]), c([[1, 0], [0, 1]])],
                   c([1, 1]))


# -------------------------------------------------------------------- full error messages


def _option_messages_are_exact(kind, make):
    model = make(kind)
    with _raises_exactly(f"method: unknown method 'fft'; choose one of {METHODS}"):
        model.kernel(3, method="fft")
    with _raises_exactly(f"which: unknown norm 'frobenius'; choose one of {NORMS}"):
        model.norm("frobenius")
    with _raises_exactly("T: expected a non-negative integer length, got -1"):
        model.kernel(-1)
    with _raises_exactly("kind: expected a NumberKind, got 'float'"):
        model.to_kind("float")
    with _raises_exactly("w: expected a sympy Symbol, got 'w'"):
        model.transfer_function("w")
    assert METHODS == ("closed_form", "recurrence") and NORMS == ("max_modulus", "row_sum")


def test_option_messages_are_exact() -> None:
    """Option messages are exact: every case of the table."""
    check_every_case(_option_messages_are_exact, product(list(NumberKind), [_one_pole, _depth_two]))


def test_structure_messages_are_exact():
    with _raises_exactly(
            "B: expected a list [B_1 (m,), B_2 (m, m), ..., B_l (m, m)] with l >= 1"):
        DeepSSM(np.zeros((0, 1)), [], [1.0])
    with _raises_exactly("C: width m must be at least 1 (got an empty C)"):
        DeepSSM(np.zeros((1, 0)), [np.zeros(0)], np.zeros(0))
    with _raises_exactly("eigenvalues: expected 2 eigenvalues like C, got 3"):
        ShallowSSM([0.5, 0.25, 0.125], [1.0, 1.0], [1.0, 1.0])
    with _raises_exactly("eigenvalues: expected a 1-D sequence, got shape (1, 2)"):
        ShallowSSM([[0.5, 0.25]], [1.0, 1.0], [1.0, 1.0])  # 2-D but not a square matrix
    with _raises_exactly("eigenvalues: expected a 1-D sequence, got shape ()"):
        ShallowSSM(0.5, [1.0], [1.0])
    with _raises_exactly("eigenvalues: expected a 1-D sequence, got shape (1, 1, 1)"):
        ShallowSSM([[[0.5]]], [1.0], [1.0])


def test_deep_model_validates_its_own_readout_and_inputs():
    # DeepSSM is public: C, B and x are checked there too, not only through ShallowSSM
    with _raises_exactly("C: expected a 1-dimensional array, got shape (1, 1)"):
        DeepSSM([[0.5]], [[1.0]], [[1.0]])
    with pytest.raises(InvalidParameterError, match=r"^C: entries must be finite"):
        DeepSSM([[0.5]], [[1.0]], [np.nan])
    with _raises_exactly("B: expected a 1-dimensional array, got shape (1, 1)"):
        ShallowSSM([0.5], [[1.0]], [1.0])
    # a 2-D C is refused as such, before its first axis is taken for the width
    with _raises_exactly("C: expected a 1-dimensional array, got shape (2, 1)"):
        ShallowSSM([0.5], [1.0], [[1.0], [2.0]])
    with _raises_exactly("x: expected a 1-dimensional array, got shape (1, 1)"):
        _depth_two(NumberKind.FLOAT).simulate([[1.0]])


def test_stacks_of_the_wrong_shape_are_refused_by_shape():
    # a (depth, m', m'') stack that is not (depth, m, m): the shape check names it, whatever
    # its entries (all zeros here, so a wrong diagonal test would accept it)
    B = [[1.0, 1.0], [[1.0, 0.0], [0.0, 1.0]]]
    for shape in ((2, 3, 2), (2, 2, 3)):
        with _raises_exactly(f"eigenvalues: expected shape (2, 2), got {shape}"):
            DeepSSM(np.zeros(shape), B, [1.0, 1.0])


def test_mixed_kinds_name_the_parameter():
    tail = "; convert them to one kind first (sympy.Rational for exact, mpmath.mpf for high " \
           "precision)"
    with _raises_exactly("eigenvalues: exact (sympy) numbers mixed with float numbers in C"
                         + tail):
        ShallowSSM([R(1, 2)], [1], [0.5])
    with _raises_exactly("eigenvalues: exact (sympy) numbers mixed with float numbers in "
                         "B[1] (B_2)" + tail):
        DeepSSM([[R(1, 2)], [R(1, 3)]], [[1], [[0.5]]], [1])
    with _raises_exactly("eigenvalues: exact (sympy) numbers mixed with float numbers in "
                         "B[0] (B_1)" + tail):
        DeepSSM([[R(1, 2)], [R(1, 3)]], [[0.5], [[1]]], [1])
    with _raises_exactly("residues: exact (sympy) numbers mixed with mpmath numbers in "
                         "eigenvalues" + tail):
        ShallowSSM.from_residues([mpmath.mpf(0.5)], [R(1, 3)])


def test_undecidable_stability_is_refused_not_guessed():
    # 8 cos(π/9) cos(2π/9) cos(4π/9) = 1 exactly, which sympy cannot decide: refuse
    lam = 8 * sympy.cos(sympy.pi / 9) * sympy.cos(2 * sympy.pi / 9) * sympy.cos(4 * sympy.pi / 9)
    with pytest.raises(InvalidParameterError,
                       match=r"^eigenvalues: cannot decide exactly whether \|.*\| < 1$"):
        ShallowSSM([lam], [1], [1])


# ----------------------------------------------------------------------- accepted inputs


def test_real_float_diagonal_matrix_is_accepted():
    model = ShallowSSM(np.diag([0.5, 0.25]), [1.0, 2.0], [1.0, 1.0])
    assert model.poles.tolist() == [0.5, 0.25] and model.kernel(2).tolist() == [3.0, 1.0]


def test_exact_zero_off_diagonal_in_an_unexpanded_form_is_accepted():
    # (1 + √2)² - 3 - 2√2 is 0 but not syntactically 0: the diagonal test decides it exactly
    zero = (1 + sympy.sqrt(2)) ** 2 - 3 - 2 * sympy.sqrt(2)
    assert zero != 0
    model = ShallowSSM([[R(1, 2), zero], [0, R(1, 3)]], [1, 1], [1, 1])
    assert exact_equal(model.kernel(2)[1], R(5, 6))


def test_float_array_of_layer_maps_is_accepted():
    # depth 1: B may be an ndarray of shape (1, m); ρ(s) = 2·(1/2)^s + 1·(1/4)^s
    model = DeepSSM(np.array([[0.5, 0.25]]), np.array([[2.0, 1.0]]), np.array([1.0, 1.0]))
    assert model.depth == 1 and model.width == 2
    assert model.kernel(3).tolist() == [3.0, 1.25, 0.5625]


def test_numpy_integer_length_is_accepted():
    assert _one_pole(NumberKind.FLOAT).kernel(np.int64(2)).tolist() == [1.0, 0.5]


# ------------------------------------------------------------------- kinds and dtypes (float)


def _float_model_takes_one_common_dtype(where):
    # one complex entry anywhere makes every stored array complex (never a dropped imag part)
    lam = [[0.5, 0.25], [0.5, 0.0]]
    B = [[1.0, 1.0], [[1.0, 0.0], [0.0, 1.0]]]
    C = [1.0, 1.0]
    if where == "eigenvalues":
        lam[1][1] = 0.5j
    elif where == "B_1":
        B[0][1] = 1j
    elif where == "B_2":
        B[1][1][1] = 1j
    else:
        C[1] = 1j
    model = DeepSSM(lam, B, C)
    assert {a.dtype for a in (model.eigenvalues, *model.B, model.C)} == {np.dtype(complex)}
    for method in ("closed_form", "recurrence"):
        rho = model.kernel(4, method=method)
        assert rho.dtype == np.dtype(complex) and np.iscomplex(rho).any()
        np.testing.assert_allclose(rho, model.kernel(4, method="recurrence"), rtol=1e-14)


def test_float_model_takes_one_common_dtype() -> None:
    """Float model takes one common dtype: every case of ``B_1`` × ``B_2``."""
    check_every_case(
        _float_model_takes_one_common_dtype, product(["eigenvalues", "B_1", "B_2", "C"]))


def test_real_float_model_stays_real():
    model = _depth_two(NumberKind.FLOAT)
    assert {a.dtype for a in (model.eigenvalues, *model.B, model.C)} == {np.dtype(float)}
    for T in (0, 1, 3):
        for method in ("closed_form", "recurrence"):
            assert model.kernel(T, method=method).dtype == np.dtype(float)
        assert model.simulate(np.ones(T)).dtype == np.dtype(float)
    assert type(model.norm()) is float and type(model.norm("row_sum")) is float


def test_complex_model_simulated_on_a_real_input_keeps_the_imaginary_part():
    # h(t) = (i/2) h(t-1) + x(t), y = h; x = (1, 1): y = (1, 1 + i/2)
    model = ShallowSSM([0.5j], [1.0], [1.0])
    y = model.simulate(np.array([1.0, 1.0]))
    assert y.tolist() == [1.0, 1.0 + 0.5j]


def _empty_kernels_keep_the_model_dtype(kind):
    for model in (_one_pole(kind), _depth_two(kind)):
        for method in ("closed_form", "recurrence"):
            rho = model.kernel(0, method=method)
            assert rho.shape == (0,) and rho.dtype == model.dtype


def test_empty_kernels_keep_the_model_dtype() -> None:
    """Empty kernels keep the model dtype: every case of the table."""
    check_every_case(_empty_kernels_keep_the_model_dtype, product(list(NumberKind)))


def test_shallow_kernel_methods_take_their_documented_paths():
    # float rounding tells the two algorithms apart: "closed_form" is Σ_i r_i λ_i^s with
    # explicit powers, "recurrence" runs Eq. 1 on a unit impulse (the same loop as simulate)
    lam, b, c = np.array([0.9, -0.7]), np.array([0.3, 1.1]), np.array([1.7, 0.6])
    model, T = ShallowSSM(lam, b, c), 40
    powers = lam[None, :] ** np.arange(T)[:, None]
    closed, recurrence = model.kernel(T), model.kernel(T, method="recurrence")
    impulse = model.simulate(np.eye(1, T)[0])
    assert np.array_equal(closed, powers @ (c * b))
    assert np.array_equal(recurrence, impulse)
    assert not np.array_equal(impulse, powers @ (c * b))  # the paths do differ here
    assert not np.array_equal(impulse, (powers * b) @ c)
    np.testing.assert_allclose(recurrence, closed, rtol=1e-12, atol=1e-300)
    deep = DeepSSM([lam, lam[::-1]], [b, np.array([[0.5, 0.3], [0.2, 0.9]])], c)
    recurrence = deep.kernel(T, method="recurrence")
    assert np.array_equal(recurrence, deep.simulate(np.eye(1, T)[0]))
    assert not np.array_equal(recurrence, deep.kernel(T))
    np.testing.assert_allclose(recurrence, deep.kernel(T), rtol=1e-12, atol=1e-300)


def test_real_model_simulated_on_a_complex_input_is_complex():
    # h(t) = h(t-1)/2 + x(t), y = h; x = (i, 0): y = (i, i/2)
    y = ShallowSSM([0.5], [1.0], [1.0]).simulate(np.array([1j, 0]))
    assert y.dtype == np.dtype(complex) and y.tolist() == [1j, 0.5j]


# ------------------------------------------------------------------------ exact values


def test_depth_three_kernel_by_hand():
    # width 1, λ = 1/2, 1/3, 1/5: ρ(s) = Σ_{a+b+c=s} 2^-a 3^-b 5^-c
    model = DeepSSM([[R(1, 2)], [R(1, 3)], [R(1, 5)]], [[1], [[2]], [[3]]], [5])
    expected = [30 * sum(R(1, 2) ** a * R(1, 3) ** b * R(1, 5) ** (s - a - b)
                         for a in range(s + 1) for b in range(s + 1 - a)) for s in range(4)]
    assert expected[:2] == [30, 31]
    for method in ("closed_form", "recurrence"):
        assert list(model.kernel(4, method=method)) == expected
    impulse = model.simulate([1, 0, 0, 0])
    assert list(impulse) == expected
    w = R(1, 7)
    assert exact_equal(model.transfer_function().subs(W, w),
                       30 / ((1 - w / 2) * (1 - w / 3) * (1 - w / 5)))


def _row_sum_norm_is_exact_in_the_model_kind(kind):
    # the row (1 + i, 1) of B_2 has row sum 1 + √2, the largest (entries: max modulus √2)
    c = lambda v: convert(v, kind)  # noqa: E731
    model = DeepSSM(c([[R(1, 2), 0], [R(1, 3), 0]]), [c([1, 1]), c([[1 + I, 1], [0, 1]])],
                    c([1, 1]))
    row_sum, max_mod = model.norm("row_sum"), model.norm()
    if kind is NumberKind.EXACT:
        assert exact_equal(row_sum, 1 + sympy.sqrt(2)) and exact_equal(max_mod, sympy.sqrt(2))
        return
    number = mpmath.mpf if kind is NumberKind.MPMATH else float
    assert type(row_sum) is number and type(max_mod) is number
    assert abs(row_sum - (1 + mpmath.sqrt(2))) <= tolerance(kind, 3)
    assert abs(max_mod - mpmath.sqrt(2)) <= tolerance(kind, 2)


def test_row_sum_norm_is_exact_in_the_model_kind() -> None:
    """Row sum norm is exact in the model kind: every case of the table."""
    check_every_case(_row_sum_norm_is_exact_in_the_model_kind, product(list(NumberKind)))


def _error(got, want) -> sympy.Rational:
    """``|got - want|²`` exactly, from the binary values of the sympy Floats in ``got``."""
    re, im = got.as_real_imag()
    return (sympy.Rational(re) - sympy.re(want)) ** 2 + (sympy.Rational(im) - sympy.im(want)) ** 2


def test_mpmath_transfer_function_keeps_the_working_precision():
    # every entry becomes a Float of the working precision (30 digits), both for entries with
    # a short decimal form (0.5 + 0.25i) and for entries that need all digits (1/3 + i/7)
    with mpmath.workdps(30):
        w = R(1, 3)
        short = ShallowSSM([mpmath.mpc(0.5, 0.25)], [mpmath.mpf(0.25)], [mpmath.mpf(1)])
        want = R(1, 4) / (1 - (R(1, 2) + I / 4) * w)
        assert _error(short.transfer_function().subs(W, w), want) <= R(1, 10**56)
        third, seventh = mpmath.mpf(1) / 3, mpmath.mpf(1) / 7
        long = ShallowSSM([mpmath.mpc(third, seventh)], [third], [mpmath.mpf(1)])
        want = R(1, 3) / (1 - (R(1, 3) + I / 7) * w)
        assert _error(long.transfer_function().subs(W, w), want) <= R(1, 10**56)


def test_float_transfer_function_is_real_for_a_real_model():
    tf = ShallowSSM([0.5], [0.25], [1.0]).transfer_function()
    assert tf.subs(W, 0) == sympy.Float(0.25) and not tf.has(I)
    tf = ShallowSSM([0.5j], [0.25], [1.0]).transfer_function()
    assert tf.subs(W, 1) == sympy.Float(0.25) / (1 - 0.5 * I)


# ------------------------------------------------------------------- from_residues (float)


def test_from_residues_takes_real_roots_of_non_negative_residues():
    model = ShallowSSM.from_residues([0.5, 0.25, 0.125], [0.0, 0.25, 4.0])
    assert model.B[0].dtype == np.dtype(float) and model.C.dtype == np.dtype(float)
    assert model.B[0].tolist() == [0.0, 0.5, 2.0] == model.C.tolist()
    neg = ShallowSSM.from_residues([0.5], [-4.0])
    assert neg.B[0].tolist() == [2j] and neg.residues.tolist() == [-4.0 + 0j]


def _from_residues_roots_in_the_model_kind(kind):
    model = ShallowSSM.from_residues(convert([R(1, 2)], kind), convert([-4], kind))
    assert model.kind is kind
    assert exact_equal(convert(model.B[0], NumberKind.EXACT)[0], 2 * I)


def test_from_residues_roots_in_the_model_kind() -> None:
    """From residues roots in the model kind: every case of ``EXACT`` × ``MPMATH``."""
    check_every_case(
        _from_residues_roots_in_the_model_kind, product([NumberKind.EXACT, NumberKind.MPMATH]))


def test_unstable_error_is_an_invalid_parameter_error():
    with pytest.raises(UnstableModelError):
        DeepSSM([[0.5], [1.5]], [[1.0], [[1.0]]], [1.0])
    assert issubclass(UnstableModelError, InvalidParameterError)


# ------------------------------------------------------------------- float closed form (blocked)


def test_real_powers_take_no_complex_detour():
    """Real eigenvalues are powered in ``np.longdouble``: casting complex powers back to a real
    dtype would warn (``ComplexWarning``), here an error."""
    import warnings

    from theory import linear

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = linear._power_table(np.array([0.5, -0.25]), np.arange(4))
    assert table.dtype == np.float64
    assert table.tolist() == [[1.0, 1.0], [0.5, -0.25], [0.25, 0.0625], [0.125, -0.015625]]


def test_blocked_convolution_keeps_a_complex_input_with_a_real_ratio():
    """``u`` complex, ``λ`` real, 20 steps (two blocks), dyadic data: exact, with the imaginary
    parts."""
    from theory import linear

    u = np.array([[1 + 2j], [2 - 1j], [4 + 0j], [8 + 4j]] * 5)
    got = linear._blocked_convolution(np.array([0.5]), u)
    want = [sum(0.5**j * u[s - j, 0] for j in range(s + 1)) for s in range(20)]
    assert got.dtype == np.complex128 and got[:, 0].tolist() == want
