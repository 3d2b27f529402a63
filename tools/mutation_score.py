"""Mutation score of ``theory/`` from mutmut's results, excluding the documented equivalents.

Run from the repository root after ``HYPOTHESIS_PROFILE=ci mutmut run`` (README, "Mutation
testing")::

    python tools/mutation_score.py                        # all of theory/, must reach 90 %
    python tools/mutation_score.py --scope theory.conventions --scope theory.param_count

A module too large to run whole is scored on a uniform random sample of its mutants, the same
for every run with the same ``--seed``: generate the mutants (any ``mutmut run`` that stops after
generating them, e.g. ``mutmut run "theory.x.no_such_mutant"``), then::

    mutmut run $(python tools/mutation_score.py --scope theory.x --sample 300 --print-sample)
    python tools/mutation_score.py --scope theory.x --sample 300

The sampled score comes with its 95 % Wilson interval, and the verdict uses the interval's lower
end.

The score is ``killed / (mutants - equivalent)``: a mutant counts as killed when a test failed
(``killed``) or when it made the tests exceed mutmut's CPU-time limit (``timeout``, a hang the
tests detect); ``survived``, ``no tests``, ``suspicious``, ``segfault`` and ``skipped`` count
against the score. Equivalent mutants (the mutated program computes the same function, so no
test can kill them) are listed with their reason in ``tests/MUTANTS.md``; each entry is checked
here: it must still exist, still have survived, and ``mutmut show`` must still print the
recorded mutated line. mutmut numbers the mutants of a function in order, so editing the
function renumbers them; a stale entry then fails the score instead of excusing a different
mutant.

Exit status: 0 when the score reaches ``--fail-under``, 1 when it does not, 2 when the results
cannot be scored (mutmut missing, mutants not yet checked, a stale or malformed equivalent).
"""

from __future__ import annotations

import argparse
import math
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KILLED = frozenset({"killed", "timeout", "caught by type check"})
NOT_RUN = "not checked"
_RESULT_LINE = re.compile(r"^\s*(?P<name>\S+): (?P<status>.+?)\s*$")
_EQUIVALENT_ROW = re.compile(r"^\|\s*`(?P<name>[^`]+)`\s*\|\s*`(?P<line>[^`]+)`\s*\|")


class ScoreError(Exception):
    """The results cannot be scored (incomplete run, stale equivalent, missing tool)."""


@dataclass(frozen=True)
class Tally:
    """Mutants of one module (or of the whole scope) by outcome."""

    module: str
    statuses: Counter[str]
    equivalent: int

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def killed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in KILLED)

    @property
    def counted(self) -> int:
        """The non-equivalent mutants: the denominator of the score."""
        return self.total - self.equivalent

    @property
    def score(self) -> float:
        """Per cent of the non-equivalent mutants killed (100 when there are none)."""
        return 100.0 * self.killed / self.counted if self.counted else 100.0


