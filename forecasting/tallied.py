"""Forecast inputs from a PostgreSQL store's tally of its cases (caselog.tally), not the cases."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import BigInteger, Date, Engine, cast, func, select

from caselog import tally

#: The levels whose units the tally's street × day rows name (finer ones read the cases).
DAILY_LEVELS = ("street", "district", "city")


def usable(source) -> bool:
    """Whether ``source`` is a PostgreSQL store's engine whose tally counts its cases now."""
    if not isinstance(source, Engine) or source.dialect.name != "postgresql":
        return False
    with source.connect() as conn:
        return tally.fresh(conn)


def span_query():
    """The first and last reported day of any case (cancelled or not)."""
    t = tally.case_tally.c
    return select(
        cast(func.min(t.first), Date).label("first"),
        cast(func.max(t.last), Date).label("last"),
    ).where(t.part == "month")


def hierarchy_query(labels: Callable):
    """``labels(columns)``'s unit ids and the non-cancelled cases of each, from the tally's
    rows per district, street, community and grid_id."""
    t = tally.case_tally.c
    keys = labels(t)
    return (
        select(*keys, cast(func.sum(t.live), BigInteger).label("n"))
        .where(t.part == "area", t.live > 0)
        .group_by(*keys)
    )


def panel_query(level: str, unit_expr: Callable, unit: str | None, scope: Mapping[str, str] | None):
    """forecasting.series.panel_query's rows (``[unit,] ds, n``) from the tally's rows per
    district, street and day, or None when it cannot answer (a finer level or scope)."""
    if level not in DAILY_LEVELS or not set(scope or {}) <= {"district", "street"}:
        return None
    t = tally.case_tally.c
    keys = [] if level == "city" else [unit_expr(level, t).label("unit")]
    query = select(*keys, t.day.label("ds"), cast(func.sum(t.live), BigInteger).label("n"))
    query = query.where(t.part == "street_day", t.live > 0)
    query = query.where(*[t[key] == str(value) for key, value in (scope or {}).items()])
    if keys:
        query = query.where(unit_expr(level, t).isnot(None))
        if unit is not None:
            query = query.where(unit_expr(level, t) == unit)
    return query.group_by(*keys, t.day)
