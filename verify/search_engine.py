"""The engine of the tightness searches: budgets, the optimizers' objective, rows and table.

A tightness search maximizes a *ratio* ``quantity / bound`` over a box of parameters with a
cheap vectorized score, then re-scores its best candidates with the suite's own construction
and check. This module holds the parts every search shares (:mod:`verify.tightness` for
BYJL25 Theorem 4.2, :mod:`verify.tightness_wx23` for the WX23 Result A/B bounds):

* :class:`_Budget` — evaluations against a cap and a deadline;
* :class:`_Tracker` — the objective handed to the optimizers: counts evaluations, keeps the best
  points, scores non-finite values as failures;
* :func:`_hypothesis_phase` — ``hypothesis.target`` on the ratio (seeded, skipped with a note
  when hypothesis is not importable);
* :func:`_optimize_round` — SciPy differential evolution, then Nelder–Mead polishes;
* :func:`prepare_hypothesis` — the hypothesis module (or why not), warmed up;
* :func:`search_rounds` — the phases in order until the budget is used;
* :class:`TightnessRow` and :func:`format_tightness` — one line of the "how tight is each
  bound" table, and the table (at most 100 columns).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy  # scipy.optimize loads on first use (scipy's lazy submodules)

from theory.validation import check_int, check_real, fail

__all__ = [
    "TightnessRow",
    "format_tightness",
    "prepare_hypothesis",
    "search_rounds",
]

#: Differential evolution per round: generations and population size (per variable).
DE_MAXITER, DE_POPSIZE = 60, 10
#: Fraction of a search's evaluations given to the hypothesis phase.
HYPOTHESIS_SHARE = 0.1
#: At most this many hypothesis examples per search (each costs milliseconds of overhead).
HYPOTHESIS_MAX_EXAMPLES = 200
#: Time of one example of the hypothesis phase on a loaded 2-core machine (sets its size when
#: only a time budget is given).
HYPOTHESIS_EXAMPLE_SECONDS = 0.03
_TABLE_WIDTH = 100

Bounds = list[tuple[float, float]]


# ============================================================================ rows and table
@dataclass(frozen=True)
class TightnessRow:
    """One line of the tightness table.

    ``ratio`` is the worst ratio found, re-scored by the claim's own check function;
    ``constants`` maps a label to each constant it is compared against; ``proved`` is the label
    of the constant the suite proves for this row (a ratio above it is a counterexample), or
    ``None`` when no constant is proved (e.g. Algorithm A of Theorem 4.2); ``rounding`` is the
    relative excess over an exact tie that the re-scoring's arithmetic may produce (``0`` for
    an exact re-scoring); ``instance`` is the worst instance, exact; ``search_ratio`` is the
    cheap score of the search at that instance; ``shape`` is ``(l, m)`` for BYJL25 rows,
    ``setting`` a free label (e.g. ``"N=5"``) for others; ``notes`` say which phases ran or
    were skipped.
    """

    claim: str
    case: str
    shape: tuple[int, int] | None
    ratio: float
    constants: dict[str, float]
    evaluations: int
    seconds: float
    instance: dict[str, Any]
    search_ratio: float
    notes: tuple[str, ...] = field(default_factory=tuple)
    proved: str | None = None
    setting: str | None = None
    rounding: float = 0.0

    @property
    def label(self) -> str:
        """``"(l,m)"`` for a shape, else the setting."""
        if self.shape is not None:
            return f"({self.shape[0]},{self.shape[1]})"
        return self.setting or ""

    def exceeds(self) -> bool:
        """Whether the ratio is above the proved constant by more than the re-scoring's
        ``rounding`` (relative): a counterexample."""
        return self.proved is not None and \
            self.ratio > self.constants[self.proved] * (1 + self.rounding)

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable form (ratios to each constant included)."""
        where: dict[str, Any] = (
            {"depth": self.shape[0], "width": self.shape[1]} if self.shape is not None
            else {"setting": self.setting})
        return {"claim": self.claim, "case": self.case, **where, "ratio": self.ratio,
                "constants": dict(self.constants), "proved": self.proved,
                "rounding": self.rounding,
                "ratio_to_constant": {k: self.ratio / v for k, v in self.constants.items()},
                "evaluations": self.evaluations, "seconds": self.seconds,
                "search_ratio": self.search_ratio, "instance": self.instance,
                "notes": list(self.notes)}


