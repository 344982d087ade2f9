"""Small, valid, clean seed files for every format the scanner reads. Deterministic.

Seeds hold no personal data on purpose: a clean seed scans as ``pass``, so a mutation that
breaks the file but still passes stands out (a seed full of names would ``block`` whatever
happens to it and hide the fail-open bug the fuzzers look for).
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from collections.abc import Callable, Sequence

# Zip entries carry a timestamp; a fixed one keeps the seeds (and the corpus) byte-identical.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
WORDS = "The committee met on Tuesday to review the quarterly budget for road maintenance."
WORDS2 = "Rainfall in the northern district was above the ten year average."


def zip_bytes(members: Sequence[tuple[str, bytes]], *, stored: Sequence[str] = ("mimetype",)) -> bytes:
    """A zip with fixed timestamps; members named in ``stored`` are not compressed."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


# --- OOXML ---------------------------------------------------------------------------------------

_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_ODOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _types(overrides: dict[str, str]) -> bytes:
    over = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides.items())
    return (
        f'{_XML}<Types xmlns="{_CT}"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{over}</Types>'
    ).encode()


def _rels(rels: Sequence[tuple[str, str, str]]) -> bytes:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels)
    return f'{_XML}<Relationships xmlns="{_REL}">{body}</Relationships>'.encode()


def xlsx_parts(
    sheet_xml: str | None = None, shared: Sequence[str] = ("Region", "Total", WORDS)
) -> list[tuple[str, bytes]]:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sst = "".join(f"<si><t>{s}</t></si>" for s in shared)
    if sheet_xml is None:
        sheet_xml = (
            f'{_XML}<worksheet xmlns="{ns}"><dimension ref="A1:B3"/><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1200</v></c></row>'
            '<row r="3"><c r="A3" t="inlineStr"><is><t>North</t></is></c><c r="B3"><v>340</v></c></row>'
            "</sheetData></worksheet>"
        )
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    rt = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return [
        (
            "[Content_Types].xml",
            _types(
                {
                    "xl/workbook.xml": f"{main}.sheet.main+xml",
                    "xl/worksheets/sheet1.xml": f"{main}.worksheet+xml",
                    "xl/sharedStrings.xml": f"{main}.sharedStrings+xml",
                }
            ),
        ),
        ("_rels/.rels", _rels([("rId1", _ODOC, "xl/workbook.xml")])),
        (
            "xl/workbook.xml",
            (
                f'{_XML}<workbook xmlns="{ns}" xmlns:r="{r}"><sheets>'
                '<sheet name="Budget" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            _rels(
                [
                    ("rId1", f"{rt}/worksheet", "worksheets/sheet1.xml"),
                    ("rId2", f"{rt}/sharedStrings", "sharedStrings.xml"),
                ]
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml.encode()),
        ("xl/sharedStrings.xml", f'{_XML}<sst xmlns="{ns}" count="{len(shared)}">{sst}</sst>'.encode()),
    ]


def xlsx() -> bytes:
    return zip_bytes(xlsx_parts())


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_parts(body: str | None = None) -> list[tuple[str, bytes]]:
    if body is None:
        body = f"<w:p><w:r><w:t>{WORDS}</w:t></w:r></w:p><w:p><w:r><w:t>{WORDS2}</w:t></w:r></w:p>"
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return [
        ("[Content_Types].xml", _types({"word/document.xml": main})),
        ("_rels/.rels", _rels([("rId1", _ODOC, "word/document.xml")])),
        (
            "word/document.xml",
            f'{_XML}<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'.encode(),
        ),
    ]


def docx() -> bytes:
    return zip_bytes(docx_parts())


def pptx_parts(slide_text: str = WORDS) -> list[tuple[str, bytes]]:
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pm = "application/vnd.openxmlformats-officedocument.presentationml"
    slide = (
        f'{_XML}<p:sld xmlns:p="{p}" xmlns:a="{a}" xmlns:r="{r}"><p:cSld><p:spTree>'
        '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>'
        '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title 1"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/>'
        f"<p:txBody><a:bodyPr/><a:p><a:r><a:t>{slide_text}</a:t></a:r></a:p></p:txBody></p:sp>"
        "</p:spTree></p:cSld></p:sld>"
    )
    return [
        (
            "[Content_Types].xml",
            _types(
                {
                    "ppt/presentation.xml": f"{pm}.presentation.main+xml",
                    "ppt/slides/slide1.xml": f"{pm}.slide+xml",
                }
            ),
        ),
        ("_rels/.rels", _rels([("rId1", _ODOC, "ppt/presentation.xml")])),
        (
            "ppt/presentation.xml",
            (
                f'{_XML}<p:presentation xmlns:p="{p}" xmlns:r="{r}">'
                '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>'
            ).encode(),
        ),
        (
            "ppt/_rels/presentation.xml.rels",
            _rels(
                [
                    ("rId2", f"{r}/slide", "slides/slide1.xml"),
                ]
            ),
        ),
        ("ppt/slides/slide1.xml", slide.encode()),
    ]


def pptx() -> bytes:
    return zip_bytes(pptx_parts())


# --- OpenDocument ----------------------------------------------------------------------------------

_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
)


