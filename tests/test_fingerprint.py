"""fingerprint: normalisation makes spellings meet; masks recognise but never recover."""

from __future__ import annotations

import pytest

from clearance.fingerprint import (
    finding_fingerprint,
    group_fingerprint,
    mask,
    normalise,
    value_fingerprint,
)

KEY = b"test-key"


@pytest.mark.parametrize(
    ("entity", "a", "b"),
    [
        ("person-name", "GARCIA LOPEZ, Maria", "Maria Garcia Lopez"),
        ("person-name", "María García-López", "maria garcia lopez"),
        ("a-number", "A12345678", "012345678"),
        ("a-number", "A-012-345-678", "A012345678"),
        ("date-of-birth", "03/15/1987", "1987-03-15"),
        ("date-of-birth", "15 March 1987", "1987-03-15 00:00:00"),
        ("date-of-birth", "March 15th, 1987", "15.03.1987"),
        ("email", "Maria.Garcia@Example.ORG", "maria.garcia@example.org"),
        ("phone-number", "+1 (202) 555-0143", "12025550143"),
        ("us-ssn", "123-45-6789", "123456789"),
        ("passport-number", "x1234-5678", "X12345678"),
    ],
)
def test_spellings_of_one_value_share_a_fingerprint(entity: str, a: str, b: str) -> None:
    assert normalise(entity, a) == normalise(entity, b)
    assert value_fingerprint(KEY, entity, a) == value_fingerprint(KEY, entity, b)


def test_normalised_forms() -> None:
    assert normalise("person-name", "GARCIA LOPEZ, Maria") == "garcia lopez maria"
    assert normalise("a-number", "A12345678") == "012345678"
    assert normalise("date-of-birth", "03/15/1987") == "1987-03-15"
    assert normalise("date-of-birth", "31851") == "1987-03-15"  # an Excel date serial


def test_value_fingerprint_is_keyed_and_entity_specific() -> None:
    fp = value_fingerprint(KEY, "person-name", "Maria Garcia")
    assert len(fp) == 64 and all(c in "0123456789abcdef" for c in fp)
    assert fp != value_fingerprint(b"other-key", "person-name", "Maria Garcia")
    assert fp != value_fingerprint(KEY, "email", "Maria Garcia")
    assert "maria" not in fp


def test_finding_fingerprint_depends_on_rule_and_path_not_spelling() -> None:
    base = finding_fingerprint(KEY, "a-number", "a.xlsx", "A012345678")
    assert base == finding_fingerprint(KEY, "a-number", "a.xlsx", "A-12345678")
    assert base != finding_fingerprint(KEY, "a-number", "b.xlsx", "A012345678")
    assert base != finding_fingerprint(KEY, "id-number", "a.xlsx", "A012345678", entity="a-number")


def test_group_fingerprint_ignores_order_and_repeats() -> None:
    def fp(values: list[str], *, rule: str = "a-number", path: str = "a.xlsx", key: bytes = KEY) -> str:
        return group_fingerprint(key, rule, "a-number", path, values)

    assert fp(["b", "a", "a"]) == fp(["a", "b"])
    assert fp(["a"]) != fp(["a", "b"])
    assert fp(["a", "b"]) != fp(["a\nb"])  # joined values cannot imitate another set
    assert fp(["a"]) != fp(["a"], rule="id-number")
    assert fp(["a"]) != fp(["a"], path="b.xlsx")
    assert fp(["a"]) != fp(["a"], key=b"other-key")
    assert len(fp(["a"])) == 64 and "012345678" not in fp(["012345678"])


@pytest.mark.parametrize(
    ("entity", "value", "masked"),
    [
        ("person-name", "GARCIA LOPEZ, Maria", "G***** L****, M****"),
        ("given-name", "José", "J***"),
        ("a-number", "A123456789", "A*******89"),
        ("us-ssn", "123-45-6789", "***-**-**89"),
        ("date-of-birth", "1987-03-15", "19**-**-**"),
        ("date-of-birth", "03/15/1987", "19**-**-**"),
        ("email", "maria.garcia@example.org", "m***@e******.org"),
        ("phone-number", "+1 202-555-0143", "+* ***-***-**43"),
        ("street-address", "1600 Pennsylvania Ave", "**** P*********** A**"),
        ("age", "34", "**"),
    ],
)
def test_mask(entity: str, value: str, masked: str) -> None:
    assert mask(entity, value) == masked


@pytest.mark.parametrize(
    ("entity", "value"),
    [
        ("person-name", "Maria Garcia Lopez"),
        ("a-number", "A123456789"),
        ("date-of-birth", "1987-03-15"),
        ("email", "maria.garcia@example.org"),
        ("phone-number", "2025550143"),
        ("nationality", "Honduras"),
        ("passport-number", "X12345678"),
    ],
)
def test_mask_never_contains_the_value_or_a_long_piece_of_it(entity: str, value: str) -> None:
    masked = mask(entity, value)
    assert value not in masked
    # no run of 3+ characters of the value survives (beyond the kept tail / TLD)
    pieces = {value[i : i + 3] for i in range(len(value) - 2)}
    leaked = {p for p in pieces if p in masked and p.isalnum() and p not in ("org",)}
    assert not leaked, (masked, leaked)
