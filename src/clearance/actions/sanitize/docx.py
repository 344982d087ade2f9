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
MAX_INVISIBLE_HALF_POINTS = 2  # as the extractor: 1 pt text is invisible


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
    """Which styles hide their text (w:vanish through w:basedOn)."""

    def __init__(self, root: Any | None) -> None:
        self.vanish: dict[str, bool | None] = {}
        self.based: dict[str, str | None] = {}
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
                        elif lt in ("tab", "ptab", "br", "cr", "noBreakHyphen"):
                            out.append(_Piece(None, pos, " "))
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

    def visible(self, rpr: Any | None, pstyle: str | None) -> bool:
        v = _on(_child(rpr, "vanish"))
        if v is None and rpr is not None and _child(rpr, "rStyle") is not None:
            v = self.styles.hidden(attr(_child(rpr, "rStyle"), "val"))
        if v is None:
            v = self.styles.hidden(pstyle)
        if self.styles.default_hidden if v is None else v:
            return False
        return not _invisible(rpr)

    def hidden_run(self, r: Any, pstyle: str | None) -> bool:
        rpr = _child(r, "rPr")
        v = _on(_child(rpr, "vanish"))
        if v is None and rpr is not None and _child(rpr, "rStyle") is not None:
            v = self.styles.hidden(attr(_child(rpr, "rStyle"), "val"))
        if v is None:
            v = self.styles.hidden(pstyle)
        return bool(self.styles.default_hidden if v is None else v) or _invisible(rpr)


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


def mask_text(edit: _Edit, action: Action, pieces: list[_Piece]) -> bool:
    """Treat the action's spans (or the whole visible text) of one paragraph."""
    visible = "".join(pc.text for pc in pieces)
    if not visible.strip():
        return False
    spans = [tuple(s) for s in getattr(action, "spans", ()) or ()]
    if not spans:
        spans = [(0, len(visible))]
        replace_span(pieces, 0, len(visible), PLACEHOLDER)
        return True
    for s, e in sorted(spans, reverse=True):
        replace_span(pieces, s, e, edit.treated(action, visible[s:e]))
    return True


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

        # 1. visible text, on the original trees (offsets are the scan's)
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
