"""Who a leaked file exposed: distinct people, each with exactly the fields published about them.

The pipeline helper (``pipeline_incident.scan_with_tables``) hands over every table column the
detectors classified, with its raw cell values; this module turns the rows into per-person
records and merges the copies of one person found in different parts (a visible sheet, a hidden
sheet, a pivot cache, an external-link cache...). The identity rule is the scanner's own
(``assess/people.py``):

* the same A-number (or another personal ID of the same kind) is the same person, however
  spelt ("A-012-345-678" == "012345678");
* the same name + date of birth is the same person; names compare order-, case- and
  accent-free ("GARCIA LOPEZ, Maria" == "María García López");
* a name alone merges records of DIFFERENT parts when nothing conflicts (no different date of
  birth, no different ID of the same kind), and only when exactly one person of that name is
  a candidate; it never merges two rows of one part (two "John Smith" rows are two people).

Each person's ``fields`` is the union of the entities published about them in any part, and
``where`` lists every part, sheet, visibility and row. Raw values stay in memory; ``case.py``
encrypts them before they reach the database.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from clearance import fingerprint
from clearance.incident.crypto import IncidentKey
from clearance.model import Candidate, ColumnCandidate, FileReport, Table, Visibility

# Entities that identify a person on their own: a row needs one to become a person.
DIRECT = frozenset(
    {
        "person-name",
        "given-name",
        "family-name",
        "a-number",
        "us-ssn",
        "us-itin",
        "passport-number",
        "id-number",
        "email",
        "phone-number",
        "payment-card",
    }
)
# Personal IDs issued to one person: equal IDs of one kind = one person; different = two people.
ID_KINDS = ("a-number", "us-ssn", "us-itin", "passport-number", "id-number", "email")
NAME = "person-name"
DOB = "date-of-birth"


@dataclass
class _Row:
    """One row of one part: entity -> raw value."""

    source: str  # table key: rows of one source never merge on a name alone
    part: str
    sheet: str | None
    row: int
    visibility: Visibility
    values: dict[str, str] = field(default_factory=dict)

    def name(self) -> str | None:
        if NAME in self.values:
            return self.values[NAME]
        given, family = self.values.get("given-name"), self.values.get("family-name")
        if given or family:
            return " ".join(x for x in (given, family) if x)
        return None


@dataclass
class ExposedRecord:
    """One distinct person (in memory; raw values)."""

    values: dict[str, str]  # entity -> first value seen (visible parts first)
    variants: dict[str, list[str]]  # entity -> other spellings seen
    fields: list[str]  # entity names exposed, sorted
    where: list[dict[str, object]]  # [{"part", "sheet", "visibility", "rows"}]
    visibilities: list[str]
    a_number: str | None  # normalised (9 digits)
    name_norm: str | None
    dob_norm: str | None
    identity: str  # normalised identity string person_key is the keyed hash of

    @property
    def hidden_only(self) -> bool:
        return Visibility.VISIBLE.value not in self.visibilities

    def masked(self) -> str:
        if NAME in self.values:
            return fingerprint.mask(NAME, self.values[NAME])[:255]
        for kind in ID_KINDS:
            if kind in self.values:
                return fingerprint.mask(kind, self.values[kind])[:255]
        return "(unnamed)"


@dataclass
class ExposedList:
    people: list[ExposedRecord]
    report: FileReport
    rows: int  # person rows read (before merging)
    seconds: float


class Collector:
    """The sink for ``scan_with_tables``: keeps rows that carry a direct identifier."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int], _Row] = {}

    def __call__(self, table: Table, item: object) -> None:
        if isinstance(item, ColumnCandidate):
            self._column(table, item)
        elif isinstance(item, Candidate) and item.table_key and item.location.row is not None:
            self._cell(table, item.entity, item.value, item.location.row, item.visibility)

    def _column(self, table: Table, col: ColumnCandidate) -> None:
        part = table.location.part or table.key
        sheet = table.location.sheet
        entity = col.entity
        vis = col.visibilities
        rows = self._rows
        key = table.key
        for i, value in enumerate(col.values):
            if value is None or not value.strip():
                continue
            r = col.first_row + i
            rec = rows.get((key, r))
            if rec is None:
                rec = rows[(key, r)] = _Row(key, part, sheet, r, vis[i] if i < len(vis) else table.visibility)
            rec.values.setdefault(entity, value)

    def _cell(self, table: Table, entity: str, value: str, row: int, visibility: Visibility) -> None:
        rec = self._rows.get((table.key, row))
        if rec is None:
            part = table.location.part or table.key
            rec = self._rows[(table.key, row)] = _Row(table.key, part, table.location.sheet, row, visibility)
        rec.values.setdefault(entity, value)

    def person_rows(self) -> list[_Row]:
        return [r for r in self._rows.values() if DIRECT.intersection(r.values)]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return i

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra
        return ra


