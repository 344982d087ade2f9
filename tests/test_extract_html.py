"""HTML: visible blocks with headings, tables, every hiding place, attributes, inline JSON, links."""

from __future__ import annotations

import time

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.html import MAX_DOM_DEPTH, HtmlExtractor, LinksNote, hides
from clearance.formats import document_from_bytes
from clearance.model import Document, Note, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())

PAGE = b"""<!DOCTYPE html><html><head><title>Case list</title>
<meta name="author" content="Ana Garcia"><meta name="viewport" content="width=device-width">
<meta name="description" content="Notes on Luis Perez">
<script type="application/ld+json">{"author": {"name": "Eva Diaz", "email": "eva@example.org"}}</script>
<script>window.__STATE__ = {"users": [{"name": "Zoe Li", "dob": "1980-01-02"}]}; var t = "Not Data";</script>
<style>.x { content: "Style Name"; }</style>
</head><body>
<h1>Detainees</h1>
<p>Visible <b>bold</b> text<span style="display: none">secret Juan Ruiz</span> tail
<p>Second para<br>line two
<div hidden><p>hidden para Maria Soto</p></div>
<div style="font-size:0px">zero font</div><div style="opacity: 0">transparent</div>
<div aria-hidden="true">aria hidden</div><template><p>template text</p></template>
<noscript>noscript text</noscript><div class="sr-only">screen reader only</div>
<div class="d-none d-md-block">shown on desktop</div>
<!-- call Pedro Gil on 555-1234 -->
<h2>Contact</h2>
<img alt="Photo of Ines Mora" src="a.png" title="Ines">
<input type="hidden" name="case_email" value="ana@example.org">
<input type="text" name="q" value="shown value" placeholder="Your name">
<div data-user='{"name":"Carla Ruiz"}' data-note="Tomas Vidal">x</div>
<a href="https://example.org/profile?email=ana%40example.org">profile</a>
<a href="mailto:eva@example.org">mail</a> <a href="/docs/report.pdf#p2">report</a>
<iframe src="https://example.org/embed"></iframe>
</body></html>"""


def _run(data: bytes, name: str = "page.html", chunk_rows: int = 50_000) -> list[object]:
    doc = document_from_bytes(data, name)
    assert doc.media_type == formats.HTML
    return list(HtmlExtractor().extract(doc, ExtractContext(limits=Limits(chunk_rows=chunk_rows))))


def _segs(out: list[object]) -> dict[str, Segment]:
    return {s.text: s for s in out if isinstance(s, Segment)}


def test_protocol() -> None:
    assert isinstance(HtmlExtractor(), Extractor)
    assert HtmlExtractor.media_types == (formats.HTML,)


def test_visible_blocks_paths_and_heading_context() -> None:
    segs = _segs(_run(PAGE))
    assert segs["Case list"].location.field == "head > title"
    h1 = segs["Detainees"]
    assert h1.visibility is Visibility.VISIBLE and h1.location.field == "body > h1"
    p = segs["Visible bold text"]
    assert p.visibility is Visibility.VISIBLE and p.context == ("Detainees",)
    assert p.location.field == "body > p"
    assert segs["tail"].location.field == "body > p"  # after the hidden span, same paragraph
    assert segs["Second para\nline two"].location.field == "body > p:nth-of-type(2)"
    assert segs["Photo of Ines Mora"].context[0] == "Contact"  # nearest heading changed
    assert segs["shown on desktop"].visibility is Visibility.VISIBLE


@pytest.mark.parametrize(
    "text",
    [
        "secret Juan Ruiz",
        "hidden para Maria Soto",
        "zero font",
        "transparent",
        "aria hidden",
        "template text",
        "noscript text",
        "screen reader only",
    ],
)
def test_hidden_content(text: str) -> None:
    seg = _segs(_run(PAGE))[text]
    assert seg.visibility is Visibility.HTML_HIDDEN


def test_comment_meta_attributes() -> None:
    segs = _segs(_run(PAGE))
    c = segs["call Pedro Gil on 555-1234"]
    assert (c.visibility, c.role, c.location.field) == (Visibility.COMMENT, "comment", "comment")
    author = segs["Ana Garcia"]
    assert (author.visibility, author.role, author.location.field) == (
        Visibility.METADATA,
        "metadata-author",
        "meta:author",
    )
    assert segs["Notes on Luis Perez"].role == "metadata"
    assert "width=device-width" not in segs
    alt = segs["Photo of Ines Mora"]
    assert (alt.visibility, alt.location.field, alt.location.part) == (
        Visibility.ALT_TEXT,
        "attr:alt",
        "body > img",
    )
    assert segs["Ines"].location.field == "attr:title"
    hidden_input = segs["ana@example.org"]
    assert hidden_input.visibility is Visibility.HTML_HIDDEN and "case_email" in hidden_input.context
    assert segs["shown value"].visibility is Visibility.VISIBLE
    assert segs["Your name"].location.field == "attr:placeholder"
    assert segs["Tomas Vidal"].visibility is Visibility.HTML_HIDDEN
    assert segs["Tomas Vidal"].location.field == "attr:data-note"
    assert segs["Carla Ruiz"].location.field == "attr:data-user.name"  # data-* JSON parsed


