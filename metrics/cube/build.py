"""Building the KPI cube (metrics.cube.store) from the cases, once per data version and rules."""

from __future__ import annotations

import os
import threading
from datetime import date, datetime
from pathlib import Path

import duckdb
from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Engine,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    and_,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    union,
    values,
)

from caselog.schema import cases, ratings
from caselog.store import read_version
from metrics.cohort import (
    age_bucket,
    build_cohort,
    duration_seconds,
    kept,
    km_inputs,
    overdue_at,
    predicates,
    satisfaction_parts,
    whole_ms,
)
from metrics.cube import cache, km
from metrics.cube.query import day_number, next_month
from metrics.cube.store import (
    COUNTS,
    DIMS,
    DUE_SOON_HOURS,
    KEEP,
    KM_TABLE,
    LEVEL_DIM,
    MONTH_LEVELS,
    OPEN,
    OPEN_COLUMNS,
    OPEN_UNIT_KEYS,
    OPEN_UNITS,
    SPAN_START,
    SUM_TABLE,
    VALUES,
    YEAR_VALUES,
    cube_file,
    fingerprint,
    key_columns,
    tables,
)
from metrics.dialect import epoch, median, split_list, trunc
from metrics.known import any_appeals
from metrics.rules import RuleSet, load_rules


def build(
    engine: Engine, rules: RuleSet | str | None = None, *, as_of: datetime | None = None
) -> Path | str | None:
    """Build (once per data version) the cube for ``rules``' time limits and ``as_of``
    (default: the store's latest case timestamp, as every page judges); return its file.

    None where nothing can be kept: engines other than a read-only DuckDB one, an empty
    store, a writer waiting for the file, a result folder that cannot be written. A cube
    another process finished first is used as it is. A PostgreSQL store keeps its cube in
    the database (metrics.cube.pg.build; then no file is returned)."""
    if engine.dialect.name == "postgresql":
        from metrics.cube import pg

        return pg.build(engine, rules, as_of=as_of)
    if engine.dialect.name != "duckdb":
        return None
    r = load_rules(rules)
    with engine.connect() as conn:
        version = read_version(engine)
        folder = cache.version_folder(engine, version, create=True) if version else None
        if folder is None:
            return None
        span = conn.execute(select(func.min(cases.c.reported_at), func.max(cases.c.reported_at)))
        first, last = span.one()
        if first is None:
            return None
        if as_of is None:
            from metrics.query import TIMESTAMP_COLUMNS

            row = conn.execute(select(*[func.max(cases.c[n]) for n in TIMESTAMP_COLUMNS])).one()
            as_of = max(x for x in row if x is not None)
        fp = fingerprint(r, as_of)
        final = cube_file(folder, fp)
        if final.exists():
            return final
        _make_room(folder)
        spare = folder / f".cube-{fp[:16]}-{os.getpid()}-{threading.get_ident()}.duckdb"
        scratch = Path(f"{spare}.scratch")  # every case's columns once, on disk, not in memory
        alias = f"gp_build_{fp[:12]}_{os.getpid()}_{threading.get_ident()}"
        conn.commit()  # the build's statements run on the driver's connection, autocommitted
        raw = conn.connection.driver_connection
        try:
            raw.execute(f"ATTACH '{_quoted(spare)}' AS {alias} (READ_WRITE)")
            raw.execute(f"ATTACH '{_quoted(scratch)}' AS {alias}_s (READ_WRITE)")
            try:
                days = (first.date(), last.date())
                appealed = any_appeals(engine, None)
                steps = statements(alias, f"{alias}_s", r, as_of, days, appealed, "duckdb")
                for name, stmt in steps:
                    sql = stmt.compile(
                        dialect=engine.dialect, compile_kwargs={"literal_binds": True}
                    )
                    into = f"{alias}_s" if name == ALL else alias
                    raw.execute(f"CREATE TABLE {into}.{name} AS {sql}")
                _keep_km(raw, alias)
            finally:
                raw.execute(f"DETACH DATABASE IF EXISTS {alias}_s")
                raw.execute(f"DETACH DATABASE IF EXISTS {alias}")
            os.replace(spare, final)
        except (duckdb.Error, OSError):
            return None
        finally:
            for leftover in (spare, scratch):
                leftover.unlink(missing_ok=True)
                Path(f"{leftover}.wal").unlink(missing_ok=True)
    return final


