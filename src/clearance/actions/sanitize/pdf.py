"""PDF writer: true redaction. Text, glyphs and image pixels under a region are removed from the
page, not covered; a black box may be painted afterwards, over nothing.

How a region is applied (``pdf_glyphs`` finds the glyphs):

* pdfminer interprets the page and reports every glyph with its box and the index of the
  text-showing operator (``Tj``, ``TJ``, ``'``, ``"``) that drew it; pikepdf parses the same
  content stream, so the n-th text operator is the same in both;
* an operator with glyphs in a region is rewritten as a ``TJ`` that keeps the other glyphs and
  replaces each removed one with a kerning number of exactly its advance
  (w0 * 1000 + (Tc + Tw) * 1000 / Tfs), so text after it stays where it was and stays selectable;
* a form XObject with glyphs in a region is not drawn any more (its ``Do`` is removed; noted);
* image XObjects under a region get the pixels there overwritten (decoded with Pillow via
  pikepdf, filled, re-encoded losslessly); image masks and inline images under a region are
  dropped whole.

Regions come from the plan (actions with page + bbox, top-left convention as the extractor
writes them) and from Redact annotations, which are applied and then removed. The file is
written fresh by pikepdf (qpdf): earlier revisions and unreferenced objects do not survive.
JavaScript is always removed; attachments, form values, annotation comments and metadata
(Info and XMP) go when the plan names them.

Not handled: glyphs in Type 3 fonts drawn by their own procedures (pdfminer does not run
them: such a page raises ``CannotSanitize`` rather than leave text), vertical writing, images
placed rotated or skewed (the whole image is filled).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, ClassVar

from clearance import formats
from clearance.actions.sanitize.base import Action, ActionKind, CannotSanitize, Plan, Removal, Summary
from clearance.actions.sanitize.pdf_glyphs import Glyph, PageGlyphs, analyse_pages
from clearance.model import Location, Visibility

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in pdfminer layout space (bottom-left)
_TEXT_OPS = frozenset({"Tj", "TJ", "'", '"'})
# Kinds whose page + bbox name a region to redact.
_REGION_KINDS = frozenset(
    {
        ActionKind.REDACT_REGION,
        ActionKind.REDACT_TEXT,
        ActionKind.DROP_ELEMENT,
        ActionKind.CLEAR_CELLS,
        ActionKind.MASK_CELLS,
        ActionKind.PSEUDONYMISE,
        ActionKind.GENERALISE,
    }
)
# A region is grown by this many points on each side: pdfminer's glyph boxes and a finding's
# block box are computed from font metrics and may differ by a hair.
REGION_MARGIN = 0.5


@dataclass
class Options:
    """Writer choices that are not in the plan's SanitizeOptions."""

    black_box: bool = True  # paint a box where text was removed (over nothing)


@dataclass
class _Page:
    regions: list[Rect] = field(default_factory=list)
    actions: list[Action | None] = field(default_factory=list)


