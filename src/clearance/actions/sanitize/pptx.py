"""PowerPoint (.pptx) writer: speaker notes, comments (legacy and modern, with their author
lists), hidden slides (removed entirely), hidden shapes, alt text, properties, custom XML,
embedded objects, and personal data in visible text, per the plan.

Slides are numbered as the extractor numbers them: presentation order, then slide parts the
presentation no longer lists (those are always hidden and are removed with the hidden slides).
Paragraph locations are "slide N shape S paragraph K"; tables "slide N table S" + range.

Lists ("slide N shape S list, paragraphs a-b" + an A1 range over the list's table) are placed
by laying the shape's paragraphs out again as the extractor does (paragraph text, bullet hint,
the slide title as a heading line above a frame that is not itself the title,
``text_lists.find_runs``): row 1 is the header when the table has one (the slide title, treated
as prose of its own shape, or a heading paragraph of the frame), data row r is the
(r - top + 1)-th item paragraph, top being 2 with a header and 1 without; blank paragraphs
between items are not items. A list that is not found again is refused.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO, ClassVar

from clearance import formats
from clearance.actions.sanitize import opc_edit
from clearance.actions.sanitize.base import Action, ActionKind, CannotSanitize, Plan, Summary
from clearance.actions.sanitize.docx import (
    PLACEHOLDER,
    ListEdits,
    ListRows,
    _col_index,
    _Edit,
    _Piece,
    field_spans,
    lay_out_lists,
    mask_text,
    ooxml_package_actions,
    range_rows_columns,
)
from clearance.actions.sanitize.opc_edit import R_NS, attr, local
from clearance.model import Visibility

_SLIDE = re.compile(r"^ppt/slides/slide\d+\.xml$", re.I)
_NOTES = re.compile(r"^ppt/notesslides/notesslide\d+\.xml$", re.I)
_COMMENTS = re.compile(r"^ppt/comments/[^/]+\.xml$", re.I)
_AUTHORS = frozenset({"ppt/commentauthors.xml", "ppt/authors.xml"})
_SHAPE_PARA = re.compile(r"slide (\d+) shape (\S+) paragraph (\d+)$")
_SHAPE_TABLE = re.compile(r"slide (\d+) table (\S+)$")
_SHAPE_LIST = re.compile(r"slide (\d+) shape (\S+) list, paragraphs (\d+)-(\d+)$")
_TITLES = frozenset({"title", "ctrTitle"})
_BULLETED = frozenset({"body", "obj"})  # placeholders the master bullets unless a:buNone
MIN_LIST_PARAGRAPHS = 3  # as the extractor: a frame of fewer paragraphs holds no list
_SHAPES = frozenset({"sp", "pic", "graphicFrame", "cxnSp", "grpSp", "contentPart"})

__all__ = ["PLACEHOLDER", "PptxSanitizer"]


def _true(v: str | None) -> bool:
    return v is not None and v.lower() in ("1", "true", "on")


def _cnvpr(shape: Any) -> Any | None:
    for nv in shape:
        if local(nv.tag).startswith("nv"):
            return next((c for c in nv if local(c.tag) == "cNvPr"), None)
    return None


def _placeholder(shape: Any) -> str | None:
    """The shape's placeholder type ("body" when a p:ph names none), as the extractor reads it."""
    for nv in shape:
        if local(nv.tag).startswith("nv"):
            nvpr = next((c for c in nv if local(c.tag) == "nvPr"), None)
            ph = next((c for c in nvpr if local(c.tag) == "ph"), None) if nvpr is not None else None
            return (attr(ph, "type") or "body") if ph is not None else None
    return None


def _bulleted(p: Any, ph: str | None) -> bool:
    ppr = next((c for c in p if local(c.tag) == "pPr"), None)
    if ppr is not None:
        kids = {local(c.tag) for c in ppr}
        if "buNone" in kids:
            return False
        if "buChar" in kids or "buAutoNum" in kids:
            return True
    return ph in _BULLETED


