"""An incident in the store: open it, list its people (masked, or revealed and audited), record
log analyses and actions, gather what the oversight report needs.

Every read of decrypted values goes through ``_decrypt_all``, which appends an audit entry
(``incident.reveal`` for values shown to a person, ``incident.aggregate`` for counts computed
from them) in the same transaction as the read: no decryption without its audit record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearance.actions import audit
from clearance.actions.store.repo import Store
from clearance.errors import ClearanceError
from clearance.incident import exposure as exposure_mod
from clearance.incident import logs as logs_mod
from clearance.incident.crypto import IncidentKey, record_context
from clearance.incident.exposed import ExposedList, exposed_people, fields_summary, person_hashes
from clearance.incident.models import (
    ExposedPerson,
    Incident,
    IncidentAction,
    IncidentExposure,
    PersonRecord,
)

SUBJECT = "incident"  # audit actions are "incident.<verb>"


class IncidentError(ClearanceError):
    pass


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(t: dt.datetime | None) -> str | None:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _masked_scan(report: Any) -> dict[str, Any]:
    from clearance.reports.json import file_dict

    return file_dict(report, reveal=False)


def _watch_window(session: Session, sha256: str) -> tuple[dt.datetime, dt.datetime] | None:
    """(first_seen, last_seen) from the watcher's history, when the watch tables exist."""
    try:
        from clearance.watch.state import exposure_window
    except ImportError:
        return None
    try:
        with session.begin_nested():
            return exposure_window(session, sha256)
    except Exception:  # tables absent (older store) or watch not set up: fall back to logs
        return None


@dataclass
class OpenResult:
    incident: Incident
    exposed: ExposedList
    exposure: dict[str, Any] | None