def _norm_rows(rows: list[_Row]) -> list[dict[str, str]]:
    """Per row: normalised identity values (name, dob, IDs), column-wise for speed."""
    out: list[dict[str, str]] = [{} for _ in rows]
    names = [(i, r.name()) for i, r in enumerate(rows)]
    named = [(i, n) for i, n in names if n]
    for (i, _), norm in zip(named, fingerprint.normalise_many(NAME, [n for _, n in named])):
        if norm:
            out[i][NAME] = norm
    for entity in (DOB, *ID_KINDS):
        have = [(i, r.values[entity]) for i, r in enumerate(rows) if entity in r.values]
        if not have:
            continue
        for (i, _), norm in zip(have, fingerprint.normalise_many(entity, [v for _, v in have])):
            if norm.strip("0 "):
                out[i][entity] = norm
    return out


def merge(rows: list[_Row]) -> list[list[int]]:
    """Group row indexes into people (see the module docstring for the rule)."""
    norms = _norm_rows(rows)
    uf = _UnionFind(len(rows))
    first: dict[tuple[str, ...], int] = {}
    for i, n in enumerate(norms):
        keys: list[tuple[str, ...]] = [(kind, n[kind]) for kind in ID_KINDS if kind in n]
        if NAME in n and DOB in n:
            keys.append(("name+dob", n[NAME], n[DOB]))
        for k in keys:
            j = first.setdefault(k, i)
            if j != i:
                uf.union(i, j)

    # Groups after strong keys: their sources and identity values, to match names across parts.
    def group_state() -> dict[int, dict[str, set[str]]]:
        state: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for i, n in enumerate(norms):
            g = state[uf.find(i)]
            g["source"].add(rows[i].source)
            for kind, v in n.items():
                g[kind].add(v)
        return state

    state = group_state()
    by_name: dict[str, list[int]] = defaultdict(list)
    for root, g in state.items():
        for nm in g.get(NAME, ()):
            by_name[nm].append(root)
    for roots in by_name.values():
        if len(roots) < 2:
            continue
        roots = sorted(set(roots))

        def fits_of(r: int, roots: list[int] = roots) -> list[int]:
            g, fits = state[r], []
            for other in roots:
                o = uf.find(other)
                if o == r or o in fits:
                    continue
                h = state[o]
                if g["source"] & h["source"]:
                    continue  # a name alone never merges two rows of one part
                if any(kind in g and kind in h and g[kind].isdisjoint(h[kind]) for kind in (DOB, *ID_KINDS)):
                    continue
                fits.append(o)
            return fits

        for root in roots:
            r = uf.find(root)
            fits = fits_of(r)
            # exactly one candidate each way: merge; namesakes on either side: keep apart
            if len(fits) == 1 and fits_of(fits[0]) == [r]:
                o = fits[0]
                new = uf.union(r, o)
                old = o if new == r else r
                for kind, vs in state.pop(old).items():
                    state[new][kind] |= vs
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(rows)):
        groups[uf.find(i)].append(i)
    return [groups[k] for k in sorted(groups)]


