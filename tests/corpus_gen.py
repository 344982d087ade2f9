"""Writes tests/corpus/: malformed and malicious files for every format, with expectations.

    python -m tests.corpus_gen            # regenerate tests/corpus (deterministic)
    python -m tests.corpus_gen --check    # exit 1 if the checked-in corpus differs

Every file gets the verdicts it may end with (``expect``) and why. ``pass`` is allowed only for a
file that is genuinely harmless and clean once read (the ``why`` says so); personal data planted
in a hostile wrapper expects ``block`` (it was read) or ``unscannable`` (it was refused). Some
bombs are scanned under tighter limits (``limits``) so the corpus stays small: the code path is
the one the default limits take, only the threshold is lower.

Names start with the fuzz format they belong to (``xlsx-...``) so the fuzz runner mutates them
too (tests/fuzz/run.py seed_pool). All personal data here is invented.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

try:
    from fuzz import seeds  # under pytest, tests/ is on sys.path (conftest.py)
except ImportError:  # python -m tests.corpus_gen from the repository root
    from tests.fuzz import seeds

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = "expectations.json"

UNSCANNABLE = ("unscannable",)
REFUSED_OR_READ = ("unscannable", "block")  # hostile wrapper around personal data
# Invented people: a name with a date of birth is a record, so a file that was read blocks.
PEOPLE_CSV = (
    "name,date of birth,nationality\nAna Garcia,1987-03-03,Honduras\nMarek Novak,1990-11-21,Czechia\n"
)

PEOPLE_TABLE = (
    b"<table><tr><th>name</th><th>date of birth</th><th>nationality</th></tr>"
    b"<tr><td>Ana Garcia</td><td>1987-03-03</td><td>Honduras</td></tr>"
    b"<tr><td>Marek Novak</td><td>1990-11-21</td><td>Czechia</td></tr></table>"
)


@dataclass
class Case:
    name: str
    data: bytes
    expect: tuple[str, ...]
    why: str
    limits: dict[str, int] = field(default_factory=dict)


# --- XML attacks ----------------------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>\n"
)
XXE = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _attack(prolog: str, xml_bytes: bytes, entity: str) -> bytes:
    """Put ``prolog`` in front of an XML part (dropping its own declaration) and use the entity."""
    body = xml_bytes.decode()
    if body.startswith("<?xml"):
        body = body[body.index("?>") + 2 :].lstrip()
    # reference the entity inside the first text node
    i = body.index(">", body.index(">") + 1) + 1 if "<t>" not in body else body.index("<t>") + 3
    return (prolog + body[:i] + entity + body[i:]).encode()


def _with_part(parts: list[tuple[str, bytes]], name: str, fn: Callable[[bytes], bytes]) -> bytes:
    return seeds.zip_bytes([(n, fn(b) if n == name else b) for n, b in parts])


def xml_attacks() -> Iterator[Case]:
    packages = {
        "xlsx": (seeds.xlsx_parts(), ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml")),
        "docx": (seeds.docx_parts(), ("word/document.xml",)),
        "pptx": (seeds.pptx_parts(), ("ppt/slides/slide1.xml",)),
        "odt": (seeds.odt_parts(), ("content.xml",)),
    }
    for fmt, (parts, targets) in packages.items():
        for target in targets:
            short = target.rsplit("/", 1)[-1].removesuffix(".xml")
            for kind, prolog, ent in (("laughs", LAUGHS, "&lol9;"), ("xxe", XXE, "&xxe;")):
                yield Case(
                    f"{fmt}-{kind}-{short}.{fmt}",
                    _with_part(parts, target, lambda b, p=prolog, e=ent: _attack(p, b, e)),
                    UNSCANNABLE,
                    f"{'billion laughs' if kind == 'laughs' else 'external entity to /etc/passwd'} in {target}",  # noqa: E501 (test data)
                )
    ods_parts = list(zipfile.ZipFile(io.BytesIO(seeds.ods())).infolist())
    ods_zip = zipfile.ZipFile(io.BytesIO(seeds.ods()))
    ods = [(i.filename, ods_zip.read(i)) for i in ods_parts]
    yield Case(
        "ods-laughs-content.ods",
        _with_part(ods, "content.xml", lambda b: _attack(LAUGHS, b, "&lol9;")),
        UNSCANNABLE,
        "billion laughs in content.xml",
    )
    yield Case(
        "ods-xxe-content.ods",
        _with_part(ods, "content.xml", lambda b: _attack(XXE, b, "&xxe;")),
        UNSCANNABLE,
        "external entity in content.xml",
    )
    # core properties: metadata parts are parsed too
    core = (
        XXE + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>&xxe;</dc:creator>'
        "</cp:coreProperties>"
    ).encode()
    yield Case(
        "docx-xxe-core-properties.docx",
        seeds.zip_bytes([*seeds.docx_parts(), ("docProps/core.xml", core)]),
        UNSCANNABLE,
        "external entity in docProps/core.xml",
    )
    # An SVG image inside a docx, referenced from the document, carrying XXE and text.
    svg = (
        XXE + '<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="10">&xxe; Ana Garcia 1987-03-03'
        "</text></svg>"
    ).encode()
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/image" Target="media/image1.svg"/></Relationships>'
    )
    yield Case(
        "docx-svg-xxe.docx",
        seeds.zip_bytes(
            [*seeds.docx_parts(), ("word/_rels/document.xml.rels", rels), ("word/media/image1.svg", svg)]
        ),
        ("unscannable", "block", "pass"),
        "SVG image with XXE inside a docx: images are not parsed as XML, so no entity is ever "
        "expanded; pass is allowed (an image is not read for text; see the gaps in bench/fuzz_report.md)",
    )
    yield Case("xml-laughs.xml", (LAUGHS + "<r>&lol9;</r>").encode(), UNSCANNABLE, "billion laughs")
    yield Case("xml-xxe.xml", (XXE + "<r>&xxe;</r>").encode(), UNSCANNABLE, "external entity to /etc/passwd")
    yield Case(
        "xml-parameter-entity.xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1/x.dtd"> %p;]><r/>',
        UNSCANNABLE,
        "external parameter entity (fetches a DTD)",
    )
    xhtml = (
        '<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
        + ']>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&lol9;</p></body></html>'
    )
    yield Case("html-laughs.xhtml", xhtml.encode(), UNSCANNABLE, "XHTML page with billion laughs")
    yield Case(
        "html-xxe.xhtml",
        (
            XXE.replace("x [", "html [")
            + '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&xxe;</p></body></html>'
        ).encode(),
        UNSCANNABLE,
        "XHTML page with an external entity",
    )


# --- zip bombs and nesting ----------------------------------------------------------------------------


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    return seeds.zip_bytes(members, stored=())


def zip_cases() -> Iterator[Case]:
    zeros = b"\0" * (64 << 20)
    yield Case(
        "zip-bomb-ratio.zip",
        _zip([("zeros.csv", zeros)]),
        UNSCANNABLE,
        "one member inflates 64 MiB at ~1000:1 (over max_compression_ratio)",
    )
    xlsx_bomb = seeds.zip_bytes([*seeds.xlsx_parts(), ("xl/media/zeros.bin", zeros)])
    yield Case(
        "xlsx-bomb-member.xlsx", xlsx_bomb, UNSCANNABLE, "a workbook with a 64 MiB zero member (ratio bomb)"
    )
    yield Case(
        "zip-many-members.zip",
        _zip([(f"{i}", b"") for i in range(1001)]),
        UNSCANNABLE,
        "1,001 members, over max_members (lowered to 1,000 to keep the file small)",
        {"max_members": 1000},
    )
    data = PEOPLE_CSV.encode()
    for level in range(10):
        data = _zip([(f"level{level}.zip", data)])
    yield Case("zip-nested-10.zip", data, UNSCANNABLE, "zip nested 10 deep (max_depth is 4)")
    # Lying header: declares 10 bytes, inflates to 2 MiB; zipfile stops at the declared size and the CRC fails.  # noqa: E501 (test data)
    yield Case(
        "zip-lying-size.zip", _lying_zip(), UNSCANNABLE, "member's declared size is smaller than its data"
    )
    yield Case(
        "zip-overlapping.zip",
        _overlapping_zip(),
        REFUSED_OR_READ,
        "two central-directory entries share one local file (non-recursive bomb building block)",
    )
    yield Case("zip-encrypted-member.zip", _encrypted_flag_zip(), UNSCANNABLE, "member flagged as encrypted")
    gz = PEOPLE_CSV.encode()
    for _ in range(10):
        gz = gzip.compress(gz, mtime=0)
    yield Case("gz-nested-10.gz", gz, UNSCANNABLE, "gzip inside gzip, 10 deep")
    yield Case(
        "gz-bomb.gz",
        gzip.compress(zeros, mtime=0),
        ("unscannable", "pass"),
        "64 MiB of zeros in a gzip: under the default limits it inflates to harmless zeros (clean, so pass "
        "is allowed); the check is that it ends within time and memory",
    )
    yield Case(
        "gz-bomb-limited.gz",
        gzip.compress(zeros, mtime=0),
        UNSCANNABLE,
        "the same gzip with max_uncompressed_bytes lowered to 16 MiB",
        {"max_uncompressed_bytes": 16 << 20},
    )
    yield Case(
        "gz-trailing-garbage.gz",
        gzip.compress(PEOPLE_CSV.encode(), mtime=0) + b"garbage!",
        REFUSED_OR_READ,
        "gzip with garbage after the stream",
    )
    tar_people = seeds.tar_bytes([("a.txt", b"Budget notes\n"), ("people.csv", PEOPLE_CSV.encode())])
    # Damage the second header (a bad checksum): tarfile would stop quietly before people.csv.
    bad = bytearray(tar_people)
    second = 512 + 512
    bad[second + 148 : second + 156] = b"0000000\0"
    yield Case(
        "tar-bad-second-header.tar",
        bytes(bad),
        UNSCANNABLE,
        "second member's header is damaged; the members after it cannot be seen",
    )
    yield Case(
        "tar-no-end-marker.tar",
        tar_people[: 512 * 4],
        UNSCANNABLE,
        "tar cut off after the second member, before the end-of-archive blocks",
    )


def _lying_zip() -> bytes:
    data = _zip([("a.csv", b"\0" * (2 << 20))])
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.infolist()[0]
    b = bytearray(data)
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", b, cd + 24, 10)  # central directory uncompressed size
    struct.pack_into("<I", b, info.header_offset + 22, 10)  # local header uncompressed size
    return bytes(b)


def _overlapping_zip() -> bytes:
    data = _zip([("people.csv", PEOPLE_CSV.encode())])
    cd = data.rfind(b"PK\x01\x02")
    eocd = data.rfind(b"PK\x05\x06")
    entry = data[cd:eocd]
    second = entry.replace(b"people.csv", b"copies.csv")
    out = bytearray(data[:cd] + entry + second + data[eocd:])
    e = len(out) - 22
    struct.pack_into("<HHII", out, e + 8, 2, 2, len(entry) * 2, cd)
    return bytes(out)


def _encrypted_flag_zip() -> bytes:
    data = bytearray(_zip([("people.csv", PEOPLE_CSV.encode())]))
    data[6] |= 1
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 8] |= 1
    return bytes(data)


# --- PDFs ---------------------------------------------------------------------------------------------


def pdf_cases() -> Iterator[Case]:
    objs = seeds.pdf_objects("Ana Garcia born 1987-03-03")
    cyc = dict(objs)
    cyc[2] = b"<< /Type /Pages /Kids [2 0 R 4 0 R] /Count 2 >>"
    yield Case(
        "pdf-kids-self.pdf", seeds.pdf_from(cyc)[0], REFUSED_OR_READ, "a /Pages whose /Kids contains itself"
    )
    par = dict(objs)
    par[4] = par[4].replace(b"/Parent 2 0 R", b"/Parent 4 0 R")
    par[2] = b"<< /Type /Pages /Kids [4 0 R] /Count 1 /Parent 2 0 R >>"
    yield Case("pdf-parent-loop.pdf", seeds.pdf_from(par)[0], REFUSED_OR_READ, "/Parent chains that loop")
    bomb = zlib.compress(b"\0" * (64 << 20), 9)
    fl = dict(objs)
    fl[5] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"
    yield Case(
        "pdf-flate-bomb.pdf",
        seeds.pdf_from(fl)[0],
        UNSCANNABLE,
        "content stream inflates 64 MiB (max_member_bytes lowered to 8 MiB)",
        {"max_member_bytes": 8 << 20},
    )
    # 10^6 pages from a tiny file: six levels of /Pages nodes, each with ten references to the next.
    dag = dict(seeds.pdf_objects())
    levels = 6
    for lv in range(levels):
        kid = 100 + lv + 1 if lv < levels - 1 else 4
        dag[100 + lv] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join([b"%d 0 R" % kid] * 10),
            10 ** (levels - lv),
        )
    dag[2] = b"<< /Type /Pages /Kids [100 0 R] /Count 1000000 >>"
    yield Case(
        "pdf-million-pages.pdf", seeds.pdf_from(dag)[0], UNSCANNABLE, "page tree that expands to 10^6 pages"
    )
    lie = dict(seeds.pdf_objects())
    lie[2] = b"<< /Type /Pages /Kids [4 0 R] /Count 1000000 >>"
    yield Case(
        "pdf-count-lies.pdf",
        seeds.pdf_from(lie)[0],
        ("pass", "unscannable"),
        "declares /Count 1000000 but holds one clean page: harmless once read, pass allowed",
    )
    deep = dict(objs)
    depth = 2000
    deep[2] = b"<< /Type /Pages /Kids [1000 0 R] /Count 1 >>"
    for d in range(depth):
        kid = b"%d 0 R" % (1001 + d) if d < depth - 1 else b"4 0 R"
        deep[1000 + d] = b"<< /Type /Pages /Kids [%s] /Count 1 >>" % kid
    yield Case(
        "pdf-deep-page-tree.pdf", seeds.pdf_from(deep)[0], REFUSED_OR_READ, "page tree 2,000 levels deep"
    )
    arr = dict(objs)
    arr[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /W " + b"[" * 50000 + b"]" * 50000 + b" >>"
    yield Case("pdf-deep-array.pdf", seeds.pdf_from(arr)[0], REFUSED_OR_READ, "array nested 50,000 deep")
    yield Case(
        "pdf-no-xref.pdf",
        seeds.pdf_from(objs)[0].split(b"xref")[0],
        REFUSED_OR_READ,
        "no xref table or trailer (a reader rebuilds it or refuses)",
    )


# --- huge dimensions ------------------------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


def dimension_cases() -> Iterator[Case]:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    dim = (
        f'<?xml version="1.0"?><worksheet xmlns="{ns}"><dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Region</t></is></c></row></sheetData></worksheet>'
    )
    yield Case(
        "xlsx-dimension-max.xlsx",
        seeds.zip_bytes(seeds.xlsx_parts(sheet_xml=dim)),
        ("pass", "unscannable"),
        "declares A1:XFD1048576 but holds one clean cell: harmless once read, pass allowed",
    )
    far = (
        f'<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Region</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>Total</t></is></c></row></sheetData></worksheet>'  # noqa: E501 (test data)
    )
    yield Case(
        "xlsx-cell-xfd1048576.xlsx",
        seeds.zip_bytes(seeds.xlsx_parts(sheet_xml=far)),
        UNSCANNABLE,
        "cells at A1 and XFD1048576: a 17-billion-cell grid (over max_cells)",
    )
    yield Case(
        "png-100000x100000.png", _png(100_000, 100_000), UNSCANNABLE, "PNG declaring 100000x100000 pixels"
    )
    yield Case("png-1x100000000.png", _png(1, 100_000_000), UNSCANNABLE, "PNG declaring 1x100,000,000 pixels")


# --- deep nesting -------------------------------------------------------------------------------------


def nesting_cases() -> Iterator[Case]:
    n = 100_000
    yield Case("json-depth-100000.json", b"[" * n + b"]" * n, UNSCANNABLE, "JSON arrays nested 10^5 deep")
    yield Case(
        "json-depth-20000-objects.json",
        b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
        UNSCANNABLE,
        "JSON objects nested 2*10^4 deep",
    )
    yield Case(
        "ndjson-deep-line.ndjson",
        b'{"a": 1}\n' + b"[" * n + b"]" * n + b"\n",
        ("unscannable", "pass"),
        "JSON Lines with one line of bare brackets nested 10^5 deep: not JSON Lines, so read as "
        "prose; clean, so pass is allowed",
    )
    yield Case(
        "html-depth-100000.html",
        b"<!DOCTYPE html><html><body>" + b"<i>" * n + PEOPLE_TABLE,
        REFUSED_OR_READ,
        "HTML elements nested 10^5 deep around a table of people",
    )
    yield Case(
        "xml-depth-30000.xml",
        b"<?xml version='1.0'?>" + b"<a>" * 30_000 + b"x" + b"</a>" * 30_000,
        ("unscannable", "pass"),
        "XML elements nested 3*10^4 deep around one clean letter: harmless once read, pass allowed",
    )
    body = "<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    deep_tbl = "<w:tbl><w:tr><w:tc>" * 5000 + body + "</w:tc></w:tr></w:tbl>" * 5000
    yield Case(
        "docx-deep-tables.docx",
        seeds.zip_bytes(seeds.docx_parts(body=deep_tbl)),
        (*REFUSED_OR_READ, "pass"),
        "tables nested 5,000 deep holding one clean letter: harmless once read, pass allowed",
    )
    yield Case(
        "rtf-depth-100000.rtf",
        b"{\\rtf1 " + b"{" * n + b"x" + b"}" * n + b"}",
        UNSCANNABLE,
        "RTF groups nested 10^5 deep",
    )
    yield Case(
        "rtf-bin-overrun.rtf", b"{\\rtf1 \\bin999999999 abc}", UNSCANNABLE, "\\bin length past the end"
    )
    parts = ["From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"]
    depth = 200
    for i in range(depth):
        parts.append(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n')
    parts.append("Content-Type: text/plain\r\n\r\nAna Garcia 1987-03-03\r\n")
    for i in reversed(range(depth)):
        parts.append(f"--b{i}--\r\n")
    yield Case("eml-mime-depth-200.eml", "".join(parts).encode(), UNSCANNABLE, "MIME parts nested 200 deep")


# --- encodings ------------------------------------------------------------------------------------------


def encoding_cases() -> Iterator[Case]:
    yield Case(
        "csv-utf16le-no-bom.csv",
        PEOPLE_CSV.encode("utf-16-le"),
        REFUSED_OR_READ,
        "UTF-16LE without a BOM; holds invented people, so a reader that decodes it blocks",
    )
    yield Case(
        "csv-utf16be-no-bom.csv", PEOPLE_CSV.encode("utf-16-be"), REFUSED_OR_READ, "UTF-16BE without a BOM"
    )
    mixed = PEOPLE_CSV.encode() + "José Núñez,1979-01-02,España\n".encode("cp1252")
    yield Case("csv-mixed-encodings.csv", mixed, REFUSED_OR_READ, "UTF-8 rows then a cp1252 row")
    yield Case(
        "csv-lone-surrogate.csv",
        PEOPLE_CSV.encode() + b"Jos\xed\xa0\x80 Luna,1980-01-01,Chile\n",
        REFUSED_OR_READ,
        "a lone surrogate encoded in UTF-8 (invalid)",
    )
    yield Case(
        "csv-nul-bytes.csv",
        PEOPLE_CSV.encode().replace(b"Marek", b"Ma\0rek"),
        REFUSED_OR_READ,
        "NUL bytes inside a field",
    )
    yield Case(
        "text-nul-heavy.txt",
        b"Ana Garcia 1987-03-03\n" + b"\0" * 4096,
        REFUSED_OR_READ,
        "text followed by NUL padding (looks binary)",
    )
    yield Case(
        "json-lone-surrogate-escape.json",
        b'{"name": "Ana Garcia \\ud800", "dob": "1987-03-03"}',
        REFUSED_OR_READ,
        "a lone surrogate as a JSON escape",
    )
    yield Case(
        "json-invalid-utf8.json",
        b'{"name": "Ana Garc\xff\xfea", "dob": "1987-03-03"}',
        REFUSED_OR_READ,
        "invalid UTF-8 inside JSON",
    )
    yield Case(
        "xml-encoding-lies.xml",
        b'<?xml version="1.0" encoding="UTF-16"?><people><p>Ana Garcia 1987-03-03</p></people>',
        REFUSED_OR_READ,
        "declares UTF-16, is UTF-8",
    )
    yield Case(
        "eml-bad-charset.eml",
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/csv; charset=x-no-such-charset\r\n\r\n" + PEOPLE_CSV.encode(),
        REFUSED_OR_READ,
        "unknown charset",
    )
    yield Case(
        "html-nul-and-surrogates.html",
        b"<!DOCTYPE html><html><body><p>Ana Garcia \xed\xa0\x80 1987-03-03</p>\0\0</body></html>",
        REFUSED_OR_READ,
        "NUL bytes and an encoded surrogate in HTML",
    )


# --- truncations -----------------------------------------------------------------------------------------


def truncation_cases() -> Iterator[Case]:
    for fmt, data in (
        ("xlsx", seeds.xlsx()),
        ("docx", seeds.docx()),
        ("pptx", seeds.pptx()),
        ("odt", seeds.odt()),
    ):
        offsets = [i.header_offset for i in zipfile.ZipFile(io.BytesIO(data)).infolist()]
        cd = data.rfind(b"PK\x01\x02")
        eocd = data.rfind(b"PK\x05\x06")
        for off in sorted({*offsets[1:], cd, eocd, len(data) - 1}):
            yield Case(
                f"{fmt}-cut-at-{off}.{fmt}",
                data[:off],
                UNSCANNABLE,
                f"valid {fmt} cut at byte {off} (a part boundary)",
            )
    data, offsets = seeds.pdf_from(seeds.pdf_objects(pages=2))
    for off in offsets[1:]:
        yield Case(
            f"pdf-cut-at-{off}.pdf",
            data[:off],
            UNSCANNABLE,
            f"valid PDF cut at byte {off} (an object boundary)",
        )
    tar = seeds.tar()
    members_end = 3 * 1024  # three members of one header block and one data block each
    for off in range(512, members_end + 1, 512):
        yield Case(
            f"tar-cut-at-{off}.tar", tar[:off], UNSCANNABLE, f"tar cut at byte {off} (a block boundary)"
        )


def cases() -> list[Case]:
    out = [
        *xml_attacks(),
        *zip_cases(),
        *pdf_cases(),
        *dimension_cases(),
        *nesting_cases(),
        *encoding_cases(),
        *truncation_cases(),
    ]
    names = [c.name for c in out]
    assert len(names) == len(set(names)), "duplicate corpus names"
    return out


def manifest(all_cases: list[Case]) -> dict[str, dict[str, object]]:
    return {
        c.name: {
            "expect": list(c.expect),
            "why": c.why,
            "limits": c.limits,
            "sha256": hashlib.sha256(c.data).hexdigest(),
        }
        for c in all_cases
    }


def write(out: Path = CORPUS) -> list[Case]:
    all_cases = cases()
    out.mkdir(parents=True, exist_ok=True)
    keep = {c.name for c in all_cases} | {MANIFEST}
    for old in out.iterdir():
        if old.name not in keep:
            old.unlink()
    for c in all_cases:
        (out / c.name).write_bytes(c.data)
    (out / MANIFEST).write_text(json.dumps(manifest(all_cases), indent=1, sort_keys=True) + "\n")
    return all_cases


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.corpus_gen")
    ap.add_argument(
        "--check", action="store_true", help="compare with the checked-in corpus instead of writing"
    )
    args = ap.parse_args(argv)
    if args.check:
        want = manifest(cases())
        have = json.loads((CORPUS / MANIFEST).read_text())
        bad = sorted(set(want) ^ set(have)) + [n for n in want if n in have and want[n] != have[n]]
        for n in bad:
            print(f"differs: {n}")
        return 1 if bad else 0
    all_cases = write()
    print(f"wrote {len(all_cases)} files, {sum(len(c.data) for c in all_cases):,} bytes, to {CORPUS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
