"""Tight cases of theory.depth_width that the mutation run found untested.

Companion of ``tests/test_depth_width.py``: exact messages, exact small values and the
individual conditions of :class:`theory.depth_width.NonInclusionCertificate`.
"""

from __future__ import annotations

import dataclasses
import re

import mpmath
import numpy as np
import pytest
import sympy
from sympy import Rational as R

import theory.depth_width as dw
from theory.depth_width import (
    IllConditionedError,
    InsufficientCapacityError,
    KernelCheckError,
    SharedEigenvalueError,
    _even_sizes,
    _mp_kernel,
    _normal_floor,
    _precision,
    _search_reason,
    _split_of,
    _symmetrize_roots,
    algorithm_a_cannot_fit,
    deep_to_shallow,
    non_inclusion_witness,
    numerator_roots,
    root_capacity,
    shallow_to_deep,
    target_from_factors,
    vanishing_order_at_infinity,
)
from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import InvalidParameterError, NumberKind

SERIES = "first_order_coefficient must equal -sum r_i/lambda_i (series check)"


def test_root_capacity_is_min_of_poles_and_width_minus_one() -> None:
    assert [root_capacity(n, 3) for n in range(5)] == [0, 1, 2, 2, 2]


def test_shared_eigenvalue_message_is_exact() -> None:
    model = DeepSSM([[R(1, 2), R(1, 4)], [R(1, 2), R(-1, 3)]],
                    [[1, 1], [[1, 1], [1, 1]]], [1, 1])
    msg = ("deep: the nonzero eigenvalue 1/2 is shared by several layers on weighted paths; "
           "rho-hat has a pole of order 2 at w = 1/lambda, so the kernel contains "
           "s*lambda^s and no diagonal shallow SSM represents it (Theorem 4.1(i) needs "
           "distinct eigenvalues across layers)")
    with pytest.raises(SharedEigenvalueError, match=f"^{re.escape(msg)}$"):
        deep_to_shallow(model)


def test_ill_conditioned_message_names_the_closest_pair_exactly() -> None:
    model = DeepSSM([[0.5], [0.25]], [[1.0], [[1.0]]], [1.0])
    msg = ("deep: eigenvalues 0.5 and 0.25 on one weighted path differ by 0.25 (relative gap "
           "0.5); the shallow residues reach 2.0 and the float result would be accurate only "
           "to 6.66e-16 relative to the kernel of the entrywise-absolute model, worse than "
           "rtol = 1.0e-30; convert an exact or higher-precision mpmath model instead")
    with pytest.raises(IllConditionedError, match=f"^{re.escape(msg)}$"):
        deep_to_shallow(model, rtol=1e-30)


def test_non_inclusion_certificate_reports_each_broken_condition() -> None:
    _, cert = non_inclusion_witness(2, 3)
    assert cert.failures() == []
    assert dataclasses.replace(cert, lm=5).failures() == [
        "lm must be depth*width", "max_zero_modes must be lm - n"]
    assert dataclasses.replace(cert, residues=cert.residues[:-1]).failures() == [
        "n must be l(m-1)+2 = 6 poles and residues", SERIES]
    poles = list(cert.poles)
    poles[1] = poles[0]
    assert dataclasses.replace(cert, poles=tuple(poles)).failures() == [
        "poles must be distinct", SERIES]


def test_search_reason_counts_the_room_of_the_other_layers() -> None:
    assert _search_reason(0, (5, 0, 0, 0, 0), 2, 2) == (
        "the other 2 layers hold at most 2 of the remaining 5 nonzero poles")


def test_even_sizes_give_the_remainder_to_the_first_layers() -> None:
    assert _even_sizes(5, 3, 3) == [2, 2, 1]
    assert _even_sizes(7, 3, 3) == [3, 2, 2]


def test_symmetrize_roots_message_is_exact() -> None:
    msg = "shallow: real=True but the numerator roots are not conjugate-symmetric"
    with pytest.raises(InvalidParameterError, match=f"^{re.escape(msg)}$"):
        _symmetrize_roots([mpmath.mpc(0, 1)], NumberKind.FLOAT)


def test_algorithm_a_obstruction_counts_only_nonzero_poles() -> None:
    obstruction = algorithm_a_cannot_fit(ShallowSSM([0, R(1, 2)], [1, 1], [1, 1]), 1, 2)
    assert obstruction.nonzero_poles == 1
    assert obstruction.root_capacity == 1


def test_float_precision_and_floor_do_not_follow_mpmath() -> None:
    with mpmath.workdps(50):
        assert _precision(NumberKind.FLOAT) == 53
        assert _precision(NumberKind.MPMATH) == mpmath.mp.prec
        assert _normal_floor(NumberKind.MPMATH) == 0
        assert _normal_floor(NumberKind.FLOAT) == mpmath.mpf(2) ** -1022


def test_non_inclusion_certificate_refuses_an_irrational_pole() -> None:
    _, cert = non_inclusion_witness(2, 3)
    poles = (sympy.sqrt(2) / 2, *cert.poles[1:])
    assert dataclasses.replace(cert, poles=poles).failures() == [
        "poles and residues must be exact rationals"]


def test_float_target_from_factors_keeps_its_poles() -> None:
    # r_1 = 2 (2 - 0.1) / (1 - 0.5) = 7.6, r_2 = 2 (4 - 0.1) / (1 - 2) = -7.8
    target = target_from_factors([0.5, 0.25], [0.1], 2.0)
    assert target.kind is NumberKind.FLOAT
    assert np.array_equal(target.eigenvalues, [[0.5, 0.25]])
    assert target.B[0] == pytest.approx([7.6, -7.8], rel=1e-15)


