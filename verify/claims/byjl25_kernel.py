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
  instances along the fast axis) against the recurrence run by the scan core, error relative to
  the kernel of the entrywise-absolute model (:func:`_absolute_kernel_block`), and the margins
  (:func:`_log_margins`), with no per-instance Python loop.

Margin: ``log10(tolerance / error)`` in decades (``exact`` for zero error).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
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
LANES = 1024  # most instances per block of the float tier's closed form
LANE_BYTES = 2**21  # ... whose (T, m) complex states take at most this (see _lanes)


def _is_kernel_array(v: Any) -> bool:
    return (isinstance(v, np.ndarray) and v.ndim == 2 and v.dtype != object
            and bool(np.all(np.isfinite(v))))


_RULES: Rules = {
    "model": (lambda v: isinstance(v, DeepSSM), "a DeepSSM"),
    "batch": (lambda v: isinstance(v, DeepBatch), "a DeepBatch"),
    "T": (lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool) and bool(v >= 1),
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
    """:func:`relative_errors` of arrays already checked (finite, one shape, ``scale ≥ 0``)."""
    return _scaled_max(closed - other, scale, axis=1)


def _scaled_max(diff: np.ndarray, scale: np.ndarray, axis: int,
                out: np.ndarray | None = None) -> np.ndarray:
    """``max |diff| / scale`` along ``axis`` of 2-D arrays (0 for an empty axis); ``out`` (real,
    of ``diff``'s shape) is scratch space for the ratios.

    ``|x| / scale`` is ``x/scale`` where ``scale > 0``, ``inf`` where ``scale = 0`` and
    ``x ≠ 0`` (``±inf`` before the modulus) and ``nan`` (then 0) where both are 0.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rel = np.abs(diff, out=out)
        np.abs(np.divide(rel, scale, out=rel), out=rel)
    rel[np.isnan(rel)] = 0
    if not rel.shape[axis]:
        return np.zeros(rel.shape[1 - axis])
    return rel.max(axis=axis)


def _squarings(lam: np.ndarray, T: int) -> list[np.ndarray]:
    """``λ^{2^i}`` for ``2^i < T`` (``i = 0, 1, …``), by repeated squaring."""
    out = [lam]
    while 2 ** len(out) < T:
        out.append(out[-1] * out[-1])
    return out


def _powers(lam: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``λ^0, …, λ^{T-1}`` of each entry of ``lam`` into ``out (T, *lam.shape)``: explicit
    products, by doubling (``λ^{2^i + c} = λ^{2^i} λ^c`` for ``c < 2^i``, with ``λ^{2^i}`` from
    :func:`_squarings`)."""
    T = out.shape[0]
    out[0] = 1
    for i, p in enumerate(_squarings(lam, T)):
        step = 2**i
        np.multiply(out[: min(step, T - step)], p, out=out[step : 2 * step])
    return out


def _power_convolution(lam: np.ndarray, u: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """``v(t) = Σ_{j ≤ t} λ^j u(t - j)`` for ``u (T, m, k)`` and eigenvalues ``lam (m, k)``,
    computed in place in ``u`` (``tmp`` is scratch space of ``u``'s shape).

    The finite sum of Lemma 3.1 over the last layer's exponent ``j``, with explicit powers,
    grouped by the binary digits of ``j``: ``λ^j = Π_i (λ^{2^i})^{b_i}``, so that
    ``Σ_{j < 2^L} λ^j S^j = Π_{i < L} (1 + λ^{2^i} S^{2^i})`` for the shift ``S`` (a
    factorisation of the truncated geometric series). Level ``i`` adds ``λ^{2^i} u(t - 2^i)`` to
    ``u(t)`` for every ``t`` at once; after the ``L = ⌈log2 T⌉`` levels each ``u(t - j)``,
    ``j ≤ t``, carries the product of the squarings of its exponent's digits. ``Σ_i (T - 2^i)``
    products (225 at ``T = 48``, against ``T²/2 = 1128`` for the direct sum and 393 for the
    grouping ``j = a⌊√T⌋ + c`` used before); no step advances a state by ``λ`` from one time to
    the next, as the recurrence does.
    """
    T = u.shape[0]
    for i, p in enumerate(_squarings(lam, T)):
        lag = 2**i
        np.multiply(u[: T - lag], p, out=tmp[: T - lag])
        u[lag:] += tmp[: T - lag]
    return u


def _couple(B: np.ndarray, v: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """``out(t) = B v(t)`` for couplings ``B (m, m, k)`` and states ``v (T, m, k)`` (instances
    last); ``tmp`` is scratch space of ``v``'s shape."""
    np.multiply(v[:, 0:1], B[:, 0], out=out)
    for j in range(1, B.shape[1]):
        out += np.multiply(v[:, j : j + 1], B[:, j], out=tmp)
    return out


def _read_out(C: np.ndarray, v: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """``out(t) = C^T v(t)`` for ``C (m, k)`` and states ``v (T, m, k)``; ``out`` is ``(T, k)``,
    ``tmp`` scratch space of ``v``'s shape (one product and one sum over the modes: faster than
    a product per mode on the strided ``v[:, i]``)."""
    return np.sum(np.multiply(v, C, out=tmp), axis=1, out=out)


def _closed_form_block(lam: np.ndarray, B1: np.ndarray, Bk: np.ndarray, C: np.ndarray,
                       work: np.ndarray) -> np.ndarray:
    """``ρ(0..T-1)`` of ``k`` models stored instances-last (``lam (l, m, k)``, ``B1 (m, k)``,
    ``Bk (l-1, m, m, k)``, ``C (m, k)``), shape ``(T, k)``; see :func:`_closed_form_kernels`.

    ``work`` is scratch space ``(3, T, m, k)`` of the result's dtype, reused from block to
    block (fresh arrays of this size are paged in anew on every block, which cost more than
    the arithmetic); the result is a view into ``work[0]`` or ``work[1]``, and ``work[2]`` is
    free again on return.
    """
    v, u, tmp = work
    np.multiply(_powers(lam[0], v), B1, out=v)  # v_1(s) = A_1^s B_1
    for q in range(1, lam.shape[0]):
        v, u = _power_convolution(lam[q], _couple(Bk[q - 1], v, u, tmp), tmp), v
    return _read_out(C, v, u[:, 0], tmp)


def _absolute_kernel_block(lam: np.ndarray, B1: np.ndarray, Bk: np.ndarray, C: np.ndarray,
                           work: np.ndarray) -> np.ndarray:
    """The kernel of the absolute models, given as :func:`_closed_form_block` takes a block
    (``lam = |λ|``, ``B1 = |B_1|``, ``Bk = |B_k|``, ``C = |C|``, all real), shape ``(T, k)``,
    in the real scratch space ``work (3, T, m, k)``: the error scale of the float tier.

    Computed by the real recurrence ``h_t = |A_k| h_{t-1} + |B_k| x_t`` layer by layer (one
    multiply-add per step, instances last), cheaper than the closed form. Every term is
    non-negative, so no evaluation order cancels: recurrence and closed form of the absolute
    model agree to a few roundings relative to the value (tested), and the scale is the
    closed-form kernel of ``DeepBatch.absolute`` to rounding. It only scales the errors; the
    two sides compared stay the closed form and the scan core.
    """
    h, u, tmp = work
    T = h.shape[0]
    h[0] = B1
    for t in range(1, T):
        np.multiply(h[t - 1], lam[0], out=h[t])
    for q in range(1, lam.shape[0]):
        _couple(Bk[q - 1], h, u, tmp)
        for t in range(1, T):
            u[t] += np.multiply(u[t - 1], lam[q], out=tmp[0])
        h, u = u, h
    return _read_out(C, h, u[:, 0], tmp)


_Params = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # (λ, B_1, B_k, C)


def _instances_last(batch: DeepBatch) -> _Params:
    """``(λ, B_1, B_k, C)`` of ``batch``, contiguous with the instances on the last axis."""
    return (np.ascontiguousarray(batch.eigenvalues.transpose(1, 2, 0)),
            np.ascontiguousarray(batch.B1.T),
            np.ascontiguousarray(batch.Bk.transpose(1, 2, 3, 0)),
            np.ascontiguousarray(batch.C.T))


def _lanes_of(params: _Params, block: slice) -> _Params:
    """The instances ``block`` of parameters stored instances-last."""
    lam, B1, Bk, C = params
    return lam[..., block], B1[..., block], Bk[..., block], C[..., block]


def _lanes(T: int, width: int) -> int:
    """Instances per block: a power of two whose ``(T, m)`` complex states take at most
    :data:`LANE_BYTES` (so that a block's arrays stay in cache), in ``[64, LANES]``."""
    fit = max(1, LANE_BYTES // (16 * T * width))
    return max(64, min(LANES, 2 ** (fit.bit_length() - 1)))


def _lane_blocks(size: int, lanes: int) -> Iterator[slice]:
    """Consecutive blocks of at most ``lanes`` of ``size`` instances."""
    return (slice(a, min(a + lanes, size)) for a in range(0, size, lanes))


def _scratch(buffers: dict[tuple[Any, ...], np.ndarray], name: str, shape: tuple[int, ...],
             dtype: Any) -> np.ndarray:
    """The contiguous scratch array ``name`` of ``shape`` and ``dtype``, kept in ``buffers`` for
    the next block of the same size (a strided view into a larger one makes numpy's loops
    about twice as slow)."""
    key = (name, *shape)
    if key not in buffers:
        buffers[key] = np.empty(shape, dtype=dtype)
    return buffers[key]


def _closed_form_in_blocks(
    params: _Params, T: int, buffers: dict[tuple[Any, ...], np.ndarray],
) -> Iterator[tuple[slice, np.ndarray]]:
    """``(block, ρ(0..T-1))`` of each block of :func:`_lanes` instances of the models
    ``params`` (stored by :func:`_instances_last`) by Lemma 3.1, the kernels ``(T, k)`` a view
    into the scratch space kept in ``buffers`` (valid until the next block)."""
    _, width, size = params[0].shape
    dtype = np.result_type(*params)
    for block in _lane_blocks(size, _lanes(T, width)):
        work = _scratch(buffers, "closed", (3, T, width, block.stop - block.start), dtype)
        yield block, _closed_form_block(*_lanes_of(params, block), work)


def _closed_form_kernels(batch: DeepBatch, T: int = FLOAT_T) -> np.ndarray:
    """``ρ(0..T-1)`` of every model of ``batch`` by Lemma 3.1 (Eq. 2), shape ``(n, T)``.

    The sum over ``s_1 + … + s_l = s`` is grouped by layers,
    ``v_k(s) = Σ_{j ≤ s} A_k^j B_k v_{k-1}(s - j)`` with ``v_1(s) = A_1^s B_1`` and
    ``ρ(s) = C^T v_l(s)``, every power explicit (:func:`_powers`, :func:`_power_convolution`).
    The arrays are laid out time first and instances last, so that every numpy operation runs
    along the batch, and processed in blocks of :func:`_lanes` instances that stay in cache
    (:func:`_closed_form_in_blocks`). Independent of the recurrence: no state is advanced by
    ``A``.
    """
    dtype = np.result_type(batch.eigenvalues, batch.B1, batch.Bk, batch.C)
    out = np.empty((T, batch.size), dtype=dtype)
    for block, closed in _closed_form_in_blocks(_instances_last(batch), T, {}):
        out[:, block] = closed
    return out.T


def float_margins(batch: DeepBatch, T: int = FLOAT_T) -> np.ndarray:
    """Decades of margin, per model, between Lemma 3.1 (:func:`_closed_form_kernels`) and the
    recurrence run by the scan core (``DeepBatch.kernel_scan``), relative to the kernel of the
    entrywise-absolute model (the rules of :func:`relative_errors`); fully vectorized.

    The closed form (:func:`_closed_form_in_blocks`) and the scale (the absolute model's
    kernel, by :func:`_absolute_kernel_block`) run block by block of :func:`_lanes` instances
    in reused scratch space, each block compared with the scan core's kernels at once. A model
    whose kernels are not finite gets margin ``nan`` (a violation).
    """
    _check(batch=batch, T=T)
    scanned = batch.kernel_scan(T)
    params = _instances_last(batch)
    lam, B1, Bk, C = params
    absolute = (np.abs(lam), np.abs(B1), np.abs(Bk), np.abs(C))
    err = np.empty(batch.size)
    buffers: dict[tuple[Any, ...], np.ndarray] = {}
    for block, closed in _closed_form_in_blocks(params, T, buffers):
        real = _scratch(buffers, "scale", (3, T, batch.width, block.stop - block.start),
                        np.float64)
        scale = _absolute_kernel_block(*_lanes_of(absolute, block), real)
        diff = np.subtract(closed, scanned[block].T, out=closed)
        finite = np.isfinite(diff).all(axis=0) & np.isfinite(scale).all(axis=0)
        err[block] = np.where(finite, _scaled_max(diff, scale, 0, real[2, :, 0]), np.nan)
    return _log_margins(err, tolerance(NumberKind.FLOAT))


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
