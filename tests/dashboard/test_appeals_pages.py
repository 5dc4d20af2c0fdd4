"""The 申诉 page and the orders on 督查督办: filing → deciding, issuing → answering, with
accounts of each role, the figures of every page following a decision, and the audit log.

The store is records_helpers' six cases (A4 the one overdue case, in 东华门街道)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import accounts
from caselog import open_store
from records import appeals, orders
from tests.dashboard.conftest import open_page
from tests.records.records_helpers import A, cli, make_city

PASSWORD = "a-long-password"


@pytest.fixture
def city(tmp_path, monkeypatch):
    """The six cases, and an accounts database with a city, a district and two streets."""
    db = make_city(tmp_path)
    url = f"sqlite:///{tmp_path / 'accounts.sqlite'}"
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", url)
    directory = accounts.open_accounts(url)
    people = {
        "city": accounts.add_account(directory, "shi", "city", None, PASSWORD),
        "district": accounts.add_account(directory, "qu", "district", "东城区", PASSWORD),
        "street": accounts.add_account(directory, "dh", "street", A, PASSWORD),
        "other": accounts.add_account(directory, "js", "street", "东城区/景山街道", PASSWORD),
    }
    yield db, people, directory
    directory.dispose()


def _page(db, monkeypatch, page: str, account, lang: str = "zh") -> AppTest:
    return open_page(db, monkeypatch, page, lang=lang, account=account, period="2025-03")


def _rows(db: str, read) -> list[dict]:
    engine = open_store(db, read_only=True)
    try:
        return read(engine).to_dict("records")
    finally:
        engine.dispose()


def _shown(at: AppTest) -> str:
    """What the page itself says (the sidebar left out)."""
    at = at.main
    parts = [
        str(x.value)
        for kind in ("title", "caption", "info", "success", "error")
        for x in getattr(at, kind)
    ]
    parts += [f.value.to_csv() for f in at.dataframe]
    return "\n".join(parts)


def test_a_street_files_and_the_city_decides(city, monkeypatch):
    db, people, directory = city
    at = _page(db, monkeypatch, "appeals", people["street"])
    assert not at.exception and not at.error
    assert "ap_approve" not in [b.key for b in at.button]  # a street does not decide
    # a case of another street is refused in one sentence and nothing is written
    at.text_input(key="ap_case").input("B2")
    at.text_area(key="ap_reason").input("错派")
    at.button(key="ap_file").click().run()
    assert [e.value for e in at.error] == ["案件 B2 不在您的辖区内，未作任何记录。"]
    assert _rows(db, appeals.list_appeals) == []
    # an extension without its new deadline
    at.text_input(key="ap_case").input("A3")
    at.radio(key="ap_kind").set_value("extend")
    at.button(key="ap_file").click().run()
    assert [e.value for e in at.error] == ["延期申诉需要填写新的处置时限，未作任何记录。"]
    at.text_input(key="ap_case").input("A2")
    at.radio(key="ap_kind").set_value("exclude")
    at.button(key="ap_file").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["已提交申诉 #1（案件 A2），等待市级审核。"]
    (row,) = _rows(db, appeals.list_appeals)
    assert (row["filed_by"], row["filed_unit"], row["status"]) == ("dh", A, "pending")
    assert "待审核" in _shown(at) and "ap_pick" not in [s.key for s in at.selectbox]

    # the other street sees nothing of it; the city decides
    other = _page(db, monkeypatch, "appeals", people["other"])
    assert "暂无申诉。" in [i.value for i in other.info]
    boss = _page(db, monkeypatch, "appeals", people["city"])
    assert "ap_file" not in [b.key for b in boss.button]  # the city decides, it does not file
    assert boss.selectbox(key="ap_pick").options == ["#1 · A2 · 不计入考核 · 错派"]
    boss.button(key="ap_approve").click().run()
    assert [e.value for e in boss.error] == ["请填写意见或要求，未作任何记录。"]
    boss.text_area(key="ap_note").input("核实属错派")
    boss.button(key="ap_approve").click().run()
    assert not boss.exception and not boss.error
    assert [s.value for s in boss.success] == [
        "申诉 #1（案件 A2）已批准；各页面指标已按此重新计算。"
    ]
    assert "没有待审核的申诉。" in [i.value for i in boss.info]
    (row,) = _rows(db, appeals.list_appeals)
    assert (row["status"], row["decided_by"], row["note"]) == ("approved", "shi", "核实属错派")
    mine = _page(db, monkeypatch, "appeals", people["street"])
    text = _shown(mine)
    assert "已批准" in text and "shi" in text and "核实属错派" in text
    log = accounts.recent(directory)
    entries = log[log["action"] == "appeal"]
    assert list(entries["username"]) == ["shi", "dh"]
    assert json.loads(entries["detail"].iloc[0])["status"] == "approved"


def _on_time(at: AppTest) -> float:
    """东华门街道's on-time closure rate as the ranking shows it (percent)."""
    frame = at.dataframe[0].value.set_index("街道(乡镇)")
    return float(frame.loc["东华门街道", "按期结案率"])


