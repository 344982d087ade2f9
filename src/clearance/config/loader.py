"""Load configuration: flag > environment > project file > defaults.

User rule files EXTEND the default rules; replacing them needs ``replace_default_rules = true``.
Every error names the file, the rule id (where there is one) and the field.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from clearance.config.schema import (
    CategoryTerms,
    ColumnRule,
    Policy,
    ProjectFile,
    RoleTerms,
    Rule,
    RuleFile,
    ScanConfig,
)
from clearance.errors import ConfigError

PROJECT_FILES = ("clearance.toml", ".clearance.toml")
DEFAULT_KEY = "clearance-default-fingerprint-key"  # documented: set CLEARANCE_KEY in production


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    columns: tuple[ColumnRule, ...]
    categories: tuple[CategoryTerms, ...]
    sha256: str  # hash of the rule files' bytes, part of the incremental-scan cache key
    roles: tuple[RoleTerms, ...] = ()  # public-role terms (rules/public_roles.toml)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


@dataclass(frozen=True)
class Config:
    scan: ScanConfig
    policy: Policy
    policy_sha256: str
    rules: RuleSet
    fingerprint_key: bytes


def _describe(exc: ValidationError, source: str, data: Any) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        rule_id = ""
        if (
            len(loc) >= 2
            and loc[0] in ("rules", "columns", "categories", "roles")
            and isinstance(loc[1], int)
        ):
            try:
                item = data[loc[0]][loc[1]]
                label = item.get("id") or item.get("entity") or item.get("category") or item.get("role")
                rule_id = f" (rule {label!r})"
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
        lines.append(f"{source}{rule_id}: field '{where}': {err['msg']}")
    return "\n".join(lines)


def _read_toml(data: bytes, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None


def parse_rule_file(data: bytes, source: str) -> RuleFile:
    raw = _read_toml(data, source)
    try:
        rf = RuleFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source, raw)) from None
    import re

    for rule in rf.rules:
        try:
            rx = re.compile(rule.pattern)
        except re.error as exc:
            raise ConfigError(f"{source} (rule {rule.id!r}): field 'pattern': {exc}") from None
        if rule.group > rx.groups:
            raise ConfigError(f"{source} (rule {rule.id!r}): field 'group': pattern has {rx.groups} groups")
        for a in rule.allow:
            try:
                re.compile(a)
            except re.error as exc:
                raise ConfigError(f"{source} (rule {rule.id!r}): field 'allow': {exc}") from None
    for col in rf.columns:
        for h in col.headers:
            try:
                re.compile(h)
            except re.error as exc:
                raise ConfigError(f"{source} (column {col.entity!r}): field 'headers': {exc}") from None
    return rf


def _default_rule_blobs() -> list[tuple[str, bytes]]:
    root = resources.files("clearance.config") / "defaults" / "rules"
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append((f"defaults/rules/{entry.name}", entry.read_bytes()))
    return out


def load_rules(extra: list[Path] | None = None, *, replace_defaults: bool = False) -> RuleSet:
    blobs = [] if replace_defaults else _default_rule_blobs()
    for p in extra or []:
        try:
            blobs.append((str(p), Path(p).read_bytes()))
        except OSError as exc:
            raise ConfigError(f"{p}: cannot read rule file: {exc.strerror}") from None
    rules: dict[str, Rule] = {}
    columns: list[ColumnRule] = []
    categories: list[CategoryTerms] = []
    roles: list[RoleTerms] = []
    h = hashlib.sha256()
    for source, data in blobs:
        h.update(source.encode() + b"\0" + data)
        rf = parse_rule_file(data, source)
        for r in rf.rules:
            rules[r.id] = r  # a user rule with a default's id overrides that rule only
        columns.extend(rf.columns)
        categories.extend(rf.categories)
        roles.extend(rf.roles)
    return RuleSet(tuple(rules.values()), tuple(columns), tuple(categories), h.hexdigest(), tuple(roles))


def default_policy_bytes() -> bytes:
    return (resources.files("clearance.config") / "defaults" / "policy.toml").read_bytes()


def load_policy(path: Path | None = None) -> tuple[Policy, str]:
    if path is None:
        data, source = default_policy_bytes(), "defaults/policy.toml"
    else:
        try:
            data, source = Path(path).read_bytes(), str(path)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read policy: {exc.strerror}") from None
    raw = _read_toml(data, source)
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source, raw)) from None
    return policy, hashlib.sha256(data).hexdigest()


def find_project_file(start: Path) -> Path | None:
    for d in [start, *start.parents]:
        for name in PROJECT_FILES:
            if (d / name).is_file():
                return d / name
    return None


def load_config(
    project_file: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    policy_path: Path | None = None,
    rule_files: list[Path] | None = None,
    overrides: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Build the effective configuration. ``overrides`` are ScanConfig fields set by flags."""
    env = os.environ if env is None else env
    pf_path = project_file or env.get("CLEARANCE_CONFIG") or find_project_file(cwd or Path.cwd())
    project = ProjectFile()
    base = Path.cwd()
    if pf_path:
        pf_path = Path(pf_path)
        raw = _read_toml(_read(pf_path), str(pf_path))
        try:
            project = ProjectFile.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(_describe(exc, str(pf_path), raw)) from None
        base = pf_path.parent
    scan_data = project.scan.model_dump()
    for k, v in (overrides or {}).items():
        if v is not None:
            scan_data[k] = v
    try:
        scan = ScanConfig.model_validate(scan_data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, "command line", scan_data)) from None
    pol_path = (
        policy_path or env.get("CLEARANCE_POLICY") or (base / project.policy if project.policy else None)
    )
    policy, policy_sha = load_policy(Path(pol_path) if pol_path else None)
    extra = [base / r for r in project.rules] + list(rule_files or [])
    rules = load_rules(extra, replace_defaults=project.replace_default_rules)
    key = scan.fingerprint_key or env.get("CLEARANCE_KEY") or DEFAULT_KEY
    return Config(scan, policy, policy_sha, rules, key.encode("utf-8"))


def _read(p: Path) -> bytes:
    try:
        return p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read configuration: {exc.strerror}") from None
