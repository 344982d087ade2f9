"""XlsxExtractor: every hiding place with its Visibility, negatives, hostile input, speed."""

from __future__ import annotations

import datetime as dt
import io
import struct
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.colors import Color

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.embedded import ole10native_payload
from clearance.extractors.xlsx import XlsxExtractor, check_sheet_part, grid_bound
from clearance.extractors.xlsx import _screen as grid_screen
from clearance.extractors.xlsx_parts import array_items
from clearance.extractors.xlsx_sheetxml import _single_quoted, scan_sheet
from clearance.extractors.xlsx_styles import InvisibleStyles, format_hides
from clearance.model import Document, Note, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext
from generators.people import make_people
from generators.workbooks import PLACEMENT_VISIBILITY, PLACEMENTS, make_aggregate_workbook, make_leak_workbook

BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "ice_detention_stats"
N = 40  # people per generated workbook: enough to see every placement, fast to build


def doc_of(data: bytes, path: str = "book.xlsx", depth: int = 0) -> Document:
    return Document(path, len(data), "", formats.XLSX, lambda: io.BytesIO(data), depth=depth)


def extract(data: bytes, limits: Limits | None = None, **kw: object) -> list:
    return list(XlsxExtractor().extract(doc_of(data, **kw), ExtractContext(limits or Limits())))


def items(out: list) -> Iterator[tuple[str, Visibility, object]]:
    """Every text the extractor produced with its visibility and where it came from."""
    for o in out:
        if isinstance(o, Table):
            for r, row in enumerate(o.rows):
                for c, v in enumerate(row):
                    if v is not None:
                        yield v, o.visibility_of(r, c), o
        elif isinstance(o, Segment):
            yield o.text, o.visibility, o


