"""KPI queries answered from the KPI cube, column for column as from the cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from sqlalchemy import BigInteger, Double, and_, cast, func, literal, select, true, union_all

from metrics.cohort import DURATIONS, MEANS, mean_of, points_sum, whole_ms
from metrics.cube.store import (
    COUNTS,
    DIMS,
    KM_TABLE,
    LEVEL_DIM,
    MONTH_LEVELS,
    SCOPE_DIM,
    SPAN_START,
    SPAN_TABLE,
    SUM_TABLE,
    VALUES,
    Cube,
)
from metrics.dialect import median
from metrics.period import Period
from metrics.registry import LEVELS
from metrics.rules import RuleSet

_EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Days since 1970-01-01 (the cube's ``day`` and ``mday``)."""
    return (day - _EPOCH).days


def split(period: Period) -> tuple[tuple[int, int] | None, list[tuple[int, int]]]:
    """The period as (first and last month start of the whole months inside it, or None)
    and the day ranges outside those months (both ends inclusive, day numbers)."""
    first = period.start if period.start.day == 1 else next_month(period.start)
    if (period.end + timedelta(days=1)).day == 1:
        last_end = period.end
    else:
        last_end = period.end.replace(day=1) - timedelta(days=1)
    if first > last_end:
        return None, [(day_number(period.start), day_number(period.end))]
    months = (day_number(first), day_number(last_end.replace(day=1)))
    edges = []
    if period.start < first:
        edges.append((day_number(period.start), day_number(first) - 1))
    if last_end < period.end:
        edges.append((day_number(last_end) + 1, day_number(period.end)))
    return months, edges


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _clean(value) -> str:
    return str(value).replace("\x00", "")  # as metrics.cohort: no stored value holds a NUL


def scope_conditions(cube: Cube, table, scope: Mapping[str, str] | None) -> list:
    """Conditions on a per-case cube table (its k_<dim> columns) for ``scope``; a scope the
    cube cannot apply (a department account's party) is a ValueError, never ignored."""
    conds = []
    for col, value in (scope or {}).items():
        if col not in SCOPE_DIM:
            raise ValueError(f"The KPI cube cannot confine cases to {col!r}; read the cases.")
        d = SCOPE_DIM[col]
        dim = cube.t[f"dim_{d}"]
        keys = select(dim.c.key).where(dim.c[col] == _clean(value))
        if DIMS[d] == (col,):  # one key per name: compared with the key (NULL when none), which
            # PostgreSQL computes first and then looks up in a block-range index
            conds.append(table.c[f"k_{d}"] == keys.scalar_subquery())
        else:  # a street's name (say) may be in more than one district: any of their keys
            conds.append(table.c[f"k_{d}"].in_(keys))
    return conds


def _bucket(table, bucket: str):
    if bucket == "day":
        return table.c.day
    if bucket == "month":
        return table.c.mday
    # ISO weeks start on Monday; 1970-01-01 was a Thursday (weekday 3)
    return table.c.day - ((table.c.day + 3) % 7 + 7) % 7


