"""PowerPoint 2007+ presentations (.pptx): slides in presentation order and what a viewer misses.

Each slide's text frames become one Segment per paragraph, tables (``a:tbl``) become ``Table``
objects; a slide with ``show="0"`` (and a slide part the presentation no longer lists) gives
``hidden-slide``, a shape with ``hidden="1"`` gives ``hidden-text``. Speaker notes, legacy and
modern comments with their authors, alt text, properties, embedded files (including the
workbooks behind charts, which often hold a chart's full source data) are read too.

Paragraphs of one text frame that form a list (bulleted, or short lines of one shape under the
slide title: ``text_lists``) become one one-column ``Table`` (role "list") instead.

Chart caches give their category labels and series names (numbers are left to the embedded
workbook); SmartArt text comes from its data part.

Not read: slide layouts and masters (mostly placeholder prompts), shapes placed off the slide
(read as visible), VBA source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from clearance import formats
from clearance.extractors import ooxml_common as common
from clearance.extractors.ooxml_common import attr, child
from clearance.extractors.text_lists import find_runs
from clearance.extractors.xlsx_package import Package
from clearance.extractors.xlsx_tables import grid_tables
from clearance.model import Document, Extracted, Location, Segment, Visibility
from clearance.plugins import ExtractContext
from clearance.safety import local

_MAIN = "ppt/presentation.xml"
_WHAT = "PowerPoint presentation"
_SLIDE = re.compile(r"^ppt/slides/slide\d+\.xml$", re.I)
_NOTES = re.compile(r"^ppt/notesslides/notesslide\d+\.xml$", re.I)
_COMMENTS = re.compile(r"^ppt/comments/[^/]+\.xml$", re.I)
_TITLES = frozenset({"title", "ctrTitle"})
# Placeholders in a notes page that hold no typed text: the slide picture and its number.
_NOTES_SKIP = frozenset({"sldImg", "sldNum"})
_SHAPES = frozenset({"sp", "pic", "graphicFrame", "cxnSp", "grpSp", "contentPart"})


def _true(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "on")


def paragraph_text(p: Any) -> str:
    """Text of an ``a:p``: runs and fields in order, ``a:br`` as a newline."""
    out: list[str] = []
    for el in p:
        tag = local(el.tag)
        if tag in ("r", "fld"):
            t = child(el, "t")
            if t is not None and t.text:
                out.append(t.text)
        elif tag == "br":
            out.append("\n")
    return "".join(out)


def body_paragraphs(body: Any) -> list[str]:
    return [paragraph_text(p) for p in body if local(p.tag) == "p"]


# Placeholders whose paragraphs the slide master bullets unless a paragraph says a:buNone.
_BULLETED = frozenset({"body", "obj"})


def _bulleted(p: Any, ph: str | None) -> bool:
    """Whether a paragraph shows a bullet or number: its own a:buChar / a:buAutoNum, or a body
    placeholder's default."""
    ppr = child(p, "pPr")
    if ppr is not None:
        if child(ppr, "buNone") is not None:
            return False
        if child(ppr, "buChar") is not None or child(ppr, "buAutoNum") is not None:
            return True
    return ph in _BULLETED


def _nv(shape: Any) -> tuple[Any | None, str | None]:
    """(cNvPr, placeholder type) of a shape."""
    for nv in shape:
        if local(nv.tag).startswith("nv"):
            c = child(nv, "cNvPr")
            nvpr = child(nv, "nvPr")
            ph = child(nvpr, "ph") if nvpr is not None else None
            return c, (attr(ph, "type") or "body") if ph is not None else None
    return None, None


class PptxExtractor:
    name: ClassVar[str] = "pptx"
    media_types: ClassVar[tuple[str, ...]] = (formats.PPTX,)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        pkg = common.open_package(doc, ctx, _WHAT)
        yield from common.guarded(lambda: _Pptx(pkg, doc, ctx).extract(), pkg, _WHAT)


