"""XML: record lists as Tables, text and attributes as Segments, comments, hostile XML refused."""

from __future__ import annotations

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.xml_doc import XmlExtractor
from clearance.formats import document_from_bytes
from clearance.model import Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())

DOC = b"""<?xml version="1.0"?>
<!-- exported by Ana Garcia -->
<export xmlns="urn:x" author="Luis Perez">
  <title>Detainees</title>
  <person id="1"><name>Ana Garcia</name><dob>1987-03-03</dob><address><city>Madrid</city></address></person>
  <person id="2"><name>Luis Perez</name><dob>1970-01-01</dob><phone>1</phone><phone>2</phone></person>
  <tag>a</tag><tag>b</tag>
  <note>Call <b>Eva Diaz</b> tomorrow<!-- owes 20 EUR --></note>
  <item><label>x</label></item>
</export>"""


def _run(data: bytes, chunk_rows: int = 50_000) -> list[object]:
    doc = document_from_bytes(data, "a.xml", members=("a.zip", "a.xml"))
    assert doc.media_type == formats.XML
    return list(XmlExtractor().extract(doc, ExtractContext(limits=Limits(chunk_rows=chunk_rows))))


def test_protocol() -> None:
    assert isinstance(XmlExtractor(), Extractor)
    assert XmlExtractor.media_types == (formats.XML,)


def test_records_become_tables() -> None:
    tables = {t.key: t for t in _run(DOC) if isinstance(t, Table)}
    person = tables["xml:/export/person"]
    assert person.header == ("@id", "name", "dob", "address.city", "phone", "phone[2]")
    assert [list(r) for r in person.rows] == [
        ["1", "Ana Garcia", "1987-03-03", "Madrid", None, None],
        ["2", "Luis Perez", "1970-01-01", None, "1", "2"],
    ]
    assert person.location.field == "/export/person" and person.location.members == ("a.zip", "a.xml")
    assert person.header_row is None and person.first_row == 1 and person.role == "xml"
    assert [list(r) for r in tables["xml:/export/tag"].rows] == [["a"], ["b"]]
    assert tables["xml:/export/tag"].header == ("tag",)


def test_text_attributes_comments() -> None:
    segs = [(s.text, s.location.field, s.visibility, s.role) for s in _run(DOC) if isinstance(s, Segment)]
    assert ("exported by Ana Garcia", "/comment()", Visibility.COMMENT, "comment") in segs
    assert ("Luis Perez", "/export/@author", Visibility.VISIBLE, "text") in segs
    assert ("Detainees", "/export/title", Visibility.VISIBLE, "text") in segs
    assert ("Call Eva Diaz tomorrow", "/export/note", Visibility.VISIBLE, "text") in segs  # mixed content
    assert ("owes 20 EUR", "/export/note/comment()", Visibility.COMMENT, "comment") in segs
    assert ("x", "/export/item/label", Visibility.VISIBLE, "text") in segs
    texts = [t for t, *_ in segs]
    assert "Ana Garcia" not in texts and "Eva Diaz" not in texts  # in the table / mixed text only
    seg = next(s for s in _run(DOC) if isinstance(s, Segment) and s.text == "Detainees")
    assert seg.context == ("/export/title",)


def test_table_chunks() -> None:
    data = b"<r>" + b"".join(b"<p><n>P%d</n><a>%d</a></p>" % (i, i) for i in range(5)) + b"</r>"
    tables = [t for t in _run(data, chunk_rows=2) if isinstance(t, Table)]
    assert [(t.chunk, t.first_row, len(t.rows), t.last_chunk) for t in tables] == [
        (0, 1, 2, False),
        (1, 3, 2, False),
        (2, 5, 1, True),
    ]


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><r>&c;</r>',
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>',
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.org/evil.dtd"><r/>',
    ],
)
def test_dtd_entities_refused(data: bytes) -> None:
    with pytest.raises(Unscannable) as exc:
        _run(data)
    assert exc.value.code == "xml-attack"


def test_malformed_xml_is_unscannable() -> None:
    with pytest.raises(Unscannable, match="malformed") as exc:
        _run(b"<r><a>Ana</r>")
    assert exc.value.code == "corrupt"


def test_deep_nesting_is_iterative_and_path_short() -> None:
    n = 50_000
    data = b"<a>" * n + b"Ana Garcia" + b"</a>" * n
    (seg,) = [s for s in _run(data) if isinstance(s, Segment)]
    assert seg.text == "Ana Garcia" and seg.location.field.startswith("/…/") and len(seg.location.field) < 100
