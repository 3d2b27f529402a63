"""Tight cases of theory.convolution that pin down what the broader tests leave loose.

Companion of ``tests/test_convolution.py`` (found by mutation testing, README "Mutation
testing"): every column of the conditioning table against an independent high-precision
reference, the node formulas, the full text of the error messages, the kind rules of the
realizations, and the boundaries of the bounds and grids. All cases are small.
"""

from __future__ import annotations

import math
import re

import mpmath
import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from strategies import smoke_and_full

from theory.convolution import (
    balanced_truncation,
    bernstein_exponential_sum,
    bernstein_l1_bound,
    bernstein_sup_bound,
    causal_convolution,
    chebyshev_nodes,
    exponential_sum_table,
    frequency_response,
    hankel_matrix,
    hinf_error,
    l1_error_norm,
    l2_exponential_fit,
    lagrange_inverse,
    uniform_nodes,
    vandermonde_realization,
    vandermonde_table,
)
from theory.layers import SSMLayer
from theory.numbers import InvalidParameterError, NumberKind, convert

R = sympy.Rational
TABLE_KEYS = ["T", "nodes", "cond2", "cond2_numpy", "max_coeff", "coeff_error_numpy_solve",
              "kernel_error_rounded_params"]


def _raises_exactly(message: str):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$")


# ------------------------------------------------------------------ direct convolution
def test_causal_convolution_of_a_short_input():
    # x shorter than twice the taps: every lag j < n contributes from t = j on
    y = causal_convolution([1.0, 10.0, 100.0], [[1.0], [2.0], [3.0]])
    assert y.dtype == np.float64 and y.tolist() == [[1.0], [12.0], [123.0]]
    y = causal_convolution([1.0, 10.0, 100.0, 1000.0], [[1.0], [2.0]])
    assert y.tolist() == [[1.0], [12.0]]
    exact = causal_convolution([R(1, 2), R(1, 3), R(1, 5)], [[R(1)], [R(2)]])
    assert exact.tolist() == [[R(1, 2)], [R(4, 3)]]
    assert all(isinstance(v, sympy.Rational) for v in exact.flat)


def test_causal_convolution_keeps_complex_taps():
    y = causal_convolution(np.array([1.0, 1j]), [[1.0], [2.0], [3.0]])
    assert y.dtype == np.complex128 and y[:, 0].tolist() == [1, 2 + 1j, 3 + 2j]


def test_causal_convolution_shapes_and_batches():
    taps = np.arange(12.0).reshape(2, 3, 2)  # d_out = 3, d_in = 2
    assert causal_convolution(taps, np.zeros((0, 2))).shape == (0, 3)
    assert causal_convolution(taps, np.zeros((4, 0, 2))).shape == (4, 0, 3)
    x = np.arange(10.0).reshape(5, 2)
    batch = causal_convolution(taps, np.stack([x, -x]))
    assert batch.shape == (2, 5, 3) and np.array_equal(batch[1], -batch[0])
    assert np.array_equal(batch[0], causal_convolution(taps, x))
    assert np.array_equal(batch[0][1], taps[0] @ x[1] + taps[1] @ x[0])


def test_causal_convolution_object_inputs():
    # an object array of floats is a float input; of mpmath numbers an mpmath one
    y = causal_convolution([1.0, 2.0], np.array([[1.0], [2.0]], dtype=object))
    assert y.dtype == np.float64 and y.tolist() == [[1.0], [4.0]]
    with mpmath.workdps(30):
        x = np.array([[mpmath.mpf(1) / 3], [mpmath.mpf(2)]], dtype=object)
        y = causal_convolution([1.0, 0.5], x)
        assert all(isinstance(v, mpmath.mpf) for v in y.flat)
        assert abs(y[1, 0] - (2 + mpmath.mpf(1) / 6)) < mpmath.mpf(10) ** -29
    with _raises_exactly("x: expected a number, got 'a'"):
        causal_convolution([1.0], np.array([["a"]], dtype=object))


def test_causal_convolution_refuses_mixed_kinds():
    with _raises_exactly("taps: exact (sympy) numbers mixed with float numbers in x; convert "
                         "them to one kind first (sympy.Rational for exact, mpmath.mpf for high "
                         "precision)"):
        causal_convolution([R(1, 2)], [[1.0]])
    with _raises_exactly("x: exact (sympy) numbers mixed with float numbers in taps; convert "
                         "them to one kind first (sympy.Rational for exact, mpmath.mpf for high "
                         "precision)"):
        causal_convolution([0.5], [[R(1, 2)]])
    with _raises_exactly("x: expected shape (..., n, 1), got (3,)"):
        causal_convolution([0.5], [1.0, 2.0, 3.0])
    with pytest.raises(InvalidParameterError, match=r"^x: not a rectangular array \("):
        causal_convolution([0.5], [[1.0], [1.0, 2.0]])
    with _raises_exactly("x: entries must be numbers, got dtype <U1"):
        causal_convolution([0.5], [["a"]])


def test_float_realizations_round_exact_and_mpmath_taps():
    exact = hankel_matrix([R(1, 2), R(1, 3)])
    assert exact.dtype == np.float64
    assert np.array_equal(exact, hankel_matrix([0.5, 1 / 3]))
    with mpmath.workdps(30):
        mp = hankel_matrix([mpmath.mpf(1) / 2, mpmath.mpf(1) / 3])
    assert mp.dtype == np.float64 and np.array_equal(mp, exact)
    with _raises_exactly("taps: exact (sympy) numbers mixed with float numbers in taps; convert "
                         "them to one kind first (sympy.Rational for exact, mpmath.mpf for high "
                         "precision)"):
        hankel_matrix([R(1, 2), 0.25])