def test_every_page_follows_a_decision_made_on_the_command_line(city, monkeypatch):
    from dashboard import data

    db, people, _ = city
    at = _page(db, monkeypatch, "assessment", people["district"])
    assert _on_time(at) == pytest.approx(25.0)
    cli(db, "appeal", "add", "A2", "--kind", "exclude", "--reason", "x", "--no-warm")
    assert cli(db, "appeal", "decide", "1", "approve") == 0
    data._version.clear()  # as after VERSION_TTL: the app reads the store's version again
    at.run()
    assert _on_time(at) == pytest.approx(100 / 3)


def test_a_district_issues_an_order_and_the_street_answers(city, monkeypatch):
    db, people, directory = city
    # a street may not issue; it sees no order yet
    street = _page(db, monkeypatch, "supervision", people["street"])
    assert not street.exception and "ord_issue" not in [b.key for b in street.button]
    at = _page(db, monkeypatch, "supervision", people["district"])
    assert not at.exception and not at.error
    assert at.selectbox(key="ord_case").options == ["A4"]
    assert at.selectbox(key="ord_to").options == [
        "街道 · 东城区/东华门街道",
        "部门 · 城管局",
        "部门 · 水务局",
        "部门 · 交通委",
    ]
    at.button(key="ord_issue").click().run()
    assert [e.value for e in at.error] == ["请填写意见或要求，未作任何记录。"]
    assert _rows(db, orders.list_orders) == []
    at.text_area(key="ord_note").input("三日内清理完毕")
    at.button(key="ord_issue").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["已下发督办单 #1：案件 A4 → 东城区/东华门街道。"]
    # the other street has nothing to answer; the street answers its order
    other = _page(db, monkeypatch, "supervision", people["other"])
    assert "ord_send" not in [b.key for b in other.button] and "暂无督办单。" in _shown(other)
    street = _page(db, monkeypatch, "supervision", people["street"])
    assert street.selectbox(key="ord_pick").options == [
        "#1 · A4 · 东城区/东华门街道 · 三日内清理完毕"
    ]
    street.text_area(key="ord_answer").input("已清理")
    street.button(key="ord_send").click().run()
    assert not street.exception and not street.error
    assert [s.value for s in street.success] == ["已回复督办单 #1。"]
    (row,) = _rows(db, orders.list_orders)
    assert (row["issued_by"], row["answered_by"], row["answer"], row["state"]) == (
        "qu",
        "dh",
        "已清理",
        "answered",
    )
    counts = street.dataframe[-2].value
    assert counts.iloc[0].tolist() == ["街道", A, 1, 0, 1, 0]
    log = accounts.recent(directory)
    assert list(log.loc[log["action"] == "order", "username"]) == ["dh", "qu"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_without_accounts_the_one_user_files_and_decides(tmp_path, monkeypatch, lang):
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", f"sqlite:///{tmp_path / 'none.sqlite'}")
    db = make_city(tmp_path)
    at = open_page(db, monkeypatch, "appeals", lang=lang, period="2025-03")
    assert not at.exception and at.info[0].value.startswith(("未设账户", "No accounts yet"))
    at.text_input(key="ap_case").input("A2")
    at.text_area(key="ap_reason").input("x")
    at.button(key="ap_file").click().run()
    at.text_area(key="ap_note").input("ok")
    at.button(key="ap_reject").click().run()
    assert not at.exception and not at.error
    (row,) = _rows(db, appeals.list_appeals)
    assert (row["filed_by"], row["filed_unit"], row["status"]) == ("anonymous", "", "rejected")
    if lang == "zh":  # no English on a Chinese page
        text = _shown(at).replace("anonymous", "")
        assert not [w for w in text.split() if w.isascii() and w.isalpha()], text


def test_an_extension_filed_in_the_app_takes_its_date_and_time(city, monkeypatch):
    from datetime import date, datetime, time

    db, people, _ = city
    at = _page(db, monkeypatch, "appeals", people["street"], lang="en")
    at.text_input(key="ap_case").input("A3")
    at.radio(key="ap_kind").set_value("extend")
    at.date_input(key="ap_until_day").set_value(date(2025, 3, 6))
    at.time_input(key="ap_until_time").set_value(time(12, 0))
    at.text_area(key="ap_reason").input("heavy rain")
    at.button(key="ap_file").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [
        "Appeal #1 on case A3 filed; it awaits the city's decision."
    ]
    (row,) = _rows(db, appeals.list_appeals)
    assert (row["kind"], row["until"]) == ("extend", datetime(2025, 3, 6, 12, 0))
