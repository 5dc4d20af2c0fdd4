"""The KPI cube kept inside a PostgreSQL store: one schema per cube, valid for one data stamp."""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import pandas as pd
import psycopg
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from caselog.schema import cases
from metrics import pgcopy
from metrics.cube import cache, km
from metrics.cube.build import ALL, PG_ORDER, statements
from metrics.cube.store import KEEP, KM_TABLE, OPEN, Cube, fingerprint
from metrics.known import any_appeals
from metrics.rules import RuleSet, load_rules

_PG = "postgresql"
_PATTERN = r"gp\_cube\_%"  # the schemas of finished cubes (Cube.alias)
#: Per-case tables: sorted by district and day, with a block-range index on both, so that a
#: month's rows, or a district's, are read without scanning the year's.
PER_CASE = (
    "facts",
    "val_response_minutes",
    "val_handling_hours",
    "val_km",
    "ratings_f",
    "assist_f",
)
KEPT = "kept_results"  # slow results of queries over the cube, as metrics.cube.cache keeps them
_LOCK = 0x67706362  # "gpcb": one builder per cube across every server of the store

#: The store's write count (caselog migration 0006: a trigger on cases, ratings and appeals
#: adds one per writing statement; '0' before the first write since the upgrade).
_STAMP = "COALESCE((SELECT value FROM store_meta WHERE key = 'data_stamp'), '0')"


def find(conn: Connection, fp: str) -> Cube | None:
    """The cube with fingerprint ``fp`` if it was built at the data's current stamp (one
    query); None otherwise (never built, or written to since)."""
    cube = Cube(None, fp, "postgresql")
    row = conn.execute(
        text(
            "SELECT 1 FROM pg_namespace WHERE nspname = :name"
            f" AND split_part(obj_description(oid, 'pg_namespace'), ' ', 1) = {_STAMP}"
        ),
        {"name": cube.alias},
    ).first()
    return cube if row else None


def latest(conn: Connection) -> datetime | None:
    """The latest case timestamp of the data at its current stamp, as the last cube built
    at that stamp recorded it (a scan of every timestamp column otherwise: seconds at
    millions of cases); None when no cube was built since the last write."""
    found = conn.execute(
        text(
            "SELECT split_part(obj_description(oid, 'pg_namespace'), ' ', 3) FROM pg_namespace"
            " WHERE nspname LIKE :pattern"
            f" AND split_part(obj_description(oid, 'pg_namespace'), ' ', 1) = {_STAMP} LIMIT 1"
        ),
        {"pattern": _PATTERN},
    ).scalar()
    return datetime.fromisoformat(found) if found else None


def build(
    engine: Engine, rules: RuleSet | str | None = None, *, as_of: datetime | None = None
) -> str | None:
    """Build the cube for ``rules``' time limits and ``as_of`` (default: the latest case
    timestamp) in the store's database, unless one exists at the current data stamp; return
    its schema's name.

    The cube's tables are computed in one REPEATABLE READ transaction (the stamp it records
    and the cases it reads are of one snapshot), in a schema renamed to ``gp_cube_<fp>``
    when complete; readers see the old cube or the new one, never half of one. Cubes of
    other stamps are dropped, and the oldest beyond ``KEEP``. None for an empty store, a
    store without the write trigger (not upgraded), or while another server builds it."""
    r = load_rules(rules)
    try:
        appealed = any_appeals(engine, None)
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET LOCAL jit TO DEFAULT")  # off for readers: caselog.store
                trigger = text("SELECT 1 FROM pg_trigger WHERE tgname = 'cases_written'")
                if not conn.execute(trigger).first():
                    return None
                stamp = conn.execute(text(f"SELECT {_STAMP}")).scalar_one()
                first, last, newest = _span(conn)
                if first is None:
                    return None
                fp = fingerprint(r, as_of or newest, "postgresql")
                final = Cube(None, fp, "postgresql").alias
                if find(conn, fp) is not None:
                    return final
                lock = select(func.pg_try_advisory_xact_lock(_LOCK, int(fp[:7], 16)))
                if not conn.execute(lock).scalar():
                    return None
                work = f"gp_build_{fp[:12]}_{os.getpid()}"
                steps = statements(
                    work, work, r, as_of or newest, (first.date(), last.date()), appealed, _PG
                )
                _create(conn, work, steps)
                _make_room(conn, stamp)
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {final} CASCADE")
                conn.exec_driver_sql(f"ALTER SCHEMA {work} RENAME TO {final}")
                note = f"{int(stamp)} {time.time():.0f} {newest.isoformat()}"
                conn.exec_driver_sql(f"COMMENT ON SCHEMA {final} IS '{note}'")
        return final
    except (SQLAlchemyError, psycopg.Error):
        return None


def _span(conn: Connection) -> tuple[datetime | None, datetime | None, datetime | None]:
    """The first and last reported_at, and the latest timestamp of any event column."""
    from metrics.query import TIMESTAMP_COLUMNS

    c = cases.c
    row = conn.execute(
        select(func.min(c.reported_at), *[func.max(c[n]) for n in TIMESTAMP_COLUMNS])
    ).one()
    found = [x for x in row[1:] if x is not None]
    return row[0], row[1], max(found) if found else None


