"""Candidates -> Assessment, streaming: items arrive chunk by chunk, raw values leave early.

Tables are assessed a column at a time, never a cell at a time: each column of a chunk is
normalised in one pass (``normalise_many``), people are keyed by Python hashes of normalised
values (in memory only, see people.py) and each finding gets one keyed fingerprint when it is
built. The keyed HMAC runs only for what leaves the process (finding fingerprints) and for the
allow-list, once per distinct value and only when an allow-list is configured.

Raw values are held only for the chunk being read (a table's column candidates until the next
chunk of that table starts) and for prose hits until ``finish``. What survives a chunk is
identity hashes, each finding's distinct normalised values (for its fingerprint, in memory
only), masked samples and counts. Revealed raw values are kept only when ``reveal`` was asked
for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import compress, repeat
from operator import is_not

from clearance.config.schema import Limits
from clearance.fingerprint import normalise, normalise_many, normalised_fingerprint
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

from .contacts import is_author_header, is_citation_name, is_functional_mailbox
from .findings import Group, GroupKey, Origin
from .people import NO_NODE, Key, PeopleIndex, identity_key, name_identity_key
from .ranges import column_of, is_row_span
from .segments import SHORT_DOCUMENT_SEGMENTS, Person, SegmentPlan, plan, plan_document
from .tables import MAX_DEFERRED_ROWS, MAX_PENDING_CELLS, ColumnStats, Deferred, TableState
from .vocab import (
    AUTHOR_ROLES,
    CONTACT_DETAILS,
    DATE_OF_BIRTH,
    EMAIL,
    FAMILY_NAME,
    GIVEN_NAME,
    KIND_MENTION,
    KIND_ORDER,
    KIND_QUASI,
    KIND_RECORD,
    KIND_ROSTER,
    MERGE_IDS,
    NAME_ENTITIES,
    PERSON_NAME,
    PERSONAL_IDS,
    PLACEHOLDER_NAMES,
    PUBLIC_ROLE,
    TABLE_AGGREGATE,
    TABLE_PEOPLE,
)

Item = Candidate | ColumnCandidate | TableProfile | Note
# Prose candidates held before a long document's segments are planned (see Assessor.add).
MAX_PENDING_CANDIDATES = 100_000
# Names of people mentioned in prose remembered for the "names-in-prose" note's count.
MAX_NAMES_NOTED = 100_000
# Identity-key tags (people.identity_key): personal ID, name + date of birth.
_ID, _NAME_DOB = "I", "D"
_DOB_KIND = "dob"  # PeopleIndex kind of the (name, date of birth) key
_SECOND = "second"  # tag of a second person's records (assess/roles.py)


@dataclass(frozen=True)
class _Identity:
    keys: tuple[Key, ...]  # strong keys: merge records anywhere
    kinds: tuple[str, ...]  # what each key is, for conflict checks
    name: Key | None  # merges only across sources
    anchored: bool  # identifies without a mergeable key (a phone number, an "Unknown" name)


@dataclass
class _RowKeys:
    """Identity of a chunk's rows, by column (see ``Assessor._row_keys``)."""

    key_columns: list[list[Key | None]]
    kinds: tuple[str, ...]
    names: list[Key | None]
    anchored: list[bool] | None


@dataclass
class _Cells:
    """One column of one chunk: its present, not allow-listed values, normalised."""

    col: ColumnCandidate
    stats: ColumnStats
    rows: list[int] | None  # offset in the chunk of each value; None: values[i] is row i
    values: Sequence[str]
    norms: list[str]

    def row_list(self) -> list[int]:
        return list(range(len(self.values))) if self.rows is None else self.rows

    def keep(self, positions: list[int]) -> int:
        """Keep only the values at ``positions``; returns how many were dropped."""
        rows = self.row_list()
        dropped = len(self.values) - len(positions)
        self.rows = [rows[j] for j in positions]
        self.values = [self.values[j] for j in positions]
        self.norms = [self.norms[j] for j in positions]
        return dropped

    def aligned(self, n: int) -> list[str | None]:
        """Normalised values by chunk row, None where the row has none."""
        if self.rows is None:
            return self.norms + [None] * (n - len(self.norms))
        out: list[str | None] = [None] * n
        for r, v in zip(self.rows, self.norms):
            out[r] = v
        return out


