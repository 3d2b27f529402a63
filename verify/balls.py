"""Rigorous ball (interval) arithmetic for the certified tiers (★) of the claims.

A certified tier evaluates a claim's margin on one instance with rigorous enclosures: every
input (a float64, an integer, a :class:`fractions.Fraction` or a sympy rational) is converted
*exactly* into a ball (an interval that contains it), every operation returns a ball that
contains the exact result, and the margin's verdict is read off the ball's **lower end**
(:func:`lower`): ``lower ≥ 0`` proves the margin non-negative for that instance (up to the
correctness of the ball library). A ball that straddles 0 has a negative lower end, so it is a
violation — never rounded into a pass. No float arithmetic happens between the exact inputs and
the balls.

Two back-ends, chosen by :func:`backend`:

``"arb"``        python-flint's ``arb`` (Arb midpoint-radius balls), when ``flint`` imports
                 (the optional extra ``fast``);
``"mpmath.iv"``  :mod:`mpmath`'s interval context ``mpmath.iv`` (always available).

:func:`use_backend` forces one (the tests run every certified tier with both and compare the
verdicts). Balls are the back-end's own numbers (``flint.arb`` or ``mpmath.iv.mpf``): ``+ - * /``
and integer powers are the back-end's operators, the functions of this module do the rest;
:class:`CBall` is a complex ball as a pair of real balls (both back-ends alike). Evaluate inside
``with precision(bits):`` (default :data:`WORKING_PREC` bits); :func:`decide` re-evaluates a
negative margin at higher precision (a ball too wide to decide).
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from fractions import Fraction
from typing import Any, NoReturn

import mpmath
import numpy as np
import sympy
from mpmath import iv

from theory.numbers import InvalidParameterError

try:  # the optional extra ``fast``
    import flint
except ImportError:  # pragma: no cover - depends on the environment
    flint = None  # type: ignore[assignment]

__all__ = [
    "BACKENDS",
    "WORKING_PREC",
    "PRECISION_DOUBLINGS",
    "CBall",
    "available_backends",
    "backend",
    "use_backend",
    "precision",
    "decide",
    "tier_name",
    "ball",
    "cball",
    "balls",
    "lower",
    "upper",
    "exp",
    "log",
    "log10",
    "sqrt",
    "power",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "hardtanh",
    "maximum",
    "minimum",
    "absolute",
    "norm2",
    "log10_ratio",
    "unbounded",
    "matvec",
    "ACTIVATIONS",
    "run_stack",
]

#: The back-ends, fastest first.
BACKENDS = ("arb", "mpmath.iv")
#: Default working precision (bits) of :func:`precision`.
WORKING_PREC = 128
#: How many times :func:`decide` doubles the precision of a negative margin.
PRECISION_DOUBLINGS = 2

_FORCED: list[str] = []
_PRECISIONS: list[int] = []


def _fail(name: str, value: Any, expected: str) -> NoReturn:
    """The module's validation choke point: raise naming ``name`` and ``value``."""
    raise InvalidParameterError(f"{name}: expected {expected}, got {value!r}")


# ============================================================================ back-end
def available_backends() -> tuple[str, ...]:
    """The back-ends that can run here (``"mpmath.iv"`` always)."""
    return BACKENDS if flint is not None else BACKENDS[1:]


def backend() -> str:
    """The back-end in use: the innermost :func:`use_backend`, else ``"arb"`` when python-flint
    is installed, else ``"mpmath.iv"``."""
    return _FORCED[-1] if _FORCED else available_backends()[0]


def use_backend(name: str) -> AbstractContextManager[str]:
    """A context in which the certified checks run with back-end ``name`` (one of
    :data:`BACKENDS`); checked at the call.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``name`` is not an available back-end.
    """
    if not (isinstance(name, str) and name in available_backends()):
        _fail("name", name, f"one of the available back-ends {available_backends()}")
    return _pushed(_FORCED, name)


