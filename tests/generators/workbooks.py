"""Workbooks shaped like the leaked FY23 detention statistics workbook (fake data only).

``make_leak_workbook`` writes visible aggregate sheets ("Header", "Detention FY23", "Footnotes")
and hides ``n`` person-level records in one of ``PLACEMENTS``. Parts openpyxl cannot write
(threaded comments, pivot cache, external link, embedded file) are added by rewriting the saved
zip. ``make_aggregate_workbook`` writes a clean workbook that a scanner must pass.

Sheet parts follow openpyxl's naming: the i-th sheet (1-based, in tab order) is
``xl/worksheets/sheet{i}.xml``; ``STATS_SHEET`` is always the second sheet (``STATS_PART``).

Where the records land (columns: name, DOB, nationality, facility, A-number, case status;
a header row unless header_style is "none"):

  visible / hidden-sheet / very-hidden-sheet   sheet "Detainees" (4th), state visible/hidden/veryHidden
  filtered-rows       sheet "Detainees", autoFilter on A1:F..; every row after row 1 filtered + hidden
  hidden-rows         "Detention FY23", 3 rows below the aggregates, every row hidden
  collapsed-rows      same rows, outline level 1 + hidden; the row after them is collapsed
  invisible-format    same rows, number format ";;;" on every cell
  white-font          same rows, white font on white solid fill
  hidden-columns      "Detention FY23" columns H:M from row 1, columns hidden
  comment             legacy comments on G1..Gn of "Detention FY23", one person each
  threaded-comment    xl/threadedComments/threadedComment1.xml (refs G1..Gn) + xl/persons/person.xml
  defined-name        "DetaineeNames" = {"NAME","A123456789";...} (up to 8192 chars) and
                      "DetaineeList" = 'Lists'!$A$1:$B$n on hidden sheet "Lists" (names, A-numbers)
  data-validation     list literal of first-last names (<= 255 chars) on G4; list 'Lists'!$A$1:$A$n on G5
  pivot-cache         xl/pivotCache/pivotCacheDefinition1.xml + pivotCacheRecords1.xml, source sheet absent
  external-link       xl/externalLinks/externalLink1.xml sheetDataSet (rows 1..n+1 of "Detainees")
  metadata            docProps/core.xml description (all n), keywords (A-numbers), custom props (<= 50)
  embedded-file       xl/embeddings/people.csv, related from the stats sheet

Every workbook is written with fixed zip and docProps timestamps: same arguments, same bytes.
"""

from __future__ import annotations

import datetime
import random
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import FilterColumn, Filters
from openpyxl.worksheet.worksheet import Worksheet

from .people import (
    CASE_STATUSES,
    FACILITIES,
    REFERENCE_DATE,
    Person,
    headers,
    make_people,
    nationalities,
    record,
)

PLACEMENTS: tuple[str, ...] = (
    "visible",
    "hidden-sheet",
    "very-hidden-sheet",
    "hidden-rows",
    "hidden-columns",
    "filtered-rows",
    "collapsed-rows",
    "invisible-format",
    "white-font",
    "comment",
    "threaded-comment",
    "defined-name",
    "data-validation",
    "pivot-cache",
    "external-link",
    "metadata",
    "embedded-file",
)

# The visibility (clearance.model.Visibility value) a scanner should report for each placement's
# person-level data. defined-name / data-validation also keep the full list on a hidden sheet
# ("Lists"), because a name or list can only point at a range that exists.
PLACEMENT_VISIBILITY: dict[str, str] = {
    "visible": "visible",
    "hidden-sheet": "hidden-sheet",
    "very-hidden-sheet": "very-hidden-sheet",
    "hidden-rows": "hidden-row",
    "hidden-columns": "hidden-column",
    "filtered-rows": "filtered-row",
    "collapsed-rows": "collapsed-row",
    "invisible-format": "invisible-format",
    "white-font": "invisible-format",
    "comment": "comment",
    "threaded-comment": "comment",
    "defined-name": "defined-name",
    "data-validation": "data-validation",
    "pivot-cache": "pivot-cache",
    "external-link": "external-link",
    "metadata": "metadata",
    "embedded-file": "embedded-file",
}

