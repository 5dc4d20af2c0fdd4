"""One selection in the app: a range that is a named period shows what the period shows."""

from __future__ import annotations

import pandas as pd

import metrics
from tests.dashboard.conftest import PERIOD, open_page

RANGE = "2025-11-01..2025-11-30"  # exactly PERIOD (2025-11)


def _shown(at) -> tuple[list, list]:
    assert not at.exception and not at.error
    metrics_shown = [(m.label, m.value, m.delta) for m in at.metric]
    captions = [c.value for c in at.caption]
    return metrics_shown, captions


def test_overview_of_a_range_equals_the_named_month(city, monkeypatch, engine):
    named = open_page(city, monkeypatch, "overview", period=PERIOD)
    spelled = open_page(city, monkeypatch, "overview", period=RANGE)
    assert _shown(named) == _shown(spelled)
    captions = _shown(named)[1]
    # 环比 against October, 同比 against November a year earlier, by the same arithmetic.
    assert any("2025-10" in c and "2024-11" in c for c in captions), captions
    cases = metrics.assess(engine, metrics.Selection.build("city", PERIOD), rank_change=False)
    assert named.metric[0].value == f"{cases.iloc[0]['cases']:,}"


def test_assessment_of_a_range_has_the_named_rank_change(city, monkeypatch, engine):
    named = open_page(city, monkeypatch, "assessment", period=PERIOD, level="street")
    spelled = open_page(city, monkeypatch, "assessment", period=RANGE, level="street")
    a, b = named.dataframe[0].value, spelled.dataframe[0].value
    pd.testing.assert_frame_equal(a, b)
    # the rank change is against October: recompute October's ranks independently
    oct_ = metrics.kpi_table(engine, metrics.Selection.build("street", "2025-10"))
    w = metrics.default_rules().weights
    parts = {
        "response": "response_rate",
        "solved": "solved_rate",
        "satisfaction": "satisfaction_rate",
    }
    num = sum(oct_[col].fillna(0) * w[k] for k, col in parts.items())
    den = sum(oct_[col].notna() * w[k] for k, col in parts.items())
    score = (100 * num / den.where(den > 0)).round(9)
    ranks = score.rank(method="min", ascending=False)
    now = metrics.assess(engine, metrics.Selection.build("street", PERIOD))
    prev = dict(zip(zip(oct_["district"], oct_["street"], strict=True), ranks, strict=True))
    changed = now.dropna(subset=["rank_change"])
    assert len(changed) > 0
    for _, row in changed.iterrows():
        assert row["rank_change"] == prev[row["district"], row["street"]] - row["rank"]
