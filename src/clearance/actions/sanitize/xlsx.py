"""Spreadsheet writer (xlsx/xlsm): applies a Plan with openpyxl, then cleans the package.

openpyxl rewrites the workbook from its object model, which is what we want for parts it
understands (cells, shared strings, sheets, names, validations, comments, properties). Parts it
does not model are simply not written (threaded comments, persons, embedded objects, VBA with
``keep_vba=False``, charts and images: see ``notes``); the zip pass afterwards removes whatever
part and relationship still points at something dropped, so the package never references a
missing part (which is what makes Excel/LibreOffice offer a repair).

Pivot tables and their caches are dropped, not rebuilt: the pivot's cached source rows are the
leak. The pivot table part goes with it; the sheet keeps its plain cells. Said in the summary.

Hidden rows and columns are "deleted" by clearing their cells and unhiding them in place, so no
other cell moves and every formula and aggregate keeps its address and value.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from typing import Any, BinaryIO, ClassVar

from clearance import formats
from clearance.actions.sanitize.base import (
    Action,
    ActionKind,
    CannotSanitize,
    Plan,
    Removal,
    Summary,
    Treatment,
    entity_words,
    plural,
    treat,
)
from clearance.model import Location, Visibility

_CORE_FIELDS = (
    "creator",
    "lastModifiedBy",
    "title",
    "subject",
    "description",
    "keywords",
    "category",
    "contentStatus",
    "identifier",
    "language",
    "version",
    "revision",
)
_DROP_PREFIXES = (
    "xl/threadedComments/",
    "xl/persons/",
    "xl/embeddings/",
    "xl/pivotCache/",
    "xl/pivotTables/",
    "xl/customData/",
    "customXml/",
)
_EXTERNAL_REF = re.compile(r"\[\d+\]")
_CELL_RANGE = re.compile(r"^\$?([A-Z]{1,3})?\$?(\d+)?(?::\$?([A-Z]{1,3})?\$?(\d+)?)?$")


def _bounds(rng: str | None, ws: Any) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of an A1 range; whole rows/columns allowed."""
    from openpyxl.utils import column_index_from_string

    if not rng:
        return 1, 1, ws.max_column, ws.max_row
    m = _CELL_RANGE.match(rng.replace("'", "").split("!")[-1].upper())
    if not m:
        raise CannotSanitize(f"cannot read the cell range {rng!r}")
    c1, r1, c2, r2 = m.groups()
    c2, r2 = c2 or c1, r2 or r1
    return (
        column_index_from_string(c1) if c1 else 1,
        int(r1) if r1 else 1,
        column_index_from_string(c2) if c2 else ws.max_column,
        int(r2) if r2 else ws.max_row,
    )


def _letters(cells: list[str], limit: int = 6) -> str:
    shown = ", ".join(cells[:limit])
    return shown + (f" and {len(cells) - limit:,} more" if len(cells) > limit else "")


class XlsxSanitizer:
    media_types: ClassVar[tuple[str, ...]] = (formats.XLSX, formats.XLSM)

    def sanitize(self, data: BinaryIO, plan: Plan, out: BinaryIO) -> Summary:
        import openpyxl

        raw = data.read()
        try:
            wb = openpyxl.load_workbook(io.BytesIO(raw), keep_vba=False, keep_links=True, rich_text=False)
        except Exception as exc:  # corrupt or unsupported: fail closed, never a partial copy
            raise CannotSanitize(
                f"the workbook could not be opened for writing ({type(exc).__name__})"
            ) from exc
        run = _Run(wb, plan, raw)
        run.apply()
        buf = io.BytesIO()
        wb.save(buf)
        out.write(_clean_package(buf.getvalue(), run))
        return Summary(tuple(run.removals), tuple(run.notes))


