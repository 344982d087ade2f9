"""`clearance sanitize` on workbooks: every hiding place round-trips to a clean, openable copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from clearance.actions.sanitize import HiddenRows, SanitizeOptions, Treatment
from clearance.config.loader import load_config
from clearance.model import Verdict
from clearance.pipeline import Scanner
from clearance.pipeline_sanitize import sanitize
from generators.people import make_people
from generators.workbooks import PLACEMENTS, STATS_SHEET, make_aggregate_workbook, make_leak_workbook

N = 50


@pytest.fixture(scope="module")
def config():
    return load_config(env={})


@pytest.fixture(scope="module")
def scanner(config):
    return Scanner.build(config)


@pytest.fixture(scope="module")
def raw_values() -> list[str]:
    people = make_people(N, 0)
    out = []
    for p in people:
        out += [p.display_name(), p.display_name("first-last"), f"A{p.a_number}", f"{p.dob:%Y-%m-%d}"]
    return out


def _numbers(path: Path) -> dict[tuple[str, str], float]:
    """Numeric cells a reader sees: visible sheets, visible rows/columns, visible formats."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == "Detainees":
            continue
        hidden_rows = {r for r, d in ws.row_dimensions.items() if d.hidden}
        hidden_cols = {
            i
            for d in ws.column_dimensions.values()
            if d.hidden
            for i in range((d.min or 0), (d.max or 0) + 1)
        }
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, bool) or not isinstance(c.value, int | float):
                    continue
                if c.row in hidden_rows or c.column in hidden_cols or c.number_format == ";;;":
                    continue
                out[(ws.title, c.coordinate)] = c.value
    return out


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_every_hiding_place_round_trips(tmp_path, placement, config, scanner, raw_values):
    src = make_leak_workbook(tmp_path / "leak.xlsx", n=N, placement=placement)
    out = tmp_path / "clean.xlsx"
    result = sanitize(src, out, config=config, scanner=scanner)
    assert result.before is not None and result.before.verdict is not Verdict.PASS
    assert result.ok, result.reason
    assert out.exists() and result.after is not None and result.after.verdict is Verdict.PASS
    # an independent re-scan of the written file agrees
    rescan = next(scanner.scan_paths([str(out)]))
    assert rescan.verdict is Verdict.PASS, rescan.reasons
    # every aggregate number a reader saw is still there, unchanged
    before, after = _numbers(src), _numbers(out)
    assert before and all(after.get(k) == v for k, v in before.items() if k[0] == STATS_SHEET)
    # the summary says what went, and never carries a raw value
    assert result.removals
    text = " ".join(x.description + " " + " ".join(x.examples) for x in result.removals)
    assert not [v for v in raw_values if v in text]
    # no raw value anywhere in the output package (shared strings, comments, caches, properties)
    with zipfile.ZipFile(out) as z:
        blob = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
    leaked = [v for v in raw_values if not v[0].isdigit() and v in blob]
    assert leaked == [] or (placement == "visible" and all(v[0].isdigit() for v in leaked))


def test_summary_wording(tmp_path, config, scanner):
    src = make_leak_workbook(tmp_path / "leak.xlsx", n=N, placement="hidden-sheet")
    r = sanitize(src, tmp_path / "clean.xlsx", config=config, scanner=scanner)
    lines = [x.description for x in r.removals]
    assert (
        f"hidden sheet 'Detainees' deleted: {N} rows (names, dates of birth, nationalities, facilities, "
        "A-numbers, case status)" in lines
    )
    assert "document properties cleared: creator, lastModifiedBy, title" in lines
    src = make_leak_workbook(tmp_path / "c.xlsx", n=3, placement="comment")
    r = sanitize(src, tmp_path / "c.clean.xlsx", config=config, scanner=scanner)
    assert "3 comments removed from 'Detention FY23'!G1, G2, G3" in [x.description for x in r.removals]


