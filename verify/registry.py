"""The claim registry: every checked statement of BYJL25 and WX23, stated once.

A :class:`Claim` is data (paper, reference, provenance tag, statement, what its margin measures,
the expected outcome) plus one or more :class:`Tier` checks. A tier draws random instances with
its sampler and returns one *margin* per instance: ``margin ≥ 0`` means the statement holds on
that instance, ``margin < 0`` is a violation, and the size says how far from the boundary the
instance is (each claim says in :attr:`Claim.margin` in which unit). The command-line runner,
the tests and the notebooks all read this registry.

Provenance tags (carried from the project's specification):

``paper``     attested by the paper's abstract or several independent summaries
``summary``   attested by one detailed public summary; hypotheses may differ
``rebuilt``   the suite's own precise formulation or construction of what the paper claims
``finding``   something the suite's checks showed about a claim as stated

A claim whose ``expected`` is ``"finding"`` states the paper's claim *as stated* and is expected
to be violated: its check must find a counterexample and record a re-checkable certificate.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "PROVENANCE_TAGS",
    "EXPECTED",
    "Tier",
    "Claim",
    "register",
    "all_claims",
    "get_claim",
    "UnknownClaimError",
]

PROVENANCE_TAGS = ("paper", "summary", "rebuilt", "finding")
EXPECTED = ("holds", "finding")
PAPERS = ("BYJL25", "WX23")


class UnknownClaimError(KeyError):
    """No claim with the requested id is registered."""


@dataclass(frozen=True)
class Tier:
    """One way of checking a claim, at one exactness tier.

    Parameters
    ----------
    name
        The tier as shown in reports, e.g. ``"exact (sympy)"``, ``"mpmath dps=50"``,
        ``"float64"``.
    sample
        ``sample(rng, n)`` draws ``n`` instances with the numpy Generator ``rng``; the result is
        passed as a whole to ``check`` (a list, or a batched structure for vectorized tiers).
    check
        ``check(instances)`` returns one margin per instance (a sequence of floats; ``inf``
        for an exact equality, ``-inf`` for an exact violation, ``nan`` counts as a violation).
    describe
        ``describe(instances, i)`` returns a JSON-serialisable description of instance ``i``
        (the certificate printed for the worst instance).
    batch
        Instances per ``sample``/``check`` call (vectorized tiers take large batches).
    max_instances
        Upper bound on the instances this tier runs whatever the requested count (for tiers
        whose per-instance cost is high); the report shows the count actually run.
    """

    name: str
    sample: Callable[[np.random.Generator, int], Any]
    check: Callable[[Any], Sequence[float] | np.ndarray]
    describe: Callable[[Any, int], Any]
    batch: int = 256
    max_instances: int | None = None

    def instances_for(self, requested: int) -> int:
        """Number of instances this tier runs when ``requested`` are asked for."""
        if self.max_instances is None:
            return requested
        return min(requested, self.max_instances)


@dataclass(frozen=True)
class Claim:
    """A checked statement of one of the papers (see the module docstring)."""

    id: str
    paper: str
    reference: str
    provenance: str
    statement: str
    margin: str
    tiers: tuple[Tier, ...]
    expected: str = "holds"
    default_instances: int = 200
    notes: str = ""
    hypotheses: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise ValueError(f"paper: expected one of {PAPERS}, got {self.paper!r}")
        if self.provenance not in PROVENANCE_TAGS:
            raise ValueError(
                f"provenance: expected one of {PROVENANCE_TAGS}, got {self.provenance!r}"
            )
        if self.expected not in EXPECTED:
            raise ValueError(f"expected: expected one of {EXPECTED}, got {self.expected!r}")
        if not self.tiers:
            raise ValueError(f"tiers: claim {self.id!r} needs at least one tier")
        if self.default_instances < 1:
            raise ValueError("default_instances: must be at least 1")


_REGISTRY: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the registry (ids are unique) and return it."""
    if claim.id in _REGISTRY and _REGISTRY[claim.id] is not claim:
        raise ValueError(f"id: a claim {claim.id!r} is already registered")
    _REGISTRY[claim.id] = claim
    return claim


def _load_claim_modules() -> None:
    import verify.claims as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{info.name}")


def all_claims() -> list[Claim]:
    """Every registered claim, ordered by paper and id."""
    _load_claim_modules()
    return sorted(_REGISTRY.values(), key=lambda c: (PAPERS.index(c.paper), c.id))


def get_claim(claim_id: str) -> Claim:
    """The claim with id ``claim_id``.

    Raises
    ------
    UnknownClaimError
        If no such claim is registered (the message lists the known ids).
    """
    claims = {c.id: c for c in all_claims()}
    if claim_id not in claims:
        raise UnknownClaimError(
            f"claim: no claim with id {claim_id!r}; known ids: {', '.join(sorted(claims))}"
        )
    return claims[claim_id]


def log_margin(error: float, tol: float) -> float:
    """Margin of an agreement check in decades: ``log10(tol / error)``.

    ``inf`` when the error is exactly zero, negative when ``error > tol``, ``nan`` when the
    error is not a number (counted as a violation).
    """
    if math.isnan(error):
        return math.nan
    if error == 0:
        return math.inf
    if tol == 0:
        return -math.inf
    return math.log10(tol / error)