class _Run:
    def __init__(self, wb: Any, plan: Plan, raw: bytes) -> None:
        self.wb, self.plan, self.raw = wb, plan, raw
        self.removals: list[Removal] = []
        self.notes: list[str] = []
        self.external_dropped = False

    def add(self, action: Action, loc: Location, text: str, count: int = 0) -> None:
        examples = tuple(e for e in action.masked.split(", ")[:3] if e) if action.masked else ()
        self.removals.append(Removal(action.kind, loc, text, count, examples))

    def sheet(self, name: str | None) -> Any:
        if name is None or name not in self.wb.sheetnames:
            raise CannotSanitize(f"sheet {name!r} named by a finding is not in the workbook")
        return self.wb[name]

    def apply(self) -> None:
        order = [
            ActionKind.DROP_METADATA,
            ActionKind.DROP_MACROS,
            ActionKind.DROP_COMMENTS,
            ActionKind.DROP_DEFINED_NAMES,
            ActionKind.DROP_VALIDATIONS,
            ActionKind.DROP_PIVOTS,
            ActionKind.DROP_EXTERNAL_LINKS,
            ActionKind.DROP_EMBEDDED,
            ActionKind.DELETE_ROWS,
            ActionKind.DELETE_COLUMNS,
            ActionKind.UNHIDE,
            ActionKind.CLEAR_CELLS,
            ActionKind.MASK_CELLS,
            ActionKind.PSEUDONYMISE,
            ActionKind.GENERALISE,
            ActionKind.REDACT_TEXT,
            ActionKind.DROP_SHEET,
        ]
        handlers = {
            ActionKind.DROP_METADATA: self.drop_metadata,
            ActionKind.DROP_MACROS: self.drop_macros,
            ActionKind.DROP_COMMENTS: self.drop_comments,
            ActionKind.DROP_DEFINED_NAMES: self.drop_names,
            ActionKind.DROP_VALIDATIONS: self.drop_validations,
            ActionKind.DROP_PIVOTS: self.drop_pivots,
            ActionKind.DROP_EXTERNAL_LINKS: self.drop_external,
            ActionKind.DROP_EMBEDDED: self.drop_embedded,
            ActionKind.DELETE_ROWS: lambda a: None,  # grouped below
            ActionKind.DELETE_COLUMNS: lambda a: None,
            ActionKind.UNHIDE: self.unhide,
            ActionKind.CLEAR_CELLS: self.cells,
            ActionKind.MASK_CELLS: self.cells,
            ActionKind.PSEUDONYMISE: self.cells,
            ActionKind.GENERALISE: self.cells,
            ActionKind.REDACT_TEXT: self.cells,
            ActionKind.DROP_SHEET: self.drop_sheet,
        }
        unknown = [a for a in self.plan.actions if a.kind not in handlers]
        if unknown:
            raise CannotSanitize(
                f"spreadsheets have no way to {unknown[0].kind.value} ({unknown[0].location.describe()})"
            )
        done_once: set[ActionKind] = set()
        for kind in order:
            if kind is ActionKind.DELETE_ROWS:
                self.delete_rows(self.plan.of(kind))
            elif kind is ActionKind.DELETE_COLUMNS:
                self.delete_columns(self.plan.of(kind))
            for action in self.plan.of(kind):
                if kind in (
                    ActionKind.DROP_METADATA,
                    ActionKind.DROP_MACROS,
                    ActionKind.DROP_PIVOTS,
                    ActionKind.DROP_EXTERNAL_LINKS,
                ):
                    if kind in done_once:  # whole-workbook actions: once is all
                        continue
                    done_once.add(kind)
                handlers[kind](action)
        self.fix_views()

    # -- whole-workbook parts ----------------------------------------------------------------
    def drop_metadata(self, action: Action) -> None:
        from openpyxl.packaging.custom import CustomPropertyList

        props = self.wb.properties
        cleared = [f for f in _CORE_FIELDS if getattr(props, f, None) not in (None, "")]
        for f in _CORE_FIELDS:
            setattr(props, f, None)
        props.creator = None
        props.lastModifiedBy = None
        custom = len(self.wb.custom_doc_props)
        self.wb.custom_doc_props = CustomPropertyList()
        if custom:
            cleared.append(f"{plural(custom, 'custom property', 'custom properties')}")
        if b"docProps/app.xml" in self.raw and (b"<Company>" in self.raw or b"<Manager>" in self.raw):
            cleared.append("company/manager")  # app.xml is rewritten by openpyxl without them
        printed = self._clear_headers_footers()
        if printed:
            cleared.append(plural(printed, "page header/footer", "page headers/footers"))
        if cleared:
            self.add(
                action,
                Location(part="docProps/core.xml"),
                "document properties cleared: " + ", ".join(cleared),
            )

    def _clear_headers_footers(self) -> int:
        """Printed page headers and footers hold text a reader of the grid never sees (the
        extractor reads them as metadata): every one is emptied. Returns how many had text."""
        n = 0
        for ws in self.wb.worksheets:
            for name in ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"):
                hf = getattr(ws, name, None)
                if hf is None:
                    continue
                for section in (hf.left, hf.center, hf.right):
                    if section is not None and section.text:
                        section.text = None
                        n += 1
        return n

    def drop_macros(self, action: Action) -> None:
        if b"vbaProject.bin" in self.raw:
            self.add(action, Location(part="xl/vbaProject.bin"), "VBA macro project removed (saved as .xlsx)")

    def drop_comments(self, action: Action) -> None:
        for ws in self.wb.worksheets:
            if action.location.sheet and ws.title != action.location.sheet:
                continue
            cells = []
            for row in ws.iter_rows():
                for cell in row:
                    if cell.comment is not None:
                        cells.append(cell.coordinate)
                        cell.comment = None
            if cells:
                self.add(
                    action,
                    Location(sheet=ws.title, range=",".join(cells)),
                    f"{plural(len(cells), 'comment')} removed from '{ws.title}'!{_letters(cells)}",
                    len(cells),
                )
        if action.location.part and "threadedComment" in action.location.part:
            where = f" on sheet '{action.location.sheet}'" if action.location.sheet else ""
            self.add(
                action,
                action.location,
                f"threaded comments{where} and their people list removed",
                action.count,
            )

    def drop_names(self, action: Action) -> None:
        target = action.location.field
        names = list(self.wb.defined_names.keys())
        hit = [n for n in names if target is None or n == target]
        if target is not None and not hit:
            sheet_local = [ws for ws in self.wb.worksheets if target in ws.defined_names]
            for ws in sheet_local:
                del ws.defined_names[target]
            if not sheet_local:
                return
        for n in hit:
            del self.wb.defined_names[n]
        what = entity_words(action.entities)
        self.add(
            action,
            Location(part="xl/workbook.xml", field=target),
            f"defined name '{target}' removed" + (f" ({what})" if what else ""),
            action.count,
        )

    def drop_validations(self, action: Action) -> None:
        for ws in self.wb.worksheets:
            if action.location.sheet and ws.title != action.location.sheet:
                continue
            keep, gone = [], []
            for dv in ws.data_validations.dataValidation:
                (gone if dv.type == "list" else keep).append(dv)
            ws.data_validations.dataValidation = keep
            if gone:
                where = ", ".join(str(dv.sqref) for dv in gone)
                self.add(
                    action,
                    Location(sheet=ws.title, range=where),
                    f"{plural(len(gone), 'data-validation list')} removed from '{ws.title}'!{where}",
                    action.count,
                )

    def drop_pivots(self, action: Action) -> None:
        n = 0
        for ws in self.wb.worksheets:
            n += len(getattr(ws, "_pivots", []))
            ws._pivots = []
        n = n or (self.raw.count(b"pivotCacheDefinition") and 1)
        self.add(
            action,
            Location(part="xl/pivotCache/"),
            f"pivot cache and {plural(n, 'pivot table')} removed (not rebuilt): {plural(action.count, 'row')}"
            f" of source records ({entity_words(action.entities)})",
            action.count,
        )
        self.notes.append(
            "pivot tables were dropped, not rebuilt; re-create them from the published aggregates"
        )

    def drop_external(self, action: Action) -> None:
        links = len(self.wb._external_links)
        self.wb._external_links = []
        self.external_dropped = True
        replaced = self._freeze_external_formulas()
        text = f"{plural(max(links, 1), 'external link')} and cached values removed"
        if action.entities:
            text += f" ({plural(action.count, 'row')}: {entity_words(action.entities)})"
        if replaced:
            text += f"; {plural(replaced, 'formula')} using it replaced by last calculated values"
        self.add(action, Location(part="xl/externalLinks/"), text, action.count)

    def _freeze_external_formulas(self) -> int:
        import openpyxl

        values = None
        n = 0
        for ws in self.wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if (
                        isinstance(cell.value, str)
                        and cell.value.startswith("=")
                        and _EXTERNAL_REF.search(cell.value)
                    ):
                        if values is None:
                            values = openpyxl.load_workbook(
                                io.BytesIO(self.raw), data_only=True, keep_links=False
                            )
                        cached = (
                            values[ws.title][cell.coordinate].value if ws.title in values.sheetnames else None
                        )
                        cell.value = cached
                        n += 1
        return n

    def drop_embedded(self, action: Action) -> None:
        part = action.location.part or (action.location.members[0] if action.location.members else "")
        what = entity_words(action.entities)
        self.add(
            action,
            Location(part=part),
            f"embedded file '{part.rsplit('/', 1)[-1]}' removed"
            + (f" ({plural(action.count, 'row')}: {what})" if what else ""),
            action.count,
        )

    # -- sheets, rows, columns, cells ----------------------------------------------------------
    def drop_sheet(self, action: Action) -> None:
        name = action.location.sheet
        if name not in self.wb.sheetnames:
            return  # two actions for one sheet: already gone
        ws = self.wb[name]
        state = {"hidden": "hidden sheet", "veryHidden": "very hidden sheet"}.get(ws.sheet_state, "sheet")
        rows = max(ws.max_row - 1, 0)
        quoted = f"'{name}'!"
        for n in list(self.wb.defined_names.keys()):
            if quoted in (self.wb.defined_names[n].attr_text or "") or f"{name}!" in (
                self.wb.defined_names[n].attr_text or ""
            ):
                del self.wb.defined_names[n]
        for other in self.wb.worksheets:
            other.data_validations.dataValidation = [
                dv
                for dv in other.data_validations.dataValidation
                if not (dv.formula1 and (quoted in dv.formula1 or f"{name}!" in dv.formula1))
            ]
        self.wb.remove(ws)
        what = entity_words(action.entities)
        self.add(
            action,
            Location(part=action.location.part, sheet=name),
            f"{state} '{name}' deleted: {plural(rows, 'row')}" + (f" ({what})" if what else ""),
            rows,
        )

    def _hidden_rows(self, ws: Any) -> set[int]:
        return {r for r, d in ws.row_dimensions.items() if d.hidden or (d.outlineLevel and d.hidden)}

    def delete_rows(self, actions: list[Action]) -> None:
        for ws, group in self._by_sheet(actions):
            hidden = self._hidden_rows(ws)
            rows: set[int] = set()
            for a in group:
                _, r1, _, r2 = _bounds(a.location.range, ws)
                rows |= set(range(r1, r2 + 1))
            for lo, hi in _blocks(rows, hidden):
                kinds = {a.visibility for a in group}
                label = (
                    "filtered-out"
                    if Visibility.FILTERED_ROW in kinds
                    else "collapsed"
                    if Visibility.COLLAPSED_ROW in kinds
                    else "hidden"
                )
                for r in range(lo, hi + 1):
                    for cell in ws[r]:
                        cell.value = None
                        cell.comment = None
                    if r in ws.row_dimensions:
                        d = ws.row_dimensions[r]
                        d.hidden = False
                        d.outlineLevel = 0
                        d.collapsed = False
                if hi + 1 in ws.row_dimensions:
                    ws.row_dimensions[hi + 1].collapsed = False
                n = hi - lo + 1
                self.add(
                    group[0],
                    Location(sheet=ws.title, range=f"{lo}:{hi}"),
                    f"{plural(n, f'{label} row')} deleted from sheet '{ws.title}' (rows {lo}-{hi}: "
                    f"{entity_words(e for a in group for e in a.entities)})",
                    n,
                )

    def delete_columns(self, actions: list[Action]) -> None:
        from openpyxl.utils import get_column_letter

        for ws, group in self._by_sheet(actions):
            hidden = {
                i
                for d in ws.column_dimensions.values()
                if d.hidden
                for i in range(d.min or 0, (d.max or 0) + 1)
            }
            cols: set[int] = set()
            for a in group:
                c1, _, c2, _ = _bounds(a.location.range, ws)
                cols |= set(range(c1, c2 + 1))
            for lo, hi in _blocks(cols, hidden):
                for row in ws.iter_rows(min_col=lo, max_col=hi):
                    for cell in row:
                        cell.value = None
                        cell.comment = None
                for d in list(ws.column_dimensions.values()):
                    if d.hidden and (d.min or 0) <= hi and (d.max or 0) >= lo:
                        d.hidden = False
                span = f"{get_column_letter(lo)}:{get_column_letter(hi)}"
                n = max((a.count for a in group), default=0)
                self.add(
                    group[0],
                    Location(sheet=ws.title, range=span),
                    f"hidden columns {span} deleted from sheet '{ws.title}': {plural(n, 'row')} "
                    f"({entity_words(e for a in group for e in a.entities)})",
                    n,
                )

    def _by_sheet(self, actions: list[Action]) -> list[tuple[Any, list[Action]]]:
        groups: dict[str, list[Action]] = {}
        for a in actions:
            groups.setdefault(a.location.sheet or "", []).append(a)
        return [(self.sheet(name or None), group) for name, group in groups.items()]

    def unhide(self, action: Action) -> None:
        ws = self.sheet(action.location.sheet)
        c1, r1, c2, r2 = _bounds(action.location.range, ws)
        if action.visibility is Visibility.HIDDEN_COLUMN:
            for d in ws.column_dimensions.values():
                if d.hidden and (d.min or 0) <= c2 and (d.max or 0) >= c1:
                    d.hidden = False
        else:
            for lo, hi in _blocks(set(range(r1, r2 + 1)), self._hidden_rows(ws)):
                for r in range(lo, hi + 1):
                    if r in ws.row_dimensions:
                        ws.row_dimensions[r].hidden = False
                        ws.row_dimensions[r].outlineLevel = 0
            ws.auto_filter.ref = None
        self.add(
            action,
            Location(sheet=ws.title, range=action.location.range),
            f"rows/columns {action.location.range} of sheet '{ws.title}' unhidden; their values are treated "
            "as visible data",
            0,
        )

    def cells(self, action: Action) -> None:
        ws = self.sheet(action.location.sheet)
        c1, r1, c2, r2 = _bounds(action.location.range, ws)
        if action.visibility is Visibility.INVISIBLE_FORMAT:
            self.invisible(action, ws, r1, r2)
            return
        treatment = action.treatment or Treatment.REMOVE
        entity = action.entity or ""
        n = 0
        for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
            for cell in row:
                v = cell.value
                if v is None or v == "":
                    continue
                text = (
                    v.date().isoformat()
                    if isinstance(v, datetime)
                    else (v.isoformat() if isinstance(v, date) else str(v))
                )
                new = treat(entity, text, treatment, self.plan.options)
                if isinstance(v, (datetime, date)) or (new is not None and new.isdigit()):
                    cell.number_format = "General"
                cell.value = (
                    int(new)
                    if new is not None and new.isdigit() and treatment is Treatment.GENERALISE
                    else new
                )
                n += 1
        verb = {
            Treatment.REMOVE: "cleared",
            Treatment.MASK: "masked",
            Treatment.PSEUDONYM: "pseudonymised",
            Treatment.GENERALISE: "generalised",
        }[treatment]
        if action.kind is ActionKind.CLEAR_CELLS and action.visibility is Visibility.INVISIBLE_FORMAT:
            verb = "cleared (invisibly formatted)"
        self.add(
            action,
            Location(sheet=ws.title, range=action.location.range),
            f"{plural(n, 'cell')} {verb} in '{ws.title}'!{action.location.range} ({entity_words([entity])})",
            n,
        )

    def invisible(self, action: Action, ws: Any, r1: int, r2: int) -> None:
        """Clear every invisibly formatted cell of the finding's rows, not only the flagged column:
        a block hidden by format holds the person's other details beside the flagged ID."""
        cleared: list[str] = []
        for row in ws.iter_rows(min_row=r1, max_row=r2):
            for cell in row:
                if cell.value not in (None, "") and _invisible(cell):
                    cell.value = None
                    cleared.append(cell.coordinate)
        self.add(
            action,
            Location(sheet=ws.title, range=action.location.range),
            f"{plural(len(cleared), 'invisibly formatted cell')} cleared in '{ws.title}' rows {r1}-{r2} "
            f"({entity_words(action.entities)} and the values beside them)",
            len(cleared),
        )

    def fix_views(self) -> None:
        """At least one visible sheet, and the active/selected tab must be a visible one."""
        visible = [i for i, ws in enumerate(self.wb.worksheets) if ws.sheet_state == "visible"]
        if not visible:
            raise CannotSanitize("every sheet would be removed: nothing left to publish")
        if self.wb.active is None or self.wb.active.sheet_state != "visible":
            self.wb.active = visible[0]
        for ws in self.wb.worksheets:
            ws.sheet_view.tabSelected = ws is self.wb.active


