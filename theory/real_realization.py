"""Real parameters for conjugation-symmetric deep linear SSMs (BYJL25 Theorem 4.1(ii), real case).

:func:`theory.depth_width.shallow_to_deep` with ``real=True`` returns a *diagonal* deep model
(:class:`theory.linear.DeepSSM`) whose complex eigenvalues come in conjugate pairs inside each
layer, with conjugate rows of ``B_k``, conjugate columns and conjugate readout entries. A real
similarity of each layer turns it into a model with real entries and the same kernel:
:func:`real_realization` returns a :class:`RealDeepSSM`, whose transitions ``A_k`` are real and
block diagonal (``1×1`` blocks for real eigenvalues, ``2×2`` rotation-scaling blocks
``[[a, -b], [b, a]]`` for a pair ``a ± ib``).

Glossary (code name → symbol):

=====================  ==========================================================================
``A[k]``               the real transition ``Ã_{k+1} = M_{k+1} Λ_{k+1} M_{k+1}^*`` (``Λ`` diagonal)
``B[k]``, ``C``        ``B̃_1 = M_1 B_1``, ``B̃_k = M_k B_k M_{k-1}^*``, ``C̃ = conj(M_l) C``
``M_k``                unitary: ``1`` on a real mode, ``½[[1+i, 1-i], [1-i, 1+i]]`` on a pair
=====================  ==========================================================================

Recurrence (as :class:`theory.linear.DeepSSM`, same-step input, ``h_k(0) = 0``)::

    h_1(t) = A_1 h_1(t-1) + B_1 x(t)
    h_k(t) = A_k h_k(t-1) + B_k h_{k-1}(t)      k = 2..l
    y(t)   = C^T h_l(t)

*The similarity.* For a pair ``(h_i, h_j = conj h_i)`` with eigenvalues ``λ = a + ib`` and
``conj λ`` the new coordinates are ``x_p + i x_q = (1+i) h_i``, i.e. ``x_p = Re h_i - Im h_i`` and
``x_q = Re h_i + Im h_i``; multiplication by ``λ`` acts on ``(x_p, x_q)`` as ``[[a, -b], [b, a]]``.
The block ``½[[1+i, 1-i], [1-i, 1+i]]`` is ``(1/√2)[[1, 1], [-i, i]]`` (the map to
``√2 (Re h, Im h)``) followed by a rotation by 45°, which commutes with the rotation-scaling
block. It is unitary with Gaussian-rational entries, so exact models stay in their field.

*The norm* (BYJL25 Eq. 3, the largest modulus of an entry of the ``B_k`` and ``C``). A row of
``M_k`` has entries of modulus summing to ``√2`` (pair) or ``1`` (real mode), so every entry of
``B̃_k`` is at most ``2`` times, and every entry of ``B̃_1`` and ``C̃`` at most ``√2`` times the
largest modulus of the original: ``‖θ̃‖ ≤ 2‖θ‖`` (:data:`NORM_FACTOR`), attained by the coupling
``[[1, -i], [i, 1]]`` between two pairs. For Algorithm A's models (``B_k = g_k 1^T`` for ``k ≥ 2``,
``C = κ 1``) the readout ``1^T M_{k-1}^*`` is ``1`` on both coordinates of a pair, so every entry
of the real model is either an entry of the complex one or ``Re γ ∓ Im γ`` for an entry ``γ``:
``‖θ‖ ≤ ‖θ̃‖ ≤ √2 ‖θ‖`` (:data:`RANK_ONE_NORM_FACTOR`), with equality on the right when the
largest entry is a ``γ`` of argument ``±45°`` (mod ``90°``), and on the left when every complex
``γ`` is real or imaginary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import mpmath
import numpy as np
import sympy

from theory.depth_width import GUARD_BITS, GUARD_FACTOR, KernelCheckError
from theory.linear import DeepSSM, _is_stable
from theory.numbers import (
    InvalidParameterError,
    KindArithmetic,
    NumberKind,
    as_array,
    convert,
    exact_equal,
    is_exact_zero,
    kind_of,
    max_abs,
)

__all__ = ["NORM_FACTOR", "RANK_ONE_NORM_FACTOR", "RealDeepSSM", "real_realization"]

#: ``‖θ̃‖ ≤ NORM_FACTOR · ‖θ‖`` for every real realization made by :func:`real_realization`.
NORM_FACTOR = 2

#: The factor for Algorithm A's rank-one couplings (``B_k = g_k 1^T``, ``C = κ 1``): ``√2``.
RANK_ONE_NORM_FACTOR = sympy.sqrt(2)


# ============================================================================ validation
def _fail(name: str, expected: str, value: Any) -> NoReturn:
    """Raise the module's error: ``"name: expected <expected>, got <value>"``."""
    raise InvalidParameterError(f"{name}: expected {expected}, got {value}")


