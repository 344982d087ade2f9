"""Human-readable report for a terminal, rendered with rich into a string. Pure.

The console is built with an empty environment (``_environ={}``) so NO_COLOR, COLUMNS or a
TERM setting cannot change the bytes: colour is the caller's explicit choice.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import ClassVar

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from clearance.model import FileReport, ScanReport, Verdict

from .common import where

INDENT = 2
WIDTH = 100  # fits a default terminal and a CI log without wrapping the findings table
BADGE_STYLES = {
    Verdict.BLOCK: "bold white on red",
    Verdict.REVIEW: "bold black on yellow",
    Verdict.PASS: "bold black on green",
    Verdict.UNSCANNABLE: "bold white on magenta",
}
SUMMARY_ORDER = (Verdict.BLOCK, Verdict.REVIEW, Verdict.UNSCANNABLE, Verdict.PASS)


class TerminalReporter:
    """``clearance scan`` default output."""

    name: ClassVar[str] = "terminal"

    def __init__(self, *, colour: bool = False, width: int = WIDTH) -> None:
        self.colour = colour
        self.width = width

    def render(self, report: ScanReport, *, reveal: bool = False, colour: bool | None = None) -> bytes:
        """``colour`` overrides the instance's setting for this call (the CLI decides per run)."""
        colour = self.colour if colour is None else colour
        out = io.StringIO()
        console = Console(
            file=out,
            width=self.width,
            force_terminal=colour,
            no_color=not colour,
            color_system="standard" if colour else None,
            highlight=False,
            emoji=False,
            _environ={},
        )
        for file in report.files:
            _file(console, file, reveal)
        console.print(_summary(report))
        return out.getvalue().encode("utf-8")


def _file(console: Console, file: FileReport, reveal: bool) -> None:
    head = Text()
    head.append(f" {file.verdict.value.upper()} ", style=BADGE_STYLES[file.verdict])
    head.append(" ")
    head.append(file.path, style="bold")
    console.print(head)
    facts = Text("  ")
    if file.people:
        facts.append(f"people: {'' if file.people_exact else 'at least '}{file.people:,}")
    if file.categories:
        facts.append(("   " if file.people else "") + "categories: " + ", ".join(file.categories))
    if facts.plain.strip():
        console.print(facts)
    if file.error:
        console.print(Text(f"  error: {file.error}", style="magenta"))
    for reason in file.reasons:  # indented so wrapped lines stay under their bullet
        console.print(Padding(Text(f"- {reason}"), (0, 0, 0, INDENT), expand=False))
    if file.findings:
        console.print(_findings(file, reveal))
    for note in file.notes:
        console.print(Padding(Text(f"note: {note}", style="dim"), (0, 0, 0, INDENT), expand=False))
    console.print()


def _findings(file: FileReport, reveal: bool) -> Table:
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1))
    table.add_column("  entity", no_wrap=True)
    table.add_column("where", overflow="fold")
    table.add_column("visibility", no_wrap=True)
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("masked", overflow="fold")
    if reveal:
        table.add_column("values", overflow="fold")
    for f in file.findings:
        row = [
            Text("  " + f.entity),
            Text(where(f)),
            Text(f.visibility.value),
            Text(f"{f.count:,}"),
            Text(f.masked),
        ]
        if reveal:
            row.append(Text(", ".join(f.revealed), style="bold red"))
        table.add_row(*row)
    return table


def _summary(report: ScanReport) -> Text:
    counts = Counter(f.verdict for f in report.files)
    n = len(report.files)
    parts = ", ".join(f"{counts[v]} {v.value}" for v in SUMMARY_ORDER)
    return Text(f"{n} file{'s' if n != 1 else ''}: {parts}", style="bold")
