"""The fixture generators make what they promise: loadable files, data where the placement says."""

from __future__ import annotations

import csv
import datetime
import re
import time
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.pivot.cache import CacheDefinition
from openpyxl.pivot.record import RecordList
from openpyxl.xml.functions import fromstring

from clearance.model import Visibility
from generators.people import A_NUMBER_STYLES, HEADERS, Person, make_people, transliterate
from generators.tables import write_aggregate_csv, write_people_csv
from generators.workbooks import (
    DATA_VALIDATION_LIST_MAX_CHARS,
    FOOTNOTES_SHEET,
    HEADER_SHEET,
    LISTS_SHEET,
    PEOPLE_COLUMN,
    PEOPLE_SHEET,
    PLACEMENT_VISIBILITY,
    PLACEMENTS,
    STATS_PART,
    STATS_SHEET,
    make_aggregate_workbook,
    make_leak_workbook,
)

N = 40  # people per placement workbook: enough for every structure, fast to write
LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F' .\-]+$")  # Latin letters incl. accents, no other script


# --- people -------------------------------------------------------------------------------------


def test_people_are_deterministic_for_a_seed() -> None:
    assert make_people(200, seed=7) == make_people(200, seed=7)
    assert make_people(200, seed=7) != make_people(200, seed=8)


def test_people_fields_are_well_formed() -> None:
    people = make_people(500, seed=1)
    assert len({p.a_number for p in people}) == 500
    for p in people:
        assert re.fullmatch(r"\d{9}", p.a_number)
        assert 1 <= p.age() <= 80
        assert p.sex in ("M", "F")
        assert LATIN.match(p.given) and LATIN.match(p.family), (p.given, p.family)
    ages = [p.age() for p in people]
    assert any(a < 18 for a in ages) and sum(a >= 18 for a in ages) > 400


def test_people_mix_naming_traditions_with_matching_nationalities() -> None:
    people = make_people(500)
    traditions = Counter(p.tradition for p in people)
    assert len(traditions) >= 6
    by_tradition = {t: {p.nationality for p in people if p.tradition == t} for t in traditions}
    assert by_tradition["haitian"] == {"Haiti"}
    assert by_tradition["chinese"] == {"China"}
    assert by_tradition["slavic"] <= {"Russia", "Ukraine"}
    assert "Guatemala" in by_tradition["latin-american"]


def test_display_name_and_a_number_styles() -> None:
    p = Person(
        given="Maria",
        family="Garcia Lopez",
        dob=datetime.date(1987, 3, 14),
        sex="F",
        nationality="Guatemala",
        a_number="123456789",
        facility="Otay Mesa Detention Center",
        case_status="Credible fear - positive",
    )
    assert p.display_name() == "GARCIA LOPEZ, Maria"
    assert p.display_name("first-last") == "Maria Garcia Lopez"
    assert p.display_name("title-last-first") == "Garcia Lopez, Maria"
    assert [p.a_number_formatted(s) for s in A_NUMBER_STYLES] == [
        "A123456789",
        "A-123-456-789",
        "123 456 789",
        "A 123456789",
    ]
    with pytest.raises(ValueError):
        p.display_name("nope")


def test_transliteration_of_cyrillic() -> None:
    assert transliterate("Щербакова Юлия") == "Shcherbakova Yuliya"
    assert transliterate("Григорій", "uk") == "Hryhoriy"


def test_make_people_full_size() -> None:
    make_people(10)  # builds the Faker instances once
    start = time.perf_counter()
    assert len(make_people(6252)) == 6252
    print(f"make_people(6252): {time.perf_counter() - start:.2f} s")


# --- workbooks ----------------------------------------------------------------------------------


def _zip_xml(path: Path, part: str) -> ET.Element:
    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read(part))


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _people_rows_below_aggregates(ws) -> list[int]:
    return [r for r in range(1, ws.max_row + 1) if re.fullmatch(r"A\d{9}", str(ws.cell(r, 5).value or ""))]


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("placements")
    return {p: make_leak_workbook(folder / f"{p}.xlsx", n=N, placement=p, seed=3) for p in PLACEMENTS}


