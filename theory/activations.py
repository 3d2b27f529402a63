"""Element-wise activations σ of multi-layer SSMs with layer-wise nonlinearity (WX23 §1.2).

WX23 applies one scalar function σ coordinate-wise and at every time step separately between
the linear SSM layers. The checks need three facts about σ: its values in each number kind, a
Lipschitz constant (Theorem 3.13 propagates derivatives through σ with it), and, where it
exists, its inverse (constructions that must undo σ between layers).

An :class:`Activation` is called on

* float arrays (``float64``): ``fn`` is applied to the whole array (vectorized numpy);
* object arrays of sympy or mpmath numbers: ``fn`` is applied to each entry, which stays in
  its kind (``tanh`` of a sympy rational is the exact symbol ``tanh(1/2)``);
* a scalar: ``fn`` of the scalar.

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

from theory.numbers import InvalidParameterError
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


def _is_float_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype != object


def _is_real_entry(v: Any) -> bool:
    """True for a real number of a supported kind (not a bool, a string or a complex number)."""
    if isinstance(v, sympy.Basic):
        return v.is_extended_real is not False
    return isinstance(v, (numbers.Real, mpmath.mpf)) and not isinstance(v, (bool, np.bool_))


def _check_real_input(name: str, x: Any) -> None:
    """The choke point for the argument of :meth:`Activation.__call__` and :meth:`Activation.inv`.

    Accepts a real number of any supported kind (float, int, Fraction, numpy, mpmath ``mpf``,
    real sympy expressions) or an array, list or tuple of them.

    Raises
    ------
    InvalidParameterError
        Naming ``name`` and the first entry that is not such a number (strings, bools,
        complex numbers, other objects).
    """
    if _is_float_array(x):
        if x.dtype.kind not in "iuf":
            raise InvalidParameterError(
                f"{name}: expected real numbers, got an array of dtype {x.dtype}")
        return
    entries = np.asarray(x, dtype=object).flat if isinstance(x, (np.ndarray, list, tuple)) \
        else (x,)
    for v in entries:
        if not _is_real_entry(v):
            raise InvalidParameterError(f"{name}: expected real numbers, got the entry {v!r}")


def _check_activation(
    name: Any, fn: Any, lipschitz: Any, inverse: Any, inverse_domain: Any
) -> float:
    """The validation choke point of this module: the fields of an :class:`Activation`.

    Returns the Lipschitz constant as a float.

    Raises
    ------
    InvalidParameterError
        Naming the bad field: ``fn``/``inverse`` not callable, ``name`` not a non-empty string,
        ``lipschitz`` missing, not a real number, not finite or not positive,
        ``inverse_domain`` not an interval ``lo < hi`` (or given without ``inverse``).
    """
    if not callable(fn):
        raise InvalidParameterError(f"fn: the activation must be callable, got {fn!r}")
    if inverse is not None and not callable(inverse):
        raise InvalidParameterError(f"inverse: must be callable or None, got {inverse!r}")
    if not isinstance(name, str) or not name:
        raise InvalidParameterError(f"name: expected a non-empty string, got {name!r}")
    value = check_real(lipschitz, "lipschitz", minimum=0, strict=True,
                       expected="a finite Lipschitz constant > 0 (required)")
    if inverse_domain is not None and (
        inverse is None or len(inverse_domain) != 2
        or not float(inverse_domain[0]) < float(inverse_domain[1])
    ):
        raise InvalidParameterError(
            f"inverse_domain: expected an interval (lo, hi) with lo < hi for a given inverse, "
            f"got {inverse_domain!r}"
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

        Raises
        ------
        InvalidParameterError
            If an entry of ``x`` is not a real number (a string, bool or complex number).
        """
        _check_real_input("x", x)
        return self._apply(self.fn, x)

    def inv(self, y: Any) -> Any:
        """``σ^{-1}`` applied entry-wise to ``y``.

        Raises
        ------
        InvalidParameterError
            If the activation has no inverse, or an entry of ``y`` is not a real number, is
            not finite or lies outside :attr:`inverse_domain`.
        """
        if self.inverse is None:
            raise InvalidParameterError(f"activation: {self.name} has no inverse")
        _check_real_input("y", y)
        lo, hi = self.inverse_domain or (-math.inf, math.inf)
        exotic = _has_exotic(y) or isinstance(y, (sympy.Basic, mpmath.mpf, mpmath.mpc)) or (
            isinstance(y, np.ndarray) and y.dtype == object)
        values = np.asarray(y, dtype=object if exotic else float)
        for v in values.flat if exotic else values[~((values > lo) & (values < hi))].flat:
            if not (_is_finite_real(v) and lo < v < hi):
                raise InvalidParameterError(
                    f"y: entry {v!r} lies outside the domain ({lo}, {hi}) of {self.name}^-1"
                )
        return self._apply(self.inverse, y)

    @property
    def lipschitz_exact(self) -> sympy.Rational:
        """The Lipschitz constant as an exact rational (the exact value of the stored float)."""
        return sympy.Rational(self.lipschitz)

    @staticmethod
    def _apply(fn: Callable[[Any], Any], x: Any) -> Any:
        if _is_float_array(x):
            return np.asarray(fn(x.astype(float, copy=False)), dtype=float)
        if isinstance(x, np.ndarray):
            out = np.empty(x.shape, dtype=object)
            for idx, v in np.ndenumerate(x):
                out[idx] = fn(v)
            return out
        if isinstance(x, (list, tuple)):
            return Activation._apply(fn, np.asarray(x, dtype=object if _has_exotic(x) else float))
        return fn(x)


def _is_finite_real(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _has_exotic(values: Any) -> bool:
    """True when a nested sequence holds sympy or mpmath numbers (needs an object array)."""
    if isinstance(values, (list, tuple)):
        return any(_has_exotic(v) for v in values)
    return isinstance(values, (sympy.Basic, mpmath.mpf, mpmath.mpc, Fraction))


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


def _tanh(x: Any) -> Any:
    if _is_float_array(x):
        return np.tanh(x)
    if isinstance(x, sympy.Basic):
        return sympy.tanh(x)
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return mpmath.tanh(x)
    return math.tanh(x)


def _atanh(y: Any) -> Any:
    if _is_float_array(y):
        return np.arctanh(y)
    if isinstance(y, sympy.Basic):
        return sympy.atanh(y)
    if isinstance(y, (mpmath.mpf, mpmath.mpc)):
        return mpmath.atanh(y)
    return math.atanh(y)


def _sigmoid(x: Any) -> Any:
    if _is_float_array(x):
        return scipy.special.expit(x)
    if isinstance(x, sympy.Basic):
        return 1 / (1 + sympy.exp(-x))
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return 1 / (1 + mpmath.exp(-x))
    return float(scipy.special.expit(x))


def _logit(y: Any) -> Any:
    if _is_float_array(y):
        return scipy.special.logit(y)
    if isinstance(y, sympy.Basic):
        return sympy.log(y / (1 - y))
    if isinstance(y, (mpmath.mpf, mpmath.mpc)):
        return mpmath.log(y / (1 - y))
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
