"""OdtExtractor: paragraphs, tables, hidden text, tracked changes, annotations, meta, embedded
objects, hostile input. Fixtures are raw ODF XML written with zipfile."""

from __future__ import annotations

import io
import zipfile

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.odf_text import OdtExtractor
from clearance.model import Document, Note, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
)
ODT_TYPE = "application/vnd.oasis.opendocument.text"


def content(body: str, styles: str = "", kind: str = "text") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}>'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body><office:{kind}>{body}</office:{kind}></office:body></office:document-content>"
    )


def make_odt(
    body: str,
    *,
    styles: str = "",
    parts: dict[str, str | bytes] | None = None,
    manifest: list[tuple[str, str]] | None = None,
    mimetype: str = ODT_TYPE,
) -> bytes:
    entries = "".join(
        f'<manifest:file-entry manifest:full-path="{path}" manifest:media-type="{media}"/>'
        for path, media in [("/", mimetype), ("content.xml", "text/xml"), *(manifest or [])]
    )
    files: dict[str, str | bytes] = {
        "content.xml": content(body, styles),
        "META-INF/manifest.xml": f"<manifest:manifest {NS}>{entries}</manifest:manifest>",
        **(parts or {}),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def extract(data: bytes, limits: Limits | None = None, depth: int = 0) -> list:
    doc = Document("letter.odt", len(data), "", formats.ODT, lambda: io.BytesIO(data), depth=depth)
    return list(OdtExtractor().extract(doc, ExtractContext(limits or Limits())))


def segs(out: list) -> list[Segment]:
    return [o for o in out if isinstance(o, Segment)]


def one(out: list, needle: str) -> Segment:
    found = [s for s in segs(out) if needle in s.text]
    assert len(found) == 1, [(s.text, s.visibility) for s in segs(out)]
    return found[0]


def test_sniffed_as_odt() -> None:
    data = make_odt("<text:p>x</text:p>")
    assert formats.sniff_file(io.BytesIO(data)) == formats.ODT


def test_plain_document_visible_only_with_heading_context() -> None:
    body = (
        '<text:h text:outline-level="1">Results</text:h>'
        "<text:p>Ana <text:span>María</text:span><text:s "
        'text:c="2"/>Gómez<text:tab/>x<text:line-break/>y</text:p>'
        "<text:list><text:list-item><text:p>Listed item</text:p></text:list-item></text:list>"
    )
    out = extract(make_odt(body))
    assert [(s.text, s.visibility) for s in segs(out)] == [
        ("Results", Visibility.VISIBLE),
        ("Ana María  Gómez\tx\ny", Visibility.VISIBLE),
        ("Listed item", Visibility.VISIBLE),
    ]
    seg = one(out, "Gómez")
    assert seg.context == ("Results",)
    assert (seg.location.part, seg.location.field) == ("content.xml", "paragraph 2")
    assert not [o for o in out if isinstance(o, Note)]


def test_hidden_text_field_and_hidden_paragraph() -> None:
    body = (
        '<text:p>Shown <text:hidden-text text:condition="ooow:1" text:string-value="Hidden Person"/></text:p>'
        '<text:p><text:hidden-paragraph text:condition="ooow:1" text:is-hidden="true"/>Para Person</text:p>'
    )
    out = extract(make_odt(body))
    hidden = one(out, "Hidden Person")
    assert hidden.visibility is Visibility.HIDDEN_TEXT and hidden.location.field == "paragraph 1 (hidden)"
    assert one(out, "Shown").visibility is Visibility.VISIBLE
    assert one(out, "Para Person").visibility is Visibility.HIDDEN_TEXT


def test_hidden_section_and_hidden_character_style() -> None:
    styles = (
        '<style:style style:name="T1" style:family="text"><style:text-properties text:display="none"/>'
        "</style:style>"
        '<style:style style:name="T2" style:family="text" style:parent-style-name="T1"/>'
    )
    body = (
        '<text:section text:name="S1" text:display="none"><text:p>Section Person</text:p></text:section>'
        '<text:p>Visible <text:span text:style-name="T2">Styled Person</text:span></text:p>'
    )
    out = extract(make_odt(body, styles=styles))
    assert one(out, "Section Person").visibility is Visibility.HIDDEN_TEXT
    styled = one(out, "Styled Person")
    assert styled.visibility is Visibility.HIDDEN_TEXT
    assert one(out, "Visible").text == "Visible "


def test_tracked_deletion_insertion_and_authors() -> None:
    body = (
        "<text:tracked-changes>"
        '<text:changed-region text:id="ct1"><text:deletion><office:change-info><dc:creator>Ed '
        "One</dc:creator>"
        "<dc:date>2024-01-01T00:00:00</dc:date></office:change-info><text:p>Deleted Person</text:p>"
        "</text:deletion>"
        "</text:changed-region>"
        '<text:changed-region text:id="ct2"><text:insertion><office:change-info><dc:creator>Ed '
        "Two</dc:creator>"
        "</office:change-info></text:insertion></text:changed-region>"
        "</text:tracked-changes>"
        '<text:p>Kept <text:change text:change-id="ct1"/><text:change-start text:change-id="ct2"/>'
        'Added Person<text:change-end text:change-id="ct2"/> end</text:p>'
    )
    out = extract(make_odt(body))
    deleted = one(out, "Deleted Person")
    assert deleted.visibility is Visibility.TRACKED_CHANGE and "(deleted)" in (deleted.location.field or "")
    added = one(out, "Added Person")
    assert added.visibility is Visibility.TRACKED_CHANGE and added.location.field == "paragraph 1 (inserted)"
    assert one(out, "Kept").text == "Kept  end"
    authors = {s.text for s in segs(out) if s.role == "metadata-author"}
    assert authors == {"Ed One", "Ed Two"}


def test_annotation_with_anchor_and_creator() -> None:
    body = (
        '<text:p>Decision on <office:annotation office:name="__Annotation__1"><dc:creator>Rita '
        "Reviewer</dc:creator>"
        "<dc:date>2024-01-01T00:00:00</dc:date><text:p>Ask Pablo Neruda</text:p></office:annotation>"
        'the appeal<office:annotation-end office:name="__Annotation__1"/> today</text:p>'
    )
    out = extract(make_odt(body))
    c = one(out, "Pablo Neruda")
    assert (c.visibility, c.role) == (Visibility.COMMENT, "comment")
    assert c.context == ("comment 1", "on: the appeal")
    assert c.location.field == "comment 1 paragraph 1"
    assert one(out, "Decision").text == "Decision on the appeal today"
    a = one(out, "Rita Reviewer")
    assert (a.visibility, a.role) == (Visibility.METADATA, "metadata-author")


def test_table_with_header_repeats_and_hidden_cell() -> None:
    styles = (
        '<style:style style:name="T1" style:family="text">'
        '<style:text-properties text:display="none"/></style:style>'
    )

    def cell(t: str) -> str:
        return f'<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>'

    body = (
        '<table:table table:name="People"><table:table-column table:number-columns-repeated="2"/>'
        f"<table:table-header-rows><table:table-row>{cell('Name')}{cell('Country')}</table:table-row>"
        "</table:table-header-rows>"
        f"<table:table-row>{cell('Eva Marin')}{cell('Peru')}</table:table-row>"
        '<table:table-row><table:table-cell><text:p><text:span text:style-name="T1">Ghost Person</text:span>'
        f'</text:p></table:table-cell>{cell("Chile")}<table:table-cell table:number-columns-repeated="1000"/>'
        "</table:table-row>"
        '<table:table-row table:number-rows-repeated="100000"><table:table-cell/></table:table-row>'
        "</table:table>"
    )
    out = extract(make_odt(body, styles=styles))
    tables = [o for o in out if isinstance(o, Table)]
    assert len(tables) == 1
    t = tables[0]
    assert t.header == ("Name", "Country")
    assert [list(r) for r in t.rows] == [["Eva Marin", "Peru"], ["Ghost Person", "Chile"]]
    assert t.visibility_of(1, 0) is Visibility.HIDDEN_TEXT and t.visibility_of(0, 0) is Visibility.VISIBLE
    assert t.location.field == "table People"


def test_footnote_frame_alt_text_and_text_box() -> None:
    body = (
        '<text:p>Main<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
        "<text:note-body><text:p>Note Person</text:p></text:note-body></text:note>"
        '<draw:frame draw:name="Image1"><draw:image xlink:href="Pictures/x.png"/>'
        "<svg:title>Portrait</svg:title><svg:desc>Photo of Iris Vega</svg:desc></draw:frame>"
        '<draw:frame draw:name="Box"><draw:text-box><text:p>Box Person</text:p></draw:text-box></draw:frame>'
        "</text:p>"
    )
    out = extract(make_odt(body))
    assert one(out, "Main").text == "Main"
    note = one(out, "Note Person")
    assert note.visibility is Visibility.VISIBLE and "footnote 1" in note.context
    alt = one(out, "Iris Vega")
    assert (alt.visibility, alt.role) == (Visibility.ALT_TEXT, "alt-text")
    assert "text box" in one(out, "Box Person").context


def test_header_footer_in_styles() -> None:
    styles_xml = (
        f"<office:document-styles {NS}><office:master-styles>"
        '<style:master-page style:name="Standard"><style:header><text:p>Header Person</text:p></style:header>'
        "<style:footer><text:p>Footer Person</text:p></style:footer></style:master-page>"
        "</office:master-styles></office:document-styles>"
    )
    out = extract(make_odt("<text:p>x</text:p>", parts={"styles.xml": styles_xml}))
    h = one(out, "Header Person")
    assert h.location.part == "styles.xml" and h.context == ("header",)
    assert one(out, "Footer Person").context == ("footer",)


def test_meta_authors_and_fields() -> None:
    meta = (
        f"<office:document-meta {NS}><office:meta><meta:initial-creator>First Author</meta:initial-creator>"
        "<dc:creator>Last Editor</dc:creator><dc:title>File on Omar Haddad</dc:title>"
        '<meta:user-defined meta:name="Case">Leila Haddad</meta:user-defined>'
        "<meta:generator>LibreOffice</meta:generator></office:meta></office:document-meta>"
    )
    out = extract(make_odt("<text:p>x</text:p>", parts={"meta.xml": meta}))
    assert one(out, "First Author").role == "metadata-author"
    assert one(out, "Last Editor").role == "metadata-author"
    title = one(out, "Omar Haddad")
    assert (title.visibility, title.role, title.location.part) == (
        Visibility.METADATA,
        "metadata",
        "meta.xml",
    )
    assert one(out, "Leila Haddad").location.field == "user-defined Case"
    assert not [s for s in segs(out) if s.text == "LibreOffice"]


def test_embedded_objects() -> None:
    chart = content(
        '<table:table table:name="local-table"><table:table-row><table:table-cell><text:p>Label</text:p>'
        "</table:table-cell></table:table-row><table:table-row><table:table-cell><text:p>Chart "
        "Person</text:p>"
        "</table:table-cell></table:table-row></table:table>",
        kind="chart",
    )
    parts = {
        "Object 1/content.xml": chart,
        "Object 2/content.xml": content("<text:p>Inner Person</text:p>"),
        "Object 3": b"raw embedded bytes",
        "Pictures/x.png": b"\x89PNG",
        "Basic/Standard/Module1.xml": "<m/>",
    }
    manifest = [
        ("Object 1/", "application/vnd.oasis.opendocument.chart"),
        ("Object 2/", ODT_TYPE),
        ("Object 3", "application/vnd.sun.star.oleobject"),
    ]
    out = extract(make_odt("<text:p>x</text:p>", parts=parts, manifest=manifest))
    chart_tables = [o for o in out if isinstance(o, Table)]
    assert len(chart_tables) == 1
    assert chart_tables[0].visibility is Visibility.EMBEDDED_FILE
    assert chart_tables[0].location.part == "Object 1/content.xml"
    kids = {o.members[-1]: o for o in out if isinstance(o, Document)}
    assert set(kids) == {"Object 2", "Object 3"}
    inner = kids["Object 2"]
    assert (
        inner.media_type == formats.ODT and inner.visibility is Visibility.EMBEDDED_FILE and inner.depth == 1
    )
    inner_out = list(OdtExtractor().extract(inner, ExtractContext(Limits())))
    assert one(inner_out, "Inner Person").visibility is Visibility.VISIBLE
    assert "macro" in {o.code for o in out if isinstance(o, Note)}


# --- hostile and broken input ------------------------------------------------------------------


def test_truncated_zip() -> None:
    data = make_odt("<text:p>x</text:p>")
    with pytest.raises(Unscannable) as e:
        extract(data[:-30])
    assert e.value.code == "corrupt"


def test_missing_content() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", ODT_TYPE)
    with pytest.raises(Unscannable) as e:
        extract(buf.getvalue())
    assert "not a valid OpenDocument text" in e.value.reason


def test_billion_laughs_refused() -> None:
    evil = (
        '<?xml version="1.0"?><!DOCTYPE office:document-content [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        f"<office:document-content {NS}><office:body><office:text><text:p>&b;</text:p></office:text>"
        "</office:body></office:document-content>"
    )
    with pytest.raises(Unscannable) as e:
        extract(make_odt("", parts={"content.xml": evil}))
    assert e.value.code == "xml-attack"


def test_encrypted_odt() -> None:
    manifest = (
        f'<manifest:manifest {NS}><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry>'
        "</manifest:manifest>"
    )
    with pytest.raises(Unscannable) as e:
        extract(make_odt("", parts={"META-INF/manifest.xml": manifest}))
    assert e.value.code == "encrypted"


def test_oversized_content() -> None:
    data = make_odt("<text:p>" + "z" * 5000 + "</text:p>")
    with pytest.raises(Unscannable) as e:
        extract(data, Limits(max_member_bytes=2000))
    assert e.value.code == "bomb"


def test_absurdly_wide_table_is_a_limit_not_a_memory_bomb() -> None:
    body = (
        '<table:table table:name="Wide"><table:table-row>'
        + '<table:table-cell table:number-columns-repeated="1000"/>' * 20
        + "<table:table-cell><text:p>x</text:p></table:table-cell></table:table-row></table:table>"
    )
    with pytest.raises(Unscannable) as e:
        extract(make_odt(body))
    assert e.value.code == "limit"