def test_placement_visibilities_are_model_values() -> None:
    assert set(PLACEMENT_VISIBILITY) == set(PLACEMENTS)
    for value in PLACEMENT_VISIBILITY.values():
        Visibility(value)  # raises if the model does not know it


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_every_placement_loads_with_visible_aggregates(placed: dict[str, Path], placement: str) -> None:
    wb = openpyxl.load_workbook(placed[placement])
    assert wb.sheetnames[:3] == [HEADER_SHEET, STATS_SHEET, FOOTNOTES_SHEET]
    for name in wb.sheetnames[:3]:
        assert wb[name].sheet_state == "visible"
    stats = wb[STATS_SHEET]
    counts = [c for row in stats.iter_rows(min_row=4, max_col=5, values_only=True) for c in row[1:]]
    numbers = [c for c in counts if isinstance(c, int | float)]
    assert numbers and min(numbers) >= 10
    assert wb.properties.creator == "Black, Tyler M (CTR)"


@pytest.mark.parametrize(
    ("placement", "state"),
    [("visible", "visible"), ("hidden-sheet", "hidden"), ("very-hidden-sheet", "veryHidden")],
)
def test_people_sheet_states(placed: dict[str, Path], placement: str, state: str) -> None:
    ws = openpyxl.load_workbook(placed[placement])[PEOPLE_SHEET]
    assert ws.sheet_state == state
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == HEADERS["en"]
    assert len(rows) == N + 1
    assert isinstance(rows[1][1], datetime.datetime)  # DOB is a real Excel date
    assert ws["B2"].number_format == "mm/dd/yyyy"


