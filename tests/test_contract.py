"""The public API contract of the suite: names, call shapes and error types that outside
checks rely on (see the README's layout section)."""

import numpy as np
import pytest
import sympy

import theory
from verify import scan


def test_theory_exports_the_contract():
    for name in ("ShallowSSM", "DeepSSM", "deep_to_shallow", "shallow_to_deep",
                 "non_inclusion_witness", "max_path_weight", "balance", "small_norm_deep",
                 "SharedEigenvalueError"):
        assert hasattr(theory, name), name
    assert issubclass(theory.SharedEigenvalueError, ValueError)


def test_models_have_the_contract_attributes():
    R = sympy.Rational
    deep = theory.DeepSSM([[R(1, 2), R(1, 3)], [R(1, 5), 0]],
                          [[1, 2], [[1, 0], [R(1, 2), 1]]], [1, -1])
    assert (deep.depth, deep.width) == (2, 2)
    assert len(deep.kernel(5)) == 5
    assert deep.norm() == 2
    w = sympy.Symbol("w")
    tf = deep.transfer_function()
    assert tf.free_symbols == {w}
    series = sympy.series(tf, w, 0, 3).removeO()
    assert [sympy.nsimplify(series.coeff(w, k) - deep.kernel(3)[k]) for k in range(3)] == [0] * 3


def test_round_trip_through_the_contract():
    R = sympy.Rational
    shallow = theory.ShallowSSM([R(1, 2), R(-1, 3), R(1, 4)], [1, 1, 1], [2, R(-1, 2), 3])
    deep = theory.shallow_to_deep(shallow, 2, 2)
    assert list(deep.kernel(8)) == list(shallow.kernel(8))
    back = theory.deep_to_shallow(deep)
    assert [sympy.simplify(a - b) for a, b in zip(back.kernel(8), shallow.kernel(8))] == [0] * 8
    witness, certificate = theory.non_inclusion_witness(2, 2)
    assert witness.width == 2 * (2 - 1) + 2
    balanced = theory.balance(deep)
    W = theory.max_path_weight(deep)
    assert float(balanced.norm()) == pytest.approx(float(W) ** (1 / 3), rel=1e-12)
    small = theory.small_norm_deep(shallow, 2, 2)
    assert small.depth == 2 and small.width == 2


def test_scan_contract_shapes():
    rng = np.random.default_rng(0)
    m, d, p, T = 3, 2, 4, 9
    A = rng.uniform(-0.9, 0.9, m)
    B = rng.standard_normal((m, d))
    C = rng.standard_normal((p, m))
    x = rng.standard_normal((5, 6, T, d))
    assert scan.linear_scan(A, B, C, x).shape == (5, 6, T, p)
    assert scan.linear_scan(np.diag(A), B, C, x).shape == (5, 6, T, p)
    assert scan.kernel(A, B, C, T).shape == (T, p, d)
    assert scan.kernel(A, B, C, T, D=np.ones((p, d))).shape == (T, p, d)
