"""AppTest of the rule-set editor (规则集管理): edit an example, see who moves, save it as a
version and activate it; the ranking page then uses it. City accounts only."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import accounts
import metrics
from caselog import open_store
from metrics.rules import default_rules, load_rules, parse_rules
from metrics.selection import Selection
from records import rulesets
from tests.conftest import sample_store
from tests.dashboard import test_access
from tests.dashboard.conftest import ROOT, open_page

directory = test_access.directory  # an accounts database of the test's own
AREA = ROOT / "sample_data" / "rules" / "area-evaluation.toml"
SOURCE = "example:area-evaluation.toml"
PERIOD = "2025-11"


@pytest.fixture
def city(tmp_path):
    """A store of its own: the editor saves and activates rule sets in it."""
    return sample_store(tmp_path, grids=20, years=1, cases_per_year=3000, seed=8)


def _tag() -> str:
    return f"{SOURCE}:{load_rules(AREA).hash[:12]}"


def _clean(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _edited_area() -> str:
    """The edit made below, written by hand: name area-2027, 按期结案率 60 points."""
    text = AREA.read_text(encoding="utf-8").replace('"area-evaluation"', '"area-2027"')
    head, _, tail = text.partition('kpi = "on_time_rate"\npoints = 40')
    return head + 'kpi = "on_time_rate"\npoints = 60' + tail


def test_edit_compare_save_and_activate(city, monkeypatch, directory):
    at = open_page(city, monkeypatch, "rule_sets", period=PERIOD, level="street")
    _clean(at)
    assert any("还没有保存的规则集" in i.value for i in at.info)
    at.selectbox(key="rules_source").set_value(SOURCE).run()
    _clean(at)
    at.text_input(key=f"rules_name:{_tag()}").set_value("area-2027")
    at.session_state[f"rules_items:{_tag()}"] = {
        "edited_rows": {1: {"points": 60}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    _clean(at)
    want = parse_rules(_edited_area())
    assert want.scheme.items[1].points == 60

    # before: nothing active for street (the default); after: the draft — by plain pandas
    engine = open_store(city, read_only=True)
    old = metrics.assess(engine, Selection.build("street", PERIOD, rules=default_rules()))
    new = metrics.assess(engine, Selection.build("street", PERIOD, rules=want))
    engine.dispose()
    both = old.merge(new, on=["district", "street"], suffixes=("_old", "_new"))
    both["moved"] = both["rank_old"].astype(float) - both["rank_new"].astype(float)
    shown = next(d.value for d in at.dataframe if "名次变化" in d.value.columns)
    got = shown.set_index("街道(乡镇)")["名次变化"].astype(float)
    expected = both.set_index("street")["moved"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )
    assert got.abs().max() > 0  # the change moves someone
    assert any(
        c.value == f"{int((expected.fillna(0) != 0).sum())} 个单位名次变化" for c in at.caption
    )

    at.checkbox(key="rules_activate_after").check()
    at.button(key="rules_save").click().run()
    _clean(at)
    engine = open_store(city, read_only=True)
    saved = rulesets.versions(engine)
    assert saved[["name", "rules_hash", "active_for"]].values.tolist() == [
        ["area-2027", want.hash, "street"]
    ]
    assert rulesets.load_version(engine, int(saved["id"][0])).hash == want.hash
    engine.dispose()
    assert any(s.value.startswith("已保存为版本 1") for s in at.success)
    listed = next(d.value for d in at.dataframe if "哈希" in d.value.columns)
    assert listed[["编号", "名称", "哈希", "保存人", "基于", "启用层级"]].values.tolist() == [
        [1, "area-2027", want.hash[:12], "匿名（未设账户）", "示例：数字城管区域评价", "街道(乡镇)"]
    ]
    log = accounts.recent(directory)
    details = [json.loads(d) for d in log[log["action"] == "rule_set"]["detail"]][::-1]
    assert [(d["do"], d["id"]) for d in details] == [("save", 1), ("activate", 1)]

    # the ranking page now assesses streets under the active rule set
    page = open_page(city, monkeypatch, "assessment", period=PERIOD, level="street")
    _clean(page)
    assert any("area-2027" in c.value and want.hash[:12] in c.value for c in page.sidebar.caption)
    assert (
        page.dataframe[0].value["综合得分"].round(6).tolist()
        == new["composite_score"].round(6).tolist()
    )


def test_an_invalid_edit_is_refused_naming_the_item(city, monkeypatch, directory):
    at = open_page(city, monkeypatch, "rule_sets", period=PERIOD, rules_source=SOURCE)
    at.session_state[f"rules_items:{_tag()}"] = {
        "edited_rows": {0: {"floor": 0.98}},  # 结案率: target 0.98
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "规则集无效：score item 1 (closure_rate): floor equals target."
    ]
    assert "rules_save" not in [b.key for b in at.button]  # nothing to save


def test_the_editor_in_english(city, monkeypatch, directory):
    at = open_page(city, monkeypatch, "rule_sets", lang="en", period=PERIOD, rules_source=SOURCE)
    _clean(at)
    assert at.title[0].value == "Rule sets"
    assert any(c.value.startswith("Street (town) · 2025-11: before is") for c in at.caption)


def test_only_city_accounts_reach_the_editor(city, monkeypatch, directory):
    account = accounts.add_account(
        directory, "dept", "department", None, "dept-pass-1", department="水务局"
    )
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(city, monkeypatch, "rule_sets", account=account)
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "rule_sets.py"))
    at.session_state["db_url"] = city
    at.session_state["account"] = account
    at.run()
    assert [e.value for e in at.error] == ["此页面仅对市级账户开放。"]
    assert not at.button and not at.dataframe
