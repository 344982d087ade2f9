"""E-mail: .eml headers, bodies and attachments; .msg streams, recipients and attachments."""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
from dataclasses import replace
from email.message import EmailMessage

import olefile
import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.email_msg import EML, MSG, EmailExtractor
from clearance.model import Document, Note, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())


def _doc(data: bytes, media_type: str, name: str = "m.eml") -> Document:
    return replace(
        formats.document_from_bytes(data, name, members=("box.zip", name), depth=1), media_type=media_type
    )


def _run(data: bytes, media_type: str = EML, name: str = "m.eml") -> list[object]:
    return list(EmailExtractor().extract(_doc(data, media_type, name), CTX))


def _eml(attachment: tuple[str, bytes, str, str] | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ana García <ana@example.org>"
    msg["To"] = "Luis Perez <luis@example.org>, eva@example.org"
    msg["Subject"] = "Case of Juan Ruiz"
    msg["X-Originating-IP"] = "[192.0.2.7]"
    msg["DKIM-Signature"] = "v=1; a=rsa-sha256; b=AAAA"
    msg.set_content("Hello Luis,\n\nJuan Ruiz was born 3 March 1987.\n")
    msg.add_alternative(
        '<html><body><p>Hello</p><span style="display:none">Maria Soto</span></body></html>', subtype="html"
    )
    if attachment:
        name, data, maintype, subtype = attachment
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def test_protocol() -> None:
    assert isinstance(EmailExtractor(), Extractor)
    assert EmailExtractor.media_types == ("message/rfc822", "application/vnd.ms-outlook")


def test_eml_headers_and_bodies() -> None:
    out = _run(_eml())
    segs = {(s.location.field, s.text): s for s in out if isinstance(s, Segment)}
    to = segs[("header:To", "Luis Perez <luis@example.org>, eva@example.org")]
    assert (
        to.visibility is Visibility.VISIBLE
        and to.role == "text"
        and to.location.members == ("box.zip", "m.eml")
    )
    assert ("header:From", "Ana García <ana@example.org>") in segs
    assert ("header:Subject", "Case of Juan Ruiz") in segs
    ip = segs[("header:X-Originating-IP", "[192.0.2.7]")]
    assert ip.visibility is Visibility.METADATA and ip.role == "metadata"
    assert not any(f.startswith("header:DKIM") or f == "header:Content-Type" for f, _ in segs)
    assert ("body", "Juan Ruiz was born 3 March 1987.") in segs
    hidden = [s for s in out if isinstance(s, Segment) and s.text == "Maria Soto"]
    assert [s.visibility for s in hidden] == [Visibility.HTML_HIDDEN]  # HTML body through the HTML logic


def test_eml_attachment_zip_bomb_is_yielded_as_child() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\x00" * 5_000_000)  # 1000x: the archive extractor's business
    out = _run(_eml(("bomb.zip", buf.getvalue(), "application", "zip")))
    (child,) = [d for d in out if isinstance(d, Document)]
    assert child.depth == 2 and child.visibility is Visibility.EMBEDDED_FILE
    assert child.members == ("box.zip", "m.eml", "bomb.zip") and child.path == "m.eml!bomb.zip"
    assert child.media_type == formats.ZIP
    with child.open() as fh:
        assert fh.read() == buf.getvalue()


def test_eml_csv_attachment_sniffed() -> None:
    out = _run(_eml(("people.csv", b"name,dob\nAna,1987-03-03\nLuis,1970-01-01\n", "text", "csv")))
    (child,) = [d for d in out if isinstance(d, Document)]
    assert child.media_type == formats.CSV


def test_malformed_eml() -> None:
    data = (
        b"From: Ana <ana@example.org>\r\nSubject: broken\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
        b"--XX\r\nContent-Type: text/plain\r\n\r\nBody about Luis Perez\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\nJVBERi0x!!!\r\n'
    )  # no closing boundary, bad base64
    out = _run(data)
    assert any(isinstance(s, Segment) and s.text == "Body about Luis Perez" for s in out)
    notes = {n.code: n for n in out if isinstance(n, Note)}
    assert (
        not notes["mime-defects"].blocking and "CloseBoundaryNotFoundDefect" in notes["mime-defects"].message
    )
    assert notes["mime-undecodable"].blocking
    assert [d.members[-1] for d in out if isinstance(d, Document)] == ["a.pdf"]


def test_not_an_email_is_unscannable() -> None:
    with pytest.raises(Unscannable, match="no header"):
        _run(b"\r\n\r\njust text\n")


# --- .msg ------------------------------------------------------------------------------------
Tree = dict[str, "bytes | Tree"]

SECTOR = 512
MINI = 64
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _cfb(tree: Tree) -> bytes:
    """A CFB v3 file with storages and streams (small streams in the mini stream)."""
    entries: list[dict[str, object]] = [{"name": "Root Entry", "type": 5, "kids": []}]

    def add(node: Tree, parent: int) -> None:
        for name, value in node.items():
            idx = len(entries)
            entries[parent]["kids"].append(idx)  # type: ignore[union-attr]
            if isinstance(value, dict):
                entries.append({"name": name, "type": 1, "kids": []})
                add(value, idx)
            else:
                entries.append({"name": name, "type": 2, "data": value, "kids": []})

    add(tree, 0)
    mini = bytearray()
    big: list[tuple[int, bytes]] = []
    for i, e in enumerate(entries):
        if e["type"] == 2:
            data = e["data"]
            assert isinstance(data, bytes)
            if len(data) < 4096:
                e["start"] = len(mini) // MINI
                mini += data.ljust(-(-max(len(data), 1) // MINI) * MINI, b"\x00")
            else:
                big.append((i, data))
    n_dir = -(-len(entries) // 4)
    n_minifat = -(-(len(mini) // MINI) // 128) or 1
    n_mini_sect = -(-len(mini) // SECTOR)
    sectors: list[bytes] = []
    fat: list[int] = []

    def chain(blocks: list[bytes]) -> int:
        if not blocks:
            return END
        start = len(sectors)
        for k, b in enumerate(blocks):
            sectors.append(b.ljust(SECTOR, b"\x00"))
            fat.append(start + k + 1 if k + 1 < len(blocks) else END)
        return start

    dir_start = len(sectors)
    chain([b""] * n_dir)  # placeholder, filled below
    minifat: list[int] = []
    for e in entries:
        if e["type"] == 2 and "start" in e:
            size = len(e["data"])  # type: ignore[arg-type]
            k = -(-max(size, 1) // MINI)
            s = int(e["start"])  # type: ignore[call-overload]
            minifat.extend(s + j + 1 if j + 1 < k else END for j in range(k))
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat).ljust(n_minifat * SECTOR, b"\xff")
    minifat_start = chain([minifat_bytes[i : i + SECTOR] for i in range(0, len(minifat_bytes), SECTOR)])
    mini_start = (
        chain([bytes(mini[i : i + SECTOR]) for i in range(0, len(mini), SECTOR)]) if n_mini_sect else END
    )
    for i, data in big:
        entries[i]["start"] = chain([data[j : j + SECTOR] for j in range(0, len(data), SECTOR)])
    n_fat = 1
    while len(sectors) + n_fat > n_fat * 128:
        n_fat += 1
    fat_start = len(sectors)
    for _ in range(n_fat):
        sectors.append(b"")
        fat.append(FATSECT)
    fat += [FREE] * (n_fat * 128 - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    for k in range(n_fat):
        sectors[fat_start + k] = fat_bytes[k * SECTOR : (k + 1) * SECTOR]

    def entry(i: int) -> bytes:
        e = entries[i]
        kids: list[int] = e["kids"]  # type: ignore[assignment]
        raw = str(e["name"]).encode("utf-16-le") + b"\x00\x00"
        if e["type"] == 5:
            start, size = mini_start, len(mini)
        elif e["type"] == 1:
            start, size = 0, 0
        else:
            start, size = int(e["start"]), len(e["data"])  # type: ignore[call-overload, arg-type]
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), int(e["type"]), 1)  # type: ignore[call-overload]
            + struct.pack("<III", FREE, e.get("right", FREE), kids[0] if kids else FREE)  # type: ignore[arg-type]
            + b"\x00" * 36
            + struct.pack("<II", start, size)
            + b"\x00" * 4
        )

    for e in entries:  # siblings chained through "right" (a degenerate but valid tree)
        kids = e["kids"]
        for a, b in itertools.pairwise(kids):  # type: ignore[call-overload]
            entries[a]["right"] = b
    dir_bytes = b"".join(entry(i) for i in range(len(entries))).ljust(n_dir * SECTOR, b"\x00")
    for k in range(n_dir):
        sectors[dir_start + k] = dir_bytes[k * SECTOR : (k + 1) * SECTOR]
    difat = [fat_start + k for k in range(n_fat)] + [FREE] * (109 - n_fat)
    header = (
        formats.CFB_MAGIC
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, minifat_start, n_minifat, END, 0)
        + struct.pack("<109I", *difat)
    )
    return header + b"".join(sectors)


def _u(text: str) -> bytes:
    return text.encode("utf-16-le")


def _msg_tree(with_inner: bool = True) -> Tree:
    csv = b"name,dob\nAna Garcia,1987-03-03\nLuis Perez,1970-01-01\n"
    inner: Tree = {
        "__properties_version1.0": b"\x00" * 24,
        "__substg1.0_0037001F": _u("Forwarded: Pedro Gil"),
        "__substg1.0_1000001F": _u("Inner body about Pedro Gil"),
    }
    tree: Tree = {
        "__properties_version1.0": b"\x00" * 32,
        "__substg1.0_0037001F": _u("Case of Juan Ruiz"),
        "__substg1.0_0C1A001F": _u("Ana Garcia"),
        "__substg1.0_0C1F001F": _u("ana@example.org"),
        "__substg1.0_0E04001F": _u("Luis Perez"),
        "__substg1.0_1000001F": _u("Dear Luis,\r\n\r\nJuan Ruiz, born 1987.\r\n"),
        "__substg1.0_007D001F": _u(
            "Received: from host\r\nX-Sender: ana@example.org\r\nContent-Type: text/plain\r\n"
        ),
        "__recip_version1.0_#00000000": {
            "__substg1.0_3001001F": _u("Luis Perez"),
            "__substg1.0_39FE001F": _u("luis@example.org"),
        },
        "__attach_version1.0_#00000000": {
            "__substg1.0_3707001F": _u("people.csv"),
            "__substg1.0_37010102": csv,
        },
        "__attach_version1.0_#00000001": {
            "__substg1.0_3707001F": _u("big.bin"),
            "__substg1.0_37010102": b"x" * 5000,
        },
    }
    if with_inner:
        tree["__attach_version1.0_#00000002"] = {
            "__substg1.0_3707001F": _u("fwd.msg"),
            "__substg1.0_3701000D": inner,
        }
    return tree


def test_cfb_writer_is_valid() -> None:
    data = _cfb(_msg_tree())
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert ole.openstream("__substg1.0_0037001F").read() == _u("Case of Juan Ruiz")
    assert ole.openstream(["__attach_version1.0_#00000001", "__substg1.0_37010102"]).read() == b"x" * 5000


def test_msg_headers_body_recipients_attachments() -> None:
    out = _run(_cfb(_msg_tree()), MSG, "m.msg")
    segs = {(s.location.field, s.text): s for s in out if isinstance(s, Segment)}
    assert ("header:Subject", "Case of Juan Ruiz") in segs
    assert ("header:From", "Ana Garcia") in segs and ("header:From", "ana@example.org") in segs
    assert segs[("header:To", "Luis Perez")].visibility is Visibility.VISIBLE
    assert ("recipient:smtp", "luis@example.org") in segs
    assert ("body", "Juan Ruiz, born 1987.") in segs
    transport = segs[("header:transport", "X-Sender: ana@example.org")]
    assert transport.visibility is Visibility.METADATA
    assert ("header:transport", "Content-Type: text/plain") not in segs
    docs = [d for d in out if isinstance(d, Document)]
    assert [(d.members[-1], d.media_type, d.depth) for d in docs] == [
        ("people.csv", formats.CSV, 2),
        ("big.bin", formats.TEXT, 2),
    ]
    assert all(d.visibility is Visibility.EMBEDDED_FILE for d in docs)
    inner = segs[("body", "Inner body about Pedro Gil")]
    assert inner.location.members == ("box.zip", "m.msg", "fwd.msg")
    assert not [t for t in out if isinstance(t, Table)]


def test_truncated_msg_is_unscannable() -> None:
    data = _cfb(_msg_tree())
    with pytest.raises(Unscannable) as exc:
        _run(data[: len(data) // 3], MSG, "m.msg")
    assert exc.value.code == "corrupt"


def test_compound_file_that_is_not_a_msg() -> None:
    with pytest.raises(Unscannable, match="not an Outlook message"):
        _run(_cfb({"WordDocument": b"x" * 10}), MSG, "m.msg")
