"""Helpers of the hostile-input tests: injection strings, store snapshots and checks."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from caselog import open_store

# Strings that would change a statement if they were pasted into SQL text (or a format string).
INJECTIONS = (
    "'; DROP TABLE cases; --",
    '" OR 1=1 --',
    "\\'",
    "$$",
    "$1",
    "$fmts",
    "%s",
    "%(x)s",
    "{}",
    "{0}",
    ") UNION SELECT case_id FROM cases --",
    "‘；DROP TABLE grids；--’",
    "“ OR ”1”=”1",
    "a\x00b",
    "x' || (SELECT count(*) FROM cases) || '",
    "'); DELETE FROM ratings; --",
    "?",
    ":name",
)

# Store tables that must survive every hostile value with their row counts unchanged.
STORE_TABLES = ("cases", "ratings", "grids", "rejected_rows", "ingest_log", "store_meta")


def clean(value: str) -> str:
    """The value as stored: PostgreSQL text cannot hold a NUL, so ingest drops it everywhere."""
    return value.replace("\x00", "")


@contextmanager
def fresh_store() -> Iterator[Engine]:
    """An empty DuckDB store in its own temporary folder (usable inside hypothesis tests)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"duckdb:///{Path(folder) / 'store.duckdb'}")
        try:
            yield engine
        finally:
            engine.dispose()


def table_counts(engine: Engine) -> dict[str, int]:
    """Row count of every table in the store (all of them, not only the known ones)."""
    names = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def assert_tables_intact(engine: Engine, before: dict[str, int]) -> None:
    """Every table that existed still exists, with the same number of rows; new ones are empty."""
    after = table_counts(engine)
    for name in STORE_TABLES:
        assert name in after, f"table {name} is gone"
    # Tables the app creates on first use (the forecast tables) may appear, empty.
    changed = {
        n: (before.get(n), after.get(n))
        for n in {*before, *after}
        if before.get(n, 0) != after.get(n)
    }
    assert not changed, changed
