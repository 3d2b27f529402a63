"""BYJL25 Lemma 3.1 (Eq. 2): the kernel of a deep linear SSM in closed form.

Claim: for every deep diagonal linear SSM, the impulse response of the recurrence (Eq. 1) equals
``ρ(s) = Σ_{s_1+…+s_l=s} C^T A_l^{s_l} B_l ⋯ A_1^{s_1} B_1``.

Tiers:

* exact — Gaussian-rational models (with zero and repeated eigenvalues), compared on
  ``T = 2lm + 1`` steps with zero error. Both sides are coefficient sequences of rational
  functions of degree at most ``lm`` (numerator ``< lm``), and two such sequences that agree on
  ``2lm`` terms agree for every ``s``: on this tier the check is a proof for the instance.
* mpmath — full-precision random models at 50 digits; error relative to the kernel of the
  entrywise-absolute model (which bounds every term), against ``2^{-0.8·prec}``.
* float64 — thousands of models with mixed spectra (clustered, tiny, near-unit, zero) in one
  vectorized batch: the closed form with stacked arrays against the scan core.

Margin: ``log10(tolerance / error)`` in decades (``exact`` for zero error).
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np

from theory.linear import DeepSSM
from theory.numbers import InvalidParameterError, NumberKind, exact_equal, tolerance
from theory.validation import Rules, check_rules
from verify.batch import DeepBatch
from verify.certificates import (
    certificate,
    complex_array,
    deep_from_json,
    deep_json,
    gaussian,
    mpmath_array,
)
from verify.registry import Claim, Tier, log_margin, register
from verify.sampling import random_deep_batch, random_deep_exact, random_deep_mpmath

MPMATH_DPS = 50
FLOAT_T = 48
MPMATH_T = 24
MAX_DEPTH = 4
MAX_WIDTH = 4


def _is_kernel_array(v: Any) -> bool:
    return (isinstance(v, np.ndarray) and v.ndim == 2 and v.dtype != object
            and bool(np.all(np.isfinite(v))))


_RULES: Rules = {
    "model": (lambda v: isinstance(v, DeepSSM), "a DeepSSM"),
    "batch": (lambda v: isinstance(v, DeepBatch), "a DeepBatch"),
    "T": (lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1,
          "a positive integer"),
    "closed": (_is_kernel_array, "a finite 2-D array (models x T)"),
    "other": (_is_kernel_array, "a finite 2-D array (models x T)"),
    "scale": (lambda v: _is_kernel_array(v) and bool(np.all(v >= 0)),
              "a finite non-negative 2-D array (models x T)"),
}


def _check(**params: Any) -> None:
    """The module's validation choke point: every public function passes its arguments here
    (:func:`theory.validation.check_rules` over :data:`_RULES`)."""
    check_rules(_RULES, **params)


def _shape(rng: np.random.Generator, max_depth: int, max_width: int) -> tuple[int, int]:
    return int(rng.integers(1, max_depth + 1)), int(rng.integers(1, max_width + 1))


# ---------------------------------------------------------------------------- exact tier
def _sample_exact(rng: np.random.Generator, n: int) -> list[DeepSSM]:
    return [random_deep_exact(rng, *_shape(rng, 3, 3)) for _ in range(n)]


def exact_margin(model: DeepSSM) -> float:
    """``inf`` when closed form and recurrence agree exactly on ``2lm + 1`` terms, else ``-inf``."""
    _check(model=model)
    T = 2 * model.depth * model.width + 1
    closed = model.kernel(T, "closed_form")
    rec = model.kernel(T, "recurrence")
    same = all(exact_equal(a, b) for a, b in zip(closed, rec))
    return math.inf if same else -math.inf


def _describe_exact(models: list[DeepSSM], i: int) -> dict[str, Any]:
    """The model, and its ``lemma3.1`` certificate (:mod:`verify.certcheck`): the model and its
    closed-form kernel on ``2lm + 1`` terms as Gaussian rationals."""
    m = models[i]
    T = 2 * m.depth * m.width + 1
    return {
        "eigenvalues": [[str(x) for x in row] for row in m.eigenvalues],
        "B": [np.vectorize(str)(b).tolist() for b in m.B],
        "C": [str(x) for x in m.C],
        "certificate": certificate("lemma3.1", model=deep_json(m), terms=T,
                                   kernel=[gaussian(x) for x in m.kernel(T, "closed_form")]),
    }


def _rebuild_exact(description: dict[str, Any]) -> list[DeepSSM]:
    """The instance of :func:`_describe_exact`, from its certificate."""
    return [deep_from_json(description["certificate"]["model"])]


# ---------------------------------------------------------------------------- mpmath tier
def _sample_mpmath(rng: np.random.Generator, n: int) -> list[DeepSSM]:
    with mpmath.workdps(MPMATH_DPS):
        return [random_deep_mpmath(rng, *_shape(rng, 3, 3)) for _ in range(n)]


def _absolute(model: DeepSSM) -> DeepSSM:
    return DeepSSM(
        np.vectorize(mpmath.fabs, otypes=[object])(model.eigenvalues),
        [np.vectorize(mpmath.fabs, otypes=[object])(b) for b in model.B],
        np.vectorize(mpmath.fabs, otypes=[object])(model.C),
    )


def mpmath_margin(model: DeepSSM, T: int = MPMATH_T) -> float:
    """Decades of agreement margin between closed form and recurrence at ``MPMATH_DPS`` digits."""
    _check(model=model, T=T)
    with mpmath.workdps(MPMATH_DPS):
        closed = model.kernel(T, "closed_form")
        rec = model.kernel(T, "recurrence")
        scale = _absolute(model).kernel(T, "closed_form")
        err = max(
            (mpmath.fabs(a - b) / s if s != 0 else (0 if a == b else mpmath.inf))
            for a, b, s in zip(closed, rec, scale)
        ) if T else mpmath.mpf(0)
        return log_margin(float(err), float(tolerance(NumberKind.MPMATH)))


def _describe_mpmath(models: list[DeepSSM], i: int) -> dict[str, Any]:
    """The model with ``MPMATH_DPS + 5`` significant digits, enough to round-trip the binary
    values at ``MPMATH_DPS`` (so :func:`_rebuild_mpmath` gets the same numbers back)."""
    m = models[i]
    with mpmath.workdps(MPMATH_DPS):
        fmt = np.vectorize(lambda x: mpmath.nstr(x, MPMATH_DPS + 5), otypes=[object])
        return {
            "dps": MPMATH_DPS,
            "eigenvalues": fmt(m.eigenvalues).tolist(),
            "B": [fmt(b).tolist() for b in m.B],
            "C": fmt(m.C).tolist(),
        }


def _rebuild_mpmath(description: dict[str, Any]) -> list[DeepSSM]:
    """The instance of :func:`_describe_mpmath` (parsed at ``MPMATH_DPS`` digits)."""
    d = description
    with mpmath.workdps(MPMATH_DPS):
        return [DeepSSM(mpmath_array(d["eigenvalues"], MPMATH_DPS, "eigenvalues"),
                        [mpmath_array(b, MPMATH_DPS, "B") for b in d["B"]],
                        mpmath_array(d["C"], MPMATH_DPS, "C"))]


# ---------------------------------------------------------------------------- float tier
def _sample_float(rng: np.random.Generator, n: int) -> DeepBatch:
    return random_deep_batch(rng, n, *_shape(rng, MAX_DEPTH, MAX_WIDTH))


def _rebuild_float(description: dict[str, Any]) -> DeepBatch:
    """The one-model batch of ``DeepBatch.describe`` (the recorded floats bit for bit)."""
    d = description
    depth, width = int(d["depth"]), int(d["width"])
    bk = complex_array(d["Bk"], "Bk").reshape(1, depth - 1, width, width)
    return DeepBatch(complex_array([d["eigenvalues"]], "eigenvalues"),
                     complex_array([d["B1"]], "B1"), bk, complex_array([d["C"]], "C"),
                     [str(d["style"])])


def relative_errors(closed: np.ndarray, other: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Per-model ``max_s |closed(s) - other(s)| / scale(s)``, shape ``(n,)``.

    ``scale`` is the kernel of the entrywise-absolute model; where it is 0 both kernels must be
    exactly 0 (error 0), otherwise the error is infinite. All three arrays must be finite and of
    one shape (a non-finite kernel is a violation that :func:`float_margins` reports itself).
    """
    _check(closed=closed, other=other, scale=scale)
    if not closed.shape == other.shape == scale.shape:
        raise InvalidParameterError(
            f"closed, other, scale: expected arrays of one shape, got {closed.shape}, "
            f"{other.shape} and {scale.shape}"
        )
    diff = np.abs(closed - other)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1), np.where(diff == 0, 0,
                                                                                 np.inf))
    return rel.max(axis=1) if rel.shape[1] else np.zeros(rel.shape[0])


