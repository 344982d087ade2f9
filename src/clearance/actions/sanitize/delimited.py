"""CSV/TSV writer: drops or treats columns named by findings, keeping dialect and encoding.

A finding's ``Location.range`` names a column and rows ("B2:B11"). Removal drops the whole
column (header included): an empty column under a "DOB" header still tells a reader what was
there. Other treatments rewrite the values in place. Delimiter, quote character, line ending,
byte-order mark and encoding are those of the input.
"""

from __future__ import annotations

import csv
import io
import re
from typing import BinaryIO, ClassVar

from clearance import formats
from clearance.actions.sanitize.base import (
    DONE,
    ActionKind,
    CannotSanitize,
    Plan,
    Removal,
    Summary,
    Treatment,
    entity_words,
    plural,
    treat,
)
from clearance.model import Location

_RANGE = re.compile(r"^([A-Z]{1,3})(\d+)?(?::([A-Z]{1,3})(\d+)?)?$")
_CELL_KINDS = (
    ActionKind.CLEAR_CELLS,
    ActionKind.MASK_CELLS,
    ActionKind.PSEUDONYMISE,
    ActionKind.GENERALISE,
    ActionKind.REDACT_TEXT,
    ActionKind.DROP_FIELD,
)
_IGNORED = (ActionKind.DROP_METADATA, ActionKind.DROP_COMMENTS, ActionKind.DROP_MACROS)  # none in CSV


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def parse_range(rng: str | None) -> tuple[int, int, int | None, int | None]:
    """(first col, last col, first row, last row) 0-based columns, 1-based rows (None = all)."""
    m = _RANGE.match((rng or "").upper())
    if not m:
        raise CannotSanitize(f"cannot read the column range {rng!r}")
    c1, r1, c2, r2 = m.groups()
    return column_index(c1), column_index(c2 or c1), int(r1) if r1 else None, int(r2 or r1) if r1 else None


def decode(raw: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "utf-8"):
        try:
            text = raw.decode(enc)
            return text, ("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
        except UnicodeDecodeError:
            continue
    return raw.decode("cp1252", errors="strict"), "cp1252"


class DelimitedSanitizer:
    media_types: ClassVar[tuple[str, ...]] = (formats.CSV, formats.TSV)

    def sanitize(self, data: BinaryIO, plan: Plan, out: BinaryIO) -> Summary:
        raw = data.read()
        try:
            text, encoding = decode(raw)
        except UnicodeDecodeError as exc:
            raise CannotSanitize("the file's text encoding could not be read") from exc
        newline = "\r\n" if "\r\n" in text[:65536] else "\n"
        delim = "\t" if plan.media_type == formats.TSV else _sniff_delimiter(text)
        try:
            dialect = csv.Sniffer().sniff(text[:65536], delimiters=delim)
            quotechar = dialect.quotechar or '"'
        except csv.Error:
            quotechar = '"'
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar=quotechar))
        removals: list[Removal] = []
        drop_cols: dict[int, list[str]] = {}
        header = rows[0] if rows else []
        for a in plan.actions:
            if a.kind in _IGNORED:
                continue
            if a.kind not in _CELL_KINDS:
                raise CannotSanitize(
                    f"delimited files have no way to {a.kind.value} ({a.location.describe()})"
                )
            if a.location.members:
                raise CannotSanitize("a finding sits in an embedded member, which this writer cannot reach")
            c1, c2, r1, r2 = parse_range(a.location.range)
            treatment = a.treatment or Treatment.REMOVE
            if treatment is Treatment.REMOVE:
                for c in range(c1, c2 + 1):
                    drop_cols.setdefault(c, []).extend(a.entities or ([a.entity] if a.entity else []))
                continue
            n = 0
            first = (r1 or 2) - 1
            last = (r2 or len(rows)) - 1
            for r in range(first, min(last, len(rows) - 1) + 1):
                for c in range(c1, min(c2, len(rows[r]) - 1) + 1):
                    if rows[r][c].strip():
                        rows[r][c] = treat(a.entity or "", rows[r][c], treatment, plan.options) or ""
                        n += 1
            removals.append(
                Removal(
                    a.kind,
                    a.location,
                    f"{plural(n, 'value')} {DONE[treatment]}"
                    f" in column {_name(header, c1)} ({entity_words([a.entity or ''])})",
                    n,
                )
            )
        if drop_cols:
            keep = [i for i in range(max((len(r) for r in rows), default=0)) if i not in drop_cols]
            for c in sorted(drop_cols):
                removals.append(
                    Removal(
                        ActionKind.DROP_FIELD,
                        Location(column=c + 1),
                        f"column {_name(header, c)} removed: {plural(max(len(rows) - 1, 0), 'row')}"
                        f" ({entity_words(drop_cols[c])})",
                        max(len(rows) - 1, 0),
                    )
                )
            rows = [[r[i] for i in keep if i < len(r)] for r in rows]
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, delimiter=delim, quotechar=quotechar, lineterminator=newline)
        writer.writerows(rows)
        out.write(buf.getvalue().encode(encoding))
        return Summary(tuple(removals))


def _name(header: list[str], c: int) -> str:
    letter = ""
    n = c + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letter = chr(65 + rem) + letter
    return f"{letter} ('{header[c]}')" if c < len(header) and header[c].strip() else letter


def _sniff_delimiter(text: str) -> str:
    head = text[:65536].splitlines()[:20]
    best, score = ",", -1
    for d in (",", ";", "|", "\t"):
        counts = [line.count(d) for line in head if line]
        if counts and min(counts) > 0 and (s := sum(counts)) > score:
            best, score = d, s
    return best


SANITIZERS = (DelimitedSanitizer,)
