"""PDF extractor: visible text and tables, every hiding place (positive and negative), bad input.

Fixtures are PDFs composed byte by byte here (``_pdf``/``_update``), so each test controls the
exact drawing order, annotations and revisions it is about.
"""

from __future__ import annotations

import io
import os
import time
import zlib
from pathlib import Path

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors import ocr
from clearance.extractors.pdf import PdfExtractor
from clearance.formats import document_from_bytes
from clearance.model import Document, Extracted, Note, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())
NAME = "Ana Garcia Lopez"
DOB = "born 1987-03-03"
BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "ice_detainee_deaths"


# --- a tiny PDF writer ----------------------------------------------------------------------------


def _stream(content: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        content = zlib.compress(content)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def _objects(contents: list[bytes], *, page_extra: bytes = b"", root_extra: bytes = b"") -> dict[int, bytes]:
    """1 catalog, 2 pages, 3 font, then per page: page object, content stream."""
    objs: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R" + root_extra + b" >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for i, content in enumerate(contents):
        pid, cid = 10 + 2 * i, 11 + 2 * i
        kids.append(b"%d 0 R" % pid)
        objs[pid] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >>" % cid + page_extra + b" >>"
        )
        objs[cid] = _stream(content)
    objs[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(contents)
    return objs


def _body(objs: dict[int, bytes], start: int) -> tuple[bytes, dict[int, int]]:
    out, offsets = b"", {}
    for num in sorted(objs):
        offsets[num] = start + len(out)
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    return out, offsets


def _xref(offsets: dict[int, int], with_free: bool) -> bytes:
    out = b"xref\n"
    if with_free:
        out += b"0 1\n0000000000 65535 f \n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    return out


def _pdf(objs: dict[int, bytes], trailer_extra: bytes = b"") -> bytes:
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    body, offsets = _body(objs, len(head))
    xref_at = len(head) + len(body)
    size = max(objs) + 1
    tail = _xref(offsets, True) + b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        trailer_extra,
        xref_at,
    )
    return head + body + tail


def _update(base: bytes, objs: dict[int, bytes], trailer_extra: bytes = b"") -> bytes:
    """An incremental update: new objects, an xref section and a trailer pointing back (/Prev)."""
    prev = int(base.rstrip().rsplit(b"startxref", 1)[1].split()[0])
    body, offsets = _body(objs, len(base))
    xref_at = len(base) + len(body)
    size = max(max(objs) + 1, 100)
    tail = _xref(
        offsets, False
    ) + b"trailer\n<< /Size %d /Root 1 0 R /Prev %d%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        prev,
        trailer_extra,
        xref_at,
    )
    return base + body + tail


def _text(s: str, x: int = 72, y: int = 700, extra: bytes = b"") -> bytes:
    return b"BT /F1 12 Tf " + extra + b" %d %d Td (%s) Tj ET\n" % (x, y, s.encode())


BLACK_BOX = b"0 0 0 rg 60 690 300 30 re f\n"


def _doc(data: bytes, name: str = "file.pdf") -> Document:
    return document_from_bytes(data, name)


def _run(data: bytes, ctx: ExtractContext = CTX) -> list[Extracted]:
    return list(PdfExtractor().extract(_doc(data), ctx))


def _segs(out: list[Extracted], vis: Visibility | None = None) -> list[Segment]:
    return [o for o in out if isinstance(o, Segment) and (vis is None or o.visibility is vis)]


def _texts(out: list[Extracted], vis: Visibility) -> str:
    return "\n".join(s.text for s in _segs(out, vis))


def _hidden_texts(out: list[Extracted]) -> str:
    return "\n".join(s.text for s in _segs(out) if s.visibility is not Visibility.VISIBLE)


# --- basics ---------------------------------------------------------------------------------------


def test_protocol_and_media_type() -> None:
    assert isinstance(PdfExtractor(), Extractor)
    assert PdfExtractor.media_types == (formats.PDF,)
    assert _doc(_pdf(_objects([_text(NAME)]))).media_type == formats.PDF


