"""AppTest of every page on a small generated city: no exception, and the figures shown
equal the engines' numbers for the same arguments."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

import forecasting
import metrics
from caselog import open_store
from dashboard.components import fmt_kpi
from dashboard.filters import scope_of
from metrics.selection import Selection
from tests.dashboard.conftest import PERIOD, ROOT, open_page


def _clean(at) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def test_sidebar_defaults_to_the_latest_full_month(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "overview")
    _clean(at)
    assert at.text_input(key="_period_zh").value == "2025-12"
    assert metrics.latest_full_month(metrics.latest_timestamp(engine)).label == "2025-12"
    assert at.selectbox(key="_level_zh").value == "street"


def test_scope_as_typed_in_the_sidebar():
    assert scope_of("东城区/东华门街道") == (("district", "东城区"), ("street", "东华门街道"))
    assert scope_of("") == ()


def test_overview_headline_equals_assess(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "overview", period=PERIOD)
    _clean(at)
    row = metrics.assess(engine, Selection.build("city", PERIOD), rank_change=False).iloc[0]
    prev = metrics.assess(engine, Selection.build("city", "2025-10"), rank_change=False).iloc[0]
    shown = {m.label: m for m in at.metric}
    assert shown["受理量"].value == f"{row['cases']:,}"
    assert shown["解决率"].value == fmt_kpi("solved_rate", row["solved_rate"])
    assert shown["综合得分"].value == f"{row['composite_score']:,.1f}"
    assert shown["受理量"].proto.delta.startswith(f"{row['cases'] - prev['cases']:+,}")
    assert any("同比" in c.value for c in at.caption)
    assert at.info and "gridpulse forecast" in at.code[0].value


def test_overview_drill_down_switches_to_assessment(city, monkeypatch):
    at = open_page(city, monkeypatch, "overview", period=PERIOD, level="district")
    _clean(at)
    at.button(key="drill").click().run()
    _clean(at)
    assert at.session_state["level"] == "street"
    assert at.session_state["scope"] == "东澜区"
    assert at.title[0].value == "考核排名"


def test_assessment_table_and_explain(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "assessment", period=PERIOD, level="street")
    _clean(at)
    ranked = metrics.assess(engine, Selection.build("street", PERIOD))
    shown = at.dataframe[0].value
    assert shown["街道(乡镇)"].tolist() == ranked["street"].tolist()
    assert shown["排名"].tolist() == ranked["rank"].astype(int).tolist()
    assert (shown["解决率"] - ranked["solved_rate"] * 100).abs().max() < 1e-9
    assert at.get("download_button")  # Excel and CSV
    at.selectbox(key="explain_kpi").set_value("solved_rate")
    at.radio(key="explain_part").set_value("excluded").run()
    _clean(at)
    unit = at.selectbox(key="explain_unit").value
    counts = metrics.explain_counts(engine, Selection.build("street", PERIOD), unit, "solved_rate")
    text = f"{counts['numerator']:,} / {counts['denominator']:,}"
    assert any(text in m.value for m in at.markdown)


def test_assessment_export_is_the_cli_file(city, engine, tmp_path):
    from dashboard import data

    out = tmp_path / "a.csv"
    args = ["--db", city, "assess", "--by", "district", "--period", PERIOD, "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "gridpulse", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    got = data.export.__wrapped__(city, Selection.build("district", PERIOD), ".csv")
    assert got == out.read_bytes()
    # The file's case counts, against the cases table counted in pandas.
    with engine.connect() as conn:
        rows = pd.read_sql(sa.text("SELECT district, reported_at, status FROM cases"), conn)
    month = rows["reported_at"].dt.strftime("%Y-%m") == PERIOD
    counted = rows[month & (rows["status"] != "cancelled")].groupby("district").size()
    table = pd.read_csv(out, encoding="utf-8-sig").set_index("district")
    assert table["cases"].to_dict() == counted.to_dict()


def test_supervision_cards_equal_engine(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "supervision", period=PERIOD)
    _clean(at)
    age = metrics.ageing(engine, Selection.build("city", None))
    shown = {m.label: m.value for m in at.metric}
    assert shown["在办案件"] == f"{age['open_cases'].sum():,}"
    # all open cases overdue now: its own name, never the overview's period figure 超期未结
    assert shown["当前超期未结（全部在办）"] == f"{age['overdue'].sum():,}"
    assert "超期未结" not in shown
    assert any("只计所选周期内上报的案件" in c.value for c in at.caption)
    moment = metrics.latest_timestamp(engine)
    assert f"判定时点：{moment:%Y-%m-%d %H:%M}" in at.caption[0].value
    red = metrics.red_cards(engine, Selection.build("city", None), limit=5000)
    assert at.dataframe[0].value["案件编号"].tolist() == red["case_id"].tolist()


def test_departments_cooperation_equals_engine(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "departments", period=PERIOD)
    _clean(at)
    coop = metrics.cooperation_table(engine, Selection.build("department", PERIOD))
    shown = at.dataframe[0].value
    assert shown["部门"].tolist() == coop["department"].tolist()
    assert shown["评价数"].tolist() == coop["rating_count"].tolist()
    assert any("少于 5 条" in c.value for c in at.caption)


def test_trends_series_and_switches(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "trends", period=PERIOD)
    _clean(at)
    series = metrics.kpi_series(
        engine, Selection.build("city", "2023-12-02..2025-11-30"), ["cases"], freq="month"
    )
    assert at.metric[0].value == f"{series['cases'].iloc[-1]:,}"
    at.radio(key="trend_freq").set_value("week")
    at.selectbox(key="trend_kpi").set_value("solved_rate").run()
    _clean(at)
    at.selectbox(key="trend_split").set_value("category").run()
    _clean(at)


def test_grid_map_every_measure(city, monkeypatch):
    at = open_page(city, monkeypatch, "grid_map", period=PERIOD)
    _clean(at)
    basis = {
        "map_cases": f"{PERIOD} 上报的案件（不含作废）",
        "map_overdue": "当前超期未结的在办案件（截至库中最新数据，不限上报周期）",
        "map_forecast": "最新一次网格级预测",
        "map_alerts": "最近一次激增检测的预警数",
    }
    for measure, said in basis.items():
        at.radio(key="map_measure").set_value(measure).run()
        _clean(at)
        assert any(said in c.value for c in at.caption), measure
    at.toggle(key="map_tiles").set_value(True).run()
    _clean(at)


def test_forecasts_tune_and_save(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "forecasts", period=PERIOD)
    _clean(at)
    at.selectbox(key="tune_model").set_value("wmean").run()
    at.button(key="tune_go").click().run()
    _clean(at)
    unit = at.selectbox(key="fc_unit").value
    result = forecasting.tune_series(engine, "street", unit, "wmean", {"weeks": 4})
    mase = "MASE（误差 ÷ 训练期“上周同日”误差）"
    shown = [d.value for d in at.dataframe if mase in d.value.columns][-1]  # the tuning's scores
    assert abs(shown[mase].iloc[0] - result.scores["mase"]) < 1e-9
    at.button(key="tune_save").click().run()
    _clean(at)
    assert forecasting.load_settings(engine, "street")[unit]["model"] == "wmean"
    listed = next(d.value for d in at.dataframe if "保存人" in d.value.columns)
    row = listed[listed["单位"] == unit].iloc[0]
    assert (row["层级"], row["保存人"]) == ("街道(乡镇)", "anonymous")  # the open app's account
    stored = forecasting.saved_settings(engine).set_index("unique_id").loc[unit, "saved_at"]
    assert row["保存时间"] == f"{stored:%Y-%m-%d %H:%M}"
    at.selectbox(key="fc_delete_which").set_value(("street", unit)).run()
    at.button(key="fc_delete").click().run()
    _clean(at)
    assert unit not in forecasting.load_settings(engine, "street")


def test_data_page_shows_rules(city, monkeypatch):
    at = open_page(city, monkeypatch, "data_overview", period=PERIOD)
    _clean(at)
    assert any("[weights]" in c.value for c in at.code)


def test_english_pages(city, monkeypatch):
    pages = ("overview", "assessment", "supervision", "departments", "trends", "grid_map")
    for page in (*pages, "forecasts", "data_overview"):
        at = open_page(city, monkeypatch, page, lang="en", period=PERIOD)
        _clean(at)


def test_bad_period_falls_back_with_a_warning(city, monkeypatch):
    at = open_page(city, monkeypatch, "assessment", period="2025-13")
    _clean(at)
    assert any("2025-13" in w.value for w in at.warning)
    assert at.title[0].value == "考核排名"


def test_uploaded_rules_change_the_ranking(city):
    from dashboard import data

    text = 'name = "resp"\n[weights]\nresponse = 1\nsolved = 0\nsatisfaction = 0\n'
    got = data.assessment.__wrapped__(
        city, Selection.build("street", PERIOD, rules=data.rules(text))
    )
    usual = data.assessment.__wrapped__(city, Selection.build("street", PERIOD))
    scored = got["response_rate"].notna()
    assert scored.sum() >= 5
    # Response rate alone: the score is that rate in points, and the rank follows it by hand
    # (1 = best, ties share the best rank).
    assert (got.loc[scored, "composite_score"] == got.loc[scored, "response_rate"] * 100).all()
    by_hand = got.loc[scored, "response_rate"].rank(method="min", ascending=False)
    assert got.loc[scored, "rank"].astype(int).tolist() == by_hand.astype(int).tolist()
    keys = ["district", "street"]
    order = got.dropna(subset=["rank"])[keys].values.tolist()
    assert order != usual.dropna(subset=["rank"])[keys].values.tolist()


def test_pages_with_a_saved_run_and_alerts(forecast_city, monkeypatch, tmp_path):
    from caselog import open_store

    # A copy of the city with a run, and two surges stored in a window after every other one,
    # so the overview's table must show exactly these.
    source = Path(sa.make_url(forecast_city).database)
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    url = f"duckdb:///{copy}"
    engine = open_store(url)
    run = forecasting.load_run(engine)
    surges = pd.DataFrame(
        {
            "kind": ["grid", "category"],
            "unique_id": ["G0007", "city"],
            "category": ["", "市容环境"],
            "window_start": [pd.Timestamp("2026-01-01")] * 2,
            "window_end": [pd.Timestamp("2026-01-07")] * 2,
            "actual": [19, 240],
            "expected": [4.5, 150.25],
            "upper": [9.0, 175.0],
            "level_pct": [95.0, 95.0],
            "score": [3.2, 2.1],
        }
    )
    assert forecasting.save_alerts(engine, surges) == 2
    stored = len(forecasting.load_alerts(engine))
    at = open_page(url, monkeypatch, "overview", period=PERIOD)
    _clean(at)
    shown = at.dataframe[-1].value
    assert len(shown) == 2
    # in words: the grid under its community's path, the city as 全市, observed ÷ expected
    units = sorted(shown.iloc[:, 0].tolist())
    assert units[1] == "全市" and units[0].endswith(" · G0007") and units[0].count("/") == 2
    assert sorted(shown.iloc[:, 1].tolist()) == ["全部大类", "市容环境"]
    assert sorted(shown.iloc[:, 4].tolist()) == ["×1.6", "×4.2"]  # 240 ÷ 150.25, 19 ÷ 4.5
    assert sorted(shown.iloc[:, 5].tolist()) == ["2026-01-01", "2026-01-01"]
    assert sorted(shown.select_dtypes("number").sum().round(2).tolist()) == [154.7, 259.0]
    at.button(key="detect_alerts").click().run()
    _clean(at)
    assert len(forecasting.load_alerts(engine)) == stored + len(forecasting.detect_surges(engine))
    at = open_page(url, monkeypatch, "forecasts", period=PERIOD, fc_level="grid")
    _clean(at)
    assert at.selectbox(key="fc_run").value == run.id
    at = open_page(url, monkeypatch, "grid_map", period=PERIOD)
    at.radio(key="map_measure").set_value("map_forecast").run()
    _clean(at)
    assert not at.info
    engine.dispose()


def test_grid_polygons_for_the_map(engine):
    from caselog.geo import grid_features

    shapes = grid_features(engine)
    assert len(shapes["features"]) == 60
    first = shapes["features"][0]
    assert first["id"] == first["properties"]["grid_id"] == "G0001"
    assert first["geometry"]["type"] == "Polygon"
    assert first["properties"]["households"] > 0


def test_forecasts_staffing_plan_is_the_street_forecast_times_handling_time(
    forecast_city, monkeypatch
):
    engine = open_store(forecast_city)
    at = open_page(forecast_city, monkeypatch, "forecasts", period=PERIOD)
    _clean(at)
    shown = next(d.value for d in at.dataframe if "所需工时" in d.value.columns)
    run = forecasting.load_run(engine, level="street").forecasts
    kpis = metrics.kpi_table(engine, Selection.build("street", PERIOD), kpis=["mean_handling_h"])
    hours = dict(zip(kpis["district"] + "/" + kpis["street"], kpis["mean_handling_h"], strict=True))
    run["week"] = (run["ds"] - pd.to_timedelta(run["ds"].dt.weekday, unit="D")).dt.date.astype(str)
    weekly = run.groupby(["unique_id", "week"])["yhat"].agg(["sum", "size"])
    assert len(shown) == len(weekly) > 0
    for row in shown.itertuples(index=False):
        street, week, days, cases, _, _, per_case, staff, *_ = row
        assert (days, round(weekly.loc[(street, week), "sum"], 1)) == (
            weekly.loc[(street, week), "size"],
            cases,
        )
        assert per_case == round(hours[street], 1)
        assert abs(staff - weekly.loc[(street, week), "sum"] * hours[street]) < 0.051
    assert any("平均处置时长" in c.value for c in at.caption)
