"""Publication tables -> xlsx (one sheet per table + Notes) and the disclosure-check report.

Suppressed cells are written as the symbol (default "x", the ONS / Eurostat convention), never as
a number: the same symbol for primary and complementary cells, so a reader cannot tell which
suppressed cells are the small ones. The report (json / terminal) holds only what any reader
could derive from the published tables (the attacker's interval for each suppressed cell) and
the counts, never a suppressed value, so it may be published alongside the workbook.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clearance.actions.aggregate.audit_check import Audit
from clearance.actions.aggregate.suppression import Pattern, Rules
from clearance.actions.aggregate.tables import TOTAL, TOTAL_LABEL, Cube, TableSpec, labels

SHEET_NAME_MAX = 31  # Excel's limit
REPORT_INTERVALS_SHOWN = 15  # terminal: the narrowest intervals, the rest are in the json


@dataclass(frozen=True)
class Publication:
    """Everything the writer needs: the cube, its published cells and the audited pattern."""

    cube: Cube
    tables: tuple[TableSpec, ...]
    keys: tuple[tuple[int, ...], ...]
    values: np.ndarray  # true values per cell (never written for suppressed cells)
    pattern: Pattern
    audit: Audit
    rules: Rules
    symbol: str = "x"
    round_base: int = 0  # 0: exact counts

    def published(self, cell: int) -> int | str:
        if cell in self.pattern.suppressed:
            return self.symbol
        return round_to(int(self.values[cell]), self.round_base)


def round_to(value: int, base: int) -> int:
    """Conventional rounding to a multiple of ``base`` (halves up); 0 or 1 leaves the value."""
    if base <= 1:
        return value
    return math.floor(value / base + 0.5) * base


def _sheet_name(text: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", text)[:SHEET_NAME_MAX]
    base, n = name, 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    used.add(name.casefold())
    return name


def sheet_layout(pub: Publication, dims: Sequence[str]) -> list[list[object]]:
    """The rows of one table's sheet: a 1-way list, a 2-way grid, or 2-way grids per layer."""
    cube = pub.cube
    pos = {d: i for i, d in enumerate(cube.dims)}
    index = {k: i for i, k in enumerate(pub.keys)}

    def cell(fixed: dict[str, int]) -> int | str:
        key = tuple(fixed.get(d, TOTAL) for d in cube.dims)
        return pub.published(index[key])

    def cats(d: str) -> list[tuple[str, int]]:
        return [*((c, i) for i, c in enumerate(cube.categories[pos[d]])), (TOTAL_LABEL, TOTAL)]

    if len(dims) == 1:
        (d,) = dims
        return [[d, "Count"], *([label, cell({d: i})] for label, i in cats(d))]
    rows_dim, cols_dim, *layers = dims
    out: list[list[object]] = []
    for layer in itertools.product(*(cats(d) for d in layers)):
        fixed = {d: i for d, (_, i) in zip(layers, layer)}
        if layers:
            if out:
                out.append([])
            out.append([", ".join(f"{d}: {label}" for d, (label, _) in zip(layers, layer))])
        out.append([f"{rows_dim} \\ {cols_dim}", *(label for label, _ in cats(cols_dim))])
        for rlabel, r in cats(rows_dim):
            out.append([rlabel, *(cell({**fixed, rows_dim: r, cols_dim: c}) for _, c in cats(cols_dim))])
    return out


def notes(pub: Publication) -> list[list[object]]:
    r = pub.rules
    rounding = (
        f"Published counts are rounded to the nearest multiple of {pub.round_base}; totals are rounded "
        "independently, so rows and columns may not add up exactly."
        if pub.round_base > 1
        else "Published counts are exact."
    )
    zeros = (
        "Zero cells are shown as 0."
        if r.zeros == "publish"
        else f"Zero cells are suppressed like small cells ('{pub.symbol}')."
    )
    return [
        ["Notes"],
        [f"'{pub.symbol}' marks a suppressed cell."],
        [
            f"Cells counting fewer than {r.threshold} people were suppressed, and further cells were "
            "suppressed so that no suppressed cell can be recovered from the totals."
        ],
        [
            f"From the published figures, any suppressed count can only be narrowed to a range at least "
            f"{r.level} either side of its true value (or down to 0)."
        ],
        [zeros],
        [rounding],
        [f"Suppressed cells: {len(pub.pattern.suppressed)} of {len(pub.keys)}."],
        [f"Tables: {'; '.join(t.name for t in pub.tables)}."],
        ["Produced by clearance aggregate; the disclosure check was run on every suppressed cell."],
    ]


