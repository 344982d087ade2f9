from __future__ import annotations

import pytest

from clearance.config.loader import load_rules
from clearance.detectors.categories import CategoryDetector
from clearance.model import Identifier, Location, Segment, Visibility

RULES = load_rules()
DETECTOR = CategoryDetector(RULES)

EXAMPLES = [
    pytest.param(entry.category, text, expected, id=f"{entry.category}:{expected}:{i}")
    for entry in RULES.categories
    for expected, texts in ((True, entry.examples.match), (False, entry.examples.no_match))
    for i, text in enumerate(texts)
]


def categories(text: str) -> set[str]:
    return {c.category for c in DETECTOR.detect(Segment(text, Location())) if c.category}


@pytest.mark.parametrize(("category", "text", "expected"), EXAMPLES)
def test_category_examples(category, text, expected):
    assert (category in categories(text)) is expected


def test_required_categories_exist():
    assert {"asylum-immigration", "health", "criminal", "children"} <= {c.category for c in RULES.categories}


def test_candidate_fields_and_accent_insensitive_spans():
    text = "Solicitó asilo; tenía MIEDO CREIBLE y una orden de deportación."
    seg = Segment(text, Location(page=2), visibility=Visibility.COMMENT, role="comment")
    found = list(DETECTOR.detect(seg))
    assert {text[c.start : c.end].lower() for c in found} == {
        "asilo",
        "miedo creible",
        "orden de deportación",
    }
    c = found[0]
    assert c.entity == "special-category" and c.identifier is Identifier.CATEGORY
    assert c.visibility is Visibility.COMMENT and c.role == "comment" and c.location.page == 2
