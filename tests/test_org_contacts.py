"""Organisations and officials are not people: red-team false positives and their true twins.

Each false positive of the red team (an office's contacts table, an office's address in prose,
authors beside a functional mailbox, an official beside a facility, an author line in a report
about asylum, a press release PDF, a lone functional mailbox, a bibliography) passes; the twin
that holds a real record of a private individual still blocks. Files are generated here.
"""

from __future__ import annotations

import csv
import io

import pytest
from faker import Faker

from clearance.assess.contacts import is_citation_name, is_functional_mailbox, name_tokens
from clearance.config.loader import load_rules
from clearance.detectors.categories import CategoryMatcher
from clearance.detectors.roles import RoleMatcher
from clearance.formats import document_from_bytes
from clearance.model import FileReport, Verdict
from clearance.pipeline import Scanner
from test_extract_docx import make_docx, p, r
from test_extract_pdf import _objects, _pdf, _text


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner.build(reference_year=2026)


@pytest.fixture(scope="module")
def fake() -> Faker:
    Faker.seed(7)
    return Faker("en_US")


def scan(scanner: Scanner, data: bytes, name: str) -> FileReport:
    return scanner.scan_document(document_from_bytes(data, name))


def table(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


# -- the mailbox test ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "email",
    [
        "press@agency.gov",
        "publicaffairs@agency.gov",
        "detention.reporting@agency.gov",
        "foia@agency.gov",
        "ois@hq.dhs.gov",
        "arlington.asylum@uscis.dhs.gov",
        "info@example.com",
        "dhs-oig.officepublicaffairs@oig.dhs.gov",
        "oig@oig.dhs.gov",
    ],
)
def test_functional_mailboxes(email: str) -> None:
    assert is_functional_mailbox(email)


@pytest.mark.parametrize(
    "email",
    [
        "maria.lopez@gmail.com",
        "jsmith@agency.gov",
        "john.smith@agency.gov",
        "mlopez2@agency.gov",
        "ois@gmail.com",
        "smith.oig@oig.dhs.gov",
        "smith@smith.name",
    ],
)
def test_personal_mailboxes(email: str) -> None:
    assert not is_functional_mailbox(email)


def test_a_mailbox_named_after_the_person_beside_it_is_theirs() -> None:
    assert is_functional_mailbox("ana@agency.gov")  # an acronym on an institution's domain...
    assert not is_functional_mailbox("ana@agency.gov", name_tokens(["Ana Ruiz"]))  # ...unless Ana is named


def test_citation_names() -> None:
    assert is_citation_name("Hernandez, M.") and is_citation_name("Nguyen, T. T.")
    assert not is_citation_name("Maria Lopez") and not is_citation_name("Lopez, Maria")


def test_office_names_are_not_case_statuses() -> None:
    matcher = CategoryMatcher(load_rules().categories)
    assert not matcher.categories_in("Arlington Asylum Office")
    assert matcher.categories_in("Asylum granted")
    # prose keeps every use: "interviewed at the Asylum Office" may still speak of a person's case
    assert list(matcher.finditer("interviewed at the Arlington Asylum Office"))


def test_a_role_sentence_runs_past_an_initial() -> None:
    matcher = RoleMatcher(load_rules().roles)
    text = "The Inspector General, Joseph V. Cuffari, released a report."
    ((start, end, _),) = list(matcher.sentences(text))
    assert (start, end) == (0, len(text))


# -- f03: an office contacts table -----------------------------------------------------------
def test_office_contacts_table_passes(scanner: Scanner, fake: Faker) -> None:
    rows = [["Office", "Phone", "Email"]]
    for office, box in [
        ("Public Affairs", "publicaffairs"),
        ("FOIA Office", "foia"),
        ("Detention Reporting", "detention.reporting"),
    ]:
        rows.append([office, fake.numerify("(###) 555-####"), f"{box}@agency.gov"])
    rep = scan(scanner, table(rows), "offices.csv")
    assert rep.verdict is Verdict.PASS and rep.people == 0, rep.reasons
    assert any("organisations' details" in n for n in rep.notes)


