"""Tests of verify.scan: every fast path against the per-step loop and an mpmath oracle."""

from __future__ import annotations

import importlib.util
import math
import sys
import threading
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mpmath
import numpy as np
import pytest
import scipy.optimize
from bad_input_cases import check_every_case
from hypothesis import strategies as st
from strategies import example_budgets, run_examples, smoke_and_full

from theory.linear import UnstableModelError
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify import scan
from verify.scan import choose_chunk, kernel, linear_scan, max_relative_error, scan_stack

TOL = tolerance(NumberKind.FLOAT)  # eps^0.8 relative to the magnitude bound of the problem
LONG_TOL = 1e-14  # the accuracy target of the spec at |λ| = 1 - 1e-5, T = 65536
SPECIAL_T = (1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65)  # {1, 2, 2^k, 2^k ± 1}; no T = 0
EPS = float(np.finfo(np.float64).eps)
KINDS = ("real-diagonal", "complex-diagonal", "real-dense", "complex-dense")
METHODS = ("auto", "chunked", "sequential", "reference")


# ----------------------------------------------------------------------------------------------
# oracles and comparison
# ----------------------------------------------------------------------------------------------


def mp_scan(A, B, C, x, D=None, dps=30):
    """The recurrence in mpmath at ``dps`` digits; unbatched parameters, ``x (..., T, d)``."""
    A, B, C, x = (np.asarray(v) for v in (A, B, C, x))
    dense = A.ndim == 2
    m, d = B.shape
    p = C.shape[0]
    out = np.empty(x.shape[:-1] + (p,), dtype=complex)
    with mpmath.workdps(dps):
        mpA = [[mpmath.mpmathify(complex(v)) for v in row] for row in np.atleast_2d(A)]
        mpB = [[mpmath.mpmathify(complex(v)) for v in row] for row in B]
        mpC = [[mpmath.mpmathify(complex(v)) for v in row] for row in C]
        mpD = None if D is None else [[mpmath.mpmathify(complex(v)) for v in row] for row in D]
        for idx in np.ndindex(*x.shape[:-2]):
            h = [mpmath.mpc(0)] * m
            for t in range(x.shape[-2]):
                u = [mpmath.mpmathify(complex(v)) for v in x[idx + (t,)]]
                if dense:
                    h = [mpmath.fsum(mpA[i][k] * h[k] for k in range(m)) for i in range(m)]
                else:
                    h = [mpA[0][i] * h[i] for i in range(m)]
                h = [h[i] + mpmath.fsum(mpB[i][a] * u[a] for a in range(d)) for i in range(m)]
                for q in range(p):
                    yq = mpmath.fsum(mpC[q][k] * h[k] for k in range(m))
                    if mpD is not None:
                        yq += mpmath.fsum(mpD[q][a] * u[a] for a in range(d))
                    out[idx + (t, q)] = complex(yq)
    return out


def magnitude(A, B, C, x, D=None):
    """Per-sequence bound on the sizes of all partial sums: the scan of the absolute values.

    Needs ``ρ(|A|) < 1`` (diagonal ``A``, or dense with absolute row sums < 1).
    """
    absD = None if D is None else np.abs(D)
    y = linear_scan(np.abs(A), np.abs(B), np.abs(C), np.abs(x), absD, method="sequential")
    return np.abs(y).max(axis=-2) if y.shape[-2] else np.zeros(y.shape[:-2] + y.shape[-1:])


def assert_scan_close(y, ref, scale, tol=TOL):
    """``max_t |y - ref| ≤ tol · scale`` for every sequence (batch index and channel)."""
    assert y.shape == ref.shape
    if y.shape[-2] == 0:
        return
    err = np.abs(y - ref.astype(np.result_type(y, ref))).max(axis=-2)
    bad = ~(err <= tol * scale)
    assert not bad.any(), f"error {err[bad].max():.3e} > {tol:.1e} · scale"


# ----------------------------------------------------------------------------------------------
# problem generators (spectra and well-conditioned bases, not raw entries)
# ----------------------------------------------------------------------------------------------


def make_dense(rng, m, radius=0.8, complex_=False):
    """A non-normal dense ``A = Q R Qᵀ`` (``R`` upper triangular) with ``‖A‖_∞ = radius``."""
    R = np.triu(rng.uniform(-1, 1, (m, m)), 1) * 0.5 + np.diag(rng.uniform(-1, 1, m))
    if complex_:
        R = R + 1j * np.triu(rng.uniform(-1, 1, (m, m))) * 0.5
    Q, _ = np.linalg.qr(rng.standard_normal((m, m)))
    A = Q @ R @ Q.T
    return A * (radius / np.abs(A).sum(axis=1).max())


def make_model(rng, m, d, p, *, dense=False, complex_=False, with_d=False, radius=0.9):
    def draw(shape):
        z = rng.standard_normal(shape)
        return z + 1j * rng.standard_normal(shape) if complex_ else z

    if dense:
        A = make_dense(rng, m, radius, complex_)
    else:
        A = radius * rng.uniform(0, 1, m)
        A = A * np.exp(2j * np.pi * rng.random(m)) if complex_ else A * rng.choice([-1, 1], m)
    return A, draw((m, d)), draw((p, m)), (draw((p, d)) if with_d else None)


# ----------------------------------------------------------------------------------------------
# agreement with the loop and with mpmath
# ----------------------------------------------------------------------------------------------


def check_special_length(T, kind):
    rng = np.random.default_rng(T)
    dense, complex_ = kind.endswith("dense"), kind.startswith("complex")
    A, B, C, D = make_model(rng, 3, 2, 2, dense=dense, complex_=complex_, with_d=True)
    x = rng.standard_normal((2, T, 2))
    ref = mp_scan(A, B, C, x, D)
    scale = magnitude(A, B, C, x, D)
    seq = linear_scan(A, B, C, x, D, method="sequential")
    assert_scan_close(seq, ref, scale)
    for chunk in (None, 1, 2, 4, 7, 16):
        for method in ("auto", "chunked"):  # auto may run the loop for dense A and small chunks
            y = linear_scan(A, B, C, x, D, chunk=chunk, method=method)
            assert y.shape == (2, T, 2)
            assert_scan_close(y, ref, scale)
            assert_scan_close(y, seq, scale)


# The mpmath oracle costs O(T) per case: the default run stops at T = 9 (one and two chunks of
# 4, one chunk of 7 and one step more, a part of a chunk of 16), all lengths run under
# ``extended``.
@pytest.mark.parametrize("lengths", smoke_and_full(SPECIAL_T[:8], SPECIAL_T))
def test_special_lengths_match_loop_and_mpmath(lengths):
    check_every_case(check_special_length, [(T, kind) for T in lengths for kind in KINDS])


def test_pass_through_mode_lambda_zero():
    """λ = 0 makes ``y_t = C B x_t``; mixed with slow modes, no NaN (no λ^-k anywhere)."""
    rng = np.random.default_rng(1)
    B, C = rng.standard_normal((2, 1)), rng.standard_normal((1, 2))
    x = rng.standard_normal((3, 300, 1))
    y = linear_scan(np.zeros(2), B, C, x, chunk=16)
    assert_scan_close(y, x * (C @ B)[0, 0], magnitude(np.zeros(2), B, C, x))
    lam = np.array([0.0, 0.5, -(1 - 1e-3), 0.0])
    B, C = rng.standard_normal((4, 1)), rng.standard_normal((1, 4))
    y = linear_scan(lam, B, C, x[:, :40], chunk=16)
    assert_scan_close(y, mp_scan(lam, B, C, x[:, :40]).real, magnitude(lam, B, C, x[:, :40]))
    assert np.all(np.isfinite(linear_scan(lam, B, C, x, chunk=64)))


