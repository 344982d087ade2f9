"""DocxSanitizer: tracked changes (accept / reject), comments, hidden text, alt text, properties,
custom XML, visible text masking; output opens in python-docx and re-scans clean.

Fixtures start from python-docx's own template (a package Word accepts) and splice in the raw
WordprocessingML of each hiding place, so each test shows the markup it covers.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from clearance import formats
from clearance.actions.sanitize.base import Action, ActionKind, Plan, SanitizeOptions
from clearance.actions.sanitize.docx import PLACEHOLDER, DocxSanitizer
from clearance.actions.sanitize.plan import build_plan
from clearance.config.schema import Limits
from clearance.extractors.docx import DocxExtractor
from clearance.model import Document, Location, Segment, Verdict, Visibility
from clearance.plugins import ExtractContext

docx_lib = pytest.importorskip("docx")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NAME = "Ana María Gómez"
OTHER = "Jorge Luis Pérez"
AUTHOR = "Beatriz Quintana"


def r(text: str, rpr: str = "") -> str:
    return f'<w:r>{f"<w:rPr>{rpr}</w:rPr>" if rpr else ""}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _base() -> dict[str, bytes]:
    d = docx_lib.Document()
    d.add_paragraph("PLACEHOLDER-BODY")
    d.core_properties.author = AUTHOR
    d.core_properties.last_modified_by = AUTHOR
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(buf) as z:
        return {n: z.read(n) for n in z.namelist()}


def make(body: str, *, comments: str | None = None, extra_rels: str = "") -> bytes:
    """python-docx's template with ``body`` (raw w:p elements) in place of its one paragraph."""
    parts = _base()
    doc = parts["word/document.xml"].decode()
    start = doc.index("<w:p>") if "<w:p>" in doc else doc.index("<w:p ")
    end = doc.index("</w:p>", start) + len("</w:p>")
    parts["word/document.xml"] = (doc[:start] + body + doc[end:]).encode()
    if comments is not None:
        parts["word/comments.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments xmlns:w="{W}">'
            f"{comments}</w:comments>"
        ).encode()
        ct = (
            parts["[Content_Types].xml"]
            .decode()
            .replace(
                "</Types>",
                '<Override PartName="/word/comments.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>',
            )
        )
        parts["[Content_Types].xml"] = ct.encode()
        extra_rels += f'<Relationship Id="rIdC1" Type="{REL}/comments" Target="comments.xml"/>'
    if extra_rels:
        rels = (
            parts["word/_rels/document.xml.rels"]
            .decode()
            .replace("</Relationships>", extra_rels + "</Relationships>")
        )
        parts["word/_rels/document.xml.rels"] = rels.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return buf.getvalue()


def extract(data: bytes) -> list[Segment]:
    doc = Document("x.docx", len(data), "", formats.DOCX, lambda: io.BytesIO(data))
    return [o for o in DocxExtractor().extract(doc, ExtractContext(Limits())) if isinstance(o, Segment)]


def run(data: bytes, *actions: Action, options: SanitizeOptions | None = None) -> bytes:
    plan = Plan("x.docx", formats.DOCX, actions, options or SanitizeOptions())
    out = io.BytesIO()
    DocxSanitizer().sanitize(io.BytesIO(data), plan, out)
    return out.getvalue()


def opened_text(data: bytes) -> str:
    """Text as python-docx reads it (proves the package opens)."""
    d = docx_lib.Document(io.BytesIO(data))
    return "\n".join(p.text for p in d.paragraphs)


def all_text(data: bytes) -> str:
    return "\n".join(s.text for s in extract(data))


TRACKED = (
    '<w:p><w:r><w:t xml:space="preserve">Contact: </w:t></w:r>'
    f'<w:del w:id="1" w:author="{AUTHOR}"><w:r><w:delText>{NAME}</w:delText></w:r></w:del>'
    f'<w:ins w:id="2" w:author="{AUTHOR}"><w:r><w:t>the duty officer</w:t></w:r></w:ins></w:p>'
)


def test_accept_keeps_insertions_and_drops_deletions() -> None:
    out = run(make(TRACKED), Action(ActionKind.ACCEPT_CHANGES, Location(part="word/document.xml")))
    assert opened_text(out) == "Contact: the duty officer"
    assert NAME not in all_text(out)
    body = [s.text for s in extract(out) if s.location.part == "word/document.xml"]
    assert AUTHOR not in body  # the tracked-change author went with the change
    assert not [s for s in extract(out) if s.visibility is Visibility.TRACKED_CHANGE]


def test_reject_keeps_deletions_and_drops_insertions() -> None:
    out = run(make(TRACKED), Action(ActionKind.REJECT_CHANGES, Location(part="word/document.xml")))
    assert opened_text(out) == f"Contact: {NAME}"
    assert "duty officer" not in all_text(out)
    xml = zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml").decode()
    assert "w:del " not in xml and "w:ins " not in xml and "delText" not in xml


