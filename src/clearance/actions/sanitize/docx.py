"""Word (.docx) writer: resolves tracked changes, drops comments, hidden text, alt text, properties,
custom XML and embedded objects, and masks personal data in visible text, per the plan.

Paragraphs are numbered exactly as the extractor numbers them (``Location.field`` = "paragraph N"
per part, text boxes after the paragraph that anchors them, table-cell paragraphs in cell order),
so an action written from a finding lands on the paragraph the scan read. The visible text of a
paragraph is the runs a reader sees (not deleted, inserted, hidden or invisibly formatted); an
action's ``spans`` (character offsets into that text), when the plan carries them, are treated
one by one keeping each run's formatting; without spans the paragraph's visible text is replaced
by ``PLACEHOLDER``. Tracked changes are always resolved (accepted unless the plan asks to reject),
since their history names their authors.

Lists ("list, paragraphs a-b" + an A1 range over the list's table) are placed by laying the part's
paragraphs out again exactly as the extractor does (same windows of sibling paragraphs, same
visible text, list and heading hints, ``text_lists.find_runs``) on the original tree: row 1 is
the header (the heading paragraph above the list, or a pipe table's header row) when the table
has one, and data row r is the (r - top + 1)-th item paragraph, top being 2 with a header and 1
without. Paragraphs inside a-b that are blank or belong to a text box are not items. A list
whose layout cannot be found again is refused.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

from clearance import formats
from clearance.actions.sanitize import opc_edit
from clearance.actions.sanitize.base import (
    Action,
    ActionKind,
    CannotSanitize,
    Plan,
    Removal,
    Summary,
    Treatment,
    treat,
)
from clearance.actions.sanitize.opc_edit import Package, attr, local
from clearance.extractors.docx import MAX_LIST_WINDOW
from clearance.extractors.text_lists import find_runs
from clearance.model import Visibility

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PLACEHOLDER = "[redacted]"
_W = f"{{{W_NS}}}"
_DELETED = frozenset({"del", "moveFrom"})
_INSERTED = frozenset({"ins", "moveTo"})
_PROP_CHANGES = frozenset(
    {
        "rPrChange",
        "pPrChange",
        "sectPrChange",
        "tblPrChange",
        "trPrChange",
        "tcPrChange",
        "tblGridChange",
        "numberingChange",
        "tblPrExChange",
    }
)
_RANGE_MARKERS = frozenset(
    {
        "moveFromRangeStart",
        "moveFromRangeEnd",
        "moveToRangeStart",
        "moveToRangeEnd",
        "customXmlInsRangeStart",
        "customXmlInsRangeEnd",
        "customXmlDelRangeStart",
        "customXmlDelRangeEnd",
        "customXmlMoveFromRangeStart",
        "customXmlMoveFromRangeEnd",
        "customXmlMoveToRangeStart",
        "customXmlMoveToRangeEnd",
    }
)
_COMMENT_MARKERS = frozenset({"commentRangeStart", "commentRangeEnd", "commentReference"})
_COMMENT_PARTS = re.compile(r"^word/(comments\w*|people)\.xml$", re.I)
_WORD_XML = re.compile(
    r"^word/(document|header\d*|footer\d*|footnotes|endnotes|comments|glossary/document)\.xml$", re.I
)
_SKIP_INLINE = frozenset({"pPr", "rPr", "sdtPr", "sdtEndPr", "instrText", "delInstrText", "fldData"})
_SKIP_BLOCK = frozenset({"sectPr", "sdtPr", "sdtEndPr", "docPartPr", "tblPr", "tblGrid", "background"})
_NOTE_SEPARATORS = frozenset({"separator", "continuationSeparator", "continuationNotice"})
_PARA_FIELD = re.compile(r"paragraph (\d+)$")
_TABLE_FIELD = re.compile(r"table (\d+)(?: row (\d+) column (\d+))?")
_SPECIAL = {"tab": "\t", "ptab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}
_LIST_FIELD = re.compile(r"list, paragraphs (\d+)-(\d+)$")
MAX_INVISIBLE_HALF_POINTS = 2  # as the extractor: 1 pt text is invisible
# As the extractor: white text on a shaded page, paragraph or run is readable.
_NO_FILL = frozenset({"", "auto", "ffffff"})
_HEADING_NAME = re.compile(r"^(heading\s*\d|title|subtitle)", re.I)
_LIST_NAME = re.compile(r"^list\b", re.I)
# Lists are laid out again in one chunk: rows are numbered the same whatever the scan's chunk size.
_LIST_CHUNK = 1 << 30


def _on(el: Any | None) -> bool | None:
    if el is None:
        return None
    v = attr(el, "val")
    return v is None or v.lower() not in ("0", "false", "off")


def _child(el: Any | None, name: str) -> Any | None:
    if el is None:
        return None
    return next((c for c in el if local(c.tag) == name), None)


def _choose(alt: Any) -> Any | None:
    c = _child(alt, "Choice")
    return c if c is not None else _child(alt, "Fallback")


class _Styles:
    """Which styles hide their text (w:vanish through w:basedOn), and, as the extractor reads
    them for lists, which make list items and headings."""

    def __init__(self, root: Any | None) -> None:
        self.vanish: dict[str, bool | None] = {}
        self.based: dict[str, str | None] = {}
        self.names: dict[str, str] = {}
        self.outline: set[str] = set()
        self.numbered: set[str] = set()
        self.default_hidden = False
        self.default_paragraph: str | None = None
        if root is None:
            return
        for el in root.iter():
            tag = local(el.tag)
            if tag == "rPrDefault":
                self.default_hidden = bool(_on(_child(_child(el, "rPr"), "vanish")))
            elif tag == "style":
                sid = attr(el, "styleId") or ""
                self.vanish[sid] = _on(_child(_child(el, "rPr"), "vanish"))
                based = _child(el, "basedOn")
                self.based[sid] = attr(based, "val") if based is not None else None
                name = _child(el, "name")
                self.names[sid] = (attr(name, "val") or "") if name is not None else ""
                ppr = _child(el, "pPr")
                if _child(ppr, "outlineLvl") is not None:
                    self.outline.add(sid)
                if ppr is not None and _numbered(ppr):
                    self.numbered.add(sid)
                if attr(el, "type") == "paragraph" and (attr(el, "default") or "") in ("1", "true", "on"):
                    self.default_paragraph = sid

    def hidden(self, sid: str | None) -> bool | None:
        seen: set[str] = set()
        while sid and sid not in seen and sid in self.vanish:
            seen.add(sid)
            if self.vanish[sid] is not None:
                return self.vanish[sid]
            sid = self.based.get(sid)
        return None

    def _chain(self, sid: str | None) -> Iterator[str]:
        seen: set[str] = set()
        while sid and sid not in seen and sid in self.names:
            seen.add(sid)
            yield sid
            sid = self.based.get(sid)

    def listed(self, sid: str | None) -> bool:
        return any(
            s in self.numbered or _LIST_NAME.match(self.names[s]) or _LIST_NAME.match(s)
            for s in self._chain(sid)
        )

    def heading(self, sid: str | None) -> bool:
        return any(
            s in self.outline or _HEADING_NAME.match(self.names[s]) or _HEADING_NAME.match(s)
            for s in self._chain(sid)
        )


def _numbered(ppr: Any) -> bool:
    """A w:numPr that numbers or bullets the paragraph (w:numId 0 takes numbering away)."""
    num = _child(ppr, "numPr")
    if num is None:
        return False
    num_id = _child(num, "numId")
    return num_id is None or (attr(num_id, "val") or "") != "0"


def _filled(props: Any | None) -> bool:
    shd = _child(props, "shd")
    return shd is not None and (attr(shd, "fill") or "").lower() not in _NO_FILL


@dataclass
class _Piece:
    el: Any  # the w:t element, or None for a tab/break (one character, kept)
    start: int
    text: str


class _Walker:
    """Numbers paragraphs like the extractor and knows which runs a reader sees."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self.n = 0
        self.paragraphs: dict[int, Any] = {}
        self.tables: dict[int, Any] = {}
        self.n_tbl = 0

    def blocks(self, el: Any) -> None:
        for ch in el:
            tag = local(ch.tag)
            if tag in ("footnote", "endnote") and attr(ch, "type") in _NOTE_SEPARATORS:
                continue  # the extractor skips separator notes: their paragraphs have no number
            if tag == "p":
                self.paragraph(ch)
            elif tag == "tbl":
                self.table(ch)
            elif tag == "AlternateContent":
                b = _choose(ch)
                if b is not None:
                    self.blocks(b)
            elif tag not in _SKIP_BLOCK:
                self.blocks(ch)

    def paragraph(self, p: Any) -> None:
        self.n += 1
        self.paragraphs[self.n] = p
        for box in _text_boxes(p):
            self.blocks(box)

    def table(self, tbl: Any) -> None:
        self.n_tbl += 1
        self.tables[self.n_tbl] = tbl
        for tr in _children(tbl, "tr"):
            for tc in _children(tr, "tc"):
                self.cell(tc)

    def cell(self, tc: Any) -> None:
        for c in tc:
            name = local(c.tag)
            if name == "p":
                self.paragraph(c)
            elif name == "tbl":
                self.table(c)
            elif name in ("sdt", "sdtContent", "customXml"):
                self.cell(c)

    # --- visible text ---------------------------------------------------------------------

    def pieces(self, p: Any) -> list[_Piece]:
        ppr = _child(p, "pPr")
        st = _child(ppr, "pStyle")
        pstyle = attr(st, "val") if st is not None else self.styles.default_paragraph
        out: list[_Piece] = []
        pos = 0

        def inline(el: Any, changed: bool) -> None:
            nonlocal pos
            for ch in el:
                tag = local(ch.tag)
                if tag == "r":
                    if changed or not self.visible(_child(ch, "rPr"), pstyle):
                        continue
                    for t in ch:
                        lt = local(t.tag)
                        if lt == "t":
                            out.append(_Piece(t, pos, t.text or ""))
                            pos += len(t.text or "")
                        elif lt in _SPECIAL:  # the extractor's character: offsets and text alike
                            out.append(_Piece(None, pos, _SPECIAL[lt]))
                            pos += 1
                elif tag in _DELETED or tag in _INSERTED:
                    inline(ch, True)
                elif tag == "AlternateContent":
                    b = _choose(ch)
                    if b is not None:
                        inline(b, changed)
                elif tag not in _SKIP_INLINE:
                    inline(ch, changed)

        inline(p, False)
        return out

    def reader_text(self, p: Any, shaded_page: bool) -> tuple[str, bool, bool]:
        """(visible text, list item hint, heading hint) of a paragraph exactly as the extractor
        reads them to lay out lists (white text on a shaded page or paragraph is visible)."""
        ppr = _child(p, "pPr")
        st = _child(ppr, "pStyle")
        pstyle = attr(st, "val") if st is not None else self.styles.default_paragraph
        shaded = shaded_page or _filled(ppr)
        out: list[str] = []

        def inline(el: Any, changed: bool) -> None:
            for ch in el:
                tag = local(ch.tag)
                if tag == "r":
                    rpr = _child(ch, "rPr")
                    if changed or self.hidden_run(ch, pstyle, invisible=False):
                        continue
                    if rpr is not None and _unreadable(rpr, shaded):
                        continue
                    for t in ch:
                        lt = local(t.tag)
                        if lt in ("t", "delText"):
                            out.append(t.text or "")
                        elif lt in _SPECIAL:
                            out.append(_SPECIAL[lt])
                elif tag in _DELETED or tag in _INSERTED:
                    inline(ch, True)
                elif tag == "AlternateContent":
                    b = _choose(ch)
                    if b is not None:
                        inline(b, changed)
                elif tag not in _SKIP_INLINE:
                    inline(ch, changed)

        inline(p, False)
        listed = (ppr is not None and _numbered(ppr)) or self.styles.listed(pstyle)
        heading = self.styles.heading(pstyle) or _child(ppr, "outlineLvl") is not None
        return "".join(out), listed, heading

    def visible(self, rpr: Any | None, pstyle: str | None) -> bool:
        v = _on(_child(rpr, "vanish"))
        if v is None and rpr is not None and _child(rpr, "rStyle") is not None:
            v = self.styles.hidden(attr(_child(rpr, "rStyle"), "val"))
        if v is None:
            v = self.styles.hidden(pstyle)
        if self.styles.default_hidden if v is None else v:
            return False
        return not _invisible(rpr)

    def hidden_run(self, r: Any, pstyle: str | None, *, invisible: bool = True) -> bool:
        rpr = _child(r, "rPr")
        v = _on(_child(rpr, "vanish"))
        if v is None and rpr is not None and _child(rpr, "rStyle") is not None:
            v = self.styles.hidden(attr(_child(rpr, "rStyle"), "val"))
        if v is None:
            v = self.styles.hidden(pstyle)
        return bool(self.styles.default_hidden if v is None else v) or (invisible and _invisible(rpr))


