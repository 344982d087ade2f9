"""Configuration: precedence, extension of default rules, and loud errors naming file/rule/field."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.config.loader import load_config, load_policy, load_rules
from clearance.errors import ConfigError
from clearance.registry import Registry

GOOD_RULE = """
[[rules]]
id = "case-number"
entity = "id-number"
pattern = '\\bCASE-\\d{6}\\b'
explain.detects = "Internal case numbers"
explain.risk = "They link a document to one person's file"
examples.match = ["see CASE-123456"]
examples.no_match = ["CASE-12"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_load_and_hash_is_stable() -> None:
    a, b = load_rules(), load_rules()
    assert a.rules, "default rules must not be empty"
    assert a.sha256 == b.sha256
    policy, sha = load_policy()
    assert policy.name == "default"
    assert len(sha) == 64


def test_user_rules_extend_defaults(tmp_path: Path) -> None:
    base = load_rules()
    extended = load_rules([write(tmp_path, "mine.toml", GOOD_RULE)])
    ids = {r.id for r in extended.rules}
    assert "case-number" in ids
    assert {r.id for r in base.rules} <= ids  # nothing silently dropped (gitleaks #1164)
    assert extended.sha256 != base.sha256


def test_replacing_defaults_is_explicit(tmp_path: Path) -> None:
    rules = write(tmp_path, "mine.toml", GOOD_RULE)
    proj = write(tmp_path, "clearance.toml", 'rules = ["mine.toml"]\nreplace_default_rules = true\n')
    cfg = load_config(proj, env={})
    assert [r.id for r in cfg.rules.rules] == ["case-number"]
    assert rules.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD_RULE.replace("'\\bCASE-\\d{6}\\b'", "'(unclosed'"), "rule 'case-number'): field 'pattern'"),
        (GOOD_RULE + 'colour = "red"\n', "field 'rules.0.colour'"),
        (
            GOOD_RULE.replace('explain.detects = "Internal case numbers"\n', ""),
            "field 'rules.0.explain.detects'",
        ),
        (GOOD_RULE.replace('id = "case-number"', 'id = "case number!"'), "field 'rules.0.id'"),
        ("[[rules]\n", "not valid TOML"),
    ],
    ids=["bad-regex", "unknown-field", "missing-explain", "bad-id", "bad-toml"],
)
def test_invalid_rule_files_name_file_rule_and_field(tmp_path: Path, text: str, expected: str) -> None:
    p = write(tmp_path, "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        load_rules([p])
    assert str(p) in str(info.value)
    assert expected in str(info.value)


def test_invalid_policy_names_field(tmp_path: Path) -> None:
    p = write(tmp_path, "policy.toml", 'name = "strict"\n[thresholds]\nsmall_cell = 0\n')
    with pytest.raises(ConfigError, match=r"field 'thresholds.small_cell'"):
        load_policy(p)


def test_precedence_flag_over_env_over_project_file(tmp_path: Path) -> None:
    proj = write(tmp_path, "clearance.toml", '[scan]\nignore = ["*.bak"]\nfingerprint_key = "from-file"\n')
    strict = write(tmp_path, "strict.toml", 'name = "strict"\n')
    other = write(tmp_path, "other.toml", 'name = "other"\n')
    cfg = load_config(proj, env={"CLEARANCE_POLICY": str(strict)})
    assert cfg.policy.name == "strict"  # env beats the default
    assert cfg.scan.ignore == ["*.bak"]
    assert cfg.fingerprint_key == b"from-file"
    cfg = load_config(
        proj, env={"CLEARANCE_POLICY": str(strict)}, policy_path=other, overrides={"ignore": ["x"]}
    )
    assert cfg.policy.name == "other"  # the flag beats env
    assert cfg.scan.ignore == ["x"]


def test_project_file_found_from_cwd(tmp_path: Path) -> None:
    write(tmp_path, "clearance.toml", "[scan.limits]\nmax_depth = 2\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    cfg = load_config(env={}, cwd=sub)
    assert cfg.scan.limits.max_depth == 2


def test_unknown_project_key_is_an_error(tmp_path: Path) -> None:
    proj = write(tmp_path, "clearance.toml", "[scan]\nignroe = []\n")
    with pytest.raises(ConfigError, match=r"field 'scan\.ignroe'"):
        load_config(proj, env={})


def test_registry_is_fresh_and_reports_unknown_names() -> None:
    a, b = Registry.default(third_party=False), Registry.default(third_party=False)
    assert a is not b and a.plugins is not b.plugins
    assert "xlsx" in a.names("extractors")
    assert {"rules", "names", "columns", "categories"} <= set(a.names("detectors"))
    with pytest.raises(KeyError, match="known:"):
        a.get("reporters", "pdf")
