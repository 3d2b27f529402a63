"""Hypothesis strategies of the whole suite, and the comparison that goes with them.

Import
------
``tests`` is not a package: ``tests/conftest.py`` puts this directory on ``sys.path``, so every
test module writes ``from strategies import deep_models, shallow_models, stable_spectra`` and
runs with ``python -m pytest`` (or ``pytest``) from the repository root.

Principles
----------
- Draw spectra and structured, well-conditioned matrices, never raw random matrices (those are
  often numerically singular and make a tolerance meaningless).
- Every scalar is drawn *exactly* first (a Gaussian rational held as two Fractions; exact unit
  directions from Pythagorean triples) and then rounded once to the requested number kind
  (sympy numbers, mpmath at the current precision, or float64). Stability is decided on the
  exact value, about ``1e-6`` or more below modulus 1, so rounding to float64 cannot make a
  drawn model unstable.
- The features that break naive code are drawn on purpose: exact zeros, tiny eigenvalues
  (``|λ| = 10^-9 … 10^-3``), eigenvalues near the unit circle (``|λ| = 1 - 10^-6 … 0.9``), and
  clusters (repeated or ``10^-12 … 10^-6``-close eigenvalues).
- Exact draws use small denominators so that exact kernels stay fast; float and mpmath draws use
  denominators up to ``10^6`` for variety.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import NumberKind, convert, tolerance

__all__ = [
    "ALL_KINDS",
    "scaled_examples",
    "example_budgets",
    "run_examples",
    "number_kinds",
    "small_rationals",
    "gaussian_rationals",
    "stable_eigenvalues",
    "stable_spectra",
    "bounded_entries",
    "bounded_vectors",
    "coupling_matrices",
    "input_sequences",
    "shallow_models",
    "deep_models",
    "same_model_in_kinds",
    "control_systems",
    "magnitude_bound",
    "assert_agree",
    "mismatches",
]

#: The three number kinds, in the order used by ``pytest.mark.parametrize``.
ALL_KINDS: tuple[NumberKind, ...] = (NumberKind.EXACT, NumberKind.MPMATH, NumberKind.FLOAT)

#: Largest denominator of exact draws per kind (small for exact arithmetic, varied otherwise).
_MAX_DENOMINATOR = {NumberKind.EXACT: 12, NumberKind.MPMATH: 10**6, NumberKind.FLOAT: 10**6}

#: An exact Gaussian rational ``re + im·i`` while it is being drawn (Fractions are fast).
_Pair = tuple[Fraction, Fraction]
_ZERO: _Pair = (Fraction(0), Fraction(0))

#: Exact unit-modulus directions ``(a + b i)/c`` with ``a² + b² = c²`` (Pythagorean triples).
_TRIPLES = ((3, 4, 5), (4, 3, 5), (5, 12, 13), (12, 5, 13), (8, 15, 17), (7, 24, 25))
_REAL_UNITS: tuple[_Pair, ...] = ((Fraction(1), Fraction(0)), (Fraction(-1), Fraction(0)))
_AXIS_UNITS: tuple[_Pair, ...] = (
    *_REAL_UNITS, (Fraction(0), Fraction(1)), (Fraction(0), Fraction(-1)),
)
_ALL_UNITS: tuple[_Pair, ...] = _AXIS_UNITS + tuple(
    (Fraction(sa * a, c), Fraction(sb * b, c))
    for a, b, c in _TRIPLES
    for sa in (1, -1)
    for sb in (1, -1)
)


def _mul(z: _Pair, w: _Pair) -> _Pair:
    return (z[0] * w[0] - z[1] * w[1], z[0] * w[1] + z[1] * w[0])


def _abs2(z: _Pair) -> Fraction:
    return z[0] * z[0] + z[1] * z[1]


def _scaled(r: Fraction, u: _Pair) -> _Pair:
    return (r * u[0], r * u[1])


def _pairs_to_kind(pairs: list[_Pair], shape: tuple[int, ...], kind: NumberKind) -> np.ndarray:
    """An array of ``kind`` holding the exact values (rounded once for mpmath and float)."""
    is_complex = any(z[1] != 0 for z in pairs)
    if kind is NumberKind.FLOAT:
        if is_complex:
            return np.array([complex(float(a), float(b)) for a, b in pairs],
                            dtype=complex).reshape(shape)
        return np.array([float(a) for a, _ in pairs], dtype=float).reshape(shape)
    if kind is NumberKind.MPMATH:
        def one(a: Fraction, b: Fraction) -> Any:
            re_v = mpmath.mpf(a.numerator) / a.denominator
            return re_v if b == 0 else mpmath.mpc(re_v, mpmath.mpf(b.numerator) / b.denominator)
    else:
        def one(a: Fraction, b: Fraction) -> Any:
            return sympy.Rational(a.numerator, a.denominator) + sympy.I * sympy.Rational(
                b.numerator, b.denominator)
    out = np.empty(len(pairs), dtype=object)
    for i, (a, b) in enumerate(pairs):
        out[i] = one(a, b)
    return out.reshape(shape)


def _scalar_to_kind(z: _Pair, kind: NumberKind) -> Any:
    return _pairs_to_kind([z], (), kind)[()]


def scaled_examples(fraction: float) -> int:
    """``max_examples`` for an expensive test: ``fraction`` of the active profile's count."""
    return max(1, round(settings.default.max_examples * fraction))


