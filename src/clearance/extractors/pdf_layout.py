"""Page content (pdfminer via pdfplumber): every glyph with its box, draw order and paint state,
classified by what a reader actually sees, then grouped into text blocks and tables.

Why draw order matters: a black rectangle painted *after* text hides it on screen but leaves it
in the file (the classic bad redaction). pdfminer keeps objects in content-stream order, so each
glyph, path and image gets a sequence number, and a glyph is "under redaction" when a later
opaque fill covers most of it. Glyphs painted in render mode 3 over a page image are the OCR
layer of a scan: that is the image's own text and counts as visible.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from clearance.model import Visibility

# A later fill or image hides a glyph when it covers at least this share of the glyph's box.
COVER_SHARE = 0.5
# Fills and strokes with a constant alpha below this are see-through (highlighter pens).
OPAQUE_ALPHA = 0.99
# Text colour this close to its background colour (per RGB channel, 0..1) cannot be read.
SAME_COLOUR = 0.06
# Glyphs smaller than this (points) cannot be read at any normal zoom.
MIN_READABLE_SIZE = 1.0
# An image this big (share of the page) behind or over text is a scan, and its text the OCR layer.
SCAN_IMAGE_SHARE = 0.5
# Spatial buckets (points) for finding fills over glyphs without comparing every pair.
BUCKET = 64.0
# Lines further apart than this many line heights start a new text block.
BLOCK_GAP = 0.9
# pdfplumber's table finder: cells need at least this many rows/columns to be a table.
MIN_TABLE_ROWS = 2
MIN_TABLE_COLUMNS = 2

Rect = tuple[float, float, float, float]


def _device_classes() -> tuple[type, type]:
    """pdfminer subclasses, built lazily so importing this module stays cheap."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfminer.pdftypes import PDFObjRef, resolve1
    from pdfminer.psparser import PSLiteral

    class Device(PDFPageAggregator):
        """Tags every layout object with its draw order, render mode, fill alpha, hidden layer."""

        def __init__(self, rsrcmgr: Any, pageno: int) -> None:
            super().__init__(rsrcmgr, pageno=pageno, laparams=None)
            self.seq = 0
            self.oc_stack: list[bool] = []

        def push_oc(self, hidden: bool) -> None:
            self.oc_stack.append(hidden)

        def pop_oc(self) -> None:
            if self.oc_stack:
                self.oc_stack.pop()

        def _tag(self, before: int, render: int, alpha: float) -> None:
            hidden = any(self.oc_stack)
            for obj in self.cur_item._objs[before:]:
                obj.mcid = self.seq  # pdfplumber copies mcid/tag into its dicts
                obj.tag = f"{render},{int(hidden)},{alpha:g}"
                self.seq += 1

        def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
            before = len(self.cur_item._objs)
            super().render_string(textstate, seq, ncs, graphicstate)
            self._tag(before, int(textstate.render or 0), getattr(graphicstate, "fill_alpha", 1.0))

        def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Any) -> None:
            before = len(self.cur_item._objs)
            super().paint_path(gstate, stroke, fill, evenodd, path)
            self._tag(before, 0, getattr(gstate, "fill_alpha", 1.0))

        def render_image(self, name: str, stream: Any) -> None:
            before = len(self.cur_item._objs)
            super().render_image(name, stream)
            masked = stream.get("SMask") is not None or stream.get("Mask") is not None
            self._tag(before, 0, 0.0 if masked else 1.0)

        def begin_tag(self, tag: Any, props: Any = None) -> None:  # handled by the interpreter
            pass

        def end_tag(self) -> None:
            pass

    class Interpreter(PDFPageInterpreter):
        """Tracks fill alpha (ExtGState /ca) and optional content (BDC /OC, forms with /OC)."""

        off_ocgs: frozenset[int] = frozenset()

        def dup(self) -> Any:
            twin = self.__class__(self.rsrcmgr, self.device)
            twin.off_ocgs = self.off_ocgs
            return twin

        def get_current_state(self) -> Any:
            ctm, ts, gs = super().get_current_state()
            gs.fill_alpha = getattr(self.graphicstate, "fill_alpha", 1.0)
            return ctm, ts, gs

        def do_gs(self, name: Any) -> None:
            try:
                states = resolve1(self.resources.get("ExtGState")) or {}
                g = resolve1(states.get(getattr(name, "name", name))) or {}
                if "ca" in g:
                    self.graphicstate.fill_alpha = float(resolve1(g["ca"]))
            except Exception:
                pass

        def _oc_hidden(self, ref: Any) -> bool:
            objid = ref.objid if isinstance(ref, PDFObjRef) else None
            d = resolve1(ref)
            if objid is not None and objid in self.off_ocgs:
                return True
            if isinstance(d, dict) and "OCGs" in d:  # membership dictionary, default /AnyOn
                ocgs = resolve1(d["OCGs"])
                ocgs = ocgs if isinstance(ocgs, list) else [d["OCGs"]]
                ids = [o.objid for o in ocgs if isinstance(o, PDFObjRef)]
                return bool(ids) and all(i in self.off_ocgs for i in ids)
            return False

        def do_BMC(self, tag: Any) -> None:
            self.device.push_oc(False)

        def do_BDC(self, tag: Any, props: Any) -> None:
            hidden = False
            try:
                if isinstance(tag, PSLiteral) and tag.name == "OC" and self.off_ocgs:
                    if isinstance(props, PSLiteral):
                        table = resolve1(self.resources.get("Properties")) or {}
                        hidden = self._oc_hidden(table.get(props.name))
                    else:
                        hidden = self._oc_hidden(props)
            except Exception:
                hidden = False
            self.device.push_oc(hidden)

        def do_EMC(self) -> None:
            self.device.pop_oc()

        def do_Do(self, xobjid_arg: Any) -> None:
            hidden = False
            if self.off_ocgs:
                try:
                    xobj = resolve1(self.xobjmap.get(getattr(xobjid_arg, "name", xobjid_arg)))
                    oc = xobj.attrs.get("OC") if xobj is not None else None
                    hidden = oc is not None and self._oc_hidden(oc)
                except Exception:
                    hidden = False
            self.device.push_oc(hidden)
            try:
                super().do_Do(xobjid_arg)
            finally:
                self.device.pop_oc()

    return Device, Interpreter


