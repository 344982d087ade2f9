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


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0044 20 7946 0958", True),  # '00' for '+': checked with phonenumbers
        ("0099 123 456 789", False),  # no country code 99
        ("2025550143", True),  # bare, valid North American
        ("1025550143", False),  # bare, no such area code
        ("07700900123", None),  # bare with trunk 0: plausible
        ("0770090", False),  # bare trunk-0 run too short for a whole national number
        ("020 7946 0958", None),
        ("612 345 678", None),
        ("(11) 91234-5678", None),
        ("555-1234", None),
        ("123 45 67", None),
        ("19-12345", False),  # 7 digits not grouped like a local number
        ("2021-03-04", False),
        ("04.03.2021", False),
        ("2021-03-04 12", False),
        ("1990-2000", False),
        ("20500-0003", False),  # ZIP+4
        ("536-22-1234", False),  # SSN
        ("192.168.100.200", False),
        ("12 345 678", False),  # thousands separators
        ("450 000", False),
        ("555 000", False),
        ("123 456 000", False),
        ("0000000000", False),
        ("123456", False),
        ("1234 5678 9012 3456", False),  # 16 digits: longer than E.164
    ],
)
def test_phone_national(value, ok):
    assert v.phone_national(value) is ok


def _card(prefix: str, length: int) -> str:
    """A Luhn-valid number of ``length`` digits starting with ``prefix`` (made here, no real card)."""
    from stdnum import luhn

    body = (prefix + "3" * length)[: length - 1]
    return body + luhn.calc_check_digit(body)


@pytest.mark.parametrize(
    ("prefix", "length"),
    [
        ("4", 16),  # Visa
        ("4", 19),
        ("51", 16),  # Mastercard
        ("55", 16),
        ("2221", 16),
        ("2720", 16),
        ("34", 15),  # American Express
        ("37", 15),
        ("6011", 16),  # Discover
        ("644", 16),
        ("65", 19),
        ("300", 14),  # Diners Club
        ("305", 16),
        ("36", 14),
        ("38", 14),
        ("3528", 16),  # JCB
        ("3589", 19),
        ("62", 16),  # UnionPay
        ("62", 19),
        ("50", 16),  # Maestro
        ("56", 16),
        ("69", 19),
    ],
)
def test_payment_card_known_issuers(prefix, length):
    number = _card(prefix, length)
    assert v.payment_card(number) is True
    spaced = " ".join(number[i : i + 4] for i in range(0, length, 4))
    assert v.payment_card(spaced) is True
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)  # wrong check digit
    assert v.payment_card(broken) is False


@pytest.mark.parametrize(
    ("prefix", "length"),
    [
        ("4", 13),  # legacy 13-digit Visa: no longer issued, shaped like German EAN-13 barcodes
        ("4", 15),
        ("34", 16),  # American Express is always 15 digits
        ("53", 15),
        ("2220", 16),  # just below the Mastercard 2-series
        ("2721", 16),
        ("3527", 16),  # just below JCB
        ("306", 14),
        ("1", 16),  # no network
        ("9", 16),
        ("69", 13),  # 13-digit "Maestro": Chinese EAN-13 barcodes start with 690-699
        ("4", 12),
        ("4", 20),
    ],
)
def test_payment_card_unknown_issuer_or_length(prefix, length):
    assert v.payment_card(_card(prefix, length)) is False


def test_payment_card_rejects_one_repeated_digit_and_non_numbers():
    assert v.payment_card("0000 0000 0000 0000") is False
    assert v.payment_card("card") is False


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04-MAR-1985", "1985-03-04"),
        ("04-MAR-85", "1985-03-04"),
        ("4/Mar/1985", "1985-03-04"),
        ("04-MAR-15", "2015-03-04"),
        ("1985-03-04T00:00:00", "1985-03-04"),
    ],
)
def test_database_export_dates(text: str, expected: str) -> None:
    from clearance.detectors.dates import parse_date

    assert str(parse_date(text)) == expected


@pytest.mark.parametrize("value", ["A000-000-000", "A999999999", "A011111111"])
def test_a_number_placeholders_are_not_a_numbers(value: str) -> None:
    from clearance.detectors.validators import a_number

    assert a_number(value) is False
