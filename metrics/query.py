"""KPI tables by unit and period, built with SQLAlchemy Core and computed by the database."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Double,
    Engine,
    Float,
    Integer,
    Numeric,
    and_,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from caselog.columns import PARTY
from caselog.party import involves
from caselog.schema import cases, grids
from caselog.store import read_version
from metrics import pgcopy
from metrics.cohort import (
    MEANS,
    Cohort,
    build_cohort,
    duration_median,
    duration_ms,
    kept,
    mean_of,
    points_sum,
    predicates,
    satisfaction_parts,
)
from metrics.cube import cache
from metrics.cube import query as cubequery
from metrics.cube import store as cubes
from metrics.errors import UnitError
from metrics.known import Known, any_appeals, case_source, known_at, rating_source
from metrics.party import cubable, own_rows
from metrics.period import Period, parse_as_of
from metrics.registry import KPIS, LEVELS, LOCATION_LEVELS, Kpi, kpi, measure
from metrics.rules import RuleSet
from metrics.selection import Selection
from metrics.workdays import calendar_note

TIMESTAMP_COLUMNS = (
    "reported_at",
    "accepted_at",
    "dispatched_at",
    "responded_at",
    "resolved_at",
    "closed_at",
)


def latest_timestamp(engine: Engine, known: datetime | Known | None = None) -> datetime | None:
    """The latest case timestamp in the store over all event columns (None when empty), of
    the cases as known at ``known`` (city wall-clock or resolved, metrics.known; None: now).
    A PostgreSQL store's newest data answers from what its KPI cube's build recorded, or
    from the tally recounted after its last load."""
    src = case_source(known_at(engine, known))
    with engine.connect() as conn:
        if known is None and engine.dialect.name == "postgresql":
            from metrics.cube import pg

            recorded = pg.latest(conn)
            if recorded is not None:
                return recorded
            from caselog import tally

            recorded = tally.latest(conn)  # the counts kept after each load
            if recorded is not None:
                return recorded
        row = conn.execute(select(*[func.max(src.c[n]) for n in TIMESTAMP_COLUMNS])).one()
    found = [t for t in row if t is not None]
    return max(found) if found else None


def resolve_as_of(
    engine: Engine,
    as_of: str | datetime | None,
    period: Period | None,
    known: datetime | Known | None = None,
) -> datetime:
    """The instant open cases are judged at: ``as_of`` when given, else the latest case
    timestamp (of the data as known at ``known``); an empty store falls back to the end
    of the period (never the clock)."""
    parsed = parse_as_of(as_of, _timezone(engine))
    if parsed is not None:
        return parsed
    latest = latest_timestamp(engine, known)
    if latest is not None:
        return latest
    return period.bounds()[1] if period else datetime(1970, 1, 1)


def _timezone(engine: Engine) -> str | None:
    from caselog import get_timezone

    try:
        return get_timezone(engine)
    except Exception:  # an unmigrated store has no settings yet
        return None


def check_scope(engine: Engine, sel: Selection) -> None:
    """Raise UnitError (one sentence) when the selection's scope names an area that no case
    and no grid of the store has (with a party, no case of that department); the whole city
    always exists."""
    if not sel.scope:
        return
    party = [involves(cases.c, v) for k, v in sel.scope if k == PARTY]
    areas = [(k, v) for k, v in sel.scope if k != PARTY]
    found = []
    for table in (cases, grids):
        conds = [table.c[k] == v for k, v in areas]
        if party:  # grids name no department
            conds = [*conds, *party] if table is cases else [literal(False)]
        found.append(select(literal(1)).select_from(table).where(*conds).limit(1).exists())
    with engine.connect() as conn:
        if not conn.execute(select(found[0] | found[1])).scalar():
            raise UnitError(f"The scope {sel.scope_path!r} is not an area of this store.")


def level_keys(by: str) -> tuple[str, ...]:
    """The key columns of a unit level; UnitError (one sentence) for an unknown level."""
    if by not in LEVELS:
        raise UnitError(f"The unit {by!r} is not one of {', '.join(LEVELS)}.")
    return LEVELS[by]


def kpis_for(by: str, only: Sequence[str] | None = None) -> list[Kpi]:
    """The non-derived KPIs computed for a level (department-only ones for departments),
    restricted to those ``only`` names or that its derived KPIs are computed from."""
    if only is not None:
        wanted = _expand(only)
        return [k for k in kpis_for(by) if k.id in wanted]
    return [
        k
        for k in KPIS
        if k.kind != "derived"
        and (by == "department" or not k.department_only)
        and (by in LOCATION_LEVELS or k.denominator != "households")
    ]


def _expand(names: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        try:
            k = kpi(name)
        except KeyError:
            raise UnitError(f"The KPI {name!r} is not in the registry.") from None
        out.add(name)
        out |= _expand(k.inputs)
    return out


def kpi_table(engine: Engine, sel: Selection, *, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """Every non-derived KPI per unit of ``sel.level`` for cases reported in ``sel.period``,
    inside ``sel.scope``, under ``sel.rules``, judged at ``sel.as_of``.

    One row per unit (units known only from the grids table, or departments only rated,
    appear with cases = 0); the key columns first, then each KPI, and for ratios
    ``<id>_num`` / ``<id>_den``. Rates are fractions 0–1 and NaN when the denominator
    is 0; medians NaN when nothing qualifies; rating_mean NaN without ratings.
    ``kpis`` limits the work to those KPIs (and the inputs of derived ones). ``attrs``:
    as_of, period, rules, by, and the years whose working-day deadlines rest on statutory
    holidays only (``assumed_years``) with their one-line ``calendar_note`` ('' if none).
    """
    if hasattr(engine, "kpi_table"):  # a lake on Spark (lake.spark): the same statement there
        return engine.kpi_table(sel, kpis=kpis)
    by, p, r, scope = sel.level, sel.period, sel.rules, sel.scope_map
    keys = level_keys(by)
    known = known_at(engine, sel.as_known_at)
    moment = resolve_as_of(engine, sel.as_of, p, known)
    dialect = engine.dialect.name
    coh = build_cohort(
        dialect,
        r,
        moment,
        period=p,
        scope=scope,
        known_at=known,
        appeals=any_appeals(engine, known),
    )
    frame = run_cubed(
        engine,
        lambda cube: unit_select(
            coh, dialect, by, keys, scope=scope, kpis=kpis, cube=cube, period=p
        ),
        r,
        moment,
        known,
        scope,
        level=by,
    )
    return finish_table(frame, keys, coh, moment, sel)


def finish_table(
    frame: pd.DataFrame, keys: Sequence[str], coh: Cohort, moment: datetime, sel: Selection
) -> pd.DataFrame:
    """A KPI table as fetched, sorted by its keys, with kpi_table's ``attrs``."""
    if keys:  # sort here: string collation differs between the databases
        frame = frame.sort_values(list(keys), kind="stable").reset_index(drop=True)
    years = coh.assumed_years
    frame.attrs.update(
        as_of=moment,
        period=sel.period,
        rules=sel.rules,
        by=sel.level,
        assumed_years=years,
        calendar_note=calendar_note(years),
    )
    return frame


