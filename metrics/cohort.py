"""The cohort V as SQL: per-case durations, derived deadlines and the base-measure predicates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    Double,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    column,
    false,
    func,
    literal,
    or_,
    select,
    true,
    values,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE

from caselog.columns import PARTY, SCOPE_COLUMNS, day_bit
from caselog.party import involves
from metrics.dialect import epoch, median
from metrics.errors import UnitError
from metrics.known import Known, appeals_in_force, case_source
from metrics.period import Period
from metrics.rules import RuleSet
from metrics.workdays import assumed_years, due_day_rows

_EPOCH0 = datetime(1970, 1, 1)
#: Added to a day-precision value's midnight: the last moment of its day (1 ms before the
#: next midnight), so a comparison with it is a comparison by date.
DAY_END = 86400.0 - 0.001


def epoch_of(ts: datetime) -> float:
    """Seconds since 1970-01-01 of a naive local datetime (same convention as the SQL)."""
    return (ts - _EPOCH0).total_seconds()


def from_epoch(seconds: float | None) -> datetime | None:
    """The naive local datetime for epoch seconds (None stays None)."""
    if seconds is None or seconds != seconds:
        return None
    return _EPOCH0 + timedelta(seconds=float(seconds))


@dataclass(frozen=True)
class Cohort:
    """A CTE of cases with their computed epoch columns, the as-of instant in epoch seconds,
    and the years whose working-day deadlines rest on statutory holidays only."""

    cte: CTE
    as_of_e: float
    rules: RuleSet
    assumed_years: tuple[int, ...] = ()
    known_at: Known | None = None  # the data as known at a moment (None: now)


def build_cohort(
    dialect: str,
    rules: RuleSet,
    as_of: datetime,
    *,
    period: Period | None = None,
    scope: Mapping[str, str] | None = None,
    open_only: bool = False,
    days: tuple[date, date] | None = None,
    extra: Mapping[str, ColumnElement] | None = None,
    known_at: Known | None = None,
    appeals: bool = True,
) -> Cohort:
    """Non-cancelled cases (reported in ``period`` when given; open ones if ``open_only``).

    Columns: the case's own columns plus rep_e, disp_e, resp_e, res_e, close_e (epoch
    seconds; a day-precision value at its midnight), res_hi and close_hi (the latest moment
    the value may stand for: the end of its day when known to the day only), disp_day,
    resp_day, res_day, close_day (known to the day only), resp_d and hand_d (durations in
    seconds, NULL when a value of them is known to the day only), due_e (extended, given or
    derived deadline — the end of its day when that is known to the day only — plus the time
    suspended), held (1 when suspended at as_of), sla_s (response SLA in seconds),
    extended (1 with an extended deadline, given or by an approved appeal), excluded (1 when
    an approved appeal or the rule set's [request_types] exclude leaves the case out; only
    when an appeal is in force or the rule set excludes types, see :func:`kept`) and any
    ``extra`` expressions.
    ``days`` bounds the reported dates for working-day deadlines. ``scope`` names areas,
    columns of SCOPE_COLUMNS, or ``party`` (metrics.party). The cases are each case's
    version known at ``known_at`` and the appeals those decided by then (metrics.known;
    None: now); an approved extension (申诉 extend) replaces the case's extended deadline.
    ``appeals`` False (metrics.known.any_appeals found none in force) leaves the appeals out
    of the statement: joining an empty table still costs a scan's worth of probes.
    """
    src = case_source(known_at)
    ap = appeals_in_force(known_at) if appeals else None
    c = src.c
    rep_e = epoch(c.reported_at, dialect)
    conds = [c.status != "cancelled"]
    if period is not None:
        lo, hi = period.bounds()
        conds += [c.reported_at >= lo, c.reported_at < hi]
        days = days or (period.start, period.end)
    if open_only:
        conds.append(c.closed_at.is_(None))
    for key, value in (scope or {}).items():
        if key == PARTY:  # a department account: its cases as primary or assisting
            conds.append(involves(c, value))
            continue
        if key not in SCOPE_COLUMNS:
            raise UnitError(f"The scope {key!r} is not one of {', '.join(SCOPE_COLUMNS)}.")
        # No stored value holds a NUL (ingest drops it; PostgreSQL refuses it as a parameter).
        conds.append(c[key] == str(value).replace("\x00", ""))
    due_e, join = _deadline(c, rules, rep_e, days)
    as_of_e = epoch_of(as_of)
    disp_e, resp_e = epoch(c.dispatched_at, dialect), epoch(c.responded_at, dialect)
    res_e, close_e = epoch(c.resolved_at, dialect), epoch(c.closed_at, dialect)
    day = {n: _day(c, n) for n in ("dispatched_at", "responded_at", "resolved_at", "closed_at")}
    dues = [epoch(c.extended_deadline, dialect), epoch(c.deadline, dialect), due_e]
    # A derived deadline is known as precisely as the reporting it is counted from; an
    # appeal's extension is a full timestamp.
    precise = [
        (c.extended_deadline.is_not(None), _day(c, "extended_deadline")),
        (c.deadline.is_not(None), _day(c, "deadline")),
    ]
    if ap is not None:
        dues.insert(0, epoch(ap.c.until, dialect))
        precise.insert(0, (ap.c.until.is_not(None), false()))
    extended = c.extended_deadline.is_not(None)
    if ap is not None:
        extended = or_(extended, ap.c.until.is_not(None))
    due = func.coalesce(*dues)
    due_day = case(*precise, else_=_day(c, "reported_at"))
    cols = [
        c.case_id,
        c.reported_at,
        c.category,
        c.subcategory,
        c.district,
        c.street,
        c.community,
        c.grid_id,
        c.source,
        c.urgency,
        c.department,
        c.assist_departments,
        c.deadline,
        c.dispatched_at,
        c.responded_at,
        c.resolved_at,
        c.closed_at,
        c.status,
        c.solved,
        c.satisfaction,
        c.reopened,
        c.reassigned,
        c.request_type,
        c.self_handled,
        case((extended, 1), else_=0).label("extended"),
        rep_e.label("rep_e"),
        disp_e.label("disp_e"),
        resp_e.label("resp_e"),
        res_e.label("res_e"),
        close_e.label("close_e"),
        case((day["resolved_at"], res_e + DAY_END), else_=res_e).label("res_hi"),
        case((day["closed_at"], close_e + DAY_END), else_=close_e).label("close_hi"),
        day["dispatched_at"].label("disp_day"),
        day["responded_at"].label("resp_day"),
        day["resolved_at"].label("res_day"),
        day["closed_at"].label("close_day"),
        # A duration in minutes or hours needs both times of day (contract §1).
        case((or_(day["dispatched_at"], day["responded_at"]), None), else_=resp_e - disp_e).label(
            "resp_d"
        ),
        case((or_(day["dispatched_at"], day["resolved_at"]), None), else_=res_e - disp_e).label(
            "hand_d"
        ),
        (
            case((due_day, func.floor(due / 86400.0) * 86400.0 + DAY_END), else_=due)
            + _paused_seconds(c, dialect)
        ).label("due_e"),
        _held(c, dialect, as_of_e).label("held"),
        case(
            (c.source == "whistle", rules.response_sla_minutes["whistle"] * 60.0),
            else_=rules.response_sla_minutes["default"] * 60.0,
        ).label("sla_s"),
    ]
    excluded = None if ap is None else func.coalesce(ap.c.excluded, 0)
    if rules.exclude_types:  # [request_types] exclude: counted in cases only
        other = literal(0) if excluded is None else excluded
        excluded = case((c.request_type.in_(rules.exclude_types), 1), else_=other)
    if excluded is not None:
        cols.append(excluded.label("excluded"))
    cols += [expr.label(name) for name, expr in (extra or {}).items()]
    source = src if ap is None else src.outerjoin(ap, ap.c.case_id == c.case_id)
    if join is not None:
        source = source.outerjoin(join[0], join[1])
    stmt = select(*cols).select_from(source).where(*conds)
    assumed = ()
    if rules.calendar == "working_days" and days is not None:
        assumed = assumed_years(days[0], days[1], rules.deadline_working_days, rules.workdays)
    return Cohort(stmt.cte("v"), as_of_e, rules, assumed, known_at)


def _paused_seconds(c, dialect: str) -> ColumnElement:
    """Seconds a case was suspended (缓办), added to its deadline: from suspended_at to
    resumed_at, or to closed_at for a case closed while suspended; 0 when not suspended or
    the end comes before the start (flagged at ingest)."""
    start = epoch(c.suspended_at, dialect)
    end = func.coalesce(epoch(c.resumed_at, dialect), epoch(c.closed_at, dialect))
    return case((end >= start, end - start), else_=0.0)


def _held(c, dialect: str, as_of_e: float) -> ColumnElement:
    """1 for a case suspended at as_of (suspended_at ≤ as_of, not resumed by as_of), else 0:
    such a case is not overdue."""
    start = epoch(c.suspended_at, dialect)
    resumed = epoch(c.resumed_at, dialect)
    return case((and_(start <= as_of_e, or_(resumed.is_(None), resumed > as_of_e)), 1), else_=0)


def _day(c, column: str) -> ColumnElement:
    """True when the case's ``column`` is known to the day only (cases.day_precision)."""
    return c.day_precision.bitwise_and(day_bit(column)) != 0


