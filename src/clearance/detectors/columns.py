"""Table column classifier: what each column holds, from its header AND its values.

Headers lie or are missing (a "Notes" column full of A-numbers, a sheet with no header row), so
values are classified on an even sample of each column and combined with the header:

* values that strongly support an entity override a header that says something else;
* a header is confirmed when enough sampled values support it, and dropped when the values
  contradict it ("Name" over facility names is not a person-name column);
* a header alone classifies a column only for entities whose values cannot be recognised on
  their own (passport numbers, street addresses, case status) and never a numeric column.

Regex work runs once per column over the newline-joined values (in C), never per cell in Python.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, zip_longest
from typing import ClassVar, Protocol

from clearance.config.loader import RuleSet
from clearance.config.schema import ColumnRule
from clearance.detectors import columns_cells as cells
from clearance.detectors.categories import CategoryMatcher
from clearance.detectors.dates import DateSpread, date_spread, excel_serial_date, parse_date
from clearance.detectors.rules import RuleDetector
from clearance.detectors.validators import a_number, country_names, fold, normalise_country, payment_card
from clearance.errors import ConfigError
from clearance.model import (
    Candidate,
    ColumnCandidate,
    Identifier,
    Location,
    Table,
    TableProfile,
    Visibility,
)

# --- tuning constants (each with its reason) ---------------------------------------------------

# Values sampled per column. 256 evenly spread cells estimate a share to within about +-6 points
# (95% interval of a proportion near 0.5), enough to tell 0.6 from 0.3, at a fixed cost per column.
SAMPLE_SIZE = 256
# Person-name scoring is the costliest classifier; 128 values still estimate a share within +-9 points.
NAME_SAMPLE_SIZE = 128
# Share of sampled values that must support an entity for the values alone to classify a column.
# Matches the default policy's name_column_share: most real columns have blanks and a few odd cells.
VALUE_MIN_SHARE = 0.6
# Share of sampled values that must support the header's entity to confirm it. Lower than
# VALUE_MIN_SHARE because the header is independent evidence.
HEADER_CONFIRM_SHARE = 0.3
# A cell counts as a person name from this NameModel.name_score on.
NAME_SCORE_MIN = 0.5
# Share of a given/family-name column's cells that must be 2+ word names to read it as full names.
FULL_NAME_SHARE = 0.75
# A header cell over "FAMILY, Given" names is itself a name when it has their comma and this
# share of the column has it too.
NAME_COMMA_SHARE = 0.8
# A list of people has mostly distinct names; a column of cities or offices repeats values.
NAME_MIN_DISTINCT_SHARE = 0.5
# Date-of-birth columns without a DOB header: ages must be plausible for nearly all dates, and the
# birth years spread over decades. Booking or report dates cluster within a year or two, but
# contract and inspection dates in facility lists spread over 10-20 years (ICE facility list
# 2017); adult populations span 25+ years between the 10th and 90th percentile of birth year.
DOB_MIN_PLAUSIBLE = 0.9
DOB_MIN_YEAR_SPAN = 22
# ...and the dates lie far enough back: contract dates in that list have a median "age" of 27,
# the people in records (adults) a median age over 30. A headerless DOB column of a young
# population is missed by design; with a DOB header it is always found.
DOB_MIN_MEDIAN_AGE = 30
DOB_MIN_DISTINCT_YEARS = 5
# A sex column holds two or three codes.
SEX_MAX_DISTINCT = 4
# phonenumbers validation costs ~0.3 ms a value: validate 32 of the phone-shaped values and
# scale, which estimates the valid share within about +-15 points, plenty to confirm a column.
PHONE_VALIDATE_SAMPLE = 32
# Ages run 0..110 (dates.MAX_AGE).
AGE_MAX = 110
# A column is numeric (a count, a measure) when at least 80% of its non-empty cells are numbers;
# the rest are typically footnote marks or "N/A".
NUMERIC_SHARE = 0.8

# A form or a record written across (labels down the first column, one record per further
# column): the first column is read as the header when this many of its cells, and this share of
# its non-empty ones, are header words naming distinct entities. Forms are short: a longer first
# column is a list, and is not looked at (keeps the check off the cost of big tables).
TRANSPOSE_MIN_LABELS = 3
TRANSPOSE_LABEL_SHARE = 0.6
TRANSPOSE_MAX_ROWS = 64

CATEGORY_CELL_SCORE = 0.6  # as categories.TERM_SCORE: a term alone says little about whom it concerns
SCORE_HEADER_VALUES = 0.95
SCORE_HEADER_ONLY = 0.7
SCORE_VALUES_BASE = 0.5  # values only: 0.5 + 0.45 * share -> 0.77 at a 60% share, 0.95 at 100%
SCORE_VALUES_SLOPE = 0.45

# Entities whose values cannot be told from other text: the header decides, values must be text.
HEADER_LED = frozenset({"passport-number", "id-number", "street-address", "us-itin"})
# Of those, the ones often issued as plain numbers (medical record, booking, student numbers).
HEADER_DIGIT_IDS = frozenset({"passport-number", "id-number"})
# A whole number of 4+ digits with no grouping or decimals: a record number, not a count ("1,204").
_ID_DIGITS = re.compile(r"^\d{4,}$", re.MULTILINE)
# 13-19 digits, optionally grouped by spaces or dashes: the shape of a payment card number.
_CARD_SHAPE = re.compile(r"^(?:\d[ -]?){12,18}\d$", re.MULTILINE)
CARD_MIN_DIGITS = 13
# Entities that make a table a list of people rather than an aggregate.
PERSON_ENTITIES = frozenset(
    {
        "person-name",
        "given-name",
        "family-name",
        "a-number",
        "us-ssn",
        "us-itin",
        "passport-number",
        "id-number",
        "email",
        "phone-number",
        "date-of-birth",
        "street-address",
        "payment-card",
    }
)
# Columns that describe a person (never an organisation): two of them with no count column make
# a table individual-level data.
PERSON_TRAITS = frozenset({"sex", "age", "date-of-birth", "nationality"})
MICRODATA_MIN_TRAITS = 2
# Strong identifiers searched cell by cell in free-text columns nobody classified.
CELL_RULES = (
    "a-number",
    "us-ssn",
    "us-itin",
    "email",
    "phone-number",
    "phone-number-intl",
    "payment-card",
)

# Headers of text columns that hold a special category whatever the cells say: a cause of death
# or a diagnosis describes someone's health even as "Natural causes" or "Other". (Categories
# terms in categories.toml find the category in cells; these find it in a header.)
HEADER_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "health",
        re.compile(
            r"^(?:(?:final |primary |underlying )?causes? of death|manner of death"
            r"|medical (?:condition|conditions|history)|diagnos[ie]s|health (?:condition|conditions|status)"
            r"|disabilit(?:y|ies)|illness|causa de (?:la )?muerte)$"
        ),
    ),
)
SEX_VALUES = frozenset({"m", "f", "male", "female", "masculino", "femenino", "hombre", "mujer", "x", "h"})
TOTAL_LABEL = re.compile(r"^\s*(?:grand\s+)?totale?s?\b|^\s*sum\b|^\s*suma\b", re.IGNORECASE)
# The same, line by line over newline-joined cells.
_TOTAL_LINE = re.compile(
    r"^[^\S\n]*(?:(?:grand[^\S\n]+)?totale?s?\b|sum\b|suma\b).*$", re.IGNORECASE | re.MULTILINE
)
# Name entities: a total row shaped like a name ("Grand Total") is not a person.
STRONG_CELL_IDS = frozenset({"a-number", "us-ssn", "us-itin", "passport"})
NAME_ENTITY_IDS = frozenset({"person-name", "given-name", "family-name"})

_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$", re.MULTILINE)
_INT = re.compile(r"^(\d+)(?:\.0+)?$")
_A_PREFIXED = re.compile(r"^A[- #]*(?:\d{3}[- ]?\d{3}[- ]?\d{3}|\d{8})$", re.MULTILINE)
_NINE_DIGITS = re.compile(r"^\d{3}[- ]?\d{3}[- ]?\d{3}$", re.MULTILINE)
_A_NUMBER_ANY = re.compile(r"^A?[- #]*(?:\d{3}[- ]?\d{3}[- ]?\d{3}|\d{8})$", re.MULTILINE)
_SSN_DASHED = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$", re.MULTILINE)
_SSN_ANY = re.compile(r"^(?!000|666|9\d\d)\d{3}[- ]?(?!00)\d{2}[- ]?(?!0000)\d{4}$", re.MULTILINE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,24}$", re.MULTILINE)
# In a column whose values are e-mail addresses, a cell whose local part has a space in it is one
# mistyped ("jose luis.rangel@..." from a compound given name): still that person's address.
_EMAIL_CELL = re.compile(r"^[^@\s][^@\n]*@[^@\s]+\.[A-Za-z]{2,24}$", re.MULTILINE)
# Phone-shaped: digits with at least one separator or a '+', so bare IDs and counts never qualify.
_PHONE = re.compile(r"^(?=.*[-+ ().])(?=(?:[^\d\n]*\d){9})[+(]?\d[\d ()+.-]{6,20}\d$", re.MULTILINE)
# Whitespace is [^\S\n] (never a newline): the pattern runs over newline-joined cells and must not
# match across two of them.
_DATE = re.compile(
    r"^(?:\d{4}-\d{1,2}-\d{1,2}(?:[ T][\d:.]+)?|\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
    r"|\d{1,2}[^\S\n]+(?:de[^\S\n]+)?[A-Za-z]{3,10}\.?,?[^\S\n]+(?:de[^\S\n]+)?\d{4}"
    r"|[A-Za-z]{3,10}\.?[^\S\n]+\d{1,2},?[^\S\n]+\d{4})$",
    re.MULTILINE,
)
_SERIAL = re.compile(r"^\d{4,5}(?:\.0+)?$", re.MULTILINE)
_AGE = re.compile(r"^\d{1,3}(?:\.0+)?$", re.MULTILINE)
# Letters with spaces, hyphens, apostrophes, dots and commas: the shape of a name or name part.
# Hyphens include U+2010/2011/2013 ("CACERES‐ Maradiaga, Vicente" in ICE's PDF list).
# A nickname in double quotes or parentheses may stand between or after the words ("Gonzalo "Chuy"
# Valladares", "Jose (Pepe) Garcia"); the name model leaves it out of the score.
_NICK = r"[\"\u201c(][^\W\d_](?:[^\W\d_]|[ .'’-]){0,29}[\"\u201d)]"
_NAME_SHAPE = re.compile(
    rf"^[^\W\d_][^\W\d_ .,'’-]*(?:[ .,'’‐‑–-]+[^\W\d_][^\W\d_.'’-]*|[^\S\n]+{_NICK}){{0,5}}\.?$", re.MULTILINE
)
# An A-number stored as a number (8 digits when its leading zero was lost).
_BARE_A_NUMBER = re.compile(r"\d{8,9}(?:\.0+)?")
# An A-number stands out among counts; where more of a column's sampled values are this large,
# they are the column's own magnitude (populations, budgets), not a person's number.
BARE_A_NUMBER_MAX_SHARE = 0.1
# Under a header that says the column holds names, any cell with a letter is a person's record
# ("NAND MAYA (AKA NAND MAYA)", "Romero, Ronal Francisco (aka Cruz, Ronald)", single names,
# "Unknown"): in a list of people a row is a person whatever the name looks like. Totals and a
# repeated header row are still left out.
_NAME_CELL = re.compile(r"^[^\n]*[^\W\d_][^\n]*$", re.MULTILINE)
# Chinese, Japanese and Korean names: 2-4 Han characters (唐建华), 2-4 Hangul syllables (김정희),
# kana, or Japanese family and given name with a space (山田 太郎). The name model knows Latin
# names only, so these count as names under a person-name header, never from values alone.
_CJK = "\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff"
_CJK_NAME = re.compile(
    rf"^(?:[{_CJK}]{{2,4}}|[{_CJK}]{{1,4}}[ \u3000\u30fb\u00b7][{_CJK}]{{1,6}}|[\u3041-\u30ff]{{2,10}})$"
)
_TEXT = re.compile(r"^.*[^\W\d_].*$", re.MULTILINE)  # has a letter
# Compound cells: a name and something else in one cell ("Maria Lopez - (202) 555-0143",
# "Maria Lopez <maria.lopez@example.org>", "Lilia Carrera, Cuba"). The name comes first, then an
# optional separator, then the other part; both are bounded, so a long line of prose fails fast.
_COMPOUND_NAME = r"(?P<name>[^\W\d_][^\n\d@,;|()<>\[\]]{0,60}?[^\W\d_]\.?)"
# The same allowing one "LAST, First" comma: for readings whose other part is unmistakable.
_COMPOUND_NAME_COMMA = (
    r"(?P<name>[^\W\d_][^\n\d@,;|()<>\[\]]{0,40}?"
    r"(?:,[^\S\n]*[^\W\d_][^\n\d@,;|()<>\[\]]{0,40}?)?[^\W\d_]\.?)"
)
_COMPOUND_SEP = r"[^\S\n]*(?:[-\u2013\u2014|;:,/][^\S\n]*)?"
_COMPOUND_PHONE = re.compile(
    rf"^{_COMPOUND_NAME}{_COMPOUND_SEP}[<\[]?(?P<other>\+?\(?\d[\d ()+.-]{{6,20}}\d)[>\]]?$", re.MULTILINE
)
# "Nazario Ruiz - A282-367-775": a name and an A-number in one cell (manifests, notes).
_COMPOUND_A_NUMBER = re.compile(
    rf"^{_COMPOUND_NAME_COMMA}{_COMPOUND_SEP}[(\[]?"
    r"(?P<other>[Aa][#-]?[ \t]?\d{2,3}[ \t-]?\d{3}[ \t-]?\d{3})[)\]]?$",
    re.MULTILINE,
)
_COMPOUND_EMAIL = re.compile(
    rf"^{_COMPOUND_NAME}{_COMPOUND_SEP}[<(\[]?(?P<other>[^@\s<>()\[\],;]{{1,64}}@[^@\s<>()\[\],;]{{1,60}}"
    rf"\.[A-Za-z]{{2,24}})[>)\]]?$",
    re.MULTILINE,
)
# "Name, Country": a separator is required, and a hyphen only with a space before it
# ("Garcia-Lopez" is one name). "GARCIA LOPEZ, Maria" matches too; its other part is no country.
_COMPOUND_COUNTRY = re.compile(
    rf"^{_COMPOUND_NAME}[^\S\n]*(?:[,;|\u2013\u2014(]|[^\S\n]-)[^\S\n]*"
    r"(?P<other>[^\W\d_][^\n\d@,;|()<>\[\]]{0,40}?)\)?$",
    re.MULTILINE,
)
_ANY_DIGIT = re.compile(r"\d")
COMPOUND_MAX_CHARS = 160  # the longest name, separator and e-mail address the patterns take
# The column index a compound column's other part is given: beyond any table's width, so the
# assessor keeps its statistics apart from the name part's (the location stays the column's).
COMPOUND_INDEX_BASE = 1 << 20
COMPOUND_PARTS = 4
_HEADER_PUNCT = re.compile(r"[\W_]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def normalise_header(header: str) -> str:
    """Lowercase, accents stripped, punctuation and underscores to spaces, camelCase split."""
    return _HEADER_PUNCT.sub(" ", fold(_CAMEL.sub(" ", header))).strip()


def column_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class NameScorer(Protocol):
    def name_score(self, value: str) -> float: ...


# Words that make a capitalised phrase a place or an institution rather than a person.
_NOT_NAME_WORDS = frozenset(
    [
        "ice",
        "center",
        "centre",
        "county",
        "city",
        "jail",
        "facility",
        "processing",
        "detention",
        "correctional",
        "service",
        "office",
        "department",
        "street",
        "avenue",
        "road",
        "building",
        "north",
        "south",
        "east",
        "west",
        "san",
        "santa",
        "los",
        "las",
        "el",
        "port",
        "fort",
        "new",
        "lake",
        "saint",
        "st",
        "mount",
        "mesa",
        "valley",
        "river",
        "beach",
        "park",
        "united",
        "states",
        "republic",
        "of",
        "the",
        "and",
        "total",
        "program",
        "programs",
        "detained",
        "released",
    ]
)


class StubNameModel:
    """Fallback until detectors/names.py is installed: 2-4 capitalised alphabetic tokens."""

    def name_score(self, value: str) -> float:
        if "," in value:  # "LAST, First"
            last, _, first = value.partition(",")
            value = f"{first} {last}"
        tokens = value.split()
        if not 2 <= len(tokens) <= 4:
            return 0.0
        ok = all(t.isalpha() and t[0].isupper() and t.lower() not in _NOT_NAME_WORDS for t in tokens)
        return 0.8 if ok else 0.0


def load_name_model() -> NameScorer:
    """The names engineer's NameModel when installed, else the stub (lazy: it loads a dataset)."""
    try:
        from clearance.detectors.names import NameModel  # type: ignore[import-not-found]
    except ImportError:
        return StubNameModel()
    return NameModel.load()


