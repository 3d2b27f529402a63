"""Number kinds, working precision and tolerances, and a polynomial-root wrapper.

Every construction in :mod:`theory` accepts its entries in one of three *number kinds* and keeps
that kind in what it returns:

========  =====================================  ===============================================
kind      entries                                 used for
========  =====================================  ===============================================
exact     sympy numbers (Integer, Rational,       proofs: equalities hold with zero error
          algebraic numbers, ``I``)
mpmath    ``mpmath.mpf`` / ``mpmath.mpc`` at the  constructions whose numbers are not algebraic
          current ``mp.dps``                      in closed form; agreement to the precision
float     Python / numpy numbers (stored as       scale: thousands of instances, long sequences
          ``float64`` or ``complex128``)
========  =====================================  ===============================================

Arrays of every kind are numpy arrays: ``float64``/``complex128`` for the float kind and
``dtype=object`` arrays of sympy or mpmath scalars for the other two, so that one piece of code
(``@``, ``*``, ``**``) serves all kinds.

Tolerances are derived from the working precision, never written as bare constants: see
:func:`tolerance`.
"""

from __future__ import annotations

import cmath
import enum
import inspect
import numbers
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any, NoReturn

import mpmath
import numpy as np
import sympy
from sympy.polys.constructor import construct_domain
from sympy.polys.domains.domain import Domain

__all__ = [
    "NumberKind",
    "InvalidParameterError",
    "kind_of",
    "as_array",
    "convert",
    "is_finite",
    "is_exact_zero",
    "exact_equal",
    "abs_squared",
    "real_part",
    "tolerance",
    "max_abs",
    "polyroots",
    "to_domain",
    "from_domain",
    "KindArithmetic",
    "UndecidableZeroError",
    "MAX_REPR",
    "NOT_REAL",
    "describe",
    "fail",
]


class InvalidParameterError(ValueError):
    """A parameter has the wrong shape, kind or value; the message names the parameter."""


class NumberKind(enum.Enum):
    """The three arithmetic tiers of the suite (see the module docstring)."""

    EXACT = "exact"
    MPMATH = "mpmath"
    FLOAT = "float"

    @property
    def tier(self) -> str:
        """The name of the verification tier this kind produces (as shown in reports)."""
        return {"exact": "exact (sympy)", "mpmath": "mpmath", "float": "float64"}[self.value]


# ------------------------------------------------------------------- validation choke point
# (the rules of :mod:`theory.validation`, which cannot be used here: it imports this module)

#: Longest ``repr`` of a bad value quoted in an error message.
MAX_REPR = 80

#: Scalar types that are never a real number.
NOT_REAL = (bool, np.bool_, str, bytes, complex, np.complexfloating, mpmath.mpc)

#: The sympy numbers that are not finite.
_SYMPY_NON_FINITE = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


def describe(value: Any) -> str:
    """A short form of ``value`` for an error message.

    Arrays are described by shape and dtype; anything else by its ``repr``, cut to
    :data:`MAX_REPR` characters (ending in ``...`` when cut); an ``int`` whose decimal form
    Python refuses to print (beyond ``sys.get_int_max_str_digits()`` digits) by its bit length,
    anything else holding one by its type.
    """
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} (dtype {value.dtype})"
    try:
        text = repr(value)
    except ValueError:  # int -> str beyond the digit limit
        if isinstance(value, int):
            return f"an int of {abs(value).bit_length()} bits"
        return f"a {type(value).__name__} holding a number too long to print"
    return text if len(text) <= MAX_REPR else text[:MAX_REPR - 3] + "..."


def fail(name: str, expected: str, value: Any) -> NoReturn:
    """Raise the error for parameter ``name``: ``"name: expected <expected>, got <value>"``,
    the value shown through :func:`describe`. Every argument check of :mod:`theory` raises
    through here (:mod:`theory.validation` re-exports it).

    Raises
    ------
    InvalidParameterError
        Always.
    """
    raise InvalidParameterError(f"{name}: expected {expected}, got {describe(value)}")


def _check_kind(kind: Any) -> NumberKind:
    """``kind`` checked to be a :class:`NumberKind` (the string ``"float"`` is not one)."""
    if not isinstance(kind, NumberKind):
        fail("kind", "a NumberKind (EXACT, MPMATH or FLOAT)", kind)
    return kind


