"""Clearance workflow: who may release which bytes, and the record of every step.

Two halves:

* **Rules** (pure functions, no I/O, time passed in): ``initial_status``, ``required_approvals``
  and ``decide``. They raise ``Refused`` with a plain-language reason.
* **Gate**: applies the rules to the store (``store/repo.py``) and writes an audit entry
  (``audit.py``) in the same transaction as each change. The clock is injected.

Statuses: a scan that passes is cleared automatically when the policy allows it
(``auto_clear_pass``); review goes to ``pending-review``; block and unscannable go to
``blocked`` (fail closed). A blocked file is released only by an ``override`` from a user with
the override role and a reason. Nobody approves or overrides their own submission, and a file
with special-category data needs ``approvals_special_category`` distinct people. ``revoke`` takes
a file down whatever its status. A clearance may carry ``expires_at``; after it the file reads
``expired`` and needs the same approvals again.

The scan report is stored as the CONTRACTS JSON of the file. ``actions`` may not import
``reports`` (import-linter), so the caller hands the Gate the serialiser:
``Gate(store, policy, report_json=functools.partial(reports.json.file_dict, reveal=False))``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from clearance import formats
from clearance.actions import audit
from clearance.actions.store import repo
from clearance.actions.store.models import Action, Role, Status, Submission, User
from clearance.config.loader import Config
from clearance.config.schema import Policy
from clearance.errors import ClearanceError
from clearance.model import Document, FileReport, Verdict

MAX_REASON_CHARS = 4000  # a reason is a sentence or a paragraph, not a document
COPY_CHUNK = 1024 * 1024


class GateError(ClearanceError):
    """Base of the gate's errors; the CLI maps them to exit status 1."""


class Refused(GateError):
    """A rule refused the action (self-approval, missing reason, wrong role, wrong status)."""


class NotFound(GateError):
    """No such submission or user."""


# -- rules (pure) -------------------------------------------------------------------------------
SUBMIT = "submit"
MANAGE_USERS = "manage-users"

PERMISSIONS: Mapping[str, frozenset[Role]] = {
    SUBMIT: frozenset(Role),
    Action.APPROVE: frozenset({Role.REVIEWER, Role.OVERRIDE, Role.ADMIN}),
    Action.REJECT: frozenset({Role.REVIEWER, Role.OVERRIDE, Role.ADMIN}),
    # Releasing what the scanner blocked is the one power an administrator does not have: it
    # belongs to named people with the override role, so that a compromised admin account alone
    # cannot publish a blocked file.
    Action.OVERRIDE: frozenset({Role.OVERRIDE}),
    Action.REVOKE: frozenset({Role.REVIEWER, Role.OVERRIDE, Role.ADMIN}),  # and the submitter
    MANAGE_USERS: frozenset({Role.ADMIN}),
}


@dataclass(frozen=True)
class Actor:
    name: str
    role: Role
    disabled: bool = False


@dataclass(frozen=True)
class CaseState:
    """What the rules need to know about one submission."""

    status: Status  # effective status (expired included)
    verdict: Verdict
    submitter: str
    categories: tuple[str, ...]
    # distinct people who approved / overrode since the file last entered its current status
    approvals: frozenset[str] = frozenset()
    overrides: frozenset[str] = frozenset()


def initial_status(verdict: Verdict, categories: tuple[str, ...], policy: Policy) -> Status:
    if verdict is Verdict.PASS:
        if policy.auto_clear_pass and not categories:
            return Status.CLEARED
        return Status.PENDING
    if verdict is Verdict.REVIEW:
        return Status.PENDING
    return Status.BLOCKED  # block, and unscannable: what cannot be inspected cannot be cleared


def required_approvals(categories: tuple[str, ...], policy: Policy) -> int:
    return policy.approvals_special_category if categories else 1


def release_action(verdict: Verdict) -> Action:
    """The action that releases a file: override for what the scanner blocked."""
    return Action.APPROVE if verdict in (Verdict.PASS, Verdict.REVIEW) else Action.OVERRIDE


def check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise Refused("a reason is required")
    if len(text) > MAX_REASON_CHARS:
        raise Refused(f"the reason is longer than {MAX_REASON_CHARS} characters")
    return text


