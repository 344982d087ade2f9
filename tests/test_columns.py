"""Column classifier: headers (EN/ES), values alone, misleading headers, profiles, real tables."""

from __future__ import annotations

import csv
import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from clearance.config.loader import load_rules
from clearance.detectors.columns import ColumnDetector, column_visibilities, normalise_header
from clearance.model import Candidate, ColumnCandidate, Location, Table, TableProfile, Verdict, Visibility

BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
REFERENCE_YEAR = 2026

FIRST = [
    "Maria",
    "José",
    "Ana",
    "Luis",
    "Carmen",
    "Juan",
    "Rosa",
    "Carlos",
    "Elena",
    "Miguel",
    "Sofia",
    "Pedro",
    "Lucia",
    "Jorge",
    "Marta",
    "Diego",
    "Isabel",
    "Andres",
    "Paula",
    "Ramon",
]
LAST = [
    "Gomez",
    "Hernandez",
    "Lopez",
    "Martinez",
    "Rodriguez",
    "Perez",
    "Sanchez",
    "Ramirez",
    "Torres",
    "Flores",
    "Rivera",
    "Morales",
    "Ortiz",
    "Cruz",
    "Reyes",
    "Castillo",
    "Mendoza",
    "Vargas",
    "Romero",
    "Alvarez",
]
COUNTRIES = ["MEXICO", "GUATEMALA", "HONDURAS", "EL SALVADOR", "Venezuela", "Cuba", "Colombia", "Haiti"]
FACILITIES = [
    "Otay Mesa Detention Center",
    "Port Isabel Service Processing Center",
    "Adelanto ICE Processing Center",
    "Stewart Detention Center",
    "Krome North Service Processing Center",
    "Otero County Processing Center",
]


@pytest.fixture(scope="module")
def detector() -> ColumnDetector:
    return ColumnDetector(load_rules(), reference_year=REFERENCE_YEAR)


def people_rows(n: int, seed: int = 7) -> list[list[str | None]]:
    rng = random.Random(seed)
    rows: list[list[str | None]] = []
    for _ in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
        rows.append(
            [
                f"{last.upper()}, {first}",
                dob.isoformat(),
                rng.choice(COUNTRIES),
                f"A{rng.randrange(10**8, 10**9 - 1):09d}",
                rng.choice(FACILITIES),
                rng.choice(["Credible Fear Pending", "Asylum granted", "Removal order", "Parole"]),
                rng.choice(["M", "F"]),
                str(rng.randrange(18, 70)),
                f"{first.lower()}.{last.lower()}{rng.randrange(100)}@gmail.com",
                "",
            ]
        )
    return rows


HEADER = (
    "Name",
    "DOB",
    "Country of Citizenship",
    "A-Number",
    "Facility",
    "Case Status",
    "Sex",
    "Age",
    "Email",
    "Notes",
)


def table(header, rows, **kw) -> Table:
    return Table(
        key="sheet1",
        location=Location(part="xl/worksheets/sheet1.xml", sheet="S"),
        header=header,
        rows=rows,
        **kw,
    )


def columns_of(out) -> dict[int, ColumnCandidate]:
    return {o.column_index: o for o in out if isinstance(o, ColumnCandidate)}


def profile_of(out) -> TableProfile:
    (p,) = [o for o in out if isinstance(o, TableProfile)]
    return p