def format_tightness(rows: Sequence[TightnessRow]) -> str:
    """The "how tight is each bound" table (at most 100 columns), one line per row, then the
    rows' notes. ``vs K`` is ``worst ratio / K``: above 1 means the bound is exceeded.

    Raises
    ------
    InvalidParameterError
        If ``rows`` is not a list of :class:`TightnessRow`.
    """
    if not isinstance(rows, (list, tuple)) or any(not isinstance(r, TightnessRow) for r in rows):
        fail("rows", "a list of TightnessRow (from search)", rows)
    claims = list(dict.fromkeys(r.claim for r in rows))
    head = f"{'setting case':<17} {'worst':>9}  {'vs constant(s)':<30} {'evals':>7} {'secs':>6}"
    lines = [f"claim: {', '.join(claims)}", head, "-" * len(head)]
    notes: list[str] = []
    for r in rows:
        versus = "  ".join(f"{k}: {r.ratio / v:.5f}" for k, v in r.constants.items())
        case = f"{r.label} {r.case}" + (f" [{r.claim}]" if len(claims) > 1 else "")
        lines.append(f"{case:<17} {r.ratio:>9.6f}  {versus:<30} {r.evaluations:>7d} "
                     f"{r.seconds:>6.1f}")
        notes += [f"{case}: {n}" for n in r.notes if f"{case}: {n}" not in notes]
    out = lines + (["", "notes:"] + [f"  {n}" for n in notes] if notes else [])
    return "\n".join(_wrap(line) for line in out)


def _wrap(line: str) -> str:
    """``line`` broken at spaces into pieces of at most :data:`_TABLE_WIDTH` columns."""
    pieces: list[str] = []
    while len(line) > _TABLE_WIDTH:
        cut = line.rfind(" ", 0, _TABLE_WIDTH)
        cut = _TABLE_WIDTH if cut <= 4 else cut
        pieces.append(line[:cut])
        line = "    " + line[cut:].lstrip()
    return "\n".join([*pieces, line])


# ============================================================================ budget
class _Exhausted(Exception):
    """The evaluation or time budget of a search is used up."""


class _Budget:
    """Counts evaluations against ``max_evaluations`` and a deadline ``seconds`` from now."""

    def __init__(self, seconds: float, max_evaluations: int | None) -> None:
        self.deadline = time.monotonic() + seconds
        self.limit = math.inf if max_evaluations is None else max_evaluations
        self.count = 0

    def left(self) -> bool:
        """Whether evaluations and time remain."""
        return self.count < self.limit and time.monotonic() < self.deadline

    def room(self) -> int:
        """Evaluations still allowed (0 once the deadline has passed)."""
        if time.monotonic() >= self.deadline:
            return 0
        return int(min(self.limit - self.count, 2**62))


