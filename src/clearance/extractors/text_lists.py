"""Layout inside plain text: lists and Markdown pipe tables become Tables.

A list of people typed into a text file ("Detainees transferred on 03/14:" over one name per
line, a bulleted or numbered list, a Markdown table) is a table a reader sees as one; read as
paragraphs its names would look like names mentioned in prose. This module recognises LAYOUT
only (line shapes, markers, separators), never what the lines hold: detectors decide whether a
column lists people, places or chapter titles.

``split`` sits between ``iter_lines`` and the paragraph builder: lines that form a list or table
are replaced by blank lines (so line numbers and paragraph breaks stay as they were, and no
line is read twice: once as a cell, once as prose) and the Tables are passed through in order.
Memory stays bounded: a run is held only until it is a list (``LIST_MIN_ITEMS`` lines) and then
streamed in chunks of ``chunk_rows``.

Items that all split into the same number of fields on one separator ("Ana Ruiz - 555 0100",
"Chair | Ana Ruiz") become rows of several columns, so each column is classified on its own.

``find_runs`` applies the same detection to the paragraphs of word-processing, web and slide
documents: each line comes with a hint that the document marks it as a list item (a Word
numbered paragraph, an HTML ``<li>``, a bullet) or as a heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from clearance.extractors.xlsx_tables import header_evidence
from clearance.model import Location, Table

# A list is at least this many items: two lines are a pair (a name and a title, an address),
# three of the same shape are a list.
LIST_MIN_ITEMS = 3
# A list item longer than this is a sentence, not an entry (a name, an address, a title).
MAX_ITEM_CHARS = 80
# Unmarked lines must be shorter still, with few words: a poem's or a wrapped paragraph's lines
# run longer than a name.
MAX_PLAIN_CHARS = 60
MAX_PLAIN_WORDS = 6
# Unmarked lines of one list have a similar number of words (names have 2-4).
MAX_PLAIN_WORD_SPREAD = 3
# A heading over a list: "Attendees:", "# Staff", "Name".
MAX_HEADING_CHARS = 120
MAX_FIRST_LINE_HEADER_WORDS = 4
# A Markdown table row longer than this is not a row anyone typed.
MAX_TABLE_ROW_CHARS = 4096

_BULLET = re.compile(r"[ \t]*([-*+\u2022\u00b7\u25aa\u25e6\u2023\u2013])[ \t]+(\S.*?)\s*\Z", re.S)
_NUMBERED = re.compile(r"[ \t]*\(?\d{1,4}[.)][ \t]+(\S.*?)\s*\Z", re.S)
_ATX_HEADING = re.compile(r"[ \t]{0,3}#{1,6}[ \t]+(\S.*?)[ \t#]*\Z", re.S)
_RULE = re.compile(r"[ \t]*(?:[-=_*][ \t]*){3,}\Z")
_PIPE_SEPARATOR = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*\Z")
# Sentence ends: a line that ends one is prose. A short last word ("Jr.", "Sr.") is an abbreviation.
_SENTENCE_END = re.compile(r"(?:[,;:!?]|[^\s.]{4,}\.)\Z")
_FENCE = re.compile(r"[ \t]{0,3}(```|~~~)")
# Field separators inside list items, strongest first. ", " splits only on an equal count in
# every item, and a single comma only between halves of different shapes ("Garcia, Ana" is one
# name written surname first).
_SEPARATORS = ("\t", " | ", " \u2014 ", " \u2013 ", " - ", ": ", ", ")
MAX_FIELDS = 8
_DIGIT = re.compile(r"[\d@]")
# Pseudo-separators ``split_fields`` may choose besides ``_SEPARATORS``: a parenthesised suffix
# every item has ("Ana Ruiz (Cuba)"), and ", " taken only twice ("Ana Ruiz, Town, spoke ...").
SEP_PAREN = "(...)"
SEP_LEADING_COMMAS = ", (twice)"
_PAREN_SUFFIX = re.compile(r"(\S.*?)\s*\(([^()]{1,40})\)[.;,]?\Z")
MAX_PAREN_WORDS = 4
# A record line under a heading: "Ana Ruiz, Springfield, spoke against the proposal." Its first
# field is a short run of words (no digits), then at least two ", ".
_RECORD_FIRST = re.compile(r"[^\W\d_][^\d,;:]{0,39}\Z")
MAX_RECORD_FIRST_WORDS = 4
# Unmarked paragraphs of a document under a short label with no colon ("Attendees") form a list
# only when they look alike: this close in word count, digits in all or none, and each one
# capitalised or none.
MAX_LOOSE_WORD_SPREAD = 2
# An inline list: "Attendees: A; B; C" or "Present: Ana Ruiz, Bob Lee, Carl May" in one line.
INLINE_MIN_ITEMS = 3
MAX_INLINE_LABEL_WORDS = 8
MAX_INLINE_ITEM_WORDS = 6
MAX_INLINE_CHARS = 2000
_INLINE_NAME = re.compile(r"[^\W\d_][\w'.\-]*(?: [^\W\d_][\w'.\-]*){1,2}\Z")
# Markers put before lines that a document marks as list items or headings (``find_runs``).
_HINT_BULLET = "\u2022 "
_HINT_HEADING = "# "


def _heading(line: str) -> str | None:
    """The text of a heading line ("# Staff", "Detainees transferred on 03/14:"), else None."""
    s = line.strip()
    if not s or len(s) > MAX_HEADING_CHARS:
        return None
    m = _ATX_HEADING.match(s)
    if m:
        return m.group(1)
    if s.endswith(":") and len(s) > 1:
        return s
    return None


def _plain(line: str) -> str | None:
    """A short unmarked line that could be a list entry, else None."""
    s = line.strip()
    if not s or len(s) > MAX_PLAIN_CHARS or len(s.split()) > MAX_PLAIN_WORDS:
        return None
    if s[0] in "#>|`" or _RULE.match(s) or _SENTENCE_END.search(s):
        return None
    return s


def _marked(line: str) -> tuple[str, str] | None:
    """(marker kind, item text) of a bulleted or numbered line, else None."""
    line = line.rstrip("\r\n")
    if len(line) > MAX_ITEM_CHARS + 8 or _RULE.match(line):
        return None
    m = _BULLET.match(line)
    if m:
        return "bullet" + m.group(1), m.group(2)
    m = _NUMBERED.match(line)
    if m:
        return "number", m.group(1)
    return None


def _pipe_cells(line: str) -> list[str | None]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells = re.split(r"(?<!\\)\|", s)
    return [c.strip().replace("\\|", "|") or None for c in cells]


def _is_pipe_row(line: str) -> bool:
    return "|" in line and len(line) <= MAX_TABLE_ROW_CHARS and bool(line.strip())


@dataclass
class _Run:
    """Lines that may be a list: held until they are one (or are not)."""

    kind: str  # "bullet-", "number", "plain", "pipe"
    start: int  # line number of the first item
    heading: str | None
    heading_line: int | None
    lines: list[tuple[int, str]] = field(default_factory=list)  # (line number, raw line) not yet released
    items: list[list[str | None]] = field(default_factory=list)  # rows not yet emitted
    words: tuple[int, int] = (0, 0)  # min/max words of plain items
    header: tuple[str, ...] | None = None
    confirmed: bool = False
    blank: bool = False  # the last line was blank
    chunk: int = 0
    emitted: int = 0  # rows emitted so far
    pending: Table | None = None
    prev: tuple[int, str] | None = None  # what ``_start`` saw, to retry a pipe row as a list item
    before: tuple[int, str] | None = None
    sep: str | None = None  # the field separator of the items, decided on the first chunk
    fields: int = 1
    loose: tuple[bool, bool] | None = None  # under a label with no colon: the items' shape


class ListSplitter:
    """Feeds lines through; lines that form lists or pipe tables come out as Tables."""

    def __init__(self, members: tuple[str, ...], chunk_rows: int, *, first_line_header: bool = True) -> None:
        self.members = members
        self.chunk_rows = max(1, chunk_rows)
        # A file's first line may head the lines below it ("Name"); in a document with marked
        # headings (``find_runs``) its first paragraph is a title, not a column label.
        self.first_line_header = first_line_header

    def split(self, pieces: Iterator[str]) -> Iterator[str | Table]:
        """The lines of ``pieces`` with list lines blanked, and the lists' Tables."""
        run: _Run | None = None
        heading: tuple[int, str] | None = None  # last heading line, while only blanks follow it
        prev: tuple[int, str] | None = None  # the previous line, if it was not blank
        in_fence = False
        lineno = 0
        last_piece = ""
        for piece in _FixedWidth(self.members, self.chunk_rows).split(pieces):
            if isinstance(piece, Table):  # a fixed-width table: its lines came through blank
                if run is not None:
                    yield from self._end(run)
                run, heading, prev = None, None, None
                yield piece
                continue
            lineno += 1
            before, last_piece = last_piece, piece
            if run is not None:
                taken = self._extend(run, lineno, piece)
                if taken is not False:
                    if run.confirmed or (taken and self._confirm(run)):
                        yield from self._release(run)
                    continue
                yield from self._end(run)
                prev = (lineno - 1, before) if before.strip() else None
                heading, run = None, None
            if _FENCE.match(piece):
                in_fence = not in_fence
            stripped = piece.strip()
            if not in_fence and stripped and not _FENCE.match(piece):
                run = self._start(lineno, piece, prev, heading)
                if run is not None:
                    continue
            inline = None if in_fence or not stripped else _inline(piece)
            if inline is not None:
                yield "\n"
                yield self._inline_table(lineno, *inline)
                heading, prev = None, None
                continue
            if stripped:
                h = _heading(piece)
                heading = (lineno, h) if h is not None else None
                prev = (lineno, piece)
            else:
                prev = None
            yield piece
        if run is not None:
            yield from self._end(run)

    # -- runs --------------------------------------------------------------------------------
    def _start(
        self,
        lineno: int,
        piece: str,
        prev: tuple[int, str] | None,
        heading: tuple[int, str] | None,
        *,
        pipe: bool = True,
    ) -> _Run | None:
        """A run begun by this line, or None when the line is prose."""
        h_text, h_line = (heading[1], heading[0]) if heading else (None, None)
        if pipe and _is_pipe_row(piece):
            # Perhaps a pipe table's header row; the separator on the next line confirms it.
            run = _Run("pipe", lineno, h_text, h_line, prev=prev, before=heading)
            run.lines.append((lineno, piece))
            return run
        marked = _marked(piece)
        if marked is not None:
            run = _Run(marked[0], lineno, h_text, h_line)
            run.lines.append((lineno, piece))
            run.items.append([marked[1]])
            return run
        plain, kind = _plain(piece), "plain"
        if plain is None:
            plain, kind = _record(piece), "record"
            if plain is None:
                return None
        label = None if self.first_line_header or prev is None or prev[0] != lineno - 1 else _label(prev[1])
        if heading is not None and (prev is None or prev[0] == heading[0]):
            # Unmarked lines right under a heading ("Attendees:"), or after a blank line below it.
            run = _Run(kind, lineno, h_text, h_line)
            run.items.append([plain])
            run.words = (len(plain.split()),) * 2
        elif kind == "plain" and label is not None and prev is not None:
            # In a document, paragraphs right under a short label with no colon ("Attendees"):
            # a list only if they look alike (``_extend``).
            run = _Run(kind, lineno, label, prev[0], loose=_shape(plain))
            run.items.append([plain])
            run.words = (len(plain.split()),) * 2
        elif (
            kind == "plain"
            and not self.first_line_header
            and _shape(plain) == (True, True)
            and _FIELD_SEPARATOR.search(plain)
        ):
            # In a document, paragraphs that are records without any label above them
            # ("Ana Ruiz, DOB 07/07/1988"): a list only if the next ones look alike (``_extend``).
            run = _Run(kind, lineno, None, None, loose=_shape(plain))
            run.items.append([plain])
            run.words = (len(plain.split()),) * 2
        elif (
            kind == "plain"
            and self.first_line_header
            and lineno == 1
            and len(plain.split()) <= MAX_FIRST_LINE_HEADER_WORDS
        ):
            # The file's first line over lines of one shape: a label ("Name") heads them.
            run = _Run("plain", lineno + 1, plain, lineno)
        else:
            return None
        run.lines.append((lineno, piece))
        return run

    def _extend(self, run: _Run, lineno: int, piece: str) -> bool | None:
        """True: the line joined the run; False: the run ended before it; None: held (blank)."""
        if run.kind == "pipe":
            if run.header is None:
                if _PIPE_SEPARATOR.match(piece.strip()):
                    run.header = tuple(c or "" for c in _pipe_cells(run.lines[0][1]))
                    run.heading_line = run.lines[0][0]
                    run.start = lineno + 1
                    run.lines.append((lineno, piece))
                    return True
                # Not a table: the row may still be a list item ("Ana Ruiz | Chair").
                first_line, first = run.lines[0]
                retry = self._start(first_line, first, run.prev, run.before, pipe=False)
                if retry is None:
                    return False
                run.__dict__.update(retry.__dict__)
                return self._extend(run, lineno, piece)
            if not _is_pipe_row(piece):
                return False
            run.lines.append((lineno, piece))
            run.items.append(_pipe_cells(piece))
            return True
        if not piece.strip():
            if run.kind == "plain" or run.blank:
                return False  # two blank lines end a loose list (and bound what a run holds)
            run.blank = True
            run.lines.append((lineno, piece))  # loose lists put a blank line between items
            return None
        run.blank = False
        if run.kind == "record":
            record = _record(piece)
            if record is None or piece.startswith(_HINT_BULLET):
                return False
            item: list[str | None] = [record]
        elif run.kind == "plain":
            plain = _plain(piece)
            if plain is None or piece.startswith(_HINT_BULLET):
                return False
            if run.loose is not None and _shape(plain) != run.loose:
                return False
            n = len(plain.split())
            lo, hi = run.words if run.words != (0, 0) else (n, n)
            lo, hi = min(lo, n), max(hi, n)
            if hi - lo > (MAX_PLAIN_WORD_SPREAD if run.loose is None else MAX_LOOSE_WORD_SPREAD):
                return False
            run.words = (lo, hi)
            item = [plain]
        else:
            marked = _marked(piece)
            if marked is None or marked[0] != run.kind:
                return False
            item = [marked[1]]
        run.lines.append((lineno, piece))
        run.items.append(item)
        return True

    def _confirm(self, run: _Run) -> bool:
        if run.kind == "pipe":
            ok = run.header is not None and bool(run.items)
        else:
            ok = len(run.items) >= LIST_MIN_ITEMS
        if ok:
            run.confirmed = True
            if run.header is None and run.heading:
                run.header = (run.heading,)
        return ok

    def _release(self, run: _Run) -> Iterator[str | Table]:
        """A list's lines so far become blank lines (kept for line numbers); full chunks go out."""
        yield from ("\n" for _ in run.lines)
        run.lines.clear()
        if len(run.items) >= self.chunk_rows:
            yield from self._chunk(run, last=False)

    def _end(self, run: _Run) -> Iterator[str | Table]:
        """The run is over: the list's last chunk, or its lines given back as prose."""
        if run.confirmed:
            yield from self._chunk(run, last=True)
            # Blank lines held after a loose list's last item are blank anyway.
            return
        yield from (line for _, line in run.lines)

    def _chunk(self, run: _Run, *, last: bool) -> Iterator[Table]:
        """Rows out in chunks of ``chunk_rows``; one is held back so the final one says it is last."""
        if run.chunk == 0 and run.kind != "pipe" and run.items:
            found = split_fields([r[0] or "" for r in run.items])
            if found is not None:
                run.sep, run.fields = found
        if run.sep is not None:
            run.items = [_fields(r[0] or "", run.sep, run.fields) if len(r) == 1 else r for r in run.items]
        while run.items and (last or len(run.items) >= self.chunk_rows):
            rows, run.items = run.items[: self.chunk_rows], run.items[self.chunk_rows :]
            table = self._table(run, rows)
            run.emitted += len(rows)
            run.chunk += 1
            if run.pending is not None:
                yield run.pending
            run.pending = table
        if last and run.pending is not None:
            yield replace(run.pending, last_chunk=True)
            run.pending = None

    def _table(self, run: _Run, rows: list[list[str | None]]) -> Table:
        width = max([len(run.header or ())] + [len(r) for r in rows])
        for r in rows:
            if len(r) < width:
                r.extend([None] * (width - len(r)))
        header = run.header
        if header is not None and len(header) < width:
            header = header + ("",) * (width - len(header))
        return Table(
            key=f"text:{run.start}",
            location=Location(row=run.start, members=self.members),
            header=header,
            rows=rows,
            first_row=run.start + run.emitted,
            header_row=run.heading_line if header is not None else None,
            chunk=run.chunk,
            last_chunk=False,
            role="markdown-table" if run.kind == "pipe" else "list",
        )

    def _inline_table(self, lineno: int, label: str, items: list[str]) -> Table:
        """An inline list ("Attendees: A; B; C") as a one-column list (or columns, when every
        item splits alike), headed by its label."""
        rows: list[list[str | None]] = [[it] for it in items]
        found = split_fields(items)
        if found is not None:
            rows = [_fields(it, *found) for it in items]
        return Table(
            key=f"text:{lineno}",
            location=Location(row=lineno, members=self.members),
            header=(label,) + ("",) * (len(rows[0]) - 1),
            rows=rows,
            first_row=lineno,
            header_row=lineno,
            chunk=0,
            last_chunk=True,
            role="list",
        )


