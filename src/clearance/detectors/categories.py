"""Special-category terms (asylum/immigration, health, criminal, children) in text.

A term that is part of an organisation's name ("Arlington Asylum Office", "Refugee Council") or
of a topic ("asylum policy", "refugee statistics") says nothing about a person's status: the
matcher's ``patterns`` (what a column of statuses must hold, see detectors/columns.py) leave those
uses out. Prose keeps every use (``finditer``): "Maria Lopez was interviewed at the Arlington
Asylum Office" still speaks of her asylum case; assess decides whether a person is linked.
The head nouns are data: config/defaults/organisations.toml, [names] heads.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator, Sequence
from importlib import resources
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


@functools.cache
def organisation_heads() -> tuple[str, ...]:
    """Head nouns after which a term names an organisation or a topic (regexes, lower case)."""
    data = (resources.files("clearance.config") / "defaults" / "organisations.toml").read_bytes()
    return tuple(tomllib.loads(data.decode("utf-8"))["names"]["heads"])


class CategoryMatcher:
    """One compiled regex per category over accent-folded, case-insensitive text.

    Word boundaries exclude hyphens so "minor" does not fire inside "minor-league".
    ``mention_patterns`` find every use of a term; ``patterns`` only those not followed by an
    organisation's head noun ("Asylum Office"): a person's status, not an office's name.
    """

    def __init__(self, categories: Sequence[CategoryTerms], heads: Sequence[str] | None = None) -> None:
        terms: dict[str, list[str]] = {}
        for entry in categories:
            terms.setdefault(entry.category, []).extend(fold(t) for t in entry.terms)
        heads = organisation_heads() if heads is None else heads
        not_org = r"(?!\s+(?:" + "|".join(f"(?:{h})" for h in heads) + r")(?![\w-]))" if heads else ""
        self.patterns: dict[str, re.Pattern[str]] = {}
        self.mention_patterns: dict[str, re.Pattern[str]] = {}
        for category, ts in terms.items():
            source = r"(?<![\w-])(?:" + "|".join(f"(?:{t})" for t in ts) + r")(?![\w-])"
            try:
                # Terms and text are both folded to lower case, so no IGNORECASE: Python's re
                # is three to four times slower with it on a long alternation.
                self.mention_patterns[category] = re.compile(source)
                self.patterns[category] = re.compile(source + not_org)
            except re.error as exc:
                raise ConfigError(f"categories (category {category!r}): field 'terms': {exc}") from None

    def finditer(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(category, start, end) for every use of a term, organisations' names included;
        offsets index the original text."""
        folded = fold(text)
        for category, rx in self.mention_patterns.items():
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
