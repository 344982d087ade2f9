"""Logins, sessions, CSRF, the login rate limit and API tokens.

* Passwords: argon2id (argon2-cffi's defaults, RFC 9106 "second recommended" profile) in the
  store's ``users.password_hash`` column. An unknown user costs the same hash as a known one, so
  response time does not tell which names exist.
* Sessions: a signed cookie (Starlette ``SessionMiddleware``: HttpOnly, SameSite=Lax, Secure when
  configured) holding the user name, a CSRF token and a stamp of the password hash, so changing a
  password ends every session made with the old one. The user is re-read on every request: a
  disabled user is logged out at once.
* CSRF: one random token per session; every form POST carries it in ``csrf_token`` and API calls
  authenticated by the cookie carry it in ``X-CSRF-Token``. Bearer-token calls need none (a
  browser never attaches a bearer token by itself).
* API tokens: ``clr_`` + 32 random bytes (URL-safe base64), shown once; the store keeps their
  SHA-256. A token acts as its user, narrowed to its role (the user's role or ``publisher``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from sqlalchemy import update

from clearance.actions import audit
from clearance.actions.store import repo
from clearance.actions.store.models import ApiToken, Role
from clearance.actions.workflow import NotFound, Refused

TOKEN_PREFIX = "clr_"
TOKEN_BYTES = 32  # 256 bits: unguessable, so a fast SHA-256 is a sound way to store it
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_COOKIE = "clearance_session"
MIN_PASSWORD_CHARS = 12  # NIST SP 800-63B allows 8; reviewers release sensitive files, ask for more

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost one argon2 verification.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# -- passwords ----------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise Refused(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_stamp(password_hash: str | None) -> str:
    """A short digest of the stored hash: sessions carry it and die when the password changes."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


# -- login rate limit -----------------------------------------------------------------------------
class LoginLimiter:
    """At most ``max_failures`` failed logins per (user, address) within ``window_s`` seconds.

    In memory, per process: behind several workers each counts on its own (see the report)."""

    def __init__(self, max_failures: int, window_s: float, clock: Callable[[], float]) -> None:
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        cutoff = self.clock() - self.window_s
        while q and q[0] <= cutoff:
            q.popleft()
        return q

    def blocked(self, user: str, address: str) -> bool:
        with self._lock:
            return len(self._recent((user.lower(), address))) >= self.max_failures

    def failed(self, user: str, address: str) -> None:
        with self._lock:
            self._recent((user.lower(), address)).append(self.clock())
            if len(self._failures) > 100_000:  # a flood of made-up names must not exhaust memory
                self._failures = {k: v for k, v in self._failures.items() if v}

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            self._failures.pop((user.lower(), address), None)


# -- who is asking ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Principal:
    name: str
    role: Role  # the effective role: a token's role may be narrower than its user's
    via: str  # "session" or "token"
    user_role: Role
    token_id: int | None = None

    @property
    def scoped(self) -> bool:
        return self.role is not self.user_role


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise HTTPException(401, "malformed Authorization header", headers={"WWW-Authenticate": "Bearer"})
    return value.strip()


def authenticate(request: Request, *, allow_token: bool = True) -> Principal | None:
    """The caller, from a bearer token or the session cookie; None when anonymous.

    A bearer token that is wrong, revoked, or whose user is disabled is a 401, never a fallback
    to the cookie."""
    gate = request.app.state.gate
    token = _bearer(request) if allow_token else None
    if token is not None:
        with gate.store.transaction() as s:
            row: ApiToken | None = repo.token_by_hash(s, token_hash(token))
            if row is None or row.revoked or row.user.disabled:
                raise HTTPException(
                    401, "invalid or revoked API token", headers={"WWW-Authenticate": "Bearer"}
                )
            s.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=gate.clock()))
            return Principal(row.user.name, Role(row.role), "token", Role(row.user.role), row.id)
    name = request.session.get("user")
    if not name:
        return None
    with gate.store.reading() as s:
        user = repo.get_user(s, name)
        if (
            user is None
            or user.disabled
            or not user.password_hash
            or request.session.get("stamp") != password_stamp(user.password_hash)
        ):
            request.session.clear()
            return None
        return Principal(user.name, Role(user.role), "session", Role(user.role))


