"""The sidebar's filters survive a language switch and page switches; drill-downs narrow them."""

from __future__ import annotations

from types import SimpleNamespace

import streamlit

import metrics
from metrics.selection import Selection
from tests.dashboard.conftest import PERIOD, open_page


def _clean(at) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def _cases_metric(at) -> str:
    first = at.metric[0]  # the headline starts with the case count
    assert first.label in ("受理量", "Cases received"), first.label
    return first.value


def test_a_language_switch_keeps_level_scope_and_period(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "overview", period="2025Q3", level="district", scope="东澜区")
    _clean(at)
    before = _cases_metric(at)
    want = metrics.assess(
        engine, Selection.build("city", "2025Q3", scope={"district": "东澜区"}), rank_change=False
    )
    assert before == f"{want.iloc[0]['cases']:,}"
    at.selectbox(key="lang").set_value("en").run()
    at.run()  # the click after the switch is where the filters used to reset
    _clean(at)
    assert (at.session_state["level"], at.session_state["scope"]) == ("district", "东澜区")
    assert at.selectbox(key="_level_en").value == "district"
    assert at.selectbox(key="_scope_en").value == "东澜区"
    assert at.text_input(key="_period_en").value == "2025Q3"
    assert _cases_metric(at) == before
    at.selectbox(key="lang").set_value("zh").run()
    at.run()
    _clean(at)
    assert at.selectbox(key="_scope_zh").value == "东澜区"
    assert _cases_metric(at) == before


def test_drilling_keeps_the_period_and_narrows_to_a_community(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "overview", period="2025Q3", level="community")
    _clean(at)
    picked = at.selectbox(key="drill_unit").value
    at.button(key="drill").click().run()
    _clean(at)
    assert at.title[0].value == "考核排名"
    assert at.session_state["period"] == "2025Q3"
    assert at.text_input(key="_period_zh").value == "2025Q3"
    assert at.session_state["level"] == "grid"
    assert at.session_state["scope"] == picked  # district/street/community
    assert picked in at.selectbox(key="_scope_zh").options
    district, street, community = picked.split("/")
    shown = at.dataframe[0].value
    want = metrics.assess(
        engine,
        Selection.build(
            "grid", "2025Q3", scope={"district": district, "street": street, "community": community}
        ),
    )
    assert len(shown) == len(want) > 0
    assert set(shown["社区(村)"]) == {community}


def test_opening_the_ranking_keeps_filters_and_the_unit(city, monkeypatch):
    at = open_page(city, monkeypatch, "overview", period="2025Q3", level="department")
    _clean(at)
    options = at.selectbox(key="drill_unit").options
    at.selectbox(key="drill_unit").set_value(options[-1]).run()
    at.button(key="drill").click().run()
    _clean(at)
    assert at.title[0].value == "考核排名"
    assert (at.session_state["period"], at.session_state["level"]) == ("2025Q3", "department")
    assert at.selectbox(key="explain_unit").value == options[-1]


def test_a_period_without_cases_says_so_on_the_ranking(city, monkeypatch):
    at = open_page(city, monkeypatch, "assessment", period="2019")
    _clean(at)
    assert [i.value for i in at.info] == ["所选周期和范围内没有案件。"]
    assert not at.dataframe


def test_a_rule_file_over_the_limit_is_refused_with_a_warning(city, monkeypatch):
    from dashboard.filters import MAX_RULES_BYTES

    body = b'name = "big"\n' + b"# padding\n" * (MAX_RULES_BYTES // 10 + 1)
    big = SimpleNamespace(size=len(body), getvalue=lambda: body)
    monkeypatch.setattr(
        streamlit, "file_uploader", lambda *a, key=None, **k: big if key == "rules_file" else None
    )
    at = open_page(city, monkeypatch, "overview", period=PERIOD)
    assert any("64 KB" in w.value for w in at.warning)
    assert any(c.value.startswith("当前规则集：内置默认规则") for c in at.caption)


def test_the_satisfaction_explanation_weights_basically_satisfied(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "assessment", period=PERIOD, level="street")
    at.selectbox(key="explain_kpi").set_value("satisfaction_rate").run()
    _clean(at)
    unit = at.selectbox(key="explain_unit").value
    counts = metrics.explain_counts(
        engine, Selection.build("street", PERIOD), unit, "satisfaction_rate"
    )
    table = metrics.assess(engine, Selection.build("street", PERIOD))
    row = table[table["district"] + "/" + table["street"] == unit].iloc[0]
    shown = f"满意率 {row['satisfaction_rate']:.1%} = {counts['points']:,.1f} / {counts['denominator']:,}"
    assert any(shown in m.value for m in at.markdown), [m.value for m in at.markdown]
    assert any("基本满意按 0.9 计" in m.value for m in at.markdown)
