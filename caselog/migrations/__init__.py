"""Schema migrations of the store (Alembic revisions in versions/): where a store stands, upgrading it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, text

__all__ = ["State", "config", "current", "head", "state", "upgrade"]

#: Where a store's schema stands: no table yet; made before migrations (adopted as 0001 by an
#: upgrade); at an earlier revision; at this code's newest; at a revision this code does not
#: know (a later GridPulse upgraded it).
State = Literal["empty", "unstamped", "behind", "head", "newer"]

_SCRIPTS = Path(__file__).resolve().parent
# Two PostgreSQL writers opening an old store at once: the second waits, then finds it done.
_PG_LOCK = 0x67726964  # "grid"


class DuckDBImpl(DefaultImpl):
    """Alembic's operations on DuckDB (duckdb-engine registers none): the generic SQL.

    DuckDB's DDL is transactional; its ALTER TABLE is limited (no ALTER of a column that an
    index covers, no added constraints), so revisions that change a table rebuild it."""

    __dialect__ = "duckdb"
    transactional_ddl = True


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store's revisions (no alembic.ini): the scripts beside
    this module and, for commands that run, the connection they run on."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this code knows (the schema it reads and writes)."""
    revision = _scripts().get_current_head()
    assert revision is not None  # versions/ is never empty
    return revision


def current(conn: Connection) -> str | None:
    """The revision recorded in the store's ``alembic_version`` table, None when there is none."""
    return MigrationContext.configure(conn).get_current_revision()


def state(conn: Connection) -> State:
    """Where the store on ``conn`` stands (see :data:`State`)."""
    revision = current(conn)
    if revision is None:
        return "unstamped" if inspect(conn).has_table("cases") else "empty"
    if revision == head():
        return "head"
    try:
        _scripts().get_revision(revision)
    except CommandError:
        return "newer"
    return "behind"


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the store to :func:`head` in one transaction; returns (revision before, after).

    An empty store gets every table. A store made before migrations keeps its tables and
    rows, gets the forecasting tables it had not made yet (they came with a first forecast)
    and is stamped 0001 before later revisions run. A store at head is left as it is. A
    failure leaves the store as it was."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        before = current(conn)
        command.upgrade(config(conn), "head")
    return before, head()