class _Tracker:
    """The objective of the optimizers: counts against the budget, keeps the best points.

    ``score(X)`` maps a batch ``X`` of shape ``(S, n)`` (one candidate per row) to ``S``
    ratios. Non-finite scores (degenerate candidates, overflow) count as failures and score 0.
    """

    def __init__(self, score: Callable[[np.ndarray], np.ndarray], budget: _Budget,
                 keep: int) -> None:
        self.score, self.budget, self.keep = score, budget, keep
        self.best: list[tuple[float, tuple[float, ...]]] = []
        self.failures = 0

    def ratios(self, X: np.ndarray) -> np.ndarray:
        """Scores of the rows of ``X``; raises :class:`_Exhausted` (after scoring the rows the
        budget still allows) when the budget runs out."""
        room = self.budget.room()
        if room <= 0:
            raise _Exhausted
        X = np.asarray(X, dtype=float)[:room]
        self.budget.count += X.shape[0]
        with np.errstate(all="ignore"):
            values = self.score(X)
        bad = ~np.isfinite(values)
        self.failures += int(bad.sum())
        values = np.where(bad, 0.0, values)
        for i in np.argsort(-values, kind="stable")[:self.keep]:
            self._remember(float(values[i]), tuple(float(v) for v in X[i]))
        return values

    def _remember(self, value: float, key: tuple[float, ...]) -> None:
        if (len(self.best) < self.keep or value > self.best[-1][0]) and \
                all(key != k for _, k in self.best):
            self.best = sorted([*self.best, (value, key)], reverse=True)[:self.keep]

    def ratio(self, x: np.ndarray) -> float:
        """The score of one candidate."""
        return float(self.ratios(np.asarray(x, dtype=float)[None, :])[0])

    def negative(self, x: np.ndarray) -> float:
        """Minus the score of one candidate (for minimizers)."""
        return -self.ratio(x)

    def negative_batch(self, XT: np.ndarray) -> np.ndarray:
        """For ``differential_evolution(vectorized=True)``: ``XT`` has shape ``(n, S)``."""
        X = np.asarray(XT, dtype=float).T
        values = self.ratios(X)
        if values.shape[0] < X.shape[0]:
            raise _Exhausted
        return -values


# ============================================================================ phases
def _check_rounds(score: Any, bounds: Any, seconds: Any, max_evaluations: Any, rng: Any,
                  keep: Any) -> None:
    """The arguments of :func:`search_rounds` (the module's validation choke point)."""
    if not callable(score):
        fail("score", "a callable", score)
    if not isinstance(bounds, (list, tuple)) or not bounds or any(
            not isinstance(box, (list, tuple)) or not box or any(
                not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in pair)
                or not pair[0] < pair[1] for pair in box) for box in bounds):
        fail("bounds", "a non-empty sequence of boxes of finite (low, high) pairs", bounds)
    check_real(seconds, "seconds", minimum=0, strict=True)
    if max_evaluations is not None:
        check_int(max_evaluations, "max_evaluations", 1)
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy Generator", rng)
    check_int(keep, "keep", 1)


def prepare_hypothesis(hypothesis_phase: bool) -> Any:
    """The ``hypothesis`` module for a search's targeted phase, warmed up with SciPy's
    optimizers before the clocks start: ``False`` when ``hypothesis_phase`` is off, ``None``
    when hypothesis is not importable (a test dependency only).

    Raises
    ------
    InvalidParameterError
        If ``hypothesis_phase`` is not a bool.
    """
    if not isinstance(hypothesis_phase, bool):
        fail("hypothesis_phase", "True or False", hypothesis_phase)
    _ = scipy.optimize.differential_evolution
    if not hypothesis_phase:
        return False
    try:
        import hypothesis
        import hypothesis.strategies
    except ImportError:
        return None

    @hypothesis.settings(max_examples=1, database=None, deadline=None)
    @hypothesis.given(hypothesis.strategies.floats(0, 1))
    def once(x: float) -> None:
        hypothesis.target(x)

    once()
    return hypothesis


