"""A department account's scope (party): its cases as primary or assisting department, its
own rows only, filtered in the SQL statements, on DuckDB and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from metrics_factory import insert, make_case, make_rating
from sqlalchemy import event

import metrics
from caselog import open_store
from metrics import pgcopy
from metrics.cube import build as cubebuild
from metrics.cube import store as cubestore
from metrics.selection import Selection

ME = "城管_委"  # an underscore: a LIKE wildcard that must match only itself
PERIOD = "2025-03"
LO, HI = datetime(2025, 3, 1), datetime(2025, 4, 1)


def _city(seed: int = 11, n: int = 500):
    """Cases of 城管_委 as primary, as assisting, of others with it assisting, and of 深海专班
    (and of 城管X委, which the wildcard would match) that never involve it; ratings of all."""
    rng = np.random.default_rng(seed)
    streets = [("东城区", "东华门街道"), ("东城区", "景山街道"), ("西城区", "西长安街街道")]
    primaries = [ME, "住建", "深海专班", "城管X委", None]
    assists = [None, f"住建;{ME}", ME, "公安", "住建;公安", f"{ME};水务"]
    rows, rates = [], []
    t0 = datetime(2025, 2, 20)
    for i in range(n):
        district, street = streets[i % 3]
        rep = t0 + timedelta(minutes=int(rng.integers(0, 60 * 24 * 50)))
        primary = primaries[int(rng.integers(0, len(primaries)))]
        assist = assists[int(rng.integers(0, len(assists)))]
        if primary in ("深海专班", "城管X委"):
            assist = "公安" if assist else None  # these never share a case with 城管_委
        disp = rep + timedelta(minutes=int(rng.integers(1, 600))) if primary else None
        closed = rep + timedelta(hours=int(rng.integers(1, 400))) if rng.random() < 0.6 else None
        row = make_case(
            case_id=f"P{i:05d}",
            reported_at=rep,
            district=district,
            street=street,
            community="社区A",
            grid_id=f"G{i % 6}",
            source=["patrol", "hotline", "whistle"][int(rng.integers(0, 3))],
            department=primary,
            assist_departments=assist,
            dispatched_at=disp,
            responded_at=disp + timedelta(minutes=int(rng.integers(1, 300))) if disp else None,
            closed_at=closed,
            status="cancelled" if rng.random() < 0.05 else ("closed" if closed else "open"),
            solved=[True, False, None][int(rng.integers(0, 3))],
            satisfaction=["satisfied", "basic", "dissatisfied", None][int(rng.integers(0, 4))],
            reassigned=int(rng.integers(0, 2)),
        )
        rows.append(row)
        involved = dict.fromkeys(d for d in [primary, *(assist or "").split(";")] if d)
        for dept in involved:
            if rng.random() < 0.6:
                rates.append(make_rating(row["case_id"], dept, float(rng.integers(40, 101))))
    # a rating of 城管_委 on a case it has no part in (flagged at ingest): not its case
    stranger = next(r for r in rows if r["department"] == "深海专班" and r["status"] != "cancelled")
    rates.append(make_rating(stranger["case_id"], ME, 1.0))
    return rows, rates, []


@pytest.fixture
def city(store):
    rows, rates, _ = _city()
    insert(store, rows, rates)
    cases = pd.DataFrame(rows)
    ratings = pd.DataFrame(rates)
    return store, cases, ratings


def _mine(cases: pd.DataFrame) -> pd.DataFrame:
    """The period's non-cancelled cases where 城管_委 is primary or assisting, in pandas."""
    assisted = cases["assist_departments"].fillna("").str.split(";").map(lambda d: ME in d)
    inside = (cases["reported_at"] >= LO) & (cases["reported_at"] < HI)
    keep = inside & (cases["status"] != "cancelled") & ((cases["department"] == ME) | assisted)
    return cases[keep]


def _sel(level: str, period=PERIOD, **scope) -> Selection:
    return Selection.build(level, period, scope={"party": ME, **scope})


def _rates(frame: pd.DataFrame) -> dict[str, float]:
    sat = frame["satisfaction"]
    points = (sat == "satisfied").sum() + 0.9 * (sat == "basic").sum()
    return {
        "cases": len(frame),
        "closure_rate": frame["closed_at"].notna().mean(),
        "solved_rate": (frame["solved"] == True).sum() / frame["solved"].notna().sum(),  # noqa: E712
        "satisfaction_rate": points / sat.notna().sum(),
    }


def test_kpis_are_those_of_its_primary_or_assisting_cases(city):
    engine, cases, _ = city
    mine = _mine(cases)
    assert 30 < len(mine) < len(cases[(cases.reported_at >= LO) & (cases.reported_at < HI)])
    whole = metrics.kpi_table(engine, _sel("city")).iloc[0]
    for kid, want in _rates(mine).items():
        assert whole[kid] == pytest.approx(want), kid
    by_street = metrics.kpi_table(engine, _sel("street")).set_index("street")
    for street, part in mine.groupby("street"):
        for kid, want in _rates(part).items():
            assert by_street.loc[street, kid] == pytest.approx(want), (street, kid)
    assert set(by_street.index) == set(mine["street"])


