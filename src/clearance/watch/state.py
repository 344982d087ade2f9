"""What the watcher has seen, in the same store as the gate (tables in
``actions/store/watch_tables.py``, migration 0004).

Per URL: its last ETag / Last-Modified (for conditional requests), sitemap ``<lastmod>``, the
SHA-256, media type, verdict and drift profile of what it served last. Per URL + SHA-256: when
those bytes were first and last seen served there, so incident response can answer "since when
was this public?" with ``exposure_window``. Alerts sent (de-duplication: the same bytes alert once
per kind) and those still pending on a channel.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from clearance.actions.store.watch_tables import WatchAlert, WatchedUrl, WatchSighting
from clearance.watch.alerts import Alert

SHA_LEN = 64


@dataclass
class UrlRecord:
    """In-memory copy of a ``watch_urls`` row (the runner keeps one per known URL)."""

    id: int
    url: str
    kind: str
    etag: str | None
    last_modified: str | None
    lastmod: str | None
    sha256: str | None
    media_type: str | None
    verdict: str | None
    profile: dict[str, Any] | None
    first_seen: dt.datetime
    last_checked: dt.datetime
    last_status: str


def _record(row: WatchedUrl) -> UrlRecord:
    return UrlRecord(
        row.id,
        row.url,
        row.kind,
        row.etag,
        row.last_modified,
        row.lastmod,
        row.sha256,
        row.media_type,
        row.verdict,
        row.profile,
        row.first_seen,
        row.last_checked,
        row.last_status,
    )


def load(session: Session) -> dict[str, UrlRecord]:
    return {row.url: _record(row) for row in session.scalars(select(WatchedUrl))}


def _row(session: Session, url: str, kind: str, now: dt.datetime) -> WatchedUrl:
    row = session.scalars(select(WatchedUrl).where(WatchedUrl.url == url)).one_or_none()
    if row is None:
        row = WatchedUrl(url=url, kind=kind, first_seen=now, last_checked=now, last_status="new", people=0)
        session.add(row)
        session.flush()
    return row


def _sighting(session: Session, url_id: int, sha256: str, now: dt.datetime) -> None:
    n = session.execute(
        update(WatchSighting)
        .where(WatchSighting.url_id == url_id, WatchSighting.sha256 == sha256)
        .values(last_seen=now)
    ).rowcount
    if not n:
        session.add(WatchSighting(url_id=url_id, sha256=sha256, first_seen=now, last_seen=now))
        session.flush()


def record_content(
    session: Session,
    url: str,
    *,
    kind: str,
    now: dt.datetime,
    sha256: str,
    etag: str | None,
    last_modified: str | None,
    lastmod: str | None,
    media_type: str | None = None,
    verdict: str | None = None,
    people: int = 0,
    profile: dict[str, Any] | None = None,
) -> UrlRecord:
    """A 200: these bytes are served at ``url`` now. Scan results are kept when given."""
    row = _row(session, url, kind, now)
    row.kind = kind
    row.etag, row.last_modified = etag, last_modified
    if lastmod is not None:
        row.lastmod = lastmod
    if verdict is not None or row.sha256 != sha256:
        row.media_type, row.verdict, row.people, row.profile = media_type, verdict, people, profile
    row.sha256 = sha256
    row.last_seen = row.last_checked = now
    row.last_status, row.error, row.gone_at = "ok", None, None
    session.flush()
    _sighting(session, row.id, sha256, now)
    return _record(row)


def record_not_modified(session: Session, rec: UrlRecord, *, now: dt.datetime, lastmod: str | None) -> None:
    """A 304: the bytes last seen are still served."""
    values: dict[str, Any] = {
        "last_seen": now,
        "last_checked": now,
        "last_status": "not-modified",
        "error": None,
    }
    if lastmod is not None:
        values["lastmod"] = lastmod
        rec.lastmod = lastmod
    session.execute(update(WatchedUrl).where(WatchedUrl.id == rec.id).values(**values))
    if rec.sha256:
        _sighting(session, rec.id, rec.sha256, now)
    rec.last_checked, rec.last_status = now, "not-modified"


def record_failure(
    session: Session, url: str, *, kind: str, now: dt.datetime, code: str, error: str | None, status: int = 0
) -> UrlRecord:
    """Anything but 200/304. A 404/410 after content was served marks the URL gone."""
    row = _row(session, url, kind, now)
    row.last_checked, row.last_status, row.error = now, code[:16], error
    if status in (404, 410) and row.sha256 and row.gone_at is None:
        row.gone_at = now
    session.flush()
    return _record(row)


def oldest_checked(records: Iterable[UrlRecord], n: int, *, exclude: set[str]) -> list[UrlRecord]:
    pool = [r for r in records if r.url not in exclude]
    pool.sort(key=lambda r: r.last_checked)
    return pool[:n]


def exposure_window(session: Session, url_or_sha: str) -> tuple[dt.datetime, dt.datetime] | None:
    """(first_seen, last_seen) over every sighting of these bytes (a SHA-256) or of this URL.

    ``last_seen`` is the last time a request confirmed it was served (200 or 304); the file may
    have stayed up until the next check found it changed or gone.
    """
    key = url_or_sha.strip()
    q = select(func.min(WatchSighting.first_seen), func.max(WatchSighting.last_seen))
    if len(key) == SHA_LEN and all(c in "0123456789abcdef" for c in key.lower()):
        q = q.where(WatchSighting.sha256 == key.lower())
    else:
        q = q.join(WatchedUrl, WatchedUrl.id == WatchSighting.url_id).where(WatchedUrl.url == key)
    first, last = session.execute(q).one()
    if first is None:
        return None
    # aggregates bypass the column type on SQLite: make them aware UTC like every other datetime
    first, last = (_aware(first), _aware(last))
    return first, last


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def sightings(session: Session, sha256: str) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(url, first_seen, last_seen) for every URL that served these bytes."""
    q = (
        select(WatchedUrl.url, WatchSighting.first_seen, WatchSighting.last_seen)
        .join(WatchedUrl, WatchedUrl.id == WatchSighting.url_id)
        .where(WatchSighting.sha256 == sha256)
        .order_by(WatchSighting.first_seen)
    )
    return [(u, f, last) for u, f, last in session.execute(q)]


