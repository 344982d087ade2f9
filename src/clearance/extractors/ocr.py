"""Optical character recognition with the Tesseract binary, and an extractor for standalone images.

Tesseract is optional (Debian/Ubuntu package ``tesseract-ocr``, which brings the English
model). Without it an image cannot be inspected, so callers report a *blocking* Note: an image
of a passport must never pass because nothing could read it.

The binary is found on PATH (``shutil.which``); this is the only lookup outside the document.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import ClassVar

from clearance import formats
from clearance.model import Document, Extracted, Location, Note, Segment, Unscannable, Visibility
from clearance.plugins import ExtractContext

PNG = formats.PNG
JPEG = formats.JPEG
TIFF = formats.TIFF
IMAGE_TYPES = (PNG, JPEG, TIFF)

# One OCR run may take this long (seconds) before the image counts as not inspected: a
# 600-dpi A4 page takes Tesseract a few seconds; minutes mean something is wrong.
OCR_TIMEOUT = 120
# Images with more pixels than this are refused (decompression bombs: a 50 kB PNG can declare
# 100,000 x 100,000 pixels). 120 Mpx is a 600-dpi A3 scan.
MAX_OCR_PIXELS = 120_000_000
# Words Tesseract is less sure of than this (0-100) are noise from stains and lines.
MIN_CONFIDENCE = 30.0
# TIFFs with more pages than this are refused rather than OCRed page by page for minutes.
MAX_IMAGE_FRAMES = 500
# EXIF tags that name people or describe the picture: tag number -> (name, role).
EXIF_TEXT_TAGS = {
    315: ("Artist", "metadata-author"),
    270: ("ImageDescription", "metadata"),
    33432: ("Copyright", "metadata"),
    40093: ("XPAuthor", "metadata-author"),
    40092: ("XPComment", "metadata"),
    40095: ("XPSubject", "metadata"),
    40091: ("XPTitle", "metadata"),
}
EXIF_GPS_IFD = 0x8825

Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels


class OcrError(Exception):
    """OCR could not run on an image (not installed, timed out, unreadable image)."""


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def available() -> bool:
    return tesseract_path() is not None


UNAVAILABLE_HINT = "install the [ocr] extra / tesseract"


def ocr_image(
    image_bytes: bytes, *, lang: str = "eng", timeout: float = OCR_TIMEOUT
) -> list[tuple[str, Box]]:
    """Text lines of an image (PNG, JPEG or TIFF bytes) with their pixel boxes, top to bottom.

    Runs ``tesseract stdin stdout tsv`` and groups its words by (page, block, paragraph, line).
    Raises ``OcrError`` when Tesseract is missing or fails; messages never carry image text.
    """
    exe = tesseract_path()
    if exe is None:
        raise OcrError("tesseract is not installed")
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "-l", lang, "tsv"],
            input=image_bytes,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"tesseract took longer than {timeout:.0f} s") from None
    except OSError as exc:
        raise OcrError(f"tesseract could not run ({type(exc).__name__})") from None
    if proc.returncode != 0:
        raise OcrError(f"tesseract failed with exit status {proc.returncode}")
    return _parse_tsv(proc.stdout.decode("utf-8", "replace"))


def _parse_tsv(tsv: str) -> list[tuple[str, Box]]:
    lines: dict[tuple[str, ...], list[tuple[str, Box]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":  # level 5 = word
            continue
        text = cols[11].strip()
        try:
            conf = float(cols[10])
            left, top, w, h = (float(v) for v in cols[6:10])
        except ValueError:
            continue
        if not text or conf < MIN_CONFIDENCE:
            continue
        lines.setdefault(tuple(cols[1:5]), []).append((text, (left, top, left + w, top + h)))
    out: list[tuple[str, Box]] = []
    for words in lines.values():
        box = (
            min(b[0] for _, b in words),
            min(b[1] for _, b in words),
            max(b[2] for _, b in words),
            max(b[3] for _, b in words),
        )
        out.append((" ".join(t for t, _ in words), box))
    return out


def _check_image(data: bytes) -> tuple[int, int, int, list[Extracted]]:
    """(width, height, frames, metadata segments/notes) without decoding pixels; bombs refused."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            frames = getattr(im, "n_frames", 1)
            exif = im.getexif()
    except Image.DecompressionBombError:
        raise Unscannable("image declares too many pixels (possible decompression bomb)", "bomb") from None
    except Exception as exc:
        raise Unscannable(f"image is corrupt or truncated ({type(exc).__name__})", "corrupt") from None
    if w * h > MAX_OCR_PIXELS:
        raise Unscannable(f"image has {w * h:,} pixels, over the limit of {MAX_OCR_PIXELS:,}", "limit")
    if frames > MAX_IMAGE_FRAMES:
        raise Unscannable(f"image has {frames:,} pages, over the limit of {MAX_IMAGE_FRAMES:,}", "limit")
    meta: list[Extracted] = []
    for tag, (name, role) in EXIF_TEXT_TAGS.items():
        value = exif.get(tag)
        if isinstance(value, bytes):  # XP* tags are UTF-16LE
            value = value.decode("utf-16-le", "replace")
        if isinstance(value, str) and value.strip("\x00 "):
            meta.append(
                Segment(
                    text=value.strip("\x00 "),
                    location=Location(part="EXIF", field=name),
                    visibility=Visibility.METADATA,
                    context=(name,),
                    role=role,
                )
            )
    try:
        gps = exif.get_ifd(EXIF_GPS_IFD)
    except Exception:
        gps = None
    if gps:
        meta.append(
            Note(
                code="gps-location",
                message="the image carries GPS coordinates of where it was taken",
                location=Location(part="EXIF", field="GPSInfo"),
                visibility=Visibility.METADATA,
            )
        )
    return w, h, frames, meta


class ImageExtractor:
    """PNG, JPEG and TIFF: OCR text lines (visible) and EXIF text (metadata)."""

    name: ClassVar[str] = "image"
    media_types: ClassVar[tuple[str, ...]] = IMAGE_TYPES

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        with doc.open() as fh:
            data = fh.read(ctx.limits.max_file_bytes + 1)
        if len(data) > ctx.limits.max_file_bytes:
            raise Unscannable(f"image is larger than {ctx.limits.max_file_bytes:,} bytes", "limit")
        _, _, _, meta = _check_image(data)
        for m in meta:
            if isinstance(m, Segment):
                yield Segment(
                    m.text,
                    Location(part="EXIF", field=m.location.field, members=doc.members),
                    m.visibility,
                    m.context,
                    m.role,
                )
            else:
                yield m
        if not available():
            yield Note(
                code="ocr-unavailable",
                message=f"the file is an image; it was not inspected ({UNAVAILABLE_HINT})",
                location=Location(members=doc.members),
                blocking=True,
            )
            return
        try:
            lines = ocr_image(data)
        except OcrError as exc:
            yield Note(
                code="ocr-failed",
                message=f"the file is an image and OCR failed: {exc}",
                location=Location(members=doc.members),
                blocking=True,
            )
            return
        for text, box in lines:
            yield Segment(
                text=text,
                location=Location(bbox=box, members=doc.members),
                visibility=Visibility.VISIBLE,
                context=("OCR",),
                role="ocr",
            )
