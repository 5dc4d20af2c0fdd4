"""Every page says how fresh its figures are (数据截至 and the load), in both languages."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.components import csv_bytes
from tests.dashboard.conftest import PERIOD, open_page

PAGES = ("overview", "assessment", "supervision", "departments", "trends", "grid_map", "forecasts")


def _expected(engine) -> str:
    with engine.connect() as conn:
        frame = pd.read_sql(text("SELECT * FROM cases"), conn)
    events = frame.filter(regex="^(reported|accepted|dispatched|responded|resolved|closed)_at$")
    assert len(events.columns) == 6
    return f"{events.max().max():%Y-%m-%d %H:%M}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_data_as_of(city, monkeypatch, engine, page):
    at = open_page(city, monkeypatch, page, period=PERIOD)
    assert not at.exception
    shown = [c.value for c in at.sidebar.caption]
    assert any(
        s.startswith(f"数据截至 {_expected(engine)}（") and "导入 cases.csv" in s for s in shown
    )


def test_english_and_csv_downloads_carry_it(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "supervision", lang="en", period=PERIOD)
    assert not at.exception
    shown = [c.value for c in at.sidebar.caption]
    assert any(
        s.startswith(f"Data as of {_expected(engine)} (loaded from cases.csv at") for s in shown
    )
    stamp = {"as_of": "2025-12-31 23:59:00", "data_loaded_at": "2026-01-02 08:00:00"}
    back = pd.read_csv(io.BytesIO(csv_bytes(pd.DataFrame({"case_id": ["x", "y"]}), stamp)))
    assert back.to_dict("list") == {
        "case_id": ["x", "y"],
        "as_of": ["2025-12-31 23:59:00"] * 2,
        "data_loaded_at": ["2026-01-02 08:00:00"] * 2,
    }
