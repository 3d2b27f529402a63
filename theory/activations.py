"""Element-wise activations σ of multi-layer SSMs with layer-wise nonlinearity (WX23 §1.2).

WX23 applies one scalar function σ coordinate-wise and at every time step separately between
the linear SSM layers. The checks need three facts about σ: its values in each number kind, a
Lipschitz constant (Theorem 3.13 propagates derivatives through σ with it), and, where it
exists, its inverse (constructions that must undo σ between layers).

An :class:`Activation` is called on

* float arrays (``float64``): ``fn`` is applied to the whole array (vectorized numpy);
* object arrays of sympy or mpmath numbers: ``fn`` is applied to each entry, which stays in
  its kind (``tanh`` of a sympy rational is the exact symbol ``tanh(1/2)``);
* lists and tuples: as a float64 array, or as an object array when an entry would lose its
  kind in float64 (a sympy, mpmath or ``Fraction`` number, a Python ``int`` beyond float64's
  range);
* a scalar: ``fn`` of the scalar.

Python ``int`` and ``Fraction`` arguments are exact and of any size. ReLU, hard-tanh and the
identity return them exactly (``RELU(10**400) == 10**400``); tanh, the sigmoid and their
inverses return the float64 value. Beyond float64's range tanh and the sigmoid saturate, as
their float64 values do (``TANH(10**400) == 1.0``, ``SIGMOID(-10**400) == 0.0``); the inverses
take a ``Fraction`` exactly (``atanh(1 - 10**-400)`` is about 460.9, not ``atanh(1.0)``), and
an argument outside their domain, however large, is refused by name.

The predefined activations carry their exact (smallest) Lipschitz constants: 1 for ReLU, tanh,
hard-tanh and the identity, ``1/4`` for the logistic sigmoid (its derivative ``σ(1 - σ)`` peaks
at ``x = 0``). These are dyadic, so the float stored in :attr:`Activation.lipschitz` is the
exact value (:attr:`Activation.lipschitz_exact` returns it as a sympy rational).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import scipy  # scipy.special loads on first use (scipy's lazy submodules)
import sympy

from theory.numbers import InvalidParameterError, describe
from theory.validation import check_real

__all__ = [
    "Activation",
    "RELU",
    "TANH",
    "SIGMOID",
    "HARDTANH",
    "IDENTITY",
    "ACTIVATIONS",
    "custom_activation",
    "get_activation",
]


#: The smallest magnitude that float64 rounds to infinity, ``2^1024 - 2^970``.
_FLOAT_LIMIT = 2**1024 - 2**970
#: Bits of the mpmath logarithm that the inverses of tanh and the sigmoid use for a
#: ``Fraction`` (its result is rounded to float64 once).
_LOG_PREC = 96


def _is_float_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype != object


def _is_real_entry(v: Any) -> bool:
    """True for a real number of a supported kind (not a bool, a string or a complex number)."""
    if isinstance(v, sympy.Basic):
        return v.is_extended_real is not False
    return isinstance(v, (numbers.Real, mpmath.mpf)) and not isinstance(v, (bool, np.bool_))


def _beyond_float(v: Any) -> bool:
    """True for an exact rational (``int``, ``Fraction``, sympy ``Rational``) whose magnitude
    float64 cannot hold (``float(v)`` would overflow)."""
    return isinstance(v, (int, Fraction, sympy.Rational)) and abs(v) >= _FLOAT_LIMIT


def _needs_object(v: Any) -> bool:
    """True for an entry of a list that a float64 array would change: a sympy, mpmath or
    ``Fraction`` number, an ``int`` beyond float64's range."""
    return isinstance(v, (sympy.Basic, mpmath.mpf, Fraction)) or _beyond_float(v)


def _shown(v: Any) -> str:
    """``v`` for an error message: an exact rational whose numerator or denominator reaches
    ``10^30`` as its type and magnitude (``int ~1.0e+400``), anything else as
    :func:`theory.numbers.describe` shows it."""
    if isinstance(v, (int, Fraction, sympy.Rational)) and \
            max(abs(int(v.numerator)), int(v.denominator)) >= 10**30:
        approx = mpmath.mpf(int(v.numerator)) / int(v.denominator)
        return f"{type(v).__name__} ~{mpmath.nstr(approx, 6)}"
    return describe(v)


def _is_comparable(v: Any) -> bool:
    """Whether the real entry ``v`` can be compared with a domain's bounds: anything but a sympy
    expression that is not a finite number (with symbols, or NaN: sympy raises on comparing
    those). Every other kind answers ``lo < v < hi`` in its own arithmetic, false for NaN and
    infinities (the bounds lie in ``[-inf, inf]``), true for an ``int`` of any size inside."""
    return not isinstance(v, sympy.Basic) or bool(v.is_number and v.is_finite)


