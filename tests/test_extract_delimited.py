"""Delimited text: encodings, dialects, headers, streaming in bounded memory, hostile input."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.delimited import DelimitedExtractor, looks_like_header
from clearance.formats import document_from_bytes, sniff_file
from clearance.model import Document, Note, Table, Unscannable
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())
PEOPLE = "nombre,fecha_nacimiento,ciudad\nJosé Núñez,1987-03-03,Málaga\nMaría Ibáñez,1990-12-01,León\n"


def _extract(data: bytes, name: str = "x.csv", ctx: ExtractContext = CTX) -> tuple[list[Table], list[Note]]:
    doc = document_from_bytes(data, name)
    out = list(DelimitedExtractor().extract(doc, ctx))
    return [t for t in out if isinstance(t, Table)], [n for n in out if isinstance(n, Note)]


def test_is_an_extractor() -> None:
    assert isinstance(DelimitedExtractor(), Extractor)
    assert DelimitedExtractor.media_types == (formats.CSV, formats.TSV)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le"])
def test_encodings(encoding: str) -> None:
    (table,), notes = _extract(PEOPLE.encode(encoding))
    assert notes == []
    assert table.header == ("nombre", "fecha_nacimiento", "ciudad")
    assert [list(r) for r in table.rows] == [
        ["José Núñez", "1987-03-03", "Málaga"],
        ["María Ibáñez", "1990-12-01", "León"],
    ]
    assert table.first_row == 2 and table.header_row == 1 and table.key == "csv" and table.last_chunk


@pytest.mark.parametrize(("delim", "name"), [(";", "x.csv"), ("|", "x.csv"), ("\t", "x.tsv")])
def test_dialects(delim: str, name: str) -> None:
    data = PEOPLE.replace(",", delim).encode()
    (table,), _ = _extract(data, name)
    assert table.header == ("nombre", "fecha_nacimiento", "ciudad")
    assert table.rows[1][2] == "León"


def test_semicolon_with_decimal_commas() -> None:
    data = b"name;amount\nAna;1,5\nLuis;2,75\nEva;3,0\n"
    (table,), _ = _extract(data)
    assert table.header == ("name", "amount")
    assert [r[1] for r in table.rows] == ["1,5", "2,75", "3,0"]


def test_excel_sep_hint_line() -> None:
    (table,), _ = _extract(b"sep=;\r\nname;amount\r\nAna;1,5\r\nLuis;2\r\n")
    assert table.header == ("name", "amount") and table.header_row == 2 and table.first_row == 3
    assert [list(r) for r in table.rows] == [["Ana", "1,5"], ["Luis", "2"]]


def test_no_header() -> None:
    data = b"Ana Garcia,1987-03-03,Mexico\nLuis Perez,1990-01-02,Peru\nEva Diaz,1979-11-30,Chile\n"
    (table,), _ = _extract(data)
    assert table.header is None and table.header_row is None and table.first_row == 1
    assert len(table.rows) == 3 and table.rows[0][0] == "Ana Garcia"


def test_header_heuristic_cases() -> None:
    assert looks_like_header([["id", "count"], ["1", "20"], ["2", "30"]])
    assert not looks_like_header([["1", "20"], ["2", "30"]])
    assert looks_like_header([["first_name", "last_name"], ["Ana", "Garcia"]])
    assert not looks_like_header([["a", "a"], ["b", "c"]])  # duplicate names
    assert not looks_like_header([["Ana", "x"], ["Ana", "y"], ["Luis", "z"]])  # value repeats below


def test_quoted_newlines_and_ragged_rows() -> None:
    data = b'name,address,note\n"Ana","Calle 1\nMadrid",x\nLuis,Lima\nEva,"a, b",c,extra\n'
    (table,), _ = _extract(data)
    assert table.rows[0][1] == "Calle 1\nMadrid"
    assert list(table.rows[1]) == ["Luis", "Lima", None, None]  # padded to the widest row
    assert list(table.rows[2]) == ["Eva", "a, b", "c", "extra"]
    assert all(len(r) == 4 for r in table.rows)


def test_chunks_number_rows() -> None:
    data = b"id,name\n" + b"".join(b"%d,Person %d\n" % (i, i) for i in range(10))
    tables, _ = _extract(data, ctx=ExtractContext(limits=Limits(chunk_rows=4)))
    assert [(t.chunk, t.first_row, len(t.rows), t.last_chunk) for t in tables] == [
        (0, 2, 4, False),
        (1, 6, 4, False),
        (2, 10, 2, True),
    ]
    assert all(t.header == ("id", "name") for t in tables)
    exact, _ = _extract(data, ctx=ExtractContext(limits=Limits(chunk_rows=5)))
    assert [(t.chunk, t.last_chunk) for t in exact] == [(0, False), (1, True)]


def test_header_only_yields_empty_table() -> None:
    (table,), _ = _extract(b"name,dob\n")
    assert table.header == ("name", "dob") and list(table.rows) == []


def test_bad_bytes_give_encoding_note() -> None:
    # the bad bytes sit after the 64 KiB sample, so UTF-8 is detected and they fail to decode
    data = ("name,city\n" + "Ana,Madrid\n" * 7000).encode() + b"Luis,\xff\xfeLima\n"
    (table,), (note,) = _extract(data)
    assert note.code == "encoding" and not note.blocking and "2 byte" in note.message
    assert table.rows[-1][1] == "\ufffd\ufffdLima"


def test_nul_bytes_are_binary() -> None:
    doc = Document(
        path="x.csv",
        size=20,
        sha256="",
        media_type=formats.CSV,
        open=lambda: io.BytesIO(b"a,b\n1,2\n\x00\x00\x01\x02\x03\x04"),
    )
    with pytest.raises(Unscannable, match="binary content"):
        list(DelimitedExtractor().extract(doc, CTX))


def test_binary_junk_is_unscannable() -> None:
    junk = bytes(range(256)) * 40
    doc = Document(
        path="x.csv", size=len(junk), sha256="", media_type=formats.CSV, open=lambda: io.BytesIO(junk)
    )
    with pytest.raises(Unscannable):
        list(DelimitedExtractor().extract(doc, CTX))


def test_huge_field_is_unscannable(monkeypatch: pytest.MonkeyPatch) -> None:
    import clearance.extractors.delimited as delimited

    monkeypatch.setattr(delimited, "MAX_FIELD_CHARS", 500)  # stands in for 16 Mi characters
    doc = document_from_bytes(b'a,b\n1,"' + b"x" * 2000 + b'"\n', "x.csv")
    with pytest.raises(Unscannable, match="longer than 500"):
        list(DelimitedExtractor().extract(doc, CTX))


def test_endless_line_is_unscannable(monkeypatch: pytest.MonkeyPatch) -> None:
    import clearance.extractors.text as text

    monkeypatch.setattr(text, "MAX_LINE_CHARS", 1000)
    doc = document_from_bytes(b"a,b\n1," + b"y" * 5000, "x.csv")
    with pytest.raises(Unscannable, match="line is longer than 1,000"):
        list(DelimitedExtractor().extract(doc, CTX))


def _big_csv(path: Path, target_bytes: int) -> int:
    row = b"Ana Maria Garcia Lopez,1987-03-03,Mexico,Facility Name Number 12,A123456789,Pending review\n"
    block = row * 10_000
    n = 0
    with open(path, "wb") as fh:
        fh.write(b"name,dob,country,facility,a_number,status\n")
        while fh.tell() < target_bytes:
            fh.write(block)
            n += 10_000
    return n


_MEMORY_PROBE = """
import resource, sys, time
from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.delimited import DelimitedExtractor
from clearance.model import Document, Table
from clearance.plugins import ExtractContext