def test_asylum_offices_table_passes(scanner: Scanner, fake: Faker) -> None:
    rows = [["Office", "Hotline", "Email"]]
    for city in ("Arlington", "Boston", "Chicago"):
        rows.append(
            [f"{city} Asylum Office", fake.numerify("(###) 555-####"), f"{city.lower()}.asylum@uscis.dhs.gov"]
        )
    rep = scan(scanner, table(rows), "asylum-offices.csv")
    assert rep.verdict is Verdict.PASS and rep.categories == (), rep.reasons


def test_personal_emails_in_an_office_column_still_block(scanner: Scanner, fake: Faker) -> None:
    rows = [["Office", "Phone", "Email"]]
    for office in ("Public Affairs", "FOIA Office", "Detention Reporting"):
        rows.append(
            [
                office,
                fake.numerify("(###) 555-####"),
                f"{fake.user_name()}{fake.random_int(10, 99)}@gmail.com",
            ]
        )
    rep = scan(scanner, table(rows), "offices.csv")
    assert rep.verdict is Verdict.BLOCK and rep.people == 3


def test_names_and_webmail_still_block(scanner: Scanner, fake: Faker) -> None:
    rows = [["Name", "Email"]]
    for _ in range(4):
        first, last = fake.first_name(), fake.last_name()
        rows.append([f"{first} {last}", f"{first.lower()}.{last.lower()}@gmail.com"])
    rep = scan(scanner, table(rows), "people.csv")
    assert rep.verdict is Verdict.BLOCK and rep.people == 4


# -- f09 / f10: an office's contacts in prose -----------------------------------------------
def test_office_address_phone_and_mailbox_in_prose_pass(scanner: Scanner) -> None:
    text = (
        "Contact: Office of Public Affairs, 500 12th St SW, Washington, DC 20536. "
        "Phone (202) 732-4242. Email: publicaffairs@ice.dhs.gov.\n"
    )
    rep = scan(scanner, text.encode(), "contact.txt")
    assert rep.verdict is Verdict.PASS and rep.people == 0, rep.reasons
    assert any("contact detail" in n for n in rep.notes)


def test_a_persons_phone_and_mail_in_prose_still_block(scanner: Scanner) -> None:
    text = "Contact Maria Lopez at maria.lopez@gmail.com or (202) 555-0142. Questions: press@agency.gov.\n"
    rep = scan(scanner, text.encode(), "contact.txt")
    assert rep.verdict is Verdict.BLOCK and rep.people == 1


def test_lone_functional_mailbox_passes_and_a_personal_one_is_reviewed(scanner: Scanner) -> None:
    office = scan(scanner, b'{"meta": {"source": "Agency", "contact": "data@agency.gov"}}', "meta.json")
    assert office.verdict is Verdict.PASS, office.reasons
    person = scan(scanner, b'{"meta": {"source": "Agency", "contact": "jrivera84@gmail.com"}}', "meta.json")
    assert person.verdict is Verdict.REVIEW


# -- f06: authors beside a functional mailbox -------------------------------------------------
def test_authors_with_a_functional_mailbox_pass(scanner: Scanner, fake: Faker) -> None:
    a, b, c = (fake.name() for _ in range(3))
    text = (
        f"Acknowledgements\n\nThis report was prepared by {a} and {b} of the Office of Immigration "
        f"Statistics, with assistance from {c}. Questions: ois@hq.dhs.gov.\n"
    )
    rep = scan(scanner, text.encode(), "ack.txt")
    assert rep.verdict is Verdict.PASS and rep.people == 0, rep.reasons


def test_names_with_their_own_mailboxes_still_block(scanner: Scanner) -> None:
    text = "Maria Gonzalez (maria.gonzalez@gmail.com) and David Chen (dchen1990@yahoo.com) filed the claim.\n"
    rep = scan(scanner, text.encode(), "claim.txt")
    assert rep.verdict is Verdict.BLOCK and rep.people == 2


# -- f05: an official and a facility in one sentence ----------------------------------------
OFFICIAL = (
    "The Inspector General, Joseph V. Cuffari, released report OIG-23-12 on conditions at the "
    "Adelanto ICE Processing Center."
)


def test_official_and_facility_in_prose_pass(scanner: Scanner) -> None:
    for data, name in [
        (f"{OFFICIAL}\n\nThe report found gaps in medical care.\n".encode(), "oig.txt"),
        (make_docx(p(r(OFFICIAL)) + p(r("The report found gaps in medical care."))), "oig.docx"),
        (_pdf(_objects([_text(OFFICIAL[:90]) + _text(OFFICIAL[90:], y=680)])), "oig.pdf"),
    ]:
        rep = scan(scanner, data, name)
        assert rep.verdict is Verdict.PASS and rep.people == 0, (name, rep.reasons)