@dataclass(frozen=True)
class _Column:
    index: int
    values: Sequence[str | None]  # every row of the chunk
    header: str | None
    sample: list[str]  # stripped non-empty values, evenly spread
    nonempty: int
    numeric_share: float


@dataclass(frozen=True)
class _Decision:
    entity: str
    identifier: Identifier
    category: str | None
    score: float
    evidence: str
    values: Callable[[], tuple[str | None, ...]]  # per row: the cell if it supports, else None
    # A compound column (a name and a phone in each cell): the other parts, each with the column
    # index its candidate carries; ``values`` of all of them are substrings of the cells.
    parts: tuple[tuple[int, _Decision], ...] = ()


@dataclass(frozen=True)
class _Flip:
    """Where the cells of a transposed table (see ``ColumnDetector._transposed``) lie in the
    sheet: its column c is sheet row ``top + c``, its row r sheet column ``first_column + r``.

    Its candidates carry the sheet's true ranges ("B4:D4" for a label's row across three
    records, "C4" for one cell); ``first_row`` and ``row_index`` number records (``top`` + r),
    the only numbering the assessor lines rows up by."""

    top: int
    first_column: int

    def row_location(self, base: Location, c: int, n: int) -> Location:
        row = self.top + c
        first, last = column_letter(self.first_column), column_letter(self.first_column + max(n - 1, 0))
        span = f"{first}{row}" if n <= 1 else f"{first}{row}:{last}{row}"
        return dataclasses.replace(base, range=span, row=row, column=self.first_column)

    def place(self, cand: Candidate) -> Candidate:
        """A cell candidate of the transposed table at its sheet cell."""
        c, r = cand.column_index or 0, cand.row_index or 0
        ref = f"{column_letter(self.first_column + r)}{self.top + c}"
        return dataclasses.replace(
            cand, location=dataclasses.replace(cand.location, range=ref, row=None, column=None)
        )


