"""Lists in word-processing, web and slide documents become tables, as in plain text.

A heading over one paragraph per person (docx), Word list paragraphs, ``<li>`` items, bullet
paragraphs of one slide text frame and ODT ``text:list`` items are one list of people: each
name is one cell of one column, counted once, never also read as prose. Items that all split
alike on a separator ("Name - phone") become several columns. Short lists of policy points and
ordinary prose do not block. Names are invented by Faker; the tests never print them.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from faker import Faker

import clearance
from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.config.schema import Limits
from clearance.extractors.docx import DocxExtractor
from clearance.extractors.text import TextExtractor
from clearance.extractors.text_lists import find_runs, split_fields
from clearance.formats import document_from_bytes
from clearance.model import Segment, Table
from clearance.plugins import ExtractContext
from test_extract_odt import extract as extract_odt
from test_extract_odt import make_odt

LOCALES = ["en_US", "es_MX", "fr_FR", "de_DE", "pt_BR", "it_IT"]
CTX = ExtractContext(limits=Limits())
POLICY = ["Improve access", "Reduce wait times", "Hire more staff", "Publish quarterly data"]


def _names(locale: str, n: int, seed: int = 11) -> list[str]:
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


# --- the shared detection -----------------------------------------------------------------------
def test_find_runs_hinted_items_and_heading() -> None:
    lines = [("Enrolled students", False, True), *((n, True) for n in _names("en_US", 5)), ("Thanks.", False)]
    (run,) = find_runs(lines, 100)
    assert run.lines == [1, 2, 3, 4, 5] and run.heading == 0
    (table,) = run.tables
    assert table.header == ("Enrolled students",) and len(table.rows) == 5 and table.role == "list"


def test_find_runs_leaves_prose_alone() -> None:
    prose = [
        ("The committee met on Tuesday to review the annual budget and staffing plan.", False),
        ("Members agreed that the proposal should be revised before the next meeting.", False),
        ("A revised draft will be circulated to all departments by the end of the month.", False),
    ]
    assert find_runs(prose, 100) == []
    # a title paragraph over short lines is not a column label outside plain text
    assert find_runs([("Annual report", False), ("Summary", False), ("Results", False)], 100) == []


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["Ana Ruiz - (555) 201-0100", "Luis Gil - (555) 201-0101", "Eva Mora - (555) 201-0102"], (" - ", 2)),
        (["Chair | Ana Ruiz", "Clerk | Luis Gil", "Treasurer | Eva Mora"], (" | ", 2)),
        (["Ruiz, Ana", "Gil, Luis", "Mora, Eva"], None),
        (["Ana Ruiz, 555-0100", "Luis Gil, 555-0101", "Eva Mora, 555-0102"], (", ", 2)),
        (["Ana Ruiz - Chair", "Luis Gil", "Eva Mora - Clerk"], None),
    ],
)
def test_split_fields(items: list[str], expected: tuple[str, int] | None) -> None:
    assert split_fields(items) == expected


# --- plain text: fields -------------------------------------------------------------------------
@pytest.mark.parametrize("sep", [" - ", " \u2013 ", " | ", "\t"])
def test_text_list_of_name_and_phone_is_two_columns(tmp_path: Path, sep: str) -> None:
    names = _names("en_US", 9)
    lines = [f"{n}{sep}(212) 555-{1000 + i:04d}" for i, n in enumerate(names)]
    data = "Cleanup volunteers:\n" + "\n".join(lines) + "\n"
    out = list(TextExtractor().extract(document_from_bytes(data.encode(), "vol.txt"), CTX))
    (table,) = [t for t in out if isinstance(t, Table)]
    assert all(len(r) == 2 for r in table.rows) and table.rows[0][0] == names[0]
    assert not [s for s in out if isinstance(s, Segment) and names[0] in s.text]
    path = tmp_path / "vol.txt"
    path.write_text(data, encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 9


@pytest.mark.parametrize("locale", LOCALES[:3])
def test_text_surname_first_names_stay_one_column(tmp_path: Path, locale: str) -> None:
    names = [f"{n.split()[-1]}, {n.split()[0]}" for n in _names(locale, 6)]
    data = "Attendees:\n" + "\n".join(names) + "\n"
    out = list(TextExtractor().extract(document_from_bytes(data.encode(), "a.txt"), CTX))
    (table,) = [t for t in out if isinstance(t, Table)]
    assert all(len(r) == 1 for r in table.rows)
    path = tmp_path / "a.txt"
    path.write_text(data, encoding="utf-8")
    assert _scan(path).people == 6


# --- docx -----------------------------------------------------------------------------------------
def _docx(
    path: Path, heading: str, items: list[str], *, style: str | None = None, title: bool = False
) -> None:
    import docx

    d = docx.Document()
    if title:
        d.add_heading(heading, level=1)
    else:
        d.add_paragraph(heading)
    for item in items:
        d.add_paragraph(item, style=style) if style else d.add_paragraph(item)
    d.add_paragraph("Please contact the office with any questions about this notice.")
    d.save(str(path))


@pytest.mark.parametrize("locale", LOCALES)
def test_docx_paragraph_per_name_under_heading_blocks(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 10)
    path = tmp_path / "students.docx"
    _docx(path, "Students who completed the course:", names)
    report = _scan(path)
    assert report.verdict == "block" and report.people == 10


@pytest.mark.parametrize("style", ["List Bullet", "List Number", "List Paragraph"])
def test_docx_word_list_paragraphs_under_heading_style(tmp_path: Path, style: str) -> None:
    names = _names("de_DE", 7)
    path = tmp_path / "list.docx"
    _docx(path, "Participants", names, style=style, title=True)
    doc = document_from_bytes(path.read_bytes(), "list.docx")
    out = list(DocxExtractor().extract(doc, CTX))
    (table,) = [t for t in out if isinstance(t, Table)]
    assert table.role == "list" and table.header == ("Participants",) and len(table.rows) == 7
    assert table.location.field == "list, paragraphs 2-8" and table.first_row == 2
    texts = [s.text for s in out if isinstance(s, Segment)]
    assert not any(n in t for n in names for t in texts)  # read once, as cells
    report = _scan(path)
    assert report.verdict == "block" and report.people == 7


def test_docx_policy_bullets_and_prose_do_not_block(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    _docx(path, "Our goals for next year:", POLICY, style="List Bullet")
    assert _scan(path).verdict == "pass"
    import docx

    d = docx.Document()
    d.add_heading("Annual report", level=1)
    for _ in range(4):
        d.add_paragraph(
            "The department expanded its services this year and reduced waiting times across "
            "every region, while keeping costs within the approved budget."
        )
    d.add_paragraph("Contents")
    for entry in ["Introduction", "Methods and data", "Results by region", "Appendix"]:
        d.add_paragraph(entry)
    path2 = tmp_path / "report.docx"
    d.save(str(path2))
    assert _scan(path2).verdict == "pass"


def _env(tmp_path: Path) -> Environment:
    return Environment(
        stdout=io.BytesIO(),
        stderr=io.StringIO(),
        vars={},
        cwd=tmp_path,
        stdout_isatty=False,
        stderr_isatty=False,
    )


def test_docx_name_list_is_cleaned_by_sanitize(tmp_path: Path) -> None:
    _docx(tmp_path / "students.docx", "Students who completed the course:", _names("en_US", 8))
    env = _env(tmp_path)
    rc = main(["sanitize", "students.docx", "-o", "clean.docx", "--format", "json"], env)
    doc = json.loads(env.stdout.getvalue())
    assert rc == 0 and doc["status"] == "clean" and doc["after"]["verdict"] == "pass"
    assert (tmp_path / "clean.docx").exists()


# --- html -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES[:4])
@pytest.mark.parametrize("tag", ["ul", "ol"])
def test_html_list_items_of_names_block(tmp_path: Path, locale: str, tag: str) -> None:
    names = _names(locale, 6)
    items = "".join(f"<li>{n}</li>" for n in names)
    page = f"<html><body><h2>Volunteers</h2><{tag}>{items}</{tag}><p>Thank you all.</p></body></html>"
    path = tmp_path / "v.html"
    path.write_text(page, encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 6


def test_html_paragraph_per_name_under_heading_blocks(tmp_path: Path) -> None:
    names = _names("es_MX", 6)
    page = "<html><body><h3>Asistentes</h3>" + "".join(f"<p>{n}</p>" for n in names) + "</body></html>"
    path = tmp_path / "p.html"
    path.write_text(page, encoding="utf-8")
    report = _scan(path)
    assert report.verdict == "block" and report.people == 6


def test_html_menus_and_policy_lists_do_not_block(tmp_path: Path) -> None:
    menu = ["Home", "About us", "Services", "Contact"]
    nav = "".join(f"<li><a href='/{x.lower()}'>{x}</a></li>" for x in menu)
    goals = "".join(f"<li>{x}</li>" for x in POLICY)
    page = (
        f"<html><body><nav><ul>{nav}</ul></nav><h2>Goals</h2><ul>{goals}</ul>"
        "<p>We publish our progress every quarter.</p></body></html>"
    )
    path = tmp_path / "site.html"
    path.write_text(page, encoding="utf-8")
    assert _scan(path).verdict == "pass"


# --- pptx -----------------------------------------------------------------------------------------
def _pptx(path: Path, title: str, items: list[str]) -> None:
    from pptx import Presentation

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])  # title and content: bulleted body
    slide.shapes.title.text = title
    frame = slide.placeholders[1].text_frame
    frame.text = items[0]
    for item in items[1:]:
        frame.add_paragraph().text = item
    prs.save(str(path))


@pytest.mark.parametrize("locale", LOCALES[:3])
def test_pptx_bullets_of_names_block(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 6)
    path = tmp_path / "team.pptx"
    _pptx(path, "Project team", names)
    report = _scan(path)
    assert report.verdict == "block" and report.people == 6


def test_pptx_policy_bullets_do_not_block(tmp_path: Path) -> None:
    path = tmp_path / "goals.pptx"
    _pptx(path, "Priorities", POLICY)
    assert _scan(path).verdict == "pass"


# --- odt ------------------------------------------------------------------------------------------
def _odt_list(items: list[str]) -> bytes:
    lis = "".join(f"<text:list-item><text:p>{x}</text:p></text:list-item>" for x in items)
    return make_odt(
        '<text:h text:outline-level="1">Residents</text:h>'
        f"<text:list>{lis}</text:list><text:p>Updated monthly by the front desk.</text:p>"
    )


@pytest.mark.parametrize("locale", LOCALES[:3])
def test_odt_list_items_become_one_table(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 6)
    data = _odt_list(names)
    out = extract_odt(data)
    (table,) = [t for t in out if isinstance(t, Table)]
    assert table.role == "list" and table.header == ("Residents",) and len(table.rows) == 6
    assert table.location.field == "list, paragraphs 2-7"
    assert not any(n in s.text for n in names for s in out if isinstance(s, Segment))
    path = tmp_path / "r.odt"
    path.write_bytes(data)
    report = _scan(path)
    assert report.verdict == "block" and report.people == 6


def test_odt_policy_list_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "p.odt"
    path.write_bytes(_odt_list(POLICY))
    assert _scan(path).verdict == "pass"
