"""The leader's polish on the pages: map outlines and hovers, trends' top N, rank-move notes."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd

import forecasting
from caselog import open_store
from dashboard.ranknotes import moves, with_notes
from metrics.scheme import Item, Scheme
from tests.dashboard.conftest import PERIOD, open_page
from tests.dashboard.test_pages import _clean


def _spec(at, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def test_map_draws_district_and_street_outlines_with_names_and_worded_hovers(city, monkeypatch):
    engine = open_store(city, read_only=True)
    tree = forecasting.hierarchy(engine, "grid")
    engine.dispose()
    at = open_page(city, monkeypatch, "grid_map", period=PERIOD)
    assert not at.exception
    spec = _spec(at)
    grids, *extra = spec["data"]
    assert grids["type"] == "choroplethmap"
    community = dict(zip(tree["grid"], tree["community"], strict=True))
    for where, text in grids["customdata"]:
        path, grid = where.split(" · ")
        assert community[grid] == path and path.count("/") == 2
        assert text == "—" or text.replace(",", "").replace(".", "").isdigit()
    outlined = [d for d in extra if d["type"] == "choroplethmap"]
    assert [sorted(d["locations"]) for d in outlined] == [
        sorted(set(tree["street"])),
        sorted(set(tree["district"])),
    ]
    names = [d for d in extra if d.get("mode") == "text"]
    streets = {s.rsplit("/", 1)[1] for s in tree["street"]}
    assert [set(d["text"]) for d in names] == [streets, set(tree["district"])]
    title = spec["layout"]["coloraxis"]["colorbar"]["title"]["text"]
    assert title == "千户受理量（件/千户）"


def test_trends_show_the_top_n_with_a_note_and_all_on_request(city, monkeypatch):
    state = {"period": PERIOD, "trend_split": "category", "trend_freq": "month"}
    at = open_page(city, monkeypatch, "trends", trend_top=5, **state)
    _clean(at)
    shown = {d["name"] for d in _spec(at)["data"]}
    everyone = open_page(city, monkeypatch, "trends", trend_top=0, **state)
    _clean(everyone)
    every = {d["name"] for d in _spec(everyone)["data"]}
    assert len(shown) == 5 and shown < every
    note = [c.value for c in at.caption if "显示前" in c.value]
    assert note and f"显示前 5 个大类（共 {len(every)} 个）" in note[0]
    assert not [c.value for c in everyone.caption if "显示前" in c.value]


def test_a_big_rank_move_is_noted_with_volume_and_the_part_that_moved():
    rules = SimpleNamespace(scheme=Scheme(items=(Item("response_rate", 100, 1.0, 0.0),)))
    keys = {"district": ["东区", "东区", "东区"], "street": ["甲", "乙", "丙"]}
    before = pd.DataFrame({**keys, "cases": [100, 40, 10], "response_rate": [0.5, 0.9, 0.8]})
    now = pd.DataFrame(
        {
            **keys,
            "cases": [150, 30, 10],
            "response_rate": [0.7, 0.6, 0.8],
            "rank_change": [27, -12, 1],
        }
    )
    found = moves(now, before, "street", rules)
    assert found["move_note"].tolist() == [
        "上升 27 位：受理量 +50.0%；响应率得分 +20.0",
        "下降 12 位：受理量 -25.0%；响应率得分 -30.0",
    ]
    noted = with_notes(now, found, "street")
    assert noted["move_note"].tolist() == [found["move_note"][0], found["move_note"][1], ""]
