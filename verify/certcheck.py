"""Independent re-verification of the exact certificates of a report, standard library only.

``python -m verify.certcheck report.json`` re-verifies every ``"certificate"`` entry of the
worst instances and first violations in a report written by ``python -m verify --json``. It
uses nothing but the standard library (:mod:`fractions`, :mod:`json`, :mod:`re`; no numpy,
sympy, mpmath, :mod:`theory` or other :mod:`verify` module), so a reader can confirm the exact
results of BYJL25 (Lemma 3.1, Theorem 4.1(i), the double-pole finding, Theorem 4.1(iii), the
Theorem 4.2 forest bounds) without trusting the stack that produced them. The file stands
alone: ``python verify/certcheck.py report.json`` (or a copy of this one file) runs on any
Python ≥ 3.10 without the package installed; ``python -m verify.certcheck`` also imports the
package's ``__init__``.

Canonical format (``"format": "ssm-cert/1"``)
----------------------------------------------
* A *rational* is a string ``"p"`` or ``"p/q"`` (decimal integers, ``q > 0``, no spaces,
  decimals or exponents), as :class:`fractions.Fraction` prints it.
* A *Gaussian rational* ``a + bi`` is the pair ``[a, b]`` of rationals (real, imaginary).
* A *deep model* (BYJL25 Eq. 1, same-step recurrence ``h_k(t) = A_k h_k(t-1) + B_k h_{k-1}(t)``,
  ``h_0(t) = x(t)``, ``y(t) = C^T h_l(t)``, diagonal ``A_k``) is
  ``{"eigenvalues": [[λ_{1,1}, …, λ_{1,m}], …, [λ_{l,1}, …]], "B": [B_1, B_2, …, B_l],
  "C": [c_1, …, c_m]}`` with ``B_1`` a list of ``m`` numbers and ``B_k`` (``k ≥ 2``) an
  ``m × m`` list of rows, ``B_k[i][j]`` the weight from node ``j`` of layer ``k-1`` to node ``i``
  of layer ``k``. Its kernel is ``K_s = C^T A_l^{s_l} B_l ⋯`` summed as in Lemma 3.1 (Eq. 2).
* A *shallow model* is ``{"poles": [λ_i], "residues": [r_i]}``, kernel ``Σ_i r_i λ_i^s``.
* A polynomial in ``w`` is the list of its coefficients, constant term first.

Certificate types (``"type"``) and what is re-verified:

``lemma3.1``
    ``{"model", "terms", "kernel"}``: ``terms = 2lm + 1``; the closed form of Eq. 2 and the
    simulation of Eq. 1 (impulse input) both give ``kernel`` on ``terms`` steps.
``thm4.1.i``
    ``{"deep", "shallow", "terms"}``: the shallow width is ``n ≤ lm`` and both kernels agree on
    ``terms ≥ 2lm + 1`` steps. This proves agreement for every ``s``: with
    ``Q = Π_{k,i} (1 - λ_{k,i} w)``, the deep generating function is ``ρ̂ = P/Q`` with
    ``deg Q ≤ lm`` and ``deg P ≤ lm - 1`` (each path term is its weight times a product of
    ``l`` factors ``1/(1 - λw)``), the shallow one ``P_s/Q_s`` with ``deg Q_s ≤ n``,
    ``deg P_s ≤ n - 1``; the difference is ``N/(Q Q_s)`` with ``deg N ≤ lm + n - 1`` and
    ``Q Q_s`` of constant term 1, so agreement on ``lm + n ≤ 2lm`` terms gives ``N = 0``.
``thm4.1.i.shared``
    ``{"model", "pole", "order", "numerator", "denominator", "terms"}``: ``(1 - λw)^order``
    divides the denominator ``D`` exactly and ``(1 - λw)^{order+1}`` does not; the model's
    kernel satisfies ``Σ_j D_j K_{s-j} = N_s`` for ``s < terms`` (``N`` the numerator), with
    ``terms ≥ lm + max(deg D, deg N + 1)`` — which proves ``ρ̂ = N/D`` by the degree argument
    above — and ``N(1/λ) ≠ 0``, so ``ρ̂`` has a pole of order exactly ``order`` at ``w = 1/λ``.
    ``order ≥ 2`` is required: a diagonal shallow model has only simple poles.
``thm4.1.iii``
    ``{"depth", "width", "poles", "residues", "first_order_coefficient"}``: ``n = l(m-1)+2``
    distinct nonzero stable poles, nonzero residues, and the coefficient of ``z`` in
    ``Σ r_i z/(z - λ_i)`` at ``z = 0``, ``-Σ r_i/λ_i``, recomputed, equal to the recorded one and
    nonzero. (A deep model holding the ``n`` poles has at most ``lm - n = l - 2`` zero modes, so
    two layers have only nonzero modes and its ``ρ̂(1/z) = O(z²)``.)
``thm4.2.forest``
    ``{"depth", "width", "target", "deep", "W2", "c1_4"}``: the target has ``n ≤ l(m-1)+1``
    poles; the deep model (depth ``l``, width ``m``) has the target's kernel on
    ``2(lm + n) + 1`` steps (a proof, as above); ``W2 = W²``, ``W`` the largest path weight
    ``|C_{i_l} B_l[i_l][i_{l-1}] ⋯ B_1[i_1]|``, recomputed as the largest product of squared
    moduli (rational); ``c1_4 = c_1⁴ = max_i |r_i|²``; and ``W² ≤ 4^{l-1} c_1⁴`` (the forest's
    constant ``2^{(l-1)/(l+1)}``: the balanced norm is ``W^{1/(l+1)}``) and
    ``W² ≤ 2^{2(l+1)} c_1⁴`` (Theorem 4.2's constant 2).

Each certificate gets a :class:`CertResult`: ``confirmed``, ``refuted`` (well formed but a
check fails) or ``malformed`` (cannot be read in the format above), with a reason.
Exit status of the command: 0 every certificate confirmed (and at least one found), 1 any
refuted or malformed or none found, 2 unreadable input.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = [
    "FORMAT",
    "STATUSES",
    "CertificateInputError",
    "Malformed",
    "read_model",
    "read_shallow",
    "CertResult",
    "check_certificate",
    "check_report",
    "main",
]

#: The value of every certificate's ``"format"`` key.
FORMAT = "ssm-cert/1"
STATUSES = ("confirmed", "refuted", "malformed")
#: Largest ``l·m`` (and shallow width) a certificate may describe (keeps checks bounded).
MAX_SIZE = 256
_RATIONAL = re.compile(r"-?[0-9]+(/[0-9]+)?")
_ZERO = (Fraction(0), Fraction(0))
_ONE = (Fraction(1), Fraction(0))


class CertificateInputError(ValueError):
    """A bad argument of a public function (the message names the parameter)."""


class Malformed(CertificateInputError):
    """A certificate that cannot be read in the canonical format (the message names the
    entry)."""


class Refuted(Exception):
    """A well-formed certificate whose check fails."""


@dataclass(frozen=True)
class CertResult:
    """The outcome of one certificate: where it is, its type, status and the reason."""

    claim: str
    tier: str
    where: str
    type: str
    status: str
    reason: str


# ------------------------------------------------------------------ Gaussian rational arithmetic
def _add(a: tuple, b: tuple) -> tuple:
    return (a[0] + b[0], a[1] + b[1])


def _sub(a: tuple, b: tuple) -> tuple:
    return (a[0] - b[0], a[1] - b[1])


def _mul(a: tuple, b: tuple) -> tuple:
    return (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0])


def _abs2(a: tuple) -> Fraction:
    return a[0] * a[0] + a[1] * a[1]


def _inv(a: tuple) -> tuple:
    d = _abs2(a)
    return (a[0] / d, -a[1] / d)


def _show(a: tuple) -> str:
    return f"{a[0]}" if a[1] == 0 else f"{a[0]}{'+' if a[1] >= 0 else ''}{a[1]}i"


# ------------------------------------------------------------------------------------- parsing
def _require(ok: bool, what: str) -> None:
    if not ok:
        raise Malformed(what)


def _rational(v: Any, what: str) -> Fraction:
    _require(isinstance(v, str) and _RATIONAL.fullmatch(v) is not None,
             f"{what}: expected a rational string 'p' or 'p/q', got {v!r}")
    num, _, den = v.partition("/")
    _require(den == "" or int(den) > 0, f"{what}: zero denominator in {v!r}")
    return Fraction(int(num), int(den or 1))


def _gaussian(v: Any, what: str) -> tuple:
    _require(isinstance(v, list) and len(v) == 2,
             f"{what}: expected a Gaussian rational [re, im], got {v!r}")
    return (_rational(v[0], what), _rational(v[1], what))


def _list(v: Any, what: str, length: int | None = None) -> list:
    _require(isinstance(v, list) and (length is None or len(v) == length),
             f"{what}: expected a list" + ("" if length is None else f" of {length}")
             + f", got {str(v)[:60]}")
    return v


def _vector(v: Any, what: str, length: int | None = None) -> list[tuple]:
    return [_gaussian(x, f"{what}[{i}]") for i, x in enumerate(_list(v, what, length))]


def _int(v: Any, what: str, least: int) -> int:
    _require(isinstance(v, int) and not isinstance(v, bool) and least <= v <= 10 * MAX_SIZE,
             f"{what}: expected an integer >= {least}, got {v!r}")
    return v


def read_model(model: Any, what: str = "model"
               ) -> tuple[list[list[tuple]], list[Any], list[tuple]]:
    """``(eigenvalues, B, C)`` of a deep model in the canonical format, entries as pairs of
    :class:`~fractions.Fraction` (shapes and stability checked).

    Raises
    ------
    Malformed
        Naming ``what`` (and the entry) when ``model`` is not such a model.
    """
    d = model
    _require(isinstance(d, dict), f"{what}: expected a model object")
    rows = _list(d.get("eigenvalues"), f"{what}.eigenvalues")
    _require(len(rows) >= 1, f"{what}.eigenvalues: expected at least one layer")
    m = len(_list(rows[0], f"{what}.eigenvalues[0]"))
    _require(1 <= m and len(rows) * m <= MAX_SIZE, f"{what}: expected 1 <= lm <= {MAX_SIZE}")
    lam = [_vector(r, f"{what}.eigenvalues[{k}]", m) for k, r in enumerate(rows)]
    _require(all(_abs2(x) < 1 for row in lam for x in row),
             f"{what}: expected stable eigenvalues (|λ| < 1)")
    bs = _list(d.get("B"), f"{what}.B", len(lam))
    B: list[Any] = [_vector(bs[0], f"{what}.B[0]", m)]
    B += [[_vector(r, f"{what}.B[{k}][{i}]", m) for i, r in enumerate(_list(bs[k],
                                                                           f"{what}.B[{k}]", m))]
          for k in range(1, len(lam))]
    return lam, B, _vector(d.get("C"), f"{what}.C", m)


def read_shallow(target: Any, what: str = "target") -> tuple[list[tuple], list[tuple]]:
    """``(poles, residues)`` of a shallow model in the canonical format (stable poles).

    Raises
    ------
    Malformed
        Naming ``what`` (and the entry) when ``target`` is not such a model.
    """
    d = target
    _require(isinstance(d, dict), f"{what}: expected a shallow model object")
    poles = _vector(d.get("poles"), f"{what}.poles")
    _require(1 <= len(poles) <= MAX_SIZE, f"{what}.poles: expected 1..{MAX_SIZE} poles")
    _require(all(_abs2(x) < 1 for x in poles), f"{what}: expected stable poles (|λ| < 1)")
    return poles, _vector(d.get("residues"), f"{what}.residues", len(poles))


# ------------------------------------------------------------------------------------- kernels
def _dot(a: list[tuple], b: list[tuple]) -> tuple:
    out = _ZERO
    for x, y in zip(a, b):
        out = _add(out, _mul(x, y))
    return out


def _simulate(lam: list[list[tuple]], B: list[Any], C: list[tuple], T: int) -> list[tuple]:
    """The impulse response of Eq. 1 (same-step recurrence), ``K_0 … K_{T-1}``."""
    h = [[_ZERO] * len(row) for row in lam]
    out = []
    for t in range(T):
        below: list[tuple] = [_ONE if t == 0 else _ZERO]  # the input x(t)
        for k, row in enumerate(lam):
            drive = [_mul(b, below[0]) for b in B[0]] if k == 0 else \
                [_dot(r, below) for r in B[k]]
            h[k] = [_add(_mul(x, old), d) for x, old, d in zip(row, h[k], drive)]
            below = h[k]
        out.append(_dot(C, below))
    return out


def _closed_form(lam: list[list[tuple]], B: list[Any], C: list[tuple], T: int) -> list[tuple]:
    """Lemma 3.1 (Eq. 2): ``Σ_{s_1+…+s_l=s} C^T A_l^{s_l} B_l ⋯ A_1^{s_1} B_1`` for ``s < T``,
    summed layer by layer: ``v_1(s) = A_1^s B_1``, ``v_k(s) = Σ_{j≤s} A_k^j B_k v_{k-1}(s-j)``."""
    def powers(row: list[tuple]) -> list[list[tuple]]:
        p = [[_ONE] * len(row)]
        for _ in range(1, T):
            p.append([_mul(a, x) for a, x in zip(p[-1], row)])
        return p

    P = powers(lam[0])
    v = [[_mul(P[s][i], B[0][i]) for i in range(len(B[0]))] for s in range(T)]
    for k in range(1, len(lam)):
        P = powers(lam[k])
        u = [[_dot(r, v[s]) for r in B[k]] for s in range(T)]
        v = [[_zero_sum(_mul(P[j][i], u[s - j][i]) for j in range(s + 1))
              for i in range(len(lam[k]))] for s in range(T)]
    return [_dot(C, v[s]) for s in range(T)]


def _zero_sum(terms: Any) -> tuple:
    out = _ZERO
    for t in terms:
        out = _add(out, t)
    return out


def _shallow_kernel(poles: list[tuple], residues: list[tuple], T: int) -> list[tuple]:
    out, powers = [], [_ONE] * len(poles)
    for _ in range(T):
        out.append(_zero_sum(_mul(r, p) for r, p in zip(residues, powers)))
        powers = [_mul(p, x) for p, x in zip(powers, poles)]
    return out


def _first_difference(a: list[tuple], b: list[tuple]) -> int | None:
    return next((s for s, (x, y) in enumerate(zip(a, b)) if x != y), None)


# ------------------------------------------------------------------------ certificate checks
def _check_lemma31(c: dict) -> str:
    lam, B, C = read_model(c.get("model"), "model")
    l_, m = len(lam), len(lam[0])
    terms = _int(c.get("terms"), "terms", 1)
    kernel = _vector(c.get("kernel"), "kernel", terms)
    if terms != 2 * l_ * m + 1:
        raise Refuted(f"terms = {terms}, expected 2lm+1 = {2 * l_ * m + 1}")
    for name, got in (("closed form (Eq. 2)", _closed_form(lam, B, C, terms)),
                      ("simulation (Eq. 1)", _simulate(lam, B, C, terms))):
        s = _first_difference(got, kernel)
        if s is not None:
            raise Refuted(f"{name} K_{s} = {_show(got[s])} differs from the recorded "
                          f"{_show(kernel[s])}")
    return f"closed form = simulation = recorded kernel on {terms} = 2lm+1 terms (l={l_}, m={m})"


def _check_thm41i(c: dict) -> str:
    lam, B, C = read_model(c.get("deep"), "deep")
    poles, residues = read_shallow(c.get("shallow"), "shallow")
    lm, n = len(lam) * len(lam[0]), len(poles)
    terms = _int(c.get("terms"), "terms", 1)
    if n > lm:
        raise Refuted(f"shallow width {n} exceeds lm = {lm}")
    if terms < 2 * lm + 1:
        raise Refuted(f"terms = {terms} < 2lm+1 = {2 * lm + 1}")
    deep, shallow = _simulate(lam, B, C, terms), _shallow_kernel(poles, residues, terms)
    s = _first_difference(deep, shallow)
    if s is not None:
        raise Refuted(f"kernels differ at s = {s}: deep {_show(deep[s])}, "
                      f"shallow {_show(shallow[s])}")
    return f"deep (lm={lm}) and shallow (n={n}) kernels agree on {terms} >= lm+n terms"


def _divide_linear(poly: list[tuple], lam: tuple) -> list[tuple] | None:
    """``poly / (1 - λw)`` if the division is exact, else ``None`` (coefficients low first)."""
    if len(poly) < 2 or lam == _ZERO:
        return None
    # q_0 = p_0, q_j = p_j + λ q_{j-1}; the remainder p_d + λ q_{d-1} must vanish
    q = [poly[0]]
    for j in range(1, len(poly) - 1):
        q.append(_add(poly[j], _mul(lam, q[-1])))
    return q if _add(poly[-1], _mul(lam, q[-1])) == _ZERO else None


def _evaluate(poly: list[tuple], w: tuple) -> tuple:
    out = _ZERO
    for coeff in reversed(poly):
        out = _add(_mul(out, w), coeff)
    return out


def _check_shared(c: dict) -> str:
    lam, B, C = read_model(c.get("model"), "model")
    pole = _gaussian(c.get("pole"), "pole")
    order = _int(c.get("order"), "order", 0)
    num = _vector(c.get("numerator"), "numerator")
    den = _vector(c.get("denominator"), "denominator")
    terms = _int(c.get("terms"), "terms", 1)
    _require(len(num) >= 1 and len(den) >= 1, "numerator, denominator: expected coefficients")
    lm = len(lam) * len(lam[0])
    if pole == _ZERO:
        raise Refuted("the pole is 0 (a zero mode gives no pole)")
    if order < 2:
        raise Refuted(f"order {order} < 2: not a multiple pole")
    rest = den
    for j in range(order):
        quotient = _divide_linear(rest, pole)
        if quotient is None:
            raise Refuted(f"(1 - λw)^{j + 1} does not divide the denominator (λ = {_show(pole)})")
        rest = quotient
    if _divide_linear(rest, pole) is not None:
        raise Refuted(f"(1 - λw)^{order + 1} divides the denominator: the order is not {order}")
    if _evaluate(num, _inv(pole)) == _ZERO:
        raise Refuted("the numerator vanishes at w = 1/λ (the factor cancels)")
    need = lm + max(len(den) - 1, len(num))
    if terms < need:
        raise Refuted(f"terms = {terms} < lm + max(deg D, deg N + 1) = {need}")
    kernel = _simulate(lam, B, C, terms)
    for s in range(terms):
        lhs = _zero_sum(_mul(den[j], kernel[s - j]) for j in range(min(s, len(den) - 1) + 1))
        if lhs != (num[s] if s < len(num) else _ZERO):
            raise Refuted(f"the kernel does not satisfy the recurrence of the denominator at "
                          f"s = {s}")
    return (f"rho-hat = N/D on {terms} terms (a proof), (1 - λw)^{order} exactly divides D and "
            f"N(1/λ) != 0: pole of order {order} at λ = {_show(pole)}")


def _check_iii(c: dict) -> str:
    depth, width = _int(c.get("depth"), "depth", 1), _int(c.get("width"), "width", 1)
    poles = _vector(c.get("poles"), "poles")
    residues = _vector(c.get("residues"), "residues", len(poles))
    recorded = _gaussian(c.get("first_order_coefficient"), "first_order_coefficient")
    n, lm = len(poles), depth * width
    _require(n <= MAX_SIZE, f"poles: at most {MAX_SIZE}")
    if n != depth * (width - 1) + 2:
        raise Refuted(f"n = {n} poles, expected l(m-1)+2 = {depth * (width - 1) + 2}")
    if len(set(poles)) != n or _ZERO in poles or _ZERO in residues:
        raise Refuted("poles must be distinct and nonzero, residues nonzero")
    if any(_abs2(p) >= 1 for p in poles):
        raise Refuted("poles must be stable (|λ| < 1)")
    if lm >= n and depth - (lm - n) < 2:  # lm - n = l - 2 zero modes at most
        raise Refuted("fewer than two layers are forced to have only nonzero modes")
    coeff = _zero_sum(_mul(r, _inv(p)) for r, p in zip(residues, poles))
    coeff = (-coeff[0], -coeff[1])
    if coeff != recorded:
        raise Refuted(f"-sum r_i/λ_i = {_show(coeff)}, recorded {_show(recorded)}")
    if coeff == _ZERO:
        raise Refuted("the first-order coefficient -sum r_i/λ_i vanishes")
    if lm < n:
        return (f"-sum r_i/λ_i = {_show(coeff)} != 0; n = l(m-1)+2 = {n} distinct nonzero "
                f"poles exceed the lm = {lm} eigenvalues of a depth-{depth} width-{width} model")
    return (f"-sum r_i/λ_i = {_show(coeff)} != 0 with n = l(m-1)+2 = {n}: the target is "
            f"O(z) at infinity, every depth-{depth} width-{width} model holding its poles "
            f"O(z^2)")


def _max_path_weight_squared(B: list[Any], C: list[tuple]) -> Fraction:
    """``W² = max_π Π |entry|²`` over input→output paths, by max-product dynamic programming."""
    f = [_abs2(b) for b in B[0]]
    for mat in B[1:]:
        f = [max(_abs2(row[j]) * f[j] for j in range(len(f))) for row in mat]
    return max(_abs2(c) * x for c, x in zip(C, f))


def _check_forest(c: dict) -> str:
    depth, width = _int(c.get("depth"), "depth", 1), _int(c.get("width"), "width", 1)
    poles, residues = read_shallow(c.get("target"), "target")
    lam, B, C = read_model(c.get("deep"), "deep")
    W2, c1_4 = _rational(c.get("W2"), "W2"), _rational(c.get("c1_4"), "c1_4")
    n = len(poles)
    if (len(lam), len(lam[0])) != (depth, width):
        raise Refuted(f"the deep model is {len(lam)}x{len(lam[0])}, not {depth}x{width}")
    if n > depth * (width - 1) + 1:
        raise Refuted(f"the target has {n} > l(m-1)+1 poles")
    T = 2 * (depth * width + n) + 1
    s = _first_difference(_simulate(lam, B, C, T), _shallow_kernel(poles, residues, T))
    if s is not None:
        raise Refuted(f"the deep model's kernel differs from the target's at s = {s}")
    got_W2, got_c1_4 = _max_path_weight_squared(B, C), max(_abs2(r) for r in residues)
    if got_W2 != W2:
        raise Refuted(f"W^2 recomputed = {got_W2}, recorded {W2}")
    if got_c1_4 != c1_4:
        raise Refuted(f"c_1^4 recomputed = {got_c1_4}, recorded {c1_4}")
    if not W2 <= 4 ** (depth - 1) * c1_4:
        raise Refuted(f"W^2 = {W2} > 4^(l-1) c_1^4 = {4 ** (depth - 1) * c1_4}")
    if not W2 <= 2 ** (2 * (depth + 1)) * c1_4:
        raise Refuted(f"W^2 = {W2} > 2^(2(l+1)) c_1^4")
    return (f"kernel equal on {T} terms; W^2 = {W2} <= 4^(l-1) c_1^4 = "
            f"{4 ** (depth - 1) * c1_4} <= 2^(2(l+1)) c_1^4")


_CHECKS = {
    "lemma3.1": _check_lemma31,
    "thm4.1.i": _check_thm41i,
    "thm4.1.i.shared": _check_shared,
    "thm4.1.iii": _check_iii,
    "thm4.2.forest": _check_forest,
}


def check_certificate(cert: Any) -> tuple[str, str]:
    """``(status, reason)`` for one certificate: ``confirmed``, ``refuted`` or ``malformed``.

    Never raises for a bad certificate: whatever cannot be read is ``malformed``.
    """
    if not isinstance(cert, dict) or cert.get("format") != FORMAT:
        return "malformed", f"expected an object with \"format\": \"{FORMAT}\""
    check = _CHECKS.get(cert.get("type"))  # type: ignore[arg-type]
    if check is None:
        return "malformed", f"unknown certificate type {cert.get('type')!r}"
    try:
        return "confirmed", check(cert)
    except Refuted as exc:
        return "refuted", str(exc)
    except Malformed as exc:
        return "malformed", str(exc)
    except (ArithmeticError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        return "malformed", f"{type(exc).__name__}: {exc}"


def _certificates(report: dict) -> list[tuple[str, str, str, Any]]:
    """``(claim, tier, where, certificate)`` for every certificate in the report."""
    out = []
    claims = report.get("claims")
    for claim in claims if isinstance(claims, list) else []:
        tiers = claim.get("tiers") if isinstance(claim, dict) else None
        for tier in tiers if isinstance(tiers, list) else []:
            if not isinstance(tier, dict):
                continue
            for where in ("worst_instance", "first_violation"):
                desc = tier.get(where)
                if isinstance(desc, dict) and "certificate" in desc:
                    out.append((str(claim.get("id")), str(tier.get("tier")), where,
                                desc["certificate"]))
    return out


def check_report(report: dict) -> list[CertResult]:
    """Re-verify every certificate of a report (the parsed JSON of ``python -m verify
    --json``), in report order.

    Raises
    ------
    CertificateInputError
        If ``report`` is not a dict with a ``"claims"`` list.
    """
    if not isinstance(report, dict) or not isinstance(report.get("claims"), list):
        raise CertificateInputError(f"report: expected a report object with a 'claims' list, "
                                    f"got {str(report)[:60]!r}")
    results = []
    for claim, tier, where, cert in _certificates(report):
        status, reason = check_certificate(cert)
        kind = cert.get("type") if isinstance(cert, dict) else None
        results.append(CertResult(claim, tier, where, str(kind), status, reason))
    return results


def main(argv: list[str] | None = None) -> int:
    """``python -m verify.certcheck REPORT.json``: print one line per certificate; exit status
    0 all confirmed (at least one), 1 otherwise, 2 unreadable input or bad usage."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m verify.certcheck REPORT.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as fh:
            results = check_report(json.load(fh))
    except (OSError, ValueError) as exc:
        print(f"certcheck: cannot read {args[0]}: {exc}", file=sys.stderr)
        return 2
    for r in results:
        print(f"{r.status:<10} {r.claim} [{r.tier}] {r.where} ({r.type}): {r.reason}")
    confirmed = sum(r.status == "confirmed" for r in results)
    print(f"{confirmed}/{len(results)} certificates confirmed")
    return 0 if results and confirmed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
