"""Warming the result cache after a load: the tables the pages open with, computed once."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from caselog import open_store, tally
from caselog.store import StoreBusy
from metrics.assessment import assess
from metrics.cube import build as cubebuild
from metrics.period import latest_full_month
from metrics.query import latest_timestamp
from metrics.registry import LEVELS, SPLIT_LEVELS
from metrics.selection import Selection

#: Levels whose tables the pages open with (the map's grid table, the ranking's levels).
WARMED_LEVELS: tuple[str, ...] = tuple(
    lv for lv in LEVELS if lv != "city" and lv not in SPLIT_LEVELS
)


def warm_pages(url: str, progress: Callable[[str], None] | None = None) -> list[str]:
    """Build the KPI cube for the default rules (metrics.cube.build), then compute, through a
    read-only engine as the app reads, the assessment tables of the default month and of
    its whole year at every level, so the first page views after a load are answered from
    the cube and the result cache beside a DuckDB store (metrics.cube.cache).

    Returns the periods warmed. A PostgreSQL store has no result cache: there the cube is
    built in the database (metrics.cube.pg), shared by every app server, and [] returned.
    Does nothing for an empty store; a store another writer holds is left cold.
    """
    if url.startswith("postgresql"):
        engine = open_store(url, create=False)
        try:
            if progress:
                progress("KPI cube")
            _tally(engine)
            cubebuild.build(engine)
        finally:
            engine.dispose()
        return []
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
        month = latest_full_month(last)
        for period in (month.label, str(month.start.year)):
            for by in WARMED_LEVELS:
                if progress:
                    progress(f"{by} {period}")
                assess(engine, Selection.build(by, period))
            done.append(period)
    except StoreBusy:  # a new load began: its own warm-up follows it
        pass
    finally:
        engine.dispose()
    return done


def _tally(engine) -> None:
    """Recount a PostgreSQL store's tally (caselog.tally) after the load has committed, in
    one snapshot, so the counts and the write count they are stamped with agree: outside
    the load's transaction, the load itself is not slower by it."""
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                tally.refresh(conn)
    except SQLAlchemyError:  # the pages count the cases instead, as after ingest --no-warm
        return
