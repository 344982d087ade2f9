"""Follow-up of an incident: every exposed person is a case, tracked until it is closed.

Status moves forward through ``TRANSITIONS``::

    to-notify -> notified -> review-pending -> outcome -> closed
         \\________________________^                 (review can start before notice is given:
                                                      removals were halted for everyone at once)

``notified`` records how (mail, email, phone, in person) and to whom (the person or counsel);
``outcome`` records what came of the review (released, relief granted, removal paused, reopened,
assistance to return, no action). A case cannot be closed before notice was given and an
outcome recorded; ``closed`` and ``outcome`` can go back to ``review-pending`` (a reopened case).
Each case has an owner and a due date. Every change is a ``FollowupEvent`` (actor, time,
from -> to) and an entry in the hash-chained audit log, in the same transaction; a bulk update
from CSV is one transaction and one audit entry listing the case ids.

``summary`` gives the aggregates an oversight body asks for (notified, under review, released,
removed, by outcome): counts only, never a person.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearance.actions import audit
from clearance.actions.store.incident_tables import ExposedPerson, Incident
from clearance.actions.store.repo import Store
from clearance.errors import ClearanceError
from clearance.incident.followup_models import FollowupCase, FollowupEvent
from clearance.incident.matching import MatchResult
from clearance.incident.roster import PersonRecord, from_values


class Status(StrEnum):
    TO_NOTIFY = "to-notify"
    NOTIFIED = "notified"
    REVIEW_PENDING = "review-pending"
    OUTCOME = "outcome"
    CLOSED = "closed"


class Outcome(StrEnum):
    RELEASED = "released"
    RELIEF_GRANTED = "relief-granted"
    REMOVAL_PAUSED = "removal-paused"
    REOPENED = "reopened"
    ASSISTANCE_TO_RETURN = "assistance-to-return"
    NO_ACTION = "no-action"


VIA = ("mail", "email", "phone", "in-person")
TO = ("person", "counsel")
CUSTODY = ("detained", "released", "removed")
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.TO_NOTIFY: frozenset({Status.NOTIFIED, Status.REVIEW_PENDING}),
    Status.NOTIFIED: frozenset({Status.REVIEW_PENDING}),
    Status.REVIEW_PENDING: frozenset({Status.NOTIFIED, Status.OUTCOME}),
    Status.OUTCOME: frozenset({Status.CLOSED, Status.REVIEW_PENDING}),
    Status.CLOSED: frozenset({Status.REVIEW_PENDING}),
}
# Case ids listed in one bulk update's audit entry; beyond this the entry keeps a count and
# the first ids (the events table has every one).
AUDIT_IDS_MAX = 1000


class FollowupError(ClearanceError):
    """A change the workflow refuses (bad transition, missing field, unknown case)."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Change:
    """One requested change to a case; None leaves a field as it is."""

    status: str | None = None
    outcome: str | None = None
    via: str | None = None
    to: str | None = None
    owner: str | None = None
    due: dt.datetime | None = None
    custody: str | None = None
    note: str = ""


# -- opening cases -------------------------------------------------------------------------------
def open_cases(
    store: Store, incident_id: int, *, actor: str, now: dt.datetime, due: dt.datetime | None = None
) -> int:
    """One ``to-notify`` case per exposed person of the incident that has none yet."""
    with store.transaction() as s:
        audit.lock(s)
        if s.get(Incident, incident_id) is None:
            raise FollowupError(f"no incident {incident_id}")
        have = set(
            s.scalars(select(FollowupCase.exposed_person_id).where(FollowupCase.incident_id == incident_id))
        )
        people = s.execute(
            select(ExposedPerson.id, ExposedPerson.a_number_hash, ExposedPerson.masked)
            .where(ExposedPerson.incident_id == incident_id)
            .order_by(ExposedPerson.id)
        ).all()
        new = [p for p in people if p.id not in have]
        cases = [
            FollowupCase(
                incident_id=incident_id,
                exposed_person_id=p.id,
                a_number_hash=p.a_number_hash,
                masked=p.masked,
                match_decision="pending",
                status=Status.TO_NOTIFY.value,
                due_at=due,
                created_at=now,
                updated_at=now,
            )
            for p in new
        ]
        s.add_all(cases)
        s.flush()
        s.add_all(
            FollowupEvent(
                case_id=c.id, at=now, actor=actor, action="open", to_status=c.status, details={}, note=""
            )
            for c in cases
        )
        if cases:
            audit.append(
                s, at=now, actor=actor, action="followup.open",
                details={"incident": incident_id, "cases": len(cases), **_ids([c.id for c in cases])},
            )  # fmt: skip
        return len(cases)