def _fields(item: str, sep: str, n: int) -> list[str | None]:
    """An item's fields; one that does not split like the others stays whole in the first."""
    if sep == SEP_PAREN:
        m = _PAREN_SUFFIX.match(item.strip())
        parts = [m.group(1).strip(), m.group(2).strip()] if m else [item]
    elif sep == SEP_LEADING_COMMAS:
        parts = [p.strip() for p in item.split(", ", n - 1)]
    else:
        parts = [p.strip() for p in item.split(sep)]
    if len(parts) != n:
        return [item] + [None] * (n - 1)
    return [p or None for p in parts]


def split_fields(items: list[str]) -> tuple[str, int] | None:
    """(separator, number of fields) when every item splits alike, else None.

    Layout only: the same separator the same number of times in every item. A single ", " must
    part halves of different shapes (digits or "@" on one side only), so that "Garcia, Ana",
    a name written surname first, stays one field.
    """
    if len(items) < 2:
        return None
    for sep in _SEPARATORS:
        n = items[0].count(sep)
        if not 1 <= n < MAX_FIELDS or any(it.count(sep) != n for it in items):
            continue
        parts = [[p.strip() for p in it.split(sep)] for it in items]
        if any(not all(ps) for ps in parts):
            continue
        if sep == ", " and n == 1:
            shapes = {(bool(_DIGIT.search(a)), bool(_DIGIT.search(b))) for a, b in parts}
            if shapes != {(False, True)} and shapes != {(True, False)}:
                continue
        return sep, n + 1
    if all(_record_first(it) for it in items):
        return SEP_LEADING_COMMAS, 3  # "Ana Ruiz, Town, spoke against ...": name, place, the rest
    if all(_paren_suffix(it) for it in items):
        return SEP_PAREN, 2  # "Ana Ruiz (Cuba)": the suffix every item has is a field
    return None