def test_dense_non_commuting_matches_mpmath():
    rng = np.random.default_rng(2)
    A, B, C, D = make_model(rng, 4, 1, 1, dense=True, complex_=True, radius=0.95)
    assert np.linalg.norm(A @ A.conj().T - A.conj().T @ A) > 1e-2  # non-normal
    assert np.linalg.norm(A @ (B @ B.conj().T) - (B @ B.conj().T) @ A) > 1e-2
    x = rng.standard_normal((2, 70, 1))
    ref = mp_scan(A, B, C, x)
    for chunk in (None, 3, 8, 32):
        for method in ("auto", "chunked"):
            y = linear_scan(A, B, C, x, chunk=chunk, method=method)
            assert_scan_close(y, ref, magnitude(A, B, C, x))


def test_real_inputs_give_real_output_and_complex_otherwise():
    rng = np.random.default_rng(3)
    A, B, C, _ = make_model(rng, 3, 1, 1)
    x = rng.standard_normal((2, 20, 1))
    assert linear_scan(A, B, C, x).dtype == np.float64
    assert linear_scan(A, B, C, x.astype(np.float32)).dtype == np.float64
    assert linear_scan(A, B, C, x + 0j).dtype == np.complex128
    assert linear_scan(A + 0j, B, C, x).dtype == np.complex128
    assert linear_scan(A, B, C, x, method="reference").dtype == np.longdouble


def test_empty_batch_and_short_sequences_shape():
    rng = np.random.default_rng(4)
    A, B, C, _ = make_model(rng, 3, 2, 4)

    def check(T):
        for method in ("auto", "sequential", "reference"):
            y = linear_scan(A, B, C, np.ones((2, 3, T, 2)), method=method)
            assert y.shape == (2, 3, T, 4)
        assert linear_scan(A, B, C, np.ones((0, T, 2))).shape == (0, T, 4)

    check_every_case(check, [(1,), (5,)])


# ----------------------------------------------------------------------------------------------
# long memory: |λ| = 1 - 1e-5, T = 65536
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_memory():
    rng = np.random.default_rng(5)
    lam = (1 - 1e-5) * np.exp(2j * np.pi * np.array([0.0, 0.13, 0.5, 0.71]))
    B = rng.standard_normal((4, 1)) + 1j * rng.standard_normal((4, 1))
    C = rng.standard_normal((1, 4)) + 1j * rng.standard_normal((1, 4))
    x = rng.standard_normal((2, 65536, 1))
    return lam, B, C, x, linear_scan(lam, B, C, x, method="reference")


# The automatic chunk in the default run, the fixed chunks under ``extended``.
@pytest.mark.parametrize("chunk", [None, *(pytest.param(c, marks=pytest.mark.extended)
                                           for c in (16, 64, 256))])
def test_long_memory_accuracy(long_memory, chunk):
    lam, B, C, x, ref = long_memory
    assert max_relative_error(linear_scan(lam, B, C, x, chunk=chunk), ref) <= LONG_TOL


def test_long_memory_real_modes():
    rng = np.random.default_rng(6)
    lam = np.array([1 - 1e-5, -(1 - 1e-5), 0.3])
    B, C = rng.standard_normal((3, 1)), rng.standard_normal((2, 3))
    x = rng.standard_normal((1, 65536, 1))
    ref = linear_scan(lam, B, C, x, method="reference")
    assert max_relative_error(linear_scan(lam, B, C, x), ref) <= LONG_TOL


def test_long_memory_without_extended_carry_fails(long_memory, monkeypatch):
    """Negative control: with the extended-precision carry switched off the error is too big."""
    lam, B, C, x, ref = long_memory
    monkeypatch.setattr(scan, "_SLOW_STEP", np.inf)
    assert max_relative_error(linear_scan(lam, B, C, x, chunk=16), ref) > LONG_TOL


def constant_input_exact(lam, T, every=331):
    """Closed form ``y_t = (1 - λ^t) / (1 - λ)``, ``t = 1 … T``, of ``B = C = 1``, ``x = 1``.

    Returns the sampled time indices (from 0) and the exact values at 40 digits.
    """
    ts = np.arange(0, T, every)
    with mpmath.workdps(40):
        mu = mpmath.mpmathify(complex(lam))
        return ts, [(1 - mu ** int(t + 1)) / (1 - mu) for t in ts]


def error_against(y, ts, exact):
    """``max_t |y_t - exact_t| / max_t |exact_t|`` over the sampled indices, in mpmath."""
    with mpmath.workdps(40):
        err = max(abs(mpmath.mpmathify(complex(y[t])) - e) for t, e in zip(ts, exact, strict=True))
        return float(err / max(abs(e) for e in exact))


@pytest.mark.parametrize("lam", [-(1 - 1e-5), (1 - 1e-5) * 1j])
def test_constant_input_with_long_memory_matches_the_exact_sum(lam, monkeypatch):
    """Issue case: ``λ = -(1 - 1e-5)``, constant input, ``T = 65536`` (exact oracle).

    A float64 chunk sum carries the same rounding error in every chunk for a constant input,
    which then adds up over ~1/(1 - |λ^c|) chunks (3.9e-12 measured); the extended-precision
    chunk sums of slow modes bring ``auto`` to a few ulp, below the float64 loop.
    """
    T = 65536
    ts, exact = constant_input_exact(lam, T)
    ones, x = np.ones((1, 1)), np.ones((T, 1))
    auto = error_against(linear_scan(np.array([lam]), ones, ones, x)[:, 0], ts, exact)
    assert auto <= 3 * EPS
    if np.isrealobj(lam):
        loop = linear_scan(np.array([lam]), ones, ones, x, method="sequential")[:, 0]
        assert auto <= error_against(loop, ts, exact)
    monkeypatch.setattr(scan, "_SLOW_STEP", np.inf)  # negative control: float64 chunk sums
    broken = error_against(linear_scan(np.array([lam]), ones, ones, x)[:, 0], ts, exact)
    assert broken > 20 * auto


def test_slow_modes_are_exactly_those_above_the_step_threshold(monkeypatch):
    """Modes with ``|λ^c|`` just above ``_SLOW_STEP`` get extended chunk sums, just below not."""
    c = 16
    moduli = (scan._SLOW_STEP * np.array([1 + 1e-9, 1 - 1e-9, 1 + 1e-9])) ** (1 / c)
    lam = moduli * np.exp(1j * np.array([0.3, 1.1, 2.0]))
    assert np.array_equal(np.abs(lam) ** c > scan._SLOW_STEP, [True, False, True])
    seen = []
    original = scan._extended_sum

    def spy(X, W):
        seen.append(W.shape[0])
        return original(X, W)

    monkeypatch.setattr(scan, "_extended_sum", spy)
    rng = np.random.default_rng(20)
    x = rng.standard_normal((2, 10 * c, 1))
    y = linear_scan(lam, np.ones((3, 1)), np.ones((1, 3)), x, chunk=c)
    assert sum(seen) == 2
    ref = linear_scan(lam, np.ones((3, 1)), np.ones((1, 3)), x, method="reference")
    assert max_relative_error(y, ref) <= 4 * EPS


