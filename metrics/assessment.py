"""Assessment tables: composite score, grade, rank, rank change and red/black lists."""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from metrics.known import known_at
from metrics.query import kpi_table, level_keys, resolve_as_of
from metrics.registry import ASSESSMENT_COLUMNS, DEPARTMENT_COLUMNS, HANDLING_COLUMNS
from metrics.rules import RuleSet
from metrics.scheme import score
from metrics.selection import Selection

COMPOSITE_PARTS = {
    "response": "response_rate",
    "solved": "solved_rate",
    "satisfaction": "satisfaction_rate",
}
COOPERATION_PARTS = ("response_rate", "on_time_rate", "rating_mean", "reassign_rate")
EXTRA_COLUMNS = (
    "rank_change",
    "handling_rate",
    "on_time_handling_rate",
    "households",
    "volume_per_1k_households",
    "rating_count",
)


def composite_score(frame: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """100 × Σ w·rate / Σ w over the non-empty rates of response, solved and satisfaction.

    Weights of empty (NaN) rates are left out and the rest renormalised; NaN when all are empty.
    """
    parts = {COMPOSITE_PARTS[k]: w for k, w in weights.items()}
    return _weighted(frame, {col: (frame[col], w) for col, w in parts.items()})


def cooperation_score(frame: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """部门协同指数: 100 × Σ w × (response_rate, on_time_rate, rating_mean/100,
    1 − reassign_rate), empty parts left out and the rest renormalised; NaN when all empty."""
    values = {
        "response": frame["response_rate"],
        "on_time": frame["on_time_rate"],
        "rating": frame["rating_mean"] / 100.0,
        "no_reassign": 1.0 - frame["reassign_rate"],
    }
    return _weighted(frame, {k: (values[k], w) for k, w in weights.items()})


def _weighted(frame: pd.DataFrame, parts: dict[str, tuple[pd.Series, float]]) -> pd.Series:
    num = pd.Series(0.0, index=frame.index)
    den = pd.Series(0.0, index=frame.index)
    for series, w in parts.values():
        s = pd.to_numeric(series, errors="coerce").astype(float)
        present = s.notna()
        num += np.where(present, s.fillna(0.0) * w, 0.0)
        den += np.where(present, w, 0.0)
    return (100.0 * num / den.where(den > 0)).astype(float)


def rank_scores(score: pd.Series) -> pd.Series:
    """1 = highest score; ties share the best rank (1, 2, 2, 4); NaN scores unranked (<NA>).

    Scores are compared rounded to 9 decimals so floating-point noise cannot split a tie.
    """
    return score.round(9).rank(method="min", ascending=False).astype("Int64")


def assess(engine: Engine, sel: Selection, *, rank_change: bool = True) -> pd.DataFrame:
    """The assessment table (contract §5): location/department columns, the §4 KPI ids in the
    contract's order (department adds rating_mean, reassign_rate, cooperation_score), the
    handling-level KPIs and small_sample (cases < the rule set's min_cases: no grade, no
    rank); composite_score by the rule set's scheme (metrics.scheme); then
    extras (rank_change = previous rank − rank, positive = moved up, vs ``sel.previous`` at the
    same as_of; handling_rate, on_time_handling_rate, households,
    volume_per_1k_households; rating_count for departments). Sorted by rank, unranked last.
    ``frame.attrs`` holds as_of, period and rules.
    """
    by = sel.level
    keys = level_keys(by)
    if rank_change and getattr(getattr(engine, "dialect", None), "name", "") == "postgresql":
        table, prev = _both_periods(engine, sel)
    else:
        table = _scored(engine, sel)
        # Only the rank is needed from the previous period, judged at the same as_of.
        prev = previous_scores(engine, sel, table.attrs["as_of"]) if rank_change else None
    attrs = dict(table.attrs)
    if prev is not None:
        prev["_prev"] = prev["rank"]
        if keys:
            table = table.merge(prev[[*keys, "_prev"]], on=list(keys), how="left")
        else:
            table["_prev"] = prev["_prev"].iloc[0] if len(prev) else pd.NA
        table["rank_change"] = (table["_prev"].astype("Int64") - table["rank"]).astype("Int64")
    else:
        table["rank_change"] = pd.Series(pd.NA, index=table.index, dtype="Int64")
    cols = [*keys, *ASSESSMENT_COLUMNS]
    if by == "department":
        cols += DEPARTMENT_COLUMNS
    cols += [*HANDLING_COLUMNS, "small_sample"]
    cols += [c for c in EXTRA_COLUMNS if c in table.columns]
    # kpi_table's rows come sorted by the keys, so a stable sort by rank breaks ties by them
    out = table.sort_values("rank", na_position="last", kind="stable")[cols]
    out = out.reset_index(drop=True)
    out.attrs.update(attrs)
    return out


def _scored(engine: Engine, sel: Selection) -> pd.DataFrame:
    table = kpi_table(engine, sel)
    _score(table, sel.rules, sel.level)
    return table


def _both_periods(engine: Engine, sel: Selection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scored table and the previous period's scores at the same as_of, the two
    queries run at once on two connections of a PostgreSQL server (each waits on the
    server, not on Python)."""
    moment = resolve_as_of(engine, sel.as_of, sel.period, known_at(engine, sel.as_known_at))
    with ThreadPoolExecutor(1) as pool:
        # in this context (its context variables, such as metrics.cube.bypassed)
        before = pool.submit(contextvars.copy_context().run, previous_scores, engine, sel, moment)
        table = _scored(engine, replace(sel, as_of=moment))
        return table, before.result()


def previous_scores(engine: Engine, sel: Selection, as_of) -> pd.DataFrame:
    """The units of ``sel.previous`` scored as rank_change judges them: cases, the rule set's
    KPIs, small_sample, composite_score, grade and rank, at ``as_of`` (the current table's)."""
    before = replace(sel.at(sel.previous), as_of=as_of)
    prev = kpi_table(engine, before, kpis=_scored_kpis(sel.rules, sel.level))
    _score(prev, sel.rules, sel.level)
    return prev


def _scored_kpis(r: RuleSet, by: str) -> list[str]:
    """The KPIs a unit's score, grade and rank are computed from under ``r``."""
    names = ["cases", *r.scheme.kpis()]
    if "cooperation_score" in names and by != "department":
        names.remove("cooperation_score")
    return names


def _score(table: pd.DataFrame, r: RuleSet, by: str) -> None:
    """Adds small_sample, composite_score (the rule set's scheme), grade and rank (none for
    a small sample) and, for departments, cooperation_score."""
    if by == "department" and set(COOPERATION_PARTS) <= set(table.columns):
        table["cooperation_score"] = cooperation_score(table, r.cooperation_weights)
    table["small_sample"] = table["cases"].fillna(0) < r.min_cases
    table["composite_score"] = score(table, r.scheme)
    scored = table["composite_score"].where(~table["small_sample"])
    table["grade"] = grades_of(scored, r)
    table["rank"] = rank_scores(scored)


def grades_of(scores: pd.Series, r: RuleSet) -> pd.Series:
    """``r.grade`` of every score at once (object dtype; None where a score is NaN)."""
    values = scores.astype(float).to_numpy()
    bands = [values >= r.grades[letter] - 1e-9 for letter in "ABCD"]
    letters = np.select(bands, list("ABCD"), default="E").astype(object)
    letters[np.isnan(values)] = None
    return pd.Series(letters, index=scores.index, dtype=object)


def small_samples(table: pd.DataFrame) -> pd.Series:
    """The table's small_sample flags (all False for a table without the column)."""
    if "small_sample" not in table:
        return pd.Series(False, index=table.index)
    return table["small_sample"].astype("boolean").fillna(False).astype(bool)


def red_black_lists(table: pd.DataFrame, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """红榜 (the n best ranked units, best first) and 黑榜 (the n worst ranked, worst first);
    unranked units and small samples (too few cases for the rule set) are on neither list."""
    small = small_samples(table)
    ranked = table[table["rank"].notna() & ~small]
    red = ranked.sort_values("rank", kind="stable").head(n).reset_index(drop=True)
    black = ranked.iloc[::-1].sort_values("rank", ascending=False, kind="stable").head(n)
    return red, black.reset_index(drop=True)
