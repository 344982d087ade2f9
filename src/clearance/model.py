"""Types that flow between the stages. Frozen dataclasses; this module imports nothing internal.

Data flows one way: sources yield ``Document``; extractors turn a document into ``Segment``
(free text), ``Table`` (rows and columns), ``Note`` (something worth saying that is not data,
e.g. "embedded object could not be opened") and child ``Document`` (embedded files, archive
members); detectors turn segments and tables into ``Candidate``; assess turns candidates into
``Finding`` and a people count; policy turns findings into a ``FileReport`` with a verdict.

Raw values exist only in ``Segment``/``Table``/``Candidate`` (in memory, never serialised).
``Finding`` and everything after it carries masked values and keyed fingerprints only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO


class Visibility(StrEnum):
    """Where data sits, seen from a reader of the published file (CONTRACTS.md)."""

    VISIBLE = "visible"
    HIDDEN_SHEET = "hidden-sheet"
    VERY_HIDDEN_SHEET = "very-hidden-sheet"
    HIDDEN_ROW = "hidden-row"
    HIDDEN_COLUMN = "hidden-column"
    FILTERED_ROW = "filtered-row"
    COLLAPSED_ROW = "collapsed-row"
    INVISIBLE_FORMAT = "invisible-format"
    PIVOT_CACHE = "pivot-cache"
    COMMENT = "comment"
    TRACKED_CHANGE = "tracked-change"
    METADATA = "metadata"
    DEFINED_NAME = "defined-name"
    DATA_VALIDATION = "data-validation"
    EXTERNAL_LINK = "external-link"
    EMBEDDED_FILE = "embedded-file"
    UNDER_REDACTION = "under-redaction"
    EARLIER_REVISION = "earlier-revision"
    SPEAKER_NOTES = "speaker-notes"
    ALT_TEXT = "alt-text"
    HTML_HIDDEN = "html-hidden"
    ARCHIVE_MEMBER = "archive-member"
    INVISIBLE_TEXT = "invisible-text"  # PDF text a reader cannot see: render mode 3, same colour as
    # its background, microscopic, or placed off the page
    HIDDEN_LAYER = "hidden-layer"  # PDF optional-content group switched off by default
    HIDDEN_TEXT = "hidden-text"  # word-processor text formatted hidden (w:vanish, text:hidden-*)
    HIDDEN_SLIDE = "hidden-slide"  # a slide not shown in a presentation (p:sld show="0")

    @property
    def hidden(self) -> bool:
        return self is not Visibility.VISIBLE


class Verdict(StrEnum):
    PASS = "pass"
    REVIEW = "review"
    BLOCK = "block"
    UNSCANNABLE = "unscannable"


class Identifier(StrEnum):
    """How strongly an entity identifies a person on its own."""

    DIRECT = "direct"  # names, personal ID numbers, emails, phones
    QUASI = "quasi"  # date of birth, nationality, facility, sex, age
    CATEGORY = "category"  # marks a special category (case status, health, criminal)
    NONE = "none"


@dataclass(frozen=True)
class Location:
    """Where something sits, rich enough for a sanitizer to write back without re-parsing."""

    part: str | None = None  # container part, e.g. "xl/worksheets/sheet3.xml", "docProps/core.xml"
    sheet: str | None = None
    range: str | None = None  # A1-style cell or range
    row: int | None = None  # 1-based row in the sheet/file
    column: int | None = None  # 1-based column
    field: str | None = None  # metadata field, defined name, JSON key path, attribute
    page: int | None = None
    members: tuple[str, ...] = ()  # archive / embedded-file chain, outermost first
    # PDF: (x0, top, x1, bottom) in points from the top-left corner of the page as displayed
    bbox: tuple[float, float, float, float] | None = None
    revision: int | None = None  # PDF: 1-based incremental-update revision (earlier than the final)

    def describe(self) -> str:
        bits: list[str] = []
        if self.members:
            bits.append(" > ".join(self.members))
        if self.sheet is not None:
            bits.append(f"sheet '{self.sheet}'")
        if self.range:
            bits.append(self.range)
        elif self.row is not None:
            bits.append(f"row {self.row}")
        if self.field:
            bits.append(self.field)
        if self.page is not None:
            bits.append(f"page {self.page}")
        if self.revision is not None:
            bits.append(f"revision {self.revision}")
        if not bits and self.part:
            bits.append(self.part)
        return ", ".join(bits)


@dataclass(frozen=True)
class Document:
    """One file (or embedded file / archive member) to scan. Bytes are opened lazily."""

    path: str  # display path; for members "outer.zip!inner/file.csv"
    size: int
    sha256: str
    media_type: str  # sniffed from content, never from the extension alone
    open: Callable[[], BinaryIO]
    members: tuple[str, ...] = ()  # chain of containers this came from
    depth: int = 0
    visibility: Visibility = Visibility.VISIBLE  # an embedded file is hidden from a reader


@dataclass(frozen=True)
class Segment:
    """Free text with the structured context the extractor knows (label, heading, key)."""

    text: str
    location: Location
    visibility: Visibility = Visibility.VISIBLE
    context: tuple[str, ...] = ()  # e.g. ("Sheet3", "column: Name"), JSON key, form label
    role: str = "text"  # text | cell | comment | metadata-author | metadata | defined-name | ...


@dataclass(frozen=True)
class Table:
    """A rectangular block of cells. ``rows`` hold strings (None for empty cells).

    Large tables arrive as several chunks sharing ``key``; ``first_row`` numbers the chunk's
    first data row in the sheet (1-based). ``row_visibility``/``column_visibility`` say which
    rows/columns a reader cannot see; ``cell_visibility`` overrides single cells (``;;;`` formats,
    white-on-white text).
    """

    key: str  # stable id of the table within the document, e.g. "xl/worksheets/sheet3.xml"
    location: Location  # part + sheet
    header: tuple[str, ...] | None
    rows: Sequence[Sequence[str | None]]
    first_row: int = 2  # sheet row number of rows[0]
    first_column: int = 1  # sheet column number of column 0
    header_row: int | None = 1
    visibility: Visibility = Visibility.VISIBLE  # whole-table visibility (hidden sheet, pivot cache)
    row_visibility: Sequence[Visibility] = ()  # per row, empty = all visible
    column_visibility: Sequence[Visibility] = ()  # per column, empty = all visible
    cell_visibility: dict[tuple[int, int], Visibility] = field(default_factory=dict)  # (row idx, col idx)
    chunk: int = 0
    last_chunk: bool = True
    role: str = "sheet"  # sheet | pivot-cache | csv | external-link | ...

    def visibility_of(self, r: int, c: int) -> Visibility:
        if (r, c) in self.cell_visibility:
            return self.cell_visibility[(r, c)]
        if self.visibility is not Visibility.VISIBLE:
            return self.visibility
        if self.column_visibility and c < len(self.column_visibility):
            v = self.column_visibility[c]
            if v is not Visibility.VISIBLE:
                return v
        if self.row_visibility and r < len(self.row_visibility):
            return self.row_visibility[r]
        return Visibility.VISIBLE


@dataclass(frozen=True)
class Note:
    """Something an extractor reports that is not text: an uninspected part, a structure."""

    code: str  # e.g. "embedded-object-unreadable", "macro", "external-link"
    message: str  # plain language, never a raw personal value
    location: Location = Location()
    visibility: Visibility = Visibility.VISIBLE
    blocking: bool = False  # True: a part could not be inspected -> file cannot pass


class Unscannable(Exception):
    """Raised by an extractor or source when a file cannot be inspected. Fails closed."""

    def __init__(self, reason: str, code: str = "unscannable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


Extracted = Segment | Table | Note | Document


@dataclass(frozen=True)
class Problem:
    """A path a source could not turn into a Document (unreadable, over a limit): unscannable."""

    path: str
    reason: str
    code: str = "unreadable"
    size: int = 0
    sha256: str = ""


@dataclass(frozen=True)
class Span:
    """A detection in a text: character offsets (end exclusive), entity, score (CONTRACTS.md)."""

    start: int
    end: int
    entity: str
    score: float


@dataclass(frozen=True)
class Candidate:
    """A detector's raw hit. ``value`` is the raw text: in memory only, never serialised."""

    rule: str
    entity: str
    value: str
    score: float
    location: Location
    visibility: Visibility
    identifier: Identifier = Identifier.DIRECT
    category: str | None = None  # special category this marks, e.g. "asylum-immigration"
    table_key: str | None = None  # set for cells of a table
    row_index: int | None = None  # absolute data-row index within the table (for person linking)
    column_index: int | None = None
    role: str = "text"  # copied from the segment: lets policy tell authors from records
    start: int | None = None  # span in the segment text
    end: int | None = None


