"""Tables inside word-processing documents (docx, odt): a grid of cells, some cells (or parts
of cells) hidden, emitted as ``Table`` chunks plus ``Segment``s for the hidden pieces."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from clearance.extractors.xlsx_tables import grid_tables
from clearance.model import Extracted, Location, Segment, Table, Visibility

# (row, column, kind, visibility, text): a hidden or deleted piece of a visible cell.
CellPiece = tuple[int, int, str, Visibility, str]


def document_table(
    grid: list[list[str | None]],
    *,
    key: str,
    location: Location,
    chunk_rows: int,
    visibility: Visibility,
    context: tuple[str, ...],
    hidden_cells: dict[tuple[int, int], Visibility],
    pieces: Sequence[CellPiece],
    piece_location: Callable[[int, int, str], Location],
) -> Iterator[Extracted]:
    """Yield the grid as tables with per-cell visibility, then each hidden piece as a Segment
    whose context names its column header."""
    header: tuple[str, ...] | None = None
    for item in grid_tables(
        grid,
        key=key,
        location=location,
        first_row=1,
        first_column=1,
        chunk_rows=chunk_rows,
        visibility=visibility,
        role="table",
        context=context,
    ):
        if isinstance(item, Table):
            header = header or item.header
            top = item.first_row - 1
            cells = {(i - top, j): v for (i, j), v in hidden_cells.items() if 0 <= i - top < len(item.rows)}
            yield replace(item, cell_visibility=cells) if cells else item
        else:
            vis = hidden_cells.get(((item.location.row or 1) - 1, (item.location.column or 1) - 1))
            yield replace(item, visibility=vis) if vis is not None else item
    for i, j, kind, vis, text in pieces:
        col = header[j] if header and j < len(header) and header[j] else None
        yield Segment(
            text,
            piece_location(i, j, kind),
            vis,
            (*context, f"column: {col}") if col else context,
            "cell",
        )
