"""AppTest of 预测分析's 按大类预测: a stored district × category run seen by unit and by
category, in Chinese and English, its totals against the run's file summed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import forecasting
from caselog import open_store
from tests.conftest import sample_store
from tests.dashboard.conftest import PERIOD, open_page


@pytest.fixture(scope="module")
def category_city(tmp_path_factory):
    """A small city with a stored district × category run (14 days) and its file."""
    folder = tmp_path_factory.mktemp("category_city")
    url = sample_store(folder, grids=40, years=2, cases_per_year=4000, seed=5)
    engine = open_store(url)
    forecasting.write_forecast(
        engine, "district", 14, folder / "f.csv", model="wmean", by="category"
    )
    engine.dispose()
    return url, pd.read_csv(folder / "f.csv", encoding="utf-8-sig")


def _clean(at) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def _totals(at):
    return next(d for d in at.dataframe if "占比" in d.value.columns or "Share" in d.value.columns)


def test_a_units_categories_in_chinese(category_city, monkeypatch):
    url, csv = category_city
    at = open_page(url, monkeypatch, "forecasts", period=PERIOD)
    _clean(at)
    assert "按大类预测" in [s.value for s in at.subheader]
    assert " · 区 × 大类 · 14 天 · " in at.selectbox(key="fc_cat_run").options[0]
    assert at.radio(key="fc_cat_view").options == ["选单位，看各大类", "选大类，看各单位"]
    unit = at.selectbox(key="fc_cat_pick_unit").value
    shown = _totals(at).value
    assert list(shown.columns) == ["大类", "14 天预测案件数", "占比", "模型"]
    mine = csv[csv["unique_id"].str.startswith(f"{unit}/")]
    by_hand = mine.groupby(mine["unique_id"].str.slice(len(unit) + 1))["yhat"].sum()
    got = shown.set_index("大类")["14 天预测案件数"]
    assert sorted(got.index) == sorted(by_hand.index)
    assert (got - by_hand.reindex(got.index)).abs().max() < 0.01
    assert abs(shown["占比"].sum() - 100) < 1e-6
    assert set(shown["模型"]) == {"近 4 周按星期几的平均"}


def test_a_categorys_units_and_the_english_switch(category_city, monkeypatch):
    url, csv = category_city
    at = open_page(url, monkeypatch, "forecasts", period=PERIOD)
    at.radio(key="fc_cat_view").set_value("category").run()
    _clean(at)
    category = at.selectbox(key="fc_cat_pick_category").value
    shown = _totals(at).value
    mine = csv[csv["unique_id"].str.endswith(f"/{category}")]
    assert sorted(shown["单位"]) == sorted(mine["unique_id"].str.split("/").str[0].unique())
    at = open_page(url, monkeypatch, "forecasts", lang="en", period=PERIOD)
    _clean(at)
    assert "Forecasts by category" in [s.value for s in at.subheader]
    assert " · District × category · 14 days · " in at.selectbox(key="fc_cat_run").options[0]
    assert at.radio(key="fc_cat_view").options == ["a unit's categories", "a category's units"]
    assert list(_totals(at).value.columns)[:3] == [
        "Category",
        "Expected cases over 14 days",
        "Share",
    ]


def test_without_a_run_by_category_the_command_is_shown(city, monkeypatch):
    at = open_page(city, monkeypatch, "forecasts", period=PERIOD)
    _clean(at)
    assert any(i.value.startswith("库中还没有按大类的预测") for i in at.info)
    assert any("--by category" in c.value for c in at.code)
