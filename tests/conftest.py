"""Shared fixtures: stores on DuckDB and on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from caselog import open_store

PG_URL = os.environ.get("GRIDPULSE_TEST_PG")


def sample_store(folder: Path, **city) -> str:
    """The URL of a DuckDB store in ``folder`` holding a generated city (``sample_data``'s
    ``generate_city(folder, **city)``) loaded as ``gridpulse ingest`` loads it."""
    from caselog.ingest import ingest_files
    from sample_data import generate_city

    generate_city(folder, **city)
    url = f"duckdb:///{folder / 'city.duckdb'}"
    engine = open_store(url)
    ingest_files(
        engine,
        [folder / "cases.csv"],
        ratings=[folder / "ratings.csv"],
        grids=[folder / "grids.csv"],
    )
    engine.dispose()
    return url


def _pg_database():
    """Create a throw-away database on the test server and drop it afterwards."""
    if not PG_URL:
        message = "GRIDPULSE_TEST_PG is not set (scripts/test.sh starts PostgreSQL and sets it)"
        if os.environ.get("GRIDPULSE_REQUIRE_PG"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"gp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = open_store(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def duck_store(tmp_path):
    """An empty DuckDB store in a temporary file."""
    engine = open_store(f"duckdb:///{tmp_path / 'store.duckdb'}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_store():
    """An empty store in a fresh database on the PostgreSQL test server."""
    yield from _pg_database()


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """An empty store, once on DuckDB and once on PostgreSQL."""
    if request.param == "duckdb":
        engine = open_store(f"duckdb:///{tmp_path / 'store.duckdb'}")
        yield engine
        engine.dispose()
    else:
        yield from _pg_database()


@pytest.fixture
def cache_hits(monkeypatch):
    """Every lookup in the result cache (metrics.cube.cache) from now on: True for a hit."""
    from metrics.cube import cache

    hits: list[bool] = []
    load = cache.load

    def counted(*args):
        frame = load(*args)
        hits.append(frame is not None)
        return frame

    monkeypatch.setattr(cache, "load", counted)
    return hits
