"""The writer protocol every sanitizer implements, and the types it consumes and returns.

A sanitizer never detects anything (STYLE.md habit 12): it is handed a ``Plan`` built from the
scan's ``Finding``s and ``TableSummary``s, applies each ``Action`` at its ``Location`` and
returns a ``Summary`` of what it removed, by location, with masked examples only. The pipeline
(``clearance.pipeline_sanitize``) then re-scans the output with every detector and hidden-content
check; only a clean re-scan lets the output be written.

To add a format: write a class with ``media_types`` and ``sanitize(data, plan, out)``, put it in
``clearance/actions/sanitize/<format>.py`` as ``SANITIZERS = (MySanitizer,)`` (or publish it
under the entry-point group ``clearance.sanitizers.v1``). Raise ``CannotSanitize`` when an
action cannot be honoured: the run then fails closed and nothing is written.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import BinaryIO, ClassVar, Protocol, runtime_checkable

from clearance.fingerprint import mask, normalise, parse_date
from clearance.model import Location, Visibility


class ActionKind(StrEnum):
    """What a writer does at a location. Writers ignore kinds that make no sense for them only
    when the location does not exist in their format; otherwise they raise ``CannotSanitize``."""

    DROP_PART = "drop-part"  # remove a package part / element wholesale (location.part or .field)
    DROP_SHEET = "drop-sheet"  # delete a worksheet (location.sheet)
    DELETE_ROWS = "delete-rows"  # delete rows (location.sheet + location.row / range rows)
    DELETE_COLUMNS = "delete-columns"  # delete columns (location.sheet + location.column / range)
    UNHIDE = "unhide"  # make hidden rows/columns visible (then columns are masked per options)
    CLEAR_CELLS = "clear-cells"  # empty the cells in location.range (keeps the grid)
    MASK_CELLS = "mask-cells"  # replace values by their masked form (fingerprint.mask)
    PSEUDONYMISE = "pseudonymise"  # replace values by keyed pseudonyms (same person, same alias)
    GENERALISE = "generalise"  # date of birth -> year / age band; facility -> region
    DROP_METADATA = "drop-metadata"  # clear document properties (location.field names one, else all)
    DROP_COMMENTS = "drop-comments"  # comments, notes, threaded comments, people parts
    DROP_DEFINED_NAMES = "drop-defined-names"  # workbook defined names (location.field = name)
    DROP_VALIDATIONS = "drop-validations"  # data-validation lists
    DROP_EXTERNAL_LINKS = "drop-external-links"
    DROP_EMBEDDED = "drop-embedded"  # embedded objects / attachments
    DROP_MACROS = "drop-macros"  # VBA projects
    DROP_PIVOTS = "drop-pivots"  # pivot caches + records + pivot tables
    DROP_FIELD = "drop-field"  # JSON key path / delimited column / HTML element (location.field)
    DROP_ELEMENT = "drop-element"  # markup element (HTML hidden element, docx hidden run, slide)
    DROP_NOTES = "drop-notes"  # speaker notes
    DROP_ALT_TEXT = "drop-alt-text"
    ACCEPT_CHANGES = "accept-changes"  # tracked changes: keep the final text, drop the history
    REJECT_CHANGES = "reject-changes"
    DROP_REVISIONS = "drop-revisions"  # PDF earlier incremental revisions
    REDACT_REGION = "redact-region"  # PDF: remove text/images under location.bbox on location.page
    REDACT_TEXT = "redact-text"  # free text: apply the entity's treatment to matching spans


class Treatment(StrEnum):
    REMOVE = "remove"
    MASK = "mask"
    PSEUDONYM = "pseudonym"
    GENERALISE = "generalise"


class HiddenRows(StrEnum):
    DELETE = "delete"
    UNHIDE = "unhide"


# Defaults (brief): names and IDs removed, date of birth generalised to the year, facility
# generalised to its region/state where known (else removed). Hidden person data is removed
# whatever the treatment: a hidden copy of a list of people is never worth keeping.
DEFAULT_TREATMENTS: Mapping[str, Treatment] = {
    "date-of-birth": Treatment.GENERALISE,
    "detention-facility": Treatment.GENERALISE,
    "facility": Treatment.GENERALISE,
}
DEFAULT_TREATMENT = Treatment.REMOVE
# Age bands used by ``--age-bands`` (lower bounds; the last band is open). Ten-year bands are
# the common statistical-disclosure default (ONS / Eurostat tables).
AGE_BANDS: tuple[int, ...] = (0, 18, 25, 35, 45, 55, 65)
PSEUDONYM_HEX = 8  # 32 bits: collisions are unlikely within one release and harmless if they happen


@dataclass(frozen=True)
class SanitizeOptions:
    """What the user chose. ``key`` is the pseudonym key (CLEARANCE_KEY), read by the pipeline."""

    treatments: Mapping[str, Treatment] = field(default_factory=lambda: dict(DEFAULT_TREATMENTS))
    hidden_rows: HiddenRows = HiddenRows.DELETE
    age_bands: bool = False
    key: bytes = b""
    reference_year: int | None = None  # for age bands; the pipeline sets it (stages read no clock)
    regions: Mapping[str, str] = field(default_factory=dict)  # facility (normalised) -> region
    tracked_changes: str = "accept"  # "accept" or "reject" pending revisions in documents

    def treatment(self, entity: str | None) -> Treatment:
        if entity is None:
            return DEFAULT_TREATMENT
        return self.treatments.get(entity, DEFAULT_TREATMENT)


@dataclass(frozen=True)
class Action:
    """One thing to do at one place. ``masked`` carries the findings' masked examples."""

    kind: ActionKind
    location: Location
    entity: str | None = None  # the entity this action is about (None for whole parts)
    entities: tuple[str, ...] = ()  # every entity found there (for the summary)
    visibility: Visibility = Visibility.VISIBLE
    treatment: Treatment | None = None  # for cell/field/text actions
    count: int = 0  # findings' count (values / people) at this location
    masked: str = ""  # masked example(s), never raw


