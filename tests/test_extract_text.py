"""Plain text paragraphs and JSON records."""

from __future__ import annotations

import json

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.text import MAX_SEGMENT_CHARS, TextExtractor
from clearance.formats import document_from_bytes
from clearance.model import Location, Note, Segment, Table, Unscannable
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())


def _run(data: bytes, name: str = "x.txt", members: tuple[str, ...] = ()) -> list[object]:
    doc = document_from_bytes(data, name, members=members)
    return list(TextExtractor().extract(doc, CTX))


def test_protocol() -> None:
    assert isinstance(TextExtractor(), Extractor)


def test_paragraphs_with_line_numbers() -> None:
    data = b"Dear Ana,\n\nI write about Luis Perez,\nborn 3 March 1987.\n\n\n\nRegards\n"
    out = _run(data, members=("a.zip", "letter.txt"))
    assert all(isinstance(s, Segment) for s in out)
    segs = [s for s in out if isinstance(s, Segment)]
    assert [s.text for s in segs] == ["Dear Ana,", "I write about Luis Perez,\nborn 3 March 1987.", "Regards"]
    assert [s.location.row for s in segs] == [1, 3, 8]
    assert segs[0].location == Location(row=1, members=("a.zip", "letter.txt"))
    assert {s.role for s in segs} == {"text"}


def test_crlf_and_cp1252() -> None:
    data = "Señora Muñoz\r\n\r\nCádiz\r\n".encode("cp1252")
    segs = _run(data)
    assert [s.text for s in segs if isinstance(s, Segment)] == ["Señora Muñoz", "Cádiz"]


def test_utf16_text() -> None:
    segs = _run("Línea uno\n\nLínea dos\n".encode("utf-16"))
    assert [s.text for s in segs if isinstance(s, Segment)] == ["Línea uno", "Línea dos"]


def test_long_paragraph_is_capped() -> None:
    data = ("word " * 40_000).encode()  # 200,000 characters, no newline
    segs = [s for s in _run(data) if isinstance(s, Segment)]
    assert len(segs) >= 3
    assert all(len(s.text) <= MAX_SEGMENT_CHARS for s in segs)
    assert sum(len(s.text) for s in segs) >= 199_000


def test_binary_text_is_unscannable() -> None:
    from clearance.model import Document

    junk = b"abc\x00\x01\x02" * 100
    doc = Document(
        path="x",
        size=len(junk),
        sha256="",
        media_type=formats.TEXT,
        open=lambda: __import__("io").BytesIO(junk),
    )
    with pytest.raises(Unscannable, match="binary"):
        list(TextExtractor().extract(doc, CTX))


def test_json_records_become_table() -> None:
    records = [
        {"name": "Ana Garcia", "dob": "1987-03-03", "address": {"city": "Madrid", "zip": "28001"}},
        {"name": "Luis Perez", "dob": None, "tags": ["a", "b"], "age": 40, "ok": True},
    ]
    out = _run(json.dumps(records).encode(), "x.csv")
    (table,) = out
    assert isinstance(table, Table)
    assert table.key == "json:$" and table.location.field == "$"
    assert table.header == ("name", "dob", "address.city", "address.zip", "tags", "age", "ok")
    assert [list(r) for r in table.rows] == [
        ["Ana Garcia", "1987-03-03", "Madrid", "28001", None, None, None],
        ["Luis Perez", None, None, None, "a b", "40", "true"],  # a list of strings: one cell
    ]
    assert table.first_row == 1 and table.header_row is None and table.last_chunk


def test_json_object_with_records_and_strings() -> None:
    data = {
        "title": "Case list for Ana Garcia",
        "meta": {"author": "Luis Perez", "count": 2},
        "people": [{"name": "Eva Diaz"}, {"name": "Juan Ruiz"}],
    }
    out = _run(json.dumps(data).encode(), "x.json")
    tables = [t for t in out if isinstance(t, Table)]
    segs = [s for s in out if isinstance(s, Segment)]
    assert [t.key for t in tables] == ["json:$.people"]
    assert [list(r) for r in tables[0].rows] == [["Eva Diaz"], ["Juan Ruiz"]]
    assert [(s.text, s.context) for s in segs] == [
        ("Case list for Ana Garcia", ("$.title",)),
        ("Luis Perez", ("$.meta.author",)),
        ("2", ("$.meta.count",)),
    ]
    assert segs[1].location.field == "$.meta.author"


def test_json_records_chunked() -> None:
    records = [{"n": str(i)} for i in range(5)]
    doc = document_from_bytes(json.dumps(records).encode(), "x.json")
    tables = list(TextExtractor().extract(doc, ExtractContext(limits=Limits(chunk_rows=2))))
    assert [(t.chunk, t.first_row, len(t.rows), t.last_chunk) for t in tables] == [
        (0, 1, 2, False),
        (1, 3, 2, False),
        (2, 5, 1, True),
    ]


@pytest.mark.parametrize("depth", [250, 5000])
def test_deep_json_is_unscannable(depth: int) -> None:
    data = b"[" * depth + b"]" * depth
    with pytest.raises(Unscannable, match="nesting deeper than 200"):
        _run(data, "x.json")