def _unreadable(rpr: Any, shaded: bool) -> bool:
    """The extractor's invisible formatting: 1 pt, or white on nothing shaded."""
    sz = _child(rpr, "sz")
    size = attr(sz, "val") if sz is not None else None
    if size and size.isdigit() and int(size) <= MAX_INVISIBLE_HALF_POINTS:
        return True
    color = _child(rpr, "color")
    white = color is not None and (attr(color, "val") or "").lower() in ("ffffff", "white")
    return white and not (shaded or _filled(rpr) or _child(rpr, "highlight") is not None)


def _invisible(rpr: Any | None) -> bool:
    if rpr is None:
        return False
    sz = _child(rpr, "sz")
    size = attr(sz, "val") if sz is not None else None
    if size and size.isdigit() and int(size) <= MAX_INVISIBLE_HALF_POINTS:
        return True
    color = _child(rpr, "color")
    white = color is not None and (attr(color, "val") or "").lower() in ("ffffff", "white")
    return white and _child(rpr, "shd") is None and _child(rpr, "highlight") is None


def _text_boxes(p: Any) -> Iterator[Any]:
    def walk(el: Any) -> Iterator[Any]:
        for c in el:
            tag = local(c.tag)
            if tag == "txbxContent":
                yield c
            elif tag == "AlternateContent":
                b = _choose(c)
                if b is not None:
                    yield from walk(b)
            else:
                yield from walk(c)

    yield from walk(p)


