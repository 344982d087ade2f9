"""Records inside parsed JSON: where they sit and how they flatten into Table rows.

Layout only, never what the values mean:

* an array of objects at any depth is a table (``$.facilities``); objects nested in a record
  flatten into dotted columns (``name.first``); a list of strings or numbers in a record is one
  cell, its items joined (FHIR ``given: ["Ana", "Maria"]``);
* an array of objects inside a record (facility -> ``detainees``) is a table of its own, all
  parents' items together (``$.facilities[*].detainees``), unless every record holds at most one
  (FHIR ``name: [{family, given}]``), which flattens into the parent's row like an object;
* an object whose values are all objects sharing keys (records keyed by an ID) is a table with
  the key as its first column ("key");
* an array of short strings outside a record is a one-column list (its key as the header).

Columns keep the order the JSON sanitizer expects (the n-th key in first-seen order, objects
flattened, everything else a leaf): cells it cannot address (flattened single records) come
after all of those, and a leaf whose records moved to a table of their own stays, empty.
Tables are built as streams, one chunk of ``chunk_rows`` at a time, so JSON Lines stay in
bounded memory however many records (and nested records) they hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from clearance.model import Location, Table, Unscannable, Visibility

# Nesting deeper than this is an attack on recursive parsers, not data.
MAX_JSON_DEPTH = 200
# Records in a nested array that still flatten into the parent's row (FHIR's one name per
# patient); an array with more anywhere in the table is a table of its own.
MAX_INLINE_RECORDS = 1
# Items of a list of strings in a record joined into one cell: given names read as one name.
LIST_JOIN = " "
# An object is records keyed by an ID when it holds at least this many objects, with keys in common.
KEYED_MIN_RECORDS = 2
# An array of strings outside records is a list (of names, of addresses) from this many items.
STRING_LIST_MIN_ITEMS = 3
# A string longer than this is text, not a list entry.
STRING_LIST_MAX_CHARS = 80
# Header of the column that holds the keys of keyed records.
KEY_COLUMN = "key"


def scalar(value: Any) -> str | None:
    """A JSON value as one cell's text (objects and mixed arrays as compact JSON)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(x, dict) for x in value)


def is_keyed_records(value: Any) -> bool:
    """An object of records keyed by an ID: all values non-empty objects with keys in common."""
    if not isinstance(value, dict) or len(value) < KEYED_MIN_RECORDS:
        return False
    common: set[str] | None = None
    for v in value.values():
        if not isinstance(v, dict) or not v:
            return False
        common = set(v) if common is None else common & v.keys()
        if not common:
            return False
    return True


def is_string_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= STRING_LIST_MIN_ITEMS
        and all(isinstance(x, str) and 0 < len(x) <= STRING_LIST_MAX_CHARS for x in value)
    )


def _scalar_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(x is None or isinstance(x, str | int | float) for x in value)
    )