def _title(root: Any) -> str | None:
    """The slide title as the extractor reads it: the first title placeholder with text."""
    tree = next((e for e in root.iter() if local(e.tag) == "spTree"), None)
    for shape in tree.iter() if tree is not None else ():
        if local(shape.tag) == "sp" and _placeholder(shape) in _TITLES:
            body = next((c for c in shape if local(c.tag) == "txBody"), None)
            paras = [p for p in body if local(p.tag) == "p"] if body is not None else []
            texts = ["".join(pc.text for pc in _pieces(p)) for p in paras]
            text = " ".join(t for t in texts if t.strip())
            if text.strip():
                return text.strip()
    return None


def _pieces(p: Any) -> list[_Piece]:
    """Visible text of an a:p as the extractor reads it: runs and fields, a:br as one char."""
    out: list[_Piece] = []
    pos = 0
    for el in p:
        tag = local(el.tag)
        if tag in ("r", "fld"):
            t = next((c for c in el if local(c.tag) == "t"), None)
            if t is not None and t.text:
                out.append(_Piece(t, pos, t.text))
                pos += len(t.text)
        elif tag == "br":
            out.append(_Piece(None, pos, "\n"))
            pos += 1
    return out


class PptxSanitizer:
    media_types: ClassVar[tuple[str, ...]] = (formats.PPTX,)

    def sanitize(self, data: BinaryIO, plan: Plan, out: BinaryIO) -> Summary:
        edit = _Edit(data.read(), plan)
        pkg = edit.pkg
        main = next(iter(pkg.related("", "officeDocument")), "ppt/presentation.xml")
        if not pkg.has(main):
            raise CannotSanitize("not a PowerPoint presentation (no main part)")
        pres = pkg.xml(main)
        rels = {attr(r, "Id"): pkg.target(main, r) for r in pkg.rels(main)}
        slides: list[str] = []
        for el in pres.iter():
            if local(el.tag) == "sldId":
                t = rels.get(el.get(f"{{{R_NS}}}id"))
                if t and pkg.has(t) and t not in slides:
                    slides.append(t)
        listed = set(slides)
        orphans = [n for n in pkg.names() if _SLIDE.match(n) and n not in listed]

        # 1. visible text (before any slide goes, so slide numbers are the scan's); list
        # paragraphs are gathered and treated together, per paragraph, after the others
        self._list_edits = ListEdits()
        self._layouts: dict[tuple[str, str], dict[tuple[int, int], tuple[ListRows, list[Any], int]]] = {}
        for a in plan.actions:  # lists laid out on the slides as read, before any text changes
            m = _SHAPE_LIST.fullmatch(a.location.field or "")
            if m:
                part, shape = self._place(edit, a, m, [*slides, *orphans])
                if (part, m.group(2)) not in self._layouts:
                    self._layouts[(part, m.group(2))] = _frame_lists(pkg.xml(part), shape)
        for a in plan.actions:
            if a.kind in (
                ActionKind.REDACT_TEXT,
                ActionKind.MASK_CELLS,
                ActionKind.CLEAR_CELLS,
                ActionKind.PSEUDONYMISE,
                ActionKind.GENERALISE,
            ) and a.visibility in (
                Visibility.VISIBLE,
                Visibility.HIDDEN_TEXT,
            ):
                self._text(edit, a, [*slides, *orphans])
        for a, n in self._list_edits.apply(edit, _pieces).items():
            edit.removed(a, a.kind, f"personal data treated in {a.location.part or ''} {a.location.field}", n)

        # 2. hidden slides (and slide parts no longer listed)
        if edit.wants(vis=(Visibility.HIDDEN_SLIDE,)) or any(
            a.kind is ActionKind.DROP_ELEMENT and _SLIDE.match(a.location.part or "") for a in plan.actions
        ):
            hidden = [s for s in slides if attr(pkg.xml(s), "show") in ("0", "false")] + orphans
            for s in hidden:
                for notes in pkg.related(s, "notesSlide"):
                    pkg.drop(notes)
                for c in [t for t in pkg.related(s, "comments") + pkg.related(s, "modernComment")]:
                    pkg.drop(c)
                pkg.drop(s)  # also removes its p:sldId (it points through the dropped relationship)
            if hidden:
                edit.removed(
                    None, ActionKind.DROP_ELEMENT, f"{len(hidden)} hidden slide(s) removed", len(hidden)
                )

        # 3. speaker notes
        if edit.wants(ActionKind.DROP_NOTES, vis=(Visibility.SPEAKER_NOTES,)) or any(
            _NOTES.match(a.location.part or "") for a in plan.actions
        ):
            dropped = pkg.drop_matching(lambda n: bool(_NOTES.match(n)))
            if dropped:
                edit.removed(
                    None, ActionKind.DROP_NOTES, f"speaker notes removed ({len(dropped)} pages)", len(dropped)
                )

        # 4. comments and their authors
        if edit.wants(ActionKind.DROP_COMMENTS, vis=(Visibility.COMMENT,)) or any(
            _COMMENTS.match(a.location.part or "") or (a.location.part or "").lower() in _AUTHORS
            for a in plan.actions
        ):
            dropped = pkg.drop_matching(lambda n: bool(_COMMENTS.match(n)) or n.lower() in _AUTHORS)
            if dropped:
                edit.removed(
                    None, ActionKind.DROP_COMMENTS, f"comments removed ({len(dropped)} parts)", len(dropped)
                )

        # 5. hidden shapes, alt text
        drop_hidden_shapes = bool(edit.wants(vis=(Visibility.HIDDEN_TEXT,)))
        alt = bool(edit.wants(ActionKind.DROP_ALT_TEXT, vis=(Visibility.ALT_TEXT,)))
        for s in [n for n in pkg.names() if _SLIDE.match(n)]:
            root = pkg.xml(s)
            if drop_hidden_shapes:
                n = 0
                for shape in list(root.iter()):
                    if local(shape.tag) in _SHAPES and shape.getparent() is not None:
                        c = _cnvpr(shape)
                        if c is not None and _true(attr(c, "hidden")):
                            shape.getparent().remove(shape)
                            n += 1
                if n:
                    edit.removed(None, ActionKind.DROP_ELEMENT, f"hidden shapes removed from {s}", n)
            if alt:
                n = opc_edit.clear_alt_text(root)
                if n:
                    edit.removed(None, ActionKind.DROP_ALT_TEXT, f"alt text cleared in {s}", n)

        ooxml_package_actions(edit, "ppt")
        out.write(pkg.save())
        return edit.summary()

    def _text(self, edit: _Edit, a: Action, slides: list[str]) -> None:
        field = a.location.field or ""
        m = _SHAPE_LIST.fullmatch(field) or _SHAPE_PARA.search(field) or _SHAPE_TABLE.search(field)
        if not m:
            raise CannotSanitize(f"cannot place '{field or 'text'}' in a presentation")
        part, shape = self._place(edit, a, m, slides)
        done = 0
        if m.re is _SHAPE_LIST:
            self._list(a, self._layouts.get((part, m.group(2)), {}), (int(m.group(3)), int(m.group(4))))
            return
        if m.re is _SHAPE_PARA:
            body = next((c for c in shape if local(c.tag) == "txBody"), None)
            paras = [p for p in body if local(p.tag) == "p"] if body is not None else []
            k = int(m.group(3))
            if k > len(paras):
                raise CannotSanitize(f"{part}: {field} not found")
            done += mask_text(edit, a, _pieces(paras[k - 1]))
        else:
            for tc in _table_cells(shape, a.location.range):
                for p in (e for e in tc.iter() if local(e.tag) == "p"):
                    done += mask_text(edit, a, _pieces(p))
        if done:
            edit.removed(a, a.kind, f"personal data treated in {part} {field}", max(a.count, done))

    @staticmethod
    def _place(edit: _Edit, a: Action, m: re.Match[str], slides: list[str]) -> tuple[str, Any]:
        """(slide part, shape element) named by a location."""
        n = int(m.group(1))
        part = a.location.part or (slides[n - 1] if 0 < n <= len(slides) else "")
        if not edit.pkg.has(part):
            raise CannotSanitize(f"slide {n} not found")
        shape = PptxSanitizer._shape(edit.pkg.xml(part), m.group(2))
        if shape is None:
            raise CannotSanitize(f"{part}: shape {m.group(2)} not found")
        return part, shape

    def _list(
        self, a: Action, lists: dict[tuple[int, int], tuple[ListRows, list[Any], int]], span: tuple[int, int]
    ) -> None:
        """Rows of a list table back to the shape's paragraphs (module docstring). With several
        columns and a range over some of them, only those cells are treated when they can be
        found again in the paragraph's text; otherwise the whole paragraph (over-removal is
        safe). Lists were laid out on the slide as read; their paragraphs change once all are
        placed."""
        found = lists.get(span)
        if found is None:
            raise CannotSanitize(f"cannot place '{a.location.field}' (the list is not found again)")
        rows, paras, shift = found
        numbers, cols = range_rows_columns(a.location.range, rows)
        for r in numbers:
            line = rows.line_of(r)
            if line < shift:
                continue  # the slide title heads the list: it is prose of its own shape
            p = paras[line - shift]
            k = r - rows.top
            exact = line != rows.header and 0 <= k < len(rows.fields)
            text = "".join(pc.text for pc in _pieces(p))
            self._list_edits.add(p, a, field_spans(text, rows.fields[k], cols) if exact else None)

    @staticmethod
    def _shape(root: Any, sid: str) -> Any | None:
        for el in root.iter():
            if local(el.tag) in _SHAPES:
                c = _cnvpr(el)
                if c is not None and attr(c, "id") == sid:
                    return el
        return None


