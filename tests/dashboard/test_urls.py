"""Views in the URL: a link opens its view, the query string follows the session, bad links
open the nearest valid view with a Chinese note, and a link never widens an account's scope."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

import accounts
import metrics
from caselog import open_store
from metrics.selection import Selection
from records import rulesets
from tests.conftest import sample_store
from tests.dashboard import test_access
from tests.dashboard.conftest import ROOT

directory = test_access.directory  # an accounts database of the test's own
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_link(url: str, monkeypatch, page: str | None, query: dict, **state) -> AppTest:
    """A new session opening ``/<page>?<query>`` (the root when ``page`` is None)."""
    monkeypatch.setenv("GRIDPULSE_DB", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    at.session_state["db_url"] = url
    for key, value in state.items():
        at.session_state[key] = value
    at.query_params.update(query)
    if page:  # before the first run a page is found by its file name (= its url path)
        at.switch_page(f"dashboard/pages/{page}.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def notes(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def _districts(engine) -> list[str]:
    table = metrics.assess(engine, Selection.build("district", "2025Q3"))
    return sorted(table["district"])


def test_a_link_opens_its_view_and_the_query_string_follows(city, monkeypatch, engine):
    district = _districts(engine)[0]
    query = {
        "period": "2025Q3",
        "level": "community",
        "scope": district,
        "funnel_kpi": "solved_rate",
        "explain_part": "numerator",
    }
    at = open_link(city, monkeypatch, "assessment", query)
    clean(at)
    assert not notes(at)
    assert at.title[0].value == "考核排名"
    assert at.text_input(key="_period_zh").value == "2025Q3"
    assert at.selectbox(key="_level_zh").value == "community"
    assert at.selectbox(key="_scope_zh").value == district
    assert at.selectbox(key="funnel_kpi").value == "solved_rate"
    assert at.radio(key="explain_part").value == "numerator"
    want = metrics.assess(
        engine, Selection.build("community", "2025Q3", scope={"district": district})
    )
    shown = at.dataframe[0].value
    assert sorted(shown["社区(村)"]) == sorted(want["community"]) and len(shown) > 1
    written = dict(at.query_params)
    assert {k: written[k] for k in query} == query

    at.selectbox(key="funnel_kpi").set_value("satisfaction_rate").run()
    assert at.query_params["funnel_kpi"] == "satisfaction_rate"
    at.selectbox(key="lang").set_value("en").run()
    at.run()
    clean(at)
    assert at.query_params["lang"] == "en"
    assert (at.query_params["period"], at.query_params["scope"]) == ("2025Q3", district)
    assert at.query_params["level"] == "community"
    at.selectbox(key="lang").set_value("zh").run()
    assert "lang" not in at.query_params


def test_the_written_query_string_reopens_the_same_compare_view(city, monkeypatch, engine):
    at = open_link(city, monkeypatch, "compare", {"period": "2025Q3", "level": "street"})
    clean(at)
    streets = at.multiselect(key="compare_units").options
    at.multiselect(key="compare_units").set_value(streets[-3:]).run()
    at.selectbox(key="compare_kpi").set_value("on_time_rate").run()
    clean(at)
    link = dict(at.query_params)
    assert link["compare_units"] == streets[-3:] and link["compare_kpi"] == "on_time_rate"
    table = at.dataframe[0].value

    again = open_link(city, monkeypatch, "compare", link)  # a colleague opens the link
    clean(again)
    assert not notes(again)
    assert again.multiselect(key="compare_units").value == streets[-3:]
    assert again.selectbox(key="compare_kpi").value == "on_time_rate"
    assert again.dataframe[0].value.equals(table)
    assert dict(again.query_params) == link


@pytest.mark.parametrize(
    ("query", "said", "state"),
    [
        ({"period": "2025-13"}, "链接中的周期“2025-13”无法识别", {"period": "2025-12"}),
        ({"period": "2025-W60"}, "链接中的周期“2025-W60”无法识别", {"period": "2025-12"}),
        ({"level": "province"}, "链接中的层级“province”不可用", {"level": "street"}),
        ({"rules": "999"}, "链接中的规则集版本“999”不存在", {"rules_version": ""}),
        ({"known": "2020-01-01"}, "链接中的数据版本“2020-01-01”不存在", {"known_at": ""}),
        ({"funnel_kpi": "no_such_kpi"}, "链接中的选项“no_such_kpi”在本页不可选", {}),
    ],
)
def test_a_bad_link_value_gives_way_with_a_chinese_note(city, monkeypatch, query, said, state):
    at = open_link(city, monkeypatch, "assessment", query)
    clean(at)
    assert [n for n in notes(at) if said in n], notes(at)
    assert all(CJK.search(n) for n in notes(at))
    for key, value in state.items():
        assert at.session_state[key] == value
    assert at.dataframe[0].value.shape[0] > 0  # the page is drawn with the fallback
    at.run()  # the note is said once
    assert not [n for n in notes(at) if said in n]


def test_an_unknown_unit_opens_the_nearest_area(city, monkeypatch, engine):
    district = _districts(engine)[0]
    at = open_link(
        city, monkeypatch, "overview", {"scope": f"{district}/没有这个街道", "level": "street"}
    )
    clean(at)
    assert any(f"已显示最接近的范围：{district}" in n for n in notes(at)), notes(at)
    assert at.session_state["scope"] == district
    period = at.session_state["period"]
    want = metrics.assess(
        engine, Selection.build("city", period, scope={"district": district}), rank_change=False
    )
    assert at.metric[0].value == f"{want.iloc[0]['cases']:,}"
    assert at.caption[0].value.startswith(district)

    at = open_link(city, monkeypatch, "compare", {"compare_units": ["不存在/街道"]})
    clean(at)
    assert any("“不存在/街道”在本页不可选" in n for n in notes(at)), notes(at)


def test_a_link_outside_the_account_shows_its_own_scope(city, monkeypatch, engine, directory):
    streets = metrics.assess(engine, Selection.build("street", "2025Q3"))
    mine, other = streets.iloc[0], streets.iloc[1]
    account = accounts.add_account(
        directory, "dh", "street", f"{mine['district']}/{mine['street']}", "street-pass-1"
    )
    link = {
        "period": "2025Q3",
        "level": "district",
        "scope": f"{other['district']}/{other['street']}",
    }
    at = open_link(city, monkeypatch, "overview", link, account=account)
    clean(at)
    said = notes(at)
    assert any("超出您的权限，已显示您的范围" in n and account.scope_path in n for n in said), said
    assert any("链接中的层级“district”不可用" in n for n in said), said
    assert at.session_state["scope"] == account.scope_path
    want = metrics.assess(
        engine, Selection.build("city", "2025Q3", scope=dict(account.scope)), rank_change=False
    )
    assert at.metric[0].value == f"{want.iloc[0]['cases']:,}"
    assert other["street"] not in at.caption[0].value
    assert dict(at.query_params)["scope"] == account.scope_path


def test_a_link_names_a_saved_rule_set_version(tmp_path, monkeypatch):
    url = sample_store(tmp_path, grids=20, years=1, cases_per_year=3000, seed=8)
    store = open_store(url)
    text = metrics.default_rules().text.replace('name = "default"', 'name = "版本甲"')
    version, _ = rulesets.save_version(store, text, by="shi")
    store.dispose()
    at = open_link(url, monkeypatch, "assessment", {"rules": str(version), "level": "street"})
    clean(at)
    assert not notes(at)
    assert at.selectbox(key="_rules_version_zh").value == str(version)
    assert "当前规则集：版本甲" in "".join(c.value for c in at.caption)
    assert at.query_params["rules"] == str(version)
    at.selectbox(key="_rules_version_zh").set_value("").run()
    clean(at)
    assert "rules" not in at.query_params
    assert "当前规则集：内置默认规则" in "".join(c.value for c in at.caption)


def test_a_trends_link_keeps_how_many_units_are_drawn(city, monkeypatch):
    query = {"period": "2025Q3", "level": "district", "trend_split": "district", "trend_top": "5"}
    at = open_link(city, monkeypatch, "trends", query)
    clean(at)
    assert at.selectbox(key="trend_top").value == 5
    at.selectbox(key="trend_top").set_value(0).run()  # 全部
    assert at.query_params["trend_top"] == "0"