def check_depth(value: Any) -> None:
    """Iterative depth check: recursion here is what hostile JSON is built to break."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > MAX_JSON_DEPTH:
            raise Unscannable(f"JSON nesting deeper than {MAX_JSON_DEPTH} levels", "limit")
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values() if isinstance(x, dict | list))
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v if isinstance(x, dict | list))


@dataclass
class _Row:
    base: dict[str, str | None]  # columns the sanitizer can address, in its order
    extra: dict[str, str | None]  # flattened single nested records
    children: dict[str, list[dict[str, Any]]]  # dotted key -> nested records for their own table


def flatten(record: dict[str, Any], prefix: str, row: _Row, depth: int, *, into_extra: bool = False) -> None:
    if depth > MAX_JSON_DEPTH:
        raise Unscannable(f"JSON nesting deeper than {MAX_JSON_DEPTH} levels", "limit")
    out = row.extra if into_extra else row.base
    for k, v in record.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and v:
            flatten(v, key, row, depth + 1, into_extra=into_extra)
        elif is_records(v):
            out[key] = None  # the column stays (the sanitizer counts it); its records go elsewhere
            if len(v) > MAX_INLINE_RECORDS:
                row.children.setdefault(key, []).extend(v)
            else:
                flatten(v[0], key, row, depth + 1, into_extra=True)
        elif _scalar_list(v):
            out[key] = LIST_JOIN.join(s for x in v if (s := scalar(x)))
        else:
            out[key] = scalar(v)


class RecordTable:
    """One table of records, built a chunk at a time; nested record arrays feed child tables."""

    def __init__(
        self,
        path: str,
        chunk_rows: int,
        *,
        base: Location,
        key_prefix: str,
        key: str | None = None,
        visibility: Visibility = Visibility.VISIBLE,
        keyed: bool = False,
    ) -> None:
        self.path = path
        self.chunk_rows = max(1, chunk_rows)
        self.location = replace(base, field=path)
        self.base = base
        self.key_prefix = key_prefix
        self.key = key or key_prefix + path
        self.visibility = visibility
        self.keyed = keyed
        self.header: dict[str, None] = {KEY_COLUMN: None} if keyed else {}  # ordered sets
        self.extra_header: dict[str, None] = {}
        self.buf: list[dict[str, str | None]] = []
        self.pending: Table | None = None
        self.chunk = 0
        self.first_record = 1
        self.records = 0
        self.children: dict[str, RecordTable] = {}

    def add(self, record: dict[str, Any], id_key: str | None = None) -> Iterator[Table]:
        row = _Row({KEY_COLUMN: id_key} if self.keyed else {}, {}, {})
        flatten(record, "", row, 1)
        for k in row.base:
            self.header.setdefault(k)
        for k in row.extra:
            self.extra_header.setdefault(k)
        self.buf.append(row.base | row.extra if row.extra else row.base)
        self.records += 1
        if len(self.buf) >= self.chunk_rows:
            yield from self._emit(last=False)
        for k, nested in row.children.items():
            child = self.children.get(k)
            if child is None:
                path = f"{self.path}[*].{k}"
                child = RecordTable(
                    path,
                    self.chunk_rows,
                    base=self.base,
                    key_prefix=self.key_prefix,
                    visibility=self.visibility,
                )
                self.children[k] = child
            for rec in nested:
                yield from child.add(rec)

    def _emit(self, *, last: bool) -> Iterator[Table]:
        cols = list(self.header) + [c for c in self.extra_header if c not in self.header]
        table = Table(
            key=self.key,
            location=self.location,
            header=tuple(cols),
            rows=[[r.get(c) for c in cols] for r in self.buf],
            first_row=self.first_record,
            header_row=None,
            chunk=self.chunk,
            last_chunk=False,
            visibility=self.visibility,
            role="json",
        )
        self.chunk += 1
        self.first_record += len(self.buf)
        self.buf = []
        if self.pending is not None:
            yield self.pending
        self.pending = table
        if last:
            yield replace(self.pending, last_chunk=True)
            self.pending = None

    def close(self) -> Iterator[Table]:
        """The last chunk (an empty one if no record came), then the child tables' last chunks."""
        if self.buf or self.pending is None:
            yield from self._emit(last=True)
        elif self.pending is not None:
            yield replace(self.pending, last_chunk=True)
            self.pending = None
        for child in self.children.values():
            yield from child.close()


def walk(
    value: Any,
    root: str,
    chunk_rows: int,
    *,
    base: Location,
    key_prefix: str,
    visibility: Visibility,
    tables: bool = True,
) -> Iterator[Table | tuple[str, Any]]:
    """Tables for the records found anywhere in ``value``; ``(path, value)`` for other scalars
    (for every scalar when ``tables`` is False).

    Iterative (a stack, not recursion); the caller checks the depth first.
    """
    stack: list[tuple[Any, str]] = [(value, root)]
    while stack:
        v, p = stack.pop()
        if tables and (is_records(v) or is_keyed_records(v)):
            keyed = not isinstance(v, list)
            table = RecordTable(
                p, chunk_rows, base=base, key_prefix=key_prefix, visibility=visibility, keyed=keyed
            )
            pairs = ((None, rec) for rec in v) if isinstance(v, list) else ((str(k), r) for k, r in v.items())
            for id_key, rec in pairs:
                yield from table.add(rec, id_key)
            yield from table.close()
            continue
        if tables and is_string_list(v):
            name = p.rsplit(".", 1)[-1] if "." in p else None
            yield from _string_list(
                v, p, chunk_rows, name, base=base, key=key_prefix + p, visibility=visibility
            )
            continue
        if isinstance(v, dict):
            stack.extend((x, f"{p}.{k}") for k, x in reversed(list(v.items())))
        elif isinstance(v, list):
            stack.extend((x, f"{p}[{i}]") for i, x in reversed(list(enumerate(v))))
        else:
            yield p, v


def _string_list(
    items: list[str],
    path: str,
    chunk_rows: int,
    name: str | None,
    *,
    base: Location,
    key: str,
    visibility: Visibility,
) -> Iterator[Table]:
    chunk_rows = max(1, chunk_rows)
    n_chunks = -(-len(items) // chunk_rows)
    for i in range(n_chunks):
        part = items[i * chunk_rows : (i + 1) * chunk_rows]
        yield Table(
            key=key,
            location=replace(base, field=path),
            header=(name,) if name else None,
            rows=[[s] for s in part],
            first_row=i * chunk_rows + 1,
            header_row=None,
            chunk=i,
            last_chunk=i == n_chunks - 1,
            visibility=visibility,
            role="json",
        )