def test_not_really_json_falls_back_to_text() -> None:
    out = _run(b"[Draft] Letter to Ana Garcia\n\nSecond paragraph\n", "memo.txt")
    assert [s.text for s in out if isinstance(s, Segment)] == [
        "[Draft] Letter to Ana Garcia",
        "Second paragraph",
    ]


def test_huge_json_is_unscannable(monkeypatch: pytest.MonkeyPatch) -> None:
    import clearance.extractors.text as text

    monkeypatch.setattr(text, "MAX_JSON_BYTES", 100)
    with pytest.raises(Unscannable, match="not parsed"):
        _run(json.dumps([{"a": "x" * 200}]).encode(), "x.json")


def test_bad_bytes_note() -> None:
    data = b"hello world\n" * 6000 + b"bad \xff\xfe here\n"
    out = _run(data)
    notes = [n for n in out if isinstance(n, Note)]
    assert len(notes) == 1 and notes[0].code == "encoding" and "2 byte" in notes[0].message


def test_xml_and_html_are_read_as_text() -> None:
    out = _run(b"<?xml version='1.0'?>\n<people><p>Ana Garcia</p></people>\n", "x.txt")
    assert "Ana Garcia" in out[0].text  # type: ignore[attr-defined]


# --- JSON Lines ---------------------------------------------------------------------------------
def test_ndjson_records_streamed_in_chunks() -> None:
    from dataclasses import replace

    from clearance.extractors.text import NDJSON

    lines = [
        {"name": "Ana Garcia", "dob": "1987-03-03"},
        {"name": "Luis Perez", "address": {"city": "Madrid"}},
        {"name": "Eva Diaz"},
    ]
    data = ("\n".join(json.dumps(r) for r in lines) + '\n\nnot json here\n[1, "x"]\n').encode()
    doc = replace(document_from_bytes(data, "x.ndjson"), media_type=NDJSON)
    out = list(TextExtractor().extract(doc, ExtractContext(limits=Limits(chunk_rows=2))))
    tables = [t for t in out if isinstance(t, Table)]
    assert [(t.key, t.chunk, t.first_row, t.last_chunk) for t in tables] == [
        ("ndjson", 0, 1, False),
        ("ndjson", 1, 3, True),
    ]
    assert tables[0].header == ("name", "dob", "address.city")
    assert [list(r) for r in tables[0].rows] == [
        ["Ana Garcia", "1987-03-03", None],
        ["Luis Perez", None, "Madrid"],
    ]
    assert tables[1].header == ("name", "dob", "address.city")  # the header only grows
    assert [list(r) for r in tables[1].rows] == [["Eva Diaz", None, None]]
    segs = [(s.text, s.location.row) for s in out if isinstance(s, Segment)]
    assert segs == [("not json here", 5), ("1", 6), ("x", 6)]
    (note,) = [n for n in out if isinstance(n, Note)]
    assert note.code == "ndjson-lines" and "1 line" in note.message and not note.blocking


def test_json_lines_sniffed_as_json_are_read_as_ndjson() -> None:
    data = b'{"name": "Ana Garcia"}\n{"name": "Luis Perez"}\n{"name": "Eva Diaz"}\n'
    doc = document_from_bytes(data, "x.json")
    assert doc.media_type == formats.JSON
    (table,) = list(TextExtractor().extract(doc, CTX))
    assert isinstance(table, Table) and table.key == "ndjson" and len(table.rows) == 3


def test_pretty_json_is_not_ndjson() -> None:
    data = json.dumps([{"name": "Ana"}, {"name": "Luis"}], indent=2).encode()
    (table,) = _run(data, "x.json")
    assert isinstance(table, Table) and table.key == "json:$"


def test_ndjson_deep_line_is_unscannable() -> None:
    from dataclasses import replace

    from clearance.extractors.text import NDJSON

    data = b'{"a": 1}\n' + b"[" * 300 + b"]" * 300 + b"\n"
    doc = replace(document_from_bytes(data, "x.ndjson"), media_type=NDJSON)
    with pytest.raises(Unscannable, match="nesting deeper"):
        list(TextExtractor().extract(doc, CTX))


def test_markdown_and_ndjson_are_text_media_types() -> None:
    from clearance.extractors.text import MARKDOWN, NDJSON

    assert {MARKDOWN, NDJSON, formats.TEXT, formats.JSON} <= set(TextExtractor.media_types)
    assert MARKDOWN == "text/markdown" and NDJSON == "application/x-ndjson"


def test_iter_lines_splits_like_universal_newlines_across_any_block_boundary(monkeypatch) -> None:
    """Lines come out as io's newline="" reader gives them (LF, CRLF, lone CR), also when a
    block boundary falls inside a CRLF or a multi-byte character."""
    import io
    import random

    from clearance.extractors import text as T

    rng = random.Random(1)
    for _ in range(2000):
        monkeypatch.setattr(T, "_BLOCK_CHARS", rng.randint(1, 9))
        pieces = ["a", "b", ",", "\r", "\n", "\r\n", "é"]
        data = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))).encode()
        got = list(T.iter_lines(io.BytesIO(data), T.DecodeStats("utf-8")))
        assert got == io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="").readlines(), data