def test_visible_text_with_page_and_bbox() -> None:
    out = _run(_pdf(_objects([_text(NAME), _text(DOB, y=500)])))
    segs = _segs(out, Visibility.VISIBLE)
    by_text = {s.text: s for s in segs}
    assert set(by_text) == {NAME, DOB}
    assert by_text[NAME].location.page == 1 and by_text[DOB].location.page == 2
    x0, top, x1, bottom = by_text[NAME].location.bbox
    assert 71 <= x0 <= 73 and 80 <= top < bottom <= 95 and x1 > x0 + 50  # 792 - 700 = 92 baseline
    assert not _hidden_texts(out)


def test_lines_group_into_blocks() -> None:
    content = _text("Letter to", y=700) + _text(NAME, y=686) + _text("Appendix", y=400)
    segs = _segs(_run(_pdf(_objects([content]))), Visibility.VISIBLE)
    assert [s.text for s in segs] == [f"Letter to\n{NAME}", "Appendix"]


def test_ruled_table_becomes_table() -> None:
    rows = [
        ("NAME", "SEX", "DATE OF BIRTH"),
        ("GARCIA, Ana", "F", "3/3/1987"),
        ("LEE, Kuan", "M", "1/2/1970"),
        ("BA, Ousmane", "M", "5/6/1980"),
    ]
    content = b"0.5 w\n"
    xs, top = [50, 200, 260, 400], 700
    for r in range(len(rows) + 1):
        content += b"50 %d m 400 %d l S\n" % (top - 20 * r, top - 20 * r)
    for x in xs:
        content += b"%d %d m %d %d l S\n" % (x, top, x, top - 20 * len(rows))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            content += _text(v, x=xs[c] + 3, y=top - 20 * r - 14)
    out = _run(_pdf(_objects([content])))
    tables = [o for o in out if isinstance(o, Table)]
    assert len(tables) == 1
    t = tables[0]
    assert t.header == ("NAME", "SEX", "DATE OF BIRTH")
    assert [list(r) for r in t.rows] == [list(r) for r in rows[1:]]
    assert t.location.page == 1 and t.location.bbox is not None
    assert "GARCIA" not in _texts(out, Visibility.VISIBLE)  # not repeated as prose


# --- hiding places: bad redactions ---------------------------------------------------------------


def test_black_box_drawn_over_text_is_under_redaction() -> None:
    out = _run(_pdf(_objects([_text(NAME) + BLACK_BOX])))
    assert _texts(out, Visibility.UNDER_REDACTION) == NAME
    assert not _texts(out, Visibility.VISIBLE)


def test_proper_redaction_yields_no_hidden_text() -> None:
    out = _run(_pdf(_objects([BLACK_BOX + _text("Case summary", y=600)])))
    assert _texts(out, Visibility.VISIBLE) == "Case summary"
    assert not _hidden_texts(out)


def test_box_drawn_before_text_is_a_background_not_a_cover() -> None:
    content = b"0.9 0.9 0.2 rg 60 690 300 30 re f\n0 0 0 rg\n" + _text(NAME)
    out = _run(_pdf(_objects([content])))
    assert _texts(out, Visibility.VISIBLE) == NAME
    assert not _hidden_texts(out)


def test_semi_transparent_box_is_not_a_cover() -> None:
    content = _text(NAME) + b"/GS1 gs 1 1 0 rg 60 690 300 30 re f\n"
    objs = _objects([content])
    objs[10] = objs[10].replace(
        b"/Font << /F1 3 0 R >>", b"/Font << /F1 3 0 R >> /ExtGState << /GS1 4 0 R >>"
    )
    objs[4] = b"<< /Type /ExtGState /ca 0.3 >>"
    out = _run(_pdf(objs))
    assert _texts(out, Visibility.VISIBLE) == NAME


def test_unapplied_redact_annotation_hides_nothing() -> None:
    objs = _objects([_text(NAME)], page_extra=b" /Annots [5 0 R]")
    objs[5] = (
        b"<< /Type /Annot /Subtype /Redact /Rect [60 690 360 720]"
        b" /QuadPoints [60 720 360 720 60 690 360 690] >>"
    )
    out = _run(_pdf(objs))
    assert _texts(out, Visibility.UNDER_REDACTION) == NAME


