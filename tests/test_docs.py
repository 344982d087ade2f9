"""Every rule has its page and every built-in plugin is documented (datasette's test_docs idea)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.config.loader import load_rules
from clearance.registry import Registry

DOCS = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


@pytest.mark.parametrize("rule", load_rules().rules, ids=lambda r: r.id)
def test_every_rule_has_a_page_and_examples(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.explain.detects.strip() and rule.explain.risk.strip()
    assert rule.examples.match, f"rule {rule.id} needs at least one example that must match"


def test_every_builtin_plugin_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    reg = Registry.default(third_party=False)
    for kind in ("extractors", "detectors", "reporters"):
        for name in reg.names(kind):
            assert f"`{name}`" in text, f"{kind[:-1]} plugin {name!r} is not in docs/architecture.md"
