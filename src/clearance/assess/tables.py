"""Per-table state merged over chunks, and the table's kind: people, aggregate or other."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain

from clearance.model import (
    Candidate,
    ColumnCandidate,
    Identifier,
    Location,
    SmallCell,
    TableProfile,
    TableSummary,
    Visibility,
)

from .people import NO_NODE, Key
from .ranges import column_letter, column_of, parse_cell
from .roles import counts_names, names_officials, role_of, vocabulary
from .vocab import (
    CONTACT_DETAILS,
    CONTACT_IDS,
    EMAIL,
    FAMILY_NAME,
    GIVEN_NAME,
    MIN_QUASI_COLUMNS,
    MOSTLY_DISTINCT_SHARE,
    NAME_ENTITIES,
    ORGANISATION_ENTITIES,
    PERSON_NAME,
    PERSON_TRAITS,
    PERSONAL_IDS,
    STRONG_IDS,
    TABLE_AGGREGATE,
    TABLE_OTHER,
    TABLE_PEOPLE,
)

DEFAULT_FIRST_ROW = 2  # data usually starts under a one-row header
# Columns an office holders' table may carry beside the names: their office's contact details
# and places (a warden's facility, a field office director's address and phone).
OFFICE_DETAILS = CONTACT_DETAILS | ORGANISATION_ENTITIES
# Rows of a table whose kind is still uncertain (IDs without names: a list of people only if the
# IDs are mostly distinct) kept until the kind is known. Past this many, the kind is taken as
# settled on the rows so far, so a huge export does not hold every row's identity.
MAX_DEFERRED_ROWS = 100_000
# Single-cell hits of a table held before they are settled under the table's kind so far.
MAX_PENDING_CELLS = 100_000
# An e-mail column is an organisation's (a list of offices) and a name column a bibliography's
# when at least this share of its values are functional mailboxes / names in citation form.
ORGANISATIONAL_SHARE = 0.8


@dataclass
class ColumnStats:
    entity: str
    header: str | None
    letter: str
    identifier: Identifier
    category: str | None
    count: int = 0
    # Hashes of normalised values (people.py), up to Limits.max_tracked_people of them; ``probed``
    # counts the values offered while the set had room, so the distinct share of a huge column is
    # its share among those values (a full set over every value would read as mostly repeats).
    distinct: set[int] = field(default_factory=set)
    probed: int = 0
    # Values of an office (functional mailboxes in an e-mail column) or in citation form (a
    # name column headed "Author"): see assess/contacts.py.
    organisational: int = 0
    # Values of a name column that are one word (a given name alone): name statistics.
    single_word: int = 0

    def note_distinct(self, hashes: list[int], cap: int) -> None:
        """Add a chunk's value hashes while the set has room (bounded memory)."""
        room = cap - len(self.distinct)
        if room <= 0:
            return
        if len(hashes) > room:
            hashes = hashes[:room]  # room for at least this many new values
        self.probed += len(hashes)
        self.distinct.update(hashes)

    def distinct_share(self) -> float:
        return len(self.distinct) / self.probed if self.probed else 0.0

    def mostly_organisational(self) -> bool:
        """An e-mail column of offices' mailboxes, or a name column of cited authors."""
        return self.count > 0 and self.organisational >= ORGANISATIONAL_SHARE * self.count


@dataclass
class Deferred:
    """A row's identity, kept until the table's kind is certain (identity keys only)."""

    keys: tuple[Key | None, ...]
    kinds: tuple[str, ...]  # what each key is (PeopleIndex conflict checks)
    name: Key | None
    anchored: bool  # identified by something that never merges (a phone number)
    categories: frozenset[str]
    row: int


