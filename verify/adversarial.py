"""Adversarial search for targets that make Theorem 4.2's constant large.

For a depth ``l`` and width ``m``, search over shallow targets of width ``n = l(m-1)+1`` for the
largest ratio ``c_2 / c_1^{2/(l+1)}`` (BYJL25 Theorem 4.2 claims ``≤ 2``), where ``c_2`` is the
balanced norm of the best realization that the chosen constructions of
:mod:`theory.norm_reduction` find. The ratio does not change when all residues are scaled by one
number, so residues are searched with ``max |r_i|`` in ``[10^{-3}, 1]``.

Parametrization (one real vector ``x`` of length ``4n``): ``log10 |λ_i|`` in
``[-decades, log10(0.999)]``, ``arg λ_i``, ``log10 |r_i|`` in ``[-3, 0]``, ``arg r_i``. The
search is SciPy's differential evolution with a small budget, then a Nelder–Mead polish of the
best point.

A ratio above 2 for every construction would be a counterexample to Theorem 4.2 as the project
states it; :func:`describe_target` records an instance exactly (every float64 as its exact
rational value and as a round-trip decimal string).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import scipy  # scipy.optimize loads on first use (scipy's lazy submodules)

from theory.linear import ShallowSSM
from theory.norm_reduction import CONSTRUCTIONS, small_norm_deep_report
from theory.numbers import InvalidParameterError
from theory.validation import check_array, check_instance, check_int, check_real, fail

__all__ = [
    "AdversarialResult",
    "search_bounds",
    "target_from_vector",
    "describe_target",
    "ratio_of",
    "worst_ratio_search",
]

MAX_MODULUS = 0.999

#: Least admissible value of each integer parameter of the module.
_INT_MINIMUM = {"depth": 1, "width": 1, "n": 1, "maxiter": 1, "popsize": 1, "polish_iter": 1}


def _check(name: str, value: Any) -> Any:
    """The module's validation choke point: check the parameter ``name`` with the helpers of
    :mod:`theory.validation` and return it normalized (ints as ``int``, ``decades`` as
    ``float``, ``constructions`` as a tuple, ``shallow`` and ``rng`` as given).

    Raises
    ------
    InvalidParameterError
        Naming the parameter and the bad value.
    """
    if name in _INT_MINIMUM:
        return check_int(value, name, _INT_MINIMUM[name])
    if name == "decades":
        return check_real(value, name, minimum=0, strict=True)
    if name == "shallow":
        return check_instance(value, name, ShallowSSM)
    if name == "rng":
        return check_instance(value, name, np.random.Generator)
    if name == "constructions":
        names = [value] if isinstance(value, str) else list(value)
        if not names or any(c not in CONSTRUCTIONS for c in names):
            fail(name, f"names from {CONSTRUCTIONS}", value)
        return tuple(names)
    raise InvalidParameterError(f"{name}: unknown parameter")  # pragma: no cover


@dataclass
class AdversarialResult:
    """Worst instance found by :func:`worst_ratio_search`."""

    depth: int
    width: int
    constructions: tuple[str, ...]
    ratio: float
    target: ShallowSSM
    record: dict[str, Any]
    evaluations: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable summary with the exact instance."""
        return {
            "depth": self.depth,
            "width": self.width,
            "constructions": list(self.constructions),
            "ratio": self.ratio,
            "winner": self.record.get("winner"),
            "norms": self.record.get("norms"),
            "evaluations": self.evaluations,
            "failures": len(self.failures),
            "target": describe_target(self.target),
        }


def search_bounds(n: int, decades: float) -> list[tuple[float, float]]:
    """Box bounds of the ``4n`` search variables (see the module docstring)."""
    n, decades = _check("n", n), _check("decades", decades)
    top = math.log10(MAX_MODULUS)
    return ([(-decades, top)] * n + [(-math.pi, math.pi)] * n + [(-3.0, 0.0)] * n
            + [(-math.pi, math.pi)] * n)