def precision(bits: int | None = None) -> AbstractContextManager[int]:
    """A context with the working precision of both back-ends set to ``bits`` (restored on
    exit); checked at the call.

    ``None`` keeps the precision of an enclosing :func:`precision` (as :func:`decide` sets it),
    else :data:`WORKING_PREC` (read at the call).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``bits`` is not ``None`` or an integer ``>= 53``.
    """
    if bits is None:
        bits = _PRECISIONS[-1] if _PRECISIONS else WORKING_PREC
    if isinstance(bits, bool) or not isinstance(bits, numbers.Integral) or bits < 53:
        _fail("bits", bits, "an integer >= 53")
    return _at_precision(int(bits))


@contextmanager
def _pushed(stack: list[Any], value: Any) -> Iterator[Any]:
    stack.append(value)
    try:
        yield value
    finally:
        stack.pop()


@contextmanager
def _at_precision(bits: int) -> Iterator[int]:
    old_iv = iv.prec
    old_arb = flint.ctx.prec if flint is not None else None
    iv.prec = bits
    if flint is not None:
        flint.ctx.prec = bits
    try:
        with _pushed(_PRECISIONS, bits):
            yield bits
    finally:
        iv.prec = old_iv
        if flint is not None:
            flint.ctx.prec = old_arb


def decide(evaluate: Callable[[], Any], doublings: int = PRECISION_DOUBLINGS,
           margin: Callable[[Any], float] | None = None) -> Any:
    """The result of ``evaluate()`` whose certified margin (a ball's lower end: the result
    itself, or ``margin(result)``) is re-evaluated at twice the precision, up to ``doublings``
    times, while it is negative.

    A ball can be too wide to decide at :data:`WORKING_PREC` (radii of long recurrences grow
    like the powers of the entrywise-absolute matrix); a true violation, or a tie (a margin of
    exactly 0, whose ball always straddles 0), stays negative at every precision.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``evaluate`` is not callable or ``doublings`` is not an integer ``>= 0``.
    """
    if not callable(evaluate):
        _fail("evaluate", evaluate, "a callable returning a margin")
    if margin is not None and not callable(margin):
        _fail("margin", margin, "None or a callable")
    if isinstance(doublings, bool) or not isinstance(doublings, numbers.Integral) \
            or doublings < 0:
        _fail("doublings", doublings, "an integer >= 0")
    bits = _PRECISIONS[-1] if _PRECISIONS else WORKING_PREC
    read = margin or (lambda r: r)
    for i in range(int(doublings) + 1):
        with precision(bits * 2**i):
            result = evaluate()
        if read(result) >= 0:
            break
    return result


def tier_name(detail: str = "") -> str:
    """The name of a certified tier: ``"certified (balls)"``, followed by ``", detail"`` when
    ``detail`` is given.

    The name does not depend on the back-end (both give the same verdicts), so reports made
    with and without python-flint compare and re-check by tier name; the back-end that ran is
    the ``python-flint`` entry of the report's package versions (``"not installed"``:
    ``mpmath.iv``).
    """
    if not isinstance(detail, str):
        _fail("detail", detail, "a string")
    return "certified (balls)" + (f", {detail}" if detail else "")


def _arb() -> bool:
    return backend() == "arb"


# ============================================================================ conversion
def _is_ball(x: Any) -> bool:
    return isinstance(x, iv.mpf) or (flint is not None and isinstance(x, flint.arb))


def _exact_parts(x: Any) -> tuple[int, int] | float | None:
    """``x`` as a finite float, or as ``(numerator, denominator)``; ``None`` if not exact."""
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, (numbers.Integral, np.integer)):
        return int(x), 1
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, Fraction):
        return x.numerator, x.denominator
    if isinstance(x, sympy.Rational):
        return int(x.p), int(x.q)
    if isinstance(x, sympy.Float) and x.is_finite:
        return _exact_parts(mpmath.mp.make_mpf(x._mpf_))
    if isinstance(x, mpmath.mpf) and mpmath.isfinite(x):
        sign, man, exp, _ = x._mpf_  # x = (-1)^sign man 2^exp exactly
        man = -int(man) if sign else int(man)
        return (man * 2 ** int(exp), 1) if exp >= 0 else (man, 2 ** int(-exp))
    return None


