"""End to end: names in a worksheet's printed header/footer, and person records written as a
JavaScript literal in a page's <script>, are found; page numbers and ordinary scripts are not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from clearance.config.loader import load_config
from clearance.model import Verdict
from clearance.pipeline import Scanner

FOOTER = "Reviewed with: Ana Ruiz (A# 123-456-789); Luis Soto (A# 223-456-781); Eva Diaz (A# 323-456-782)"


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner.build(load_config(env={}))


def _scan(scanner: Scanner, path: Path):
    return next(scanner.scan_paths([str(path)]))


def _workbook(path: Path, footer: str | None, page_numbers: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Month", "Inspections"])
    for month, n in (("January", 12), ("February", 4), ("March", 9)):
        ws.append([month, n])
    if footer is not None:
        ws.oddFooter.left.text = footer
    if page_numbers:
        ws.oddFooter.right.text = "Page &P of &N"
        ws.oddHeader.center.text = "&A"
    wb.save(path)
    return path


def test_footer_names_block(tmp_path: Path, scanner: Scanner) -> None:
    report = _scan(scanner, _workbook(tmp_path / "f.xlsx", FOOTER))
    assert report.verdict is Verdict.BLOCK
    assert report.people >= 3
    fields = {f.location.field for f in report.findings}
    assert "oddFooter/left" in fields


def test_page_number_footer_passes(tmp_path: Path, scanner: Scanner) -> None:
    report = _scan(scanner, _workbook(tmp_path / "p.xlsx", None))
    assert report.verdict is Verdict.PASS and not report.findings


def test_sanitize_empties_the_footer(tmp_path: Path) -> None:
    src = _workbook(tmp_path / "f.xlsx", FOOTER)
    out = tmp_path / "clean.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "clearance", "sanitize", str(src), "-o", str(out), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr  # written and clean on re-scan
    wb = openpyxl.load_workbook(out)
    assert not wb.active.oddFooter.left.text


JS = """<html><head><script>var detainees = [{name: "Ana Ruiz", dob: "1985-03-04", a: "A123-456-789"},
{name: 'Luis Soto', dob: '1990-07-12', a: 'A223-456-781',},
{name: "Eva Diaz", dob: "1979-11-30", a: "A323-456-782"}];
window.__DATA__ = {rows: detainees, title: 'Roster',};
render(detainees);</script></head><body><div id="chart"></div></body></html>"""


def test_js_literal_people_block(tmp_path: Path, scanner: Scanner) -> None:
    p = tmp_path / "j.html"
    p.write_text(JS)
    report = _scan(scanner, p)
    assert report.verdict is Verdict.BLOCK and report.people == 3


def test_ordinary_scripts_pass(tmp_path: Path, scanner: Scanner) -> None:
    p = tmp_path / "o.html"
    p.write_text(
        """<html><head><script>
        window.dataLayer = window.dataLayer || []; gtag('config', 'G-XY12');
        var settings = {theme: 'dark', locale: "en-US", retries: 3, labels: ['Home', 'About us', 'Contact'],};
        var menu = {open: function () { document.body.classList.add('menu-open'); }, title: "Main menu"};
        </script></head><body><h1>Annual report</h1><p>Inspections rose in March.</p></body></html>"""
    )
    report = _scan(scanner, p)
    assert report.verdict is Verdict.PASS and not report.findings, json.dumps(
        [f.entity for f in report.findings]
    )
