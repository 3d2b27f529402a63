"""Batched float64 evaluation of WX23 stacks (:class:`theory.layers.SSMStack`) on the scan core.

:meth:`theory.layers.SSMStack.run` is the sequential reference in the stack's number kind; this
module runs the same stack on many long float sequences at once through
:func:`verify.scan.linear_scan`.

The scan core has no state bias. A layer's bias ``b`` enters linearly, so its contribution is
a fixed output sequence: the response ``o_t = C Σ_{s<t} W^s b`` of the layer to the constant
input 1 through the input map ``b``. It is computed once per layer (one scan of a length-``T``
sequence of ones) and added to every batch member: ``y = scan(x) + o``.
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from theory.layers import SSMLayer, SSMStack
from theory.numbers import InvalidParameterError, NumberKind
from verify.scan import linear_scan

__all__ = ["run_layer_float", "run_stack_float"]


def _fail(name: str, value: Any, expected: str) -> NoReturn:
    """The module's validation choke point: raise naming ``name`` and ``value``."""
    raise InvalidParameterError(f"{name}: expected {expected}, got {value}")


def _require(ok: Any, name: str, value: Any, expected: str) -> None:
    """:func:`_fail` unless ``ok``."""
    if not ok:
        _fail(name, value, expected)


def _float_layer(layer: SSMLayer, dt: float | None) -> SSMLayer:
    """The float64 discrete layer that ``layer`` runs as (discretized with step ``dt``)."""
    if layer.time == "continuous":
        layer = layer.to_kind(NumberKind.FLOAT) if layer.kind is NumberKind.EXACT else layer
        layer = layer.discretize(dt)
    return layer if layer.kind is NumberKind.FLOAT else layer.to_kind(NumberKind.FLOAT)


def run_layer_float(layer: SSMLayer, x: Any, *, method: str = "auto") -> np.ndarray:
    """One discrete layer on ``x (..., T, d_in)`` in float64 through the scan core.

    Raises
    ------
    InvalidParameterError
        If ``layer`` is not a discrete :class:`~theory.layers.SSMLayer` (discretize a
        continuous layer with :meth:`~theory.layers.SSMLayer.discretize` first), or on a bad
        ``x`` or ``method`` (checked by :func:`verify.scan.linear_scan`).
    """
    _require(isinstance(layer, SSMLayer), "layer", repr(layer), "an SSMLayer")
    _require(layer.time == "discrete", "layer", "a continuous layer",
             "a discrete layer (discretize a continuous one with layer.discretize(dt))")
    layer = _float_layer(layer, None)
    y = linear_scan(layer.W, layer.U, layer.C, x, layer.D, method=method,
                    diagonal=layer.diagonal)
    if layer.b is not None:
        T = y.shape[-2]
        offset = linear_scan(layer.W, layer.b[:, None], layer.C, np.ones((T, 1)),
                             method=method, diagonal=layer.diagonal)
        y = y + offset
    return y


def run_stack_float(
    stack: SSMStack, x: Any, *, dt: float | None = None, method: str = "auto"
) -> np.ndarray:
    """Evaluate ``stack`` on a batch of float sequences ``x (..., T, d_in)``.

    Parameters
    ----------
    stack
        A discrete stack, or a continuous one together with ``dt`` (each layer then runs its
        exact zero-order-hold discretization, as :meth:`SSMStack.run_continuous` on a uniform
        grid of step ``dt``).
    dt
        The grid step ``> 0`` of a continuous stack; must be ``None`` for a discrete stack.
    x
        Inputs with arbitrary leading batch axes.
    method
        Passed to :func:`verify.scan.linear_scan`.

    Returns
    -------
    numpy.ndarray
        ``(..., T, d_out)``, equal to :meth:`SSMStack.run` per sequence up to float rounding.

    Raises
    ------
    InvalidParameterError
        If ``stack`` is not an :class:`~theory.layers.SSMStack`, ``dt`` is missing for a
        continuous stack, given for a discrete one, or not a finite positive step, or on a bad
        ``x`` or ``method``.
    """
    _require(isinstance(stack, SSMStack), "stack", repr(stack), "an SSMStack")
    _require((dt is None) == (stack.time == "discrete"), "dt", repr(dt),
             "None for a discrete stack" if stack.time == "discrete" else
             "the grid step of the continuous stack (zero-order-hold discretization)")
    layers = [_float_layer(layer, dt) for layer in stack.layers]
    y = np.asarray(x, dtype=float)
    for i, layer in enumerate(layers):
        if i:
            y = stack.activation(y)
        try:
            y = run_layer_float(layer, y, method=method)
        except InvalidParameterError as exc:
            raise type(exc)(f"layers[{i}]: {exc}") from None
    return y