def ball(x: Any) -> Any:
    """A real ball that contains ``x`` exactly (floats, integers and dyadic rationals are exact
    points; other rationals are enclosed at the working precision). A ball is returned as is.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``x`` is not a finite real float, integer, Fraction, sympy rational or float, or
        mpmath ``mpf`` (complex numbers: :func:`cball`).
    """
    if _is_ball(x):
        return x
    parts = _exact_parts(x)
    if parts is None:
        _fail("x", x, "a finite real number (float, int, Fraction, sympy rational)")
    if isinstance(parts, float):
        return flint.arb(parts) if _arb() else iv.mpf(parts)
    p, q = parts
    if _arb():
        return flint.arb(flint.fmpq(p, q)) if q != 1 else flint.arb(flint.fmpz(p))
    return iv.mpf(p) / iv.mpf(q) if q != 1 else iv.mpf(p)


class CBall:
    """A complex ball ``re + i·im`` as a pair of real balls (either back-end)."""

    __slots__ = ("re", "im")

    def __init__(self, re: Any, im: Any = 0) -> None:
        self.re, self.im = ball(re), ball(im)

    def __add__(self, other: Any) -> CBall:
        o = cball(other)
        return CBall(self.re + o.re, self.im + o.im)

    __radd__ = __add__

    def __sub__(self, other: Any) -> CBall:
        o = cball(other)
        return CBall(self.re - o.re, self.im - o.im)

    def __rsub__(self, other: Any) -> CBall:
        return cball(other) - self

    def __neg__(self) -> CBall:
        return CBall(-self.re, -self.im)

    def __mul__(self, other: Any) -> CBall:
        o = cball(other)
        return CBall(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)

    __rmul__ = __mul__

    def abs2(self) -> Any:
        """``|z|²`` as a real ball."""
        return self.re * self.re + self.im * self.im

    def __abs__(self) -> Any:
        return sqrt(self.abs2())

    def __repr__(self) -> str:
        return f"CBall({self.re!r}, {self.im!r})"


def cball(z: Any) -> CBall:
    """A complex ball that contains ``z`` exactly (real and imaginary parts as :func:`ball`).

    Accepts a :class:`CBall`, a real number or ball, a Python/numpy complex, an mpmath ``mpc``
    or a sympy Gaussian rational ``a + b·I``.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``z`` is not such a finite number.
    """
    if isinstance(z, CBall):
        return z
    if isinstance(z, (complex, np.complexfloating, mpmath.mpc)):
        if not (_exact_parts(z.real) is not None and _exact_parts(z.imag) is not None):
            _fail("z", z, "a finite complex number")
        return CBall(z.real, z.imag)
    if isinstance(z, sympy.Basic) and not isinstance(z, (sympy.Rational, sympy.Float)):
        re, im = z.as_real_imag()
        if _exact_parts(re) is None or _exact_parts(im) is None:
            _fail("z", z, "a finite complex number with rational parts")
        return CBall(re, im)
    if _is_ball(z) or _exact_parts(z) is not None:
        return CBall(z, 0)
    _fail("z", z, "a finite complex number (complex, mpc, sympy a + b*I) or a ball")


def balls(values: Any, complex_: bool = False) -> np.ndarray:
    """An object array of the same shape with :func:`ball` (or :func:`cball` when
    ``complex_``) of every entry.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If an entry is not a finite number (real unless ``complex_``), or ``complex_`` is not
        a bool.
    """
    if not isinstance(complex_, bool):
        _fail("complex_", complex_, "True or False")
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    convert = cball if complex_ else ball
    for idx, v in np.ndenumerate(arr):
        out[idx] = convert(v)
    return out


# ============================================================================ ends
def _iv_end(x: Any, down: bool) -> Any:
    """The exact lower (``down``) or upper end of an ``mpmath.iv`` interval as an ``mpf``
    (``x.a`` would round it to ``mp.prec``)."""
    return mpmath.mp.make_mpf(x._mpi_[0 if down else 1])


