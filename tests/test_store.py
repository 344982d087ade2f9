"""The store: migrations, the serve-time check, lookups by exact bytes; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from clearance.actions.store import db, repo
from clearance.actions.store.models import Base, Status
from clearance.actions.store.repo import Store
from pg import (  # noqa: F401
    T0,
    fixture_pg_server,
    fixture_pg_store_server,
    fixture_pg_url,
    fixture_store_url,
    make_gate,
    with_people,
)

PASSING = b"pass\nnothing personal in here\n"


def test_migrations_create_exactly_the_models(store_url: str) -> None:
    store = Store.open(store_url)
    assert db.current_revision(store.engine) == db.head_revision() is not None  # newest migration applied
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
        assert conn.execute(text("SELECT seq, hash FROM audit_head")).all() == [(0, "0" * 64)]
    assert {"users", "submissions", "decisions", "audit_log", "audit_head"} <= set(
        inspect(store.engine).get_table_names()
    )
    Store.open(store_url).close()  # upgrading an up-to-date store is a no-op
    store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_postgresql_url_uses_an_installed_driver() -> None:
    url = db.normalise_url("postgresql://u@h/d")
    assert url.drivername in ("postgresql", "postgresql+psycopg")
    assert db.normalise_url("sqlite:///x.db").drivername == "sqlite"


def test_cleared_means_these_exact_bytes(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(PASSING, "alice", scanner, filename="stats.csv").submission
    assert sub.status is Status.CLEARED
    assert gate.store.is_cleared(sub.sha256, now=T0)
    edited = bytearray(PASSING)
    edited[-2] ^= 1  # one byte
    other = gate.submit(bytes(edited), "alice", scanner).submission
    assert other.sha256 != sub.sha256
    assert not gate.store.is_cleared(hashlib.sha256(bytes(edited) + b"x").hexdigest(), now=T0)
    assert gate.store.is_cleared(other.sha256, now=T0)  # cleared only because it passed on its own


@pytest.mark.parametrize("bad", ["", "ABC", "0" * 63, "g" * 64, "' OR 1=1 --"])
def test_is_cleared_refuses_anything_but_a_sha256(tmp_path, bad: str) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    assert store.is_cleared(bad, now=T0) is False


def test_resubmitting_the_same_bytes_changes_nothing(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    first = gate.submit(b"review\nx\n", "alice", scanner)
    again = gate.submit(b"review\nx\n", "bob", scanner)
    assert first.created and not again.created
    assert again.submission.id == first.submission.id
    assert again.submission.submitter == "alice"
    assert len(scanner.scanned) == 1  # known bytes are not scanned again


def test_expiry_is_derived_at_read_time(store_url: str) -> None:
    gate, scanner, clock = make_gate(store_url)
    with_people(gate)
    until = T0 + dt.timedelta(days=30)
    sub = gate.submit(PASSING, "alice", scanner, expires_at=until).submission
    assert sub.expires_at == until and sub.expires_at.tzinfo is not None
    assert gate.store.is_cleared(sub.sha256, now=until - dt.timedelta(seconds=1))
    assert not gate.store.is_cleared(sub.sha256, now=until)
    clock.advance(days=31)
    assert gate.status(sub.sha256).status is Status.EXPIRED


def test_lookup_by_id_sha_and_unique_prefix(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(b"review\nhello\n", "alice", scanner).submission
    assert gate.status(sub.id).sha256 == sub.sha256
    assert gate.status(str(sub.id)).sha256 == sub.sha256
    assert gate.status(sub.sha256.upper()).id == sub.id
    assert gate.status(sub.sha256[:12]).id == sub.id
    with gate.store.reading() as s:
        assert repo.find(s, "f" * 64 if sub.sha256[0] != "f" else "e" * 64) is None


def test_report_is_stored_masked(store_url: str) -> None:
    gate, scanner, _ = make_gate(store_url)
    with_people(gate)
    sub = gate.submit(b"block\nJohn Smith, 1980-01-02\n", "alice", scanner).submission
    assert sub.report["verdict"] == "block"
    assert sub.report["findings"][0]["masked"] == "J*** S****"
    assert "revealed" not in sub.report["findings"][0]
    with gate.store.engine.connect() as conn:
        dumped = " ".join(str(r) for r in conn.execute(text("SELECT * FROM submissions")).all())
        dumped += " ".join(str(r) for r in conn.execute(text("SELECT * FROM audit_log")).all())
    assert "John Smith" not in dumped and "1980-01-02" not in dumped
