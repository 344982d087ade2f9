"""``clearance rules list`` / ``clearance rules explain ID``."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance.cli.env import Environment
from clearance.config.loader import load_rules
from clearance.errors import ExitStatus


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rules", help="list the detection rules or explain one")
    p.add_argument("--rules", action="append", type=Path, default=[], help="extra rule file (extends)")
    rsub = p.add_subparsers(dest="rules_command", required=True)
    ls = rsub.add_parser("list", help="list every rule and column classifier")
    ls.set_defaults(handler=_list)
    ex = rsub.add_parser("explain", help="what a rule detects, why it is risky, false positives")
    ex.add_argument("rule_id")
    ex.set_defaults(handler=_explain)


def _write(env: Environment, text: str) -> None:
    env.stdout.write(text.encode("utf-8"))
    env.stdout.flush()


def _list(args: argparse.Namespace, env: Environment) -> int:
    rs = load_rules(args.rules)
    lines = [f"{'id':28} {'entity':18} {'identifier':10} category"]
    for r in sorted(rs.rules, key=lambda r: r.id):
        lines.append(f"{r.id:28} {r.entity:18} {r.identifier:10} {r.category or ''}".rstrip())
    entities = sorted({c.entity for c in rs.columns})
    lines.append("")
    lines.append("table columns classified: " + ", ".join(entities))
    cats = sorted({c.category for c in rs.categories})
    lines.append("special categories: " + ", ".join(cats))
    _write(env, "\n".join(lines) + "\n")
    return ExitStatus.OK


def _explain(args: argparse.Namespace, env: Environment) -> int:
    rs = load_rules(args.rules)
    try:
        r = rs.rule(args.rule_id)
    except KeyError:
        env.error(f"no rule {args.rule_id!r}; see 'clearance rules list'")
        return ExitStatus.USAGE
    e = r.explain
    parts = [
        f"{r.id}  (entity: {r.entity}; {r.identifier} identifier"
        + (f"; special category: {r.category}" if r.category else "")
        + ")",
        "",
        f"What it detects: {e.detects}",
        f"Why it is risky: {e.risk}",
    ]
    if r.examples.match:
        parts.append("Example: " + r.examples.match[0])
    if e.false_positives:
        parts.append(f"Known false positives: {e.false_positives}")
    if e.options:
        parts.append(f"Options: {e.options}")
    if r.keywords:
        parts.append("Context words: " + ", ".join(r.keywords))
    _write(env, "\n".join(parts) + "\n")
    return ExitStatus.OK
