"""The cheap second look at a worksheet's XML: what calamine's values cannot say.

Calamine gives values; this finds hidden/filtered/collapsed rows, hidden columns, cells styled
invisible, literal data-validation lists, and the printed page headers and footers. Each question
is first asked with a bytes search, so a sheet with nothing hidden costs a few memchr calls. The
tags involved (``row``, ``col``, ``c``) hold only simple attribute values, so they are read with
anchored regexes on the raw bytes instead of a full parse; anything they miss (a cell without an
``r`` reference) falls back to a streaming expat pass. Regex false positives (tags inside
comments) can only mark more as hidden, never less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clearance.extractors.xlsx_package import expat_walk
from clearance.extractors.xlsx_styles import InvisibleStyles
from clearance.extractors.xlsx_tables import Layout
from clearance.model import Visibility

_ATTR = re.compile(rb"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ROW = re.compile(rb"<row\b([^>]*)>")
_ROW_FLAGGED = re.compile(rb"<row\b([^>]*(?:hidden|\bht\s*=\s*[\"']0)[^>]*)>")
_COL = re.compile(rb"<col\b([^>]*)>")
_FORMAT_PR = re.compile(rb"<sheetFormatPr\b([^>]*)>")
_AUTOFILTER = re.compile(rb"<autoFilter\b([^>]*)>")
# Zero row heights / column widths hide as well as hidden="1"; probed as literals (a regex
# without a literal prefix costs ~10 ms per MB). Spellings with spaces around '=' are missed.
_ZERO_HEIGHT = b'ht="0'  # also matches ht="0.5"; the row scan then reads the exact value
_ZERO_WIDTH = b'width="0'
_VALIDATION = re.compile(rb"<(?:\w+:)?dataValidation\b.*?</(?:\w+:)?dataValidation>", re.S)
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_HEADER_FOOTER = re.compile(rb"<(?:[\w.-]+:)?headerFooter\b(?:[^>]*/>|.*?</(?:[\w.-]+:)?headerFooter>)", re.S)
_HF_ELEMENTS = ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter")
# Header/footer formatting codes (ECMA-376 Part 1, 18.3.1.46): &L/&C/&R start a section; &P page,
# &N pages, &D date, &T time, &F file, &A sheet, &Z path, &G picture; &B/&I/&U/&E/&S/&X/&Y/&O/&H
# styles; &"font,style"; &NN font size; &K colour; "&&" is a literal ampersand.
_HF_CODE = re.compile(r'&(?:"[^"]*"?|[Kk](?:[0-9A-Fa-f]{6}|\d\d[+-]\d{3})|\d+|&|[A-Za-z])')
_HF_SECTION = {"L": "left", "C": "centre", "R": "right"}
_TEXT_TYPES = {"s", "str", "inlineStr"}
# More invisible styles than this: skip the per-id bytes search and just scan the cells.
_MAX_STYLE_PROBES = 32


def attrs(raw: bytes) -> dict[str, str]:
    return {
        m[1].decode(): (m[2] if m[2] is not None else m[3]).decode("utf-8", "replace")
        for m in _ATTR.finditer(raw)
    }


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_ref(ref: str) -> tuple[int, int] | None:
    """'B7' -> (7, 2) (row, column); None if not a cell reference."""
    m = _REF.fullmatch(ref.strip())
    return (int(m[2]), col_number(m[1])) if m else None


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """'A1:J20' -> (top, left, bottom, right)."""
    a, _, b = ref.partition(":")
    p, q = parse_ref(a), parse_ref(b or a)
    if p is None or q is None:
        return None
    return min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1])


def _true(v: str | None) -> bool:
    return v in ("1", "true")


def _zero(v: str | None) -> bool:
    try:
        return v is not None and float(v) == 0
    except ValueError:
        return False


@dataclass
class Validation:
    sqref: str
    items: list[str]


@dataclass
class HeaderFooter:
    element: str  # oddHeader, oddFooter, evenHeader, evenFooter, firstHeader, firstFooter
    section: str  # left, centre, right
    text: str  # formatting codes removed


@dataclass
class SheetScan:
    layout: Layout = field(default_factory=Layout)
    validations: list[Validation] = field(default_factory=list)
    headers_footers: list[HeaderFooter] = field(default_factory=list)


def _rows(xml: bytes, filters: list[tuple[int, int, int, int]], layout: Layout) -> None:
    fmt = _FORMAT_PR.search(xml)
    all_hidden = bool(fmt) and _true(attrs(fmt[1]).get("zeroHeight"))
    tags = [attrs(m[1]) for m in (_ROW if all_hidden else _ROW_FLAGGED).finditer(xml)]
    if any(not a.get("r", "").isdigit() for a in tags):
        tags = [attrs(m[1]) for m in _ROW.finditer(xml)]  # rows without 'r': count them all
    n = 0
    for a in tags:
        n = int(a["r"]) if a.get("r", "").isdigit() else n + 1
        hidden = _true(a.get("hidden")) or _zero(a.get("ht"))
        if all_hidden and not (a.get("ht") and not _zero(a.get("ht"))):
            hidden = True  # zeroHeight: every row without its own height is hidden
        if not hidden:
            continue
        if any(top < n <= bottom for top, _, bottom, _ in filters):
            layout.hidden_rows[n] = Visibility.FILTERED_ROW
        elif int(a.get("outlineLevel", "0") or 0) > 0 or _true(a.get("collapsed")):
            layout.hidden_rows[n] = Visibility.COLLAPSED_ROW
        else:
            layout.hidden_rows[n] = Visibility.HIDDEN_ROW


def _cols(xml: bytes, layout: Layout) -> None:
    for m in _COL.finditer(xml):
        a = attrs(m[1])
        if _true(a.get("hidden")) or _zero(a.get("width")):
            try:
                lo, hi = int(a["min"]), int(a.get("max", a["min"]))
            except (KeyError, ValueError):
                continue
            layout.hidden_columns.update(range(lo, min(hi, lo + 16_384) + 1))  # 16,384 = Excel's column cap


def _cells_regex(xml: bytes, styles: InvisibleStyles, layout: Layout) -> bool:
    """Find cells using an invisible style; False when a cell lacks its 'r' (use expat)."""
    ids = b"|".join(str(i).encode() for i in sorted(styles.any))
    pattern = re.compile(rb"<c\b([^>]*\bs\s*=\s*[\"'](?:" + ids + rb")[\"'][^>]*)>")
    for m in pattern.finditer(xml):
        a = attrs(m[1])
        ref = parse_ref(a.get("r", ""))
        if ref is None:
            return False
        if _hides(a, styles):
            layout.invisible_cells.add(ref)
    return True


def _hides(a: dict[str, str], styles: InvisibleStyles) -> bool:
    try:
        s = int(a.get("s", "0"))
    except ValueError:
        return False
    return s in (styles.text if a.get("t") in _TEXT_TYPES else styles.numbers)


def _cells_expat(xml: bytes, styles: InvisibleStyles, layout: Layout, label: str) -> None:
    pos = {"row": 0, "col": 0}

    def start(name: str, a: dict[str, str]) -> None:
        if name.endswith("row") and (name == "row" or name.endswith(":row")):
            pos["row"] = int(a["r"]) if a.get("r", "").isdigit() else pos["row"] + 1
            pos["col"] = 0
        elif name == "c" or name.endswith(":c"):
            ref = parse_ref(a.get("r", ""))
            pos["col"] = ref[1] if ref else pos["col"] + 1
            if _hides(a, styles):
                layout.invisible_cells.add((pos["row"], pos["col"]))

    expat_walk(xml, label, start)


def _validation(fragment: bytes, label: str) -> Validation | None:
    found: dict[str, str] = {}
    path: list[str] = []
    text: list[str] = []

    def start(name: str, a: dict[str, str]) -> None:
        name = name.rsplit(":", 1)[-1]
        path.append(name)
        if name == "dataValidation":
            found.update(type=a.get("type", ""), sqref=a.get("sqref", ""))
        text.clear()

    def end(name: str) -> None:
        name = path.pop()
        if name in ("formula1", "f") and "formula1" in (*path, name) and "formula1" not in found:
            found["formula1"] = "".join(text)
        elif name == "sqref":
            found["sqref"] = "".join(text)
        text.clear()

    expat_walk(fragment, label, start, end, text.append)
    formula = found.get("formula1", "").strip()
    if found.get("type") != "list" or len(formula) < 2 or not (formula[0] == formula[-1] == '"'):
        return None  # a range reference: its cells are scanned where they live
    items = [i.strip() for i in formula[1:-1].replace('""', '"').split(",")]
    return Validation(found.get("sqref", ""), [i for i in items if i])


def header_footer_text(code: str) -> list[tuple[str, str]]:
    """(section, text) of one header/footer string, formatting codes removed; text only."""
    sections: dict[str, list[str]] = {}
    current = "centre"  # text before any &L/&C/&R is centred
    pos = 0
    for m in _HF_CODE.finditer(code):
        sections.setdefault(current, []).append(code[pos : m.start()])
        pos = m.end()
        tok = m[0][1:]
        if tok == "&":
            sections[current].append("&")
        elif tok.upper() in _HF_SECTION and len(tok) == 1:
            current = _HF_SECTION[tok.upper()]
        elif len(tok) == 1 and tok.isalpha():
            sections[current].append(" ")  # a field (page, date, sheet name...): a word break
    sections.setdefault(current, []).append(code[pos:])
    out = []
    for name in _HF_SECTION.values():
        text = " ".join("".join(sections.get(name, ())).split())
        if any(ch.isalnum() for ch in text):
            out.append((name, text))
    return out


def _header_footer_codes(fragment: bytes, label: str) -> dict[str, str]:
    """Element name -> its code string, from one <headerFooter> element."""
    texts: dict[str, list[str]] = {}
    path: list[str] = []

    def start(name: str, _a: dict[str, str]) -> None:
        path.append(name.rsplit(":", 1)[-1])

    def end(_name: str) -> None:
        path.pop()

    def chars(data: str) -> None:
        if path and path[-1] in _HF_ELEMENTS:
            texts.setdefault(path[-1], []).append(data)

    expat_walk(fragment, label, start, end, chars)
    return {k: "".join(v) for k, v in texts.items()}


def _headers_footers(xml: bytes, label: str, start: int = 0) -> list[HeaderFooter]:
    out: list[HeaderFooter] = []
    seen: set[str] = set()
    for m in _HEADER_FOOTER.finditer(xml, start):
        codes = _header_footer_codes(m[0], label)
        for element in _HF_ELEMENTS:
            for section, text in header_footer_text(codes.get(element, "")):
                if text not in seen:  # odd/even/first pages often repeat the same text
                    seen.add(text)
                    out.append(HeaderFooter(element, section, text))
    return out


# Apostrophes are rare in sheet XML (text usually lives in sharedStrings): when there are few,
# looking at the byte before each is cheaper than searching for the two-byte "='".
_FEW_APOSTROPHES = 64


def _single_quoted(xml: bytes) -> bool:
    """Whether any attribute value is single-quoted (``='`` occurs)."""
    i = xml.find(b"'")
    for _ in range(_FEW_APOSTROPHES):
        if i < 0:
            return False
        if i and xml[i - 1] == 0x3D:  # '='
            return True
        i = xml.find(b"'", i + 1)
    return i >= 0 and xml.find(b"='", max(i - 1, 0)) >= 0


def _has_attr(xml: bytes, spelling: bytes) -> bool:
    """Whether ``spelling`` (``name="value``) occurs as an attribute, i.e. after whitespace: XML
    puts whitespace before every attribute, and ``ht="0`` alone also matches ``right="0.75"``."""
    i = xml.find(spelling)
    while i >= 0:
        if i and xml[i - 1] in b" \t\r\n":
            return True
        i = xml.find(spelling, i + 1)
    return False


def scan_sheet(
    xml: bytes,
    styles: InvisibleStyles,
    label: str,
    extra_filters: list[str] | None = None,
) -> SheetScan:
    """Layout and literal validation lists of one worksheet part."""
    out = SheetScan()
    # Attributes may be single-quoted; only then probe for those spellings too.
    single = _single_quoted(xml)
    # <sheetFormatPr> and <cols> come before <sheetData>: probe only that short head for them.
    head = xml[: max(0, xml.find(b"<sheetData"))] or xml
    zero = [(_ZERO_HEIGHT, xml), (_ZERO_WIDTH, head)]
    if single:
        zero += [(z.replace(b'"', b"'"), where) for z, where in zero]
    if b"hidden" in xml or b"zeroHeight" in head or any(_has_attr(where, z) for z, where in zero):
        refs = [attrs(m[1]).get("ref", "") for m in _AUTOFILTER.finditer(xml)] + list(extra_filters or [])
        filters = [r for r in (parse_range(x) for x in refs if x) if r]
        _rows(xml, filters, out.layout)
        _cols(xml, out.layout)
    ids = styles.any
    probes = [f's="{i}"'.encode() for i in ids] + ([f"s='{i}'".encode() for i in ids] if single else [])
    used = ids and (len(ids) > _MAX_STYLE_PROBES or any(p in xml for p in probes))
    if used and not _cells_regex(xml, styles, out.layout):
        out.layout.invisible_cells.clear()
        _cells_expat(xml, styles, out.layout, label)
    if b"dataValidation" in xml:
        for m in _VALIDATION.finditer(xml):
            v = _validation(m[0], label)
            if v is not None:
                out.validations.append(v)
    # <headerFooter> follows <sheetData>: probe only what follows its end tag (found from the end;
    # text cannot hold a literal "<"), and the head in case a writer put it first. Without the
    # unprefixed end tag (x:sheetData, an empty <sheetData/>), the whole part.
    tail = max(0, xml.rfind(b"</sheetData>"))
    if xml.find(b"headerFooter", tail) >= 0:
        out.headers_footers = _headers_footers(xml, label, tail)
    elif b"headerFooter" in head:
        out.headers_footers = _headers_footers(head, label)
    return out
