"""Special-category terms (asylum/immigration, health, criminal, children) in text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import ClassVar

from clearance.config.loader import RuleSet
from clearance.config.schema import CategoryTerms
from clearance.detectors.validators import fold
from clearance.errors import ConfigError
from clearance.model import Candidate, Identifier, Segment

RULE_ID = "special-category"
ENTITY = "special-category"
# A category term alone says little about whom it concerns; assess raises it when a person is linked.
TERM_SCORE = 0.6


class CategoryMatcher:
    """One compiled regex per category over accent-folded, case-insensitive text.

    Word boundaries exclude hyphens so "minor" does not fire inside "minor-league".
    """

    def __init__(self, categories: Sequence[CategoryTerms]) -> None:
        terms: dict[str, list[str]] = {}
        for entry in categories:
            terms.setdefault(entry.category, []).extend(fold(t) for t in entry.terms)
        self.patterns: dict[str, re.Pattern[str]] = {}
        for category, ts in terms.items():
            source = r"(?<![\w-])(?:" + "|".join(f"(?:{t})" for t in ts) + r")(?![\w-])"
            try:
                # Terms and text are both folded to lower case, so no IGNORECASE: Python's re
                # is three to four times slower with it on a long alternation.
                self.patterns[category] = re.compile(source)
            except re.error as exc:
                raise ConfigError(f"categories (category {category!r}): field 'terms': {exc}") from None

    def finditer(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(category, start, end) for every term; offsets index the original text."""
        folded = fold(text)
        for category, rx in self.patterns.items():
            for m in rx.finditer(folded):
                yield category, m.start(), m.end()

    def categories_in(self, text: str) -> set[str]:
        folded = fold(text)
        return {c for c, rx in self.patterns.items() if rx.search(folded)}


class CategoryDetector:
    """TextDetector: special-category terms -> Candidate(entity="special-category")."""

    name: ClassVar[str] = "categories"

    def __init__(self, rules: RuleSet) -> None:
        self.matcher = CategoryMatcher(rules.categories)

    def detect(self, segment: Segment) -> Iterator[Candidate]:
        text = segment.text
        for category, start, end in self.matcher.finditer(text):
            yield Candidate(
                rule=RULE_ID,
                entity=ENTITY,
                value=text[start:end],
                score=TERM_SCORE,
                location=segment.location,
                visibility=segment.visibility,
                identifier=Identifier.CATEGORY,
                category=category,
                role=segment.role,
                start=start,
                end=end,
            )
