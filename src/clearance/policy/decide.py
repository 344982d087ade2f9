"""Assessment + Policy -> verdict, reasons, notes. Pure: no I/O, no clock, no environment.

Order of precedence: anything that blocks -> BLOCK; else a part that could not be inspected ->
UNSCANNABLE (fail closed, never pass); else anything to review -> REVIEW; else PASS. What passes
is still said in the notes (authors, staff named in prose, aggregate tables), never silently.
A block rule the policy switches off is downgraded to review, not dropped: a policy can relax
clearance's judgement, not hide what it found.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from clearance.config.schema import Policy
from clearance.model import Assessment, Finding, Location, SmallCell, TableSummary, Verdict, Visibility

from . import wording as w

NAME_ENTITIES = frozenset({"person-name", "given-name", "family-name"})

# Hidden parts a human should look at even when no personal data was found in them: they are
# where the founding leak sat. Defined names, validation lists, comments and metadata are
# everyday structure and are reported only when they hold personal data.
REVIEW_HIDDEN = frozenset(
    {
        Visibility.HIDDEN_SHEET,
        Visibility.VERY_HIDDEN_SHEET,
        Visibility.HIDDEN_ROW,
        Visibility.HIDDEN_COLUMN,
        Visibility.INVISIBLE_FORMAT,
        Visibility.PIVOT_CACHE,
        Visibility.EXTERNAL_LINK,
        Visibility.EMBEDDED_FILE,
        Visibility.UNDER_REDACTION,
        Visibility.EARLIER_REVISION,
        Visibility.TRACKED_CHANGE,
        Visibility.HTML_HIDDEN,
    }
)
# Small cells (policy d). A count of 1 or 2 singles someone out only where the cell's dimensions
# describe the person AND narrow to a population small enough to find them in: the example
# is facility x nationality x age band. So a small cell blocks when its dimensions hold at least
# MIN_PERSON_KINDS kinds of person quasi-identifier, at least one of them a detention facility or
# another small place. National counts by nationality x sex x age (UK Home Office tables), counts
# by one dimension (by facility, by month, by programme) and counts by period or process step
# identify no one and pass. The kinds come from the detector (TableProfile.small_cell_kinds).
PERSON_KINDS = frozenset({"nationality", "sex", "age", "date-of-birth", "detention-facility", "place"})
SMALL_POPULATION_KINDS = frozenset({"detention-facility", "place"})
MIN_PERSON_KINDS = 2
# Cells from a detector that gives no kinds: the old, cautious rule (two or more dimensions).
MIN_SMALL_CELL_DIMENSIONS = 2
KIND_LABELS = {
    "detention-facility": "facility",
    "place": "place",
    "nationality": "nationality",
    "sex": "sex",
    "age": "age",
    "date-of-birth": "date of birth",
}
# Longer headers are sentences, not column names: the entity's label reads better.
MAX_COLUMN_LABEL = 40
KIND_ORDER = ("detention-facility", "place", "nationality", "sex", "age", "date-of-birth")


@dataclass
class _Reasons:
    block: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)

    def add(self, text: str, *, blocks: bool) -> None:
        (self.block if blocks else self.review).append(text)


def decide(assessment: Assessment, policy: Policy) -> tuple[Verdict, tuple[str, ...], tuple[str, ...]]:
    """The verdict for one file, the reasons for it in plain language, and the notes."""
    reasons = _Reasons()
    notes: list[str] = []
    _under_redaction(assessment, reasons)
    _records(assessment, policy, reasons)
    _pivot_caches(assessment, policy, reasons)
    _rosters(assessment, policy, reasons)
    _categories(assessment, policy, reasons)
    _small_cells(assessment, policy, reasons)
    _quasi(assessment, reasons)
    _lone(assessment, policy, reasons, notes)
    _hidden(assessment, reasons if policy.review_hidden_content else None, notes)
    uninspected = [_uninspected(n.message, n.location) for n in assessment.notes if n.blocking]
    notes = [n.message for n in assessment.notes if not n.blocking] + notes
    if reasons.block:
        verdict = Verdict.BLOCK
    elif uninspected:
        verdict = Verdict.UNSCANNABLE
    elif reasons.review:
        verdict = Verdict.REVIEW
    else:
        verdict = Verdict.PASS
    return verdict, (*reasons.block, *uninspected, *reasons.review), tuple(notes)


def _uninspected(message: str, location: Location) -> str:
    where = location.describe()
    return f"Could not be inspected: {message}" + (f" ({where})" if where else "")


# -- (a) records ------------------------------------------------------------------------------
_VISIBILITY_RANK = {v: i for i, v in enumerate(Visibility)}


def _places(findings: list[Finding]) -> list[str]:
    """Places, the one holding most first; ties: sheets before hidden structures, then by name."""
    weight: dict[str, tuple[int, int]] = {}
    for f in findings:
        where = w.place(f.visibility, f.location)
        rank = (-f.count, _VISIBILITY_RANK[f.visibility])
        weight[where] = min(weight.get(where, rank), rank)
    return sorted(weight, key=lambda p: (weight[p], p))


def _records(a: Assessment, policy: Policy, reasons: _Reasons) -> None:
    records = [f for f in a.findings if f.kind == "record"]
    if not records:
        return
    who = w.people(a.people, a.people_exact) if a.people else "people"
    one = a.people == 1 and a.people_exact
    fields = w.fields((f.entity for f in records), singular=one)
    if all(f.role not in TABLE_ROLES for f in records):  # prose: a letter, a memo, a report
        text = f"The document identifies {who} ({fields}) in {w.join(_places(records))}"
    else:
        text = f"Identifies {who} ({w.fields(f.entity for f in records)}) in {w.join(_places(records))}"
    reasons.add(text, blocks=policy.block_records)


# Roles of findings that come from table cells, not prose.
TABLE_ROLES = frozenset({"cell"})


def _under_redaction(a: Assessment, reasons: _Reasons) -> None:
    """Text under an opaque box is still in the file: anyone can copy it out. A black box over
    live text is never a redaction, so what sits there blocks whatever it is; a box over text
    in which nothing personal was recognised still goes to a person."""
    found = [f for f in a.findings if f.visibility is Visibility.UNDER_REDACTION]
    pages: list[str] = []
    for f in found:
        where = _page(f.location)
        if where not in pages:
            pages.append(where)
    if found:
        what = w.fields(f.entity for f in found)
        reasons.add(f"Text under a black box on {w.join(pages)} is still in the file: {what}", blocks=True)
        return
    covered: list[str] = []
    for note in a.notes:
        if note.visibility is Visibility.UNDER_REDACTION and not note.blocking:
            where = _page(note.location)
            if where not in covered:
                covered.append(where)
    if covered:
        has = "has" if len(covered) == 1 else "have"
        reasons.add(
            f"{w.join(covered)[0].upper() + w.join(covered)[1:]} {has} text under an opaque box: "
            "a black box over live text is not a redaction",
            blocks=False,
        )


def _page(location: Location) -> str:
    return f"page {location.page}" if location.page is not None else "the document"


def _pivot_caches(a: Assessment, policy: Policy, reasons: _Reasons) -> None:
    caches = [t for t in a.tables if t.kind == "people" and t.visibility is Visibility.PIVOT_CACHE]
    if not caches:
        return
    rows = sum(t.rows for t in caches)
    sheets = [t for t in a.tables if t.kind == "people" and t.visibility is not Visibility.PIVOT_CACHE]
    text = f"Pivot cache keeps {w.count(rows, 'row')} of person-level source data"
    text += (
        " after the source sheet was removed"
        if not sheets
        else "; deleting or hiding the source sheet does not remove them"
    )
    reasons.add(text, blocks=policy.block_records or policy.block_name_lists)


# -- (b) rosters ------------------------------------------------------------------------------
def _table_at(a: Assessment, location: Location) -> TableSummary | None:
    for t in a.tables:
        if t.kind == "people" and t.location.part == location.part and t.location.sheet == location.sheet:
            return t
    return None


def _rosters(a: Assessment, policy: Policy, reasons: _Reasons) -> None:
    by_place: dict[str, list[Finding]] = defaultdict(list)
    for f in a.findings:
        if f.kind == "roster":
            by_place[w.place(f.visibility, f.location)].append(f)
    for where, group in sorted(by_place.items()):
        table = _table_at(a, group[0].location)
        n = table.people if table and table.people else max(f.count for f in group)
        entities = {f.entity for f in group}
        what = "names" if entities & NAME_ENTITIES else w.fields(entities)
        if n >= policy.thresholds.people_list_min_rows:
            reasons.add(f"Lists the {what} of {w.people(n)} in {where}", blocks=policy.block_name_lists)
        else:
            reasons.add(
                f"Names {w.people(n)} in {where}: check whether this is a private individual", blocks=False
            )


# -- (c) special categories -------------------------------------------------------------------
def _categories(a: Assessment, policy: Policy, reasons: _Reasons) -> None:
    for cat in a.categories:
        n = a.category_people.get(cat, -1)
        if n == 0:  # only in individual-level rows without names: the quasi reason says it
            continue
        about = f"of {w.people(n, a.people_exact)}" if n > 0 else "about identified people"
        reasons.add(
            f"Special category: {w.category_label(cat)} {about}", blocks=policy.block_special_categories
        )


# -- (d) small cells --------------------------------------------------------------------------
def disclosive_kinds(cell: SmallCell) -> tuple[str, ...] | None:
    """The person kinds that make a small cell disclosive, in reading order; None when it is not."""
    if not cell.dimension_kinds:  # no kinds known: cautious
        return () if len(cell.dimensions) >= MIN_SMALL_CELL_DIMENSIONS else None
    kinds = set(cell.dimension_kinds) & PERSON_KINDS
    if len(kinds) < MIN_PERSON_KINDS or not kinds & SMALL_POPULATION_KINDS:
        return None
    return tuple(k for k in KIND_ORDER if k in kinds)


def _small_cells(a: Assessment, policy: Policy, reasons: _Reasons) -> None:
    threshold = policy.thresholds.small_cell
    groups: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    kinds: dict[tuple[str | None, str | None], set[str]] = defaultdict(set)
    for cell in a.small_cells:
        if not 1 <= cell.value < threshold or (found := disclosive_kinds(cell)) is None:
            continue
        groups[(cell.location.sheet, cell.location.part)].append(cell.location.range or "")
        kinds[(cell.location.sheet, cell.location.part)].update(found)
    for key, refs in sorted(groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")):
        sheet, part = key
        where = w.quoted(sheet) if sheet else (part or "a table")
        span = w.bounding_range(refs)
        n = len(refs)
        cells = w.count(n, "small cell")
        who = "an individual" if n == 1 else "individuals"
        at = f"{where} {span}" if span else where
        crosstab = " x ".join(KIND_LABELS[k] for k in KIND_ORDER if k in kinds[key])
        of = f" of a {crosstab} cross-tabulation" if crosstab else ""
        text = f"{cells} (count below {threshold}){of} in {at} could single out {who}"
        reasons.add(text, blocks=policy.block_small_cells)


# -- reviews ----------------------------------------------------------------------------------
def _quasi(a: Assessment, reasons: _Reasons) -> None:
    by_place: dict[str, list[Finding]] = defaultdict(list)
    for f in a.findings:
        if f.kind == "quasi":
            by_place[w.place(f.visibility, f.location)].append(f)
    unnamed = [cat for cat in a.categories if a.category_people.get(cat, -1) == 0]
    for where, group in sorted(by_place.items()):
        rows = max(f.count for f in group)
        table = _table_of(a, group[0].location)
        what = _column_names(table, {f.entity for f in group}) or w.fields(f.entity for f in group)
        cats = sorted({f.category for f in group if f.category and f.category in unnamed})
        with_cats = f", including {w.join([w.category_label(c) for c in cats])}" if cats else ""
        reasons.add(
            f"{where[0].upper() + where[1:]} holds {w.count(rows, 'row')} of individual-level data "
            f"({what}) without names{with_cats}: check they cannot identify anyone",
            blocks=False,
        )


def _table_of(a: Assessment, location: Location) -> TableSummary | None:
    for t in a.tables:
        if t.kind != "people" and t.location.part == location.part and t.location.sheet == location.sheet:
            return t
    return None


def _column_names(table: TableSummary | None, entities: set[str]) -> str:
    """The table's own words for its columns ("sex, age, nationality, cause of death")."""
    if table is None:
        return ""
    names: list[str] = []
    for header, entity in table.columns:
        label = " ".join(header.replace("_", " ").split()).lower() if header else ""
        if entity in entities and label and label not in names and len(label) <= MAX_COLUMN_LABEL:
            names.append(label)
    return ", ".join(names)


