"""部门协同: the department cooperation index with whistle response and anonymous ratings."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import BigInteger, Engine, and_, case, cast, func, select

from metrics.assessment import cooperation_score
from metrics.cohort import build_cohort, predicates
from metrics.cube import query as cubequery
from metrics.dialect import split_list
from metrics.known import any_appeals, known_at
from metrics.party import own_rows
from metrics.query import kpi_table, run_cubed
from metrics.selection import Selection

MIN_RATINGS = 5
COLUMNS = (
    "department",
    "cases",
    "assist_cases",
    "response_rate",
    "on_time_rate",
    "rating_mean",
    "rating_count",
    "rating_reliable",
    "reassign_rate",
    "whistle_cases",
    "whistle_response_rate",
    "cooperation_score",
)


def cooperation_table(
    engine: Engine, sel: Selection, *, min_ratings: int = MIN_RATINGS
) -> pd.DataFrame:
    """Per department (whatever ``sel.level``) of ``sel``'s period and scope: cases as primary, assist_cases (V cases it assisted on), response and
    on-time rates, rating_mean with rating_count and rating_reliable (≥ ``min_ratings``
    ratings; the mean is still shown), reassign_rate, whistle_cases and whistle_response_rate
    (whistle cases responded within the rule set's whistle minutes, default 30, over those
    due), and cooperation_score. Rates are fractions; NaN when empty. Best index first.
    Under a department account's party scope, that department's row only (metrics.party)."""
    p, r, scope = sel.period, sel.rules, sel.scope_map
    table = kpi_table(engine, sel.by("department"), kpis=["cases", "cooperation_score"])
    table["cooperation_score"] = cooperation_score(table, r.cooperation_weights)
    table["rating_reliable"] = table["rating_count"] >= min_ratings
    dialect = engine.dialect.name
    moment = table.attrs["as_of"]
    known = known_at(engine, sel.as_known_at)
    coh = build_cohort(
        dialect,
        r,
        moment,
        period=p,
        scope=scope,
        known_at=known,
        appeals=any_appeals(engine, known),
    )
    v = coh.cte
    by = ("department",)

    def whistles(cube):
        if cube is not None:
            return cubequery.whistles(cube, p, scope)
        pr = predicates(v, coh.as_of_e, r)
        whistle = v.c.source == "whistle"

        def count(cond):
            return cast(func.sum(case((cond, 1), else_=0)), BigInteger)

        return (
            select(
                v.c.department,
                count(whistle).label("whistle_cases"),
                count(and_(whistle, pr["response_ok"])).label("w_ok"),
                count(and_(whistle, pr["response_due"])).label("w_due"),
            )
            .where(v.c.department.is_not(None), whistle, *own_rows(v.c.department, by, scope))
            .group_by(v.c.department)
        )

    def assists(cube):
        if cube is not None:
            return cubequery.assists(cube, p, scope)
        parts = (
            select(v.c.case_id, split_list(v.c.assist_departments, dialect).label("part"))
            .where(v.c.assist_departments.is_not(None))
            .subquery("s")
        )
        name = func.trim(parts.c.part)
        return (
            select(
                name.label("department"),
                cast(func.count(func.distinct(parts.c.case_id)), BigInteger).label("assist_cases"),
            )
            .where(name != "", *own_rows(name, by, scope))
            .group_by(name)
        )

    ws = run_cubed(engine, whistles, r, moment, known, scope)
    asg = run_cubed(engine, assists, r, moment, known, scope)
    out = table.merge(ws, on="department", how="left").merge(asg, on="department", how="outer")
    for col in ("cases", "whistle_cases", "assist_cases", "rating_count"):
        out[col] = pd.to_numeric(out[col]).fillna(0).astype("int64")
    out["rating_reliable"] = out["rating_count"] >= min_ratings
    out["whistle_response_rate"] = out["w_ok"] / out["w_due"].where(out["w_due"] > 0)
    out = out.sort_values(
        ["cooperation_score", "department"], ascending=[False, True], na_position="last"
    )
    result = out[list(COLUMNS)].reset_index(drop=True)
    result.attrs.update(table.attrs)
    return result
