"""Tests of verify.sampling: spectra are stable and have the advertised structure."""

from itertools import product

import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case
from hypothesis import given
from hypothesis import strategies as st

from theory.numbers import InvalidParameterError, NumberKind
from verify.sampling import (
    SPECTRUM_STYLES,
    gaussian_rational,
    random_deep_batch,
    random_deep_exact,
    random_deep_mpmath,
    stable_spectrum,
)


def _spectra_are_stable(style, complex_):
    lam = stable_spectrum(np.random.default_rng(0), (50, 6), style, complex_)
    assert lam.shape == (50, 6) and np.all(np.abs(lam) < 1)
    assert np.iscomplexobj(lam) == complex_


def test_spectra_are_stable() -> None:
    """Spectra are stable: every case of ``SPECTRUM_STYLES``."""
    check_every_case(_spectra_are_stable, product(SPECTRUM_STYLES, [True, False]))


def test_style_structure():
    rng = np.random.default_rng(1)
    clustered = stable_spectrum(rng, (20, 5), "clustered")
    assert np.all(np.ptp(clustered.real, axis=1) <= 2e-3)
    tiny = stable_spectrum(rng, (20, 5), "tiny")
    assert np.all(np.abs(tiny) <= 0.1)
    near = stable_spectrum(rng, (20, 5), "near_unit")
    assert np.all(np.abs(near) >= 0.99)
    zeros = stable_spectrum(rng, (200, 5), "zeros")
    assert 0.3 < np.mean(zeros == 0) < 0.7


def test_unknown_style_is_refused():
    with pytest.raises(InvalidParameterError, match="^style: expected one of"):
        stable_spectrum(np.random.default_rng(0), (2,), "wild")


def test_deep_batch_shapes_and_models():
    b = random_deep_batch(np.random.default_rng(2), 7, 3, 2)
    assert (b.size, b.depth, b.width) == (7, 3, 2)
    assert b.Bk.shape == (7, 2, 2, 2)
    m = b.model(4)
    assert m.depth == 3 and m.width == 2
    assert len(b.describe(4)["Bk"]) == 2


def test_exact_models_are_exact_and_stable():
    rng = np.random.default_rng(3)
    for _ in range(20):
        m = random_deep_exact(rng, 3, 2)
        assert m.kind is NumberKind.EXACT
        assert all((sympy.re(x) ** 2 + sympy.im(x) ** 2) < 1 for x in m.eigenvalues.flat)


def test_gaussian_rational_bounds():
    rng = np.random.default_rng(4)
    for _ in range(50):
        z = gaussian_rational(rng, max_den=5, max_abs=2)
        assert abs(sympy.re(z)) <= 2 and abs(sympy.im(z)) <= 2
        assert sympy.re(z).q <= 5


def test_mpmath_models_use_current_precision():
    import mpmath

    with mpmath.workdps(40):
        m = random_deep_mpmath(np.random.default_rng(5), 2, 2)
        assert m.kind is NumberKind.MPMATH
        assert all(abs(x) < 1 for x in m.eigenvalues.flat)


def _random_stable_layer_has_the_requested_radius(dense):
    from verify.sampling import random_stable_layer

    layer = random_stable_layer(np.random.default_rng(6), 2, 5, 3, 0.8, dense=dense)
    assert layer.spectral_radius() == pytest.approx(0.8, rel=1e-12)
    assert (layer.d_in, layer.width, layer.d_out) == (2, 5, 3)


def test_random_stable_layer_has_the_requested_radius() -> None:
    """Random stable layer has the requested radius: every case of the table."""
    check_every_case(_random_stable_layer_has_the_requested_radius, product([True, False]))


def test_deep_batch_draws_styles_in_order_of_first_occurrence():
    """The documented draw order, independent of PYTHONHASHSEED (a set's order is not)."""
    batch = random_deep_batch(np.random.default_rng(7), 12, 2, 3)
    rng = np.random.default_rng(7)
    chosen = [str(s) for s in rng.choice(SPECTRUM_STYLES, size=12)]
    assert batch.styles == chosen and len(set(chosen)) >= 3
    expected = np.empty((12, 2, 3), dtype=complex)
    for style in dict.fromkeys(chosen):
        idx = [i for i, s in enumerate(chosen) if s == style]
        expected[idx] = stable_spectrum(rng, (len(idx), 2, 3), style)
    np.testing.assert_array_equal(batch.eigenvalues, expected)


