"""The DuckDB write lock: bounded waits, the plain sentence when they run out, and the app's
message while another process holds the file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest
from trust_helpers import ROOT, finish, ingest_cli, make_city

from caselog import StoreBusy, open_store
from caselog.store import BUSY
from dashboard import data

HOLD = (
    "import sys, time, duckdb\n"
    "c = duckdb.connect(sys.argv[1])\n"
    "print('held', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
)


def hold(path: Path, seconds: float) -> subprocess.Popen:
    """Another process that opens the DuckDB file read-write and keeps it for ``seconds``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture
def small(tmp_path):
    """A DuckDB store holding a small city, and the city's files."""
    city = make_city(tmp_path / "city", cases_per_year=4000)
    path = tmp_path / "store.duckdb"
    finish(ingest_cli(f"duckdb:///{path}", city.cases, "--grids", city.grids))
    yield path, city
    data.engine.clear()


def test_the_cli_gives_up_with_one_plain_sentence(small):
    path, city = small
    holder = hold(path, 60)
    try:
        started = time.monotonic()
        proc = ingest_cli(f"duckdb:///{path}", city.cases, env={"GRIDPULSE_WRITE_WAIT": "2"})
        _, err = proc.communicate(timeout=60)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 1
    assert err == f"error: {BUSY}\n"
    assert err.strip() == "error: the store is busy with another load; try again in a minute."
    assert waited >= 2


def test_writers_and_readers_give_up_after_their_wait(small):
    path, _ = small
    holder = hold(path, 60)
    try:
        for read_only in (False, True):
            engine = open_store(f"duckdb:///{path}", read_only=read_only, wait=1, create=False)
            started = time.monotonic()
            with pytest.raises(StoreBusy, match="busy with another load"), engine.connect():
                pass
            assert 1 <= time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_writer_and_reader_get_in_once_the_holder_leaves(small):
    path, _ = small
    for read_only in (False, True):
        holder = hold(path, 1.5)
        engine = open_store(f"duckdb:///{path}", read_only=read_only, wait=30, create=False)
        started = time.monotonic()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() > 3000
        assert time.monotonic() - started >= 1
        holder.wait(timeout=30)


def test_a_writer_is_not_starved_by_readers(small):
    """New readers hold back while a writer waits, so a busy app cannot lock a load out."""
    import threading

    path, _ = small
    url = f"duckdb:///{path}"
    reader = open_store(url, read_only=True)
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            with reader.connect() as conn:
                conn.execute(text("SELECT count(*) FROM cases")).scalar_one()

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:
        writer = open_store(url, wait=10, create=False)
        with writer.begin() as conn:
            conn.execute(text("UPDATE store_meta SET value = value WHERE key = 'timezone'"))
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def test_the_app_shows_a_plain_message_while_a_load_holds_the_store(small, monkeypatch):
    path, _ = small
    url = f"duckdb:///{path}"
    monkeypatch.setenv("GRIDPULSE_DB", url)
    monkeypatch.setenv("GRIDPULSE_READ_WAIT", "1")
    monkeypatch.chdir(ROOT)
    data.engine.clear()
    data.forget_cached_data()
    holder = hold(path, 60)
    try:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
        at.session_state["db_url"] = url
        at.run()
    finally:
        holder.kill()
        holder.wait()
    assert not at.exception
    assert not at.error
    assert [w.value for w in at.warning] == ["数据正在更新，请稍后刷新。"]
    at.run()  # the next page load, once the load is over, shows the data
    assert not at.exception and not at.error and not at.warning
    assert at.session_state["db_url"] == url
