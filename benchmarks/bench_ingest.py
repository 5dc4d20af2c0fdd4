"""Ingest speed at Beijing scale: a 5.5-million-row case CSV into DuckDB, with peak memory.

Also loads the same first 10% of rows the obvious way (pandas.read_csv + DataFrame.to_sql
through SQLAlchemy) to give a ratio measured in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--rows 5500000] [--grids 25000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
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


def run(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB, and stdout of one command run in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run(
        [PY, "-c", _MEASURE, *args], cwd=ROOT, capture_output=True, text=True, check=True
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_500_000)
    parser.add_argument("--grids", type=int, default=25_000)
    args = parser.parse_args()
    folder = city(args.rows, args.grids)
    cases = folder / "cases.csv"
    size_mb = cases.stat().st_size / 1e6
    results = []

    store = CACHE / "ingest_full.duckdb"
    store.unlink(missing_ok=True)
    cmd = [
        PY,
        "-m",
        "gridpulse",
        "--db",
        f"duckdb:///{store}",
        "ingest",
        str(cases),
        "--ratings",
        str(folder / "ratings.csv"),
        "--grids",
        str(folder / "grids.csv"),
        "--json",
    ]
    wall, peak, out = run(cmd)
    summary = json.loads(out.strip().splitlines()[-1])
    results.append(("GridPulse ingest, full file, empty store", summary["read"], wall, peak))
    wall, peak, out = run(cmd)
    again = json.loads(out.strip().splitlines()[-1])
    assert again["unchanged"] + again["updated"] + again["rejected"] == again["read"]
    results.append(("GridPulse ingest, same file again (all unchanged)", again["read"], wall, peak))

    tenth = head(cases, CACHE / "tenth.csv", args.rows // 10)
    small = CACHE / "ingest_tenth.duckdb"
    small.unlink(missing_ok=True)
    wall_ours, peak, out = run(
        [PY, "-m", "gridpulse", "--db", f"duckdb:///{small}", "ingest", str(tenth), "--json"]
    )
    n_tenth = json.loads(out.strip().splitlines()[-1])["read"]
    results.append(("GridPulse ingest, first 10% of rows", n_tenth, wall_ours, peak))
    naive = CACHE / "ingest_pandas.duckdb"
    naive.unlink(missing_ok=True)
    wall_pd, peak, _ = run([PY, "-c", PANDAS_LOAD, str(tenth), f"duckdb:///{naive}"])
    results.append(("pandas read_csv + to_sql, first 10% of rows", n_tenth, wall_pd, peak))

    print(
        f"\nInput: {size_mb:,.0f} MB CSV, {summary['read']:,} case rows "
        f"({summary['rejected']:,} quarantined), {args.grids:,} grids\n"
    )
    print("| run | rows | seconds | rows/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, n, wall, peak in results:
        print(f"| {name} | {n:,} | {wall:,.1f} | {n / wall:,.0f} | {peak:,.0f} |")
    print(f"\npandas/GridPulse time ratio on the same 10%: {wall_pd / wall_ours:.1f}×")


if __name__ == "__main__":
    main()
