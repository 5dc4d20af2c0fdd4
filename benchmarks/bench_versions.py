"""Benchmark: a second load of a 5.5-million-case year in which 30% of the cases changed.

Run `.venv/bin/python benchmarks/bench_versions.py [--cache DIR] [--repeat R]` from the
repository root. It reads the year that bench_assess.py keeps (DIR/parquet_5500000/cases.parquet,
default benchmarks/.cache/assess; made by assess_data.py when missing — the cached store itself
is neither opened nor changed) and writes, in a temporary folder, the year's canonical columns
as one Parquet file and a copy in which 30% of the cases changed (one more reassignment each).
Into one new DuckDB store, each in a fresh `gridpulse ingest` process (wall time, peak RSS,
store file size after):

(1) the year into the empty store (first load: every case inserted);
(2) the same year again (0% changed);
(3) the changed year (30% changed: their stored versions go to case_history).

Then the street assessment of 2025 in fresh processes (best of R): live after (2), live after
(3), and after (3) "as known at" a moment between (2) and (3) — which must write the bytes
written live after (2) — and the ratio of the last to the live one after (3).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_ingest import run  # noqa: E402

CHANGED = 0.30
# The canonical columns of the cached year (bench_assess's store columns minus bookkeeping).
COLUMNS = (
    "case_id, reported_at, category, subcategory, district, street, community, grid_id, "
    "source, urgency, department, assist_departments, accepted_at, dispatched_at, "
    "responded_at, resolved_at, closed_at, deadline, status, solved, satisfaction, reopened"
)
_REPORT = (
    "import json, resource; print(json.dumps({'rss_mb': "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
)


def inputs(source: Path, folder: Path) -> tuple[Path, Path]:
    """The year as canonical Parquet, and the same with CHANGED of its cases changed."""
    year, changed = folder / "year.parquet", folder / "changed.parquet"
    con = duckdb.connect()
    src = f"read_parquet('{source}')"
    con.execute(f"COPY (SELECT {COLUMNS}, reassigned FROM {src}) TO '{year}' (FORMAT parquet)")
    bump = (
        f"CASE WHEN hash(case_id) % 1000 < {int(CHANGED * 1000)} "
        "THEN coalesce(reassigned, 0) + 1 ELSE reassigned END AS reassigned"
    )
    con.execute(f"COPY (SELECT {COLUMNS}, {bump} FROM {src}) TO '{changed}' (FORMAT parquet)")
    share = con.execute(
        f"SELECT avg(CASE WHEN hash(case_id) % 1000 < {int(CHANGED * 1000)} THEN 1 ELSE 0 END) "
        f"FROM {src}"
    ).fetchone()[0]
    con.close()
    print(f"inputs written to {folder} ({share:.1%} of the cases changed in the second file)")
    return year, changed


def ingest(db: Path, file: Path) -> dict:
    """One `gridpulse ingest` in a fresh process: wall s, peak RSS MB, counts, store MB."""
    args = [sys.executable, "-m", "gridpulse", "--db", f"duckdb:///{db}"]
    wall, rss, out = run([*args, "ingest", str(file), "--no-warm", "--json"])
    counts = json.loads(out.strip().splitlines()[-1])
    con = duckdb.connect(str(db), read_only=True)
    try:  # blocks in use: DuckDB keeps freed blocks in the file and reuses them for later writes
        size, used = con.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size()"
        ).fetchone()
    finally:
        con.close()
    mb = db.stat().st_size / 2**20
    return {"wall": wall, "rss": rss, "counts": counts, "mb": mb, "used": size * used / 2**20}


def assess(db: Path, out: Path, known_at: str | None = None) -> tuple[float, float]:
    """The street assessment of 2025 in a fresh process: wall s and peak RSS MB."""
    shutil.rmtree(f"{db}.cache", ignore_errors=True)  # no kept result answers it
    code = (
        "from caselog import open_store\nfrom metrics import Selection, write_assessment\n"
        f"e = open_store({f'duckdb:///{db}'!r}, create=False, read_only=True)\n"
        f"write_assessment(e, Selection.build('street', '2025', as_known_at={known_at!r}), "
        f"{str(out)!r})\n" + _REPORT
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    wall = time.perf_counter() - t0
    return wall, json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"]


def history_rows(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM case_history").fetchone()[0]
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache" / "assess")
    ap.add_argument("--cases", type=int, default=5_500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (printed)")
    args = ap.parse_args()
    source = args.cache / f"parquet_{args.cases}" / "cases.parquet"
    if not source.exists():
        from assess_data import build

        build(args.cache, args.cases)
    tmp = Path(tempfile.mkdtemp(prefix="bench_versions_"))
    year, changed = inputs(source, tmp)
    db = tmp / "store.duckdb"
    loads = {"(1) first load, empty store": ingest(db, year)}
    loads["(2) the same year again, 0% changed"] = ingest(db, year)
    time.sleep(1.5)  # a whole second between (2) and (3), so the moment is a plain timestamp
    from zoneinfo import ZoneInfo

    between = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    between = between.replace(microsecond=0).isoformat(sep=" ")
    time.sleep(1.5)
    before = tmp / "live_before.csv"
    live_before = [assess(db, before) for _ in range(args.repeat)]
    loads[f"(3) {CHANGED:.0%} of the cases changed"] = ingest(db, changed)
    live, known = tmp / "live.csv", tmp / "known.csv"
    live_after = [assess(db, live) for _ in range(args.repeat)]
    known_after = [assess(db, known, between) for _ in range(args.repeat)]
    same = known.read_bytes() == before.read_bytes()
    print(
        f"\n{args.cases:,} cases of 2025, {os.cpu_count()} CPUs shared with other jobs "
        f"(load average {os.getloadavg()[0]:.1f} at the end); {datetime.now():%Y-%m-%d}\n"
    )
    print("| load (fresh `gridpulse ingest` process) | inserted | updated | unchanged "
          "| wall s | peak RSS MB | store file MB after | in use MB |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in loads.items():
        c = r["counts"]
        print(
            f"| {name} | {c['inserted']:,} | {c['updated']:,} | {c['unchanged']:,} "
            f"| {r['wall']:.1f} | {r['rss']:,.0f} | {r['mb']:,.0f} | {r['used']:,.0f} |"
        )
    first, again, second = loads.values()
    print(
        f"\ncase_history after (3): {history_rows(db):,} rows; (3) grew the store file by "
        f"{second['mb'] - again['mb']:,.0f} MB and the blocks in use by "
        f"{second['used'] - again['used']:,.0f} MB (the first load: {first['mb']:,.0f} MB, "
        f"{first['used']:,.0f} MB in use)"
    )
    best = {
        "live after (2)": min(live_before),
        "live after (3)": min(live_after),
        f"after (3), as known at {between} (before it)": min(known_after),
    }
    print("\n| street assessment of 2025 (fresh process, best of "
          f"{args.repeat}) | wall s | peak RSS MB |\n|---|---:|---:|")  # fmt: skip
    for name, (wall, rss) in best.items():
        print(f"| {name} | {wall:.2f} | {rss:,.0f} |")
    ratio = min(known_after)[0] / min(live_after)[0]
    print(
        f"\nas known at / live: {ratio:.2f}x (target <= 2x); the as-known-at CSV "
        f"{'equals' if same else 'DIFFERS FROM'} the live CSV written before (3), byte for byte"
    )
    if args.keep:
        print(f"kept: {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
