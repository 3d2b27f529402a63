"""Exact certificates in the canonical JSON format of :mod:`verify.certcheck`, and back.

The BYJL25 claims put a ``"certificate"`` entry into the description of their exact tiers'
instances (Lemma 3.1, Theorem 4.1(i), the double-pole finding, Theorem 4.1(iii), the
Theorem 4.2 forest); :mod:`verify.certcheck` re-verifies it with the standard library alone,
and :mod:`verify.recheck` rebuilds the instance from it (:func:`deep_from_json`,
:func:`shallow_from_json`) without evaluating any string as an expression.

Format: a rational is ``"p"`` or ``"p/q"``; a Gaussian rational is ``[re, im]``; models as in
the :mod:`verify.certcheck` docstring.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import InvalidParameterError
from theory.validation import fail, require
from verify.certcheck import FORMAT, read_model, read_shallow

__all__ = [
    "gaussian",
    "rational",
    "certificate",
    "deep_json",
    "shallow_json",
    "polynomial_json",
    "deep_from_json",
    "shallow_from_json",
    "complex_array",
    "mpmath_array",
]


def rational(x: Any) -> str:
    """``"p"`` or ``"p/q"`` for an exact rational (a sympy or Python rational)."""
    q = sympy.nsimplify(x) if isinstance(x, (int, Fraction)) else sympy.sympify(x)
    require(isinstance(q, sympy.Basic) and q.is_Rational, "x", "an exact rational", x)
    return str(Fraction(int(q.p), int(q.q)))


def gaussian(x: Any) -> list[str]:
    """``[re, im]`` of an exact Gaussian rational (sympy, possibly unexpanded)."""
    require(isinstance(x, (sympy.Basic, int, Fraction)) and not isinstance(x, bool), "x",
            "an exact Gaussian rational", x)
    z = sympy.expand(sympy.sympify(x))
    re, im = z.as_real_imag()
    require(re.is_Rational is True and im.is_Rational is True, "x", "an exact Gaussian rational", x)
    return [rational(re), rational(im)]


def deep_json(model: DeepSSM) -> dict[str, Any]:
    """An exact Gaussian-rational deep model in the canonical format."""
    require(isinstance(model, DeepSSM), "model", "a DeepSSM", model)
    vec = lambda a: [gaussian(x) for x in np.ravel(a)]  # noqa: E731
    return {"eigenvalues": [vec(row) for row in model.eigenvalues],
            "B": [vec(model.B[0])] + [[vec(row) for row in b] for b in model.B[1:]],
            "C": vec(model.C)}


def shallow_json(poles: Any, residues: Any) -> dict[str, Any]:
    """A shallow model ``Σ r_i λ_i^s`` in the canonical format."""
    require(len(poles) == len(residues), "residues", "one residue per pole", residues)
    return {"poles": [gaussian(x) for x in poles], "residues": [gaussian(x) for x in residues]}


def polynomial_json(expr: Any, var: sympy.Symbol) -> list[list[str]]:
    """Coefficients of a polynomial in ``var``, constant term first, as Gaussian rationals."""
    return [gaussian(c) for c in reversed(sympy.Poly(expr, var).all_coeffs())]


def certificate(kind: str, **fields: Any) -> dict[str, Any]:
    """``{"format": FORMAT, "type": kind, **fields}``."""
    require(isinstance(kind, str) and bool(kind), "kind", "a certificate type", kind)
    return {"format": FORMAT, "type": kind, **fields}


def _sympy(z: tuple) -> sympy.Expr:
    re, im = (sympy.Rational(x.numerator, x.denominator) for x in z)
    return re + im * sympy.I


def deep_from_json(model: Any) -> DeepSSM:
    """The exact :class:`DeepSSM` of a canonical deep model.

    Raises
    ------
    verify.certcheck.Malformed
        (A ``ValueError``) naming the entry that is not in the canonical format.
    """
    lam, B, C = read_model(model, "model")
    return DeepSSM([[_sympy(x) for x in row] for row in lam],
                   [np.array([_sympy(x) for x in B[0]], dtype=object)]
                   + [np.array([[_sympy(x) for x in row] for row in b], dtype=object)
                      for b in B[1:]],
                   [_sympy(x) for x in C])


def shallow_from_json(target: Any) -> ShallowSSM:
    """The exact :class:`ShallowSSM` (``B = r``, ``C = 1``) of a canonical shallow model.

    Raises
    ------
    verify.certcheck.Malformed
        (A ``ValueError``) naming the entry that is not in the canonical format.
    """
    poles, residues = read_shallow(target, "target")
    return ShallowSSM([_sympy(x) for x in poles], [_sympy(x) for x in residues],
                      [sympy.Integer(1)] * len(poles))


def complex_array(values: Any, name: str = "values") -> np.ndarray:
    """A complex array from nested lists of round-trip decimal strings (``repr(complex)``), as
    float tiers describe their instances; the values are the recorded floats bit for bit.

    Raises
    ------
    theory.numbers.InvalidParameterError
        Naming ``name`` when an entry is not such a string (or the nesting is ragged).
    """
    def parse(v: Any) -> Any:
        if isinstance(v, list):
            return [parse(x) for x in v]
        require(isinstance(v, str), name, "round-trip decimal strings", v)
        try:
            return complex(v)
        except ValueError:
            fail(name, "round-trip decimal strings", v)
        return None  # pragma: no cover

    try:
        return np.array(parse(values), dtype=complex)
    except ValueError as exc:
        if isinstance(exc, InvalidParameterError):
            raise
        fail(name, "a rectangular nesting", values)


def mpmath_array(values: Any, dps: int, name: str = "values") -> np.ndarray:
    """An object array of mpmath numbers parsed at ``dps`` digits from nested lists of the
    strings ``mpmath.nstr`` writes (``"x"`` or ``"(x + yj)"``); with ``dps + 5`` significant
    digits written, the values round-trip exactly.

    Raises
    ------
    theory.numbers.InvalidParameterError
        Naming ``name`` when an entry is not such a string.
    """
    require(isinstance(dps, int) and not isinstance(dps, bool) and dps >= 1, "dps",
            "an integer >= 1", dps)

    def parse(v: Any) -> Any:
        require(isinstance(v, str), name, "decimal strings", v)
        try:
            return mpmath.mpmathify(v.strip("()").replace(" ", ""))
        except (ValueError, TypeError):
            fail(name, "decimal strings", v)
        return None  # pragma: no cover

    with mpmath.workdps(dps):
        return np.vectorize(parse, otypes=[object])(np.array(values, dtype=object))
