"""Plain-data views of report objects shared by the reporters. Pure."""

from __future__ import annotations

from typing import Any

from clearance.model import Finding, Location, TableSummary

TOOL_NAME = "clearance"
SCORE_DIGITS = 3  # scores are heuristics; more digits would suggest false precision

_LOCATION_FIELDS = ("part", "sheet", "range", "row", "column", "field", "page")


def location_dict(location: Location) -> dict[str, Any]:
    """Only the fields that are set (CONTRACTS.md: location holds non-null fields only)."""
    out: dict[str, Any] = {}
    for name in _LOCATION_FIELDS:
        value = getattr(location, name)
        if value is not None:
            out[name] = value
    if location.members:
        out["members"] = list(location.members)
    return out


def finding_dict(finding: Finding, *, reveal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": finding.rule,
        "entity": finding.entity,
        "visibility": finding.visibility.value,
        "location": location_dict(finding.location),
        "count": finding.count,
        "masked": finding.masked,
        "fingerprint": finding.fingerprint,
        "identifier": finding.identifier.value,
        "score": round(finding.score, SCORE_DIGITS),
        "category": finding.category,
        "role": finding.role,
        "kind": finding.kind,
    }
    if reveal:
        out["revealed"] = list(finding.revealed)
    return out


def table_dict(table: TableSummary) -> dict[str, Any]:
    return {
        "key": table.key,
        "location": location_dict(table.location),
        "visibility": table.visibility.value,
        "kind": table.kind,
        "rows": table.rows,
        "people": table.people,
        "columns": [{"header": header, "entity": entity} for header, entity in table.columns],
        "hidden_rows": table.hidden_rows,
        "hidden_columns": table.hidden_columns,
    }


def where(finding: Finding) -> str:
    """Short "where" for tables of findings: sheet!range, else the location's description."""
    loc = finding.location
    label = loc.sheet or (loc.part.rsplit("/", 1)[-1] if loc.part else None)
    if label and loc.range:
        return f"{label}!{loc.range}"
    return loc.describe() or loc.part or ""
