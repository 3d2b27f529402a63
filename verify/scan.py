"""The scan core: fast and accurate evaluation of linear recurrences on the CPU.

Every large check of the suite runs the linear state-space recurrence (BYJL25 Eq. 1, WX23 Eq. 1
for one layer) over long sequences and many random instances::

    h_t = A h_{t-1} + B x_t,     y_t = C h_t + D x_t,     h_0 = 0      (t = 1, …, T)

with ``A`` diagonal (stored as its eigenvalues ``λ``, real or complex, ``|λ| < 1``) or dense.
Arrays are time-first: ``x`` has shape ``(..., T, d)`` and ``y`` shape ``(..., T, p)``.

Glossary (code name → symbol):

=====================  ===========================================================================
``A``                  transition ``A``: eigenvalues ``λ`` of shape ``(m,)`` or a dense ``(m, m)``
``B``, ``C``, ``D``    input map ``(m, d)``, output map ``(p, m)``, feed-through ``(p, d)``
``kernel``             ``K_0 = C B + D``, ``K_s = C A^s B``; ``y_t = Σ_{s<t} K_s x_{t-s}``
``c`` (chunk)          number of time steps handled by one block-Toeplitz product
=====================  ===========================================================================

Parameters may carry their own leading batch axes (``A (*batch, m)`` or ``(*batch, m, m)``,
``B (*batch, m, d)``, …) that broadcast against the batch axes of ``x``, so that thousands of
different models run in one vectorized call.

The chunked algorithm (``method="chunked"``, the default) splits time into chunks of ``c``
steps. Inside a chunk the output is one product with the lower block-Toeplitz matrix of
``K_0 … K_{c-1}``; a second product gives each chunk's end state, a third the contribution of
the state carried into the chunk (through ``C A^{j+1}``), and a Python loop of ``T / c``
iterations carries the state from chunk to chunk. The first and third products are one product
over a scratch buffer that holds inputs and states side by side and is reused from call to call
(fresh multi-megabyte temporaries would be paged in by the kernel on every call). Powers of
diagonal ``A`` are computed in extended precision (``np.longdouble``) and rounded once. The
carry runs in float64, except for modes with long memory (``|λ^c|`` close to 1), whose carried
state and step ``λ^c`` are kept in extended precision so that rounding does not pile up over the
``T / c`` carry steps; this keeps ``|λ| = 1 - 1e-5``, ``T = 65536`` at ~1e-15 relative error,
below the sequential float64 loop.
Dense ``A`` is never diagonalized: its powers come from repeated float64 products (squaring and
Krylov doubling). On platforms where ``np.longdouble`` is plain float64 the extended-precision
steps lose their benefit, not their correctness.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from theory.linear import UnstableModelError
from theory.numbers import InvalidParameterError

__all__ = [
    "METHODS",
    "choose_chunk",
    "kernel",
    "linear_scan",
    "max_relative_error",
    "scan_stack",
]

#: Accepted values of the ``method`` argument of :func:`linear_scan`.
#: ``"reference"`` is the sequential loop carried in ``np.longdouble``; it returns an
#: extended-precision array and serves as the accuracy reference of tests and benchmarks.
METHODS = ("auto", "chunked", "sequential", "reference")

_NORM_CERTIFY_SQUARINGS = 12  # ‖A^(2^k)‖_∞ < 1 for some k ≤ 12 certifies ρ(A) < 1
_SLOW_STEP = 0.9  # |λ^c| above this: the chunk carry of that mode runs in extended precision
_WORKSPACE_BYTES = 64 * 2**20  # scratch buffers up to this size are kept for reuse (per thread)
_SCRATCH = threading.local()


# ----------------------------------------------------------------------------------------------
# validation (the one choke point)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    """Validated parameters, flattened over their broadcast batch shape ``batch`` to ``G``."""

    A: np.ndarray  # (G, m) eigenvalues or (G, m, m)
    B: np.ndarray  # (G, m, d)
    C: np.ndarray  # (G, p, m)
    D: np.ndarray | None  # (G, p, d)
    diagonal: bool
    batch: tuple[int, ...]
    ladder: _Ladder | None  # powers A^(2^k) of a dense A, shared by validation and the scan

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """``(G, m, d, p)``."""
        G, m, d = self.B.shape
        return G, m, d, self.C.shape[1]


class _Ladder:
    """``A, A², A⁴, …`` of a batch of dense matrices ``(G, m, m)``, squared on demand."""

    def __init__(self, A: np.ndarray) -> None:
        self._powers = [A]

    def __getitem__(self, k: int) -> np.ndarray:
        while len(self._powers) <= k:
            last = self._powers[-1]
            self._powers.append(last @ last)
        return self._powers[k]

    def power(self, n: int) -> np.ndarray:
        """``A^n`` for ``n ≥ 1`` from the binary expansion of ``n``."""
        result, k = None, 0
        while n:
            if n & 1:
                result = self[k] if result is None else result @ self[k]
            n >>= 1
            k += 1
        return result


def _numeric(value: object, name: str) -> np.ndarray:
    """``value`` as a float64 or complex128 array; refuse non-numeric entries."""
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise InvalidParameterError(f"{name}: entries must be numbers, got dtype {arr.dtype}")
    return arr.astype(np.complex128 if np.iscomplexobj(arr) else np.float64, copy=False)


def _check_finite(arr: np.ndarray, name: str) -> None:
    # one summation pass; only a non-finite sum (NaN/inf entry, or overflow) needs the full test
    if arr.size and not np.isfinite(arr.sum()) and not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"{name}: entries must be finite (no NaN or inf)")


def _check_core(arr: np.ndarray, name: str, core: tuple[str, ...], sizes: dict[str, int]) -> None:
    """Check the trailing axes of ``arr`` against named sizes, recording new names."""
    label = "(*batch, " + ", ".join(core) + ")"
    if arr.ndim < len(core):
        raise InvalidParameterError(f"{name}: expected shape {label}, got {arr.shape}")
    for axis, size in zip(core, arr.shape[arr.ndim - len(core):], strict=True):
        if sizes.setdefault(axis, size) != size:
            raise InvalidParameterError(
                f"{name}: expected shape {label} with {axis} = {sizes[axis]}, got {arr.shape}"
            )
        if size < 1:
            raise InvalidParameterError(f"{name}: axis {axis} must be at least 1, got {arr.shape}")


def _check_diagonal_stable(lam: np.ndarray) -> None:
    moduli = np.abs(lam)
    if moduli.size and moduli.max() >= 1:
        where = np.unravel_index(int(np.argmax(moduli)), lam.shape)
        raise UnstableModelError(
            f"A: eigenvalue {lam[where]} at index {tuple(int(i) for i in where)} has modulus "
            f"{moduli[where]!r} >= 1; the recurrence requires |λ| < 1"
        )


def _check_dense_stable(A: np.ndarray, ladder: _Ladder) -> None:
    """Spectral radius < 1 for each ``A[g]``: certified by a norm of a power, else by eigvals."""
    open_ = np.ones(A.shape[0], dtype=bool)
    for k in range(_NORM_CERTIFY_SQUARINGS + 1):
        norms = np.abs(ladder[k]).sum(axis=-1).max(axis=-1)  # induced ∞-norm ≥ ρ(A)^(2^k)
        open_ &= ~(norms < 1)
        if not open_.any() or not np.all(np.isfinite(norms[open_]) & (norms[open_] < 1e150)):
            break
    if not open_.any():
        return
    index = np.flatnonzero(open_)
    rho = np.abs(np.linalg.eigvals(A[index])).max(axis=-1)
    if np.any(rho >= 1):
        g = int(index[np.argmax(rho)])
        raise UnstableModelError(
            f"A: dense transition matrix {g} (flattened batch index) has spectral radius "
            f"{rho.max()!r} >= 1; the recurrence requires ρ(A) < 1"
        )


def _validate_model(
    A: object, B: object, C: object, D: object | None, diagonal: bool | None
) -> _Model:
    """Shapes, finiteness and stability of ``(A, B, C, D)``; flatten their batch axes."""
    A, B, C = (_numeric(v, n) for v, n in ((A, "A"), (B, "B"), (C, "C")))
    D = None if D is None else _numeric(D, "D")
    if A.ndim == 0:
        raise InvalidParameterError(
            f"A: expected shape (*batch, m) or (*batch, m, m), got {A.shape}"
        )
    if diagonal is None:
        diagonal = A.ndim == 1 or A.shape[-1] != A.shape[-2]
    sizes: dict[str, int] = {}
    _check_core(B, "B", ("m", "d"), sizes)
    if diagonal:
        _check_core(A, "A", ("m",), sizes)
    else:
        _check_core(A, "A", ("m", "m"), sizes)
    _check_core(C, "C", ("p", "m"), sizes)
    if D is not None:
        _check_core(D, "D", ("p", "d"), sizes)
    named = [("A", A, 1 if diagonal else 2), ("B", B, 2), ("C", C, 2)]
    if D is not None:
        named.append(("D", D, 2))
    try:
        batch = np.broadcast_shapes(*(arr.shape[: arr.ndim - core] for _, arr, core in named))
    except ValueError:
        shapes = ", ".join(f"{n} {arr.shape}" for n, arr, _ in named)
        raise InvalidParameterError(
            f"A, B, C, D: parameter batch axes do not broadcast ({shapes})"
        ) from None
    G = math.prod(batch)
    flat = []
    for name, arr, core in named:
        _check_finite(arr, name)
        full = np.broadcast_to(arr, batch + arr.shape[arr.ndim - core:])
        flat.append(np.ascontiguousarray(full.reshape((G,) + full.shape[len(batch):])))
    A, B, C = flat[:3]
    D = flat[3] if D is not None else None
    ladder = None
    if diagonal:
        _check_diagonal_stable(A)
    elif G:
        ladder = _Ladder(A)
        _check_dense_stable(A, ladder)
    return _Model(A, B, C, D, diagonal, tuple(batch), ladder)


def _validate_input(model: _Model, x: object) -> tuple[np.ndarray, tuple[int, ...], list[int]]:
    """Check ``x`` and arrange it as ``(G, N, T, d)``: parameter groups × shared samples.

    Returns the arranged input, the broadcast batch shape and the axis permutation that puts the
    parameter (group) axes first; :func:`_restore` undoes the arrangement.
    """
    x = _numeric(x, "x")
    d = model.B.shape[2]
    if x.ndim < 2 or x.shape[-1] != d:
        raise InvalidParameterError(f"x: expected shape (..., T, d) with d = {d}, got {x.shape}")
    _check_finite(x, "x")
    try:
        batch = np.broadcast_shapes(model.batch, x.shape[:-2])
    except ValueError:
        raise InvalidParameterError(
            f"x: batch axes {x.shape[:-2]} do not broadcast against the parameter batch "
            f"axes {model.batch}"
        ) from None
    k = len(batch)
    padded = (1,) * (k - len(model.batch)) + model.batch
    groups = [i for i in range(k) if padded[i] != 1]
    perm = groups + [i for i in range(k) if padded[i] == 1]
    N = math.prod(batch[i] for i in perm[len(groups):])
    xs = np.broadcast_to(x, batch + x.shape[-2:])
    if perm != list(range(k)):
        xs = xs.transpose(perm + [k, k + 1])
    return xs.reshape(model.A.shape[0], N, *x.shape[-2:]), batch, perm


def _restore(y: np.ndarray, batch: tuple[int, ...], perm: list[int]) -> np.ndarray:
    k = len(batch)
    y = y.reshape(tuple(batch[i] for i in perm) + y.shape[-2:])
    if perm != list(range(k)):
        y = y.transpose([*np.argsort(perm).tolist(), k, k + 1])
    return y


def _check_chunk(chunk: object) -> int | None:
    if chunk is None:
        return None
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise InvalidParameterError(f"chunk: expected a positive integer, got {chunk!r}")
    return int(chunk)


def _check_length(T: object) -> int:
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 0:
        raise InvalidParameterError(f"T: expected a non-negative integer, got {T!r}")
    return int(T)


# ----------------------------------------------------------------------------------------------
# powers and chunk matrices
# ----------------------------------------------------------------------------------------------


def _extended(dtype: np.dtype) -> type:
    return np.clongdouble if np.issubdtype(dtype, np.complexfloating) else np.longdouble


def _cumulative_powers(base: np.ndarray, n: int) -> np.ndarray:
    """``base^k`` for ``k < n`` along a new axis 1, by a cumulative product in ``base``'s dtype."""
    out = np.empty((base.shape[0], n) + base.shape[1:], dtype=base.dtype)
    out[:, 0] = 1
    out[:, 1:] = base[:, None]
    return np.cumprod(out, axis=1, out=out)


