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
        for piece in pieces:
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
        plain = _plain(piece)
        if plain is None:
            return None
        if heading is not None and (prev is None or prev[0] == heading[0]):
            # Unmarked lines right under a heading ("Attendees:"), or after a blank line below it.
            run = _Run("plain", lineno, h_text, h_line)
            run.items.append([plain])
            run.words = (len(plain.split()),) * 2
        elif self.first_line_header and lineno == 1 and len(plain.split()) <= MAX_FIRST_LINE_HEADER_WORDS:
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
        if run.kind == "plain":
            plain = _plain(piece)
            if plain is None or piece.startswith(_HINT_BULLET):
                return False
            n = len(plain.split())
            lo, hi = run.words if run.words != (0, 0) else (n, n)
            lo, hi = min(lo, n), max(hi, n)
            if hi - lo > MAX_PLAIN_WORD_SPREAD:
                return False
            run.words = (lo, hi)
            item: list[str | None] = [plain]
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


def _fields(item: str, sep: str, n: int) -> list[str | None]:
    """An item's fields; one that does not split like the others stays whole in the first."""
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
    return None


@dataclass
class ListRun:
    """A list or table found by ``find_runs``: the indexes of its lines (items, and a pipe
    table's header and separator rows), in order, and its Tables (keyed "text:N", N the 1-based
    line of its first item, ``first_row`` counting lines the same way)."""

    lines: list[int]
    tables: list[Table]
    start: int  # 1-based line number of the first item, as in the Tables' key
    heading: int | None = None  # 0-based index of the heading line above it, if any


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