def test_float_realizations_refuse_complex_taps():
    # the [0, π] grid and the B2 bounds are for real kernels: no silent real part
    for call in (lambda: hinf_error(np.array([1.0, 1j]), SSMLayer([0.0], [[1.0]], [[0.0]])),
                 lambda: hankel_matrix(np.array([1.0, 1j])),
                 lambda: balanced_truncation(np.array([1.0, 0.5j]), 1)):
        with _raises_exactly("taps: expected real taps, got complex entries"):
            call()


# ------------------------------------------------------------------ nodes
def test_chebyshev_nodes_values():
    with mpmath.workdps(30):
        nodes = chebyshev_nodes(3)
        assert nodes.dtype == object and all(isinstance(v, mpmath.mpf) for v in nodes)
        expected = [mpmath.sqrt(3) / 2, 0, -mpmath.sqrt(3) / 2]
        assert all(abs(v - e) < mpmath.mpf(10) ** -29 for v, e in zip(nodes, expected))
        one = chebyshev_nodes(1)  # cos(π/2): the single node is 0
        assert one.shape == (1,) and abs(one[0]) < mpmath.mpf(10) ** -29


def test_uniform_nodes_values():
    assert list(uniform_nodes(4)) == [R(-3, 4), R(-1, 4), R(1, 4), R(3, 4)]
    assert list(uniform_nodes(1)) == [0]


# ------------------------------------------------------------------ Lagrange inverse
def _vandermonde(nodes) -> np.ndarray:
    return np.array([[v ** s for v in nodes] for s in range(len(nodes))], dtype=object)


def test_lagrange_inverse_exact_for_asymmetric_nodes():
    # asymmetric nodes: Π (z + λ_j) differs from Π (z - λ_j) (uniform nodes are symmetric)
    nodes = [R(1, 2), R(1, 3), R(-1, 5), R(7, 8)]
    L = lagrange_inverse(nodes)
    assert L.dtype == object and all(isinstance(v, sympy.Rational) for v in L.flat)
    assert np.all(L @ _vandermonde(nodes) == np.eye(4, dtype=int))


@pytest.mark.parametrize("nodes", [[0, 1, -1], [2, 3, 5, -4], [sympy.I, -sympy.I, 1]],
                         ids=["integers", "integers-2", "gaussian-integers"])
def test_lagrange_inverse_of_integer_nodes_is_rational(nodes):
    # integer nodes lie in ZZ (or ZZ[i]), where the Lagrange quotients are not exact: the
    # inverse lives in the field of fractions
    nodes = [sympy.sympify(v) for v in nodes]
    L = lagrange_inverse(nodes)
    assert np.all(L @ _vandermonde(nodes) == np.eye(len(nodes), dtype=int))
    assert L.dtype == object and all(isinstance(v, sympy.Expr) for v in L.flat)


def test_lagrange_inverse_messages_are_exact():
    with _raises_exactly("nodes: expected a 1-dimensional array, got shape ()"):
        lagrange_inverse(0.5)
    with _raises_exactly("nodes: exact (sympy) numbers mixed with float numbers in nodes; "
                         "convert them to one kind first (sympy.Rational for exact, mpmath.mpf "
                         "for high precision)"):
        lagrange_inverse([R(1, 2), 0.25])


def test_lagrange_inverse_single_node_in_every_kind():
    assert lagrange_inverse([R(1, 2)]).tolist() == [[1]]
    one = lagrange_inverse([0.5])
    assert one.dtype == np.float64 and one.tolist() == [[1.0]]
    mp = lagrange_inverse([mpmath.mpf("0.5")])
    assert mp.dtype == object and isinstance(mp[0, 0], mpmath.mpf) and mp[0, 0] == 1


def test_lagrange_inverse_float_and_mpmath_nodes():
    nodes = [0.1, 0.2, 0.3, 0.7, -0.45]
    exact = lagrange_inverse(convert(nodes, NumberKind.EXACT))
    L = lagrange_inverse(nodes)
    assert L.dtype == np.float64
    assert np.allclose(L, convert(exact, NumberKind.FLOAT), rtol=1e-11, atol=0)
    with mpmath.workdps(40):  # float arithmetic whatever the mpmath precision
        assert np.array_equal(lagrange_inverse(nodes), L)
        mp = lagrange_inverse(convert(nodes, NumberKind.MPMATH))
        assert all(isinstance(v, mpmath.mpf) for v in mp.flat)
        assert all(abs(a - b) < mpmath.mpf(10) ** -35 * (1 + abs(b))
                   for a, b in zip(mp.flat, convert(exact, NumberKind.MPMATH).flat))


def test_lagrange_inverse_near_the_top_of_the_float_range():
    # the coefficient of z in Π (z - λ_j) is about 1.1e308 here: any extra factor overflows
    nodes = [1e154, 1.1e154, 1.0]
    L = lagrange_inverse(nodes)
    ref = convert(lagrange_inverse(convert(nodes, NumberKind.EXACT)), NumberKind.FLOAT)
    assert np.all(np.isfinite(L))
    assert np.max(np.abs(L - ref)) <= 1e-12 * np.max(np.abs(ref))  # normwise: 1/λ_i cancels


