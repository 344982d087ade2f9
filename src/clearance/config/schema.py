"""Strict configuration models. Unknown keys are errors (``extra="forbid"``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Examples(Strict):
    match: list[str] = Field(default_factory=list)
    no_match: list[str] = Field(default_factory=list)


class Explain(Strict):
    """The rule's page, printed by ``clearance rules explain ID``."""

    detects: str
    risk: str
    false_positives: str = ""
    options: str = ""


IdentifierName = Literal["direct", "quasi", "category", "none"]


class Rule(Strict):
    """One pattern rule (text detector). ``pattern`` is a Python regular expression."""

    id: str
    entity: str
    identifier: IdentifierName = "direct"
    category: str | None = None
    pattern: str
    flags: list[Literal["IGNORECASE", "MULTILINE"]] = Field(default_factory=list)
    group: int = 0  # regex group holding the value
    validator: str | None = None  # name in detectors/validators.py
    keywords: list[str] = Field(default_factory=list)  # context words that raise the score
    requires_context: bool = False  # only report when a keyword/context matches
    score: float = Field(0.5, ge=0, le=1)  # score without context
    context_score: float = Field(0.9, ge=0, le=1)  # score with context
    allow: list[str] = Field(default_factory=list)  # regexes of values never reported
    examples: Examples = Field(default_factory=Examples)
    explain: Explain

    @field_validator("id")
    @classmethod
    def _id_slug(cls, v: str) -> str:
        if not v or not all(c.isalnum() or c == "-" for c in v):
            raise ValueError("rule id must be letters, digits and '-'")
        return v


class ColumnRule(Strict):
    """Header patterns that say what a table column holds (any language)."""

    entity: str
    identifier: IdentifierName = "direct"
    category: str | None = None
    headers: list[str]  # regexes, matched case-insensitively against the normalised header
    examples: Examples = Field(default_factory=Examples)


class CategoryTerms(Strict):
    """Terms that mark a special category of personal data when they describe a person."""

    category: str
    terms: list[str]  # regexes, case-insensitive, matched on word boundaries
    examples: Examples = Field(default_factory=Examples)


class RuleFile(Strict):
    version: str = "1"
    rules: list[Rule] = Field(default_factory=list)
    columns: list[ColumnRule] = Field(default_factory=list)
    categories: list[CategoryTerms] = Field(default_factory=list)


class Limits(Strict):
    """Resource limits; every one exists so a hostile file ends as unscannable, not a crash."""

    max_file_bytes: int = 2 * 1024**3  # larger files are refused, not half-read
    max_text_file_bytes: int = 4 * 1024**3  # delimited text is streamed, so it may be larger
    max_uncompressed_bytes: int = 1024**3  # total inflated size of a zip-based file
    max_member_bytes: int = 512 * 1024**2  # one inflated zip member
    max_compression_ratio: float = 200.0  # zip bombs inflate 1000x+; real xlsx are < 100x
    max_members: int = 10_000
    max_depth: int = 4  # nested embedded files / archives
    max_cells: int = 50_000_000
    max_seconds: float = 300.0  # wall-clock budget per file
    chunk_rows: int = 50_000  # rows per table chunk when streaming
    max_tracked_people: int = 2_000_000  # exact distinct counting up to this, then "at least"
    # PDFs with more pages are refused: every page is laid out, and page trees are the usual
    # vehicle for "billion pages" denial of service. 5,000 is well above real reports.
    max_pages: int = 5000


class PolicyThresholds(Strict):
    small_cell: int = Field(3, ge=1)  # counts below this in a cross-tab of quasi-identifiers
    people_list_min_rows: int = Field(2, ge=1)  # a name column with at least this many names
    table_min_rows: int = Field(3, ge=1)  # rows before a block is treated as a table
    name_column_share: float = Field(0.6, gt=0, le=1)  # share of values that look like names
    review_direct_in_prose: int = Field(1, ge=1)  # private names in prose -> review


class Policy(Strict):
    name: str = "default"
    version: str = "1"
    description: str = ""
    block_records: bool = True  # a name or personal ID with another attribute of that person
    block_name_lists: bool = True  # any roster of names, however short
    block_special_categories: bool = True
    block_small_cells: bool = True
    review_hidden_content: bool = False  # True: hidden parts with no personal data go to review
    allow_fingerprints: list[str] = Field(default_factory=list)  # staff/official names allowed
    thresholds: PolicyThresholds = Field(default_factory=PolicyThresholds)
    # Gate (clearance submit): a file that passes is cleared for publication without a person
    # looking at it. False sends every file to review. A pass that still names a special
    # category is never cleared automatically.
    auto_clear_pass: bool = True
    # Gate: distinct approvers (none of them the submitter) needed to release a file holding
    # special-category data (GDPR art. 9 / 10 kinds: health, asylum, criminal...). Two is the
    # "four eyes" rule; 1 turns it off.
    approvals_special_category: int = Field(2, ge=1)


class ScanConfig(Strict):
    ignore: list[str] = Field(default_factory=list)  # glob patterns of paths not to scan
    reveal: bool = False  # print raw values (authorised investigators only)
    fingerprint_key: str | None = None  # secret for keyed fingerprints; env CLEARANCE_KEY
    limits: Limits = Field(default_factory=Limits)


class ProjectFile(Strict):
    """``clearance.toml`` / ``[tool.clearance]``: everything a user may set."""

    scan: ScanConfig = Field(default_factory=ScanConfig)
    policy: str | None = None  # path to a policy TOML
    rules: list[str] = Field(default_factory=list)  # extra rule files; they EXTEND the defaults
    replace_default_rules: bool = False  # explicit opt-out of the defaults (gitleaks #1164)