def unit_select(
    coh: Cohort,
    dialect: str,
    by: str,
    keys: Sequence[str],
    *,
    extra_keys: Sequence[str] = (),
    scope: Mapping[str, str] | None = None,
    kpis: Sequence[str] | None = None,
    cube: cubes.Cube | None = None,
    period: Period | None = None,
    bucket: str | None = None,
):
    """The SELECT computing every non-derived KPI of ``by`` grouped by ``keys`` + ``extra_keys``.

    With ``cube`` (and the cohort's ``period``) the measures come from the cube instead of
    the cases; ``bucket`` (day, week, month) is then the cube's form of ``extra_keys=["ds"]``."""
    v = coh.cte
    group = [*keys, *extra_keys]
    wanted = kpis_for(by, kpis)
    names = _case_measures(wanted)
    if cube is not None:
        a = cubequery.measures(cube, by, period, scope, names, coh.rules, bucket).subquery("a")
    else:
        preds = predicates(v, coh.as_of_e, coh.rules)
        agg_cols = [_aggregate(n, preds[n], dialect, v, coh.rules).label(n) for n in names]
        where = [v.c[keys[-1]].is_not(None)] if keys else []
        where += own_rows(v.c.department, keys, scope)
        by_group = [v.c[k] for k in group]
        a = select(*by_group, *agg_cols).where(*where).group_by(*by_group).subquery("a")
    sides = [a]
    h = r = None
    ids = {k.id for k in wanted}
    if by in LOCATION_LEVELS and not extra_keys and "volume_per_1k_households" in ids:
        h = _households(keys, scope).subquery("h")
        sides.append(h)
    if by == "department" and not extra_keys and "rating_mean" in ids:
        rated = cubequery.ratings(cube, period, scope) if cube else _ratings(v, coh, scope)
        r = rated.subquery("r")
        sides.append(r)
    frm = a
    for other in sides[1:]:
        if group:
            # Null-safe key match that PostgreSQL can hash-join (FULL JOIN needs one).
            on = and_(*[func.coalesce(a.c[k], "") == func.coalesce(other.c[k], "") for k in group])
        else:
            on = literal(True)
        frm = frm.join(other, on, full=True)
    key_cols = [func.coalesce(*[s.c[k] for s in sides]).label(k) for k in group]
    src = {n: a.c[n] for n in names}
    if h is not None:
        src["households"] = h.c.households
    if r is not None:
        src["rating_score"] = r.c.rating_score
    out: list[ColumnElement] = [*key_cols]
    for k in wanted:
        out += _kpi_columns(k, src)
    if r is not None:
        out.append(func.coalesce(r.c.rating_count, 0).label("rating_count"))
    if h is not None:
        out.append(cast(h.c.households, BigInteger).label("households"))
    # No ORDER BY: callers sort in pandas, as string collation differs between databases.
    return select(*out).select_from(frm)


