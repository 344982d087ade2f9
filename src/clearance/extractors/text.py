"""Plain text, JSON, XML and HTML read as text: paragraphs become Segments.

Also home of the shared text decoding used by the delimited extractor: detect the encoding on a
sample, then stream lines through an incremental decoder, counting bytes that do not decode.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

from clearance import formats
from clearance.model import Document, Extracted, Location, Note, Segment, Table, Unscannable
from clearance.plugins import ExtractContext

# Bytes read to detect the encoding (and, for CSV, the dialect and header).
SAMPLE_BYTES = 64 * 1024
# A line longer than this is not text anyone reads; reading it whole would let one newline-free
# gigabyte sit in memory. 16 Mi characters also bounds a single CSV field.
MAX_LINE_CHARS = 16 * 1024 * 1024
# Segments are capped so a detector never gets a megabyte-long string; 64 KiB holds any paragraph.
MAX_SEGMENT_CHARS = 64 * 1024
# JSON is parsed whole (json has no streaming parser in the standard library): refuse beyond this.
MAX_JSON_BYTES = 256 * 1024 * 1024
# Nesting deeper than this is an attack on recursive parsers, not data.
MAX_JSON_DEPTH = 200

_SURROGATES = re.compile("[\udc80-\udcff]")


@dataclass
class DecodeStats:
    """Counts what the decoder had to replace, for a non-blocking "encoding" Note."""

    encoding: str
    bad: int = 0


def detect(doc: Document) -> tuple[str, bytes]:
    """Encoding of a document from a sample of its start; Unscannable when it looks binary."""
    with doc.open() as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding = formats.detect_encoding(sample)
    if encoding is None:
        if b"\x00" in sample:
            raise Unscannable("binary content in a text file", "binary")
        raise Unscannable("content does not decode as text in any known encoding", "binary")
    return encoding, sample


def decode_sample(sample: bytes, encoding: str) -> str:
    """Decode a sample that may end mid-character."""
    import codecs

    dec = codecs.getincrementaldecoder(encoding)(errors="replace")
    return dec.decode(sample, final=False).lstrip("\ufeff")


def iter_lines(raw: BinaryIO, stats: DecodeStats) -> Iterator[str]:
    """Decoded lines (line endings kept, as csv wants) in bounded memory.

    Undecodable bytes become U+FFFD and are counted in ``stats``. NUL characters mean binary
    content (except in UTF-16/32, where they are part of the encoding and decode away).
    """
    wide = formats.is_utf16_or_32(stats.encoding)
    # surrogateescape maps each bad byte to one lone surrogate we can count exactly; the UTF-16/32
    # decoders cannot do that for odd trailing bytes, so there we count U+FFFD instead.
    errors = "replace" if wide else "surrogateescape"
    text = io.TextIOWrapper(raw, encoding=stats.encoding, errors=errors, newline="")
    first = True
    while True:
        line = text.readline(MAX_LINE_CHARS)
        if not line:
            return
        if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise Unscannable(f"a line is longer than {MAX_LINE_CHARS:,} characters", "limit")
        if first:
            line = line.lstrip("\ufeff")
            first = False
        if "\x00" in line:
            raise Unscannable("binary content in a text file", "binary")
        if wide:
            stats.bad += line.count("\ufffd")
        elif _SURROGATES.search(line):
            line, n = _SURROGATES.subn("\ufffd", line)
            stats.bad += n
        yield line


def encoding_note(doc: Document, stats: DecodeStats) -> Note | None:
    if not stats.bad:
        return None
    return Note(
        code="encoding",
        message=(
            f"{stats.bad:,} byte(s) did not decode as {stats.encoding} and were replaced; "
            "text around them may be missed"
        ),
        location=Location(members=doc.members),
    )


def _paragraphs(doc: Document, lines: Iterator[str]) -> Iterator[Segment]:
    buf: list[str] = []
    size = 0
    start = 1

    def flush() -> Segment | None:
        text = "".join(buf).strip()
        if not text:
            return None
        return Segment(text=text, location=Location(row=start, members=doc.members), role="text")

    lineno = 0
    pending_partial = False  # the previous piece was a cut-off part of a long line
    for piece in lines:
        if not pending_partial:
            lineno += 1
        pending_partial = not piece.endswith(("\n", "\r"))
        if not piece.strip() and not pending_partial:
            seg = flush()
            if seg:
                yield seg
            buf, size, start = [], 0, lineno + 1
            continue
        if not buf:
            start = lineno
        while size + len(piece) > MAX_SEGMENT_CHARS:
            room = MAX_SEGMENT_CHARS - size
            buf.append(piece[:room])
            piece = piece[room:]
            seg = flush()
            if seg:
                yield seg
            buf, size, start = [], 0, lineno
        buf.append(piece)
        size += len(piece)
    seg = flush()
    if seg:
        yield seg


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _flatten(record: dict[str, Any], prefix: str, out: dict[str, str | None], depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise Unscannable(f"JSON nesting deeper than {MAX_JSON_DEPTH} levels", "limit")
    for k, v in record.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and v:
            _flatten(v, key, out, depth + 1)
        else:
            out[key] = _scalar(v)


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(x, dict) for x in value)


def _check_depth(value: Any) -> None:
    """Iterative depth check: recursion here is what hostile JSON is built to break."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > MAX_JSON_DEPTH:
            raise Unscannable(f"JSON nesting deeper than {MAX_JSON_DEPTH} levels", "limit")
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values() if isinstance(x, dict | list))
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v if isinstance(x, dict | list))