_VIS_ORDER = {v.value: i for i, v in enumerate(Visibility)}


def build_records(rows: list[_Row]) -> list[ExposedRecord]:
    norms = _norm_rows(rows)
    out: list[ExposedRecord] = []
    seen_identity: dict[str, int] = defaultdict(int)
    for members in merge(rows):
        members.sort(
            key=lambda i: (_VIS_ORDER.get(rows[i].visibility.value, 99), rows[i].source, rows[i].row)
        )
        values: dict[str, str] = {}
        variants: dict[str, list[str]] = {}
        where: dict[tuple[str, str | None, str], list[int]] = {}
        norm: dict[str, str] = {}
        for i in members:
            r = rows[i]
            name = r.name()
            vals = dict(r.values)
            if name and NAME not in vals:
                vals[NAME] = name
            for entity, v in vals.items():
                v = " ".join(v.split())
                if entity not in values:
                    values[entity] = v
                elif v != values[entity] and v not in variants.setdefault(entity, []):
                    variants[entity].append(v)
            for kind, v in norms[i].items():
                norm.setdefault(kind, v)
            where.setdefault((r.part, r.sheet, r.visibility.value), []).append(r.row)
        fields = sorted(e for e in values if e not in ("given-name", "family-name") or NAME not in values)
        if "given-name" in values or "family-name" in values:
            fields = sorted({*fields, NAME, *(e for e in ("given-name", "family-name") if e in values)})
        a_number = norm.get("a-number")
        if a_number:
            identity = f"a-number\0{a_number}"
        elif NAME in norm and DOB in norm:
            identity = f"name+dob\0{norm[NAME]}\0{norm[DOB]}"
        else:
            kind = next((k for k in ID_KINDS if k in norm), None)
            identity = f"{kind}\0{norm[kind]}" if kind else f"name\0{norm.get(NAME, '')}"
        seen_identity[identity] += 1
        if seen_identity[identity] > 1:  # namesakes without other identifiers: still distinct people
            identity = f"{identity}\0#{seen_identity[identity]}"
        out.append(
            ExposedRecord(
                values=values,
                variants={k: v for k, v in variants.items() if v},
                fields=fields,
                where=[
                    {"part": p, "sheet": s, "visibility": v, "rows": sorted(set(rs))}
                    for (p, s, v), rs in sorted(where.items(), key=lambda kv: (kv[0][0], kv[0][2]))
                ],
                visibilities=sorted({v for (_, _, v) in where}, key=lambda v: _VIS_ORDER.get(v, 99)),
                a_number=a_number,
                name_norm=norm.get(NAME),
                dob_norm=norm.get(DOB),
                identity=identity,
            )
        )
    return out


def exposed_people(path: str | Path, scanner: object | None = None) -> ExposedList:
    """Scan the leaked file and return its distinct people (raw values, in memory)."""
    from clearance.pipeline import Scanner
    from clearance.pipeline_incident import scan_with_tables

    t0 = time.perf_counter()
    sc = scanner if isinstance(scanner, Scanner) else Scanner.build()
    collector = Collector()
    report = scan_with_tables(sc, path, collector)
    rows = collector.person_rows()
    people = build_records(rows)
    return ExposedList(people, report, len(rows), time.perf_counter() - t0)


def person_hashes(key: IncidentKey, rec: ExposedRecord) -> tuple[str, str | None, str | None]:
    """(person_key, a_number_hash, name_dob_hash) for a record, under the incident key."""
    person_key = key.hash("person", rec.identity)
    a_hash = key.hash("a-number", rec.a_number) if rec.a_number else None
    nd_hash = (
        key.hash("name+dob", f"{rec.name_norm}\0{rec.dob_norm}") if rec.name_norm and rec.dob_norm else None
    )
    return person_key, a_hash, nd_hash


def fields_summary(people: Iterable[ExposedRecord]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for p in people:
        for f in p.fields:
            counts[f] += 1
    return dict(sorted(counts.items()))