def _check_count(value: Any, name: str, least: int) -> int:
    """``value`` checked to be an integer (not a bool) ``>= least``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < least:
        fail(name, f"an integer >= {least}", value)
    return int(value)


def _check_scale(scale: Any) -> Any:
    """``scale`` checked to be one finite real number ``>= 0``; returned as an ``mpf`` if it is
    one (its range exceeds float64's), else as a ``float``."""
    expected = "a finite real number >= 0"
    if isinstance(scale, NOT_REAL) or np.ndim(scale) != 0:
        fail("scale", expected, scale)
    try:
        value = scale if isinstance(scale, mpmath.mpf) else float(scale)
    except (TypeError, ValueError, OverflowError):
        fail("scale", expected, scale)
    if not (mpmath.isfinite(value) and value >= 0):
        fail("scale", expected, scale)
    return value


def _check_ndarray(value: Any, name: str) -> np.ndarray:
    """``value`` checked to be a numpy array."""
    if not isinstance(value, np.ndarray):
        fail(name, "a numpy array", value)
    return value


def _complex(x: Any, name: str) -> complex:
    """``complex(x)`` of a number of any kind; a string or a non-number fails naming ``name``
    (``complex`` would parse ``"1+2j"``)."""
    if isinstance(x, (str, bytes)):
        fail(name, "a number", x)
    try:
        if isinstance(x, sympy.Basic):  # each part rounded once (complex() of a Rational is not)
            if x.is_Rational:
                return complex(float(x))
            re_v, im_v = x.as_real_imag()
            return complex(float(re_v), float(im_v))
        return complex(x)
    except (TypeError, ValueError, OverflowError):
        fail(name, "a number", x)


def _exact_number(x: Any, name: str) -> sympy.Expr:
    """``x`` as a finite sympy number without symbols (from a sympy number, an ``int``, a
    ``Fraction`` or a float)."""
    expected = "an exact number (finite, without symbols)"
    if isinstance(x, (str, bytes)):
        fail(name, expected, x)
    try:
        e = sympy.sympify(x, strict=True)
    except (sympy.SympifyError, TypeError, ValueError):
        fail(name, expected, x)
    if not isinstance(e, sympy.Expr) or e.free_symbols or e.has(*_SYMPY_NON_FINITE):
        fail(name, expected, x)
    return e


def _scalar_kind(x: Any) -> NumberKind | None:
    """Kind forced by one scalar, or ``None`` when the scalar fits every kind (an integer)."""
    if isinstance(x, sympy.Basic):
        return NumberKind.EXACT
    if isinstance(x, Fraction):
        return NumberKind.EXACT
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return NumberKind.MPMATH
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, (numbers.Integral, np.integer)):
        return None
    if isinstance(x, (numbers.Number, np.number)):
        return NumberKind.FLOAT
    return None


def _flatten(values: Any) -> Iterable[Any]:
    if isinstance(values, np.ndarray):
        if values.dtype != object:
            # a numeric numpy array: its dtype decides
            yield values.dtype.type(0) if values.size == 0 else values.flat[0]
            return
        yield from values.flat
        return
    if isinstance(values, (list, tuple)):
        for v in values:
            yield from _flatten(v)
        return
    yield values


def kind_of(*values: Any, names: Sequence[str] | None = None) -> NumberKind:
    """Return the number kind of a collection of scalars, arrays or nested sequences.

    Rules: any sympy number or :class:`fractions.Fraction` makes the collection exact; any mpmath
    number makes it mpmath; any other non-integer number makes it float. Integers alone are
    float. Mixing exact and mpmath numbers, or exact numbers and floats, is refused because it
    would silently lose the exactness the caller asked for.

    Parameters
    ----------
    *values
        Scalars, arrays or nested sequences.
    names
        Optional parameter names of ``values`` (same length), used in the error message.

    Raises
    ------
    InvalidParameterError
        If the values mix incompatible kinds.
    """
    labels = list(names) if names is not None else [f"argument {i}" for i in range(len(values))]
    if len(labels) != len(values):
        raise InvalidParameterError(
            f"names: expected {len(values)} names, got {len(labels)}"
        )
    seen: dict[NumberKind, str] = {}
    for label, v in zip(labels, values):
        for x in _flatten(v):
            k = _scalar_kind(x)
            if k is not None:
                seen.setdefault(k, label)
    if NumberKind.EXACT in seen and len(seen) > 1:
        other = ", ".join(
            f"{k.value} numbers in {where}"
            for k, where in seen.items()
            if k is not NumberKind.EXACT
        )
        raise InvalidParameterError(
            f"{seen[NumberKind.EXACT]}: exact (sympy) numbers mixed with {other}; convert them "
            "to one kind first (sympy.Rational for exact, mpmath.mpf for high precision)"
        )
    if NumberKind.EXACT in seen:
        return NumberKind.EXACT
    if NumberKind.MPMATH in seen:
        return NumberKind.MPMATH
    return NumberKind.FLOAT