def _lone(a: Assessment, policy: Policy, reasons: _Reasons, notes: list[str]) -> None:
    by_entity: dict[str, list[Finding]] = defaultdict(list)
    contacts: dict[str, list[Finding]] = defaultdict(list)
    for f in a.findings:
        if f.kind != "lone":
            continue
        # A phone number or e-mail address in a cell of a table that lists no people (a facility
        # list, a directory of offices) is an organisation's contact detail: the policy passes
        # those, and says so in a note.
        if f.role == "cell" and f.entity in ORGANISATION_CONTACT and not _in_people_table(a, f):
            contacts[f.entity].append(f)
        else:
            by_entity[f.entity].append(f)
    for entity in sorted(contacts, key=w.field_order):
        group = contacts[entity]
        n = sum(f.count for f in group)
        notes.append(
            f"{n:,} {w.entity_label(entity, n)} in {w.join(_places(group))}, a table that lists no "
            "people: treated as organisations' contact details"
        )
    for entity in sorted(by_entity, key=w.field_order):
        group = by_entity[entity]
        n = sum(f.count for f in group)
        it = "it belongs" if n == 1 else "they belong"
        text = (
            f"{n:,} {w.entity_label(entity, n)} with no other details in {w.join(_places(group))}: "
            f"check whether {it} to a private individual"
        )
        if n >= policy.thresholds.review_direct_in_prose:
            reasons.add(text, blocks=False)
        else:
            notes.append(text)