def _deadline(c, rules, rep_e, days):
    hours = case(
        *[(c.urgency == u, h * 3600.0) for u, h in rules.deadline_hours.items() if u != "general"],
        else_=rules.deadline_hours["general"] * 3600.0,
    )
    natural = rep_e + hours
    if rules.calendar != "working_days" or days is None:
        return natural, None
    rows = due_day_rows(days[0], days[1], rules.deadline_working_days, rules.workdays)
    rows = rows or [(0, "", 0)]
    wd = values(
        column("day_no", Integer),
        column("urg", String),
        column("due_day", Integer),
        name="wd",
        literal_binds=True,
    ).data(rows)
    day_no = func.floor(rep_e / 86400.0)
    onclause = and_(wd.c.day_no == day_no, wd.c.urg == c.urgency)
    derived = case(
        (wd.c.due_day.is_not(None), wd.c.due_day * 86400.0 + (rep_e - day_no * 86400.0)),
        else_=natural,
    )
    return derived, (wd, onclause)


#: The median measures: the cohort's duration column in seconds, and seconds per unit.
DURATIONS: dict[str, tuple[str, float]] = {
    "response_minutes": ("resp_d", 60.0),
    "handling_hours": ("hand_d", 3600.0),
}


#: The mean measures and the median measure whose durations they average.
MEANS: dict[str, str] = {
    "response_minutes_mean": "response_minutes",
    "handling_hours_mean": "handling_hours",
}


