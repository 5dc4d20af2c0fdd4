"""The KPI cube: its identity, tables and lookup (built by metrics.cube.build; docs/metrics.md)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Double,
    Engine,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
)

from caselog.columns import SCOPE_COLUMNS
from caselog.schema import cases
from caselog.store import read_version
from metrics.cube import cache
from metrics.registry import LEVELS, MEASURES
from metrics.rules import RuleSet
from metrics.workdays import sources

FORMAT = 10  # bump when the cube's tables change: older cubes are then never read
KM_TABLE = "km_department"  # Kaplan–Meier figures per department, year, quarter and month
KEEP = 3  # cubes kept per data version (one per rule set's time limits and as_of)
OPEN = "open_cases"  # the cases open at the cube's as_of, as metrics.supervision reads them
OPEN_UNITS = "open_units"  # OPEN counted per street and department and age bucket
#: The units OPEN_UNITS counts by: the supervision page's tables (ageing of a scope, open and
#: overdue cases per district, street or department) read its rows, not every open case's.
OPEN_UNIT_KEYS = ("district", "street", "department")
DUE_SOON_HOURS = 24.0  # a yellow card's window, as OPEN_UNITS counts the cases due soon
#: The case columns of OPEN: what a red or yellow card shows and what a scope names.
OPEN_COLUMNS: tuple[str, ...] = ("case_id", *SCOPE_COLUMNS, "subcategory", "reported_at")

#: Unit dimensions and the case columns that name a unit of each: every level's but
#: request_type (its splits read the cases), and urgency (a scope and a split, no monthly sums).
DIMS: dict[str, tuple[str, ...]] = {
    **{level: keys for level, keys in LEVELS.items() if keys and level != "request_type"},
    "urgency": ("urgency",),
}
#: The dimension of each level (metrics.registry.LEVELS) and of each scope column.
LEVEL_DIM = {
    "district": "district",
    "street": "street",
    "community": "community",
    "grid": "grid",
    "department": "department",
    "category": "category",
    "source": "source",
}
SCOPE_DIM = {**LEVEL_DIM, "grid_id": "grid", "urgency": "urgency"}
MONTH_LEVELS = ("city", *LEVEL_DIM)


def covers(level: str) -> bool:
    """Whether the cube can answer a table by ``level`` (else the cases answer)."""
    return level == "city" or level in DIMS


#: The 0/1 columns of facts: every count measure, and 满意 / 基本满意 for satisfaction points.
COUNTS: tuple[str, ...] = (
    *(m.name for m in MEASURES if m.agg == "count"),
    "sat_full",
    "sat_basic",
)
VALUES = ("response_minutes", "handling_hours")  # the median measures
#: The tables of kept durations per span and the column naming each span's first day.
SPAN_TABLE = {"year": "year", "quarter": "qdur", "month": "mdur"}
SPAN_START = {"year": "yday", "quarter": "qday", "month": "mday"}
#: The tables of count sums per span (month_<level> as built; ysum_ and qsum_ add its months
#: up per calendar year and quarter, so a year of 25,000 grids reads a row per grid).
SUM_TABLE = {"year": "ysum", "quarter": "qsum", "month": "month"}
#: Per unit and calendar year (year_<level>), quarter (qdur_<level>) and month (mdur_<level>), each
#: median measure's median in seconds (md_), the sum of its whole milliseconds (s_) and its
#: count (c_): the medians are the slowest part of such a table otherwise (a pass over the
#: period's durations per measure, grouped by tens of thousands of units).
YEAR_VALUES: tuple[str, ...] = tuple(f"{p}_{v}" for v in VALUES for p in ("md", "s", "c"))

_bypass: contextvars.ContextVar[bool] = contextvars.ContextVar("gridpulse_cube_bypass")


@contextlib.contextmanager
def bypassed() -> Iterator[None]:
    """Compute from the cases inside this block even where a cube exists (tests compare)."""
    token = _bypass.set(True)
    try:
        yield
    finally:
        _bypass.reset(token)


def fingerprint(rules: RuleSet, as_of: datetime, dialect: str = "duckdb") -> str:
    """What the cube's per-case values depend on, as a hex digest (a cube kept in a
    PostgreSQL store, metrics.cube.pg, does not depend on DuckDB's version)."""
    parts = {
        "format": FORMAT,
        "duckdb": duckdb.__version__ if dialect == "duckdb" else dialect,
        "as_of": as_of.isoformat(),
        "response_sla_minutes": {k: float(v) for k, v in rules.response_sla_minutes.items()},
        "deadline_hours": {k: float(v) for k, v in rules.deadline_hours.items()},
        "calendar": rules.calendar,
        "deadline_working_days": (
            {k: int(v) for k, v in rules.deadline_working_days.items()}
            if rules.calendar == "working_days"
            else None
        ),
    }
    if rules.exclude_types:  # the per-case flags leave these request types out
        parts["request_types_exclude"] = sorted(rules.exclude_types)
    if rules.calendar == "working_days":  # the deadlines' calendar: its sources and the city's
        parts["workdays"] = {**sources(), **rules.workdays.canonical()}
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Cube:
    """A cube for one data version: a DuckDB file (``path``) attached to a connection under
    ``alias``, or in a PostgreSQL store the schema ``alias`` (``dialect`` "postgresql",
    no path; metrics.cube.pg)."""

    path: Path | None
    fingerprint: str
    dialect: str = "duckdb"

    @property
    def alias(self) -> str:
        return f"gp_cube_{self.fingerprint[:16]}"

    @property
    def t(self) -> dict[str, Table]:
        return tables(self.alias)


