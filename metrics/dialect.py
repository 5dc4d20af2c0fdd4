"""SQL helpers that differ between DuckDB, PostgreSQL and Spark SQL (epoch seconds, medians)."""

from __future__ import annotations

from sqlalchemy import Double, cast, extract, func, literal_column
from sqlalchemy.sql.elements import ColumnElement


def epoch(col: ColumnElement, dialect: str) -> ColumnElement:
    """Seconds since 1970-01-01 of a naive local timestamp, as a double (NULL stays NULL).
    Spark: from its microseconds (its sessions run in UTC, so no zone shifts the count).
    PostgreSQL: date_part, which computes in doubles; EXTRACT returns numeric there (since
    version 14), and its cast to double gives the same correctly rounded value at 2.5 times
    the cost (1.0 against 0.4 s over 5.5 million timestamps)."""
    if dialect == "spark":
        return cast(func.unix_micros(col), Double) / 1e6
    if dialect == "postgresql":
        return func.date_part(literal_column("'epoch'"), col, type_=Double)
    return extract("epoch", col)


def median(expr: ColumnElement, dialect: str) -> ColumnElement:
    """Interpolated median of the non-NULL values; NULL when there are none."""
    if dialect in ("duckdb", "spark"):  # Spark's median interpolates too (percentile 0.5)
        return func.median(expr)
    return func.percentile_cont(literal_column("0.5")).within_group(expr)


def trunc(unit: str, col: ColumnElement) -> ColumnElement:
    """date_trunc('day'|'week'|'month', col): weeks start on Monday in both databases."""
    if unit not in ("day", "week", "month"):
        raise ValueError(unit)
    return func.date_trunc(literal_column(f"'{unit}'"), col)


def split_list(col: ColumnElement, dialect: str) -> ColumnElement:
    """Set-returning: one row per item of a `;`-joined text column."""
    if dialect == "duckdb":
        return func.unnest(func.string_split(col, literal_column("';'")))
    if dialect == "spark":
        return func.explode(func.split(col, literal_column("';'")))
    return func.unnest(func.string_to_array(col, literal_column("';'")))
