"""Legacy and other spreadsheets read by python-calamine: .xls (BIFF), .xlsb, .ods.

Calamine gives cell values and sheet visibility. What it cannot say comes from the format's own
structures: xlrd's row/column info and notes for .xls, content.xml/meta.xml for .ods, the
OOXML parts shared with the xlsx extractor for .xlsb. Every failure ends as ``Unscannable``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from clearance import formats
from clearance.extractors import xlsx_parts as parts
from clearance.extractors.xlsx_package import Package
from clearance.extractors.xlsx_tables import Layout, grid_tables, render_rows
from clearance.model import Document, Extracted, Location, Note, Segment, Unscannable, Visibility
from clearance.plugins import ExtractContext
from clearance.safety import local

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_ODS_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_T = f"{{{_ODS_TABLE}}}"
# Repeat counts beyond Excel's grid (1,048,576 rows x 16,384 columns) are padding, not data.
_MAX_ROWS = 1_048_576
_MAX_COLS = 16_384
_ENCRYPTED = ("password", "encrypt")
_XLSB_UNREAD = (
    ("xl/comments", "comments"),
    ("xl/threadedcomments/", "comments"),
    ("xl/pivotcache/", "pivot cache"),
    ("xl/externallinks/", "external link"),
)


def _read_all(doc: Document) -> bytes:
    with doc.open() as fh:
        return fh.read()


@dataclass
class _SheetExtras:
    """Per-sheet facts calamine does not give: hidden ranges, comments."""

    hidden: bool = False
    row_ranges: list[tuple[int, int, Visibility]] = field(default_factory=list)  # (first, count, vis)
    col_ranges: list[tuple[int, int]] = field(default_factory=list)  # (first, count)
    comments: list[tuple[int, int, str, str]] = field(default_factory=list)  # (row, col, text, author)

    def layout(self, last_row: int, last_col: int) -> Layout:
        out = Layout()
        for first, count, vis in self.row_ranges:
            for r in range(first, min(first + count, last_row + 1)):
                out.hidden_rows[r] = vis
        for first, count in self.col_ranges:
            out.hidden_columns.update(range(first, min(first + count, last_col + 1)))
        return out


class CalamineExtractor:
    name: ClassVar[str] = "calamine"
    media_types: ClassVar[tuple[str, ...]] = (formats.XLS, formats.XLSB, formats.ODS)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        try:
            yield from self._extract(doc, ctx)
        except Unscannable:
            raise
        except Exception as exc:  # any parser failure: fail closed, never leak the message's values
            raise Unscannable(f"spreadsheet could not be read ({type(exc).__name__})", "corrupt") from None

    def _extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        data = _read_all(doc)
        label = f"spreadsheet '{doc.path}'"
        w = parts.Where(doc.members, ctx.limits.chunk_rows)
        extras: dict[str, _SheetExtras] = {}
        after: list[Extracted] = []
        pkg: Package | None = None
        is_cfb = data.startswith(formats.CFB_MAGIC)
        if doc.media_type == formats.XLS or is_cfb:
            if not is_cfb:
                raise Unscannable("not a legacy Excel workbook (no compound-file header)", "corrupt")
            extras = _xls_extras(data)
            after = list(_ole_properties(data, w))
        else:
            pkg = Package(io.BytesIO(data), ctx.limits, label=label)
            for n in pkg.names():  # every member through the size guards before calamine inflates it
                pkg.read(n)
                pkg.forget(n)
            if doc.media_type == formats.ODS or pkg.has("content.xml"):
                manifest = pkg.read("META-INF/manifest.xml") if pkg.has("META-INF/manifest.xml") else b""
                if b"encryption-data" in manifest:
                    raise Unscannable(
                        "spreadsheet is encrypted (password-protected); it cannot be inspected", "encrypted"
                    )
                extras = _ods_extras(pkg.xml("content.xml"), pkg.names())
                after = list(_ods_meta(pkg.xml("meta.xml"), w))
            else:
                after = list(_xlsb_parts(pkg, doc, ctx, w))
        book = _open(data)
        part = "content.xml" if pkg is not None and pkg.has("content.xml") else None
        for meta in book.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            yield from _sheet(book, meta, extras.get(meta.name, _SheetExtras()), part, doc, ctx)
        yield from after


def _open(data: bytes) -> Any:
    import python_calamine as pc

    try:
        return pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        if isinstance(exc, pc.PasswordError) or any(w in str(exc).lower() for w in _ENCRYPTED):
            raise Unscannable(
                "workbook is encrypted (password-protected); it cannot be inspected", "encrypted"
            ) from None
        raise Unscannable(f"workbook could not be read ({type(exc).__name__})", "corrupt") from None


def _sheet(
    book: Any, meta: Any, extra: _SheetExtras, part: str | None, doc: Document, ctx: ExtractContext
) -> Iterator[Extracted]:
    name = meta.name
    vis_name = str(meta.visible)
    if "VeryHidden" in vis_name:
        vis = Visibility.VERY_HIDDEN_SHEET
    elif "Hidden" in vis_name or extra.hidden:
        vis = Visibility.HIDDEN_SHEET
    else:
        vis = Visibility.VISIBLE
    sheet = book.get_sheet_by_name(name)
    if sheet.height * sheet.width > ctx.limits.max_cells:
        raise Unscannable(
            f"sheet '{name}' has {sheet.height * sheet.width:,} cells, over the limit of "
            f"{ctx.limits.max_cells:,}",
            "limit",
        )
    values = sheet.to_python()
    start = sheet.start or (0, 0)
    end = sheet.end or start
    loc = Location(part=part, sheet=name, members=doc.members)
    yield from grid_tables(
        render_rows(values),
        key=f"{part or 'sheet'}#{name}",
        location=loc,
        first_row=start[0] + 1,
        first_column=start[1] + 1,
        chunk_rows=ctx.limits.chunk_rows,
        visibility=vis,
        layout=extra.layout(end[0] + 1, end[1] + 1),
        context=(name,),
    )
    from clearance.extractors.xlsx_tables import col_letter

    for row, col, text, author in extra.comments:
        ref = f"{col_letter(col)}{row}"
        cloc = Location(part=part, sheet=name, range=ref, row=row, column=col, members=doc.members)
        if text.strip():
            yield Segment(text, cloc, Visibility.COMMENT, (name, f"comment {ref}"), "comment")
        if author.strip():
            yield Segment(
                author,
                Location(part=part, sheet=name, range=ref, field="author", members=doc.members),
                Visibility.METADATA,
                (name, "comment author"),
                "metadata-author",
            )


# --- .xls -------------------------------------------------------------------------------------


def _xls_extras(data: bytes) -> dict[str, _SheetExtras]:
    """Hidden rows/columns and notes via xlrd; encrypted files end here as Unscannable."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        if any(w in str(exc).lower() for w in _ENCRYPTED):
            raise Unscannable(
                "workbook is encrypted (password-protected); it cannot be inspected", "encrypted"
            ) from None
        return {}  # calamine may still read it; hidden-row facts are then unknown
    except Exception:
        return {}
    out: dict[str, _SheetExtras] = {}
    for i in range(book.nsheets):
        sh = book.sheet_by_index(i)
        ex = _SheetExtras(hidden=sh.visibility != 0)
        for r, info in sh.rowinfo_map.items():
            if info.hidden:
                vis = Visibility.COLLAPSED_ROW if info.outline_level else Visibility.HIDDEN_ROW
                ex.row_ranges.append((r + 1, 1, vis))
        for c, info in sh.colinfo_map.items():
            if info.hidden:
                ex.col_ranges.append((c + 1, 1))
        for (r, c), note in getattr(sh, "cell_note_map", {}).items():
            ex.comments.append((r + 1, c + 1, note.text or "", note.author or ""))
        out[sh.name] = ex
    return out