class CubeGone(Exception):
    """The cube found for a query cannot be opened."""


def key_columns() -> list[Column]:
    """One integer key column per dimension (k_district … k_urgency)."""
    return [Column(f"k_{d}", Integer) for d in DIMS]


@functools.cache
def tables(alias: str) -> dict[str, Table]:
    """The cube's tables as SQLAlchemy Core tables in the attached database ``alias``."""
    md = MetaData(schema=alias)
    t: dict[str, Table] = {}
    for d, cols in DIMS.items():
        t[f"dim_{d}"] = Table(
            f"dim_{d}", md, Column("key", Integer), *[Column(c, String) for c in cols]
        )
    t["facts"] = Table(
        "facts",
        md,
        *key_columns(),
        Column("day", Integer),
        Column("mday", Integer),
        *[Column(f"f_{m}", SmallInteger) for m in COUNTS],
    )
    #: The city's facts summed per day: a city series reads a row a day, not a row a case.
    t["day_city"] = Table(
        "day_city",
        md,
        Column("day", Integer),
        Column("mday", Integer),
        *[Column(f"n_{m}", BigInteger) for m in COUNTS],
    )
    for level in MONTH_LEVELS:
        for span, start, cols in (
            ("month", "mday", [Column(f"n_{m}", BigInteger) for m in COUNTS]),
            ("ysum", "yday", [Column(f"n_{m}", BigInteger) for m in COUNTS]),
            ("qsum", "qday", [Column(f"n_{m}", BigInteger) for m in COUNTS]),
            ("year", "yday", _durations()),
            ("qdur", "qday", _durations()),
            ("mdur", "mday", _durations()),
        ):
            key = [] if level == "city" else [Column("k", Integer)]
            t[f"{span}_{level}"] = Table(f"{span}_{level}", md, *key, Column(start, Integer), *cols)
    for v in VALUES:
        t[f"val_{v}"] = Table(
            f"val_{v}",
            md,
            *key_columns(),
            Column("day", Integer),
            Column("mday", Integer),
            Column("v", Double),
        )
    t["val_km"] = Table(
        "val_km",
        md,
        *key_columns(),
        Column("day", Integer),
        Column("t", Double),
        Column("e", SmallInteger),
    )
    #: Kaplan–Meier figures per department for each calendar year and month (metrics.cube.km).
    t[KM_TABLE] = Table(
        KM_TABLE,
        md,
        Column("span", String),
        Column("start", Integer),
        Column("k", Integer),
        Column("resolved", BigInteger),
        Column("censored", BigInteger),
        Column("median_handling_h", Double),
        Column("km_median_handling_h", Double),
    )
    #: Whistle cases (count, responses on time, responses due) and assisted cases per
    #: department and month, for whole months and years.
    t["whistle_month"] = Table(
        "whistle_month",
        md,
        Column("k", Integer),
        Column("mday", Integer),
        *[Column(c, BigInteger) for c in ("whistle_cases", "w_ok", "w_due")],
    )
    t["assist_month"] = Table(
        "assist_month", md, Column("k", Integer), Column("mday", Integer), Column("n", BigInteger)
    )
    #: Every case open at the cube's as_of (not closed, not cancelled, reported by then) with
    #: its deadline (due_e: extended, given or derived, plus the time suspended, in epoch
    #: seconds) and held (1 when suspended at as_of): supervision's cards and counts.
    t[OPEN] = Table(
        OPEN,
        md,
        *[Column(c, cases.c[c].type) for c in OPEN_COLUMNS],
        Column("rep_e", Double),
        Column("due_e", Double),
        Column("held", SmallInteger),
    )
    t[OPEN_UNITS] = Table(
        OPEN_UNITS,
        md,
        *[Column(c, String) for c in OPEN_UNIT_KEYS],
        Column("bucket", SmallInteger),
        *[Column(c, BigInteger) for c in ("open_cases", "late", "soon")],
        Column("max_late_h", Double),
    )
    t["ratings_f"] = Table(
        "ratings_f",
        md,
        Column("k_rated", Integer),
        *key_columns(),
        Column("day", Integer),
        Column("mday", Integer),
        Column("score", Double),
    )
    t["assist_f"] = Table(
        "assist_f",
        md,
        Column("k_assist", Integer),
        *key_columns(),
        Column("day", Integer),
        Column("mday", Integer),
    )
    return t


