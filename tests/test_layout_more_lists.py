"""More layouts that hold a table a reader sees as one: RTF table rows, fixed-width listings,
tab-separated lines in speaker notes, paragraphs under a label with no colon, "Name (Country)"
items, minutes lines ("Name, Town, spoke ..."), and inline lists ("Attendees: A; B; C").

Each comes with the look-alikes that must stay prose (or at least must not be read as people):
indented prose, ASCII art, aligned code, policy points, an address block, a poem, a table of
contents. Names are invented by Faker; the tests never print them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faker import Faker

import clearance
from clearance.config.schema import Limits
from clearance.extractors.docx import DocxExtractor
from clearance.extractors.rtf import RtfExtractor
from clearance.extractors.text import TextExtractor
from clearance.extractors.text_lists import SEP_LEADING_COMMAS, SEP_PAREN, find_runs, split_fields
from clearance.formats import document_from_bytes
from clearance.model import Segment, Table
from clearance.plugins import ExtractContext

LOCALES = ["en_US", "es_MX", "fr_FR", "de_DE", "pt_BR", "it_IT"]
CTX = ExtractContext(limits=Limits())
COUNTRIES = ["Cuba", "Honduras", "Colombia", "Peru", "Chile", "Mexico", "Brazil", "Spain"]
POLICY = ["Improve access", "Reduce wait times", "Hire more staff", "Publish quarterly data"]


def _names(locale: str, n: int, seed: int = 7) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    out: list[str] = []
    while len(out) < n:
        name = f"{fake.first_name()} {fake.last_name()}"
        if name not in out and "," not in name and "(" not in name:
            out.append(name)
    return out


def _scan(path: Path) -> clearance.FileReport:  # type: ignore[name-defined]
    (report,) = clearance.scan([path]).files
    return report


def _text_out(data: str, name: str = "t.txt", limits: Limits | None = None) -> list:
    ctx = ExtractContext(limits=limits or Limits())
    return list(TextExtractor().extract(document_from_bytes(data.encode(), name), ctx))


def _tables(out: list) -> list[Table]:
    return [t for t in out if isinstance(t, Table)]


def _segments(out: list) -> list[str]:
    return [s.text for s in out if isinstance(s, Segment)]


# --- RTF table rows -------------------------------------------------------------------------------
def _rtf(rows: list[tuple[str, ...]], before: str = "Roster", after: str = "") -> bytes:
    body = "".join(
        r"\trowd\cellx2500\cellx5000\cellx7500\pard\intbl " + r"\cell ".join(r) + r"\cell\row " for r in rows
    )
    tail = rf"\pard {after}\par " if after else ""
    return _ascii(r"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 " + before + r"\par " + body + tail + "}")


def _ascii(rtf: str) -> bytes:
    """RTF bytes with characters outside ASCII written as \\uN? escapes."""
    return "".join(
        c if ord(c) < 128 else f"\\u{ord(c) if ord(c) < 32768 else ord(c) - 65536}?" for c in rtf
    ).encode()


@pytest.mark.parametrize("locale", LOCALES[:4])
@pytest.mark.parametrize("header", [False, True])
def test_rtf_table_rows_of_people_block(tmp_path: Path, locale: str, header: bool) -> None:
    fake = Faker(locale)
    fake.seed_instance(3)
    names = _names(locale, 5)
    rows = [(n, fake.date_of_birth().isoformat(), COUNTRIES[i]) for i, n in enumerate(names)]
    if header:
        rows.insert(0, ("Name", "Date of birth", "Country"))
    data = _rtf(rows, after="Prepared by the records office for internal review only.")
    out = list(RtfExtractor().extract(document_from_bytes(data, "t.rtf"), CTX))
    (table,) = _tables(out)
    assert len(table.rows) == 5 and all(len(r) == 3 for r in table.rows)
    assert table.header == (("Name", "Date of birth", "Country") if header else None)
    assert table.location.field == "table 1"
    texts = _segments(out)
    assert "Roster" in texts and any(t.startswith("Prepared by") for t in texts)
    assert not any(n in t for n in names for t in texts)  # read once, as cells
    path = tmp_path / "t.rtf"
    path.write_bytes(data)
    report = _scan(path)
    assert report.verdict == "block" and report.people == 5


def test_rtf_table_of_figures_does_not_block(tmp_path: Path) -> None:
    rows = [("Region", "Cases", "Share")] + [
        (r, str(100 + i), f"{10 + i}%") for i, r in enumerate(COUNTRIES[:5])
    ]
    path = tmp_path / "f.rtf"
    path.write_bytes(_rtf(rows))
    assert _scan(path).verdict == "pass"


def test_rtf_paragraph_list_under_heading_blocks(tmp_path: Path) -> None:
    names = _names("es_MX", 6)
    body = r"Detainees interviewed:\par " + "".join(rf"{n}\par " for n in names)
    data = _ascii(r"{\rtf1\ansi " + body + r"\par The interviews took place over two days in March.\par}")
    out = list(RtfExtractor().extract(document_from_bytes(data, "l.rtf"), CTX))
    (table,) = _tables(out)
    assert table.role == "list" and len(table.rows) == 6 and table.header == ("Detainees interviewed:",)
    assert table.location.field == "list, paragraphs 2-7"
    path = tmp_path / "l.rtf"
    path.write_bytes(data)
    report = _scan(path)
    assert report.verdict == "block" and report.people == 6


def test_rtf_prose_stays_paragraphs() -> None:
    body = "".join(
        r"The committee reviewed the budget and agreed to publish the summary next month.\par "
        for _ in range(4)
    )
    out = list(
        RtfExtractor().extract(document_from_bytes((r"{\rtf1\ansi " + body + "}").encode(), "p.rtf"), CTX)
    )
    assert not _tables(out) and len(_segments(out)) == 4


# --- fixed-width listings -------------------------------------------------------------------------
def _listing(locale: str, n: int, *, underline: bool = False) -> tuple[str, list[str]]:
    fake = Faker(locale)
    fake.seed_instance(5)
    names = [f"{x.split()[-1]}, {x.split()[0]}".upper() for x in _names(locale, n)]
    lines = ["RUN 2023-10-01   DETAINEE LISTING   PAGE 1", ""]
    lines.append(f"{'A-NUMBER':<12}{'NAME':<32}{'DOB':<12}{'COC':<6}")
    if underline:
        lines.append(f"{'-' * 10:<12}{'-' * 30:<32}{'-' * 10:<12}{'---':<6}")
    for i, name in enumerate(names):
        dob = fake.date_of_birth().strftime("%m%d%Y")
        lines.append(f"{123456780 + i * 101:<12}{name:<32}{dob:<12}{'CU':<6}")
    lines += ["", "END OF REPORT"]
    return "\n".join(lines) + "\n", names


@pytest.mark.parametrize("locale", LOCALES)
def test_fixed_width_listing_blocks(tmp_path: Path, locale: str) -> None:
    data, names = _listing(locale, 10)
    out = _text_out(data)
    (table,) = _tables(out)
    assert table.role == "fixed-width" and table.header == ("A-NUMBER", "NAME", "DOB", "COC")
    assert len(table.rows) == 10 and all(len(r) == 4 for r in table.rows) and table.rows[0][1] == names[0]
    assert table.first_row == 4 and table.header_row == 3
    assert not any(names[0] in t for t in _segments(out))
    path = tmp_path / "fw.txt"
    path.write_text(data, encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 10


def test_fixed_width_underlined_header_and_chunks() -> None:
    data, _ = _listing("de_DE", 7, underline=True)
    tables = _tables(_text_out(data, limits=Limits(chunk_rows=3)))
    assert [len(t.rows) for t in tables] == [3, 3, 1] and [t.last_chunk for t in tables] == [
        False,
        False,
        True,
    ]
    assert all(t.header == ("A-NUMBER", "NAME", "DOB", "COC") for t in tables)
    assert tables[0].first_row == 5 and tables[1].first_row == 8


def test_fixed_width_without_header_keeps_every_row() -> None:
    names = _names("pt_BR", 4)
    data = "\n".join(f"{n:<28}{COUNTRIES[i]:<12}{100 + i:>6}" for i, n in enumerate(names)) + "\n"
    (table,) = _tables(_text_out(data))
    assert table.header is None and [r[0] for r in table.rows] == names


@pytest.mark.parametrize(
    "text",
    [
        # indented prose
        "    The committee met on Tuesday to review\n    the annual budget and the staffing plan\n"
        "    for the coming year, and agreed to meet again.\n",
        # prose with two spaces after each sentence
        "The plan was approved.  Staff will be told next week.  The budget follows\n"
        "in March.  Questions go to the office.  The office is open daily.\n"
        "We thank everyone.  The next meeting is in May.  Minutes follow soon.\n",
        # ASCII art
        "  /\\_/\\    /\\_/\\\n ( o.o )  ( o.o )\n  > ^ <    > ^ <\n",
        # aligned code
        "x      = compute(a)\nyy     = compute(b)\nzzz    = compute(c)\n",
        "int count    = 0;   // rows\nint total    = 0;   // sum\nint width    = 80;  // chars\n",
    ],
)
def test_fixed_width_look_alikes_stay_prose(text: str) -> None:
    assert not _tables(_text_out(text))


def test_fixed_width_table_of_contents_does_not_block(tmp_path: Path) -> None:
    entries = [("Introduction", 1), ("Methods and data", 4), ("Results by region", 9), ("Appendix", 21)]
    data = "Contents\n\n" + "".join(f"{t:<24}{p:>4}\n" for t, p in entries)
    path = tmp_path / "toc.txt"
    path.write_text(data, encoding="utf-8")
    assert _scan(path).verdict == "pass"


# --- speaker notes --------------------------------------------------------------------------------
def _pptx_notes(path: Path, notes: str) -> None:
    from pptx import Presentation

    prs = Presentation()
    s = prs.slides.add_slide(prs.slide_layouts[1])
    s.shapes.title.text = "Trends"
    s.notes_slide.notes_text_frame.text = notes
    prs.save(str(path))


@pytest.mark.parametrize("locale", LOCALES[:3])
def test_pptx_tabbed_people_in_notes_block(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 4)
    rows = [f"{n}\t{COUNTRIES[i]}\tA{323456782 + i * 7}" for i, n in enumerate(names)]
    path = tmp_path / "n.pptx"
    _pptx_notes(path, "Cases to mention if asked:\n" + "\n".join(rows))
    report = _scan(path)
    assert report.verdict == "block" and report.people == 4


def test_pptx_notes_talking_points_pass(tmp_path: Path) -> None:
    path = tmp_path / "n.pptx"
    _pptx_notes(path, "Talking points:\n" + "\n".join(POLICY))
    assert _scan(path).verdict == "pass"


# --- docx: paragraphs under a label with no colon, "Name (Country)", minutes ------------------------
def _docx(path: Path, paragraphs: list[str]) -> None:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    d.save(str(path))


def _docx_tables(path: Path) -> tuple[list[Table], list[str]]:
    out = list(DocxExtractor().extract(document_from_bytes(path.read_bytes(), path.name), CTX))
    return _tables(out), _segments(out)


@pytest.mark.parametrize("locale", LOCALES)
def test_docx_names_under_label_without_colon_block(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 6)
    path = tmp_path / "a.docx"
    _docx(path, ["Attendees", *names, "The meeting closed at noon after a short discussion of the budget."])
    (table,), texts = _docx_tables(path)
    assert table.header == ("Attendees",) and [r[0] for r in table.rows] == names
    assert not any(n in t for n in names for t in texts)
    report = _scan(path)
    assert report.verdict == "block" and report.people == 6


@pytest.mark.parametrize("locale", LOCALES[:4])
@pytest.mark.parametrize("heading", ["Detainees interviewed:", "Detainees interviewed"])
def test_docx_name_country_items_split_in_two(tmp_path: Path, locale: str, heading: str) -> None:
    names = _names(locale, 6)
    path = tmp_path / "c.docx"
    _docx(path, [heading, *(f"{n} ({COUNTRIES[i]})" for i, n in enumerate(names))])
    (table,), _ = _docx_tables(path)
    assert [r[0] for r in table.rows] == names and [r[1] for r in table.rows] == COUNTRIES[:6]
    report = _scan(path)
    assert report.verdict == "block" and report.people == 6


@pytest.mark.parametrize("locale", LOCALES[:3])
def test_docx_minutes_commenters_are_people(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 3)
    towns = ["Springfield", "Riverton", "Lakeside"]
    path = tmp_path / "m.docx"
    _docx(
        path,
        [
            "Public comment on Item 5 (rezoning of 400 Elm St):",
            *(f"{n}, {t}, spoke against the rezoning." for n, t in zip(names, towns, strict=True)),
        ],
    )
    (table,), _ = _docx_tables(path)
    assert [r[:2] for r in table.rows] == [[n, t] for n, t in zip(names, towns, strict=True)]
    report = _scan(path)
    assert report.verdict in ("block", "review") and report.people == 3


def test_split_fields_parenthesised_suffix_and_records() -> None:
    assert split_fields(["Ana Ruiz (Cuba)", "Luis Gil (Peru)", "Eva Mora (Chile)"]) == (SEP_PAREN, 2)
    assert split_fields(["Ana Ruiz (Cuba)", "Luis Gil", "Eva Mora (Chile)"]) is None
    records = ["Ana Ruiz, Town, spoke against it.", "Luis Gil, City, spoke for it, citing traffic."]
    assert split_fields(records) == (SEP_LEADING_COMMAS, 3)
    # surname first: the name stays whole
    assert split_fields(["Ruiz, Ana", "Gil, Luis", "Mora, Eva"]) is None
    assert split_fields(["Ruiz, Ana, Town, said", "Gil, Luis, City, said, then"]) is None


@pytest.mark.parametrize(
    "paragraphs",
    [
        ["Goals", *POLICY, "We will report on progress every quarter to the board."],
        ["Contents", "Introduction", "Methods and data", "Results by region", "Appendix"],
        ["Ana Ruiz", "Records Office", "12 Main Street", "Springfield IL 62701", "Dear Sir or Madam,"],
        ["Winter", "Snow falls on the quiet hills", "The river sleeps beneath the ice", "Night comes early"],
        [
            "The department expanded its services this year and reduced waiting times across every region.",
            "Members agreed that the proposal should be revised before the next meeting of the board.",
            "A revised draft will be circulated to all departments by the end of the month for comment.",
        ],
    ],
)
def test_docx_look_alikes_do_not_block(tmp_path: Path, paragraphs: list[str]) -> None:
    path = tmp_path / "n.docx"
    _docx(path, paragraphs)
    assert _scan(path).verdict == "pass"


def test_loose_label_needs_items_of_one_shape() -> None:
    lines = [("Staff", False), ("Ana Ruiz", False), ("12 Main Street", False), ("Luis Gil", False)]
    assert find_runs(lines, 100) == []


# --- inline lists ---------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES[:4])
def test_docx_inline_semicolon_list_blocks(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 6)
    path = tmp_path / "i.docx"
    _docx(path, ["Detainees present at the hearing: " + "; ".join(f"{n} (Cuba)" for n in names) + "."])
    (table,), texts = _docx_tables(path)
    assert table.header == ("Detainees present at the hearing", "") and [r[0] for r in table.rows] == names
    assert not texts or not any(n in t for n in names for t in texts)
    report = _scan(path)
    assert report.verdict == "block" and report.people == 6


def test_text_inline_comma_list_of_names() -> None:
    names = _names("fr_FR", 4)
    line = "Present: " + ", ".join(names[:3]) + " and " + names[3] + "."
    (table,) = _tables(_text_out(line + "\nThe meeting opened at ten.\n"))
    assert table.header == ("Present",) and [r[0] for r in table.rows] == names


@pytest.mark.parametrize(
    "line",
    [
        "Outcome: the plan failed; costs rose; staff left.",
        "Note: The meeting was long, the agenda was full, and we left early.",
        "Topics: Budget review, roads, parks and staffing",
        "He said that we should go: first Rome; then Paris; then Berlin.",
    ],
)
def test_inline_look_alikes_stay_prose(line: str) -> None:
    assert not _tables(_text_out(line + "\n"))


def test_inline_list_of_topics_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "t.docx"
    _docx(path, ["Topics: Budget Review; Road Repairs; Staff Hiring; Park Maintenance."])
    assert _scan(path).verdict == "pass"