def _mutmut(*args: str) -> str:
    """Stdout of ``mutmut ARGS`` run in the repository root."""
    exe = shutil.which("mutmut")
    if exe is None:
        raise ScoreError("mutmut not found; install it with: pip install -e '.[mutation]'")
    proc = subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ScoreError(f"mutmut {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def parse_results(text: str) -> dict[str, str]:
    """``{mutant: status}`` from the output of ``mutmut results --all true``."""
    results = {}
    for line in text.splitlines():
        match = _RESULT_LINE.match(line)
        if match:
            results[match["name"]] = match["status"]
    return results


def parse_equivalents(markdown: str) -> dict[str, str]:
    """``{mutant: mutated line}`` from the table rows of ``tests/MUTANTS.md``.

    A row is ``| `mutant` | `mutated line` | reason |``; a ``|`` inside the line is written
    ``\\|`` as in any Markdown table.
    """
    equivalents: dict[str, str] = {}
    for line in markdown.splitlines():
        match = _EQUIVALENT_ROW.match(line)
        if not match:
            continue
        name = match["name"]
        if name in equivalents:
            raise ScoreError(f"tests/MUTANTS.md lists {name} twice")
        equivalents[name] = match["line"].replace("\\|", "|").strip()
    return equivalents


def in_scope(name: str, scopes: Sequence[str]) -> bool:
    """Whether mutant ``name`` belongs to one of the dotted module prefixes ``scopes``."""
    return any(name == s or name.startswith(s + ".") for s in scopes)


def module_of(name: str) -> str:
    """``theory.conventions`` for ``theory.conventions.x__system__mutmut_21``."""
    return name.rsplit(".", 1)[0]


def sample_names(names: Iterable[str], size: int, seed: int) -> list[str]:
    """At most ``size`` mutants of each module, drawn uniformly without replacement.

    The draw depends only on the module's sorted mutant names, ``size`` and ``seed`` (``random``
    seeded with a string, which does not depend on ``PYTHONHASHSEED``), so a later run can
    score the same sample.
    """
    if size < 1:
        raise ValueError(f"size: expected a positive number of mutants per module, got {size}")
    by_module: dict[str, list[str]] = {}
    for name in sorted(names):
        by_module.setdefault(module_of(name), []).append(name)
    chosen: list[str] = []
    for module, group in sorted(by_module.items()):
        rng = random.Random(f"{module}:{seed}")
        chosen += sorted(rng.sample(group, min(size, len(group))))
    return chosen


def wilson_interval(killed: int, counted: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95 % Wilson score interval, in per cent, of a kill rate observed as ``killed/counted``.

    ``counted = 0`` gives ``(0, 100)``: a sample with no non-equivalent mutant says nothing.
    """
    if not 0 <= killed <= counted:
        raise ValueError(f"killed: expected 0 <= killed <= counted = {counted}, got {killed}")
    if counted == 0:
        return 0.0, 100.0
    p = killed / counted
    centre = p + z * z / (2 * counted)
    spread = z * math.sqrt(p * (1 - p) / counted + z * z / (4 * counted * counted))
    scale = 1 + z * z / counted
    return 100.0 * max(0.0, (centre - spread) / scale), 100.0 * min(1.0, (centre + spread) / scale)


def _added_lines(diff: str) -> list[str]:
    return [line[1:].strip() for line in diff.splitlines()
            if line.startswith("+") and not line.startswith("+++")]


def check_equivalents(equivalents: dict[str, str], results: dict[str, str],
                      show: Callable[[str], str] | None = None) -> None:
    """Raise :class:`ScoreError` unless every listed equivalent survived as recorded.

    ``show(name)`` returns the diff of a mutant (default: ``mutmut show``).
    """
    show = show or (lambda name: _mutmut("show", name))
    problems = []
    for name, line in equivalents.items():
        status = results.get(name)
        if status is None:
            problems.append(f"{name}: no such mutant (renumbered after an edit?)")
        elif status != "survived":
            problems.append(f"{name}: {status}, not survived; remove it from tests/MUTANTS.md")
        elif line not in _added_lines(show(name)):
            problems.append(f"{name}: no longer makes the recorded change `{line}`")
    if problems:
        raise ScoreError("stale entries in tests/MUTANTS.md:\n  " + "\n  ".join(problems))


def tally(results: dict[str, str], equivalents: Iterable[str]) -> list[Tally]:
    """One :class:`Tally` per module, in name order, then the total (module ``"total"``)."""
    equivalent = set(equivalents)
    by_module: dict[str, Counter[str]] = {}
    for name, status in results.items():
        by_module.setdefault(module_of(name), Counter())[status] += 1
    rows = [Tally(module, by_module[module],
                  sum(1 for e in equivalent if module_of(e) == module))
            for module in sorted(by_module)]
    total = sum((row.statuses for row in rows), Counter())
    return rows + [Tally("total", total, len(equivalent))]


def render(rows: Sequence[Tally]) -> str:
    """A plain-text table of :func:`tally`'s rows."""
    header = f"{'module':<28}{'mutants':>8}{'killed':>8}{'timeout':>8}{'equiv.':>8}" \
             f"{'survived':>9}{'other':>7}{'score':>9}"
    lines = [header]
    for row in rows:
        s = row.statuses
        other = row.total - row.killed - s["survived"]
        lines.append(f"{row.module:<28}{row.total:>8}{row.killed - s['timeout']:>8}"
                     f"{s['timeout']:>8}{row.equivalent:>8}{s['survived'] - row.equivalent:>9}"
                     f"{other:>7}{row.score:>8.1f}%")
    return "\n".join(lines)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scope", action="append", metavar="MODULE",
                        help="dotted module prefix to score (repeatable; default: theory)")
    parser.add_argument("--fail-under", type=float, default=90.0, metavar="PERCENT",
                        help="exit 1 below this score (default: 90)")
    parser.add_argument("--equivalents", type=Path, default=ROOT / "tests" / "MUTANTS.md",
                        help="the list of equivalent mutants (default: tests/MUTANTS.md)")
    parser.add_argument("--results", type=Path, metavar="FILE",
                        help="saved output of `mutmut results --all true` (default: run it)")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="score a uniform random sample of N mutants per module")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the --sample draw (default: 0)")
    parser.add_argument("--print-sample", action="store_true",
                        help="print the names of the --sample draw (for `mutmut run`) and exit")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the per-module table and the score; the exit status of the module docstring."""
    args = _arguments(argv)
    scopes = args.scope or ["theory"]
    try:
        text = args.results.read_text() if args.results else _mutmut("results", "--all", "true")
        results = {n: s for n, s in parse_results(text).items() if in_scope(n, scopes)}
        if not results:
            raise ScoreError(f"no mutants in scope {scopes}; run `mutmut run` first")
        if args.print_sample and args.sample is None:
            raise ScoreError("--print-sample needs --sample N")
        if args.sample is not None:
            try:
                results = {n: results[n] for n in sample_names(results, args.sample, args.seed)}
            except ValueError as exc:
                raise ScoreError(f"--sample: {exc}") from exc
            if args.print_sample:
                print("\n".join(results))
                return 0
        not_run = sorted(n for n, s in results.items() if s == NOT_RUN)
        if not_run:
            raise ScoreError(f"{len(not_run)} mutants not checked yet (e.g. {not_run[0]}); "
                             "finish `mutmut run` first")
        equivalents = {n: line for n, line in
                       parse_equivalents(args.equivalents.read_text(encoding="utf-8")).items()
                       if in_scope(n, scopes) and (args.sample is None or n in results)}
        check_equivalents(equivalents, results)
    except ScoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = tally(results, equivalents)
    print(render(rows))
    survivors = sorted(n for n, s in results.items() if s not in KILLED and n not in equivalents)
    if survivors:
        print("\nnot killed (write a test, or list a true equivalent in tests/MUTANTS.md):")
        print("\n".join(f"  {n}: {results[n]}" for n in survivors))
    total = rows[-1]
    judged = total.score
    if args.sample is not None:
        low, high = wilson_interval(total.killed, total.counted)
        judged = low
        print(f"\nsample of at most {args.sample} mutants per module (seed {args.seed}): "
              f"95% Wilson interval {low:.1f}% to {high:.1f}%; the verdict uses {low:.1f}%")
    verdict = ">=" if judged >= args.fail_under else "<"
    print(f"\nmutation score {total.score:.1f}% ({total.killed} of {total.counted} non-equivalent "
          f"mutants killed, {total.equivalent} equivalent) {verdict} {args.fail_under:g}%")
    return 0 if judged >= args.fail_under else 1


if __name__ == "__main__":
    sys.exit(main())
