"""End to end: the app served by `streamlit run`, driven in headless Chromium, page by page."""

from __future__ import annotations

import pytest

from caselog import open_store
from caselog.ingest import ingest_files
from gridpulse.cli import main
from sample_data import generate_city
from tests.e2e.conftest import SHOTS, serve

CASES = """case_id,reported_at,category,district,street,grid_id,source,status
B1,2025-01-05 09:00,市容环境,东城区,东华门街道,G1,hotline,closed
B2,2025-01-06 10:00,市容环境,东城区,东华门街道,G1,patrol,open
B3,2025-02-07 11:00,街面秩序,西城区,西长安街街道,G2,app,closed
B4,2025-02-31 11:00,街面秩序,西城区,西长安街街道,G2,app,closed
"""

# url path, title, texts that must be on the page
PAGES = [
    ("overview", "城市总览", ["受理量", "综合得分", "红榜", "黑榜", "最新激增预警"]),
    ("compare", "单位对比", ["指标对比", "月度趋势", "对比单位"]),
    ("assessment", "考核排名", ["下载 Excel", "漏斗图", "排名稳定性", "指标溯源", "未启用账户时"]),
    ("publications", "考核发布", ["还没有可查看的发布"]),
    ("supervision", "督查督办", ["红牌", "黄牌", "案龄", "各部门当前超期未结"]),
    ("departments", "部门协同", ["部门协同指数", "评价少于", "生存估计"]),
    ("trends", "趋势分析", ["同比", "环比", "季节分解", "上升最快的大类"]),
    ("map", "网格地图", ["着色指标", "千户受理量"]),
    (
        "forecasts",
        "预测分析",
        ["回测得分", "人力测算", "按大类预测", "选单位，看各大类", "调参与比较"],
    ),
    ("data", "数据概览", ["库中案件", "上传案件数据", "使用中的规则集"]),
]


def _serve_store(folder, build):
    url = f"duckdb:///{folder / 'e2e.duckdb'}"
    engine = open_store(url)
    build(engine)
    engine.dispose()
    return serve(url)


def _first_start(folder, engine) -> None:
    """The city loaded, then its forecasts and surge alerts made as scripts/start.sh makes
    them for a new user: every page filled."""
    ingest_files(
        engine,
        [folder / "cases.csv"],
        ratings=[folder / "ratings.csv"],
        grids=[folder / "grids.csv"],
    )
    db = ["--db", str(engine.url)]
    for n, argv in enumerate(
        (
            ["forecast", "--level", "grid", "--horizon", "28", "--out"],
            ["forecast", "--level", "district", "--by", "category", "--horizon", "28", "--out"],
            ["alerts", "--if-none"],
        )
    ):
        out = [str(folder / f"forecast{n}.csv")] if argv[-1] == "--out" else []
        assert main([*db, *argv, *out]) == 0, argv


@pytest.fixture(scope="module")
def city_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e_city")
    generate_city(folder, grids=60, years=2, cases_per_year=6000, seed=3)
    proc, address = _serve_store(folder, lambda e: _first_start(folder, e))
    yield address
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def tiny_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    (folder / "cases.csv").write_text(CASES, encoding="utf-8")
    proc, address = _serve_store(folder, lambda e: ingest_files(e, [folder / "cases.csv"]))
    yield address
    proc.terminate()
    proc.wait(timeout=20)


def _open(browser, url: str, path: str, title: str, height: int = 1000):
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.goto(f"{url}/{path}")
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    # wait until every spinner is gone, then let plotly draw
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stSpinner\"]').length === 0", timeout=60_000
    )
    page.wait_for_timeout(2500)
    return page


def _no_errors(page) -> str:
    text = page.inner_text("body")
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    assert "Page not found" not in text
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize(("path", "title", "texts"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_in_chromium(browser, city_app, path, title, texts):
    page = _open(browser, city_app, path, title, 2400)  # every page at its own URL
    for expected in texts:
        page.get_by_text(expected).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    text = _no_errors(page)
    for expected in texts:
        assert expected in text, expected
    if path in ("overview", "compare", "assessment", "trends", "map", "departments"):
        assert page.locator(".js-plotly-plot").count() >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = {"data": "data_overview"}.get(path, path)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    page.close()


def test_drill_down_from_the_overview(browser, city_app):
    page = _open(browser, city_app, "", "城市总览")
    page.get_by_test_id("stButton").filter(has_text="查看").first.click()
    page.get_by_role("heading", name="考核排名").first.wait_for(timeout=60_000)
    _no_errors(page)
    page.close()


def test_data_overview_counts_in_chromium(browser, tiny_app):
    page = _open(browser, tiny_app, "data", "数据概览")
    text = _no_errors(page)
    assert "库中案件" in text and "隔离行" in text
    metrics = [m.split() for m in page.locator("[data-testid='stMetric']").all_inner_texts()]
    assert ["库中案件", "3"] in metrics and ["隔离行", "1"] in metrics
    page.close()


def test_upload_a_case_log_in_chromium(browser, tiny_app, tmp_path):
    upload = tmp_path / "more.csv"
    upload.write_text(
        "case_id,reported_at,category,district,street,grid_id\n"
        "C1,2025-02-10 09:00,市容环境,东城区,东华门街道,G1\n"
        "C2,2025-02-11 09:00,,东城区,东华门街道,G1\n",
        encoding="utf-8",
    )
    page = _open(browser, tiny_app, "data", "数据概览")
    page.get_by_text("上传案件数据").first.wait_for(timeout=60_000)
    main = page.locator("[data-testid='stMain']")
    main.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(upload))
    page.get_by_text("more.csv").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="导入").click()
    page.get_by_text("已导入").first.wait_for(timeout=60_000)
    text = _no_errors(page)
    assert "读取 2，新增 1，更新 0，未变 0，隔离 1" in text
    page.close()
