"""Data access for the clearance store: the only module that writes SQL for the workflow.

``Store`` owns the engine. ``Store.is_cleared(sha256, now=...)`` is the serve-time check (nginx
``auth_request``, the web app's download route): one indexed row read, no ORM objects.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from clearance.actions.store import db
from clearance.actions.store.models import ApiToken, Decision, Role, Status, Submission, User

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
PREFIX_RE = re.compile(r"^[0-9a-f]{8,63}$")  # short hashes, as git prints them


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = db.session_factory(engine)

    @classmethod
    def open(cls, url: str = db.DEFAULT_URL, *, migrate: bool = True, **engine_kwargs: Any) -> Store:
        """Connect; by default bring the schema up to date first (idempotent)."""
        engine = db.make_engine(url, **engine_kwargs)
        if migrate:
            db.upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with db.transaction(self.sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    # -- the serve-time check -------------------------------------------------------------------
    def is_cleared(self, sha256: str, *, now: dt.datetime) -> bool:
        """True only for these exact bytes, cleared, not revoked, not expired at ``now``."""
        if not SHA256_RE.match(sha256 or ""):
            return False
        with self.engine.connect() as conn:
            return conn.execute(cleared_query(sha256, now)).first() is not None


def _cleared_now(now: dt.datetime) -> tuple[Any, ...]:
    """The one definition of "cleared now": status cleared and not expired."""
    return (
        Submission.status == Status.CLEARED.value,
        or_(Submission.expires_at.is_(None), Submission.expires_at > now),
    )


def cleared_query(sha256: str, now: dt.datetime) -> Any:
    return select(Submission.id).where(Submission.sha256 == sha256, *_cleared_now(now)).limit(1)


def cleared_among(session: Session, shas: list[str], *, now: dt.datetime) -> set[str]:
    """Which of ``shas`` are cleared at ``now``, in one query per batch of 500."""
    out: set[str] = set()
    for i in range(0, len(shas), 500):
        q = select(Submission.sha256).where(Submission.sha256.in_(shas[i : i + 500]), *_cleared_now(now))
        out.update(session.scalars(q))
    return out


def is_cleared(session: Session, sha256: str, *, now: dt.datetime) -> bool:
    if not SHA256_RE.match(sha256 or ""):
        return False
    return session.execute(cleared_query(sha256, now)).first() is not None


def effective_status(sub: Submission, now: dt.datetime) -> Status:
    status = Status(sub.status)
    if status is Status.CLEARED and sub.expires_at is not None and sub.expires_at <= now:
        return Status.EXPIRED
    return status


# -- users ------------------------------------------------------------------------------------
def get_user(session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(User.name == name)).one_or_none()


def add_user(
    session: Session, name: str, role: Role, *, now: dt.datetime, password_hash: str | None = None
) -> User:
    user = User(name=name, role=Role(role).value, password_hash=password_hash, created_at=now)
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.name)).all()


def count_admins(session: Session) -> int:
    q = select(func.count()).select_from(User).where(and_(User.role == Role.ADMIN.value, ~User.disabled))
    return int(session.scalar(q) or 0)


# -- submissions ------------------------------------------------------------------------------
def by_sha256(session: Session, sha256: str, *, lock: bool = False) -> Submission | None:
    q = select(Submission).where(Submission.sha256 == sha256)
    if lock:
        q = q.with_for_update(of=Submission)
    return session.scalars(q).one_or_none()


def by_id(session: Session, sub_id: int, *, lock: bool = False) -> Submission | None:
    q = select(Submission).where(Submission.id == sub_id)
    if lock:
        q = q.with_for_update(of=Submission)
    return session.scalars(q).one_or_none()


class Ambiguous(LookupError):
    pass


def find(session: Session, ref: int | str, *, lock: bool = False) -> Submission | None:
    """A submission by id (digits), full SHA-256, or a unique SHA-256 prefix of 8+ hex digits."""
    if isinstance(ref, int):
        return by_id(session, ref, lock=lock)
    ref = ref.strip().lower()
    if ref.isdigit() and len(ref) < 8:
        return by_id(session, int(ref), lock=lock)
    if SHA256_RE.match(ref):
        return by_sha256(session, ref, lock=lock)
    if PREFIX_RE.match(ref):
        q = select(Submission).where(Submission.sha256.startswith(ref, autoescape=True)).limit(2)
        found = session.scalars(q).all()
        if len(found) > 1:
            raise Ambiguous(f"{ref} matches more than one file; give more of the SHA-256")
        if found:
            return by_id(session, found[0].id, lock=lock) if lock else found[0]
        return by_id(session, int(ref), lock=lock) if ref.isdigit() else None
    if ref.isdigit():
        return by_id(session, int(ref), lock=lock)
    return None


def add_submission(session: Session, sub: Submission) -> Submission:
    session.add(sub)
    session.flush()
    return sub


def add_decision(
    session: Session, sub: Submission, actor: User, action: str, reason: str, *, now: dt.datetime
) -> Decision:
    d = Decision(submission=sub, actor=actor, action=action, reason=reason, at=now)
    session.add(d)
    session.flush()
    return d


def list_submissions(
    session: Session, *, statuses: Sequence[str] | None = None, limit: int = 100
) -> Sequence[Submission]:
    q = select(Submission).order_by(Submission.id.desc()).limit(limit)
    if statuses:
        q = q.where(Submission.status.in_(list(statuses)))
    return session.scalars(q).all()


def set_password_hash(session: Session, name: str, password_hash: str | None) -> bool:
    user = get_user(session, name)
    if user is None:
        return False
    user.password_hash = password_hash
    session.flush()
    return True


def count_by_status(session: Session, *, now: dt.datetime) -> dict[str, int]:
    """Submissions per effective status (cleared files past their expiry count as expired)."""
    rows = session.execute(select(Submission.status, func.count()).group_by(Submission.status)).all()
    counts = {str(status): int(n) for status, n in rows}
    expired = session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(
            Submission.status == Status.CLEARED.value,
            Submission.expires_at.is_not(None),
            Submission.expires_at <= now,
        )
    )
    if expired:
        counts[Status.CLEARED.value] -= int(expired)
        counts[Status.EXPIRED.value] = int(expired)
    return counts


def search_submission_ids(session: Session, text: str, *, limit: int = 50) -> list[int]:
    """Ids of submissions whose file name contains ``text`` or whose SHA-256 starts with it."""
    text = text.strip()
    cond = Submission.filename.icontains(text, autoescape=True)
    if re.fullmatch(r"[0-9a-fA-F]{4,64}", text):
        cond = or_(cond, Submission.sha256.startswith(text.lower(), autoescape=True))
    q = select(Submission.id).where(cond).order_by(Submission.id.desc()).limit(limit)
    return [int(i) for i in session.scalars(q)]


# -- API tokens (web service) -------------------------------------------------------------------
def add_token(
    session: Session, user: User, *, token_hash: str, name: str, role: Role, created_by: str, now: dt.datetime
) -> ApiToken:
    tok = ApiToken(
        token_hash=token_hash,
        name=name,
        user=user,
        role=Role(role).value,
        created_by=created_by,
        created_at=now,
    )
    session.add(tok)
    session.flush()
    return tok


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).one_or_none()


def list_tokens(session: Session) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).order_by(ApiToken.id)).all()


def get_token(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)
