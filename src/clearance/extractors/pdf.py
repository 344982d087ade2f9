"""PDF: page text with positions, tables of people, and every place a PDF hides text.

What comes out, and with which visibility:

* page text, per block of lines, ``Location(page, bbox)`` — ``visible``; tables found by ruling
  lines (pdfplumber) become ``Table`` chunks, merged across pages when a table runs on;
* text under a fill or image painted after it, or under a never-applied Redact annotation or an
  opaque highlight — ``under-redaction`` (a black box over live text is not a redaction);
* render mode 3 without a scan behind it, text coloured like its background, microscopic text,
  text placed off the page — ``invisible-text``; text in optional-content layers switched off —
  ``hidden-layer``. The invisible OCR layer of a scanned page is the image's text: ``visible``;
* text of earlier revisions kept by incremental updates that the final revision no longer
  shows — ``earlier-revision`` with ``Location(revision=k)``;
* attachments (EmbeddedFiles, FileAttachment annotations) — child ``Document``s;
* form-field values, annotation comments and authors, Info and XMP metadata;
* pages that are only an image — OCR (``ocr.py``), or a blocking Note when Tesseract is absent;
* JavaScript — a Note (not blocking).

Failures end as ``Unscannable`` (encrypted with a user password, corrupt, over ``max_pages``,
decompression bombs, pathological nesting); a single unreadable page is a blocking Note.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors import ocr, pdf_io, pdf_layout, pdf_structure
from clearance.extractors.text_lists import find_runs
from clearance.extractors.xlsx_tables import grid_tables
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

# A page whose lines are mostly "Label: value" (at least this many, and this share of its
# lines) is a form printed flat: its values become one record per person, under the labels.
KV_MIN_FIELDS = 3
KV_PAGE_SHARE = 0.5
KV_MAX_LABEL_WORDS = 5
# A value is an entry (a name, a date, a number): a longer one is a definition or a sentence
# (a glossary "Term: what it means" is not a record).
KV_MAX_VALUE_WORDS = 6
_MARKER = re.compile(r"\A\s*(?:[\u2022\u00b7\u25aa\u25e6\u2023\u2013\u25cf\u25a0*-]|\(?\d{1,3}[.)])\s+")
_KV_LINE = re.compile(r"([^\W\d_][^:]{0,39}?)\s*:\s+(\S.{0,119})\Z")
# Fewer lines than this on a page hold no list (text_lists needs three items).
LIST_MIN_LINES = 3
# A page with fewer visible glyphs than this, and images over a quarter of it, is a scan.
SCAN_MAX_GLYPHS = 10
SCAN_MIN_IMAGE_SHARE = 0.25
# Scans are rendered at this resolution for OCR (Tesseract is tuned for ~300 dpi) ...
OCR_DPI = 300
# ... unless the page is so large that the bitmap would pass this many pixels.
OCR_MAX_PIXELS = 40_000_000


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _user_to_layout(page_obj: Any) -> Any:
    """Map default-user-space rects (annotations) to pdfminer's page coordinates (its CTM)."""
    x0, y0, x1, y1 = page_obj.mediabox
    rot = page_obj.rotate % 360
    if rot == 90:
        ctm = (0, -1, 1, 0, -y0, x1)
    elif rot == 180:
        ctm = (-1, 0, 0, -1, x1, y1)
    elif rot == 270:
        ctm = (0, 1, -1, 0, y1, -x0)
    else:
        ctm = (1, 0, 0, 1, -x0, -y0)
    a, b, c, d, e, f = ctm

    def apply(r: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        pts = [(x, y) for x in (r[0], r[2]) for y in (r[1], r[3])]
        xs = [a * x + c * y + e for x, y in pts]
        ys = [b * x + d * y + f for x, y in pts]
        return (min(xs), min(ys), max(xs), max(ys))

    return apply


def _page_hashes(reader: Any) -> list[str]:
    """Hash of each page's raw content (content streams and directly used forms), no inflating."""
    out: list[str] = []
    for page in reader.pages:
        h = hashlib.sha256()
        try:
            contents = page.get("/Contents")
            contents = contents.get_object() if contents is not None else None
            streams = contents if isinstance(contents, list) else [contents]
            for s in streams:
                s = s.get_object() if s is not None else None
                h.update(getattr(s, "_data", b"") or b"")
            res = page.get("/Resources")
            res = res.get_object() if res is not None else {}
            xobjs = res.get("/XObject") if hasattr(res, "get") else None
            for _, ref in sorted((xobjs.get_object() if xobjs is not None else {}).items()):
                x = ref.get_object()
                if str(x.get("/Subtype")) == "/Form":
                    h.update(getattr(x, "_data", b"") or b"")
        except Exception:
            h.update(b"unreadable")
        out.append(h.hexdigest())
    return out


@dataclass
class _TableRun:
    """A table being collected, possibly across pages."""

    page: int
    bbox: tuple[float, float, float, float]
    rows: list[list[str | None]]
    width: int
    last_page: int


@dataclass
class _Final:
    """What the final revision showed, for comparing earlier revisions against."""

    lines: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)
    structure: set[tuple[str, str]] = field(default_factory=set)  # (role, normalised text)


