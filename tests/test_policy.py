"""policy: the default policy's blocks (a)-(d), reviews, passes, fail-closed, and wording."""

from __future__ import annotations

from clearance.assess import assess
from clearance.config.loader import load_policy
from clearance.config.schema import Limits, Policy
from clearance.model import (
    Assessment,
    Candidate,
    ColumnCandidate,
    Identifier,
    Location,
    Note,
    SmallCell,
    TableProfile,
    TableSummary,
    Verdict,
    Visibility,
)
from clearance.policy import decide

KEY = b"test-key"
V = Visibility
POLICY = Policy()
QUASI = {"date-of-birth", "nationality", "detention-facility"}


def col(
    entity: str,
    values,
    *,
    table: str,
    index: int,
    sheet: str | None,
    part: str = "xl/p.xml",
    vis: Visibility = V.VISIBLE,
    category: str | None = None,
) -> ColumnCandidate:
    letter = "ABCDEFGH"[index]
    ident = Identifier.QUASI if entity in QUASI else Identifier.CATEGORY if category else Identifier.DIRECT
    return ColumnCandidate(
        rule=entity,
        entity=entity,
        score=0.9,
        table_key=table,
        column_index=index,
        header=entity.title(),
        evidence="header",
        identifier=ident,
        values=tuple(values),
        first_row=2,
        location=Location(part=part, sheet=sheet, range=f"{letter}2:{letter}{len(values) + 1}"),
        visibilities=(vis,) * len(values),
        category=category,
    )


def prof(
    table: str,
    *,
    sheet: str | None,
    rows: int,
    vis: Visibility = V.VISIBLE,
    numeric=(),
    small=(),
    hidden_rows: int = 0,
    part: str = "xl/p.xml",
) -> TableProfile:
    return TableProfile(
        table_key=table,
        location=Location(part=part, sheet=sheet),
        visibility=vis,
        rows=rows,
        columns=3,
        header=None,
        numeric_columns=tuple(numeric),
        label_columns=(0,),
        small_cells=tuple(small),
        hidden_rows=hidden_rows,
    )


def hit(
    entity: str, value: str, field: str, *, role: str = "text", start: int = 0, vis: Visibility = V.VISIBLE
) -> Candidate:
    return Candidate(
        rule=entity,
        entity=entity,
        value=value,
        score=0.8,
        location=Location(part="word/document.xml", field=field),
        visibility=vis,
        identifier=Identifier.QUASI if entity in QUASI else Identifier.DIRECT,
        role=role,
        start=start,
    )


def run(items, policy: Policy = POLICY) -> tuple[Verdict, tuple[str, ...], tuple[str, ...]]:
    a = assess(items, key=KEY, path="f.xlsx", limits=Limits(), allow_fingerprints=policy.allow_fingerprints)
    return decide(a, policy)


def empty(**kw) -> Assessment:
    base = dict(findings=(), people=0, people_exact=True, categories=(), tables=(), small_cells=(), notes=())
    return Assessment(**{**base, **kw})


def test_default_policy_file_loads() -> None:
    policy, sha = load_policy()
    assert (policy.name, policy.version) == ("default", "1")
    assert policy.description and len(sha) == 64
    assert policy.thresholds.small_cell == 3 and policy.block_records
    assert not policy.review_hidden_content  # hidden parts without personal data are notes


def test_founding_case_blocks_with_plain_reasons() -> None:
    n = 6252
    cols = [
        col(
            "person-name",
            [f"Given{i} Family{i}" for i in range(n)],
            table="d",
            index=0,
            sheet="Detainees",
            vis=V.HIDDEN_SHEET,
        ),
        col(
            "date-of-birth",
            [f"19{60 + i % 40}-01-{1 + i % 28:02d}" for i in range(n)],
            table="d",
            index=1,
            sheet="Detainees",
            vis=V.HIDDEN_SHEET,
        ),
        col("nationality", ["Honduras"] * n, table="d", index=2, sheet="Detainees", vis=V.HIDDEN_SHEET),
        col(
            "a-number",
            [f"A{200000000 + i}" for i in range(n)],
            table="d",
            index=3,
            sheet="Detainees",
            vis=V.HIDDEN_SHEET,
        ),
        col(
            "detention-facility",
            ["Port Isabel"] * n,
            table="d",
            index=4,
            sheet="Detainees",
            vis=V.HIDDEN_SHEET,
        ),
        col(
            "case-status",
            ["Credible fear"] * n,
            table="d",
            index=5,
            sheet="Detainees",
            vis=V.HIDDEN_SHEET,
            category="asylum-immigration",
        ),
    ]
    verdict, reasons, _ = run(cols)
    assert verdict is Verdict.BLOCK
    assert reasons[0] == (
        "Identifies 6,252 people (names, dates of birth, nationalities, A-numbers, detention facilities, "
        "case status) in hidden sheet 'Detainees'"
    )
    assert "Special category: asylum/immigration case status of 6,252 people" in reasons