def _exact_binary(x: Any, name: str) -> Any:
    """The exact sympy value of a binary floating-point number (Python, numpy, mpmath, sympy)."""
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        if not mpmath.isfinite(x):
            raise InvalidParameterError(f"{name}: entries must be finite (no NaN or inf)")
        # x = sign · man · 2^exp exactly (mpmath's man_exp drops the sign)
        re_v, im_v = (
            (-1 if p < 0 else 1) * sympy.Integer(p.man_exp[0]) * sympy.Integer(2) ** p.man_exp[1]
            for p in (mpmath.re(x), mpmath.im(x))
        )
        return re_v + sympy.I * im_v
    if isinstance(x, sympy.Basic):
        re_v, im_v = x.as_real_imag()
        return sympy.Rational(re_v) + sympy.I * sympy.Rational(im_v)
    c = complex(x)
    if not np.isfinite(c):
        raise InvalidParameterError(f"{name}: entries must be finite (no NaN or inf)")
    return sympy.Rational(c.real) + sympy.I * sympy.Rational(c.imag)


def _to_scalar(x: Any, kind: NumberKind, name: str) -> Any:
    if isinstance(x, (str, bytes)):
        raise InvalidParameterError(f"{name}: entry {x!r} is not a number")
    if kind is NumberKind.EXACT:
        if isinstance(x, Fraction):
            return sympy.Rational(x.numerator, x.denominator)
        if isinstance(x, (float, np.floating, complex, np.complexfloating)):
            raise InvalidParameterError(
                f"{name}: a floating-point entry {x!r} cannot enter an exact model; "
                "use sympy.Rational or sympy.nsimplify"
            )
        if isinstance(x, (mpmath.mpf, mpmath.mpc)):
            raise InvalidParameterError(f"{name}: an mpmath entry cannot enter an exact model")
        try:
            value = sympy.sympify(x, strict=True)
        except (sympy.SympifyError, TypeError, ValueError):
            raise InvalidParameterError(f"{name}: entry {x!r} is not a number") from None
        if not (isinstance(value, sympy.Expr) and value.is_number):
            raise InvalidParameterError(f"{name}: entry {x!r} is not a number")
        if value.has(sympy.Float):
            raise InvalidParameterError(
                f"{name}: the sympy Float entry {x!r} cannot enter an exact model; "
                "use sympy.Rational or sympy.nsimplify"
            )
        return value
    if kind is NumberKind.MPMATH:
        try:
            return mpmath.mpmathify(x)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"{name}: entry {x!r} is not a number") from None
    return x