def _exact(v: Any) -> Any:
    """A numpy scalar as the Python number of the same value (``float32(0.7)`` is compared as
    0.699999988..., not rounded to float32 with the bound it is compared to); else ``v``."""
    return v.item() if isinstance(v, np.generic) else v


def _check_real_input(name: str, x: Any, domain: tuple[Any, Any] | None = None,
                      of: str = "") -> bool:
    """The choke point for the argument of :meth:`Activation.__call__` and :meth:`Activation.inv`.

    Accepts a real number of any supported kind (float, int and ``Fraction`` of any size,
    numpy, mpmath ``mpf``, real sympy expressions) or an array, list or tuple of them. With
    ``domain = (lo, hi)`` (the inverse ``of``), every entry must also be finite and lie in the
    open interval, judged on the value as given (exact values exactly, numpy scalars by their
    values, an array of dtype ``iuf`` as the float64 array that ``fn`` receives).

    Returns
    -------
    bool
        Whether a list or tuple ``x`` must become an object array (:func:`_needs_object`).

    Raises
    ------
    InvalidParameterError
        Naming ``name`` and the first entry that is not such a number (strings, bools,
        complex numbers, other objects), or that is not finite or lies outside ``domain``.
    """
    if _is_float_array(x):
        if x.dtype.kind not in "iuf":
            raise InvalidParameterError(
                f"{name}: expected real numbers, got an array of dtype {x.dtype}")
        values = np.asarray(x, dtype=float)  # what ``fn`` receives
        entries = () if domain is None else \
            values[~((values > domain[0]) & (values < domain[1]))].flat
    else:
        entries = np.asarray(x, dtype=object).flat \
            if isinstance(x, (np.ndarray, list, tuple)) else (x,)
    exotic = False
    for v in entries:
        if not _is_real_entry(v):
            raise InvalidParameterError(
                f"{name}: expected real numbers, got the entry {_shown(v)}")
        if domain is not None and not (_is_comparable(v) and domain[0] < _exact(v) < domain[1]):
            raise InvalidParameterError(
                f"{name}: entry {_shown(v)} lies outside the domain ({domain[0]}, {domain[1]}) "
                f"of {of}")
        exotic = exotic or _needs_object(v)
    return exotic


def _check_activation(
    name: Any, fn: Any, lipschitz: Any, inverse: Any, inverse_domain: Any
) -> float:
    """The validation choke point of this module: the fields of an :class:`Activation`.

    Returns the Lipschitz constant as a float.

    Raises
    ------
    InvalidParameterError
        Naming the bad field: ``fn``/``inverse`` not callable, ``name`` not a non-empty string,
        ``lipschitz`` missing, not a real number, not finite, beyond float64's range or not
        positive, ``inverse_domain`` not an interval ``lo < hi`` of real numbers within
        float64's range (bounds ``±inf`` allowed), or given without ``inverse``.
    """
    if not callable(fn):
        raise InvalidParameterError(f"fn: the activation must be callable, got {fn!r}")
    if inverse is not None and not callable(inverse):
        raise InvalidParameterError(f"inverse: must be callable or None, got {inverse!r}")
    if not isinstance(name, str) or not name:
        raise InvalidParameterError(f"name: expected a non-empty string, got {name!r}")
    expected = "a finite Lipschitz constant > 0 (required)"
    if _beyond_float(lipschitz):
        raise InvalidParameterError(
            f"lipschitz: expected {expected} within float64's range, got {_shown(lipschitz)}")
    value = check_real(lipschitz, "lipschitz", minimum=0, strict=True, expected=expected)
    if inverse_domain is not None and (
        inverse is None or not isinstance(inverse_domain, (tuple, list))
        or len(inverse_domain) != 2
        or not all(_is_real_entry(b) and not _beyond_float(b) for b in inverse_domain)
        or not inverse_domain[0] < inverse_domain[1]
    ):
        raise InvalidParameterError(
            f"inverse_domain: expected an interval (lo, hi) with lo < hi for a given inverse, "
            f"got {_shown(inverse_domain)}"
        )
    return value


