"""Opening the store: the SQLAlchemy engine, its schema's revision and its settings.

A store's tables are made and changed only by migrations (caselog.migrations): opening a new
store makes them; a writer opening an older store upgrades it, a reader is told to run
``python -m gridpulse db upgrade`` (:class:`StoreOutdated`).

A DuckDB file admits one read-write process at a time, and no reader in another process while
it is held. So a writing engine on a DuckDB file holds no pooled connection (NullPool), and a
reading engine keeps an idle connection (with DuckDB's warm buffers) for at most ``READ_IDLE``
seconds, and not at all once a writer is waiting (caselog.readpool). A writer first takes a writer's intent (an
exclusive ``flock`` on the ``<file>.writer`` file beside the store, released by the kernel even
when the process is killed; caselog.writelock), so new readers hold back, idle readers let go within a tenth of a
second, and the writer is not starved; both sides then retry the open for a bounded time while
the other holds the file. A writer that cannot get in within ``GRIDPULSE_WRITE_WAIT`` seconds
(default 60) and a reader within ``GRIDPULSE_READ_WAIT`` (default 20) raise :class:`StoreBusy`
with one plain sentence. Each writer also renews a token in ``<file>.version``, so results
kept beside the store (:func:`read_version`, metrics.cube.cache) are never used after a write.
"""

from __future__ import annotations

import os
import time
import weakref
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from caselog.readpool import IdlePool
from caselog.schema import store_meta
from caselog.writelock import drop_intent, is_lock_error, take_intent, writer_waiting

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "gridpulse.duckdb"


class StoreError(Exception):
    """A store that cannot be opened or used; the message is one plain sentence."""


BUSY = "the store is busy with another load; try again in a minute."


class StoreBusy(StoreError):
    """The DuckDB file stayed held by another reader or writer for the whole wait."""

    def __init__(self, message: str = BUSY):
        super().__init__(message)


OUTDATED = (
    "the store was made by an earlier version of GridPulse; upgrade it first with "
    "'python -m gridpulse db upgrade'."
)
NEWER = "the store was upgraded by a later version of GridPulse; open it with that version."


class StoreOutdated(StoreError):
    """A store whose schema is behind this code's (caselog.migrations): it needs an upgrade."""

    def __init__(self, message: str = OUTDATED):
        super().__init__(message)


READ_WAIT = 20.0
WRITE_WAIT = 60.0


def default_url() -> str:
    """The store URL from GRIDPULSE_DB, else the embedded DuckDB file under data/."""
    return os.environ.get("GRIDPULSE_DB") or f"duckdb:///{DEFAULT_PATH}"


def is_duckdb(engine: Engine) -> bool:
    """True when the engine talks to DuckDB."""
    return engine.dialect.name == "duckdb"


def open_store(
    url: str | None = None,
    *,
    create: bool = True,
    read_only: bool = False,
    wait: float | None = None,
    upgrade: bool = True,
) -> Engine:
    """Return an engine for the store at ``url`` with its schema at this code's revision.

    ``create``: a new, empty store gets its tables (caselog.migrations), and an older store
    is upgraded when ``upgrade`` is true and the engine writes; otherwise an older store
    raises :class:`StoreOutdated` (``python -m gridpulse db upgrade`` is the way). False:
    the engine only, unchecked. ``read_only``: on a DuckDB file, open it read-only (readers
    in several processes at once; a file that does not exist yet is first made by a
    writer). ``wait``: seconds to keep retrying while another process holds a DuckDB file
    (default: GRIDPULSE_READ_WAIT or 20 s for readers, GRIDPULSE_WRITE_WAIT or 60 s for
    writers); then :class:`StoreBusy`.
    """
    url = url or default_url()
    path = _duckdb_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if read_only and create and not path.exists():
            open_store(url, wait=wait, upgrade=False).dispose()
    if wait is None:
        name, default = ("READ", READ_WAIT) if read_only else ("WRITE", WRITE_WAIT)
        wait = float(os.environ.get(f"GRIDPULSE_{name}_WAIT") or default)
    try:
        engine = create_engine(url, **_engine_options(url, read_only and path is not None))
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(
            f"The store address {url!r} is not a database URL this app knows."
        ) from exc
    if engine.dialect.name == "duckdb":
        event.listen(engine, "connect", _quiet_duckdb)
        if path is not None:
            _patient(engine, path.resolve(), read_only, wait)  # one key per file
            if read_only:
                _read_only.add(engine)
    elif engine.dialect.name == "postgresql" and read_only:
        event.listen(engine, "connect", _no_jit)
    if create:
        try:
            _up_to_date(engine, upgrade=upgrade and not read_only)
        except StoreError:
            engine.dispose()
            raise
        except Exception as exc:  # the driver's own errors vary; report one sentence
            engine.dispose()
            raise StoreError(
                f"The store at {engine.url!r} cannot be opened: {_first_line(exc)}."
            ) from exc
    return engine


