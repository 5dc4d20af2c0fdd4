"""Hierarchy forecasts add up, the contract CSV, and runs saved and read back."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from forecast_factories import GRIDS, case_rows, insert_rows, poisson_counts

from forecasting import (
    ForecastError,
    forecast_hierarchy,
    list_runs,
    load_run,
    load_scores,
    write_forecast,
)
from forecasting.runs import CSV_COLUMNS

START = date(2025, 1, 6)
DAYS = 200


@pytest.fixture
def city(store):
    rates = dict(zip(GRIDS["grid_id"], [3.0, 1.0, 0.3, 5.0, 2.0, 0.1], strict=True))
    insert_rows(store, case_rows(poisson_counts(DAYS, rates, seed=7), START))
    return store


def test_levels_add_up_exactly(city):
    result = forecast_hierarchy(city, "grid", 14, "wmean")
    grids = result.levels["grid"]
    tree = GRIDS.assign(
        community=GRIDS["district"] + "/" + GRIDS["street"] + "/" + GRIDS["community"],
        street=GRIDS["district"] + "/" + GRIDS["street"],
    ).set_index("grid_id")
    frame = pd.DataFrame(grids.yhat, index=grids.ids)
    for level, column in (
        ("community", "community"),
        ("street", "street"),
        ("district", "district"),
    ):
        upper = result.levels[level]
        sums = frame.groupby(tree.loc[frame.index, column].to_numpy()).sum()
        np.testing.assert_allclose(sums.loc[upper.ids].to_numpy(), upper.yhat, rtol=0, atol=1e-9)
        assert set(upper.model) == {"bottom_up"}
    np.testing.assert_allclose(result.levels["city"].yhat[0], grids.yhat.sum(axis=0), atol=1e-9)
    lo, hi = result.levels["city"].interval(80)
    assert np.all(lo <= result.levels["city"].yhat[0]) and np.all(hi >= 0)


def test_csv_has_the_contract_columns_and_one_row_per_unit_and_day(city, tmp_path):
    out = tmp_path / "forecast.csv"
    calls = []
    run = write_forecast(
        city,
        "street",
        10,
        out,
        model="wmean",
        level_pct=95,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls and calls[-1][0] == calls[-1][1]  # (done, total) counts, finishing at total
    assert all(isinstance(d, int) and 0 <= d <= t for d, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    csv = pd.read_csv(out)
    assert tuple(csv.columns) == CSV_COLUMNS
    assert len(csv) == 3 * 10
    assert not csv.duplicated(["unique_id", "ds"]).any()
    assert set(csv["unique_id"]) == {"东城区/s1", "东城区/s2", "西城区/s3"}
    last = pd.Timestamp(START) + pd.Timedelta(days=DAYS - 1)
    assert csv["ds"].min() == str((last + pd.Timedelta(days=1)).date())
    assert csv["ds"].max() == str((last + pd.Timedelta(days=10)).date())
    assert (csv["yhat"] >= 0).all() and (csv["yhat_lo"] <= csv["yhat"] + 1).all()
    assert (csv["yhat_hi"] >= csv["yhat_lo"]).all() and set(csv["model"]) == {"wmean"}
    assert run.level_pct == 95


def test_runs_saved_and_read_back(city, tmp_path):
    run = write_forecast(city, "grid", 7, tmp_path / "f.csv", model="snaive")
    back = load_run(city, run.id)
    assert back.id == run.id and back.level == "grid" and back.horizon == 7
    assert back.parameters["horizon"] == 7 and "statsforecast" in back.versions
    pd.testing.assert_frame_equal(
        back.forecasts[["unique_id", "yhat"]],
        run.forecasts[["unique_id", "yhat"]].astype({"unique_id": str}),
        check_dtype=False,
    )
    assert len(load_run(city, run.id, level="city").forecasts) == 7
    assert set(back.scores["levels"]) == {"grid", "community", "street", "district", "city"}
    scores = load_scores(city, run.id, "grid")
    assert set(scores["unique_id"]) == set(GRIDS["grid_id"])
    assert scores["cov80"].between(0, 1).all()
    second = write_forecast(city, "district", 7, tmp_path / "g.csv", model="wmean")
    assert list(list_runs(city)["id"]) == [second.id, run.id]
    assert load_run(city).id == second.id


def test_auto_chooses_per_unit_and_never_loses_to_seasonal_naive(duck_store, tmp_path):
    rates = dict(zip(GRIDS["grid_id"], [3.0, 1.0, 0.3, 5.0, 2.0, 0.1], strict=True))
    insert_rows(duck_store, case_rows(poisson_counts(DAYS, rates, seed=7), START))
    result = forecast_hierarchy(duck_store, "grid", 14)
    base = result.base
    assert set(base.candidates) >= {"snaive", "wmean", "ets", "prophet", "tsb"}
    snaive = base.candidates["snaive"].squared_error()
    chosen = base.backtest.squared_error()
    assert np.all(chosen <= snaive + 1e-9)
    for name, test in base.candidates.items():  # each unit keeps its best candidate
        rows = base.model == name
        assert np.all(chosen[rows] <= test.squared_error()[rows] + 1e-9)
    assert set(base.model) <= set(base.candidates)


def test_share_is_used_for_many_units(duck_store):
    rates = dict(zip(GRIDS["grid_id"], [3.0, 1.0, 0.3, 5.0, 2.0, 0.1], strict=True))
    insert_rows(duck_store, case_rows(poisson_counts(DAYS, rates, seed=8), START))
    result = forecast_hierarchy(duck_store, "grid", 7, max_per_series_units=3)
    assert "share" in result.base.candidates
    assert "prophet" not in result.base.candidates


def test_errors_are_one_sentence(duck_store, tmp_path):
    with pytest.raises(ForecastError, match="no cases"):
        write_forecast(duck_store, "grid", 7, tmp_path / "x.csv")
    insert_rows(duck_store, case_rows({"g1": np.ones(60, dtype=int)}, START))
    with pytest.raises(ForecastError, match="Unknown level"):
        write_forecast(duck_store, "province", 7, tmp_path / "x.csv")
    with pytest.raises(ForecastError, match="Unknown model"):
        write_forecast(duck_store, "grid", 7, tmp_path / "x.csv", model="magic")
    with pytest.raises(ForecastError, match="needs at least"):
        write_forecast(duck_store, "grid", 28, tmp_path / "x.csv")
    with pytest.raises(ForecastError, match="horizon"):
        write_forecast(duck_store, "grid", 0, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
