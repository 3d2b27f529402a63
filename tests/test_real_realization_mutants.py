"""Mutation-killing tests for :mod:`theory.real_realization` (issue 7).

Exact error messages, the block-structure and stability decisions in every number kind, the
storage of real results, and the a-posteriori kernel check of :func:`real_realization` at tight
cases: one or two units in the last place around the rounding bound ``f u (1 + 4 f u)``, and a
kernel residual around the guard term ``8 · 2^-P (m + 3) f``.
"""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest
import sympy
from sympy import I
from sympy import Rational as R

from theory import real_realization as rr
from theory.depth_width import GUARD_BITS, GUARD_FACTOR, KernelCheckError
from theory.linear import DeepSSM
from theory.numbers import InvalidParameterError, NumberKind
from theory.real_realization import RealDeepSSM, real_realization

# A sympy zero that is not structurally 0: ``(1 + √2)² - 3 - 2√2``.
_HIDDEN_ZERO = (1 + sympy.sqrt(2)) ** 2 - 3 - 2 * sympy.sqrt(2)


def _raises(message: str):
    """``pytest.raises`` of the module's error with exactly ``message``."""
    return pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$")


# ============================================================================ error messages
def test_validation_messages_are_exact() -> None:
    with _raises("deep: expected a DeepSSM, got str"):
        real_realization("model")  # type: ignore[arg-type]
    good = ([[[R(1, 3)]]], [[1]], [1])
    with _raises("T: expected a non-negative integer, got -1"):
        RealDeepSSM(*good).kernel(-1)
    with _raises("A: expected a non-empty list of arrays (one per layer), got list"):
        RealDeepSSM([], [[1]], [1])
    with _raises("C: expected a width m >= 1, got an empty C"):
        RealDeepSSM([[[R(1, 3)]]], [[1]], [])
    with _raises("C: expected a 1-dimensional array, got shape (1, 2)"):
        RealDeepSSM([[[R(1, 3)]]], [[1]], [[1, 1]])
    with _raises("A[0]: exact (sympy) numbers mixed with float numbers in C; convert them to "
                 "one kind first (sympy.Rational for exact, mpmath.mpf for high precision)"):
        RealDeepSSM([[[R(1, 3)]]], [[1]], [1.0])


def test_symmetry_messages_are_exact() -> None:
    with _raises("deep: expected eigenvalues closed under conjugation in every layer, got "
                 "1/3 + I/3 without a partner in layer 0"):
        real_realization(DeepSSM([[(1 + I) / 3, R(1, 2)]], [[1, 1]], [1, 1]))
    with _raises("deep: expected conjugate entries on conjugate modes (real=True of "
                 "shallow_to_deep), got C[0] = I against I"):
        real_realization(DeepSSM([[R(1, 2)]], [[1]], [I]))


# ============================================================================ block structure
def test_block_violation_reasons_are_exact() -> None:
    """An upper entry alone opens a 2x2 block (not of the form); a lower entry alone too."""
    why = "the 2x2 block at row 0 is not of the form [[a, -b], [b, a]]"
    upper = np.array([[R(1, 3), R(1, 5)], [0, R(1, 3)]], dtype=object)
    assert rr._block_violation(upper) == why
    lower = np.array([[R(1, 3), 0, 0], [R(1, 5), R(1, 3), 0], [0, 0, 0]], dtype=object)
    assert rr._block_violation(lower) == why


def test_exact_zero_and_equality_are_decided_exactly() -> None:
    """A hidden zero outside the blocks is a zero; a hidden equal diagonal entry is equal."""
    diagonal = RealDeepSSM([[[R(1, 3), 0, _HIDDEN_ZERO], [0, R(1, 3), 0], [0, 0, R(1, 2)]]],
                           [[1, 0, 0]], [1, 1, 1])
    assert diagonal.kernel(2).tolist() == [1, R(1, 3)]
    block = RealDeepSSM([[[R(1, 3), R(-1, 3)], [R(1, 3), R(1, 3) + _HIDDEN_ZERO]]], [[1, 0]],
                        [1, 0])
    assert block.kernel(2).tolist() == [1, R(1, 3)]


@pytest.mark.parametrize("kind", [NumberKind.FLOAT, NumberKind.MPMATH])
def test_block_stability_uses_the_modulus_of_a_plus_ib(kind: NumberKind) -> None:
    """``a = b = 3/4``: each below 1, the modulus ``3√2/4`` above."""
    x = 0.75 if kind is NumberKind.FLOAT else mpmath.mpf(0.75)
    with _raises("A[0]: expected a stable block diagonal matrix with 1x1 and [[a, -b], [b, a]] "
                 "blocks, got the block at row 0 has eigenvalues of modulus >= 1"):
        RealDeepSSM([[[x, -x], [x, x]]], [[1, 0]], [1, 1])


def test_mpmath_block_stability_at_the_working_precision() -> None:
    """``|a + ib|² = 1 - 2^-59 + 2^-119`` is below 1 at 100 bits (a double would round it to 1)."""
    with mpmath.workprec(100):
        a, b = 1 - mpmath.mpf(2) ** -60, mpmath.mpf(2) ** -60
        model = RealDeepSSM([[[a, -b], [b, a]]], [[1, 0]], [1, 0])
        assert model.kernel(2).tolist() == [1, a]