def test_hidden_rows_sit_below_the_aggregates(placed: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(placed["hidden-rows"])[STATS_SHEET]
    rows = _people_rows_below_aggregates(ws)
    assert len(rows) == N
    assert all(ws.row_dimensions[r].hidden for r in rows)
    assert not ws.row_dimensions[4].hidden  # the aggregate table stays visible


def test_collapsed_rows_are_grouped(placed: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(placed["collapsed-rows"])[STATS_SHEET]
    rows = _people_rows_below_aggregates(ws)
    assert len(rows) == N
    assert all(ws.row_dimensions[r].outlineLevel == 1 and ws.row_dimensions[r].hidden for r in rows)
    assert ws.row_dimensions[rows[-1] + 1].collapsed


def test_hidden_columns_beside_aggregates(placed: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(placed["hidden-columns"])[STATS_SHEET]
    letters = [openpyxl.utils.get_column_letter(PEOPLE_COLUMN + i) for i in range(6)]
    assert all(ws.column_dimensions[c].hidden for c in letters)
    assert not ws.column_dimensions["A"].hidden
    assert ws[f"{letters[0]}1"].value == HEADERS["en"][0]
    assert (
        sum(1 for (v,) in ws.iter_rows(min_col=PEOPLE_COLUMN, max_col=PEOPLE_COLUMN, values_only=True) if v)
        == N + 1
    )


def test_filtered_rows(placed: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(placed["filtered-rows"])[PEOPLE_SHEET]
    assert ws.sheet_state == "visible"
    assert ws.auto_filter.ref == f"A1:F{N + 1}"
    assert ws.auto_filter.filterColumn
    assert all(ws.row_dimensions[r].hidden for r in range(2, N + 2))
    assert not ws.row_dimensions[1].hidden


def test_invisible_format_and_white_font(placed: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(placed["invisible-format"])[STATS_SHEET]
    rows = _people_rows_below_aggregates(ws)
    assert len(rows) == N
    assert all(ws.cell(r, c).number_format == ";;;" for r in rows for c in range(1, 7))
    ws = openpyxl.load_workbook(placed["white-font"])[STATS_SHEET]
    rows = _people_rows_below_aggregates(ws)
    assert len(rows) == N
    cell = ws.cell(rows[0], 1)
    assert cell.font.color.rgb == "FFFFFFFF" and cell.fill.fgColor.rgb == "FFFFFFFF"


def test_comments_name_people(placed: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(placed["comment"])[STATS_SHEET]
    comments = [c.comment.text for row in ws.iter_rows() for c in row if c.comment]
    assert len(comments) == N
    assert all(re.search(r"DOB \d\d/\d\d/\d{4} - A\d{9}", t) for t in comments)


def test_threaded_comments_parts(placed: dict[str, Path]) -> None:
    path = placed["threaded-comment"]
    openpyxl.load_workbook(path)
    ns = {"tc": "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"}
    comments = _zip_xml(path, "xl/threadedComments/threadedComment1.xml").findall("tc:threadedComment", ns)
    assert len(comments) == N
    assert all(re.search(r"A\d{9}", c.findtext("tc:text", namespaces=ns) or "") for c in comments)
    persons = _zip_xml(path, "xl/persons/person.xml").findall("tc:person", ns)
    assert {p.get("id") for p in persons} == {c.get("personId") for c in comments}
    parts = _parts(path)
    types = parts["[Content_Types].xml"].decode()
    assert "application/vnd.ms-excel.threadedcomments+xml" in types
    assert "application/vnd.ms-excel.person+xml" in types
    assert b"threadedComment1.xml" in parts["xl/worksheets/_rels/sheet2.xml.rels"]
    assert b"persons/person.xml" in parts["xl/_rels/workbook.xml.rels"]


def test_defined_names(placed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(placed["defined-name"])
    array = wb.defined_names["DetaineeNames"].attr_text
    assert array.startswith("{") and array.count(";") == N - 1 and re.search(r'"A\d{9}"', array)
    assert wb.defined_names["DetaineeList"].attr_text == f"'{LISTS_SHEET}'!$A$1:$B${N}"
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb[LISTS_SHEET].max_row == N


def test_data_validation_lists(placed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(placed["data-validation"])
    formulas = [dv.formula1 for dv in wb[STATS_SHEET].data_validations.dataValidation]
    literal = next(f for f in formulas if f.startswith('"'))
    assert 3 <= literal.count(",") + 1 < N
    assert len(literal.strip('"')) <= DATA_VALIDATION_LIST_MAX_CHARS
    assert f"'{LISTS_SHEET}'!$A$1:$A${N}" in formulas


def test_pivot_cache_is_the_only_copy(placed: dict[str, Path]) -> None:
    path = placed["pivot-cache"]
    wb = openpyxl.load_workbook(path)
    assert PEOPLE_SHEET not in wb.sheetnames
    parts = _parts(path)
    definition = CacheDefinition.from_tree(fromstring(parts["xl/pivotCache/pivotCacheDefinition1.xml"]))
    assert [f.name for f in definition.cacheFields] == list(HEADERS["en"])
    assert definition.cacheSource.worksheetSource.sheet == PEOPLE_SHEET
    assert definition.cacheFields[0].sharedItems.count == N
    assert definition.cacheFields[1].sharedItems.containsDate
    records = RecordList.from_tree(fromstring(parts["xl/pivotCache/pivotCacheRecords1.xml"]))
    assert len(records.r) == N
    assert b"<pivotCaches>" in parts["xl/workbook.xml"]
    assert b"pivotCacheDefinition+xml" in parts["[Content_Types].xml"]
    assert b"pivotCacheRecords1.xml" in parts["xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels"]


def test_external_link_caches_people(placed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(placed["external-link"])
    (link,) = wb._external_links
    rows = link.externalBook.sheetDataSet.sheetData[0].row
    assert len(rows) == N + 1
    assert re.fullmatch(r"A\d{9}", rows[1].cell[4].v)
    assert link.file_link.TargetMode == "External"


def test_metadata_holds_people(placed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(placed["metadata"])
    assert len(re.findall(r"A\d{9}", wb.properties.description)) == N
    assert re.search(r"A\d{9}", wb.properties.keywords)
    props = list(wb.custom_doc_props)
    assert props and all(re.search(r"DOB .* A\d{9}", p.value) for p in props)


def test_embedded_csv(placed: dict[str, Path]) -> None:
    path = placed["embedded-file"]
    openpyxl.load_workbook(path)
    parts = _parts(path)
    rows = list(csv.reader(parts["xl/embeddings/people.csv"].decode().splitlines()))
    assert rows[0] == list(HEADERS["en"]) and len(rows) == N + 1
    assert (
        b"../embeddings/people.csv" in parts[STATS_PART.replace("worksheets/", "worksheets/_rels/") + ".rels"]
    )
    assert b'Extension="csv"' in parts["[Content_Types].xml"]


@pytest.mark.parametrize("header_style", ["es", "none", "misleading"])
def test_header_styles(tmp_path: Path, header_style: str) -> None:
    path = make_leak_workbook(tmp_path / "h.xlsx", n=5, placement="visible", header_style=header_style)
    rows = list(openpyxl.load_workbook(path)[PEOPLE_SHEET].iter_rows(values_only=True))
    if HEADERS[header_style] is None:
        assert len(rows) == 5 and isinstance(rows[0][1], datetime.datetime)
    else:
        assert rows[0] == HEADERS[header_style] and len(rows) == 6


def test_workbooks_are_deterministic(tmp_path: Path) -> None:
    for placement in ("hidden-sheet", "threaded-comment", "pivot-cache"):
        a = make_leak_workbook(tmp_path / "a.xlsx", n=10, placement=placement, seed=5).read_bytes()
        b = make_leak_workbook(tmp_path / "b.xlsx", n=10, placement=placement, seed=5).read_bytes()
        assert a == b, placement
    a = make_leak_workbook(tmp_path / "a.xlsx", n=10, seed=5).read_bytes()
    assert a != make_leak_workbook(tmp_path / "b.xlsx", n=10, seed=6).read_bytes()


def test_unknown_placement_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="placement"):
        make_leak_workbook(tmp_path / "x.xlsx", n=2, placement="under-the-rug")


@pytest.mark.slow
def test_full_size_hidden_sheet(tmp_path: Path) -> None:
    make_people(10)
    start = time.perf_counter()
    path = make_leak_workbook(tmp_path / "full.xlsx")
    print(f"make_leak_workbook(6252): {time.perf_counter() - start:.2f} s")
    ws = openpyxl.load_workbook(path, read_only=True)[PEOPLE_SHEET]
    assert ws.max_row == 6252 + 1


def test_aggregate_workbook_has_no_people(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(make_aggregate_workbook(tmp_path / "agg.xlsx"))
    assert FOOTNOTES_SHEET in wb.sheetnames and "Facility List" in wb.sheetnames
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)
    assert wb.properties.creator == wb.properties.lastModifiedBy == "Black, Tyler M (CTR)"
    counts = [
        v
        for name in ("Facility x Country", "Monthly", "By Case Status")
        for row in wb[name].iter_rows(values_only=True)
        for v in row
        if isinstance(v, int)
    ]
    assert len(counts) > 100 and min(counts) >= 10
    text = " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )
    assert not re.search(r"A-?\d{9}", text)


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding", "header_style"),
    [(",", "utf-8", "en"), ("\t", "utf-16", "es"), (";", "cp1252", "none")],
)
def test_people_csv(tmp_path: Path, delimiter: str, encoding: str, header_style: str) -> None:
    people = [p for p in make_people(60, seed=2) if all(ord(ch) < 256 for ch in p.given + p.family)][:20]
    path = write_people_csv(
        tmp_path / "p.csv", people, delimiter=delimiter, encoding=encoding, header_style=header_style
    )
    with path.open(encoding=encoding, newline="") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    head = HEADERS[header_style]
    assert len(rows) == len(people) + (1 if head else 0)
    if head:
        assert tuple(rows[0]) == head
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", rows[-1][1])


def test_aggregate_csv(tmp_path: Path) -> None:
    with write_aggregate_csv(tmp_path / "a.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 50 and min(int(r["Book-ins"]) for r in rows) >= 10
