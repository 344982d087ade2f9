"""Plain text, Markdown, JSON and JSON Lines: paragraphs become Segments, records become Tables.

Also home of the shared text decoding used by the delimited extractor: detect the encoding on a
sample, then stream lines through an incremental decoder, counting bytes that do not decode.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, ClassVar

from clearance import formats
from clearance.extractors.json_records import MAX_JSON_DEPTH, RecordTable, check_depth, walk
from clearance.extractors.text_lists import ListSplitter
from clearance.model import (
    Document,
    Extracted,
    Location,
    Note,
    Segment,
    Table,
    Unscannable,
    Visibility,
)
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

# JSON Lines (https://jsonlines.org, also "NDJSON"); sniffing may give it, or JSON for a file whose
# lines each parse on their own.
NDJSON = formats.NDJSON
# Markdown is prose with light markup: read as plain text.
MARKDOWN = formats.MARKDOWN
# Lines looked at before deciding a JSON file is really JSON Lines.
NDJSON_PROBE_LINES = 50

_SURROGATES = re.compile("[\udc80-\udcff]")
# One line with its ending: LF, CRLF or a lone CR (universal newlines, as csv expects).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")
# Characters decoded and checked at a time by ``iter_lines``.
_BLOCK_CHARS = 1024 * 1024


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
    content (except in UTF-16/32, where they are part of the encoding and decode away). Text is
    decoded and checked a block at a time and split into lines by one regex pass per block, so
    a line costs no Python work of its own.
    """
    wide = formats.is_utf16_or_32(stats.encoding)
    # surrogateescape maps each bad byte to one lone surrogate we can count exactly; the UTF-16/32
    # decoders cannot do that for odd trailing bytes, so there we count U+FFFD instead.
    errors = "replace" if wide else "surrogateescape"
    text = io.TextIOWrapper(raw, encoding=stats.encoding, errors=errors, newline="")
    first = True
    carry = ""
    while True:
        block = text.read(_BLOCK_CHARS)
        if not block:
            break
        if first:
            block = block.lstrip("\ufeff")
            first = False
        if "\x00" in block:
            raise Unscannable("binary content in a text file", "binary")
        if wide:
            stats.bad += block.count("\ufffd")
        elif _SURROGATES.search(block):
            block, n = _SURROGATES.subn("\ufffd", block)
            stats.bad += n
        chunk = carry + block if carry else block
        # Lines end at the last line break but one character (a CR there may be the first half
        # of a CRLF); the regex runs only up to there, so no match ever scans past its line.
        end = max(chunk.rfind("\n", 0, len(chunk) - 1), chunk.rfind("\r", 0, len(chunk) - 1)) + 1
        if end and chunk[end - 1] == "\r" and chunk[end] == "\n":
            end += 1  # that CRLF is whole
        carry = chunk[end:]
        if len(carry) > MAX_LINE_CHARS:
            raise Unscannable(f"a line is longer than {MAX_LINE_CHARS:,} characters", "limit")
        if end:
            yield from _LINE.findall(chunk, 0, end)
    if carry:
        end = max(carry.rfind("\n"), carry.rfind("\r")) + 1
        yield from _LINE.findall(carry, 0, end)
        if carry[end:]:
            yield carry[end:]


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


def _paragraphs(doc: Document, lines: Iterator[str | Table]) -> Iterator[Segment | Table]:
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
        if isinstance(piece, Table):  # a list the text_lists splitter found: passed through
            yield piece
            continue
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


# Public name: the e-mail extractor splits message bodies into paragraphs the same way.
paragraphs = _paragraphs


def _json_strings(
    value: Any,
    path: str,
    *,
    base: Location,
    visibility: Visibility = Visibility.VISIBLE,
    context: tuple[str, ...] = (),
) -> Iterator[Segment]:
    for item in walk(value, path, 1, base=base, key_prefix="", visibility=visibility, tables=False):
        if not isinstance(item, Table):
            yield from _json_segment(*item, base=base, visibility=visibility, context=context)


def _json_segment(
    path: str, value: Any, *, base: Location, visibility: Visibility, context: tuple[str, ...]
) -> Iterator[Segment]:
    if (isinstance(value, str) and value.strip()) or (isinstance(value, int) and not isinstance(value, bool)):
        yield Segment(
            text=str(value)[:MAX_SEGMENT_CHARS],
            location=replace(base, field=path),
            visibility=visibility,
            context=(*context, path),
            role="text",
        )


