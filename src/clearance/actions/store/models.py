"""Tables of the clearance store (SQLAlchemy 2 ORM).

Everything is keyed by the SHA-256 of the exact bytes that were scanned: a cleared file edited by
one byte is a different file with no clearance. Only masked findings and keyed fingerprints are
stored (the scan report as the CONTRACTS JSON); raw personal values never reach the database.

The Alembic revisions in ``migrations/versions`` create these tables; a test compares the two so
they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SHA256_HEX = 64  # length of a hex SHA-256 digest
GENESIS_HASH = "0" * SHA256_HEX  # prev_hash of the first audit entry


class Role(StrEnum):
    """What a user may do (see workflow.PERMISSIONS)."""

    PUBLISHER = "publisher"  # submits files
    REVIEWER = "reviewer"  # approves or rejects files sent to review, takes files down
    OVERRIDE = "approver-override"  # may also release BLOCKED files, with a reason
    ADMIN = "admin"  # manages users; reviews; cannot release blocked files


class Status(StrEnum):
    """Clearance status of one exact byte sequence. ``expired`` is derived at read time."""

    PENDING = "pending-review"
    CLEARED = "cleared"
    REJECTED = "rejected"
    BLOCKED = "blocked"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    OVERRIDE = "override"
    REVOKE = "revoke"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no timezone type, so values are stored there as naive UTC; they come back aware.
    Naive input is refused: a clearance expiry in an unknown timezone is a bug, not a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware (UTC) datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# Stable constraint names, so later migrations can alter them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {dt.datetime: UTCDateTime()}  # noqa: RUF012


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    # Hashing passwords is the web app's job; the CLI trusts the operating-system account.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique: the same bytes submitted again are the same submission (a rejection or a takedown
    # sticks to the bytes).
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX), unique=True)
    filename: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(255))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime]
    policy_name: Mapped[str] = mapped_column(String(255))
    policy_version: Mapped[str] = mapped_column(String(64))
    policy_sha256: Mapped[str] = mapped_column(String(SHA256_HEX))
    verdict: Mapped[str] = mapped_column(String(16))
    people: Mapped[int] = mapped_column(BigInteger)
    categories: Mapped[list[str]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)  # CONTRACTS file JSON, masked findings only
    # Stored status (never "expired": that is derived from expires_at at read time). Kept up to
    # date by the workflow in the same transaction as the decision that changes it, so the
    # serve-time check is one indexed row read.
    status: Mapped[str] = mapped_column(String(20), index=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    updated_at: Mapped[dt.datetime]

    submitter: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="submission", order_by="Decision.id", lazy="selectin"
    )


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime]

    submission: Mapped[Submission] = relationship(back_populates="decisions")
    actor: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class AuditEntry(Base):
    """Append-only, hash-chained log. ``seq`` is assigned by the writer (no gaps, no reuse)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    subject_sha256: Mapped[str | None] = mapped_column(String(SHA256_HEX), default=None)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON; masked values only
    prev_hash: Mapped[str] = mapped_column(String(SHA256_HEX))
    hash: Mapped[str] = mapped_column(String(SHA256_HEX), unique=True)


class AuditHead(Base):
    """One row: the last seq and hash. Appenders lock it, so the chain never forks; verify
    compares it with the log, so deleting the newest entries is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(SHA256_HEX))


Index("ix_audit_log_subject_sha256", AuditEntry.subject_sha256)


class ApiToken(Base):
    """A bearer token for CI and CMS integrations (the web app's ``Authorization: Bearer``).

    Only the SHA-256 of the token is stored: the token is 32 random bytes, so a plain digest is
    enough (no salt or slow hash needed, unlike a password) and a stolen database yields no token.
    ``role`` narrows what the token may do: the owner's role or ``publisher`` (submit and read).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(SHA256_HEX), unique=True)
    name: Mapped[str] = mapped_column(String(100))  # what it is for, e.g. "CMS publish hook"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


# Tables of the other capabilities share this Base, so one Alembic history creates them all:
# incidents (clearance incident), follow-up cases (clearance followup), the watch's URLs,
# sightings and alerts (clearance watch), and the incremental-scan cache (clearance scan --cache).
from clearance.actions.store import incident_tables as _incident_tables  # noqa: E402, F401
from clearance.actions.store import scan_cache_tables as _scan_cache_tables  # noqa: E402, F401
from clearance.actions.store import watch_tables as _watch_tables  # noqa: E402, F401
from clearance.incident import followup_models as _followup_models  # noqa: E402, F401
