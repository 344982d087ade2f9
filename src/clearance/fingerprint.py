"""Normalise, fingerprint and mask personal values. Pure: no I/O, no clock, no environment.

Identity ignores position (STYLE.md habit 5): a value fingerprint is a keyed hash of the entity
and the *normalised* value, so "GARCIA LOPEZ, Maria" in a hidden sheet and "Maria Garcia Lopez"
in a pivot cache are the same person, and an allow-list entry made once works in every file.
A finding's fingerprint is one keyed hash of rule, entity, path and the finding's sorted distinct
normalised values, as detect-secrets hashes filename + secret, never a line number.

Everything is built to run over whole columns: ``normalise_many`` does the Unicode work once per
column, and the keyed hash runs once per finding (and per distinct value an allow-list is
compared against), never once per cell.

Masks keep just enough to recognise a match (first letters, the last two digits of an ID, the
century of a date) and never enough to recover the value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache

NAME_ENTITIES = frozenset({"person-name", "given-name", "family-name"})
DIGIT_ID_ENTITIES = frozenset({"a-number", "us-ssn", "us-itin"})
ALNUM_ID_ENTITIES = frozenset({"passport-number", "id-number"})
ID_ENTITIES = DIGIT_ID_ENTITIES | ALNUM_ID_ENTITIES
DATE_ENTITIES = frozenset({"date-of-birth"})
# Compared by their digits alone ("4111 1111-1111 1111" = "4111111111111111"), but not personal
# IDs for telling people apart: a phone or a card can be shared within a household.
DIGIT_ONLY_ENTITIES = frozenset({"phone-number", "payment-card"})

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
# Name tokens are letters and digits of any script ("_" is not a letter); "\n" separates the
# values of a column normalised at once. Unicode-aware: an ASCII-only class would fold every
# Cyrillic, Arabic or Chinese name to "", one shared fingerprint for all of them.
# (Callers turn "_" into a separator first: a class that also excluded it would be slower.)
_NAME_SEPARATORS = re.compile(r"[^\w\n]+")
_NON_ALNUM_ID = re.compile(r"[^\w\n]+")
_NON_DIGIT = re.compile(r"[^\d\n]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# The same for ASCII text, as bytes tables (several times faster than a regex over a column).
# (Bytes above 0x7F are kept: in UTF-8 they are the non-ASCII characters, handled apart.)
_ASCII_NAME_FOLD = bytes(
    b if b > 0x7F or chr(b).isalnum() or b == ord("\n") else ord(" ") for b in range(256)
).lower()
_ASCII_NON_ALNUM = bytes(b for b in range(128) if not chr(b).isalnum() and chr(b) != "\n")
_ASCII_NON_DIGIT = bytes(b for b in range(128) if not chr(b).isdigit() and chr(b) != "\n")
_ISO_DATES = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:\n[0-9]{4}-[0-9]{2}-[0-9]{2})*")
# Anything but single spaces between words: ASCII whitespace other than " " and the "\n" that
# separates values, or a space next to another or at either end of a value.
_ODD_ASCII_SPACES = (
    "  ",
    " \n",
    "\n ",
    *(ch for ch in map(chr, range(128)) if ch.isspace() and ch not in " \n"),
)
# Columns at least this long are first reduced to their distinct spellings.
_DISTINCT_FIRST_MIN = 64


def _strip_accents(text: str) -> str:
    """NFKD, then drop combining marks. Character-wise, so it works on joined values too."""
    if text.isascii():  # the common case, and the hot path on million-row sheets
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    others = set(_NON_ASCII.findall(decomposed))
    marks = {ch for ch in others if unicodedata.combining(ch)}
    if marks == others:  # every non-ASCII character is a mark (accented Latin): drop them all
        return decomposed.encode("ascii", "ignore").decode("ascii")
    for mark in marks:  # few distinct marks: one C-speed replace each
        decomposed = decomposed.replace(mark, "")
    return decomposed


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
    return normalise_many(entity, (value,))[0]


def normalise_many(entity: str, values: Sequence[str]) -> list[str]:
    """``normalise`` for a whole column: the costly Unicode work runs once over the joined text.

    NFKD, mark removal, case folding and the punctuation regexes are character-wise, so running
    them over the values joined with "\n" and splitting back gives each value's own result; a
    value that itself holds "\n" has it read as a space first (every normal form treats it so).
    No normal form contains "\n", which keeps ``group_fingerprint``'s joined input unambiguous.
    """
    if not values:
        return []
    if len(values) >= _DISTINCT_FIRST_MIN:
        distinct = list(dict.fromkeys(values))
        if len(distinct) * 2 <= len(values):  # repeats (nationalities, statuses): each spelling once
            table = dict(zip(distinct, normalise_many(entity, distinct)))
            return list(map(table.__getitem__, values))
    text = "\n".join(values)
    if text.count("\n") != len(values) - 1:
        values = [v.replace("\n", " ") for v in values]
        text = "\n".join(values)
    if entity in NAME_ENTITIES:
        return list(map(" ".join, map(sorted, map(str.split, _name_words(values, text)))))
    if entity == "a-number":
        return [v.zfill(A_NUMBER_DIGITS) for v in _digits(text).split("\n")]
    if entity in DIGIT_ID_ENTITIES or entity in DIGIT_ONLY_ENTITIES:
        return _digits(text).split("\n")
    if entity in ALNUM_ID_ENTITIES:
        if text.isascii():
            return text.upper().encode("ascii").translate(None, _ASCII_NON_ALNUM).decode("ascii").split("\n")
        return _NON_ALNUM_ID.sub("", text.upper().replace("_", "")).split("\n")
    if entity in DATE_ENTITIES:
        if _ISO_DATES.fullmatch(text):  # extractors render dates ISO: nothing to parse
            return list(values)
        cache: dict[str, str] = {}
        return [cache[v] if v in cache else cache.setdefault(v, _normalise_date(v)) for v in values]
    if entity == "email":
        return [v.strip() for v in text.lower().split("\n")]
    folded = _strip_accents(text)
    if folded.isascii():
        folded = folded.lower()  # casefold, for ASCII
        if not _odd_ascii_space(folded):  # single spaces between words already: split back only
            return folded.split("\n")
    else:
        folded = folded.casefold()
    return [" ".join(v.split()) for v in folded.split("\n")]


def _odd_ascii_space(text: str) -> bool:
    """Whitespace other than single spaces between words, in ASCII values joined by "\n"."""
    if text.startswith(" ") or text.endswith(" "):
        return True
    return any(s in text for s in _ODD_ASCII_SPACES)


def _name_words(values: Sequence[str], text: str) -> list[str]:
    """Each value folded (no marks, case-folded) with every non-word character made a space.

    Marks are stripped from the non-ASCII values only, all at once; the ASCII characters of
    the column then go through one bytes table (UTF-8 leaves every non-ASCII character's bytes
    above 0x7F, which the table keeps as they are), and only values still holding non-ASCII
    letters after that (Turkish dotless i, Greek, Cyrillic...) take the Unicode regex.
    """
    if not text.isascii():
        where = [i for i, v in enumerate(values) if not v.isascii()]
        stripped = _strip_accents("\n".join([values[i] for i in where])).split("\n")
        if len(stripped) != len(where):  # no decomposition yields "\n"; never trust it blindly
            stripped = [_strip_accents(values[i]) for i in where]
        values = list(values)
        for i, v in zip(where, stripped):
            values[i] = v
        text = "\n".join(values)
    raw = text.encode("utf-8", "surrogatepass").translate(_ASCII_NAME_FOLD)
    folded = raw.decode("utf-8", "surrogatepass").split("\n")
    if not text.isascii():
        for i, v in enumerate(values):
            if not v.isascii():
                folded[i] = _NAME_SEPARATORS.sub(" ", v.casefold().replace("_", " "))
    return folded


def _digits(text: str) -> str:
    if text.isascii():
        return text.encode("ascii").translate(None, _ASCII_NON_DIGIT).decode("ascii")
    return _NON_DIGIT.sub("", text)


def _normalise_date(value: str) -> str:
    parsed = parse_date(value)
    return parsed.isoformat() if parsed else " ".join(value.split())


@lru_cache(maxsize=16)
def _keyed(key: bytes) -> hmac.HMAC:
    # HMAC's key schedule is the costly part; copying a keyed object is cheap.
    return hmac.new(key, digestmod=hashlib.sha256)


def _hmac_hex(key: bytes, message: str) -> str:
    h = _keyed(key).copy()
    h.update(message.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def value_fingerprint(key: bytes, entity: str, value: str) -> str:
    """Keyed hash of entity + normalised value. Path-independent: what allow-lists hold."""
    return normalised_fingerprint(key, entity, normalise(entity, value))


def normalised_fingerprint(key: bytes, entity: str, normalised: str) -> str:
    """``value_fingerprint`` of a value already normalised (``normalise_many``)."""
    return _hmac_hex(key, f"value\0{entity}\0{normalised}")


def finding_fingerprint(key: bytes, rule: str, path: str, value: str, *, entity: str | None = None) -> str:
    """Keyed hash of rule + path + normalised value (STYLE.md habit 5): no positions.

    ``entity`` picks the normalisation; rule ids usually are entity names, so it defaults to ``rule``.
    """
    return _hmac_hex(key, f"finding\0{rule}\0{path}\0{normalise(entity or rule, value)}")


def sketch_key(value: str) -> tuple[int, str]:
    """A fixed, unkeyed order of values for bottom-k sketches (in memory only): CRC-32 first
    (C speed, the same in every process), the value itself to break ties."""
    return zlib.crc32(value.encode("utf-8", "surrogatepass")), value


def sketch_hashes(values: Iterable[str]) -> list[int]:
    """The CRC-32 part of ``sketch_key`` for many values, at C speed where they encode."""
    values = list(values)
    try:
        return list(map(zlib.crc32, map(str.encode, values)))
    except UnicodeEncodeError:  # a lone surrogate from undecodable bytes
        return [sketch_key(v)[0] for v in values]


def group_fingerprint(key: bytes, rule: str, entity: str, path: str, normalised: Iterable[str]) -> str:
    """One keyed hash per finding: rule + entity + path + its sorted, distinct normalised values.

    Order-free and position-free (STYLE.md habit 5): the same values under the same rule in the
    same file give the same fingerprint wherever they sit, in whatever order, however often.
    One HMAC per finding, not one per cell: the values are joined by "\n", which no normal
    form contains (``normalise_many``); a value that does is length-prefixed instead, so two
    different value sets never share an input.
    """
    values = sorted(set(normalised))
    body = "\n".join(values)
    if body.count("\n") != max(len(values) - 1, 0):
        body = "".join(f"{len(v)}:{v}" for v in values)
    return _hmac_hex(key, f"group\0{rule}\0{entity}\0{path}\0{body}")


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
