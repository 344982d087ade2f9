"""Word 2007+ documents (.docx): the body and every place text hides from a reader.

Body, headers, footers, footnotes and endnotes are read paragraph by paragraph; tables become
``Table`` objects (header detection shared with spreadsheets). Within a paragraph each run gets
its own visibility, so one paragraph can yield a visible Segment plus Segments for its deleted
(``w:del``), inserted (``w:ins``), hidden (``w:vanish``, also through styles) and invisibly
formatted (white, 1 pt) runs. Comments, their anchors and authors, tracked-change authors,
document variables, reviewers (people.xml), the glossary, alt text and text boxes are read too;
the package-wide parts (properties, custom XML, SmartArt and chart text, embedded files, macros,
external links) come from ``ooxml_common``.

Not read: field codes (``w:instrText``, e.g. a HYPERLINK or MERGEFIELD instruction; the field's
displayed result is read), white text set through a style rather than on the run, VBA source,
and images' pixels.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from clearance import formats
from clearance.extractors import ooxml_common as common
from clearance.extractors.doc_tables import document_table
from clearance.extractors.ooxml_common import Pieces, attr, child
from clearance.extractors.text_lists import ListRun, find_runs
from clearance.extractors.xlsx_package import Package
from clearance.model import Document, Extracted, Location, Segment, Table, Visibility
from clearance.plugins import ExtractContext
from clearance.safety import local

_MAIN = "word/document.xml"
_WHAT = "Word document"
_DELETED = frozenset({"del", "moveFrom"})
_INSERTED = frozenset({"ins", "moveTo"})
# Elements that record a revision; each carries the reviser's name in w:author.
_CHANGE_TAGS = frozenset(
    {
        "ins",
        "del",
        "moveFrom",
        "moveTo",
        "rPrChange",
        "pPrChange",
        "sectPrChange",
        "tblPrChange",
        "trPrChange",
        "tcPrChange",
        "tblGridChange",
        "numberingChange",
        "cellIns",
        "cellDel",
        "cellMerge",
    }
)
# Inline elements with no text of their own, or text a reader never sees as such (field codes).
_SKIP_INLINE = frozenset(
    {
        "pPr",
        "rPr",
        "sdtPr",
        "sdtEndPr",
        "instrText",
        "delInstrText",
        "fldData",
        "bookmarkStart",
        "bookmarkEnd",
    }
)
_SKIP_BLOCK = frozenset({"sectPr", "sdtPr", "sdtEndPr", "docPartPr", "tblPr", "tblGrid", "background"})
_NOTE_SEPARATORS = frozenset({"separator", "continuationSeparator", "continuationNotice"})
_HEADER_FOOTER = re.compile(r"(header|footer)\d*\.xml$", re.I)
# w:sz counts half-points: 2 is 1 pt, text no reader can make out on screen or paper.
MAX_INVISIBLE_HALF_POINTS = 2
_WHITE = frozenset({"ffffff", "white"})
_NO_FILL = frozenset({"", "auto", "ffffff"})
# Heading paragraphs: built-in style names are English whatever the UI language ("heading 1").
_HEADING_NAME = re.compile(r"^(heading\s*\d|title|subtitle)", re.I)
# Comment anchors are context, not data: this much of the anchored text travels with a comment.
MAX_ANCHOR_CHARS = 200
# List paragraphs by style name ("List Paragraph", "List Bullet 2", "List Number").
_LIST_NAME = re.compile(r"^list\b", re.I)
# Consecutive paragraphs looked at together for lists (text_lists); beyond it a list is cut in two.
MAX_LIST_WINDOW = 5000


def _on(el: Any | None) -> bool | None:
    """A toggle property: absent -> None, ``<w:vanish/>`` -> True, ``w:val="0"`` -> False."""
    if el is None:
        return None
    v = attr(el, "val")
    return v is None or v.lower() not in ("0", "false", "off")


def _filled(props: Any | None) -> bool:
    """True if a pPr/tcPr/rPr shades its background (white text on it may be readable)."""
    if props is None:
        return False
    shd = child(props, "shd")
    return shd is not None and (attr(shd, "fill") or "").lower() not in _NO_FILL


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    vanish: bool | None
    outline: bool
    numbered: bool = False


class _Styles:
    """What styles.xml says about hidden text and headings, with w:basedOn inheritance."""

    def __init__(self, root: Any | None) -> None:
        self.styles: dict[str, _Style] = {}
        self.default_hidden = False
        self.default_paragraph: str | None = None
        if root is None:
            return
        for el in root.iter():
            tag = local(el.tag)
            if tag == "rPrDefault":
                rpr = child(el, "rPr")
                self.default_hidden = bool(_on(child(rpr, "vanish")) if rpr is not None else False)
            elif tag == "style":
                sid = attr(el, "styleId") or ""
                name_el, based = child(el, "name"), child(el, "basedOn")
                rpr, ppr = child(el, "rPr"), child(el, "pPr")
                self.styles[sid] = _Style(
                    (attr(name_el, "val") or "") if name_el is not None else "",
                    attr(based, "val") if based is not None else None,
                    _on(child(rpr, "vanish")) if rpr is not None else None,
                    ppr is not None and child(ppr, "outlineLvl") is not None,
                    ppr is not None and _numbered(ppr),
                )
                if attr(el, "type") == "paragraph" and _on_attr(attr(el, "default")):
                    self.default_paragraph = sid

    def _chain(self, sid: str | None) -> Iterator[tuple[str, Any]]:
        """The style and the styles it is based on, nearest first (a cycle ends the walk)."""
        seen: set[str] = set()
        while sid and sid not in seen:
            seen.add(sid)
            style = self.styles.get(sid)
            if style is None:
                return
            yield sid, style
            sid = style.based_on

    def hidden(self, sid: str | None) -> bool | None:
        return next((style.vanish for _, style in self._chain(sid) if style.vanish is not None), None)

    def listed(self, sid: str | None) -> bool:
        """A list style: "List Paragraph" and kin, or one that numbers its paragraphs."""
        return any(
            style.numbered or _LIST_NAME.match(style.name) or _LIST_NAME.match(s)
            for s, style in self._chain(sid)
        )

    def heading(self, sid: str | None) -> bool:
        return any(
            style.outline or _HEADING_NAME.match(style.name) or _HEADING_NAME.match(s)
            for s, style in self._chain(sid)
        )


def _numbered(ppr: Any) -> bool:
    """A w:numPr that numbers or bullets the paragraph (w:numId 0 takes numbering away)."""
    num = child(ppr, "numPr")
    if num is None:
        return False
    num_id = child(num, "numId")
    return num_id is None or (attr(num_id, "val") or "") != "0"


def _on_attr(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "on")


class DocxExtractor:
    name: ClassVar[str] = "docx"
    media_types: ClassVar[tuple[str, ...]] = (formats.DOCX,)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        pkg = common.open_package(doc, ctx, _WHAT)
        yield from common.guarded(lambda: _Docx(pkg, doc, ctx).extract(), pkg, _WHAT)


class _Docx:
    """State shared by the parts of one document: styles, comment anchors."""

    def __init__(self, pkg: Package, doc: Document, ctx: ExtractContext) -> None:
        self.pkg, self.doc, self.ctx = pkg, doc, ctx
        self.main = common.main_part(pkg, _MAIN, _WHAT)
        self.folder = posixpath.dirname(self.main)
        self.rels = [r for r in pkg.rels(self.main) if not r.external and pkg.has(r.target)]
        styles = self._related("styles", "styles.xml")
        self.styles = _Styles(pkg.xml(styles[0]) if styles else None)
        self.anchors: dict[str, list[str]] = {}
        self.open_anchors: set[str] = set()
        self.shaded_page = False

    def _related(self, rel_type: str, default: str) -> list[str]:
        found = [r.target for r in self.rels if r.type == rel_type]
        fallback = f"{self.folder}/{default}"
        if not found and self.pkg.has(fallback):
            found = [fallback]
        return found

    def loc(self, part: str) -> Any:
        members = self.doc.members
        return lambda where: Location(part=part, field=where, members=members)

    def extract(self) -> Iterator[Extracted]:
        pkg = self.pkg
        root = pkg.xml(self.main)
        self.shaded_page = child(root, "background") is not None
        yield from _Part(self, self.main).blocks(root)
        yield from self._change_authors(root, self.main)
        pkg.forget(self.main)
        for name in sorted(pkg.names(), key=common.natural_key):
            if posixpath.dirname(name) == self.folder and _HEADER_FOOTER.match(posixpath.basename(name)):
                kind = "header" if "header" in posixpath.basename(name).lower() else "footer"
                part_root = pkg.xml(name)
                yield from _Part(self, name, context=(kind,)).blocks(part_root)
                yield from self._change_authors(part_root, name)
        for rel_type, default, kind in (
            ("footnotes", "footnotes.xml", "footnote"),
            ("endnotes", "endnotes.xml", "endnote"),
        ):
            for name in self._related(rel_type, default):
                yield from self._notes(name, kind)
        for name in self._related("comments", "comments.xml"):
            yield from self._comments(name)
        for name in self._related("people", "people.xml"):
            yield from self._people(name)
        for name in self._related("settings", "settings.xml"):
            yield from self._doc_vars(name)
        for name in self._related("glossaryDocument", "glossary/document.xml"):
            glossary = pkg.xml(name)
            yield from _Part(self, name, base=Visibility.HIDDEN_TEXT, context=("glossary",)).blocks(glossary)
        yield from common.package_extras(pkg, self.folder, self.doc, self.ctx)

    def _change_authors(self, root: Any, part: str) -> Iterator[Segment]:
        names = (
            (attr(el, "author") or "", "tracked change author")
            for el in root.iter()
            if local(el.tag) in _CHANGE_TAGS
        )
        yield from common.unique_authors(names, self.loc(part), "tracked change author")

    def _notes(self, name: str, kind: str) -> Iterator[Extracted]:
        root = self.pkg.xml(name)
        walker = _Part(self, name)
        for note in root:
            if local(note.tag) != kind or attr(note, "type") in _NOTE_SEPARATORS:
                continue
            walker.prefix = (f"{kind} {attr(note, 'id')}",)
            yield from walker.blocks(note)
        yield from self._change_authors(root, name)

    def _comments(self, name: str) -> Iterator[Extracted]:
        root = self.pkg.xml(name)
        walker = _Part(self, name, base=Visibility.COMMENT, role="comment")
        authors: list[tuple[str, str]] = []
        for c in root:
            if local(c.tag) != "comment":
                continue
            cid = attr(c, "id") or ""
            anchor = " ".join("".join(self.anchors.get(cid, ())).split())[:MAX_ANCHOR_CHARS]
            walker.prefix = (f"comment {cid}", f"on: {anchor}") if anchor else (f"comment {cid}",)
            walker.field_prefix = f"comment {cid} "
            yield from walker.blocks(c)
            authors.append((attr(c, "author") or "", f"comment {cid} author"))
        yield from common.unique_authors(authors, self.loc(name), "comment author")
        yield from self._change_authors(root, name)

    def _people(self, name: str) -> Iterator[Segment]:
        """word/people.xml: reviewers, with their account ids (often an email address)."""
        root = self.pkg.xml(name)
        found: list[tuple[str, str]] = []
        for el in root.iter():
            if local(el.tag) == "person":
                found.append((attr(el, "author") or "", "person"))
            elif local(el.tag) == "presenceInfo":
                found.append((attr(el, "userId") or "", "person account"))
        yield from common.unique_authors(found, self.loc(name), "reviewer")

    def _doc_vars(self, name: str) -> Iterator[Segment]:
        """w:docVar: values stored by templates and add-ins, never shown."""
        root = self.pkg.xml(name)
        for el in root.iter():
            if local(el.tag) == "docVar" and (attr(el, "val") or "").strip():
                var = attr(el, "name") or ""
                yield Segment(
                    attr(el, "val") or "",
                    Location(part=name, field=f"document variable {var}", members=self.doc.members),
                    Visibility.METADATA,
                    (f"document variable {var}",),
                    "metadata",
                )


@dataclass
class _Para:
    number: int
    pieces: Pieces
    alts: list[Segment]
    boxes: list[Any]
    heading: bool
    listed: bool = False


@dataclass
class _Held:
    """A body paragraph read but not yet emitted: it may be one item of a list."""

    number: int
    text: str  # visible text
    listed: bool
    heading: bool
    context: tuple[str, ...]
    out: list[Extracted] = field(default_factory=list)  # out[0] is the visible Segment when ``text``


class _Part:
    """Walks one XML part (body, header, comments...) in document order."""

    def __init__(
        self,
        d: _Docx,
        part: str,
        *,
        base: Visibility = Visibility.VISIBLE,
        role: str = "text",
        context: tuple[str, ...] = (),
    ) -> None:
        self.d, self.part, self.base, self.role = d, part, base, role
        self.prefix = context
        self.field_prefix = ""
        self.heading: str | None = None
        self.extra: tuple[str, ...] = ()
        self.n_par = self.n_tbl = 0
        self.loc = d.loc(part)
        # state of the paragraph being collected
        self._cur = Pieces()
        self._alts: list[Segment] = []
        self._boxes: list[Any] = []
        self._style: str | None = None
        self._shaded = False
        self._cell_shaded = False

    def context(self) -> tuple[str, ...]:
        return (*self.prefix, *((self.heading,) if self.heading else ()), *self.extra)

    # --- blocks ---------------------------------------------------------------------------

    def blocks(self, el: Any) -> Iterator[Extracted]:
        held: list[_Held] = []
        for ch in el:
            tag = local(ch.tag)
            if tag == "p":
                held.append(self.paragraph(ch))
                if len(held) >= MAX_LIST_WINDOW:
                    yield from self.lists(held)
                    held = []
                continue
            yield from self.lists(held)
            held = []
            if tag == "tbl":
                yield from self.table(ch)
            elif tag == "AlternateContent":
                branch = common.choose(ch)
                if branch is not None:
                    yield from self.blocks(branch)
            elif tag not in _SKIP_BLOCK:
                yield from self.blocks(ch)  # sdt, customXml, body, comment, footnote, docPart...
        yield from self.lists(held)

    def paragraph(self, p: Any) -> _Held:
        """A paragraph read in full (its text boxes too, numbered after it) and held back."""
        para = self.collect(p)
        where = f"{self.field_prefix}paragraph {para.number}"
        context = self.context()
        held = _Held(para.number, para.pieces.visible, para.listed, para.heading, context)
        held.out.extend(common.emit(para.pieces, self.loc, where, context, self.role, self.base))
        if para.heading and para.pieces.visible.strip():
            self.heading = para.pieces.visible.strip()
        held.out.extend(para.alts)
        for box in para.boxes:
            held.out.extend(self.text_box(box))
        return held

    def lists(self, held: list[_Held]) -> Iterator[Extracted]:
        """Held paragraphs out in order; those that form a list (text_lists) as one Table, their
        visible text no longer given to prose (each item is read once, as a cell)."""
        if not held:
            return
        runs = find_runs(
            [(h.text if h.text.strip() else "", h.listed, h.heading) for h in held],
            self.d.ctx.limits.chunk_rows,
        )
        at = {run.lines[0]: run for run in runs if run.lines}
        taken = {i for run in runs for i in run.lines}
        for i, h in enumerate(held):
            run = at.get(i)
            if run is not None:
                yield from self.list_tables(run, [held[j].number for j in run.lines])
            if i in taken and h.out and isinstance(h.out[0], Segment) and h.text.strip():
                yield from h.out[1:]
            else:
                yield from h.out

    def list_tables(self, run: ListRun, numbers: list[int]) -> Iterator[Table]:
        """A list's Tables, placed in the part: "list, paragraphs 4-13" (no sanitizer writes to
        a list as one field: it is refused rather than half treated)."""
        first, last = numbers[0], numbers[-1]
        where = f"{self.field_prefix}list, paragraphs {first}-{last}"
        loc = Location(part=self.part, field=where, members=self.d.doc.members)
        yield from run.placed(f"{self.part}#list{first}", loc, visibility=self.base)

    def text_box(self, box: Any) -> Iterator[Extracted]:
        saved = self.extra
        self.extra = (*saved, "text box")
        try:
            yield from self.blocks(box)
        finally:
            self.extra = saved

    def collect(self, p: Any) -> _Para:
        self.n_par += 1
        ppr = child(p, "pPr")
        style_el = child(ppr, "pStyle") if ppr is not None else None
        self._style = attr(style_el, "val") if style_el is not None else self.d.styles.default_paragraph
        self._shaded = self.d.shaded_page or self._cell_shaded or _filled(ppr)
        self._cur, self._alts, self._boxes = Pieces(), [], []
        self.inline(p, None)
        heading = self.d.styles.heading(self._style) or (
            ppr is not None and child(ppr, "outlineLvl") is not None
        )
        listed = (ppr is not None and _numbered(ppr)) or self.d.styles.listed(self._style)
        return _Para(self.n_par, self._cur, self._alts, self._boxes, heading, listed)

    # --- runs -----------------------------------------------------------------------------

    def add(self, text: str, vis: Visibility, kind: str) -> None:
        self._cur.add(text, vis, kind)
        for cid in self.d.open_anchors:
            self.d.anchors.setdefault(cid, []).append(text)

    def inline(self, el: Any, change: str | None) -> None:
        for ch in el:
            tag = local(ch.tag)
            if tag == "r":
                self.run(ch, change)
            elif tag in _DELETED:
                self.inline(ch, "deleted")
            elif tag in _INSERTED:
                self.inline(ch, change or "inserted")
            elif tag == "AlternateContent":
                branch = common.choose(ch)
                if branch is not None:
                    self.inline(branch, change)
            elif tag == "commentRangeStart":
                cid = attr(ch, "id") or ""
                self.d.anchors.setdefault(cid, [])
                self.d.open_anchors.add(cid)
            elif tag == "commentRangeEnd":
                self.d.open_anchors.discard(attr(ch, "id") or "")
            elif tag not in _SKIP_INLINE:
                self.inline(ch, change)  # hyperlink, smartTag, sdt, fldSimple, math...

    def run(self, r: Any, change: str | None) -> None:
        rpr = child(r, "rPr")
        vis, kind = self.visibility(rpr, change)
        for ch in r:
            tag = local(ch.tag)
            if tag in ("t", "delText"):
                self.add(ch.text or "", vis, kind)
            elif tag in ("tab", "ptab"):
                self.add("\t", vis, kind)
            elif tag in ("br", "cr"):
                self.add("\n", vis, kind)
            elif tag == "noBreakHyphen":
                self.add("-", vis, kind)
            elif tag in ("drawing", "pict", "object", "AlternateContent"):
                self.graphic(ch, set())

    def visibility(self, rpr: Any | None, change: str | None) -> tuple[Visibility, str]:
        if change == "deleted":
            return Visibility.TRACKED_CHANGE, "deleted"
        if self.hidden(rpr):
            return Visibility.HIDDEN_TEXT, "hidden"
        if change == "inserted":
            return Visibility.TRACKED_CHANGE, "inserted"
        if rpr is not None and self.invisible(rpr):
            return Visibility.INVISIBLE_FORMAT, "invisible"
        return Visibility.VISIBLE, ""

    def hidden(self, rpr: Any | None) -> bool:
        styles = self.d.styles
        v = _on(child(rpr, "vanish")) if rpr is not None else None
        if v is None and rpr is not None:
            rstyle = child(rpr, "rStyle")
            if rstyle is not None:
                v = styles.hidden(attr(rstyle, "val"))
        if v is None:
            v = styles.hidden(self._style)
        return styles.default_hidden if v is None else v

    def invisible(self, rpr: Any) -> bool:
        size = attr(child(rpr, "sz"), "val") if child(rpr, "sz") is not None else None
        if size and size.isdigit() and int(size) <= MAX_INVISIBLE_HALF_POINTS:
            return True
        color = child(rpr, "color")
        white = color is not None and (attr(color, "val") or "").lower() in _WHITE
        return white and not (self._shaded or _filled(rpr) or child(rpr, "highlight") is not None)

    def graphic(self, el: Any, seen: set[str]) -> None:
        """Alt text of drawings and VML shapes; text boxes are queued for after the paragraph."""
        tag = local(el.tag)
        if tag == "txbxContent":
            self._boxes.append(el)
            return
        if tag == "AlternateContent":
            branch = common.choose(el)
            if branch is not None:
                self.graphic(branch, seen)
            return
        if tag in ("docPr", "cNvPr", "shape", "imagedata", "rect", "roundrect", "oval"):
            where = f"{self.field_prefix}paragraph {self.n_par} alt text"
            self._alts.extend(common.alt_text(el, self.loc(where), self.context(), seen))
        for c in el:
            self.graphic(c, seen)

    # --- tables ---------------------------------------------------------------------------

    def table(self, tbl: Any) -> Iterator[Extracted]:
        self.n_tbl += 1
        t = self.n_tbl
        grid: list[list[str | None]] = []
        hidden_cells: dict[tuple[int, int], Visibility] = {}
        extra: list[tuple[int, int, str, Visibility, str]] = []
        later: list[Extracted] = []
        for i, tr in enumerate(_children(tbl, "tr")):
            row: list[str | None] = []
            for tc in _children(tr, "tc"):
                j = len(row)
                value, vis, rest = self.cell(tc, later)
                if vis is not None:
                    hidden_cells[(i, j)] = vis
                extra.extend((i, j, k, v, text) for k, v, text in rest)
                row.append(value)
                row.extend([None] * (_span(tc) - 1))
            grid.append(row)
        key = f"{self.part}#table{t}"
        loc = Location(part=self.part, field=f"{self.field_prefix}table {t}", members=self.d.doc.members)
        yield from document_table(
            grid,
            key=key,
            location=loc,
            chunk_rows=self.d.ctx.limits.chunk_rows,
            visibility=self.base,
            context=self.context(),
            hidden_cells=hidden_cells,
            pieces=extra,
            piece_location=lambda i, j, kind: self.loc(
                f"{self.field_prefix}table {t} row {i + 1} column {j + 1} ({kind})"
            ),
        )
        yield from later

    def cell(
        self, tc: Any, later: list[Extracted]
    ) -> tuple[str | None, Visibility | None, list[tuple[str, Visibility, str]]]:
        """(grid value, its visibility when hidden, hidden pieces to report separately)."""
        tcpr = child(tc, "tcPr")
        merge = child(tcpr, "vMerge") if tcpr is not None else None
        self._cell_shaded = _filled(tcpr)
        visible: list[str] = []
        hidden: list[tuple[str, Visibility, str]] = []
        try:
            for p in _cell_paragraphs(tc, self, later):
                para = self.collect(p)
                if para.pieces.visible.strip():
                    visible.append(para.pieces.visible)
                hidden.extend(para.pieces.hidden())
                later.extend(para.alts)
                for box in para.boxes:
                    later.extend(self.text_box(box))
        finally:
            self._cell_shaded = False
        if merge is not None and attr(merge, "val") != "restart" and not visible and not hidden:
            return None, None, []
        if visible:
            return "\n".join(visible), None, hidden
        if hidden:
            first = hidden[0][1]
            same = [h for h in hidden if h[1] is first]
            return "\n".join(t for _, _, t in same), first, [h for h in hidden if h[1] is not first]
        return None, None, []


def _children(el: Any, tag: str) -> Iterator[Any]:
    """Rows of a table / cells of a row, also when wrapped in w:sdt or w:customXml."""
    for c in el:
        name = local(c.tag)
        if name == tag:
            yield c
        elif name in ("sdt", "sdtContent", "customXml"):
            yield from _children(c, tag)


def _cell_paragraphs(tc: Any, part: _Part, later: list[Extracted]) -> Iterator[Any]:
    """Paragraphs of a cell; nested tables are extracted on their own, after this one."""
    for c in tc:
        name = local(c.tag)
        if name == "p":
            yield c
        elif name == "tbl":
            later.extend(part.table(c))
        elif name in ("sdt", "sdtContent", "customXml"):
            yield from _cell_paragraphs(c, part, later)


def _span(tc: Any) -> int:
    tcpr = child(tc, "tcPr")
    span = child(tcpr, "gridSpan") if tcpr is not None else None
    value = attr(span, "val") if span is not None else None
    return int(value) if value and value.isdigit() and 0 < int(value) < 1000 else 1