def _is_real_entry(x: Any) -> bool:
    """Whether a finite number of a validated array has a zero imaginary part (exactly)."""
    if isinstance(x, sympy.Basic):
        return is_exact_zero(sympy.im(x))
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return bool(mpmath.im(x) == 0)
    return bool(np.imag(x) == 0)


def _real_array(arr: np.ndarray, kind: NumberKind) -> np.ndarray:
    """``arr`` with real storage (float64, ``mpf`` or sympy real numbers)."""
    if kind is NumberKind.FLOAT:
        return np.real(arr).astype(float)
    if kind is NumberKind.MPMATH:
        return np.vectorize(lambda x: mpmath.mpf(mpmath.re(x)), otypes=[object])(arr)
    return arr


def _block_violation(A: np.ndarray) -> str | None:
    """Why ``A`` is not block diagonal with ``1×1`` and ``[[a, -b], [b, a]]`` blocks of modulus
    ``|a + ib| < 1`` (``None`` when it is); blocks are found from the nonzero off-diagonal
    entries next to the diagonal."""
    m = A.shape[0]
    zero = [[_is_zero(A[i, j]) for j in range(m)] for i in range(m)]
    r = 0
    while r < m:
        size = 2 if r + 1 < m and not (zero[r][r + 1] and zero[r + 1][r]) else 1
        block = range(r, r + size)
        outside = [(i, j) for i in block for j in range(m) if j not in block and not zero[i][j]]
        if outside:
            return f"a nonzero entry at {outside[0]} outside the diagonal blocks"
        a, b = A[r, r], A[r + size - 1, r]
        if size == 2 and not (_same(A[r + 1, r + 1], a) and _same(A[r, r + 1], -b)):
            return f"the 2x2 block at row {r} is not of the form [[a, -b], [b, a]]"
        if not _is_stable(_complex_of(a, b) if size == 2 else a):
            return f"the block at row {r} has eigenvalues of modulus >= 1"
        r += size
    return None


def _complex_of(a: Any, b: Any) -> Any:
    """``a + ib`` in the kind of the real numbers ``a`` and ``b``."""
    if isinstance(a, sympy.Basic):
        return a + sympy.I * b
    return mpmath.mpc(a, b) if isinstance(a, mpmath.mpf) else complex(a, b)


def _is_zero(x: Any) -> bool:
    return is_exact_zero(x) if isinstance(x, sympy.Basic) else bool(x == 0)


def _same(x: Any, y: Any) -> bool:
    return exact_equal(x, y) if isinstance(x, sympy.Basic) else bool(x == y)


