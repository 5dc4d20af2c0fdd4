"""Warming the result cache after a load: the tables the pages open with, computed once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from caselog import open_store
from caselog.store import StoreBusy
from metrics import cubebuild
from metrics.assessment import assess
from metrics.period import parse_period
from metrics.query import latest_timestamp
from metrics.registry import LEVELS

#: Levels whose tables the pages open with (the map's grid table, the ranking's levels).
WARMED_LEVELS: tuple[str, ...] = tuple(
    lv for lv in LEVELS if lv not in ("city", "category", "source")
)


def latest_full_month(last: date | None) -> str:
    """The latest calendar month the store covers to its last day (else the month before);
    the dashboard's default period."""
    if last is None:
        return f"{date.today():%Y-%m}"
    if (last + timedelta(days=1)).month == last.month:
        last = last.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}"


def warm_pages(url: str, progress: Callable[[str], None] | None = None) -> list[str]:
    """Build the KPI cube for the default rules (metrics.cube), then compute, through a
    read-only engine as the app reads, the assessment tables of the default month and of
    its whole year at every level, so the first page views after a load are answered from
    the cube and the result cache beside a DuckDB store (metrics.cache).

    Returns the periods warmed. Does nothing (returns []) for stores without a result cache
    (PostgreSQL) or an empty store; a store another writer holds is left cold.
    """
    if not url.startswith("duckdb"):
        return []
    try:
        engine = open_store(url, create=False, read_only=True, wait=5)
    except StoreBusy:
        return []
    done: list[str] = []
    try:
        last = latest_timestamp(engine)
        if last is None:
            return done
        if progress:
            progress("KPI cube")
        cubebuild.build(engine)  # every KPI table of any period is then quick to compute
        month = latest_full_month(last.date())
        for period in (month, str(parse_period(month).start.year)):
            for by in WARMED_LEVELS:
                if progress:
                    progress(f"{by} {period}")
                assess(engine, by, period)
            done.append(period)
    except StoreBusy:  # a new load began: its own warm-up follows it
        pass
    finally:
        engine.dispose()
    return done