@pytest.mark.parametrize(
    ("header", "entity"),
    [
        ("Name", "person-name"),
        ("Full Name", "person-name"),
        ("Subject Name", "person-name"),
        ("Detainee name", "person-name"),
        ("Last Name", "family-name"),
        ("Surname", "family-name"),
        ("APELLIDO(S)", "family-name"),
        ("Family name", "family-name"),
        ("First Name", "given-name"),
        ("Given name", "given-name"),
        ("NOMBRE", "given-name"),
        ("DOB", "date-of-birth"),
        ("Date of Birth", "date-of-birth"),
        ("Birth date", "date-of-birth"),
        ("Fecha de nacimiento", "date-of-birth"),
        ("F. Nac.", "date-of-birth"),
        ("Country of Citizenship", "nationality"),
        ("Citizenship", "nationality"),
        ("Nationality", "nationality"),
        ("Nacionalidad", "nationality"),
        ("País de origen", "nationality"),
        ("Country of Birth", "nationality"),
        ("A-Number", "a-number"),
        ("A #", "a-number"),
        ("Alien #", "a-number"),
        ("Alien Number", "a-number"),
        ("A-File", "a-number"),
        ("Número A", "a-number"),
        ("SSN", "us-ssn"),
        ("Passport", "passport-number"),
        ("Phone", "phone-number"),
        ("Teléfono", "phone-number"),
        ("Email", "email"),
        ("Correo", "email"),
        ("Address", "street-address"),
        ("Dirección", "street-address"),
        ("Facility", "detention-facility"),
        ("Detention Facility", "detention-facility"),
        ("Current Facility", "detention-facility"),
        ("Centro de detención", "detention-facility"),
        ("Case Status", "case-status"),
        ("Fear Claim", "case-status"),
        ("Credible Fear", "case-status"),
        ("Disposition", "case-status"),
        ("Estado del caso", "case-status"),
        ("Sex", "sex"),
        ("Gender", "sex"),
        ("Sexo", "sex"),
        ("Age", "age"),
        ("Edad", "age"),
        ("Book In Date", None),
        ("Facility Type", None),
        ("Total", None),
    ],
)
def test_header_classification(detector, header, entity):
    rule = detector.classify_header(header)
    assert (rule.entity if rule else None) == entity


def test_column_rule_examples(detector):
    """Every [[columns]] entry's own examples: match headers classify as it, no_match ones do not."""
    for col in load_rules().columns:
        for h in col.examples.match:
            got = detector.classify_header(h)
            assert got is not None and got.entity == col.entity, (col.entity, h)
        for h in col.examples.no_match:
            got = detector.classify_header(h)
            assert got is None or got.entity != col.entity, (col.entity, h)


def test_normalise_header():
    assert normalise_header("F. Nac.") == "f nac"
    assert normalise_header("first_name") == "first name"
    assert normalise_header("FirstName") == "first name"
    assert normalise_header("País de origen") == "pais de origen"


def test_people_table_with_headers(detector):
    rows = people_rows(300)
    out = list(detector.detect_table(table(HEADER, rows)))
    cols = columns_of(out)
    got = {c: cc.entity for c, cc in cols.items()}
    assert got == {
        0: "person-name",
        1: "date-of-birth",
        2: "nationality",
        3: "a-number",
        4: "detention-facility",
        5: "case-status",
        6: "sex",
        7: "age",
        8: "email",
    }
    assert all(cc.evidence == "header+values" for cc in cols.values())
    name = cols[0]
    assert name.location.range == "A2:A301"
    assert name.values[0] == rows[0][0] and len(name.values) == 300
    assert cols[3].category == "asylum-immigration"
    assert profile_of(out).small_cells == ()  # a list of people is not an aggregate


def test_values_only_without_header(detector):
    rows = people_rows(300)
    out = list(detector.detect_table(table(None, rows, header_row=None, first_row=1)))
    got = {c: (cc.entity, cc.evidence) for c, cc in columns_of(out).items()}
    for c, entity in [
        (1, "date-of-birth"),
        (2, "nationality"),
        (3, "a-number"),
        (4, "detention-facility"),
        (6, "sex"),
        (8, "email"),
    ]:
        assert got[c] == (entity, "values")
    assert got[0][0] == "person-name"
    assert 7 not in got  # bare integers are not ages without an age header


def test_misleading_header_values_win(detector):
    rows = [[f"A{200000000 + i * 7919:09d}", "Maria Gomez"] for i in range(50)]
    out = list(detector.detect_table(table(("Notes", "Comments"), rows)))
    assert columns_of(out)[0].entity == "a-number"
    assert columns_of(out)[0].evidence == "values"


def test_name_header_over_facilities_is_not_person(detector):
    rows = [
        [f, "123 Main Street", c]
        for f, c in zip(
            FACILITIES * 5, ["San Diego", "Los Fresnos", "Adelanto", "Lumpkin", "Miami", "Chaparral"] * 5
        )
    ]
    out = list(detector.detect_table(table(("Name", "Address", "City"), rows)))
    entities = {cc.entity for cc in columns_of(out).values()}
    assert "person-name" not in entities
    assert columns_of(out)[0].entity == "detention-facility"