def test_the_department_level_holds_its_own_row_only(city):
    engine, cases, ratings = city
    mine = _mine(cases)
    primary = mine[mine["department"] == ME]
    table = metrics.assess(engine, _sel("department"))
    assert list(table["department"]) == [ME]
    row = table.iloc[0]
    assert row["cases"] == len(primary)
    dispatched = primary[primary["dispatched_at"].notna()]
    assert row["reassign_rate"] == pytest.approx((dispatched["reassigned"] > 0).mean())
    # ratings of it on its cases (primary or assisting); never the other departments' ones
    own = ratings[(ratings["department"] == ME) & ratings["case_id"].isin(mine["case_id"])]
    assert row["rating_count"] == len(own) > 0
    assert row["rating_mean"] == pytest.approx(own["score"].mean())

    coop = metrics.cooperation_table(engine, _sel("street"))
    assert list(coop["department"]) == [ME]
    assisted = mine["assist_departments"].fillna("").str.split(";").map(lambda d: ME in d)
    assert coop["assist_cases"].iloc[0] == assisted.sum() > 0
    whistle = primary[primary["source"] == "whistle"]
    assert coop["whistle_cases"].iloc[0] == len(whistle)
    assert coop["rating_count"].iloc[0] == len(own)

    series = metrics.kpi_series(engine, _sel("department"), ["cases"], freq="week")
    assert set(series["department"]) == {ME} and series["cases"].sum() == len(primary)
    km = metrics.km_handling(engine, _sel("department"))
    assert list(km["department"]) == [ME]
    overdue = metrics.overdue_counts(engine, _sel("department", None))
    assert list(overdue["department"]) == [ME]
    with pytest.raises(metrics.MetricsError, match="outside the scope"):
        metrics.explain(engine, _sel("department"), "住建", "cases")


def test_lists_and_cases_behind_a_figure_are_its_own(city):
    engine, cases, _ = city
    assisted = cases["assist_departments"].fillna("").str.split(";").map(lambda d: ME in d)
    anywhen = set(cases.loc[(cases["department"] == ME) | assisted, "case_id"])
    for load in (metrics.red_cards, metrics.yellow_cards):
        listed = load(engine, _sel("street", None), limit=None)
        assert set(listed["case_id"]) <= anywhen
    assert len(metrics.red_cards(engine, _sel("street", None), limit=None)) > 0
    street = "东华门街道"
    shown = metrics.explain(
        engine, _sel("street"), f"东城区/{street}", "cases", part="denominator", limit=10**6
    )
    mine = _mine(cases)
    assert set(shown["case_id"]) == set(mine.loc[mine["street"] == street, "case_id"])


def test_the_filter_is_in_the_sql_statement(city, monkeypatch):
    engine, _, _ = city
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    copy = pgcopy.frame

    def copied(conn, stmt, **how):  # PostgreSQL fetches in one go, with the values inlined
        compiled = stmt.compile(dialect=conn.dialect)
        seen.append((compiled.string, compiled.params))
        return copy(conn, stmt, **how)

    monkeypatch.setattr(pgcopy, "frame", copied)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        table = metrics.kpi_table(engine, _sel("department"))
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert list(table["department"]) == [ME]
    kpi = [(s, p) for s, p in seen if "assist_departments" in s and "GROUP BY" in s]
    assert kpi, "no KPI statement read the cases"
    for statement, params in kpi:
        values = list(params.values()) if isinstance(params, dict) else list(params)
        assert "LIKE" in statement.upper()
        assert f";{ME.replace('_', '/_')};" in values  # escaped: the underscore is literal
        assert ME in values  # department = … (the case's primary, and its own row)


def test_a_kept_kpi_cube_is_not_used_for_a_party(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    writer = open_store(url)
    rows, rates, _ = _city(seed=5)
    insert(writer, rows, rates)
    reader = open_store(url, read_only=True)
    try:
        assert cubebuild.build(reader) is not None
        used: list[str] = []
        real = cubestore.attach
        monkeypatch.setattr(cubestore, "attach", lambda c, f: (real(c, f), used.append(f.alias)))
        mine = _mine(pd.DataFrame(rows))
        assert metrics.kpi_table(reader, _sel("city"))["cases"].iloc[0] == len(mine)
        assert list(metrics.cooperation_table(reader, _sel("city"))["department"]) == [ME]
        assert list(metrics.km_handling(reader, _sel("department"))["department"]) == [ME]
        series = metrics.kpi_series(reader, _sel("city"), ["cases"], freq="month")
        assert series["cases"].sum() == len(mine)
        assert not used, "a party scope was answered from the KPI cube"
        everyone = metrics.kpi_table(reader, Selection.build("department", PERIOD))
        assert used and {"住建", "深海专班", ME} <= set(everyone["department"])
    finally:
        reader.dispose()
        writer.dispose()
