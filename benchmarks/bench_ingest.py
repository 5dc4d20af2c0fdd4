"""Ingest speed at Beijing scale: a 5.5-million-row case CSV into DuckDB (and PostgreSQL with
``--pg URL``), with the peak memory of the whole ``ingest`` process.

The load alone (``--no-warm``), then the verb as users run it, with the work after the load
(services.afterload: the KPI cube and the pages' tables; on PostgreSQL, its KPI cube).

Also loads the same first 1% of rows (55,000) both ways — GridPulse and the obvious way,
pandas.read_csv + DataFrame.to_sql through SQLAlchemy — for a ratio measured in the same run
(the obvious way needs minutes per 100,000 rows, so it does not run on the whole file).

    .venv/bin/python benchmarks/bench_ingest.py [--rows 5500000] [--grids 25000] \
        [--pg postgresql+psycopg://USER@HOST:PORT/postgres] [--code DIR]

``--code DIR`` runs another checkout's command line on the same files (before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
PY = sys.executable


# Runs a command as its own child and reports that child's peak RSS (KB) on the last line.
_MEASURE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


def run(args: list[str], cwd: Path = ROOT) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB, and stdout of one command run in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run(
        [PY, "-c", _MEASURE, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024, done.stdout


def city(rows: int, grids: int) -> Path:
    out = CACHE / f"city_{rows}_{grids}"
    if not (out / "cases.csv").exists():
        print(f"generating {rows:,} cases over {grids:,} grids …", flush=True)
        run(
            [
                PY,
                "-m",
                "gridpulse",
                "sample",
                "--out",
                str(out),
                "--grids",
                str(grids),
                "--years",
                "1",
                "--cases-per-year",
                str(rows),
            ]
        )
    return out


def head(src: Path, dst: Path, n: int) -> Path:
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        for i, line in enumerate(fin):
            if i > n:
                break
            fout.write(line)
    return dst


PANDAS_LOAD = """
import sys, pandas as pd, sqlalchemy as sa
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
for c in ["reported_at", "accepted_at", "dispatched_at", "responded_at", "resolved_at",
          "closed_at", "deadline"]:
    df[c] = pd.to_datetime(df[c], errors="coerce", format="mixed")
df = df.drop_duplicates("case_id", keep="last")
engine = sa.create_engine(sys.argv[2])
df.to_sql("cases", engine, index=False, chunksize=50_000, method="multi")
"""


def report(name: str, rows: int, wall: float, peak: float) -> None:
    print(f"| {name} | {rows:,} | {wall:,.1f} | {rows / wall:,.0f} | {peak:,.0f} |", flush=True)


def load(code: Path, url: str, folder: Path, *extra: str) -> tuple[float, float, dict]:
    """One ``ingest`` of the city's three files into ``url`` by the checkout ``code``."""
    cmd = [PY, "-m", "gridpulse", "--db", url, "ingest", str(folder / "cases.csv")]
    cmd += ["--ratings", str(folder / "ratings.csv"), "--grids", str(folder / "grids.csv")]
    wall, peak, out = run([*cmd, "--json", *extra], cwd=code)
    return wall, peak, json.loads(out.strip().splitlines()[-1])


def postgres(server: str, code: Path, folder: Path) -> None:
    """The whole file into a fresh database on ``server``, then the same file again."""
    import sqlalchemy as sa

    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"gp_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        # the load alone: after it a PostgreSQL store recounts its tally and builds its KPI
        # cube in the database (metrics.cube.warm), minutes that bench_pages' store measures
        wall, peak, summary = load(code, url, folder, "--no-warm")
        report(
            "PostgreSQL: whole file into an empty store (load alone)", summary["read"], wall, peak
        )
        wall, peak, again = load(code, url, folder, "--no-warm")
        report("PostgreSQL: the same file again (load alone)", again["read"], wall, peak)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_500_000)
    parser.add_argument("--grids", type=int, default=25_000)
    parser.add_argument("--share", type=float, default=0.01, help="subset for the pandas ratio")
    parser.add_argument("--pg", help="a PostgreSQL server's URL: also load into a new database")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose CLI loads")
    args = parser.parse_args()
    folder = city(args.rows, args.grids)
    cases = folder / "cases.csv"
    code = args.code.resolve()
    print(f"{date.today()} · code {code} · load average {os.getloadavg()[0]:.1f}")
    print(f"Input: {cases.stat().st_size / 1e6:,.0f} MB CSV, {args.grids:,} grids\n")
    print("| run | case rows | seconds | rows/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|", flush=True)

    store = CACHE / "ingest_full.duckdb"
    url = f"duckdb:///{store}"
    store.unlink(missing_ok=True)
    wall, peak, summary = load(code, url, folder, "--no-warm")
    report("DuckDB: whole file into an empty store (load alone)", summary["read"], wall, peak)
    wall, peak, again = load(code, url, folder, "--no-warm")
    assert (
        again["inserted"] == 0
        and sum(again[k] for k in ("updated", "unchanged", "rejected")) == again["read"]
    )
    report("DuckDB: the same file again (nothing changes)", again["read"], wall, peak)
    store.unlink(missing_ok=True)
    wall, peak, summary = load(code, url, folder)
    report("DuckDB: whole file, with the work after the load", summary["read"], wall, peak)
    if args.pg:
        postgres(args.pg, code, folder)
    print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)

    part = head(cases, CACHE / "part.csv", int(args.rows * args.share))
    small = CACHE / "ingest_part.duckdb"
    small.unlink(missing_ok=True)
    wall_ours, peak, out = run(
        [
            PY,
            "-m",
            "gridpulse",
            "--db",
            f"duckdb:///{small}",
            "ingest",
            str(part),
            "--json",
            "--no-warm",
        ],
        cwd=code,
    )
    n_part = json.loads(out.strip().splitlines()[-1])["read"]
    report(f"GridPulse ingest, first {args.share:.0%} of rows", n_part, wall_ours, peak)
    naive = CACHE / "ingest_pandas.duckdb"
    naive.unlink(missing_ok=True)
    wall_pd, peak, _ = run([PY, "-c", PANDAS_LOAD, str(part), f"duckdb:///{naive}"])
    report(f"pandas read_csv + to_sql, first {args.share:.0%} of rows", n_part, wall_pd, peak)
    print(
        f"\nquarantined in the whole file: {summary['rejected']:,}; pandas/GridPulse time "
        f"on the same rows: {wall_pd / wall_ours:.1f}x"
    )


if __name__ == "__main__":
    main()
