"""Pattern rules: compiled regexes + keyword context + validators + allow-lists.

Context comes from two places: a window of text around the match, and the segment's structured
context (column header, form label, JSON key) that the extractor attached. A header such as
"DOB" is worth more than any window, so it counts for every match in the segment.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar

from clearance.config.loader import RuleSet
from clearance.config.schema import Rule
from clearance.detectors import validators
from clearance.detectors.validators import Validator, fold
from clearance.errors import ConfigError
from clearance.model import Candidate, Identifier, Segment

# Characters of text searched for a keyword before / after a match: about six words before
# (labels precede values: "DOB: ...", "born on ...") and three after ("201-555-123 (A-number)").
WINDOW_BEFORE = 48
WINDOW_AFTER = 24

_FLAGS = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE}


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    regex: re.Pattern[str]
    keywords: re.Pattern[str] | None  # over accent-folded lowercase text
    allow: tuple[re.Pattern[str], ...]
    validator: Validator | None
    identifier: Identifier

    def keyword_in(self, folded: str) -> bool:
        return self.keywords is not None and self.keywords.search(folded) is not None

    def accept(self, value: str, has_context: bool) -> float | None:
        """The score for ``value``, or None when it must not be reported."""
        if self.rule.requires_context and not has_context:
            return None
        if any(a.search(value) for a in self.allow):
            return None
        if self.validator is not None and self.validator(value) is False:
            return None
        return self.rule.context_score if has_context else self.rule.score


def compile_rule(rule: Rule, reference_year: int) -> CompiledRule:
    flags = 0
    for f in rule.flags:
        flags |= _FLAGS[f]
    validator = None
    if rule.validator is not None:
        try:
            validator = validators.resolve(rule.validator, reference_year=reference_year)
        except KeyError:
            raise ConfigError(
                f"rule {rule.id!r}: field 'validator': unknown validator {rule.validator!r} "
                f"(known: {', '.join(validators.NAMES)})"
            ) from None
    kw = None
    if rule.keywords:
        alts = "|".join(re.escape(fold(k)) for k in sorted(rule.keywords, key=len, reverse=True))
        kw = re.compile(rf"(?<!\w)(?:{alts})(?!\w)")
    return CompiledRule(
        rule=rule,
        regex=re.compile(rule.pattern, flags),
        keywords=kw,
        allow=tuple(re.compile(a) for a in rule.allow),
        validator=validator,
        identifier=Identifier(rule.identifier),
    )


class RuleDetector:
    """TextDetector over every pattern rule of a RuleSet."""

    name: ClassVar[str] = "rules"

    def __init__(self, rules: RuleSet, reference_year: int = 2026) -> None:
        self.reference_year = reference_year
        self.compiled: tuple[CompiledRule, ...] = tuple(compile_rule(r, reference_year) for r in rules.rules)
        self._by_id = {c.rule.id: c for c in self.compiled}

    def get(self, rule_id: str) -> CompiledRule | None:
        return self._by_id.get(rule_id)

    def detect(self, segment: Segment) -> Iterator[Candidate]:
        text = segment.text
        if not text:
            return
        folded = fold(text)
        context = fold(" | ".join(segment.context))
        found: list[Candidate] = []
        for cr in self.compiled:
            group = cr.rule.group
            context_hit = cr.keyword_in(context)
            for m in cr.regex.finditer(text):
                start, end = m.span(group)
                if start < 0 or start == end:
                    continue
                has_context = context_hit or cr.keyword_in(
                    folded[max(0, start - WINDOW_BEFORE) : start] + " \n " + folded[end : end + WINDOW_AFTER]
                )
                score = cr.accept(text[start:end], has_context)
                if score is None:
                    continue
                found.append(
                    Candidate(
                        rule=cr.rule.id,
                        entity=cr.rule.entity,
                        value=text[start:end],
                        score=score,
                        location=segment.location,
                        visibility=segment.visibility,
                        identifier=cr.identifier,
                        category=cr.rule.category,
                        role=segment.role,
                        start=start,
                        end=end,
                    )
                )
        yield from _drop_nested(found)

    def match_column(
        self,
        values: Sequence[str | None],
        context: tuple[str, ...],
        *,
        rule_ids: Collection[str] | None = None,
    ) -> dict[str, list[int]]:
        """Rule id -> sorted indices of ``values`` holding a match.

        Joins the column with newlines and runs each pattern once over the joined text (regex
        work stays in C); match offsets map back to rows by bisecting the row start offsets.
        A match may not straddle two cells; the keyword window is the cell itself.
        """
        texts = [v or "" for v in values]
        joined = "\n".join(texts)
        starts = [0, *accumulate(len(t) + 1 for t in texts)][: len(texts)]
        context_folded = fold(" | ".join(context))
        folded: str | None = None
        out: dict[str, list[int]] = {}
        for cr in self.compiled:
            if rule_ids is not None and cr.rule.id not in rule_ids:
                continue
            group = cr.rule.group
            context_hit = cr.keyword_in(context_folded)
            rows: set[int] = set()
            for m in cr.regex.finditer(joined):
                start, end = m.span(group)
                if start < 0 or start == end:
                    continue
                row = bisect.bisect_right(starts, start) - 1
                row_end = starts[row] + len(texts[row])
                if end > row_end or row in rows:
                    continue
                has_context = context_hit
                if not has_context and cr.keywords is not None:
                    if folded is None:
                        folded = fold(joined)
                    has_context = cr.keyword_in(folded[starts[row] : start] + " \n " + folded[end:row_end])
                if cr.accept(joined[start:end], has_context) is not None:
                    rows.add(row)
            if rows:
                out[cr.rule.id] = sorted(rows)
        return out


def _drop_nested(found: list[Candidate]) -> list[Candidate]:
    """Keep one candidate per span and entity: a variant rule matching inside another's span is dropped."""
    found.sort(key=lambda c: (c.start or 0, -((c.end or 0) - (c.start or 0)), -c.score))
    kept: list[Candidate] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for c in found:
        s, e = c.start or 0, c.end or 0
        if any(ks <= s and e <= ke for ks, ke in spans.get(c.entity, ())):
            continue
        spans.setdefault(c.entity, []).append((s, e))
        kept.append(c)
    return kept