def _children(el: Any, tag: str) -> Iterator[Any]:
    for c in el:
        name = local(c.tag)
        if name == tag:
            yield c
        elif name in ("sdt", "sdtContent", "customXml"):
            yield from _children(c, tag)


def replace_span(pieces: list[_Piece], start: int, end: int, new: str) -> None:
    """Replace visible characters [start, end) by ``new``, keeping each run's formatting: the
    replacement goes into the first w:t the span touches, the rest of the span is cut out."""
    placed = False
    for pc in pieces:
        a, b = max(start, pc.start), min(end, pc.start + len(pc.text))
        if a >= b or pc.el is None:
            continue
        s, e = a - pc.start, b - pc.start
        text = pc.el.text or ""
        ins = "" if placed else new
        placed = True
        pc.el.text = text[:s] + ins + text[e:]
        pc.el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


# --- tracked changes, comments, hidden runs ------------------------------------------------------


def _unwrap(el: Any) -> None:
    parent = el.getparent()
    idx = parent.index(el)
    for c in list(el):
        parent.insert(idx, c)
        idx += 1
    parent.remove(el)


def _remove(el: Any) -> None:
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)


def resolve_changes(root: Any, reject: bool) -> int:
    """Accept (keep insertions, drop deletions) or reject (the reverse) every tracked change."""
    n = 0
    keep, drop = (_DELETED, _INSERTED) if reject else (_INSERTED, _DELETED)
    for el in list(root.iter()):
        if el.getparent() is None and el is not root:
            continue  # already removed with an ancestor
        tag = local(el.tag)
        # Paragraph-mark and table-row revision marks live in a properties element.
        parent_tag = local(el.getparent().tag) if el.getparent() is not None else ""
        if tag in keep | drop and parent_tag in ("rPr", "trPr", "tcPr"):
            if tag in drop and parent_tag == "trPr":
                tr = el.getparent().getparent()
                if tr is not None and tr.getparent() is not None:
                    _remove(tr)
                    n += 1
                    continue
            _remove(el)
            n += 1
        elif tag in drop:
            _remove(el)
            n += 1
        elif tag in keep:
            _unwrap(el)
            n += 1
        elif tag in _PROP_CHANGES:
            if reject:
                old = next((c for c in el if local(c.tag) == local(el.getparent().tag)), None)
                props = el.getparent()
                if old is not None and props.getparent() is not None:
                    old_copy = old
                    old_copy.tag = props.tag
                    props.getparent().replace(props, old_copy)
                    n += 1
                    continue
            _remove(el)
            n += 1
        elif tag in _RANGE_MARKERS or tag in ("cellIns", "cellDel", "cellMerge"):
            _remove(el)
            n += 1
    if reject:
        for el in list(root.iter(f"{_W}delText", f"{_W}delInstrText")):
            el.tag = f"{_W}t" if local(el.tag) == "delText" else f"{_W}instrText"
    return n