@pytest.mark.parametrize(
    ("values", "header", "entity"),
    [
        (["123-45-6789", "536-22-1234", "212-55-9876"] * 5, None, "us-ssn"),
        (["(202) 224-3441", "202-224-3244", "+1 415 555 2671"] * 5, None, "phone-number"),
        (["maria@gmail.com", "j.perez@yahoo.com", "ana@correo.mx"] * 5, None, "email"),
        (["Masculino", "Femenino", "Femenino"] * 5, None, "sex"),
        (["Honduran", "Mexican", "Guatemalan", "Salvadoran"] * 4, None, "nationality"),
        (["México", "Perú", "República Dominicana"] * 5, None, "nationality"),
        (["201555123", "087654321", "123456789"] * 5, "A #", "a-number"),
        (["32145", "28000", "25123", "35800", "22001"] * 3, "DOB", "date-of-birth"),  # Excel serials
        (["03/07/1987", "12/25/1960", "07/04/2001", "01/15/1975", "11/30/1948"] * 3, None, "date-of-birth"),
        (["34", "17", "52", "8"] * 4, "Edad", "age"),
        (["Credible fear positive", "Asylum pending", "Withholding of removal"] * 5, None, "case-status"),
        (["X1234567", "G7654321"] * 5, "Passport", "passport-number"),
    ],
)
def test_value_classifiers(detector, values, header, entity):
    out = list(detector.detect_table(table((header,), [[v] for v in values])))
    cols = columns_of(out)
    assert 0 in cols and cols[0].entity == entity


def test_booking_dates_are_not_dob(detector):
    start = datetime(2022, 10, 1)
    rows = [[(start + timedelta(days=i % 365)).strftime("%Y-%m-%d")] for i in range(400)]
    assert not columns_of(list(detector.detect_table(table(("Book In Date",), rows))))
    months = [[f"{y}-{m:02d}-01"] for y in (2021, 2022) for m in range(1, 13)]
    assert not columns_of(list(detector.detect_table(table(("Month",), months))))


def test_dob_header_with_implausible_dates_is_not_dob(detector):
    rows = [[f"{2030 + i % 5}-01-0{1 + i % 9}"] for i in range(20)]
    assert not columns_of(list(detector.detect_table(table(("DOB",), rows))))


def test_small_cells_on_cross_tab(detector):
    header = ("Country of Citizenship", "Male", "Female", "Total")
    rows = [
        ["Mexico", "120", "3", "123"],
        ["Honduras", "7", "0", "7"],
        ["Guatemala", "45", "12", "57"],
        ["Total", "172", "15", "187"],
    ]
    out = list(detector.detect_table(table(header, rows)))
    prof = profile_of(out)
    assert prof.numeric_columns == (1, 2, 3) and prof.label_columns == (0,)
    assert prof.rows == 4
    assert set(prof.small_cells) == {  # zero singles out no one: not a small cell
        ("C2", 3, ("Mexico", "Female")),
        ("B3", 7, ("Honduras", "Male")),
    }
    assert set(prof.small_cell_kinds) == {("nationality", "sex")}
    assert columns_of(out)[0].entity == "nationality"  # assess decides list vs aggregate


XTAB_FACILITIES = [
    "Otay Mesa Detention Center",
    "Krome North SPC",
    "STEWART DETENTION CENTER",
    "Adelanto ICE Processing Center",
]
COUNTRIES = ["Mexico", "Guatemala", "Honduras", "Venezuela"]


def test_small_cells_facility_by_nationality_wide(detector):
    rows = [
        [f, *(str(1 + (i + j) % 4 if (i + j) % 3 else 40) for j in range(4))]
        for i, f in enumerate(XTAB_FACILITIES)
    ]
    prof = profile_of(list(detector.detect_table(table(("Facility", *COUNTRIES), rows))))
    assert prof.small_cells and len(prof.small_cell_kinds) == len(prof.small_cells)
    assert all(k == ("detention-facility", "nationality") for k in prof.small_cell_kinds)


def test_small_cells_facility_nationality_age_long(detector):
    rows = [
        [f, c, band, str(1 + (i + j) % 5)]
        for i, f in enumerate(XTAB_FACILITIES)
        for j, c in enumerate(COUNTRIES)
        for band in ("18 to 24", "25-39", "Under 18")
    ]
    out = list(
        detector.detect_table(table(("Facility", "Country of Citizenship", "Age Band", "Detained"), rows))
    )
    prof = profile_of(out)
    assert prof.small_cells
    assert set(prof.small_cell_kinds) == {("detention-facility", "nationality", "age", "other")}