def _ids(ids: Sequence[int]) -> dict[str, Any]:
    return {"case_ids": list(ids[:AUDIT_IDS_MAX]), "case_ids_truncated": len(ids) > AUDIT_IDS_MAX}


# -- the exposed people, decrypted (audited) ---------------------------------------------------
def load_exposed(
    store: Store, incident_id: int, key: Any, *, actor: str, now: dt.datetime, purpose: str
) -> list[PersonRecord]:
    """Decrypt an incident's exposed people into matching records (``key`` = ``str(ExposedPerson.id)``).

    A reveal: one audit entry (who, why, how many), in memory only afterwards.
    """
    from clearance.incident.crypto import record_context
    from clearance.incident.models import PersonRecord as Leaked

    out: list[PersonRecord] = []
    with store.transaction() as s:
        audit.lock(s)
        inc = s.get(Incident, incident_id)
        if inc is None:
            raise FollowupError(f"no incident {incident_id}")
        key.check(inc.key_id)
        for ep in s.scalars(
            select(ExposedPerson).where(ExposedPerson.incident_id == incident_id).order_by(ExposedPerson.id)
        ):
            plain = key.decrypt(ep.record, record_context(ep.incident_id, ep.person_key))
            rec = Leaked.from_dict(json.loads(plain))
            out.append(
                from_values(
                    str(ep.id),
                    {
                        f: rec.get(f)
                        for f in ("name", "dob", "nationality", "a_number", "facility", "case_status")
                    },
                )
            )
        audit.append(
            s, at=now, actor=actor, action="incident.reveal",
            details={"incident": incident_id, "records": len(out), "purpose": purpose},
        )  # fmt: skip
    return out


# -- recording the roster match -----------------------------------------------------------------
def record_matches(
    store: Store,
    incident_id: int,
    result: MatchResult,
    roster: Sequence[PersonRecord],
    *,
    actor: str,
    now: dt.datetime,
) -> dict[str, int]:
    """Store each case's match (decision, method, probability, roster case id) and take its
    custody and language from the matched roster row. Exposed keys are ``ExposedPerson.id``."""
    by_key = {r.key: r for r in roster}
    with store.transaction() as s:
        audit.lock(s)
        cases = {
            str(c.exposed_person_id): c
            for c in s.scalars(select(FollowupCase).where(FollowupCase.incident_id == incident_id))
        }
        changed = []
        for m in result.matches:
            c = cases.get(m.exposed_key)
            if c is None:
                continue
            c.match_decision = m.decision
            c.match_method = m.method if m.method != "none" else None
            c.match_probability = round(m.probability, 6)
            c.roster_key = m.roster_key if m.decision == "match" else None
            row = by_key.get(m.roster_key or "") if m.decision == "match" else None
            if row is not None:
                custody = row.get("custody").lower()
                c.custody = custody if custody in CUSTODY else c.custody
                c.language = row.get("language").lower()[:8] or c.language
            c.updated_at = now
            s.add(
                FollowupEvent(
                    case_id=c.id, at=now, actor=actor, action="match",
                    from_status=c.status, to_status=c.status,
                    details={
                        "decision": m.decision, "method": m.method, "probability": round(m.probability, 4),
                    },
                    note="",
                )
            )  # fmt: skip
            changed.append(c.id)
        counts = result.counts()
        audit.append(
            s, at=now, actor=actor, action="followup.match",
            details={"incident": incident_id, "counts": counts, "cases": len(changed)},
        )  # fmt: skip
    return counts