def test_inline_json_and_js_assignments() -> None:
    out = _run(PAGE)
    segs = _segs(out)
    assert segs["Eva Diaz"].visibility is Visibility.HTML_HIDDEN
    assert segs["Eva Diaz"].location.field == "$.author.name"
    (table,) = [t for t in out if isinstance(t, Table) and t.key.startswith("html-script")]
    assert table.header == ("name", "dob") and [list(r) for r in table.rows] == [["Zoe Li", "1980-01-02"]]
    assert table.visibility is Visibility.HTML_HIDDEN
    assert "Not Data" not in segs and "Style Name" not in " ".join(segs)


def test_links_note_and_personal_urls() -> None:
    out = _run(PAGE)
    (note,) = [n for n in out if isinstance(n, LinksNote)]
    assert note.code == "links" and not note.blocking and "4 document" in note.message
    assert note.links == (
        "https://example.org/profile",
        "mailto:eva@example.org",
        "/docs/report.pdf",
        "https://example.org/embed",
    )
    segs = _segs(out)
    q = segs["https://example.org/profile?email=ana@example.org"]
    assert q.visibility is Visibility.HTML_HIDDEN and q.location.field == "attr:href"
    assert "mailto:eva@example.org" in segs
    assert "https://example.org/embed" not in segs  # a plain URL is not a finding


def test_table_with_header_hidden_row_and_cell() -> None:
    page = b"""<html><body><h2>Roster</h2><table>
    <thead><tr><th>Name<th>DOB<th>Notes</thead>
    <tr><td>Ana Garcia<td>1987-03-03<td colspan=1>ok
    <tr style="display:none"><td>Hidden Person<td>1990-01-01<td>
    <tr><td>Luis Perez<td><span hidden>secret</span>1970<td class="hidden">cell note
    <tr><td colspan="2">wide<td>x
    </table></body></html>"""
    out = _run(page)
    (t,) = [t for t in out if isinstance(t, Table)]
    assert t.header == ("Name", "DOB", "Notes") and t.header_row == 1 and t.first_row == 2
    assert [list(r) for r in t.rows] == [
        ["Ana Garcia", "1987-03-03", "ok"],
        ["Hidden Person", "1990-01-01", None],
        ["Luis Perez", "1970", "cell note"],
        ["wide", None, "x"],
    ]
    assert t.row_visibility[1] is Visibility.HTML_HIDDEN and t.row_visibility[0] is Visibility.VISIBLE
    assert t.visibility_of(2, 2) is Visibility.HTML_HIDDEN and t.visibility_of(2, 0) is Visibility.VISIBLE
    assert t.location.field == "body > table" and t.role == "html-table"
    assert _segs(out)["secret"].visibility is Visibility.HTML_HIDDEN


def test_table_without_th_has_no_header_and_is_chunked() -> None:
    rows = b"".join(b"<tr><td>Person %d</td><td>%d</td></tr>" % (i, i) for i in range(5))
    out = _run(b"<html><body><table>" + rows + b"</table></body></html>", chunk_rows=2)
    tables = [t for t in out if isinstance(t, Table)]
    assert [(t.chunk, t.first_row, len(t.rows), t.last_chunk, t.header) for t in tables] == [
        (0, 1, 2, False, None),
        (1, 3, 2, False, None),
        (2, 5, 1, True, None),
    ]
    assert len({t.key for t in tables}) == 1


def test_data_url_and_srcdoc_become_child_documents() -> None:
    page = (
        b'<html><body><a href="data:text/csv;base64,bmFtZSxkb2IKQW5hIEdhcmNpYSwxOTg3LTAzLTAzCkx1aXMsMTk3MAo="'
        b' download="people.csv">dl</a><img src="data:image/png;base64,iVBORw0KGgo=">'
        b'<iframe srcdoc="&lt;p&gt;Ana Garcia&lt;/p&gt;"></iframe></body></html>'
    )
    out = _run(page, "p.html")
    docs = [d for d in out if isinstance(d, Document)]
    assert [(d.media_type, d.depth, d.visibility) for d in docs] == [
        ("text/csv", 1, Visibility.EMBEDDED_FILE),
        ("text/html", 1, Visibility.EMBEDDED_FILE),
    ]
    assert docs[0].path.startswith("p.html!") and docs[0].members[0].endswith("people.csv")
    with docs[1].open() as fh:
        assert fh.read() == b"<p>Ana Garcia</p>"
    assert any(isinstance(n, Note) and n.code == "embedded-media" for n in out)


def test_malformed_html_still_parses() -> None:
    out = _run(b"<html><body><p>Ana <b>Garcia<div><li>one<li>two</p></td></table><p>Luis <i>Perez")
    texts = [s.text for s in out if isinstance(s, Segment)]
    assert texts == ["Ana Garcia", "one", "two", "Luis Perez"]