def _validated(name: str, value: Any, kind: NumberKind | None = None,
               shape: tuple[int, ...] | None = None) -> Any:
    """The module's validation choke point: every public callable passes its arguments here.

    ``deep`` must be a :class:`theory.linear.DeepSSM`; ``T`` a non-negative integer; ``A`` and
    ``B`` (without ``shape``) non-empty lists of per-layer arrays; any other name (with ``kind``
    and ``shape``) a real array of that kind and shape, and names starting with ``A`` stable
    real block-diagonal transitions. Returns the value as used (``int(T)``, real arrays).

    Raises
    ------
    InvalidParameterError
        Naming ``name``: a wrong type, non-finite or non-numeric entries, a wrong shape, a
        nonzero imaginary part, or (transitions) a wrong block structure or an eigenvalue of
        modulus ``≥ 1``.
    """
    if name == "deep":
        if not isinstance(value, DeepSSM):
            _fail(name, "a DeepSSM", type(value).__name__)
        return value
    if name == "T":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                or value < 0:
            _fail(name, "a non-negative integer", repr(value))
        return int(value)
    if shape is None:
        if not isinstance(value, (list, tuple)) or len(value) == 0:
            _fail(name, "a non-empty list of arrays (one per layer)", type(value).__name__)
        return value
    assert kind is not None  # arrays are validated in the model's number kind
    arr = as_array(value, kind, name)
    if arr.shape != shape:
        _fail(name, f"shape {shape}", f"shape {arr.shape}")
    bad = next((x for x in arr.flat if not _is_real_entry(x)), None)
    if bad is not None:
        _fail(name, "real entries", f"the entry {bad}")
    arr = _real_array(arr, kind)
    if name.startswith("A"):
        why = _block_violation(arr)
        if why is not None:
            _fail(name, "a stable block diagonal matrix with 1x1 and [[a, -b], [b, a]] blocks",
                  why)
    return arr


# ============================================================================ the model
def _recurrence(A: Sequence[np.ndarray], B: Sequence[np.ndarray], C: np.ndarray, T: int,
                kind: NumberKind) -> np.ndarray:
    """``ρ(0..T-1)`` by the recurrence on a unit impulse, in the arithmetic of ``kind``."""
    depth = len(B)
    ar = KindArithmetic(kind, [*A, *B, C])
    As, Bs, Cs = ar.arrays[:depth], ar.arrays[depth:2 * depth], ar.arrays[-1]
    h = [np.array([ar.zero] * C.shape[0], dtype=object) for _ in range(depth)]
    out = np.array([ar.zero] * T, dtype=object)
    for t in range(T):
        h[0] = As[0] @ h[0] + Bs[0] if t == 0 else As[0] @ h[0]
        for k in range(1, depth):
            h[k] = As[k] @ h[k] + Bs[k] @ h[k - 1]
        out[t] = Cs @ h[-1]
    out = ar.back(out)
    return out.astype(float) if kind is NumberKind.FLOAT else out


class RealDeepSSM:
    """Deep linear SSM with real block-diagonal transitions (BYJL25 Eq. 1 with real ``A_k``).

    Parameters
    ----------
    A
        ``l`` real ``(m, m)`` matrices, block diagonal with ``1×1`` blocks and ``2×2`` blocks
        ``[[a, -b], [b, a]]`` (eigenvalues ``a ± ib``), every eigenvalue of modulus ``< 1``.
    B
        ``[B_1 (m,), B_2 (m, m), …, B_l (m, m)]``, real.
    C
        Readout ``(m,)``, real; ``y(t) = C^T h_l(t)``.

    Raises
    ------
    InvalidParameterError
        On wrong shapes, non-finite, non-numeric or non-real entries, mixed kinds, a transition
        that is not of the block form, or an eigenvalue of modulus ``≥ 1``.
    """

    def __init__(self, A: Sequence[Any], B: Sequence[Any], C: Any) -> None:
        A, B = _validated("A", A), _validated("B", B)
        if len(A) != len(B):
            _fail("A", f"{len(B)} transitions like B", f"{len(A)}")
        self.kind = kind_of(*A, *B, C, names=[*(f"A[{k}]" for k in range(len(A))),
                                               *(f"B[{k}]" for k in range(len(B))), "C"])
        C_arr = as_array(C, self.kind, "C", ndim=1)
        m = C_arr.shape[0]
        if m < 1:
            _fail("C", "a width m >= 1", "an empty C")
        self.C = _validated("C", C_arr, self.kind, (m,))
        self.A = [_validated(f"A[{k}]", a, self.kind, (m, m)) for k, a in enumerate(A)]
        self.B = [_validated("B[0]", B[0], self.kind, (m,))] + [
            _validated(f"B[{k}]", b, self.kind, (m, m)) for k, b in enumerate(B) if k]

    @property
    def depth(self) -> int:
        """Number of layers ``l``."""
        return len(self.B)

    @property
    def width(self) -> int:
        """State dimension per layer ``m``."""
        return int(self.C.shape[0])

    def kernel(self, T: int) -> np.ndarray:
        """``ρ(0), …, ρ(T-1)`` by the recurrence, in the model's number kind (exact if exact).

        Raises
        ------
        InvalidParameterError
            If ``T`` is not a non-negative integer.
        """
        return _recurrence(self.A, self.B, self.C, _validated("T", T), self.kind)

    def norm(self) -> Any:
        """``‖θ̃‖``: the largest modulus of an entry of the ``B_k`` and ``C`` (BYJL25 Eq. 3)."""
        values = [max_abs(m) for m in [*self.B, self.C]]
        return sympy.Max(*values) if self.kind is NumberKind.EXACT else max(values)

    def __repr__(self) -> str:
        return f"RealDeepSSM(depth={self.depth}, width={self.width}, kind={self.kind.value})"


