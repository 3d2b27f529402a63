"""Command line: ``python -m verify`` runs every registered claim and prints one row per tier.

Each claim's rows are printed as soon as the claim finishes. The default table fits in 100
columns (``--wide``: one full row per tier with the tag, reference and violation count), and
every worst margin shows its unit. Progress goes to standard error: a bar on a terminal, one
plain line per finished claim otherwise (``--no-progress``: none).

Exit status: 0 when every verdict is the one the registry expects (a claim that holds, or a
finding whose counterexample was reproduced), 1 when any check went otherwise (a violation, an
unreproduced finding, or an error) or the JSON report could not be written, 2 for bad usage
(checked before anything runs, including whether the ``--json`` directory exists and is
writable), 130 when interrupted by Ctrl-C (the rows that finished are printed and, with
``--json``, written to a report marked ``"complete": false``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from verify import __version__
from verify.cli import int_at_least
from verify.registry import UnknownClaimError, all_claims, get_claim
from verify.report import (
    ResultTable,
    format_claim_list,
    format_parameter_counts,
    json_report,
    write_json,
)
from verify.runner import MAX_INSTANCES, ClaimResult, RunInterrupted, run_claims

#: Exit status after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m verify``."""
    p = argparse.ArgumentParser(
        prog="python -m verify",
        description="Check the claims of BYJL25 (depth in linear SSMs) and WX23 (universality "
        "and memory of SSMs) on random instances, at the exact, mpmath and float64 tiers.",
        epilog="Exit status: 0 all verdicts as expected, 1 otherwise, 2 bad usage, "
        "130 interrupted (Ctrl-C; finished rows are still printed and written).",
    )
    p.add_argument("--version", action="version", version=f"ssm-theory-verify {__version__}")
    p.add_argument("--list", action="store_true", help="list the registered claims and exit")
    p.add_argument(
        "--claim", action="append", metavar="ID", default=None,
        help="run only this claim (repeatable; a repeated id runs once); default: all",
    )
    p.add_argument(
        "--instances", type=int_at_least(1, MAX_INSTANCES), default=None, metavar="N",
        help=f"random instances per tier, 1..{MAX_INSTANCES} (default: each claim's own "
        "budget; some tiers cap it)",
    )
    p.add_argument("--seed", type=int_at_least(0), default=0, metavar="S",
                   help="random seed (default 0); the same seed gives the same report")
    p.add_argument("--json", type=Path, default=None, metavar="PATH",
                   help="also write a JSON report (with seed and package versions) to PATH; "
                   "the file is replaced atomically")
    p.add_argument("--wide", action="store_true",
                   help="one full row per tier (tag, reference, violations; wider than 100 "
                   "columns)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress on standard error (default: a bar on a terminal, one line "
                   "per finished claim otherwise)")
    return p


def json_target_problem(path: Path) -> str | None:
    """Why the JSON report cannot be written to ``path`` (``None`` when it can).

    The directory must exist and accept a new file (tried with a temporary file, which also
    catches read-only file systems), and ``path`` must not be a directory.
    """
    directory = path.parent
    if path.is_dir():
        return f"{path} is a directory"
    if not directory.exists():
        return f"directory {directory} does not exist"
    if not directory.is_dir():
        return f"{directory} is not a directory"
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        return f"directory {directory} is not writable ({exc.strerror or exc})"
    return None


def _usage_error(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


def _finish(
    table: ResultTable, results: list[ClaimResult], pending: list[str], args: argparse.Namespace
) -> bool:
    """Print the table's summary (and the Theorem 4.1 counts), write the JSON report if asked.

    Returns whether the JSON report (if any) was written.
    """
    print(table.footer(results, pending))
    if any(r.claim.id.startswith("byjl25.thm4.1") for r in results):
        print("\n" + format_parameter_counts())
    if args.json is None:
        return True
    try:
        write_json(json_report(results, args.seed, args.instances, pending), args.json)
    except OSError as exc:
        print(f"error: could not write the JSON report to {args.json}: {exc}", file=sys.stderr)
        return False
    print(f"JSON report written to {args.json}" + (" (incomplete run)" if pending else ""))
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        print(format_claim_list(all_claims()))
        return 0
    try:
        claims = ([get_claim(c) for c in dict.fromkeys(args.claim)] if args.claim
                  else all_claims())
    except UnknownClaimError as exc:
        return _usage_error(parser, exc.args[0])
    if args.json is not None and (problem := json_target_problem(args.json)) is not None:
        return _usage_error(parser, f"--json: {problem}")
    table = ResultTable(claims, args.instances, wide=args.wide)
    print(table.header(), flush=True)
    printed: list[ClaimResult] = []

    def show(result: ClaimResult) -> None:
        print(table.rows(result), flush=True)
        printed.append(result)

    pending: list[str] = []
    try:
        results = run_claims(claims, args.instances, args.seed,
                             show_progress=False if args.no_progress else None, on_result=show)
    except RunInterrupted as exc:
        results, pending = exc.results, exc.pending
        for result in results[len(printed):]:  # the claim that was running: its finished tiers
            print(table.rows(result), flush=True)
    written = _finish(table, results, pending, args)
    if pending:
        print(f"interrupted: {len(pending)} claim(s) did not finish", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0 if written and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