HEADER_SHEET = "Header"
STATS_SHEET = "Detention FY23"
STATS_PART = "xl/worksheets/sheet2.xml"
FOOTNOTES_SHEET = "Footnotes"
PEOPLE_SHEET = "Detainees"  # visible / hidden-sheet / very-hidden-sheet / filtered-rows
LISTS_SHEET = "Lists"  # hidden sheet behind defined-name and data-validation
PEOPLE_COLUMN = 8  # column H: where hidden-columns puts the records, beside the aggregates
COMMENT_COLUMN = 7  # column G: the (empty) cells that carry comments
STAFF_NAME = "Black, Tyler M (CTR)"  # a staff author: metadata about staff, not a leak
DATE_FORMAT = "mm/dd/yyyy"
FIXED_TIMESTAMP = datetime.datetime(2022, 11, 14, 9, 30)  # created/modified stamp of every workbook

# Excel limits that cap how many people fit in a literal (sources: Excel specifications and limits)
DATA_VALIDATION_LIST_MAX_CHARS = 255  # characters in a data-validation list typed as a literal
FORMULA_MAX_CHARS = 8192  # characters in a formula / defined name value

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TC_NS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

Row = tuple[object, ...]


# --- visible aggregate sheets -------------------------------------------------------------------


def _write_header_sheet(ws: Worksheet) -> None:
    ws.title = HEADER_SHEET
    lines = (
        "U.S. Immigration and Customs Enforcement",
        "Enforcement and Removal Operations",
        "Detention Statistics - Fiscal Year 2023",
        "",
        "This workbook reports average daily population (ADP), book-ins and average length of stay",
        "(ALOS) by detention facility and by country of citizenship. Data current as of 11/14/2022.",
        "All counts are aggregates; see the Footnotes sheet for definitions.",
    )
    for i, line in enumerate(lines, start=1):
        if line:
            ws.cell(row=i, column=1, value=line)
    ws["A1"].font = Font(bold=True, size=14)


def _write_footnotes(ws: Worksheet) -> None:
    notes = (
        "Footnotes",
        "1. ADP is the average number of people held per day over the fiscal year to date.",
        "2. ALOS is the average length of stay, in days, of people released during the period.",
        "3. Book-ins count initial book-ins to ICE detention; transfers between facilities excluded.",
        "4. Facilities with an ADP below 10 are grouped under 'Other facilities'.",
        "5. Country of citizenship as recorded at book-in.",
    )
    for i, line in enumerate(notes, start=1):
        ws.cell(row=i, column=1, value=line)


def _write_stats(ws: Worksheet, rng: random.Random) -> int:
    """Counts by facility and by nationality (all >= 10) in columns A-E; returns the last row used."""
    ws.cell(row=1, column=1, value="FY23 Detention Statistics by Facility").font = Font(bold=True)
    ws.append([])
    ws.append(["Facility Name", "State", "FY23 ADP", "FY23 Book-ins", "ALOS (days)"])
    for name, _address, _city, state in FACILITIES:
        ws.append(
            [
                name,
                state,
                round(rng.uniform(40, 1900), 1),
                rng.randint(200, 9000),
                round(rng.uniform(12, 95), 1),
            ]
        )
    ws.append([])
    ws.append(["Book-ins by Country of Citizenship"])
    ws.append(["Country of Citizenship", "Book-ins", "Releases", "Removals", "ALOS (days)"])
    for nat in sorted(set(nationalities())):
        ws.append(
            [
                nat,
                rng.randint(60, 12000),
                rng.randint(20, 4000),
                rng.randint(10, 5000),
                round(rng.uniform(10, 110), 1),
            ]
        )
    ws.column_dimensions["A"].width = 42
    return ws.max_row


# --- writing records ----------------------------------------------------------------------------


def _rows(people: Sequence[Person], header_style: str) -> list[Row]:
    head = headers(header_style)
    rows: list[Row] = [head] if head else []
    rows.extend(record(p, header_style) for p in people)
    return rows


def _write_block(
    ws: Worksheet,
    rows: Iterable[Row],
    *,
    first_row: int,
    first_column: int = 1,
    style: Callable[[object], None] | None = None,
) -> int:
    """Write ``rows`` at (first_row, first_column); return the last row written."""
    r = first_row - 1
    for r, values in enumerate(rows, start=first_row):
        for c, value in enumerate(values, start=first_column):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            if style is not None:
                style(cell)
    return r