def convert(values: Any, kind: NumberKind, name: str = "values") -> np.ndarray:
    """Convert scalars or nested sequences to an array of the given number kind.

    Unlike :func:`as_array` this converts between kinds on purpose (e.g. exact → mpmath →
    float to compare a certificate with a float computation). Exact → float and exact → mpmath
    round to the target precision; float and mpmath → exact give the exact binary value of each
    entry, so float → exact → float and mpmath → exact → mpmath return the same numbers.

    Raises
    ------
    InvalidParameterError
        If ``kind`` is not a :class:`NumberKind`, an entry is not a number, or a non-finite
        entry is converted to the exact kind.
    """
    if _check_kind(kind) is NumberKind.FLOAT:
        arr = np.asarray(values, dtype=object)
        out = np.empty(arr.shape, dtype=complex)
        for idx, x in np.ndenumerate(arr):
            out[idx] = _complex(x, name)
        if np.all(out.imag == 0):
            return out.real.copy()
        return out
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx, x in np.ndenumerate(arr):
        if kind is NumberKind.MPMATH and isinstance(x, sympy.Basic):
            g = _gaussian(x)  # a Gaussian rational: its parts without sympy.re / sympy.im
            re, im = (sympy.re(x), sympy.im(x)) if g is None else \
                (sympy.QQ.to_sympy(g.x), sympy.QQ.to_sympy(g.y))
            dps = mpmath.mp.dps + 5
            re_v = mpmath.mpf(str(sympy.N(re, dps)))
            im_v = mpmath.mpf(str(sympy.N(im, dps)))
            out[idx] = re_v if im_v == 0 else mpmath.mpc(re_v, im_v)
        elif kind is NumberKind.EXACT and (
            isinstance(x, (float, complex, np.floating, np.complexfloating, mpmath.mpf,
                           mpmath.mpc))
            or (isinstance(x, sympy.Basic) and x.has(sympy.Float))
        ):
            out[idx] = _exact_binary(x, name)
        else:
            out[idx] = _to_scalar(x, kind, name)
    return out


def as_array(
    values: Any,
    kind: NumberKind,
    name: str,
    ndim: int | None = None,
) -> np.ndarray:
    """Turn ``values`` into an array of ``kind`` and check it is finite.

    Parameters
    ----------
    values
        A scalar, a nested sequence or an array.
    kind
        The number kind of the whole model (from :func:`kind_of`).
    name
        Parameter name used in error messages.
    ndim
        Required number of dimensions, if any.

    Raises
    ------
    InvalidParameterError
        On a wrong number of dimensions, a non-numeric entry, or a NaN/inf entry (naming
        ``name``); on a ``kind`` that is not a :class:`NumberKind` or a negative ``ndim``.
    """
    if ndim is not None:
        _check_count(ndim, "ndim", 0)
    if _check_kind(kind) is NumberKind.FLOAT:
        try:
            arr = np.asarray(values)
        except ValueError as exc:  # ragged
            raise InvalidParameterError(f"{name}: not a rectangular array ({exc})") from None
        if arr.size == 0 and arr.dtype == object:
            arr = arr.astype(float)  # an empty array of an exact or mpmath kind
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise InvalidParameterError(f"{name}: entries must be numbers, got dtype {arr.dtype}")
        arr = arr.astype(complex if np.iscomplexobj(arr) else float)
    else:
        try:
            arr = np.array(values, dtype=object)
        except ValueError as exc:
            raise InvalidParameterError(f"{name}: not a rectangular array ({exc})") from None
        if any(isinstance(x, (list, tuple, np.ndarray)) for x in arr.flat):
            raise InvalidParameterError(f"{name}: not a rectangular array (ragged nesting)")
        flat = [_to_scalar(x, kind, name) for x in arr.flat]
        arr = np.array(flat + [None], dtype=object)[:-1].reshape(arr.shape)
    if ndim is not None and arr.ndim != ndim:
        raise InvalidParameterError(
            f"{name}: expected a {ndim}-dimensional array, got shape {arr.shape}"
        )
    if not is_finite(arr):
        raise InvalidParameterError(f"{name}: entries must be finite (no NaN or inf)")
    return arr


def is_finite(arr: np.ndarray) -> bool:
    """True when every entry of ``arr`` (any kind) is a finite number.

    An entry that is not a number (a string, ``None``, a sympy symbol) is not a finite number.

    Raises
    ------
    InvalidParameterError
        If ``arr`` is not a numpy array.
    """
    if _check_ndarray(arr, "arr").dtype != object:
        return arr.dtype.kind in "biufc" and bool(np.all(np.isfinite(arr)))
    return all(_is_finite_scalar(x) for x in arr.flat)


def _is_finite_scalar(x: Any) -> bool:
    """Whether one entry of an object array is a finite number (of any kind)."""
    if isinstance(x, sympy.Basic):
        return not (x.has(*_SYMPY_NON_FINITE) or x.free_symbols)
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return bool(mpmath.isfinite(x))
    if isinstance(x, (numbers.Rational, np.integer, np.bool_)):
        return True  # exact, hence finite (``complex`` would overflow on huge ones)
    if isinstance(x, (numbers.Number, np.number)):
        return cmath.isfinite(_complex(x, "arr"))
    return False


