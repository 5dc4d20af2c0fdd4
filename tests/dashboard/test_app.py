"""AppTest of the router, the welcome page and the data overview page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from caselog import open_store
from caselog.ingest import ingest_files
from caselog.overview import store_overview

ROOT = Path(__file__).resolve().parents[2]
CASES = """case_id,reported_at,category,district,street,grid_id,source,status
A1,2025-01-05 09:00,市容环境,东城区,东华门街道,G1,hotline,closed
A2,2025-01-06 10:00,市容环境,东城区,东华门街道,G1,patrol,open
A3,2025-02-07 11:00,街面秩序,西城区,西长安街街道,G2,app,closed
A4,not a date,街面秩序,西城区,西长安街街道,G2,app,closed
"""


def _app(url: str, monkeypatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("GRIDPULSE_DB", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["db_url"] = url
    at.run()
    if any(b.key == "build_sample" for b in at.button):
        return at
    at.switch_page("dashboard/pages/data_overview.py")
    return at.run()


@pytest.fixture
def loaded(tmp_path):
    url = f"duckdb:///{tmp_path / 'app.duckdb'}"
    engine = open_store(url)
    (tmp_path / "cases.csv").write_text(CASES, encoding="utf-8")
    ingest_files(engine, [tmp_path / "cases.csv"])
    engine.dispose()
    return url


def test_empty_store_offers_the_sample_city(tmp_path, monkeypatch):
    at = _app(f"duckdb:///{tmp_path / 'empty.duckdb'}", monkeypatch)
    assert not at.exception
    assert at.title[0].value == "欢迎使用网格治理绩效看板"
    assert at.button(key="build_sample").label == "生成示例城市"


def test_data_overview_shows_what_is_loaded(loaded, monkeypatch):
    at = _app(loaded, monkeypatch)
    assert not at.exception
    assert not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "库中案件": "3",
        "部门评价": "0",
        "网格数": "0",
        "隔离行": "1",
        "数据质量提示": "0",
    }
    rejected = at.dataframe[0].value
    assert rejected.iloc[0].tolist() == ["案件", "上报时间无法识别", 1]
    assert any("含作废 0 件" in c.value for c in at.caption)


def test_english_switch(loaded, monkeypatch):
    at = _app(loaded, monkeypatch, lang="en")
    assert not at.exception
    assert at.title[0].value == "Data overview"
    assert {m.label for m in at.metric} >= {"Cases stored", "Quarantined rows"}


def test_overview_counts_equal_the_store(loaded):
    ov = store_overview(open_store(loaded))
    assert ov.totals["cases"] == 3
    assert ov.by_month["cases"].tolist() == [2, 1]
    assert dict(zip(ov.by_source["source"], ov.by_source["cases"], strict=True)) == {
        "hotline": 1,
        "patrol": 1,
        "app": 1,
    }
    assert dict(zip(ov.by_district["district"], ov.by_district["cases"], strict=True)) == {
        "东城区": 2,
        "西城区": 1,
    }