# ------------------------------------------------------------------ the conditioning table
def _reference_rows(T: int, taps: list) -> list[dict]:
    """The table's two rows for ``T`` computed independently: sympy's exact LU solve for the
    uniform nodes, mpmath's at 120 digits for the Chebyshev nodes (rounded to float64 by
    ``convert``, as the table does, so that the float64 columns see the same inputs)."""
    rows = []
    for name in ("uniform", "chebyshev"):
        if name == "uniform":
            lam = [R(2 * i + 1, T) - 1 for i in range(T)]
            V = sympy.Matrix([[v ** s for v in lam] for s in range(T)])
            c, Vinv = list(V.LUsolve(sympy.Matrix(taps))), V.inv()
        else:
            with mpmath.workdps(120):
                lam = [mpmath.cos((2 * i + 1) * mpmath.pi / (2 * T)) for i in range(T)]
                V = mpmath.matrix([[v ** s for v in lam] for s in range(T)])
                c = list(mpmath.lu_solve(V, mpmath.matrix([mpmath.mpf(t.p) / t.q
                                                           for t in taps])))
                Vinv = mpmath.inverse(V)
        lam_f, c_f, rho_f = (convert(np.array(v, dtype=object), NumberKind.FLOAT)
                             for v in (lam, c, taps))
        Vinv_f = convert(np.array([[Vinv[i, j] for j in range(T)] for i in range(T)],
                                  dtype=object), NumberKind.FLOAT)
        with mpmath.workdps(120):
            realized = [mpmath.fsum(mpmath.mpf(ci) * mpmath.mpf(li) ** s
                                    for ci, li in zip(c_f, lam_f)) for s in range(T)]
            kernel_err = max(abs(realized[s] - mpmath.mpf(t.p) / t.q)
                             for s, t in enumerate(taps))
        V_f = lam_f[None, :] ** np.arange(T)[:, None]
        rows.append({
            "T": T,
            "nodes": name,
            "cond2": np.linalg.norm(V_f, 2) * np.linalg.norm(Vinv_f, 2),
            "cond2_numpy": np.linalg.cond(V_f),
            "max_coeff": np.max(np.abs(c_f)),
            "coeff_error_numpy_solve": np.max(np.abs(np.linalg.solve(V_f, rho_f) - c_f))
            / np.max(np.abs(c_f)),
            "kernel_error_rounded_params": float(kernel_err) / np.max(np.abs(rho_f)),
        })
    return rows


def _assert_rows_match(rows: list[dict], reference: list[dict]) -> None:
    assert len(rows) == len(reference)
    for row, ref in zip(rows, reference):
        assert list(row) == TABLE_KEYS
        assert row["T"] == ref["T"] and row["nodes"] == ref["nodes"]
        for key in TABLE_KEYS[2:]:
            assert isinstance(row[key], float), key
            assert row[key] == pytest.approx(ref[key], rel=1e-6, abs=1e-300), (ref, key)


def test_vandermonde_table_geometric_taps_match_reference():
    rows = vandermonde_table((3, 5))
    reference = [r for T in (3, 5) for r in _reference_rows(T, [R(9, 10) ** s
                                                                for s in range(T)])]
    _assert_rows_match(rows, reference)


def test_vandermonde_table_random_taps_match_reference():
    rows = vandermonde_table((3, 4), rng=np.random.default_rng(11))
    draw = np.random.default_rng(11)
    reference = []
    for T in (3, 4):
        taps = [R(int(v * 1000), 1000) for v in draw.standard_normal(T)]
        assert len(set(taps)) == T and all(t.q > 1 for t in taps)  # not integers, not constant
        reference += _reference_rows(T, taps)
    _assert_rows_match(rows, reference)


def _kernel_error(lam_f: np.ndarray, c_f: np.ndarray, taps: list) -> float:
    """Relative kernel error of float nodes and coefficients, evaluated at 120 digits."""
    with mpmath.workdps(120):
        err = max(abs(mpmath.fsum(mpmath.mpf(c) * mpmath.mpf(v) ** s for c, v in zip(c_f, lam_f))
                      - mpmath.mpf(t.p) / t.q) for s, t in enumerate(taps))
    return float(err) / max(abs(float(t)) for t in taps)


# smoke: T = 24, where the uniform coefficients reach ~3e3 and the uniform kernel error is
# ~490 times the Chebyshev one (the full case, T = 40, is the one that needs the 50 + T digits)
@pytest.mark.parametrize("case", smoke_and_full((24, 1e2), (40, 1e3)))
def test_vandermonde_table_kernel_error_needs_the_extra_digits(case):
    # T = 40, uniform nodes: the coefficients reach ~7e6 and cancel, so the realized kernel of
    # the rounded parameters must be evaluated with many more digits than float64 (50 + T);
    # the exact coefficients come from lagrange_inverse (an exact inverse, see
    # test_lagrange_inverse_is_exact_inverse), the Chebyshev ones from mpmath's LU solve
    T, ratio = case
    taps = [R(9, 10) ** s for s in range(T)]
    uniform, chebyshev = vandermonde_table((T,))
    lam_u = uniform_nodes(T)
    c_u = lagrange_inverse(lam_u) @ np.array(taps, dtype=object)
    with mpmath.workdps(120):
        lam_c = [mpmath.cos((2 * i + 1) * mpmath.pi / (2 * T)) for i in range(T)]
        V = mpmath.matrix([[v ** s for v in lam_c] for s in range(T)])
        c_c = list(mpmath.lu_solve(V, mpmath.matrix([mpmath.mpf(t.p) / t.q for t in taps])))
    for row, lam, c in ((uniform, lam_u, c_u), (chebyshev, lam_c, c_c)):
        lam_f, c_f = (convert(np.array(v, dtype=object), NumberKind.FLOAT) for v in (lam, c))
        assert row["max_coeff"] == pytest.approx(np.max(np.abs(c_f)), rel=1e-12)
        assert row["kernel_error_rounded_params"] == pytest.approx(
            _kernel_error(lam_f, c_f, taps), rel=1e-6)
    assert uniform["kernel_error_rounded_params"] > ratio * chebyshev["kernel_error_rounded_params"]


