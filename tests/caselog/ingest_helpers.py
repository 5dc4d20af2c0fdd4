"""Helpers of the ingest tests: small hand-made input files, store snapshots, the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import Engine, text

from caselog.ingest import ingest_files

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("cases", "ratings", "grids", "rejected_rows", "ingest_log", "store_meta")
DATA_TABLES = ("cases", "ratings", "grids", "rejected_rows")
ORDER = {
    "cases": "case_id",
    "ratings": "case_id, department, rated_at",
    "grids": "grid_id",
    "rejected_rows": "file, kind, line",
    "ingest_log": "id",
    "store_meta": "key",
}
COUNT_KEYS = ("read", "inserted", "updated", "unchanged", "rejected")


# --- input files -----------------------------------------------------------------------------


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (``\\n`` line ends) of a header and rows; None and "" are empty fields."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], encoding="utf-8"
) -> Path:
    """Write a CSV file in ``encoding`` (utf-8, utf-8-sig for a BOM, gb18030)."""
    path.write_bytes(csv_text(header, rows).encode(encoding))
    return path


def write_lines(path: Path, lines: Sequence[str], encoding="utf-8") -> Path:
    """Write raw lines as they are (for malformed rows the csv module would not produce)."""
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_toml(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


# --- the store -------------------------------------------------------------------------------


def rows(engine: Engine, table: str, columns: str = "*", where: str = "") -> list[dict]:
    """A table's rows as dicts in a stable order."""
    sql = f"SELECT {columns} FROM {table} {where} ORDER BY {ORDER[table]}"
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def case(engine: Engine, case_id: str) -> dict:
    """One stored case by id (fails when it is not stored)."""
    found = rows(engine, "cases", where=f"WHERE case_id = '{case_id}'")
    assert len(found) == 1, f"case {case_id} is stored {len(found)} times"
    return found[0]


def snapshot(engine: Engine, tables: Sequence[str] = TABLES) -> dict[str, list[tuple]]:
    """Every row of the given tables, as tuples in key order (the store's full content)."""
    result = {}
    with engine.connect() as conn:
        for table in tables:
            query = text(f"SELECT * FROM {table} ORDER BY {ORDER[table]}")
            result[table] = [tuple(r) for r in conn.execute(query)]
    return result


def count(engine: Engine, table: str, where: str = "") -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} {where}")).scalar_one()


def all_text(engine: Engine) -> list[str]:
    """Every non-empty value of every column of every store table, as text."""
    values = []
    for table, content in snapshot(engine).items():
        for row in content:
            values.extend(f"{table}: {v}" for v in row if v is not None)
    return values


# --- ingest ----------------------------------------------------------------------------------


def accounted(counts: dict) -> dict:
    """Check read = inserted + updated + unchanged + rejected; return the bare counts."""
    bare = {k: counts[k] for k in COUNT_KEYS}
    assert bare["read"] == sum(bare[k] for k in COUNT_KEYS[1:]), bare
    assert sum(counts["reasons"].values()) == counts["rejected"], counts
    return bare


def ingest(engine: Engine, files: Sequence[Path] = (), **options) -> dict:
    """Run an ingest in-process and return the ``--json`` object (accounting checked)."""
    summary = ingest_files(engine, files, **options).as_json()
    for part in (summary, summary["ratings"], summary["grids"], *summary["files"]):
        accounted(part)
    return summary


def counts(summary: dict) -> tuple[int, int, int, int, int]:
    """(read, inserted, updated, unchanged, rejected) of a summary or a part of one."""
    return tuple(summary[k] for k in COUNT_KEYS)


# --- the command line ------------------------------------------------------------------------


def store_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run_cli(*args: object, db: str) -> subprocess.CompletedProcess:
    """``python -m gridpulse --db DB ARGS`` from the repository root."""
    command = [sys.executable, "-m", "gridpulse", "--db", db, *map(str, args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def cli_json(result: subprocess.CompletedProcess) -> dict:
    """The JSON object on the last line of a successful ``ingest --json``."""
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1])


def messages(stderr: str) -> list[str]:
    """What the command wrote to stderr, without its progress bar (tqdm redraws with \\r)
    and the line saying the pages' tables were computed after a load."""
    parts = (p.strip() for p in re.split(r"[\r\n]+", stderr))
    return [
        p
        for p in parts
        if p
        and not re.match(r"^(ingest|sample|forecast|warm)\b.*:", p)
        and not p.startswith("pages' tables for ")
    ]
