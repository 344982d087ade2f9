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
from clearance.extractors.xlsx_package import Package, check_well_formed
from clearance.extractors.xlsx_sheetxml import scan_sheet
from clearance.extractors.xlsx_styles import InvisibleStyles, invisible_styles
from clearance.extractors.xlsx_tables import grid_tables, render_rows
from clearance.model import Document, Extracted, Location, Note, Unscannable, Visibility
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


# An attribute named r holding an A1 reference: only cells carry one in a worksheet part.
_REF_COLUMN = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]{1,3})[0-9]")
_REF_ROW = re.compile(rb"\sr\s*=\s*[\"'][A-Za-z]{1,3}([0-9]{1,7})")


def grid_bound(sheet_xml: bytes) -> int:
    """Rows x columns of the grid the sheet's cell references span from A1 (an upper bound)."""
    columns = set(_REF_COLUMN.findall(sheet_xml))
    if not columns:
        return 0
    max_row = max(int(r) for r in set(_REF_ROW.findall(sheet_xml)))
    max_col = 0
    for letters in {c.upper() for c in columns}:
        n = 0
        for ch in letters:
            n = n * 26 + ch - 64
        max_col = max(max_col, n)
    return max_row * max_col


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
            check_well_formed(pkg.read(part), f"sheet part '{part}'")
            if grid_bound(pkg.read(part)) > self.limits.max_cells:
                # calamine allocates the whole grid up front: A1 and XFD1048576 alone would abort
                # the process before its height x width could be checked.
                raise Unscannable(
                    f"sheet part '{part}' spans more than {self.limits.max_cells:,} cells", "limit"
                )
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
