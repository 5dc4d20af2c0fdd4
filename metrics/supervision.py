"""督查督办: red cards (overdue open cases), yellow cards (due soon), ageing and overdue counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

import pandas as pd
from sqlalchemy import BigInteger, Double, Engine, case, cast, func, select

from metrics.cohort import (
    Cohort,
    age_bucket,
    build_cohort,
    epoch_of,
    from_epoch,
    overdue_at,
)
from metrics.cube.store import DUE_SOON_HOURS, OPEN, OPEN_COLUMNS, OPEN_UNIT_KEYS, OPEN_UNITS
from metrics.known import Known, any_appeals, case_source, known_at
from metrics.party import own_rows
from metrics.query import level_keys, resolve_as_of, run_cubed
from metrics.selection import Selection
from metrics.workdays import assumed_years, calendar_note

CARD_COLUMNS = (
    "case_id",
    "district",
    "street",
    "community",
    "grid_id",
    "department",
    "category",
    "subcategory",
    "urgency",
    "source",
    "reported_at",
)
# Age buckets of open cases (metrics.cohort.AGE_EDGES_DAYS: days since reported).
AGE_BUCKETS = ("0-1d", "1-3d", "3-7d", "7-15d", "15-30d", "30d+")


def _open_days(engine: Engine, known: Known | None) -> tuple[date, date] | None:
    """The first and last report dates of the open cases (working-day deadlines' range)."""
    src = case_source(known)
    with engine.connect() as conn:
        lo, hi = conn.execute(
            select(func.min(src.c.reported_at), func.max(src.c.reported_at)).where(
                src.c.closed_at.is_(None)
            )
        ).one()
    return (lo.date(), hi.date()) if lo is not None else None


def _open_cohort(engine: Engine, sel: Selection) -> Cohort:
    """Open cases of any report date inside the selection's scope (its period is not used)."""
    known = known_at(engine, sel.as_known_at)
    moment = resolve_as_of(engine, sel.as_of, None, known)
    days = _open_days(engine, known) if sel.rules.calendar == "working_days" else None
    return _cohort(engine, sel, known, moment, days)


def _cohort(
    engine: Engine,
    sel: Selection,
    known: Known | None,
    moment: datetime,
    days: tuple[date, date] | None,
) -> Cohort:
    """The open cases' cohort of the selection's scope at ``moment`` (metrics.cohort)."""
    return build_cohort(
        engine.dialect.name,
        sel.rules,
        moment,
        scope=sel.scope_map,
        open_only=True,
        days=days,
        known_at=known,
        appeals=any_appeals(engine, known),
    )


def _open_run(
    engine: Engine,
    sel: Selection,
    make: Callable,
    keys: Sequence[str] = (),
    summed: Callable | None = None,
) -> pd.DataFrame:
    """``make(v, as_of_e)``'s statement over the open cases of any report date inside the
    selection's scope (``v``: their card columns, rep_e, due_e and held), run and noted
    with the calendar's assumed years. Where the KPI cube kept at this as_of answers
    (metrics.query.run_cubed: the newest data, no party scope) ``v`` is its table of the
    cases open at as_of (when it holds the ``keys`` a unit is named by) — or
    ``summed(u)``'s statement over its counts per street, department and age bucket, when
    given and the keys and scope name no other column; else the open cases' cohort
    (metrics.cohort)."""
    r, scope = sel.rules, sel.scope_map or {}
    known = known_at(engine, sel.as_known_at)
    moment = resolve_as_of(engine, sel.as_of, None, known)
    days = _open_days(engine, known) if r.calendar == "working_days" else None

    def statement(cube):
        named = {*scope, *keys}
        if cube is None or not named <= set(OPEN_COLUMNS):
            coh = _cohort(engine, sel, known, moment, days)
            return make(coh.cte, coh.as_of_e)
        t = cube.t[OPEN_UNITS if summed and named <= set(OPEN_UNIT_KEYS) else OPEN]
        # as build_cohort confines the cases (no stored value holds a NUL)
        inside = select(t).where(*[t.c[k] == str(x).replace("\x00", "") for k, x in scope.items()])
        if t.name == OPEN_UNITS:
            return summed(inside.subquery("u"))
        return make(inside.subquery("v"), epoch_of(moment))

    frame = run_cubed(engine, statement, r, moment, known, scope)
    years = ()
    if days is not None:
        years = assumed_years(days[0], days[1], r.deadline_working_days, r.workdays)
    frame.attrs.update(assumed_years=years, calendar_note=calendar_note(years))
    return frame


def red_cards(
    engine: Engine,
    sel: Selection,
    *,
    limit: int | None = 1000,
    offset: int = 0,
) -> pd.DataFrame:
    """Open cases (not closed, not cancelled, reported by as_of, any month) whose given or
    derived deadline (extended, plus time suspended) is before as_of and that are not
    suspended at as_of, most overdue first, with ``hours_overdue`` (> 0)."""

    def make(v, a: float):
        over = ((a - v.c.due_e) / 3600.0).label("hours_overdue")
        return (
            select(*[v.c[c] for c in CARD_COLUMNS], v.c.due_e, cast(over, Double))
            .where(overdue_at(v, a), v.c.rep_e <= a)
            .order_by(v.c.due_e, v.c.case_id)  # the most overdue first, by the deadline's index
            .limit(limit)
            .offset(offset)
        )

    return _with_deadline(_open_run(engine, sel, make))


def overdue_case(engine: Engine, sel: Selection, case_id: str) -> bool:
    """Whether ``case_id`` is a red card of ``sel``: open, reported by as_of, its deadline
    (extended, plus time suspended) before as_of and not suspended at as_of."""
    coh = _open_cohort(engine, sel.within(None))
    v = coh.cte
    stmt = select(func.count()).where(
        v.c.case_id == case_id, overdue_at(v, coh.as_of_e), v.c.rep_e <= coh.as_of_e
    )
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one() > 0


def yellow_cards(
    engine: Engine,
    sel: Selection,
    *,
    within_hours: float = DUE_SOON_HOURS,
    limit: int | None = 1000,
    offset: int = 0,
) -> pd.DataFrame:
    """Open cases not suspended at as_of whose deadline falls in [as_of, as_of +
    within_hours], soonest first, with ``hours_left`` (≥ 0)."""

    def make(v, a: float):
        left = ((v.c.due_e - a) / 3600.0).label("hours_left")
        return (
            select(*[v.c[c] for c in CARD_COLUMNS], v.c.due_e, cast(left, Double))
            .where(
                v.c.due_e >= a,
                v.c.due_e <= a + within_hours * 3600.0,
                v.c.held == 0,
                v.c.rep_e <= a,
            )
            .order_by(v.c.due_e, v.c.case_id)
            .limit(limit)
            .offset(offset)
        )

    return _with_deadline(_open_run(engine, sel, make))


def _named(u, keys: Sequence[str]) -> list:
    """Rows of units named at ``keys``' finest level (as the cases' queries keep them)."""
    return [u.c[keys[-1]].is_not(None)] if keys else []


def _with_deadline(frame: pd.DataFrame) -> pd.DataFrame:
    due = frame.pop("due_e")
    frame.insert(len(CARD_COLUMNS), "deadline", pd.to_datetime([from_epoch(x) for x in due]))
    return frame


def ageing(
    engine: Engine,
    sel: Selection,
    *,
    by: str | None = None,
) -> pd.DataFrame:
    """Open cases by age since reported (AGE_BUCKETS), per unit of ``by`` when given:
    columns = keys, bucket, open_cases, overdue. Empty buckets are listed with 0."""
    keys = list(level_keys(by)) if by else []

    def make(v, a: float):
        bucket = age_bucket(v.c.rep_e, a).label("bucket")
        inner = select(*[v.c[k] for k in keys], bucket, overdue_at(v, a).label("late")).where(
            v.c.rep_e <= a
        )
        if keys:
            inner = inner.where(
                v.c[keys[-1]].is_not(None), *own_rows(v.c.department, keys, sel.scope_map)
            )
        # OFFSET 0 keeps PostgreSQL from merging this query into the one below: else it
        # would compute the bucket and the deadline in each of the twelve counts (0.8
        # against 3.1 s).
        s = inner.offset(0).subquery("s")
        # One row per unit with a count per bucket: grouped by the units alone, PostgreSQL
        # hashes them (grouped by an age bucket too, it cannot tell there are six and sorts
        # every open case, on disk: twice the time at 860,000 open cases).
        counts = []
        for i in range(len(AGE_BUCKETS)):
            mine = s.c.bucket == i
            counts.append(cast(func.count().filter(mine), BigInteger).label(f"open_{i}"))
            late = cast(func.count().filter(mine & s.c.late), BigInteger)
            counts.append(late.label(f"late_{i}"))
        return select(*[s.c[k] for k in keys], *counts).group_by(*[s.c[k] for k in keys])

    def summed(u):
        counts = []
        for i in range(len(AGE_BUCKETS)):
            for name, col in ((f"open_{i}", u.c.open_cases), (f"late_{i}", u.c.late)):
                n = func.coalesce(func.sum(col).filter(u.c.bucket == i), 0)
                counts.append(cast(n, BigInteger).label(name))
        unit = [u.c[k] for k in keys]
        return select(*unit, *counts).where(*_named(u, keys)).group_by(*unit)

    wide = _open_run(engine, sel, make, keys, summed)
    got = pd.concat(
        [
            wide[keys].assign(bucket=name, open_cases=wide[f"open_{i}"], overdue=wide[f"late_{i}"])
            for i, name in enumerate(AGE_BUCKETS)
        ],
        ignore_index=True,
    )
    units = got[keys].drop_duplicates() if keys else pd.DataFrame(index=[0])
    grid = units.merge(pd.DataFrame({"bucket": AGE_BUCKETS}), how="cross")
    out = grid.merge(got, on=[*keys, "bucket"], how="left")
    out[["open_cases", "overdue"]] = out[["open_cases", "overdue"]].fillna(0).astype("int64")
    out["bucket"] = pd.Categorical(out["bucket"], categories=AGE_BUCKETS, ordered=True)
    out = out.sort_values([*keys, "bucket"]).reset_index(drop=True)
    out.attrs.update(wide.attrs)
    return out


def overdue_counts(
    engine: Engine,
    sel: Selection,
    *,
    within_hours: float = DUE_SOON_HOURS,
) -> pd.DataFrame:
    """Per unit of ``sel.level`` (department, street, …): open_cases, overdue (red cards),
    due_soon (yellow cards) and max_hours_overdue (NaN when none), most overdue first."""
    keys = list(level_keys(sel.level))

    def make(v, a: float):
        # Each open case's deadline and suspension once (OFFSET 0: see ageing), then counted.
        s = (
            select(*[v.c[k] for k in keys], v.c.due_e, v.c.held)
            .where(
                v.c.rep_e <= a,
                *([v.c[keys[-1]].is_not(None)] if keys else []),
                *own_rows(v.c.department, keys, sel.scope_map),
            )
            .offset(0)
            .subquery("s")
        )
        late = overdue_at(s, a)
        soon = (s.c.due_e >= a) & (s.c.due_e <= a + within_hours * 3600.0) & (s.c.held == 0)
        hours = case((late, (a - s.c.due_e) / 3600.0))
        return select(
            *[s.c[k] for k in keys],
            cast(func.count(), BigInteger).label("open_cases"),
            cast(func.sum(case((late, 1), else_=0)), BigInteger).label("overdue"),
            cast(func.sum(case((soon, 1), else_=0)), BigInteger).label("due_soon"),
            cast(func.max(hours), Double).label("max_hours_overdue"),
        ).group_by(*[s.c[k] for k in keys])

    def summed(u):
        unit = [u.c[k] for k in keys]
        return (
            select(
                *unit,
                cast(func.coalesce(func.sum(u.c.open_cases), 0), BigInteger).label("open_cases"),
                cast(func.sum(u.c.late), BigInteger).label("overdue"),
                cast(func.sum(u.c.soon), BigInteger).label("due_soon"),
                cast(func.max(u.c.max_late_h), Double).label("max_hours_overdue"),
            )
            .where(*_named(u, keys))
            .group_by(*unit)
        )

    kept = summed if within_hours == DUE_SOON_HOURS else None  # the window the cube counts
    out = _open_run(engine, sel, make, keys, kept)
    noted = out.attrs.copy()
    out = out.sort_values(["overdue", *keys], ascending=[False] + [True] * len(keys))
    out = out.reset_index(drop=True)
    out.attrs.update(noted)
    return out
