"""Sanitizing lists in Word and PowerPoint: a list table's rows ("list, paragraphs a-b" + an A1
range) are mapped back to the paragraphs the extractor read them from, and only those are
treated; the copy re-scans clean and the prose around the list is left as it was. HTML lists
are refused. Names are invented by Faker; the tests never print them.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from faker import Faker

from clearance import formats
from clearance.actions.sanitize.base import Action, ActionKind, CannotSanitize, Plan, SanitizeOptions
from clearance.actions.sanitize.docx import PLACEHOLDER, DocxSanitizer
from clearance.actions.sanitize.json_html import HtmlSanitizer
from clearance.actions.sanitize.pptx import PptxSanitizer
from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.config.schema import Limits
from clearance.extractors.docx import DocxExtractor
from clearance.formats import document_from_bytes
from clearance.model import Location, Table
from clearance.plugins import ExtractContext

docx = pytest.importorskip("docx")
pptx = pytest.importorskip("pptx")

PROSE = "Please contact the office with any questions about this notice."
NOTE = "The team meets every Monday in the main office."


def _names(locale: str, n: int, seed: int = 7) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    out: list[str] = []
    while len(out) < n:
        name = f"{fake.first_name()} {fake.last_name()}"
        if name not in out:
            out.append(name)
    return out


def _env(tmp_path: Path) -> Environment:
    return Environment(
        stdout=io.BytesIO(),
        stderr=io.StringIO(),
        vars={},
        cwd=tmp_path,
        stdout_isatty=False,
        stderr_isatty=False,
    )


def _sanitize(tmp_path: Path, name: str, out: str) -> dict:
    env = _env(tmp_path)
    rc = main(["sanitize", name, "-o", out, "--format", "json"], env)
    doc = json.loads(env.stdout.getvalue())
    assert rc == 0, doc.get("reason")
    assert doc["status"] == "clean" and doc["after"]["verdict"] == "pass"
    assert doc["before"]["verdict"] == "block"
    return doc


def _word(
    path: Path, heading: str, items: list[str], *, style: str | None = None, title: bool = False
) -> None:
    d = docx.Document()
    if title:
        d.add_heading(heading, level=1)
    else:
        d.add_paragraph(heading)
    for item in items:
        d.add_paragraph(item, style=style) if style else d.add_paragraph(item)
    d.add_paragraph(PROSE)
    d.save(str(path))


def _paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


@pytest.mark.parametrize("locale", ["en_US", "es_MX", "de_DE"])
def test_docx_paragraph_per_name_under_heading_is_cleaned(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 8)
    _word(tmp_path / "s.docx", "Students who completed the course:", names)
    _sanitize(tmp_path, "s.docx", "clean.docx")
    texts = _paragraphs(tmp_path / "clean.docx")
    assert texts[0] == "Students who completed the course:" and texts[-1] == PROSE
    assert texts[1:-1] == [PLACEHOLDER] * len(names)


@pytest.mark.parametrize("style", ["List Number", "List Bullet"])
def test_docx_word_list_is_cleaned(tmp_path: Path, style: str) -> None:
    names = _names("fr_FR", 7)
    _word(tmp_path / "l.docx", "Participants", names, style=style, title=True)
    _sanitize(tmp_path, "l.docx", "clean.docx")
    texts = _paragraphs(tmp_path / "clean.docx")
    assert texts[0] == "Participants" and texts[-1] == PROSE
    assert not any(n in t for n in names for t in texts)


def test_docx_name_and_phone_list_is_cleaned(tmp_path: Path) -> None:
    names = _names("en_US", 8, seed=3)
    items = [f"{n} - 555 01{i:02d}" for i, n in enumerate(names)]
    _word(tmp_path / "p.docx", "Emergency contacts:", items)
    _sanitize(tmp_path, "p.docx", "clean.docx")
    texts = _paragraphs(tmp_path / "clean.docx")
    assert texts[0] == "Emergency contacts:" and texts[-1] == PROSE
    assert not any(n in t for n in names for t in texts)
    # Whatever columns were treated, each item is either cut exactly or replaced whole.
    for i, t in enumerate(texts[1:-1]):
        assert t in (PLACEHOLDER, f"{PLACEHOLDER} - 555 01{i:02d}", f"{PLACEHOLDER} - {PLACEHOLDER}")


def _plan(media_type: str, *actions: Action) -> Plan:
    return Plan(path="x", media_type=media_type, actions=actions, options=SanitizeOptions())


def _cells(field: str, rng: str, part: str | None = None) -> Action:
    return Action(
        ActionKind.CLEAR_CELLS, Location(part=part, field=field, range=rng), entity="person-name", count=1
    )


def _run_docx(data: bytes, plan: Plan) -> list[str]:
    out = io.BytesIO()
    DocxSanitizer().sanitize(io.BytesIO(data), plan, out)
    return [p.text for p in docx.Document(io.BytesIO(out.getvalue())).paragraphs]


def test_docx_rows_map_to_item_paragraphs_exactly(tmp_path: Path) -> None:
    """Row 1 is the heading, data from row 2: A4 is the third item, paragraph 4."""
    names = _names("it_IT", 6)
    _word(tmp_path / "x.docx", "Volunteers:", names)
    data = (tmp_path / "x.docx").read_bytes()
    texts = _run_docx(data, _plan(formats.DOCX, _cells("list, paragraphs 2-7", "A4")))
    assert texts == ["Volunteers:", *names[:2], PLACEHOLDER, *names[3:], PROSE]
    # Without a heading (a bulleted list first in the document) row 1 is the first item.
    d = docx.Document()
    for n in names:
        d.add_paragraph(n, style="List Bullet")
    d.add_paragraph(PROSE)
    buf = io.BytesIO()
    d.save(buf)
    texts = _run_docx(buf.getvalue(), _plan(formats.DOCX, _cells("list, paragraphs 1-6", "A1:A2")))
    assert texts == [PLACEHOLDER, PLACEHOLDER, *names[2:], PROSE]


def test_docx_split_columns_cut_exactly_and_blank_paragraphs_are_not_items(tmp_path: Path) -> None:
    names = _names("pt_BR", 4, seed=5)
    d = docx.Document()
    d.add_paragraph("Staff:")
    for i, n in enumerate(names):
        d.add_paragraph(f"{n} - Officer {i}", style="List Bullet")
        d.add_paragraph("")  # a loose list: blank paragraphs between items
    d.add_paragraph(PROSE)
    buf = io.BytesIO()
    d.save(buf)
    doc = document_from_bytes(buf.getvalue(), "x.docx")
    (table,) = [
        t for t in DocxExtractor().extract(doc, ExtractContext(limits=Limits())) if isinstance(t, Table)
    ]
    assert table.location.field == "list, paragraphs 2-8" and len(table.header or ()) == 2
    plan = _plan(formats.DOCX, _cells("list, paragraphs 2-8", "A2:A5"))
    texts = _run_docx(buf.getvalue(), plan)
    assert texts[0] == "Staff:" and texts[-1] == PROSE
    assert [t for t in texts[1:-1] if t] == [f"{PLACEHOLDER} - Officer {i}" for i in range(4)]


def test_docx_list_not_found_again_is_refused(tmp_path: Path) -> None:
    _word(tmp_path / "x.docx", "Volunteers:", _names("en_US", 5))
    data = (tmp_path / "x.docx").read_bytes()
    for field, rng in (("list, paragraphs 3-6", "A2:A5"), ("list, paragraphs 2-6", "A9")):
        with pytest.raises(CannotSanitize):
            DocxSanitizer().sanitize(io.BytesIO(data), _plan(formats.DOCX, _cells(field, rng)), io.BytesIO())


def _slides(path: Path, title: str, items: list[str]) -> None:
    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])  # title and content: bulleted body
    slide.shapes.title.text = title
    frame = slide.placeholders[1].text_frame
    frame.text = items[0]
    for item in items[1:]:
        frame.add_paragraph().text = item
    slide.shapes.add_textbox(0, 0, 100, 100).text_frame.text = NOTE
    prs.save(str(path))


def _shape_texts(path: Path) -> list[list[str]]:
    prs = pptx.Presentation(str(path))
    return [[p.text for p in sh.text_frame.paragraphs] for sh in prs.slides[0].shapes if sh.has_text_frame]


@pytest.mark.parametrize("locale", ["en_US", "es_MX"])
def test_pptx_bullets_of_names_are_cleaned(tmp_path: Path, locale: str) -> None:
    names = _names(locale, 6)
    _slides(tmp_path / "t.pptx", "Project team", names)
    _sanitize(tmp_path, "t.pptx", "clean.pptx")
    title, body, note = _shape_texts(tmp_path / "clean.pptx")
    assert title == ["Project team"] and note == [NOTE]
    assert body == [PLACEHOLDER] * len(names)


def test_pptx_rows_map_to_paragraphs_under_the_slide_title(tmp_path: Path) -> None:
    names = _names("de_DE", 5)
    _slides(tmp_path / "t.pptx", "Project team", names)
    prs = pptx.Presentation(str(tmp_path / "t.pptx"))
    sid = prs.slides[0].placeholders[1].shape_id
    action = _cells(f"slide 1 shape {sid} list, paragraphs 1-5", "A3", part="ppt/slides/slide1.xml")
    out = io.BytesIO()
    PptxSanitizer().sanitize(io.BytesIO((tmp_path / "t.pptx").read_bytes()), _plan(formats.PPTX, action), out)
    (tmp_path / "o.pptx").write_bytes(out.getvalue())
    _, body, _ = _shape_texts(tmp_path / "o.pptx")
    assert body == [names[0], PLACEHOLDER, *names[2:]]  # row 1 is the title, row 3 the 2nd item


def test_html_list_is_refused_not_left(tmp_path: Path) -> None:
    action = _cells("body > ul (list)", "A2:A7")
    page = b"<html><body><h2>Volunteers</h2><ul><li>a</li><li>b</li><li>c</li></ul></body></html>"
    with pytest.raises(CannotSanitize):
        HtmlSanitizer().sanitize(io.BytesIO(page), _plan(formats.HTML, action), io.BytesIO())