def drop_comment_marks(root: Any) -> int:
    n = 0
    for el in list(root.iter()):
        tag = local(el.tag)
        if tag in ("commentRangeStart", "commentRangeEnd"):
            _remove(el)
            n += 1
        elif tag == "commentReference":
            run = el.getparent()
            if run is not None and local(run.tag) == "r":
                _remove(run)
            else:
                _remove(el)
            n += 1
    return n


def drop_hidden_runs(root: Any, walker: _Walker) -> int:
    n = 0
    for p in list(root.iter(f"{_W}p")):
        ppr = _child(p, "pPr")
        st = _child(ppr, "pStyle")
        pstyle = attr(st, "val") if st is not None else walker.styles.default_paragraph
        for r in list(p.iter(f"{_W}r")):
            if r.getparent() is None:
                continue
            has_text = any(local(c.tag) in ("t", "delText", "tab", "br") for c in r)
            if has_text and walker.hidden_run(r, pstyle):
                _remove(r)
                n += 1
    return n


# --- the writer -----------------------------------------------------------------------------------


class _Edit:
    """Shared plumbing for Word and PowerPoint: package, plan, summary."""

    def __init__(self, data: bytes, plan: Plan) -> None:
        self.pkg = Package(data)
        self.plan = plan
        self.removals: list[Removal] = []
        self.notes: list[str] = []

    def removed(self, action: Action | None, kind: ActionKind, description: str, count: int = 1) -> None:
        from clearance.model import Location

        loc = action.location if action is not None else Location()
        examples = (action.masked,) if action is not None and action.masked else ()
        self.removals.append(Removal(kind, loc, description, count, examples))

    def wants(self, *kinds: ActionKind, vis: tuple[Visibility, ...] = ()) -> list[Action]:
        return [a for a in self.plan.actions if a.kind in kinds or (vis and a.visibility in vis)]

    def treated(self, action: Action, text: str) -> str:
        """The replacement for ``text`` under the action's treatment ('' when removed)."""
        treatment = action.treatment or self.plan.options.treatment(action.entity)
        if not action.entity:
            return PLACEHOLDER
        try:
            new = treat(action.entity, text, treatment, self.plan.options)
        except CannotSanitize:
            raise
        if new is None:
            return PLACEHOLDER if treatment is not Treatment.REMOVE or text.strip() else ""
        return new

    def summary(self) -> Summary:
        return Summary(tuple(self.removals), tuple(self.notes))


