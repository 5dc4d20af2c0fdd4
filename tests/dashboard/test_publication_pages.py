"""The 发布 action on 考核排名, the 考核发布 page, and the live page's difference line."""

from __future__ import annotations

import json

import pytest
import streamlit as st

import accounts
from caselog import open_store
from caselog.ingest import ingest_files
from metrics import Selection
from records.publications import get_publication, list_publications, publish
from tests.dashboard.conftest import open_page
from tests.dashboard.test_access import downloads  # noqa: F401  (the page's download bytes)
from tests.records.publication_city import DISTRICT, FEB, MAR, rows, score, spoiled, write

PASSWORD = "district-pass-1"
STATE = {"period": "2025-03", "level": "street", "scope": DISTRICT}


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A store of the three streets (February, March) and an accounts database of its own."""
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", f"sqlite:///{tmp_path / 'accounts.sqlite'}")
    url = f"duckdb:///{tmp_path / 'p.duckdb'}"
    engine = open_store(url)
    ingest_files(engine, [write(tmp_path / "c.csv", rows(2, FEB), rows(3, MAR))])
    engine.dispose()
    st.cache_data.clear()  # figures of another test's store under the same URL pattern
    return url


@pytest.fixture
def directory(tmp_path):
    engine = accounts.open_accounts(f"sqlite:///{tmp_path / 'accounts.sqlite'}")
    yield engine
    engine.dispose()


def _texts(at) -> str:
    parts = [
        str(x.value)
        for k in ("markdown", "caption", "info", "warning", "success", "error")
        for x in getattr(at, k)
    ]
    return "\n".join(parts)


def _publications(url):
    engine = open_store(url, read_only=True)
    try:
        return list_publications(engine)
    finally:
        engine.dispose()


def test_a_district_account_publishes_with_confirmation(
    store,
    directory,
    monkeypatch,
    tmp_path,
    downloads,  # noqa: F811
):
    account = accounts.add_account(directory, "dc", "district", DISTRICT, PASSWORD)
    at = open_page(store, monkeypatch, "assessment", account=account, **STATE)
    assert not at.exception, at.exception
    at.button(key="publish_open").click().run()
    assert not at.exception, at.exception
    shown = _texts(at)
    # what will be frozen: level, period, scope, rule set and hash, as_of, units, appeals
    for fact in ("街道(乡镇)", "2025-03", DISTRICT, "default", "2025-03-11 09:00:00"):
        assert fact in shown
    assert "**考核单位数**：3" in shown and "**生效申诉**：0" in shown
    assert _publications(store).empty  # nothing before the confirmation
    at.text_input(key="publish_name").set_value("东城区三月街道排名")
    at.button(key="publish_go").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["已发布，编号 1。"]
    made = _publications(store)
    assert list(made["published_by"]) == ["dc"] and list(made["scope"]) == [DISTRICT]
    assert list(made["title"]) == ["东城区三月街道排名"]
    log = accounts.recent(directory)
    assert list(log.loc[log["action"] == "publish", "username"]) == ["dc"]
    # the live page now says it equals the publication
    assert any("当前数据与发布结果一致" in i.value and "编号 1" in i.value for i in at.info)

    # the list page shows it; its table is the frozen one; the CSV is the stored bytes
    at.switch_page("dashboard/pages/publications.py").run()
    assert not at.exception, at.exception
    listed = at.dataframe[0].value  # the list, then the opened publication's table
    assert list(listed["标题"]) == ["东城区三月街道排名"] and list(listed["发布人"]) == ["dc"]
    frozen = at.dataframe[1].value.set_index("街道(乡镇)")
    assert frozen.loc["丙街道", "排名"] == 1 and frozen.loc["甲街道", "排名"] == 3
    assert frozen.loc["丙街道", "综合得分"] == pytest.approx(score(*MAR["丙街道"]))
    engine = open_store(store, read_only=True)
    stored = get_publication(engine, 1).csv
    engine.dispose()
    assert dict(downloads)["publication_1.csv"] == stored
    at.download_button(key="pub_csv").click().run()
    log = accounts.recent(directory)
    detail = json.loads(log.loc[log["action"] == "export", "detail"].iloc[0])
    assert detail["publication"] == 1 and detail["file"] == "publication_1.csv"


def test_the_live_page_says_how_it_differs_after_a_change(store, directory, monkeypatch, tmp_path):
    account = accounts.add_account(directory, "dc", "district", DISTRICT, PASSWORD)
    at = open_page(store, monkeypatch, "assessment", account=account, **STATE)
    at.button(key="publish_open").click().run()
    at.button(key="publish_go").click().run()
    assert [s.value for s in at.success] == ["已发布，编号 1。"]
    # a later load: 丙's March cases are no longer solved nor satisfied
    engine = open_store(store)
    ingest_files(engine, [write(tmp_path / "later.csv", spoiled(rows(3, MAR), "丙街道"))])
    engine.dispose()
    st.cache_data.clear()  # what the pages do within seconds of a load (data.refresh_if_changed)
    at = open_page(store, monkeypatch, "assessment", account=account, **STATE)
    assert not at.exception, at.exception
    # by hand: 丙 falls from 1st to 3rd, 乙 and 甲 move up; 丙's score drops by its whole score
    gap = f"{score(*MAR['丙街道']):.2f}"
    lines = [w.value for w in at.warning if "发布结果不同" in w.value]
    assert len(lines) == 1
    assert "编号 1" in lines[0] and "3 个单位排名变化" in lines[0]
    assert f"最大得分差 {gap} 分" in lines[0]
    at = open_page(store, monkeypatch, "assessment", lang="en", account=account, **STATE)
    assert not at.exception, at.exception
    assert any(
        "the figures now differ from it: 3 units changed rank" in w.value and gap in w.value
        for w in at.warning
    )


def test_who_may_publish(store, directory, monkeypatch):
    street = accounts.add_account(directory, "sj", "street", f"{DISTRICT}/甲街道", PASSWORD)
    mine = {**STATE, "scope": f"{DISTRICT}/甲街道", "level": "grid"}
    at = open_page(store, monkeypatch, "assessment", account=street, **mine)
    assert not at.exception and not [b for b in at.button if b.key == "publish_open"]
    district = accounts.add_account(directory, "dc", "district", DISTRICT, PASSWORD)
    at = open_page(store, monkeypatch, "assessment", account=district, **mine)
    assert not [b for b in at.button if b.key == "publish_open"]
    assert any("只发布本区范围" in c.value for c in at.caption)


def test_without_accounts_the_app_does_not_publish(store, monkeypatch):
    at = open_page(store, monkeypatch, "assessment", **STATE)
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "publish_open"]
    assert any("未启用账户时不能在页面上发布" in c.value for c in at.caption)
    at.switch_page("dashboard/pages/publications.py").run()
    assert [i.value for i in at.info] == ["还没有可查看的发布。"]


def test_the_list_shows_only_publications_inside_the_accounts_scope(store, directory, monkeypatch):
    engine = open_store(store)
    made = {}
    for level, scope in (("street", ""), ("street", DISTRICT), ("grid", f"{DISTRICT}/甲街道")):
        sel = Selection.build(level, "2025-03", scope=scope)
        made[scope] = publish(engine, sel, title=f"范围 {scope or '全市'}", by="city")
    engine.dispose()
    district = accounts.add_account(directory, "dc", "district", DISTRICT, PASSWORD)
    street = accounts.add_account(directory, "sj", "street", f"{DISTRICT}/甲街道", PASSWORD)
    for account, seen in (
        (district, [f"{DISTRICT}/甲街道", DISTRICT]),
        (street, [f"{DISTRICT}/甲街道"]),
    ):
        at = open_page(store, monkeypatch, "publications", account=account, period="2025-03")
        assert not at.exception, at.exception
        assert list(at.dataframe[0].value["编号"]) == [made[s] for s in seen]
        assert at.selectbox(key="pub_chosen").options == [f"{made[s]} · 范围 {s}" for s in seen]
