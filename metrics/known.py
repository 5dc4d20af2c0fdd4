"""What the KPIs read: each case's version known at a moment, and the appeals then in force.

A load keeps the versions it replaces in ``case_history``/``rating_history`` (caselog.merge);
``cases``/``ratings`` hold the newest. The data "as known at" T are, per case, the version
brought by a load finished at or before T and not replaced by one finished by then
(contract §1 "Versions"). An approved appeal (申诉, records.tables.appeals) applies to what is
computed after its decision: as known at T, the appeals decided at or before T.

T is city wall-clock time, as every case time and ``Selection.as_known_at``; the ingest log
keeps UTC, so :func:`known_at` converts T once and resolves it to the list of loads finished
by then (a short read of ingest_log), which the KPI statements then name as constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Integer, case, exists, func, select, union_all
from sqlalchemy.sql.selectable import FromClause

from caselog.schema import case_history, cases, ingest_log, rating_history, ratings
from caselog.store import DEFAULT_TIMEZONE, get_timezone
from records.tables import appeals


@dataclass(frozen=True)
class Known:
    """The data as known at ``at`` (city wall-clock): the ``loads`` (ingest_log ids) finished
    by then, and whether they are every load of the store (then the stored rows are it)."""

    at: datetime
    loads: tuple[int, ...]
    every: bool = False


def utc_of(moment: datetime, timezone: str | None) -> datetime:
    """A naive city wall-clock time as naive UTC, as the ingest log keeps its times."""
    zone = ZoneInfo(timezone or DEFAULT_TIMEZONE)
    return moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def city_now(timezone: str | None) -> datetime:
    """Now, as naive wall-clock time in the city's ``timezone`` (None: the default): the
    clock of case times, records and ``as_known_at``."""
    return datetime.now(ZoneInfo(timezone or DEFAULT_TIMEZONE)).replace(tzinfo=None)


def local_of(moment: datetime, timezone: str | None) -> datetime:
    """A naive UTC time of the ingest log as naive city wall-clock time."""
    zone = ZoneInfo(timezone or DEFAULT_TIMEZONE)
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def known_at(engine: Engine, moment: datetime | Known | None) -> Known | None:
    """The loads known at ``moment`` (city wall-clock; None: now, which needs no read)."""
    if moment is None or isinstance(moment, Known):
        return moment
    limit = utc_of(moment, get_timezone(engine))
    with engine.connect() as conn:
        rows = conn.execute(select(ingest_log.c.id, ingest_log.c.finished_at)).all()
    loads = tuple(sorted(i for i, finished in rows if finished <= limit))
    return Known(moment, loads, len(loads) == len(rows))


def _versions(current, history, known: Known | None, name: str) -> FromClause:
    if known is None or known.every:
        return current
    loads = list(known.loads)
    names = [c.name for c in current.columns]
    now = select(*[current.c[n] for n in names]).where(current.c.ingest_id.in_(loads))
    then = select(*[history.c[n] for n in names]).where(
        history.c.ingest_id.in_(loads), history.c.superseded_by.not_in(loads)
    )
    return union_all(now, then).subquery(name)


@lru_cache(maxsize=64)
def case_source(known: Known | None) -> FromClause:
    """The cases as known at ``known`` (None, or every load known: the ``cases`` table
    itself), with the columns of ``cases``. One object per moment, so expressions built on
    it elsewhere (a cohort's ``extra`` columns) name the same FROM."""
    return _versions(cases, case_history, known, "cases_known")


def rating_source(known: Known | None) -> FromClause:
    """The ratings as known at ``known`` (None: the ``ratings`` table)."""
    return _versions(ratings, rating_history, known, "ratings_known")


def any_appeals(engine: Engine, known: Known | None) -> bool:
    """Whether an approved appeal is in force as known at ``known`` (None: now); one short
    read."""
    with engine.connect() as conn:
        return bool(conn.execute(select(exists().where(*_in_force(known)))).scalar())


def _in_force(known: Known | None) -> list:
    a = appeals.c
    conds = [a.status == "approved"]
    if known is not None:
        conds.append(a.decided_at <= known.at)
    return conds


@lru_cache(maxsize=64)
def appeals_in_force(known: Known | None) -> FromClause:
    """Per case with an approved appeal decided by ``known.at`` (None: now): ``excluded``
    (1 when an exclusion is approved) and ``until`` (the latest approved extended deadline,
    NULL when none)."""
    a = appeals.c
    return (
        select(
            a.case_id,
            func.max(case((a.kind == "exclude", 1), else_=0)).cast(Integer).label("excluded"),
            func.max(case((a.kind == "extend", a.until))).label("until"),
        )
        .where(*_in_force(known))
        .group_by(a.case_id)
        .subquery("appeals_in_force")
    )
