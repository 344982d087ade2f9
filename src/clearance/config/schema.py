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


class RoleTerms(Strict):
    """Words that put a name beside them in a public role: an official speaking as such
    ("Secretary", "spokesperson", "said in a statement"). A name in the same sentence is not a
    private individual's, unless personal identifiers come with it."""

    role: str  # a label for the group of terms, e.g. "government", "press"
    terms: list[str]  # regexes, case-insensitive, matched on word boundaries
    examples: Examples = Field(default_factory=Examples)


class RuleFile(Strict):
    version: str = "1"
    rules: list[Rule] = Field(default_factory=list)
    columns: list[ColumnRule] = Field(default_factory=list)
    categories: list[CategoryTerms] = Field(default_factory=list)
    roles: list[RoleTerms] = Field(default_factory=list)


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
    # Exact distinct-people counting up to this many per file, then "at least N". The people index
    # costs about 1 kB a person at its peak, so this bounds a huge file to about half a gigabyte.
    max_tracked_people: int = 500_000
    # PDFs with more pages are refused: every page is laid out, and page trees are the usual
    # vehicle for "billion pages" denial of service. 5,000 is well above real reports.
    # Content streams (page and form drawing operators, not images or attachments) larger than
    # this cannot be interpreted in bounded time: pdfminer took 86 s on 64 MiB of zeros. Real
    # pages, even dense maps, stay well below it.
    max_pdf_content_bytes: int = 32 * 1024**2
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
    enable: list[str] = Field(default_factory=list)  # optional detectors to run, e.g. ["ner"]
    fingerprint_key: str | None = None  # secret for keyed fingerprints; env CLEARANCE_KEY
    limits: Limits = Field(default_factory=Limits)


class SmtpConfig(Strict):
    """E-mail alerts (plain text, masked values only). The password comes from the environment."""

    host: str
    port: int = Field(25, ge=1, le=65535)
    sender: str
    to: list[str] = Field(min_length=1)
    username: str | None = None
    password_env: str = "CLEARANCE_SMTP_PASSWORD"  # name of the variable holding the password
    starttls: bool = False
    timeout: float = Field(10.0, gt=0)


class WatchConfig(Strict):
    """``[watch]``: what ``clearance watch`` polls and how politely (see watch/runner.py)."""

    sites: list[str] = Field(default_factory=list)  # base URLs; nothing outside them is fetched
    urls: list[str] = Field(default_factory=list)  # explicit document URLs, checked every pass
    sitemaps: list[str] = Field(default_factory=list)  # default: robots.txt's, else /sitemap.xml
    # Seconds between passes. A pass on an unchanged site is robots.txt (cached), one 304 per
    # sitemap and start page, and a few revalidations, so 20 s keeps detection under a minute
    # (interval + fetch + scan) at a few requests per second (bench/bench_watch.py).
    interval: float = Field(20.0, gt=0)
    depth: int = Field(2, ge=0, le=10)  # link hops followed from each site's start page
    rate: float = Field(5.0, gt=0)  # requests per second per host, at most
    concurrency: int = Field(4, ge=1, le=64)  # requests in flight per host, at most
    user_agent: str | None = None  # default: clearance-watch/VERSION (+project URL)
    respect_robots: bool = True  # --ignore-robots: only for one's own site
    max_bytes: int = Field(100 * 1024**2, gt=0)  # larger downloads stop: the URL is unscannable
    timeout: float = Field(30.0, gt=0)  # seconds per request, in total
    # Known URLs re-requested (conditionally) per pass, oldest first: catches sitemaps whose
    # <lastmod> lies and documents only reachable by links. 25 per 20 s pass cycles 10,000 URLs
    # in about 2 h 15 min at ~1.3 extra requests per second.
    revalidate_per_pass: int = Field(25, ge=0)
    webhook_url: str | None = None
    webhook_secret_env: str = "CLEARANCE_WEBHOOK_SECRET"  # the HMAC secret is never in the file
    smtp: SmtpConfig | None = None
    base_url: str | None = None  # review app, for links to /submissions/{sha256}
    db: str | None = None  # store URL (default: --db, $CLEARANCE_DB)
    # Alert on served documents whose bytes were never cleared in the gate (or were revoked).
    # Default: on when a store was named (--db, $CLEARANCE_DB or db here).
    check_cleared: bool | None = None
    check_pages: bool = False  # also require clearance for the site's HTML pages
    drift_row_factor: float = Field(2.0, gt=1)  # a table growing more than this many times
    drift_row_increase: int = Field(1000, ge=1)  # ... or by this many rows, is drift


class ProjectFile(Strict):
    """``clearance.toml`` / ``[tool.clearance]``: everything a user may set."""

    scan: ScanConfig = Field(default_factory=ScanConfig)
    policy: str | None = None  # path to a policy TOML
    rules: list[str] = Field(default_factory=list)  # extra rule files; they EXTEND the defaults
    replace_default_rules: bool = False  # explicit opt-out of the defaults (gitleaks #1164)
    watch: WatchConfig | None = None  # clearance watch
