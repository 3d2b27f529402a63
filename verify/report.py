"""Render claim results: a plain-text table for the terminal and a JSON report for archiving."""

from __future__ import annotations

import json
import math
import platform
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from theory.param_count import depth_width_counts
from verify.registry import Claim
from verify.runner import ClaimResult, iter_rows

__all__ = [
    "format_table",
    "format_claim_list",
    "format_parameter_counts",
    "parameter_counts",
    "json_report",
    "versions",
]

#: (depth, width) pairs of the parameter-count table that accompanies Theorem 4.1.
COUNT_SHAPES = ((2, 2), (3, 2), (2, 3), (4, 3), (8, 4))

_COLUMNS = ("claim", "tag", "reference", "tier", "instances", "worst margin", "verdict", "seconds")


def _fmt_margin(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "exact" if x > 0 else "-inf"
    return f"{x:.3g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def format_table(results: Sequence[ClaimResult]) -> str:
    """One row per (claim, tier): the table printed by ``python -m verify``."""
    rows = [
        (
            claim.id,
            claim.provenance,
            claim.reference,
            t.tier,
            str(t.instances),
            _fmt_margin(t.worst_margin),
            t.verdict,
            f"{t.seconds:.2f}",
        )
        for claim, t in iter_rows(results)
    ]
    text = _table(_COLUMNS, rows)
    errors = [(c.id, t) for c, t in iter_rows(results) if t.error]
    for cid, t in errors:
        text += f"\n{cid} [{t.tier}]: {t.error}"
    bad = [(c, t) for c, t in iter_rows(results) if not t.ok and not t.error]
    for c, t in bad:
        text += f"\n{c.id} [{t.tier}]: unexpected verdict; first violating instance: " \
                f"{json.dumps(_jsonable(t.first_violation or t.worst_instance))}"
    ok = all(r.ok for r in results)
    n_rows = sum(len(r.tiers) for r in results)
    text += f"\n\n{n_rows} checks, {sum(1 for _ , t in iter_rows(results) if t.ok)} as expected" \
            f"{'' if ok else ' — SOME CHECKS DID NOT GO AS EXPECTED'}"
    text += "\nmargins: see `python -m verify --list` for what each claim's margin measures"
    return text


def format_claim_list(claims: Sequence[Claim]) -> str:
    """The table printed by ``python -m verify --list``."""
    rows = [
        (c.id, c.paper, c.provenance, c.reference, c.expected,
         ", ".join(t.name for t in c.tiers), c.statement)
        for c in claims
    ]
    text = _table(("claim", "paper", "tag", "reference", "expected", "tiers", "statement"), rows)
    text += "\n\nmargins:\n" + "\n".join(f"  {c.id}: {c.margin}" for c in claims)
    return text


def parameter_counts(shapes: Sequence[tuple[int, int]] = COUNT_SHAPES) -> list[dict[str, Any]]:
    """Hidden units and raw parameters of deep ``(l, m)`` models next to the shallow widths
    ``l(m-1)+1`` and ``lm`` of Theorem 4.1 (the two counts tell different stories: depth and
    width match in hidden units, not in parameters, because the ``B_k`` are dense)."""
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
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("ssm-theory-verify", "numpy", "scipy", "sympy", "mpmath"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (str, int, bool)) or x is None:
        return x
    if hasattr(x, "item"):
        return _jsonable(x.item())
    return str(x)


def json_report(
    results: Sequence[ClaimResult], seed: int, instances: int | None
) -> dict[str, Any]:
    """A JSON-serialisable report: run parameters, versions, and every tier's outcome."""
    counts = any(r.claim.id.startswith("byjl25.thm4.1") for r in results)
    return _jsonable({
        "tool": "ssm-theory-verify",
        "parameter_counts": parameter_counts() if counts else None,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "instances_requested": instances,
        "versions": versions(),
        "ok": all(r.ok for r in results),
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
                "ok": r.ok,
                "tiers": [
                    {
                        "tier": t.tier,
                        "instances": t.instances,
                        "violations": t.violations,
                        "worst_margin": t.worst_margin,
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
