"""Readers of JSON instance descriptions: what a tier's ``rebuild`` hook is built from.

``python -m verify --recheck`` (:mod:`verify.recheck`) rebuilds each recorded instance from the
description its tier's ``describe`` wrote to the JSON report (:attr:`verify.registry.Tier.
rebuild`). The readers here read such a description strictly, so that a rebuilt instance is
exactly the recorded one or the description is refused:

* floats must be finite JSON numbers (round-trip decimals: the same float64), integers must not
  be bools or floats, choices must be one of the listed strings;
* exact rationals are the strings ``"p"`` or ``"p/q"`` (``q > 0``) that :func:`str` of a sympy
  rational writes, matched and never evaluated as expressions;
* arrays are rectangular, non-empty nestings of lists.

Every refusal raises :class:`theory.numbers.InvalidParameterError` (a ``ValueError``) naming
the entry, which the recheck reports as a malformed description.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from theory.validation import check_int, fail, require

__all__ = ["Reader", "read_fields", "read_real", "read_int", "read_choice", "read_rational",
           "read_array", "optional"]

#: A reader turns one JSON value of a description into a part of an instance; its second
#: argument names the entry for the error message.
Reader = Callable[[Any, str], Any]

_RATIONAL = re.compile(r"-?[0-9]+(/[0-9]+)?")


def _reader(read: Any, name: str) -> Reader:
    """``read`` checked to be callable (a reader)."""
    require(callable(read), name, "a reader (a callable of a value and a name)", read)
    return read  # type: ignore[no-any-return]


def read_fields(description: Any, readers: dict[str, Reader],
                derived: tuple[str, ...] | None = ()) -> dict[str, Any]:
    """The entries of a description read by ``readers`` (one per key).

    ``derived`` names keys the description may hold besides (quantities computed from the
    instance, which the recheck recomputes and compares); ``None`` allows any other key.

    Raises
    ------
    InvalidParameterError
        Naming the entry: not an object, a missing or unexpected key, or an entry its reader
        refuses; or naming ``readers``/``derived`` when they are not a dict of readers and a
        tuple of keys (or ``None``).
    """
    require(isinstance(readers, dict) and all(isinstance(k, str) for k in readers), "readers",
            "a dict of readers keyed by entry name", readers)
    for key, read in readers.items():
        _reader(read, f"readers[{key!r}]")
    require(derived is None or (isinstance(derived, tuple)
                                and all(isinstance(k, str) for k in derived)),
            "derived", "None or a tuple of key names", derived)
    keys = sorted(readers)
    require(isinstance(description, dict) and all(k in description for k in keys),
            "description", f"an object with the keys {keys}", description)
    if derived is not None:
        extra = sorted(set(description) - set(readers) - set(derived))
        require(not extra, "description", f"only the keys {keys} and {list(derived)}", extra)
    return {k: read(description[k], f"description[{k!r}]") for k, read in readers.items()}


def read_real(value: Any, name: str) -> float:
    """A finite float written as a JSON number (a round-trip decimal).

    Raises
    ------
    InvalidParameterError
        Naming ``name`` unless ``value`` is a finite float.
    """
    require(isinstance(value, float) and math.isfinite(value), name, "a finite float", value)
    return value


def read_int(low: int) -> Reader:
    """A reader of an integer ``>= low`` (not a bool, not a float).

    Raises
    ------
    InvalidParameterError
        If ``low`` is not an integer (the reader raises naming its entry).
    """
    low = check_int(low, "low")

    def read(value: Any, name: str) -> int:
        require(isinstance(value, int) and not isinstance(value, bool), name, "an integer",
                value)
        return check_int(value, name, low)

    return read


def read_choice(*options: str) -> Reader:
    """A reader of one of the strings ``options``.

    Raises
    ------
    InvalidParameterError
        If no option is given or an option is not a string.
    """
    require(bool(options) and all(isinstance(o, str) for o in options), "options",
            "one or more strings", options)

    def read(value: Any, name: str) -> str:
        require(isinstance(value, str) and value in options, name, f"one of {options}", value)
        return value

    return read


def read_rational(value: Any, name: str) -> sympy.Rational:
    """An exact rational written as ``"p"`` or ``"p/q"`` (``q > 0``), as :func:`str` of a sympy
    rational writes it; never evaluated as an expression.

    Raises
    ------
    InvalidParameterError
        Naming ``name`` for any other value.
    """
    require(isinstance(value, str) and _RATIONAL.fullmatch(value) is not None, name,
            "a rational 'p' or 'p/q'", value)
    p, _, q = value.partition("/")
    require(q == "" or int(q) > 0, name, "a rational 'p/q' with q > 0", value)
    return sympy.Rational(int(p), int(q or 1))


def read_array(ndim: int, entry: Reader = read_real) -> Reader:
    """A reader of a rectangular ``ndim``-dimensional nesting of lists of entries read by
    ``entry``: a ``float64`` array for :func:`read_real`, else an object array.

    Raises
    ------
    InvalidParameterError
        If ``ndim`` is not an integer ``>= 1`` or ``entry`` is not a reader (the reader raises
        naming its entry).
    """
    ndim = check_int(ndim, "ndim", 1)
    entry = _reader(entry, "entry")

    def read(value: Any, name: str) -> np.ndarray:
        def parse(v: Any, depth: int) -> Any:
            if depth == ndim:
                return entry(v, name)
            require(isinstance(v, list) and len(v) > 0, name,
                    f"a non-empty {ndim}-dimensional nesting of lists", value)
            return [parse(x, depth + 1) for x in v]

        rows = parse(value, 0)
        try:
            arr = np.array(rows, dtype=float if entry is read_real else object)
        except ValueError:
            fail(name, "a rectangular nesting of lists", value)
        require(arr.ndim == ndim, name, f"a rectangular {ndim}-dimensional nesting", value)
        return arr

    return read


def optional(read: Reader) -> Reader:
    """A reader of ``null`` (``None``) or what ``read`` reads.

    Raises
    ------
    InvalidParameterError
        If ``read`` is not a reader.
    """
    read = _reader(read, "read")
    return lambda value, name: None if value is None else read(value, name)
