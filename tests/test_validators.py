from __future__ import annotations

from datetime import date

import pytest

from clearance.detectors import validators as v
from clearance.detectors.dates import date_spread, excel_serial_date, parse_date, plausible_birth_date


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("A201555123", True),
        ("A-087-654-321", True),
        ("A12345678", True),
        ("A000000000", False),
        ("A1234567", False),
    ],
)
def test_a_number(value, ok):
    assert v.a_number(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("536-22-1234", True),
        ("078-05-1120", False),
        ("000-12-3456", False),
        ("666-12-3456", False),
        ("536 22 1234", True),
    ],
)
def test_us_ssn(value, ok):
    assert v.us_ssn(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"), [("912-70-1234", True), ("912-93-1234", False), ("912-40-1234", False)]
)
def test_us_itin(value, ok):
    assert v.us_itin(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("(202) 224-3441", True),
        ("+52 55 1234 5678", True),
        ("000-000-0000", False),
        ("+999 123 456", False),
        ("hello", False),
    ],
)
def test_phone(value, ok):
    assert v.phone(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("MEXICO", True),
        ("El Salvador", True),
        ("Honduran", True),
        ("México", True),
        ("República Dominicana", True),
        ("Korea, South", True),
        ("the Philippines", True),
        ("Springfield", False),
        ("Adelanto", False),
    ],
)
def test_country(value, ok):
    assert v.country(value) is ok


def test_resolve_knows_every_name_and_rejects_unknown():
    for name in v.NAMES:
        assert callable(v.resolve(name, reference_year=2026))
    with pytest.raises(KeyError):
        v.resolve("nope", reference_year=2026)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1987-03-07", date(1987, 3, 7)),
        ("1987-03-07 00:00:00", date(1987, 3, 7)),
        ("03/07/1987", date(1987, 3, 7)),
        ("25/12/1960", date(1960, 12, 25)),
        ("07.03.1987", date(1987, 3, 7)),
        ("3 March 1987", date(1987, 3, 3)),
        ("March 3, 1987", date(1987, 3, 3)),
        ("3 de marzo de 1987", date(1987, 3, 3)),
        ("13/13/1987", None),
        ("hello", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_excel_serial_and_plausibility():
    assert excel_serial_date("31845") == date(1987, 3, 9)  # Excel shows 1987-03-09
    assert excel_serial_date("12.5") is None and excel_serial_date("abc") is None
    assert plausible_birth_date("1987-03-07", 2026) is True
    assert plausible_birth_date("1887-03-07", 2026) is False
    assert plausible_birth_date("2030-01-01", 2026) is False
    spread = date_spread([date(1950 + i, 1, 1) for i in range(50)], 2026)
    assert spread.year_span >= 40 and spread.plausible_share == 1.0