def _keep_km(raw, alias: str) -> None:
    """The cube's Kaplan–Meier figures per department, year and month (metrics.cube.km),
    from its val_km rows."""
    rows = raw.execute(
        f"SELECT k_department, day, t, e FROM {alias}.val_km"
        " WHERE k_department IS NOT NULL ORDER BY k_department, t"
    ).fetchnumpy()
    kept = km.figures(rows["k_department"], rows["day"], rows["t"], rows["e"])
    view = f"{alias}_km"
    raw.register(view, kept)
    try:
        raw.execute(f"CREATE TABLE {alias}.{KM_TABLE} AS SELECT * FROM {view}")
    finally:
        raw.unregister(view)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _make_room(folder: Path) -> None:
    kept = sorted(folder.glob("cube-*.duckdb"), key=lambda p: p.stat().st_mtime)
    for old in kept[: max(0, len(kept) - KEEP + 1)]:
        old.unlink(missing_ok=True)


def statements(
    alias: str,
    scratch: str,
    rules: RuleSet,
    as_of: datetime,
    days: tuple[date, date],
    appeals: bool,
    dialect: str,
):
    """(table name, SELECT) in build order, for a cube in ``dialect``'s database; later ones
    read the cube's earlier tables. The table named ``ALL`` goes to the ``scratch`` database
    or schema (every case's columns, read once from the cases), from which the cube's
    per-case tables are cut. DuckDB keeps per-case rows sorted by unit and value (its zone
    maps skip the rest); PostgreSQL by district and day (PG_ORDER), for the block-range
    indexes of metrics.cube.pg."""
    t = tables(alias)
    for d, cols in DIMS.items():
        yield f"dim_{d}", _dimension(d, cols, dialect)
    coh = build_cohort(dialect, rules, as_of, days=days, appeals=appeals)
    v = coh.cte
    pr = predicates(v, coh.as_of_e, rules)
    flags = {m: pr[m] for m in COUNTS if m in pr}
    flags["sat_full"], flags["sat_basic"] = satisfaction_parts(v)
    km_seconds, km_event = km_inputs(v, coh.as_of_e)
    frm, keys = _keyed(v, t)
    flag_cols = [
        cast(func.coalesce(cast(flags[m], Integer), 0), SmallInteger).label(f"f_{m}")
        for m in COUNTS
    ]
    year_start = func.date_trunc(literal_column("'year'"), v.c.reported_at)
    quarter_start = func.date_trunc(literal_column("'quarter'"), v.c.reported_at)
    yield (
        ALL,
        select(
            *keys,
            *_days(v, dialect),
            cast(func.floor(epoch(year_start, dialect) / 86400.0), Integer).label("yday"),
            cast(func.floor(epoch(quarter_start, dialect) / 86400.0), Integer).label("qday"),
            *flag_cols,
            *[cast(duration_seconds(v, n), Double).label(n) for n in VALUES],
            cast(km_seconds, Double).label("km_seconds"),
            cast(km_event, SmallInteger).label("km_event"),
        ).select_from(frm),
    )
    yield (
        OPEN,
        select(
            *[v.c[c] for c in OPEN_COLUMNS],
            v.c.rep_e,
            cast(v.c.due_e, Double).label("due_e"),
            cast(v.c.held, SmallInteger).label("held"),
        )
        .where(v.c.closed_at.is_(None), v.c.rep_e <= coh.as_of_e)
        .order_by(v.c.due_e, v.c.case_id),
    )
    yield OPEN_UNITS, _open_units(t[OPEN], coh.as_of_e)
    every = _all_table(scratch)
    key_cols = [every.c[f"k_{d}"] for d in DIMS]
    pg_order = [every.c[c] for c in PG_ORDER] if dialect == "postgresql" else None
    yield (
        "facts",
        select(*key_cols, every.c.day, every.c.mday, *[every.c[f"f_{m}"] for m in COUNTS]).order_by(
            *(pg_order or [every.c.day])
        ),
    )
    f = t["facts"]
    for level in MONTH_LEVELS:
        sums = [cast(func.sum(f.c[f"f_{m}"]), BigInteger).label(f"n_{m}") for m in COUNTS]
        if level == "city":
            yield "month_city", select(f.c.mday, *sums).group_by(f.c.mday)
            daily = select(f.c.day, f.c.mday, *sums).group_by(f.c.day, f.c.mday)
            yield "day_city", daily.order_by(f.c.day)
            continue
        k = f.c[f"k_{LEVEL_DIM[level]}"]
        yield (
            f"month_{level}",
            select(k.label("k"), f.c.mday, *sums).where(k.is_not(None)).group_by(k, f.c.mday),
        )
    yield from _span_sums(t, days)
    for name in VALUES:
        value = every.c[name]
        yield (
            f"val_{name}",
            select(*key_cols, every.c.day, every.c.mday, value.label("v"))
            .where(value.is_not(None))
            .order_by(*(pg_order or [every.c.k_grid, value])),
        )
    for level in MONTH_LEVELS:
        yield f"year_{level}", _span_values(every, level, "year", dialect)
        yield f"qdur_{level}", _span_values(every, level, "quarter", dialect)
        yield f"mdur_{level}", _span_values(every, level, "month", dialect)
    km = every.c.km_seconds
    yield (
        "val_km",
        select(*key_cols, every.c.day, km.label("t"), every.c.km_event.label("e"))
        .where(km.is_not(None))
        .order_by(*(pg_order or [every.c.k_department, km])),
    )
    yield "ratings_f", _ratings_facts(v, t, dialect)
    yield "assist_f", _assist_facts(v, t, dialect)
    # whistle cases and assists per department and month: whole months and years add them up
    whistle = t["dim_source"].c
    yield (
        "whistle_month",
        select(
            f.c.k_department.label("k"),
            f.c.mday,
            cast(func.count(), BigInteger).label("whistle_cases"),
            cast(func.sum(f.c.f_response_ok), BigInteger).label("w_ok"),
            cast(func.sum(f.c.f_response_due), BigInteger).label("w_due"),
        )
        .where(
            f.c.k_department.is_not(None),
            f.c.k_source.in_(select(whistle.key).where(whistle.source == literal("whistle"))),
        )
        .group_by(f.c.k_department, f.c.mday),
    )
    a = t["assist_f"]
    yield (
        "assist_month",
        select(a.c.k_assist.label("k"), a.c.mday, cast(func.count(), BigInteger).label("n"))
        .where(a.c.k_assist.is_not(None))
        .group_by(a.c.k_assist, a.c.mday),
    )


