"""Tuning one unit: quick backtest with chosen settings, saved settings used by later runs."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pandas as pd
import pytest
from forecast_factories import GRIDS, case_rows, insert_rows, poisson_counts

from forecasting import ForecastError, load_settings, save_setting, tune_series, write_forecast
from forecasting.tuning import delete_setting, saved_settings, unit_place

START = date(2025, 1, 6)


@pytest.fixture
def city(duck_store):
    rates = dict(zip(GRIDS["grid_id"], [3.0, 1.0, 0.3, 5.0, 2.0, 0.1], strict=True))
    insert_rows(duck_store, case_rows(poisson_counts(200, rates, seed=5), START))
    return duck_store


def test_tune_prophet_in_a_few_seconds(city):
    began = time.perf_counter()
    result = tune_series(
        city,
        "street",
        "东城区/s2",
        "prophet",
        {"changepoint_prior_scale": 0.2, "seasonality_mode": "multiplicative", "holidays": True},
        horizon=14,
    )
    assert time.perf_counter() - began < 15
    assert set(result.scores) == {"mase", "wape", "cov80", "cov95"}
    assert 0 <= result.scores["wape"] < 1 and result.baseline_scores["wape"] > 0
    assert len(result.backtest) == 3 * 14 and len(result.forecast) == 14
    assert (result.forecast["yhat_hi"] >= result.forecast["yhat_lo"]).all()


def test_tune_ets_and_bad_settings(city):
    result = tune_series(city, "grid", "g4", "ets", {"trend": "N", "season": "A"}, horizon=7)
    assert result.model == "ets" and result.params["trend"] == "N"
    with pytest.raises(ForecastError, match="no setting"):
        tune_series(city, "grid", "g4", "ets", {"alpha": 0.3})
    with pytest.raises(ForecastError, match="must be one of"):
        tune_series(city, "grid", "g4", "prophet", {"seasonality_mode": "cubic"})
    with pytest.raises(ForecastError, match="no cases"):
        tune_series(city, "grid", "nowhere", "ets")


def test_saved_setting_is_used_by_later_runs(city, tmp_path):
    save_setting(city, "grid", "g1", "wmean", {"weeks": 2})
    save_setting(city, "grid", "g1", "ets", {"trend": "N"})  # replaces the first
    assert load_settings(city, "grid") == {"g1": {"model": "ets", "params": {"trend": "N"}}}
    run = write_forecast(city, "grid", 7, tmp_path / "f.csv")
    models = run.forecasts.drop_duplicates("unique_id").set_index("unique_id")["model"]
    assert models["g1"] == "ets"
    delete_setting(city, "grid", "g1")
    assert load_settings(city, "grid") == {}


def _page_defaults(model: str) -> dict:
    """The settings the dashboard sends for ``model`` when the analyst changes nothing."""
    import inspect

    from forecasting.models import MODELS
    from forecasting.tuning import TUNABLE

    signature = inspect.signature(MODELS[model].fn).parameters
    return {name: signature[name].default for name in TUNABLE[model]}


def test_tuned_prophet_defaults_save_with_the_store_calendar(city):
    # The page's defaults for prophet: tune_series fills in the store's holiday calendar
    # (country), which save_setting used to refuse ("has no setting 'country'").
    result = tune_series(city, "street", "东城区/s2", "prophet", _page_defaults("prophet"), 14)
    assert result.params["country"] == "CN" and result.params["holidays"] is True
    save_setting(city, "street", "东城区/s2", result.model, result.params)
    saved = load_settings(city, "street")["东城区/s2"]
    assert saved == {"model": "prophet", "params": result.params}


def test_tuned_ymean_saves_and_a_later_run_uses_its_calendar(city, tmp_path):
    from caselog.store import set_timezone

    with city.begin() as conn:
        set_timezone(conn, "America/New_York")
    result = tune_series(city, "grid", "g4", "ymean", _page_defaults("ymean"), horizon=7)
    assert result.params["country"] == "US"
    save_setting(city, "grid", "g4", result.model, result.params)
    assert load_settings(city, "grid")["g4"]["params"]["country"] == "US"
    run = write_forecast(city, "grid", 7, tmp_path / "f.csv")
    models = run.forecasts.drop_duplicates("unique_id").set_index("unique_id")["model"]
    assert models["g4"] == "ymean"


def test_calendar_setting_is_checked(city):
    with pytest.raises(ForecastError, match="must be one of"):
        save_setting(city, "grid", "g1", "prophet", {"country": "FR"})
    with pytest.raises(ForecastError, match="no setting 'country'"):
        save_setting(city, "grid", "g1", "ets", {"country": "CN"})
    assert load_settings(city, "grid") == {}
    save_setting(city, "grid", "g1", "ymean", {"country": "CN", "holidays": False})
    assert load_settings(city, "grid")["g1"]["params"] == {"country": "CN", "holidays": False}


def test_saved_settings_carry_their_author_place_and_scope(city):
    save_setting(city, "grid", "g4", "wmean", {"weeks": 2}, saved_by="li")
    save_setting(city, "community", "东城区/s1/c2", "ets", {"trend": "N"}, saved_by="wang")
    save_setting(city, "street", "西城区/s3", "snaive", {})
    save_setting(city, "city", "city", "wmean", {"weeks": 3}, saved_by="zhao")
    every = saved_settings(city)
    assert sorted(zip(every["level"], every["unique_id"], every["saved_by"], strict=True)) == [
        ("city", "city", "zhao"),
        ("community", "东城区/s1/c2", "wang"),
        ("grid", "g4", "li"),
        ("street", "西城区/s3", None),
    ]
    assert every["saved_at"].notna().all()
    assert every.set_index("unique_id").loc["g4", ["model", "params"]].tolist() == [
        "wmean",
        {"weeks": 2},
    ]
    # g4 lies in 东城区/s2/c3 (forecast_factories.GRIDS); scopes confine by that place
    s2 = {"district": "东城区", "street": "s2"}
    assert saved_settings(city, s2)["unique_id"].tolist() == ["g4"]
    east = saved_settings(city, {"district": "东城区"})
    assert sorted(east["unique_id"]) == ["g4", "东城区/s1/c2"]  # not the city's, not 西城区's
    assert load_settings(city, "grid", s2) == {"g4": {"model": "wmean", "params": {"weeks": 2}}}
    assert load_settings(city, "grid", {"district": "西城区"}) == {}
    assert saved_settings(city, {"party": "水务局"}).empty  # a department's scope: none
    # deleting outside one's scope deletes nothing; inside it, exactly that setting
    assert not delete_setting(city, "grid", "g4", {"district": "东城区", "street": "s1"})
    assert delete_setting(city, "grid", "g4", s2)
    assert sorted(saved_settings(city)["unique_id"]) == ["city", "东城区/s1/c2", "西城区/s3"]


def test_unit_places_follow_the_hierarchy(city):
    assert unit_place(city, "grid", "g6") == {
        "district": "西城区",
        "street": "s3",
        "community": "c4",
    }
    assert unit_place(city, "street", "东城区/s2") == {
        "district": "东城区",
        "street": "s2",
        "community": None,
    }
    assert unit_place(city, "district", "东城区") == {
        "district": "东城区",
        "street": None,
        "community": None,
    }
    assert unit_place(city, "grid", "nowhere") == dict.fromkeys(("district", "street", "community"))


def test_a_unit_whose_cases_name_no_area_has_no_place(city):
    bare = pd.DataFrame(
        {"grid_id": ["g9"], "community": [None], "street": [None], "district": [None]}
    )
    counts = {"g9": np.ones(20, dtype=int)}
    insert_rows(city, case_rows(counts, START, grids=bare, prefix="bare"))
    assert unit_place(city, "grid", "g9") == dict.fromkeys(("district", "street", "community"))
