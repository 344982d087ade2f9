"""DocxExtractor: every hiding place with its Visibility, role and Location; negatives; hostile input.

Fixtures are raw WordprocessingML written with zipfile, so each test shows exactly the markup
Word writes for the hiding place it covers.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.docx import DocxExtractor
from clearance.model import Document, Note, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (
    f'xmlns:w="{W}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"'
)
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NAME = "Ana María Gómez"


def p(*runs: str, ppr: str = "") -> str:
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def r(text: str, rpr: str = "") -> str:
    return f'<w:r>{f"<w:rPr>{rpr}</w:rPr>" if rpr else ""}<w:t xml:space="preserve">{text}</w:t></w:r>'


def make_docx(
    body: str,
    *,
    parts: dict[str, str | bytes] | None = None,
    doc_rels: list[tuple[str, str, str]] | None = None,
    root_extra: str = "",
) -> bytes:
    """A minimal .docx: body XML plus extra parts and document relationships (id, type, target)."""
    rels = "".join(
        f'<Relationship Id="{i}" Type="{REL}/{t}" Target="{target}"'
        + (' TargetMode="External"' if target.startswith(("http", "file", "mailto")) else "")
        + "/>"
        for i, t, target in doc_rels or []
    )
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="{RELS_NS}"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:document {NS}>{root_extra}<w:body>{body}<w:sectPr/></w:body></w:document>",
        "word/_rels/document.xml.rels": f'<Relationships xmlns="{RELS_NS}">{rels}</Relationships>',
        **(parts or {}),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def doc_of(data: bytes, path: str = "letter.docx", depth: int = 0) -> Document:
    return Document(path, len(data), "", formats.DOCX, lambda: io.BytesIO(data), depth=depth)


def extract(data: bytes, limits: Limits | None = None, **kw: object) -> list:
    return list(DocxExtractor().extract(doc_of(data, **kw), ExtractContext(limits or Limits())))


def segs(out: list) -> list[Segment]:
    return [o for o in out if isinstance(o, Segment)]


def find(out: list, needle: str) -> list[Segment]:
    return [s for s in segs(out) if needle in s.text]


def one(out: list, needle: str) -> Segment:
    found = find(out, needle)
    assert len(found) == 1, [(s.text, s.visibility) for s in segs(out)]
    return found[0]


# --- negatives ------------------------------------------------------------------------------


def test_plain_document_yields_visible_text_only() -> None:
    out = extract(make_docx(p(r("Annual report")) + p(r("All figures are "), r("rounded."))))
    texts = [(s.text, s.visibility, s.role) for s in segs(out)]
    assert texts == [
        ("Annual report", Visibility.VISIBLE, "text"),
        ("All figures are rounded.", Visibility.VISIBLE, "text"),
    ]
    assert segs(out)[1].location.field == "paragraph 2"
    assert segs(out)[1].location.part == "word/document.xml"
    assert not [o for o in out if isinstance(o, Note)]


def test_vanish_off_and_grey_text_stay_visible() -> None:
    body = p(r("Shown", '<w:vanish w:val="0"/>'), r(" grey", '<w:color w:val="808080"/>'))
    out = extract(make_docx(body))
    assert [(s.text, s.visibility) for s in segs(out)] == [("Shown grey", Visibility.VISIBLE)]


def test_tabs_breaks_and_split_runs_join() -> None:
    body = p(r("Ana "), r("María"), "<w:r><w:tab/><w:t>x</w:t><w:br/><w:t>y</w:t></w:r>")
    assert segs(extract(make_docx(body)))[0].text == "Ana María\tx\ny"


# --- hidden text, tracked changes, invisible formatting ---------------------------------------


def test_mixed_paragraph_splits_by_visibility() -> None:
    body = p(
        r("Applicant: "),
        r(NAME, "<w:vanish/>"),
        r(" born "),
        '<w:del w:id="1" w:author="Rev One"><w:r><w:delText>3 March 1987</w:delText></w:r></w:del>',
        '<w:ins w:id="2" w:author="Rev Two"><w:r><w:t>[withheld]</w:t></w:r></w:ins>',
    )
    out = extract(make_docx(body))
    assert one(out, "Applicant").text == "Applicant:  born "
    assert one(out, "Applicant").visibility is Visibility.VISIBLE
    hidden = one(out, NAME)
    assert hidden.text == NAME and hidden.visibility is Visibility.HIDDEN_TEXT
    assert hidden.location.field == "paragraph 1 (hidden)"
    deleted = one(out, "1987")
    assert deleted.text == "3 March 1987" and deleted.visibility is Visibility.TRACKED_CHANGE
    assert deleted.location.field == "paragraph 1 (deleted)"
    inserted = one(out, "withheld")
    assert (
        inserted.visibility is Visibility.TRACKED_CHANGE
        and inserted.location.field == "paragraph 1 (inserted)"
    )
    authors = {s.text: s for s in segs(out) if s.role == "metadata-author"}
    assert set(authors) == {"Rev One", "Rev Two"}
    assert all(a.visibility is Visibility.METADATA for a in authors.values())


def test_hidden_through_character_and_paragraph_styles() -> None:
    styles = (
        f"<w:styles {NS}>"
        '<w:style w:type="character" w:styleId="Secret"><w:name w:val="Secret"/><w:rPr><w:vanish/></w:rPr>'
        "</w:style>"
        '<w:style w:type="character" w:styleId="Secret2"><w:name w:val="Secret2"/><w:basedOn w:val="Secret"/>'
        "</w:style>"
        '<w:style w:type="paragraph" w:styleId="HiddenPara"><w:name w:val="Hidden para"/><w:rPr><w:vanish/>'
        "</w:rPr></w:style>"
        "</w:styles>"
    )
    body = p(r("seen "), r("Alpha Person", '<w:rStyle w:val="Secret2"/>')) + p(
        r("Beta Person"), ppr='<w:pPr><w:pStyle w:val="HiddenPara"/></w:pPr>'
    )
    out = extract(
        make_docx(body, parts={"word/styles.xml": styles}, doc_rels=[("rId9", "styles", "styles.xml")])
    )
    assert one(out, "Alpha").visibility is Visibility.HIDDEN_TEXT
    assert one(out, "Beta").visibility is Visibility.HIDDEN_TEXT
    assert one(out, "seen").visibility is Visibility.VISIBLE


def test_white_and_tiny_text_is_invisible_format_unless_shaded() -> None:
    body = (
        p(r("Plain "), r("White Person", '<w:color w:val="FFFFFF"/>'))
        + p(r("Tiny Person", '<w:sz w:val="2"/>'))
        + p(r("On dark", '<w:color w:val="FFFFFF"/><w:shd w:val="clear" w:fill="000000"/>'))
    )
    out = extract(make_docx(body))
    assert one(out, "White Person").visibility is Visibility.INVISIBLE_FORMAT
    assert one(out, "Tiny Person").visibility is Visibility.INVISIBLE_FORMAT
    assert one(out, "On dark").visibility is Visibility.VISIBLE


def test_move_from_is_deleted_text() -> None:
    body = p('<w:moveFrom w:id="3" w:author="Mover"><w:r><w:t>Old Place Person</w:t></w:r></w:moveFrom>')
    out = extract(make_docx(body))
    assert one(out, "Old Place").visibility is Visibility.TRACKED_CHANGE
    assert one(out, "Mover").role == "metadata-author"


# --- headings, tables, text boxes, alt text --------------------------------------------------


def test_heading_is_context_of_following_paragraphs() -> None:
    styles = (
        f'<w:styles {NS}><w:style w:type="paragraph" w:styleId="Heading1">'
        '<w:name w:val="heading 1"/></w:style></w:styles>'
    )
    body = p(r("Case files"), ppr='<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>') + p(r("Details follow"))
    out = extract(
        make_docx(body, parts={"word/styles.xml": styles}, doc_rels=[("rId9", "styles", "styles.xml")])
    )
    assert one(out, "Details").context == ("Case files",)


def tc(text: str, rpr: str = "", tcpr: str = "") -> str:
    return f"<w:tc>{tcpr}{p(r(text, rpr))}</w:tc>"


def test_table_becomes_table_with_header_and_hidden_cells() -> None:
    rows = [
        tc("Name") + tc("Nationality"),
        tc(NAME) + tc("Honduras"),
        tc("Luis Pérez", "<w:vanish/>") + tc("Guatemala"),
    ]
    body = "<w:tbl><w:tblPr/>" + "".join(f"<w:tr>{x}</w:tr>" for x in rows) + "</w:tbl>"
    out = extract(make_docx(p(r("Intro")) + body))
    tables = [o for o in out if isinstance(o, Table)]
    assert len(tables) == 1
    t = tables[0]
    assert t.header == ("Name", "Nationality")
    assert [list(x) for x in t.rows] == [[NAME, "Honduras"], ["Luis Pérez", "Guatemala"]]
    assert t.location.part == "word/document.xml" and t.location.field == "table 1"
    assert t.visibility_of(0, 0) is Visibility.VISIBLE
    assert t.visibility_of(1, 0) is Visibility.HIDDEN_TEXT
    assert t.visibility_of(1, 1) is Visibility.VISIBLE
    assert not find(out, NAME)  # cells are in the Table, not repeated as Segments


def test_mixed_cell_reports_hidden_piece_with_column_context() -> None:
    rows = [
        tc("Name") + tc("Note"),
        "<w:tc>" + p(r("Visible"), r(" Secret Person", "<w:vanish/>")) + "</w:tc>" + tc("x"),
    ]
    body = "<w:tbl>" + "".join(f"<w:tr>{x}</w:tr>" for x in rows) + "</w:tbl>"
    out = extract(make_docx(body))
    seg = one(out, "Secret Person")
    assert seg.visibility is Visibility.HIDDEN_TEXT
    assert seg.location.field == "table 1 row 2 column 1 (hidden)"
    assert "column: Name" in seg.context


def test_text_box_read_once_despite_fallback() -> None:
    box = (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        '<wp:docPr id="1" name="Text Box 1"/><a:graphic><a:graphicData><wps:wsp><wps:txbx>'
        f"<w:txbxContent>{p(r('Boxed Person'))}</w:txbxContent>"
        "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{p(r('Boxed Person'))}</w:txbxContent>"
        "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )
    out = extract(make_docx(p(r("Before"), box)))
    seg = one(out, "Boxed Person")
    assert seg.visibility is Visibility.VISIBLE
    assert "text box" in seg.context


def test_alt_text_of_image() -> None:
    drawing = (
        '<w:r><w:drawing><wp:inline><wp:docPr id="4" name="Picture 4" descr="Photo of Carla Ruiz at intake"/>'
        '<a:graphic><a:graphicData><pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="x.jpg" '
        'descr="Photo of Carla Ruiz at intake"/></pic:nvPicPr></pic:pic></a:graphicData></a:graphic>'
        "</wp:inline></w:drawing></w:r>"
    )
    out = extract(make_docx(p(r("Figure"), drawing)))
    seg = one(out, "Carla Ruiz")  # docPr and pic:cNvPr repeat it: reported once
    assert seg.visibility is Visibility.ALT_TEXT and seg.role == "alt-text"
    assert seg.location.field == "paragraph 1 alt text"


# --- other parts ---------------------------------------------------------------------------


def part_xml(root: str, inner: str) -> str:
    return f'<?xml version="1.0"?><w:{root} {NS}>{inner}</w:{root}>'


def test_headers_footers_footnotes_endnotes() -> None:
    parts = {
        "word/header1.xml": part_xml("hdr", p(r("Header Person"))),
        "word/footer2.xml": part_xml("ftr", p(r("Footer Person"))),
        "word/footnotes.xml": part_xml(
            "footnotes",
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            f'<w:footnote w:id="1">{p(r("Footnote Person"))}</w:footnote>',
        ),
        "word/endnotes.xml": part_xml(
            "endnotes", f'<w:endnote w:id="2">{p(r("Endnote Person"))}</w:endnote>'
        ),
    }
    out = extract(make_docx(p(r("Body")), parts=parts))
    assert one(out, "Header Person").location.part == "word/header1.xml"
    assert one(out, "Header Person").context == ("header",)
    assert one(out, "Footer Person").context == ("footer",)
    assert one(out, "Footnote Person").context == ("footnote 1",)
    assert one(out, "Footnote Person").location.part == "word/footnotes.xml"
    assert one(out, "Endnote Person").visibility is Visibility.VISIBLE


def test_comments_with_anchor_and_author() -> None:
    body = p(
        r("Decision for "),
        '<w:commentRangeStart w:id="3"/>',
        r("the applicant"),
        '<w:commentRangeEnd w:id="3"/>',
        '<w:r><w:commentReference w:id="3"/></w:r>',
    )
    comments = part_xml(
        "comments",
        '<w:comment w:id="3" w:author="Jane Reviewer" '
        f'w:initials="JR">{p(r("This is Pedro Alvarez"))}</w:comment>',
    )
    out = extract(make_docx(body, parts={"word/comments.xml": comments}))
    c = one(out, "Pedro Alvarez")
    assert c.visibility is Visibility.COMMENT and c.role == "comment"
    assert c.location.part == "word/comments.xml" and c.location.field == "comment 3 paragraph 1"
    assert c.context == ("comment 3", "on: the applicant")
    a = one(out, "Jane Reviewer")
    assert (a.visibility, a.role, a.location.field) == (
        Visibility.METADATA,
        "metadata-author",
        "comment 3 author",
    )


def test_people_part_authors_and_account_ids() -> None:
    people = (
        part_xml(
            "people",
            '<w15:person w15:author="Jane Reviewer"><w15:presenceInfo w15:providerId="AD" '
            'w15:userId="S::jane.reviewer@agency.example::1"/></w15:person>',
        )
        .replace("<w:people", "<w15:people")
        .replace("</w:people>", "</w15:people>")
    )
    out = extract(make_docx(p(r("x")), parts={"word/people.xml": people}))
    assert one(out, "Jane Reviewer").role == "metadata-author"
    assert one(out, "jane.reviewer@agency.example").role == "metadata-author"


def test_properties_core_app_custom() -> None:
    core = (
        "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Olga Author</dc:creator>'
        "<cp:lastModifiedBy>Max Editor</cp:lastModifiedBy><dc:title>Case of Rosa Diaz</dc:title>"
        "</cp:coreProperties>"
    )
    custom = (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property name="Client"><vt:lpwstr>Hugo Banner</vt:lpwstr></property></Properties>'
    )
    out = extract(make_docx(p(r("x")), parts={"docProps/core.xml": core, "docProps/custom.xml": custom}))
    assert one(out, "Olga Author").role == "metadata-author"
    assert one(out, "Max Editor").role == "metadata-author"
    title = one(out, "Rosa Diaz")
    assert (title.visibility, title.role, title.location.part) == (
        Visibility.METADATA,
        "metadata",
        "docProps/core.xml",
    )
    assert one(out, "Hugo Banner").location.field == "Client"


def test_document_variables_and_custom_xml() -> None:
    settings = part_xml("settings", '<w:docVars><w:docVar w:name="client" w:val="Ines Castro"/></w:docVars>')
    item = "<root><Owner>Tomas Lind</Owner></root>"
    out = extract(make_docx(p(r("x")), parts={"word/settings.xml": settings, "customXml/item1.xml": item}))
    var = one(out, "Ines Castro")
    assert var.visibility is Visibility.METADATA and var.location.field == "document variable client"
    cx = one(out, "Tomas Lind")
    assert cx.visibility is Visibility.METADATA and cx.location.part == "customXml/item1.xml"


def test_glossary_text_is_hidden() -> None:
    glossary = part_xml(
        "glossaryDocument",
        f"<w:docParts><w:docPart><w:docPartBody>{p(r('Stored Person'))}"
        "</w:docPartBody></w:docPart></w:docParts>",
    )
    out = extract(make_docx(p(r("x")), parts={"word/glossary/document.xml": glossary}))
    assert one(out, "Stored Person").visibility is Visibility.HIDDEN_TEXT


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def test_embedded_workbook_is_child_document() -> None:
    out = extract(
        make_docx(p(r("x")), parts={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": xlsx_bytes()})
    )
    kids = [o for o in out if isinstance(o, Document)]
    assert len(kids) == 1
    kid = kids[0]
    assert kid.media_type == formats.XLSX
    assert kid.visibility is Visibility.EMBEDDED_FILE
    assert kid.members == ("word/embeddings/Microsoft_Excel_Worksheet.xlsx",)
    assert kid.depth == 1 and kid.path == "letter.docx!word/embeddings/Microsoft_Excel_Worksheet.xlsx"


def test_unreadable_ole_object_is_blocking_note() -> None:
    broken = formats.CFB_MAGIC + b"\x00" * 100  # a compound-file header and nothing else
    out = extract(make_docx(p(r("x")), parts={"word/embeddings/oleObject1.bin": broken}))
    notes = [o for o in out if isinstance(o, Note) and o.blocking]
    assert len(notes) == 1 and notes[0].location.part == "word/embeddings/oleObject1.bin"
    assert not [o for o in out if isinstance(o, Document)]


def test_embedding_too_deep_is_blocking_note() -> None:
    data = make_docx(p(r("x")), parts={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": xlsx_bytes()})
    out = extract(data, Limits(max_depth=2), depth=2)
    assert [o.code for o in out if isinstance(o, Note) and o.blocking] == ["embedded-too-deep"]


def test_macro_and_external_template_are_noted() -> None:
    settings_rels = (
        f'<Relationships xmlns="{RELS_NS}"><Relationship Id="rId1" Type="{REL}/attachedTemplate" '
        'Target="file:///C:/Users/jdoe/Templates/Letter.dotm" TargetMode="External"/></Relationships>'
    )
    parts = {
        "word/vbaProject.bin": b"\x00" * 10,
        "word/settings.xml": part_xml("settings", ""),
        "word/_rels/settings.xml.rels": settings_rels,
    }
    out = extract(
        make_docx(p(r("x")), parts=parts, doc_rels=[("rId5", "hyperlink", "mailto:ana@example.org")])
    )
    codes = {o.code for o in out if isinstance(o, Note)}
    assert {"macro", "external-link"} <= codes
    target = one(out, "jdoe")
    assert target.visibility is Visibility.EXTERNAL_LINK and target.location.part == "word/settings.xml"
    link = one(out, "mailto:ana@example.org")
    assert link.role == "hyperlink"
    assert not any(o.blocking for o in out if isinstance(o, Note))


# --- hostile and broken input ------------------------------------------------------------------


def test_truncated_zip_is_unscannable() -> None:
    data = make_docx(p(r("x")))
    with pytest.raises(Unscannable) as e:
        extract(data[: len(data) // 2])
    assert e.value.code == "corrupt"


def test_missing_main_part_is_unscannable() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(Unscannable) as e:
        extract(buf.getvalue())
    assert "not a valid Word document" in e.value.reason


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
    ],
)
def test_dtd_and_entities_are_refused(prolog: str) -> None:
    data = make_docx(p(r("x")))
    evil = make_docx(
        p(r("x")),
        parts={"word/document.xml": f'<?xml version="1.0"?>{prolog}<w:document {NS}><w:body/></w:document>'},
    )
    assert data != evil
    with pytest.raises(Unscannable) as e:
        extract(evil)
    assert e.value.code == "xml-attack"


def test_password_protected_docx_is_encrypted() -> None:
    with pytest.raises(Unscannable) as e:
        extract(formats.CFB_MAGIC + b"\x00" * 512)
    assert e.value.code == "encrypted"


def test_oversized_part_is_unscannable() -> None:
    data = make_docx(p(r("x" * 5000)))
    with pytest.raises(Unscannable) as e:
        extract(data, Limits(max_member_bytes=1000))
    assert e.value.code == "bomb"


def test_malformed_xml_is_unscannable_without_values() -> None:
    data = make_docx("", parts={"word/document.xml": f"<w:document {NS}><w:body><w:p>{NAME}"})
    with pytest.raises(Unscannable) as e:
        extract(data)
    assert NAME not in e.value.reason


def test_pathologically_deep_nesting_fails_closed() -> None:
    depth = 5000
    body = "<w:sdt><w:sdtContent>" * depth + p(r(NAME)) + "</w:sdtContent></w:sdt>" * depth
    with pytest.raises(Unscannable) as e:
        extract(make_docx(body))
    assert e.value.code == "corrupt" and NAME not in e.value.reason