def _paren_suffix(item: str) -> bool:
    m = _PAREN_SUFFIX.match(item.strip())
    return m is not None and len(m.group(2).split()) <= MAX_PAREN_WORDS and bool(m.group(2).strip())


def _record_first(item: str) -> bool:
    """The item has a short first field of 2-4 words, then at least two ", " ("Ana Ruiz,
    Springfield, spoke ..."), not a surname-first name ("Garcia, Ana, ...": one word first)."""
    if item.count(", ") < 2:
        return False
    first = item.split(", ", 1)[0].strip()
    return (
        bool(_RECORD_FIRST.match(first))
        and first[0].isupper()
        and 2 <= len(first.split()) <= MAX_RECORD_FIRST_WORDS
    )


def _record(line: str) -> str | None:
    """A record line under a heading ("Ana Ruiz, Springfield, spoke against it."), else None."""
    s = line.strip()
    if not s or len(s) > MAX_ITEM_CHARS or s[0] in "#>|`" or not _record_first(s):
        return None
    return s


def _label(line: str) -> str | None:
    """A short line with no colon and no final period that may label the paragraphs under it
    ("Attendees", "Staff present"), else None."""
    s = line.strip()
    if s.startswith(_HINT_BULLET) or s.endswith(".") or _plain(s) is None or _DIGIT.search(s):
        return None  # a line with digits ("Ana Ruiz, DOB 07/07/1988") is an item, not a label
    return s if len(s.split()) <= MAX_FIRST_LINE_HEADER_WORDS else None