def _case_measures(wanted: list[Kpi]) -> list[str]:
    names: list[str] = []
    for k in wanted:
        for n in (k.numerator, k.denominator):
            if n and n not in names and n not in ("households", "rating_score"):
                names.append(n)
    return names


def _aggregate(name: str, pred: ColumnElement, dialect: str, v, rules: RuleSet) -> ColumnElement:
    if name == "satisfaction_points":
        full, basic = satisfaction_parts(v)
        return points_sum(_count(full), _count(basic), rules)
    agg = measure(name).agg
    if agg == "count":
        return _count(pred)
    if agg == "sum":
        return cast(func.coalesce(func.sum(pred), 0.0), Double)
    if agg == "median":
        return cast(duration_median(v, name, dialect), Double)
    if agg == "mean":
        ms = duration_ms(v, MEANS[name])
        return cast(mean_of(func.sum(ms), func.count(ms), name), Double)
    raise ValueError(name)


def _count(pred: ColumnElement) -> ColumnElement:
    # A NULL predicate (unknown timestamps) casts to NULL and is not counted.
    return cast(func.sum(cast(pred, Integer)), BigInteger)


def _kpi_columns(k: Kpi, src: dict[str, ColumnElement]) -> list[ColumnElement]:
    num = src.get(k.numerator)
    if k.kind == "count":
        return [func.coalesce(num, 0).label(k.id)]
    if k.kind in ("median", "mean"):
        return [cast(num, Double).label(k.id)]
    den = src.get(k.denominator)
    num_v = func.coalesce(num, 0)
    den_v = func.coalesce(den, 0)
    value = cast(num_v, Double) * k.scale / func.nullif(cast(den_v, Double), 0.0, type_=Double)
    return [value.label(k.id), num_v.label(f"{k.id}_num"), den_v.label(f"{k.id}_den")]


def _households(keys: Sequence[str], scope: Mapping[str, str] | None):
    g = grids.c
    conds = [g[k].is_not(None) for k in keys[-1:]]
    for key, value in (scope or {}).items():
        if key in ("district", "street", "community", "grid_id"):
            conds.append(g[key] == str(value).replace("\x00", ""))  # as in build_cohort
        else:  # a department/category scope says nothing about households
            conds.append(literal(False))
    stmt = select(*[g[k] for k in keys], func.sum(g.households).label("households")).where(*conds)
    return stmt.group_by(*[g[k] for k in keys]) if keys else stmt


def _ratings(v, coh: Cohort, scope: Mapping[str, str] | None = None):
    """Mean score and count per rated department, over the cohort's cases that no appeal
    excludes, the ratings as known at the cohort's moment (under a party scope: the ratings
    of that department only, never of the others rated on its cases)."""
    rated = rating_source(coh.known_at)
    rt = rated.c
    return (
        select(
            rt.department,
            cast(func.avg(rt.score), Double).label("rating_score"),
            cast(func.count(), BigInteger).label("rating_count"),
        )
        .select_from(rated.join(v, rt.case_id == v.c.case_id))
        .where(kept(v), *own_rows(rt.department, ("department",), scope))
        .group_by(rt.department)
    )


@contextmanager
def reading(engine: Engine, rules: RuleSet | None = None, moment: datetime | None = None):
    """A connection, the data version it sees, and — given ``rules`` and ``moment`` — the
    KPI cube kept for that version, rules and as_of attached to it (metrics.cube.store; in a
    PostgreSQL store the one built at the data's current stamp, metrics.cube.pg), or None
    (no cube, or one that cannot be opened: the cases answer)."""
    with engine.connect() as conn:
        version = read_version(engine)
        found = None
        if rules is not None and (version or engine.dialect.name == "postgresql"):
            found = cubes.find(engine, rules, moment, version=version, conn=conn)
            if found is not None:
                try:
                    cubes.attach(conn, found)
                except cubes.CubeGone:
                    found = None
        yield conn, version, found