class UndecidableZeroError(ArithmeticError):
    """An exact expression could not be decided equal to zero (it is not algebraic)."""


def is_exact_zero(x: Any) -> bool:
    """Decide whether the exact number ``x`` is zero, without false answers either way.

    ``sympy.expand(x) == 0`` is only a sufficient test: a radical such as
    ``(-2+2i)**(1/3) - (1+i)`` is zero but does not expand to ``0``. This function answers
    ``True`` when the canonical expansion is ``0``; otherwise it decides with the minimal
    polynomial of ``x`` over ``QQ`` (an algebraic number is zero exactly when its minimal
    polynomial is ``w``), and for non-algebraic expressions with ``Expr.equals``. When neither
    decides, it raises :class:`UndecidableZeroError` rather than guess.

    Parameters
    ----------
    x : sympy number, Python int or ``fractions.Fraction``

    Returns
    -------
    bool

    Raises
    ------
    InvalidParameterError
        If ``x`` is not a finite number (NaN, infinities, strings, expressions with symbols).
    UndecidableZeroError
        If neither the minimal polynomial nor ``Expr.equals`` decides.
    """
    e = _exact_number(x, "x")
    if e.is_Number:
        return bool(e == 0)
    g = _gaussian(e)
    if g is not None:  # canonical in QQ_I: decides at once
        return not g
    K, (elem,) = construct_domain([e])
    if K in (sympy.ZZ, sympy.QQ, sympy.ZZ_I, sympy.QQ_I):  # a canonical form: decides at once
        return bool(K.is_zero(elem))
    if sympy.expand(e) == 0:
        return True
    w = sympy.Dummy("w")
    try:
        return bool(sympy.minimal_polynomial(e, w) == w)
    except (sympy.polys.polyerrors.NotAlgebraic, NotImplementedError):
        decided = e.equals(0)
    if decided is None:
        raise UndecidableZeroError(f"cannot decide whether {e} is zero")
    return bool(decided)


def exact_equal(a: Any, b: Any) -> bool:
    """Decide ``a == b`` for exact numbers (see :func:`is_exact_zero`; a bad ``a`` or ``b``
    raises :class:`InvalidParameterError` naming it). Structurally equal expressions are equal
    without further work; any other pair is decided by :func:`is_exact_zero` of ``a - b``."""
    ea, eb = _exact_number(a, "a"), _exact_number(b, "b")
    return ea == eb or is_exact_zero(ea - eb)  # one expression tree: equal at once


