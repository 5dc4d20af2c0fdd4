"""Counts of a PostgreSQL store's cases, recounted after each load, for the data and forecast pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    text,
)

#: One row per group of one grouping set (``part``) of the cases: ``n`` cases, ``live`` of
#: them not cancelled, reported between ``first`` and ``last``, their latest event at
#: ``latest`` (any timestamp column). Parts: ``area`` (district,
#: street, community, grid_id), ``street_day`` (district, street, day), ``month``, and
#: ``category``, ``source``, ``status``, ``quality`` (quality_flags), ``precision``
#: (day_precision) with the value in ``label``; ``off_department`` counts in ``n`` the
#: ratings of a department that is neither the case's primary nor an assisting one.
case_tally = Table(
    "case_tally",
    MetaData(),
    Column("part", String, nullable=False),
    Column("district", String),
    Column("street", String),
    Column("community", String),
    Column("grid_id", String),
    Column("label", String),
    Column("day", Date),
    Column("month", DateTime),
    Column("n", BigInteger, nullable=False),
    Column("live", BigInteger, nullable=False),
    Column("first", DateTime),
    Column("last", DateTime),
    Column("latest", DateTime),
)

#: store_meta keys: the count of writing statements on cases and ratings (a trigger of
#: migration 0007 adds one per statement), and that count when the tally was made.
CASE_STAMP = "case_stamp"
TALLY_STAMP = "tally_stamp"
_STAMP = f"COALESCE((SELECT value FROM store_meta WHERE key = '{CASE_STAMP}'), '0')"

_LIVE = "count(*) FILTER (WHERE status <> 'cancelled')"
#: The parts, each from one pass over the cases: grouping sets over the cases themselves
#: took twice as long (PostgreSQL hashes every row into every set, on one core). The
#: one-column parts come from the cases grouped by all six of those columns together
#: (some 14,000 groups at 5.5 million cases).
_FILL = (
    f"""
INSERT INTO case_tally (part, label, month, n, live, first, last, latest)
WITH fine AS (
  SELECT category, source, status, quality_flags, day_precision,
         date_trunc('month', reported_at) AS m, count(*) AS n, {_LIVE} AS live,
         min(reported_at) AS first, max(reported_at) AS last,
         max(greatest(reported_at, accepted_at, dispatched_at, responded_at, resolved_at,
                      closed_at)) AS latest
  FROM cases GROUP BY 1, 2, 3, 4, 5, 6)
SELECT CASE WHEN GROUPING(m) = 0 THEN 'month'
            WHEN GROUPING(category) = 0 THEN 'category'
            WHEN GROUPING(source) = 0 THEN 'source'
            WHEN GROUPING(status) = 0 THEN 'status'
            WHEN GROUPING(quality_flags) = 0 THEN 'quality'
            ELSE 'precision' END,
       COALESCE(category, source, status, quality_flags, day_precision::text), m,
       sum(n), sum(live), min(first), max(last), max(latest)
FROM fine
GROUP BY GROUPING SETS ((m), (category), (source), (status), (quality_flags), (day_precision))
""",
    f"""
INSERT INTO case_tally (part, district, street, community, grid_id, n, live, first, last)
SELECT 'area', district, street, community, grid_id, count(*), {_LIVE},
       min(reported_at), max(reported_at)
FROM cases GROUP BY district, street, community, grid_id
""",
    f"""
INSERT INTO case_tally (part, district, street, day, n, live, first, last)
SELECT 'street_day', district, street, CAST(reported_at AS date), count(*), {_LIVE},
       min(reported_at), max(reported_at)
FROM cases GROUP BY district, street, CAST(reported_at AS date)
""",
)

_OFF_DEPARTMENT = """
INSERT INTO case_tally (part, n, live)
SELECT 'off_department', count(*), count(*)
FROM ratings JOIN cases ON cases.case_id = ratings.case_id
WHERE ratings.department != coalesce(cases.department, '')
  AND strpos(';' || coalesce(cases.assist_departments, '') || ';',
             ';' || ratings.department || ';') = 0
"""


def refresh(conn: Connection) -> None:
    """Recount the tally from the cases and ratings on ``conn`` (in one snapshot, after a
    load has committed: metrics.cube.warm): four passes over the cases, and stamp it with
    their write count. Nothing
    on a store other than PostgreSQL (DuckDB scans its columns quicker than it would read
    a tally's rows) or one without the table."""
    if conn.dialect.name != "postgresql":
        return
    if conn.execute(text("SELECT to_regclass('case_tally')")).scalar() is None:
        return
    # Groups hashed in memory (the street × day groups take some 30 MB): PostgreSQL cannot
    # tell six columns have but 14,000 combinations, and sorted 5.5 million rows on disk
    # to group them (16 s against 4 s). For this transaction only.
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    conn.execute(text("SET LOCAL enable_sort = off"))
    conn.execute(text("DELETE FROM case_tally"))
    for statement in _FILL:
        conn.execute(text(statement))
    conn.execute(text(_OFF_DEPARTMENT))
    conn.execute(
        text(
            "INSERT INTO store_meta (key, value) VALUES (:key, " + _STAMP + ")"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
        ),
        {"key": TALLY_STAMP},
    )


def fresh(conn: Connection) -> bool:
    """Whether the tally counts the cases and ratings as they are now (PostgreSQL, made
    after the last write to them); else the callers count the cases themselves."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(
        text(
            "SELECT 1 FROM store_meta WHERE key = :key AND value = "
            + _STAMP
            + " AND to_regclass('case_tally') IS NOT NULL"
        ),
        {"key": TALLY_STAMP},
    ).first()
    return found is not None


def latest(conn: Connection) -> datetime | None:
    """The latest case timestamp of any event column while the tally is fresh (None when
    it is not, or the store holds no case)."""
    if not fresh(conn):
        return None
    return conn.execute(text("SELECT max(latest) FROM case_tally WHERE part = 'month'")).scalar()
