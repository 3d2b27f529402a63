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
* float64 — up to ``FLOAT_BATCH`` models with mixed spectra (clustered, tiny, near-unit, zero)
  in one vectorized batch: the closed form with explicit powers (:func:`_closed_form_kernels`,
  instances along the fast axis) against the recurrence run by the scan core, and the margins
  (:func:`_log_margins`), with no per-instance Python loop.

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
from verify.registry import Tier, from_catalog, log_margin, register
from verify.sampling import random_deep_batch, random_deep_exact, random_deep_mpmath

MPMATH_DPS = 50
FLOAT_T = 48
MPMATH_T = 24
MAX_DEPTH = 4
MAX_WIDTH = 4
FLOAT_BATCH = 10_000
LANES = 1024


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
    return _relative_errors(closed, other, scale)


def _relative_errors(closed: np.ndarray, other: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """:func:`relative_errors` of arrays already checked (finite, one shape, ``scale ≥ 0``).

    ``|x| / scale`` is ``x/scale`` where ``scale > 0``, ``inf`` where ``scale = 0`` and
    ``x ≠ 0`` (``±inf`` before the modulus) and ``nan`` (then 0) where both are 0.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(np.abs(closed - other) / scale)
    rel[np.isnan(rel)] = 0
    return rel.max(axis=1) if rel.shape[1] else np.zeros(rel.shape[0])


def _powers(lam: np.ndarray, count: int) -> np.ndarray:
    """``λ^0, …, λ^{count-1}`` of each entry of ``lam`` (explicit products), ``(count, *shape)``."""
    out = np.empty((count, *lam.shape), dtype=lam.dtype)
    out[0] = 1
    for c in range(1, count):
        np.multiply(out[c - 1], lam, out=out[c])
    return out


def _lagged_sum(weights: np.ndarray, u: np.ndarray, lag: int) -> np.ndarray:
    """``Σ_a weights[a] · u(t - a·lag)`` over ``0 ≤ a·lag ≤ t``, for ``u`` of shape ``(T, …)``."""
    T = u.shape[0]
    out, tmp = u.copy(), np.empty_like(u)
    for a in range(1, weights.shape[0]):
        s = a * lag
        if s >= T:
            break
        np.multiply(u[: T - s], weights[a], out=tmp[: T - s])
        out[s:] += tmp[: T - s]
    return out


def _power_tables(lam: np.ndarray, T: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """``λ^c`` for ``c < block`` and ``(λ^block)^a`` for ``a·block < T``: ``λ^j`` for every
    ``j < T`` is one product ``(λ^block)^a λ^c`` of the two tables."""
    low = _powers(lam, block)
    return low, _powers(low[-1] * lam, (T - 1) // block + 1)


def _power_convolution(lam: np.ndarray, u: np.ndarray, block: int) -> np.ndarray:
    """``v(t) = Σ_{j ≤ t} λ^j u(t - j)`` for ``u (T, m, k)`` and eigenvalues ``lam (m, k)``.

    The finite sum of Lemma 3.1 over the last layer's exponent ``j``, with explicit powers,
    grouped as ``j = a·block + c`` (``0 ≤ c < block``) and ``λ^j = (λ^block)^a λ^c``: first the
    inner sums over ``c``, then the outer sums over ``a``. The same terms as the direct sum, in
    about ``T (block + T/block)`` instead of ``T²/2`` products; no step uses the recurrence.
    """
    low, high = _power_tables(lam, u.shape[0], block)
    return _lagged_sum(high, _lagged_sum(low, u, 1), block)


def _couple(B: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``B v(t)`` for couplings ``B (m, m, k)`` and states ``v (T, m, k)`` (instances last)."""
    u = v[:, 0:1] * B[None, :, 0]
    for j in range(1, B.shape[1]):
        u += v[:, j : j + 1] * B[None, :, j]
    return u


def _closed_form_block(lam: np.ndarray, B1: np.ndarray, Bk: np.ndarray, C: np.ndarray,
                       T: int) -> np.ndarray:
    """``ρ(0..T-1)`` of ``k`` models stored instances-last (``lam (l, m, k)``, ``B1 (m, k)``,
    ``Bk (l-1, m, m, k)``, ``C (m, k)``), shape ``(T, k)``; see :func:`_closed_form_kernels`."""
    block = max(1, math.isqrt(T))
    low, high = _power_tables(lam[0], T, block)
    v = (high[:, None] * low[None]).reshape(-1, *lam.shape[1:])[:T] * B1  # A_1^s B_1
    for q in range(1, lam.shape[0]):
        v = _power_convolution(lam[q], _couple(Bk[q - 1], v), block)
    return np.sum(v * C, axis=1)


def _closed_form_kernels(batch: DeepBatch, T: int = FLOAT_T) -> np.ndarray:
    """``ρ(0..T-1)`` of every model of ``batch`` by Lemma 3.1 (Eq. 2), shape ``(n, T)``.

    The sum over ``s_1 + … + s_l = s`` is grouped by layers,
    ``v_k(s) = Σ_{j ≤ s} A_k^j B_k v_{k-1}(s - j)`` with ``v_1(s) = A_1^s B_1`` and
    ``ρ(s) = C^T v_l(s)``, every power explicit (:func:`_power_convolution`). The arrays are
    laid out time first and instances last, so that every numpy operation runs along the batch,
    and processed in blocks of :data:`LANES` instances that stay in cache. Independent of the
    recurrence: no state is advanced by ``A``.
    """
    lam = batch.eigenvalues.transpose(1, 2, 0)
    B1, Bk, C = batch.B1.T, batch.Bk.transpose(1, 2, 3, 0), batch.C.T
    out = np.empty((T, batch.size), dtype=np.result_type(lam, B1, Bk, C))
    for a in range(0, batch.size, LANES):
        lam_a, B1_a, Bk_a, C_a = (np.ascontiguousarray(x[..., a : a + LANES])
                                  for x in (lam, B1, Bk, C))
        out[:, a : a + LANES] = _closed_form_block(lam_a, B1_a, Bk_a, C_a, T)
    return out.T


def _log_margins(errors: np.ndarray, tol: float) -> np.ndarray:
    """:func:`verify.registry.log_margin` of every entry of ``errors`` (same rules, vectorized):
    ``inf`` for a zero error, ``nan`` for ``nan``, ``-inf`` for an infinite error,
    ``log10(tol / error)`` otherwise (``log10 tol - log10 error`` when that ratio over- or
    underflows), so that a margin is ``≥ 0`` exactly when ``error ≤ tol``."""
    err = errors.astype(float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ratio = tol / err
        out = np.where((ratio == 0) | np.isinf(ratio), math.log10(tol) - np.log10(err),
                       np.log10(ratio))
    out[err == 0] = math.inf
    out[np.isinf(err)] = -math.inf
    out[np.isnan(err)] = math.nan
    return out


def float_margins(batch: DeepBatch, T: int = FLOAT_T) -> np.ndarray:
    """Decades of margin, per model, between Lemma 3.1 (:func:`_closed_form_kernels`) and the
    recurrence run by the scan core (``DeepBatch.kernel_scan``), relative to the closed-form
    kernel of the entrywise-absolute model (:func:`relative_errors`); fully vectorized.

    A model whose kernels are not finite gets margin ``nan`` (a violation).
    """
    _check(batch=batch, T=T)
    closed = _closed_form_kernels(batch, T)
    scanned = batch.kernel_scan(T)
    scale = _closed_form_kernels(batch.absolute(), T).real
    finite = np.all(np.isfinite(closed) & np.isfinite(scanned) & np.isfinite(scale), axis=1)
    if finite.all():
        err = _relative_errors(closed, scanned, scale)
    else:
        err = np.full(closed.shape[0], np.nan)
        err[finite] = _relative_errors(closed[finite], scanned[finite], scale[finite])
    return _log_margins(err, tolerance(NumberKind.FLOAT))


LEMMA_3_1 = register(
    from_catalog(
        "byjl25.lemma3.1",
        tiers=(
            Tier("exact (sympy)", _sample_exact, lambda ms: [exact_margin(m) for m in ms],
                 _describe_exact, batch=25, unit="exact", rebuild=_rebuild_exact),
            Tier(f"mpmath dps={MPMATH_DPS}", _sample_mpmath,
                 lambda ms: [mpmath_margin(m) for m in ms], _describe_mpmath, batch=25,
                 unit="decades", rebuild=_rebuild_mpmath),
            Tier("float64 (scan core)", _sample_float, float_margins,
                 lambda b, i: b.describe(i), batch=FLOAT_BATCH, unit="decades",
                 rebuild=_rebuild_float),
        ),
        default_instances=200,
    )
)