def _powers(lam: np.ndarray, n: int) -> np.ndarray:
    """``λ^k`` for ``k < n``, shape ``(G, n, m)``: a blocked Vandermonde table.

    ``λ^(j b + k) = λ^(j b) · λ^k`` with both factors computed by cumulative products in
    extended precision and rounded once, so every entry is within a few ulp (a plain
    ``np.power`` on complex input loses ~1e-12 for long tables; ``λ^k · cumsum(λ^-k …)``
    overflows for ``λ = 0``).
    """
    ext = lam.astype(_extended(lam.dtype))
    b = max(1, math.isqrt(max(n - 1, 0)) + 1)
    inner = _cumulative_powers(ext, b)  # λ^k, k < b
    outer = _cumulative_powers(inner[:, -1] * ext, -(-n // b))  # λ^(j b)
    table = outer.astype(lam.dtype)[:, :, None, :] * inner.astype(lam.dtype)[:, None, :, :]
    return table.reshape(lam.shape[0], -1, lam.shape[1])[:, :n]


def _power_extended(lam: np.ndarray, n: int) -> np.ndarray:
    """``λ^n`` in extended precision (binary powering), shape of ``lam``."""
    base = lam.astype(_extended(lam.dtype))
    result = np.ones_like(base)
    while n:
        if n & 1:
            result = result * base
        base = base * base
        n >>= 1
    return result


def _krylov(ladder: _Ladder, start: np.ndarray, n: int, left: bool) -> np.ndarray:
    """``A^s start`` (or ``start A^s`` if ``left``) for ``s < n``, shape ``(G, n, rows, cols)``.

    Doubling: the first ``2q`` terms are the first ``q`` and ``A^q`` times them, one matrix
    product per doubling (the terms side by side as one wide or tall matrix).
    """
    G, rows, cols = start.shape
    terms, k = start, 0
    while terms.shape[1 if left else 2] < n * (rows if left else cols):
        Aq = ladder[k]
        if left:
            terms = np.concatenate([terms, terms @ Aq], axis=1)
        else:
            terms = np.concatenate([terms, Aq @ terms], axis=2)
        k += 1
    if left:  # row blocks C A^s
        return terms.reshape(G, -1, rows, cols)[:, :n]
    return terms.reshape(G, rows, -1, cols).transpose(0, 2, 1, 3)[:, :n]


@dataclass(frozen=True)
class _ChunkMatrices:
    """Per-group matrices of the chunked scan with chunk length ``c``."""

    toeplitz: np.ndarray  # (G, c d, c p): x rows (i, a) → y columns (j, q), K_{j-i}[q, a]
    to_state: np.ndarray  # (G, c d, m): chunk input → chunk-end state, A^(c-1-i) B
    from_state: np.ndarray  # (G, m, c p): carried-in state → output, C A^(j+1)
    step: np.ndarray  # diagonal: λ^c in extended precision (G, m); dense: A^c (G, m, m)


def _toeplitz(K: np.ndarray) -> np.ndarray:
    """Lower block-Toeplitz matrix ``(G, c d, c p)`` of the kernel blocks ``K (G, c, p, d)``."""
    G, c, p, d = K.shape
    lag = np.arange(c)[None, :] - np.arange(c)[:, None]
    padded = np.concatenate([K, np.zeros((G, 1, p, d), dtype=K.dtype)], axis=1)
    blocks = padded[:, np.where(lag >= 0, lag, c)]  # (G, i, j, q, a)
    return np.ascontiguousarray(blocks.transpose(0, 1, 4, 2, 3)).reshape(G, c * d, c * p)


def _chunk_matrices(model: _Model, c: int) -> _ChunkMatrices:
    """The block-Toeplitz, state-in and state-out matrices and the chunk step of ``model``."""
    G, m, d, p = model.shape
    B, C = model.B, model.C
    if model.diagonal:
        P = _powers(model.A, c + 1)  # (G, c+1, m)
        weights = (C.transpose(0, 2, 1)[:, :, :, None] * B[:, :, None, :]).reshape(G, m, p * d)
        K = (P[:, :c] @ weights).reshape(G, c, p, d)
        to_state = P[:, c - 1 :: -1, None, :] * B.transpose(0, 2, 1)[:, None, :, :]
        from_state = P[:, 1:, None, :].transpose(0, 3, 1, 2) * C.transpose(0, 2, 1)[:, :, None]
        step = _power_extended(model.A, c)
    else:
        ladder = model.ladder
        V = _krylov(ladder, B, c, left=False)  # A^s B, (G, c, m, d)
        U = _krylov(ladder, C, c, left=True)  # C A^s, (G, c, p, m)
        Ac = ladder.power(c)
        U = np.concatenate([U, (C @ Ac)[:, None]], axis=1)
        K = U[:, :c] @ B[:, None]
        to_state = V[:, ::-1].transpose(0, 1, 3, 2)
        from_state = U[:, 1:].transpose(0, 3, 1, 2)
        step = Ac
    if model.D is not None:
        K = K.copy()
        K[:, 0] += model.D
    return _ChunkMatrices(
        _toeplitz(K),
        np.ascontiguousarray(to_state).reshape(G, c * d, m),
        np.ascontiguousarray(from_state).reshape(G, m, c * p),
        step,
    )


# ----------------------------------------------------------------------------------------------
# the scans
# ----------------------------------------------------------------------------------------------


def _workspace(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialized scratch array, reused from call to call within a thread.

    The chunked scan needs one large scratch buffer per call. A fresh one would be paged in by
    the kernel on every call (a few ms for the S1 shape of the benchmark); reusing it avoids
    that. Only its memory is reused, never its contents; buffers above ``_WORKSPACE_BYTES`` are
    allocated afresh and not kept.
    """
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes > _WORKSPACE_BYTES:
        return np.empty(shape, dtype=dtype)
    raw = getattr(_SCRATCH, "raw", None)
    if raw is None or raw.nbytes < nbytes:
        raw = _SCRATCH.raw = np.empty(nbytes, dtype=np.uint8)
    return raw[:nbytes].view(dtype).reshape(shape)


def _matmul_into(X: np.ndarray, M: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = X @ M``; real arithmetic when ``X`` is real and ``M`` complex (no cast)."""
    if np.iscomplexobj(M) and not np.iscomplexobj(X):
        np.matmul(X, M.view(np.float64), out=out.view(np.float64))
    else:
        np.matmul(X, M.astype(out.dtype, copy=False), out=out)


def _carry(E: np.ndarray, step: np.ndarray, diagonal: bool) -> None:
    """Turn chunk-end states into carried states in place: ``E[k] += S E[k-1]``.

    ``E`` has shape ``(G, N, nch, m)`` (a strided view); ``E[:, :, 0]`` is zero and
    ``E[:, :, k]`` holds the state at the end of chunk ``k - 1`` reached from a zero state. On
    return it holds the true state there, the state carried into chunk ``k``. The loop runs in
    float64; diagonal modes whose step ``λ^c`` has modulus above ``_SLOW_STEP`` (long memory:
    the rounding of the state would accumulate over ``~1 / (1 - |λ^c|)`` carry steps) are
    recomputed in extended precision.
    """
    slow = None
    if diagonal:
        groups, modes = np.nonzero(np.abs(step) > _SLOW_STEP)
        if groups.size:
            slow = groups, modes, E[groups, :, :, modes]  # (S, N, nch), a copy
    factor = step.astype(E.dtype)
    factor = factor[:, None, :] if diagonal else factor.transpose(0, 2, 1)
    tmp = np.empty(E.shape[:2] + E.shape[3:], dtype=E.dtype)
    for k in range(2, E.shape[2]):
        if diagonal:
            np.multiply(E[:, :, k - 1], factor, out=tmp)
        else:
            np.matmul(E[:, :, k - 1], factor, out=tmp)
        E[:, :, k] += tmp
    if slow is not None:
        groups, modes, z = slow
        states = z.astype(_extended(E.dtype))
        mu = step[groups, modes][:, None]
        for k in range(2, z.shape[2]):
            states[:, :, k] += mu * states[:, :, k - 1]
        E[groups, :, :, modes] = states


def _chunked(model: _Model, x: np.ndarray, c: int) -> np.ndarray:
    """Chunked scan of ``x (G, N, T, d)`` → ``(G, N, T, p)``.

    One scratch buffer has a row ``[input of chunk k | state carried into chunk k]`` per
    sequence and chunk. The chunk-end states are one product whose output is the state part of
    the next row (a view shifted by one row; the first chunk of each sequence is then reset to a
    zero state), the carry runs in place, and the output is one product of the whole buffer with
    ``[[Toeplitz], [C A^(j+1)]]``, written straight into the result: no concatenation,
    transposition or copy of large arrays. A real input meets complex parameters through real
    views (the state as interleaved real and imaginary parts).
    """
    G, N, T, d = x.shape
    m, p = model.shape[1], model.shape[3]
    nch, full = -(-T // c), T // c
    mats = _chunk_matrices(model, c)
    cd = c * d
    real_views = nch > 1 and not np.iscomplexobj(x) and (
        np.iscomplexobj(mats.to_state) or np.iscomplexobj(mats.step)
    )
    W = cd + (0 if nch == 1 else 2 * m if real_views else m)
    buf = _workspace((G, N * nch, W), x.dtype)
    table = buf.reshape(G, N, nch, W)
    inputs = table[..., :cd].reshape(G, N, nch, c, d)
    inputs[:, :, :full] = x[:, :, : full * c].reshape(G, N, full, c, d)
    if full < nch:
        inputs[:, :, full, : T - full * c] = x[:, :, full * c :]
        inputs[:, :, full, T - full * c :] = 0
    M = mats.toeplitz
    if nch > 1:
        states = buf[..., cd:].view(np.complex128) if real_views else buf[..., cd:]
        to_state = mats.to_state.astype(states.dtype, copy=False)
        _matmul_into(buf[:, :-1, :cd], to_state, states[:, 1:])
        table[:, :, 0, cd:] = 0  # overwrites the end state of the previous sequence
        _carry(states.reshape(G, N, nch, m), mats.step, model.diagonal)
        from_state = mats.from_state
        if real_views:  # rows for Re h and Im h of each mode, interleaved like the state
            from_state = np.stack([from_state, 1j * from_state], axis=2).reshape(G, 2 * m, -1)
        M = np.concatenate([M, from_state], axis=1)  # (G, W, c p)
    y = np.empty((G, N * nch, c * p), dtype=np.result_type(x, M))
    _matmul_into(buf, M, y)
    return y.reshape(G, N, nch * c, p)[:, :, :T]


def _sequential(model: _Model, x: np.ndarray, extended: bool) -> np.ndarray:
    """Per-step loop in ``(T, G, N, m)`` layout; ``extended`` carries it in ``np.longdouble``."""
    dtype = np.result_type(x, model.A, model.B, model.C)
    if extended:
        dtype = np.dtype(_extended(dtype))
    cast = [None if v is None else v.astype(dtype) for v in (model.A, model.B, model.C, model.D)]
    A, B, C, D = cast
    xt = np.ascontiguousarray(np.moveaxis(x, 2, 0)).astype(dtype)  # (T, G, N, d)
    H = xt @ B.transpose(0, 2, 1)  # B x_t, (T, G, N, m)
    if model.diagonal:
        lam = A[:, None, :]
        for t in range(1, H.shape[0]):
            H[t] += lam * H[t - 1]
    else:
        At = A.transpose(0, 2, 1)
        for t in range(1, H.shape[0]):
            H[t] += H[t - 1] @ At
    Y = H @ C.transpose(0, 2, 1)
    if D is not None:
        Y += xt @ D.transpose(0, 2, 1)
    return np.moveaxis(Y, 0, 2)


def _memoryless(model: _Model, x: np.ndarray) -> np.ndarray:
    """``A = 0``: every step is ``y_t = (C B + D) x_t`` (one product, no recurrence)."""
    K0 = model.C @ model.B
    if model.D is not None:
        K0 = K0 + model.D
    return x @ K0.transpose(0, 2, 1)[:, None]


def choose_chunk(m: int, d: int, p: int, T: int, *, diagonal: bool = True) -> int:
    """Chunk length for the chunked scan, chosen from the shape.

    The cost per (sample, step) is about ``2 c p d`` for the block-Toeplitz product plus
    ``4 m (d + p)`` for the state products, and the carry loop costs ``T / c`` Python
    iterations. A power of two near ``max(64, m) / sqrt(p d)`` balances them (64 for
    single-input single-output diagonal layers, ``m`` for dense ones up to 256, 4–8 for
    64-wide multi-channel layers); it is clipped to ``[4, 256]`` and to ``T``.
    """
    base = 64 if diagonal else max(64, m)
    c = 2 ** round(math.log2(base / math.sqrt(p * d)))
    return max(1, min(max(4, min(256, c)), T))


# ----------------------------------------------------------------------------------------------
# public entry points
# ----------------------------------------------------------------------------------------------


def linear_scan(
    A: object,
    B: object,
    C: object,
    x: object,
    D: object | None = None,
    *,
    method: str = "auto",
    chunk: int | None = None,
    diagonal: bool | None = None,
) -> np.ndarray:
    """Run the recurrence ``h_t = A h_{t-1} + B x_t``, ``y_t = C h_t + D x_t``, ``h_0 = 0``.

    The state-space layer of BYJL25 Eq. 1 and of one layer of WX23 Eq. 1 (before the
    nonlinearity), with the same-step input convention of the suite.

    Parameters
    ----------
    A
        Eigenvalues ``(*batch, m)`` of a diagonal transition matrix, or a dense
        ``(*batch, m, m)``; real or complex; spectral radius ``< 1``.
    B, C, D
        ``(*batch, m, d)``, ``(*batch, p, m)`` and optionally ``(*batch, p, d)``.
    x
        Input ``(..., T, d)``. The parameter batch axes broadcast against ``...``.
    method
        ``"auto"`` (``"chunked"``, or one product per step when ``A = 0``: a memoryless layer
        such as those of WX23's element-wise constructions), ``"chunked"``, ``"sequential"``
        (the per-step loop) or
        ``"reference"`` (the per-step loop in ``np.longdouble``, returned in that precision).
    chunk
        Chunk length of the chunked method; default :func:`choose_chunk`.
    diagonal
        Whether ``A`` holds eigenvalues. By default ``A`` is diagonal when it is 1-D or its last
        two axes differ; pass ``diagonal=True`` for a batch of ``m`` diagonal models of width
        ``m`` (shape ``(m, m)``), which would otherwise be read as one dense matrix.

    Returns
    -------
    numpy.ndarray
        ``y`` of shape ``(*broadcast batch, T, p)``; real when all inputs are real.

    Raises
    ------
    InvalidParameterError
        On mismatched shapes, NaN/inf entries, a bad ``method`` or ``chunk``.
    theory.linear.UnstableModelError
        If a spectral radius is ``≥ 1``.
    """
    if method not in METHODS:
        raise InvalidParameterError(f"method: expected one of {METHODS}, got {method!r}")
    chunk = _check_chunk(chunk)
    model = _validate_model(A, B, C, D, diagonal)
    x4, batch, perm = _validate_input(model, x)
    G, N, T, _ = x4.shape
    _, m, d, p = model.shape
    if T == 0 or G * N == 0:
        dtype = np.result_type(x4, model.A, model.B, model.C)
        if method == "reference":
            dtype = _extended(dtype)
        return np.zeros(batch + (T, p), dtype=dtype)
    if method in ("sequential", "reference"):
        y = _sequential(model, x4, extended=method == "reference")
    elif method == "auto" and not np.any(model.A):
        y = _memoryless(model, x4)
    else:
        c = chunk or choose_chunk(m, d, p, T, diagonal=model.diagonal)
        y = _chunked(model, x4, c)
    return _restore(y, batch, perm)


def kernel(
    A: object,
    B: object,
    C: object,
    T: int,
    D: object | None = None,
    *,
    diagonal: bool | None = None,
) -> np.ndarray:
    """Impulse response ``K_0 = C B + D``, ``K_s = C A^s B`` for ``s < T``.

    The convolution kernel of the layer (BYJL25 Lemma 3.1 for diagonal ``A``): the scan of
    :func:`linear_scan` equals ``y_t = Σ_{s<t} K_s x_{t-s}`` (time indices from 0).

    Parameters
    ----------
    A, B, C, D, diagonal
        As in :func:`linear_scan` (parameter batch axes allowed).
    T
        Number of kernel terms.

    Returns
    -------
    numpy.ndarray
        ``(*batch, T, p, d)``. Diagonal ``A``: a blocked Vandermonde table with block powers in
        extended precision (each term within a few ulp). Dense ``A``: ``C A^s`` for ``s`` in a
        block of ``c`` by doubling, times ``A^(j c) B`` by repeated float64 products.
    """
    T = _check_length(T)
    model = _validate_model(A, B, C, D, diagonal)
    G, m, d, p = model.shape
    dtype = np.result_type(model.A, model.B, model.C)
    if T == 0 or G == 0:
        return np.zeros(model.batch + (T, p, d), dtype=dtype)
    if model.diagonal:
        weights = (model.C.transpose(0, 2, 1)[:, :, :, None] * model.B[:, :, None, :])
        K = (_powers(model.A, T) @ weights.reshape(G, m, p * d)).reshape(G, T, p, d)
    else:
        c = choose_chunk(m, d, p, T, diagonal=False)
        nblocks = -(-T // c)
        U = _krylov(model.ladder, model.C, c, left=True)  # C A^s, s < c
        W = np.empty((G, nblocks, m, d), dtype=dtype)  # A^(j c) B
        W[:, 0] = model.B
        if nblocks > 1:
            Ac = model.ladder.power(c)
            for j in range(1, nblocks):
                W[:, j] = Ac @ W[:, j - 1]
        prod = U.reshape(G, c * p, m) @ W.transpose(0, 2, 1, 3).reshape(G, m, nblocks * d)
        K = prod.reshape(G, c, p, nblocks, d).transpose(0, 3, 1, 2, 4).reshape(G, -1, p, d)
        K = K[:, :T]
    if model.D is not None:
        K = K.astype(np.result_type(K, model.D))
        K[:, 0] += model.D
    return K.reshape(model.batch + K.shape[1:])


def scan_stack(
    layers: Sequence[tuple[object, ...]],
    x: object,
    activation: Callable[[np.ndarray], np.ndarray] | None = None,
    *,
    method: str = "auto",
    chunk: int | None = None,
    diagonal: bool | None = None,
) -> np.ndarray:
    """Run a deep stack: each layer's output is the next layer's input.

    BYJL25 Eq. 2 (deep linear, ``activation=None``) and WX23 Eq. 1 (an element-wise
    nonlinearity between layers). The activation is applied between layers, not after the last.

    Parameters
    ----------
    layers
        A non-empty sequence of ``(A, B, C)`` or ``(A, B, C, D)`` tuples, as for
        :func:`linear_scan`; each layer's ``d`` must equal the previous layer's ``p``.
    x
        Input ``(..., T, d_1)``.
    activation
        Element-wise callable applied between consecutive layers.
    method, chunk, diagonal
        Passed to :func:`linear_scan` for every layer.
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
        raise InvalidParameterError("layers: expected a non-empty sequence of (A, B, C[, D])")
    if activation is not None and not callable(activation):
        raise InvalidParameterError(f"activation: expected a callable, got {activation!r}")
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (3, 4):
            raise InvalidParameterError(
                f"layers[{i}]: expected a tuple (A, B, C) or (A, B, C, D), got {type(layer)}"
            )
    y = x
    for i, layer in enumerate(layers):
        if i and activation is not None:
            y = activation(y)
        try:
            y = linear_scan(*layer[:3], y, *layer[3:], method=method, chunk=chunk,
                            diagonal=diagonal)
        except InvalidParameterError as exc:
            raise type(exc)(f"layers[{i}]: {exc}") from None
    return y


def max_relative_error(y: np.ndarray, reference: np.ndarray) -> float:
    """Largest relative error of ``y`` over its output sequences, in ``reference``'s precision.

    For each sequence (each batch index and output channel) the error is
    ``max_t |y_t - ref_t| / max_t |ref_t|`` (0 when both vanish, ``inf`` when only the reference
    does or when ``y`` is NaN); the result is the maximum over sequences.

    Raises
    ------
    InvalidParameterError
        If the shapes differ or the arrays have fewer than two axes.
    """
    y, reference = np.asarray(y), np.asarray(reference)
    if y.shape != reference.shape or y.ndim < 2:
        raise InvalidParameterError(
            f"y: expected the reference's shape {reference.shape} (..., T, p), got {y.shape}"
        )
    if y.shape[-2] == 0 or y.size == 0:
        return 0.0
    err = np.abs(y.astype(reference.dtype) - reference).max(axis=-2)
    scale = np.abs(reference).max(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(err == 0, 0.0, err / scale)
    return float(np.where(np.isnan(ratio), np.inf, ratio).max())