def duration_ms(v, measure: str) -> ColumnElement:
    """A median measure's duration in whole milliseconds (BIGINT; NULL as
    :func:`duration_seconds`): sums of them are exact in any order, so a mean is the same
    number from the cases and from the KPI cube."""
    return whole_ms(duration_seconds(v, measure))


def whole_ms(seconds: ColumnElement) -> ColumnElement:
    """Seconds as whole milliseconds (BIGINT), the unit every mean is summed in."""
    return cast(func.round(seconds * 1000.0), BigInteger)


def mean_of(total_ms: ColumnElement, n: ColumnElement, mean: str) -> ColumnElement:
    """A mean measure from the sum of milliseconds and the number of durations (NULL when
    there are none), in the unit of its median measure."""
    per = DURATIONS[MEANS[mean]][1] * 1000.0
    return cast(total_ms, Double) / func.nullif(cast(n, Double), 0.0) / per


def duration_seconds(v, measure: str) -> ColumnElement:
    """A median measure's duration in seconds; NULL when negative (contradictory), unknown
    or the case is excluded by an appeal."""
    col = v.c[DURATIONS[measure][0]]
    return case((and_(col >= 0, kept(v)), col))


def duration_median(v, measure: str, dialect: str) -> ColumnElement:
    """A median measure over the cases: the median of the seconds, then in the measure's
    unit, so the KPI cube (which keeps seconds) computes the very same number."""
    return median(duration_seconds(v, measure), dialect) / DURATIONS[measure][1]


def satisfaction_parts(v) -> tuple[ColumnElement, ColumnElement]:
    """(满意, 基本满意) per case (neither for a case an appeal excludes). Satisfaction points
    are summed as n(满意) + weight × n(基本满意): exact and the same in any order, where
    adding 0.9 a million times is not."""
    return (
        and_(kept(v), v.c.satisfaction == "satisfied"),
        and_(kept(v), v.c.satisfaction == "basic"),
    )


def points_sum(full_count, basic_count, rules: RuleSet) -> ColumnElement:
    """Satisfaction points from the counts of 满意 and 基本满意 cases (0.0 when none)."""
    points = full_count + float(rules.basically_satisfied) * basic_count
    return cast(func.coalesce(points, 0.0), Double)