_OLE_AUTHOR = ("author", "last_saved_by", "manager")
_OLE_OTHER = ("title", "subject", "keywords", "comments", "company", "category")


def _ole_properties(data: bytes, w: parts.Where) -> Iterator[Segment]:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            meta = ole.get_metadata()
    except Exception:
        return
    for attr in _OLE_AUTHOR + _OLE_OTHER:
        value = getattr(meta, attr, None)
        if isinstance(value, bytes):
            value = value.decode("cp1252", "replace")
        if value and str(value).strip():
            role = "metadata-author" if attr in _OLE_AUTHOR else "metadata"
            yield Segment(
                str(value),
                w.loc("SummaryInformation", field=attr),
                Visibility.METADATA,
                (f"property {attr}",),
                role,
            )


# --- .ods -------------------------------------------------------------------------------------


def _int(v: str | None, default: int = 1) -> int:
    try:
        return max(0, int(v)) if v is not None else default
    except ValueError:
        return default


def _ods_hidden_styles(root: Any) -> set[str]:
    hidden = set()
    for st in root.iter(f"{{{_ODS_STYLE}}}style"):
        for tp in st.iter(f"{{{_ODS_STYLE}}}table-properties"):
            if tp.get(_T + "display") == "false":
                hidden.add(st.get(f"{{{_ODS_STYLE}}}name", ""))
    return hidden


