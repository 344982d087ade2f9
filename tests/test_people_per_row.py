"""Several people in one row, and statistics about names, end to end.

A list of pupils that names each pupil's guardian, a staff list with each employee's emergency
contact: every row names two individuals, and both count (assess/roles.py). A "full_name" or
"nickname" beside "first_name" / "last_name" is the same person and does not. A table of given
names with their counts or ranks (popular baby names) is a statistic about names, not a list of
people; first names beside scores or ages still are.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from faker import Faker

import clearance
from clearance.assess.roles import counts_names, role_of

ROWS = 12


def _scan(path: Path) -> clearance.FileReport:  # type: ignore[name-defined]
    (report,) = clearance.scan([path]).files
    return report


def _csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[object]], title: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _distinct_names(fake: Faker, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = f"{fake.first_name()} {fake.last_name()}"
        if name not in out:
            out.append(name)
    return out


# -- unit: the header vocabulary -------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Tutor", ("tutor",)),
        ("Emergency contact", ("contact", "emergency")),
        ("Emergency contact phone", ("contact", "emergency")),
        ("guardianName", ("guardian",)),
        ("Parent 2 first name", ("parent", "2")),
        ("Next of kin", ("kin", "next of kin")),
        ("Cónyuge", ("conyuge",)),
        ("Nom du père", ("pere",)),
        ("Name", ()),
        ("full_name", ()),
        ("nickname", ()),
        ("official_full", ()),
        ("Nombre del alumno", ()),
        (None, ()),
    ],
)
def test_role_of_header(header: str | None, role: tuple[str, ...]) -> None:
    assert role_of(header) == role


@pytest.mark.parametrize(
    ("header", "verdict"),
    [("Count (babies 2022)", True), ("Rank", True), ("Anzahl", True), ("Year", False), ("Score", None)],
)
def test_counts_names_header(header: str, verdict: bool | None) -> None:
    assert counts_names(header) is verdict


# -- several people in one row ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "headers"),
    [
        ("es_ES", ["Nombre del alumno", "Edad", "Tutor"]),
        ("en_US", ["Student name", "Age", "Parent/Guardian"]),
        ("fr_FR", ["Nom de l'élève", "Âge", "Responsable légal"]),
        ("pt_BR", ["Nome do aluno", "Idade", "Responsável"]),
    ],
)
def test_pupils_and_their_guardians_are_all_people(tmp_path: Path, locale: str, headers: list[str]) -> None:
    fake = Faker(locale)
    Faker.seed(5)
    pupils = _distinct_names(fake, ROWS)
    guardians = _distinct_names(fake, ROWS + 1)[1:]
    guardians[1] = guardians[0]  # two siblings, one guardian: counted once
    rows: list[list[object]] = [headers]
    rows += [[p, 6 + i % 8, g] for i, (p, g) in enumerate(zip(pupils, guardians, strict=True))]
    report = _scan(_xlsx(tmp_path / "pupils.xlsx", rows))
    assert report.verdict == "block"
    assert report.people == ROWS + ROWS - 1
    assert any(f"{2 * ROWS - 1} people" in r for r in report.reasons)
    (table,) = report.tables
    assert table.people == 2 * ROWS - 1


@pytest.mark.parametrize("locale", ["en_US", "en_GB", "de_DE"])
def test_emergency_contacts_with_their_phones_are_people(tmp_path: Path, locale: str) -> None:
    fake = Faker(locale)
    Faker.seed(11)
    staff = _distinct_names(fake, ROWS)
    contacts = _distinct_names(fake, 2 * ROWS)[ROWS:]
    rows: list[list[object]] = [["Name", "Personal email", "Emergency contact", "Emergency contact phone"]]
    for i, (s, c) in enumerate(zip(staff, contacts, strict=True)):
        rows.append([s, f"person{i}@example.org", c, f"+1 202 555 {1000 + i:04d}"])
    report = _scan(_csv(tmp_path / "staff.csv", rows))
    assert report.verdict == "block"
    assert report.people == 2 * ROWS


def test_guardian_email_shared_by_siblings_does_not_merge_the_siblings(tmp_path: Path) -> None:
    fake = Faker("en_US")
    Faker.seed(3)
    pupils = _distinct_names(fake, ROWS)
    guardians = _distinct_names(fake, 2 * ROWS)[ROWS:]
    guardians[1] = guardians[0]
    rows: list[list[object]] = [["Pupil", "Date of birth", "Guardian", "Guardian email"]]
    for i, (p, g) in enumerate(zip(pupils, guardians, strict=True)):
        mail = "guardian0@example.org" if i < 2 else f"guardian{i}@example.org"
        rows.append([p, f"2015-0{1 + i % 9}-1{i % 10}", g, mail])
    report = _scan(_csv(tmp_path / "pupils.csv", rows))
    assert report.people == ROWS + ROWS - 1


def test_a_second_person_who_is_also_listed_counts_once(tmp_path: Path) -> None:
    fake = Faker("es_MX")
    Faker.seed(21)
    staff = _distinct_names(fake, ROWS)
    rows: list[list[object]] = [["Nombre", "Correo", "Contacto de emergencia"]]
    for i, s in enumerate(staff):  # each emergency contact is a colleague on the same list
        rows.append([s, f"empleado{i}@example.org", staff[(i + 1) % ROWS]])
    report = _scan(_csv(tmp_path / "personal.csv", rows))
    assert report.people == ROWS


def test_blank_or_placeholder_second_names_add_no_one(tmp_path: Path) -> None:
    fake = Faker("en_GB")
    Faker.seed(8)
    pupils = _distinct_names(fake, ROWS)
    guardians = _distinct_names(fake, 2 * ROWS)[ROWS:]
    rows: list[list[object]] = [["Student name", "Age", "Guardian"]]
    for i, (p, g) in enumerate(zip(pupils, guardians, strict=True)):
        rows.append([p, 8 + i % 5, g if i < ROWS - 3 else ("N/A" if i % 2 else "")])
    report = _scan(_csv(tmp_path / "pupils.csv", rows))
    assert report.people == ROWS + ROWS - 3


def test_names_of_the_same_person_in_several_columns_count_once(tmp_path: Path) -> None:
    # the legislators' shape: first, middle, last, suffix, nickname, full name: one person a row
    fake = Faker("en_US")
    Faker.seed(13)
    rows: list[list[object]] = [
        [
            "last_name",
            "first_name",
            "middle_name",
            "suffix",
            "nickname",
            "full_name",
            "birthday",
            "official_full",
        ]
    ]
    for _ in range(ROWS):
        first, middle, last = fake.first_name(), fake.first_name(), fake.last_name()
        full = f"{first} {middle[0]}. {last}"
        rows.append([last, first, middle, "Jr.", first[:3], full, fake.date_of_birth().isoformat(), full])
    report = _scan(_csv(tmp_path / "legislators.csv", rows))
    assert report.verdict == "block"
    assert report.people == ROWS


def test_a_contact_column_repeating_the_row_name_adds_no_one(tmp_path: Path) -> None:
    fake = Faker("fr_FR")
    Faker.seed(17)
    names = _distinct_names(fake, ROWS)
    rows: list[list[object]] = [["Nom", "Date de naissance", "Nom du contact"]]
    rows += [[n, fake.date_of_birth().strftime("%d/%m/%Y"), n] for n in names]
    report = _scan(_csv(tmp_path / "contacts.csv", rows))
    assert report.people == ROWS


# -- statistics about names ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "headers"),
    [
        ("en_US", ["Rank", "Name", "Count (babies 2022)"]),
        ("es_ES", ["Puesto", "Nombre", "Frecuencia"]),
        ("de_DE", ["Rang", "Vorname", "Anzahl"]),
        ("en_GB", ["Name", "Year", "Births"]),
    ],
)
def test_name_frequency_tables_are_statistics(tmp_path: Path, locale: str, headers: list[str]) -> None:
    fake = Faker(locale)
    Faker.seed(2)
    names: list[str] = []
    while len(names) < ROWS:
        name = fake.first_name()
        if " " not in name and name not in names:
            names.append(name)
    rows: list[list[object]] = [headers]
    for i, name in enumerate(names):
        count = 20_000 - 1_000 * i
        if headers[0] == "Name":
            rows.append([name, 2022, count])
        else:
            rows.append([i + 1, name, count])
    report = _scan(_csv(tmp_path / "names.csv", rows))
    assert report.verdict == "pass"
    assert report.people == 0
    assert any("statistics about names" in n for n in report.notes)


@pytest.mark.parametrize(
    ("headers", "third"),
    [
        (["Rank", "Name", "Score"], lambda i: 50 + i),  # first names with test scores
        (["Rank", "Name", "Age"], lambda i: 7 + i % 5),  # with ages
        (["Name", "Count", "Grade"], lambda i: "ABC"[i % 3]),  # a column that is not a count
    ],
)
def test_first_names_with_personal_attributes_stay_people(tmp_path: Path, headers: list[str], third) -> None:
    fake = Faker("en_US")
    Faker.seed(4)
    rows: list[list[object]] = [headers]
    for i in range(ROWS):
        first = fake.first_name()
        rows.append([first, i + 1, third(i)] if headers[0] == "Name" else [i + 1, first, third(i)])
    report = _scan(_csv(tmp_path / "class.csv", rows))
    assert report.verdict != "pass"
    assert report.people > 0


def test_full_names_with_counts_stay_people(tmp_path: Path) -> None:
    fake = Faker("en_US")
    Faker.seed(6)
    rows: list[list[object]] = [["Rank", "Name", "Count"]]
    rows += [[i + 1, n, 100 - i] for i, n in enumerate(_distinct_names(fake, ROWS))]
    report = _scan(_csv(tmp_path / "complaints.csv", rows))
    assert report.verdict != "pass"
    assert report.people == ROWS
