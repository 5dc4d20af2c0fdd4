"""Shared pieces of the trust tests: a generated city, the CLI as a subprocess, fingerprints."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from caselog import is_duckdb, schema
from sample_data import generate_city

ROOT = Path(__file__).resolve().parents[2]
TABLES = (
    schema.cases,
    schema.ratings,
    schema.grids,
    schema.rejected_rows,
    schema.ingest_log,
    schema.store_meta,
)


@dataclass
class City:
    folder: Path
    cases: Path  # the whole year (about 200,000 cases)
    first_half: Path  # its first 100,000 rows
    ratings: Path
    grids: Path
    rating_count: int


def make_city(folder: Path, cases_per_year: int = 200_000) -> City:
    """A one-year, 300-grid city, and the first half of its case file."""
    summary = generate_city(folder, grids=300, years=1, cases_per_year=cases_per_year, seed=5)
    half = folder / "first_half.csv"
    with summary.cases_path.open(encoding="utf-8") as src, half.open("w", encoding="utf-8") as out:
        for n, line in enumerate(src):
            if n > cases_per_year // 2:
                break
            out.write(line)
    return City(
        folder,
        summary.cases_path,
        half,
        summary.ratings_path,
        summary.grids_path,
        summary.ratings,
    )


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def ingest_cli(url: str, *args: str | Path, env: dict | None = None) -> subprocess.Popen:
    """Start ``python -m gridpulse --db URL ingest ARGS… --json`` as a separate process."""
    return subprocess.Popen(
        [sys.executable, "-m", "gridpulse", "--db", url, "ingest", *map(str, args), "--json"],
        cwd=ROOT,
        env=dict(os.environ, **(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 300) -> dict:
    """Wait for an ingest process; return its JSON summary (the last stdout line)."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per table: row count and a SHA-256 over every row (sorted), to compare whole states."""
    result = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = sorted(
                "\x1f".join("" if v is None else str(v) for v in row)
                for row in conn.execute(select(table))
            )
            digest = hashlib.sha256("\x1e".join(rows).encode()).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


def case_total(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.cases)).scalar_one()


def wait_until_writing(engine: Engine, proc: subprocess.Popen, hold: float = 0.3) -> float:
    """Block until ``proc`` has been inside its write transaction for ``hold`` seconds.

    DuckDB: the writer's intent lock (``<file>.writer``) held that long without a break;
    PostgreSQL: a transaction of another session on the store's database that old and busy
    writing (COPY, INSERT, DELETE). Returns the seconds waited."""
    start = time.monotonic()
    deadline = start + 120
    if is_duckdb(engine):
        marker = Path(f"{engine.url.database}.writer")
        held_since = None
        while time.monotonic() < deadline and proc.poll() is None:
            held = False
            if marker.exists():
                with marker.open("rb") as handle:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                        fcntl.flock(handle, fcntl.LOCK_UN)
                    except BlockingIOError:
                        held = True
            if held:
                held_since = held_since or time.monotonic()
                if time.monotonic() - held_since >= hold:
                    return time.monotonic() - start
            else:
                held_since = None
            time.sleep(0.02)
    else:
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'active' "
            "AND xact_start < clock_timestamp() - make_interval(secs => :hold) "
            "AND (query ILIKE 'COPY%' OR query ILIKE 'INSERT%' OR query ILIKE 'DELETE%')"
        )
        with engine.connect() as conn:
            while time.monotonic() < deadline and proc.poll() is None:
                if conn.execute(query, {"hold": hold}).scalar_one():
                    return time.monotonic() - start
                conn.rollback()
                time.sleep(0.02)
    raise AssertionError(f"the ingest never reached its write (exit {proc.poll()})")
