"""Batches of deep linear SSMs of one shape, evaluated in one vectorized pass (float64).

The float tier of the BYJL25 kernel checks runs thousands of random models at once: the
closed form of Lemma 3.1 with stacked arrays, and the recurrence through the scan core with
batched parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from theory.linear import DeepSSM
from theory.numbers import InvalidParameterError
from verify.scan import linear_scan

__all__ = ["DeepBatch"]


def _fail(name: str, value: Any, expected: str) -> NoReturn:
    """The module's validation choke point: raise naming ``name`` and ``value``."""
    raise InvalidParameterError(f"{name}: expected {expected}, got {value}")


def _require(ok: Any, name: str, value: Any, expected: str) -> None:
    """:func:`_fail` unless ``ok``."""
    if not ok:
        _fail(name, value, expected)


def _index(value: Any, name: str, lower: int, upper: int | None = None) -> int:
    """An integer (not a bool) in ``[lower, upper)`` (no upper bound if ``upper`` is None)."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= lower
    bound = f"an integer >= {lower}" + ("" if upper is None else f" and < {upper}")
    _require(ok and (upper is None or value < upper), name, repr(value), bound)
    return int(value)


def _stacked(value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A finite numeric array of the given shape."""
    expected = f"a numeric array of shape {shape}"
    try:
        arr = np.asarray(value)
    except ValueError:
        _fail(name, "a ragged array", expected)
    _require(arr.dtype != object and np.issubdtype(arr.dtype, np.number) and arr.shape == shape,
             name, f"shape {arr.shape}", expected)
    _require(bool(np.all(np.isfinite(arr))), name, "a NaN or inf entry", "finite entries")
    return arr


@dataclass
class DeepBatch:
    """``n`` deep linear SSMs of one depth ``l`` and width ``m``, stored as stacked arrays.

    Attributes
    ----------
    eigenvalues : (n, l, m)
    B1 : (n, m)
    Bk : (n, l-1, m, m)   couplings ``B_2..B_l``
    C : (n, m)
    styles : list of the spectrum style of each instance

    Raises
    ------
    InvalidParameterError
        On mismatched shapes, an empty depth or width, NaN/inf entries, an eigenvalue of
        modulus ``≥ 1`` (BYJL25 requires ``|λ| < 1``) or a wrong number of styles.
    """

    eigenvalues: np.ndarray
    B1: np.ndarray
    Bk: np.ndarray
    C: np.ndarray
    styles: list[str]

    def __post_init__(self) -> None:
        eig = np.asarray(self.eigenvalues)
        _require(eig.ndim == 3 and eig.shape[1] >= 1 and eig.shape[2] >= 1, "eigenvalues",
                 f"shape {eig.shape}", "shape (n, l, m) with l, m >= 1")
        n, depth, m = eig.shape
        self.eigenvalues = _stacked(eig, "eigenvalues", (n, depth, m))
        _require(bool(np.all(np.abs(self.eigenvalues) < 1)), "eigenvalues",
                 f"modulus {float(np.max(np.abs(self.eigenvalues)))}",
                 "moduli < 1 (stable models)")
        self.B1 = _stacked(self.B1, "B1", (n, m))
        self.Bk = _stacked(self.Bk, "Bk", (n, depth - 1, m, m))
        self.C = _stacked(self.C, "C", (n, m))
        _require(len(self.styles) == n and all(isinstance(x, str) for x in self.styles),
                 "styles", f"{len(self.styles)} entries", f"{n} style names")

    @property
    def size(self) -> int:
        """Number of models ``n``."""
        return self.eigenvalues.shape[0]

    @property
    def depth(self) -> int:
        """Depth ``l``."""
        return self.eigenvalues.shape[1]

    @property
    def width(self) -> int:
        """Width ``m``."""
        return self.eigenvalues.shape[2]

    def model(self, i: int) -> DeepSSM:
        """Instance ``i`` as a float :class:`~theory.linear.DeepSSM`."""
        i = _index(i, "i", 0, self.size)
        return DeepSSM(self.eigenvalues[i], [self.B1[i], *self.Bk[i]], self.C[i])

    def absolute(self) -> DeepBatch:
        """The batch with every entry replaced by its modulus.

        Its kernel bounds ``|ρ(s)|`` and scales the rounding error of any evaluation of ``ρ(s)``
        (every term of Lemma 3.1 is bounded by the corresponding term of the absolute model).
        """
        return DeepBatch(np.abs(self.eigenvalues), np.abs(self.B1), np.abs(self.Bk),
                         np.abs(self.C), self.styles)

    def describe(self, i: int) -> dict[str, object]:
        """JSON-ready description of instance ``i`` (reprs of the complex entries)."""
        i = _index(i, "i", 0, self.size)
        return {
            "depth": self.depth,
            "width": self.width,
            "style": self.styles[i],
            "eigenvalues": [[repr(complex(x)) for x in row] for row in self.eigenvalues[i]],
            "B1": [repr(complex(x)) for x in self.B1[i]],
            "Bk": [[[repr(complex(x)) for x in row] for row in mat] for mat in self.Bk[i]],
            "C": [repr(complex(x)) for x in self.C[i]],
        }

    def kernel_closed_form(self, T: int) -> np.ndarray:
        """``ρ(0..T-1)`` of every model by Lemma 3.1 (explicit powers), shape ``(n, T)``.

        Layer by layer, ``v_k(s) = Σ_{j ≤ s} A_k^j B_k v_{k-1}(s - j)`` with ``v_1(s) = A_1^s B_1``
        and ``ρ(s) = C^T v_l(s)``: the sum over ``s_1 + … + s_l = s`` of Eq. 2 grouped by ``s_l``.
        """
        T = _index(T, "T", 0)
        s = np.arange(T).reshape(1, T, 1)
        v = self.eigenvalues[:, 0:1, :] ** s * self.B1[:, None, :]
        for k in range(1, self.depth):
            u = np.einsum("nij,nsj->nsi", self.Bk[:, k - 1], v)
            P = self.eigenvalues[:, k : k + 1, :] ** s
            nxt = np.zeros_like(u)
            for t in range(T):
                nxt[:, t] = np.sum(P[:, : t + 1] * u[:, t::-1], axis=1)
            v = nxt
        return np.einsum("nsi,ni->ns", v, self.C)

    def kernel_scan(self, T: int) -> np.ndarray:
        """``ρ(0..T-1)`` of every model by running the recurrence (Eq. 1) on an impulse through
        the scan core, all models in one batched call per layer; shape ``(n, T)``.

        Layer ``k`` maps the previous layer's states by ``B_k`` and runs ``h_t = A_k h_{t-1} +
        B_k x_t``; the last layer reads out ``C^T h_t`` (the output map of its call). The impulse
        is one ``(T, 1)`` array broadcast over the models.
        """
        T = _index(T, "T", 0)
        n, m = self.size, self.width
        if T == 0:  # the scan core needs a time step; the empty kernel needs no run
            return np.zeros((n, 0), dtype=np.result_type(self.eigenvalues, self.C, float))
        h = np.zeros((T, 1))
        h[0, 0] = 1.0
        eye = np.eye(m)
        for k in range(self.depth):
            B = self.B1[:, :, None] if k == 0 else self.Bk[:, k - 1]
            C = self.C[:, None, :] if k == self.depth - 1 else eye
            h = linear_scan(self.eigenvalues[:, k], B, C, h, diagonal=True)
        return h[:, :, 0]