# -- changes --------------------------------------------------------------------------------------
def _apply(s: Session, c: FollowupCase, ch: Change, *, actor: str, now: dt.datetime) -> dict[str, Any]:
    before = c.status
    details: dict[str, Any] = {}
    if ch.owner is not None:
        c.owner, details["owner"] = ch.owner or None, ch.owner
    if ch.due is not None:
        c.due_at, details["due"] = ch.due, ch.due.astimezone(dt.UTC).isoformat()
    if ch.custody is not None:
        if ch.custody not in CUSTODY:
            raise FollowupError(f"case {c.id}: custody must be one of {', '.join(CUSTODY)}")
        c.custody, details["custody"] = ch.custody, ch.custody
    if ch.status is not None:
        try:
            new = Status(ch.status)
        except ValueError:
            raise FollowupError(
                f"case {c.id}: unknown status {ch.status!r}; one of {', '.join(Status)}"
            ) from None
        if new.value != before:
            if new not in TRANSITIONS[Status(before)]:
                allowed = ", ".join(sorted(TRANSITIONS[Status(before)]))
                raise FollowupError(f"case {c.id}: cannot go from {before} to {new} (allowed: {allowed})")
            if new is Status.NOTIFIED:
                if ch.via not in VIA or ch.to not in TO:
                    raise FollowupError(
                        f"case {c.id}: notified needs --via ({'/'.join(VIA)}) and --to ({'/'.join(TO)})"
                    )
                c.notified_via, c.notified_to, c.notified_at = ch.via, ch.to, now
                details.update(via=ch.via, to=ch.to)
            if new is Status.OUTCOME:
                if ch.outcome not in tuple(Outcome):
                    raise FollowupError(f"case {c.id}: an outcome is needed ({', '.join(Outcome)})")
                c.outcome, details["outcome"] = ch.outcome, ch.outcome
                if ch.outcome == Outcome.RELEASED:
                    c.custody = "released"
            if new is Status.CLOSED and (c.notified_at is None or c.outcome is None):
                raise FollowupError(
                    f"case {c.id}: cannot close before notice was given and an outcome recorded"
                )
            if new is Status.REVIEW_PENDING and before in (Status.OUTCOME, Status.CLOSED):
                details["reopened_from"] = c.outcome
            c.status = new.value
    elif ch.outcome is not None or ch.via is not None:
        raise FollowupError(
            f"case {c.id}: give --status outcome with an outcome, --status notified with --via/--to"
        )
    if not details and c.status == before and not ch.note:
        raise FollowupError(f"case {c.id}: nothing to change")
    c.updated_at = now
    s.add(
        FollowupEvent(
            case_id=c.id, at=now, actor=actor, action="status" if c.status != before else "update",
            from_status=before, to_status=c.status, details=details, note=ch.note,
        )
    )  # fmt: skip
    return {"case": c.id, "from": before, "to": c.status, **details}


def update(store: Store, case_id: int, change: Change, *, actor: str, now: dt.datetime) -> FollowupCase:
    with store.transaction() as s:
        audit.lock(s)
        c = s.get(FollowupCase, case_id)
        if c is None:
            raise FollowupError(f"no follow-up case {case_id}")
        d = _apply(s, c, change, actor=actor, now=now)
        audit.append(s, at=now, actor=actor, action="followup.update", details=d)
        return c


BULK_COLUMNS = (
    "case_id",
    "a_number_hash",
    "a_number",
    "status",
    "outcome",
    "via",
    "to",
    "owner",
    "due",
    "custody",
    "note",
)


def parse_due(text: str) -> dt.datetime:
    try:
        d = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise FollowupError(f"due date {text!r} is not ISO 8601 (2022-12-15 or 2022-12-15T17:00)") from None
    return d if d.tzinfo else d.replace(tzinfo=dt.UTC)