def test_deep_nesting_is_bounded() -> None:
    n = 100_000
    page = b"<html><body>" + b"<div>" * n + b"<p>Ana Garcia</p>" + b"</div>" * n + b"</body></html>"
    start = time.monotonic()
    out = _run(page)
    assert time.monotonic() - start < 30
    notes = [o for o in out if isinstance(o, Note)]
    assert [n.code for n in notes] == ["html-depth"] and str(MAX_DOM_DEPTH) in notes[0].message
    (seg,) = [s for s in out if isinstance(s, Segment)]
    assert seg.text == "Ana Garcia" and seg.location.field.startswith("… > ")
    assert len(seg.location.field) < 200


@pytest.mark.parametrize(
    "decl",
    [
        b'<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        b'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_xhtml_entities_are_refused(decl: bytes) -> None:
    page = (
        b'<?xml version="1.0"?>'
        + decl
        + b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&b;&xxe;</p></body></html>'
    )
    with pytest.raises(Unscannable, match="DTD") as exc:
        _run(page, "x.xhtml")
    assert exc.value.code == "xml-attack"


def test_plain_xhtml_doctype_is_fine() -> None:
    page = (
        b'<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><body><p>Ana</p></body></html>'
    )
    assert [s.text for s in _run(page) if isinstance(s, Segment)] == ["Ana"]


@pytest.mark.parametrize(
    ("tag", "attrs", "hidden"),
    [
        ("div", {"style": "display:none"}, True),
        ("div", {"style": "visibility : hidden"}, True),
        ("div", {"style": "position:absolute; left:-9999px"}, True),
        ("div", {"style": "height:0;overflow:hidden"}, True),
        ("div", {"style": "height:0"}, False),
        ("div", {"style": "font-size:12px"}, False),
        ("div", {"class": "hidden"}, True),
        ("div", {"class": "hidden md:block"}, False),
        ("div", {"aria-hidden": "false"}, False),
        ("template", {}, True),
        ("span", {}, False),
    ],
)
def test_hides(tag: str, attrs: dict[str, str | None], hidden: bool) -> None:
    assert hides(tag, attrs) is hidden


JS_PAGE = b"""<html><head><script>
var detainees = [{name: 'Ana Ruiz', dob: "1985-03-04", a: 'A123-456-789', },
  {name: "Luis Soto", dob: '1990-07-12', a: "A223-456-781"}, // a comment
  {name: "Eva Diaz", 'dob': "1979-11-30", a: "A323-456-782", note: undefined},];
window.__DATA__ = {count: 3, /* block */ tags: ['x', 'y',],};
render(detainees);
</script></head><body><div id="chart"></div></body></html>"""


def test_js_object_literals_become_tables() -> None:
    out = _run(JS_PAGE)
    tables = [t for t in out if isinstance(t, Table) and t.key.startswith("html-script")]
    (people,) = [t for t in tables if t.header and "name" in t.header]
    assert people.header[:3] == ("name", "dob", "a") and len(people.rows) == 3
    assert list(people.rows[0][:3]) == ["Ana Ruiz", "1985-03-04", "A123-456-789"]
    assert people.rows[2][0] == "Eva Diaz" and people.visibility is Visibility.HTML_HIDDEN
    assert "render" not in " ".join(s.text for s in out if isinstance(s, Segment))


def test_js_literal_holding_code_gives_its_strings() -> None:
    page = b"""<html><body><script>var rows = [{name: "Ana Ruiz", seen: new Date("2020-01-02")},
        {name: 'Luis Soto', email: 'luis@example.org'}]; var other = "Not Data";</script></body></html>"""
    out = _run(page)
    (seg,) = [s for s in out if isinstance(s, Segment) and "script strings" in s.context]
    assert seg.text.splitlines() == ["Ana Ruiz", "2020-01-02", "Luis Soto", "luis@example.org"]
    assert seg.visibility is Visibility.HTML_HIDDEN and "Not Data" not in seg.text


def test_js_literal_reader_edges() -> None:
    from clearance.extractors.html import _js_literal

    value, end, _ = _js_literal("x = [1, 0x1F, .5, -2, 'a\\u0041\\'', true, null,]; y", 4, 1000)
    assert value == [1, 31, 0.5, -2, "aA'", True, None] and end == 47
    assert _js_literal("[1, 2", 0, 1000) is None  # never closes
    assert _js_literal("[1, 2, 3]", 0, 3) is None  # past the budget
    assert _js_literal("{a: b}", 0, 100) == (None, 6, [])  # a variable: code, not data
    assert _js_literal("[{a: 1}}", 0, 100) is None  # mismatched brackets


def test_ordinary_page_scripts_make_no_segments() -> None:
    page = b"""<html><head><script>
    window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}
    gtag('js', new Date()); gtag('config', 'G-ABC123');
    var opts = {selector: '#menu', onClick: function (e) { e.preventDefault(); }, speed: 300};
    $(document).ready(function () { $('.nav').toggleClass('open'); });
    var empty = [];
    if (a === [1][0]) { x = {}; }
    </script></head><body><p>Hello</p></body></html>"""
    out = _run(page)
    texts = [s.text for s in out if isinstance(s, Segment) and s.visibility is Visibility.HTML_HIDDEN]
    assert all("gtag" not in t and "G-ABC123" not in t for t in texts)
    assert not [t for t in out if isinstance(t, Table)]
