"""Signing in with a password in Chromium: a street account sees its street only."""

from __future__ import annotations

import pytest

import accounts
import forecasting
from caselog import open_store
from tests.dashboard.conftest import _build
from tests.e2e.conftest import SHOTS, serve

PASSWORD = "street-pass-1"


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory):
    """The test city served with one street account (so everyone must sign in)."""
    folder = tmp_path_factory.mktemp("e2e_sign_in")
    url = _build(folder)
    engine = open_store(url)
    streets = sorted(forecasting.hierarchy(engine, "street")["street"])
    engine.dispose()
    directory_url = f"sqlite:///{folder / 'accounts.sqlite'}"
    directory = accounts.open_accounts(directory_url)
    accounts.add_account(directory, "dh", "street", streets[0], PASSWORD, "丹塘街道办")
    proc, address = serve(url, env={"GRIDPULSE_ACCOUNTS_DB": directory_url})
    yield address, directory, streets
    proc.terminate()
    proc.wait(timeout=20)
    directory.dispose()


def test_password_sign_in_in_chromium(browser, guarded_app):
    address, directory, streets = guarded_app
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(address)
    page.get_by_role("heading", name="登录网格治理绩效看板").wait_for(timeout=60_000)
    page.get_by_label("用户名").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    body = page.inner_text("body")
    assert not any(s.split("/")[1] in body for s in streets)  # nothing before signing in
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sign_in.png"))
    page.get_by_label("用户名").fill("dh")
    page.get_by_label("密码", exact=True).fill("wrong password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("登录失败").first.wait_for(timeout=30_000)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="城市总览").wait_for(timeout=60_000)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stSpinner\"]').length === 0", timeout=60_000
    )
    page.get_by_text("红榜").first.wait_for(timeout=60_000)
    body = page.inner_text("body")
    assert f"已登录：丹塘街道办（街道 · {streets[0]}）" in body
    assert streets[0].split("/")[1] in body
    others = {s.split("/")[1] for s in streets[1:]} - {streets[0].split("/")[1]}
    assert not [name for name in others if name in body]
    assert "数据概览" not in body  # the data page is for city accounts
    page.close()
    log = accounts.recent(directory)
    assert list(zip(log["username"], log["ok"], strict=True))[::-1] == [("dh", False), ("dh", True)]