def rewrite(data: bytes, change: dict, add: dict | None = None) -> bytes:
    """Copy a zip, transforming named members and adding new ones."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, change[info.filename](body) if info.filename in change else body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return buf.getvalue()


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def people():
    return make_people(N, seed=0)


# --- every placement of the generator ------------------------------------------------------


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_each_placement_is_found_with_its_visibility(tmp_path: Path, placement: str, people) -> None:
    data = make_leak_workbook(tmp_path / "leak.xlsx", n=N, placement=placement).read_bytes()
    out = extract(data)
    expected = Visibility(PLACEMENT_VISIBILITY[placement])
    family = people[1].family
    if placement == "embedded-file":
        children = [o for o in out if isinstance(o, Document)]
        assert children and children[0].visibility is Visibility.EMBEDDED_FILE
        assert children[0].members == ("xl/embeddings/people.csv",) and children[0].depth == 1
        assert family.lower().encode() in children[0].open().read().lower()
        return
    found = {vis for text, vis, _ in items(out) if family.lower() in text.lower()}
    assert expected in found, (placement, found)
    if placement != "visible":
        assert Visibility.VISIBLE not in found, f"{placement}: personal data reported as visible"


def test_hidden_sheet_table_shape(tmp_path: Path, people) -> None:
    data = make_leak_workbook(tmp_path / "l.xlsx", n=N, placement="hidden-sheet").read_bytes()
    (t,) = [o for o in extract(data) if isinstance(o, Table) and o.location.sheet == "Detainees"]
    assert t.visibility is Visibility.HIDDEN_SHEET
    assert t.header is not None and t.header_row == 1 and t.first_row == 2 and t.first_column == 1
    assert len(t.rows) == N and t.location.part == t.key and t.key.startswith("xl/worksheets/")
    # dates arrive as ISO strings
    assert people[0].dob.isoformat() in t.rows[0]


def test_very_hidden_and_filtered_rows_have_row_numbers(tmp_path: Path) -> None:
    data = make_leak_workbook(tmp_path / "f.xlsx", n=N, placement="filtered-rows").read_bytes()
    (t,) = [o for o in extract(data) if isinstance(o, Table) and o.location.sheet == "Detainees"]
    assert t.first_row == 2 and set(t.row_visibility) == {Visibility.FILTERED_ROW}
    data = make_leak_workbook(tmp_path / "v.xlsx", n=N, placement="very-hidden-sheet").read_bytes()
    vis = {o.visibility for o in extract(data) if isinstance(o, Table) and o.location.sheet == "Detainees"}
    assert vis == {Visibility.VERY_HIDDEN_SHEET}


def test_comment_authors_are_metadata_authors(tmp_path: Path) -> None:
    for placement in ("comment", "threaded-comment"):
        data = make_leak_workbook(tmp_path / f"{placement}.xlsx", n=5, placement=placement).read_bytes()
        segs = [o for o in extract(data) if isinstance(o, Segment)]
        comments = [s for s in segs if s.role == "comment"]
        assert len(comments) >= 5 and all(s.location.range and s.location.sheet for s in comments)
        authors = [s for s in segs if s.role == "metadata-author" and s.location.field == "author"]
        assert authors and all(s.visibility is Visibility.METADATA for s in authors)


def test_defined_name_array_becomes_table(tmp_path: Path, people) -> None:
    data = make_leak_workbook(tmp_path / "d.xlsx", n=N, placement="defined-name").read_bytes()
    out = extract(data)
    tables = [o for o in out if isinstance(o, Table) and o.role == "defined-name"]
    assert tables and tables[0].header is None and tables[0].visibility is Visibility.DEFINED_NAME
    assert any(people[0].family.lower() in (row[0] or "").lower() for row in tables[0].rows)
    names = {o.location.field for o in out if isinstance(o, Segment) and o.role == "defined-name"}
    assert {"DetaineeNames", "DetaineeList"} <= names


def test_pivot_cache_rebuilds_rows(tmp_path: Path, people) -> None:
    data = make_leak_workbook(tmp_path / "p.xlsx", n=N, placement="pivot-cache").read_bytes()
    (t,) = [o for o in extract(data) if isinstance(o, Table) and o.role == "pivot-cache"]
    assert t.visibility is Visibility.PIVOT_CACHE and t.header and len(t.rows) == N
    assert any(people[0].a_number in " ".join(v or "" for v in row) for row in t.rows)


def test_external_link_table_and_note(tmp_path: Path) -> None:
    data = make_leak_workbook(tmp_path / "e.xlsx", n=N, placement="external-link").read_bytes()
    out = extract(data)
    notes = [o for o in out if isinstance(o, Note) and o.code == "external-link"]
    assert notes and not notes[0].blocking
    tables = [o for o in out if isinstance(o, Table) and o.visibility is Visibility.EXTERNAL_LINK]
    assert tables and sum(len(t.rows) for t in tables) >= N


def test_metadata_properties(tmp_path: Path) -> None:
    data = make_leak_workbook(tmp_path / "m.xlsx", n=5, placement="metadata").read_bytes()
    segs = [o for o in extract(data) if isinstance(o, Segment) and o.visibility is Visibility.METADATA]
    fields = {(s.location.part, s.location.field, s.role) for s in segs}
    assert ("docProps/core.xml", "creator", "metadata-author") in fields
    assert ("docProps/core.xml", "description", "metadata") in fields
    assert ("docProps/custom.xml", "Subject 001", "metadata") in fields


# --- inline fixtures for details the generator does not cover ---------------------------------


def test_plain_visible_table_is_visible_only() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Name", "Born", "Score"])
    ws.append(["Ana Gómez", dt.date(1987, 3, 3), 3.0])
    ws.append(["Li Wei", dt.datetime(1990, 1, 2, 13, 45), 2.5])
    out = extract(save(wb))
    (t,) = [o for o in out if isinstance(o, Table)]
    assert t.header == ("Name", "Born", "Score")
    assert list(t.rows[0]) == ["Ana Gómez", "1987-03-03", "3"]
    assert list(t.rows[1]) == ["Li Wei", "1990-01-02T13:45:00", "2.5"]
    assert {v for _, v, _ in items([t])} == {Visibility.VISIBLE}
    assert not t.row_visibility and not t.column_visibility and not t.cell_visibility


def test_first_row_data_means_no_header_and_offsets() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D3"] = "Ana", dt.date(1987, 3, 3)
    ws["C4"], ws["D4"] = "Li", dt.date(1990, 1, 2)
    (t,) = [o for o in extract(save(wb)) if isinstance(o, Table)]
    assert t.header is None and t.header_row is None
    assert (t.first_row, t.first_column) == (3, 3) and len(t.rows) == 2


def test_aggregate_workbook_has_no_hidden_data(tmp_path: Path) -> None:
    data = make_aggregate_workbook(tmp_path / "agg.xlsx").read_bytes()
    out = extract(data)
    assert any(isinstance(o, Table) for o in out)
    assert {v for _, v, _ in items(out)} <= {Visibility.VISIBLE, Visibility.METADATA}
    assert not [o for o in out if isinstance(o, Note | Document)]


def test_theme_white_on_white_and_format_sections() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Name", "Note"])
    ws.append(["Visible", "x"])
    ws["A3"] = "Hidden Person"
    ws["A3"].font = Font(color=Color(theme=0))  # theme 0 = lt1 = window white in the default theme
    ws["A4"] = 12345
    ws["A4"].number_format = ";;;"
    ws["A5"] = "shown text"
    ws["A5"].number_format = "0;-0;0"  # no text section: text stays visible
    (t,) = [o for o in extract(save(wb)) if isinstance(o, Table)]
    assert t.visibility_of(1, 0) is Visibility.INVISIBLE_FORMAT
    assert t.visibility_of(2, 0) is Visibility.INVISIBLE_FORMAT
    assert t.visibility_of(3, 0) is Visibility.VISIBLE and t.visibility_of(0, 0) is Visibility.VISIBLE
    assert format_hides(";;;") == (True, True) and format_hides(";;") == (True, False)
    assert format_hides('0;"-";@') == (False, False) and format_hides("General") == (False, False)


def test_white_font_on_coloured_fill_is_visible() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Title", "x"])
    ws.append(["banner", "y"])
    ws["A2"].font = Font(color="FFFFFFFF")
    ws["A2"].fill = PatternFill("solid", fgColor="FF1F4E79")
    (t,) = [o for o in extract(save(wb)) if isinstance(o, Table)]
    assert not t.cell_visibility


def test_hidden_columns_and_zero_height_rows() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 6):
        ws.append([f"h{r}", f"v{r}", f"w{r}"])
    ws.column_dimensions["B"].hidden = True
    # openpyxl drops a zero height, so write it into the sheet XML as Excel does
    data = rewrite(
        save(wb), {"xl/worksheets/sheet1.xml": lambda b: b.replace(b'<row r="3"', b'<row r="3" ht="0"')}
    )
    (t,) = [o for o in extract(data) if isinstance(o, Table)]
    assert t.column_visibility[1] is Visibility.HIDDEN_COLUMN and t.column_visibility[0] is Visibility.VISIBLE
    assert t.visibility_of(3 - t.first_row, 0) is Visibility.HIDDEN_ROW


def test_data_validation_literal_list() -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Reviewer", "x"])
    dv = DataValidation(type="list", formula1='"Ana Gomez,Li Wei"')
    dv.add("A2")
    ws.add_data_validation(dv)
    (t,) = [o for o in extract(save(wb)) if isinstance(o, Table) and o.role == "data-validation"]
    assert [r[0] for r in t.rows] == ["Ana Gomez", "Li Wei"] and t.location.range == "A2"
    assert t.visibility is Visibility.DATA_VALIDATION and t.header is None


def test_chunks_share_key_and_number_rows() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Name", "Id"])
    for i in range(25):
        ws.append([f"P{i}", i])
    chunks = [o for o in extract(save(wb), Limits(chunk_rows=10)) if isinstance(o, Table)]
    assert [c.chunk for c in chunks] == [0, 1, 2] and len({c.key for c in chunks}) == 1
    assert [c.last_chunk for c in chunks] == [False, False, True]
    assert [c.first_row for c in chunks] == [2, 12, 22] and chunks[2].rows[-1][0] == "P24"
    assert all(c.header == ("Name", "Id") for c in chunks)


def test_too_many_cells_is_unscannable() -> None:
    wb = openpyxl.Workbook()
    for i in range(30):
        wb.active.append([i, i, i, i])
    with pytest.raises(Unscannable, match="cells"):
        extract(save(wb), Limits(max_cells=50))


def test_macro_note_and_array_parser() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    buf = io.BytesIO(save(wb))
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\x00" * 10)
    notes = [o for o in extract(buf.getvalue()) if isinstance(o, Note)]
    assert [(n.code, n.blocking) for n in notes] == [("macro", False)]
    assert array_items('{"a ""b""",2;"c"}') == ['a "b"', "2", "c"]
    assert array_items("Sheet1!$A$1") is None


