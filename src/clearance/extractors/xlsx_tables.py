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
# A candidate header is compared with this many non-empty rows below it.
HEADER_PROBE_ROWS = 20
# A column is "typed" (numbers, dates, codes such as A-numbers) when this share of its probed
# values are of one such kind.
TYPED_COLUMN_SHARE = 0.8
# A cell holding a list (a flight manifest, one passenger a line) becomes a one-column list table
# of its lines when it has at least this many short lines and stands nearly alone in its column
# (at most MANIFEST_MAX_PEERS other values there). Looked for in small tables only: the lists
# seen are cells of short summary sheets, and big sheets keep their cost.
MANIFEST_MIN_LINES = 3
MANIFEST_MAX_LINE = 120
MANIFEST_MAX_PEERS = 2
MANIFEST_MAX_ROWS = 200
# Runs of blank rows looked at per sheet when splitting it into tables (bounds the work on sheets
# with a blank line between every record; past it the rest of the sheet stays one table).
MAX_SPLIT_CHECKS = 1000

_NUMBER = re.compile(r"[-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?%?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+)?")
_DATEISH = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T][\d:.]+)?")
_CODE = re.compile(r"(?=[^\s]*\d)(?=[^\s]*[^\W\d_])[^\s]+")  # letters and digits: A284595470
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


def _kind(value: str) -> str:
    """The shape of a cell: number, date, code (letters with digits, no spaces) or text."""
    v = value.strip()
    if _NUMBER.fullmatch(v):
        return "number"
    if _DATEISH.fullmatch(v):
        return "date"
    if _CODE.fullmatch(v):
        return "code"
    return "text"


def header_evidence(row: Sequence[str | None], below: Sequence[Sequence[str | None]]) -> int:
    """How much a row looks like labels over the rows ``below`` it (positive) or like one more
    row of them (negative); 0 when nothing tells.

    Evidence for a header: a cell whose shape differs from a typed column below it ("DOB" over
    dates, "A-Number" over A-numbers, "FY2019" over counts). Evidence against: a cell of the same
    kind as its typed column (an A-number over A-numbers), or a value that reappears below it
    ("Mexico" in a country column). Text over text ("Name" over names) tells nothing here: the
    column detector, which knows header words, decides those.
    """
    probe: list[Sequence[str | None]] = []
    for r in below:
        if any(r):
            probe.append(r)
            if len(probe) >= HEADER_PROBE_ROWS:
                break
    if not probe:
        return 0
    score = 0
    for j, head in enumerate(row):
        if head is None or not head.strip():
            continue
        head = head.strip()
        col = [v.strip() for r in probe if j < len(r) and (v := r[j]) is not None and v.strip()]
        if not col:
            continue
        if head in col:
            score -= 1
            continue
        kinds = [_kind(v) for v in col]
        dominant = max(set(kinds), key=kinds.count)
        if dominant != "text" and kinds.count(dominant) >= TYPED_COLUMN_SHARE * len(col):
            score += 1 if _kind(head) != dominant else -1
    return score


def _header_candidate(rows: Sequence[Sequence[str | None]], first: int) -> tuple[int, bool] | None:
    """(index, mostly text) of the first row from ``first`` with more than one value (or the
    only column): rows with a single value above it are titles. None when there is none within
    HEADER_SCAN_ROWS."""
    for i in range(first, min(len(rows), first + HEADER_SCAN_ROWS)):
        values = _non_empty(rows[i])
        if not values:
            continue
        if len(values) == 1 and len(rows[i]) > 1:
            continue  # a title line
        texty = sum(1 for v in values if is_text(v))
        return i, texty / len(values) > HEADER_TEXT_SHARE
    return None


def find_header(rows: Sequence[Sequence[str | None]]) -> tuple[int, int | None]:
    """Return (first non-empty row index, header row index or None).

    The header is the first row with more than one value (or the only column) that is mostly
    text and does not look like one more data row (see ``header_evidence``); single-value rows
    above it are titles. If the first multi-value row is data (dates, numbers, values of the
    same kind as the column below), there is no header.
    """
    first = next((i for i, r in enumerate(rows) if _non_empty(r)), len(rows))
    found = _header_candidate(rows, first)
    if found is None or not found[1]:
        return first, None
    i = found[0]
    if header_evidence(rows[i], rows[i + 1 : i + 1 + HEADER_PROBE_ROWS]) < 0:
        return first, None
    return first, i


