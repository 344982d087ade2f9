"""RTF documents: paragraphs, hidden (``\\v``) and deleted text, comments, document info, objects.

A small bounded tokenizer (RTF 1.9.1 specification) instead of a "strip RTF" library: the
places a reader does not see are exactly what such libraries throw away.

* body text -> Segments per paragraph; ``\\v`` hidden text -> ``INVISIBLE_FORMAT``; text inside
  ``\\deleted`` (a tracked deletion) -> ``TRACKED_CHANGE``;
* ``{\\*\\annotation ...}`` comments -> ``COMMENT`` (their ``\\atnauthor`` with role
  "metadata-author");
* ``{\\info {\\author ...}{\\operator ...}{\\title ...}}`` -> ``METADATA`` (author and last
  editor with role "metadata-author");
* ``{\\object ... {\\*\\objdata HEX}}`` -> the embedded file as a child Document when its OLE1
  wrapper can be read (a packaged file, or a Word/Excel compound file), else a blocking Note;
* table rows (``\\trowd`` / ``\\intbl`` ... ``\\cell`` ... ``\\row``) -> a ``Table`` per run of rows
  (header found as in spreadsheets: ``xlsx_tables.find_header``), placed as "table N";
* consecutive short paragraphs that form a list (``text_lists.find_runs``) -> a list ``Table``
  placed as "list, paragraphs A-B", their text then not read again as prose.

Unknown ``{\\*\\dest ...}`` groups are skipped, as the specification tells readers to do.
"""

from __future__ import annotations

import binascii
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import ClassVar

from clearance import formats
from clearance.extractors.text import MAX_SEGMENT_CHARS
from clearance.extractors.text_lists import find_runs
from clearance.extractors.xlsx_tables import grid_tables
from clearance.model import Document, Extracted, Location, Note, Segment, Unscannable, Visibility
from clearance.plugins import ExtractContext

RTF = formats.RTF
MAGIC = b"{\\rtf"

# RTF is parsed whole; larger files are refused rather than half-read.
MAX_RTF_BYTES = 256 * 1024 * 1024
# Groups nested deeper than this are an attack on the reader, not a document.
MAX_GROUP_DEPTH = 1_000
# Paragraphs looked at together for lists; beyond it a list is cut in two.
MAX_LIST_WINDOW = 5000
_PARAGRAPH = re.compile(r"paragraph (\d+)\Z")
# Hex digits of one embedded object kept for decoding (two per byte).
MAX_OBJECT_HEX = 2 * 64 * 1024 * 1024

# Destinations that hold no text a person wrote (tables of fonts, colours, styles, images...).
SKIP_DESTINATIONS = frozenset(
    {
        "fonttbl",
        "colortbl",
        "stylesheet",
        "listtable",
        "listoverridetable",
        "revtbl",
        "rsidtbl",
        "generator",
        "pict",
        "themedata",
        "colorschememapping",
        "latentstyles",
        "datastore",
        "xmlnstbl",
        "bkmkstart",
        "bkmkend",
        "filetbl",
        "pgdsctbl",
        "objclass",
    }
)
INFO_FIELDS = frozenset(
    {
        "author",
        "operator",
        "title",
        "subject",
        "keywords",
        "comment",
        "doccomm",
        "company",
        "manager",
        "category",
    }
)
AUTHOR_FIELDS = frozenset({"author", "operator"})
# Control words that end a paragraph or a line.
BREAKS = frozenset({"par", "line", "sect", "page", "row", "outlinelevel"})
SYMBOLS = {
    "tab": "\t",
    "cell": "\t",
    "emdash": "—",
    "endash": "–",
    "bullet": "•",
    "lquote": "‘",
    "rquote": "’",
    "ldblquote": "“",
    "rdblquote": "”",
    "emspace": " ",
    "enspace": " ",
}
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|([^\\{}\r\n]+)|[\r\n]+"
)