def q_plus_2i_model(gap=1e-5, m=8, seed=0):
    """Dense ``A = V diag(λ) V⁻¹`` with ``V = Q + 2I`` (``Q`` random orthogonal), one
    eigenvalue ``1 - gap`` and the others uniform in ``(-0.9, 0.9)``."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((m, m)))
    V = Q + 2 * np.eye(m)
    lam = np.concatenate([[1 - gap], rng.uniform(-0.9, 0.9, m - 1)])
    A = V @ np.diag(lam) @ np.linalg.inv(V)
    return A, rng.standard_normal((m, 1)), rng.standard_normal((1, m)), rng


def shifted_model(rho, beta, m=8):
    """Strongly non-normal ``Q (ρ I + β N) Qᵀ`` (``N`` the shift): ``‖A^k‖ ≫ ρ^k`` for a while."""
    Q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((m, m)))
    A = Q @ (rho * np.eye(m) + beta * np.eye(m, k=1)) @ Q.T
    rng = np.random.default_rng(2)
    return A, rng.standard_normal((m, 1)), rng.standard_normal((1, m)), rng


def test_dense_long_memory_auto_is_the_loop_not_the_chunks():
    """Issue case: eigenvectors ``Q + 2I``, eigenvalue ``1 - 1e-5``, ``T = 8192``.

    The chunked powers lose an order of magnitude there (1.4e-13 measured, 25x the loop);
    ``auto`` detects the long memory across chunks and runs the loop (5.9e-15).
    """
    A, B, C, rng = q_plus_2i_model()
    x = rng.standard_normal((2, 8192, 1))
    ref = linear_scan(A, B, C, x, method="reference")
    auto = linear_scan(A, B, C, x)
    assert np.array_equal(auto, linear_scan(A, B, C, x, method="sequential"))
    assert max_relative_error(auto, ref) <= LONG_TOL
    chunked = linear_scan(A, B, C, x, method="chunked")
    assert max_relative_error(chunked, ref) > 10 * max_relative_error(auto, ref)


def test_dense_transient_growth_auto_is_the_loop_not_the_chunks():
    """``Q (0.95 I + 0.6 N) Qᵀ``: ‖A^64‖ ≈ 5.6e4; the chunked method returned 3.8e-3 errors."""
    A, B, C, rng = shifted_model(0.95, 0.6)
    x = rng.standard_normal((2, 1024, 1))
    ref = linear_scan(A, B, C, x, method="reference")
    auto = linear_scan(A, B, C, x)
    assert np.array_equal(auto, linear_scan(A, B, C, x, method="sequential"))
    chunked = linear_scan(A, B, C, x, method="chunked")
    assert max_relative_error(chunked, ref) > 1e3 * max_relative_error(auto, ref)


def test_dense_kernel_falls_back_to_the_impulse_response(monkeypatch):
    A, B, C, _ = shifted_model(0.95, 0.6)
    T = 1024
    impulse = np.zeros((1, T, 1))
    impulse[0, 0, 0] = 1
    ref = linear_scan(A, B, C, impulse, method="reference")[0]
    K = kernel(A, B, C, T)[:, :, 0]
    assert np.array_equal(K, linear_scan(A, B, C, impulse, method="sequential")[0])
    monkeypatch.setattr(scan, "_dense_chunks_accurate", lambda *args: True)  # force the blocks
    blocked = kernel(A, B, C, T)[:, :, 0]
    assert max_relative_error(blocked, ref) > 1e3 * max(max_relative_error(K, ref), EPS)


def test_benign_dense_stays_chunked(monkeypatch):
    """A Gaussian matrix (the S3 benchmark kind) and a contraction keep the fast path."""
    rng = np.random.default_rng(21)
    W = rng.standard_normal((32, 32))
    W *= 0.95 / np.abs(np.linalg.eigvals(W)).max()
    contraction = make_dense(rng, 6, 0.99)
    monkeypatch.setattr(scan, "_sequential", None)  # any call would raise
    for A in (W, contraction):
        B, C = rng.standard_normal((A.shape[0], 1)), rng.standard_normal((2, A.shape[0]))
        x = rng.standard_normal((2, 2048, 1))
        assert linear_scan(A, B, C, x).shape == (2, 2048, 2)
        assert kernel(A, B, C, 2048).shape == (2048, 2, 1)


def jordan2(a, b):
    return np.array([[a, b], [0.0, a]])


def path_taken(monkeypatch, A, T, chunk):
    """``"loop"`` or ``"chunks"``: which path ``method="auto"`` takes for dense ``A``."""
    taken = []
    original = scan._sequential

    def spy(*args, **kwargs):
        taken.append("loop")
        return original(*args, **kwargs)

    monkeypatch.setattr(scan, "_sequential", spy)
    linear_scan(A, np.ones((2, 1)), np.ones((1, 2)), np.ones((T, 1)), chunk=chunk)
    monkeypatch.setattr(scan, "_sequential", original)
    return taken[0] if taken else "chunks"


@pytest.mark.parametrize("factor, path", [(0.99, "chunks"), (1.01, "loop")])
def test_carry_limit_is_tight(monkeypatch, factor, path):
    """Two chunks: the bound is ``‖A^c‖_∞ = a^c + c a^(c-1) b`` exactly; at ``_CARRY_LIMIT``."""
    a, c = 0.9, 8
    b = (factor * scan._CARRY_LIMIT - a**c) / (c * a ** (c - 1))
    A = jordan2(a, b)
    assert np.abs(np.linalg.matrix_power(A, c)).sum(axis=1).max() == pytest.approx(
        factor * scan._CARRY_LIMIT, rel=1e-12)
    assert path_taken(monkeypatch, A, 2 * c, c) == path


@pytest.mark.parametrize("factor, path", [(0.99, "chunks"), (1.01, "loop")])
def test_growth_limit_is_tight(monkeypatch, factor, path):
    """One chunk of 64: ``max_k ‖A^(2^k)‖_∞ / max(1, ‖A‖_∞)`` at ``_GROWTH_LIMIT``."""
    a, c = 0.98, 64

    def growth(b):
        powers = [np.abs(np.linalg.matrix_power(jordan2(a, b), 2**k)).sum(axis=1).max()
                  for k in range(1, 7)]
        return max(powers) / max(1.0, a + b)

    b = scipy.optimize.brentq(lambda b: growth(b) - factor * scan._GROWTH_LIMIT, 0.02, 1e3,
                              xtol=1e-14)
    assert growth(b) == pytest.approx(factor * scan._GROWTH_LIMIT, rel=1e-9)
    assert path_taken(monkeypatch, jordan2(a, b), c, c) == path


def test_carry_bound_is_an_upper_bound_and_detects_overflow(monkeypatch):
    huge = np.array([[[0.5, 1e200], [0.0, 0.5]]])  # powers overflow to inf and NaN
    assert not scan._carry_bound(huge, 1000)[0] <= scan._CARRY_LIMIT
    monkeypatch.setattr(scan, "_CARRY_LIMIT", np.inf)  # no early exit: the whole estimate
    rng = np.random.default_rng(22)
    cases = [(0.99 * np.eye(2), 150), (0.9 * np.eye(3), 7), (jordan2(0.9, 1.0), 3),
             (jordan2(0.9, 1.0), 50)]  # near-tight: scalar steps; ‖S^3‖ > ‖S^2‖ > ‖S‖ > 1
    for _ in range(20):
        S = make_dense(rng, 4, rng.uniform(0.3, 1.2)) + np.triu(rng.standard_normal((4, 4)), 1)
        S *= rng.uniform(0.1, 0.99) / np.abs(np.linalg.eigvals(S)).max()
        cases.append((S, int(rng.integers(1, 200))))
    for S, n in cases:
        exact = sum(np.abs(np.linalg.matrix_power(S, j)).sum(axis=1).max() for j in range(1, n + 1))
        bound = scan._carry_bound(S[None], n)[0]
        assert exact * (1 - 1e-12) <= bound < np.inf


@pytest.mark.parametrize("T", [2048, pytest.param(8192, marks=pytest.mark.extended),
                               pytest.param(65536, marks=pytest.mark.slow)])
def test_long_double_reference_agrees_with_mpmath(T):
    """The reference itself: one slow mode against 30-digit mpmath.

    The long-double result is compared exactly (as the float64 pair ``hi + lo``); it must stay
    16 times below float64 roundoff so that it can certify the 1e-14 accuracy target.
    """
    rng = np.random.default_rng(7)
    lam = np.array([(1 - 1e-5) * np.exp(0.3j)])
    x = rng.standard_normal(T)
    ref = linear_scan(lam, np.ones((1, 1)), np.ones((1, 1)), x[:, None], method="reference")
    hi = ref[:, 0].astype(np.complex128)
    lo = (ref[:, 0] - hi).astype(np.complex128)
    with mpmath.workdps(30):
        mu, h, err, scale = mpmath.mpc(complex(lam[0])), mpmath.mpc(0), 0, 0
        for v, a, b in zip(x, hi, lo, strict=True):
            h = mu * h + float(v)
            err = max(err, abs(mpmath.mpc(a) + mpmath.mpc(b) - h))
            scale = max(scale, abs(h))
    assert err / scale <= np.finfo(np.float64).eps / 16


# ----------------------------------------------------------------------------------------------
# parameter batching
# ----------------------------------------------------------------------------------------------


BATCH_SHAPES = [((5,), (5,)), ((4, 1), (4, 3)), ((3,), (2, 1)), ((), (2, 3)), ((2, 3), ())]


def test_batched_parameters_match_loop_over_instances():
    check_every_case(check_batched_parameters, [(dense, *shapes) for shapes in BATCH_SHAPES
                                                for dense in (False, True)])


def check_batched_parameters(dense, param_batch, x_batch):
    rng = np.random.default_rng(8)
    m, d, p, T = 3, 2, 2, 37
    models = [make_model(rng, m, d, p, dense=dense, complex_=True, with_d=True)
              for _ in range(math.prod(param_batch))]
    A, B, C, D = (np.stack([mod[i] for mod in models]).reshape(param_batch + models[0][i].shape)
                  for i in range(4))
    x = rng.standard_normal(x_batch + (T, d))
    y = linear_scan(A, B, C, x, D, chunk=8, diagonal=not dense)
    batch = np.broadcast_shapes(param_batch, x_batch)
    assert y.shape == batch + (T, p)
    xs = np.broadcast_to(x, batch + (T, d))
    for idx in np.ndindex(*batch):
        pidx = idx[len(batch) - len(param_batch):]
        pidx = tuple(i if s > 1 else 0 for i, s in zip(pidx, param_batch, strict=True))
        one = [v[pidx] for v in (A, B, C, D)]
        expected = linear_scan(one[0], one[1], one[2], xs[idx], one[3], method="sequential")
        assert_scan_close(y[idx], expected, 1 + np.abs(expected).max(axis=0))


def test_batched_square_diagonal_needs_the_keyword():
    """A (m, m) array is one dense matrix unless ``diagonal=True`` says it holds m spectra."""
    rng = np.random.default_rng(9)
    lam = rng.uniform(-0.9, 0.9, (3, 3))
    B, C = rng.standard_normal((3, 1)), rng.standard_normal((1, 3))
    x = rng.standard_normal((3, 10, 1))
    y = linear_scan(lam, B, C, x, diagonal=True)
    for g in range(3):
        assert_scan_close(y[g], linear_scan(lam[g], B, C, x[g], method="sequential"), 10)
    dense = linear_scan(lam * 0.3, B, C, x)
    assert_scan_close(dense, mp_scan(lam * 0.3, B, C, x), magnitude(lam * 0.3, B, C, x))


# ----------------------------------------------------------------------------------------------
# random shapes (hypothesis)
# ----------------------------------------------------------------------------------------------


# 40 examples before the profile-scaled budgets: ``full`` keeps at least as many (0.8 of the
# profile's 50 or 100), the default run a quarter of that.
@example_budgets(0.2, 0.8)
def test_random_shapes_chunked_equals_loop(examples):
    run_examples(
        examples, check_random_shapes,
        seed=st.integers(0, 2**32 - 1),
        m=st.integers(1, 6),
        d=st.integers(1, 3),
        p=st.integers(1, 3),
        T=st.integers(1, 70),
        batch=st.lists(st.integers(1, 3), max_size=2).map(tuple),
        dense=st.booleans(),
        complex_params=st.booleans(),
        complex_x=st.booleans(),
        with_d=st.booleans(),
        chunk=st.one_of(st.none(), st.integers(1, 9)),
    )


def check_random_shapes(seed, m, d, p, T, batch, dense, complex_params, complex_x, with_d,
                        chunk):
    rng = np.random.default_rng(seed)
    A, B, C, D = make_model(rng, m, d, p, dense=dense, complex_=complex_params, with_d=with_d,
                            radius=rng.uniform(0, 0.99))
    x = rng.standard_normal(batch + (T, d))
    if complex_x:
        x = x + 1j * rng.standard_normal(x.shape)
    ref = linear_scan(A, B, C, x, D, method="reference")
    for method in ("auto", "chunked"):
        y = linear_scan(A, B, C, x, D, chunk=chunk, method=method)
        assert y.shape == ref.shape == batch + (T, p)
        assert_scan_close(y, ref, magnitude(A, B, C, x, D))
    seq = linear_scan(A, B, C, x, D, method="sequential")
    assert_scan_close(seq, ref, magnitude(A, B, C, x, D))


# ----------------------------------------------------------------------------------------------
# negative controls of the comparison
# ----------------------------------------------------------------------------------------------


def test_broken_chunk_carry_is_detected(monkeypatch):
    rng = np.random.default_rng(10)
    A, B, C, _ = make_model(rng, 4, 1, 1, complex_=True)
    x = rng.standard_normal((2, 200, 1))
    ref = linear_scan(A, B, C, x, method="reference")
    scale = magnitude(A, B, C, x)
    assert_scan_close(linear_scan(A, B, C, x, chunk=8), ref, scale)
    original = scan._carry

    def perturbed(E, step, diagonal):
        original(E, step * (1 + 1e-9), diagonal)

    monkeypatch.setattr(scan, "_carry", perturbed)
    broken = linear_scan(A, B, C, x, chunk=8)
    assert max_relative_error(broken, ref) > TOL
    with pytest.raises(AssertionError):
        assert_scan_close(broken, ref, scale)


@pytest.mark.parametrize("kind", ["complex-diagonal", "real-diagonal", "complex-dense"])
def test_scratch_buffer_contents_never_leak_into_the_result(kind, monkeypatch):
    """The reused scratch buffer is handed out full of NaN: every entry read must be written."""
    rng = np.random.default_rng(16)
    dense, complex_ = kind.endswith("dense"), kind.startswith("complex")
    A, B, C, D = make_model(rng, 5, 2, 3, dense=dense, complex_=complex_, with_d=True)
    x = rng.standard_normal((3, 45, 2))
    ref = linear_scan(A, B, C, x, D, method="reference")
    scale = magnitude(A, B, C, x, D)
    original, handed = scan._workspace, []

    def poisoned(shape, dtype):
        buf = original(shape, dtype)
        buf.fill(np.nan)
        handed.append(buf)
        return buf

    monkeypatch.setattr(scan, "_workspace", poisoned)
    monkeypatch.setattr(scan, "_LOOP_STATE_BYTES", 3 * 5 * 16 * 16)  # loop: 16-step sub-blocks
    runs = [{"method": "chunked", "chunk": chunk} for chunk in (4, 7, 16)]  # partial last chunk?
    for kwargs in runs + [{"method": "sequential"}]:
        y = linear_scan(A, B, C, x, D, **kwargs)
        assert len(handed) == 1  # the poisoned buffer was used ...
        assert not np.isnan(handed.pop()).any()  # ... and every entry of it was overwritten
        assert_scan_close(y, ref, scale)


def test_results_do_not_alias_the_scratch_buffer():
    rng = np.random.default_rng(17)
    A, B, C, _ = make_model(rng, 4, 1, 1, complex_=True)
    x1, x2 = rng.standard_normal((2, 2, 300, 1))
    y1 = linear_scan(A, B, C, x1, chunk=16)
    kept = y1.copy()
    y2 = linear_scan(A, B, C, x2, chunk=16)
    assert np.array_equal(y1, kept)
    assert not np.shares_memory(y1, y2)


def test_oversized_scratch_is_allocated_afresh(monkeypatch):
    rng = np.random.default_rng(18)
    A, B, C, D = make_model(rng, 4, 2, 2, complex_=True, with_d=True)
    x = rng.standard_normal((3, 100, 2))
    cached = linear_scan(A, B, C, x, D, chunk=8)
    monkeypatch.setattr(scan, "_WORKSPACE_BYTES", 0)
    monkeypatch.setattr(scan, "_SCRATCH", threading.local())
    fresh = linear_scan(A, B, C, x, D, chunk=8)
    assert np.array_equal(cached, fresh)
    assert getattr(scan._SCRATCH, "raw", None) is None  # nothing kept


def test_concurrent_threads_get_their_own_scratch():
    rng = np.random.default_rng(19)
    A, B, C, _ = make_model(rng, 6, 1, 2, complex_=True)
    xs = rng.standard_normal((8, 4, 512, 1))
    expected = [linear_scan(A, B, C, x, chunk=32) for x in xs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            got = list(pool.map(lambda x: linear_scan(A, B, C, x, chunk=32), xs))
            for y, e in zip(got, expected, strict=True):
                assert np.array_equal(y, e)


@pytest.mark.parametrize("dense", [False, True])
def test_perturbed_transition_is_detected(dense):
    rng = np.random.default_rng(11)
    A, B, C, _ = make_model(rng, 4, 1, 1, dense=dense)
    x = rng.standard_normal((2, 100, 1))
    ref = linear_scan(A, B, C, x, method="reference")
    broken = linear_scan(A * (1 + 1e-10), B, C, x)
    assert max_relative_error(broken, ref) > TOL
    with pytest.raises(AssertionError):
        assert_scan_close(broken, ref, magnitude(A, B, C, x))


def test_max_relative_error_definition():
    ref = np.array([[[1.0], [2.0]], [[0.0], [0.0]]])
    assert max_relative_error(ref, ref) == 0.0
    assert max_relative_error(ref + [[[0.0], [0.2]], [[0.0], [0.0]]], ref) == pytest.approx(0.1)
    assert max_relative_error(ref + [[[0.0], [0.0]], [[0.0], [1e-300]]], ref) == np.inf
    assert max_relative_error(ref * np.nan, ref) == np.inf
    with pytest.raises(InvalidParameterError, match="^y:"):
        max_relative_error(ref[0], ref)


# ----------------------------------------------------------------------------------------------
# kernel and stack
# ----------------------------------------------------------------------------------------------


def test_kernel_is_the_impulse_response():
    check_every_case(check_kernel_impulse_response,
                     [(dense, T) for T in (1, 5, 300) for dense in (False, True)])


def check_kernel_impulse_response(dense, T):
    rng = np.random.default_rng(12)
    A, B, C, D = make_model(rng, 5, 2, 3, dense=dense, complex_=True, with_d=True)
    K = kernel(A, B, C, T, D)
    assert K.shape == (T, 3, 2)
    impulses = np.zeros((2, T, 2))
    impulses[0, :1, 0] = impulses[1, :1, 1] = 1
    response = linear_scan(A, B, C, impulses, D, method="reference")  # (2, T, p)
    scale = magnitude(A, B, C, impulses, D)
    assert_scan_close(np.moveaxis(K, -1, 0), response, scale)


def test_kernel_batched_and_long():
    rng = np.random.default_rng(13)
    lam = (1 - 1e-5) * np.exp(2j * np.pi * rng.random((2, 3)))
    B, C = rng.standard_normal((3, 1)), rng.standard_normal((1, 3))
    K = kernel(lam, B, C, 20000)
    assert K.shape == (2, 20000, 1, 1)
    s = np.arange(20000)
    for g in range(2):
        with mpmath.workdps(30):
            exact = [complex(sum(mpmath.mpc(complex(lam[g, k])) ** int(t) * C[0, k] * B[k, 0]
                                 for k in range(3))) for t in s[::997]]
        assert_scan_close(K[g, ::997, 0], np.array(exact)[:, None],
                          np.abs(C) @ np.abs(B), tol=10 * np.finfo(float).eps)


def test_scan_stack_with_tanh_equals_manual_composition():
    rng = np.random.default_rng(14)
    layers = [make_model(rng, 4, 1, 3)[:3], make_model(rng, 5, 3, 3, dense=True, with_d=True),
              make_model(rng, 3, 3, 1)[:3]]
    x = rng.standard_normal((2, 50, 1))
    y = scan_stack(layers, x, np.tanh)
    manual = x
    for i, layer in enumerate(layers):
        u = np.tanh(manual) if i else manual
        manual = linear_scan(*layer[:3], u, *layer[3:], method="sequential")
    assert_scan_close(y, manual, 1 + np.abs(manual).max(axis=-2))
    linear_only = scan_stack(layers, x)
    assert max_relative_error(linear_only, y) > 1e-3  # the activation acts between layers


def test_scan_stack_errors_name_the_layer():
    rng = np.random.default_rng(15)
    good = make_model(rng, 3, 1, 2)[:3]
    bad = make_model(rng, 3, 3, 1)[:3]  # expects d = 3, gets p = 2
    with pytest.raises(InvalidParameterError, match=r"^layers\[1\]: x:"):
        scan_stack([good, bad], np.ones((4, 1)))
    with pytest.raises(InvalidParameterError, match="^layers:"):
        scan_stack([], np.ones((4, 1)))
    with pytest.raises(InvalidParameterError, match=r"^layers\[0\]:"):
        scan_stack([good[:2]], np.ones((4, 1)))
    with pytest.raises(InvalidParameterError, match="^activation:"):
        scan_stack([good], np.ones((4, 1)), activation=3)


def test_choose_chunk_follows_the_shape():
    assert choose_chunk(64, 1, 1, 4096) == 64
    assert choose_chunk(256, 1, 1, 16384, diagonal=False) == 256
    assert choose_chunk(64, 64, 64, 4096) == 4
    assert choose_chunk(16, 1, 1, 10) == 10
    assert choose_chunk(16, 1, 1, 1) == 1
    for bad in (dict(T=0), dict(m=-1), dict(p=2.0), dict(d=True)):
        args = {**dict(m=16, d=1, p=1, T=10), **bad}
        with pytest.raises(InvalidParameterError, match=f"^{next(iter(bad))}:"):
            choose_chunk(**args)


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------

GOOD = dict(A=np.array([0.5, -0.2]), B=np.ones((2, 1)), C=np.ones((1, 2)), x=np.ones((3, 1)))


BAD_INPUT = [
    (dict(A=np.array([0.5, 0.2, 0.1])), "A"),  # m from A disagrees with B
    (dict(B=np.ones(2)), "B"),
    (dict(C=np.ones((1, 3))), "C"),
    (dict(D=np.ones((2, 1))), "D"),
    (dict(x=np.ones((3, 2))), "x"),
    (dict(x=np.ones(3)), "x"),
    (dict(A=np.array(0.5)), "A"),
    (dict(A=np.array([0.5, np.nan])), "A"),
    (dict(B=np.array([[1.0], [np.inf]])), "B"),
    (dict(C=np.array([[np.nan, 1.0]])), "C"),
    (dict(D=np.array([[np.inf]])), "D"),
    (dict(x=np.array([[1.0], [np.nan], [2.0]])), "x"),
    (dict(x=np.array([["a"], ["b"], ["c"]])), "x"),
    (dict(B=np.ones((2, 1), dtype=bool)), "B"),
    (dict(A=np.ones((4, 2)) * 0.1, B=np.ones((3, 2, 1))), "A, B, C, D"),
    (dict(A=np.ones((4, 2)) * 0.1, x=np.ones((3, 3, 1))), "x"),
    (dict(x=np.ones((0, 1))), "x"),  # T = 0
    (dict(x=np.ones((2, 0, 1))), "x"),
    (dict(x=np.full((3, 1), np.longdouble(2.0) ** 1100)), "x"),  # overflows float64
    (dict(B=[[1.0], ["b"]]), "B"),
    (dict(C=np.array([[mpmath.mpf(1), 1.0]], dtype=object)), "C"),
    (dict(A=np.array([0.5, np.inf])), "A"),
]


def test_bad_input_names_the_parameter():
    def check(change, name):
        args = {**GOOD, **change}
        with pytest.raises(InvalidParameterError, match=f"^{name}:"):
            linear_scan(args["A"], args["B"], args["C"], args["x"], args.get("D"))

    check_every_case(check, BAD_INPUT)


UNSTABLE = [np.array([0.5, 1.0]), np.array([0.5, 0.6 + 0.8j]),
            np.array([[0.5, 0.0], [0.0, -1.2]]), np.array([[0.0, 1.0], [-1.0, 0.0]]),
            np.array([[0.9, 10.0], [0.0, 1.0]])]


def test_unstable_transition_is_refused():
    def check(A):
        with pytest.raises(UnstableModelError, match="^A:"):
            linear_scan(A, GOOD["B"], GOOD["C"], GOOD["x"])
        with pytest.raises(UnstableModelError, match="^A:"):
            kernel(A, GOOD["B"], GOOD["C"], 4)

    check_every_case(check, [(A,) for A in UNSTABLE])


def test_stable_non_normal_dense_is_accepted():
    """‖A‖ > 1 but ρ(A) < 1: the norm test of powers certifies it, nothing is refused."""
    A = np.array([[0.9, 10.0], [0.0, 0.5]])
    y = linear_scan(A, GOOD["B"], GOOD["C"], np.ones((100, 1)))
    assert_scan_close(y, mp_scan(A, GOOD["B"], GOOD["C"], np.ones((100, 1))).real,
                      magnitude(A, GOOD["B"], GOOD["C"], np.ones((100, 1))))


BAD_OPTIONS = [
    (dict(method="fast"), "method"), (dict(chunk=0), "chunk"), (dict(chunk=2.5), "chunk"),
    (dict(chunk=True), "chunk"), (dict(chunk=-3), "chunk"), (dict(method=None), "method"),
    (dict(method=["auto"]), "method"), (dict(diagonal="yes"), "diagonal"),
    (dict(diagonal=1), "diagonal")]


def test_bad_options_name_the_option():
    def check(kwargs, name):
        with pytest.raises(InvalidParameterError, match=f"^{name}:"):
            linear_scan(GOOD["A"], GOOD["B"], GOOD["C"], GOOD["x"], **kwargs)

    check_every_case(check, BAD_OPTIONS)


def test_kernel_bad_length():
    def check(T):
        with pytest.raises(InvalidParameterError, match="^T:"):
            kernel(GOOD["A"], GOOD["B"], GOOD["C"], T)

    check_every_case(check, [(0,), (-1,), (2.0,), (True,), (None,), (np.int64(0),)])


KERNEL_BAD_PARAMETERS = [
    (dict(A=np.array([0.5, np.nan])), "A"), (dict(B=np.ones(2)), "B"),
    (dict(D=np.ones((1, 2))), "D"), (dict(diagonal="no"), "diagonal")]


def test_kernel_bad_parameters_name_the_parameter():
    def check(change, name):
        args = {**GOOD, "D": None, "diagonal": None, **change}
        with pytest.raises(InvalidParameterError, match=f"^{name}:"):
            kernel(args["A"], args["B"], args["C"], 4, args["D"], diagonal=args["diagonal"])

    check_every_case(check, KERNEL_BAD_PARAMETERS)


# ----------------------------------------------------------------------------------------------
# dtype rules
# ----------------------------------------------------------------------------------------------


def test_real_inputs_become_float64():
    """float16/32 and small integers convert exactly, long double is rounded once: the result
    equals the one from the float64-converted input, bit for bit, and is float64."""
    check_every_case(check_real_input_becomes_float64,
                     [(method, dtype) for dtype in (np.float32, np.float16, np.int64, np.longdouble)
                      for method in ("auto", "chunked", "sequential")])


def check_real_input_becomes_float64(method, dtype):
    rng = np.random.default_rng(23)
    A, B, C, D = make_model(rng, 3, 2, 2, with_d=True)
    x = rng.integers(-8, 8, (2, 40, 2)) if dtype is np.int64 else rng.standard_normal((2, 40, 2))
    x = x.astype(dtype)
    if dtype is np.longdouble:
        x = x + np.longdouble(2.0) ** -60  # not a float64 (on platforms with a wider long double)
    y = linear_scan(A.astype(dtype) if dtype is not np.int64 else A, B, C, x, D, method=method)
    expected = linear_scan(np.asarray(A.astype(dtype) if dtype is not np.int64 else A,
                                      dtype=np.float64), B, C, x.astype(np.float64), D,
                           method=method)
    assert y.dtype == np.float64
    assert np.array_equal(y, expected)


def test_reference_keeps_long_double_input():
    if np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps:
        pytest.skip("np.longdouble is float64 on this platform")
    lam, B, C = np.array([0.5]), np.ones((1, 1)), np.ones((1, 1))
    tiny = np.longdouble(2.0) ** -60
    x = np.ones((3, 1), dtype=np.longdouble) + tiny
    y = linear_scan(lam, B, C, x, method="reference")
    assert y.dtype == np.longdouble
    exact = np.array([1, 1.5, 1.75], dtype=np.longdouble) * (1 + tiny)
    assert np.all(np.abs(y[:, 0] - exact) <= 4 * np.finfo(np.longdouble).eps)
    assert np.all(y[:, 0] != linear_scan(lam, B, C, x.astype(np.float64), method="reference")[:, 0])
    layers = [(lam, B, C), (lam, B, C)]
    assert scan_stack(layers, x, method="reference").dtype == np.longdouble


def test_complex_feed_through_alone_makes_the_output_complex():
    """Regression: a complex ``D`` with real ``A, B, C, x`` lost its imaginary part (loop) or
    crashed (chunked)."""
    check_every_case(check_complex_feed_through, [(method,) for method in METHODS])


def check_complex_feed_through(method):
    rng = np.random.default_rng(24)
    A, B, C, _ = make_model(rng, 3, 2, 2)
    D = rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2))
    x = rng.standard_normal((2, 70, 2))
    y = linear_scan(A, B, C, x, D, method=method, chunk=8 if method == "chunked" else None)
    assert np.iscomplexobj(y)
    assert_scan_close(y, mp_scan(A, B, C, x, D), magnitude(A, B, C, x, D))
    K = kernel(A, B, C, 5, D)
    assert np.iscomplexobj(K) and np.array_equal(K[0], (C @ B + D))


def test_complex64_becomes_complex128():
    rng = np.random.default_rng(25)
    A, B, C, _ = make_model(rng, 3, 1, 1, complex_=True)
    x = rng.standard_normal((50, 1)).astype(np.complex64)
    y = linear_scan(A.astype(np.complex64), B, C, x)
    assert y.dtype == np.complex128
    assert np.array_equal(y, linear_scan(A.astype(np.complex64).astype(complex), B, C,
                                         x.astype(complex)))
    assert kernel(A.astype(np.complex64), B, C, 4).dtype == np.complex128
    assert kernel(A.real.astype(np.float32), B.real, C.real, 4).dtype == np.float64


# ----------------------------------------------------------------------------------------------
# benchmark smoke run
# ----------------------------------------------------------------------------------------------


def bench_scan_module(monkeypatch):
    """``benchmarks/bench_scan.py``, loaded as the module ``bench_scan`` for the test."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scan.py"
    spec = importlib.util.spec_from_file_location("bench_scan", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_scan", module)  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


# The timed runs under ``extended``: without the optional jax and numba peers (3 s of CPU) and
# with them, when installed (importing and compiling them takes about 25 s of CPU). The default
# run checks the benchmarked methods themselves (the test below).
@pytest.mark.extended
@pytest.mark.parametrize("peers", [pytest.param(("--no-peers",), id="no-peers"),
                                   pytest.param((), id="peers")])
def test_benchmark_quick_smoke_run(capsys, monkeypatch, peers):
    module = bench_scan_module(monkeypatch)
    assert module.main(["--quick", "--repeats", "1", *peers]) == 0
    out = capsys.readouterr().out
    assert "S1 complex diagonal" in out and "of dgemm throughput" in out


def test_benchmarked_methods_agree_with_the_reference_on_the_quick_shapes(monkeypatch):
    """Smoke version of the benchmark run (no timing): every method it times on the quick
    S1-S3 shapes gives the long-double reference's result (measured: below 1e-15)."""
    module = bench_scan_module(monkeypatch)
    cases = module.make_cases(True, np.random.default_rng(0))
    assert [case.name[:2] for case in cases] == ["S1", "S2", "S3"]
    for case in cases:
        ref = module.reference(case)
        runs = module.methods(case)
        assert set(runs) == {"core", "loop", "fft"} | ({"lfilter"} if case.diagonal else set())
        for name, run in runs.items():
            assert max_relative_error(run()[: ref.shape[0]], ref) <= TOL, (case.name, name)


def test_memoryless_fast_path_matches_the_loop():
    check_every_case(check_memoryless_fast_path,
                     [(with_D, diagonal) for diagonal in (True, False) for with_D in (False, True)])


def check_memoryless_fast_path(with_D, diagonal):
    rng = np.random.default_rng(11)
    m, d, p, T = 40, 3, 2, 33
    A = np.zeros(m) if diagonal else np.zeros((m, m))
    B = rng.standard_normal((m, d))
    C = rng.standard_normal((p, m)) + 1j * rng.standard_normal((p, m))
    D = rng.standard_normal((p, d)) if with_D else None
    x = rng.standard_normal((4, T, d))
    fast = linear_scan(A, B, C, x, D)
    slow = linear_scan(A, B, C, x, D, method="sequential")
    assert fast.shape == slow.shape == (4, T, p)
    assert max_relative_error(fast, slow) <= tolerance(NumberKind.FLOAT)
    # negative control: a nonzero A takes the recurrence path and differs from the product
    A2 = A.copy()
    A2.flat[0] = 0.5
    assert max_relative_error(linear_scan(A2, B, C, x, D), fast) > tolerance(NumberKind.FLOAT)


def test_auto_takes_the_memoryless_path_exactly_when_every_A_is_zero():
    """The stability check tells ``auto`` that every ``A`` is 0; one nonzero entry in one
    group of a batch (even a subnormal one) keeps the recurrence."""
    rng = np.random.default_rng(12)
    m, G = 3, 4
    B, C = rng.standard_normal((m, 2)), rng.standard_normal((1, m))
    x = rng.standard_normal((G, 5, 2))

    def path(A, diagonal):
        return scan._plan(scan._validate(A, B, C, None, diagonal, x=x), "auto").path

    def check(diagonal, entry):
        A = np.zeros((G, m) if diagonal else (G, m, m), dtype=type(entry))
        assert path(A, diagonal) == "memoryless"
        A[2].flat[1] = entry
        assert path(A, diagonal) != "memoryless"

    check_every_case(check, [(diagonal, entry) for diagonal in (True, False)
                             for entry in (0.5, -5e-324, 1e-300j)])


# ----------------------------------------------------------------------------------------------
# time blocks, method="auto" on parameter batches, BLAS threads (issue 10, item 4)
# ----------------------------------------------------------------------------------------------


def test_time_blocks_agree_with_the_unblocked_scan():
    """Blocks of 1 step, of a non-multiple of the chunk, of a multiple, and longer than T."""
    check_every_case(check_time_blocks, [(method, kind) for kind in KINDS for method in METHODS])


def check_time_blocks(method, kind):
    rng = np.random.default_rng(41)
    dense, complex_ = kind.endswith("dense"), kind.startswith("complex")
    A, B, C, D = make_model(rng, 4, 2, 3, dense=dense, complex_=complex_, with_d=True)
    x = rng.standard_normal((2, 3, 101, 2))
    whole = linear_scan(A, B, C, x, D, method=method, chunk=8)
    scale = magnitude(A, B, C, x, D)
    for block in (1, 13, 16, 40, 500):
        y = linear_scan(A, B, C, x, D, method=method, chunk=8, block=block)
        assert y.shape == whole.shape and y.dtype == whole.dtype
        assert_scan_close(y, whole, scale)


def test_time_blocks_keep_the_extended_carry_of_slow_modes(long_memory):
    """Blocks carry the state of modes with ``|λ^c| > 0.9`` in extended precision too."""
    A, B, C, x, ref = long_memory
    y = linear_scan(A, B, C, x, block=4096)
    assert max_relative_error(y, ref) <= LONG_TOL


def test_constant_input_with_long_memory_in_blocks_matches_the_exact_sum(monkeypatch):
    """``λ = -(1 - 1e-5)``, constant input: blocks stay as accurate as the unblocked scan.

    The end state of each block is summed in extended precision like the chunk-end states
    (a float64 end state would repeat the same error in every block).
    """
    lam, T = -(1 - 1e-5), 65536
    ts, exact = constant_input_exact(lam, T)
    args = (np.array([lam]), np.ones((1, 1)), np.ones((1, 1)), np.ones((T, 1)))
    blocked = error_against(linear_scan(*args, block=1024)[:, 0], ts, exact)
    assert blocked <= 3 * EPS
    monkeypatch.setattr(scan, "_SLOW_STEP", np.inf)  # negative control: float64 sums
    assert error_against(linear_scan(*args, block=1024)[:, 0], ts, exact) > 20 * blocked


def test_scan_blocks_stream_the_blocked_scan():
    rng = np.random.default_rng(42)
    A, B, C, D = make_model(rng, 5, 1, 2, complex_=True, with_d=True)
    x = rng.standard_normal((3, 1000, 1))
    parts = list(scan.scan_blocks(A, B, C, x, D, block=100, method="chunked", chunk=16))
    assert [part.shape for part in parts] == [(3, 96, 2)] * 10 + [(3, 40, 2)]
    joined = np.concatenate(parts, axis=-2)
    assert np.array_equal(joined, linear_scan(A, B, C, x, D, method="chunked", chunk=16,
                                              block=100))
    assert_scan_close(joined, linear_scan(A, B, C, x, D), magnitude(A, B, C, x, D))
    loop_parts = list(scan.scan_blocks(A, B, C, x, D, block=100, method="sequential"))
    assert [part.shape[-2] for part in loop_parts] == [100] * 10


def test_scan_blocks_convert_each_block_and_report_a_late_nan():
    rng = np.random.default_rng(43)
    A, B, C, _ = make_model(rng, 3, 1, 1)
    x = rng.standard_normal((50, 1)).astype(np.float32)
    x[45] = np.nan
    stream = scan.scan_blocks(A, B, C, x, block=10, method="sequential")  # first block is fine
    first = next(stream)
    assert first.dtype == np.float64 and first.shape == (10, 1)
    with pytest.raises(InvalidParameterError, match="^x:"):
        list(stream)


def _peak_bytes(run):
    """Peak of the memory traced by ``tracemalloc`` while ``run()`` executes (fresh scratch)."""
    import tracemalloc

    scan._SCRATCH.__dict__.clear()  # the reused scratch buffer counts as well
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# The loop takes 3/4 of the cost and its streamed peak needs the long run to show the margin of
# 5 to the whole output: it runs under ``extended``.
@pytest.mark.parametrize("method", ["chunked", pytest.param("sequential",
                                                            marks=pytest.mark.extended)])
def test_blocked_memory_is_bounded_by_the_block_not_by_T(method):
    """Streaming 4x more steps in blocks of 256 needs no more memory (tracemalloc, no timing);
    the unblocked scan needs its whole output and more."""
    rng = np.random.default_rng(44)
    A, B, C, _ = make_model(rng, 16, 4, 4, complex_=True)
    x = rng.standard_normal((8, 16384, 4))

    def stream(T):
        for _ in scan.scan_blocks(A, B, C, x[:, :T], block=256, method=method):
            pass

    short, long = _peak_bytes(lambda: stream(4096)), _peak_bytes(lambda: stream(16384))
    assert long <= short + 64 * 1024  # independent of T, up to bookkeeping
    block_output = 8 * 256 * 4 * 16  # one output block, complex
    assert long <= 40 * block_output
    whole = _peak_bytes(lambda: linear_scan(A, B, C, x, method=method))
    assert whole >= 8 * 16384 * 4 * 16 > 5 * long  # the unblocked output alone


def deep_batch_layer(rng, G, T, m=16):
    """One layer of the BYJL25 deep-batch shape: ``G`` complex diagonal models, ``d = p = m``."""
    lam = rng.uniform(0.5, 0.99, (G, m)) * np.exp(2j * np.pi * rng.random((G, m)))
    B = rng.standard_normal((G, m, m)) + 1j * rng.standard_normal((G, m, m))
    return lam, B, np.eye(m), rng.standard_normal((G, T, m)) + 0j


def path_of(A, B, C, x, **kwargs):
    """The path that ``linear_scan`` takes (``"loop"``, ``"chunked"``, ...)."""
    problem = scan._validate(A, B, C, None, kwargs.pop("diagonal", None), x=x, **kwargs)
    return scan._plan(problem, kwargs.get("method", "auto")).path


def test_auto_runs_the_loop_for_parameter_batched_stacks_with_short_sequences():
    """The BYJL25 deep batch (200 models, m = 16, T = 48): the chunk matrices of 200 groups
    cost more than the whole loop; long single-model sequences keep the chunks."""
    rng = np.random.default_rng(45)
    lam, B, C, x = deep_batch_layer(rng, 200, 48)
    assert path_of(lam, B, C, x, diagonal=True) == "loop"
    assert path_of(lam, B[:, :, :1], C[:1], x[..., :1], diagonal=True) == "loop"  # first layer
    def inputs(*shape):  # the path depends on the shape only
        return np.broadcast_to(np.zeros(1), shape)

    s1 = (rng.uniform(0.5, 0.999, 64) * np.exp(2j * np.pi * rng.random(64)),
          rng.standard_normal((64, 1)), rng.standard_normal((1, 64)), inputs(64, 4096, 1))
    s2 = (rng.uniform(-0.999, 0.999, 16), rng.standard_normal((16, 1)),
          rng.standard_normal((1, 16)), inputs(1024, 1024, 1))
    W = rng.standard_normal((256, 256))
    s3 = (W * 0.95 / np.abs(np.linalg.eigvals(W)).max(), rng.standard_normal((256, 1)),
          rng.standard_normal((1, 256)), inputs(16, 16384, 1))
    for shape in (s1, s2, s3):
        assert path_of(*shape) == "chunked"


def test_deep_batch_auto_equals_the_loop_and_needs_the_output_plus_a_constant():
    """Memory beyond the output is the loop's sub-block of states (tracemalloc, no timing)."""
    rng = np.random.default_rng(46)
    for T in (48, 480):
        lam, B, C, x = deep_batch_layer(rng, 50, T)
        y = linear_scan(lam, B, C, x, diagonal=True)
        assert np.array_equal(y, linear_scan(lam, B, C, x, diagonal=True, method="sequential"))
        ref = linear_scan(lam, B, C, x, diagonal=True, method="reference")
        assert max_relative_error(y, ref) <= 1e-13
        peak = _peak_bytes(lambda: linear_scan(lam, B, C, x, diagonal=True))  # noqa: B023
        assert peak - y.nbytes <= scan._LOOP_STATE_BYTES + 256 * 1024


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def two_blas_threads() -> Iterator[list[int]]:
    """BLAS on two threads during the test (xdist workers run one, see conftest), so that a
    limit to one thread is visible; the thread counts per BLAS library."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        original = _blas_threads()
        assert original and all(n == 2 for n in original)
        yield original


def test_blas_runs_on_one_thread_for_small_products_only(monkeypatch, two_blas_threads):
    blas_threads, original = _blas_threads, two_blas_threads
    seen = []
    matmul = scan._matmul_into

    def spy(*args):
        seen.append(blas_threads())
        matmul(*args)

    monkeypatch.setattr(scan, "_matmul_into", spy)
    rng = np.random.default_rng(47)
    lam, B, C, x = deep_batch_layer(rng, 4, 20)
    linear_scan(lam, B, C, x, diagonal=True)
    assert seen and all(threads == [1] * len(original) for threads in seen)
    assert blas_threads() == original  # restored
    seen.clear()
    monkeypatch.setattr(scan, "_SMALL_PRODUCT", 0)  # every product counts as large
    linear_scan(lam, B, C, x, diagonal=True)
    assert seen and all(threads == original for threads in seen)


def test_concurrent_blas_limits_restore_the_original_once_all_leave(two_blas_threads):
    blas_threads, original, limit = _blas_threads, two_blas_threads, scan._OneBlasThread()
    limit.__enter__()
    limit.__enter__()  # a second thread
    limit.__exit__(None, None, None)
    assert blas_threads() == [1] * len(original)  # the second is still inside
    limit.__exit__(None, None, None)
    assert blas_threads() == original


def test_bad_block_names_the_block():
    def check(block):
        with pytest.raises(InvalidParameterError, match="^block:"):
            linear_scan(GOOD["A"], GOOD["B"], GOOD["C"], GOOD["x"], block=block)
        with pytest.raises(InvalidParameterError, match="^block:"):
            scan.scan_blocks(GOOD["A"], GOOD["B"], GOOD["C"], GOOD["x"], block=block)

    check_every_case(check, [(0,), (-2,), (2.5,), (True,), ("8",)])


def test_one_blas_thread_reinspects_the_libraries_after_an_import(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A BLAS copy loaded by a later import (scipy's, slycot's) must be limited too: the
    controller is rebuilt when modules were imported since it last inspected the libraries."""
    import threadpoolctl

    real = threadpoolctl.ThreadpoolController
    built: list[int] = []

    class Controller:
        def __init__(self) -> None:
            built.append(len(sys.modules))

        def limit(self, limits: int, user_api: str) -> object:
            assert (limits, user_api) == (1, "blas")
            return real().limit(limits=1, user_api="blas")

    monkeypatch.setattr(threadpoolctl, "ThreadpoolController", Controller)
    guard = scan._OneBlasThread()
    with guard:
        with guard:  # a nested user neither rebuilds nor re-limits
            pass
    with guard:
        pass
    assert len(built) == 1
    monkeypatch.setitem(sys.modules, "_an_import_that_loads_blas", types.ModuleType("x"))
    with guard:
        pass
    assert len(built) == 2 and built[1] == built[0] + 1
