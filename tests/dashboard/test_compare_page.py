"""The 单位对比 page: its figures against plain pandas over the case log, targets, ranks, trends."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import metrics
from metrics.formats import format_value
from metrics.selection import Selection
from tests.dashboard.test_urls import clean, open_link

PERIOD = "2025Q3"
TARGETS = """name = "compare-targets"
[weights]
response = 0.1
solved = 0.5
satisfaction = 0.4
[targets]
closure_rate = 0.99
"""


def _numbers(values) -> list:
    """A plotly trace's values (plotly writes numeric arrays as base64 ``bdata``)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), values["dtype"]).tolist()
    return list(values)


def _by_hand(url: str) -> pd.DataFrame:
    """Cases, closure and solved rates per street in 2025Q3 from the generated CSV: each
    case's last readable row, cancelled cases left out."""
    folder = Path(url.removeprefix("duckdb:///")).parent
    rows = pd.read_csv(folder / "cases.csv", dtype=str)
    rows["reported"] = pd.to_datetime(rows["reported_at"], errors="coerce", format="mixed")
    rows = rows.dropna(subset=["reported", "category", "district", "street"])
    rows = rows.drop_duplicates("case_id", keep="last")
    rows = rows[rows["status"] != "cancelled"]
    rows = rows[(rows["reported"] >= "2025-07-01") & (rows["reported"] < "2025-10-01")]
    rows["path"] = rows["district"] + "/" + rows["street"]
    verdict = rows["solved"].map({"是": 1.0, "否": 0.0})
    return pd.DataFrame(
        {
            "cases": rows.groupby("path").size(),
            "closure_rate": rows["closed_at"].notna().groupby(rows["path"]).mean(),
            "solved_rate": verdict.groupby(rows["path"]).mean(),
        }
    )


def test_compared_figures_match_a_plain_pandas_count(city, monkeypatch, engine):
    # the rule set in use (no upload, no version chosen: the one active for the level)
    monkeypatch.setattr("dashboard.filters.active_text", lambda url, level: TARGETS)
    hand = _by_hand(city)
    picked = list(hand.sort_values("cases").index[[0, len(hand) // 2, -1]])
    at = open_link(
        city,
        monkeypatch,
        "compare",
        {"period": PERIOD, "level": "street", "compare_units": picked},
    )
    clean(at)
    table = at.dataframe[0].value.set_index("指标")
    names = [p.split("/")[1] for p in picked]
    assert list(table.columns) == [*names, "达标线"]
    for path, name in zip(picked, names, strict=True):
        assert table.at["受理量", name] == f"{hand.at[path, 'cases']:,}"
        closure = hand.at[path, "closure_rate"]
        mark = "✓" if closure >= 0.99 else "✗"
        assert table.at["结案率", name] == f"{format_value('closure_rate', closure)} {mark}"
        assert table.at["解决率", name] == format_value("solved_rate", hand.at[path, "solved_rate"])
    assert table.at["结案率", "达标线"] == "99.0%"
    ranked = metrics.assess(engine, Selection.build("street", PERIOD))
    ranked["path"] = ranked["district"] + "/" + ranked["street"]
    n = int(ranked["rank"].notna().sum())
    for path, name in zip(picked, names, strict=True):
        rank = ranked.set_index("path").at[path, "rank"]
        assert table.at["排名", name] == f"{int(rank)} / {n}"


@pytest.mark.parametrize("kpi", ["cases", "closure_rate"])
def test_the_trend_draws_one_line_per_unit(city, monkeypatch, kpi):
    hand = _by_hand(city)
    picked = list(hand.index[:2])
    at = open_link(
        city,
        monkeypatch,
        "compare",
        {"period": PERIOD, "level": "street", "compare_units": picked, "compare_kpi": kpi},
    )
    clean(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    lines = {trace["name"]: trace for trace in spec["data"]}
    assert set(lines) == {p.split("/")[1] for p in picked}
    # the chart's September point is the quarter's last month, counted by hand
    folder = Path(city.removeprefix("duckdb:///")).parent
    rows = pd.read_csv(folder / "cases.csv", dtype=str)
    rows["reported"] = pd.to_datetime(rows["reported_at"], errors="coerce", format="mixed")
    rows = rows.dropna(subset=["reported", "category"]).drop_duplicates("case_id", keep="last")
    rows = rows[
        (rows["status"] != "cancelled") & (rows["reported"].dt.strftime("%Y-%m") == "2025-09")
    ]
    for path in picked:
        district, street = path.split("/")
        mine = rows[(rows["district"] == district) & (rows["street"] == street)]
        want = len(mine) if kpi == "cases" else mine["closed_at"].notna().mean()
        trace = lines[street]
        months = pd.to_datetime(trace["x"]).strftime("%Y-%m")
        got = dict(zip(months, _numbers(trace["y"]), strict=True))["2025-09"]
        assert got == pytest.approx(want)


def test_no_target_column_without_targets(city, monkeypatch):
    at = open_link(city, monkeypatch, "compare", {"period": PERIOD, "level": "street"})
    clean(at)
    table = at.dataframe[0].value
    assert table.columns[0] == "指标" and "达标线" not in table.columns
    assert len(table.columns) == 3 and not any("✓" in str(v) for v in table.to_numpy().ravel())


def test_fewer_than_two_units_asks_for_more(city, monkeypatch):
    at = open_link(city, monkeypatch, "compare", {"period": PERIOD, "level": "street"})
    first = at.multiselect(key="compare_units").value[0]
    at.multiselect(key="compare_units").set_value([first]).run()
    clean(at)
    assert "请选择 2 至 4 个街道(乡镇)进行对比。" in [i.value for i in at.info]
    assert not at.dataframe


def test_a_level_change_starts_again_from_the_top_two(city, monkeypatch, engine):
    at = open_link(city, monkeypatch, "compare", {"period": PERIOD, "level": "street"})
    streets = at.multiselect(key="compare_units").options
    at.multiselect(key="compare_units").set_value(streets[-2:]).run()
    at.selectbox(key="_level_zh").set_value("community").run()
    clean(at)
    top = metrics.assess(engine, Selection.build("community", PERIOD))
    want = [f"{r.district}/{r.street}/{r.community}" for r in top.head(2).itertuples()]
    assert at.multiselect(key="compare_units").value == want
    assert len(at.dataframe[0].value.columns) == 3