def decide(state: CaseState, action: Action, actor: Actor, reason: str | None, policy: Policy) -> Status:
    """The status after ``actor`` does ``action``; raises Refused if a rule forbids it."""
    if actor.disabled:
        raise Refused(f"user {actor.name!r} is disabled")
    check_reason(reason)
    if action is Action.REVOKE:
        if state.status is Status.REVOKED:
            raise Refused("the file is already revoked")
        if actor.role not in PERMISSIONS[action] and actor.name != state.submitter:
            raise Refused(f"{actor.name} ({actor.role}) may only take down their own files")
        return Status.REVOKED
    if actor.role not in PERMISSIONS[action]:
        raise Refused(f"{actor.name} ({actor.role}) may not {action.value}")
    if action is Action.REJECT:
        if state.status not in (Status.PENDING, Status.BLOCKED, Status.EXPIRED):
            raise Refused(f"cannot reject a file that is {state.status.value}; revoke it instead")
        return Status.REJECTED
    # approve / override: releases
    if actor.name == state.submitter:
        raise Refused("separation of duties: nobody may approve or override their own submission")
    if action is Action.APPROVE:
        if state.status is Status.BLOCKED or (
            state.status is Status.EXPIRED and release_action(state.verdict) is Action.OVERRIDE
        ):
            raise Refused("the scanner blocked this file: only an override can release it")
        if state.status not in (Status.PENDING, Status.EXPIRED):
            raise Refused(f"cannot approve a file that is {state.status.value}")
        done = state.approvals
    else:
        if state.status is Status.EXPIRED and release_action(state.verdict) is Action.OVERRIDE:
            pass
        elif state.status is not Status.BLOCKED:
            raise Refused(f"override releases blocked files only; this file is {state.status.value}")
        done = state.overrides
    if actor.name in done:
        raise Refused(f"{actor.name} has already {action.value}d this file; another person must")
    needed = required_approvals(state.categories, policy)
    if len(done) + 1 >= needed:
        return Status.CLEARED
    return (
        state.status
        if state.status is not Status.EXPIRED
        else (Status.PENDING if action is Action.APPROVE else Status.BLOCKED)
    )


def may_manage_users(actor: Actor | None, admins_exist: bool) -> None:
    """Until the first admin exists anyone may add users (bootstrap); then only admins."""
    if not admins_exist:
        return
    if actor is None or actor.disabled or actor.role not in PERMISSIONS[MANAGE_USERS]:
        raise Refused("only an admin may manage users")


# -- views returned to callers ------------------------------------------------------------------
def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else audit.timestamp(t)


@dataclass(frozen=True)
class DecisionView:
    actor: str
    action: str
    reason: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"actor": self.actor, "action": self.action, "reason": self.reason, "at": _iso(self.at)}


@dataclass(frozen=True)
class SubmissionView:
    """A submission as plain data, detached from the database session."""

    id: int
    sha256: str
    filename: str
    size: int
    media_type: str
    submitter: str
    submitted_at: dt.datetime
    policy: Mapping[str, str]
    verdict: Verdict
    people: int
    categories: tuple[str, ...]
    reasons: tuple[str, ...]
    status: Status
    expires_at: dt.datetime | None
    approvals_needed: int
    approvals: tuple[str, ...]
    decisions: tuple[DecisionView, ...]
    report: Mapping[str, Any] = field(repr=False)

    @property
    def cleared(self) -> bool:
        return self.status is Status.CLEARED

    def to_dict(self, *, with_report: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "sha256": self.sha256,
            "filename": self.filename,
            "size": self.size,
            "media_type": self.media_type,
            "submitter": self.submitter,
            "submitted_at": _iso(self.submitted_at),
            "policy": dict(self.policy),
            "verdict": self.verdict.value,
            "people": self.people,
            "categories": list(self.categories),
            "reasons": list(self.reasons),
            "status": self.status.value,
            "cleared": self.cleared,
            "expires_at": _iso(self.expires_at),
            "approvals_needed": self.approvals_needed,
            "approvals": list(self.approvals),
            "decisions": [d.to_dict() for d in self.decisions],
        }
        if with_report:
            out["report"] = dict(self.report)
        return out


@dataclass(frozen=True)
class SubmitResult:
    submission: SubmissionView
    created: bool  # False: these exact bytes were submitted before; nothing changed
    report: FileReport | None  # the scan (None when the bytes were already known)


