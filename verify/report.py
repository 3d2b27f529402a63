"""Render claim results: a plain-text table for the terminal and a JSON report for archiving.

The table (:class:`ResultTable`) has fixed column widths computed from the claims before they
run, so that ``python -m verify`` can print each claim's rows as soon as the claim finishes. By
default it fits in :data:`LINE_WIDTH` (100) columns: a line per claim (id, provenance tag,
reference) followed by one indented row per tier; ``wide=True`` gives one full row per tier
with every column. Every worst margin is shown with its tier's unit
(:data:`verify.registry.UNITS`), ``inf`` as ``exact``.

In the JSON report each tier has ``"unit"`` (a name from :data:`verify.registry.UNITS`, or
``null`` when the tier states none), ``"worst_margin"`` (always a JSON number or ``null``) and
``"worst_margin_kind"``: ``"finite"`` when ``"worst_margin"`` is a number, else ``"exact"``
(``inf``: exact equality or zero error on every instance), ``"-inf"`` (an exact or infinite
violation) or ``"nan"`` (a check that gave no number, counted as a violation, or a tier that
failed before checking any instance); ``"worst_margin"`` is ``null`` exactly when the kind is
not ``"finite"``.

A run stopped by Ctrl-C is rendered from the rows that finished, with the ids of the claims that
did not (``pending``): the table says so, and the JSON report has ``"complete": false``,
``"ok": false`` and ``"pending_claims"``. :func:`write_json` replaces its target atomically, so
a report on disk is always a whole report.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import platform
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from theory.param_count import depth_width_counts
from theory.validation import require
from verify import __version__
from verify.claims.catalog import ClaimText, format_listing
from verify.claims.catalog import text_table as _table
from verify.registry import PROVENANCE_TAGS, UNITS, Claim, check_count
from verify.runner import MAX_INSTANCES, ClaimResult, TierResult, iter_rows

__all__ = [
    "LINE_WIDTH",
    "ResultTable",
    "format_margin",
    "format_table",
    "format_claim_list",
    "format_parameter_counts",
    "parameter_counts",
    "json_report",
    "jsonable",
    "write_json",
    "versions",
]


def _sequence_of(name: str, value: Any, kind: type) -> None:
    require(isinstance(value, Sequence) and not isinstance(value, str)
            and all(isinstance(v, kind) for v in value), name,
            f"a sequence of {kind.__name__}", value)

#: (depth, width) pairs of the parameter-count table that accompanies Theorem 4.1.
COUNT_SHAPES = ((2, 2), (3, 2), (2, 3), (4, 3), (8, 4))

#: Columns the default table fits in (``wide=False``).
LINE_WIDTH = 100

#: Widest number :func:`format_margin` writes (``"-1.23e-300"``).
_NUMBER_WIDTH = 10
#: Width of the seconds column (``"99.99"``, then whole seconds up to 99999, about 28 hours).
_SECONDS_WIDTH = 5


def _require_unit(unit: Any) -> None:
    require(unit is None or (isinstance(unit, str) and unit in UNITS), "unit",
            f"None or one of {tuple(UNITS)}", unit)


def format_margin(value: float, unit: str | None) -> str:
    """A worst margin with its unit, as the table shows it.

    ``inf`` is ``"exact"`` (exact equality or zero error), ``-inf`` is ``"not exact"`` in unit
    ``"exact"`` and ``"-inf <unit>"`` otherwise, ``nan`` is ``"nan"``, a finite value is
    written to three significant digits followed by the unit (``"6.5 decades"``,
    ``"0 fraction"``). ``unit=None`` (a tier that states no unit) gives the bare number.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``value`` is not a real number or ``unit`` is neither ``None`` nor one of
        :data:`verify.registry.UNITS`.
    """
    require(isinstance(value, numbers.Real) and not isinstance(value, bool), "value",
            "a real number", value)
    _require_unit(unit)
    if math.isnan(value):
        return "nan"
    if value == math.inf:
        return "exact"
    if value == -math.inf and unit == "exact":
        return "not exact"
    number = "-inf" if value == -math.inf else f"{value:.3g}"
    return number if unit is None else f"{number} {unit}"


def _seconds(t: TierResult) -> str:
    return f"{t.seconds:.2f}" if t.seconds < 99.995 else f"{t.seconds:.0f}"


def _margin_cell(t: TierResult) -> str:
    return "-" if t.instances == 0 else format_margin(t.worst_margin, t.unit)


def _details(claim: Claim, t: TierResult) -> str | None:
    """The line under an error or unexpected verdict (the error, or the violating instance)."""
    if t.error:
        return f"{claim.id} [{t.tier}]: {t.error}"
    if not t.ok:
        instance = json.dumps(jsonable(t.first_violation or t.worst_instance))
        return f"{claim.id} [{t.tier}]: unexpected verdict; first violating instance: {instance}"
    return None


class ResultTable:
    """The table of ``python -m verify``, rendered claim by claim (column widths fixed up front).

    Parameters
    ----------
    claims
        The claims the table will show (their ids, references, tier names and units fix the
        column widths).
    instances
        The requested instances per tier (``None``: each claim's default), which fixes the width
        of the instance column.
    wide
        ``False`` (default): a line per claim (id, tag, reference; cut at :data:`LINE_WIDTH`)
        followed by one row per tier with instances, worst margin, seconds and verdict; every
        line fits in :data:`LINE_WIDTH` columns. ``True``: one row per tier with every column
        (claim, tag, reference, tier, instances, violations, worst margin, seconds, verdict).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claims`` is not a sequence of :class:`~verify.registry.Claim`, ``instances`` is not
        ``None`` or in ``[1, MAX_INSTANCES]``, or ``wide`` is not a bool.
    """

    def __init__(self, claims: Sequence[Claim], instances: int | None = None,
                 wide: bool = False) -> None:
        _sequence_of("claims", claims, Claim)
        if instances is not None:
            check_count("instances", instances, 1, MAX_INSTANCES)
        require(isinstance(wide, bool), "wide", "True or False", wide)
        self.wide = wide
        tiers = [t for c in claims for t in c.tiers]
        most = max((t.instances_for(c.default_instances if instances is None else instances)
                    for c in claims for t in c.tiers), default=1)
        margin = max((_NUMBER_WIDTH + 1 + len(t.unit or "") for t in tiers), default=0)
        self._instances = max(len("inst"), len(str(most)))
        self._margin = max(len("worst margin"), len("not exact"), margin)
        self._tier = max([len(t.name) for t in tiers] + [len("claim / tier") - 2])
        self._claim = max([len(c.id) for c in claims] + [len("claim")])
        self._reference = max([len(c.reference) for c in claims] + [len("reference")])

    def _cells(self, claim: Claim | None, t: TierResult | None) -> list[str]:
        """The padded cells of a row (the titles when ``claim`` or ``t`` is ``None``), verdict
        last and unpadded."""
        if claim is None or t is None:
            cells = ["claim", "tag", "reference", "tier", "inst", "viol.", "worst margin",
                     "secs", "verdict"]
        else:
            cells = [claim.id, claim.provenance, claim.reference, t.tier, str(t.instances),
                     str(t.violations), _margin_cell(t), _seconds(t), t.verdict]
        widths = [self._claim, max(map(len, PROVENANCE_TAGS)), self._reference, self._tier,
                  self._instances, len("viol."), self._margin, _SECONDS_WIDTH]
        right = {4, 5, 7}
        padded = [c.rjust(w) if i in right else c.ljust(w)
                  for i, (c, w) in enumerate(zip(cells, widths))]
        if not self.wide:  # indented tier rows under the claim's line
            tier = "claim / tier".ljust(self._tier + 2) if t is None else "  " + padded[3]
            padded = [tier, padded[4], padded[6], padded[7]]
        return [*padded, cells[-1]]

    def header(self) -> str:
        """The column titles and a rule under them."""
        line = "  ".join(self._cells(None, None))
        return line + "\n" + "-" * len(line)

    def rows(self, result: ClaimResult) -> str:
        """The lines of one claim: its rows (and, under them, any error or violating instance).

        Raises
        ------
        theory.numbers.InvalidParameterError
            If ``result`` is not a :class:`~verify.runner.ClaimResult`.
        """
        require(isinstance(result, ClaimResult), "result", "a ClaimResult", result)
        claim = result.claim
        lines = []
        if not self.wide:
            title = f"{claim.id}  [{claim.provenance}]  {claim.reference}"
            lines.append(title if len(title) <= LINE_WIDTH else title[:LINE_WIDTH - 3] + "...")
        lines += ["  ".join(self._cells(claim, t)).rstrip() for t in result.tiers]
        for t in result.tiers:
            if (detail := _details(claim, t)) is not None:
                lines += [detail] if self.wide else textwrap.wrap(
                    detail, LINE_WIDTH, subsequent_indent="    ", break_on_hyphens=False)
        return "\n".join(lines)

    def footer(self, results: Sequence[ClaimResult], pending: Sequence[str] = ()) -> str:
        """The summary under the rows: counts, an interrupted run's pending claims, the units.

        Raises
        ------
        theory.numbers.InvalidParameterError
            If ``results`` is not a sequence of :class:`~verify.runner.ClaimResult` or
            ``pending`` not a sequence of ids.
        """
        _sequence_of("results", results, ClaimResult)
        _sequence_of("pending", pending, str)
        rows = [t for _, t in iter_rows(results)]
        n_ok = sum(t.ok for t in rows)
        text = f"\n{len(rows)} checks, {n_ok} as expected" + (
            "" if n_ok == len(rows) else " — SOME CHECKS DID NOT GO AS EXPECTED")
        if pending:
            text += f"\nINTERRUPTED: the run is incomplete; not finished: {', '.join(pending)}"
        units = sorted({t.unit for t in rows if t.unit is not None}, key=list(UNITS).index)
        legend = [f"  {u}: {UNITS[u]}" for u in units]
        if not self.wide:
            legend = [w for line in legend for w in textwrap.wrap(
                line, LINE_WIDTH, subsequent_indent="    ", break_on_hyphens=False)]
        text += "".join(f"\n{line}" for line in ["units (margin >= 0: holds):", *legend]
                        if units)
        return text + ("\nmargins: see `python -m verify --list` for what each claim's margin "
                       "measures")


def format_table(results: Sequence[ClaimResult], pending: Sequence[str] = (),
                 wide: bool = False) -> str:
    """The whole table of ``python -m verify`` for finished results (see :class:`ResultTable`).

    ``pending`` lists the ids of requested claims that did not finish (an interrupted run); the
    summary then says that the run is incomplete.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``results`` is not a sequence of :class:`ClaimResult`, ``pending`` not a sequence
        of ids, or ``wide`` not a bool.
    """
    _sequence_of("results", results, ClaimResult)
    _sequence_of("pending", pending, str)
    most = max((t.instances for _, t in iter_rows(results)), default=0)
    table = ResultTable([r.claim for r in results], most or None, wide)
    return "\n".join([table.header(), *(table.rows(r) for r in results),
                      table.footer(results, pending)])


def format_claim_list(claims: Sequence[Claim]) -> str:
    """The table printed by ``python -m verify --list`` for ``claims``
    (:func:`verify.claims.catalog.format_listing`; ``--list`` itself formats the catalog).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claims`` is not a sequence of :class:`~verify.registry.Claim`.
    """
    _sequence_of("claims", claims, Claim)
    return format_listing([
        ClaimText(c.id, c.paper, c.reference, c.provenance, c.statement, c.margin,
                  tuple((t.name, t.unit) for t in c.tiers), c.expected, c.notes, c.hypotheses)
        for c in claims])


def parameter_counts(shapes: Sequence[tuple[int, int]] = COUNT_SHAPES) -> list[dict[str, Any]]:
    """Hidden units and raw parameters of deep ``(l, m)`` models next to the shallow widths
    ``l(m-1)+1`` and ``lm`` of Theorem 4.1 (the two counts tell different stories: depth and
    width match in hidden units, not in parameters, because the ``B_k`` are dense).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``shapes`` is not a sequence of ``(depth, width)`` pairs of integers ``>= 1``.
    """
    require(isinstance(shapes, Sequence) and all(
        isinstance(p, tuple) and len(p) == 2 for p in shapes), "shapes",
        "a sequence of (depth, width)", shapes)
    for i, (l_, m) in enumerate(shapes):
        check_count(f"shapes[{i}] depth", l_)
        check_count(f"shapes[{i}] width", m)
    return [
        {"depth": l_, "width": m, "model": row.model, "hidden_units": row.hidden_units,
         "parameters": row.parameters}
        for l_, m in shapes
        for row in depth_width_counts(l_, m)
    ]


def format_parameter_counts(shapes: Sequence[tuple[int, int]] = COUNT_SHAPES) -> str:
    """The parameter-count table as text."""
    rows = [(r["model"], str(r["hidden_units"]), str(r["parameters"]))
            for r in parameter_counts(shapes)]
    return "Theorem 4.1 in numbers (BYJL25): hidden units and raw parameters\n" + _table(
        ("model", "hidden units", "parameters"), rows)


def versions() -> dict[str, str]:
    """Versions of Python, the platform and the packages the results depend on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform(),
           "ssm-theory-verify": __version__}
    for pkg in ("numpy", "scipy", "sympy", "mpmath"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def jsonable(x: Any) -> Any:
    """``x`` as strict JSON: non-finite floats as ``"nan"``/``"inf"``/``"-inf"``, dict keys as
    strings, tuples as lists, numpy scalars as Python numbers, anything else through
    :func:`str` (exact rationals, sympy numbers)."""
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (str, int, bool)) or x is None:
        return x
    if hasattr(x, "item"):
        return jsonable(x.item())
    return str(x)