def _create(conn: Connection, work: str, steps) -> None:
    """The cube's tables in the schema ``work``: each step's SELECT compiled with its values
    inline (CREATE TABLE AS takes no parameters), per-case tables sorted by district and day
    and indexed."""
    raw = conn.connection.driver_connection
    raw.execute(f"CREATE SCHEMA {work}")
    order = ", ".join(PG_ORDER)
    for name, stmt in steps:
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if name in ("ratings_f", "assist_f"):  # not sorted by the build's statements
            sql = f"SELECT * FROM ({sql}) AS s ORDER BY {order}"
        kind = "UNLOGGED TABLE" if name == ALL else "TABLE"  # the scratch table is dropped
        raw.execute(f"CREATE {kind} {work}.{name} AS {sql}", ())  # () turns %% into %
        if name in PER_CASE:
            raw.execute(f"CREATE INDEX ON {work}.{name} USING brin ({order})")
        if name == OPEN:  # cards: the most overdue, or the soonest due, first
            raw.execute(f"CREATE INDEX ON {work}.{name} (due_e, case_id)")
        if name != ALL:
            raw.execute(f"ANALYZE {work}.{name}")
    raw.execute(f"DROP TABLE {work}.{ALL}")
    _keep_km(raw, work)
    raw.execute(f"CREATE TABLE {work}.{KEPT} (key text PRIMARY KEY, frame bytea NOT NULL)")


def _keep_km(raw, work: str) -> None:
    """The cube's Kaplan–Meier figures per department, year and month (metrics.cube.km),
    from its val_km rows."""
    sql = (
        f"SELECT k_department, day, t, e FROM {work}.val_km"
        " WHERE k_department IS NOT NULL ORDER BY k_department, t"
    )
    names = ["k_department", "day", "t", "e"]
    rows = pgcopy.one_row(raw.cursor(), sql, names, ["int", "int", "float", "int"])
    kept = km.figures(*(rows[n].to_numpy() for n in names))
    raw.execute(
        f"CREATE TABLE {work}.{KM_TABLE} (span text, start integer, k integer, resolved bigint,"
        " censored bigint, median_handling_h double precision,"
        " km_median_handling_h double precision)"
    )
    with raw.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {work}.{KM_TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [tuple(_plain(x) for x in row) for row in kept.itertuples(index=False)],
        )


def _plain(value):
    """A numpy number as Python's (what the driver adapts), NaN kept as NaN."""
    return value.item() if hasattr(value, "item") else value


def _make_room(conn: Connection, stamp: str) -> None:
    """Drop the cubes of other stamps and the oldest of this stamp beyond KEEP - 1."""
    rows = conn.execute(
        text(
            "SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace"
            " WHERE nspname LIKE :pattern"
        ),
        {"pattern": _PATTERN},
    ).all()
    current = []
    for name, comment in rows:
        parts = comment.split()
        if len(parts) == 3 and parts[0] == str(stamp):
            current.append((float(parts[1]), name))
        else:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
    for _, name in sorted(current)[: max(0, len(current) - KEEP + 1)]:
        conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")


def kept(conn: Connection, cube: Cube, key: str) -> pd.DataFrame | None:
    """The result kept in the cube's schema for ``key`` (metrics.cube.cache.key_of), or
    None; a lookup that fails (a schema dropped meanwhile) only means it is computed."""
    try:
        with conn.begin_nested():
            found = conn.execute(
                text(f"SELECT frame FROM {cube.alias}.{KEPT} WHERE key = :key"), {"key": key}
            ).scalar()
    except SQLAlchemyError:
        return None
    return None if found is None else pd.read_feather(io.BytesIO(found))


def keep(engine: Engine, cube: Cube, key: str, frame: pd.DataFrame) -> None:
    """Keep a slow result in the cube's schema, for every app server until the data's next
    write drops the cube: PostgreSQL's counterpart of the results kept beside a DuckDB file
    (metrics.cube.cache), within the same room. Written on a thread and connection of its
    own (a copy of ``frame``), so the page that computed it does not wait for the writing,
    and a role that may only read, or a full room, costs nothing but the keeping
    (:func:`settle` waits for what is being kept)."""
    writing = _WRITER.submit(_keep, engine, cube, key, frame.copy())
    _KEEPING.add(writing)
    writing.add_done_callback(_KEEPING.discard)


def settle() -> None:
    """Wait until the results handed to :func:`keep` so far are written (or given up)."""
    for writing in list(_KEEPING):
        writing.result()


_WRITER = ThreadPoolExecutor(1, thread_name_prefix="gridpulse-keep")
_KEEPING: set[Future] = set()


def _keep(engine: Engine, cube: Cube, key: str, frame: pd.DataFrame) -> None:
    try:
        buf = io.BytesIO()
        frame.to_feather(buf, compression="lz4")  # Arrow IPC: typed columns, fast both ways
    except (ValueError, TypeError):
        return
    body = buf.getvalue()
    if len(body) > cache.ROOM // 8:
        return
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(
                text(
                    f"INSERT INTO {cube.alias}.{KEPT} (key, frame) SELECT :key, :frame"
                    f" WHERE (SELECT coalesce(sum(length(frame)), 0) FROM {cube.alias}.{KEPT})"
                    " < :room ON CONFLICT (key) DO NOTHING"
                ),
                {"key": key, "frame": body, "room": cache.ROOM},
            )
    except (SQLAlchemyError, psycopg.Error):
        return