# A field separator inside a record-like paragraph: ", ", " - ", " – ", " | ", a tab.
_FIELD_SEPARATOR = re.compile(r", | [-–—|] |\t")


def _shape(item: str) -> tuple[bool, bool]:
    """What unmarked items under a label share: digits (or not), a capital first letter (or not)."""
    return bool(_DIGIT.search(item)), item[:1].isupper()


def _cap_words(item: str) -> bool:
    """2-3 words, each capitalised, no digits: the shape of a name written in a sentence."""
    words = item.split()
    return 2 <= len(words) <= 3 and all(w[:1].isupper() for w in words) and not _DIGIT.search(item)


def _inline(line: str) -> tuple[str, list[str]] | None:
    """(label, items) of a label and an inline list on one line ("Attendees: A; B; C", or
    "Present: Ana Ruiz, Bob Lee and Carl May" when every item is 2-3 capitalised words)."""
    s = line.strip()
    if len(s) > MAX_INLINE_CHARS or not s or s[0] in "#>|`\u2022":
        return None
    label, colon, rest = s.partition(":")
    label, rest = label.strip(), rest.strip().rstrip(".").strip()
    if not colon or not label or not rest or len(label.split()) > MAX_INLINE_LABEL_WORDS:
        return None
    if any(c in label for c in ".;,!?()[]") or not label[0].isupper():
        return None
    if ";" in rest:
        items = [it.strip() for it in rest.split(";")]
        if items[-1].startswith("and "):
            items[-1] = items[-1][4:].strip()
        ok = all(
            it and len(it) <= MAX_ITEM_CHARS and len(it.split()) <= MAX_INLINE_ITEM_WORDS and it[0].isupper()
            for it in items
        )
    else:
        items = [it.strip() for it in rest.split(", ")]
        last = items[-1]
        if last.startswith("and "):
            items[-1] = last[4:].strip()
        elif " and " in last:
            items[-1:] = [p.strip() for p in last.split(" and ", 1)]
        ok = all(_cap_words(it) for it in items)
    if not ok or len(items) < INLINE_MIN_ITEMS:
        return None
    return label, items