def _end(x: Any, down: bool) -> float:
    """The lower (``down``) or upper end of the ball ``x`` as a float rounded outward
    (``-inf``/``inf`` when that end is not finite; a NaN ball has ends ``-inf`` and ``inf``)."""
    x = ball(x)
    worst = -math.inf if down else math.inf
    if isinstance(x, iv.mpf):
        end = _iv_end(x, down)
        if mpmath.isnan(end):
            return worst
        f = float(end)
        while math.isfinite(f) and ((mpmath.mpf(f) > end) if down else (mpmath.mpf(f) < end)):
            f = math.nextafter(f, worst)
        return f
    if x.is_nan():
        return worst
    if not x.is_finite():
        mid, rad = float(x.mid()), float(x.rad())
        return worst if math.isinf(rad) or math.isnan(mid) else mid
    end = x.lower() if down else x.upper()
    f = float(end)
    while math.isfinite(f) and ((flint.arb(f) > end) if down else (flint.arb(f) < end)):
        f = math.nextafter(f, worst)
    return f


def lower(x: Any) -> float:
    """The ball's lower end as a float rounded down (``-inf`` for a ball whose lower end is not
    finite, or NaN): a certified margin holds on the instance exactly when this is ``>= 0``.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``x`` is not a ball or an exact real number.
    """
    return _end(x, True)


def upper(x: Any) -> float:
    """The ball's upper end as a float rounded up (``inf`` when it is not finite, or NaN).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``x`` is not a ball or an exact real number.
    """
    return _end(x, False)


def _point(x: Any, down: bool) -> Any:
    """The exact lower (``down``) or upper end of a finite ball as an exact ball."""
    x = ball(x)
    if isinstance(x, iv.mpf):
        end = _iv_end(x, down)
        return iv.mpf([end, end])
    return x.lower() if down else x.upper()


def _hull(lo: Any, hi: Any) -> Any:
    """A ball of the back-end containing the balls ``lo`` and ``hi`` (and all between)."""
    if isinstance(lo, iv.mpf):
        return iv.mpf([_iv_end(lo, True), _iv_end(hi, False)])
    return lo.union(hi)


def unbounded() -> Any:
    """The ball of all reals (a quantity that cannot be bounded: its margin is ``-inf``)."""
    return flint.arb("[+/- inf]") if _arb() else iv.mpf([-mpmath.inf, mpmath.inf])


def _plus_infinity() -> Any:
    return flint.arb("inf") if _arb() else iv.mpf([mpmath.inf, mpmath.inf])


# ============================================================================ functions
#: ``mpmath.iv``'s transcendental functions are not always rounded outward: at 128 bits
#: ``iv.exp(2 x)`` with ``x = 1.175494351e-38`` has its upper end one unit in the last place below
#: the true value (``tests/test_balls.py`` keeps that case). Every result of ``exp``, ``log``,
#: ``sin`` and ``cos`` is therefore widened by ``2^(IV_GUARD_BITS - prec) · max(1, |ends|)``,
#: rounded outward (square roots are correctly rounded; Arb needs no such guard).
IV_GUARD_BITS = 16


def _guarded(y: Any) -> Any:
    """The ``mpmath.iv`` interval ``y`` widened by :data:`IV_GUARD_BITS` (module constant)."""
    lo, hi = _iv_end(y, True), _iv_end(y, False)
    if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)):
        return y
    slack = mpmath.ldexp(max(mpmath.mpf(1), abs(lo), abs(hi)), IV_GUARD_BITS - iv.prec)
    return iv.mpf([mpmath.fsub(lo, slack, prec=iv.prec, rounding="d"),
                   mpmath.fadd(hi, slack, prec=iv.prec, rounding="u")])


def exp(x: Any) -> Any:
    """``e^x``."""
    x = ball(x)
    return _guarded(iv.exp(x)) if isinstance(x, iv.mpf) else x.exp()