def _odf(kind: str, body: str) -> list[tuple[str, bytes]]:
    mt = f"application/vnd.oasis.opendocument.{kind}"
    manifest = (
        f'{_XML}<manifest:manifest {_ODF_NS} manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mt}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    content = f'{_XML}<office:document-content {_ODF_NS} office:version="1.2"><office:body>{body}</office:body></office:document-content>'  # noqa: E501 (test data)
    return [
        ("mimetype", mt.encode()),
        ("META-INF/manifest.xml", manifest.encode()),
        ("content.xml", content.encode()),
    ]


def odt_parts(body: str | None = None) -> list[tuple[str, bytes]]:
    if body is None:
        body = f"<text:p>{WORDS}</text:p><text:p>{WORDS2}</text:p>"
    return _odf("text", f"<office:text>{body}</office:text>")


def odt() -> bytes:
    return zip_bytes(odt_parts())


def ods() -> bytes:
    def cell(v: object) -> str:
        if isinstance(v, int):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'  # noqa: E501 (test data)
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'

    rows = "".join(
        f"<table:table-row>{cell(a)}{cell(b)}</table:table-row>"
        for a, b in (("Region", "Total"), ("North", 1200), ("South", 340))
    )
    body = f'<office:spreadsheet><table:table table:name="Budget">{rows}</table:table></office:spreadsheet>'
    return zip_bytes(_odf("spreadsheet", body))


# --- PDF (hand-built so object offsets are known and the bytes are stable) ---------------------------


def pdf_objects(text: str = WORDS, *, pages: int = 1) -> dict[int, bytes]:
    """Catalog 1, Pages 2, Font 3, then per page a Page and its content stream."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for i in range(pages):
        content = f"BT /F1 11 Tf 72 720 Td ({text}) Tj ET".encode()
        objs[4 + 2 * i] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>"
        ).encode()
        objs[5 + 2 * i] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    return objs


def pdf_from(objs: dict[int, bytes], *, root: int = 1) -> tuple[bytes, list[int]]:
    """A PDF with a classic xref table; also returns each object's byte offset."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    xref = len(out)
    size = max(objs) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out), [offsets[n] for n in sorted(offsets)] + [xref]


def pdf() -> bytes:
    return pdf_from(pdf_objects())[0]


# --- images, text, mail, archives ----------------------------------------------------------------


def png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("L", (360, 60), 255)
    ImageDraw.Draw(img).text((10, 20), "Quarterly budget review", fill=0)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def csv() -> bytes:
    return b"region,year,total\nNorth,2023,1200\nSouth,2023,340\nEast,2023,77\nWest,2023,560\n"


