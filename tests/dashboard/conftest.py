"""A small generated city loaded once per test session, and an AppTest opener per page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from caselog import open_store
from tests.conftest import sample_store

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "2025-11"


def _build(folder: Path) -> str:
    return sample_store(folder, grids=60, years=2, cases_per_year=6000, seed=3)


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    """Store URL of a 60-grid, two-year, 12,000-case city (with polygons and ratings)."""
    return _build(tmp_path_factory.mktemp("city"))


@pytest.fixture(scope="session")
def forecast_city(tmp_path_factory):
    """The same city with a saved grid-level forecast run and saved surge alerts."""
    import forecasting

    folder = tmp_path_factory.mktemp("forecast_city")
    url = _build(folder)
    engine = open_store(url)
    forecasting.write_forecast(engine, "grid", 14, folder / "f.csv", model="snaive")
    forecasting.save_alerts(engine, forecasting.detect_surges(engine, min_cases=1))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(city):
    return open_store(city)


def open_page(url: str, monkeypatch, page: str, lang: str = "zh", **state) -> AppTest:
    """Run the router, then switch to ``dashboard/pages/<page>.py`` with ``state`` set."""
    monkeypatch.setenv("GRIDPULSE_DB", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["db_url"] = url
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(f"dashboard/pages/{page}.py")
    return at.run()
