"""Public-role context in prose: which sentences speak of someone in an official capacity.

A name in a sentence with "Secretary", "spokesperson" or "said in a statement" is an official
speaking as such. This detector finds those sentences and reports each as one ``public-role``
Candidate spanning the sentence (identifier NONE: it is context, not personal data); assess
treats names inside the span as officials (assess/segments.py). Terms are data:
config/defaults/rules/public_roles.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import ClassVar

from clearance.config.loader import RuleSet
from clearance.config.schema import RoleTerms
from clearance.detectors.validators import fold
from clearance.errors import ConfigError
from clearance.model import Candidate, Identifier, Segment

RULE_ID = ENTITY = "public-role"
SCORE = 0.5  # context only: never reported as a finding
# A sentence ends at ., ! or ? followed by white space, or at a line break; not at the full stop
# of an initial ("Joseph V. Cuffari", "Lopez, J.") or of an abbreviated title ("Dr.", "Sen."),
# which would cut the name it introduces off the role ("The Inspector General, Joseph V.").
_ABBREVIATIONS = (
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Sr",
    "Sra",
    "Jr",
    "St",
    "Sen",
    "Rep",
    "Gov",
    "Gen",
    "Lt",
    "Col",
    "Hon",
)
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z])" + "".join(rf"(?<!\b{a})" for a in _ABBREVIATIONS) + r"\.(?=\s)|[!?](?=\s)|\n"
)


class RoleMatcher:
    def __init__(self, roles: Sequence[RoleTerms]) -> None:
        terms = [fold(t) for r in roles for t in r.terms]
        self.pattern: re.Pattern[str] | None = None
        if terms:
            source = r"(?<![\w-])(?:" + "|".join(f"(?:{t})" for t in terms) + r")(?![\w-])"
            try:
                self.pattern = re.compile(source)  # terms and text are both folded to lower case
            except re.error as exc:
                raise ConfigError(f"roles: field 'terms': {exc}") from None

    def sentences(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, term) of each sentence holding a role term, once per sentence."""
        if self.pattern is None:
            return
        folded, pattern = fold(text), self.pattern
        if len(folded) != len(text):  # folding changed offsets: match the original text
            folded, pattern = text, re.compile(self.pattern.pattern, re.IGNORECASE)
        last_end = -1
        # Matches come in order, so one pass over the sentence ends finds each match's sentence
        # start (a rescan from 0 per match made long texts quadratic).
        ends = _SENTENCE_END.finditer(text)
        boundary = next(ends, None)
        start = 0
        for m in pattern.finditer(folded):
            if m.start() < last_end:
                continue
            while boundary is not None and boundary.end() <= m.start():
                start = boundary.end()
                boundary = next(ends, None)
            b = _SENTENCE_END.search(text, m.end())
            end = b.end() if b else len(text)
            last_end = end
            yield start, end, text[m.start() : m.end()]


class RoleDetector:
    """TextDetector: sentences with a public-role term -> Candidate(entity="public-role")."""

    name: ClassVar[str] = "roles"

    def __init__(self, rules: RuleSet) -> None:
        self.matcher = RoleMatcher(rules.roles)

    def detect(self, segment: Segment) -> Iterator[Candidate]:
        for start, end, term in self.matcher.sentences(segment.text):
            yield Candidate(
                rule=RULE_ID,
                entity=ENTITY,
                value=term,
                score=SCORE,
                location=segment.location,
                visibility=segment.visibility,
                identifier=Identifier.NONE,
                role=segment.role,
                start=start,
                end=end,
            )