@dataclass(frozen=True)
class Activation:
    """A scalar function σ applied element-wise, with a Lipschitz constant and maybe an inverse.

    Parameters
    ----------
    name
        Name shown in reports.
    fn
        The function: must accept a float64 array (returning an array of the same shape) and a
        scalar of any number kind (returning a scalar of that kind).
    lipschitz
        A Lipschitz constant ``L``: ``|σ(a) - σ(b)| ≤ L |a - b|`` for all real ``a, b``.
    inverse
        ``σ^{-1}`` on the range of σ, if σ is strictly monotone (same calling convention).
    inverse_domain
        The open interval ``(lo, hi)`` (the range of σ) on which ``inverse`` is defined, if it
        is not the whole real line; :meth:`inv` refuses arguments outside it.

    Raises
    ------
    InvalidParameterError
        On invalid fields (see :func:`custom_activation`).
    """

    name: str
    fn: Callable[[Any], Any]
    lipschitz: float
    inverse: Callable[[Any], Any] | None = None
    inverse_domain: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lipschitz", _check_activation(
            self.name, self.fn, self.lipschitz, self.inverse, self.inverse_domain))

    def __call__(self, x: Any) -> Any:
        """``σ`` applied entry-wise to ``x`` (an array of any kind, or a scalar).

        Python ``int`` and ``Fraction`` entries of any size are taken exactly (module
        docstring): ``RELU([10**400])`` is the object array ``[10**400]``, ``TANH(10**400)`` is
        ``1.0``.

        Raises
        ------
        InvalidParameterError
            If an entry of ``x`` is not a real number (a string, bool or complex number).
        """
        return self._apply(self.fn, x, _check_real_input("x", x))

    def inv(self, y: Any) -> Any:
        """``σ^{-1}`` applied entry-wise to ``y``.

        The domain is judged on each entry as given: a ``Fraction`` or sympy rational just
        inside it is accepted even where its float64 rounding is not, an ``int`` or
        ``Fraction`` beyond float64's range is refused (or, for the identity, returned).

        Raises
        ------
        InvalidParameterError
            If the activation has no inverse, or an entry of ``y`` is not a real number, is
            not finite or lies outside :attr:`inverse_domain`.
        """
        if self.inverse is None:
            raise InvalidParameterError(f"activation: {self.name} has no inverse")
        exotic = _check_real_input("y", y, self.inverse_domain or (-math.inf, math.inf),
                                   f"{self.name}^-1")
        return self._apply(self.inverse, y, exotic)

    @property
    def lipschitz_exact(self) -> sympy.Rational:
        """The Lipschitz constant as an exact rational (the exact value of the stored float)."""
        return sympy.Rational(self.lipschitz)

    @staticmethod
    def _apply(fn: Callable[[Any], Any], x: Any, exotic: bool) -> Any:
        """``fn`` entry-wise on a checked ``x``; ``exotic``: a list or tuple ``x`` becomes an
        object array (see :func:`_check_real_input`)."""
        if isinstance(x, (list, tuple)):
            x = np.asarray(x, dtype=object if exotic else float)
        if _is_float_array(x):
            return np.asarray(fn(x.astype(float, copy=False)), dtype=float)
        if isinstance(x, np.ndarray):
            out = np.empty(x.shape, dtype=object)
            for idx, v in np.ndenumerate(x):
                out[idx] = fn(v)
            return out
        return fn(x)


# --------------------------------------------------------------------------- scalar kernels
def _relu(x: Any) -> Any:
    if _is_float_array(x):
        return np.maximum(x, 0.0)
    return x if x > 0 else x * 0


def _hardtanh(x: Any) -> Any:
    if _is_float_array(x):
        return np.clip(x, -1.0, 1.0)
    if x > 1:
        return x * 0 + 1
    if x < -1:
        return x * 0 - 1
    return x


def _as_float(x: Any) -> float:
    """``float(x)`` of a real scalar; an exact rational beyond float64's range gives ``±inf``,
    the float64 rounding of its value (where ``float`` raises ``OverflowError``)."""
    if _beyond_float(x):
        return math.inf if x > 0 else -math.inf
    return float(x)


def _log_rational(r: Fraction, factor: Fraction) -> float:
    """``factor · log r`` of an exact positive rational ``r``, rounded to float64 once.

    Computed in mpmath at :data:`_LOG_PREC` bits from ``r`` itself, never from its float64
    rounding (which overflows or reaches 0 or 1): as ``log1p(r - 1)`` with ``r - 1`` exact, so
    that no digits cancel near ``r = 1``, except below ``r = 1/2``, where ``1 + (r - 1)`` would
    lose the digits of a tiny ``r`` and ``log r`` itself has no cancellation.
    """
    def mpf(q: Fraction) -> mpmath.mpf:
        return mpmath.mpf(q.numerator) / q.denominator

    with mpmath.workprec(_LOG_PREC):
        log = mpmath.log(mpf(r)) if r < Fraction(1, 2) else mpmath.log1p(mpf(r - 1))
        return float(log * mpf(factor))