def target_from_vector(x: Sequence[float] | np.ndarray, n: int) -> ShallowSSM:
    """The target of the search vector ``x`` (float64, ``B = r``, ``C = 1``)."""
    n = _check("n", n)
    v = check_array(x, "x", (4 * n,))
    poles = 10.0 ** np.minimum(v[:n], math.log10(MAX_MODULUS)) * np.exp(1j * v[n:2 * n])
    res = 10.0 ** v[2 * n:3 * n] * np.exp(1j * v[3 * n:])
    return ShallowSSM(poles, res, np.ones(n))


def _exact(v: float) -> str:
    return str(Fraction(float(v)))


def describe_target(shallow: ShallowSSM) -> dict[str, Any]:
    """Poles and residues of a float target: round-trip decimal strings and exact rationals."""
    shallow = _check("shallow", shallow)

    def parts(z: Any) -> dict[str, str]:
        z = complex(z)
        return {"re": repr(z.real), "im": repr(z.imag),
                "re_exact": _exact(z.real), "im_exact": _exact(z.imag)}

    return {"poles": [parts(p) for p in shallow.poles],
            "residues": [parts(r) for r in shallow.residues]}


def ratio_of(shallow: ShallowSSM, depth: int, width: int,
             constructions: Sequence[str]) -> tuple[float, dict[str, Any]]:
    """``c_2 / c_1^{2/(l+1)}`` of the best of ``constructions`` and its record."""
    shallow, depth, width = _check("shallow", shallow), _check("depth", depth), \
        _check("width", width)
    _, record = small_norm_deep_report(shallow, depth, width,
                                       _check("constructions", constructions), max_splits=60)
    return float(record["ratio"]), record


def worst_ratio_search(
    depth: int,
    width: int,
    rng: np.random.Generator,
    *,
    constructions: Sequence[str] = ("width_one", "norm_aware_2x2", "forest", "optimizer"),
    decades: float = 4.0,
    maxiter: int = 8,
    popsize: int = 5,
    polish_iter: int = 80,
) -> AdversarialResult:
    """Maximise the ratio of Theorem 4.2 over targets of width ``l(m-1)+1``.

    Parameters
    ----------
    depth, width
        ``l`` and ``m``.
    rng
        Seeds the differential evolution (reproducible).
    constructions
        Passed to :func:`theory.norm_reduction.small_norm_deep_report`.
    decades
        Pole moduli range over ``[10^{-decades}, 0.999]``.
    maxiter, popsize, polish_iter
        Budget of the differential evolution and of the Nelder–Mead polish.

    Returns
    -------
    AdversarialResult
        The worst instance seen over all evaluations. Targets on which a construction raised
        are kept in ``failures`` (with the error), not counted as small ratios silently.
    """
    depth, width = _check("depth", depth), _check("width", width)
    constructions = _check("constructions", constructions)
    maxiter, popsize = _check("maxiter", maxiter), _check("popsize", popsize)
    polish_iter, rng = _check("polish_iter", polish_iter), _check("rng", rng)
    n = depth * (width - 1) + 1
    bounds = search_bounds(n, decades)
    best: dict[str, Any] = {"ratio": -math.inf}
    failures: list[dict[str, Any]] = []
    count = [0]

    def objective(x: np.ndarray) -> float:
        x = np.clip(x, [b[0] for b in bounds], [b[1] for b in bounds])
        count[0] += 1
        target = target_from_vector(x, n)
        try:
            ratio, record = ratio_of(target, depth, width, constructions)
        except (ArithmeticError, InvalidParameterError) as exc:
            failures.append({"error": f"{type(exc).__name__}: {exc}",
                             "target": describe_target(target)})
            return 0.0
        if ratio > best["ratio"]:
            best.update(ratio=ratio, target=target, record=record)
        return -ratio

    seed = int(rng.integers(2**31 - 1))
    de = scipy.optimize.differential_evolution(objective, bounds, maxiter=maxiter,
                                               popsize=popsize, seed=seed, polish=False, tol=0,
                                               init="sobol")
    scipy.optimize.minimize(objective, de.x, method="Nelder-Mead",
                            options={"maxfev": polish_iter, "xatol": 1e-6, "fatol": 1e-9})
    if "target" not in best:
        raise ArithmeticError("worst_ratio_search: every evaluation failed")
    return AdversarialResult(depth, width, tuple(constructions), float(best["ratio"]),
                             best["target"], best["record"], count[0], failures)