# ------------------------------------------------------------------ realizations: kinds, shapes
def test_vandermonde_realization_refuses_mixed_kinds():
    with _raises_exactly("taps: exact (sympy) numbers mixed with float numbers in nodes; "
                         "convert them to one kind first (sympy.Rational for exact, mpmath.mpf "
                         "for high precision)"):
        vandermonde_realization([R(1, 2), 1], [0.5, 0.25])
    with _raises_exactly("nodes: exact (sympy) numbers mixed with float numbers in taps; "
                         "convert them to one kind first (sympy.Rational for exact, mpmath.mpf "
                         "for high precision)"):
        vandermonde_realization([0.5, 1.0], [R(1, 2), R(1, 4)])


def test_vandermonde_realization_mpmath_nodes_with_float_taps():
    taps = np.array([1.0, -0.5, 0.25])
    with mpmath.workdps(30):
        layer = vandermonde_realization(taps, chebyshev_nodes(3))
        assert layer.kind is NumberKind.MPMATH
        assert all(isinstance(v, mpmath.mpf) for v in layer.C.flat)
        K = layer.kernel(3)[:, 0, 0]
        assert all(abs(k - t) < mpmath.mpf(10) ** -28 for k, t in zip(K, taps))


def test_vandermonde_realization_needs_a_1d_node_array():
    with _raises_exactly("nodes: expected a 1-dimensional array, got shape ()"):
        vandermonde_realization([1.0], 0.5)


def test_vandermonde_realization_refuses_a_node_on_the_unit_circle():
    for nodes in ([1.0, 0.5], [0.5, -1.0]):
        with _raises_exactly("nodes: expected moduli < 1 (a stable diagonal layer)"):
            vandermonde_realization([1.0, 0.5], nodes)


# ------------------------------------------------------------------ exponential sums
def _expsum():
    return bernstein_exponential_sum(lambda t: mpmath.exp(-2 * t), 1.0, 2, 0)


def test_exponential_sum_layer_is_single_input():
    layer = _expsum().layer()
    assert layer.U.shape == (3, 1) and layer.d_in == 1 and layer.d_out == 1
    assert layer.C.shape == (1, 3)


def _ramp_step(t):
    """``min(t, 1)`` on ``[0, 10)``, ``0`` beyond: a kink at 1 and a jump at 10."""
    return mpmath.mpf(0) if t >= 10 else min(t, mpmath.mpf(1))


def _ramp_step_fit(rates) -> list:
    """The L² projection of :func:`_ramp_step` on ``e^{-r t}`` in closed form."""
    def moment(r):  # ∫_0^1 t e^{-rt} dt + ∫_1^10 e^{-rt} dt
        return (1 - mpmath.exp(-r) * (1 + r)) / r**2 + (mpmath.exp(-r) - mpmath.exp(-10 * r)) / r
    G = mpmath.matrix([[1 / (a + b) for b in rates] for a in rates])
    return list(mpmath.lu_solve(G, mpmath.matrix([moment(r) for r in rates])))


def test_l2_exponential_fit_matches_the_closed_form():
    for rates in ([mpmath.mpf(1)], [mpmath.mpf(1), mpmath.mpf(2)]):
        fit = l2_exponential_fit(_ramp_step, rates)
        assert fit.dtype == object and len(fit) == len(rates)
        assert all(abs(a - b) <= 1e-11 * abs(b) for a, b in zip(fit, _ramp_step_fit(rates)))
    # a kernel in the span is reproduced: e^{-t} on the rates (1, 3) has coefficients (1, 0)
    fit = l2_exponential_fit(lambda t: mpmath.exp(-t), [1.0, 3.0])
    assert abs(fit[0] - 1) < 1e-12 and abs(fit[1]) < 1e-12


def test_l2_exponential_fit_keeps_the_rates_precision():
    with mpmath.workdps(30):
        rates = [mpmath.mpf(1) / 3, mpmath.mpf(2) / 3]  # not float64 numbers
        fit = l2_exponential_fit(_ramp_step, rates)
        ref = _ramp_step_fit(rates)
        assert all(abs(a - b) <= mpmath.mpf(10) ** -25 * abs(b) for a, b in zip(fit, ref))


def test_l2_exponential_fit_refuses_a_zero_rate():
    with pytest.raises(InvalidParameterError, match="^rates: expected a finite real number > 0"):
        l2_exponential_fit(_ramp_step, [0.0, 1.0])
    with _raises_exactly("rates: expected distinct rates (the Gram matrix is singular "
                         "otherwise)"):
        l2_exponential_fit(_ramp_step, [1.0, 1.0])
    with _raises_exactly("rates: expected a 1-dimensional array, got shape (1, 2)"):
        l2_exponential_fit(_ramp_step, [[1.0, 2.0]])
    with _raises_exactly("rates: expected a 1-dimensional array, got shape ()"):
        l2_exponential_fit(_ramp_step, 1.0)
    with _raises_exactly("rates: exact (sympy) numbers mixed with float numbers in rates; "
                         "convert them to one kind first (sympy.Rational for exact, mpmath.mpf "
                         "for high precision)"):
        l2_exponential_fit(_ramp_step, [R(1), 2.0])


def _never_called(t):
    raise AssertionError("the kernel was evaluated before the parameters were checked")