def test_a_record_in_prose_blocks() -> None:
    verdict, reasons, _ = run(
        [hit("person-name", "Ana Souza", "p4"), hit("date-of-birth", "1990-01-02", "p4", start=20)]
    )
    assert verdict is Verdict.BLOCK
    assert reasons == ("The document identifies 1 person (name, date of birth) in the text",)


def test_a_short_list_of_names_blocks() -> None:
    items = [col("person-name", ["Ana Souza", "Li Wei"], table="dn", index=0, sheet=None, vis=V.DEFINED_NAME)]
    items[0] = ColumnCandidate(
        **{**items[0].__dict__, "location": Location(part="xl/workbook.xml", field="Detainees_List")}
    )
    verdict, reasons, _ = run(items)
    assert verdict is Verdict.BLOCK
    assert reasons == ("Lists the names of 2 people in defined name 'Detainees_List'",)


def test_special_category_blocks_even_when_records_are_allowed() -> None:
    items = [
        col("person-name", ["Ana Souza", "Li Wei"], table="t", index=0, sheet="Cases"),
        col(
            "case-status",
            ["Asylum granted", "Pending"],
            table="t",
            index=1,
            sheet="Cases",
            category="asylum-immigration",
        ),
    ]
    relaxed = Policy(block_records=False)
    verdict, reasons, _ = run(items, relaxed)
    assert verdict is Verdict.BLOCK
    assert reasons == (
        "Special category: asylum/immigration case status of 2 people",
        "Identifies 2 people (names, case status) in sheet 'Cases'",
    )


def test_small_cells_in_a_cross_tab_block() -> None:
    small = [
        ("B4", 1, ("Honduras", "Credible fear")),
        ("D9", 2, ("Mexico", "Pending")),
        ("C6", 1, ("Cuba", "Removed")),
        ("C7", 5, ("Cuba", "Pending")),
        ("C8", 0, ("Peru", "Pending")),
        ("E2", 1, ("Total",)),
    ]  # 5 is not small, 0 singles out no one, one dimension is a margin
    items = [
        col("nationality", ["Honduras", "Mexico", "Cuba"], table="x", index=0, sheet="Detention FY23"),
        prof("x", sheet="Detention FY23", rows=3, numeric=(1, 2, 3), small=small),
    ]
    verdict, reasons, notes = run(items)
    assert verdict is Verdict.BLOCK
    assert reasons == (
        "3 small cells (count below 3) in 'Detention FY23' B4:D9 could single out individuals",
    )
    assert notes == ("Sheet 'Detention FY23' holds aggregate statistics (3 rows); no individual records",)


def _cells(kinds: tuple[str, ...], values=(1, 2, 5, 2), sheet: str = "T") -> tuple[SmallCell, ...]:
    dims = tuple(f"d{i}" for i in range(len(kinds)))
    return tuple(
        SmallCell(Location(sheet=sheet, range=f"B{2 + i}"), v, dims, V.VISIBLE, dimension_kinds=kinds)
        for i, v in enumerate(values)
    )


def test_small_cells_facility_by_nationality_block_with_cells_named() -> None:
    verdict, reasons, _ = decide(empty(small_cells=_cells(("detention-facility", "nationality"))), POLICY)
    assert verdict is Verdict.BLOCK
    assert reasons == (
        "3 small cells (count below 3) of a facility x nationality cross-tabulation in 'T' B2:B5 "
        "could single out individuals",
    )
    a = empty(small_cells=_cells(("detention-facility", "nationality", "age")))
    assert "facility x nationality x age cross-tabulation" in decide(a, POLICY)[1][0]


def test_small_cells_of_three_or_more_pass() -> None:
    a = empty(small_cells=_cells(("detention-facility", "nationality", "age"), values=(3, 4, 9)))
    assert decide(a, POLICY)[0] is Verdict.PASS


def test_national_counts_and_one_dimension_tables_pass() -> None:
    for kinds in [
        ("time", "nationality", "sex", "age"),  # UK Home Office: national level, no small population
        ("detention-facility", "other"),  # counts by facility alone
        ("time", "other"),  # counts by month
        ("detention-facility", "detention-facility", "other"),  # facility code + name: one kind
    ]:
        assert decide(empty(small_cells=_cells(kinds)), POLICY)[0] is Verdict.PASS, kinds


