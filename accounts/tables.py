"""The accounts database: its tables, and which database holds them.

Accounts and the audit log live apart from a DuckDB case store: DuckDB allows one writer
across processes, and a sign-in or an export must be recorded at once even while a
nightly ingest holds the case store for a minute. Beside a DuckDB file they go into a
SQLite file (WAL, many writers take turns in milliseconds); with a PostgreSQL case store
they go into the same database. GRIDPULSE_ACCOUNTS_DB names any other SQLAlchemy URL.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.pool import StaticPool

metadata = MetaData()

accounts = Table(
    "gp_accounts",
    metadata,
    Column("username", String(200), primary_key=True),
    Column("display_name", String(200), nullable=False, default=""),
    Column("role", String(20), nullable=False),
    Column("district", String(200)),
    Column("street", String(200)),
    Column("community", String(200)),
    # a department account's department (条); NULL for the area roles
    Column("department", String(200)),
    # argon2id hash; NULL for an account that signs in only through the identity provider
    Column("password_hash", Text),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

audit_log = Table(
    "gp_audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("username", String(200), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("detail", Text, nullable=False, default=""),
)


def accounts_url(store_url: str) -> str:
    """The accounts database for the case store at ``store_url`` (see the module docstring)."""
    given = os.environ.get("GRIDPULSE_ACCOUNTS_DB")
    if given:
        return given
    url = make_url(store_url)
    if url.get_backend_name() != "duckdb":
        return store_url
    database = url.database or ""
    if database in ("", ":memory:"):
        return "sqlite://"
    return f"sqlite:///{Path(database).with_suffix('')}.accounts.sqlite"


def open_accounts(url: str) -> Engine:
    """An engine on the accounts database with its tables created."""
    if url.startswith("sqlite"):
        # one shared connection for an in-memory database (each new one would be empty)
        extra = {"poolclass": StaticPool} if url == "sqlite://" else {}
        engine = create_engine(url, connect_args={"timeout": 30}, **extra)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    metadata.create_all(engine)
    _add_missing_columns(engine)
    return engine


#: Columns added to gp_accounts after its first release, with their DDL type. The accounts
#: tables are made by create_all (not the store's Alembic migrations), which never alters an
#: existing table: an accounts database made before a column existed gets it here when opened.
_ADDED = {"department": "VARCHAR(200)"}


def _add_missing_columns(engine: Engine) -> None:
    have = {c["name"] for c in inspect(engine).get_columns(accounts.name)}
    missing = [name for name in _ADDED if name not in have]
    if not missing:
        return
    # PostgreSQL: another process opening the same database may add it first
    guard = "IF NOT EXISTS " if engine.dialect.name == "postgresql" else ""
    with engine.begin() as conn:
        for name in missing:
            conn.execute(
                text(f"ALTER TABLE {accounts.name} ADD COLUMN {guard}{name} {_ADDED[name]}")
            )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def now() -> datetime:
    """Local wall-clock time to the second (what the audit log and accounts record)."""
    return datetime.now().replace(microsecond=0)
