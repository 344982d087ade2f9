"""A1 cell references: column letters and row spans. Pure helpers."""

from __future__ import annotations

import re

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_RANGE_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})")


def column_letter(number: int) -> str:
    """1 -> "A", 27 -> "AA"."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def column_of(range_: str | None) -> str | None:
    """The first column's letters of an A1 cell or range ("B2:B6253" -> "B")."""
    if not range_:
        return None
    m = _RANGE_COLUMN.match(range_.split("!")[-1])
    return m.group(1).upper() if m else None


def parse_cell(ref: str) -> tuple[str, int] | None:
    m = _A1.match(ref.split("!")[-1])
    return (m.group(1).upper(), int(m.group(2))) if m else None


def column_span(letter: str, first_row: int, last_row: int) -> str:
    return f"{letter}{first_row}" if first_row == last_row else f"{letter}{first_row}:{letter}{last_row}"


def is_row_span(range_: str | None) -> bool:
    """Whether an A1 range runs along one row across columns ("B2:G2"): a record written as a
    column of a transposed table (labels down column A, one person per column)."""
    if not range_ or ":" not in range_:
        return False
    a, b = (parse_cell(r) for r in range_.split("!")[-1].split(":", 1))
    return a is not None and b is not None and a[1] == b[1] and a[0] != b[0]
