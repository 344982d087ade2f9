"""PptxSanitizer: speaker notes, hidden slides, comments and their authors, visible text; the
output opens in python-pptx and re-scans clean. Fixtures start from python-pptx's template and
splice in the raw PresentationML of each hiding place."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from clearance import formats
from clearance.actions.sanitize.base import Action, ActionKind, Plan, SanitizeOptions
from clearance.actions.sanitize.plan import build_plan
from clearance.actions.sanitize.pptx import PLACEHOLDER, PptxSanitizer
from clearance.model import Location, Verdict, Visibility

pptx_lib = pytest.importorskip("pptx")

NAME = "Ana María Gómez"
OTHER = "Jorge Luis Pérez"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"


def make(*, hidden_second: bool = True, comment: bool = True) -> bytes:
    prs = pptx_lib.Presentation()
    layout = prs.slide_layouts[1]
    s1 = prs.slides.add_slide(layout)
    s1.shapes.title.text = "Quarterly figures"
    s1.placeholders[1].text = "Arrivals rose by 4%."
    s1.notes_slide.notes_text_frame.text = f"Mention that {NAME} prepared the data."
    s2 = prs.slides.add_slide(layout)
    s2.shapes.title.text = "Caseworker list"
    s2.placeholders[1].text = f"{OTHER}, born 12/03/1961"
    buf = io.BytesIO()
    prs.save(buf)
    with zipfile.ZipFile(buf) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    if hidden_second:
        parts["ppt/slides/slide2.xml"] = parts["ppt/slides/slide2.xml"].replace(
            b"<p:sld ", b'<p:sld show="0" ', 1
        )
    if comment:
        parts["ppt/comments/comment1.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:cmLst xmlns:p="{P_NS}">'
            f'<p:cm authorId="0" idx="1"><p:pos x="10" y="10"/><p:text>Check with {OTHER}</p:text></p:cm>'
            "</p:cmLst>"
        ).encode()
        parts["ppt/commentAuthors.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:cmAuthorLst xmlns:p="{P_NS}">'
            f'<p:cmAuthor id="0" name="{NAME}" initials="AG" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>'
        ).encode()
        rels = (
            parts["ppt/slides/_rels/slide1.xml.rels"]
            .decode()
            .replace(
                "</Relationships>",
                f'<Relationship Id="rId99" Type="{REL}/comments" Target="../comments/comment1.xml"/>'
                "</Relationships>",
            )
        )
        parts["ppt/slides/_rels/slide1.xml.rels"] = rels.encode()
        prels = (
            parts["ppt/_rels/presentation.xml.rels"]
            .decode()
            .replace(
                "</Relationships>",
                f'<Relationship Id="rId98" Type="{REL}/commentAuthors" Target="commentAuthors.xml"/>'
                "</Relationships>",
            )
        )
        parts["ppt/_rels/presentation.xml.rels"] = prels.encode()
        ct = (
            parts["[Content_Types].xml"]
            .decode()
            .replace(
                "</Types>",
                '<Override PartName="/ppt/comments/comment1.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.presentationml.comments+xml"/><Override PartName="/ppt/commentAuthors.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.presentationml.commentAuthors+xml"/></Types>',
            )
        )
        parts["[Content_Types].xml"] = ct.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return out.getvalue()


def run(data: bytes, *actions: Action) -> bytes:
    out = io.BytesIO()
    PptxSanitizer().sanitize(io.BytesIO(data), Plan("x.pptx", formats.PPTX, actions, SanitizeOptions()), out)
    return out.getvalue()


def all_bytes(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(z.read(n) for n in z.namelist())


def test_notes_removed_with_their_relationships() -> None:
    out = run(
        make(hidden_second=False, comment=False),
        Action(ActionKind.DROP_NOTES, Location(), visibility=Visibility.SPEAKER_NOTES),
    )
    names = zipfile.ZipFile(io.BytesIO(out)).namelist()
    assert not [n for n in names if n.lower().startswith("ppt/notesslides/")]
    assert NAME.encode() not in all_bytes(out)
    prs = pptx_lib.Presentation(io.BytesIO(out))
    assert len(prs.slides) == 2 and not prs.slides[0].has_notes_slide


def test_hidden_slide_removed_entirely() -> None:
    out = run(
        make(comment=False),
        Action(
            ActionKind.DROP_ELEMENT,
            Location(part="ppt/slides/slide2.xml"),
            visibility=Visibility.HIDDEN_SLIDE,
        ),
    )
    prs = pptx_lib.Presentation(io.BytesIO(out))
    assert len(prs.slides) == 1
    assert prs.slides[0].shapes.title.text == "Quarterly figures"
    assert OTHER.encode() not in all_bytes(out)
    assert b"slide2.xml" not in zipfile.ZipFile(io.BytesIO(out)).read("[Content_Types].xml")


def test_comments_and_authors_removed() -> None:
    out = run(make(hidden_second=False), Action(ActionKind.DROP_COMMENTS, Location()))
    names = zipfile.ZipFile(io.BytesIO(out)).namelist()
    assert "ppt/comments/comment1.xml" not in names and "ppt/commentAuthors.xml" not in names
    assert b"comment" not in zipfile.ZipFile(io.BytesIO(out)).read("ppt/slides/_rels/slide1.xml.rels")
    pptx_lib.Presentation(io.BytesIO(out))


def test_visible_paragraph_masked() -> None:
    data = make(hidden_second=False, comment=False)
    prs = pptx_lib.Presentation(io.BytesIO(data))
    sid = prs.slides[1].placeholders[1].shape_id
    out = run(
        data,
        Action(
            ActionKind.REDACT_TEXT,
            Location(part="ppt/slides/slide2.xml", field=f"slide 2 shape {sid} paragraph 1"),
            "person-name",
        ),
    )
    prs = pptx_lib.Presentation(io.BytesIO(out))
    assert prs.slides[1].placeholders[1].text == PLACEHOLDER
    assert prs.slides[1].shapes.title.text == "Caseworker list"


def test_round_trip_rescans_clean(tmp_path: Path) -> None:
    import clearance

    src = tmp_path / "in.pptx"
    src.write_bytes(make())
    before = clearance.scan([src]).files[0]
    assert before.verdict is not Verdict.PASS
    out = io.BytesIO()
    PptxSanitizer().sanitize(
        io.BytesIO(src.read_bytes()), build_plan(before, SanitizeOptions(), stage="all"), out
    )
    dst = tmp_path / "out.pptx"
    dst.write_bytes(out.getvalue())
    after = clearance.scan([dst]).files[0]
    assert after.verdict is Verdict.PASS, [(f.entity, f.visibility, f.location) for f in after.findings]
    prs = pptx_lib.Presentation(io.BytesIO(out.getvalue()))
    assert [s.shapes.title.text for s in prs.slides] == ["Quarterly figures"]
    assert prs.slides[0].placeholders[1].text == "Arrivals rose by 4%."