def test_sheets_and_parts_really_gone(tmp_path, config, scanner):
    for placement, gone in [
        ("pivot-cache", "xl/pivotCache/"),
        ("threaded-comment", "xl/threadedComments/"),
        ("external-link", "xl/externalLinks/"),
        ("embedded-file", "xl/embeddings/"),
    ]:
        src = make_leak_workbook(tmp_path / f"{placement}.xlsx", n=N, placement=placement)
        out = tmp_path / f"{placement}.clean.xlsx"
        assert sanitize(src, out, config=config, scanner=scanner).ok
        with zipfile.ZipFile(out) as z:
            names = z.namelist()
            assert not [n for n in names if n.startswith(gone)]
            rels = b"".join(z.read(n) for n in names if n.endswith(".rels") or n == "[Content_Types].xml")
            assert gone.split("/")[1].encode() not in rels  # no dangling reference: no repair prompt
    wb = openpyxl.load_workbook(tmp_path / "external-link.clean.xlsx")
    assert not str(wb[STATS_SHEET]["H1"].value or "").startswith("=")  # formula frozen to its value


def test_hidden_rows_unhide_then_treat(tmp_path, config, scanner):
    src = make_leak_workbook(tmp_path / "leak.xlsx", n=N, placement="hidden-rows")
    out = tmp_path / "clean.xlsx"
    r = sanitize(
        src, out, config=config, scanner=scanner, options=SanitizeOptions(hidden_rows=HiddenRows.UNHIDE)
    )
    assert r.ok, r.reason
    assert any("unhidden" in x.description for x in r.removals)
    ws = openpyxl.load_workbook(out)[STATS_SHEET]
    assert not any(d.hidden for d in ws.row_dimensions.values())


def test_visible_people_treatments_and_keyed_pseudonyms(tmp_path, config, scanner):
    opts = SanitizeOptions(
        treatments={"person-name": Treatment.PSEUDONYM, "date-of-birth": Treatment.GENERALISE}, key=b"k1"
    )
    outs = []
    for i in range(2):
        src = make_leak_workbook(tmp_path / f"v{i}.xlsx", n=N, placement="visible")
        outs.append(tmp_path / f"v{i}.clean.xlsx")
        r = sanitize(src, outs[-1], config=config, scanner=scanner, options=opts)
        assert r.ok, r.reason
    a, b = (openpyxl.load_workbook(o)["Detainees"] for o in outs)
    names_a = [c.value for c in a["A"][1:]]
    assert names_a == [c.value for c in b["A"][1:]]  # same person, same pseudonym, across files
    assert all(str(v).startswith("Person-") for v in names_a)
    assert all(isinstance(c.value, int) and 1900 < c.value < 2030 for c in a["B"][1:])  # DOB -> year


def test_clean_aggregate_workbook_is_left_intact(tmp_path, config, scanner):
    src = make_aggregate_workbook(tmp_path / "agg.xlsx")
    out = tmp_path / "agg.clean.xlsx"
    r = sanitize(src, out, config=config, scanner=scanner)
    assert r.ok and _numbers(src) == _numbers(out)


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None and not os.environ.get("CI"), reason="LibreOffice not installed")
@pytest.mark.parametrize("placement", ["hidden-sheet", "external-link", "pivot-cache", "threaded-comment"])
def test_opens_cleanly_in_libreoffice(tmp_path, placement, config, scanner):
    assert SOFFICE, "CI needs LibreOffice (Debian package libreoffice-calc-nogui)"
    src = make_leak_workbook(tmp_path / "leak.xlsx", n=N, placement=placement)
    out = tmp_path / "clean.xlsx"
    assert sanitize(src, out, config=config, scanner=scanner).ok
    conv = tmp_path / "csv"
    proc = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(conv),
            str(out),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    stats = conv / f"clean-{STATS_SHEET}.csv"
    assert stats.exists(), list(conv.iterdir())
    import csv

    rows = list(csv.reader(stats.open(encoding="utf-8")))
    ws = openpyxl.load_workbook(out)[STATS_SHEET]
    for (_, coord), value in _numbers(out).items():
        cell = ws[coord]
        got = rows[cell.row - 1][cell.column - 1]
        assert float(got.replace(",", "")) == pytest.approx(value), coord
