"""The publication gate on the command line: submit, approve, reject, override, revoke, status,
audit, users.

Thin: flags -> Gate (actions/workflow.py) -> text or JSON -> exit status. Exit status: 0 done
(for ``submit`` and ``status ID``: the file is cleared); 1 refused by a rule (self-approval,
missing reason, wrong role, unknown user or file) or not cleared; 2 usage or configuration error.

The database is ``--db URL``, else ``$CLEARANCE_DB``, else ``clearance.db`` in the working
directory. ``--as`` names the acting user; the CLI trusts it (anyone who can run it can open the
database), so real deployments put the web app, with logins, in front.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clearance.cli.env import Environment
from clearance.errors import ExitStatus, UsageError

DB_ENV = "CLEARANCE_DB"
DB_FILE = "clearance.db"
LIST_LIMIT = 50  # rows shown by `clearance status` without an argument


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", metavar="URL", help=f"store URL (default: ${DB_ENV} or sqlite:///{DB_FILE})")
        p.add_argument("--format", "-f", choices=("text", "json"), default="text")

    def config_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--policy", type=Path, help="policy TOML (default: the built-in policy)")
        p.add_argument("--config", type=Path, help="project configuration file (default: ./clearance.toml)")

    p = sub.add_parser(
        "submit",
        help="scan a file and record it for publication (cleared, queued for review, or blocked)",
        description="Scan FILE and record its exact bytes. Exit 0 when it is cleared, 1 when it "
        "waits for review or is blocked.",
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--as", dest="actor", required=True, metavar="USER")
    p.add_argument("--name", help="file name to record (default: FILE's name)")
    p.add_argument("--expires", metavar="DATE", help="a clearance given automatically ends then (UTC)")
    common(p)
    config_flags(p)
    p.set_defaults(handler=_submit)

    for action, helptext in (
        ("approve", "approve a file waiting for review"),
        ("reject", "reject a file waiting for review or blocked"),
        ("override", "release a BLOCKED file (override role; the reason is recorded)"),
    ):
        p = sub.add_parser(action, help=helptext)
        p.add_argument("ref", metavar="ID", help="submission id, SHA-256 or a unique SHA-256 prefix")
        p.add_argument("--as", dest="actor", required=True, metavar="USER")
        p.add_argument("--reason", required=True, metavar="TEXT")
        if action != "reject":
            p.add_argument("--expires", metavar="DATE", help="the clearance ends then (UTC)")
        common(p)
        config_flags(p)
        p.set_defaults(handler=_decide, gate_action=action)

    p = sub.add_parser("revoke", help="take a file down: its bytes are no longer cleared")
    p.add_argument("ref", metavar="SHA256")
    p.add_argument("--as", dest="actor", required=True, metavar="USER")
    p.add_argument("--reason", required=True, metavar="TEXT")
    common(p)
    config_flags(p)
    p.set_defaults(handler=_decide, gate_action="revoke")

    p = sub.add_parser(
        "status",
        help="clearance status of a file, or the list of submissions",
        description="With ID, SHA256 or --file: that file's record; exit 0 only if it is cleared "
        "now. Without: the most recent submissions.",
    )
    p.add_argument("ref", nargs="?", metavar="SHA256|ID")
    p.add_argument("--file", type=Path, help="look the file up by the SHA-256 of its bytes")
    p.add_argument("--status", dest="statuses", action="append", metavar="STATUS", help="filter the list")
    common(p)
    config_flags(p)
    p.set_defaults(handler=_status)

    p = sub.add_parser("audit", help="verify or export the hash-chained audit log")
    asub = p.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser("verify", help="check every entry of the chain; exit 1 if it was tampered with")
    common(v)
    v.set_defaults(handler=_audit_verify)
    e = asub.add_parser("export", help="write the log as JSON lines")
    e.add_argument("-o", "--output", required=True, metavar="FILE", help="'-' for standard output")
    common(e)
    e.set_defaults(handler=_audit_export)

    p = sub.add_parser("users", help="add or list the gate's users")
    usub = p.add_subparsers(dest="users_command", required=True)
    a = usub.add_parser("add", help="add a user (the first admin may be added by anyone)")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--role", required=True, choices=("publisher", "reviewer", "approver-override", "admin"))
    a.add_argument("--as", dest="actor", metavar="ADMIN", help="the admin adding the user")
    common(a)
    a.set_defaults(handler=_users_add)
    ls = usub.add_parser("list", help="list users and roles")
    common(ls)
    ls.set_defaults(handler=_users_list)


# -- plumbing -------------------------------------------------------------------------------------
def db_url(args: argparse.Namespace, env: Environment) -> str:
    return args.db or env.vars.get(DB_ENV) or f"sqlite:///{env.cwd / DB_FILE}"


def _config(args: argparse.Namespace, env: Environment) -> Any:
    from clearance.config.loader import load_config

    return load_config(
        getattr(args, "config", None), env=env.vars, policy_path=getattr(args, "policy", None), cwd=env.cwd
    )


def _gate(args: argparse.Namespace, env: Environment, config: Any = None) -> Any:
    from clearance.actions.store.repo import Store
    from clearance.actions.workflow import Gate
    from clearance.config.schema import Policy
    from clearance.reports.json import file_dict

    policy = config.policy if config is not None else Policy()
    return Gate(Store.open(db_url(args, env)), policy, report_json=functools.partial(file_dict, reveal=False))


def _guard(
    fn: Callable[[argparse.Namespace, Environment], int],
) -> Callable[[argparse.Namespace, Environment], int]:
    """Map the gate's refusals to exit 1 and database trouble to exit 2."""

    @functools.wraps(fn)
    def run(args: argparse.Namespace, env: Environment) -> int:
        from sqlalchemy.exc import ArgumentError, OperationalError

        from clearance.actions.workflow import GateError

        try:
            return fn(args, env)
        except GateError as exc:
            env.error(str(exc))
            return ExitStatus.FINDINGS
        except (OperationalError, ArgumentError) as exc:
            env.error(f"cannot use the store at {db_url(args, env)}: {str(exc).splitlines()[0]}")
            return ExitStatus.USAGE

    return run


