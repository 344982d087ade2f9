"""OCR module and the image extractor: Tesseract output parsing, OCR of generated images, EXIF,
image bombs, and the blocking note when Tesseract is missing."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image, ImageDraw, ImageFont

from clearance.config.schema import Limits
from clearance.extractors import ocr
from clearance.extractors.ocr import ImageExtractor, _parse_tsv
from clearance.model import Document, Note, Segment, Unscannable, Visibility
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())


def _image(text: str, fmt: str = "PNG", exif: Image.Exif | None = None) -> bytes:
    im = Image.new("L", (1200, 300), 255)
    try:
        font = ImageFont.load_default(size=48)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    ImageDraw.Draw(im).text((40, 100), text, fill=0, font=font)
    buf = io.BytesIO()
    if exif is not None:
        im.save(buf, format=fmt, exif=exif)
    else:
        im.save(buf, format=fmt)
    return buf.getvalue()


def _doc(data: bytes, media_type: str) -> Document:
    return Document(
        path="scan", size=len(data), sha256="0" * 64, media_type=media_type, open=lambda: io.BytesIO(data)
    )


def _need_tesseract() -> None:
    if not ocr.available():
        if os.environ.get("CI"):
            pytest.fail("tesseract must be installed in CI (apt-get install tesseract-ocr)")
        pytest.skip("tesseract not installed")


def test_protocol() -> None:
    assert isinstance(ImageExtractor(), Extractor)
    assert set(ImageExtractor.media_types) == {"image/png", "image/jpeg", "image/tiff"}


def test_parse_tsv_groups_words_into_lines_and_drops_noise() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t10\t20\t50\t12\t96.0\tAna",
        "5\t1\t1\t1\t1\t2\t70\t21\t80\t12\t91.5\tGarcia",
        "5\t1\t1\t1\t2\t1\t10\t50\t40\t12\t12.0\t~~",  # low confidence: noise
        "4\t1\t1\t1\t2\t0\t10\t50\t40\t12\t-1\t",  # line level, not a word
        "5\t1\t2\t1\t1\t1\t10\t90\t60\t12\t88.0\t1987-03-03",
    ]
    lines = _parse_tsv("\n".join([header, *rows]))
    assert lines == [("Ana Garcia", (10.0, 20.0, 150.0, 33.0)), ("1987-03-03", (10.0, 90.0, 70.0, 102.0))]


def test_ocr_image_reads_text() -> None:
    _need_tesseract()
    lines = ocr.ocr_image(_image("Ana Garcia Lopez"))
    assert any("Garcia" in t for t, _ in lines)
    left, top, right, bottom = lines[0][1]
    assert 20 <= left <= 60 and 90 <= top <= 140 and right > left and bottom > top


@pytest.mark.parametrize(("fmt", "media_type"), [("PNG", ocr.PNG), ("JPEG", ocr.JPEG), ("TIFF", ocr.TIFF)])
def test_image_extractor_ocr_segments(fmt: str, media_type: str) -> None:
    _need_tesseract()
    out = list(ImageExtractor().extract(_doc(_image("Ana Garcia Lopez", fmt), media_type), CTX))
    segs = [o for o in out if isinstance(o, Segment)]
    assert any("Garcia" in s.text for s in segs)
    assert all(s.visibility is Visibility.VISIBLE and s.role == "ocr" and s.location.bbox for s in segs)


def test_blank_image_yields_nothing() -> None:
    _need_tesseract()
    out = list(ImageExtractor().extract(_doc(_image(""), ocr.PNG), CTX))
    assert not [o for o in out if isinstance(o, Segment)]
    assert not [o for o in out if isinstance(o, Note)]


def test_without_tesseract_the_image_is_a_blocking_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    out = list(ImageExtractor().extract(_doc(_image("Ana Garcia"), ocr.PNG), CTX))
    assert [(type(o).__name__, o.code, o.blocking) for o in out if isinstance(o, Note)] == [
        ("Note", "ocr-unavailable", True)
    ]
    assert not [o for o in out if isinstance(o, Segment)]
    with pytest.raises(ocr.OcrError):
        ocr.ocr_image(b"\x89PNG")


def test_exif_artist_is_metadata_author(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    exif = Image.Exif()
    exif[315] = "Chiara Rodriguez"
    exif[270] = "Passport photo"
    out = list(ImageExtractor().extract(_doc(_image("x", "JPEG", exif), ocr.JPEG), CTX))
    meta = {(s.role, s.text) for s in out if isinstance(s, Segment) and s.visibility is Visibility.METADATA}
    assert meta == {("metadata-author", "Chiara Rodriguez"), ("metadata", "Passport photo")}


def test_pixel_bomb_is_refused() -> None:
    # a PNG header declaring 60,000 x 60,000 pixels (3.6 Gpx) with almost no data
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 60_000, 60_000, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(Unscannable) as exc:
        list(ImageExtractor().extract(_doc(png, ocr.PNG), CTX))
    assert exc.value.code in ("bomb", "limit")


def test_corrupt_image_is_unscannable() -> None:
    with pytest.raises(Unscannable) as exc:
        list(ImageExtractor().extract(_doc(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, ocr.PNG), CTX))
    assert exc.value.code == "corrupt"
