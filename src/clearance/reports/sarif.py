"""SARIF 2.1.0 for code-scanning dashboards: one rule per entity, one result per finding.

Spreadsheet cells have no line numbers, so each result carries the file as its physical
location and the sheet and range as a logical location. Unscannable files are results of the
"unscannable" rule, and a blocked or reviewed file with no findings (small cells only, hidden
content) gets one "policy" result, so a dashboard never shows it as clean.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import quote

from clearance.model import FileReport, Finding, ScanReport, Verdict

from .common import TOOL_NAME, finding_dict, where

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_NAME = "clearanceFingerprint/v1"  # versioned: a new scheme gets a new name
UNSCANNABLE_RULE = "unscannable"
POLICY_RULE = "policy"

LEVELS = {
    Verdict.BLOCK: "error",
    Verdict.REVIEW: "warning",
    Verdict.PASS: "note",
    Verdict.UNSCANNABLE: "error",  # fail closed: what was not inspected is not clean
}


def _rule(rule_id: str, text: str) -> dict[str, Any]:
    name = "".join(part.capitalize() for part in rule_id.split("-"))
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": f"Run `clearance rules explain {rule_id}` for what it detects and why it matters."},
    }


def _entity_rule(entity: str) -> dict[str, Any]:
    return _rule(entity, f"Personal data: {entity.replace('-', ' ')}")


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/:!@")


def _location(report: FileReport, index: int, finding: Finding | None) -> dict[str, Any]:
    artifact = {"uri": _uri(report.path), "index": index}
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact}}
    if finding is not None:
        logical = where(finding)
        if logical:
            full = f"{finding.location.part}#{logical}" if finding.location.part else logical
            loc["logicalLocations"] = [{"name": logical, "fullyQualifiedName": full, "kind": "element"}]
    return loc


def _finding_result(
    report: FileReport, index: int, finding: Finding, rule_index: int, reveal: bool
) -> dict[str, Any]:
    level = "note" if finding.kind == "mention" else LEVELS[report.verdict]
    text = (
        f"{finding.count:,} {finding.entity} value{'s' if finding.count != 1 else ''} "
        f"({finding.visibility.value}) in {where(finding) or report.path}: {finding.masked}"
    )
    props = finding_dict(finding, reveal=reveal)
    for key in ("rule", "entity", "fingerprint", "location", "masked"):
        props.pop(key)
    return {
        "ruleId": finding.entity,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text},
        "locations": [_location(report, index, finding)],
        "partialFingerprints": {FINGERPRINT_NAME: finding.fingerprint},
        "properties": {"rule": finding.rule, "verdict": report.verdict.value, **props},
    }


def _file_result(report: FileReport, index: int, rule_id: str, rule_index: int) -> dict[str, Any]:
    text = "; ".join(report.reasons) or report.error or report.verdict.value
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[report.verdict],
        "message": {"text": text},
        "locations": [_location(report, index, None)],
        "partialFingerprints": {FINGERPRINT_NAME: f"{rule_id}:{report.sha256}"},
        "properties": {"verdict": report.verdict.value, "people": report.people},
    }


def sarif_dict(report: ScanReport, *, reveal: bool = False) -> dict[str, Any]:
    entities = sorted({f.entity for file in report.files for f in file.findings})
    rules = [_entity_rule(e) for e in entities]
    needs_policy = any(not f.findings and f.verdict in (Verdict.BLOCK, Verdict.REVIEW) for f in report.files)
    if needs_policy:
        rules.append(_rule(POLICY_RULE, "The file's policy verdict (small cells, hidden content, ...)"))
    if any(f.verdict is Verdict.UNSCANNABLE for f in report.files):
        rules.append(_rule(UNSCANNABLE_RULE, "The file, or a part of it, could not be inspected"))
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    artifacts = []
    results = []
    for index, file in enumerate(report.files):
        artifacts.append(
            {
                "location": {"uri": _uri(file.path)},
                "length": file.size,
                "mimeType": file.media_type,
                "hashes": {"sha-256": file.sha256},
            }
        )
        if file.verdict is Verdict.UNSCANNABLE:
            results.append(_file_result(file, index, UNSCANNABLE_RULE, rule_index[UNSCANNABLE_RULE]))
        elif not file.findings and file.verdict in (Verdict.BLOCK, Verdict.REVIEW):
            results.append(_file_result(file, index, POLICY_RULE, rule_index[POLICY_RULE]))
        for finding in file.findings:
            results.append(_finding_result(file, index, finding, rule_index[finding.entity], reveal))
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": report.tool_version,
                        "semanticVersion": report.tool_version,
                        "rules": rules,
                    }
                },
                "artifacts": artifacts,
                "results": results,
                "properties": {
                    "policy": {
                        "name": report.policy.name,
                        "version": report.policy.version,
                        "sha256": report.policy.sha256,
                    }
                },
            }
        ],
    }


class SarifReporter:
    """``clearance scan --format sarif``."""

    name: ClassVar[str] = "sarif"

    def render(self, report: ScanReport, *, reveal: bool = False) -> bytes:
        return (json.dumps(sarif_dict(report, reveal=reveal), indent=2, ensure_ascii=False) + "\n").encode()