def measures(
    cube: Cube,
    by: str,
    period: Period,
    scope: Mapping[str, str] | None,
    names: Sequence[str],
    rules: RuleSet,
    bucket: str | None = None,
):
    """The level's key columns (and ``ds``, the bucket's first day as a day number, when
    ``bucket`` is day, week or month), then each measure of ``names``, as metrics.query's
    aggregate subquery over the cases has them, so the outer query is shared. Whole months
    come from the monthly sums (a calendar year's or quarter's from its own) when the scope
    names only the level's own units or coarser ones; edge days, other scopes and buckets
    read the per-case facts. One row per unit with cases in the period."""
    scoped = _scope_level(by, scope, bucket)
    if scoped:  # the city inside one area: that area's row of its own level's sums
        unit = measures(cube, scoped, period, scope, names, rules).subquery("unit")
        return select(*[func.max(unit.c[n]).label(n) for n in names])  # one row, or none
    keys = LEVELS[by]
    d = LEVEL_DIM.get(by) or (by if by in DIMS else None)
    counts = [n for n in names if n in COUNTS]
    summed = list(counts)
    if "satisfaction_points" in names:
        summed += ["sat_full", "sat_basic"]
    d0, d1 = day_number(period.start), day_number(period.end)
    months, edges = split(period)
    scope = dict(scope or {})
    parts = []
    summed_units = bucket is None and by in MONTH_LEVELS and set(scope) <= set(keys)
    span = _kept_span(period, months, edges) if summed_units else None
    if months and summed_units:
        kept = span in ("year", "quarter")  # the span's sums, kept per unit
        m = cube.t[f"{SUM_TABLE[span] if kept else 'month'}_{by}"]
        when = m.c[SPAN_START[span]] == d0 if kept else m.c.mday.between(*months)
        conds = [when, *_units_in(cube, m, d, scope)]
        parts.append(
            select(*([m.c.k] if d else []), *[m.c[f"n_{x}"] for x in summed]).where(*conds)
        )
    else:
        edges = [(d0, d1)]
    f = cube.t["facts"]
    daily = d is None and not scope  # the whole city: its sums per day (a year's series)
    if daily:
        f = cube.t["day_city"]
    for lo, hi in edges:
        conds, cols = _per_case(cube, f, d, (lo, hi), scope, bucket)
        sums = [f.c[f"{'n' if daily else 'f'}_{x}"].label(f"n_{x}") for x in summed]
        parts.append(select(*cols, *sums).where(*conds))
    u = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("u")
    group = ([u.c.k] if d else []) + ([u.c.ds] if bucket else [])
    # A calendar year, quarter or one whole month of a unit level: its sums hold one row per
    # unit already.
    as_is = d is not None and span is not None

    def total(column):
        return column if as_is else func.sum(column)

    aggs = [cast(total(u.c[f"n_{x}"]), BigInteger).label(x) for x in counts]
    if "satisfaction_points" in names:
        points = points_sum(total(u.c.n_sat_full), total(u.c.n_sat_basic), rules)
        aggs.append(points.label("satisfaction_points"))
    sums = select(*group, *aggs)
    sums = (sums if as_is else sums.group_by(*group)).subquery("s")
    frm = sums
    medians = {}
    wanted = {t: [n for n in names if t in (n, MEANS.get(n))] for t in VALUES}
    wanted = {t: w for t, w in wanted.items() if w}
    if span and wanted:  # the kept medians, sums and counts of every durations table
        kept = _kept_durations(cube, by, wanted, period, scope, span).subquery("m_kept")
        found = [(kept, [n for w in wanted.values() for n in w])]
    else:  # one pass over a table of durations for its median and its mean
        found = [
            (_durations(cube, t, w, d, (d0, d1), scope, bucket).subquery(f"m_{t}"), w)
            for t, w in wanted.items()
        ]
    for med, measured in found:
        on = [med.c[c] == sums.c[c] for c in (["k"] if d else []) + (["ds"] if bucket else [])]
        frm = frm.outerjoin(med, and_(*on) if on else true())
        medians |= {name: med.c[name] for name in measured}
    out = []
    if d:
        dim = cube.t[f"dim_{d}"]
        frm = frm.join(dim, dim.c.key == sums.c.k)
        out += [dim.c[k] for k in keys]
    if bucket:
        out.append(sums.c.ds)
    for name in names:
        out.append(medians[name] if name in medians else sums.c[name])
    return select(*out).select_from(frm)


def _scope_level(by: str, scope: Mapping[str, str] | None, bucket: str | None) -> str | None:
    """The location level whose keys the scope names exactly (a district; a district and a
    street; …) when the city's figures are asked inside it, else None."""
    if by != "city" or bucket is not None or not scope:
        return None
    for level in ("district", "street", "community", "grid"):
        if set(scope) == set(LEVELS[level]):
            return level
    return None