def float_margins(batch: DeepBatch, T: int = FLOAT_T) -> np.ndarray:
    """Decades of margin, per model, between Lemma 3.1 (vectorized) and the scan core.

    A model whose kernels are not finite gets margin ``nan`` (a violation).
    """
    _check(batch=batch, T=T)
    closed = batch.kernel_closed_form(T)
    scanned = batch.kernel_scan(T)
    scale = batch.absolute().kernel_closed_form(T).real
    finite = np.all(np.isfinite(closed) & np.isfinite(scanned) & np.isfinite(scale), axis=1)
    err = np.full(closed.shape[0], np.nan)
    if finite.any():
        err[finite] = relative_errors(closed[finite], scanned[finite], scale[finite])
    tol = tolerance(NumberKind.FLOAT)
    return np.array([log_margin(float(e), tol) for e in err])


LEMMA_3_1 = register(
    Claim(
        id="byjl25.lemma3.1",
        paper="BYJL25",
        reference="Lemma 3.1, Eq. 2",
        provenance="summary",
        statement="the deep model's kernel is rho(s) = sum over s_1+..+s_l = s of "
        "C^T A_l^{s_l} B_l ... A_1^{s_1} B_1 (same as simulating Eq. 1)",
        margin="decades between the tolerance and the error of closed form vs recurrence, "
        "relative to the kernel of the entrywise-absolute model ('exact' = zero error)",
        tiers=(
            Tier("exact (sympy)", _sample_exact, lambda ms: [exact_margin(m) for m in ms],
                 _describe_exact, batch=25, unit="exact", rebuild=_rebuild_exact),
            Tier(f"mpmath dps={MPMATH_DPS}", _sample_mpmath,
                 lambda ms: [mpmath_margin(m) for m in ms], _describe_mpmath, batch=25,
                 unit="decades", rebuild=_rebuild_mpmath),
            Tier("float64 (scan core)", _sample_float, float_margins,
                 lambda b, i: b.describe(i), batch=100, unit="decades",
                 rebuild=_rebuild_float),
        ),
        default_instances=200,
        notes="exact tier: agreement on 2lm+1 terms proves agreement for all s (both sides are "
        "rational generating functions of degree <= lm).",
    )
)
