"""Saved views in the app: save the page with its filters, open it again, make it the default
that a new session opens, delete it; an account sees only its own views."""

from __future__ import annotations

import json

import accounts
from tests.dashboard import test_access
from tests.dashboard.test_urls import clean, open_link

directory = test_access.directory  # an accounts database of the test's own
PASSWORD = "city-pass-123"


def test_save_open_default_and_delete_a_view(city, monkeypatch, directory):
    shi = accounts.add_account(directory, "shi", "city", "", PASSWORD)
    other = accounts.add_account(directory, "qu", "city", "", PASSWORD)
    link = {"period": "2025Q3", "level": "street"}
    at = open_link(city, monkeypatch, "compare", link, account=shi)
    clean(at)
    streets = at.multiselect(key="compare_units").options
    at.multiselect(key="compare_units").set_value(streets[2:5]).run()
    at.text_input(key="view_name").input("三街道对比").run()
    at.button(key="view_save").click().run()
    clean(at)
    page, params = accounts.get_view(directory, "shi", "三街道对比")
    assert page == "compare"
    assert params["compare_units"] == streets[2:5]
    assert (params["period"], params["level"]) == (["2025Q3"], ["street"])

    # elsewhere with other filters, then open the view again
    at.text_input(key="_period_zh").input("2025-10").run()
    at.selectbox(key="_level_zh").set_value("district").run()
    at.selectbox(key="view_pick").set_value("三街道对比")
    at.button(key="view_open").click().run()
    clean(at)
    assert at.title[0].value == "单位对比"
    assert (at.session_state["period"], at.session_state["level"]) == ("2025Q3", "street")
    assert at.multiselect(key="compare_units").value == streets[2:5]

    at.button(key="view_default").click().run()
    assert accounts.default_view(directory, "shi") == (page, params)

    # a new session of the same account without a link opens the default view
    fresh = open_link(city, monkeypatch, None, {}, account=shi)
    clean(fresh)
    assert fresh.title[0].value == "单位对比"
    assert fresh.multiselect(key="compare_units").value == streets[2:5]
    assert fresh.text_input(key="_period_zh").value == "2025Q3"
    # a link wins over the default view
    linked = open_link(city, monkeypatch, "overview", {"period": "2025-10"}, account=shi)
    assert linked.title[0].value == "城市总览"
    assert linked.session_state["period"] == "2025-10"

    # another account sees none of it
    theirs = open_link(city, monkeypatch, None, {}, account=other)
    clean(theirs)
    assert theirs.title[0].value == "城市总览"
    assert "还没有保存的视图。" in [c.value for c in theirs.caption]
    assert not [s for s in theirs.selectbox if s.key == "view_pick"]

    fresh.selectbox(key="view_pick").set_value("三街道对比")
    fresh.button(key="view_delete").click().run()
    clean(fresh)
    assert accounts.list_views(directory, "shi").empty
    assert accounts.default_view(directory, "shi") is None
    log = accounts.recent(directory)
    views = log[log["action"] == "view"]
    assert set(views["username"]) == {"shi"}
    assert [json.loads(d)["op"] for d in views["detail"]][::-1] == ["save", "default", "delete"]


def test_a_view_without_a_name_is_refused_in_chinese(city, monkeypatch, directory):
    shi = accounts.add_account(directory, "shi", "city", "", PASSWORD)
    at = open_link(city, monkeypatch, "overview", {}, account=shi)
    at.button(key="view_save").click().run()
    clean(at)
    assert "请填写视图名称。" in [w.value for w in at.warning]
    assert accounts.list_views(directory, "shi").empty
