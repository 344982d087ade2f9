"""RTF: paragraphs, hidden and deleted text, annotations, document info, embedded objects."""

from __future__ import annotations

import binascii
import struct

import pytest

from clearance.config.schema import Limits
from clearance.extractors.rtf import RTF, RtfExtractor
from clearance.formats import document_from_bytes
from clearance.model import Document, Note, Segment, Unscannable, Visibility
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())


def _run(data: bytes) -> list[object]:
    doc = document_from_bytes(data, "x.rtf")
    from dataclasses import replace

    return list(RtfExtractor().extract(replace(doc, media_type=RTF), CTX))


def _package(filename: bytes, payload: bytes) -> bytes:
    """An OLE1 'Package' object (what Word writes for a file dragged into a document)."""
    native = (
        b"\x02\x00"
        + filename
        + b"\x00"
        + b"C:\\tmp\\"
        + filename
        + b"\x00"
        + b"\x00\x00\x03\x00"
        + struct.pack("<I", 5)
        + b"C:\\x\x00"
        + struct.pack("<I", len(payload))
        + payload
        + b"\x00\x00"
    )

    def s(b: bytes) -> bytes:
        return struct.pack("<I", len(b) + 1) + b + b"\x00"

    return (
        struct.pack("<II", 0x0501, 2)
        + s(b"Package")
        + s(b"")
        + s(b"")
        + struct.pack("<I", len(native))
        + native
    )


def test_protocol() -> None:
    assert isinstance(RtfExtractor(), Extractor)
    assert RtfExtractor.media_types == ("application/rtf",)


def test_text_hidden_deleted_comments_info() -> None:
    data = (
        rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}{\colortbl;\red0\green0\blue0;}"
        rb"{\info{\author Ana Garc\'eda}{\operator Luis Perez}{\title Case notes}{\creatim\yr2020}}"
        rb"\pard Letter about Eva D\u237?az.\par "
        rb"Visible {\v hidden Juan Ruiz} after\par "
        rb"{\deleted removed Maria Lopez}kept\par "
        rb"{\*\atnid AG}{\*\atnauthor Pedro Gil}\chatn"
        rb"{\*\annotation{\*\atndate 1}\pard call Ines Mora\par back}"
        rb"{\*\unknowndest secret}{\pict\pngblip 89504e47}"
        rb"}"
    )
    out = _run(data)
    segs = [(s.text, s.visibility, s.role, s.location.field) for s in out if isinstance(s, Segment)]
    assert ("Ana García", Visibility.METADATA, "metadata-author", "info:author") in segs
    assert ("Luis Perez", Visibility.METADATA, "metadata-author", "info:operator") in segs
    assert ("Case notes", Visibility.METADATA, "metadata", "info:title") in segs
    assert ("Letter about Eva Díaz.", Visibility.VISIBLE, "text", "paragraph 1") in segs
    assert ("hidden Juan Ruiz", Visibility.INVISIBLE_FORMAT, "text", "paragraph 2") in segs
    assert ("Visible", Visibility.VISIBLE, "text", "paragraph 2") in segs
    assert ("removed Maria Lopez", Visibility.TRACKED_CHANGE, "text", "paragraph 3") in segs
    assert ("Pedro Gil", Visibility.COMMENT, "metadata-author", "annotation:author") in segs
    assert ("call Ines Mora back", Visibility.COMMENT, "comment", "annotation") in segs
    texts = " ".join(t for t, *_ in segs)
    assert "secret" not in texts and "Arial" not in texts and "89504e47" not in texts and "2020" not in texts


def test_embedded_package_becomes_child_document() -> None:
    payload = b"name,dob\nAna Garcia,1987-03-03\nLuis Perez,1970-01-01\n"
    hexdata = binascii.hexlify(_package(b"people.csv", payload))
    data = (
        rb"{\rtf1\ansi See attached {\object\objemb{\*\objclass Package}{\*\objdata "
        + hexdata
        + rb"}{\result icon}}\par}"
    )
    out = _run(data)
    (child,) = [d for d in out if isinstance(d, Document)]
    assert child.visibility is Visibility.EMBEDDED_FILE and child.depth == 1
    assert child.members == ("object-1-Package",)
    assert child.media_type == "text/csv"
    with child.open() as fh:
        assert fh.read() == payload
    assert not any(isinstance(n, Note) and n.blocking for n in out)


def test_unreadable_object_is_blocking_note() -> None:
    out = _run(rb"{\rtf1 x{\object{\*\objdata 0102030405}}\par}")
    notes = [n for n in out if isinstance(n, Note)]
    assert [(n.code, n.blocking) for n in notes] == [("embedded-object-unreadable", True)]


def test_not_rtf_and_deep_nesting_are_unscannable() -> None:
    with pytest.raises(Unscannable, match="not an RTF"):
        _run(b"hello")
    with pytest.raises(Unscannable, match="nested deeper"):
        _run(b"{\\rtf1 " + b"{" * 5000 + b"x" + b"}" * 5000 + b"}")


def test_bin_data_is_skipped_and_bounded() -> None:
    out = _run(b"{\\rtf1 before {\\bin4 \x00{}\\} after\\par}")
    assert [s.text for s in out if isinstance(s, Segment)] == ["before after"]
    with pytest.raises(Unscannable, match="past the end"):
        _run(b"{\\rtf1 {\\bin999 abc}}")