def _people_sheet(
    wb: Workbook, people: Sequence[Person], header_style: str, title: str = PEOPLE_SHEET
) -> Worksheet:
    ws = wb.create_sheet(title)
    for values in _rows(people, header_style):
        ws.append(values)
    for row in ws.iter_rows(min_col=2, max_col=2):
        row[0].number_format = DATE_FORMAT
    return ws


def _lists_sheet(wb: Workbook, people: Sequence[Person], header_style: str) -> Worksheet:
    """Names (A) and A-numbers (B) on a hidden sheet, rows 1..n, for names and lists to point at."""
    ws = wb.create_sheet(LISTS_SHEET)
    for p in people:
        name, _dob, _nat, _fac, a_number, _status = record(p, header_style)
        ws.append([name, a_number])
    ws.sheet_state = "hidden"
    return ws


def _person_note(p: Person) -> str:
    return (
        f"{p.display_name()} - DOB {p.dob:%m/%d/%Y} - A{p.a_number} - {p.nationality} - "
        f"{p.facility} - {p.case_status}"
    )


# --- zip post-processing for parts openpyxl cannot write ----------------------------------------


class _Package:
    """The saved zip's parts in memory, with helpers to add parts, content types and rels."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as z:
            self.parts: dict[str, bytes] = {name: z.read(name) for name in z.namelist()}

    def add(self, name: str, data: bytes | str, content_type: str | None = None) -> None:
        self.parts[name] = data.encode("utf-8") if isinstance(data, str) else data
        if content_type:
            self._insert(
                "[Content_Types].xml",
                "</Types>",
                f'<Override PartName="/{name}" ContentType="{content_type}"/>',
            )

    def add_default(self, extension: str, content_type: str) -> None:
        if f'Extension="{extension}"'.encode() not in self.parts["[Content_Types].xml"]:
            self._insert(
                "[Content_Types].xml",
                "</Types>",
                f'<Default Extension="{extension}" ContentType="{content_type}"/>',
            )

    def relate(self, source: str, rid: str, rel_type: str, target: str, *, external: bool = False) -> None:
        folder, _, name = source.rpartition("/")
        rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
        if rels not in self.parts:
            self.parts[rels] = (_XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}"></Relationships>').encode()
        mode = ' TargetMode="External"' if external else ""
        self._insert(
            rels,
            "</Relationships>",
            f'<Relationship Id="{rid}" Type="{rel_type}" Target="{_attr(target)}"{mode}/>',
        )

    def insert_in_workbook(self, before: Sequence[str], xml: str) -> None:
        """Insert ``xml`` into xl/workbook.xml before the first of ``before`` that is present."""
        text = self.parts["xl/workbook.xml"].decode("utf-8")
        for marker in before:
            i = text.find(marker)
            if i >= 0:
                self.parts["xl/workbook.xml"] = (text[:i] + xml + text[i:]).encode("utf-8")
                return
        raise ValueError(f"none of {before} found in xl/workbook.xml")

    def _insert(self, part: str, closing: str, xml: str) -> None:
        text = self.parts[part].decode("utf-8")
        i = text.rindex(closing)
        self.parts[part] = (text[:i] + xml + text[i:]).encode("utf-8")

    def save(self) -> None:
        """Rewrite the zip with fixed timestamps, so the bytes depend only on the generator's inputs."""
        core = "docProps/core.xml"
        if core in self.parts:  # openpyxl stamps the save time into dcterms:modified
            self.parts[core] = re.sub(
                rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                rb"\g<1>" + FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                self.parts[core],
            )
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        order = ["[Content_Types].xml"] + [n for n in self.parts if n != "[Content_Types].xml"]
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for name in order:
                info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, self.parts[name])
        tmp.replace(self.path)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _guid(rng: random.Random) -> str:
    return "{" + str(uuid.UUID(int=rng.getrandbits(128))).upper() + "}"


def _excel_serial(d: datetime.date) -> int:
    return (d - _EXCEL_EPOCH).days


