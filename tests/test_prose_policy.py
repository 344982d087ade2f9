"""Prose policy end to end: generated .txt/.docx/.pdf files through the real scanner.

A press release naming officials passes; a letter or memo about a private individual with an
identifying detail or a special category blocks; a proper redaction passes; a fake redaction
(a black box over live text) blocks; private details in tracked changes block.
"""

from __future__ import annotations

import pytest

from clearance.config.loader import load_config, load_rules
from clearance.detectors.roles import RoleMatcher
from clearance.formats import document_from_bytes
from clearance.model import Assessment, FileReport, Location, Note, Verdict, Visibility
from clearance.pipeline import Scanner
from clearance.policy import decide
from test_extract_docx import make_docx, p, r
from test_extract_pdf import BLACK_BOX, _objects, _pdf, _text


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner.build(reference_year=2026)


def scan(scanner: Scanner, data: bytes, name: str) -> FileReport:
    return scanner.scan_document(document_from_bytes(data, name))


PRESS_RELEASE = """\
FOR IMMEDIATE RELEASE

Department announces new standards for detention facilities

WASHINGTON - Secretary Jane Roe announced new standards for detention facilities on Monday, \
including independent inspections of every facility that holds asylum seekers.

"These standards protect everyone in our custody," said Deputy Director Mark Haines in a statement.

Media contact: Office of Public Affairs, spokesperson Ellen Park, press@agency.example.gov
"""


def test_press_release_naming_officials_passes(scanner: Scanner) -> None:
    rep = scan(scanner, PRESS_RELEASE.encode(), "press-release.txt")
    assert rep.verdict is Verdict.PASS, rep.reasons
    assert rep.people == 0
    assert any("without identifying details" in n for n in rep.notes), rep.notes


LETTER = [
    "Office of the Field Office Director",
    "Re: Ana María Gómez",
    "This letter concerns your application for a stay of removal.",
    "Date of birth: 03/03/1987",
    "A-Number: A012345678",
    "Please report to the office on the date shown above.",
]


def test_letter_about_a_private_person_blocks(scanner: Scanner) -> None:
    body = "".join(p(r(line)) for line in LETTER)
    rep = scan(scanner, make_docx(body), "letter.docx")
    assert rep.verdict is Verdict.BLOCK
    assert rep.people == 1
    assert rep.reasons[0].startswith("The document identifies 1 person (name, date of birth, A-number)")


def test_same_details_in_one_paragraph_block_too(scanner: Scanner) -> None:
    text = "Ana María Gómez, born 03/03/1987, A-Number A012345678, reported on Monday.\n"
    rep = scan(scanner, text.encode(), "note.txt")
    assert rep.verdict is Verdict.BLOCK and rep.people == 1


MEMO = """\
MEMORANDUM

Subject: Carlos Mendoza Ruiz

Mr. Mendoza Ruiz was diagnosed with tuberculosis last month and is receiving medication at the clinic.
"""


def test_memo_with_a_health_term_about_a_named_person_blocks(scanner: Scanner) -> None:
    rep = scan(scanner, MEMO.encode(), "memo.txt")
    assert rep.verdict is Verdict.BLOCK, rep.reasons
    assert "health" in rep.categories
    assert any(
        reason.startswith("Special category: health information of 1 person") for reason in rep.reasons
    )


def test_proper_redaction_passes(scanner: Scanner) -> None:
    # the box is drawn and the text under it was removed: nothing is left to copy out
    content = BLACK_BOX + _text("Case summary: the request was reviewed and closed.", y=600)
    rep = scan(scanner, _pdf(_objects([content])), "redacted.pdf")
    assert rep.verdict is Verdict.PASS, rep.reasons


def test_fake_redaction_blocks(scanner: Scanner) -> None:
    content = _text("Ana Garcia Lopez, born 1987-03-03") + BLACK_BOX + _text("Case summary", y=600)
    rep = scan(scanner, _pdf(_objects([content])), "fake-redaction.pdf")
    assert rep.verdict is Verdict.BLOCK
    assert rep.reasons[0].startswith("Text under a black box on page 1 is still in the file: names")
    assert any(f.visibility is Visibility.UNDER_REDACTION for f in rep.findings)


def test_box_over_text_with_nothing_recognised_goes_to_review() -> None:
    note = Note(
        "covered-text",
        "text under an opaque box",
        Location(page=1),
        Visibility.UNDER_REDACTION,
    )
    a = Assessment(
        findings=(), people=0, people_exact=True, categories=(), tables=(), small_cells=(), notes=(note,)
    )
    verdict, reasons, _ = decide(a, load_config().policy)
    assert verdict is Verdict.REVIEW
    assert reasons == ("Page 1 has text under an opaque box: a black box over live text is not a redaction",)


def test_private_details_in_tracked_changes_block_with_the_place(scanner: Scanner) -> None:
    deleted = (
        '<w:del w:id="1" w:author="Editor" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>'
        "Carlos Mendoza Ruiz, born 05/14/1979, A-Number A023456789"
        "</w:delText></w:r></w:del>"
    )
    body = p(r("Summary of the case review.")) + f"<w:p>{deleted}</w:p>" + p(r("The review is closed."))
    rep = scan(scanner, make_docx(body), "review.docx")
    assert rep.verdict is Verdict.BLOCK
    assert "tracked changes" in rep.reasons[0], rep.reasons


def test_an_officials_own_date_of_birth_is_still_a_record(scanner: Scanner) -> None:
    text = "Secretary Janet Morales, born 04/12/1961, was sworn in on Monday.\n"
    rep = scan(scanner, text.encode(), "bio.txt")
    assert rep.verdict is Verdict.BLOCK and rep.people == 1


@pytest.mark.parametrize(
    ("text", "matches"),
    [(ex, True) for role in load_rules().roles for ex in role.examples.match]
    + [(ex, False) for role in load_rules().roles for ex in role.examples.no_match],
)
def test_role_examples(text: str, matches: bool) -> None:
    matcher = RoleMatcher(load_rules().roles)
    assert bool(list(matcher.sentences(text))) is matches


def test_role_span_covers_the_sentence_only() -> None:
    matcher = RoleMatcher(load_rules().roles)
    text = "Maria Lopez arrived in May. Secretary Jane Roe spoke. Carlos Ruiz left."
    ((start, end, term),) = list(matcher.sentences(text))
    assert text[start:end].strip() == "Secretary Jane Roe spoke."
    assert term == "Secretary"
