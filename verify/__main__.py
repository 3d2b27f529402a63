"""Command line: ``python -m verify`` runs every registered claim and prints one row per tier.

Exit status: 0 when every verdict is the one the registry expects (a claim that holds, or a
finding whose counterexample was reproduced), 1 when any check went otherwise (a violation, an
unreproduced finding, or an error), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from verify.cli import int_at_least
from verify.registry import UnknownClaimError, all_claims, get_claim
from verify.report import (
    format_claim_list,
    format_parameter_counts,
    format_table,
    json_report,
)
from verify.runner import run_claims


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m verify``."""
    p = argparse.ArgumentParser(
        prog="python -m verify",
        description="Check the claims of BYJL25 (depth in linear SSMs) and WX23 (universality "
        "and memory of SSMs) on random instances, at the exact, mpmath and float64 tiers.",
    )
    p.add_argument("--list", action="store_true", help="list the registered claims and exit")
    p.add_argument(
        "--claim", action="append", metavar="ID", default=None,
        help="run only this claim (repeatable); default: all",
    )
    p.add_argument(
        "--instances", type=int_at_least(1), default=None, metavar="N",
        help="random instances per tier (default: each claim's own budget; some tiers cap it)",
    )
    p.add_argument("--seed", type=int_at_least(0), default=0, metavar="S",
                   help="random seed (default 0); the same seed gives the same report")
    p.add_argument("--json", type=Path, default=None, metavar="PATH",
                   help="also write a JSON report (with seed and package versions) to PATH")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        print(format_claim_list(all_claims()))
        return 0
    try:
        claims = [get_claim(c) for c in args.claim] if args.claim else all_claims()
    except UnknownClaimError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.json is not None and args.json.parent and not args.json.parent.exists():
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: --json: directory {args.json.parent} does not exist",
              file=sys.stderr)
        return 2
    results = run_claims(
        claims, args.instances, args.seed, show_progress=False if args.no_progress else None
    )
    print(format_table(results))
    if any(c.id.startswith("byjl25.thm4.1") for c in claims):
        print("\n" + format_parameter_counts())
    if args.json is not None:
        args.json.write_text(json.dumps(json_report(results, args.seed, args.instances),
                                        indent=2) + "\n")
        print(f"JSON report written to {args.json}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