def _add_threaded_comments(pkg: _Package, people: Sequence[Person], rng: random.Random) -> None:
    person_id = _guid(rng)
    pkg.add(
        "xl/persons/person.xml",
        _XML_DECL + f'<personList xmlns="{_TC_NS}" xmlns:x="{_MAIN_NS}">'
        f'<person displayName="{_attr(STAFF_NAME)}" id="{person_id}" '
        'userId="tblack@example.gov" providerId="None"/>'
        f"</personList>",
        "application/vnd.ms-excel.person+xml",
    )
    pkg.relate(
        "xl/workbook.xml", "rIdPersons1", "http://schemas.microsoft.com/office/2017/10/relationships/person",
        "persons/person.xml",
    )  # fmt: skip
    items = []
    for i, p in enumerate(people, start=1):
        stamp = datetime.datetime(2022, 11, 1, 9, 0) + datetime.timedelta(minutes=7 * i)
        items.append(
            f'<threadedComment ref="{get_column_letter(COMMENT_COLUMN)}{i}" '
            f'dT="{stamp:%Y-%m-%dT%H:%M:%S}.00" personId="{person_id}" id="{_guid(rng)}">'
            f"<text>{escape(_person_note(p))}</text></threadedComment>"
        )
    pkg.add(
        "xl/threadedComments/threadedComment1.xml",
        _XML_DECL
        + f'<ThreadedComments xmlns="{_TC_NS}" xmlns:x="{_MAIN_NS}">'
        + "".join(items)
        + "</ThreadedComments>",
        "application/vnd.ms-excel.threadedcomments+xml",
    )
    pkg.relate(
        STATS_PART, "rIdThreaded1", "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
        "../threadedComments/threadedComment1.xml",
    )  # fmt: skip


def _cache_item(value: object) -> str:
    if isinstance(value, datetime.date):
        return f'<d v="{value:%Y-%m-%d}T00:00:00"/>'
    return f'<s v="{_attr(str(value))}"/>'


def write_pivot_cache(
    pkg: _Package, fields: Sequence[str], indexes: Sequence[Sequence[int]], *, source: str, attrs: str = ""
) -> None:
    """Add pivot-cache parts: the definition (cache ``fields``), one record per row (``indexes``
    into each field's shared items), their relationships and the workbook's pivotCaches entry."""
    n = len(indexes[0]) if indexes else 0
    pkg.add(
        "xl/pivotCache/pivotCacheDefinition1.xml",
        _XML_DECL
        + f'<pivotCacheDefinition xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}" r:id="rId1" refreshOnLoad="0" '
        f'{attrs}recordCount="{n}"><cacheSource type="worksheet">{source}</cacheSource>'
        f'<cacheFields count="{len(fields)}">{"".join(fields)}</cacheFields></pivotCacheDefinition>',
        "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml",
    )
    rows = "".join("<r>" + "".join(f'<x v="{ix[i]}"/>' for ix in indexes) + "</r>" for i in range(n))
    pkg.add(
        "xl/pivotCache/pivotCacheRecords1.xml",
        _XML_DECL + f'<pivotCacheRecords xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}" count="{n}">'
        f"{rows}</pivotCacheRecords>",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheRecords+xml",
    )
    pkg.relate(
        "xl/pivotCache/pivotCacheDefinition1.xml",
        "rId1",
        f"{_REL_NS}/pivotCacheRecords",
        "pivotCacheRecords1.xml",
    )
    pkg.relate(
        "xl/workbook.xml",
        "rIdPivotCache1",
        f"{_REL_NS}/pivotCacheDefinition",
        "pivotCache/pivotCacheDefinition1.xml",
    )
    pkg.insert_in_workbook(
        ("<smartTagPr", "<webPublishing", "<fileRecoveryPr", "<extLst", "</workbook>"),
        f'<pivotCaches><pivotCache xmlns:r="{_REL_NS}" cacheId="1" r:id="rIdPivotCache1"/></pivotCaches>',
    )