@dataclass(frozen=True)
class ColumnCandidate:
    """A whole table column classified at once (header and values together).

    The fast path for tables: one object per column instead of one per cell. ``values`` holds,
    per data row of the chunk, the raw cell text when that cell supports the classification,
    else None. In memory only, never serialised.
    """

    rule: str
    entity: str
    score: float
    table_key: str
    column_index: int  # 0-based within the table
    header: str | None
    evidence: str  # "header", "values" or "header+values"
    identifier: Identifier
    values: tuple[str | None, ...]
    first_row: int  # sheet row number of values[0]
    location: Location  # part + sheet + the column's range
    visibilities: tuple[Visibility, ...]  # per value (same length as values)
    category: str | None = None
    chunk: int = 0


@dataclass(frozen=True)
class TableProfile:
    """What a detector learned about a table's shape: list of people, aggregate, or other."""

    table_key: str
    location: Location
    visibility: Visibility
    rows: int  # data rows (non-empty) in this chunk
    columns: int
    header: tuple[str, ...] | None
    numeric_columns: tuple[int, ...]  # columns that hold counts
    label_columns: tuple[int, ...]  # non-numeric columns that label rows (dimensions)
    hidden_rows: int = 0
    hidden_columns: int = 0
    small_cells: tuple[tuple[str, int, tuple[str, ...]], ...] = ()  # (A1 cell, count, dims)
    # Parallel to small_cells: what each dimension is ("nationality", "sex", "age",
    # "detention-facility", "place", "time", "other"), so policy can tell a facility x nationality
    # cross-tab (disclosive) from counts by month or by programme (not about people's traits).
    small_cell_kinds: tuple[tuple[str, ...], ...] = ()
    chunk: int = 0
    last_chunk: bool = True