class ColumnDetector:
    """TableDetector: ColumnCandidates, one TableProfile and cell Candidates per chunk."""

    name: ClassVar[str] = "columns"

    def __init__(
        self, rules: RuleSet, reference_year: int = 2026, name_model: NameScorer | None = None
    ) -> None:
        self.reference_year = reference_year
        self.rules = RuleDetector(rules, reference_year)
        self.categories = CategoryMatcher(rules.categories)
        self._name_model = name_model
        self.header_rules: list[tuple[ColumnRule, tuple[re.Pattern[str], ...]]] = []
        for col in rules.columns:
            try:
                self.header_rules.append((col, tuple(re.compile(h, re.IGNORECASE) for h in col.headers)))
            except re.error as exc:
                raise ConfigError(f"columns (column {col.entity!r}): field 'headers': {exc}") from None
        facility = self.rules.get("detention-facility")
        self._facility = facility.regex if facility else None
        asylum = self.categories.patterns.get("asylum-immigration")
        self._case_terms = asylum

    @property
    def name_model(self) -> NameScorer:
        if self._name_model is None:
            self._name_model = load_name_model()
        return self._name_model

    # --- header --------------------------------------------------------------------------------

    def classify_header(self, header: str | None) -> ColumnRule | None:
        if not header:
            return None
        h = normalise_header(header)
        for col, patterns in self.header_rules:
            if any(p.search(h) for p in patterns):
                return col
        return None

    # --- values --------------------------------------------------------------------------------

    def value_shares(self, sample: Sequence[str], header_entity: str | None = None) -> dict[str, float]:
        """Share of sampled values supporting each entity; header-dependent readings included."""
        n = len(sample)
        if not n:
            return {}
        joined = "\n".join(sample)

        def share(rx: re.Pattern[str]) -> float:
            return sum(1 for _ in rx.finditer(joined)) / n

        shares: dict[str, float] = {}
        numeric = share(_NUMBER)
        shares["a-number"] = share(_A_NUMBER_ANY if header_entity == "a-number" else _A_PREFIXED)
        shares["us-ssn"] = share(_SSN_ANY if header_entity == "us-ssn" else _SSN_DASHED)
        if header_entity == "us-itin":
            shares["us-itin"] = share(_SSN_ANY)
        if "@" in joined:
            shares["email"] = share(_EMAIL)
        if shares["us-ssn"] < VALUE_MIN_SHARE and numeric < NUMERIC_SHARE:
            shares["phone-number"] = self._phone_share(sample, joined)
        shares["date-of-birth"] = self._dob_share(sample, joined, header_entity == "date-of-birth")
        if header_entity == "age":
            ages = sum(1 for m in _AGE.finditer(joined) if float(m[0]) <= AGE_MAX)
            shares["age"] = (ages + sum(1 for v in sample if _is_age_band(v))) / n
        if header_entity == "payment-card" or any(
            len(v) >= CARD_MIN_DIGITS and v[:1].isdigit() for v in sample[:NAME_SAMPLE_SIZE]
        ):
            shares["payment-card"] = sum(1 for m in _CARD_SHAPE.finditer(joined) if payment_card(m[0])) / n
        if header_entity in HEADER_DIGIT_IDS:
            # "MRN", "Booking Number", "Student ID" over whole numbers: record numbers, not counts.
            shares[header_entity] = share(_ID_DIGITS)
        if numeric >= NUMERIC_SHARE:
            return shares
        folded = [fold(v) for v in sample]  # once for the dictionary readings below
        shares["sex"] = self._sex_share(sample, folded)
        names = country_names()
        shares["nationality"] = sum(1 for v in sample if normalise_country(v) in names) / n
        if self._facility is not None:
            fac, label = self._facility.search, cells.FACILITY_LABEL.search
            # UK and ICE facility names are often abbreviated ("Morton Hall IRC", "KROME NORTH SPC")
            shares["detention-facility"] = sum(1 for v, f in zip(sample, folded) if fac(v) or label(f)) / n
        if self._case_terms is not None:
            terms = self._case_terms.search
            shares["case-status"] = sum(1 for f in folded if terms(f)) / n
        text_share = share(_TEXT)
        if header_entity in HEADER_LED:
            shares[header_entity] = max(text_share, shares.get(header_entity, 0.0))
        if header_entity == "case-status":
            # Statuses are short codes ("Positive", "Pending", "Granted"): any text confirms the header;
            # the asylum terms recorded in case_terms_share say whether values confirm it too.
            shares["case-status"] = max(shares["case-status"], text_share)
        if header_entity in ("given-name", "family-name"):
            shares[header_entity] = share(_NAME_SHAPE) * (1.0 - shares["nationality"])
        strongest_other = max(shares.values(), default=0.0)
        if strongest_other < VALUE_MIN_SHARE or header_entity == "person-name":
            shares["person-name"] = self._name_share(sample, cjk=header_entity == "person-name")
        return shares

    def _phone_share(self, sample: Sequence[str], joined: str) -> float:
        shaped = [m[0] for m in _PHONE.finditer(joined)]
        if len(shaped) < len(sample) * HEADER_CONFIRM_SHARE:
            return len(shaped) / len(sample)  # not worth validating: too few to matter
        from clearance.detectors.validators import phone

        step = max(1, len(shaped) // PHONE_VALIDATE_SAMPLE)
        checked = shaped[::step]
        valid = sum(1 for v in checked if phone(v)) / len(checked)
        return valid * len(shaped) / len(sample)

    def _dob_share(self, sample: Sequence[str], joined: str, dob_header: bool) -> float:
        dates = [d for m in _DATE.finditer(joined) if (d := parse_date(m[0])) is not None]
        if dob_header and len(dates) < len(sample) * HEADER_CONFIRM_SHARE:
            # A DOB header over numbers: Excel serials whose date format was lost.
            dates = [d for m in _SERIAL.finditer(joined) if (d := excel_serial_date(m[0])) is not None]
        if not dates:
            return 0.0
        spread = date_spread(dates, self.reference_year)
        if not self._looks_like_births(spread, dob_header):
            return 0.0
        return len(dates) / len(sample)

    @staticmethod
    def _looks_like_births(spread: DateSpread, dob_header: bool) -> bool:
        if dob_header:
            # A header that says birth date wins over plausibility: records of the dead (members
            # of Congress since 1789, deaths in custody) are records too. Only dates in the
            # future contradict it.
            return spread.past_share >= DOB_MIN_PLAUSIBLE
        if spread.plausible_share < DOB_MIN_PLAUSIBLE:
            return False
        return (
            spread.year_span >= DOB_MIN_YEAR_SPAN
            and spread.distinct_years >= DOB_MIN_DISTINCT_YEARS
            and spread.median_age >= DOB_MIN_MEDIAN_AGE
        )

    @staticmethod
    def _sex_share(sample: Sequence[str], folded: Sequence[str] | None = None) -> float:
        if folded is None:
            folded = [fold(v) for v in sample]
        hits = [v for v in folded if v in SEX_VALUES]
        if len(set(hits)) > SEX_MAX_DISTINCT:
            return 0.0
        return len(hits) / len(sample)

    def _name_share(self, sample: Sequence[str], *, cjk: bool = False) -> float:
        """Share of sampled values the name model takes for names; with ``cjk`` (under a
        person-name header) CJK-script names count too."""
        step = max(1, len(sample) // NAME_SAMPLE_SIZE)
        sub = [v for v in sample[::step] if _NAME_SHAPE.fullmatch(v)]
        if not sub:
            return 0.0
        considered = len(sample[::step])
        if len(set(sub)) / len(sub) < NAME_MIN_DISTINCT_SHARE:
            return 0.0
        model = self.name_model
        if cjk and not all(map(str.isascii, sub)):
            cjk_name = _CJK_NAME.match
            return sum(1 for v in sub if cjk_name(v) or model.name_score(v) >= NAME_SCORE_MIN) / considered
        return sum(1 for v in sub if model.name_score(v) >= NAME_SCORE_MIN) / considered

    # --- decision ------------------------------------------------------------------------------

    def classify(self, col: _Column) -> _Decision | None:
        if not col.sample:
            return None
        decision = self._classify(col)
        if decision is None and col.numeric_share < NUMERIC_SHARE:
            decision = self._header_category(col)
            if decision is None:
                decision = self._compound(col)
        elif decision is not None and decision.entity == "person-name" and self._commas(col):
            # "Lilia Carrera, Cuba" reads as "FAMILY, Given" too: a country after the comma in
            # most cells says which ("GARCIA LOPEZ, Maria" has none).
            decision = self._compound(col, countries_only=True) or decision
        return decision

    @staticmethod
    def _commas(col: _Column) -> bool:
        return sum(1 for v in col.sample if "," in v) >= VALUE_MIN_SHARE * len(col.sample)

    # --- compound cells ------------------------------------------------------------------------

    def _compound(self, col: _Column, *, countries_only: bool = False) -> _Decision | None:
        """A text column none of whose readings fits, read as two columns in one: a name and a
        phone, an e-mail address or a country in each cell ("Maria Lopez - (202) 555-0143",
        "Lilia Carrera, Cuba"). Taken when most sampled cells split the same way, their other
        parts are phones, addresses or countries, and their name parts are names as strongly as
        a name column's (the other part alone is no evidence: "Paris, France" is no person).

        The name part becomes a person-name decision, the other part a decision of its own;
        both hold substrings of the cells, row by row, so one row is one person."""
        n = len(col.sample)
        short = [v for v in col.sample if len(v) <= COMPOUND_MAX_CHARS]  # prose is no compound
        if len(short) < VALUE_MIN_SHARE * n:
            return None
        joined = "\n".join(short)
        for entity, rx, valid in self._compound_readings(joined, countries_only):
            matches = [m for m in rx.finditer(joined) if valid(m["other"])]
            if len(matches) < VALUE_MIN_SHARE * n:
                continue
            names = [m["name"] for m in matches]
            share = self._name_share(names) * len(names) / n
            if share < VALUE_MIN_SHARE:
                continue
            return self._compound_decision(col, entity, rx, valid, share)
        return None

    @staticmethod
    def _compound_readings(
        joined: str, countries_only: bool
    ) -> Iterator[tuple[str, re.Pattern[str], Callable[[str], bool]]]:
        if "@" in joined and not countries_only:
            yield "email", _COMPOUND_EMAIL, lambda t: True
        if _ANY_DIGIT.search(joined) and not countries_only:
            yield "a-number", _COMPOUND_A_NUMBER, lambda t: bool(a_number(t))
            yield "phone-number", _COMPOUND_PHONE, lambda t: bool(_PHONE.fullmatch(t))
        names = country_names()
        yield "nationality", _COMPOUND_COUNTRY, lambda t: normalise_country(t) in names

    def _compound_decision(
        self,
        col: _Column,
        entity: str,
        rx: re.Pattern[str],
        valid: Callable[[str], bool],
        share: float,
    ) -> _Decision:
        score = min(SCORE_HEADER_VALUES, SCORE_VALUES_BASE + SCORE_VALUES_SLOPE * share)

        @functools.cache
        def split() -> tuple[tuple[str | None, ...], tuple[str | None, ...]]:
            values = col.values
            names: list[str | None] = [None] * len(values)
            others: list[str | None] = [None] * len(values)
            joined = _joined_stripped(values)
            row, pos = 0, 0
            for m in rx.finditer(joined):
                row += joined.count("\n", pos, m.start())
                pos = m.start()
                name, other, cell = m["name"], m["other"], values[row] or ""
                if not valid(other) or not _NAME_SHAPE.fullmatch(name) or _TOTAL_LINE.match(name):
                    continue
                if name in cell and other in cell:  # raw substrings, for masking and fingerprints
                    names[row], others[row] = name, other
            return tuple(names), tuple(others)

        def decision(part: str, values: Callable[[], tuple[str | None, ...]]) -> _Decision:
            rule = self._rule_for(part)
            identifier = Identifier(rule.identifier) if rule else Identifier.DIRECT
            return _Decision(part, identifier, rule.category if rule else None, score, "values", values)

        other = decision(entity, lambda: split()[1])
        index = COMPOUND_INDEX_BASE + col.index * COMPOUND_PARTS
        name = decision("person-name", lambda: split()[0])
        return dataclasses.replace(name, parts=((index, other),))

    def _header_category(self, col: _Column) -> _Decision | None:
        """A text column whose header names a special category ("Cause of death"): every text
        cell describes someone's health, whatever its words ("Natural causes")."""
        h = normalise_header(col.header or "")
        for category, rx in HEADER_CATEGORIES:
            if rx.search(h):
                return _Decision(
                    "special-category",
                    Identifier.CATEGORY,
                    category,
                    SCORE_HEADER_ONLY,
                    "header",
                    lambda: tuple(v if v and _TEXT.fullmatch(v.strip()) else None for v in col.values),
                )
        return None

    def _classify(self, col: _Column) -> _Decision | None:
        header_rule = self.classify_header(col.header)
        header_entity = header_rule.entity if header_rule else None
        if header_entity in ("given-name", "family-name") and _mostly_full_names(col.sample):
            # "Nombre" over "Jose Hernandez": the header says given name, the values are full names.
            full = self._rule_for("person-name")
            if full is not None:
                header_rule, header_entity = full, "person-name"
        shares = self.value_shares(col.sample, header_entity)
        best = None
        best_share = 0.0
        for entity, s in shares.items():
            if entity in HEADER_LED and entity != header_entity:
                continue
            if s > best_share:
                best, best_share = entity, s
        if header_rule is not None:
            assert header_entity is not None
            support = shares.get(header_entity, 0.0)
            overridden = best is not None and best != header_entity and best_share >= VALUE_MIN_SHARE
            if overridden and best_share > support:
                pass  # the values say something else: a misleading header
            elif support >= HEADER_CONFIRM_SHARE:
                evidence = "header" if header_entity in HEADER_LED else "header+values"
                if header_entity == "case-status" and not self._has_case_terms(col.sample):
                    evidence = "header"
                score = SCORE_HEADER_ONLY if header_entity in HEADER_LED else SCORE_HEADER_VALUES
                return self._decision(col, header_entity, header_rule, score, evidence, header_entity)
        if best is None or best_share < VALUE_MIN_SHARE:
            return None
        score = min(SCORE_HEADER_VALUES, SCORE_VALUES_BASE + SCORE_VALUES_SLOPE * best_share)
        return self._decision(col, best, self._rule_for(best), score, "values", header_entity)

    def _has_case_terms(self, sample: Sequence[str]) -> bool:
        terms = self._case_terms
        if terms is None:
            return False
        return sum(1 for v in sample if terms.search(fold(v))) >= len(sample) * HEADER_CONFIRM_SHARE

    def _rule_for(self, entity: str) -> ColumnRule | None:
        for col, _ in self.header_rules:
            if col.entity == entity:
                return col
        return None

    def _decision(
        self,
        col: _Column,
        entity: str,
        rule: ColumnRule | None,
        score: float,
        evidence: str,
        header_entity: str | None,
    ) -> _Decision:
        identifier = Identifier(rule.identifier) if rule else Identifier.DIRECT
        category = rule.category if rule else None
        return _Decision(
            entity,
            identifier,
            category,
            score,
            evidence,
            lambda: self._supported_values(col, entity, header_entity),
        )

    def _supported_values(
        self, col: _Column, entity: str, header_entity: str | None
    ) -> tuple[str | None, ...]:
        """Per row of the chunk, the cell when it supports ``entity``, else None.

        Most cells of a classified column support it, so the work goes into finding the few that
        do not: for shape entities one regex pass (in C) over the newline-joined stripped column
        yields only the non-matching lines; for dictionary entities (countries, sexes, facilities)
        the predicate runs once per distinct value. Total rows ("TOTAL", "Grand Total") never
        support a person entity, whatever their shape.
        """
        rx: re.Pattern[str] | None = {
            "a-number": _A_NUMBER_ANY if header_entity == "a-number" else _A_PREFIXED,
            "us-ssn": _SSN_ANY if header_entity == "us-ssn" else _SSN_DASHED,
            "us-itin": _SSN_ANY,
            "email": _EMAIL_CELL,
            "phone-number": _PHONE,
            "person-name": _NAME_SHAPE,
            "given-name": _NAME_SHAPE,
            "family-name": _NAME_SHAPE,
            "age": _AGE,
            "payment-card": _CARD_SHAPE,
        }.get(entity)
        if entity == "date-of-birth":
            rx = _DATE if any(_DATE.fullmatch(v) for v in col.sample) else _SERIAL
        if entity == "age" and any(_is_age_band(v) for v in col.sample):
            rx = None  # "18 to 29": bands, cell by distinct cell
        lenient_names = entity in NAME_ENTITY_IDS and header_entity == entity
        if lenient_names:
            rx = _NAME_CELL
        values = col.values
        # Empty cells are None (rendered grids) or "" (other readers); both support nothing.
        has_empty = "" in values
        if rx is None:
            predicate = self._predicate(entity)
            distinct = set(values)
            good = {v for v in distinct if v and (t := v.strip()) and predicate(t)}
            if len(good) == len(distinct) - (None in distinct) - ("" in distinct):
                return tuple(values) if not has_empty else tuple(v or None for v in values)
            return tuple(map({v: v for v in good}.get, values))
        joined = _joined_stripped(values)
        out: list[str | None] = list(values) if not has_empty else [v or None for v in values]
        if entity in NAME_ENTITY_IDS:
            header = " ".join(col.header.split()) if lenient_names and col.header else ""
            bad = _bad_name_lines(rx, header).finditer(joined)
        else:
            bad = _mismatch_pattern(rx).finditer(joined)
        row, pos = 0, 0
        for m in bad:
            row += joined.count("\n", pos, m.start())
            pos = m.start()
            out[row] = None
        if entity in NAME_ENTITY_IDS and not lenient_names:
            # Names found from values alone may share the column with group labels: facility rows
            # over the collapsed rows of the people held there are not people.
            self._drop_facility_cells(joined, out)
        return tuple(out)

    def _drop_facility_cells(self, joined: str, out: list[str | None]) -> None:
        low = joined.lower()
        for rx in (cells.FACILITY_LABEL, self._facility):
            if rx is None:
                continue
            row, pos = 0, 0
            for m in rx.finditer(low):
                row += low.count("\n", pos, m.start())
                pos = m.start()
                out[row] = None

    def _predicate(self, entity: str) -> Callable[[str], bool]:
        if entity == "nationality":
            names = country_names()
            return lambda t: normalise_country(t) in names
        if entity == "sex":
            return lambda t: fold(t) in SEX_VALUES
        if entity == "age":
            return lambda t: bool(_is_age_band(t) or (_AGE.fullmatch(t) and float(t) <= AGE_MAX))
        if entity == "detention-facility" and self._facility is not None:
            fac = self._facility
            # Under a facility header every text cell is a facility, also short names ("Krome").
            return lambda t: bool(fac.search(t) or _TEXT.fullmatch(t))
        if entity in HEADER_DIGIT_IDS:
            return lambda t: bool(_TEXT.fullmatch(t) or _ID_DIGITS.fullmatch(t))
        return lambda t: bool(_TEXT.fullmatch(t))

    # --- the table -----------------------------------------------------------------------------

    def detect_table(self, table: Table) -> Iterator[ColumnCandidate | TableProfile | Candidate]:
        if table.chunk == 0 and table.last_chunk and len(table.rows) < TRANSPOSE_MAX_ROWS:
            flipped = self._transposed(table)
            if flipped is not None:
                yield from self._emit(*flipped)
                return
        columns, decisions = self._classified(table)
        if not columns:
            return
        n = len(table.rows)
        if table.header is not None and self._header_is_data(table.header, columns, decisions):
            yield from self.detect_table(_header_as_data(table))
            return
        if n > 1 and table.chunk == 0 and self._first_row_is_header(table, columns, decisions):
            yield from self.detect_table(_first_row_as_header(table))
            return
        if n > 1 and table.chunk == 0 and self._first_row_is_sub_header(table, columns, decisions):
            lower = _first_row_as_header(table)
            lower_columns, lower_decisions = self._classified(lower)
            if any(d.entity in PERSON_ENTITIES and d.evidence != "header" for d in lower_decisions.values()):
                yield from self._emit(lower, lower_columns, lower_decisions, None)
                return
        yield from self._emit(table, columns, decisions, None)

    def _classified(self, table: Table) -> tuple[list[_Column], dict[int, _Decision]]:
        rows = table.rows
        n = len(rows)
        width = max(len(table.header or ()), max(map(len, rows), default=0))
        transposed = list(zip_longest(*rows)) if n else []
        columns: list[_Column] = []
        for c in range(width):
            values: Sequence[str | None] = transposed[c] if c < len(transposed) else (None,) * n
            header = table.header[c] if table.header and c < len(table.header) else None
            columns.append(_make_column(c, values, header))
        decisions: dict[int, _Decision] = {}
        for col in columns:
            d = self.classify(col)
            if d is not None:
                decisions[col.index] = d
        return columns, decisions

    def _emit(
        self, table: Table, columns: list[_Column], decisions: dict[int, _Decision], flip: _Flip | None
    ) -> Iterator[ColumnCandidate | TableProfile | Candidate]:
        for c, d in decisions.items():
            yield self._column_candidate(table, columns[c], d, flip)
            for index, part in d.parts:
                yield self._column_candidate(table, columns[c], part, flip, index)

        profile = self._profile(table, columns, decisions)
        yield profile
        aggregate = bool(profile.small_cells) or (
            bool(profile.numeric_columns) and not any(d.entity in PERSON_ENTITIES for d in decisions.values())
        )
        free = [
            col
            for col in columns
            if col.index not in decisions and col.sample and col.numeric_share < NUMERIC_SHARE
        ]
        id_rows: set[int] = set()
        for col in free:
            for cand in self._cell_candidates(table, col, with_categories=not aggregate):
                if cand.entity in STRONG_CELL_IDS and cand.column_index is not None:
                    id_rows.add(cand.row_index - absolute_row_index(table, 0))
                yield cand if flip is None else flip.place(cand)
        bare = self._bare_a_numbers(table, columns, decisions, id_rows)
        base = absolute_row_index(table, 0)
        for cand in self._row_names(table, free, id_rows | bare.keys()):
            for b in bare.pop(cand.row_index - base, ()):  # a bare A-number only beside a name
                yield b if flip is None else flip.place(b)
            yield cand if flip is None else flip.place(cand)

    def _bare_a_numbers(
        self, table: Table, columns: list[_Column], decisions: dict[int, _Decision], id_rows: set[int]
    ) -> dict[int, list[Candidate]]:
        """A-numbers written as bare 9-digit integers in a count column (a person's row left in
        an aggregate table: "CASTILLO LOPEZ, WILMER | 208123456 | ..."), per row: taken only
        when a name stands in the same row (the caller emits them only then)."""
        cr = self.rules.get("a-number")
        if cr is None:
            return {}
        out: dict[int, list[Candidate]] = {}
        for col in columns:
            if col.index in decisions or col.numeric_share < NUMERIC_SHARE:
                continue
            big = sum(1 for v in col.sample if _BARE_A_NUMBER.fullmatch(v))
            if big > max(1, BARE_A_NUMBER_MAX_SHARE * len(col.sample)):
                continue  # a column of large counts (state populations): 8-9 digits are its own
            for r, v in enumerate(col.values):
                if r in id_rows or not v or not _BARE_A_NUMBER.fullmatch(t := v.strip()):
                    continue
                if not a_number(t):
                    continue
                out.setdefault(r, []).append(
                    self._cell(
                        table, col.index, r, cr.rule.id, cr.rule.entity, cr.rule.score, cr.identifier, None
                    )
                )
        return out

    def _row_names(self, table: Table, free: list[_Column], id_rows: set[int]) -> Iterator[Candidate]:
        """Names beside a strong identifier found cell by cell ("Excludes Wilmer Perez
        (A012345678)" in a note under an aggregate table): a person-name cell per name in the
        same row's unclassified text cells, so the name and the number are one person's record.
        Only rows with such a hit are read, so ordinary tables cost nothing."""
        if not id_rows:
            return
        spans = self._name_spans()
        for r in sorted(id_rows):
            row = table.rows[r]
            for col in free:
                text = row[col.index] if col.index < len(row) else None
                if not text or not text.strip():
                    continue
                found = spans(text)
                for start, end, score in found:
                    cand = self._cell(
                        table, col.index, r, "person-name", "person-name", score, Identifier.DIRECT, None
                    )
                    yield dataclasses.replace(cand, value=text[start:end])

    def _name_spans(self) -> Callable[[str], list[tuple[int, int, float]]]:
        model = self.name_model
        try:
            from clearance.detectors.names import NameDetector, NameModel
        except ImportError:  # pragma: no cover - the stub model: whole-cell scores only
            NameModel = None
        if NameModel is not None and isinstance(model, NameModel):
            return NameDetector(model=model).spans

        def whole(text: str) -> list[tuple[int, int, float]]:
            t = text.strip()
            score = model.name_score(t) if _NAME_SHAPE.fullmatch(t) else 0.0
            return [(text.index(t), text.index(t) + len(t), score)] if score >= NAME_SCORE_MIN else []

        return whole

    def _transposed(self, table: Table) -> tuple[Table, list[_Column], dict[int, _Decision], _Flip] | None:
        """A form or records written across (labels down the first column, one record per
        further column: "Name | Gonzalo ...", "DOB | 1985-03-04", "A-Number | A...") read the
        right way round: the labels as the header, each further column as one row. Taken only
        when the first column is mostly header words of distinct entities and the flipped
        reading finds a person entity its values confirm (a data dictionary's "Name | the
        person's name" rows are not a record)."""
        grid: list[Sequence[str | None]] = list(table.rows)
        top = table.first_row
        row_vis = list(table.row_visibility) or [Visibility.VISIBLE] * len(grid)
        if table.header is not None and table.header_row == table.first_row - 1:
            grid.insert(0, table.header)
            top = table.header_row
            row_vis.insert(0, row_vis[0] if row_vis else Visibility.VISIBLE)
        width = max(map(len, grid), default=0)
        if width < 2 or len(grid) < TRANSPOSE_MIN_LABELS:
            return None
        firsts = [(r[0] or "").strip() if r else "" for r in grid]
        nonempty = sum(1 for v in firsts if v)
        entities = [e for v in firsts if v and (e := self._label_entity(v))]
        if len(entities) < TRANSPOSE_MIN_LABELS or len(entities) < TRANSPOSE_LABEL_SHARE * nonempty:
            return None
        if len(set(entities)) < TRANSPOSE_MIN_LABELS:
            return None
        records = [[r[j] if j < len(r) else None for r in grid] for j in range(1, width)]
        if not any(map(any, records)):
            return None
        column_vis = list(table.column_visibility)
        cell_vis = {
            (c - 1, r + (top != table.first_row)): v for (r, c), v in table.cell_visibility.items() if c >= 1
        }
        flipped = dataclasses.replace(
            table,
            header=tuple(firsts),
            rows=records,
            first_row=top,
            header_row=top - 1,
            row_visibility=tuple(column_vis[1:]) if column_vis else (),
            column_visibility=tuple(row_vis) if any(v is not Visibility.VISIBLE for v in row_vis) else (),
            cell_visibility=cell_vis,
        )
        columns, decisions = self._classified(flipped)
        if not any(
            d.entity in PERSON_ENTITIES and d.entity not in NAME_ENTITY_IDS and d.evidence != "header"
            for d in decisions.values()
        ):
            return None
        return flipped, columns, decisions, _Flip(top, table.first_column + 1)

    def _label_entity(self, label: str) -> str | None:
        rule = self.classify_header(label)
        return rule.entity if rule else None

    def _header_is_data(
        self, header: Sequence[str], columns: Sequence[_Column], decisions: dict[int, _Decision]
    ) -> bool:
        """Whether a table's header row is really its first record (a list with no header row).

        A header names its columns: if any of its cells is a header word ("Name", "DOB",
        "Cause of death"), it is a header. Otherwise it is data when every cell over a column
        whose values were recognised is itself such a value (a name over names, an A-number over
        A-numbers) and at least one is: "Garcia, Jose" over a column of names. Cells over
        columns that were not recognised, or whose entity any text fits, tell nothing.
        """
        cells_ = [(c, h.strip()) for c, h in enumerate(header) if h and h.strip()]
        if not cells_:
            return False
        for _, h in cells_:
            if self.classify_header(h) is not None:
                return False
            norm = normalise_header(h)
            if any(rx.search(norm) for _, rx in HEADER_CATEGORIES):
                return False
        fits = 0
        for c, h in cells_:
            d = decisions.get(c)
            if d is None or c >= len(columns):
                continue
            fit = self._value_fits(d.entity, h, columns[c])
            if fit is None:
                continue
            if not fit:
                return False
            fits += 1
        return fits > 0

    def _first_row_is_header(
        self, table: Table, columns: Sequence[_Column], decisions: dict[int, _Decision]
    ) -> bool:
        """Whether the first data row of a table with no header row of its own (no header, or
        one of no header words: element names of an XML table) is its header row: an HTML header
        row written with <td> in a page read as XML, a sheet whose header could not be told.

        It is when most of its cells are text, at least one is a header word ("Name", "DOB")
        and none is a value of its column's recognised entity (that would be a record). Below a
        header row, a row of header words is a sub-header; the aggregate reading handles it."""
        if table.header_row is not None:
            return False
        if table.header is not None and any(self.classify_header(h) for h in table.header):
            return False
        first = [(c, v.strip()) for c, v in enumerate(table.rows[0]) if v and v.strip()]
        if not first or sum(1 for _, v in first if _TEXT.fullmatch(v)) * 2 <= len(first):
            return False
        if not any(self.classify_header(v) for _, v in first):
            return False
        return not self._some_value_fits(first, columns, decisions)

    def _first_row_is_sub_header(
        self, table: Table, columns: Sequence[_Column], decisions: dict[int, _Decision]
    ) -> bool:
        """Whether the first data row is the real header under a group row ("Detainee" merged
        over "Last | First", "Biographic" over "Birth | Citizenship"): the header row holds no
        header word, the first row is all text with header words of at least two entities, and
        none of its cells is a value of its column's recognised entity. The caller then takes
        it as the header only when that reading finds people its values confirm, so the labels
        row is never counted as a record while a facility list's sub-header stays as it is."""
        if table.header is None or any(self.classify_header(h) for h in table.header):
            return False
        first = [(c, v.strip()) for c, v in enumerate(table.rows[0]) if v and v.strip()]
        if len(first) < 2 or not all(_TEXT.fullmatch(v) and not _NUMBER.fullmatch(v) for _, v in first):
            return False
        entities = {e for _, v in first if (e := self._label_entity(v))}
        if len(entities) < 2:
            return False
        return not self._some_value_fits(first, columns, decisions)

    def _some_value_fits(
        self, cells: Sequence[tuple[int, str]], columns: Sequence[_Column], decisions: dict[int, _Decision]
    ) -> bool:
        """Whether any of a row's (column, text) cells is a value of its column's entity."""
        return any(
            (d := decisions.get(c)) is not None
            and c < len(columns)
            and self._value_fits(d.entity, v, columns[c])
            for c, v in cells
        )

    def _value_fits(self, entity: str, value: str, col: _Column) -> bool | None:
        """Whether one cell is a value of ``entity`` like those of ``col`` (None: the entity's
        values cannot be told from other text, so the cell says nothing). A name fits when the
        name model takes it for one, or when it has the "FAMILY, Given" comma of nearly all the
        column's names (no header is written that way); "Detainee" does not."""
        if entity in NAME_ENTITY_IDS:
            if not _NAME_SHAPE.fullmatch(value):
                return False
            commas = sum(1 for v in col.sample if "," in v)
            if "," in value and commas >= NAME_COMMA_SHARE * len(col.sample):
                return True
            return self.name_model.name_score(value) >= NAME_SCORE_MIN
        if entity == "detention-facility":
            return bool(self._facility and self._facility.search(value))
        if entity in HEADER_LED or entity in ("case-status", "special-category"):
            return None
        one = _make_column(0, (value,), None)
        return self._supported_values(one, entity, None)[0] is not None

    def _column_candidate(
        self, table: Table, col: _Column, d: _Decision, flip: _Flip | None = None, index: int | None = None
    ) -> ColumnCandidate:
        n = len(col.values)
        values = d.values()
        if flip is None:
            letter = column_letter(table.first_column + col.index)
            last = table.first_row + max(n - 1, 0)
            location = dataclasses.replace(
                table.location,
                range=f"{letter}{table.first_row}:{letter}{last}",
                column=table.first_column + col.index,
            )
        else:  # a sheet row: the label's row across the record columns
            location = flip.row_location(table.location, col.index, n)
        return ColumnCandidate(
            rule=d.entity,
            entity=d.entity,
            score=d.score,
            table_key=table.key,
            column_index=col.index if index is None else index,
            header=col.header,
            evidence=d.evidence,
            identifier=d.identifier,
            values=values,
            first_row=table.first_row,
            location=location,
            visibilities=column_visibilities(table, col.index, n),
            category=d.category,
            chunk=table.chunk,
        )

    def _cell_candidates(self, table: Table, col: _Column, *, with_categories: bool) -> Iterator[Candidate]:
        context = (col.header,) if col.header else ()
        hits = self.rules.match_column(col.values, context, rule_ids=CELL_RULES)
        seen: set[tuple[int, str]] = set()
        for rule_id, row_indices in hits.items():
            cr = self.rules.get(rule_id)
            assert cr is not None
            for r in row_indices:
                if (r, cr.rule.entity) in seen:
                    continue
                seen.add((r, cr.rule.entity))
                yield self._cell(
                    table,
                    col.index,
                    r,
                    cr.rule.id,
                    cr.rule.entity,
                    cr.rule.context_score if context else cr.rule.score,
                    cr.identifier,
                    cr.rule.category,
                )
        if not with_categories:
            return
        texts = [v or "" for v in col.values]
        starts = [0, *accumulate(len(t) + 1 for t in texts)][: len(texts)]
        hits: set[tuple[int, str]] = set()
        for category, start, _end in self.categories.finditer("\n".join(texts)):
            hits.add((bisect.bisect_right(starts, start) - 1, category))
        for r, category in sorted(hits):
            yield self._cell(
                table,
                col.index,
                r,
                "special-category",
                "special-category",
                CATEGORY_CELL_SCORE,
                Identifier.CATEGORY,
                category,
            )

    def _cell(
        self,
        table: Table,
        c: int,
        r: int,
        rule: str,
        entity: str,
        score: float,
        identifier: Identifier,
        category: str | None,
    ) -> Candidate:
        row = table.first_row + r
        column = table.first_column + c
        location = dataclasses.replace(
            table.location, range=f"{column_letter(column)}{row}", row=row, column=column
        )
        return Candidate(
            rule=rule,
            entity=entity,
            value=table.rows[r][c] or "",
            score=score,
            location=location,
            visibility=table.visibility_of(r, c),
            identifier=identifier,
            category=category,
            table_key=table.key,
            row_index=absolute_row_index(table, r),
            column_index=c,
            role="cell",
        )

    def _profile(self, table: Table, columns: list[_Column], decisions: dict[int, _Decision]) -> TableProfile:
        rows = sum(map(any, table.rows))
        numeric = tuple(c.index for c in columns if c.sample and c.numeric_share >= NUMERIC_SHARE)
        labels = tuple(c.index for c in columns if c.sample and c.numeric_share < NUMERIC_SHARE)
        # Individual-level rows (one death per row: sex, age band, nationality) often carry a year
        # and a record number (1, 2, 3, ... per year): those label rows and count no one. Where
        # two or more columns describe a person and no numeric column is a count, the table has
        # no counts; everywhere else numeric columns stay as they are (aggregate statistics).
        counts = numeric
        traits = {d.entity for d in decisions.values() if d.entity in PERSON_TRAITS}
        if numeric and len(traits) >= MICRODATA_MIN_TRAITS:
            counts, _ = cells.split_numeric_labels(table.header, numeric)
            if not any(not _numbers_rows(columns[c].values, table.chunk == 0) for c in counts):
                counts = []
            else:
                counts = numeric
        hidden_rows = sum(1 for v in table.row_visibility if v is not Visibility.VISIBLE)
        hidden_columns = sum(1 for v in table.column_visibility if v is not Visibility.VISIBLE)
        small: tuple[tuple[str, int, tuple[str, ...]], ...] = ()
        kinds: tuple[tuple[str, ...], ...] = ()
        people = any(d.entity in PERSON_ENTITIES for d in decisions.values())
        has_labels = bool(labels) or any(h and not _NUMBER.fullmatch(h) for h in (table.header or ()))
        if numeric and has_labels and not people:
            small, kinds = self._small_cells(table, columns, decisions, labels, numeric)
        return TableProfile(
            table_key=table.key,
            location=table.location,
            visibility=table.visibility,
            rows=rows,
            columns=len(columns),
            header=table.header,
            numeric_columns=tuple(counts),  # columns that count
            label_columns=labels,
            hidden_rows=hidden_rows,
            hidden_columns=hidden_columns,
            small_cells=small,
            small_cell_kinds=kinds,
            chunk=table.chunk,
            last_chunk=table.last_chunk,
        )

    def _small_cells(
        self,
        table: Table,
        columns: list[_Column],
        decisions: dict[int, _Decision],
        labels: tuple[int, ...],
        numeric: tuple[int, ...],
    ) -> tuple[tuple[tuple[str, int, tuple[str, ...]], ...], tuple[tuple[str, ...], ...]]:
        counts, numeric_labels = cells.split_numeric_labels(
            table.header, [c for c in numeric if c not in decisions]
        )
        kinds: dict[int, str] = dict(numeric_labels)
        for c in labels:
            d = decisions.get(c)
            kind = cells.header_kind(columns[c].header, d.entity if d else None)
            if kind is None and columns[c].header:
                rule = self.classify_header(columns[c].header)
                kind = cells.header_kind(None, rule.entity if rule else None)
            if kind:
                kinds[c] = kind
        if not counts:
            return (), ()
        first = table.first_column
        return cells.small_cells(
            cells.CellsInput(
                rows=table.rows,
                header=table.header,
                first_row=table.first_row,
                letters=lambda c: column_letter(first + c),
                label_columns=tuple(sorted((*labels, *numeric_labels))),
                count_columns=tuple(counts),
                column_kinds=kinds,
            )
        )


@functools.cache
def _mismatch_pattern(rx: re.Pattern[str]) -> re.Pattern[str]:
    """Non-empty lines that ``rx`` (an anchored ``^...$`` line pattern) does not match in full."""
    inner = rx.pattern
    assert inner.startswith("^") and inner.endswith("$") and not inner.endswith("\\$"), inner
    return re.compile(rf"^(?!(?:{inner[1:-1]})$)[^\n]+$", rx.flags | re.MULTILINE)


def _bad_name_lines(rx: re.Pattern[str], header: str) -> re.Pattern[str]:
    """One pass for the lines that cannot be a person's name: those ``rx`` does not match, total
    rows ("Grand Total") and, when given, a repeated header row (both case-insensitive)."""
    inner = _mismatch_pattern(rx).pattern[1:-1]  # (?!(?:...)$)[^\n]+
    total = _TOTAL_LINE.pattern
    assert total.startswith("^") and total.endswith("$"), total
    alternatives = [inner, f"(?i:{total[1:-1]})"] + ([f"(?i:{re.escape(header)})"] if header else [])
    return re.compile(rf"^(?:{'|'.join(alternatives)})$", rx.flags | re.MULTILINE)


def _mostly_full_names(sample: Sequence[str]) -> bool:
    """Whether most of a column's sample are name-shaped cells of two or more words."""
    full = sum(1 for v in sample if len(v.split()) >= 2 and _NAME_SHAPE.fullmatch(v.strip()))
    return bool(sample) and full >= FULL_NAME_SHARE * len(sample)


def _joined_stripped(values: Sequence[str | None]) -> str:
    """The column's cells stripped, one line each (a cell's own line breaks become spaces)."""
    stripped = (
        list(map(str.strip, values)) if None not in values else [v.strip() if v else "" for v in values]
    )
    joined = "\n".join(stripped)  # type: ignore[arg-type]  # no None left
    if joined.count("\n") != len(stripped) - 1:  # a cell with a line break: one line per cell
        stripped = [" ".join(t.split()) if "\n" in t or "\r" in t else t for t in stripped]
        joined = "\n".join(stripped)
    return joined


def _numbers_rows(values: Sequence[str | None], first_chunk: bool) -> bool:
    """Whether a numeric column numbers the rows: integers 1, 2, 3, ... possibly restarting at 1
    per group (records numbered within each year), as ``columns_cells._is_sequence``; a later
    chunk may start anywhere. Stops at the first cell that breaks the pattern."""
    prev = -1
    run = longest = 0
    for v in values:
        s = v.strip() if v else ""
        if not s:
            continue
        m = _INT.match(s)
        if not m:
            return False
        x = int(m[1])
        if prev < 0:
            if first_chunk and x != 1:
                return False
            run = 1
        elif x == prev + 1:
            run += 1
        elif x == 1:
            run = 1
        else:
            return False
        longest = max(longest, run)
        prev = x
    return longest >= cells.SEQUENCE_MIN_RUN


def _is_age_band(value: str) -> bool:
    return bool(cells.AGE_LABEL.match(fold(value).strip()))


def _is_total(label: str | None) -> bool:
    return bool(label and TOTAL_LABEL.match(label))


def _make_column(index: int, values: Sequence[str | None], header: str | None) -> _Column:
    n = len(values)
    step = max(1, n // SAMPLE_SIZE)
    sample = [s for v in values[::step] if v and (s := v.strip())][:SAMPLE_SIZE]
    if len(sample) < SAMPLE_SIZE and step > 1:  # a sparse column: gather its few values
        nonblank = [s for v in values if v and (s := v.strip())]
        step2 = max(1, len(nonblank) // SAMPLE_SIZE)
        sample = nonblank[::step2][:SAMPLE_SIZE]
    joined = "\n".join(sample)
    if joined.count("\n") > len(sample) - 1:
        # Line breaks inside cells (PDF tables, wrapped text): one line per value, so the
        # classifiers, which read newline-joined samples, see each value whole.
        sample = [" ".join(s.split()) for s in sample]
        joined = "\n".join(sample)
    nonempty = n - values.count(None) - values.count("")
    numeric_share = (sum(1 for _ in _NUMBER.finditer(joined)) / len(sample)) if sample else 0.0
    return _Column(index, values, header, sample, nonempty, numeric_share)


def _header_as_data(table: Table) -> Table:
    """The table with its header row read as its first data row (chunk 0; later chunks of the
    same table just lose the header). The row's visibility is taken from the row below it: a
    table's header row is not given one of its own."""
    assert table.header is not None
    header_row = table.header_row
    if table.chunk != 0 or header_row is None or header_row != table.first_row - 1:
        return dataclasses.replace(table, header=None, header_row=None)
    first = [v or None for v in table.header]
    row_vis = table.row_visibility
    return dataclasses.replace(
        table,
        header=None,
        header_row=None,
        rows=[first, *table.rows],
        first_row=header_row,
        row_visibility=(row_vis[0], *row_vis) if row_vis else (),
        cell_visibility={(r + 1, c): v for (r, c), v in table.cell_visibility.items()},
    )


def _first_row_as_header(table: Table) -> Table:
    """The table with its first data row as its header (chunk 0 only: later chunks keep theirs)."""
    rows = table.rows
    return dataclasses.replace(
        table,
        header=tuple(v or "" for v in rows[0]),
        header_row=table.first_row,
        rows=rows[1:],
        first_row=table.first_row + 1,
        row_visibility=tuple(table.row_visibility[1:]),
        cell_visibility={(r - 1, c): v for (r, c), v in table.cell_visibility.items() if r > 0},
    )


def column_visibilities(table: Table, c: int, n: int) -> tuple[Visibility, ...]:
    """Same answers as ``table.visibility_of(r, c)`` for every row, without a call per cell."""
    if table.visibility is not Visibility.VISIBLE:
        out = [table.visibility] * n
    elif table.column_visibility and c < len(table.column_visibility) and table.column_visibility[c].hidden:
        out = [table.column_visibility[c]] * n
    elif table.row_visibility:
        out = list(table.row_visibility[:n]) + [Visibility.VISIBLE] * max(0, n - len(table.row_visibility))
    else:
        out = [Visibility.VISIBLE] * n
    for (r, cc), v in table.cell_visibility.items():
        if cc == c and 0 <= r < n:
            out[r] = v
    return tuple(out)


def absolute_row_index(table: Table, r: int) -> int:
    """Data-row index within the whole table (all chunks): row 0 is the row after the header."""
    first_data_row = (table.header_row + 1) if table.header_row is not None else 1
    return table.first_row - first_data_row + r


__all__ = ["ColumnDetector", "Location", "StubNameModel", "load_name_model", "normalise_header"]