def json_extracted(
    value: Any,
    *,
    base: Location,
    chunk_rows: int,
    root: str = "$",
    key_prefix: str = "json:",
    visibility: Visibility = Visibility.VISIBLE,
    context: tuple[str, ...] = (),
) -> Iterator[Segment | Table]:
    """A parsed JSON value as Tables (records at any depth: json_records) and Segments (other
    strings and numbers).

    Shared with the HTML extractor (inline JSON in ``<script>``, ``data-*`` attributes). Checks
    the nesting depth first; raises ``Unscannable`` when it is hostile.
    """
    check_depth(value)
    for item in walk(value, root, chunk_rows, base=base, key_prefix=key_prefix, visibility=visibility):
        if isinstance(item, Table):
            yield item
        else:
            yield from _json_segment(*item, base=base, visibility=visibility, context=context)


def looks_like_ndjson(sample: str, truncated: bool) -> bool:
    """True when the sample's complete lines are each one JSON value, at least two of them objects.

    A pretty-printed JSON document fails on its first line ("{"); a single-line JSON document has
    one line only. Looks at no more than ``NDJSON_PROBE_LINES`` lines.
    """
    lines = sample.splitlines()
    if truncated and lines and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # cut off by the sample boundary
    objects = 0
    seen = 0
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            return False
        seen += 1
        if isinstance(value, dict):
            objects += 1
        if seen >= NDJSON_PROBE_LINES:
            break
    return objects >= 2


def _ndjson(doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
    """One JSON value per line, streamed: objects become chunks of one Table (key "ndjson").

    The header is the ordered set of keys seen so far; it only grows, so a column keeps its index
    from chunk to chunk. A line that is not JSON is scanned as text and counted in a Note.
    """
    encoding, _ = detect(doc)
    stats = DecodeStats(encoding)
    base = Location(members=doc.members)
    table = RecordTable("$", ctx.limits.chunk_rows, base=base, key_prefix="ndjson:", key="ndjson")
    bad_lines = 0

    with doc.open() as raw:
        lineno = 0
        for line in iter_lines(raw, stats):
            lineno += 1
            stripped = line.strip()
            if not stripped:
                continue
            try:
                value = json.loads(stripped)
            except RecursionError:
                raise Unscannable(
                    f"JSON nesting deeper than {MAX_JSON_DEPTH} levels on line {lineno:,}", "limit"
                ) from None
            except ValueError:
                bad_lines += 1
                yield Segment(
                    text=stripped[:MAX_SEGMENT_CHARS], location=replace(base, row=lineno), role="text"
                )
                continue
            check_depth(value)
            if not isinstance(value, dict):
                yield from _json_strings(value, f"$[{lineno}]", base=replace(base, row=lineno))
                continue
            yield from table.add(value)
    if table.records:
        yield from table.close()
    if bad_lines:
        yield Note(
            code="ndjson-lines",
            message=f"{bad_lines:,} line(s) were not JSON and were scanned as plain text",
            location=base,
        )
    note = encoding_note(doc, stats)
    if note:
        yield note


class TextExtractor:
    """Text-like documents: paragraphs as Segments; JSON records and NDJSON lines as Tables.

    Markdown is read as plain text. HTML and XML have their own extractors (``html``, ``xml_doc``);
    ``extract`` still reads them as text when called directly.
    """

    name: ClassVar[str] = "text"
    media_types: ClassVar[tuple[str, ...]] = (formats.TEXT, formats.JSON, MARKDOWN, NDJSON)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        if doc.size == 0:
            return
        if doc.media_type == NDJSON:
            yield from _ndjson(doc, ctx)
            return
        if doc.media_type == formats.JSON:
            yield from self._json(doc, ctx)
            return
        yield from self._text(doc, ctx)

    def _text(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        """Paragraphs as Segments; lists and Markdown pipe tables as Tables (text_lists)."""
        encoding, _ = detect(doc)
        stats = DecodeStats(encoding)
        splitter = ListSplitter(doc.members, ctx.limits.chunk_rows)
        with doc.open() as raw:
            yield from _paragraphs(doc, splitter.split(iter_lines(raw, stats)))
        note = encoding_note(doc, stats)
        if note:
            yield note

    def _json(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        encoding, sample = detect(doc)
        # JSON Lines sniff as JSON (they start with "{"); they are streamed, so no size limit.
        if looks_like_ndjson(decode_sample(sample, encoding), truncated=doc.size > len(sample)):
            yield from _ndjson(doc, ctx)
            return
        if doc.size > MAX_JSON_BYTES:
            raise Unscannable(
                f"JSON file is {doc.size:,} bytes; JSON over {MAX_JSON_BYTES:,} bytes is not parsed", "limit"
            )
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
            yield from self._text(doc, ctx)
            return
        bad = text.count("\ufffd")
        yield from json_extracted(value, base=Location(members=doc.members), chunk_rows=ctx.limits.chunk_rows)
        note = encoding_note(doc, DecodeStats(encoding, bad))
        if note:
            yield note