@dataclass
class _State:
    """Per-group state, copied when a group opens."""

    dest: str = "text"  # text | skip | info | info:<field> | annotation | atnauthor | objdata
    hidden: bool = False
    deleted: bool = False
    uc: int = 1  # characters that follow \uN as its fallback
    star: bool = False  # the group started with \*
    fresh: bool = True  # no control word or text seen in this group yet
    obj: int = 0  # id of the \object group this is inside (0: none)
    home: int = 0  # group depth where a side destination (annotation, info field) began


def _ole1(data: bytes) -> tuple[str, bytes | None]:
    """(class name, embedded bytes or None when linked) from an OLE1 ObjectHeader ([MS-OLEDS] 2.2.4)."""
    off = 8  # OLEVersion, FormatID
    fmt = struct.unpack_from("<I", data, 4)[0]

    def string() -> bytes:
        nonlocal off
        (n,) = struct.unpack_from("<I", data, off)
        off += 4
        s = data[off : off + n]
        off += n
        return s.rstrip(b"\x00")

    cls = string().decode("latin-1")
    string()  # topic
    string()  # item
    if fmt != 2:  # 1 = linked: only a path to another file
        return cls, None
    (size,) = struct.unpack_from("<I", data, off)
    off += 4
    native = data[off : off + size]
    if len(native) < size:
        raise ValueError("truncated native data")
    if cls.lower() == "package":
        return cls, _package(native)
    return cls, native


def _package(native: bytes) -> bytes:
    """The file inside an OLE Packager object: header, label, path, then length-prefixed data."""
    off = 2
    for _ in range(2):  # label and original path, NUL-terminated
        end = native.index(b"\x00", off)
        off = end + 1
    off += 4  # reserved
    (n,) = struct.unpack_from("<I", native, off)
    off += 4 + n  # temporary path
    (size,) = struct.unpack_from("<I", native, off)
    off += 4
    data = native[off : off + size]
    if len(data) < size:
        raise ValueError("truncated package")
    return data


def _is_side(dest: str) -> bool:
    """Destinations whose text becomes its own Segment when the group closes."""
    return dest in ("annotation", "atnauthor", "fldinst") or dest.startswith("info:")