@dataclass(frozen=True)
class Plan:
    """Everything a writer needs: built from findings, table summaries and options only."""

    path: str
    media_type: str
    actions: tuple[Action, ...]
    options: SanitizeOptions = SanitizeOptions()

    def of(self, *kinds: ActionKind) -> list[Action]:
        return [a for a in self.actions if a.kind in kinds]


@dataclass(frozen=True)
class Removal:
    """One line of the before/after summary. ``examples`` are masked values only."""

    kind: ActionKind
    location: Location
    description: str  # e.g. "hidden sheet 'Detainees' deleted: 6,252 rows (names, dates of birth)"
    count: int = 0
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    removals: tuple[Removal, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. "pivot tables dropped (not rebuilt)"


@runtime_checkable
class Sanitizer(Protocol):
    """Writes a clean copy of ``data`` to ``out`` by applying ``plan``; never re-detects."""

    media_types: ClassVar[tuple[str, ...]]

    def sanitize(self, data: BinaryIO, plan: Plan, out: BinaryIO) -> Summary: ...


class CannotSanitize(Exception):
    """A writer cannot honour the plan (unsupported part, corrupt input). Fails closed.

    The message must carry no raw personal value.
    """


# -- value treatments, shared by every writer -------------------------------------------------


def pseudonym(key: bytes, entity: str, value: str) -> str:
    """Keyed alias: the same person (normalised value) gets the same alias in every file."""
    digest = hmac.new(key, f"pseudonym\0{entity}\0{normalise(entity, value)}".encode(), hashlib.sha256)
    prefix = "Person" if entity in {"person-name", "given-name", "family-name"} else "ID"
    return f"{prefix}-{digest.hexdigest()[:PSEUDONYM_HEX].upper()}"


def age_band(born: date, year: int) -> str:
    age = year - born.year
    lows = [b for b in AGE_BANDS if b <= age]
    low = lows[-1] if lows else AGE_BANDS[0]
    idx = AGE_BANDS.index(low)
    if idx + 1 < len(AGE_BANDS):
        return f"{low}-{AGE_BANDS[idx + 1] - 1}"
    return f"{low}+"


def generalise(entity: str, value: str, options: SanitizeOptions) -> str | None:
    """Coarser form of a quasi-identifier, or None when there is none (then the value goes)."""
    text = value.strip()
    if not text:
        return text
    if entity in {"date-of-birth", "date"}:
        born = parse_date(text)
        if born is None:
            return None
        if options.age_bands and options.reference_year:
            return age_band(born, options.reference_year)
        return str(born.year)
    if entity in {"detention-facility", "facility"}:
        return options.regions.get(normalise(entity, text)) or _trailing_state(text)
    if entity == "age" and text.isdigit():
        return age_band(date(2000 - int(text), 1, 1), 2000) if options.age_bands else None
    return None


_US_STATES = frozenset(
    """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM
    NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU""".split()  # noqa: SIM905
)


def _trailing_state(text: str) -> str | None:
    """'Otay Mesa Detention Center, CA' -> 'CA': the state is printed in the name itself."""
    tail = text.replace("(", ",").replace(")", "").rsplit(",", 1)
    if len(tail) == 2 and tail[1].strip().upper() in _US_STATES:
        return tail[1].strip().upper()
    return None


def treat(entity: str, value: str, treatment: Treatment, options: SanitizeOptions) -> str | None:
    """Apply ``treatment`` to one raw value; None means remove (empty the cell / drop the field).

    A treatment that cannot be applied (a date that does not parse, a facility with no known
    region) falls back to removal, never to the raw value.
    """
    if treatment is Treatment.REMOVE or not value.strip():
        return None if value.strip() else value
    if treatment is Treatment.MASK:
        return mask(entity, value)
    if treatment is Treatment.PSEUDONYM:
        if not options.key:
            raise CannotSanitize("pseudonyms need a key: set CLEARANCE_KEY")
        return pseudonym(options.key, entity, value)
    return generalise(entity, value, options)


DONE: Mapping[Treatment, str] = {
    Treatment.REMOVE: "removed",
    Treatment.MASK: "masked",
    Treatment.PSEUDONYM: "pseudonymised",
    Treatment.GENERALISE: "generalised",
}


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def entity_words(entities: Iterable[str]) -> str:
    """'person-name', 'date-of-birth' -> 'names, dates of birth' for summaries."""
    words = {
        "person-name": "names",
        "given-name": "given names",
        "family-name": "family names",
        "date-of-birth": "dates of birth",
        "nationality": "nationalities",
        "a-number": "A-numbers",
        "detention-facility": "facilities",
        "case-status": "case status",
        "email": "email addresses",
        "phone-number": "phone numbers",
    }
    seen = dict.fromkeys(words.get(e, e.replace("-", " ")) for e in entities)
    return ", ".join(seen)


__all__ = [
    "AGE_BANDS",
    "DEFAULT_TREATMENTS",
    "DONE",
    "Action",
    "ActionKind",
    "CannotSanitize",
    "HiddenRows",
    "Plan",
    "Removal",
    "SanitizeOptions",
    "Sanitizer",
    "Summary",
    "Treatment",
    "age_band",
    "entity_words",
    "generalise",
    "plural",
    "pseudonym",
    "treat",
]
