"""AppTest of the 预测分析 page: tuned settings save (Prophet too) and only a real save is
confirmed; scores, settings and labels are shown in words and percentages, not raw codes."""

from __future__ import annotations

import json
import re

import forecasting
from caselog import open_store
from forecasting.tuning import delete_setting
from tests.dashboard.conftest import PERIOD, open_page

WAPE = "加权绝对误差率（WAPE）"  # the column header of the WAPE score


def _clean(at) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def _table(at, *columns: str):
    """The first table with these column headers (st.dataframe keys do not reach AppTest)."""
    return next(d for d in at.dataframe if set(columns) <= set(d.value.columns))


def _formats(table) -> dict[str, str]:
    """Each column's number format from the table's column configuration."""
    config = json.loads(table.proto.columns or "{}")
    return {
        name: (spec.get("type_config") or {}).get("format", "") for name, spec in config.items()
    }


def _tuned(at, model: str, level: str = "grid"):
    at.selectbox(key="fc_level").set_value(level).run()
    at.selectbox(key="tune_model").set_value(model).run()
    at.button(key="tune_go").click().run()
    _clean(at)
    return at


def test_prophet_defaults_save_and_read_in_chinese(city, monkeypatch):
    engine = open_store(city)
    at = open_page(city, monkeypatch, "forecasts", period=PERIOD)
    _clean(at)
    options = at.selectbox(key="tune_model").options
    assert "Prophet：节假日类别与年季节" in options
    assert not [o for o in options if re.search(r"with|smoothing|sparse", o)], options
    at.selectbox(key="tune_model").set_value("prophet").run()
    assert at.number_input(key="tune_prophet_changepoint_prior_scale").label == "变点先验尺度"
    assert at.selectbox(key="tune_prophet_seasonality_mode").options == [
        "加法",
        "乘法",
    ]
    assert at.checkbox(key="tune_prophet_holidays").label == "节假日效应"
    _tuned(at, "prophet")
    unit = at.selectbox(key="fc_unit").value
    shown = _table(at, "模型", WAPE)
    assert {_formats(shown)[c] for c in (WAPE, "80% 区间覆盖率", "95% 区间覆盖率")} == {"%.1f%%"}
    assert shown.value["80% 区间覆盖率"].between(0, 100).all()
    chart = json.loads(
        next(c for c in at.get("plotly_chart") if "tune_chart" in c.proto.id).proto.spec
    )
    assert chart["layout"]["xaxis"]["tickformat"] == "%Y-%m-%d"
    try:
        at.button(key="tune_save").click().run()
        _clean(at)
        assert len(at.success) == 1 and at.success[0].value.startswith("已保存")
        saved = forecasting.load_settings(engine, "grid")[unit]
        assert saved["model"] == "prophet"
        assert saved["params"]["country"] == "CN" and saved["params"]["holidays"] is True
        text = _table(at, "单位", "设置").value
        row = text[text["单位"] == unit].iloc[0]
        assert row["模型"] == "Prophet：节假日类别与年季节"
        assert "变点先验尺度 = 0.05" in row["设置"]
        assert "季节模式 = 加法" in row["设置"]
        assert "节假日效应 = 是" in row["设置"]
        assert "节假日日历 = 中国" in row["设置"]
        assert "{" not in row["设置"]
    finally:
        delete_setting(engine, "grid", unit)
        engine.dispose()


def test_a_failed_save_is_not_confirmed(city, monkeypatch):
    engine = open_store(city)
    at = _tuned(open_page(city, monkeypatch, "forecasts", period=PERIOD), "wmean")
    unit = at.selectbox(key="fc_unit").value

    def refuse(*_args, **_kw):
        raise forecasting.ForecastError("The store refused it.")

    monkeypatch.setattr(forecasting, "save_setting", refuse)
    at.button(key="tune_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["设置未保存：The store refused it."]
    assert not at.success
    assert unit not in forecasting.load_settings(engine, "grid")
    engine.dispose()


def test_run_scores_one_row_per_model_in_percent(forecast_city, monkeypatch):
    engine = open_store(forecast_city)
    run = forecasting.load_run(engine)
    at = open_page(forecast_city, monkeypatch, "forecasts", period=PERIOD, fc_level="grid")
    _clean(at)
    label = at.selectbox(key="fc_run").options[0]
    assert label.startswith(f"#{run.id} · 网格 · 14 天 · ") and "14d" not in label
    unit = at.selectbox(key="fc_unit").value
    stored = forecasting.load_scores(engine, run.id, "grid")
    stored = stored[stored["unique_id"] == unit]
    assert stored["model"].duplicated().any()  # the issued row and the candidate's
    shown = _table(at, "采用")
    table = shown.value
    assert not table["模型"].duplicated().any()
    assert table["模型"].tolist() == ["季节朴素：重复上周同一天"]
    assert table["采用"].tolist() == ["✓"]
    issued = stored[stored["chosen"] == 1].iloc[0]
    assert abs(table[WAPE].iloc[0] - 100 * issued["wape"]) < 1e-9
    assert abs(table["80% 区间覆盖率"].iloc[0] - 100 * issued["cov80"]) < 1e-9
    assert _formats(shown)[WAPE] == "%.1f%%" and _formats(shown)["95% 区间覆盖率"] == "%.1f%%"
    engine.dispose()


def test_english_labels(forecast_city, monkeypatch):
    at = open_page(
        forecast_city, monkeypatch, "forecasts", lang="en", period=PERIOD, fc_level="grid"
    )
    _clean(at)
    assert " · Grid · 14 days · " in at.selectbox(key="fc_run").options[0]
    assert "Prophet with holiday classes and yearly season (prophet)" in (
        at.selectbox(key="tune_model").options
    )
    assert _table(at, "Chosen").value["Chosen"].tolist() == ["✓"]
    at.selectbox(key="tune_model").set_value("ets").run()
    assert at.selectbox(key="tune_ets_trend").options == [
        "none (N)",
        "additive (A)",
        "automatic (Z)",
    ]
    assert at.checkbox(key="tune_ets_damped").label == "Damped trend (damped)"


def test_the_out_of_sample_line_is_shown_and_says_so(forecast_city, monkeypatch):
    engine = open_store(forecast_city)
    honest = forecasting.load_run(engine).scores["out_of_sample"]["grid"]
    engine.dispose()
    at = open_page(forecast_city, monkeypatch, "forecasts", period=PERIOD, fc_level="grid")
    _clean(at)
    (text,) = [i.value for i in at.info if "样本外" in i.value]
    assert text.startswith("样本外检验（") and honest["window"].replace("..", " – ") in text
    assert f"WAPE 为 {100 * honest['wape']:.1f}%" in text
    # The run used the seasonal naive alone, so it is exactly as good as the naive.
    assert "是季节朴素的 1.00 倍" in text
    assert any("偏乐观" in c.value for c in at.caption)