def _gaussian(x: Any) -> Any:
    """``x`` as an element of ``QQ_I`` when it is a Gaussian rational built from rationals and
    ``I`` by sums, products and integer powers (evaluated exactly in the domain, so that an
    unexpanded ``(1+i)(1-i)/2`` is recognised as ``1``); ``None`` for anything else (radicals,
    transcendental functions, symbols), which the callers leave to sympy."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return sympy.QQ_I(sympy.QQ(int(x)), sympy.QQ.zero)
    if isinstance(x, Fraction):
        return sympy.QQ_I(sympy.QQ(x.numerator, x.denominator), sympy.QQ.zero)
    if not isinstance(x, sympy.Expr):
        return None
    if x.is_Rational:
        return sympy.QQ_I(sympy.QQ(int(x.p), int(x.q)), sympy.QQ.zero)
    if x is sympy.I:
        return sympy.QQ_I(sympy.QQ.zero, sympy.QQ.one)
    if x.is_Add or x.is_Mul:
        parts = [_gaussian(a) for a in x.args]
        if any(g is None for g in parts):
            return None
        out = parts[0]
        for g in parts[1:]:
            out = out + g if x.is_Add else out * g
        return out
    if x.is_Pow and x.exp.is_Integer:
        base = _gaussian(x.base)
        if base is None or (not base and x.exp < 0):
            return None
        return base ** int(x.exp)
    return None


def abs_squared(x: Any) -> Any:
    """``|x|²`` in the kind of ``x``; exact for sympy numbers.

    For sympy numbers this is ``Abs(x)**2``: ``a² + b²`` for Gaussian rationals (evaluated in
    ``QQ_I`` by :func:`_gaussian`, whatever products, quotients and integer powers express
    them), and sympy's reduction of the modulus of roots and products otherwise
    (``|sqrt(i/7)|² = 1/7``), where the expansion of ``x·conj(x)`` can leave an expression that
    sympy cannot compare.
    """
    if isinstance(x, sympy.Basic):
        g = _gaussian(x)
        if g is not None:  # a Gaussian rational, however written: a² + b² at once
            return sympy.QQ.to_sympy(g.x * g.x + g.y * g.y)
        return sympy.Abs(x) ** 2
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return mpmath.re(x) ** 2 + mpmath.im(x) ** 2
    return abs(_complex(x, "x")) ** 2


def real_part(x: Any) -> Any:
    """Real part in the kind of ``x``."""
    if isinstance(x, sympy.Basic):
        return sympy.re(x)
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return mpmath.re(x)
    return _complex(x, "x").real


def max_abs(arr: Any) -> Any:
    """Largest modulus of the entries of ``arr``, in the kind of the entries (0 if empty).

    For exact entries the result is a sympy number (square roots are kept symbolic); a Python
    ``int`` or ``Fraction`` among them is made a sympy number before it is squared, so it stays
    exact (``abs_squared`` of a non-sympy number goes through ``complex``).
    """
    a = np.asarray(arr, dtype=object if isinstance(arr, np.ndarray) and arr.dtype == object
                   else None)
    if a.size == 0:
        return 0
    if a.dtype != object:
        return float(np.max(np.abs(a)))
    if any(isinstance(x, sympy.Basic) for x in a.flat):
        squares = [abs_squared(sympy.nsimplify(x)) if not isinstance(x, sympy.Basic)
                   else abs_squared(x) for x in a.flat]
        return sympy.sqrt(sympy.Max(*squares))
    return max(mpmath.fabs(x) for x in a.flat)


def tolerance(kind: NumberKind, scale: Any = 1) -> Any:
    """Agreement tolerance for results computed in ``kind``.

    ``0`` for the exact kind; ``scale · ε^0.8`` otherwise, where ``ε`` is the unit roundoff of the
    working precision (``2^-52`` for float64, ``2^-mp.prec`` for mpmath). The exponent 0.8 leaves
    room for the error growth of short recurrences while still failing any result that is wrong
    beyond roundoff.

    Raises
    ------
    InvalidParameterError
        If ``kind`` is not a :class:`NumberKind` or ``scale`` is not a finite real ``>= 0`` (a
        NaN or infinite tolerance would let every comparison pass).
    """
    kind, scale = _check_kind(kind), _check_scale(scale)
    if kind is NumberKind.EXACT:
        return 0
    if kind is NumberKind.MPMATH:
        return mpmath.mpf(scale) * mpmath.mpf(2) ** (-0.8 * mpmath.mp.prec)
    return float(scale) * float(np.finfo(float).eps) ** 0.8


#: Largest degree over ``QQ`` of an algebraic field that :func:`to_domain` builds.
MAX_FIELD_DEGREE = 8


def _field_degree_bound(values: Sequence[Any]) -> int:
    """An upper bound of the degree of ``QQ(values)``: the product of the root orders of the
    distinct radicals ``a^(p/q)``, doubled when ``I`` appears."""
    exprs = [sympy.sympify(x) for x in values]
    radicals = {
        atom
        for x in exprs
        for atom in x.atoms(sympy.Pow)
        if atom.exp.is_Rational and not atom.exp.is_Integer
    }
    degree = 2 if any(x.has(sympy.I) for x in exprs) else 1
    for atom in radicals:
        degree *= int(atom.exp.q)
    return degree


#: The domains of rationals and Gaussian rationals (index: 1 if some entry is not integral, plus
#: 2 if some entry is not real); their elements convert to canonical sympy numbers.
_GAUSSIAN_DOMAINS = (sympy.ZZ, sympy.QQ, sympy.ZZ_I, sympy.QQ_I)


def _gaussian_domain(flat: list[Any]) -> tuple[Domain, list[Any]] | None:
    """The smallest of :data:`_GAUSSIAN_DOMAINS` holding every entry of ``flat`` and the entries
    in it, when every entry is a Gaussian rational (:func:`_gaussian`); ``None`` otherwise.

    For entries written as ``a + b·I`` this is what ``construct_domain(flat)`` returns, without
    its generic analysis; unexpanded products and quotients of Gaussian rationals (for which
    ``construct_domain`` gives ``EX``) land in the same domain."""
    values = [_gaussian(x) for x in flat]
    if any(g is None for g in values):
        return None
    real = all(not g.y for g in values)
    integral = all(g.x.denominator == 1 and g.y.denominator == 1 for g in values)
    K = _GAUSSIAN_DOMAINS[(0 if integral else 1) + (0 if real else 2)]
    if real:
        return K, [K.convert_from(g.x, sympy.QQ) for g in values]
    return K, [K(K.dom.convert_from(g.x, sympy.QQ), K.dom.convert_from(g.y, sympy.QQ))
               for g in values]


def to_domain(*arrays: np.ndarray) -> tuple[Domain, list[np.ndarray]]:
    """Convert exact arrays to elements of one common sympy domain, for fast exact arithmetic.

    Gaussian rationals land in ``ZZ_I``/``QQ_I``, rationals in ``ZZ``/``QQ`` (as
    ``construct_domain`` chooses, also for unexpanded products), algebraic numbers in an algebraic
    field ``QQ<θ>`` when its degree is at most :data:`MAX_FIELD_DEGREE`; anything else (more
    radicals, transcendental numbers) stays plain sympy expressions in the ``EXRAW`` domain,
    which are expanded by :func:`from_domain`. Domain elements support ``+``, ``*`` and
    integer powers inside numpy object arrays, roughly a hundred times faster than sympy
    expressions, and convert back exactly with :func:`from_domain`.

    (The primitive element of a field with many radicals costs far more than the arithmetic it
    would speed up: five square roots of Gaussian rationals take about 40 s to set up.)

    Raises
    ------
    InvalidParameterError
        Naming ``arrays[i]``, if an argument is not a numpy array or has an entry that is not a
        finite exact number (sympy number, ``Fraction`` or integer).
    """
    for i, a in enumerate(arrays):
        _check_ndarray(a, f"arrays[{i}]")
        if not is_finite(a) or any(_scalar_kind(x) not in (None, NumberKind.EXACT)
                                   for x in a.flat):
            fail(f"arrays[{i}]", "finite exact numbers", a)
    flat = [x for a in arrays for x in a.flat]
    if not flat:
        return sympy.QQ, [np.empty(a.shape, dtype=object) for a in arrays]
    K, elems = _gaussian_domain(flat) or construct_domain(flat)  # no radical: ZZ .. QQ_I
    if K == sympy.EX:
        if _field_degree_bound(flat) <= MAX_FIELD_DEGREE:
            K, elems = construct_domain(flat, extension=True)
        if K == sympy.EX or not K.is_Algebraic:
            K, elems = sympy.EXRAW, [sympy.EXRAW.from_sympy(sympy.sympify(x)) for x in flat]
    out, pos = [], 0
    for a in arrays:
        arr = np.empty(a.shape, dtype=object)
        for idx in np.ndindex(a.shape):
            arr[idx] = elems[pos]
            pos += 1
        out.append(arr)
    return K, out


def from_domain(K: Domain, arr: np.ndarray) -> np.ndarray:
    """Exact sympy numbers from an array of elements of the domain ``K`` (canonical form).

    Raises
    ------
    InvalidParameterError
        If ``K`` is not a sympy domain or ``arr`` is not a numpy array.
    """
    if not isinstance(K, Domain):
        fail("K", "a sympy domain (from to_domain)", K)
    out = np.empty(_check_ndarray(arr, "arr").shape, dtype=object)
    canonical = K in _GAUSSIAN_DOMAINS  # to_sympy already gives a + b·I, expanded
    for idx, x in np.ndenumerate(arr):
        out[idx] = K.to_sympy(x) if canonical else sympy.expand(K.to_sympy(x))
    return out


_POLYROOTS_HAS_ASC = "asc" in inspect.signature(mpmath.polyroots).parameters


def polyroots(
    coeffs_ascending: Sequence[Any],
    *,
    maxsteps: int = 200,
    extraprec: int | None = None,
    retries: int = 3,
) -> list[Any]:
    """Roots of ``Σ_k a_k w^k`` at the current mpmath precision, with a convergence check.

    The coefficient order is explicit: ``coeffs_ascending[k]`` multiplies ``w^k``. (mpmath 1.4
    changed the default order of ``polyroots``; every call in the suite goes through here.)

    Parameters
    ----------
    coeffs_ascending
        Coefficients, constant term first. Trailing zeros (vanishing leading coefficients) are
        dropped; the polynomial must not be identically zero.
    maxsteps, extraprec
        Passed to :func:`mpmath.polyroots` on the first attempt; ``extraprec`` defaults to the
        working precision. mpmath iterates until every Durand–Kerner correction is below the
        unit roundoff of the raised precision, and reports failure otherwise.
    retries
        Further attempts after a failure to converge, each with twice the steps and twice the
        extra precision of the one before, plus the binary dynamic range of the coefficients
        (roots spread over many decades, e.g. the ``1/λ`` of poles near ``1e-20``, need the
        extra bits rather than more steps).

    Returns
    -------
    list
        The roots as mpmath numbers (``degree`` of them, with multiplicity).

    Raises
    ------
    InvalidParameterError
        If the polynomial is zero, a coefficient is not a finite number, or
        ``maxsteps``/``extraprec``/``retries`` are not integers in range.
    ArithmeticError
        If no attempt converged; the message lists the attempts.
    """
    maxsteps, retries = _check_count(maxsteps, "maxsteps", 1), _check_count(retries, "retries", 0)
    if extraprec is not None:
        extraprec = _check_count(extraprec, "extraprec", 0)
    coeffs = list(convert(list(coeffs_ascending), NumberKind.MPMATH, "coeffs_ascending"))
    if not all(mpmath.isfinite(c) for c in coeffs):
        fail("coeffs_ascending", "finite coefficients", list(coeffs_ascending))
    while coeffs and coeffs[-1] == 0:
        coeffs.pop()
    if not coeffs:
        raise InvalidParameterError("coeffs_ascending: the zero polynomial has no roots")
    if len(coeffs) == 1:
        return []
    extra = mpmath.mp.prec if extraprec is None else extraprec
    exponents = [int(mpmath.floor(mpmath.log(mpmath.fabs(c), 2))) for c in coeffs if c != 0]
    spread = max(exponents) - min(exponents)
    steps, attempts = maxsteps, []
    for _ in range(retries + 1):
        attempts.append((steps, extra))
        try:
            if _POLYROOTS_HAS_ASC:
                roots = mpmath.polyroots(coeffs, maxsteps=steps, extraprec=extra, asc=True)
            else:  # mpmath < 1.4: descending order only
                roots = mpmath.polyroots(coeffs[::-1], maxsteps=steps, extraprec=extra)
            return list(roots)
        except mpmath.mp.NoConvergence:
            steps, extra = 2 * steps, 2 * extra + spread
    raise ArithmeticError(
        f"polyroots: Durand-Kerner did not converge to the working precision for a polynomial "
        f"of degree {len(coeffs) - 1} (coefficients spread over 2^{spread}); attempts "
        f"(maxsteps, extraprec) = {attempts}"
    )


class KindArithmetic:
    """Arrays of one number kind in the form fast arithmetic wants, and the way back.

    Exact entries become elements of one sympy domain (see :func:`to_domain`); mpmath and
    float entries are used as stored. ``zero`` is the additive identity to fill new arrays
    with, ``arrays`` the converted inputs, and :meth:`back` converts a result to the kind.

    Raises
    ------
    InvalidParameterError
        If ``kind`` is not a :class:`NumberKind`, or (exact kind) as :func:`to_domain`.
    """

    def __init__(self, kind: NumberKind, arrays: list[np.ndarray]) -> None:
        self.domain = None
        if _check_kind(kind) is NumberKind.EXACT:
            self.domain, arrays = to_domain(*arrays)
            self.zero = self.domain.zero
        else:
            self.zero = mpmath.mpf(0) if kind is NumberKind.MPMATH else 0
        self.arrays = arrays

    def back(self, arr: np.ndarray) -> np.ndarray:
        """Convert a result to the model's number kind."""
        return arr if self.domain is None else from_domain(self.domain, arr)