class _Pptx:
    def __init__(self, pkg: Package, doc: Document, ctx: ExtractContext) -> None:
        self.pkg, self.doc, self.ctx = pkg, doc, ctx
        self.main = common.main_part(pkg, _MAIN, _WHAT)
        self.members = doc.members
        rels = {r.id: r for r in pkg.rels(self.main) if not r.external}
        self.slides: list[str] = []
        for el in pkg.xml(self.main).iter():
            if local(el.tag) == "sldId":
                rel = rels.get(common.rel_id(el))
                if rel is not None and pkg.has(rel.target) and rel.target not in self.slides:
                    self.slides.append(rel.target)
        self.done: set[str] = set()
        self.comment_slide: dict[str, int] = {}  # comments part -> slide number

    def loc(self, part: str, where: str) -> Location:
        return Location(part=part, field=where, members=self.members)

    def extract(self) -> Iterator[Extracted]:
        pkg = self.pkg
        listed = {s.lower() for s in self.slides}
        orphans = [
            n
            for n in sorted(pkg.names(), key=common.natural_key)
            if _SLIDE.match(n) and n.lower() not in listed
        ]
        for n, part in enumerate(self.slides, 1):
            yield from self._slide(part, n, orphan=False)
        for k, part in enumerate(orphans, len(self.slides) + 1):
            yield from self._slide(part, k, orphan=True)
        for name in sorted(pkg.names(), key=common.natural_key):
            if name.lower() in self.done:
                continue
            if _NOTES.match(name):
                yield from _Frame(self, name, None, Visibility.SPEAKER_NOTES, notes=True).read(pkg.xml(name))
            elif _COMMENTS.match(name):
                yield from self._comments(name)
        yield from self._authors()
        yield from common.package_extras(pkg, "ppt", self.doc, self.ctx)

    def _slide(self, part: str, n: int, orphan: bool) -> Iterator[Extracted]:
        pkg = self.pkg
        root = pkg.xml(part)
        self.done.add(part.lower())
        hidden = orphan or attr(root, "show") in ("0", "false")
        base = Visibility.HIDDEN_SLIDE if hidden else Visibility.VISIBLE
        yield from _Frame(self, part, n, base).read(root)
        pkg.forget(part)
        for rel in pkg.rels(part):
            if rel.external or not pkg.has(rel.target) or rel.target.lower() in self.done:
                continue
            if rel.type == "notesSlide":
                self.done.add(rel.target.lower())
                notes = _Frame(self, rel.target, n, Visibility.SPEAKER_NOTES, notes=True)
                yield from notes.read(pkg.xml(rel.target))
            elif _COMMENTS.match(rel.target):
                self.comment_slide[rel.target.lower()] = n
                self.done.add(rel.target.lower())
                yield from self._comments(rel.target)

    def _comments(self, part: str) -> Iterator[Segment]:
        """Legacy (p:cm / p:text) and modern (p188:cm / txBody, with replies) comments."""
        n = self.comment_slide.get(part.lower())
        where = (f"slide {n}",) if n else ()
        k = 0
        for el in self.pkg.xml(part).iter():
            tag = local(el.tag)
            if tag not in ("cm", "reply"):
                continue
            k += 1
            text_el = child(el, "text")
            if text_el is not None:
                text = text_el.text or ""
            else:
                body = child(el, "txBody")
                text = "\n".join(body_paragraphs(body)) if body is not None else ""
            if text.strip():
                yield Segment(
                    text,
                    self.loc(part, f"comment {k}"),
                    Visibility.COMMENT,
                    (*where, "reply" if tag == "reply" else f"comment {k}"),
                    "comment",
                )

    def _authors(self) -> Iterator[Segment]:
        """ppt/commentAuthors.xml (legacy) and ppt/authors.xml (modern, with account ids)."""
        for name in self.pkg.names():
            if name.lower() not in ("ppt/commentauthors.xml", "ppt/authors.xml"):
                continue
            found: list[tuple[str, str]] = []
            for el in self.pkg.xml(name).iter():
                if local(el.tag) in ("cmAuthor", "author"):
                    found.append((attr(el, "name") or "", "comment author"))
                    found.append((attr(el, "userId") or "", "comment author account"))
            yield from common.unique_authors(found, lambda w, name=name: self.loc(name, w), "comment author")


