"""PostgreSQL for the store tests: a throwaway server per test session, a fresh database per test.

Import the fixtures into a test module (``from pg import fixture_store_url  # noqa: F401``;
the functions carry a ``fixture_`` prefix so test parameters do not shadow the import). The server
comes from the Debian package ``postgresql`` (binaries under /usr/lib/postgresql/*/bin) and the
driver from ``psycopg``. Without them the PostgreSQL cases are skipped, except under CI (the
``CI`` environment variable set), where a missing server is a failure: CI installs it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from clearance.actions.store import db
from clearance.actions.store.models import GENESIS_HASH, Base
from clearance.actions.store.repo import Store
from clearance.actions.workflow import Gate
from clearance.config.loader import Config, load_config
from clearance.model import Document, FileReport, Finding, Identifier, Location, Verdict, Visibility
from clearance.reports.json import file_dict

PG_USER = "clearance"
START_TIMEOUT_S = 60


def _bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {why} (apt-get install postgresql; psycopg)")
    pytest.skip(f"PostgreSQL not available: {why}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the 'postgres' account the package creates."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        _unavailable("running as root and runuser is missing")
    return [runuser, "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session", name="pg_server")
def fixture_pg_server() -> Iterator[str]:
    """Start a server on 127.0.0.1 and a free port; yields the URL of its 'postgres' database."""
    bindir = _bindir()
    if bindir is None:
        _unavailable("no pg_ctl under /usr/lib/postgresql/*/bin or on PATH")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg driver is not installed")
    root = Path(tempfile.mkdtemp(prefix="clearance-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, log = root / "data", root / "server.log"
    port = _free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=START_TIMEOUT_S)
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    PG_USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                ]
            ),
            **run,
        )
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "-o",
                    f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off",
                    "start",
                ]
            ),
            **run,
        )
    except subprocess.CalledProcessError as exc:
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr or exc.stdout}\n{detail}")
    try:
        yield f"postgresql+psycopg://{PG_USER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=START_TIMEOUT_S,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", name="pg_store_server")
def fixture_pg_store_server(pg_server: str) -> str:
    """A database on the session's server with the store's migrations applied once."""
    import psycopg

    conninfo = pg_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE DATABASE clearance_test")
    url = pg_server.rsplit("/", 1)[0] + "/clearance_test"
    db.upgrade(url)
    return url


@pytest.fixture(name="pg_url")
def fixture_pg_url(pg_store_server: str) -> str:
    """The migrated store, emptied: tests never see each other's rows (ids restart at 1).

    Emptying the tables is ~50x faster than a new database per test."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "audit_head")
    engine = db.make_engine(pg_store_server, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": GENESIS_HASH})
    engine.dispose()
    return pg_store_server


@pytest.fixture(params=["sqlite", "postgresql"], name="store_url")
def fixture_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs twice: a SQLite file, and a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clearance.db'}"
    return str(request.getfixturevalue("pg_url"))


# -- gate test helpers (shared by test_store, test_workflow, test_audit, test_gate_cli) -------

T0 = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


class FakeScanner:
    """Verdict chosen by the file's first line: b"pass", b"review", b"block", b"unscannable";
    a line b"special" adds the category asylum-immigration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.scanned: list[str] = []

    def scan_document(self, doc: Document) -> FileReport:
        with doc.open() as fh:
            data = fh.read()
        assert hashlib.sha256(data).hexdigest() == doc.sha256  # the gate hashes what it scans
        self.scanned.append(doc.sha256)
        first = data.split(b"\n", 1)[0].decode()
        verdict = Verdict(first)
        cats = ("asylum-immigration",) if b"special" in data else ()
        finding = Finding(
            rule="person-name",
            entity="person-name",
            visibility=Visibility.HIDDEN_SHEET,
            location=Location(sheet="Detainees", range="B2"),
            count=1,
            masked="J*** S****",
            fingerprint="f" * 16,
            identifier=Identifier.DIRECT,
            score=0.9,
        )
        return FileReport(
            path=doc.path,
            sha256=doc.sha256,
            media_type=doc.media_type,
            size=doc.size,
            verdict=verdict,
            people=1 if verdict is not Verdict.PASS else 0,
            categories=cats,
            reasons=(f"scanner said {verdict.value}",),
            findings=(finding,) if verdict in (Verdict.BLOCK, Verdict.REVIEW) else (),
        )


def config(**policy: Any) -> Config:
    base = load_config(env={})
    return dataclasses.replace(base, policy=base.policy.model_copy(update=policy))


def make_gate(url: str, clock: Clock | None = None, **policy: Any) -> tuple[Gate, FakeScanner, Clock]:
    cfg = config(**policy)
    clock = clock or Clock()
    store = Store.open(url, poolclass=NullPool)  # no pooled connections left open between tests
    gate = Gate(store, cfg.policy, report_json=functools.partial(file_dict, reveal=False), clock=clock)
    return gate, FakeScanner(cfg), clock


def with_people(gate: Gate) -> None:
    gate.add_user("root", "admin")
    for name, role in [
        ("alice", "publisher"),
        ("bob", "reviewer"),
        ("carol", "reviewer"),
        ("olga", "approver-override"),
        ("oscar", "approver-override"),
    ]:
        gate.add_user(name, role, actor="root")
