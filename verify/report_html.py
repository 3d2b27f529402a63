"""Render the report's blocks (:mod:`verify.report_document`) as one self-contained HTML page.

``report.html`` needs nothing but itself: the figures are embedded as ``data:image/png;base64``
URIs read from the report directory, the style sheet is inline, there is no script and no
network reference, so the page can be mailed or archived alone. Rows whose verdict is not the
expected one are highlighted; certificates and worst instances are collapsible ``<details>``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from html import escape
from pathlib import Path

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

__all__ = ["render_html"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 70em; padding: 0 1em; color: #1b1b1b; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #c8c8c8; padding: 0.25em 0.5em; text-align: left;
         vertical-align: top; }
th { background: #eef1f5; }
tr.flagged td { background: #fde2e1; font-weight: bold; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
p.strong { font-weight: bold; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #444; }
pre { background: #f6f8fa; padding: 0.5em; overflow-x: auto; font-size: 0.8em; }
details summary { cursor: pointer; color: #234; }
h3 { border-top: 1px solid #ddd; padding-top: 0.5em; }
"""

#: CSS class of the cells of a column, by header text: numbers right-aligned, a margin and
#: its unit on one line.
_COLUMN_CLASS = {"instances": "num", "seconds": "num", "threads": "num", "hidden units": "num",
                 "parameters": "num", "worst margin": "nowrap"}


def _arguments(blocks: object, base_dir: object) -> tuple[Sequence[Block], Path]:
    """The module's validation choke point: a sequence of blocks and a directory path."""
    kinds = (Heading, Paragraph, Table, Code, Figure, Bullets)
    if not (isinstance(blocks, Sequence) and not isinstance(blocks, str)
            and all(isinstance(b, kinds) for b in blocks)):
        fail("blocks", "a sequence of report blocks (verify.report_document)", blocks)
    if not (isinstance(base_dir, (str, os.PathLike)) and str(base_dir) != ""
            and Path(base_dir).is_dir()):
        fail("base_dir", "an existing directory (the report directory)", base_dir)
    return blocks, Path(base_dir)


def _cell(cell: str | Link, css: str | None) -> str:
    text = f'<a href="#{escape(cell.anchor)}">{escape(cell.text)}</a>' \
        if isinstance(cell, Link) else escape(cell)
    return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"


def _table(t: Table) -> str:
    flagged = t.flagged or (False,) * len(t.rows)
    classes = [_COLUMN_CLASS.get(h) for h in t.header]
    head = "".join(f"<th>{escape(h)}</th>" for h in t.header)
    rows = "".join(
        ('<tr class="flagged">' if bad else "<tr>")
        + "".join(_cell(c, css) for c, css in zip(row, classes)) + "</tr>"
        for row, bad in zip(t.rows, flagged))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _figure(f: Figure, base_dir: Path) -> str:
    path = base_dir / f.path
    if not path.is_file():
        return f'<p class="strong">figure missing: {escape(f.path)}</p>'
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(f.caption)}">'
            f"<figcaption>{escape(f.caption)}</figcaption></figure>")


def _block(b: Block, base_dir: Path) -> str:
    if isinstance(b, Heading):
        anchor = f' id="{escape(b.anchor)}"' if b.anchor else ""
        return f"<h{b.level}{anchor}>{escape(b.text)}</h{b.level}>"
    if isinstance(b, Paragraph):
        return f'<p class="strong">{escape(b.text)}</p>' if b.strong \
            else f"<p>{escape(b.text)}</p>"
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Code):
        return (f"<details><summary>{escape(b.summary)}</summary>"
                f"<pre>{escape(b.text)}</pre></details>")
    if isinstance(b, Figure):
        return _figure(b, base_dir)
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in b.items) + "</ul>"


def render_html(blocks: Sequence[Block], base_dir: str | os.PathLike[str]) -> str:
    """The HTML page of ``blocks``; figure paths are read relative to ``base_dir`` and
    embedded (a missing figure file is shown as such, not an error).

    The page title is the text of the first level-1 heading.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``blocks`` is not a sequence of the blocks of :mod:`verify.report_document` or
        ``base_dir`` is not an existing directory.
    """
    blocks, base = _arguments(blocks, base_dir)
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 1), "report")
    body = "\n".join(_block(b, base) for b in blocks)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")