# -- fixed-width columns -------------------------------------------------------------------------
# A listing printed in columns ("123456789   GARCIA, ANA          03041985"): fields parted by
# runs of two or more spaces, at the same character positions line after line.
FIXED_MIN_LINES = 3
MAX_FIXED_LINE_CHARS = 400
_SPAN = re.compile(r"\S+(?: \S+)*")
# A field starts with a letter or digit (or a sign, currency, quote or bracket before one):
# ASCII art and aligned code do not.
_FIELD_START = re.compile(r"[^\W_]|[\"'(#$\u20ac\u00a3+\-.][^\W_]")
_CODE_LIKE = re.compile(r"[{};=<>\\]|//|/\*|->|::")
_UNDERLINE = re.compile(r"[ \t]*[-=_]{3,}(?: +[-=_]{3,})*[ \t]*\Z")
_LIST_MARKER = re.compile(r"\(?\d{1,4}[.)]\Z|[-*+\u2022\u00b7\u25aa\u25e6\u2023\u2013]\Z")

Span = tuple[int, int, str]


def _fixed_spans(line: str) -> list[Span] | None:
    """The fields of a line that may be a row of columns, with their positions, else None."""
    s = line.rstrip("\r\n").rstrip()
    if not s.strip() or len(s) > MAX_FIXED_LINE_CHARS or "\t" in s or "|" in s or _CODE_LIKE.search(s):
        return None
    spans = [(m.start(), m.end(), m.group()) for m in _SPAN.finditer(s)]
    if len(spans) < 2 or _LIST_MARKER.match(spans[0][2]):
        return None
    if any(not _FIELD_START.match(t) or len(t) > MAX_ITEM_CHARS for _, _, t in spans):
        return None
    return spans


