"""Embedded files in Office packages: unwrap OLE objects and yield the file as a child Document,
or a blocking Note when it cannot be opened (a part we could not inspect never lets a file pass)."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator

from clearance import formats
from clearance.extractors.xlsx_package import Package
from clearance.model import Document, Extracted, Location, Note, Unscannable, Visibility

# Embedded OLE objects keep their file in one of these streams. Ole10Native streams: a 4-byte
# total size, 2-byte flags, then label, source path, two 2-byte words, a 4-byte temp-path length +
# temp path, and a 4-byte payload size before the payload.
OLE_PAYLOAD_STREAMS = ("Package", "CONTENTS")


def ole10native_payload(stream: bytes) -> bytes:
    """The file bytes inside an ``\\x01Ole10Native`` stream (the OLE 'Package' object format)."""
    pos = 6  # total size (4) + flags (2)
    for _ in range(2):  # label, source path: NUL-terminated
        pos = stream.index(b"\x00", pos) + 1
    pos += 4  # two unknown words
    (temp_len,) = struct.unpack_from("<I", stream, pos)
    pos += 4 + temp_len
    (size,) = struct.unpack_from("<I", stream, pos)
    pos += 4
    payload = stream[pos : pos + size]
    if len(payload) != size:
        raise ValueError("payload shorter than declared")
    return payload


def ole_payload(data: bytes) -> bytes:
    import olefile  # lazy: only embedded OLE objects need it

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        if ole.exists("\x01Ole10Native"):
            return ole10native_payload(ole.openstream("\x01Ole10Native").read())
        for name in OLE_PAYLOAD_STREAMS:
            if ole.exists(name):
                return ole.openstream(name).read()
    return data  # a compound document in its own right (a legacy .xls/.doc object)


def embedded_file(
    pkg: Package, part: str, parent: Document, max_depth: int, data: bytes | None = None
) -> Iterator[Extracted]:
    """One embedded file as a child Document (visibility embedded-file), or a blocking Note when
    it cannot be opened. ``data`` is given when the caller has already assembled the bytes."""
    loc = Location(part=part, members=parent.members)
    if parent.depth + 1 > max_depth:
        yield Note(
            "embedded-too-deep",
            f"embedded file '{part}' is nested deeper than the limit of {max_depth}; it was not inspected",
            loc,
            Visibility.EMBEDDED_FILE,
            True,
        )
        return
    try:
        if data is None:
            data = pkg.read(part)
            pkg.forget(part)
        if data.startswith(formats.CFB_MAGIC):
            data = ole_payload(data)
    except Unscannable as exc:
        yield Note(
            "embedded-unreadable",
            f"embedded file '{part}' could not be opened: {exc.reason}",
            loc,
            Visibility.EMBEDDED_FILE,
            True,
        )
        return
    except Exception as exc:  # olefile / struct errors on a damaged object
        yield Note(
            "embedded-unreadable",
            f"embedded file '{part}' could not be opened ({type(exc).__name__})",
            loc,
            Visibility.EMBEDDED_FILE,
            True,
        )
        return
    yield formats.document_from_bytes(
        data,
        f"{parent.path}!{part}",
        members=(*parent.members, part),
        depth=parent.depth + 1,
        visibility=Visibility.EMBEDDED_FILE,
    )