def run_cubed(
    engine: Engine,
    make,
    rules: RuleSet,
    moment: datetime,
    known: Known | None = None,
    scope: Mapping[str, str] | None = None,
    *,
    level: str | None = None,
) -> pd.DataFrame:
    """``make(cube)`` run over the KPI cube kept for this data, rules and as_of where there is
    one, else ``make(None)`` over the cases: the same frame either way. The cube holds the
    newest versions only: data as known at a past moment (``known_at``) read the cases; it
    has no party dimension: a department account's ``scope`` reads the cases too, and no
    request_type dimension: a ``level`` it does not cover reads the cases."""
    covered = level is None or cubes.covers(level)
    use = rules if known is None and cubable(scope) and covered else None
    with reading(engine, use, moment) as (conn, version, found):
        return fetch(engine, conn, version, make(found), cube=found)


def run(engine: Engine, stmt, keep: bool = True) -> pd.DataFrame:
    """Execute a statement and return a DataFrame (see :func:`fetch`)."""
    with reading(engine) as (conn, version, _):
        return fetch(engine, conn, version, stmt, keep)


def fetch(
    engine: Engine, conn, version: str | None, stmt, keep: bool = True, *, cube=None
) -> pd.DataFrame:
    """Execute a statement on ``conn`` and return a DataFrame (numeric columns as float/int,
    NULL → NaN).

    On DuckDB the result is fetched column-wise into pandas (no per-row Python objects); on
    PostgreSQL too, through COPY, when every column is a number or text (metrics.pgcopy). On a
    read-only DuckDB engine a slow result is kept on disk until the next write to the store
    (metrics.cube.cache, under ``version``), and the same statement is answered from there —
    unless ``keep`` is False (rows per case, which are quicker to fetch again than to keep).
    In a PostgreSQL store a slow result over its KPI ``cube`` is kept in the cube's schema
    (metrics.cube.pg.keep) until the data's next write."""
    if engine.dialect.name == "postgresql":
        return _fetch_pg(engine, conn, stmt, cube if keep else None, per_case=not keep)
    key = cache.key_of(engine, stmt) if version and keep else None
    if key:
        kept = cache.load(engine, version, key)
        if kept is not None:
            return kept
    started = time.perf_counter()
    result = conn.execute(stmt)
    if engine.dialect.name == "duckdb":
        frame = result.cursor.df()  # typed columns already, NULL → NaN/None
        if key and time.perf_counter() - started >= cache.SLOW:
            cache.keep(engine, version, key, frame)
        return frame
    return _rows(result, stmt)


def _fetch_pg(engine: Engine, conn, stmt, cube, *, per_case: bool) -> pd.DataFrame:
    """:func:`fetch` on PostgreSQL: as one row or through COPY where it can (rows
    ``per_case`` through COPY), rows otherwise; kept in ``cube``."""
    from metrics.cube import pg as pgcube

    key = cache.key_of(engine, stmt) if cube is not None else None
    if key:
        found = pgcube.kept(conn, cube, key)
        if found is not None:
            return found
    started = time.perf_counter()
    frame = pgcopy.frame(conn, stmt, per_case=per_case)
    if frame is None:
        frame = _rows(conn.execute(stmt), stmt)
    if key and time.perf_counter() - started >= cache.SLOW:
        pgcube.keep(engine, cube, key, frame)
    return frame


def _rows(result, stmt) -> pd.DataFrame:
    """A result fetched row by row, its number columns made numeric."""
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    declared = _numeric_columns(stmt)
    for col in frame.columns:
        values = frame[col]
        if values.dtype == object and (
            col in declared or (values.notna().any() and values.map(_is_number).all())
        ):
            # an all-NULL rate is NaN as on DuckDB, not a column of None (contract §4)
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def _numeric_columns(stmt) -> set[str]:
    """Names of the statement's columns declared as numbers (SQLAlchemy types)."""
    selected = getattr(stmt, "selected_columns", ())
    return {
        c.key
        for c in selected
        if isinstance(c.type, Float | Numeric | Integer) and c.key is not None
    }


def _is_number(x) -> bool:
    return x is None or (isinstance(x, int | float) and not isinstance(x, bool))
