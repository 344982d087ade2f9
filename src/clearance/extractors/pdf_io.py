"""Low-level PDF reading for the PDF extractor: revisions, bounded views, bombs, opening.

Nothing here interprets page content. Every function is bounded by ``config.schema.Limits`` and
turns hostile input into ``model.Unscannable`` rather than an exception or a hang.

Memory: the file is never read whole. ``PrefixFile`` gives parsers a seekable window onto the
document's own file object, so an earlier revision costs no copy. pypdf and pdfminer each keep
the objects they resolve (raw stream bytes included), so a PDF costs roughly two to three times
the size of the streams actually touched, plus one decoded stream at a time.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from clearance.config.schema import Limits
from clearance.model import Unscannable

# Read the file in 1 MiB steps when looking for revision markers.
SCAN_CHUNK = 1024 * 1024
EOF_MARKER = b"%%EOF"
# A linearized PDF starts with a first-page xref section closed by its own %%EOF; that marker is
# not a revision. The linearization dictionary must sit in the first 1 KiB (PDF 1.7, Annex F).
LINEARIZED_WINDOW = 1024
# Earlier revisions examined at most; files signed or saved hundreds of times are rare and each
# revision costs a parse. More are reported with a Note.
MAX_REVISIONS = 32
# Inflate in 1 MiB steps so a decompression bomb is caught within a megabyte of the cap.
INFLATE_STEP = 1024 * 1024
# Markers of JavaScript in the raw bytes (compressed object streams hide them; the structure
# walk catches those).
JS_MARKERS = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<")


class PrefixFile(io.RawIOBase):
    """A read-only, seekable view of the first ``limit`` bytes of a binary file."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        else:
            pos = self._limit + offset
        self._pos = max(0, min(pos, self._limit))
        return self._pos

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._limit - self._pos)
        if n <= 0:
            return 0
        self._raw.seek(self._pos)
        data = self._raw.read(n)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


@dataclass(frozen=True)
class FileScan:
    """What one pass over the raw bytes found."""

    size: int
    revision_ends: tuple[int, ...]  # byte offsets where each revision ends; the last is the file
    javascript_marker: bool
    skipped_revisions: int = 0


def scan_file(raw: BinaryIO, limits: Limits) -> FileScan:
    """Stream the file once: revision boundaries (``%%EOF`` markers) and JavaScript markers."""
    ends: list[int] = []
    js = False
    offset = 0
    tail = b""
    head = b""
    keep = max(len(EOF_MARKER), max(len(m) for m in JS_MARKERS)) - 1
    while True:
        chunk = raw.read(SCAN_CHUNK)
        if not chunk:
            break
        if offset + len(chunk) > limits.max_file_bytes:
            raise Unscannable(f"PDF is larger than the limit of {limits.max_file_bytes:,} bytes", "limit")
        if not head:
            head = chunk[:LINEARIZED_WINDOW]
        buf = tail + chunk
        base = offset - len(tail)
        start = 0
        while (i := buf.find(EOF_MARKER, start)) >= 0:
            end = base + i + len(EOF_MARKER)
            if not ends or ends[-1] != end:
                ends.append(end)
            start = i + 1
        if not js and any(m in buf for m in JS_MARKERS):
            js = True
        tail = buf[-keep:]
        offset += len(chunk)
    size = offset
    if b"/Linearized" in head and ends:
        ends = ends[1:]
    # Only markers followed by more content start a new revision; trailing junk after the last
    # marker belongs to the final revision.
    ends = [e for e in ends if e < size]
    skipped = max(0, len(ends) - MAX_REVISIONS)
    earlier = ends[-MAX_REVISIONS:] if skipped else ends
    return FileScan(
        size=size, revision_ends=(*earlier, size), javascript_marker=js, skipped_revisions=skipped
    )


def _filters(stream: Any) -> list[str]:
    f = stream.get("/Filter")
    if f is None:
        return []
    with contextlib.suppress(AttributeError):
        f = f.get_object()
    if isinstance(f, list):
        return [str(x.get_object() if hasattr(x, "get_object") else x) for x in f]
    return [str(f)]


