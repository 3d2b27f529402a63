"""Render the report's blocks (:mod:`verify.report_document`) as Markdown (``report.md``).

Figures are relative links to the PNG files next to ``report.md`` (so the directory can be moved
or published as a whole), tables are pipe tables, certificates fenced code blocks. Text is
escaped where Markdown would read it as markup (table pipes, emphasis, brackets).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from theory.validation import fail
from verify.report_document import (
    Block,
    Bullets,
    Code,
    Figure,
    Heading,
    Link,
    Paragraph,
    Table,
)

__all__ = ["render_markdown"]

_SPECIAL = "\\`*_[]<>|#"


def _blocks(blocks: object) -> Sequence[Block]:
    """The module's validation choke point: a sequence of report blocks."""
    kinds = (Heading, Paragraph, Table, Code, Figure, Bullets)
    if not (isinstance(blocks, Sequence) and not isinstance(blocks, str)
            and all(isinstance(b, kinds) for b in blocks)):
        fail("blocks", "a sequence of report blocks (verify.report_document)", blocks)
    return blocks


def _escape(text: str) -> str:
    return "".join("\\" + c if c in _SPECIAL else c for c in text).replace("\n", " ")


def _cell(cell: str | Link) -> str:
    if isinstance(cell, Link):
        return f"[{_escape(cell.text)}](#{cell.anchor})"
    return _escape(cell)


def _table(t: Table) -> list[str]:
    flagged = t.flagged or (False,) * len(t.rows)
    lines = ["| " + " | ".join(map(_escape, t.header)) + " |",
             "|" + "|".join("---" for _ in t.header) + "|"]
    for row, bad in zip(t.rows, flagged):
        cells = [_cell(c) for c in row]
        if bad:
            cells[-2] = f"**{cells[-2]}**"  # the verdict column stands out
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _code(c: Code) -> list[str]:
    fence = "```"
    while fence in c.text:
        fence += "`"
    return [f"{_escape(c.summary)}:", "", fence, c.text, fence]


def _block(b: Block) -> list[str]:
    if isinstance(b, Heading):
        anchor = f'<a id="{b.anchor}"></a>' if b.anchor else ""
        return [f"{'#' * b.level} {anchor}{_escape(b.text)}"]
    if isinstance(b, Paragraph):
        return [f"**{_escape(b.text)}**" if b.strong else _escape(b.text)]
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Code):
        return _code(b)
    if isinstance(b, Figure):
        return [f"![{_escape(b.caption)}]({quote(b.path)})", "", f"*{_escape(b.caption)}*"]
    return [f"- {_escape(item)}" for item in b.items]


def render_markdown(blocks: Sequence[Block]) -> str:
    """The Markdown text of ``blocks`` (blank line between blocks, newline at the end).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``blocks`` is not a sequence of the blocks of :mod:`verify.report_document`.
    """
    return "\n\n".join("\n".join(_block(b)) for b in _blocks(blocks)) + "\n"
