"""PDF page layout read as tables: lists, whitespace-aligned columns, flat forms, AcroForm values.

Positive cases: a numbered appendix of people, a roster drawn as positioned strings, a flattened
one-person form per page, an AcroForm whose field values hold a record. Each reaches the
detectors as a Table (with page and bbox, so the sanitizer can place it) and its lines leave the
prose. Negative cases: prose, a two-column article, a statistics table of counts, a short list
of policy points. Names are invented by Faker in several locales; the tests never print them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from faker import Faker
from reportlab.pdfgen import canvas

import clearance
from clearance.actions.sanitize.base import CannotSanitize, SanitizeOptions
from clearance.actions.sanitize.pdf import PdfSanitizer
from clearance.actions.sanitize.plan import build_plan
from clearance.config.schema import Limits
from clearance.extractors.pdf import PdfExtractor
from clearance.formats import document_from_bytes
from clearance.model import Segment, Table, Visibility
from clearance.plugins import ExtractContext

LOCALES = ["en_US", "es_MX", "fr_FR", "de_DE", "pt_BR"]
CTX = ExtractContext(limits=Limits())


def _names(locale: str, n: int, seed: int = 7) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    out: list[str] = []
    while len(out) < n:
        name = f"{fake.first_name()} {fake.last_name()}"
        if name not in out and ":" not in name:
            out.append(name)
    return out


def _pdf(pages: list[list[tuple[float, float, str]]], fields: list[tuple[str, str]] = ()) -> bytes:  # type: ignore[assignment]
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for k, page in enumerate(pages):
        for x, y, text in page:
            c.drawString(x, y, text)
        if k == 0:
            for i, (name, value) in enumerate(fields):
                c.acroForm.textfield(name=name, value=value, x=250, y=700 - 40 * i, width=200, height=18)
        c.showPage()
    c.save()
    return buf.getvalue()


def _extract(data: bytes) -> list[object]:
    return list(PdfExtractor().extract(document_from_bytes(data, "t.pdf"), CTX))


def _tables(out: list[object]) -> list[Table]:
    return [o for o in out if isinstance(o, Table)]


def _prose(out: list[object]) -> str:
    return "\n".join(o.text for o in out if isinstance(o, Segment) and o.visibility is Visibility.VISIBLE)


def _scan(tmp_path: Path, data: bytes) -> clearance.FileReport:  # type: ignore[name-defined]
    p = tmp_path / "t.pdf"
    p.write_bytes(data)
    (report,) = clearance.scan([p]).files
    return report


# --- lists --------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_numbered_list_of_people_is_one_table_read_once(locale: str) -> None:
    names = _names(locale, 7)
    lines = ["Appendix B: Persons interviewed:"] + [f"{i}. {n}" for i, n in enumerate(names, 1)]
    out = _extract(_pdf([[(72, 740 - 16 * i, t) for i, t in enumerate(lines)]]))
    (table,) = _tables(out)
    assert table.role == "list" and table.header == ("Appendix B: Persons interviewed:",)
    assert [r[0] for r in table.rows] == names
    assert table.location.page == 1 and table.location.bbox is not None
    prose = _prose(out)
    assert "Appendix B" in prose and not any(n in prose for n in names)


def test_name_list_pdf_blocks_and_sanitizer_cleans_or_refuses(tmp_path: Path) -> None:
    names = _names("es_MX", 8)
    lines = ["Detainees interviewed:"] + [f"{i}. {n}, Cuba" for i, n in enumerate(names, 1)]
    data = _pdf([[(72, 740 - 16 * i, t) for i, t in enumerate(lines)] + [(72, 500, "End of appendix.")]])
    report = _scan(tmp_path, data)
    assert report.verdict == "block" and report.people >= len(names)
    out = io.BytesIO()
    try:
        PdfSanitizer().sanitize(io.BytesIO(data), build_plan(report, SanitizeOptions(), stage="all"), out)
    except CannotSanitize:
        return  # refused: nothing written, nothing silently left
    after = _scan(tmp_path, out.getvalue())
    assert after.verdict != "block" and after.people == 0
    text = _prose(_extract(out.getvalue()))
    assert not any(n in text for n in names)


def test_name_list_pdf_is_never_passed_after_sanitize(tmp_path: Path) -> None:
    names = _names("de_DE", 6)
    lines = ["Detainees interviewed:"] + [f"{i}. {n}" for i, n in enumerate(names, 1)]
    data = _pdf([[(72, 740 - 16 * i, t) for i, t in enumerate(lines)]])
    report = _scan(tmp_path, data)
    assert report.verdict == "block"
    out = io.BytesIO()
    try:
        PdfSanitizer().sanitize(io.BytesIO(data), build_plan(report, SanitizeOptions(), stage="all"), out)
    except CannotSanitize:
        return
    after = _scan(tmp_path, out.getvalue())
    names_left = any(n in _prose(_extract(out.getvalue())) for n in names) or any(
        n in (v or "") for t in _tables(_extract(out.getvalue())) for r in t.rows for v in r for n in names
    )
    assert not names_left or after.verdict == "block"  # cleaned, or the re-scan still blocks


def test_short_policy_points_and_prose_stay_prose() -> None:
    lines = [
        "The committee met on Tuesday and reviewed the annual budget in detail.",
        "Priorities for next year:",
        "1. Improve access",
        "2. Reduce wait times",
        "3. Publish quarterly data",
        "Members agreed to revisit these points after the summer recess.",
    ]
    out = _extract(_pdf([[(72, 740 - 16 * i, t) for i, t in enumerate(lines)]]))
    for t in _tables(out):
        assert t.role == "list"  # a list, never a form or a grid of words
    assert "committee met" in _prose(out)


# --- whitespace-aligned columns ------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_positioned_columns_become_a_table_with_header(locale: str, tmp_path: Path) -> None:
    fake = Faker(locale)
    fake.seed_instance(3)
    rows = [("SURNAME", "GIVEN NAME", "BIRTH DATE", "CITIZENSHIP")]
    for _ in range(4):
        d = fake.date_of_birth(minimum_age=20, maximum_age=70)
        rows.append(
            (fake.last_name().upper(), fake.first_name().upper(), d.strftime("%d-%b-%Y").upper(), "CUBA")
        )
    xs = [50, 170, 290, 400]
    data = _pdf([[(x, 760 - 16 * i, v) for i, r in enumerate(rows) for x, v in zip(xs, r)]])
    out = _extract(data)
    (table,) = _tables(out)
    assert table.header == rows[0] and [tuple(r) for r in table.rows] == rows[1:]
    assert table.location.page == 1 and table.location.bbox is not None
    assert rows[1][0] not in _prose(out)
    report = _scan(tmp_path, data)
    assert report.verdict == "block" and report.people == 4


def test_two_column_article_is_not_a_table() -> None:
    left = "The council approved the new budget after a long debate about"
    right = "Residents asked for more frequent buses on the northern routes"
    page = []
    for i in range(12):
        page.append((50, 740 - 14 * i, left[: 40 + i % 5]))
        page.append((320, 740 - 14 * i, right[: 40 + i % 4]))
    out = _extract(_pdf([page]))
    assert not _tables(out)


def test_statistics_table_of_counts_is_not_people(tmp_path: Path) -> None:
    rows = [("Fiscal year", "Book-ins", "Removals", "Releases")]
    rows += [
        (str(2015 + i), f"{12000 + 37 * i:,}", f"{8000 + 11 * i:,}", f"{3000 + 7 * i:,}") for i in range(6)
    ]
    xs = [60, 200, 300, 400]
    data = _pdf([[(x, 760 - 16 * i, v) for i, r in enumerate(rows) for x, v in zip(xs, r)]])
    (table,) = _tables(_extract(data))
    assert table.header == rows[0]
    report = _scan(tmp_path, data)
    assert report.verdict == "pass" and report.people == 0


# --- forms -------------------------------------------------------------------------------------


def test_flat_forms_on_two_pages_are_two_records(tmp_path: Path) -> None:
    people = [(n, f"0{k + 3}/1{k}/198{k}", f"A12{k}-456-78{k}") for k, n in enumerate(_names("pt_BR", 2))]
    pages = []
    for name, dob, anum in people:
        pairs = [("Name:", name), ("Date of Birth:", dob), ("A-Number:", anum), ("Country:", "Cuba")]
        page = [(72, 760, "Case record")]
        for i, (a, b) in enumerate(pairs):
            page += [(72, 720 - 24 * i, a), (200, 720 - 24 * i, b)]
        pages.append(page)
    data = _pdf(pages)
    out = _extract(data)
    forms = [t for t in _tables(out) if t.role == "form"]
    assert [t.location.page for t in forms] == [1, 2]
    assert all(
        t.header == ("Name", "Date of Birth", "A-Number", "Country") and len(t.rows) == 1 for t in forms
    )
    assert "Case record" in _prose(out)
    report = _scan(tmp_path, data)
    assert report.verdict == "block" and report.people == 2


def test_memo_header_over_prose_is_not_a_form() -> None:
    lines = ["To: All staff", "From: Facilities", "Subject: Parking"]
    lines += ["The north car park will be closed for resurfacing during the first week of May."] * 6
    out = _extract(_pdf([[(72, 740 - 16 * i, t) for i, t in enumerate(lines)]]))
    assert not [t for t in _tables(out) if t.role == "form"]


@pytest.mark.parametrize("locale", ["en_US", "fr_FR", "de_DE"])
def test_acroform_values_are_one_record_under_labels(locale: str, tmp_path: Path) -> None:
    given, family = _names(locale, 1)[0].split(" ", 1)
    fields = [
        ("Family_name", family),
        ("Given_name", given),
        ("Date_of_birth", "03/04/1985"),
        ("A-Number", "A123-456-789"),
    ]
    page = [(72, 705 - 40 * i, n.replace("_", " ")) for i, (n, _) in enumerate(fields)]
    data = _pdf([page], fields)
    out = _extract(data)
    (table,) = [t for t in _tables(out) if t.role == "form"]
    assert table.header == ("Family name", "Given name", "Date of birth", "A-Number")
    assert [list(r) for r in table.rows] == [[family, given, "03/04/1985", "A123-456-789"]]
    assert table.location.part == "AcroForm"
    assert not [o for o in out if isinstance(o, Segment) and o.role == "form-field"]  # read once
    report = _scan(tmp_path, data)
    assert report.verdict == "block" and report.people == 1
    clean = io.BytesIO()
    PdfSanitizer().sanitize(io.BytesIO(data), build_plan(report, SanitizeOptions(), stage="all"), clean)
    after = _extract(clean.getvalue())
    assert not [t for t in _tables(after) if t.role == "form"]