def _present(entity: str, values: Sequence[str | None]) -> tuple[list[int] | None, Sequence[str], list[str]]:
    """Offsets, values and normal forms of a column's non-blank cells (offsets None: all of them).

    A blank cell normalises to the entity's blank form, so a column whose normal forms hold
    none of it (nearly every column) needs no per-cell check; a column that does is checked
    exactly (a value like "---" also normalises to it, and stays a value).
    """
    rows: list[int] | None = None
    present: Sequence[str] = values  # type: ignore[assignment]
    if None in values or "" in values:  # empty cells: keep the rest, at C speed
        rows = list(compress(range(len(values)), values))
        present = [values[i] for i in rows]  # type: ignore[misc]
    norms = normalise_many(entity, present)
    if _blank(entity) not in norms:
        return rows, present, norms
    keep = [j for j, v in enumerate(present) if not v.isspace()]  # whitespace-only cells
    all_rows = rows if rows is not None else range(len(present))
    return [all_rows[j] for j in keep], [present[j] for j in keep], [norms[j] for j in keep]


@lru_cache(maxsize=64)
def _blank(entity: str) -> str:
    return normalise(entity, " ")


def _first(columns: list[list[str | None]], n: int) -> list[str | None]:
    """Per row, the first column's value that is present."""
    if not columns:
        return [None] * n
    out = columns[0]
    for more in columns[1:]:
        out = [a if a is not None else b for a, b in zip(out, more)]
    return out


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
        self._mentioned: set[str] = set()  # up to MAX_NAMES_NOTED
        # Organisations' contact details in prose (functional mailboxes, office phones), as
        # identity hashes of their normal forms: up to MAX_NAMES_NOTED.
        self._contacts: set[int] = set()
        self._prose_pending = 0  # candidates in _segments
        self._long_document = False  # prose was planned early (see add)
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
            self._prose_pending += 1
            if self._prose_pending > MAX_PENDING_CANDIDATES and len(self._segments) > SHORT_DOCUMENT_SEGMENTS:
                # Far too long to be a letter about one person (no pairing across paragraphs):
                # the segments so far are planned now rather than all held to the end.
                self._long_document = True
                self._prose()

    def _table(self, key: str) -> TableState:
        if key not in self._tables:
            self._tables[key] = TableState(key)
        return self._tables[key]

    def _flush_before(self, table: TableState, chunk: int) -> None:
        for done in table.ready_chunks(chunk):
            self._flush(table, done)

    # -- helpers -------------------------------------------------------------------------
    def _allowed_value(self, entity: str, value: str) -> bool:
        return bool(self._allow) and self._allowed_norms(entity, (normalise(entity, value),)) != set()

    def _allowed_norms(self, entity: str, norms: Iterable[str]) -> set[str]:
        """Which of these normalised values are allow-listed: one HMAC per distinct value."""
        if not self._allow:
            return set()
        return {v for v in set(norms) if normalised_fingerprint(self._key, entity, v) in self._allow}

    def _group(self, origin: Origin, col: ColumnCandidate, visibility: Visibility, letter: str) -> Group:
        gkey: GroupKey = (
            col.rule,
            col.entity,
            visibility,
            col.location.part,
            col.location.sheet,
            letter,
            origin,
            "cell",
        )
        group = self._groups.get(gkey)
        if group is None:
            loc = col.location
            base = Location(
                part=loc.part,
                sheet=loc.sheet,
                field=loc.field,
                members=loc.members,
                page=loc.page,
                bbox=loc.bbox,
            )
            if is_row_span(loc.range):  # a transposed table: the values run along a row
                base = replace(base, range=loc.range)
                letter = ""
            group = Group(col.rule, col.entity, visibility, base, letter, col.identifier, "cell")
            self._groups[gkey] = group
        return group

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
            normalised=normalise(entity, value),
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
    ) -> _Identity:
        """Identity of one record (the per-record twin of ``_row_keys``'s column-wise keys)."""
        keys: list[Key] = []
        kinds: list[str] = []
        anchored = False
        for e, v in ids:
            if e in MERGE_IDS:
                keys.append(identity_key(_ID, e, normalise(e, v)))
                kinds.append(e)
            else:
                anchored = True  # a phone number: it identifies, but households share one
        name_norm = normalise(PERSON_NAME, name) if name else ""
        name_key = name_identity_key(name_norm) if name_norm else None
        if name_norm in PLACEHOLDER_NAMES:
            name_key, anchored = None, True
        if name_key is not None and dob:
            keys.append(identity_key(_NAME_DOB, name_norm, normalise(DATE_OF_BIRTH, dob)))
            kinds.append(_DOB_KIND)
        return _Identity(tuple(keys), tuple(kinds), name_key, anchored)

    def _count(self, node: int, categories: Iterable[str]) -> None:
        for cat in categories:
            if node == NO_NODE:
                self._category_unlinked[cat] += 1
            else:
                self._category_nodes[cat].append(node)

    # -- tables --------------------------------------------------------------------------
    def _flush(self, table: TableState, chunk: int) -> None:
        """One chunk of a table, a column at a time: no per-cell function calls on the way."""
        cols = table.pending.pop(chunk)
        first_row = min(c.first_row for c in cols)
        n = max(len(c.values) for c in cols)
        origin: Origin = ("table", table.key)
        cells: list[_Cells] = []
        for col in cols:
            rows, values, norms = _present(col.entity, col.values)
            cells.append(_Cells(col, table.columns[col.column_index], rows, values, norms))
        if self._allow:
            self._drop_allowed(cells, n)
        for c in cells:
            self._column_findings(origin, c, first_row)
        second = table.second_people()
        groups: dict[tuple[str, ...], list[_Cells]] = defaultdict(list)
        if second:
            for c in cells:
                role = second.get(c.col.column_index)
                if role is not None:
                    groups[role].append(c)
            ident = self._row_keys([c for c in cells if c.col.column_index not in second], n)
        else:
            ident = self._row_keys(cells, n)
        categories: dict[str, list[_Cells]] = defaultdict(list)
        for c in cells:
            if c.col.category and c.values:
                categories[c.col.category].append(c)
        nodes = [NO_NODE] * n
        if ident is None:  # no column names anyone: nothing to count
            pass
        elif table.kind() == TABLE_PEOPLE:
            nodes = self._people.add_many(
                ident.key_columns, ident.names, source=table.key, kinds=ident.kinds, anchored=ident.anchored
            )
            # past the limit, rows with keys may have no node
            keyed = [node != NO_NODE for node in nodes] if self._people.exact else _identified_rows(ident, n)
            for cat, cat_cells in categories.items():
                found = [nodes[i] for i in _rows_of(cat_cells, n) if keyed[i]]
                linked = [node for node in found if node != NO_NODE]
                self._category_nodes[cat].extend(linked)
                self._category_unlinked[cat] += len(found) - len(linked)
            for group in groups.values():
                self._second_people(table, group, ident.names, n)
        elif len(table.deferred) + n > MAX_DEFERRED_ROWS or table.uncounted:
            # The kind stayed uncertain over many rows: it is taken as settled (not people), and
            # rows are no longer kept for a change of mind. Should it still change, the people
            # these rows identify are left out and the count says "at least" (see finish).
            table.uncounted += len(table.deferred) + _identified_rows(ident, n).count(True)
            table.deferred.clear()
        else:  # kind not certain yet (distinct IDs may still prove it a list of people)
            cat_rows = {cat: set(_rows_of(cat_cells, n)) for cat, cat_cells in categories.items()}
            rows = zip(*ident.key_columns) if ident.key_columns else repeat(())
            for i, (ks, has) in enumerate(zip(rows, _identified_rows(ident, n))):
                if has:
                    cats = frozenset(cat for cat, rows in cat_rows.items() if i in rows)
                    anchored = bool(ident.anchored and ident.anchored[i])
                    table.deferred.append(
                        Deferred(ks, ident.kinds, ident.names[i], anchored, cats, first_row + i)
                    )
        table.record_chunk(first_row, nodes, n)
        if len(table.cells.get(-1, ())) > MAX_PENDING_CELLS:
            # A huge table's single-cell hits (a free-text column) are not all held to the end:
            # they go now, under the kind the table has so far.
            self._settle_cells(table)

    def _second_people(self, table: TableState, cells: list[_Cells], own: list[Key | None], n: int) -> None:
        """The second person each row names (a guardian, an emergency contact: one role's
        columns), counted as people of their own. A row whose second name is its own person's
        ("Contact name" repeating "Name") adds no one; a row without a second name adds no one
        (a blank or "N/A" guardian is no person). The same second person in several rows of
        the table (one guardian of two pupils) is one: a key scoped to the table merges them,
        and the name alone may still meet the same person elsewhere in the file."""
        ident = self._row_keys(cells, n)
        if ident is None:
            return
        names = [None if k == o else k for k, o in zip(ident.names, own)]
        if names.count(None) == n:
            return
        scope = hash((_SECOND, table.key))
        key_columns = [
            [k if v is not None else None for k, v in zip(column, names)] for column in ident.key_columns
        ]
        key_columns.append([hash((scope, v)) if v is not None else None for v in names])
        kinds = (*ident.kinds, f"{_SECOND}:{table.key}")  # never the kind of another table's
        nodes = self._people.add_many(key_columns, names, source=(table.key, _SECOND), kinds=kinds)
        table.second_nodes.update(nodes)
        table.second_nodes.discard(NO_NODE)

    def _drop_allowed(self, cells: list[_Cells], n: int) -> None:
        """Leave allow-listed values out: split-column names of staff first, then single values."""
        split = [c for c in cells if c.col.entity in (GIVEN_NAME, FAMILY_NAME)]
        if split:
            raw: list[list[str | None]] = []
            for c in sorted(split, key=lambda c: c.col.entity != GIVEN_NAME):  # given, then family
                by_row: list[str | None] = [None] * n
                for r, v in zip(c.row_list(), c.values):
                    by_row[r] = v
                raw.append(by_row)
            joined = {i: " ".join(v for v in parts if v is not None) for i, parts in enumerate(zip(*raw))}
            joined = {i: j for i, j in joined.items() if j}
            norms = dict(zip(joined, normalise_many(PERSON_NAME, list(joined.values()))))
            allowed = self._allowed_norms(PERSON_NAME, norms.values())
            staff = {i for i, norm in norms.items() if norm in allowed}
            if staff:
                for c in cells:
                    if c.col.entity in NAME_ENTITIES:
                        rows = c.row_list()
                        self._allowed += c.keep([j for j, r in enumerate(rows) if r not in staff])
        for c in cells:
            allowed = self._allowed_norms(c.col.entity, c.norms)
            if allowed:
                self._allowed += c.keep([j for j, v in enumerate(c.norms) if v not in allowed])

    def _column_findings(self, origin: Origin, c: _Cells, first_row: int) -> None:
        """Count the column, note its distinct IDs, and add its values to their findings."""
        col, stats = c.col, c.stats
        if not c.values:
            return
        stats.count += len(c.values)
        if col.entity in PERSONAL_IDS:
            stats.note_distinct(list(map(hash, c.norms)), self._limits.max_tracked_people)
        if col.entity in (PERSON_NAME, GIVEN_NAME):  # name statistics (TableState)
            stats.single_word += len(c.norms) - sum(map(str.__contains__, c.norms, repeat(" ")))
        if col.entity == EMAIL:
            stats.organisational += sum(map(is_functional_mailbox, c.values))
        elif col.entity in NAME_ENTITIES and is_author_header(col.header):
            stats.organisational += sum(map(is_citation_name, c.values))
        vis = col.visibilities
        uniform = not vis or (
            vis.count(vis[0]) == len(vis) and (len(vis) >= len(col.values) or vis[0] is Visibility.VISIBLE)
        )
        if uniform:
            rows = c.row_list() if c.rows is not None else None
            first = first_row + (rows[0] if rows else 0)
            last = first_row + (rows[-1] if rows else len(c.values) - 1)
            self._group(origin, col, vis[0] if vis else Visibility.VISIBLE, stats.letter).add_column(
                values=c.values,
                normalised=c.norms,
                score=col.score,
                first_row=first,
                last_row=last,
                reveal=self._reveal,
                category=col.category,
            )
            return
        parts: dict[Visibility, list[int]] = {}
        for j, r in enumerate(c.row_list()):
            parts.setdefault(vis[r] if r < len(vis) else Visibility.VISIBLE, []).append(j)
        rows = c.row_list()
        for visibility, positions in parts.items():
            self._group(origin, col, visibility, stats.letter).add_column(
                values=[c.values[j] for j in positions],
                normalised=[c.norms[j] for j in positions],
                score=col.score,
                first_row=first_row + rows[positions[0]],
                last_row=first_row + rows[positions[-1]],
                reveal=self._reveal,
                category=col.category,
            )

    def _row_keys(self, cells: list[_Cells], n: int) -> _RowKeys | None:
        """Identity of each row, by column: strong keys (IDs issued to one person, name + date
        of birth), the name key and whether a row is identified by something that never merges
        (a phone number, a placeholder name). None when no column identifies anyone.

        The column-wise twin of ``_identity``: the same tags over the same normal forms, so a
        person in a table and in prose meet. A row's name is, in order of preference: its given
        and family names together, a person-name column whose header said so, any person-name
        column (a "middle_name" column classified by its values comes after those), a given or
        family name alone.
        """
        key_columns: list[list[Key | None]] = []
        kinds: list[str] = []
        anchors: list[list[str | None]] = []
        for c in cells:
            if c.col.entity not in PERSONAL_IDS or not c.values:
                continue
            e = c.col.entity
            if e not in MERGE_IDS:
                anchors.append(c.aligned(n))
                continue
            kinds.append(e)
            if c.rows is None and len(c.norms) == n:  # identity_key, inlined as a C-speed map
                key_columns.append(list(map(hash, zip(repeat(_ID), repeat(e), c.norms))))
            else:
                ids: list[Key | None] = [None] * n
                for r, v in zip(c.row_list(), c.norms):
                    ids[r] = hash((_ID, e, v))
                key_columns.append(ids)
        names = _row_names(cells, n)
        anchored: list[bool] | None = None
        if anchors:
            anchored = list(map(is_not, _first(anchors, n), repeat(None)))
        if not PLACEHOLDER_NAMES.isdisjoint(names):  # "Unknown": a record, but no name to match
            anchored = anchored or [False] * n
            for i, v in enumerate(names):
                if v in PLACEHOLDER_NAMES:
                    names[i] = None
                    anchored[i] = True
        dense = None not in names and "" not in names
        if dense:  # every row named: C-speed maps, no per-row Python
            name_keys: list[Key | None] = list(map(hash, names))  # name_identity_key, inlined
        else:
            name_keys = [hash(v) if v else None for v in names]
        dob_columns = [c.aligned(n) for c in cells if c.col.entity == DATE_OF_BIRTH and c.values]
        if dob_columns and (dense or name_keys.count(None) != n):
            dobs = _first(dob_columns, n)
            if dense and None not in dobs:
                key_columns.append(list(map(hash, zip(repeat(_NAME_DOB), names, dobs))))
            else:
                key_columns.append(
                    [hash((_NAME_DOB, v, d)) if v and d is not None else None for v, d in zip(names, dobs)]
                )
            kinds.append(_DOB_KIND)
        if not key_columns and name_keys.count(None) == n and not (anchored and any(anchored)):
            return None
        return _RowKeys(key_columns, tuple(kinds), name_keys, anchored)

    def _settle_table(self, table: TableState) -> None:
        for chunk in sorted(table.pending):
            self._flush(table, chunk)
        self._settle_cells(table)  # resolves deferred rows first when the table lists people
        table.deferred.clear()  # otherwise they identify no one

    def _resolve_deferred(self, table: TableState) -> None:
        """Rows kept while the kind was uncertain, now that the table lists people."""
        for d in table.deferred:
            node = self._people.add(d.keys, name=d.name, source=table.key, kinds=d.kinds, anchored=d.anchored)
            table.set_node(d.row, node)
            self._count(node, d.categories)
        table.deferred.clear()

    def _settle_cells(self, table: TableState) -> None:
        """The table's single-cell hits so far, as records of its people or as prose."""
        if table.kind() == TABLE_PEOPLE:
            self._resolve_deferred(table)  # their rows' nodes first
        by_row: dict[int, list[Candidate]] = defaultdict(list)
        for cand in table.cells.pop(-1, []):
            by_row[table.sheet_row(cand)].append(cand)
        if table.kind() == TABLE_PEOPLE:
            self._people_cells(table, by_row)
        else:
            for cands in by_row.values():
                self._segment(cands, table_cells=True, source=("cells", table.key))

    def _people_cells(self, table: TableState, by_row: dict[int, list[Candidate]]) -> None:
        origin: Origin = ("table", table.key)
        for row, cands in by_row.items():
            node = table.node_at(row)
            for cand in cands:
                if self._allowed_value(cand.entity, cand.value):
                    self._allowed += 1
                    continue
                if cand.entity in MERGE_IDS:
                    ident = self._identity(None, [(cand.entity, cand.value)], None)
                    node = self._people.link(node, self._people.add(ident.keys, kinds=ident.kinds))
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
    def _segment(self, cands: list[Candidate], *, table_cells: bool = False, source: Hashable = None) -> None:
        kept = self._keep(cands)
        if kept:
            self._apply(kept, plan(kept), table_cells=table_cells, source=source)

    def _prose(self) -> None:
        """Every prose segment of the file, planned together (short documents pair a name in
        one paragraph with details in another: segments.plan_document)."""
        segments = [(("text", *where), self._keep(cands)) for where, cands in self._segments.items()]
        segments = [(source, kept) for source, kept in segments if kept]
        self._segments.clear()
        self._prose_pending = 0
        # A file that lists people in tables (a PDF list of deaths with a few stray text blocks) is
        # not a letter: its prose is not paired across paragraphs.
        letter = not self._long_document and not any(t.kind() == TABLE_PEOPLE for t in self._tables.values())
        plans = plan_document([kept for _, kept in segments], pair=letter)
        for (source, kept), seg in zip(segments, plans):
            self._apply(kept, seg, source=source)

    def _keep(self, cands: list[Candidate]) -> list[Candidate]:
        """Candidates that may describe someone: authors and allow-listed values left out."""
        kept = []
        for cand in cands:
            if cand.role in AUTHOR_ROLES:
                if cand.entity in NAME_ENTITIES:
                    self._authors.add(normalise(PERSON_NAME, cand.value))
                continue
            if cand.entity != PUBLIC_ROLE and self._allowed_value(cand.entity, cand.value):
                self._allowed += 1
                continue
            kept.append(cand)
        return kept

    def _apply(
        self, kept: list[Candidate], seg: SegmentPlan, *, table_cells: bool = False, source: Hashable = None
    ) -> None:
        for i, person in enumerate(seg.people):
            # In prose the same name twice is one person (a letter repeats its subject's name),
            # so each person found is a source of its own; cells of one table share theirs.
            self._count(self._add_person(person, source if table_cells else (source, i)), seg.categories)
        for cand, kind in zip(kept, seg.kinds):
            if kind is None:
                continue
            if (
                kind == KIND_MENTION
                and cand.entity in NAME_ENTITIES
                and len(self._mentioned) < MAX_NAMES_NOTED
            ):
                self._mentioned.add(normalise(PERSON_NAME, cand.value))
            elif (
                kind == KIND_MENTION
                and cand.entity in CONTACT_DETAILS
                and len(self._contacts) < MAX_NAMES_NOTED
            ):
                self._contacts.add(hash((cand.entity, normalise(cand.entity, cand.value))))
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

    def _add_person(self, person: Person, source: Hashable) -> int:
        ident = self._identity(person.name, person.ids, person.dob)
        return self._people.add(
            ident.keys, name=ident.name, source=source, kinds=ident.kinds, anchored=ident.anchored
        )

    # -- result --------------------------------------------------------------------------
    def finish(self) -> Assessment:
        if self._finished is not None:
            return self._finished
        for table in self._tables.values():
            self._settle_table(table)
        self._prose()
        self._people.settle()
        findings = self._findings()
        tables = tuple(t.summary(self._people.distinct(t.nodes())) for t in self._tables.values())
        small_cells = tuple(c for t in self._tables.values() for c in t.small_cell_list())
        # A category of individual-level rows without names (a "Cause of death" column) describes
        # people no one identified: it is listed with 0 people, which policy reviews, not blocks.
        unnamed = {cat for t in self._tables.values() for cat in t.microdata_categories()}
        category_people = {
            cat: self._people.distinct(self._category_nodes.get(cat, ()))
            + self._category_unlinked.get(cat, 0)
            for cat in sorted(set(self._category_nodes) | set(self._category_unlinked) | unnamed)
        }
        by_vis: dict[str, set[str]] = defaultdict(set)
        for f in findings:
            if f.kind != KIND_MENTION:
                by_vis[f.visibility.value].add(f.entity)
        self._finished = Assessment(
            findings=findings,
            people=self._people.distinct(),
            people_exact=self._people.exact and not any(t.uncounted_people() for t in self._tables.values()),
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
                out.append(group.build(self._key, self._path, origin[1]))
                continue
            table = self._tables[origin[1]]
            if table.kind() == TABLE_PEOPLE:
                out.append(
                    group.build(self._key, self._path, KIND_ROSTER if table.is_roster() else KIND_RECORD)
                )
            elif table.is_microdata() and group.identifier in (Identifier.QUASI, Identifier.CATEGORY):
                out.append(group.build(self._key, self._path, KIND_QUASI))
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
                    f"Text names {'at least ' if n >= MAX_NAMES_NOTED else ''}{_people(n)} without "
                    "identifying details "
                    "(e.g. staff or officials); not personal records",
                )
            )
        if self._contacts:
            n = len(self._contacts)
            notes.append(
                Note(
                    "organisation-contacts",
                    f"Text gives {n:,} contact detail{'s' if n != 1 else ''} of an office "
                    "(functional mailbox, or the phone or address given with it or with an "
                    "official); not personal records",
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
            if table.kind() == TABLE_AGGREGATE and table.is_name_statistics():
                notes.append(
                    Note(
                        "aggregate-table",
                        f"{where} holds statistics about names ({rows:,} rows: given names with "
                        "their counts or ranks); no individual records",
                        table.location,
                    )
                )
            elif table.kind() == TABLE_AGGREGATE and table.is_officials_list():
                notes.append(
                    Note(
                        "officials-table",
                        f"{where} lists office holders by their title ({rows:,} rows, e.g. judges); "
                        "not private individuals' records",
                        table.location,
                    )
                )
            elif table.kind() == TABLE_AGGREGATE:
                notes.append(
                    Note(
                        "aggregate-table",
                        f"{where} holds aggregate statistics ({rows:,} rows); no individual records",
                        table.location,
                    )
                )
            elif table.is_bibliography():
                notes.append(
                    Note(
                        "bibliography",
                        f"{where} lists cited works and their authors ({rows:,} rows); not personal records",
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
        for table in self._tables.values():
            if table.uncounted_people():
                notes.append(
                    Note(
                        "people-limit",
                        f"{_where(table)}: {table.uncounted:,} rows were read before the table "
                        f"proved to list people and are not in the count (past "
                        f"{MAX_DEFERRED_ROWS:,} rows); the file holds at least the people reported",
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


def _row_names(cells: list[_Cells], n: int) -> list[str | None]:
    """Per row, the normalised name that identifies it (see ``Assessor._row_keys``)."""
    person = [c for c in cells if c.col.entity == PERSON_NAME and c.values]
    person.sort(key=lambda c: c.col.evidence == "values")  # header-confirmed columns first
    given = [c.aligned(n) for c in cells if c.col.entity == GIVEN_NAME and c.values]
    family = [c.aligned(n) for c in cells if c.col.entity == FAMILY_NAME and c.values]
    layers: list[list[str | None]] = []
    if given and family:  # the name is their tokens together, sorted (as person-name normalises)
        layers.append(
            [
                " ".join(sorted(f"{g} {f}".split())) if g is not None and f is not None else None
                for g, f in zip(_first(given, n), _first(family, n))
            ]
        )
    layers.extend(c.aligned(n) for c in person)
    layers.extend(given + family)
    return _first(layers, n)


def _identified_rows(ident: _RowKeys, n: int) -> list[bool]:
    """Rows that carry any key, a name or an anchor."""
    out = [k is not None for k in ident.names]
    for column in ident.key_columns:
        out = [a or k is not None for a, k in zip(out, column)]
    if ident.anchored:
        out = [a or b for a, b in zip(out, ident.anchored)]
    return out


def _rows_of(cells: list[_Cells], n: int) -> Iterable[int]:
    """Chunk rows where at least one of these columns has a value, in order."""
    if any(c.rows is None and len(c.values) == n for c in cells):
        return range(n)
    return sorted({r for c in cells for r in c.row_list()})


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
