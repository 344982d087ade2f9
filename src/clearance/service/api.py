"""The JSON API, ``/api/v1``: submit, list, look up, decide, revoke, check, audit, tokens, users.

Authentication: ``Authorization: Bearer clr_...`` (CI, CMS) or the web session cookie plus an
``X-CSRF-Token`` header on writes. Errors: 401 not authenticated, 403 a workflow rule refused
(the rule's own words), 404 unknown, 413 upload too large, 422 invalid input. Responses carry
masked findings and fingerprints only: the Gate stores nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from clearance.actions import audit
from clearance.actions.store.models import Action, AuditEntry, Role, Status
from clearance.actions.workflow import MAX_REASON_CHARS, PERMISSIONS, Refused, SubmissionView
from clearance.service import auth

API = "/api/v1"
AUDIT_PAGE = 100  # entries per page of /api/v1/audit
MAX_PAGE = 1000
READ_AUDIT = frozenset({Role.REVIEWER, Role.OVERRIDE, Role.ADMIN})

router = APIRouter(prefix=API, tags=["api"])


# -- plumbing ---------------------------------------------------------------------------------------
def caller(request: Request) -> auth.Principal:
    """The authenticated caller; cookie-authenticated writes must carry the CSRF header."""
    who = auth.authenticate(request)
    if who is None:
        raise HTTPException(
            401,
            "log in, or send an API token: Authorization: Bearer ...",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if who.via == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
        auth.check_csrf(request, request.headers.get(auth.CSRF_HEADER))
    return who


Caller = Annotated[auth.Principal, Depends(caller)]


def gate_of(request: Request) -> Any:
    return request.app.state.gate


def get_scanner(app: Any) -> Any:
    """The scanner, built on first use (detector set-up takes about a second)."""
    if app.state.scanner is None:
        with app.state.scanner_lock:
            if app.state.scanner is None:
                from clearance.pipeline import Scanner

                app.state.scanner = Scanner.build(app.state.config)
    return app.state.scanner


def may(who: auth.Principal, action: str) -> None:
    """A token narrowed to a smaller role may do only what that role may (the Gate checks the
    user's own role; this checks the token's)."""
    if who.role not in PERMISSIONS[action]:
        raise Refused(
            f"{who.name} ({who.role.value}{' token' if who.via == 'token' else ''}) may not {action}"
        )


def submission_out(view: SubmissionView) -> dict[str, Any]:
    """The submission as JSON: the Gate's record plus the scan's masked findings and notes."""
    out = view.to_dict()
    report = view.report or {}
    out["findings"] = [{k: v for k, v in f.items() if k != "revealed"} for f in report.get("findings", [])]
    out["notes"] = list(report.get("notes", []))
    return out


def do_submit(
    request: Request, who: auth.Principal, data: bytes, filename: str, expires_at: dt.datetime | None = None
) -> tuple[SubmissionView, bool]:
    may(who, "submit")
    scanner = get_scanner(request.app)
    with request.app.state.scan_lock:
        result = gate_of(request).submit(data, who.name, scanner, filename=filename, expires_at=expires_at)
    return result.submission, result.created


def read_upload(request: Request, upload: UploadFile) -> bytes:
    cap = request.app.state.settings.max_upload_bytes
    data = upload.file.read(cap + 1)
    if len(data) > cap:
        raise HTTPException(413, f"the file is larger than the upload limit of {cap:,} bytes")
    return data


def safe_filename(name: str | None) -> str:
    name = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload"
    return name[:255]


def decide(
    request: Request,
    who: auth.Principal,
    ref: str,
    action: Action,
    reason: str,
    expires_at: dt.datetime | None = None,
) -> SubmissionView:
    gate = gate_of(request)
    if action is Action.REVOKE:
        if who.scoped and who.role not in PERMISSIONS[action] and gate.status(ref).submitter != who.name:
            may(who, action)
        return gate.revoke(ref, who.name, reason)
    if who.scoped:
        may(who, action)
    if action is Action.REJECT:
        return gate.reject(ref, who.name, reason)
    return getattr(gate, action.value)(ref, who.name, reason, expires_at=expires_at)


# -- models -----------------------------------------------------------------------------------------
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON_CHARS, description="why; recorded")]


class DecisionIn(BaseModel):
    reason: Reason
    expires_at: dt.datetime | None = Field(None, description="the clearance ends then (approve/override)")


class RejectIn(BaseModel):
    reason: Reason


class RevokeIn(BaseModel):
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{8,64}$", description="the file's SHA-256 (or a unique prefix)")
    reason: Reason


class TokenIn(BaseModel):
    user: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100, description="what the token is for")
    role: Role | None = Field(None, description="the user's role (default) or publisher")


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Role
    password: str | None = Field(None, min_length=auth.MIN_PASSWORD_CHARS, max_length=1024)


# -- submissions ------------------------------------------------------------------------------------
@router.post("/submissions", status_code=201, summary="Upload a file: scan it and record it")
def submit(
    request: Request,
    response: Response,
    who: Caller,
    file: Annotated[UploadFile, File(description="the exact bytes to be published")],
    filename: Annotated[str | None, Form(description="name to record (default: the upload's)")] = None,
    expires_at: Annotated[dt.datetime | None, Form()] = None,
) -> dict[str, Any]:
    """201 with the record when the bytes are new; 200 with the existing record when these exact
    bytes were submitted before (nothing changes)."""
    data = read_upload(request, file)
    view, created = do_submit(request, who, data, safe_filename(filename or file.filename), expires_at)
    if not created:
        response.status_code = 200
    return {**submission_out(view), "created": created}


@router.get("/submissions", summary="List submissions, newest first")
def list_submissions(
    request: Request,
    who: Caller,
    status: Annotated[list[Status] | None, Query(description="filter; repeatable")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict[str, Any]:
    views = gate_of(request).list(statuses=[s.value for s in status] if status else None, limit=limit)
    return {"submissions": [v.to_dict() for v in views]}


@router.get("/submissions/{ref}", summary="One submission by id, SHA-256 or unique SHA-256 prefix")
def get_submission(request: Request, who: Caller, ref: str) -> dict[str, Any]:
    return submission_out(gate_of(request).status(ref))


@router.post("/submissions/{ref}/approve", summary="Approve a file waiting for review")
def approve(request: Request, who: Caller, ref: str, body: DecisionIn) -> dict[str, Any]:
    return submission_out(decide(request, who, ref, Action.APPROVE, body.reason, body.expires_at))


@router.post("/submissions/{ref}/reject", summary="Reject a file waiting for review or blocked")
def reject(request: Request, who: Caller, ref: str, body: RejectIn) -> dict[str, Any]:
    return submission_out(decide(request, who, ref, Action.REJECT, body.reason))


@router.post("/submissions/{ref}/override", summary="Release a BLOCKED file (override role, with a reason)")
def override(request: Request, who: Caller, ref: str, body: DecisionIn) -> dict[str, Any]:
    return submission_out(decide(request, who, ref, Action.OVERRIDE, body.reason, body.expires_at))


@router.post("/revocations", summary="Take a file down: its bytes are no longer cleared")
def revoke(request: Request, who: Caller, body: RevokeIn) -> dict[str, Any]:
    return submission_out(decide(request, who, body.sha256.lower(), Action.REVOKE, body.reason))


@router.get(
    "/cleared/{sha256}",
    summary="Is this exact file cleared for publication now?",
    responses={404: {"description": "not cleared (unknown, pending, blocked, revoked, expired)"}},
)
def cleared(request: Request, who: Caller, sha256: str) -> dict[str, Any]:
    if not gate_of(request).is_cleared(sha256.lower()):
        raise HTTPException(404, "not cleared")
    return {"cleared": True, "sha256": sha256.lower()}


# -- audit ----------------------------------------------------------------------------------------
def audit_entries(gate: Any, *, limit: int, before: int | None = None) -> list[dict[str, Any]]:
    with gate.store.reading() as s:
        q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if before is not None:
            q = q.where(AuditEntry.seq < before)
        return [audit.entry_dict(e) for e in s.scalars(q)]


def verify_dict(gate: Any) -> dict[str, Any]:
    with gate.store.reading() as s:
        r = audit.verify(s)
    return {
        "ok": r.ok,
        "entries": r.entries,
        "first_bad_seq": r.first_bad_seq,
        "problem": r.problem,
        "head_hash": r.head_hash,
    }


@router.get("/audit", summary="Audit log entries, newest first (masked values only)")
def audit_log(
    request: Request,
    who: Caller,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = AUDIT_PAGE,
    before: Annotated[int | None, Query(ge=1, description="entries with seq below this")] = None,
) -> dict[str, Any]:
    if who.role not in READ_AUDIT:
        raise Refused("only reviewers, override approvers and admins may read the audit log")
    return {"entries": audit_entries(gate_of(request), limit=limit, before=before)}


@router.get("/audit/verify", summary="Check the hash chain of the whole audit log")
def audit_verify(request: Request, who: Caller) -> dict[str, Any]:
    if who.role not in READ_AUDIT:
        raise Refused("only reviewers, override approvers and admins may read the audit log")
    return verify_dict(gate_of(request))


# -- accounts ---------------------------------------------------------------------------------------
@router.get("/me", summary="Who the caller is")
def me(who: Caller) -> dict[str, Any]:
    return {"name": who.name, "role": who.role.value, "user_role": who.user_role.value, "via": who.via}


@router.get("/users", summary="Users and roles (admin)")
def users(request: Request, who: Caller) -> dict[str, Any]:
    may(who, "manage-users")
    return {
        "users": [
            {"name": u.name, "role": u.role.value, "disabled": u.disabled} for u in gate_of(request).users()
        ]
    }


@router.post("/users", status_code=201, summary="Add a user (admin)")
def add_user(request: Request, who: Caller, body: UserIn) -> dict[str, Any]:
    may(who, "manage-users")
    hashed = auth.hash_password(body.password) if body.password else None
    user = gate_of(request).add_user(body.name, body.role, actor=who.name, password_hash=hashed)
    return {"name": user.name, "role": user.role.value}


@router.post("/tokens", status_code=201, summary="Create an API token (admin); the token is shown once")
def create_token(request: Request, who: Caller, body: TokenIn) -> dict[str, Any]:
    may(who, "manage-users")
    token, token_id = auth.create_token(gate_of(request), who.name, body.user, body.name, body.role)
    return {
        "id": token_id,
        "token": token,
        "user": body.user,
        "name": body.name,
        "note": "store it now: only its hash is kept",
    }


@router.get("/tokens", summary="API tokens (admin); never the tokens themselves")
def list_tokens(request: Request, who: Caller) -> dict[str, Any]:
    may(who, "manage-users")
    return {"tokens": auth.list_tokens(gate_of(request))}


@router.delete("/tokens/{token_id}", summary="Revoke an API token (admin)")
def revoke_token(request: Request, who: Caller, token_id: int) -> dict[str, Any]:
    may(who, "manage-users")
    auth.revoke_token(gate_of(request), who.name, token_id)
    return {"id": token_id, "revoked": True}
