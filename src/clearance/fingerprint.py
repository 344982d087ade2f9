"""Normalise, fingerprint and mask personal values. Pure: no I/O, no clock, no environment.

Identity ignores position (STYLE.md habit 5): a value fingerprint is a keyed hash of the entity
and the *normalised* value, so "GARCIA LOPEZ, Maria" in a hidden sheet and "Maria Garcia Lopez"
in a pivot cache are the same person, and an allow-list entry made once works in every file.
A finding fingerprint adds the rule and the path, as detect-secrets does, never a line number.

Masks keep just enough to recognise a match (first letters, the last two digits of an ID, the
century of a date) and never enough to recover the value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

NAME_ENTITIES = frozenset({"person-name", "given-name", "family-name"})
DIGIT_ID_ENTITIES = frozenset({"a-number", "us-ssn", "us-itin"})
ALNUM_ID_ENTITIES = frozenset({"passport-number", "id-number"})
ID_ENTITIES = DIGIT_ID_ENTITIES | ALNUM_ID_ENTITIES
DATE_ENTITIES = frozenset({"date-of-birth"})

# An A-number is 8 or 9 digits; USCIS writes it zero-padded to 9 ("A012345678").
A_NUMBER_DIGITS = 9
# Characters of an ID kept in clear at the end: enough to tell two masked IDs apart in a review.
ID_KEEP_TAIL = 2
# IDs this short are masked whole but for the last character: two clear digits would be too many.
SHORT_ID = 4
# Excel stores dates as days since 1899-12-30; serials in this range are 1900-01-01..2173-10-14.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 1, 100_000

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%m/%d/%Y",  # US order first: the founding data is from a US agency
    "%d/%m/%Y",
    "%m-%d-%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%m/%d/%y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]")
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _strip_accents(text: str) -> str:
    if text.isascii():  # the common case, and the hot path on million-row sheets
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_date(value: str) -> date | None:
    """Best-effort date parse (ISO, US, European, month names, Excel serials); None if unsure."""
    text = _ORDINAL.sub(r"\1", value.strip())
    m = _ISO_PREFIX.match(text)
    if m:
        text = m.group(1)
    if _ISO_DATE.match(text):  # fast path: strptime costs ~20 µs a call
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if text.isdigit() and len(text) != 8:
        serial = int(text)
        if EXCEL_SERIAL_MIN <= serial <= EXCEL_SERIAL_MAX:
            return EXCEL_EPOCH + timedelta(days=serial)
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def normalise(entity: str, value: str) -> str:
    """The form two spellings of the same value share; input of every fingerprint."""
    text = value.strip()
    if entity in NAME_ENTITIES:
        folded = _NON_ALNUM.sub(" ", _strip_accents(text).casefold())
        return " ".join(sorted(folded.split()))
    if entity == "a-number":
        digits = "".join(ch for ch in text if ch.isdigit())
        return digits.zfill(A_NUMBER_DIGITS)
    if entity in DIGIT_ID_ENTITIES or entity == "phone-number":
        return "".join(ch for ch in text if ch.isdigit())
    if entity in ALNUM_ID_ENTITIES:
        return "".join(ch for ch in text.upper() if ch.isalnum())
    if entity in DATE_ENTITIES:
        parsed = parse_date(text)
        return parsed.isoformat() if parsed else " ".join(text.split())
    if entity == "email":
        return text.lower()
    return " ".join(_strip_accents(text).casefold().split())


@lru_cache(maxsize=16)
def _keyed(key: bytes) -> hmac.HMAC:
    # HMAC's key schedule is the costly part; copying a keyed object is cheap. Millions of cells.
    return hmac.new(key, digestmod=hashlib.sha256)


def _hmac_hex(key: bytes, message: str) -> str:
    h = _keyed(key).copy()
    h.update(message.encode("utf-8"))
    return h.hexdigest()


def value_fingerprint(key: bytes, entity: str, value: str) -> str:
    """Keyed hash of entity + normalised value. Path-independent: allow-lists, people matching."""
    return _hmac_hex(key, f"value\0{entity}\0{normalise(entity, value)}")


def finding_fingerprint(key: bytes, rule: str, path: str, value: str, *, entity: str | None = None) -> str:
    """Keyed hash of rule + path + normalised value (STYLE.md habit 5): no positions.

    ``entity`` picks the normalisation; rule ids usually are entity names, so it defaults to ``rule``.
    """
    return _hmac_hex(key, f"finding\0{rule}\0{path}\0{normalise(entity or rule, value)}")


def group_fingerprint(key: bytes, members: Iterable[str]) -> str:
    """Keyed hash over the sorted, distinct member fingerprints: order-free, stable across scans."""
    return _hmac_hex(key, "group\0" + "\n".join(sorted(set(members))))


def _mask_word(word: str) -> str:
    out: list[str] = []
    kept = False
    for ch in word:
        if ch.isalnum() and not kept:
            out.append(ch)
            kept = True
        elif ch.isalnum():
            out.append("*")
        else:
            out.append(ch)
    return "".join(out)


def _mask_id(text: str) -> str:
    alnum = [i for i, ch in enumerate(text) if ch.isalnum()]
    tail = 1 if len(alnum) <= SHORT_ID else ID_KEEP_TAIL
    keep = set(alnum[-tail:]) if alnum else set()
    if alnum and text[alnum[0]].isalpha() and len(alnum) > SHORT_ID:
        keep.add(alnum[0])  # a letter prefix ("A" of an A-number) says what kind of ID it is
    return "".join(ch if (i in keep or not ch.isalnum()) else "*" for i, ch in enumerate(text))


def _mask_date(text: str) -> str:
    parsed = parse_date(text)
    if parsed is not None:
        return f"{parsed.year // 100:02d}**-**-**"  # the century only
    return "".join("*" if ch.isalnum() else ch for ch in text)


def _mask_email(text: str) -> str:
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return _mask_word(text)
    labels = domain.split(".")
    masked = [_mask_word(label) for label in labels[:-1]] + labels[-1:]
    return f"{local[0]}***@{'.'.join(masked)}"  # fixed stars: the local part's length stays private


def _mask_phone(text: str) -> str:
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    keep = set(digits[-ID_KEEP_TAIL:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(text))


def mask(entity: str, value: str) -> str:
    """A masked form for reports: recognisable, never recoverable."""
    text = " ".join(value.split())
    if not text:
        return ""
    if entity in ID_ENTITIES:
        return _mask_id(text)
    if entity in DATE_ENTITIES:
        return _mask_date(text)
    if entity == "email":
        return _mask_email(text)
    if entity == "phone-number":
        return _mask_phone(text)
    if entity == "age":
        return "".join("*" if ch.isdigit() else ch for ch in text)
    # names, addresses and everything else: first letter of each word, digits hidden
    return " ".join(_mask_word(w) if not w.isdigit() else "*" * len(w) for w in text.split())