def test_averages_rates_and_years_are_not_counts(detector):
    header = ("Facility", "ADP", "Year", "Average Length of Stay", "Grant rate", "Book-ins")
    rows = [[f, f"{i}.{i + 3}", "2023", "2", "1", "1.5"] for i, f in enumerate(XTAB_FACILITIES)]
    prof = profile_of(list(detector.detect_table(table(header, rows))))
    assert prof.small_cells == ()  # fractional book-ins: the column is not a count either


def test_stacked_blocks_use_their_own_sub_headers(detector):
    rows = [
        ["Average Time in Detention (In Days)", None, None],
        ["Disposition", "Oct", "Nov"],
        *([d, "2", "1"] for d in ("Paroled", "Bonded Out", "Removed", "Released", "Other")),
        [None, None, None],
        ["Book-ins by Facility", None, None],
        ["Facility", "Male", "Female"],
        ["Otay Mesa Detention Center", "2", "40"],
        ["Krome North SPC", "50", "1"],
        *([f, "50", "60"] for f in ("Port Isabel SPC", "Stewart Detention Center", "Eloy Detention Center")),
    ]
    prof = profile_of(list(detector.detect_table(table(("Title", None, None), rows))))
    assert {c[0] for c in prof.small_cells} == {"B12", "C13"}  # the averages above are not counts
    assert set(prof.small_cell_kinds) == {("detention-facility", "sex")}


def test_total_rows_in_name_columns_are_not_people(detector):
    rows = [[n] for n in ("Maria Lopez", "John Smith", "Ana Perez", "Grand Total", "TOTAL", "Luis Diaz")]
    c = columns_of(list(detector.detect_table(table(("Full Name",), rows))))[0]
    assert c.entity == "person-name"
    assert c.values == ("Maria Lopez", "John Smith", "Ana Perez", None, None, "Luis Diaz")


def test_name_column_drops_totals_repeated_headers_and_empties_in_one_pass(detector):
    people = [
        f"{f} {g}"
        for f in ("Maria", "John", "Ana", "Luis", "Rosa")
        for g in ("Lopez", "Smith", "Perez", "Diaz")
    ]
    odd = [" Ines Ruiz ", "", None, "FULL name", "total 2020", "Luis\nDiaz", "12345"]
    cells = people + odd
    c = columns_of(list(detector.detect_table(table(("Full Name",), [[v] for v in cells]))))[0]
    assert c.entity == "person-name"
    assert c.values == (*people, " Ines Ruiz ", None, None, None, None, "Luis\nDiaz", None)


def test_free_text_notes_give_cell_candidates(detector):
    rows = [
        ["ok"],
        ["contact maria.gomez@gmail.com"],
        ["nothing"],
        ["SSN 536-22-1234 on file"],
        ["credible fear interview pending"],
    ] * 2
    out = list(detector.detect_table(table(("Notes",), rows, first_row=5, header_row=4)))
    cells = [o for o in out if isinstance(o, Candidate)]
    got = {(c.entity, c.row_index, c.location.range) for c in cells}
    assert ("email", 1, "A6") in got and ("us-ssn", 3, "A8") in got
    assert ("special-category", 4, "A9") in got
    assert all(c.table_key == "sheet1" and c.column_index == 0 for c in cells)


def test_visibilities_follow_table(detector):
    rows = people_rows(6)
    t = table(
        HEADER,
        rows,
        row_visibility=[Visibility.VISIBLE, Visibility.HIDDEN_ROW] + [Visibility.VISIBLE] * 4,
        cell_visibility={(2, 0): Visibility.INVISIBLE_FORMAT},
    )
    for c in range(len(HEADER)):
        assert column_visibilities(t, c, 6) == tuple(t.visibility_of(r, c) for r in range(6))
    name = columns_of(list(detector.detect_table(t)))[0]
    assert (
        name.visibilities[1] is Visibility.HIDDEN_ROW and name.visibilities[2] is Visibility.INVISIBLE_FORMAT
    )
    assert profile_of(list(detector.detect_table(t))).hidden_rows == 1


