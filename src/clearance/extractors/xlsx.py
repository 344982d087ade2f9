"""Excel 2007+ workbooks (.xlsx, .xlsm): every place data can hide, each with its Visibility.

Cell values come from python-calamine (Rust, fast); what calamine cannot say (hidden rows and
columns, invisible styles, validation lists) comes from a targeted look at the sheet XML
(``xlsx_sheetxml``); the parts outside the grid (comments, pivot caches, names, links,
properties, embedded files) from ``xlsx_parts``. Every part goes through ``safety.SafeZip`` and
a DTD/entity refusal before any parser sees it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from clearance import formats
from clearance.extractors import xlsx_parts as parts
from clearance.extractors.xlsx_package import Package, check_well_formed, expat_walk
from clearance.extractors.xlsx_sheetxml import scan_sheet
from clearance.extractors.xlsx_styles import InvisibleStyles, invisible_styles
from clearance.extractors.xlsx_tables import grid_tables, render_rows
from clearance.model import Document, Extracted, Location, Note, Segment, Unscannable, Visibility
from clearance.plugins import ExtractContext
from clearance.safety import local

_STATE = {"hidden": Visibility.HIDDEN_SHEET, "veryHidden": Visibility.VERY_HIDDEN_SHEET}
_DEFAULT_WORKBOOK = "xl/workbook.xml"
_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml$")


def read_all(doc: Document) -> bytes:
    with doc.open() as fh:
        return fh.read()


# The shortest cell element is "<c/>": a part can hold at most len/4 cells, so counting is
# needed only for parts large enough to break the cell limit.
_MIN_CELL_BYTES = 4


def cell_count_bound(sheet_xml: bytes, limit: int) -> int:
    """Upper bound on the cells in a sheet part, from its bytes, before anything is parsed."""
    if len(sheet_xml) // _MIN_CELL_BYTES <= limit:
        return len(sheet_xml) // _MIN_CELL_BYTES
    return sheet_xml.count(b"<c ") + sheet_xml.count(b"<c>") + sheet_xml.count(b"<c/>")


# calamine places a cell at its r reference ("B7"; letters and digits of any length), or, without
# one, right of the previous cell in the current row: a <row r="N"> start sets the row, every
# </row> moves to the next and back to column 1. Element names match after their first ':' (as
# quick-xml's local_name). The grid it then allocates spans the extreme cells. Bounding that grid
# from the cell references alone holds only when every cell element has one, which two cheap
# regex passes prove for the usual spelling ('<c r="B7"'); anything else is walked exactly.
_CELL_REF = re.compile(r"([A-Za-z]+)([0-9]+)")
# A cell element's start tag (after '<' and the prefix), and the canonical reference after it.
_CELL_NAME_END = rb"(?=[ \t\r\n>/])"
_PREFIXED_CELL = re.compile(rb":c[ \t\r\n>/]")  # also matches text; only ever slows a check
_XML_NAME = re.compile(rb"[^\s<>/!?:=\"'&]+")
_UTF16 = (b"\xff\xfe", b"\xfe\xff")


# Longer references are far past any grid limit (and calamine's u32 arithmetic wraps on them).
_HUGE = 1 << 40


def _column_number(letters: str) -> int:
    if len(letters) > 8:
        return _HUGE
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _row_number(digits: str) -> int:
    return int(digits) if len(digits) <= 12 else _HUGE


def _cell_tags(sheet_xml: bytes) -> list[bytes] | None:
    """The start-tag openings of every cell element ('<c', '<x:c'), or None when they cannot be
    listed from the bytes (UTF-16, several prefixes, a prefix in a comment)."""
    if sheet_xml[:2] in _UTF16 or b"\x00" in sheet_xml[:4]:
        return None
    tags = [b"<c"]
    first = _PREFIXED_CELL.search(sheet_xml)
    if first is not None:
        lt = sheet_xml.rfind(b"<", 0, first.start())
        prefix = sheet_xml[lt + 1 : first.start()]
        if lt < 0 or not _XML_NAME.fullmatch(prefix):
            return None
        name = re.escape(prefix + b":c") + rb"[ \t\r\n>/]"
        every = sum(1 for _ in _PREFIXED_CELL.finditer(sheet_xml))  # start and end tags
        if every != sum(1 for _ in re.finditer(rb"</?" + name, sheet_xml)):
            return None
        tags.append(b"<" + prefix + b":c")
    return tags


def _digits_within(limit: int) -> int:
    """Most row digits for which 26 columns x (10**d - 1) rows stay within ``limit`` (0: none)."""
    d = 0
    while 26 * (10 ** (d + 1) - 1) <= limit:
        d += 1
    return d


def _screen(sheet_xml: bytes, limit: int) -> bool | None:
    """True/False: the grid fits within ``limit`` or not, from the cell references alone; None
    when some cell element lacks a canonical reference (the exact walk decides)."""
    tags = _cell_tags(sheet_xml)
    if tags is None:
        return None
    d = _digits_within(limit)
    if d and not any(
        re.search(re.escape(t) + _CELL_NAME_END + rb'(?! r="[A-Za-z][0-9]{1,%d}")' % d, sheet_xml)
        for t in tags
    ):
        return True  # at most column Z and row 10**d - 1
    if any(re.search(re.escape(t) + _CELL_NAME_END + rb'(?! r="[A-Za-z]+[0-9]+")', sheet_xml) for t in tags):
        return None
    max_row = max_col = 0
    for t in tags:
        refs = re.findall(re.escape(t) + rb' r="([A-Za-z]+)([0-9]+)"', sheet_xml)
        if refs:
            max_row = max(max_row, max(_row_number(r.decode()) for r in {r for _, r in refs}))
            max_col = max(max_col, max(_column_number(c.decode()) for c in {c for c, _ in refs}))
    return max_row * max_col <= limit


def grid_bound(sheet_xml: bytes, label: str = "sheet part") -> int:
    """Rows x columns of the grid from A1 to the farthest cell calamine would place (an upper
    bound), by an expat walk that also proves the part well-formed."""
    row = col = max_row = max_col = 0

    def local(name: str) -> str:
        return name.partition(":")[2] or name

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, max_row, max_col
        tag = local(name)
        if tag == "c":
            m = _CELL_REF.fullmatch(attrs.get("r", ""))
            if m:
                r, col = _row_number(m[2]), _column_number(m[1])
            else:  # no reference (or one calamine refuses): the next column of the row
                r, col = row + 1, col + 1
            max_row, max_col = max(max_row, r), max(max_col, col)
        elif tag == "row":
            r = attrs.get("r", "")
            if r.isascii() and r.isdigit():
                row = _row_number(r) - 1

    def end(name: str) -> None:
        nonlocal row, col
        if local(name) == "row":
            row, col = row + 1, 0

    expat_walk(sheet_xml, label, start, end)
    return max_row * max_col


def check_sheet_part(sheet_xml: bytes, label: str, limit: int) -> None:
    """Refuse a sheet part that is not well-formed XML or whose grid would exceed ``limit`` cells.

    calamine allocates the whole grid up front: A1 and XFD1048576 alone would abort the process
    before its height x width could be checked.
    """
    fits = _screen(sheet_xml, limit)
    if fits is None:
        fits = grid_bound(sheet_xml, label) <= limit  # one parse: well-formedness and the grid
    else:
        check_well_formed(sheet_xml, label)
    if not fits:
        raise Unscannable(f"{label} spans more than {limit:,} cells", "limit")


class XlsxExtractor:
    name: ClassVar[str] = "xlsx"
    media_types: ClassVar[tuple[str, ...]] = (formats.XLSX, formats.XLSM)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        data = read_all(doc)
        if data.startswith(formats.CFB_MAGIC):
            raise Unscannable(
                "workbook is encrypted (password-protected); it cannot be inspected", "encrypted"
            )
        pkg = Package(io.BytesIO(data), ctx.limits, label=f"workbook '{doc.path}'")
        try:
            yield from _Workbook(pkg, data, doc, ctx).extract()
        except Unscannable:
            raise
        except Exception as exc:  # a malformed part we did not foresee: fail closed, no values
            raise Unscannable(f"workbook could not be read ({type(exc).__name__})", "corrupt") from None
        finally:
            pkg.zip.close()


def _rid(el: Any) -> str:
    return next((v for k, v in el.attrib.items() if k.endswith("}id") or k == "r:id"), "")


class _Workbook:
    def __init__(self, pkg: Package, data: bytes, doc: Document, ctx: ExtractContext) -> None:
        self.pkg, self.data, self.doc, self.limits = pkg, data, doc, ctx.limits
        self.w = parts.Where(doc.members, ctx.limits.chunk_rows)
        office = [r.target for r in pkg.rels("") if r.type == "officeDocument" and not r.external]
        self.part = office[0] if office and pkg.has(office[0]) else _DEFAULT_WORKBOOK
        if not pkg.has(self.part):
            raise Unscannable("not a valid workbook (no xl/workbook.xml)", "corrupt")
        self.root = pkg.xml(self.part)
        self.rels = {r.id: r for r in pkg.rels(self.part)}
        # (name, part or None, visibility, is worksheet) in workbook order
        self.sheets: list[tuple[str, str | None, Visibility, bool]] = []
        for el in self.root.iter():
            if local(el.tag) == "sheet":
                rel = self.rels.get(_rid(el))
                is_ws = rel is not None and rel.type == "worksheet" and pkg.has(rel.target)
                self.sheets.append(
                    (
                        el.get("name", ""),
                        rel.target if rel else None,
                        _STATE.get(el.get("state", ""), Visibility.VISIBLE),
                        is_ws,
                    )
                )

    def _styles(self) -> InvisibleStyles:
        by_type = {r.type: r.target for r in self.rels.values()}
        styles = self.pkg.xml(by_type["styles"]) if "styles" in by_type else None
        theme = self.pkg.xml(by_type["theme"]) if "theme" in by_type and styles is not None else None
        return invisible_styles(styles, theme)

    def extract(self) -> Iterator[Extracted]:
        pkg, w = self.pkg, self.w
        styles = self._styles()
        worksheets = [(n, p, v) for n, p, v, ws in self.sheets if ws and p]
        # Every part calamine will parse passes the size and DTD guards first.
        for _, part, _ in worksheets:
            if cell_count_bound(pkg.read(part), self.limits.max_cells) > self.limits.max_cells:
                raise Unscannable(
                    f"sheet part '{part}' has more than {self.limits.max_cells:,} cells", "limit"
                )
            check_sheet_part(pkg.read(part), f"sheet part '{part}'", self.limits.max_cells)
        for r in self.rels.values():
            if r.type == "sharedStrings" and pkg.has(r.target):
                check_well_formed(pkg.read(r.target), f"part '{r.target}'")
        book = self._calamine()
        people = parts.persons(pkg)
        done: set[str] = set()
        for name, part, vis in worksheets:
            yield from self._sheet(book, name, part, vis, styles)
            for rel in pkg.rels(part):
                if rel.external or not pkg.has(rel.target):
                    continue
                if rel.type == "comments":
                    done.add(rel.target.lower())
                    yield from parts.comments(pkg, rel.target, name, w)
                elif rel.type == "threadedComment":
                    done.add(rel.target.lower())
                    yield from parts.threaded_comments(pkg, rel.target, name, people, w)
        sheet_names = [n for n, _, _, _ in self.sheets]
        sheet_parts = {p.lower() for _, p, _ in worksheets}
        yield from parts.defined_names(self.root, sheet_names, self.part, w)
        for n in pkg.names():
            low = n.lower()
            if low in done:
                continue
            if low.startswith("xl/comments") and low.endswith(".xml"):
                yield from parts.comments(pkg, n, None, w)
            elif low.startswith("xl/threadedcomments/") and low.endswith(".xml"):
                yield from parts.threaded_comments(pkg, n, None, people, w)
            elif low.startswith("xl/pivotcache/pivotcachedefinition") and low.endswith(".xml"):
                yield from parts.pivot_cache(pkg, n, w)
            elif low.startswith("xl/externallinks/externallink") and low.endswith(".xml"):
                yield from parts.external_link(pkg, n, w)
            elif low.startswith("xl/embeddings/") and not low.endswith("/"):
                yield from parts.embedded(pkg, n, self.doc, self.limits.max_depth)
            elif low.endswith("vbaproject.bin"):
                yield Note("macro", "the workbook contains VBA macros", Location(part=n, members=w.members))
            elif _WORKSHEET_PART.match(low) and low not in sheet_parts:
                # Not reachable from the workbook, so calamine cannot read it; its bytes are
                # published all the same.
                yield Note(
                    "orphan-part",
                    "a worksheet part is not linked from the workbook; it was not inspected",
                    Location(part=n, members=w.members),
                    blocking=True,
                )
        yield from parts.properties(pkg, w)

    def _calamine(self) -> Any:
        import python_calamine as pc

        try:
            return pc.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        except Exception as exc:  # calamine raises its own types plus ValueError/OSError
            raise Unscannable(f"workbook could not be read ({type(exc).__name__})", "corrupt") from None

    def _sheet(
        self, book: Any, name: str, part: str, vis: Visibility, styles: InvisibleStyles
    ) -> Iterator[Extracted]:
        label = f"sheet '{name}'"
        pkg = self.pkg
        filters = []
        for rel in pkg.rels(part):
            if rel.type == "table" and not rel.external and pkg.has(rel.target):
                table = pkg.xml(rel.target)
                filters += [e.get("ref", "") for e in table.iter() if local(e.tag) == "autoFilter"]
        scan = scan_sheet(pkg.read(part), styles, label, filters)
        pkg.forget(part)
        try:
            sheet = book.get_sheet_by_name(name)
            height, width = sheet.height, sheet.width
            if height * width > self.limits.max_cells:
                raise Unscannable(
                    f"{label} has {height * width:,} cells, over the limit of {self.limits.max_cells:,}",
                    "limit",
                )
            values = sheet.to_python()
            start = sheet.start or (0, 0)
        except Unscannable:
            raise
        except Exception as exc:
            raise Unscannable(f"{label} could not be read ({type(exc).__name__})", "corrupt") from None
        loc = Location(part=part, sheet=name, members=self.doc.members)
        yield from grid_tables(
            render_rows(values),
            key=part,
            location=loc,
            first_row=start[0] + 1,
            first_column=start[1] + 1,
            chunk_rows=self.limits.chunk_rows,
            visibility=vis,
            layout=scan.layout,
            context=(name,),
        )
        for hf in scan.headers_footers:
            # Printed on every page (and shown in Page Layout view), never in the grid.
            kind = "header" if "Header" in hf.element else "footer"
            yield Segment(
                hf.text,
                Location(part=part, sheet=name, field=f"{hf.element}/{hf.section}", members=self.doc.members),
                Visibility.METADATA,
                (name, f"page {kind}"),
            )
        for v in scan.validations:
            yield from grid_tables(
                [[i] for i in v.items],
                key=f"{part}#dataValidation/{v.sqref}",
                location=Location(part=part, sheet=name, range=v.sqref, members=self.doc.members),
                first_row=1,
                first_column=1,
                chunk_rows=self.limits.chunk_rows,
                visibility=Visibility.DATA_VALIDATION,
                role="data-validation",
                header_policy="none",
                context=(name, "data validation list"),
            )