_CLASSES: tuple[type, type] | None = None


def off_ocgs(pdf: Any) -> frozenset[int]:
    """Object ids of optional-content groups switched off in the default configuration."""
    from pdfminer.pdftypes import PDFObjRef, resolve1

    try:
        props = resolve1(pdf.doc.catalog.get("OCProperties"))
        if not isinstance(props, dict):
            return frozenset()
        d = resolve1(props.get("D")) or {}
        all_ids = {o.objid for o in resolve1(props.get("OCGs")) or [] if isinstance(o, PDFObjRef)}
        on = {o.objid for o in resolve1(d.get("ON")) or [] if isinstance(o, PDFObjRef)}
        off = {o.objid for o in resolve1(d.get("OFF")) or [] if isinstance(o, PDFObjRef)}
        base = resolve1(d.get("BaseState"))
        if base is not None and getattr(base, "name", "") == "OFF":
            off |= all_ids - on
        return frozenset(off)
    except Exception:
        return frozenset()


def layout_page(pdf: Any, page: Any, off: frozenset[int]) -> Any:
    """Lay out one pdfplumber page with the tagging device; pdfplumber then reuses the result."""
    global _CLASSES
    if _CLASSES is None:
        _CLASSES = _device_classes()
    device_cls, interp_cls = _CLASSES
    device = device_cls(pdf.rsrcmgr, page.page_number)
    interp = interp_cls(pdf.rsrcmgr, device)
    interp.off_ocgs = off
    interp.process_page(page.page_obj)
    page._layout = device.get_result()  # pdfplumber reads page.layout from here
    return page._layout


# --- classification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Glyph:
    seq: int
    text: str
    box: Rect  # pdfminer coordinates: x0, y0, x1, y1 from the bottom-left
    visibility: Visibility
    role: str = "text"  # "text" | "ocr-layer"


@dataclass
class PageGlyphs:
    width: float
    height: float
    glyphs: list[Glyph] = field(default_factory=list)
    image_share: float = 0.0  # share of the page covered by images
    has_ocr_layer: bool = False
    n_paths: int = 0  # vector paths drawn: a page without them has no ruled table


