"""The content of the report (``python -m verify --report DIR``) as a list of neutral blocks.

:func:`build_document` reads a report dict (the content of ``report.json``, see
``verify/schemas/report.schema.json``) and returns headings, paragraphs, tables, code blocks and
figures in reading order; :mod:`verify.report_markdown` and :mod:`verify.report_html` only
render these blocks, so both files say the same thing. Order: the overall outcome, the summary
table (one row per claim and tier: claim, paper reference, provenance tag, tier, instances, worst
margin with its unit, verdict, seconds), the experiments' figures with their captions, a section
per claim (statement, hypotheses, what the margin measures, per tier the worst instance and, for
a finding or a violation, the certificate of the first violating instance), the units, and how
the report was made (seed, budget, command line, versions, git, platform, BLAS threads).

Certified tiers (★, :attr:`verify.registry.Tier.certified`: margins are lower ends of rigorous
balls, :mod:`verify.balls`) carry :data:`CERTIFIED_MARK` after their name wherever a tier is
named, and a note under the summary says what the mark means.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from theory.validation import fail
from verify.report import format_margin

__all__ = ["Heading", "Paragraph", "Link", "Table", "Code", "Figure", "Bullets", "Block",
           "SUMMARY_HEADER", "CERTIFIED_MARK", "CERTIFIED_NOTE", "build_document",
           "margin_text"]


@dataclass(frozen=True)
class Heading:
    """A section title; ``anchor`` is the id links point to."""

    level: int
    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """Plain text (renderers escape it); ``strong`` for the overall outcome line."""

    text: str
    strong: bool = False


@dataclass(frozen=True)
class Link:
    """A table cell that links to ``#anchor``."""

    text: str
    anchor: str


@dataclass(frozen=True)
class Table:
    """A table; ``flagged[i]`` marks row ``i`` as not as expected (highlighted)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str | Link, ...], ...]
    flagged: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Code:
    """Preformatted text (JSON certificates, experiment tables) under a one-line ``summary``."""

    text: str
    summary: str


@dataclass(frozen=True)
class Figure:
    """A PNG file of the report directory (``path`` relative to it) with its caption."""

    path: str
    caption: str


@dataclass(frozen=True)
class Bullets:
    """An unordered list of plain-text items."""

    items: tuple[str, ...]


Block = Heading | Paragraph | Table | Code | Figure | Bullets

#: Columns of the summary table.
SUMMARY_HEADER = ("claim", "paper reference", "tag", "tier", "instances", "worst margin",
                  "verdict", "seconds")

_MARGIN_VALUES = {"exact": math.inf, "-inf": -math.inf, "nan": math.nan}

#: Mark after the name of a certified tier.
CERTIFIED_MARK = "★"
#: What the mark means (shown under the summary when a certified tier ran).
CERTIFIED_NOTE = (f"{CERTIFIED_MARK} certified tier: every margin is the lower end of a "
                  "rigorous ball (python-flint arb, or mpmath.iv; the tier's name says which) "
                  "computed from the instance's exact inputs, so a margin >= 0 proves the "
                  "statement for that instance, up to the correctness of the ball library; a "
                  "ball that straddles 0 counts as a violation.")


def _report(report: Any) -> Mapping[str, Any]:
    """The module's validation choke point: a report dict with claims (schema-shaped)."""
    if not (isinstance(report, Mapping) and isinstance(report.get("claims"), list)
            and isinstance(report.get("environment"), Mapping)):
        fail("report", "a report dict with 'claims' and 'environment' (report.json)", report)
    return report


def margin_text(tier: Mapping[str, Any]) -> str:
    """The worst margin of a tier of ``report.json`` with its unit (as the terminal table shows
    it: ``"6.5 decades"``, ``"exact"``, ``"not exact"``; ``"-"`` when no instance ran).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``tier`` is not a tier dict of ``report.json``.
    """
    if not (isinstance(tier, Mapping) and {"instances", "worst_margin", "worst_margin_kind",
                                           "unit"} <= tier.keys()):
        fail("tier", "a tier dict of report.json", tier)
    if tier["instances"] == 0:
        return "-"
    kind = tier["worst_margin_kind"]
    value = tier["worst_margin"] if kind == "finite" else _MARGIN_VALUES[kind]
    return format_margin(float(value), tier["unit"])