#: Arguments of exponential_sum_table that are refused, each with its exact message.
TABLE_BAD_ARGS = [
    ((3, 0.5, 0, 1.0), "rho: the kernel must be callable, got 3"),
    ((_never_called, 0.0, 0, 1.0), "alpha: expected a finite real number > 0, got 0.0"),
    ((_never_called, 0.5, math.nan, 1.0), "g_at_zero: expected a finite real number, got nan"),
    ((_never_called, 0.5, 0, -1.0), "lipschitz: expected a finite real number >= 0, got -1.0"),
    ((_never_called, 0.5, 0, 1.0, ()), "degrees: expected a non-empty sequence, got ()"),
    ((_never_called, 0.5, 0, 1.0, 3), "degrees: expected a non-empty sequence, got 3"),
    ((_never_called, 0.5, 0, 1.0, (2, 0)), "degrees: expected an integer >= 1, got 0"),
]


def test_exponential_sum_table_checks_before_evaluating_the_kernel():
    failures = wrong_error_reports(
        (f"args {args!r}", lambda args=args: exponential_sum_table(*args), InvalidParameterError,
         "^" + re.escape(message) + "$") for args, message in TABLE_BAD_ARGS)
    assert not failures, "\n".join(failures)


def test_exponential_sum_table_accepts_a_lipschitz_constant_below_1():
    # g(u) = u/2 (ρ(t) = e^{-2t}/2 at α = 1): L = 1/2, and B_1 g = g exactly
    with mpmath.workdps(20):
        (row,) = exponential_sum_table(lambda t: mpmath.exp(-2 * t) / 2, 1.0, 0, 0.5,
                                       degrees=[1])
    assert row["modes"] == 2 and row["l1_error"] < 1e-15
    assert row["l1_bound"] == pytest.approx(0.5 * math.pi / 8, rel=1e-15)


def test_exponential_sum_table_rows_in_closed_form():
    # ρ(t) = e^{-3t}, α = 1: g(u) = u² (L = 2). n = 1: B_1 g = u, a = (0, 1), ∫|u² - u| = 1/6;
    # n = 2: B_2 g = u/2 + u²/2, a = (0, 1/2, 1/2), ∫ u(1 - u)/2 = 1/12. The L² fits of e^{-3t}:
    # on the rates (1, 2) the Cauchy system gives (-3/10, 6/5); on (1, 2, 3) it is (0, 0, 1).
    rows = exponential_sum_table(lambda t: mpmath.exp(-3 * t), 1.0, 0, 2.0, degrees=(1, 2))
    expected = [
        {"modes": 2, "max_coeff": 1.0, "sum_abs_coeff": 1.0,
         "l1_bound": math.pi / (4 * math.sqrt(1)), "l1_error": 1 / 6, "l2_max_coeff": 1.2},
        {"modes": 3, "max_coeff": 0.5, "sum_abs_coeff": 1.0,
         "l1_bound": math.pi / (4 * math.sqrt(2)), "l1_error": 1 / 12, "l2_max_coeff": 1.0},
    ]
    assert [list(r) for r in rows] == [list(e) for e in expected]
    for row, exp in zip(rows, expected):
        assert row["modes"] == exp["modes"]
        for key in list(exp)[1:]:
            assert row[key] == pytest.approx(exp[key], rel=1e-9, abs=1e-12), key


def test_bernstein_exponential_sum_keeps_the_working_precision():
    # g(u) = u², n = 3: B_3 g = u/3 + 2u²/3; g(1/3) = 1/9 is not a float64 number
    with mpmath.workdps(30):
        es = bernstein_exponential_sum(lambda t: mpmath.exp(-3 * t), 1, 3, 0)
        expected = [0, mpmath.mpf(1) / 3, mpmath.mpf(2) / 3, 0]
        assert all(abs(c - e) < mpmath.mpf(10) ** -28 for c, e in zip(es.coefficients, expected))
        assert abs(es.bernstein_values[1] - mpmath.mpf(1) / 9) < mpmath.mpf(10) ** -28


def test_bernstein_exponential_sum_names_the_bad_kernel_value():
    # the first node is u = 1/n = 1/3, at t = ln(3)/α = 2.1972246 (8 significant digits)
    with _raises_exactly("rho(2.1972246): expected a finite real number, got mpf('nan')"):
        bernstein_exponential_sum(lambda t: mpmath.nan, 0.5, 3, 0)


def test_bernstein_sup_bound_refuses_a_negative_modulus():
    with _raises_exactly("modulus(1/sqrt(n)): expected a finite real number >= 0, got -1"):
        bernstein_sup_bound(4, modulus=lambda d: -1)


def test_exponential_sum_messages_are_exact():
    es = _expsum()
    with _raises_exactly("t: expected real entries >= 0"):
        es(np.array([1j]))
    with _raises_exactly("u: expected real entries in [0, 1]"):
        es.bernstein(np.array([0.5j]))
    with _raises_exactly("rho: the kernel must be callable, got 3"):
        l2_exponential_fit(3, [1.0])


# ------------------------------------------------------------------ frequency response
def test_frequency_response_messages_are_exact():
    layer = SSMLayer([0.0], [[1.0]], [[1.0]])
    with _raises_exactly("omegas: expected a 1-dimensional array, got shape ()"):
        frequency_response(layer, 0.5)
    with _raises_exactly("omegas: expected real frequencies"):
        frequency_response(layer, [0.5j])
    assert math.isclose(abs(frequency_response(layer, [0.0])[0, 0, 0]), 1.0)


