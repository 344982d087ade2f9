"""Candidates -> Assessment, streaming: items arrive chunk by chunk, raw values leave early.

Raw values are held only for the chunk being read (a table's column candidates until the next
chunk of that table starts) and for prose hits until ``finish``. What survives is keyed digests,
masked samples and counts. Revealed raw values are kept only when ``reveal`` was asked for.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from clearance.config.schema import Limits
from clearance.fingerprint import finding_fingerprint, normalise, value_fingerprint
from clearance.model import (
    Assessment,
    Candidate,
    ColumnCandidate,
    Finding,
    Identifier,
    Location,
    Note,
    TableProfile,
    Visibility,
)

from .findings import Group, GroupKey, Origin
from .people import NO_NODE, PeopleIndex
from .ranges import column_of
from .segments import Person, plan
from .tables import Deferred, TableState
from .vocab import (
    AUTHOR_ROLES,
    DATE_OF_BIRTH,
    FAMILY_NAME,
    GIVEN_NAME,
    KIND_MENTION,
    KIND_ORDER,
    KIND_QUASI,
    KIND_RECORD,
    KIND_ROSTER,
    NAME_ENTITIES,
    PERSON_NAME,
    PERSONAL_IDS,
    TABLE_AGGREGATE,
    TABLE_PEOPLE,
)

DIGEST_BYTES = 16  # 128 bits of a keyed digest: collisions impossible at any file's scale
Item = Candidate | ColumnCandidate | TableProfile | Note
_Row = tuple[tuple[bytes, ...], bytes | None, bool, frozenset[str], int]


class Assessor:
    """Feed it a file's detector output with ``add``; ``finish`` returns the Assessment."""

    def __init__(
        self,
        *,
        key: bytes,
        path: str,
        limits: Limits,
        allow_fingerprints: Iterable[str] = (),
        reveal: bool = False,
    ) -> None:
        self._key = key
        self._path = path
        self._limits = limits
        self._allow = frozenset(allow_fingerprints)
        self._reveal = reveal
        self._people = PeopleIndex(limits.max_tracked_people)
        self._tables: dict[str, TableState] = {}
        self._groups: dict[GroupKey, Group] = {}
        self._group_origin: dict[GroupKey, Origin] = {}
        self._segments: dict[tuple[Location, Visibility, str], list[Candidate]] = {}
        self._notes: list[Note] = []
        self._allowed = 0
        self._authors: set[str] = set()
        self._mentioned: set[str] = set()
        self._category_nodes: dict[str, list[int]] = defaultdict(list)
        self._category_unlinked: dict[str, int] = defaultdict(int)
        self._finished: Assessment | None = None

    # -- intake --------------------------------------------------------------------------
    def add(self, item: Item) -> None:
        if self._finished is not None:
            raise RuntimeError("Assessor.add after finish")
        if isinstance(item, Note):
            self._notes.append(item)
        elif isinstance(item, TableProfile):
            table = self._table(item.table_key)
            self._flush_before(table, item.chunk)
            table.add_profile(item)
        elif isinstance(item, ColumnCandidate):
            table = self._table(item.table_key)
            self._flush_before(table, item.chunk)
            table.add_column(item)
        elif item.table_key is not None:
            self._table(item.table_key).add_cell(item, -1)  # rows are resolved at finish
        else:
            self._segments.setdefault((item.location, item.visibility, item.role), []).append(item)

    def _table(self, key: str) -> TableState:
        if key not in self._tables:
            self._tables[key] = TableState(key)
        return self._tables[key]

    def _flush_before(self, table: TableState, chunk: int) -> None:
        for done in table.ready_chunks(chunk):
            self._flush(table, done)

    # -- helpers -------------------------------------------------------------------------
    def _vfp(self, entity: str, value: str) -> str:
        return value_fingerprint(self._key, entity, value)

    def _digest(self, entity: str, value: str) -> bytes:
        return bytes.fromhex(self._vfp(entity, value))[:DIGEST_BYTES]

    def _allowed_value(self, entity: str, value: str) -> bool:
        return bool(self._allow) and self._vfp(entity, value) in self._allow

    def _member(
        self,
        origin: Origin,
        *,
        rule: str,
        entity: str,
        visibility: Visibility,
        location: Location,
        column: str | None,
        identifier: Identifier,
        role: str,
        value: str,
        score: float,
        row: int | None,
        category: str | None,
    ) -> None:
        gkey: GroupKey = (rule, entity, visibility, location.part, location.sheet, column, origin, role)
        group = self._groups.get(gkey)
        if group is None:
            base = (
                Location(
                    part=location.part, sheet=location.sheet, field=location.field, members=location.members
                )
                if column
                else location
            )
            group = Group(rule, entity, visibility, base, column, identifier, role)
            self._groups[gkey] = group
        group.add(
            value=value,
            fingerprint=finding_fingerprint(self._key, rule, self._path, value, entity=entity),
            score=score,
            row=row,
            reveal=self._reveal,
            category=category,
            location=None if column else location,
        )

    def _identity(
        self,
        name: str | None,
        ids: Iterable[tuple[str, str]],
        dob: str | None,
    ) -> tuple[tuple[bytes, ...], bytes | None, bool]:
        keys = [b"I" + self._digest(e, v) for e, v in ids]
        name_digest = self._digest(PERSON_NAME, name) if name and normalise(PERSON_NAME, name) else None
        has_dob = bool(name_digest and dob)
        if name_digest is not None and dob:
            keys.append(b"D" + hashlib.sha256(name_digest + self._digest(DATE_OF_BIRTH, dob)).digest())
        elif name_digest is not None:
            keys.append(b"N" + name_digest)
        return tuple(keys), name_digest, has_dob

    def _count(self, node: int, categories: Iterable[str]) -> None:
        for cat in categories:
            if node == NO_NODE:
                self._category_unlinked[cat] += 1
            else:
                self._category_nodes[cat].append(node)

    # -- tables --------------------------------------------------------------------------
    def _flush(self, table: TableState, chunk: int) -> None:
        cols = table.pending.pop(chunk)
        first_row = min(c.first_row for c in cols)
        n = max(len(c.values) for c in cols)
        origin: Origin = ("table", table.key)
        rows: list[_Row] = []
        for i in range(n):
            row_no = first_row + i
            present = [(c, v) for c in cols if i < len(c.values) and (v := c.values[i]) and v.strip()]
            given = " ".join(v for c, v in present if c.entity == GIVEN_NAME)
            family = " ".join(v for c, v in present if c.entity == FAMILY_NAME)
            joined = f"{given} {family}".strip()
            if joined and self._allowed_value(PERSON_NAME, joined):  # staff named in split columns
                self._allowed += sum(1 for c, _ in present if c.entity in NAME_ENTITIES)
                present = [(c, v) for c, v in present if c.entity not in NAME_ENTITIES]
                joined = ""
            name: str | None = None
            ids: list[tuple[str, str]] = []
            dob: str | None = None
            cats: set[str] = set()
            for col, value in present:
                if self._allowed_value(col.entity, value):
                    self._allowed += 1
                    continue
                stats = table.columns[col.column_index]
                stats.count += 1
                if col.entity in PERSONAL_IDS:
                    ids.append((col.entity, value))
                    if len(stats.distinct) < self._limits.max_tracked_people:
                        stats.distinct.add(self._digest(col.entity, value))
                elif col.entity == PERSON_NAME and name is None:
                    name = value
                elif col.entity == DATE_OF_BIRTH and dob is None:
                    dob = value
                if col.category:
                    cats.add(col.category)
                visibility = col.visibilities[i] if i < len(col.visibilities) else Visibility.VISIBLE
                self._member(
                    origin,
                    rule=col.rule,
                    entity=col.entity,
                    visibility=visibility,
                    location=col.location,
                    column=stats.letter,
                    identifier=col.identifier,
                    role="cell",
                    value=value,
                    score=col.score,
                    row=row_no,
                    category=col.category,
                )
            if name is None and joined:
                name = joined
            keys, name_digest, has_dob = self._identity(name, ids, dob)
            rows.append((keys, name_digest, has_dob, frozenset(cats), row_no))
        nodes = [NO_NODE] * n
        if table.kind() == TABLE_PEOPLE:
            for i, (keys, name_digest, has_dob, cats, _) in enumerate(rows):
                nodes[i] = self._people.add(keys, name=name_digest, has_dob=has_dob)
                if keys:
                    self._count(nodes[i], cats)
        else:  # kind not certain yet (distinct IDs may still prove it a list of people)
            table.deferred.extend(Deferred(*r) for r in rows if r[0])
        table.record_chunk(first_row, nodes, n)

    def _settle_table(self, table: TableState) -> None:
        for chunk in sorted(table.pending):
            self._flush(table, chunk)
        if table.kind() == TABLE_PEOPLE:
            for d in table.deferred:
                node = self._people.add(d.keys, name=d.name, has_dob=d.has_dob)
                table.set_node(d.row, node)
                self._count(node, d.categories)
        table.deferred.clear()
        by_row: dict[int, list[Candidate]] = defaultdict(list)
        for cand in table.cells.pop(-1, []):
            by_row[table.sheet_row(cand)].append(cand)
        if table.kind() == TABLE_PEOPLE:
            self._people_cells(table, by_row)
        else:
            for cands in by_row.values():
                self._segment(cands, table_cells=True)

    def _people_cells(self, table: TableState, by_row: dict[int, list[Candidate]]) -> None:
        origin: Origin = ("table", table.key)
        for row, cands in by_row.items():
            node = table.node_at(row)
            for cand in cands:
                if self._allowed_value(cand.entity, cand.value):
                    self._allowed += 1
                    continue
                if cand.entity in PERSONAL_IDS:
                    keys = self._identity(None, [(cand.entity, cand.value)], None)[0]
                    node = self._people.link(node, self._people.add(keys))
                if cand.category:
                    self._count(node, [cand.category])
                self._member(
                    origin,
                    rule=cand.rule,
                    entity=cand.entity,
                    visibility=cand.visibility,
                    location=cand.location,
                    column=column_of(cand.location.range),
                    identifier=cand.identifier,
                    role=cand.role,
                    value=cand.value,
                    score=cand.score,
                    row=row,
                    category=cand.category,
                )
            table.set_node(row, node)

    # -- prose ---------------------------------------------------------------------------
    def _segment(self, cands: list[Candidate], *, table_cells: bool = False) -> None:
        kept = []
        for cand in cands:
            if cand.role in AUTHOR_ROLES:
                if cand.entity in NAME_ENTITIES:
                    self._authors.add(normalise(PERSON_NAME, cand.value))
                continue
            if self._allowed_value(cand.entity, cand.value):
                self._allowed += 1
                continue
            kept.append(cand)
        if not kept:
            return
        seg = plan(kept)
        for person in seg.people:
            self._count(self._add_person(person), seg.categories)
        for cand, kind in zip(kept, seg.kinds):
            if kind is None:
                continue
            if kind == KIND_MENTION:
                self._mentioned.add(normalise(PERSON_NAME, cand.value))
            column = column_of(cand.location.range) if table_cells else None
            row = cand.location.row if table_cells else None
            self._member(
                ("text", kind),
                rule=cand.rule,
                entity=cand.entity,
                visibility=cand.visibility,
                location=cand.location,
                column=column,
                identifier=cand.identifier,
                role=cand.role,
                value=cand.value,
                score=cand.score,
                row=row,
                category=cand.category,
            )

    def _add_person(self, person: Person) -> int:
        keys, name_digest, has_dob = self._identity(person.name, person.ids, person.dob)
        return self._people.add(keys, name=name_digest, has_dob=has_dob)

    # -- result --------------------------------------------------------------------------
    def finish(self) -> Assessment:
        if self._finished is not None:
            return self._finished
        for table in self._tables.values():
            self._settle_table(table)
        for cands in self._segments.values():
            self._segment(cands)
        self._segments.clear()
        self._people.settle()
        findings = self._findings()
        tables = tuple(t.summary(self._people.distinct(t.nodes())) for t in self._tables.values())
        small_cells = tuple(c for t in self._tables.values() for c in t.small_cell_list())
        category_people = {
            cat: self._people.distinct(self._category_nodes.get(cat, ()))
            + self._category_unlinked.get(cat, 0)
            for cat in sorted(set(self._category_nodes) | set(self._category_unlinked))
        }
        by_vis: dict[str, set[str]] = defaultdict(set)
        for f in findings:
            if f.kind != KIND_MENTION:
                by_vis[f.visibility.value].add(f.entity)
        self._finished = Assessment(
            findings=findings,
            people=self._people.distinct(),
            people_exact=self._people.exact,
            categories=tuple(category_people),
            tables=tables,
            small_cells=small_cells,
            notes=tuple(self._notes) + self._own_notes(),
            entities_by_visibility={v: tuple(sorted(e)) for v, e in sorted(by_vis.items())},
            category_people=category_people,
        )
        return self._finished

    def _findings(self) -> tuple[Finding, ...]:
        out: list[Finding] = []
        for gkey, group in self._groups.items():
            origin = gkey[6]
            if origin[0] == "text":
                out.append(group.build(self._key, origin[1]))
                continue
            table = self._tables[origin[1]]
            if table.kind() == TABLE_PEOPLE:
                out.append(group.build(self._key, KIND_ROSTER if table.is_roster() else KIND_RECORD))
            elif table.is_microdata() and group.identifier is Identifier.QUASI:
                out.append(group.build(self._key, KIND_QUASI))
            # other columns of aggregate / organisation tables describe no one: notes say so
        out.sort(key=_finding_order)
        return tuple(out)

    def _own_notes(self) -> tuple[Note, ...]:
        # Explanations, not content: they keep the default (visible) visibility so policy never
        # mistakes them for hidden content an extractor reported.
        notes: list[Note] = []
        if self._authors:
            n = len(self._authors)
            notes.append(
                Note(
                    "document-authors",
                    f"Document metadata names {_people(n)} as author/last editor; not personal records",
                    Location(),
                    Visibility.METADATA,
                )
            )
        if self._mentioned:
            n = len(self._mentioned)
            notes.append(
                Note(
                    "names-in-prose",
                    f"Text names {_people(n)} without identifying details "
                    "(e.g. staff or officials); not personal records",
                )
            )
        if self._allowed:
            notes.append(
                Note(
                    "allow-listed",
                    f"{self._allowed:,} allow-listed value{'s' if self._allowed != 1 else ''} "
                    "(staff or officials) left out of the findings",
                )
            )
        for table in self._tables.values():
            where = _where(table)
            rows = table.rows if table.profiled else table.column_rows
            if table.kind() == TABLE_AGGREGATE:
                notes.append(
                    Note(
                        "aggregate-table",
                        f"{where} holds aggregate statistics ({rows:,} rows); no individual records",
                        table.location,
                    )
                )
            elif table.is_organisation_list():
                notes.append(
                    Note(
                        "organisation-contacts",
                        f"{where} lists organisations' details ({rows:,} rows) without "
                        "person names; not personal records",
                        table.location,
                    )
                )
        if not self._people.exact:
            notes.append(
                Note(
                    "people-limit",
                    f"Counting stopped at {self._limits.max_tracked_people:,} distinct "
                    "people (limits.max_tracked_people); the file holds at least that many",
                )
            )
        return tuple(notes)