def _flags(obj: Any) -> tuple[int, bool, float]:
    try:
        render, hidden, alpha = str(obj.tag).split(",")
        return int(render), hidden == "1", float(alpha)
    except (AttributeError, ValueError):
        return 0, False, 1.0


def _rgb(colour: Any) -> tuple[float, float, float] | None:
    c = colour
    if isinstance(c, (int, float)):
        return (float(c),) * 3
    if isinstance(c, (list, tuple)):
        try:
            v = [float(x) for x in c]
        except (TypeError, ValueError):
            return None
        if len(v) == 1:
            return (v[0],) * 3
        if len(v) == 3:
            return (v[0], v[1], v[2])
        if len(v) == 4:
            k = v[3]
            return ((1 - v[0]) * (1 - k), (1 - v[1]) * (1 - k), (1 - v[2]) * (1 - k))
    return None


def _area(r: Rect) -> float:
    return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])


def _overlap(a: Rect, b: Rect) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


@dataclass(frozen=True)
class _Paint:
    seq: int
    box: Rect
    kind: str  # "fill" | "image"
    rgb: tuple[float, float, float] | None


class _Index:
    """Paint objects bucketed by position, so each glyph checks only nearby fills."""

    def __init__(self, paints: Sequence[_Paint]) -> None:
        self.buckets: dict[tuple[int, int], list[_Paint]] = {}
        for p in paints:
            for key in self._keys(p.box):
                self.buckets.setdefault(key, []).append(p)

    @staticmethod
    def _keys(r: Rect) -> Iterator[tuple[int, int]]:
        for i in range(int(r[0] // BUCKET), int(r[2] // BUCKET) + 1):
            for j in range(int(r[1] // BUCKET), int(r[3] // BUCKET) + 1):
                yield i, j

    def near(self, r: Rect) -> list[_Paint]:
        cx, cy = (r[0] + r[2]) / 2, (r[1] + r[3]) / 2
        return self.buckets.get((int(cx // BUCKET), int(cy // BUCKET)), [])


def _walk(objs: Sequence[Any]) -> Iterator[Any]:
    from pdfminer.layout import LTContainer

    for o in objs:
        if isinstance(o, LTContainer):  # figures (form XObjects) hold their own objects
            yield from _walk(o._objs)
        else:
            yield o


def classify(ltpage: Any, annot_covers: Sequence[Rect]) -> PageGlyphs:
    """Every glyph on the page with the visibility a reader of the rendered page would give it."""
    from pdfminer.layout import LTChar, LTCurve, LTImage

    x0p, y0p, x1p, y1p = ltpage.bbox
    page_box: Rect = (x0p, y0p, x1p, y1p)
    page_area = max(_area(page_box), 1.0)
    out = PageGlyphs(width=x1p - x0p, height=y1p - y0p)
    paints: list[_Paint] = []
    chars: list[Any] = []
    image_area = 0.0
    for o in _walk(ltpage._objs):
        if isinstance(o, LTChar):
            chars.append(o)
        elif isinstance(o, LTCurve):
            out.n_paths += 1
            _, _, alpha = _flags(o)
            if o.fill and alpha >= OPAQUE_ALPHA and _area(o.bbox) > 0:
                paints.append(
                    _Paint(int(getattr(o, "mcid", 0) or 0), o.bbox, "fill", _rgb(o.non_stroking_color))
                )
        elif isinstance(o, LTImage):
            _, _, alpha = _flags(o)
            image_area += _overlap(o.bbox, page_box)
            if alpha >= OPAQUE_ALPHA and _area(o.bbox) > 0:
                paints.append(_Paint(int(getattr(o, "mcid", 0) or 0), o.bbox, "image", None))
    out.image_share = min(1.0, image_area / page_area)
    index = _Index(paints)
    for c in chars:
        seq = int(getattr(c, "mcid", 0) or 0)
        render, layer_off, _ = _flags(c)
        box: Rect = c.bbox
        area = max(_area(box), 1e-6)
        role = "text"
        near = index.near(box)
        later = [p for p in near if p.seq > seq and _overlap(p.box, box) >= COVER_SHARE * area]
        big_image = any(
            p.kind == "image" and _area(p.box) >= SCAN_IMAGE_SHARE * page_area and _overlap(p.box, box) > 0
            for p in near
        )
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if layer_off:
            vis = Visibility.HIDDEN_LAYER
        elif not (x0p <= cx <= x1p and y0p <= cy <= y1p):
            vis = Visibility.INVISIBLE_TEXT  # placed off the page
        elif any(_overlap(r, box) >= COVER_SHARE * area for r in annot_covers):
            vis = Visibility.UNDER_REDACTION
        elif big_image and (render in (3, 7) or all(p.kind == "image" for p in later)):
            vis, role = Visibility.VISIBLE, "ocr-layer"  # the scan's own text
            out.has_ocr_layer = True
        elif later:
            vis = Visibility.UNDER_REDACTION
        elif render in (3, 7) or c.size < MIN_READABLE_SIZE:
            vis = Visibility.INVISIBLE_TEXT
        else:
            vis = Visibility.VISIBLE
            gs = c.graphicstate
            ink = _rgb(gs.scolor if render == 1 else gs.ncolor)
            under = [p for p in near if p.seq < seq and _overlap(p.box, box) >= COVER_SHARE * area]
            bg: tuple[float, float, float] | None = (1.0, 1.0, 1.0)
            if under:
                top = max(under, key=lambda p: p.seq)
                bg = top.rgb if top.kind == "fill" else None
            if ink is not None and bg is not None and all(abs(a - b) < SAME_COLOUR for a, b in zip(ink, bg)):
                vis = Visibility.INVISIBLE_TEXT
        out.glyphs.append(Glyph(seq, c.get_text(), box, vis, role))
    return out


# --- lines and blocks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    text: str
    bbox: Rect  # x0, top, x1, bottom from the top-left (pdfplumber convention)
    visibility: Visibility
    role: str
    lines: tuple[str, ...]


def _char_dicts(glyphs: Sequence[Glyph], height: float) -> list[dict[str, Any]]:
    return [
        {
            "text": g.text,
            "x0": g.box[0],
            "x1": g.box[2],
            "top": height - g.box[3],
            "bottom": height - g.box[1],
            "doctop": height - g.box[3],
            "upright": True,
            "size": g.box[3] - g.box[1],
            "width": g.box[2] - g.box[0],
            "height": g.box[3] - g.box[1],
        }
        for g in glyphs
        if g.text
    ]


def lines_of(glyphs: Sequence[Glyph], height: float) -> list[dict[str, Any]]:
    """Text lines (dicts with text, x0, top, x1, bottom) in reading order."""
    from pdfplumber.utils.text import chars_to_textmap

    chars = _char_dicts(glyphs, height)
    if not chars:
        return []
    lines = chars_to_textmap(chars).extract_text_lines(strip=True, return_chars=False)
    return [ln for ln in lines if ln["text"].strip()]


def line_blocks(glyphs: Sequence[Glyph], height: float) -> list[list[dict[str, Any]]]:
    """Lines (``lines_of`` dicts) grouped into blocks: a new block starts at a vertical gap or a
    jump to another column."""
    out: list[list[dict[str, Any]]] = []
    cur: list[dict[str, Any]] = []
    for ln in lines_of(glyphs, height):
        if cur:
            prev = cur[-1]
            h = max(prev["bottom"] - prev["top"], 1.0)
            gap = ln["top"] - prev["bottom"]
            apart = ln["x0"] > prev["x1"] or ln["x1"] < prev["x0"]
            if gap > BLOCK_GAP * h or gap < -h or apart:
                out.append(cur)
                cur = []
        cur.append(ln)
    if cur:
        out.append(cur)
    return out


def block_of(lines: Sequence[dict[str, Any]], visibility: Visibility, role: str) -> Block:
    """One Block from consecutive lines: their text joined, their boxes' union."""
    texts = tuple(ln["text"] for ln in lines)
    return Block("\n".join(texts), line_box(lines), visibility, role, texts)


def line_box(lines: Sequence[dict[str, Any]]) -> Rect:
    return (
        min(ln["x0"] for ln in lines),
        min(ln["top"] for ln in lines),
        max(ln["x1"] for ln in lines),
        max(ln["bottom"] for ln in lines),
    )


def blocks(glyphs: Sequence[Glyph], height: float, visibility: Visibility, role: str) -> list[Block]:
    """Group lines into blocks: a new block starts at a vertical gap or a jump to another column."""
    return [block_of(b, visibility, role) for b in line_blocks(glyphs, height)]


# --- tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageTable:
    bbox: Rect  # top-left convention
    rows: list[list[str | None]]
    cells: tuple[Rect, ...]  # cell boxes (top-left convention): glyphs inside went into ``rows``

    def holds(self, x: float, top: float) -> bool:
        return any(c[0] <= x <= c[2] and c[1] <= top <= c[3] for c in self.cells)


def tables(page: Any, visible_seqs: set[int]) -> list[PageTable]:
    """Ruled tables on the page (pdfplumber's line-based finder), built from visible glyphs only."""
    view = page.filter(lambda o: o.get("object_type") != "char" or o.get("mcid") in visible_seqs)
    found: list[PageTable] = []
    for t in view.find_tables():
        rows = [[_cell(v) for v in row] for row in t.extract()]
        rows = [r for r in rows if any(v for v in r)]
        width = max((len(r) for r in rows), default=0)
        if len(rows) >= MIN_TABLE_ROWS and width >= MIN_TABLE_COLUMNS:
            cells = tuple(tuple(float(x) for x in c) for c in t.cells)
            found.append(PageTable(tuple(float(x) for x in t.bbox), rows, cells))  # type: ignore[arg-type]
    return found


def _cell(v: str | None) -> str | None:
    if v is None:
        return None
    v = " ".join(v.split())
    return v or None


# --- tables drawn with whitespace -------------------------------------------------------------
# Many PDFs draw a table as strings placed at fixed x positions, with no ruling lines: a listing
# exported from a case system, a roster typeset with tab stops. pdfplumber's line-based finder
# sees nothing there. Rows are recognised by LAYOUT only: words on one baseline, split into cells
# at gaps much wider than a space, whose cells fall into the same x ranges row after row.

# A gap wider than this many font heights between two words ends a cell (a space is ~0.3 em;
# justified prose rarely stretches one that far; a table column gap is often little more).
CELL_GAP_EM = 1.0
# A bullet set apart from its text by a tab stop is a list marker, not a column.
LIST_MARKERS = frozenset("\u2022\u00b7\u25aa\u25e6\u2023\u2013\u25cf\u25a0-*o\uf0b7")
# Words whose tops differ by less than this share of their height sit on one row.
ROW_TOLERANCE = 0.5
# Rows further apart than this many row heights end a whitespace table.
MAX_ROW_GAP = 2.5
# A whitespace table has at least this many rows (a header and two records, or three records).
MIN_LAYOUT_ROWS = 3
# Cells of a table are short: an entry, not a line of prose. Two text columns side by side (a
# newsletter, a two-column article) have cells of many words and stay prose.
MAX_CELL_WORDS = 6
MAX_CELL_CHARS = 48
MAX_MEAN_CELL_WORDS = 3.5
# A two-column run whose first cells end with ":" this often is a form (label: value), not a table.
FORM_LABEL_SHARE = 0.6


@dataclass(frozen=True)
class Cell:
    text: str
    x0: float
    x1: float


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    top: float
    bottom: float


@dataclass(frozen=True)
class LayoutTable:
    """A table drawn with whitespace: ``rows`` as a grid (None for an empty cell)."""

    bbox: Rect  # top-left convention
    rows: list[list[str | None]]

    def holds(self, x: float, top: float) -> bool:
        b = self.bbox
        return b[0] - 1 <= x <= b[2] + 1 and b[1] - 1 <= top <= b[3] + 1


def rows_of(glyphs: Sequence[Glyph], height: float) -> list[Row]:
    """Rows of words top to bottom, each split into cells at wide gaps."""
    from pdfplumber.utils.text import WordExtractor

    chars = _char_dicts(glyphs, height)
    if not chars:
        return []
    words = WordExtractor(x_tolerance=3, y_tolerance=3).extract_words(chars)
    words.sort(key=lambda w: (w["top"], w["x0"]))
    grouped: list[list[dict[str, Any]]] = []
    for w in words:
        h = max(w["bottom"] - w["top"], 1.0)
        if grouped and abs(w["top"] - grouped[-1][0]["top"]) <= ROW_TOLERANCE * h:
            grouped[-1].append(w)
        else:
            grouped.append([w])
    out: list[Row] = []
    for ws in grouped:
        ws.sort(key=lambda w: w["x0"])
        cells: list[Cell] = []
        cur = [ws[0]]
        for w in ws[1:]:
            h = max(w["bottom"] - w["top"], cur[-1]["bottom"] - cur[-1]["top"], 1.0)
            marker = len(cur) == 1 and cur[0]["text"] in LIST_MARKERS  # "•   text": one item
            if w["x0"] - cur[-1]["x1"] > CELL_GAP_EM * h and not marker:
                cells.append(Cell(" ".join(c["text"] for c in cur), cur[0]["x0"], cur[-1]["x1"]))
                cur = []
            cur.append(w)
        cells.append(Cell(" ".join(c["text"] for c in cur), cur[0]["x0"], cur[-1]["x1"]))
        out.append(Row(tuple(cells), min(w["top"] for w in ws), max(w["bottom"] for w in ws)))
    return out


def _short(cell: Cell) -> bool:
    return len(cell.text) <= MAX_CELL_CHARS and len(cell.text.split()) <= MAX_CELL_WORDS


def _place(spans: list[list[float]], row: Row) -> list[int] | None:
    """The column of each cell of ``row`` (each overlapping exactly one span, no two alike)."""
    cols: list[int] = []
    for c in row.cells:
        hits = [j for j, (a, b) in enumerate(spans) if c.x0 <= b and a <= c.x1]
        if len(hits) != 1 or hits[0] in cols:
            return None
        cols.append(hits[0])
    return cols


def layout_tables(rows: Sequence[Row]) -> list[LayoutTable]:
    """Runs of rows whose short cells fall into the same x ranges (see the constants above)."""
    found: list[LayoutTable] = []
    run: list[tuple[Row, list[int]]] = []
    spans: list[list[float]] = []

    def close() -> None:
        if len(run) >= MIN_LAYOUT_ROWS and len(spans) >= 2:
            t = _finish(run, len(spans))
            if t is not None:
                found.append(t)
        run.clear()
        spans.clear()

    for row in rows:
        if len(row.cells) < 2 or not all(_short(c) for c in row.cells):
            close()
            continue
        h = max(row.bottom - row.top, 1.0)
        cols = None
        if run and row.top - run[-1][0].bottom <= MAX_ROW_GAP * h:
            cols = _place(spans, row)
        if cols is None:
            close()
            spans.extend([c.x0, c.x1] for c in row.cells)
            cols = list(range(len(row.cells)))
        else:
            for c, j in zip(row.cells, cols):
                spans[j][0], spans[j][1] = min(spans[j][0], c.x0), max(spans[j][1], c.x1)
            ordered = sorted(spans)
            if any(ordered[k][1] >= ordered[k + 1][0] for k in range(len(ordered) - 1)):
                close()  # widened columns now touch: not one grid
                spans.extend([c.x0, c.x1] for c in row.cells)
                cols = list(range(len(row.cells)))
        run.append((row, cols))
    close()
    return found


def _finish(run: Sequence[tuple[Row, list[int]]], width: int) -> LayoutTable | None:
    cells = [c for row, _ in run for c in row.cells]
    if sum(len(c.text.split()) for c in cells) / len(cells) > MAX_MEAN_CELL_WORDS:
        return None  # prose set in columns
    firsts = [row.cells[0].text for row, cols in run if cols[0] == 0]
    if width == 2 and sum(t.rstrip().endswith(":") for t in firsts) >= FORM_LABEL_SHARE * len(run):
        return None  # "Label:   value" lines: a form, read as such from the lines' text
    grid: list[list[str | None]] = []
    for row, cols in run:
        out: list[str | None] = [None] * width
        for c, j in zip(row.cells, cols):
            out[j] = c.text
        grid.append(out)
    # Columns are the first row's cells, left to right: later rows only widen them.
    bbox = (
        min(c.x0 for c in cells),
        min(row.top for row, _ in run),
        max(c.x1 for c in cells),
        max(row.bottom for row, _ in run),
    )
    return LayoutTable(bbox, grid)