def mask_text(
    edit: _Edit, action: Action, pieces: list[_Piece], spans: list[tuple[int, int]] | None = None
) -> bool:
    """Treat the action's spans (or ``spans``, or the whole visible text) of one paragraph."""
    visible = "".join(pc.text for pc in pieces)
    if not visible.strip():
        return False
    if spans is None:
        spans = [tuple(s) for s in getattr(action, "spans", ()) or ()]
    if not spans:
        spans = [(0, len(visible))]
        replace_span(pieces, 0, len(visible), PLACEHOLDER)
        return True
    for s, e in sorted(spans, reverse=True):
        replace_span(pieces, s, e, edit.treated(action, visible[s:e]))
    return True


# --- lists -----------------------------------------------------------------------------------------


@dataclass
class ListRows:
    """One list laid out as the extractor lays it out, by line index: ``header`` holds row 1 when
    the table has a header row (the heading line above a list, a pipe table's header line), and
    ``items[k]`` row ``top + k``; ``fields[k]`` are the cells the extractor made of that item."""

    header: int | None
    items: list[int]
    fields: list[list[str | None]]
    top: int

    def line_of(self, row: int) -> int:
        if row == 1 and self.header is not None:
            return self.header
        k = row - self.top
        if not 0 <= k < len(self.items):
            raise CannotSanitize(f"row {row} is not in the list")
        return self.items[k]


def lay_out_lists(lines: list[tuple[str, bool, bool]]) -> list[tuple[list[int], ListRows]]:
    """``text_lists.find_runs`` over the lines, as (item line indexes, rows) per list. Lists
    of a layout this writer does not know (other than a list or a pipe table) are left out:
    actions on them are refused."""
    out: list[tuple[list[int], ListRows]] = []
    for run in find_runs(lines, _LIST_CHUNK):
        if not run.tables:
            continue
        fields = [list(r) for t in run.tables for r in t.rows]
        first = run.tables[0]
        extra = len(run.lines) - len(fields)  # a pipe table's header and rule lines
        if first.role == "list" and extra == 0:
            header = run.heading if first.header is not None else None
        elif first.role == "markdown-table" and extra == 2:
            header = run.lines[0]
        else:
            continue
        if first.header is not None and header is None:
            continue
        rows = ListRows(header, run.lines[extra:], fields, 2 if first.header is not None else 1)
        out.append((run.lines, rows))
    return out


def range_rows_columns(rng: str | None, rows: ListRows) -> tuple[list[int], set[int] | None]:
    """The 1-based rows and columns an A1 range names (all data rows and columns when none)."""
    refs = re.findall(r"([A-Z]+)(\d+)", (rng or "").upper())
    if not refs:
        return list(range(rows.top, rows.top + len(rows.items))), None
    cols = [_col_index(c) for c, _ in refs]
    nums = [int(r) for _, r in refs]
    return list(range(min(nums), max(nums) + 1)), set(range(min(cols), max(cols) + 1))


def field_spans(text: str, fields: list[str | None], cols: set[int] | None) -> list[tuple[int, int]] | None:
    """Where the chosen columns' cells lie in an item's visible text, or None: treat the whole
    paragraph. Over-removal is safe, so None whenever exactness is in doubt: one field, every
    field chosen, a chosen cell that is empty (an item that did not split like the others keeps
    its whole text in column A), a column past the item's fields, or fields that cannot be
    found again in order with nothing but a marker before them and separators between them."""
    width = len(fields)
    if cols is None or width <= 1 or all(j + 1 in cols for j in range(width)) or max(cols) > width:
        return None
    flat = text.replace("\r", " ").replace("\n", " ")
    spans: dict[int, tuple[int, int]] = {}
    at = 0
    for j, f in enumerate(fields):
        if f is None:
            if j + 1 in cols:
                return None
            continue
        i = flat.find(f, at)
        gap = flat[at:i]
        if i < 0 or (re.search(r"[^\W\d_]", gap) if not spans else re.search(r"\w", gap)):
            return None
        spans[j] = (i, i + len(f))
        at = i + len(f)
    if flat[at:].strip():
        return None
    return [spans[j - 1] for j in sorted(cols) if j - 1 in spans]