def _add_pivot_cache(pkg: _Package, people: Sequence[Person], header_style: str) -> None:
    """A pivot cache whose source sheet no longer exists: only the cache holds the people."""
    head = headers(header_style) or tuple(f"Column{i}" for i in range(1, 7))
    records = [record(p, header_style) for p in people]
    fields, indexes = [], []
    for col, name in enumerate(head):
        values = list(dict.fromkeys(r[col] for r in records))
        position = {v: i for i, v in enumerate(values)}
        indexes.append([position[r[col]] for r in records])
        items = "".join(_cache_item(v) for v in values)
        if col == 1:  # DOB
            dates = [v for v in values if isinstance(v, datetime.date)]
            lo, hi = (min(dates), max(dates)) if dates else (REFERENCE_DATE, REFERENCE_DATE)
            shared = (
                f'<sharedItems containsSemiMixedTypes="0" containsNonDate="0" containsDate="1" '
                f'containsString="0" minDate="{lo:%Y-%m-%d}T00:00:00" maxDate="{hi:%Y-%m-%d}T00:00:00" '
                f'count="{len(values)}">{items}</sharedItems>'
            )
            fmt = 14
        else:
            shared = f'<sharedItems count="{len(values)}">{items}</sharedItems>'
            fmt = 0
        fields.append(f'<cacheField name="{_attr(name)}" numFmtId="{fmt}">{shared}</cacheField>')
    last = f"F{len(records) + (1 if headers(header_style) else 0)}"
    write_pivot_cache(
        pkg,
        fields,
        indexes,
        source=f'<worksheetSource ref="A1:{last}" sheet="{PEOPLE_SHEET}"/>',
        attrs='createdVersion="6" refreshedVersion="6" minRefreshableVersion="3" ',
    )


def _add_external_link(pkg: _Package, people: Sequence[Person], header_style: str) -> None:
    """An external link whose cached sheetDataSet holds the people rows of the linked workbook."""
    rows = []
    for r, values in enumerate(_rows(people, header_style), start=1):
        cells = []
        for c, value in enumerate(values, start=1):
            ref = f"{get_column_letter(c)}{r}"
            if isinstance(value, datetime.date):
                cells.append(f'<cell r="{ref}"><v>{_excel_serial(value)}</v></cell>')
            else:
                cells.append(f'<cell r="{ref}" t="str"><v>{escape(str(value))}</v></cell>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    pkg.add(
        "xl/externalLinks/externalLink1.xml",
        _XML_DECL + f'<externalLink xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><externalBook r:id="rId1">'
        f'<sheetNames><sheetName val="{PEOPLE_SHEET}"/></sheetNames>'
        f'<sheetDataSet><sheetData sheetId="0">{"".join(rows)}</sheetData></sheetDataSet>'
        f"</externalBook></externalLink>",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
    )
    pkg.relate(
        "xl/externalLinks/externalLink1.xml", "rId1", f"{_REL_NS}/externalLinkPath",
        "file:///C:/Users/tblack/Documents/FY23_detainee_records.xlsx", external=True,
    )  # fmt: skip
    pkg.relate(
        "xl/workbook.xml", "rIdExternal1", f"{_REL_NS}/externalLink", "externalLinks/externalLink1.xml"
    )
    pkg.insert_in_workbook(
        ("<definedNames", "<calcPr", "</workbook>"),
        f'<externalReferences><externalReference xmlns:r="{_REL_NS}" r:id="rIdExternal1"/>'
        "</externalReferences>",
    )


def _people_csv_bytes(people: Sequence[Person], header_style: str) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for values in _rows(people, header_style):
        writer.writerow(f"{v:%m/%d/%Y}" if isinstance(v, datetime.date) else v for v in values)
    return buf.getvalue().encode("utf-8")


def _add_embedded_file(pkg: _Package, people: Sequence[Person], header_style: str) -> None:
    pkg.add("xl/embeddings/people.csv", _people_csv_bytes(people, header_style))
    pkg.add_default("csv", "text/csv")
    pkg.relate(STATS_PART, "rIdEmbedded1", f"{_REL_NS}/package", "../embeddings/people.csv")


# --- placements ---------------------------------------------------------------------------------

_Post = Callable[[_Package], None]


