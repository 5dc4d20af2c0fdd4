"""Copy the Beijing-scale year of assess_data.py into a PostgreSQL store, for bench_pages.py.

    .venv/bin/python benchmarks/pg_store.py --db postgresql+psycopg://…/postgres [--cube-only]

Creates the store's schema (caselog.open_store), then copies the cases, ratings and grids
Parquet files with COPY (the year is the same one the DuckDB benchmarks read), and builds
the KPI cube in PostgreSQL as a load does (services.afterload). ``--cube-only`` drops the
store's cubes and times the work after a load alone (the tally, then the cube), with this
process's peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.assess_data import build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty PostgreSQL store")
    parser.add_argument("--cases", type=int, default=5_500_000)
    parser.add_argument("--cube-only", action="store_true", help="rebuild the cube, time it")
    args = parser.parse_args()
    from caselog import open_store
    from services.afterload import after_load

    if args.cube_only:
        _rebuild(args.db, after_load)
        return

    _, pq = build(ROOT / "benchmarks" / ".cache" / "assess", args.cases)
    engine = open_store(args.db)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        for table in ("grids", "cases", "ratings"):
            csv = Path(tmp) / f"{table}.csv"
            src = f"read_parquet('{pq / (table + '.parquet')}')"
            cols = [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM {src}").fetchall()]
            duckdb.sql(f"COPY (SELECT * FROM {src}) TO '{csv}' (FORMAT csv, HEADER)")
            names = ", ".join(f'"{c}"' for c in cols)
            copy_in = f"COPY {table} ({names}) FROM STDIN (FORMAT csv, HEADER)"
            with cur.copy(copy_in) as copy, csv.open("rb") as f:
                while block := f.read(1 << 20):
                    copy.write(block)
            csv.unlink()
            print(f"{table}: copied ({time.perf_counter() - started:.0f} s)", flush=True)
    engine.dispose()
    started = time.perf_counter()
    done = after_load(args.db)
    print(f"after the load: {done} ({time.perf_counter() - started:.0f} s)")


def _rebuild(url: str, after_load) -> None:
    """Drop the store's KPI cubes, then run the work after a load, timed, with peak RSS."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        found = conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gp\\_%'"))
        for schema in found.scalars().all():
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
    started = time.perf_counter()
    done = after_load(url)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"after the load (tally, then the KPI cube): {done} — {wall:.1f} s, peak RSS {peak:,.0f} MB"
    )


if __name__ == "__main__":
    main()
