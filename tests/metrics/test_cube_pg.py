"""The KPI cube kept in a PostgreSQL store gives PostgreSQL's tables from the cases, and DuckDB's."""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd
import pytest
from metrics_factory import insert, make_case
from sqlalchemy import func, select, text
from test_cube import PERIODS, SCOPES, random_city, same, same_supervision, supervision

from caselog import open_store
from metrics import assess, cooperation_table, km_handling, kpi_series, kpi_table, pgcopy
from metrics.cube import build as cubebuild
from metrics.cube import pg as pg_cube
from metrics.cube import query as cubequery
from metrics.cube import store as cube
from metrics.query import latest_timestamp
from metrics.registry import LEVELS
from metrics.rules import load_rules
from metrics.selection import Selection
from services.afterload import after_load
from tests.conftest import _pg_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The random city of test_cube.py in a PostgreSQL store (its cube built as a load
    builds it) and in a read-only DuckDB store with its own cube."""
    rows, rates, grids = random_city(1)
    for pg in _pg_database():
        insert(pg, rows, rates, grids)
        url = pg.url.render_as_string(hide_password=False)
        assert after_load(url).error is None
        path = tmp_path_factory.mktemp("duck") / "store.duckdb"
        writer = open_store(f"duckdb:///{path}")
        insert(writer, rows, rates, grids)
        writer.dispose()
        duck = open_store(f"duckdb:///{path}", read_only=True)
        assert cubebuild.build(duck) is not None
        yield pg, duck
        duck.dispose()


def as_duckdb(pg_frame: pd.DataFrame, duck_frame: pd.DataFrame) -> None:
    """PostgreSQL's table equals DuckDB's (integer columns may come back as floats there)."""
    pd.testing.assert_frame_equal(
        pg_frame, duck_frame, check_dtype=False, check_exact=False, rtol=1e-12
    )


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("by", [lv for lv in LEVELS if cube.covers(lv)])
def test_kpi_tables_from_the_cube_equal_those_from_the_cases(city, attached, by, period):
    pg, duck = city
    table = same(lambda: kpi_table(pg, Selection.build(by, period)), attached)
    as_duckdb(table, kpi_table(duck, Selection.build(by, period)))
    if by != "city" and period == "2025":
        assert len(table) >= 2 and table["cases"].sum() > 0


@pytest.mark.parametrize("scope", SCOPES, ids=str)
@pytest.mark.parametrize("by", ["city", "street", "department"])
def test_scoped_tables_from_the_cube(city, attached, by, scope):
    pg, duck = city
    for period in ("2025Q1", "2025-02-10..2025-03-20", "2025"):
        sel = Selection.build(by, period, scope=scope)
        as_duckdb(same(lambda s=sel: kpi_table(pg, s), attached), kpi_table(duck, sel))


@pytest.mark.parametrize("scope", SCOPES, ids=str)
def test_supervision_from_the_cube(city, attached, scope):
    pg, duck = city
    frames = same_supervision(pg, attached, scope=scope)
    for mine, theirs in zip(frames, supervision(duck, scope=scope), strict=True):
        as_duckdb(mine, theirs)


@pytest.mark.parametrize("freq", ["day", "week", "month"])
def test_series_cooperation_and_kaplan_meier_from_the_cube(city, attached, freq):
    pg, duck = city
    kpis = ["cases", "response_rate", "satisfaction_rate", "median_handling_h", "composite_score"]
    sel = Selection.build("district", "2025-01-27..2025-03-16")
    series = same(lambda: kpi_series(pg, sel, kpis, freq=freq), attached)
    as_duckdb(series, kpi_series(duck, sel, kpis, freq=freq))
    sel = Selection.build("department", "2025Q1", scope={"district": "东城区"})
    as_duckdb(same(lambda: cooperation_table(pg, sel), attached), cooperation_table(duck, sel))
    as_duckdb(same(lambda: km_handling(pg, sel), attached), km_handling(duck, sel))
    sel = Selection.build("street", "2025-03")
    as_duckdb(same(lambda: assess(pg, sel), attached), assess(duck, sel))
    for period in ("2025", "2025-02"):  # the Kaplan–Meier figures kept per year and month
        sel = Selection.build("department", period)
        as_duckdb(same(lambda s=sel: km_handling(pg, s), attached), km_handling(duck, sel))


def _cube_schemas(engine) -> list[str]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gp_%'"))
        return sorted(found.scalars())


def test_a_districts_cases_are_read_through_the_block_range_index(city):
    """Per-case tables lie in district and day order under a block-range index on both, and
    a district's scope compares the district's key, which PostgreSQL looks up in it."""
    pg, _ = city
    found = cube.find(pg, load_rules(None), latest_timestamp(pg))
    with pg.connect() as conn:
        indexes = conn.execute(
            text("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = :s"),
            {"s": found.alias},
        ).all()
        brin = {t for t, d in indexes if d.endswith("USING brin (k_district, day)")}
        assert brin == set(pg_cube.PER_CASE)
        facts = found.t["facts"]
        inside = cubequery.scope_conditions(found, facts, {"district": "东城区"})
        stmt = select(func.count()).where(facts.c.day.between(20108, 20208), *inside)
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # as at millions of cases
        plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {sql}").scalars())
        assert re.search(r"Index Cond: \(\(k_district = \$\d\) AND \(day >=", plan), plan
        got = conn.exec_driver_sql(sql).scalar()
    period = "2025-01-20..2025-04-30"  # day 20108 to 20208
    with cube.bypassed():
        want = kpi_table(pg, Selection.build("city", period, scope={"district": "东城区"}))
    assert got == want["cases"].iloc[0] > 0


def test_a_write_makes_the_cube_stale_until_the_next_build(attached):
    rows, rates, grids = random_city(2, 120)
    for pg in _pg_database():
        insert(pg, rows, rates, grids)
        assert cubebuild.build(pg) is not None
        assert len(_cube_schemas(pg)) == 1
        sel = Selection.build("city", "2025")
        before = same(lambda e=pg, s=sel: kpi_table(e, s), attached)
        insert(pg, [make_case(reported_at=datetime(2025, 2, 2, 9))])
        attached.clear()
        after = kpi_table(pg, sel)
        assert not attached  # the cube was for the data before the write
        assert after["cases"].iloc[0] == before["cases"].iloc[0] + 1
        assert cubebuild.build(pg) is not None
        assert len(_cube_schemas(pg)) == 1  # the stale cube was dropped
        pd.testing.assert_frame_equal(same(lambda e=pg, s=sel: kpi_table(e, s), attached), after)


def test_the_latest_timestamp_recorded_by_the_build_holds_until_a_write():
    rows, rates, grids = random_city(4, 60)
    newest = max(v for row in rows for v in row.values() if isinstance(v, datetime))
    for pg in _pg_database():
        insert(pg, rows, rates, grids)
        assert latest_timestamp(pg) == newest  # scanned: no cube yet
        assert cubebuild.build(pg) is not None
        with pg.connect() as conn:
            assert pg_cube.latest(conn) == newest
        assert latest_timestamp(pg) == newest
        later = datetime(2025, 6, 1, 8)
        insert(pg, [make_case(reported_at=later)])
        with pg.connect() as conn:
            assert pg_cube.latest(conn) is None  # the build's record is of older data
        assert latest_timestamp(pg) == later


def test_slow_results_are_kept_in_the_cube_until_a_write(attached, monkeypatch):
    """A result over the cube slower than cache.SLOW is kept in the cube's schema: the same
    query again is answered from there (equal frame, no KPI statement run) until a write."""
    from metrics.cube import cache

    rows, rates, grids = random_city(5, 120)
    copied = []

    def copying(conn, stmt, **how):
        copied.append(stmt)

    for pg in _pg_database():
        insert(pg, rows, rates, grids)
        assert cubebuild.build(pg) is not None
        sel = Selection.build("street", "2025Q1")
        monkeypatch.setattr(cache, "SLOW", 0.0)  # every result counts as slow
        first = kpi_table(pg, sel)
        pg_cube.settle()  # kept on a thread of its own
        (schema,) = _cube_schemas(pg)
        with pg.connect() as conn:
            kept = conn.execute(text(f"SELECT count(*) FROM {schema}.{pg_cube.KEPT}")).scalar()
        assert kept >= 1
        monkeypatch.setattr(pgcopy, "frame", copying)
        again = kpi_table(pg, sel)
        assert not copied  # answered from what was kept
        pd.testing.assert_frame_equal(again, first, check_exact=True)
        monkeypatch.undo()
        insert(pg, [make_case(reported_at=datetime(2025, 2, 2, 9), district="东城区")])
        after = kpi_table(pg, sel)  # the cube, and what it kept, are of older data
        assert after["cases"].sum() == first["cases"].sum() + 1
