"""CalamineExtractor: .xls and .ods values, hidden sheets/rows/columns, comments, metadata, bad input."""

from __future__ import annotations

import io
import zipfile

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.calamine_sheets import CalamineExtractor
from clearance.model import Document, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext


def extract(data: bytes, media_type: str, limits: Limits | None = None) -> list:
    doc = Document("book", len(data), "", media_type, lambda: io.BytesIO(data))
    return list(CalamineExtractor().extract(doc, ExtractContext(limits or Limits())))


def tables(out: list) -> dict[str, Table]:
    return {o.location.sheet: o for o in out if isinstance(o, Table)}


# --- .xls -----------------------------------------------------------------------------------


def make_xls() -> bytes:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("People")
    ws.write(0, 0, "Name")
    ws.write(0, 1, "A-Number")
    for i, (name, a) in enumerate([("Ana Gomez", 294833067), ("Li Wei", 251660557), ("Omar Haddad", 1)], 1):
        ws.write(i, 0, name)
        ws.write(i, 1, a)
    ws.row(2).hidden = True
    ws.col(1).hidden = True
    secret = wb.add_sheet("Secret")
    secret.write(0, 0, "Name")
    secret.write(1, 0, "Hidden Person")
    secret.visibility = 1
    wb.set_owner("Tyler Black")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xls_values_and_hidden_rows_columns_sheets() -> None:
    out = extract(make_xls(), formats.XLS)
    t = tables(out)
    people = t["People"]
    assert people.header == ("Name", "A-Number") and people.first_row == 2
    assert list(people.rows[0]) == ["Ana Gomez", "294833067"]  # integral float without '.0'
    assert people.visibility_of(1, 0) is Visibility.HIDDEN_ROW  # sheet row 3
    assert people.visibility_of(0, 1) is Visibility.HIDDEN_COLUMN
    assert people.visibility_of(0, 0) is Visibility.VISIBLE
    assert t["Secret"].visibility is Visibility.HIDDEN_SHEET
    assert [r[0] for r in t["Secret"].rows] == ["Hidden Person"]


def test_xls_plain_sheet_is_visible_only() -> None:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Counts")
    ws.write(0, 0, "Facility")
    ws.write(0, 1, "Count")
    ws.write(1, 0, "Otay Mesa")
    ws.write(1, 1, 120)
    buf = io.BytesIO()
    wb.save(buf)
    (t,) = [o for o in extract(buf.getvalue(), formats.XLS) if isinstance(o, Table)]
    assert t.visibility is Visibility.VISIBLE and not t.row_visibility and not t.column_visibility


def test_xls_junk_compound_file_is_unscannable() -> None:
    with pytest.raises(Unscannable):
        extract(formats.CFB_MAGIC + b"\x00" * 600, formats.XLS)


def test_xls_without_cfb_header_is_unscannable() -> None:
    with pytest.raises(Unscannable, match="compound-file"):
        extract(b"Name,DOB\nAna,1987-03-03\n", formats.XLS)


# --- .ods -----------------------------------------------------------------------------------

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.2"'
)


def _cell(v: str, note: str = "") -> str:
    ann = (
        (
            f"<office:annotation><dc:creator>Case Officer Ruiz</dc:creator><text:p>{note}</text:p>"
            "</office:annotation>"
        )
        if note
        else ""
    )
    return f'<table:table-cell office:value-type="string">{ann}<text:p>{v}</text:p></table:table-cell>'


def _row(cells: list[str], attrs: str = "") -> str:
    return f"<table:table-row {attrs}>{''.join(cells)}</table:table-row>"


def make_ods(manifest_extra: str = "") -> bytes:
    people = (
        '<table:table table:name="People">'
        '<table:table-column/><table:table-column table:visibility="collapse"/>'
        + _row([_cell("Name"), _cell("Nationality")])
        + _row([_cell("Ana Gomez", note="Asylum claim pending"), _cell("Honduras")])
        + _row([_cell("Li Wei"), _cell("China")], 'table:visibility="collapse"')
        + _row([_cell("Omar Haddad"), _cell("Syria")], 'table:visibility="filter"')
        + "<table:table-row-group>"
        + _row([_cell("Ivan Petrov"), _cell("Russia")], 'table:visibility="collapse"')
        + "</table:table-row-group></table:table>"
    )
    secret = (
        '<table:table table:name="Secret" table:style-name="ta2">'
        + _row([_cell("Hidden Person")])
        + "</table:table>"
    )
    styles = (
        '<office:automatic-styles><style:style style:name="ta2" style:family="table">'
        '<style:table-properties table:display="false"/></style:style></office:automatic-styles>'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS}>{styles}'
        f"<office:body><office:spreadsheet>{people}{secret}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {_NS}><office:meta>'
        "<meta:initial-creator>Tyler Black</meta:initial-creator><dc:title>Roster</dc:title>"
        "</office:meta></office:document-meta>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
        'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        f'manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry></manifest:manifest>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", formats.ODS, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("meta.xml", meta)
        z.writestr("META-INF/manifest.xml", manifest)
    return buf.getvalue()


def test_ods_hidden_rows_columns_sheet_comments_and_meta() -> None:
    out = extract(make_ods(), formats.ODS)
    t = tables(out)
    people = t["People"]
    assert people.header == ("Name", "Nationality") and people.location.part == "content.xml"
    by_name = {row[0]: i for i, row in enumerate(people.rows)}
    assert people.visibility_of(by_name["Ana Gomez"], 0) is Visibility.VISIBLE
    assert people.visibility_of(by_name["Li Wei"], 0) is Visibility.HIDDEN_ROW
    assert people.visibility_of(by_name["Omar Haddad"], 0) is Visibility.FILTERED_ROW
    assert people.visibility_of(by_name["Ivan Petrov"], 0) is Visibility.COLLAPSED_ROW
    assert people.visibility_of(by_name["Ana Gomez"], 1) is Visibility.HIDDEN_COLUMN
    assert t["Secret"].visibility is Visibility.HIDDEN_SHEET
    segs = [o for o in out if isinstance(o, Segment)]
    (comment,) = [s for s in segs if s.role == "comment"]
    assert comment.visibility is Visibility.COMMENT and comment.location.range == "A2"
    assert comment.text == "Asylum claim pending"
    authors = {s.text for s in segs if s.role == "metadata-author"}
    assert authors == {"Case Officer Ruiz", "Tyler Black"}
    assert any(s.role == "metadata" and s.location.field == "title" for s in segs)


def test_ods_encrypted_is_unscannable() -> None:
    with pytest.raises(Unscannable) as e:
        extract(make_ods("<manifest:encryption-data/>"), formats.ODS)
    assert e.value.code == "encrypted"


def test_ods_truncated_and_entity_bomb_are_unscannable() -> None:
    data = make_ods()
    with pytest.raises(Unscannable):
        extract(data[: len(data) // 2], formats.ODS)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "content.xml":
                body = body.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            dst.writestr(info.filename, body)
    with pytest.raises(Unscannable) as e:
        extract(buf.getvalue(), formats.ODS)
    assert e.value.code == "xml-attack"


def test_cell_limit_is_unscannable() -> None:
    with pytest.raises(Unscannable, match="cells"):
        extract(make_ods(), formats.ODS, Limits(max_cells=3))
