"""The PDF's object structure (pypdf): metadata, XMP, annotations, form fields, attachments,
JavaScript, and the annotation rectangles that cover page text (Redact, opaque highlights).

Page text itself is laid out by ``pdf_layout`` (pdfminer); this module never reads content
streams except the small appearance streams of annotations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clearance.model import Location, Note, Segment, Table, Visibility

# Info-dictionary keys that carry people's names or free text, and their roles.
INFO_ROLES = {
    "/Author": "metadata-author",
    "/Title": "metadata",
    "/Subject": "metadata",
    "/Keywords": "metadata",
}
# Keys that name software or dates, not people: skipped.
INFO_SKIP = frozenset({"/Producer", "/Creator", "/CreationDate", "/ModDate", "/Trapped"})
# An annotation's constant opacity at or above this is opaque.
OPAQUE_ALPHA = 0.99
# Annotation kinds whose appearance can paint over text.
PAINTING_ANNOTS = frozenset({"/Highlight", "/Square", "/Polygon", "/Ink", "/Stamp", "/Circle", "/FreeText"})
# Annotation kinds whose /Contents is shown on the page itself, not in a pop-up.
VISIBLE_TEXT_ANNOTS = frozenset({"/FreeText"})
# A form with at least this many filled-in text fields is a record: its values reach the
# detectors as one table row under the fields' labels, so "Name" sits over the name.
FORM_TABLE_MIN_FIELDS = 2
# Kinds with no text of their own worth reading.
SKIP_ANNOTS = frozenset({"/Popup", "/Link", "/Widget"})
_FILL_OP = re.compile(rb"(?:^|\s)(?:f\*?|F|B\*?|b\*?)(?:\s|$)")
_TRANSPARENT_BM = (b"/Multiply", b"/Darken", b"/Screen", b"/Lighten")


@dataclass(frozen=True)
class Cover:
    """An annotation area that hides or is meant to hide page text (default user space)."""

    rect: tuple[float, float, float, float]  # x0, y0, x1, y1
    kind: str  # "redact" (never applied) | "opaque-annotation"


@dataclass
class Structure:
    segments: list[Segment] = field(default_factory=list)
    covers: dict[int, list[Cover]] = field(default_factory=dict)  # 0-based page index -> covers
    attachments: list[tuple[str, Callable[[], bytes]]] = field(default_factory=list)
    javascript: bool = False
    notes: list[Note] = field(default_factory=list)
    # The form's text values as one record under their labels (``_forms``); when set, the
    # "form-field" segments are kept only to compare revisions, not given to detectors.
    form_table: Table | None = None


def _obj(x: Any) -> Any:
    try:
        return x.get_object() if x is not None else None
    except Exception:
        return None


def _text(x: Any) -> str | None:
    x = _obj(x)
    if x is None:
        return None
    if isinstance(x, bytes):
        x = x.decode("latin-1", "replace")
    if not isinstance(x, str):
        return None
    x = x.replace("\x00", "").strip()
    return x or None


def _num(x: Any, default: float) -> float:
    try:
        return float(_obj(x))
    except (TypeError, ValueError):
        return default


def _rect(x: Any) -> tuple[float, float, float, float] | None:
    x = _obj(x)
    try:
        a, b, c, d = (float(_obj(v)) for v in x)
    except (TypeError, ValueError):
        return None
    return (min(a, c), min(b, d), max(a, c), max(b, d))


def _quads(annot: Any) -> list[tuple[float, float, float, float]]:
    q = _obj(annot.get("/QuadPoints"))
    out: list[tuple[float, float, float, float]] = []
    try:
        nums = [float(_obj(v)) for v in q or ()]
    except (TypeError, ValueError):
        return out
    for i in range(0, len(nums) - 7, 8):
        xs, ys = nums[i : i + 8 : 2], nums[i + 1 : i + 8 : 2]
        out.append((min(xs), min(ys), max(xs), max(ys)))
    return out


def _appearance_is_opaque(annot: Any) -> bool:
    """True when the annotation paints an opaque fill (a black box), not a see-through highlight."""
    if _num(annot.get("/CA"), 1.0) < OPAQUE_ALPHA:
        return False
    ap = _obj(annot.get("/AP"))
    normal = _obj(ap.get("/N")) if ap is not None else None
    if normal is not None and hasattr(normal, "get_data"):
        try:
            data = normal.get_data()
        except Exception:
            return False
        res = _obj(normal.get("/Resources"))
        gs = _obj(res.get("/ExtGState")) if res is not None else None
        for v in (gs or {}).values():
            g = _obj(v) or {}
            bm = str(_obj(g.get("/BM")) or "").encode()
            if any(m in bm for m in _TRANSPARENT_BM) or _num(g.get("/ca"), 1.0) < OPAQUE_ALPHA:
                return False
        return bool(_FILL_OP.search(data))
    # No appearance: viewers paint a Square/Circle's interior colour when it has one.
    return str(annot.get("/Subtype")) in ("/Square", "/Circle") and bool(_obj(annot.get("/IC")))


def _has_js_action(d: Any) -> bool:
    d = _obj(d)
    if not hasattr(d, "get"):
        return False
    if str(_obj(d.get("/S"))) == "/JavaScript" or "/JS" in d:
        return True
    aa = _obj(d.get("/AA"))
    if hasattr(aa, "values"):
        return any(_has_js_action(v) for v in aa.values())
    return False


def _filespec_data(fs: Any, limit: int) -> Callable[[], bytes] | None:
    fs = _obj(fs)
    ef = _obj(fs.get("/EF")) if hasattr(fs, "get") else None
    if not ef:
        return None
    stream = _obj(ef.get("/UF") or ef.get("/F"))
    if stream is None or not hasattr(stream, "get_data"):
        return None

    def read() -> bytes:
        return stream.get_data()[: limit + 1]

    return read


def _filespec_name(fs: Any, default: str) -> str:
    fs = _obj(fs)
    if hasattr(fs, "get"):
        for k in ("/UF", "/F", "/Desc"):
            t = _text(fs.get(k))
            if t:
                return t
    return default


def collect(reader: Any, members: tuple[str, ...], *, max_bytes: int, max_items: int) -> Structure:
    """Everything outside page content that a reader of the PDF could open or a tool could read."""
    st = Structure()
    _metadata(reader, members, st)
    _xmp(reader, members, st)
    _forms(reader, members, st)
    root = _obj(reader.trailer.get("/Root")) or {}
    names = _obj(root.get("/Names")) or {}
    if "/JavaScript" in names or _has_js_action(root.get("/OpenAction")) or _has_js_action(root):
        st.javascript = True
    _embedded(reader, st, max_bytes, max_items)
    for i, page in enumerate(reader.pages):
        _annotations(page, i, members, st, max_bytes, max_items)
    return st


def _metadata(reader: Any, members: tuple[str, ...], st: Structure) -> None:
    try:
        info = _obj(reader.trailer.get("/Info"))
    except Exception:
        info = None
    if not hasattr(info, "items"):
        return
    for key, value in info.items():
        key = str(key)
        if key in INFO_SKIP:
            continue
        text = _text(value)
        if text:
            st.segments.append(
                Segment(
                    text=text,
                    location=Location(part="Info", field=key.lstrip("/"), members=members),
                    visibility=Visibility.METADATA,
                    context=(key.lstrip("/"),),
                    role=INFO_ROLES.get(key, "metadata"),
                )
            )


def _xmp(reader: Any, members: tuple[str, ...], st: Structure) -> None:
    try:
        xmp = reader.xmp_metadata
    except Exception:
        return
    if xmp is None:
        return
    fields: list[tuple[str, str, Any]] = [
        ("dc:creator", "metadata-author", lambda: xmp.dc_creator),
        ("dc:title", "metadata", lambda: xmp.dc_title),
        ("dc:description", "metadata", lambda: xmp.dc_description),
        ("dc:subject", "metadata", lambda: xmp.dc_subject),
        ("dc:contributor", "metadata-author", lambda: xmp.dc_contributor),
        ("pdf:Keywords", "metadata", lambda: xmp.pdf_keywords),
    ]
    for name, role, get in fields:
        try:
            value = get()
        except Exception:
            continue
        values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v.strip():
                st.segments.append(
                    Segment(
                        text=v.strip(),
                        location=Location(part="XMP", field=name, members=members),
                        visibility=Visibility.METADATA,
                        context=(name,),
                        role=role,
                    )
                )


def _forms(reader: Any, members: tuple[str, ...], st: Structure) -> None:
    try:
        fields = reader.get_fields() or {}
    except Exception:
        return
    labels: list[str] = []
    record: list[str | None] = []
    for name, f in fields.items():
        value = f.get("/V") if hasattr(f, "get") else None
        values = value if isinstance(value, list) else [value]
        texts = [t for v in values if not str(v).startswith("/") and (t := _text(v))]
        if texts:
            label = (_text(f.get("/TU")) if hasattr(f, "get") else None) or str(name).rsplit(".", 1)[-1]
            labels.append(" ".join(label.replace("_", " ").split()))
            record.append("; ".join(texts))
        for v in values:
            text = _text(v) if not str(v).startswith("/") else None  # /Yes, /Off: checkbox states
            if text:
                st.segments.append(
                    Segment(
                        text=text,
                        location=Location(part="AcroForm", field=str(name), members=members),
                        visibility=Visibility.VISIBLE,
                        context=(str(name),),
                        role="form-field",
                    )
                )
        if _has_js_action(f.get("/AA") if hasattr(f, "get") else None):
            st.javascript = True
    if len(record) >= FORM_TABLE_MIN_FIELDS:
        st.form_table = Table(
            key="AcroForm",
            location=Location(part="AcroForm", members=members),
            header=tuple(labels),
            rows=[record],
            first_row=2,
            header_row=1,
            role="form",
        )
    root = _obj(reader.trailer.get("/Root")) or {}
    acro = _obj(root.get("/AcroForm")) or {}
    if "/XFA" in acro:
        st.notes.append(
            Note(
                code="pdf-xfa",
                message="the PDF carries an XFA form; its data packets were not inspected",
                location=Location(part="AcroForm", members=members),
                blocking=True,
            )
        )


def _embedded(reader: Any, st: Structure, max_bytes: int, max_items: int) -> None:
    root = _obj(reader.trailer.get("/Root")) or {}
    names = _obj(root.get("/Names")) or {}
    tree = _obj(names.get("/EmbeddedFiles"))
    if tree is None:
        return
    stack, seen = [tree], 0
    while stack and seen < 10_000:
        node = _obj(stack.pop())
        seen += 1
        if not hasattr(node, "get"):
            continue
        pairs = _obj(node.get("/Names")) or []
        for i in range(0, len(pairs) - 1, 2):
            if len(st.attachments) >= max_items:
                return
            default = _text(pairs[i]) or f"attachment-{len(st.attachments) + 1}"
            fs = pairs[i + 1]
            read = _filespec_data(fs, max_bytes)
            if read is not None:
                st.attachments.append((_filespec_name(fs, default), read))
        stack.extend(_obj(node.get("/Kids")) or [])


def _annotations(
    page: Any, index: int, members: tuple[str, ...], st: Structure, max_bytes: int, max_items: int
) -> None:
    annots = _obj(page.get("/Annots")) or []
    for a in annots:
        annot = _obj(a)
        if not hasattr(annot, "get"):
            continue
        sub = str(_obj(annot.get("/Subtype")))
        if _has_js_action(annot.get("/A")) or _has_js_action(annot):
            st.javascript = True
        if sub in SKIP_ANNOTS:
            continue
        loc = Location(page=index + 1, field=sub.lstrip("/"), members=members)
        contents = _text(annot.get("/Contents"))
        if contents:
            visible = sub in VISIBLE_TEXT_ANNOTS
            st.segments.append(
                Segment(
                    text=contents,
                    location=loc,
                    visibility=Visibility.VISIBLE if visible else Visibility.COMMENT,
                    context=(f"{sub.lstrip('/')} annotation",),
                    role="annotation" if visible else "comment",
                )
            )
        author = _text(annot.get("/T"))
        if author:
            st.segments.append(
                Segment(
                    text=author,
                    location=loc,
                    visibility=Visibility.COMMENT,
                    context=(f"{sub.lstrip('/')} annotation author",),
                    role="metadata-author",
                )
            )
        if sub == "/Redact":
            overlay = _text(annot.get("/OverlayText"))
            if overlay:
                st.segments.append(
                    Segment(text=overlay, location=loc, visibility=Visibility.VISIBLE, role="annotation")
                )
            rects = _quads(annot) or [r for r in [_rect(annot.get("/Rect"))] if r]
            st.covers.setdefault(index, []).extend(Cover(r, "redact") for r in rects)
        elif sub in PAINTING_ANNOTS and _appearance_is_opaque(annot):
            rects = _quads(annot) or [r for r in [_rect(annot.get("/Rect"))] if r]
            st.covers.setdefault(index, []).extend(Cover(r, "opaque-annotation") for r in rects)
        elif sub == "/FileAttachment" and len(st.attachments) < max_items:
            read = _filespec_data(annot.get("/FS"), max_bytes)
            if read is not None:
                name = _filespec_name(annot.get("/FS"), f"attachment-p{index + 1}")
                st.attachments.append((name, read))