def test_deep_batch_with_one_style():
    b = random_deep_batch(np.random.default_rng(8), 5, 2, 2, styles=("tiny",))
    assert b.styles == ["tiny"] * 5 and np.all(np.abs(b.eigenvalues) <= 0.1)


# ------------------------------------------------------------------ bad input
def _rng():
    return np.random.default_rng(0)


SIZES = (0, -1, 2.5, float("nan"), True, None)


#: Cases ``(call, name)`` of :func:`test_samplers_reject_bad_input`.
BAD_SAMPLER_CALLS = (
    [(lambda: stable_spectrum(0, (2,), "disk"), "rng"),
     (lambda: stable_spectrum(_rng(), (0,), "disk"), "shape"),
     (lambda: stable_spectrum(_rng(), (3, -1), "disk"), "shape"),
     (lambda: stable_spectrum(_rng(), (2.5,), "disk"), "shape"),
     (lambda: stable_spectrum(_rng(), (), "disk"), "shape"),
     (lambda: stable_spectrum(_rng(), 3, "disk"), "shape"),
     (lambda: stable_spectrum(_rng(), (2,), "wild"), "style"),
     (lambda: stable_spectrum(_rng(), (2,), "disk", complex_="yes"), "complex_"),
     (lambda: random_deep_batch(_rng(), 2, 2, 2, styles=()), "styles"),
     (lambda: random_deep_batch(_rng(), 2, 2, 2, styles=("disk", "wild")), "styles"),
     (lambda: random_deep_batch(_rng(), 2, 2, 2, styles="disk"), "styles"),
     (lambda: random_deep_batch(None, 2, 2, 2), "rng"),
     (lambda: random_deep_mpmath(np.random.RandomState(0), 2, 2), "rng"),
     (lambda: gaussian_rational(123), "rng")]
    + [(lambda v=v, p=p: random_deep_batch(_rng(), **({"n": 2, "depth": 2, "width": 2} | {p: v})),
        p) for p in ("n", "depth", "width") for v in SIZES]
    + [(lambda v=v, p=p: random_deep_exact(_rng(), **({"depth": 2, "width": 2} | {p: v})), p)
       for p in ("depth", "width", "max_den") for v in SIZES]
    + [(lambda v=v, p=p: random_deep_mpmath(_rng(), **({"depth": 2, "width": 2} | {p: v})), p)
       for p in ("depth", "width") for v in SIZES]
    + [(lambda v=v, p=p: gaussian_rational(_rng(), **{p: v}), p)
       for p in ("max_den", "max_abs") for v in SIZES]
)


def _samplers_reject_bad_input(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        call()


def test_samplers_reject_bad_input() -> None:
    """Samplers reject bad input: every case of ``BAD_SAMPLER_CALLS``."""
    check_every_case(_samplers_reject_bad_input, BAD_SAMPLER_CALLS)


#: Cases ``(kwargs, name)`` of :func:`test_random_stable_layer_rejects_bad_input`.
BAD_LAYER_ARGUMENTS = (
    [({"radius": 1.0}, "radius"), ({"radius": 1.5}, "radius"), ({"radius": -0.1}, "radius"),
     ({"radius": float("nan")}, "radius"), ({"radius": float("inf")}, "radius"),
     ({"radius": True}, "radius"), ({"d_in": 0}, "d_in"), ({"width": 2.5}, "width"),
     ({"d_out": -1}, "d_out"), ({"dense": "no"}, "dense"), ({"bias": None}, "bias"),
     ({"rng": 0}, "rng")]
)


def _random_stable_layer_rejects_bad_input(kwargs, name):
    from verify.sampling import random_stable_layer

    args = {"rng": _rng(), "d_in": 1, "width": 2, "d_out": 1, "radius": 0.5,
            "dense": False} | kwargs
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        random_stable_layer(**args)


def test_random_stable_layer_rejects_bad_input() -> None:
    """Random stable layer rejects bad input: every case of ``BAD_LAYER_ARGUMENTS``."""
    check_every_case(_random_stable_layer_rejects_bad_input, BAD_LAYER_ARGUMENTS)


def test_random_stable_layer_accepts_radius_just_below_one_and_zero():
    from verify.sampling import random_stable_layer

    near = random_stable_layer(_rng(), 1, 3, 1, np.nextafter(1.0, 0.0), dense=False)
    assert near.spectral_radius() < 1
    assert random_stable_layer(_rng(), 1, 3, 1, 0.0, dense=False).spectral_radius() == 0


# ------------------------------------------------------------------ properties
@given(seed=st.integers(0, 2**32 - 1), style=st.sampled_from(SPECTRUM_STYLES),
       complex_=st.booleans(),
       shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
def test_every_spectrum_is_stable(seed, style, complex_, shape):
    lam = stable_spectrum(np.random.default_rng(seed), shape, style, complex_)
    assert lam.shape == shape and np.all(np.abs(lam) < 1)
    assert np.iscomplexobj(lam) == complex_


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), depth=st.integers(1, 3),
       width=st.integers(1, 3),
       styles=st.lists(st.sampled_from(SPECTRUM_STYLES), min_size=1, max_size=3).map(tuple))
