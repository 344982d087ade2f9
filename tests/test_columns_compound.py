"""Compound cells: a name and something else in one cell, read as two columns (names.py and
columns.py), and nicknames inside names. Positives and negatives over Faker data, several locales."""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

import pytest
from faker import Faker

import clearance
from clearance.config.loader import load_rules
from clearance.detectors.columns import COMPOUND_INDEX_BASE, ColumnDetector
from clearance.detectors.names import NameModel
from clearance.model import ColumnCandidate, Location, Table

LOCALES = ["es_MX", "en_US", "pt_BR", "fr_FR", "es_ES"]
COUNTRIES = ["Cuba", "Mexico", "Guatemala", "Honduras", "Venezuela", "Colombia", "Haiti", "El Salvador"]


@pytest.fixture(scope="module")
def detector() -> ColumnDetector:
    return ColumnDetector(load_rules(), reference_year=2026)


def one_column(values: list[str], header: str | None = "Contact") -> Table:
    return Table(
        key="t",
        location=Location(part="p", sheet="S"),
        header=(header, "Notes") if header is not None else None,
        rows=[[v, "called back"] for v in values],
        first_row=2 if header is not None else 1,
        header_row=1 if header is not None else None,
    )


def columns(
    detector: ColumnDetector, values: list[str], header: str | None = "Contact"
) -> list[ColumnCandidate]:
    return [c for c in detector.detect_table(one_column(values, header)) if isinstance(c, ColumnCandidate)]


def names(locale: str, n: int = 40, seed: int = 3) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return [f"{fake.first_name()} {fake.last_name()}" for _ in range(n)]


def phone(rng: random.Random) -> str:
    return f"({rng.randrange(201, 989)}) {rng.randrange(200, 999)}-{rng.randrange(0, 10000):04d}"


def assert_compound(cols: list[ColumnCandidate], values: list[str], other: str) -> None:
    by_entity = {c.entity: c for c in cols}
    assert set(by_entity) == {"person-name", other}, [c.entity for c in cols]
    name, part = by_entity["person-name"], by_entity[other]
    assert name.column_index == 0 and part.column_index >= COMPOUND_INDEX_BASE
    assert name.location.range == part.location.range
    supported = [i for i, v in enumerate(name.values) if v is not None]
    assert len(supported) >= 0.9 * len(values)
    for i in supported:  # exact substrings of the cell: masking and fingerprints find them
        assert name.values[i] in values[i] and part.values[i] in values[i]
        assert part.values[i] not in name.values[i]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("sep", [" - ", " – ", " | ", "; ", " ", ", "])
def test_name_and_phone(detector: ColumnDetector, locale: str, sep: str) -> None:
    rng = random.Random(1)
    values = [f"{n}{sep}{phone(rng)}" for n in names(locale)]
    assert_compound(columns(detector, values), values, "phone-number")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("form", ["{n} <{e}>", "{n} - {e}", "{n} ({e})", "{n}, {e}"])
def test_name_and_email(detector: ColumnDetector, locale: str, form: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(5)
    values = [form.format(n=n, e=fake.free_email()) for n in names(locale)]
    assert_compound(columns(detector, values), values, "email")


@pytest.mark.parametrize("locale", LOCALES)
def test_name_and_country(detector: ColumnDetector, locale: str) -> None:
    rng = random.Random(2)
    values = [f"{n}, {rng.choice(COUNTRIES)}" for n in names(locale)]
    assert_compound(columns(detector, values, header=None), values, "nationality")


def test_family_given_comma_stays_a_name(detector: ColumnDetector) -> None:
    """A cell "GARCIA LOPEZ, Maria" has no country after its comma: it is one name."""
    fake = Faker("es_MX")
    fake.seed_instance(9)
    values = [
        f"{fake.last_name().upper()} {fake.last_name().upper()}, {fake.first_name()}" for _ in range(40)
    ]
    cols = columns(detector, values, header=None)
    assert [c.entity for c in cols] == ["person-name"]
    assert cols[0].column_index == 0


@pytest.mark.parametrize("locale", ["en_US", "es_MX", "fr_FR", "de_DE"])
def test_places_titles_addresses_are_not_names(detector: ColumnDetector, locale: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(4)
    rng = random.Random(4)
    cases = [
        [f"{fake.city()}, {fake.country()}" for _ in range(40)],
        [f"{fake.city()}, {rng.choice(COUNTRIES)}" for _ in range(40)],
        [f"{fake.catch_phrase()} - {fake.bs()}" for _ in range(40)],
        [fake.address().replace("\n", ", ") for _ in range(40)],
        [f"{fake.company()} - {phone(rng)}" for _ in range(40)],
        [f"{fake.street_address()}, {rng.choice(COUNTRIES)}" for _ in range(40)],
    ]
    if locale == "en_US":
        cases.append([f"{fake.city()}, {fake.state()}" for _ in range(40)])
    for values in cases:
        cols = columns(detector, values, header="Location")
        assert not any(c.entity == "person-name" for c in cols), values[:2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('Gonzalo "Chuy" Valladares', True),
        ("Jose (Pepe) Garcia", True),
        ("Renato \u201cPepe\u201d Becerra", True),
        ('Acme "Widgets" Corporation', False),
        ('Review of "Hamlet"', False),
    ],
)
def test_nickname_is_left_out_of_the_score(value: str, expected: bool) -> None:
    model = NameModel.load()
    assert (model.name_score(value) >= 0.5) is expected


@pytest.mark.parametrize("locale", LOCALES)
def test_nickname_column_is_names(detector: ColumnDetector, locale: str) -> None:
    rng = random.Random(6)
    values = [
        n.replace(" ", f' "{rng.choice(["Chuy", "Pepe", "Nacho", "Big Mike"])}" ', 1) for n in names(locale)
    ]
    cols = columns(detector, values, header="Who")
    assert [c.entity for c in cols] == ["person-name"]
    assert sum(v is not None for v in cols[0].values) >= 0.9 * len(values)


def test_email_with_a_space_in_its_local_part(detector: ColumnDetector) -> None:
    values = [f"user{i}.family@example.org" for i in range(8)] + ["jose luis.rangel@example.org"] * 2
    cols = columns(detector, values, header="Email")
    assert cols[0].entity == "email" and all(v is not None for v in cols[0].values)


def test_compound_reading_is_cheap_on_prose(detector: ColumnDetector) -> None:
    fake = Faker("en_US")
    fake.seed_instance(8)
    values = [fake.sentence(nb_words=14).replace(" ", ", ", 3) for _ in range(300)]
    col = detector._classified(one_column(values))[0][0]
    detector._compound(col)  # warm the name model
    t = time.perf_counter()
    for _ in range(20):
        assert detector._compound(col) is None
    assert (time.perf_counter() - t) / 20 < 0.005


@pytest.mark.parametrize("sep", [" - ", " – ", " (", ": "])
def test_name_and_a_number_in_one_cell(tmp_path: Path, sep: str) -> None:
    fake = Faker("es_MX")
    Faker.seed(21)
    close = ")" if sep == " (" else ""
    rows = [["Passengers"]]
    for i in range(8):
        digits = f"{2_00_000_000 + i * 7_919_113:09d}"
        rows.append(
            [
                f"{fake.last_name().upper()}, {fake.first_name()}{sep}"
                f"A{digits[:3]}-{digits[3:6]}-{digits[6:]}{close}"
            ]
        )
    path = tmp_path / "manifest.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    (report,) = clearance.scan([path]).files
    assert report.verdict == "block" and report.people == 8