path = sys.argv[1]
with open(path, "rb") as fh:
    media = formats.sniff_file(fh, "big.csv")
assert media == formats.CSV, media
import os
size = os.path.getsize(path)
doc = Document(path="big.csv", size=size, sha256="", media_type=media, open=lambda: open(path, "rb"))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
rows = 0
for item in DelimitedExtractor().extract(doc, ExtractContext(limits=Limits(chunk_rows=20_000))):
    assert isinstance(item, Table)
    rows += len(item.rows)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024  # Linux: KiB
print(rows, grown, time.perf_counter() - t0)
"""


def test_streaming_memory_is_bounded(tmp_path: Path) -> None:
    """A 60 MB CSV is scanned with far less memory than its size (fresh process: clean peak)."""
    path = tmp_path / "big.csv"
    expected = _big_csv(path, 60 * 1024 * 1024)
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    rows, grown, elapsed = int(out[0]), int(out[1]), float(out[2])
    assert rows == expected
    # One 20k-row chunk plus the one held for look-ahead is ~30 MB of Python strings; holding
    # the file (60 MB of bytes, ~250 MB as cells) would blow well past this.
    assert grown < 80 * 1024 * 1024, f"grew {grown / 2**20:.0f} MiB"
    print(f"streamed {rows:,} rows in {elapsed:.1f} s")


BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


@pytest.mark.skipif(not BENCH.exists(), reason="benchmark data not available")
@pytest.mark.parametrize(
    ("rel", "rows", "first_header"),
    [
        ("congress_legislators/legislators-current.csv", 537, "last_name"),
        ("congress_legislators/legislators-historical.csv", 12230, "last_name"),
        # the README's "250 rows" counts the header line: 249 people
        ("ice_detainee_deaths/all_250_deaths_detailed.csv", 249, "Name"),
        ("presidio_research_synth/FakeNameGenerator.com_3000.csv", 3000, "Number"),
        ("public_sector_aggregates/ice_adp_n8craig/ICE_FY21_budget_guaranteed_minimums.csv", None, None),
        ("public_sector_aggregates/ice_adp_n8craig/Immigration_Detention_ADP_1979_2021_apr.csv", None, "FY"),
        ("public_sector_aggregates/uk_home_office_asylum/grant_rates_initial_annual.csv", None, None),
        ("public_sector_aggregates/uk_home_office_asylum/detentions_deaths_details.csv", None, None),
    ],
)
def test_benchmark_csvs(rel: str, rows: int | None, first_header: str | None) -> None:
    path = BENCH / rel
    data = path.read_bytes()
    with open(path, "rb") as fh:
        assert sniff_file(fh, path.name) == formats.CSV
    tables, notes = _extract(data, path.name)
    assert notes == []
    header = tables[0].header
    assert header is not None and all(h and "\ufeff" not in h for h in header[:-1])
    if first_header:
        assert header[0] == first_header
    n = sum(len(t.rows) for t in tables)
    if rows is not None:
        assert n == rows
    assert n > 0
