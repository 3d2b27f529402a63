"""Tests of verify.sampling: spectra are stable and have the advertised structure."""

import numpy as np
import pytest
import sympy

from theory.numbers import NumberKind
from verify.sampling import (
    SPECTRUM_STYLES,
    gaussian_rational,
    random_deep_batch,
    random_deep_exact,
    random_deep_mpmath,
    stable_spectrum,
)


@pytest.mark.parametrize("style", SPECTRUM_STYLES)
@pytest.mark.parametrize("complex_", [True, False])
def test_spectra_are_stable(style, complex_):
    lam = stable_spectrum(np.random.default_rng(0), (50, 6), style, complex_)
    assert lam.shape == (50, 6) and np.all(np.abs(lam) < 1)
    assert np.iscomplexobj(lam) == complex_


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
    with pytest.raises(ValueError, match="style"):
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


@pytest.mark.parametrize("dense", [True, False])
def test_random_stable_layer_has_the_requested_radius(dense):
    from verify.sampling import random_stable_layer

    layer = random_stable_layer(np.random.default_rng(6), 2, 5, 3, 0.8, dense=dense)
    assert layer.spectral_radius() == pytest.approx(0.8, rel=1e-12)
    assert (layer.d_in, layer.width, layer.d_out) == (2, 5, 3)