def test_timing_6252_rows(detector):
    """Performance target: < 20 ms for a 6,252 x 10 chunk. Printed, not asserted."""
    t = table(HEADER, people_rows(6252))
    list(detector.detect_table(t))  # warm caches (name model, country table)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = list(detector.detect_table(t))
        runs.append(time.perf_counter() - t0)
    print(f"detect_table 6252x10: best {min(runs) * 1000:.1f} ms")
    assert len(columns_of(out)) == 9


def test_legislators_real_people_table(detector):
    with (BENCH / "congress_legislators" / "legislators-current.csv").open(newline="", encoding="utf-8") as f:
        data = list(csv.reader(f))
    t = table(tuple(data[0]), [[v or None for v in r] for r in data[1:]])
    cols = {cc.header: cc.entity for cc in columns_of(list(detector.detect_table(t))).values()}
    assert cols["last_name"] == "family-name" and cols["first_name"] == "given-name"
    assert cols["full_name"] == "person-name" and cols["birthday"] == "date-of-birth"
    # without headers, the values still give names and birth dates
    t2 = table(None, [[r[5], r[6]] for r in data[1:]], header_row=None, first_row=1)
    assert {cc.entity for cc in columns_of(list(detector.detect_table(t2))).values()} == {
        "person-name",
        "date-of-birth",
    }


def _calamine_tables(path: Path, limit: int = 6):
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names[:limit]:
        rows = wb.get_sheet_by_name(name).to_python()
        cells = [[_render(v) for v in row] for row in rows]
        if len(cells) < 2:
            continue
        yield (
            name,
            Table(
                key=name,
                location=Location(sheet=name),
                header=tuple(c or "" for c in cells[0]),
                rows=cells[1:],
            ),
        )


