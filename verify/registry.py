"""The claim registry: every checked statement of BYJL25 and WX23, stated once.

A :class:`Claim` is data (paper, reference, provenance tag, statement, what its margin measures,
the expected outcome) plus one or more :class:`Tier` checks. A tier draws random instances with
its sampler and returns one *margin* per instance: ``margin ≥ 0`` means the statement holds on
that instance, ``margin < 0`` is a violation, and the size says how far from the boundary the
instance is (each claim says in :attr:`Claim.margin` what it measures, and each tier names the
unit of its margins in :attr:`Tier.unit`, one of :data:`UNITS`). The command-line runner, the
tests and the notebooks all read this registry.

Provenance tags (carried from the project's specification):

``paper``     attested by the paper's abstract or several independent summaries
``summary``   attested by one detailed public summary; hypotheses may differ
``rebuilt``   the suite's own precise formulation or construction of what the paper claims
``finding``   something the suite's checks showed about a claim as stated

A claim whose ``expected`` is ``"finding"`` states the paper's claim *as stated* and is expected
to be violated: its check must find a counterexample and record a re-checkable certificate.

The text of every claim lives in :mod:`verify.claims.catalog` (plain data, no numpy or sympy):
a claim module builds its claim with :func:`from_catalog`, and :func:`register` refuses a claim
whose text, tier names or units differ from its catalog entry.
"""

from __future__ import annotations

import importlib
import math
import numbers
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from theory.numbers import InvalidParameterError
from verify.claims.catalog import EXPECTED, PAPERS, PROVENANCE_TAGS, catalog_entry

__all__ = [
    "PROVENANCE_TAGS",
    "EXPECTED",
    "PAPERS",
    "UNITS",
    "Tier",
    "Claim",
    "register",
    "from_catalog",
    "all_claims",
    "get_claim",
    "log_margin",
    "check_count",
    "UnknownClaimError",
]

#: The units a tier's margins can be in (:attr:`Tier.unit`), with what a margin of ``x`` says.
#: In every unit ``x >= 0`` means the statement holds on the instance and ``x < 0`` that it is
#: violated; ``inf`` is shown as ``exact`` (an exact equality, or zero error).
UNITS: dict[str, str] = {
    "decades": "log10 of (tolerance or bound) / (error or measured value); 'exact' = zero error",
    "fraction": "share of the bound, budget or constant left unused, e.g. (bound - error) / bound",
    "layers": "depth gap, in layers, of the weakest link of a chain of depth bounds",
    "nepers/step": "natural-log decay rate per step by which the bound's rate exceeds the "
    "measured one",
    "pole order": "1 - order of a pole (0: simple pole; negative: a multiple pole)",
    "magnitude": "absolute value of an exact quantity that the certificate needs nonzero",
    "exact": "an exact yes/no check: inf ('exact') if it holds, -inf ('not exact') if not",
}


def _require(name: str, value: Any, ok: bool, expected: str) -> None:
    """The module's validation choke point: raise :class:`InvalidParameterError` unless ``ok``.

    The message names the parameter, what it should be and the value it got.
    """
    if not ok:
        raise InvalidParameterError(f"{name}: expected {expected}, got {value!r}")


def check_count(name: str, value: Any, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) in ``[minimum, maximum]``.

    Shared by the registry, the runner and the report for counts, indices and seeds.

    Raises
    ------
    theory.numbers.InvalidParameterError
        Naming ``name`` when ``value`` is not such an integer.
    """
    bound = f"an integer >= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
    _require(name, value, isinstance(value, numbers.Integral) and not isinstance(value, bool),
             bound)
    _require(name, value, value >= minimum and (maximum is None or value <= maximum), bound)
    return int(value)


def _require_text(name: str, value: Any) -> None:
    _require(name, value, isinstance(value, str) and bool(value.strip()), "a non-empty string")


def _require_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    _require(name, value, isinstance(value, str) and value in choices, f"one of {choices}")


def _real(name: str, value: Any, expected: str) -> float:
    """``float(value)`` for a real number (not a string or bool), else the choke point raises."""
    ok = not isinstance(value, (str, bytes, bool))
    try:
        x = float(value) if ok else math.nan
    except (TypeError, ValueError):
        ok, x = False, math.nan
    _require(name, value, ok, expected)
    return x


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
    unit
        The unit of the margins, one of :data:`UNITS` (shown next to every worst margin and
        written to the JSON report). ``None`` (the default) leaves it unstated: the report then
        shows the bare number. A tier with unit ``"exact"`` must return only ``inf``, ``-inf``
        or ``nan``; the runner reports a finite margin there as an error.
    rebuild
        ``rebuild(description)`` turns a description written by ``describe`` (as read back from
        the JSON report) into instances that ``check`` accepts, holding that one instance at
        index 0, so that :mod:`verify.recheck` can recompute its margin from the report alone.
        It must raise ``ValueError`` for a description it cannot read. ``None`` (the default):
        the tier's instances cannot be rebuilt, and a recheck says so.
    certified
        ``True`` for a certified tier (★): its margins are the lower ends of rigorous balls
        (:mod:`verify.balls`), so a margin ``>= 0`` proves the statement for that instance up
        to the correctness of the ball library; the report marks such tiers.
    """

    name: str
    sample: Callable[[np.random.Generator, int], Any]
    check: Callable[[Any], Sequence[float] | np.ndarray]
    describe: Callable[[Any, int], Any]
    batch: int = 256
    max_instances: int | None = None
    unit: str | None = None
    rebuild: Callable[[Any], Any] | None = None
    certified: bool = False

    def __post_init__(self) -> None:
        _require_text("name", self.name)
        _require("certified", self.certified, isinstance(self.certified, bool), "True or False")
        if self.unit is not None:
            _require_choice("unit", self.unit, tuple(UNITS))
        for role in ("sample", "check", "describe"):
            _require(role, getattr(self, role), callable(getattr(self, role)), "a callable")
        _require("rebuild", self.rebuild, self.rebuild is None or callable(self.rebuild),
                 "None or a callable")
        check_count("batch", self.batch)
        if self.max_instances is not None:
            check_count("max_instances", self.max_instances)

    def instances_for(self, requested: int) -> int:
        """Number of instances this tier runs when ``requested`` (``>= 1``) are asked for."""
        requested = check_count("requested", requested)
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
        for name in ("id", "reference", "statement", "margin"):
            _require_text(name, getattr(self, name))
        _require("id", self.id, not any(c.isspace() for c in self.id), "an id without spaces")
        _require_choice("paper", self.paper, PAPERS)
        _require_choice("provenance", self.provenance, PROVENANCE_TAGS)
        _require_choice("expected", self.expected, EXPECTED)
        _require("tiers", self.tiers, isinstance(self.tiers, tuple) and len(self.tiers) > 0
                 and all(isinstance(t, Tier) for t in self.tiers), "a non-empty tuple of Tier")
        names = [t.name for t in self.tiers]
        _require("tiers", names, len(set(names)) == len(names), "tiers with distinct names")
        check_count("default_instances", self.default_instances)
        _require("notes", self.notes, isinstance(self.notes, str), "a string")
        _require("hypotheses", self.hypotheses, isinstance(self.hypotheses, tuple)
                 and all(isinstance(h, str) for h in self.hypotheses), "a tuple of strings")


