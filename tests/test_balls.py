"""Tests of verify.balls: exact conversion, outward-rounded ends, enclosures, both back-ends."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import product

import mpmath
import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case
from hypothesis import example, given
from hypothesis import strategies as st

from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError
from verify import balls
from verify.sampling import random_stable_layer

BACKENDS = balls.available_backends()
both = pytest.mark.parametrize("backend", BACKENDS)


def _exact(x: float) -> Fraction:
    return Fraction(x)


def _contains(ball, value) -> bool:
    """``value`` (an mpmath number at 60 digits, or a Fraction) lies between the float ends."""
    lo, hi = balls.lower(ball), balls.upper(ball)
    v = Fraction(value) if isinstance(value, (int, Fraction)) else Fraction(*_ratio(value))
    slack = Fraction(1, 10**50)
    return Fraction(lo) <= v + slack and v - slack <= Fraction(hi)


def _ratio(x) -> tuple[int, int]:
    sign, man, exp, _ = mpmath.mpf(x)._mpf_
    man = -int(man) if sign else int(man)
    return (man * 2 ** int(exp), 1) if exp >= 0 else (man, 2 ** int(-exp))


# ---------------------------------------------------------------------------- back-end switch
def test_default_backend_is_arb_when_flint_is_installed():
    pytest.importorskip("flint")
    assert balls.backend() == "arb"
    assert BACKENDS == ("arb", "mpmath.iv")
    assert balls.tier_name() == "certified (balls)"
    assert balls.tier_name("x") == "certified (balls), x"


def test_use_backend_forces_mpmath_iv_and_restores():
    before = balls.backend()
    with balls.use_backend("mpmath.iv"):
        assert balls.backend() == "mpmath.iv"
        assert balls.tier_name() == "certified (balls)"  # the same name on both back-ends
        assert isinstance(balls.ball(0.5), mpmath.iv.mpf)
    assert balls.backend() == before


def _use_backend_rejects_unknown_names(bad):
    with pytest.raises(InvalidParameterError, match="^name: expected"), balls.use_backend(bad):
        pass  # pragma: no cover


def test_use_backend_rejects_unknown_names() -> None:
    """Use backend rejects unknown names: every case of the table."""
    check_every_case(_use_backend_rejects_unknown_names, product(["arb ", "iv", 3, None]))


def test_precision_sets_and_restores_both_backends():
    old = mpmath.iv.prec
    with balls.precision(200) as bits:
        assert bits == 200 and mpmath.iv.prec == 200
    assert mpmath.iv.prec == old
    with pytest.raises(InvalidParameterError, match="^bits: expected"), balls.precision(52):
        pass  # pragma: no cover


# ---------------------------------------------------------------------------- conversion
@both
@given(st.floats(allow_nan=False, allow_infinity=False))
@example(0.1)
@example(5e-324)
@example(-1.7976931348623157e308)
def test_floats_become_exact_points(backend, x):
    with balls.use_backend(backend), balls.precision():
        b = balls.ball(x)
        assert balls.lower(b) == x == balls.upper(b)


@both
@given(st.integers(-10**30, 10**30), st.integers(1, 10**12))
@example(1, 3)
@example(-2, 7)
def test_rationals_are_enclosed_with_outward_rounded_float_ends(backend, p, q):
    value = Fraction(p, q)
    with balls.use_backend(backend), balls.precision():
        for x in (value, sympy.Rational(p, q)):
            b = balls.ball(x)
            assert Fraction(balls.lower(b)) <= value <= Fraction(balls.upper(b))


def _other_exact_kinds_are_points(backend):
    with balls.use_backend(backend), balls.precision():
        for x, v in ((np.float64(0.1), 0.1), (np.int64(-7), -7), (sympy.Float(0.1), 0.1),
                     (sympy.Float(-0.1), -0.1), (mpmath.mpf(0.25), 0.25),
                     (mpmath.mpf(-0.25), -0.25), (mpmath.mpf(-3 * 2**70), -3 * 2**70),
                     (2**60 + 1, 2**60 + 1)):
            b = balls.ball(x)
            assert Fraction(balls.lower(b)) <= Fraction(v) <= Fraction(balls.upper(b))
        assert balls.ball(balls.ball(0.5)) is not None


def test_other_exact_kinds_are_points() -> None:
    """Other exact kinds are points, on every ball back-end."""
    check_every_case(_other_exact_kinds_are_points, product(BACKENDS))


#: Values of ``bad`` in :func:`test_ball_rejects_what_it_cannot_convert_exactly`.
NOT_CONVERTIBLE = (
    [math.nan, math.inf, -math.inf, "1", True, 1j, sympy.sqrt(2),
     None, [1.0]]
)


def _ball_rejects_what_it_cannot_convert_exactly(bad):
    with pytest.raises(InvalidParameterError, match="^x: expected"):
        balls.ball(bad)


def test_ball_rejects_what_it_cannot_convert_exactly() -> None:
    """Ball rejects what it cannot convert exactly: every case of ``NOT_CONVERTIBLE``."""
    check_every_case(
        _ball_rejects_what_it_cannot_convert_exactly,
        product(NOT_CONVERTIBLE))


def _complex_balls(backend):
    with balls.use_backend(backend), balls.precision():
        z = balls.cball(sympy.Rational(3, 4) + sympy.I * sympy.Rational(1, 2))
        w = balls.cball(0.5 - 2j)
        assert _contains(abs(z), mpmath.sqrt(mpmath.mpf(13) / 16))
        p = z * w
        assert _contains(p.re, Fraction(3, 8) + 1) and _contains(p.im, Fraction(1, 4) - 1.5)
        s = (1 - z) + w - 2
        assert _contains(s.re, 1 - Fraction(3, 4) + Fraction(1, 2) - 2)
        assert _contains(s.im, -Fraction(1, 2) - 2)
        assert balls.lower((-w).im) == 2.0
        assert balls.upper(balls.absolute(balls.cball(3.0))) == 3.0
        assert "CBall" in repr(w)


def test_complex_balls() -> None:
    """Complex balls, on every ball back-end."""
    check_every_case(_complex_balls, product(BACKENDS))


#: Values of ``bad`` in :func:`test_cball_rejects_non_numbers`.
NOT_COMPLEX_NUMBERS = [sympy.sqrt(2) * sympy.I, complex(math.nan, 0), "z", None]


def _cball_rejects_non_numbers(bad):
    with pytest.raises(InvalidParameterError, match="^(z|x): expected"):
        balls.cball(bad)


def test_cball_rejects_non_numbers() -> None:
    """Cball rejects non numbers: every case of ``NOT_COMPLEX_NUMBERS``."""
    check_every_case(_cball_rejects_non_numbers, product(NOT_COMPLEX_NUMBERS))


def test_balls_converts_arrays_entrywise_and_rejects_nan():
    out = balls.balls(np.array([[0.5, 2.0]]))
    assert out.shape == (1, 2) and balls.lower(out[0, 1]) == 2.0
    assert isinstance(balls.balls([1 + 1j], complex_=True)[0], balls.CBall)
    with pytest.raises(InvalidParameterError, match="^x: expected"):
        balls.balls([1.0, math.nan])


# ---------------------------------------------------------------------------- ends, straddling
def _a_ball_straddling_zero_has_a_negative_lower_end(backend):
    with balls.use_backend(backend), balls.precision():
        third = balls.ball(1) / 3
        zero = third * 3 - 1
        assert balls.lower(zero) < 0 <= balls.upper(zero) or balls.lower(zero) == 0
        ratio = balls.log10_ratio(third, third)  # log10(x/x) = 0 exactly, as a ball
        assert balls.lower(ratio) < 0 < balls.upper(ratio)


def test_a_ball_straddling_zero_has_a_negative_lower_end() -> None:
    """The certified verdict reads the lower end: a true margin of 0 computed inexactly is a
    ball around 0, never rounded into a pass."""
    check_every_case(_a_ball_straddling_zero_has_a_negative_lower_end, product(BACKENDS))


def _log10_ratio_edge_cases(backend):
    with balls.use_backend(backend), balls.precision():
        assert balls.lower(balls.log10_ratio(1.0, 0.0)) == math.inf  # measured exactly 0
        assert balls.lower(balls.log10_ratio(0.0, 1.0)) == -math.inf  # bound 0: undecided
        assert balls.lower(balls.log10_ratio(-1.0, 1.0)) == -math.inf
        assert balls.lower(balls.log10_ratio(balls.unbounded(), 1.0)) == -math.inf
        m = balls.log10_ratio(100.0, 1.0)
        assert math.nextafter(2, 0) <= balls.lower(m) <= 2 <= balls.upper(m) <= math.nextafter(2, 3)
        assert balls.lower(balls.unbounded()) == -math.inf
        assert balls.upper(balls.unbounded()) == math.inf


def test_log10_ratio_edge_cases() -> None:
    """Log10 ratio edge cases, on every ball back-end."""
    check_every_case(_log10_ratio_edge_cases, product(BACKENDS))


# ---------------------------------------------------------------------------- functions
_MP = {"exp": mpmath.exp, "sin": mpmath.sin, "cos": mpmath.cos, "tanh": mpmath.tanh,
       "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)), "relu": lambda x: max(x, 0),
       "hardtanh": lambda x: min(max(x, -1), 1)}


@both
@given(st.floats(-30, 30), st.sampled_from(sorted(_MP)))
@example(0.0, "relu")
@example(-1.0, "hardtanh")
@example(1e-300, "tanh")
@example(1.175494351e-38, "tanh")  # mpmath.iv.exp alone misses e^{2x} here by one ulp
def test_functions_enclose_the_true_value(backend, x, name):
    with balls.use_backend(backend), balls.precision(), mpmath.workdps(60):
        assert _contains(getattr(balls, name)(x), _MP[name](mpmath.mpf(x)))


@both
@given(st.floats(1e-300, 1e300))
@example(1.0)
@example(10.0)
def test_log_sqrt_power_enclose_the_true_value(backend, x):
    with balls.use_backend(backend), balls.precision(), mpmath.workdps(60):
        v = mpmath.mpf(x)
        assert _contains(balls.log(x), mpmath.log(v))
        assert _contains(balls.log10(x), mpmath.log10(v))
        assert _contains(balls.sqrt(x), mpmath.sqrt(v))
        assert _contains(balls.power(x, Fraction(1, 3)), mpmath.cbrt(v))


def _log_and_sqrt_of_non_positive_balls(backend):
    with balls.use_backend(backend), balls.precision():
        assert balls.lower(balls.log(0.0)) == -math.inf
        assert balls.lower(balls.sqrt(-1.0)) == -math.inf
        tiny = balls.ball(1) / 3 * 3 - 1  # straddles 0: the root of its non-negative part
        assert -1e-25 < balls.lower(balls.sqrt(tiny)) <= 0 < balls.upper(balls.sqrt(tiny))
        assert balls.lower(balls.sqrt(balls.unbounded())) == -math.inf


def test_log_and_sqrt_of_non_positive_balls() -> None:
    """Log and sqrt of non positive balls, on every ball back-end."""
    check_every_case(_log_and_sqrt_of_non_positive_balls, product(BACKENDS))


def _max_min_abs_norm(backend):
    with balls.use_backend(backend), balls.precision():
        assert balls.lower(balls.maximum(-1.0, 2.0)) == 2.0
        assert balls.upper(balls.minimum(-1.0, 2.0)) == -1.0
        assert balls.lower(balls.absolute(-3.0)) == 3.0
        assert balls.lower(balls.norm2([3.0, 4.0])) <= 5 <= balls.upper(balls.norm2([3.0, 4.0]))
        assert balls.upper(balls.norm2([balls.cball(3j), 4.0])) >= 5
        straddle = balls.ball(1) / 3 * 3 - 1
        assert balls.lower(balls.relu(straddle)) >= -1e-30


def test_max_min_abs_norm() -> None:
    """Max min abs norm, on every ball back-end."""
    check_every_case(_max_min_abs_norm, product(BACKENDS))


def _matvec_and_its_shape_check(backend):
    with balls.use_backend(backend), balls.precision():
        M, v = balls.balls([[1.0, 2.0], [3.0, 4.0]]), balls.balls([1.0, -1.0])
        assert [balls.lower(x) for x in balls.matvec(M, v)] == [-1.0, -1.0]
        assert [balls.lower(x) for x in balls.matvec(v, v, diagonal=True)] == [1.0, 1.0]
        with pytest.raises(InvalidParameterError, match="^M: expected"):
            balls.matvec(M, balls.balls([1.0]))


def test_matvec_and_its_shape_check() -> None:
    """Matvec and its shape check, on every ball back-end."""
    check_every_case(_matvec_and_its_shape_check, product(BACKENDS))


# ---------------------------------------------------------------------------- stacks
#: Values of ``activation`` in :func:`test_run_stack_encloses_the_exact_run_and_agrees_with_float`.
STACK_ACTIVATIONS = ["tanh", "relu", "sigmoid", "hardtanh", "identity"]


def _run_stack_encloses_the_exact_run_and_agrees_with_float(backend, activation):
    rng = np.random.default_rng(3)
    layers = [random_stable_layer(rng, 2, 3, 2, 0.9, dense=True, feedthrough=True, bias=True),
              random_stable_layer(rng, 2, 2, 1, 0.8, dense=False, feedthrough=False,
                                  bias=True)]
    stack = SSMStack(layers, activation)
    x = rng.standard_normal((2, 6, 2))
    with balls.use_backend(backend), balls.precision():
        y = balls.run_stack(stack, x)
        assert y.shape == (2, 6, 1)
        for j in range(2):
            ref = stack.run(x[j])
            for t in range(6):
                lo, hi = balls.lower(y[j, t, 0]), balls.upper(y[j, t, 0])
                assert hi - lo <= 2 * math.ulp(max(abs(lo), abs(hi)))
                assert abs(ref[t, 0] - lo) <= 1e-12 * (1 + abs(ref[t, 0]))


def test_run_stack_encloses_the_exact_run_and_agrees_with_float() -> None:
    """Run stack encloses the exact run and agrees with float: every back-end ×
    ``STACK_ACTIVATIONS``."""
    check_every_case(
        _run_stack_encloses_the_exact_run_and_agrees_with_float,
        product(BACKENDS, STACK_ACTIVATIONS))


def test_run_stack_is_exact_for_a_linear_stack_of_dyadic_numbers():
    stack = SSMStack([SSMLayer([0.5], [[1.0]], [[2.0]])], "identity")
    y = balls.run_stack(stack, np.ones((3, 1)))
    assert [balls.lower(v[0]) for v in y] == [2.0, 3.0, 3.5]
    assert [balls.upper(v[0]) for v in y] == [2.0, 3.0, 3.5]


def test_run_stack_rejects_bad_input():
    from theory.activations import custom_activation

    stack = SSMStack([SSMLayer([0.5], [[1.0]], [[2.0]])], "identity")
    with pytest.raises(InvalidParameterError, match="^x: expected"):
        balls.run_stack(stack, np.ones((3, 2)))
    with pytest.raises(InvalidParameterError, match="^stack: expected"):
        balls.run_stack("stack", np.ones((3, 1)))
    odd = custom_activation(lambda v: np.maximum(v, 0) if isinstance(v, np.ndarray)
                            else max(v, 0), 1.0, name="relu")
    with pytest.raises(InvalidParameterError, match="^stack: expected"):
        balls.run_stack(SSMStack(stack.layers, odd), np.ones((3, 1)))


def test_both_backends_give_the_same_ends_to_high_accuracy():
    if len(BACKENDS) < 2:
        pytest.skip("python-flint (extra 'fast') is not installed")
    ends = []
    for backend in BACKENDS:
        with balls.use_backend(backend), balls.precision():
            v = balls.tanh(balls.ball(0.3)) * balls.exp(balls.ball(-1.5)) + balls.ball(
                Fraction(1, 7))
            ends.append((balls.lower(v), balls.upper(v)))
    assert abs(ends[0][0] - ends[1][0]) <= 2e-16 and abs(ends[0][1] - ends[1][1]) <= 2e-16


def test_mpmath_iv_exp_needs_the_guard():
    """The case behind ``IV_GUARD_BITS``: bare ``iv.exp`` at 128 bits excludes the true value;
    the guarded ``balls.exp`` contains it (at 400 bits of reference)."""
    x = 2 * 1.175494351e-38
    with mpmath.workprec(400):
        true = mpmath.exp(mpmath.mpf(x))
    with balls.use_backend("mpmath.iv"), balls.precision(128):
        bare = mpmath.iv.exp(mpmath.iv.mpf(x))
        with mpmath.workprec(400):
            assert not balls._iv_end(bare, True) <= true <= balls._iv_end(bare, False)
            assert _contains(balls.exp(x), true)