def _records_table(
    doc: Document, path: str, records: list[dict[str, Any]], chunk_rows: int
) -> Iterator[Table]:
    flat: list[dict[str, str | None]] = []
    header: dict[str, None] = {}  # ordered set: keys in first-seen order
    for rec in records:
        row: dict[str, str | None] = {}
        _flatten(rec, "", row, 1)
        flat.append(row)
        for k in row:
            header.setdefault(k)
    cols = list(header)
    loc = Location(field=path, members=doc.members)
    chunk_rows = max(1, chunk_rows)
    n_chunks = max(1, -(-len(flat) // chunk_rows))
    for i in range(n_chunks):
        part = flat[i * chunk_rows : (i + 1) * chunk_rows]
        yield Table(
            key="json:" + path,
            location=loc,
            header=tuple(cols),
            rows=[[r.get(c) for c in cols] for r in part],
            first_row=i * chunk_rows + 1,
            header_row=None,
            chunk=i,
            last_chunk=i == n_chunks - 1,
            role="json",
        )


def _json_strings(doc: Document, value: Any, path: str) -> Iterator[Segment]:
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        v, p = stack.pop()
        if isinstance(v, dict):
            stack.extend((x, f"{p}.{k}") for k, x in reversed(list(v.items())))
        elif isinstance(v, list):
            stack.extend((x, f"{p}[{i}]") for i, x in reversed(list(enumerate(v))))
        elif (isinstance(v, str) and v.strip()) or (isinstance(v, int) and not isinstance(v, bool)):
            text = str(v)[:MAX_SEGMENT_CHARS]
            yield Segment(
                text=text, location=Location(field=p, members=doc.members), context=(p,), role="text"
            )


class TextExtractor:
    """Text-like documents: paragraphs as Segments; JSON records as Tables."""

    name: ClassVar[str] = "text"
    media_types: ClassVar[tuple[str, ...]] = (formats.TEXT, formats.JSON, formats.XML, formats.HTML)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        if doc.size == 0:
            return
        if doc.media_type == formats.JSON:
            yield from self._json(doc, ctx)
            return
        yield from self._text(doc)

    def _text(self, doc: Document) -> Iterator[Extracted]:
        encoding, _ = detect(doc)
        stats = DecodeStats(encoding)
        with doc.open() as raw:
            yield from _paragraphs(doc, iter_lines(raw, stats))
        note = encoding_note(doc, stats)
        if note:
            yield note

    def _json(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        if doc.size > MAX_JSON_BYTES:
            raise Unscannable(
                f"JSON file is {doc.size:,} bytes; JSON over {MAX_JSON_BYTES:,} bytes is not parsed", "limit"
            )
        encoding, _ = detect(doc)
        with doc.open() as fh:
            data = fh.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise Unscannable(f"JSON over {MAX_JSON_BYTES:,} bytes is not parsed", "limit")
        text = data.decode(encoding, errors="replace").lstrip("\ufeff")
        try:
            value = json.loads(text)
        except RecursionError:
            raise Unscannable(f"JSON nesting deeper than {MAX_JSON_DEPTH} levels", "limit") from None
        except ValueError:
            # Starts with { or [ but is not JSON (a "[Draft] ..." memo): scan it as prose.
            yield from self._text(doc)
            return
        _check_depth(value)
        bad = text.count("\ufffd")
        if _is_records(value):
            yield from _records_table(doc, "$", value, ctx.limits.chunk_rows)
        elif isinstance(value, dict):
            for k, v in value.items():
                path = f"$.{k}"
                if _is_records(v):
                    yield from _records_table(doc, path, v, ctx.limits.chunk_rows)
                else:
                    yield from _json_strings(doc, v, path)
        else:
            yield from _json_strings(doc, value, "$")
        note = encoding_note(doc, DecodeStats(encoding, bad))
        if note:
            yield note
