"""Trend analysis of KPI series: seasonal decomposition (STL) and the fastest-rising units."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from metrics.period import Period, month_of, span, week_of

SEASON = {"day": 7, "week": 52, "month": 12}
LOOK_BACK = {"day": 730, "week": 104, "month": 24}  # buckets: two years, enough for STL


def window(end: date, freq: str, first: date | None = None) -> tuple[date, date] | None:
    """The days a trend of ``freq`` buckets shows for a period ending on ``end``: whole
    buckets only (the last one complete on or before ``end``; weeks Monday–Sunday), two
    years back, and none before the bucket that starts on or after the data's ``first``
    day. None when no whole bucket fits."""
    if freq == "month":
        stop = end if (end + timedelta(days=1)).day == 1 else end.replace(day=1) - timedelta(1)
        first_month = stop.year * 12 + stop.month - LOOK_BACK["month"]
        start = date(first_month // 12, first_month % 12 + 1, 1)
    elif freq == "week":
        stop = end - timedelta(days=(end.weekday() + 1) % 7)  # the Sunday on or before
        start = stop - timedelta(days=7 * LOOK_BACK["week"] - 1)
    else:
        stop, start = end, end - timedelta(days=LOOK_BACK["day"] - 1)
    if first is not None and first > start:
        if freq == "month":
            start = (
                first if first.day == 1 else (first.replace(day=28) + timedelta(4)).replace(day=1)
            )
        elif freq == "week":
            start = first + timedelta(days=(7 - first.weekday()) % 7)  # the Monday on or after
        else:
            start = first
    return (start, stop) if start <= stop else None


def bucket(ds: date, freq: str) -> Period:
    """The period of the ``freq`` bucket (day, week, month) that starts on ``ds``."""
    if freq == "month":
        return month_of(ds)
    if freq == "week":
        return week_of(ds)
    return span(ds, ds)


def latest_changes(series: pd.Series, freq: str) -> dict[str, object]:
    """The last bucket of a KPI series indexed by bucket start (``ds``) beside its previous
    bucket (环比) and the same bucket a year earlier (同比), matched by date with the period
    arithmetic every page uses (a day: the same calendar date a year earlier; a week: the
    same ISO week). Returns ``last`` (the bucket start), ``now``, ``previous`` and
    ``year_ago``; a bucket outside the series is None."""
    if series.empty:
        return {"last": None, "now": None, "previous": None, "year_ago": None}
    values = series.copy()
    values.index = pd.DatetimeIndex(values.index).normalize()
    last = values.index.max()
    period = bucket(last.date(), freq)

    def at(p: Period):
        key = pd.Timestamp(p.start)
        return values.get(key) if key in values.index else None

    return {
        "last": last,
        "now": values[last],
        "previous": at(period.previous()),
        "year_ago": at(period.year_ago()),
    }


def decompose(values: pd.Series, freq: str) -> pd.DataFrame | None:
    """STL decomposition (statsmodels) of an already aggregated, evenly spaced series.

    Returns observed, trend, seasonal and resid indexed like ``values``; None when the
    series is shorter than two full seasons or has gaps (NaN).
    """
    from statsmodels.tsa.seasonal import STL

    period = SEASON[freq]
    clean = values.astype(float)
    if len(clean) < 2 * period or clean.isna().any():
        return None
    fit = STL(clean.to_numpy(), period=period, robust=True).fit()
    return pd.DataFrame(
        {
            "observed": clean.to_numpy(),
            "trend": fit.trend,
            "seasonal": fit.seasonal,
            "resid": fit.resid,
        },
        index=values.index,
    )


def rising_units(now: pd.DataFrame, before: pd.DataFrame, key: str, n: int = 10) -> pd.DataFrame:
    """Units of ``key`` whose case count grew most from ``before`` to ``now``
    (columns key, current, previous, change, change_pct; change_pct NaN when previous is 0)."""
    merged = now[[key, "cases"]].merge(
        before[[key, "cases"]], on=key, how="outer", suffixes=("_now", "_before")
    )
    merged = merged.fillna({"cases_now": 0, "cases_before": 0})
    out = pd.DataFrame(
        {
            key: merged[key],
            "current": merged["cases_now"].astype("int64"),
            "previous": merged["cases_before"].astype("int64"),
        }
    )
    out["change"] = out["current"] - out["previous"]
    out["change_pct"] = out["change"] / out["previous"].where(out["previous"] > 0)
    return out.sort_values(["change", key], ascending=[False, True]).head(n).reset_index(drop=True)


def top_series(frame: pd.DataFrame, split: str, kpi_id: str, n: int = 8) -> pd.DataFrame:
    """The rows of a KPI series split by ``split`` (as from metrics.kpi_series) of its ``n``
    largest units: by cases over the whole series when the frame has them, else by the sum
    of ``kpi_id``. Ties keep the first unit in the frame; an empty frame stays empty."""
    size = frame.groupby(split, sort=False)["cases" if "cases" in frame else kpi_id].sum()
    return frame[frame[split].isin(size.nlargest(n).index)]
