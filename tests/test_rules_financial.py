"""Payment card rule (rules/financial.toml): exact spans, groupings, context, allow-list, headers.

Card numbers here are made by the tests (a prefix, filler digits and the Luhn check digit), so
none is anyone's card.
"""

from __future__ import annotations

import pytest
from stdnum import luhn

from clearance.config.loader import load_rules
from clearance.detectors.columns import ColumnDetector
from clearance.detectors.rules import RuleDetector
from clearance.model import Location, Segment

RULES = load_rules()
DETECTOR = RuleDetector(RULES, reference_year=2026)
RULE = "payment-card"


def card(prefix: str, length: int, filler: str = "7") -> str:
    body = (prefix + filler * length)[: length - 1]
    return body + luhn.calc_check_digit(body)


def grouped(number: str, sizes: tuple[int, ...], sep: str = " ") -> str:
    parts, i = [], 0
    for n in sizes:
        parts.append(number[i : i + n])
        i += n
    return sep.join(parts)


def hits(text: str, context: tuple[str, ...] = ()) -> list[tuple[int, int, float]]:
    return [
        (c.start or 0, c.end or 0, c.score)
        for c in DETECTOR.detect(Segment(text, Location(), context=context))
        if c.rule == RULE
    ]


VISA = card("4", 16)
VISA_19 = card("4", 19)
AMEX = card("37", 15)
DINERS = card("36", 14)
MASTERCARD = card("2720", 16)


@pytest.mark.parametrize(
    "value",
    [
        VISA,
        grouped(VISA, (4, 4, 4, 4)),
        grouped(VISA, (4, 4, 4, 4), "-"),
        grouped(VISA_19, (4, 4, 4, 4, 3)),
        grouped(AMEX, (4, 6, 5)),
        grouped(DINERS, (4, 6, 4), "-"),
        grouped(MASTERCARD, (4, 4, 4, 4)),
    ],
)
def test_card_exact_span(value):
    text = f"Paid on 3 May with {value}, thanks."
    start = text.index(value)
    assert [(s, e) for s, e, _ in hits(text)] == [(start, start + len(value))]


def test_card_entity_identifier_and_context_score():
    (c,) = [c for c in DETECTOR.detect(Segment(f"ref {VISA}", Location())) if c.rule == RULE]
    assert c.entity == "payment-card" and c.identifier.value == "direct"
    rule = RULES.rule(RULE)
    assert c.score == rule.score
    assert hits(f"Tarjeta de crédito: {VISA}")[0][2] == rule.context_score
    assert hits(VISA, context=("column: Card Number",))[0][2] == rule.context_score


@pytest.mark.parametrize(
    "text",
    [
        f"card {VISA[:-1]}{(int(VISA[-1]) + 1) % 10}",  # Luhn check digit wrong
        f"card {card('9', 16)}",  # no issuer starts with 9
        f"card {card('34', 16)}",  # American Express numbers have 15 digits
        f"card {grouped(VISA, (4, 4, 4, 4))[:-5]}-{VISA[-4:]}",  # mixed separators
        f"card {grouped(VISA, (4, 4, 4, 4))} 1234",  # a 20-digit grouped number
        f"account 99 {grouped(VISA, (4, 4, 4, 4))}",  # inside a longer spaced number
        f"code X{VISA}",
        f"amount {VISA}.25",
        "card 4242 4242 4242 4242",  # published processor test number
        "card 5555-5555-5555-4444",
    ],
)
def test_card_not_reported(text):
    assert hits(text) == []


def test_card_match_column_uses_header_context():
    values = [grouped(VISA, (4, 4, 4, 4)), "n/a", AMEX]
    assert DETECTOR.match_column(values, ("Card Number",), rule_ids=[RULE])[RULE] == [0, 2]


@pytest.mark.parametrize(
    ("header", "entity"),
    [
        ("Card Number", "payment-card"),
        ("CC#", "payment-card"),
        ("Número de tarjeta", "payment-card"),
        ("Credit Card No.", "payment-card"),
        ("Card Type", None),
        ("PAN", None),  # India's tax ID as often as a card number
    ],
)
def test_card_column_header(header, entity):
    rule = ColumnDetector(RULES, reference_year=2026).classify_header(header)
    assert (rule.entity if rule else None) == entity
