"""Date parsing and date-of-birth plausibility. Pure functions; the reference year is injected.

Dates arrive as extractors render them (ISO ``YYYY-MM-DD``, optionally with a time), as people
type them (US ``M/D/YYYY``, European ``D.M.YYYY``/``D/M/YYYY``, month names in English or
Spanish) or as Excel serial day numbers when a cell lost its date format.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# Oldest plausible living person. The oldest verified people reach ~115-122; 110 keeps almost
# every real date of birth while rejecting typos such as 1887 for 1987.
MAX_AGE = 110

# Excel's day zero: serial 1 is 1900-01-01 and Excel counts a fictitious 1900-02-29, so real
# dates from March 1900 on are day-zero 1899-12-30 + serial.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_MIN_SERIAL = 61  # 1900-03-01, before which the leap-year bug shifts dates
EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31, Excel's last date

MONTHS: dict[str, int] = {
    **{
        m: i
        for i, m in enumerate(
            [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ],
            start=1,
        )
    },
    **{
        m: i
        for i, m in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
        )
    },
    "sept": 9,
    **{
        m: i
        for i, m in enumerate(
            [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ],
            start=1,
        )
    },
    "setiembre": 9,
    **{
        m: i
        for i, m in enumerate(
            ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"], start=1
        )
    },
}

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ tT]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?([a-z]+)\.?,?\s+(?:de\s+|del\s+)?(\d{4})"
)
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
# Database and mainframe exports: "04-MAR-1985", "04-MAR-85", "04/Mar/1985".
_DAY_MON_YEAR_DASHED = re.compile(r"(\d{1,2})([-/])([a-z]{3,9})\.?\2(\d{4}|\d{2})")
# Two-digit years as POSIX strptime reads them: 69-99 -> 1900s, 00-68 -> 2000s.
TWO_DIGIT_PIVOT = 69


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """Parse one date written on its own; None when it is not a date. US order wins for ``/``."""
    s = text.strip().lower()
    if not s or len(s) > 40:
        return None
    if m := _ISO.fullmatch(s):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC.fullmatch(s):
        a, sep, b, y = int(m[1]), m[2], int(m[3]), int(m[4])
        # "/" is mostly US month-first; "." and "-" are mostly day-first. Try the other on failure.
        first, second = ((a, b), (b, a)) if sep == "/" else ((b, a), (a, b))
        return _make(y, *first) or _make(y, *second)
    if m := _DAY_MONTH_YEAR.fullmatch(s):
        month = MONTHS.get(m[2])
        return _make(int(m[3]), month, int(m[1])) if month else None
    if m := _MONTH_DAY_YEAR.fullmatch(s):
        month = MONTHS.get(m[1])
        return _make(int(m[3]), month, int(m[2])) if month else None
    if m := _DAY_MON_YEAR_DASHED.fullmatch(s):
        month = MONTHS.get(m[3])
        year = int(m[4])
        if len(m[4]) == 2:
            year += 1900 if year >= TWO_DIGIT_PIVOT else 2000
        return _make(year, month, int(m[1])) if month else None
    return None


def excel_serial_date(text: str) -> date | None:
    """An Excel serial day number (e.g. "31845" or "31845.0") as a date; None otherwise."""
    try:
        n = float(text)
    except ValueError:
        return None
    if not n.is_integer() or not EXCEL_MIN_SERIAL <= n <= EXCEL_MAX_SERIAL:
        return None
    return EXCEL_EPOCH + timedelta(days=int(n))


def plausible_age(born: date, reference_year: int) -> bool:
    return 0 <= reference_year - born.year <= MAX_AGE


def plausible_birth_date(value: str, reference_year: int) -> bool | None:
    """Validator: True when ``value`` is a real date implying an age of 0-110.

    False for impossible dates (13/13/1987): the rule's regex already said it looks like a date.
    """
    d = parse_date(value)
    if d is None:
        return False
    return plausible_age(d, reference_year)


@dataclass(frozen=True)
class DateSpread:
    """How a column's dates are spread: what tells birth dates from booking or report dates."""

    parsed: int
    plausible_share: float  # share of parsed dates implying an age 0-110
    distinct_years: int
    year_span: int  # 90th minus 10th percentile year: robust to a few outliers
    median_age: int = 0  # reference year minus the median year
    past_share: float = 0.0  # share of parsed dates not after the reference year (age >= 0)


def date_spread(dates: Iterable[date], reference_year: int) -> DateSpread:
    ds = list(dates)
    if not ds:
        return DateSpread(0, 0.0, 0, 0)
    years = sorted(d.year for d in ds)
    n = len(years)
    lo, hi = years[n // 10], years[min(n - 1, (9 * n) // 10)]
    plausible = sum(1 for d in ds if plausible_age(d, reference_year))
    past = bisect_right(years, reference_year)  # years are sorted
    return DateSpread(n, plausible / n, len(set(years)), hi - lo, reference_year - years[n // 2], past / n)