class ListEdits:
    """Treatments of list paragraphs, gathered first and applied together per paragraph, so
    that two columns of one item (names, then phones) are cut at the offsets the scan read."""

    def __init__(self) -> None:
        self.todo: dict[Any, list[tuple[Action, tuple[int, int] | None]]] = {}

    def add(self, p: Any, action: Action, spans: list[tuple[int, int]] | None) -> None:
        wanted = self.todo.setdefault(p, [])
        if spans is None:
            wanted.append((action, None))
        else:
            wanted.extend((action, sp) for sp in spans)

    def apply(self, edit: _Edit, pieces_of: Any) -> dict[Action, int]:
        """Treat every gathered paragraph; how many paragraphs each action changed."""
        done: dict[Action, int] = {}
        for p, wanted in self.todo.items():
            pieces = pieces_of(p)
            whole = [a for a, sp in wanted if sp is None]
            if whole:
                if mask_text(edit, whole[0], pieces):
                    for a in dict.fromkeys(a for a, _ in wanted):
                        done[a] = done.get(a, 0) + 1
                continue
            merged: list[tuple[int, int, Action, bool]] = []  # start, end, action, overlapped
            for a, sp in sorted(wanted, key=lambda w: w[1] or (0, 0)):
                assert sp is not None
                if merged and sp[0] < merged[-1][1]:  # cells of two actions overlap: removed
                    s0, e0, a0, _ = merged[-1]
                    merged[-1] = (s0, max(e0, sp[1]), a0, True)
                else:
                    merged.append((sp[0], sp[1], a, False))
            visible = "".join(pc.text for pc in pieces)
            for s0, e0, a, overlapped in reversed(merged):
                if not visible[s0:e0].strip():
                    continue
                new = PLACEHOLDER if overlapped else edit.treated(a, visible[s0:e0])
                replace_span(pieces, s0, e0, new)
                done[a] = done.get(a, 0) + 1
        return done


def _part_of(action: Action, default: str) -> str:
    return action.location.part or default