def _colour(c: Any) -> str | None:
    rgb = getattr(c, "rgb", None) if c is not None else None
    return rgb[-6:].upper() if isinstance(rgb, str) else None


def _invisible(cell: Any) -> bool:
    """';;;' number format, or font the colour of its fill (white on white, white on no fill)."""
    if cell.number_format == ";;;":
        return True
    font = _colour(cell.font.color) if cell.font is not None else None
    if font is None:
        return False
    fill = cell.fill
    back = _colour(fill.fgColor) if fill is not None and fill.fill_type == "solid" else "FFFFFF"
    return font == back


def _blocks(marked: set[int], hidden: set[int]) -> list[tuple[int, int]]:
    """Contiguous runs of ``marked``, each grown over the hidden rows/columns around it."""
    out: list[tuple[int, int]] = []
    for i in sorted(marked):
        if out and i <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], i))
            continue
        out.append((i, i))
    grown: list[tuple[int, int]] = []
    for lo, hi in out:
        while lo - 1 in hidden:
            lo -= 1
        while hi + 1 in hidden:
            hi += 1
        if grown and lo <= grown[-1][1] + 1:
            grown[-1] = (grown[-1][0], max(grown[-1][1], hi))
        else:
            grown.append((lo, hi))
    return grown


def _clean_package(data: bytes, run: _Run) -> bytes:
    """Drop parts openpyxl carried over that the plan removed, and any reference to them."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    gone = {n for n in names if n.startswith(_DROP_PREFIXES) or n.endswith("vbaProject.bin")}
    if run.external_dropped:
        gone |= {n for n in names if n.startswith("xl/externalLinks/")}
    if not gone:
        return data
    out = io.BytesIO()
    basenames = {g.rsplit("/", 1)[-1] for g in gone}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in gone:
                continue
            body = src.read(info.filename)
            if info.filename.endswith(".rels") or info.filename == "[Content_Types].xml":
                body = _strip_refs(body, basenames)
            if info.filename == "xl/workbook.xml" and run.external_dropped:
                body = re.sub(rb"<externalReferences>.*?</externalReferences>", b"", body, flags=re.S)
            dst.writestr(info, body)
    return out.getvalue()


def _strip_refs(body: bytes, basenames: set[str]) -> bytes:
    def keep(m: re.Match[bytes]) -> bytes:
        target = re.search(rb'(?:Target|PartName)="([^"]+)"', m.group(0))
        if target and target.group(1).rsplit(b"/", 1)[-1].decode() in basenames:
            return b""
        return m.group(0)

    return re.sub(rb"<(?:Relationship|Override)\b[^>]*/>", keep, body)


SANITIZERS = (XlsxSanitizer,)
