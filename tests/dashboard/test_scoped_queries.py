"""Scope enforced where the queries are built: every engine function the pages call with
a street's scope returns only that street, whatever unit is asked for."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

import forecasting
import metrics
from caselog import open_store
from caselog.geo import grid_features
from caselog.overview import count_cases
from metrics.selection import Selection
from tests.dashboard.conftest import PERIOD


@pytest.fixture(scope="module")
def store(forecast_city):
    engine = open_store(forecast_city, read_only=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def tree(store):
    return forecasting.hierarchy(store, "grid")


@pytest.fixture(scope="module")
def mine(tree):
    """My street's scope, its grids, and another street's id and grids."""
    streets = sorted(tree["street"].unique())
    district, street = streets[0].split("/")
    other = streets[-1]
    return (
        {"district": district, "street": street},
        set(tree.loc[tree["street"] == streets[0], "grid"]),
        other,
        set(tree.loc[tree["street"] == other, "grid"]),
    )


def test_unit_lists_hold_only_units_inside(store, mine, tree):
    scope, grids, _, _ = mine
    path = f"{scope['district']}/{scope['street']}"
    assert set(forecasting.units_within(store, "grid", scope)) == grids
    communities = forecasting.units_within(store, "community", scope)
    assert communities and all(c.startswith(path + "/") for c in communities)
    assert forecasting.units_within(store, "street", scope) == [path]
    assert forecasting.units_within(store, "district", scope) == []
    assert forecasting.units_within(store, "city", scope) == []
    assert forecasting.units_within(store, "grid", None) is None


def test_saved_forecasts_scores_and_alerts_are_read_within_the_scope(store, mine):
    scope, grids, _, _ = mine
    run_id = int(forecasting.list_runs(store)["id"].iloc[0])
    run = forecasting.load_run(store, run_id, "grid", scope=scope)
    everything = forecasting.load_run(store, run_id, "grid")
    assert set(run.forecasts["unique_id"]) == grids
    assert len(everything.forecasts) > len(run.forecasts) > 0
    assert forecasting.load_run(store, run_id, "city", scope=scope).forecasts.empty
    scores = forecasting.load_scores(store, run_id, "grid", scope=scope)
    assert set(scores["unique_id"]) == grids
    alerts = forecasting.load_alerts(store)
    scoped = forecasting.load_alerts(store, scope=scope)
    assert set(scoped["unique_id"]) <= grids
    assert "category" not in set(scoped.get("kind", pd.Series(dtype=str)))
    assert len(scoped) == len(alerts[alerts["unique_id"].isin(grids)])


def test_history_map_and_counts_count_only_cases_inside(store, mine):
    scope, grids, _other, other_grids = mine
    grid = sorted(other_grids)[0]
    assert forecasting.extract_panel(store, "grid", unit=grid, scope=scope).y.sum() == 0
    assert forecasting.extract_panel(store, "grid", unit=grid).y.sum() > 0
    street = forecasting.extract_panel(store, "grid", scope=scope)
    assert set(street.ids) == grids
    assert street.y.sum() == count_cases(store, scope) - _cancelled(store, scope)
    drawn = {f["properties"]["grid_id"] for f in grid_features(store, scope)["features"]}
    assert drawn == grids


def _cancelled(store, scope) -> int:
    from sqlalchemy import func, select

    from caselog.schema import cases

    query = select(func.count()).where(
        cases.c.status == "cancelled", *[cases.c[k] == v for k, v in scope.items()]
    )
    with store.connect() as conn:
        return conn.execute(query).scalar_one()


def test_explaining_another_streets_unit_is_refused(store, mine, tree):
    scope, _grids, other, other_grids = mine
    with pytest.raises(metrics.MetricsError, match="outside the scope"):
        metrics.explain_counts(
            store, Selection.build("street", PERIOD, scope=scope), other, "cases"
        )
    with pytest.raises(metrics.MetricsError, match="outside the scope"):
        metrics.explain(store, Selection.build("street", PERIOD, scope=scope), other, "cases")
    row = tree[tree["grid"] == sorted(other_grids)[0]].iloc[0]
    grid = f"{row['community']}/{row['grid']}"  # district/street/community/grid_id
    assert (
        metrics.explain_counts(store, Selection.build("grid", PERIOD), grid, "cases")["numerator"]
        > 0
    )
    with pytest.raises(metrics.MetricsError, match="outside the scope"):
        metrics.explain_counts(store, Selection.build("grid", PERIOD, scope=scope), grid, "cases")
    department = metrics.kpi_table(store, Selection.build("department", PERIOD))["department"].iloc[
        0
    ]
    anywhere = metrics.explain(
        store, Selection.build("department", PERIOD), department, "cases", limit=10**6
    )
    inside = metrics.explain(
        store, Selection.build("department", PERIOD, scope=scope), department, "cases", limit=10**6
    )
    assert 0 < len(inside) < len(anywhere)
    mine_path = f"{scope['district']}/{scope['street']}"
    own = metrics.explain_counts(
        store, Selection.build("street", PERIOD, scope=scope), mine_path, "cases"
    )
    table = metrics.kpi_table(store, Selection.build("street", PERIOD, scope=scope))
    assert own["numerator"] == int(table["cases"].iloc[0])


def test_department_tables_within_a_scope_count_only_its_cases(store, mine):
    scope, _, _, _ = mine
    by_dept = metrics.kpi_table(store, Selection.build("department", PERIOD, scope=scope))
    street = metrics.kpi_table(store, Selection.build("street", PERIOD, scope=scope))
    lo, hi = Selection.build("street", PERIOD).period.bounds()
    query = text(
        "SELECT count(*) FROM cases WHERE district = :district AND street = :street "
        "AND department IS NOT NULL AND status <> 'cancelled' "
        "AND reported_at >= :lo AND reported_at < :hi"
    )
    with store.connect() as conn:
        dispatched = conn.execute(query, {**scope, "lo": lo, "hi": hi}).scalar_one()
    assert by_dept["cases"].sum() == dispatched > 0
    # Cases settled on the spot (自行处置) have no department, so no department counts them.
    assert street["cases"].sum() > dispatched