def smoke_and_full(smoke: Any, full: Any) -> list[Any]:
    """Two parameters for ``pytest.mark.parametrize`` or a parametrized fixture: ``smoke``
    (id ``smoke``) in the default run and ``full`` (id ``full``) under the ``extended`` marker,
    which CI runs in its second step (``python -m pytest -m extended``)."""
    return [pytest.param(smoke, id="smoke"),
            pytest.param(full, id="full", marks=pytest.mark.extended)]


def example_budgets(fraction: float, full: float = 1.0) -> pytest.MarkDecorator:
    """Parametrize a test by its example count ``examples``, for :func:`run_examples`.

    ``fraction`` of the active profile's count (id ``smoke``) in the default run, and ``full``
    of it (id ``full``) under the ``extended`` marker (:func:`smoke_and_full`): a test too
    expensive per example for the default run keeps a smoke version there, and its full count
    in CI.
    """
    return pytest.mark.parametrize("examples", smoke_and_full(scaled_examples(fraction),
                                                              scaled_examples(full)))


def run_examples(examples: int, check: Any, *args: Any, **strategies: Any) -> None:
    """Run ``check(*args, **drawn)`` on ``examples`` hypothesis examples, where ``drawn`` holds
    one draw from each of ``strategies`` (keyword strategies, as for ``@given``)."""
    settings(max_examples=examples)(given(**strategies)(check))(*args)


def product_target() -> Any:
    """The Kolmogorov tests' fixed target: ``F(y) = y_1 y_2`` on ``[0, 1]^2`` with Lipschitz
    constants ``(1, 1)`` (a :class:`theory.kolmogorov.LipschitzTarget`)."""
    from theory.kolmogorov import LipschitzTarget

    return LipschitzTarget(lambda y: y[:, 0] * y[:, 1], 2, (1.0, 1.0))


def number_kinds() -> st.SearchStrategy[NumberKind]:
    """One of the three number kinds (exact, mpmath, float)."""
    return st.sampled_from(ALL_KINDS)


# ---------------------------------------------------------------------------------- exact atoms


@st.composite
def _fractions(draw: st.DrawFn, dens: st.SearchStrategy[int], bound: Fraction) -> Fraction:
    q = draw(dens)
    top = int(bound * q)
    return Fraction(draw(st.integers(-top, top)), q)


