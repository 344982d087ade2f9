"""PptxExtractor: slides in order, hidden slides and shapes, notes, comments, tables, alt text,
embedded chart workbooks, hostile input. Fixtures are raw PresentationML written with zipfile."""

from __future__ import annotations

import io
import zipfile

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.pptx import PptxExtractor
from clearance.model import Document, Note, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext

NS = (
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:p188="http://schemas.microsoft.com/office/powerpoint/2018/8/main"'
)
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def rels(*items: tuple[str, str, str]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{REL}/{t}" Target="{target}"/>' for i, t, target in items)
    return f'<Relationships xmlns="{RELS_NS}">{body}</Relationships>'


def sp(sid: int, *paras: str, ph: str | None = None, hidden: bool = False, descr: str = "") -> str:
    nvpr = f'<p:nvPr><p:ph type="{ph}"/></p:nvPr>' if ph else "<p:nvPr/>"
    extra = (' hidden="1"' if hidden else "") + (f' descr="{descr}"' if descr else "")
    body = "".join(f"<a:p><a:r><a:rPr/><a:t>{t}</a:t></a:r></a:p>" for t in paras)
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{sid}" name="Shape {sid}"{extra}/><p:cNvSpPr/>{nvpr}</p:nvSpPr>'
        f"<p:spPr/><p:txBody><a:bodyPr/>{body}</p:txBody></p:sp>"
    )


def slide(*shapes: str, show: str | None = None) -> str:
    attr = f' show="{show}"' if show is not None else ""
    return (
        f'<?xml version="1.0"?><p:sld {NS}{attr}><p:cSld><p:spTree><p:nvGrpSpPr/><p:grpSpPr/>'
        f"{''.join(shapes)}</p:spTree></p:cSld></p:sld>"
    )