def _units_in(cube: Cube, table, d: str | None, scope: Mapping[str, str]) -> list:
    """The condition on a unit-level cube table's key ``k`` for a scope naming the level's
    own units or coarser ones (none without a scope)."""
    if not scope:
        return []
    dim = cube.t[f"dim_{d}"]
    inside = and_(*[dim.c[col] == _clean(v) for col, v in scope.items()])
    return [table.c.k.in_(select(dim.c.key).where(inside))]


def _kept_span(period: Period, months, edges) -> str | None:
    """ "year" for a calendar year, "quarter" for a calendar quarter, "month" for one whole
    month (the spans whose duration medians the cube keeps per unit), else None."""
    y = period.start.year
    if (period.start, period.end) == (date(y, 1, 1), date(y, 12, 31)):
        return "year"
    if not months or edges:
        return None
    if months[0] == months[1]:
        return "month"
    first = period.start
    after = next_month(next_month(next_month(first)))
    return "quarter" if first.month % 3 == 1 and period.end == after - timedelta(days=1) else None


def _kept_durations(cube: Cube, by: str, wanted, period: Period, scope, span: str):
    """As :func:`_durations` for a calendar year or a whole month, from the medians, sums and
    counts the cube keeps per unit and span (year_<level>, mdur_<level>), for every durations
    table and its measures in ``wanted`` at once."""
    y = cube.t[f"{SPAN_TABLE[span]}_{by}"]
    values = []
    for table, names in wanted.items():
        for name in names:
            if name in MEANS:
                value = mean_of(y.c[f"s_{table}"], y.c[f"c_{table}"], name)
            else:
                value = y.c[f"md_{table}"] / DURATIONS[name][1]
            values.append(cast(value, Double).label(name))
    conds = [y.c[SPAN_START[span]] == day_number(period.start)]
    key = [] if by == "city" else [y.c.k]
    return select(*key, *values).where(*conds, *_units_in(cube, y, LEVEL_DIM.get(by), scope))


def _per_case(cube: Cube, table, d: str | None, days, scope, bucket) -> tuple[list, list]:
    """Conditions on a per-case cube table (the days, the scope, a unit of dimension ``d``)
    and its grouping columns (``k``, the unit's key; ``ds``, the bucket)."""
    conds = [table.c.day.between(*days), *scope_conditions(cube, table, scope)]
    cols = []
    if d:
        conds.append(table.c[f"k_{d}"].is_not(None))
        cols.append(table.c[f"k_{d}"].label("k"))
    if bucket:
        cols.append(_bucket(table, bucket).label("ds"))
    return conds, cols


def _durations(cube: Cube, table: str, names, d: str | None, days, scope, bucket):
    """The median measure ``table`` and/or its mean (``names``) over its durations."""
    val = cube.t[f"val_{table}"]
    conds, group = _per_case(cube, val, d, days, scope, bucket)
    values = []
    for name in names:
        if name in MEANS:  # whole milliseconds, as metrics.cohort.duration_ms
            ms = whole_ms(val.c.v)
            value = mean_of(func.sum(ms), func.count(ms), name)
        else:  # seconds, as metrics.cohort.duration_median: the same number as from the cases
            value = median(val.c.v, cube.dialect) / DURATIONS[name][1]
        values.append(cast(value, Double).label(name))
    stmt = select(*group, *values).where(*conds)
    return stmt.group_by(*group) if group else stmt


def _per_department(cube: Cube, table, key: str, period: Period, scope, *aggs, where=()):
    """``aggs`` per department named by ``table``'s ``key`` column, over the period's cases
    (and those meeting ``where``)."""
    conds = [
        table.c.day.between(day_number(period.start), day_number(period.end)),
        table.c[key].is_not(None),
        *scope_conditions(cube, table, scope),
        *where,
    ]
    sub = select(table.c[key].label("k"), *aggs).where(*conds).group_by(table.c[key]).subquery()
    dim = cube.t["dim_department"]
    cols = [c for c in sub.c if c.name != "k"]
    return select(dim.c.department, *cols).select_from(sub.join(dim, dim.c.key == sub.c.k))


