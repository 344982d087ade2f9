"""Where each glyph of a PDF page is, and which content-stream operator drew it.

pdfminer interprets the page (its coordinates: origin at the bottom-left of the page as
displayed, the same space the extractor's boxes come from). Every text-showing operator at the
top level of the page stream gets an index, counted in stream order as pikepdf's
``parse_content_stream`` lists them; glyphs drawn inside a form XObject carry the index of the
top-level ``Do`` that drew the form instead. Images carry their object number and box.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Glyph:
    op: int | None  # index of the top-level text operator; None inside a form XObject
    form_do: int | None  # index of the top-level Do that drew the form holding this glyph
    bbox: Rect
    w0: float  # glyph width in text space per unit of font size (Widths / 1000)
    fontsize: float
    charspace: float  # Tc, unscaled
    wordspace: float  # Tw, unscaled
    multibyte: bool


@dataclass(frozen=True)
class Image:
    objid: int
    bbox: Rect


@dataclass
class PageGlyphs:
    glyphs: list[Glyph] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    inline_images: dict[int, Rect] = field(default_factory=dict)  # k-th inline image -> box
    type3: list[Rect] = field(default_factory=list)  # boxes of Type 3 glyphs (drawn by procedures)


def _classes() -> tuple[type, type]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdffont import PDFType3Font
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfminer.psparser import LIT

    form_lit = LIT("Form")

    class Device(PDFPageAggregator):  # type: ignore[misc]
        def __init__(self, rsrcmgr: Any) -> None:
            super().__init__(rsrcmgr, laparams=None)
            self.reset()

        def reset(self) -> None:
            self.page = PageGlyphs()
            self.op = -1
            self.do = -1
            self.depth = 0
            self.form_do: int | None = None
            self.inline = -1
            self.state: Any = None

        def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
            self.state = textstate
            super().render_string(textstate, seq, ncs, graphicstate)

        def render_char(
            self,
            matrix: Any,
            font: Any,
            fontsize: float,
            scaling: float,
            rise: float,
            cid: int,
            ncs: Any,
            graphicstate: Any,
        ) -> float:
            adv: float = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
            item = self.cur_item._objs[-1]
            ts = self.state
            box = (float(item.x0), float(item.y0), float(item.x1), float(item.y1))
            if isinstance(font, PDFType3Font):
                self.page.type3.append(box)
            self.page.glyphs.append(
                Glyph(
                    self.op if self.depth == 0 else None,
                    self.form_do if self.depth else None,
                    box,
                    float(font.char_width(cid)),
                    float(fontsize),
                    float(ts.charspace) if ts is not None else 0.0,
                    float(ts.wordspace) if ts is not None else 0.0,
                    bool(font.is_multibyte()),
                )
            )
            return adv

        def render_image(self, name: str, stream: Any) -> None:
            super().render_image(name, stream)
            item = self.cur_item._objs[-1]
            box = (float(item.x0), float(item.y0), float(item.x1), float(item.y1))
            if getattr(stream, "objid", None):
                self.page.images.append(Image(int(stream.objid), box))
            elif self.depth == 0:
                self.page.inline_images[self.inline] = box

    class Interpreter(PDFPageInterpreter):  # type: ignore[misc]
        def do_TJ(self, seq: Any) -> None:
            dev = self.device
            if dev.depth == 0:
                dev.op += 1
            super().do_TJ(seq)

        def do_Do(self, xobjid_arg: Any) -> None:
            dev = self.device
            if dev.depth == 0:
                dev.do += 1
                dev.form_do = dev.do
            dev.depth += 1
            try:
                super().do_Do(xobjid_arg)
            finally:
                dev.depth -= 1

        def do_EI(self, obj: Any) -> None:
            dev = self.device
            if dev.depth == 0:
                dev.inline += 1
            super().do_EI(obj)

    _ = form_lit
    return Device, Interpreter


def analyse_pages(data: bytes, pages: Sequence[int]) -> dict[int, PageGlyphs]:
    """Glyphs and images of the given 1-based pages."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    Device, Interpreter = _classes()
    wanted = set(pages)
    out: dict[int, PageGlyphs] = {}
    doc = PDFDocument(PDFParser(io.BytesIO(data)))
    rsrc = PDFResourceManager(caching=True)
    dev = Device(rsrc)
    interp = Interpreter(rsrc, dev)
    for no, page in enumerate(PDFPage.create_pages(doc), 1):
        if no > max(wanted, default=0):
            break
        if no not in wanted:
            continue
        dev.reset()
        interp.process_page(page)
        out[no] = dev.page
    return out