# ============================================================================ the similarity
def _conj(x: Any) -> Any:
    if isinstance(x, sympy.Basic):
        return sympy.conjugate(x)
    return mpmath.conj(x) if isinstance(x, (mpmath.mpf, mpmath.mpc)) else np.conj(x)


def _pairing(deep: DeepSSM) -> list[list[int]]:
    """``σ_k(i)``: the mode holding ``conj λ_{k,i}`` (``i`` itself for a real eigenvalue); the
    ``t``-th copy of ``λ`` is paired with the ``t``-th copy of ``conj λ``."""
    out = []
    for k, lam in enumerate(deep.eigenvalues):
        sigma = [-1] * deep.width
        for i, x in enumerate(lam):
            if sigma[i] >= 0:
                continue
            if _same(_conj(x), x):
                sigma[i] = i
                continue
            j = next((j for j in range(i + 1, deep.width)
                      if sigma[j] < 0 and _same(lam[j], _conj(x))), None)
            if j is None:
                _fail("deep", "eigenvalues closed under conjugation in every layer",
                      f"{x} without a partner in layer {k}")
            sigma[i], sigma[j] = j, i
        out.append(sigma)
    return out


def _check_symmetric(deep: DeepSSM, sigma: list[list[int]]) -> None:
    """Every entry of ``B_k`` and ``C`` at conjugate positions is the conjugate one, decided
    exactly (``σ_0`` is the identity on the single input)."""
    entries: list[tuple[str, Any, Any, tuple[int, ...]]] = [
        ("B[0]", deep.B[0][i], deep.B[0][sigma[0][i]], (i,)) for i in range(deep.width)]
    entries += [(f"B[{k}]", deep.B[k][i, j], deep.B[k][sigma[k][i], sigma[k - 1][j]], (i, j))
                for k in range(1, deep.depth) for i in range(deep.width)
                for j in range(deep.width)]
    entries += [("C", deep.C[i], deep.C[sigma[-1][i]], (i,)) for i in range(deep.width)]
    for name, x, y, at in entries:
        if not _same(y, _conj(x)):
            _fail("deep", "conjugate entries on conjugate modes (real=True of shallow_to_deep)",
                  f"{name}{list(at)} = {x} against {y}")


def _unitary(sigma: list[int], kind: NumberKind) -> np.ndarray:
    """``M`` of one layer. The new modes are the old ones in order, each pair ``(i, σ(i))``
    (``i < σ(i)``) moved together at the place of ``i``; a real mode keeps its row ``e_i``, a
    pair gets the rows ``½((1+i) e_i + (1-i) e_σ(i))`` and ``½((1-i) e_i + (1+i) e_σ(i))``."""
    m = len(sigma)
    if kind is NumberKind.EXACT:
        zero, one, half = sympy.Integer(0), sympy.Integer(1), (1 + sympy.I) / 2
    else:
        zero, one, half = mpmath.mpf(0), mpmath.mpf(1), mpmath.mpc(0.5, 0.5)
    rows = []
    for i, j in enumerate(sigma):
        if i == j:
            rows.append({i: one})
        elif i < j:
            rows += [{i: half, j: _conj(half)}, {i: _conj(half), j: half}]
    M = np.array([[zero] * m for _ in range(m)], dtype=object)
    for r, row in enumerate(rows):
        for col, value in row.items():
            M[r, col] = value
    return M


