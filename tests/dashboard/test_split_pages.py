"""AppTest of the 按类型 section of 考核排名: one row per value, the figures of assess."""

from __future__ import annotations

import metrics
from metrics.selection import Selection
from tests.dashboard.conftest import PERIOD, open_page


def test_the_ranking_page_splits_by_a_chosen_column(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "assessment", period=PERIOD, level="street", scope="")
    assert not at.exception and not at.error
    at.selectbox(key="split_by").set_value("source").run()
    assert not at.exception and not at.error
    want = metrics.assess(engine, Selection.build("source", PERIOD))
    want = want[want["cases"] > 0]
    shown = next(d.value for d in at.dataframe if "来源" in d.value.columns)
    assert sorted(shown["来源"]) == sorted(metrics.value_label("source", s) for s in want["source"])
    assert shown["受理量"].sum() == want["cases"].sum()
    rates = shown["按期结案率"].dropna().tolist()
    assert rates == sorted(rates)  # the late kinds first


def test_the_split_is_labelled_in_english(city, monkeypatch):
    at = open_page(city, monkeypatch, "assessment", lang="en", period=PERIOD, split_by="urgency")
    assert not at.exception and not at.error
    assert any(h.value.startswith("By kind of case") for h in at.subheader)
    shown = next(d.value for d in at.dataframe if "Urgency" in d.value.columns)
    assert set(shown["Urgency"]) <= {"Emergency", "Utilities", "General", "Complex"}
