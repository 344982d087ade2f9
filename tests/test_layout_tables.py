"""Lists of people the extractors must see as tables, end to end (red-team r01-r11).

One-column CSVs, name lists typed into text files, Markdown pipe tables and records nested in
JSON are tables by their layout; ordinary prose, poems, tables of contents, config files and
one-column lists of numbers or countries must not become lists of people. Names are invented
by Faker in several locales; the tests never print them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faker import Faker

import clearance
from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.text import TextExtractor
from clearance.formats import document_from_bytes
from clearance.model import Segment, Table
from clearance.plugins import ExtractContext

LOCALES = ["en_US", "es_MX", "fr_FR", "de_DE", "pt_BR", "it_IT", "pl_PL", "nl_NL"]
CTX = ExtractContext(limits=Limits())


def _names(locale: str, n: int, seed: int = 7) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    out: list[str] = []
    while len(out) < n:
        name = f"{fake.first_name()} {fake.last_name()}"
        if name not in out:
            out.append(name)
    return out


def _scan(path: Path) -> clearance.FileReport:  # type: ignore[name-defined]
    (report,) = clearance.scan([path]).files
    return report


def _extract(data: str, name: str) -> list[object]:
    return list(TextExtractor().extract(document_from_bytes(data.encode(), name), CTX))


# --- (1) one-column delimited files -------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES[:4])
def test_one_column_csv_of_names_blocks(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 6)
    path = tmp_path / "people.csv"
    path.write_text("Name\n" + "\n".join(names) + "\n", encoding="utf-8")
    report = _scan(path)
    assert report.media_type == formats.CSV
    assert report.verdict == "block" and report.people == 6


def test_one_column_csv_of_personal_emails_blocks(tmp_path: Path) -> None:
    fake = Faker("en_US")
    fake.seed_instance(3)
    emails = [f"{fake.first_name()}.{fake.last_name()}{i}@gmail.com".lower() for i in range(5)]
    path = tmp_path / "emails.csv"
    path.write_text("email\n" + "\n".join(emails) + "\n", encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 5


@pytest.mark.parametrize(
    "values",
    [
        ["count", "12", "40", "7", "1,204", "88"],
        ["Country", "Mexico", "Guatemala", "Honduras", "El Salvador", "Haiti", "Venezuela"],
    ],
)
def test_one_column_csv_of_numbers_or_countries_does_not_block(tmp_path: Path, values: list[str]) -> None:
    path = tmp_path / "column.csv"
    path.write_text("\n".join(values) + "\n", encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "pass" and report.people == 0


def test_one_column_sniffing() -> None:
    assert formats.sniff(b"Name\nAna Lopez\nBo Li\n", "x.csv") == formats.CSV
    assert formats.sniff(b"Name\nAna Lopez\nBo Li\nCy Young\n", "export") == formats.CSV
    # a prose name, a single line, or a sentence for a first line is not a table
    assert formats.sniff(b"Name\nAna Lopez\nBo Li\nCy Young\n", "notes.txt") == formats.TEXT
    assert formats.sniff(b"Just one line of prose.", "x.csv") == formats.TEXT
    assert formats.sniff(b"We met today.\nAna Lopez\nBo Li\nCy Young\n", "export") == formats.TEXT
    long_line = b"A paragraph that runs on " * 6
    assert formats.sniff(b"Header\n" + long_line + b"\nshort\nshort\n", "x.csv") == formats.TEXT


def test_one_column_values_with_commas_stay_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Name\nGarcia, Ana\nLopez, Bo\nYoung, Cy\n", encoding="utf-8")
    from clearance.extractors.delimited import DelimitedExtractor

    doc = document_from_bytes(path.read_bytes(), "x.csv")
    (table,) = [t for t in DelimitedExtractor().extract(doc, CTX) if isinstance(t, Table)]
    assert table.header == ("Name",) and [len(r) for r in table.rows] == [1, 1, 1]


# --- (2) lists in text --------------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("style", ["plain", "- ", "* ", "1. "])
def test_name_list_in_text_blocks(tmp_path: Path, locale: str, style: str) -> None:
    names = _names(locale, 5)
    items = [
        n if style == "plain" else (f"{i + 1}. {n}" if style == "1. " else style + n)
        for i, n in enumerate(names)
    ]
    text = "Detainees transferred to the processing center on 03/14:\n\n" + "\n".join(items) + "\n"
    path = tmp_path / "list.txt"
    path.write_text(text, encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 5


def test_list_becomes_one_column_table_and_is_not_prose_twice() -> None:
    names = _names("es_MX", 4)
    out = _extract(
        "Intro line here.\n\nStaff:\n" + "\n".join(f"- {n}" for n in names) + "\n\nThe end.\n", "x.txt"
    )
    tables = [t for t in out if isinstance(t, Table)]
    segs = [s for s in out if isinstance(s, Segment)]
    assert len(tables) == 1 and tables[0].header == ("Staff:",) and tables[0].header_row == 3
    assert [r[0] for r in tables[0].rows] == names and tables[0].first_row == 4
    assert not any(n in s.text for s in segs for n in names)  # each line read once
    assert [(s.location.row, s.text) for s in segs] == [
        (1, "Intro line here."),
        (3, "Staff:"),
        (9, "The end."),
    ]


def test_long_list_is_chunked() -> None:
    names = [f"Item {i}" for i in range(10)]
    doc = document_from_bytes(("Items:\n" + "\n".join(f"- {n}" for n in names) + "\n").encode(), "x.txt")
    out = list(TextExtractor().extract(doc, ExtractContext(limits=Limits(chunk_rows=4))))
    tables = [t for t in out if isinstance(t, Table)]
    assert [(len(t.rows), t.first_row, t.chunk, t.last_chunk) for t in tables] == [
        (4, 2, 0, False),
        (4, 6, 1, False),
        (2, 10, 2, True),
    ]


PROSE = (
    "The committee met on Tuesday to review the annual budget and the progress of the\n"
    "regional programmes. Ana Lopez presented the findings of the audit, which found no\n"
    "significant issues with the accounts of the last financial year.\n\n"
    "The next meeting will take place in March, when the board expects to approve the\n"
    "final plan for the new office.\n"
)
POEM = (
    "The rain falls soft on silver leaves,\n"
    "the river hums beneath the bridge;\n"
    "a heron waits where water grieves,\n"
    "and evening settles on the ridge.\n"
)
CONTENTS = (
    "Contents\n\n1. Introduction\n2. Methodology\n3. Findings by region\n4. Recommendations\n5. Annexes\n"
)


@pytest.mark.parametrize("text", [PROSE, POEM, CONTENTS])
def test_prose_poems_and_contents_do_not_block(tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "pass" and report.people == 0


def test_prose_paragraphs_stay_segments() -> None:
    out = _extract(PROSE + "\n" + POEM, "x.txt")
    assert all(isinstance(x, Segment) for x in out)


def test_address_block_in_a_letter_stays_prose() -> None:
    out = _extract("Dear Ana,\n\nAna Garcia\n12 Main Street\nSpringfield, IL 62704\n\nRegards\n", "x.txt")
    assert all(isinstance(x, Segment) for x in out)


# --- (3) Markdown pipe tables -------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES[:4])
def test_markdown_table_of_people_blocks(tmp_path: Path, locale: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(5)
    names = _names(locale, 4)
    rows = [
        f"| {n} | {fake.date_of_birth(minimum_age=20, maximum_age=70):%m/%d/%Y} | {fake.country()} |"
        for n in names
    ]
    path = tmp_path / "cases.md"
    path.write_text(
        "# Cases\n\n| Name | DOB | Country |\n|---|:---:|---|\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    report = _scan(path)
    assert report.verdict == "block" and report.people == 4


def test_markdown_table_layout() -> None:
    out = _extract("Text.\n\n| a | b \\| c |\n| --- | --- |\n| 1 | 2 |\n| 3 |  |\n", "x.md")
    (table,) = [t for t in out if isinstance(t, Table)]
    assert table.header == ("a", "b | c") and table.header_row == 3 and table.first_row == 5
    assert [list(r) for r in table.rows] == [["1", "2"], ["3", None]]


def test_pipes_without_separator_are_prose() -> None:
    out = _extract("x | y\nnot a table | at all\n", "x.txt")
    assert all(isinstance(x, Segment) for x in out)


def test_markdown_table_of_regions_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "stats.md"
    path.write_text(
        "| Region | Cases |\n|---|---|\n| North | 1,204 |\n| South | 988 |\n| East | 1,530 |\n",
        encoding="utf-8",
    )
    assert _scan(path).verdict == "pass"


# --- (4) JSON records at any depth --------------------------------------------------------------
def _people(locale: str, n: int, seed: int = 9) -> list[dict[str, str]]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return [
        {
            "first": fake.first_name(),
            "last": fake.last_name(),
            "dob": fake.date_of_birth(minimum_age=20, maximum_age=70).isoformat(),
            "country": fake.country(),
        }
        for _ in range(n)
    ]




@pytest.mark.parametrize("locale", ["en_US", "es_MX", "fr_FR", "de_DE"])
def test_nested_record_arrays_block(tmp_path: Path, locale: str) -> None:
    people = _people(locale, 4)
    recs = [{"name": {"first": p["first"], "last": p["last"]}, "birthDate": p["dob"]} for p in people]
    data = {
        "facilities": [
            {"facility": "North Center", "people": recs[:2]},
            {"facility": "South Center", "people": recs[2:]},
        ]
    }
    path = tmp_path / "nested.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 4


def test_nested_layout_flattening_and_keyed_records() -> None:
    data = {
        "facilities": [
            {
                "facility": "F1",
                "people": [{"name": {"first": "A", "last": "B"}}, {"name": {"first": "C", "last": "D"}}],
            },
            {
                "facility": "F2",
                "people": [{"name": {"first": "E", "last": "F"}}, {"name": {"first": "G", "last": "H"}}],
            },
        ],
        "patients": [{"id": 1, "name": [{"family": "X", "given": ["Ana", "Maria"]}], "age": 40}],
        "byId": {"A1": {"n": "x", "c": "y"}, "A2": {"n": "z", "c": "w"}},
        "settings": {"debug": {"level": 1}, "cache": {"ttl": 3}},
    }
    out = _extract(json.dumps(data), "x.json")
    tables = {t.key: t for t in out if isinstance(t, Table)}
    assert set(tables) == {
        "json:$.facilities",
        "json:$.facilities[*].people",
        "json:$.patients",
        "json:$.byId",
    }
    outer = tables["json:$.facilities"]
    assert outer.header == ("facility", "people") and [r[1] for r in outer.rows] == [None, None]
    inner = tables["json:$.facilities[*].people"]
    assert inner.header == ("name.first", "name.last") and len(inner.rows) == 4
    pat = tables["json:$.patients"]
    # the single nested record flattens after the columns the sanitizer addresses
    assert pat.header == ("id", "name", "age", "name.family", "name.given")
    assert list(pat.rows[0]) == ["1", None, "40", "X", "Ana Maria"]
    keyed = tables["json:$.byId"]
    assert keyed.header == ("key", "n", "c") and [r[0] for r in keyed.rows] == ["A1", "A2"]
    # a config whose sections share no keys stays key/value text
    segs = [s for s in out if isinstance(s, Segment)]
    assert {s.location.field for s in segs} == {"$.settings.debug.level", "$.settings.cache.ttl"}


def test_fhir_patients_block(tmp_path: Path) -> None:
    people = _people("en_US", 4, seed=2)
    data = [
        {
            "resourceType": "Patient",
            "name": [{"family": p["last"], "given": [p["first"]]}],
            "birthDate": p["dob"],
        }
        for p in people
    ]
    path = tmp_path / "fhir.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 4


def test_records_keyed_by_id_block(tmp_path: Path) -> None:
    people = _people("fr_FR", 4, seed=4)
    data = {
        f"A{284595470 + 7919 * i}": {"name": f"{p['first']} {p['last']}", "dob": p["dob"]}
        for i, p in enumerate(people)
    }
    path = tmp_path / "keyed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 4


def test_ndjson_nested_records_stream_into_child_table() -> None:
    lines = [json.dumps({"site": f"S{i}", "people": [{"n": f"a{i}"}, {"n": f"b{i}"}]}) for i in range(5)]
    doc = document_from_bytes(("\n".join(lines) + "\n").encode(), "x.ndjson")
    out = list(TextExtractor().extract(doc, ExtractContext(limits=Limits(chunk_rows=3))))
    tables = [t for t in out if isinstance(t, Table)]
    child = [t for t in tables if t.key == "ndjson:$[*].people"]
    assert sum(len(t.rows) for t in child) == 10 and all(len(t.rows) <= 3 for t in child)
    assert [t.last_chunk for t in child] == [False] * (len(child) - 1) + [True]
    assert sum(len(t.rows) for t in tables if t.key == "ndjson") == 5


def test_json_config_does_not_block(tmp_path: Path) -> None:
    config = {
        "name": "site-builder",
        "version": "2.1.0",
        "features": {"search": True, "comments": False},
        "plugins": [{"name": "sitemap", "enabled": True}, {"name": "feeds", "enabled": False}],
        "locales": ["en", "es", "fr"],
        "servers": {
            "staging": {"host": "staging.example.org", "port": 8080},
            "live": {"host": "example.org", "port": 443},
        },
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    assert _scan(path).verdict == "pass"
