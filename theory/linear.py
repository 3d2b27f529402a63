"""Shallow and deep linear state-space models of BYJL25 with diagonal transition matrices.

Glossary (code name → BYJL25 symbol, arXiv:2506.19296 v1, Eq. 1–3 and Lemma 3.1):

=====================  ==========================================================
``eigenvalues[k][i]``  ``λ_{k+1,i}``, the diagonal of ``A_{k+1}``
``B[0]``               ``B_1 ∈ C^m`` (input map of layer 1)
``B[k]`` (k ≥ 1)       ``B_{k+1} ∈ C^{m×m}`` (coupling from layer k to layer k+1)
``C``                  ``C ∈ C^m``; the output is ``y(t) = C^T h_l(t)``
``depth``, ``width``   ``l``, ``m`` (``n`` for a shallow model)
``kernel(T)``          ``ρ(0), …, ρ(T-1)`` with ``y(t) = Σ_{s<t} ρ(s) x(t-s)``
``norm()``             ``‖θ‖``, the entrywise max-modulus norm of Eq. 3
``residues``           ``r_i = c_i b_i`` of a shallow model, ``ρ(s) = Σ_i r_i λ_i^s``
=====================  ==========================================================

Recurrence (same-step input, ``h_k(0) = 0``)::

    h_1(t) = A_1 h_1(t-1) + B_1 x(t)
    h_k(t) = A_k h_k(t-1) + B_k h_{k-1}(t)      k = 2..l
    y(t)   = C^T h_l(t)

Every model keeps the number kind of its entries (see :mod:`theory.numbers`): kernels of an
exact model are exact, of an mpmath model are at the current precision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.numbers import (
    InvalidParameterError,
    KindArithmetic,
    NumberKind,
    abs_squared,
    as_array,
    convert,
    is_exact_zero,
    kind_of,
    max_abs,
)

__all__ = [
    "W",
    "UnstableModelError",
    "ShallowSSM",
    "DeepSSM",
    "NORMS",
]

#: The variable of generating functions ``ρ̂(w) = Σ_s ρ(s) w^s`` (``w = z^{-1}``).
W = sympy.Symbol("w")


class UnstableModelError(InvalidParameterError):
    """An eigenvalue has modulus ``≥ 1`` (BYJL25 requires ``|λ| < 1``)."""


#: Norms of a realization that the suite can use; "max_modulus" is BYJL25's Eq. 3 reading
#: (the entrywise ∞-norm); "row_sum" is the alternative reading (induced ∞-norm of each of
#: ``B_1`` as a column, ``B_k``, and ``C^T`` as a row).
NORMS = ("max_modulus", "row_sum")

#: Ways to compute a kernel: BYJL25 Lemma 3.1 (Eq. 2), or the recurrence of Eq. 1.
METHODS = ("closed_form", "recurrence")


def _is_stable(x: Any) -> bool:
    """``|x| < 1`` (strictly) decided in the kind of ``x`` (exactly for sympy numbers).

    Raises
    ------
    InvalidParameterError
        If sympy cannot decide the comparison of an exact ``x``.
    """
    if isinstance(x, sympy.Basic):
        val = sympy.simplify(abs_squared(x))
        verdict = val < 1
        if isinstance(verdict, sympy.logic.boolalg.BooleanAtom):
            return bool(verdict)
        raise InvalidParameterError(f"eigenvalues: cannot decide exactly whether |{x}| < 1")
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return bool(mpmath.fabs(x) < 1)
    return bool(abs(complex(x)) < 1)


def _is_zero_entry(x: Any) -> bool:
    """``x == 0`` decided exactly for sympy numbers (:func:`is_exact_zero`)."""
    return is_exact_zero(x) if isinstance(x, sympy.Basic) else bool(x == 0)


def _spectrum(values: Any, kind: NumberKind, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Validate a diagonal spectrum: shape, finiteness, stability."""
    arr = as_array(values, kind, name)
    if arr.ndim == len(shape) + 1 and arr.shape[-1] == arr.shape[-2]:
        # a stack of square matrices was given: accept only diagonal ones
        off = arr.copy()
        idx = np.arange(arr.shape[-1])
        off[..., idx, idx] = 0
        if not all(_is_zero_entry(x) for x in off.flat):
            raise InvalidParameterError(
                f"{name}: the transition matrices must be diagonal; pass their eigenvalues "
                f"(got a non-diagonal matrix of shape {arr.shape})"
            )
        arr = np.ascontiguousarray(arr[..., idx, idx])
    if arr.shape != shape:
        raise InvalidParameterError(f"{name}: expected shape {shape}, got {arr.shape}")
    for x in arr.flat:
        if not _is_stable(x):
            raise UnstableModelError(
                f"{name}: eigenvalue {x} has modulus >= 1; the models require |λ| < 1"
            )
    return arr


