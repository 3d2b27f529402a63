"""Tests of theory.conventions against scipy.signal.dlsim and a direct same-step simulation.

Outputs are compared within ``tolerance(FLOAT, scale)`` where ``scale`` is an a-priori bound
of the rounding error growth of a linear recurrence (see :func:`_error_scale`).
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from bad_input_cases import check_every_case
from hypothesis import strategies as st
from strategies import control_systems, example_budgets, run_examples

from theory.conventions import from_control, to_control
from theory.numbers import InvalidParameterError, NumberKind, tolerance


def simulate_same_step(A, B, C, D, x):
    """The suite's convention, step by step: h_t = A h_{t-1} + B x_t, y_t = C h_t + D x_t."""
    h = np.zeros(A.shape[0])
    ys = []
    for x_t in x:
        h = A @ h + B @ x_t
        ys.append(C @ h + D @ x_t)
    return np.array(ys)


def simulate_control(A, B, C, D, u):
    """scipy's control convention: s[k+1] = A s[k] + B u[k], y[k] = C s[k] + D u[k]."""
    from scipy.signal import dlsim  # not at collection: importing scipy.signal takes ~1 s

    _, y, _ = dlsim((A, B, C, D, 1.0), u)
    return np.asarray(y).reshape(len(u), C.shape[0])


def _error_scale(A, B, C, D, T):
    """``(Σ_j ‖C A^j‖)(‖A‖ Σ_s ‖A^s‖ ‖B‖ + ‖B‖ + ‖C‖ ‖B‖) + ‖D‖`` for inputs bounded by 1.

    A recurrence commits a local error ``≤ c ε (‖A‖ ‖h_t‖ + ‖B‖ ‖x_t‖)`` per step, which
    reaches the output through ``C A^j``; ``‖h_t‖ ≤ Σ_s ‖A^s‖ ‖B‖``. The products ``C A``,
    ``C B`` formed by a conversion add ``ε ‖C‖ ‖A‖``-sized errors of the same kind.
    """
    norm = lambda M: np.linalg.norm(M, 2)  # noqa: E731
    powers = [np.linalg.matrix_power(A, s) for s in range(T + 1)]
    through_C = sum(norm(C @ P) for P in powers) * (1 + norm(A))
    state = sum(norm(P) for P in powers) * norm(B)
    return through_C * (norm(A) * state + norm(B) + norm(C) * norm(B)) + norm(D)


def _assert_close(y, y_ref, scale):
    err = np.max(np.abs(y - y_ref)) if y.size else 0.0
    assert err <= tolerance(NumberKind.FLOAT, scale), (err, tolerance(NumberKind.FLOAT, scale))


def _inputs(T, d):
    unit = st.floats(-1, 1, allow_nan=False, allow_infinity=False)
    return st.lists(unit, min_size=T * d, max_size=T * d).map(
        lambda v: np.array(v, dtype=float).reshape(T, d))


# The property test below takes ~20 ms per example (mostly drawing the systems and inputs):
# a quarter of the profile's count in the default run, all of it under ``extended``.
_ROUTES = {
    # direction: (the reference simulation, the converted system's simulation)
    "to_control": (simulate_same_step, lambda sys, x: simulate_control(*to_control(*sys), x)),
    "from_control": (simulate_control, lambda sys, x: simulate_same_step(*from_control(*sys), x)),
}


@pytest.mark.parametrize("direction", list(_ROUTES))
@example_budgets(0.25)
def test_conversion_gives_the_same_map_under_dlsim(direction, examples):
    reference, converted = _ROUTES[direction]

    def check(data, T):
        A, B, C, D = data.draw(control_systems())
        x = data.draw(_inputs(T, B.shape[1]))
        _assert_close(converted((A, B, C, D), x), reference(A, B, C, D, x),
                      _error_scale(A, B, C, D, T))

    run_examples(examples, check, data=st.data(), T=st.integers(1, 25))


#: Values of ``A`` in :func:`test_from_control_handles_singular_A`.
SINGULAR_A_CASES = (
    [np.zeros((2, 2)), np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1e-300, 0], [0, 0.5]])]
)


def _from_control_handles_singular_A(A):
    B = np.array([[1.0], [2.0]])
    C = np.array([[3.0, -1.0]])
    D = np.array([[0.5]])
    u = np.array([[1.0], [-2.0], [0.25], [4.0], [0.0]])
    # the direct route C A^{-1} does not exist here; the augmented state needs no inverse
    y = simulate_same_step(*from_control(A, B, C, D), u)
    _assert_close(y, simulate_control(A, B, C, D, u), _error_scale(A, B, C, D, len(u)))
    assert np.array_equal(y[:1], D @ u[:1])  # y_1 = D x_1: the state is still zero


def test_from_control_handles_singular_A() -> None:
    """From control handles singular A: every case of ``SINGULAR_A_CASES``."""
    check_every_case(
        _from_control_handles_singular_A, product(SINGULAR_A_CASES))


@example_budgets(0.25)
def test_round_trips_keep_the_map(examples):
    def check(data, T):
        A, B, C, D = data.draw(control_systems())
        x = data.draw(_inputs(T, B.shape[1]))
        scale = _error_scale(A, B, C, D, T)
        # control → same-step → control (augmented state, same map under dlsim)
        _assert_close(simulate_control(*to_control(*from_control(A, B, C, D)), x),
                      simulate_control(A, B, C, D, x), scale)
        # same-step → control → same-step
        _assert_close(simulate_same_step(*from_control(*to_control(A, B, C, D)), x),
                      simulate_same_step(A, B, C, D, x), scale)

    run_examples(examples, check, data=st.data(), T=st.integers(1, 20))