def test_detainee_at_a_facility_with_a_fear_claim_still_blocks(scanner: Scanner) -> None:
    text = "Maria Lopez, a Honduran national detained at Adelanto, has a pending credible fear claim.\n"
    rep = scan(scanner, text.encode(), "case.txt")
    assert rep.verdict is Verdict.BLOCK and rep.people == 1
    assert "asylum-immigration" in rep.categories


# -- f07: an author line in a report about credible fear ------------------------------------
def test_author_line_in_a_report_passes(scanner: Scanner) -> None:
    lines = [
        "Annual Report FY2023",
        "Prepared by: Office of Immigration Statistics",
        "Author: Jane Smith, Statistician",
        "In FY2023 the number of credible fear referrals increased by 12 percent.",
    ]
    rep = scan(scanner, make_docx("".join(p(r(x)) for x in lines)), "report.docx")
    assert rep.verdict is Verdict.PASS and rep.categories == (), rep.reasons


def test_memo_about_a_person_with_a_fear_claim_still_blocks(scanner: Scanner) -> None:
    lines = ["MEMORANDUM", "Subject: Carlos Mendoza Ruiz", "The subject passed a credible fear interview."]
    rep = scan(scanner, make_docx("".join(p(r(x)) for x in lines)), "memo.docx")
    assert rep.verdict is Verdict.BLOCK and "asylum-immigration" in rep.categories


# -- f04: a press release as PDF --------------------------------------------------------------
def test_press_release_pdf_passes(scanner: Scanner) -> None:
    content = (
        _text("WASHINGTON - Secretary Alejandro Mayorkas announced today new guidance on detention")
        + _text('standards. "We are committed to transparency," said Mayorkas.', y=680)
        + _text("Deputy Director Patrick Lechleitner will oversee implementation.", y=660)
        + _text("Media contact: press@agency.gov, (202) 555-0199.", y=640)
    )
    rep = scan(scanner, _pdf(_objects([content])), "press.pdf")
    assert rep.verdict is Verdict.PASS and rep.people == 0, rep.reasons


def test_a_private_person_in_a_press_release_still_blocks(scanner: Scanner) -> None:
    text = (
        "Secretary Jane Roe announced new rules.\n\n"
        "Maria Lopez, born 03/03/1987, A-Number A012345678, was released on Monday.\n"
    )
    rep = scan(scanner, text.encode(), "press.txt")
    assert rep.verdict is Verdict.BLOCK and rep.people == 1


# -- f08: a bibliography ----------------------------------------------------------------------
def test_bibliography_in_text_passes(scanner: Scanner) -> None:
    text = (
        "REFERENCES\n\nAnderson, B. (1983). Imagined Communities. Verso.\n"
        "Hernandez, M., & Lopez, J. (2019). Detention and due process. Journal of Migration Law.\n"
        "Okonkwo, C. (2021). Asylum adjudication in practice. Oxford University Press.\n"
        "Nguyen, T. T., Patel, R., & Smith, K. (2020). Border enforcement data. Migration Studies.\n"
    )
    rep = scan(scanner, text.encode(), "refs.txt")
    assert rep.verdict is not Verdict.BLOCK and rep.categories == (), rep.reasons


def test_bibliography_table_passes(scanner: Scanner) -> None:
    rows = [
        ["Author", "Title", "Year"],
        ["Hernandez, M.", "Detention and due process", "2019"],
        ["Okonkwo, C.", "Asylum adjudication in practice", "2021"],
        ["Tesfamariam, Y.", "Eritrean diaspora networks", "2018"],
        ["Nguyen, T. T.", "Border enforcement data", "2020"],
    ]
    rep = scan(scanner, table(rows), "refs.csv")
    assert rep.verdict is not Verdict.BLOCK and rep.people == 0, rep.reasons


def test_an_author_column_of_full_names_with_statuses_still_blocks(scanner: Scanner, fake: Faker) -> None:
    rows = [["Author", "Status"]] + [[fake.name(), "Asylum granted"] for _ in range(4)]
    rep = scan(scanner, table(rows), "authors.csv")
    assert rep.verdict is Verdict.BLOCK