# ------------------------------------------------------------------ layers: checks and l1 norm
def test_layer_messages_are_exact():
    unstable = SSMLayer([1.5], [[1.0]], [[1.0]], require_stable=False)
    with _raises_exactly("layer: must be stable (spectral radius 1.5 >= 1): its kernel is not "
                         "summable and its frequency response is not its kernel's transform"):
        frequency_response(unstable, [0.0])
    with _raises_exactly("layer: expected a discrete-time SSMLayer, got 'x'"):
        hinf_error([1.0], "x")
    with _raises_exactly("layer: expected (d_out, d_in) = (2, 1) to match the taps, got (1, 1)"):
        hinf_error(np.ones((2, 2, 1)), SSMLayer([0.5], [[1.0]], [[1.0]]))
    with _raises_exactly("min_gap: expected a relative gap < 1, got 1.0"):
        balanced_truncation([1.0, 0.5], 1, min_gap=1.0)


def test_l1_error_norm_is_tight_for_one_pole():
    # taps (1,) against K_s = 0.5^s: the error kernel is 0.5^s for s >= 1 (ℓ¹ norm 1).
    # ‖W^1‖ = 1/2 gives k = 1, H = T + 8k = 9; the tail bound 0.5^9 / (1 - 1/2) is exact.
    layer = SSMLayer([0.5], [[1.0]], [[1.0]])
    assert l1_error_norm([1.0], layer) == (1 - 2.0**-8, 2.0**-8)
    assert l1_error_norm([1.0], layer, horizon=3) == (0.75, 0.25)
    assert l1_error_norm([1.0], layer, horizon=1) == (0.0, 1.0)
    # a feed-through enters K_0 only: taps (1.25,) against D = 1/4 leave the same error
    with_d = SSMLayer([0.5], [[1.0]], [[1.0]], D=[[0.25]])
    assert l1_error_norm([1.25], with_d) == (1 - 2.0**-8, 2.0**-8)
    # W = 0.9: k = 7 (0.9^7 <= 1/2 < 0.9^6), H = 57, and the tail bound is again exact
    slow = SSMLayer([0.9], [[1.0]], [[1.0]])
    head, tail = l1_error_norm([1.0], slow)
    assert head == pytest.approx(sum(0.9**s for s in range(1, 57)), rel=1e-14)
    assert tail == pytest.approx(0.9**57 / 0.1, rel=1e-12)
    assert head + tail == pytest.approx(9.0, rel=1e-14)


def test_l1_error_norm_uses_the_induced_inf_norm():
    # 2 × 2 taps against the zero layer: Σ_s max row sum |ρ_s|
    taps = np.array([[[1.0, -2.0], [0.5, 0.5]], [[0.0, 0.0], [3.0, -1.0]]])
    zero = SSMLayer(np.zeros(1), np.zeros((1, 2)), np.zeros((2, 1)))
    head, tail = l1_error_norm(taps, zero)
    assert head == 3.0 + 4.0 and tail == 0.0


def _first_contraction(w: float, limit: int) -> int | None:
    """Least ``k <= limit`` with ``|w^k| <= 1/2``, the powers formed as ``l1_error_norm`` forms
    them for a 1 × 1 ``W`` (one float product per step, starting from 1)."""
    p = 1.0
    for k in range(1, limit + 1):
        p *= w
        if abs(p) <= 0.5:
            return k
    return None


@pytest.mark.extended  # l1_error_norm forms 1e5 powers before it refuses (about a second)
def test_l1_error_norm_gives_up_on_a_barely_contracting_layer():
    # w tuned so that w^100000 > 1/2 >= w^100001 in float products: the search may form
    # W^100000 (1e5 steps) and no further power, so this layer is refused
    w = 0.5 ** (1 / 100000.5)
    k = _first_contraction(w, 100001)
    while k != 100001:  # k grows with w (float products are monotone)
        w = math.nextafter(w, 0.0 if k is None else 1.0)
        k = _first_contraction(w, 100001)
    with _raises_exactly("layer: W does not contract within 1e5 steps"):
        l1_error_norm([1.0], SSMLayer([w], [[1.0]], [[1.0]]))


# ------------------------------------------------------------------ Bernstein sums, exactly
def test_bernstein_exponential_sum_coefficients_of_a_quadratic():
    # ρ(t) = e^{-3t}, α = 1: g(u) = u², B_2 g = u² + u(1 - u)/2 = u/2 + u²/2, so
    # ρ̂(t) = e^{-2t}/2 + e^{-3t}/2 (no e^{-t} term)
    es = bernstein_exponential_sum(lambda t: mpmath.exp(-3 * t), 1, 2, 0)
    assert list(es.rates) == [1, 2, 3] and es.alpha == 1
    assert list(es.bernstein_values) == [0, R(1, 4), 1]
    assert [float(c) for c in es.coefficients] == [0.0, 0.5, 0.5]
    t = np.array([0.0, 0.3, 2.0])
    assert np.allclose(es(t), (np.exp(-2 * t) + np.exp(-3 * t)) / 2, rtol=1e-15, atol=0)
    u = np.array([0.0, 0.25, 0.5, 1.0])
    assert np.allclose(es.bernstein(u), u**2 + u * (1 - u) / 2, rtol=1e-15, atol=0)


def test_bernstein_exponential_sum_scales_the_rates_by_alpha():
    # ρ(t) = e^{-2αt} with α = 1/2: g(u) = u is reproduced, ρ̂ = e^{-t} exactly
    es = bernstein_exponential_sum(lambda t: mpmath.exp(-t), 0.5, 3, 0)
    assert [float(r) for r in es.rates] == [0.5, 1.0, 1.5, 2.0] and es.modes == 4
    assert [round(float(c), 14) for c in es.coefficients] == [0.0, 1.0, 0.0, 0.0]
    t = np.array([0.0, 1.0, 4.0])
    assert np.allclose(es(t), np.exp(-t), rtol=1e-15, atol=0)
    layer = es.layer()
    assert np.allclose(layer.W_matrix(), -np.diag([0.5, 1.0, 1.5, 2.0]))
    # g(0) is the declared limit, not ρ evaluated anywhere
    declared = bernstein_exponential_sum(lambda t: mpmath.exp(-t), 0.5, 3, 0.25)
    assert declared.bernstein_values[0] == mpmath.mpf(0.25)