def _hypothesis_phase(hypothesis: Any, tracker: _Tracker, bounds: Bounds, seed: int,
                     examples: int) -> str:
    """Targeted property-based search (``hypothesis.target`` on the ratio); returns a note.

    ``hypothesis`` is the module, ``None`` (not importable) or ``False`` (phase turned off).
    """
    if hypothesis is None:
        return "hypothesis phase skipped (hypothesis is not importable)"
    if hypothesis is False:
        return "hypothesis phase off (hypothesis_phase=False)"
    st = hypothesis.strategies
    before = tracker.budget.count

    @hypothesis.seed(seed)
    @hypothesis.settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                         phases=[hypothesis.Phase.generate, hypothesis.Phase.target],
                         suppress_health_check=list(hypothesis.HealthCheck), verbosity=
                         hypothesis.Verbosity.quiet)
    @hypothesis.given(st.tuples(*[st.floats(lo, hi) for lo, hi in bounds]))
    def run(x: tuple[float, ...]) -> None:
        try:
            hypothesis.target(tracker.ratio(np.array(x)))
        except _Exhausted:  # out of budget: the remaining examples are not evaluated
            pass

    run()
    return f"hypothesis phase: {tracker.budget.count - before} evaluations"


def _optimize_round(tracker: _Tracker, bounds: Bounds, rng: np.random.Generator) -> None:
    """Differential evolution, then Nelder–Mead from its best, the overall best and a random
    start (all clipped to ``bounds``)."""
    lo, hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    de = scipy.optimize.differential_evolution(
        tracker.negative_batch, bounds, maxiter=DE_MAXITER, popsize=DE_POPSIZE,
        seed=int(rng.integers(2**31 - 1)), polish=False, tol=0, init="latinhypercube",
        vectorized=True, updating="deferred")
    starts = [de.x, np.array(tracker.best[0][1]), rng.uniform(lo, hi)]
    for x0 in starts:
        scipy.optimize.minimize(tracker.negative, np.clip(x0, lo, hi), method="Nelder-Mead",
                                bounds=bounds, options={"maxfev": 400, "xatol": 1e-9,
                                                        "fatol": 1e-12, "adaptive": True})


def search_rounds(score: Callable[[np.ndarray], np.ndarray], bounds: Sequence[Bounds],
                  seconds: float, max_evaluations: int | None, rng: np.random.Generator,
                  hypothesis: Any, keep: int) -> tuple[_Tracker, list[str], int]:
    """The hypothesis phase on ``bounds[0]``, then optimizer rounds cycling through ``bounds``
    until ``seconds`` or ``max_evaluations`` are used.

    Returns the tracker (its ``best`` holds the ``keep`` best candidates), the phases' notes
    and the number of optimizer rounds. ``hypothesis`` is what :func:`prepare_hypothesis`
    returned.

    Raises
    ------
    InvalidParameterError
        If ``score`` is not callable, ``bounds`` is not a non-empty sequence of non-empty boxes
        of finite ``(low, high)`` pairs with ``low < high``, ``seconds`` is not finite and
        ``> 0``, ``max_evaluations`` is not ``None`` or an integer ``>= 1``, ``rng`` is not a
        numpy Generator or ``keep`` is not an integer ``>= 1``.
    ArithmeticError
        If every evaluation failed.
    """
    _check_rounds(score, bounds, seconds, max_evaluations, rng, keep)
    budget = _Budget(seconds, max_evaluations)
    tracker = _Tracker(score, budget, keep)
    examples = max(1, min(HYPOTHESIS_MAX_EXAMPLES, int(
        HYPOTHESIS_SHARE * max_evaluations if max_evaluations is not None
        else HYPOTHESIS_SHARE * seconds / HYPOTHESIS_EXAMPLE_SECONDS)))
    tracker.budget = _Budget(HYPOTHESIS_SHARE * seconds, examples)
    notes = [_hypothesis_phase(hypothesis, tracker, bounds[0], int(rng.integers(2**31 - 1)),
                              examples)]
    budget.count, tracker.budget = tracker.budget.count, budget
    rounds = 0
    while budget.left():
        try:
            _optimize_round(tracker, bounds[rounds % len(bounds)], rng)
        except _Exhausted:
            pass
        rounds += 1
    if not tracker.best:
        raise ArithmeticError("tightness search: every evaluation failed")
    if tracker.failures:
        notes.append(f"{tracker.failures} candidates could not be scored (counted as 0)")
    return tracker, notes, rounds