def parse_when(text: str | None) -> dt.datetime | None:
    """ISO date or date-time; a date means midnight UTC, a time without zone means UTC."""
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--expires: not an ISO date or date-time: {text!r}") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def _write(env: Environment, text: str) -> None:
    env.stdout.write(text.encode("utf-8"))
    env.stdout.flush()


def _show(env: Environment, args: argparse.Namespace, view: Any, *, headline: str = "") -> None:
    if args.format == "json":
        _write(env, json.dumps(view.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    _write(env, (headline + "\n" if headline else "") + describe(view))


def describe(view: Any) -> str:
    d = view.to_dict()
    lines = [f"#{d['id']} {d['filename']}  sha256 {d['sha256']}"]
    status = d["status"]
    if status == "cleared" and d["expires_at"]:
        status += f" until {d['expires_at']}"
    if d["status"] in ("pending-review", "blocked") and d["approvals_needed"] > 1:
        have = ", ".join(d["approvals"]) or "none"
        status += f" ({len(d['approvals'])} of {d['approvals_needed']} approvals: {have})"
    lines.append(f"  status:    {status}")
    cats = f"; categories: {', '.join(d['categories'])}" if d["categories"] else ""
    lines.append(f"  verdict:   {d['verdict']}, {d['people']:,} people{cats}")
    lines.append(f"  submitted: {d['submitted_at']} by {d['submitter']} (policy {d['policy']['name']})")
    lines.extend(f"  - {r}" for r in d["reasons"])
    for dec in d["decisions"]:
        lines.append(f"  {dec['at']} {dec['actor']} {dec['action']}: {dec['reason']}")
    return "\n".join(lines) + "\n"


def _exit_for(view: Any) -> int:
    return ExitStatus.OK if view.cleared else ExitStatus.FINDINGS


# -- handlers -------------------------------------------------------------------------------------
@_guard
def _submit(args: argparse.Namespace, env: Environment) -> int:
    from clearance.pipeline import Scanner

    path = args.file if args.file.is_absolute() else env.cwd / args.file
    if not path.is_file():
        raise UsageError(f"{args.file}: not a file")
    expires = parse_when(args.expires)
    config = _config(args, env)
    gate = _gate(args, env, config)
    result = gate.submit(path, args.actor, Scanner.build(config), filename=args.name, expires_at=expires)
    headline = "recorded" if result.created else "already submitted (these exact bytes)"
    _show(env, args, result.submission, headline=headline)
    return _exit_for(result.submission)


@_guard
def _decide(args: argparse.Namespace, env: Environment) -> int:
    action = args.gate_action
    gate = _gate(args, env, _config(args, env))
    kwargs: dict[str, Any] = {}
    if getattr(args, "expires", None):
        kwargs["expires_at"] = parse_when(args.expires)
    view = getattr(gate, action)(args.ref, args.actor, args.reason, **kwargs)
    _show(env, args, view, headline=f"{action}: done")
    return ExitStatus.OK


@_guard
def _status(args: argparse.Namespace, env: Environment) -> int:
    gate = _gate(args, env, _config(args, env))
    ref = args.ref
    if args.file is not None:
        if ref is not None:
            raise UsageError("give either a SHA256/ID or --file, not both")
        path = args.file if args.file.is_absolute() else env.cwd / args.file
        try:
            ref = _sha256_of(path)
        except OSError as exc:
            raise UsageError(f"{args.file}: cannot read: {exc.strerror}") from None
    if ref is None:
        views = gate.list(statuses=args.statuses, limit=LIST_LIMIT)
        if args.format == "json":
            _write(env, json.dumps([v.to_dict() for v in views], indent=2, ensure_ascii=False) + "\n")
        else:
            rows = [f"{'id':>5}  {'status':15} {'verdict':11} {'people':>7}  {'sha256':12}  file"]
            for v in views:
                cols = f"{v.id:>5}  {v.status.value:15} {v.verdict.value:11} {v.people:>7,}"
                rows.append(f"{cols}  {v.sha256[:12]}  {v.filename}")
            _write(env, "\n".join(rows) + "\n")
        return ExitStatus.OK
    view = gate.status(ref)
    _show(env, args, view)
    return _exit_for(view)


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


@_guard
def _audit_verify(args: argparse.Namespace, env: Environment) -> int:
    from clearance.actions import audit

    gate = _gate(args, env)
    with gate.store.reading() as s:
        result = audit.verify(s)
    if args.format == "json":
        out = {
            "ok": result.ok,
            "entries": result.entries,
            "first_bad_seq": result.first_bad_seq,
            "problem": result.problem,
            "head_hash": result.head_hash,
        }
        _write(env, json.dumps(out, indent=2) + "\n")
    elif result.ok:
        _write(env, f"audit log intact: {result.entries} entries, head {result.head_hash}\n")
    else:
        _write(env, f"AUDIT LOG BROKEN at entry {result.first_bad_seq}: {result.problem}\n")
    return ExitStatus.OK if result.ok else ExitStatus.FINDINGS


@_guard
def _audit_export(args: argparse.Namespace, env: Environment) -> int:
    from clearance.actions import audit

    gate = _gate(args, env)
    with gate.store.reading() as s:
        if args.output == "-":
            n = audit.export_jsonl(s, env.stdout)
            env.stdout.flush()
        else:
            target = Path(args.output)
            target = target if target.is_absolute() else env.cwd / target
            with target.open("wb") as fh:
                n = audit.export_jsonl(s, fh)
    print(f"exported {n} audit entries", file=env.stderr)
    return ExitStatus.OK


@_guard
def _users_add(args: argparse.Namespace, env: Environment) -> int:
    gate = _gate(args, env)
    user = gate.add_user(args.name, args.role, actor=args.actor)
    if args.format == "json":
        _write(env, json.dumps({"name": user.name, "role": user.role.value}) + "\n")
    else:
        _write(env, f"added {user.name} ({user.role.value})\n")
    return ExitStatus.OK


@_guard
def _users_list(args: argparse.Namespace, env: Environment) -> int:
    gate = _gate(args, env)
    users = gate.users()
    if args.format == "json":
        out = [{"name": u.name, "role": u.role.value, "disabled": u.disabled} for u in users]
        _write(env, json.dumps(out, indent=2) + "\n")
    else:
        _write(
            env, "".join(f"{u.name:20} {u.role.value}{' (disabled)' if u.disabled else ''}\n" for u in users)
        )
    return ExitStatus.OK
