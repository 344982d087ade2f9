"""People tables whose headers are abbreviated or not in English or Spanish, end to end.

The names come from traditions the name-frequency data covers thinly (Yoruba, transliterated
Russian), so the header has to carry the column: FNAME/LNAME, Nom/Prénom, Nome/Sobrenome.
Streets named after people are not people.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from faker import Faker

import clearance

# Invented names in the shapes of those traditions; rare enough that the value model alone is unsure.
GIVEN = ["Adunni", "Lere", "Oluwasanmi", "Adenike", "Amvrosiy", "Epifan", "Temitope", "Ifeoluwa"]
FAMILY = ["Ajewole", "Fajimi", "Salami", "Kosoko", "Myasnikov", "Kabanova", "Adeyemo", "Okonjo"]


def _scan(path: Path) -> clearance.FileReport:  # type: ignore[name-defined]
    (report,) = clearance.scan([path]).files
    return report


@pytest.mark.parametrize(
    ("given", "family", "other", "delimiter", "encoding"),
    [
        ("FNAME", "LNAME", "DOB", ",", "utf-8"),
        ("Prénom", "Nom", "Date de naissance", ";", "latin-1"),
        ("Nome", "Sobrenome", "Data de nascimento", ";", "utf-8"),
        ("Vorname", "Nachname", "Geburtsdatum", ";", "utf-8"),
        ("F_NAME", "L_NAME", "Nationalité", ",", "utf-8"),
    ],
)
def test_split_name_headers_in_other_languages_block(
    tmp_path: Path, given: str, family: str, other: str, delimiter: str, encoding: str
) -> None:
    fake = Faker("fr_FR")
    Faker.seed(7)
    rows = [[given, family, other]]
    for g, f in zip(GIVEN, FAMILY, strict=True):
        value = (
            fake.date_of_birth().strftime("%d/%m/%Y")
            if "at" in other.lower() or "dob" in other.lower() or "geburt" in other.lower()
            else "Nigéria"
        )
        rows.append([g, f.upper(), value])
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    report = _scan(path)
    assert report.verdict == "block"
    assert report.people == len(GIVEN)


def test_streets_named_after_people_are_not_people(tmp_path: Path) -> None:
    rows = [
        ["Street", "Ward", "Potholes reported"],
        ["Martin Luther King Jr Blvd", 3, 41],
        ["Cesar Chavez Ave", 5, 12],
        ["John F Kennedy Dr", 1, 33],
        ["Rosa Parks Way", 2, 19],
        ["Roberto Clemente Rd", 7, 22],
    ]
    path = tmp_path / "streets.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = _scan(path)
    assert report.verdict == "pass"
    assert report.people == 0


def test_medical_record_numbers_identify_patients(tmp_path: Path) -> None:
    fake = Faker()
    Faker.seed(3)
    rows = [["MRN", "Age", "Sex", "Diagnosis"]]
    for i in range(8):
        rows.append([f"{4_100_000 + i * 7919}", str(fake.random_int(18, 90)), "F", "Type 2 diabetes"])
    path = tmp_path / "patients.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = _scan(path)
    assert report.verdict == "block"
    assert report.people == 8


# Common Ukrainian given names and surnames (national registry frequency lists), in Ukrainian
# Cyrillic and in the passport transliteration; the name data has no Ukrainian list.
UK_GIVEN = [
    "Олександр",
    "Андрій",
    "Сергій",
    "Микола",
    "Олена",
    "Наталія",
    "Тетяна",
    "Юлія",
    "Віталій",
    "Ірина",
]
UK_FAMILY = [
    "Мельник",
    "Шевчук",
    "Бойко",
    "Коваленко",
    "Бондаренко",
    "Олійник",
    "Поліщук",
    "Ткачук",
    "Лисенко",
    "Руденко",
]
UK_LATIN = [
    "Oleksandr Melnyk",
    "Andrii Shevchuk",
    "Serhii Boiko",
    "Mykola Kovalenko",
    "Olena Bondarenko",
    "Nataliia Oliinyk",
    "Tetiana Polishchuk",
    "Yuliia Tkachuk",
    "Vitalii Lysenko",
    "Iryna Rudenko",
]


@pytest.mark.parametrize("script", ["cyrillic", "latin"])
def test_value_only_ukrainian_name_column(tmp_path: Path, script: str) -> None:
    """No telling header: the names alone must carry the column. The name data has Russian
    lists but no Ukrainian one; surname morphology and the Ukrainian -> Russian spelling
    fallback cover it. (Armenian and Georgian in their own scripts are not covered yet.)"""
    fake = Faker()
    Faker.seed(11)
    names = (
        [f"{g} {f}" for g, f in zip(UK_GIVEN, UK_FAMILY, strict=True)] if script == "cyrillic" else UK_LATIN
    )
    rows = [["Field1", "Field2"]] + [[n, fake.date_of_birth().strftime("%d.%m.%Y")] for n in names]
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    report = _scan(path)
    assert report.verdict == "block"
    assert report.people == len(names)


def _luhn_card(rng: random.Random, prefix: str = "4", length: int = 16) -> str:
    from stdnum import luhn

    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


@pytest.mark.parametrize("header", ["Card Number", "Ref"])
def test_payment_card_column_lists_people(tmp_path: Path, header: str) -> None:
    rng = random.Random(5)
    rows = [[header, "Amount"]] + [[_luhn_card(rng), str(rng.randint(10, 900))] for _ in range(6)]
    path = tmp_path / "cards.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = _scan(path)
    assert report.verdict == "block"
    assert report.people == 6
    assert any("payment card" in r for r in report.reasons)


def test_sixteen_digit_order_numbers_are_not_cards(tmp_path: Path) -> None:
    from stdnum import luhn

    rng = random.Random(9)
    orders = []
    while len(orders) < 6:
        v = str(rng.randint(10**15, 10**16 - 1))
        if not luhn.is_valid(v):
            orders.append(v)
    rows = [["Order", "Amount"]] + [[o, str(rng.randint(10, 900))] for o in orders]
    path = tmp_path / "orders.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert _scan(path).verdict == "pass"


def test_facility_group_rows_over_collapsed_names_are_not_people(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Facility", "Detained"])
    groups = [
        ("Stewart Detention Center", ["Habtom Tesfamariam", "Kettly Dorvil"]),
        ("Otay Mesa Detention Center", ["Ilhan Hassan", "Arash Karimi"]),
    ]
    for facility, names in groups:
        ws.append([facility, len(names)])
        for name in names:
            ws.append(["   " + name, 1])
            ws.row_dimensions[ws.max_row].outlineLevel = 1
            ws.row_dimensions[ws.max_row].hidden = True
    path = tmp_path / "outline.xlsx"
    wb.save(path)
    report = _scan(path)
    assert report.verdict == "block"
    assert report.people == 4


def test_records_written_as_columns_report_their_own_rows(tmp_path: Path) -> None:
    """Labels down column A, one person per column: each finding names the label's row across
    the records, so a sanitizer clears those cells and no others."""
    import openpyxl

    fake = Faker("es_MX")
    Faker.seed(4)
    wb = openpyxl.Workbook()
    ws = wb.active
    people = [(fake.name(), fake.date_of_birth(minimum_age=20).isoformat()) for _ in range(3)]
    ws.append(["Name", *[p[0] for p in people]])
    ws.append(["Date of birth", *[p[1] for p in people]])
    ws.append(["Country of citizenship", "Mexico", "Honduras", "Guatemala"])
    path = tmp_path / "transposed.xlsx"
    wb.save(path)
    report = _scan(path)
    assert report.verdict == "block" and report.people == 3
    ranges = {f.entity: f.location.range for f in report.findings}
    assert ranges["person-name"] == "B1:D1"
    assert ranges["date-of-birth"] == "B2:D2"


def test_judges_caseload_table_lists_officials(tmp_path: Path) -> None:
    rows = [["Court", "Judge", "Completions"]]
    rows += [["San Diego", "IJ Rebecca Jamil", "403"], ["Houston", "IJ Chris Brisack", "672"]]
    rows += [["Miami", "IJ Rico Bartolomei", "401"], ["New York", "IJ Amiena Khan", "650"]]
    path = tmp_path / "judges.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = _scan(path)
    assert report.verdict == "pass" and report.people == 0
    assert any("office holders" in n for n in report.notes)


def test_officials_beside_private_people_still_block(tmp_path: Path) -> None:
    fake = Faker("es_MX")
    Faker.seed(8)
    rows = [["Judge", "Respondent", "DOB"]]
    rows += [[f"IJ {fake.name()}", fake.name(), fake.date_of_birth().isoformat()] for _ in range(4)]
    path = tmp_path / "docket.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert _scan(path).verdict == "block"


def _docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    d.save(path)
    return path


def test_record_paragraphs_without_a_heading_are_a_list(tmp_path: Path) -> None:
    fake = Faker("es_MX")
    Faker.seed(12)
    people = [
        f"{fake.first_name()} {fake.last_name()}, DOB {fake.date_of_birth():%m/%d/%Y}" for _ in range(5)
    ]
    report = _scan(_docx(tmp_path / "list.docx", [*people, "Newsletter text about facility upgrades."]))
    assert report.verdict == "block" and report.people == 5


def test_dated_paragraphs_without_names_stay_harmless(tmp_path: Path) -> None:
    paragraphs = [
        "Budget review, 12 March 2024",
        "Facility inspection, 3 April 2024",
        "Public hearing, 17 May 2024",
        "The committee will publish its minutes after each meeting.",
    ]
    assert _scan(_docx(tmp_path / "dates.docx", paragraphs)).verdict == "pass"


def test_field_office_directors_with_office_contacts_are_officials(tmp_path: Path) -> None:
    rows = [["Field Office", "Field Office Director", "Address", "Phone", "Email"]]
    offices = [
        ("Atlanta", "Maria Lopez Garcia"),
        ("Boston", "John Smith Carter"),
        ("Chicago", "Ana Ruiz Torres"),
    ]
    for i, (city, name) in enumerate(offices):
        rows.append(
            [city, name, f"{100 + i} Main St", f"(202) 732-42{i:02d}", f"{city.lower()}.office@agency.gov"]
        )
    path = tmp_path / "offices.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert _scan(path).verdict == "pass"
    rows = [[*r[:4], f"{r[1].split()[0].lower()}.{r[1].split()[1].lower()}@gmail.com"] for r in rows[1:]]
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(
            [["Field Office", "Field Office Director", "Address", "Phone", "Email"], *rows]
        )
    assert _scan(path).verdict == "block"