def _transformed(deep: DeepSSM, sigma: list[list[int]], kind: NumberKind
                 ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """``Ã_k = M_k Λ_k M_k^*``, ``B̃_1 = M_1 B_1``, ``B̃_k = M_k B_k M_{k-1}^*``, ``C̃ = conj(M_l) C``
    in exact domain arithmetic (``kind`` exact) or at the current mpmath precision; the
    imaginary parts vanish exactly (``kind`` exact: the canonical forms are real; mpmath: the
    real parts are kept)."""
    model = deep if kind is NumberKind.EXACT else deep.to_kind(NumberKind.MPMATH)
    depth = deep.depth
    Ms = [_unitary(s, kind) for s in sigma]
    ar = KindArithmetic(kind, [*Ms, *(np.vectorize(_conj, otypes=[object])(M).T for M in Ms),
                               *(np.diag(lam).astype(object) for lam in model.eigenvalues),
                               *model.B, model.C])
    M, Mh = ar.arrays[:depth], ar.arrays[depth:2 * depth]
    D, B, C = ar.arrays[2 * depth:3 * depth], ar.arrays[3 * depth:4 * depth], ar.arrays[-1]
    mats = [M[k] @ D[k] @ Mh[k] for k in range(depth)] + [M[0] @ B[0]]
    mats += [M[k] @ B[k] @ Mh[k - 1] for k in range(1, depth)] + [Mh[-1].T @ C]
    out = [ar.back(x) for x in mats]
    if kind is not NumberKind.EXACT:
        out = [np.vectorize(lambda x: mpmath.mpf(mpmath.re(x)), otypes=[object])(x)
               for x in out]
    return out[:depth], out[depth:2 * depth], out[-1]


def _abs_kernel(A: Sequence[np.ndarray], B: Sequence[np.ndarray], C: np.ndarray,
                T: int) -> list[Any]:
    """Kernel of the entrywise-absolute model at the current mpmath precision (a bound of every
    sum of path terms: ``|A^s| ≤ |A|^s`` entrywise)."""
    fabs = np.vectorize(lambda x: mpmath.fabs(mpmath.mpmathify(x)), otypes=[object])
    return list(_recurrence([fabs(a) for a in A], [fabs(b) for b in B], fabs(C), T,
                            NumberKind.MPMATH))


def _check_kernels(real: RealDeepSSM, deep: DeepSSM) -> None:
    """The a-posteriori check: the kernels agree on ``T = 2lm`` terms.

    ``T = 2lm`` certifies equality for all ``s`` (as :func:`theory.depth_width.certifying_length`:
    both ``ρ̂`` are ``N/Q`` with ``Q = Π_k det(I - wA_k)`` of degree ``≤ lm`` and constant term 1,
    and ``deg N ≤ l(m-1)``, so the difference has a numerator of degree ``< 2lm``). Exact models
    are compared exactly (:func:`theory.numbers.is_exact_zero`). Otherwise each entry of ``B̃_k``
    and ``C̃`` was rounded once (relative error ``≤ u``, the unit roundoff) and the ``A_k``
    entries are exact, so a path term is off by at most ``f u (1 + 4fu)`` relatively with
    ``f = l + 1``: the kernels, evaluated at the guarded precision, must agree within that
    times the absolute kernel of the real model, plus the guarded evaluation error.
    """
    T = 2 * deep.depth * deep.width
    if real.kind is NumberKind.EXACT:
        diffs = [x - y for x, y in zip(real.kernel(T), deep.kernel(T))]
        bad = next((s for s, d in enumerate(diffs) if not is_exact_zero(d)), None)
        if bad is not None:
            raise KernelCheckError(f"real_realization: the kernels differ at s = {bad} by "
                                   f"{diffs[bad]}; the result is not returned")
        return
    prec = 53 if real.kind is NumberKind.FLOAT else mpmath.mp.prec
    u, f = mpmath.mpf(2) ** -prec, deep.depth + 1
    with mpmath.workprec(GUARD_FACTOR * prec + GUARD_BITS):
        conv = [convert(x, NumberKind.MPMATH) for x in [*real.A, *real.B, real.C]]
        A, B, C = conv[:deep.depth], conv[deep.depth:-1], conv[-1]
        got = _recurrence(A, B, C, T, NumberKind.MPMATH)
        work = deep.to_kind(NumberKind.MPMATH)
        want = work.kernel(T, "recurrence")
        k_real = _abs_kernel(A, B, C, T)
        k_cplx = _abs_kernel([np.diag(lam) for lam in work.eigenvalues], work.B, work.C, T)
        guard = 8 * mpmath.mpf(2) ** -mpmath.mp.prec * (deep.width + 3) * f
        for s in range(T):
            allowed = f * u * (1 + 4 * f * u) * k_real[s] \
                + guard * (s + 1) * (k_real[s] + k_cplx[s])
            err = mpmath.fabs(got[s] - want[s])
            if err > allowed:
                raise KernelCheckError(
                    f"real_realization: at s = {s} the kernels differ by {mpmath.nstr(err, 3)}, "
                    f"more than the rounding bound {mpmath.nstr(allowed, 3)}; the result is not "
                    "returned"
                )


def real_realization(deep: DeepSSM) -> RealDeepSSM:
    """A real realization of a conjugation-symmetric diagonal deep model, same kernel.

    Meant for the result of :func:`theory.depth_width.shallow_to_deep` with ``real=True``
    (BYJL25 Theorem 4.1(ii), Algorithm A with a conjugation-closed split): in every layer the
    eigenvalues are closed under conjugation, and the entries of ``B_k`` (rows and columns) and
    of ``C`` at conjugate modes are exact conjugates. Each layer is changed by the unitary
    similarity ``M_k`` of the module docstring: a pair of modes becomes the real block
    ``[[a, -b], [b, a]]`` (the partner moves next to the first mode of the pair; the pairs of
    repeated eigenvalues are matched in index order), real modes stay. The norm grows by at
    most :data:`NORM_FACTOR` (``2``), for Algorithm A's rank-one couplings by at most
    :data:`RANK_ONE_NORM_FACTOR` (``√2``); see the module docstring.

    Exact models give exact results (entries in the models' field: ``M_k`` is
    Gaussian-rational). Float and mpmath models are transformed at ``GUARD_FACTOR`` times the
    working precision and rounded once. Every result is checked a posteriori against ``deep``
    (:func:`_check_kernels`).

    Parameters
    ----------
    deep
        A :class:`theory.linear.DeepSSM` with the symmetry above (a ``ShallowSSM`` too).

    Raises
    ------
    InvalidParameterError
        If ``deep`` is not a DeepSSM, or a layer's eigenvalues are not closed under conjugation,
        or two entries at conjugate positions are not exact conjugates (naming the first).
    KernelCheckError
        If the a-posteriori check fails (a bug; nothing is returned).
    """
    _validated("deep", deep)
    sigma = _pairing(deep)
    _check_symmetric(deep, sigma)
    kind = deep.kind
    if kind is NumberKind.EXACT:
        A, B, C = _transformed(deep, sigma, kind)
    else:
        prec = 53 if kind is NumberKind.FLOAT else mpmath.mp.prec
        with mpmath.workprec(GUARD_FACTOR * prec + GUARD_BITS):
            A, B, C = _transformed(deep, sigma, NumberKind.MPMATH)
        with mpmath.workprec(prec):
            rnd = (lambda x: convert(x, NumberKind.FLOAT)) if kind is NumberKind.FLOAT else \
                np.vectorize(lambda x: +x, otypes=[object])
            A, B, C = [rnd(a) for a in A], [rnd(b) for b in B], rnd(C)
    real = RealDeepSSM(A, B, C)
    _check_kernels(real, deep)
    return real
