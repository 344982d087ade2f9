"""Plain-language pieces of reasons: field names, places, counts. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from clearance.model import Location, Visibility

# Fields in the order a reader expects them: who, when born, what, which IDs, where, what status.
FIELD_LABELS: tuple[tuple[str, str, str], ...] = (  # entity, plural, singular
    ("person-name", "names", "name"),
    ("given-name", "names", "name"),
    ("family-name", "names", "name"),
    ("date-of-birth", "dates of birth", "date of birth"),
    ("age", "ages", "age"),
    ("sex", "sex", "sex"),
    ("nationality", "nationalities", "nationality"),
    ("a-number", "A-numbers", "A-number"),
    ("us-ssn", "Social Security numbers", "Social Security number"),
    ("us-itin", "ITINs", "ITIN"),
    ("passport-number", "passport numbers", "passport number"),
    ("id-number", "ID numbers", "ID number"),
    ("payment-card", "payment card numbers", "payment card number"),
    ("email", "email addresses", "email address"),
    ("phone-number", "phone numbers", "phone number"),
    ("street-address", "addresses", "address"),
    ("detention-facility", "detention facilities", "detention facility"),
    ("case-status", "case status", "case status"),
    ("special-category", "special-category details", "special-category detail"),
)
_ORDER = {entity: i for i, (entity, _, _) in enumerate(FIELD_LABELS)}
_PLURAL = {entity: plural for entity, plural, _ in FIELD_LABELS}
_SINGULAR = {entity: singular for entity, _, singular in FIELD_LABELS}

CATEGORY_LABELS = {
    "asylum-immigration": "asylum/immigration case status",
    "health": "health information",
    "criminal": "criminal-record information",
    "children": "data about children",
}

MAX_PLACES = 3  # more places than this read as a list to skim: name the first few, count the rest

_PLACE = {
    Visibility.HIDDEN_SHEET: "hidden sheet {sheet}",
    Visibility.VERY_HIDDEN_SHEET: "very hidden sheet {sheet}",
    Visibility.HIDDEN_ROW: "hidden rows of sheet {sheet}",
    Visibility.HIDDEN_COLUMN: "hidden columns of sheet {sheet}",
    Visibility.FILTERED_ROW: "filtered-out rows of sheet {sheet}",
    Visibility.COLLAPSED_ROW: "collapsed rows of sheet {sheet}",
    Visibility.INVISIBLE_FORMAT: "invisibly formatted cells of sheet {sheet}",
}
_PART_PLACE = {
    Visibility.PIVOT_CACHE: "a pivot cache",
    Visibility.COMMENT: "comments",
    Visibility.TRACKED_CHANGE: "tracked changes",
    Visibility.METADATA: "document properties",
    Visibility.DATA_VALIDATION: "a validation list",
    Visibility.EXTERNAL_LINK: "an external link cache",
    Visibility.EMBEDDED_FILE: "an embedded file",
    Visibility.UNDER_REDACTION: "text under a redaction box",
    Visibility.EARLIER_REVISION: "an earlier revision",
    Visibility.SPEAKER_NOTES: "speaker notes",
    Visibility.ALT_TEXT: "alt text",
    Visibility.HTML_HIDDEN: "hidden HTML",
    Visibility.ARCHIVE_MEMBER: "an archive member",
    Visibility.HIDDEN_TEXT: "hidden text",
    Visibility.HIDDEN_SLIDE: "a hidden slide",
    Visibility.INVISIBLE_TEXT: "invisible text",
    Visibility.HIDDEN_LAYER: "a switched-off layer",
}


def field_order(entity: str) -> tuple[int, str]:
    return (_ORDER.get(entity, len(_ORDER)), entity)


def fields(entities: Iterable[str], *, singular: bool = False) -> str:
    """("a-number", "person-name") -> "names, A-numbers": fixed order, no repeats. ``singular``
    for one person: "name, A-number"."""
    labels: list[str] = []
    table = _SINGULAR if singular else _PLURAL
    for entity in sorted(set(entities), key=field_order):
        label = table.get(entity, entity.replace("-", " "))
        if label not in labels:
            labels.append(label)
    return ", ".join(labels)


def entity_label(entity: str, n: int) -> str:
    if n == 1:
        return _SINGULAR.get(entity, entity.replace("-", " "))
    return _PLURAL.get(entity, entity.replace("-", " ") + "s")


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category.replace("-", " ") + " data")


def people(n: int, exact: bool = True) -> str:
    text = f"{n:,} {'person' if n == 1 else 'people'}"
    return text if exact else f"at least {text}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def quoted(name: str) -> str:
    return f"'{name}'"


def place(visibility: Visibility, location: Location) -> str:
    """Where a reader would (not) see it: "hidden sheet 'Detainees'", "comments"."""
    sheet = quoted(location.sheet) if location.sheet else None
    if location.field and visibility is Visibility.DEFINED_NAME:
        return f"defined name {quoted(location.field)}"
    if visibility in _PLACE and sheet:
        return _PLACE[visibility].format(sheet=sheet)
    if visibility in _PART_PLACE:
        text = _PART_PLACE[visibility]
        return f"{text} of sheet {sheet}" if sheet and visibility is not Visibility.PIVOT_CACHE else text
    if visibility is Visibility.DEFINED_NAME:
        return "a defined name"
    if sheet:
        return f"sheet {sheet}"
    if location.page is not None:
        return f"page {location.page}"
    if location.field and _PARAGRAPH.search(location.field):
        return location.field  # "paragraph 4", "comment 2 paragraph 1" (word processors)
    if location.range:
        return "the table"  # a sheetless table: CSV, TSV, a JSON array
    return "the text"


def join(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c", "a, b, c and 2 more places"."""
    if len(items) > MAX_PLACES:
        rest = len(items) - MAX_PLACES
        return ", ".join(items[:MAX_PLACES]) + f" and {count(rest, 'more place')}"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_PARAGRAPH = re.compile(r"(?:^|\s)paragraph \d+$")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - ord("A") + 1
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def bounding_range(cells: Iterable[str]) -> str | None:
    """Smallest A1 range holding all cells ("B4", "D9" -> "B4:D9")."""
    cols, rows = [], []
    for ref in cells:
        m = _A1.match(ref)
        if m:
            cols.append(_col_number(m.group(1)))
            rows.append(int(m.group(2)))
    if not cols:
        return None
    top_left = f"{_col_letters(min(cols))}{min(rows)}"
    bottom_right = f"{_col_letters(max(cols))}{max(rows)}"
    return top_left if top_left == bottom_right else f"{top_left}:{bottom_right}"