def _tier_label(tier: Mapping[str, Any]) -> str:
    """The tier's name, followed by :data:`CERTIFIED_MARK` for a certified tier."""
    return tier["tier"] + (f" {CERTIFIED_MARK}" if tier["certified"] else "")


def _anchor(claim_id: str) -> str:
    return "claim-" + "".join(c if c.isalnum() else "-" for c in claim_id)


#: Width up to which a JSON list or object of a certificate stays on one line.
_JSON_WIDTH = 88


def _json(value: Any, indent: int = 0) -> str:
    """``value`` as JSON, one member per line only where a list or object does not fit in
    :data:`_JSON_WIDTH` columns (certificates stay readable and short)."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + indent <= _JSON_WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_json(v, indent + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + _json(v, indent + 1) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def _outcome(report: Mapping[str, Any]) -> Paragraph:
    tiers = [t for c in report["claims"] for t in c["tiers"]]
    experiments = report.get("experiments", [])
    n_ok = sum(t["ok"] for t in tiers)
    e_ok = sum(bool(e["ok"]) for e in experiments)
    text = (f"{n_ok} of {len(tiers)} checks as expected; {e_ok} of {len(experiments)} "
            "experiments ok.")
    if not report["complete"]:
        text += " INCOMPLETE RUN (interrupted); not finished: " + \
            ", ".join(report["pending_claims"])
    elif not report["ok"]:
        text += " SOME RESULTS DID NOT GO AS EXPECTED."
    return Paragraph(text, strong=True)


def _summary(report: Mapping[str, Any]) -> Table:
    rows, flagged = [], []
    for c in report["claims"]:
        for t in c["tiers"]:
            rows.append((Link(c["id"], _anchor(c["id"])), f"{c['paper']} {c['reference']}",
                         c["provenance"], _tier_label(t), str(t["instances"]),
                         margin_text(t),
                         t["verdict"], f"{t['seconds']:.2f}"))
            flagged.append(not t["ok"])
    return Table(SUMMARY_HEADER, tuple(rows), tuple(flagged))


def _experiment(e: Mapping[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(3, f"{e['name']}: {e.get('title') or ''}".rstrip(": "),
                                   "experiment-" + e["name"])]
    if e.get("error"):
        return blocks + [Paragraph(f"ERROR: {e['error']}", strong=True)]
    caption = f"{e['title']} — {e['verdict']} (seed {e['seed']}" + \
        (", quick settings)" if e["quick"] else ")")
    blocks.append(Figure(e["figure"], caption))
    blocks.append(Paragraph(("ok" if e["ok"] else "NOT OK") + f" ({e['seconds']:.1f} s)",
                            strong=not e["ok"]))
    blocks.append(Code(e["table"], "table"))
    blocks.append(Code(_json(e["settings"]), "settings"))
    return blocks


def _claim(c: Mapping[str, Any]) -> list[Block]:
    blocks: list[Block] = [
        Heading(3, c["id"], _anchor(c["id"])),
        Paragraph(f"{c['paper']} {c['reference']} [{c['provenance']}]; expected: "
                  f"{c['expected']}" + ("" if c["complete"] else " (not all tiers ran)")),
        Paragraph(f"Statement: {c['statement']}"),
    ]
    if c["hypotheses"]:
        blocks += [Paragraph("Hypotheses:"), Bullets(tuple(c["hypotheses"]))]
    blocks.append(Paragraph(f"Margin (what the check compares): {c['margin']}"))
    if c["notes"]:
        blocks.append(Paragraph(f"Notes: {c['notes']}"))
    for t in c["tiers"]:
        blocks.append(Paragraph(f"Tier {_tier_label(t)}: {t['instances']} instances, "
                                f"{t['violations']} violations, worst margin {margin_text(t)}, "
                                f"verdict {t['verdict']} ({t['seconds']:.2f} s)",
                                strong=not t["ok"]))
        if t["error"]:
            blocks.append(Paragraph(f"ERROR: {t['error']}", strong=True))
        if t["first_violation"] is not None:
            role = "finding" if c["expected"] == "finding" else "violation"
            blocks.append(Code(_json(t["first_violation"]),
                               f"certificate of the {role} (first violating instance)"))
        if t["worst_instance"] is not None:
            blocks.append(Code(_json(t["worst_instance"]), "worst instance"))
    return blocks


def _run_info(report: Mapping[str, Any]) -> list[Block]:
    env, run = report["environment"], report.get("run", {})
    git = env["git"]
    rows = [("seed", str(report["seed"])),
            ("instances per tier", run.get("budget", str(report["instances_requested"]))),
            ("command line", env["command_line"]),
            ("created (UTC)", report["created"]),
            ("git commit", git["describe"]),
            ("platform", f"{env['platform']} ({env['machine']}, {env['cpu_count']} CPUs)"),
            ("python", env["python_executable"])]
    if "seconds" in run:
        rows.append(("wall time", f"{run['seconds']:.1f} s"))
    rows += [(f"version: {k}", v) for k, v in env["versions"].items()]
    blas = [(b["internal_api"] or "", b["user_api"] or "", b["version"] or "",
             str(b["num_threads"]), b["threading_layer"] or "", b["architecture"] or "")
            for b in env["blas"]]
    return [Heading(2, "How this report was made", "run"),
            Table(("item", "value"), tuple(rows)),
            Paragraph("BLAS / OpenMP thread pools (threadpoolctl):" if blas
                      else "BLAS / OpenMP thread pools: none loaded."),
            *([Table(("library", "API", "version", "threads", "threading layer",
                      "architecture"), tuple(blas))] if blas else [])]


def _counts(report: Mapping[str, Any]) -> list[Block]:
    counts = report.get("parameter_counts")
    if not counts:
        return []
    rows = tuple((f"({r['depth']}, {r['width']})", r["model"], str(r["hidden_units"]),
                  str(r["parameters"])) for r in counts)
    return [Heading(2, "Theorem 4.1 in numbers (BYJL25)", "parameter-counts"),
            Table(("(depth, width)", "model", "hidden units", "parameters"), rows)]


def build_document(report: Mapping[str, Any], title: str = "ssm-theory-verify report"
                   ) -> list[Block]:
    """The blocks of the report for ``report`` (see the module docstring).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``report`` is not a report dict with ``claims`` and ``environment`` or ``title`` is
        not a non-empty string.
    """
    report = _report(report)
    if not (isinstance(title, str) and title.strip()):
        fail("title", "a non-empty string", title)
    units = sorted({t["unit"] for c in report["claims"] for t in c["tiers"] if t["unit"]},
                   key=list(report["units"]).index)
    blocks: list[Block] = [Heading(1, title), _outcome(report),
                           Heading(2, "Summary", "summary"), _summary(report)]
    if any(t["certified"] for c in report["claims"] for t in c["tiers"]):
        blocks.append(Paragraph(CERTIFIED_NOTE))
    if units:
        blocks.append(Paragraph("Units of the worst margin (margin >= 0: the statement holds "
                                "on the instance):"))
        blocks.append(Bullets(tuple(f"{u}: {report['units'][u]}" for u in units)))
    experiments: Sequence[Mapping[str, Any]] = report.get("experiments", [])
    if experiments:
        blocks.append(Heading(2, "Experiments", "experiments"))
        for e in experiments:
            blocks += _experiment(e)
    blocks.append(Heading(2, "Claims", "claims"))
    for c in report["claims"]:
        blocks += _claim(c)
    return blocks + _counts(report) + _run_info(report)