def test_opaque_highlight_annotation_is_a_cover_but_multiply_highlight_is_not() -> None:
    def with_highlight(ap_res: bytes) -> bytes:
        objs = _objects([_text(NAME)], page_extra=b" /Annots [5 0 R]")
        objs[5] = b"<< /Type /Annot /Subtype /Highlight /Rect [60 690 360 720] /AP << /N 6 0 R >> >>"
        objs[6] = _stream(
            b"0 0 0 rg 0 0 300 30 re f", b" /Type /XObject /Subtype /Form /BBox [0 0 300 30]" + ap_res
        )
        objs[7] = b"<< /Type /ExtGState /BM /Multiply >>"
        return _pdf(objs)

    opaque = _run(with_highlight(b""))
    assert _texts(opaque, Visibility.UNDER_REDACTION) == NAME
    see_through = _run(with_highlight(b" /Resources << /ExtGState << /G0 7 0 R >> >>"))
    assert _texts(see_through, Visibility.VISIBLE) == NAME
    assert not _texts(see_through, Visibility.UNDER_REDACTION)


# --- hiding places: invisible text ---------------------------------------------------------------


def test_white_text_on_white_is_invisible() -> None:
    out = _run(_pdf(_objects([b"1 1 1 rg\n" + _text(NAME) + b"0 0 0 rg\n" + _text("Visible", y=500)])))
    assert _texts(out, Visibility.INVISIBLE_TEXT) == NAME
    assert _texts(out, Visibility.VISIBLE) == "Visible"


def test_white_text_on_black_background_is_visible() -> None:
    out = _run(_pdf(_objects([BLACK_BOX + b"1 1 1 rg\n" + _text(NAME)])))
    assert _texts(out, Visibility.VISIBLE) == NAME
    assert not _hidden_texts(out)


def test_render_mode_3_is_invisible() -> None:
    out = _run(_pdf(_objects([_text(NAME, extra=b"3 Tr")])))
    assert _texts(out, Visibility.INVISIBLE_TEXT) == NAME


def test_ocr_layer_over_scan_is_visible_text() -> None:
    # a 1x1 grey image stretched over the page, then invisible text: a scanned page with OCR layer
    content = b"q 612 0 0 792 0 0 cm /Im1 Do Q\n" + _text(NAME, extra=b"3 Tr")
    objs = _objects([content])
    objs[10] = objs[10].replace(b"/Font << /F1 3 0 R >>", b"/Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >>")
    objs[4] = _stream(
        b"\x80",
        b" /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8",
    )
    out = _run(_pdf(objs))
    segs = _segs(out, Visibility.VISIBLE)
    assert [s.text for s in segs] == [NAME] and segs[0].role == "ocr-layer"
    assert not any(isinstance(o, Note) and o.code.startswith("ocr") for o in out)


def test_text_off_the_page_is_invisible() -> None:
    out = _run(_pdf(_objects([_text(NAME, x=900, y=700) + _text("On page", y=500)])))
    assert _texts(out, Visibility.INVISIBLE_TEXT) == NAME
    assert _texts(out, Visibility.VISIBLE) == "On page"


def test_tiny_text_is_invisible() -> None:
    content = b"BT /F1 0.3 Tf 72 700 Td (%s) Tj ET\n" % NAME.encode()
    assert _texts(_run(_pdf(_objects([content]))), Visibility.INVISIBLE_TEXT) == NAME


def test_optional_content_switched_off_is_hidden_layer() -> None:
    content = b"/OC /L1 BDC\n" + _text(NAME) + b"EMC\n/OC /L2 BDC\n" + _text("Shown layer", y=500) + b"EMC\n"
    objs = _objects([content], root_extra=b" /OCProperties << /OCGs [5 0 R 6 0 R] /D << /OFF [5 0 R] >> >>")
    objs[10] = objs[10].replace(
        b"/Font << /F1 3 0 R >>", b"/Font << /F1 3 0 R >> /Properties << /L1 5 0 R /L2 6 0 R >>"
    )
    objs[5] = b"<< /Type /OCG /Name (Draft) >>"
    objs[6] = b"<< /Type /OCG /Name (Final) >>"
    out = _run(_pdf(objs))
    assert _texts(out, Visibility.HIDDEN_LAYER) == NAME
    assert _texts(out, Visibility.VISIBLE) == "Shown layer"


# --- earlier revisions -----------------------------------------------------------------------------