def test_float_block_stability_in_double_arithmetic() -> None:
    """A float block is decided in the float kind, whatever the mpmath precision: exactly,
    ``|a + ib| < 1`` here, but the double modulus rounds to 1."""
    a, b = 1 - 2.0**-53, 2.0**-26 - 2.0**-79
    assert abs(complex(a, b)) == 1.0
    with mpmath.workprec(200), pytest.raises(InvalidParameterError, match=">= 1$"):
        RealDeepSSM([np.array([[a, -b], [b, a]])], [[1.0, 0.0]], [1.0, 1.0])


# ============================================================================ storage, norm
def test_real_storage_of_complex_typed_inputs() -> None:
    f = RealDeepSSM([np.array([[0.5 + 0j]])], [np.array([1 + 0j])], np.array([2 + 0j]))
    assert [a.dtype for a in (f.A[0], f.B[0], f.C)] == [np.float64] * 3
    assert type(f.norm()) is float and f.norm() == 2.0
    with mpmath.workdps(30):
        m = RealDeepSSM([np.array([[mpmath.mpc(0.5)]], dtype=object)],
                        [np.array([mpmath.mpc(1)], dtype=object)],
                        np.array([mpmath.mpc(2)], dtype=object))
    assert all(type(a.flat[0]) is mpmath.mpf for a in (m.A[0], m.B[0], m.C))
    assert type(m.norm()) is mpmath.mpf and m.norm() == 2


# ============================================================================ the kernel check
@pytest.mark.parametrize("prec", [53, 100])
def test_kernel_check_at_the_rounding_bound(prec: int) -> None:
    """One layer (``f = 2``), ``λ = 1/2``: a real coupling ``x`` against a complex ``x - 4u``
    differs by ``4u/x`` relatively, which the bound ``2u(1 + 8u)`` admits for ``x = 2 - 14u``
    (``2u + 14u²``) and refuses for ``x = 2 - 18u`` (``2u + 18u²``); the guard term is below
    ``u³``. ``prec = 53``: float models; otherwise mpmath models at ``prec`` bits."""
    kind = NumberKind.FLOAT if prec == 53 else NumberKind.MPMATH
    with mpmath.workprec(prec):
        u = mpmath.mpf(2) ** -prec

        def check(x: mpmath.mpf) -> None:
            val = float if kind is NumberKind.FLOAT else mpmath.mpf
            real = RealDeepSSM([[[val(0.5)]]], [[val(x)]], [val(1)])
            deep = DeepSSM([[val(0.5)]], [[val(x - 4 * u)]], [val(1)])
            assert deep.kind is kind and real.kind is kind
            rr._check_kernels(real, deep)

        check(2 - 14 * u)
        with pytest.raises(KernelCheckError, match="more than the rounding bound"):
            check(2 - 18 * u)


@pytest.mark.parametrize("kind", [NumberKind.FLOAT, NumberKind.MPMATH])
def test_kernel_check_at_the_guard_term(kind: NumberKind) -> None:
    """A zero real model against a complex one whose kernel is ``δ`` at ``s = 0`` (``1 - 1 + δ``,
    absolute kernel ``2 + δ``): the guard ``8 · 2^-P (m + 3) f = 96 · 2^-P`` (``m = 3``,
    ``f = 2``, ``P = 3 · 53 + 64``) times ``2 + δ`` admits ``δ = 180 · 2^-P`` and refuses
    ``δ = 200 · 2^-P``, with the exact message."""
    P = GUARD_FACTOR * 53 + GUARD_BITS
    val = float if kind is NumberKind.FLOAT else mpmath.mpf
    real = RealDeepSSM([[[val(0)] * 3 for _ in range(3)]], [[val(0)] * 3], [val(0)] * 3)

    def deep(delta: int) -> DeepSSM:
        return DeepSSM([[val(0)] * 3], [[val(1), val(1), val(mpmath.ldexp(delta, -P))]],
                       [val(1), val(-1), val(1)])

    rr._check_kernels(real, deep(180))
    message = ("real_realization: at s = 0 the kernels differ by 1.48e-65, more than the "
               "rounding bound 1.42e-65; the result is not returned")
    with pytest.raises(KernelCheckError, match=f"^{re.escape(message)}$"):
        rr._check_kernels(real, deep(200))


def test_kernel_check_compares_2lm_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    """``T = 2lm`` terms (the certifying length), no more; a complex coupling between a pair and
    real modes (``B̃_2 = M_2 B_2 M_1^*`` with different ``M_1``, ``M_2``) is made real."""
    lengths = []
    original = RealDeepSSM.kernel

    def spy(self: RealDeepSSM, T: int) -> np.ndarray:
        lengths.append(T)
        return original(self, T)

    monkeypatch.setattr(RealDeepSSM, "kernel", spy)
    deep = DeepSSM([[(1 + I) / 3, (1 - I) / 3], [R(1, 2), R(1, 3)]],
                   [[1, 1], [[I, -I], [1 + I, 1 - I]]], [1, 1])
    real_realization(deep)
    assert lengths == [8]
