"""The audit chain: every tampering with the table is caught (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from clearance.actions import audit
from clearance.actions.store.models import GENESIS_HASH
from clearance.actions.workflow import Refused
from pg import (  # noqa: F401
    T0,
    fixture_pg_server,
    fixture_pg_store_server,
    fixture_pg_url,
    fixture_store_url,
    make_gate,
    with_people,
)


@pytest.fixture
def logged(store_url: str):
    """A gate whose log holds user, submit, decision and refusal entries (10 in all)."""
    gate, scanner, clock = make_gate(store_url)
    with_people(gate)  # 6 entries
    sub = gate.submit(b"review\nx\n", "alice", scanner).submission  # 7
    clock.advance(minutes=5)
    with pytest.raises(Refused):
        gate.approve(sub.id, "alice", "mine")  # 8: refused
    gate.approve(sub.id, "bob", "ok")  # 9
    gate.revoke(sub.sha256, "carol", "complaint")  # 10
    return gate


def verify(gate) -> audit.VerifyResult:
    with gate.store.reading() as s:
        return audit.verify(s)


def sql(gate, statement: str, **params) -> None:
    with gate.store.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_an_untouched_chain_verifies(logged) -> None:
    result = verify(logged)
    assert result.ok and result.entries == 10 and result.first_bad_seq is None
    with logged.store.reading() as s:
        entries = list(audit._entries(s))
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.seq for e in entries] == list(range(1, 11))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert [e.action for e in entries[6:]] == ["submit", "refused", "approve", "revoke"]
    assert entries[6].at == T0 and entries[7].at > T0
    assert result.head_hash == entries[-1].hash


def test_editing_an_entry_is_detected(logged) -> None:
    sql(logged, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 9")
    result = verify(logged)
    assert (result.ok, result.first_bad_seq) == (False, 9)
    assert "altered" in result.problem


def test_editing_details_or_time_is_detected(logged) -> None:
    sql(logged, "UPDATE audit_log SET details = REPLACE(details, 'complaint', 'routine') WHERE seq = 10")
    assert verify(logged).first_bad_seq == 10
    sql(logged, "UPDATE audit_log SET details = REPLACE(details, 'routine', 'complaint') WHERE seq = 10")
    assert verify(logged).ok  # restored byte for byte
    with logged.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET at = :t WHERE seq = 8"), {"t": T0.replace(tzinfo=None)})
    assert verify(logged).first_bad_seq == 8


def test_deleting_an_entry_is_detected(logged) -> None:
    sql(logged, "DELETE FROM audit_log WHERE seq = 4")
    result = verify(logged)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "missing" in result.problem


def test_deleting_the_newest_entries_is_detected(logged) -> None:
    sql(logged, "DELETE FROM audit_log WHERE seq >= 9")
    result = verify(logged)
    assert (result.ok, result.first_bad_seq) == (False, 9)
    assert "deleted from the end" in result.problem


def test_reordering_entries_is_detected(logged) -> None:
    sql(logged, "UPDATE audit_log SET seq = -1 WHERE seq = 7")
    sql(logged, "UPDATE audit_log SET seq = 7 WHERE seq = 8")
    sql(logged, "UPDATE audit_log SET seq = 8 WHERE seq = -1")
    result = verify(logged)
    assert (result.ok, result.first_bad_seq) == (False, 7)


def _forge(gate, seq: int, prev_hash: str) -> str:
    details = {"id": 1, "reason": "forged", "from": "pending-review", "to": "cleared", "expires_at": None}
    digest = audit.entry_hash(
        seq=seq,
        at=T0,
        actor="bob",
        action="approve",
        subject_sha256=None,
        details=details,
        prev_hash=prev_hash,
    )
    with gate.store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (seq, at, actor, action, subject_sha256, details, prev_hash, hash) "
                "VALUES (:seq, :at, 'bob', 'approve', NULL, :details, :prev, :hash)"
            ),
            {
                "seq": seq,
                "at": T0.replace(tzinfo=None) if gate.store.engine.dialect.name == "sqlite" else T0,
                "details": audit.canonical_json(details),
                "prev": prev_hash,
                "hash": digest,
            },
        )
    return digest


def test_inserting_an_entry_in_the_middle_is_detected(logged) -> None:
    with logged.store.engine.connect() as conn:
        prev = conn.execute(text("SELECT hash FROM audit_log WHERE seq = 4")).scalar_one()
    sql(logged, "UPDATE audit_log SET seq = -(seq + 1) WHERE seq >= 5")  # make room at 5
    sql(logged, "UPDATE audit_log SET seq = -seq WHERE seq < 0")
    _forge(logged, 5, prev)  # a well-formed entry, correctly hashed onto entry 4
    result = verify(logged)
    assert (result.ok, result.first_bad_seq) == (False, 6)  # the old entry 5 no longer fits


def test_appending_a_forged_entry_is_detected(logged) -> None:
    with logged.store.engine.connect() as conn:
        last = conn.execute(text("SELECT hash FROM audit_log WHERE seq = 10")).scalar_one()
    _forge(logged, 11, last)
    result = verify(logged)
    assert not result.ok and "head" in result.problem


def test_export_is_json_lines_that_verify_on_their_own(logged) -> None:
    out = io.BytesIO()
    with logged.store.reading() as s:
        assert audit.export_jsonl(s, out) == 10
    lines = out.getvalue().decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == list(range(1, 11))
    assert set(records[0]) == {
        "seq",
        "at",
        "actor",
        "action",
        "subject_sha256",
        "details",
        "prev_hash",
        "hash",
    }
    assert (
        records[6]["details"]["verdict"] == "review"
        and records[6]["at"] == "2024-05-01T09:00:00.000000+00:00"
    )
    assert audit.verify_jsonl(lines).ok
    assert audit.verify_jsonl(lines).head_hash == verify(logged).head_hash
    tampered = lines.copy()
    tampered[2] = tampered[2].replace('"role":"reviewer"', '"role":"admin"')
    assert tampered != lines and audit.verify_jsonl(tampered).first_bad_seq == 3
    assert audit.verify_jsonl(lines[:3] + lines[4:]).first_bad_seq == 4
    text_out = io.StringIO()
    with logged.store.reading() as s:
        audit.export_jsonl(s, text_out)
    assert text_out.getvalue().splitlines() == lines


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        audit.timestamp(T0.replace(tzinfo=None))


def test_concurrent_writers_never_fork_the_chain(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)  # 6 entries

    def submit_many(worker: int) -> None:
        for i in range(5):
            gate.submit(f"review\nworker {worker} file {i}\n".encode(), "alice", scanner)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(submit_many, range(4)))
    result = verify(gate)
    assert result.ok and result.entries == 6 + 20
    assert len(gate.list(limit=100)) == 20