# -- alerts -----------------------------------------------------------------------------------
def alerted_kinds(session: Session, sha256: str) -> set[str]:
    out: set[str] = set()
    for kinds in session.scalars(select(WatchAlert.kinds).where(WatchAlert.sha256 == sha256)):
        out.update(kinds)
    return out


def add_alert(session: Session, alert: Alert, *, pending: Sequence[str], now: dt.datetime) -> WatchAlert:
    row = WatchAlert(
        sha256=alert.sha256,
        url=alert.url,
        kinds=list(alert.kinds),
        payload=alert.body().decode("utf-8"),
        created_at=now,
        pending=list(pending),
        attempts=0,
    )
    session.add(row)
    session.flush()
    return row


def delivery_result(session: Session, row: WatchAlert, failed: dict[str, str], *, now: dt.datetime) -> None:
    row.attempts += 1
    row.pending = [c for c in row.pending if c in failed]
    row.last_error = "; ".join(f"{k}: {v}" for k, v in failed.items()) or None
    if not row.pending:
        row.delivered_at = now
    session.flush()


def pending_alerts(session: Session, *, limit: int = 100) -> list[WatchAlert]:
    rows = session.scalars(
        select(WatchAlert).where(WatchAlert.delivered_at.is_(None)).order_by(WatchAlert.id)
    )
    return [r for r in rows if r.pending][:limit]


def alert_of(row: WatchAlert) -> Alert:
    return Alert.from_json(json.loads(row.payload))


__all__ = [
    "UrlRecord",
    "add_alert",
    "alert_of",
    "alerted_kinds",
    "delivery_result",
    "exposure_window",
    "load",
    "oldest_checked",
    "pending_alerts",
    "record_content",
    "record_failure",
    "record_not_modified",
    "sightings",
]
