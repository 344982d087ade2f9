"""After a leak: match the exposed people to the case roster, follow each case up, send letters.

    clearance match    --incident N --roster FILE|URL [--table T] [--column FIELD=HEADER]...
    clearance match    --exposed FILE --roster FILE            (no store: counts and review only)
    clearance followup open|list|update|bulk|summary|history ...
    clearance letters  N --roster FILE --out DIR [--format pdf|docx|txt]

Thin: flags -> clearance.incident.{roster,matching,followup,letters} -> text or JSON. Output
holds masked values, hashes and counts only; decrypting the exposed people (match, letters)
needs ``CLEARANCE_INCIDENT_KEY`` and is audited. Exit status: 0 done; 1 refused (bad
transition, unknown case); 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clearance.cli.env import Environment
from clearance.errors import ExitStatus, UsageError

DB_ENV = "CLEARANCE_DB"
DB_FILE = "clearance.db"
REVIEW_SHOWN = 20  # review items printed in text mode (all go to --review-csv)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", metavar="URL", help=f"store URL (default: ${DB_ENV} or sqlite:///{DB_FILE})")
        p.add_argument("--format", "-f", choices=("text", "json"), default="text")

    def roster_flags(p: argparse.ArgumentParser, required: bool = True) -> None:
        p.add_argument(
            "--roster",
            required=required,
            metavar="FILE|URL",
            help="CSV, Excel, or a SQLAlchemy URL with --table",
        )
        p.add_argument("--table", help="roster table name (when --roster is a database URL)")
        p.add_argument("--sheet", help="Excel sheet (default: the first)")
        p.add_argument(
            "--column", action="append", default=[], metavar="FIELD=HEADER",
            help="map a roster column, e.g. --column a_number='Alien No' (fields: see docs)",
        )  # fmt: skip

    p = sub.add_parser(
        "match",
        help="match an incident's exposed people to the case roster (A-number, then Splink)",
        description="Deterministic A-number pass, then a Fellegi-Sunter model (Splink on DuckDB). "
        ">= 0.99 matched, 0.5-0.99 to review, below unmatched.",
    )
    p.add_argument("--incident", type=int, metavar="N", help="incident id (exposed people from the store)")
    p.add_argument(
        "--exposed", type=Path, metavar="FILE", help="exposed people as CSV/Excel instead (no store)"
    )
    roster_flags(p)
    p.add_argument("--as", dest="actor", metavar="USER", help="who runs it (required with --incident)")
    p.add_argument("--review-csv", type=Path, metavar="FILE", help="write the review queue (masked) as CSV")
    p.add_argument("--no-train", action="store_true", help="skip EM training (prior m-probabilities)")
    common(p)
    p.set_defaults(handler=_match)

    p = sub.add_parser("followup", help="follow-up cases of an incident: open, list, update, bulk, summary")
    fsub = p.add_subparsers(dest="followup_command", required=True)
    o = fsub.add_parser("open", help="one to-notify case per exposed person")
    o.add_argument("incident", type=int, metavar="N")
    o.add_argument("--as", dest="actor", required=True, metavar="USER")
    o.add_argument("--due", metavar="DATE", help="notification due date (ISO 8601)")
    common(o)
    o.set_defaults(handler=_open)
    ls = fsub.add_parser("list", help="cases (masked), optionally as a CSV template for bulk")
    ls.add_argument("incident", type=int, metavar="N")
    ls.add_argument("--status")
    ls.add_argument("--match", dest="decision", choices=("match", "review", "unmatched", "pending"))
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument(
        "--csv", type=Path, metavar="FILE", help="write the rows as CSV ('-' for standard output)"
    )
    common(ls)
    ls.set_defaults(handler=_list)
    u = fsub.add_parser("update", help="change one case's status, outcome, owner, due date")
    u.add_argument("case", type=int, metavar="CASE")
    u.add_argument("--as", dest="actor", required=True, metavar="USER")
    u.add_argument("--status", choices=("to-notify", "notified", "review-pending", "outcome", "closed"))
    u.add_argument(
        "--outcome",
        choices=(
            "released",
            "relief-granted",
            "removal-paused",
            "reopened",
            "assistance-to-return",
            "no-action",
        ),
    )
    u.add_argument("--via", choices=("mail", "email", "phone", "in-person"))
    u.add_argument("--to", choices=("person", "counsel"))
    u.add_argument("--owner")
    u.add_argument("--due", metavar="DATE")
    u.add_argument("--custody", choices=("detained", "released", "removed"))
    u.add_argument("--note", default="", help="free text; never a personal value")
    common(u)
    u.set_defaults(handler=_update)
    b = fsub.add_parser(
        "bulk", help="apply a CSV of changes (case_id or a_number_hash or a_number, status, ...)"
    )
    b.add_argument("incident", type=int, metavar="N")
    b.add_argument("file", type=Path, metavar="CSV")
    b.add_argument("--as", dest="actor", required=True, metavar="USER")
    common(b)
    b.set_defaults(handler=_bulk)
    s = fsub.add_parser("summary", help="counts by status, outcome, custody, notice (aggregates only)")
    s.add_argument("incident", type=int, nargs="?", metavar="N")
    common(s)
    s.set_defaults(handler=_summary)
    h = fsub.add_parser("history", help="every change to one case")
    h.add_argument("case", type=int, metavar="CASE")
    common(h)
    h.set_defaults(handler=_history)

    p = sub.add_parser(
        "letters",
        help="one notification letter per matched person (PDF/DOCX), only that person's data",
        description="Decrypts the incident's exposed people (audited), takes addresses and counsel "
        "from the matched roster rows, writes one file per case named by case id.",
    )
    p.add_argument("incident", type=int, metavar="N")
    roster_flags(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.add_argument("--letter-format", dest="letter_format", choices=("pdf", "docx", "txt"), default="pdf")
    p.add_argument("--case", dest="cases", type=int, action="append", metavar="CASE", help="only these cases")
    p.add_argument("--agency", default="The agency", help="sender named in the letter")
    p.add_argument("--contact", default="contact the office named above", help="how to ask questions")
    p.add_argument(
        "--include-unmatched", action="store_true", help="also cases with no roster match (no address)"
    )
    p.add_argument("--as", dest="actor", required=True, metavar="USER")
    common(p)
    p.set_defaults(handler=_letters)


# -- plumbing -------------------------------------------------------------------------------------
def _db_url(args: argparse.Namespace, env: Environment) -> str:
    return args.db or env.vars.get(DB_ENV) or f"sqlite:///{env.cwd / DB_FILE}"


def _store(args: argparse.Namespace, env: Environment) -> Any:
    from clearance.actions.store.repo import Store

    return Store.open(_db_url(args, env))


def _guard(
    fn: Callable[[argparse.Namespace, Environment], int],
) -> Callable[[argparse.Namespace, Environment], int]:
    @functools.wraps(fn)
    def run(args: argparse.Namespace, env: Environment) -> int:
        from sqlalchemy.exc import ArgumentError, OperationalError

        from clearance.incident.followup import FollowupError
        from clearance.incident.roster import RosterError

        try:
            return fn(args, env)
        except FollowupError as exc:
            env.error(str(exc))
            return ExitStatus.FINDINGS  # refused by the workflow
        except RosterError as exc:
            env.error(str(exc))
            return ExitStatus.USAGE
        except (ArgumentError, OperationalError) as exc:
            env.error(f"store: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
            return ExitStatus.USAGE

    return run


def _out(env: Environment, text: str) -> None:
    env.stdout.write(text.encode("utf-8"))
    env.stdout.flush()


def _json(env: Environment, value: Any) -> None:
    _out(env, json.dumps(value, indent=2, default=str) + "\n")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _mapping(args: argparse.Namespace) -> dict[str, str]:
    out = {}
    for item in args.column:
        field, sep, header = item.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise UsageError(f"--column {item!r}: expected FIELD=HEADER")
        out[field.strip()] = header.strip()
    return out


def _roster(args: argparse.Namespace) -> Any:
    from clearance.incident.roster import load_roster

    return load_roster(args.roster, table=args.table, mapping=_mapping(args), sheet=args.sheet)


def _key(env: Environment) -> Any:
    from clearance.incident.crypto import IncidentKey

    return IncidentKey.from_env(env.vars)


# -- match ----------------------------------------------------------------------------------------
@_guard
def _match(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident import followup
    from clearance.incident.matching import match, review_items
    from clearance.incident.roster import load_roster

    if (args.incident is None) == (args.exposed is None):
        raise UsageError("give --incident N (exposed people from the store) or --exposed FILE")
    roster = _roster(args)
    store = None
    if args.incident is not None:
        if not args.actor:
            raise UsageError("--as USER is required with --incident (the decryption is audited)")
        store = _store(args, env)
        now = _now()
        exposed = followup.load_exposed(
            store, args.incident, _key(env), actor=args.actor, now=now, purpose="roster match"
        )
    else:
        exposed = load_roster(args.exposed)
    result = match(exposed, roster, train=not args.no_train)
    counts = result.counts()
    if store is not None:
        followup.open_cases(store, args.incident, actor=args.actor, now=_now())
        followup.record_matches(store, args.incident, result, roster, actor=args.actor, now=_now())
        store.close()
    items = review_items(result, exposed, roster)
    if args.review_csv:
        _write_review_csv(args.review_csv, items)
    if args.format == "json":
        _json(
            env,
            {
                "counts": counts,
                "timings": dict(result.timings),
                "trained": result.trained,
                "review": [_item_dict(i) for i in items],
            },
        )
        return ExitStatus.OK
    lines = [
        f"exposed {counts['exposed']:,}: matched {counts['matched']:,} "
        f"(A-number {counts['matched_a_number']:,}, probabilistic {counts['matched_probabilistic']:,}), "
        f"review {counts['review']:,} (ambiguous {counts['ambiguous']:,}), unmatched {counts['unmatched']:,}",
        f"time {result.timings.get('total_s', 0):.1f} s; "
        f"EM trained: {'yes' if result.trained else 'no (prior m)'}",
    ]
    for it in items[:REVIEW_SHOWN]:
        lines.append(f"review {it.exposed_key}: {_masked(it.exposed_masked)} ({it.reason})")
        for key, p, masked, levels in it.candidates:
            agreed = ", ".join(f"{k} {v}" for k, v in levels.items() if v not in ("null", ""))
            lines.append(f"    {p:.3f}  roster {key}: {_masked(masked)}  [{agreed}]")
    if len(items) > REVIEW_SHOWN:
        lines.append(f"... {len(items) - REVIEW_SHOWN} more (--review-csv FILE for all)")
    _out(env, "\n".join(lines) + "\n")
    return ExitStatus.OK


def _masked(m: Any) -> str:
    return " | ".join(v for v in (m.get("name"), m.get("dob"), m.get("a_number"), m.get("nationality")) if v)


def _item_dict(it: Any) -> dict[str, Any]:
    return {
        "exposed": it.exposed_key,
        "masked": dict(it.exposed_masked),
        "reason": it.reason,
        "candidates": [
            {"roster": k, "probability": round(p, 4), "masked": dict(m), "levels": dict(lv)}
            for k, p, m, lv in it.candidates
        ],
    }


def _write_review_csv(path: Path, items: list[Any]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        ["exposed", "exposed_masked", "reason", "rank", "roster", "probability", "roster_masked", "levels"]
    )
    for it in items:
        for rank, (k, p, m, lv) in enumerate(it.candidates, 1):
            levels = "; ".join(f"{a}={b}" for a, b in lv.items())
            w.writerow(
                [
                    it.exposed_key,
                    _masked(it.exposed_masked),
                    it.reason,
                    rank,
                    k,
                    f"{p:.4f}",
                    _masked(m),
                    levels,
                ]
            )
    path.write_text(buf.getvalue(), encoding="utf-8")


# -- followup -------------------------------------------------------------------------------------
@_guard
def _open(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident import followup

    due = followup.parse_due(args.due) if args.due else None
    store = _store(args, env)
    try:
        n = followup.open_cases(store, args.incident, actor=args.actor, now=_now(), due=due)
    finally:
        store.close()
    if args.format == "json":
        _json(env, {"opened": n})
    else:
        _out(env, f"opened {n:,} case(s) for incident {args.incident}\n")
    return ExitStatus.OK


@_guard
def _list(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident import followup

    store = _store(args, env)
    try:
        rows = followup.rows_for_csv(
            followup.list_cases(
                store, args.incident, status=args.status, decision=args.decision, limit=args.limit
            )
        )
    finally:
        store.close()
    if args.csv:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["case_id"])
        w.writeheader()
        w.writerows(rows)
        if str(args.csv) == "-":
            _out(env, buf.getvalue())
        else:
            args.csv.write_text(buf.getvalue(), encoding="utf-8")
        return ExitStatus.OK
    if args.format == "json":
        _json(env, rows)
        return ExitStatus.OK
    for r in rows:
        _out(
            env,
            f"{r['case_id']:>6}  {r['status']:<15} {r['outcome'] or '-':<20} {r['match']:<9} "
            f"{r['custody'] or '-':<9} {r['owner'] or '-':<12} {r['masked']}\n",
        )
    return ExitStatus.OK


@_guard
def _update(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident import followup

    change = followup.Change(
        status=args.status, outcome=args.outcome, via=args.via, to=args.to, owner=args.owner,
        due=followup.parse_due(args.due) if args.due else None, custody=args.custody, note=args.note,
    )  # fmt: skip
    store = _store(args, env)
    try:
        c = followup.update(store, args.case, change, actor=args.actor, now=_now())
    finally:
        store.close()
    if args.format == "json":
        _json(env, followup.rows_for_csv([c])[0])
    else:
        _out(env, f"case {c.id}: {c.status}" + (f" ({c.outcome})" if c.outcome else "") + "\n")
    return ExitStatus.OK


@_guard
def _bulk(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident import followup

    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    data = args.file.read_text(encoding="utf-8-sig")
    hasher = None
    if "a_number" in data.split("\n", 1)[0].replace("a_number_hash", ""):
        hasher = _key(env).hash_a_number
    store = _store(args, env)
    try:
        n = followup.bulk_update(
            store, args.incident, data, actor=args.actor, now=_now(), hash_a_number=hasher
        )
    finally:
        store.close()
    if args.format == "json":
        _json(env, {"updated": n})
    else:
        _out(env, f"updated {n:,} case(s)\n")
    return ExitStatus.OK


@_guard
def _summary(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident import followup

    store = _store(args, env)
    try:
        s = followup.summary(store, args.incident)
    finally:
        store.close()
    if args.format == "json":
        _json(env, s)
        return ExitStatus.OK
    f = s["figures"]
    lines = [
        f"cases {s['cases']:,}: notified {f['notified']:,}, under review {f['under_review']:,}, "
        f"released {f['released']:,}, removed {f['removed']:,}, closed {f['closed']:,}, "
        f"overdue {f['overdue']:,}",
        "by status:  " + ", ".join(f"{k} {v:,}" for k, v in s["by_status"].items()),
        "by outcome: " + ", ".join(f"{k} {v:,}" for k, v in s["by_outcome"].items()),
        "roster match: " + ", ".join(f"{k} {v:,}" for k, v in sorted(s["by_match"].items())),
    ]
    _out(env, "\n".join(lines) + "\n")
    return ExitStatus.OK


@_guard
def _history(args: argparse.Namespace, env: Environment) -> int:
    from clearance.incident import followup

    store = _store(args, env)
    try:
        events = followup.history(store, args.case)
    finally:
        store.close()
    rows = [
        {"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
         "from": e.from_status, "to": e.to_status,
         "details": e.details, "note": e.note}
        for e in events
    ]  # fmt: skip
    if args.format == "json":
        _json(env, rows)
    else:
        for r in rows:
            _out(
                env,
                f"{r['at']}  {r['actor']:<12} {r['action']:<7} "
                f"{r['from'] or '-'} -> {r['to'] or '-'}  {r['details']}\n",
            )
    return ExitStatus.OK


# -- letters --------------------------------------------------------------------------------------
@_guard
def _letters(args: argparse.Namespace, env: Environment) -> int:
    from sqlalchemy import select

    from clearance.actions import audit
    from clearance.actions.store.incident_tables import ExposedPerson, Incident
    from clearance.incident import followup, letters
    from clearance.incident.followup_models import FollowupCase, FollowupEvent

    roster = {r.key: r for r in _roster(args)}
    store = _store(args, env)
    now = _now()
    try:
        exposed = {
            r.key: r
            for r in followup.load_exposed(
                store, args.incident, _key(env), actor=args.actor, now=now, purpose="letters"
            )
        }
        with store.reading() as s:
            inc = s.get(Incident, args.incident)
            q = (
                select(FollowupCase)
                .where(FollowupCase.incident_id == args.incident)
                .order_by(FollowupCase.id)
            )
            if args.cases:
                q = q.where(FollowupCase.id.in_(args.cases))
            cases = list(s.scalars(q))
            fields = dict(
                s.execute(
                    select(ExposedPerson.id, ExposedPerson.fields).where(
                        ExposedPerson.incident_id == args.incident
                    )
                ).all()
            )
        batch = []
        for c in cases:
            row = roster.get(c.roster_key or "") if c.match_decision == "match" else None
            if row is None and not args.include_unmatched:
                continue
            e = exposed[str(c.exposed_person_id)]
            batch.append(
                letters.letter_data(
                    case_id=c.id,
                    exposed={
                        # the agency's own spelling when the roster has the person, else the leak's
                        "name": row.display_name if row else e.display_name,
                        "a_number": e.a_number,
                        "dob": e.dob,
                        "nationality": e.nationality,
                    },
                    roster=dict(row.extra) if row else None,
                    exposed_fields=fields.get(c.exposed_person_id, []),
                    published=inc.published_at.date() if inc and inc.published_at else None,
                    removed=inc.removed_at.date() if inc and inc.removed_at else None,
                    today=now.date(),
                    agency=args.agency,
                    contact=args.contact,
                )
            )
        paths = letters.write_letters(batch, args.out, args.letter_format)
        with store.transaction() as s:
            audit.lock(s)
            for d in batch:
                s.add(
                    FollowupEvent(
                        case_id=d.case_id, at=now, actor=args.actor, action="letter", details={
                            "language": d.language, "to": "counsel" if d.to_counsel else "person",
                            "format": args.letter_format,
                        }, note="",
                    )
                )  # fmt: skip
            audit.append(
                s, at=now, actor=args.actor, action="followup.letters",
                details={"incident": args.incident, "letters": len(batch), "format": args.letter_format,
                         "case_ids": [d.case_id for d in batch][: followup.AUDIT_IDS_MAX]},
            )  # fmt: skip
    finally:
        store.close()
    skipped = len(cases) - len(batch)
    if args.format == "json":
        _json(env, {"letters": len(paths), "skipped_unmatched": skipped, "out": str(args.out)})
    else:
        _out(
            env,
            f"wrote {len(paths):,} letter(s) to {args.out}; "
            f"{skipped:,} case(s) without a roster match skipped\n",
        )
    return ExitStatus.OK
