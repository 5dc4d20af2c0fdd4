"""A reading engine keeps its DuckDB connection between queries, and lets the file go when idle
or as soon as a writer (in this process or another) announces itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

from caselog import open_store, readpool

ROOT = Path(__file__).resolve().parents[2]

# Opens the file read-write once, without the writer's intent or any retry, as other
# programs do: it fails while any process holds the file.
GRAB = (
    "import sys, duckdb\n"
    "try:\n"
    "    duckdb.connect(sys.argv[1]).close()\n"
    "except duckdb.Error:\n"
    "    sys.exit(3)\n"
)

# A load through open_store: takes the writer's intent, then the file; adds one setting.
WRITE = (
    "import sys\n"
    "from sqlalchemy import text\n"
    "from caselog import open_store\n"
    "w = open_store(sys.argv[1], create=False, wait=30)\n"
    "with w.begin() as c:\n"
    "    c.execute(text(\"INSERT INTO store_meta VALUES ('probe', 'x')\"))\n"
    "w.dispose()\n"
)


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "store.duckdb"
    open_store(f"duckdb:///{path}").dispose()
    return path


def _dbapi(engine):
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        return conn.connection.dbapi_connection


def _grab(path: Path) -> int:
    return subprocess.run([sys.executable, "-c", GRAB, str(path)], cwd=ROOT).returncode


def test_a_reader_reuses_its_connection_then_lets_the_file_go(path, monkeypatch):
    monkeypatch.setattr(readpool, "READ_IDLE", 3600.0)
    reader = open_store(f"duckdb:///{path}", read_only=True)
    try:
        first = _dbapi(reader)
        assert _dbapi(reader) is first
        assert _grab(path) == 3  # the idle connection still holds the file
        monkeypatch.setattr(readpool, "READ_IDLE", 0.2)
        deadline = time.monotonic() + 30
        while "(0 idle)" not in reader.pool.status() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _grab(path) == 0
        assert _dbapi(reader) is not first
    finally:
        reader.dispose()


def test_a_writer_in_another_process_gets_in_past_an_idle_reader(path, monkeypatch):
    monkeypatch.setattr(readpool, "READ_IDLE", 3600.0)  # only the writer's intent frees the file
    url = f"duckdb:///{path}"
    reader = open_store(url, read_only=True)
    try:
        _dbapi(reader)
        done = subprocess.run(
            [sys.executable, "-c", WRITE, url],
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        with reader.connect() as conn:  # a new connection: it sees the write
            got = conn.execute(text("SELECT value FROM store_meta WHERE key = 'probe'"))
            assert got.scalar_one() == "x"
    finally:
        reader.dispose()


def test_a_writer_in_this_process_gets_in_past_an_idle_reader(path, monkeypatch):
    monkeypatch.setattr(readpool, "READ_IDLE", 3600.0)
    reader = open_store(f"duckdb:///{path}", read_only=True, wait=30)
    try:
        _dbapi(reader)
        writer = open_store(f"duckdb:///{path}", create=False)
        with writer.begin() as conn:
            conn.execute(text("INSERT INTO store_meta VALUES ('probe', 'y')"))
        writer.dispose()
        with reader.connect() as conn:
            got = conn.execute(text("SELECT value FROM store_meta WHERE key = 'probe'"))
            assert got.scalar_one() == "y"
    finally:
        reader.dispose()


def test_disposing_closes_connections_returned_later(path):
    reader = open_store(f"duckdb:///{path}", read_only=True)
    conn = reader.connect()
    dbapi = conn.connection.dbapi_connection
    old = reader.pool
    reader.dispose()
    conn.close()
    assert "(0 idle)" in old.status()
    with pytest.raises(duckdb.ConnectionException, match="closed"):
        dbapi.execute("SELECT 1")


def test_at_exit_idle_connections_close_in_the_main_thread(path, monkeypatch):
    """A watcher thread closing DuckDB while the interpreter finalizes aborted the process
    (exit 134, "terminate called without an active exception"); the exit handler stops the
    watchers and closes what is idle before that."""
    monkeypatch.setattr(readpool, "READ_IDLE", 3600.0)
    reader = open_store(f"duckdb:///{path}", read_only=True)
    try:
        _dbapi(reader)
        watcher = reader.pool._watcher
        assert watcher.is_alive() and "(1 idle)" in reader.pool.status()
        readpool._close_before_exit()
        assert not watcher.is_alive()
        assert "(0 idle)" in reader.pool.status()
        _dbapi(reader)  # still usable; returned connections are closed at once now
        assert "(0 idle)" in reader.pool.status()
    finally:
        readpool._exiting.clear()
        reader.dispose()
