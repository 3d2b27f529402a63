"""Render claim results: a plain-text table for the terminal and a JSON report for archiving.

A run stopped by Ctrl-C is rendered from the rows that finished, with the ids of the claims that
did not (``pending``): the table says so, and the JSON report has ``"complete": false``,
``"ok": false`` and ``"pending_claims"``. :func:`write_json` replaces its target atomically, so
a report on disk is always a whole report.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from theory.numbers import InvalidParameterError
from theory.param_count import depth_width_counts
from verify.registry import Claim, check_count
from verify.runner import MAX_INSTANCES, ClaimResult, iter_rows

__all__ = [
    "format_table",
    "format_claim_list",
    "format_parameter_counts",
    "parameter_counts",
    "json_report",
    "write_json",
    "versions",
]


def _require(name: str, value: Any, ok: bool, expected: str) -> None:
    """The report's validation choke point: raise :class:`InvalidParameterError` unless ``ok``."""
    if not ok:
        raise InvalidParameterError(f"{name}: expected {expected}, got {value!r}")


def _sequence_of(name: str, value: Any, kind: type) -> None:
    _require(name, value, isinstance(value, Sequence) and not isinstance(value, str)
             and all(isinstance(v, kind) for v in value), f"a sequence of {kind.__name__}")

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


def format_table(results: Sequence[ClaimResult], pending: Sequence[str] = ()) -> str:
    """One row per (claim, tier): the table printed by ``python -m verify``.

    ``pending`` lists the ids of requested claims that did not finish (an interrupted run); the
    summary line then says that the run is incomplete.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``results`` is not a sequence of :class:`ClaimResult` or ``pending`` not a sequence
        of ids.
    """
    _sequence_of("results", results, ClaimResult)
    _sequence_of("pending", pending, str)
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
    all_ok = all(t.ok for _, t in iter_rows(results))
    n_rows = sum(len(r.tiers) for r in results)
    text += f"\n\n{n_rows} checks, {sum(1 for _ , t in iter_rows(results) if t.ok)} as expected" \
            f"{'' if all_ok else ' — SOME CHECKS DID NOT GO AS EXPECTED'}"
    if pending:
        text += f"\nINTERRUPTED: the run is incomplete; not finished: {', '.join(pending)}"
    text += "\nmargins: see `python -m verify --list` for what each claim's margin measures"
    return text


def format_claim_list(claims: Sequence[Claim]) -> str:
    """The table printed by ``python -m verify --list``.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claims`` is not a sequence of :class:`~verify.registry.Claim`.
    """
    _sequence_of("claims", claims, Claim)
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
    width match in hidden units, not in parameters, because the ``B_k`` are dense).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``shapes`` is not a sequence of ``(depth, width)`` pairs of integers ``>= 1``.
    """
    _require("shapes", shapes, isinstance(shapes, Sequence) and all(
        isinstance(p, tuple) and len(p) == 2 for p in shapes), "a sequence of (depth, width)")
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
    results: Sequence[ClaimResult],
    seed: int,
    instances: int | None,
    pending: Sequence[str] = (),
) -> dict[str, Any]:
    """A JSON-serialisable report: run parameters, versions, and every tier's outcome.

    ``"ok"`` is true only when the run is complete (``pending`` empty) and every verdict is the
    expected one; an interrupted run has ``"complete": false`` and lists ``"pending_claims"``,
    and each claim says whether all its tiers ran.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``results`` is not a sequence of :class:`ClaimResult`, ``seed`` is not an integer
        ``>= 0``, ``instances`` is not ``None`` or in ``[1, MAX_INSTANCES]``, or ``pending`` is
        not a sequence of ids.
    """
    _sequence_of("results", results, ClaimResult)
    _sequence_of("pending", pending, str)
    check_count("seed", seed, 0)
    if instances is not None:
        check_count("instances", instances, 1, MAX_INSTANCES)
    counts = any(r.claim.id.startswith("byjl25.thm4.1") for r in results)
    return _jsonable({
        "tool": "ssm-theory-verify",
        "parameter_counts": parameter_counts() if counts else None,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "instances_requested": instances,
        "versions": versions(),
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
    _require("path", path, isinstance(path, (str, os.PathLike)), "a file path")
    problem = None
    try:
        text = json.dumps(report, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        problem = str(exc)
    _require("report", report, isinstance(report, dict) and problem is None,
             "a dict representable as strict JSON (see json_report)"
             + ("" if problem is None else f"; {problem}"))
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
