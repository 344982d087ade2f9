"""Findings -> Plan. Pure: reads a ``FileReport`` (findings, table summaries) and options only.

The planner never looks at the file (STYLE.md habit 12): every action is placed at a finding's
``Location``. Hidden person data is removed whatever the masking options say; visible person
data is treated per entity (``SanitizeOptions.treatments``). Hidden findings are planned before
visible ones (``stage="hidden"`` then ``"visible"``): a column classifier can call an aggregate
sheet's label column "nationality" only while a hidden person list shares the sheet, so the
visible pass is planned from the re-scan of the first pass's output, not from the original.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from clearance.actions.sanitize.base import (
    Action,
    ActionKind,
    HiddenRows,
    Plan,
    SanitizeOptions,
    Treatment,
)
from clearance.model import FileReport, Finding, Location, Visibility

_SHEET = {Visibility.HIDDEN_SHEET, Visibility.VERY_HIDDEN_SHEET}
_ROWS = {Visibility.HIDDEN_ROW, Visibility.FILTERED_ROW, Visibility.COLLAPSED_ROW}
_BY_VISIBILITY: dict[Visibility, ActionKind] = {
    Visibility.HIDDEN_COLUMN: ActionKind.DELETE_COLUMNS,
    Visibility.INVISIBLE_FORMAT: ActionKind.CLEAR_CELLS,
    Visibility.INVISIBLE_TEXT: ActionKind.REDACT_TEXT,
    Visibility.PIVOT_CACHE: ActionKind.DROP_PIVOTS,
    Visibility.COMMENT: ActionKind.DROP_COMMENTS,
    Visibility.METADATA: ActionKind.DROP_METADATA,
    Visibility.DEFINED_NAME: ActionKind.DROP_DEFINED_NAMES,
    Visibility.DATA_VALIDATION: ActionKind.DROP_VALIDATIONS,
    Visibility.EXTERNAL_LINK: ActionKind.DROP_EXTERNAL_LINKS,
    Visibility.EMBEDDED_FILE: ActionKind.DROP_EMBEDDED,
    Visibility.ARCHIVE_MEMBER: ActionKind.DROP_EMBEDDED,
    Visibility.TRACKED_CHANGE: ActionKind.ACCEPT_CHANGES,
    Visibility.EARLIER_REVISION: ActionKind.DROP_REVISIONS,
    Visibility.UNDER_REDACTION: ActionKind.REDACT_REGION,
    Visibility.SPEAKER_NOTES: ActionKind.DROP_NOTES,
    Visibility.ALT_TEXT: ActionKind.DROP_ALT_TEXT,
    Visibility.HTML_HIDDEN: ActionKind.DROP_ELEMENT,
    Visibility.HIDDEN_TEXT: ActionKind.DROP_ELEMENT,
    Visibility.HIDDEN_SLIDE: ActionKind.DROP_ELEMENT,
    Visibility.HIDDEN_LAYER: ActionKind.DROP_ELEMENT,
}
# Done on every copy made for publication, whatever the findings: authors in document
# properties, comment authors and macros are never part of what is published.
HYGIENE: tuple[ActionKind, ...] = (ActionKind.DROP_METADATA, ActionKind.DROP_COMMENTS, ActionKind.DROP_MACROS)
_TREATMENT_KIND = {
    Treatment.REMOVE: ActionKind.CLEAR_CELLS,
    Treatment.MASK: ActionKind.MASK_CELLS,
    Treatment.PSEUDONYM: ActionKind.PSEUDONYMISE,
    Treatment.GENERALISE: ActionKind.GENERALISE,
}


def has_hidden(report: FileReport) -> bool:
    return any(_hidden(f) for f in report.findings)


def _hidden(f: Finding) -> bool:
    return f.visibility is not Visibility.VISIBLE or bool(f.location.members)


def build_plan(
    report: FileReport, options: SanitizeOptions, *, stage: str = "auto", hygiene: bool = True
) -> Plan:
    """Plan for one file. ``stage``: "hidden", "visible", "all", or "auto" (hidden if any, else
    visible)."""
    if stage == "auto":
        stage = "hidden" if has_hidden(report) else "visible"
    findings = [f for f in report.findings if stage == "all" or (stage == "hidden") == _hidden(f)]
    actions: list[Action] = []
    if hygiene:
        actions.extend(Action(kind, Location(), visibility=Visibility.METADATA) for kind in HYGIENE)
    actions.extend(_merge(_action(f, options) for f in findings))
    # a hidden person table the assessor summarised but whose cells produced no finding
    dropped = {a.location.sheet for a in actions if a.kind is ActionKind.DROP_SHEET}
    for t in report.tables:
        if t.kind == "people" and t.visibility in _SHEET and t.location.sheet not in dropped:
            actions.append(
                Action(
                    ActionKind.DROP_SHEET,
                    Location(part=t.location.part, sheet=t.location.sheet),
                    entities=tuple(e for _, e in t.columns),
                    visibility=t.visibility,
                    count=t.people or t.rows,
                )
            )
    return Plan(path=report.path, media_type=report.media_type, actions=tuple(actions), options=options)


def _action(f: Finding, options: SanitizeOptions) -> Action:
    loc = f.location
    common = {
        "entity": f.entity,
        "entities": (f.entity,),
        "visibility": f.visibility,
        "count": f.count,
        "masked": f.masked,
    }
    if loc.members:  # inside an embedded file or archive member: drop the member
        return Action(
            ActionKind.DROP_EMBEDDED, Location(part=loc.members[0], members=loc.members[:1]), **common
        )
    vis = f.visibility
    if vis in _SHEET:
        return Action(ActionKind.DROP_SHEET, Location(part=loc.part, sheet=loc.sheet), **common)
    if vis in _ROWS:
        kind = ActionKind.DELETE_ROWS if options.hidden_rows is HiddenRows.DELETE else ActionKind.UNHIDE
        return Action(kind, loc, **common)
    if vis is Visibility.HIDDEN_COLUMN and options.hidden_rows is HiddenRows.UNHIDE:
        return Action(ActionKind.UNHIDE, loc, **common)
    if vis in _BY_VISIBILITY:
        return Action(_BY_VISIBILITY[vis], loc, **common)
    treatment = options.treatment(f.entity)
    if f.role == "cell" or loc.range or loc.column is not None or (loc.field and not loc.part):
        kind = _TREATMENT_KIND[treatment]
        if loc.field and loc.range is None and loc.column is None and treatment is Treatment.REMOVE:
            kind = ActionKind.DROP_FIELD
        return Action(kind, loc, treatment=treatment, **common)
    if f.role.startswith("metadata"):
        return Action(ActionKind.DROP_METADATA, loc, **common)
    return Action(ActionKind.REDACT_TEXT, loc, treatment=treatment, **common)


def _merge(actions: Iterable[Action]) -> list[Action]:
    """One action per (kind, place, entity); whole-sheet/part actions merge their entities."""
    whole = {
        ActionKind.DROP_SHEET,
        ActionKind.DROP_PIVOTS,
        ActionKind.DROP_COMMENTS,
        ActionKind.DROP_EMBEDDED,
        ActionKind.DROP_EXTERNAL_LINKS,
        ActionKind.DROP_METADATA,
        ActionKind.DROP_DEFINED_NAMES,
        ActionKind.DROP_VALIDATIONS,
    }
    groups: dict[tuple[object, ...], list[Action]] = defaultdict(list)
    for a in actions:
        if a.kind in whole:
            key: tuple[object, ...] = (
                a.kind,
                a.location.part,
                a.location.sheet,
                a.location.field,
                a.location.members,
            )
        else:
            key = (a.kind, a.location, a.entity)
        groups[key].append(a)
    out: list[Action] = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            out.append(first)
            continue
        entities = tuple(dict.fromkeys(e for a in group for e in a.entities))
        loc = first.location
        if first.kind in whole and any(a.location != loc for a in group):
            loc = Location(part=loc.part, sheet=loc.sheet, field=loc.field, members=loc.members)
        out.append(
            Action(
                first.kind,
                loc,
                entity=first.entity,
                entities=entities,
                visibility=first.visibility,
                treatment=first.treatment,
                count=max(a.count for a in group),
                masked=first.masked,
            )
        )
    return out


__all__ = ["HYGIENE", "build_plan", "has_hidden"]