class _Reader:
    def __init__(self, doc: Document, chunk_rows: int = 50_000) -> None:
        self.doc = doc
        self.chunk_rows = chunk_rows
        # Table rows: the cells of the row being read, the rows so far, tables emitted.
        self.in_row = False
        self.cell: list[str] = []
        self.row: list[str | None] = []
        self.grid: list[list[str | None]] = []
        self.tables = 0
        self.out: list[Extracted] = []
        self.codepage = "cp1252"
        self.para = 1
        self.buf: list[str] = []
        self.buf_len = 0
        self.buf_vis = Visibility.VISIBLE
        self.side: dict[int, list[str]] = {}  # text of annotation / info groups, by group depth
        self.objects = 0
        self.obj_hex: dict[int, list[bytes]] = {}
        self.obj_len: dict[int, int] = {}
        self.pending_bytes = bytearray()

    # -- output ---------------------------------------------------------------------------------
    def flush(self) -> None:
        text = " ".join("".join(self.buf).split())
        self.buf, self.buf_len = [], 0
        if text:
            self.out.append(
                Segment(
                    text=text[:MAX_SEGMENT_CHARS],
                    location=Location(field=f"paragraph {self.para}", members=self.doc.members),
                    visibility=self.buf_vis,
                    role="text",
                )
            )

    def emit(self, st: _State, text: str, depth: int) -> None:
        if not text:
            return
        if st.dest == "text":
            vis = (
                Visibility.TRACKED_CHANGE
                if st.deleted
                else Visibility.INVISIBLE_FORMAT
                if st.hidden
                else Visibility.VISIBLE
            )
            if vis is Visibility.VISIBLE and self.in_row:
                if sum(map(len, self.cell)) < MAX_SEGMENT_CHARS:
                    self.cell.append(text)
                return
            if self.grid and not self.in_row and text.strip():
                self.close_table()  # text outside a row: the table is over
            if vis is not self.buf_vis:
                self.flush()
                self.buf_vis = vis
            if self.buf_len + len(text) > MAX_SEGMENT_CHARS:
                self.flush()
            self.buf.append(text)
            self.buf_len += len(text)
        elif _is_side(st.dest):
            side = self.side.setdefault(st.home, [])
            if sum(map(len, side)) < MAX_SEGMENT_CHARS:
                side.append(text)

    # -- tables ---------------------------------------------------------------------------------
    def start_row(self) -> None:
        if not self.in_row:
            if not self.grid:
                self.flush()  # the paragraph before the table
            self.in_row = True

    def end_cell(self) -> None:
        text = " ".join("".join(self.cell).split())
        self.cell = []
        self.row.append(text or None)

    def end_row(self) -> None:
        if "".join(self.cell).strip():
            self.end_cell()
        if any(c is not None for c in self.row):
            self.grid.append(self.row)
        self.row, self.cell, self.in_row = [], [], False

    def close_table(self) -> None:
        if self.in_row:
            self.end_row()
        grid, self.grid = self.grid, []
        if not grid:
            return
        self.tables += 1
        width = max(len(r) for r in grid)
        for r in grid:
            r.extend([None] * (width - len(r)))
        where = f"table {self.tables}"
        self.out.extend(
            grid_tables(
                grid,
                key=where,
                location=Location(field=where, members=self.doc.members),
                first_row=1,
                first_column=1,
                chunk_rows=self.chunk_rows,
                role="table",
                context=(where,),
            )
        )

    def close_side(self, st: _State, depth: int) -> None:
        text = " ".join("".join(self.side.pop(depth, [])).split())[:MAX_SEGMENT_CHARS]
        if not text:
            return
        if st.dest == "annotation":
            field, vis, role = "annotation", Visibility.COMMENT, "comment"
        elif st.dest == "atnauthor":
            field, vis, role = "annotation:author", Visibility.COMMENT, "metadata-author"
        elif st.dest == "fldinst":
            field, vis, role = "field-code", Visibility.INVISIBLE_FORMAT, "text"
        else:
            name = st.dest.split(":", 1)[1]
            field, vis = f"info:{name}", Visibility.METADATA
            role = "metadata-author" if name in AUTHOR_FIELDS else "metadata"
        self.out.append(
            Segment(
                text=text,
                location=Location(field=field, members=self.doc.members),
                visibility=vis,
                context=(field,),
                role=role,
            )
        )

    def close_object(self, obj: int) -> None:
        hexdata = b"".join(self.obj_hex.pop(obj, []))
        over = self.obj_len.pop(obj, 0) > MAX_OBJECT_HEX
        loc = Location(field=f"object {obj}", members=self.doc.members)
        if not hexdata and not over:
            return
        try:
            if over:
                raise ValueError("too large")
            raw = binascii.unhexlify(re.sub(rb"[^0-9a-fA-F]", b"", hexdata)[: len(hexdata) // 2 * 2])
            cls, payload = _ole1(raw)
        except (ValueError, struct.error, binascii.Error):
            self.out.append(
                Note(
                    code="embedded-object-unreadable",
                    message=f"embedded object {obj} could not be inspected",
                    location=loc,
                    visibility=Visibility.EMBEDDED_FILE,
                    blocking=True,
                )
            )
            return
        if payload is None:
            self.out.append(
                Note(
                    code="linked-object",
                    message=f"object {obj} links to another file (not fetched)",
                    location=loc,
                    visibility=Visibility.EXTERNAL_LINK,
                )
            )
            return
        safe_cls = re.sub(r"[^A-Za-z0-9._-]", "_", cls)[:40] or "object"
        name = f"object-{obj}-{safe_cls}"
        self.out.append(
            formats.document_from_bytes(
                payload,
                f"{self.doc.path}!{name}",
                members=(*self.doc.members, name),
                depth=self.doc.depth + 1,
                visibility=Visibility.EMBEDDED_FILE,
            )
        )

    def decode_pending(self, st: _State, depth: int) -> None:
        if self.pending_bytes:
            text = bytes(self.pending_bytes).decode(self.codepage, errors="replace")
            self.pending_bytes.clear()
            self.emit(st, text, depth)

    # -- tokens ---------------------------------------------------------------------------------
    def run(self, data: bytes) -> None:
        stack: list[_State] = []
        st = _State()
        pos, n = 0, len(data)
        skip = 0  # fallback characters still to drop after \uN
        while pos < n:
            m = _TOKEN.match(data, pos)
            if m is None:
                pos += 1
                continue
            pos = m.end()
            word, hexb, sym, brace, text = m.group(1), m.group(3), m.group(4), m.group(5), m.group(6)
            if hexb is not None:
                if skip:
                    skip -= 1
                    continue
                if st.dest == "objdata":
                    continue
                self.pending_bytes.append(int(hexb, 16))
                continue
            self.decode_pending(st, len(stack))
            if brace == b"{":
                if len(stack) >= MAX_GROUP_DEPTH:
                    raise Unscannable(f"RTF groups nested deeper than {MAX_GROUP_DEPTH} levels", "limit")
                stack.append(st)
                st = replace(st, star=False, fresh=True)
                skip = 0
            elif brace == b"}":
                if _is_side(st.dest) and st.home == len(stack):
                    self.close_side(st, len(stack))
                if st.obj and (not stack or stack[-1].obj != st.obj):
                    self.close_object(st.obj)
                if not stack:
                    break  # end of the document group
                st = stack.pop()
                skip = 0
            elif word is not None:
                self._word(word.decode("ascii"), m.group(2), st, len(stack))
                if word == b"bin":
                    count = int(m.group(2) or 0)
                    if count < 0 or pos + count > n:
                        raise Unscannable("RTF \\bin data runs past the end of the file", "corrupt")
                    if st.dest == "objdata":
                        self._obj_data(st, binascii.hexlify(data[pos : pos + count]))
                    pos += count
                elif word == b"u" and m.group(2) is not None:
                    skip = st.uc
                st.fresh = False
            elif sym is not None:
                ch = sym.decode("latin-1")
                if ch == "*":
                    st.star = True
                    continue
                st.fresh = False
                if ch in "\\{}":
                    self.emit(st, ch, len(stack))
                elif ch == "~":
                    self.emit(st, " ", len(stack))
                elif ch == "_":
                    self.emit(st, "-", len(stack))
                elif ch in "\r\n" and st.dest == "text":
                    self.flush()
                    self.para += 1
            elif text is not None:
                st.fresh = False
                if st.dest == "objdata":
                    self._obj_data(st, text)
                    continue
                chunk = text.decode(self.codepage, errors="replace")
                if skip:
                    drop = min(skip, len(chunk))
                    chunk, skip = chunk[drop:], skip - drop
                self.emit(st, chunk, len(stack))
        self.decode_pending(st, len(stack))
        self.close_table()
        self.flush()

    def _obj_data(self, st: _State, hexdata: bytes) -> None:
        size = self.obj_len.get(st.obj, 0) + len(hexdata)
        self.obj_len[st.obj] = size
        if size <= MAX_OBJECT_HEX:
            self.obj_hex.setdefault(st.obj, []).append(hexdata)

    def _word(self, word: str, arg: bytes | None, st: _State, depth: int) -> None:
        fresh = st.fresh
        if st.dest == "skip":
            return
        value = int(arg) if arg is not None else None
        if word == "ansicpg" and value:
            codec = f"cp{value}"
            try:
                b"a".decode(codec)
                self.codepage = codec
            except LookupError:
                pass
        elif word == "uc" and value is not None:
            st.uc = max(0, value)
        elif word == "u" and value is not None:
            self.emit(st, chr(value % 65536) if value < 0 else chr(min(value, 0x10FFFF)), depth)
        elif word == "v":
            st.hidden = value != 0
        elif word == "deleted":
            st.deleted = value != 0
        elif word == "plain":
            st.hidden = st.deleted = False
        elif st.dest == "text" and word in ("trowd", "intbl"):
            self.start_row()
        elif st.dest == "text" and self.in_row and word == "cell":
            self.end_cell()
        elif st.dest == "text" and self.in_row and word == "row":
            self.end_row()
            self.para += 1
        elif st.dest == "text" and self.in_row and word in BREAKS:
            self.cell.append(" ")  # a line break inside a cell
        elif word in BREAKS:
            if st.dest == "text":
                self.flush()
                self.para += 1
            else:
                self.emit(st, " ", depth)
        elif word in SYMBOLS:
            self.emit(st, SYMBOLS[word], depth)
        elif fresh and word == "info":
            st.dest = "info"
        elif fresh and st.dest == "info" and word in INFO_FIELDS:
            st.dest, st.home = f"info:{word}", depth
        elif fresh and word in ("annotation", "atnauthor", "fldinst"):
            st.dest, st.home = word, depth
        elif fresh and word == "object":
            self.objects += 1
            st.obj = self.objects
        elif fresh and word == "objdata" and st.obj:
            st.dest = "objdata"
        elif fresh and word in SKIP_DESTINATIONS:
            st.dest = "skip"
        elif fresh and st.dest == "info":
            st.dest = "skip"  # \info fields we do not read (dates, counts)
        elif fresh and st.star:
            st.dest = "skip"  # an unknown \* destination: skipped, as the specification says


class RtfExtractor:
    """Rich Text Format documents."""

    name: ClassVar[str] = "rtf"
    media_types: ClassVar[tuple[str, ...]] = (RTF,)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        if doc.size == 0:
            return
        if doc.size > MAX_RTF_BYTES:
            raise Unscannable(f"RTF over {MAX_RTF_BYTES:,} bytes is not parsed", "limit")
        with doc.open() as fh:
            data = fh.read(MAX_RTF_BYTES + 1)
        if len(data) > MAX_RTF_BYTES:
            raise Unscannable(f"RTF over {MAX_RTF_BYTES:,} bytes is not parsed", "limit")
        if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(MAGIC):
            raise Unscannable("not an RTF document (no {\\rtf header)", "format")
        reader = _Reader(doc, ctx.limits.chunk_rows)
        reader.run(data[data.index(b"{") :])
        yield from _with_lists(reader.out, doc, ctx.limits.chunk_rows)


def _paragraph_number(item: Extracted) -> int | None:
    """The paragraph number of a visible body paragraph, else None."""
    if not isinstance(item, Segment) or item.visibility is not Visibility.VISIBLE or item.role != "text":
        return None
    m = _PARAGRAPH.match(item.location.field or "")
    return int(m.group(1)) if m else None


def _with_lists(out: list[Extracted], doc: Document, chunk_rows: int) -> Iterator[Extracted]:
    """``out`` with runs of body paragraphs that form a list (``text_lists.find_runs``) as list
    Tables in their place; their paragraphs are then not given to prose."""
    group: list[int] = []
    for i, item in enumerate(out):
        if _paragraph_number(item) is not None and len(group) < MAX_LIST_WINDOW:
            group.append(i)
            continue
        yield from _group_lists(out, group, doc, chunk_rows)
        group = [i] if _paragraph_number(item) is not None else []
        if not group:
            yield item
    yield from _group_lists(out, group, doc, chunk_rows)


def _group_lists(
    out: list[Extracted], group: list[int], doc: Document, chunk_rows: int
) -> Iterator[Extracted]:
    if len(group) < 3:
        yield from (out[i] for i in group)
        return
    lines: list[tuple[str, bool]] = []
    owners: list[int | None] = []  # the item of ``out`` behind each line (None: an empty paragraph)
    last: int | None = None
    for i in group:
        n = _paragraph_number(out[i])
        assert n is not None
        if last is not None and n - last > 1:
            lines.append(("", False))
            owners.append(None)
        lines.append((out[i].text, False))  # type: ignore[union-attr]
        owners.append(i)
        last = n
    runs = find_runs(lines, chunk_rows)
    at = {run.lines[0]: run for run in runs if run.lines}
    taken = {j for run in runs for j in run.lines}
    for j, owner in enumerate(owners):
        run = at.get(j)
        if run is not None:
            numbers = [_paragraph_number(out[o]) for k in run.lines if (o := owners[k]) is not None]
            first, end = numbers[0], numbers[-1]
            loc = Location(field=f"list, paragraphs {first}-{end}", members=doc.members)
            yield from run.placed(f"list{first}", loc)
        if owner is not None and j not in taken:
            yield out[owner]