_REGISTRY: dict[str, Claim] = {}


#: The fields of a :class:`Claim` that its catalog entry states (besides the tiers).
_CATALOG_FIELDS = ("paper", "reference", "provenance", "statement", "margin", "expected",
                   "notes", "hypotheses")


def _require_catalog_match(claim: Claim) -> None:
    """Raise unless ``claim`` agrees with its :mod:`verify.claims.catalog` entry (when it has
    one): every text field, and the tiers' names and units in order."""
    entry = catalog_entry(claim.id)
    if entry is None:
        return
    for name in _CATALOG_FIELDS:
        _require(name, getattr(claim, name), getattr(claim, name) == getattr(entry, name),
                 f"the catalog's {name} of {claim.id!r}: {getattr(entry, name)!r}")
    tiers = tuple((t.name, t.unit) for t in claim.tiers)
    _require("tiers", tiers, tiers == entry.tiers,
             f"the catalog's tiers (name, unit) of {claim.id!r}: {entry.tiers!r}")


def from_catalog(claim_id: str, *, tiers: tuple[Tier, ...],
                 default_instances: int = 200) -> Claim:
    """The claim ``claim_id`` with the text of its :mod:`verify.claims.catalog` entry and the
    checks ``tiers`` (whose names and units must be the catalog's, in order).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If the catalog has no entry ``claim_id``, or the tiers differ from the entry's, or a
        field is invalid (as for :class:`Claim`).
    """
    entry = catalog_entry(claim_id)
    _require("claim_id", claim_id, entry is not None, "the id of a catalog entry")
    assert entry is not None
    claim = Claim(id=entry.id, tiers=tiers, default_instances=default_instances,
                  **{name: getattr(entry, name) for name in _CATALOG_FIELDS})
    _require_catalog_match(claim)
    return claim


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the registry (ids are unique) and return it.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claim`` is not a :class:`Claim`, its id is taken by another claim, or it differs
        from its :mod:`verify.claims.catalog` entry (text, tier names or units).
    """
    _require("claim", claim, isinstance(claim, Claim), "a Claim")
    _require_catalog_match(claim)
    _require("id", claim.id, _REGISTRY.get(claim.id, claim) is claim,
             "an id that is not already registered")
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
    theory.numbers.InvalidParameterError
        If ``claim_id`` is not a string.
    """
    _require("claim_id", claim_id, isinstance(claim_id, str), "a string")
    claims = {c.id: c for c in all_claims()}
    if claim_id not in claims:
        raise UnknownClaimError(
            f"claim: no claim with id {claim_id!r}; known ids: {', '.join(sorted(claims))}"
        )
    return claims[claim_id]


def log_margin(error: float, tol: float) -> float:
    """Margin of an agreement check in decades: ``log10(tol / error)``.

    ``inf`` when the error is exactly zero, negative when ``error > tol``, ``-inf`` when the
    error is infinite or the tolerance is zero (and the error is not), ``nan`` when the error is
    not a number (counted as a violation by the runner).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``error`` is negative, or ``tol`` is negative, infinite or not a number.
    """
    error = _real("error", error, "a non-negative real number (nan counts as a violation)")
    tol = _real("tol", tol, "a finite non-negative real number")
    _require("error", error, not error < 0, "a non-negative real number")
    _require("tol", tol, 0 <= tol < math.inf, "a finite non-negative real number")
    if math.isnan(error):
        return math.nan
    if error == 0:
        return math.inf
    if tol == 0 or math.isinf(error):
        return -math.inf
    ratio = tol / error  # correctly rounded: >= 1 exactly when error <= tol
    if ratio == 0 or math.isinf(ratio):  # under- or overflow: far from the boundary
        return math.log10(tol) - math.log10(error)
    return math.log10(ratio)