def make_pptx(
    slides: list[str],
    *,
    order: list[int] | None = None,
    parts: dict[str, str | bytes] | None = None,
    slide_rels: dict[int, str] | None = None,
) -> bytes:
    """Slides 1..n as ppt/slides/slideN.xml; ``order`` lists them in presentation order."""
    order = order or list(range(1, len(slides) + 1))
    ids = "".join(f'<p:sldId id="{255 + k}" r:id="rId{k}"/>' for k in order)
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": "<Types/>",
        "_rels/.rels": rels(("rId1", "officeDocument", "ppt/presentation.xml")),
        "ppt/presentation.xml": f"<p:presentation {NS}><p:sldIdLst>{ids}</p:sldIdLst></p:presentation>",
        "ppt/_rels/presentation.xml.rels": rels(
            *((f"rId{k}", "slide", f"slides/slide{k}.xml") for k in order)
        ),
    }
    for k, body in enumerate(slides, 1):
        files[f"ppt/slides/slide{k}.xml"] = body
        if slide_rels and k in slide_rels:
            files[f"ppt/slides/_rels/slide{k}.xml.rels"] = slide_rels[k]
    files.update(parts or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def extract(data: bytes, limits: Limits | None = None) -> list:
    doc = Document("deck.pptx", len(data), "", formats.PPTX, lambda: io.BytesIO(data))
    return list(PptxExtractor().extract(doc, ExtractContext(limits or Limits())))


def segs(out: list) -> list[Segment]:
    return [o for o in out if isinstance(o, Segment)]


def one(out: list, needle: str) -> Segment:
    found = [s for s in segs(out) if needle in s.text]
    assert len(found) == 1, [(s.text, s.visibility) for s in segs(out)]
    return found[0]


def test_plain_deck_visible_text_in_presentation_order() -> None:
    deck = make_pptx(
        [slide(sp(2, "First written")), slide(sp(2, "Second written", "More"))],
        order=[2, 1],
    )
    out = extract(deck)
    assert [(s.text, s.visibility) for s in segs(out)] == [
        ("Second written", Visibility.VISIBLE),
        ("More", Visibility.VISIBLE),
        ("First written", Visibility.VISIBLE),
    ]
    assert segs(out)[0].location.part == "ppt/slides/slide2.xml"
    assert segs(out)[0].location.field == "slide 1 shape 2 paragraph 1"
    assert segs(out)[2].context == ("slide 2",)
    assert not [o for o in out if isinstance(o, Note)]


def test_title_is_context_and_runs_join() -> None:
    body = (
        '<p:sp><p:nvSpPr><p:cNvPr id="3" name="x"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:txBody>'
        "<a:p><a:r><a:t>Ana </a:t></a:r><a:r><a:t>María</a:t></a:r><a:br/><a:r><a:t>Gómez</a:t></a:r></a:p>"
        "</p:txBody></p:sp>"
    )
    out = extract(make_pptx([slide(sp(2, "Case review", ph="title"), body)]))
    seg = one(out, "Ana")
    assert seg.text == "Ana María\nGómez"
    assert seg.context == ("slide 1", "Case review")


def test_hidden_slide_and_orphan_slide() -> None:
    deck = make_pptx(
        [slide(sp(2, "Shown")), slide(sp(2, "Hidden Person"), show="0"), slide(sp(2, "Orphan Person"))],
        order=[1, 2],
    )
    out = extract(deck)
    assert one(out, "Shown").visibility is Visibility.VISIBLE
    assert one(out, "Hidden Person").visibility is Visibility.HIDDEN_SLIDE
    orphan = one(out, "Orphan Person")
    assert orphan.visibility is Visibility.HIDDEN_SLIDE and orphan.location.part == "ppt/slides/slide3.xml"


def test_hidden_shape_is_hidden_text() -> None:
    out = extract(make_pptx([slide(sp(2, "Shown"), sp(3, "Behind Person", hidden=True))]))
    assert one(out, "Behind Person").visibility is Visibility.HIDDEN_TEXT
    assert one(out, "Shown").visibility is Visibility.VISIBLE


def test_speaker_notes() -> None:
    notes = (
        f"<p:notes {NS}><p:cSld><p:spTree>{sp(2, '', ph='sldImg')}{sp(3, 'Call Marta Diaz first', ph='body')}"
        f"{sp(4, '1', ph='sldNum')}</p:spTree></p:cSld></p:notes>"
    )
    deck = make_pptx(
        [slide(sp(2, "Agenda"))],
        parts={"ppt/notesSlides/notesSlide1.xml": notes},
        slide_rels={1: rels(("rId2", "notesSlide", "../notesSlides/notesSlide1.xml"))},
    )
    out = extract(deck)
    seg = one(out, "Marta Diaz")
    assert seg.visibility is Visibility.SPEAKER_NOTES
    assert seg.location.part == "ppt/notesSlides/notesSlide1.xml"
    assert seg.location.field == "slide 1 notes shape 3 paragraph 1"
    assert [s.text for s in segs(out)] == ["Agenda", "Call Marta Diaz first"]  # slide number skipped


def test_legacy_comments_and_authors() -> None:
    comments = (
        f'<p:cmLst {NS}><p:cm authorId="0" dt="2024-01-01T00:00:00" idx="1"><p:pos x="0" y="0"/>'
        "<p:text>Remove Jorge Ruiz before publishing</p:text></p:cm></p:cmLst>"
    )
    authors = (
        f'<p:cmAuthorLst {NS}><p:cmAuthor id="0" name="Kim Reviewer" initials="KR" lastIdx="1" clrIdx="0"/>'
        "</p:cmAuthorLst>"
    )
    deck = make_pptx(
        [slide(sp(2, "x"))],
        parts={"ppt/comments/comment1.xml": comments, "ppt/commentAuthors.xml": authors},
        slide_rels={1: rels(("rId3", "comments", "../comments/comment1.xml"))},
    )
    out = extract(deck)
    c = one(out, "Jorge Ruiz")
    assert (c.visibility, c.role, c.location.part) == (
        Visibility.COMMENT,
        "comment",
        "ppt/comments/comment1.xml",
    )
    assert c.context[0] == "slide 1"
    a = one(out, "Kim Reviewer")
    assert (a.visibility, a.role) == (Visibility.METADATA, "metadata-author")


def test_modern_comments_replies_and_author_accounts() -> None:
    comments = (
        f'<p188:cmLst {NS}><p188:cm id="{{A}}" authorId="{{U1}}"><p188:replyLst>'
        '<p188:reply id="{B}" authorId="{U1}"><p188:txBody><a:bodyPr/><a:p><a:r><a:t>Reply names Lia '
        "Sousa</a:t>"
        "</a:r></a:p></p188:txBody></p188:reply></p188:replyLst>"
        "<p188:txBody><a:bodyPr/><a:p><a:r><a:t>Who is Rui Costa?</a:t></a:r></a:p></p188:txBody></p188:cm>"
        "</p188:cmLst>"
    )
    authors = (
        f'<p188:authorLst {NS}><p188:author id="{{U1}}" name="Ola Nord" initials="ON" '
        'userId="ola.nord@agency.example" providerId="AD"/></p188:authorLst>'
    )
    deck = make_pptx(
        [slide(sp(2, "x"))],
        parts={"ppt/comments/modernComment_100_1.xml": comments, "ppt/authors.xml": authors},
    )
    out = extract(deck)
    assert one(out, "Rui Costa").visibility is Visibility.COMMENT
    assert one(out, "Lia Sousa").visibility is Visibility.COMMENT
    assert one(out, "Ola Nord").role == "metadata-author"
    assert one(out, "ola.nord@agency.example").role == "metadata-author"


def test_table_with_header() -> None:
    def tc(t: str) -> str:
        return f"<a:tc><a:txBody><a:bodyPr/><a:p><a:r><a:t>{t}</a:t></a:r></a:p></a:txBody></a:tc>"

    rows = [
        tc("Name") + tc("Country"),
        tc("Eva Marin") + tc("Chile"),
        tc("Leo Brandt") + '<a:tc hMerge="1"><a:txBody><a:p/></a:txBody></a:tc>',
    ]
    frame = (
        '<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="7" name="Table 7"/><p:cNvGraphicFramePr/><p:nvPr/>'
        "</p:nvGraphicFramePr><a:graphic><a:graphicData><a:tbl><a:tblGrid/>"
        + "".join(f"<a:tr>{x}</a:tr>" for x in rows)
        + "</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"
    )
    out = extract(make_pptx([slide(sp(2, "x")), slide(frame, show="0")]))
    tables = [o for o in out if isinstance(o, Table)]
    assert len(tables) == 1
    t = tables[0]
    assert t.header == ("Name", "Country")
    assert [list(r) for r in t.rows] == [["Eva Marin", "Chile"], ["Leo Brandt", None]]
    assert t.visibility is Visibility.HIDDEN_SLIDE
    assert t.location.part == "ppt/slides/slide2.xml" and t.location.field == "slide 2 table 7"


def test_alt_text_and_group_shapes() -> None:
    pic = (
        '<p:grpSp><p:nvGrpSpPr><p:cNvPr id="9" name="Group"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
        "<p:grpSpPr/>"
        '<p:pic><p:nvPicPr><p:cNvPr id="10" name="Picture" descr="Badge photo of Nils Berg"/><p:cNvPicPr/>'
        "<p:nvPr/>"
        "</p:nvPicPr><p:blipFill/><p:spPr/></p:pic>" + sp(11, "Grouped text") + "</p:grpSp>"
    )
    out = extract(make_pptx([slide(pic)]))
    seg = one(out, "Nils Berg")
    assert (seg.visibility, seg.role) == (Visibility.ALT_TEXT, "alt-text")
    assert seg.location.field == "slide 1 shape 10 alt text"
    assert one(out, "Grouped text").visibility is Visibility.VISIBLE


def test_chart_workbook_and_properties() -> None:
    wb = io.BytesIO()
    with zipfile.ZipFile(wb, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    core = (
        "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Deck Author</dc:creator></cp:coreProperties>'
    )
    deck = make_pptx(
        [slide(sp(2, "x"))],
        parts={
            "ppt/embeddings/Microsoft_Excel_Worksheet1.xlsx": wb.getvalue(),
            "docProps/core.xml": core,
            "ppt/vbaProject.bin": b"x",
        },
    )
    out = extract(deck)
    kids = [o for o in out if isinstance(o, Document)]
    assert len(kids) == 1
    assert kids[0].media_type == formats.XLSX and kids[0].visibility is Visibility.EMBEDDED_FILE
    assert kids[0].members == ("ppt/embeddings/Microsoft_Excel_Worksheet1.xlsx",)
    assert one(out, "Deck Author").role == "metadata-author"
    assert "macro" in {o.code for o in out if isinstance(o, Note)}


def test_alternate_content_fallback_not_double_counted() -> None:
    shape = sp(5, "Once only")
    alt = (
        f'<mc:AlternateContent><mc:Choice Requires="p14">{shape}</mc:Choice>'
        f"<mc:Fallback>{shape}</mc:Fallback></mc:AlternateContent>"
    )
    out = extract(make_pptx([slide(alt)]))
    assert one(out, "Once only").visibility is Visibility.VISIBLE


# --- hostile and broken input ------------------------------------------------------------------


def test_truncated_zip() -> None:
    data = make_pptx([slide(sp(2, "x"))])
    with pytest.raises(Unscannable) as e:
        extract(data[:100])
    assert e.value.code == "corrupt"


def test_missing_presentation_part() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ppt/slides/slide1.xml", slide(sp(2, "x")))
    with pytest.raises(Unscannable) as e:
        extract(buf.getvalue())
    assert "not a valid PowerPoint presentation" in e.value.reason


def test_entities_in_slide_refused() -> None:
    evil = (
        '<?xml version="1.0"?><!DOCTYPE p:sld [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        + slide(sp(2, "&b;")).split("?>", 1)[1]
    )
    with pytest.raises(Unscannable) as e:
        extract(make_pptx([evil]))
    assert e.value.code == "xml-attack"


def test_encrypted_pptx() -> None:
    with pytest.raises(Unscannable) as e:
        extract(formats.CFB_MAGIC + b"\x00" * 512)
    assert e.value.code == "encrypted"


def test_oversized_slide_part() -> None:
    data = make_pptx([slide(sp(2, "y" * 5000))])
    with pytest.raises(Unscannable) as e:
        extract(data, Limits(max_member_bytes=2000))
    assert e.value.code == "bomb"


def test_chart_categories_series_and_smartart() -> None:
    chart = (
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f"{NS}><c:chart><c:title><c:tx><c:rich><a:p><a:r><a:t>Days held</a:t></a:r></a:p></c:rich></c:tx>"
        '</c:title><c:plotArea><c:barChart><c:ser><c:tx><c:strRef><c:strCache><c:pt idx="0"><c:v>Series '
        "A</c:v>"
        "</c:pt></c:strCache></c:strRef></c:tx><c:cat><c:strRef><c:strCache>"
        '<c:pt idx="0"><c:v>Sara Lind</c:v></c:pt><c:pt idx="1"><c:v>Omar Said</c:v></c:pt>'
        "</c:strCache></c:strRef></c:cat></c:ser></c:barChart></c:plotArea></c:chart></c:chartSpace>"
    )
    data = (
        '<dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" '
        f"{NS}><dgm:ptLst><dgm:pt><dgm:t><a:bodyPr/><a:p><a:r><a:t>Team lead Vera Holm</a:t></a:r></a:p>"
        "</dgm:t></dgm:pt></dgm:ptLst></dgm:dataModel>"
    )
    deck = make_pptx(
        [slide(sp(2, "x"))], parts={"ppt/charts/chart1.xml": chart, "ppt/diagrams/data1.xml": data}
    )
    out = extract(deck)
    tables = [o for o in out if isinstance(o, Table)]
    assert len(tables) == 1 and tables[0].role == "chart"
    assert [list(r) for r in tables[0].rows] == [["Sara Lind"], ["Omar Said"]]
    assert tables[0].location.part == "ppt/charts/chart1.xml"
    assert one(out, "Days held").context == ("chart title",)
    assert one(out, "Series A").context == ("chart series name",)
    smart = one(out, "Vera Holm")
    assert smart.visibility is Visibility.VISIBLE and smart.location.part == "ppt/diagrams/data1.xml"
