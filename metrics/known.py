"""What the KPIs read: each case's version known at a moment, and the appeals then in force.

A load keeps the versions it replaces in ``case_history``/``rating_history`` (caselog.merge);
``cases``/``ratings`` hold the newest. The data "as known at" T are, per case, the version
brought by a load finished at or before T and not replaced by one finished by then
(contract §1 "Versions"). An approved appeal (申诉, records.tables.appeals) applies to what is
computed after its decision: as known at T, the appeals decided at or before T.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine, Integer, case, exists, func, select, union_all
from sqlalchemy.sql.selectable import FromClause

from caselog.schema import case_history, cases, ingest_log, rating_history, ratings
from records.tables import appeals


def _loads(known_at: datetime):
    """The ids of the loads finished at or before ``known_at``."""
    return select(ingest_log.c.id).where(ingest_log.c.finished_at <= known_at)


def _versions(current, history, known_at: datetime | None, name: str) -> FromClause:
    if known_at is None:
        return current
    loads = _loads(known_at)
    names = [c.name for c in current.columns]
    now = select(*[current.c[n] for n in names]).where(current.c.ingest_id.in_(loads))
    then = select(*[history.c[n] for n in names]).where(
        history.c.ingest_id.in_(loads), history.c.superseded_by.not_in(loads)
    )
    return union_all(now, then).subquery(name)


@lru_cache(maxsize=64)
def case_source(known_at: datetime | None) -> FromClause:
    """The cases as known at ``known_at`` (None: now, the ``cases`` table itself), with
    the columns of ``cases``. One object per moment, so expressions built on it elsewhere
    (a cohort's ``extra`` columns) name the same FROM."""
    return _versions(cases, case_history, known_at, "cases_known")


def rating_source(known_at: datetime | None) -> FromClause:
    """The ratings as known at ``known_at`` (None: the ``ratings`` table)."""
    return _versions(ratings, rating_history, known_at, "ratings_known")


def any_appeals(engine: Engine, known_at: datetime | None) -> bool:
    """Whether an approved appeal is in force at ``known_at`` (None: now); one short read."""
    with engine.connect() as conn:
        return bool(conn.execute(select(exists().where(*_in_force(known_at)))).scalar())


def _in_force(known_at: datetime | None) -> list:
    a = appeals.c
    conds = [a.status == "approved"]
    if known_at is not None:
        conds.append(a.decided_at <= known_at)
    return conds


@lru_cache(maxsize=64)
def appeals_in_force(known_at: datetime | None) -> FromClause:
    """Per case with an approved appeal decided by ``known_at`` (None: now): ``excluded``
    (1 when an exclusion is approved) and ``until`` (the latest approved extended deadline,
    NULL when none)."""
    a = appeals.c
    return (
        select(
            a.case_id,
            func.max(case((a.kind == "exclude", 1), else_=0)).cast(Integer).label("excluded"),
            func.max(case((a.kind == "extend", a.until))).label("until"),
        )
        .where(*_in_force(known_at))
        .group_by(a.case_id)
        .subquery("appeals_in_force")
    )
