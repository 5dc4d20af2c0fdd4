"""Forecasts by unit × category: the series against a plain pandas count of the case rows,
the forecast file's ids and format, sparse and empty series, bad requests, stored runs."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from forecast_factories import GRIDS, case_rows, insert_rows, poisson_counts

from forecasting import ForecastError, extract_panel, list_runs, load_run, write_forecast
from forecasting.bycategory import category_panel, forecast_by_category, split_ids
from forecasting.categoryruns import (
    category_choices,
    category_totals,
    category_view,
    load_category_run,
)
from forecasting.runs import CSV_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
START = date(2025, 1, 6)
DAYS = 180
BUSY = dict(zip(GRIDS["grid_id"], [3.0, 1.0, 0.3, 5.0, 2.0, 0.8], strict=True))
QUIET = {"g1": 0.5, "g4": 1.0, "g6": 0.2}


def _rows() -> list[dict]:
    """Two categories over all grids, a third (sparse: three cases) in one grid, and
    cancelled cases that must not count."""
    rows = case_rows(poisson_counts(DAYS, BUSY, seed=1), START, category="市容环境", prefix="a")
    rows += case_rows(poisson_counts(DAYS, QUIET, seed=2), START, category="噪声扰民", prefix="b")
    sparse = np.zeros(DAYS, dtype=int)
    sparse[[20, 95, 160]] = 1
    rows += case_rows({"g6": sparse}, START, category="邻里纠纷", prefix="c")
    rows += case_rows(
        poisson_counts(DAYS, {"g2": 2.0}, seed=3),
        START,
        category="市容环境",
        prefix="x",
        status="cancelled",
    )
    return rows


@pytest.fixture
def rows(duck_store) -> list[dict]:
    made = _rows()
    insert_rows(duck_store, made)
    return made


def _by_hand(rows: list[dict], level: str) -> pd.DataFrame:
    """Daily counts per series id, by pandas from the case rows: a wide frame (id × day)."""
    frame = pd.DataFrame(rows)
    days = pd.date_range(frame["reported_at"].min().date(), frame["reported_at"].max().date())
    frame = frame[frame["status"] != "cancelled"]
    unit = {
        "district": frame["district"],
        "street": frame["district"] + "/" + frame["street"],
        "grid": frame["grid_id"],
    }.get(level)
    key = frame["category"] if unit is None else unit + "/" + frame["category"]
    counts = frame.groupby([key, frame["reported_at"].dt.normalize()]).size()
    return counts.unstack(fill_value=0).reindex(columns=days, fill_value=0).sort_index()


@pytest.mark.parametrize("level", ["grid", "street", "district", "city"])
def test_each_series_is_the_plain_count_of_its_unit_and_category(duck_store, rows, level):
    panel, parts = category_panel(duck_store, level)
    expected = _by_hand(rows, level)
    assert list(panel.ids) == list(expected.index)
    assert np.array_equal(panel.y, expected.to_numpy(dtype=float))
    assert pd.Timestamp(panel.start) == expected.columns[0]
    back = split_ids(panel.ids, sorted(parts["category"].unique()), level)
    assert back["unit"].tolist() == parts["unit"].tolist()
    assert back["category"].tolist() == parts["category"].tolist()


@pytest.mark.parametrize("level", ["street", "district"])
def test_a_units_categories_add_up_to_the_units_own_series(duck_store, rows, level):
    panel, parts = category_panel(duck_store, level)
    units = extract_panel(duck_store, level)
    for i, unit in enumerate(units.ids):
        mine = (parts["unit"] == unit).to_numpy()
        assert np.array_equal(panel.y[mine].sum(axis=0), units.y[i]), unit


def test_ids_split_back_even_when_a_name_holds_the_separator():
    ids = ["东城区/市容/环境", "东城区/市容", "西城区/s3/噪声扰民"]
    parts = split_ids(ids, ["市容", "市容/环境", "噪声扰民"], "street")
    assert parts["unit"].tolist() == ["东城区", "东城区", "西城区/s3"]
    assert parts["category"].tolist() == ["市容/环境", "市容", "噪声扰民"]
    city = split_ids(["市容", "噪声扰民"], ["市容", "噪声扰民"], "city")
    assert city["unit"].tolist() == ["city", "city"]


def _gridpulse(db: str, *args) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "gridpulse", "--db", db, *map(str, args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_the_command_line_writes_one_series_per_district_and_category(duck_store, rows, tmp_path):
    db = str(duck_store.url)
    duck_store.dispose()
    out = tmp_path / "by.csv"
    done = _gridpulse(db, "forecast", "--level", "district", "--by", "category",
                      "--horizon", "14", "--out", out)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "x category series x 14 days" in done.stdout
    csv = pd.read_csv(out, encoding="utf-8-sig")
    assert tuple(csv.columns) == CSV_COLUMNS
    assert sorted(csv["unique_id"].unique()) == sorted(_by_hand(rows, "district").index)
    assert set(csv["unique_id"]) == {"东城区/市容环境", "东城区/噪声扰民", "西城区/市容环境",
                                     "西城区/噪声扰民", "西城区/邻里纠纷"}  # fmt: skip
    assert (csv.groupby("unique_id")["ds"].nunique() == 14).all()
    assert csv["ds"].min() == str(START + pd.Timedelta(days=DAYS))
    assert not csv[["yhat", "yhat_lo", "yhat_hi"]].isna().any().any()
    assert ((csv["yhat_lo"] <= csv["yhat"]) & (csv["yhat"] <= csv["yhat_hi"])).all()
    # Sum-check: a district's categories forecast about as many cases as the district's
    # recent weeks brought (counted by hand), the sparse category next to nothing.
    by_hand = _by_hand(rows, "district")
    unit = csv["unique_id"].str.split("/").str[0]
    forecast = csv.groupby(unit)["yhat"].sum() / 14
    recent = by_hand.T.tail(56).mean().groupby(lambda i: i.split("/")[0]).sum()
    assert np.allclose(forecast, recent.reindex(forecast.index), rtol=0.3), (forecast, recent)
    assert csv.loc[csv["unique_id"] == "西城区/邻里纠纷", "yhat"].sum() < 2


def test_without_by_the_file_has_units_only_and_a_category_run_does_not_count(
    duck_store, rows, tmp_path
):
    write_forecast(duck_store, "city", 7, tmp_path / "cat.csv", model="snaive", by="category")
    assert list_runs(duck_store).empty  # a run by category is not a run of units
    plain = write_forecast(duck_store, "district", 7, tmp_path / "plain.csv", model="snaive")
    csv = pd.read_csv(tmp_path / "plain.csv", encoding="utf-8-sig")
    assert sorted(csv["unique_id"].unique()) == ["东城区", "西城区"]
    frame = pd.DataFrame(rows)
    frame = frame[frame["status"] != "cancelled"]
    last_week = frame[frame["reported_at"] >= pd.Timestamp(START) + pd.Timedelta(days=DAYS - 7)]
    # The seasonal naive repeats the last week: its total is that week's count by hand.
    assert csv.groupby("unique_id")["yhat"].sum().to_dict() == (
        last_week.groupby("district").size().astype(float).to_dict()
    )
    assert load_run(duck_store).id == plain.id
    assert list(list_runs(duck_store, by="category")["id"]) == [plain.id - 1]


def test_a_sparse_and_an_emptied_series_are_forecast_without_nan(duck_store, tmp_path):
    # 邻里纠纷 has cases only before a 30-day outage; the forecast uses the days after it,
    # where that series is all zero.
    counts = poisson_counts(260, BUSY, seed=5)
    for series in counts.values():
        series[100:130] = 0
    rows = case_rows(counts, START, prefix="a")
    early = np.zeros(260, dtype=int)
    early[[10, 40]] = 1
    rows += case_rows({"g3": early}, START, category="邻里纠纷", prefix="e")
    insert_rows(duck_store, rows)
    result = forecast_by_category(duck_store, "grid", 7)
    assert result.parameters["history_days"] == 130
    frame = result.base.to_frame(80)
    assert not frame[["yhat", "yhat_lo", "yhat_hi"]].isna().any().any()
    empty = frame[frame["unique_id"] == "g3/邻里纠纷"]
    assert (empty["yhat"] == 0).all() and (empty["yhat_hi"] == 0).all()
    assert set(empty["model"]) == {"snaive"}
    assert ((frame["yhat_lo"] <= frame["yhat"]) & (frame["yhat"] <= frame["yhat_hi"])).all()


def test_unknown_category_and_short_history_are_one_sentence(duck_store, rows, tmp_path):
    insert_rows(
        duck_store,
        case_rows({"g1": np.ones(3, dtype=int)}, START, category="违建", status="cancelled",
                  prefix="v"),
    )  # fmt: skip
    out = tmp_path / "f.csv"
    with pytest.raises(ForecastError, match=r"^The store has no case of the category '违建'; "):
        write_forecast(duck_store, "district", 7, out, by="category", categories=["违建"])
    with pytest.raises(ForecastError, match="only for a forecast by category"):
        write_forecast(duck_store, "district", 7, out, categories=["市容环境"])
    with pytest.raises(ForecastError, match="needs at least"):
        forecast_by_category(duck_store, "district", 120)
    assert not out.exists() and list_runs(duck_store, by="category").empty
    db = str(duck_store.url)
    duck_store.dispose()
    done = _gridpulse(db, "forecast", "--level", "city", "--by", "category", "--category",
                      "违建", "--horizon", "7", "--out", out)  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [
        "error: The store has no case of the category '违建'; its categories are "
        "噪声扰民, 市容环境, 邻里纠纷."
    ]
    done = _gridpulse(db, "forecast", "--level", "city", "--category", "市容环境",
                      "--horizon", "7", "--out", out)  # fmt: skip
    assert done.returncode == 1 and done.stderr.strip() == "error: --category needs --by category."


def test_a_stored_run_by_category_is_read_back_split_and_scoped(duck_store, rows, tmp_path):
    run = write_forecast(duck_store, "street", 7, tmp_path / "s.csv", model="wmean",
                         by="category", categories=["市容环境", "噪声扰民"])  # fmt: skip
    loaded = load_category_run(duck_store)
    assert loaded.id == run.id and loaded.parameters["categories"] == ["噪声扰民", "市容环境"]
    csv = pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")
    assert len(loaded.forecasts) == len(csv)
    assert (loaded.forecasts["unit"] + "/" + loaded.forecasts["category"]).tolist() == (
        loaded.forecasts["unique_id"].tolist()
    )
    west = load_category_run(duck_store, run.id, scope={"district": "西城区"})
    assert set(west.forecasts["unit"]) == {"西城区/s3"}
    assert category_choices(loaded.forecasts, "category") == ["噪声扰民", "市容环境"]
    view = category_view(loaded.forecasts, "unit", "东城区/s1")
    assert sorted(view["series"].unique()) == ["噪声扰民", "市容环境"]
    totals = category_totals(view)
    mine = csv[csv["unique_id"].str.startswith("东城区/s1/")]
    by_hand = mine.groupby(mine["unique_id"].str.split("/").str[-1])["yhat"].sum()
    shown = totals.set_index("series")["yhat"]
    assert shown.to_numpy() == pytest.approx(by_hand.reindex(shown.index).to_numpy(), abs=1e-3)
    assert totals["share"].sum() == pytest.approx(1.0)
    assert totals["yhat"].is_monotonic_decreasing
    plain = write_forecast(duck_store, "district", 7, tmp_path / "p.csv", model="snaive")
    with pytest.raises(ForecastError, match="not a run by category"):
        load_category_run(duck_store, plain.id)