def _render(v) -> str | None:
    """As extractors render cells: ISO dates, integral floats without '.0'."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@pytest.mark.parametrize(
    "name",
    ["FY24_detentionStats11152024.xlsx", "ICE_Facility_List_11-06-2017-web.xlsx", "FY19-detentionstats.xlsx"],
)
def test_real_aggregates_have_no_people_columns(detector, name):
    found = []
    for sheet, t in _calamine_tables(BENCH / "ice_detention_stats" / name, limit=12):
        for o in detector.detect_table(t):
            if isinstance(o, ColumnCandidate) and o.entity in {
                "person-name",
                "date-of-birth",
                "a-number",
                "given-name",
                "family-name",
            }:
                found.append((sheet, o.column_index, o.entity, o.evidence))
    assert found == []


def test_row_numbers_are_not_small_counts() -> None:
    """A 'Number' column running 1, 2, 3 ... numbers the records; it is not a column of counts."""
    from clearance.config.loader import load_rules
    from clearance.detectors.columns import ColumnDetector
    from clearance.model import Location, Table, TableProfile

    rows = [
        [str(i + 1), sex, age, nat, "Morton Hall IRC"]
        for i, (sex, age, nat) in enumerate(
            [
                ("Male", "18 to 29", "Poland"),
                ("Male", "30 to 49", "Poland"),
                ("Male", "30 to 49", "Slovenia"),
                ("Female", "18 to 29", "Albania"),
                ("Male", "50 to 69", "India"),
            ]
        )
    ]
    table = Table(
        key="t", location=Location(), header=("Number", "Sex", "Age", "Nationality", "Place"), rows=rows
    )
    profiles = [x for x in ColumnDetector(load_rules()).detect_table(table) if isinstance(x, TableProfile)]
    assert profiles and profiles[0].small_cells == ()


@pytest.mark.parametrize(
    ("values", "numbering"),
    [
        ([1, 2, 3, 4], True),
        ([1, 2, 3, 1, 1, 2], True),
        ([1, 1, 1, 1], False),
        ([1, 2, 1, 2], False),
        ([2, 3, 4], False),
        ([1, 2, 3, 7], False),
    ],
)
def test_sequence_rule(values: list[int], numbering: bool) -> None:
    from clearance.detectors.columns_cells import _is_sequence

    assert _is_sequence(values) is numbering


# --- people counts on real-shaped tables (generated look-alikes; the real files when present) ---

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def _scan_csv(text: str, name: str = "people.csv"):  # type: ignore[no-untyped-def]
    from clearance.formats import document_from_bytes
    from clearance.pipeline import Scanner

    return Scanner.build(reference_year=2026).scan_document(document_from_bytes(text.encode(), name))


def test_historical_roster_counts_every_row_namesakes_and_old_birthdays_included() -> None:
    # Congress since 1789: birthdays in the 1700s under a "birthday" header are dates of birth;
    # two "John Smith" rows with different birthdays, and two without any, are four people
    rows = [
        ("Bassett", "Richard", "", "1745-04-02", "M"),
        ("Smith", "John", "", "1735-01-01", "M"),
        ("Smith", "John", "", "1750-05-05", "M"),
        ("Smith", "John", "", "", "M"),
        ("Smith", "John", "", "", "M"),
        ("Adams", "John", "Quincy", "1767-07-11", "M"),
        ("Adams", "Samuel", "", "1722-09-27", "M"),
        ("Lee", "Richard", "Henry", "1732-01-20", "M"),
    ]
    text = "last_name,first_name,middle_name,birthday,gender\n" + "\n".join(",".join(r) for r in rows) + "\n"
    rep = _scan_csv(text)
    assert rep.people == len(rows)
    (table,) = rep.tables
    assert ("birthday", "date-of-birth") in table.columns


def test_name_cells_that_do_not_look_like_names_are_still_people() -> None:
    names = [
        "NAND MAYA (AKA NAND MAYA)",
        "GONZALEZ_BAEZ CESAR",
        "Romero, Ronal Francisco (aka Cruz, Ronald)",
        "CACERES\u2010 Maradiaga, Vicente",
        "Unknown",
        "Ana Souza",
        "Li Wei",
        "Ahmed Khan",
        "Maria Garcia Lopez",
        "John Okafor",
    ]
    text = "Name,Sex,Age,Country\n" + "\n".join(f'"{n}",M,{30 + i},Mexico' for i, n in enumerate(names))
    text += "\nTotal,,,\n"
    rep = _scan_csv(text)
    assert rep.people == len(names)  # the total row is not a person


def test_individual_level_rows_without_names_go_to_review() -> None:
    text = (
        "Year,Number,Sex,Age,Nationality,Cause of death,Place of incident\n"
        "2017,1,Male,18 to 29,Poland,Self-inflicted,Morton Hall IRC\n"
        "2017,2,Male,30 to 49,Poland,Other,The Verne IRC\n"
        "2017,3,Male,30 to 49,Slovenia,Natural causes,The Verne IRC\n"
        "2018,1,Male,50 to 69,Algeria,Natural causes,Harmondsworth IRC\n"
        "2019,1,Male,30 to 49,Nigeria,Other,Harmondsworth IRC\n"
    )
    rep = _scan_csv(text)
    assert rep.verdict is Verdict.REVIEW and rep.people == 0
    assert rep.categories == ("health",)
    assert rep.reasons[0].startswith(
        "The table holds 5 rows of individual-level data (sex, age, nationality, "
    )
    assert "cause of death" in rep.reasons[0] and "without names" in rep.reasons[0]


def test_counts_by_year_and_nationality_stay_aggregate() -> None:
    text = "Year,Nationality,Sex,Count\n" + "\n".join(
        f"{y},{n},{s},{(y * 7 + len(n)) % 50 + 10}"
        for y in (2019, 2020)
        for n in ("Poland", "Iraq")
        for s in ("Male", "Female")
    )
    rep = _scan_csv(text + "\n")
    assert rep.verdict is Verdict.PASS


@pytest.mark.parametrize(
    ("path", "people"),
    [
        ("congress_legislators/legislators-historical.csv", 12230),
        ("congress_legislators/legislators-current.csv", 537),
        ("ice_detainee_deaths/all_250_deaths_detailed.csv", 249),
        # 172 deaths listed; the PDF extractor glues rows 8 and 17 into the name cells of rows 7
        # and 16 (page breaks), so 170 rows reach the column classifier
        ("ice_detainee_deaths/detaineedeaths-2003-2017.pdf", 170),
    ],
)
def test_benchmark_people_counts(path: str, people: int) -> None:
    from clearance.pipeline import Scanner

    full = BENCHMARKS / path
    if not full.exists():
        pytest.skip(f"benchmark data not present: {full}")
    (rep,) = Scanner.build(reference_year=2026).scan_paths([str(full)])
    assert rep.verdict is Verdict.BLOCK and rep.people == people