ALL = "every_case"  # the build's scratch table
#: PostgreSQL's order of per-case rows: each district's days in a run of blocks, so a
#: block-range index on both finds a month of the city (a run per district) or a district's
#: period (its own run) without reading the rest.
PG_ORDER = ("k_district", "day")


def _span_sums(t: dict[str, Table], days: tuple[date, date]):
    """Per unit of every level: its monthly sums added up per calendar year (ysum_<level>)
    and quarter (qsum_<level>), each month placed by a list of the months in ``days``."""
    rows = []
    month = date(days[0].year, days[0].month, 1)
    while month <= days[1]:
        quarter = date(month.year, month.month - (month.month - 1) % 3, 1)
        rows.append(tuple(day_number(d) for d in (month, quarter, date(month.year, 1, 1))))
        month = next_month(month)
    cols = [column(SPAN_START[s], Integer) for s in ("month", "quarter", "year")]
    spans = values(*cols, name="spans", literal_binds=True).data(rows)
    for level in MONTH_LEVELS:
        m = t[f"month_{level}"]
        key = [] if level == "city" else [m.c.k]
        sums = [cast(func.sum(m.c[f"n_{x}"]), BigInteger).label(f"n_{x}") for x in COUNTS]
        for span in ("year", "quarter"):
            start = spans.c[SPAN_START[span]]
            frm = m.join(spans, spans.c.mday == m.c.mday)
            stmt = select(*key, start, *sums).select_from(frm).group_by(*key, start)
            yield f"{SUM_TABLE[span]}_{level}", stmt


def _open_units(o: Table, a: float):
    """The open cases counted per street, department and age bucket: open, overdue (late),
    due within DUE_SOON_HOURS (soon) and the most hours overdue, as metrics.supervision
    counts them."""
    s = select(
        *[o.c[k] for k in OPEN_UNIT_KEYS],
        age_bucket(o.c.rep_e, a).label("bucket"),
        overdue_at(o, a).label("late"),
        ((o.c.due_e >= a) & (o.c.due_e <= a + DUE_SOON_HOURS * 3600.0) & (o.c.held == 0)).label(
            "soon"
        ),
        ((a - o.c.due_e) / 3600.0).label("hours"),
    ).subquery("s")
    keys = [s.c[k] for k in OPEN_UNIT_KEYS]
    return select(
        *keys,
        cast(s.c.bucket, SmallInteger).label("bucket"),
        cast(func.count(), BigInteger).label("open_cases"),
        cast(func.count().filter(s.c.late), BigInteger).label("late"),
        cast(func.count().filter(s.c.soon), BigInteger).label("soon"),
        cast(func.max(s.c.hours).filter(s.c.late), Double).label("max_late_h"),
    ).group_by(*keys, s.c.bucket)


def _all_table(scratch: str) -> Table:
    return Table(
        ALL,
        MetaData(schema=scratch),
        *key_columns(),
        Column("day", Integer),
        Column("mday", Integer),
        Column("yday", Integer),
        Column("qday", Integer),
        *[Column(f"f_{m}", SmallInteger) for m in COUNTS],
        *[Column(n, Double) for n in VALUES],
        Column("km_seconds", Double),
        Column("km_event", SmallInteger),
    )


