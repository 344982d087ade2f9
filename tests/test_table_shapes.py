"""Table shapes: headerless tables, header rows written as data, several tables on one sheet.

Each case scans a generated file end to end and checks the verdict and the number of people, with
a negative beside it (the same data with a header, or an aggregate that must stay clean).
"""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest

import clearance
from clearance.config.loader import load_config, load_rules
from clearance.detectors.columns import ColumnDetector
from clearance.extractors.xlsx_tables import find_header, grid_tables, header_evidence, split_blocks
from clearance.model import ColumnCandidate, Location, Segment, Table
from generators.people import make_people

FACILITIES = [
    ("Stewart Detention Center", 1200),
    ("Otay Mesa Detention Center", 900),
    ("Adelanto ICE Processing Center", 1500),
    ("Total", 3600),
]
PEOPLE_HEADER = ["Last Name", "First Name", "Birth Date", "Country", "Facility", "Status"]


def _scan(path: Path, **limits: int) -> clearance.FileReport:
    config = load_config(overrides={"limits": limits}) if limits else None
    (report,) = clearance.scan([path], config=config).files
    return report


def _people_rows(n: int, seed: int) -> list[list[object]]:
    return [
        [p.family, p.given, p.dob.strftime("%m/%d/%Y"), p.nationality, p.facility, p.case_status]
        for p in make_people(n, seed=seed)
    ]


