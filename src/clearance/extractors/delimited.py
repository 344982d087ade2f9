"""CSV / TSV: encoding, dialect and header detection on a sample, then streamed Table chunks.

Memory stays bounded by one chunk of rows (``Limits.chunk_rows``) plus one line, so a multi-GB
export is scanned the same way as a small one.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Iterator, Sequence
from itertools import chain, islice
from typing import ClassVar

from clearance import formats
from clearance.extractors.text import (
    MAX_LINE_CHARS,
    DecodeStats,
    decode_sample,
    detect,
    encoding_note,
    iter_lines,
)
from clearance.model import Document, Extracted, Location, Table, Unscannable
from clearance.plugins import ExtractContext

# csv's default field limit (128 KiB) rejects real exports with long free-text cells; the line
# cap already bounds memory, so allow a field as long as a line.
MAX_FIELD_CHARS = MAX_LINE_CHARS
# Rows compared with the first row when deciding whether it is a header.
HEADER_PROBE_ROWS = 50
# Share of a column's values that must share a type for it to count as typed.
TYPED_COLUMN_SHARE = 0.8

_SEP_HINT = re.compile(r"sep=([^\r\n])\r?\n")
_NUMBER = re.compile(r"[-+]?[$€£]?\d[\d,. ]*%?")
_DATEISH = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")


def _kind(cell: str) -> str:
    c = cell.strip()
    if not c:
        return "empty"
    if _DATEISH.fullmatch(c):
        return "date"
    if _NUMBER.fullmatch(c):
        return "number"
    return "text"


def looks_like_header(rows: Sequence[Sequence[str]]) -> bool:
    """Whether the first row names the columns rather than holding data.

    Evidence for: a text cell above a column of numbers or dates. Evidence against: numbers or
    dates in the first row above the same kind of values, duplicate names, or the first row's
    values reappearing below it. With no typed column either way, a header is assumed (nearly
    every published CSV has one) unless the row has empty or repeated cells.
    """
    if not rows:
        return False
    first = [c.strip() for c in rows[0]]
    data = [r for r in rows[1 : HEADER_PROBE_ROWS + 1] if any(c.strip() for c in r)]
    nonempty = [c for c in first if c]
    if not nonempty:
        return False
    if len(set(nonempty)) < len(nonempty):
        return False
    kinds = [_kind(c) for c in first]
    if sum(k in ("number", "date") for k in kinds) > len(nonempty) / 2:
        return False
    score = 0
    for j, head in enumerate(first):
        col = [r[j].strip() for r in data if j < len(r) and r[j].strip()]
        if not col:
            continue
        col_kinds = [_kind(c) for c in col]
        dominant = max(set(col_kinds), key=col_kinds.count)
        typed = col_kinds.count(dominant) >= TYPED_COLUMN_SHARE * len(col)
        if head and head in col:
            score -= 1
        elif typed and dominant in ("number", "date"):
            score += 1 if kinds[j] == "text" else -1
    if score != 0:
        return score > 0
    return "" not in first[: len(first) - 1]  # a trailing empty header cell is common


def _dialect(text: str, media_type: str, name: str) -> tuple[str, str]:
    """(delimiter, quotechar) for a decoded sample."""
    delimiter = formats.guess_delimiter(text, name)
    if delimiter is None:
        complete = text[: text.rfind("\n") + 1] if "\n" in text else text
        if formats.looks_one_column(complete, name, tabular=True):
            # One field per line (a list of names or addresses): a comma inside a value
            # ("Garcia, Ana") is part of it, not a second column.
            return formats.NO_DELIMITER, '"'
        delimiter = "\t" if media_type == formats.TSV else ","
    quotechar = '"'
    try:
        sniffed = csv.Sniffer().sniff(text, delimiters=delimiter)
        if sniffed.quotechar in ("'", '"') and sniffed.delimiter == delimiter:
            quotechar = sniffed.quotechar
    except csv.Error:
        pass  # Sniffer gives up on many real files; the double quote is the RFC 4180 default
    return delimiter, quotechar


def _sample_rows(text: str, delimiter: str, quotechar: str) -> list[list[str]]:
    if "\n" in text:
        text = text[: text.rfind("\n") + 1]  # drop a row cut off by the sample boundary
    rows: list[list[str]] = []
    try:
        for row in csv.reader(text.splitlines(keepends=True), delimiter=delimiter, quotechar=quotechar):
            rows.append(row)
            if len(rows) > HEADER_PROBE_ROWS:
                break
    except csv.Error:
        pass
    return rows


def _with_none(block: list[list[str]]) -> list[list[str | None]]:
    """Records with None for empty fields. Records of one width (nearly every file) are done
    as one flat list, so no record costs a Python call of its own."""
    widths = set(map(len, block))
    if len(widths) != 1:
        return [[c or None for c in r] for r in block]
    width = widths.pop()
    flat: list[str | None] = [c or None for c in chain.from_iterable(block)]
    return [flat[i : i + width] for i in range(0, len(flat), width)] if width else [[] for _ in block]


class DelimitedExtractor:
    """CSV and TSV files as streamed Table chunks (role "csv")."""

    name: ClassVar[str] = "delimited"
    media_types: ClassVar[tuple[str, ...]] = (formats.CSV, formats.TSV)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        if doc.size == 0:
            return
        encoding, sample = detect(doc)
        text = decode_sample(sample, encoding)
        # Excel writes a "sep=;" line before the data when asked to: it names the delimiter and
        # is not a record.
        hint = _SEP_HINT.match(text)
        if hint:
            text = text[hint.end() :]
        delimiter, quotechar = _dialect(text, doc.media_type, doc.path.rsplit("/", 1)[-1])
        if hint:
            delimiter = hint.group(1)
        header_at = 2 if hint else 1  # record number of the header (or first data) row
        has_header = looks_like_header(_sample_rows(text, delimiter, quotechar))
        stats = DecodeStats(encoding)
        chunk_rows = max(1, ctx.limits.chunk_rows)
        loc = Location(members=doc.members)
        key = "csv"

        csv.field_size_limit(MAX_FIELD_CHARS)  # process-wide, but bounded and the same for every caller
        header: tuple[str, ...] | None = None
        width = 0
        first_row = header_at  # record number (1-based) of the next chunk's first row
        pending: Table | None = None
        chunk = 0

        def make(rows: list[list[str | None]], start: int, idx: int, last: bool) -> Table:
            w = max(width, max(map(len, rows), default=0))
            for r in rows:
                if len(r) < w:
                    r.extend([None] * (w - len(r)))  # ragged rows padded so the block is rectangular
            return Table(
                key=key,
                location=loc,
                header=header,
                rows=rows,
                first_row=start,
                header_row=header_at if header is not None else None,
                chunk=idx,
                last_chunk=last,
                role="csv",
            )

        with doc.open() as raw:
            lines = iter_lines(raw, stats)
            reader = csv.reader(lines, delimiter=delimiter, quotechar=quotechar, strict=False)
            try:
                for _ in range(header_at - 1):  # the "sep=" line
                    next(reader, None)
                if has_header:
                    first = next(reader, None)
                    if first is not None:
                        header = tuple(c.strip() for c in first)
                        width = len(header)
                        first_row += 1
                while block := list(islice(reader, chunk_rows)):  # records parsed in C
                    rows = _with_none(block)
                    if pending is not None:
                        yield pending
                    pending = make(rows, first_row, chunk, last=False)
                    chunk += 1
                    first_row += len(rows)
            except csv.Error as exc:
                # csv counts physical lines (a quoted line break starts a new one), which is what
                # an editor shows.
                if "field limit" in str(exc):
                    raise Unscannable(
                        f"a field on line {reader.line_num:,} is longer than {MAX_FIELD_CHARS:,} characters",
                        "limit",
                    ) from None
                raise Unscannable(
                    f"malformed delimited text on line {reader.line_num:,}: {exc}", "corrupt"
                ) from None
        if pending is None:
            yield make([], first_row, chunk, last=True)
        else:
            yield dataclasses.replace(pending, last_chunk=True)
        note = encoding_note(doc, stats)
        if note:
            yield note