# Entities that organisations publish as contact details.
ORGANISATION_CONTACT = frozenset({"phone-number", "email", "street-address"})


def _in_people_table(a: Assessment, f: Finding) -> bool:
    return any(
        t.kind == "people" and t.location.part == f.location.part and t.location.sheet == f.location.sheet
        for t in a.tables
    )


def _hidden(a: Assessment, reasons: _Reasons | None, notes: list[str]) -> None:
    """Hidden parts with no personal data: review when the policy asks, else a note (never silent).

    The default policy notes them: real statistics workbooks often keep helper rows hidden, and
    every hidden part is still inspected by the detectors; what reaches here held nothing personal.
    """

    def add(text: str) -> None:
        if reasons is not None:
            reasons.add(text, blocks=False)
        else:
            notes.append(text)

    for t in a.tables:
        if t.kind == "people":
            continue
        where = w.place(t.visibility, t.location)
        if t.visibility in REVIEW_HIDDEN and t.rows:
            add(
                f"{where[0].upper() + where[1:]} holds {w.count(t.rows, 'row')} with no personal data "
                "found: a person should check it before publishing"
            )
        elif t.hidden_rows or t.hidden_columns:
            bits = [
                w.count(n, f"hidden {kind}")
                for n, kind in ((t.hidden_rows, "row"), (t.hidden_columns, "column"))
                if n
            ]
            add(
                f"{where[0].upper() + where[1:]} has {' and '.join(bits)} with no personal data found: "
                "a person should check them before publishing"
            )
    for note in a.notes:
        if note.visibility is Visibility.UNDER_REDACTION:
            continue  # _under_redaction: reviewed whatever the policy says
        if not note.blocking and note.visibility in REVIEW_HIDDEN:
            where = w.place(note.visibility, note.location)
            add(f"Hidden content in {where}: {note.message}")
