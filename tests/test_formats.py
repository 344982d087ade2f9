"""Content sniffing: every case carries a misleading extension on purpose."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import olefile
import pytest

from clearance import formats
from clearance.formats import document_from_bytes, sniff, sniff_file
from clearance.model import Visibility


def _zip(members: dict[str, bytes], first: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        if first is not None:  # ODF: "mimetype" first and stored
            zf.writestr(zipfile.ZipInfo(first), members.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


CT = b'<?xml version="1.0"?><Types xmlns="x"/>'
CT_MACRO = b'<Types><Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'


@pytest.mark.parametrize(
    ("members", "first", "expected"),
    [
        ({"[Content_Types].xml": CT, "xl/workbook.xml": b"<w/>"}, None, formats.XLSX),
        (
            {"[Content_Types].xml": CT, "xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"x"},
            None,
            formats.XLSM,
        ),
        ({"[Content_Types].xml": CT_MACRO, "xl/workbook.xml": b"<w/>"}, None, formats.XLSM),
        ({"[Content_Types].xml": CT, "xl/workbook.bin": b"x"}, None, formats.XLSB),
        ({"[Content_Types].xml": CT, "word/document.xml": b"<d/>"}, None, formats.DOCX),
        ({"[Content_Types].xml": CT, "ppt/presentation.xml": b"<p/>"}, None, formats.PPTX),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<c/>"},
            "mimetype",
            formats.ODS,
        ),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<c/>"},
            "mimetype",
            formats.ODT,
        ),
        ({"notes.txt": b"hello"}, None, formats.ZIP),
    ],
)
def test_zip_containers_sniff_by_members(members: dict[str, bytes], first: str | None, expected: str) -> None:
    data = _zip(dict(members), first)
    assert sniff_file(io.BytesIO(data), "report.pdf") == expected


def test_zip_head_without_names_is_zip() -> None:
    data = _zip({"xl/workbook.xml": b"<w/>"})
    assert sniff(data[:100], "book.xlsx") == formats.ZIP
    assert sniff(data[:100], "book.xlsx", ["xl/workbook.xml"]) == formats.XLSX


def test_corrupt_zip_sniffs_as_zip() -> None:
    data = _zip({"xl/workbook.xml": b"<w/>" * 1000})[:60]
    assert sniff_file(io.BytesIO(data), "x.xlsx") == formats.ZIP


def _make_cfb(names: list[str]) -> bytes:
    """Write a valid CFB v3 file holding one small stream per name (512-byte sectors)."""
    import struct

    sector = 512
    # sector 0: directory (4 entries per sector), sector 1: FAT, sectors 2..: stream data (mini
    # streams avoided by making each stream 4096 bytes, the mini-stream cutoff).
    entries = [("Root Entry", 5)] + [(n, 2) for n in names]
    n_dir_sectors = (len(entries) + 3) // 4
    stream_size = 4096
    sectors_per_stream = stream_size // sector
    first_data = n_dir_sectors + 1
    fat_sector = n_dir_sectors
    total = first_data + sectors_per_stream * len(names)
    fat = [0xFFFFFFFF] * (sector // 4)
    for i in range(n_dir_sectors):
        fat[i] = i + 1 if i + 1 < n_dir_sectors else 0xFFFFFFFE
    fat[fat_sector] = 0xFFFFFFFD
    for k in range(len(names)):
        start = first_data + k * sectors_per_stream
        for s in range(start, start + sectors_per_stream):
            fat[s] = s + 1 if s + 1 < start + sectors_per_stream else 0xFFFFFFFE
    assert total <= len(fat)

    def entry(name: str, typ: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), typ, 1)
            + struct.pack("<III", left, right, child)
            + b"\x00" * 16
            + b"\x00" * 4
            + b"\x00" * 16
            + struct.pack("<II", start, size)
            + b"\x00" * 4
        )

    nostream = 0xFFFFFFFF
    dir_bytes = b""
    # root's child is entry 1; siblings chained through "right" (a degenerate but valid tree)
    dir_bytes += entry("Root Entry", 5, nostream, nostream, 1 if names else nostream, 0xFFFFFFFE, 0)
    for k, n in enumerate(names):
        right = k + 2 if k + 1 < len(names) else nostream
        dir_bytes += entry(n, 2, nostream, right, nostream, first_data + k * sectors_per_stream, stream_size)
    dir_bytes = dir_bytes.ljust(n_dir_sectors * sector, b"\x00")
    header = (
        formats.CFB_MAGIC
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIII", 0, 1, 0, 0)  # dir sectors (0 for v3), FAT sectors, first dir sector, txn
        + struct.pack("<IIIII", 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    )
    difat = [fat_sector] + [0xFFFFFFFF] * 108
    header += struct.pack("<109I", *difat)
    assert len(header) == sector
    body = dir_bytes + struct.pack(f"<{len(fat)}I", *fat) + b"\x00" * (stream_size * len(names))
    return header + body


@pytest.mark.parametrize(
    ("streams", "expected"),
    [
        (["EncryptionInfo", "EncryptedPackage"], formats.ENCRYPTED_OFFICE),
        (["Workbook"], formats.XLS),
        (["Book"], formats.XLS),
        (["WordDocument"], formats.MSWORD),
        (["PowerPoint Document"], formats.MSPOWERPOINT),
        (["Something"], formats.OLE),
    ],
)
def test_cfb_streams_decide_type(streams: list[str], expected: str) -> None:
    data = _make_cfb(streams)
    assert olefile.isOleFile(io.BytesIO(data))
    assert sniff(data[:512], "x.csv") == formats.OLE
    assert sniff_file(io.BytesIO(data), "data.csv") == expected


def test_corrupt_cfb_is_ole() -> None:
    assert sniff_file(io.BytesIO(formats.CFB_MAGIC + b"\x00" * 100), "x.xls") == formats.OLE


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"", "x.xlsx", formats.EMPTY),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "x.csv", formats.PDF),
        (b"junk before header\n%PDF-1.4\n", "x.txt", formats.PDF),
        (gzip.compress(b"hello", mtime=0), "x.txt", formats.GZIP),
        (b'{"name": "x"}', "x.csv", formats.JSON),
        (b'  [{"a": 1}]', "x.txt", formats.JSON),
        (b"<!DOCTYPE html><html><body>x</body></html>", "x.xml", formats.HTML),
        (b"<html><p>x</p></html>", "x.csv", formats.HTML),
        (b'<?xml version="1.0"?><root/>', "x.html", formats.XML),
        (b"<records><r>1</r></records>", "x.txt", formats.XML),
        (b"name,city\nAna,Madrid\nLuis,Lima\n", "x.dat", formats.CSV),
        (b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n", "export.txt", formats.CSV),
        (b"name;city\nAna;Madrid\nLuis;Lima\n", "x.json", formats.CSV),
        (b"name|city\nAna|Madrid\nLuis|Lima\n", "x.json", formats.CSV),
        (b"name\tcity\nAna\tMadrid\nLuis\tLima\n", "x.csv", formats.TSV),
        (b"Dear Sir, I write today.\nThanks for this, truly.\nYours, Ana\n", "letter.txt", formats.TEXT),
        (b"Just one line of prose.", "x.csv", formats.TEXT),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "x.txt", formats.PNG),
        (bytes(range(256)) * 4, "x.csv", formats.UNKNOWN),
    ],
)
def test_sniff_content_not_extension(data: bytes, name: str, expected: str) -> None:
    assert sniff(data, name) == expected
    assert sniff_file(io.BytesIO(data), name) == expected


def test_name_breaks_csv_text_tie() -> None:
    data = b"a,b\nc,d\n"
    assert sniff(data, "notes.txt") == formats.TEXT
    assert sniff(data, "table.csv") == formats.CSV
    assert sniff(b"only,one,line", "t.csv") == formats.CSV


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_text_encodings_sniff_as_text_types(encoding: str) -> None:
    data = "nombre,ciudad\nJosé Núñez,Málaga\nMaría Ibáñez,León\n".encode(encoding)
    assert sniff(data, "x.bin") == formats.CSV


def test_detect_encoding() -> None:
    assert formats.detect_encoding("Señora Peña y Muñoz, Cádiz".encode("cp1252")) == "cp1252"
    assert formats.detect_encoding("abc".encode("utf-16-le")) == "utf-16-le"
    assert formats.detect_encoding(b"\xef\xbb\xbfabc") == "utf-8-sig"
    assert formats.detect_encoding("é".encode()[:1]) == "utf-8"  # cut mid-character
    assert formats.detect_encoding(b"\x00\x01\x02\x03binary\x00\x00\x00\x00\xff") is None


def test_tar_sniffs() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("a.csv")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"a,b"))
    assert sniff(buf.getvalue()[:1024], "x.txt") == formats.TAR


def test_sniff_file_rewinds() -> None:
    fh = io.BytesIO(b"a,b\n1,2\n")
    sniff_file(fh, "x")
    assert fh.tell() == 0


def test_document_from_bytes() -> None:
    doc = document_from_bytes(
        b"a,b\n1,2\n", "outer.zip!t.csv", members=("t.csv",), depth=1, visibility=Visibility.ARCHIVE_MEMBER
    )
    assert doc.media_type == formats.CSV
    assert doc.size == 8 and len(doc.sha256) == 64
    assert doc.open().read() == b"a,b\n1,2\n"
    assert doc.members == ("t.csv",) and doc.depth == 1 and doc.visibility is Visibility.ARCHIVE_MEMBER
