"""Engine, sessions and schema migrations for the clearance store.

A URL picks the database: a SQLite file by default (``sqlite:///clearance.db``), PostgreSQL for
a shared service (``postgresql://user@host/db``; the psycopg 3 driver is used when psycopg2 is
not installed). SQLite runs in WAL mode (the serve-time check reads while the web app writes)
with foreign keys enforced (off by default in SQLite).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

DEFAULT_URL = "sqlite:///clearance.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# How long a SQLite writer waits for another writer's lock before giving up. Workflow
# transactions are a few row writes; 10 s covers a burst of uploads without hanging a request.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str | URL) -> URL:
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        if importlib.util.find_spec("psycopg2") is None and importlib.util.find_spec("psycopg"):
            u = u.set(drivername="postgresql+psycopg")
        else:
            u = u.set(drivername="postgresql")
    return u


def make_engine(url: str | URL = DEFAULT_URL, **kwargs: Any) -> Engine:
    u = normalise_url(url)
    if u.get_backend_name() == "sqlite":
        memory = u.database in (None, "", ":memory:")
        if memory:  # one connection, or every session would see its own empty database
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(u, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(wal=not memory))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(u, **kwargs)


def _sqlite_pragmas(*, wal: bool) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if wal:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    return on_connect


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any exception."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(url: str | URL | Engine = DEFAULT_URL, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic, run in-process; no alembic.ini needed)."""
    from alembic import command

    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        cfg = alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
