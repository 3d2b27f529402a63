"""Random instances for the claim checks: stable spectra and deep linear SSMs in every number kind.

Spectra are drawn from a mixture of *styles* that stress different failure modes:

=============  ================================================================
``disk``       uniform in the disk ``|λ| ≤ 0.95`` (complex) or ``[-0.95, 0.95]``
``clustered``  all eigenvalues within ``1e-3`` of one random centre
``tiny``       moduli spread log-uniformly over ``[1e-6, 1e-1]``
``near_unit``  moduli ``1 - 10^{-u}``, ``u ∈ [2, 5]``
``zeros``      about half the eigenvalues exactly 0 (pass-through modes)
=============  ================================================================

Exact instances use Gaussian rationals with small denominators, stable by exact comparison.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.layers import SSMLayer
from theory.linear import DeepSSM
from theory.numbers import InvalidParameterError, abs_squared
from verify.batch import DeepBatch

__all__ = [
    "SPECTRUM_STYLES",
    "stable_spectrum",
    "random_deep_batch",
    "random_deep_exact",
    "random_deep_mpmath",
    "gaussian_rational",
    "random_stable_layer",
]

SPECTRUM_STYLES = ("disk", "clustered", "tiny", "near_unit", "zeros")


def _is_int(x: Any, minimum: int) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool) and int(x) >= minimum


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "rng": (lambda v: isinstance(v, np.random.Generator), "a numpy.random.Generator"),
    "shape": (lambda v: isinstance(v, tuple) and len(v) > 0 and all(_is_int(k, 1) for k in v),
              "a non-empty tuple of integers >= 1"),
    "style": (lambda v: isinstance(v, str) and v in SPECTRUM_STYLES,
              f"one of {SPECTRUM_STYLES}"),
    "styles": (lambda v: isinstance(v, (tuple, list)) and len(v) > 0
               and all(isinstance(s, str) and s in SPECTRUM_STYLES for s in v),
               f"a non-empty tuple of styles from {SPECTRUM_STYLES}"),
    "size": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "radius": (lambda v: _is_real(v) and 0 <= v < 1, "a real number in [0, 1) (stable)"),
    "flag": (lambda v: isinstance(v, (bool, np.bool_)), "True or False"),
}

#: Which rule of :data:`_RULES` checks each parameter name of the public functions.
_RULE_OF = {name: "size" for name in ("n", "depth", "width", "d_in", "d_out", "max_den",
                                       "max_abs")}
_RULE_OF.update({name: "flag" for name in ("complex_", "dense", "feedthrough", "bias")})


def _check(**params: Any) -> None:
    """The module's validation choke point: every public function passes its arguments here.

    Raises
    ------
    theory.numbers.InvalidParameterError
        Naming the first parameter (in the order given) whose value breaks its rule.
    """
    for name, value in params.items():
        ok, expected = _RULES[_RULE_OF.get(name, name)]
        if not ok(value):
            raise InvalidParameterError(f"{name}: expected {expected}, got {value!r}")


def stable_spectrum(
    rng: np.random.Generator, shape: tuple[int, ...], style: str, complex_: bool = True
) -> np.ndarray:
    """Eigenvalues of modulus < 1 of the given ``style`` (see the module docstring).

    The last axis of ``shape`` is one spectrum (clustering and zeroing act along it).

    Raises
    ------
    theory.numbers.InvalidParameterError
        For an unknown ``style``, a ``shape`` that is not a non-empty tuple of positive
        integers, or an ``rng`` that is not a numpy Generator.
    """
    _check(rng=rng, shape=shape, style=style, complex_=complex_)
    phase = (np.exp(1j * rng.uniform(-np.pi, np.pi, shape)) if complex_
             else rng.choice([-1.0, 1.0], shape))
    if style == "disk":
        mod = 0.95 * np.sqrt(rng.uniform(0, 1, shape)) if complex_ else \
            rng.uniform(0, 0.95, shape)
        lam = mod * phase
    elif style == "clustered":
        centre = stable_spectrum(rng, (*shape[:-1], 1), "disk", complex_) * 0.98
        jitter = rng.uniform(-1e-3, 1e-3, shape)
        if complex_:
            jitter = jitter + 1j * rng.uniform(-1e-3, 1e-3, shape)
        lam = centre + jitter
    elif style == "tiny":
        lam = 10.0 ** rng.uniform(-6, -1, shape) * phase
    elif style == "near_unit":
        lam = (1 - 10.0 ** (-rng.uniform(2, 5, shape))) * phase
    else:  # zeros
        lam = stable_spectrum(rng, shape, "disk", complex_)
        lam = np.where(rng.uniform(0, 1, shape) < 0.5, 0, lam)
    return np.asarray(lam, dtype=complex if complex_ else float)


def random_deep_batch(
    rng: np.random.Generator,
    n: int,
    depth: int,
    width: int,
    complex_: bool = True,
    styles: tuple[str, ...] = SPECTRUM_STYLES,
) -> DeepBatch:
    """``n`` random deep models; each instance draws its spectrum style from ``styles``.

    Entries of ``B_1, B_k, C`` are standard normal (complex normal when ``complex_``).
    Spectra are drawn style by style in order of first occurrence, so the draws depend on
    ``rng`` alone (not on ``PYTHONHASHSEED``, as iterating over a set of styles would).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``n``, ``depth`` or ``width`` is not an integer ``>= 1``, or ``styles`` is empty or
        names an unknown style.
    """
    _check(rng=rng, n=n, depth=depth, width=width, complex_=complex_, styles=styles)
    codes = _style_codes(rng, styles, n)
    lam = np.empty((n, depth, width), dtype=complex if complex_ else float)
    for code in _first_occurrences(codes):
        idx = np.flatnonzero(codes == code)
        lam[idx] = stable_spectrum(rng, (idx.size, depth, width), styles[code], complex_)

    def entries(shape: tuple[int, ...]) -> np.ndarray:
        if not complex_:
            return rng.standard_normal(shape)
        z = np.empty(shape, dtype=complex)  # z.real, then z.imag: the values of x + 1j * y
        z.real = rng.standard_normal(shape)
        z.imag = rng.standard_normal(shape)
        return z

    names = np.array([str(s) for s in styles], dtype=object)
    return DeepBatch(lam, entries((n, width)), entries((n, depth - 1, width, width)),
                     entries((n, width)), names[codes].tolist())


def _style_codes(rng: np.random.Generator, styles: tuple[str, ...], n: int) -> np.ndarray:
    """The style of each of ``n`` instances as the index of its first entry in ``styles``.

    The draw of ``rng.choice(styles, size=n)`` (the same integers from ``rng``), without an
    array of strings; a style listed twice gets one code.
    """
    first = np.array([styles.index(s) for s in styles])
    return first[rng.choice(len(styles), size=n)]


def _first_occurrences(codes: np.ndarray) -> list[int]:
    """The distinct values of ``codes`` in order of first occurrence."""
    values, where = np.unique(codes, return_index=True)
    return [int(v) for v in values[np.argsort(where)]]


def gaussian_rational(rng: np.random.Generator, max_den: int = 7, max_abs: int = 3) -> sympy.Expr:
    """A random Gaussian rational ``a + b·I``.

    ``a`` and ``b`` have denominators at most ``max_den`` and moduli at most ``max_abs`` (both
    integers ``>= 1``).
    """
    _check(rng=rng, max_den=max_den, max_abs=max_abs)

    def part() -> sympy.Rational:
        den = int(rng.integers(1, max_den + 1))
        return sympy.Rational(int(rng.integers(-max_abs * den, max_abs * den + 1)), den)

    return part() + sympy.I * part()


def _exact_stable(rng: np.random.Generator, max_den: int) -> sympy.Expr:
    while True:
        lam = gaussian_rational(rng, max_den, 1)
        if abs_squared(lam) < 1:
            return lam


def random_deep_exact(rng: np.random.Generator, depth: int, width: int,
                      max_den: int = 7) -> DeepSSM:
    """A deep model with Gaussian-rational entries, exactly stable (``|λ|² < 1`` as rationals).

    About one eigenvalue in five is exactly zero, and one layer in three repeats an eigenvalue of
    the layer below, so pass-through modes and shared poles are exercised.
    """
    _check(rng=rng, depth=depth, width=width, max_den=max_den)
    lam = [[_exact_stable(rng, max_den) for _ in range(width)] for _ in range(depth)]
    for k in range(depth):
        for i in range(width):
            if rng.uniform() < 0.2:
                lam[k][i] = sympy.Integer(0)
        if k > 0 and rng.uniform() < 1 / 3:
            lam[k][0] = lam[k - 1][int(rng.integers(width))]
    B = [[gaussian_rational(rng, max_den) for _ in range(width)]]
    B += [[[gaussian_rational(rng, max_den) for _ in range(width)] for _ in range(width)]
          for _ in range(depth - 1)]
    C = [gaussian_rational(rng, max_den) for _ in range(width)]
    return DeepSSM(lam, B, C)


def random_deep_mpmath(rng: np.random.Generator, depth: int, width: int) -> DeepSSM:
    """A deep model with mpmath entries at the current precision (full-precision random digits).

    Spectra mix the styles of :func:`stable_spectrum`; every float draw is refined by a random
    perturbation far below float resolution so the entries use the whole working precision.
    """
    _check(rng=rng, depth=depth, width=width)
    style = str(rng.choice(SPECTRUM_STYLES))
    lam = stable_spectrum(rng, (depth, width), style)
    tiny = mpmath.mpf(2) ** -60

    def refine(z: complex) -> mpmath.mpc:
        if z == 0:
            return mpmath.mpc(0)
        return mpmath.mpc(z) * (1 + tiny * mpmath.mpf(float(rng.uniform(-1, 1))))

    def normal(shape: tuple[int, ...]) -> np.ndarray:
        z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        out = np.empty(shape, dtype=object)
        for idx, v in np.ndenumerate(z):
            out[idx] = refine(complex(v))
        return out

    lam_mp = np.empty(lam.shape, dtype=object)
    for idx, v in np.ndenumerate(lam):
        lam_mp[idx] = refine(complex(v)) * (1 - tiny) if v != 0 else mpmath.mpc(0)
    B = [normal((width,))] + [normal((width, width)) for _ in range(depth - 1)]
    return DeepSSM(lam_mp, B, normal((width,)))


def random_stable_layer(
    rng: np.random.Generator,
    d_in: int,
    width: int,
    d_out: int,
    radius: float,
    *,
    dense: bool,
    feedthrough: bool = True,
    bias: bool = True,
) -> SSMLayer:
    """A float layer whose ``W`` has spectral radius exactly ``radius`` (up to rounding).

    Diagonal ``W``: entries uniform in ``[-radius, radius]``, one of them ``±radius``. Dense
    ``W``: a standard normal matrix rescaled to that spectral radius (generically
    diagonalizable, non-normal). ``U, C, D`` are normal with variance ``1/fan-in``, ``b``
    standard normal.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If a size is not an integer ``>= 1`` or ``radius`` is not in ``[0, 1)`` (the layer must
        be stable; ``nan`` and ``inf`` are refused).
    """
    _check(rng=rng, d_in=d_in, width=width, d_out=d_out, radius=radius, dense=dense,
           feedthrough=feedthrough, bias=bias)
    if dense:
        W = rng.standard_normal((width, width))
        W *= radius / np.abs(np.linalg.eigvals(W)).max()
    else:
        W = rng.uniform(-radius, radius, width)
        W[rng.integers(width)] = radius * rng.choice([-1.0, 1.0])
    U = rng.standard_normal((width, d_in)) / math.sqrt(d_in)
    C = rng.standard_normal((d_out, width)) / math.sqrt(width)
    D = rng.standard_normal((d_out, d_in)) / math.sqrt(d_in) if feedthrough else None
    b = rng.standard_normal(width) if bias else None
    return SSMLayer(W, U, C, D, b)
