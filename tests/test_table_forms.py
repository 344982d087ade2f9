"""Tables that are not one record per row: forms and records written across (labels down the
first column), a group row above the header, a list inside one cell, CJK names."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest
from faker import Faker

from clearance.config.loader import load_rules
from clearance.detectors.columns import ColumnDetector
from clearance.extractors.xlsx_tables import grid_tables
from clearance.model import Candidate, ColumnCandidate, Location, Table, TableProfile, Visibility
from clearance.pipeline import Scanner

LOCALES = ["en_US", "es_MX", "fr_FR", "de_DE"]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner.build(reference_year=2026)


@pytest.fixture(scope="module")
def detector() -> ColumnDetector:
    return ColumnDetector(load_rules(), reference_year=2026)


def _scan(scanner: Scanner, data: bytes, name: str):  # type: ignore[no-untyped-def]
    from clearance.formats import document_from_bytes

    return scanner.scan_document(document_from_bytes(data, name))


def _xlsx(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _people(locale: str, n: int, seed: int) -> list[tuple[str, str, str]]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return [
        (
            fake.unique.name(),
            fake.date_of_birth(minimum_age=20, maximum_age=70).isoformat(),
            f"A{200000000 + i * 7919}",
        )
        for i in range(n)
    ]


def _table(header: tuple[str, ...] | None, rows: list[list[str | None]], **kw: object) -> Table:
    return Table(
        key="t", location=Location(part="xl/worksheets/sheet1.xml", sheet="S"), header=header, rows=rows, **kw
    )


# --- transposed tables -----------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_single_record_form_in_a_sheet_is_one_person(scanner: Scanner, locale: str) -> None:
    ((name, dob, anum),) = _people(locale, 1, 3)
    data = _xlsx(
        [["Name", name], ["Date of Birth", dob], ["Country of Citizenship", "Honduras"], ["A-Number", anum]]
    )
    rep = _scan(scanner, data, "form.xlsx")
    assert rep.people == 1
    assert rep.verdict.value == "block"


@pytest.mark.parametrize(("locale", "n"), [("en_US", 3), ("es_MX", 5), ("fr_FR", 2)])
def test_records_written_as_columns_count_one_person_a_column(scanner: Scanner, locale: str, n: int) -> None:
    people = _people(locale, n, 11)
    rows = [
        ["Name", *(p[0] for p in people)],
        ["DOB", *(p[1] for p in people)],
        ["Nationality", *(["Cuba", "Haiti", "Peru", "Chile", "Mexico"][:n])],
        ["A-Number", *(p[2] for p in people)],
    ]
    rep = _scan(scanner, _xlsx(rows), "across.xlsx")
    assert rep.people == n
    assert rep.verdict.value == "block"


def test_word_label_value_table_is_one_person(scanner: Scanner) -> None:
    ((name, _dob, anum),) = _people("en_US", 1, 5)
    d = docx.Document()
    t = d.add_table(rows=4, cols=2)
    for i, (a, b) in enumerate(
        [("Name", name), ("DOB", "03/04/1985"), ("Nationality", "Cuba"), ("A#", anum)]
    ):
        t.cell(i, 0).text = a
        t.cell(i, 1).text = b
    buf = io.BytesIO()
    d.save(buf)
    rep = _scan(scanner, buf.getvalue(), "form.docx")
    assert rep.people == 1
    assert rep.verdict.value == "block"


def test_transposed_candidates_point_at_sheet_rows(detector: ColumnDetector) -> None:
    # labels in A1:A3, records in B..C: a label's column candidate spans its sheet row
    rows: list[list[str | None]] = [
        ["DOB", "1985-03-04", "1979-11-30"],
        ["A-Number", "A123456789", "A223456781"],
        ["Notes", "call 555-201-3344 ext", "email x.y@example.org"],
    ]
    out = list(
        detector.detect_table(_table(("Name", "Ana Gomez", "Luis Perez"), rows, first_row=2, header_row=1))
    )
    cols = {c.entity: c for c in out if isinstance(c, ColumnCandidate)}
    assert cols["date-of-birth"].location.range == "B2:C2"
    assert cols["a-number"].location.range == "B3:C3"
    assert cols["date-of-birth"].values == ("1985-03-04", "1979-11-30")
    assert {c.column_index for c in cols.values()} <= {0, 1, 2, 3}
    prof = next(o for o in out if isinstance(o, TableProfile))
    assert prof.rows == 2 and prof.header == ("Name", "DOB", "A-Number", "Notes")
    # a cell hit of the transposed table (its row 1 = sheet column C, its column 3 = sheet row 4)
    from clearance.detectors.columns import _Flip
    from clearance.model import Identifier

    hit = Candidate(
        rule="email",
        entity="email",
        value="x",
        score=0.9,
        location=Location(part="p", sheet="S", range="D3"),
        visibility=Visibility.VISIBLE,
        identifier=Identifier.DIRECT,
        table_key="t",
        row_index=1,
        column_index=3,
        role="cell",
    )
    placed = _Flip(top=1, first_column=2).place(hit)
    assert placed.location.range == "C4" and placed.row_index == 1


@pytest.mark.parametrize(
    "rows",
    [
        # counts by country: countries are not labels
        [["Country", "Count"], ["Mexico", "120"], ["Honduras", "88"], ["Guatemala", "61"], ["Cuba", "4"]],
        # an ordinary list whose first column is names
        [
            ["Name", "DOB", "Country"],
            ["Ana Gomez", "1985-03-04", "Cuba"],
            ["Luis Perez", "1979-11-30", "Peru"],
            ["Rosa Cruz", "1990-07-12", "Chile"],
        ],
        # a data dictionary: labels down the first column, descriptions beside them
        [
            ["Field", "Description"],
            ["Name", "the person's full name"],
            ["DOB", "date of birth, ISO format"],
            ["A-Number", "alien registration number"],
            ["Country", "country of citizenship"],
        ],
    ],
)
def test_ordinary_tables_are_not_transposed(detector: ColumnDetector, rows: list[list[str]]) -> None:
    out = list(detector.detect_table(_table(tuple(rows[0]), [list(r) for r in rows[1:]])))
    prof = next(o for o in out if isinstance(o, TableProfile))
    assert prof.header == tuple(rows[0])
    assert all(
        not (c.location.range or "").endswith(tuple("0123456789"))
        or ":" not in (c.location.range or "")
        or c.location.range.split(":")[0][0] == c.location.range.split(":")[1][0]
        for c in out
        if isinstance(c, ColumnCandidate)
    )


def test_data_dictionary_is_not_people(scanner: Scanner) -> None:
    rows = [
        ["Field", "Description"],
        ["Name", "the person's full name"],
        ["DOB", "date of birth, ISO format"],
        ["A-Number", "alien registration number"],
        ["Country", "country of citizenship"],
    ]
    rep = _scan(scanner, _xlsx(rows), "dictionary.xlsx")
    assert rep.people == 0


# --- group row above the header --------------------------------------------------------------


@pytest.mark.parametrize(("locale", "n"), [("en_US", 3), ("es_MX", 6), ("de_DE", 25)])
def test_group_row_over_header_does_not_count_labels_row(scanner: Scanner, locale: str, n: int) -> None:
    fake = Faker(locale)
    fake.seed_instance(n)
    rows: list[list[object]] = [
        ["Detainee", None, "Biographic", None],
        ["Last", "First", "Birth", "Citizenship"],
    ]
    for _ in range(n):
        rows.append(
            [fake.last_name(), fake.first_name(), fake.date_of_birth(minimum_age=20).isoformat(), "Cuba"]
        )
    rep = _scan(scanner, _xlsx(rows, merges=("A1:B1", "C1:D1")), "two_rows.xlsx")
    assert rep.people == n


def test_group_row_over_facility_header_stays_as_is(detector: ColumnDetector) -> None:
    # no person column confirmed by values under the lower row: the sub-header stays data
    rows: list[list[str | None]] = [["DETLOC", "Name", "City", "Population"]]
    rows += [
        [f"F{i:03d}", f"{c} County Jail", c, str(i * 7)]
        for i, c in enumerate(["Aberdeen", "Abilene", "Albany"])
    ]
    out = list(detector.detect_table(_table(("Facility Information", "", "", "Capacity"), rows)))
    prof = next(o for o in out if isinstance(o, TableProfile))
    assert prof.header == ("Facility Information", "", "", "Capacity")


# --- a list in one cell ----------------------------------------------------------------------


def _grid(rows: list[list[str | None]]) -> list[Table]:
    loc = Location(part="xl/worksheets/sheet1.xml", sheet="S")
    out = grid_tables(rows, key="k", location=loc, first_row=1, first_column=1, chunk_rows=1000)
    return [t for t in out if isinstance(t, Table)]


def test_manifest_cell_becomes_a_list_table() -> None:
    tables = _grid([["Date", "Flight", "Manifest"], ["2023-05-02", "IAH-GUA", "A B\nC D\nE F\nG H"]])
    main, lst = tables
    assert main.rows == [["2023-05-02", "IAH-GUA", None]]  # not also one cell of the sheet's table
    assert lst.role == "list" and lst.location.range == "C2" and lst.header == ("Manifest",)
    assert [r[0] for r in lst.rows] == ["A B", "C D", "E F", "G H"]


@pytest.mark.parametrize(
    "rows",
    [
        [["Date", "Notes"], ["2023-05-02", "one\ntwo"]],  # two lines
        [["Date", "Notes"], *[[f"2023-05-0{i}", "a\nb\nc"] for i in range(1, 6)]],  # a column of them
        [["Date", "Notes"], ["2023-05-02", "x" * 200 + "\nb\nc"]],  # a paragraph, not a list
    ],
)
def test_ordinary_multiline_cells_stay_cells(rows: list[list[str | None]]) -> None:
    assert len(_grid(rows)) == 1


@pytest.mark.parametrize("locale", ["en_US", "es_MX", "fr_FR"])
def test_manifest_cell_names_people_once(scanner: Scanner, locale: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(9)
    names = [f"{fake.last_name().upper()}, {fake.first_name()}" for _ in range(4)]
    data = _xlsx([["Date", "Flight", "Manifest"], ["2023-05-02", "IAH-GUA 1123", "\n".join(names)]])
    rep = _scan(scanner, data, "manifest.xlsx")
    assert rep.people == len(set(names))


# --- CJK names -------------------------------------------------------------------------------


def _cjk_detector(patterns: dict[str, list[str]]) -> ColumnDetector:
    rules = load_rules()
    cols = tuple(
        c.model_copy(update={"headers": [*c.headers, *patterns.get(c.entity, [])]}) for c in rules.columns
    )
    import dataclasses

    return ColumnDetector(dataclasses.replace(rules, columns=cols), reference_year=2026)


CJK_HEADERS = {
    "person-name": ["^(?:姓名|名前|氏名|이름|성명)$"],
    "date-of-birth": ["^(?:出生日期|生年月日|생년월일)$"],
}


@pytest.mark.parametrize(("locale", "header"), [("zh_CN", "姓名"), ("ko_KR", "이름"), ("ja_JP", "氏名")])
def test_cjk_names_under_a_name_header(locale: str, header: str) -> None:
    det = _cjk_detector(CJK_HEADERS)
    fake = Faker(locale)
    fake.seed_instance(1)
    names = [fake.unique.name() for _ in range(8)]
    rows: list[list[str | None]] = [[n, fake.date_of_birth(minimum_age=20).isoformat()] for n in names]
    out = list(det.detect_table(_table((header, "出生日期"), rows)))
    cols = {c.entity: c for c in out if isinstance(c, ColumnCandidate)}
    assert "person-name" in cols
    assert sum(v is not None for v in cols["person-name"].values) == len(names)


def test_cjk_values_are_not_names_without_a_name_header() -> None:
    det = _cjk_detector(CJK_HEADERS)
    rows: list[list[str | None]] = [[v, "3"] for v in ["北京", "上海", "广州", "深圳", "成都"]]
    out = list(det.detect_table(_table(("城市", "人数"), rows)))
    assert not any(isinstance(c, ColumnCandidate) and c.entity == "person-name" for c in out)