def test_bernstein_bounds_with_both_constants_take_the_smaller():
    n = 16
    assert bernstein_sup_bound(n, lipschitz=2.0) == 2.0 / 8
    assert bernstein_sup_bound(n, modulus=lambda d: 0.5 * d) == 1.25 * 0.5 / 4
    assert bernstein_sup_bound(n, lipschitz=2.0, modulus=lambda d: 0.5 * d) == 1.25 * 0.5 / 4
    assert bernstein_sup_bound(n, lipschitz=0.1, modulus=lambda d: 0.5 * d) == 0.1 / 8
    alpha = 2.0
    assert bernstein_l1_bound(n, alpha, lipschitz=2.0) == pytest.approx(
        2.0 / alpha * math.pi / (8 * 4), rel=1e-15)
    assert bernstein_l1_bound(n, alpha, lipschitz=2.0, modulus=lambda d: 0.01 * d) == \
        pytest.approx(1.25 * 0.01 / 4 / alpha, rel=1e-15)
    with _raises_exactly("modulus: expected a callable ω(δ), got 3"):
        bernstein_sup_bound(n, modulus=3)
    with _raises_exactly("lipschitz, modulus: declare a constant of g"):
        bernstein_l1_bound(n, alpha)
    with _raises_exactly("lipschitz, modulus: declare a constant of g"):
        bernstein_sup_bound(n)


def test_hankel_matrix_blocks_for_rectangular_taps():
    taps = np.arange(18.0).reshape(3, 2, 3) + 1  # T = 3, d_out = 2, d_in = 3
    H = hankel_matrix(taps)
    assert H.shape == (6, 9)
    for i in range(3):
        for j in range(3):
            block = taps[i + j] if i + j < 3 else np.zeros((2, 3))
            assert np.array_equal(H[2 * i:2 * i + 2, 3 * j:3 * j + 3], block)


def test_balanced_truncation_order_up_to_the_numerical_rank():
    # taps (1, a, 0, 0): H has singular values ≈ 1 and a² = 6.25e-16, below the rank threshold
    # σ_1 · max(H.shape) · ε = 8.9e-16 but above σ_1 ε / 4: the numerical rank is 1
    taps = [1.0, 2.5e-8, 0.0, 0.0]
    bt = balanced_truncation(taps, 1)  # order = rank is allowed
    assert bt.order == 1 and bt.layer.width == 1
    assert bt.bound == pytest.approx(2 * 2.5e-8**2, rel=1e-6)
    with _raises_exactly("order: expected an integer in [1, 1] (the numerical rank of H), got 2"):
        balanced_truncation(taps, 2)


def test_hinf_error_refines_around_the_largest_grid_values():
    # |1 - e^{-2iω}| = 2 |sin ω|; the grid 0, π/3, 2π/3, π sees √3, and a 257-point grid over
    # two cells around either peak contains π/2 exactly (at a quarter of it), where the gain is 2
    taps, zero = [1.0, 0.0, -1.0], SSMLayer([0.0], [[1.0]], [[0.0]])
    assert hinf_error(taps, zero, n_grid=4, refine=0) == pytest.approx(math.sqrt(3), rel=1e-14)
    assert hinf_error(taps, zero, n_grid=4, refine=1) == pytest.approx(2.0, rel=1e-14)
    assert hinf_error(taps, zero, n_grid=4, refine=9) == pytest.approx(2.0, rel=1e-14)


def test_balanced_truncation_refuses_a_cut_between_close_singular_values():
    # taps (0, 1): H = [[0, 1], [1, 0]] has the singular values 1, 1
    with _raises_exactly("order: the cut at 1 separates nearly equal Hankel singular values "
                         "1.0, 1.0"):
        balanced_truncation([0.0, 1.0], 1)
    assert balanced_truncation([0.0, 1.0], 1, min_gap=0.0).order == 1  # 0 < 0 is false
    # one 3 × 3 tap diag(4, 2, s): σ = (4, 2, s); the gap at the cut 2 is relative to σ_2 = 2
    taps = np.diag([4.0, 2.0, 1.9])[None]
    with _raises_exactly("order: the cut at 2 separates nearly equal Hankel singular values "
                         "2.0, 1.9"):
        balanced_truncation(taps, 2, min_gap=0.1)
    assert balanced_truncation(np.diag([4.0, 2.0, 1.5])[None], 2, min_gap=0.2).order == 2
    # the full order (no σ beyond the cut) is allowed and certifies a zero error
    full = balanced_truncation(np.diag([4.0, 2.0, 1.5])[None], 3)
    assert full.order == 3 and full.bound == 0.0
    assert balanced_truncation([1.0, 0.5], 2).order == 2


def test_frequency_response_includes_the_feed_through():
    layer = SSMLayer([0.0], [[1.0]], [[1.0]], D=[[0.25]])
    assert np.allclose(frequency_response(layer, [0.0, 1.0, np.pi])[:, 0, 0], 1.25,
                       rtol=1e-15, atol=0)
    one_pole = SSMLayer([0.5], [[1.0]], [[1.0]], D=[[-1.0]])  # 1 / (1 - e^{-iω}/2) - 1
    w = np.exp(-1j * 0.7)
    assert frequency_response(one_pole, [0.7])[0, 0, 0] == pytest.approx(1 / (1 - w / 2) - 1,
                                                                         rel=1e-14)


