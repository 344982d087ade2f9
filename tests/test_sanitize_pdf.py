"""PdfSanitizer: true redaction. Redacted text can no longer be extracted by any library
(pypdf, pdfminer/pdfplumber, pypdfium2); neighbouring words stay extractable and in place;
fake redactions, earlier revisions, attachments, metadata and Redact annotations are dealt with.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from clearance import formats
from clearance.actions.sanitize.base import Action, ActionKind, Plan, SanitizeOptions
from clearance.actions.sanitize.pdf import PdfSanitizer
from clearance.actions.sanitize.plan import build_plan
from clearance.model import Location, Visibility

pikepdf = pytest.importorskip("pikepdf")
canvas = pytest.importorskip("reportlab.pdfgen.canvas")

H = 792.0
NAME = "Ana Gomez"
DOB = "03/03/1987"
LINE = f"Patient {NAME} born {DOB} visited the clinic."


def _pdf(draw) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, H))
    c.setFont("Helvetica", 12)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _name_box(c) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    """Top-left bbox of NAME in LINE drawn at (72, 700)."""
    x = 72 + c.stringWidth("Patient ", "Helvetica", 12)
    return (x, H - 710, x + c.stringWidth(NAME, "Helvetica", 12), H - 698)


def fake_redaction() -> tuple[bytes, tuple[float, float, float, float]]:
    box: list[tuple[float, float, float, float]] = []

    def draw(c) -> None:  # type: ignore[no-untyped-def]
        c.drawString(72, 700, LINE)
        b = _name_box(c)
        box.append(b)
        c.rect(b[0], H - b[3], b[2] - b[0], b[3] - b[1], fill=1)  # black box over live text
        c.drawString(72, 650, "Second line stays readable.")

    return _pdf(draw), box[0]


def texts(data: bytes) -> dict[str, str]:
    """Page text as every installed library extracts it."""
    import pdfplumber
    import pypdf

    out = {"pypdf": "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        out["pdfplumber"] = "\n".join(p.extract_text() or "" for p in pdf.pages)
    from pdfminer.high_level import extract_text

    out["pdfminer"] = extract_text(io.BytesIO(data))
    try:
        import pypdfium2
    except ImportError:  # optional
        return out
    doc = pypdfium2.PdfDocument(data)
    out["pdfium"] = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    return out


def run(data: bytes, *actions: Action) -> bytes:
    out = io.BytesIO()
    PdfSanitizer().sanitize(io.BytesIO(data), Plan("x.pdf", formats.PDF, actions, SanitizeOptions()), out)
    return out.getvalue()


def region(page: int, bbox: tuple[float, float, float, float]) -> Action:
    return Action(
        ActionKind.REDACT_REGION,
        Location(page=page, bbox=bbox),
        "person-name",
        visibility=Visibility.UNDER_REDACTION,
    )


def test_redacted_text_is_gone_for_every_library_and_neighbours_stay() -> None:
    data, box = fake_redaction()
    assert all(NAME in t for t in texts(data).values())
    out = run(data, region(1, box))
    for lib, t in texts(out).items():
        assert NAME not in t and "Gomez" not in t, lib
        assert "Patient" in t and "born" in t and "visited the clinic." in t, lib
        assert "Second line stays readable." in t, lib
    # glyphs after the removed words did not move
    import pdfplumber

    def x_of(pdf_bytes: bytes, word: str) -> float:
        with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
            return next(w["x0"] for w in pdf.pages[0].extract_words() if w["text"] == word)

    assert x_of(out, "born") == pytest.approx(x_of(data, "born"), abs=0.01)


def test_raw_bytes_hold_no_trace_of_the_redacted_name() -> None:
    data, box = fake_redaction()
    out = run(data, region(1, box))
    with pikepdf.open(io.BytesIO(out)) as pdf:
        content = pdf.pages[0].Contents.read_bytes()
    assert b"Gomez" not in content and b"Ana" not in content
    assert b"Patient" in content


def test_fake_redaction_found_by_scan_is_really_removed(tmp_path: Path) -> None:
    import clearance

    data, _ = fake_redaction()
    src = tmp_path / "in.pdf"
    src.write_bytes(data)
    before = clearance.scan([src]).files[0]
    assert any(f.visibility is Visibility.UNDER_REDACTION for f in before.findings)
    out = io.BytesIO()
    PdfSanitizer().sanitize(io.BytesIO(data), build_plan(before, SanitizeOptions(), stage="hidden"), out)
    for t in texts(out.getvalue()).values():
        assert "Gomez" not in t
        assert "Second line stays readable." in t
    dst = tmp_path / "out.pdf"
    dst.write_bytes(out.getvalue())
    after = clearance.scan([dst]).files[0]
    assert not [f for f in after.findings if f.visibility is Visibility.UNDER_REDACTION]


def test_redact_annotation_is_applied_and_removed() -> None:
    box: list[tuple[float, float, float, float]] = []

    def draw(c) -> None:  # type: ignore[no-untyped-def]
        c.drawString(72, 700, LINE)
        box.append(_name_box(c))

    data = _pdf(draw)
    b = box[0]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        annot = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Redact,
                Rect=pikepdf.Array([b[0], H - b[3], b[2], H - b[1]]),
            )
        )
        pdf.pages[0].obj.Annots = pikepdf.Array([annot])
        buf = io.BytesIO()
        pdf.save(buf)
    out = run(buf.getvalue())
    for t in texts(out).values():
        assert "Gomez" not in t and "visited the clinic." in t
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert not list(pdf.pages[0].obj.get("/Annots", []))


def test_earlier_revision_text_is_gone() -> None:
    import pypdf
    from pypdf.generic import ContentStream

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, H), pageCompression=0)
    c.setFont("Helvetica", 12)
    c.drawString(72, 700, LINE)
    c.showPage()
    c.save()
    first = buf.getvalue()
    # Incremental update (pypdf appends; the first revision stays byte for byte in the file).
    writer = pypdf.PdfWriter(io.BytesIO(first), incremental=True)
    page = writer.pages[0]
    stream = ContentStream(None, writer)
    stream.set_data(b"BT /F1 12 Tf 72 700 Td (Figures only.) Tj ET")
    page.replace_contents(stream)
    upd = io.BytesIO()
    writer.write(upd)
    updated = upd.getvalue()
    assert updated.startswith(first) and b"Gomez" in updated
    out = run(
        updated,
        Action(ActionKind.DROP_REVISIONS, Location(revision=1), visibility=Visibility.EARLIER_REVISION),
    )
    assert b"Gomez" not in out
    assert out.count(b"%%EOF") == 1  # one revision: written fresh
    assert "Figures only." in texts(out)["pdfminer"]


def test_attachments_javascript_and_metadata_gone() -> None:
    data = _pdf(lambda c: c.drawString(72, 700, "Annual figures."))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.attachments["list.csv"] = pikepdf.AttachedFileSpec(pdf, f"name,dob\n{NAME},{DOB}\n".encode())
        pdf.docinfo["/Author"] = NAME
        with pdf.open_metadata() as meta:
            meta["dc:creator"] = [NAME]
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        buf = io.BytesIO()
        pdf.save(buf)
    out = run(
        buf.getvalue(),
        Action(ActionKind.DROP_EMBEDDED, Location(part="list.csv", members=("list.csv",))),
        Action(ActionKind.DROP_METADATA, Location(part="Info", field="Author")),
    )
    assert b"Gomez" not in out
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert not pdf.attachments
        assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root
        assert "/OpenAction" not in pdf.Root
    assert "Annual figures." in texts(out)["pdfminer"]


def test_image_pixels_under_region_are_overwritten() -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    img = Image.new("RGB", (100, 50), (255, 255, 255))

    def draw(c) -> None:  # type: ignore[no-untyped-def]
        c.drawImage(ImageReader(img), 100, 500, width=100, height=50)

    data = _pdf(draw)
    # left half of the image, top-left convention
    out = run(data, region(1, (100, H - 550, 150, H - 500)))
    with pikepdf.open(io.BytesIO(out)) as pdf:
        raw = next(iter(pdf.pages[0].Resources.XObject.values()))
        pil = pikepdf.PdfImage(raw).as_pil_image().convert("RGB")
    assert pil.getpixel((10, 25)) == (0, 0, 0)
    assert pil.getpixel((90, 25)) == (255, 255, 255)