def test_zero_kernel_becomes_the_zero_mode() -> None:
    shallow = deep_to_shallow(DeepSSM([[0.5]], [[0.0]], [0.0]))
    assert np.array_equal(shallow.eigenvalues, [[0.0]])
    assert np.array_equal(shallow.B[0], [0.0])


def test_split_of_gives_conjugate_pairs_two_slots() -> None:
    # sizes [4, 2]: both pole pairs fill the full layer, the real poles the other one
    assert _split_of(1, (2, 2, 0, 0, 0), 2, 4) == ((0, 2, 0, 0, 0), (2, 0, 0, 0, 0))


def test_symmetrize_roots_real_tolerance_is_relative_to_one_plus_modulus() -> None:
    tol = mpmath.mpf(2) ** (-0.5 * mpmath.mp.prec)
    assert _symmetrize_roots([mpmath.mpc(0, tol / 2)], NumberKind.FLOAT) == [0]
    with pytest.raises(InvalidParameterError, match="not conjugate-symmetric"):
        _symmetrize_roots([mpmath.mpc(0, 3 * tol / 2)], NumberKind.FLOAT)


def test_mp_kernel_of_a_shallow_model_is_its_closed_form() -> None:
    third, seventh = mpmath.mpf(1) / 3, mpmath.mpf(-2) / 7
    shallow = ShallowSSM([third, seventh], [mpmath.mpf(1) / 5, mpmath.mpf(3) / 11],
                         [mpmath.mpf(1)] * 2)
    assert _mp_kernel(shallow, 40) == list(shallow.kernel(40, "closed_form"))
    # the recurrence rounds differently, so the test tells the two methods apart
    assert _mp_kernel(shallow, 40) != list(shallow.kernel(40, "recurrence"))


def test_a_cancelled_path_weight_does_not_stop_the_partial_fractions() -> None:
    # the paths (1/2, 1/4) and (1/4, 1/2) cancel; the path (1/3, 1/5) remains
    model = DeepSSM([[R(1, 2), R(1, 4), R(1, 3)], [R(1, 4), R(1, 2), R(1, 5)]],
                    [[1, 1, 1], [[1, 0, 0], [0, -1, 0], [0, 0, 1]]], [1, 1, 1])
    shallow = deep_to_shallow(model)
    assert list(shallow.eigenvalues[0]) == [R(1, 3), R(1, 5)]
    assert list(shallow.B[0]) == [R(5, 2), R(-3, 2)]


@pytest.fixture
def broken_shallow_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every shallow kernel that the a-posteriori checks evaluate off by 1/3000 at s = 0."""
    exact = dw._mp_kernel

    def broken(model: DeepSSM, T: int) -> list:
        kernel = exact(model, T)
        if isinstance(model, ShallowSSM):
            kernel[0] += mpmath.mpf(1) / 3000
        return kernel

    monkeypatch.setattr(dw, "_mp_kernel", broken)


@pytest.mark.usefixtures("broken_shallow_kernel")
def test_deep_to_shallow_kernel_check_rejects_a_broken_result() -> None:
    one = mpmath.mpf(1)
    model = DeepSSM([[one / 2]], [[3 * one]], [one])  # bound 3u = 6.661e-16 at s = 0
    msg = ("deep_to_shallow: at s = 0 the shallow kernel misses the deep one by 0.000333, "
           "more than the certified bound 6.66e-16; the result is not returned")
    with pytest.raises(KernelCheckError, match=f"^{re.escape(msg)}$"):
        deep_to_shallow(model)


@pytest.mark.usefixtures("broken_shallow_kernel")
def test_shallow_to_deep_kernel_check_rejects_a_broken_target() -> None:
    one = mpmath.mpf(1)
    target = ShallowSSM([one / 2, one / 4], [one, one], [one, one])
    tries = "; ".join(f"{bits} bits: at s = 0 the error 0.000333 exceeds 6.66e-16"
                      for bits in (106, 212, 424))
    msg = ("shallow_to_deep: the realization's kernel misses the target beyond the rounding "
           f"bound at every working precision tried ({tries}); nothing is returned")
    with pytest.raises(KernelCheckError, match=f"^{re.escape(msg)}$"):
        shallow_to_deep(target, 2, 2)


def test_bad_input_messages_show_the_type_of_a_model_and_the_repr_of_a_number() -> None:
    with pytest.raises(InvalidParameterError,
                       match=r"^deep: expected an exact \(sympy\) DeepSSM, got str$"):
        vanishing_order_at_infinity("x")
    with pytest.raises(InvalidParameterError,
                       match="^n_nonzero: expected a non-negative integer, got -1$"):
        root_capacity(-1, 3)


def test_float_numerator_roots_are_complex_numbers() -> None:
    # P(w) = (1 - w/4) + (1 - w/2) = 2 - 3w/4
    kappa, roots = numerator_roots(ShallowSSM([0.5, 0.25], [1.0, 1.0], [1.0, 1.0]))
    assert kappa == -0.75
    assert isinstance(kappa, complex)
    assert roots == [pytest.approx(8 / 3, rel=1e-15)]
    assert isinstance(roots[0], complex)


def test_capacity_error_states_the_theorem_bound() -> None:
    one = mpmath.mpf(1)
    target = ShallowSSM([one / 2, one / 4], [one, one], [one, one])
    msg = ("depth, width: a depth-2 width-1 chain holds at most 2 nonzero poles and "
           "min(#nonzero poles, l(m-1)) = 0 numerator roots; the target has n = 2 poles "
           "(2 nonzero) and deg P = 1 (Theorem 4.1(ii) covers n <= l(m-1)+1 = 1)")
    with pytest.raises(InsufficientCapacityError, match=f"^{re.escape(msg)}$"):
        shallow_to_deep(target, 2, 1)
