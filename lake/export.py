"""``gridpulse export``: the store's cases, ratings, grids and appeals as a Parquet lake."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Double,
    Engine,
    Float,
    Integer,
    extract,
    select,
)

from caselog.schema import grids
from lake import LakeError
from lake.manifest import NAME, TABLES, Manifest
from metrics.known import Known, case_source, known_at, rating_source
from records.tables import appeals

#: Case rows per read and per Parquet write on PostgreSQL (bounded memory).
CHUNK = 100_000
PARTITIONS = ("year", "month")  # of reported_at: Hive folders cases/year=2025/month=3/


def export_lake(engine: Engine, out: Path, as_known_at: datetime | None = None) -> Manifest:
    """Write the store's tables under ``out`` (cases/ partitioned by year and month of
    report, ratings/, grids/, appeals/ — the approved ones — and the manifest, written last
    so a lake cut short is refused): each case's newest version, or as known at
    ``as_known_at`` (city wall-clock). Replaces a lake already at ``out``; refuses a
    folder holding anything else."""
    from caselog import get_timezone
    from caselog.migrations import head
    from metrics.freshness import freshness
    from metrics.registry import LEVELS

    known = known_at(engine, as_known_at)
    _prepare(out)
    sources = _sources(known)
    rows = {}
    for name in TABLES:
        folder = out / name
        folder.mkdir()
        if engine.dialect.name == "duckdb":
            rows[name] = _copy_duckdb(engine, sources[name], folder, name == "cases")
        else:
            rows[name] = _copy_chunked(engine, sources[name], folder, name == "cases")
    manifest = Manifest(
        revision=head(),
        rows=rows,
        timezone=get_timezone(engine),
        exported_at=datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds"),
        as_known_at=as_known_at.isoformat(sep=" ") if as_known_at else None,
        data_loaded_at=freshness(engine, known).columns()["data_loaded_at"],
        rules=_active_rules(engine, LEVELS),
        tuned=_tuned(engine),
    )
    part = out / f".{NAME}.part"
    part.write_text(manifest.to_json(), encoding="utf-8")
    part.replace(out / NAME)
    return manifest


def _prepare(out: Path) -> None:
    """An empty folder at ``out``: a lake there is replaced, anything else refused."""
    if out.exists() and not out.is_dir():
        raise LakeError(f"{out} is a file, not a folder for the lake.")
    if out.exists() and any(out.iterdir()):
        if not (out / NAME).exists():
            raise LakeError(f"{out} is not empty and holds no GridPulse lake; name a new folder.")
        (out / NAME).unlink()  # first: a lake cut short while replaced has no manifest
        for child in out.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _sources(known: Known | None) -> dict:
    """The SELECT of each table of the lake, as known at ``known`` (None: newest)."""
    src = case_source(known)
    cols = [src.c[c.name] for c in src.columns if c.name != "ingest_id"]
    rep = src.c.reported_at
    cases = select(
        *cols,
        extract("year", rep).cast(Integer).label("year"),
        extract("month", rep).cast(Integer).label("month"),
    )
    rt = rating_source(known)
    ratings = select(*[rt.c[c.name] for c in rt.columns if c.name != "ingest_id"])
    a = appeals.c
    decided = [a.status == "approved"]
    if known is not None:
        decided.append(a.decided_at <= known.at)
    approved = select(a.case_id, a.kind, a.until, a.status, a.decided_at).where(*decided)
    return {"cases": cases, "ratings": ratings, "grids": select(grids), "appeals": approved}


def _copy_duckdb(engine: Engine, stmt, folder: Path, partitioned: bool) -> int:
    """COPY the statement's rows to Parquet in ``folder`` inside DuckDB (no Python rows)."""
    sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        n = conn.exec_driver_sql(f"SELECT count(*) FROM ({sql})").scalar()
        target = str(folder / "part-0.parquet")
        options = "FORMAT parquet"
        if partitioned and n:
            target, options = str(folder), f"FORMAT parquet, PARTITION_BY ({', '.join(PARTITIONS)})"
        elif partitioned:  # no rows: one empty file keeps the columns
            sql = f"SELECT * EXCLUDE ({', '.join(PARTITIONS)}) FROM ({sql})"
        conn.exec_driver_sql(f"COPY ({sql}) TO '{_quoted(target)}' ({options})")
    return int(n)


def _quoted(path: str) -> str:
    return path.replace("'", "''")


def _copy_chunked(engine: Engine, stmt, folder: Path, partitioned: bool) -> int:
    """Stream the statement's rows to Parquet in ``folder``, CHUNK rows at a time."""
    schema = pa.schema([(c.key, _arrow(c.type)) for c in stmt.selected_columns])
    n, part = 0, 0
    with engine.connect().execution_options(stream_results=True, yield_per=CHUNK) as conn:
        result = conn.execute(stmt)
        while rows := result.fetchmany(CHUNK):
            columns = list(zip(*rows, strict=True))
            table = pa.table(
                [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)],
                schema=schema,
            )
            if partitioned:
                pq.write_to_dataset(
                    table,
                    str(folder),
                    partition_cols=list(PARTITIONS),
                    basename_template=f"part-{part}-{{i}}.parquet",
                )
            else:
                pq.write_table(table, folder / f"part-{part}.parquet")
            n, part = n + len(rows), part + 1
    if n == 0:
        keep = [f for f in schema if not partitioned or f.name not in PARTITIONS]
        pq.write_table(pa.schema(keep).empty_table(), folder / "part-0.parquet")
    return n


def _arrow(sql_type) -> pa.DataType:
    """The Parquet type DuckDB's COPY gives a column of this SQLAlchemy type."""
    if isinstance(sql_type, DateTime):
        return pa.timestamp("us")
    if isinstance(sql_type, Boolean):
        return pa.bool_()
    if isinstance(sql_type, BigInteger):
        return pa.int64()
    if isinstance(sql_type, Integer):
        return pa.int32()
    if isinstance(sql_type, Double | Float):
        return pa.float64()
    return pa.string()


def _active_rules(engine: Engine, levels) -> dict[str, str]:
    """The TOML of the rule set active for each level (levels on the built-in one left out)."""
    from records.rulesets import active_rules

    found = {}
    for level in levels:
        rules = active_rules(engine, level)
        if rules is not None:
            found[level] = rules.text
    return found


def _tuned(engine: Engine) -> dict[str, dict]:
    """The units' saved forecast settings per level (levels without any left out)."""
    from forecasting.series import LEVELS
    from forecasting.tuning import load_settings

    found = {level: load_settings(engine, level) for level in LEVELS}
    return {level: settings for level, settings in found.items() if settings}