def write_workbook(pub: Publication, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    sheets: list[tuple[str, list[list[object]]]] = []
    one_way = [d for d in pub.cube.dims if any(d in t.dims for t in pub.tables)]
    for d in one_way:
        sheets.append((f"By {d}", sheet_layout(pub, (d,))))
    for t in pub.tables:
        if len(t.dims) > 1:
            sheets.append((" x ".join(t.dims), sheet_layout(pub, t.dims)))
    for title, rows in sheets:
        ws = wb.create_sheet(_sheet_name(title, used))
        for row in rows:
            ws.append(row)
        for c in ws[1] if ws.max_row else ():
            c.font = Font(bold=True)
        for row in ws.iter_rows():
            for c in row[1:]:
                if c.value == pub.symbol:
                    c.alignment = Alignment(horizontal="right")
        ws.column_dimensions["A"].width = 40
    ws = wb.create_sheet(_sheet_name("Notes", used))
    for row in notes(pub):
        ws.append(row)
    ws["A1"].font = Font(bold=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# -- the disclosure-check report --------------------------------------------------------------------
def _table_of(pub: Publication, key: tuple[int, ...]) -> str:
    given = {d for d, v in zip(pub.cube.dims, key) if v != TOTAL}
    for t in pub.tables:
        if given == set(t.dims):
            return t.name
    return " x ".join(d for d in pub.cube.dims if d in given) or "grand total"


def report(pub: Publication) -> dict[str, object]:
    """Counts and the attacker's interval for each suppressed cell; no suppressed value."""
    intervals = []
    for iv in pub.audit.intervals:
        key = pub.keys[iv.cell]
        intervals.append(
            {
                "table": _table_of(pub, key),
                "cell": labels(pub.cube, key),
                "low": iv.low,
                "high": iv.high if math.isfinite(iv.high) else None,  # None: no upper bound
                "width": iv.width if math.isfinite(iv.width) else None,
            }
        )
    finite = [iv.width for iv in pub.audit.intervals]
    return {
        "tool": "clearance aggregate",
        "tables": [t.name for t in pub.tables],
        "threshold": pub.rules.threshold,
        "protection_level": pub.rules.level,
        "zeros": pub.rules.zeros,
        "cost": pub.rules.cost,
        "method": pub.pattern.method,
        "rounding": pub.round_base or None,
        "cells": len(pub.keys),
        "primary": len(pub.pattern.primary),
        "secondary": len(pub.pattern.secondary),
        "protected": pub.audit.ok,
        "unprotected": len(pub.audit.unprotected),
        "narrowest_interval": min(finite) if finite else None,
        "intervals": intervals,
    }


def write_report(pub: Publication, path: Path) -> Path:
    path.write_text(json.dumps(report(pub), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def render_terminal(pub: Publication) -> str:
    rep = report(pub)
    lines = [
        f"tables: {', '.join(rep['tables'])}",  # type: ignore[arg-type]
        f"cells: {rep['cells']}  primary: {rep['primary']}  secondary: {rep['secondary']}  "
        f"method: {rep['method']}",
        f"threshold: {rep['threshold']}  protection level: +/-{rep['protection_level']}  "
        f"zeros: {rep['zeros']}  rounding: {rep['rounding'] or 'none'}",
        "disclosure check: "
        + (
            "every suppressed cell protected"
            if rep["protected"]
            else f"{rep['unprotected']} suppressed cell(s) NOT protected"
        ),
    ]
    rows = sorted(rep["intervals"], key=lambda r: (r["width"] is None, r["width"] or 0))  # type: ignore[arg-type, index]
    if rows:
        lines.append(
            f"narrowest attacker intervals ({min(len(rows), REPORT_INTERVALS_SHOWN)} of {len(rows)}):"
        )
        for r in rows[:REPORT_INTERVALS_SHOWN]:
            where = ", ".join(f"{v}" for v in r["cell"].values())  # type: ignore[index]
            high = "inf" if r["high"] is None else f"{r['high']:g}"  # type: ignore[index]
            lines.append(f"  {r['table']}: {where}: [{r['low']:g}, {high}]")  # type: ignore[index]
    return "\n".join(lines) + "\n"