def _durations() -> list[Column]:
    return [Column(c, Double if c[:3] == "md_" else BigInteger) for c in YEAR_VALUES]


def cube_file(folder: Path, fp: str) -> Path:
    """Where the cube with fingerprint ``fp`` is kept in a version folder."""
    return folder / f"cube-{fp}.duckdb"


def possible(engine: Engine) -> bool:
    """True when this engine can keep a cube (a read-only engine on a DuckDB file, or a
    PostgreSQL store: there the cube's tables are in the database, metrics.cube.pg)."""
    if engine.dialect.name == "postgresql":
        return True
    return engine.dialect.name == "duckdb" and cache.root(engine) is not None


def find(
    engine: Engine,
    rules: RuleSet,
    as_of: datetime,
    *,
    version: str | None = None,
    conn: Connection | None = None,
) -> Cube | None:
    """The cube for this engine's data (``version``, read here when not given), ``rules``'
    time limits and ``as_of``, if one is kept. In a PostgreSQL store the lookup is one
    query, on ``conn`` when given."""
    if _bypass.get(False) or not possible(engine):
        return None
    if engine.dialect.name == "postgresql":
        from metrics.cube import pg

        fp = fingerprint(rules, as_of, "postgresql")
        if conn is not None:
            return pg.find(conn, fp)
        with engine.connect() as own:
            return pg.find(own, fp)
    if version is None:
        with engine.connect():
            version = read_version(engine)
    folder = cache.version_folder(engine, version) if version else None
    path = None if folder is None else cube_file(folder, fingerprint(rules, as_of))
    if path is None or not path.exists():
        return None
    return Cube(path, path.stem.removeprefix("cube-"))


def attach(conn, cube: Cube) -> None:
    """Attach ``cube`` to the connection's database (a no-op when it is); CubeGone when the
    file cannot be opened.

    Called before the connection's first statement, on the driver's own connection: there
    the ATTACH commits at once. Inside a transaction it would be undone by that
    transaction's rollback, while other connections of the same database, having found it
    attached, already query it. A cube in a PostgreSQL store needs no attaching; there the
    transaction's statements go without JIT compiling, whose compile time at millions of
    cases exceeded a query over the cube (seen in EXPLAIN ANALYZE), and without merge joins:
    the planner cannot estimate the null-safe key matches (coalesce) that join a level's
    units to their households or ratings, prices hashing them far too high, and sorts both
    sides of 25,000 grids to merge them instead, which takes longer than the hash."""
    if cube.path is None:
        conn.exec_driver_sql("SET LOCAL jit = off")
        conn.exec_driver_sql("SET LOCAL enable_mergejoin = off")
        return
    quoted = str(cube.path).replace("'", "''")
    raw = conn.connection.driver_connection
    try:
        raw.execute(f"ATTACH IF NOT EXISTS '{quoted}' AS {cube.alias} (READ_ONLY)")
    except duckdb.Error as exc:
        raise CubeGone from exc