def login(request: Request, name: str, password: str) -> Principal | None:
    """Check the password; on success start a fresh session (new CSRF token, no fixation)."""
    gate = request.app.state.gate
    with gate.store.reading() as s:
        user = repo.get_user(s, name)
        stored = user.password_hash if user is not None and not user.disabled else None
        role = Role(user.role) if user is not None else None
    if not verify_password(stored, password) or role is None:
        return None
    request.session.clear()
    request.session.update({"user": name, "stamp": password_stamp(stored), "csrf": secrets.token_urlsafe(32)})
    return Principal(name, role, "session", role)


def logout(request: Request) -> None:
    request.session.clear()


# -- CSRF -----------------------------------------------------------------------------------------
def csrf_token(request: Request) -> str:
    tok = request.session.get("csrf")
    if not tok:
        tok = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(tok)


def check_csrf(request: Request, supplied: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not supplied or not hmac.compare_digest(str(expected), supplied):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


# -- token administration (admin only; recorded in the audit log) ----------------------------------
def _admin(s: Any, actor: str) -> None:
    by = repo.get_user(s, actor)
    if by is None or by.disabled or Role(by.role) is not Role.ADMIN:
        raise Refused("only an admin may manage API tokens")


def create_token(
    gate: Any, actor: str, user: str, name: str, role: Role | str | None = None
) -> tuple[str, int]:
    """Make a token for ``user`` (its role, or ``publisher``); returns (token, id). Shown once."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Refused("a token needs a name of 1 to 100 characters (what it is for)")
    now = gate.clock()
    with gate.store.transaction() as s:
        audit.lock(s)
        _admin(s, actor)
        owner = repo.get_user(s, user)
        if owner is None:
            raise NotFound(f"no user named {user!r}")
        try:
            scope = Role(role or owner.role)
        except ValueError:
            raise Refused(f"unknown role {role!r}") from None
        if scope not in (Role(owner.role), Role.PUBLISHER):
            raise Refused(f"a token for {user} may have role {owner.role} or publisher, not {scope.value}")
        token = new_token()
        row = repo.add_token(
            s, owner, token_hash=token_hash(token), name=name, role=scope, created_by=actor, now=now
        )
        audit.append(
            s,
            at=now,
            actor=actor,
            action="create-token",
            details={"token_id": row.id, "user": user, "role": scope.value, "name": name},
        )
        return token, row.id


def revoke_token(gate: Any, actor: str, token_id: int) -> None:
    now = gate.clock()
    with gate.store.transaction() as s:
        audit.lock(s)
        _admin(s, actor)
        row = repo.get_token(s, token_id)
        if row is None:
            raise NotFound(f"no API token {token_id}")
        row.revoked = True
        audit.append(s, at=now, actor=actor, action="revoke-token", details={"token_id": token_id})


def list_tokens(gate: Any) -> list[dict[str, Any]]:
    with gate.store.reading() as s:
        return [
            {
                "id": t.id,
                "name": t.name,
                "user": t.user.name,
                "role": t.role,
                "created_by": t.created_by,
                "created_at": audit.timestamp(t.created_at),
                "last_used_at": audit.timestamp(t.last_used_at) if t.last_used_at else None,
                "revoked": t.revoked,
            }
            for t in repo.list_tokens(s)
        ]


def set_password(gate: Any, actor: str, user: str, password: str) -> None:
    """An admin sets a password (or a user their own); ends the user's existing sessions."""
    hashed = hash_password(password)
    now = gate.clock()
    with gate.store.transaction() as s:
        audit.lock(s)
        if actor != user:
            by = repo.get_user(s, actor)
            if by is None or by.disabled or Role(by.role) is not Role.ADMIN:
                raise Refused("only an admin may set another user's password")
        if not repo.set_password_hash(s, user, hashed):
            raise NotFound(f"no user named {user!r}")
        audit.append(s, at=now, actor=actor, action="set-password", details={"user": user})
