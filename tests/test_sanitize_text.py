"""`clearance sanitize` on csv/tsv, JSON/NDJSON and HTML: driven by the findings' locations."""

from __future__ import annotations

import csv
import json

import pytest

from clearance.config.loader import load_config
from clearance.model import Verdict
from clearance.pipeline import Scanner
from clearance.pipeline_sanitize import sanitize

NAMES = [
    "Maria Garcia Lopez",
    "John Smith",
    "Ahmed Hassan",
    "Li Wei",
    "Ana Gomez",
    "Peter Brown",
    "Fatima Zahra",
    "Carlos Ruiz",
    "Olga Petrova",
    "James Wilson",
]
ROWS = [
    {
        "name": n,
        "dob": f"19{60 + i}-0{1 + i % 9}-1{i}",
        "a_number": f"A{200000000 + i * 7919:09d}",
        "country": "Mexico",
        "count": i,
    }
    for i, n in enumerate(NAMES)
]


@pytest.fixture(scope="module")
def scanner():
    return Scanner.build(load_config(env={}))


def _run(scanner, src, out):
    r = sanitize(src, out, config=scanner.config, scanner=scanner)
    assert r.ok, r.reason
    assert next(scanner.scan_paths([str(out)])).verdict is Verdict.PASS
    body = out.read_bytes().decode("utf-8-sig")
    assert not [n for n in NAMES if n in body]
    assert not [x["a_number"] for x in ROWS if x["a_number"] in body]
    summary = " ".join(x.description for x in r.removals)
    assert not [n for n in NAMES if n in summary]
    return r, body


def test_csv_keeps_dialect_and_encoding(tmp_path, scanner):
    src = tmp_path / "p.csv"
    lines = [";".join(["Name", "DOB", "A-Number", "Country", "Count"])]
    lines += [";".join(str(v) for v in r.values()) for r in ROWS]
    src.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    out = tmp_path / "clean.csv"
    r, _ = _run(scanner, src, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == ["DOB", "Count"]
    assert [row[1] for row in rows[1:]] == [str(x["count"]) for x in ROWS]  # the numbers are untouched
    assert rows[1][0] == "1960"  # date of birth -> year
    assert "column A ('Name') removed: 10 rows (names)" in [x.description for x in r.removals]


@pytest.mark.parametrize("ndjson", [False, True])
def test_json_drops_keys_by_path(tmp_path, scanner, ndjson):
    src = tmp_path / ("p.ndjson" if ndjson else "p.json")
    if ndjson:
        src.write_text("".join(json.dumps(x) + "\n" for x in ROWS))
    else:
        src.write_text(json.dumps({"records": ROWS, "total": 10}))
    r, body = _run(scanner, src, tmp_path / ("c.ndjson" if ndjson else "c.json"))
    records = [json.loads(line) for line in body.splitlines()] if ndjson else json.loads(body)["records"]
    assert [set(x) for x in records] == [{"dob", "count"}] * 10
    assert [x["count"] for x in records] == list(range(10))
    assert any(d.startswith("key 'name' removed in 10 records") for d in (x.description for x in r.removals))


def test_html_removes_hidden_elements_comments_and_authors(tmp_path, scanner):
    draft = "<!-- draft: " + ", ".join(x["name"] for x in ROWS) + " -->"
    hidden = "".join(
        f"<tr><td>{x['name']}</td><td>{x['dob']}</td><td>{x['a_number']}</td></tr>" for x in ROWS
    )
    src = tmp_path / "p.html"
    src.write_text(
        "<html><head><meta name='author' content='Jane Doe'><title>Stats</title></head><body>"
        "<h1>Detention statistics</h1><p>Book-ins in FY23: 4,120.</p>"
        + draft
        + "<div style='display:none'><table><tr><th>Name</th><th>DOB</th><th>A-Number</th></tr>"
        + hidden
        + "</table></div></body></html>"
    )
    r, body = _run(scanner, src, tmp_path / "c.html")
    assert "Jane Doe" not in body and "<!--" not in body and "display:none" not in body
    assert "Book-ins in FY23: 4,120." in body
    lines = [x.description for x in r.removals]
    assert "1 HTML comment removed" in lines and "meta tags removed: author" in lines
    assert any(d.startswith("hidden element <div> removed") for d in lines)