def _ods_extras(root: Any, _names: list[str]) -> dict[str, _SheetExtras]:
    out: dict[str, _SheetExtras] = {}
    if root is None:
        return out
    hidden_styles = _ods_hidden_styles(root)
    for table in root.iter(_T + "table"):
        ex = _SheetExtras(hidden=table.get(_T + "style-name") in hidden_styles)
        pos = {"row": 1, "col": 1}

        def walk(el: Any, grouped: bool, ex: _SheetExtras = ex, pos: dict[str, int] = pos) -> None:
            for child in el:
                tag = local(child.tag)
                if tag == "table-column":
                    n = min(_int(child.get(_T + "number-columns-repeated")), _MAX_COLS)
                    if child.get(_T + "visibility") in ("collapse", "filter"):
                        ex.col_ranges.append((pos["col"], n))
                    pos["col"] += n
                elif tag == "table-row":
                    n = min(_int(child.get(_T + "number-rows-repeated")), _MAX_ROWS)
                    v = child.get(_T + "visibility")
                    if v == "filter":
                        ex.row_ranges.append((pos["row"], n, Visibility.FILTERED_ROW))
                    elif v == "collapse":
                        vis = Visibility.COLLAPSED_ROW if grouped else Visibility.HIDDEN_ROW
                        ex.row_ranges.append((pos["row"], n, vis))
                    if n == 1:
                        _ods_row_comments(child, pos["row"], ex)
                    pos["row"] += n
                elif tag in ("table-row-group", "table-column-group"):
                    walk(child, True)
                elif tag in ("table-header-rows", "table-rows", "table-header-columns", "table-columns"):
                    walk(child, grouped)

        walk(table, False)
        out[table.get(_T + "name", "")] = ex
    return out


def _ods_row_comments(row: Any, r: int, ex: _SheetExtras) -> None:
    c = 1
    for cell in row:
        n = min(_int(cell.get(_T + "number-columns-repeated")), _MAX_COLS)
        for ann in cell:
            if local(ann.tag) != "annotation":
                continue
            author = "".join(e.text or "" for e in ann if local(e.tag) == "creator")
            text = "\n".join("".join(p.itertext()) for p in ann if local(p.tag) == "p")
            ex.comments.append((r, c, text, author))
        c += n


_ODS_AUTHOR = {"initial-creator", "creator"}
_ODS_OTHER = {"title", "subject", "description", "keyword"}


def _ods_meta(root: Any, w: parts.Where) -> Iterator[Segment]:
    if root is None:
        return
    for el in root.iter():
        name = local(el.tag)
        if name in _ODS_AUTHOR | _ODS_OTHER and (el.text or "").strip():
            role = "metadata-author" if name in _ODS_AUTHOR else "metadata"
            yield Segment(
                el.text, w.loc("meta.xml", field=name), Visibility.METADATA, (f"property {name}",), role
            )
        elif name == "user-defined" and (el.text or "").strip():
            field_name = el.get(f"{{{_ODS_META}}}name", "")
            yield Segment(
                el.text,
                w.loc("meta.xml", field=field_name),
                Visibility.METADATA,
                (f"property {field_name}",),
                "metadata",
            )


# --- .xlsb ------------------------------------------------------------------------------------


def _xlsb_parts(pkg: Package, doc: Document, ctx: ExtractContext, w: parts.Where) -> Iterator[Extracted]:
    """Parts of a binary workbook: XML properties and embedded files are read like xlsx; binary
    comment, pivot and link parts are not parsed, so they block (never pass uninspected)."""
    yield Note(
        "partial-inspection",
        "hidden rows and columns of .xlsb sheets are not distinguished; all cell values are scanned",
        Location(members=doc.members),
    )
    flagged: set[str] = set()
    for n in pkg.names():
        low = n.lower()
        for prefix, what in _XLSB_UNREAD:
            if low.startswith(prefix) and what not in flagged:
                flagged.add(what)
                yield Note(
                    f"{what.replace(' ', '-')}-unreadable",
                    f"the binary workbook has {what} parts that could not be inspected",
                    Location(part=n, members=doc.members),
                    Visibility.COMMENT
                    if what == "comments"
                    else Visibility.PIVOT_CACHE
                    if what == "pivot cache"
                    else Visibility.EXTERNAL_LINK,
                    True,
                )
        if low.startswith("xl/embeddings/") and not low.endswith("/"):
            yield from parts.embedded(pkg, n, doc, ctx.limits.max_depth)
        elif low.endswith("vbaproject.bin"):
            yield Note("macro", "the workbook contains VBA macros", Location(part=n, members=doc.members))
    yield from parts.properties(pkg, w)
