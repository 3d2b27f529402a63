"""Small exact cases of theory.layers that pin down what the broader tests leave loose.

Each test targets behaviour that a wrong implementation could change without failing the
tests of ``tests/test_layers.py``: the full text of every error message (so that the message
names the parameter and says what was expected), the number kind and dtype of every result,
the boundary cases of the stability tests and of the shape checks, and hand-computed outputs
of each kind. All cases are small.
"""

from __future__ import annotations

import re
from itertools import product

import mpmath
import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case

from theory.layers import TIMES, SSMLayer, SSMStack, UnstableLayerError
from theory.numbers import InvalidParameterError, NumberKind

R = sympy.Rational


def _raises_exactly(message: str, error: type[Exception] = InvalidParameterError):
    """``pytest.raises`` for this exact message (nothing before or after it)."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def _discrete() -> SSMLayer:
    return SSMLayer([0.5], [[1.0]], [[1.0]])


def _continuous() -> SSMLayer:
    return SSMLayer([-1.0], [[1.0]], [[1.0]], time="continuous")


# -------------------------------------------------------------------- full error messages

_ONE = [[1.0]]
_CONSTRUCTOR_MESSAGES = [
    (([0.5], _ONE, _ONE), {"time": "hybrid"},
     "time: expected one of ('discrete', 'continuous'), got 'hybrid'"),
    (([0.5], _ONE, _ONE), {"require_stable": "yes"},
     "require_stable: expected True or False, got 'yes'"),
    (([0.5], np.zeros((1, 0)), _ONE), {},
     "U: expected shape (m, d_in) with m, d_in >= 1, got shape (1, 0)"),
    ((np.zeros(0), np.zeros((0, 1)), _ONE), {},
     "U: expected shape (m, d_in) with m, d_in >= 1, got shape (0, 1)"),
    ((np.eye(2) * 0.5, np.ones((3, 1)), np.ones((1, 3))), {},
     "W: expected shape (3, 3) or (3,) (diagonal) to match U (3, 1), got shape (2, 2)"),
    ((np.zeros(2), np.ones((2, 1)), np.ones((1, 3))), {},
     "C: expected shape (d_out, 2) with d_out >= 1, got shape (1, 3)"),
    ((np.zeros(2), np.ones((2, 1)), np.ones((0, 2))), {},
     "C: expected shape (d_out, 2) with d_out >= 1, got shape (0, 2)"),
    ((np.zeros(2), np.ones((2, 1)), np.ones((1, 2)), np.ones((2, 2))), {},
     "D: expected shape (1, 1), got shape (2, 2)"),
    ((np.zeros(2), np.ones((2, 1)), np.ones((1, 2))), {"b": np.ones(3)},
     "b: expected shape (2,), got shape (3,)"),
    (([0.5], [1.0], _ONE), {}, "U: expected a 2-dimensional array, got shape (1,)"),
    (([0.5], _ONE, [1.0]), {}, "C: expected a 2-dimensional array, got shape (1,)"),
    (([0.5], _ONE, _ONE, [1.0]), {}, "D: expected a 2-dimensional array, got shape (1,)"),
    (([0.5], _ONE, _ONE), {"b": [[0.0]]}, "b: expected a 1-dimensional array, got shape (1, 1)"),
    (([[[0.5]]], _ONE, _ONE), {},
     "W: expected shape (1, 1) or (1,) (diagonal) to match U (1, 1), got shape (1, 1, 1)"),
]


def _constructor_messages_are_exact(args, kwargs, message):
    with _raises_exactly(message):
        SSMLayer(*args, **kwargs)
    assert TIMES == ("discrete", "continuous")


def test_constructor_messages_are_exact() -> None:
    """Constructor messages are exact: every case of the table."""
    check_every_case(_constructor_messages_are_exact, _CONSTRUCTOR_MESSAGES)


#: Cases ``(W, kwargs, message)`` of :func:`test_unstable_messages_are_exact`.
UNSTABLE_MESSAGES = [
    ([1.0], {}, "W: the discrete layer is unstable (spectral radius 1.0 >= 1); "
                "pass require_stable=False to build it anyway"),
    ([R(1)], {}, "W: the discrete layer is unstable (spectral radius 1 >= 1); "
                 "pass require_stable=False to build it anyway"),
    ([0.5], {"time": "continuous"},
     "W: the continuous layer is unstable (max real part of the eigenvalues 0.5 >= 0); "
     "pass require_stable=False to build it anyway"),
]


def _unstable_messages_are_exact(W, kwargs, message):
    one = [[R(1)]] if isinstance(W[0], sympy.Basic) else _ONE
    with _raises_exactly(message, UnstableLayerError):
        SSMLayer(W, one, one, **kwargs)


def test_unstable_messages_are_exact() -> None:
    """Unstable messages are exact: every case of ``UNSTABLE_MESSAGES``."""
    check_every_case(_unstable_messages_are_exact, UNSTABLE_MESSAGES)


_CALL_MESSAGES = [
    (lambda: _discrete().to_kind("float"), "kind: expected a NumberKind, got 'float'"),
    (lambda: _continuous().discretize("0.1"),
     "dt: expected real times, not strings, got ['0.1']"),
    (lambda: _continuous().discretize(np.nan),
     "dt: expected finite times, got a NaN or inf time"),
    (lambda: _continuous().discretize(0), "dt: expected a finite positive step, got 0"),
    (lambda: _continuous().discretize([[0.1]]),
     "dt: expected a 1-D array of real times, got [[[0.1]]]"),
    (lambda: _continuous().kernel_at([[0.1]]),
     "s: expected a 1-D array of real times, got [[0.1]]"),
    (lambda: _continuous().kernel_at([1j]), "s: expected a 1-D array of real times, got [1j]"),
    (lambda: _continuous().kernel_at([[0.1], [0.2, 0.3]]),
     "s: expected a 1-D array of real times, got [[0.1], [0.2, 0.3]]"),
    (lambda: _continuous().kernel_at([-1.0]),
     "s: expected non-negative times, got a negative time"),
    (lambda: _continuous().kernel_at("x"), "s: expected real times, not strings, got 'x'"),
    (lambda: _continuous().kernel_at([b"x"]),
     "s: expected real times, not strings, got [b'x']"),
    (lambda: _discrete().run([[1.0, 2.0]]), "x: expected shape (T, 1), got shape (1, 2)"),
    (lambda: _continuous().run([[1.0]]),
     "time: expected a discrete layer for run(); use run_continuous(x, t_grid), "
     "got 'continuous'"),
    (lambda: _continuous().kernel(2),
     "time: expected a discrete layer for kernel(T); use kernel_at, got 'continuous'"),
    (lambda: _discrete().kernel(-1), "T: expected a non-negative integer, got -1"),
    (lambda: _discrete().kernel(True), "T: expected a non-negative integer, got True"),
    (lambda: _discrete().kernel(2.0), "T: expected a non-negative integer, got 2.0"),
    (lambda: _discrete().discretize(0.1),
     "time: expected a continuous layer for discretize(), got 'discrete'"),
    (lambda: _discrete().run_continuous([[1.0]], [0, 1]),
     "time: expected a continuous layer for run_continuous(), got 'discrete'"),
    (lambda: _discrete().kernel_at([0.0]),
     "time: expected a continuous layer for kernel_at(), got 'discrete'"),
    (lambda: _continuous().run_continuous([[1.0]], [[0, 1]]),
     "t_grid: expected a non-empty 1-D array of times, got shape (1, 2)"),
    (lambda: _continuous().run_continuous([[1.0]], []),
     "t_grid: expected a non-empty 1-D array of times, got shape (0,)"),
    (lambda: _continuous().run_continuous([[1.0]], [1, 0]),
     "t_grid: expected strictly increasing times, got times that do not increase"),
    (lambda: _continuous().run_continuous([[1.0]], [0, 1, 1]),
     "t_grid: expected strictly increasing times, got times that do not increase"),
    (lambda: _continuous().run_continuous([[1.0]], [0, 1, 2]),
     "x: expected 2 samples for a grid of 3 times, got 1 samples"),
    (lambda: _continuous().run_continuous([[1.0], [2.0]], [0, 1]),
     "x: expected 1 samples for a grid of 2 times, got 2 samples"),
    (lambda: _continuous().to_kind(NumberKind.EXACT).discretize(1),
     "W: expected mpmath or float entries: exact continuous layers are discretized in "
     "mpmath or float; convert with to_kind first, got exact entries"),
    (lambda: SSMStack([], "relu"), "layers: expected a non-empty sequence of SSMLayer, got []"),
    (lambda: SSMStack(_discrete(), "relu"),
     "layers: expected a non-empty sequence of SSMLayer, got "
     "SSMLayer(width=1, d_in=1, d_out=1, discrete, float, diagonal)"),
    (lambda: SSMStack(5, "relu"), "layers: expected a non-empty sequence of SSMLayer, got 5"),
    (lambda: SSMStack("ab", "relu"), "layers[0]: expected an SSMLayer, got 'a'"),
    (lambda: SSMStack([_discrete(), 1], "relu"), "layers[1]: expected an SSMLayer, got 1"),
    (lambda: SSMStack([SSMLayer([0.0], _ONE, [[1.0], [1.0]])] * 2, "relu"),
     "layers[1]: expected d_in = d_out = 2 of layers[0], got d_in = 1"),
    (lambda: SSMStack([_discrete(), SSMLayer([0.0], _ONE, [[1.0], [1.0]]), _discrete()],
                      "relu"),
     "layers[2]: expected d_in = d_out = 2 of layers[1], got d_in = 1"),
    (lambda: _discrete().run(np.array([["a"]], dtype=object)),
     "x: expected a number, got 'a'"),
    (lambda: SSMStack([_discrete(), _continuous()], "relu"),
     "layers[1]: expected the time mode of layers[0] ('discrete'), got time 'continuous'"),
    (lambda: SSMStack([_discrete(), SSMLayer([R(1, 2)], [[1]], [[1]])], "relu"),
     "layers: expected layers of one exactness, "
     "got exact layers mixed with float or mpmath layers"),
    (lambda: SSMStack([_discrete()], "nope"),
     "activation: expected an Activation or a predefined name (name_or_activation: unknown "
     "activation name 'nope'; choose one of relu, tanh, sigmoid, hardtanh, identity or build "
     "one with custom_activation), got 'nope'"),
]


def _call_messages_are_exact(call, message):
    with _raises_exactly(message):
        call()


def test_call_messages_are_exact() -> None:
    """Call messages are exact: every case of the table."""
    check_every_case(_call_messages_are_exact, _CALL_MESSAGES)


def test_reprs_are_exact():
    assert repr(_discrete()) == "SSMLayer(width=1, d_in=1, d_out=1, discrete, float, diagonal)"
    assert repr(SSMLayer([[R(1, 2)]], [[1, 2]], [[1], [1], [1]], time="continuous",
                         require_stable=False)) == \
        "SSMLayer(width=1, d_in=2, d_out=3, continuous, exact)"
    assert repr(SSMStack([_discrete(), _discrete()], "relu")) == \
        "SSMStack(depth=2, widths=(1, 1), σ=relu)"


def test_undecidable_comparison_names_the_parameter():
    from theory.layers import _decide

    x = sympy.Symbol("x")
    with _raises_exactly("W: cannot decide exactly whether x < 1"):
        _decide(x < 1, "x < 1")
    assert _decide(sympy.Integer(1) < 2, "") is True and _decide(np.bool_(False), "") is False


def test_exact_modulus_that_cannot_be_decided_is_refused_by_name():
    # λ = 1 + atan(1/2) + atan(1/3) - π/4 equals 1 (a hidden identity sympy cannot prove), so
    # |λ|² < 1 stays undecided: the discrete test refuses naming W and the eigenvalue, where
    # the float-style comparison of ρ(W) would raise sympy's bare TypeError
    lam = 1 + sympy.atan(R(1, 2)) + sympy.atan(R(1, 3)) - sympy.pi / 4
    layer = SSMLayer([lam], [[1]], [[1]], require_stable=False)
    assert layer.kind is NumberKind.EXACT
    with _raises_exactly(f"W: cannot decide exactly whether |{lam}| < 1"):
        layer.is_stable()
    # a decidable exact modulus below 1 (λ - 1/2 has the same hidden zero) is decided
    assert SSMLayer([lam - R(1, 2)], [[1]], [[1]], require_stable=False).is_stable() is True


# -------------------------------------------------------------------- complex float layers


def test_complex_parameters_keep_their_imaginary_parts():
    # a real W, U, C with a complex D and b: the outputs are complex (they used to be cast to
    # the real dtype of W, U, C, dropping the imaginary parts with only a ComplexWarning)
    layer = SSMLayer([0.5], _ONE, _ONE, D=[[1j]], b=[1j])
    K = layer.kernel(2)
    assert K.dtype == complex and list(K[:, 0, 0]) == [1 + 1j, 0.5]
    y = layer.run([[1.0], [1.0]])
    # h_1 = 1 + i, y_1 = h_1 + i; h_2 = (1 + i)/2 + 1 + i, y_2 = h_2 + i
    assert y.dtype == complex and list(y[:, 0]) == [1 + 2j, 1.5 + 2.5j]
    real = SSMLayer([0.5], _ONE, [[2.0]])
    assert real.kernel(2).dtype == np.float64 and real.run([[1.0]]).dtype == np.float64
    assert list(real.run([[1j]])[:, 0]) == [2j]
    assert SSMLayer([0.5], _ONE, [[1j]]).kernel(1)[0, 0, 0] == 1j
    assert SSMLayer([0.5j], _ONE, _ONE).run([[1.0], [0.0]])[1, 0] == 0.5j
    assert SSMLayer([0.5], [[1j]], _ONE).run([[1.0]])[0, 0] == 1j
    # each parameter alone makes the outputs complex
    assert SSMLayer([0.5], _ONE, [[1j]]).run([[1.0]])[0, 0] == 1j
    assert SSMLayer([0.5], _ONE, _ONE, D=[[1j]]).run([[1.0]])[0, 0] == 1 + 1j
    assert SSMLayer([0.5], _ONE, _ONE, b=[1j]).run([[0.0]])[0, 0] == 1j
    assert SSMLayer([0.5], _ONE, _ONE, D=[[1j]]).kernel(1)[0, 0, 0] == 1 + 1j
    assert SSMLayer([0.5j], _ONE, _ONE).kernel(2)[1, 0, 0] == 0.5j
    assert SSMLayer([0.5], [[1j]], _ONE).kernel(1)[0, 0, 0] == 1j


# -------------------------------------------------------------------- spectrum and stability


def test_exact_eigenvalues_of_full_and_triangular_matrices():
    swap = SSMLayer([[0, R(1, 2)], [R(1, 2), 0]], [[1], [0]], [[1, 0]])
    assert sorted(swap.eigenvalues()) == [R(-1, 2), R(1, 2)]
    assert swap.spectral_radius() == R(1, 2)
    # a triangular W gives its diagonal in order (sympy's general route orders them otherwise)
    upper3 = SSMLayer([[R(1, 2), 1, 1], [0, R(1, 3), 1], [0, 0, R(1, 5)]], [[1], [0], [0]],
                      [[1, 0, 0]])
    assert upper3.eigenvalues() == [R(1, 2), R(1, 3), R(1, 5)]
    lower3 = SSMLayer([[R(1, 2), 0, 0], [0, R(1, 3), 0], [1, 0, R(1, 5)]], [[1], [0], [0]],
                      [[1, 0, 0]])
    assert lower3.eigenvalues() == [R(1, 2), R(1, 3), R(1, 5)]
    # a full W with a double eigenvalue: both copies are listed
    double = SSMLayer([[R(1, 2), R(1, 4)], [R(-1, 4), 0]], [[1], [0]], [[1, 0]])
    assert double.eigenvalues() == [R(1, 4), R(1, 4)]
    # ... and keeps the entries as given (sympy's general route expands them)
    a = sympy.sqrt(2) * (1 + sympy.sqrt(3)) / 8
    for W in ([[a, 0], [1, R(1, 3)]], [[a, 1], [0, R(1, 3)]]):
        lams = SSMLayer(W, [[1], [0]], [[1, 0]]).eigenvalues()
        assert lams == [a, R(1, 3)] and str(lams[0]) == "sqrt(2)*(1 + sqrt(3))/8"
    lower = SSMLayer([[R(1, 3), 0], [1, R(1, 2)]], [[1], [0]], [[1, 0]])
    upper = SSMLayer([[R(1, 3), 1], [0, R(1, 2)]], [[1], [0]], [[1, 0]])
    assert lower.eigenvalues() == upper.eigenvalues() == [R(1, 3), R(1, 2)]
    assert SSMLayer([R(1, 3), R(-1, 2)], [[1], [1]], [[1, 1]]).eigenvalues() == \
        [R(1, 3), R(-1, 2)]


def test_exact_rotation_is_marginal_and_its_half_is_stable():
    rot = [[R(3, 5), R(-4, 5)], [R(4, 5), R(3, 5)]]  # eigenvalues (3 ± 4i)/5, modulus 1
    layer = SSMLayer(rot, [[1], [0]], [[1, 0]], require_stable=False)
    assert not layer.is_stable() and layer.spectral_radius() == 1
    assert layer.stability_margin() == 0
    half = SSMLayer([[x / 2 for x in row] for row in rot], [[1], [0]], [[1, 0]])
    assert half.is_stable() and half.spectral_radius() == R(1, 2)
    assert half.stability_margin() == sympy.log(2) and half.decay_factor() == R(1, 2)


def test_mpmath_dense_spectrum():
    with mpmath.workdps(30):
        h = mpmath.mpf(1) / 2
        layer = SSMLayer(np.array([[0, h], [h, 0]], dtype=object), [[1], [0]], [[1, 0]])
        lams = sorted(layer.eigenvalues(), key=lambda z: mpmath.re(z))
        assert len(lams) == 2
        assert mpmath.almosteq(lams[0], -h, mpmath.mpf(10) ** -28)
        assert mpmath.almosteq(lams[1], h, mpmath.mpf(10) ** -28)
        r = layer.spectral_radius()
        assert isinstance(r, mpmath.mpf) and mpmath.almosteq(r, h, mpmath.mpf(10) ** -28)
        beta = layer.stability_margin()
        assert isinstance(beta, mpmath.mpf)
        assert mpmath.almosteq(beta, mpmath.log(2), mpmath.mpf(10) ** -28)
        assert layer.is_stable()


#: Cases ``(W, inf)`` of :func:`test_nilpotent_layers_have_infinite_margin`.
NILPOTENT_LAYERS = (
    [([[R(0), R(1)], [R(0), R(0)]], sympy.oo),
     (np.array([[mpmath.mpf(0), mpmath.mpf(1)], [mpmath.mpf(0), mpmath.mpf(0)]], dtype=object),
      mpmath.inf),
     ([[0.0, 1.0], [0.0, 0.0]], float("inf"))]
)


def _nilpotent_layers_have_infinite_margin(W, inf):
    layer = SSMLayer(W, [[1], [1]], [[1, 1]])
    assert layer.spectral_radius() == 0 and layer.decay_factor() == 0
    beta = layer.stability_margin()
    assert beta == inf and type(beta) is type(inf)


def test_nilpotent_layers_have_infinite_margin() -> None:
    """Nilpotent layers have infinite margin: every case of ``NILPOTENT_LAYERS``."""
    check_every_case(
        _nilpotent_layers_have_infinite_margin, NILPOTENT_LAYERS)


def test_stability_margins_and_decay_factors_in_each_kind():
    exact = SSMLayer([R(-1, 2), R(-3)], [[1], [1]], [[1, 1]], time="continuous")
    assert exact.stability_margin() == R(1, 2) and exact.decay_factor() == sympy.exp(R(-1, 2))
    assert SSMLayer([R(1, 4)], [[1]], [[1]]).stability_margin() == sympy.log(4)
    with mpmath.workdps(30):
        mp = SSMLayer(np.array([mpmath.mpf(-0.5)], dtype=object), [[1]], [[1]],
                      time="continuous")
        beta, factor = mp.stability_margin(), mp.decay_factor()
        assert beta == mpmath.mpf(0.5) and isinstance(factor, mpmath.mpf)
        assert factor == mpmath.exp(mpmath.mpf(-0.5))
        quarter = SSMLayer(np.array([mpmath.mpf(0.25)], dtype=object), [[1]], [[1]])
        assert quarter.decay_factor() == mpmath.mpf(0.25)
        assert quarter.stability_margin() == mpmath.log(4)
    cont = SSMLayer([-0.5, -3.0], [[1.0], [1.0]], [[1.0, 1.0]], time="continuous")
    assert cont.stability_margin() == 0.5 and type(cont.decay_factor()) is float
    assert cont.decay_factor() == float(np.exp(-0.5))
    disc = SSMLayer([0.25, -0.5], [[1.0], [1.0]], [[1.0, 1.0]])
    assert disc.spectral_radius() == 0.5 and type(disc.spectral_radius()) is float
    assert disc.stability_margin() == -float(np.log(0.5)) and disc.decay_factor() == 0.5
    # the factor is ρ(W) itself, not exp(-β) (which rounds 0.1 to 0.10000000000000002)
    assert SSMLayer([0.1], _ONE, _ONE).decay_factor() == 0.1
    with mpmath.workdps(30):
        tenth = mpmath.mpf("0.1")
        assert SSMLayer(np.array([tenth], dtype=object), _ONE, _ONE).decay_factor() == tenth


def _marginal_discrete_layer_has_zero_margin(kind):
    from theory.numbers import convert
    layer = SSMLayer(convert([-1], kind), convert(_ONE, kind), convert(_ONE, kind),
                     require_stable=False)
    assert layer.stability_margin() == 0 and layer.decay_factor() == 1


def test_marginal_discrete_layer_has_zero_margin() -> None:
    """Marginal discrete layer has zero margin: every case of the table."""
    check_every_case(_marginal_discrete_layer_has_zero_margin, product(list(NumberKind)))


def test_float_nilpotent_margin_without_a_division_by_zero():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert SSMLayer([0.0], _ONE, _ONE).stability_margin() == np.inf


def _stability_boundaries(kind):
    def make(w, time):
        from theory.numbers import convert
        return SSMLayer(convert([w], kind), convert(_ONE, kind), convert(_ONE, kind),
                        time=time, require_stable=False)

    assert not make(0, "continuous").is_stable()
    assert make(-R(1, 8), "continuous").is_stable()
    assert not make(1, "discrete").is_stable() and not make(-1, "discrete").is_stable()
    assert make(R(7, 8), "discrete").is_stable() and make(-R(7, 8), "discrete").is_stable()
    stack = SSMStack([make(R(1, 2), "discrete"), make(1, "discrete")], "relu")
    assert not stack.is_stable()
    assert SSMStack([make(R(1, 2), "discrete")] * 2, "relu").is_stable()


def test_stability_boundaries() -> None:
    """Stability boundaries: every case of the table."""
    check_every_case(_stability_boundaries, product(list(NumberKind)))


def _w_matrix_of_a_diagonal_layer(kind):
    from theory.numbers import convert
    layer = SSMLayer(convert([R(1, 2), R(1, 4)], kind), convert([[1], [1]], kind),
                     convert([[1, 1]], kind))
    Wm = layer.W_matrix()
    assert Wm.shape == (2, 2) and float(Wm[0, 0]) == 0.5 and float(Wm[1, 1]) == 0.25
    assert Wm[0, 1] == 0 and Wm[1, 0] == 0
    expected = {NumberKind.EXACT: sympy.Integer, NumberKind.MPMATH: mpmath.mpf,
                NumberKind.FLOAT: (float, np.floating)}[kind]
    assert isinstance(Wm[0, 1], expected)
    dense = SSMLayer(Wm, layer.U, layer.C)
    assert dense.W_matrix() is dense.W and not dense.diagonal and layer.diagonal


def test_w_matrix_of_a_diagonal_layer() -> None:
    """W matrix of a diagonal layer: every case of the table."""
    check_every_case(_w_matrix_of_a_diagonal_layer, product(list(NumberKind)))


def test_to_kind_keeps_every_parameter_and_accepts_unstable_layers():
    layer = SSMLayer([[R(3, 2), 1], [0, R(1, 2)]], [[1, 2], [3, 4]], [[1, 1]], [[5, 6]],
                     [R(1, 3), 7], time="continuous", require_stable=False)
    for kind in NumberKind:
        conv = layer.to_kind(kind)
        assert conv.kind is kind and conv.time == "continuous" and not conv.is_stable()
        for name in ("W", "U", "C", "D", "b"):
            assert np.allclose(np.asarray(getattr(conv, name), dtype=float),
                               np.asarray(getattr(layer, name), dtype=float), rtol=1e-15)
    bare = SSMLayer([0.5], _ONE, _ONE).to_kind(NumberKind.EXACT)
    assert bare.D is None and bare.b is None and bare.W[0] == R(1, 2)


# -------------------------------------------------------------------- evaluation


def test_exact_run_and_kernel_with_feed_through_and_bias():
    layer = SSMLayer([[R(1, 2), 1], [0, R(1, 3)]], [[1], [2]], [[1, 1]], [[R(1, 5)]], [1, 0])
    y = layer.run([[1], [2]])
    # h_1 = (2, 2), y_1 = 4 + 1/5; h_2 = (1 + 2 + 2 + 1, 2/3 + 4) = (6, 14/3), y_2 = 32/3 + 2/5
    assert y.dtype == object and list(y[:, 0]) == [R(21, 5), R(166, 15)]
    assert all(isinstance(v, sympy.Rational) for v in y[:, 0])
    K = layer.kernel(3)
    assert K.shape == (3, 1, 1) and list(K[:, 0, 0]) == [R(16, 5), R(19, 6), R(77, 36)]
    assert layer.kernel(1)[0, 0, 0] == R(16, 5)


def _empty_input_and_zero_length_kernel(kind):
    from theory.numbers import convert
    layer = SSMLayer(convert([R(1, 2)], kind), convert([[1, 1]], kind), convert([[1], [2]], kind))
    y = layer.run(np.zeros((0, 2)))
    assert y.shape == (0, 2)
    K = layer.kernel(0)
    assert K.shape == (0, 2, 2)
    assert K.dtype == (np.float64 if kind is NumberKind.FLOAT else object)


def test_empty_input_and_zero_length_kernel() -> None:
    """Empty input and zero length kernel: every case of the table."""
    check_every_case(_empty_input_and_zero_length_kernel, product(list(NumberKind)))


def test_float_layer_accepts_an_object_array_of_numbers():
    layer = SSMLayer([0.5], _ONE, [[2.0]])
    y = layer.run(np.array([[R(1, 2)], [1]], dtype=object))
    assert y.dtype == np.float64 and list(y[:, 0]) == [1.0, 2.5]


def test_mpmath_run_and_kernel_stay_mpmath():
    with mpmath.workdps(40):
        third = mpmath.mpf(1) / 3
        layer = SSMLayer(np.array([third], dtype=object), [[1]], [[1]], [[1]], [third])
        y = layer.run([[1], [0]])
        assert all(isinstance(v, mpmath.mpf) for v in y[:, 0])
        tol = mpmath.mpf(10) ** -38
        assert mpmath.almosteq(y[0, 0], 2 + third, tol)
        assert mpmath.almosteq(y[1, 0], third * (1 + third) + third, tol)
        K = layer.kernel(3)[:, 0, 0]
        assert list(K) == [2, third, third**2]


def _kernel_of_diagonal_and_dense_layers(diagonal):
    W = [R(1, 2), R(-1, 3)]
    layer = SSMLayer(W if diagonal else [[W[0], 0], [0, W[1]]], [[1], [1]], [[1, 1]])
    K = layer.kernel(4)[:, 0, 0]
    assert list(K) == [W[0] ** s + W[1] ** s for s in range(4)]


def test_kernel_of_diagonal_and_dense_layers() -> None:
    """Kernel of diagonal and dense layers: every case of the table."""
    check_every_case(_kernel_of_diagonal_and_dense_layers, product([False, True]))


def _van_loan(W: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """``e^{W dt}`` and ``W^{-1}(e^{W dt} - I)`` for an invertible ``W`` (closed form)."""
    import scipy.linalg

    A = scipy.linalg.expm(W * dt)
    return A, np.linalg.solve(W, A - np.eye(W.shape[0]))


def test_discretize_is_the_zero_order_hold_in_closed_form():
    W = np.array([[-1.0, 0.5], [0.0, -2.0]])
    U, C, D, b = np.array([[1.0], [2.0]]), np.array([[1.0, -1.0]]), [[0.25]], [0.5, -1.0]
    layer = SSMLayer(W, U, C, D, b, time="continuous")
    A, Phi = _van_loan(W, 0.3)
    disc = layer.discretize(0.3)
    assert disc.time == "discrete" and disc.width == 2
    assert np.allclose(disc.W, A, rtol=1e-13, atol=0)
    assert np.allclose(disc.U, Phi @ U, rtol=1e-13, atol=0)
    assert np.allclose(disc.b, Phi @ np.array(b), rtol=1e-13, atol=0)
    assert np.array_equal(disc.C, C) and np.array_equal(disc.D, D)
    assert layer.discretize(0.3).b is not None
    assert SSMLayer(W, U, C, time="continuous").discretize(0.3).b is None
    diag = SSMLayer([-1.0, -2.0], U, C, time="continuous").discretize(0.3)
    assert np.allclose(diag.W, np.diag(np.exp([-0.3, -0.6])), rtol=1e-14, atol=0)
    assert np.allclose(diag.U[:, 0], [(1 - np.exp(-0.3)), (1 - np.exp(-0.6))], rtol=1e-13)


def test_mpmath_discretization_to_high_precision():
    with mpmath.workdps(40):
        a = mpmath.mpf(-1)
        layer = SSMLayer(np.array([[a, mpmath.mpf(0)], [mpmath.mpf(0), 2 * a]], dtype=object),
                         np.array([[mpmath.mpf(1)], [mpmath.mpf(1)]], dtype=object),
                         np.array([[mpmath.mpf(1), mpmath.mpf(1)]], dtype=object),
                         time="continuous")
        dt = mpmath.mpf(1) / 3  # not a float: a float step would be off by 1e-17
        disc = layer.discretize(dt)
        tol = mpmath.mpf(10) ** -35
        assert mpmath.almosteq(disc.W[0, 0], mpmath.exp(-dt), tol)
        assert mpmath.almosteq(disc.W[1, 1], mpmath.exp(-2 * dt), tol)
        assert mpmath.almosteq(disc.W[0, 1], 0, tol) and mpmath.almosteq(disc.W[1, 0], 0, tol)
        assert mpmath.almosteq(disc.U[0, 0], 1 - mpmath.exp(-dt), tol)
        assert mpmath.almosteq(disc.U[1, 0], (1 - mpmath.exp(-2 * dt)) / 2, tol)
        y = layer.run_continuous([[1]], [0, dt])[0, 0]
        assert isinstance(y, mpmath.mpf)
        assert mpmath.almosteq(y, 1 - mpmath.exp(-dt) + (1 - mpmath.exp(-2 * dt)) / 2, tol)
        k = layer.kernel_at([dt])[0, 0, 0]
        assert isinstance(k, mpmath.mpf)
        assert mpmath.almosteq(k, mpmath.exp(-dt) + mpmath.exp(-2 * dt), tol)


def test_run_continuous_uniform_nonuniform_callable_and_empty():
    W = np.array([[-1.0, 0.5], [0.0, -2.0]])
    U, C, D, b = np.array([[1.0], [2.0]]), np.array([[1.0, -1.0]]), np.array([[0.25]]), \
        np.array([0.5, -1.0])
    layer = SSMLayer(W, U, C, D, b, time="continuous")
    x = np.array([[1.0], [-2.0], [0.5]])
    grid = np.array([0.0, 0.1, 0.4, 0.45])
    h, expected = np.zeros(2), []
    for k, dt in enumerate(np.diff(grid)):
        A, Phi = _van_loan(W, dt)
        h = A @ h + Phi @ (U @ x[k] + b)
        expected.append(C @ h + D @ x[k])
    y = layer.run_continuous(x, grid)
    assert y.shape == (3, 1) and np.allclose(y, expected, rtol=1e-12, atol=1e-15)
    # the first step of a non-uniform grid starts from h = 0 and uses no bias twice
    nobias = SSMLayer(W, U, C, time="continuous")
    A0, Phi0 = _van_loan(W, 0.1)
    assert np.allclose(nobias.run_continuous(x[:1], [0.0, 0.1]), C @ Phi0 @ U @ x[0],
                       rtol=1e-13)
    uniform = np.array([0.0, 0.2, 0.4, 0.6])
    assert np.allclose(layer.run_continuous(x, uniform), layer.discretize(0.2).run(x),
                       rtol=1e-13)
    assert np.allclose(layer.run_continuous(lambda t: np.array([t]), grid),
                       layer.run_continuous(grid[1:, None], grid), rtol=1e-15)
    empty = layer.run_continuous(np.zeros((0, 1)), [0.0])
    assert empty.shape == (0, 1) and empty.dtype == np.float64


def test_kernel_at_dense_layer():
    W = np.array([[-1.0, 0.5], [0.0, -2.0]])
    layer = SSMLayer(W, [[1.0], [2.0]], [[1.0, -1.0]], time="continuous")
    import scipy.linalg

    K = layer.kernel_at([0.0, 0.7])
    assert K.shape == (2, 1, 1) and K[0, 0, 0] == -1.0
    assert np.isclose(K[1, 0, 0], (layer.C @ scipy.linalg.expm(0.7 * W) @ layer.U)[0, 0],
                      rtol=1e-14, atol=0)


# -------------------------------------------------------------------- stacks


def test_stack_properties_and_activation_between_layers_only():
    l1 = SSMLayer([0.0], _ONE, [[1.0], [-1.0]])
    l2 = SSMLayer([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [1.0, -1.0]], b=[0, -5.0])
    stack = SSMStack([l1, l2], "relu")
    assert stack.depth == 2 and stack.time == "discrete" and stack.d_in == 1
    assert stack.d_out == 2 and stack.widths == (1, 2) and stack.lipschitz == 1.0
    y = stack.run([[2.0], [-3.0]])
    # relu([2, -2]) = [2, 0] -> h = [2, -5] -> (-3, 7); relu([-3, 3]) = [0, 3] -> h = [0, -2]
    assert y.tolist() == [[-3.0, 7.0], [-2.0, 2.0]]
    assert SSMStack([l1], "relu").run([[-3.0]]).tolist() == [[-3.0, 3.0]]


def test_continuous_stack_applies_the_activation_between_layers():
    l1 = SSMLayer([-1.0], _ONE, [[-1.0]], time="continuous")
    l2 = SSMLayer([-2.0], _ONE, [[3.0]], [[1.0]], time="continuous")
    stack = SSMStack([l1, l2], "relu")
    assert stack.time == "continuous" and stack.depth == 2
    grid = [0.0, 0.5, 1.5]
    x = np.array([[1.0], [-1.0]])
    y1 = l1.run_continuous(x, grid)
    assert np.array_equal(stack.run_continuous(x, grid),
                          l2.run_continuous(np.maximum(y1, 0), grid))
    assert np.any(y1 < 0) and np.any(y1 > 0)


def test_stack_kind_promotion():
    with mpmath.workdps(25):
        mp = SSMLayer(np.array([mpmath.mpf(0.5)], dtype=object), _ONE, _ONE)
        fl = SSMLayer([0.25], _ONE, _ONE)
        stack = SSMStack([fl, mp], "relu")
        assert stack.kind is NumberKind.MPMATH
        assert [layer.kind for layer in stack.layers] == [NumberKind.MPMATH] * 2
        assert stack.layers[1] is mp and stack.layers[0] is not fl
    floats = SSMStack([fl, fl], "relu")
    assert floats.kind is NumberKind.FLOAT and floats.layers[0] is fl
    ex = SSMLayer([R(1, 2)], [[1]], [[1]])
    exact = SSMStack([ex, ex], "tanh")
    assert exact.kind is NumberKind.EXACT and exact.layers == (ex, ex)
    assert exact.lipschitz == 1


def _to_float_names_the_entry_beyond_float_range(name):
    one, huge = mpmath.mpf(1), mpmath.mpf("1e400")
    args = {"W": [one / 2], "U": [[one]], "C": [[one]], "D": [[one]], "b": [one]}
    args[name] = [huge] if name in "Wb" else [[huge]]
    layer = SSMLayer(*(np.array(args[k], dtype=object) for k in "WUCDb"), require_stable=False)
    with _raises_exactly(f"{name}: entries must be finite (no NaN or inf)"):
        layer.to_kind(NumberKind.FLOAT)


def test_to_float_names_the_entry_beyond_float_range() -> None:
    """To float names the entry beyond float range: every case of the table."""
    check_every_case(
        _to_float_names_the_entry_beyond_float_range, product(["W", "U", "C", "D", "b"]))


def test_uniform_grid_is_discretized_once(monkeypatch):
    layer = SSMLayer([[-1.0, 0.5], [0.0, -2.0]], [[1.0], [2.0]], [[1.0, -1.0]],
                     time="continuous")
    calls = []
    expm_pair = SSMLayer._expm_pair
    monkeypatch.setattr(SSMLayer, "_expm_pair",
                        lambda self, dt: calls.append(dt) or expm_pair(self, dt))
    x = np.array([[1.0], [-2.0], [0.5]])
    uniform = layer.run_continuous(x, [0.0, 0.25, 0.5, 0.75])
    assert calls == [0.25]
    calls.clear()
    layer.run_continuous(x, [0.0, 0.25, 0.5, 1.0])
    assert calls == [0.25, 0.25, 0.5]
    assert np.array_equal(uniform, layer.discretize(0.25).run(x))


def test_single_time_grid_takes_no_samples():
    layer = _continuous()
    with _raises_exactly("x: expected 0 samples for a grid of 1 times, got 1 samples"):
        layer.run_continuous([[1.0]], [0.0])
    assert layer.run_continuous(lambda t: [t], [0.0]).shape == (0, 1)
    with mpmath.workdps(20):
        mp = layer.to_kind(NumberKind.MPMATH)
        empty = mp.run_continuous(np.zeros((0, 1), dtype=object), [mpmath.mpf(0)])
        assert empty.shape == (0, 1) and empty.dtype == object


def test_discretize_complex_and_unstable_continuous_layers():
    rot = SSMLayer([-1 + 1j], _ONE, _ONE, time="continuous")
    disc = rot.discretize(0.5)
    assert disc.W.dtype == complex
    assert abs(disc.W[0, 0] - np.exp((-1 + 1j) * 0.5)) <= 1e-15
    assert abs(disc.U[0, 0] - (np.exp((-1 + 1j) * 0.5) - 1) / (-1 + 1j)) <= 1e-15
    grow = SSMLayer([0.5], _ONE, _ONE, time="continuous", require_stable=False)
    assert abs(grow.discretize(1.0).W[0, 0] - np.exp(0.5)) <= 1e-15
    assert not grow.discretize(1.0).is_stable()


def test_mpmath_times_must_be_one_dimensional():
    with mpmath.workdps(20):
        mp = _continuous().to_kind(NumberKind.MPMATH)
        with _raises_exactly("s: expected a 1-D array of real times, got [[0.1]]"):
            mp.kernel_at([[0.1]])


def test_exact_stack_runs_exactly_and_kernel_accepts_numpy_integers():
    ex = SSMLayer([R(1, 2)], [[1]], [[1], [-1]])
    ex2 = SSMLayer([R(1, 3)], [[1, 1]], [[1]])
    y = SSMStack([ex, ex2], "relu").run([[1], [-3]])
    # layer 1: (1, -1), then h = 1/2 - 3 = -5/2: (-5/2, 5/2); relu: (1, 0), (0, 5/2)
    # layer 2: h_1 = 1, h_2 = 1/3 + 5/2 = 17/6
    assert list(y[:, 0]) == [1, R(17, 6)]
    assert ex.kernel(np.int64(2)).shape == (2, 2, 1)


def test_real_parts_that_cannot_be_ordered_are_refused_by_name():
    # sqrt(5 + 2 sqrt 6) = sqrt 2 + sqrt 3: a zero that sympy cannot compare with others (it
    # used to escape as sympy's bare ValueError "not comparable")
    zero = sympy.sqrt(5 + 2 * sympy.sqrt(6)) - sympy.sqrt(2) - sympy.sqrt(3)
    with _raises_exactly(f"W: expected eigenvalues whose real parts can be ordered exactly, "
                         f"got real parts [{zero}]"):
        SSMLayer([zero], [[1]], [[1]], time="continuous")
    layer = SSMLayer([zero, R(-1)], [[1], [1]], [[1, 1]], time="continuous",
                     require_stable=False)
    with pytest.raises(InvalidParameterError, match=r"^W: expected eigenvalues whose real"):
        layer.stability_margin()
    half = SSMLayer([zero / 2 + R(1, 2)], [[1]], [[1]])  # discrete: |1/2| < 1 is decided
    assert half.is_stable()
    # |1 + zero|² < 1 is decided after simplification (ρ(W) < 1 on the bare radius is not)
    one = SSMLayer([zero + 1], [[1]], [[1]], require_stable=False)
    assert one.is_stable() is False