def test_small_cells_switched_off_go_to_review_not_silence() -> None:
    a = empty(small_cells=(SmallCell(Location(sheet="T", range="B2"), 1, ("a", "b"), V.VISIBLE),))
    assert decide(a, Policy(block_small_cells=False))[0] is Verdict.REVIEW
    assert decide(a, POLICY)[1] == ("1 small cell (count below 3) in 'T' B2 could single out an individual",)


def test_aggregate_statistics_pass_with_a_note() -> None:
    items = [
        col("nationality", ["Honduras", "Mexico"], table="x", index=0, sheet="Totals"),
        prof("x", sheet="Totals", rows=2, numeric=(1,), small=(("B2", 40, ("Honduras", "2023")),)),
    ]
    verdict, reasons, notes = run(items)
    assert (verdict, reasons) == (Verdict.PASS, ())
    assert notes == ("Sheet 'Totals' holds aggregate statistics (2 rows); no individual records",)


def test_organisation_contacts_pass() -> None:
    items = [
        col("detention-facility", ["Port Isabel", "Otay Mesa"], table="f", index=0, sheet="Facilities"),
        col("phone-number", ["956-547-1700", "619-661-6800"], table="f", index=1, sheet="Facilities"),
    ]
    verdict, reasons, notes = run(items)
    assert (verdict, reasons) == (Verdict.PASS, ())
    assert "without person names" in notes[0]


def test_authors_and_staff_in_prose_pass_with_notes() -> None:
    items = [
        hit("person-name", "Jane Official", "creator", role="metadata-author", vis=V.METADATA),
        hit("person-name", "Sam Editor", "lastModifiedBy", role="metadata-author", vis=V.METADATA),
        hit("person-name", "Alex Director", "p1"),
    ]
    verdict, reasons, notes = run(items)
    assert (verdict, reasons) == (Verdict.PASS, ())
    assert notes == (
        "Document metadata names 2 people as author/last editor; not personal records",
        "Text names 1 person without identifying details (e.g. staff or officials); not personal records",
    )


def test_lone_email_goes_to_review() -> None:
    verdict, reasons, _ = run([hit("email", "jrivera@example.org", "p2")])
    assert verdict is Verdict.REVIEW
    assert reasons == (
        "1 email address with no other details in the text: check whether it belongs to a private individual",
    )


def test_lone_functional_mailbox_is_a_note() -> None:
    verdict, reasons, notes = run([hit("email", "tips@example.org", "p2")])
    assert (verdict, reasons) == (Verdict.PASS, ())
    assert any("contact detail of an office" in n for n in notes)


def test_hidden_sheet_of_numbers_is_a_note_by_default_and_review_on_request() -> None:
    items = [prof("h", sheet="Calc", rows=120, vis=V.HIDDEN_SHEET, numeric=(1, 2))]
    text = (
        "Hidden sheet 'Calc' holds 120 rows with no personal data found: a person should check "
        "it before publishing"
    )
    verdict, reasons, notes = run(items, Policy(review_hidden_content=True))
    assert verdict is Verdict.REVIEW
    assert reasons == (text,)
    verdict, reasons, notes = run(items, Policy())
    assert verdict is Verdict.PASS and not reasons
    assert text in notes  # never silent


def test_pivot_cache_without_its_source_sheet() -> None:
    items = [
        col(
            "person-name",
            ["Ana Souza", "Li Wei", "Ahmed Khan"],
            table="pc",
            index=0,
            sheet=None,
            part="xl/pivotCache/pivotCacheRecords1.xml",
            vis=V.PIVOT_CACHE,
        ),
        col(
            "nationality",
            ["Brazil", "China", "Pakistan"],
            table="pc",
            index=1,
            sheet=None,
            part="xl/pivotCache/pivotCacheRecords1.xml",
            vis=V.PIVOT_CACHE,
        ),
        prof("pc", sheet=None, rows=3, vis=V.PIVOT_CACHE, part="xl/pivotCache/pivotCacheRecords1.xml"),
    ]
    verdict, reasons, _ = run(items)
    assert verdict is Verdict.BLOCK
    assert reasons == (
        "Identifies 3 people (names, nationalities) in a pivot cache",
        "Pivot cache keeps 3 rows of person-level source data after the source sheet was removed",
    )