def split_blocks(rows: Sequence[Sequence[str | None]]) -> list[tuple[int, int]]:
    """[start, end) row ranges of the separate tables in a grid.

    A sheet often holds more than one table: a summary at the top, a list of people further
    down. A new table starts after a run of blank rows when the next non-title row is a header
    (``header_evidence`` positive: labels over typed columns). A blank row inside one table is
    followed by data, so the table stays whole and is classified as one.
    """
    n = len(rows)
    flags = list(map(any, rows))  # False for rows of None / ""
    blocks: list[tuple[int, int]] = []
    start = 0
    try:
        pos = flags.index(True)  # leading blank rows belong to the first table
    except ValueError:
        return [(0, n)]
    checks = 0
    while checks < MAX_SPLIT_CHECKS:
        try:
            blank = flags.index(False, pos)
        except ValueError:
            break
        try:
            nxt = flags.index(True, blank)
        except ValueError:
            break  # only blank rows below
        pos = nxt
        checks += 1
        found = _header_candidate(rows, nxt)
        if found is None or not found[1]:
            continue
        i = found[0]
        if header_evidence(rows[i], rows[i + 1 : i + 1 + HEADER_PROBE_ROWS]) > 0:
            blocks.append((start, blank))
            start = nxt
    blocks.append((start, n))
    return blocks


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
    ``header_policy``: "auto" splits the grid into its tables (``split_blocks``) and detects each
    one's header, "first" takes rows[0], "none" has no header. The first table keeps ``key``;
    a later one is keyed by its top-left cell (``key@A8``) so each is classified on its own.
    """
    blocks = split_blocks(rows) if header_policy == "auto" else [(0, len(rows))]
    for s, e in blocks:
        yield from _block_tables(
            rows if len(blocks) == 1 else rows[s:e],  # one table: no copy of a large grid
            key if s == 0 else f"{key}@{col_letter(first_column)}{first_row + s}",
            location,
            first_row + s,
            first_column,
            chunk_rows,
            visibility,
            layout,
            role,
            context,
            header_policy,
        )


def _block_tables(
    rows: list[list[str | None]],
    key: str,
    location: Location,
    first_row: int,
    first_column: int,
    chunk_rows: int,
    visibility: Visibility,
    layout: Layout | None,
    role: str,
    context: tuple[str, ...],
    header_policy: str,
) -> Iterator[Table | Segment]:
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
    lists = _list_cells(data, width) if len(data) <= MANIFEST_MAX_ROWS else []
    if lists:  # the list is read as its own table, not also as one cell of this one
        data = [list(r) for r in data]
        for i, j, _ in lists:
            data[i][j] = None
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
    for i, j, lines in lists:
        r, c = first_row + data_start + i, first_column + j
        ref = f"{col_letter(c)}{r}"
        label = header[j] if header and j < len(header) and header[j] else None
        yield Table(
            key=f"{key}!{ref}",
            location=Location(
                part=location.part,
                sheet=location.sheet,
                range=ref,
                row=r,
                column=c,
                field=f"{ref} (list)",
                members=location.members,
            ),
            header=(label,) if label else None,
            rows=[[line] for line in lines],
            first_row=r,
            first_column=c,
            header_row=None,
            visibility=vis_at(r, c),
            role="list",
        )


def _list_cells(data: Sequence[Sequence[str | None]], width: int) -> list[tuple[int, int, list[str]]]:
    """(row, column, lines) of the cells that hold a list: MANIFEST_MIN_LINES or more short
    lines, in a column with at most MANIFEST_MAX_PEERS other values."""
    found: list[tuple[int, int, list[str]]] = []
    for j in range(width):
        cells = [(i, v) for i, row in enumerate(data) if j < len(row) and (v := row[j])]
        if not cells or len(cells) > 1 + MANIFEST_MAX_PEERS:
            continue
        for i, v in cells:
            if "\n" not in v:
                continue
            lines = [t for line in v.splitlines() if (t := line.strip())]
            if len(lines) >= MANIFEST_MIN_LINES and all(len(t) <= MANIFEST_MAX_LINE for t in lines):
                found.append((i, j, lines))
    return found