class DocxSanitizer:
    media_types: ClassVar[tuple[str, ...]] = (formats.DOCX,)

    def sanitize(self, data: BinaryIO, plan: Plan, out: BinaryIO) -> Summary:
        edit = _Edit(data.read(), plan)
        pkg = edit.pkg
        main = next((t for t in pkg.related("", "officeDocument")), "word/document.xml")
        if not pkg.has(main):
            raise CannotSanitize("not a Word document (no main part)")
        folder = posixpath.dirname(main)
        styles_parts = pkg.related(main, "styles")
        styles = _Styles(pkg.xml(styles_parts[0]) if styles_parts else None)
        word_parts = [n for n in pkg.names() if _WORD_XML.match(n) or n == main]

        # 1. visible text, on the original trees (offsets are the scan's); lists are laid out
        # before any paragraph changes (a redacted heading would no longer head its list)
        shaded = _child(pkg.xml(main), "background") is not None
        self._lists: dict[str, dict[tuple[int, int], tuple[ListRows, list[Any]]]] = {}
        for a in plan.actions:
            if _LIST_FIELD.fullmatch(a.location.field or ""):
                part = _part_of(a, main)
                if part not in self._lists and pkg.has(part) and part.endswith(".xml"):
                    self._lists[part] = _part_lists(pkg.xml(part), styles, shaded)
        self._list_edits = ListEdits()
        for a in plan.actions:
            if a.kind not in (
                ActionKind.REDACT_TEXT,
                ActionKind.MASK_CELLS,
                ActionKind.CLEAR_CELLS,
                ActionKind.PSEUDONYMISE,
                ActionKind.GENERALISE,
            ):
                continue
            if a.visibility is not Visibility.VISIBLE or (a.location.field or "").endswith(")"):
                continue  # hidden copies go with their hiding place below
            part = _part_of(a, main)
            if not pkg.has(part) or not part.endswith(".xml"):
                continue
            self._text_action(edit, a, part, styles)
        walker = _Walker(styles)
        done = self._list_edits.apply(edit, walker.pieces)
        for a, n in done.items():
            edit.removed(a, a.kind, f"personal data treated in {_part_of(a, main)} {a.location.field}", n)

        reject = bool(plan.of(ActionKind.REJECT_CHANGES)) or (
            plan.options.tracked_changes == "reject"
        )
        drop_comments = bool(
            edit.wants(ActionKind.DROP_COMMENTS, vis=(Visibility.COMMENT,))
            or any(_COMMENT_PARTS.match(a.location.part or "") for a in plan.actions)
        )
        hidden = bool(edit.wants(vis=(Visibility.HIDDEN_TEXT, Visibility.INVISIBLE_FORMAT)))
        hidden = hidden or any(
            a.kind is ActionKind.DROP_ELEMENT and a.location.part in word_parts for a in plan.actions
        )
        alt_parts = {
            _part_of(a, main) for a in edit.wants(ActionKind.DROP_ALT_TEXT, vis=(Visibility.ALT_TEXT,))
        }

        # 2. comments
        if drop_comments:
            dropped = pkg.drop_matching(lambda n: bool(_COMMENT_PARTS.match(n)))
            marks = sum(drop_comment_marks(pkg.xml(n)) for n in word_parts if pkg.has(n))
            if dropped or marks:
                edit.removed(
                    None, ActionKind.DROP_COMMENTS, f"comments removed ({len(dropped)} parts)", marks
                )
            word_parts = [n for n in word_parts if pkg.has(n)]

        # 3. hidden runs, 4. tracked changes, 5. alt text
        for name in word_parts:
            root = pkg.xml(name)
            if hidden:
                n = drop_hidden_runs(root, _Walker(styles))
                if n:
                    edit.removed(None, ActionKind.DROP_ELEMENT, f"hidden text runs removed from {name}", n)
            n = resolve_changes(root, reject)
            if n:
                kind = ActionKind.REJECT_CHANGES if reject else ActionKind.ACCEPT_CHANGES
                edit.removed(
                    None, kind, f"tracked changes {'rejected' if reject else 'accepted'} in {name}", n
                )
            if name in alt_parts or (alt_parts and None in alt_parts):
                n = opc_edit.clear_alt_text(root)
                if n:
                    edit.removed(None, ActionKind.DROP_ALT_TEXT, f"alt text cleared in {name}", n)

        # 6. package-wide parts
        ooxml_package_actions(edit, folder)
        settings = pkg.related(main, "settings")
        if settings and edit.wants(ActionKind.DROP_METADATA):
            root = pkg.xml(settings[0])
            for el in list(root):
                if local(el.tag) in ("docVars", "rsids", "attachedTemplate"):
                    root.remove(el)
        out.write(pkg.save())
        return edit.summary()

    def _text_action(self, edit: _Edit, a: Action, part: str, styles: _Styles) -> None:
        walker = _Walker(styles)
        root = edit.pkg.xml(part)
        walker.blocks(root)
        field = (a.location.field or "").replace(" alt text", "")
        m = _LIST_FIELD.fullmatch(a.location.field or "")
        if m:
            self._list_action(a, part, (int(m.group(1)), int(m.group(2))))
            return
        if field.startswith("relationship "):
            self._unlink(edit, part, field.split(" ", 1)[1], a)
            return
        m = _PARA_FIELD.search(field)
        if m and not field.endswith(")"):
            p = walker.paragraphs.get(int(m.group(1)))
            if p is None:
                raise CannotSanitize(f"{part}: {field} not found")
            if mask_text(edit, a, walker.pieces(p)):
                edit.removed(a, a.kind, f"personal data treated in {part} {field}", max(a.count, 1))
            return
        m = _TABLE_FIELD.search(field)
        if m:
            tbl = walker.tables.get(int(m.group(1)))
            if tbl is None:
                raise CannotSanitize(f"{part}: {field} not found")
            cells = _table_cells(tbl, m, a.location.range)
            n = 0
            for tc in cells:
                for p in tc.iter(f"{_W}p"):
                    n += mask_text(edit, a, walker.pieces(p))
            if n:
                edit.removed(a, a.kind, f"personal data treated in {part} {field}", n)
            return
        raise CannotSanitize(f"{part}: cannot place '{field or 'text'}'")

    def _list_action(self, a: Action, part: str, span: tuple[int, int]) -> None:
        """Rows of a list table back to its paragraphs (see the module docstring). With several
        columns and a range over some of them, only those cells are treated when they can be
        found again in the paragraph's text; otherwise the whole paragraph (over-removal is safe)."""
        found = self._lists.get(part, {}).get(span)
        if found is None:
            raise CannotSanitize(f"{part}: cannot place '{a.location.field}' (the list is not found again)")
        rows, paras = found
        numbers, cols = range_rows_columns(a.location.range, rows)
        for r in numbers:
            line = rows.line_of(r)
            p, text, same = paras[line]
            k = r - rows.top
            exact = same and line != rows.header and 0 <= k < len(rows.fields)
            spans = field_spans(text, rows.fields[k], cols) if exact else None
            self._list_edits.add(p, a, spans)

    @staticmethod
    def _unlink(edit: _Edit, part: str, rid: str, a: Action) -> None:
        """A hyperlink target (mailto: a person): the link goes, its displayed text stays."""
        pkg = edit.pkg
        root = pkg.xml(part)
        for el in list(root.iter(f"{_W}hyperlink")):
            if any(el.get(k) == rid for k in opc_edit.rel_attrs(el)):
                _unwrap(el)
        for r in pkg.rels(part):
            if attr(r, "Id") == rid:
                pkg.unlink(part, r)
                edit.removed(a, ActionKind.DROP_EXTERNAL_LINKS, f"hyperlink target removed in {part}")


def _in_cell(p: Any) -> bool:
    node = p.getparent()
    while node is not None:
        tag = local(node.tag)
        if tag == "tc":
            return True
        if tag == "txbxContent":
            return False
        node = node.getparent()
    return False


