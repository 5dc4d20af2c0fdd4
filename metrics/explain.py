"""Explainability: the cases behind a unit's KPI — numerator, denominator and exclusions."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import BigInteger, Double, Engine, case, cast, func, not_, null, select

from metrics.cohort import (
    DURATIONS,
    MEANS,
    Cohort,
    build_cohort,
    duration_median,
    duration_ms,
    exclusion_reasons,
    from_epoch,
    points_sum,
    predicates,
    satisfaction_parts,
)
from metrics.errors import UnitError
from metrics.known import any_appeals, known_at
from metrics.party import party_of
from metrics.query import level_keys, resolve_as_of, run
from metrics.registry import KPIS, kpi
from metrics.rules import RuleSet
from metrics.selection import Selection

PARTS = ("numerator", "denominator", "excluded")
CASE_COLUMNS = (
    "case_id",
    "reported_at",
    "dispatched_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "status",
    "source",
    "urgency",
    "department",
)
EXPLAINABLE = tuple(
    k.id
    for k in KPIS
    if (k.kind in ("count", "ratio", "median") or k.numerator in MEANS)
    and k.denominator != "households"
)


def unit_scope(by: str, unit: str | Mapping[str, str] | None) -> dict[str, str]:
    """The key values of a unit: a mapping, or the key values joined with '/'
    (东城区/东华门街道); the city level takes no unit."""
    keys = level_keys(by)
    if not keys:
        return {}
    if isinstance(unit, Mapping):
        missing = [k for k in keys if k not in unit]
        if missing:
            raise UnitError(f"The unit lacks {', '.join(missing)} for level {by!r}.")
        return {k: str(unit[k]) for k in keys}
    parts = str(unit or "").split("/")
    if len(parts) != len(keys) or not all(parts):
        raise UnitError(f"The unit {unit!r} must give {'/'.join(keys)} for level {by!r}.")
    return dict(zip(keys, parts, strict=True))


def _within(by: str, unit, scope: Mapping[str, str] | None) -> dict[str, str]:
    """The unit's key values with ``scope``'s added; a unit outside the scope is refused."""
    keys = unit_scope(by, unit)
    party = party_of(scope)
    if party is not None and keys.get("department", party) != party:  # not its own row
        raise UnitError(f"The unit {unit!r} is outside the scope {party}.")
    for key, value in (scope or {}).items():
        if key in keys and keys[key] != str(value):
            raise UnitError(f"The unit {unit!r} is outside the scope {'/'.join(scope.values())}.")
        keys[key] = str(value)
    return keys


def _parts(kid: str, v, as_of_e: float, rules: RuleSet):
    if kid not in EXPLAINABLE:
        raise UnitError(f"The KPI {kid!r} cannot be traced to cases; use one of its inputs.")
    k = kpi(kid)
    pr = predicates(v, as_of_e, rules)
    num = pr[k.numerator]
    if k.kind in ("median", "mean"):  # the cases whose duration enters it
        num = num.is_not(None)
        den = num
        reasons = exclusion_reasons(MEANS.get(k.numerator, k.numerator), v, as_of_e, rules)
    elif k.kind == "count":
        den = pr["cases"]
        reasons = [(not_(num), "not counted")]
    else:
        if k.numerator == "satisfaction_points":
            num = num > 0
        den = pr[k.denominator]
        reasons = exclusion_reasons(k.denominator, v, as_of_e, rules)
    return num, den, reasons


def _cohort(engine: Engine, sel: Selection, unit) -> tuple[Cohort, RuleSet]:
    """The cohort of ``unit`` (a unit of ``sel.level``) inside the selection's scope."""
    known = known_at(engine, sel.as_known_at)
    moment = resolve_as_of(engine, sel.as_of, sel.period, known)
    within = _within(sel.level, unit, sel.scope_map)
    cohort = build_cohort(
        engine.dialect.name,
        sel.rules,
        moment,
        period=sel.period,
        scope=within,
        known_at=known,
        appeals=any_appeals(engine, known),
    )
    return cohort, sel.rules