#: Age buckets of open cases in days since reported: [0,1), [1,3), [3,7), [7,15), [15,30), ≥30.
AGE_EDGES_DAYS = (1, 3, 7, 15, 30)


def age_bucket(rep_e: ColumnElement, as_of_e: float) -> ColumnElement:
    """0 … len(AGE_EDGES_DAYS): the age bucket at as_of of a case reported at ``rep_e``."""
    age_d = (as_of_e - rep_e) / 86400.0
    return case(
        *[(age_d < edge, i) for i, edge in enumerate(AGE_EDGES_DAYS)],
        else_=len(AGE_EDGES_DAYS),
    )


def overdue_at(v, as_of_e: float) -> ColumnElement:
    """The case's deadline is before as_of and it is not suspended at as_of (contract §1)."""
    return and_(v.c.due_e < as_of_e, v.c.held == 0)


def predicates(v, as_of_e: float, rules: RuleSet) -> dict[str, ColumnElement]:
    """Per-case expression of each base measure (registry.MEASURES, except households and
    rating_score): a boolean for counts, a number (NULL = not counted) for sums and medians."""
    resp_d = v.c.resp_d
    disp = v.c.disp_e.is_not(None)
    # Not contradictory: a day-precision value may stand for any moment of its day.
    closed_ok = and_(v.c.close_e.is_not(None), v.c.close_hi >= v.c.rep_e)
    resolved_ok = and_(v.c.res_e.is_not(None), v.c.res_hi >= v.c.rep_e)
    past_due = overdue_at(v, as_of_e)
    sat = v.c.satisfaction
    # NULL exactly when the value is none of the three, so the known count reuses it (the
    # database evaluates the one CASE instead of a second string comparison per case).
    points = case(
        (sat == "satisfied", literal(1.0, Float)),
        (sat == "basic", literal(float(rules.basically_satisfied), Float)),
        (sat == "dissatisfied", literal(0.0, Float)),
    )
    measures = {
        "cases": true(),
        "assessed": true(),
        "response_ok": and_(disp, resp_d >= 0, resp_d <= v.c.sla_s),
        "response_due": and_(
            disp,
            or_(
                resp_d >= 0,
                and_(
                    v.c.resp_e.is_(None),
                    v.c.disp_day.is_(False),
                    v.c.disp_e + v.c.sla_s < as_of_e,
                ),
            ),
        ),
        "response_minutes": duration_seconds(v, "response_minutes")
        / DURATIONS["response_minutes"][1],
        "closed": v.c.close_e.is_not(None),
        "closed_on_time": and_(closed_ok, v.c.close_e <= v.c.due_e),
        "closure_due": or_(closed_ok, and_(v.c.close_e.is_(None), past_due)),
        "overdue_open": and_(v.c.close_e.is_(None), past_due),
        "solved_yes": v.c.solved.is_(True),
        "solved_known": v.c.solved.is_not(None),
        "satisfaction_points": points,
        "satisfaction_known": points.is_not(None),
        "reworked": and_(v.c.res_e.is_not(None), v.c.reopened > 0),
        "resolved": v.c.res_e.is_not(None),
        "handling_hours": duration_seconds(v, "handling_hours") / DURATIONS["handling_hours"][1],
        "resolved_on_time": and_(resolved_ok, v.c.res_e <= v.c.due_e),
        "handling_due": or_(resolved_ok, and_(v.c.res_e.is_(None), past_due)),
        "dispatched": disp,
        "reassigned_cases": and_(disp, v.c.reassigned > 0),
        "proactive": v.c.source.in_(("patrol", "video")),
        "self_handled": and_(v.c.close_e.is_not(None), v.c.self_handled.is_(True)),
        "extended": v.c.extended == 1,
        "suspended_open": and_(v.c.held == 1, v.c.close_e.is_(None)),
    }
    for mean, med in MEANS.items():  # per case: the duration the mean averages
        measures[mean] = measures[med]
    # Contract §5: an approved exclusion leaves the case out of every KPI but cases.
    if "excluded" not in v.c:
        return measures
    return {
        name: expr if name == "cases" else _unless_excluded(expr, kept(v))
        for name, expr in measures.items()
    }