_VISIBILITY_RANK = {v: i for i, v in enumerate(Visibility)}


def _finding_order(f: Finding) -> tuple[int, int, str, str, int, str, str]:
    """Kind, then visible before hidden, then by place and column (B before AA)."""
    column = column_of(f.location.range) or ""
    return (
        KIND_ORDER.index(f.kind),
        _VISIBILITY_RANK[f.visibility],
        f.location.part or "",
        f.location.sheet or "",
        len(column),
        f.location.range or "",
        f.entity,
    )


def _people(n: int) -> str:
    return f"{n:,} {'person' if n == 1 else 'people'}"


def _where(table: TableState) -> str:
    if table.location.sheet:
        return f"Sheet '{table.location.sheet}'"
    if table.location.field:
        return f"'{table.location.field}'"
    return f"Table {table.location.part or table.key}"


def assess(
    items: Iterable[Item],
    *,
    key: bytes,
    path: str,
    limits: Limits,
    allow_fingerprints: Iterable[str] = (),
    reveal: bool = False,
) -> Assessment:
    """One-shot form of ``Assessor``."""
    assessor = Assessor(
        key=key, path=path, limits=limits, allow_fingerprints=allow_fingerprints, reveal=reveal
    )
    for item in items:
        assessor.add(item)
    return assessor.finish()
