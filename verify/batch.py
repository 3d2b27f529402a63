"""Batches of deep linear SSMs of one shape, evaluated in one vectorized pass (float64).

The float tier of the BYJL25 kernel checks runs thousands of random models at once: the
closed form of Lemma 3.1 with stacked arrays, and the recurrence through the scan core with
batched parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.linear import DeepSSM
from verify.scan import linear_scan

__all__ = ["DeepBatch"]


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
    """

    eigenvalues: np.ndarray
    B1: np.ndarray
    Bk: np.ndarray
    C: np.ndarray
    styles: list[str]

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
        the scan core, all models in one batched call per layer; shape ``(n, T)``."""
        n, m = self.size, self.width
        x = np.zeros((n, T, 1))
        if T:
            x[:, 0, 0] = 1.0
        eye = np.eye(m)
        h = linear_scan(self.eigenvalues[:, 0], self.B1[:, :, None], eye, x, diagonal=True)
        for k in range(1, self.depth):
            h = linear_scan(self.eigenvalues[:, k], self.Bk[:, k - 1], eye, h, diagonal=True)
        return np.einsum("nsi,ni->ns", h, self.C)