def _merge(spans: Iterable[Span]) -> list[list[int]]:
    """Column intervals: the union of overlapping field spans."""
    cols: list[list[int]] = []
    for a, b, _ in sorted(spans):
        if cols and a < cols[-1][1]:
            cols[-1][1] = max(cols[-1][1], b)
        else:
            cols.append([a, b])
    return cols


def _cells(spans: list[Span], cols: list[list[int]], *, aligned: bool) -> list[str | None] | None:
    """A line's fields placed in the columns, or None when they do not fit them: a field over
    two columns or none, two fields in one column, or (``aligned``) a field neither left- nor
    right-aligned with its column."""
    out: list[str | None] = [None] * len(cols)
    for a, b, t in spans:
        hit = [j for j, (c0, c1) in enumerate(cols) if a < c1 and b > c0]
        if len(hit) != 1 or out[hit[0]] is not None:
            return None
        c0, c1 = cols[hit[0]]
        if aligned and a != c0 and b != c1:
            return None
        out[hit[0]] = t
    return out if sum(c is not None for c in out) >= 2 else None


class _FixedWidth:
    """Lines in, lines out; lines that form a fixed-width table come out blank, then the table
    (streamed in chunks of ``chunk_rows``)."""

    def __init__(self, members: tuple[str, ...], chunk_rows: int) -> None:
        self.members = members
        self.chunk_rows = max(1, chunk_rows)

    def split(self, pieces: Iterable[str]) -> Iterator[str | Table]:
        held: list[tuple[str, list[Span] | None]] = []  # lines that may begin a table
        table: _FixedTable | None = None
        in_fence = False
        whole = True  # the previous piece ended its line
        lineno = 0
        for piece in pieces:
            lineno += 1
            if _FENCE.match(piece):
                in_fence = not in_fence
            spans = _fixed_spans(piece) if whole and not in_fence else None
            underline = whole and not in_fence and bool(_UNDERLINE.match(piece.rstrip("\r\n")))
            whole = piece.endswith(("\n", "\r"))
            if table is not None:
                cells = _cells(spans, table.cols, aligned=True) if spans else None
                if cells is not None:
                    yield "\n"
                    yield from table.add(cells)
                    continue
                yield from table.finish()
                table = None
            if spans is None and not (underline and len(held) == 1):
                yield from (line for line, _ in held)
                held = []
                yield piece
                continue
            held.append((piece, spans))
            while len(held) >= FIXED_MIN_LINES:
                table = self._confirm(held, lineno - len(held) + 1)
                if table is not None:
                    yield from ("\n" for _ in held)
                    held = []
                    break
                yield held.pop(0)[0]
                if held and held[0][1] is None:  # an underline with no labels above
                    yield held.pop(0)[0]
        yield from (line for line, _ in held)
        if table is not None:
            yield from table.finish()

    def _confirm(self, held: list[tuple[str, list[Span] | None]], first: int) -> _FixedTable | None:
        """The table these lines begin (labels, an optional underline, rows), else None."""
        head = held[0][1]
        ruled = held[1][1] is None
        data = [sp for _, sp in held[2 if ruled else 1 :]]
        if head is None or any(sp is None for sp in data):
            return None
        cols = _merge(sp for line in data for sp in line)  # type: ignore[union-attr]
        if len(cols) < 2:
            return None
        rows = [_cells(sp, cols, aligned=True) for sp in data]  # type: ignore[arg-type]
        top = _cells(head, cols, aligned=False)
        if top is None or any(r is None for r in rows):
            return None
        has_header = ruled or (
            not any(_DIGIT.search(c) for c in top if c) and header_evidence(top, rows) > 0  # type: ignore[arg-type]
        )
        if not has_header:
            rows.insert(0, top)
        start = first + (len(held) - len(data) if has_header else 0)
        table = _FixedTable(
            self.members,
            self.chunk_rows,
            cols,
            tuple(c or "" for c in top) if has_header else None,
            first if has_header else None,
            start,
        )
        table.rows = [r for r in rows if r is not None]
        return table