def ratings(cube: Cube, period: Period, scope: Mapping[str, str] | None):
    """department, rating_score (mean), rating_count: ratings on the period's cases."""
    rf = cube.t["ratings_f"]
    return _per_department(
        cube,
        rf,
        "k_rated",
        period,
        scope,
        cast(func.avg(rf.c.score), Double).label("rating_score"),
        cast(func.count(), BigInteger).label("rating_count"),
    )


def whistles(cube: Cube, period: Period, scope: Mapping[str, str] | None):
    """department, whistle_cases, w_ok, w_due: whistle cases per primary department."""
    f = cube.t["facts"]
    src = cube.t["dim_source"]
    whistle = f.c.k_source.in_(select(src.c.key).where(src.c.source == literal("whistle")))
    kept = _monthly(cube, "whistle_month", period, scope, ("whistle_cases", "w_ok", "w_due"))
    return (
        kept
        if kept is not None
        else _per_department(
            cube,
            f,
            "k_department",
            period,
            scope,
            cast(func.count(), BigInteger).label("whistle_cases"),
            cast(func.sum(f.c.f_response_ok), BigInteger).label("w_ok"),
            cast(func.sum(f.c.f_response_due), BigInteger).label("w_due"),
            where=[whistle],
        )
    )


def assists(cube: Cube, period: Period, scope: Mapping[str, str] | None):
    """department, assist_cases: the period's cases each department assisted on."""
    kept = _monthly(cube, "assist_month", period, scope, ("assist_cases",))
    return (
        kept
        if kept is not None
        else _per_department(
            cube,
            cube.t["assist_f"],
            "k_assist",
            period,
            scope,
            cast(func.count(), BigInteger).label("assist_cases"),
        )
    )


def _monthly(cube: Cube, name: str, period: Period, scope, labels: Sequence[str]):
    """department and the sums ``labels`` over the whole months of ``period`` from the
    cube's per-department month table ``name`` (its count columns in ``labels``' order);
    None for a scope or a period with part of a month (the per-case tables answer)."""
    months, edges = split(period)
    if scope or edges or months is None:
        return None
    m = cube.t[name]
    counts = [c for c in m.c if c.name not in ("k", "mday")]
    sums = [cast(func.sum(c), BigInteger).label(x) for c, x in zip(counts, labels, strict=True)]
    sub = select(m.c.k, *sums).where(m.c.mday.between(*months)).group_by(m.c.k).subquery()
    dim = cube.t["dim_department"]
    return select(dim.c.department, *[sub.c[x] for x in labels]).select_from(
        sub.join(dim, dim.c.key == sub.c.k)
    )


def km_rows(cube: Cube, by: str, period: Period, scope: Mapping[str, str] | None):
    """k (the level's integer key; none at city level), t (seconds), e (1 = resolved): every
    case that enters the Kaplan–Meier estimate, sorted by department and time as stored."""
    vk = cube.t["val_km"]
    days = (day_number(period.start), day_number(period.end))
    conds, cols = _per_case(cube, vk, LEVEL_DIM.get(by), days, scope, None)
    return select(*cols, vk.c.t, vk.c.e).where(*conds)


def unit_names(cube: Cube, by: str):
    """key and the level's key columns of every unit in the cube's dimension for ``by``."""
    dim = cube.t[f"dim_{LEVEL_DIM[by]}"]
    return select(dim.c.key, *[dim.c[k] for k in LEVELS[by]])


def km_kept(cube: Cube, by: str, period: Period, scope: Mapping[str, str] | None):
    """department and metrics.survival's columns per department, from the figures the cube
    keeps for a calendar year or a whole month (metrics.cube.km); None for other levels,
    periods and scopes (then the per-case rows of :func:`km_rows` answer)."""
    if by != "department" or scope:
        return None
    months, edges = split(period)
    span = _kept_span(period, months, edges)
    if span is None:
        return None
    kt, dim = cube.t[KM_TABLE], cube.t["dim_department"]
    figures = [c for c in kt.c if c.name not in ("span", "start", "k")]
    return (
        select(dim.c.department, *figures)
        .select_from(kt.join(dim, dim.c.key == kt.c.k))
        .where(kt.c.span == span, kt.c.start == day_number(period.start))
    )