def _up_to_date(engine: Engine, *, upgrade: bool) -> None:
    """Make a new store's tables; upgrade an older store, or raise StoreOutdated."""
    from caselog import migrations  # Alembic loads only when a store is checked

    with engine.connect() as conn:
        where = migrations.state(conn)
    if where == "head" or (where == "empty" and engine in _read_only):
        return  # a read-only DuckDB file left empty by another program stays as it is
    if where == "newer":
        raise StoreError(NEWER)
    if where != "empty" and not upgrade:
        raise StoreOutdated()
    migrations.upgrade(engine)


_read_only: weakref.WeakSet[Engine] = weakref.WeakSet()


def store_file(url: str | None = None) -> Path | None:
    """The DuckDB file a store URL names (None for other databases and in-memory DuckDB)."""
    return _duckdb_file(url or default_url())


def _duckdb_file(url: str) -> Path | None:
    if url.startswith("duckdb:///") and not url.startswith("duckdb:///:memory:"):
        path = url.removeprefix("duckdb:///").split("?", 1)[0]
        return Path(path) if path else None
    return None


def _engine_options(url: str, read_only: bool = False) -> dict:
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True}
    if _duckdb_file(url) is not None:
        if read_only:
            return {"poolclass": IdlePool, "connect_args": {"read_only": True}}
        return {"poolclass": NullPool}
    return {}


def read_version(engine: Engine) -> str | None:
    """A token for the data a read-only DuckDB engine sees, new after every write to its file.

    Call it while holding a connection of ``engine`` (no writer can then change the file).
    None for other engines, and while a writer holds or waits for the file: then nothing
    read may be kept. Every write through :func:`open_store` renews the token; the file sizes
    and times are part of it, for writes by other programs."""
    path = getattr(engine.pool, "path", None) if engine in _read_only else None
    if path is None:
        return None
    parts = []
    for name in (f"{path}.version", str(path), f"{path}.wal"):
        try:
            st = os.stat(name)
        except FileNotFoundError:
            parts.append("-")
        else:
            parts.append(f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
    try:
        parts.append(Path(f"{path}.version").read_text())
    except FileNotFoundError:
        parts.append("-")
    return None if writer_waiting(path) else "|".join(parts)


def read_only_file(engine: Engine) -> Path | None:
    """The DuckDB file a read-only engine reads (None for any other engine)."""
    path = getattr(engine.pool, "path", None) if engine in _read_only else None
    return None if path is None else Path(path)


def _patient(engine: Engine, path: Path, read_only: bool, wait: float) -> None:
    """Make the engine's connects wait (bounded) while another process holds the file."""
    if isinstance(engine.pool, IdlePool):
        engine.pool.path = path

    @event.listens_for(engine, "do_connect")
    def connect(dialect, record, cargs, cparams):
        deadline = time.monotonic() + wait
        if not read_only and not take_intent(path, deadline):
            raise StoreBusy()
        delay = 0.05
        try:
            while True:
                if read_only and writer_waiting(path):
                    error: BaseException | None = None
                else:
                    try:
                        connection = dialect.connect(*cargs, **cparams)
                    except Exception as exc:
                        if not is_lock_error(exc):
                            raise
                        error = exc
                    else:
                        break
                if time.monotonic() >= deadline:
                    raise StoreBusy() from error
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        except BaseException:
            if not read_only:
                drop_intent(path)
            raise
        record.info["gridpulse_intent"] = not read_only
        return connection

    @event.listens_for(engine, "close")
    def close(_dbapi_connection, record):
        if record is not None and record.info.pop("gridpulse_intent", False):
            drop_intent(path)


def _quiet_duckdb(dbapi_connection, _record) -> None:
    # DuckDB draws its own progress bar on stderr for long queries; ours is the only one.
    dbapi_connection.execute("SET enable_progress_bar = false")


def _no_jit(dbapi_connection, _record) -> None:
    # The pages' queries run for 0.01-1 s: PostgreSQL's JIT compiles each one for about
    # 70 ms before it starts. (The cube's build turns it back on: metrics.cube.pg.)
    with dbapi_connection.cursor() as cur:
        cur.execute("SET jit = off")
    dbapi_connection.commit()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def get_timezone(engine: Engine) -> str | None:
    """The city time zone the store's timestamps are in, or None for an empty new store."""
    with engine.connect() as conn:
        return conn.execute(
            select(store_meta.c.value).where(store_meta.c.key == "timezone")
        ).scalar_one_or_none()


def set_timezone(conn, timezone: str) -> None:
    """Record the store's time zone inside the caller's transaction (first ingest only)."""
    conn.execute(store_meta.insert().values(key="timezone", value=timezone))
