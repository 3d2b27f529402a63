"""Shared argument checks: every bad parameter becomes one clear :class:`InvalidParameterError`.

The modules of :mod:`theory` and :mod:`verify` each keep one validation choke point (a small
private helper at the top of the module); this module supplies the checks those choke points are
built from, so that integers, real numbers and arrays are judged by the same rules everywhere and
every error reads ``"<name>: expected <what>, got <short form of the value>"``.

Rules shared by all checks:

* ``bool`` (and ``numpy.bool_``) is never a number here: ``True`` passed as a size or a tolerance
  is a bug, not ``1``.
* NaN and infinities are rejected; so are strings, complex numbers (unless an array check allows
  them) and objects that do not convert.
* Bounds are compared on the value as given, so exact (sympy, ``Fraction``) and mpmath values are
  judged exactly, not after rounding to a float.

Only :mod:`theory.numbers` is imported (which must not import this module).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import numpy as np

from theory.numbers import MAX_REPR, NOT_REAL, describe, fail

__all__ = [
    "MAX_REPR",
    "describe",
    "fail",
    "require",
    "check_int",
    "check_real",
    "check_array",
    "check_instance",
    "Rules",
    "check_rules",
]

def require(ok: Any, name: str, expected: str, value: Any) -> None:
    """:func:`~theory.numbers.fail` unless ``ok``: a choke point's test in one line.

    Raises
    ------
    InvalidParameterError
        ``"<name>: expected <expected>, got <value>"`` when ``ok`` is false.
    """
    if not ok:
        fail(name, expected, value)


def check_int(value: Any, name: str, minimum: int | None = None) -> int:
    """``value`` as an ``int``, checked to be an integer (not a bool) ``>= minimum``.

    Parameters
    ----------
    value
        Any ``numbers.Integral`` (Python, numpy or sympy integer); floats such as ``2.0`` are
        rejected.
    name
        The parameter name shown in the error.
    minimum
        Smallest accepted value, or ``None`` for no lower bound.

    Raises
    ------
    InvalidParameterError
        ``"name: expected an integer >= minimum, got ..."`` otherwise.
    """
    expected = "an integer" if minimum is None else f"an integer >= {minimum}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        fail(name, expected, value)
    if minimum is not None and value < minimum:
        fail(name, expected, value)
    return int(value)


def _real_expected(minimum: Any, maximum: Any, strict: bool) -> str:
    """The default description of :func:`check_real`'s accepted range."""
    if minimum is not None and maximum is not None:
        left, right = ("(", ")") if strict else ("[", "]")
        return f"a finite real number in {left}{minimum}, {maximum}{right}"
    if minimum is not None:
        return f"a finite real number {'>' if strict else '>='} {minimum}"
    if maximum is not None:
        return f"a finite real number {'<' if strict else '<='} {maximum}"
    return "a finite real number"


def _within(value: Any, minimum: Any, maximum: Any, strict: bool) -> bool:
    """Whether ``value`` lies between the bounds, compared on the value as given."""
    try:
        if minimum is not None and not bool(value > minimum if strict else value >= minimum):
            return False
        return maximum is None or bool(value < maximum if strict else value <= maximum)
    except TypeError:  # a comparison that cannot be decided (e.g. a symbolic expression)
        return False


def check_real(value: Any, name: str, *, minimum: Any = None, maximum: Any = None,
               strict: bool = False, exact: bool = False, expected: str | None = None) -> Any:
    """``value`` checked to be one finite real number inside the given bounds.

    Parameters
    ----------
    value
        A real scalar of any number kind (Python/numpy number, ``Fraction``, sympy number,
        ``mpmath.mpf``). Bools, strings, complex numbers, arrays with ``ndim > 0``, NaN and
        infinities are rejected.
    name
        The parameter name shown in the error.
    minimum, maximum
        Bounds, or ``None`` for none. The comparisons use ``value`` itself, so exact values are
        judged exactly.
    strict
        Both bounds are strict (``minimum < value < maximum``) instead of inclusive.
    exact
        Return ``value`` itself (its number kind kept) instead of ``float(value)``.
    expected
        What the error says is expected; by default it is generated from the bounds, e.g.
        ``"a finite real number > 0"`` or ``"a finite real number in (0, 1)"``.

    Returns
    -------
    float or the input type
        ``float(value)``, or ``value`` itself when ``exact``.

    Raises
    ------
    InvalidParameterError
        ``"name: expected <expected>, got ..."`` for any value not accepted.
    """
    if expected is None:
        expected = _real_expected(minimum, maximum, strict)
    if isinstance(value, NOT_REAL) or np.ndim(value) != 0:
        fail(name, expected, value)
    try:
        as_float = float(value)
    except (TypeError, ValueError, OverflowError):
        fail(name, expected, value)
    if not math.isfinite(as_float) or not _within(value, minimum, maximum, strict):
        fail(name, expected, value)
    return value if exact else as_float


