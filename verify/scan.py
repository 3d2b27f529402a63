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

Paths of ``method="auto"``: the per-step loop for ``A = 0`` (one product) and whenever a cost
model (:func:`_loop_is_cheaper`) finds the loop cheaper than the chunks — parameter-batched
multi-channel stacks with short sequences, such as the BYJL25 deep batch (200 models,
``m = d = p = 16``, ``T = 48``), where the chunk matrices of every model outweigh the data —
and for a dense ``A`` whose powers would cost accuracy (below); the chunked algorithm otherwise
(the S1–S3 benchmark shapes). The loop runs time-major sub-blocks of at most
``_LOOP_STATE_BYTES`` of states, so its memory is the output plus a constant; many small
models with short sequences run in blocks of groups whose states over the whole horizon stay
in cache (:func:`_loop_groups`), one product per group and block for ``B x_t``.

Time blocks (``linear_scan(..., block=K)``, :func:`scan_blocks`): time runs in blocks of ``K``
steps (rounded down to a multiple of the chunk for the chunked path) and the state is carried
from block to block, so that memory beyond the output is bounded by the block;
:func:`scan_blocks` yields the output block by block and so bounds all memory by the block.
:func:`scan_stream` takes the input itself as a stream of blocks (any iterable, e.g. a
generator), for inputs that do not fit in memory as one array: it checks each block when it
arrives and yields its output before reading the next, carrying the state as
:func:`scan_blocks` does.

