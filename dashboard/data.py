"""The dashboard's access to the store: cached engines and cached loaders of plain values.

Every loader takes plain, hashable values (the store URL, a level, a period string, a scope
as a tuple of (key, value) pairs, the rule set's TOML text or None for the default) and calls
the metrics, forecasting or caselog engines; nothing here writes SQL or groups rows.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence
from datetime import datetime

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

import accounts
import forecasting
import metrics
from caselog import StoreBusy, default_url, get_timezone, open_store
from caselog.geo import grid_features
from caselog.overview import StoreOverview, count_cases, data_version, store_overview
from forecasting.categoryruns import load_category_run
from metrics.cube import build as cubebuild
from metrics.cube import store as cubes
from records import appeals, inforce, orders
from records import publications as pubs
from services import publishing

Scope = tuple[tuple[str, str], ...]
TTL = 600


@st.cache_resource(show_spinner=False)
def engine(url: str | None = None) -> Engine:
    """The store's reading engine, shared by every session of this server process.

    On a DuckDB file it opens read-only and keeps an idle connection for at most 1.5 s, and
    not at all once a writer waits (so a ``gridpulse ingest`` in another process can take
    the file); while a writer holds it, a query waits up to GRIDPULSE_READ_WAIT seconds,
    then raises caselog.StoreBusy, which the pages show as one plain sentence
    (components.guarded). Slow results are kept beside the file until its next write
    (metrics.cube.cache)."""
    return open_store(url or default_url(), read_only=True)


@st.cache_resource(show_spinner=False)
def writer(url: str | None = None) -> Engine:
    """The store's engine for the app's own writes (sample city, upload, alerts, settings):
    it takes the write lock, waiting up to GRIDPULSE_WRITE_WAIT seconds for another load.
    It never upgrades an older store (caselog.StoreOutdated): that is the operator's
    ``python -m gridpulse db upgrade``, not a side effect of a page view."""
    return open_store(url or default_url(), upgrade=False)


def accounts_engine(url: str) -> Engine:
    """The accounts and audit-log database that belongs to the store at ``url``."""
    return _accounts_engine(accounts.accounts_url(url))


@st.cache_resource(show_spinner=False)
def _accounts_engine(accounts_url: str) -> Engine:
    return accounts.open_accounts(accounts_url)


def audit_export(url: str, username: str, what: dict) -> None:
    """Write an export (a download) to the audit log."""
    accounts.record(accounts_engine(url), username, "export", detail=what)


@functools.lru_cache(maxsize=16)
def rules(text: str | None) -> metrics.RuleSet:
    """The rule set from its TOML text (parsed once per text); the built-in default for None."""
    return metrics.parse_rules(text, "the uploaded rule set") if text else metrics.default_rules()


_building = threading.Lock()
_failed: dict[tuple[str, str | None], float] = {}  # builds that kept nothing, and when
RETRY = 600.0  # seconds before a build that kept nothing (e.g. a read-only disk) is tried again


def cube_missing(url: str, rules_text: str | None) -> bool:
    """True when the store could keep a KPI cube (metrics.cube) for the rule set in use and
    has none for its current data: then :func:`build_cube` makes every period's tables quick.
    False for PostgreSQL, while a load holds the store, and for ten minutes after a build
    that could keep nothing."""
    e = engine(url)
    if not cubes.possible(e) or time.monotonic() - _failed.get((url, rules_text), -RETRY) < RETRY:
        return False
    try:
        r = rules(rules_text)
        return cubes.find(e, r, metrics.resolve_as_of(e, None, None)) is None
    except StoreBusy:
        return False


def build_cube(url: str, rules_text: str | None) -> None:
    """Build the KPI cube for the rule set in use (one build at a time in this process)."""
    e = engine(url)
    with _building:
        if cube_missing(url, rules_text) and cubebuild.build(e, rules(rules_text)) is None:
            _failed[url, rules_text] = time.monotonic()


def _scope(scope: Scope) -> dict[str, str] | None:
    return dict(scope) or None


@st.cache_data(ttl=300, show_spinner=False)
def scope_exists(url: str, scope: Scope) -> bool:
    """True when ``scope`` names an area some case or grid of the store has (or is empty)."""
    try:
        metrics.check_scope(engine(url), metrics.Selection.build("city", None, scope=scope))
    except metrics.UnitError:
        return False
    return True


@st.cache_data(ttl=300, show_spinner=False)
def case_count(url: str) -> int:
    """Number of cases in the store at ``url``."""
    return count_cases(engine(url))


@st.cache_data(ttl=300, show_spinner=False)
def overview(url: str) -> StoreOverview:
    """Aggregates of what is loaded (cached for five minutes, cleared after a load)."""
    return store_overview(engine(url))


#: Cached loaders take a Selection and key it by its ``key`` (the rule set by content hash).
_BY_KEY = {metrics.Selection: lambda sel: sel.key}


def _cached(func):
    return st.cache_data(ttl=TTL, show_spinner=False, hash_funcs=_BY_KEY)(func)


@_cached
def assessment(url: str, sel: metrics.Selection) -> pd.DataFrame:
    """The assessment table (metrics.assess) with rank change."""
    return metrics.assess(engine(url), sel)


@_cached
def previous_scores(url: str, sel: metrics.Selection, as_of) -> pd.DataFrame:
    """The previous period's scored units that rank_change compared with (at ``as_of``)."""
    from metrics.assessment import previous_scores as scores

    return scores(engine(url), sel, as_of)