@functools.cache
def _fraction_strategy(bound: Fraction, max_denominator: int, dyadic: bool
                       ) -> st.SearchStrategy[Fraction]:
    if dyadic:
        dens = st.integers(0, max(0, int(max_denominator).bit_length() - 1)).map(lambda k: 2**k)
    else:
        dens = st.integers(1, max_denominator)
    return _fractions(dens, bound)


@functools.cache
def _gaussian_pairs(
    max_modulus: Fraction, max_denominator: int, strict: bool, dyadic: bool,
    complex_values: bool,
) -> st.SearchStrategy[_Pair]:
    part = _fraction_strategy(max_modulus, max_denominator, dyadic)
    imag = part if complex_values else st.just(Fraction(0))
    M2 = max_modulus * max_modulus
    inside = (lambda z: _abs2(z) < M2) if strict else (lambda z: _abs2(z) <= M2)
    return st.tuples(part, imag).filter(inside)


def small_rationals(
    bound: Any = 1, max_denominator: int = 12, dyadic: bool = False
) -> st.SearchStrategy[sympy.Rational]:
    """A sympy ``Rational`` ``p/q`` with ``|p/q| ≤ bound`` and ``q ≤ max_denominator``.

    With ``dyadic=True`` the denominator is a power of two, so the value is a float64 exactly.
    """
    return _fraction_strategy(Fraction(bound), max_denominator, dyadic).map(
        lambda x: sympy.Rational(x.numerator, x.denominator))


def gaussian_rationals(
    max_modulus: Any = 1,
    max_denominator: int = 12,
    strict: bool = True,
    dyadic: bool = False,
    complex_values: bool = True,
) -> st.SearchStrategy[sympy.Expr]:
    """An exact ``a + b i`` (sympy Rationals), ``|a + b i| < max_modulus`` (``≤`` if not strict).

    ``a`` and ``b`` share the bound on the denominator (``≤ max_denominator``, a power of two if
    ``dyadic``); with ``complex_values=False``, ``b = 0``.
    """
    pairs = _gaussian_pairs(Fraction(max_modulus), max_denominator, strict, dyadic,
                            complex_values)
    return pairs.map(lambda z: _scalar_to_kind(z, NumberKind.EXACT))


@functools.cache
def _stable_pairs(max_denominator: int, complex_values: bool, dyadic: bool
                  ) -> st.SearchStrategy[_Pair]:
    """An exact scalar of modulus ``< 1 - 10^-6``: zero, tiny, near-unit or generic."""
    if not complex_values:
        units = _REAL_UNITS
    elif dyadic:
        units = _AXIS_UNITS
    else:
        units = _ALL_UNITS
    direction = st.sampled_from(units)
    if dyadic:
        tiny = st.integers(10, 30).map(lambda k: Fraction(1, 2**k))
        near = st.integers(1, 19).map(lambda k: 1 - Fraction(1, 2**k))
    else:
        tiny = st.integers(3, 9).map(lambda k: Fraction(1, 10**k))
        near = st.integers(1, 6).map(lambda k: 1 - Fraction(1, 10**k))
    generic = _gaussian_pairs(Fraction(19, 20), max_denominator, True, dyadic, complex_values)
    return st.one_of(
        st.just(_ZERO),
        st.builds(_scaled, tiny, direction),
        st.builds(_scaled, near, direction),
        generic,
    )


# ------------------------------------------------------------------------------------- spectra


def stable_eigenvalues(
    kind: NumberKind, complex_values: bool = True, dyadic: bool = False
) -> st.SearchStrategy[Any]:
    """One eigenvalue of modulus ``< 1`` in ``kind``: zero, tiny, near-unit or generic."""
    return _stable_pairs(_MAX_DENOMINATOR[kind], complex_values, dyadic).map(
        lambda z: _scalar_to_kind(z, kind))


def _separated(values: list[_Pair], min_separation: Fraction) -> bool:
    """True when the exact values are pairwise more than ``min_separation`` apart."""
    sep2 = min_separation * min_separation
    return all(
        _abs2((values[i][0] - values[j][0], values[i][1] - values[j][1])) > sep2
        for i in range(len(values))
        for j in range(i)
    )