def _frame_lists(root: Any, shape: Any) -> dict[tuple[int, int], tuple[ListRows, list[Any], int]]:
    """The lists of one text frame by their (first, last) paragraph numbers, as the extractor
    finds them, with the frame's paragraphs and how many heading lines (the slide title) come
    before the first paragraph."""
    body = next((c for c in shape if local(c.tag) == "txBody"), None)
    paras = [p for p in body if local(p.tag) == "p"] if body is not None else []
    if len(paras) < MIN_LIST_PARAGRAPHS:
        return {}
    ph = _placeholder(shape)
    lines = []
    for p in paras:
        text = "".join(pc.text for pc in _pieces(p))
        lines.append((text if text.strip() else "", _bulleted(p, ph), False))
    title = _title(root)
    shift = 1 if title and ph not in _TITLES else 0
    if shift:
        lines.insert(0, (title or "", False, True))
    out: dict[tuple[int, int], tuple[ListRows, list[Any], int]] = {}
    for item_lines, rows in lay_out_lists(lines):
        idx = [i - shift for i in item_lines if i >= shift]
        if idx:
            out[(idx[0] + 1, idx[-1] + 1)] = (rows, paras, shift)
    return out


def _table_cells(frame: Any, rng: str | None) -> list[Any]:
    tbl = next((e for e in frame.iter() if local(e.tag) == "tbl"), None)
    if tbl is None:
        return []
    grid = [[tc for tc in tr if local(tc.tag) == "tc"] for tr in tbl if local(tr.tag) == "tr"]
    refs = re.findall(r"([A-Z]+)(\d+)", (rng or "").upper())
    if not refs:
        return [tc for row in grid for tc in row]
    cols = [_col_index(c) for c, _ in refs]
    rows = [int(r) for _, r in refs]
    return [
        grid[i - 1][j - 1]
        for i in range(min(rows), max(rows) + 1)
        for j in range(min(cols), max(cols) + 1)
        if i <= len(grid) and j <= len(grid[i - 1])
    ]


SANITIZERS = (PptxSanitizer,)
