"""The figures a bulletin shows, computed by the metrics entry points (or read from a publication)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine

from caselog.store import get_timezone
from metrics.assessment import assess
from metrics.cooperation import cooperation_table
from metrics.errors import MetricsError
from metrics.export import assessment_meta
from metrics.known import city_now
from metrics.period import Period, parse_period, span
from metrics.query import kpi_table
from metrics.rules import parse_rules
from metrics.selection import Selection, parse_scope
from metrics.supervision import overdue_counts
from metrics.timeseries import kpi_series
from metrics.trends import rising_units
from records.inforce import appeals_in_force
from records.orders import order_counts
from records.publications import LEVELS, Publication, get_publication

#: The city-wide KPIs of the overview, in the order shown.
HEADLINE = (
    "cases",
    "response_rate",
    "closure_rate",
    "on_time_rate",
    "overdue_open",
    "solved_rate",
    "satisfaction_rate",
    "mean_response_min",
    "mean_handling_h",
)
TREND_MONTHS = 12


class BulletinError(MetricsError):
    """A bulletin that cannot be made; the message is one plain sentence."""


@dataclass(frozen=True)
class Figures:
    """Everything a bulletin shows, as frames and values, before any formatting.

    ``table`` is the assessment (metrics.assess) or the publication's frozen table;
    ``headline`` has one row per period (now, previous, year_ago) of HEADLINE; ``overdue``
    maps 'department' and 'street' to metrics.overdue_counts frames joined with the
    supervision orders each received (orders, orders_open, orders_late); ``trend`` is the
    city's monthly cases and on-time rate; ``appeals`` are the dicts a publication
    records (records.inforce)."""

    sel: Selection
    table: pd.DataFrame
    meta: dict[str, str]
    publication: Publication | None
    headline: pd.DataFrame
    overdue: dict[str, pd.DataFrame]
    cooperation: pd.DataFrame
    categories: pd.DataFrame
    trend: pd.DataFrame
    appeals: list[dict]
    generated_at: datetime


def gather(engine: Engine, source: Selection | Publication | int | str) -> Figures:
    """The figures of a live selection (computed now: a preliminary bulletin) or of a
    publication (its frozen table, and every other figure computed from the data as known
    at its moment with its as_of and rule set). BulletinError (one sentence) for a level
    that ranks no units, a selection without a period, or a period without cases."""
    zone = get_timezone(engine)
    pub = None
    if isinstance(source, Selection):
        sel = source
        _check(sel)
        table = assess(engine, sel)
        _not_empty(table, sel)
        sel = replace(sel, as_of=table.attrs["as_of"])
        meta = assessment_meta(engine, sel, table)
        known = sel.as_known_at or city_now(zone)
        appeals = appeals_in_force(engine, sel, known)
    else:
        pub = source if isinstance(source, Publication) else get_publication(engine, source)
        sel = selection_of(pub)
        table, meta = pub.table(), pub.meta()
        appeals = list(pub.appeals)
    return Figures(
        sel=sel,
        table=table,
        meta=meta,
        publication=pub,
        headline=_headline(engine, sel),
        overdue={lv: _overdue(engine, sel, lv) for lv in ("department", "street")},
        cooperation=cooperation_table(engine, sel),
        categories=_categories(engine, sel),
        trend=_trend(engine, sel),
        appeals=appeals,
        generated_at=city_now(zone).replace(microsecond=0),
    )


def selection_of(pub: Publication) -> Selection:
    """The selection a publication froze: its level, period, scope and rule set, its as_of,
    and the data as known at its moment."""
    return Selection(
        level=pub.level,
        period=parse_period(pub.period),
        scope=parse_scope(pub.scope),
        rules=parse_rules(pub.rules_text, f"publication {pub.id}'s rule set"),
        as_of=pub.as_of,
        as_known_at=pub.as_known_at,
    )


def _check(sel: Selection) -> None:
    if sel.level not in LEVELS:
        raise BulletinError(f"A bulletin ranks units ({', '.join(LEVELS)}), not {sel.level}.")
    if sel.period is None:
        raise BulletinError("A bulletin needs a period, such as 2025-03.")


def _not_empty(table: pd.DataFrame, sel: Selection) -> None:
    if not len(table) or not table["cases"].fillna(0).sum():
        where = sel.scope_path or "the city"
        raise BulletinError(
            f"{sel.period.label} has no case in {where} by {sel.level}; there is nothing to report."
        )


def _headline(engine: Engine, sel: Selection) -> pd.DataFrame:
    """HEADLINE over the whole scope for the period, its 环比 and its 同比 period, judged at
    the same as_of; index now, previous, year_ago."""
    city = sel.by("city")
    rows = {}
    for name, period in (
        ("now", sel.period),
        ("previous", sel.previous),
        ("year_ago", sel.year_ago),
    ):
        got = kpi_table(engine, city.at(period), kpis=list(HEADLINE))
        rows[name] = got.iloc[0] if len(got) else pd.Series(dtype=float)
    frame = pd.DataFrame(rows).T
    return frame.reindex(columns=list(HEADLINE))


def _overdue(engine: Engine, sel: Selection, level: str) -> pd.DataFrame:
    """Open and overdue cases now per unit of ``level`` (metrics.overdue_counts) with the
    supervision orders the unit received (records.orders.order_counts), most overdue first."""
    frame = overdue_counts(engine, sel.by(level))
    orders = order_counts(engine)
    orders = orders[orders["to_kind"] == level]
    unit = (
        frame["department"] if level == "department" else frame["district"] + "/" + frame["street"]
    )
    got = orders.set_index("to_unit")
    frame["orders"] = unit.map(got["orders"]).fillna(0).astype("int64")
    frame["orders_open"] = unit.map(got["open"]).fillna(0).astype("int64")
    frame["orders_late"] = unit.map(got["late"]).fillna(0).astype("int64")
    return frame


def _categories(engine: Engine, sel: Selection) -> pd.DataFrame:
    """Categories whose case count grew most against the previous period (metrics.trends)."""
    cats = sel.by("category")
    now = kpi_table(engine, cats, kpis=["cases"])
    before = kpi_table(engine, cats.at(sel.previous), kpis=["cases"])
    rising = rising_units(now, before, "category", n=5)
    return rising[rising["change"] > 0].reset_index(drop=True)


def trend_period(period: Period) -> Period:
    """The TREND_MONTHS whole months ending with the month the period ends in."""
    end = period.end
    first = end.year * 12 + end.month - TREND_MONTHS
    start = date(first // 12, first % 12 + 1, 1)
    last = parse_period(f"{end.year}-{end.month:02d}").end
    return span(start, last)


def _trend(engine: Engine, sel: Selection) -> pd.DataFrame:
    """The scope's cases and on-time rate per month over trend_period; months before the
    first case are dropped."""
    frame = kpi_series(
        engine, sel.by("city").at(trend_period(sel.period)), ["cases", "on_time_rate"]
    )
    frame = frame.sort_values("ds").reset_index(drop=True)
    started = frame["cases"].cumsum() > 0
    return frame[started].reset_index(drop=True)
