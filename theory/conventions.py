"""The one converter between the suite's same-step convention and the control convention.

Glossary (code name → meaning):

=============  ===================================================================
same-step      ``h_t = A h_{t-1} + B x_t``, ``y_t = C h_t + D x_t``, ``h_0 = 0``,
               ``t = 1, 2, …`` (the suite, BYJL25 Eq. 1, WX23)
control        ``s[k+1] = A s[k] + B u[k]``, ``y[k] = C s[k] + D u[k]``, ``s[0] = 0``,
               ``k = 0, 1, …`` (:func:`scipy.signal.dlsim`, python-control)
``x_t``        the input at step ``t``; it is ``u[t-1]`` in the control convention
=============  ===================================================================

Both conventions map an input sequence to an output sequence of the same length; the
converters below return systems that give *the same map*, so that ``y_t = y[t-1]`` for every
input. With the same state sequence, ``h_t = s[t]`` (the state after the input ``u[t-1]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theory.numbers import InvalidParameterError

__all__ = ["to_control", "from_control"]

_System = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _matrix(value: Any, name: str) -> np.ndarray:
    """A finite 2-D float (or complex) array, or a clear error naming ``name``."""
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nesting
        raise InvalidParameterError(f"{name}: not a rectangular array ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   and not np.issubdtype(arr.dtype, np.bool_)):
        raise InvalidParameterError(f"{name}: entries must be numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise InvalidParameterError(f"{name}: expected a 2-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"{name}: entries must be finite (no NaN or inf)")
    return arr.astype(complex if np.iscomplexobj(arr) else float)


def _system(A: Any, B: Any, C: Any, D: Any) -> _System:
    """Validate ``(A, B, C, D)``: shapes ``(n, n)``, ``(n, d)``, ``(p, n)``, ``(p, d)``."""
    A_, B_, C_ = _matrix(A, "A"), _matrix(B, "B"), _matrix(C, "C")
    n = A_.shape[0]
    if A_.shape != (n, n) or n < 1:
        raise InvalidParameterError(f"A: expected a non-empty square matrix, got {A_.shape}")
    if B_.shape[0] != n or B_.shape[1] < 1:
        raise InvalidParameterError(f"B: expected shape ({n}, d) with d >= 1, got {B_.shape}")
    if C_.shape[1] != n or C_.shape[0] < 1:
        raise InvalidParameterError(f"C: expected shape (p, {n}) with p >= 1, got {C_.shape}")
    p, d = C_.shape[0], B_.shape[1]
    D_ = np.zeros((p, d)) if D is None else _matrix(D, "D")
    if D_.shape != (p, d):
        raise InvalidParameterError(f"D: expected shape ({p}, {d}), got {D_.shape}")
    return A_, B_, C_, D_


def to_control(A: Any, B: Any, C: Any, D: Any = None) -> _System:
    """Same-step system → control system with the same input-output map.

    Parameters
    ----------
    A, B, C : array_like
        Same-step system ``h_t = A h_{t-1} + B x_t``, ``y_t = C h_t + D x_t`` with shapes
        ``(n, n)``, ``(n, d)``, ``(p, n)``.
    D : array_like, optional
        Feedthrough of shape ``(p, d)``; zero if omitted (BYJL25 has none).

    Returns
    -------
    tuple of ndarray
        ``(A, B, C A, C B + D)``, for :func:`scipy.signal.dlsim` or python-control.

    Raises
    ------
    InvalidParameterError
        On a non-numeric, non-finite or wrongly shaped matrix.

    Notes
    -----
    With ``s[k] = h_k`` and ``u[k] = x_{k+1}``: ``s[k+1] = A s[k] + B u[k]`` and
    ``y_{k+1} = C (A h_k + B x_{k+1}) + D x_{k+1} = (C A) s[k] + (C B + D) u[k]``
    (spec: README, "Notation shared by both papers"). The state dimension is unchanged.
    """
    A_, B_, C_, D_ = _system(A, B, C, D)
    return A_, B_, C_ @ A_, C_ @ B_ + D_


def from_control(A: Any, B: Any, C: Any, D: Any = None) -> _System:
    """Control system → same-step system with the same input-output map, exact for any ``A``.

    Parameters
    ----------
    A, B, C, D : array_like
        Control system ``s[k+1] = A s[k] + B u[k]``, ``y[k] = C s[k] + D u[k]`` with shapes
        ``(n, n)``, ``(n, d)``, ``(p, n)``, ``(p, d)`` (``D`` zero if omitted).

    Returns
    -------
    tuple of ndarray
        ``(Ã, B̃, C̃, D)`` with state dimension ``n + d``::

            Ã = [[A, B],      B̃ = [[0],      C̃ = [C, 0]
                 [0, 0]]            [I_d]]

    Raises
    ------
    InvalidParameterError
        On a non-numeric, non-finite or wrongly shaped matrix.

    Notes
    -----
    The control output ``y[k] = C s[k] + D u[k]`` reads the state *before* the input
    ``u[k]`` enters, while a same-step readout sees the state *after* it. The direct route
    ``h_t = s[t]`` therefore needs ``s[t-1] = A^{-1}(s[t] - B u[t-1])``, i.e. ``C̃ = C A^{-1}``,
    ``D̃ = D - C A^{-1} B``: wrong for singular ``A`` and inaccurate when ``A`` is
    ill-conditioned. Instead the state is augmented with the current input,
    ``h̃_t = (s[t-1], x_t)``::

        h̃_t = [[A, B], [0, 0]] h̃_{t-1} + [0; I] x_t      (s[t-1] = A s[t-2] + B x_{t-1})
        y_t = C s[t-1] + D x_t = [C, 0] h̃_t + D x_t

    with ``h̃_0 = 0``. Only entries of the given matrices are copied (no arithmetic), so the
    conversion is exact in floating point. It adds ``d`` states (``n + d`` instead of the
    ``2n`` of the augmentation ``[[A, 0], [I, 0]]`` with ``C̃ = [0, C]``, which is exact too).
    """
    A_, B_, C_, D_ = _system(A, B, C, D)
    n, d, p = A_.shape[0], B_.shape[1], C_.shape[0]
    dtype = np.result_type(A_, B_, C_, D_)
    A_aug = np.zeros((n + d, n + d), dtype=dtype)
    A_aug[:n, :n] = A_
    A_aug[:n, n:] = B_
    B_aug = np.zeros((n + d, d), dtype=dtype)
    B_aug[n:, :] = np.eye(d)
    C_aug = np.zeros((p, n + d), dtype=dtype)
    C_aug[:, :n] = C_
    return A_aug, B_aug, C_aug, D_.astype(dtype)