def _save(rows: list[list[object]], path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# --- headerless tables (r12) -----------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_headerless_name_list_counts_the_first_person(tmp_path: Path, seed: int) -> None:
    people = make_people(12, seed=seed)
    path = _save([[p.display_name("last-first")] for p in people], tmp_path / "names.xlsx")
    report = _scan(path)
    assert report.verdict.value == "block"
    assert report.people == len(people)


def test_name_list_with_header_does_not_count_the_header(tmp_path: Path) -> None:
    people = make_people(12, seed=4)
    path = _save([["Name"]] + [[p.display_name("last-first")] for p in people], tmp_path / "names.xlsx")
    report = _scan(path)
    assert report.people == len(people)


@pytest.mark.parametrize("seed", [5, 6])
def test_headerless_records_with_a_numbers(tmp_path: Path, seed: int) -> None:
    people = make_people(8, seed=seed)
    rows = [[p.display_name("first-last"), p.nationality, f"A{p.a_number}"] for p in people]
    report = _scan(_save(rows, tmp_path / "records.xlsx"))
    assert report.verdict.value == "block"
    assert report.people == len(people)
    with_header = _scan(_save([["Name", "Country", "A-Number"], *rows], tmp_path / "headed.xlsx"))
    assert with_header.people == len(people)


def test_headerless_docx_table(tmp_path: Path) -> None:
    people = make_people(6, seed=7)
    d = docx.Document()
    d.add_paragraph("Transfers")
    table = d.add_table(rows=0, cols=3)
    for p in people:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = (
            p.display_name("first-last"),
            p.nationality,
            f"A{p.a_number}",
        )
    path = tmp_path / "list.docx"
    d.save(path)
    report = _scan(path)
    assert report.verdict.value == "block"
    assert report.people == len(people)


# --- header rows written with <td> (r13) --------------------------------------------------------


def _html_table(rows: list[list[str]], head_tag: str = "td") -> str:
    head, *body = rows
    out = "<tr>" + "".join(f"<{head_tag}>{v}</{head_tag}>" for v in head) + "</tr>"
    out += "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in body)
    return f"<table>{out}</table>"


@pytest.mark.parametrize("wrap", [True, False], ids=["page", "fragment"])
def test_html_header_row_in_td_is_not_a_person(tmp_path: Path, wrap: bool) -> None:
    people = make_people(5, seed=8)
    rows = [["Name", "DOB", "Country"]] + [
        [p.display_name("first-last"), p.dob.strftime("%m/%d/%Y"), p.nationality] for p in people
    ]
    table = _html_table(rows)
    path = tmp_path / "t.html"
    path.write_text(f"<html><body>{table}</body></html>" if wrap else table)
    report = _scan(path)
    assert report.verdict.value == "block"
    assert report.people == len(people)


def test_html_td_first_row_of_a_person_stays_data(tmp_path: Path) -> None:
    people = make_people(5, seed=9)
    rows = [[p.display_name("first-last"), p.dob.strftime("%m/%d/%Y"), p.nationality] for p in people]
    path = tmp_path / "t.html"
    path.write_text(
        "<html><body><table>"
        + "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in rows)
        + "</table></body></html>"
    )
    report = _scan(path)
    assert report.people == len(people)


# --- several tables on one sheet (r05) -----------------------------------------------------------


@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden-rows"])
def test_people_table_below_a_summary_table(tmp_path: Path, hidden: bool) -> None:
    people = _people_rows(5, seed=10)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Facility", "Detained"])
    for r in FACILITIES:
        ws.append(list(r))
    ws.append([])
    ws.append([])
    ws.append(PEOPLE_HEADER)  # row 8
    for r in people:
        ws.append(r)
    if hidden:
        for i in range(6, 14):
            ws.row_dimensions[i].hidden = True
    path = tmp_path / "two.xlsx"
    wb.save(path)
    report = _scan(path)
    assert report.verdict.value == "block"
    assert report.people == 5
    names = [f for f in report.findings if f.entity == "family-name"]
    assert names and all(f.location.range == "A9:A13" for f in names)


def test_two_aggregate_tables_on_one_sheet_pass(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Facility", "Detained"], *map(list, FACILITIES), [], []]
    rows += [
        ["Country of Citizenship", "FY2023", "FY2024"],
        ["Mexico", 40211, 38750],
        ["Guatemala", 20533, 19877],
    ]
    rows += [["Honduras", 18002, 17655], ["El Salvador", 9021, 8740], ["Total", 87767, 85022]]
    report = _scan(_save(rows, tmp_path / "agg.xlsx"))
    assert report.verdict.value == "pass"
    assert report.people == 0


def test_blank_row_inside_a_long_people_table_keeps_it_whole(tmp_path: Path) -> None:
    people = _people_rows(5000, seed=11)
    rows: list[list[object]] = [PEOPLE_HEADER, *people[:2500], [], *people[2500:]]
    path = _save(rows, tmp_path / "long.xlsx")
    report = _scan(path)
    assert report.verdict.value == "block"
    assert report.people == 5000
    assert len(report.tables) == 1
    # streamed in small chunks, the same
    assert _scan(path, chunk_rows=700).people == 5000


def test_split_tables_stream_in_chunks(tmp_path: Path) -> None:
    people = _people_rows(900, seed=12)
    rows: list[list[object]] = [
        ["Facility", "Detained"],
        *map(list, FACILITIES),
        [],
        [],
        PEOPLE_HEADER,
        *people,
    ]
    path = _save(rows, tmp_path / "two_long.xlsx")
    for chunk in (50_000, 100):
        report = _scan(path, chunk_rows=chunk)
        assert report.verdict.value == "block"
        assert report.people == 900


# --- the extractor's pieces -----------------------------------------------------------------------


def test_header_evidence() -> None:
    below = [["Jose Garcia", "03/11/1978", "A284595470"], ["Kettly Dorvil", "04/22/1965", "A392817465"]]
    assert header_evidence(["Name", "DOB", "A-Number"], below) > 0  # labels over dates and codes
    assert header_evidence(["Ilhan Hassan", "11/14/1968", "A564738291"], below) < 0  # a record
    assert header_evidence(["Name", "Country"], [["Jose Garcia", "Mexico"]]) == 0  # text over text
    assert header_evidence(["Facility", "FY2019"], [["Krome", "34"], ["Otay Mesa", "1,204"]]) > 0


def test_find_header_and_split_blocks() -> None:
    data = [["Jose Garcia", "Mexico", "A284595470"], ["Kettly Dorvil", "Haiti", "A392817465"]]
    assert find_header(data) == (0, None)
    assert find_header([["Name", "Country", "A-Number"], *data]) == (0, 0)
    summary: list[list[str | None]] = [["Facility", "Detained"], ["Krome", "34"], ["Total", "34"]]
    people: list[list[str | None]] = [
        ["Name", "DOB"],
        ["Jose Garcia", "1978-03-11"],
        ["Kettly Dorvil", "1965-04-22"],
    ]
    blank: list[list[str | None]] = [[None, None]]
    assert split_blocks([*summary, *blank, *blank, *people]) == [(0, 3), (5, 8)]
    # a title line between the tables belongs to the second
    assert split_blocks([*summary, *blank, ["People", None], *people]) == [(0, 3), (4, 8)]
    # a blank line followed by more records does not split
    assert split_blocks([*people, *blank, ["Ilhan Hassan", "1968-11-14"]]) == [(0, 5)]
    assert split_blocks([]) == [(0, 0)]
    assert split_blocks([*blank, *blank]) == [(0, 2)]


def test_grid_tables_keys_and_rows_of_split_tables() -> None:
    rows: list[list[str | None]] = [
        ["Facility", "Detained"],
        ["Krome", "34"],
        [None, None],
        ["Name", "DOB"],
        ["Jose Garcia", "1978-03-11"],
    ]
    out = list(
        grid_tables(rows, key="s1", location=Location(sheet="S"), first_row=3, first_column=2, chunk_rows=10)
    )
    tables = [t for t in out if isinstance(t, Table)]
    assert not [s for s in out if isinstance(s, Segment)]
    assert [(t.key, t.header, t.header_row, t.first_row, len(t.rows)) for t in tables] == [
        ("s1", ("Facility", "Detained"), 3, 4, 1),
        ("s1@B6", ("Name", "DOB"), 6, 7, 1),
    ]


# --- the column detector's header-row decision ------------------------------------------------------


def _column_candidates(table: Table) -> list:
    return [c for c in ColumnDetector(load_rules()).detect_table(table) if isinstance(c, ColumnCandidate)]


def test_detector_reads_a_header_of_names_as_the_first_record() -> None:
    names = [p.display_name("last-first") for p in make_people(10, seed=13)]
    table = Table(
        key="t",
        location=Location(sheet="S"),
        header=(names[0],),
        rows=[[n] for n in names[1:]],
        first_row=3,
        header_row=2,
    )
    (col,) = _column_candidates(table)
    assert col.entity == "person-name"
    assert col.first_row == 2 and len(col.values) == 10 and col.location.range == "A2:A11"
    # a header word stays a header
    table = Table(
        key="t",
        location=Location(sheet="S"),
        header=("Detainee Name",),
        rows=[[n] for n in names],
        first_row=3,
        header_row=2,
    )
    (col,) = _column_candidates(table)
    assert col.first_row == 3 and len(col.values) == 10 and col.header == "Detainee Name"


def test_detector_takes_a_row_of_header_words_as_the_header() -> None:
    people = make_people(6, seed=14)
    rows: list[list[str | None]] = [["Name", "Country"]] + [
        [p.display_name("first-last"), p.nationality] for p in people
    ]
    table = Table(
        key="t",
        location=Location(field="/table/tr"),
        header=("td", "td[2]"),
        rows=rows,
        first_row=1,
        header_row=None,
        role="xml",
    )
    cols = {c.entity: c for c in _column_candidates(table)}
    assert cols["person-name"].first_row == 2
    assert sum(v is not None for v in cols["person-name"].values) == 6
    # below a group row of its own, a row of header words over people is the header: it is
    # never counted as a record (a group row "Detainee" over "Last | First")
    table = Table(
        key="t", location=Location(sheet="S"), header=("Group", "Other"), rows=rows, first_row=2, header_row=1
    )
    cols = {c.entity: c for c in _column_candidates(table)}
    assert cols["person-name"].first_row == 3 and cols["person-name"].header == "Name"
    # over aggregates (no person its values confirm) it is left to the aggregate reading
    counts: list[list[str | None]] = [["Name", "Country", "Count"]] + [
        [f"{c} County Jail", c, str(i * 5)] for i, c in enumerate(["Peru", "Chile", "Cuba", "Haiti"])
    ]
    table = Table(
        key="t",
        location=Location(sheet="S"),
        header=("Facility", "", "ADP"),
        rows=counts,
        first_row=2,
        header_row=1,
    )
    assert all(c.first_row == 2 for c in _column_candidates(table))
