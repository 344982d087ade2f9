"""The JSON report of CONTRACTS.md, exactly; extra fields are additions, never renames."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from clearance.model import FileReport, ScanReport

from .common import TOOL_NAME, finding_dict, table_dict


def file_dict(report: FileReport, *, reveal: bool) -> dict[str, Any]:
    return {
        "path": report.path,
        "sha256": report.sha256,
        "media_type": report.media_type,
        "verdict": report.verdict.value,
        "people": report.people,
        "categories": list(report.categories),
        "reasons": list(report.reasons),
        "findings": [finding_dict(f, reveal=reveal) for f in report.findings],
        # additions to the contract
        "size": report.size,
        "people_exact": report.people_exact,
        "notes": list(report.notes),
        "tables": [table_dict(t) for t in report.tables],
        "error": report.error,
    }


def report_dict(report: ScanReport, *, reveal: bool = False) -> dict[str, Any]:
    return {
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "policy": {
            "name": report.policy.name,
            "sha256": report.policy.sha256,
            "version": report.policy.version,
        },
        "files": [file_dict(f, reveal=reveal) for f in report.files],
    }


class JsonReporter:
    """``clearance scan --format json``: one JSON document, UTF-8, keys in contract order."""

    name: ClassVar[str] = "json"

    def render(self, report: ScanReport, *, reveal: bool = False) -> bytes:
        text = json.dumps(report_dict(report, reveal=reveal), indent=2, ensure_ascii=False)
        return (text + "\n").encode("utf-8")