def _inflated_size(data: bytes, cap: int) -> int:
    """Bytes that ``data`` inflates to, counting at most ``cap + 1``; corrupt data counts as read."""
    d = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while pending and total <= cap:
            out = d.decompress(pending, INFLATE_STEP)
            total += len(out)
            pending = d.unconsumed_tail
            if not out and not pending:
                break
    except zlib.error:
        pass
    return total


def _is_content(obj: Any) -> bool:
    """A stream of drawing operators (page contents, form XObjects), not an image or a file."""
    subtype = obj.get("/Subtype")
    kind = obj.get("/Type")
    return subtype not in ("/Image",) and kind not in ("/EmbeddedFile", "/XRef", "/ObjStm", "/Metadata")


def check_streams(reader: Any, limits: Limits, label: str = "PDF") -> None:
    """Refuse a file whose Flate streams inflate past the limits (decompression bombs).

    pdfminer inflates content streams without a cap, so every stream is measured first, with
    output discarded in 1 MiB steps. Per stream: ``max_member_bytes``; whole file:
    ``max_uncompressed_bytes``.
    """
    from pypdf.generic import IndirectObject, StreamObject

    per_stream = limits.max_member_bytes
    budget = limits.max_uncompressed_bytes
    total = 0
    for gen, objs in list(reader.xref.items()):
        for idnum in list(objs):
            try:
                obj = reader.get_object(IndirectObject(idnum, gen, reader))
            except RecursionError:
                raise
            except Exception:  # a broken object is the parsers' problem, not a bomb
                continue
            if not isinstance(obj, StreamObject):
                continue
            filters = _filters(obj)
            if not filters or filters[0] not in ("/FlateDecode", "/Fl"):
                continue
            raw = obj._data  # raw (decrypted) bytes before filters
            if not isinstance(raw, bytes):
                continue
            n = _inflated_size(raw, min(per_stream, budget - total))
            total += n
            if n > limits.max_pdf_content_bytes and _is_content(obj):
                raise Unscannable(
                    f"{label} has a drawing (content) stream of over {limits.max_pdf_content_bytes:,} "
                    "bytes; it cannot be inspected in bounded time",
                    "limit",
                )
            if n > per_stream:
                raise Unscannable(
                    f"{label} has a stream that inflates past {per_stream:,} bytes "
                    "(possible decompression bomb)",
                    "bomb",
                )
            if total > budget:
                raise Unscannable(
                    f"{label} streams inflate past {budget:,} bytes in all (possible decompression bomb)",
                    "bomb",
                )


def open_reader(fh: BinaryIO, label: str = "PDF") -> Any:
    """A pypdf reader, decrypted with the empty password when needed.

    A user password -> Unscannable("encrypted"). An owner-password-only file opens with the
    empty password (that is what every viewer does) and is scanned.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(fh, strict=False)
    except RecursionError:
        raise Unscannable(f"{label} structure is nested too deeply (cyclic or hostile)", "corrupt") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise Unscannable(f"{label} is corrupt or not a PDF ({type(exc).__name__})", "corrupt") from None
    except Exception as exc:  # pypdf raises many types on hostile input
        raise Unscannable(f"{label} could not be parsed ({type(exc).__name__})", "corrupt") from None
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as exc:  # missing crypto support, unknown handler, broken /Encrypt
            raise Unscannable(
                f"{label} is encrypted and cannot be opened ({type(exc).__name__})", "encrypted"
            ) from None
        if not ok:
            raise Unscannable(f"{label} is encrypted with a password", "encrypted")
    return reader


def guarded(label: str, fn: Callable[[], Any]) -> Any:
    """Run a parser call; hostile-input failures become Unscannable with a reason."""
    try:
        return fn()
    except Unscannable:
        raise
    except RecursionError:
        raise Unscannable(f"{label} structure is nested too deeply (cyclic or hostile)", "corrupt") from None
    except MemoryError:
        raise Unscannable(f"{label} needs more memory than is available", "limit") from None
    except Exception as exc:
        raise Unscannable(f"{label} could not be parsed ({type(exc).__name__})", "corrupt") from None