def bulk_update(
    store: Store,
    incident_id: int,
    data: str,
    *,
    actor: str,
    now: dt.datetime,
    hash_a_number: Any = None,
) -> int:
    """Apply a CSV of changes (columns ``BULK_COLUMNS``; each row names its case by ``case_id``,
    ``a_number_hash``, or ``a_number`` when ``hash_a_number`` (the incident key's) is given).
    All or nothing: the first bad row is reported by line number and nothing is changed."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    cols = [h.strip().lower() for h in reader.fieldnames or []]
    unknown = [h for h in cols if h not in BULK_COLUMNS]
    if unknown:
        raise FollowupError(f"unknown column(s) {', '.join(unknown)}; columns: {', '.join(BULK_COLUMNS)}")
    if not {"case_id", "a_number_hash", "a_number"} & set(cols):
        raise FollowupError("the CSV needs a case_id, a_number_hash or a_number column")
    done: list[int] = []
    statuses: Counter[str] = Counter()
    with store.transaction() as s:
        audit.lock(s)
        for line, raw in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            try:
                c = _find(s, incident_id, row, hash_a_number)
                ch = Change(
                    status=row.get("status") or None,
                    outcome=row.get("outcome") or None,
                    via=row.get("via") or None,
                    to=row.get("to") or None,
                    owner=row.get("owner") or None,
                    due=parse_due(row["due"]) if row.get("due") else None,
                    custody=row.get("custody") or None,
                    note=row.get("note", ""),
                )
                _apply(s, c, ch, actor=actor, now=now)
            except FollowupError as exc:
                raise FollowupError(f"line {line}: {exc}") from None
            done.append(c.id)
            statuses[c.status] += 1
        audit.append(
            s, at=now, actor=actor, action="followup.bulk",
            details={"incident": incident_id, "rows": len(done), "statuses": dict(statuses), **_ids(done)},
        )  # fmt: skip
    return len(done)


def _find(s: Session, incident_id: int, row: Mapping[str, str], hash_a_number: Any) -> FollowupCase:
    q = select(FollowupCase).where(FollowupCase.incident_id == incident_id)
    if row.get("case_id"):
        if not row["case_id"].isdigit():
            raise FollowupError(f"case_id {row['case_id']!r} is not a number")
        q, what = q.where(FollowupCase.id == int(row["case_id"])), f"case {row['case_id']}"
    elif row.get("a_number_hash"):
        q, what = q.where(FollowupCase.a_number_hash == row["a_number_hash"].lower()), "that A-number hash"
    elif row.get("a_number"):
        if hash_a_number is None:
            raise FollowupError("a_number needs the incident key (CLEARANCE_INCIDENT_KEY) to be hashed")
        h = hash_a_number(row["a_number"])
        q, what = q.where(FollowupCase.a_number_hash == h), "that A-number"
    else:
        raise FollowupError("no case_id, a_number_hash or a_number")
    found = s.scalars(q.limit(2)).all()
    if not found:
        raise FollowupError(f"no case for {what} in incident {incident_id}")
    if len(found) > 1:
        raise FollowupError(f"{what} names more than one case; use case_id")
    return found[0]


# -- reading --------------------------------------------------------------------------------------
def list_cases(
    store: Store,
    incident_id: int,
    *,
    status: str | None = None,
    decision: str | None = None,
    limit: int = 100,
) -> list[FollowupCase]:
    with store.reading() as s:
        q = (
            select(FollowupCase)
            .where(FollowupCase.incident_id == incident_id)
            .order_by(FollowupCase.id)
            .limit(limit)
        )
        if status:
            q = q.where(FollowupCase.status == status)
        if decision:
            q = q.where(FollowupCase.match_decision == decision)
        return list(s.scalars(q))


def history(store: Store, case_id: int) -> list[FollowupEvent]:
    with store.reading() as s:
        return list(
            s.scalars(
                select(FollowupEvent).where(FollowupEvent.case_id == case_id).order_by(FollowupEvent.id)
            )
        )


def summary(
    store: Store, incident_id: int | None = None, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Counts by status, outcome, custody, match decision, notice; overdue cases. Aggregates only."""
    now = now or utc_now()

    def grouped(s: Session, col: Any) -> dict[str, int]:
        q = select(col, func.count()).group_by(col)
        if incident_id is not None:
            q = q.where(FollowupCase.incident_id == incident_id)
        return {str(k) if k is not None else "unknown": int(n) for k, n in s.execute(q)}

    with store.reading() as s:
        by_status = grouped(s, FollowupCase.status)
        by_outcome = grouped(s, FollowupCase.outcome)
        by_custody = grouped(s, FollowupCase.custody)
        by_match = grouped(s, FollowupCase.match_decision)
        by_via = grouped(s, FollowupCase.notified_via)
        by_to = grouped(s, FollowupCase.notified_to)
        base = select(func.count()).select_from(FollowupCase)
        if incident_id is not None:
            base = base.where(FollowupCase.incident_id == incident_id)
        notified = int(s.scalar(base.where(FollowupCase.notified_at.is_not(None))) or 0)
        overdue = int(
            s.scalar(
                base.where(
                    FollowupCase.due_at.is_not(None),
                    FollowupCase.due_at < now,
                    FollowupCase.status != Status.CLOSED.value,
                )
            )
            or 0
        )
    by_outcome.pop("unknown", None)
    by_via.pop("unknown", None)
    by_to.pop("unknown", None)
    total = sum(by_status.values())
    return {
        "cases": total,
        "by_status": {st.value: by_status.get(st.value, 0) for st in Status},
        "by_outcome": {o.value: by_outcome.get(o.value, 0) for o in Outcome},
        "by_custody": by_custody,
        "by_match": by_match,
        "notified_via": by_via,
        "notified_to": by_to,
        "figures": {
            "notified": notified,
            "not_yet_notified": total - notified,
            "under_review": by_status.get(Status.REVIEW_PENDING.value, 0),
            "released": by_custody.get("released", 0),
            "removed": by_custody.get("removed", 0),
            "closed": by_status.get(Status.CLOSED.value, 0),
            "overdue": overdue,
        },
    }


def rows_for_csv(cases: Iterable[FollowupCase]) -> list[dict[str, Any]]:
    """Cases as CSV rows (masked name and hashes only): the template for ``bulk_update``."""
    return [
        {
            "case_id": c.id,
            "a_number_hash": c.a_number_hash or "",
            "masked": c.masked,
            "match": c.match_decision,
            "status": c.status,
            "outcome": c.outcome or "",
            "custody": c.custody or "",
            "owner": c.owner or "",
            "due": c.due_at.isoformat() if c.due_at else "",
        }
        for c in cases
    ]