def _validated(name: str, value: Any, *, kind: NumberKind | None = None,
               shape: tuple[int, ...] | None = None, ndim: int | None = None) -> Any:
    """The module's validation choke point: every public function passes its arguments here.

    ``name`` selects the rule: ``T`` (a length ``≥ 0``), ``method`` (:data:`METHODS`),
    ``which`` (:data:`NORMS`), ``kind`` (a :class:`NumberKind`), ``w`` (a sympy Symbol), names
    starting with ``eigenvalues`` with a ``shape`` (a stable diagonal spectrum of that shape),
    and any other name an array of ``kind`` (with ``ndim`` dimensions and the given ``shape``
    if set).

    Raises
    ------
    InvalidParameterError
        Naming the parameter and the bad value (:class:`UnstableModelError` for ``|λ| ≥ 1``).
    """
    if name == "T":
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise InvalidParameterError(
                f"T: expected a non-negative integer length, got {value!r}"
            )
        return int(value)
    if name in ("method", "which"):
        options = METHODS if name == "method" else NORMS
        if not isinstance(value, str) or value not in options:
            what = "unknown norm" if name == "which" else "unknown method"
            raise InvalidParameterError(f"{name}: {what} {value!r}; choose one of {options}")
        return value
    if name == "kind":
        if not isinstance(value, NumberKind):
            raise InvalidParameterError(f"kind: expected a NumberKind, got {value!r}")
        return value
    if name == "w":
        if not isinstance(value, sympy.Symbol):
            raise InvalidParameterError(f"w: expected a sympy Symbol, got {value!r}")
        return value
    assert kind is not None  # arrays are validated in the model's number kind
    if name.startswith("eigenvalues") and shape is not None:
        return _spectrum(value, kind, name, shape)
    arr = as_array(value, kind, name, ndim=ndim)
    if shape is not None and arr.shape != shape:
        raise InvalidParameterError(f"{name}: expected shape {shape}, got {arr.shape}")
    return arr


def _max_of(values: Sequence[Any]) -> Any:
    if any(isinstance(v, sympy.Basic) for v in values):
        return sympy.Max(*values)
    return max(values)


def _max_row_sum(mat: np.ndarray) -> Any:
    """Induced ∞-norm (largest absolute row sum) of a 2-D array in its number kind."""
    if mat.dtype != object:
        return float(np.max(np.sum(np.abs(mat), axis=1)))
    return _max_of([sum(max_abs(x) for x in row) for row in mat])


def _norm(matrices: Sequence[np.ndarray], which: str) -> Any:
    if which == "max_modulus":
        return _max_of([max_abs(m) for m in matrices])
    return _max_of([_max_row_sum(m) for m in matrices])


def _powers(lam: np.ndarray, T: int) -> np.ndarray:
    """``P[s, i] = lam[i] ** s`` for ``s < T`` (explicit powers, not a recurrence)."""
    s = np.arange(T).reshape(-1, 1)
    if lam.dtype != object:
        return lam ** s  # (m,) ** (T, 1) broadcasts to (T, m)
    out = np.empty((T, lam.size), dtype=object)
    for t in range(T):
        for i, x in enumerate(lam.flat):
            out[t, i] = x**t
    return out


#: Block length ``b`` of :func:`_blocked_convolution` (float closed form): each level sums ``b``
#: terms per entry and divides the length by ``b``; 16 keeps both the work per entry and the
#: rounding bound (about ``(b + 2)`` roundings per level) small.
_CONVOLUTION_BLOCK = 16


