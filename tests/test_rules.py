"""Every example of every default rule, exact spans, context handling and invalid rule files."""

from __future__ import annotations

import pytest

from clearance.config.loader import load_rules, parse_rule_file
from clearance.detectors.rules import RuleDetector
from clearance.errors import ConfigError
from clearance.model import Location, Segment

RULES = load_rules()
DETECTOR = RuleDetector(RULES, reference_year=2026)

EXAMPLES = [
    pytest.param(rule.id, text, expected, id=f"{rule.id}:{'match' if expected else 'no_match'}:{i}")
    for rule in RULES.rules
    for expected, texts in ((True, rule.examples.match), (False, rule.examples.no_match))
    for i, text in enumerate(texts)
]


def rules_found(text: str, context: tuple[str, ...] = ()) -> list[str]:
    return [c.rule for c in DETECTOR.detect(Segment(text, Location(), context=context))]


@pytest.mark.parametrize(("rule_id", "text", "expected"), EXAMPLES)
def test_rule_examples(rule_id, text, expected):
    assert (rule_id in rules_found(text)) is expected


def test_every_rule_has_examples_both_ways():
    for rule in RULES.rules:
        assert rule.examples.match and rule.examples.no_match, rule.id


@pytest.mark.parametrize(
    ("text", "rule_id", "span"),
    [
        ("Subject A-number A201555123 was detained", "a-number", (17, 27)),
        ("SSN 123-45-6789.", "us-ssn", (4, 15)),
        ("write to maria.gomez@gmail.com today", "email", (9, 30)),
        ("call (202) 224-3441 now", "phone-number", (5, 19)),
        ("call (202) 224-3441 x12 now", "phone-number", (5, 23)),
        ("Tel: 020 7946 0958.", "phone-number-national", (5, 18)),
        ("Fax (030) 1234567, mornings", "phone-number-national", (4, 17)),
        ("téléphone : 06.12.34.56.78", "phone-number-national", (12, 26)),
        ("Ana María Gómez, born 3 March 1987", "date-of-birth-prose", (22, 34)),
        ("Fecha de nacimiento: 3 de marzo de 1987", "date-of-birth-prose", (21, 39)),
        ("a citizen of Guatemala.", "nationality", (13, 22)),
    ],
)
def test_exact_spans(text, rule_id, span):
    hits = [c for c in DETECTOR.detect(Segment(text, Location())) if c.rule == rule_id]
    assert [(c.start, c.end) for c in hits] == [span]
    assert text[span[0] : span[1]] == hits[0].value


def test_structured_context_counts():
    # A bare date is nothing; under a "DOB" column header it is a date of birth.
    assert "date-of-birth" not in rules_found("03/07/1987")
    assert "date-of-birth" in rules_found("03/07/1987", context=("column: DOB",))
    assert "a-number-bare" in rules_found("201555123", context=("A-Number",))


def test_national_phone_needs_context():
    # A national-format number alone is a digit run like any other; beside a phone word, under a
    # phone header or form label it is a phone.
    assert "phone-number-national" not in rules_found("Ref. 020 7946 0958")
    assert "phone-number-national" in rules_found("Ref. 020 7946 0958, mobile")
    assert "phone-number-national" in rules_found("020 7946 0958", context=("column: Teléfono",))
    got = DETECTOR.match_column(["612 345 678", "n/a"], ("Phone",), rule_ids=["phone-number-national"])
    assert got == {"phone-number-national": [0]}
    assert DETECTOR.match_column(["612 345 678"], ("Invoice",), rule_ids=["phone-number-national"]) == {}


@pytest.mark.parametrize(
    "text",
    [
        "Call the hotline: 12 345 678 calls were answered in 2021-2022",
        "phone sales reached 1.234.567 units, up 12% on 2019",
        "mobile: see page 123, section 4.5.6, rule 2021-07",
        "call on 12/03/2021 at 14:30 about invoice #555-1234",
        "contact: 10.20.30.40 (server), port 8080",
        "tel 1 234 567 €",
        "call 100 000 000 times",
        "mobile release 10.0.19041.1234",
        "contact Washington, DC 20500-0003",
        "call +99 (0)20 1234 5678",  # no country code 99: not a national number either
    ],
)
def test_national_phone_not_numbers_in_prose(text):
    assert "phone-number-national" not in rules_found(text)


def test_context_raises_score_and_candidate_fields():
    seg = Segment("A201555123", Location(sheet="S", range="B2"), context=("column: Alien #",), role="cell")
    (c,) = list(DETECTOR.detect(seg))
    assert c.score == RULES.rule("a-number").context_score and c.location.range == "B2" and c.role == "cell"
    (c2,) = list(DETECTOR.detect(Segment("ref A201555123", Location())))
    assert c2.score == RULES.rule("a-number").score < c.score
    assert c.category == "asylum-immigration"


def test_reference_year_is_injected():
    old = RuleDetector(RULES, reference_year=1950)
    assert "date-of-birth" not in [c.rule for c in old.detect(Segment("DOB: 03/07/1987", Location()))]


def test_match_column_bulk():
    values = ["ok", None, "mail maria@gmail.com", "536-22-1234", "A201555123\nand A087654321", ""]
    got = DETECTOR.match_column(values, ())
    assert got["email"] == [2] and got["us-ssn"] == [3] and got["a-number"] == [4]
    assert DETECTOR.match_column(["201555123", "x"], ("A-Number",))["a-number-bare"] == [0]
    assert "a-number-bare" not in DETECTOR.match_column(["201555123", "x"], ("Invoice",))


GOOD = """
[[rules]]
id = "{id}"
entity = "x"
pattern = '{pattern}'
{extra}
[rules.explain]
detects = "x"
risk = "y"
"""


def test_valid_user_rule_parses():
    rf = parse_rule_file(GOOD.format(id="ok", pattern=r"\d+", extra="").encode(), "user.toml")
    assert rf.rules[0].id == "ok"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.format(id="bad-regex", pattern="(unclosed", extra=""), "pattern"),
        (GOOD.format(id="bad-field", pattern="x", extra="colour = 'red'"), "colour"),
        (
            GOOD.replace('[rules.explain]\ndetects = "x"\nrisk = "y"\n', "").format(
                id="no-explain", pattern="x", extra=""
            ),
            "explain",
        ),
    ],
)
def test_invalid_rule_files(text, field):
    with pytest.raises(ConfigError) as err:
        parse_rule_file(text.encode(), "user.toml")
    msg = str(err.value)
    rule_id = text.split('id = "')[1].split('"')[0]
    assert "user.toml" in msg and rule_id in msg and field in msg


def test_unknown_validator_names_rule_and_field():
    rf = parse_rule_file(GOOD.format(id="v", pattern="x", extra="validator = 'nope'").encode(), "user.toml")
    from clearance.config.loader import RuleSet

    with pytest.raises(ConfigError, match=r"'v'.*validator"):
        RuleDetector(RuleSet(tuple(rf.rules), (), (), ""))