def test_blocking_note_alone_is_unscannable() -> None:
    note = Note(
        "embedded-object-unreadable",
        "an embedded object could not be opened",
        Location(part="word/embeddings/oleObject1.bin"),
        V.EMBEDDED_FILE,
        blocking=True,
    )
    verdict, reasons, notes = decide(empty(notes=(note,)), POLICY)
    assert verdict is Verdict.UNSCANNABLE
    assert reasons == (
        "Could not be inspected: an embedded object could not be opened (word/embeddings/oleObject1.bin)",
    )
    assert notes == ()


def test_blocking_note_does_not_hide_a_block() -> None:
    note = Note("x", "a part could not be read", blocking=True)
    items = [col("person-name", ["Ana Souza", "Li Wei"], table="t", index=0, sheet="S"), note]
    verdict, reasons, _ = run(items)
    assert verdict is Verdict.BLOCK
    assert reasons[-1] == "Could not be inspected: a part could not be read"


def test_nothing_found_passes() -> None:
    assert decide(empty(), POLICY) == (Verdict.PASS, (), ())


def test_people_count_wording_when_inexact() -> None:
    a = empty(
        people=2_000_000,
        people_exact=False,
        tables=(TableSummary("t", Location(sheet="S"), V.VISIBLE, 10, "people", ()),),
    )
    a = Assessment(**{**a.__dict__, "findings": run_findings()})
    assert decide(a, POLICY)[1][0].startswith("Identifies at least 2,000,000 people (names) in sheet 'S'")


def run_findings():
    items = [
        col("person-name", ["Ana Souza"], table="t", index=0, sheet="S"),
        col("sex", ["F"], table="t", index=1, sheet="S"),
    ]
    return assess(items, key=KEY, path="f", limits=Limits()).findings[:1]


# -- small cells end to end: generated tables -> column detector -> assess -> policy ------------
def _detect(header, rows):
    from clearance.config.loader import load_config
    from clearance.detectors.columns import ColumnDetector
    from clearance.model import Table

    t = Table(
        key="s", location=Location(part="xl/worksheets/sheet1.xml", sheet="Stats"), header=header, rows=rows
    )
    return list(ColumnDetector(load_config().rules).detect_table(t))


XT_FACILITIES = [
    "Otay Mesa Detention Center",
    "Krome North SPC",
    "Stewart Detention Center",
    "Eloy Detention Center",
]
XT_COUNTRIES = ["Mexico", "Guatemala", "Honduras", "Venezuela", "Cuba"]


def test_generated_facility_by_nationality_cross_tab_blocks_and_passes_when_large() -> None:
    small = [[f, *(str((i * 5 + j) % 7 + 1) for j in range(5))] for i, f in enumerate(XT_FACILITIES)]
    verdict, reasons, _ = run(_detect(("Facility", *XT_COUNTRIES), small))
    assert verdict is Verdict.BLOCK
    assert "of a facility x nationality cross-tabulation in 'Stats'" in reasons[0]
    large = [[f, *(str(int(v) + 10) for v in row[1:])] for f, row in zip(XT_FACILITIES, small, strict=True)]
    assert run(_detect(("Facility", *XT_COUNTRIES), large))[0] is Verdict.PASS


def test_generated_facility_nationality_age_long_format_blocks() -> None:
    rows = [
        [f, c, band, str((i + j + k) % 4 + 1)]
        for i, f in enumerate(XT_FACILITIES)
        for j, c in enumerate(XT_COUNTRIES)
        for k, band in enumerate(("18 to 24", "25 to 39", "40 and over"))
    ]
    verdict, reasons, _ = run(_detect(("Facility", "Nationality", "Age band", "Detained"), rows))
    assert verdict is Verdict.BLOCK
    assert "facility x nationality x age cross-tabulation" in reasons[0]


def test_generated_national_counts_by_nationality_sex_age_pass() -> None:
    rows = [
        ["2023-03-31", c, sex, band, str((j + k) % 3 + 1)]
        for j, c in enumerate(XT_COUNTRIES)
        for sex in ("Male", "Female")
        for k, band in enumerate(("17 and under", "18 to 24", "25 to 39"))
    ]
    verdict, reasons, _ = run(_detect(("Date", "Nationality", "Sex", "Age Group", "Applications"), rows))
    assert (verdict, reasons) == (Verdict.PASS, ())


def test_generated_adp_averages_by_facility_pass() -> None:
    rows = [
        [f, "Male", f"{1 + i * 0.37:.2f}", f"{2 + i * 0.11:.2f}"] for i, f in enumerate(XT_FACILITIES * 3)
    ]
    verdict, reasons, _ = run(_detect(("Facility", "Gender", "ADP Level A", "ADP Level B"), rows))
    assert (verdict, reasons) == (Verdict.PASS, ())