def test_deep_batches_are_stable_reproducible_and_use_the_given_styles(seed, n, depth, width,
                                                                        styles):
    a = random_deep_batch(np.random.default_rng(seed), n, depth, width, styles=styles)
    b = random_deep_batch(np.random.default_rng(seed), n, depth, width, styles=styles)
    assert a.eigenvalues.shape == (n, depth, width) and np.all(np.abs(a.eigenvalues) < 1)
    assert set(a.styles) <= set(styles)
    for x, y in ((a.eigenvalues, b.eigenvalues), (a.B1, b.B1), (a.Bk, b.Bk), (a.C, b.C)):
        np.testing.assert_array_equal(x, y)


def _reference_deep_batch(rng, n, depth, width, complex_, styles):
    """The documented draws of random_deep_batch, written out with strings: the styles of
    ``rng.choice(styles, size=n)``, the spectra style by style in order of first occurrence,
    then ``B_1``, ``B_k`` and ``C`` as ``x + 1j * y`` of two standard normal draws."""
    chosen = [str(s) for s in rng.choice(styles, size=n)]
    lam = np.empty((n, depth, width), dtype=complex if complex_ else float)
    for style in dict.fromkeys(chosen):
        idx = [i for i, s in enumerate(chosen) if s == style]
        lam[idx] = stable_spectrum(rng, (len(idx), depth, width), style, complex_)

    def entries(shape):
        z = rng.standard_normal(shape)
        return z + 1j * rng.standard_normal(shape) if complex_ else z

    return chosen, lam, entries((n, width)), entries((n, depth - 1, width, width)), \
        entries((n, width))


#: Values of ``styles`` in :func:`test_deep_batch_draws_are_the_documented_ones`.
DRAW_STYLES = [SPECTRUM_STYLES, ("tiny",), ("zeros", "disk", "zeros"),
               ("near_unit", "clustered")]


def _deep_batch_draws_are_the_documented_ones(styles, complex_):
    for seed in range(3):
        got = random_deep_batch(np.random.default_rng(seed), 40, 2, 3, complex_, styles)
        chosen, *arrays = _reference_deep_batch(np.random.default_rng(seed), 40, 2, 3,
                                                complex_, styles)
        assert got.styles == chosen and all(type(s) is str for s in got.styles)
        for x, y in zip((got.eigenvalues, got.B1, got.Bk, got.C), arrays, strict=True):
            assert x.dtype == y.dtype and np.array_equal(x, y)
            assert np.array_equal(np.signbit(x.real), np.signbit(y.real))
            assert np.array_equal(np.signbit(np.imag(x)), np.signbit(np.imag(y)))


def test_deep_batch_draws_are_the_documented_ones() -> None:
    """Bit for bit (signs of zeros included), a style listed twice included: the draws, and so
    every report of a seed, do not depend on how the sampler is vectorized."""
    check_every_case(_deep_batch_draws_are_the_documented_ones, product(DRAW_STYLES, [True, False]))