def test_comments_parts_markers_and_references_go() -> None:
    body = (
        '<w:p><w:commentRangeStart w:id="0"/>' + r("Budget line") + '<w:commentRangeEnd w:id="0"/>'
        '<w:r><w:commentReference w:id="0"/></w:r></w:p>'
    )
    comments = f'<w:comment w:id="0" w:author="{AUTHOR}"><w:p>{r(f"Ask {NAME} first")}</w:p></w:comment>'
    data = make(body, comments=comments)
    assert any(s.visibility is Visibility.COMMENT for s in extract(data))
    out = run(data, Action(ActionKind.DROP_COMMENTS, Location()))
    names = zipfile.ZipFile(io.BytesIO(out)).namelist()
    assert "word/comments.xml" not in names
    xml = zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml").decode()
    assert "comment" not in xml
    assert "comments" not in zipfile.ZipFile(io.BytesIO(out)).read("[Content_Types].xml").decode()
    assert opened_text(out) == "Budget line"
    assert NAME not in all_text(out)


def test_hidden_runs_removed_visible_kept() -> None:
    body = f"<w:p>{r('Summary. ')}{r(NAME, '<w:vanish/>')}{r(' Fin.', '<w:b/>')}</w:p>"
    out = run(
        make(body),
        Action(
            ActionKind.DROP_ELEMENT, Location(part="word/document.xml"), visibility=Visibility.HIDDEN_TEXT
        ),
    )
    assert opened_text(out) == "Summary.  Fin."
    assert NAME not in all_text(out)
    assert "<w:b/>" in zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml").decode()


def test_alt_text_cleared() -> None:
    body = (
        '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
        'wordprocessingDrawing"><wp:extent cx="1" cy="1"/>'
        f'<wp:docPr id="1" name="Picture 1" descr="Photo of {NAME}"/>'
        "</wp:inline></w:drawing></w:r></w:p>"
    )
    data = make(body)
    assert any(s.visibility is Visibility.ALT_TEXT for s in extract(data))
    out = run(
        data,
        Action(ActionKind.DROP_ALT_TEXT, Location(part="word/document.xml"), visibility=Visibility.ALT_TEXT),
    )
    assert not [s for s in extract(out) if s.visibility is Visibility.ALT_TEXT]
    docx_lib.Document(io.BytesIO(out))


def test_properties_and_custom_xml_cleared() -> None:
    data = make("<w:p>" + r("Plain") + "</w:p>")
    assert AUTHOR in all_text(data)
    out = run(data, Action(ActionKind.DROP_METADATA, Location(part="docProps/core.xml")))
    assert AUTHOR not in all_text(out)
    d = docx_lib.Document(io.BytesIO(out))
    assert d.core_properties.author == ""


def test_visible_span_masked_keeping_formatting() -> None:
    body = f"<w:p>{r('Letter to ')}{r(NAME, '<w:i/>')}{r(', with thanks.')}</w:p>"
    action = Action(
        ActionKind.REDACT_TEXT, Location(part="word/document.xml", field="paragraph 1"), "person-name"
    )
    object.__setattr__(action, "spans", ((10, 10 + len(NAME)),))  # a plan that carries spans
    out = run(make(body), action)
    assert opened_text(out) == f"Letter to {PLACEHOLDER}, with thanks."
    assert "<w:i/>" in zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml").decode()


def test_visible_paragraph_without_spans_is_replaced_whole() -> None:
    body = f"<w:p>{r('Keep me')}</w:p><w:p>{r(f'Letter to {NAME}')}</w:p>"
    out = run(
        make(body),
        Action(
            ActionKind.REDACT_TEXT, Location(part="word/document.xml", field="paragraph 2"), "person-name"
        ),
    )
    assert opened_text(out) == f"Keep me\n{PLACEHOLDER}"


def test_full_round_trip_rescans_clean(tmp_path: Path) -> None:
    """Every hiding place at once -> plan from the real scan -> sanitize -> re-scan passes."""
    import clearance

    body = (
        f"<w:p>{r('Quarterly figures for the board.')}</w:p>"
        + TRACKED.replace("Contact: ", "Contact list: ")
        + f"<w:p>{r('Note. ')}{r(f'{OTHER}, born 12/03/1961', '<w:vanish/>')}</w:p>"
        '<w:p><w:commentRangeStart w:id="0"/>' + r("See annex") + '<w:commentRangeEnd w:id="0"/>'
        '<w:r><w:commentReference w:id="0"/></w:r></w:p>'
    )
    comments = f'<w:comment w:id="0" w:author="{AUTHOR}"><w:p>{r(f"Call {OTHER} about it")}</w:p></w:comment>'
    src = tmp_path / "in.docx"
    src.write_bytes(make(body, comments=comments))
    before = clearance.scan([src]).files[0]
    assert before.verdict is not Verdict.PASS
    plan = build_plan(before, SanitizeOptions(), stage="all")
    out = io.BytesIO()
    DocxSanitizer().sanitize(io.BytesIO(src.read_bytes()), plan, out)
    dst = tmp_path / "out.docx"
    dst.write_bytes(out.getvalue())
    after = clearance.scan([dst]).files[0]
    assert after.verdict is Verdict.PASS, [(f.entity, f.visibility, f.location) for f in after.findings]
    text = opened_text(out.getvalue())
    assert "Quarterly figures for the board." in text and "the duty officer" in text
    for secret in (NAME, OTHER, AUTHOR):
        assert secret not in all_text(out.getvalue())