@_cached
def headline(url: str, sel: metrics.Selection) -> pd.DataFrame:
    """One row: the city-level (or scope-level) assessment of ``sel.period``."""
    return metrics.assess(engine(url), sel.by("city"), rank_change=False)


@_cached
def kpi_table(url: str, sel: metrics.Selection, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """metrics.kpi_table with numerators and denominators (for funnels and intervals)."""
    return metrics.kpi_table(engine(url), sel, kpis=list(kpis) if kpis else None)


@_cached
def series(url: str, sel: metrics.Selection, kpis: tuple[str, ...], freq: str) -> pd.DataFrame:
    """metrics.kpi_series: KPI values per day, week or month."""
    return metrics.kpi_series(engine(url), sel, list(kpis), freq=freq)


@_cached
def explain_counts(url: str, sel: metrics.Selection, unit: str, kpi_id: str):
    """Counts behind one unit's KPI (inside the selection's scope)."""
    return metrics.explain_counts(engine(url), sel, unit, kpi_id)


@_cached
def explain(url: str, sel: metrics.Selection, unit: str, kpi_id: str, part: str):
    """The first 200 cases in a unit's numerator, denominator or exclusions (inside scope)."""
    return metrics.explain(engine(url), sel, unit, kpi_id, part=part, limit=200)


@_cached
def cards(url: str, kind: str, sel: metrics.Selection) -> pd.DataFrame:
    """Red (overdue) or yellow (due within 24 h) cards, at most 5,000 cases."""
    load = metrics.red_cards if kind == "red" else metrics.yellow_cards
    return load(engine(url), sel, limit=5000)


#: Tables that take nothing but the selection: open cases by age bucket; open, overdue and
#: due-soon cases per unit of the selection's level; department cooperation; Kaplan–Meier
#: and plain median handling times per unit.
TABLES = {
    "ageing": metrics.ageing,
    "overdue": metrics.overdue_counts,
    "cooperation": metrics.cooperation_table,
    "km": metrics.km_handling,
}


@_cached
def table(url: str, name: str, sel: metrics.Selection) -> pd.DataFrame:
    """The table ``name`` of :data:`TABLES` for the selection."""
    return TABLES[name](engine(url), sel)


@st.cache_data(ttl=TTL, show_spinner=False)
def runs(url: str) -> pd.DataFrame:
    """Saved forecast runs, newest first."""
    return forecasting.list_runs(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def run(url: str, run_id: int, level: str, scope: Scope) -> forecasting.ForecastRun:
    """A saved forecast run with the forecasts of ``level``'s units inside ``scope``."""
    return forecasting.load_run(engine(url), run_id, level, scope=_scope(scope))


@st.cache_data(ttl=TTL, show_spinner=False)
def category_runs(url: str) -> pd.DataFrame:
    """Saved forecast runs by unit × category, newest first."""
    return forecasting.list_runs(engine(url), by="category")


@st.cache_data(ttl=TTL, show_spinner=False)
def category_run(url: str, run_id: int, scope: Scope) -> forecasting.ForecastRun:
    """A saved run by category with the series of units inside ``scope`` (``unit`` and
    ``category`` columns beside the contract's)."""
    return load_category_run(engine(url), run_id, scope=_scope(scope))


@st.cache_data(ttl=TTL, show_spinner=False)
def scores(url: str, run_id: int, level: str, scope: Scope) -> pd.DataFrame:
    """Per-unit backtest scores of a saved run (units of ``level`` inside ``scope``)."""
    return forecasting.load_scores(engine(url), run_id, level, scope=_scope(scope))


@st.cache_data(ttl=TTL, show_spinner=False)
def alerts(url: str, scope: Scope) -> pd.DataFrame:
    """Stored surge alerts, newest first (of grids inside ``scope`` when one is given)."""
    return forecasting.load_alerts(engine(url), scope=_scope(scope))


@st.cache_data(ttl=TTL, show_spinner=False)
def unit_history(url: str, level: str, unit: str, scope: Scope) -> pd.DataFrame:
    """Daily case counts of one unit (``ds, y``), counting only cases inside ``scope``."""
    panel = forecasting.extract_panel(engine(url), level, unit=unit, scope=_scope(scope))
    return panel.to_long()[["ds", "y"]]


@st.cache_data(ttl=TTL, show_spinner=False)
def settings(url: str, scope: Scope) -> pd.DataFrame:
    """Saved tuned settings inside ``scope`` (forecasting.saved_settings), newest first."""
    return forecasting.saved_settings(engine(url), dict(scope))


@st.cache_resource(ttl=3600, show_spinner=False)
def grids_geojson(url: str, scope: Scope) -> dict:
    """The polygons of the grids inside ``scope`` as a GeoJSON FeatureCollection
    (caselog.geo); treat as read-only.

    A resource, not data: 25,000 polygons are ~8 MB, and cache_data's copy on every read
    costs about a second, while the polygons never change between loads."""
    return grid_features(engine(url), _scope(scope))


#: Writes that change what pages show: loads (also uploads and the sample build),
#: forecast runs and surge-alert detections, from this app or any other process.
VERSIONED = ("ingest_log", "forecast_runs", "surge_alerts")
VERSION_TTL = 15


@st.cache_data(ttl=VERSION_TTL, show_spinner=False)
def _version(url: str) -> tuple:
    # an appeal's decision is an update: its own version, as it changes the KPIs
    return (*data_version(engine(url), VERSIONED), appeals.version(engine(url)))


@st.cache_resource(show_spinner=False)
def _seen() -> dict[str, tuple]:
    """The store version this server process's cached figures were computed on, per URL."""
    return {}


def refresh_if_changed(url: str) -> None:
    """Drop cached figures when the store changed since they were computed (checked at most
    every VERSION_TTL seconds), so a command-line load shows up within seconds, not after
    the loaders' ten-minute lifetime."""
    version = _version(url)
    seen = _seen()
    if seen.get(url) not in (None, version):
        forget_cached_data()
    seen[url] = version


def forget_cached_data() -> None:
    """Drop cached query results (and the cached polygons) after the store changed."""
    st.cache_data.clear()
    grids_geojson.clear()


@_cached
def export(url: str, sel: metrics.Selection, suffix: str, lang: str = "zh") -> bytes:
    """The assessment file exactly as ``gridpulse assess`` writes it (.csv or .xlsx), as bytes;
    Excel headers and sheet names in ``lang`` (the page's language)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"assessment{suffix}"
        metrics.write_assessment(engine(url), sel, path, lang=lang)
        return path.read_bytes()


@st.cache_data(ttl=TTL, show_spinner=False)
def unit_ids(url: str, level: str, scope: Scope = ()) -> list[str]:
    """The unit ids of a forecasting level inside ``scope`` (东城区/东华门街道 for streets;
    'city'); none for a level coarser than the scope."""
    within = forecasting.units_within(engine(url), level, _scope(scope))
    if within is not None:
        return sorted(within)
    return sorted(forecasting.hierarchy(engine(url), level)[level].astype(str).unique())


def tune(url: str, level: str, unit: str, model: str, params: dict, scope: Scope):
    """Backtest one unit with chosen settings (forecasting.tune_series); a unit outside
    ``scope`` is refused before anything is read."""
    if unit not in unit_ids(url, level, scope):
        raise accounts.AccessDenied(f"{unit} is outside your scope.")
    return forecasting.tune_series(engine(url), level, unit, model, params)


@st.cache_data(ttl=TTL, show_spinner=False)
def freshness(url: str, known_at: datetime | None = None) -> metrics.Freshness:
    """数据截至 (the store's latest case timestamp, the default as_of) and the latest load;
    of the data as known at ``known_at`` (city time) when given."""
    return metrics.freshness(engine(url), known_at)


@st.cache_data(ttl=TTL, show_spinner=False)
def loads(url: str) -> pd.DataFrame:
    """The store's loads of cases and ratings, newest first (metrics.loads): the data
    versions the sidebar offers."""
    return metrics.loads(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def case_versions(url: str, case_id: str, scope: Scope) -> pd.DataFrame:
    """Every version of one case inside ``scope``, oldest first (metrics.case_versions)."""
    return metrics.case_versions(engine(url), case_id, _scope(scope))


def appeal_list(url: str, account: accounts.Account, status: str | None = None) -> pd.DataFrame:
    """The appeals on cases inside the account's scope, newest first (records.appeals;
    read on every run, never cached: a decision must show at once)."""
    return appeals.list_appeals(engine(url), account, status=status)


def order_list(url: str, account: accounts.Account) -> pd.DataFrame:
    """The supervision orders the account may see, newest first (records.orders)."""
    return orders.list_orders(engine(url), account)


def order_counts(url: str, account: accounts.Account) -> pd.DataFrame:
    """Orders, open, answered and late per receiving unit (records.orders)."""
    return orders.order_counts(engine(url), account)


def receivers(url: str, case_id: str) -> list[tuple[str, str]]:
    """Where an order on ``case_id`` may go: (street, 区/街道) and (department, name)."""
    return orders.receivers(engine(url), case_id)


#: Publications change only when one is made: listed for a short while, dropped after ours.
PUBLICATIONS_TTL = 15


@st.cache_data(ttl=PUBLICATIONS_TTL, show_spinner=False)
def publications(url: str) -> pd.DataFrame:
    """Every publication, newest first (records.publications.list_publications)."""
    return pubs.list_publications(engine(url))


@st.cache_data(ttl=PUBLICATIONS_TTL, show_spinner=False)
def publication(url: str, pub_id: int) -> pubs.Publication:
    """One publication with its frozen CSV (never changes once made)."""
    return pubs.get_publication(engine(url), pub_id)


@st.cache_data(ttl=PUBLICATIONS_TTL, show_spinner=False, hash_funcs=_BY_KEY)
def latest_publication(url: str, sel: metrics.Selection) -> pubs.Publication | None:
    """The newest publication of the selection's level, period, scope and rule set."""
    return pubs.latest_of(engine(url), sel)


@st.cache_data(ttl=TTL, show_spinner=False)
def timezone(url: str) -> str | None:
    """The store's city time zone (publication times are shown in it)."""
    return get_timezone(engine(url))


def appeals_in_force(url: str, sel: metrics.Selection) -> list[dict]:
    """The approved appeals a publication of ``sel`` made now would list."""
    return inforce.appeals_in_force(engine(url), sel, pubs.moment(timezone(url)))


def publish(url: str, sel: metrics.Selection, title: str, username: str):
    """Publish ``sel`` as ``username`` through the app's writer (services.publishing), then
    drop the cached publication lists; PublicationError passes through, nothing written."""
    asked = pubs.moment(timezone(url))  # before the writer waits for a load or another publisher
    done = publishing.publish_recorded(
        writer(url), accounts_engine(url), sel, title=title, by=username, asked=asked
    )
    for loader in (publications, latest_publication):
        loader.clear()
    return done