BLAS threads: a block whose main 2-D product (the chunked output product; for the loop the
product repeated at every step of a dense ``A``, else one sub-block's input or output product)
has fewer than ``_SMALL_PRODUCT`` multiply-adds runs with BLAS limited to one thread
(``threadpoolctl``). Measured on the loaded benchmark machine (load average 7.6 on 2 cores),
a 4000×16×16 product took 24 ms on two OpenBLAS threads against 0.19 ms on one, and
256×256×256 48 ms against 1.3 ms: threads that wait for each other lose whole scheduler time
slices (see ``benchmarks/README.md``).

The chunked algorithm (``method="chunked"``) splits time into chunks of ``c`` steps. Inside a
chunk the output is one product with the lower block-Toeplitz matrix of ``K_0 … K_{c-1}``;
a second product gives each chunk's end state, a
third the contribution of the state carried into the chunk (through ``C A^{j+1}``), and a Python
loop of ``T / c`` iterations carries the state from chunk to chunk. The first and third products
are one product over a scratch buffer that holds inputs and states side by side and is reused
from call to call (fresh multi-megabyte temporaries would be paged in by the kernel on every
call).

Accuracy of ``method="auto"``. A chunk's end state is a sum of ``c`` terms; its rounding error,
up to ``ε Σ|terms|``, is carried over ``~1 / (1 - |λ^c|)`` chunks, and for a constant (or
``c``-periodic) input it is the same error in every chunk, so it adds up instead of averaging
out. Hence:

* Diagonal ``A``: powers are computed in extended precision (``np.longdouble``) and rounded
  once. Modes with long memory, ``|λ^c| > 0.9``, get their chunk-end sums, step ``λ^c`` and
  carry in extended precision (the other modes in float64); the extra cost is about
  ``N T d`` extended-precision multiply-adds per such mode (none on the S1 benchmark shape).
* Dense ``A`` is never diagonalized: its powers come from float64 products (squaring and Krylov
  doubling). ``method="auto"`` runs the per-step loop instead when either of two cheap tests on
  those powers fails: growth inside a chunk, ``‖A^(2^k)‖_∞ ≤ 10 max(1, ‖A‖_∞)`` for
  ``2^k ≤ c``, and amplification across chunks, ``Σ_{j=1}^{n-1} ‖A^(j c)‖_∞ ≤ 1`` for ``n``
  chunks (bounded from a few squarings of ``A^c``). :func:`kernel` applies the same tests.

Measured (shared 2-core x86-64 machine, numpy 2.4, OpenBLAS; largest relative error per output
sequence against the per-step loop in ``np.longdouble``, ``method="reference"``; "before" is
the chunked method with float64 chunk sums for every mode and no fallback for dense ``A``,
which ``method="chunked"`` still computes for dense ``A``):

* ``λ = -(1 - 1e-5)``, constant input, ``T = 65536``: auto 5.6e-16, float64 loop 1.3e-14,
  before 3.9e-12.
* ``|λ| = 1 - g`` for ``g`` from 1e-6 to 1e-1, phases 0, 1/4, 1/2 and 0.013, constant, random
  and 4-periodic inputs, ``T = 65536``: auto at most 9.5e-15, the loop up to 8.2e-13.
* four complex modes with ``|λ| = 1 - 1e-5``, random input, ``T = 65536``: auto 5.7e-16, loop
  1.5e-14.
* dense 8×8 with eigenvectors ``Q + 2I`` (``Q`` random orthogonal), one eigenvalue
  ``1 - 1e-5``, ``T = 8192``: auto (the loop) 5.9e-15, chunked 1.4e-13.
* dense 8×8 ``Q (0.95 I + 0.6 N) Qᵀ`` (``N`` the shift matrix), ``T = 1024``: auto (the loop)
  2.2e-9, chunked 3.8e-3.

On platforms where ``np.longdouble`` is plain float64 the extended-precision steps lose their
benefit, not their correctness.

Dtype rules (one conversion, in the validation choke point). Float16, float32 and float64
entries become float64 and complex64 and complex128 entries complex128, exactly; integer entries
become float64 (exactly up to ``2^53``); ``np.longdouble`` / ``np.clongdouble`` entries are
rounded to float64 / complex128 (values beyond the float64 range are refused). Boolean, object
and string arrays are refused, and so are NaN and infinite entries. The result is float64 when
``A``, ``B``, ``C``, ``D`` and ``x`` are all real and complex128 otherwise (never float32).
``method="reference"`` instead converts every entry to ``np.longdouble`` / ``np.clongdouble``
(long-double input is kept exactly) and returns that precision. A real ``x`` meets complex
parameters through real views, never through a complex copy of ``x``.
"""

from __future__ import annotations

import itertools
import math
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from theory.linear import UnstableModelError
from theory.numbers import InvalidParameterError

__all__ = [
    "METHODS",
    "choose_chunk",
    "kernel",
    "linear_scan",
    "max_relative_error",
    "scan_blocks",
    "scan_stack",
    "scan_stream",
]

#: Accepted values of the ``method`` argument of :func:`linear_scan`.
#: ``"reference"`` is the sequential loop carried in ``np.longdouble``; it returns an
#: extended-precision array and serves as the accuracy reference of tests and benchmarks.
METHODS = ("auto", "chunked", "sequential", "reference")

_NORM_CERTIFY_SQUARINGS = 12  # ‖A^(2^k)‖_∞ < 1 for some k ≤ 12 certifies ρ(A) < 1
_SLOW_STEP = 0.9  # |λ^c| above this: the mode's chunk sums and carry run in extended precision
_GROWTH_LIMIT = 10.0  # dense auto: ‖A^(2^k)‖_∞ / max(1, ‖A‖_∞) above this, 2^k ≤ c → loop
_CARRY_LIMIT = 1.0  # dense auto: Σ_j ‖A^(j c)‖_∞ over the chunks above this → per-step loop
_SLOW_BATCH_BYTES = 16 * 2**20  # extended-precision inputs of slow modes, per batch of modes
_WORKSPACE_BYTES = 64 * 2**20  # scratch buffers up to this size are kept for reuse (per thread)
_LOOP_STATE_BYTES = 4 * 2**20  # the per-step loop keeps states of at most this size per sub-block
_LOOP_GROUP_BYTES = 2**19  # loop: groups in blocks whose states over the horizon fit here (cache)
_LOOP_MIN_STEP_BYTES = 2**15  # ... but with at least this many bytes of states per step
_SMALL_PRODUCT = 2**22  # multiply-adds: blocks whose products are all below run on one BLAS thread
_UNBOUNDED_CHUNKS = 2**62  # a stream's number of chunks in the dense carry test: no end known
# cost model of method="auto" (nanoseconds; see _loop_is_cheaper)
_STEP_NS = 2500.0
_ELEMENT_NS = 3.5
_MAC_NS = 0.3
_SETUP_NS = 30.0
_CALL_NS = 1600.0
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
    zero_A: bool  # every A is 0 (found by the stability check, which bounds |A|)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """``(G, m, d, p)``."""
        G, m, d = self.B.shape
        return G, m, d, self.C.shape[1]

    @property
    def dense_ladder(self) -> _Ladder:
        """``ladder`` of a dense ``A``: set by :func:`_validate_model` for every dense model with
        ``G ≥ 1``, the only models that reach the dense paths (``G = 0`` returns early)."""
        return cast(_Ladder, self.ladder)

    def result_dtype(self, *others: np.ndarray) -> np.dtype:
        """dtype of an output: complex if any parameter or ``others`` is complex."""
        parts = [self.A, self.B, self.C, *others] + ([] if self.D is None else [self.D])
        return np.result_type(*parts)


@dataclass(frozen=True)
class _Problem:
    """A validated call: the model, the input arranged as ``(G, N, T, d)``, ``T`` and options.

    For a time-blocked scan ``x`` holds the first block only and ``source`` the whole input, whose
    later blocks are converted and arranged one by one (:func:`_input_blocks`). For a stream
    (:func:`scan_stream`) ``x`` is the first block, ``T`` its length and ``stream`` is set: the
    number of steps is not known in advance.
    """

    model: _Model
    x: np.ndarray | None  # (G, N, T or block, d); None for a kernel
    batch: tuple[int, ...]  # batch shape of the result
    perm: list[int]  # axis permutation undone by _restore
    T: int
    chunk: int | None
    block: int | None = None
    source: np.ndarray | None = None
    stream: bool = False

    @property
    def scan_x(self) -> np.ndarray:
        """``x`` of a scan: :func:`_validate` leaves it ``None`` for a kernel only."""
        return cast(np.ndarray, self.x)


class _Ladder:
    """``A, A², A⁴, …`` of a batch of dense matrices ``(G, m, m)``, squared on demand."""

    def __init__(self, A: np.ndarray) -> None:
        self._powers = [A]
        self._norms: dict[int, np.ndarray] = {}

    def __getitem__(self, k: int) -> np.ndarray:
        while len(self._powers) <= k:
            last = self._powers[-1]
            self._powers.append(last @ last)
        return self._powers[k]

    def norm(self, k: int) -> np.ndarray:
        """``‖A^(2^k)‖_∞`` per matrix, shape ``(G,)`` (computed once)."""
        if k not in self._norms:
            self._norms[k] = _inf_norms(self[k])
        return self._norms[k]

    def power(self, n: int) -> np.ndarray:
        """``A^n`` for ``n ≥ 1`` from the binary expansion of ``n``."""
        first, *later = [k for k in range(n.bit_length()) if n >> k & 1]
        result = self[first]
        for k in later:
            result = result @ self[k]
        return result


def _numeric(value: object, name: str, extended: bool) -> np.ndarray:
    """``value`` in the working dtype: float64/complex128, or long double if ``extended``.

    The dtype rules of the module docstring: float16/32 are converted exactly, long double is
    rounded to float64 unless ``extended``. Non-numeric (object, bool, string) entries and
    entries that are NaN, infinite or overflow the working dtype are refused.
    """
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise InvalidParameterError(f"{name}: entries must be numbers, got dtype {arr.dtype}")
    dtype: type[np.inexact[Any]]
    if np.iscomplexobj(arr):
        dtype = np.clongdouble if extended else np.complex128
    else:
        dtype = np.longdouble if extended else np.float64
    with np.errstate(over="ignore", invalid="ignore"):
        arr = arr.astype(dtype, copy=False)
        # one summation pass; only a non-finite sum (NaN/inf entry, or overflow) needs the test
        if arr.size and not np.isfinite(arr.sum()) and not np.all(np.isfinite(arr)):
            raise InvalidParameterError(
                f"{name}: entries must be finite in {np.dtype(dtype).name} (no NaN, inf or "
                f"overflow)"
            )
    return arr


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidParameterError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


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


def _check_diagonal_stable(lam: np.ndarray) -> bool:
    """``|λ| < 1`` for every eigenvalue; returns whether all of them are 0."""
    moduli = np.abs(lam)
    top = moduli.max() if moduli.size else 0.0
    if top >= 1:
        where = np.unravel_index(int(np.argmax(moduli)), lam.shape)
        raise UnstableModelError(
            f"A: eigenvalue {lam[where]} at index {tuple(int(i) for i in where)} has modulus "
            f"{moduli[where]!r} >= 1; the recurrence requires |λ| < 1"
        )
    return bool(top == 0)


def _check_dense_stable(ladder: _Ladder) -> bool:
    """Spectral radius < 1 for each ``A[g]``: certified by a norm of a power, else by eigvals.
    Returns whether every ``A[g]`` is 0 (its ∞-norm is)."""
    zero = not np.any(ladder.norm(0))
    open_ = np.ones(ladder[0].shape[0], dtype=bool)
    for k in range(_NORM_CERTIFY_SQUARINGS + 1):
        norms = ladder.norm(k)  # induced ∞-norm ≥ ρ(A)^(2^k)
        open_ &= ~(norms < 1)
        if not open_.any() or not np.all(np.isfinite(norms[open_]) & (norms[open_] < 1e150)):
            break
    if not open_.any():
        return zero
    index = np.flatnonzero(open_)
    rho = np.abs(np.linalg.eigvals(ladder[0][index])).max(axis=-1)
    if np.any(rho >= 1):
        g = int(index[np.argmax(rho)])
        raise UnstableModelError(
            f"A: dense transition matrix {g} (flattened batch index) has spectral radius "
            f"{rho.max()!r} >= 1; the recurrence requires ρ(A) < 1"
        )
    return zero


def _validate_model(
    A: object, B: object, C: object, D: object | None, diagonal: bool | None, extended: bool
) -> _Model:
    """Shapes, finiteness and stability of ``(A, B, C, D)``; flatten their batch axes."""
    A, B, C = (_numeric(v, n, extended) for v, n in ((A, "A"), (B, "B"), (C, "C")))
    D = None if D is None else _numeric(D, "D", extended)
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
    for _, arr, core in named:
        full = np.broadcast_to(arr, batch + arr.shape[arr.ndim - core:])
        flat.append(full.reshape((G,) + full.shape[len(batch):]))  # broadcasting: a view
    A, B, C = flat[:3]
    D = flat[3] if D is not None else None
    ladder, zero_A = None, True
    if diagonal:
        zero_A = _check_diagonal_stable(A)
    elif G:  # float64 also for the long-double reference, which uses it only for this test
        ladder = _Ladder(A.astype(np.complex128 if np.iscomplexobj(A) else np.float64))
        zero_A = _check_dense_stable(ladder)
    return _Model(A, B, C, D, diagonal, tuple(batch), ladder, zero_A)


def _validate_input(
    model: _Model, x: object, extended: bool, steps: slice = slice(None), name: str = "x"
) -> tuple[np.ndarray, tuple[int, ...], list[int]]:
    """Check ``x[..., steps, :]`` and arrange it as ``(G, N, T, d)``: groups × shared samples.

    Only the selected time steps are converted (a time block of a long, possibly memory-mapped
    input is converted and arranged on its own). Error messages start with ``name`` (a block of
    a stream is named by its index).

    Returns the arranged input, the broadcast batch shape and the axis permutation that puts the
    parameter (group) axes first; :func:`_restore` undoes the arrangement.
    """
    arr = np.asarray(x)
    x = _numeric(arr if arr.ndim < 2 else arr[..., steps, :], name, extended)
    d = model.B.shape[2]
    if x.ndim < 2 or x.shape[-1] != d:
        raise InvalidParameterError(
            f"{name}: expected shape (..., T, d) with d = {d}, got {x.shape}"
        )
    if x.shape[-2] < 1:
        raise InvalidParameterError(
            f"{name}: expected at least one time step (T ≥ 1) on axis -2, got shape {x.shape}"
        )
    try:
        batch = np.broadcast_shapes(model.batch, x.shape[:-2])
    except ValueError:
        raise InvalidParameterError(
            f"{name}: batch axes {x.shape[:-2]} do not broadcast against the parameter batch "
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


def _validate(
    A: object,
    B: object,
    C: object,
    D: object | None,
    diagonal: object,
    *,
    x: object | None = None,
    T: object = None,
    method: object = "auto",
    chunk: object = None,
    block: object = None,
) -> _Problem:
    """The validation choke point of :func:`linear_scan`, :func:`scan_blocks` and :func:`kernel`.

    Options first (``method``, ``chunk``, ``block``, ``diagonal``, and ``T`` for a kernel), then
    the parameters (shapes, finiteness, stability), then the input ``x`` of a scan (its first
    time block only when ``block`` is given). Every refusal is an
    :class:`~theory.numbers.InvalidParameterError` whose message starts with the name of the
    offending parameter (:class:`~theory.linear.UnstableModelError` for ``ρ(A) ≥ 1``).
    :func:`scan_stream` passes its options and parameters through :func:`_validate_stream`,
    which shares these rules, and each of its blocks through :func:`_stream_inputs`.
    """
    chunk, block, diagonal = _options(method, chunk, block, diagonal)
    horizon = _positive_int(T, "T") if x is None else None  # set exactly for a kernel
    extended = method == "reference"
    model = _validate_model(A, B, C, D, diagonal, extended)
    if horizon is not None:
        return _Problem(model, None, model.batch, list(range(len(model.batch))), horizon, chunk)
    if block is None:
        x4, batch, perm = _validate_input(model, x, extended)
        return _Problem(model, x4, batch, perm, x4.shape[2], chunk)
    source = np.asarray(x)
    x4, batch, perm = _validate_input(model, source, extended, slice(0, block))
    return _Problem(model, x4, batch, perm, source.shape[-2], chunk, block, source)


def _options(
    method: object, chunk: object, block: object, diagonal: object
) -> tuple[int | None, int | None, bool | None]:
    """``method``, ``chunk``, ``block`` and ``diagonal`` checked; the last three normalized."""
    if not isinstance(method, str) or method not in METHODS:
        raise InvalidParameterError(f"method: expected one of {METHODS}, got {method!r}")
    chunk = None if chunk is None else _positive_int(chunk, "chunk")
    block = None if block is None else _positive_int(block, "block")
    if diagonal is not None and not isinstance(diagonal, (bool, np.bool_)):
        raise InvalidParameterError(f"diagonal: expected None, True or False, got {diagonal!r}")
    return chunk, block, None if diagonal is None else bool(diagonal)


def _validate_stream(
    A: object, B: object, C: object, D: object | None, diagonal: object, blocks: object,
    method: object, chunk: object,
) -> tuple[_Model, int | None, Iterator[object]]:
    """The options, parameters and ``blocks`` of :func:`scan_stream`, as :func:`_validate`.

    ``blocks`` must be an iterable other than an array or a string (an array would be iterated
    over its first axis, which is not time); its blocks are checked as they arrive
    (:func:`_stream_inputs`). Returns the model, the chunk length and the block iterator.
    """
    chunk, _, diagonal = _options(method, chunk, None, diagonal)
    model = _validate_model(A, B, C, D, diagonal, method == "reference")
    if isinstance(blocks, (np.ndarray, str, bytes)):
        raise InvalidParameterError(
            f"blocks: expected an iterable of input blocks (..., K, d), got a "
            f"{type(blocks).__name__}; pass a whole array to linear_scan or scan_blocks"
        )
    try:
        return model, chunk, iter(blocks)  # type: ignore[call-overload]
    except TypeError:
        raise InvalidParameterError(
            f"blocks: expected an iterable of input blocks (..., K, d), got {blocks!r}"
        ) from None


def _stream_inputs(
    model: _Model, blocks: Iterator[object], extended: bool
) -> Iterator[tuple[np.ndarray, tuple[int, ...], list[int]]]:
    """Each block of a stream checked as it arrives and arranged as by :func:`_validate_input`.

    A block is refused (naming ``blocks[i]``) when :func:`_validate_input` refuses it, when its
    shape differs from the first block's on an axis other than time (axis ``-2``), or when it
    is complex after a real first block or real after a complex one (the carried state keeps the
    first block's kind). A stream without a block is refused when it ends.
    """
    first: tuple[tuple[int, ...], bool] | None = None
    for i, block in enumerate(blocks):
        name = f"blocks[{i}]"
        arr = np.asarray(block)
        x4, batch, perm = _validate_input(model, arr, extended, name=name)
        layout = (arr.shape[:-2] + arr.shape[-1:], np.iscomplexobj(x4))
        if first is None:
            first = layout
        elif layout[0] != first[0]:
            want = ", ".join([*map(str, first[0][:-1]), "K", str(first[0][-1])])
            raise InvalidParameterError(
                f"{name}: expected the shape ({want}) of blocks[0] (any K ≥ 1), got {arr.shape}"
            )
        elif layout[1] != first[1]:
            now, then = ("real", "complex") if first[1] else ("complex", "real")
            raise InvalidParameterError(
                f"{name}: {now} entries after {then} blocks[0]; every block of a "
                f"stream must be real, or every block complex"
            )
        yield x4, batch, perm
    if first is None:
        raise InvalidParameterError("blocks: the stream ended without a block (T ≥ 1 required)")


def _restore(y: np.ndarray, batch: tuple[int, ...], perm: list[int]) -> np.ndarray:
    k = len(batch)
    y = y.reshape(tuple(batch[i] for i in perm) + y.shape[-2:])
    if perm != list(range(k)):
        y = y.transpose([*np.argsort(perm).tolist(), k, k + 1])
    return y


def _check_layers(layers: object, activation: object) -> None:
    """The arguments of :func:`scan_stack` (each layer is validated by :func:`_validate`)."""
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
        raise InvalidParameterError("layers: expected a non-empty sequence of (A, B, C[, D])")
    if activation is not None and not callable(activation):
        raise InvalidParameterError(f"activation: expected a callable, got {activation!r}")
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (3, 4):
            raise InvalidParameterError(
                f"layers[{i}]: expected a tuple (A, B, C) or (A, B, C, D), got {type(layer)}"
            )


def _check_comparable(y: object, reference: object) -> tuple[np.ndarray, np.ndarray]:
    """The arguments of :func:`max_relative_error`: equal shapes ``(..., T, p)``."""
    y, reference = np.asarray(y), np.asarray(reference)
    if y.shape != reference.shape or y.ndim < 2:
        raise InvalidParameterError(
            f"y: expected the reference's shape {reference.shape} (..., T, p), got {y.shape}"
        )
    return y, reference


# ----------------------------------------------------------------------------------------------
# powers and chunk matrices
# ----------------------------------------------------------------------------------------------


def _extended(dtype: np.dtype) -> type[np.inexact[Any]]:
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
        ladder = model.dense_ladder
        V = _krylov(ladder, B, c, left=False)  # A^s B, (G, c, m, d)
        U = _krylov(ladder, C, c, left=True)  # C A^s, (G, c, p, m)
        Ac = ladder.power(c)
        U = np.concatenate([U, (C @ Ac)[:, None]], axis=1)
        K = U[:, :c] @ B[:, None]
        to_state = V[:, ::-1].transpose(0, 1, 3, 2)
        from_state = U[:, 1:].transpose(0, 3, 1, 2)
        step = Ac
    if model.D is not None:
        K = K.astype(np.result_type(K, model.D))  # a copy
        K[:, 0] += model.D
    return _ChunkMatrices(
        _toeplitz(K),
        np.ascontiguousarray(to_state).reshape(G, c * d, m),
        np.ascontiguousarray(from_state).reshape(G, m, c * p),
        step,
    )


# ----------------------------------------------------------------------------------------------
# when a dense A may be chunked
# ----------------------------------------------------------------------------------------------


def _inf_norms(P: np.ndarray) -> np.ndarray:
    """Induced ∞-norms ``max_i Σ_j |P_ij|`` of a batch of matrices ``(G, m, m)``."""
    return np.abs(P).sum(axis=-1).max(axis=-1)


def _carry_bound(step: np.ndarray, n: int) -> np.ndarray:
    """An upper bound of ``Σ_{j=1}^{n} ‖S^j‖_∞`` for each matrix ``S`` of ``step (G, m, m)``.

    The terms with ``2^i ≤ j < 2^(i+1)`` are at most ``‖S^(2^i)‖ M_i`` with
    ``M_i = Π_{i'<i} max(1, ‖S^(2^i')‖) ≥ max_{l < 2^i} ‖S^l‖`` (submultiplicativity). Once
    ``r = ‖S^(2^i)‖ ≤ 1/2``, all later terms add at most ``4 r² 2^i M_i``. One squaring per
    doubling of ``j``; the squaring stops when every bound has settled or exceeds
    ``_CARRY_LIMIT`` (NaN, from an overflowing power, counts as exceeding).
    """
    bound, grow = np.zeros(step.shape[0]), np.ones(step.shape[0])
    live = np.ones(step.shape[0], dtype=bool)
    power, j = step, 1
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            r = _inf_norms(power).astype(np.float64)
            settled = r <= 0.5
            term = min(j, n - j + 1) * r * grow + np.where(settled, 4 * j * r * r * grow, 0)
            bound = np.where(live, bound + term, bound)
            grow = grow * np.maximum(1, r)
            live &= ~settled & (bound <= _CARRY_LIMIT)
            j *= 2
            if j > n or not live.any():
                return bound
            power = power @ power


def _dense_chunks_accurate(model: _Model, c: int, n_chunks: int) -> bool:
    """Whether chunks of ``c`` steps keep a dense scan (or kernel) as accurate as the loop.

    The chunked path multiplies powers of ``A`` computed by squaring, where the per-step loop
    applies ``A`` itself; two cheap tests on powers that the chunked path computes anyway (plus
    a few squarings of ``A^c`` when its powers decay slowly) bound what that costs:

    * growth inside a chunk: ``‖A^(2^k)‖_∞ ≤ _GROWTH_LIMIT · max(1, ‖A‖_∞)`` for
      ``2^k ≤ c`` (the powers of a strongly non-normal ``A`` grow far above ``ρ(A)^(2^k)``
      before they decay, and the products of such powers lose digits to cancellation);
    * carry amplification: ``Σ_{j=1}^{n-1} ‖A^(j c)‖_∞ ≤ _CARRY_LIMIT`` for ``n`` chunks (the
      rounding error of ``A^c`` and of each chunk's end state is carried, and re-added, over
      that many chunks; long memory or transient growth of ``A^c`` make it large).
    """
    ladder = model.dense_ladder
    growth = [ladder.norm(k) for k in range(1, c.bit_length())]  # 2^k ≤ c
    if growth and not np.all(np.stack(growth) <= _GROWTH_LIMIT * np.maximum(1, ladder.norm(0))):
        return False
    if n_chunks < 2:
        return True
    return bool(np.all(_carry_bound(ladder.power(c), n_chunks - 1) <= _CARRY_LIMIT))


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
        real = M.real.dtype
        np.matmul(X, np.ascontiguousarray(M).view(real), out=out.view(real))
    else:
        np.matmul(X, M.astype(out.dtype, copy=False), out=out)


def _is_identity(M: np.ndarray) -> bool:
    """Whether every matrix of ``M (G, r, c)`` is the identity (a state read out as it is)."""
    return M.shape[1] == M.shape[2] and bool(np.array_equal(M, np.broadcast_to(
        np.eye(M.shape[1], dtype=M.dtype), M.shape)))


def _map_into(X: np.ndarray, M: np.ndarray | None, out: np.ndarray) -> None:
    """``out[...] = X @ M`` as :func:`_matmul_into`; ``M = None`` stands for the identity."""
    if M is None:
        _copy_into(X, out)
    else:
        _matmul_into(X, M, out)


def _copy_into(X: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = X``, byte for byte. When both have one dtype and are contiguous along the
    last axis, each row of that axis is copied as one block of bytes (a ``void`` view): the
    loop's time-major states go into the output as a transposition of short rows, which numpy
    copies about twice as fast that way (element by element it loops over a few entries at a
    time)."""
    if (X.dtype == out.dtype and X.ndim and X.shape[-1] > 1
            and X.strides[-1] == out.strides[-1] == X.itemsize):
        row = np.dtype((np.void, X.itemsize * X.shape[-1]))
        np.copyto(out.view(row), X.view(row))
    else:
        out[...] = X


def _transition(A: np.ndarray, dtype: np.dtype, diagonal: bool) -> np.ndarray:
    """``A`` (or a chunk step) in ``dtype``, shaped for :func:`_advance` on ``(G, N, m)`` states."""
    factor = A.astype(dtype)
    return factor[:, None, :] if diagonal else factor.transpose(0, 2, 1)


def _advance(h: np.ndarray, factor: np.ndarray, diagonal: bool, out: np.ndarray) -> np.ndarray:
    """``out = A h`` for states ``h (G, N, m)`` and ``factor`` from :func:`_transition`."""
    if diagonal:
        return np.multiply(h, factor, out=out)
    return np.matmul(h, factor, out=out)


def _carry(E: np.ndarray, step: np.ndarray, diagonal: bool) -> None:
    """Turn chunk-end states into carried states in place, in float64: ``E[k] += S E[k-1]``.

    ``E`` has shape ``(G, N, nch, m)`` (a strided view); ``E[:, :, 0]`` is the state carried into
    the first chunk (zero, or the state handed over from the previous time block) and
    ``E[:, :, k]`` holds the state at the end of chunk ``k - 1`` reached from a zero state. On
    return it holds the true state there, the state carried into chunk ``k``.
    """
    factor = _transition(step, E.dtype, diagonal)
    tmp = np.empty(E.shape[:2] + E.shape[3:], dtype=E.dtype)
    for k in range(1, E.shape[2]):
        E[:, :, k] += _advance(E[:, :, k - 1], factor, diagonal, tmp)


def _extended_sum(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``Σ_{i,a} X[s, n, k, i, a] W[s, i, a]`` in extended precision, shape ``(s, n, k)``.

    A complex ``W`` meets a real ``X`` as two real sums (half the work of a complex one).
    """
    X = X.astype(_extended(X.dtype))
    if np.iscomplexobj(W) and not np.iscomplexobj(X):
        out = np.empty(X.shape[:3], dtype=np.clongdouble)
        out.real = np.einsum("snkia,sia->snk", X, W.real)
        out.imag = np.einsum("snkia,sia->snk", X, W.imag)
        return out
    return np.einsum("snkia,sia->snk", X, W)


def _recarry_slow_modes(
    E: np.ndarray, inputs: np.ndarray, model: _Model, step: np.ndarray, c: int,
    end: np.ndarray | None,
) -> None:
    """Recompute in extended precision the carried states of the modes with long memory.

    Diagonal modes whose step ``λ^c`` has modulus above ``_SLOW_STEP`` carry each chunk's
    rounding error over ``~1 / (1 - |λ^c|)`` chunks. For them both the chunk-end states
    ``Σ_i λ^(c-1-i) B x_i`` (from the inputs ``(G, N, nch, c, d)``, powers and sums in extended
    precision) and the carry (from the state ``E[:, :, 0]`` carried into the first chunk) are
    redone in extended precision and written into ``E (G, N, nch, m)``, and into ``end
    (G, N, m)``, the state after the last chunk, when it is given. The float64 sum would be off by
    up to ``ε Σ_i |λ^i B x_i|``, an error that is the same in every chunk for a constant (or
    ``c``-periodic) input and therefore adds up over the chunks: ``λ = -(1 - 1e-5)`` with a
    constant input lost 3.9e-12 that way.
    """
    groups, modes = np.nonzero(np.abs(step) > _SLOW_STEP)
    if not groups.size:
        return
    G, N, nch, _ = E.shape
    d = inputs.shape[-1]
    summed = nch if end is not None else nch - 1  # chunks whose end state is needed
    lam = model.A[groups, modes].astype(_extended(model.A.dtype))
    powers = _cumulative_powers(lam[:, None], c)[:, ::-1, 0]  # λ^(c-1-i), (S, c)
    weights = powers[:, :, None] * model.B[groups, modes].astype(lam.dtype)[:, None, :]
    states = np.zeros((groups.size, N, summed + 1),
                      dtype=np.result_type(weights, _extended(inputs.dtype), E.dtype))
    states[:, :, 0] = E[groups, :, 0, modes]
    per_mode = N * max(summed, 1) * c * d * np.dtype(_extended(inputs.dtype)).itemsize
    batch = max(1, _SLOW_BATCH_BYTES // per_mode)
    for lo in range(0, groups.size, batch):
        part = slice(lo, lo + batch)
        states[part, :, 1:] = _extended_sum(inputs[groups[part], :, :summed], weights[part])
    mu = step[groups, modes][:, None]
    for k in range(1, summed + 1):
        states[:, :, k] += mu * states[:, :, k - 1]
    E[groups, :, :, modes] = states[:, :, :nch]
    if end is not None:
        end[groups, :, modes] = states[:, :, nch]


def _chunked(
    model: _Model, x: np.ndarray, c: int, mats: _ChunkMatrices,
    h0: np.ndarray | None = None, want_end: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Chunked scan of ``x (G, N, T, d)`` → ``(G, N, T, p)``, from the state ``h0 (G, N, m)``.

    One scratch buffer has a row ``[input of chunk k | state carried into chunk k]`` per
    sequence and chunk. The chunk-end states are one product whose output is the state part of
    the next row (a view shifted by one row; the first chunk of each sequence is then reset to
    ``h0``, or a zero state), the carry runs in place, and the output is one product of the whole
    buffer with ``[[Toeplitz], [C A^(j+1)]]``, written straight into the result: no
    concatenation, transposition or copy of large arrays. A real input meets complex parameters
    through real views (the state as interleaved real and imaginary parts).

    With ``want_end`` (which needs ``T`` to be a multiple of ``c``) the state after the last
    step is returned as well (else ``None``), for the next time block.
    """
    G, N, T, d = x.shape
    m, p = model.shape[1], model.shape[3]
    nch, full = -(-T // c), T // c
    cd = c * d
    stateful = nch > 1 or h0 is not None or want_end
    real_views = stateful and not np.iscomplexobj(x) and (
        np.iscomplexobj(mats.to_state) or np.iscomplexobj(mats.step)
        or (h0 is not None and np.iscomplexobj(h0))
    )
    W = cd + (0 if not stateful else 2 * m if real_views else m)
    buf = _workspace((G, N * nch, W), x.dtype)
    table = buf.reshape(G, N, nch, W)
    inputs = table[..., :cd].reshape(G, N, nch, c, d)
    inputs[:, :, :full] = x[:, :, : full * c].reshape(G, N, full, c, d)
    if full < nch:
        inputs[:, :, full, : T - full * c] = x[:, :, full * c :]
        inputs[:, :, full, T - full * c :] = 0
    M, end = mats.toeplitz, None
    if stateful:
        states = buf[..., cd:].view(np.complex128) if real_views else buf[..., cd:]
        to_state = mats.to_state.astype(states.dtype, copy=False)
        _matmul_into(buf[:, :-1, :cd], to_state, states[:, 1:])
        E = states.reshape(G, N, nch, m)
        E[:, :, 0] = 0 if h0 is None else h0  # overwrites the end state of the previous sequence
        _carry(E, mats.step, model.diagonal)
        if want_end:
            end = np.empty((G, N, m), dtype=E.dtype)
            _matmul_into(table[:, :, -1, :cd], to_state, end)
            end += _advance(E[:, :, -1], _transition(mats.step, E.dtype, model.diagonal),
                            model.diagonal, np.empty_like(end))
        if model.diagonal:
            _recarry_slow_modes(E, inputs, model, mats.step, c, end)
        from_state = mats.from_state
        if real_views:  # rows for Re h and Im h of each mode, interleaved like the state
            from_state = np.stack([from_state, 1j * from_state], axis=2).reshape(G, 2 * m, -1)
        M = np.concatenate([M, from_state], axis=1)  # (G, W, c p)
    y = np.empty((G, N * nch, c * p), dtype=np.result_type(x, M))
    _matmul_into(buf, M, y)
    return y.reshape(G, N, nch * c, p)[:, :, :T], end


def _loop_span(step_bytes: int, T: int) -> int:
    """Time steps per sub-block of the loop: states of at most ``_LOOP_STATE_BYTES``."""
    return max(1, min(T, _LOOP_STATE_BYTES // step_bytes))


def _loop_groups(G: int, step_bytes: int, T: int) -> int:
    """Groups per block of the loop, for groups whose states take ``step_bytes`` per step.

    All ``G`` when their states over the ``T`` steps fit in ``_LOOP_GROUP_BYTES``, or when not
    even one group's do (then time runs in sub-blocks of all groups, :func:`_loop_span`); else
    as many as fit there, but at least enough for ``_LOOP_MIN_STEP_BYTES`` of states per step
    (a step's Python cost must stay small against its arithmetic). Many small models with
    short sequences (the BYJL25 deep batch: 10000 models, ``m = 4``, ``T = 48``) thus run block
    by block with each group's ``B x_t`` over the whole horizon in one product, instead of all
    groups in short time sub-blocks with one small product per group and sub-block; a single
    long sequence (``G = 1``) is one block.
    """
    fit = _LOOP_GROUP_BYTES // (step_bytes * T)
    if G <= fit or not fit:
        return G
    return min(G, max(fit, -(-_LOOP_MIN_STEP_BYTES // step_bytes)))


def _loop_block(
    factor: np.ndarray, Bt: np.ndarray | None, Ct: np.ndarray | None, Dt: np.ndarray | None,
    x: np.ndarray, y: np.ndarray, h: np.ndarray | None, span: int, diagonal: bool,
) -> np.ndarray:
    """The loop of :func:`_sequential` on one block of groups; returns the last state.

    ``x (g, N, T, d)`` and ``y (g, N, T, p)`` are the block's input and output, ``factor``,
    ``Bt``, ``Ct``, ``Dt`` its slices of the transition and of the transposed maps (``None``
    for an identity map or no ``D``), ``h (g, N, m)`` its initial state (``None``: zero).
    """
    g, N, T, _ = x.shape
    m = factor.shape[-1]
    scratch = _workspace(((span + 1) * g * N * m,), y.dtype)
    H = scratch[: span * g * N * m].reshape(span, g, N, m)  # time-major states
    tmp = scratch[span * g * N * m :].reshape(g, N, m)
    state = h
    for t0 in range(0, T, span):
        n = min(span, T - t0)
        Hs, xs, ys = H[:n], x[:, :, t0 : t0 + n], y[:, :, t0 : t0 + n]
        _map_into(xs, Bt, Hs.transpose(1, 2, 0, 3))
        if state is not None:
            Hs[0] += _advance(state, factor, diagonal, tmp)
        for t in range(1, n):
            Hs[t] += _advance(Hs[t - 1], factor, diagonal, tmp)
        state = Hs[n - 1].copy()
        _map_into(Hs.transpose(1, 2, 0, 3), Ct, ys)
        if Dt is not None:
            ys += xs @ Dt
    assert state is not None  # T >= 1
    return state


def _sequential(
    model: _Model, x: np.ndarray, extended: bool, h0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-step loop on ``x (G, N, T, d)`` from the state ``h0 (G, N, m)`` (default zero).

    Returns the output ``(G, N, T, p)`` and the last state. The groups run in blocks
    (:func:`_loop_groups`) and, within a block, time runs in sub-blocks whose states take at
    most ``_LOOP_STATE_BYTES`` of the reused scratch buffer, stored time-major so that each
    step is one multiply-add on contiguous ``(g, N, m)`` states: per sub-block one product for
    ``B x_t``, the recurrence in place, and products for ``C h_t`` and ``D x_t`` written into
    the output (:func:`_loop_block`). Memory beyond the output is thus bounded independently of
    ``T`` and ``G``. ``extended`` carries the loop in ``np.longdouble`` (the ``"reference"``
    method).
    """
    G, N, T, d = x.shape
    m, p = model.shape[1], model.shape[3]
    dtype = model.result_dtype(x)
    if extended:
        dtype = np.dtype(_extended(dtype))
        x = x.astype(_extended(x.dtype), copy=False)
    factor = _transition(model.A, dtype, model.diagonal)
    Bt, Ct = (None if _is_identity(v) else v.transpose(0, 2, 1)[:, None].astype(dtype, copy=False)
              for v in (model.B, model.C))
    Dt = None if model.D is None else model.D.transpose(0, 2, 1)[:, None]
    y = np.empty((G, N, T, p), dtype=dtype)
    h = None if h0 is None else h0.astype(dtype)
    gb = _loop_groups(G, N * m * dtype.itemsize, T)
    span = _loop_span(gb * N * m * dtype.itemsize, T)
    last = np.empty((G, N, m), dtype=dtype)
    for g0 in range(0, G, gb):
        g = slice(g0, g0 + gb)
        Bg, Cg, Dg, hg = (None if v is None else v[g] for v in (Bt, Ct, Dt, h))
        last[g] = _loop_block(factor[g], Bg, Cg, Dg, x[g], y[g], hg, span, model.diagonal)
    return y, last


def _memoryless(model: _Model, x: np.ndarray) -> np.ndarray:
    """``A = 0``: every step is ``y_t = (C B + D) x_t`` (one product, no recurrence)."""
    K0 = model.C @ model.B
    if model.D is not None:
        K0 = K0 + model.D
    return x @ K0.transpose(0, 2, 1)[:, None]


def _blocked_kernel(model: _Model, c: int, T: int) -> np.ndarray:
    """``C A^s B`` for ``s < T`` of a dense ``A`` as ``(G, T, p, d)``, without ``D``.

    ``C A^s`` for ``s < c`` by doubling, times ``A^(j c) B`` by repeated float64 products.
    """
    G, m, d, p = model.shape
    nblocks = -(-T // c)
    U = _krylov(model.dense_ladder, model.C, c, left=True)  # C A^s, s < c
    W = np.empty((G, nblocks, m, d), dtype=np.result_type(model.A, model.B, model.C))
    W[:, 0] = model.B
    if nblocks > 1:
        Ac = model.dense_ladder.power(c)
        for j in range(1, nblocks):
            W[:, j] = Ac @ W[:, j - 1]
    prod = U.reshape(G, c * p, m) @ W.transpose(0, 2, 1, 3).reshape(G, m, nblocks * d)
    K = prod.reshape(G, c, p, nblocks, d).transpose(0, 3, 1, 2, 4).reshape(G, -1, p, d)
    return K[:, :T]


def _impulse_response(model: _Model, T: int) -> np.ndarray:
    """``K_0 … K_{T-1}`` as ``(G, T, p, d)`` from the per-step loop driven by unit impulses."""
    G, _, d, _ = model.shape
    impulses = np.zeros((G, d, T, d))
    impulses[:, np.arange(d), 0, np.arange(d)] = 1
    return _sequential(model, impulses, extended=False)[0].transpose(0, 2, 3, 1)


@dataclass(frozen=True)
class _Plan:
    """How a scan runs: its path, the chunk length (chunked path) and the time steps per block."""

    path: str  # "loop", "reference", "memoryless" or "chunked"
    chunk: int
    block: int


def _loop_is_cheaper(
    G: int, N: int, T: int, m: int, d: int, p: int, c: int, diagonal: bool
) -> bool:
    """Whether the per-step loop beats the chunked method, by a cost model of both.

    Costs in nanoseconds, constants measured on the 2-core benchmark machine for complex
    data on one BLAS thread (process CPU time, best of 15): a Python step of the loop or of the
    chunk carry costs ``_STEP_NS`` (2.4 µs measured) plus ``_ELEMENT_NS`` per state entry
    ``(G N m)`` (3.5–3.7 ns), plus ``G N m²`` multiply-adds for a dense ``A``; a multiply-add
    in a BLAS product ``_MAC_NS`` (0.27 ns in one large product, 0.62 ns in 200 small ones);
    building the chunk matrices ``_SETUP_NS`` per entry (19–37 ns); each small 2-D product
    ``_CALL_NS`` (1.6 µs; the loop makes two per sample and sub-block of :func:`_loop_span`
    steps). The loop's products are ``m (d + p)`` multiply-adds per sample and step, the
    chunked method's ``c p d + 2 m (d + p)``; the chunk matrices have ``(c d + 2 m) c p``
    entries per group. The model assumes complex states (the loop's share shrinks for real
    ones, where the rule errs towards the chunks).
    Parameter-batched multi-channel stacks with short sequences (the BYJL25 deep batch: 200
    groups, ``m = d = p = 16``, ``T = 48``) run the loop; long single-model sequences
    (the S1–S3 benchmark shapes) the chunks.
    """
    per_step = _STEP_NS + _ELEMENT_NS * G * N * m + (0 if diagonal else _MAC_NS * G * N * m * m)
    calls = 2 * G * N * -(-T // _loop_span(G * N * m * 16, T))  # B and C products per sub-block
    loop = T * per_step + _MAC_NS * G * N * T * m * (d + p) + _CALL_NS * calls
    chunked = (-(-T // c) * per_step + _MAC_NS * G * N * T * (c * p * d + 2 * m * (d + p))
               + _SETUP_NS * G * (c * d + 2 * m) * c * p)
    return loop <= chunked


def _plan(problem: _Problem, method: str) -> _Plan:
    """The path of ``method`` for ``problem`` (the choices of ``method="auto"``), and blocks.

    A stream's ``T`` is its first block's length (the chunk and the cost model use it) and its
    number of chunks is unbounded in the dense accuracy test.
    """
    model, T = problem.model, problem.T
    G, m, d, p = model.shape
    N = problem.scan_x.shape[1]
    span = T if problem.block is None else min(T, problem.block)
    if method in ("sequential", "reference"):
        return _Plan("loop" if method == "sequential" else "reference", 0, span)
    if method == "auto" and model.zero_A:
        return _Plan("memoryless", 0, span)
    c = problem.chunk or _chunk_length(m, d, p, span, model.diagonal)
    if method == "auto" and (
        _loop_is_cheaper(G, N, T, m, d, p, c, model.diagonal)
        or (not model.diagonal and not _dense_chunks_accurate(
            model, c, _UNBOUNDED_CHUNKS if problem.stream else -(-T // c)))
    ):
        return _Plan("loop", 0, span)
    return _Plan("chunked", c, span if problem.block is None else max(c, span - span % c))


def _main_product(plan: _Plan, model: _Model, N: int) -> int:
    """Multiply-adds of the 2-D matrix product (one BLAS call) that dominates a block.

    The chunked path: its output product. The loop: the product it repeats at every step for a
    dense ``A`` (``N × m × m``), else its input and output products of one sub-block and sample.
    """
    G, m, d, p = model.shape
    if plan.path == "chunked":
        c = plan.chunk
        return N * -(-plan.block // c) * (c * d + 2 * m) * c * p
    if plan.path == "memoryless":
        return N * plan.block * d * p
    if not model.diagonal:
        return N * m * m
    return _loop_span(G * N * m * 16, plan.block) * m * max(d, p)


class _OneBlasThread:
    """Context manager: BLAS on one thread (``threadpoolctl``), shared by concurrent threads.

    BLAS thread limits are process-wide, so the first thread to enter sets the limit and the
    last to leave restores the original one (concurrent scans then all run on one BLAS thread).
    Inspecting the loaded libraries takes about 10 ms, so it is redone only when modules were
    imported since the last inspection: an import is what loads a further BLAS copy (scipy's,
    slycot's), which the limit must reach too.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._controller: Any = None
        self._modules_seen = -1  # len(sys.modules) when the controller was built
        self._limiter: Any = None

    def __enter__(self) -> None:
        with self._lock:
            if not self._users:
                if len(sys.modules) != self._modules_seen:
                    from threadpoolctl import ThreadpoolController  # ~0.1 s, on first use

                    self._controller = ThreadpoolController()
                    self._modules_seen = len(sys.modules)
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._users += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if not self._users:
                self._limiter.restore_original_limits()


_ONE_BLAS_THREAD = _OneBlasThread()


def _blas_threads(plan: _Plan, model: _Model, N: int) -> AbstractContextManager[None]:
    """One BLAS thread when the main product of a block is small (below ``_SMALL_PRODUCT``)."""
    small = _main_product(plan, model, N) < _SMALL_PRODUCT
    return _ONE_BLAS_THREAD if small else nullcontext()


def _input_blocks(problem: _Problem, block: int, extended: bool) -> Iterator[np.ndarray]:
    """The input ``(G, N, ·, d)`` in time blocks of ``block`` steps (the last may be shorter)."""
    x = problem.scan_x
    if problem.source is None:  # an unblocked scan: one block
        yield x
        return
    for t0 in range(0, problem.T, block):
        if t0 == 0 and x.shape[2] == min(block, problem.T):
            yield x
        else:
            yield _validate_input(problem.model, problem.source, extended,
                                  slice(t0, t0 + block))[0]


def _scan_block(
    model: _Model, plan: _Plan, mats: _ChunkMatrices | None, x: np.ndarray,
    h: np.ndarray | None, want_end: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """One time block ``x (G, N, K, d)`` of ``plan``'s path from the state ``h``.

    Returns the output and the state after the block (``None`` where no later block needs it).
    A chunked block that must hand its state on but is no multiple of the chunk length (a
    block of a stream) runs its whole chunks chunked and the remaining steps in the loop.
    """
    if plan.path == "memoryless":
        return _memoryless(model, x), None
    if plan.path != "chunked" or mats is None:  # mats are built for the chunked path only
        return _sequential(model, x, plan.path == "reference", h)
    K = x.shape[2]
    whole = K - K % plan.chunk if want_end else K
    if whole == K:
        return _chunked(model, x, plan.chunk, mats, h, want_end)
    parts = []
    if whole:
        y, h = _chunked(model, x[:, :, :whole], plan.chunk, mats, h, want_end=True)
        parts.append(y)
    y, h = _sequential(model, x[:, :, whole:], False, h)
    return (np.concatenate([*parts, y], axis=2) if parts else y), h


def _output_blocks(
    problem: _Problem, method: str, inputs: Iterable[np.ndarray] | None = None
) -> Iterator[np.ndarray]:
    """Scan ``problem`` block by block, carrying the state; yields ``(G, N, ·, p)`` outputs.

    ``inputs`` are the arranged blocks of a stream (by default those of ``problem``, see
    :func:`_input_blocks`); a stream hands its state on after every block.
    """
    model, x = problem.model, problem.scan_x
    G, N = x.shape[:2]
    _, m, d, p = model.shape
    if G * N == 0:
        span = problem.T if problem.block is None else problem.block
        steps = ((x4.shape[2] for x4 in inputs) if inputs is not None
                 else (min(span, problem.T - t0) for t0 in range(0, problem.T, span)))
        for K in steps:
            yield np.zeros((G, N, K, p), dtype=model.result_dtype(x))
        return
    plan = _plan(problem, method)
    limit = _blas_threads(plan, model, N)
    with limit:
        mats = _chunk_matrices(model, plan.chunk) if plan.path == "chunked" else None
    if inputs is None:
        inputs = _input_blocks(problem, plan.block, method == "reference")
    h, t0 = None, 0
    for x4 in inputs:
        t0 += x4.shape[2]
        with limit:
            y, h = _scan_block(model, plan, mats, x4, h, problem.stream or t0 < problem.T)
        yield y


def choose_chunk(m: int, d: int, p: int, T: int, *, diagonal: bool = True) -> int:
    """Chunk length for the chunked scan, chosen from the shape.

    The cost per (sample, step) is about ``2 c p d`` for the block-Toeplitz product plus
    ``4 m (d + p)`` for the state products, and the carry loop costs ``T / c`` Python
    iterations. A power of two near ``max(64, m) / sqrt(p d)`` balances them (64 for
    single-input single-output diagonal layers, ``m`` for dense ones up to 256, 4–8 for
    64-wide multi-channel layers); it is clipped to ``[4, 256]`` and to ``T``.

    Raises
    ------
    InvalidParameterError
        If ``m``, ``d``, ``p`` or ``T`` is not a positive integer.
    """
    m, d, p, T = (_positive_int(v, n) for v, n in ((m, "m"), (d, "d"), (p, "p"), (T, "T")))
    return _chunk_length(m, d, p, T, diagonal)


def _chunk_length(m: int, d: int, p: int, T: int, diagonal: bool) -> int:
    """:func:`choose_chunk` of sizes already checked (the choice of ``method="auto"``)."""
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
    block: int | None = None,
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
        Input ``(..., T, d)`` with ``T ≥ 1``. The parameter batch axes broadcast against
        ``...`` (which may have size 0: an empty batch gives an empty result).
    method
        ``"auto"``: the chunked method, except for ``A = 0`` (one product per step: a memoryless
        layer such as those of WX23's element-wise constructions) and for a dense ``A`` whose
        powers would cost the chunked method accuracy (strong transient growth of
        ``‖A^k‖``, or long memory across chunks: see the module docstring), which runs the
        per-step loop. ``"chunked"`` forces the chunked method, ``"sequential"`` the per-step
        loop, ``"reference"`` the per-step loop in ``np.longdouble`` (see Returns).
    chunk
        Chunk length of the chunked method; default :func:`choose_chunk`.
    diagonal
        Whether ``A`` holds eigenvalues. By default ``A`` is diagonal when it is 1-D or its last
        two axes differ; pass ``diagonal=True`` for a batch of ``m`` diagonal models of width
        ``m`` (shape ``(m, m)``), which would otherwise be read as one dense matrix.
    block
        Time-blocked mode: run time in blocks of ``block`` steps (for the chunked method
        rounded down to a multiple of the chunk length), carrying the state from block to block,
        so that the memory beyond the result is bounded by the block, not by ``T`` (see
        :func:`scan_blocks`, which also leaves the result to the caller block by block).

    Returns
    -------
    numpy.ndarray
        ``y`` of shape ``(*broadcast batch, T, p)``. Its dtype follows the dtype rules of the
        module docstring: ``float64`` when ``A``, ``B``, ``C``, ``D`` and ``x`` are all real,
        ``complex128`` otherwise; ``np.longdouble`` / ``np.clongdouble`` for
        ``method="reference"``. Integer and float16/float32 entries are converted exactly;
        long-double entries are rounded to float64 except for ``method="reference"``, which
        keeps them.

    Raises
    ------
    InvalidParameterError
        On mismatched shapes, ``T = 0``, NaN/inf entries (or entries that overflow float64),
        non-numeric entries, a bad ``method``, ``chunk``, ``block`` or ``diagonal``; the message
        starts with the parameter's name.
    theory.linear.UnstableModelError
        If a spectral radius is ``≥ 1``.
    """
    problem = _validate(A, B, C, D, diagonal, x=x, method=method, chunk=chunk, block=block)
    blocks = _output_blocks(problem, method)
    y = next(blocks)
    if problem.source is not None:  # blocks written into the result as they come
        first, t0 = y, 0
        y = np.empty(first.shape[:2] + (problem.T, first.shape[3]), dtype=first.dtype)
        for part in itertools.chain([first], blocks):
            y[:, :, t0 : t0 + part.shape[2]] = part
            t0 += part.shape[2]
    return _restore(y, problem.batch, problem.perm)


def scan_blocks(
    A: object,
    B: object,
    C: object,
    x: object,
    D: object | None = None,
    *,
    block: int,
    method: str = "auto",
    chunk: int | None = None,
    diagonal: bool | None = None,
) -> Iterator[np.ndarray]:
    """:func:`linear_scan` as a stream of time blocks: memory bounded by the block, not by ``T``.

    The parameters are those of :func:`linear_scan`; ``x`` may be a memory-mapped array (each
    block of it is converted and arranged on its own). Yields the output ``y[..., t0:t1, :]``
    of consecutive time blocks, the state carried from block to block (for the chunked method
    each state is rounded to float64 once per block). Block lengths are ``block`` steps, for
    the chunked method rounded down to a multiple of its chunk length (at least one chunk); the
    last block may be shorter. Concatenated along axis ``-2`` the blocks agree with the
    unblocked :func:`linear_scan` up to rounding (the same path, chosen for the whole ``T``).

    Raises
    ------
    InvalidParameterError
        As :func:`linear_scan` (on calling, for the parameters and the first block; on
        iterating, for a NaN or infinite entry in a later block of ``x``), and if ``block`` is
        not a positive integer.
    theory.linear.UnstableModelError
        If a spectral radius is ``≥ 1``.
    """
    if block is None:
        raise InvalidParameterError("block: expected a positive integer, got None")
    problem = _validate(A, B, C, D, diagonal, x=x, method=method, chunk=chunk, block=block)
    return (_restore(y, problem.batch, problem.perm) for y in _output_blocks(problem, method))


def scan_stream(
    A: object,
    B: object,
    C: object,
    blocks: Iterable[object],
    D: object | None = None,
    *,
    method: str = "auto",
    chunk: int | None = None,
    diagonal: bool | None = None,
) -> Iterator[np.ndarray]:
    """:func:`linear_scan` of an input that arrives as a stream of time blocks.

    For inputs too long to hold in memory (dense 64 × 64 with ``d = 64`` at ``T = 10^7`` is
    5.1 GB of float64 input alone): the blocks ``x[..., t0:t1, :]`` are read from ``blocks``
    one at a time, each is scanned from the state the previous one left (as in
    :func:`scan_blocks`), and its output block is yielded before the next block is read. Memory
    is bounded by the largest block (plus the chunk matrices), not by ``T``, and no block is
    kept after its output has been yielded.

    Parameters
    ----------
    A, B, C, D, method, chunk, diagonal
        As in :func:`linear_scan`. The path of ``method="auto"`` is chosen once, from the first
        block (its length stands for ``T`` in the cost model and in :func:`choose_chunk`); for
        a dense ``A`` the test of the carry across chunks assumes an unbounded number of
        chunks, since the length of the stream is not known in advance.
    blocks
        An iterable (a list, a generator, …; not an array) of input blocks ``(..., K_i, d)``,
        ``K_i ≥ 1``, consecutive in time. Every block has the shape of the first except on its
        time axis (``-2``), and is real if the first is real, complex if it is complex; each is
        converted by the dtype rules of :func:`linear_scan` on its own. Block lengths may vary:
        a chunked block whose length is no multiple of the chunk length runs its last
        ``K_i mod c`` steps in the per-step loop (blocks of a multiple of
        :func:`choose_chunk` keep the chunked path throughout).

    Yields
    ------
    numpy.ndarray
        The output block ``y[..., t0:t1, :]`` of each input block, of shape
        ``(*broadcast batch, K_i, p)`` and the dtype of :func:`linear_scan`. Concatenated along
        axis ``-2`` the blocks agree with :func:`linear_scan` on the concatenated input up to
        rounding (each carried state is rounded to the working precision once per block).

    Raises
    ------
    InvalidParameterError
        On calling, as :func:`linear_scan` for the parameters and options, and if ``blocks`` is
        an array, a string or not iterable. On iterating, for a bad block (an error as for
        ``x`` of :func:`linear_scan`, a shape other than the first block's on an axis other than
        time, or a real block after a complex first one or vice versa), the message starting
        with ``blocks[i]`` for the block's index ``i``; and for a stream without a block. The
        output blocks before a bad block have been yielded by then.
    theory.linear.UnstableModelError
        If a spectral radius is ``≥ 1`` (on calling).

    Examples
    --------
    Blocks generated on the fly from a seeded generator, never held together:

    >>> rng = np.random.default_rng(0)
    >>> blocks = (rng.standard_normal((1000, 2)) for _ in range(5))
    >>> out = scan_stream([0.5, -0.25], np.ones((2, 2)), np.ones((1, 2)), blocks)
    >>> sum(y.shape[0] for y in out)
    5000
    """
    model, chunk, iterator = _validate_stream(A, B, C, D, diagonal, blocks, method, chunk)
    return _stream_outputs(model, iterator, method, chunk)


def _stream_outputs(
    model: _Model, blocks: Iterator[object], method: str, chunk: int | None
) -> Iterator[np.ndarray]:
    """The generator of :func:`scan_stream` (its arguments validated on calling)."""
    inputs = _stream_inputs(model, blocks, method == "reference")
    x4, batch, perm = next(inputs)
    # the problem keeps one step of the first block (for its shape and dtype), not the block
    problem = _Problem(model, x4[:, :, :1].copy(), batch, perm, x4.shape[2], chunk, stream=True)
    arranged = itertools.chain([x4], (later for later, _, _ in inputs))
    del x4
    for y in _output_blocks(problem, method, arranged):
        yield _restore(y, batch, perm)


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
        Number of kernel terms, a positive integer.

    Returns
    -------
    numpy.ndarray
        ``(*batch, T, p, d)``: ``float64`` when ``A``, ``B``, ``C``, ``D`` are real,
        ``complex128`` otherwise (float32 and integer entries converted exactly, long-double
        entries rounded to float64). Diagonal ``A``: a blocked Vandermonde table with block
        powers in extended precision (each term within a few ulp). Dense ``A``: ``C A^s`` for
        ``s`` in a block of ``c`` by doubling, times ``A^(j c) B`` by repeated float64 products,
        or, when those powers would lose accuracy (the test of :func:`linear_scan`'s
        ``method="auto"``), the impulse response of the per-step loop.

    Raises
    ------
    InvalidParameterError
        As :func:`linear_scan`, and if ``T`` is not a positive integer.
    theory.linear.UnstableModelError
        If a spectral radius is ``≥ 1``.
    """
    problem = _validate(A, B, C, D, diagonal, T=T)
    model, T = problem.model, problem.T
    G, m, d, p = model.shape
    dtype = model.result_dtype()
    if G == 0:
        return np.zeros(model.batch + (T, p, d), dtype=dtype)
    if model.diagonal:
        weights = (model.C.transpose(0, 2, 1)[:, :, :, None] * model.B[:, :, None, :])
        K = (_powers(model.A, T) @ weights.reshape(G, m, p * d)).reshape(G, T, p, d)
    else:
        c = choose_chunk(m, d, p, T, diagonal=False)
        if not _dense_chunks_accurate(model, c, -(-T // c)):
            K = _impulse_response(model, T)
            return K.reshape(model.batch + K.shape[1:])
        K = _blocked_kernel(model, c, T)
    if model.D is not None:
        K = K.astype(dtype)
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
        Passed to :func:`linear_scan` for every layer (with ``method="reference"`` the layers
        pass long-double outputs on, so the whole stack runs in extended precision).

    Raises
    ------
    InvalidParameterError
        As :func:`linear_scan`, the message prefixed with ``layers[i]:`` for layer ``i``.
    """
    _check_layers(layers, activation)
    y = _stack_layer(0, layers[0], x, method, chunk, diagonal)
    for i in range(1, len(layers)):
        y = _stack_layer(i, layers[i], y if activation is None else activation(y), method, chunk,
                         diagonal)
    return y


def _stack_layer(
    i: int, layer: tuple[object, ...], x: object, method: str, chunk: int | None,
    diagonal: bool | None,
) -> np.ndarray:
    """Layer ``i`` of :func:`scan_stack` (``(A, B, C)`` or ``(A, B, C, D)``) applied to ``x``."""
    D = layer[3] if len(layer) == 4 else None
    try:
        return linear_scan(layer[0], layer[1], layer[2], x, D, method=method, chunk=chunk,
                           diagonal=diagonal)
    except InvalidParameterError as exc:
        raise type(exc)(f"layers[{i}]: {exc}") from None


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
    y, reference = _check_comparable(y, reference)
    if y.shape[-2] == 0 or y.size == 0:
        return 0.0
    err = np.abs(y.astype(reference.dtype) - reference).max(axis=-2)
    scale = np.abs(reference).max(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(err == 0, 0.0, err / scale)
    return float(np.where(np.isnan(ratio), np.inf, ratio).max())
