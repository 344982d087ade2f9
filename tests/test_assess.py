"""assess: tables, distinct people across parts, findings, notes, allow-list, small cells."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from clearance.assess import Assessor, assess
from clearance.config.schema import Limits
from clearance.fingerprint import value_fingerprint
from clearance.model import (
    Assessment,
    Candidate,
    ColumnCandidate,
    Identifier,
    Location,
    Note,
    TableProfile,
    Visibility,
)

KEY = b"test-key"
V = Visibility
IDENT = {
    "date-of-birth": Identifier.QUASI,
    "nationality": Identifier.QUASI,
    "detention-facility": Identifier.QUASI,
    "case-status": Identifier.CATEGORY,
}


def column(
    entity: str,
    values: Sequence[str | None],
    *,
    table: str,
    index: int,
    sheet: str | None,
    part: str,
    vis: Visibility = V.VISIBLE,
    first_row: int = 2,
    chunk: int = 0,
    category: str | None = None,
    header: str | None = None,
) -> ColumnCandidate:
    letter = "ABCDEFGH"[index]
    return ColumnCandidate(
        rule=entity,
        entity=entity,
        score=0.9,
        table_key=table,
        column_index=index,
        header=header or entity,
        evidence="header+values",
        identifier=IDENT.get(entity, Identifier.DIRECT),
        values=tuple(values),
        first_row=first_row,
        location=Location(
            part=part, sheet=sheet, range=f"{letter}{first_row}:{letter}{first_row + len(values) - 1}"
        ),
        visibilities=(vis,) * len(values),
        category=category,
        chunk=chunk,
    )


def profile(
    table: str,
    *,
    sheet: str | None,
    part: str,
    rows: int,
    vis: Visibility = V.VISIBLE,
    numeric: tuple[int, ...] = (),
    labels: tuple[int, ...] = (0,),
    chunk: int = 0,
    small: tuple[tuple[str, int, tuple[str, ...]], ...] = (),
) -> TableProfile:
    return TableProfile(
        table_key=table,
        location=Location(part=part, sheet=sheet),
        visibility=vis,
        rows=rows,
        columns=4,
        header=None,
        numeric_columns=numeric,
        label_columns=labels,
        small_cells=small,
        chunk=chunk,
    )


def text_hit(
    entity: str,
    value: str,
    *,
    where: Location,
    vis: Visibility = V.VISIBLE,
    role: str = "text",
    start: int = 0,
    category: str | None = None,
) -> Candidate:
    return Candidate(
        rule=entity,
        entity=entity,
        value=value,
        score=0.8,
        location=where,
        visibility=vis,
        identifier=IDENT.get(entity, Identifier.DIRECT),
        role=role,
        start=start,
        category=category,
    )


NAMES = ["Maria Garcia Lopez", "Ahmed Khan", "Li Wei", "Ana Souza", "John Okafor"]
A_NUMBERS = ["A012345678", "A023456789", "A034567890", "A045678901", "A056789012"]
DOBS = ["1987-03-15", "1990-07-01", "1979-12-31", "2001-02-03", "1965-10-10"]


def detainee_table(
    table: str,
    sheet: str | None,
    part: str,
    vis: Visibility,
    *,
    names=NAMES,
    with_dob: bool = True,
    with_anum: bool = True,
) -> list:
    items: list = [column("person-name", names, table=table, index=0, sheet=sheet, part=part, vis=vis)]
    if with_anum:
        items.append(column("a-number", A_NUMBERS, table=table, index=1, sheet=sheet, part=part, vis=vis))
    if with_dob:
        items.append(column("date-of-birth", DOBS, table=table, index=2, sheet=sheet, part=part, vis=vis))
    items.append(
        column(
            "case-status",
            ["Credible fear"] * 5,
            table=table,
            index=3,
            sheet=sheet,
            part=part,
            vis=vis,
            category="asylum-immigration",
        )
    )
    items.append(profile(table, sheet=sheet, part=part, rows=5, vis=vis))
    return items


def run(items, **kw) -> Assessment:
    return assess(items, key=KEY, path="FY23.xlsx", limits=kw.pop("limits", Limits()), **kw)


def test_same_people_in_visible_hidden_and_pivot_cache_count_once() -> None:
    # a reordered spelling in the hidden sheet; the pivot cache has names only (no DOB, no A-number)
    hidden_names = ["GARCIA LOPEZ, Maria", "KHAN, Ahmed", "WEI, Li", "SOUZA, Ana", "OKAFOR, John"]
    items = (
        detainee_table("s1", "Summary", "xl/worksheets/sheet1.xml", V.VISIBLE)
        + detainee_table(
            "s3", "Detainees", "xl/worksheets/sheet3.xml", V.HIDDEN_SHEET, names=hidden_names, with_anum=False
        )
        + detainee_table(
            "pc", None, "xl/pivotCache/pivotCacheRecords1.xml", V.PIVOT_CACHE, with_dob=False, with_anum=False
        )
    )
    a = run(items)
    assert a.people == 5 and a.people_exact
    assert {t.key: t.people for t in a.tables} == {"s1": 5, "s3": 5, "pc": 5}
    assert {t.kind for t in a.tables} == {"people"}
    assert a.categories == ("asylum-immigration",)
    assert a.category_people == {"asylum-immigration": 5}
    names = [f for f in a.findings if f.entity == "person-name"]
    assert [(f.visibility, f.location.range, f.count) for f in names] == [
        (V.VISIBLE, "A2:A6", 5),
        (V.HIDDEN_SHEET, "A2:A6", 5),
        (V.PIVOT_CACHE, "A2:A6", 5),
    ]
    assert all(f.kind == "record" for f in a.findings)
    assert a.entities_by_visibility["hidden-sheet"] == ("case-status", "date-of-birth", "person-name")


def test_different_people_with_the_same_name_are_two() -> None:
    part = "xl/worksheets/sheet1.xml"
    a = run(
        [
            column("person-name", ["Li Wei", "Li Wei"], table="t", index=0, sheet="S", part=part),
            column("date-of-birth", ["1980-01-01", "1991-05-05"], table="t", index=1, sheet="S", part=part),
        ]
    )
    assert a.people == 2


def test_given_and_family_columns_join_into_one_person() -> None:
    part = "xl/worksheets/sheet1.xml"
    items = [
        column("given-name", ["Maria", "Ahmed"], table="t", index=0, sheet="Split", part=part),
        column("family-name", ["Garcia Lopez", "Khan"], table="t", index=1, sheet="Split", part=part),
        column("date-of-birth", ["03/15/1987", "07/01/1990"], table="t", index=2, sheet="Split", part=part),
        column("person-name", ["GARCIA LOPEZ, Maria"], table="u", index=0, sheet="Full", part="p2"),
        column("date-of-birth", ["1987-03-15"], table="u", index=1, sheet="Full", part="p2"),
    ]
    a = run(items)
    assert a.people == 2
    split = next(t for t in a.tables if t.key == "t")
    assert split.kind == "people" and split.people == 2
    assert split.columns == (
        ("given-name", "given-name"),
        ("family-name", "family-name"),
        ("date-of-birth", "date-of-birth"),
    )


def test_chunks_of_one_table_merge() -> None:
    part = "xl/worksheets/sheet1.xml"
    items = [
        column("person-name", NAMES[:3], table="t", index=0, sheet="S", part=part, first_row=2, chunk=0),
        profile("t", sheet="S", part=part, rows=3, chunk=0),
        column(
            "person-name",
            [*NAMES[3:], "Maria Garcia Lopez"],
            table="t",
            index=0,
            sheet="S",
            part=part,
            first_row=5,
            chunk=1,
        ),
        profile("t", sheet="S", part=part, rows=3, chunk=1),
    ]
    a = run(items)
    # a name alone never merges two rows of one table: the repeated name is a namesake
    assert a.people == 6
    (f,) = a.findings
    assert (f.count, f.location.range, f.kind) == (6, "A2:A7", "roster")
    assert a.tables[0].rows == 6


def test_single_column_of_names_is_a_roster() -> None:
    a = run(
        [
            column(
                "person-name",
                ["Ana Souza", "Li Wei"],
                table="dn",
                index=0,
                sheet=None,
                part="xl/workbook.xml",
                vis=V.DEFINED_NAME,
            )
        ]
    )
    assert a.tables[0].kind == "people"
    assert [f.kind for f in a.findings] == ["roster"]
    assert a.people == 2


def test_aggregate_table_is_not_personal_data_and_keeps_small_cells() -> None:
    part = "xl/worksheets/sheet2.xml"
    small = (("B4", 1, ("Honduras", "Credible fear")), ("C5", 2, ("Mexico", "Pending")))
    items = [
        column(
            "nationality",
            ["Honduras", "Mexico", "Guatemala"],
            table="agg",
            index=0,
            sheet="Detention FY23",
            part=part,
        ),
        column(
            "case-status",
            ["Credible fear", "Pending", "Removed"],
            table="agg",
            index=1,
            sheet="Detention FY23",
            part=part,
            category="asylum-immigration",
        ),
        profile("agg", sheet="Detention FY23", part=part, rows=3, numeric=(2, 3), labels=(0, 1), small=small),
    ]
    a = run(items)
    assert a.tables[0].kind == "aggregate"
    assert a.findings == () and a.people == 0
    assert a.categories == ()  # a "Credible fear" label in a count table describes no one
    assert [(c.location.range, c.value, c.dimensions) for c in a.small_cells] == [
        ("B4", 1, ("Honduras", "Credible fear")),
        ("C5", 2, ("Mexico", "Pending")),
    ]
    assert any(n.code == "aggregate-table" for n in a.notes)


def test_small_cells_of_people_tables_are_not_cross_tabs() -> None:
    part = "xl/worksheets/sheet1.xml"
    items = [
        *detainee_table("t", "S", part, V.VISIBLE)[:-1],
        profile("t", sheet="S", part=part, rows=5, numeric=(4,), small=(("E2", 1, ("a", "b")),)),
    ]
    assert run(items).small_cells == ()


def test_facility_contacts_are_organisations_not_people() -> None:
    part = "xl/worksheets/sheet4.xml"
    items = [
        column(
            "detention-facility",
            ["Port Isabel", "Otay Mesa"],
            table="f",
            index=0,
            sheet="Facilities",
            part=part,
        ),
        column(
            "street-address",
            ["27991 Buena Vista Blvd", "7488 Calzada de la Fuente"],
            table="f",
            index=1,
            sheet="Facilities",
            part=part,
        ),
        column(
            "phone-number",
            ["956-547-1700", "619-661-6800"],
            table="f",
            index=2,
            sheet="Facilities",
            part=part,
        ),
    ]
    a = run(items)
    assert a.tables[0].kind == "other"
    assert a.findings == () and a.people == 0
    assert [n.code for n in a.notes] == ["organisation-contacts"]


def test_id_column_alone_with_distinct_values_is_a_list_of_people() -> None:
    a = run([column("a-number", A_NUMBERS, table="t", index=0, sheet="IDs", part="p")])
    assert a.tables[0].kind == "people" and a.people == 5


def test_authors_become_a_note_not_people() -> None:
    core = Location(part="docProps/core.xml", field="creator")
    items = [
        text_hit("person-name", "Jane Official", where=core, vis=V.METADATA, role="metadata-author"),
        text_hit(
            "person-name",
            "Sam Editor",
            where=Location(part="docProps/core.xml", field="lastModifiedBy"),
            vis=V.METADATA,
            role="metadata-author",
        ),
    ]
    a = run(items)
    assert a.people == 0 and a.findings == ()
    assert [n.message for n in a.notes] == [
        "Document metadata names 2 people as author/last editor; not personal records"
    ]


def test_prose_name_with_an_identifier_is_a_person() -> None:
    para = Location(part="word/document.xml", field="paragraph 3")
    a = run(
        [
            text_hit("person-name", "Maria Garcia Lopez", where=para, start=10),
            text_hit("a-number", "A012345678", where=para, start=40),
            text_hit("case-status", "credible fear", where=para, start=60, category="asylum-immigration"),
        ]
    )
    assert a.people == 1
    assert {f.kind for f in a.findings} == {"record"}
    assert a.categories == ("asylum-immigration",)


def test_prose_mentions_and_lone_identifiers() -> None:
    # an official (a name in a public-role sentence), the press office's e-mail, a policy term
    p1 = Location(part="word/document.xml", field="p1")
    a = run(
        [
            text_hit("person-name", "Alex Director", where=p1, start=9),
            Candidate(
                "public-role", "public-role", "Director", 0.5, p1, V.VISIBLE, Identifier.NONE, start=0, end=40
            ),
            # a person's mailbox alone: a lone identifier (an office's, "tips@", is a note)
            text_hit("email", "jrivera@example.org", where=Location(part="word/document.xml", field="p2")),
            text_hit(
                "case-status",
                "asylum",
                where=Location(part="word/document.xml", field="p3"),
                category="asylum-immigration",
            ),
        ]
    )
    assert a.people == 0 and a.categories == ()
    assert sorted((f.entity, f.kind) for f in a.findings) == [("email", "lone"), ("person-name", "mention")]
    assert any(n.code == "names-in-prose" for n in a.notes)


def test_allow_listed_staff_names_are_dropped_and_counted() -> None:
    staff = value_fingerprint(KEY, "person-name", "Jane Official")
    para = Location(part="word/document.xml", field="p1")
    a = run(
        [
            text_hit("person-name", "JANE OFFICIAL", where=para),
            text_hit("phone-number", "202-555-0100", where=para, start=20),
            column("given-name", ["Jane", "Ana"], table="t", index=0, sheet="S", part="p"),
            column("family-name", ["Official", "Souza"], table="t", index=1, sheet="S", part="p"),
        ],
        allow_fingerprints=[staff],
    )
    allowed = [n for n in a.notes if n.code == "allow-listed"]
    assert allowed and allowed[0].message.startswith("3 allow-listed values")
    assert a.people == 1  # Ana Souza only
    assert [(f.entity, f.count) for f in a.findings if f.location.sheet == "S"] == [
        ("given-name", 1),
        ("family-name", 1),
    ]
    assert [(f.entity, f.kind) for f in a.findings if f.location.sheet is None] == [("phone-number", "lone")]


def test_people_limit_gives_a_lower_bound() -> None:
    a = run(detainee_table("t", "S", "p", V.VISIBLE), limits=Limits(max_tracked_people=3))
    assert (a.people, a.people_exact) == (3, False)
    assert any(n.code == "people-limit" for n in a.notes)


def test_reveal_keeps_raw_values_only_when_asked() -> None:
    items = detainee_table("t", "S", "p", V.VISIBLE)
    assert all(f.revealed == () for f in run(items).findings)
    revealed = {f.entity: f.revealed for f in run(items, reveal=True).findings}
    assert revealed["person-name"] == tuple(NAMES)


def test_masked_samples_and_group_fingerprint() -> None:
    a = run(detainee_table("t", "S", "p", V.VISIBLE))
    f = next(f for f in a.findings if f.entity == "a-number")
    assert f.masked == "A*******78, A*******89, A*******90, ..."
    assert len(f.fingerprint) == 64
    again = run(list(reversed(detainee_table("t", "S", "p", V.VISIBLE))))
    assert f.fingerprint == next(g for g in again.findings if g.entity == "a-number").fingerprint


def test_notes_pass_through_and_streaming_matches_one_shot() -> None:
    note = Note("embedded-object-unreadable", "An embedded object could not be opened", blocking=True)
    items = [*detainee_table("t", "S", "p", V.VISIBLE), note]
    assessor = Assessor(key=KEY, path="FY23.xlsx", limits=Limits())
    for item in items:
        assessor.add(item)
    streamed = assessor.finish()
    assert streamed == run(items)
    assert note in streamed.notes


def test_hidden_rows_of_a_visible_sheet_are_their_own_finding() -> None:
    col = column("person-name", NAMES[:3], table="t", index=0, sheet="S", part="p")
    col = ColumnCandidate(**{**col.__dict__, "visibilities": (V.VISIBLE, V.HIDDEN_ROW, V.VISIBLE)})
    a = run([col])
    assert [(f.visibility, f.count, f.location.range) for f in a.findings] == [
        (V.VISIBLE, 2, "A2:A4"),
        (V.HIDDEN_ROW, 1, "A3"),
    ]


def test_small_cells_carry_their_dimension_kinds() -> None:
    part = "xl/worksheets/sheet2.xml"
    small = (("B4", 1, ("Honduras", "Krome")), ("C5", 2, ("Mexico", "Otay")))
    prof = TableProfile(
        **{
            **profile("agg", sheet="S", part=part, rows=2, numeric=(2,), labels=(0, 1), small=small).__dict__,
            "small_cell_kinds": (("nationality", "detention-facility"),),  # shorter than small_cells
        }
    )
    items = [column("nationality", ["Honduras", "Mexico"], table="agg", index=0, sheet="S", part=part), prof]
    cells = run(items).small_cells
    assert [(c.location.range, c.dimension_kinds) for c in cells] == [
        ("B4", ("nationality", "detention-facility")),
        ("C5", ()),
    ]


def test_blank_cells_are_not_values() -> None:
    col = column(
        "person-name", ["Ana Souza", None, "   ", "", "Li Wei"], table="t", index=0, sheet="S", part="p"
    )
    a = run([col])
    (f,) = a.findings
    assert (f.count, f.location.range, a.people) == (2, "A2:A6", 2)


def test_allow_listed_values_inside_a_column_are_dropped() -> None:
    staff = value_fingerprint(KEY, "person-name", "Official, Jane")
    items = [
        column(
            "person-name", ["Ana Souza", "JANE OFFICIAL", "Li Wei"], table="t", index=0, sheet="S", part="p"
        ),
        column("a-number", A_NUMBERS[:3], table="t", index=1, sheet="S", part="p"),
    ]
    a = run(items, allow_fingerprints=[staff])
    assert [(f.entity, f.count) for f in a.findings] == [("person-name", 2), ("a-number", 3)]
    assert a.people == 3  # the official's row still holds an A-number: a person, just not named
    assert any(n.message.startswith("1 allow-listed value") for n in a.notes)


def test_a_person_in_a_table_and_in_prose_counts_once() -> None:
    para = Location(part="word/document.xml", field="p1")
    items = [
        *detainee_table("t", "S", "xl/worksheets/sheet1.xml", V.VISIBLE),
        text_hit("person-name", "GARCIA LOPEZ, Maria", where=para),
        text_hit("a-number", "A-012-345-678", where=para, start=30),
    ]
    assert run(items).people == 5


def test_column_fingerprints_are_order_free_and_keyed_to_rule_and_file() -> None:
    def fp(values: list[str], *, path: str = "FY23.xlsx", key: bytes = KEY) -> str:
        a = assess(
            [column("a-number", values, table="t", index=0, sheet="S", part="p")],
            key=key,
            path=path,
            limits=Limits(),
        )
        return a.findings[0].fingerprint

    base = fp(A_NUMBERS)
    assert base == fp(list(reversed(A_NUMBERS)))
    assert base == fp([a.replace("A", "A-") for a in A_NUMBERS])  # spelling-free
    assert base != fp(A_NUMBERS, path="other.xlsx")
    assert base != fp(A_NUMBERS, key=b"other-key")
    assert base != fp(A_NUMBERS[:4])
    assert len(base) == 64 and not any(a[1:] in base for a in A_NUMBERS)


def test_masked_sample_of_alike_masks_stays_short() -> None:
    dobs = [f"19{y:02d}-01-01" for y in range(50, 99)]
    names = [f"Person {chr(65 + i % 26)}{chr(65 + i // 26)}" for i in range(len(dobs))]
    a = run(
        [
            column("person-name", names, table="t", index=0, sheet="S", part="p"),
            column("date-of-birth", dobs, table="t", index=1, sheet="S", part="p"),
        ]
    )
    f = next(f for f in a.findings if f.entity == "date-of-birth")
    assert f.masked == "19**-**-**, ..."
    assert f.count == len(dobs) and a.people == len(dobs)


def test_ids_that_prove_a_list_of_people_later_count_their_categories() -> None:
    # chunk 0 repeats one A-number (could be an attribute); chunk 1 makes the column mostly distinct
    first = ["A012345678", "A012345678"]
    later = [f"A0{n}" for n in range(90000001, 90000009)]
    status = "case-status"
    items = [
        column("a-number", first, table="t", index=0, sheet="S", part="p", chunk=0),
        column(
            status,
            ["Pending"] * 2,
            table="t",
            index=1,
            sheet="S",
            part="p",
            chunk=0,
            category="asylum-immigration",
        ),
        column("a-number", later, table="t", index=0, sheet="S", part="p", first_row=4, chunk=1),
        column(
            status,
            ["Pending"] * 8,
            table="t",
            index=1,
            sheet="S",
            part="p",
            first_row=4,
            chunk=1,
            category="asylum-immigration",
        ),
    ]
    a = run(items)
    assert a.tables[0].kind == "people"
    assert a.people == 9
    assert a.category_people == {"asylum-immigration": 9}


def _reference_people(batches: list[tuple[str, list[list], list[str], list]]) -> int:
    """Distinct people the slow, obvious way: groups of records sharing a strong key, then each
    name's records matched across sources, first fit, never twice from one source, never
    against a different key of the same kind."""
    records = []  # (source, name, {kind: key})
    for source, key_columns, kinds, names in batches:
        for i, name in enumerate(names):
            keys = {kind: col[i] for kind, col in zip(kinds, key_columns) if col[i] is not None}
            if keys or name is not None:
                records.append((source, name, keys))
    group = list(range(len(records)))  # record -> group id

    def merge(a: int, b: int) -> None:
        ga, gb = group[a], group[b]
        for r, g in enumerate(group):
            if g == gb:
                group[r] = ga

    for a in range(len(records)):
        for b in range(a):
            if set(records[a][2].items()) & set(records[b][2].items()):
                merge(b, a)
    by_name: dict = {}
    for r, (_, name, _) in enumerate(records):
        if name is not None:
            by_name.setdefault(name, []).append(r)
    for rs in by_name.values():
        slots: list[tuple[int, set, dict]] = []  # (a record of the slot, sources, keys)
        for r in rs:
            source, _, keys = records[r]
            target = next((s for s in slots if group[s[0]] == group[r]), None)
            if target is None:
                target = next(
                    (
                        s
                        for s in slots
                        if source not in s[1] and not any(k in s[2] and keys[k] not in s[2][k] for k in keys)
                    ),
                    None,
                )
            if target is None:
                slots.append((r, {source}, {k: {v} for k, v in keys.items()}))
                continue
            merge(target[0], r)
            target[1].add(source)
            for k, v in keys.items():
                target[2].setdefault(k, set()).add(v)
    return len(set(group))


def test_people_index_matches_the_obvious_count() -> None:
    import random

    from clearance.assess.people import PeopleIndex

    rng = random.Random(7)
    for trial in range(300):
        batches = []
        fresh = 1000 * trial
        for _ in range(rng.randint(1, 4)):
            n = rng.randint(1, 12)
            space = rng.choice([5, 40, 10_000])  # small spaces make shared keys and names
            kinds = rng.sample(["a-number", "email", "dob"], rng.randint(0, 3))
            columns = [
                [None if rng.random() < 0.3 else (kind, fresh + rng.randrange(space)) for _ in range(n)]
                for kind in kinds
            ]
            if rng.random() < 0.3:  # a batch of new, distinct keys: the fast path
                columns = [[(kind, "u", fresh, j) for j in range(n)] for kind in kinds]
            names = [rng.choice([None, "ana", "li", "maria"]) for _ in range(n)]
            batches.append((rng.choice("ST"), columns, kinds, names))
        index = PeopleIndex(limit=1_000_000)
        for source, columns, kinds, names in batches:
            # the index holds Python hashes of keys and names (people.Key), never the values
            hashed = [[None if k is None else hash(k) for k in column] for column in columns]
            index.add_many(
                hashed, [None if v is None else hash(v) for v in names], source=source, kinds=kinds
            )
        index.settle()
        assert index.distinct() == _reference_people(batches), (trial, batches)


def test_a_name_alone_never_merges_rows_of_one_table_but_matches_across_parts() -> None:
    part = "xl/worksheets/sheet1.xml"
    roster = ["John Smith", "John Smith", "Ana Souza"]
    a = run([column("person-name", roster, table="t", index=0, sheet="S", part=part)])
    assert a.people == 3  # two namesakes in one list are two people
    # a hidden copy without dates of birth joins the dated list: one per row there, no more
    dated = [
        column("person-name", roster, table="t", index=0, sheet="S", part=part),
        column(
            "date-of-birth",
            ["1980-01-01", "1990-02-02", "1970-03-03"],
            table="t",
            index=1,
            sheet="S",
            part=part,
        ),
        column(
            "person-name",
            ["SMITH, John", "Souza, Ana"],
            table="h",
            index=0,
            sheet="H",
            part="p2",
            vis=V.HIDDEN_SHEET,
        ),
    ]
    assert run(dated).people == 3
    # a different date of birth or A-number is a different person, whatever the name
    conflict = [
        column("person-name", ["Ana Souza"], table="t", index=0, sheet="S", part=part),
        column("date-of-birth", ["1970-03-03"], table="t", index=1, sheet="S", part=part),
        column("person-name", ["Ana Souza"], table="u", index=0, sheet="U", part="p2"),
        column("date-of-birth", ["1971-04-04"], table="u", index=1, sheet="U", part="p2"),
    ]
    assert run(conflict).people == 2
    ids = [
        column("person-name", ["Ana Souza"], table="t", index=0, sheet="S", part=part),
        column("a-number", ["A012345678"], table="t", index=1, sheet="S", part=part),
        column("person-name", ["Ana Souza", "Li Wei"], table="u", index=0, sheet="U", part="p2"),
        column("a-number", ["A098765432", "A012345678"], table="u", index=1, sheet="U", part="p2"),
    ]
    assert run(ids).people == 2  # the A-number says Li Wei is the same person as t's row


def test_placeholder_names_are_records_that_match_no_one() -> None:
    part = "xl/worksheets/sheet1.xml"
    a = run(
        [
            column(
                "person-name", ["Unknown", "Ana Souza", "UNKNOWN"], table="t", index=0, sheet="S", part=part
            ),
            column("nationality", ["Mexico", "Brazil", "Peru"], table="t", index=1, sheet="S", part=part),
            column("person-name", ["Unknown"], table="u", index=0, sheet="U", part="p2"),
            column("nationality", ["Chile"], table="u", index=1, sheet="U", part="p2"),
        ]
    )
    assert a.people == 4


def test_huge_findings_keep_bounded_memory_and_a_stable_fingerprint() -> None:
    """Past MAX_MEMBERS distinct values a finding keeps a bottom-k sketch: memory stays bounded
    and the fingerprint does not depend on the order or chunking of the values."""
    from clearance.assess import findings as F

    def group(chunks: list[list[str]]) -> F.Group:
        g = F.Group(
            rule="email",
            entity="email",
            visibility=V.VISIBLE,
            location=Location(),
            column="A",
            identifier=Identifier.DIRECT,
            role="cell",
        )
        for c in chunks:
            g.add_column(
                values=c, normalised=c, score=0.9, first_row=1, last_row=len(c), reveal=False, category=None
            )
        return g

    values = [f"p{i}@example.org" for i in range(3 * F.MAX_MEMBERS)]
    a = group([values[i : i + 20_000] for i in range(0, len(values), 20_000)])
    b = group([list(reversed(values))])
    assert len(a.members) <= 2 * F.MAX_MEMBERS and len(b.members) <= 2 * F.MAX_MEMBERS
    key = b"k" * 32
    assert a.build(key, "f.csv", "record").fingerprint == b.build(key, "f.csv", "record").fingerprint
    small = group([values[:10]])
    assert small.cutoff is None and len(small.members) == 10


def test_rows_deferred_then_settled_early_are_counted_once(monkeypatch) -> None:
    """A table proves to list people only in its second chunk, and its cell hits are settled
    mid-stream (a huge table): the first chunk's deferred rows join the count once, not again
    at finish."""
    monkeypatch.setattr("clearance.assess.assessor.MAX_PENDING_CELLS", 0)
    part = "data.csv"
    phones = [f"+1 202 555 01{i:02d}" for i in range(4)]
    chunk0 = [
        column("phone-number", phones, table="t", index=0, sheet=None, part=part),
        column("detention-facility", ["Krome"] * 4, table="t", index=1, sheet=None, part=part),
    ]
    chunk1 = [
        column("phone-number", [None] * 4, table="t", index=0, sheet=None, part=part, first_row=6, chunk=1),
        column(
            "person-name",
            ["Ana Ruiz", "Li Wei", "Jean Paul", "Olga Ivanova"],
            table="t",
            index=2,
            sheet=None,
            part=part,
            first_row=6,
            chunk=1,
        ),
    ]
    cell = text_hit("email", "x@example.org", where=Location(part=part, range="D2", row=2), role="cell")
    cell = dataclasses.replace(cell, table_key="t", row_index=0)
    late = dataclasses.replace(cell, location=Location(part=part, range="D6", row=6), row_index=4)
    a = run(
        [
            *chunk0,
            cell,
            *chunk1,
            late,  # settled when chunk 2 starts, after the table proved to list people
            column("phone-number", [None], table="t", index=0, sheet=None, part=part, first_row=10, chunk=2),
        ]
    )
    assert a.people == 8  # four rows known by phone, four by name


def test_second_person_columns_count_their_own_people_across_chunks_and_tables() -> None:
    # pupils and their guardians in two chunks; one guardian of two siblings (one in each chunk);
    # a second sheet lists a guardian as a primary person: each counts once
    part = "xl/worksheets/sheet1.xml"
    pupils = ["Sofia Ramirez", "Mateo Lopez", "Valentina Cruz", "Lucas Ramirez"]
    guardians = [
        "Carlos Ramirez Ortega",
        "Ana Maria Lopez Ruiz",
        "Jorge Cruz Medina",
        "Carlos Ramirez Ortega",
    ]
    items = [
        column(
            "person-name", pupils[:2], table="t", index=0, sheet="S", part=part, header="Nombre del alumno"
        ),
        column("person-name", guardians[:2], table="t", index=1, sheet="S", part=part, header="Tutor"),
        column(
            "person-name",
            pupils[2:],
            table="t",
            index=0,
            sheet="S",
            part=part,
            header="Nombre del alumno",
            first_row=4,
            chunk=1,
        ),
        column(
            "person-name",
            guardians[2:],
            table="t",
            index=1,
            sheet="S",
            part=part,
            header="Tutor",
            first_row=4,
            chunk=1,
        ),
        column(
            "person-name",
            ["Jorge Cruz Medina"],
            table="u",
            index=0,
            sheet="Tutores",
            part="p2",
            header="Nombre",
        ),
    ]
    a = run(items)
    assert a.people == 4 + 3
    by_key = {t.key: t for t in a.tables}
    assert by_key["t"].people == 7
    assert by_key["u"].people == 1


def test_name_column_without_a_role_word_is_the_same_person() -> None:
    part = "p"
    items = [
        column(
            "given-name", ["Maria", "Ahmed"], table="t", index=0, sheet="S", part=part, header="first_name"
        ),
        column(
            "family-name", ["Garcia", "Khan"], table="t", index=1, sheet="S", part=part, header="last_name"
        ),
        column(
            "person-name",
            ["Maria Garcia", "Ahmed Khan"],
            table="t",
            index=2,
            sheet="S",
            part=part,
            header="full_name",
        ),
        column("person-name", ["Mary", "Ahmad"], table="t", index=3, sheet="S", part=part, header="nickname"),
    ]
    assert run(items).people == 2


def test_second_people_stop_at_the_people_limit() -> None:
    n = 50
    items = [
        column(
            "person-name",
            [f"Pupil {i:03d} Garcia" for i in range(n)],
            table="t",
            index=0,
            sheet="S",
            part="p",
            header="Student",
        ),
        column(
            "person-name",
            [f"Parent {i:03d} Khan" for i in range(n)],
            table="t",
            index=1,
            sheet="S",
            part="p",
            header="Parent",
        ),
    ]
    a = run(items, limits=Limits(max_tracked_people=60))
    assert not a.people_exact
    assert a.people == 60