def explain(
    engine: Engine,
    sel: Selection,
    unit: str | Mapping[str, str] | None,
    kpi_id: str,
    *,
    part: str = "numerator",
    limit: int = 100,
    offset: int = 0,
) -> pd.DataFrame:
    """The cases in a unit's numerator, denominator, or excluded from the denominator (with
    ``reason``), ordered by case_id and paged by ``limit``/``offset``. For satisfaction the
    numerator lists cases scoring above 0 (满意 and 基本满意); for medians and means numerator
    and denominator are the cases whose duration enters them. ``sel.scope`` (a signed-in
    account's district/street/community) limits the cases; a unit of ``sel.level`` outside
    it is refused."""
    if part not in PARTS:
        raise UnitError(f"The part {part!r} is not one of {', '.join(PARTS)}.")
    coh, r = _cohort(engine, sel, unit)
    v = coh.cte
    num, den, reasons = _parts(kpi_id, v, coh.as_of_e, r)
    cols = [v.c[c] for c in CASE_COLUMNS] + [v.c.due_e]
    if part == "numerator":
        stmt = select(*cols).where(num, den)
    elif part == "denominator":
        stmt = select(*cols).where(den)
    else:
        reason = case(*reasons, else_="other").label("reason") if reasons else None
        stmt = select(*cols, reason).where(not_(func.coalesce(den, False)))
    frame = run(engine, stmt.order_by(v.c.case_id).limit(limit).offset(offset))
    due = frame.pop("due_e")
    frame.insert(len(CASE_COLUMNS), "deadline", pd.to_datetime([from_epoch(x) for x in due]))
    return frame


def explain_counts(
    engine: Engine, sel: Selection, unit: str | Mapping[str, str] | None, kpi_id: str
) -> dict[str, object]:
    """Counts behind a unit's KPI: {'numerator': n, 'denominator': n, 'excluded': {reason: n},
    'value': the KPI's value from the same cases}, within ``scope`` as :func:`explain`.

    For satisfaction the numerator counts cases scoring above 0 and 'points' adds their
    weighted sum (基本满意 at the rule set's weight), so value = points / denominator; for a
    median, value is the median of the cases counted; for a count, the count."""
    dialect = engine.dialect.name
    coh, r = _cohort(engine, sel, unit)
    v = coh.cte
    num, den, reasons = _parts(kpi_id, v, coh.as_of_e, r)
    k = kpi(kpi_id)
    if k.kind == "median":  # its cases are the denominator's: the median of that group
        values = [cast(duration_median(v, k.numerator, dialect), Double)]
    elif k.kind == "mean":  # sums and counts of whole milliseconds add up exactly
        ms = duration_ms(v, MEANS[k.numerator])
        values = [func.sum(ms), func.count(ms)]
    elif k.numerator == "satisfaction_points":  # from counts, as the KPI tables: exact
        full, basic = (func.sum(case((den & part, 1), else_=0)) for part in satisfaction_parts(v))
        values = [points_sum(full, basic, r)]
    else:
        values = []
    # One pass over the cases: the denominator's group (reason NULL) and one group per
    # reason for exclusion; select_from: a count KPI's predicates name no table.
    inside = func.coalesce(den, False)
    reason = case((inside, null()), *reasons, else_="other").label("reason")
    groups = (
        select(
            reason,
            cast(func.sum(case((num & den, 1), else_=0)), BigInteger).label("numerator"),
            cast(func.count(), BigInteger).label("n"),
            *values,
        )
        .select_from(v)
        .group_by(reason)
    )
    with engine.connect() as conn:
        rows = conn.execute(groups).all()
    n = sum(int(row[1] or 0) for row in rows)
    counted = [row for row in rows if row[0] is None]
    d = int(counted[0][2]) if counted else 0
    excluded = {row[0]: int(row[2]) for row in rows if row[0] is not None} if reasons else {}
    x = _value(k, rows, counted)
    out: dict[str, object] = {"numerator": n, "denominator": d, "excluded": excluded}
    if k.numerator == "satisfaction_points":
        out["points"] = float(x or 0.0)
        out["value"] = out["points"] / d if d else None
    elif k.kind in ("median", "mean"):
        out["value"] = None if x is None else float(x)
    elif k.kind == "count":
        out["value"] = n
    else:
        out["value"] = n * k.scale / d if d else None
    return out


def _value(k, rows, counted) -> float | None:
    """The KPI's value part from the grouped rows of :func:`explain_counts`: the denominator
    group's median, the sum of satisfaction points, or a mean from the summed milliseconds
    (the same operations, in the same order, as the KPI tables' SQL)."""
    if k.kind == "mean":
        total = sum(int(row[3] or 0) for row in rows)
        count = sum(int(row[4] or 0) for row in rows)
        per = DURATIONS[MEANS[k.numerator]][1] * 1000.0
        return float(total) / float(count) / per if count else None
    if k.kind == "median" or k.numerator == "satisfaction_points":
        return counted[0][3] if counted else None
    return None
