"""Opening the store: the SQLAlchemy engine, its tables and its settings."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from caselog.schema import Base, store_meta

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "gridpulse.duckdb"


class StoreError(Exception):
    """A store that cannot be opened or used; the message is one plain sentence."""


def default_url() -> str:
    """The store URL from GRIDPULSE_DB, else the embedded DuckDB file under data/."""
    return os.environ.get("GRIDPULSE_DB") or f"duckdb:///{DEFAULT_PATH}"


def is_duckdb(engine: Engine) -> bool:
    """True when the engine talks to DuckDB."""
    return engine.dialect.name == "duckdb"


def open_store(url: str | None = None, *, create: bool = True) -> Engine:
    """Return an engine for the store at ``url`` and create its tables when missing."""
    url = url or default_url()
    if url.startswith("duckdb:///") and not url.startswith("duckdb:///:memory:"):
        Path(url.removeprefix("duckdb:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, **_engine_options(url))
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(
            f"The store address {url!r} is not a database URL this app knows."
        ) from exc
    if engine.dialect.name == "duckdb":
        event.listen(engine, "connect", _quiet_duckdb)
    if create:
        try:
            Base.metadata.create_all(engine)
        except Exception as exc:  # the driver's own errors vary; report one sentence
            raise StoreError(
                f"The store at {engine.url!r} cannot be opened: {_first_line(exc)}."
            ) from exc
    return engine


def _engine_options(url: str) -> dict:
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True}
    return {}


def _quiet_duckdb(dbapi_connection, _record) -> None:
    # DuckDB draws its own progress bar on stderr for long queries; ours is the only one.
    dbapi_connection.execute("SET enable_progress_bar = false")


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
