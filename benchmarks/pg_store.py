"""Copy the Beijing-scale year of assess_data.py into a PostgreSQL store, for bench_pages.py.

    .venv/bin/python benchmarks/pg_store.py --db postgresql+psycopg://…/postgres

Creates the store's schema (caselog.open_store), then copies the cases, ratings and grids
Parquet files with COPY (the year is the same one the DuckDB benchmarks read), and builds
the KPI cube in PostgreSQL as a load does (services.afterload).
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    from caselog import open_store
    from services.afterload import after_load

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


if __name__ == "__main__":
    main()
