"""Tables of ``clearance watch``, in the clearance store (same ``Base`` as the gate's tables, so
one Alembic history creates them all and the incident tooling can ask "since when was this
public?" of the same database). The logic that fills them is in ``clearance.watch.state``.

Never a leak itself: a URL, its validators (ETag, Last-Modified), the SHA-256 of what it served,
the verdict, and a *profile* of the file (sheet names, row counts, classified column headers and
entities, hidden parts) — no cell values. Alert payloads are the masked JSON that was sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearance.actions.store.models import SHA256_HEX, Base

MAX_URL = 2048  # the de-facto URL length limit (browsers, sitemaps.org: "less than 2,048")


class WatchedUrl(Base):
    """One URL on a watched site: what it served last and when it was seen."""

    __tablename__ = "watch_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(MAX_URL), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # document | page (HTML, crawled for links)
    etag: Mapped[str | None] = mapped_column(String(512), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(64), default=None)  # HTTP-date, as served
    lastmod: Mapped[str | None] = mapped_column(String(64), default=None)  # sitemap <lastmod>, as listed
    sha256: Mapped[str | None] = mapped_column(String(SHA256_HEX), default=None)
    media_type: Mapped[str | None] = mapped_column(String(255), default=None)
    verdict: Mapped[str | None] = mapped_column(String(16), default=None)
    people: Mapped[int] = mapped_column(Integer, default=0)
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # watch.drift.Profile
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime | None] = mapped_column(default=None)  # last 200/304 for it
    last_checked: Mapped[dt.datetime] = mapped_column(index=True)
    last_status: Mapped[str] = mapped_column(String(16))  # FetchResult.code
    error: Mapped[str | None] = mapped_column(Text, default=None)
    gone_at: Mapped[dt.datetime | None] = mapped_column(default=None)  # first 404/410 after being served


class WatchSighting(Base):
    """These bytes were served at this URL from ``first_seen`` to at least ``last_seen``."""

    __tablename__ = "watch_sightings"
    __table_args__ = (UniqueConstraint("url_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_id: Mapped[int] = mapped_column(ForeignKey("watch_urls.id"))
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX), index=True)
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]


class WatchAlert(Base):
    """One alert (masked JSON payload) and the channels it has not reached yet."""

    __tablename__ = "watch_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL))
    kinds: Mapped[list[str]] = mapped_column(JSON)  # exposure | not-cleared | drift | unscannable
    payload: Mapped[str] = mapped_column(Text)  # the JSON body sent (masked values only)
    created_at: Mapped[dt.datetime]
    pending: Mapped[list[str]] = mapped_column(JSON)  # channels still to deliver to
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
