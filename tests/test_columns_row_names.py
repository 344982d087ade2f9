"""Names beside a strong identifier in a row of an otherwise statistical table."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

AOR = ["ATL", "BAL", "BOS", "CHI", "DAL", "DEN", "HOU", "MIA"]


def _scan(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "clearance", "scan", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(out.stdout)["files"][0]


def _agg(
    path: Path, extra: list[list[object]], header: tuple[str, str] = ("Area of Responsibility", "Book-Ins")
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i, a in enumerate(AOR):
            w.writerow([a, 100 + i])
        w.writerow(["Total", 999])
        for row in extra:
            w.writerow(row)
    return path


def test_note_with_name_and_a_number_blocks(tmp_path: Path) -> None:
    f = _scan(_agg(tmp_path / "a.csv", [["Note: excludes Wilmer Perez (A012345678) transferred"]]))
    assert f["verdict"] == "block"
    assert f["people"] == 1


def test_person_row_with_bare_a_number_blocks(tmp_path: Path) -> None:
    f = _scan(_agg(tmp_path / "a.csv", [["MEJIA FLORES JOSE", 208123456]]))
    assert f["verdict"] == "block"
    assert f["people"] == 1


def test_aggregate_with_large_counts_unchanged(tmp_path: Path) -> None:
    f = _scan(_agg(tmp_path / "a.csv", [["Krome North SPC", 208123456]], ("Facility", "A-Number of cases")))
    assert f["verdict"] != "block"
    assert f["people"] == 0


def test_nombre_header_over_full_names(tmp_path: Path) -> None:
    p = tmp_path / "n.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Nombre", "Fecha de nacimiento", "País"])
        for n, d, c in [
            ("Jose Hernandez", "04/03/1985", "Honduras"),
            ("Maria Lopez", "12/07/1990", "Guatemala"),
            ("Carlos Perez", "01/11/1979", "México"),
            ("Ana Ramirez", "22/02/2001", "El Salvador"),
        ]:
            w.writerow([n, d, c])
    f = _scan(p)
    assert f["verdict"] == "block"
    assert f["people"] == 4


def test_a_number_that_lost_its_leading_zero_beside_a_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    import clearance

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["AOR", "FY2023", "FY2024"])
    for aor in ("Atlanta", "Baltimore", "Boston", "Buffalo"):
        ws.append([aor, 1200, 1350])
    ws.append(["Total", 4800, 5400])
    ws.append(["PEREZ, Wilmer", 12345678, "Honduras"])  # A012345678 stored as a number
    path = tmp_path / "aor.xlsx"
    wb.save(path)
    (report,) = clearance.scan([path]).files
    assert report.verdict == "block" and report.people == 1


def test_state_populations_are_not_a_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    import clearance

    rows = [["State", "Population (2020)"]]
    rows += [
        ["Alabama", "5024279"], ["Alaska", "733391"], ["Arizona", "7151502"], ["California", "39538223"],
        ["Florida", "21538187"], ["Georgia", "10711908"], ["Virginia", "8631393"], ["Washington", "7705281"],
        ["North Carolina", "10439388"], ["Texas", "29145505"], ["Vermont", "643077"], ["Nevada", "3104614"],
    ]  # fmt: skip
    path = tmp_path / "states.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    (report,) = clearance.scan([path]).files
    assert report.verdict == "pass" and report.people == 0