class ScannerLike(Protocol):
    """What submit needs of ``clearance.pipeline.Scanner`` (actions sit below the pipeline)."""

    config: Config

    def scan_document(self, doc: Document) -> FileReport: ...


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- the gate -----------------------------------------------------------------------------------
class Gate:
    def __init__(
        self,
        store: repo.Store,
        policy: Policy,
        *,
        report_json: Callable[[FileReport], Mapping[str, Any]],
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.store = store
        self.policy = policy
        self.report_json = report_json
        self.clock = clock

    # -- reading ----------------------------------------------------------------------------------
    def is_cleared(self, sha256: str, *, now: dt.datetime | None = None) -> bool:
        return self.store.is_cleared(sha256, now=now or self.clock())

    def status(self, ref: int | str) -> SubmissionView:
        now = self.clock()
        with self.store.reading() as s:
            return self._view(_find(s, ref), now)

    def list(self, *, statuses: list[str] | None = None, limit: int = 100) -> list[SubmissionView]:
        now = self.clock()
        with self.store.reading() as s:
            return [self._view(sub, now) for sub in repo.list_submissions(s, statuses=statuses, limit=limit)]

    # -- users ------------------------------------------------------------------------------------
    def add_user(
        self, name: str, role: Role | str, *, actor: str | None = None, password_hash: str | None = None
    ) -> Actor:
        name = name.strip()
        if not name or len(name) > 100:
            raise Refused("a user name is 1 to 100 characters")
        try:
            role = Role(role)
        except ValueError:
            raise Refused(f"unknown role {role!r}; roles: {', '.join(r.value for r in Role)}") from None
        now = self.clock()
        who = actor or "(bootstrap)"
        with self._refusals_audited(who, "add-user", None), self.store.transaction() as s:
            audit.lock(s)
            by = repo.get_user(s, actor) if actor else None
            if actor and by is None:
                raise NotFound(f"no user named {actor!r}")
            may_manage_users(_actor(by) if by else None, repo.count_admins(s) > 0)
            if repo.get_user(s, name) is not None:
                raise Refused(f"user {name!r} already exists")
            user = repo.add_user(s, name, role, now=now, password_hash=password_hash)
            audit.append(s, at=now, actor=who, action="add-user", details={"user": name, "role": role.value})
            return _actor(user)

    def users(self) -> list[Actor]:
        with self.store.reading() as s:
            return [_actor(u) for u in repo.list_users(s)]

    # -- submit -------------------------------------------------------------------------------------
    def submit(
        self,
        source: str | os.PathLike[str] | bytes,
        submitter: str,
        scanner: ScannerLike,
        *,
        filename: str | None = None,
        expires_at: dt.datetime | None = None,
    ) -> SubmitResult:
        """Scan ``source`` (a file path or the bytes themselves) and record it under its SHA-256.

        The bytes are copied first and the copy is both hashed and scanned, so the recorded hash
        is always of the bytes the scanner saw. Submitting known bytes again changes nothing.
        """
        if scanner.config.scan.reveal:
            raise Refused("refusing to record a scan made with --reveal: the store keeps masked values only")
        with self.store.reading() as s:
            user = repo.get_user(s, submitter)
        if user is None:
            self._audit_refusal(submitter, SUBMIT, None, f"no user named {submitter!r}")
            raise NotFound(f"no user named {submitter!r}")
        if user.disabled:
            self._audit_refusal(submitter, SUBMIT, None, "user is disabled")
            raise Refused(f"user {submitter!r} is disabled")
        with _Materialised(source, filename, scanner.config) as (doc, problem):
            known = self._known(doc.sha256) if doc.sha256 else None
            if known is not None:
                return SubmitResult(known, False, None)
            report = problem or scanner.scan_document(doc)
        if report.sha256 != doc.sha256 and doc.sha256:
            report = _with_sha(report, doc.sha256)
        if any(f.revealed for f in report.findings):
            raise Refused("refusing to record raw personal values: the scan revealed values")
        report_dict = _masked(self.report_json(report))
        now = self.clock()
        pol = scanner.config.policy
        status = initial_status(report.verdict, tuple(report.categories), pol)
        with self.store.transaction() as s:
            audit.lock(s)
            existing = repo.by_sha256(s, report.sha256)
            if existing is not None:  # submitted by someone else while we scanned
                return SubmitResult(self._view(existing, now), False, report)
            submitter_row = repo.get_user(s, submitter)
            assert submitter_row is not None
            sub = repo.add_submission(
                s,
                Submission(
                    sha256=report.sha256,
                    filename=doc.path,
                    size=report.size,
                    media_type=report.media_type,
                    submitter=submitter_row,
                    submitted_at=now,
                    policy_name=pol.name,
                    policy_version=pol.version,
                    policy_sha256=scanner.config.policy_sha256,
                    verdict=report.verdict.value,
                    people=report.people,
                    categories=list(report.categories),
                    reasons=list(report.reasons),
                    report=report_dict,
                    status=status.value,
                    expires_at=expires_at if status is Status.CLEARED else None,
                    updated_at=now,
                ),
            )
            audit.append(
                s,
                at=now,
                actor=submitter,
                action=SUBMIT,
                subject_sha256=sub.sha256,
                details={
                    "id": sub.id,
                    "filename": sub.filename,
                    "size": sub.size,
                    "media_type": sub.media_type,
                    "verdict": sub.verdict,
                    "people": sub.people,
                    "categories": sub.categories,
                    "reasons": sub.reasons,
                    "findings": len(report.findings),
                    "policy": {"name": pol.name, "version": pol.version, "sha256": sub.policy_sha256},
                    "status": status.value,
                    "expires_at": _iso(sub.expires_at),
                },
            )
            return SubmitResult(self._view(sub, now), True, report)

    # -- decisions ----------------------------------------------------------------------------------
    def approve(
        self, ref: int | str, actor: str, reason: str | None, *, expires_at: dt.datetime | None = None
    ) -> SubmissionView:
        return self._decide(ref, Action.APPROVE, actor, reason, expires_at)

    def reject(self, ref: int | str, actor: str, reason: str | None) -> SubmissionView:
        return self._decide(ref, Action.REJECT, actor, reason, None)

    def override(
        self, ref: int | str, actor: str, reason: str | None, *, expires_at: dt.datetime | None = None
    ) -> SubmissionView:
        return self._decide(ref, Action.OVERRIDE, actor, reason, expires_at)

    def revoke(self, sha256: str, actor: str, reason: str | None) -> SubmissionView:
        """Take down these exact bytes (by SHA-256; an id or unique prefix also works)."""
        return self._decide(sha256, Action.REVOKE, actor, reason, None)

    def _decide(
        self, ref: int | str, action: Action, actor: str, reason: str | None, expires_at: dt.datetime | None
    ) -> SubmissionView:
        now = self.clock()
        if expires_at is not None and expires_at <= now:
            raise Refused("the expiry date is in the past")
        subject: str | None = None
        with self.store.reading() as s:
            try:
                found = repo.find(s, ref)
                subject = found.sha256 if found else None
            except repo.Ambiguous:
                pass
        with self._refusals_audited(actor, action.value, subject), self.store.transaction() as s:
            audit.lock(s)
            sub = _find(s, ref, lock=True)
            user = repo.get_user(s, actor)
            if user is None:
                raise NotFound(f"no user named {actor!r}")
            before = repo.effective_status(sub, now)
            new = decide(self._state(sub, now), action, _actor(user), reason, self.policy)
            text = check_reason(reason)
            repo.add_decision(s, sub, user, action.value, text, now=now)
            sub.status = new.value
            sub.updated_at = now
            if new is Status.CLEARED:
                sub.expires_at = expires_at
            s.flush()
            audit.append(
                s,
                at=now,
                actor=actor,
                action=action.value,
                subject_sha256=sub.sha256,
                details={
                    "id": sub.id,
                    "reason": text,
                    "from": before.value,
                    "to": new.value,
                    "expires_at": _iso(sub.expires_at) if new is Status.CLEARED else None,
                },
            )
            return self._view(sub, now)

    # -- helpers ------------------------------------------------------------------------------------
    def _state(self, sub: Submission, now: dt.datetime) -> CaseState:
        status = repo.effective_status(sub, now)
        since = sub.expires_at if status is Status.EXPIRED else None
        recent = [d for d in sub.decisions if since is None or d.at >= since]
        return CaseState(
            status=status,
            verdict=Verdict(sub.verdict),
            submitter=sub.submitter.name,
            categories=tuple(sub.categories),
            approvals=frozenset(d.actor.name for d in recent if d.action == Action.APPROVE),
            overrides=frozenset(d.actor.name for d in recent if d.action == Action.OVERRIDE),
        )

    def _view(self, sub: Submission, now: dt.datetime) -> SubmissionView:
        state = self._state(sub, now)
        release = release_action(state.verdict)
        return SubmissionView(
            id=sub.id,
            sha256=sub.sha256,
            filename=sub.filename,
            size=sub.size,
            media_type=sub.media_type,
            submitter=sub.submitter.name,
            submitted_at=sub.submitted_at,
            policy={"name": sub.policy_name, "version": sub.policy_version, "sha256": sub.policy_sha256},
            verdict=state.verdict,
            people=sub.people,
            categories=tuple(sub.categories),
            reasons=tuple(sub.reasons),
            status=state.status,
            expires_at=sub.expires_at,
            approvals_needed=required_approvals(state.categories, self.policy),
            approvals=tuple(sorted(state.approvals if release is Action.APPROVE else state.overrides)),
            decisions=tuple(DecisionView(d.actor.name, d.action, d.reason, d.at) for d in sub.decisions),
            report=sub.report,
        )

    def _known(self, sha256: str) -> SubmissionView | None:
        now = self.clock()
        with self.store.reading() as s:
            sub = repo.by_sha256(s, sha256)
            return self._view(sub, now) if sub else None

    def _audit_refusal(self, actor: str, action: str, subject: str | None, problem: str) -> None:
        with self.store.transaction() as s:
            audit.lock(s)
            audit.append(
                s,
                at=self.clock(),
                actor=actor[:100],
                action="refused",
                subject_sha256=subject,
                details={"attempted": action, "problem": problem},
            )

    @contextmanager
    def _refusals_audited(self, actor: str, action: str, subject: str | None) -> Iterator[None]:
        """Record a refused attempt (self-approval, wrong role...) after its transaction rolled back."""
        try:
            yield
        except GateError as exc:
            self._audit_refusal(actor, action, subject, str(exc))
            raise


def _find(s: Any, ref: int | str, *, lock: bool = False) -> Submission:
    try:
        sub = repo.find(s, ref, lock=lock)
    except repo.Ambiguous as exc:
        raise NotFound(str(exc)) from None
    if sub is None:
        raise NotFound(f"no submission {ref}")
    return sub


def _actor(user: User) -> Actor:
    return Actor(user.name, Role(user.role), bool(user.disabled))


def _masked(report: Mapping[str, Any]) -> dict[str, Any]:
    """Drop anything that could carry raw values, whatever serialiser the caller passed."""
    out = dict(report)
    out["findings"] = [{k: v for k, v in f.items() if k != "revealed"} for f in out.get("findings", [])]
    return out


def _with_sha(report: FileReport, sha256: str) -> FileReport:
    from dataclasses import replace

    return replace(report, sha256=sha256)


class _Materialised:
    """A private, hashed copy of the submitted bytes: what is scanned is what is recorded."""

    def __init__(self, source: str | os.PathLike[str] | bytes, filename: str | None, config: Config) -> None:
        self.source, self.filename, self.config = source, filename, config
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> tuple[Document, FileReport | None]:
        limits = self.config.scan.limits
        if isinstance(self.source, (bytes, bytearray, memoryview)):
            data = bytes(self.source)
            name = self.filename or "upload"
            digest, size = hashlib.sha256(data).hexdigest(), len(data)
            opener: Callable[[], Any] = partial(io.BytesIO, data)
        else:
            src = Path(self.source)
            if not src.is_file():
                raise NotFound(f"{src}: no such file")
            name = self.filename or src.name
            self._tmp = tempfile.TemporaryDirectory(prefix="clearance-submit-")
            copy = Path(self._tmp.name) / "file"
            h, size = hashlib.sha256(), 0
            with src.open("rb") as fin, copy.open("wb") as fout:
                while chunk := fin.read(COPY_CHUNK):
                    h.update(chunk)
                    size += len(chunk)
                    fout.write(chunk)
            digest = h.hexdigest()
            opener = partial(open, copy, "rb")
        with opener() as fh:
            media_type = formats.sniff_file(fh, name)
        doc = Document(path=name, size=size, sha256=digest, media_type=media_type, open=opener)
        cap = limits.max_text_file_bytes if media_type in formats.STREAMED_TEXT else limits.max_file_bytes
        if size > cap:
            reason = f"file is {size:,} bytes, over the limit of {cap:,} bytes for {media_type}"
            return doc, FileReport(
                path=name,
                sha256=digest,
                media_type=media_type,
                size=size,
                verdict=Verdict.UNSCANNABLE,
                people=0,
                categories=(),
                reasons=(f"Unscannable: {reason}",),
                findings=(),
                error=reason,
            )
        return doc, None

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