class _Frame:
    """The shapes of one slide or notes page, in document order."""

    def __init__(self, p: _Pptx, part: str, n: int | None, base: Visibility, notes: bool = False) -> None:
        self.p, self.part, self.n, self.base, self.notes = p, part, n, base, notes
        self.label = f"slide {n}" if n is not None else "slide ?"
        if notes:
            self.label += " notes"
        self.title: str | None = None

    def context(self) -> tuple[str, ...]:
        return (self.label, self.title) if self.title else (self.label,)

    def read(self, root: Any) -> Iterator[Extracted]:
        tree = next((e for e in root.iter() if local(e.tag) == "spTree"), None)
        if tree is None:
            return
        if not self.notes:
            for shape in tree.iter():
                if local(shape.tag) == "sp" and _nv(shape)[1] in _TITLES:
                    body = child(shape, "txBody")
                    text = " ".join(t for t in body_paragraphs(body) if t.strip()) if body is not None else ""
                    if text.strip():
                        self.title = text.strip()
                        break
        yield from self.shapes(tree, hidden=False)

    def shapes(self, tree: Any, hidden: bool) -> Iterator[Extracted]:
        for shape in tree:
            tag = local(shape.tag)
            if tag == "AlternateContent":
                branch = common.choose(shape)
                if branch is not None:
                    yield from self.shapes(branch, hidden)
                continue
            if tag not in _SHAPES:
                continue
            cnvpr, ph = _nv(shape)
            sid = (attr(cnvpr, "id") or "?") if cnvpr is not None else "?"
            shape_hidden = hidden or (cnvpr is not None and _true(attr(cnvpr, "hidden")))
            vis = self.base
            if shape_hidden and vis is Visibility.VISIBLE:
                vis = Visibility.HIDDEN_TEXT
            where = f"{self.label} shape {sid}"
            if cnvpr is not None:
                yield from common.alt_text(cnvpr, self.p.loc(self.part, f"{where} alt text"), self.context())
            if tag == "grpSp":
                yield from self.shapes(shape, shape_hidden)
            elif tag == "sp":
                if self.notes and ph in _NOTES_SKIP:
                    continue
                body = child(shape, "txBody")
                if body is not None:
                    yield from self.frame(body, where, vis, ph)
            elif tag == "graphicFrame":
                for tbl in (e for e in shape.iter() if local(e.tag) == "tbl"):
                    yield from self.table(tbl, sid, vis)

    def frame(self, body: Any, where: str, vis: Visibility, ph: str | None) -> Iterator[Extracted]:
        """One Segment per paragraph; paragraphs that form a list as one Table (text_lists),
        their text then not given to prose. The slide title heads a list in a frame of its own."""
        paras = [p for p in body if local(p.tag) == "p"]
        texts = [paragraph_text(p) for p in paras]
        # A notes page's body placeholder shows no bullets (the notes master gives it none): its
        # paragraphs are lines of typed notes, found as lists by their own layout.
        bullets = None if self.notes else ph
        lines = [
            (t if t.strip() else "", _bulleted(p, bullets), False) for p, t in zip(paras, texts, strict=True)
        ]
        titled = bool(self.title) and ph not in _TITLES
        if titled:
            lines.insert(0, (self.title or "", False, True))
        runs = find_runs(lines, self.p.ctx.limits.chunk_rows) if len(paras) >= 3 else []
        shift = 1 if titled else 0
        items = [[i - shift for i in run.lines if i >= shift] for run in runs]
        at = {idx[0]: (run, idx) for run, idx in zip(runs, items, strict=True) if idx}
        taken = {i for idx in items for i in idx}
        for k, text in enumerate(texts):
            found = at.get(k)
            if found is not None:
                run, idx = found
                first, last = idx[0] + 1, idx[-1] + 1
                loc = self.p.loc(self.part, f"{where} list, paragraphs {first}-{last}")
                yield from run.placed(f"{self.part}#{where} list {first}", loc, visibility=vis)
            if text.strip() and k not in taken:
                yield Segment(text, self.p.loc(self.part, f"{where} paragraph {k + 1}"), vis, self.context())

    def table(self, tbl: Any, sid: str, vis: Visibility) -> Iterator[Extracted]:
        grid: list[list[str | None]] = []
        for tr in tbl:
            if local(tr.tag) != "tr":
                continue
            row: list[str | None] = []
            for tc in tr:
                if local(tc.tag) != "tc":
                    continue
                merged = _true(attr(tc, "hMerge")) or _true(attr(tc, "vMerge"))
                body = child(tc, "txBody")
                text = "\n".join(t for t in body_paragraphs(body) if t.strip()) if body is not None else ""
                row.append(text if text.strip() and not merged else None)
            grid.append(row)
        yield from grid_tables(
            grid,
            key=f"{self.part}#table{sid}",
            location=self.p.loc(self.part, f"{self.label} table {sid}"),
            first_row=1,
            first_column=1,
            chunk_rows=self.p.ctx.limits.chunk_rows,
            visibility=vis,
            role="table",
            context=self.context(),
        )
