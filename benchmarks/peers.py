"""Optional peers of the scan core for ``bench_scan.py``: ``jax.lax.associative_scan`` and a
numba loop, each used only when its package is installed (``pip install ".[bench]"``).

Both compute what :func:`verify.scan.linear_scan` computes on the benchmark's shapes:

* a diagonal single-input single-output layer, ``h(t) = λ ∘ h(t-1) + B x(t)``,
  ``y(t) = C h(t)``, on a batch of sequences ``x`` of shape ``(batch, T, 1)``;
* the BYJL25 deep batch as :meth:`verify.batch.DeepBatch.kernel_scan` runs it: the impulse
  response of ``G`` deep diagonal models, layer by layer, ``u_1(t) = B_1 δ(t)``,
  ``u_k(t) = B_k h_{k-1}(t)``, with the states of the last layer as output, ``(G, T, m)``.

jax runs in double precision (``jax_enable_x64``), compiled once per shape by ``jax.jit``; the
first call (compilation) is the benchmark's warm-up and is not timed. Each timed call includes
the transfer of the result into a numpy array, as the core returns one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _import(name: str) -> Any:
    """The module ``name``, or ``None`` when it is not installed."""
    try:
        return __import__(name)
    except ImportError:
        return None


def _jax() -> Any:
    jax = _import("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
    return jax


def _numba() -> Any:
    return _import("numba")


def _combine(left: tuple[Any, Any], right: tuple[Any, Any]) -> tuple[Any, Any]:
    """The associative operator of ``h(t) = a(t) h(t-1) + b(t)``: apply ``left``, then ``right``."""
    a1, b1 = left
    a2, b2 = right
    return a1 * a2, a2 * b1 + b2


def jax_diagonal(A: np.ndarray, B: np.ndarray, C: np.ndarray,
                 x: np.ndarray) -> Callable[[], np.ndarray] | None:
    """``y`` of a diagonal SISO layer by ``jax.lax.associative_scan`` over time, or ``None``."""
    jax = _jax()
    if jax is None:
        return None
    jnp = jax.numpy
    lam, b, c, xs = (jnp.asarray(v) for v in (A, B[:, 0], C[0], x[..., 0]))

    @jax.jit
    def run(lam: Any, b: Any, c: Any, xs: Any) -> Any:
        u = xs[:, :, None] * b  # (batch, T, m)
        a = jnp.broadcast_to(lam, u.shape)
        _, h = jax.lax.associative_scan(_combine, (a, u), axis=1)
        return (h @ c)[..., None]

    return lambda: np.asarray(run(lam, b, c, xs).block_until_ready())


def jax_deep(eigenvalues: np.ndarray, B1: np.ndarray, Bk: np.ndarray,
             T: int) -> Callable[[], np.ndarray] | None:
    """The deep batch's last-layer states by ``jax.lax.associative_scan``, or ``None``."""
    jax = _jax()
    if jax is None:
        return None
    jnp = jax.numpy
    lam, b1, bk = (jnp.asarray(v) for v in (eigenvalues, B1, Bk))

    @jax.jit
    def run(lam: Any, b1: Any, bk: Any) -> Any:
        u = jnp.zeros((b1.shape[0], T, b1.shape[1]), dtype=lam.dtype).at[:, 0].set(b1)
        for k in range(lam.shape[1]):
            if k:
                u = jnp.einsum("gij,gtj->gti", bk[:, k - 1], u)
            a = jnp.broadcast_to(lam[:, None, k], u.shape)
            _, u = jax.lax.associative_scan(_combine, (a, u), axis=1)
        return u

    return lambda: np.asarray(run(lam, b1, bk).block_until_ready())


def numba_diagonal(A: np.ndarray, B: np.ndarray, C: np.ndarray,
                   x: np.ndarray) -> Callable[[], np.ndarray] | None:
    """``y`` of a diagonal SISO layer by a compiled per-step loop (numba), or ``None``."""
    numba = _numba()
    if numba is None:
        return None
    dtype = np.result_type(A, B, C, x)

    @numba.njit(cache=False)
    def run(lam: Any, b: Any, c: Any, xs: Any, y: Any) -> None:
        h = np.zeros(lam.shape[0], dtype=y.dtype)
        for s in range(xs.shape[0]):
            h[:] = 0
            for t in range(xs.shape[1]):
                y[s, t] = 0
                for i in range(lam.shape[0]):
                    h[i] = lam[i] * h[i] + b[i] * xs[s, t]
                    y[s, t] += c[i] * h[i]

    lam, b, c, xs = (np.ascontiguousarray(v) for v in (A, B[:, 0], C[0], x[..., 0]))

    def call() -> np.ndarray:
        y = np.empty(xs.shape, dtype=dtype)
        run(lam, b, c, xs, y)
        return y[..., None]

    return call


def numba_deep(eigenvalues: np.ndarray, B1: np.ndarray, Bk: np.ndarray,
               T: int) -> Callable[[], np.ndarray] | None:
    """The deep batch's last-layer states by a compiled per-step loop (numba), or ``None``."""
    numba = _numba()
    if numba is None:
        return None

    @numba.njit(cache=False)
    def run(lam: Any, b1: Any, bk: Any, out: Any) -> None:
        G, depth, m = lam.shape
        u = np.empty((out.shape[1], m), dtype=out.dtype)
        for g in range(G):
            h = out[g]
            h[:] = 0
            h[0] = b1[g]
            for k in range(depth):
                if k:
                    u[:] = h
                    for t in range(h.shape[0]):
                        for i in range(m):
                            h[t, i] = 0
                            for j in range(m):
                                h[t, i] += bk[g, k - 1, i, j] * u[t, j]
                for t in range(1, h.shape[0]):
                    for i in range(m):
                        h[t, i] += lam[g, k, i] * h[t - 1, i]

    lam, b1, bk = (np.ascontiguousarray(v) for v in (eigenvalues, B1, Bk))

    def call() -> np.ndarray:
        out = np.empty((lam.shape[0], T, lam.shape[2]), dtype=np.result_type(lam, b1, bk))
        run(lam, b1, bk, out)
        return out

    return call


def diagonal_peers(A: np.ndarray, B: np.ndarray, C: np.ndarray,
                   x: np.ndarray) -> dict[str, Callable[[], np.ndarray]]:
    """The installed peers for a diagonal SISO case, by name."""
    runs = {"jax": jax_diagonal(A, B, C, x), "numba": numba_diagonal(A, B, C, x)}
    return {name: f for name, f in runs.items() if f is not None}


def deep_peers(eigenvalues: np.ndarray, B1: np.ndarray, Bk: np.ndarray,
               T: int) -> dict[str, Callable[[], np.ndarray]]:
    """The installed peers for the deep batch, by name."""
    runs = {"jax assoc scan": jax_deep(eigenvalues, B1, Bk, T),
            "numba loop": numba_deep(eigenvalues, B1, Bk, T)}
    return {name: f for name, f in runs.items() if f is not None}