@dataclass
class TableState:
    key: str
    location: Location = field(default_factory=Location)
    visibility: Visibility | None = None
    rows: int = 0
    column_rows: int = 0  # rows seen through column candidates, when no profile says
    hidden_rows: int = 0
    hidden_columns: int = 0
    numeric_columns: set[int] = field(default_factory=set)
    profiled: bool = False
    # (A1 cell, count, dimensions, dimension kinds): TableProfile.small_cells + small_cell_kinds
    small_cells: list[tuple[str, int, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    columns: dict[int, ColumnStats] = field(default_factory=dict)
    pending: dict[int, list[ColumnCandidate]] = field(default_factory=dict)
    cells: dict[int, list[Candidate]] = field(default_factory=dict)  # sheet row -> cell hits
    cell_entities: set[str] = field(default_factory=set)
    first_row: int | None = None
    visibility_votes: Counter[Visibility] = field(default_factory=Counter)
    # sheet row of each chunk's first row, and that chunk's person nodes (NO_NODE where none)
    chunk_starts: list[int] = field(default_factory=list)
    chunk_sizes: list[int] = field(default_factory=list)
    chunk_nodes: list[array[int] | None] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    uncounted: int = 0  # identified rows dropped once MAX_DEFERRED_ROWS was passed
    header: tuple[str, ...] | None = None  # the profile's, when one came
    width: int = 0  # columns, as the profile counts them
    # Nodes of the second people named in rows (guardians, emergency contacts: see
    # ``second_people``); at most one per person counted, so bounded by the people limit.
    second_nodes: set[int] = field(default_factory=set)
    _second: tuple[int, dict[int, tuple[str, ...]]] | None = None

    # -- intake --------------------------------------------------------------------------
    def add_profile(self, profile: TableProfile) -> None:
        self.profiled = True
        self.location = Location(
            part=profile.location.part,
            sheet=profile.location.sheet,
            field=profile.location.field,
            members=profile.location.members,
            page=profile.location.page,  # a PDF table: the sanitizer redacts on its page and box
            bbox=profile.location.bbox,
        )
        self.visibility = profile.visibility
        if self.header is None and profile.header is not None:
            self.header = profile.header
        self.width = max(self.width, profile.columns)
        self.rows += profile.rows
        self.hidden_rows += profile.hidden_rows
        self.hidden_columns = max(self.hidden_columns, profile.hidden_columns)
        self.numeric_columns.update(profile.numeric_columns)
        kinds = profile.small_cell_kinds  # parallel to small_cells; may be shorter (or empty)
        self.small_cells.extend(
            (ref, value, dims, tuple(kinds[i]) if i < len(kinds) else ())
            for i, (ref, value, dims) in enumerate(profile.small_cells)
        )

    def add_column(self, col: ColumnCandidate) -> None:
        if not self.location.part and not self.location.sheet:
            self.location = Location(
                part=col.location.part,
                sheet=col.location.sheet,
                field=col.location.field,
                members=col.location.members,
                page=col.location.page,
                bbox=col.location.bbox,
            )
        if col.chunk == 0 and self.first_row is None:
            self.first_row = col.first_row
        vis = col.visibilities
        if vis and vis.count(vis[0]) == len(vis):  # one visibility: no per-value enum hashing
            self.visibility_votes[vis[0]] += len(vis)
        else:
            self.visibility_votes.update(vis)
        if col.column_index not in self.columns:
            letter = column_of(col.location.range) or column_letter(col.column_index + 1)
            self.columns[col.column_index] = ColumnStats(
                col.entity, col.header, letter, col.identifier, col.category
            )
        self.pending.setdefault(col.chunk, []).append(col)

    def ready_chunks(self, chunk: int) -> list[int]:
        """Chunks complete because a later chunk of the same table has started arriving."""
        return sorted(c for c in self.pending if c < chunk)

    def add_cell(self, cand: Candidate, row: int) -> None:
        self.cells.setdefault(row, []).append(cand)
        self.cell_entities.add(cand.entity)

    def sheet_row(self, cand: Candidate) -> int:
        if cand.location.row is not None:
            return cand.location.row
        base = self.first_row if self.first_row is not None else DEFAULT_FIRST_ROW
        return base + (cand.row_index or 0)

    def record_chunk(self, first_row: int, nodes: list[int], rows: int) -> None:
        """A chunk's person nodes, 8 bytes a row (none at all when no row has a node)."""
        self.chunk_starts.append(first_row)
        self.chunk_sizes.append(len(nodes))
        self.chunk_nodes.append(None if nodes.count(NO_NODE) == len(nodes) else array("q", nodes))
        self.column_rows += rows

    def _chunk_at(self, row: int) -> tuple[int, int]:
        """(chunk index, offset in it) of a sheet row; (-1, 0) when no chunk holds it."""
        i = bisect_right(self.chunk_starts, row) - 1
        if i < 0 or not 0 <= row - self.chunk_starts[i] < self.chunk_sizes[i]:
            return -1, 0
        return i, row - self.chunk_starts[i]

    def node_at(self, row: int) -> int:
        i, offset = self._chunk_at(row)
        nodes = self.chunk_nodes[i] if i >= 0 else None
        return NO_NODE if nodes is None else nodes[offset]

    # -- judgement -----------------------------------------------------------------------
    def entities(self) -> set[str]:
        return {c.entity for c in self.columns.values() if c.count > 0}

    def has_names(self) -> bool:
        ents = self.entities()
        return PERSON_NAME in ents or (GIVEN_NAME in ents and FAMILY_NAME in ents)

    def is_bibliography(self) -> bool:
        """Every name column holds cited authors ("Author": "Hernandez, M."): references to
        published works, not a list of people."""
        names = [c for c in self.columns.values() if c.entity in NAME_ENTITIES and c.count > 0]
        return bool(names) and all(c.mostly_organisational() for c in names)

    def office_mailboxes(self) -> bool:
        """An e-mail column of functional mailboxes ("press@", "foia@"): offices' contacts."""
        return any(c.entity == EMAIL and c.mostly_organisational() for c in self.columns.values())

    def is_name_statistics(self) -> bool:
        """How often given names are given ("Rank", "Name", "Count"): one column of single given
        names and nothing else personal, beside numeric columns that count or rank them (and
        perhaps a year). A column of first names beside scores, ages or any other column is
        still a list of people."""
        if self.header is None or not self.numeric_columns or self.cell_entities - NAME_ENTITIES:
            return False
        present = [(i, c) for i, c in self.columns.items() if c.count > 0]
        if len(present) != 1 or present[0][1].entity not in (PERSON_NAME, GIVEN_NAME):
            return False
        index, col = present[0]
        if col.single_word < vocabulary().single_word_share * col.count:
            return False
        verdicts = [
            counts_names(self.header[j]) if j in self.numeric_columns and j < len(self.header) else None
            for j in range(max(self.width, len(self.header)))
            if j != index
        ]
        return True in verdicts and None not in verdicts

    def is_officials_list(self) -> bool:
        """Office holders in their public role ("Court", "Judge", "Completions"): every name
        column is headed with an office ("Judge", "Commissioner") and nothing else personal is
        there, in a column or a cell."""
        if self.header is None or self.cell_entities - NAME_ENTITIES - OFFICE_DETAILS:
            return False
        present = [c for c in self.columns.values() if c.count > 0]
        names = [c for c in present if c.entity in NAME_ENTITIES]
        return (
            bool(names)
            and all(c.entity in NAME_ENTITIES | OFFICE_DETAILS for c in present)
            and all(c.mostly_organisational() for c in present if c.entity == EMAIL)  # not gmail
            and all(names_officials(c.header) for c in names)
        )

    def second_people(self) -> dict[int, tuple[str, ...]]:
        """Columns that name (or contact) a second person of each row, by column index, with
        that person's role: a name column whose header gives a role ("Guardian", "Emergency
        contact", "Spouse first name") beside the row's own name, and a phone or e-mail column
        headed with the same role ("Guardian phone"). The row's own person is named by the
        columns without a role word (by the first name column's role when every one has one).
        Empty for the usual table with one person a row."""
        if self._second is not None and self._second[0] == len(self.columns):
            return self._second[1]
        names = sorted(i for i, c in self.columns.items() if c.entity in NAME_ENTITIES)
        out: dict[int, tuple[str, ...]] = {}
        if len(names) > 1:
            roles = {i: role_of(self.columns[i].header) for i in names}
            own = () if () in roles.values() else roles[names[0]]
            out = {i: r for i, r in roles.items() if r != own}
            for i, c in self.columns.items() if out else ():
                if c.entity not in CONTACT_IDS:
                    continue
                role = role_of(c.header)
                if not role or role == own:
                    continue
                groups = set(out.values())
                if role in groups:
                    out[i] = role
                    continue
                words = {w for w in role if not w.isdigit()} - set(own)
                sharing = [g for g in groups if words.intersection(g)]
                if len(sharing) == 1:
                    out[i] = sharing[0]
        self._second = (len(self.columns), out)
        return out

    def kind(self) -> str:
        """People (rows are individuals), aggregate (counts of groups) or other."""
        if self.is_name_statistics() or self.is_officials_list():
            return TABLE_AGGREGATE
        if self.has_names() and not self.is_bibliography():
            return TABLE_PEOPLE
        organisations = bool(self.entities() & ORGANISATION_ENTITIES) or self.office_mailboxes()
        for col in self.columns.values():
            if col.entity not in PERSONAL_IDS or col.count == 0:
                continue
            if col.entity == EMAIL and col.mostly_organisational():
                continue
            if col.distinct_share() < MOSTLY_DISTINCT_SHARE:
                continue
            if col.entity in STRONG_IDS or not organisations:
                return TABLE_PEOPLE
        if self.numeric_columns and not self.entities() & (NAME_ENTITIES | PERSONAL_IDS):
            return TABLE_AGGREGATE
        return TABLE_OTHER

    def uncounted_people(self) -> bool:
        """Whether rows of this list of people were left out of the people count."""
        return self.uncounted > 0 and self.kind() == TABLE_PEOPLE

    def is_roster(self) -> bool:
        """A people table that holds nothing about its people but who they are."""
        attributes = (self.entities() | self.cell_entities) - NAME_ENTITIES
        if self.has_names():
            return not attributes
        return len(attributes) <= 1  # a bare column of IDs lists people too

    def set_node(self, row: int, node: int) -> None:
        i, offset = self._chunk_at(row)
        if i < 0:
            return
        nodes = self.chunk_nodes[i]
        if nodes is None:
            if node == NO_NODE:
                return
            nodes = self.chunk_nodes[i] = array("q", [NO_NODE]) * self.chunk_sizes[i]
        nodes[offset] = node

    def nodes(self) -> Iterator[int]:
        rows = (n for chunk in self.chunk_nodes if chunk is not None for n in chunk if n != NO_NODE)
        return chain(rows, self.second_nodes)

    def is_organisation_list(self) -> bool:
        """Facilities or offices with their details; a table whose rows also carry a person's
        sex, age or nationality is about people (deaths in custody by facility), not this."""
        ents = self.entities()
        organisations = bool(ents & ORGANISATION_ENTITIES) or self.office_mailboxes()
        return self.kind() == TABLE_OTHER and organisations and not ents & PERSON_TRAITS

    def is_microdata(self) -> bool:
        """Individual-level rows without names or IDs: several quasi-identifier columns and no
        column that counts (a year or a record number labels rows; it counts no one)."""
        quasi = [c for c in self.columns.values() if c.count > 0 and c.identifier is Identifier.QUASI]
        return (
            self.kind() == TABLE_OTHER
            and not self.numeric_columns
            and not self.is_organisation_list()
            and len({c.entity for c in quasi}) >= MIN_QUASI_COLUMNS
        )

    def microdata_categories(self) -> set[str]:
        """Special categories of a microdata table's columns ("Cause of death": health)."""
        if not self.is_microdata():
            return set()
        return {
            c.category
            for c in self.columns.values()
            if c.count > 0 and c.category and c.identifier is Identifier.CATEGORY
        }

    def table_visibility(self) -> Visibility:
        if self.visibility is not None:
            return self.visibility
        if self.visibility_votes:
            return self.visibility_votes.most_common(1)[0][0]
        return Visibility.VISIBLE

    def summary(self, people: int) -> TableSummary:
        cols = tuple((c.header or c.letter, c.entity) for _, c in sorted(self.columns.items()) if c.count > 0)
        return TableSummary(
            key=self.key,
            location=self.location,
            visibility=self.table_visibility(),
            rows=self.rows if self.profiled else self.column_rows,
            kind=self.kind(),
            columns=cols,
            people=people,
            hidden_rows=self.hidden_rows,
            hidden_columns=self.hidden_columns,
        )

    def small_cell_list(self) -> list[SmallCell]:
        if self.kind() != TABLE_AGGREGATE:
            return []
        out = []
        for ref, value, dims, kinds in self.small_cells:
            cell = parse_cell(ref)
            loc = Location(
                part=self.location.part,
                sheet=self.location.sheet,
                range=ref,
                row=cell[1] if cell else None,
                members=self.location.members,
            )
            out.append(SmallCell(loc, value, tuple(dims), self.table_visibility(), dimension_kinds=kinds))
        return out
