"""Time each dashboard page's loaders on a Beijing-scale store (5.5 million cases).

For every page, the loaders it calls (dashboard.data, i.e. the metrics/forecasting engines
behind streamlit's cache) run for several filter changes (periods, and a scope for the
period-free pages): *cold* is the first call with those filters (engine work), *warm* the
same call again (served by st.cache_data, which is what a user sees on returning to a
filter). Prints a markdown table of medians.

    .venv/bin/python benchmarks/bench_pages.py --db duckdb:///benchmarks/.cache/assess/store_5500000.duckdb

Build such a store with ``gridpulse sample --grids 25000 --years 1 --cases-per-year 5500000``
and ``gridpulse ingest`` (grids with their grids.geojson, so the map has polygons).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

# Run as a script from anywhere: the project's packages live one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PERIODS = ("2025-10", "2025-11", "2025-12", "2025Q4", "2025")


def _pages(url: str, scope_for: Callable[[int], tuple]) -> dict[str, Callable[[str, tuple], None]]:
    import metrics
    from dashboard import data

    def sel(level, p, scope):
        return metrics.Selection.build(level, p, scope=scope)

    def overview(p, scope):
        s = sel("city", p, scope)
        for q in (s, s.at(s.previous), s.at(s.year_ago)):
            data.headline(url, q)
        data.series(url, s, ("cases",), "day")
        data.assessment(url, s.by("street"))
        data.runs(url)
        data.alerts(url, scope)

    def assessment(p, scope):
        s = sel("street", p, scope)
        table = data.assessment(url, s)
        data.export(url, s, ".xlsx")
        data.export(url, s, ".csv")
        data.kpi_table(url, s)
        unit = f"{table['district'].iloc[0]}/{table['street'].iloc[0]}"
        data.explain_counts(url, s, unit, "response_rate")
        data.explain(url, s, unit, "response_rate", "numerator")

    def supervision(p, scope):
        s = sel("department", p, scope)
        data.table(url, "ageing", s)
        data.cards(url, "red", s)
        data.cards(url, "yellow", s)
        data.table(url, "overdue", s)
        data.table(url, "overdue", s.by("street"))

    def departments(p, scope):
        s = sel("department", p, scope)
        data.table(url, "cooperation", s)
        data.table(url, "km", s)

    def trends(p, scope):
        s = sel("city", p, scope)
        end = s.period.end
        window = metrics.span(end.replace(year=end.year - 2), end)
        data.series(url, s.at(window), ("cases",), "month")
        data.kpi_table(url, s.by("category"), ("cases",))
        data.kpi_table(url, s.by("category").at(s.previous), ("cases",))

    def grid_map(p, scope):
        data.grids_geojson(url, scope)
        data.assessment(url, sel("grid", p, scope))

    def forecasts(p, scope):
        data.runs(url)
        units = data.unit_ids(url, "street", scope)
        data.unit_history(url, "street", units[0], scope)

    def data_page(p, scope):
        data.overview(url)

    return {
        "城市总览 overview": overview,
        "考核排名 assessment": assessment,
        "督查督办 supervision": supervision,
        "部门协同 departments": departments,
        "趋势分析 trends": trends,
        "网格地图 grid map": grid_map,
        "预测分析 forecasts": forecasts,
        "数据管理 data": data_page,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a loaded store")
    parser.add_argument("--pages", nargs="*", help="only these pages (substring match)")
    parser.add_argument(
        "--apptest",
        action="store_true",
        help="time whole page scripts (streamlit AppTest: loaders + rendering) instead",
    )
    args = parser.parse_args()
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    warnings.filterwarnings("ignore")
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    if args.apptest:
        _apptest(args.db, args.pages)
        return

    import metrics
    from dashboard import data

    engine = data.engine(args.db)
    _forget_kept(engine)
    n = data.case_count(args.db)
    streets = metrics.kpi_table(
        engine, metrics.Selection.build("street", PERIODS[-1]), kpis=["cases"]
    )
    districts = sorted(streets["district"].dropna().unique())

    def scope_for(i: int) -> tuple:
        return () if i == 0 else (("district", districts[i % len(districts)]),)

    rows = []
    for name, page in _pages(args.db, scope_for).items():
        if args.pages and not any(p in name for p in args.pages):
            continue
        cold, warm = [], []
        # filter changes: each period for the whole city, then the last period per district
        changes = [(p, ()) for p in PERIODS] + [(PERIODS[-1], scope_for(i)) for i in (1, 2)]
        for period, scope in changes:
            start = time.perf_counter()
            page(period, scope)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            page(period, scope)
            warm.append(time.perf_counter() - start)
        rows.append((name, statistics.median(cold), max(cold), statistics.median(warm), max(warm)))
        print(
            f"  {name}: cold {statistics.median(cold):.2f}s warm {statistics.median(warm):.3f}s",
            flush=True,
        )

    print(f"\nPage loaders on {n:,} cases ({len(changes)} filter changes each; seconds)\n")
    print("| page | cold median | cold max | warm median | warm max |")
    print("|---|---:|---:|---:|---:|")
    for name, cm, cx, wm, wx in rows:
        print(f"| {name} | {cm:.2f} | {cx:.2f} | {wm:.3f} | {wx:.3f} |")


def _forget_kept(engine) -> None:
    """Remove the results kept beside a DuckDB store (metrics.cube.cache: the warm-up's and
    earlier runs', not its cube) or in a PostgreSQL store's cubes (metrics.cube.pg.keep),
    so that cold means computed, not read from an earlier run."""
    from sqlalchemy import text

    from metrics.cube import cache
    from metrics.cube.pg import KEPT

    if engine.dialect.name == "duckdb":
        kept = cache.root(engine)
        for result in kept.glob("*/*.arrow") if kept else ():
            result.unlink()
        return

    with engine.begin() as conn:
        found = conn.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gp_cube_%'")
        )
        for schema in found.scalars().all():
            if conn.execute(text(f"SELECT to_regclass('{schema}.{KEPT}')")).scalar():
                conn.execute(text(f"TRUNCATE {schema}.{KEPT}"))


APP_PAGES = (
    "overview",
    "assessment",
    "supervision",
    "departments",
    "trends",
    "grid_map",
    "forecasts",
    "data_overview",
)


def _apptest(url: str, only: list[str] | None) -> None:
    """Whole page runs: first view of each period (cold), then back to it (warm)."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    os.chdir(root)
    os.environ["GRIDPULSE_DB"] = url
    rows = []
    for name in APP_PAGES:
        if only and not any(p in name for p in only):
            continue
        at = AppTest.from_file(str(root / "streamlit_app.py"), default_timeout=600)
        at.session_state["db_url"] = url
        at.session_state["period"] = PERIODS[0]
        at.run()
        at.switch_page(f"dashboard/pages/{name}.py")
        cold, warm = [], []
        for period in PERIODS:
            at.text_input(key="_period_zh").set_value(period)
            start = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - start)
        for period in PERIODS:
            at.text_input(key="_period_zh").set_value(period)
            start = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        rows.append((name, statistics.median(cold), max(cold), statistics.median(warm), max(warm)))
        print(f"  {name}: cold {rows[-1][1]:.2f}s warm {rows[-1][3]:.2f}s", flush=True)
    print(f"\nWhole page runs (AppTest), {len(PERIODS)} period changes each; seconds\n")
    print("| page | cold median | cold max | warm median | warm max |")
    print("|---|---:|---:|---:|---:|")
    for name, cm, cx, wm, wx in rows:
        print(f"| {name} | {cm:.2f} | {cx:.2f} | {wm:.2f} | {wx:.2f} |")


if __name__ == "__main__":
    main()