def log(x: Any) -> Any:
    """Natural logarithm (the unbounded ball unless ``x > 0``)."""
    x = ball(x)
    if not lower(x) > 0:
        return unbounded()
    return _guarded(iv.log(x)) if isinstance(x, iv.mpf) else x.log()


def log10(x: Any) -> Any:
    """Decimal logarithm (the unbounded ball unless ``x > 0``)."""
    return log(x) / log(ball(10))


def sqrt(x: Any) -> Any:
    """``√x`` of the non-negative part of ``x``: rounding can make a sum of squares straddle 0
    slightly, and its root is taken on ``[max(lo, 0), hi]`` (the unbounded ball if ``x`` is not
    finite, or entirely negative)."""
    x = ball(x)
    if not (math.isfinite(lower(x)) and math.isfinite(upper(x))) or upper(x) < 0:
        return unbounded()
    lo = _point(x, True) if lower(x) > 0 else ball(0)
    hi = _point(x, False)
    if isinstance(x, iv.mpf):
        return _hull(iv.sqrt(lo), iv.sqrt(hi))
    return _hull(lo.sqrt(), hi.sqrt())


def power(x: Any, y: Any) -> Any:
    """``x^y = exp(y log x)`` for a ball ``x > 0`` and a real exponent ``y`` (ball, float or
    rational); integer powers of any ``x`` are the operator ``x ** n``."""
    return exp(ball(y) * log(x))


def sin(x: Any) -> Any:
    """``sin x``."""
    x = ball(x)
    return _guarded(iv.sin(x)) if isinstance(x, iv.mpf) else x.sin()


def cos(x: Any) -> Any:
    """``cos x``."""
    x = ball(x)
    return _guarded(iv.cos(x)) if isinstance(x, iv.mpf) else x.cos()


def tanh(x: Any) -> Any:
    """``tanh x`` (``mpmath.iv``: ``1 - 2/(e^{2x} + 1)``, one occurrence of ``x``: tight)."""
    x = ball(x)
    if isinstance(x, iv.mpf):
        return 1 - 2 / (exp(2 * x) + 1)
    return x.tanh()


def sigmoid(x: Any) -> Any:
    """The logistic function ``1/(1 + e^{-x})``."""
    return 1 / (1 + exp(-ball(x)))


def maximum(a: Any, b: Any) -> Any:
    """``max(a, b)`` of two balls."""
    a, b = ball(a), ball(b)
    if isinstance(a, iv.mpf):
        return iv.mpf([max(_iv_end(a, True), _iv_end(b, True)),
                       max(_iv_end(a, False), _iv_end(b, False))])
    return a.max(b)


def minimum(a: Any, b: Any) -> Any:
    """``min(a, b)`` of two balls."""
    return -maximum(-ball(a), -ball(b))


def relu(x: Any) -> Any:
    """``max(x, 0)``."""
    return maximum(x, 0)


def hardtanh(x: Any) -> Any:
    """``x`` clipped to ``[-1, 1]``."""
    return minimum(maximum(x, -1), 1)


def absolute(x: Any) -> Any:
    """``|x|`` of a real ball, or the modulus of a :class:`CBall` (a real ball)."""
    return abs(x if isinstance(x, CBall) else ball(x))


def norm2(values: Iterable[Any]) -> Any:
    """Euclidean norm ``(Σ |x_i|²)^{1/2}`` of real balls or :class:`CBall` s."""
    total = ball(0)
    for v in values:
        total = total + (v.abs2() if isinstance(v, CBall) else ball(v) * ball(v))
    return sqrt(total)


def log10_ratio(num: Any, den: Any) -> Any:
    """A ball for ``log10(num/den)`` taken at the ends that make it smallest,
    ``log10(lower end of num) - log10(upper end of den)``: its :func:`lower` is a certified
    margin in decades. The unbounded ball when ``num`` may be ``≤ 0`` or either is not finite;
    ``+inf`` when ``den`` is exactly 0 (a measured quantity that vanishes).
    """
    num, den = ball(num), ball(den)
    if not (math.isfinite(upper(num)) and math.isfinite(upper(den))) or not lower(num) > 0:
        return unbounded()
    if upper(den) <= 0:
        return _plus_infinity() if lower(den) >= 0 else unbounded()
    return log10(_point(num, True)) - log10(_point(den, False))