def _place(
    placement: str,
    wb: Workbook,
    stats: Worksheet,
    people: list[Person],
    header_style: str,
    rng: random.Random,
) -> _Post | None:
    below = stats.max_row + 3  # first row under the visible aggregate tables
    if placement in ("visible", "hidden-sheet", "very-hidden-sheet"):
        ws = _people_sheet(wb, people, header_style)
        ws.sheet_state = {"visible": "visible", "hidden-sheet": "hidden", "very-hidden-sheet": "veryHidden"}[
            placement
        ]
    elif placement == "hidden-rows":
        last = _write_block(stats, _rows(people, header_style), first_row=below)
        for r in range(below, last + 1):
            stats.row_dimensions[r].hidden = True
    elif placement == "collapsed-rows":
        last = _write_block(stats, _rows(people, header_style), first_row=below)
        stats.row_dimensions.group(below, last, outline_level=1, hidden=True)
        stats.cell(row=last + 1, column=1, value="Detail records (collapsed)")
        stats.row_dimensions[last + 1].collapsed = True
        stats.sheet_properties.outlinePr.summaryBelow = True
    elif placement == "hidden-columns":
        _write_block(stats, _rows(people, header_style), first_row=1, first_column=PEOPLE_COLUMN)
        for c in range(PEOPLE_COLUMN, PEOPLE_COLUMN + 6):
            stats.column_dimensions[get_column_letter(c)].hidden = True
    elif placement == "filtered-rows":
        ws = _people_sheet(wb, people, header_style)
        ws.auto_filter.ref = f"A1:F{ws.max_row}"
        # show only a case status nobody has: every data row is filtered out (Excel also marks them hidden)
        ws.auto_filter.filterColumn.append(FilterColumn(colId=5, filters=Filters(filter=["Closed"])))
        for r in range(2, ws.max_row + 1):
            ws.row_dimensions[r].hidden = True
    elif placement == "invisible-format":

        def hide(cell: object) -> None:
            cell.number_format = ";;;"  # type: ignore[attr-defined]

        _write_block(stats, _rows(people, header_style), first_row=below, style=hide)
    elif placement == "white-font":
        white, fill = Font(color="FFFFFFFF"), PatternFill("solid", fgColor="FFFFFFFF")

        def whiten(cell: object) -> None:
            cell.font = white  # type: ignore[attr-defined]
            cell.fill = fill  # type: ignore[attr-defined]

        _write_block(stats, _rows(people, header_style), first_row=below, style=whiten)
    elif placement == "comment":
        for i, p in enumerate(people, start=1):
            comment = Comment(_person_note(p), STAFF_NAME)
            stats.cell(row=i, column=COMMENT_COLUMN).comment = comment
    elif placement == "threaded-comment":
        return lambda pkg: _add_threaded_comments(pkg, people, rng)
    elif placement == "defined-name":
        lists = _lists_sheet(wb, people, header_style)
        items, size = [], 2
        for p in people:  # 2-D array constant {"name","A-number";...}, within Excel's formula limit
            item = f'"{p.display_name()}","A{p.a_number}"'
            if size + len(item) + 1 > FORMULA_MAX_CHARS:
                break
            items.append(item)
            size += len(item) + 1
        wb.defined_names["DetaineeNames"] = DefinedName(
            "DetaineeNames", attr_text="{" + ";".join(items) + "}"
        )
        ref = f"'{lists.title}'!$A$1:$B${len(people)}"
        wb.defined_names["DetaineeList"] = DefinedName("DetaineeList", attr_text=ref)
    elif placement == "data-validation":
        lists = _lists_sheet(wb, people, header_style)
        names: list[str] = []
        for p in people:  # literal list: first-last names (no commas), under Excel's 255 characters
            if len(",".join([*names, p.display_name("first-last")])) > DATA_VALIDATION_LIST_MAX_CHARS:
                break
            names.append(p.display_name("first-last"))
        literal = DataValidation(type="list", formula1='"' + ",".join(names) + '"', allow_blank=True)
        literal.add("G4")
        by_range = DataValidation(
            type="list", formula1=f"'{lists.title}'!$A$1:$A${len(people)}", allow_blank=True
        )
        by_range.add("G5")
        stats["F4"], stats["F5"] = "Reviewed by", "Detainee"
        stats.add_data_validation(literal)
        stats.add_data_validation(by_range)
    elif placement == "pivot-cache":
        return lambda pkg: _add_pivot_cache(pkg, people, header_style)
    elif placement == "external-link":
        stats["G1"] = "Records in source workbook"
        stats["H1"] = f"=COUNTA([1]{PEOPLE_SHEET}!$A:$A)"
        return lambda pkg: _add_external_link(pkg, people, header_style)
    elif placement == "metadata":
        props = wb.properties
        props.description = "Detainee records: " + "; ".join(
            f"{p.display_name()} A{p.a_number}" for p in people
        )
        props.keywords = ", ".join(f"A{p.a_number}" for p in people[:200])
        props.subject = f"Case review: {people[0].display_name()}" if people else "Case review"
        for i, p in enumerate(people[:50], start=1):
            value = f"{p.display_name()}; DOB {p.dob:%m/%d/%Y}; A{p.a_number}; {p.nationality}"
            wb.custom_doc_props.append(StringProperty(name=f"Subject {i:03d}", value=value))
    elif placement == "embedded-file":
        return lambda pkg: _add_embedded_file(pkg, people, header_style)
    else:
        raise ValueError(f"unknown placement {placement!r}; expected one of {PLACEMENTS}")
    return None


