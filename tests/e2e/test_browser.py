"""End to end: the app served by `streamlit run`, driven in headless Chromium, page by page."""

from __future__ import annotations

import pytest

from caselog import open_store
from caselog.ingest import ingest_files
from tests.e2e.conftest import SHOTS, serve

CASES = """case_id,reported_at,category,district,street,grid_id,source,status
B1,2025-01-05 09:00,市容环境,东城区,东华门街道,G1,hotline,closed
B2,2025-01-06 10:00,市容环境,东城区,东华门街道,G1,patrol,open
B3,2025-02-07 11:00,街面秩序,西城区,西长安街街道,G2,app,closed
B4,2025-02-31 11:00,街面秩序,西城区,西长安街街道,G2,app,closed
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    url = f"duckdb:///{folder / 'e2e.duckdb'}"
    engine = open_store(url)
    (folder / "cases.csv").write_text(CASES, encoding="utf-8")
    ingest_files(engine, [folder / "cases.csv"])
    engine.dispose()
    proc, address = serve(url)
    yield address
    proc.terminate()
    proc.wait(timeout=20)


def _open(browser, url: str, path: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/{path}")
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    page.wait_for_timeout(1500)  # let plotly charts draw before the screenshot
    return page


def test_data_overview_in_chromium(browser, app):
    page = _open(browser, app, "")
    text = page.inner_text("body")
    assert "数据概览" in text
    assert "案件数" in text and "隔离行" in text
    metrics = [m.split() for m in page.locator("[data-testid='stMetric']").all_inner_texts()]
    assert ["案件数", "3"] in metrics and ["隔离行", "1"] in metrics
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Page not found" not in text
    assert page.locator("[data-testid='stAlert'] .stAlertContentError").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "data_overview.png"), full_page=True)
    page.close()
