"""`clearance sanitize` command: exit statuses, nothing written on failure, no raw values printed."""

from __future__ import annotations

import io
import json

from clearance.actions.sanitize import Action, ActionKind, CannotSanitize, Plan, Treatment
from clearance.actions.sanitize.base import SanitizeOptions, treat
from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.model import Location
from generators.people import make_people
from generators.workbooks import make_leak_workbook


def _env(tmp_path):
    return Environment(
        stdout=io.BytesIO(),
        stderr=io.StringIO(),
        vars={},
        cwd=tmp_path,
        stdout_isatty=False,
        stderr_isatty=False,
    )


def test_exit_0_writes_clean_copy_and_json_summary(tmp_path):
    make_leak_workbook(tmp_path / "leak.xlsx", n=30, placement="hidden-sheet")
    env = _env(tmp_path)
    assert main(["sanitize", "leak.xlsx", "-o", "clean.xlsx", "--format", "json"], env) == 0
    doc = json.loads(env.stdout.getvalue())
    assert (
        doc["status"] == "clean" and doc["after"]["verdict"] == "pass" and doc["before"]["verdict"] == "block"
    )
    assert (tmp_path / "clean.xlsx").exists()
    assert not list(tmp_path.glob(".clean.xlsx.*"))  # no temp file left behind
    text = env.stdout.getvalue().decode()
    assert not [p.display_name() for p in make_people(30, 0) if p.display_name() in text]
    assert any(r["action"] == "drop-sheet" for r in doc["removed"])


def test_exit_1_no_sanitizer_nothing_written(tmp_path):
    names = ", ".join(
        f"{p.display_name()} (A{p.a_number}, born {p.dob:%Y-%m-%d})" for p in make_people(20, 0)
    )
    (tmp_path / "notes.txt").write_text(f"Detainees transferred today: {names}.\n")
    env = _env(tmp_path)
    assert main(["sanitize", "notes.txt", "-o", "clean.txt"], env) == 1
    assert not (tmp_path / "clean.txt").exists()
    assert "nothing was written" in env.stdout.getvalue().decode()


def test_exit_3_unscannable_and_2_usage(tmp_path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    env = _env(tmp_path)
    assert main(["sanitize", "empty.xlsx", "-o", "out.xlsx"], env) == 3
    assert not (tmp_path / "out.xlsx").exists()
    assert main(["sanitize", "empty.xlsx"], _env(tmp_path)) == 2  # -o is required
    assert main(["sanitize", "empty.xlsx", "-o", "o.xlsx", "--mask", "person-name=blur"], _env(tmp_path)) == 2
    assert main(["sanitize", "empty.xlsx", "-o", "empty.xlsx"], _env(tmp_path)) == 2


def test_unfixable_plan_fails_closed(tmp_path, monkeypatch):
    """A writer that cannot honour an action: exit 1, nothing written, the reason printed."""
    from clearance.actions.sanitize import xlsx

    def refuse(self, data, plan, out):
        out.write(b"partial")
        raise CannotSanitize("spreadsheets have no way to redact-region (page 1)")

    monkeypatch.setattr(xlsx.XlsxSanitizer, "sanitize", refuse)
    make_leak_workbook(tmp_path / "leak.xlsx", n=10, placement="hidden-sheet")
    env = _env(tmp_path)
    assert main(["sanitize", "leak.xlsx", "-o", "clean.xlsx"], env) == 1
    assert not (tmp_path / "clean.xlsx").exists()
    assert "redact-region" in env.stdout.getvalue().decode()


def test_treatments():
    opts = SanitizeOptions(key=b"k", reference_year=2023, age_bands=True)
    assert treat("date-of-birth", "1987-03-03", Treatment.GENERALISE, opts) == "35-44"
    assert treat("date-of-birth", "1987-03-03", Treatment.GENERALISE, SanitizeOptions()) == "1987"
    assert treat("detention-facility", "Otay Mesa Detention Center, CA", Treatment.GENERALISE, opts) == "CA"
    assert treat("detention-facility", "Otay Mesa Detention Center", Treatment.GENERALISE, opts) is None
    a = treat("person-name", "GARCIA LOPEZ, Maria", Treatment.PSEUDONYM, opts)
    assert a == treat("person-name", "Maria Garcia Lopez", Treatment.PSEUDONYM, opts)  # same person
    assert a != treat("person-name", "Maria Garcia Lopez", Treatment.PSEUDONYM, SanitizeOptions(key=b"other"))
    assert treat("person-name", "Maria Garcia", Treatment.REMOVE, opts) is None
    plan = Plan("x", "text/csv", (Action(ActionKind.DROP_SHEET, Location(sheet="S")),))
    assert plan.of(ActionKind.DROP_SHEET) and not plan.of(ActionKind.DROP_PART)
