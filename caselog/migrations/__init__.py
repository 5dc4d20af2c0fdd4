"""Schema migrations of the store (Alembic revisions in versions/): where a store stands, upgrading it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, Engine, text

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = ["HEAD", "State", "config", "current", "head", "state", "upgrade"]

#: The newest revision in versions/ (tests check it equals Alembic's head). Every store open
#: compares with it by one query, so opening a store at head never imports Alembic (≈0.8 s
#: of imports and DuckDB reflection on a command line that takes 1–2 s).
HEAD = "0008"

#: Where a store's schema stands: no table yet; made before migrations (adopted as 0001 by an
#: upgrade); at an earlier revision; at this code's newest; at a revision this code does not
#: know (a later GridPulse upgraded it).
State = Literal["empty", "unstamped", "behind", "head", "newer"]

_SCRIPTS = Path(__file__).resolve().parent
# Two PostgreSQL writers opening an old store at once: the second waits, then finds it done.
_PG_LOCK = 0x67726964  # "grid"


@cache
def _register_duckdb() -> None:
    """Give Alembic its operations on DuckDB (duckdb-engine registers none): the generic SQL.

    DuckDB's DDL is transactional; its ALTER TABLE is limited (no ALTER of a column that an
    index covers, no added constraints), so revisions that change a table rebuild it."""
    from alembic.ddl.impl import DefaultImpl

    class DuckDBImpl(DefaultImpl):
        __dialect__ = "duckdb"
        transactional_ddl = True


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store's revisions (no alembic.ini): the scripts beside
    this module and, for commands that run, the connection they run on."""
    from alembic.config import Config

    _register_duckdb()
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this code knows (the schema it reads and writes)."""
    return HEAD


def _has_table(conn: Connection, name: str) -> bool:
    """Whether the store's schema has the table (information_schema: DuckDB and PostgreSQL
    alike, and far quicker than reflection on DuckDB)."""
    found = conn.execute(
        text(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = :name AND table_schema = current_schema()"
        ),
        {"name": name},
    )
    return bool(found.scalar())


def current(conn: Connection) -> str | None:
    """The revision recorded in the store's ``alembic_version`` table, None when there is none."""
    if not _has_table(conn, "alembic_version"):
        return None
    return conn.execute(text("SELECT max(version_num) FROM alembic_version")).scalar()


def state(conn: Connection) -> State:
    """Where the store on ``conn`` stands (see :data:`State`)."""
    revision = current(conn)
    if revision is None:
        return "unstamped" if _has_table(conn, "cases") else "empty"
    if revision == HEAD:
        return "head"
    from alembic.util import CommandError

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
        from alembic import command

        command.upgrade(config(conn), "head")
    return before, head()
