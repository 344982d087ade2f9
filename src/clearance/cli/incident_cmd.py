"""``clearance incident``: respond to a published leak.

    clearance incident keygen
    clearance incident open --file LEAKED --url /path/file.xlsx [--published-at T0] [--removed-at T1]
                            [--logs access.log*] [--rdns MAP] --as USER
    clearance incident list
    clearance incident people ID [--reveal --purpose TEXT --as USER]
    clearance incident exposure ID --logs access.log* [--rdns MAP] --as USER
    clearance incident action ID --kind takedown --note TEXT --as USER
    clearance incident report ID -o report.html|report.pdf --as USER

Thin: flags -> ``clearance.incident.case`` -> text or JSON. The key that encrypts exposed
people's details is ``$CLEARANCE_INCIDENT_KEY`` (never a flag: flags end up in shell history).
Exit status: 0 done; 1 refused (wrong key, report would not pass its own scan); 2 usage error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from clearance.cli.env import Environment
from clearance.cli.gate_cmd import db_url
from clearance.errors import ExitStatus, UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("incident", help="respond to a published leak: exposed people, downloads, report")
    isub = p.add_subparsers(dest="incident_command", required=True)

    def common(q: argparse.ArgumentParser, *, actor: bool = True) -> None:
        q.add_argument(
            "--db", metavar="URL", help="store URL (default: $CLEARANCE_DB or sqlite:///clearance.db)"
        )
        q.add_argument("--format", "-f", choices=("text", "json"), default="text")
        if actor:
            q.add_argument("--as", dest="actor", required=True, metavar="USER")

    k = isub.add_parser("keygen", help="print a new incident key for $CLEARANCE_INCIDENT_KEY")
    k.set_defaults(handler=_keygen)

    o = isub.add_parser("open", help="open an incident for a leaked file: who was exposed, and how")
    o.add_argument(
        "--file", required=True, type=Path, metavar="LEAKED", help="the exact file that was published"
    )
    o.add_argument(
        "--url", required=True, action="append", metavar="URL", help="where it was served (repeatable)"
    )
    o.add_argument("--title", help="short title (default: 'Publication of FILE')")
    o.add_argument(
        "--published-at", metavar="T0", help="when it went public (ISO; default: watch history, else logs)"
    )
    o.add_argument(
        "--removed-at", metavar="T1", help="when it was taken down (ISO; default: watch history, else logs)"
    )
    o.add_argument(
        "--logs", nargs="+", default=[], metavar="LOG", help="access logs (gzip and rotated files welcome)"
    )
    o.add_argument(
        "--rdns", type=Path, metavar="FILE", help="precomputed reverse DNS: 'address hostname' lines"
    )
    common(o)
    o.set_defaults(handler=_open)

    ls = isub.add_parser("list", help="list incidents")
    common(ls, actor=False)
    ls.set_defaults(handler=_list)

    pp = isub.add_parser("people", help="the exposed people (masked; --reveal decrypts, audited)")
    pp.add_argument("id", type=int, metavar="ID")
    pp.add_argument("--reveal", action="store_true", help="show the values (recorded in the audit log)")
    pp.add_argument("--purpose", default="", help="why the values are needed (required with --reveal)")
    pp.add_argument("--db", metavar="URL")
    pp.add_argument("--format", "-f", choices=("text", "json"), default="text")
    pp.add_argument("--as", dest="actor", default="", metavar="USER", help="required with --reveal")
    pp.set_defaults(handler=_people)

    e = isub.add_parser("exposure", help="analyse access logs: downloads, clients, crawlers, timeline")
    e.add_argument("id", type=int, metavar="ID")
    e.add_argument("--logs", nargs="+", required=True, metavar="LOG")
    e.add_argument("--rdns", type=Path, metavar="FILE")
    e.add_argument("--chart", type=Path, metavar="SVG", help="also write the timeline chart (SVG)")
    common(e)
    e.set_defaults(handler=_exposure)

    a = isub.add_parser("action", help="record an action taken (takedown, notification, ...)")
    a.add_argument("id", type=int, metavar="ID")
    a.add_argument("--kind", required=True, help="takedown | notified | removals-halted | note | ...")
    a.add_argument("--note", required=True, help="what was done (no personal values)")
    common(a)
    a.set_defaults(handler=_action)

    r = isub.add_parser("report", help="the oversight report (HTML or PDF; aggregates only)")
    r.add_argument("id", type=int, metavar="ID")
    r.add_argument(
        "-o", "--output", required=True, type=Path, metavar="FILE", help="report.html or report.pdf"
    )
    common(r)
    r.set_defaults(handler=_report)


# -- plumbing -------------------------------------------------------------------------------------
def _store(args: argparse.Namespace, env: Environment) -> Any:
    from clearance.actions.store.repo import Store

    return Store.open(db_url(args, env))


def _key(env: Environment) -> Any:
    from clearance.incident.crypto import IncidentKey

    return IncidentKey.from_env(env.vars)


def _when(flag: str, text: str | None) -> Any:
    import datetime as dt

    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag}: not an ISO date or date-time: {text!r}") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def _out(env: Environment, text: str) -> None:
    env.stdout.write(text.encode("utf-8"))
    env.stdout.flush()


def _json(env: Environment, value: Any) -> None:
    _out(env, json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def _logs(args: argparse.Namespace, env: Environment) -> list[Path]:
    out = []
    for p in args.logs:
        path = Path(p) if Path(p).is_absolute() else env.cwd / p
        if not path.is_file():
            raise UsageError(f"--logs: no such file: {p}")
        out.append(path)
    return out


def _rdns(args: argparse.Namespace) -> dict[str, str] | None:
    from clearance.incident.exposure import load_rdns

    return load_rdns(args.rdns) if getattr(args, "rdns", None) else None


def _guarded(fn: Any) -> Any:
    def run(args: argparse.Namespace, env: Environment) -> int:
        from sqlalchemy.exc import ArgumentError, OperationalError

        from clearance.incident.case import IncidentError
        from clearance.incident.crypto import IncidentKeyError
        from clearance.incident.logs import LogFormatError
        from clearance.pipeline_incident import LeakedFileError

        try:
            return int(fn(args, env))
        except (IncidentError, IncidentKeyError) as exc:
            env.error(str(exc))
            return ExitStatus.FINDINGS
        except (LeakedFileError, LogFormatError) as exc:
            env.error(str(exc))
            return ExitStatus.USAGE
        except (OperationalError, ArgumentError) as exc:
            env.error(f"cannot use the store at {db_url(args, env)}: {str(exc).splitlines()[0]}")
            return ExitStatus.USAGE

    return run


def _keygen(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident.crypto import KEY_ENV, generate_secret

    _out(env, generate_secret() + "\n")
    print(
        f"keep it secret and safe; export {KEY_ENV}=<the key> before `clearance incident open`",
        file=env.stderr,
    )
    return ExitStatus.OK


def _exposure_lines(x: dict[str, Any]) -> str:
    return (
        f"  requests {x['requests']:,}, served {x['served']:,}, complete downloads {x['complete_downloads']:,} "  # noqa: E501
        f"(from ranges {x['complete_from_ranges']:,}), partial {x['partial_responses']:,}\n"
        f"  distinct clients {x['distinct_clients']:,} ({x['clients_with_complete_copy']:,} with a complete copy, "  # noqa: E501
        f"{x['crawler_clients']:,} crawlers)\n"
        f"  first served {x['first_serve'] or '-'}, last served {x['last_serve'] or '-'}\n"
        + "".join(
            f"  {c['name']}: {c['requests']} requests, {c['complete']} complete\n" for c in x["crawlers"]
        )
        + (f"  log lines read {x['log_lines']:,}\n" if "log_lines" in x else "")
    )


@_guarded
def _open(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident.case import open_incident

    key = _key(env)
    path = args.file if args.file.is_absolute() else env.cwd / args.file
    if not path.is_file():
        raise UsageError(f"--file: no such file: {args.file}")
    store = _store(args, env)
    try:
        res = open_incident(
            store,
            key,
            path,
            urls=args.url,
            actor=args.actor,
            title=args.title,
            published_at=_when("--published-at", args.published_at),
            removed_at=_when("--removed-at", args.removed_at),
            logs=_logs(args, env),
            rdns=_rdns(args),
        )
    finally:
        store.close()
    inc = res.incident
    if args.format == "json":
        _json(
            env,
            {
                "incident": inc.id,
                "people": inc.people,
                "verdict": inc.scan_summary.get("verdict"),
                "published_at": inc.published_at,
                "removed_at": inc.removed_at,
                "times_source": inc.times_source,
                "exposure": res.exposure,
            },
        )
    else:
        text = (
            f"incident {inc.id} opened: {inc.people:,} distinct people exposed in {inc.file_name} "
            f"(scan verdict {inc.scan_summary.get('verdict')}); rows read {res.exposed.rows:,}\n"
            f"  public {inc.published_at or 'unknown'} .. {inc.removed_at or 'unknown'} (from {inc.times_source})\n"  # noqa: E501
        )
        if res.exposure:
            text += _exposure_lines(res.exposure)
        _out(env, text)
    return ExitStatus.OK


@_guarded
def _list(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident.case import list_incidents

    store = _store(args, env)
    try:
        rows = list_incidents(store)
    finally:
        store.close()
    data = [
        {
            "id": i.id,
            "title": i.title,
            "file": i.file_name,
            "people": i.people,
            "status": i.status,
            "opened": i.created_at,
        }
        for i in rows
    ]
    if args.format == "json":
        _json(env, data)
    else:
        _out(env, "".join(f"{d['id']:>4}  {d['status']:<6} {d['people']:>7,}  {d['title']}\n" for d in data))
    return ExitStatus.OK


@_guarded
def _people(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident.case import people_view

    if args.reveal and (not args.actor or not args.purpose.strip()):
        raise UsageError("--reveal needs --as USER and --purpose TEXT (both go into the audit log)")
    key = _key(env) if args.reveal else None
    store = _store(args, env)
    try:
        people = people_view(
            store, args.id, key=key, reveal=args.reveal, actor=args.actor, purpose=args.purpose
        )
    finally:
        store.close()
    if args.format == "json":
        _json(env, people)
        return ExitStatus.OK
    lines = []
    for p in people:
        where = "; ".join(f"{w['sheet'] or w['part']} ({w['visibility']})" for w in p["where"])
        head = f"{p['id']:>6}  {p['masked']:<28} {','.join(p['fields'])}  [{where}]"
        if "values" in p:
            head += "\n        " + "; ".join(f"{k}={v}" for k, v in p["values"].items())
        lines.append(head)
    _out(env, "\n".join(lines) + ("\n" if lines else ""))
    return ExitStatus.OK


@_guarded
def _exposure(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident.case import record_exposure
    from clearance.incident.report import timeline_svg

    key = _key(env)
    store = _store(args, env)
    try:
        summary = record_exposure(
            store, args.id, _logs(args, env), key=key, actor=args.actor, rdns=_rdns(args)
        )
    finally:
        store.close()
    if args.chart:
        chart = args.chart if args.chart.is_absolute() else env.cwd / args.chart
        chart.write_text(timeline_svg(summary["timeline"]), encoding="utf-8")
    if args.format == "json":
        _json(env, summary)
    else:
        _out(
            env,
            f"incident {args.id}: exposure from {summary['log_files']} log file(s)\n"
            + _exposure_lines(summary),
        )
    return ExitStatus.OK


@_guarded
def _action(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident.case import add_action

    store = _store(args, env)
    try:
        add_action(store, args.id, actor=args.actor, kind=args.kind, description=args.note)
    finally:
        store.close()
    _out(env, f"incident {args.id}: recorded {args.kind}\n")
    return ExitStatus.OK


@_guarded
def _report(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident.case import report_data
    from clearance.incident.report import render_html, render_pdf
    from clearance.pipeline_incident import check_report

    out = args.output if args.output.is_absolute() else env.cwd / args.output
    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise UsageError("-o: the report is written as .html or .pdf")
    key = _key(env)
    store = _store(args, env)
    try:
        data = report_data(store, args.id, key=key, actor=args.actor)
    finally:
        store.close()
    body = render_pdf(data) if out.suffix.lower() == ".pdf" else render_html(data).encode("utf-8")
    verdict, reasons = check_report(body, out.name)
    if verdict != "pass":
        env.error(
            f"the report did not pass its own scan ({verdict}): " + "; ".join(reasons) + " — not written"
        )
        return ExitStatus.FINDINGS
    out.write_bytes(body)
    _out(env, f"wrote {out.name} ({len(body):,} bytes; scanned: pass)\n")
    return ExitStatus.OK
