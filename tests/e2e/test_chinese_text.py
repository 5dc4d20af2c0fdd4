"""Every Chinese page shows no English words beyond names (the visible text, in Chromium)."""

from __future__ import annotations

import pytest

import forecasting
from caselog import open_store
from tests.conftest import sample_store
from tests.e2e.conftest import serve
from tests.e2e.visible_text import VISIBLE_TEXT_JS, english_words

# url path and the page's title (the overview is the root page)
PAGES = [
    ("", "城市总览"),
    ("assessment", "考核排名"),
    ("publications", "考核发布"),
    ("supervision", "督查督办"),
    ("appeals", "申诉"),
    ("departments", "部门协同"),
    ("trends", "趋势分析"),
    ("map", "网格地图"),
    ("forecasts", "预测分析"),
    ("data", "数据概览"),
    ("rules", "规则集管理"),
]


@pytest.fixture(scope="module")
def filled_app(tmp_path_factory):
    """A small city with a forecast run and surge alerts, as scripts/start.sh leaves it."""
    folder = tmp_path_factory.mktemp("e2e_zh")
    url = sample_store(folder, grids=60, years=2, cases_per_year=6000, seed=3)
    engine = open_store(url)
    forecasting.write_forecast(engine, "district", 14, folder / "forecast.csv")
    # a low interval level finds surges in any city: the alert table is then on the page
    forecasting.save_alerts(engine, forecasting.detect_surges(engine, level_pct=50))
    engine.dispose()
    proc, address = serve(url)
    yield address
    proc.terminate()
    proc.wait(timeout=20)


def _settled(page, title: str) -> None:
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stSpinner\"]').length === 0", timeout=90_000
    )
    page.locator("[data-testid='stStatusWidget'] button").first.wait_for(
        state="detached", timeout=90_000
    )
    page.wait_for_timeout(2000)


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[p[0] or "overview" for p in PAGES])
def test_chinese_page_has_no_english_words(browser, filled_app, path, title):
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{filled_app}/{path}")
    _settled(page, title)
    texts = page.evaluate(VISIBLE_TEXT_JS)
    assert any(title in text for text in texts)  # the check reads the page's own text
    english = english_words(texts)
    assert not english, (sorted(english), [text for text in texts if english_words([text])])
    page.close()


def test_trends_by_district_in_chinese(browser, filled_app):
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{filled_app}/trends")
    _settled(page, "趋势分析")
    page.get_by_label("分组").first.click()
    page.get_by_role("option", name="区").first.click()
    _settled(page, "趋势分析")
    texts = page.evaluate(VISIBLE_TEXT_JS)
    assert not english_words(texts), sorted(english_words(texts))
    page.close()


def test_the_check_finds_english_and_passes_names():
    texts = ["同比 +1.2 pp", "Upload", "当前规则集：默认（哈希 53bea41ad5df）", "导入 cases.csv）"]
    assert english_words(texts) == {"pp", "Upload"}
    assert english_words(["网格 G0224 · 下载 Excel"]) == set()
    assert english_words(["Riverside 社区"], names={"Riverside"}) == set()
