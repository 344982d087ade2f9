"""fingerprint: normalisation makes spellings meet; masks recognise but never recover."""

from __future__ import annotations

import re
import unicodedata

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


ENTITIES = [
    "person-name",
    "given-name",
    "a-number",
    "us-ssn",
    "phone-number",
    "passport-number",
    "date-of-birth",
    "email",
    "nationality",
    "detention-facility",
]
MIXED_VALUES = [
    "GARCIA LOPEZ, Maria",
    "  María   García-López ",
    "KAZEMİ, Zahra",  # Turkish dotted capital I
    "YILDIZ, Işık",  # dotless i: no decomposition
    "Ελένη Παπαδοπούλου",
    "Иван Петров",
    "李伟",
    "O’Brien, Seán",
    "snake_case name",
    "two\nlines",
    "tab\tseparated",
    "",
    "   ",
    "A-012-345-678",
    "x1234-5678",
    "+1 (202) 555-0143",
    "1987-03-15",
    "1987-13-45",
    "03/15/1987",
    "15 March 1987",
    "31851",
    "Maria.Garcia@Example.ORG ",
    "Côte d'Ivoire",
    "Straße",
    "ﬁve ligature",
]


@pytest.mark.parametrize("entity", ENTITIES)
def test_column_normalisation_matches_value_by_value(entity: str) -> None:
    from clearance.fingerprint import normalise_many

    per_value = [normalise(entity, v) for v in MIXED_VALUES]
    assert normalise_many(entity, MIXED_VALUES) == per_value
    # long columns with repeats take the distinct-spellings path: same answers
    column = MIXED_VALUES * 5
    assert normalise_many(entity, column) == per_value * 5
    assert all("\n" not in v for v in per_value)  # group_fingerprint joins on "\n"


def _reference_name(value: str) -> str:
    """The name normal form spelled out the slow, obvious way, value by value."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(sorted(re.sub(r"[\W_]+", " ", stripped.casefold()).split()))


def _reference_text(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def test_column_normalisation_matches_the_obvious_definition() -> None:
    from clearance.fingerprint import normalise_many

    for column in (MIXED_VALUES, MIXED_VALUES * 5, [v for v in MIXED_VALUES if v.isascii()]):
        assert normalise_many("person-name", column) == [_reference_name(v) for v in column]
        assert normalise_many("nationality", column) == [_reference_text(v) for v in column]


def test_non_latin_names_keep_their_letters() -> None:
    # an ASCII-only fold would turn all of these into "", one fingerprint for every such name
    names = ["李伟", "王芳", "Иван Петров", "Ελένη Παπαδοπούλου"]
    assert len({value_fingerprint(KEY, "person-name", n) for n in names}) == len(names)
    assert normalise("person-name", "Петров, Иван") == normalise("person-name", "иван петров")
    assert normalise("person-name", "Łukasz Żółw") == "zołw łukasz"  # ł sorts after z


def test_iso_dates_stay_as_they_are() -> None:
    from clearance.fingerprint import normalise_many

    assert normalise_many("date-of-birth", ["1987-03-15", "2001-02-03"]) == ["1987-03-15", "2001-02-03"]
    assert normalise_many("date-of-birth", ["1987-03-15", "03/15/1987"]) == ["1987-03-15"] * 2