# --- embedded OLE objects -------------------------------------------------------------------


def test_ole10native_payload_parser() -> None:
    payload = b"Name,DOB\nAna,1987-03-03\n"
    body = struct.pack("<H", 2) + b"people.csv\x00C:\\x\\people.csv\x00" + struct.pack("<HH", 0, 3)
    temp = b"C:\\tmp\\people.csv\x00"
    body += struct.pack("<I", len(temp)) + temp + struct.pack("<I", len(payload)) + payload
    stream = struct.pack("<I", len(body)) + body
    assert ole10native_payload(stream) == payload


def _with_member(name: str, data: bytes) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    buf = io.BytesIO(save(wb))
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr(name, data)
    return buf.getvalue()


def test_damaged_ole_object_blocks() -> None:
    out = extract(_with_member("xl/embeddings/oleObject1.bin", formats.CFB_MAGIC + b"\x00" * 100))
    (note,) = [o for o in out if isinstance(o, Note)]
    assert note.code == "embedded-unreadable" and note.blocking
    assert note.visibility is Visibility.EMBEDDED_FILE


def test_embedded_depth_limit_blocks() -> None:
    data = _with_member("xl/embeddings/inner.xlsx", b"PK\x03\x04junk")
    out = extract(data, Limits(max_depth=1), depth=1)
    (note,) = [o for o in out if isinstance(o, Note)]
    assert note.code == "embedded-too-deep" and note.blocking


