"""Turn a grid of spreadsheet values into ``Table`` chunks: rendering, header detection, chunking.

Shared by the xlsx extractor and the calamine extractor (xls, xlsb, ods), so every spreadsheet
format hands detectors the same shape: strings (None for empty), a header when the first
non-empty row looks like one, sheet row/column numbers so a detector can compute A1 ranges.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from clearance.model import Location, Segment, Table, Visibility

# Rows with a single value above a table are titles ("ICE Detention Statistics FY25"); look this
# far down for the real header before deciding the block has none.
HEADER_SCAN_ROWS = 10
# A header row is "mostly text": more than this share of its non-empty cells are not numbers or
# dates. Headers such as "FY2019 | FY2020" still pass because they sit beside text labels.
HEADER_TEXT_SHARE = 0.5

_NUMBER = re.compile(r"[-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?%?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+)?")
_MIDNIGHT = dt.time(0, 0)


def render(value: Any) -> str | None:
    """One cell value as a string; None for empty. Dates ISO, integral floats without '.0'."""
    t = type(value)
    if t is str:
        return value or None
    if t is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if t is bool:
        return "TRUE" if value else "FALSE"
    if t is int:
        return str(value)
    if t is dt.datetime:
        return value.date().isoformat() if value.time() == _MIDNIGHT else value.isoformat()
    if t is dt.date or t is dt.time:
        return value.isoformat()
    if value is None:
        return None
    return str(value)


def render_rows(rows: Sequence[Sequence[Any]]) -> list[list[str | None]]:
    """Render a whole grid; strings (the common case) and dates take the short path."""
    return [
        [(v or None) if (t := type(v)) is str else v.isoformat() if t is dt.date else render(v) for v in row]
        for row in rows
    ]


def is_text(value: str) -> bool:
    """True for a label-like value: not a number, percentage or ISO date."""
    return not (_NUMBER.fullmatch(value.strip()) or _ISO_DATE.fullmatch(value.strip()))


@dataclass
class Layout:
    """What a reader cannot see in a sheet, in sheet coordinates (1-based)."""

    hidden_rows: dict[int, Visibility] = field(default_factory=dict)
    hidden_columns: set[int] = field(default_factory=set)
    invisible_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, column)


def _non_empty(row: Sequence[str | None]) -> list[str]:
    return [v for v in row if v is not None and v.strip()]


def find_header(rows: Sequence[Sequence[str | None]]) -> tuple[int, int | None]:
    """Return (first non-empty row index, header row index or None).

    The header is the first row with more than one value (or the only column) that is mostly
    text; single-value rows above it are titles. If the first multi-value row is data (dates,
    numbers), there is no header.
    """
    first = next((i for i, r in enumerate(rows) if _non_empty(r)), len(rows))
    for i in range(first, min(len(rows), first + HEADER_SCAN_ROWS)):
        values = _non_empty(rows[i])
        if not values:
            continue
        width = len(rows[i])
        if len(values) == 1 and width > 1:
            continue  # a title line
        texty = sum(1 for v in values if is_text(v))
        return first, (i if texty / len(values) > HEADER_TEXT_SHARE else None)
    return first, None


def col_letter(col: int) -> str:
    """1-based column number -> 'A', 'B', ..., 'AA'."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def grid_tables(
    rows: list[list[str | None]],
    *,
    key: str,
    location: Location,
    first_row: int,
    first_column: int,
    chunk_rows: int,
    visibility: Visibility = Visibility.VISIBLE,
    layout: Layout | None = None,
    role: str = "sheet",
    context: tuple[str, ...] = (),
    header_policy: str = "auto",
) -> Iterator[Table | Segment]:
    """Yield title Segments and Table chunks for a grid whose rows[0] is sheet row ``first_row``.

    Title rows above a detected header become ``Segment`` (role "cell") so nothing is dropped.
    ``header_policy``: "auto" detects the header, "first" takes rows[0], "none" has no header.
    """
    layout = layout or Layout()
    width = max((len(r) for r in rows), default=0)
    if header_policy == "auto":
        start, header_idx = find_header(rows)
    else:
        start, header_idx = 0, (0 if header_policy == "first" and rows else None)

    def vis_at(r: int, c: int) -> Visibility:
        if (r, c) in layout.invisible_cells:
            return Visibility.INVISIBLE_FORMAT
        if visibility is not Visibility.VISIBLE:
            return visibility
        if c in layout.hidden_columns:
            return Visibility.HIDDEN_COLUMN
        return layout.hidden_rows.get(r, Visibility.VISIBLE)

    header: tuple[str, ...] | None = None
    header_row: int | None = None
    data_start = start
    if header_idx is not None:
        for i in range(start, header_idx):
            for j, v in enumerate(rows[i]):
                if v is not None and v.strip():
                    r, c = first_row + i, first_column + j
                    yield Segment(
                        text=v,
                        location=Location(
                            part=location.part,
                            sheet=location.sheet,
                            range=f"{col_letter(c)}{r}",
                            row=r,
                            column=c,
                            members=location.members,
                        ),
                        visibility=vis_at(r, c),
                        context=context,
                        role="cell",
                    )
        header = tuple(v or "" for v in rows[header_idx]) + ("",) * (width - len(rows[header_idx]))
        header_row = first_row + header_idx
        data_start = header_idx + 1

    data = rows[data_start:]
    column_visibility: tuple[Visibility, ...] = ()
    if visibility is Visibility.VISIBLE and any(
        first_column <= c < first_column + width for c in layout.hidden_columns
    ):
        column_visibility = tuple(
            Visibility.HIDDEN_COLUMN if first_column + j in layout.hidden_columns else Visibility.VISIBLE
            for j in range(width)
        )
    step = max(1, chunk_rows)
    n_chunks = max(1, -(-len(data) // step))
    for k in range(n_chunks):
        part = data[k * step : (k + 1) * step]
        top = first_row + data_start + k * step
        row_visibility: tuple[Visibility, ...] = ()
        if layout.hidden_rows and any(top + i in layout.hidden_rows for i in range(len(part))):
            row_visibility = tuple(
                layout.hidden_rows.get(top + i, Visibility.VISIBLE) for i in range(len(part))
            )
        cells: dict[tuple[int, int], Visibility] = {}
        for r, c in layout.invisible_cells:
            if top <= r < top + len(part) and first_column <= c < first_column + width:
                cells[(r - top, c - first_column)] = Visibility.INVISIBLE_FORMAT
        yield Table(
            key=key,
            location=location,
            header=header,
            rows=part,
            first_row=top,
            first_column=first_column,
            header_row=header_row,
            visibility=visibility,
            row_visibility=row_visibility,
            column_visibility=column_visibility,
            cell_visibility=cells,
            chunk=k,
            last_chunk=k == n_chunks - 1,
            role=role,
        )
