"""Small cells of an aggregate table, with what each of their dimensions is.

A small cell is a count of 1 .. SMALL_CELL_LIMIT-1 people (zero singles out no one). Only counts
qualify: a non-negative integer in a column segment whose numbers are nearly all integers, under
no header, sub-header or section title that names another measure (averages such as ADP, rates,
costs, percentages, days, IDs, years). Published workbooks stack several tables in one sheet, so
a cell's column label is the nearest text cell above it in its column (the block's sub-header),
and label cells left blank under a group heading are filled down within the block.

Each dimension of a cell gets a kind ("nationality", "sex", "age", "detention-facility",
"place", "time", "date-of-birth" or "other") so policy can tell a facility x nationality cross-tab
(disclosive) from counts by month or by programme. When one label column is a row key (a list of
facilities, one row each), the other label columns are attributes of that row, not extra
dimensions, and only the key columns count.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from clearance.detectors.validators import country_names, fold, normalise_country

# Counts below this are listed; the policy picks the actual threshold (default 3).
SMALL_CELL_LIMIT = 10
# Cap on the small cells listed per chunk: enough for the policy to decide, bounded for huge tables.
MAX_SMALL_CELLS = 1000
# A column segment holds counts when at least this share of its numbers are integers: averages
# (ADP, mean stay) are fractional in most cells even where a few happen to be whole.
COUNT_INTEGER_SHARE = 0.95
# A column whose integers run 1, 2, 3, ... down the rows numbers the rows (a record number, a
# rank): it is not a count, however small its first values. Three steps make a run.
SEQUENCE_MIN_RUN = 3
# A label column is a row key when nearly every data row has a value and the values are mostly
# distinct (a facility list; ICE's 2017 list repeats 12% of its facility codes). A long-format
# cross-tab repeats each facility once per nationality or age band: half its rows or fewer.
KEY_FILLED_SHARE = 0.9
KEY_DISTINCT_SHARE = 0.8
# Longer header cells are titles ("ICE Currently Detained by ... Facility Type"), not column names.
HEADER_MAX_WORDS = 5
# A row key needs enough rows to mean anything.
KEY_MIN_ROWS = 5

# Words that say numbers measure something other than a count of people. MEASURE_TERMS are
# looked for in the column's header, sub-header, the section title and the row's labels:
# averages (ADP = average daily population, ALOS = average length of stay), rates, money and
# capacities (beds, not people). COLUMN_TERMS only in the column's own header and sub-header:
# durations, identifiers and calendar fields ("Year", "FY", "Quarter") label or measure, but in a
# title ("Book-ins by month, FY2025") they only name a dimension.
MEASURE_TERMS = (
    "average", "avg", "mean", "median", "adp", "alos", "length of stay",
    "rate", "rates", "ratio", "percent", "percentage", "pct", "proportion",
    "cost", "costs", "per diem", "price", "dollars", "usd", "budget", "spend",
    "capacity", "guaranteed minimum", "score",
)  # fmt: skip
COLUMN_TERMS = (
    "days", "day", "hours", "weeks", "months", "years",
    "id", "code", "zip", "zipcode", "postcode",
    "year", "fy", "quarter", "month", "date", "week",
    "minimum", "maximum", "share", "amount", "index",
)  # fmt: skip


def _terms(terms: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(t) for t in terms) + r")(?![a-z0-9])|%|\$")


_MEASURE = _terms(MEASURE_TERMS)
_COLUMN_ONLY = _terms(COLUMN_TERMS)
# Numeric columns whose header names a period or an identifier label rows instead of counting.
TIME_HEADER = re.compile(r"(?<![a-z])(?:year|yr|fy|quarter|qtr|month|date|week|period)(?![a-z])")
ID_HEADER = re.compile(r"(?<![a-z])(?:id|code|zip|zipcode|postcode)(?![a-z])")

# Kinds of a dimension. PERSON_KINDS are quasi-identifiers of a person; SMALL_POPULATION_KINDS
# narrow to a small population (policy blocks only a mix of two person kinds with one of these).
PERSON_KINDS = frozenset({"nationality", "sex", "age", "date-of-birth", "detention-facility", "place"})
SMALL_POPULATION_KINDS = frozenset({"detention-facility", "place"})
# Column entities (columns.toml) and the dimension kind they give.
ENTITY_KINDS = {
    "nationality": "nationality",
    "sex": "sex",
    "age": "age",
    "date-of-birth": "date-of-birth",
    "detention-facility": "detention-facility",
}
# Headers naming a small area (a place narrow enough to find a person in). States, regions and
# countries are not small areas.
PLACE_HEADER = re.compile(
    r"(?<![a-z])(?:city|town|village|county|district|ward|borough|parish|municipality|"
    r"neighbou?rhood|locality|census tract|tract|zip|zipcode|postcode|post code|lsoa|msoa)(?![a-z])"
)
FACILITY_HEADER = re.compile(
    r"(?<![a-z])(?:facility|facilities|detention cent(?:er|re)|removal cent(?:er|re)|jail|prison)(?![a-z])"
)
# A label that names a detention facility: ICE and UK names are often upper case or abbreviated
# ("KROME NORTH SPC", "Morton Hall IRC", "HOUSTON CONTRACT DET.FAC.").
FACILITY_LABEL = re.compile(
    r"(?<![a-z])(?:jail|prison|penitentiary|detention|det\.?|correctional|corrections|"
    r"processing cent(?:er|re)|processing ctr|immigration removal cent(?:er|re)|removal cent(?:er|re)|"
    r"irc|sthf|spc|cdf|ipc|"
    r"holding (?:facility|room)|hold room|staging facility|family residential cent(?:er|re)|"
    r"justice cent(?:er|re)|justice facility)(?![a-z])"
)
# Ages and age bands: "18 to 24", "0-17", "17 and under", "Under 18", "65+", "65 and over", "Aged 18-29".
AGE_LABEL = re.compile(
    r"^(?:aged?\s+)?(?:\d{1,3}\s*(?:-|–|to)\s*\d{1,3}|\d{1,3}\s*\+|\d{1,3}\s+(?:and|or)\s+(?:under|over|older|above|below|younger)"
    r"|(?:under|over|below|above)\s+(?:the\s+age\s+of\s+)?\d{1,3})(?:\s+years?(?:\s+old)?)?$"
)
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|"
    "august|september|october|november|december"
)
# Periods: fiscal years, years, quarters, months, dates.
TIME_LABEL = re.compile(
    rf"^(?:fy\s*-?\s*\d{{2,4}}(?:\s*(?:q[1-4]|ytd))?|(?:19|20)\d{{2}}(?:\s*(?:q[1-4]|-\d{{2}}|/\d{{2,4}}))?"
    rf"|q[1-4]\s*(?:fy\s*)?\d{{2,4}}"
    rf"|(?:{_MONTHS})\.?(?:[\s-]+\d{{2,4}})?|\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[ t][\d:.]+)?"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}"
    rf"|(?:19|20)\d{{2}}\s+(?:{_MONTHS}))$"
)
SEX_LABELS = frozenset(
    {
        "m",
        "f",
        "male",
        "female",
        "males",
        "females",
        "men",
        "women",
        "boys",
        "girls",
        "masculino",
        "femenino",
        "hombre",
        "mujer",
        "hombres",
        "mujeres",
    }
)
TOTAL_LABEL = re.compile(r"^\s*(?:grand\s+)?totale?s?\b|^\s*sum\b|^\s*suma\b|^\s*all\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_INT = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?$")


def label_kind(label: str, column_kind: str | None = None) -> str:
    """The kind of one dimension value; ``column_kind`` (from the column's classification) decides
    when the value alone says nothing."""
    f = fold(label).strip()
    if not f:
        return column_kind or "other"
    if f in SEX_LABELS:
        return "sex"
    if AGE_LABEL.match(f):
        return "age"
    if column_kind == "age" and f.isdigit():
        return "age"
    if TIME_LABEL.match(f):
        return "time"
    if normalise_country(label) in country_names():
        return "nationality"
    if FACILITY_LABEL.search(f):
        return "detention-facility"
    return column_kind or "other"


def header_kind(header: str | None, entity: str | None) -> str | None:
    """The kind a label column's header or classification gives all its values, if any."""
    if entity in ENTITY_KINDS:
        return ENTITY_KINDS[entity]
    h = fold(header or "")
    if len(h.split()) > HEADER_MAX_WORDS:
        return None
    if FACILITY_HEADER.search(h):
        return "detention-facility"
    if PLACE_HEADER.search(h):
        return "place"
    if TIME_HEADER.search(h):
        return "time"
    return None


def is_total(label: str | None) -> bool:
    return bool(label and TOTAL_LABEL.match(label))


def says_not_count(column: str, context: str) -> bool:
    """Whether the column's own label or the wider context names a measure other than a count."""
    return bool(_COLUMN_ONLY.search(fold(column)) or _MEASURE.search(fold(f"{column} {context}")))


@dataclass(frozen=True)
class CellsInput:
    rows: Sequence[Sequence[str | None]]
    header: tuple[str, ...] | None
    first_row: int
    letters: Callable[[int], str]  # 0-based column -> letter
    label_columns: tuple[int, ...]  # text label columns
    count_columns: tuple[int, ...]  # numeric columns that may hold counts
    column_kinds: dict[int, str]  # label column -> kind from its classification or header


def split_numeric_labels(
    header: tuple[str, ...] | None, numeric: Sequence[int]
) -> tuple[list[int], dict[int, str]]:
    """Numeric columns that label rows (Year, Quarter, FY, IDs) rather than count: and their kind."""
    labels: dict[int, str] = {}
    counts: list[int] = []
    for c in numeric:
        h = fold(header[c]) if header and c < len(header) and header[c] else ""
        if TIME_HEADER.search(h):
            labels[c] = "time"
        elif ID_HEADER.search(h):
            labels[c] = "place" if PLACE_HEADER.search(h) else "other"
        else:
            counts.append(c)
    return counts, labels


def small_cells(
    inp: CellsInput,
) -> tuple[tuple[tuple[str, int, tuple[str, ...]], ...], tuple[tuple[str, ...], ...]]:
    """(A1 cell, count, dimension labels) for each small count, and each cell's dimension kinds."""
    rows = inp.rows
    header = inp.header or ()
    width = max((len(r) for r in rows), default=0)
    labels, counts = inp.label_columns, inp.count_columns
    # The header cell over a column, or the nearest one to its left: a merged title spans columns.
    carried: list[str] = []
    last = ""
    for c in range(max(width, len(header))):
        h = (header[c] if c < len(header) else "") or ""
        last = h.strip() or last
        carried.append(last)
    sub = {c: ((header[c] if c < len(header) else "") or "").strip() for c in counts}
    title = ""
    segment = {c: 0 for c in counts}
    seg_stats: dict[tuple[int, int], list[int]] = {}  # (column, segment) -> [integers, numbers]
    seg_ints: dict[tuple[int, int], list[int]] = {}  # (column, segment) -> its integers, in order
    fill: dict[int, str] = {}
    pending: list[tuple[int, int, int, int, tuple[tuple[str, str], ...], str]] = []
    label_values: dict[int, list[str]] = {c: [] for c in labels}
    data_rows = 0
    for r, row in enumerate(rows):
        cells = [(c, s) for c, v in enumerate(row) if v and (s := v.strip())]
        if not cells:
            fill.clear()
            continue
        if len(cells) == 1 and not _NUMBER.match(cells[0][1]) and (len(row) > 1 or width > 1):
            # A section title: a new block starts; its words qualify the numbers below.
            title = cells[0][1]
            fill.clear()
            sub = dict.fromkeys(counts, "")
            for c in counts:
                segment[c] += 1
            continue
        row_labels: list[tuple[int, str]] = []
        has_number = False
        for c in counts:
            v = row[c] if c < len(row) else None
            s = v.strip() if v else ""
            if s and not _NUMBER.match(s):
                sub[c] = s  # a sub-header row (or a footnote mark): the column's label from here on
                segment[c] += 1
            elif s:
                has_number = True
        if not has_number:
            for c in labels:  # the label columns' own sub-headers start a new block
                fill.pop(c, None)
            continue
        data_rows += 1
        for c in labels:
            v = row[c] if c < len(row) else None
            s = v.strip() if v else ""
            if s:
                fill[c] = s
                label_values[c].append(s)
            elif c in fill:
                s = fill[c]
            if s:
                row_labels.append((c, s))
        if any(is_total(s) for _, s in row_labels):
            continue
        row_text = " ".join(s for _, s in row_labels)
        for c in counts:
            v = row[c] if c < len(row) else None
            s = v.strip() if v else ""
            if not s or not _NUMBER.match(s):
                continue
            key = (c, segment[c])
            stat = seg_stats.setdefault(key, [0, 0])
            stat[1] += 1
            m = _INT.match(s)
            if not m:
                continue
            stat[0] += 1
            count = int(m[1].replace(",", ""))
            seg_ints.setdefault(key, []).append(count)
            if not 1 <= count < SMALL_CELL_LIMIT or is_total(sub[c]):
                continue
            own = f"{sub[c]} {header[c] if c < len(header) else ''}"
            if says_not_count(own, f"{carried[c] if c < len(carried) else ''} {title} {row_text}"):
                continue
            pending.append((r, c, count, segment[c], tuple(row_labels), sub[c]))
    keys = _row_keys(label_values, data_rows)
    out: list[tuple[str, int, tuple[str, ...]]] = []
    kinds: list[tuple[str, ...]] = []
    for r, c, count, seg, row_labels, col_label in pending:
        ints, numbers = seg_stats[(c, seg)]
        if ints < COUNT_INTEGER_SHARE * numbers or _is_sequence(seg_ints.get((c, seg), ())):
            continue
        dims = [(lc, s) for lc, s in row_labels if not keys or lc in keys]
        names = tuple(s for _, s in dims) + ((col_label,) if col_label else ())
        kind = tuple(label_kind(s, inp.column_kinds.get(lc)) for lc, s in dims) + (
            (label_kind(col_label),) if col_label else ()
        )
        out.append((f"{inp.letters(c)}{inp.first_row + r}", count, names))
        kinds.append(kind)
        if len(out) >= MAX_SMALL_CELLS:
            break
    return tuple(out), tuple(kinds)


def _is_sequence(values: Sequence[int]) -> bool:
    """True when the integers number the rows: 1, 2, 3, ... possibly restarting at 1 per group
    (records numbered within each year), with at least one unbroken run of SEQUENCE_MIN_RUN."""
    if len(values) < SEQUENCE_MIN_RUN or values[0] != 1:
        return False
    run = longest = 1
    for a, b in itertools.pairwise(values):
        if b == a + 1:
            run += 1
            longest = max(longest, run)
        elif b == 1:
            run = 1
        else:
            return False
    return longest >= SEQUENCE_MIN_RUN


def _row_keys(label_values: dict[int, list[str]], data_rows: int) -> frozenset[int]:
    """The leftmost label columns that name each data row once (a list of facilities): the row key.

    Only a run of columns from the first label column counts: a wide table puts what its rows are
    about first. A mostly-distinct column further right (nationalities in a short table with one
    row per person) is a dimension like any other.
    """
    if data_rows < KEY_MIN_ROWS:
        return frozenset()
    keys = []
    for c in sorted(label_values):
        values = label_values[c]
        filled = len(values) >= KEY_FILLED_SHARE * data_rows
        if not (filled and len(set(values)) >= KEY_DISTINCT_SHARE * len(values)):
            break
        keys.append(c)
    return frozenset(keys)