@dataclass
class _FixedTable:
    members: tuple[str, ...]
    chunk_rows: int
    cols: list[list[int]]
    header: tuple[str, ...] | None
    header_row: int | None
    start: int
    rows: list[list[str | None]] = field(default_factory=list)
    emitted: int = 0
    chunk: int = 0
    pending: Table | None = None

    def add(self, cells: list[str | None]) -> Iterator[Table]:
        self.rows.append(cells)
        if len(self.rows) >= self.chunk_rows:
            yield from self._flush()

    def finish(self) -> Iterator[Table]:
        yield from self._flush()
        if self.pending is not None:
            yield replace(self.pending, last_chunk=True)
            self.pending = None

    def _flush(self) -> Iterator[Table]:
        if not self.rows:
            return
        table = Table(
            key=f"text:{self.start}",
            location=Location(row=self.start, members=self.members),
            header=self.header,
            rows=self.rows,
            first_row=self.start + self.emitted,
            header_row=self.header_row,
            chunk=self.chunk,
            last_chunk=False,
            role="fixed-width",
        )
        self.emitted += len(self.rows)
        self.chunk += 1
        self.rows = []
        if self.pending is not None:
            yield self.pending
        self.pending = table


@dataclass
class ListRun:
    """A list or table found by ``find_runs``: the indexes of its lines (items, and a pipe
    table's header and separator rows), in order, and its Tables (keyed "text:N", N the 1-based
    line of its first item, ``first_row`` counting lines the same way)."""

    lines: list[int]
    tables: list[Table]
    start: int  # 1-based line number of the first item, as in the Tables' key
    heading: int | None = None  # 0-based index of the heading line above it, if any

    def placed(self, key: str, location: Location, **fields: Any) -> Iterator[Table]:
        """Its Tables as placed in their document: numbered like a document table (a header in
        row 1 and items from row 2; items from row 1 with no header), under ``key`` and
        ``location``, with any other fields set (``role``, ``visibility``)."""
        for t in self.tables:
            top = 2 if t.header is not None else 1
            yield replace(
                t,
                key=key,
                location=location,
                first_row=top + t.first_row - self.start,
                header_row=1 if t.header is not None else None,
                **fields,
            )


