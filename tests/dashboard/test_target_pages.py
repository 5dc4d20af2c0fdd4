"""Targets on pages: the overview headline and the ranking say met or missed and by how much,
the trend and funnel charts draw the target line."""

from __future__ import annotations

import json

import pytest

import metrics
from metrics.rules import parse_rules
from metrics.selection import Selection
from tests.dashboard.conftest import PERIOD, open_page

TEXT = """
name = "with-targets"
[[score]]
kpi = "solved_rate"
points = 60
target = 0.9
floor = 0.5
[[score]]
kpi = "satisfaction_rate"
points = 40
target = 0.8
floor = 0.4
[targets]
on_time_rate = 0.95
"""
RULES = parse_rules(TEXT)


@pytest.fixture
def with_targets(monkeypatch):
    """The sidebar's rule set (no upload: the one active for the level) is RULES."""
    monkeypatch.setattr("dashboard.filters.active_text", lambda url, level: TEXT)
    return RULES


def _by_hand(value: float, target: float, zh: bool = True) -> str:
    met = value >= target
    gap = f"{(value - target) * 100:+.1f}"
    if zh:
        return f"{'达标' if met else '未达标'} {gap} 个百分点"
    return f"{'met' if met else 'missed'}, {gap} pp"


def _clean(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_the_headline_says_met_or_missed(city, monkeypatch, engine, with_targets):
    at = open_page(city, monkeypatch, "overview", period=PERIOD)
    _clean(at)
    row = metrics.assess(engine, Selection.build("city", PERIOD, rules=RULES), rank_change=False)
    row = row.iloc[0]
    captions = [c.value for c in at.caption]
    for kid, target, shown in (
        ("on_time_rate", 0.95, "95.0%"),
        ("solved_rate", 0.9, "90.0%"),
        ("satisfaction_rate", 0.8, "80.0%"),
    ):
        want = f"达标线 {shown} · {_by_hand(row[kid], target)}"
        assert want in captions, (kid, want, captions)


def test_the_ranking_has_a_column_per_target_and_the_funnel_a_line(
    city, monkeypatch, engine, with_targets
):
    at = open_page(city, monkeypatch, "assessment", lang="en", period=PERIOD, level="district")
    _clean(at)
    ranked = metrics.assess(engine, Selection.build("district", PERIOD, rules=RULES))
    shown = at.dataframe[0].value
    got = shown["On-time closure rate vs target"].tolist()
    assert got == [_by_hand(v, 0.95, zh=False) for v in ranked["on_time_rate"]]
    assert "Response rate vs target" not in shown.columns  # no target: no column
    at.selectbox(key="funnel_kpi").set_value("solved_rate").run()
    _clean(at)
    funnel = json.loads(at.get("plotly_chart")[0].proto.spec)
    lines = [s for s in funnel["layout"].get("shapes", []) if s.get("line", {}).get("dash")]
    assert any(s["y0"] == 0.9 for s in lines)


def test_the_trend_chart_draws_the_target(city, monkeypatch, with_targets):
    at = open_page(city, monkeypatch, "trends", period=PERIOD, trend_kpi="on_time_rate")
    _clean(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    shapes = spec["layout"]["shapes"]
    assert [s["y0"] for s in shapes] == [0.95]
    assert spec["layout"]["annotations"][0]["text"] == "达标线 95.0%"
    at.selectbox(key="trend_kpi").set_value("response_rate").run()  # no target: no line
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert not spec["layout"].get("shapes")