def _worst_margin_fields(value: float) -> dict[str, Any]:
    """``worst_margin`` (a number, or ``None`` when not finite) and ``worst_margin_kind``."""
    if math.isfinite(value):
        return {"worst_margin": value, "worst_margin_kind": "finite"}
    kind = "nan" if math.isnan(value) else "exact" if value > 0 else "-inf"
    return {"worst_margin": None, "worst_margin_kind": kind}


def json_report(
    results: Sequence[ClaimResult],
    seed: int,
    instances: int | None,
    pending: Sequence[str] = (),
    share: int = 1,
) -> dict[str, Any]:
    """A JSON-serialisable report: run parameters, versions, and every tier's outcome.

    ``instances`` is the count requested per tier (``None``: each tier's own budget) and
    ``share`` the part of that budget checked (``"budget_share"``: ``1`` for the full budget,
    ``20`` for the first twentieth, at least :data:`verify.runner.SHARE_FLOOR` instances, as the
    default run of ``python -m verify`` checks); ``share`` applies only when ``instances`` is
    ``None`` and is recorded as ``null`` otherwise.

    ``"ok"`` is true only when the run is complete (``pending`` empty) and every verdict is the
    expected one; an interrupted run has ``"complete": false`` and lists ``"pending_claims"``,
    and each claim says whether all its tiers ran. Each tier's margin is given as the module
    docstring says (``"unit"``, ``"worst_margin"``, ``"worst_margin_kind"``), and ``"units"``
    says what each unit measures.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``results`` is not a sequence of :class:`ClaimResult`, ``seed`` is not an integer
        ``>= 0``, ``instances`` is not ``None`` or in ``[1, MAX_INSTANCES]``, ``pending`` is
        not a sequence of ids, or ``share`` is not an integer ``>= 1``.
    """
    _sequence_of("results", results, ClaimResult)
    _sequence_of("pending", pending, str)
    check_count("seed", seed, 0)
    check_count("share", share)
    if instances is not None:
        check_count("instances", instances, 1, MAX_INSTANCES)
    counts = any(r.claim.id.startswith("byjl25.thm4.1") for r in results)
    return jsonable({
        "tool": "ssm-theory-verify",
        "parameter_counts": parameter_counts() if counts else None,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "instances_requested": instances,
        "budget_share": share if instances is None else None,
        "versions": versions(),
        "units": dict(UNITS),
        "complete": not pending,
        "pending_claims": list(pending),
        "ok": not pending and all(r.ok for r in results),
        "claims": [
            {
                "id": r.claim.id,
                "paper": r.claim.paper,
                "reference": r.claim.reference,
                "provenance": r.claim.provenance,
                "statement": r.claim.statement,
                "margin": r.claim.margin,
                "expected": r.claim.expected,
                "hypotheses": list(r.claim.hypotheses),
                "notes": r.claim.notes,
                "complete": r.complete,
                "ok": r.ok,
                "tiers": [
                    {
                        "tier": t.tier,
                        "certified": any(x.certified for x in r.claim.tiers
                                         if x.name == t.tier),
                        "instances": t.instances,
                        "violations": t.violations,
                        "unit": t.unit,
                        **_worst_margin_fields(t.worst_margin),
                        "verdict": t.verdict,
                        "ok": t.ok,
                        "seconds": round(t.seconds, 4),
                        "worst_instance": t.worst_instance,
                        "first_violation": t.first_violation,
                        "error": t.error,
                    }
                    for t in r.tiers
                ],
            }
            for r in results
        ],
    })


def _umask() -> int:
    """The process umask (read by setting it and restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``report`` as strict JSON to ``path`` atomically.

    The text goes to a temporary file in the same directory, which is flushed to disk and then
    renamed over ``path`` (:func:`os.replace`), so ``path`` holds either its old content or the
    whole new report, never a partial one; the temporary file is removed if anything fails
    (Ctrl-C included). The file gets the usual permissions (``0o666`` less the umask).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``report`` is not a dict, or holds a value strict JSON cannot represent (``nan``,
        ``inf``, arbitrary objects), or ``path`` is not a path.
    OSError
        If the directory cannot be written.
    """
    require(isinstance(path, (str, os.PathLike)), "path", "a file path", path)
    problem = None
    try:
        text = json.dumps(report, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        problem = str(exc)
    require(isinstance(report, dict) and problem is None, "report",
            "a dict representable as strict JSON (see json_report)"
            + ("" if problem is None else f"; {problem}"), report)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