@dataclass(frozen=True)
class Finding:
    """Masked, fingerprinted result of assessment; safe to serialise."""

    rule: str
    entity: str
    visibility: Visibility
    location: Location
    count: int
    masked: str
    fingerprint: str
    identifier: Identifier
    score: float
    category: str | None = None
    role: str = "text"
    # why it matters: "record" (attribute of an identified person), "roster" (a list of names),
    # "lone" (a direct identifier on its own), "mention" (a name in prose, no attributes),
    # "quasi" (individual-level rows without names or IDs)
    kind: str = "record"
    revealed: tuple[str, ...] = ()  # raw values, only when reveal was explicitly requested


@dataclass(frozen=True)
class TableSummary:
    key: str
    location: Location
    visibility: Visibility
    rows: int
    kind: str  # "people" | "aggregate" | "other"
    columns: tuple[tuple[str, str], ...]  # (header or letter, entity) for classified columns
    people: int = 0
    hidden_rows: int = 0
    hidden_columns: int = 0


@dataclass(frozen=True)
class SmallCell:
    location: Location
    value: int
    dimensions: tuple[str, ...]
    visibility: Visibility
    dimension_kinds: tuple[str, ...] = ()  # see TableProfile.small_cell_kinds


@dataclass(frozen=True)
class Assessment:
    """Everything policy needs about one file."""

    findings: tuple[Finding, ...]
    people: int
    people_exact: bool
    categories: tuple[str, ...]
    tables: tuple[TableSummary, ...]
    small_cells: tuple[SmallCell, ...]
    notes: tuple[Note, ...]
    entities_by_visibility: dict[str, tuple[str, ...]] = field(default_factory=dict)
    category_people: dict[str, int] = field(default_factory=dict)  # category -> people it describes


@dataclass(frozen=True)
class FileReport:
    path: str
    sha256: str
    media_type: str
    size: int
    verdict: Verdict
    people: int
    categories: tuple[str, ...]
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    tables: tuple[TableSummary, ...] = ()
    error: str | None = None  # reason when unscannable
    people_exact: bool = True


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    sha256: str
    version: str


@dataclass(frozen=True)
class ScanReport:
    tool_version: str
    policy: PolicyInfo
    files: tuple[FileReport, ...]

    @property
    def worst(self) -> Verdict | None:
        order = [Verdict.PASS, Verdict.UNSCANNABLE, Verdict.REVIEW, Verdict.BLOCK]
        vs = [f.verdict for f in self.files]
        return max(vs, key=order.index) if vs else None
