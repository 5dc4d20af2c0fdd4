"""Time series of any KPI by day, ISO week or month, for the city or per unit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pandas as pd
from sqlalchemy import Engine

from metrics.cohort import build_cohort
from metrics.dialect import trunc
from metrics.errors import UnitError
from metrics.known import any_appeals, case_source, known_at
from metrics.period import Period
from metrics.query import kpis_for, level_keys, resolve_as_of, run_cubed, unit_select
from metrics.registry import kpi
from metrics.scheme import score
from metrics.selection import Selection

FREQS = {"day": "D", "week": "W-MON", "month": "MS"}
# Per-unit, not per-bucket measures: ratings and households are not split by reporting date.
_NOT_IN_SERIES = {"rating_mean", "volume_per_1k_households"}


def kpi_series(
    engine: Engine, sel: Selection, kpis: str | Sequence[str], *, freq: str = "month"
) -> pd.DataFrame:
    """KPI values per reporting bucket: columns = unit keys, ``ds`` (bucket start: the day,
    the Monday of the ISO week, or the 1st of the month), then each requested KPI (ratios
    also ``_num``/``_den``). Every bucket of the period is present for every unit with
    cases; buckets without cases have cases = 0 and NaN rates. composite_score is derived
    per bucket with the rule set's scheme (no min_cases). rating_mean, volume_per_1k_households and the
    other derived KPIs are not series (UnitError, one sentence)."""
    by, p, r, scope = sel.level, sel.period, sel.rules, sel.scope_map
    if freq not in FREQS:
        raise UnitError(f"The frequency {freq!r} is not one of day, week, month.")
    wanted = [kpis] if isinstance(kpis, str) else list(kpis)
    for kid in wanted:
        try:
            kpi(kid)
        except KeyError:
            raise UnitError(f"The KPI {kid!r} is not in the registry.") from None
    keys = list(level_keys(by))
    available = {k.id for k in kpis_for(by)} - _NOT_IN_SERIES | {"composite_score"}
    for kid in wanted:
        if kid not in available:
            raise UnitError(f"The KPI {kid!r} is not available as a time series by {by}.")
    computed = list(wanted)
    if "composite_score" in wanted:  # the scheme's KPIs that have a series
        computed += [k for k in r.scheme.kpis() if k in available and k not in computed]
    known = known_at(engine, sel.as_known_at)
    moment = resolve_as_of(engine, sel.as_of, p, known)
    dialect = engine.dialect.name
    coh = build_cohort(
        dialect,
        r,
        moment,
        period=p,
        scope=scope,
        extra={"ds": trunc(freq, _reported(known))},
        known_at=known,
        appeals=any_appeals(engine, known),
    )

    def stmt(cube):
        return unit_select(
            coh,
            dialect,
            by,
            keys,
            extra_keys=["ds"],
            scope=scope,
            kpis=computed,
            cube=cube,
            period=p,
            bucket=freq,
        )

    frame = run_cubed(engine, stmt, r, moment, known, scope, level=by)
    if pd.api.types.is_integer_dtype(frame["ds"]):  # the cube's buckets are day numbers
        frame["ds"] = pd.to_datetime(frame["ds"], unit="D")
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.normalize()
    frame = _fill(frame, keys, p, freq)
    if "composite_score" in wanted:
        frame["composite_score"] = score(frame, r.scheme)
    cols = [*keys, "ds"]
    for kid in wanted:
        cols.append(kid)
        if f"{kid}_num" in frame:
            cols += [f"{kid}_num", f"{kid}_den"]
    out = frame[cols].reset_index(drop=True)
    out.attrs.update(as_of=moment, period=p, rules=r, by=by, freq=freq)
    return out


def _reported(known):
    # the cohort's own source (case_source returns one object per moment)
    return case_source(known).c.reported_at


def _fill(frame: pd.DataFrame, keys: list[str], p: Period, freq: str) -> pd.DataFrame:
    start = pd.Timestamp(p.start)
    if freq == "week":
        start -= timedelta(days=start.weekday())
    elif freq == "month":
        start = start.replace(day=1)
    buckets = pd.DataFrame({"ds": pd.date_range(start, pd.Timestamp(p.end), freq=FREQS[freq])})
    units = frame[keys].drop_duplicates() if keys else pd.DataFrame(index=[0])
    if keys and units.empty:
        return frame
    full = units.merge(buckets, how="cross")
    out = full.merge(frame, on=[*keys, "ds"], how="left")
    counts = [c for c in out.columns if c == "cases" or c.endswith(("_num", "_den"))]
    counts += [c for c in ("overdue_open",) if c in out]
    out[counts] = out[counts].fillna(0)
    for col in counts:
        if col != "satisfaction_rate_num":
            out[col] = out[col].astype("int64")
    return out.sort_values([*keys, "ds"]).reset_index(drop=True)