def make_leak_workbook(
    path: str | Path,
    *,
    n: int = 6252,
    placement: str = "hidden-sheet",
    seed: int = 0,
    header_style: str = "en",
) -> Path:
    """The leaked-workbook shape: visible aggregates plus ``n`` fake people hidden per ``placement``."""
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r}; expected one of {PLACEMENTS}")
    headers(header_style)  # validates the style
    path = Path(path)
    rng = random.Random(seed)
    people = make_people(n, seed)
    wb = Workbook()
    wb.properties.creator = wb.properties.lastModifiedBy = STAFF_NAME
    wb.properties.title = "ICE Detention Statistics FY2023"
    # fixed timestamps so the bytes depend only on the arguments
    wb.properties.created = FIXED_TIMESTAMP
    _write_header_sheet(wb.active)
    stats = wb.create_sheet(STATS_SHEET)
    _write_stats(stats, rng)
    _write_footnotes(wb.create_sheet(FOOTNOTES_SHEET))
    post = _place(placement, wb, stats, people, header_style, rng)
    wb.save(path)
    pkg = _Package(path)
    if post is not None:
        post(pkg)
    pkg.save()
    return path


# --- a clean aggregate workbook that must pass --------------------------------------------------


def make_aggregate_workbook(path: str | Path, *, seed: int = 0) -> Path:
    """Aggregates only: facility x nationality counts, monthly series, facility list, footnotes."""
    path = Path(path)
    rng = random.Random(seed)
    wb = Workbook()
    wb.properties.creator = wb.properties.lastModifiedBy = STAFF_NAME
    wb.properties.title = "ICE Detention Statistics FY2023 (aggregate)"
    wb.properties.created = FIXED_TIMESTAMP
    _write_header_sheet(wb.active)

    cross = wb.create_sheet("Facility x Country")
    nats = sorted(set(nationalities()))[:12]
    cross.append(["FY23 Book-ins by Facility and Country of Citizenship"])
    cross.append([])
    cross.append(["Facility Name", *nats, "Total"])
    for name, *_ in FACILITIES:
        counts = [rng.randint(10, 900) for _ in nats]
        cross.append([name, *counts, sum(counts)])

    monthly = wb.create_sheet("Monthly")
    monthly.append(["Month", "Book-ins", "Releases", "Removals", "ADP", "ALOS (days)"])
    for month in range(12):
        first = datetime.date(2022 + (month + 9) // 12, (month + 9) % 12 + 1, 1)
        row = [first, rng.randint(8000, 20000), rng.randint(4000, 12000), rng.randint(3000, 9000)]
        monthly.append([*row, round(rng.uniform(20000, 32000), 1), round(rng.uniform(25, 45), 1)])
    for (cell,) in monthly.iter_rows(min_row=2, max_col=1):
        cell.number_format = "mmm yyyy"
    monthly.append(["FY23 average", None, None, None, "=AVERAGE(E2:E13)", "=AVERAGE(F2:F13)"])

    statuses = wb.create_sheet("By Case Status")
    statuses.append(["Case Status", "Book-ins", "Releases", "ALOS (days)"])
    for status in CASE_STATUSES:
        statuses.append(
            [status, rng.randint(500, 9000), rng.randint(100, 4000), round(rng.uniform(15, 120), 1)]
        )

    facilities = wb.create_sheet("Facility List")
    facilities.append(["Facility Name", "Address", "City", "State", "Type", "Capacity"])
    for name, address, city, state in FACILITIES:
        kind = "SPC" if "Service Processing" in name else rng.choice(("CDF", "IGSA", "USMS IGA"))
        facilities.append([name, address, city, state, kind, rng.randint(150, 2000)])

    _write_footnotes(wb.create_sheet(FOOTNOTES_SHEET))
    wb.save(path)
    _Package(path).save()
    return path
