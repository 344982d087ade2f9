"""``clearance aggregate`` end to end: 6,252 generated detainees -> safe, audited, scan-clean tables."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from scipy.linalg import null_space
from scipy.optimize import linprog

import clearance
from clearance.actions.aggregate import AGE_BAND, build_cube, parse_age_bands
from clearance.actions.aggregate.tables import NOT_STATED, band_of
from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.errors import ExitStatus, UsageError
from generators.people import REFERENCE_DATE, make_people
from generators.tables import write_people_csv

FACILITY, NATIONALITY = "Detention Facility", "Country of Citizenship"
N = 6252  # the FY23 leak


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    out, err = io.BytesIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, vars={}, cwd=cwd, stdout_isatty=False, stderr_isatty=False)
    return main(args, env), out.getvalue().decode(), err.getvalue()


@pytest.fixture(scope="module")
def people() -> list:
    return make_people(N)


@pytest.fixture(scope="module")
def records(people: list, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_people_csv(tmp_path_factory.mktemp("agg") / "detainees.csv", people)


@pytest.fixture(scope="module")
def published(records: Path) -> tuple[Path, dict, int]:
    out = records.parent / "FY23_detentionStats.xlsx"
    code, stdout, _ = run(
        ["aggregate", str(records), "-o", str(out), "--by", f"{FACILITY},{NATIONALITY}", "--format", "json"],
        records.parent,
    )
    return out, json.loads(stdout), code


def read_grid(path: Path) -> tuple[list[str], list[str], list[list[object]]]:
    ws = load_workbook(path).worksheets[2]  # By facility, By nationality, then the cross-tab
    assert ws.title.startswith(f"{FACILITY} x ")  # Excel caps sheet names at 31 characters
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [r[0] for r in rows[1:]], list(rows[0][1:]), [r[1:] for r in rows[1:]]


def test_6252_records_give_audited_tables_that_pass_the_scan(published: tuple[Path, dict, int]) -> None:
    out, rep, code = published
    assert code == ExitStatus.OK
    assert rep["protected"] and rep["scan"] == "pass"
    assert rep["primary"] > 0 and rep["secondary"] >= 0
    assert rep["cells"] == (18 + 1) * (len({p.nationality for p in make_people(N)}) + 1)
    assert json.loads(out.with_suffix(".disclosure.json").read_text())["primary"] == rep["primary"]
    # the output workbook passes the full scanner on its own, too
    (f,) = clearance.scan([str(out)]).files
    assert f.verdict.value == "pass", f.reasons


def test_published_grid_is_consistent_and_has_no_small_cell(published: tuple[Path, dict, int]) -> None:
    out, _, _ = published
    rows, cols, grid = read_grid(out)
    assert rows[-1] == "Total" and cols[-1] == "Total"
    shown = [v for r in grid for v in r]
    assert all(v == "x" or v == 0 or (isinstance(v, int) and v >= 10) for v in shown)
    total = grid[-1][-1]
    assert total == N  # 6,252 is no small cell: the grand total is published
    for r in grid:  # fully published rows add up
        if "x" not in r:
            assert sum(r[:-1]) == r[-1]


def test_no_suppressed_cell_is_recoverable_from_the_workbook(published: tuple[Path, dict, int]) -> None:
    """Independent of the package: rebuild the attacker's system from the xlsx alone."""
    out, _, _ = published
    _, _, grid = read_grid(out)
    table = np.array(grid, dtype=object)
    r, c = table.shape[0] - 1, table.shape[1] - 1
    unknown = [tuple(ij) for ij in np.argwhere(table == "x")]
    pos = {ij: k for k, ij in enumerate(unknown)}
    lines = [[(i, j) for j in range(c + 1)] for i in range(r + 1)] + [
        [(i, j) for i in range(r + 1)] for j in range(c + 1)
    ]
    m, b = [], []
    for line in lines:
        coeff, const = np.zeros(len(unknown)), 0.0
        for k, ij in enumerate(line):
            sign = -1.0 if k == len(line) - 1 else 1.0
            if ij in pos:
                coeff[pos[ij]] += sign
            else:
                const -= sign * float(table[ij])
        if coeff.any():
            m.append(coeff)
            b.append(const)
    a = np.array(m)
    for line in [*(table == "x"), *(table == "x").T]:
        assert line.sum() != 1
    # cell k is determined by the totals iff its unit vector lies in the row space of the system,
    # i.e. iff every vector of the null space is 0 at k
    null = null_space(a)
    assert null.shape[1] > 0
    assert (np.abs(null).max(axis=1) > 1e-9).all(), "a suppressed cell is determined by the totals"
    # and every suppressed interior cell has an LP interval of at least the protection width (10)
    for k in range(0, len(unknown), 25):  # a sample keeps the test fast
        e = np.zeros(len(unknown))
        e[k] = 1
        lo = linprog(e, A_eq=a, b_eq=b, bounds=(0, None), method="highs").fun
        hi = linprog(-e, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        assert hi.status == 3 or -hi.fun - lo >= 10 - 1e-6


def test_no_person_level_value_in_any_output(published: tuple[Path, dict, int], people: list) -> None:
    out, rep, _ = published
    wb = load_workbook(out)
    text = " ".join(
        str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )
    text += out.with_suffix(".disclosure.json").read_text() + json.dumps(rep)
    for p in people[:300]:
        assert p.a_number not in text
        assert p.display_name("last-first") not in text and p.display_name("first-last") not in text
        assert p.dob.strftime("%m/%d/%Y") not in text
    report_keys = {k for iv in rep["intervals"] for k in iv}
    assert report_keys == {"table", "cell", "low", "high", "width"}  # no suppressed value


def test_three_way_with_age_bands_and_rounding(records: Path, tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    write_people_csv(small, make_people(400, seed=3))
    out = tmp_path / "by_age.xlsx"
    code, stdout, err = run(
        [
            "aggregate", str(small), "-o", str(out), "--by", f"{FACILITY},{AGE_BAND}",
            "--age-bands", "0-17,18-34,35+", "--as-of", REFERENCE_DATE.isoformat(), "--round", "5",
            "--format", "json",
        ],
        tmp_path,
    )  # fmt: skip
    assert code == ExitStatus.OK, err
    rep = json.loads(stdout)
    assert rep["protected"] and rep["rounding"] == 5
    ws = load_workbook(out)[f"{FACILITY} x {AGE_BAND}"]
    header = next(ws.iter_rows(values_only=True))
    assert list(header[1:]) == ["0-17", "18-34", "35+", "Total"]
    numbers = [v for row in ws.iter_rows(min_row=2, values_only=True) for v in row[1:] if isinstance(v, int)]
    assert numbers and all(v % 5 == 0 for v in numbers)


def test_age_band_needs_an_explicit_date(records: Path) -> None:
    code, _, err = run(
        [
            "aggregate",
            str(records),
            "-o",
            "x.xlsx",
            "--by",
            f"{FACILITY},{AGE_BAND}",
            "--age-bands",
            "0-17,18+",
        ],
        records.parent,
    )
    assert code == ExitStatus.USAGE and "--as-of" in err


def test_unknown_column_lists_the_headers(records: Path) -> None:
    code, _, err = run(
        ["aggregate", str(records), "-o", "x.xlsx", "--by", "facility,nationality"], records.parent
    )
    assert code == ExitStatus.USAGE and "Detention Facility" in err


def test_age_bands_and_count_distinct() -> None:
    bands = parse_age_bands("0-17,18-24,25+")
    as_of = datetime.date(2022, 11, 28)
    assert band_of(datetime.date(2004, 11, 29), as_of, bands) == "0-17"  # turns 18 tomorrow
    assert band_of(datetime.date(2004, 11, 28), as_of, bands) == "18-24"
    assert band_of(None, as_of, bands) == NOT_STATED
    with pytest.raises(UsageError):
        parse_age_bands("0-20,18-30")
    rows = [{"id": "1", "f": "A"}, {"id": "1", "f": "A"}, {"id": "2", "f": "B"}, {"id": "", "f": "B"}]
    assert build_cube(rows, ["f"], {"f": "f"}, distinct_column="id").counts.tolist() == [1, 1]
    assert build_cube(rows, ["f"], {"f": "f"}).counts.tolist() == [2, 2]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_reads_xlsx_and_parquet(suffix: str, tmp_path: Path) -> None:
    import pandas as pd

    people = make_people(120, seed=5)
    frame = pd.DataFrame(
        {"facility": [p.facility for p in people], "nationality": [p.nationality for p in people]}
    )
    path = tmp_path / f"records{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path)
    code, stdout, err = run(
        [
            "aggregate",
            str(path),
            "-o",
            "t.xlsx",
            "--by",
            "facility,nationality",
            "--format",
            "json",
            "--no-scan",
        ],
        tmp_path,
    )
    assert code == ExitStatus.OK, err
    rep = json.loads(stdout)
    assert rep["protected"] and rep["primary"] > 0
    ws = load_workbook(tmp_path / "t.xlsx")["By facility"]
    assert [r for r in ws.iter_rows(values_only=True)][-1] == ("Total", 120)