def _power_table(lam: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """``P[k, i] = lam[i] ** exponents[k]`` for float ``lam``: explicit powers, rounded once.

    Binary powering in extended precision (``np.longdouble`` / ``np.clongdouble``), so that each
    entry is within one rounding of float64 plus about ``n ε_ext`` for the exponent ``n``
    (``ε_ext = 2^-64`` on x86-64: a few ulp up to ``n ≈ 10^4``). ``np.power`` on complex input
    goes through ``exp(n log λ)`` for ``n ≥ 100``, whose relative error grows like ``π n ε``
    (1.8e-12 at ``n = 5000``).
    """
    ext = np.clongdouble if np.iscomplexobj(lam) else np.longdouble
    base = lam.astype(ext)
    out = np.ones((exponents.size, lam.size), dtype=ext)
    e = np.asarray(exponents, dtype=np.int64).reshape(-1, 1)
    while np.any(e):
        out = np.where(e & 1, out * base, out)
        base = base * base
        e = e >> 1
    return out.astype(lam.dtype)


def _direct_convolution(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``v[s] = Σ_{j=0}^{s} lam^j u[s-j]`` for ``u`` of shape ``(T, m)``: the direct sum.

    Explicit powers (:func:`_powers`), one sum of ``s + 1`` terms per entry: ``O(T² m)``, in any
    number kind (the exact and mpmath closed form).
    """
    P = _powers(lam, u.shape[0])
    v = np.empty_like(u)  # every row is set below
    for s in range(u.shape[0]):
        v[s] = np.sum(P[: s + 1] * u[s::-1], axis=0)
    return v


def _blocked_convolution(lam: np.ndarray, u: np.ndarray, stride: int = 1) -> np.ndarray:
    """``v[s] = Σ_{j=0}^{s} μ^j u[s-j]``, ``μ = lam^stride``, for float ``u (T, m)``: ``O(T b m)``.

    The sum of :func:`_direct_convolution` with its terms grouped by blocks of ``b =
    _CONVOLUTION_BLOCK`` steps. For ``s = a b + r`` and ``t = a' b + q`` in an earlier block
    (``a' < a``) the lag splits as ``s - t = (r + 1) + (a - 1 - a') b + (b - 1 - q)``, so

        v[a b + r] = Σ_{q ≤ r} μ^{r-q} u[a b + q] + μ^{r+1} z[a - 1],
        z[a] = Σ_{a' ≤ a} (μ^b)^{a-a'} w[a'],   w[a'] = Σ_q μ^{b-1-q} u[a' b + q]:

    sums of ``b`` terms inside a block, and ``z``, the same sum over the ``⌈T/b⌉`` block totals
    with ``μ^b`` (computed by this function with ``stride · b``). Every power is an explicit
    power ``lam^(k · stride)`` (:func:`_power_table`; no recurrence), every term of the direct sum
    ``lam^{s-t} u[t]`` appears once, as a product of one explicit power per level, and every
    entry is a sum of at most ``(b + 1)`` terms per level over ``L = ⌈log_b T⌉`` levels. Its
    rounding error is therefore at most ``γ_N Σ_t |lam^{s-t}| |u[t]|`` with ``N ≈ (L + 1)(b + 3)``
    (``γ_N = N u / (1 - N u)``), plus ``L + 1`` times the relative error of one power: relative to
    the same sum of absolute terms as the direct sum, whose bound has ``N ≈ log₂ T``.
    """
    T, m = u.shape
    b = _CONVOLUTION_BLOCK
    P = _power_table(lam, np.arange(b + 1) * stride)  # μ^k, k ≤ b: explicit powers of lam
    lag = np.arange(b)[:, None] - np.arange(b)[None, :]
    toeplitz = np.where((lag >= 0)[:, :, None], P[np.maximum(lag, 0)], 0)  # (r, q, i): μ^{r-q}
    n = -(-T // b)
    U = np.zeros((n * b, m), dtype=u.dtype)
    U[:T] = u
    U = U.reshape(n, b, m)
    v = np.einsum("rqi,aqi->ari", toeplitz, U)  # the sums inside each block
    if n > 1:
        w = np.einsum("qi,aqi->ai", P[b - 1 :: -1], U[:-1])  # block totals, to the block's end
        z = _blocked_convolution(lam, w, stride * b)
        v[1:] += P[None, 1:] * z[:, None, :]
    return v.reshape(n * b, m)[:T]


def _zeros(shape: tuple[int, ...], zero: Any, dtype: Any) -> np.ndarray:
    """Zeros of the given dtype; for object arrays, filled with the element ``zero``."""
    if np.dtype(dtype) != np.dtype(object):
        return np.zeros(shape, dtype=dtype)
    out = np.empty(shape, dtype=object)
    out.fill(zero)
    return out


def _to_sympy(x: Any) -> Any:
    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        dps = mpmath.mp.dps
        return sympy.Float(mpmath.nstr(mpmath.re(x), dps), dps) + sympy.I * sympy.Float(
            mpmath.nstr(mpmath.im(x), dps), dps
        )
    c = complex(x)
    return sympy.Float(c.real) + sympy.I * sympy.Float(c.imag)  # I·0.0 vanishes: a real Float


class DeepSSM:
    """Deep linear SSM of depth ``l`` and width ``m`` with diagonal ``A_k`` (BYJL25 Eq. 1).

    Parameters
    ----------
    eigenvalues
        ``l`` sequences of ``m`` numbers: the diagonals of ``A_1, …, A_l``, each of modulus < 1.
        (A stack of diagonal matrices is accepted too; a non-diagonal one is refused.)
    B
        ``[B_1, B_2, …, B_l]`` with ``B_1`` of shape ``(m,)`` and ``B_k`` of shape ``(m, m)``.
    C
        Readout of shape ``(m,)``; ``y(t) = C^T h_l(t)``.

    Raises
    ------
    InvalidParameterError
        On wrong shapes or lengths, depth or width below 1, non-finite or non-numeric entries,
        a non-diagonal transition matrix, or mixed number kinds.
    UnstableModelError
        If some ``|λ_{k,i}| ≥ 1``.
    """

    def __init__(self, eigenvalues: Any, B: Sequence[Any], C: Any) -> None:
        if isinstance(B, np.ndarray) and B.dtype != object:
            B = list(B)  # an (l, m, m)-array cannot hold B_1 of shape (m,)
        if not isinstance(B, (list, tuple)) or len(B) == 0:
            raise InvalidParameterError(
                "B: expected a list [B_1 (m,), B_2 (m, m), ..., B_l (m, m)] with l >= 1"
            )
        self.kind = kind_of(
            eigenvalues, *B, C,
            names=["eigenvalues", *(f"B[{k}] (B_{k + 1})" for k in range(len(B))), "C"],
        )
        depth = len(B)
        C_arr = _validated("C", C, kind=self.kind, ndim=1)
        width = C_arr.shape[0]
        if width < 1:
            raise InvalidParameterError("C: width m must be at least 1 (got an empty C)")
        self.eigenvalues = _validated("eigenvalues", eigenvalues, kind=self.kind,
                                      shape=(depth, width))
        B_list = [_validated("B[0] (B_1)", B[0], kind=self.kind, shape=(width,))]
        for k in range(1, depth):
            B_list.append(_validated(f"B[{k}] (B_{k + 1})", B[k], kind=self.kind,
                                     shape=(width, width)))
        if self.kind is NumberKind.FLOAT:
            dtype = np.result_type(self.eigenvalues, C_arr, *B_list)
            self.eigenvalues = self.eigenvalues.astype(dtype)
            B_list = [b.astype(dtype) for b in B_list]
            C_arr = C_arr.astype(dtype)
        self.B = B_list
        self.C = C_arr

    # ------------------------------------------------------------------ structure
    @property
    def depth(self) -> int:
        """Number of layers ``l``."""
        return len(self.B)

    @property
    def width(self) -> int:
        """Hidden units per layer ``m``."""
        return int(self.C.shape[0])

    @property
    def dtype(self) -> Any:
        """numpy dtype of the stored entries (``object`` for the exact and mpmath kinds)."""
        return self.C.dtype

    def parameter_matrices(self) -> list[np.ndarray]:
        """``[B_1, B_2, …, B_l, C]``, the entries that the realization norm bounds."""
        return [*self.B, self.C]

    def norm(self, which: str = "max_modulus") -> Any:
        """Realization norm ``‖θ‖`` (BYJL25 Eq. 3); ``which`` is one of :data:`NORMS`.

        ``"max_modulus"`` (default): the largest modulus of an entry of ``B_1``, any ``B_k``,
        or ``C``. The transition matrices carry no norm bound. Exact for exact entries.
        """
        which = _validated("which", which)
        mats = [self.B[0].reshape(-1, 1), *self.B[1:], self.C.reshape(1, -1)]
        return _norm(mats, which)

    # ------------------------------------------------------------------ kernels
    def kernel(self, T: int, method: str = "closed_form") -> np.ndarray:
        """Impulse response ``ρ(0), …, ρ(T-1)`` in the model's number kind.

        Parameters
        ----------
        T
            Number of kernel entries (``T ≥ 0``).
        method
            ``"closed_form"``: BYJL25 Lemma 3.1 (Eq. 2), the sum over ``s_1+…+s_l = s`` of
            ``C^T A_l^{s_l} B_l ⋯ A_1^{s_1} B_1``, with explicit powers; ``"recurrence"``: run
            the recurrence of Eq. 1 on a unit impulse.

        Notes
        -----
        The closed form of exact and mpmath models sums the terms of each entry directly
        (``O(l m T²)``). For floats the same terms are grouped by blocks of time (``O(l m T)``,
        :func:`_blocked_convolution`), with powers in extended precision, rounded once
        (:func:`_power_table`); the rounding error of ``ρ(s)`` is at most about
        ``l (m + (L + 1)(b + 6)) ε`` times the kernel of the entrywise-absolute model at ``s``
        (``b = 16``, ``L = ⌈log_b T⌉`` levels; ``tests/test_linear_closed_form.py`` states
        the bound term by term), the same form as the direct sum's bound.
        """
        T = _validated("T", T)
        if _validated("method", method) == "closed_form":
            return self._kernel_closed_form(T)
        return self._impulse_response(T)

    def _arithmetic(self, *extra: np.ndarray) -> KindArithmetic:
        return KindArithmetic(self.kind, [self.eigenvalues, self.C, *self.B, *extra])

    def _kernel_closed_form(self, T: int) -> np.ndarray:
        # v_k[s] = Σ_{s_1+…+s_k = s} A_k^{s_k} B_k ⋯ A_1^{s_1} B_1, built layer by layer as an
        # explicit convolution with the powers of A_k (Lemma 3.1 regrouped by s_k): the direct
        # sum (O(T²)) for exact and mpmath entries, grouped by blocks of time (O(T), the same
        # terms, see _blocked_convolution) for floats.
        ar = self._arithmetic()
        lam, C, *B = ar.arrays
        convolve: Callable[[np.ndarray, np.ndarray], np.ndarray]
        if self.kind is NumberKind.FLOAT:
            convolve, v = _blocked_convolution, _power_table(lam[0], np.arange(T)) * B[0]
        else:
            convolve, v = _direct_convolution, _powers(lam[0], T) * B[0]  # (T, m)
        for k in range(1, self.depth):
            v = convolve(lam[k], v @ B[k].T)  # Σ_{j=0}^{s} A_k^j B_k v_{k-1}[s-j]
        return ar.back(v @ C)

    def _impulse_response(self, T: int) -> np.ndarray:
        x = _zeros((T,), 0, self.dtype)
        if T:
            x[0] = 1
        return self._run(self._arithmetic(), x)

    def simulate(self, x: Any) -> np.ndarray:
        """Run the recurrence of BYJL25 Eq. 1 on a scalar input sequence ``x`` of shape ``(T,)``.

        The arithmetic is in the model's number kind (a plain sequential loop: this is the
        reference, not the fast path; see :mod:`verify.scan` for scale).
        """
        xs = _validated("x", x, kind=self.kind, ndim=1)
        ar = self._arithmetic(xs)
        return self._run(ar, ar.arrays[-1])

    def _run(self, ar: KindArithmetic, xs: np.ndarray) -> np.ndarray:
        lam, C, *B = ar.arrays[: 2 + self.depth]
        T = xs.shape[0]
        dtype = np.result_type(self.dtype, xs.dtype)  # object for the exact and mpmath kinds
        h = [_zeros((self.width,), ar.zero, dtype) for _ in range(self.depth)]
        y = np.empty((T,), dtype=dtype)  # every entry is set below
        for t in range(T):
            h[0] = lam[0] * h[0] + B[0] * xs[t]
            for k in range(1, self.depth):
                h[k] = lam[k] * h[k] + B[k] @ h[k - 1]
            y[t] = C @ h[-1]
        return ar.back(y)

    def transfer_function(self, w: sympy.Symbol = W) -> sympy.Expr:
        """Generating function ``ρ̂(w) = C^T Π_k (I - w A_k)^{-1} B_k`` as a sympy expression.

        Float and mpmath entries become sympy Floats; exact entries stay exact.
        """
        w = _validated("w", w)
        vec = sympy.Matrix([_to_sympy(b) for b in self.B[0]])
        vec = sympy.Matrix([vec[i] / (1 - _to_sympy(self.eigenvalues[0][i]) * w)
                            for i in range(self.width)])
        for k in range(1, self.depth):
            Bk = sympy.Matrix([[_to_sympy(x) for x in row] for row in self.B[k]])
            vec = Bk * vec
            vec = sympy.Matrix([vec[i] / (1 - _to_sympy(self.eigenvalues[k][i]) * w)
                                for i in range(self.width)])
        C = sympy.Matrix([_to_sympy(c) for c in self.C])
        return (C.T * vec)[0, 0]

    # ------------------------------------------------------------------ conversions
    def to_kind(self, kind: NumberKind) -> DeepSSM:
        """The same model with its entries converted to ``kind`` (exact → float rounds)."""
        kind = _validated("kind", kind)
        # the entries are validated numbers, so ``convert`` cannot fail (overflow to inf on
        # exact → float is refused by the constructor, naming the parameter)
        return DeepSSM(convert(self.eigenvalues, kind), [convert(b, kind) for b in self.B],
                       convert(self.C, kind))

    def __repr__(self) -> str:
        return f"DeepSSM(depth={self.depth}, width={self.width}, kind={self.kind.value})"


class ShallowSSM(DeepSSM):
    """Shallow (depth-1) diagonal linear SSM of width ``n`` (BYJL25 §3, the class ``H^n_{c,1}``).

    Parameters
    ----------
    eigenvalues, B, C
        1-D sequences of equal length ``n ≥ 1``: ``A = diag(eigenvalues)``, ``B = (b_i)``,
        ``C = (c_i)``. The kernel is ``ρ(s) = Σ_i c_i b_i λ_i^s``.
    """

    def __init__(self, eigenvalues: Any, B: Any, C: Any) -> None:
        kind = kind_of(eigenvalues, B, C, names=["eigenvalues", "B", "C"])
        lam = _validated("eigenvalues", eigenvalues, kind=kind)
        if lam.ndim == 2 and lam.shape[0] == lam.shape[1]:
            lam = lam[None]  # a diagonal matrix: validated (and unpacked) below
        elif lam.ndim == 1:
            lam = lam[None]
        else:
            raise InvalidParameterError(
                f"eigenvalues: expected a 1-D sequence, got shape {lam.shape}"
            )
        Cv = _validated("C", C, kind=kind, ndim=1)
        n = Cv.shape[0]
        Bv = _validated("B", B, kind=kind, ndim=1, shape=(n,))
        if lam.shape[-1] != n:
            raise InvalidParameterError(
                f"eigenvalues: expected {n} eigenvalues like C, got {lam.shape[-1]}"
            )
        super().__init__(lam, [Bv], Cv)

    @property
    def residues(self) -> np.ndarray:
        """``r_i = c_i b_i``, so that ``ρ(s) = Σ_i r_i λ_i^s``."""
        ar = KindArithmetic(self.kind, [self.C, self.B[0]])
        c, b = ar.arrays
        return ar.back(c * b)

    @property
    def poles(self) -> np.ndarray:
        """The eigenvalues ``λ_i`` (poles of ``ρ̂`` in ``z = 1/w``)."""
        return self.eigenvalues[0]

    @classmethod
    def from_residues(cls, eigenvalues: Any, residues: Any) -> ShallowSSM:
        """The minimal-norm realization ``b_i = c_i = sqrt(r_i)`` of ``ρ(s) = Σ r_i λ_i^s``.

        Its norm ``max_i |r_i|^{1/2}`` is the shallow norm of the target when the ``λ_i`` are
        distinct [rebuilt, BYJL25 §1.4 of the project's docs].
        """
        kind = kind_of(eigenvalues, residues, names=["eigenvalues", "residues"])
        r = _validated("residues", residues, kind=kind, ndim=1)
        if kind is NumberKind.EXACT:
            root = np.array([sympy.sqrt(x) for x in r], dtype=object)
        elif kind is NumberKind.MPMATH:
            root = np.array([mpmath.sqrt(x) for x in r], dtype=object)
        else:
            root = np.sqrt(r.astype(complex)) if np.iscomplexobj(r) or np.any(r < 0) \
                else np.sqrt(r)
        return cls(eigenvalues, root, root)

    def kernel(self, T: int, method: str = "closed_form") -> np.ndarray:
        """``ρ(s) = Σ_i r_i λ_i^s`` for ``s < T`` (``method="recurrence"`` runs Eq. 1)."""
        T = _validated("T", T)
        if _validated("method", method) == "closed_form":
            ar = KindArithmetic(self.kind, [self.poles, self.residues])
            lam, r = ar.arrays
            return ar.back(_powers(lam, T) @ r)
        return super().kernel(T, method)

    def to_kind(self, kind: NumberKind) -> ShallowSSM:
        """The same model with its entries converted to ``kind`` (exact → float rounds)."""
        kind = _validated("kind", kind)
        return ShallowSSM(convert(self.poles, kind), convert(self.B[0], kind),
                          convert(self.C, kind))

    def __repr__(self) -> str:
        return f"ShallowSSM(width={self.width}, kind={self.kind.value})"