# ============================================================================ stacks
#: Ball versions of the predefined activations of :mod:`theory.activations`, by name.
ACTIVATIONS = {"tanh": tanh, "relu": relu, "sigmoid": sigmoid, "hardtanh": hardtanh,
               "identity": ball}


def matvec(M: Any, v: Any, diagonal: bool = False) -> np.ndarray:
    """``M v`` (or ``M * v`` for a diagonal ``M`` stored as a vector) of object arrays of balls
    (real balls or :class:`CBall` s; ``M`` and ``v`` of one type).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If the shapes do not match (``M (n, m)`` and ``v (m,)``; ``M (m,)`` when diagonal).
    """
    M, v = np.asarray(M, dtype=object), np.asarray(v, dtype=object)
    ok = v.ndim == 1 and (M.shape == v.shape if diagonal else
                          (M.ndim == 2 and M.shape[1] == v.shape[0]))
    if not ok:
        _fail("M", M.shape, f"a matrix matching the vector of shape {v.shape}")
    if diagonal:
        return M * v
    return np.array([functools.reduce(operator.add, (a * b for a, b in zip(row, v)))
                     for row in M], dtype=object)


def run_stack(stack: Any, x: Any) -> np.ndarray:
    """Balls of the outputs ``y (..., T, d_out)`` of a discrete real stack
    (:class:`theory.layers.SSMStack`) on the inputs ``x (..., T, d_in)`` (a batch of sequences
    in the leading axes): the recurrence of :meth:`theory.layers.SSMLayer.run` (``h_{-1} = 0``,
    ``h_t = W h_{t-1} + U v_t + b``, ``y_t = C h_t + D v_t``) with the activation between the
    layers, every parameter and input converted exactly (:func:`ball`).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``stack`` is not a discrete stack of real layers with a predefined activation, or
        ``x`` is not a finite real ``(..., T, d_in)`` array.
    """
    from theory.activations import get_activation
    from theory.layers import SSMStack

    if not isinstance(stack, SSMStack) or any(layer.time != "discrete"
                                              for layer in stack.layers):
        _fail("stack", stack, "a discrete SSMStack")
    name = stack.activation.name
    if name not in ACTIVATIONS or stack.activation is not get_activation(name):
        _fail("stack", stack, f"a stack with one of the activations {tuple(ACTIVATIONS)}")
    xs = np.asarray(x, dtype=object)
    if xs.ndim < 2 or xs.shape[-1] != stack.d_in:
        _fail("x", x, f"a (..., T, {stack.d_in}) array")
    v = balls(xs).reshape(-1, *xs.shape[-2:])
    act = np.vectorize(ACTIVATIONS[name], otypes=[object])
    for i, layer in enumerate(stack.layers):
        v = _run_layer(layer, act(v) if i else v)
    return v.reshape(*xs.shape[:-1], v.shape[-1])


def _run_layer(layer: Any, v: np.ndarray) -> np.ndarray:
    """One layer of :func:`run_stack` on the balls ``v (n, T, d_in)``."""
    W, U, C = balls(layer.W), balls(layer.U), balls(layer.C)
    D = None if layer.D is None else balls(layer.D)
    b = None if layer.b is None else balls(layer.b)
    n, T, _ = v.shape
    out = np.empty((n, T, C.shape[0]), dtype=object)
    for j in range(n):
        h = None
        for t in range(T):
            drive = matvec(U, v[j, t])
            if b is not None:
                drive = drive + b
            h = drive if h is None else matvec(W, h, layer.diagonal) + drive
            y = matvec(C, h)
            out[j, t] = y if D is None else y + matvec(D, v[j, t])
    return out