@st.composite
def _clustered(
    draw: st.DrawFn, values: st.SearchStrategy[list[_Pair]], offsets: st.SearchStrategy[_Pair]
) -> list[_Pair]:
    """Draw a spectrum, then maybe move some entries onto its first one plus a tiny offset."""
    vals = draw(values)
    if len(vals) < 2 or not draw(st.booleans()):
        return vals
    for i in draw(st.sets(st.integers(1, len(vals) - 1), min_size=1)):
        delta = draw(offsets)
        candidate = (vals[0][0] + delta[0], vals[0][1] + delta[1])
        if _abs2(candidate) < 1:
            vals[i] = candidate
    return vals


@functools.cache
def _cluster_offsets(complex_values: bool, dyadic: bool) -> st.SearchStrategy[_Pair]:
    """Zero (an exact repeat) or an exact offset of modulus ``10^-12 … 10^-6``."""
    if dyadic:
        tiny = st.integers(20, 40).map(lambda k: Fraction(1, 2**k))
    else:
        tiny = st.integers(6, 12).map(lambda k: Fraction(1, 10**k))
    units = _AXIS_UNITS if complex_values else _REAL_UNITS
    return st.one_of(st.just(_ZERO), st.builds(_scaled, tiny, st.sampled_from(units)))


@functools.cache
def stable_spectra(
    kind: NumberKind,
    size: int,
    complex_values: bool = True,
    distinct: bool = False,
    min_separation: Any = 0,
    clusters: bool = True,
    dyadic: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """A 1-D array of ``size`` eigenvalues of modulus ``< 1`` in ``kind``.

    ``distinct=True`` draws pairwise distinct values more than ``min_separation`` apart (no
    clusters); otherwise, when ``clusters`` is set, part of the spectrum may repeat or crowd
    around one value. ``dyadic=True`` draws values that are exact in float64.
    """
    scalar = _stable_pairs(_MAX_DENOMINATOR[kind], complex_values, dyadic)
    if distinct:
        sep = Fraction(min_separation)
        exact = st.lists(scalar, min_size=size, max_size=size, unique=True).filter(
            lambda v: _separated(v, sep)
        )
    else:
        exact = st.lists(scalar, min_size=size, max_size=size)
        if clusters:
            exact = _clustered(exact, _cluster_offsets(complex_values, dyadic))
    return exact.map(lambda vals: _pairs_to_kind(vals, (size,), kind))


# ------------------------------------------------------------------------------ B, C and inputs


@functools.cache
def _entry_pairs(kind: NumberKind, bound: Fraction, complex_values: bool, dyadic: bool
                 ) -> st.SearchStrategy[_Pair]:
    """An exact entry of modulus ``≤ bound``, exact zero included."""
    return st.one_of(
        st.just(_ZERO),
        _gaussian_pairs(bound, _MAX_DENOMINATOR[kind], False, dyadic, complex_values),
    )


def bounded_entries(
    kind: NumberKind, bound: Any = 2, complex_values: bool = True, dyadic: bool = False
) -> st.SearchStrategy[Any]:
    """One parameter entry of modulus ``≤ bound`` in ``kind`` (exact zeros included)."""
    return _entry_pairs(kind, Fraction(bound), complex_values, dyadic).map(
        lambda z: _scalar_to_kind(z, kind))


@functools.cache
def bounded_vectors(
    kind: NumberKind,
    size: int,
    bound: Any = 2,
    complex_values: bool = True,
    dyadic: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """A 1-D array of ``size`` entries of modulus ``≤ bound`` in ``kind``."""
    entry = _entry_pairs(kind, Fraction(bound), complex_values, dyadic)
    return st.lists(entry, min_size=size, max_size=size).map(
        lambda v: _pairs_to_kind(v, (size,), kind))


@st.composite
def _well_conditioned_pairs(
    draw: st.DrawFn, size: int, scales: st.SearchStrategy[_Pair], low: st.SearchStrategy[_Pair]
) -> list[_Pair]:
    """``P · D · (I + N)`` as a flat row-major list: see :func:`coupling_matrices`."""
    d = draw(st.lists(scales, min_size=size, max_size=size))
    one = (Fraction(1), Fraction(0))
    N = [[draw(low) if j < i else (one if i == j else _ZERO) for j in range(size)]
         for i in range(size)]
    perm = draw(st.permutations(range(size)))
    return [_mul(d[perm[i]], N[perm[i]][j]) for i in range(size) for j in range(size)]


@functools.cache
def coupling_matrices(
    kind: NumberKind,
    size: int,
    bound: Any = 2,
    complex_values: bool = True,
    well_conditioned: bool = False,
    dyadic: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """A ``(size, size)`` coupling matrix ``B_k`` in ``kind``.

    Entries of modulus ``≤ bound``; with ``well_conditioned=True`` instead the structured
    invertible matrix ``P · D · (I + N)``: ``P`` a permutation, ``D`` diagonal with
    ``1/2 ≤ |d_i| ≤ 2``, ``N`` strictly lower triangular with ``|N_ij| ≤ 1/(2 size)``, so
    ``‖(I+N)^{-1}‖_∞ ≤ 2`` and the ∞-norm condition number is at most 12.
    """
    den = _MAX_DENOMINATOR[kind]
    if well_conditioned:
        scales = _gaussian_pairs(Fraction(2), den, False, dyadic, complex_values).filter(
            lambda z: _abs2(z) >= Fraction(1, 4))
        low = _gaussian_pairs(Fraction(1, 2 * size), den * 2 * size, False, dyadic,
                              complex_values)
        flat = _well_conditioned_pairs(size, scales, low)
    else:
        entry = _entry_pairs(kind, Fraction(bound), complex_values, dyadic)
        flat = st.lists(entry, min_size=size * size, max_size=size * size)
    return flat.map(lambda v: _pairs_to_kind(v, (size, size), kind))


def input_sequences(
    kind: NumberKind, length: int, bound: Any = 1, complex_values: bool = False
) -> st.SearchStrategy[np.ndarray]:
    """A scalar input sequence ``x`` of shape ``(length,)`` with ``|x_t| ≤ bound`` in ``kind``."""
    return bounded_vectors(kind, length, bound, complex_values)


# -------------------------------------------------------------------------------------- models


@st.composite
def shallow_models(
    draw: st.DrawFn,
    kind: NumberKind | None = None,
    width: int | None = None,
    max_width: int = 4,
    distinct_poles: bool = False,
    complex_values: bool = True,
    bound: Any = 2,
    dyadic: bool = False,
) -> ShallowSSM:
    """A :class:`~theory.linear.ShallowSSM` (kind and width drawn unless given).

    ``distinct_poles=True`` makes the eigenvalues pairwise distinct (the shallow norm
    ``max_i |r_i|^{1/2}`` of BYJL25 §1.4 presumes it).
    """
    kind = draw(number_kinds()) if kind is None else kind
    n = draw(st.integers(1, max_width)) if width is None else width
    lam = draw(stable_spectra(kind, n, complex_values, distinct=distinct_poles, dyadic=dyadic))
    B = draw(bounded_vectors(kind, n, bound, complex_values, dyadic))
    C = draw(bounded_vectors(kind, n, bound, complex_values, dyadic))
    return ShallowSSM(lam, B, C)


@st.composite
def deep_models(
    draw: st.DrawFn,
    kind: NumberKind | None = None,
    depth: int | None = None,
    width: int | None = None,
    max_depth: int = 3,
    max_width: int = 3,
    complex_values: bool = True,
    bound: Any = 2,
    well_conditioned: bool = False,
    dyadic: bool = False,
) -> DeepSSM:
    """A :class:`~theory.linear.DeepSSM` (BYJL25 Eq. 1); kind, depth and width drawn unless given.

    Each layer's spectrum comes from :func:`stable_spectra`; ``B_1`` and ``C`` have entries of
    modulus ``≤ bound``; the couplings ``B_k`` come from :func:`coupling_matrices`.
    """
    kind = draw(number_kinds()) if kind is None else kind
    l_ = draw(st.integers(1, max_depth)) if depth is None else depth
    m = draw(st.integers(1, max_width)) if width is None else width
    lam = [draw(stable_spectra(kind, m, complex_values, dyadic=dyadic)) for _ in range(l_)]
    B = [draw(bounded_vectors(kind, m, bound, complex_values, dyadic))]
    B += [
        draw(coupling_matrices(kind, m, bound, complex_values, well_conditioned, dyadic))
        for _ in range(l_ - 1)
    ]
    C = draw(bounded_vectors(kind, m, bound, complex_values, dyadic))
    return DeepSSM(lam, B, C)


def same_model_in_kinds(model: DeepSSM) -> dict[NumberKind, DeepSSM]:
    """The same model in each of the three kinds (via ``to_kind``; exact → float rounds).

    A model drawn with ``dyadic=True`` converts without rounding, so the three are equal.
    """
    return {kind: model if kind is model.kind else model.to_kind(kind) for kind in ALL_KINDS}


# ----------------------------------------------------------------------- dense control systems


def _householder(v: np.ndarray) -> np.ndarray:
    """The orthogonal reflection ``I - 2 v v^T / |v|²`` (condition number 1)."""
    return np.eye(v.size) - 2.0 * np.outer(v, v) / float(v @ v)


@st.composite
def control_systems(
    draw: st.DrawFn,
    max_states: int = 4,
    max_inputs: int = 2,
    max_outputs: int = 2,
    non_normal: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stable real float64 control system ``(A, B, C, D)`` with a dense, structured ``A``.

    Shapes ``(n, n)``, ``(n, d)``, ``(p, n)``, ``(p, d)``. ``A = Q (Λ + N) Q^T``: ``Λ`` is
    block diagonal (1×1 blocks for real eigenvalues, 2×2 rotation-scaling blocks for complex
    pairs) from :func:`stable_spectra`, so ``A`` may be singular or have eigenvalues near the
    unit circle; ``N`` (when ``non_normal``) is strictly block upper triangular with entries
    ``≤ 1/2`` and leaves the spectrum unchanged; ``Q`` is a product of two Householder
    reflections, so the similarity is perfectly conditioned.
    """
    n_pairs = draw(st.integers(0, max_states // 2))
    n_real = draw(st.integers(1 if n_pairs == 0 else 0, max_states - 2 * n_pairs))
    real = draw(stable_spectra(NumberKind.FLOAT, n_real, complex_values=False))
    pairs = draw(stable_spectra(NumberKind.FLOAT, n_pairs, complex_values=True))
    blocks = [np.array([[x]]) for x in np.atleast_1d(real)]
    for z in np.atleast_1d(pairs).astype(complex):
        blocks.append(np.array([[z.real, -z.imag], [z.imag, z.real]]))
    n = sum(b.shape[0] for b in blocks)
    Lam = np.zeros((n, n))
    owner = np.empty(n, dtype=int)
    pos = 0
    for k, b in enumerate(blocks):
        size = b.shape[0]
        Lam[pos:pos + size, pos:pos + size] = b
        owner[pos:pos + size] = k
        pos += size
    half = st.floats(-0.5, 0.5, allow_nan=False, allow_infinity=False)
    if non_normal:
        upper = owner[:, None] < owner[None, :]
        Lam[upper] = draw(st.lists(half, min_size=int(upper.sum()), max_size=int(upper.sum())))
    unit = st.floats(-1, 1, allow_nan=False, allow_infinity=False)
    vec = st.lists(unit, min_size=n, max_size=n).map(np.array).filter(lambda v: v @ v > 0.25)
    Q = _householder(draw(vec)) @ _householder(draw(vec))
    A = Q @ Lam @ Q.T
    d = draw(st.integers(1, max_inputs))
    p = draw(st.integers(1, max_outputs))
    two = st.floats(-2, 2, allow_nan=False, allow_infinity=False)

    def matrix(rows: int, cols: int) -> np.ndarray:
        flat = draw(st.lists(two, min_size=rows * cols, max_size=rows * cols))
        return np.array(flat, dtype=float).reshape(rows, cols)

    return A, matrix(n, d), matrix(p, n), matrix(p, d)


# ------------------------------------------------------------------------------ comparison


def magnitude_bound(model: DeepSSM, T: int) -> np.ndarray:
    """``ρ_abs(s)``, the kernel of the model with every entry replaced by its modulus (mpmath).

    It bounds ``Σ |terms|`` of ``ρ(s)`` in BYJL25 Eq. 2, so ``tolerance(kind, ρ_abs(s))`` is an
    a-priori rounding bound for ``ρ(s)`` computed in ``kind`` by any of the suite's methods
    (their error is ``≤ c · ε · ρ_abs(s)`` with ``c`` a small operation count, far below
    ``ε^-0.2``). It is computed in mpmath so that it cannot underflow.
    """
    def absolute(arr: np.ndarray) -> np.ndarray:
        mp = convert(arr, NumberKind.MPMATH)
        return np.array([mpmath.fabs(x) for x in mp.flat] + [None], dtype=object)[:-1].reshape(
            mp.shape)

    abs_model = DeepSSM(absolute(model.eigenvalues), [absolute(b) for b in model.B],
                        absolute(model.C))
    return abs_model.kernel(T)


def mismatches(actual: Any, expected: Any, kind: NumberKind, scale: Any = 1) -> list[int]:
    """Flat indices where ``actual`` and ``expected`` disagree for ``kind``.

    Exact: ``expand(a - b) != 0`` (canonical for Gaussian rationals; ``simplify`` decides what
    ``expand`` leaves). Otherwise: ``|a - b| > tolerance(kind, scale)`` entrywise, with the
    smallest normal float as a floor for the float kind (subnormals carry no relative accuracy).
    """
    a = np.asarray(actual, dtype=object)
    b = np.asarray(expected, dtype=object)
    if a.shape != b.shape:
        raise AssertionError(f"shapes differ: {a.shape} != {b.shape}")
    bad: list[int] = []
    if kind is NumberKind.EXACT:
        for i, (x, y) in enumerate(zip(a.flat, b.flat)):
            diff = sympy.expand(sympy.sympify(x) - sympy.sympify(y))
            if diff != 0 and sympy.simplify(diff) != 0:
                bad.append(i)
        return bad
    scales = np.broadcast_to(np.asarray(scale, dtype=object), a.shape)
    floor = float(np.finfo(float).tiny) if kind is NumberKind.FLOAT else 0
    for i, (x, y, s) in enumerate(zip(a.flat, b.flat, scales.flat)):
        if mpmath.fabs(mpmath.mpmathify(x) - mpmath.mpmathify(y)) > tolerance(kind, s) + floor:
            bad.append(i)
    return bad


def assert_agree(actual: Any, expected: Any, kind: NumberKind, scale: Any = 1) -> None:
    """Assert :func:`mismatches` is empty, showing the first disagreeing entries."""
    bad = mismatches(actual, expected, kind, scale)
    if bad:
        a = np.asarray(actual, dtype=object).ravel()
        b = np.asarray(expected, dtype=object).ravel()
        shown = "; ".join(f"[{i}] {a[i]} != {b[i]}" for i in bad[:3])
        raise AssertionError(f"{len(bad)} of {a.size} entries disagree ({kind.value}): {shown}")