def json_doc() -> bytes:
    return (
        b'{"report": {"title": "Road maintenance", "items": [{"region": "North", "total": 1200}, {"region": "South", "total": 340}], "note": "'  # noqa: E501 (test data)
        + WORDS.encode()
        + b'"}}\n'
    )


def ndjson() -> bytes:
    return b'{"region": "North", "total": 1200}\n{"region": "South", "total": 340}\n{"region": "East", "total": 77}\n'  # noqa: E501 (test data)


def text() -> bytes:
    return f"{WORDS}\n\n{WORDS2}\n".encode()


def markdown() -> bytes:
    return f"# Budget\n\n{WORDS}\n\n* North: 1200\n* South: 340\n".encode()


def html() -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>Budget</title></head><body><h1>Budget</h1>"
        f"<p>{WORDS}</p><table><tr><th>Region</th><th>Total</th></tr><tr><td>North</td><td>1200</td></tr>"
        "<tr><td>South</td><td>340</td></tr></table></body></html>\n"
    ).encode()


def xml() -> bytes:
    return (
        f'{_XML}<report><title>Budget</title><item region="North">1200</item>'
        f'<item region="South">340</item><note>{WORDS}</note></report>\n'
    ).encode()


def eml() -> bytes:
    return (
        "From: reports@example.org\r\nTo: board@example.org\r\nSubject: Budget\r\n"
        "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n'
        f'{WORDS}\r\n--b1\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename="t.csv"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\ncmVnaW9uLHRvdGFsCk5vcnRoLDEyMDAKU291dGgsMzQwCg==\r\n--b1--\r\n"  # noqa: E501 (test data)
    ).encode()


def rtf() -> bytes:
    return (
        r"{\rtf1\ansi\deff0{\fonttbl{\f0 Times;}}{\info{\title Budget}}\pard "
        + WORDS
        + r"\par "
        + WORDS2
        + r"\par}"
    ).encode()


def zip_archive() -> bytes:
    return zip_bytes([("data/totals.csv", csv()), ("readme.txt", text())])


def tar_bytes(members: Sequence[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def tar() -> bytes:
    return tar_bytes([("totals.csv", csv()), ("readme.txt", text()), ("notes.txt", WORDS2.encode())])


def gz() -> bytes:
    return gzip.compress(csv(), mtime=0)


def tgz() -> bytes:
    return gzip.compress(tar(), mtime=0)


# format -> (seed builder, file name used for the document). Names matter only for csv/text ties.
SEEDS: dict[str, tuple[Callable[[], bytes], str]] = {
    "xlsx": (xlsx, "seed.xlsx"),
    "ods": (ods, "seed.ods"),
    "docx": (docx, "seed.docx"),
    "pptx": (pptx, "seed.pptx"),
    "odt": (odt, "seed.odt"),
    "pdf": (pdf, "seed.pdf"),
    "png": (png, "seed.png"),
    "csv": (csv, "seed.csv"),
    "json": (json_doc, "seed.json"),
    "ndjson": (ndjson, "seed.ndjson"),
    "text": (text, "seed.txt"),
    "markdown": (markdown, "seed.md"),
    "html": (html, "seed.html"),
    "xml": (xml, "seed.xml"),
    "eml": (eml, "seed.eml"),
    "rtf": (rtf, "seed.rtf"),
    "zip": (zip_archive, "seed.zip"),
    "tar": (tar, "seed.tar"),
    "gz": (gz, "totals.csv.gz"),
    "tgz": (tgz, "seed.tar.gz"),
}

# Formats that are zip packages: the structure-aware mutator edits their members and re-zips.
ZIP_FORMATS = frozenset({"xlsx", "ods", "docx", "pptx", "odt", "zip"})


def seed(fmt: str) -> tuple[bytes, str]:
    build, name = SEEDS[fmt]
    return build(), name
