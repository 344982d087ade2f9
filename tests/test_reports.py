"""reports: golden JSON and SARIF, the CONTRACTS.md shape, terminal output, and no raw values."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from clearance.assess import assess
from clearance.config.schema import Limits, Policy
from clearance.model import (
    Candidate,
    ColumnCandidate,
    FileReport,
    Finding,
    Identifier,
    Location,
    PolicyInfo,
    ScanReport,
    TableSummary,
    Verdict,
    Visibility,
)
from clearance.plugins import Reporter
from clearance.policy import decide
from clearance.reports import JsonReporter, SarifReporter, TerminalReporter

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CLEARANCE_UPDATE_GOLDEN") == "1"  # regenerate: CLEARANCE_UPDATE_GOLDEN=1 pytest
V = Visibility
FP = "f" * 64


def _finding(
    entity: str,
    rng: str,
    count: int,
    masked: str,
    *,
    kind: str = "record",
    vis: Visibility = V.HIDDEN_SHEET,
    category: str | None = None,
) -> Finding:
    return Finding(
        rule=entity,
        entity=entity,
        visibility=vis,
        location=Location(part="xl/worksheets/sheet3.xml", sheet="Detainees", range=rng),
        count=count,
        masked=masked,
        fingerprint=FP,
        identifier=Identifier.DIRECT,
        score=0.95,
        category=category,
        role="cell",
        kind=kind,
        revealed=("RAW-SECRET-VALUE",),
    )


def sample_report() -> ScanReport:
    blocked = FileReport(
        path="reports/FY23_detentionStats.xlsx",
        sha256="a" * 64,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        size=1_234_567,
        verdict=Verdict.BLOCK,
        people=6252,
        categories=("asylum-immigration",),
        reasons=(
            "Identifies 6,252 people (names, dates of birth, nationalities, A-numbers) in hidden sheet "
            "'Detainees'",
            "Special category: asylum/immigration case status of 6,252 people",
        ),
        findings=(
            _finding("person-name", "B2:B6253", 6252, "G****** M****, ..."),
            _finding("a-number", "C2:C6253", 6252, "A*******89, A*******12, A*******45, ..."),
            _finding("case-status", "F2:F6253", 6252, "C******* f***, ...", category="asylum-immigration"),
        ),
        notes=("Document metadata names 2 people as author/last editor; not personal records",),
        tables=(
            TableSummary(
                "xl/worksheets/sheet3.xml",
                Location(part="xl/worksheets/sheet3.xml", sheet="Detainees"),
                V.HIDDEN_SHEET,
                6252,
                "people",
                (("Name", "person-name"), ("A#", "a-number")),
                people=6252,
            ),
        ),
    )
    review = FileReport(
        path="press/release 12.docx",
        sha256="b" * 64,
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        size=20_480,
        verdict=Verdict.REVIEW,
        people=0,
        categories=(),
        reasons=(
            "1 email address with no other details in the text: check whether it belongs to a private "
            "individual",
        ),
        findings=(
            Finding(
                rule="email",
                entity="email",
                visibility=V.VISIBLE,
                location=Location(part="word/document.xml", field="paragraph 4"),
                count=1,
                masked="t***@e******.org",
                fingerprint="e" * 64,
                identifier=Identifier.DIRECT,
                score=0.9,
                role="text",
                kind="lone",
            ),
        ),
    )
    small = FileReport(
        path="stats/crosstab.csv",
        sha256="c" * 64,
        media_type="text/csv",
        size=900,
        verdict=Verdict.BLOCK,
        people=0,
        categories=(),
        reasons=("3 small cells (count below 3) in 'crosstab' B4:D9 could single out individuals",),
        findings=(),
    )
    broken = FileReport(
        path="secret.xlsx",
        sha256="d" * 64,
        media_type="application/x-encrypted-office",
        size=4096,
        verdict=Verdict.UNSCANNABLE,
        people=0,
        categories=(),
        reasons=("Could not be inspected: encrypted",),
        findings=(),
        error="file is encrypted",
    )
    clean = FileReport(
        path="stats/totals.csv",
        sha256="0" * 64,
        media_type="text/csv",
        size=100,
        verdict=Verdict.PASS,
        people=0,
        categories=(),
        reasons=(),
        findings=(),
    )
    return ScanReport("0.1.0", PolicyInfo("default", "9" * 64, "1"), (blocked, review, small, broken, clean))


@pytest.mark.parametrize(
    ("reporter", "golden"), [(JsonReporter(), "report.json"), (SarifReporter(), "report.sarif")]
)
def test_golden(reporter: Reporter, golden: str) -> None:
    rendered = reporter.render(sample_report())
    path = GOLDEN / golden
    if UPDATE:
        path.write_bytes(rendered)
    assert rendered == path.read_bytes(), (
        f"{golden} changed; rerun with CLEARANCE_UPDATE_GOLDEN=1 if intended"
    )


def test_reporters_follow_the_protocol() -> None:
    for reporter, name in (
        (JsonReporter(), "json"),
        (SarifReporter(), "sarif"),
        (TerminalReporter(), "terminal"),
    ):
        assert isinstance(reporter, Reporter) and reporter.name == name


def test_json_has_the_contract_shape() -> None:
    doc = json.loads(JsonReporter().render(sample_report()))
    assert list(doc) == ["tool", "policy", "files"]
    assert doc["tool"] == {"name": "clearance", "version": "0.1.0"}
    assert {"name", "sha256"} <= set(doc["policy"])
    first = doc["files"][0]
    assert list(first)[:8] == [
        "path",
        "sha256",
        "media_type",
        "verdict",
        "people",
        "categories",
        "reasons",
        "findings",
    ]
    finding = first["findings"][0]
    assert list(finding)[:7] == ["rule", "entity", "visibility", "location", "count", "masked", "fingerprint"]
    assert finding["location"] == {
        "part": "xl/worksheets/sheet3.xml",
        "sheet": "Detainees",
        "range": "B2:B6253",
    }
    assert {f["verdict"] for f in doc["files"]} == {"pass", "review", "block", "unscannable"}
    assert "revealed" not in finding


def test_reveal_is_explicit() -> None:
    report = sample_report()
    for reporter in (JsonReporter(), SarifReporter(), TerminalReporter()):
        assert b"RAW-SECRET-VALUE" not in reporter.render(report)
        assert b"RAW-SECRET-VALUE" in reporter.render(report, reveal=True)


def test_sarif_levels_rules_and_fingerprints() -> None:
    run = json.loads(SarifReporter().render(sample_report()))["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == ["a-number", "case-status", "email", "person-name", "policy", "unscannable"]
    by_rule = {}
    for result in run["results"]:
        by_rule.setdefault(result["ruleId"], []).append(result)
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    assert by_rule["person-name"][0]["level"] == "error"
    assert by_rule["email"][0]["level"] == "warning"
    assert by_rule["unscannable"][0]["level"] == "error"
    assert by_rule["policy"][0]["message"]["text"].startswith("3 small cells")
    loc = by_rule["person-name"][0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "reports/FY23_detentionStats.xlsx"
    assert loc["logicalLocations"][0]["name"] == "Detainees!B2:B6253"
    assert by_rule["person-name"][0]["partialFingerprints"] == {"clearanceFingerprint/v1": FP}
    assert run["artifacts"][1]["location"]["uri"] == "press/release%2012.docx"


def test_terminal_output() -> None:
    plain = TerminalReporter().render(sample_report()).decode()
    assert "\x1b[" not in plain
    assert " BLOCK  reports/FY23_detentionStats.xlsx" in plain
    assert "people: 6,252" in plain
    assert "Detainees!B2:B6253" in plain and "G****** M****, ..." in plain
    assert "note: Document metadata names 2 people" in plain
    assert plain.rstrip().endswith("5 files: 2 block, 1 review, 1 unscannable, 1 pass")
    assert max(len(line) for line in plain.splitlines()) <= 100
    coloured = TerminalReporter(colour=True).render(sample_report()).decode()
    assert "\x1b[" in coloured and "41m" in coloured  # red background for block
    assert TerminalReporter().render(sample_report(), colour=True).decode() == coloured


def test_terminal_does_not_interpret_markup_in_paths() -> None:
    report = sample_report()
    odd = FileReport(
        path="[bold red]x[/].csv",
        sha256="1" * 64,
        media_type="text/csv",
        size=1,
        verdict=Verdict.PASS,
        people=0,
        categories=(),
        reasons=(),
        findings=(),
    )
    out = TerminalReporter().render(ScanReport(report.tool_version, report.policy, (odd,))).decode()
    assert "[bold red]x[/].csv" in out


# -- no raw value ever reaches a report -------------------------------------------------------
RAW = {
    "person-name": ["Maria Garcia Lopez", "Ahmed Khan"],
    "a-number": ["A012345678", "A087654321"],
    "date-of-birth": ["1987-03-15", "1990-07-01"],
    "nationality": ["Honduras", "Guatemala"],
    "detention-facility": ["Port Isabel", "Otay Mesa"],
}


def _items() -> list:
    part = "xl/worksheets/sheet3.xml"
    items: list = []
    for i, (entity, values) in enumerate(RAW.items()):
        letter = "ABCDE"[i]
        items.append(
            ColumnCandidate(
                rule=entity,
                entity=entity,
                score=0.9,
                table_key="t",
                column_index=i,
                header=None,
                evidence="values",
                identifier=Identifier.DIRECT,
                values=tuple(values),
                first_row=2,
                location=Location(part=part, sheet="Detainees", range=f"{letter}2:{letter}3"),
                visibilities=(V.HIDDEN_SHEET,) * 2,
                category="asylum-immigration" if entity == "nationality" else None,
            )
        )
    para = Location(part="word/comments.xml", field="comment 1")
    for entity, value in (
        ("person-name", "Ana Souza"),
        ("email", "ana.souza@mailbox.org"),
        ("phone-number", "+1 202 555 0143"),
    ):
        items.append(
            Candidate(
                rule=entity,
                entity=entity,
                value=value,
                score=0.8,
                location=para,
                visibility=V.COMMENT,
                role="comment",
            )
        )
    items.append(
        Candidate(
            rule="person-name",
            entity="person-name",
            value="Jane Official",
            score=0.8,
            location=Location(part="docProps/core.xml", field="creator"),
            visibility=V.METADATA,
            role="metadata-author",
        )
    )
    return items


def test_no_raw_value_in_any_rendered_report() -> None:
    a = assess(_items(), key=b"k", path="leak.xlsx", limits=Limits())
    verdict, reasons, notes = decide(a, Policy())
    assert verdict is Verdict.BLOCK and a.people == 3
    file = FileReport(
        path="leak.xlsx",
        sha256="a" * 64,
        media_type="x",
        size=1,
        verdict=verdict,
        people=a.people,
        categories=a.categories,
        reasons=reasons,
        findings=a.findings,
        notes=notes,
        tables=a.tables,
        people_exact=a.people_exact,
    )
    report = ScanReport("0.1.0", PolicyInfo("default", "9" * 64, "1"), (file,))
    raw = [v for values in RAW.values() for v in values]
    raw += [
        "Ana Souza",
        "ana.souza@mailbox.org",
        "+1 202 555 0143",
        "2025550143",
        "Jane Official",
        "012345678",
        "087654321",
        "garcia lopez maria",
        "Garcia",
        "Souza",
        "Official",
        "mailbox",
    ]
    for reporter in (JsonReporter(), SarifReporter(), TerminalReporter(), TerminalReporter(colour=True)):
        out = reporter.render(report).decode()
        leaked = [v for v in raw if v.casefold() in out.casefold()]
        assert not leaked, (reporter.name, leaked)
    # values kept only by an assessment that was asked to reveal, shown only by a reveal render
    shown = assess(_items(), key=b"k", path="leak.xlsx", limits=Limits(), reveal=True).findings
    revealing = ScanReport(
        report.tool_version, report.policy, (FileReport(**{**file.__dict__, "findings": shown}),)
    )
    assert "Maria Garcia Lopez" not in JsonReporter().render(revealing).decode()
    assert "Maria Garcia Lopez" in JsonReporter().render(revealing, reveal=True).decode()