# --- hostile and broken input ---------------------------------------------------------------


def test_encrypted_workbook_is_unscannable(tmp_path: Path) -> None:
    pytest.importorskip("msoffcrypto")
    import msoffcrypto.format.ooxml

    wb = openpyxl.Workbook()
    wb.active.append(["Ana Gómez", "1987-03-03"])
    plain = io.BytesIO(save(wb))
    enc = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("secret", enc)
    with pytest.raises(Unscannable) as e:
        extract(enc.getvalue())
    assert e.value.code == "encrypted" and "Ana" not in e.value.reason


def test_truncated_zip_is_unscannable() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["x"] * 10)
    data = save(wb)
    with pytest.raises(Unscannable):
        extract(data[: len(data) // 2])


def test_csv_named_xlsx_and_zip_without_workbook() -> None:
    with pytest.raises(Unscannable):
        extract(b"Name,DOB\nAna,1987-03-03\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(Unscannable, match="not a valid workbook"):
        extract(buf.getvalue())


def test_zip_bomb_member_is_unscannable() -> None:
    data = _with_member("xl/media/bomb.bin", b"\x00" * (8 << 20))
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    with pytest.raises(Unscannable) as e:
        extract(buf.getvalue(), Limits(max_uncompressed_bytes=4 << 20))
    assert e.value.code == "bomb"


_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


_SST = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    "<si><t>&lol3;</t></si></sst>"
)
_SST_REL = (
    '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def test_entity_bomb_in_sheet_is_unscannable() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["text", "more text"])

    def bomb(body: bytes) -> bytes:
        return _LAUGHS.encode() + body.replace(b"text", b"&lol3;", 1)

    with pytest.raises(Unscannable) as e:
        extract(rewrite(save(wb), {"xl/worksheets/sheet1.xml": bomb}))
    assert e.value.code == "xml-attack"


def test_entity_bomb_in_shared_strings_is_unscannable() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["text"])
    data = rewrite(
        save(wb),
        {"xl/_rels/workbook.xml.rels": lambda b: b.replace(b"</Relationships>", _SST_REL.encode())},
        {"xl/sharedStrings.xml": (_LAUGHS + _SST).encode()},
    )
    with pytest.raises(Unscannable) as e:
        extract(data)
    assert e.value.code == "xml-attack"


# --- the grid guard: what calamine would allocate, bounded before it parses ------------------

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet(rows: str, root: str = "worksheet") -> bytes:
    return f'<?xml version="1.0"?><{root} xmlns="{_NS}"><sheetData>{rows}</sheetData></{root}>'.encode()


def _v(text: str, ref: str | None = None, tag: str = "c") -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<{tag}{r} t="inlineStr"><is><t>{text}</t></is></{tag}>'


# (sheetData, the grid calamine allocates: rows x columns from A1 to its farthest cell)
_PLACEMENTS = {
    "canonical": (f'<row r="1">{_v("a", "A1")}{_v("b", "C2")}</row>', 2 * 3),
    "two letters": (f'<row r="1">{_v("a", "A1")}{_v("b", "AB70")}</row>', 70 * 28),
    "lower case": (f"<row>{_v('a', 'A1')}{_v('b', 'zz2')}</row>", 2 * 702),
    "spaced attribute": (
        f'<row>{_v("a", "A1")}</row><row><c\n r = "Z2" t="inlineStr"><is><t>b</t></is></c></row>',
        52,
    ),
    "single quotes": (
        "<row><c r='A1' t='inlineStr'><is><t>a</t></is></c><c r='D9' t='n'><v>1</v></c></row>",
        36,
    ),
    "no references": (f'<row r="5">{_v("x", "B1")}{_v("y")}</row><row>{_v("z")}{_v("w")}</row>', 6 * 3),
    "row start sets the row": (f'<row r="3">{_v("x")}</row><row r="1"/>{_v("y")}', 3),
    "prefixed reference ignored": (
        f'<row>{_v("a", "A1")}</row><row><c x:r="Z2" t="inlineStr"><is><t>b</t></is></c></row>',
        2,
    ),
    "two colons are not a cell": (
        f'<row r="1">{_v("a", "A1")}<a:b:c r="C1"><is><t>x</t></is></a:b:c></row>',
        1,
    ),
    "eight-digit row": (f"<row>{_v('a', 'A1')}</row><row>{_v('b', 'B1234567')}</row>", 1234567 * 2),
    "four-letter column": (f"<row>{_v('a', 'A1')}{_v('b', 'ABCD2')}</row>", 2 * 19010),
}


@pytest.mark.parametrize("case", sorted(_PLACEMENTS))
def test_grid_bound_matches_calamine(case: str) -> None:
    import python_calamine as pc

    rows, expected = _PLACEMENTS[case]
    xml = _sheet(rows)
    assert grid_bound(xml) == expected
    fits = grid_screen(xml, 50_000_000)
    assert fits is None or fits == (expected <= 50_000_000)
    wb = openpyxl.Workbook()
    wb.active.append(["x"])
    data = rewrite(save(wb), {"xl/worksheets/sheet1.xml": lambda _: xml})
    sheet = pc.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Sheet")
    assert (sheet.end[0] + 1) * (sheet.end[1] + 1) <= expected  # calamine skips empty cells


def test_grid_screen_agrees_with_the_exact_walk() -> None:
    prefixed = _sheet(f'<x:row r="1">{_v("a", "A1", "x:c")}{_v("b", "AB70", "x:c")}</x:row>', "x:worksheet")
    prefixed = prefixed.replace(b"xmlns=", b"xmlns:x=")
    assert grid_screen(prefixed, 50_000_000) is True and grid_bound(prefixed) == 70 * 28
    assert grid_screen(prefixed, 70 * 28 - 1) is False
    utf16 = (
        _sheet(f'<row r="1">{_v("a", "A1")}</row>').decode().replace('"1.0"?>', '"1.0" encoding="UTF-16"?>')
    )
    assert grid_screen(utf16.encode("utf-16"), 50_000_000) is None  # the bytes say nothing: walk it
    assert grid_bound(utf16.encode("utf-16")) == 1
    text = _sheet(f'<row r="1">{_v("ratio 1:c 2", "A1")}</row>')  # ':c ' in text: only slower
    assert grid_screen(text, 50_000_000) is None and grid_bound(text) == 1
    comment = _sheet(f'<row r="1">{_v("a", "A1")}<!-- <c r="ZZ9"> --></row>')  # counted: an upper bound
    assert grid_screen(comment, 10) is False


@pytest.mark.parametrize(
    "rows",
    [
        # references on the rows only: calamine counts the cells along row 1,048,576
        '<row r="1">' + _v("a") + '</row><row r="1048576">' + "<c/>" * 16_383 + _v("b") + "</row>",
        f"<row>{_v('a', 'A1')}</row><row>{_v('b', 'E99999999')}</row>",  # longer than 7 digits
        f"<row>{_v('a', 'A1')}</row><row>{_v('b', 'ZZZZ9999')}</row>",  # four letters
        f"<row>{_v('a', 'A1')}</row><row>{_v('b', 'A' + '9' * 5000)}</row>",  # beyond int parsing
    ],
    ids=["rows-only", "8-digit-row", "4-letter-column", "5000-digit-row"],
)
def test_far_cells_are_refused_before_calamine(rows: str) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["x"])
    data = rewrite(save(wb), {"xl/worksheets/sheet1.xml": lambda _: _sheet(rows)})
    with pytest.raises(Unscannable) as e:
        extract(data)
    assert e.value.code == "limit" and "spans more than" in e.value.reason


@pytest.mark.parametrize("cell", [_v("a", "A1"), _v("a")], ids=["screened", "walked"])
def test_malformed_sheet_is_refused_on_either_path(cell: str) -> None:
    cut = _sheet(f'<row r="1">{cell}{cell}</row>')[:-30]
    with pytest.raises(Unscannable) as e:
        check_sheet_part(cut, "sheet part 'x'", 50_000_000)
    assert e.value.code == "corrupt"
    check_sheet_part(_sheet(f'<row r="1">{cell}</row>'), "sheet part 'x'", 50_000_000)


def test_zero_height_probe_ignores_other_attributes() -> None:
    margins = b'<pageMargins left="0.7" right="0.7" top="0.75"/>'
    clean = _sheet(f'<row r="1">{_v("a", "A1")}</row>').replace(b"</worksheet>", margins + b"</worksheet>")
    assert not scan_sheet(clean, InvisibleStyles(), "x").layout.hidden_rows
    hidden = clean.replace(b'<row r="1">', b'<row r="1"\tht="0" customHeight="1">')
    assert scan_sheet(hidden, InvisibleStyles(), "x").layout.hidden_rows == {1: Visibility.HIDDEN_ROW}
    for xml in (b"a='b'", b"x'y", b"'", b"", b"a= 'b'", b"'" * 100 + b"='", b"x'" * 100):
        assert _single_quoted(xml) == (b"='" in xml)


# --- real aggregate workbooks and speed -----------------------------------------------------


@pytest.mark.skipif(not BENCH.is_dir(), reason="benchmark data not available")
def test_benchmark_workbooks_extract(capsys: pytest.CaptureFixture[str]) -> None:
    import python_calamine as pc

    for path in sorted(BENCH.glob("*.xlsx")):
        data = path.read_bytes()
        t0 = time.perf_counter()
        out = extract(data, path=path.name)
        took = time.perf_counter() - t0
        sheets = {o.location.sheet for o in out if isinstance(o, Table) and o.role == "sheet"}
        expected = set(pc.CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
        assert sheets <= expected and len(sheets) >= len(expected) - 1, path.name
        if path.name.startswith("FY25"):
            assert "Monthly Segregation" in sheets
            with capsys.disabled():
                print(f"\n{path.name}: extracted in {took * 1000:.0f} ms")


def test_large_hidden_sheet_extracts_every_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """6,252 people x 6 columns on a hidden sheet: extraction stays near calamine's raw read."""
    import python_calamine as pc

    data = make_leak_workbook(tmp_path / "big.xlsx", n=6252, placement="hidden-sheet").read_bytes()
    raw, ours = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        raw.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        out = extract(data)
        ours.append(time.perf_counter() - t0)
    assert sum(len(o.rows) for o in out if isinstance(o, Table) and o.location.sheet == "Detainees") == 6252
    ratio = min(ours) / min(raw)
    with capsys.disabled():
        print(
            f"\n6,252 rows: calamine {min(raw) * 1000:.0f} ms, "
            f"extractor {min(ours) * 1000:.0f} ms ({ratio:.2f}x)"
        )
    # Speed targets live in bench/bench_spreadsheet.py, not in unit tests: this only prints.


def test_page_header_and_footer_text_is_extracted_without_codes() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Month", "Inspections"])
    ws.append(["Jan", 12])
    ws.oddFooter.left.text = "Reviewed with: Ana Ruiz (A# 123-456-789); Luis Soto (A# 223-456-781)"
    ws.oddFooter.right.text = "Page &P of &N"
    ws.evenFooter.left.text = "Reviewed with: Ana Ruiz (A# 123-456-789); Luis Soto (A# 223-456-781)"
    ws.firstHeader.center.text = "Prepared by Eva Diaz"
    ws.firstHeader.center.font = "Arial,Bold"
    ws.firstHeader.center.size = 14
    out = extract(save(wb))
    printed = (("page header",), ("page footer",))
    hf = {s.text: s for s in out if isinstance(s, Segment) and s.context[-1:] in printed}
    assert set(hf) == {
        "Reviewed with: Ana Ruiz (A# 123-456-789); Luis Soto (A# 223-456-781)",  # once: even repeats odd
        "Page of",
        "Prepared by Eva Diaz",
    }
    footer = hf["Reviewed with: Ana Ruiz (A# 123-456-789); Luis Soto (A# 223-456-781)"]
    assert footer.visibility is Visibility.METADATA
    assert footer.location.sheet == ws.title and footer.location.field == "oddFooter/left"
    assert footer.location.part == "xl/worksheets/sheet1.xml"
    assert hf["Prepared by Eva Diaz"].context == (ws.title, "page header")


def test_header_footer_codes_are_stripped() -> None:
    from clearance.extractors.xlsx_sheetxml import header_footer_text

    assert header_footer_text('&C&P of &N&L&"Arial,Bold"&14Ana && Co&R&D &T') == [
        ("left", "Ana & Co"),
        ("centre", "of"),
    ]
    assert header_footer_text("&KFF0000Red &K01+000text") == [("centre", "Red text")]
    assert header_footer_text("&P / &N") == [] and header_footer_text("") == []
    assert header_footer_text("no codes") == [("centre", "no codes")]


def test_sheet_without_header_footer_gives_no_segment() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Month", "Inspections"])
    wb.active.append(["Jan", 12])
    out = extract(save(wb))
    assert not [o for o in out if isinstance(o, Segment) and "Footer" in (o.location.field or "")]
    assert scan_sheet(b"<worksheet><sheetData/></worksheet>", InvisibleStyles(), "s").headers_footers == []


def test_prefixed_header_footer_and_malformed_is_unscannable() -> None:
    xml = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData/>'
        b"<x:headerFooter><x:oddHeader>&amp;CAna Ruiz</x:oddHeader></x:headerFooter></x:worksheet>"
    )
    (hf,) = scan_sheet(xml, InvisibleStyles(), "s").headers_footers
    assert (hf.element, hf.section, hf.text) == ("oddHeader", "centre", "Ana Ruiz")
    with pytest.raises(Unscannable):
        bad = b"<worksheet><headerFooter><oddHeader>&bad;</oddHeader></headerFooter></worksheet>"
        scan_sheet(bad, InvisibleStyles(), "s")


def test_header_footer_probe_reads_only_after_sheet_data() -> None:
    cells = b'<row r="1"><c r="A1" t="inlineStr"><is><t>headerFooter sheetData</t></is></c></row>'
    hf = b"<headerFooter><oddFooter>&amp;LAna Ruiz sheetData</oddFooter></headerFooter>"
    xml = b"<worksheet><sheetData>" + cells + b"</sheetData>" + hf + b"</worksheet>"
    (one,) = scan_sheet(xml, InvisibleStyles(), "s").headers_footers
    assert one.text == "Ana Ruiz sheetData"
    xml = b"<worksheet>" + hf + b"<sheetData>" + cells + b"</sheetData></worksheet>"  # out of order
    assert [h.text for h in scan_sheet(xml, InvisibleStyles(), "s").headers_footers] == ["Ana Ruiz sheetData"]
    xml = b"<worksheet><sheetData>" + cells + b"</sheetData></worksheet>"
    assert scan_sheet(xml, InvisibleStyles(), "s").headers_footers == []