def test_text_deleted_by_incremental_update_survives_as_earlier_revision() -> None:
    base = _pdf(_objects([_text(NAME) + _text("Report", y=500)]))
    updated = _update(base, {11: _stream(_text("Report", y=500))})
    out = _run(updated)
    assert _texts(out, Visibility.VISIBLE) == "Report"
    old = _segs(out, Visibility.EARLIER_REVISION)
    assert [s.text for s in old] == [NAME]
    assert old[0].location.revision == 1 and old[0].location.page == 1


def test_incremental_update_that_keeps_the_text_reports_nothing_old() -> None:
    base = _pdf(_objects([_text("Report", y=500)]))
    updated = _update(base, {11: _stream(_text("Report", y=500) + _text("Annex", y=400))})
    out = _run(updated)
    assert not _segs(out, Visibility.EARLIER_REVISION)
    assert "Annex" in _texts(out, Visibility.VISIBLE)


def test_metadata_author_of_earlier_revision() -> None:
    objs = _objects([_text("Report")])
    objs[4] = b"<< /Author (Chiara Rodriguez) /Title (Draft) >>"
    base = _pdf(objs, b" /Info 4 0 R")
    updated = _update(base, {4: b"<< /Author (Records Office) >>"}, b" /Info 4 0 R")
    out = _run(updated)
    authors = {(s.text, s.visibility) for s in _segs(out) if s.role == "metadata-author"}
    assert authors == {
        ("Records Office", Visibility.METADATA),
        ("Chiara Rodriguez", Visibility.EARLIER_REVISION),
    }


# --- structure: metadata, forms, comments, attachments, JavaScript --------------------------------


def test_info_metadata_roles() -> None:
    objs = _objects([_text("Report")])
    objs[4] = b"<< /Author (Chiara Rodriguez) /Title (Case of Ana) /Producer (Distiller) >>"
    out = _run(_pdf(objs, b" /Info 4 0 R"))
    meta = {(s.role, s.text) for s in _segs(out, Visibility.METADATA)}
    assert meta == {("metadata-author", "Chiara Rodriguez"), ("metadata", "Case of Ana")}


def test_form_field_values() -> None:
    objs = _objects([_text("Form")], root_extra=b" /AcroForm << /Fields [5 0 R 6 0 R] >>")
    objs[5] = b"<< /FT /Tx /T (applicant_name) /V (%s) >>" % NAME.encode()
    objs[6] = b"<< /FT /Btn /T (consent) /V /Yes >>"
    out = _run(_pdf(objs))
    fields = [s for s in _segs(out) if s.role == "form-field"]
    assert [(s.text, s.location.field, s.context) for s in fields] == [
        (NAME, "applicant_name", ("applicant_name",))
    ]


def test_comment_annotation_and_author() -> None:
    objs = _objects([_text("Report")], page_extra=b" /Annots [5 0 R]")
    objs[5] = (
        b"<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (Call %s) /T (J. Smith) >>"
        % NAME.encode()
    )
    out = _run(_pdf(objs))
    comments = _segs(out, Visibility.COMMENT)
    assert {(s.role, s.text) for s in comments} == {
        ("comment", f"Call {NAME}"),
        ("metadata-author", "J. Smith"),
    }
    assert all(s.location.page == 1 for s in comments)


def test_embedded_file_and_file_attachment_become_children() -> None:
    csv = b"name,dob\nAna Garcia,1987-03-03\n"
    objs = _objects(
        [_text("Report")],
        page_extra=b" /Annots [8 0 R]",
        root_extra=b" /Names << /EmbeddedFiles << /Names [(people.csv) 5 0 R] >> >>",
    )
    objs[5] = b"<< /Type /Filespec /F (people.csv) /EF << /F 6 0 R >> >>"
    objs[6] = _stream(csv, b" /Type /EmbeddedFile", compress=True)
    objs[8] = b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 9 0 R >>"
    objs[9] = b"<< /Type /Filespec /F (notes.txt) /EF << /F 7 0 R >> >>"
    objs[7] = _stream(b"Interview notes", b" /Type /EmbeddedFile")
    doc = _doc(_pdf(objs), "report.pdf")
    children = [o for o in PdfExtractor().extract(doc, CTX) if isinstance(o, Document)]
    by_name = {c.members[-1]: c for c in children}
    assert set(by_name) == {"people.csv", "notes.txt"}
    child = by_name["people.csv"]
    assert child.visibility is Visibility.EMBEDDED_FILE and child.depth == 1
    assert child.media_type == formats.CSV and child.path == "report.pdf!people.csv"
    assert child.open().read() == csv


