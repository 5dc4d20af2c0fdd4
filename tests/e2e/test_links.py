"""In Chromium: a shared link opens the same view, an unknown path lands on the overview with a
Chinese note, and the overview and the ranking fit a phone 390 px wide."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from caselog import open_store
from services.sample import build_sample_store
from tests.e2e.conftest import SHOTS, serve
from tests.e2e.test_sign_in import PASSWORD, guarded_app  # noqa: F401  (a street account)

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e_links")
    url = f"duckdb:///{folder / 'links.duckdb'}"
    engine = open_store(url)
    build_sample_store(engine, folder, grids=60, years=2, cases_per_year=6000, seed=3)
    engine.dispose()
    proc, address = serve(url)
    yield address
    proc.terminate()
    proc.wait(timeout=20)


IDLE = """() => !document.querySelector('[data-testid=stStatusWidget]')
    && document.querySelectorAll('[data-testid=stSpinner]').length === 0"""


def _settled(page, title: str) -> None:
    """Wait for the page's heading, the view written into the query string (the last thing a
    run does) and the app idle (no run in progress, no spinner), twice over a pause: a busy
    machine may start the page's run late."""
    page.get_by_role("heading", name=title).first.wait_for(timeout=90_000)
    page.wait_for_url("**period=**", timeout=90_000)
    for _ in range(2):
        page.wait_for_function(IDLE, timeout=90_000)
        page.wait_for_timeout(1500)


def _choice(where, label: str) -> str:
    """The option a select box labelled ``label`` shows."""
    return where.get_by_role("combobox", name=label).input_value()


def _view(page) -> dict:
    """What a reader sees of the view: the sidebar's filters, the caption, the KPI cards."""
    sidebar = page.get_by_test_id("stSidebar")
    return {
        "period": sidebar.get_by_role("textbox", name="考核周期").input_value(),
        "scope": _choice(sidebar, "范围"),
        "level": _choice(sidebar, "层级"),
        "caption": page.get_by_test_id("stMain")
        .get_by_test_id("stCaptionContainer")
        .first.inner_text(),
        "cards": page.get_by_test_id("stMetric").all_inner_texts(),
    }


def _clean(page) -> str:
    text = page.inner_text("body")
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    assert "Page not found" not in text and "Traceback" not in text
    return text


def test_a_shared_link_opens_the_same_view(browser, app):
    sender = browser.new_page(viewport={"width": 1400, "height": 1200})
    sender.goto(f"{app}/overview")
    _settled(sender, "城市总览")
    box = sender.get_by_test_id("stSidebar").get_by_role("textbox", name="考核周期")
    box.fill("2025Q3")
    box.press("Enter")
    sender.wait_for_url("**period=2025Q3**", timeout=60_000)
    sender.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="范围").click()
    district = sender.get_by_role("option").nth(1)  # the first district after 全市
    name = district.inner_text().strip()
    district.click()
    sender.wait_for_url("**scope=**", timeout=60_000)
    _settled(sender, "城市总览")
    link = sender.url
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/overview"
    assert query["period"] == ["2025Q3"] and query["scope"] == [name]
    seen = _view(sender)
    assert (seen["period"], seen["scope"], seen["level"]) == ("2025Q3", name, "街道(乡镇)")
    assert seen["caption"].startswith(name) and len(seen["cards"]) == 7

    context = browser.new_context(viewport={"width": 1400, "height": 1200})  # a colleague
    receiver = context.new_page()
    receiver.goto(link)
    _settled(receiver, "城市总览")
    _clean(receiver)
    assert _view(receiver) == seen
    assert parse_qs(urlsplit(receiver.url).query) == query
    # the filters go along to another page, and its address says so
    receiver.get_by_test_id("stSidebarNav").get_by_text("考核排名").click()
    _settled(receiver, "考核排名")
    moved = parse_qs(urlsplit(receiver.url).query)
    assert urlsplit(receiver.url).path == "/assessment"
    assert (moved["period"], moved["scope"]) == (["2025Q3"], [name])
    context.close()
    sender.close()


def test_a_link_to_a_page_keeps_its_choice(browser, app):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{app}/assessment?period=2025Q3&level=district&funnel_kpi=solved_rate")
    _settled(page, "考核排名")
    _clean(page)
    assert page.get_by_role("heading", name="区排名（2025Q3）").count() == 1
    assert _choice(page.get_by_test_id("stMain"), "比率指标") == "解决率"
    assert "funnel_kpi=solved_rate" in page.url
    # the sidebar offers the same link to copy
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("保存的视图", exact=True).click()
    shown = sidebar.get_by_test_id("stCode").inner_text().strip()
    assert urlsplit(shown).path == "/assessment"
    assert parse_qs(urlsplit(shown).query) == parse_qs(urlsplit(page.url).query)
    page.close()


def test_an_unknown_path_lands_on_the_overview_with_a_note(browser, app):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app}/leaders-board?period=2025-13")
    _settled(page, "城市总览")
    text = _clean(page)
    assert "没有“leaders-board”这个页面（或您的账户不能打开它），已打开城市总览。" in text
    assert "链接中的周期“2025-13”无法识别" in text
    assert urlsplit(page.url).path == "/overview"
    page.close()


@pytest.mark.parametrize(("path", "title"), [("overview", "城市总览"), ("assessment", "考核排名")])
def test_the_phone_layout_has_no_sideways_scroll(browser, app, path, title):
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(f"{app}/{path}?period=2025Q3")
    _settled(page, title)
    _clean(page)
    page.wait_for_timeout(1500)  # plotly redraws at the frame's width
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth,
                  document.querySelector('[data-testid=stMain]').scrollWidth,
                  Math.max(...[...document.querySelectorAll('.js-plotly-plot')]
                      .map(e => e.getBoundingClientRect().right)),
                  Math.max(...[...document.querySelectorAll('[data-testid=stDataFrame]')]
                      .map(e => e.getBoundingClientRect().right))]"""
    )
    assert max(widths) <= PHONE["width"], widths
    if path == "overview":  # two KPI cards a row, not one
        boxes = [m.bounding_box() for m in page.get_by_test_id("stMetric").all()[:2]]
        assert boxes[0]["y"] == boxes[1]["y"] and boxes[1]["x"] > boxes[0]["x"]
    # the whole page: Streamlit scrolls its main block, so grow the window to its height
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": PHONE["width"], "height": min(int(height), 6000)})
    page.wait_for_timeout(1500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{path}_phone.png"), full_page=True)
    page.close()


def test_a_link_survives_sign_in_and_stays_inside_the_account(browser, guarded_app):  # noqa: F811
    address, _, streets = guarded_app
    mine, other = streets[0], streets[1]  # the account's street and a neighbour
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{address}/assessment?period=2025Q3&scope={other}")
    page.get_by_label("用户名").fill("dh")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    _settled(page, "考核排名")
    text = _clean(page)
    said = f"链接中的范围“{other}”超出您的权限，已显示您的范围：{mine}。"
    assert said in text
    assert _choice(page.get_by_test_id("stSidebar"), "范围") == mine
    assert page.get_by_role("textbox", name="考核周期").input_value() == "2025Q3"
    query = parse_qs(urlsplit(page.url).query)
    assert urlsplit(page.url).path == "/assessment" and query["scope"] == [mine]
    assert other.split("/")[1] not in text.replace(said, "")  # named in the note only
    page.close()