def find_runs(lines: Iterable[tuple[str, bool] | tuple[str, bool, bool]], chunk_rows: int) -> list[ListRun]:
    """Lists and tables among the lines of a document that is not plain text.

    Each line is ``(text, is_list_item_hint)`` or ``(text, is_list_item_hint, is_heading)``: the
    first hint says the document marks the line as a list item (it need not carry a bullet of
    its own), the second that it is a heading (it need not end with a colon). An empty text is a
    blank line (an empty paragraph). The same rules as for plain text decide the rest.
    """
    texts: list[str] = []
    for line in lines:
        text, item = line[0], line[1]
        heading = len(line) > 2 and bool(line[2])  # type: ignore[misc]
        flat = " ".join(text.replace("\r", " ").replace("\n", " ").split(" ")).strip()
        if flat and item and _marked(flat) is None:
            flat = _HINT_BULLET + flat
        elif flat and heading and _heading(flat) is None:
            flat = _HINT_HEADING + flat
        texts.append(flat + "\n")
    splitter = ListSplitter((), chunk_rows, first_line_header=False)
    runs: list[ListRun] = []
    taken: list[int] = []
    current: ListRun | None = None
    i = 0
    for out in splitter.split(iter(texts)):
        if isinstance(out, Table):
            if current is None:
                start = int(out.key.split(":", 1)[1])
                heading = out.header_row - 1 if out.header_row is not None else None
                if heading is not None and heading in taken:
                    heading = None  # a pipe table's own header row
                current = ListRun(taken, [], start, heading)
                runs.append(current)
                taken = []
            current.tables.append(out)
            if out.last_chunk:
                current = None
            continue
        if out.strip() == "" and texts[i].strip():
            if current is not None:
                current.lines.append(i)
            else:
                taken.append(i)
        i += 1
    return runs