class PdfExtractor:
    """PDF page text, tables, hidden text, revisions, attachments, forms, comments and metadata."""

    name: ClassVar[str] = "pdf"
    media_types: ClassVar[tuple[str, ...]] = (formats.PDF,)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        limits = ctx.limits
        with doc.open() as raw:
            scan = pdf_io.scan_file(raw, limits)
        final = _Final()
        with doc.open() as fh:
            reader = pdf_io.open_reader(fh)
            n_pages = pdf_io.guarded("PDF page tree", lambda: len(reader.pages))
            if n_pages > limits.max_pages:
                raise Unscannable(
                    f"PDF has {n_pages:,} pages, over the limit of {limits.max_pages:,}", "limit"
                )
            with doc.open() as fh2:
                pdf_io.guarded("PDF", lambda: pdf_io.check_streams(pdf_io.open_reader(fh2), limits))
            st = pdf_io.guarded(
                "PDF structure",
                lambda: pdf_structure.collect(
                    reader, doc.members, max_bytes=limits.max_member_bytes, max_items=limits.max_members
                ),
            )
            if len(scan.revision_ends) > 1:
                final.hashes = set(pdf_io.guarded("PDF", lambda: _page_hashes(reader)))
            seen_meta: set[tuple[str, str]] = set()
            if st.form_table is not None:
                yield st.form_table
            for seg in st.segments:
                final.structure.add((seg.role, _norm(seg.text)))
                if st.form_table is not None and seg.role == "form-field":
                    continue  # read once, as the form's record
                if seg.visibility is Visibility.METADATA:
                    # Info and XMP usually repeat each other: one segment per distinct value
                    if (seg.role, _norm(seg.text)) in seen_meta:
                        continue
                    seen_meta.add((seg.role, _norm(seg.text)))
                yield seg
            yield from st.notes
            if st.javascript or scan.javascript_marker:
                yield Note(
                    code="javascript",
                    message="the PDF contains JavaScript (it runs in some viewers; it was not executed)",
                    location=Location(members=doc.members),
                )
            yield from self._attachments(doc, st, limits)
            yield from self._pages(doc, st, limits, final, collect_lines=len(scan.revision_ends) > 1)
        if scan.skipped_revisions:
            yield Note(
                code="pdf-revisions-skipped",
                message=f"{scan.skipped_revisions} of the oldest revisions were not compared (limit reached)",
                location=Location(members=doc.members),
                visibility=Visibility.EARLIER_REVISION,
                blocking=True,
            )
        for k, end in enumerate(scan.revision_ends[:-1], start=1):
            yield from self._revision(doc, k, end, limits, final)

    # --- attachments ---------------------------------------------------------------------------

    def _attachments(self, doc: Document, st: pdf_structure.Structure, limits: Limits) -> Iterator[Extracted]:
        for name, read in st.attachments:
            label = "".join(ch if ch.isprintable() else "?" for ch in name.replace("\\", "/")).strip("/")
            label = label.rsplit("/", 1)[-1] or "attachment"
            loc = Location(part="EmbeddedFiles", field=label, members=(*doc.members, label))
            if doc.depth + 1 > limits.max_depth:
                yield Note(
                    code="embedded-too-deep",
                    message=f"an attachment nested deeper than {limits.max_depth} levels was not inspected",
                    location=loc,
                    visibility=Visibility.EMBEDDED_FILE,
                    blocking=True,
                )
                continue
            try:
                data = read()
            except Exception as exc:
                yield Note(
                    code="embedded-object-unreadable",
                    message=f"an attachment could not be decoded ({type(exc).__name__})",
                    location=loc,
                    visibility=Visibility.EMBEDDED_FILE,
                    blocking=True,
                )
                continue
            if len(data) > limits.max_member_bytes:
                yield Note(
                    code="embedded-too-large",
                    message=f"an attachment is larger than {limits.max_member_bytes:,} bytes; not inspected",
                    location=loc,
                    visibility=Visibility.EMBEDDED_FILE,
                    blocking=True,
                )
                continue
            yield formats.document_from_bytes(
                data,
                f"{doc.path}!{label}",
                members=(*doc.members, label),
                depth=doc.depth + 1,
                visibility=Visibility.EMBEDDED_FILE,
            )

    # --- pages ---------------------------------------------------------------------------------

    def _pages(
        self,
        doc: Document,
        st: pdf_structure.Structure,
        limits: Limits,
        final: _Final,
        *,
        collect_lines: bool,
    ) -> Iterator[Extracted]:
        import pdfplumber

        fh = doc.open()
        pdf = pdf_io.guarded("PDF", lambda: pdfplumber.open(fh))
        pdfium_doc: Any = None
        run: _TableRun | None = None
        n_tables = 0
        try:
            pages = pdf_io.guarded("PDF page tree", lambda: pdf.pages)
            if len(pages) > limits.max_pages:
                raise Unscannable(f"PDF has over {limits.max_pages:,} pages", "limit")
            off = pdf_layout.off_ocgs(pdf)
            for i, page in enumerate(pages):
                no = i + 1
                try:
                    ltpage = pdf_layout.layout_page(pdf, page, off)
                    to_layout = _user_to_layout(page.page_obj)
                    covers = [to_layout(c.rect) for c in st.covers.get(i, [])]
                    glyphs = pdf_layout.classify(ltpage, covers)
                    visible_seqs = {g.seq for g in glyphs.glyphs if g.visibility is Visibility.VISIBLE}
                    found = (
                        pdf_layout.tables(page, visible_seqs) if visible_seqs and glyphs.n_paths >= 4 else []
                    )
                except (Unscannable, MemoryError):
                    raise
                except Exception as exc:  # pdfminer raises many types on hostile pages
                    page.close() if hasattr(page, "close") else None
                    yield Note(
                        code="pdf-page-unreadable",
                        message=f"page {no} could not be read ({type(exc).__name__}); it was not inspected",
                        location=Location(page=no, members=doc.members),
                        blocking=True,
                    )
                    continue
                if collect_lines:
                    for ln in pdf_layout.lines_of(glyphs.glyphs, glyphs.height):
                        final.lines.add(_norm(ln["text"]))
                # tables (visible glyphs only), merged with the previous page's when they run on
                for t_index, t in enumerate(found):
                    width = max(len(r) for r in t.rows)
                    cont = run is not None and t_index == 0 and run.last_page == no - 1 and run.width == width
                    if cont and run is not None:
                        rows = list(t.rows)
                        first = rows[0]
                        if not first[0] and sum(1 for v in first if v) <= max(1, width // 3):
                            last = run.rows[-1]
                            for j, v in enumerate(first):
                                if v and j < len(last):
                                    last[j] = f"{last[j]} {v}" if last[j] else v
                            rows = rows[1:]
                        run.rows.extend(rows)
                        run.last_page = no
                    else:
                        if run is not None:
                            n_tables += 1
                            yield from self._emit_table(doc, run, n_tables, limits)
                        run = _TableRun(no, t.bbox, [list(r) for r in t.rows], width, no)
                if run is not None and run.last_page < no - 1:
                    n_tables += 1
                    yield from self._emit_table(doc, run, n_tables, limits)
                    run = None
                # text blocks, one pass per visibility
                by_vis: dict[tuple[Visibility, str], list[pdf_layout.Glyph]] = {}
                for g in glyphs.glyphs:
                    if g.visibility is Visibility.VISIBLE and found:
                        cx, cy = (g.box[0] + g.box[2]) / 2, glyphs.height - (g.box[1] + g.box[3]) / 2
                        if any(t.holds(cx, cy) for t in found):
                            continue
                    by_vis.setdefault((g.visibility, g.role), []).append(g)
                for (vis, role), gs in by_vis.items():
                    if vis is Visibility.VISIBLE and role == "text":
                        yield from self._page_text(doc, no, gs, glyphs.height, limits)
                        continue
                    for b in pdf_layout.blocks(gs, glyphs.height, vis, role):
                        yield Segment(
                            text=b.text,
                            location=Location(page=no, bbox=_round(b.bbox), members=doc.members),
                            visibility=vis,
                            context=(f"page {no}",),
                            role=role,
                        )
                n_visible = len(visible_seqs)
                if (
                    n_visible < SCAN_MAX_GLYPHS
                    and glyphs.image_share >= SCAN_MIN_IMAGE_SHARE
                    and not glyphs.has_ocr_layer
                ):
                    if pdfium_doc is None and ocr.available():
                        pdfium_doc = self._open_pdfium(doc)
                    yield from self._ocr_page(doc, pdfium_doc, i, glyphs)
                page.close() if hasattr(page, "close") else None
            if run is not None:
                n_tables += 1
                yield from self._emit_table(doc, run, n_tables, limits)
        finally:
            try:
                pdf.close()
            finally:
                fh.close()
                if pdfium_doc is not None:
                    pdfium_doc.close()

    def _page_text(
        self, doc: Document, no: int, gs: list[pdf_layout.Glyph], height: float, limits: Limits
    ) -> Iterator[Extracted]:
        """A page's visible text: tables drawn with whitespace, a form of "Label: value" lines and
        lists (``text_lists``) as Tables, the rest as blocks of prose. Lines that went into a
        Table leave the prose, so each value is read once."""
        where = Location(page=no, members=doc.members)
        laid = pdf_layout.layout_tables(pdf_layout.rows_of(gs, height)) if len(gs) > 1 else []
        for k, lt in enumerate(laid, start=1):
            yield from grid_tables(
                lt.rows,
                key=f"pdf-p{no}-layout-{k}",
                location=replace(where, part=f"page {no} layout table {k}", bbox=_round(lt.bbox)),
                first_row=1,
                first_column=1,
                chunk_rows=limits.chunk_rows,
                role="pdf-table",
                context=(f"page {no}", f"layout table {k}"),
            )
        if laid:
            gs = [g for g in gs if not any(t.holds(*_centre(g, height)) for t in laid)]
        blocks = pdf_layout.line_blocks(gs, height)
        lines = [(b, j) for b, blk in enumerate(blocks) for j in range(len(blk))]
        taken: set[tuple[int, int]] = set()
        form = _form_lines([blocks[b][j]["text"] for b, j in lines])
        if form is not None:
            kv_lines = [blocks[b][j] for b, j in (lines[i] for i in form.indexes)]
            taken.update(lines[i] for i in form.indexes)
            yield from grid_tables(
                [list(form.labels), *form.records],
                key=f"pdf-p{no}-form",
                location=replace(where, part=f"page {no} form", bbox=_round(pdf_layout.line_box(kv_lines))),
                first_row=1,
                first_column=1,
                chunk_rows=limits.chunk_rows,
                role="form",
                context=(f"page {no}", "form"),
                header_policy="first",
            )
        yield from self._page_lists(doc, no, blocks, taken, limits)
        for b, blk in enumerate(blocks):
            piece: list[dict[str, Any]] = []
            for j, ln in enumerate([*blk, None]):
                if ln is not None and (b, j) not in taken:
                    piece.append(ln)
                    continue
                if piece:
                    blk_ = pdf_layout.block_of(piece, Visibility.VISIBLE, "text")
                    yield Segment(
                        text=blk_.text,
                        location=replace(where, bbox=_round(blk_.bbox)),
                        visibility=Visibility.VISIBLE,
                        context=(f"page {no}",),
                        role="text",
                    )
                    piece = []

    def _page_lists(
        self,
        doc: Document,
        no: int,
        blocks: list[list[dict[str, Any]]],
        taken: set[tuple[int, int]],
        limits: Limits,
    ) -> Iterator[Table]:
        """Lists among a page's lines (``text_lists.find_runs``, blocks parted by a blank line);
        their lines are added to ``taken``."""
        feed: list[tuple[str, bool]] = []
        at: list[tuple[int, int] | None] = []
        for b, blk in enumerate(blocks):
            if b:
                feed.append(("", False))
                at.append(None)
            for j, ln in enumerate(blk):
                free = (b, j) not in taken
                feed.append((ln["text"] if free else "", False))
                at.append((b, j) if free else None)
        if len(feed) < LIST_MIN_LINES:
            return
        for n, run in enumerate(find_runs(feed, limits.chunk_rows), start=1):
            places = [p for i in run.lines if (p := at[i]) is not None]
            if not places or not run.tables:
                continue
            taken.update(places)
            box = pdf_layout.line_box([blocks[b][j] for b, j in places])
            form = _form_lines([_MARKER.sub("", blocks[b][j]["text"]) for b, j in places])
            if form is not None and len(form.indexes) == len(places):
                # a list of "Label: value" items is a record (a person's details), not a list
                yield from _grid(
                    [list(form.labels), *form.records],
                    key=f"pdf-p{no}-list-{n}",
                    location=Location(
                        part=f"page {no} form {n}", page=no, bbox=_round(box), members=doc.members
                    ),
                    first_row=1,
                    first_column=1,
                    chunk_rows=limits.chunk_rows,
                    role="form",
                    context=(f"page {no}", "form"),
                    header_policy="first",
                )
                continue
            loc = Location(part=f"page {no} list {n}", page=no, bbox=_round(box), members=doc.members)
            yield from run.placed(f"pdf-p{no}-list-{n}", loc, role="list")

    def _emit_table(self, doc: Document, run: _TableRun, k: int, limits: Limits) -> Iterator[Extracted]:
        pages = f"page {run.page}" if run.last_page == run.page else f"pages {run.page}-{run.last_page}"
        yield from grid_tables(
            run.rows,
            key=f"pdf-table-{k}",
            location=Location(part=f"table {k}", page=run.page, bbox=_round(run.bbox), members=doc.members),
            first_row=1,
            first_column=1,
            chunk_rows=limits.chunk_rows,
            role="pdf-table",
            context=(pages, f"table {k}"),
        )

    # --- scans ---------------------------------------------------------------------------------

    def _open_pdfium(self, doc: Document) -> Any:
        try:
            import pypdfium2 as pdfium

            return pdfium.PdfDocument(doc.open())
        except Exception:
            return None

    def _ocr_page(
        self, doc: Document, pdfium_doc: Any, index: int, glyphs: pdf_layout.PageGlyphs
    ) -> Iterator[Extracted]:
        no = index + 1
        loc = Location(page=no, members=doc.members)
        if pdfium_doc is None:
            reason = ocr.UNAVAILABLE_HINT if not ocr.available() else "the page could not be rendered"
            yield Note(
                code="ocr-unavailable",
                message=f"page {no} is an image; it was not inspected ({reason})",
                location=loc,
                blocking=True,
            )
            return
        try:
            page = pdfium_doc[index]
            w, h = page.get_size()
            scale = OCR_DPI / 72
            if w * h * scale * scale > OCR_MAX_PIXELS:
                scale = (OCR_MAX_PIXELS / max(w * h, 1.0)) ** 0.5
            bitmap = page.render(scale=scale, grayscale=True)
            buf = io.BytesIO()
            bitmap.to_pil().save(buf, format="PNG")
            lines = ocr.ocr_image(buf.getvalue())
        except Exception as exc:
            yield Note(
                code="ocr-failed",
                message=f"page {no} is an image and OCR failed ({type(exc).__name__}); it was not inspected",
                location=loc,
                blocking=True,
            )
            return
        for text, (left, top, right, bottom) in lines:
            yield Segment(
                text=text,
                location=Location(
                    page=no,
                    bbox=_round((left / scale, top / scale, right / scale, bottom / scale)),
                    members=doc.members,
                ),
                visibility=Visibility.VISIBLE,
                context=(f"page {no}", "OCR"),
                role="ocr",
            )

    # --- earlier revisions ---------------------------------------------------------------------

    def _revision(
        self, doc: Document, k: int, end: int, limits: Limits, final: _Final
    ) -> Iterator[Extracted]:
        import pdfplumber

        def note(why: str) -> Note:
            return Note(
                code="pdf-revision-unreadable",
                message=f"earlier revision {k} could not be read ({why}); it was not compared",
                location=Location(revision=k, members=doc.members),
                visibility=Visibility.EARLIER_REVISION,
            )

        try:
            with pdf_io.PrefixFile(doc.open(), end) as fh:
                reader = pdf_io.open_reader(fh, f"revision {k}")
                with pdf_io.PrefixFile(doc.open(), end) as fh2:
                    pdf_io.check_streams(pdf_io.open_reader(fh2), limits, f"revision {k}")
                st = pdf_structure.collect(
                    reader, doc.members, max_bytes=limits.max_member_bytes, max_items=limits.max_members
                )
                hashes = _page_hashes(reader)
        except Unscannable as exc:
            if exc.code == "bomb":
                raise
            yield note(exc.code)
            return
        except Exception as exc:
            yield note(type(exc).__name__)
            return
        rev = Visibility.EARLIER_REVISION
        for seg in st.segments:
            key = (seg.role, _norm(seg.text))
            if key not in final.structure:
                final.structure.add(key)  # report each old value once, at its latest revision
                yield replace(seg, visibility=rev, location=replace(seg.location, revision=k))
        changed = [i for i, h in enumerate(hashes) if h not in final.hashes]
        if not changed:
            return
        try:
            with pdf_io.PrefixFile(doc.open(), end) as fh, pdfplumber.open(fh) as pdf:
                off = pdf_layout.off_ocgs(pdf)
                pages = pdf.pages
                for i in changed[: limits.max_pages]:
                    if i >= len(pages):
                        continue
                    ltpage = pdf_layout.layout_page(pdf, pages[i], off)
                    glyphs = pdf_layout.classify(ltpage, [])
                    fresh = [
                        ln
                        for ln in pdf_layout.lines_of(glyphs.glyphs, glyphs.height)
                        if _norm(ln["text"]) not in final.lines
                    ]
                    for ln in fresh:
                        final.lines.add(_norm(ln["text"]))
                        yield Segment(
                            text=ln["text"],
                            location=Location(
                                page=i + 1,
                                bbox=_round((ln["x0"], ln["top"], ln["x1"], ln["bottom"])),
                                revision=k,
                                members=doc.members,
                            ),
                            visibility=rev,
                            context=(f"page {i + 1}", f"revision {k}"),
                            role="text",
                        )
        except Exception as exc:
            yield note(type(exc).__name__)


def _centre(g: pdf_layout.Glyph, height: float) -> tuple[float, float]:
    """A glyph's centre in the top-left convention of tables and blocks."""
    return (g.box[0] + g.box[2]) / 2, height - (g.box[1] + g.box[3]) / 2


@dataclass(frozen=True)
class _Form:
    """A page of "Label: value" lines as records: ``labels`` in first-seen order, one row per
    record (a record ends where a label repeats), ``indexes`` the lines that were read."""

    labels: tuple[str, ...]
    records: list[list[str | None]]
    indexes: tuple[int, ...]


def _form_lines(texts: list[str]) -> _Form | None:
    """The page's "Label: value" lines when they are most of its lines (a filled-in form printed
    flat), else None. Layout only: what the labels mean is the column detector's business."""
    found: list[tuple[int, str, str]] = []
    for i, text in enumerate(texts):
        m = _KV_LINE.match(text.strip())
        if (
            m
            and len(m.group(1).split()) <= KV_MAX_LABEL_WORDS
            and len(m.group(2).split()) <= KV_MAX_VALUE_WORDS
        ):
            found.append((i, m.group(1).strip(), m.group(2).strip()))
    if len(found) < KV_MIN_FIELDS or len(found) < KV_PAGE_SHARE * len(texts):
        return None
    labels: list[str] = []
    records: list[dict[str, str]] = [{}]
    for _, label, value in found:
        key = label.casefold()
        if key in records[-1]:
            records.append({})
        records[-1][key] = value
        if key not in (x.casefold() for x in labels):
            labels.append(label)
    if len(labels) < KV_MIN_FIELDS:
        return None
    rows: list[list[str | None]] = [[r.get(lb.casefold()) for lb in labels] for r in records]
    return _Form(tuple(labels), rows, tuple(i for i, _, _ in found))


def _round(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    return (round(b[0], 1), round(b[1], 1), round(b[2], 1), round(b[3], 1))


def _grid(rows: list[list[str | None]], **kw: Any) -> Iterator[Table]:
    """``grid_tables`` for a grid that has no title rows: only its Tables."""
    for t in grid_tables(rows, **kw):
        if isinstance(t, Table):
            yield t