_SMALL = (np.array([[0.5, 1.0], [0.0, -0.25]]), np.array([[1.0], [2.0]]),
          np.array([[1.0, 3.0]]), np.array([[0.5]]))


def test_to_control_formula_and_default_D():
    A, B, C, _ = _SMALL
    A2, B2, C2, D2 = to_control(A, B, C)
    assert np.array_equal(A2, A) and np.array_equal(B2, B)
    assert np.array_equal(C2, [[0.5, 0.25]])  # C A
    assert np.array_equal(D2, [[7.0]])  # C B + 0


def test_negative_control_the_unconverted_system_is_detected():
    A, B, C, _ = _SMALL
    D = np.zeros((1, 1))
    x = np.array([[1.0], [0.0], [-1.0]])
    y_ref = simulate_same_step(A, B, C, D, x)
    with pytest.raises(AssertionError):  # dlsim on (A, B, C, D) is a different map
        _assert_close(simulate_control(A, B, C, D, x), y_ref, _error_scale(A, B, C, D, 3))
    _assert_close(simulate_control(*to_control(A, B, C, D), x), y_ref,
                  _error_scale(A, B, C, D, 3))


def _expected_augmentation(A, B, C, D):
    """``from_control``'s documented output, built block by block (state dimension n + d)."""
    n, d = B.shape
    p = C.shape[0]
    return (np.block([[A, B], [np.zeros((d, n)), np.zeros((d, d))]]),
            np.vstack([np.zeros((n, d)), np.eye(d)]),
            np.hstack([C, np.zeros((p, d))]),
            D)


def _a_complex_matrix_is_kept_exactly(which):
    system = list(_SMALL)
    system[which] = system[which] * (1 - 2j)
    A, B, C, D = system
    expected = {to_control: (A, B, C @ A, C @ B + D),
                from_control: _expected_augmentation(A, B, C, D)}
    for convert, want in expected.items():
        got = convert(*system)
        for M, M_want in zip(got, want):
            assert np.array_equal(M, M_want), convert.__name__
    # the augmented system is one complex system: every matrix shares the common dtype
    assert [M.dtype for M in from_control(*system)] == [np.dtype(complex)] * 4


def test_a_complex_matrix_is_kept_exactly() -> None:
    """A complex matrix is kept exactly: every case of the table."""
    check_every_case(_a_complex_matrix_is_kept_exactly, product(range(4)))


def _real_and_integer_input_gives_float64(convert):
    integer = [np.array([[3, 0], [1, 3]]), np.array([[1], [1]]), np.array([[1, -2]]),
               np.array([[4]])]
    as_float = convert(*[M.astype(float) for M in integer])
    for M, M_float in zip(convert(*integer), as_float):
        assert M.dtype == np.float64 and np.array_equal(M, M_float)
    assert [M.dtype for M in convert(*_SMALL)] == [np.dtype(np.float64)] * 4


def test_real_and_integer_input_gives_float64() -> None:
    """Real and integer input gives float64: every case of the table."""
    check_every_case(_real_and_integer_input_gives_float64, product([to_control, from_control]))


_GOOD = (np.eye(2) * 0.5, np.ones((2, 1)), np.ones((1, 2)), np.zeros((1, 1)))


#: Values of ``index, bad, pattern`` of the test below.
BAD_SYSTEMS = [
    (0, np.ones((2, 3)), r"^A: expected a non-empty square matrix"),
    (0, np.ones(2), r"^A: expected a 2-D array"),
    (0, np.zeros((0, 0)), r"^A: expected a non-empty square"),
    (0, [[0.5, np.nan], [0, 0.5]], r"^A: entries must be finite"),
    (0, [["a", "b"], ["c", "d"]], r"^A: entries must be numbers"),
    (0, [[True, False], [False, True]], r"^A: entries must be numbers"),
    (0, [[0.5, 0], [0]], r"^A: not a rectangular array"),
    (1, np.ones((3, 1)), r"^B: expected shape \(2, d\)"),
    (1, np.ones((2, 0)), r"^B: expected shape \(2, d\)"),
    (1, [[np.nan], [0.0]], r"^B: entries must be finite"),
    (2, np.ones((1, 3)), r"^C: expected shape \(p, 2\)"),
    (2, np.ones((0, 2)), r"^C: expected shape \(p, 2\) with p >= 1"),
    (2, [[np.inf, 0]], r"^C: entries must be finite"),
    (3, np.zeros((2, 1)), r"^D: expected shape \(1, 1\)"),
    (3, np.zeros(1), r"^D: expected a 2-D array"),
]


def _bad_input_names_the_parameter(convert, index, bad, pattern):
    args = list(_GOOD)
    args[index] = bad
    with pytest.raises(InvalidParameterError, match=pattern):
        convert(*args)


def test_bad_input_names_the_parameter() -> None:
    """Bad input names the parameter: every case of ``BAD_SYSTEMS``."""
    cases = [(convert, index, bad, pattern)
             for convert in [to_control, from_control]
             for (index, bad, pattern) in BAD_SYSTEMS]
    check_every_case(_bad_input_names_the_parameter, cases)