def _span_values(every: Table, level: str, span: str, dialect: str):
    """Per unit of ``level`` and calendar year (``yday``, its first day as a day number),
    quarter (``qday``) or month (``mday``): each median measure's median seconds,
    whole-millisecond sum and count (YEAR_VALUES)."""
    start = every.c[SPAN_START[span]]
    parts = {}
    for name in VALUES:
        v = every.c[name]
        parts |= {
            f"md_{name}": cast(median(v, dialect), Double),
            f"s_{name}": cast(func.sum(whole_ms(v)), BigInteger),
            f"c_{name}": cast(func.count(v), BigInteger),
        }
    values = [parts[c].label(c) for c in YEAR_VALUES]
    if level == "city":
        return select(start, *values).group_by(start)
    k = every.c[f"k_{LEVEL_DIM[level]}"]
    return select(k.label("k"), start, *values).where(k.is_not(None)).group_by(k, start)


def _days(src, dialect: str) -> list:
    """The reported day and the first day of its month, as days since 1970-01-01."""
    return [
        cast(func.floor(src.c.rep_e / 86400.0), Integer).label("day"),
        cast(
            func.floor(epoch(trunc("month", src.c.reported_at), dialect) / 86400.0), Integer
        ).label("mday"),
    ]


def _dimension(d: str, cols: tuple[str, ...], dialect: str):
    c = cases.c
    names = select(*[c[x] for x in cols]).where(c.status != "cancelled", c[cols[-1]].is_not(None))
    if d == "department":
        named = ratings.c.department.is_not(None)
        names = union(names, select(ratings.c.department).where(named), _assist_names(dialect))
    sub = names.distinct().subquery("n") if d != "department" else names.subquery("n")
    order = [sub.c[x] for x in cols]
    return select(cast(func.row_number().over(order_by=order), Integer).label("key"), *order)


def _assist_names(dialect: str):
    """Every trimmed, non-empty name in assist_departments."""
    parts = (
        select(split_list(cases.c.assist_departments, dialect).label("department"))
        .where(cases.c.assist_departments.is_not(None))
        .subquery("p")
    )
    name = func.trim(parts.c.department)
    return select(name.label("department")).where(name != "")


def _keyed(src, t: dict[str, Table]):
    """``src`` (columns named like the case columns) joined to every dimension: the FROM
    clause and the k_<dim> key columns (NULL where the unit's finest name is NULL)."""
    frm = src
    keys = []
    for d, cols in DIMS.items():
        dim = t[f"dim_{d}"].alias(f"d_{d}")
        on = and_(
            *[dim.c[x].is_not_distinct_from(src.c[x]) for x in cols[:-1]],
            dim.c[cols[-1]] == src.c[cols[-1]],
        )
        frm = frm.outerjoin(dim, on)
        keys.append(dim.c.key.label(f"k_{d}"))
    return frm, keys


def _ratings_facts(v, t, dialect: str):
    rt = ratings.c
    src = (
        select(*[v.c[x] for x in _CASE_NAMES], rt.department.label("rated"), rt.score)
        .select_from(ratings.join(v, rt.case_id == v.c.case_id))
        .where(kept(v))  # an appeal's exclusion leaves its ratings out too
        .subquery("rs")
    )
    frm, keys = _keyed(src, t)
    rated = t["dim_department"].alias("d_rated")
    frm = frm.outerjoin(rated, rated.c.department == src.c.rated)
    return select(
        rated.c.key.label("k_rated"),
        *keys,
        *_days(src, dialect),
        cast(src.c.score, Double).label("score"),
    ).select_from(frm)


def _assist_facts(v, t, dialect: str):
    parts = (
        select(
            *[v.c[x] for x in _CASE_NAMES],
            v.c.case_id,
            split_list(v.c.assist_departments, dialect).label("part"),
        )
        .where(v.c.assist_departments.is_not(None))
        .subquery("ap")
    )
    name = func.trim(parts.c.part)
    src = (
        select(*[parts.c[x] for x in _CASE_NAMES], parts.c.case_id, name.label("assist"))
        .where(name != "")
        .distinct()
        .subquery("asrc")
    )
    frm, keys = _keyed(src, t)
    dim = t["dim_department"].alias("d_assist")
    frm = frm.join(dim, dim.c.department == src.c.assist)
    return select(dim.c.key.label("k_assist"), *keys, *_days(src, dialect)).select_from(frm)


_CASE_NAMES = (*dict.fromkeys(c for cols in DIMS.values() for c in cols), "rep_e", "reported_at")