def test_attachment_beyond_max_depth_is_a_blocking_note() -> None:
    objs = _objects(
        [_text("Report")], root_extra=b" /Names << /EmbeddedFiles << /Names [(a.txt) 5 0 R] >> >>"
    )
    objs[5] = b"<< /Type /Filespec /F (a.txt) /EF << /F 6 0 R >> >>"
    objs[6] = _stream(b"hello", b" /Type /EmbeddedFile")
    deep = Document(**{**_doc(_pdf(objs)).__dict__, "depth": 4})
    out = list(PdfExtractor().extract(deep, CTX))
    assert not any(isinstance(o, Document) for o in out)
    assert any(isinstance(o, Note) and o.code == "embedded-too-deep" and o.blocking for o in out)


def test_javascript_is_a_non_blocking_note() -> None:
    objs = _objects([_text("Report")], root_extra=b" /OpenAction 5 0 R")
    objs[5] = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    notes = [o for o in _run(_pdf(objs)) if isinstance(o, Note)]
    assert [(n.code, n.blocking) for n in notes] == [("javascript", False)]
    assert not [o for o in _run(_pdf(_objects([_text("Report")]))) if isinstance(o, Note)]


# --- scanned pages ----------------------------------------------------------------------------------


def _scan_pdf(text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("L", (1275, 1650), 255)  # US Letter at 150 dpi
    try:
        font = ImageFont.load_default(size=48)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    ImageDraw.Draw(im).text((150, 200), text, fill=0, font=font)
    raw = im.tobytes()
    objs = _objects([b"q 612 0 0 792 0 0 cm /Im1 Do Q\n"])
    objs[10] = objs[10].replace(b"/Font << /F1 3 0 R >>", b"/XObject << /Im1 4 0 R >>")
    objs[4] = _stream(
        raw,
        b" /Type /XObject /Subtype /Image /Width 1275 /Height 1650 /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8",
        compress=True,
    )
    return _pdf(objs)


def test_scanned_page_without_ocr_is_a_blocking_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    out = _run(_scan_pdf("Ana Garcia"))
    notes = [o for o in out if isinstance(o, Note)]
    assert [(n.code, n.blocking, n.location.page) for n in notes] == [("ocr-unavailable", True, 1)]
    assert "page 1 is an image" in notes[0].message and "Garcia" not in notes[0].message


def _need_tesseract() -> None:
    if not ocr.available():
        if os.environ.get("CI"):
            pytest.fail("tesseract must be installed in CI (apt-get install tesseract-ocr)")
        pytest.skip("tesseract not installed")


def test_scanned_page_is_ocred() -> None:
    _need_tesseract()
    out = _run(_scan_pdf("Ana Garcia Lopez 1987"))
    segs = [s for s in _segs(out, Visibility.VISIBLE) if s.role == "ocr"]
    assert "Garcia" in " ".join(s.text for s in segs)
    assert all(s.location.page == 1 and s.location.bbox for s in segs)
    x0, top, _, _ = segs[0].location.bbox
    assert 60 < x0 < 90 and 80 < top < 120  # (150, 200) px at 150 dpi = (72, 96) pt
    assert not any(isinstance(o, Note) for o in out)


# --- bad input ------------------------------------------------------------------------------------


def test_garbage_after_header_is_unscannable() -> None:
    with pytest.raises(Unscannable) as exc:
        _run(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    assert exc.value.code == "corrupt"


def test_truncated_pdf_is_unscannable_or_partial_never_crashes() -> None:
    data = _pdf(_objects([_text(NAME)]))
    for cut in (20, len(data) // 3, len(data) // 2):
        try:
            _run(data[:cut])
        except Unscannable as exc:
            assert exc.code in ("corrupt", "encrypted")


def _encrypted(user: str, owner: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(_objects([_text(NAME)])))))
    w.encrypt(user_password=user, owner_password=owner, algorithm="AES-256")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_user_password_is_unscannable_encrypted() -> None:
    with pytest.raises(Unscannable) as exc:
        _run(_encrypted("secret", "owner"))
    assert exc.value.code == "encrypted"
    assert "secret" not in exc.value.reason


def test_owner_password_only_is_scanned() -> None:
    out = _run(_encrypted("", "owner"))
    assert _texts(out, Visibility.VISIBLE) == NAME


def test_decompression_bomb_is_refused() -> None:
    bomb = zlib.compress(b"\0" * (64 * 1024 * 1024), 9)  # 64 MiB of zeros in ~64 KiB
    objs = _objects([_text(NAME)])
    objs[4] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"
    limits = Limits(max_member_bytes=8 * 1024 * 1024)
    with pytest.raises(Unscannable) as exc:
        _run(_pdf(objs), ExtractContext(limits=limits))
    assert exc.value.code == "bomb"


def test_too_many_pages_is_unscannable() -> None:
    data = _pdf(_objects([_text("p")] * 6))
    with pytest.raises(Unscannable) as exc:
        _run(data, ExtractContext(limits=Limits(max_pages=5)))
    assert exc.value.code == "limit"


def test_cyclic_page_tree_ends_quickly() -> None:
    objs = _objects([_text(NAME)])
    objs[2] = b"<< /Type /Pages /Kids [10 0 R 2 0 R] /Count 2 >>"  # the tree contains itself
    start = time.monotonic()
    try:
        out = _run(_pdf(objs))
        assert NAME in _texts(out, Visibility.VISIBLE)
    except Unscannable as exc:
        assert exc.code in ("corrupt", "limit")
    assert time.monotonic() - start < 10


def test_deeply_nested_page_tree_ends_as_unscannable_or_reads() -> None:
    depth = 3000
    objs = _objects([_text(NAME)])
    objs[2] = b"<< /Type /Pages /Kids [1000 0 R] /Count 1 >>"
    for d in range(depth):
        kid = b"%d 0 R" % (1001 + d) if d < depth - 1 else b"10 0 R"
        objs[1000 + d] = b"<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count 1 >>" % (999 + d if d else 2, kid)
    objs[10] = objs[10].replace(b"/Parent 2 0 R", b"/Parent %d 0 R" % (999 + depth))
    start = time.monotonic()
    try:
        _run(_pdf(objs))
    except Unscannable as exc:
        assert exc.code in ("corrupt", "limit")
    assert time.monotonic() - start < 20


def test_file_over_max_file_bytes_is_refused() -> None:
    data = _pdf(_objects([_text(NAME)]))
    with pytest.raises(Unscannable) as exc:
        _run(data, ExtractContext(limits=Limits(max_file_bytes=100)))
    assert exc.value.code == "limit"


# --- real government PDFs (benchmarks; skipped when the folder is absent) ----------------------------


@pytest.mark.skipif(not BENCH.exists(), reason="benchmark PDFs not present")
def test_deaths_list_table_of_people() -> None:
    path = BENCH / "detaineedeaths-2003-2017.pdf"
    doc = _doc(path.read_bytes(), path.name)
    out = list(PdfExtractor().extract(doc, CTX))
    tables = [o for o in out if isinstance(o, Table) and o.key.startswith("pdf-table-")]  # ruled
    assert tables and tables[0].header is not None
    assert "ALIEN NAME" in tables[0].header and "DATE OF BIRTH" in tables[0].header
    rows = [r for t in tables for r in t.rows]
    assert len(rows) >= 160  # 172 deaths; a few rows split by page breaks come out as text
    flat = " ".join(v or "" for r in rows for v in r)
    assert "PATEL, Atulkumar Babubhai" in flat and "12/31/1958" in flat and "HONDURAS" in flat


@pytest.mark.skipif(not BENCH.exists(), reason="benchmark PDFs not present")
@pytest.mark.parametrize("name", ["ddrKuanHuiLee.pdf", "ddr_OusmaneBa.pdf", "ddrVolkovGuerman.pdf"])
def test_death_reports_give_names_and_birth_dates(name: str) -> None:
    path = BENCH / "death_reports" / name
    out = list(PdfExtractor().extract(_doc(path.read_bytes(), name), CTX))
    text = _texts(out, Visibility.VISIBLE)
    # a bulleted "Label: value" list is read as one record: its labels head a table
    text += " ".join(" ".join(o.header or ()) for o in out if isinstance(o, Table))
    assert "Date of Birth" in text or "DOB" in text or "Born" in text
    assert any(s.location.page == 1 and s.location.bbox for s in _segs(out, Visibility.VISIBLE))
