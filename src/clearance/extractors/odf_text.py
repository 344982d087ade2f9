"""OpenDocument text (.odt): paragraphs, headings, tables and every place text hides from a reader.

content.xml is read paragraph by paragraph (one Segment per paragraph and visibility); tables
become ``Table`` objects. Hidden text (``text:hidden-text``, ``text:hidden-paragraph``, sections
with ``text:display="none"``, character/paragraph styles with ``text:display="none"``), tracked
changes (deleted content kept in ``text:tracked-changes``; inserted text between change marks),
annotations with their anchors and authors, headers and footers (styles.xml), notes, text boxes,
alt text (``svg:title``/``svg:desc``), meta.xml, embedded objects and files are read too.

Paragraphs that form a list (``text:list`` items, or short paragraphs of one shape under a
heading: ``text_lists``) become one one-column ``Table`` (role "list", field "list, paragraphs
N-M"); their text is then not read again as prose.

Embedded text and spreadsheet objects (``Object N/``) are repackaged as child Documents so their
own extractor reads them whole; other objects (charts, formulas, drawings) are walked in place,
as embedded-file text. Not read: macros (noted), user field declarations, conditional-text
fields' alternatives, white or tiny text.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from clearance import formats
from clearance.extractors import ooxml_common as common
from clearance.extractors.doc_tables import document_table
from clearance.extractors.ooxml_common import Pieces, attr, child
from clearance.extractors.text_lists import find_runs
from clearance.extractors.xlsx_package import Package
from clearance.model import Document, Extracted, Location, Note, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext
from clearance.safety import local

_WHAT = "OpenDocument text"
_CONTENT = "content.xml"
_OBJECT_DIR = re.compile(r"^(object \d+)/", re.I)
# Parts that are read as text here, or hold nothing a reader wrote (previews, UI configuration).
_SKIP_PREFIXES = ("meta-inf/", "thumbnails/", "pictures/", "objectreplacements/", "configurations2/")
_SKIP_NAMES = frozenset(
    {"mimetype", "content.xml", "styles.xml", "meta.xml", "settings.xml", "manifest.rdf", "layout-cache"}
)
_MACRO_PREFIXES = ("basic/", "scripts/")
# Object types that have an extractor of their own: repackaged as a child Document.
_CHILD_OBJECT_TYPES = {
    "application/vnd.oasis.opendocument.text": formats.ODT,
    "application/vnd.oasis.opendocument.spreadsheet": formats.ODS,
}
_SKIP_BLOCK = frozenset(
    {
        "automatic-styles",
        "font-face-decls",
        "scripts",
        "sequence-decls",
        "variable-decls",
        "user-field-decls",
        "forms",
        "change-info",
        "table-of-content-source",
        "alphabetical-index-source",
        "illustration-index-source",
        "user-index-source",
        "bibliography-source",
        "table-columns",
        "table-column",
        "table-header-columns",
    }
)
_SKIP_INLINE = frozenset(
    {"note-citation", "bookmark", "bookmark-start", "bookmark-end", "soft-page-break", "change"}
)
_AUTHOR_META = frozenset({"creator", "initial-creator", "printed-by"})
_TEXT_META = frozenset({"title", "description", "subject", "keyword"})
# Repeated empty rows/columns pad spreadsheet-like tables to a million rows; more than this many
# repeats of one row or cell are not materialised (an empty repeat adds nothing to scan).
MAX_REPEAT = 1000
# LibreOffice Calc's column limit (16,384 since 7.4): a wider row is hostile, not a table.
MAX_COLUMNS = 16_384
MAX_ANCHOR_CHARS = 200


class OdtExtractor:
    name: ClassVar[str] = "odt"
    media_types: ClassVar[tuple[str, ...]] = (formats.ODT,)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        pkg = common.open_package(doc, ctx, _WHAT)
        yield from common.guarded(lambda: _Odt(pkg, doc, ctx).extract(), pkg, _WHAT)


@dataclass(frozen=True)
class _Style:
    parent: str | None
    hidden: bool | None


def _styles(*roots: Any | None) -> dict[str, _Style]:
    """style:name -> hidden? (``text:display="none"`` in its text properties), later roots win."""
    out: dict[str, _Style] = {}
    for root in roots:
        if root is None:
            continue
        for el in root.iter():
            if local(el.tag) != "style":
                continue
            props = child(el, "text-properties")
            display = attr(props, "display") if props is not None else None
            hidden = None if display is None else display == "none"
            out[attr(el, "name") or ""] = _Style(attr(el, "parent-style-name"), hidden)
    return out


class _Odt:
    def __init__(self, pkg: Package, doc: Document, ctx: ExtractContext) -> None:
        self.pkg, self.doc, self.ctx = pkg, doc, ctx
        self.members = doc.members
        manifest = pkg.xml("META-INF/manifest.xml")
        self.types: dict[str, str] = {}
        if manifest is not None:
            for entry in manifest.iter():
                if local(entry.tag) != "file-entry":
                    continue
                if any(local(c.tag) == "encryption-data" for c in entry):
                    raise Unscannable(
                        f"{_WHAT} is encrypted (password-protected); it cannot be inspected", "encrypted"
                    )
                self.types[(attr(entry, "full-path") or "").lower()] = attr(entry, "media-type") or ""
        if not pkg.has(_CONTENT):
            raise Unscannable(f"not a valid {_WHAT} (no {_CONTENT})", "corrupt")

    def loc(self, part: str) -> Any:
        members = self.members
        return lambda where: Location(part=part, field=where, members=members)

    def extract(self) -> Iterator[Extracted]:
        pkg = self.pkg
        styles_root = pkg.xml("styles.xml")
        content = pkg.xml(_CONTENT)
        common_styles = child(styles_root, "styles") if styles_root is not None else None
        body = child(content, "body")
        walker = _Walker(self, _CONTENT, _styles(common_styles, child(content, "automatic-styles")))
        if body is not None:
            yield from walker.run(body)
        pkg.forget(_CONTENT)
        if styles_root is not None:
            masters = child(styles_root, "master-styles")
            if masters is not None:
                hf = _Walker(
                    self, "styles.xml", _styles(common_styles, child(styles_root, "automatic-styles"))
                )
                for el in masters.iter():
                    kind = local(el.tag)
                    if kind.startswith(("header", "footer")) and kind != "header-style":
                        hf.prefix = (kind.split("-")[0],)
                        yield from hf.run(el)
        yield from self._meta()
        yield from self._objects()

    def _meta(self) -> Iterator[Segment]:
        root = self.pkg.xml("meta.xml")
        meta = next((e for e in root.iter() if local(e.tag) == "meta"), None) if root is not None else None
        if meta is None:
            return
        for el in meta:
            name = local(el.tag)
            text = (el.text or "").strip()
            if name == "user-defined":
                name = f"user-defined {attr(el, 'name') or ''}"
            elif name == "template":
                text = attr(el, "href") or ""
            elif name not in _AUTHOR_META | _TEXT_META:
                continue
            if text:
                role = "metadata-author" if name in _AUTHOR_META else "metadata"
                yield Segment(
                    text,
                    Location(part="meta.xml", field=name, members=self.members),
                    Visibility.METADATA,
                    (f"property {name}",),
                    role,
                )

    def _objects(self) -> Iterator[Extracted]:
        pkg, doc = self.pkg, self.doc
        objects: dict[str, list[str]] = {}
        for name in sorted(pkg.names(), key=common.natural_key):
            low = name.lower()
            m = _OBJECT_DIR.match(name)
            if m:
                objects.setdefault(m[1], []).append(name)
            elif low.startswith(_MACRO_PREFIXES) and not name.endswith("/"):
                yield Note("macro", "the document contains macros", Location(part=name, members=self.members))
            elif low in _SKIP_NAMES or low.startswith(_SKIP_PREFIXES) or name.endswith("/"):
                continue
            else:
                yield from common.embedded_file(pkg, name, doc, self.ctx.limits.max_depth)
        for folder, names in objects.items():
            media = self.types.get(f"{folder}/".lower(), "")
            if media in _CHILD_OBJECT_TYPES:
                yield from common.embedded_file(
                    pkg, folder, doc, self.ctx.limits.max_depth, self._repack(folder, names, media)
                )
                continue
            part = f"{folder}/content.xml"
            if not pkg.has(part):
                continue
            root = pkg.xml(part)
            styles = _styles(child(root, "automatic-styles"))
            body = child(root, "body")
            if body is not None:
                walker = _Walker(self, part, styles, base=Visibility.EMBEDDED_FILE)
                walker.prefix = (f"embedded object {folder}",)
                yield from walker.run(body)

    def _repack(self, folder: str, names: list[str], media: str) -> bytes:
        """An embedded ODF object folder as a standalone package (mimetype first, stored)."""
        buf = io.BytesIO()
        cut = len(folder) + 1
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo("mimetype"), media.encode(), compress_type=zipfile.ZIP_STORED)
            for name in names:
                inner = name[cut:]
                if inner and not name.endswith("/") and inner.lower() != "mimetype":
                    z.writestr(inner, self.pkg.read(name))
        return buf.getvalue()


# Consecutive paragraphs looked at together for lists (text_lists); beyond it a list is cut in two.
MAX_LIST_WINDOW = 5000


@dataclass
class _Held:
    """A paragraph read but not yet emitted: it may be one item of a list."""

    number: int
    text: str  # visible text ("" when hidden or empty)
    listed: bool
    heading: bool
    base: Visibility
    out: list[Extracted]  # out[0] is the paragraph's visible-text Segment when ``text``


@dataclass
class _Para:
    pieces: Pieces
    later: list[tuple[str, Any]]  # ("note", el) / ("box", el) / ("alt", (text, name))


class _Walker:
    """Walks one body (content.xml, a header, an embedded object) in document order."""

    def __init__(
        self, o: _Odt, part: str, styles: dict[str, _Style], base: Visibility = Visibility.VISIBLE
    ) -> None:
        self.o, self.part, self.styles, self.base = o, part, styles, base
        self.loc = o.loc(part)
        self.prefix: tuple[str, ...] = ()
        self.field_prefix = ""
        self.extra: tuple[str, ...] = ()
        self.heading: str | None = None
        self.n_par = self.n_tbl = self.n_note = 0
        self.hidden_depth = 0
        self.force: tuple[Visibility, str] | None = None
        self.inserting: set[str] = set()
        self.insertions: set[str] = set()
        self.annotations: list[tuple[Any, str]] = []  # (annotation element, range name)
        self.anchors: dict[str, list[str]] = {}
        self.open_anchors: set[str] = set()
        self.changes: list[Any] = []  # text:tracked-changes elements
        self._cur = Pieces()
        self._later: list[tuple[str, Any]] = []

    def context(self) -> tuple[str, ...]:
        return (*self.prefix, *((self.heading,) if self.heading else ()), *self.extra)

    def run(self, body: Any) -> Iterator[Extracted]:
        """Blocks, then annotations (anchors are known by then), then tracked deletions."""
        for region in body.iter():
            if local(region.tag) == "changed-region" and child(region, "insertion") is not None:
                self.insertions.add(attr(region, "id") or "")
        self.annotations, self.changes = [], []
        yield from self.blocks(body)
        yield from self._annotations()
        yield from self._tracked()

    # --- blocks ---------------------------------------------------------------------------

    def blocks(self, el: Any) -> Iterator[Extracted]:
        """Everything in ``el`` in document order; paragraphs that form a list as one Table."""
        held: list[_Held] = []
        for item in self.walk(el, 0):
            if isinstance(item, _Held):
                held.append(item)
                if len(held) >= MAX_LIST_WINDOW:
                    yield from self.lists(held)
                    held = []
                continue
            yield from self.lists(held)
            held = []
            yield item
        yield from self.lists(held)

    def lists(self, held: list[_Held]) -> Iterator[Extracted]:
        if not held:
            return
        lines: list[tuple[str, bool, bool]] = []
        index: list[int | None] = []
        for i, h in enumerate(held):
            if i and h.base is not held[i - 1].base:
                lines.append(("", False, False))  # a list does not run into hidden text
                index.append(None)
            lines.append((h.text, h.listed, h.heading))
            index.append(i)
        runs = find_runs(lines, self.o.ctx.limits.chunk_rows) if len(held) >= 3 else []
        at: dict[int, tuple[Any, list[int]]] = {}
        taken: set[int] = set()
        for run in runs:
            idx = [j for j in (index[k] for k in run.lines) if j is not None]
            if idx:
                at[idx[0]] = (run, idx)
                taken.update(idx)
        for i, h in enumerate(held):
            found = at.get(i)
            if found is not None:
                yield from self.list_tables(found[0], [held[j].number for j in found[1]], h.base)
            if i in taken and h.out and isinstance(h.out[0], Segment):
                yield from h.out[1:]
            else:
                yield from h.out

    def list_tables(self, run: Any, numbers: list[int], base: Visibility) -> Iterator[Table]:
        where = f"{self.field_prefix}list, paragraphs {numbers[0]}-{numbers[-1]}"
        loc = Location(part=self.part, field=where, members=self.o.members)
        yield from run.placed(f"{self.part}#{where}", loc, visibility=base)

    def walk(self, el: Any, depth: int) -> Iterator[Extracted | _Held]:
        for ch in el:
            tag = local(ch.tag)
            if tag in ("p", "h"):
                yield self.paragraph(ch, heading=tag == "h", listed=depth > 0)
            elif tag == "list":
                yield from self.walk(ch, depth + 1)
            elif tag == "table":
                yield from self.table(ch)
            elif tag == "tracked-changes":
                self.changes.append(ch)
            elif tag == "section":
                hidden = attr(ch, "display") in ("none", "condition")
                self.hidden_depth += hidden
                try:
                    yield from self.walk(ch, depth)
                finally:
                    self.hidden_depth -= hidden
            elif tag == "annotation":
                self.annotations.append((ch, ""))
            elif tag not in _SKIP_BLOCK:
                yield from self.walk(ch, depth)

    def paragraph(self, p: Any, heading: bool = False, listed: bool = False) -> _Held:
        """A paragraph read in full (its notes and text boxes too, numbered after it), held."""
        para = self.collect(p)
        number = self.n_par
        where = f"{self.field_prefix}paragraph {number}"
        base = Visibility.HIDDEN_TEXT if self.hidden_depth and self.base is Visibility.VISIBLE else self.base
        out: list[Extracted] = list(common.emit(para.pieces, self.loc, where, self.context(), "text", base))
        text = para.pieces.visible if para.pieces.visible.strip() else ""
        if heading and text:
            self.heading = text.strip()
        out.extend(self.deferred(para.later))
        return _Held(number, text, listed, heading, base, out)

    def deferred(self, later: list[tuple[str, Any]]) -> Iterator[Extracted]:
        for kind, el in later:
            if kind == "alt":
                text, name, n = el
                yield Segment(
                    text,
                    self.loc(f"{self.field_prefix}paragraph {n} alt text"),
                    Visibility.ALT_TEXT,
                    (*self.context(), f"alt text ({name})"),
                    "alt-text",
                )
                continue
            saved = self.extra
            if kind == "note":
                self.n_note += 1
                citation = child(el, "note-citation")
                mark = (citation.text or "") if citation is not None else str(self.n_note)
                self.extra = (
                    *saved,
                    f"{attr(el, 'note-class') or 'footnote'} {mark}",
                )
                body = child(el, "note-body")
            else:
                self.extra = (*saved, "text box")
                body = el
            try:
                if body is not None:
                    yield from self.blocks(body)
            finally:
                self.extra = saved

    def collect(self, p: Any) -> _Para:
        self.n_par += 1
        self._cur, self._later = Pieces(), []
        style = attr(p, "style-name")
        hidden_para = any(
            local(e.tag) == "hidden-paragraph" and (attr(e, "is-hidden") or "true") != "false"
            for e in p.iter()
        )
        self.inline(p, self.hidden(style) or hidden_para)
        return _Para(self._cur, self._later)

    def hidden(self, style: str | None) -> bool:
        seen: set[str] = set()
        while style and style not in seen:
            seen.add(style)
            s = self.styles.get(style)
            if s is None:
                return False
            if s.hidden is not None:
                return s.hidden
            style = s.parent
        return False

    # --- inline ---------------------------------------------------------------------------

    def add(self, text: str | None, hidden: bool) -> None:
        if not text:
            return
        if self.force is not None:
            vis, kind = self.force
        elif hidden:
            vis, kind = Visibility.HIDDEN_TEXT, "hidden"
        elif self.inserting:
            vis, kind = Visibility.TRACKED_CHANGE, "inserted"
        else:
            vis, kind = Visibility.VISIBLE, ""
        self._cur.add(text, vis, kind)
        for name in self.open_anchors:
            self.anchors.setdefault(name, []).append(text)

    def inline(self, el: Any, hidden: bool) -> None:
        self.add(el.text, hidden)
        for ch in el:
            self.element(ch, hidden)
            self.add(ch.tail, hidden)

    def element(self, ch: Any, hidden: bool) -> None:
        tag = local(ch.tag)
        if tag == "s":
            count = attr(ch, "c") or "1"
            self.add(" " * min(int(count) if count.isdigit() else 1, MAX_REPEAT), hidden)
        elif tag == "tab":
            self.add("\t", hidden)
        elif tag == "line-break":
            self.add("\n", hidden)
        elif tag == "span":
            style = attr(ch, "style-name")
            self.inline(ch, hidden or (style is not None and self.hidden(style)))
        elif tag == "hidden-text":
            self.add(attr(ch, "string-value") or "", True)
        elif tag == "hidden-paragraph":
            return
        elif tag == "note":
            self._later.append(("note", ch))
        elif tag == "annotation":
            self.annotations.append((ch, attr(ch, "name") or ""))
            if attr(ch, "name"):
                self.open_anchors.add(attr(ch, "name") or "")
        elif tag == "annotation-end":
            self.open_anchors.discard(attr(ch, "name") or "")
        elif tag == "change-start":
            cid = attr(ch, "change-id") or ""
            if cid in self.insertions:
                self.inserting.add(cid)
        elif tag == "change-end":
            self.inserting.discard(attr(ch, "change-id") or "")
        elif tag == "frame":
            for c in ch:
                if local(c.tag) in ("title", "desc") and (c.text or "").strip():
                    self._later.append(("alt", (c.text, local(c.tag), self.n_par)))
            for c in ch:
                if local(c.tag) == "text-box":
                    self._later.append(("box", c))
                elif local(c.tag) not in ("title", "desc"):
                    self.element(c, hidden)
        elif tag == "text-box":
            self._later.append(("box", ch))
        elif tag in _SKIP_INLINE or tag in ("object", "image", "object-ole"):
            return
        else:
            self.inline(ch, hidden)  # text:a, fields, ruby, meta, draw:a...

    # --- tables ---------------------------------------------------------------------------

    def table(self, tbl: Any) -> Iterator[Extracted]:
        self.n_tbl += 1
        name = attr(tbl, "name") or f"table {self.n_tbl}"
        grid: list[list[str | None]] = []
        hidden_cells: dict[tuple[int, int], Visibility] = {}
        extra: list[tuple[int, int, str, Visibility, str]] = []
        later: list[Extracted] = []
        cells_seen = 0
        limit = self.o.ctx.limits.max_cells
        for tr in _rows(tbl):
            row: list[str | None] = []
            row_hidden: dict[int, Visibility] = {}
            row_extra: list[tuple[int, str, Visibility, str]] = []
            for tc in tr:
                tag = local(tc.tag)
                if tag not in ("table-cell", "covered-table-cell"):
                    continue
                repeat = _repeat(tc, "number-columns-repeated")
                value, vis, rest = self.cell(tc, later) if tag == "table-cell" else (None, None, [])
                if len(row) + repeat > MAX_COLUMNS:
                    raise Unscannable(
                        f"table in '{self.part}' has more than {MAX_COLUMNS:,} columns", "limit"
                    )
                if value is None and not rest:
                    row.extend([None] * repeat)
                    continue
                for _ in range(repeat):
                    j = len(row)
                    if vis is not None:
                        row_hidden[j] = vis
                    row_extra.extend((j, k, v, t) for k, v, t in rest)
                    row.append(value)
            while row and row[-1] is None:
                row.pop()
            repeat = _repeat(tr, "number-rows-repeated")
            if not row:
                if grid and grid[-1]:
                    grid.append([])  # a run of empty rows collapses to one: nothing in it to scan
                continue
            for _ in range(repeat):
                i = len(grid)
                cells_seen += len(row)
                if cells_seen > limit:
                    raise Unscannable(f"table in '{self.part}' has more than {limit:,} cells", "limit")
                grid.append(list(row))
                hidden_cells.update({(i, j): v for j, v in row_hidden.items()})
                extra.extend((i, j, k, v, t) for j, k, v, t in row_extra)
        while grid and not grid[-1]:
            grid.pop()
        base = Visibility.HIDDEN_TEXT if self.hidden_depth and self.base is Visibility.VISIBLE else self.base
        loc = Location(part=self.part, field=f"table {name}", members=self.o.members)
        yield from document_table(
            grid,
            key=f"{self.part}#{name}",
            location=loc,
            chunk_rows=self.o.ctx.limits.chunk_rows,
            visibility=base,
            context=self.context(),
            hidden_cells=hidden_cells,
            pieces=extra,
            piece_location=lambda i, j, kind: self.loc(f"table {name} row {i + 1} column {j + 1} ({kind})"),
        )
        yield from later

    def cell(
        self, tc: Any, later: list[Extracted]
    ) -> tuple[str | None, Visibility | None, list[tuple[str, Visibility, str]]]:
        visible: list[str] = []
        hidden: list[tuple[str, Visibility, str]] = []
        for p in _cell_paragraphs(tc, self, later):
            para = self.collect(p)
            if para.pieces.visible.strip():
                visible.append(para.pieces.visible)
            hidden.extend(para.pieces.hidden())
            later.extend(self.deferred(para.later))
        if visible:
            return "\n".join(visible), None, hidden
        if hidden:
            first = hidden[0][1]
            return (
                "\n".join(t for _, v, t in hidden if v is first),
                first,
                [h for h in hidden if h[1] is not first],
            )
        return None, None, []

    # --- annotations and tracked changes ---------------------------------------------------

    def _annotations(self) -> Iterator[Extracted]:
        authors: list[tuple[str, str]] = []
        saved = (self.prefix, self.extra, self.heading, self.base, self.field_prefix)
        self.extra, self.heading, self.base = (), None, Visibility.COMMENT
        try:
            for k, (ann, name) in enumerate(self.annotations, 1):
                anchor = (
                    " ".join("".join(self.anchors.get(name, ())).split())[:MAX_ANCHOR_CHARS] if name else ""
                )
                self.prefix = (f"comment {k}", f"on: {anchor}") if anchor else (f"comment {k}",)
                self.field_prefix, self.n_par = f"comment {k} ", 0
                creator = child(ann, "creator")
                if creator is not None:
                    authors.append((creator.text or "", f"comment {k} author"))
                for item in self.blocks(ann):
                    yield (
                        replace(item, role="comment")
                        if isinstance(item, Segment) and item.role == "text"
                        else item
                    )
        finally:
            self.prefix, self.extra, self.heading, self.base, self.field_prefix = saved
        yield from common.unique_authors(authors, self.loc, "comment author")

    def _tracked(self) -> Iterator[Extracted]:
        authors: list[tuple[str, str]] = []
        for changes in self.changes:
            for region in changes:
                if local(region.tag) != "changed-region":
                    continue
                for change in region:
                    info = child(change, "change-info")
                    creator = child(info, "creator") if info is not None else None
                    if creator is not None and (creator.text or "").strip():
                        authors.append((creator.text or "", "tracked change author"))
                    if local(change.tag) != "deletion":
                        continue
                    saved = self.extra
                    self.force = (Visibility.TRACKED_CHANGE, "deleted")
                    self.extra = (*saved, "deleted text")
                    try:
                        yield from self.blocks(change)
                    finally:
                        self.force, self.extra = None, saved
        yield from common.unique_authors(authors, self.loc, "tracked change author")


def _repeat(el: Any, name: str) -> int:
    value = attr(el, name) or "1"
    return min(int(value), MAX_REPEAT) if value.isdigit() and int(value) > 0 else 1


def _rows(tbl: Any) -> Iterator[Any]:
    for c in tbl:
        tag = local(c.tag)
        if tag == "table-row":
            yield c
        elif tag in ("table-header-rows", "table-rows", "table-row-group"):
            yield from _rows(c)


def _cell_paragraphs(tc: Any, w: _Walker, later: list[Extracted]) -> Iterator[Any]:
    for c in tc:
        tag = local(c.tag)
        if tag in ("p", "h"):
            yield c
        elif tag == "table":
            later.extend(w.table(c))
        elif tag in ("list", "list-item", "list-header", "section"):
            yield from _cell_paragraphs(c, w, later)
        elif tag == "annotation":
            w.annotations.append((c, ""))