def log_files_info(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    return [{"name": Path(p).name, "size": Path(p).stat().st_size} for p in logs_mod.order_rotated(paths)]


def analyse_logs(
    paths: Sequence[str | Path],
    *,
    urls: Sequence[str],
    file_size: int,
    key: IncidentKey | None = None,
    rdns: Mapping[str, str] | None = None,
    published_at: dt.datetime | None = None,
    removed_at: dt.datetime | None = None,
    rules: exposure_mod.CrawlerRules | None = None,
) -> tuple[dict[str, Any], logs_mod.ReadStats]:
    stats = logs_mod.ReadStats()
    exp = exposure_mod.Exposure(
        paths=urls,
        file_size=file_size,
        rules=rules,
        rdns=rdns,
        client_id=key.hash_client if key else None,
        published_at=published_at,
        removed_at=removed_at,
    )
    exp.add_all(logs_mod.read_logs(paths, logs_mod.needles_for(urls, file_size), stats))
    summary = exp.summary()
    summary["log_lines"] = stats.lines
    summary["log_files"] = stats.files
    summary["unparsed_candidate_lines"] = stats.unparsed
    return summary, stats


def _parse_summary_time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def open_incident(
    store: Store,
    key: IncidentKey,
    path: str | Path,
    *,
    urls: Sequence[str],
    actor: str,
    title: str | None = None,
    published_at: dt.datetime | None = None,
    removed_at: dt.datetime | None = None,
    logs: Sequence[str | Path] = (),
    rdns: Mapping[str, str] | None = None,
    scanner: Any = None,
    now: dt.datetime | None = None,
) -> OpenResult:
    """Scan the leaked file, store its people encrypted, and (given logs) the exposure figures."""
    now = now or utc_now()
    path = Path(path)
    exposed = exposed_people(path, scanner)
    report = exposed.report
    sha = report.sha256 or _sha256(path)
    size = path.stat().st_size
    times_source = "given" if (published_at or removed_at) else "unknown"
    summary: dict[str, Any] | None = None
    if not (published_at and removed_at):
        with store.reading() as s:
            window = _watch_window(s, sha)
        if window:
            published_at = published_at or window[0]
            removed_at = removed_at or window[1]
            times_source = "watch" if times_source == "unknown" else "given+watch"
    if logs:
        summary, _ = analyse_logs(
            logs,
            urls=urls,
            file_size=size,
            key=key,
            rdns=rdns,
            published_at=published_at,
            removed_at=removed_at,
        )
        if not (published_at and removed_at) and summary["first_serve"]:
            published_at = published_at or _parse_summary_time(summary["first_serve"])
            removed_at = removed_at or _parse_summary_time(summary["last_serve"])
            times_source = "logs" if times_source == "unknown" else f"{times_source}+logs"
    with store.transaction() as s:
        inc = Incident(
            title=title or f"Publication of {path.name}",
            file_sha256=sha,
            file_name=path.name,
            file_size=size,
            media_type=report.media_type,
            urls=[logs_mod.url_path(u) for u in urls],
            published_at=published_at,
            removed_at=removed_at,
            times_source=times_source,
            status="open",
            created_by=actor,
            created_at=now,
            people=len(exposed.people),
            key_id=key.key_id,
            scan_summary=_masked_scan(report),
        )
        s.add(inc)
        s.flush()
        rows = []
        for rec in exposed.people:
            pkey, a_hash, nd_hash = person_hashes(key, rec)
            plain = json.dumps(PersonRecord(rec.values, rec.variants).to_dict(), ensure_ascii=False).encode()
            rows.append(
                ExposedPerson(
                    incident_id=inc.id,
                    person_key=pkey,
                    a_number_hash=a_hash,
                    name_dob_hash=nd_hash,
                    record=key.encrypt(plain, record_context(inc.id, pkey)),
                    fields=rec.fields,
                    where=rec.where,
                    visibilities=rec.visibilities,
                    hidden_only=rec.hidden_only,
                    masked=rec.masked(),
                    created_at=now,
                )
            )
        s.add_all(rows)
        s.add(
            IncidentAction(
                incident_id=inc.id,
                at=now,
                actor=actor,
                kind="opened",
                description=f"Incident opened: {len(rows)} exposed people identified in the published file",
            )
        )
        if summary is not None:
            s.add(
                IncidentExposure(
                    incident_id=inc.id,
                    computed_at=now,
                    computed_by=actor,
                    log_files=log_files_info(logs),
                    summary=summary,
                )
            )
        audit.append(
            s,
            at=now,
            actor=actor,
            action="incident.open",
            subject_sha256=sha,
            details={
                "incident": inc.id,
                "people": len(rows),
                "fields": fields_summary(exposed.people),
                "times_source": times_source,
                "logs": len(logs),
            },
        )
    return OpenResult(inc, exposed, summary)


# -- reading --------------------------------------------------------------------------------------
def get_incident(s: Session, incident_id: int) -> Incident:
    inc = s.get(Incident, incident_id)
    if inc is None:
        raise IncidentError(f"no incident {incident_id}")
    return inc


def list_incidents(store: Store) -> list[Incident]:
    with store.reading() as s:
        return list(s.scalars(select(Incident).order_by(Incident.id)))


def _people(s: Session, incident_id: int) -> list[ExposedPerson]:
    return list(
        s.scalars(
            select(ExposedPerson).where(ExposedPerson.incident_id == incident_id).order_by(ExposedPerson.id)
        )
    )


def _decrypt_all(
    s: Session,
    inc: Incident,
    people: Sequence[ExposedPerson],
    key: IncidentKey,
    *,
    actor: str,
    action: str,
    purpose: str,
    now: dt.datetime,
) -> list[PersonRecord]:
    """Decrypt records; the audit entry is written first, in the caller's transaction."""
    key.check(inc.key_id)
    audit.append(
        s,
        at=now,
        actor=actor,
        action=action,
        subject_sha256=inc.file_sha256,
        details={"incident": inc.id, "records": len(people), "purpose": purpose},
    )
    return [
        PersonRecord.from_dict(json.loads(key.decrypt(p.record, record_context(inc.id, p.person_key))))
        for p in people
    ]


def people_view(
    store: Store,
    incident_id: int,
    *,
    key: IncidentKey | None = None,
    reveal: bool = False,
    actor: str = "",
    purpose: str = "",
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """The exposed people: masked by default; ``reveal`` decrypts (audited, needs actor + purpose)."""
    now = now or utc_now()
    if reveal and (key is None or not actor or not purpose.strip()):
        raise IncidentError("revealing values needs the incident key, an actor and a stated purpose")
    with store.transaction() as s:
        inc = get_incident(s, incident_id)
        people = _people(s, incident_id)
        records = (
            _decrypt_all(s, inc, people, key, actor=actor, action="incident.reveal", purpose=purpose, now=now)
            if reveal and key is not None
            else None
        )
    out = []
    for i, p in enumerate(people):
        d: dict[str, Any] = {
            "id": p.id,
            "masked": p.masked,
            "fields": p.fields,
            "visibilities": p.visibilities,
            "hidden_only": p.hidden_only,
            "where": p.where,
        }
        if records is not None:
            d["values"] = records[i].values
            d["variants"] = records[i].variants
        out.append(d)
    return out


def record_exposure(
    store: Store,
    incident_id: int,
    logs: Sequence[str | Path],
    *,
    key: IncidentKey,
    actor: str,
    rdns: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    now = now or utc_now()
    with store.reading() as s:
        inc = get_incident(s, incident_id)
        key.check(inc.key_id)
        urls, size, pub, rem = list(inc.urls), inc.file_size, inc.published_at, inc.removed_at
    summary, _ = analyse_logs(
        logs, urls=urls, file_size=size, key=key, rdns=rdns, published_at=pub, removed_at=rem
    )
    with store.transaction() as s:
        inc = get_incident(s, incident_id)
        s.add(
            IncidentExposure(
                incident_id=incident_id,
                computed_at=now,
                computed_by=actor,
                log_files=log_files_info(logs),
                summary=summary,
            )
        )
        if inc.times_source in ("unknown",) and summary["first_serve"]:
            inc.published_at = _parse_summary_time(summary["first_serve"])
            inc.removed_at = _parse_summary_time(summary["last_serve"])
            inc.times_source = "logs"
        audit.append(
            s,
            at=now,
            actor=actor,
            action="incident.exposure",
            subject_sha256=inc.file_sha256,
            details={
                "incident": incident_id,
                "requests": summary["requests"],
                "complete_downloads": summary["complete_downloads"],
                "distinct_clients": summary["distinct_clients"],
                "log_lines": summary["log_lines"],
            },
        )
    return summary


def add_action(
    store: Store, incident_id: int, *, actor: str, kind: str, description: str, now: dt.datetime | None = None
) -> IncidentAction:
    now = now or utc_now()
    with store.transaction() as s:
        inc = get_incident(s, incident_id)
        act = IncidentAction(
            incident_id=incident_id, at=now, actor=actor, kind=kind[:32], description=description
        )
        s.add(act)
        audit.append(
            s,
            at=now,
            actor=actor,
            action="incident.action",
            subject_sha256=inc.file_sha256,
            details={"incident": incident_id, "kind": kind[:32]},
        )
    return act


# -- the report's data ------------------------------------------------------------------------
SMALL_CELL = 10  # counts below this are shown as "<10" (common statistical-disclosure threshold)


def suppress(n: int, threshold: int = SMALL_CELL) -> str:
    return f"<{threshold}" if 0 < n < threshold else f"{n:,}"


def report_data(
    store: Store, incident_id: int, *, key: IncidentKey, actor: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the oversight report shows: aggregates only (decryption audited)."""
    now = now or utc_now()
    with store.transaction() as s:
        inc = get_incident(s, incident_id)
        people = _people(s, incident_id)
        records = _decrypt_all(
            s, inc, people, key, actor=actor, action="incident.aggregate", purpose="oversight report", now=now
        )
        by_nat: Counter[str] = Counter()
        by_fac: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        for r in records:
            by_nat[r.get("nationality") or "(not stated)"] += 1
            by_fac[r.get("facility") or "(not stated)"] += 1
            by_status[r.get("case_status") or "(not stated)"] += 1
        del records
        fields: Counter[str] = Counter()
        vis: Counter[str] = Counter()
        hidden_only = 0
        for p in people:
            fields.update(p.fields)
            vis.update(p.visibilities)
            hidden_only += p.hidden_only
        exposure = s.scalars(
            select(IncidentExposure)
            .where(IncidentExposure.incident_id == incident_id)
            .order_by(IncidentExposure.id.desc())
            .limit(1)
        ).first()
        actions = list(
            s.scalars(
                select(IncidentAction)
                .where(IncidentAction.incident_id == incident_id)
                .order_by(IncidentAction.id)
            )
        )
        trail = [
            audit.entry_dict(e)
            for e in s.scalars(
                select(audit.AuditEntry)
                .where(audit.AuditEntry.subject_sha256 == inc.file_sha256)
                .order_by(audit.AuditEntry.seq)
            )
        ]
        followup = _followup_counts(s, incident_id)
    return {
        "incident": {
            "id": inc.id,
            "title": inc.title,
            "file_name": inc.file_name,
            "file_sha256": inc.file_sha256,
            "file_size": inc.file_size,
            "media_type": inc.media_type,
            "urls": inc.urls,
            "published_at": _iso(inc.published_at),
            "removed_at": _iso(inc.removed_at),
            "times_source": inc.times_source,
            "status": inc.status,
            "created_by": inc.created_by,
            "created_at": _iso(inc.created_at),
        },
        "scan": {
            "verdict": inc.scan_summary.get("verdict"),
            "categories": inc.scan_summary.get("categories", []),
            "reasons": inc.scan_summary.get("reasons", []),
        },
        "people": len(people),
        "hidden_only": hidden_only,
        "fields": dict(fields.most_common()),
        "visibilities": dict(vis.most_common()),
        "by_nationality": dict(by_nat.most_common()),
        "by_facility": dict(by_fac.most_common()),
        "by_case_status": dict(by_status.most_common()),
        "exposure": exposure.summary if exposure else None,
        "exposure_logs": exposure.log_files if exposure else [],
        "actions": [
            {"at": _iso(a.at), "actor": a.actor, "kind": a.kind, "description": a.description}
            for a in actions
        ],
        "audit": trail,
        "followup": followup,
        "generated_at": _iso(now),
    }


def _followup_counts(s: Session, incident_id: int) -> dict[str, int]:
    """Per-status counts from the follow-up engineer's table, when it exists (optional)."""
    try:
        from clearance.incident.followup_models import FollowupCase  # type: ignore[import-not-found]
    except ImportError:
        return {}
    col = getattr(FollowupCase, "status", None)
    if col is None:
        return {}
    try:
        with s.begin_nested():
            rows = s.execute(
                select(col, func.count()).where(FollowupCase.incident_id == incident_id).group_by(col)
            ).all()
    except Exception:
        return {}
    return {str(k): int(v) for k, v in rows}