def _shape_text(shape: tuple[Any, ...]) -> str:
    """``shape`` for an error message: ``None`` shown as ``n``, ``...`` as ``...``."""
    parts = ["..." if w is Ellipsis else "n" if w is None else str(w) for w in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _shape_ok(actual: tuple[int, ...], shape: tuple[Any, ...]) -> bool:
    """Whether ``actual`` matches ``shape`` (see :func:`check_array`)."""
    if shape and shape[0] is Ellipsis:
        shape = shape[1:]
        if len(actual) < len(shape):
            return False
        actual = actual[len(actual) - len(shape):]
    elif len(actual) != len(shape):
        return False
    return all(n >= 1 if want is None else n == want for n, want in zip(actual, shape))


def _from_objects(arr: np.ndarray) -> np.ndarray:
    """An object array (sympy, mpmath, Python numbers) as ``complex128`` if an entry is complex,
    else ``float64``; an entry that does not convert (``None``, a symbol) raises ``TypeError``."""
    entries = arr.ravel().tolist()
    if any(isinstance(v, (bool, np.bool_)) for v in entries):
        raise TypeError("a bool is not a number here")
    if any(isinstance(v, (complex, np.complexfloating, mpmath.mpc)) for v in entries):
        return np.array([complex(v) for v in entries], dtype=complex).reshape(arr.shape)
    return np.array([float(v) for v in entries], dtype=float).reshape(arr.shape)


def check_array(value: Any, name: str, shape: tuple[Any, ...] | None = None, *,
                nonneg: bool = False, complex_ok: bool = False) -> np.ndarray:
    """``value`` as a finite ``float64`` (or ``complex128``) array, checked.

    Parameters
    ----------
    value
        Anything ``numpy.asarray`` turns into a numeric array (an object array of sympy or
        mpmath real numbers is converted to float). Bool and string arrays are rejected, and so
        are complex entries unless ``complex_ok``.
    name
        The parameter name shown in the error.
    shape
        ``None`` for any shape; else a tuple whose entries are an exact length, ``None`` (any
        length ``>= 1``), and optionally a leading ``...`` (any number of leading axes of any
        length), e.g. ``(None, 3)`` or ``(..., None, None)``.
    nonneg
        Every entry must be ``>= 0``.
    complex_ok
        Complex input is kept as ``complex128`` (real input still becomes ``float64``).

    Returns
    -------
    numpy.ndarray
        The checked array (``float64`` unless complex input is allowed and given).

    Raises
    ------
    InvalidParameterError
        Naming ``name``: not a numeric array, wrong shape, a NaN or infinite entry, a complex
        entry where not allowed, or a negative entry with ``nonneg``.
    """
    kind = "numbers" if complex_ok else "real numbers"
    try:
        arr = np.asarray(value)
        if arr.dtype == object:
            arr = _from_objects(arr)
        if arr.dtype.kind not in "iufc" or (arr.dtype.kind == "c" and not complex_ok):
            raise TypeError
        arr = arr.astype(complex if arr.dtype.kind == "c" else float, copy=False)
    except (TypeError, ValueError, OverflowError):  # ragged, non-numeric or complex
        fail(name, f"an array of {kind}", value)
    if shape is not None and not _shape_ok(arr.shape, shape):
        fail(name, f"an array of shape {_shape_text(shape)}", arr)
    if not np.all(np.isfinite(arr)):
        fail(name, "finite entries", arr)
    if nonneg and np.any(arr < 0):
        fail(name, "non-negative entries", arr)
    return arr


def check_instance(value: Any, name: str, cls: type | tuple[type, ...],
                   expected: str | None = None) -> Any:
    """``value`` itself, checked to be an instance of ``cls``.

    Raises
    ------
    InvalidParameterError
        ``"name: expected <expected>, got ..."`` (by default ``"a <cls name>"``) otherwise.
    """
    if not isinstance(value, cls):
        classes = cls if isinstance(cls, tuple) else (cls,)
        fail(name, expected or " or ".join(f"a {c.__name__}" for c in classes), value)
    return value


#: A module's table of parameter rules: name -> (predicate on the value, what it must be).
Rules = Mapping[str, tuple[Callable[[Any], bool], str]]


def check_rules(rules: Rules, **params: Any) -> None:
    """Check each named parameter against its rule in ``rules``, in the order given.

    A module whose parameters are checked by predicates (types, shapes of arrays of models)
    keeps one table of rules and calls this from every public function: one choke point.

    Raises
    ------
    InvalidParameterError
        Naming the first parameter whose value breaks its rule, through :func:`fail`.
    KeyError
        If a parameter has no rule (a programming error in the calling module).
    """
    for name, value in params.items():
        ok, expected = rules[name]
        if not ok(value):
            fail(name, expected, value)