def kept(v) -> ColumnElement:
    """True for a cohort case no approved appeal excludes. A cohort built with no appeal in
    force has no ``excluded`` column, and every case is kept (true(), which SQLAlchemy
    drops from an AND: the statement is then the one without appeals)."""
    return v.c.excluded == 0 if "excluded" in v.c else true()


def _unless_excluded(expr: ColumnElement, keep: ColumnElement) -> ColumnElement:
    """``expr`` for a case not excluded by an appeal: a condition ANDed with ``keep``, a
    number NULL (not counted) for an excluded case."""
    if isinstance(expr.type, Boolean):
        return and_(keep, expr)
    return case((keep, expr))


def km_inputs(v, as_of_e: float) -> tuple[ColumnElement, ColumnElement]:
    """Per-case Kaplan–Meier handling time: (seconds from dispatch to resolution, or to
    closing or as_of for an unresolved case, NULL when not dispatched or negative; 1 when
    resolved, else 0)."""
    event = v.c.res_e.is_not(None)
    end = case((event, v.c.res_e), else_=func.coalesce(v.c.close_e, as_of_e))
    # Known to the day only at either end: the span needs a time of day, so it is left out.
    dated = or_(
        v.c.disp_day,
        and_(event, v.c.res_day),
        and_(event.is_(False), v.c.close_e.is_not(None), v.c.close_day),
    )
    span = end - v.c.disp_e
    known = and_(v.c.disp_e.is_not(None), dated.is_(False), span >= 0, kept(v))
    return case((known, span)), case((event, 1), else_=0)


def exclusion_reasons(
    measure: str, v, as_of_e: float, rules: RuleSet | None = None
) -> list[tuple[ColumnElement, str]]:
    """Ordered (condition, reason) pairs explaining why a V case is outside ``measure``
    (``rules``: the rule set whose [request_types] exclude names a reason)."""
    resp_d = v.c.resp_e - v.c.disp_e
    hand_d = v.c.res_e - v.c.disp_e
    not_past = v.c.due_e >= as_of_e
    held = v.c.held == 1
    no_disp = (v.c.disp_e.is_(None), "not dispatched")
    resp_dated = or_(v.c.disp_day, and_(v.c.resp_e.is_not(None), v.c.resp_day))
    hand_dated = or_(v.c.disp_day, v.c.res_day)
    dated = "known to the day only (no time of day)"
    if measure == "cases":
        return []
    appealed = []
    types = rules.exclude_types if rules is not None else ()
    if types:
        appealed.append((v.c.request_type.in_(types), "request type excluded by the rule set"))
    if "excluded" in v.c:
        appealed.append((v.c.excluded == 1, "excluded by an approved appeal"))
    table: dict[str, list[tuple[ColumnElement, str]]] = {
        "cases": [],
        "response_due": [
            no_disp,
            (resp_dated, dated),
            (resp_d < 0, "responded before dispatched (contradictory timestamps)"),
            (v.c.resp_e.is_(None), "response window still open at as_of"),
        ],
        "response_minutes": [
            no_disp,
            (v.c.resp_e.is_(None), "not responded"),
            (resp_dated, dated),
            (resp_d < 0, "responded before dispatched (contradictory timestamps)"),
        ],
        "closure_due": [
            (v.c.close_hi < v.c.rep_e, "closed before reported (contradictory timestamps)"),
            (and_(v.c.close_e.is_(None), held), "open, suspended at as_of"),
            (and_(v.c.close_e.is_(None), not_past), "open, deadline not passed at as_of"),
        ],
        "solved_known": [(v.c.solved.is_(None), "no solved verdict")],
        "satisfaction_known": [(v.c.satisfaction.is_(None), "no satisfaction value")],
        "resolved": [(v.c.res_e.is_(None), "not resolved")],
        "closed": [(v.c.close_e.is_(None), "not closed")],
        "handling_hours": [
            no_disp,
            (v.c.res_e.is_(None), "not resolved"),
            (hand_dated, dated),
            (hand_d < 0, "resolved before dispatched (contradictory timestamps)"),
        ],
        "handling_due": [
            (v.c.res_hi < v.c.rep_e, "resolved before reported (contradictory timestamps)"),
            (and_(v.c.res_e.is_(None), held), "unresolved, suspended at as_of"),
            (and_(v.c.res_e.is_(None), not_past), "unresolved, deadline not passed at as_of"),
        ],
        "dispatched": [no_disp],
    }
    return appealed + table.get(measure, [(false(), "")])