def test_hinf_error_uses_the_spectral_norm_and_its_defaults():
    # a 2 × 2 identity tap: spectral norm 1 (Frobenius √2)
    eye = np.eye(2)[None]
    zero = SSMLayer([0.0], np.zeros((1, 2)), np.zeros((2, 1)))
    assert hinf_error(eye, zero) == pytest.approx(1.0, rel=1e-15)
    taps, zero1 = [1.0, 0.3, -1.0, 0.2], SSMLayer([0.0], [[1.0]], [[0.0]])  # peak off-grid
    assert hinf_error(taps, zero1) == _documented_hinf(np.array(taps), 8192, 4)


def _documented_hinf(taps, n_grid, refine):
    """The point set hinf_error documents, evaluated independently for an FIR error."""
    def gain(om):
        return np.abs(np.exp(-1j * np.outer(om, np.arange(len(taps)))) @ taps)
    grid = np.pi * np.arange(n_grid) / (n_grid - 1)
    top = np.argsort(gain(grid))[n_grid - refine:]
    windows = [np.linspace(grid[max(i - 1, 0)], grid[min(i + 1, n_grid - 1)], 257) for i in top]
    return max(gain(om).max() for om in [grid, *windows])


def test_hinf_error_evaluates_the_documented_grid():
    # the gain of these taps peaks inside (0, π), near ω = 1.7617, off every grid: each
    # window shows in the result
    taps = np.array([1.0, 0.3, -1.0, 0.2])
    zero = SSMLayer([0.0], [[1.0]], [[0.0]])
    for n_grid, refine in ((16, 3), (40, 1), (7, 6), (13, 1)):
        assert hinf_error(taps, zero, n_grid=n_grid, refine=refine) == pytest.approx(
            _documented_hinf(taps, n_grid, refine), rel=1e-13)
    # n_grid = 3: the peak lies in the last cell (and, for the taps (-1)^s ρ_s, whose gain is
    # mirrored about π/2, in the first): the windows must reach the ends of [0, π]
    mirrored = taps * (-1.0) ** np.arange(4)
    for t in (taps, mirrored):
        assert hinf_error(t, zero, n_grid=3, refine=1) == pytest.approx(
            _documented_hinf(t, 3, 1), rel=1e-13)


def test_balanced_truncation_of_zero_taps_has_nothing_to_keep():
    with _raises_exactly("order: expected an integer in [1, 0] (the numerical rank of H), got 1"):
        balanced_truncation([0.0, 0.0], 1)


def test_exponential_sum_table_l1_error_at_a_kink():
    # the tent g(u) = -min(u, 1 - u): B_1 g = 0 and ∫|g| = 1/4; the kink at u = 1/2 is a panel
    # edge of the 512-panel rule, so the quadrature is exact: l1_error = 1/(4α)
    alpha = 0.5

    def tent(t):
        u = mpmath.exp(-alpha * t)
        return -u * min(u, 1 - u)

    (row,) = exponential_sum_table(tent, alpha, 0, 1.0, degrees=(1,))
    assert row["l1_error"] == pytest.approx(1 / (4 * alpha), rel=1e-13)
    assert row["max_coeff"] == 0.0 and row["sum_abs_coeff"] == 0.0


def _resonant_layer(theta: float, *broad: complex) -> SSMLayer:
    """A diagonal layer with a sharp resonance at ``ω = θ`` (pole ``(1 - 10^-4) e^{iθ}``, gain
    about ``10^4`` there and about ``1 / |ω - θ|`` away from it) and broad poles ``broad``."""
    poles = np.array([(1 - 1e-4) * np.exp(1j * theta), *broad])
    return SSMLayer(poles, np.ones((len(poles), 1)), np.ones((1, len(poles))))


def test_hinf_error_refines_every_grid_value_when_refine_reaches_n_grid():
    # n_grid = 3 (0, π/2, π), refine 4 >= 3: all three windows are refined. The sharp peak
    # sits on an odd point of the fine window [0, π/2] of the smallest grid value (ω = 0),
    # which the coarser window [0, π] of ω = π/2 misses: only refining the smallest grid
    # value finds the gain of about 10^4
    layer = _resonant_layer(np.linspace(0.0, np.pi / 2, 257)[171], -0.9)
    taps = np.zeros(1)
    grid_gains = np.abs(frequency_response(layer, np.pi * np.arange(3) / 2)[:, 0, 0])
    assert np.argmin(grid_gains) == 0
    assert hinf_error(taps, layer, n_grid=3, refine=2) < 200  # the two larger windows only
    assert hinf_error(taps, layer, n_grid=3) == hinf_error(taps, layer, n_grid=3, refine=3) > 1e4


def test_hinf_error_refines_four_grid_values_by_default():
    # n_grid = 6: the sharp peak sits on an odd point of the fine end window [0, π/5]; the grid
    # value at ω = 0 is only the fifth largest, so the default (the four largest) misses the
    # peak and refine = 5 finds it
    layer = _resonant_layer(np.linspace(0.0, np.pi / 5, 257)[175], 0.9j, -0.9)
    taps = np.zeros(1)
    grid_gains = np.abs(frequency_response(layer, np.pi * np.arange(6) / 5)[:, 0, 0])
    assert list(np.argsort(grid_gains)[:2]) == [4, 0]
    assert hinf_error(taps, layer, n_grid=6) == hinf_error(taps, layer, n_grid=6, refine=4) < 500
    assert hinf_error(taps, layer, n_grid=6, refine=5) > 1e4