def _tanh(x: Any) -> Any:
    if _is_float_array(x):
        return np.tanh(x)
    if isinstance(x, sympy.Basic):
        return sympy.tanh(x)
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return mpmath.tanh(x)
    return math.tanh(_as_float(x))


def _atanh(y: Any) -> Any:
    if _is_float_array(y):
        return np.arctanh(y)
    if isinstance(y, sympy.Basic):
        return sympy.atanh(y)
    if isinstance(y, (mpmath.mpf, mpmath.mpc)):
        return mpmath.atanh(y)
    if isinstance(y, Fraction):  # atanh y = log((1 + y) / (1 - y)) / 2
        return _log_rational((1 + y) / (1 - y), Fraction(1, 2))
    return math.atanh(y)


def _sigmoid(x: Any) -> Any:
    if _is_float_array(x):
        return scipy.special.expit(x)
    if isinstance(x, sympy.Basic):
        return 1 / (1 + sympy.exp(-x))
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return 1 / (1 + mpmath.exp(-x))
    return float(scipy.special.expit(_as_float(x)))


def _logit(y: Any) -> Any:
    if _is_float_array(y):
        return scipy.special.logit(y)
    if isinstance(y, sympy.Basic):
        return sympy.log(y / (1 - y))
    if isinstance(y, (mpmath.mpf, mpmath.mpc)):
        return mpmath.log(y / (1 - y))
    if isinstance(y, Fraction):
        return _log_rational(y / (1 - y), Fraction(1))
    return float(scipy.special.logit(y))


def _identity(x: Any) -> Any:
    return x


RELU = Activation("relu", _relu, 1.0)
TANH = Activation("tanh", _tanh, 1.0, inverse=_atanh, inverse_domain=(-1.0, 1.0))
SIGMOID = Activation("sigmoid", _sigmoid, 0.25, inverse=_logit, inverse_domain=(0.0, 1.0))
HARDTANH = Activation("hardtanh", _hardtanh, 1.0)
IDENTITY = Activation("identity", _identity, 1.0, inverse=_identity)

#: The predefined activations by name.
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (RELU, TANH, SIGMOID, HARDTANH, IDENTITY)}


def custom_activation(
    fn: Callable[[Any], Any],
    lipschitz: Any,
    name: str = "custom",
    inverse: Callable[[Any], Any] | None = None,
    inverse_domain: tuple[float, float] | None = None,
) -> Activation:
    """Wrap a user function as an :class:`Activation` after validating it.

    Parameters
    ----------
    fn
        Element-wise function (see :class:`Activation` for the calling convention).
    lipschitz
        A Lipschitz constant declared by the user: a finite positive real number (int, float,
        :class:`fractions.Fraction`, sympy or mpmath number). It is not verified here; checks that
        use it state it as a hypothesis.
    name
        Name shown in reports (a non-empty string).
    inverse
        Optional ``σ^{-1}`` (callable).
    inverse_domain
        Optional open interval ``(lo, hi)`` on which ``inverse`` is defined.

    Raises
    ------
    InvalidParameterError
        If ``fn`` or ``inverse`` is not callable, ``lipschitz`` is missing, not a real number,
        not finite or not positive, ``name`` is not a non-empty string, or ``inverse_domain``
        is not an interval ``lo < hi`` accompanying an inverse.
    """
    return Activation(name, fn, lipschitz, inverse=inverse, inverse_domain=inverse_domain)


def get_activation(name_or_activation: str | Activation) -> Activation:
    """The activation named ``name_or_activation`` (one of :data:`ACTIVATIONS`), or it itself.

    Raises
    ------
    InvalidParameterError
        On an unknown name or an object that is neither a name nor an :class:`Activation`.
    """
    if isinstance(name_or_activation, Activation):
        return name_or_activation
    if isinstance(name_or_activation, str):
        key = name_or_activation.lower()
        if key in ACTIVATIONS:
            return ACTIVATIONS[key]
        raise InvalidParameterError(
            f"name_or_activation: unknown activation name {name_or_activation!r}; choose one of "
            f"{', '.join(ACTIVATIONS)} or build one with custom_activation"
        )
    raise InvalidParameterError(
        "name_or_activation: expected an activation name or an Activation (use "
        "custom_activation(fn, lipschitz) "
        f"for a plain function), got {name_or_activation!r}"
    )
