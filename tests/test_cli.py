"""End to end through ``main(args, env)``: flags -> config -> pipeline -> report -> exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.errors import ExitStatus
from generators.people import make_people
from generators.tables import write_aggregate_csv, write_people_csv
from generators.workbooks import make_aggregate_workbook, make_leak_workbook

REPO = Path(__file__).resolve().parents[1]


def run(args: list[str], tmp_path: Path) -> tuple[int, bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, vars={}, cwd=tmp_path, stdout_isatty=False, stderr_isatty=False)
    code = main(args, env)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def leak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_leak_workbook(tmp_path_factory.mktemp("leak") / "FY23_detentionStats.xlsx", n=300)


def test_leak_is_blocked_with_people_count_and_reasons(leak: Path, tmp_path: Path) -> None:
    code, out, err = run(["scan", str(leak), "--format", "json"], tmp_path)
    assert code == ExitStatus.FINDINGS, err
    doc = json.loads(out)
    (f,) = doc["files"]
    assert f["verdict"] == "block"
    assert f["people"] == 300
    assert "asylum-immigration" in f["categories"]
    assert any("300 people" in r for r in f["reasons"])
    assert any(x["visibility"] == "hidden-sheet" for x in f["findings"])
    assert doc["tool"]["name"] == "clearance"
    assert len(doc["policy"]["sha256"]) == 64


def test_report_never_contains_raw_values_unless_revealed(leak: Path, tmp_path: Path) -> None:
    people = make_people(300, seed=0)
    _, out, _ = run(["scan", str(leak), "--format", "json"], tmp_path)
    text = out.decode()
    for p in people[:50]:
        assert p.family.upper() not in text
        assert p.a_number not in text
    _, terminal, _ = run(["scan", str(leak)], tmp_path)
    assert people[0].a_number not in terminal.decode()
    _, revealed, _ = run(["scan", str(leak), "--format", "json", "--reveal"], tmp_path)
    assert people[0].a_number in revealed.decode() or people[0].family.upper() in revealed.decode()


def test_aggregate_workbook_passes(tmp_path: Path) -> None:
    wb = make_aggregate_workbook(tmp_path / "stats.xlsx")
    code, out, _ = run(["scan", str(wb), "--format", "json"], tmp_path)
    f = json.loads(out)["files"][0]
    assert f["verdict"] == "pass", f["reasons"]
    assert f["people"] == 0
    assert code == ExitStatus.OK


def test_directory_scan_sarif_and_exit_codes(tmp_path: Path) -> None:
    d = tmp_path / "site"
    d.mkdir()
    write_aggregate_csv(d / "ok.csv")
    write_people_csv(d / "people.csv", make_people(20, seed=3))
    (d / "notes.bak").write_text("ignored")
    code, out, _ = run(["scan", str(d), "--format", "sarif", "--ignore", "*.bak"], tmp_path)
    assert code == ExitStatus.FINDINGS
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        if r.get("locations")
    }
    assert any(u.endswith("people.csv") for u in uris)
    assert not any(u.endswith("notes.bak") for u in uris)


def test_unscannable_exit_3_and_fail_closed(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    code, out, _ = run(["scan", str(bad), "--format", "json"], tmp_path)
    assert code == ExitStatus.UNSCANNABLE
    f = json.loads(out)["files"][0]
    assert f["verdict"] == "unscannable"
    assert f["reasons"]


def test_block_beats_unscannable_in_exit_status(leak: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, out, _ = run(["scan", str(leak), str(empty), "--format", "json"], tmp_path)
    verdicts = [f["verdict"] for f in json.loads(out)["files"]]
    assert sorted(verdicts) == ["block", "unscannable"]
    assert code == ExitStatus.FINDINGS


def test_usage_and_config_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = run(["scan"], tmp_path)
    assert code == ExitStatus.USAGE and "PATH" in err
    bad = tmp_path / "policy.toml"
    bad.write_text("nmae = 1\n")
    code, _, err = run(["scan", str(tmp_path), "--policy", str(bad)], tmp_path)
    assert code == ExitStatus.USAGE and "nmae" in err


def test_rules_list_and_explain(tmp_path: Path) -> None:
    code, out, _ = run(["rules", "list"], tmp_path)
    assert code == 0 and b"a-number" in out and b"person-name" in out
    code, out, _ = run(["rules", "explain", "a-number"], tmp_path)
    assert code == 0 and b"Why it is risky" in out
    code, _, err = run(["rules", "explain", "no-such-rule"], tmp_path)
    assert code == ExitStatus.USAGE and "no rule" in err


def test_bundled_examples_behave_as_documented(tmp_path: Path) -> None:
    code, out, _ = run(["scan", str(REPO / "examples"), "--format", "json"], tmp_path)
    by_name = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    assert by_name["leak_example.xlsx"]["verdict"] == "block"
    assert by_name["aggregate_example.xlsx"]["verdict"] == "pass"
    assert code == ExitStatus.FINDINGS
