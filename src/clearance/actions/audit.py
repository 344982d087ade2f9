"""Append-only, hash-chained audit log.

Each entry is ``(seq, at, actor, action, subject sha256, details, prev_hash, hash)`` where
``hash = SHA-256(canonical JSON of every other field, prev_hash included)`` and the first entry's
``prev_hash`` is 64 zeros. Changing, deleting, inserting or reordering any entry breaks the chain
at that entry; deleting the newest entries is caught by the one-row ``audit_head``, which every
append updates in the same transaction. Someone who can rewrite the whole table and the head can
forge a consistent chain: publish the head hash (``clearance audit verify`` prints it) somewhere
they cannot write, and compare.

Details hold masked values only (verdicts, counts, categories, masked findings); callers must
never put a raw personal value here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clearance.actions.store.models import GENESIS_HASH, AuditEntry, AuditHead

HEAD_ID = 1
VERIFY_BATCH = 1000  # rows fetched at a time; the log grows without bound


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def timestamp(at: dt.datetime) -> str:
    """UTC, microseconds: the precision every supported database stores exactly."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: audit times must be timezone-aware")
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    subject_sha256: str | None,
    details: Mapping[str, Any],
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "at": timestamp(at),
        "actor": actor,
        "action": action,
        "subject_sha256": subject_sha256,
        "details": details,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def lock(session: Session) -> None:
    """Take the writers' lock for this transaction: a no-op write to the head row.

    Call it first in every workflow transaction, so the rows read next are the ones the
    decision is based on (PostgreSQL: row lock held to commit; SQLite: the database write lock).
    """
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq))


def append(
    session: Session,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    subject_sha256: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry in the caller's transaction (commit with the change it records).

    The head row is updated first: on PostgreSQL the row lock, on SQLite the database write
    lock, serialises appenders so two transactions never both extend the same entry.
    """
    details = dict(details or {})
    session.flush()
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq + 1))
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).one_or_none()
    if head is None:
        raise RuntimeError("audit_head row missing: the store was not created by its migrations")
    seq, prev_hash = int(head.seq), str(head.hash)
    at = at.astimezone(dt.UTC)
    digest = entry_hash(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject_sha256=subject_sha256,
        details=details,
        prev_hash=prev_hash,
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject_sha256=subject_sha256,
        details=canonical_json(details),
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(hash=digest))
    session.flush()
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    first_bad_seq: int | None = None  # the first entry that does not check out
    problem: str | None = None  # plain language
    entries: int = 0  # entries checked
    head_hash: str = GENESIS_HASH  # last good hash: publish it to anchor the log


def _entries(session: Session) -> Iterator[AuditEntry]:
    last: int | None = None
    while True:
        q = select(AuditEntry).order_by(AuditEntry.seq).limit(VERIFY_BATCH)
        if last is not None:
            q = q.where(AuditEntry.seq > last)
        batch = list(session.scalars(q))
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Walk the chain from the genesis; report the first entry that breaks it."""
    expected_seq, prev = 1, GENESIS_HASH
    count = 0
    for e in _entries(session):
        if e.seq != expected_seq:
            what = "missing (deleted)" if e.seq > expected_seq else "out of order"
            return VerifyResult(False, expected_seq, f"entry {expected_seq} is {what}", count, prev)
        if e.prev_hash != prev:
            return VerifyResult(
                False,
                e.seq,
                f"entry {e.seq} does not follow entry {e.seq - 1} (prev_hash differs)",
                count,
                prev,
            )
        try:
            details = json.loads(e.details)
            digest = entry_hash(
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                action=e.action,
                subject_sha256=e.subject_sha256,
                details=details,
                prev_hash=e.prev_hash,
            )
        except (ValueError, TypeError):
            return VerifyResult(
                False, e.seq, f"entry {e.seq} cannot be read (details are not JSON)", count, prev
            )
        if digest != e.hash:
            return VerifyResult(False, e.seq, f"entry {e.seq} was altered (hash differs)", count, prev)
        prev = e.hash
        count += 1
        expected_seq += 1
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).one_or_none()
    if head is None:
        return VerifyResult(False, expected_seq, "audit head is missing", count, prev)
    if int(head.seq) != count or head.hash != prev:
        if int(head.seq) > count:
            problem = f"entries {count + 1}..{head.seq} are missing (deleted from the end)"
        else:
            problem = "audit head does not match the last entry"
        return VerifyResult(False, count + 1, problem, count, prev)
    return VerifyResult(True, None, None, count, prev)


def entry_dict(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": timestamp(e.at),
        "actor": e.actor,
        "action": e.action,
        "subject_sha256": e.subject_sha256,
        "details": json.loads(e.details),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def export_jsonl(session: Session, out: IO[bytes] | IO[str]) -> int:
    """One JSON object per line, in chain order; anyone can re-check the hashes from it alone
    (see ``verify_jsonl``). Returns the number of entries written."""
    n = 0
    for e in _entries(session):
        line = canonical_json(entry_dict(e)) + "\n"
        if isinstance(out, io.TextIOBase):
            out.write(line)
        else:
            out.write(line.encode("utf-8"))  # type: ignore[arg-type]
        n += 1
    return n


def verify_jsonl(lines: Iterator[str] | list[str]) -> VerifyResult:
    """Check an exported log without the database (an auditor's copy)."""
    expected_seq, prev, count = 1, GENESIS_HASH, 0
    for raw in lines:
        if not raw.strip():
            continue
        d = json.loads(raw)
        seq = d["seq"]
        if seq != expected_seq or d["prev_hash"] != prev:
            return VerifyResult(
                False, expected_seq, f"entry {expected_seq} is missing or out of order", count, prev
            )
        digest = entry_hash(
            seq=seq,
            at=dt.datetime.fromisoformat(d["at"]),
            actor=d["actor"],
            action=d["action"],
            subject_sha256=d["subject_sha256"],
            details=d["details"],
            prev_hash=d["prev_hash"],
        )
        if digest != d["hash"]:
            return VerifyResult(False, seq, f"entry {seq} was altered (hash differs)", count, prev)
        prev, count, expected_seq = d["hash"], count + 1, expected_seq + 1
    return VerifyResult(True, None, None, count, prev)