def _part_lists(
    root: Any, styles: _Styles, shaded_page: bool
) -> dict[tuple[int, int], tuple[ListRows, list[tuple[Any, str, bool]]]]:
    """Every list of one part by its (first, last) item paragraph numbers, with per line the
    paragraph, its text as the extractor read it, and whether that is also the text this writer
    edits (only then are single cells cut out of it).

    The extractor looks for lists among consecutive sibling paragraphs outside table cells (a
    table, a text box or any other element between them starts a new group), in windows of
    ``MAX_LIST_WINDOW``; text-box paragraphs are numbered after their anchor but grouped apart.
    """
    walker = _Walker(styles)
    walker.blocks(root)
    number = {p: n for n, p in walker.paragraphs.items()}
    windows: list[list[Any]] = []
    window_of: dict[Any, list[Any]] = {}
    for n in sorted(walker.paragraphs):
        p = walker.paragraphs[n]
        if _in_cell(p):
            continue
        prev = p.getprevious()
        win = window_of.get(prev) if prev is not None else None
        if win is None or len(win) >= MAX_LIST_WINDOW:
            win = []
            windows.append(win)
        win.append(p)
        window_of[p] = win
    out: dict[tuple[int, int], tuple[ListRows, list[tuple[Any, str, bool]]]] = {}
    for win in windows:
        read = [walker.reader_text(p, shaded_page) for p in win]
        lines = [(t if t.strip() else "", listed, heading) for t, listed, heading in read]
        laid = lay_out_lists(lines)
        if not laid:
            continue
        paras = [
            (p, t, t == "".join(pc.text for pc in walker.pieces(p)))
            for p, (t, _, _) in zip(win, read, strict=True)
        ]
        for item_lines, rows in laid:
            out[(number[win[item_lines[0]]], number[win[item_lines[-1]]])] = (rows, paras)
    return out


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _table_cells(tbl: Any, m: re.Match[str], rng: str | None) -> list[Any]:
    """Cells named by 'table t row i column j' or by an A1 range over the table grid."""
    grid: list[list[Any]] = []
    for tr in _children(tbl, "tr"):
        row: list[Any] = []
        for tc in _children(tr, "tc"):
            span = _child(_child(tc, "tcPr"), "gridSpan")
            row.extend([tc] * max(1, int(attr(span, "val") or 1) if span is not None else 1))
        grid.append(row)
    if m.group(2):
        i, j = int(m.group(2)), int(m.group(3))
        return [grid[i - 1][j - 1]] if i <= len(grid) and j <= len(grid[i - 1]) else []
    if not rng:
        return [tc for row in grid for tc in row]
    refs = re.findall(r"([A-Z]+)(\d+)", rng.upper())
    if not refs:
        return []
    cols = [_col_index(c) for c, _ in refs]
    rows = [int(r) for _, r in refs]
    out: list[Any] = []
    for i in range(min(rows), max(rows) + 1):
        for j in range(min(cols), max(cols) + 1):
            if i <= len(grid) and j <= len(grid[i - 1]) and grid[i - 1][j - 1] not in out:
                out.append(grid[i - 1][j - 1])
    return out


def ooxml_package_actions(edit: _Edit, folder: str) -> None:
    """Properties, custom XML, embedded objects, macros, external links: same in Word and
    PowerPoint."""
    pkg, plan = edit.pkg, edit.plan
    meta = [a for a in plan.actions if (a.location.part or "").lower().startswith("docprops/")]
    meta += plan.of(ActionKind.DROP_METADATA)
    if meta:
        # Every personal field goes, not only the ones found: a property is never worth the risk.
        n = opc_edit.strip_properties(pkg, None)
        if n:
            edit.removed(meta[0], ActionKind.DROP_METADATA, "document properties cleared", n)
    if any((a.location.part or "").lower().startswith("customxml/") for a in plan.actions):
        n = opc_edit.drop_custom_xml(pkg)
        if n:
            edit.removed(None, ActionKind.DROP_METADATA, "custom XML data stores removed", n)
    embedded = edit.wants(ActionKind.DROP_EMBEDDED, vis=(Visibility.EMBEDDED_FILE,))
    embedded += [a for a in plan.actions if "/embeddings/" in (a.location.part or "")]
    embedded += [a for a in plan.actions if any("/embeddings/" in m for m in a.location.members)]
    if embedded:
        named = {a.location.part for a in embedded} | {m for a in embedded for m in a.location.members}
        candidates = [n for n in pkg.names() if n.lower().startswith(f"{folder}/embeddings/".lower())]
        chosen = [n for n in candidates if n in named] or candidates
        for n in chosen:
            pkg.drop(n)
        if chosen:
            edit.removed(
                embedded[0],
                ActionKind.DROP_EMBEDDED,
                f"{len(chosen)} embedded object(s) removed",
                len(chosen),
            )
    if plan.of(ActionKind.DROP_MACROS):
        dropped = pkg.drop_matching(lambda n: n.lower().endswith(("vbaproject.bin", "vbadata.xml")))
        if dropped:
            edit.removed(None, ActionKind.DROP_MACROS, "macros removed", len(dropped))
    if plan.of(ActionKind.DROP_EXTERNAL_LINKS) or any(
        a.visibility is Visibility.EXTERNAL_LINK for a in plan.actions
    ):
        n = 0
        for rels_name in list(pkg.rel_sources()):
            source = Package.source_of(rels_name)
            for r in pkg.rels(source):
                typ = (attr(r, "Type") or "").rsplit("/", 1)[-1]
                if attr(r, "TargetMode") == "External" and typ != "hyperlink":
                    pkg.unlink(source, r)
                    n += 1
        if n:
            edit.removed(None, ActionKind.DROP_EXTERNAL_LINKS, "external links removed", n)


SANITIZERS = (DocxSanitizer,)
