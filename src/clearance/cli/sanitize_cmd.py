"""``clearance sanitize IN -o OUT``: flags -> options -> pipeline_sanitize -> summary -> exit status.

Exit status: 0 the clean copy was written and re-scans clean; 1 it could not be made clean
(nothing written); 2 usage; 3 the input could not be scanned.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from clearance.actions.sanitize import HiddenRows, SanitizeOptions, Treatment
from clearance.actions.sanitize.base import DEFAULT_TREATMENTS
from clearance.cli.env import Environment
from clearance.config.loader import load_config
from clearance.errors import ExitStatus, UsageError
from clearance.pipeline_sanitize import SanitizeResult, sanitize


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sanitize",
        help="write a copy with personal data removed, then re-scan it before it may be published",
        description="Remove hidden person data and treat visible person-level columns, then re-scan the "
        "copy with every detector. Exit status: 0 written and clean; 1 could not be made clean (nothing "
        "written); 2 usage; 3 input unscannable.",
    )
    p.add_argument("input", metavar="IN")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="OUT")
    p.add_argument(
        "--mask",
        action="append",
        default=[],
        metavar="ENTITY=remove|mask|pseudonym|generalise",
        help="treatment of visible values of ENTITY (default: generalise dates of birth and facilities, "
        "remove the rest); pseudonyms are keyed with CLEARANCE_KEY",
    )
    p.add_argument("--hidden-rows", choices=[h.value for h in HiddenRows], default=HiddenRows.DELETE.value)
    p.add_argument(
        "--tracked-changes",
        choices=("accept", "reject"),
        default="accept",
        help="resolve tracked changes in documents by accepting or rejecting them (default: accept)",
    )
    p.add_argument(
        "--age-bands", action="store_true", help="generalise dates of birth to age bands, not years"
    )
    p.add_argument("--format", "-f", choices=("terminal", "json"), default="terminal")
    p.add_argument("--config", type=Path, help="project configuration file (default: ./clearance.toml)")
    p.add_argument("--policy", type=Path, help="policy TOML (default: the built-in policy)")
    p.set_defaults(handler=run)


def parse_masks(items: list[str]) -> dict[str, Treatment]:
    treatments = dict(DEFAULT_TREATMENTS)
    for item in items:
        entity, sep, value = item.partition("=")
        if not sep or not entity.strip():
            raise UsageError(f"--mask expects ENTITY=TREATMENT, got {item!r}")
        try:
            treatments[entity.strip()] = Treatment(value.strip())
        except ValueError:
            raise UsageError(
                f"--mask {entity}: unknown treatment {value!r} (use {', '.join(t.value for t in Treatment)})"
            ) from None
    return treatments


def run(args: argparse.Namespace, env: Environment) -> int:
    src = Path(args.input)
    if not src.is_absolute():
        src = env.cwd / src
    out = args.output if args.output.is_absolute() else env.cwd / args.output
    if out.resolve() == src.resolve():
        raise UsageError("OUT must differ from IN: the original is evidence of what was removed")
    if not out.parent.is_dir():
        raise UsageError(f"the folder of OUT does not exist: {out.parent}")
    options = SanitizeOptions(
        treatments=parse_masks(args.mask),
        hidden_rows=HiddenRows(args.hidden_rows),
        age_bands=args.age_bands,
        tracked_changes=args.tracked_changes,
    )
    config = load_config(args.config, env=env.vars, policy_path=args.policy, cwd=env.cwd)
    result = sanitize(src, out, config=config, options=options)
    body = render_json(result) if args.format == "json" else render_terminal(result)
    env.stdout.write(body.encode("utf-8"))
    env.stdout.flush()
    return exit_status(result)


def exit_status(result: SanitizeResult) -> ExitStatus:
    if result.ok:
        return ExitStatus.OK
    if result.status == "unscannable":
        return ExitStatus.UNSCANNABLE
    return ExitStatus.FINDINGS


def render_terminal(r: SanitizeResult) -> str:
    lines = []
    if r.ok:
        lines.append(f"Sanitized {r.path} -> {r.out} (re-scan: pass)")
    elif r.status == "unscannable":
        lines.append(f"Cannot sanitize {r.path}: the input could not be scanned: {r.reason}")
    else:
        lines.append(f"Could not make a clean copy of {r.path}; nothing was written. {r.reason}")
    if r.before is not None:
        lines.append(f"Before: {r.before.verdict.value}, {r.before.people:,} people identifiable")
    for x in r.removals:
        lines.append(f"  - {x.description}")
    for n in r.notes:
        lines.append(f"  note: {n}")
    for f in r.remaining:
        lines.append(
            f"  still found: {f.entity} ({f.visibility.value}) at {f.location.describe()}: {f.masked}"
        )
    return "\n".join(lines) + "\n"


def render_json(r: SanitizeResult) -> str:
    doc = {
        "status": r.status,
        "input": r.path,
        "output": r.out,
        "passes": r.passes,
        "reason": r.reason,
        "before": None
        if r.before is None
        else {"verdict": r.before.verdict.value, "people": r.before.people, "sha256": r.before.sha256},
        "after": None
        if r.after is None
        else {"verdict": r.after.verdict.value, "people": r.after.people, "sha256": r.after.sha256},
        "removed": [
            {
                "action": x.kind.value,
                "location": {k: v for k, v in x.location.__dict__.items() if v not in (None, ())},
                "description": x.description,
                "count": x.count,
                "examples": list(x.examples),
            }
            for x in r.removals
        ],
        "notes": list(r.notes),
        "remaining": [
            {
                "entity": f.entity,
                "visibility": f.visibility.value,
                "location": f.location.describe(),
                "count": f.count,
                "masked": f.masked,
            }
            for f in r.remaining
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
