"""Workbook parts outside the cell grid where data hides: comments, defined names, pivot caches,
external links, document properties, embedded files and macros.

Each function takes the open ``Package`` and yields model objects; none knows about the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clearance.extractors.embedded import embedded_file
from clearance.extractors.xlsx_package import Package
from clearance.extractors.xlsx_tables import grid_tables, render
from clearance.model import Document, Extracted, Location, Note, Segment, Visibility
from clearance.safety import local

_ARRAY_ITEM = re.compile(r'"((?:[^"]|"")*)"|([^,;{}"]+)')


@dataclass(frozen=True)
class Where:
    """What every part function needs to build locations."""

    members: tuple[str, ...]
    chunk_rows: int

    def loc(self, part: str, **kw: Any) -> Location:
        return Location(part=part, members=self.members, **kw)


def _text(el: Any) -> str:
    """All text under an element (rich-text runs joined), ignoring phonetic runs."""
    out: list[str] = []
    for e in el.iter():
        if local(e.tag) == "rPh":
            continue
        if local(e.tag) == "t" and e.text:
            out.append(e.text)
    return "".join(out)


# --- comments ---------------------------------------------------------------------------------


def comments(pkg: Package, part: str, sheet: str | None, w: Where) -> Iterator[Segment]:
    """Legacy cell comments (notes) and their authors."""
    root = pkg.xml(part)
    if root is None:
        return
    authors: list[str] = []
    for el in root:
        if local(el.tag) == "authors":
            authors = [(a.text or "") for a in el]
    seen: set[str] = set()
    for el in root.iter():
        if local(el.tag) != "comment":
            continue
        ref = el.get("ref", "")
        body = next((c for c in el if local(c.tag) == "text"), None)
        text = _text(body) if body is not None else ""
        if text.strip():
            yield Segment(
                text,
                w.loc(part, sheet=sheet, range=ref),
                Visibility.COMMENT,
                (sheet or "", f"comment {ref}"),
                "comment",
            )
        try:
            author = authors[int(el.get("authorId", "-1"))]
        except (ValueError, IndexError):
            author = ""
        if author.strip() and author not in seen:
            seen.add(author)
            yield Segment(
                author,
                w.loc(part, sheet=sheet, range=ref, field="author"),
                Visibility.METADATA,
                (sheet or "", "comment author"),
                "metadata-author",
            )


def persons(pkg: Package) -> dict[str, str]:
    """Threaded-comment person id -> display name (xl/persons/person.xml)."""
    out: dict[str, str] = {}
    for name in pkg.names():
        if name.lower().startswith("xl/persons/") and name.lower().endswith(".xml"):
            for p in pkg.xml(name).iter():
                if local(p.tag) == "person" and p.get("id"):
                    out[p.get("id")] = p.get("displayName", "")
    return out


def threaded_comments(
    pkg: Package, part: str, sheet: str | None, people: dict[str, str], w: Where
) -> Iterator[Segment]:
    root = pkg.xml(part)
    if root is None:
        return
    seen: set[str] = set()
    for el in root.iter():
        if local(el.tag) != "threadedComment":
            continue
        ref = el.get("ref", "")
        body = next((c for c in el if local(c.tag) == "text"), None)
        if body is not None and (body.text or "").strip():
            yield Segment(
                body.text,
                w.loc(part, sheet=sheet, range=ref),
                Visibility.COMMENT,
                (sheet or "", f"comment {ref}"),
                "comment",
            )
        author = people.get(el.get("personId", ""), "")
        if author.strip() and author not in seen:
            seen.add(author)
            yield Segment(
                author,
                w.loc(part, sheet=sheet, range=ref, field="author"),
                Visibility.METADATA,
                (sheet or "", "comment author"),
                "metadata-author",
            )


# --- defined names ----------------------------------------------------------------------------


def array_items(value: str) -> list[str] | None:
    """Items of an array constant '{"a","b";1,2}', or None when the value is not one."""
    v = value.strip()
    if not (v.startswith("{") and v.endswith("}")):
        return None
    items = []
    for m in _ARRAY_ITEM.finditer(v[1:-1]):
        item = m[1].replace('""', '"') if m[1] is not None else m[2].strip()
        if item:
            items.append(item)
    return items


def defined_names(root: Any, sheet_names: list[str], part: str, w: Where) -> Iterator[Extracted]:
    for el in root.iter():
        if local(el.tag) != "definedName":
            continue
        name, value = el.get("name", ""), el.text or ""
        if not value.strip():
            continue
        try:
            sheet = sheet_names[int(el.get("localSheetId"))] if el.get("localSheetId") else None
        except (ValueError, IndexError):
            sheet = None
        loc = w.loc(part, sheet=sheet, field=name)
        yield Segment(value, loc, Visibility.DEFINED_NAME, (f"defined name {name}",), "defined-name")
        items = array_items(value)
        if items:
            yield from grid_tables(
                [[i] for i in items],
                key=f"{part}#definedName/{name}",
                location=loc,
                first_row=1,
                first_column=1,
                chunk_rows=w.chunk_rows,
                visibility=Visibility.DEFINED_NAME,
                role="defined-name",
                header_policy="none",
            )


# --- pivot caches -----------------------------------------------------------------------------


def _pivot_value(el: Any, shared: list[str | None]) -> str | None:
    tag = local(el.tag)
    v = el.get("v")
    if tag == "x":
        try:
            return shared[int(v)]
        except (TypeError, ValueError, IndexError):
            return None
    if tag == "m" or v is None:
        return None
    if tag == "n":
        try:
            return render(float(v))
        except ValueError:
            return v
    if tag == "d":
        return v[:10] if v.endswith("T00:00:00") else v
    if tag == "b":
        return "TRUE" if v in ("1", "true") else "FALSE"
    return v


def pivot_cache(pkg: Package, definition: str, w: Where) -> Iterator[Extracted]:
    """Rebuild the cached source rows of a pivot table (they survive deletion of the source)."""
    root = pkg.xml(definition)
    if root is None:
        return
    fields: list[tuple[str, list[str | None]]] = []
    source = ""
    for el in root.iter():
        tag = local(el.tag)
        if tag == "worksheetSource":
            source = el.get("sheet") or el.get("name") or ""
        elif tag == "cacheField":
            shared: list[str | None] = []
            for child in el:
                if local(child.tag) == "sharedItems":
                    shared = [_pivot_value(i, []) for i in child]
            fields.append((el.get("name", ""), shared))
    header = tuple(name for name, _ in fields)
    context = ("pivot cache", f"source sheet '{source}'") if source else ("pivot cache",)
    records_part = next((r.target for r in pkg.rels(definition) if r.type == "pivotCacheRecords"), None)
    records = pkg.xml(records_part) if records_part and pkg.has(records_part) else None
    loc = w.loc(definition, sheet=source or None)
    if records is not None:
        rows: list[list[str | None]] = []
        for r in records:
            if local(r.tag) != "r":
                continue
            row = []
            for i, cell in enumerate(r):
                row.append(_pivot_value(cell, fields[i][1] if i < len(fields) else []))
            rows.append(row)
        pkg.forget(records_part)
        yield from grid_tables(
            [list(header), *rows],
            key=definition,
            location=loc,
            first_row=1,
            first_column=1,
            chunk_rows=w.chunk_rows,
            visibility=Visibility.PIVOT_CACHE,
            role="pivot-cache",
            context=context,
            header_policy="first",
        )
        return
    for name, shared in fields:
        if any(v is not None for v in shared):
            yield from grid_tables(
                [[name], *([v] for v in shared)],
                key=f"{definition}#{name}",
                location=w.loc(definition, sheet=source or None, field=name),
                first_row=1,
                first_column=1,
                chunk_rows=w.chunk_rows,
                visibility=Visibility.PIVOT_CACHE,
                role="pivot-cache",
                context=context,
                header_policy="first",
            )


# --- external links ---------------------------------------------------------------------------


def external_link(pkg: Package, part: str, w: Where) -> Iterator[Extracted]:
    from clearance.extractors.xlsx_sheetxml import parse_ref

    root = pkg.xml(part)
    if root is None:
        return
    targets = [r.target for r in pkg.rels(part) if r.external or r.type == "externalLinkPath"]
    for t in targets:
        yield Note(
            "external-link",
            "the workbook links to an external file; its cached values are scanned",
            w.loc(part),
            Visibility.EXTERNAL_LINK,
            False,
        )
        yield Segment(
            t, w.loc(part, field="target"), Visibility.EXTERNAL_LINK, ("external link target",), "metadata"
        )
    sheet_names = [s.get("val", "") for s in root.iter() if local(s.tag) == "sheetName"]
    for data in (e for e in root.iter() if local(e.tag) == "sheetData"):
        try:
            sheet = sheet_names[int(data.get("sheetId", "0"))]
        except (ValueError, IndexError):
            sheet = None
        cells: dict[tuple[int, int], str] = {}
        for c in data.iter():
            if local(c.tag) != "cell":
                continue
            ref = parse_ref(c.get("r", ""))
            v = next((x.text for x in c if local(x.tag) == "v"), None)
            if ref and v:
                cells[ref] = render(float(v)) if c.get("t", "n") == "n" and _is_float(v) else v
        if not cells:
            continue
        top, left = min(r for r, _ in cells), min(c for _, c in cells)
        bottom, right = max(r for r, _ in cells), max(c for _, c in cells)
        grid = [[cells.get((r, c)) for c in range(left, right + 1)] for r in range(top, bottom + 1)]
        yield from grid_tables(
            grid,
            key=f"{part}#{data.get('sheetId', '0')}",
            location=w.loc(part, sheet=sheet),
            first_row=top,
            first_column=left,
            chunk_rows=w.chunk_rows,
            visibility=Visibility.EXTERNAL_LINK,
            role="external-link",
            context=("external link cache",),
        )


def _is_float(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


# --- document properties ----------------------------------------------------------------------

_AUTHOR_FIELDS = {"creator", "lastModifiedBy", "Manager"}
_CORE_FIELDS = {
    "creator",
    "lastModifiedBy",
    "title",
    "subject",
    "keywords",
    "description",
    "category",
    "contentStatus",
}
_APP_FIELDS = {"Manager", "Company"}


def properties(pkg: Package, w: Where) -> Iterator[Segment]:
    for part, wanted in (("docProps/core.xml", _CORE_FIELDS), ("docProps/app.xml", _APP_FIELDS)):
        root = pkg.xml(part)
        if root is None:
            continue
        for el in root:
            name = local(el.tag)
            if name in wanted and (el.text or "").strip():
                role = "metadata-author" if name in _AUTHOR_FIELDS else "metadata"
                yield Segment(
                    el.text, w.loc(part, field=name), Visibility.METADATA, (f"property {name}",), role
                )
    root = pkg.xml("docProps/custom.xml")
    if root is not None:
        for prop in root:
            name = prop.get("name", "")
            value = "".join((v.text or "") for v in prop.iter() if v is not prop)
            if value.strip():
                yield Segment(
                    value,
                    w.loc("docProps/custom.xml", field=name),
                    Visibility.METADATA,
                    (f"property {name}",),
                    "metadata",
                )


# --- embedded files ---------------------------------------------------------------------------


def embedded(pkg: Package, part: str, parent: Document, max_depth: int) -> Iterator[Extracted]:
    yield from embedded_file(pkg, part, parent, max_depth)