def _to_layout(ctm: tuple[float, ...], r: Rect) -> Rect:
    a, b, c, d, e, f = ctm
    pts = [(x, y) for x in (r[0], r[2]) for y in (r[1], r[3])]
    xs = [a * x + c * y + e for x, y in pts]
    ys = [b * x + d * y + f for x, y in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def _inverse(ctm: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = ctm
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def page_ctm(page: Any) -> tuple[float, ...]:
    """User space -> pdfminer layout space (as pdfminer's ``process_page`` sets it)."""
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    rot = int(page.obj.get("/Rotate", 0)) % 360
    if rot == 90:
        return (0, -1, 1, 0, -y0, x1)
    if rot == 180:
        return (-1, 0, 0, -1, x1, y1)
    if rot == 270:
        return (0, 1, -1, 0, y1, -x0)
    return (1, 0, 0, 1, -x0, -y0)


def _height(page: Any) -> float:
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    rot = int(page.obj.get("/Rotate", 0)) % 360
    return abs(x1 - x0) if rot in (90, 270) else abs(y1 - y0)


def _hit(g: Rect, regions: Iterable[Rect]) -> bool:
    cx, cy = (g[0] + g[2]) / 2, (g[1] + g[3]) / 2
    return any(r[0] <= cx <= r[2] and r[1] <= cy <= r[3] for r in regions)


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class PdfSanitizer:
    media_types: ClassVar[tuple[str, ...]] = (formats.PDF,)

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()

    def sanitize(self, data: BinaryIO, plan: Plan, out: BinaryIO) -> Summary:
        import pikepdf

        raw = data.read()
        try:
            pdf = pikepdf.open(io.BytesIO(raw))
        except pikepdf.PasswordError:
            raise CannotSanitize("the PDF is encrypted; it cannot be rewritten") from None
        except pikepdf.PdfError as exc:
            raise CannotSanitize(f"the PDF could not be parsed ({type(exc).__name__})") from None
        with pdf:
            w = _Writer(pdf, raw, plan, self.options)
            w.run()
            buf = io.BytesIO()
            # A fresh file: no incremental sections, no unreferenced objects, no /Prev chain.
            pdf.save(buf, fix_metadata_version=False, deterministic_id=True, compress_streams=True)
        out.write(buf.getvalue())
        return Summary(tuple(w.removals), tuple(w.notes))


class _Writer:
    def __init__(self, pdf: Any, raw: bytes, plan: Plan, options: Options) -> None:
        self.pdf, self.raw, self.plan, self.options = pdf, raw, plan, options
        self.removals: list[Removal] = []
        self.notes: list[str] = []

    def removed(
        self, kind: ActionKind, loc: Location, what: str, n: int = 1, a: Action | None = None
    ) -> None:
        ex = (a.masked,) if a is not None and a.masked else ()
        self.removals.append(Removal(kind, loc, what, n, ex))

    def wants(
        self, *kinds: ActionKind, vis: tuple[Visibility, ...] = (), part: str | None = None
    ) -> list[Action]:
        return [
            a
            for a in self.plan.actions
            if a.kind in kinds or a.visibility in vis or (part is not None and a.location.part == part)
        ]

    def run(self) -> None:
        pages = self._regions()
        if pages:
            self._redact(pages)
        self._javascript()
        if self.wants(ActionKind.DROP_EMBEDDED, vis=(Visibility.EMBEDDED_FILE,)) or any(
            a.location.members for a in self.plan.actions
        ):
            self._attachments()
        if self.wants(ActionKind.DROP_FIELD, part="AcroForm"):
            self._forms()
        if self.wants(ActionKind.DROP_METADATA, vis=(Visibility.METADATA,), part="Info") or self.wants(
            part="XMP"
        ):
            self._metadata()
        self._annotation_comments()
        if self.wants(ActionKind.DROP_REVISIONS, vis=(Visibility.EARLIER_REVISION,)):
            self.removed(ActionKind.DROP_REVISIONS, Location(), "earlier revisions dropped (file rewritten)")

    # --- regions ----------------------------------------------------------------------------

    def _regions(self) -> dict[int, _Page]:
        import pikepdf

        pages: dict[int, _Page] = {}
        n_pages = len(self.pdf.pages)
        for a in self.plan.actions:
            loc = a.location
            if loc.page is None or loc.bbox is None or loc.revision is not None:
                continue
            if a.kind not in _REGION_KINDS and a.visibility not in (
                Visibility.UNDER_REDACTION,
                Visibility.INVISIBLE_TEXT,
                Visibility.HIDDEN_LAYER,
            ):
                continue
            if not 1 <= loc.page <= n_pages:
                raise CannotSanitize(f"page {loc.page} does not exist")
            h = _height(self.pdf.pages[loc.page - 1])
            x0, top, x1, bottom = loc.bbox
            m = REGION_MARGIN
            pg = pages.setdefault(loc.page, _Page())
            pg.regions.append((x0 - m, h - bottom - m, x1 + m, h - top + m))
            pg.actions.append(a)
        # Redact annotations: applied, then removed.
        for no, page in enumerate(self.pdf.pages, 1):
            annots = page.obj.get("/Annots")
            if not isinstance(annots, pikepdf.Array):
                continue
            ctm = page_ctm(page)
            keep = []
            for an in annots:
                if isinstance(an, pikepdf.Dictionary) and an.get("/Subtype") == "/Redact":
                    for r in _annot_rects(an):
                        pg = pages.setdefault(no, _Page())
                        pg.regions.append(_to_layout(ctm, r))
                        pg.actions.append(None)
                    self.removed(
                        ActionKind.REDACT_REGION,
                        Location(page=no, field="Redact"),
                        "Redact annotation applied and removed",
                    )
                else:
                    keep.append(an)
            if len(keep) != len(annots):
                page.obj.Annots = pikepdf.Array(keep)
        return pages

    def _redact(self, pages: dict[int, _Page]) -> None:
        found = analyse_pages(self.raw, sorted(pages))
        for no, pg in sorted(pages.items()):
            glyphs = found.get(no)
            if glyphs is None:
                raise CannotSanitize(f"page {no} could not be interpreted")
            self._redact_page(no, self.pdf.pages[no - 1], pg, glyphs)

    def _redact_page(self, no: int, page: Any, pg: _Page, pgl: PageGlyphs) -> None:
        import pikepdf

        regions = pg.regions
        by_op: dict[int, list[Glyph]] = {}
        for g in pgl.glyphs:
            if g.op is not None:
                by_op.setdefault(g.op, []).append(g)
        hit_ops = {op for op, gs in by_op.items() if any(_hit(g.bbox, regions) for g in gs)}
        hit_forms = {
            g.form_do for g in pgl.glyphs if g.op is None and g.form_do is not None and _hit(g.bbox, regions)
        }
        if pgl.type3 and any(_overlaps(b, r) for b in pgl.type3 for r in regions):
            raise CannotSanitize(
                f"page {no}: Type 3 font text under a region cannot be removed glyph by glyph"
            )
        removed_glyphs = 0
        ops = pikepdf.parse_content_stream(page)
        new_ops: list[Any] = []
        k_text = k_do = k_inline = 0
        for inst in ops:
            if isinstance(inst, pikepdf.ContentStreamInlineImage):
                box = pgl.inline_images.get(k_inline)
                k_inline += 1
                if box is not None and any(_overlaps(box, r) for r in regions):
                    self.notes.append(f"page {no}: an inline image under a redaction was removed whole")
                    continue
                new_ops.append(inst)
                continue
            op = str(inst.operator)
            if op in _TEXT_OPS:
                idx = k_text
                k_text += 1
                if idx in hit_ops:
                    gs = by_op[idx]
                    drop = [_hit(g.bbox, regions) for g in gs]
                    removed_glyphs += sum(drop)
                    new_ops.extend(_rewrite(inst, op, gs, drop))
                    continue
            elif op == "Do":
                idx = k_do
                k_do += 1
                if idx in hit_forms:
                    self.notes.append(
                        f"page {no}: a form XObject with text under a redaction is no longer drawn"
                    )
                    continue
            new_ops.append(inst)
        # Images: overwrite pixels under the regions.
        filled = 0
        for img in pgl.images:
            rs = [r for r in regions if _overlaps(img.bbox, r)]
            if rs:
                filled += self._fill_image(img.objid, img.bbox, rs, no)
        content = pikepdf.unparse_content_stream(new_ops)
        if self.options.black_box:
            inv = _inverse(page_ctm(page))
            boxes = b"".join(
                b"%.3f %.3f %.3f %.3f re\n" % (u[0], u[1], u[2] - u[0], u[3] - u[1])
                for u in (_to_layout(inv, r) for r in regions)
            )
            content = b"q\n" + content + b"\nQ\nq 0 g\n" + boxes + b"f\nQ\n"
        page.obj.Contents = self.pdf.make_stream(content)
        for a in pg.actions or [None]:
            loc = a.location if a is not None else Location(page=no)
            what = f"text removed under redaction on page {no} ({removed_glyphs} glyphs"
            what += f", {filled} image(s) filled)" if filled else ")"
            self.removed(ActionKind.REDACT_REGION, loc, what, max(removed_glyphs, 1), a)
            break

    def _fill_image(self, objid: int, bbox: Rect, regions: list[Rect], no: int) -> int:
        import zlib

        import pikepdf
        from PIL import ImageDraw

        try:
            obj = self.pdf.get_object((objid, 0))
        except Exception:
            raise CannotSanitize(f"page {no}: an image under a redaction could not be found") from None
        if obj.get("/ImageMask", False):
            obj.write(b"\xff" * len(obj.read_bytes()))  # nothing is painted
            return 1
        try:
            im = pikepdf.PdfImage(obj).as_pil_image()
        except Exception:
            raise CannotSanitize(f"page {no}: an image under a redaction could not be decoded") from None
        im = im.convert("L" if im.mode in ("1", "L") else "RGB")
        w, h = im.size
        bw, bh = max(bbox[2] - bbox[0], 1e-6), max(bbox[3] - bbox[1], 1e-6)
        draw = ImageDraw.Draw(im)
        for r in regions:
            px0 = int((max(r[0], bbox[0]) - bbox[0]) / bw * w)
            px1 = int(-(-(min(r[2], bbox[2]) - bbox[0]) / bw * w // 1))
            py0 = int((bbox[3] - min(r[3], bbox[3])) / bh * h)
            py1 = int(-(-(bbox[3] - max(r[1], bbox[1])) / bh * h // 1))
            draw.rectangle((px0, py0, max(px0, px1 - 1), max(py0, py1 - 1)), fill=0)
        obj.write(zlib.compress(im.tobytes()), filter=pikepdf.Name.FlateDecode)
        obj.ColorSpace = pikepdf.Name.DeviceGray if im.mode == "L" else pikepdf.Name.DeviceRGB
        obj.BitsPerComponent = 8
        for key in ("/DecodeParms", "/Decode"):
            if key in obj:
                del obj[key]
        return 1

    # --- document-level parts ------------------------------------------------------------------

    def _javascript(self) -> None:
        import pikepdf

        root = self.pdf.Root
        n = 0
        names = root.get("/Names")
        if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
            del names["/JavaScript"]
            n += 1
        oa = root.get("/OpenAction")
        if isinstance(oa, pikepdf.Dictionary) and oa.get("/S") == "/JavaScript":
            del root["/OpenAction"]
            n += 1
        for holder in [root, *(p.obj for p in self.pdf.pages)]:
            if "/AA" in holder:
                del holder["/AA"]
                n += 1
        for page in self.pdf.pages:
            for an in page.obj.get("/Annots", []) or []:
                if isinstance(an, pikepdf.Dictionary):
                    a = an.get("/A")
                    if isinstance(a, pikepdf.Dictionary) and a.get("/S") == "/JavaScript":
                        del an["/A"]
                        n += 1
                    if "/AA" in an:
                        del an["/AA"]
                        n += 1
        if n:
            self.removed(ActionKind.DROP_ELEMENT, Location(field="JavaScript"), "JavaScript removed", n)

    def _attachments(self) -> None:
        import pikepdf

        n = 0
        names = self.pdf.Root.get("/Names")
        if isinstance(names, pikepdf.Dictionary) and "/EmbeddedFiles" in names:
            n += len(list(_name_tree_values(names.EmbeddedFiles)))
            del names["/EmbeddedFiles"]
        if "/AF" in self.pdf.Root:
            del self.pdf.Root["/AF"]
        for page in self.pdf.pages:
            annots = page.obj.get("/Annots")
            if not isinstance(annots, pikepdf.Array):
                continue
            keep = [
                a
                for a in annots
                if not (isinstance(a, pikepdf.Dictionary) and a.get("/Subtype") == "/FileAttachment")
            ]
            if len(keep) != len(annots):
                n += len(annots) - len(keep)
                page.obj.Annots = pikepdf.Array(keep)
        if n:
            self.removed(ActionKind.DROP_EMBEDDED, Location(), f"{n} attachment(s) removed", n)

    def _forms(self) -> None:
        import pikepdf

        form = self.pdf.Root.get("/AcroForm")
        if not isinstance(form, pikepdf.Dictionary):
            return
        named = {
            a.location.field for a in self.wants(ActionKind.DROP_FIELD, part="AcroForm") if a.location.field
        }
        n = 0
        stack = [(f, "") for f in form.get("/Fields", [])]
        while stack:
            f, prefix = stack.pop()
            name = str(f.get("/T", ""))
            full = f"{prefix}.{name}" if prefix and name else (name or prefix)
            for kid in f.get("/Kids", []) or []:
                stack.append((kid, full))
            if "/V" in f and (not named or full in named or name in named):
                del f["/V"]
                for w in [f, *(f.get("/Kids", []) or [])]:
                    if "/AP" in w:
                        del w["/AP"]
                n += 1
        if n:
            form.NeedAppearances = True
            if "/XFA" in form:
                del form["/XFA"]
            self.removed(ActionKind.DROP_FIELD, Location(part="AcroForm"), f"{n} form value(s) cleared", n)

    def _metadata(self) -> None:
        import pikepdf

        n = 0
        if "/Info" in self.pdf.trailer:
            del self.pdf.trailer["/Info"]
            n += 1
        if "/Metadata" in self.pdf.Root:
            del self.pdf.Root["/Metadata"]
            n += 1
        for page in self.pdf.pages:
            for key in ("/Metadata", "/PieceInfo"):
                if key in page.obj:
                    del page.obj[key]
        if "/PieceInfo" in self.pdf.Root:
            del self.pdf.Root["/PieceInfo"]
        _ = pikepdf
        if n:
            self.removed(
                ActionKind.DROP_METADATA, Location(part="Info"), "document metadata removed (Info and XMP)", n
            )

    def _annotation_comments(self) -> None:
        """Comments and their authors (annotation /Contents, /T, /RC; Text and Popup notes)."""
        import pikepdf

        targets = {
            (a.location.page, a.location.field)
            for a in self.plan.actions
            if a.location.page is not None and a.location.bbox is None and a.location.field
        }
        if self.plan.of(ActionKind.DROP_COMMENTS) or any(
            a.visibility is Visibility.COMMENT for a in self.plan.actions
        ):
            targets.add((None, None))
        if not targets:
            return
        n = 0
        for no, page in enumerate(self.pdf.pages, 1):
            annots = page.obj.get("/Annots")
            if not isinstance(annots, pikepdf.Array):
                continue
            keep = []
            for an in annots:
                if not isinstance(an, pikepdf.Dictionary):
                    keep.append(an)
                    continue
                sub = str(an.get("/Subtype", "")).lstrip("/")
                if (None, None) not in targets and (no, sub) not in targets and (no, "Popup") not in targets:
                    keep.append(an)
                    continue
                if sub in ("Text", "Popup"):
                    n += 1
                    continue
                for key in ("/Contents", "/T", "/RC", "/Subj", "/Popup"):
                    if key in an and sub not in ("Link", "Widget"):
                        del an[key]
                        n += 1
                keep.append(an)
            if len(keep) != len(annots):
                page.obj.Annots = pikepdf.Array(keep)
        if n:
            self.removed(ActionKind.DROP_COMMENTS, Location(), "annotation comments and authors removed", n)


def _annot_rects(an: Any) -> list[Rect]:
    q = an.get("/QuadPoints")
    out: list[Rect] = []
    if q is not None and len(q) >= 8:
        vals = [float(v) for v in q]
        for i in range(0, len(vals) - 7, 8):
            xs, ys = vals[i : i + 8 : 2], vals[i + 1 : i + 8 : 2]
            out.append((min(xs), min(ys), max(xs), max(ys)))
    r = an.get("/Rect")
    if not out and r is not None and len(r) == 4:
        x0, y0, x1, y1 = (float(v) for v in r)
        out.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return out


def _name_tree_values(node: Any) -> Iterable[Any]:
    names = node.get("/Names")
    if names is not None:
        for i in range(1, len(names), 2):
            yield names[i]
    for kid in node.get("/Kids", []) or []:
        yield from _name_tree_values(kid)


def _rewrite(inst: Any, op: str, glyphs: list[Glyph], drop: list[bool]) -> list[Any]:
    """The instruction(s) replacing one text-showing operator with some glyphs removed."""
    import pikepdf

    operands = list(inst.operands)
    pre: list[Any] = []
    if op == "'":
        pre = [pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*"))]
        seq: list[Any] = [operands[-1]]
    elif op == '"':
        pre = [
            pikepdf.ContentStreamInstruction([operands[0]], pikepdf.Operator("Tw")),
            pikepdf.ContentStreamInstruction([operands[1]], pikepdf.Operator("Tc")),
            pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*")),
        ]
        seq = [operands[2]]
    elif op == "Tj":
        seq = [operands[0]]
    else:
        seq = list(operands[0])
    arr = _rebuild(seq, glyphs, drop)
    return [*pre, pikepdf.ContentStreamInstruction([pikepdf.Array(arr)], pikepdf.Operator("TJ"))]


def _advance(g: Glyph, code: bytes) -> float:
    """A removed glyph's advance as a TJ number (thousandths of text space, negative = right)."""
    if not g.fontsize:
        return 0.0
    extra = g.charspace + (g.wordspace if code == b" " and not g.multibyte else 0.0)
    return -(g.w0 * 1000 + extra * 1000 / g.fontsize)


def _rebuild(seq: list[Any], glyphs: list[Glyph], drop: list[bool]) -> list[Any]:
    import pikepdf

    strings = [bytes(s) for s in seq if isinstance(s, pikepdf.String | bytes)]
    total = sum(len(s) for s in strings)
    k = 2 if glyphs and glyphs[0].multibyte else 1
    if total != k * len(glyphs):
        # Codes of varying width: we cannot tell which bytes drew which glyph. Drop every glyph of
        # the operator, keeping its total advance, so nothing else moves.
        adv = sum(_advance(g, b"") for g in glyphs)
        nums = sum(float(s) for s in seq if not isinstance(s, pikepdf.String | bytes))
        return [adv + nums]
    out: list[Any] = []
    cur = bytearray()
    pending = 0.0
    gi = 0

    def flush() -> None:
        nonlocal cur
        if cur:
            out.append(pikepdf.String(bytes(cur)))
            cur = bytearray()

    for item in seq:
        if not isinstance(item, pikepdf.String | bytes):
            flush()
            pending += float(item)
            continue
        b = bytes(item)
        for i in range(0, len(b), k):
            code = b[i : i + k]
            g = glyphs[gi]
            if drop[gi]:
                flush()
                pending += _advance(g, code)
            else:
                if pending:
                    flush()
                    out.append(round(pending, 4))
                    pending = 0.0
                cur.extend(code)
            gi += 1
    flush()
    if pending:
        out.append(round(pending, 4))
    return out


SANITIZERS = (PdfSanitizer,)
